/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fg_pfxset: lookup and match against the naive model of pfx_ref.h after
 * random adds and deletes (IPv4, IPv6, both, overlapping, /0 /32 /128,
 * ::/0 covering IPv4), deletion of nested prefixes in every order, the
 * return codes (-EEXIST with the meta updated, -ENOENT, -EINVAL, -ENOSPC
 * for rules and for groups, limbo), iteration, and the block's bytes;
 * emptied, every cell and count is back to zero.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fg_pfxset.h"
#include "pfx_ref.h"
#include "test_util.h"

static struct fg_pfxset *s;
static size_t sz;
static struct pfx_ref ref;

static void
mk(uint32_t rules, uint32_t groups4)
{
	struct fg_pfxset_cfg cfg = { .rules = rules, .groups4 = groups4 };

	sz = fg_pfxset_size(&cfg);
	cr_assert_gt(sz, 0);
	free(s);
	s = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	cr_assert_not_null(s);
	memset(s, 0xa5, sz);            /* init must not rely on zeroed memory */
	cr_assert_eq(fg_pfxset_init(s, sz, &cfg, 0x1234567), 0);
	memset(&ref, 0, sizeof(ref));
}

static void
teardown(void)
{
	free(s);
	s = NULL;
}

static void
addr(const char *text, uint8_t a[16])
{
	struct fg_prefix p = pfx(text);

	memcpy(a, p.addr, 16);
}

static uint32_t
lk(const char *text)
{
	return fg_pfxset_lookup(s, pfx(text).addr);
}

static int
add(unsigned int list, const char *text)
{
	struct fg_prefix p = pfx(text);

	return fg_pfxset_add(s, list, &p, NULL);
}

static int
del(unsigned int list, const char *text)
{
	struct fg_prefix p = pfx(text);

	return fg_pfxset_del(s, list, &p);
}

/* Every address of @p n probes, lookup and match against the model. */
static void
check_probes(const uint8_t (*a)[16], unsigned int n, const char *when)
{
	for (unsigned int i = 0; i < n; i++) {
		uint32_t want = ref_lookup(&ref, a[i]), got = fg_pfxset_lookup(s, a[i]);

		if (got != want) {
			struct fg_prefix p = { .len = 128 };

			memcpy(p.addr, a[i], 16);
			fg_prefix_print(&p, stderr);
			cr_assert_eq(got, want, " %s: lookup %u, model %u", when, got, want);
		}
		for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++) {
			int b = ref_match(&ref, l, a[i]);
			struct fg_prefix p;

			cr_assert_eq(fg_pfxset_match(s, l, a[i], &p, NULL), b >= 0,
				     "%s: match of list %u", when, l);
			if (b >= 0) {
				cr_assert_eq(p.len, ref.p[b].len, "%s: match length", when);
				cr_assert_arr_eq(p.addr, ref.p[b].addr, 16);
			}
		}
	}
}

/* The counts equal the model's, and stats add up. */
static void
check_counts(void)
{
	struct fg_pfxset_stats st;
	uint32_t r4[2] = { 0 }, r6[2] = { 0 };

	for (unsigned int i = 0; i < ref.n; i++) {
		bool v4 = ref.p[i].len >= 96 && ref.p[i].addr[10] == 0xff &&
			  ref.p[i].addr[11] == 0xff && memcmp(ref.p[i].addr, "\0\0\0\0\0\0\0\0\0\0", 10) == 0;

		(v4 ? r4 : r6)[ref.list[i]]++;
	}
	fg_pfxset_stats(s, &st);
	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++) {
		cr_assert_eq(st.rules4[l], r4[l], "list %u: %u v4 rules, model %u", l,
			     st.rules4[l], r4[l]);
		cr_assert_eq(st.rules6[l], r6[l], "list %u: %u v6 rules, model %u", l,
			     st.rules6[l], r6[l]);
	}
	cr_assert_eq(st.rules, ref.n);
	cr_assert_eq(st.groups_used + st.groups_limbo + st.groups_free, s->cfg.groups4);
	cr_assert_eq(st.bytes, sz);
}

/* After everything was deleted: nothing counted, no cell set, every group
 * back once the limbo is reclaimed. */
static void
check_empty(void)
{
	const uint32_t *t = fg_pfxset_tbl24_(s);
	struct fg_pfxset_stats st;
	uint64_t pos = 0;
	struct fg_prefix p;

	fg_pfxset_stats(s, &st);
	cr_assert_eq(st.rules, 0);
	cr_assert_eq(st.prefixes, 0);
	cr_assert_eq(st.tombs, 0, "%u tombstones left", st.tombs);
	cr_assert_eq(st.groups_used, 0);
	for (uint32_t c = 0; c < FG_PFX_TBL24_CELLS; c++)
		cr_assert_eq(t[c], 0, "cell %u is %#x", c, t[c]);
	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
		for (int w = 0; w < 3; w++)
			cr_assert_eq(s->len6[l][w], 0);
	cr_assert_eq(fg_pfxset_next(s, &pos, &p, NULL, NULL), 0);
	cr_assert_eq(fg_pfxset_reclaim(s, fg_pfxset_epoch(s)), st.groups_limbo);
	fg_pfxset_stats(s, &st);
	cr_assert_eq(st.groups_free, s->cfg.groups4);
	cr_assert_eq(st.groups_limbo, 0);
}

/* Random adds then deletes (family: 4, 6, or 0 for both). */
static void
random_run(int family, unsigned int nrules, unsigned int rounds, uint64_t seed)
{
	static uint8_t probes[3000][16];
	const unsigned int np = 3000;
	uint64_t r = seed;

	mk(4096, 512);
	for (unsigned int i = 0; i < np; i++)
		ref_addr(&r, probes[i], family == 4 || (family == 0 && (i & 1)));
	for (unsigned int round = 0; round < rounds; round++) {
		/* fill to nrules, then drain to a few, checking along */
		while (ref.n < nrules) {
			struct fg_prefix p;
			unsigned int list = (unsigned int)(ref_rand(&r) & 1);
			int v4 = family == 4 || (family == 0 && (ref_rand(&r) & 1));
			int want, got;

			ref_prefix(&r, &p, v4);
			want = ref_find(&ref, list, &p) >= 0 ? -EEXIST : 0;
			got = fg_pfxset_add(s, list, &p, NULL);
			cr_assert_eq(got, want, "add: %d, want %d", got, want);
			if (want == 0)
				ref_add(&ref, list, &p);
			if (ref.n % 32 == 0)
				check_probes(probes, np, "filling");
		}
		check_counts();
		check_probes(probes, np, "full");
		while (ref.n > (round + 1 == rounds ? 0 : nrules / 8)) {
			int i = (int)(ref_rand(&r) % ref.n);
			struct fg_prefix p = ref.p[i];

			cr_assert_eq(fg_pfxset_del(s, ref.list[i], &p), 0);
			cr_assert_eq(fg_pfxset_del(s, ref.list[i], &p), -ENOENT);
			ref_del(&ref, i);
			if (ref.n % 16 == 0)
				check_probes(probes, np, "draining");
		}
		check_counts();
	}
	check_probes(probes, np, "empty");
	check_empty();
}

TestSuite(pfxset, .fini = teardown);

Test(pfxset, random_v4)
{
	random_run(4, 300, 4, 0x9e3779b97f4a7c15ull);
}

Test(pfxset, random_v6)
{
	random_run(6, 300, 4, 0x2545f4914f6cdd1dull);
}

Test(pfxset, random_mixed)
{
	random_run(0, 400, 4, 0x5851f42d4c957f2dull);
}

Test(pfxset, edges)
{
	mk(64, 8);
	cr_assert_eq(lk("10.1.2.3"), 0);
	cr_assert_eq(lk("2001:db8::1"), 0);

	/* /32 and /128: exactly one address */
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.1.2.3/32"), 0);
	cr_assert_eq(lk("10.1.2.3"), FG_PFX_BLOCK);
	cr_assert_eq(lk("10.1.2.2"), 0);
	cr_assert_eq(lk("10.1.2.4"), 0);
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "2001:db8::1/128"), 0);
	cr_assert_eq(lk("2001:db8::1"), FG_PFX_ALLOW);
	cr_assert_eq(lk("2001:db8::"), 0);

	/* ::/0 covers every IPv6 and every IPv4 address */
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "::/0"), 0);
	cr_assert_eq(lk("10.1.2.3"), FG_PFX_ALLOW | FG_PFX_BLOCK);
	cr_assert_eq(lk("255.255.255.255"), FG_PFX_ALLOW);
	cr_assert_eq(lk("0.0.0.0"), FG_PFX_ALLOW);
	cr_assert_eq(lk("fe80::1"), FG_PFX_ALLOW);
	/* and 0.0.0.0/0 of the same list: one covering, counted twice */
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "0.0.0.0/0"), 0);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "::/0"), 0);
	cr_assert_eq(lk("8.8.8.8"), FG_PFX_ALLOW);
	cr_assert_eq(lk("fe80::1"), 0);
	cr_assert_eq(lk("2001:db8::1"), FG_PFX_ALLOW);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "0.0.0.0/0"), 0);
	cr_assert_eq(lk("8.8.8.8"), 0);
	/* ::/80 holds ::ffff:0:0/96 too; ::/96 does not */
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "::/96"), 0);
	cr_assert_eq(lk("8.8.8.8"), 0);
	cr_assert_eq(lk("::1"), FG_PFX_BLOCK);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "::/80"), 0);
	cr_assert_eq(lk("8.8.8.8"), FG_PFX_BLOCK);
	cr_assert_eq(lk("::1:0:0:1"), 0);
	cr_assert_eq(del(FG_PFX_LIST_BLOCK, "::/80"), 0);
	cr_assert_eq(lk("8.8.8.8"), 0);
	cr_assert_eq(lk("10.1.2.3"), FG_PFX_BLOCK);
	/* a /24 and a /25 of it, then the /24 goes: the group keeps the /25 */
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "10.1.2.0/24"), 0);
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "10.1.2.128/25"), 0);
	cr_assert_eq(lk("10.1.2.1"), FG_PFX_ALLOW);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "10.1.2.0/24"), 0);
	cr_assert_eq(lk("10.1.2.1"), 0);
	cr_assert_eq(lk("10.1.2.3"), FG_PFX_BLOCK);
	cr_assert_eq(lk("10.1.2.127"), 0);
	cr_assert_eq(lk("10.1.2.128"), FG_PFX_ALLOW);
	cr_assert_eq(lk("10.1.2.255"), FG_PFX_ALLOW);
	cr_assert_eq(lk("10.1.3.128"), 0);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "10.1.2.128/25"), 0);
	cr_assert_eq(del(FG_PFX_LIST_BLOCK, "10.1.2.3/32"), 0);
	cr_assert_eq(del(FG_PFX_LIST_BLOCK, "::/96"), 0);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "2001:db8::1/128"), 0);
	check_empty();
}

/* Nested prefixes, every deletion order: cells and groups follow parents. */
Test(pfxset, nested_every_order)
{
	static const char *const nest[] = {
		"10.1.0.0/16", "10.1.2.0/23", "10.1.2.0/24", "10.1.2.0/25",
		"10.1.2.4/30", "10.1.2.5/32",
	};
	const unsigned int n = 6;
	static uint8_t probes[64][16];
	unsigned int perm[6];
	uint64_t r = 77;

	mk(64, 8);
	for (unsigned int i = 0; i < 64; i++) {
		addr("10.1.2.0", probes[i]);
		probes[i][14] = (uint8_t)(i & 3);            /* 10.1.0-3.x */
		probes[i][15] = (uint8_t)((i >> 2) * 17 % 256);
		probes[i][15] = i < 8 ? (uint8_t)i : probes[i][15];
	}
	addr("10.2.0.0", probes[63]);
	/* each permutation by its index (Lehmer code), lists alternating */
	for (unsigned int k = 0; k < 720; k++) {
		unsigned int used = 0, x = k;
		unsigned int list = k & 1;

		for (unsigned int i = 0; i < n; i++) {
			unsigned int f = 1, j;

			for (unsigned int m = 1; m < n - i; m++)
				f *= m;
			j = x / f;
			x %= f;
			for (perm[i] = 0;; perm[i]++)
				if (!(used & (1u << perm[i])) && j-- == 0)
					break;
			used |= 1u << perm[i];
		}
		/* add in a random order, delete in perm order */
		for (unsigned int i = 0; i < n; i++) {
			unsigned int a = (unsigned int)((i + ref_rand(&r)) % n);
			struct fg_prefix p;

			for (unsigned int t = 0; t < n; t++, a = (a + 1) % n) {
				p = pfx(nest[a]);
				if (ref_find(&ref, list, &p) < 0)
					break;
			}
			cr_assert_eq(fg_pfxset_add(s, list, &p, NULL), 0);
			ref_add(&ref, list, &p);
		}
		check_probes(probes, 64, "nested, all in");
		for (unsigned int i = 0; i < n; i++) {
			struct fg_prefix p = pfx(nest[perm[i]]);

			cr_assert_eq(fg_pfxset_del(s, list, &p), 0);
			ref_del(&ref, ref_find(&ref, list, &p));
			check_probes(probes, 64, "nested, deleting");
		}
		cr_assert_eq(fg_pfxset_reclaim(s, fg_pfxset_epoch(s)), 1);
	}
	check_empty();
}

Test(pfxset, codes_and_meta)
{
	struct fg_pfx_meta m = { .tag = 7, .added_s = 1000, .expires_s = 2000 }, got;
	struct fg_prefix p = pfx("192.0.2.0/24"), q;
	uint8_t a[16];

	mk(64, 8);
	cr_assert_eq(fg_pfxset_add(s, FG_PFX_LIST_BLOCK, &p, &m), 0);
	m.tag = 8;
	m.expires_s = 0;
	cr_assert_eq(fg_pfxset_add(s, FG_PFX_LIST_BLOCK, &p, &m), -EEXIST);
	cr_assert_eq(fg_pfxset_get(s, FG_PFX_LIST_BLOCK, &p, &got), 1);
	cr_assert_eq(got.tag, 8);
	cr_assert_eq(got.added_s, 1000);
	cr_assert_eq(got.expires_s, 0);
	cr_assert_eq(fg_pfxset_get(s, FG_PFX_LIST_ALLOW, &p, &got), 0);
	/* the same prefix in the other list: one slot, two rules */
	m.tag = 9;
	cr_assert_eq(fg_pfxset_add(s, FG_PFX_LIST_ALLOW, &p, &m), 0);
	addr("192.0.2.77", a);
	cr_assert_eq(fg_pfxset_lookup(s, a), FG_PFX_ALLOW | FG_PFX_BLOCK);
	cr_assert_eq(fg_pfxset_match(s, FG_PFX_LIST_ALLOW, a, &q, &got), 1);
	cr_assert_eq(q.len, p.len);
	cr_assert_arr_eq(q.addr, p.addr, 16);
	cr_assert_eq(got.tag, 9);
	cr_assert_eq(fg_pfxset_match(s, FG_PFX_LIST_BLOCK, a, NULL, &got), 1);
	cr_assert_eq(got.tag, 8);
	{
		struct fg_pfxset_stats st;

		fg_pfxset_stats(s, &st);
		cr_assert_eq(st.rules, 2);
		cr_assert_eq(st.prefixes, 1);
		cr_assert_eq(st.rules4[FG_PFX_LIST_ALLOW], 1);
		cr_assert_eq(st.rules4[FG_PFX_LIST_BLOCK], 1);
	}
	cr_assert_eq(fg_pfxset_del(s, FG_PFX_LIST_BLOCK, &p), 0);
	cr_assert_eq(fg_pfxset_del(s, FG_PFX_LIST_BLOCK, &p), -ENOENT);
	cr_assert_eq(fg_pfxset_lookup(s, a), FG_PFX_ALLOW);
	cr_assert_eq(fg_pfxset_get(s, FG_PFX_LIST_ALLOW, &p, &got), 1);
	cr_assert_eq(got.tag, 9);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "192.0.3.0/24"), -ENOENT);
	cr_assert_eq(del(FG_PFX_LIST_ALLOW, "192.0.2.0/25"), -ENOENT);
	/* bad list, host bits, length */
	cr_assert_eq(fg_pfxset_add(s, FG_PFX_LIST_COUNT, &p, NULL), -EINVAL);
	q = p;
	q.len = 96 + 16;
	cr_assert_eq(fg_pfxset_add(s, 0, &q, NULL), -EINVAL);
	q.len = 129;
	cr_assert_eq(fg_pfxset_add(s, 0, &q, NULL), -EINVAL);
	cr_assert_eq(fg_pfxset_del(s, 0, &q), -EINVAL);
	cr_assert_eq(fg_pfxset_del(s, 0, &p), 0);
	check_empty();
}

/* cfg.rules pairs exactly; then -ENOSPC, counted as rules; a delete frees one */
Test(pfxset, nospc_rules)
{
	struct fg_pfxset_stats st;
	char buf[64];

	mk(100, 0);
	for (int i = 0; i < 50; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:%x::/48", i);
		cr_assert_eq(add(FG_PFX_LIST_ALLOW, buf), 0);
		cr_assert_eq(add(FG_PFX_LIST_BLOCK, buf), 0);
	}
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "2001:db8:ffff::/48"), -ENOSPC);
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "10.0.0.0/8"), -ENOSPC);
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "2001:db8:1::/48"), -EEXIST);
	fg_pfxset_stats(s, &st);
	cr_assert_eq(st.rules, 100);
	cr_assert_eq(st.prefixes, 50);
	cr_assert_eq(st.nospc[FG_PFX_NOSPC_RULES], 2);
	cr_assert_eq(st.nospc[FG_PFX_NOSPC_GROUPS], 0);
	cr_assert_eq(st.last_nospc, FG_PFX_NOSPC_RULES);
	cr_assert_eq(lk("10.1.1.1"), 0);
	cr_assert_eq(del(FG_PFX_LIST_BLOCK, "2001:db8:7::/48"), 0);
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "10.0.0.0/8"), 0);
	cr_assert_eq(lk("10.1.1.1"), FG_PFX_ALLOW);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.0.0.0/8"), -ENOSPC);
}

/* groups4 /24s with longer prefixes; a freed group waits in limbo */
Test(pfxset, nospc_groups_and_limbo)
{
	struct fg_pfxset_stats st;
	char buf[64];
	uint64_t e;

	mk(64, 3);
	for (int i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "10.0.%d.1/32", i);
		cr_assert_eq(add(FG_PFX_LIST_BLOCK, buf), 0);
	}
	/* the same /24s take more without a group; a fourth /24 cannot */
	cr_assert_eq(add(FG_PFX_LIST_ALLOW, "10.0.2.128/25"), 0);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.0.3.1/32"), -ENOSPC);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.0.3.0/24"), 0);   /* no group needed */
	fg_pfxset_stats(s, &st);
	cr_assert_eq(st.groups_used, 3);
	cr_assert_eq(st.groups_free, 0);
	cr_assert_eq(st.nospc[FG_PFX_NOSPC_GROUPS], 1);
	cr_assert_eq(st.last_nospc, FG_PFX_NOSPC_GROUPS);
	/* the last long prefix of 10.0.0.0/24 leaves: its group goes to limbo */
	e = fg_pfxset_epoch(s);
	cr_assert_eq(del(FG_PFX_LIST_BLOCK, "10.0.0.1/32"), 0);
	cr_assert_eq(fg_pfxset_epoch(s), e + 1);
	cr_assert_eq(lk("10.0.0.1"), 0);
	fg_pfxset_stats(s, &st);
	cr_assert_eq(st.groups_used, 2);
	cr_assert_eq(st.groups_limbo, 1);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.0.4.1/32"), -ENOSPC);
	/* a reader still at epoch e may see it; one at e + 1 cannot */
	cr_assert_eq(fg_pfxset_reclaim(s, e), 0);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.0.4.1/32"), -ENOSPC);
	cr_assert_eq(fg_pfxset_reclaim(s, e + 1), 1);
	cr_assert_eq(add(FG_PFX_LIST_BLOCK, "10.0.4.1/32"), 0);
	cr_assert_eq(lk("10.0.4.1"), FG_PFX_BLOCK);
	cr_assert_eq(lk("10.0.4.2"), 0);
	cr_assert_eq(lk("10.0.3.200"), FG_PFX_BLOCK);
	cr_assert_eq(lk("10.0.2.200"), FG_PFX_ALLOW);
	cr_assert_eq(lk("10.0.2.1"), FG_PFX_BLOCK);
	fg_pfxset_stats(s, &st);
	cr_assert_eq(st.groups_used, 3);
	cr_assert_eq(st.nospc[FG_PFX_NOSPC_GROUPS], 3);
}

Test(pfxset, next_iterates_every_rule)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint64_t pos = 0, r = 99;
	uint32_t lists;
	unsigned int seen = 0;

	mk(1024, 64);
	while (ref.n < 500) {
		struct fg_pfx_meta mm;
		unsigned int list = (unsigned int)(ref_rand(&r) & 1);

		ref_prefix(&r, &p, (int)(ref_rand(&r) & 1));
		if (ref_find(&ref, list, &p) >= 0)
			continue;
		mm = (struct fg_pfx_meta){ .tag = (uint16_t)ref.n, .added_s = ref.n * 3u,
					   .expires_s = list };
		cr_assert_eq(fg_pfxset_add(s, list, &p, &mm), 0);
		ref_add(&ref, list, &p);
	}
	while (fg_pfxset_next(s, &pos, &p, &lists, m)) {
		cr_assert_neq(lists, 0);
		for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++) {
			int i = ref_find(&ref, l, &p);

			cr_assert_eq(i >= 0, (lists >> l) & 1);
			if (i < 0) {
				cr_assert_eq(m[l].tag, 0);
				continue;
			}
			cr_assert_eq(m[l].tag, (uint16_t)i);
			cr_assert_eq(m[l].added_s, i * 3u);
			cr_assert_eq(m[l].expires_s, l);
			seen++;
		}
	}
	cr_assert_eq(seen, 500);
}

/* The block's bytes: header, 64 MiB of cells, 64 B a group, 2 x 32 B + 12 B
 * a rule, 80 B a group's bookkeeping, a bit a slot (2,000 bits: 32 words). */
Test(pfxset, size)
{
	struct fg_pfxset_cfg cfg = { .rules = 1000, .groups4 = 100 };
	size_t hdr = (sizeof(struct fg_pfxset) + 63) & ~(size_t)63;

	cr_assert_eq(fg_pfxset_size(&cfg),
		     hdr + (64u << 20) + 100 * 64 + 1000 * 64 + 12032 + 100 * 80 + 256);
	cfg.groups4 = FG_PFXSET_MAX_GROUPS4 + 1;
	cr_assert_eq(fg_pfxset_size(&cfg), 0);
	cfg.groups4 = 0;
	cfg.rules = 0;
	cr_assert_eq(fg_pfxset_size(&cfg), 0);
	cfg.rules = 1;
	s = aligned_alloc(64, fg_pfxset_size(&cfg) + 64);
	cr_assert_eq(fg_pfxset_init(s, fg_pfxset_size(&cfg) - 1, &cfg, 1), -EINVAL);
	cr_assert_eq(fg_pfxset_init((char *)s + 8, fg_pfxset_size(&cfg), &cfg, 1), -EINVAL);
	cr_assert_eq(fg_pfxset_init(s, fg_pfxset_size(&cfg), &cfg, 1), 0);
}
