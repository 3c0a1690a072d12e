/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_shm, prefix transactions (fg_shm_pfx_txn): a writer hands its ops
 * to the data plane's list thread and waits for the answer. A small list
 * thread of the test's own serves fg_shm_pfx_pending() as
 * dataplane/fg_listd.c does (each op's rc, the counts in res, all or none
 * on -ENOSPC): ops applied and answered, the op area's limit (-E2BIG),
 * no list thread (-EAGAIN), one that does not answer in time (-ETIMEDOUT,
 * applied later), the set full (-ENOSPC, nothing changed), and the state
 * file written after the apply.
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

/* The list thread: the data plane's side of segment h. */
static struct {
	pthread_t th;
	bool running;
	uint32_t stop;               /* __atomic */
	uint32_t applied;            /* transactions answered (__atomic) */
	uint32_t now_s;              /* its clock: added_s of what it adds */
} lt;

/* Apply @p t's ops to h's set, in order; on -ENOSPC undo the adds. */
static void
apply(const struct fg_shm_txn *t)
{
	struct fg_pfxset *set = fg_shm_pfx(&h);
	struct fg_pfx_op *ops = fg_shm_ops(&h);
	struct fg_shm_txn_res res = { 0 };

	for (uint32_t i = 0; i < t->nops && res.rc == 0; i++) {
		struct fg_pfx_op *o = &ops[i];
		struct fg_prefix p = fg_pfx_op_prefix(o);
		struct fg_pfx_meta m = { .tag = t->tag, .added_s = lt.now_s,
					 .expires_s = o->ttl_s != 0 ? lt.now_s + o->ttl_s : 0 };
		int rc;

		if (o->del) {
			o->rc = fg_pfxset_del(set, o->list, &p) == 0 ? FG_PFX_OP_DONE :
				FG_PFX_OP_ABSENT;
			continue;
		}
		if (fg_pfxset_get(set, o->list, &p, NULL) == 1) {
			o->rc = FG_PFX_OP_HELD;
			continue;
		}
		rc = fg_pfxset_add(set, o->list, &p, &m);
		o->rc = rc == 0 ? FG_PFX_OP_DONE : FG_PFX_OP_ABSENT;
		if (rc == -ENOSPC) {
			res.rc = rc;
			snprintf(res.msg, sizeof(res.msg), "the prefix lists are full (%s)",
				 fg_pfxset_nospc_name(set));
			/* the test's transactions that fill the set only add */
			for (uint32_t j = 0; j < i; j++)
				if (ops[j].rc == FG_PFX_OP_DONE) {
					struct fg_prefix q = fg_pfx_op_prefix(&ops[j]);

					fg_pfxset_del(set, ops[j].list, &q);
				}
		}
	}
	for (uint32_t i = 0; i < t->nops && res.rc == 0; i++) {
		res.done += ops[i].rc == FG_PFX_OP_DONE;
		res.held += ops[i].rc == FG_PFX_OP_HELD;
		res.absent += ops[i].rc == FG_PFX_OP_ABSENT;
	}
	/* counted before the answer: the writer may look the moment it has it */
	__atomic_add_fetch(&lt.applied, 1, __ATOMIC_RELEASE);
	fg_shm_pfx_done(h.s, &res);
}

static void *
list_thread(void *arg)
{
	(void)arg;
	__atomic_store_n(&h.s->h.pfx_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&lt.stop, __ATOMIC_ACQUIRE)) {
		const struct fg_shm_txn *t = fg_shm_pfx_pending(h.s, 20);

		if (t != NULL) {
			struct fg_shm_txn copy = *t;

			apply(&copy);
		}
	}
	__atomic_store_n(&h.s->h.pfx_ready, 0, __ATOMIC_RELEASE);
	return NULL;
}

static void
start_list_thread(void)
{
	lt.stop = 0;
	lt.now_s = 1700000000u;
	cr_assert_eq(pthread_create(&lt.th, NULL, list_thread, NULL), 0);
	lt.running = true;
	while (!__atomic_load_n(&h.s->h.pfx_ready, __ATOMIC_ACQUIRE))
		usleep(100);
}

static void
stop_list_thread(void)
{
	if (!lt.running)
		return;
	__atomic_store_n(&lt.stop, 1, __ATOMIC_RELEASE);
	pthread_join(lt.th, NULL);
	lt.running = false;
}

/* The data plane (h, its list thread) and a floodctl (h2). */
static void
setup(void)
{
	const char *name = inst();

	ready(&h, name);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	start_list_thread();
}

/* An op: @p del, list @p list, prefix @p text, @p ttl_s. */
static struct fg_pfx_op
op(bool del, unsigned int list, const char *text, uint32_t ttl_s)
{
	struct fg_pfx_op o = { .list = (uint8_t)list, .del = del, .rc = -1, .ttl_s = ttl_s };
	struct fg_prefix p;

	cr_assert_eq(fg_prefix_parse(text, &p), 0, "%s", text);
	memcpy(o.addr, p.addr, 16);
	o.len = p.len;
	return o;
}

Test(shm, txn_ops_applied_and_answered, .fini = stop_list_thread)
{
	struct fg_pfx_op ops[] = {
		op(false, FG_PFX_LIST_ALLOW, "10.0.0.0/8", 0),
		op(false, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 3600),
		op(false, FG_PFX_LIST_BLOCK, "2001:db8::/32", 0),
		op(false, FG_PFX_LIST_ALLOW, "10.0.0.0/8", 0),        /* held: just added */
		op(true, FG_PFX_LIST_BLOCK, "198.51.100.0/24", 0),    /* absent */
		op(false, FG_PFX_LIST_BLOCK, "198.18.0.7/32", 0),
	};
	struct fg_shm_txn txn = { .kind = FG_PFX_TXN_EDIT, .nops = 6 };
	struct fg_shm_txn_res res;
	struct fg_pfx_meta m;
	uint8_t a[16];
	int feed;

	setup();
	feed = fg_shm_tag(&h2, "feed-1");
	cr_assert_eq(feed, 2);
	cr_assert_eq(fg_shm_tag(&h2, "feed-1"), feed, "named once");
	cr_assert_eq(fg_shm_tag(&h2, "bad name"), -EINVAL);
	txn.tag = (uint16_t)feed;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lt.applied, 1);
	cr_assert_eq(h.s->txn_seq, 1);
	cr_assert_eq(h.s->done_seq, 1);
	/* the answer: each op's rc copied back, the counts */
	cr_assert_eq(res.rc, 0);
	cr_assert_eq(res.done, 4);
	cr_assert_eq(res.held, 1);
	cr_assert_eq(res.absent, 1);
	cr_assert_eq(ops[0].rc, FG_PFX_OP_DONE);
	cr_assert_eq(ops[1].rc, FG_PFX_OP_DONE);
	cr_assert_eq(ops[2].rc, FG_PFX_OP_DONE);
	cr_assert_eq(ops[3].rc, FG_PFX_OP_HELD);
	cr_assert_eq(ops[4].rc, FG_PFX_OP_ABSENT);
	cr_assert_eq(ops[5].rc, FG_PFX_OP_DONE);
	/* in the set, as floodctl's mapping sees it */
	expect_meta(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", feed, 1700000000u,
		    1700000000u + 3600);
	cr_assert(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_ALLOW, "10.0.0.0/8", &m));
	cr_assert_eq(m.expires_s, 0);
	memcpy(a, ops[5].addr, 16);
	cr_assert_eq(fg_pfxset_lookup(fg_shm_pfx(&h2), a), FG_PFX_BLOCK);
	a[15] = 8;
	cr_assert_eq(fg_pfxset_lookup(fg_shm_pfx(&h2), a), 0);
	cr_assert_eq(fg_lists_entries(&h2.s->lists[0], fg_shm_pfx(&h2), FG_LIST_BLOCK), 3);
	cr_assert_eq(fg_lists_entries(&h2.s->lists[0], fg_shm_pfx(&h2), FG_LIST_ALLOW), 1);
	cr_assert_eq(h.s->gen, 0, "the domain lists' generations are not involved");

	/* the next one: deletes */
	ops[0] = op(true, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 0);
	ops[1] = op(true, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 0);
	ops[2] = op(true, FG_PFX_LIST_ALLOW, "2001:db8::/32", 0);   /* the other list */
	txn.nops = 3;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lt.applied, 2);
	cr_assert_eq(res.done, 1);
	cr_assert_eq(res.absent, 2);
	cr_assert_eq(ops[0].rc, FG_PFX_OP_DONE);
	cr_assert_eq(ops[1].rc, FG_PFX_OP_ABSENT);
	cr_assert_eq(ops[2].rc, FG_PFX_OP_ABSENT);
	cr_assert_not(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
	cr_assert(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "2001:db8::/32", &m));
	/* no op at all: answered too */
	txn.nops = 0;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lt.applied, 3);
	cr_assert_eq(res.done + res.held + res.absent, 0);
}

/* As many ops as the area holds, in one transaction; one more is refused
 * before anything is handed over. */
Test(shm, txn_ops_cap_and_e2big, .fini = stop_list_thread)
{
	uint32_t cap;
	struct fg_pfx_op *ops;
	struct fg_shm_txn txn = { .kind = FG_PFX_TXN_EDIT, .tag = FG_TAG_MANUAL };
	struct fg_shm_txn_res res;
	char want[256];

	setup();
	cap = h2.s->h.ops_cap;
	cr_assert_eq(cap, TEST_PFX_RULES);
	ops = calloc(cap + 1, sizeof(*ops));
	cr_assert_not_null(ops);
	for (uint32_t i = 0; i <= cap; i++) {
		char t[32];

		snprintf(t, sizeof(t), "10.%u.%u.0/24", i >> 8, i & 0xff);
		ops[i] = op(false, FG_PFX_LIST_BLOCK, t, 0);
	}
	txn.nops = cap + 1;
	memset(&res, 0x5a, sizeof(res));
	strcpy(err, "untouched");
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), -E2BIG);
	snprintf(want, sizeof(want), "%u changes in one update, more than the data plane takes "
		 "(%u: [lists] max_prefixes)", cap + 1, cap);
	cr_assert_str_eq(err, want);
	cr_assert_eq(res.rc, 0, "res cleared");
	cr_assert_eq(h.s->txn_seq, 0, "nothing handed over");
	cr_assert_eq(lt.applied, 0);
	cr_assert_eq(ops[0].rc, -1);
	txn.nops = cap;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 30000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(res.done, cap);
	cr_assert_eq(ops[cap - 1].rc, FG_PFX_OP_DONE);
	cr_assert_eq(fg_lists_entries(&h2.s->lists[0], fg_shm_pfx(&h2), FG_LIST_BLOCK), cap);
	free(ops);
}

/* The set full: the list thread answers -ENOSPC, nothing changed. */
Test(shm, txn_enospc_changes_nothing, .fini = stop_list_thread)
{
	struct fg_pfx_op *ops = calloc(TEST_PFX_RULES, sizeof(*ops));
	struct fg_shm_txn txn = { .kind = FG_PFX_TXN_EDIT, .nops = TEST_PFX_RULES - 1 };
	struct fg_shm_txn_res res;
	struct fg_pfx_meta m;

	cr_assert_not_null(ops);
	setup();
	for (uint32_t i = 0; i < TEST_PFX_RULES; i++) {
		char t[32];

		snprintf(t, sizeof(t), "10.%u.%u.0/24", i >> 8, i & 0xff);
		ops[i] = op(false, FG_PFX_LIST_ALLOW, t, 0);
	}
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 30000, err, sizeof(err)), 0, "%s", err);
	/* room for one: two more do not fit */
	ops[0] = op(false, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 0);
	ops[1] = op(false, FG_PFX_LIST_BLOCK, "198.51.100.0/24", 0);
	txn.nops = 2;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), -ENOSPC);
	cr_assert_str_eq(err, "the prefix lists are full ([lists] max_prefixes reached): nothing "
			 "changed");
	cr_assert_eq(res.rc, -ENOSPC);
	cr_assert_not(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
	cr_assert_eq(fg_lists_entries(&h2.s->lists[0], fg_shm_pfx(&h2), FG_LIST_BLOCK), 0);
	cr_assert_eq(fg_lists_entries(&h2.s->lists[0], fg_shm_pfx(&h2), FG_LIST_ALLOW),
		     TEST_PFX_RULES - 1);
	free(ops);
}

Test(shm, txn_eagain_without_a_list_thread)
{
	const char *name = inst();
	struct fg_pfx_op ops[] = { op(false, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 0) };
	struct fg_shm_txn txn = { .kind = FG_PFX_TXN_EDIT, .nops = 1 };
	struct fg_shm_txn_res res;
	struct fg_pfx_meta m;

	ready(&h, name);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(h2.s->h.pfx_ready, 0);
	strcpy(err, "untouched");
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 1000, err, sizeof(err)), -EAGAIN);
	cr_assert_str_eq(err, "the data plane's list thread is not running (starting, or "
			 "stopped)");
	cr_assert_eq(h.s->txn_seq, 0, "nothing handed over");
	cr_assert_not(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
}

/* Ready, but the list thread does not answer in time: handed over all the
 * same, applied when it comes; the next writer waits for it first. */
Test(shm, txn_timeout_is_applied_later, .fini = stop_list_thread)
{
	const char *name = inst();
	struct fg_pfx_op ops[] = { op(false, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 0) };
	struct fg_shm_txn txn = { .kind = FG_PFX_TXN_EDIT, .nops = 1 };
	struct fg_shm_txn_res res;
	struct fg_pfx_meta m;
	uint64_t t0 = mono_ns();

	ready(&h, name);
	cr_assert_eq(fg_shm_attach(&h2, name, err, sizeof(err)), 0, "%s", err);
	h.s->h.pfx_ready = 1;                 /* says so, but is not serving */
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 50, err, sizeof(err)), -ETIMEDOUT);
	cr_assert_geq(mono_ns() - t0, 50000000u);
	cr_assert_str_eq(err, "handed to the data plane but not applied after 50 ms: it will be");
	cr_assert_eq(h.s->txn_seq, 1);
	cr_assert_eq(h.s->done_seq, 0);
	cr_assert_not(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
	/* a second writer meanwhile: the last one is still being applied */
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 20, err, sizeof(err)), -ETIMEDOUT);
	cr_assert_str_eq(err, "the data plane's list thread is still applying the last update "
			 "after 20 ms: nothing changed");
	cr_assert_eq(h.s->txn_seq, 1);
	/* the thread comes: the one handed over is applied */
	start_list_thread();
	ops[0] = op(false, FG_PFX_LIST_ALLOW, "10.0.0.0/8", 0);
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lt.applied, 2);
	cr_assert_eq(h.s->txn_seq, 2);
	cr_assert(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
	cr_assert(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_ALLOW, "10.0.0.0/8", &m));
}

/* After it applied, the writer saves the state file: the prefix set as
 * the list thread left it, with the domain lists as they are. */
Test(shm, txn_writes_the_state_file_after_the_apply, .fini = stop_list_thread)
{
	const char *path = tmp_path();
	struct fg_pfx_op ops[] = {
		op(false, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 600),
		op(false, FG_PFX_LIST_ALLOW, "2001:db8::/32", 0),
	};
	struct fg_shm_txn txn = { .kind = FG_PFX_TXN_EDIT, .nops = 2 };
	struct fg_shm_txn_res res;
	struct fg_fed_lists *l = lists_new();
	struct fg_pfxset *set = pfxset_new();
	struct fg_tags t;
	struct edit e = adding("watch", "w.example");
	struct fg_pfx_meta m;
	char prev[240];
	int feed;

	setup();
	snprintf(prev, sizeof(prev), "%s.prev", path);
	snprintf(h.s->h.state_path, sizeof(h.s->h.state_path), "%s", path);
	cr_assert_eq(fg_shm_lists_update(&h2, edit_fn, &e, 1000, err, sizeof(err)), 0, "%s", err);
	feed = fg_shm_tag(&h2, "feed-2");
	cr_assert_geq(feed, 2);
	txn.tag = (uint16_t)feed;
	/* the list thread's clock: a year ahead, so nothing has expired at load */
	lt.now_s = (uint32_t)(clock_ns(CLOCK_REALTIME) / 1000000000u) + 365 * 86400;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), 0, "%s", err);
	fg_tags_init(&t);
	cr_assert_eq(fg_shm_state_load(path, l, set, &t, err, sizeof(err)), 0, "%s", err);
	expect_sets_eq(fg_shm_pfx(&h2), &h2.s->tags, set, &t);
	expect_sets_eq(set, &t, fg_shm_pfx(&h2), &h2.s->tags);
	cr_assert(set_has(set, FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
	cr_assert_str_eq(fg_tag_name(&t, m.tag), "feed-2");
	cr_assert_eq(m.added_s, lt.now_s);
	cr_assert_eq(m.expires_s, lt.now_s + 600);
	cr_assert_eq(l->nwatch_dom, 1, "the domain lists with them");
	cr_assert_str_eq(l->watch_dom[0], "w.example");
	/* the file before the transaction is the .prev: no prefix in it */
	free(set);
	set = pfxset_new();
	fg_tags_init(&t);
	cr_assert_eq(fg_shm_state_load(prev, l, set, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(fg_lists_entries(l, set, FG_LIST_BLOCK), 0);
	cr_assert_eq(fg_lists_entries(l, set, FG_LIST_ALLOW), 0);
	cr_assert_eq(l->nwatch_dom, 1);
	/* a state file that cannot be written: applied all the same, -EIO */
	strcpy(h.s->h.state_path, "/nonexistent-fgtest-dir/lists");
	ops[0] = op(true, FG_PFX_LIST_BLOCK, "192.0.2.0/24", 0);
	txn.nops = 1;
	cr_assert_eq(fg_shm_pfx_txn(&h2, &txn, ops, &res, 5000, err, sizeof(err)), -EIO);
	cr_assert_str_eq(err, "state file /nonexistent-fgtest-dir/lists.tmp (errno=2): "
			 "No such file or directory");
	cr_assert_eq(res.done, 1);
	cr_assert_not(set_has(fg_shm_pfx(&h2), FG_PFX_LIST_BLOCK, "192.0.2.0/24", &m));
	free(l);
	free(set);
}
