/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_LIMIT_H
#define FG_LIMIT_H

/**
 * @file
 * Rate limiters and the event-window flood rule, lock-free and exact
 * across threads. Time is always an argument (nanoseconds, any epoch).
 *
 * Rates are GCRA (the virtual-scheduling form of a token bucket) with the
 * theoretical arrival time (TAT) kept in *units of the limiter's own
 * rate*: one unit is 1/rate seconds, so a packet costs 1 unit (a byte
 * costs 1 unit of a bytes/s limiter) and "now" in units is
 *   floor(t * rate / 1e9),   t = ns since the table's epoch.
 * Everything is integer, so over any period the limiter lets through
 * exactly burst + floor(t1 * rate / 1e9) - floor(t0 * rate / 1e9) costs:
 * no rounding drift however long it runs. The TAT is one 32-bit word
 * updated with compare-and-swap, so two lcores taking from one source's
 * limiter at once get the rate once between them, never twice (with one
 * writer, a plain store does the same for less). Units wrap modulo 2^32
 * and are compared by signed difference, which is exact while the TAT is
 * within 2^31 units of now: bursts are at most 2^29 units, and the
 * caller keeps an idle TAT from falling further behind with
 * fg_gcra_norm() (fg_decide does, from the entry's last-seen time). The
 * time source itself may wrap: only differences from the epoch are used.
 */

#include <stdbool.h>
#include <stdint.h>

#define FG_NS_PER_S 1000000000ull
#define FG_NS_PER_MS 1000000ull
/** Largest rate any limiter accepts (per second): t % 1e9 * rate < 2^64. */
#define FG_RATE_MAX 10000000000ull

/** Now, as the limiters need it; fg_now() makes one per burst. */
struct fg_now {
	uint64_t ns;   /**< since the table's epoch (mod 2^64) */
	uint64_t sec;  /**< ns / 1e9 */
	uint64_t sub;  /**< ns % 1e9 */
	uint32_t ms;   /**< ns / 1e6, mod 2^32: windows, ageing */
};

static inline struct fg_now
fg_now(uint64_t epoch, uint64_t now)
{
	uint64_t ns = now - epoch;

	return (struct fg_now){
		.ns = ns, .sec = ns / FG_NS_PER_S, .sub = ns % FG_NS_PER_S,
		.ms = (uint32_t)(ns / FG_NS_PER_MS),
	};
}

/** A rate and its burst (per second, in packets or bytes). rate 0: off. */
struct fg_rate {
	uint64_t rate;
	uint64_t burst;
};

/** Whether two limiters count alike (else their TATs mean different things). */
static inline bool
fg_rate_eq(const struct fg_rate *a, const struct fg_rate *b)
{
	return a->rate == b->rate && a->burst == b->burst;
}

/** floor(t * rate / 1e9) mod 2^64, exactly, without 128-bit arithmetic. */
static inline uint64_t
fg_rate_units(const struct fg_now *t, uint64_t rate)
{
	return t->sec * rate + t->sub * rate / FG_NS_PER_S;
}

/** Largest burst of any limiter, in its units (fg_limit.h file comment). */
#define FG_BURST_MAX (1u << 29)

/**
 * What taking @p cost units from a GCRA limiter whose TAT is @p old at
 * @p now_u would make of it (*nxt). @return whether allowed.
 */
static inline bool
fg_gcra_next(uint32_t old, uint32_t now_u, uint32_t cost, uint32_t burst, uint32_t *nxt)
{
	uint32_t base = (int32_t)(old - now_u) > 0 ? old : now_u;

	*nxt = base + cost;
	return *nxt - now_u <= burst;
}

/**
 * Take @p cost units from a GCRA limiter at @p now_u (its units, mod 2^32).
 * @p mw: other threads may update @p tat too (compare-and-swap); false
 * when this thread is its only writer (a plain load and store: one worker
 * lcore, or under a lock), which saves a locked instruction.
 * @return true when allowed (the TAT moved), false when not (unchanged).
 */
static inline bool
fg_gcra_take(uint32_t *tat, uint32_t now_u, uint32_t cost, uint32_t burst, bool mw)
{
	uint32_t old = __atomic_load_n(tat, __ATOMIC_RELAXED), nxt;

	do {
		if (!fg_gcra_next(old, now_u, cost, burst, &nxt))
			return false;
		if (!mw) {
			__atomic_store_n(tat, nxt, __ATOMIC_RELAXED);
			return true;
		}
	} while (!__atomic_compare_exchange_n(tat, &old, nxt, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

/** Give back what fg_gcra_take() took (a later limiter dropped the packet). */
static inline void
fg_gcra_refund(uint32_t *tat, uint32_t cost, bool mw)
{
	if (mw)
		__atomic_fetch_sub(tat, cost, __ATOMIC_RELAXED);
	else
		__atomic_store_n(tat, __atomic_load_n(tat, __ATOMIC_RELAXED) - cost,
				 __ATOMIC_RELAXED);
}

/**
 * Keep a TAT comparable with now: when it is more than 2^29 units in the
 * past, or @p stale (the caller knows it is in the past: its limiter has
 * not been used for longer than its burst), set it to @p now_u. Either
 * way the limiter is full, so this changes no decision; it keeps the
 * word from wrapping past now while the source is idle. A concurrent
 * update wins (it was made at about now, so the word is fine).
 */
static inline void
fg_gcra_norm(uint32_t *tat, uint32_t now_u, bool stale, bool mw)
{
	uint32_t old = __atomic_load_n(tat, __ATOMIC_RELAXED);

	if (!stale && (int32_t)(old - now_u) >= -(int32_t)(1u << 29))
		return;
	if (mw)
		__atomic_compare_exchange_n(tat, &old, now_u, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	else
		__atomic_store_n(tat, now_u, __ATOMIC_RELAXED);
}

/**
 * fg_gcra_norm(), then fg_gcra_take(): for a limiter whose caller keeps
 * it in reach only when it takes from it (fg_decide.c and fg_fed.c keep
 * theirs at other times: once a ms, once a message).
 */
static inline bool
fg_gcra_norm_take(uint32_t *tat, uint32_t now_u, uint32_t cost, uint32_t burst, bool stale,
		  bool mw)
{
	fg_gcra_norm(tat, now_u, stale, mw);
	return fg_gcra_take(tat, now_u, cost, burst, mw);
}

/**
 * Whether a limiter of @p rate and @p burst, last used @p idle_ms ago
 * (from a ms clock: up to 1 ms more), is certainly full: its TAT is in
 * the past, however far (fg_gcra_norm()).
 */
static inline bool
fg_gcra_idle(uint32_t idle_ms, uint64_t rate, uint64_t burst)
{
	return idle_ms > 1 && (unsigned __int128)(idle_ms - 1) * rate >=
			      (unsigned __int128)burst * 1000;
}

/**
 * Milliseconds from @p last_ms to @p now_ms on the 32-bit ms clock: 0 when
 * last_ms is up to a second ahead (another lcore's newer now), UINT32_MAX
 * when further ahead (lcores' clocks differ by far less than a second, so
 * that is a wrap: over 2^31 ms, 24.8 days, since).
 */
static inline uint32_t
fg_ms_since(uint32_t now_ms, uint32_t last_ms)
{
	int32_t d = (int32_t)(now_ms - last_ms);

	return d >= 0 ? (uint32_t)d : d < -1000 ? UINT32_MAX : 0;
}

/** Age of an event window word at @p now_ms: 0 if it started "later". */
static inline uint32_t
fg_window_age(uint64_t w, uint32_t now_ms)
{
	uint32_t d = (now_ms - (uint32_t)(w >> 32)) & 0x7fffffffu;

	/* 31-bit signed: another lcore may have started it a little later */
	return (d & 0x40000000u) ? 0 : d;
}

/** Largest event count of a window (saturates there): 24 bits. */
#define FG_WINDOW_COUNT_MAX 0xffffffu

/**
 * Offence stamps: the time of a source's last offence (the end of its
 * last penalty) in units of 2^FG_OFFENCE_SHIFT ms (~17.5 minutes), mod
 * 256 (~74.6 hours): bits 31-24 of an event window word, so that the
 * escalation state costs the table no byte more (docs/limits.md).
 */
#define FG_OFFENCE_SHIFT 20
/** Largest offence_memory_s: the stamp's range less two of its units. */
#define FG_OFFENCE_MEMORY_MAX_S 266000u

/** The offence stamp of ms time @p ms. */
static inline uint32_t
fg_offence_stamp(uint64_t ms)
{
	return (uint32_t)(ms >> FG_OFFENCE_SHIFT) & 0xffu;
}

/** The stamp a window word @p w carries on (bit 63: a block, ns end in
 * its low 55 bits, fg_srctab.h). */
static inline uint64_t
fg_window_stamp(uint64_t w)
{
	if (w >> 63)
		return (uint64_t)fg_offence_stamp((w & ((1ull << 55) - 1)) / 1000000u) << 24;
	return w & 0xff000000ull;
}

/** fg_window_add()'s new word *nxt of window word @p old. @return the count. */
static inline uint32_t
fg_window_next(uint64_t old, uint32_t now_ms, uint32_t win_ms, uint64_t *nxt)
{
	uint32_t cnt = (uint32_t)old & FG_WINDOW_COUNT_MAX;

	if (cnt == 0 || (old >> 63) || fg_window_age(old, now_ms) >= win_ms) {
		*nxt = (uint64_t)(now_ms & 0x7fffffffu) << 32 | fg_window_stamp(old) | 1;
		return 1;
	}
	cnt += cnt != FG_WINDOW_COUNT_MAX;
	*nxt = (old & ~0xffffffull) | cnt;
	return cnt;
}

/**
 * Count one event in a fixed window of @p win_ms that starts at the first
 * event after the previous window ended. The word packs start ms (mod
 * 2^31, bits 62-32), an offence stamp (bits 31-24, fg_offence_stamp(),
 * carried over from window to window; from a block: its end) and count
 * (low 24 bits); bit 63 set (a block, fg_srctab.h) or a count of 0 means
 * no window. @p win_ms < 2^30. @p mw as for fg_gcra_take().
 * @return the count including this event.
 */
static inline uint32_t
fg_window_add(uint64_t *w, uint32_t now_ms, uint32_t win_ms, bool mw)
{
	uint64_t old = __atomic_load_n(w, __ATOMIC_RELAXED), nxt;
	uint32_t cnt;

	do {
		cnt = fg_window_next(old, now_ms, win_ms, &nxt);
		if (!mw) {
			__atomic_store_n(w, nxt, __ATOMIC_RELAXED);
			return cnt;
		}
	} while (!__atomic_compare_exchange_n(w, &old, nxt, true,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return cnt;
}

/** Limits of one traffic class. A 0 rate, count or size turns that part off. */
struct fg_class_limits {
	struct fg_rate pps;     /**< packets/s, burst in packets */
	struct fg_rate bps;     /**< bytes/s (IP length), burst in bytes */
	struct fg_rate syn;     /**< TCP SYN (new connections)/s */
	uint32_t win_events;    /**< more than this many events in win_ms: block */
	uint32_t win_ms;        /**< window of the flood rule */
	uint32_t block_ms;      /**< penalty: how long a flooding source is blocked */
	uint32_t max_msg;       /**< L4 payload bytes per packet ("too many parameters") */
	uint16_t max_headers;   /**< SIP header fields per message */
	uint16_t max_hdr_len;   /**< SIP bytes of one header field */
	/** changes with any rate or burst (fg_class_limits_gen()): a
	 * source's TATs count in units of its rates, so an entry that last
	 * saw another generation restarts them, full (fg_decide) */
	uint8_t gen;
	/* escalation (fg_penalty_ms()): after the fields every packet reads */
	uint8_t block_factor;   /**< a repeat offence's penalty: the last one's times this; 0, 1: no escalation */
	uint8_t block_jitter_pct; /**< each penalty moved by a random +-this % */
	uint32_t block_max_ms;  /**< cap of an escalated penalty (before jitter); 0: block_ms */
	uint32_t offence_memory_s; /**< offences forgotten after this long without one */
};

/**
 * A step of splitmix64 over @p s: the jitter's randomness. Any seed
 * (0 too) gives a full-period sequence, so a seeded state (a test's, the
 * offline mode's fixed one) makes every penalty reproducible.
 */
static inline uint64_t
fg_rand_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/**
 * The penalty of a source's @p offences-th offence (1: first), in ms:
 * block_ms x block_factor^(offences - 1), capped at block_max_ms, then
 * moved by a random amount in [-block_jitter_pct %, +block_jitter_pct %]:
 * @p q (a random byte, 0..255) picks one of 256 evenly spaced points
 * from the one end to the other, so a block keeps q and its penalty can
 * be worked out again (fg_src_block()); at least 1 ms.
 */
uint64_t fg_penalty_ms(const struct fg_class_limits *l, uint32_t offences, uint8_t q);

/**
 * Whether offences stamped @p stamp (fg_offence_stamp()) are forgotten at
 * @p now_ms under a memory of @p memory_s: certainly more than memory_s
 * has passed (the stamp's resolution makes that up to two of its units,
 * ~35 minutes, late; never early).
 */
static inline bool
fg_offence_forgotten(uint32_t stamp, uint32_t now_ms, uint32_t memory_s)
{
	uint32_t age = (fg_offence_stamp(now_ms) - stamp) & 0xffu;

	return age >= 1 && ((uint64_t)(age - 1) << FG_OFFENCE_SHIFT) >= (uint64_t)memory_s * 1000u;
}

/**
 * Set @p nl->gen for limits that replace @p ol: ol's generation, plus one
 * when a rate or a burst differs.
 */
void fg_class_limits_gen(const struct fg_class_limits *ol, struct fg_class_limits *nl);

/** Defaults for enum fg_class @p cls (mom, sip, sip-tls; others: all off). */
void fg_class_limits_default(unsigned int cls, struct fg_class_limits *l);

/**
 * Check a class's limits. @return 0, or -EINVAL with *field naming the
 * offending field ("pps.burst", ...) and *why saying what is wrong.
 */
int fg_class_limits_check(const struct fg_class_limits *l, const char **field,
			  const char **why);

#endif /* FG_LIMIT_H */
