/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * table-fill: how full the source table gets before its first eviction,
 * and how many keys end up in their secondary bucket (one more header
 * line per lookup), for tables sized for 4K to 16M sources (sized as
 * the data plane sizes them: FG_SRCTAB_FILL_PCT of the slots). Sequential IPv4 sources, as
 * a /8 of agents would be; the hash is seeded, so any key set behaves
 * alike.
 *
 * Usage: table-fill
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"   /* srctab_new() */

int
main(void)
{
	for (uint32_t sources = 4096; sources <= (1u << 24); sources *= 16) {
		struct fg_srctab t;
		struct fg_srctab_stats st = { 0 };
		struct fg_src init = { 0 };
		struct fg_now n = fg_now(0, 1000000000ull);
		uint64_t slots;
		uint32_t i, sec = 0;

		if (srctab_new(&t, sources, 0x1234567890abcdefull, 0) != 0) {
			fprintf(stderr, "table-fill: no memory\n");
			return 1;
		}
		slots = fg_srctab_slots(&t);
		for (i = 0; i < slots; i++) {
			uint8_t a[16] = { 0 };
			uint64_t h;
			struct fg_src *e;

			a[10] = a[11] = 0xff;
			memcpy(a + 12, &i, 4);
			h = fg_srctab_hash(&t, a, 1);
			e = fg_srctab_insert(&t, a, 1, h, &init, &n, 0, &st);
			if (st.evict_idle + st.evict_probation != 0 || e == NULL)
				break;
			sec += (uint32_t)(((uintptr_t)e - (uintptr_t)t.bkt) /
					  sizeof(*t.bkt)) !=
			       fg_srctab_bkt1(&t, h);
		}
		printf("sources=%u slots=%llu first_eviction_at=%.1f%% of the slots "
		       "(%.1f%% of the sources) in_secondary=%.1f%%\n", sources,
		       (unsigned long long)slots, 100.0 * i / (double)slots,
		       100.0 * i / sources, i ? 100.0 * sec / i : 0.0);
		free(t.bkt);
	}
	return 0;
}
