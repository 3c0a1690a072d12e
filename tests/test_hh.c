/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heavy hitters of drops (fg_hh.h): exact counts for a few sources, and
 * the real heavy sources on top under a spoofed flood of 10 million
 * sources, split over two workers' summaries and merged.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fg_hh.h"

static void
v4(uint8_t a[16], uint32_t x)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(x >> 24), a[13] = (uint8_t)(x >> 16);
	a[14] = (uint8_t)(x >> 8), a[15] = (uint8_t)x;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

Test(hh, few_sources_exact)
{
	struct fg_hh_bank *b = calloc(1, sizeof(*b));
	const struct fg_hh_bank *bb[1] = { b };
	struct fg_hh_entry *tmp = calloc(FG_HH_SETS * FG_HH_WAYS, sizeof(*tmp)), out[8];
	uint8_t a[16];
	uint32_t n;

	for (uint32_t s = 1; s <= 8; s++)
		for (uint32_t i = 0; i < s * 10; i++) {
			v4(a, 0xc6120100 + s);
			fg_hh_count(b, a, 1, i % 3 == 0 ? FG_V_RATE_BPS : FG_V_RATE_PPS, 100,
				    s == 8);
		}
	n = fg_hh_merge(bb, 1, tmp, out, 8);
	cr_assert_eq(n, 8, "8 sources, 8 entries (got %u)", n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = 8 - i;

		v4(a, 0xc6120100 + s);
		cr_expect(memcmp(out[i].addr, a, 16) == 0, "rank %u is source %u", i, s);
		cr_expect_eq(out[i].pkts, s * 10, "source %u: %u drops (got %u)", s, s * 10,
			     out[i].pkts);
		cr_expect_eq(out[i].bytes, s * 1000ull);
		cr_expect_eq(fg_hh_dominant(&out[i]), FG_V_RATE_PPS);
		cr_expect_eq(out[i].reason[FG_V_RATE_BPS], (s * 10 + 2) / 3);
		cr_expect_eq(out[i].would, s == 8 ? 80u : 0u);
	}
	free(tmp);
	free(b);
}

/*
 * 10 million spoofed sources, 1 drop each, and 16 heavy ones of 15,000 to
 * 30,000 drops each (about 0.1 % to 0.2 % of all drops, far below the 1 %
 * the requirement asks for) that start halfway through, interleaved at
 * random over two workers. The
 * 16 heavy ones must be the top 16, each count within its slot's noise.
 */
Test(hh, spoofed_flood_10m, .timeout = 60)
{
	enum { HEAVY = 16, SPOOF = 10000000, WORKERS = 2 };
	struct fg_hh_bank *b[WORKERS];
	const struct fg_hh_bank *bb[WORKERS];
	struct fg_hh_entry *tmp = calloc(WORKERS * FG_HH_SETS * FG_HH_WAYS, sizeof(*tmp));
	struct fg_hh_entry out[HEAVY];
	uint32_t want[HEAVY], left[HEAVY], total = SPOOF, heavy_left = 0, n, found = 0;
	uint8_t a[16];

	for (int w = 0; w < WORKERS; w++)
		bb[w] = b[w] = calloc(1, sizeof(*b[w]));
	for (int h = 0; h < HEAVY; h++) {
		want[h] = left[h] = 15000 + 1000 * h;
		heavy_left += left[h];
		total += want[h];
	}
	for (uint32_t spoof = SPOOF; spoof + heavy_left != 0;) {
		uint64_t r = next();
		int w = (int)(r >> 63);

		/* the heavy ones start halfway: the sets are full of spoofed ones */
		if (spoof < SPOOF / 2 && r % (spoof + heavy_left) < heavy_left) {
			int h = (int)((r >> 20) % HEAVY);

			if (left[h] == 0)
				continue;
			left[h]--, heavy_left--;
			v4(a, 0xcb007100 + (uint32_t)h);
		} else {
			spoof--;
			v4(a, (uint32_t)next());
		}
		fg_hh_count(b[w], a, 1, FG_V_TABLE_FULL, 60, 0);
	}
	n = fg_hh_merge(bb, WORKERS, tmp, out, HEAVY);
	cr_assert_eq(n, HEAVY);
	for (uint32_t i = 0; i < n; i++)
		for (int h = 0; h < HEAVY; h++) {
			v4(a, 0xcb007100 + (uint32_t)h);
			if (memcmp(out[i].addr, a, 16) != 0)
				continue;
			found++;
			/* off by at most a few times a slot's mean noise */
			cr_expect(out[i].pkts + 4 * (total / FG_DROP_SKETCH) >= want[h] &&
				  out[i].pkts <= want[h] + 4 * (total / FG_DROP_SKETCH),
				  "heavy %d: %u drops counted for %u", h, out[i].pkts, want[h]);
		}
	cr_expect_eq(found, HEAVY, "the top %d are the heavy sources (%u of them)", HEAVY,
		     found);
	free(tmp);
	for (int w = 0; w < WORKERS; w++)
		free(b[w]);
}
