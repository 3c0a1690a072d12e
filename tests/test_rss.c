/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fg_rss_types(): what the outside port's RSS hashes under [dataplane]
 * rss, for the offloads of the PMDs it meets (mlx5's, i40e's, TAP's and
 * none), and whether each source then reaches one queue.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "fg_rss.h"

/* flow_type_rss_offloads as DPDK 22.11's PMDs report them */
#define MLX5 (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_L3_SRC_ONLY | \
	      RTE_ETH_RSS_L3_DST_ONLY | RTE_ETH_RSS_L4_SRC_ONLY | RTE_ETH_RSS_L4_DST_ONLY)
#define I40E (RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
	      RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV4_OTHER | \
	      RTE_ETH_RSS_FRAG_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP | \
	      RTE_ETH_RSS_NONFRAG_IPV6_UDP | RTE_ETH_RSS_NONFRAG_IPV6_OTHER)
#define TAP (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP)
#define FLOW (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

struct rss_case {
	enum fg_rss rss;
	uint64_t offl;
	int rc;
	uint64_t types;
	bool per_source;
};

static void
check(const struct rss_case *c)
{
	uint64_t types = 0;
	bool per = !c->per_source;
	int rc = fg_rss_types(c->rss, c->offl, &types, &per);

	cr_expect_eq(rc, c->rc, "rss %d offl %#llx: rc %d, want %d", (int)c->rss,
		     (unsigned long long)c->offl, rc, c->rc);
	cr_expect_eq(types, c->types, "rss %d offl %#llx: types %#llx, want %#llx",
		     (int)c->rss, (unsigned long long)c->offl,
		     (unsigned long long)types, (unsigned long long)c->types);
	cr_expect_eq(per, c->per_source, "rss %d offl %#llx: per source %d", (int)c->rss,
		     (unsigned long long)c->offl, per);
}

Test(rss, flow_hashes_addresses_and_ports_shared)
{
	const struct rss_case c[] = {
		{ FG_RSS_FLOW, MLX5, 0, FLOW, false },
		{ FG_RSS_FLOW, I40E, 0, I40E, false },
		{ FG_RSS_FLOW, TAP, 0, TAP, false },
		{ FG_RSS_FLOW, 0, 0, 0, false },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		check(&c[i]);
}

Test(rss, source_only_where_the_pmd_hashes_the_source_alone)
{
	const struct rss_case c[] = {
		/* mlx5: the IP types on the source address, one writer per source */
		{ FG_RSS_SOURCE, MLX5, 0, RTE_ETH_RSS_IP | RTE_ETH_RSS_L3_SRC_ONLY, true },
		/* i40e hashes per packet type and offers no source-only: as flow */
		{ FG_RSS_SOURCE, I40E, 0, I40E, false },
		{ FG_RSS_SOURCE, I40E | RTE_ETH_RSS_L3_SRC_ONLY, 0, I40E, false },
		{ FG_RSS_SOURCE, TAP, 0, TAP, false },
		/* no RSS (net_pcap, net_ring, memif): nothing to say it splits */
		{ FG_RSS_SOURCE, 0, 0, 0, false },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		check(&c[i]);
}

Test(rss, presplit_trusts_unless_the_pmd_spreads_flows)
{
	const struct rss_case c[] = {
		{ FG_RSS_PRESPLIT, 0, 0, 0, true },
		{ FG_RSS_PRESPLIT, MLX5, 0, RTE_ETH_RSS_IP | RTE_ETH_RSS_L3_SRC_ONLY, true },
		{ FG_RSS_PRESPLIT, TAP, -ENOTSUP, TAP, true },
		{ FG_RSS_PRESPLIT, I40E, -ENOTSUP, I40E, true },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		check(&c[i]);
}

Test(rss, per_source_may_be_null)
{
	uint64_t t;

	cr_expect_eq(fg_rss_types(FG_RSS_SOURCE, MLX5, &t, NULL), 0);
	cr_expect_eq(t, RTE_ETH_RSS_IP | RTE_ETH_RSS_L3_SRC_ONLY);
}
