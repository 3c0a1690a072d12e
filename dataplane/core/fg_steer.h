/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_STEER_H
#define FG_STEER_H

/**
 * @file
 * The NIC rules floodguard asks for (docs/steering.md), as plain data: a
 * pure function of the configuration (the classified ports, the [protect]
 * prefixes) and of the blocked sources. fg_flow.c turns each rule into an
 * rte_flow pattern and actions; the unit tests check the rules without a
 * NIC.
 *
 * - Steering rules (host mode): one per protected (protocol, port) and
 *   protected prefix (or IPv4 and IPv6 "any" without [protect]): RSS over
 *   the workers' queues. With the port isolated, nothing else reaches
 *   the data plane.
 * - Drop rules: a blocked source prefix with each protected (protocol,
 *   port) of the block's classes, so that the NIC drops exactly what the
 *   data plane would drop (a blocked source's other traffic passes, as in
 *   software). Heaviest sources first, at most a budget of rules; an
 *   entry gets all its rules or none.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fg_decide.h"
#include "fg_parse.h"
#include "fg_prefix.h"

enum fg_steer_kind {
	FG_STEER_QUEUE = 0,   /**< RSS over the workers' queues */
	FG_STEER_DROP,        /**< drop (and count) in the NIC */
	FG_STEER_KIND_COUNT
};

/** Priorities of the rules (rte_flow_attr.priority: lower first). */
#define FG_STEER_PRIO_DROP 0
#define FG_STEER_PRIO_QUEUE 1

/** One NIC rule: ingress, Ethernet / IPv4|IPv6 / TCP|UDP. */
struct fg_steer_rule {
	uint8_t kind;            /**< enum fg_steer_kind */
	uint8_t ip;              /**< 4 or 6: the pattern's L3 item */
	uint8_t l4;              /**< FG_IPPROTO_TCP, FG_IPPROTO_UDP */
	uint8_t cls;             /**< enum fg_class of the port */
	uint16_t dport;
	uint16_t prio;           /**< FG_STEER_PRIO_* */
	struct fg_prefix src;    /**< len 0: any (mapped: len counts 96 bits for IPv4) */
	struct fg_prefix dst;
	uint32_t entry;          /**< DROP: index of its entry in the input */
};

/** A blocked source as the drop rules see it. */
struct fg_steer_entry {
	struct fg_prefix p;
	uint32_t classes;        /**< bit per enum fg_class it is blocked in */
	uint64_t weight;         /**< its drop rate, pps: heaviest first */
};

/** Every class the lists cover: a block-list entry. */
#define FG_STEER_ALL_CLASSES ((1u << FG_CLASS_MOM) | (1u << FG_CLASS_SIP) | \
			      (1u << FG_CLASS_SIP_TLS))

/**
 * The protected (protocol, port, class) triples of @p cc, TCP first, by
 * port. @return how many (at most @p max written).
 */
uint32_t fg_steer_ports(const struct fg_classify_cfg *cc, uint16_t *port, uint8_t *l4,
			uint8_t *cls, uint32_t max);

/**
 * The steering rules of @p cc and the @p nprefix [protect] prefixes into
 * @p out (room for @p max). @return how many, or -ENOSPC (none written
 * beyond @p max: the caller steers nothing then).
 */
int fg_steer_build_queue(const struct fg_classify_cfg *cc, const struct fg_prefix *prefix,
			 uint32_t nprefix, struct fg_steer_rule *out, uint32_t max);

/** Most protected (protocol, port) pairs drop rules are made for. */
#define FG_STEER_PORTS_MAX 64

/** The protected (protocol, port, class) triples of a configuration,
 * read once: fg_steer_ports() scans both 65536-port tables. */
struct fg_steer_portset {
	uint32_t n;              /**< how many (above FG_STEER_PORTS_MAX: too many for rules) */
	uint16_t port[FG_STEER_PORTS_MAX];
	uint8_t l4[FG_STEER_PORTS_MAX];
	uint8_t cls[FG_STEER_PORTS_MAX];
};

/** @p ps from @p cc (fg_steer_ports()). */
void fg_steer_portset_of(const struct fg_classify_cfg *cc, struct fg_steer_portset *ps);

/**
 * fg_steer_build_drop() with the ports read already: what the list
 * thread calls for each prefix a block-list change touches.
 */
uint32_t fg_steer_drop_rules(const struct fg_steer_portset *ps, struct fg_steer_entry *e,
			     uint32_t n, struct fg_steer_rule *out, uint32_t max, bool host_only,
			     uint32_t *nin);

/**
 * The drop rules of @p n entries (reordered: heaviest first, then by
 * prefix) into @p out, at most @p max; an entry whose rules do not all
 * fit is skipped (the data plane drops its packets in software), and so
 * is a prefix shorter than one address when @p host_only (a NIC that
 * matches addresses exactly or not at all: i40e's flow director ignores
 * a partial mask, and would drop every source).
 * @return the rules written; *@p nin: the entries in hardware.
 */
uint32_t fg_steer_build_drop(const struct fg_classify_cfg *cc, struct fg_steer_entry *e,
			     uint32_t n, struct fg_steer_rule *out, uint32_t max, bool host_only,
			     uint32_t *nin);

/** Print @p r as "drop udp src 198.51.100.0/24 dport 1270" (for the log, tests). */
void fg_steer_rule_print(const struct fg_steer_rule *r, char *buf, size_t len);

/*
 * The drop rules' COUNT action. Asked for where the PMD takes it (mlx5,
 * ice), left out where it does not (i40e, TAP): what the NIC drops then is
 * not in the verdict counters. What a rule counted is folded into totals
 * by list/flood and class, which the verdict counters take in, so
 * received = passed + dropped holds with the NIC's drops included.
 */

/** What the drop rules counted, packets: [0 flood block, 1 block list][class]. */
struct fg_steer_count {
	uint64_t dropped[2][FG_CLASS_COUNT];
};

/** One rule's COUNT. */
struct fg_steer_hits {
	uint64_t hits;           /**< as last read */
	uint64_t pps;            /**< hits between the last two reads */
};

/**
 * Whether the drop rules take COUNT: @p validate(@p arg, true) (the rules
 * with COUNT), then, refused, @p validate(@p arg, false).
 * @return 0 (*@p count: with COUNT), or the refusal of the rules without
 * COUNT (negative errno, validate's).
 */
int fg_steer_probe_count(int (*validate)(void *arg, bool count), void *arg, bool *count);

/**
 * Fold a query of a rule's COUNT into @p h and @p t (the rule of a
 * block-list entry when @p list, its class @p cls): @p qrc the query's
 * return, @p hits_set and @p hits what it read. A failed query or one
 * without hits changes nothing; a counter that went back (reset) is the
 * new base. Single writer; @p t is stored with relaxed 64-bit stores
 * for readers on other threads (fg_steer_count_into()).
 * @return the packets added to @p t.
 */
uint64_t fg_steer_count_fold(struct fg_steer_count *t, struct fg_steer_hits *h, bool list,
			     uint8_t cls, int qrc, bool hits_set, uint64_t hits);

/**
 * Add @p t to a struct fg_counters' received (@p rx), classes and parser
 * reasons (@p parse: parsed OK) and verdicts (@p lim).
 */
void fg_steer_count_into(const struct fg_steer_count *t, uint64_t *rx,
			 struct fg_parse_counters *parse, struct fg_limit_stats *lim);

/** The total of @p t. */
uint64_t fg_steer_count_total(const struct fg_steer_count *t);

#endif /* FG_STEER_H */
