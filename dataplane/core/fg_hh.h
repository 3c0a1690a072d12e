/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_HH_H
#define FG_HH_H

/**
 * @file
 * Heavy hitters of drops: which sources the rules drop (or would drop,
 * monitor mode) the most, in bounded memory whatever the number of
 * sources. One writer (a worker lcore) counts each drop; a reader (the
 * main lcore) merges the workers' summaries once an interval.
 *
 * Two parts, both fixed in size:
 * - a counting sketch: FG_DROP_SKETCH counters indexed by a hash of the
 *   source (fg_drop_slot()). A slot's count is an upper bound of each of
 *   its sources' drops (too high when sources share it, never too low).
 * - a candidate table: FG_HH_SETS sets of FG_HH_WAYS entries, the set
 *   chosen by the same hash. A source already in its set counts there
 *   exactly; one that is not takes the set's smallest entry, with that
 *   entry's count + 1 (Space-Saving, per set), but only once its slot's
 *   count is above that smallest count: a source seen once cannot push
 *   out one seen many times.
 *
 * Under a spoofed flood every slot carries about drops / FG_DROP_SKETCH
 * of noise, and the smallest entry of a set climbs to about that and no
 * further (the spoofed sources' slots stop getting over it); a source
 * above that noise gets in and, being no set's smallest, stays. Its
 * count is off by at most the smallest count when it got in. Sources
 * that share a heavy source's slot get in too, but as the smallest.
 * Memory: struct fg_hh_bank, 88 KiB; a worker has two (intervals).
 */

#include <stdint.h>
#include <string.h>

#include "fg_verdict.h"

#define FG_DROP_SKETCH 16384
#define FG_HH_SETS 64
#define FG_HH_WAYS 4

/** Slot of source @p a (16 bytes, IPv4 mapped) in the sketch; its set is
 * the slot's high bits (fg_hh_set()). */
static inline uint32_t
fg_drop_slot(const uint8_t a[16])
{
	uint64_t x, y;

	memcpy(&x, a, 8);
	memcpy(&y, a + 8, 8);
	return (uint32_t)((((x * 0x9e3779b97f4a7c15ull) ^ y) * 0xc2b2ae3d27d4eb4full) >> 50);
}
_Static_assert(FG_DROP_SKETCH == 1u << (64 - 50), "fg_drop_slot() fits the sketch");
_Static_assert(FG_HH_SETS <= FG_DROP_SKETCH && (FG_HH_SETS & (FG_HH_SETS - 1)) == 0,
	       "sets: a power of two, indexed by slot bits");

/**
 * The set of slot @p s: its top bits, the product's top bits, which every
 * address byte moves (the low ones do not depend on an IPv4 address's
 * last byte: addresses of one /24 would share a set).
 */
static inline uint32_t
fg_hh_set(uint32_t s)
{
	return s / (FG_DROP_SKETCH / FG_HH_SETS);
}

/** A candidate: its drops in this interval, by reason. pkts 0: free. */
struct fg_hh_entry {
	uint8_t addr[16];
	uint32_t pkts;                 /**< drops (exact since it entered, plus
					*   the count of the entry it replaced) */
	uint8_t cls;                   /**< enum fg_class of its first drop here */
	uint8_t pad[3];
	uint64_t bytes;                /**< dropped bytes (frame length) */
	uint32_t would;                /**< of pkts: would-drops (monitor mode) */
	uint32_t reason[FG_V_COUNT];   /**< drops by verdict */
};

/** One interval's summary. */
struct fg_hh_bank {
	uint32_t slot[FG_DROP_SKETCH];
	struct fg_hh_entry hh[FG_HH_SETS][FG_HH_WAYS];
};

/* The single writer stores, the reader loads: relaxed, word by word. */
#define FG_HH_ADD_(p, n) __atomic_store_n((p), *(p) + (n), __ATOMIC_RELAXED)

/** Count one drop of @p len bytes from @p src (class @p cls) as @p v;
 * @p would: monitor mode passed it. */
static inline void
fg_hh_count(struct fg_hh_bank *b, const uint8_t src[16], unsigned int cls, unsigned int v,
	    uint32_t len, uint32_t would)
{
	uint32_t s = fg_drop_slot(src), est, w, min = 0;
	struct fg_hh_entry *set = b->hh[fg_hh_set(s)], *e;

	FG_HH_ADD_(&b->slot[s], 1);
	est = b->slot[s];
	for (w = 0; w < FG_HH_WAYS; w++) {
		e = &set[w];
		if (e->pkts != 0 && memcmp(e->addr, src, 16) == 0) {
			FG_HH_ADD_(&e->pkts, 1);
			FG_HH_ADD_(&e->bytes, len);
			FG_HH_ADD_(&e->reason[v], 1);
			FG_HH_ADD_(&e->would, would);
			return;
		}
		if (e->pkts < set[min].pkts)
			min = w;
	}
	e = &set[min];
	if (est <= e->pkts)
		return;
	est = e->pkts + 1;
	/* a reader may see the entry half rewritten: one interval's figures
	 * of one entry, for statistics */
	memset(e->reason, 0, sizeof(e->reason));
	memcpy(e->addr, src, 16);
	e->cls = (uint8_t)cls;
	__atomic_store_n(&e->bytes, (uint64_t)len * est, __ATOMIC_RELAXED);
	__atomic_store_n(&e->reason[v], est, __ATOMIC_RELAXED);
	__atomic_store_n(&e->would, would ? est : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->pkts, est, __ATOMIC_RELAXED);
}

/** The verdict with the most drops of @p e. */
static inline unsigned int
fg_hh_dominant(const struct fg_hh_entry *e)
{
	unsigned int best = 0;

	for (unsigned int v = 1; v < FG_V_COUNT; v++)
		if (e->reason[v] > e->reason[best])
			best = v;
	return best;
}

/**
 * Merge the entries of @p n banks into @p out (room for @p max): one per
 * source, summed over the banks, heaviest by packets first (bytes as a
 * tie-break). @p tmp: room for n * FG_HH_SETS * FG_HH_WAYS entries.
 * @return entries in @p out.
 */
uint32_t fg_hh_merge(const struct fg_hh_bank *const *banks, uint32_t n,
		     struct fg_hh_entry *tmp, struct fg_hh_entry *out, uint32_t max);

#endif /* FG_HH_H */
