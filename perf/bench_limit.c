/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-limit: cycles per packet of lookup + limit (fg_decide_burst() on
 * bursts of 32 already-classified packets) with N distinct sources drawn
 * uniformly or Zipf (s = 1), and bytes of table memory per source.
 *
 * The table is sized by fg_srctab_mem_size() as the data plane sizes it:
 * N sources at 60 % of its slots, in as many 14-slot buckets as that
 * takes, any number of them (first evictions start at 72-83 % of the
 * slots, docs/limits.md). It is in hugepages when there are enough
 * reserved, and filled with every source first; the limits are the mom
 * defaults with rates so high that every packet passes, so each one takes
 * the full path: lookup, event window, packets/s and bytes/s (three
 * compare-and-swaps with --writers shared, plain stores with one). The
 * clock advances 67 ns per packet (14.88 Mpps).
 *
 * Per round, B bursts; a round's figure is TSC delta / packets. A baseline
 * loop does everything but fg_decide_burst() (picking the source and
 * writing it into the packet), measured in the same run and subtracted.
 * Printed: the minimum and the median round (see bench_parse.c for why
 * the minimum is the figure judged on this shared machine).
 *
 * Usage: bench-limit [--sources N] [--dist uniform|zipf] [--rounds R]
 *                    [--bursts B] [--limits full|pps|none]
 *                    [--mode pipeline|burst] [--writers one|shared]
 *   --limits: full (default), only packets/s, or none (lookup and the
 *   entry's bookkeeping only): what each part costs.
 *   --mode: pipeline (default: burst k + 2 prepared and burst k + 1's
 *   entries prefetched before burst k is finished, as the data plane's
 *   loop does, fg_decide.h) or burst (fg_decide_burst() on each burst
 *   alone).
 *   --writers: one (default: the table's only writer, as with one worker
 *   lcore: plain stores) or shared (compare-and-swap, as with several).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_util.h"
#include "fg_decide.h"
#include "test_util.h"

#define BURST 32
#define SEQ_LEN (1u << 22)   /* source indexes, cycled */

/* Source number i as an address: 10.0.0.0/8 and up, IPv4-mapped. */
static inline void
addr_of(uint32_t i, uint8_t a[16])
{
	uint32_t v = 0x0a000000u + i;

	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(v >> 24);
	a[13] = (uint8_t)(v >> 16);
	a[14] = (uint8_t)(v >> 8);
	a[15] = (uint8_t)v;
}

#define NBUF 4   /* bursts in flight: k, k + 1, k + 2, and one being filled */

struct bench {
	struct fg_srctab t;
	struct fg_limit_cfg cfg;
	struct fg_limit_stats st;
	struct fg_pkt pk[NBUF][BURST];
	const struct fg_pkt *pp[NBUF][BURST];
	struct fg_decide_prep prep[NBUF];
	uint8_t v[BURST];
	uint32_t *seq;
	uint64_t clock;
	uint32_t pos;
	int pipeline;      /* prepare k + 2 and prefetch k + 1 before finishing k */
};

/* Burst @p k's packets into buffer k % NBUF. */
static inline void
fill(struct bench *b, uint32_t k)
{
	for (int i = 0; i < BURST; i++)
		addr_of(b->seq[(b->pos + (uint32_t)i) & (SEQ_LEN - 1)],
			b->pk[k % NBUF][i].src);
	b->pos += BURST;
}

/* One round of @p bursts; @p decide 0: the baseline loop. */
static uint64_t
round_run(struct bench *b, uint32_t bursts, int decide)
{
	unsigned int sink = 0;
	uint64_t t0 = now_tsc();

	fill(b, 0);
	fill(b, 1);
	if (decide && b->pipeline) {
		fg_decide_prepare(&b->t, b->pp[0], BURST, NULL, &b->prep[0]);
		fg_decide_prepare(&b->t, b->pp[1], BURST, NULL, &b->prep[1]);
		fg_decide_prefetch(&b->t, &b->prep[0]);
	}
	for (uint32_t k = 0; k < bursts; k++) {
		struct fg_now n;

		b->clock += BURST * 67;
		n = fg_now(b->t.epoch, b->clock);
		fill(b, k + 2);
		if (!decide) {
			__asm__ volatile("" : : "r"(b->pk), "r"(&n) : "memory");
			sink += b->pk[k % NBUF][0].src[15];
		} else if (b->pipeline) {
			fg_decide_prepare(&b->t, b->pp[(k + 2) % NBUF], BURST, NULL,
					  &b->prep[(k + 2) % NBUF]);
			fg_decide_prefetch(&b->t, &b->prep[(k + 1) % NBUF]);
			fg_decide_finish(&b->t, &b->cfg, b->pp[k % NBUF],
					 &b->prep[k % NBUF], &n, 0, b->v, &b->st);
			sink += b->v[0];
		} else {
			fg_decide_burst(&b->t, &b->cfg, b->pp[k % NBUF], BURST, &n,
					NULL, b->v, &b->st);
			sink += b->v[0];
		}
	}
	__asm__ volatile("" : : "r"(sink));
	return now_tsc() - t0;
}

/*
 * Table memory from reserved 2 MiB hugepages, as the data plane's DPDK
 * memory is; else transparent hugepages (the kernel may give fewer).
 */

int
main(int argc, char **argv)
{
	static struct bench b;
	uint32_t sources = 1000, rounds = 21, bursts = 20000;
	const char *dist = "uniform", *limits = "full", *pages = "?", *writers = "one";
	struct fg_srctab_params tp;
	double ghz, *per_d, *per_b, dmin, dmed, bmin;
	size_t mem_len;
	void *mem;
	uint64_t seed = 0x5eed;

	b.pipeline = 1;

	for (int i = 1; i < argc; i += 2) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;
		unsigned long v = 0;

		if (val == NULL)
			goto usage;
		if (strcmp(argv[i], "--mode") == 0) {
			if (strcmp(val, "pipeline") != 0 && strcmp(val, "burst") != 0)
				goto usage;
			b.pipeline = val[0] == 'p';
			continue;
		}
		if (strcmp(argv[i], "--limits") == 0) {
			if (strcmp(val, "full") != 0 && strcmp(val, "pps") != 0 &&
			    strcmp(val, "none") != 0)
				goto usage;
			limits = val;
			continue;
		}
		if (strcmp(argv[i], "--writers") == 0) {
			if (strcmp(val, "one") != 0 && strcmp(val, "shared") != 0)
				goto usage;
			writers = val;
			continue;
		}
		if (strcmp(argv[i], "--dist") == 0) {
			if (strcmp(val, "uniform") != 0 && strcmp(val, "zipf") != 0)
				goto usage;
			dist = val;
			continue;
		}
		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno != 0 || *end != '\0' || v == 0 || v > 1u << 28) {
			fprintf(stderr, "bench-limit: %s: bad value '%s'\n", argv[i], val);
			return 2;
		}
		if (strcmp(argv[i], "--sources") == 0)
			sources = (uint32_t)v;
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = (uint32_t)v;
		else if (strcmp(argv[i], "--bursts") == 0)
			bursts = (uint32_t)v;
		else
			goto usage;
	}

	fg_srctab_params_default(&tp);
	tp.sources = sources;   /* the table adds its own headroom */
	tp.seed = 0x243f6a8885a308d3ull;
	mem_len = fg_srctab_mem_size(tp.sources);
	mem = mem_len ? bench_mem(mem_len, &pages) : NULL;
	b.seq = malloc(SEQ_LEN * sizeof(*b.seq));
	per_d = calloc(rounds, sizeof(double));
	per_b = calloc(rounds, sizeof(double));
	if (mem == NULL || b.seq == NULL || per_d == NULL || per_b == NULL) {
		fprintf(stderr, "bench-limit: out of memory (%zu bytes of table)\n", mem_len);
		return 1;
	}
	b.clock = 1000 * FG_NS_PER_S;
	if (fg_srctab_init(&b.t, &tp, mem, mem_len, b.clock) != 0) {
		fprintf(stderr, "bench-limit: fg_srctab_init failed\n");
		return 1;
	}
	b.t.single_writer = writers[0] == 'o';
	fg_limit_cfg_default(&b.cfg);
	b.cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ FG_RATE_MAX, FG_BURST_MAX };
	b.cfg.cls[FG_CLASS_MOM].bps = (struct fg_rate){ FG_RATE_MAX, FG_BURST_MAX };
	b.cfg.cls[FG_CLASS_MOM].win_events = UINT32_MAX;
	if (strcmp(limits, "full") != 0) {     /* what each part costs */
		b.cfg.cls[FG_CLASS_MOM].win_events = 0;
		b.cfg.cls[FG_CLASS_MOM].bps.rate = 0;
		if (strcmp(limits, "none") == 0)
			b.cfg.cls[FG_CLASS_MOM].pps.rate = 0;
	}
	for (int k = 0; k < NBUF; k++)
		for (int i = 0; i < BURST; i++) {
			b.pk[k][i] = pkt_classified(FG_CLASS_MOM, 17, 100);
			b.pp[k][i] = &b.pk[k][i];
		}

	/* the source of every packet */
	for (uint32_t i = 0; i < SEQ_LEN; i++) {
		uint64_t r = xorshift(&seed);

		if (dist[0] == 'u') {
			b.seq[i] = (uint32_t)(r % sources);
		} else {
			/* Zipf s=1: P(rank k) ~ 1/k, rank = N^u; ranks spread over ids */
			double u = (double)(r >> 11) / 9007199254740992.0;
			uint64_t rank = (uint64_t)pow((double)sources, u) - 1;

			if (rank >= sources)
				rank = sources - 1;
			b.seq[i] = (uint32_t)((rank * 2654435761u) % sources);
		}
	}
	/* every source tracked before measuring */
	for (uint32_t i = 0; i < sources; i += BURST) {
		struct fg_now n;
		uint32_t k = sources - i < BURST ? sources - i : BURST;

		for (uint32_t j = 0; j < k; j++)
			addr_of(i + j, b.pk[0][j].src);
		b.clock += BURST * 67;
		n = fg_now(b.t.epoch, b.clock);
		fg_decide_burst(&b.t, &b.cfg, b.pp[0], k, &n, NULL, b.v, &b.st);
	}
	ghz = tsc_per_ns();
	printf("# bench-limit: sources=%u dist=%s slots=%llu table_bytes=%zu "
	       "bytes_per_source=%.1f bytes_per_slot=%.1f tracked=%llu "
	       "pages=%s rounds=%u bursts=%u tsc_ghz=%.3f\n",
	       sources, dist, (unsigned long long)fg_srctab_slots(&b.t), mem_len,
	       (double)mem_len / sources,
	       (double)mem_len / (double)fg_srctab_slots(&b.t),
	       (unsigned long long)fg_srctab_count(&b.t), pages, rounds, bursts, ghz);

	round_run(&b, bursts, 1);  /* warm */
	memset(&b.st, 0, sizeof(b.st));
	for (uint32_t r = 0; r < rounds; r++) {
		per_b[r] = (double)round_run(&b, bursts, 0) / ((double)bursts * BURST);
		per_d[r] = (double)round_run(&b, bursts, 1) / ((double)bursts * BURST);
	}
	qsort(per_b, rounds, sizeof(double), cmp_double);
	qsort(per_d, rounds, sizeof(double), cmp_double);
	bmin = per_b[0];
	dmin = per_d[0] - bmin;
	dmed = per_d[rounds / 2] - per_b[rounds / 2];
	printf("sources=%u dist=%s limits=%s mode=%s writers=%s min_cycles=%.1f median_cycles=%.1f "
	       "baseline_cycles=%.1f mpps=%.2f pass=%llu table_full=%llu "
	       "inserted=%llu evicted=%llu\n",
	       sources, dist, limits, b.pipeline ? "pipeline" : "burst", writers,
	       dmin, dmed, bmin, ghz * 1e3 / per_d[0],
	       (unsigned long long)b.st.verdict[FG_V_PASS],
	       (unsigned long long)b.st.verdict[FG_V_TABLE_FULL],
	       (unsigned long long)b.st.tab.inserted,
	       (unsigned long long)(b.st.tab.evict_idle + b.st.tab.evict_probation));
	if (b.st.verdict[FG_V_PASS] != (uint64_t)rounds * bursts * BURST) {
		fprintf(stderr, "bench-limit: not every packet took the pass path\n");
		return 1;
	}
	free(per_b);
	free(per_d);
	free(b.seq);
	return 0;
usage:
	fprintf(stderr, "usage: bench-limit [--sources N] [--dist uniform|zipf] "
		"[--rounds R] [--bursts B] [--limits full|pps|none] "
		"[--mode pipeline|burst] [--writers one|shared]\n");
	return 2;
}
