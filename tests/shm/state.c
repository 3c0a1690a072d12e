/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm, the state file: written by an update with its .prev, an
 * update published but its file not written, save and load, their
 * errors, and a corrupt count refused before copying.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

/* The whole file at @p path (NUL-terminated); NULL when missing. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Fail unless the file at @p path holds the @p len bytes at @p want. */
static void
expect_file(const char *path, const char *want, size_t len)
{
	size_t n;
	char *got = slurp(path, &n);

	cr_assert_not_null(got, "%s", path);
	cr_assert_eq(n, len, "%s: %zu bytes, want %zu", path, n, len);
	cr_assert_arr_eq(got, want, len);
	free(got);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

Test(shm, update_writes_the_state_file_and_keeps_prev)
{
	const char *path = tmp_path();
	struct fg_fed_lists *cur = lists_new(), *loaded = lists_new();
	struct edit e = adding("allow", "10.0.0.0/8");
	char prev[240], tmp[240], *first, *second;
	size_t n1, n2;
	struct stat st;

	snprintf(prev, sizeof(prev), "%s.prev", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ready(&h, inst());
	snprintf(h.s->h.state_path, sizeof(h.s->h.state_path), "%s", path);
	update_ok(&h, &e, 1000, 1);
	cr_assert_eq(fg_shm_lists_read(&h, cur), 0);
	first = save(cur, &n1);
	expect_file(path, first, n1);
	cr_assert_eq(fg_shm_state_load(path, loaded, err, sizeof(err)), 0, "%s", err);
	expect_lists_eq(cur, loaded);
	cr_assert_eq(loaded->nallow, 1);
	cr_assert_eq(stat(prev, &st), -1);        /* nothing before the first */
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(stat(tmp, &st), -1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);

	e = adding("watch", "w.example");
	update_ok(&h, &e, 1000, 2);
	second = slurp(path, &n2);
	cr_assert_not_null(second);
	cr_assert(strstr(second, "\nwatch-domain w.example\nend 2 crc32=") != NULL, "%s", second);
	expect_file(prev, first, n1);
	cr_assert_eq(fg_shm_state_load(path, loaded, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fg_shm_lists_read(&h, cur), 0);
	expect_lists_eq(cur, loaded);
	cr_assert_eq(fg_shm_state_load(prev, loaded, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(loaded->nallow, 1);
	cr_assert_eq(loaded->nwatch_dom, 0);
	cr_assert_eq(stat(tmp, &st), -1);

	/* a failed edit writes nothing */
	e.n = 0;
	e.ret = -EINVAL;
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EINVAL);
	expect_file(path, second, n2);
	free(first);
	free(second);
	free(cur);
	free(loaded);
}

Test(shm, update_published_but_state_not_written)
{
	struct edit e = adding("allow", "10.0.0.0/8");
	struct fg_fed_lists *got = lists_new();

	ready(&h, inst());
	strcpy(h.s->h.state_path, "/nonexistent-fgtest-dir/lists");
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EIO);
	cr_assert_str_eq(err, "state file /nonexistent-fgtest-dir/lists.tmp (errno=2): "
			 "No such file or directory");
	cr_assert_eq(h.s->gen, 1);                /* published all the same */
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	cr_assert_eq(got->nallow, 1);
	free(got);
}

Test(shm, state_save_load_and_prev)
{
	const char *path = tmp_path();
	struct fg_fed_lists *a = lists_new(), *b = lists_new(), *c = lists_new(),
			    *got = lists_new();
	char prev[240], *fa, *fb;
	size_t na, nb;
	struct fg_list_item it = item("block", "192.0.2.0/24");

	snprintf(prev, sizeof(prev), "%s.prev", path);
	fill_sample(a);
	fg_lists_copy(b, a);
	cr_assert_eq(fg_lists_add(b, &it), 0);
	cr_assert_eq(fg_shm_state_save(path, a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fg_shm_state_load(path, got, err, sizeof(err)), 0, "%s", err);
	expect_lists_eq(a, got);
	fa = slurp(path, &na);
	cr_assert_eq(fg_shm_state_save(path, b, err, sizeof(err)), 0, "%s", err);
	fb = slurp(path, &nb);
	expect_file(prev, fa, na);
	cr_assert_eq(fg_shm_state_save(path, c, err, sizeof(err)), 0, "%s", err);
	expect_file(prev, fb, nb);
	cr_assert_eq(fg_shm_state_load(path, got, err, sizeof(err)), 0, "%s", err);
	expect_lists_eq(c, got);
	cr_assert_eq(fg_shm_state_load(prev, got, err, sizeof(err)), 0, "%s", err);
	expect_lists_eq(b, got);
	free(fa);
	free(fb);
	free(a);
	free(b);
	free(c);
	free(got);
}

Test(shm, state_save_errors)
{
	struct fg_fed_lists *l = lists_new();
	char path[400];

	cr_assert_eq(fg_shm_state_save("/nonexistent-fgtest-dir/x", l, err, sizeof(err)),
		     -ENOENT);
	cr_assert_str_eq(err, "state file /nonexistent-fgtest-dir/x.tmp (errno=2): No such "
			 "file or directory");
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[300] = '\0';
	cr_assert_eq(fg_shm_state_save(path, l, err, sizeof(err)), -ENAMETOOLONG);
	cr_assert(strstr(err, ": path too long") != NULL, "%s", err);
	cr_assert_eq(strncmp(err, path, 300), 0);
	free(l);
}

Test(shm, state_load_errors)
{
	const char *path = tmp_path();
	struct fg_fed_lists *l = lists_new();
	char want[512], *text;
	size_t n;
	int fd;

	/* missing: -ENOENT (a first start), no message */
	strcpy(err, "untouched");
	cr_assert_eq(fg_shm_state_load(path, l, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "untouched");

	/* damaged: -EINVAL, the path, the line, the problem */
	fill_sample(l);
	text = save(l, &n);
	text[strstr(text, "10.0.0.0/8") - text] = '9';
	write_file(path, text, n);
	cr_assert_eq(fg_shm_state_load(path, l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 15: checksum mismatch (the file was changed or "
		 "damaged)", path);
	cr_assert_str_eq(err, want);
	write_file(path, text, n - 20);
	cr_assert_eq(fg_shm_state_load(path, l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 15: truncated (no end line)", path);
	cr_assert_str_eq(err, want);
	write_file(path, "", 0);
	cr_assert_eq(fg_shm_state_load(path, l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: no end line (the file is truncated)", path);
	cr_assert_str_eq(err, want);
	free(text);

	/* too big: -EFBIG before reading it */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, FG_LISTS_FILE_MAX + 1), 0);
	close(fd);
	cr_assert_eq(fg_shm_state_load(path, l, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: 4194305 bytes, more than a state file may have "
		 "(4194304)", path);
	cr_assert_str_eq(err, want);
	/* the most it may have: read, and refused for what it holds */
	cr_assert_eq(truncate(path, FG_LISTS_FILE_MAX), 0);
	cr_assert_eq(fg_shm_state_load(path, l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 1: truncated (no end line)", path);
	cr_assert_str_eq(err, want);
	free(l);
}

/* A current copy with a count out of range (nwatch_dom = 257) is refused
 * by the reader and the writer without writing past their copies (the
 * writer would reach the mailbox after lists[1]). */
Test(shm, corrupt_count_is_refused_before_copying)
{
	const size_t guard = 4096;
	uint8_t *buf = malloc(sizeof(struct fg_fed_lists) + guard), after[128], now[128];
	struct fg_fed_lists *out = (struct fg_fed_lists *)buf;
	struct edit e = adding("block", "192.0.2.0/24");
	size_t end1 = offsetof(struct fg_shm, lists) + 2 * sizeof(struct fg_fed_lists);
	size_t i, bad = 0;

	cr_assert_not_null(buf);
	memset(buf, 0x5a, sizeof(struct fg_fed_lists) + guard);
	ready(&h, inst());
	/* gen 0: copy 0 is current; an entry, and a count past the maximum */
	h.s->lists[0].nallow = 1;
	h.s->lists[0].allow[0] = item("allow", "10.0.0.0/8").pfx;
	h.s->lists[0].nwatch_dom = FG_FED_LIST_MAX + 1;
	cr_assert_eq(fg_shm_lists_read(&h, out), -EINVAL);
	for (i = 0; i < guard; i++)
		bad += buf[sizeof(struct fg_fed_lists) + i] != 0x5a;
	cr_expect_eq(bad, 0, "fg_shm_lists_read wrote %zu bytes past its output", bad);

	h.s->req_seq = 0x0102030405060708ull;
	memcpy(after, (uint8_t *)h.s + end1, sizeof(after));
	cr_expect_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EINVAL);
	cr_expect_eq(h.s->gen, 0);
	memcpy(now, (uint8_t *)h.s + end1, sizeof(now));
	cr_expect_arr_eq(now, after, sizeof(now), "the update wrote past lists[1]");
	cr_expect_eq(h.s->req_seq, 0x0102030405060708ull);
	free(buf);
}
