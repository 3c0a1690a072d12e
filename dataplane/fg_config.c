/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration keys as a table: section, key, type, where it lives,
 * bounds, unit, meaning. Loading, --print-config and the key list in
 * docs/config.md all come from this one table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "fg_config.h"
#include "fg_err.h"

enum fg_ktype {
	FG_K_UINT = 0,   /**< unsigned integer of size `size` */
	FG_K_NAME,       /**< one of the names of set `arg` (name_sets), stored as its index */
	FG_K_STR,
	FG_K_PORTS,      /**< comma-separated ports of class `arg`, proto `arg2` */
	FG_K_PREFIXES,   /**< comma-separated prefixes: array at off, count at cnt */
	FG_K_DOMAINS,    /**< comma-separated SIP domains: array at off, count at cnt */
	FG_K_BOUND,      /**< comma-separated domain@prefix|prefix... (allowed domains) */
	FG_K_FEDMODE,    /**< high | medium (enum fg_fed_mode) */
	FG_K_COUNT
};

struct fg_key {
	const char *section;
	const char *name;
	enum fg_ktype type;
	size_t off;
	size_t cnt;      /**< lists: offset of the uint32_t count; max = capacity */
	uint16_t size;
	uint8_t arg, arg2;
	uint64_t min, max;
	const char *unit;
	const char *help;
	bool live;           /**< floodctl set may change it while running */
	const char *check;   /**< the fg_class_limits_check() field it reports */
};

/* the name sets of FG_K_NAME keys */
enum { FG_N_MODE, FG_N_STEERING, FG_N_RSS, FG_N_WHEN_FULL, FG_N_LOG, FG_N_COUNT };

#define OFF(f) offsetof(struct fg_config, f)
#define SZ(f) sizeof(((struct fg_config *)0)->f)
#define U_(sec, key, f, lo, hi, unit, help, live, cls, check) \
	{ sec, key, FG_K_UINT, OFF(f), 0, SZ(f), cls, 0, lo, hi, unit, help, live, check }
#define U(sec, key, f, lo, hi, unit, help) U_(sec, key, f, lo, hi, unit, help, false, 0, NULL)
/* changeable while running: thresholds, not sizes */
#define LIVE(sec, key, f, lo, hi, unit, help) U_(sec, key, f, lo, hi, unit, help, true, 0, NULL)
#define LIST(sec, key, type, f, n, cap, unit, help) \
	{ sec, key, type, OFF(f), OFF(n), 0, 0, 0, 0, cap, unit, help, false, NULL }
#define K(...) { __VA_ARGS__, false, NULL }
#define NAME(sec, key, set, f, help, live) \
	{ sec, key, FG_K_NAME, OFF(f), 0, SZ(f), set, 0, 0, 0, "", help, live, NULL }
#define STR(sec, key, f, unit, help) \
	K(sec, key, FG_K_STR, OFF(f), 0, SZ(f), 0, 0, 0, 0, unit, help)
/* a limit of class c; check: the fg_class_limits_check() field it reports */
#define LIMC(sec, c, key, f, hi, unit, check, help) \
	U_(sec, key, limits.cls[c].f, 0, hi, unit, help, true, c, check)
#define LIM(sec, c, key, f, hi, unit, help) LIMC(sec, c, key, f, hi, unit, NULL, help)
/* FG_MON_<class> of FG_CLASS_<class> (CLASS_KEYS) */
#define FG_MON_FG_CLASS_MOM FG_MON_MOM
#define FG_MON_FG_CLASS_SIP FG_MON_SIP
#define FG_MON_FG_CLASS_SIP_TLS FG_MON_SIP_TLS
#define CLASS_KEYS(sec, c) \
	LIM(sec, c, "pps", pps.rate, FG_RATE_MAX, "packets/s", \
	    "per-source packet rate; 0: off"), \
	LIMC(sec, c, "pps_burst", pps.burst, FG_BURST_MAX, "packets", "pps", \
	     "packets a source may send at once above the rate"), \
	LIM(sec, c, "bps", bps.rate, FG_RATE_MAX, "bytes/s", \
	    "per-source byte rate (IP length); 0: off"), \
	LIMC(sec, c, "bps_burst", bps.burst, FG_BURST_MAX, "bytes", "bps", \
	     "byte burst; at least 65535 when bps is set"), \
	LIM(sec, c, "syn", syn.rate, FG_RATE_MAX, "SYN/s", \
	    "new TCP connections per second per source; 0: off"), \
	LIMC(sec, c, "syn_burst", syn.burst, FG_BURST_MAX, "SYN", "syn", "SYN burst"), \
	LIM(sec, c, "window_events", win_events, FG_WINDOW_COUNT_MAX - 1, "events", \
	    "more than this many events (UDP datagrams, TCP segments with " \
	    "payload) in window_ms blocks the source; 0: off"), \
	LIMC(sec, c, "window_ms", win_ms, (1u << 30) - 1, "ms", "window", \
	     "the flood rule's window"), \
	LIMC(sec, c, "block_ms", block_ms, UINT32_MAX, "ms", "block", \
	     "how long a flooding source stays blocked (its first offence)"), \
	LIM(sec, c, "block_factor", block_factor, 16, "times", \
	    "a repeat offence's penalty: block_ms x block_factor^(offences - 1); " \
	    "0 or 1: no escalation"), \
	LIMC(sec, c, "block_max_ms", block_max_ms, UINT32_MAX, "ms", "block_max_ms", \
	     "cap of an escalated penalty (before jitter); 0: block_ms"), \
	LIMC(sec, c, "block_jitter_pct", block_jitter_pct, 100, "%", "block_jitter_pct", \
	     "each penalty moved by a random +-this % (at most 50)"), \
	LIMC(sec, c, "offence_memory_s", offence_memory_s, UINT32_MAX, "s", \
	     "offence_memory_s", "offences forgotten after this long without one " \
	     "(at most 266000); 0: no escalation"), \
	LIM(sec, c, "max_msg", max_msg, UINT32_MAX, "bytes", \
	    "largest L4 payload; larger: too-many-params; 0: off"), \
	MON(sec, FG_MON_ ## c, "the class's rules (limits, flood rule, bounds, malformed)")
/* a scope's monitor switch (fg_verdict.h) */
#define MON(sec, s, what) \
	LIVE(sec, "monitor", monitor[s], 0, 1, "0/1", \
	     "monitor mode for " what ": a packet they would drop passes, counted " \
	     "as a would-drop under its reason; 0: enforce")

static const struct fg_key fg_keys[] = {
	NAME("dataplane", "mode", FG_N_MODE, mode,
	     "inline, host or offline (--mode overrides it)", false),
	U("dataplane", "ext_port", ext_port, 0, 1023, "port id",
	  "inline: DPDK port facing the outside"),
	U("dataplane", "int_port", int_port, 0, 1023, "port id",
	  "inline: DPDK port facing the protected servers"),
	U("dataplane", "queues", queues, 1, 64, "queues",
	  "RX and TX queues per port; RSS spreads sources over them"),
	NAME("dataplane", "rss", FG_N_RSS, rss,
	     "what RSS hashes with several queues (docs/architecture.md): flow: addresses "
	     "and ports, a source's flows spread over the workers, which share its entry "
	     "(compare-and-swap); source: the source address alone where the NIC can, so "
	     "its one worker writes its entry with plain stores (a NIC that cannot: as "
	     "flow); presplit: as source, and the queues are trusted to come split by "
	     "source (one capture per queue, a memif or ring peer, ethtool rx-flow-hash)",
	     false),
	U("dataplane", "rx_desc", rx_desc, 64, 16384, "descriptors", "RX ring size"),
	U("dataplane", "tx_desc", tx_desc, 64, 16384, "descriptors", "TX ring size"),
	U("dataplane", "mbufs", mbufs, 1023, 1u << 24, "mbufs", "packet buffer pool size"),
	U("dataplane", "mbuf_size", mbuf_size, 256, 65535, "bytes",
	  "data room of one mbuf (128 of headroom included); larger frames are "
	  "chained"),
	U("dataplane", "stats_interval", stats_interval, 0, 86400, "s",
	  "log a counters line this often; 0: off"),
	NAME("dataplane", "log_level", FG_N_LOG, log_level,
	     "what floodguard logs: emerg, alert, crit, error, warning, notice, info or debug",
	     true),
	MON("dataplane", FG_MON_ALL, "every rule but the lists"),
	U("dataplane", "rst_on_block", rst_on_block, 0, 1, "0/1",
	  "inline: TCP resets to both ends of each connection a flood-blocked source "
	  "sends on (at most 1000 pairs/s per worker); 0: off"),
	NAME("dataplane", "steering", FG_N_STEERING, steering,
	     "NIC rules (rte_flow, docs/steering.md): auto: what the NIC accepts, the rest "
	     "in software; required: refuse to start unless the NIC takes every rule; off: none",
	     false),
	U("dataplane", "hw_drop_rules", hw_drop_rules, 0, 65536, "rules",
	  "drop rules in the NIC at most (a blocked source takes one per protected port of its "
	  "classes), block-list entries first, then flood-blocked sources heaviest first (at "
	  "the cap: [steering.md](steering.md)); 0: drop in software only"),
	U("dataplane", "hw_drop_min_pps", hw_drop_min_pps, 0, UINT32_MAX, "packets/s",
	  "a flood-blocked source gets drop rules once it sends this much (block-list "
	  "entries always do)"),
	K("dataplane", "exception", FG_K_STR, OFF(exception), 0, SZ(exception), 0, 0, 0, 0,
	  "vdev", "host: the exception port allowed packets go to (a DPDK vdev)"),
	U("table", "sources", table.sources, 1, 1u << 27, "sources",
	  "sources to track (the table gets 1/0.6 slots each: 61 bytes per IPv4 source, 122 per IPv6)"),
	U("table", "idle_ms", table.idle_ms, 1, UINT32_MAX, "ms",
	  "an entry idle this long may be reused or aged out"),
	U("table", "established", table.established, 1, UINT8_MAX, "packets",
	  "packets passed after which a source is never evicted"),
	NAME("table", "when_full", FG_N_WHEN_FULL, table_full_pass,
	     "drop or pass: what happens to a new source that finds no slot", false),
	LIST("protect", "prefixes", FG_K_PREFIXES, prefix, nprefix, FG_PREFIX_MAX, "prefixes",
	  "the protected servers (host, offline): dst inside = to a server, "
	  "src inside = a response, neither = bypasses the rules; empty: every "
	  "packet is to a server"),
	CLASS_KEYS("mom", FG_CLASS_MOM),
	K("mom", "tcp_ports", FG_K_PORTS, 0, 0, 0, FG_CLASS_MOM, FG_IPPROTO_TCP, 0, 0, "ports",
	  "TCP ports of agent traffic"),
	K("mom", "udp_ports", FG_K_PORTS, 0, 0, 0, FG_CLASS_MOM, FG_IPPROTO_UDP, 0, 0, "ports",
	  "UDP ports of agent traffic"),
	CLASS_KEYS("sip", FG_CLASS_SIP),
	LIM("sip", FG_CLASS_SIP, "max_headers", max_headers, 1024, "headers",
	    "header fields per message; more: too-many-params"),
	LIM("sip", FG_CLASS_SIP, "max_header_len", max_hdr_len, 8192, "bytes",
	    "bytes of one header field; longer: too-many-params"),
	LIVE("sip", "max_msgs", classify.sip.max_msgs, 1, FG_SIP_MAX_MSGS, "messages",
	     "SIP messages one TCP segment may start (each meets the rules); more: "
	     "too-many-params (sip-tcp-msgs-many)"),
	K("sip", "tcp_ports", FG_K_PORTS, 0, 0, 0, FG_CLASS_SIP, FG_IPPROTO_TCP, 0, 0, "ports",
	  "TCP ports of SIP"),
	K("sip", "udp_ports", FG_K_PORTS, 0, 0, 0, FG_CLASS_SIP, FG_IPPROTO_UDP, 0, 0, "ports",
	  "UDP ports of SIP"),
	U("sip-rules", "partners", fed.partners, 1, 1u << 20, "partners",
	  "SIP partners (source addresses) tracked; each holds a URI set"),
	LIVE("sip-rules", "ratio_window_ms", fed.ratio_window_ms, 1, 0x7fffffff, "ms",
	     "responses to a partner are counted in windows this long"),
	LIVE("sip-rules", "ratio_min", fed.ratio_min, 1, UINT32_MAX, "responses",
	     "final responses in a window before the ratio counts"),
	LIVE("sip-rules", "ratio_max_pct", fed.ratio_max_pct, 0, UINT32_MAX, "%",
	     "failed responses above this % of successful ones: suspicious (300: 3 to 1)"),
	LIVE("sip-rules", "watch_pps", fed.watch_rate.rate, 1, FG_RATE_MAX, "messages/s",
	     "a suspicious partner's message rate"),
	LIVE("sip-rules", "watch_burst", fed.watch_rate.burst, 1, FG_BURST_MAX, "messages",
	     "its burst"),
	MON("sip-rules", FG_MON_SIP_RULES, "the partner rules (sip-watch-rate, sip-new-uri)"),
	U("sip-rules", "uri_limit", fed.uri_limit, 1, 1u << 20, "URIs",
	  "distinct Request-URIs in the local domains before the directory rule"),
	LIVE("sip-rules", "sustained_rate", fed.sustained_rate, 0, UINT32_MAX, "messages/s",
	     "the sustained-rate rule's rate; 0: off"),
	LIVE("sip-rules", "sustained_pct", fed.sustained_pct, 1, 100, "%",
	     "near: at least this % of sustained_rate ..."),
	LIVE("sip-rules", "sustained_s", fed.sustained_s, 1, 86400, "s",
	     "... in this many consecutive seconds"),
	LIVE("sip-rules", "expiry_s", fed.expiry_s, 0, UINT32_MAX, "s",
	     "automatic watch entries leave after this; 0: never"),
	{ "sip-rules", "default_mode", FG_K_FEDMODE, OFF(fed.default_mode), 0,
	  SZ(fed.default_mode), 0, 0, 0, 0, "",
	  "throttling mode of watch entries nobody set one for (floodctl watch set): high "
	  "alerts on failure-ratio or uri-limit, medium on both", true, NULL },
	LIST("sip-rules", "local_domains", FG_K_DOMAINS, fed.local, fed.nlocal, 8, "domains",
	     "the local SIP domains the URI rule counts; empty: every URI"),
	LIST("lists", "allow", FG_K_PREFIXES, allow, nallow, FG_FED_LIST_MAX,
	     "prefixes", "sources exempt from every rule and limit (tag config)"),
	LIST("lists", "block", FG_K_PREFIXES, block, nblock, FG_FED_LIST_MAX,
	     "prefixes", "sources whose packets are all dropped (tag config)"),
	MON("lists", FG_MON_LISTS, "the block list and blocked domains (not "
	    "[dataplane] monitor: an operator's block applies at once unless this is 1)"),
	U("lists", "max_prefixes", pfx.rules, 1024, FG_PFXSET_MAX_RULES, "prefixes",
	  "allow and block prefixes held, both lists together (sized at start: 64 MiB, "
	  "plus ~100 bytes a prefix)"),
	U("lists", "v4_groups", pfx.groups4, 64, FG_PFXSET_MAX_GROUPS4, "/24s",
	  "IPv4 /24s that may hold allow or block prefixes longer than /24 (144 bytes each)"),
	LIST("lists", "allow_domains", FG_K_BOUND, lists.allow_dom, lists.nallow_dom,
	     FG_FED_LIST_MAX, "domain@prefix|...",
	     "SIP domains exempt when their requests come from the bound prefixes"),
	LIST("lists", "block_domains", FG_K_DOMAINS, lists.block_dom, lists.nblock_dom,
	     FG_FED_LIST_MAX, "domains", "SIP domains (From) whose messages are all dropped"),
	LIST("lists", "watch_domains", FG_K_DOMAINS, lists.watch_dom, lists.nwatch_dom,
	     FG_FED_LIST_MAX, "domains", "SIP domains on the watch list by hand (counted)"),
	K("control", "instance", FG_K_STR, OFF(instance), 0, SZ(instance), 0, 0, 0, 0,
	  "name", "the shared memory segment floodctl attaches to (/dev/shm/NAME); "
	  "floodctl -i NAME"),
	K("control", "group", FG_K_STR, OFF(group), 0, SZ(group), 0, 0, 0, 0, "group",
	  "a group that may use floodctl too (segment 0660); empty: root only (0600)"),
	K("control", "state_file", FG_K_STR, OFF(state_file), 0, SZ(state_file), 0, 0, 0, 0,
	  "path", "where floodctl's list changes persist and the lists load from at "
	  "start; empty: /var/lib/floodguard/INSTANCE.lists; none: nowhere"),
	STR("bgp", "peers", bgp_text.peers, "addresses",
	    "BGP peers (route reflector, router) that get the blocks; empty: no BGP"),
	STR("bgp", "local_address", bgp_text.local_address, "address",
	    "this appliance's address on the sessions"),
	STR("bgp", "router_id", bgp_text.router_id, "a.b.c.d", "empty: local_address"),
	U("bgp", "local_as", bgp.local_as, 0, UINT32_MAX, "AS", "this appliance's AS"),
	U("bgp", "peer_as", bgp.peer_as, 0, UINT32_MAX, "AS", "the peers' AS; 0: local_as (iBGP)"),
	STR("bgp", "announce", bgp_text.announce, "rtbh|flowspec|both",
	    "rtbh: the source /32 or /128 with 65535:666 and no-export; flowspec: "
	    "source, protected prefix, protocol and ports: discard"),
	STR("bgp", "communities", bgp_text.communities, "ASN:VALUE...",
	    "more communities on every route"),
	STR("bgp", "cluster_community", bgp_text.cluster_community, "ASN:VALUE",
	    "marks the blocks the appliances of a cluster share: routes with it are taken "
	    "into the block list; empty: no cluster"),
	STR("bgp", "next_hop", bgp_text.next_hop, "address", "RTBH next hop (IPv4)"),
	STR("bgp", "next_hop6", bgp_text.next_hop6, "address", "RTBH next hop (IPv6)"),
	U("bgp", "min_pps", bgp.min_pps, 0, UINT32_MAX, "packets/s",
	  "an automatic flood block is announced while its source sends this much; "
	  "list blocks always are"),
	U("bgp", "max_routes", bgp.max_routes, 1, FG_BGP_ROUTES, "routes",
	  "blocks announced at most: list blocks first, then the heaviest"),
	U("bgp", "max_updates_s", bgp.max_updates_s, 1, 1000000, "updates/s",
	  "announcements and withdrawals a second at most; the rest wait"),
	U("bgp", "min_len4", bgp.min_len4, 0, 32, "bits",
	  "shorter IPv4 prefixes are never announced or taken in"),
	U("bgp", "min_len6", bgp.min_len6, 0, 128, "bits",
	  "shorter IPv6 prefixes are never announced or taken in"),
	U("bgp", "hold_s", bgp.hold_s, 0, 86400, "s",
	  "the routes stay this long after floodguard stops, then are withdrawn"),
	U("bgp", "import_hold_s", bgp.import_hold_s, 0, 86400, "s",
	  "the cluster's routes stay this long after their session went down"),
	STR("bgp", "speaker", bgp_text.speaker, "path", "the BGP speaker (exabgp) to run"),
	CLASS_KEYS("sip-tls", FG_CLASS_SIP_TLS),
	K("sip-tls", "tcp_ports", FG_K_PORTS, 0, 0, 0, FG_CLASS_SIP_TLS, FG_IPPROTO_TCP, 0, 0,
	  "ports", "TCP ports of SIP over TLS (not inspected past L4)"),
};

#define FG_NKEYS (sizeof(fg_keys) / sizeof(fg_keys[0]))

static const char *const mode_names[FG_MODE_COUNT] = { "inline", "host", "offline" };
static const char *const steering_names[FG_STEERING_COUNT] = { "auto", "off", "required" };
static const char *const rss_names[FG_RSS_COUNT] = { "flow", "source", "presplit" };
static const char *const when_full_names[] = { "drop", "pass" };
/* rte_log's levels, RTE_LOG_EMERG (1) to RTE_LOG_DEBUG (8); "": none */
static const char *const log_names[] = { "", "emerg", "alert", "crit", "error", "warning",
					  "notice", "info", "debug" };

static const struct {
	const char *const *names;
	unsigned int n;
} name_sets[FG_N_COUNT] = {
	[FG_N_MODE] = { mode_names, FG_MODE_COUNT },
	[FG_N_STEERING] = { steering_names, FG_STEERING_COUNT },
	[FG_N_RSS] = { rss_names, FG_RSS_COUNT },
	[FG_N_WHEN_FULL] = { when_full_names, 2 },
	[FG_N_LOG] = { log_names, sizeof(log_names) / sizeof(log_names[0]) },
};

/* The name of index @p v in name set @p set; "?" past its end. */
static const char *
name_of(unsigned int set, uint64_t v)
{
	return v < name_sets[set].n ? name_sets[set].names[v] : "?";
}

const char *
fg_rss_name(enum fg_rss r)
{
	return name_of(FG_N_RSS, (unsigned int)r);
}

const char *
fg_steering_name(enum fg_steering s)
{
	return name_of(FG_N_STEERING, (unsigned int)s);
}

const char *
fg_mode_name(enum fg_mode m)
{
	return name_of(FG_N_MODE, (unsigned int)m);
}

void
fg_config_default(struct fg_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = FG_MODE_INLINE;
	c->ext_port = 0;
	c->int_port = 1;
	c->queues = 1;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->mbufs = 16383;
	c->mbuf_size = 2176;   /* RTE_MBUF_DEFAULT_BUF_SIZE */
	c->stats_interval = 10;
	c->log_level = 7;      /* RTE_LOG_INFO */
	c->steering = FG_STEERING_AUTO;
	c->hw_drop_rules = 1024;
	c->hw_drop_min_pps = 1000;
	snprintf(c->exception, sizeof(c->exception), "net_tap0,iface=fg0");
	snprintf(c->instance, sizeof(c->instance), "floodguard");
	fg_srctab_params_default(&c->table);
	fg_pfxset_cfg_default(&c->pfx);
	fg_limit_cfg_default(&c->limits);
	c->table_full_pass = c->limits.table_full_pass;
	fg_classify_cfg_default(&c->classify);
	fg_fed_cfg_default(&c->fed);
	fg_bgp_cfg_default(&c->bgp);
	snprintf(c->bgp_text.announce, sizeof(c->bgp_text.announce), "rtbh");
	snprintf(c->bgp_text.next_hop, sizeof(c->bgp_text.next_hop), "%s", c->bgp.next_hop);
	snprintf(c->bgp_text.next_hop6, sizeof(c->bgp_text.next_hop6), "%s", c->bgp.next_hop6);
	snprintf(c->bgp_text.speaker, sizeof(c->bgp_text.speaker), "%s", c->bgp.speaker);
}

bool
fg_config_protected(const struct fg_config *c, const uint8_t addr[16])
{
	return fg_prefixes_have(c->prefix, c->nprefix, addr);
}

/* Split a comma-separated list; calls @p one for each trimmed item. */
static int
each_item(const char *value, int (*one)(struct fg_config *, const struct fg_key *,
					 const char *, char *, size_t),
	  struct fg_config *c, const struct fg_key *k, char *err, size_t errlen)
{
	char buf[CFG_VALUE_LEN], *save = NULL, *tok;

	if (strlen(value) >= sizeof(buf))
		return fg_errf(err, errlen, -1, "[%s] %s: value longer than %d bytes",
			       k->section, k->name, CFG_VALUE_LEN - 1);
	strcpy(buf, value);
	for (tok = strtok_r(buf, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save))
		if (one(c, k, tok, err, errlen) != 0)
			return -1;
	return 0;
}

static int
one_port(struct fg_config *c, const struct fg_key *k, const char *tok, char *err,
	 size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(tok, &end, 10);
	if (errno != 0 || *end != '\0' || end == tok || v == 0 || v > 65535)
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not a port (1-65535)",
			       k->section, k->name, tok);
	if (fg_classify_cfg_port(&c->classify, k->arg2, (uint16_t)v, k->arg) != 0)
		return fg_errf(err, errlen, -1, "[%s] %s: port %lu cannot carry this class",
			       k->section, k->name, v);
	return 0;
}

static uint32_t *
list_count(struct fg_config *c, const struct fg_key *k)
{
	return (uint32_t *)(void *)((uint8_t *)c + k->cnt);
}

/* Entry @p *n of list key @p k: its slot of @p size bytes, or NULL (full: @p err). */
static void *
list_slot(struct fg_config *c, const struct fg_key *k, size_t size, uint32_t **n,
	  char *err, size_t errlen)
{
	*n = list_count(c, k);
	if (**n == k->max) {
		fg_errf(err, errlen, -1, "[%s] %s: more than %" PRIu64 " entries", k->section,
			k->name, k->max);
		return NULL;
	}
	return (uint8_t *)c + k->off + **n * size;
}

static int
one_prefix(struct fg_config *c, const struct fg_key *k, const char *tok, char *err,
	   size_t errlen)
{
	uint32_t *n;
	struct fg_prefix *p = list_slot(c, k, sizeof(*p), &n, err, errlen);

	if (p == NULL)
		return -1;
	if (fg_prefix_parse(tok, p) != 0)
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not an address or prefix "
			       "(a.b.c.d/n or x:y::/n, host bits zero)", k->section, k->name, tok);
	(*n)++;
	return 0;
}

static int
one_domain(struct fg_config *c, const struct fg_key *k, const char *tok, char *err,
	   size_t errlen)
{
	uint32_t *n;
	char *d = list_slot(c, k, FG_DOMAIN_MAX, &n, err, errlen);

	if (d == NULL)
		return -1;
	if (fg_domain_parse(tok, d) != 0)
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not a SIP domain (letters, digits, "
			       "'-', '.'; not an address; < %d bytes)", k->section, k->name, tok,
			       FG_DOMAIN_MAX);
	(*n)++;
	return 0;
}

/* "domain@prefix|prefix": an allowed domain and where it may come from. */
static int
one_bound(struct fg_config *c, const struct fg_key *k, const char *tok, char *err,
	  size_t errlen)
{
	uint32_t *n;
	struct fg_fed_domain_bind *b = list_slot(c, k, sizeof(*b), &n, err, errlen);
	char buf[CFG_VALUE_LEN], *at, *save = NULL, *pfx;

	if (b == NULL)
		return -1;
	snprintf(buf, sizeof(buf), "%s", tok);
	at = strchr(buf, '@');
	if (at == NULL)
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' has no '@PREFIX': an allowed domain "
			       "binds to the prefixes it may come from (docs/sip.md)", k->section,
			       k->name, tok);
	*at++ = '\0';
	memset(b, 0, sizeof(*b));
	if (fg_domain_parse(buf, b->domain) != 0)
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not a SIP domain", k->section,
			       k->name, buf);
	for (pfx = strtok_r(at, "|", &save); pfx != NULL; pfx = strtok_r(NULL, "|", &save)) {
		if (b->nbind == FG_FED_BIND_MAX)
			return fg_errf(err, errlen, -1, "[%s] %s: %s binds to more than %d prefixes",
				       k->section, k->name, b->domain, FG_FED_BIND_MAX);
		if (fg_prefix_parse(pfx, &b->bind[b->nbind]) != 0)
			return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not an address or prefix",
				       k->section, k->name, pfx);
		b->nbind++;
	}
	if (b->nbind == 0)
		return fg_errf(err, errlen, -1, "[%s] %s: %s binds to no prefix", k->section,
			       k->name, b->domain);
	(*n)++;
	return 0;
}

/* @p v into @p k's field of @p c (1, 2, 4 or 8 bytes: enums and bools too) */
static void
put_uint(struct fg_config *c, const struct fg_key *k, uint64_t v)
{
	uint8_t *p = (uint8_t *)c + k->off;

	switch (k->size) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

static int
set_uint(struct fg_config *c, const struct fg_key *k, const char *value, char *err,
	 size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(value, &end, 0);
	if (value[0] == '-' || errno != 0 || end == value || *end != '\0')
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not a number", k->section,
			       k->name, value);
	if (v < k->min || v > k->max)
		return fg_errf(err, errlen, -1, "[%s] %s: %llu is out of range %" PRIu64 "..%"
			       PRIu64 " %s", k->section, k->name, v, k->min, k->max, k->unit);
	put_uint(c, k, v);
	return 0;
}

static uint64_t
get_uint(const struct fg_config *c, const struct fg_key *k)
{
	const uint8_t *p = (const uint8_t *)c + k->off;
	uint16_t x16;
	uint32_t x32;
	uint64_t x64;

	switch (k->size) {
	case 1: return *p;
	case 2: memcpy(&x16, p, 2); return x16;
	case 4: memcpy(&x32, p, 4); return x32;
	default: memcpy(&x64, p, 8); return x64;
	}
}

/* The key [section] key, or NULL with why in @p err. */
static const struct fg_key *
find_key(const char *section, const char *key, char *err, size_t errlen)
{
	bool known = false;

	for (size_t i = 0; i < FG_NKEYS; i++) {
		if (strcmp(fg_keys[i].section, section) != 0)
			continue;
		known = true;
		if (strcmp(fg_keys[i].name, key) == 0)
			return &fg_keys[i];
	}
	if (known)
		fg_errf(err, errlen, -1, "[%s] %s: unknown key", section, key);
	else
		fg_errf(err, errlen, -1, "[%s]: unknown section", section);
	return NULL;
}

/* @p value, one of the names of @p k's set, as its index into @p k's field */
static int
set_name(struct fg_config *c, const struct fg_key *k, const char *value, char *err,
	 size_t errlen)
{
	const char *const *names = name_sets[k->arg].names;
	unsigned int n = name_sets[k->arg].n, i;
	char list[160] = "";

	for (i = 0; i < n; i++)
		if (names[i][0] != '\0' && strcmp(value, names[i]) == 0) {
			put_uint(c, k, i);
			return 0;
		}
	/* "a, b or c" ("" is no name) */
	for (i = names[0][0] == '\0'; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", names[i],
			 i + 2 < n ? ", " : i + 1 < n ? " or " : "");
	return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not %s", k->section, k->name,
		       value, list);
}

int
fg_config_set(struct fg_config *c, const char *section, const char *key,
	      const char *value, char *err, size_t errlen)
{
	const struct fg_key *k = find_key(section, key, err, errlen);
	int i;

	if (k == NULL)
		return -1;
	switch (k->type) {
	case FG_K_UINT:
		return set_uint(c, k, value, err, errlen);
	case FG_K_NAME:
		return set_name(c, k, value, err, errlen);
	case FG_K_FEDMODE:
		if ((i = fg_fed_mode_parse(value)) >= 0) {
			c->fed.default_mode = (uint32_t)i;
			return 0;
		}
		return fg_errf(err, errlen, -1, "[%s] %s: '%s' is not high or medium", section,
			       key, value);
	case FG_K_STR:
		if (strlen(value) >= k->size)
			return fg_errf(err, errlen, -1, "[%s] %s: longer than %u bytes", section,
				       key, k->size - 1u);
		strcpy((char *)c + k->off, value);
		return 0;
	case FG_K_PORTS: {
		uint8_t *tab = k->arg2 == FG_IPPROTO_TCP ? c->classify.tcp : c->classify.udp;

		/* the key names every port of its class: forget the old ones */
		for (unsigned int p = 0; p < 65536; p++)
			if (tab[p] == k->arg)
				tab[p] = FG_CLASS_OTHER;
		return each_item(value, one_port, c, k, err, errlen);
	}
	case FG_K_PREFIXES:
		*list_count(c, k) = 0;
		return each_item(value, one_prefix, c, k, err, errlen);
	case FG_K_DOMAINS:
		*list_count(c, k) = 0;
		return each_item(value, one_domain, c, k, err, errlen);
	case FG_K_BOUND:
		*list_count(c, k) = 0;
		return each_item(value, one_bound, c, k, err, errlen);
	default:
		return fg_errf(err, errlen, -1, "[%s] %s: bad key type", section, key);
	}
}

int
fg_config_load(struct fg_config *c, const char *path, char *err, size_t errlen)
{
	struct rte_cfgfile *f;
	int nsec, rc = -1;
	char **secs = NULL;

	f = rte_cfgfile_load(path, CFG_FLAG_EMPTY_VALUES);
	if (f == NULL)
		return fg_errf(err, errlen, -1, "%s: cannot read it, or it is not an INI file "
			       "(sections [name], lines key = value)", path);
	nsec = rte_cfgfile_num_sections(f, NULL, 0);
	secs = calloc((size_t)nsec + 1, sizeof(*secs));
	if (secs == NULL)
		goto close_file;
	for (int i = 0; i < nsec; i++) {
		secs[i] = malloc(CFG_NAME_LEN);
		if (secs[i] == NULL)
			goto free_secs;
	}
	rte_cfgfile_sections(f, secs, nsec);
	for (int i = 0; i < nsec; i++) {
		/* by index: a section written twice ([mom] at the top and again
		 * at the end) is read twice, not only its first time */
		int n = rte_cfgfile_section_num_entries_by_index(f, secs[i], i);
		struct rte_cfgfile_entry *e = calloc((size_t)n + 1, sizeof(*e));

		if (e == NULL)
			goto free_secs;
		rte_cfgfile_section_entries_by_index(f, i, secs[i], e, n);
		for (int j = 0; j < n; j++) {
			char msg[512];

			if (fg_config_set(c, secs[i], e[j].name, e[j].value, msg,
					  sizeof(msg)) != 0) {
				fg_errf(err, errlen, -1, "%s: %s", path, msg);
				free(e);
				goto free_secs;
			}
		}
		free(e);
	}
	rc = 0;
free_secs:
	for (int i = 0; i < nsec; i++)
		free(secs[i]);
	free(secs);
close_file:
	rte_cfgfile_close(f);
	if (rc != 0 && err[0] == '\0')
		fg_errf(err, errlen, -1, "%s: out of memory", path);
	return rc;
}

/* [bgp] checked, with what a FlowSpec rule names: the protected
 * prefixes and each class's ports. */
static int
bgp_finish(struct fg_config *c, char *err, size_t errlen)
{
	struct fg_bgp_cfg *b = &c->bgp;

	if (fg_bgp_cfg_text(b, &c->bgp_text, err, errlen) != 0)
		return -1;
	b->nprotect = 0;
	for (uint32_t i = 0; i < c->nprefix && b->nprotect < FG_BGP_PROTECT; i++)
		b->protect[b->nprotect++] = c->prefix[i];
	memset(b->ports, 0, sizeof(b->ports));
	for (unsigned int cls = 0; cls < FG_CLASS_COUNT; cls++) {
		unsigned int n = 0;

		for (uint32_t port = 1; port < 65536 && n < FG_BGP_PORTS; port++) {
			if (c->classify.tcp[port] == cls && cls != FG_CLASS_OTHER)
				b->ports[cls][n++] = FG_IPPROTO_TCP << 16 | port;
			if (c->classify.udp[port] == cls && cls != FG_CLASS_OTHER && n < FG_BGP_PORTS)
				b->ports[cls][n++] = FG_IPPROTO_UDP << 16 | port;
		}
	}
	return 0;
}

int
fg_config_finish(struct fg_config *c, char *err, size_t errlen)
{
	for (unsigned int cls = FG_CLASS_MOM; cls <= FG_CLASS_SIP_TLS; cls++) {
		const char *field, *why;

		if (fg_class_limits_check(&c->limits.cls[cls], &field, &why) == 0)
			continue;
		/* the class's key that reports the checker's field (fg_key.check) */
		for (size_t i = 0; i < FG_NKEYS; i++)
			if (fg_keys[i].check != NULL && fg_keys[i].arg == cls &&
			    strcmp(fg_keys[i].check, field) == 0)
				return fg_errf(err, errlen, -1, "[%s] %s: %s", fg_keys[i].section,
					       fg_keys[i].name, why);
		return fg_errf(err, errlen, -1, "class %u: %s: %s", cls, field, why);
	}
	/* the parser stops where the limit would drop anyway */
	{
		const struct fg_class_limits *sip = &c->limits.cls[FG_CLASS_SIP];

		c->classify.sip.max_headers = sip->max_headers != 0 ?
			sip->max_headers : FG_SIP_DEF_MAX_HEADERS;
		c->classify.sip.max_line = sip->max_hdr_len != 0 ?
			sip->max_hdr_len : FG_SIP_DEF_MAX_LINE;
	}
	c->limits.table_full_pass = c->table_full_pass;
	if (c->mode == FG_MODE_INLINE && c->ext_port == c->int_port)
		return fg_errf(err, errlen, -1, "[dataplane] int_port: same port as ext_port (%u)",
			       c->ext_port);
	if (c->rst_on_block && c->mode != FG_MODE_INLINE)
		return fg_errf(err, errlen, -1, "[dataplane] rst_on_block: only in inline mode (the "
			       "resets leave by both ports), not %s", fg_mode_name(c->mode));
	return bgp_finish(c, err, errlen);
}

static void
print_ports(const struct fg_config *c, const struct fg_key *k, FILE *f)
{
	const uint8_t *tab = k->arg2 == FG_IPPROTO_TCP ? c->classify.tcp : c->classify.udp;
	const char *sep = "";

	for (unsigned int p = 1; p < 65536; p++)
		if (tab[p] == k->arg) {
			fprintf(f, "%s%u", sep, p);
			sep = ", ";
		}
}

static void
print_value(const struct fg_config *c, const struct fg_key *k, FILE *f)
{
	switch (k->type) {
	case FG_K_UINT:
		fprintf(f, "%" PRIu64, get_uint(c, k));
		break;
	case FG_K_NAME:
		fputs(name_of(k->arg, get_uint(c, k)), f);
		break;
	case FG_K_FEDMODE:
		fputs(fg_fed_mode_name((enum fg_fed_mode)c->fed.default_mode), f);
		break;
	case FG_K_STR:
		fputs((const char *)c + k->off, f);
		break;
	case FG_K_PORTS:
		print_ports(c, k, f);
		break;
	case FG_K_PREFIXES: {
		const struct fg_prefix *arr =
			(const struct fg_prefix *)(const void *)((const uint8_t *)c + k->off);

		for (uint32_t i = 0; i < list_count((struct fg_config *)c, k)[0]; i++) {
			fputs(i != 0 ? ", " : "", f);
			fg_prefix_print(&arr[i], f);
		}
		break;
	}
	case FG_K_DOMAINS: {
		const char (*arr)[FG_DOMAIN_MAX] =
			(const char (*)[FG_DOMAIN_MAX])(const void *)((const uint8_t *)c + k->off);

		for (uint32_t i = 0; i < list_count((struct fg_config *)c, k)[0]; i++)
			fprintf(f, "%s%s", i != 0 ? ", " : "", arr[i]);
		break;
	}
	case FG_K_BOUND: {
		const struct fg_fed_domain_bind *arr = (const struct fg_fed_domain_bind *)
			(const void *)((const uint8_t *)c + k->off);

		for (uint32_t i = 0; i < list_count((struct fg_config *)c, k)[0]; i++) {
			fprintf(f, "%s%s@", i != 0 ? ", " : "", arr[i].domain);
			for (uint32_t j = 0; j < arr[i].nbind; j++) {
				fputs(j != 0 ? "|" : "", f);
				fg_prefix_print(&arr[i].bind[j], f);
			}
		}
		break;
	}
	default:
		break;
	}
}

int
fg_config_runtime(const char *section, const char *key, char *err, size_t errlen)
{
	const struct fg_key *k = find_key(section, key, err, errlen);

	if (k == NULL)
		return -1;
	/* sizes (partners, uri_limit) shape memory; ports and lists have
	 * their own commands or need a restart */
	if (!k->live)
		return fg_errf(err, errlen, -1, "[%s] %s: not tunable while running (change the "
			       "configuration and restart)", section, key);
	return 0;
}

int
fg_config_get(const struct fg_config *c, const char *section, const char *key, char *buf,
	      size_t len, char *err, size_t errlen)
{
	const struct fg_key *k = find_key(section, key, err, errlen);
	FILE *f;

	if (k == NULL)
		return -1;
	buf[0] = '\0';    /* fmemopen() leaves it as it was when nothing is written */
	f = fmemopen(buf, len, "w");
	if (f == NULL)
		return fg_errf(err, errlen, -1, "no memory");
	print_value(c, k, f);
	fclose(f);
	return 0;
}

void
fg_config_print(const struct fg_config *c, FILE *f)
{
	const char *sec = "";

	for (size_t i = 0; i < FG_NKEYS; i++) {
		const struct fg_key *k = &fg_keys[i];

		if (strcmp(sec, k->section) != 0) {
			fprintf(f, "%s[%s]\n", i == 0 ? "" : "\n", k->section);
			sec = k->section;
		}
		fprintf(f, "%s = ", k->name);
		print_value(c, k, f);
		fputc('\n', f);
	}
}

void
fg_config_print_keys(FILE *f)
{
	struct fg_config *def = malloc(sizeof(*def));

	if (def == NULL)
		return;
	fg_config_default(def);
	fprintf(f, "| section | key | unit | default | meaning |\n"
		"| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < FG_NKEYS; i++) {
		const struct fg_key *k = &fg_keys[i];

		fprintf(f, "| %s | `%s` | %s | ", k->section, k->name, k->unit);
		print_value(def, k, f);
		fprintf(f, " | %s |\n", k->help);
	}
	free(def);
}

/* Append "[sec] key" to the list in @p buf (", " between). */
static void
key_list_add(char *buf, size_t len, const struct fg_key *k)
{
	size_t n = strlen(buf);

	if (n < len)
		snprintf(buf + n, len - n, "%s[%s] %s", n != 0 ? ", " : "", k->section,
			 k->name);
}

int
fg_config_merge_live(const struct fg_config *run, const struct fg_config *next,
		     struct fg_config *out, char *changed, size_t clen, char *restart,
		     size_t rlen, char *lists, size_t llen, char *err, size_t errlen)
{
	/* the longest value: 256 bound domains of 8 prefixes */
	const size_t vlen = 256 * 1024;
	char *a = malloc(vlen), *b = malloc(vlen);
	int n = 0;

	changed[0] = restart[0] = lists[0] = '\0';
	if (a == NULL || b == NULL) {
		n = fg_errf(err, errlen, -1, "no memory");
		goto free_bufs;
	}
	*out = *run;
	for (size_t i = 0; i < FG_NKEYS && n >= 0; i++) {
		const struct fg_key *k = &fg_keys[i];

		fg_config_get(run, k->section, k->name, a, vlen, err, errlen);
		fg_config_get(next, k->section, k->name, b, vlen, err, errlen);
		if (strcmp(a, b) == 0)
			continue;
		if (!k->live) {
			/* the lists' entries are merged (fg_control_lists_merge());
			 * their sizes need a restart */
			if (strcmp(k->section, "lists") == 0 && k->type != FG_K_UINT)
				key_list_add(lists, llen, k);
			else
				key_list_add(restart, rlen, k);
			continue;
		}
		/* live keys are numbers: their text loads back */
		if (fg_config_set(out, k->section, k->name, b, err, errlen) != 0)
			n = -1;
		else
			n++;
		key_list_add(changed, clen, k);
	}
	if (n >= 0 && fg_config_finish(out, err, errlen) != 0)
		n = -1;
free_bufs:
	free(a);
	free(b);
	return n;
}
