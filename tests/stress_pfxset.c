/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One writer adding and deleting random overlapping prefixes (pfx_ref.h)
 * in a small fg_pfxset while reader threads look up a fixed set of probe
 * addresses. Before each operation the writer publishes, per probe, the
 * membership after it (from the naive model; a ring of the last ones),
 * then its index; a reader checks its result is the membership of a
 * state between the operation under way when it began (before it) and
 * the one under way when it ended (after it). Few groups: they churn through limbo, and the
 * writer reclaims them with the readers' announced epochs (each reader
 * announces the epoch it read before a lookup, as QSBR would), so a group
 * reused too early shows as a wrong membership (reader 0 pauses between
 * the cell and the group, to widen that window). TAP; plain C so that
 * scripts/test.sh can run it under TSan.
 *
 * Usage: stress-pfxset [SECONDS] [READERS] (default 2, 2)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "pfx_ref.h"
#include "test_util.h"

#define NPROBE 128
#define NV4 96          /* the first NV4 probes are IPv4 */
#define MAXREADERS 8
#define IDLE UINT64_MAX
#if defined(__SANITIZE_THREAD__)
#define BIG_EVERY 0     /* prefixes over more than a /8 of IPv4: never */
#else
#define BIG_EVERY 64    /* one in BIG_EVERY drawn is kept */
#endif

static struct fg_pfxset *set;
static uint8_t probe[NPROBE][16];
/* the memberships after op k are in hist[k % HIST] (after op 0: none) */
#define HIST 256
static uint8_t hist[HIST][NPROBE];
static uint64_t op;              /* the operation in progress */
static uint64_t announce[MAXREADERS][8];   /* one line each: epoch or IDLE */
static int stop;

/*
 * fg_pfxset_lookup() of an IPv4 address as a worker preempted between
 * its two loads would do it: the cell, a pause of some microseconds, the
 * group. A group reclaimed too early and reused by another /24 shows.
 */
static uint32_t
slow_lookup4(const uint8_t a[16])
{
	uint32_t ip = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
		      (uint32_t)a[14] << 8 | a[15];
	uint32_t c = __atomic_load_n(&fg_pfxset_tbl24_(set)[ip >> 8], __ATOMIC_ACQUIRE);
	const struct fg_pfx_group *g;
	uint32_t r = 0;

	if (!(c & FG_PFX_CELL_EXT)) {
		for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
			r |= (uint32_t)(((c >> (l * FG_PFX_CELL_DBITS)) & FG_PFX_CELL_DMASK) != 0) << l;
		return r;
	}
	for (int i = 0; i < 20000; i++)
		fg_pfxset_relax_();
	g = &fg_pfxset_groups_(set)[c >> FG_PFX_CELL_GSHIFT];
	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
		r |= (uint32_t)((__atomic_load_n(&g->bm[l][(ip & 255) >> 6], __ATOMIC_RELAXED) >>
				 (ip & 63)) & 1) << l;
	return r;
}

struct reader {
	pthread_t th;
	unsigned int id;
	uint64_t checked, retried, bad, spanned;
};

static void *
read_loop(void *arg)
{
	struct reader *r = arg;
	uint64_t *ann = &announce[r->id][0];
	unsigned int p = r->id * 7;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		uint64_t k1, k2, k3, e;
		uint32_t got;
		bool ok;

		p = (p + 1) % NPROBE;
		e = fg_pfxset_epoch(set);
		__atomic_store_n(ann, e, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		k1 = __atomic_load_n(&op, __ATOMIC_ACQUIRE);
		/* reader 0: every other IPv4 probe as a slow reader */
		got = r->id == 0 && p < NV4 && (p & 1) ? slow_lookup4(probe[p]) :
			fg_pfxset_lookup(set, probe[p]);
		/* an RMW: ordered after the lookup (TSan has no fences) */
		k2 = __atomic_fetch_add(&op, 0, __ATOMIC_ACQ_REL);
		__atomic_store_n(ann, IDLE, __ATOMIC_RELEASE);
		/*
		 * Op k1 was under way at the start, k2 at the end. Within one
		 * operation (one prefix changes) the result is the state
		 * before or after it. A lookup spanning several reads each of
		 * its words at its own moment: per list, an IPv4 bit is one
		 * word (the cell's depth or the group's), so it is a value the
		 * list had in between; an IPv6 lookup probes one length after
		 * another, so a bit set must have been set at some point, but
		 * a list that was never empty may read as empty (a prefix
		 * added behind the probe, another deleted ahead of it).
		 */
		/* the state before op k1; before op 1 the empty set, hist[0]
		 * (zero until op HIST writes it: such a lookup is retried) */
		uint64_t lo = k1 != 0 ? k1 - 1 : 0;

		if (k1 == k2) {
			ok = got == __atomic_load_n(&hist[lo % HIST][p], __ATOMIC_RELAXED) ||
			     got == __atomic_load_n(&hist[k1 % HIST][p], __ATOMIC_RELAXED);
		} else {
			uint32_t any = 0, all = ~0u;

			for (uint64_t j = lo; j <= k2; j++) {
				uint32_t v = __atomic_load_n(&hist[j % HIST][p], __ATOMIC_RELAXED);

				any |= v;
				all &= v;
			}
			ok = (got & ~any) == 0 && (p >= NV4 || (got & all) == all);
		}
		k3 = __atomic_fetch_add(&op, 0, __ATOMIC_ACQ_REL);
		if (k3 + 2 - k1 >= HIST) {   /* the history moved on meanwhile */
			r->retried++;
			continue;
		}
		r->checked++;
		r->spanned += k2 != k1;
		if (!ok && r->bad++ < 5)
			fprintf(stderr, "# reader %u: ops %llu-%llu probe %u: %u, "
				"in no state between\n", r->id, (unsigned long long)k1,
				(unsigned long long)k2, p, got);
	}
	return NULL;
}

/* The safe epoch: no reader inside a lookup began before it. */
static uint64_t
safe_epoch(unsigned int nr)
{
	uint64_t safe;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	safe = fg_pfxset_epoch(set);
	for (unsigned int i = 0; i < nr; i++) {
		uint64_t e = __atomic_load_n(&announce[i][0], __ATOMIC_SEQ_CST);

		if (e < safe)
			safe = e;
	}
	return safe;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	unsigned int nr = argc > 2 ? (unsigned int)atoi(argv[2]) : 2;
	struct fg_pfxset_cfg cfg = { .rules = 512, .groups4 = 6 };
	static struct pfx_ref ref;
	struct reader rd[MAXREADERS];
	uint64_t seed = 0x853c49e6748fea9bull, end, checked = 0, retried = 0, bad = 0, spanned = 0;
	uint64_t adds = 0, dels = 0, nospc = 0, reclaimed = 0, k;
	struct fg_pfxset_stats st;
	unsigned int wrong = 0;
	size_t sz;
	int fails = 0;

	if (secs <= 0 || secs > 3600 || nr < 1 || nr > MAXREADERS) {
		fprintf(stderr, "usage: stress-pfxset [SECONDS] [READERS]\n");
		return 2;
	}
	sz = fg_pfxset_size(&cfg);
	set = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (set == NULL || fg_pfxset_init(set, sz, &cfg, 42) != 0) {
		fprintf(stderr, "stress-pfxset: no set\n");
		return 1;
	}
	for (unsigned int i = 0; i < NPROBE; i++)
		ref_addr(&seed, probe[i], i < NV4);
	for (unsigned int i = 0; i < MAXREADERS; i++)
		announce[i][0] = IDLE;
	for (unsigned int i = 0; i < nr; i++) {
		rd[i] = (struct reader){ .id = i };
		if (pthread_create(&rd[i].th, NULL, read_loop, &rd[i]) != 0) {
			fprintf(stderr, "stress-pfxset: pthread_create failed\n");
			return 1;
		}
	}
	end = mono_ns() + (uint64_t)(secs * 1e9);
	/* op 0: the empty set */
	for (k = 1; mono_ns() < end || ref.n > 0;) {
		bool draining = mono_ns() >= end;
		bool is_add = !draining && (ref.n < 40 || (ref.n < 200 && (ref_rand(&seed) & 1)));
		unsigned int list = (unsigned int)(ref_rand(&seed) & 1);
		struct fg_prefix p;
		int i = -1, rc;

		if (is_add) {
			ref_prefix(&seed, &p, (ref_rand(&seed) & 3) != 0);
			/* /0, /1, ::/0 and ::/80 rewrite millions of cells:
			 * now and then (never under TSan: seconds each) */
			if (ref_find(&ref, list, &p) >= 0 ||
			    (((p.len < 96 + 8 && p.addr[10] == 0xff) || p.len <= 80) &&
			     (BIG_EVERY == 0 || (ref_rand(&seed) % BIG_EVERY) != 0)))
				continue;
		} else {
			i = (int)(ref_rand(&seed) % ref.n);
			p = ref.p[i];
			list = ref.list[i];
		}
		/* what op k leaves, then its index */
		if (is_add)
			ref_add(&ref, list, &p);
		else
			ref_del(&ref, i);
		for (unsigned int j = 0; j < NPROBE; j++)
			__atomic_store_n(&hist[k % HIST][j], (uint8_t)ref_lookup(&ref, probe[j]),
					 __ATOMIC_RELAXED);
		__atomic_store_n(&op, k, __ATOMIC_RELEASE);
		if (is_add) {
			rc = fg_pfxset_add(set, list, &p, NULL);
			adds += rc == 0;
			if (rc == -ENOSPC) {
				/* not added: the model and op k's states say so
				 * (a reader that took the first word only accepts
				 * more) */
				nospc++;
				ref.n--;
				for (unsigned int j = 0; j < NPROBE; j++)
					__atomic_store_n(&hist[k % HIST][j],
							 __atomic_load_n(&hist[(k - 1) % HIST][j],
									 __ATOMIC_RELAXED),
							 __ATOMIC_RELAXED);
			} else if (rc != 0) {
				wrong++;
			}
		} else {
			rc = fg_pfxset_del(set, list, &p);
			dels += rc == 0;
			wrong += rc != 0;
		}
		reclaimed += fg_pfxset_reclaim(set, safe_epoch(nr));
		k++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < nr; i++) {
		pthread_join(rd[i].th, NULL);
		checked += rd[i].checked;
		retried += rd[i].retried;
		bad += rd[i].bad;
		spanned += rd[i].spanned;
	}
	reclaimed += fg_pfxset_reclaim(set, fg_pfxset_epoch(set));
	fg_pfxset_stats(set, &st);

	printf("1..3\n");
	if (bad != 0 || checked < 1000 || spanned < 10) {
		fails++;
		printf("not ok 1 - %llu of %llu lookups in no state of their time "
		       "(%llu spanned operations, %llu retried)\n",
		       (unsigned long long)bad, (unsigned long long)checked,
		       (unsigned long long)spanned, (unsigned long long)retried);
	} else {
		printf("ok 1 - %llu lookups each in a state of their time, during %llu "
		       "operations (%llu spanned several, %llu retried)\n",
		       (unsigned long long)checked, (unsigned long long)k,
		       (unsigned long long)spanned, (unsigned long long)retried);
	}
	/* groups churned through limbo and came back; the model agreed */
	if (wrong != 0 || adds < 50 || adds != dels || nospc == 0 || reclaimed < 3 ||
	    st.groups_free != cfg.groups4) {
		fails++;
		printf("not ok 2 - adds %llu dels %llu nospc %llu wrong codes %u "
		       "reclaimed %llu free groups %u of %u\n",
		       (unsigned long long)adds, (unsigned long long)dels,
		       (unsigned long long)nospc, wrong, (unsigned long long)reclaimed,
		       st.groups_free, cfg.groups4);
	} else {
		printf("ok 2 - %llu adds, as many deletes, %llu -ENOSPC (groups), "
		       "%llu groups reclaimed, all %u free at the end\n",
		       (unsigned long long)adds, (unsigned long long)nospc,
		       (unsigned long long)reclaimed, cfg.groups4);
	}
	wrong = 0;
	for (unsigned int j = 0; j < NPROBE; j++)
		wrong += fg_pfxset_lookup(set, probe[j]) != 0;
	if (wrong != 0 || st.rules != 0 || st.prefixes != 0 || st.tombs != 0) {
		fails++;
		printf("not ok 3 - emptied: %u probes still match, %u rules, %u prefixes, "
		       "%u tombstones\n", wrong, st.rules, st.prefixes, st.tombs);
	} else {
		printf("ok 3 - emptied: no probe matches, no rule, prefix or tombstone\n");
	}
	free(set);
	return fails != 0;
}
