/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_DP_H
#define FG_DP_H

/**
 * @file
 * The DPDK data plane: ports, the per-lcore burst loop, the clock, the
 * counters. Run to completion on each worker lcore:
 *   RX burst -> classify (fg_parse) -> decide (fg_decide_prepare, _prefetch,
 *   _finish, overlapped across bursts: hashes, prefetches, lookups,
 *   verdicts) -> TX burst of the passed / free the rest.
 * Each worker writes only its own struct fg_lcore; readers (the main
 * lcore, telemetry, the final report) sum them.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "fg_config.h"
#include "fg_decide.h"
#include "fg_hh.h"
#include "fg_parse.h"
#include "fg_shm.h"

#define FG_BURST 32
#define FG_MAX_PORTS FG_SHM_PORTS  /**< DPDK port ids the data plane may use */
#define FG_MAX_RXQ 16           /**< RX queues one worker polls */

extern int fg_logtype;
#define FG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, fg_logtype, "floodguard: " fmt "\n", ## __VA_ARGS__)

/** What the rules do with the packets of an RX queue. */
enum fg_dir {
	FG_DIR_DECIDE = 0,   /**< towards the protected servers: the rules apply */
	FG_DIR_RESPONSE,     /**< from the protected side: observed, passed */
	FG_DIR_BY_PREFIX,    /**< per packet, by [protect] prefixes (host, offline) */
	FG_DIR_COUNT
};

/** Neither direction: not protected traffic, passed without the rules. */
#define FG_DIR_BYPASS FG_DIR_COUNT

/**
 * One RX burst on its way through the stages: classify (parse, split by
 * direction, hash, prefetch bucket headers) -> prefetch (entries) ->
 * finish (lookups, verdicts). A worker keeps two bursts per queue in
 * flight, a stage apart, so each stage's memory reads were asked for a
 * whole poll earlier (as fg_decide.h's prepare/prefetch/finish loop).
 */
struct fg_burst {
	uint16_t n;                        /**< packets */
	uint16_t nd;                       /**< of which meet the rules */
	struct rte_mbuf *m[FG_BURST];
	uint8_t v[FG_BURST];               /**< verdicts */
	uint32_t mon;                      /**< bit i: packet i's drop verdict is a
					    *   would-drop (monitor mode): it passes */
	uint8_t idx[FG_BURST];             /**< packet of each decided one */
	const struct fg_pkt *dec[FG_BURST];
	struct fg_decide_prep prep;
	struct fg_pkt pk[FG_BURST];
};

_Static_assert(FG_BURST <= 32, "struct fg_burst's mon has a bit a packet");

struct fg_rxq {
	uint16_t port, queue;
	uint16_t tx_port, tx_queue;   /**< where passed packets go */
	uint8_t dir;                  /**< enum fg_dir */
	struct fg_burst *p1;          /**< classified: bucket headers asked for */
	struct fg_burst *p2;          /**< entries asked for: finished next */
};

/**
 * Each worker counts the packets it drops (and would drop, monitor mode)
 * in a heavy-hitter summary (fg_hh.h), one bank per interval: drops[0]
 * and drops[1], the one in use is hh_epoch & 1. The main lcore moves
 * dp->hh_epoch on once a second; a worker that sees it change clears the
 * other bank and counts there, and the main lcore merges the banks the
 * workers left (floodctl top --by drops, the BGP feed's rates).
 */
struct fg_lcore {
	uint16_t nb_rxq;
	uint8_t side;                      /**< workers: every other one 1 (fg_srctab_insert()) */
	struct fg_hh_bank *drops;          /**< workers: two banks (fg_hh.h) */
	uint32_t hh_epoch;                 /**< the interval drops[hh_epoch & 1] counts */
	struct fg_rxq rxq[FG_MAX_RXQ];
	struct fg_burst bursts[2 * FG_MAX_RXQ + 1];  /**< two pending per queue + a free one */
	struct fg_counters cnt;
	const struct fg_fed_lists *lists;  /**< what this loop pass reads */
	uint64_t lists_gen;
	bool lists_any;                    /**< address allow/block entries exist */
	uint32_t rst_tat;                  /**< cap on TCP resets (FG_RST_PPS) */
	uint64_t rst_last_ns;              /**< its last use (fg_gcra_norm()) */
	uint8_t linbuf[65536];   /**< a chained mbuf made contiguous for the parser */
} __rte_cache_aligned;

/**
 * What floodctl set may change while floodguard runs, as the workers read
 * it: through one pointer (fg_dp_live()) once per use, never field by
 * field from a configuration being written. fg_dp_publish() writes the
 * other of two copies and swaps the pointer, so a burst sees one whole
 * set: a class's rates with their generation (fg_class_limits.gen), the
 * watch rate with its own.
 */
struct fg_live {
	struct fg_limit_cfg limits;
	struct fg_fed_cfg fed;
	struct fg_classify_cfg classify;
};

struct fg_dp {
	struct fg_config *cfg;          /**< main lcore's; workers read live */
	struct fg_live *live;           /**< in force (RCU: fg_dp_publish()) */
	struct fg_live *live_mem;       /**< its two copies */
	struct rte_rcu_qsbr *rcu;       /**< workers report a quiescent state each pass */
	enum fg_link link;              /**< framing of the packets (offline: the capture's) */
	struct fg_srctab tab;
	const char *tab_writers;        /**< the start-up log's word on tab.single_writer */
	void *tab_mem;
	struct fg_fed fed;              /**< SIP partners, the watch list */
	void *fed_mem;
	struct fg_shm *shm;             /**< lists, mailbox, published stats */
	bool shm_private;               /**< offline: no segment, a private copy */
	struct fg_pfxset *pfx;          /**< allow and block prefixes (the segment's) */
	bool pfx_private;               /**< offline: its own, from the configuration */
	struct rte_mempool *pool;
	uint64_t ns_mult;               /**< ns = tsc * ns_mult >> 32 */
	uint16_t ports[FG_MAX_PORTS];   /**< ports in use */
	uint16_t nb_ports;
	uint16_t nb_workers;
	volatile bool quit;
	uint32_t hh_epoch;              /**< drop summaries' interval (main lcore moves it) */
	struct fg_srctab_stats hk;      /**< housekeeping's (ageing) */
	uint32_t age_next;              /**< next bucket the sweep frees */
	struct fg_lcore lc[RTE_MAX_LCORE];
};

/** The lists lcore @p l reads in this pass (once per loop pass). */
static inline void
fg_dp_lists_enter(struct fg_dp *dp, struct fg_lcore *lc, unsigned int l)
{
	const struct fg_fed_lists *ls = fg_shm_lists_enter(dp->shm, l, &lc->lists_gen);

	lc->lists = ls;
	lc->lists_any = __atomic_load_n(&dp->pfx->prefixes, __ATOMIC_RELAXED) != 0;
}

/** The thresholds in force; hold the pointer no longer than a loop pass. */
static inline const struct fg_live *
fg_dp_live(const struct fg_dp *dp)
{
	return __atomic_load_n(&dp->live, __ATOMIC_ACQUIRE);
}

/**
 * Main lcore: make @p c's limits, SIP thresholds and classifier bounds
 * the ones in force (into the copy not in use, then swap), and return
 * once no worker can still read the copy this replaced (the next
 * publish writes it). Sizes, ports and lists are not taken from @p c.
 */
void fg_dp_publish(struct fg_dp *dp, const struct fg_config *c);

/** Nanoseconds from the TSC (any epoch). */
static inline uint64_t
fg_clock_ns(const struct fg_dp *dp)
{
	return (uint64_t)(((unsigned __int128)rte_rdtsc() * dp->ns_mult) >> 32);
}

/**
 * Stage 1 of @p b (b->m, b->n set): parse, count, verdicts of the
 * packets the rules do not see, hashes and bucket prefetches of the rest.
 */
void fg_dp_classify(struct fg_dp *dp, struct fg_lcore *lc, struct fg_burst *b,
		    enum fg_dir dir, uint64_t now_ns);

/** Stage 2: prefetch the entries (their bucket headers are cached by now). */
void fg_dp_prefetch(struct fg_dp *dp, const struct fg_burst *b);

/**
 * Stage 3: lookups and verdicts at @p now; every packet counted once
 * (a monitored drop as a would-drop, its bit in b->mon: it passes).
 */
void fg_dp_finish(struct fg_dp *dp, struct fg_lcore *lc, struct fg_burst *b,
		  const struct fg_now *now);

/** Packet @p i of finished burst @p b has a drop verdict: count it in the
 * drop summary (its would-drop bit too). */
static inline void
fg_dp_count_drop(struct fg_lcore *lc, const struct fg_burst *b, uint16_t i)
{
	if (likely(lc->drops != NULL))
		fg_hh_count(&lc->drops[lc->hh_epoch & 1], b->pk[i].src, fg_mon_cls(&b->pk[i]),
			    b->v[i], rte_pktmbuf_pkt_len(b->m[i]), (b->mon >> i) & 1);
}

/** Set the TSC to nanoseconds factor (after rte_eal_init()). */
void fg_dp_clock_init(struct fg_dp *dp);

/** Bytes fg_dp_init() allocates for @p cfg (source table, SIP partners). */
size_t fg_dp_mem_size(const struct fg_config *cfg);

/** The longest offence_memory_s of @p l, in ms (fg_srctab_params.offence_ms). */
uint32_t fg_dp_offence_ms(const struct fg_limit_cfg *l);

/** Allocate the table (on @p socket) and set the clock. @p now_ns: epoch. */
int fg_dp_init(struct fg_dp *dp, struct fg_config *cfg, int socket, uint64_t now_ns);

/**
 * Configure and start @p port with @p nrxq/@p ntxq queues on @p pool.
 * @p outside: the port whose packets meet the rules ([dataplane] rss
 * applies to its RSS; the other port's hashes flows).
 */
int fg_port_start(struct fg_dp *dp, uint16_t port, uint16_t nrxq, uint16_t ntxq,
		  bool timestamps, bool outside);

/** The worker lcore loop (rte_eal_remote_launch); returns when dp->quit. */
int fg_worker(void *dp);

/** Write the watch list as a JSON array (report, telemetry's caller). */
void fg_dp_watch_json(struct fg_dp *dp, uint64_t now_ns, FILE *f);

/** Free the idle entries of a slice of the table (main lcore). */
void fg_dp_age(struct fg_dp *dp, uint64_t now_ns, uint32_t buckets);

/**
 * Rank @p e among the @p max heaviest sources of @p top (*n in use): by
 * events in its current window, most first; blocked ones too, with
 * blocked_ms. For fg_dp_walk() callbacks (telemetry, floodctl top).
 */
void fg_dp_top_add(struct fg_shm_top *top, uint32_t *n, uint32_t max, const struct fg_src *e,
		   const struct fg_now *now, const struct fg_limit_cfg *lim);

/** The heaviest sources at @p now, as fg_dp_top_one() collects them. */
struct fg_dp_top {
	struct fg_now now;
	const struct fg_limit_cfg *lim;
	uint32_t n, max;                   /**< entries in use, room in e */
	struct fg_shm_top *e;
};

/** fg_dp_walk() callback: fg_dp_top_add() @p e to the struct fg_dp_top @p arg. */
static inline void
fg_dp_top_one(const struct fg_src *e, void *arg)
{
	struct fg_dp_top *t = arg;

	fg_dp_top_add(t->e, &t->n, t->max, e, &t->now, t->lim);
}

/**
 * Main lcore: start a new drop interval and merge the workers' banks of
 * the one that ended into @p out (room for @p max, heaviest first); their
 * sketches summed into @p slots (FG_DROP_SKETCH). @return entries.
 */
uint32_t fg_dp_drops_turn(struct fg_dp *dp, uint32_t *slots, struct fg_hh_entry *out,
			  uint32_t max);

/** The heaviest dropped sources of lcore @p l's current bank (offline). */
uint32_t fg_dp_drops_now(const struct fg_dp *dp, unsigned int l, struct fg_hh_entry *out,
			 uint32_t max);

/** fg_srctab_walk() of the source table, if there is one. */
void fg_dp_walk(const struct fg_dp *dp, void (*fn)(const struct fg_src *e, void *arg),
		void *arg);

/** Sum of every lcore's counters into @p sum. */
void fg_dp_sum(const struct fg_dp *dp, struct fg_counters *sum);


/**
 * A net_af_xdp port whose interface runs floodguard's XDP program
 * (xdp_prog=): fill its ports and block maps from @p c. Other ports: 0.
 */
#ifdef FG_HAVE_XDP
int fg_xdp_fill(uint16_t port, const struct fg_config *c);
/** List thread, once a second: the data plane's flood-blocked sources
 * into the XDP programs' block tries while their penalty lasts. */
void fg_xdp_sync(struct fg_dp *dp, uint64_t now_ns);
/** List thread, at start: every block-list prefix into the tries. */
void fg_xdp_block_all(struct fg_dp *dp);

/** List thread: @p p added to (taken from) the block list: the tries follow. */
void fg_xdp_block_prefix(struct fg_dp *dp, const struct fg_prefix *p, bool add);
/** Sources pushed into the XDP tries so far; @p full: not pushed, no room. */
uint64_t fg_xdp_pushed(uint64_t *full);
#else
static inline void
fg_xdp_block_all(struct fg_dp *dp)
{
	(void)dp;
}

static inline void
fg_xdp_block_prefix(struct fg_dp *dp, const struct fg_prefix *p, bool add)
{
	(void)dp;
	(void)p;
	(void)add;
}

static inline void
fg_xdp_sync(struct fg_dp *dp, uint64_t now_ns)
{
	(void)dp;
	(void)now_ns;
}

static inline uint64_t
fg_xdp_pushed(uint64_t *full)
{
	*full = 0;
	return 0;
}

static inline int
fg_xdp_fill(uint16_t port, const struct fg_config *c)
{
	(void)port;
	(void)c;
	return 0;
}
#endif

/*
 * NIC rules (fg_flow.c, docs/steering.md). Main lcore, at start:
 * fg_flow_isolate() before @p port is configured (host mode), then
 * fg_flow_start() once it runs: the steering rules (host mode) and, on
 * the @p outside port, whether drop rules are taken. [dataplane]
 * steering = required: -ENOTSUP when the NIC refuses any (logged).
 */
int fg_flow_isolate(struct fg_dp *dp, uint16_t port);

/**
 * Log a line at @p level (RTE_LOG_*) and add it to what floodctl status
 * shows under "NIC rules" (the segment's steering text).
 */
void fg_flow_note(struct fg_dp *dp, uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int fg_flow_start(struct fg_dp *dp, uint16_t port, uint16_t nq, bool outside);
/** List thread: at start, the drop rules of the lists loaded. */
int fg_flow_listd_init(struct fg_dp *dp);
/** List thread: block-list prefix @p p was added or deleted (or the
 * change undone): the next fg_flow_block_changed() looks at it. */
void fg_flow_block_touch(const struct fg_prefix *p);

/** What an update of the drop rules spent in the PMD's rte_flow calls. */
struct fg_flow_took {
	uint64_t flow_ns;
	uint32_t flow_calls;
};

/** List thread: the block list changed: the rules of the prefixes
 * touched follow (only theirs are created or destroyed); the PMD's
 * share of the time into @p took (may be NULL). */
void fg_flow_block_changed(struct fg_dp *dp, struct fg_flow_took *took);
/** List thread, once a second: counters, flood-blocked sources. */
void fg_flow_second(struct fg_dp *dp);
/** What the drop rules counted, into @p c (rx, classes, verdicts). */
void fg_flow_counters(struct fg_counters *c);
/** After the list thread stopped: every rule out of the NICs. */
void fg_flow_stop(struct fg_dp *dp);

/** Control plane (fg_control.c), main lcore: create the segment, load the lists. */
int fg_control_init(struct fg_dp *dp);
/** The configuration's [lists] allow and block prefixes into @p s (tag
 * config). @return how many were added, or -errno. */
int fg_control_config_prefixes(const struct fg_config *c, struct fg_pfxset *s);
/**
 * Reload, main lcore: merge the [lists] of @p next into the running lists
 * in the background (docs/operations.md) and make them the running
 * configuration's. @return the merge's ticket (struct fg_shm merge_done),
 * 0 if it could not start (logged).
 */
uint32_t fg_control_lists_merge(struct fg_dp *dp, const struct fg_config *next);
/** Main lcore: sleep @p us, or less if a floodctl request comes (it wakes
 * the main lcore: answered at once, not at the next 1 ms tick). */
void fg_control_wait(uint32_t us);
/** Serve a floodctl request if one waits; read the lists' generation. */
void fg_control_poll(struct fg_dp *dp, uint64_t now_ns);
/**
 * Main lcore: make @p c2's thresholds (limits, SIP rules, classifier
 * bounds) the running ones in one publish (floodctl set, reload); the
 * limiters of a class whose rates changed restart.
 */
void fg_control_apply(struct fg_dp *dp, struct fg_config *c2);
/**
 * Main lcore: re-read the configuration as at start (file, --set, --mode)
 * and apply what may change while running (fg_config_merge_live()); a
 * file with any error changes nothing. @p msg says what happened; the
 * [lists] merge it started, if any, has @p ticket (else 0).
 * @return 0, -EINVAL (bad file: nothing changed) or -ENOENT (no --config).
 */
int fg_reload(struct fg_dp *dp, char *msg, size_t len, uint32_t *ticket);
/**
 * Before the EAL: when stderr is systemd's journal stream (JOURNAL_STREAM),
 * every log line goes there with its syslog priority ("<3>...").
 */
void fg_log_service_init(void);
/** "<N>" for a message of rte_log level @p level under journald, else "". */
const char *fg_log_prefix(uint32_t level);
/** Tell systemd (NOTIFY_SOCKET, sd_notify(3)'s datagram) @p state, if it asked. */
void fg_notify(const char *state);
/** Publish the counters; with @p second also top, watch list, events. */
void fg_control_publish(struct fg_dp *dp, uint64_t now_ns, bool second);
/** A copy of the current lists (main lcore, reports: not a list reader). */
int fg_control_lists(struct fg_dp *dp, struct fg_fed_lists *out);
/** Save the watch state, mark the data plane stopped and remove the segment. */
void fg_control_fini(struct fg_dp *dp);
/** The partner table's state to the state file's ".watch" (docs/sip.md). */
void fg_control_watch_save(struct fg_dp *dp, uint64_t now_ns);
/** ... and back, at start: ".watch", else ".watch.prev". */
void fg_control_watch_load(struct fg_dp *dp, uint64_t now_ns);

/** Register the /floodguard/... telemetry commands. */
int fg_telemetry_init(struct fg_dp *dp);

/** The list thread (fg_listd.c): start once the ports are up; stop after quit. */
int fg_listd_start(struct fg_dp *dp);
void fg_listd_stop(struct fg_dp *dp);

/** Offline mode's files (fg_offline.c). */
struct fg_offline_args {
	const char *pcap_in;
	const char *pcap_out;   /**< NULL: no capture out */
	const char *verdicts;   /**< NULL: no verdict lines */
	const char *report;     /**< NULL: no report */
};

/** Run the capture through the rules on this lcore. @return 0 or -errno. */
int fg_offline_run(struct fg_dp *dp, const struct fg_offline_args *a);

/** Print the counters to @p f as the final summary. */
void fg_dp_print_summary(const struct fg_dp *dp, FILE *f);

/** Write the counters (and the blocked sources at @p now_ns) as JSON. */
void fg_dp_report_json(const struct fg_dp *dp, uint64_t now_ns, FILE *f);

#endif /* FG_DP_H */
