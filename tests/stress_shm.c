/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lists' generation protocol under load (shm/fg_shm.h): reader
 * threads, each as an lcore, take the lists once per pass with
 * fg_shm_lists_enter() and check them while one writer thread publishes
 * update after update with fg_shm_lists_update(). Update k rewrites every
 * entry to encode k: the block-domain list is 8 domains naming k
 * (upd_encode()), the watch-domain list k % 16 + 1 of them; update k
 * publishes generation k. A pass that reads generation g must see exactly those
 * entries, all of g, however often it reads them: a mix would be a copy
 * written while read. Checks, as TAP: no torn pass, generations only go
 * forward, every update published, everyone ends on the last one. Plain
 * C: scripts/test.sh can run it under TSan. Readers and writer share one
 * mapping (the data plane's), so that TSan sees every access.
 *
 * Usage: stress-shm [DURATION [READERS]]
 *   DURATION: "2s" (seconds; the default) or "5000" (that many updates)
 *   READERS:  reader threads, 1 to 64 (default 4)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fg_lists.h"
#include "fg_shm.h"
#include "test_util.h"

#define BLOCKS 8
#define READERS_MAX 64

static struct fg_shm_handle h;
static uint32_t stop;          /* the writer is done (__atomic) */
static uint32_t nonline;       /* readers online (__atomic) */

struct reader {
	pthread_t th;
	unsigned int lcore;
	uint64_t passes, torn, backwards, changes, last_gen;
	uint64_t bad_gen;          /* the first torn pass's generation */
};

struct writer {
	pthread_t th;
	double seconds;            /* 0: by count */
	uint64_t max, updates, failed;
	int rc;
	char err[512];
};

/* The writer's edit: the next update, from the copy of the current lists. */
static int
edit(struct fg_fed_lists *next, void *arg)
{
	uint64_t k = next->nblock_dom == 0 ? 1 : upd_decode(next->block_dom[0]) + 1;

	(void)arg;
	next->nblock_dom = BLOCKS;
	for (unsigned int i = 0; i < BLOCKS; i++)
		upd_encode(next->block_dom[i], i, k);
	next->nwatch_dom = (uint32_t)(k % 16 + 1);
	for (unsigned int i = 0; i < next->nwatch_dom; i++)
		upd_encode(next->watch_dom[i], 100 + i, k);
	return 0;
}

/* Whether @p l is exactly generation @p g's lists. */
static bool
whole(const struct fg_fed_lists *l, uint64_t g)
{
	uint32_t nw = l->nwatch_dom;

	if (g == 0)
		return l->nblock_dom == 0 && nw == 0 && l->nallow_dom == 0;
	if (upd_block_k(l, BLOCKS) != g || nw != g % 16 + 1 || l->nallow_dom != 0)
		return false;
	for (unsigned int i = 0; i < nw; i++)
		if (!upd_is(l->watch_dom[i], 100 + i, g))
			return false;
	return true;
}

static void *
read_run(void *arg)
{
	struct reader *r = arg;
	uint64_t gen = 0;

	fg_shm_reader_online(h.s, r->lcore, true);
	__atomic_add_fetch(&nonline, 1, __ATOMIC_RELEASE);
	for (;;) {
		/* one more pass after the writer is done: it sees the last */
		uint32_t last = __atomic_load_n(&stop, __ATOMIC_ACQUIRE);
		const struct fg_fed_lists *l = fg_shm_lists_enter(h.s, r->lcore, &gen);

		if (gen < r->last_gen)
			r->backwards++;
		if (gen != r->last_gen)
			r->changes++;
		r->last_gen = gen;
		/* a pass reads its lists more than once: all the same */
		for (int rep = 0; rep < 4; rep++) {
			if (!whole(l, gen)) {
				if (r->torn++ == 0)
					r->bad_gen = gen;
				break;
			}
			if ((r->passes & 63) == 0)
				sched_yield();     /* and sometimes for longer */
		}
		r->passes++;
		if (last)
			break;
	}
	fg_shm_reader_online(h.s, r->lcore, false);
	return NULL;
}

static void *
write_run(void *arg)
{
	struct writer *w = arg;
	uint64_t deadline;

	while (__atomic_load_n(&nonline, __ATOMIC_ACQUIRE) == 0)
		sched_yield();
	deadline = mono_ns() + (uint64_t)(w->seconds * 1e9);
	while (w->updates < w->max && (w->seconds == 0 || mono_ns() < deadline)) {
		/* the readers move on within microseconds; 30 s: something is wrong */
		int rc = fg_shm_lists_update(&h, edit, NULL, 30000, w->err, sizeof(w->err));

		if (rc != 0) {
			w->failed++;
			w->rc = rc;
			break;
		}
		w->updates++;
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct writer w = { .seconds = 2, .max = UINT64_MAX };
	struct reader r[READERS_MAX];
	unsigned int nr = 4, bad = 0;
	uint64_t passes = 0, torn = 0, backwards = 0, changes = 0, gen, last_bad = 0;
	struct fg_fed_lists *out;
	struct fg_pfxset_cfg pcfg;
	char name[FG_SHM_NAME_MAX], err[512];
	int rc;

	if (argc > 1) {
		char *end;
		double v = strtod(argv[1], &end);

		if (end == argv[1] || v <= 0 || (*end != '\0' && strcmp(end, "s") != 0)) {
			fprintf(stderr, "usage: stress-shm [SECONDSs | UPDATES [READERS]]\n");
			return 2;
		}
		if (*end == 's') {
			w.seconds = v;
		} else {
			w.seconds = 0;
			w.max = (uint64_t)v;
		}
	}
	if (argc > 2) {
		nr = (unsigned int)atoi(argv[2]);
		if (nr < 1 || nr > READERS_MAX) {
			fprintf(stderr, "stress-shm: 1 to %d readers\n", READERS_MAX);
			return 2;
		}
	}
	snprintf(name, sizeof(name), "fgstress-%d", (int)getpid());
	pcfg = test_pfx_cfg();
	rc = fg_shm_create(&h, name, (gid_t)-1, &pcfg, err, sizeof(err));
	if (rc != 0) {
		printf("1..0 # SKIP no shared memory segment: %s\n", err);
		return 1;
	}
	/* as the data plane: an empty prefix set (the domain lists' updates
	 * leave it alone) */
	if (fg_pfxset_init(fg_shm_pfx(&h), h.s->h.pfx_size, &pcfg, 1) != 0) {
		printf("1..0 # SKIP prefix set: %s\n", strerror(EINVAL));
		fg_shm_close(&h, true);
		return 1;
	}
	h.s->h.magic = FG_SHM_MAGIC;
	out = calloc(1, sizeof(*out));
	if (out == NULL)
		return 1;

	for (unsigned int i = 0; i < nr; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].lcore = i + 1;        /* lcore 0 stays offline: skipped */
		pthread_create(&r[i].th, NULL, read_run, &r[i]);
	}
	pthread_create(&w.th, NULL, write_run, &w);
	pthread_join(w.th, NULL);
	for (unsigned int i = 0; i < nr; i++) {
		pthread_join(r[i].th, NULL);
		passes += r[i].passes;
		torn += r[i].torn;
		backwards += r[i].backwards;
		changes += r[i].changes;
		if (r[i].torn != 0)
			last_bad = r[i].bad_gen;
	}
	gen = __atomic_load_n(&h.s->gen, __ATOMIC_ACQUIRE);

	printf("1..4\n");
	printf("%s 1 - %u readers, %llu passes: each read one whole generation "
	       "(%llu torn)\n", torn ? "not ok" : "ok", nr, (unsigned long long)passes,
	       (unsigned long long)torn);
	if (torn)
		printf("# a torn pass read generation %llu\n", (unsigned long long)last_bad);
	bad += torn != 0;
	printf("%s 2 - generations only went forward (%llu changes seen, %llu backwards)\n",
	       backwards ? "not ok" : "ok", (unsigned long long)changes,
	       (unsigned long long)backwards);
	bad += backwards != 0;
	rc = w.failed == 0 && w.updates > 0 && gen == w.updates;
	printf("%s 3 - writer: %llu updates published, generation %llu, %llu failed\n",
	       rc ? "ok" : "not ok", (unsigned long long)w.updates, (unsigned long long)gen,
	       (unsigned long long)w.failed);
	if (w.failed)
		printf("# update %llu: %s (%d)\n", (unsigned long long)w.updates + 1, w.err, w.rc);
	bad += !rc;
	rc = fg_shm_lists_read(&h, out) == 0 && whole(out, gen);
	for (unsigned int i = 0; i < nr; i++)
		rc &= r[i].last_gen == gen && h.s->rd[r[i].lcore].online == 0;
	printf("%s 4 - the lists read at the end and every reader's last pass are "
	       "generation %llu\n", rc ? "ok" : "not ok", (unsigned long long)gen);
	bad += !rc;
	free(out);
	fg_shm_close(&h, true);
	return bad != 0;
}
