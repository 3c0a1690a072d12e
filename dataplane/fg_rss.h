/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What RSS hashes under [dataplane] rss, from what a PMD offers
 * (docs/architecture.md, "Who writes a source's entry").
 */
#ifndef FG_RSS_H
#define FG_RSS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include "fg_config.h"

/**
 * The RSS types of the outside port's queues (and its steering rules)
 * under @p rss, from the PMD's flow_type_rss_offloads @p offl, in
 * @p types: flow: addresses and ports; source and presplit: the source
 * address alone where the PMD can (it offers RTE_ETH_RSS_IPV4, every
 * IPv4 packet by its addresses, and RTE_ETH_RSS_L3_SRC_ONLY: mlx5, not
 * i40e, which hashes per packet type), else as flow. @p per_source (may
 * be NULL): each source reaches one queue (source where the PMD hashes
 * the source alone; presplit always, the operator's word).
 * @return 0, or -ENOTSUP: presplit, and the PMD would spread flows.
 */
static inline int
fg_rss_types(enum fg_rss rss, uint64_t offl, uint64_t *types, bool *per_source)
{
	bool src_only = (offl & RTE_ETH_RSS_L3_SRC_ONLY) != 0 && (offl & RTE_ETH_RSS_IPV4) != 0;

	*types = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & offl;
	if (rss != FG_RSS_FLOW && src_only)
		*types = (RTE_ETH_RSS_IP & offl) | RTE_ETH_RSS_L3_SRC_ONLY;
	if (per_source != NULL)
		*per_source = rss == FG_RSS_PRESPLIT || (rss == FG_RSS_SOURCE && src_only);
	return rss == FG_RSS_PRESPLIT && *types != 0 && !src_only ? -ENOTSUP : 0;
}

#endif /* FG_RSS_H */
