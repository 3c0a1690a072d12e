/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The naive model fg_pfxset is checked against (test_pfxset, stress-pfxset):
 * an array of (list, prefix) and a scan, and the random prefixes and
 * addresses both draw, crowded into a few /16s and /48s so that they
 * overlap. Plain C.
 */
#ifndef FG_PFX_REF_H
#define FG_PFX_REF_H

#include <stdint.h>
#include <string.h>

#include "fg_pfxset.h"

struct pfx_ref {
	struct fg_prefix p[4096];
	unsigned int list[4096];
	unsigned int n;
};

static inline uint64_t
ref_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* @p p's bits after its first @p len cleared. */
static inline void
ref_cut(struct fg_prefix *p, unsigned int len)
{
	p->len = (uint8_t)len;
	for (unsigned int i = len; i < 128; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

/* A random address: IPv4 in 10.0-1.0-3.x and 11.0.0.x, or IPv6 in
 * 2001:db8:0-1:0-3::/64 with few distinct interface ids. */
static inline void
ref_addr(uint64_t *s, uint8_t a[16], int v4)
{
	uint64_t r = ref_rand(s);

	memset(a, 0, 16);
	if (v4) {
		a[10] = a[11] = 0xff;
		a[12] = (r & 7) == 0 ? 11 : 10;
		a[13] = a[12] == 11 ? 0 : (uint8_t)((r >> 3) & 1);
		a[14] = a[12] == 11 ? 0 : (uint8_t)((r >> 4) & 3);
		a[15] = (uint8_t)(r >> 8);
		return;
	}
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[5] = (uint8_t)((r >> 1) & 1);
	a[7] = (uint8_t)((r >> 2) & 3);
	a[8] = (uint8_t)((r >> 4) & 0x80);
	a[15] = (uint8_t)((r >> 8) & 3);
	a[14] = (uint8_t)((r >> 10) & 1);
}

/* A random prefix over ref_addr()'s addresses; now and then one
 * covering everything (/0, ::/0, ::/80). */
static inline void
ref_prefix(uint64_t *s, struct fg_prefix *p, int v4)
{
	static const uint8_t len4[] = { 0, 1, 8, 15, 16, 20, 23, 24, 24, 25, 26,
					28, 30, 31, 32, 32, 32 };
	static const uint8_t len6[] = { 0, 16, 32, 33, 48, 56, 63, 64, 64, 65, 80,
					96, 100, 120, 127, 128, 128 };
	uint64_t r = ref_rand(s);

	ref_addr(s, p->addr, v4);
	if (v4)
		ref_cut(p, 96u + len4[r % sizeof(len4)]);
	else
		ref_cut(p, len6[r % sizeof(len6)]);
}

/* The bits of the lists holding @p a. */
static inline uint32_t
ref_lookup(const struct pfx_ref *r, const uint8_t a[16])
{
	uint32_t b = 0;

	for (unsigned int i = 0; i < r->n; i++)
		if (fg_prefix_has(&r->p[i], a))
			b |= 1u << r->list[i];
	return b;
}

/* Index of (@p list, @p p), or -1. */
static inline int
ref_find(const struct pfx_ref *r, unsigned int list, const struct fg_prefix *p)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (r->list[i] == list && r->p[i].len == p->len &&
		    memcmp(r->p[i].addr, p->addr, 16) == 0)
			return (int)i;
	return -1;
}

/* Longest prefix of @p list holding @p a; -1: none. */
static inline int
ref_match(const struct pfx_ref *r, unsigned int list, const uint8_t a[16])
{
	int best = -1;

	for (unsigned int i = 0; i < r->n; i++)
		if (r->list[i] == list && fg_prefix_has(&r->p[i], a) &&
		    (best < 0 || r->p[i].len > r->p[best].len))
			best = (int)i;
	return best;
}

static inline void
ref_add(struct pfx_ref *r, unsigned int list, const struct fg_prefix *p)
{
	r->p[r->n] = *p;
	r->list[r->n++] = list;
}

static inline void
ref_del(struct pfx_ref *r, int i)
{
	r->p[i] = r->p[r->n - 1];
	r->list[i] = r->list[--r->n];
}

#endif /* FG_PFX_REF_H */
