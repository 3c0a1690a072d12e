/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source table: seqlock-read buckets, primary/secondary placement with
 * an overflow count, eviction that spares established and blocked sources.
 * See fg_srctab.h for the rules.
 */
#include <errno.h>
#include <string.h>

#include "fg_srctab.h"

#define SRCTAB_MAX_BUCKETS (1u << 27) /* 1.9 * 10^9 slots, 64 GiB: enough */
#define SRCTAB_PRIMARY_BIAS 1  /* free slots the secondary must lead by */

static uint32_t
buckets_for(uint32_t sources)
{
	uint64_t slots = ((uint64_t)sources * 100 + FG_SRCTAB_FILL_PCT - 1) /
			 FG_SRCTAB_FILL_PCT;
	uint64_t nb = (slots + FG_SRCTAB_SLOTS - 1) / FG_SRCTAB_SLOTS;

	if (nb > SRCTAB_MAX_BUCKETS)
		return 0;
	return nb < 2 ? 2 : (uint32_t)nb;
}

size_t
fg_srctab_mem_size(uint32_t sources)
{
	uint32_t nb = sources == 0 ? 0 : buckets_for(sources);

	if (nb == 0)
		return 0;
	return (size_t)nb * sizeof(struct fg_srctab_bkt);
}

void
fg_srctab_params_default(struct fg_srctab_params *p)
{
	*p = (struct fg_srctab_params){
		.sources = FG_SRCTAB_DEF_SOURCES,
		.idle_ms = FG_SRCTAB_DEF_IDLE_MS,
		.established = FG_SRCTAB_DEF_ESTABLISHED,
	};
}

int
fg_srctab_init(struct fg_srctab *t, const struct fg_srctab_params *p,
	       void *mem, size_t len, uint64_t now)
{
	size_t need = fg_srctab_mem_size(p->sources);
	uint32_t nb;

	if (need == 0 || mem == NULL || len < need || ((uintptr_t)mem & 63) != 0)
		return -EINVAL;
	nb = buckets_for(p->sources);
	/* the headers: a slot is free by its signature */
	for (uint32_t b = 0; b < nb; b++)
		memset(&((struct fg_srctab_bkt *)mem)[b], 0,
		       offsetof(struct fg_srctab_bkt, src));
	*t = (struct fg_srctab){
		.epoch = now,
		.seed0 = p->seed,
		.seed1 = p->seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull,
		.nb = nb,
		.idle_ms = p->idle_ms,
		.established = p->established,
		.offence_ms = p->offence_ms,
		.bkt = mem,
	};
	return 0;
}

/* Slot @p x of the table (bucket x / FG_SRCTAB_SLOTS). */
static inline struct fg_src *
slot(const struct fg_srctab *t, size_t x)
{
	return &t->bkt[x / FG_SRCTAB_SLOTS].src[x % FG_SRCTAB_SLOTS];
}

static void
bkt_lock(struct fg_srctab_bkt *b)
{
	for (;;) {
		uint32_t s = __atomic_load_n(&b->seq, __ATOMIC_RELAXED);

		if (!(s & 1) &&
		    __atomic_compare_exchange_n(&b->seq, &s, s + 1, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		fg_srctab_relax_();
	}
	/* the odd sequence is visible before any slot changes */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
bkt_unlock(struct fg_srctab_bkt *b)
{
	__atomic_fetch_add(&b->seq, 1, __ATOMIC_RELEASE);
}

static inline int
idle(const struct fg_srctab *t, const struct fg_src *e, const struct fg_now *now)
{
	/* a wrap (fg_ms_since()): a source blocked for weeks, silent since */
	uint32_t d = fg_ms_since(now->ms, __atomic_load_n(&e->last_ms, __ATOMIC_RELAXED));

	return d >= t->idle_ms && !fg_src_blocked(e, now) &&
	       (d >= __atomic_load_n(&t->offence_ms, __ATOMIC_RELAXED) ||
		__atomic_load_n(&e->offences, __ATOMIC_RELAXED) == 0);
}

/* Slots an entry whose head is @p e takes: 2 for IPv6, else 1. */
static inline unsigned int
width(const struct fg_src *e)
{
	return (__atomic_load_n(&e->cls, __ATOMIC_RELAXED) & FG_SRC_V6) ? 2 : 1;
}

/*
 * The entry whose head is slot @p x of bucket @p b leaves: if @p b is its
 * secondary, its primary has one overflowed key fewer (a count that
 * reached 255 stays: it may undercount, so it never comes down). Its
 * slots are freed.
 */
static void
leave(struct fg_srctab *t, uint32_t b, size_t x)
{
	struct fg_src *e = slot(t, x);
	unsigned int w = width(e);
	uint8_t a[16];
	unsigned int cls = fg_src_key(e, a);
	uint16_t hint = fg_srctab_hint_(t->bkt[b].sig[x % FG_SRCTAB_SLOTS],
					x % FG_SRCTAB_SLOTS);
	uint32_t p;
	uint8_t o;

	for (unsigned int k = 0; k < w; k++) {
		__atomic_store_n(&t->bkt[b].sig[x % FG_SRCTAB_SLOTS + k], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&e[k].cls, 0, __ATOMIC_RELAXED);
	}
	if (cls == FG_CLASS_COUNT)
		return;
	p = fg_srctab_bkt1(t, fg_srctab_hash(t, a, (uint8_t)cls));
	if (p == b)
		return;
	/* the primary is not held: its words change by compare-and-swap */
	for (unsigned int i = 0; i < FG_SRCTAB_HINTS; i++) {
		uint16_t h = hint;

		if (__atomic_compare_exchange_n(&t->bkt[p].hint[i], &h, 0, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	}
	o = __atomic_load_n(&t->bkt[p].ovf, __ATOMIC_RELAXED);
	while (o != 0 && o != 255 &&
	       !__atomic_compare_exchange_n(&t->bkt[p].ovf, &o, (uint8_t)(o - 1),
					    true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

enum use { USE_FREE, USE_IDLE, USE_PROBATION, USE_KEEP };

/* What a new entry may do with slot @p i of bucket @p b; *age: idle ms. */
static enum use
slot_use(const struct fg_srctab *t, uint32_t b, unsigned int i,
	 const struct fg_now *now, int32_t *age)
{
	const struct fg_src *e = &t->bkt[b].src[i];

	if (t->bkt[b].sig[i] == 0)
		return USE_FREE;
	if (e->cls & FG_SRC_CONT)
		e--;    /* an IPv6 entry's address: its head decides */
	if (idle(t, e, now))
		return USE_IDLE;
	if (__atomic_load_n(&e->passed, __ATOMIC_RELAXED) >= t->established ||
	    fg_src_blocked(e, now))
		return USE_KEEP;
	*age = (int32_t)(now->ms - __atomic_load_n(&e->last_ms, __ATOMIC_RELAXED));
	return USE_PROBATION;
}

/*
 * A place for a new entry of @p w slots (1, or an aligned pair) with
 * primary b[0] and secondary b[1] (both held): free slots (in the primary
 * unless the secondary is clearly emptier; the last of a bucket's, or
 * with @p side 1 the first), else slots whose entries are
 * all idle, else the place whose probationary entries were seen least
 * recently; *why: the enum use of what it replaces. -1: none.
 */
static long
pick_slot(struct fg_srctab *t, const uint32_t b[2], unsigned int w,
	  const struct fg_now *now, unsigned int side, int *why)
{
	long free_slot[2] = { -1, -1 }, best = -1;
	int nfree[2] = { 0, 0 };
	enum use best_why = USE_KEEP;
	int32_t best_age = 0;

	for (int k = 0; k < 2; k++)
		for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i += w)
			if (t->bkt[b[k]].sig[i] == 0 &&
			    (w == 1 || t->bkt[b[k]].sig[i + 1] == 0) &&
			    (nfree[k]++ == 0 || side == 0))
				free_slot[k] = (long)((size_t)b[k] * FG_SRCTAB_SLOTS + i);
	/*
	 * The primary unless the secondary is clearly emptier: keys in their
	 * primary are found with one header line, while placing by load
	 * keeps buckets even (perf/table-fill and docs/limits.md have the
	 * measured trade-off).
	 */
	*why = USE_FREE;
	if (nfree[0] > 0 && nfree[0] + SRCTAB_PRIMARY_BIAS >= nfree[1])
		return free_slot[0];
	if (nfree[1] > 0)
		return free_slot[1];
	for (int k = 0; k < 2; k++)
		for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i += w) {
			enum use u = USE_FREE;
			int32_t age = INT32_MAX;

			for (unsigned int j = i; j < i + w; j++) {
				int32_t a = INT32_MAX;
				enum use v = slot_use(t, b[k], j, now, &a);

				u = v > u ? v : u;
				age = a < age ? a : age;
			}
			if (u == USE_KEEP)
				continue;
			if (u < best_why ||
			    (u == best_why && u == USE_PROBATION && age > best_age)) {
				best = (long)((size_t)b[k] * FG_SRCTAB_SLOTS + i);
				best_why = u;
				best_age = age;
			}
		}
	*why = (int)best_why;
	return best;
}

/* Free slot @p x's entry, and the one the next slot belongs to if @p w is 2. */
static void
evict(struct fg_srctab *t, size_t x, unsigned int w)
{
	uint32_t b = (uint32_t)(x / FG_SRCTAB_SLOTS);

	for (size_t y = x; y < x + w; y++) {
		if (t->bkt[b].sig[y % FG_SRCTAB_SLOTS] == 0)
			continue;
		/* a pair at an even slot: no entry reaches in from outside it */
		leave(t, b, (slot(t, y)->cls & FG_SRC_CONT) ? y - 1 : y);
	}
}

struct fg_src *
fg_srctab_insert(struct fg_srctab *t, const uint8_t addr[16], uint8_t cls,
		 uint64_t hash, const struct fg_src *init_src,
		 const struct fg_now *now, unsigned int side, struct fg_srctab_stats *st)
{
	uint32_t b[2] = { fg_srctab_bkt1(t, hash), fg_srctab_bkt2_(t, hash) };
	uint32_t lo = b[0] < b[1] ? b[0] : b[1], hi = b[0] ^ b[1] ^ lo;
	struct fg_srckey k = fg_srctab_key(addr, cls);
	uint16_t sig = fg_srctab_sig_(hash);
	unsigned int w = (k.cls & FG_SRC_V6) ? 2 : 1;
	struct fg_src *e;
	uint32_t xb;
	long x;
	int why;

	/* both buckets, in index order: two inserters of a key serialise */
	bkt_lock(&t->bkt[lo]);
	bkt_lock(&t->bkt[hi]);
	e = fg_srctab_find_in_(t, b[0], sig, &k);
	if (e == NULL)
		e = fg_srctab_find_in_(t, b[1], sig, &k);
	if (e != NULL)
		goto unlock;
	x = pick_slot(t, b, w, now, side, &why);
	if (x < 0) {
		st->full++;
		goto unlock;
	}
	if (why != USE_FREE)
		evict(t, (size_t)x, w);
	xb = (uint32_t)(x / FG_SRCTAB_SLOTS);
	if (xb != b[0]) {
		/* CAS: another writer's leave() may be decrementing it */
		uint8_t o = __atomic_load_n(&t->bkt[b[0]].ovf, __ATOMIC_RELAXED);

		while (o != 255 &&
		       !__atomic_compare_exchange_n(&t->bkt[b[0]].ovf, &o,
						    (uint8_t)(o + 1), true,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
		/* where it went, if a hint is free (fg_srctab_prefetch_entries()) */
		for (unsigned int i = 0; i < FG_SRCTAB_HINTS; i++) {
			uint16_t h = 0;

			if (__atomic_compare_exchange_n(&t->bkt[b[0]].hint[i], &h,
							fg_srctab_hint_(sig, x % FG_SRCTAB_SLOTS),
							false, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				break;
		}
	}
	e = slot(t, x);
	/*
	 * Word by word with atomic stores: a lookup racing with this sees
	 * an odd sequence and retries, but a limiter update through a stale
	 * pointer (fg_srctab.h) may touch these words at the same time.
	 */
	__atomic_store_n(&e->state, init_src->state, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tat_pkt, init_src->tat_pkt, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tat_byte, init_src->tat_byte, __ATOMIC_RELAXED);
	__atomic_store_n(&e->tat_syn, init_src->tat_syn, __ATOMIC_RELAXED);
	__atomic_store_n(&e->last_ms, now->ms, __ATOMIC_RELAXED);
	__atomic_store_n(&e->passed, init_src->passed, __ATOMIC_RELAXED);
	__atomic_store_n(&e->gen, init_src->gen, __ATOMIC_RELAXED);
	__atomic_store_n(&e->offences, init_src->offences, __ATOMIC_RELAXED);
	__atomic_store_n(&e->addr4, k.a4, __ATOMIC_RELAXED);
	__atomic_store_n(&e->cls, k.cls, __ATOMIC_RELAXED);
	if (w == 2) {
		__atomic_store_n(&e[1].addr6[0], k.a0, __ATOMIC_RELAXED);
		__atomic_store_n(&e[1].addr6[1], k.a1, __ATOMIC_RELAXED);
		__atomic_store_n(&e[1].cls, FG_SRC_CONT, __ATOMIC_RELAXED);
		__atomic_store_n(&t->bkt[xb].sig[x % FG_SRCTAB_SLOTS + 1], sig,
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&t->bkt[xb].sig[x % FG_SRCTAB_SLOTS], sig, __ATOMIC_RELAXED);
	st->inserted++;
	st->evict_idle += why == USE_IDLE;
	st->evict_probation += why == USE_PROBATION;
unlock:
	bkt_unlock(&t->bkt[hi]);
	bkt_unlock(&t->bkt[lo]);
	return e;
}

/* Slot @p i of @p bk holds an entry's start (not the second half of an
 * IPv6 pair). Racy without the bucket's lock: a reader's view. */
static inline bool
starts_entry(const struct fg_srctab_bkt *bk, unsigned int i)
{
	return __atomic_load_n(&bk->sig[i], __ATOMIC_RELAXED) != 0 &&
	       !(__atomic_load_n(&bk->src[i].cls, __ATOMIC_RELAXED) & FG_SRC_CONT);
}

uint32_t
fg_srctab_age(struct fg_srctab *t, uint32_t first, uint32_t n,
	      const struct fg_now *now, struct fg_srctab_stats *st)
{
	uint32_t freed = 0;

	if (first >= t->nb)
		first %= t->nb;
	for (uint32_t k = 0; k < n && k < t->nb; k++) {
		uint32_t b = first + k < t->nb ? first + k : first + k - t->nb;
		struct fg_srctab_bkt *bk = &t->bkt[b];
		struct fg_src *s = bk->src;
		unsigned int todo = 0;

		for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i++)
			if (starts_entry(bk, i) && idle(t, &s[i], now))
				todo |= 1u << i;
		if (todo == 0)
			continue;
		bkt_lock(bk);
		for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i++)
			if ((todo >> i & 1) && bk->sig[i] != 0 &&
			    !(s[i].cls & FG_SRC_CONT) && idle(t, &s[i], now)) {
				leave(t, b, (size_t)b * FG_SRCTAB_SLOTS + i);
				freed++;
			}
		bkt_unlock(bk);
	}
	st->aged += freed;
	return freed;
}

void
fg_srctab_walk(const struct fg_srctab *t, void (*fn)(const struct fg_src *e, void *arg),
	       void *arg)
{
	for (uint32_t b = 0; b < t->nb; b++)
		for (unsigned int i = 0; i < FG_SRCTAB_SLOTS; i++)
			if (starts_entry(&t->bkt[b], i))
				fn(&t->bkt[b].src[i], arg);
}

static void
count_one(const struct fg_src *e, void *arg)
{
	(void)e;
	(*(uint64_t *)arg)++;
}

uint64_t
fg_srctab_count(const struct fg_srctab *t)
{
	uint64_t n = 0;

	fg_srctab_walk(t, count_one, &n);
	return n;
}
