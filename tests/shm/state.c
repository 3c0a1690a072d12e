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

/* fg_shm_state_load() of @p path into @p l, @p set (emptied first) and
 * @p t (fg_tags_init() first). */
static int
load_into(const char *path, struct fg_fed_lists *l, struct fg_pfxset *set, struct fg_tags *t)
{
	struct fg_pfxset_cfg cfg = test_pfx_cfg();

	cr_assert_eq(fg_pfxset_init(set, fg_pfxset_size(&cfg), &cfg, 0x5eed), 0);
	fg_tags_init(t);
	return fg_shm_state_load(path, l, set, t, err, sizeof(err));
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
	struct fg_pfxset *set = pfxset_new();
	struct fg_tags tags;
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	struct fg_list_item blk = item("block", "192.0.2.0/24");
	struct fg_pfx_meta m = { .tag = FG_TAG_CONFIG, .added_s = 1700000000u,
				 .expires_s = 4000000000u }, got;
	char prev[240], tmp[240], *first, *second, *want, *p;
	size_t n1, n2, nw;
	struct stat st;

	snprintf(prev, sizeof(prev), "%s.prev", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ready(&h, inst());
	snprintf(h.s->h.state_path, sizeof(h.s->h.state_path), "%s", path);
	/* the prefix set as it is goes into the file with the domain lists */
	cr_assert_eq(fg_pfxset_add(fg_shm_pfx(&h), FG_PFX_LIST_BLOCK, &blk.pfx, &m), 0);
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s", err);
	first = slurp(path, &n1);
	cr_assert_not_null(first);
	cr_assert_eq(fg_shm_lists_read(&h, cur), 0);
	want = save_all(cur, fg_shm_pfx(&h), &h.s->tags, &nw);
	cr_assert_eq(n1, nw);
	cr_assert_arr_eq(first, want, nw);
	free(want);
	cr_assert(strstr(first, "\nblock 192.0.2.0/24 tag=config added=1700000000 "
			 "expires=4000000000\n") != NULL, "%s", first);
	cr_assert_eq(load_into(path, loaded, set, &tags), 0, "%s", err);
	expect_lists_eq(cur, loaded);
	expect_sets_eq(fg_shm_pfx(&h), &h.s->tags, set, &tags);
	cr_assert_eq(loaded->nallow_dom, 1);
	cr_assert_eq(fg_pfxset_get(set, FG_PFX_LIST_BLOCK, &blk.pfx, &got), 1);
	cr_assert_eq(got.expires_s, 4000000000u);
	cr_assert_eq(stat(prev, &st), -1);        /* nothing before the first */
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(stat(tmp, &st), -1);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);

	e = adding("watch", "w.example");
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s", err);
	second = slurp(path, &n2);
	cr_assert_not_null(second);
	cr_assert(strstr(second, "\nwatch-domain w.example\nend 3 crc32=") != NULL, "%s", second);
	p = slurp(prev, &nw);
	cr_assert_not_null(p);
	cr_assert_eq(nw, n1);
	cr_assert_arr_eq(p, first, n1);
	free(p);
	cr_assert_eq(load_into(path, loaded, set, &tags), 0, "%s", err);
	cr_assert_eq(fg_shm_lists_read(&h, cur), 0);
	expect_lists_eq(cur, loaded);
	expect_sets_eq(fg_shm_pfx(&h), &h.s->tags, set, &tags);
	cr_assert_eq(load_into(prev, loaded, set, &tags), 0, "%s", err);
	cr_assert_eq(loaded->nallow_dom, 1);
	cr_assert_eq(loaded->nwatch_dom, 0);
	cr_assert_eq(fg_pfxset_get(set, FG_PFX_LIST_BLOCK, &blk.pfx, &got), 1);
	cr_assert_eq(stat(tmp, &st), -1);

	/* a failed edit writes nothing */
	e.n = 0;
	e.ret = -EINVAL;
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EINVAL);
	p = slurp(path, &nw);
	cr_assert_eq(nw, n2);
	cr_assert_arr_eq(p, second, n2);
	free(p);
	free(first);
	free(second);
	free(cur);
	free(loaded);
	free(set);
}

Test(shm, update_published_but_state_not_written)
{
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	struct fg_fed_lists *got = lists_new();

	ready(&h, inst());
	strcpy(h.s->h.state_path, "/nonexistent-fgtest-dir/lists");
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EIO);
	cr_assert_str_eq(err, "state file /nonexistent-fgtest-dir/lists.tmp (errno=2): "
			 "No such file or directory");
	cr_assert_eq(h.s->gen, 1);                /* published all the same */
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	cr_assert_eq(got->nallow_dom, 1);
	free(got);
}

Test(shm, state_save_load_and_prev)
{
	const char *path = tmp_path();
	struct fg_fed_lists *a = lists_new(), *b = lists_new(), *c = lists_new(),
			    *got = lists_new();
	struct fg_pfxset *sa = pfxset_new(), *sb = pfxset_new(), *sc = pfxset_new(),
			 *sg = pfxset_new();
	struct fg_tags ta, tc, tg;
	char prev[240], *fa, *fb, *fp;
	size_t na, nb, np;
	struct fg_list_item it = item("block", "192.0.2.0/24");
	struct fg_list_item dom = item("block", "more-spam.example");
	struct fg_pfx_meta m = { .added_s = 1700000500u };
	int feed;

	snprintf(prev, sizeof(prev), "%s.prev", path);
	fg_tags_init(&ta);
	fg_tags_init(&tc);
	feed = fg_tags_id(&ta, "feed-1", true);
	cr_assert_geq(feed, 2);
	m.tag = (uint16_t)feed;
	fill_sample(a, sa);
	fill_sample(b, sb);
	cr_assert_eq(fg_pfxset_add(sb, FG_PFX_LIST_BLOCK, &it.pfx, &m), 0);
	cr_assert_eq(fg_lists_add(b, &dom), 0);
	cr_assert_eq(fg_shm_state_save(path, a, sa, &ta, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(load_into(path, got, sg, &tg), 0, "%s", err);
	expect_lists_eq(a, got);
	expect_sets_eq(sa, &ta, sg, &tg);
	expect_sets_eq(sg, &tg, sa, &ta);
	fa = slurp(path, &na);
	cr_assert_eq(fg_shm_state_save(path, b, sb, &ta, err, sizeof(err)), 0, "%s", err);
	fb = slurp(path, &nb);
	cr_assert(strstr(fb, "block 192.0.2.0/24 tag=feed-1 added=1700000500\n") != NULL, "%s",
		  fb);
	fp = slurp(prev, &np);
	cr_assert_not_null(fp);
	cr_assert_eq(np, na);
	cr_assert_arr_eq(fp, fa, na);
	free(fp);
	cr_assert_eq(fg_shm_state_save(path, c, sc, &tc, err, sizeof(err)), 0, "%s", err);
	fp = slurp(prev, &np);
	cr_assert_eq(np, nb);
	cr_assert_arr_eq(fp, fb, nb);
	cr_assert_eq(load_into(path, got, sg, &tg), 0, "%s", err);
	expect_lists_eq(c, got);
	expect_sets_eq(sg, &tg, sc, &tc);
	cr_assert_eq(fg_lists_entries(got, sg, FG_LIST_BLOCK), 0);
	cr_assert_eq(load_into(prev, got, sg, &tg), 0, "%s", err);
	expect_lists_eq(b, got);
	expect_sets_eq(sb, &ta, sg, &tg);
	expect_sets_eq(sg, &tg, sb, &ta);
	cr_assert_eq(fg_tags_id(&tg, "feed-1", false), 2, "the tag named in the file");
	free(fa);
	free(fb);
	free(fp);
	free(a);
	free(b);
	free(c);
	free(got);
	free(sa);
	free(sb);
	free(sc);
	free(sg);
}

Test(shm, state_save_errors)
{
	struct fg_fed_lists *l = lists_new();
	struct fg_pfxset *set = pfxset_new();
	struct fg_tags t;
	char path[400];

	fg_tags_init(&t);
	cr_assert_eq(fg_shm_state_save("/nonexistent-fgtest-dir/x", l, set, &t, err, sizeof(err)),
		     -ENOENT);
	cr_assert_str_eq(err, "state file /nonexistent-fgtest-dir/x.tmp (errno=2): No such "
			 "file or directory");
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[300] = '\0';
	cr_assert_eq(fg_shm_state_save(path, l, set, &t, err, sizeof(err)), -ENAMETOOLONG);
	cr_assert(strstr(err, ": path too long") != NULL, "%s", err);
	cr_assert_eq(strncmp(err, path, 300), 0);
	free(l);
	free(set);
}

Test(shm, state_load_errors)
{
	const char *path = tmp_path();
	struct fg_fed_lists *l = lists_new();
	struct fg_pfxset *set = pfxset_new();
	struct fg_tags t;
	char want[512], *text;
	size_t n;
	int fd;

	/* missing: -ENOENT (a first start), no message */
	strcpy(err, "untouched");
	cr_assert_eq(load_into(path, l, set, &t), -ENOENT);
	cr_assert_str_eq(err, "untouched");

	/* damaged: -EINVAL, the path, the line, the problem */
	fill_sample(l, set);
	fg_tags_init(&t);
	text = save_all(l, set, &t, &n);
	text[strstr(text, "10.0.0.0/8") - text] = '9';
	write_file(path, text, n);
	cr_assert_eq(load_into(path, l, set, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 15: checksum mismatch (the file was changed or "
		 "damaged)", path);
	cr_assert_str_eq(err, want);
	write_file(path, text, n - 20);
	cr_assert_eq(load_into(path, l, set, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 15: truncated (no end line)", path);
	cr_assert_str_eq(err, want);
	write_file(path, "", 0);
	cr_assert_eq(load_into(path, l, set, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s: no end line (the file is truncated)", path);
	cr_assert_str_eq(err, want);
	free(text);

	/* too big: -EFBIG before reading it */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, FG_LISTS_FILE_MAX + 1), 0);
	close(fd);
	cr_assert_eq(load_into(path, l, set, &t), -EFBIG);
	snprintf(want, sizeof(want), "%s: %u bytes, more than a state file may have (%u)", path,
		 FG_LISTS_FILE_MAX + 1, FG_LISTS_FILE_MAX);
	cr_assert_str_eq(err, want);
	/* the most it may have: read, and refused for what it holds */
	cr_assert_eq(truncate(path, FG_LISTS_FILE_MAX), 0);
	cr_assert_eq(load_into(path, l, set, &t), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 1: truncated (no end line)", path);
	cr_assert_str_eq(err, want);
	free(l);
	free(set);
}

/* A current copy with a count out of range (nwatch_dom = 257) is refused
 * by the reader and the writer without writing past their copies (the
 * writer would reach the tags after lists[1]). */
Test(shm, corrupt_count_is_refused_before_copying)
{
	const size_t guard = 4096;
	uint8_t *buf = malloc(sizeof(struct fg_fed_lists) + guard), after[128], now[128];
	struct fg_fed_lists *out = (struct fg_fed_lists *)buf;
	struct edit e = adding("block", "spam1.example");
	size_t end1 = offsetof(struct fg_shm, lists) + 2 * sizeof(struct fg_fed_lists);
	size_t i, bad = 0;

	cr_assert_not_null(buf);
	memset(buf, 0x5a, sizeof(struct fg_fed_lists) + guard);
	ready(&h, inst());
	/* gen 0: copy 0 is current; an entry, and a count past the maximum */
	h.s->lists[0].nallow_dom = 1;
	h.s->lists[0].allow_dom[0] = item("allow", "a.example@10.0.0.0/8").dom;
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
