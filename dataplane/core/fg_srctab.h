/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_SRCTAB_H
#define FG_SRCTAB_H

/**
 * @file
 * Per-source state: a fixed-size hash table shared by every worker lcore.
 *
 * Layout: buckets of 14 slots (any number of buckets: a key's bucket is
 * its hash scaled to the count, so the table is sized to the sources
 * wanted, not to a power of 2). A bucket is one 512-byte block: a 64-byte
 * header (sixteen 16-bit signatures, overflow hints, a sequence word, an
 * overflow count) then its 14 entries of 32 bytes, 36.6 bytes per slot. An IPv4 source
 * takes one slot; an IPv6 source takes an aligned pair (the entry, then
 * its 16-byte address in the next slot), one cache line. A key may live
 * in its primary bucket or, when that is fuller, its secondary; the
 * primary counts its keys that overflowed (ovf) and hints at where up to
 * 8 of them went, so a lookup reads the primary's header line, a second
 * bucket only for keys of an overflowed one, and on a signature hit one
 * entry line of the same block: a prefetch a pass ahead, and the DRAM
 * page is already open (docs/limits.md has the measurements that chose
 * this).
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "fg_limit.h"
#include "fg_parse.h"

#define FG_SRCTAB_SLOTS 14     /**< slots per bucket */

/** fg_src.cls: the class is the low bits; these mark IPv6 entries. */
#define FG_SRC_V6   0x40u      /**< an IPv6 entry: its address is in the next slot */
#define FG_SRC_CONT 0x80u      /**< the second slot of an IPv6 entry */

/**
 * fg_src.state with this bit: blocked until the low FG_SRC_UNTIL_BITS
 * bits (ns, mod 2^55: 417 days, penalties are at most 74), with the
 * penalty's jitter draw (fg_penalty_ms()) in bits 62-55, so that the
 * penalty, and the block's start, can be worked out again.
 */
#define FG_SRC_BLOCKED (1ull << 63)
#define FG_SRC_UNTIL_BITS 55

/**
 * One tracked source of one class: 32 bytes, two per cache line. Times
 * are 32 bits: the TATs in their limiter's units (wrapping, kept within
 * 2^30 of now by fg_decide, fg_limit.h), last_ms in ms since the epoch.
 */
struct fg_src {
	union {
		struct {
			/** event window (start ms mod 2^31 << 32 | count), or
			 * FG_SRC_BLOCKED | block end in ns */
			uint64_t state;
			uint32_t tat_pkt;       /**< GCRA of packets/s */
			uint32_t tat_byte;      /**< GCRA of bytes/s */
		};
		uint64_t addr6[2];      /**< FG_SRC_CONT slot: the IPv6 address */
	};
	uint32_t tat_syn;       /**< GCRA of SYN/s */
	uint32_t last_ms;       /**< last packet, ms since epoch (ageing) */
	uint32_t addr4;         /**< key: the IPv4 address (network order) */
	uint8_t cls;            /**< key: enum fg_class | FG_SRC_V6, or FG_SRC_CONT */
	uint8_t passed;         /**< packets passed, saturating at 255 */
	uint8_t gen;            /**< fg_class_limits.gen the TATs count in */
	/** flood-rule offences remembered (saturating at 255): the next
	 * penalty escalates with them (fg_penalty_ms()); the last one's time
	 * is the stamp in the window word (fg_window_add()) */
	uint8_t offences;
} __attribute__((aligned(32)));

_Static_assert(sizeof(struct fg_src) == 32, "fg_src is half a cache line");

#define FG_SRCTAB_HINTS 8   /**< overflow hints in a bucket's header line */

/** A bucket: its header line, then its entries. */
struct fg_srctab_bkt {
	uint16_t sig[16];                 /**< 0: slot free; the last two stay 0 */
	/** where up to FG_SRCTAB_HINTS of the keys counted in ovf live in their
	 * secondary (fg_srctab_hint_()), 0: none; a prefetch hint only */
	uint16_t hint[FG_SRCTAB_HINTS];
	uint32_t seq;                     /**< odd while a writer holds it */
	uint8_t ovf;                      /**< keys of this primary bucket living
					       in their secondary; 255 sticks */
	uint8_t pad[11];
	struct fg_src src[FG_SRCTAB_SLOTS];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct fg_srctab_bkt) == 512, "a bucket is 512 bytes");
_Static_assert(sizeof(((struct fg_srctab_bkt *)0)->hint) == 16, "the hints are one SSE load");
_Static_assert(FG_SRCTAB_SLOTS % 2 == 0 && FG_SRCTAB_SLOTS <= 16,
	       "IPv6 pairs and the signature load need an even count <= 16");

/** Table tunables (fg_srctab_init()). */
struct fg_srctab_params {
	uint32_t sources;       /**< capacity wanted; rounded up to whole buckets */
	uint32_t idle_ms;       /**< an entry idle this long may be reused */
	uint16_t established;   /**< packets passed after which a source is never evicted */
	/** an idle entry with offences is kept until idle this long (the
	 * longest offence_memory_s, in ms): its escalation is not lost */
	uint32_t offence_ms;
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
	uint32_t nb;              /**< buckets (>= 2, any number) */
	uint32_t idle_ms;
	uint32_t offence_ms;
	uint16_t established;
	/** one thread decides (one worker lcore, offline mode): the limiters
	 * update their words with plain stores instead of compare-and-swap
	 * (fg_limit.h). false after fg_srctab_init(); set before the first
	 * decision, never while threads decide. */
	bool single_writer;
	struct fg_srctab_bkt *bkt;
};

/**
 * Bytes of memory fg_srctab_init() needs for @p sources (0: too many):
 * FG_SRCTAB_FILL_PCT percent of the slots are meant to be used, so
 * 512 / 14 * 100 / FG_SRCTAB_FILL_PCT bytes per IPv4 source.
 */
size_t fg_srctab_mem_size(uint32_t sources);

/** Share of the slots the table is sized to fill (fg_srctab_mem_size()). */
#define FG_SRCTAB_FILL_PCT 60u

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
	return (uint64_t)t->nb * FG_SRCTAB_SLOTS;
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

/* A 32-bit hash scaled to [0, nb): multiply-shift, no division. */
static inline uint32_t
fg_srctab_scale_(const struct fg_srctab *t, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * t->nb) >> 32);
}

/** The primary bucket of @p hash. */
static inline uint32_t
fg_srctab_bkt1(const struct fg_srctab *t, uint64_t hash)
{
	return fg_srctab_scale_(t, (uint32_t)hash);
}

/**
 * Prefetch the primary bucket header of @p hash (a pass ahead of
 * fg_srctab_prefetch_entries()); the secondary is only read for keys whose
 * primary overflowed.
 */
static inline void
fg_srctab_prefetch(const struct fg_srctab *t, uint64_t hash)
{
	__builtin_prefetch(&t->bkt[fg_srctab_bkt1(t, hash)]);
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

/* The buckets use the hash's two halves; the signature mixes it again so
 * that keys sharing a bucket do not share signature bits. */
static inline uint16_t
fg_srctab_sig_(uint64_t hash)
{
	uint16_t s = (uint16_t)((hash * 0x9e3779b97f4a7c15ull) >> 48);

	return s != 0 ? s : 1;
}

static inline uint32_t
fg_srctab_bkt2_(const struct fg_srctab *t, uint64_t hash)
{
	uint32_t b1 = fg_srctab_bkt1(t, hash);
	uint32_t b2 = fg_srctab_scale_(t, (uint32_t)(hash >> 32));

	return b2 != b1 ? b2 : (b1 + 1 == t->nb ? 0 : b1 + 1);
}

/* Slots of @p b whose signature is @p sig, as a bit mask. */
static inline unsigned int
fg_srctab_sig_match_(const struct fg_srctab_bkt *b, uint16_t sig)
{
/* TSan cannot see a vector load as the atomic read it is: scalar there */
#if defined(__SSE2__) && !defined(__SANITIZE_THREAD__)
	__m128i s = _mm_set1_epi16((short)sig);
	__m128i e0 = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)(const void *)b->sig), s);
	__m128i e1 = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)(const void *)
						    (b->sig + 8)), s);

	/* 16-bit lanes to bytes: one mask bit per slot (the last two
	 * signatures are 0, which no key has) */
	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(e0, e1));
#else
	unsigned int m = 0;

	for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i++)
		m |= (unsigned int)(__atomic_load_n(&b->sig[i], __ATOMIC_RELAXED) == sig) << i;
	return m;
#endif
}

/* An overflow hint: a signature's high 12 bits and its slot + 1. */
static inline uint16_t
fg_srctab_hint_(uint16_t sig, unsigned int slot)
{
	return (uint16_t)((sig & 0xfff0u) | (slot + 1));
}

/* The slot in its secondary of a key with signature @p sig whose primary
 * is @p b, by the hints (maybe another key's); -1: no hint. */
static inline int
fg_srctab_hint_slot_(const struct fg_srctab_bkt *b, uint16_t sig)
{
#if defined(__SSE2__) && !defined(__SANITIZE_THREAD__)
	__m128i h = _mm_load_si128((const __m128i *)(const void *)b->hint);
	__m128i eq = _mm_cmpeq_epi16(_mm_and_si128(h, _mm_set1_epi16((short)0xfff0)),
				     _mm_set1_epi16((short)(sig & 0xfff0u)));
	/* an empty hint (0) matches a signature of 0x000x: its slot is -1 */
	unsigned int m = (unsigned int)_mm_movemask_epi8(eq);

	if (m == 0)
		return -1;
	return (int)(b->hint[__builtin_ctz(m) / 2] & 15u) - 1;
#else
	for (unsigned int i = 0; i < FG_SRCTAB_HINTS; i++) {
		uint16_t x = __atomic_load_n(&b->hint[i], __ATOMIC_RELAXED);

		if (x != 0 && (x & 0xfff0u) == (sig & 0xfff0u))
			return (int)(x & 15u) - 1;
	}
	return -1;
#endif
}

/** A key as the table compares it (fg_srctab_key()). */
struct fg_srckey {
	uint64_t a0, a1;        /**< the 16-byte address */
	uint32_t a4;            /**< IPv4: the address; IPv6: 0 */
	uint8_t cls;            /**< enum fg_class, | FG_SRC_V6 for IPv6 */
};

/** The key of (@p addr, @p cls): IPv4-mapped addresses are IPv4. */
static inline struct fg_srckey
fg_srctab_key(const uint8_t addr[16], uint8_t cls)
{
	struct fg_srckey k = { .cls = cls };

	__builtin_memcpy(&k.a0, addr, 8);
	__builtin_memcpy(&k.a1, addr + 8, 8);
	/* ::ffff:a.b.c.d: bytes 0-9 zero, 10-11 0xff */
	if (k.a0 == 0 && (uint32_t)k.a1 == 0xffff0000u)
		k.a4 = (uint32_t)(k.a1 >> 32);
	else
		k.cls |= FG_SRC_V6;
	return k;
}

/* Whether slot @p e (of a bucket, index @p i) holds key @p k. */
static inline int
fg_srctab_key_eq_(const struct fg_src *e, unsigned int i, const struct fg_srckey *k)
{
	if (__atomic_load_n(&e->cls, __ATOMIC_RELAXED) != k->cls)
		return 0;
	if (!(k->cls & FG_SRC_V6))
		return __atomic_load_n(&e->addr4, __ATOMIC_RELAXED) == k->a4;
	return i + 1 < FG_SRCTAB_SLOTS &&
	       __atomic_load_n(&e[1].cls, __ATOMIC_RELAXED) == FG_SRC_CONT &&
	       __atomic_load_n(&e[1].addr6[0], __ATOMIC_RELAXED) == k->a0 &&
	       __atomic_load_n(&e[1].addr6[1], __ATOMIC_RELAXED) == k->a1;
}

/* Caller holds the bucket or validates it with its sequence word. */
static inline struct fg_src *
fg_srctab_find_in_(const struct fg_srctab *t, uint32_t b, uint16_t sig,
		   const struct fg_srckey *k)
{
	unsigned int m = fg_srctab_sig_match_(&t->bkt[b], sig);

	while (m != 0) {
		unsigned int i = (unsigned int)__builtin_ctz(m);
		struct fg_src *e = &t->bkt[b].src[i];

		if (fg_srctab_key_eq_(e, i, k))
			return e;
		m &= m - 1;
	}
	return NULL;
}

/* One bucket, validated by its sequence word; *ovf gets its overflow count. */
static inline struct fg_src *
fg_srctab_lookup_bkt_(const struct fg_srctab *t, uint32_t b, uint16_t sig,
		      const struct fg_srckey *k, uint8_t *ovf)
{
	const struct fg_srctab_bkt *bk = &t->bkt[b];

	for (;;) {
		uint32_t s = __atomic_load_n(&bk->seq, __ATOMIC_ACQUIRE);
		struct fg_src *e;

		if (s & 1) {
			fg_srctab_relax_();
			continue;
		}
		e = fg_srctab_find_in_(t, b, sig, k);
		*ovf = __atomic_load_n(&bk->ovf, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&bk->seq, __ATOMIC_RELAXED) == s)
			return e;
	}
}

/**
 * A lookup in two halves, for a burst whose misses should overlap:
 * fg_srctab_lookup1() reads the primary bucket; when it finds nothing
 * and sets *more (the primary has overflowed: an insert into the
 * secondary locks the primary too, so its validated overflow count
 * cannot miss it), the key may be in the secondary:
 * fg_srctab_prefetch2(), then, after the other packets' first halves,
 * fg_srctab_lookup2(). Lock-free. fg_srctab_lookup() is both at once.
 */
static inline struct fg_src *
fg_srctab_lookup1(const struct fg_srctab *t, const uint8_t addr[16], uint8_t cls,
		  uint64_t hash, bool *more)
{
	struct fg_srckey k = fg_srctab_key(addr, cls);
	struct fg_src *e;
	uint8_t ovf;

	e = fg_srctab_lookup_bkt_(t, fg_srctab_bkt1(t, hash), fg_srctab_sig_(hash),
				  &k, &ovf);
	*more = e == NULL && ovf != 0;
	return e;
}

/** Prefetch the entries of @p hash's secondary bucket that its signature matches. */
static inline void
fg_srctab_prefetch2(const struct fg_srctab *t, uint64_t hash)
{
	uint32_t b = fg_srctab_bkt2_(t, hash);
	unsigned int m = fg_srctab_sig_match_(&t->bkt[b], fg_srctab_sig_(hash));

	while (m != 0) {
		__builtin_prefetch(&t->bkt[b].src[__builtin_ctz(m)]);
		m &= m - 1;
	}
}

/** The second half: the secondary bucket. */
static inline struct fg_src *
fg_srctab_lookup2(const struct fg_srctab *t, const uint8_t addr[16], uint8_t cls,
		  uint64_t hash)
{
	struct fg_srckey k = fg_srctab_key(addr, cls);
	uint8_t ovf;

	return fg_srctab_lookup_bkt_(t, fg_srctab_bkt2_(t, hash), fg_srctab_sig_(hash),
				     &k, &ovf);
}

/** The entry of (@p addr, @p cls), or NULL. Lock-free. */
static inline struct fg_src *
fg_srctab_lookup(const struct fg_srctab *t, const uint8_t addr[16], uint8_t cls,
		 uint64_t hash)
{
	bool more;
	struct fg_src *e = fg_srctab_lookup1(t, addr, cls, hash, &more);

	return more ? fg_srctab_lookup2(t, addr, cls, hash) : e;
}

/**
 * Prefetch, for @p hash, the entry its signature matches in its primary
 * bucket (whose header fg_srctab_prefetch() asked for a pass earlier),
 * or when none does and the primary has overflowed, the secondary
 * bucket's header, and its entry when a hint of the primary names it.
 * No validation: fg_srctab_lookup() does that.
 * (An IPv6 entry's address slot is in the same cache line as the entry.)
 */
static inline void
fg_srctab_prefetch_entries(const struct fg_srctab *t, uint64_t hash)
{
	uint32_t b = fg_srctab_bkt1(t, hash);
	unsigned int m = fg_srctab_sig_match_(&t->bkt[b], fg_srctab_sig_(hash));

	/* a signature match is almost always the key: its secondary is
	 * read only when the primary has nothing and overflowed */
	if (m != 0) {
		__builtin_prefetch(&t->bkt[b].src[__builtin_ctz(m)]);
	} else if (__atomic_load_n(&t->bkt[b].ovf, __ATOMIC_RELAXED) != 0) {
		const struct fg_srctab_bkt *b2 = &t->bkt[fg_srctab_bkt2_(t, hash)];
		int i = fg_srctab_hint_slot_(&t->bkt[b], fg_srctab_sig_(hash));

		__builtin_prefetch(b2);
		if (i >= 0 && i < FG_SRCTAB_SLOTS)
			__builtin_prefetch(&b2->src[i]);
	}
}

/**
 * The entry of (@p addr, @p cls), inserted when missing (evicting as the
 * file comment says). A new entry's limiters start full: @p init_src is
 * copied into it before the key is published (its key fields are set
 * here). @p side: the end of a bucket whose free slots this writer takes
 * first, 0 the last, 1 the first. Two entries share a cache line and
 * each packet writes its source's: two workers on different sides seldom
 * place their sources side by side, and do not pass the line to and fro
 * (perf/bench-dataplane --workers; docs/performance.md). One writer: 0.
 * @return the entry, or NULL when the table is full.
 */
struct fg_src *fg_srctab_insert(struct fg_srctab *t, const uint8_t addr[16],
				uint8_t cls, uint64_t hash,
				const struct fg_src *init_src,
				const struct fg_now *now, unsigned int side,
				struct fg_srctab_stats *st);

/**
 * Free the idle, unblocked entries of buckets [@p first, @p first + @p n)
 * (wrapping). A housekeeping thread calls it a slice at a time.
 * @return entries freed (also added to st->aged).
 */
uint32_t fg_srctab_age(struct fg_srctab *t, uint32_t first, uint32_t n,
		       const struct fg_now *now, struct fg_srctab_stats *st);

/**
 * Call @p fn for every entry in use, bucket by bucket. Lock-free and racy
 * against writers (a reader's view, for reports, telemetry and the main
 * lcore's walks): an entry may change while fn reads it.
 */
void fg_srctab_walk(const struct fg_srctab *t,
		    void (*fn)(const struct fg_src *e, void *arg), void *arg);

/** Entries in use (fg_srctab_walk(): for tests and stats, not hot). */
uint64_t fg_srctab_count(const struct fg_srctab *t);

/**
 * Whether @p e still holds (@p addr, @p cls): a pointer from an earlier
 * lookup may have been evicted and reused since.
 */
static inline int
fg_src_is(const struct fg_src *e, const uint8_t addr[16], uint8_t cls)
{
	struct fg_srckey k = fg_srctab_key(addr, cls);

	/* an IPv6 entry is always in an even slot: its pair is in its line */
	return fg_srctab_key_eq_(e, ((uintptr_t)e & 63) == 0 ? 0 : 1, &k);
}

/**
 * The key of entry @p e into @p addr (16 bytes, IPv4 mapped).
 * @return its class, or FG_CLASS_COUNT when @p e is no entry (a free slot,
 * the address half of an IPv6 entry, or a slot being rewritten).
 */
static inline unsigned int
fg_src_key(const struct fg_src *e, uint8_t addr[16])
{
	uint8_t c = __atomic_load_n(&e->cls, __ATOMIC_RELAXED);
	unsigned int cls = c & ~FG_SRC_V6;

	if (c == 0 || (c & FG_SRC_CONT) || cls >= FG_CLASS_COUNT)
		return FG_CLASS_COUNT;
	if (c & FG_SRC_V6) {
		uint64_t a[2] = { __atomic_load_n(&e[1].addr6[0], __ATOMIC_RELAXED),
				  __atomic_load_n(&e[1].addr6[1], __ATOMIC_RELAXED) };

		__builtin_memcpy(addr, a, 16);
	} else {
		uint32_t a4 = __atomic_load_n(&e->addr4, __ATOMIC_RELAXED);

		__builtin_memset(addr, 0, 10);
		addr[10] = addr[11] = 0xff;
		__builtin_memcpy(addr + 12, &a4, 4);
	}
	return cls;
}

/** Nanoseconds left at @p now of the block a state word @p s holds; 0: none. */
static inline uint64_t
fg_src_word_block_left(uint64_t s, const struct fg_now *now)
{
	/* signed difference in 55 bits */
	int64_t d = (int64_t)((s << (64 - FG_SRC_UNTIL_BITS)) -
			      (now->ns << (64 - FG_SRC_UNTIL_BITS))) >> (64 - FG_SRC_UNTIL_BITS);

	return (s & FG_SRC_BLOCKED) && d > 0 ? (uint64_t)d : 0;
}

/** Nanoseconds left of @p e's block at @p now; 0: not blocked. */
static inline uint64_t
fg_src_block_left(const struct fg_src *e, const struct fg_now *now)
{
	return fg_src_word_block_left(__atomic_load_n(&e->state, __ATOMIC_RELAXED), now);
}

/** The jitter draw of @p e's (last) block: fg_penalty_ms()'s @p q. */
static inline uint8_t
fg_src_block_q(const struct fg_src *e)
{
	return (uint8_t)(__atomic_load_n(&e->state, __ATOMIC_RELAXED) >> FG_SRC_UNTIL_BITS);
}

/** Whether @p e is blocked at @p now. */
static inline int
fg_src_blocked(const struct fg_src *e, const struct fg_now *now)
{
	return fg_src_block_left(e, now) != 0;
}

/**
 * Block @p e until @p until_ns (ns since the epoch), a penalty whose
 * jitter draw was @p q; its window restarts after.
 */
static inline void
fg_src_block(struct fg_src *e, uint64_t until_ns, uint8_t q)
{
	__atomic_store_n(&e->state, FG_SRC_BLOCKED | (uint64_t)q << FG_SRC_UNTIL_BITS |
				    (until_ns & ((1ull << FG_SRC_UNTIL_BITS) - 1)),
			 __ATOMIC_RELAXED);
}

/**
 * Lift @p e's block at @p now (floodctl unblock): its next packet is
 * judged as if the penalty had ended now (a fresh window; the offence
 * memory counts from now). @p forgive: its offences are forgotten too.
 * @return whether it was blocked.
 */
static inline bool
fg_src_unblock(struct fg_src *e, const struct fg_now *now, bool forgive)
{
	bool was = fg_src_blocked(e, now);

	if (was)
		__atomic_store_n(&e->state, (uint64_t)fg_offence_stamp(now->ms) << 24,
				 __ATOMIC_RELAXED);
	if (forgive && was)
		__atomic_store_n(&e->offences, 0, __ATOMIC_RELAXED);
	return was;
}

/**
 * The penalty of @p e's (last) block under limits @p l, in ns: its end
 * less this is when it started (as long as l's block_* keys have not
 * changed since).
 */
static inline uint64_t
fg_src_penalty_ns(const struct fg_src *e, const struct fg_class_limits *l)
{
	return fg_penalty_ms(l, __atomic_load_n(&e->offences, __ATOMIC_RELAXED),
			     fg_src_block_q(e)) * FG_NS_PER_MS;
}

/** Events in @p e's current window of @p win_ms at @p now (0: none, or blocked). */
static inline uint32_t
fg_src_window_events(const struct fg_src *e, const struct fg_now *now, uint32_t win_ms)
{
	uint64_t s = __atomic_load_n(&e->state, __ATOMIC_RELAXED);

	if (s & FG_SRC_BLOCKED)
		return 0;
	return fg_window_age(s, now->ms) >= win_ms ? 0 : (uint32_t)s & FG_WINDOW_COUNT_MAX;
}

#endif /* FG_SRCTAB_H */
