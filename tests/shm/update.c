/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm, list updates through shared memory (fg_shm_lists_update):
 * the next generation published, a failed edit changing nothing, and the
 * readers' grace period (online readers waited for, the first lagging
 * one named, a stopped data plane skipped, a late reader).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

Test(shm, update_publishes_next_generation)
{
	const char *name = inst();
	struct fg_fed_lists *got = lists_new();
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	uint64_t t0, t1;

	ready(&h, name);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	t0 = clock_ns(CLOCK_REALTIME);
	cr_assert_eq(fg_shm_lists_update(&h2, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s",
		     err);
	t1 = clock_ns(CLOCK_REALTIME);
	cr_assert_eq(e.calls, 1);
	cr_assert_eq(h.s->gen, 1);
	cr_assert_geq(h.s->gen_unix_ns, t0);
	cr_assert_leq(h.s->gen_unix_ns, t1);
	/* the other copy was written; the one readers had is as it was */
	cr_assert_eq(h.s->lists[1].nallow_dom, 1);
	cr_assert_eq(h.s->lists[1].allow_dom[0].bind[0].len, 104);
	cr_assert_eq(h.s->lists[0].nallow_dom, 0);
	cr_assert_eq(fg_shm_lists_read(&h2, got), 0);
	cr_assert_eq(got->nallow_dom, 1);
	cr_assert_arr_eq(&got->allow_dom[0], &e.it[0].dom, sizeof(e.it[0].dom));

	/* the next update starts from the current lists */
	e = adding("block", "spam.example");
	update_ok(&h2, &e, 1000, 2);
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	cr_assert_eq(got->nallow_dom, 1);
	cr_assert_eq(got->nblock_dom, 1);
	cr_assert_str_eq(got->block_dom[0], "spam.example");
	cr_assert_eq(h.s->lists[0].nblock_dom, 1);
	cr_assert_eq(h.s->lists[1].nblock_dom, 0);

	e = adding("allow", "a.example@10.0.0.0/8");
	e.del = true;
	update_ok(&h2, &e, 1000, 3);
	cr_assert_eq(fg_shm_lists_read(&h2, got), 0);
	cr_assert_eq(got->nallow_dom, 0);
	cr_assert_eq(got->nblock_dom, 1);
	/* the reader's view: the current copy */
	{
		uint64_t g = 0;
		const struct fg_fed_lists *l = fg_shm_lists_enter(h.s, 0, &g);

		cr_assert_eq(g, 3);
		cr_assert_eq(l, &h.s->lists[1]);
		cr_assert_eq(h.s->rd[0].seen, 3);
		expect_lists_eq(l, got);
	}
	free(got);
}

Test(shm, failed_edit_changes_nothing)
{
	const char *name = inst();
	struct fg_fed_lists *before = lists_new(), *got = lists_new();
	struct edit e = adding("block", "spam0.example");

	ready(&h, name);
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fg_shm_lists_read(&h, before), 0);
	/* the edit's own error (here: already there) */
	strcpy(err, "untouched");
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EEXIST);
	cr_assert_str_eq(err, "");
	cr_assert_eq(h.s->gen, 1);
	/* an edit that fails after changing the copy */
	e = adding("block", "spam1.example");
	e.ret = -ENOENT;
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -ENOENT);
	cr_assert_eq(e.calls, 1);
	cr_assert_eq(h.s->gen, 1);
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	expect_lists_eq(before, got);
	cr_assert_eq(got->nblock_dom, 1);
	/* an edit that leaves lists failing their checks */
	e = adding("block", "spam1.example");
	e.overfill = true;
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "the edited lists fail their checks: not published");
	cr_assert_eq(h.s->gen, 1);
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	expect_lists_eq(before, got);
	/* and the next good one goes through */
	e = adding("block", "spam1.example");
	update_ok(&h, &e, 1000, 2);
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	cr_assert_eq(got->nblock_dom, 2);
	free(before);
	free(got);
}

Test(shm, grace_waits_for_online_readers)
{
	const char *name = inst();
	struct fg_fed_lists *got = lists_new();
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	uint64_t rgen = 0, t0, dt;
	const struct fg_fed_lists *l;

	ready(&h, name);
	fg_shm_reader_online(h.s, 5, true);
	cr_assert_eq(h.s->rd[5].online, 1);
	cr_assert_eq(h.s->rd[5].seen, 0);
	/* the reader reads generation 0: the update writes copy 1 */
	update_ok(&h, &e, 1000, 1);
	/* it has not moved on: copy 0 may not be written */
	e = adding("allow", "b.example@10.1.0.0/16");
	t0 = mono_ns();
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 50, err, sizeof(err)), -ETIMEDOUT);
	dt = mono_ns() - t0;
	cr_assert_geq(dt, 50000000u);
	cr_assert_lt(dt, 5000000000u);
	cr_assert_str_eq(err, "lcore 5 of the data plane still reads list generation 0 after "
			 "50 ms (stalled?): nothing changed");
	cr_assert_eq(e.calls, 0);
	cr_assert_eq(h.s->gen, 1);
	cr_assert_eq(h.s->lists[0].nallow_dom, 0);
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	cr_assert_eq(got->nallow_dom, 1);
	/* its next pass */
	l = fg_shm_lists_enter(h.s, 5, &rgen);
	cr_assert_eq(rgen, 1);
	cr_assert_eq(l, &h.s->lists[1]);
	cr_assert_eq(h.s->rd[5].seen, 1);
	update_ok(&h, &e, 50, 2);
	cr_assert_eq(fg_shm_lists_read(&h, got), 0);
	cr_assert_eq(got->nallow_dom, 2);
	/* lagging again, but offline: not waited for */
	fg_shm_reader_online(h.s, 5, false);
	cr_assert_eq(h.s->rd[5].online, 0);
	h.s->rd[5].seen = 0;
	e = adding("allow", "c.example@10.2.0.0/16");
	update_ok(&h, &e, 50, 3);
	free(got);
}

Test(shm, grace_names_the_first_lagging_reader)
{
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	uint64_t g = 0;

	ready(&h, inst());
	fg_shm_reader_online(h.s, 0, true);
	fg_shm_reader_online(h.s, FG_SHM_LCORES - 1, true);
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s", err);
	fg_shm_lists_enter(h.s, 0, &g);           /* lcore 0 moves on, 127 does not */
	e = adding("allow", "b.example@10.1.0.0/16");
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 0, err, sizeof(err)), -ETIMEDOUT);
	cr_assert_str_eq(err, "lcore 127 of the data plane still reads list generation 0 after "
			 "0 ms (stalled?): nothing changed");
	cr_assert_eq(h.s->gen, 1);
}

Test(shm, grace_skips_a_stopped_data_plane)
{
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	uint64_t t0;

	ready(&h, inst());
	fg_shm_reader_online(h.s, 3, true);
	h.s->rd[3].seen = 77;                     /* never what gen will be */
	h.s->h.stopped = 1;                       /* nobody reads any more */
	t0 = mono_ns();
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 10000, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_lt(mono_ns() - t0, 5000000000u);
	cr_assert_eq(h.s->gen, 1);
}

struct late_reader {
	struct fg_shm *s;
	unsigned int lcore, delay_ms;
	uint64_t gen;
};

static void *
late_reader(void *arg)
{
	struct late_reader *r = arg;

	usleep(r->delay_ms * 1000);
	fg_shm_lists_enter(r->s, r->lcore, &r->gen);
	return NULL;
}

Test(shm, grace_returns_once_the_reader_moves)
{
	struct edit e = adding("allow", "a.example@10.0.0.0/8");
	struct late_reader r = { .lcore = 9, .delay_ms = 100 };
	uint64_t t0, dt;
	pthread_t th;

	ready(&h, inst());
	r.s = h.s;
	fg_shm_reader_online(h.s, 9, true);
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s", err);
	e = adding("allow", "b.example@10.1.0.0/16");
	t0 = mono_ns();            /* before its sleep starts */
	cr_assert_eq(pthread_create(&th, NULL, late_reader, &r), 0);
	cr_assert_eq(fg_shm_lists_update(&h, edit_fn, &e, 20000, err, sizeof(err)), 0, "%s",
		     err);
	dt = mono_ns() - t0;
	pthread_join(th, NULL);
	cr_assert_eq(r.gen, 1);
	cr_assert_geq(dt, 100000000u, "returned after %llu ns", (unsigned long long)dt);
	cr_assert_lt(dt, 10000000000u);
	cr_assert_eq(h.s->gen, 2);
}
