/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prefix membership: the writer's side (fg_pfxset.h has the layout and the
 * rules readers rely on). One writer at a time; every store a reader may
 * see is an aligned atomic store.
 */
#include <errno.h>
#include <string.h>

#include "fg_pfxset.h"

#define PFXSET_MAGIC 0x5445535846504746ull   /* "FGPFXSET" */

/* IPv4-mapped prefixes: the high half is 0, the low half ::ffff:a.b.c.d */
#define V4MAP_LO 0x0000ffff00000000ull

static inline uint32_t *
tbl24(struct fg_pfxset *s)
{
	return (uint32_t *)(void *)((char *)s + s->off_tbl24);
}

static inline struct fg_pfx_group *
groups(struct fg_pfxset *s)
{
	return (struct fg_pfx_group *)(void *)((char *)s + s->off_grp);
}

static inline struct fg_pfx_slot *
slots(struct fg_pfxset *s)
{
	return (struct fg_pfx_slot *)(void *)((char *)s + s->off_slot);
}

static inline struct fg_pfx_meta *
metas(const struct fg_pfxset *s)
{
	return (struct fg_pfx_meta *)(void *)((char *)(uintptr_t)s + s->off_meta);
}

static inline struct fg_pfx_gmeta *
gmeta(struct fg_pfxset *s)
{
	return (struct fg_pfx_gmeta *)(void *)((char *)s + s->off_gmeta);
}

/* The occupancy bitmap: bit i of word i / 64 set while slot i is FULL. */
static inline uint64_t *
occ(struct fg_pfxset *s)
{
	return (uint64_t *)(void *)((char *)s + s->off_occ);
}

static inline void
occ_set(struct fg_pfxset *s, uint32_t i, bool full)
{
	uint64_t *w = &occ(s)[i / 64], b = 1ull << (i % 64);

	__atomic_store_n(w, full ? *w | b : *w & ~b, __ATOMIC_RELEASE);
}

static inline size_t
align64(size_t x)
{
	return (x + 63) & ~(size_t)63;
}

/* ---- sizing ------------------------------------------------------------ */

static bool
cfg_ok(const struct fg_pfxset_cfg *cfg)
{
	return cfg->rules > 0 && cfg->rules <= FG_PFXSET_MAX_RULES &&
	       cfg->groups4 <= FG_PFXSET_MAX_GROUPS4;
}

/* Offsets of the parts; returns the total. */
static size_t
layout(const struct fg_pfxset_cfg *cfg, uint64_t off[6])
{
	size_t o = align64(sizeof(struct fg_pfxset));

	off[0] = o;                                      /* tbl24: 64 MiB */
	o += (size_t)FG_PFX_TBL24_CELLS * sizeof(uint32_t);
	off[1] = o;                                      /* groups: 64 B each */
	o += (size_t)cfg->groups4 * sizeof(struct fg_pfx_group);
	off[2] = o;                                      /* slots: 2 per rule, 32 B */
	o += (size_t)cfg->rules * 2 * sizeof(struct fg_pfx_slot);
	off[3] = o;                                      /* metas: 12 B per rule */
	o += align64((size_t)cfg->rules * sizeof(struct fg_pfx_meta));
	off[4] = o;                                      /* group bookkeeping: 80 B */
	o += (size_t)cfg->groups4 * sizeof(struct fg_pfx_gmeta);
	off[5] = o;                                      /* occupancy: a bit a slot */
	o += align64(((size_t)cfg->rules * 2 + 63) / 64 * sizeof(uint64_t));
	return o;
}

size_t
fg_pfxset_size(const struct fg_pfxset_cfg *cfg)
{
	uint64_t off[6];

	return cfg_ok(cfg) ? layout(cfg, off) : 0;
}

void
fg_pfxset_cfg_default(struct fg_pfxset_cfg *cfg)
{
	*cfg = (struct fg_pfxset_cfg){
		.rules = FG_PFXSET_DEF_RULES,
		.groups4 = FG_PFXSET_DEF_GROUPS4,
	};
}

int
fg_pfxset_init(void *mem, size_t size, const struct fg_pfxset_cfg *cfg, uint64_t seed)
{
	struct fg_pfxset *s = mem;
	uint64_t off[6];
	size_t need;

	if (mem == NULL || !cfg_ok(cfg) || ((uintptr_t)mem & 63) != 0)
		return -EINVAL;
	need = layout(cfg, off);
	if (size < need)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->off_tbl24 = off[0];
	s->off_grp = off[1];
	s->off_slot = off[2];
	s->off_meta = off[3];
	s->off_gmeta = off[4];
	s->off_occ = off[5];
	s->seed0 = seed;
	s->seed1 = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	s->cap = cfg->rules * 2;
	s->size = need;
	s->cfg = *cfg;
	memset(tbl24(s), 0, (size_t)FG_PFX_TBL24_CELLS * sizeof(uint32_t));
	memset(slots(s), 0, (size_t)s->cap * sizeof(struct fg_pfx_slot));
	memset(occ(s), 0, ((size_t)s->cap + 63) / 64 * sizeof(uint64_t));
	/* free stacks, lowest index on top */
	for (uint32_t i = 0; i < cfg->rules; i++)
		metas(s)[i] = (struct fg_pfx_meta){ .added_s = i + 1 < cfg->rules ? i + 2 : 0 };
	s->meta_free = 1;
	for (uint32_t g = 0; g < cfg->groups4; g++)
		gmeta(s)[g] = (struct fg_pfx_gmeta){ .next = g + 1 < cfg->groups4 ? g + 2 : 0 };
	s->grp_free = cfg->groups4 != 0;
	s->magic = PFXSET_MAGIC;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 0;
}

/* ---- keys -------------------------------------------------------------- */

struct key {
	uint64_t hi, lo;
	unsigned int len;
};

static inline uint64_t
be64(const uint8_t *b)
{
	uint64_t x;

	memcpy(&x, b, 8);
	return __builtin_bswap64(x);
}

static void
key_to_prefix(uint64_t hi, uint64_t lo, unsigned int len, struct fg_prefix *p)
{
	hi = __builtin_bswap64(hi);
	lo = __builtin_bswap64(lo);
	memcpy(p->addr, &hi, 8);
	memcpy(p->addr + 8, &lo, 8);
	p->len = (uint8_t)len;
}

/* The key of @p p; -EINVAL if its length is over 128 or host bits are set. */
static int
key_of(const struct fg_prefix *p, struct key *k)
{
	uint64_t hi, lo;

	if (p->len > 128)
		return -EINVAL;
	k->hi = hi = be64(p->addr);
	k->lo = lo = be64(p->addr + 8);
	k->len = p->len;
	fg_pfxset_cut_(&k->hi, &k->lo, k->len);
	return k->hi == hi && k->lo == lo ? 0 : -EINVAL;
}

/* An IPv4 prefix (inside ::ffff:0:0/96): its /n is len - 96. */
static inline bool
key_v4(const struct key *k)
{
	return k->len >= 96 && k->hi == 0 && (k->lo >> 32) == 0xffffu;
}

/* An IPv6 prefix holding ::ffff:0:0/96 (::/0, ::/80): all of IPv4. */
static inline bool
key_covers_v4(const struct key *k)
{
	uint64_t hi = 0, lo = V4MAP_LO;

	if (k->len >= 96)
		return false;
	fg_pfxset_cut_(&hi, &lo, k->len);
	return hi == k->hi && lo == k->lo;
}

static inline uint64_t
key_hash(const struct fg_pfxset *s, const struct key *k)
{
	return fg_pfxset_hash_(s, k->hi, k->lo, k->len);
}

/* ---- the rule hash (writer) -------------------------------------------- */

/* Atomic stores of the writer; its own reads may be plain. */
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)

static inline void
slot_begin(struct fg_pfx_slot *e)
{
	STORE(&e->seq, e->seq + 1);
	/* the odd sequence is visible before any field changes */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
slot_end(struct fg_pfx_slot *e)
{
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELEASE);
}

/*
 * The slot holding @p k, or -1; *@p free_at gets the first tombstone or
 * empty slot of its chain (where an insert goes) and *@p disp its
 * displacement.
 */
static int64_t
slot_find(struct fg_pfxset *s, const struct key *k, uint32_t *free_at, uint32_t *disp)
{
	struct fg_pfx_slot *t = slots(s);
	uint32_t cap = s->cap, i = fg_pfxset_home_(s, key_hash(s, k));
	bool have_free = false;

	for (uint32_t d = 0; d < cap; d++) {
		uint32_t st = FG_PFX_INFO_STATE(t[i].info);

		if (st != FG_PFX_SLOT_FULL && !have_free) {
			have_free = true;
			*free_at = i;
			*disp = d;
		}
		if (st == FG_PFX_SLOT_EMPTY || (d > s->maxprobe && have_free))
			return -1;
		if (st == FG_PFX_SLOT_FULL && FG_PFX_INFO_LEN(t[i].info) == k->len &&
		    t[i].hi == k->hi && t[i].lo == k->lo)
			return i;
		if (++i == cap)
			i = 0;
	}
	return -1;    /* never: the hash is at most half full */
}

static inline int64_t
slot_get(struct fg_pfxset *s, const struct key *k)
{
	uint32_t f, d;

	return slot_find(s, k, &f, &d);
}

/* The lists of list-holding slot @p k (writer's view). */
static inline uint32_t
slot_lists(struct fg_pfxset *s, const struct key *k)
{
	int64_t i = slot_get(s, k);

	return i < 0 ? 0 : FG_PFX_INFO_LISTS(slots(s)[i].info);
}

/* Tombstone at @p i: if the next slot is empty, it and the tombstones
 * before it become empty (fg_pfxset.h: no chain is cut). */
static void
slot_unchain(struct fg_pfxset *s, uint32_t i)
{
	struct fg_pfx_slot *t = slots(s);
	uint32_t cap = s->cap, n = i + 1 == cap ? 0 : i + 1;

	if (FG_PFX_INFO_STATE(t[n].info) != FG_PFX_SLOT_EMPTY)
		return;
	while (FG_PFX_INFO_STATE(t[i].info) == FG_PFX_SLOT_TOMB) {
		slot_begin(&t[i]);
		STORE(&t[i].info, FG_PFX_INFO(0, 0, FG_PFX_SLOT_EMPTY));
		slot_end(&t[i]);
		s->tombs--;
		i = i == 0 ? cap - 1 : i - 1;
	}
}

static uint32_t
meta_alloc(struct fg_pfxset *s, const struct fg_pfx_meta *m)
{
	uint32_t x = s->meta_free;
	struct fg_pfx_meta *e = &metas(s)[x - 1];

	s->meta_free = e->added_s;
	STORE(&e->tag, m->tag);
	STORE(&e->added_s, m->added_s);
	STORE(&e->expires_s, m->expires_s);
	return x;
}

static void
meta_free(struct fg_pfxset *s, uint32_t x)
{
	STORE(&metas(s)[x - 1].added_s, s->meta_free);
	s->meta_free = x;
}

/* ---- IPv4: tbl24 and groups ------------------------------------------- */

static inline unsigned int
depth(uint32_t c, unsigned int l)
{
	return (c >> (l * FG_PFX_CELL_DBITS)) & FG_PFX_CELL_DMASK;
}

static inline uint32_t
with_depth(uint32_t c, unsigned int l, unsigned int d)
{
	return (c & ~(FG_PFX_CELL_DMASK << (l * FG_PFX_CELL_DBITS))) |
	       d << (l * FG_PFX_CELL_DBITS);
}

static inline void
cnt_add(uint32_t *c, int d)
{
	STORE(c, *c + (uint32_t)d);
}

/* Whether list @p l holds the IPv4 prefix @p base/@p n (/0: anything
 * covering all of IPv4). */
static bool
has4(struct fg_pfxset *s, unsigned int l, uint32_t base, unsigned int n)
{
	struct key k;

	if (s->cnt4[l][n] == 0)
		return false;
	if (n == 0)
		return true;
	k = (struct key){ 0, V4MAP_LO | (base & (~0u << (32 - n))), 96 + n };
	return slot_lists(s, &k) & (1u << l);
}

/* The longest /k, @p kmin <= k < @p n, of list @p l holding @p base; -1: none. */
static int
parent4(struct fg_pfxset *s, unsigned int l, uint32_t base, unsigned int n, unsigned int kmin)
{
	for (int k = (int)n - 1; k >= (int)kmin; k--)
		if (has4(s, l, base, (unsigned int)k))
			return k;
	return -1;
}

/* Set the bits of addresses [lo, lo + cnt) of a /24 (cnt a power of 2 <= 256,
 * lo a multiple of it) in @p w. */
static void
range_set(uint64_t w[4], unsigned int lo, unsigned int cnt)
{
	for (unsigned int i = lo; i < lo + cnt; i += 64) {
		unsigned int n = cnt < 64 ? cnt : 64;

		w[i / 64] |= (n == 64 ? ~0ull : ((1ull << n) - 1)) << (i % 64);
	}
}

/* The OR of list @p l's prefixes longer than /@p n (n >= 24) inside
 * @p base/@p n, probed at the lengths present. */
static void
long_union(struct fg_pfxset *s, unsigned int l, uint32_t base, unsigned int n,
	   uint64_t out[4])
{
	memset(out, 0, 4 * sizeof(uint64_t));
	for (unsigned int k = n + 1; k <= 32; k++) {
		uint32_t step = 1u << (32 - k);

		if (s->cnt4[l][k] == 0)
			continue;
		for (uint32_t j = 0; j < 1u << (k - n); j++) {
			uint32_t b = base + j * step;

			if (has4(s, l, b, k))
				range_set(out, b & 255, step);
		}
	}
}

/* Replace the bits of list @p l in group @p g under @p mask with @p v. */
static void
group_write(struct fg_pfx_group *g, unsigned int l, const uint64_t mask[4],
	    const uint64_t v[4])
{
	for (int w = 0; w < 4; w++)
		if (mask[w] != 0)
			STORE(&g->bm[l][w], (g->bm[l][w] & ~mask[w]) | (v[w] & mask[w]));
}

static void
grp_retire(struct fg_pfxset *s, uint32_t g)
{
	struct fg_pfx_gmeta *gm = gmeta(s);

	gm[g].tag = s->epoch + 1;
	gm[g].next = 0;
	if (s->limbo_tail != 0)
		gm[s->limbo_tail - 1].next = g + 1;
	else
		s->limbo_head = g + 1;
	s->limbo_tail = g + 1;
	s->grp_limbo++;
	s->grp_used--;
	/* readers that read the epoch from here on cannot see g */
	__atomic_store_n(&s->epoch, s->epoch + 1, __ATOMIC_RELEASE);
}

/* List @p l gained its effective IPv4 prefix @p base/@p n. */
static void
v4_add(struct fg_pfxset *s, unsigned int l, uint32_t base, unsigned int n)
{
	uint32_t *t = tbl24(s);

	if (n <= 24) {
		uint32_t c0 = base >> 8, cnt = 1u << (24 - n);

		for (uint32_t c = c0; c < c0 + cnt; c++) {
			uint32_t x = t[c];

			if (depth(x, l) >= n + 1)   /* a longer one covers it */
				continue;
			if (x & FG_PFX_CELL_EXT) {
				struct fg_pfx_group *g = &groups(s)[x >> FG_PFX_CELL_GSHIFT];

				for (int w = 0; w < 4; w++)
					STORE(&g->bm[l][w], ~0ull);
			}
			__atomic_store_n(&t[c], with_depth(x, l, n + 1), __ATOMIC_RELEASE);
		}
		return;
	}
	uint32_t c = base >> 8, x = t[c], g;
	struct fg_pfx_group *gp;

	if (!(x & FG_PFX_CELL_EXT)) {
		/* fill a free group with the cell's membership, then name it */
		g = s->grp_free - 1;
		s->grp_free = gmeta(s)[g].next;
		gmeta(s)[g] = (struct fg_pfx_gmeta){ 0 };
		s->grp_used++;
		gp = &groups(s)[g];
		for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++)
			for (int w = 0; w < 4; w++)
				STORE(&gp->bm[k][w], depth(x, k) ? ~0ull : 0);
		x |= FG_PFX_CELL_EXT | g << FG_PFX_CELL_GSHIFT;
		__atomic_store_n(&t[c], x, __ATOMIC_RELEASE);
	}
	g = x >> FG_PFX_CELL_GSHIFT;
	gp = &groups(s)[g];
	gmeta(s)[g].nlong[l]++;
	range_set(gmeta(s)[g].longbm[l], base & 255, 1u << (32 - n));
	if (depth(x, l) == 0) {
		uint64_t m[4] = { 0 };

		range_set(m, base & 255, 1u << (32 - n));
		group_write(gp, l, m, m);
	}
}

/* List @p l lost its effective IPv4 prefix @p base/@p n (gone from the
 * hash and the counts already). */
static void
v4_del(struct fg_pfxset *s, unsigned int l, uint32_t base, unsigned int n)
{
	uint32_t *t = tbl24(s);

	if (n <= 24) {
		uint32_t c0 = base >> 8, cnt = 1u << (24 - n);
		unsigned int pd = (unsigned int)(parent4(s, l, base, n, 0) + 1);

		for (uint32_t c = c0; c < c0 + cnt; c++) {
			uint32_t x = t[c];

			if (depth(x, l) != n + 1)   /* another one is the longest */
				continue;
			if ((x & FG_PFX_CELL_EXT) && pd == 0) {
				static const uint64_t all[4] = { ~0ull, ~0ull, ~0ull, ~0ull };
				uint32_t g = x >> FG_PFX_CELL_GSHIFT;

				group_write(&groups(s)[g], l, all, gmeta(s)[g].longbm[l]);
			}
			__atomic_store_n(&t[c], with_depth(x, l, pd), __ATOMIC_RELEASE);
		}
		return;
	}
	uint32_t c = base >> 8, x = t[c], g = x >> FG_PFX_CELL_GSHIFT;
	struct fg_pfx_gmeta *gm = &gmeta(s)[g];
	uint64_t m[4] = { 0 }, v[4];

	gm->nlong[l]--;
	if (gm->nlong[FG_PFX_LIST_ALLOW] + gm->nlong[FG_PFX_LIST_BLOCK] == 0) {
		/* the depths say it all again: unname the group, then limbo */
		__atomic_store_n(&t[c], x & ((1u << FG_PFX_CELL_GSHIFT) - 1 - FG_PFX_CELL_EXT),
				 __ATOMIC_RELEASE);
		grp_retire(s, g);
		return;
	}
	if (parent4(s, l, base, n, 25) >= 0)
		return;   /* a longer-than-/24 parent still covers P */
	range_set(m, base & 255, 1u << (32 - n));
	long_union(s, l, base, n, v);
	for (int w = 0; w < 4; w++)
		gm->longbm[l][w] = (gm->longbm[l][w] & ~m[w]) | (v[w] & m[w]);
	if (depth(x, l) == 0)
		group_write(&groups(s)[g], l, m, v);
}

/* ---- IPv6 lengths ------------------------------------------------------- */

static void
len6_set(struct fg_pfxset *s, unsigned int l, unsigned int len, bool on)
{
	uint64_t *w = &s->len6[l][len / 64], b = 1ull << (len % 64);

	__atomic_store_n(w, on ? *w | b : *w & ~b, __ATOMIC_RELEASE);
}

/* ---- add, del ------------------------------------------------------------ */

static void
nospc(struct fg_pfxset *s, enum fg_pfx_nospc why)
{
	s->nospc[why]++;
	s->last_nospc = why;
}

int
fg_pfxset_add(struct fg_pfxset *s, unsigned int list, const struct fg_prefix *p,
	      const struct fg_pfx_meta *m)
{
	static const struct fg_pfx_meta zero;
	struct fg_pfx_slot *t = slots(s), *e;
	uint32_t free_at = 0, disp = 0, info;
	struct key k;
	int64_t i;
	bool v4;

	if (list >= FG_PFX_LIST_COUNT || key_of(p, &k) != 0)
		return -EINVAL;
	if (m == NULL)
		m = &zero;
	i = slot_find(s, &k, &free_at, &disp);
	if (i >= 0 && (FG_PFX_INFO_LISTS(t[i].info) & (1u << list))) {
		struct fg_pfx_meta *x = &metas(s)[t[i].meta[list] - 1];

		slot_begin(&t[i]);
		STORE(&x->tag, m->tag);
		STORE(&x->added_s, m->added_s);
		STORE(&x->expires_s, m->expires_s);
		slot_end(&t[i]);
		return -EEXIST;
	}
	if (s->meta_free == 0) {
		nospc(s, FG_PFX_NOSPC_RULES);
		return -ENOSPC;
	}
	v4 = key_v4(&k);
	if (v4 && k.len > 96 + 24 && s->grp_free == 0 &&
	    !(tbl24(s)[(uint32_t)k.lo >> 8] & FG_PFX_CELL_EXT)) {
		nospc(s, FG_PFX_NOSPC_GROUPS);
		return -ENOSPC;
	}
	/* the rule, then what makes readers find it */
	if (i >= 0) {
		e = &t[i];
		info = e->info;
	} else {
		e = &t[free_at];
		if (disp > s->maxprobe)
			__atomic_store_n(&s->maxprobe, disp, __ATOMIC_RELEASE);
		if (FG_PFX_INFO_STATE(e->info) == FG_PFX_SLOT_TOMB)
			s->tombs--;
		s->prefixes++;
		info = FG_PFX_INFO(k.len, 0, FG_PFX_SLOT_FULL);
		occ_set(s, (uint32_t)free_at, true);
	}
	slot_begin(e);
	STORE(&e->meta[list], meta_alloc(s, m));
	if (i < 0) {
		STORE(&e->hi, k.hi);
		STORE(&e->lo, k.lo);
		for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
			if (l != list)
				STORE(&e->meta[l], 0);
	}
	STORE(&e->info, info | (1u << list) << 8);
	slot_end(e);

	if (v4) {
		unsigned int n = k.len - 96;

		s->rules4[list]++;
		cnt_add(&s->cnt4[list][n], 1);
		if (n != 0 || s->cnt4[list][0] == 1)
			v4_add(s, list, (uint32_t)k.lo, n);
		return 0;
	}
	s->rules6[list]++;
	cnt_add(&s->cnt6[list][k.len], 1);
	if (s->cnt6[list][k.len] == 1)
		len6_set(s, list, k.len, true);
	if (key_covers_v4(&k)) {
		cnt_add(&s->cnt4[list][0], 1);
		if (s->cnt4[list][0] == 1)
			v4_add(s, list, 0, 0);
	}
	return 0;
}

int
fg_pfxset_del(struct fg_pfxset *s, unsigned int list, const struct fg_prefix *p)
{
	struct fg_pfx_slot *e;
	uint32_t info, lists;
	struct key k;
	int64_t i;

	if (list >= FG_PFX_LIST_COUNT || key_of(p, &k) != 0)
		return -EINVAL;
	i = slot_get(s, &k);
	if (i < 0 || !(FG_PFX_INFO_LISTS(slots(s)[i].info) & (1u << list)))
		return -ENOENT;
	e = &slots(s)[i];
	lists = FG_PFX_INFO_LISTS(e->info) & ~(1u << list);
	meta_free(s, e->meta[list]);
	info = lists != 0 ? FG_PFX_INFO(k.len, lists, FG_PFX_SLOT_FULL) :
			    FG_PFX_INFO(0, 0, FG_PFX_SLOT_TOMB);
	slot_begin(e);
	STORE(&e->meta[list], 0);
	STORE(&e->info, info);
	slot_end(e);
	if (lists == 0) {
		occ_set(s, (uint32_t)i, false);
		s->prefixes--;
		s->tombs++;
		slot_unchain(s, (uint32_t)i);
	}

	if (key_v4(&k)) {
		unsigned int n = k.len - 96;

		s->rules4[list]--;
		cnt_add(&s->cnt4[list][n], -1);
		if (n != 0 || s->cnt4[list][0] == 0)
			v4_del(s, list, (uint32_t)k.lo, n);
		return 0;
	}
	s->rules6[list]--;
	cnt_add(&s->cnt6[list][k.len], -1);
	if (s->cnt6[list][k.len] == 0)
		len6_set(s, list, k.len, false);
	if (key_covers_v4(&k)) {
		cnt_add(&s->cnt4[list][0], -1);
		if (s->cnt4[list][0] == 0)
			v4_del(s, list, 0, 0);
	}
	return 0;
}

uint32_t
fg_pfxset_reclaim(struct fg_pfxset *s, uint64_t safe)
{
	struct fg_pfx_gmeta *gm = gmeta(s);
	uint32_t n = 0;

	while (s->limbo_head != 0 && gm[s->limbo_head - 1].tag <= safe) {
		uint32_t g = s->limbo_head - 1;

		s->limbo_head = gm[g].next;
		if (s->limbo_head == 0)
			s->limbo_tail = 0;
		gm[g].next = s->grp_free;
		s->grp_free = g + 1;
		s->grp_limbo--;
		n++;
	}
	return n;
}

/* ---- lock-free reads of rules (match, get, next) ------------------------ */

struct slot_copy {
	uint64_t hi, lo;
	uint32_t info;
	struct fg_pfx_meta meta[FG_PFX_LIST_COUNT];
};

/* Slot @p i and its metas, consistent (under its sequence word). */
static void
slot_read(const struct fg_pfxset *s, uint32_t i, struct slot_copy *c)
{
	const struct fg_pfx_slot *e = &fg_pfxset_slots_(s)[i];
	const struct fg_pfx_meta *mt = metas(s);

	for (;;) {
		uint32_t q = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);

		if (q & 1) {
			fg_pfxset_relax_();
			continue;
		}
		c->hi = __atomic_load_n(&e->hi, __ATOMIC_RELAXED);
		c->lo = __atomic_load_n(&e->lo, __ATOMIC_RELAXED);
		c->info = __atomic_load_n(&e->info, __ATOMIC_RELAXED);
		for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++) {
			uint32_t x = __atomic_load_n(&e->meta[l], __ATOMIC_RELAXED);

			if (x == 0 || x > s->cfg.rules) {
				c->meta[l] = (struct fg_pfx_meta){ 0 };
				continue;
			}
			c->meta[l].tag = __atomic_load_n(&mt[x - 1].tag, __ATOMIC_RELAXED);
			c->meta[l].added_s = __atomic_load_n(&mt[x - 1].added_s, __ATOMIC_RELAXED);
			c->meta[l].expires_s = __atomic_load_n(&mt[x - 1].expires_s,
							       __ATOMIC_RELAXED);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == q)
			return;
	}
}

/* The slot of key (hi, lo, len) in list @p list, copied; 0: none. */
static int
find_copy(const struct fg_pfxset *s, unsigned int list, uint64_t hi, uint64_t lo,
	  unsigned int len, struct slot_copy *c)
{
	uint32_t cap = s->cap, i = fg_pfxset_home_(s, fg_pfxset_hash_(s, hi, lo, len));
	uint32_t maxp = __atomic_load_n(&s->maxprobe, __ATOMIC_ACQUIRE);

	for (uint32_t d = 0; d <= maxp; d++) {
		slot_read(s, i, c);
		if (FG_PFX_INFO_STATE(c->info) == FG_PFX_SLOT_EMPTY)
			return 0;
		if (FG_PFX_INFO_STATE(c->info) == FG_PFX_SLOT_FULL &&
		    FG_PFX_INFO_LEN(c->info) == len && c->hi == hi && c->lo == lo)
			return (FG_PFX_INFO_LISTS(c->info) >> list) & 1;
		if (++i == cap)
			i = 0;
	}
	return 0;
}

int
fg_pfxset_get(const struct fg_pfxset *s, unsigned int list, const struct fg_prefix *p,
	      struct fg_pfx_meta *m)
{
	struct slot_copy c;
	struct key k;

	if (list >= FG_PFX_LIST_COUNT || key_of(p, &k) != 0 ||
	    !find_copy(s, list, k.hi, k.lo, k.len, &c))
		return 0;
	if (m != NULL)
		*m = c.meta[list];
	return 1;
}

int
fg_pfxset_match(const struct fg_pfxset *s, unsigned int list, const uint8_t addr[16],
		struct fg_prefix *p, struct fg_pfx_meta *m)
{
	uint64_t hi = be64(addr), lo = be64(addr + 8);
	bool mapped = hi == 0 && (lo >> 32) == 0xffffu;

	if (list >= FG_PFX_LIST_COUNT)
		return 0;
	for (int len = 128; len >= 0; len--) {
		uint64_t h = hi, l = lo;
		struct slot_copy c;
		bool some;

		/* lengths with prefixes (a stale count only misses a rule
		 * being added: old or new) */
		if (mapped && len >= 96)
			some = __atomic_load_n(&s->cnt4[list][len - 96], __ATOMIC_RELAXED) != 0;
		else
			some = (__atomic_load_n(&s->len6[list][len / 64], __ATOMIC_RELAXED) >>
				(len % 64)) & 1;
		if (!some)
			continue;
		fg_pfxset_cut_(&h, &l, (unsigned int)len);
		if (!find_copy(s, list, h, l, (unsigned int)len, &c))
			continue;
		if (p != NULL)
			key_to_prefix(h, l, (unsigned int)len, p);
		if (m != NULL)
			*m = c.meta[list];
		return 1;
	}
	return 0;
}

int
fg_pfxset_next(const struct fg_pfxset *s, uint64_t *pos, struct fg_prefix *p,
	       uint32_t *lists, struct fg_pfx_meta m[FG_PFX_LIST_COUNT])
{
	const uint64_t *o = occ((struct fg_pfxset *)(uintptr_t)s);

	/* the occupancy bitmap leads to the full slots: a save or list of a
	 * few entries reads 512 KiB of bits, not the 128 MiB of the default
	 * 4M slots (the slot read decides: a bit may be a step behind) */
	for (; *pos < s->cap; (*pos)++) {
		uint64_t w = __atomic_load_n(&o[*pos / 64], __ATOMIC_ACQUIRE) >> (*pos % 64);
		struct slot_copy c;

		if (w == 0) {
			*pos = (*pos | 63);
			continue;
		}
		*pos += (uint64_t)__builtin_ctzll(w);
		if (*pos >= s->cap)
			break;
		slot_read(s, (uint32_t)*pos, &c);
		if (FG_PFX_INFO_STATE(c.info) != FG_PFX_SLOT_FULL)
			continue;
		(*pos)++;
		if (p != NULL)
			key_to_prefix(c.hi, c.lo, FG_PFX_INFO_LEN(c.info), p);
		if (lists != NULL)
			*lists = FG_PFX_INFO_LISTS(c.info);
		if (m != NULL)
			memcpy(m, c.meta, sizeof(c.meta));
		return 1;
	}
	return 0;
}

void
fg_pfxset_stats(const struct fg_pfxset *s, struct fg_pfxset_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++) {
		st->rules4[l] = s->rules4[l];
		st->rules6[l] = s->rules6[l];
		st->rules += s->rules4[l] + s->rules6[l];
	}
	st->prefixes = s->prefixes;
	st->tombs = s->tombs;
	st->maxprobe = s->maxprobe;
	st->groups_used = s->grp_used;
	st->groups_limbo = s->grp_limbo;
	st->groups_free = s->cfg.groups4 - s->grp_used - s->grp_limbo;
	memcpy(st->nospc, s->nospc, sizeof(st->nospc));
	st->last_nospc = s->last_nospc;
	st->bytes = s->size;
	st->epoch = s->epoch;
}
