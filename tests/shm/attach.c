/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm, create and attach (shm/fg_shm.c) on real segments in
 * /dev/shm, with their checks: a missing instance, another ABI, a bad
 * magic or size, bad names, a live data plane, the segment's mode.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

Test(shm, create_attach_round_trip)
{
	const char *name = inst();
	uint64_t t0 = clock_ns(CLOCK_REALTIME), t1;
	char want[64], msg[128];
	struct stat st;

	cr_assert_eq(create(&h, name, (gid_t)-1), 0, "%s", err);
	t1 = clock_ns(CLOCK_REALTIME);
	snprintf(want, sizeof(want), "/%s", name);
	cr_assert_str_eq(h.name, want);
	cr_assert_geq(h.fd, 0);
	cr_assert_eq(h.s->h.magic, 0);            /* the data plane publishes it */
	cr_assert_eq(h.s->h.abi, FG_SHM_ABI);
	cr_assert_eq(h.s->h.hdr_size, sizeof(struct fg_shm_hdr));
	/* struct fg_shm, the ops of a transaction, the prefix set */
	cr_assert_eq(h.s->h.size, h.size);
	cr_assert_geq(h.s->h.ops_off, sizeof(struct fg_shm));
	cr_assert_eq(h.s->h.ops_off % 64, 0);
	cr_assert_eq(h.s->h.ops_cap, TEST_PFX_RULES, "one op per rule the set holds");
	cr_assert_geq(h.s->h.pfx_off, h.s->h.ops_off + TEST_PFX_RULES * sizeof(struct fg_pfx_op));
	cr_assert_eq(h.s->h.pfx_off % 4096, 0);
	cr_assert_eq(h.s->h.pfx_size, fg_pfxset_size(&(struct fg_pfxset_cfg){
		.rules = TEST_PFX_RULES, .groups4 = TEST_PFX_GROUPS4 }));
	cr_assert_eq(h.s->h.pfx_off + h.s->h.pfx_size, h.s->h.size);
	cr_assert_eq((uint8_t *)fg_shm_ops(&h), (uint8_t *)h.s + h.s->h.ops_off);
	cr_assert_eq((uint8_t *)fg_shm_pfx(&h), (uint8_t *)h.s + h.s->h.pfx_off);
	cr_assert_eq(h.s->h.pfx_ready, 0, "no list thread yet");
	cr_assert_eq(h.s->txn_seq, 0);
	cr_assert_eq(h.s->done_seq, 0);
	cr_assert_str_eq(fg_tag_name(&h.s->tags, FG_TAG_MANUAL), "manual");
	cr_assert_str_eq(fg_tag_name(&h.s->tags, FG_TAG_CONFIG), "config");
	cr_assert_str_eq(fg_tag_name(&h.s->tags, 2), "?");
	cr_assert_eq(h.s->h.lists_size, sizeof(struct fg_fed_lists));
	cr_assert_eq(h.s->h.counters_size, sizeof(struct fg_counters));
	cr_assert_eq(h.s->h.event_size, sizeof(struct fg_event));
	cr_assert_eq(h.s->h.pid, getpid());
	cr_assert_geq(h.s->h.start_unix_ns, t0);
	cr_assert_leq(h.s->h.start_unix_ns, t1);
	cr_assert_str_eq(h.s->h.instance, name);
	cr_assert_str_eq(h.s->h.state_path, "");
	cr_assert_eq(h.s->h.stopped, 0);
	cr_assert_eq(h.s->gen, 0);
	cr_assert_eq(h.s->lists[0].nallow_dom + h.s->lists[0].nblock_dom +
		     h.s->lists[0].nwatch_dom, 0);
	cr_assert_eq(fstat(h.fd, &st), 0);
	cr_assert_eq((size_t)st.st_size, h.size);
	/* reserved when created: a full /dev/shm is an error now, not a SIGBUS */
	cr_assert_geq((uint64_t)st.st_blocks * 512, h.size);
	snprintf(want, sizeof(want), "/dev/shm/%s", name);
	cr_assert_eq(stat(want, &st), 0);
	cr_assert_eq((size_t)st.st_size, h.size);

	/* before the magic: "still starting" */
	strcpy(err, "untouched");
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO);
	snprintf(msg, sizeof(msg), "/dev/shm/%s: not a floodguard segment", name);
	cr_assert(strstr(err, msg) == err, "%s", err);
	cr_assert(strstr(err, "still starting") != NULL, "%s", err);

	h.s->h.magic = FG_SHM_MAGIC;
	strcpy(h.s->h.version, "0.1.0");
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(h2.size, h.size, "the whole segment mapped");
	cr_assert_neq(h2.s, h.s);
	cr_assert_neq(h2.fd, h.fd);
	cr_assert_str_eq(h2.name, h.name);
	cr_assert_arr_eq(&h2.s->h, &h.s->h, sizeof(h.s->h));
	/* one segment: what one side writes the other reads */
	h.s->gen_unix_ns = 0x1122334455667788ull;
	h2.s->ev_head = 42;
	cr_assert_eq(h2.s->gen_unix_ns, 0x1122334455667788ull);
	cr_assert_eq(h.s->ev_head, 42);
	/* the prefix set too, at the end of the mapping */
	((uint8_t *)h.s)[h.size - 1] = 0x77;
	cr_assert_eq(((uint8_t *)h2.s)[h2.size - 1], 0x77);
	cr_assert_eq(fg_shm_pfx(&h2)->cfg.rules, 0, "the data plane sets it up");

	fg_shm_close(&h2, false);
	cr_assert_null(h2.s);
	fg_shm_close(&h2, false);                 /* twice: nothing */
	cr_assert_eq(stat(want, &st), 0);         /* floodctl does not unlink */
	fg_shm_close(&h, true);
	cr_assert_null(h.s);
	cr_assert_eq(stat(want, &st), -1);
	cr_assert_eq(errno, ENOENT);
}

Test(shm, alive)
{
	pid_t child;
	int status;

	ready(&h, inst());
	cr_assert(fg_shm_alive(h.s));
	h.s->h.stopped = 1;
	cr_assert_not(fg_shm_alive(h.s));
	h.s->h.stopped = 0;
	h.s->h.pid = 0;
	cr_assert_not(fg_shm_alive(h.s));
	h.s->h.pid = -1;
	cr_assert_not(fg_shm_alive(h.s));
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0)
		_exit(0);
	cr_assert_eq(waitpid(child, &status, 0), child);
	h.s->h.pid = child;                       /* reaped: no such process */
	cr_assert_not(fg_shm_alive(h.s));
	h.s->h.pid = getppid();
	cr_assert(fg_shm_alive(h.s));
}

Test(shm, attach_missing_instance)
{
	const char *name = inst();
	char want[256];

	cr_assert_eq(fg_shm_attach(&h, name, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "no data plane '%s' (no /dev/shm/%s): is floodguard "
		 "running in inline or host mode?", name, name);
	cr_assert_str_eq(err, want);
	cr_assert_null(h.s);
}

/* fg_shm_attach() of @p name refuses the segment (-EPROTO) while its
 * header's field @p f is @p bad; then the field is as it was. */
#define REFUSED_WITH(f, bad) do { \
		__typeof__(h.s->h.f) was_ = h.s->h.f; \
		h.s->h.f = (__typeof__(was_))(bad); \
		cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO, #f " %s", #bad); \
		h.s->h.f = was_; \
	} while (0)

Test(shm, attach_abi_mismatch)
{
	const char *name = inst();
	char want[512];

	ready(&h, name);
	strcpy(h.s->h.version, "9.9.9");
	h.s->h.abi = FG_SHM_ABI + 1;
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO);
	snprintf(want, sizeof(want), "data plane '%s' (floodguard 9.9.9) speaks shared-memory "
		 "ABI %u (%zu bytes); this floodctl speaks ABI %u (%zu bytes): use the floodctl "
		 "of the same build", name, FG_SHM_ABI + 1, (size_t)h.s->h.size, FG_SHM_ABI,
		 sizeof(struct fg_shm));
	cr_assert_str_eq(err, want);
	cr_assert_null(h2.s);
	h.s->h.abi = FG_SHM_ABI;
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	fg_shm_close(&h2, false);

	/* every size the header records is checked */
	h.s->h.lists_size++;
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO);
	cr_assert(strstr(err, "ABI") != NULL, "%s", err);
	h.s->h.lists_size--;
	REFUSED_WITH(counters_size, 0);
	REFUSED_WITH(event_size, 8);
	REFUSED_WITH(hdr_size, 8);
	h.s->h.size += 64;
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO);
	snprintf(want, sizeof(want), "ABI %u (%zu bytes); this floodctl", FG_SHM_ABI,
		 h.size + 64);
	cr_assert(strstr(err, want) != NULL, "%s", err);
	h.s->h.size -= 64;
	REFUSED_WITH(size, sizeof(struct fg_shm) - 8);      /* less than the struct */
	/* the layout: the ops after struct fg_shm, the set after them, to the end */
	REFUSED_WITH(ops_off, 64);
	REFUSED_WITH(ops_cap, (h.s->h.pfx_off - h.s->h.ops_off) / sizeof(struct fg_pfx_op) + 1);
	REFUSED_WITH(pfx_size, h.s->h.pfx_size - 4096);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	fg_shm_close(&h2, false);
	/* the segment's own size too */
	cr_assert_eq(ftruncate(h.fd, (off_t)h.size + 4096), 0);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO);
	cr_assert_eq(ftruncate(h.fd, (off_t)h.size), 0);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
}

Test(shm, attach_bad_magic_and_too_small)
{
	const char *name = inst(), *small = inst();
	char want[256], n[40];
	int fd;

	ready(&h, name);
	h.s->h.magic = FG_SHM_MAGIC ^ 1;
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), -EPROTO);
	snprintf(want, sizeof(want), "/dev/shm/%s: not a floodguard segment, or the data plane "
		 "is still starting", name);
	cr_assert_str_eq(err, want);
	cr_assert_null(h2.s);

	snprintf(n, sizeof(n), "/%s", small);
	fd = shm_open(n, O_RDWR | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, 16), 0);
	close(fd);
	cr_assert_eq(fg_shm_attach(&h2, small, err, sizeof(err)), -EPROTO);
	snprintf(want, sizeof(want), "/dev/shm/%s: too small for a floodguard segment", small);
	cr_assert_str_eq(err, want);
	/* a data plane replaces such a segment */
	cr_assert_eq(create(&h3, small, (gid_t)-1), 0, "%s", err);
	cr_assert_eq(h3.s->h.abi, FG_SHM_ABI);
}

Test(shm, bad_instance_names)
{
	static const char *const bad[] = { "", "a/b", "/x", "a b", "../x", "a.b", "x\n",
					   "abcdefghijabcdefghijabcdefghijab" /* 32 */ };
	char want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_not(fg_shm_name_ok(bad[i]), "'%s'", bad[i]);
		cr_assert_eq(create(&h, bad[i], (gid_t)-1), -EINVAL,
			     "'%s'", bad[i]);
		snprintf(want, sizeof(want), "instance '%s': letters, digits, '-' and '_', at "
			 "most 31", bad[i]);
		cr_assert_str_eq(err, want);
		cr_assert_eq(fg_shm_attach(&h, bad[i], err, sizeof(err)), -EINVAL, "'%s'", bad[i]);
		cr_assert_str_eq(err, want);
		cr_assert_null(h.s);
	}
	cr_assert(fg_shm_name_ok("a"));
	cr_assert(fg_shm_name_ok("Flood_guard-2"));
	cr_assert(fg_shm_name_ok("abcdefghijabcdefghijabcdefghija"));   /* 31 */
	cr_assert(fg_shm_name_ok(FG_SHM_DEFAULT));
}

Test(shm, create_refuses_a_live_data_plane)
{
	const char *name = inst();
	int up[2], down[2], status;
	char b = 0, want[256];
	pid_t child;

	cr_assert_eq(pipe(up), 0);
	cr_assert_eq(pipe(down), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* another data plane: creates, publishes, runs until told */
		struct fg_shm_handle c;
		struct fg_pfxset_cfg cfg = test_pfx_cfg();
		char e[256];
		int rc = fg_shm_create(&c, name, (gid_t)-1, &cfg, e, sizeof(e));

		close(down[1]);
		if (rc == 0)
			c.s->h.magic = FG_SHM_MAGIC;
		b = rc == 0 ? 'y' : 'n';
		if (write(up[1], &b, 1) != 1 || read(down[0], &b, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	cr_assert_eq(read(up[0], &b, 1), 1);
	cr_assert_eq(b, 'y');

	cr_assert_eq(create(&h, name, (gid_t)-1), -EEXIST);
	snprintf(want, sizeof(want), "instance '%s' is running (pid %d): stop it or set "
		 "another [control] instance", name, (int)child);
	cr_assert_str_eq(err, want);
	cr_assert_null(h.s);
	/* and the running one's segment is still there, untouched */
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(h2.s->h.pid, child);
	fg_shm_close(&h2, false);

	/* it exits without cleaning up: its segment is replaced */
	close(down[1]);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(create(&h, name, (gid_t)-1), 0, "%s", err);
	cr_assert_eq(h.s->h.pid, getpid());
	cr_assert_eq(h.s->h.magic, 0);            /* a new segment */
}

Test(shm, create_live_pid_stopped_and_own_pid)
{
	const char *name = inst();
	char want[256];

	ready(&h, name);
	/* our own pid: a restart of this data plane, replaced */
	cr_assert_eq(create(&h2, name, (gid_t)-1), 0, "%s", err);
	cr_assert_eq(h2.s->h.magic, 0);
	cr_assert_neq(h.s->h.magic, 0);           /* the old mapping is orphaned */
	h2.s->h.magic = FG_SHM_MAGIC;
	/* another live process: refused */
	h2.s->h.pid = getppid();
	cr_assert_eq(create(&h3, name, (gid_t)-1), -EEXIST);
	snprintf(want, sizeof(want), "instance '%s' is running (pid %d): stop it or set "
		 "another [control] instance", name, (int)getppid());
	cr_assert_str_eq(err, want);
	cr_assert_null(h3.s);
	/* it says it stopped: replaced */
	h2.s->h.stopped = 1;
	cr_assert_eq(create(&h3, name, (gid_t)-1), 0, "%s", err);
	cr_assert_eq(h3.s->h.stopped, 0);
	cr_assert_eq(h3.s->h.pid, getpid());
}

static void
expect_mode(const char *name, mode_t mode, gid_t gid)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "/dev/shm/%s", name);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, mode, "%s: %o, want %o", name,
		     (unsigned int)(st.st_mode & 07777), (unsigned int)mode);
	cr_assert_eq(st.st_uid, geteuid());
	cr_assert_eq(st.st_gid, gid);
}

Test(shm, segment_mode)
{
	const char *a = inst(), *b = inst(), *c = inst();
	mode_t old = umask(0);
	gid_t g = geteuid() == 0 ? 4242 : getegid();

	cr_assert_eq(create(&h, a, (gid_t)-1), 0, "%s", err);
	expect_mode(a, 0600, getegid());
	umask(0077);
	cr_assert_eq(create(&h2, b, g), 0, "%s", err);
	expect_mode(b, 0660, g);                  /* the umask does not narrow it */
	umask(0022);
	cr_assert_eq(create(&h3, c, (gid_t)-1), 0, "%s", err);
	expect_mode(c, 0600, getegid());
	umask(old);
}

Test(shm, create_refuses_a_prefix_set_out_of_range)
{
	const char *name = inst();
	struct fg_pfxset_cfg cfg = { .rules = TEST_PFX_RULES,
				     .groups4 = FG_PFXSET_MAX_GROUPS4 + 1 };
	char want[256], p[64];
	struct stat st;

	cr_assert_eq(fg_pfxset_size(&cfg), 0);
	cr_assert_eq(fg_shm_create(&h, name, (gid_t)-1, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "[lists] max_prefixes %u, groups4 %u: out of range",
		 TEST_PFX_RULES, FG_PFXSET_MAX_GROUPS4 + 1);
	cr_assert_str_eq(err, want);
	cr_assert_null(h.s);
	snprintf(p, sizeof(p), "/dev/shm/%s", name);
	cr_assert_eq(stat(p, &st), -1, "no segment left behind");
}
