/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What several tests need, written once. Plain C, here: the clocks, a
 * packet as the classifier leaves it (test_limit, stress-srctab,
 * bench-limit), the small prefix-set configuration of the tests'
 * segments, and the domain
 * lists a writer under test publishes update after update (stress-shm,
 * tests/control/kill9, tests/shm). The Criterion tests' helpers are in
 * test_util.c, linked into them only: an item that must parse, two lists
 * that must be equal, and the sample lists.
 */
#ifndef FG_TEST_UTIL_H
#define FG_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_lists.h"
#include "fg_parse.h"
#include "fg_srctab.h"

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

/* The next of a xorshift64 sequence (state @p s, not 0). */
static inline uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* qsort() order of uint64_t. */
static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
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

/* Source table @p t for @p sources, hash seed @p seed, in fresh memory
 * (free(t->bkt)). @return 0, or -1 with no memory or a failed init. */
static inline int
srctab_new(struct fg_srctab *t, uint32_t sources, uint64_t seed, uint64_t epoch)
{
	struct fg_srctab_params p;
	size_t len = fg_srctab_mem_size(sources);
	void *mem = len != 0 ? aligned_alloc(64, (len + 63) & ~(size_t)63) : NULL;

	fg_srctab_params_default(&p);
	p.sources = sources;
	p.seed = seed;
	if (mem == NULL || fg_srctab_init(t, &p, mem, len, epoch) != 0) {
		free(mem);
		return -1;
	}
	return 0;
}

/* The prefix set a test's segment or scratch set holds: small (the set
 * has a fixed 64 MiB IPv4 table whatever its rules). */
#define TEST_PFX_RULES 4096
#define TEST_PFX_GROUPS4 256

static inline struct fg_pfxset_cfg
test_pfx_cfg(void)
{
	return (struct fg_pfxset_cfg){ .rules = TEST_PFX_RULES, .groups4 = TEST_PFX_GROUPS4 };
}

/* Entry @p i of update @p k: the domain "kHHHHHHHHHHHHHHHH-i.upd.example"
 * (k in 16 hex digits), so that a list mixing two updates is seen. */
static inline void
upd_encode(char dom[FG_DOMAIN_MAX], unsigned int i, uint64_t k)
{
	snprintf(dom, FG_DOMAIN_MAX, "k%016llx-%u.upd.example", (unsigned long long)k, i);
}

/* The update @p dom was written by; UINT64_MAX if it is no update's. */
static inline uint64_t
upd_decode(const char *dom)
{
	unsigned long long k;
	unsigned int i;
	int n = 0;

	if (memchr(dom, '\0', FG_DOMAIN_MAX) == NULL ||
	    sscanf(dom, "k%16llx-%u.upd.example%n", &k, &i, &n) != 2 || dom[n] != '\0')
		return UINT64_MAX;
	return (uint64_t)k;
}

/* Whether @p dom is entry @p i of update @p k. */
static inline bool
upd_is(const char *dom, unsigned int i, uint64_t k)
{
	char want[FG_DOMAIN_MAX];

	upd_encode(want, i, k);
	return memcmp(dom, want, strlen(want) + 1) == 0;
}

/* The update whose @p n entries the block-domain list holds: 0 when it is
 * empty, UINT64_MAX when it is torn (another count, or entries of two
 * updates). */
static inline uint64_t
upd_block_k(const struct fg_fed_lists *l, unsigned int n)
{
	uint64_t k;

	if (l->nblock_dom == 0)
		return 0;
	if (l->nblock_dom != n)
		return UINT64_MAX;
	k = upd_decode(l->block_dom[0]);
	for (unsigned int i = 0; i < n; i++)
		if (!upd_is(l->block_dom[i], i, k))
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
/* fg_prefix_parse() that must succeed. */
struct fg_prefix pfx(const char *text);
/* An empty prefix set of test_pfx_cfg() (free() it). */
struct fg_pfxset *pfxset_new(void);
/* The meta fill_sample() gives sample entry @p i (a prefix). */
struct fg_pfx_meta sample_meta(size_t i);
/* Add every sample entry: the domains to @p l, the prefixes to @p s
 * (with sample_meta(); tags of fg_tags_init()). */
void fill_sample(struct fg_fed_lists *l, struct fg_pfxset *s);
/* How fg_list_item_print() writes @p it (a static buffer). */
char *printed(const struct fg_list_item *it);
/* fg_lists_save() of @p l, @p s and @p t into a malloc'ed buffer. */
char *save_all(const struct fg_fed_lists *l, const struct fg_pfxset *s,
	       const struct fg_tags *t, size_t *len);
/* fg_lists_save() of the domain lists @p l and no prefix (an empty set). */
char *save(const struct fg_fed_lists *l, size_t *len);
/* Fail unless @p a and @p b hold the same domain entries in the same order. */
void expect_lists_eq(const struct fg_fed_lists *a, const struct fg_fed_lists *b);
/* Fail unless @p a and @p b hold the same prefixes in the same lists with
 * the same metas (tags compared by name: @p ta, @p tb). */
void expect_sets_eq(const struct fg_pfxset *a, const struct fg_tags *ta,
		    const struct fg_pfxset *b, const struct fg_tags *tb);
/* Whether list @p list of @p s holds exactly the prefix @p text; its meta in @p m. */
bool set_has(const struct fg_pfxset *s, unsigned int list, const char *text,
	     struct fg_pfx_meta *m);
/* Fail unless list @p list of @p s holds the prefix @p text with this meta. */
void expect_meta(const struct fg_pfxset *s, unsigned int list, const char *text, int tag,
		 uint32_t added_s, uint32_t expires_s);

#endif /* FG_TEST_UTIL_H */
