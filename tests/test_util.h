/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What several tests need, written once. Plain C, here: the clocks, a
 * packet as the classifier leaves it (test_limit, stress-srctab,
 * bench-limit), and the lists a writer under test publishes update after
 * update (stress-shm, tests/control/kill9). The Criterion tests' helpers are in
 * test_util.c, linked into them only: an item that must parse, two lists
 * that must be equal, and the sample lists.
 */
#ifndef FG_TEST_UTIL_H
#define FG_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fg_lists.h"
#include "fg_parse.h"

/* Clock @p c in ns. */
static inline uint64_t
clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in ns: real time for a test's deadlines, never an
 * argument of the code under test. */
static inline uint64_t
mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* A packet of class @p cls (its port's class too) as the classifier
 * leaves it: IPv4, protocol @p l4 (TCP with ACK and PSH), @p pl_len bytes
 * of payload; its source is IPv4-mapped, the last 4 bytes left to the
 * caller. */
static inline struct fg_pkt
pkt_classified(unsigned int cls, uint8_t l4, uint16_t pl_len)
{
	struct fg_pkt p;

	memset(&p, 0, sizeof(p));
	p.cls = (uint8_t)cls;
	p.port_cls = (uint8_t)cls;
	p.ipv = 4;
	p.l4 = l4;
	p.flags = FG_PF_L4;
	p.tcp_flags = l4 == 6 ? FG_TCP_ACK | FG_TCP_PSH : 0;
	p.pl_len = pl_len;
	p.ip_len = (uint16_t)(pl_len + 20 + (l4 == 6 ? 20 : 8));
	p.src[10] = p.src[11] = 0xff;
	return p;
}

/* Entry @p i of update @p k: 2001:db8:0:i::k/128 (k big-endian in the last
 * 8 bytes), so that a list mixing two updates is seen. */
static inline void
upd_encode(struct fg_prefix *p, unsigned int i, uint64_t k)
{
	memset(p, 0, sizeof(*p));
	p->addr[0] = 0x20;
	p->addr[1] = 0x01;
	p->addr[2] = 0x0d;
	p->addr[3] = 0xb8;
	p->addr[6] = (uint8_t)(i >> 8);
	p->addr[7] = (uint8_t)i;
	for (int b = 0; b < 8; b++)
		p->addr[8 + b] = (uint8_t)(k >> (56 - 8 * b));
	p->len = 128;
}

/* The update @p p was written by (its last 8 bytes). */
static inline uint64_t
upd_decode(const struct fg_prefix *p)
{
	uint64_t k = 0;

	for (int b = 0; b < 8; b++)
		k = k << 8 | p->addr[8 + b];
	return k;
}

/* Whether @p p is entry @p i of update @p k. */
static inline bool
upd_is(const struct fg_prefix *p, unsigned int i, uint64_t k)
{
	struct fg_prefix want;

	upd_encode(&want, i, k);
	return p->len == 128 && memcmp(p->addr, want.addr, 16) == 0;
}

/* The update whose @p n entries the block list holds: 0 when it is empty,
 * UINT64_MAX when it is torn (another count, or entries of two updates). */
static inline uint64_t
upd_block_k(const struct fg_fed_lists *l, unsigned int n)
{
	uint64_t k;

	if (l->nblock == 0)
		return 0;
	if (l->nblock != n)
		return UINT64_MAX;
	k = upd_decode(&l->block[0]);
	for (unsigned int i = 0; i < n; i++)
		if (!upd_is(&l->block[i], i, k))
			return UINT64_MAX;
	return k;
}

/* ---- Criterion tests only (test_util.c) ---------------------------------- */

#define DOM63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"   /* 63 */
#define DOM64 "a" DOM63

/* Entries of every list, as an operator would type them. */
extern const char *const sample[][2];
extern const size_t nsample;

/* Parse that must succeed. */
struct fg_list_item item(const char *verb, const char *text);
/* fg_list_item_parse_in() that must succeed. */
struct fg_list_item item_in(enum fg_list l, const char *text);
/* Add every sample entry to @p l. */
void fill_sample(struct fg_fed_lists *l);
/* How fg_list_item_print() writes @p it (a static buffer). */
char *printed(const struct fg_list_item *it);
/* fg_lists_save() of @p l into a malloc'ed buffer. */
char *save(const struct fg_fed_lists *l, size_t *len);
/* Fail unless @p a and @p b hold the same entries in the same order. */
void expect_lists_eq(const struct fg_fed_lists *a, const struct fg_fed_lists *b);

#endif /* FG_TEST_UTIL_H */
