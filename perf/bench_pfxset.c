/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-pfxset: fg_pfxset at feed scale. One family per run (--family 4
 * or 6): N allow + N block random prefixes (IPv4: 70 % /32, 25 % /24,
 * 5 % /16../23 and 16 /8s, as feeds are; IPv6: /32, /48, /56, /64, /128
 * in 2000::/3), and sources drawn at random that no prefix holds.
 *
 * Lookup: cycles per fg_pfxset_lookup() over a sequence of 4M source
 * indexes (1K and 1M distinct sources), one at a time as a worker's
 * packet loop calls it; a baseline loop (pick the source, fold a byte)
 * measured in the same run is subtracted; the minimum and the median
 * round are printed (see bench_parse.c for why the minimum is the figure
 * judged on this shared machine). "empty": a set with no prefix; "full":
 * the loaded one. IPv4 also with the cell prefetched 8 lookups ahead
 * (fg_pfxset_prefetch()), as a burst loop would.
 *
 * Updates with the set full: latency of 10,000 single adds then their
 * deletes (p50, p99, max in us), time to add 100,000 new prefixes and to
 * delete them (a feed replace is both). Memory: the block's bytes per
 * rule held, and without the fixed 64 MiB of tbl24.
 *
 * Usage: bench-pfxset [--family 4|6] [--rules N] [--rounds R]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_util.h"
#include "fg_pfxset.h"

#define SEQ_LEN (1u << 22)
#define LAT_N 10000u
#define BULK_N 100000u

/* From reserved 2 MiB hugepages as the data plane's memory; else THP. */

/* A random prefix of the feed mix. */
static void
feed_prefix(uint64_t *r, int family, struct fg_prefix *p)
{
	static const uint8_t len6[] = { 32, 48, 56, 64, 128 };
	uint64_t x = xorshift(r), y = xorshift(r);
	unsigned int len, pct = (unsigned int)(x % 1000);

	memset(p, 0, sizeof(*p));
	if (family == 4) {
		uint32_t a = (uint32_t)(y >> 32);

		if (pct < 700)
			len = 32;
		else if (pct < 950)
			len = 24;
		else
			len = 16 + (unsigned int)(y % 8);
		a &= len == 32 ? ~0u : ~(~0u >> len);
		p->addr[10] = p->addr[11] = 0xff;
		p->addr[12] = (uint8_t)(a >> 24);
		p->addr[13] = (uint8_t)(a >> 16);
		p->addr[14] = (uint8_t)(a >> 8);
		p->addr[15] = (uint8_t)a;
		p->len = (uint8_t)(96 + len);
		return;
	}
	len = len6[x % sizeof(len6)];
	for (int i = 0; i < 8; i++) {
		p->addr[i] = (uint8_t)(y >> (8 * i));
		p->addr[8 + i] = (uint8_t)(x >> (8 * i + 3));
	}
	p->addr[0] = (uint8_t)(0x20 | (p->addr[0] & 0x1f));     /* 2000::/3 */
	for (unsigned int i = len; i < 128; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	p->len = (uint8_t)len;
}

static void
rand_addr(uint64_t *r, int family, uint8_t a[16])
{
	uint64_t x = xorshift(r), y = xorshift(r);

	memset(a, 0, 16);
	if (family == 4) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &x, 4);
		return;
	}
	memcpy(a, &x, 8);
	memcpy(a + 8, &y, 8);
	a[0] = (uint8_t)(0x20 | (a[0] & 0x1f));
}

/* Prefetch the cell of an IPv4 address a few lookups ahead. */
static inline void
prefetch4(const struct fg_pfxset *s, const uint8_t a[16])
{
	uint32_t ip = (uint32_t)a[12] << 16 | (uint32_t)a[13] << 8 | a[14];

	__builtin_prefetch(&fg_pfxset_tbl24_(s)[ip]);
}

/* One round: cycles per lookup (mode 0 baseline, 1 lookup, 2 prefetched). */
static double
round_run(const struct fg_pfxset *s, uint8_t (*src)[16], const uint32_t *seq,
	  uint32_t n, int mode, uint32_t *hits)
{
	uint32_t sink = 0;
	uint64_t t0 = now_tsc();

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *a = src[seq[i & (SEQ_LEN - 1)]];

		if (mode == 0) {
			__asm__ volatile("" : : "r"(a) : "memory");
			sink += a[15] & 0;
		} else {
			if (mode == 2)
				prefetch4(s, src[seq[(i + 8) & (SEQ_LEN - 1)]]);
			sink += fg_pfxset_lookup(s, a);
		}
	}
	*hits += sink;
	return (double)(now_tsc() - t0) / n;
}

static void
lookups(const char *set, const struct fg_pfxset *s, int family, uint8_t (*src)[16],
	uint32_t nsrc, uint32_t rounds, uint64_t *r)
{
	static uint32_t seq[SEQ_LEN];
	double *b = calloc(rounds, sizeof(double)), *l = calloc(rounds, sizeof(double));
	double *p = calloc(rounds, sizeof(double));
	uint32_t hits = 0, n = SEQ_LEN;

	for (uint32_t i = 0; i < SEQ_LEN; i++)
		seq[i] = (uint32_t)(xorshift(r) % nsrc);
	round_run(s, src, seq, n, 1, &hits);   /* warm */
	for (uint32_t k = 0; k < rounds; k++) {
		b[k] = round_run(s, src, seq, n, 0, &hits);
		l[k] = round_run(s, src, seq, n, 1, &hits);
		p[k] = family == 4 ? round_run(s, src, seq, n, 2, &hits) : 0;
	}
	qsort(b, rounds, sizeof(double), cmp_double);
	qsort(l, rounds, sizeof(double), cmp_double);
	qsort(p, rounds, sizeof(double), cmp_double);
	printf("case=lookup family=%d set=%s sources=%u min_cycles=%.1f median_cycles=%.1f "
	       "prefetch_min_cycles=%.1f baseline_cycles=%.1f hits=%u\n",
	       family, set, nsrc, l[0] - b[0], l[rounds / 2] - b[rounds / 2],
	       family == 4 ? p[0] - b[0] : 0.0, b[0], hits);
	free(b);
	free(l);
	free(p);
}

static void
pct_print(const char *what, int family, uint64_t *t, uint32_t n, double ghz)
{
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("case=%s family=%d n=%u p50_us=%.2f p99_us=%.2f max_us=%.1f\n", what, family,
	       n, t[n / 2] / ghz / 1e3, t[n * 99 / 100] / ghz / 1e3, t[n - 1] / ghz / 1e3);
}

int
main(int argc, char **argv)
{
	struct fg_pfxset_cfg cfg, ecfg = { .rules = 1024, .groups4 = 16 };
	uint32_t per_list = 1000000, rounds = 7, nsrc_max = 1000000;
	const char *pages = "?", *epages = "?";
	static struct fg_prefix extra[BULK_N];
	struct fg_pfxset *s, *e;
	struct fg_pfxset_stats st;
	uint8_t (*src)[16];
	uint64_t r = 0x9e3779b97f4a7c15ull, *lat, t0;
	int family = 4;
	double ghz;
	size_t sz;

	for (int i = 1; i + 1 < argc; i += 2) {
		unsigned long v = strtoul(argv[i + 1], NULL, 10);

		if (strcmp(argv[i], "--family") == 0 && (v == 4 || v == 6))
			family = (int)v;
		else if (strcmp(argv[i], "--rules") == 0 && v > 0 && v <= 4000000)
			per_list = (uint32_t)v;
		else if (strcmp(argv[i], "--rounds") == 0 && v > 0 && v < 1000)
			rounds = (uint32_t)v;
		else {
			fprintf(stderr, "usage: bench-pfxset [--family 4|6] [--rules N] "
				"[--rounds R]\n");
			return 2;
		}
	}
	fg_pfxset_cfg_default(&cfg);
	if (cfg.rules < 2 * per_list + BULK_N)
		cfg.rules = 2 * per_list + BULK_N;
	sz = fg_pfxset_size(&cfg);
	s = bench_mem(sz, &pages);
	e = bench_mem(fg_pfxset_size(&ecfg), &epages);
	src = malloc(nsrc_max * sizeof(*src));
	lat = malloc(LAT_N * sizeof(*lat));
	if (s == NULL || e == NULL || src == NULL || lat == NULL ||
	    fg_pfxset_init(s, sz, &cfg, 0x243f6a8885a308d3ull) != 0 ||
	    fg_pfxset_init(e, fg_pfxset_size(&ecfg), &ecfg, 1) != 0) {
		fprintf(stderr, "bench-pfxset: out of memory (%zu bytes)\n", sz);
		return 1;
	}
	ghz = tsc_per_ns();

	/* load: N per list (a few /8s in IPv4) */
	t0 = now_tsc();
	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++) {
		uint32_t n = 0;

		if (family == 4)
			for (uint32_t k = 0; k < 8; k++) {
				struct fg_prefix p = { .len = 104 };

				p.addr[10] = p.addr[11] = 0xff;
				p.addr[12] = (uint8_t)(20 + l * 100 + k * 7);
				n += fg_pfxset_add(s, l, &p, NULL) == 0;
			}
		while (n < per_list) {
			struct fg_prefix p;
			int rc;

			feed_prefix(&r, family, &p);
			rc = fg_pfxset_add(s, l, &p, NULL);
			if (rc == -ENOSPC) {
				fprintf(stderr, "bench-pfxset: -ENOSPC after %u\n", n);
				return 1;
			}
			n += rc == 0;
		}
	}
	fg_pfxset_stats(s, &st);
	printf("# bench-pfxset: family=%d per_list=%u pages=%s tsc_ghz=%.3f load_s=%.2f "
	       "rules=%u prefixes=%u groups=%u maxprobe=%u bytes=%llu\n",
	       family, per_list, pages, ghz, (double)(now_tsc() - t0) / ghz / 1e9,
	       st.rules, st.prefixes, st.groups_used, st.maxprobe,
	       (unsigned long long)st.bytes);
	/* the block's bytes per rule: slots and metas are sized by cfg.rules,
	 * groups by use (64 + 16 B each), tbl24 is 64 MiB whatever */
	printf("case=memory family=%d bytes_per_rule=%.1f bytes_per_rule_no_tbl24=%.1f "
	       "bytes_per_rule_used=%.1f\n", family, (double)st.bytes / st.rules,
	       (double)(st.bytes - (64u << 20)) / st.rules,
	       (2.0 * 32 * st.prefixes + 12.0 * st.rules + 80.0 * st.groups_used) / st.rules);

	/* sources that no prefix holds */
	for (uint32_t i = 0; i < nsrc_max; i++)
		do
			rand_addr(&r, family, src[i]);
		while (fg_pfxset_lookup(s, src[i]) != 0);
	lookups("empty", e, family, src, 1000, rounds, &r);
	lookups("full", s, family, src, 1000, rounds, &r);
	lookups("empty", e, family, src, nsrc_max, rounds, &r);
	lookups("full", s, family, src, nsrc_max, rounds, &r);

	/* single updates with the set full */
	for (uint32_t i = 0; i < BULK_N; i++) {
		do
			feed_prefix(&r, family, &extra[i]);
		while (fg_pfxset_get(s, FG_PFX_LIST_BLOCK, &extra[i], NULL));
	}
	for (uint32_t i = 0; i < LAT_N; i++) {
		uint64_t t = now_tsc();
		int rc = fg_pfxset_add(s, FG_PFX_LIST_BLOCK, &extra[i], NULL);

		lat[i] = now_tsc() - t;
		if (rc != 0 && rc != -EEXIST)
			return 1;
	}
	pct_print("add", family, lat, LAT_N, ghz);
	for (uint32_t i = 0; i < LAT_N; i++) {
		uint64_t t = now_tsc();

		fg_pfxset_del(s, FG_PFX_LIST_BLOCK, &extra[i]);
		lat[i] = now_tsc() - t;
	}
	pct_print("del", family, lat, LAT_N, ghz);
	fg_pfxset_reclaim(s, fg_pfxset_epoch(s));

	/* a feed of 100k: added, then deleted */
	t0 = now_tsc();
	for (uint32_t i = 0; i < BULK_N; i++)
		fg_pfxset_add(s, FG_PFX_LIST_BLOCK, &extra[i], NULL);
	printf("case=bulk family=%d n=%u add_ms=%.1f", family, BULK_N,
	       (double)(now_tsc() - t0) / ghz / 1e6);
	t0 = now_tsc();
	for (uint32_t i = 0; i < BULK_N; i++)
		fg_pfxset_del(s, FG_PFX_LIST_BLOCK, &extra[i]);
	printf(" del_ms=%.1f\n", (double)(now_tsc() - t0) / ghz / 1e6);
	fg_pfxset_stats(s, &st);
	if (st.rules != 2 * per_list) {
		fprintf(stderr, "bench-pfxset: %u rules left, want %u\n", st.rules, 2 * per_list);
		return 1;
	}
	return 0;
}
