/* SPDX-License-Identifier: BSD-3-Clause */
/* Heavy hitters of drops: merging the workers' summaries (fg_hh.h). */
#include <stdlib.h>

#include "fg_hh.h"

static int
by_addr(const void *a, const void *b)
{
	return memcmp(((const struct fg_hh_entry *)a)->addr,
		      ((const struct fg_hh_entry *)b)->addr, 16);
}

static int
by_weight(const void *a, const void *b)
{
	const struct fg_hh_entry *x = a, *y = b;

	if (x->pkts != y->pkts)
		return x->pkts < y->pkts ? 1 : -1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return memcmp(x->addr, y->addr, 16);
}

uint32_t
fg_hh_merge(const struct fg_hh_bank *const *banks, uint32_t n, struct fg_hh_entry *tmp,
	    struct fg_hh_entry *out, uint32_t max)
{
	uint32_t k = 0, m = 0;

	for (uint32_t i = 0; i < n; i++)
		for (uint32_t s = 0; s < FG_HH_SETS; s++)
			for (uint32_t w = 0; w < FG_HH_WAYS; w++) {
				const struct fg_hh_entry *e = &banks[i]->hh[s][w];

				if (__atomic_load_n(&e->pkts, __ATOMIC_RELAXED) != 0)
					tmp[k++] = *e;
			}
	qsort(tmp, k, sizeof(tmp[0]), by_addr);
	for (uint32_t i = 0; i < k; i++) {
		if (m != 0 && memcmp(tmp[m - 1].addr, tmp[i].addr, 16) == 0) {
			struct fg_hh_entry *d = &tmp[m - 1];

			d->pkts += tmp[i].pkts;
			d->bytes += tmp[i].bytes;
			d->would += tmp[i].would;
			for (unsigned int v = 0; v < FG_V_COUNT; v++)
				d->reason[v] += tmp[i].reason[v];
			continue;
		}
		tmp[m++] = tmp[i];
	}
	qsort(tmp, m, sizeof(tmp[0]), by_weight);
	if (m > max)
		m = max;
	memcpy(out, tmp, m * sizeof(out[0]));
	return m;
}
