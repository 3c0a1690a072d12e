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
