/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_PFXSET_H
#define FG_PFXSET_H

/**
 * @file
 * Allow/block prefix membership for millions of prefixes: which lists
 * hold a prefix containing an address. One writer at a time, any number
 * of lock-free readers on other threads or in other processes.
 *
 * Everything lives in ONE flat block the caller provides (hugepages, a
 * POSIX shared-memory segment): offsets, never pointers, so two
 * processes may map it at different addresses. The block:
 *
 *   header      struct fg_pfxset (1 line read by lookups, then the writer's)
 *   tbl24       2^24 cells of 4 bytes = 64 MiB, one per IPv4 /24
 *   groups      groups4 x 64 bytes: one line per /24 holding prefixes > /24
 *   slots       2 * rules x 32 bytes: the rule hash (every prefix, v4 and v6)
 *   metas       rules x 12 bytes: tag, added, expiry per (list, prefix)
 *   gmeta       groups4 x 80 bytes: writer-only group bookkeeping
 *
 * IPv4 (DIR-24-8 as rte_lpm, but membership only). A tbl24 cell:
 *   bits 0-4   allow: depth + 1 of the longest allow prefix <= /24 covering
 *              the /24 (0: none, 1..25: /0../24)
 *   bits 5-9   block: the same
 *   bit  10    EXT: the /24 has a group (prefixes longer than /24)
 *   bits 11-31 the group's index (2^21 groups)
 * A group is a 256-bit bitmap per list (4 x 64-bit words, 2 lists = one
 * 64-byte line): FULL membership of each address of the /24, the cell's
 * depths included. A lookup loads the cell; for an EXT cell, one word of
 * the group per list (same line). A non-EXT cell's depths are its
 * membership. Updates are aligned 32/64-bit atomic stores, so a reader
 * sees per address the old or the new membership; a new group is filled
 * before the cell naming it is stored (release).
 *
 * A deletion of P/n <= /24 rewrites only the cells whose depth is n + 1,
 * to the depth of P's parent in that list (the longest remaining covering
 * prefix, found by probing the hash only at the lengths present), as
 * rte_lpm does. In groups, only P's bits are recomputed: set if P has a
 * parent, else the OR of the remaining longer rules inside P (probed at the
 * lengths present). An IPv6 prefix of length <= 96 containing
 * ::ffff:0:0/96 (::/0, ::/80) covers every IPv4 address: it counts as
 * 0.0.0.0/0 in the table.
 *
 * IPv6 (not mapped). Per list, the set of lengths of IPv6 prefixes
 * present (129 bits); a lookup hashes the address cut at each length
 * present (longest first), prefetches every home slot, then probes them
 * in order until each list with prefixes is found.
 *
 * The rule hash: open addressing, linear probing, 2 * rules slots (at most
 * half full), keyed by (prefix, length), holding the lists' bits and an
 * index into the meta pool per list. A slot is read between two reads of
 * its sequence word (odd while the writer changes it). Keys never move; a
 * deleted slot becomes a tombstone any key may reuse, and a tombstone
 * followed by an empty slot becomes empty (walking backwards): a key
 * beyond it would have needed that empty slot full when inserted, so no
 * chain a reader follows is cut. Readers stop after maxprobe slots (the
 * longest displacement ever inserted), so tombstones cannot make them loop.
 *
 * Grace periods: a group the writer frees (its /24 has no prefix longer
 * than /24 left) goes to limbo tagged with the writer's epoch;
 * fg_pfxset_reclaim() recycles those a caller proved no reader still sees.
 * Slots need none: a reader validates a slot by its sequence word, which
 * a reuse changes. Metas are not read by lookups (fg_pfxset_match() and
 * fg_pfxset_next() read them under the slot's sequence word).
 *
 * Memory (perf/bench-pfxset, 1M allow + 1M block random prefixes, the
 * default sizing): the block is 504 MiB whatever it holds: 64 MiB tbl24,
 * 2M groups x (64 + 80) = 288 MiB, 2.1M rules x (2 x 32 + 12) = 152 MiB.
 * Per rule in use: IPv6 76 bytes (two slots and a meta); IPv4 130 bytes
 * (the same plus 0.67 group of 144 bytes: 70 % /32s fall in 1.35M
 * distinct /24s), plus the fixed 64 MiB. Size groups4 to the /24s with
 * longer prefixes expected.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_prefix.h"

/** The lists, as bits of a lookup's result. */
enum fg_pfx_list {
	FG_PFX_LIST_ALLOW = 0,
	FG_PFX_LIST_BLOCK,
	FG_PFX_LIST_COUNT
};

#define FG_PFX_ALLOW (1u << FG_PFX_LIST_ALLOW)   /**< lookup bit: allow */
#define FG_PFX_BLOCK (1u << FG_PFX_LIST_BLOCK)   /**< lookup bit: block */

/** Sizing: fixed at fg_pfxset_init(). */
struct fg_pfxset_cfg {
	uint32_t rules;    /**< (list, prefix) pairs held, v4 and v6 */
	uint32_t groups4;  /**< /24s that may hold IPv4 prefixes > /24 (<= 2^21) */
};

/** 1M per list and headroom. */
#define FG_PFXSET_DEF_RULES   (1u << 21)
/** /24s with longer prefixes: 1M random /32s fall in ~0.97M distinct /24s. */
#define FG_PFXSET_DEF_GROUPS4 (1u << 21)
#define FG_PFXSET_MAX_GROUPS4 (1u << 21)
#define FG_PFXSET_MAX_RULES   (1u << 30)

/** Per (list, prefix); the data path does not read it. */
struct fg_pfx_meta {
	uint16_t tag;        /**< feed or manual, the caller's numbering */
	uint32_t added_s;    /**< when added, the caller's clock */
	uint32_t expires_s;  /**< 0: never */
};

_Static_assert(sizeof(struct fg_pfx_meta) == 12, "a meta is 12 bytes");

/* A tbl24 cell (the file comment). */
#define FG_PFX_CELL_DBITS 5u
#define FG_PFX_CELL_DMASK 0x1fu
#define FG_PFX_CELL_EXT   (1u << 10)
#define FG_PFX_CELL_GSHIFT 11u
#define FG_PFX_TBL24_CELLS (1u << 24)

_Static_assert(FG_PFX_LIST_COUNT * FG_PFX_CELL_DBITS <= 10, "depths fit below EXT");
_Static_assert(32 - FG_PFX_CELL_GSHIFT == 21, "21 bits of group index");

/** One /24's membership: 256 bits per list, one cache line. */
struct fg_pfx_group {
	uint64_t bm[FG_PFX_LIST_COUNT][4];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct fg_pfx_group) == 64, "a group is one line");

/* A slot's info word: length, lists, state. */
#define FG_PFX_SLOT_EMPTY 0u
#define FG_PFX_SLOT_FULL  1u
#define FG_PFX_SLOT_TOMB  2u
#define FG_PFX_INFO(len, lists, st) ((uint32_t)(len) | (uint32_t)(lists) << 8 | \
				     (uint32_t)(st) << 16)
#define FG_PFX_INFO_LEN(i)   ((i) & 0xffu)
#define FG_PFX_INFO_LISTS(i) (((i) >> 8) & 0xffu)
#define FG_PFX_INFO_STATE(i) ((i) >> 16)

/**
 * A rule hash slot, 32 bytes (two a line): the prefix as two host-order
 * 64-bit halves (host bits 0), a sequence word, the info word, and per
 * list the index + 1 of its meta (0: not in that list).
 */
struct fg_pfx_slot {
	uint64_t hi, lo;
	uint32_t seq;                       /**< odd while the writer changes it */
	uint32_t info;                      /**< FG_PFX_INFO() */
	uint32_t meta[FG_PFX_LIST_COUNT];
};

_Static_assert(sizeof(struct fg_pfx_slot) == 32, "a slot is half a line");

/** Why an add returned -ENOSPC (fg_pfxset_stats). */
enum fg_pfx_nospc {
	FG_PFX_NOSPC_NONE = 0,
	FG_PFX_NOSPC_RULES,     /**< cfg.rules (list, prefix) pairs held */
	FG_PFX_NOSPC_GROUPS,    /**< no free group (some may be in limbo) */
	FG_PFX_NOSPC_COUNT
};

/**
 * The block's header. The first line is all a lookup reads besides the
 * tables; the rest is the writer's.
 */
struct fg_pfxset {
	/* line 0: lookups */
	uint64_t off_tbl24;     /**< bytes from the block's start */
	uint64_t off_grp;
	uint64_t off_slot;
	uint64_t seed0, seed1;  /**< hash seeds */
	uint32_t cap;           /**< slots */
	uint32_t maxprobe;      /**< longest displacement ever: readers stop there */
	uint64_t magic;
	uint64_t pad0;
	/* line 1: lengths of IPv6 (not mapped) prefixes present, per list:
	 * bit L of len6[l][L / 64] */
	uint64_t len6[FG_PFX_LIST_COUNT][3];
	uint64_t pad1[8 - 3 * FG_PFX_LIST_COUNT];
	/* the writer's */
	uint64_t size;          /**< bytes of the block */
	uint64_t off_meta, off_gmeta;
	uint64_t off_occ;       /**< a bit per slot: FULL (fg_pfxset_next() skips the rest) */
	struct fg_pfxset_cfg cfg;
	uint64_t epoch;         /**< fg_pfxset_epoch() */
	uint32_t grp_free;      /**< free groups: a stack through gmeta.next, index + 1 */
	uint32_t limbo_head, limbo_tail;   /**< FIFO of freed groups, index + 1 */
	uint32_t meta_free;     /**< free metas: a stack through added_s, index + 1 */
	uint32_t grp_used;      /**< groups named by a cell */
	uint32_t grp_limbo;
	uint32_t prefixes;      /**< FULL slots */
	uint32_t tombs;         /**< TOMB slots */
	uint32_t rules4[FG_PFX_LIST_COUNT];
	uint32_t rules6[FG_PFX_LIST_COUNT];
	uint64_t nospc[FG_PFX_NOSPC_COUNT];
	enum fg_pfx_nospc last_nospc;
	/** effective IPv4 prefixes per list and length /0../32 (/0 also
	 * counts IPv6 prefixes covering ::ffff:0:0/96) */
	uint32_t cnt4[FG_PFX_LIST_COUNT][33];
	/** IPv6 (not mapped) prefixes per list and length */
	uint32_t cnt6[FG_PFX_LIST_COUNT][129];
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct fg_pfxset, len6) == 64, "lookup fields: line 0");
_Static_assert(offsetof(struct fg_pfxset, size) == 128, "len6: line 1");

/**
 * Writer-only bookkeeping of a group, 80 bytes: per list the union of its
 * prefixes longer than /24 (what the group holds when no <= /24 prefix
 * covers the /24), so that deleting a covering prefix costs no probe.
 */
struct fg_pfx_gmeta {
	uint64_t longbm[FG_PFX_LIST_COUNT][4];
	uint64_t tag;           /**< limbo: the epoch after which it is unseen */
	uint32_t next;          /**< free stack or limbo FIFO, index + 1 */
	uint16_t nlong[FG_PFX_LIST_COUNT];  /**< prefixes > /24 per list */
};

_Static_assert(sizeof(struct fg_pfx_gmeta) == 80, "a group's bookkeeping is 80 bytes");

/** Counts (fg_pfxset_stats()). */
struct fg_pfxset_stats {
	uint32_t rules4[FG_PFX_LIST_COUNT];  /**< IPv4 prefixes per list */
	uint32_t rules6[FG_PFX_LIST_COUNT];  /**< IPv6 prefixes per list */
	uint32_t rules;                      /**< pairs held (cfg.rules at most) */
	uint32_t prefixes;                   /**< distinct prefixes (slots used) */
	uint32_t tombs;                      /**< tombstones in the hash */
	uint32_t maxprobe;                   /**< longest displacement */
	uint32_t groups_used, groups_limbo, groups_free;
	uint64_t nospc[FG_PFX_NOSPC_COUNT];  /**< -ENOSPC returned, by cause */
	enum fg_pfx_nospc last_nospc;        /**< the cause of the last one */
	uint64_t bytes;                      /**< of the block */
	uint64_t epoch;
};

/** Bytes of the block for @p cfg (0: out of range). */
size_t fg_pfxset_size(const struct fg_pfxset_cfg *cfg);

/** FG_PFXSET_DEF_*. */
void fg_pfxset_cfg_default(struct fg_pfxset_cfg *cfg);

/**
 * Set up an empty set in @p mem (64-byte aligned, fg_pfxset_size() bytes,
 * any content). @p seed: the hash's (random per set: hash flooding).
 * @return 0 or -EINVAL.
 */
int fg_pfxset_init(void *mem, size_t size, const struct fg_pfxset_cfg *cfg,
		   uint64_t seed);

/**
 * Add @p p to @p list (enum fg_pfx_list) with @p m (NULL: zeros).
 * @return 0; -EEXIST (present: its meta is updated to @p m); -ENOSPC
 * (rules or groups: fg_pfxset_stats().last_nospc; nothing changed);
 * -EINVAL (bad list, length, or host bits set).
 */
int fg_pfxset_add(struct fg_pfxset *s, unsigned int list, const struct fg_prefix *p,
		  const struct fg_pfx_meta *m);

/** Delete @p p from @p list. @return 0, -ENOENT or -EINVAL. */
int fg_pfxset_del(struct fg_pfxset *s, unsigned int list, const struct fg_prefix *p);

/**
 * The longest prefix of @p list holding @p addr, and its meta (either may
 * be NULL). Lock-free (a control process may call it during updates).
 * @return 1 found, 0 none.
 */
int fg_pfxset_match(const struct fg_pfxset *s, unsigned int list,
		    const uint8_t addr[16], struct fg_prefix *p, struct fg_pfx_meta *m);

/** Whether @p list holds exactly @p p; its meta in @p m. @return 1 or 0. */
int fg_pfxset_get(const struct fg_pfxset *s, unsigned int list,
		  const struct fg_prefix *p, struct fg_pfx_meta *m);

/**
 * Iterate the prefixes (hash order): start with *@p pos = 0; each call
 * gives one prefix, the bits of its lists and their metas (indexed by
 * list; a list not holding it gets zeros). @return 1, or 0 at the end.
 */
int fg_pfxset_next(const struct fg_pfxset *s, uint64_t *pos, struct fg_prefix *p,
		   uint32_t *lists, struct fg_pfx_meta m[FG_PFX_LIST_COUNT]);

/** The counts. */
void fg_pfxset_stats(const struct fg_pfxset *s, struct fg_pfxset_stats *st);

/**
 * The writer's epoch: an item the writer frees in an add or delete is
 * tagged with the epoch that operation ends with. A reader that began
 * after reading an epoch >= t never saw an item tagged t.
 */
static inline uint64_t
fg_pfxset_epoch(const struct fg_pfxset *s)
{
	return __atomic_load_n(&s->epoch, __ATOMIC_ACQUIRE);
}

/**
 * Recycle the limbo's items tagged <= @p safe: the caller proved every
 * reader still inside a lookup began at an epoch >= @p safe (QSBR: each
 * reader was quiescent since fg_pfxset_epoch() returned @p safe).
 * @return how many.
 */
uint32_t fg_pfxset_reclaim(struct fg_pfxset *s, uint64_t safe);

/* ---- lookup: inline, the hot path. Names ending in _ are internal. ---- */

static inline const uint32_t *
fg_pfxset_tbl24_(const struct fg_pfxset *s)
{
	return (const uint32_t *)(const void *)((const char *)s + s->off_tbl24);
}

static inline const struct fg_pfx_group *
fg_pfxset_groups_(const struct fg_pfxset *s)
{
	return (const struct fg_pfx_group *)(const void *)((const char *)s + s->off_grp);
}

static inline const struct fg_pfx_slot *
fg_pfxset_slots_(const struct fg_pfxset *s)
{
	return (const struct fg_pfx_slot *)(const void *)((const char *)s + s->off_slot);
}

/* Hash of (hi, lo, len): two multiply-xorshift rounds over the seeded halves. */
static inline uint64_t
fg_pfxset_hash_(const struct fg_pfxset *s, uint64_t hi, uint64_t lo, unsigned int len)
{
	uint64_t h = (hi ^ s->seed0) * 0x9e3779b97f4a7c15ull;

	h ^= h >> 32;
	h += (lo ^ s->seed1) * 0xc2b2ae3d27d4eb4full + len;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* The home slot of @p h: multiply-shift to [0, cap), no division. */
static inline uint32_t
fg_pfxset_home_(const struct fg_pfxset *s, uint64_t h)
{
	return (uint32_t)(((h >> 32) * s->cap) >> 32);
}

static inline void
fg_pfxset_relax_(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * The lists' bits of the slot keyed (hi, lo, len), 0 if none: a linear
 * probe from @p h's home until an empty slot or maxprobe, each slot read
 * under its sequence word.
 */
static inline uint32_t
fg_pfxset_probe_(const struct fg_pfxset *s, uint64_t h, uint64_t hi, uint64_t lo,
		 unsigned int len)
{
	const struct fg_pfx_slot *t = fg_pfxset_slots_(s);
	uint32_t cap = s->cap, i = fg_pfxset_home_(s, h);
	uint32_t maxp = __atomic_load_n(&s->maxprobe, __ATOMIC_ACQUIRE);

	for (uint32_t d = 0; d <= maxp; d++) {
		const struct fg_pfx_slot *e = &t[i];
		uint32_t q, info;
		uint64_t a, b;

		for (;;) {
			q = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
			if (q & 1) {
				fg_pfxset_relax_();
				continue;
			}
			info = __atomic_load_n(&e->info, __ATOMIC_RELAXED);
			a = __atomic_load_n(&e->hi, __ATOMIC_RELAXED);
			b = __atomic_load_n(&e->lo, __ATOMIC_RELAXED);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == q)
				break;
		}
		if (FG_PFX_INFO_STATE(info) == FG_PFX_SLOT_EMPTY)
			return 0;
		if (info == FG_PFX_INFO(len, FG_PFX_INFO_LISTS(info), FG_PFX_SLOT_FULL) &&
		    a == hi && b == lo)
			return FG_PFX_INFO_LISTS(info);
		if (++i == cap)
			i = 0;
	}
	return 0;
}

/* (hi, lo) cut to @p len bits. */
static inline void
fg_pfxset_cut_(uint64_t *hi, uint64_t *lo, unsigned int len)
{
	if (len <= 64) {
		*lo = 0;
		*hi = len == 0 ? 0 : *hi & (~0ull << (64 - len));
	} else {
		*lo &= len == 128 ? ~0ull : ~(~0ull >> (len - 64));
	}
}

#define FG_PFXSET_PREFETCH_LENS 16   /**< lengths whose slots a lookup prefetches at once */

/* IPv6 (not mapped) lookup of the host-order halves (hi, lo). */
static inline uint32_t
fg_pfxset_lookup6_(const struct fg_pfxset *s, uint64_t hi, uint64_t lo)
{
	uint64_t lm[FG_PFX_LIST_COUNT][3], m[3];
	uint32_t need = 0, r = 0, n = 0;
	uint64_t hs[FG_PFXSET_PREFETCH_LENS];

	for (int w = 0; w < 3; w++)
		m[w] = 0;
	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
		for (int w = 0; w < 3; w++) {
			lm[l][w] = __atomic_load_n(&s->len6[l][w], __ATOMIC_ACQUIRE);
			m[w] |= lm[l][w];
			if (lm[l][w] != 0)
				need |= 1u << l;
		}
	if (need == 0)
		return 0;
	/* the first lengths (longest first): hash and prefetch every home
	 * slot so that their misses overlap */
	for (int w = 2; w >= 0 && n < FG_PFXSET_PREFETCH_LENS; w--) {
		uint64_t x = m[w];

		while (x != 0 && n < FG_PFXSET_PREFETCH_LENS) {
			unsigned int b = 63 - (unsigned int)__builtin_clzll(x);
			unsigned int len = (unsigned int)w * 64 + b;
			uint64_t h = hi, l = lo;

			x &= ~(1ull << b);
			fg_pfxset_cut_(&h, &l, len);
			hs[n] = fg_pfxset_hash_(s, h, l, len);
			__builtin_prefetch(&fg_pfxset_slots_(s)[fg_pfxset_home_(s, hs[n])]);
			n++;
		}
	}
	/* then probe them in the same order (the i-th length has hs[i]) */
	for (int w = 2, i = 0; w >= 0; w--) {
		uint64_t x = m[w];

		while (x != 0) {
			unsigned int b = 63 - (unsigned int)__builtin_clzll(x);
			unsigned int len = (unsigned int)w * 64 + b;
			uint32_t lists = 0;
			uint64_t h = hi, l = lo;

			x &= ~(1ull << b);
			i++;
			for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++)
				lists |= (uint32_t)((lm[k][w] >> b) & 1) << k;
			if ((lists & need & ~r) == 0)
				continue;
			fg_pfxset_cut_(&h, &l, len);
			r |= fg_pfxset_probe_(s, (uint32_t)(i - 1) < n ? hs[i - 1] :
					      fg_pfxset_hash_(s, h, l, len), h, l, len);
			if ((r & need) == need)
				return need;
		}
	}
	return r & need;
}

/**
 * The bits (FG_PFX_ALLOW, FG_PFX_BLOCK) of the lists holding a prefix
 * that contains @p addr (16 bytes; IPv4 mapped). Lock-free.
 */
static inline uint32_t
fg_pfxset_lookup(const struct fg_pfxset *s, const uint8_t addr[16])
{
	uint64_t a0, a1;

	__builtin_memcpy(&a0, addr, 8);
	__builtin_memcpy(&a1, addr + 8, 8);
	/* ::ffff:a.b.c.d: bytes 0-9 zero, 10-11 0xff (little-endian words) */
	if (a0 == 0 && (uint32_t)a1 == 0xffff0000u) {
		uint32_t ip = __builtin_bswap32((uint32_t)(a1 >> 32));
		uint32_t c = __atomic_load_n(&fg_pfxset_tbl24_(s)[ip >> 8], __ATOMIC_ACQUIRE);
		uint32_t r = 0;

		if (!(c & FG_PFX_CELL_EXT)) {
			for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
				r |= (uint32_t)(((c >> (l * FG_PFX_CELL_DBITS)) &
						 FG_PFX_CELL_DMASK) != 0) << l;
			return r;
		}
		const struct fg_pfx_group *g = &fg_pfxset_groups_(s)[c >> FG_PFX_CELL_GSHIFT];

		for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
			r |= (uint32_t)((__atomic_load_n(&g->bm[l][(ip & 255) >> 6],
							 __ATOMIC_RELAXED) >> (ip & 63)) & 1) << l;
		return r;
	}
	return fg_pfxset_lookup6_(s, __builtin_bswap64(a0), __builtin_bswap64(a1));
}

#endif /* FG_PFXSET_H */
