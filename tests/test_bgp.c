/* SPDX-License-Identifier: BSD-3-Clause */
/* [bgp] checks, the rails, the speaker's commands and lines (shm/fg_bgp.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "fg_bgp.h"
#include "test_util.h"

static struct fg_bgp_cfg b;
static struct fg_bgp_text t;
static char err[256];

static void
setup(void)
{
	fg_bgp_cfg_default(&b);
	memset(&t, 0, sizeof(t));
	snprintf(t.peers, sizeof(t.peers), "198.18.9.10, 198.18.9.11");
	snprintf(t.local_address, sizeof(t.local_address), "198.18.9.1");
	b.local_as = 65000;
}

TestSuite(bgp_cfg, .init = setup);

Test(bgp_cfg, defaults_and_peers)
{
	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(b.npeers, 2);
	cr_assert_str_eq(b.peer[1], "198.18.9.11");
	cr_assert_str_eq(b.router_id, "198.18.9.1");
	cr_assert_eq(b.peer_as, 65000, "iBGP by default");
	cr_assert_eq(b.announce, FG_BGP_RTBH);
	cr_assert_str_eq(b.next_hop, "192.0.2.1");
	cr_assert_eq(b.min_len4, 24);
	cr_assert_eq(b.min_len6, 48);
}

Test(bgp_cfg, no_peers_is_off)
{
	memset(&t, 0, sizeof(t));
	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0);
	cr_assert_eq(b.npeers, 0);
}

/* Every bad value is named by its key. */
Test(bgp_cfg, errors_name_the_key)
{
	static const struct {
		size_t off, len;
		const char *value, *want;
	} bad[] = {
#define F(f) offsetof(struct fg_bgp_text, f), sizeof(((struct fg_bgp_text *)0)->f)
		{ F(peers), "198.18.9.10, router1", "[bgp] peers: 'router1' is not an address" },
		{ F(peers), "1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5", "[bgp] peers: more than 4" },
		{ F(local_address), "", "[bgp] local_address: '' is not an address" },
		{ F(router_id), "2001:db8::1", "[bgp] router_id: '2001:db8::1' is not a dotted quad" },
		{ F(announce), "blackhole", "[bgp] announce: 'blackhole' is not rtbh, flowspec or both" },
		{ F(communities), "65000:666 65536:1", "[bgp] communities: '65536:1' is not ASN:VALUE" },
		{ F(communities), "65000", "[bgp] communities: '65000' is not ASN:VALUE" },
		{ F(cluster_community), "65535:666", "[bgp] cluster_community: '65535:666'" },
		{ F(next_hop), "100::1", "[bgp] next_hop: '100::1' is not an IPv4 address" },
		{ F(next_hop6), "192.0.2.1", "[bgp] next_hop6: '192.0.2.1' is not an IPv6 address" },
#undef F
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		snprintf((char *)&t + bad[i].off, bad[i].len, "%s", bad[i].value);
		cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), -EINVAL, "%s", bad[i].value);
		cr_assert(strstr(err, bad[i].want) == err, "%s: got '%s'", bad[i].want, err);
	}
	setup();
	b.local_as = 0;
	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "[bgp] local_as: needed with peers");
}

TestSuite(bgp_rails, .init = setup);

Test(bgp_rails, refusals)
{
	static const struct {
		const char *prefix;
		uint8_t min_len4;
		enum fg_bgp_refusal want;
		const char *why;
	} cases[] = {
		{ "198.18.5.66", 24, FG_BGP_R_NONE, "a source" },
		{ "198.18.5.0/24", 24, FG_BGP_R_NONE, "/24 is long enough" },
		{ "198.18.4.0/23", 24, FG_BGP_R_TOO_SHORT, "/23 is not" },
		{ "198.18.8.8", 24, FG_BGP_R_ALLOWED, "inside an allowed /24" },
		{ "198.18.2.10", 24, FG_BGP_R_PROTECTED, "inside the protected /24" },
		{ "2001:db8:1::/48", 24, FG_BGP_R_ALLOWED, "holds an allowed /128" },
		{ "2001:db8::/47", 24, FG_BGP_R_TOO_SHORT, "shorter than min_len6" },
		{ "198.18.0.0/16", 16, FG_BGP_R_PROTECTED, "holds the protected /24" },
		{ "198.19.0.0/16", 16, FG_BGP_R_NONE, "a /16 when min_len4 says so" },
	};
	struct fg_prefix allow[] = { pfx("198.18.8.0/24"), pfx("2001:db8:1::5") };

	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0);
	b.protect[b.nprotect++] = pfx("198.18.2.0/24");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fg_prefix p = pfx(cases[i].prefix);

		b.min_len4 = cases[i].min_len4;
		cr_assert_eq(fg_bgp_rails(&b, &p, allow, 2), cases[i].want, "%s: %s",
			     cases[i].prefix, cases[i].why);
	}
}

TestSuite(bgp_commands, .init = setup);

Test(bgp_commands, rtbh)
{
	struct fg_prefix p = pfx("198.18.5.66");
	char out[1024];

	snprintf(t.communities, sizeof(t.communities), "65000:1");
	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0);
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_MOM, false, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "announce route 198.18.5.66/32 next-hop 192.0.2.1 community "
			 "[ 65535:666 no-export 65000:1 ]\n");
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_MOM, true, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "withdraw route 198.18.5.66/32 next-hop 192.0.2.1 community "
			 "[ 65535:666 no-export 65000:1 ]\n");
	p = pfx("2001:db8::66");
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_MOM, false, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "announce route 2001:db8::66/128 next-hop 100::1 community "
			 "[ 65535:666 no-export 65000:1 ]\n");
}

Test(bgp_commands, flowspec_per_protected_prefix_and_class_ports)
{
	struct fg_prefix p = pfx("198.18.5.66");
	char out[2048];

	snprintf(t.announce, sizeof(t.announce), "flowspec");
	snprintf(t.cluster_community, sizeof(t.cluster_community), "65000:100");
	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0);
	b.protect[b.nprotect++] = pfx("198.18.2.0/24");
	b.protect[b.nprotect++] = pfx("2001:db8:2::/64");
	b.protect[b.nprotect++] = pfx("198.18.3.0/24");
	b.ports[FG_CLASS_SIP][0] = FG_IPPROTO_TCP << 16 | 5060;
	b.ports[FG_CLASS_SIP][1] = FG_IPPROTO_UDP << 16 | 5060;
	/* flowspec only: the cluster still gets a unicast route, without 65535:666 */
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_SIP, false, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), 3);
	cr_assert_str_eq(out,
		"announce route 198.18.5.66/32 next-hop 192.0.2.1 community [ 65000:100 ]\n"
		"announce flow route source 198.18.5.66/32 destination 198.18.2.0/24 protocol "
		"[ =tcp =udp ] destination-port [ =5060 ] discard community [ 65000:100 ]\n"
		"announce flow route source 198.18.5.66/32 destination 198.18.3.0/24 protocol "
		"[ =tcp =udp ] destination-port [ =5060 ] discard community [ 65000:100 ]\n");
	/* a list block: every port */
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_COUNT, true, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), 3);
	cr_assert(strstr(out, "withdraw flow route source 198.18.5.66/32 destination "
			 "198.18.3.0/24 discard community [ 65000:100 ]\n") != NULL, "%s", out);
	p = pfx("2001:db8::66");
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_SIP, false, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), 2);
	cr_assert(strstr(out, "announce flow route source 2001:db8::66/128 destination "
			 "2001:db8:2::/64 next-header [ =tcp =udp ] destination-port [ =5060 ] "
			 "discard") != NULL, "%s", out);
}

Test(bgp_commands, too_small_a_buffer)
{
	struct fg_prefix p = pfx("198.18.5.66");
	char out[40];

	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0);
	cr_assert_eq(fg_bgp_commands(&b, &p, FG_CLASS_MOM, false, FG_BGP_C_UNICAST | FG_BGP_C_FLOW, out, sizeof(out)), -ENOSPC);
}

#define CLUSTER ((65000u << 16) | 100u)

Test(bgp_parse, sessions_and_acks)
{
	struct fg_bgp_msg m;

	cr_assert_eq(fg_bgp_parse("neighbor 198.18.9.10 up", CLUSTER, &m), 0);
	cr_assert_eq(m.kind, FG_BGP_M_UP);
	cr_assert_str_eq(m.peer, "198.18.9.10");
	fg_bgp_parse("neighbor 198.18.9.10 down - peer reset, message (closing connection)",
		     CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_DOWN);
	fg_bgp_parse("neighbor 198.18.9.10 connected", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_OTHER);
	fg_bgp_parse("done", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_DONE);
	fg_bgp_parse("error", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_ERROR);
	fg_bgp_parse("", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_OTHER);
}

Test(bgp_parse, updates)
{
	struct fg_bgp_msg m;

	cr_assert_eq(fg_bgp_parse("neighbor 198.18.9.10 receive update announced 198.18.6.6/32 "
				  "next-hop 192.0.2.1 origin igp local-preference 100 community "
				  "[ 65535:666 no-export 65000:100 ] originator-id 198.18.9.2 "
				  "cluster-list [ 198.18.9.10 ]", CLUSTER, &m), 0);
	cr_assert_eq(m.kind, FG_BGP_M_ANNOUNCE);
	cr_assert(m.cluster);
	cr_assert_str_eq(m.origin, "198.18.9.2");
	cr_assert_eq(m.p.len, 128);
	fg_bgp_parse("neighbor 198.18.9.10 receive update announced 198.18.6.7/32 next-hop "
		     "192.0.2.1 community 65000:100", CLUSTER, &m);
	cr_assert(m.cluster, "a single community has no brackets");
	cr_assert_str_eq(m.origin, "");
	fg_bgp_parse("neighbor 198.18.9.10 receive update announced 198.18.6.8/32 next-hop "
		     "192.0.2.1 community [65535:666 65000:1] med 100 large-community 65000:100:1",
		     CLUSTER, &m);
	cr_assert_not(m.cluster, "brackets glued to the values, no cluster community");
	fg_bgp_parse("neighbor 198.18.9.10 receive update announced 198.18.6.8/32 next-hop "
		     "192.0.2.1 community [65000:100]", CLUSTER, &m);
	cr_assert(m.cluster);
	fg_bgp_parse("neighbor 198.18.9.10 receive update withdrawn 198.18.6.6/32", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_WITHDRAW);
	fg_bgp_parse("neighbor 2001:db8::a receive update announced 2001:db8:6::/64 next-hop "
		     "100::1 community [ 65000:100 ]", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_ANNOUNCE);
	cr_assert_str_eq(m.peer, "2001:db8::a");
	cr_assert_eq(m.p.len, 64);
	fg_bgp_parse("neighbor 198.18.9.10 receive update announced flow destination-ipv4 "
		     "198.18.2.0/24 source-ipv4 198.18.5.66/32 extended-community rate-limit:0",
		     CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_FLOW);
	fg_bgp_parse("neighbor 198.18.9.10 receive update flow destination-ipv4 198.18.2.0/24",
		     CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_FLOW);
	fg_bgp_parse("neighbor 198.18.9.10 receive update start", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_OTHER);
	fg_bgp_parse("neighbor 198.18.9.10 receive update route ipv4 unicast eor", CLUSTER, &m);
	cr_assert_eq(m.kind, FG_BGP_M_OTHER, "end-of-RIB");
	/* no cluster configured: nothing carries it */
	fg_bgp_parse("neighbor 198.18.9.10 receive update announced 198.18.6.7/32 next-hop "
		     "192.0.2.1 community 65000:100", 0, &m);
	cr_assert_not(m.cluster);
}

/* Whatever comes in, nothing crashes and a line is one kind. */
Test(bgp_parse, garbage)
{
	static const char *const lines[] = {
		"neighbor", "neighbor 1.2.3.4", "neighbor 1.2.3.4 receive",
		"neighbor 1.2.3.4 receive update announced",
		"neighbor 1.2.3.4 receive update announced 10.0.0.1/33 next-hop x",
		"neighbor 1.2.3.4 receive update announced 10.0.0.1/32 community [ [ ] ] ]",
		"neighbor 1.2.3.4 receive update announced 10.0.0.1/32 community",
		"neighbor 1.2.3.4 receive update announced 10.0.0.1/32 originator-id",
		"neighbor 01234567890123456789012345678901234567890123456789012345678901234567 up",
	};
	struct fg_bgp_msg m;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fg_bgp_parse(lines[i], CLUSTER, &m);
		cr_assert(m.kind <= FG_BGP_M_ERROR);
		cr_assert(strlen(m.peer) < sizeof(m.peer));
	}
}

Test(bgp_commands, batch_of_unicast_routes)
{
	struct fg_prefix p[3] = { pfx("198.18.5.66"), pfx("198.18.5.67"), pfx("198.18.6.0/24") };
	char out[512], small[80];

	cr_assert_eq(fg_bgp_cfg_text(&b, &t, err, sizeof(err)), 0);
	cr_assert_eq(fg_bgp_unicast_batch(&b, p, 3, false, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "announce attributes next-hop 192.0.2.1 community "
			 "[ 65535:666 no-export ] nlri 198.18.5.66/32 198.18.5.67/32 198.18.6.0/24\n");
	cr_assert_eq(fg_bgp_unicast_batch(&b, p, 1, true, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "withdraw attributes next-hop 192.0.2.1 community "
			 "[ 65535:666 no-export ] nlri 198.18.5.66/32\n");
	cr_assert_eq(fg_bgp_unicast_batch(&b, p, 3, false, small, sizeof(small)), -ENOSPC);
	cr_assert_eq(fg_bgp_unicast_batch(&b, p, 0, false, out, sizeof(out)), 0);
	/* FlowSpec only and no cluster: no unicast route at all */
	b.announce = FG_BGP_FLOWSPEC;
	cr_assert_eq(fg_bgp_unicast_batch(&b, p, 3, false, out, sizeof(out)), 0);
	cr_assert_eq(fg_bgp_commands(&b, &p[0], FG_CLASS_MOM, false, FG_BGP_C_UNICAST, out,
				     sizeof(out)), 0);
	/* the parts apart */
	b.announce = FG_BGP_RTBH | FG_BGP_FLOWSPEC;
	cr_assert_eq(fg_bgp_commands(&b, &p[0], FG_CLASS_COUNT, false, FG_BGP_C_FLOW, out,
				     sizeof(out)), 1);
	cr_assert_str_eq(out, "announce flow route source 198.18.5.66/32 discard\n");
}
