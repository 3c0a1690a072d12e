/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-packet decision over the source table; see fg_decide.h. */
#include <stddef.h>
#include <string.h>

#include "fg_decide.h"

void
fg_limit_cfg_default(struct fg_limit_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (unsigned int c = 0; c < FG_CLASS_COUNT; c++)
		fg_class_limits_default(c, &cfg->cls[c]);
}

static inline bool
protected_class(unsigned int c)
{
	return c == FG_CLASS_MOM || c == FG_CLASS_SIP || c == FG_CLASS_SIP_TLS;
}

/* "now" in the units of each limiter of a class (fg_limit.h). */
struct units {
	uint64_t pps, bps, syn;
};

static inline void
units_of(const struct fg_class_limits *l, const struct fg_now *now,
	 struct units *u)
{
	u->pps = fg_rate_units(now, l->pps.rate);
	u->bps = fg_rate_units(now, l->bps.rate);
	u->syn = fg_rate_units(now, l->syn.rate);
}

/* A new source starts with every limiter full: TAT = now in its units. */
static void
fresh_entry(const struct fg_class_limits *l, const struct units *u, struct fg_src *e)
{
	memset(e, 0, sizeof(*e));
	e->tat_pkt = (uint32_t)u->pps;
	e->tat_byte = (uint32_t)u->bps;
	e->tat_syn = (uint32_t)u->syn;
	e->gen = l->gen;
}

/*
 * The class's rates changed since @p e's TATs were written (their units
 * with them): whoever sees it first restarts them, full. Packets another
 * lcore decides meanwhile use the old words: a few, once per change.
 */
static void
new_gen(struct fg_src *e, const struct fg_class_limits *l, const struct units *u,
	uint8_t g, bool mw)
{
	if (mw && !__atomic_compare_exchange_n(&e->gen, &g, l->gen, false,
					       __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	if (!mw)
		__atomic_store_n(&e->gen, l->gen, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tat_pkt, (uint32_t)u->pps, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tat_byte, (uint32_t)u->bps, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tat_syn, (uint32_t)u->syn, __ATOMIC_RELAXED);
}

/*
 * Keep the 32-bit TATs comparable with now (fg_limit.h): a limiter not
 * used for longer than its burst is full, whatever its word says; one
 * that fell 2^29 units behind is pulled up to now.
 */
static inline void
norm(struct fg_src *e, const struct fg_class_limits *l, const struct units *u,
     uint32_t idle_ms, bool mw)
{
	if (l->pps.rate != 0)
		fg_gcra_norm(&e->tat_pkt, (uint32_t)u->pps,
			     fg_gcra_idle(idle_ms, l->pps.rate, l->pps.burst), mw);
	if (l->bps.rate != 0)
		fg_gcra_norm(&e->tat_byte, (uint32_t)u->bps,
			     fg_gcra_idle(idle_ms, l->bps.rate, l->bps.burst), mw);
	if (l->syn.rate != 0)
		fg_gcra_norm(&e->tat_syn, (uint32_t)u->syn,
			     fg_gcra_idle(idle_ms, l->syn.rate, l->syn.burst), mw);
}

/* Beyond a bound of the class ("too many parameters")? */
static inline bool
too_many(const struct fg_class_limits *l, const struct fg_pkt *p)
{
	if (l->max_msg != 0 && p->pl_len > l->max_msg)
		return true;
	if (p->reason == FG_R_SIP_HDR_TOO_MANY || p->reason == FG_R_SIP_HDR_LINE_LONG ||
	    p->reason == FG_R_SIP_TCP_MSGS)
		return true;
	if (!(p->flags & FG_PF_SIP))
		return false;
	return (l->max_headers != 0 && p->sip.headers > l->max_headers) ||
	       (l->max_hdr_len != 0 && p->sip.max_hdr_len > l->max_hdr_len);
}

/*
 * Offences are forgotten after offence_memory_s without one: checked on a
 * source's first packet of a ms, when it has offences and is not blocked.
 * Its window word carries the last penalty's end (fg_window_add()); a
 * source silent for the memory is forgotten whatever the stamp says (the
 * stamp wraps in 74.6 hours).
 */
static __attribute__((noinline, cold)) void
forget(struct fg_src *e, const struct fg_class_limits *l, const struct fg_now *now,
       uint32_t idle_ms)
{
	uint64_t s = __atomic_load_n(&e->state, __ATOMIC_RELAXED);

	if (fg_src_blocked(e, now))
		return;
	if ((uint64_t)idle_ms >= (uint64_t)l->offence_memory_s * 1000u ||
	    fg_offence_forgotten((uint32_t)(fg_window_stamp(s) >> 24), now->ms,
				 l->offence_memory_s))
		__atomic_store_n(&e->offences, 0, __ATOMIC_RELAXED);
}

/* The flood rule fired: one offence more, and its (escalated) penalty. */
static __attribute__((noinline)) void
offend(struct fg_src *e, const struct fg_class_limits *l, const struct fg_now *now,
       uint64_t salt, struct fg_limit_stats *st)
{
	uint8_t off = __atomic_load_n(&e->offences, __ATOMIC_RELAXED);
	uint64_t rnd = salt ^ now->ns;
	uint8_t q = (uint8_t)(fg_rand_next(&rnd) >> 56);

	off += off != UINT8_MAX;
	__atomic_store_n(&e->offences, off, __ATOMIC_RELAXED);
	/* blocked; the next window starts after the penalty */
	fg_src_block(e, now->ns + fg_penalty_ms(l, off, q) * FG_NS_PER_MS, q);
	st->blocks++;
}

/* A connection's first SYN under a SYN limit of its class? */
static inline bool
syn_limited(const struct fg_class_limits *l, const struct fg_pkt *p)
{
	return l->syn.rate != 0 && p->l4 == FG_IPPROTO_TCP &&
	       (p->tcp_flags & (FG_TCP_SYN | FG_TCP_ACK)) == FG_TCP_SYN;
}

/* Packets passed, saturating (an entry's probation, fg_srctab.h). */
static inline void
count_pass(struct fg_src *e)
{
	uint8_t passed = __atomic_load_n(&e->passed, __ATOMIC_RELAXED);

	if (passed != UINT8_MAX)
		__atomic_store_n(&e->passed, (uint8_t)(passed + 1), __ATOMIC_RELAXED);
}

#if defined(__GCC_HAVE_SYNC_COMPARE_AND_SWAP_16)
/* An entry's window word and its packet and byte TATs: one 16-byte word. */
union src16 {
	unsigned __int128 x;
	struct {
		uint64_t state;
		uint32_t tat_pkt, tat_byte;
	};
};
_Static_assert(offsetof(struct fg_src, state) == 0 && offsetof(struct fg_src, tat_pkt) == 8 &&
	       offsetof(struct fg_src, tat_byte) == 12 && _Alignof(struct fg_src) >= 16,
	       "the window word and two TATs are the entry's first, aligned 16 bytes");

/*
 * The window rule and the packet and byte limiters of a packet that is
 * neither a SYN under a SYN limit nor over a "too many" bound, with
 * several writers: the three words in one 16-byte compare-and-swap
 * instead of one each (the locked instructions were 63 % of deciding
 * with two workers: docs/performance.md). Decides as limit() would.
 * @return the verdict, or FG_V_NONE when the window rule fires (limit()
 * takes it word by word then, from the start: nothing was written).
 */
static inline __attribute__((always_inline)) enum fg_verdict
limit16(struct fg_src *e, const struct fg_class_limits *l, const struct fg_pkt *p,
	const struct fg_now *now, const struct units *u, bool event)
{
	unsigned __int128 *w = (unsigned __int128 *)(void *)&e->state;
	union src16 o, n;

	/* three loads, not one atomic: a torn view fails the CAS, which
	 * returns the whole word (a drop that writes nothing returns on it,
	 * as limit() decides on words read one by one) */
	o.state = __atomic_load_n(&e->state, __ATOMIC_RELAXED);
	o.tat_pkt = __atomic_load_n(&e->tat_pkt, __ATOMIC_RELAXED);
	o.tat_byte = __atomic_load_n(&e->tat_byte, __ATOMIC_RELAXED);
	for (;;) {
		enum fg_verdict v = FG_V_PASS;
		unsigned __int128 seen;

		n = o;
		if (fg_src_word_block_left(o.state, now) != 0)
			return FG_V_FLOOD_BLOCKED;
		if (event && l->win_events != 0 &&
		    fg_window_next(o.state, now->ms, l->win_ms, &n.state) > l->win_events)
			return FG_V_NONE;
		if (l->pps.rate != 0 &&
		    !fg_gcra_next(o.tat_pkt, (uint32_t)u->pps, 1, (uint32_t)l->pps.burst,
				  &n.tat_pkt)) {
			n.tat_pkt = o.tat_pkt;
			v = FG_V_RATE_PPS;
		} else if (l->bps.rate != 0 &&
			   !fg_gcra_next(o.tat_byte, (uint32_t)u->bps, p->ip_len,
					 (uint32_t)l->bps.burst, &n.tat_byte)) {
			n.tat_pkt = o.tat_pkt;
			n.tat_byte = o.tat_byte;
			v = FG_V_RATE_BPS;
		}
		if (n.x == o.x)
			return v;
		seen = __sync_val_compare_and_swap(w, o.x, n.x);
		if (seen == o.x)
			return v;
		o.x = seen;
	}
}
#endif

static inline __attribute__((always_inline)) enum fg_verdict
limit(struct fg_src *e, const struct fg_class_limits *l,
      const struct fg_pkt *p, const struct fg_now *now, const struct units *u,
      uint64_t salt, bool mw, struct fg_limit_stats *st)
{
	bool event = p->l4 == FG_IPPROTO_UDP || (p->l4 == FG_IPPROTO_TCP && p->pl_len > 0);
	bool params = too_many(l, p);
	/* acquire: pairs with the release below, so a packet that finds
	 * last_ms at its ms finds the TATs kept in reach for that ms */
	uint32_t last = __atomic_load_n(&e->last_ms, __ATOMIC_ACQUIRE);
	uint32_t idle_ms = fg_ms_since(now->ms, last);
	uint8_t g = __atomic_load_n(&e->gen, __ATOMIC_RELAXED);

	if (__builtin_expect(g != l->gen, 0))
		new_gen(e, l, u, g, mw);
	/*
	 * The first packet of each ms keeps the TATs in reach, then moves
	 * last_ms (fg_ms_since() is 0 when another lcore's newer now is in
	 * it already); the others of that ms need not. Forward only: an
	 * lcore with an older now must not make the entry look idle to the
	 * others (their TATs would be judged stale).
	 */
	if (idle_ms > 0) {
		norm(e, l, u, idle_ms, mw);
		if (__builtin_expect(__atomic_load_n(&e->offences, __ATOMIC_RELAXED) != 0, 0))
			forget(e, l, now, idle_ms);
		/* a wrap (UINT32_MAX) is no ordering the CAS loop could judge */
		if (!mw || idle_ms == UINT32_MAX)
			__atomic_store_n(&e->last_ms, now->ms, __ATOMIC_RELEASE);
		else    /* a plain store could move it back (caught by
			 * concurrency/two_threads_one_source: one burst too many) */
			while (!__atomic_compare_exchange_n(&e->last_ms, &last, now->ms, true,
							    __ATOMIC_RELEASE, __ATOMIC_RELAXED) &&
			       (int32_t)(now->ms - last) > 0)
				;
	}
#if defined(__GCC_HAVE_SYNC_COMPARE_AND_SWAP_16)
	if (mw && !params && !syn_limited(l, p)) {
		enum fg_verdict v = limit16(e, l, p, now, u, event);

		if (v != FG_V_NONE) {
			if (v == FG_V_PASS)
				count_pass(e);
			return v;
		}
	}
#endif
	if (fg_src_blocked(e, now))
		return FG_V_FLOOD_BLOCKED;
	if ((event || params) && l->win_events != 0 &&
	    fg_window_add(&e->state, now->ms, l->win_ms, mw) > l->win_events) {
		offend(e, l, now, salt, st);
		return FG_V_FLOOD_BLOCKED;
	}
	if (params)
		return FG_V_TOO_MANY_PARAMS;
	if (syn_limited(l, p) &&
	    !fg_gcra_take(&e->tat_syn, (uint32_t)u->syn, 1, (uint32_t)l->syn.burst, mw))
		return FG_V_SYN_RATE;
	if (l->pps.rate != 0 &&
	    !fg_gcra_take(&e->tat_pkt, (uint32_t)u->pps, 1, (uint32_t)l->pps.burst, mw))
		return FG_V_RATE_PPS;
	if (l->bps.rate != 0 &&
	    !fg_gcra_take(&e->tat_byte, (uint32_t)u->bps, p->ip_len,
			  (uint32_t)l->bps.burst, mw)) {
		if (l->pps.rate != 0)
			fg_gcra_refund(&e->tat_pkt, 1, mw);
		return FG_V_RATE_BPS;
	}
	count_pass(e);
	return FG_V_PASS;
}

/*
 * The class whose limits and state apply. A SIP message the parser gave
 * up on for its header count or a header's length, or a TCP segment
 * starting more messages than max_msgs, is "malformed" to the
 * classifier but, by the rules, a sender breaking its class's bounds:
 * too-many-params, counted in that source's window (docs/limits.md).
 */
static inline uint8_t
cls_of(const struct fg_pkt *p)
{
	if (__builtin_expect(p->cls == FG_CLASS_MALFORMED, 0) &&
	    (p->reason == FG_R_SIP_HDR_TOO_MANY || p->reason == FG_R_SIP_HDR_LINE_LONG ||
	     p->reason == FG_R_SIP_TCP_MSGS))
		return p->port_cls;
	return p->cls;
}

/* Verdicts that need no table entry; FG_V_NONE when one is needed. */
static inline enum fg_verdict
pre_verdict(const struct fg_pkt *p, bool allowed)
{
	uint8_t cls = cls_of(p);

	if (cls == FG_CLASS_MALFORMED)
		return protected_class(p->port_cls) ? FG_V_MALFORMED : FG_V_PASS_OTHER;
	if (!protected_class(cls))
		return FG_V_PASS_OTHER;
	if (allowed)
		return FG_V_PASS_ALLOW;
	return FG_V_NONE;
}

static inline __attribute__((always_inline)) enum fg_verdict
decide_entry(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
	     const struct fg_pkt *p, const struct fg_now *now,
	     const struct units *u, uint64_t h, struct fg_src *e, unsigned int side,
	     struct fg_limit_stats *st)
{
	const struct fg_class_limits *l = &cfg->cls[cls_of(p)];

	if (e == NULL) {
		struct fg_src init;

		fresh_entry(l, u, &init);
		e = fg_srctab_insert(t, p->src, cls_of(p), h, &init, now, side, &st->tab);
		if (e == NULL) {
			if (!cfg->table_full_pass)
				return FG_V_TABLE_FULL;
			st->untracked++;
			return FG_V_PASS;
		}
	}
	return limit(e, l, p, now, u, cfg->jitter_seed ^ h, !t->single_writer, st);
}

enum fg_verdict
fg_decide(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
	  const struct fg_pkt *p, const struct fg_now *now, bool allowed,
	  struct fg_limit_stats *st)
{
	enum fg_verdict v = pre_verdict(p, allowed);

	if (v == FG_V_NONE) {
		uint8_t cls = cls_of(p);
		uint64_t h = fg_srctab_hash(t, p->src, cls);
		struct units u;

		units_of(&cfg->cls[cls], now, &u);
		v = decide_entry(t, cfg, p, now, &u, h,
				 fg_srctab_lookup(t, p->src, cls, h), 0, st);
	}
	fg_limit_count(st, cfg, p, v);
	return v;
}

void
fg_decide_prepare(const struct fg_srctab *t, const struct fg_pkt *const *pkts,
		  uint32_t n, const bool *allowed, struct fg_decide_prep *bp)
{
	if (n > FG_DECIDE_BURST_MAX)
		n = FG_DECIDE_BURST_MAX;
	bp->n = n;
	for (uint32_t i = 0; i < n; i++) {
		bp->v[i] = (uint8_t)pre_verdict(pkts[i], allowed != NULL && allowed[i]);
		if (bp->v[i] == FG_V_NONE) {
			bp->h[i] = fg_srctab_hash(t, pkts[i]->src, cls_of(pkts[i]));
			fg_srctab_prefetch(t, bp->h[i]);
		}
	}
}

void
fg_decide_prefetch(const struct fg_srctab *t, const struct fg_decide_prep *bp)
{
	for (uint32_t i = 0; i < bp->n; i++)
		if (bp->v[i] == FG_V_NONE)
			fg_srctab_prefetch_entries(t, bp->h[i]);
}

void
fg_decide_finish(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
		 const struct fg_pkt *const *pkts, const struct fg_decide_prep *bp,
		 const struct fg_now *now, unsigned int side, uint8_t *verdicts,
		 struct fg_limit_stats *st)
{
	struct fg_src *e[FG_DECIDE_BURST_MAX];
	uint8_t second[FG_DECIDE_BURST_MAX];
	struct units u[FG_CLASS_COUNT];
	uint32_t n = bp->n, ns = 0;
	uint64_t inserted;

	/*
	 * Lookups first, then the decisions in packet order. The lookup
	 * pass has no locked instruction, so the CPU overlaps the misses of
	 * several lookups; the decisions' compare-and-swaps are full
	 * barriers on x86 and would serialise them (measured: doing the
	 * lookups in the decision pass doubled the cost at 1M sources).
	 * Keys in their secondary bucket are looked up after all the
	 * primaries, their entries prefetched meanwhile: one wait for all
	 * of them instead of one each.
	 */
	for (uint32_t i = 0; i < n; i++)
		if (bp->v[i] == FG_V_NONE) {
			bool more;

			e[i] = fg_srctab_lookup1(t, pkts[i]->src, cls_of(pkts[i]),
						 bp->h[i], &more);
			if (more) {
				fg_srctab_prefetch2(t, bp->h[i]);
				second[ns++] = (uint8_t)i;
			}
		}
	for (uint32_t j = 0; j < ns; j++) {
		uint32_t i = second[j];

		e[i] = fg_srctab_lookup2(t, pkts[i]->src, cls_of(pkts[i]), bp->h[i]);
	}
	/* once per burst, not per packet: classes share their limits */
	units_of(&cfg->cls[FG_CLASS_MOM], now, &u[FG_CLASS_MOM]);
	units_of(&cfg->cls[FG_CLASS_SIP], now, &u[FG_CLASS_SIP]);
	units_of(&cfg->cls[FG_CLASS_SIP_TLS], now, &u[FG_CLASS_SIP_TLS]);
	inserted = st->tab.inserted;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t v = bp->v[i];

		if (v == FG_V_NONE) {
			struct fg_src *x = e[i];

			/*
			 * Inserted by an earlier packet of this burst, or its
			 * entry evicted by one (only inserts evict)? Look again.
			 */
			uint8_t cls = cls_of(pkts[i]);

			if (x == NULL || (st->tab.inserted != inserted &&
					  !fg_src_is(x, pkts[i]->src, cls)))
				x = fg_srctab_lookup(t, pkts[i]->src, cls, bp->h[i]);
			v = (uint8_t)decide_entry(t, cfg, pkts[i], now, &u[cls],
						  bp->h[i], x, side, st);
		}
		verdicts[i] = v;
		fg_limit_count(st, cfg, pkts[i], v);
	}
}

void
fg_decide_burst(struct fg_srctab *t, const struct fg_limit_cfg *cfg,
		const struct fg_pkt *const *pkts, uint32_t n,
		const struct fg_now *now, const bool *allowed,
		uint8_t *verdicts, struct fg_limit_stats *st)
{
	struct fg_decide_prep bp;

	for (uint32_t k = 0; k < n; k += FG_DECIDE_BURST_MAX) {
		uint32_t m = n - k < FG_DECIDE_BURST_MAX ? n - k : FG_DECIDE_BURST_MAX;

		fg_decide_prepare(t, pkts + k, m, allowed != NULL ? allowed + k : NULL,
				  &bp);
		fg_decide_prefetch(t, &bp);
		fg_decide_finish(t, cfg, pkts + k, &bp, now, 0, verdicts + k, st);
	}
}
