/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_SRCTAB_H
#define FG_SRCTAB_H

/**
 * @file
 * Per-source state: a fixed-size hash table shared by every worker lcore.
 *
 * Layout: 2^k buckets of 8 slots. A bucket header (32 bytes: eight 16-bit
 * signatures and a sequence word) lives in one array, the 64-byte
 * entries in another, entry index = bucket * 8 + slot. A key may live in
 * its primary bucket or, when that is full, its secondary; the primary
 * counts its keys that overflowed (ovf), so a lookup reads one header
 * line, a second only for keys of an overflowed bucket, and on a
 * signature hit one entry line: prefetchable a pass ahead. 68 bytes of
 * memory per slot.
 *
 * Readers never lock: they read a bucket's signatures and keys between two
 * reads of its sequence word and retry if a writer was in between (a
 * seqlock). Writers (inserting a new source, evicting, ageing) lock the
 * bucket by making the sequence odd, so a key is never in the table twice
 * and never half-written as seen by a reader. The limiter words of an entry
 * are updated with compare-and-swap by whoever holds its pointer.
 *
 * Eviction when both buckets of a new source are full (docs/limits.md):
 * an idle entry (no packet for idle_ms, not blocked) first; else the least
 * recently seen *probationary* entry (fewer than `established` packets
 * passed, not blocked); else nothing: the new source is not tracked and
 * the caller decides (verdict table-full). Established and blocked sources
 * are never evicted, so a random-source flood churns only the entries of
 * its own making.
 */

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fg_limit.h"

#define FG_SRCTAB_SLOTS 8      /**< slots per bucket */

/** One tracked source of one class: exactly one cache line. */
struct fg_src {
	uint64_t tat_pkt;       /**< GCRA of packets/s (fg_limit.h) */
	uint64_t tat_byte;      /**< GCRA of bytes/s */
	uint64_t tat_syn;       /**< GCRA of SYN/s */
	uint64_t window;        /**< event window: start ms << 32 | count */
	uint64_t block_until;   /**< ns since epoch; 0 when never blocked */
	uint32_t last_ms;       /**< last packet, ms since epoch (ageing) */
	uint16_t passed;        /**< packets passed, saturating */
	uint8_t cls;            /**< key: enum fg_class */
	uint8_t pad;
	uint64_t addr[2];       /**< key: IPv6 or IPv4-mapped address */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct fg_src) == 64, "fg_src is one cache line");

/** Bucket header: two per cache line. */
struct fg_srctab_bkt {
	uint16_t sig[FG_SRCTAB_SLOTS];    /**< 0: slot free; one 16-byte load */
	uint32_t seq;                     /**< odd while a writer holds it */
	uint8_t ovf;                      /**< keys of this primary bucket living
					       in their secondary; 255 sticks */
	uint8_t pad[11];
} __attribute__((aligned(32)));

_Static_assert(sizeof(struct fg_srctab_bkt) == 32, "bucket header is 32 bytes");

/** Table tunables (fg_srctab_init()). */
struct fg_srctab_params {
	uint32_t sources;       /**< capacity wanted; rounded up (power of 2 buckets) */
	uint32_t idle_ms;       /**< an entry idle this long may be reused */
	uint16_t established;   /**< packets passed after which a source is never evicted */
	uint64_t seed;          /**< hash seed: random per table (hash flooding) */
};

#define FG_SRCTAB_DEF_SOURCES     (1u << 20)
#define FG_SRCTAB_DEF_IDLE_MS     60000u
#define FG_SRCTAB_DEF_ESTABLISHED 8u

/** What a writer did, per lcore (fg_limit_stats embeds it). */
struct fg_srctab_stats {
	uint64_t inserted;        /**< new sources tracked */
	uint64_t evict_idle;      /**< of which replaced an idle entry */
	uint64_t evict_probation; /**< of which replaced a probationary entry */
	uint64_t full;            /**< a new source found no slot */
	uint64_t aged;            /**< entries freed by fg_srctab_age() */
};

struct fg_srctab {
	uint64_t epoch;           /**< now of fg_srctab_init(); fg_now(epoch, t) */
	uint64_t seed0, seed1;
	uint32_t mask;            /**< buckets - 1 */
	uint32_t idle_ms;
	uint16_t established;
	/** one thread decides (one worker lcore, offline mode): the limiters
	 * update their words with plain stores instead of compare-and-swap
	 * (fg_limit.h). false after fg_srctab_init(); set before the first
	 * decision, never while threads decide. */
	bool single_writer;
	struct fg_srctab_bkt *bkt;
	struct fg_src *src;
};

/** Bytes of memory fg_srctab_init() needs for @p sources (0: too many). */
size_t fg_srctab_mem_size(uint32_t sources);

/**
 * Set up a table in @p mem (fg_srctab_mem_size() bytes, 64-byte aligned,
 * zeroed or not). @p now is the epoch of all its times.
 * @return 0 or -EINVAL (sources 0 or too many, mem too small or unaligned).
 */
int fg_srctab_init(struct fg_srctab *t, const struct fg_srctab_params *p,
		   void *mem, size_t len, uint64_t now);

/** Defaults: FG_SRCTAB_DEF_*; seed 0 (set one). */
void fg_srctab_params_default(struct fg_srctab_params *p);

/** Slots in the table. */
static inline uint64_t
fg_srctab_slots(const struct fg_srctab *t)
{
	return ((uint64_t)t->mask + 1) * FG_SRCTAB_SLOTS;
}

/** Hash of a key; feed it to the other calls. */
static inline uint64_t
fg_srctab_hash(const struct fg_srctab *t, const uint8_t addr[16], uint8_t cls)
{
	uint64_t a0, a1, h;

	__builtin_memcpy(&a0, addr, 8);
	__builtin_memcpy(&a1, addr + 8, 8);
	/* two multiply-xorshift rounds (murmur3's finaliser) over a seeded sum */
	h = (a0 ^ t->seed0) * 0x9e3779b97f4a7c15ull;
	h ^= (a1 ^ t->seed1 ^ ((uint64_t)cls << 56)) * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/**
 * Prefetch the primary bucket header of @p hash (a pass ahead of
 * fg_srctab_prefetch_entries()); the secondary is only read for keys whose
 * primary overflowed.
 */
static inline void
fg_srctab_prefetch(const struct fg_srctab *t, uint64_t hash)
{
	__builtin_prefetch(&t->bkt[hash & t->mask]);
}

/*
 * Lookup, inline for the burst loop. Names ending in _ are internal.
 */
static inline void
fg_srctab_relax_(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static inline uint16_t
fg_srctab_sig_(uint64_t hash)
{
	uint16_t s = (uint16_t)(hash >> 48);

	return s != 0 ? s : 1;
}

static inline uint32_t
fg_srctab_bkt2_(const struct fg_srctab *t, uint64_t hash)
{
	uint32_t b1 = (uint32_t)hash & t->mask, b2 = (uint32_t)(hash >> 32) & t->mask;

	return b2 != b1 ? b2 : b1 ^ 1;
}

/* Slots of @p b whose signature is @p sig, as a bit mask. */
static inline unsigned int
fg_srctab_sig_match_(const struct fg_srctab_bkt *b, uint16_t sig)
{
/* TSan cannot see a vector load as the atomic read it is: scalar there */
#if defined(__SSE2__) && !defined(__SANITIZE_THREAD__)
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)b->sig);
	__m128i eq = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig));

	/* 16-bit lanes to bytes: one mask bit per slot */
	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128()));
#else
	unsigned int m = 0;

	for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i++)
		m |= (unsigned int)(__atomic_load_n(&b->sig[i], __ATOMIC_RELAXED) == sig) << i;
	return m;
#endif
}

static inline int
fg_srctab_key_eq_(const struct fg_src *e, uint64_t a0, uint64_t a1, uint8_t cls)
{
	return __atomic_load_n(&e->addr[0], __ATOMIC_RELAXED) == a0 &&
	       __atomic_load_n(&e->addr[1], __ATOMIC_RELAXED) == a1 &&
	       __atomic_load_n(&e->cls, __ATOMIC_RELAXED) == cls;
}

/* Caller holds the bucket or validates it with its sequence word. */
static inline struct fg_src *
fg_srctab_find_in_(const struct fg_srctab *t, uint32_t b, uint16_t sig, uint64_t a0,
	uint64_t a1, uint8_t cls)
{
	unsigned int m = fg_srctab_sig_match_(&t->bkt[b], sig);

	while (m != 0) {
		unsigned int i = (unsigned int)__builtin_ctz(m);
		struct fg_src *e = &t->src[(size_t)b * FG_SRCTAB_SLOTS + i];

		if (fg_srctab_key_eq_(e, a0, a1, cls))
			return e;
		m &= m - 1;
	}
	return NULL;
}

/* One bucket, validated by its sequence word; *ovf gets its overflow count. */
static inline struct fg_src *
fg_srctab_lookup_bkt_(const struct fg_srctab *t, uint32_t b, uint16_t sig, uint64_t a0,
		      uint64_t a1, uint8_t cls, uint8_t *ovf)
{
	const struct fg_srctab_bkt *bk = &t->bkt[b];

	for (;;) {
		uint32_t s = __atomic_load_n(&bk->seq, __ATOMIC_ACQUIRE);
		struct fg_src *e;

		if (s & 1) {
			fg_srctab_relax_();
			continue;
		}
		e = fg_srctab_find_in_(t, b, sig, a0, a1, cls);
		*ovf = __atomic_load_n(&bk->ovf, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&bk->seq, __ATOMIC_RELAXED) == s)
			return e;
	}
}

/**
 * The entry of (@p addr, @p cls), or NULL. Lock-free. Reads the primary
 * bucket, and the secondary only when the primary has overflowed (an
 * insert into the secondary locks the primary too, so the validated
 * overflow count of the primary cannot miss it).
 */
static inline struct fg_src *
fg_srctab_lookup(const struct fg_srctab *t, const uint8_t addr[16], uint8_t cls,
		 uint64_t hash)
{
	uint64_t a0, a1;
	uint16_t sig = fg_srctab_sig_(hash);
	struct fg_src *e;
	uint8_t ovf;

	__builtin_memcpy(&a0, addr, 8);
	__builtin_memcpy(&a1, addr + 8, 8);
	e = fg_srctab_lookup_bkt_(t, (uint32_t)hash & t->mask, sig, a0, a1, cls, &ovf);
	if (e == NULL && ovf != 0)
		e = fg_srctab_lookup_bkt_(t, fg_srctab_bkt2_(t, hash), sig, a0, a1,
					  cls, &ovf);
	return e;
}

/**
 * Prefetch, for @p hash, the entries whose signature matches in its
 * primary bucket (whose header fg_srctab_prefetch() asked for a pass
 * earlier), and the secondary bucket's header when the primary has
 * overflowed. A hint: no validation, fg_srctab_lookup() does that.
 */
static inline void
fg_srctab_prefetch_entries(const struct fg_srctab *t, uint64_t hash)
{
	uint32_t b = (uint32_t)hash & t->mask;
	unsigned int m = fg_srctab_sig_match_(&t->bkt[b], fg_srctab_sig_(hash));

	while (m != 0) {
		__builtin_prefetch(&t->src[(size_t)b * FG_SRCTAB_SLOTS +
					  (unsigned int)__builtin_ctz(m)]);
		m &= m - 1;
	}
	if (__atomic_load_n(&t->bkt[b].ovf, __ATOMIC_RELAXED) != 0)
		__builtin_prefetch(&t->bkt[fg_srctab_bkt2_(t, hash)]);
}

/**
 * The entry of (@p addr, @p cls), inserted when missing (evicting as the
 * file comment says). A new entry's limiters start full: @p init_src is
 * copied into it before the key is published (its key fields are set
 * here). @return the entry, or NULL when the table is full.
 */
struct fg_src *fg_srctab_insert(struct fg_srctab *t, const uint8_t addr[16],
				uint8_t cls, uint64_t hash,
				const struct fg_src *init_src,
				const struct fg_now *now,
				struct fg_srctab_stats *st);

/**
 * Free the idle, unblocked entries of buckets [@p first, @p first + @p n)
 * (wrapping). A housekeeping thread calls it a slice at a time.
 * @return entries freed (also added to st->aged).
 */
uint32_t fg_srctab_age(struct fg_srctab *t, uint32_t first, uint32_t n,
		       const struct fg_now *now, struct fg_srctab_stats *st);

/** Entries in use (walks the headers: for tests and stats, not hot). */
uint64_t fg_srctab_count(const struct fg_srctab *t);

/**
 * Whether @p e still holds (@p addr, @p cls): a pointer from an earlier
 * lookup may have been evicted and reused since.
 */
static inline int
fg_src_is(const struct fg_src *e, const uint8_t addr[16], uint8_t cls)
{
	uint64_t a0, a1;

	__builtin_memcpy(&a0, addr, 8);
	__builtin_memcpy(&a1, addr + 8, 8);
	return fg_srctab_key_eq_(e, a0, a1, cls);
}

/** Whether @p e is blocked at @p now. */
static inline int
fg_src_blocked(const struct fg_src *e, const struct fg_now *now)
{
	uint64_t b = __atomic_load_n(&e->block_until, __ATOMIC_RELAXED);

	return b != 0 && (int64_t)(b - now->ns) > 0;
}

#endif /* FG_SRCTAB_H */
