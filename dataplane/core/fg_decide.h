/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_DECIDE_H
#define FG_DECIDE_H

/**
 * @file
 * The per-packet decision: classify result + per-source state -> verdict.
 * Pure C, time is an argument; the data plane (every mode, offline too)
 * runs the three steps below overlapped across bursts, the tests and
 * benchmarks call fg_decide_burst().
 *
 * Order of the checks for a protected packet (mom, sip, sip-tls):
 * allow list -> source blocked -> event window (may block now) -> too many
 * parameters -> SYN rate -> packets/s -> bytes/s. See docs/limits.md.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fg_limit.h"
#include "fg_parse.h"
#include "fg_srctab.h"
#include "fg_verdict.h"

/** Per-lcore counters: the hot path writes only its own. */
struct fg_limit_stats {
	uint64_t verdict[FG_V_COUNT];  /**< every packet decided, by reason (passed or
					*   dropped; a monitored would-drop is in would[]) */
	uint64_t would[FG_V_COUNT];    /**< monitor mode: passed that a rule would drop */
	uint64_t blocks;               /**< sources blocked by the window rule */
	uint64_t untracked;            /**< passed although the table was full */
	struct fg_srctab_stats tab;
} __attribute__((aligned(64)));

/** Limits of every class and what to do when the table is full. */
struct fg_limit_cfg {
	struct fg_class_limits cls[FG_CLASS_COUNT];
	bool table_full_pass;   /**< untracked new sources pass (default: drop) */
	/** monitor mode: mon_any set, a verdict v of a packet of class c
	 * (fg_mon_cls()) with bit v of mon[c] is counted in would[], not
	 * verdict[] (fg_mon_mask()); the verdict itself is the same */
	bool mon_any;
	uint32_t mon[FG_CLASS_COUNT];
	/**
	 * The jitter of the penalties (fg_penalty_ms()) is fg_rand_next() of
	 * jitter_seed ^ the source's table hash ^ now (ns): random per source
	 * and offence to whoever does not know the seed, the same for the
	 * same seed, packets and times. The data plane draws it at start
	 * (offline mode: 0, so a replay is reproducible); tests set it.
	 */
	uint64_t jitter_seed;
};

/** The class whose monitor switch applies to @p p (malformed: its port's). */
static inline unsigned int
fg_mon_cls(const struct fg_pkt *p)
{
	return p->cls == FG_CLASS_MALFORMED ? p->port_cls : p->cls;
}

/** Whether verdict @p v of @p p is a would-drop under @p cfg (monitor mode). */
static inline bool
fg_mon_would(const struct fg_limit_cfg *cfg, const struct fg_pkt *p, unsigned int v)
{
	return __builtin_expect(cfg->mon_any, 0) && ((cfg->mon[fg_mon_cls(p)] >> v) & 1);
}

/** Count verdict @p v of @p p: as a drop or pass, or as a would-drop. */
static inline void
fg_limit_count(struct fg_limit_stats *st, const struct fg_limit_cfg *cfg,
	       const struct fg_pkt *p, unsigned int v)
{
	if (fg_mon_would(cfg, p, v))
		st->would[v]++;
	else
		st->verdict[v]++;
}

/** Defaults of every class (fg_class_limits_default()); table full drops. */
void fg_limit_cfg_default(struct fg_limit_cfg *cfg);

/** Decide one packet. @p allowed: the source is on the allow list. */
enum fg_verdict fg_decide(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
			  const struct fg_pkt *p, const struct fg_now *now,
			  bool allowed, struct fg_limit_stats *st);

/** Most packets one fg_decide_prepare() takes (more are ignored). */
#define FG_DECIDE_BURST_MAX 64

/** A burst between fg_decide_prepare() and fg_decide_finish(). */
struct fg_decide_prep {
	uint32_t n;
	uint8_t v[FG_DECIDE_BURST_MAX];   /**< verdict, FG_V_NONE: needs state */
	uint64_t h[FG_DECIDE_BURST_MAX];  /**< source hashes */
};

/*
 * A burst is decided in three steps, each a pass over the burst, so that
 * a burst loop can overlap them across bursts and never wait on memory it
 * has not asked for long before:
 *   loop: prepare(k + 2); prefetch(k + 1); finish(k)
 * fg_decide_burst() runs the three on one burst.
 */

/**
 * Step 1: the verdicts that need no state, the source hashes, and
 * prefetches of their primary bucket headers. @p allowed may be NULL
 * (nobody allow-listed).
 */
void fg_decide_prepare(const struct fg_srctab *t, const struct fg_pkt *const *pkts,
		       uint32_t n, const bool *allowed, struct fg_decide_prep *bp);

/**
 * Step 2: signature match in the (by now cached) bucket headers and
 * prefetches of the matching entries, and of the secondary bucket header
 * where the primary has overflowed.
 */
void fg_decide_prefetch(const struct fg_srctab *t, const struct fg_decide_prep *bp);

/**
 * Step 3: lookups, then the decisions in packet order. @p side: where in
 * a bucket this writer places new sources (fg_srctab_insert()).
 */
void fg_decide_finish(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
		      const struct fg_pkt *const *pkts,
		      const struct fg_decide_prep *bp, const struct fg_now *now,
		      unsigned int side, uint8_t *verdicts, struct fg_limit_stats *st);

/**
 * Decide @p n packets in order: the three steps on this burst alone (in
 * slices of FG_DECIDE_BURST_MAX).
 */
void fg_decide_burst(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
		     const struct fg_pkt *const *pkts, uint32_t n,
		     const struct fg_now *now, const bool *allowed,
		     uint8_t *verdicts, struct fg_limit_stats *st);

#endif /* FG_DECIDE_H */
