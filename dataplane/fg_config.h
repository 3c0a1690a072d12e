/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_CONFIG_H
#define FG_CONFIG_H

/**
 * @file
 * floodguard's configuration: defaults, the INI file (read with DPDK's
 * rte_cfgfile), checks. Every key is one row of a table (fg_config.c)
 * that also prints the effective configuration and docs/config.md's key
 * list is tested against it. Errors name the section and the key.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fg_bgp.h"
#include "fg_decide.h"
#include "fg_fed.h"
#include "fg_parse.h"
#include "fg_prefix.h"
#include "fg_srctab.h"

enum fg_mode {
	FG_MODE_INLINE = 0,   /**< two ports, a bump in the wire */
	FG_MODE_HOST,         /**< one port, allowed traffic to an exception port */
	FG_MODE_OFFLINE,      /**< capture in, capture out, capture's clock */
	FG_MODE_COUNT
};

/** [dataplane] steering: NIC rules (docs/steering.md). */
enum fg_steering {
	FG_STEERING_AUTO = 0,    /**< the rules the NIC takes; the rest in software */
	FG_STEERING_OFF,         /**< no rules: every packet to the workers (RSS) */
	FG_STEERING_REQUIRED,    /**< every rule in the NIC, or no start */
	FG_STEERING_COUNT
};

/** [dataplane] rss: what RSS hashes, and so who writes a source's entry. */
enum fg_rss {
	FG_RSS_FLOW = 0,         /**< addresses and ports: workers share sources (CAS) */
	FG_RSS_SOURCE,           /**< the source address: one worker per source */
	FG_RSS_PRESPLIT,         /**< as source; queues trusted to come split by source */
	FG_RSS_COUNT
};

#define FG_PREFIX_MAX 64


struct fg_config {
	/* [dataplane]: how it runs */
	enum fg_mode mode;
	uint16_t ext_port;          /**< inline: the outside */
	uint16_t int_port;          /**< inline: the protected side */
	uint16_t queues;            /**< RX and TX queues per port (RSS) */
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint32_t mbufs;             /**< mbufs in the pool */
	uint16_t mbuf_size;         /**< data room of one mbuf, headroom included */
	uint32_t stats_interval;    /**< s between log lines of counters; 0: off */
	char exception[256];        /**< host: vdev of the exception port */
	uint8_t rst_on_block;       /**< inline: TCP resets on a flood block (fg_rst.h) */
	uint8_t log_level;          /**< rte_log level of floodguard's lines (RTE_LOG_*) */
	uint8_t monitor[FG_MON_COUNT];  /**< scopes in monitor mode (fg_verdict.h) */
	enum fg_rss rss;            /**< what RSS hashes (fg_port_start()) */
	enum fg_steering steering;  /**< NIC rules (fg_flow.c) */
	uint32_t hw_drop_rules;     /**< NIC drop rules at most */
	uint32_t hw_drop_min_pps;   /**< a flood block's rate that earns drop rules */
	/* [table] */
	struct fg_srctab_params table;
	bool table_full_pass;
	/* [protect]: direction in host and offline mode */
	uint32_t nprefix;
	struct fg_prefix prefix[FG_PREFIX_MAX];
	/* [sip-rules], [lists]: SIP federation (docs/sip.md) */
	struct fg_fed_cfg fed;
	struct fg_fed_lists lists;         /**< the domain lists */
	uint32_t nallow, nblock;           /**< [lists] allow, block: prefixes (tag config) */
	struct fg_prefix allow[FG_FED_LIST_MAX];
	struct fg_prefix block[FG_FED_LIST_MAX];
	struct fg_pfxset_cfg pfx;          /**< [lists] max_prefixes, v4_groups: sizes */
	/* [control]: floodctl's segment and the lists' state file */
	char instance[32];
	char group[32];
	char state_file[256];
	/* [mom], [sip], [sip-tls]: the core's settings */
	struct fg_limit_cfg limits;
	struct fg_classify_cfg classify;   /**< 128 KiB: allocate fg_config */
	struct fg_bgp_text bgp_text;       /**< [bgp] as written */
	struct fg_bgp_cfg bgp;             /**< [bgp] checked (fg_config_finish()) */
};

/** Defaults: everything docs/config.md says. */
void fg_config_default(struct fg_config *c);

/**
 * Read an INI file over @p c (keys not in the file keep their value).
 * @return 0, or -1 with a message naming the file, the section, the key
 * and the problem in @p err.
 */
int fg_config_load(struct fg_config *c, const char *path, char *err, size_t errlen);

/** Set one key ("section", "key", "value"): the file and --set use this. */
int fg_config_set(struct fg_config *c, const char *section, const char *key,
		  const char *value, char *err, size_t errlen);

/**
 * After loading: derive what follows from the keys (the SIP parser's
 * bounds, the table-full policy) and check across keys (each class's
 * limits, the ports of the mode). @return 0 or -1 with @p err.
 */
int fg_config_finish(struct fg_config *c, char *err, size_t errlen);

/** Whether a key may change while running (floodctl set). @return 0 or -1 with @p err. */
int fg_config_runtime(const char *section, const char *key, char *err, size_t errlen);

/**
 * Reload: @p out becomes @p run with the keys that may change while
 * running (floodctl set) taken from @p next (both finished). The live keys
 * that differ are listed in @p changed, the [lists] entries that differ in
 * @p lists (merged by the caller: fg_control_lists_merge()), the others
 * (sizes, ports: left as they run) in @p restart, as "[section] key, ...".
 * @return the number of keys changed, or -1 with @p err.
 */
int fg_config_merge_live(const struct fg_config *run, const struct fg_config *next,
			 struct fg_config *out, char *changed, size_t clen, char *restart,
			 size_t rlen, char *lists, size_t llen, char *err, size_t errlen);

/** The value of one key as fg_config_print() writes it, into @p buf. */
int fg_config_get(const struct fg_config *c, const char *section, const char *key, char *buf,
		  size_t len, char *err, size_t errlen);

/** Print the effective configuration as an INI file that loads back. */
void fg_config_print(const struct fg_config *c, FILE *f);

/** Print the key table (section, key, unit, default, meaning) as Markdown. */
void fg_config_print_keys(FILE *f);

/** "auto", "off", "required". */
const char *fg_steering_name(enum fg_steering s);

/** "flow", "source" or "presplit". */
const char *fg_rss_name(enum fg_rss r);

/** "inline", "host", "offline". */
const char *fg_mode_name(enum fg_mode m);

/** Whether @p addr (16 bytes, IPv4 mapped) is inside a [protect] prefix. */
bool fg_config_protected(const struct fg_config *c, const uint8_t addr[16]);

#endif /* FG_CONFIG_H */
