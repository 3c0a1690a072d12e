/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The list thread: the only writer of the allow and block prefix set
 * (fg_pfxset.h) while floodguard runs. It applies floodctl's transactions
 * (fg_shm_pfx_txn()), takes out entries whose time is up, recycles what
 * the workers can no longer read (RCU), and keeps the XDP block tries in
 * step: each change of the block list goes into them as it applies, and
 * once a second the flood-blocked sources (fg_xdp_sync()). A control
 * thread, off the workers' CPUs: a feed of 100,000 entries costs the
 * workers nothing but the cache lines it changes.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>

#include "fg_dp.h"
#include "fg_lists.h"

#define FG_LISTD_WAKE_MS 100    /* housekeeping period when no transaction comes */
#define FG_LISTD_NICE (-10)
#define FG_LISTD_RT_OPS 4096    /* a transaction this large applies at normal priority */

static bool listd_rt;           /* SCHED_FIFO allowed */

/*
 * floodctl waits for each transaction, and the list thread shares the
 * main lcore's CPU: a wakeup behind the main lcore's housekeeping (its
 * once-a-second walk of the source table takes milliseconds) waited for
 * the scheduler, p99 ~2 ms (perf/bench-ctl). Waiting for a transaction
 * and applying a small one run SCHED_FIFO, so the wakeup preempts; a
 * large transaction and the housekeeping run at normal priority (nice
 * -10), so they never hold the main lcore off its CPU for long.
 */
static void
sched_fast(bool fast)
{
	struct sched_param sp = { .sched_priority = fast ? 1 : 0 };

	if (listd_rt)
		pthread_setschedparam(pthread_self(), fast ? SCHED_FIFO : SCHED_OTHER, &sp);
}

static pthread_t listd;
static bool listd_running;
static uint32_t next_expiry;    /* the earliest expires_s of an entry; 0: none */
static bool block_changed;      /* the NIC's drop rules are to follow */

/* One applied op, to undo it if the transaction cannot complete. */
struct undo {
	struct fg_prefix p;
	uint8_t list;
	bool added;                 /* undo: delete; else re-add with m */
	struct fg_pfx_meta m;
};

static uint32_t
unix_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)ts.tv_sec;
}

/* One change of the set, the XDP tries with it. */
static int
set_add(struct fg_dp *dp, unsigned int list, const struct fg_prefix *p,
	const struct fg_pfx_meta *m)
{
	int rc = fg_pfxset_add(dp->pfx, list, p, m);

	if (rc == 0 && list == FG_PFX_LIST_BLOCK) {
		fg_xdp_block_prefix(dp, p, true);
		fg_flow_block_touch(p);
		block_changed = true;
	}
	if (rc == 0 && m->expires_s != 0 && (next_expiry == 0 || m->expires_s < next_expiry))
		next_expiry = m->expires_s;
	return rc;
}

static int
set_del(struct fg_dp *dp, unsigned int list, const struct fg_prefix *p)
{
	int rc = fg_pfxset_del(dp->pfx, list, p);

	if (rc == 0 && list == FG_PFX_LIST_BLOCK) {
		fg_xdp_block_prefix(dp, p, false);
		fg_flow_block_touch(p);
		block_changed = true;
	}
	return rc;
}

static int
cmp_op(const void *a, const void *b)
{
	const struct fg_pfx_op *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	return c != 0 ? c : (int)x->len - (int)y->len;
}

/* REPLACE: the entries of the tag in the list whose prefix is not among
 * the ops (@p sorted, @p n of them), into *@p out. @return how many, -ENOMEM. */
static int64_t
stale_of_tag(struct fg_dp *dp, const struct fg_shm_txn *t, const struct fg_pfx_op *sorted,
	     uint32_t n, struct fg_pfx_entry **out)
{
	int64_t all = fg_pfx_entries(dp->pfx, t->list, t->tag, out), k = 0;

	for (int64_t i = 0; i < all; i++) {
		struct fg_pfx_op key = { .len = (*out)[i].p.len };

		memcpy(key.addr, (*out)[i].p.addr, 16);
		if (bsearch(&key, sorted, n, sizeof(key), cmp_op) == NULL)
			(*out)[k++] = (*out)[i];
	}
	return all < 0 ? all : k;
}

/*
 * Apply transaction @p t: its ops in order (a REPLACE first takes out the
 * tag's entries that are not among them), all or none: on -ENOSPC what
 * was done is undone.
 */
static void
apply(struct fg_dp *dp, const struct fg_shm_txn *t)
{
	struct fg_pfx_op *ops = fg_shm_ops_of(dp->shm);
	struct fg_shm_txn_res res = { 0 };
	uint64_t t0 = rte_rdtsc(), woken_ns = fg_shm_mono_ns();
	uint32_t now = unix_s(), n = t->nops, nundo = 0;
	struct fg_pfx_entry *stale = NULL;
	struct fg_pfx_op *sorted = NULL;
	struct undo *undo;
	int64_t nstale = 0;

	if (n > dp->shm->h.ops_cap || t->list >= FG_PFX_LIST_COUNT || t->kind >= FG_PFX_TXN_COUNT) {
		res.rc = -EINVAL;
		snprintf(res.msg, sizeof(res.msg), "a damaged transaction (%u ops)", n);
		goto done;
	}
	if (t->kind == FG_PFX_TXN_REPLACE) {
		sorted = malloc(((size_t)n + 1) * sizeof(*sorted));
		if (sorted != NULL) {
			memcpy(sorted, ops, (size_t)n * sizeof(*sorted));
			qsort(sorted, n, sizeof(*sorted), cmp_op);
			nstale = stale_of_tag(dp, t, sorted, n, &stale);
		}
	}
	undo = malloc(((size_t)n + (nstale > 0 ? (size_t)nstale : 0) + 1) * sizeof(*undo));
	if (undo == NULL || (t->kind == FG_PFX_TXN_REPLACE && (sorted == NULL || nstale < 0))) {
		res.rc = -ENOMEM;
		snprintf(res.msg, sizeof(res.msg), "no memory to apply %u changes", n);
		free(undo);
		goto done;
	}
	/* a replace frees room before it takes any */
	for (int64_t i = 0; i < nstale; i++) {
		struct undo *u = &undo[nundo];

		if (set_del(dp, t->list, &stale[i].p) != 0)
			continue;
		u->m = stale[i].m;
		u->p = stale[i].p;
		u->list = (uint8_t)t->list;
		u->added = false;
		nundo++;
		res.removed++;
	}
	for (uint32_t i = 0; i < n && res.rc == 0; i++) {
		struct fg_pfx_op *o = &ops[i];
		struct fg_prefix p = fg_pfx_op_prefix(o);
		struct fg_pfx_meta m;
		int rc;

		if (o->list >= FG_PFX_LIST_COUNT) {
			o->rc = FG_PFX_OP_ABSENT;
			continue;
		}
		if (o->del) {
			rc = fg_pfxset_get(dp->pfx, o->list, &p, &m) == 1 &&
			     (o->del != FG_PFX_DEL_TAGGED || m.tag == t->tag) ?
			     set_del(dp, o->list, &p) : -ENOENT;
			o->rc = rc == 0 ? FG_PFX_OP_DONE : FG_PFX_OP_ABSENT;
			if (rc == 0)
				undo[nundo++] = (struct undo){ p, o->list, false, m };
			continue;
		}
		if (fg_pfxset_get(dp->pfx, o->list, &p, &m) == 1) {
			o->rc = FG_PFX_OP_HELD;
			res.other_tag += t->kind == FG_PFX_TXN_REPLACE && m.tag != t->tag;
			continue;
		}
		m = (struct fg_pfx_meta){ .tag = t->tag, .added_s = now,
					  .expires_s = o->ttl_s != 0 ? now + o->ttl_s : 0 };
		rc = set_add(dp, o->list, &p, &m);
		if (rc == 0) {
			o->rc = FG_PFX_OP_DONE;
			undo[nundo++] = (struct undo){ p, o->list, true, m };
		} else if (rc == -ENOSPC) {
			res.rc = rc;
			snprintf(res.msg, sizeof(res.msg), "the prefix lists are full (%s)",
				 fg_pfxset_nospc_name(dp->pfx));
		} else {
			o->rc = FG_PFX_OP_ABSENT;     /* -EINVAL: floodctl checked it */
		}
	}
	if (res.rc != 0)
		while (nundo > 0) {
			struct undo *u = &undo[--nundo];

			if (u->added)
				set_del(dp, u->list, &u->p);
			else
				set_add(dp, u->list, &u->p, &u->m);
		}
	for (uint32_t i = 0; i < n && res.rc == 0; i++) {
		res.done += ops[i].rc == FG_PFX_OP_DONE;
		res.held += ops[i].rc == FG_PFX_OP_HELD;
		res.absent += ops[i].rc == FG_PFX_OP_ABSENT;
	}
	if (res.rc != 0)
		res.removed = 0;
	free(undo);
done:
	free(sorted);
	free(stale);
	/* the NIC's drop rules follow before floodctl hears it is done */
	if (block_changed) {
		struct fg_flow_took took;
		uint64_t set_ns = fg_shm_mono_ns(), end_ns;

		fg_flow_block_changed(dp, &took);
		end_ns = fg_shm_mono_ns();
		/* the parts: floodctl's wakeup of this thread, the set's
		 * changes, the PMD's rte_flow calls, the rest of the update */
		FG_LOG(DEBUG, "lists: block list changed, NIC drop rules in step %" PRIu64
		       " us after floodctl handed the change over (woken %" PRIu64 " us, set %"
		       PRIu64 " us, rte_flow %" PRIu64 " us in %u calls, rest %" PRIu64 " us)",
		       (end_ns - t->handed_ns) / 1000, (woken_ns - t->handed_ns) / 1000,
		       (set_ns - woken_ns) / 1000, took.flow_ns / 1000, took.flow_calls,
		       (end_ns - set_ns - RTE_MIN(took.flow_ns, end_ns - set_ns)) / 1000);
	}
	block_changed = false;
	res.apply_ns = (rte_rdtsc() - t0) * 1000000000ull / rte_get_tsc_hz();
	res.applied_ns = fg_shm_mono_ns() - t->handed_ns;
	fg_shm_pfx_done(dp->shm, &res);
}

/*
 * The entries whose time is up by @p now out (0: none is), and the
 * earliest expiry of those left, which is returned (0: none expires).
 */
static uint32_t
sweep(struct fg_dp *dp, uint32_t now)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint32_t in, next = 0, gone = 0;
	uint64_t pos = 0;

	/* deleting behind the iterator is safe: it only moves forward */
	while (fg_pfxset_next(dp->pfx, &pos, &p, &in, m) == 1)
		for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++) {
			if (!((in >> k) & 1) || m[k].expires_s == 0)
				continue;
			if (m[k].expires_s <= now && set_del(dp, k, &p) == 0)
				gone++;
			else if (next == 0 || m[k].expires_s < next)
				next = m[k].expires_s;
		}
	if (gone != 0)
		FG_LOG(INFO, "lists: %u entries expired", gone);
	if (block_changed)
		fg_flow_block_changed(dp, NULL);
	block_changed = false;
	return next;
}

static void *
listd_main(void *arg)
{
	struct fg_dp *dp = arg;
	uint64_t hz = rte_get_tsc_hz(), next_second = rte_rdtsc() + hz;
	uint64_t rcu_token = 0, rcu_epoch = 0;
	bool rcu_wait = false;

	struct sched_param sp = { .sched_priority = 1 };

	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), FG_LISTD_NICE) != 0)
		FG_LOG(WARNING, "list thread: nice %d (errno=%i): %s", FG_LISTD_NICE, errno,
		       strerror(errno));
	listd_rt = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
	if (!listd_rt)
		FG_LOG(WARNING, "list thread: no SCHED_FIFO (CAP_SYS_NICE): an update may wait "
		       "milliseconds for the CPU");
	sched_fast(false);
	next_expiry = sweep(dp, 0);    /* after a load: when the first entry expires */
	fg_xdp_block_all(dp);
	fg_flow_listd_init(dp);
	block_changed = false;
	__atomic_store_n(&dp->shm->h.pfx_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&dp->quit, __ATOMIC_ACQUIRE)) {
		const struct fg_shm_txn *t;
		uint64_t now;
		uint32_t now_s;

		sched_fast(true);
		t = fg_shm_pfx_pending(dp->shm, FG_LISTD_WAKE_MS);
		if (t != NULL) {
			struct fg_shm_txn copy = *t;

			if (copy.nops > FG_LISTD_RT_OPS || copy.kind == FG_PFX_TXN_REPLACE)
				sched_fast(false);
			apply(dp, &copy);
		}
		sched_fast(false);
		now = rte_rdtsc();
		/* groups freed: recycled once every worker has passed a
		 * quiescent state since (none can still be reading them) */
		if (rcu_wait && rte_rcu_qsbr_check(dp->rcu, rcu_token, false) == 1) {
			fg_pfxset_reclaim(dp->pfx, rcu_epoch);
			rcu_wait = false;
		}
		if (!rcu_wait && fg_pfxset_epoch(dp->pfx) != rcu_epoch) {
			rcu_epoch = fg_pfxset_epoch(dp->pfx);
			rcu_token = rte_rcu_qsbr_start(dp->rcu);
			rcu_wait = true;
		}
		if (now < next_second)
			continue;
		next_second = now + hz;
		now_s = unix_s();
		if (next_expiry != 0 && now_s >= next_expiry)
			next_expiry = sweep(dp, now_s);
		fg_xdp_sync(dp, fg_clock_ns(dp));
		fg_flow_second(dp);
	}
	__atomic_store_n(&dp->shm->h.pfx_ready, 0, __ATOMIC_RELEASE);
	return NULL;
}

int
fg_listd_start(struct fg_dp *dp)
{
	int rc = rte_ctrl_thread_create(&listd, "fg-lists", NULL, listd_main, dp);

	if (rc != 0) {
		FG_LOG(ERR, "%s(): the list thread (errno=%i): %s", __func__, -rc, strerror(-rc));
		return rc;
	}
	listd_running = true;
	return 0;
}

void
fg_listd_stop(struct fg_dp *dp)
{
	(void)dp;
	if (!listd_running)
		return;
	pthread_join(listd, NULL);
	listd_running = false;
}
