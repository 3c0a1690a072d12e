/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fg_steer: the NIC rules as data, without a NIC. The steering rules of
 * the default ports, with and without [protect] prefixes (IPv4, IPv6, a
 * prefix holding every IPv4 address), the drop rules of blocked sources:
 * heaviest first, the budget never exceeded, an entry all in or all out,
 * a flood block only on its class's ports, and the printed form the
 * start-up log and floodctl status show.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fg_steer.h"

static struct fg_classify_cfg *cc;

static void
setup(void)
{
	cc = malloc(sizeof(*cc));
	cr_assert_not_null(cc);
	fg_classify_cfg_default(cc);
}

static void
teardown(void)
{
	free(cc);
}

TestSuite(steer, .init = setup, .fini = teardown);

static struct fg_prefix
pfx(const char *s)
{
	struct fg_prefix p;

	cr_assert_eq(fg_prefix_parse(s, &p), 0, "%s", s);
	return p;
}

static void
expect(const struct fg_steer_rule *r, uint32_t n, const char *const *want, uint32_t nwant)
{
	char buf[200];

	cr_assert_eq(n, nwant, "%u rules, expected %u", n, nwant);
	for (uint32_t i = 0; i < n; i++) {
		fg_steer_rule_print(&r[i], buf, sizeof(buf));
		cr_expect_str_eq(buf, want[i], "rule %u", i);
	}
}

Test(steer, default_ports)
{
	uint16_t port[8];
	uint8_t l4[8], cls[8];

	cr_assert_eq(fg_steer_ports(cc, port, l4, cls, 8), 5);
	cr_expect_eq(port[0], 1270);
	cr_expect_eq(l4[0], FG_IPPROTO_TCP);
	cr_expect_eq(cls[0], FG_CLASS_MOM);
	cr_expect_eq(port[2], 5061);
	cr_expect_eq(cls[2], FG_CLASS_SIP_TLS);
	cr_expect_eq(port[4], 5060);
	cr_expect_eq(l4[4], FG_IPPROTO_UDP);
	cr_expect_eq(cls[4], FG_CLASS_SIP);
}

Test(steer, queue_without_prefixes)
{
	static const char *const want[] = {
		"queue ipv6 tcp src any dst any dport 1270",
		"queue ipv6 tcp src any dst any dport 5060",
		"queue ipv6 tcp src any dst any dport 5061",
		"queue ipv6 udp src any dst any dport 1270",
		"queue ipv6 udp src any dst any dport 5060",
		"queue ipv4 tcp src any dst any dport 1270",
		"queue ipv4 tcp src any dst any dport 5060",
		"queue ipv4 tcp src any dst any dport 5061",
		"queue ipv4 udp src any dst any dport 1270",
		"queue ipv4 udp src any dst any dport 5060",
	};
	struct fg_steer_rule r[16];
	int n = fg_steer_build_queue(cc, NULL, 0, r, 16);

	cr_assert_eq(n, 10);
	expect(r, (uint32_t)n, want, 10);
	for (int i = 0; i < n; i++) {
		cr_expect_eq(r[i].kind, FG_STEER_QUEUE);
		cr_expect_eq(r[i].prio, FG_STEER_PRIO_QUEUE);
	}
}

Test(steer, queue_to_prefixes)
{
	static const char *const want[] = {
		"queue ipv4 tcp src any dst 192.0.2.0/24 dport 1270",
		"queue ipv4 tcp src any dst 192.0.2.0/24 dport 5060",
		"queue ipv4 tcp src any dst 192.0.2.0/24 dport 5061",
		"queue ipv4 udp src any dst 192.0.2.0/24 dport 1270",
		"queue ipv4 udp src any dst 192.0.2.0/24 dport 5060",
		"queue ipv6 tcp src any dst 2001:db8::/32 dport 1270",
		"queue ipv6 tcp src any dst 2001:db8::/32 dport 5060",
		"queue ipv6 tcp src any dst 2001:db8::/32 dport 5061",
		"queue ipv6 udp src any dst 2001:db8::/32 dport 1270",
		"queue ipv6 udp src any dst 2001:db8::/32 dport 5060",
	};
	struct fg_prefix p[2] = { pfx("192.0.2.0/24"), pfx("2001:db8::/32") };
	struct fg_steer_rule r[16];
	int n = fg_steer_build_queue(cc, p, 2, r, 16);

	expect(r, (uint32_t)n, want, 10);
}

Test(steer, queue_no_room)
{
	struct fg_prefix p[1] = { pfx("192.0.2.0/24") };
	struct fg_steer_rule r[5];

	cr_expect_eq(fg_steer_build_queue(cc, p, 1, r, 4), -ENOSPC);
	cr_expect_eq(fg_steer_build_queue(cc, p, 1, r, 5), 5);
}

Test(steer, queue_other_ports)
{
	struct fg_steer_rule r[16];
	char buf[200];

	cr_assert_eq(fg_classify_cfg_port(cc, FG_IPPROTO_UDP, 5060, FG_CLASS_OTHER), 0);
	cr_assert_eq(fg_classify_cfg_port(cc, FG_IPPROTO_UDP, 9999, FG_CLASS_MOM), 0);
	struct fg_prefix p[1] = { pfx("10.0.0.1") };

	cr_assert_eq(fg_steer_build_queue(cc, p, 1, r, 16), 5);
	fg_steer_rule_print(&r[4], buf, sizeof(buf));
	cr_expect_str_eq(buf, "queue ipv4 udp src any dst 10.0.0.1/32 dport 9999");
}

Test(steer, drop_heaviest_first_within_budget)
{
	struct fg_steer_entry e[3] = {
		{ pfx("198.51.100.0/24"), FG_STEER_ALL_CLASSES, 10 },
		{ pfx("203.0.113.7"), 1u << FG_CLASS_MOM, 5000 },
		{ pfx("2001:db8::66"), 1u << FG_CLASS_SIP, 300 },
	};
	static const char *const want[] = {
		"drop ipv4 tcp src 203.0.113.7/32 dst any dport 1270",
		"drop ipv4 udp src 203.0.113.7/32 dst any dport 1270",
		"drop ipv6 tcp src 2001:db8::66/128 dst any dport 5060",
		"drop ipv6 udp src 2001:db8::66/128 dst any dport 5060",
	};
	struct fg_steer_rule r[16];
	uint32_t nin, n;

	/* the list entry needs 5 rules: 4 left after the two heavy ones */
	n = fg_steer_build_drop(cc, e, 3, r, 8, false, &nin);
	cr_assert_eq(nin, 2);
	expect(r, n, want, 4);
	cr_expect_eq(r[0].prio, FG_STEER_PRIO_DROP);
	cr_expect_eq(r[0].entry, 0);
	cr_expect_eq(r[3].entry, 1);
	cr_expect_eq(e[2].weight, 10);
	/* room for all: 9 rules */
	n = fg_steer_build_drop(cc, e, 3, r, 16, false, &nin);
	cr_expect_eq(nin, 3);
	cr_expect_eq(n, 9);
	for (uint32_t i = 4; i < 9; i++) {
		cr_expect_eq(r[i].src.len, 96 + 24);
		cr_expect_eq(r[i].entry, 2);
	}
	/* no budget: nothing */
	cr_expect_eq(fg_steer_build_drop(cc, e, 3, r, 0, false, &nin), 0);
	cr_expect_eq(nin, 0);
}

Test(steer, drop_ties_by_prefix)
{
	struct fg_steer_entry e[2] = {
		{ pfx("203.0.113.9"), 1u << FG_CLASS_SIP_TLS, 7 },
		{ pfx("203.0.113.8"), 1u << FG_CLASS_SIP_TLS, 7 },
	};
	static const char *const want[] = {
		"drop ipv4 tcp src 203.0.113.8/32 dst any dport 5061",
	};
	struct fg_steer_rule r[4];
	uint32_t nin, n = fg_steer_build_drop(cc, e, 2, r, 1, false, &nin);

	cr_expect_eq(nin, 1);
	expect(r, n, want, 1);
}

Test(steer, drop_everything_prefix)
{
	struct fg_steer_entry e[1] = { { pfx("::/0"), 1u << FG_CLASS_SIP_TLS, 1 } };
	static const char *const want[] = {
		"drop ipv6 tcp src any dst any dport 5061",
		"drop ipv4 tcp src any dst any dport 5061",
	};
	struct fg_steer_rule r[4];
	uint32_t nin, n = fg_steer_build_drop(cc, e, 1, r, 4, false, &nin);

	expect(r, n, want, 2);
}

Test(steer, drop_no_class_no_rule)
{
	struct fg_steer_entry e[1] = { { pfx("203.0.113.9"), 1u << FG_CLASS_OTHER, 7 } };
	struct fg_steer_rule r[4];
	uint32_t nin;

	cr_expect_eq(fg_steer_build_drop(cc, e, 1, r, 4, false, &nin), 0);
	cr_expect_eq(nin, 0);
}

Test(steer, drop_host_only)
{
	struct fg_steer_entry e[2] = {
		{ pfx("198.51.100.0/24"), FG_STEER_ALL_CLASSES, 10 },
		{ pfx("2001:db8::66"), 1u << FG_CLASS_SIP_TLS, 3 },
	};
	static const char *const want[] = {
		"drop ipv6 tcp src 2001:db8::66/128 dst any dport 5061",
	};
	struct fg_steer_rule r[16];
	uint32_t nin, n = fg_steer_build_drop(cc, e, 2, r, 16, true, &nin);

	cr_expect_eq(nin, 1);
	expect(r, n, want, 1);
}

/* The list thread's path: the ports read once, then one entry at a time;
 * more protected ports than FG_STEER_PORTS_MAX make no rule. */
Test(steer, drop_rules_of_portset)
{
	struct fg_steer_entry e[1] = { { pfx("203.0.113.7"), FG_STEER_ALL_CLASSES, 1 } };
	static const char *const want[] = {
		"drop ipv4 tcp src 203.0.113.7/32 dst any dport 1270",
		"drop ipv4 tcp src 203.0.113.7/32 dst any dport 5060",
		"drop ipv4 tcp src 203.0.113.7/32 dst any dport 5061",
		"drop ipv4 udp src 203.0.113.7/32 dst any dport 1270",
		"drop ipv4 udp src 203.0.113.7/32 dst any dport 5060",
	};
	struct fg_steer_portset ps;
	struct fg_steer_rule r[8];
	uint32_t nin, n;

	fg_steer_portset_of(cc, &ps);
	cr_assert_eq(ps.n, 5);
	n = fg_steer_drop_rules(&ps, e, 1, r, 8, false, &nin);
	cr_expect_eq(nin, 1);
	expect(r, n, want, 5);
	/* 4 of the 5 rules fit: all or none */
	cr_expect_eq(fg_steer_drop_rules(&ps, e, 1, r, 4, false, &nin), 0);
	cr_expect_eq(nin, 0);
	for (uint32_t p = 2000; p < 2000 + FG_STEER_PORTS_MAX; p++)
		cc->udp[p] = FG_CLASS_MOM;
	fg_steer_portset_of(cc, &ps);
	cr_expect_gt(ps.n, FG_STEER_PORTS_MAX);
	cr_expect_eq(fg_steer_drop_rules(&ps, e, 1, r, 8, false, &nin), 0);
	cr_expect_eq(nin, 0);
}

/*
 * COUNT: asked for first, left out when the PMD refuses it; what the
 * rules counted folds into the verdict counters. The PMD is a mock of
 * rte_flow_validate() here: it takes or refuses the rules with COUNT and
 * without.
 */
struct mock_pmd {
	int with_count, without;  /* what validate returns */
	unsigned int calls;
	bool asked[4];            /* COUNT asked for, per call */
};

static int
mock_validate(void *arg, bool count)
{
	struct mock_pmd *m = arg;

	cr_assert_lt(m->calls, 4u);
	m->asked[m->calls++] = count;
	return count ? m->with_count : m->without;
}

Test(steer, count_probe)
{
	struct mock_pmd mlx5 = { 0 }, tap = { .with_count = -ENOTSUP };
	struct mock_pmd none = { .with_count = -ENOTSUP, .without = -EINVAL };
	bool count = false;

	cr_expect_eq(fg_steer_probe_count(mock_validate, &mlx5, &count), 0);
	cr_expect(count, "a PMD that takes COUNT counts");
	cr_expect_eq(mlx5.calls, 1u);
	cr_expect(mlx5.asked[0]);
	cr_expect_eq(fg_steer_probe_count(mock_validate, &tap, &count), 0);
	cr_expect_not(count, "without COUNT: not counted");
	cr_expect_eq(tap.calls, 2u);
	cr_expect(tap.asked[0]);
	cr_expect_not(tap.asked[1]);
	count = true;
	cr_expect_eq(fg_steer_probe_count(mock_validate, &none, &count), -EINVAL,
		     "the refusal of the rules without COUNT is the answer");
	cr_expect_not(count);
}

Test(steer, count_fold)
{
	struct fg_steer_count t = { 0 };
	struct fg_steer_hits h = { 0 }, g = { 0 };

	cr_expect_eq(fg_steer_count_fold(&t, &h, true, FG_CLASS_MOM, 0, true, 10), 10u);
	cr_expect_eq(fg_steer_count_fold(&t, &h, true, FG_CLASS_MOM, 0, true, 25), 15u);
	cr_expect_eq(h.hits, 25u);
	cr_expect_eq(h.pps, 15u, "hits between the last two reads");
	cr_expect_eq(fg_steer_count_fold(&t, &h, true, FG_CLASS_MOM, -EIO, true, 90), 0u,
		     "a failed query adds nothing");
	cr_expect_eq(fg_steer_count_fold(&t, &h, true, FG_CLASS_MOM, 0, false, 90), 0u,
		     "a query without hits adds nothing");
	cr_expect_eq(h.hits, 25u);
	cr_expect_eq(fg_steer_count_fold(&t, &h, true, FG_CLASS_MOM, 0, true, 4), 0u,
		     "a counter gone back is the new base");
	cr_expect_eq(fg_steer_count_fold(&t, &h, true, FG_CLASS_MOM, 0, true, 6), 2u);
	cr_expect_eq(fg_steer_count_fold(&t, &g, false, FG_CLASS_SIP, 0, true, 7), 7u);
	cr_expect_eq(t.dropped[1][FG_CLASS_MOM], 27u);
	cr_expect_eq(t.dropped[0][FG_CLASS_SIP], 7u);
	cr_expect_eq(t.dropped[1][FG_CLASS_SIP] + t.dropped[0][FG_CLASS_MOM], 0u);
	cr_expect_eq(fg_steer_count_total(&t), 34u);
}

Test(steer, count_into_verdicts)
{
	struct fg_steer_count t = { 0 };
	struct fg_steer_hits h = { 0 }, g = { 0 };
	struct fg_parse_counters parse = { 0 };
	struct fg_limit_stats lim = { 0 };
	uint64_t rx = 100, verdicts = 0;

	/* the workers': 100 received, 90 passed, 10 flood-blocked */
	parse.cls[FG_CLASS_MOM] = 100;
	parse.reason[FG_R_OK] = 100;
	lim.verdict[FG_V_PASS] = 90;
	lim.verdict[FG_V_FLOOD_BLOCKED] = 10;
	/* the NIC's: 40 of a block-list entry (SIP), 5 of a flood block (1270) */
	fg_steer_count_fold(&t, &h, true, FG_CLASS_SIP, 0, true, 40);
	fg_steer_count_fold(&t, &g, false, FG_CLASS_MOM, 0, true, 5);
	fg_steer_count_into(&t, &rx, &parse, &lim);
	cr_expect_eq(rx, 145u);
	cr_expect_eq(parse.cls[FG_CLASS_MOM], 105u);
	cr_expect_eq(parse.cls[FG_CLASS_SIP], 40u);
	cr_expect_eq(parse.reason[FG_R_OK], 145u);
	cr_expect_eq(lim.verdict[FG_V_BLOCKED], 40u);
	cr_expect_eq(lim.verdict[FG_V_FLOOD_BLOCKED], 15u);
	cr_expect_eq(lim.verdict[FG_V_PASS], 90u);
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		verdicts += lim.verdict[v];
	cr_expect_eq(verdicts, rx, "received = passed + dropped, the NIC's drops included");
}
