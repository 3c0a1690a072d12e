/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_SHM_H
#define FG_SHM_H

/**
 * @file
 * The shared-memory ABI between the data plane and floodctl: one POSIX
 * shared memory segment per instance (/dev/shm/<instance>), this header
 * on both sides. docs/architecture.md "Control plane" says why it is
 * built this way; in short:
 *
 * - Prefix lists (allow, block): one struct fg_pfxset after the counters,
 *   written only by the data plane's list thread; floodctl hands it
 *   transactions (fg_shm_pfx_txn()): ops in the op area, then txn_seq + 1
 *   with one release store; a requester killed before it changed nothing.
 * - Domain lists: two copies and a generation; lists[gen & 1] is current. A
 *   writer (floodctl, one at a time under flock()) waits until every
 *   reader has seen the current generation (so nobody reads the other
 *   copy), writes the other copy, checks it, then publishes gen + 1 with
 *   one release store. Readers (the lcores) load gen once per loop pass
 *   and report it in their own cache line: no lock, no atomic
 *   read-modify-write, never a torn list. A writer killed at any
 *   instruction leaves gen as it was: the lists are as before.
 * - Requests that need the data plane's own memory (the partner watch
 *   list, thresholds) go through a one-slot mailbox the main lcore
 *   serves; a killed requester leaves at most an answered request.
 * - Counters, the top sources and the watch list are published by the
 *   main lcore under sequence locks; events go into a ring readers follow
 *   without consuming.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "fg_bgp.h"
#include "fg_decide.h"
#include "fg_fed.h"
#include "fg_lists.h"
#include "fg_parse.h"
#include "fg_pfxset.h"

#define FG_SHM_MAGIC   UINT64_C(0x4d48534447444c46)   /**< "FLDGDSHM" */
#define FG_SHM_ABI     11u
#define FG_SHM_LCORES  128     /**< lcore ids (RTE_MAX_LCORE of Debian's DPDK) */
#define FG_SHM_PORTS   8       /**< DPDK port ids */
#define FG_SHM_TOP     32      /**< heaviest sources published */
#define FG_SHM_WATCH   256     /**< watch entries published */
#define FG_SHM_EVENTS  4096    /**< events kept (a power of two) */
#define FG_SHM_BANS    4096    /**< flood-blocked sources published, heaviest first */
#define FG_SHM_NAME_MAX 32
#define FG_SHM_DEFAULT "floodguard"

/** One lcore's counters; only that lcore writes them (fg_dp.h). */
struct fg_counters {
	uint64_t rx;                       /**< packets received */
	uint64_t tx;                       /**< passed and sent */
	uint64_t tx_full[FG_SHM_PORTS];    /**< passed, TX queue full: freed */
	uint64_t rst_sent;                 /**< TCP resets sent (rst_on_block) */
	uint64_t rst_capped;               /**< resets not sent: over the rate cap */
	uint64_t rst_failed;               /**< not sent: no mbuf, or TX queue full */
	struct fg_parse_counters parse;    /**< classes and parser reasons */
	struct fg_fed_stats fed;           /**< SIP rules */
	struct fg_limit_stats lim;         /**< verdicts (every packet once) */
} __attribute__((aligned(64)));

/**
 * The named counters of struct fg_counters by group, in the order floodctl
 * stats, floodctl metrics and telemetry print them: X(name, field). The
 * by-reason arrays have their own names (fg_verdict_name(), ...).
 */
#define FG_COUNTERS_TABLE(X)                 /* the source table */ \
	X(tracked, lim.tab.inserted)         /* sources entered */ \
	X(evict_idle, lim.tab.evict_idle) \
	X(evict_probation, lim.tab.evict_probation) \
	X(no_slot, lim.tab.full) \
	X(aged, lim.tab.aged) \
	X(blocks, lim.blocks)                /* flood blocks */
#define FG_COUNTERS_SIP(X)                   /* the SIP rules */ \
	X(untracked, fed.untracked) \
	X(allow_spoof, fed.allow_spoof) \
	X(watch_domain_msgs, fed.watch_dom_msgs) \
	X(watched, fed.watched)
#define FG_COUNTERS_RST(X)                   /* TCP resets of rst_on_block */ \
	X(sent, rst_sent) \
	X(capped, rst_capped) \
	X(failed, rst_failed)

/** One named counter: FG_COUNTERS_*() as data (fg_shm.c). */
struct fg_counter {
	const char *name;
	size_t off;                        /**< of its uint64_t in struct fg_counters */
};

#define FG_COUNTER_ONE_(name, field) + 1
enum {
	FG_CTR_TABLE_N = 0 FG_COUNTERS_TABLE(FG_COUNTER_ONE_),
	FG_CTR_SIP_N = 0 FG_COUNTERS_SIP(FG_COUNTER_ONE_),
	FG_CTR_RST_N = 0 FG_COUNTERS_RST(FG_COUNTER_ONE_),
};
extern const struct fg_counter fg_ctr_table[FG_CTR_TABLE_N], fg_ctr_sip[FG_CTR_SIP_N],
	fg_ctr_rst[FG_CTR_RST_N];

/** The value of counter @p k in @p c. */
static inline uint64_t
fg_counter(const struct fg_counters *c, const struct fg_counter *k)
{
	return *(const uint64_t *)(const void *)((const uint8_t *)c + k->off);
}

/** Add @p c into @p sum (the readers sum every lcore's). */
void fg_counters_add(struct fg_counters *sum, const struct fg_counters *c);

/** Packets passed / dropped in @p c (received = passed + dropped); passed
 * includes the would-drops of monitor mode (fg_counters_would()). */
uint64_t fg_counters_passed(const struct fg_counters *c);
uint64_t fg_counters_dropped(const struct fg_counters *c);
uint64_t fg_counters_would(const struct fg_counters *c);

/** A port's counters (rte_eth_stats) as the main lcore last read them. */
struct fg_shm_port {
	uint64_t ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors, rx_nombuf;
	uint32_t used;
	char name[36];
};

#define FG_SHM_STEER_TEXT 1024

/**
 * The NIC rules (rte_flow, docs/steering.md) as floodctl status shows
 * them. The main lcore writes text at start; the list thread the drop
 * rules' gauges (each a 32- or 64-bit store: read them one by one).
 */
struct fg_shm_steer {
	uint32_t queue_hw;         /**< steering rules in the NIC */
	uint32_t isolated;         /**< a bit per port isolated (rte_flow_isolate) */
	uint32_t drop_port;        /**< the port with drop rules; UINT32_MAX: none */
	uint32_t drop_hw;          /**< drop rules in the NIC now */
	uint32_t entries_hw;       /**< blocked sources (list, automatic) they cover */
	uint32_t entries_sw;       /**< blocked sources left to software (no room, refused) */
	uint64_t updates;          /**< drop rules created and destroyed */
	uint64_t refused;          /**< drop rules the NIC refused */
	uint64_t hw_dropped;       /**< packets the drop rules counted (COUNT) */
	char text[FG_SHM_STEER_TEXT];  /**< per port: what is in the NIC, what is not, why */
};

/** A list reader: an lcore that reads lists[] in its loop. */
struct fg_shm_reader {
	uint64_t seen;       /**< generation its current pass reads */
	uint32_t online;     /**< reading lists (writers wait for it) */
} __attribute__((aligned(64)));

/** Mailbox requests the main lcore serves. */
enum fg_shm_op {
	FG_SHM_OP_NONE = 0,
	FG_SHM_OP_WATCH,       /**< put addr on the watch list by hand */
	FG_SHM_OP_UNWATCH,     /**< take addr off it */
	FG_SHM_OP_SET,         /**< set key (section.key) to value */
	FG_SHM_OP_GET,         /**< value of key */
	FG_SHM_OP_RELOAD,      /**< re-read the configuration file (fg_reload()) */
	FG_SHM_OP_MODE,        /**< set the mode of entry key (a domain) or addr
				    (key ""): value "high", "medium" or "" (default) */
	FG_SHM_OP_UNBLOCK,     /**< lift addr's flood block and its watch entry's
				    automatic reasons now; value "forgive": and
				    clear its offences, its SIP rules' counts
				    (resp arg: the classes unblocked as bits,
				    FG_FED_* lifted << FG_SHM_UNBLOCK_LIFTED,
				    FG_FED_* still met << FG_SHM_UNBLOCK_STILL) */
	FG_SHM_OP_COUNT
};

#define FG_SHM_UNBLOCK_LIFTED 16
#define FG_SHM_UNBLOCK_STILL  24

struct fg_shm_req {
	uint32_t op;           /**< enum fg_shm_op */
	uint8_t addr[16];
	char key[64];
	char value[448];
};

struct fg_shm_resp {
	int32_t rc;            /**< 0 or -errno */
	int32_t arg;           /**< UNWATCH: reasons still holding (FG_FED_*);
				*   RELOAD: the [lists] merge's ticket, 0: none */
	char msg[504];         /**< GET: the value; errors: why */
};

/** A decision the data plane took, as floodctl events prints it. */
enum fg_event_kind {
	FG_EV_BLOCK = 0,       /**< a source flood-blocked (arg: penalty ms) */
	FG_EV_WATCH,           /**< a partner on the watch list (arg: FG_FED_*) */
	FG_EV_UNWATCH,         /**< a partner off it (expired, by hand) */
	FG_EV_LISTS,           /**< the lists changed (arg: gen + done_seq) */
	FG_EV_MONITOR,         /**< monitor mode switched (cls: enum fg_mon_scope, arg: 1 on) */
	FG_EV_ALERT,           /**< a watch entry's mode condition starts to hold
				    (domain: its key, "" for an address entry;
				    addr: its first partner; arg: reasons | mode << 16) */
	FG_EV_UNBLOCK,         /**< a flood block lifted by hand (arg: offences kept) */
	FG_EV_COUNT
};

struct fg_event {
	uint64_t seq;          /**< 2n+2 once event n is complete; odd: being written */
	uint64_t unix_ns;
	uint32_t kind;         /**< enum fg_event_kind */
	uint32_t cls;          /**< traffic class (BLOCK) */
	uint64_t arg;
	uint8_t addr[16];
	char domain[FG_DOMAIN_MAX];   /**< WATCH, UNWATCH, ALERT: the From domain; "": none */
};

/** A heavy source (floodctl top). */
struct fg_shm_top {
	uint8_t addr[16];
	uint32_t cls;
	uint32_t window_events;    /**< events in its current window */
	uint32_t blocked_ms;       /**< penalty left; 0: not blocked */
	uint32_t pad;
};

/** A source the rules dropped (or would drop) the most (floodctl top --by drops). */
struct fg_shm_drop {
	uint8_t addr[16];
	uint32_t cls;
	uint32_t reason;           /**< enum fg_verdict with the most of its drops */
	uint64_t pkts;             /**< dropped in the last interval (with would-drops) */
	uint64_t bytes;
	uint64_t reason_pkts;      /**< of them for reason */
	uint64_t would;            /**< of them passed by monitor mode (would-drops) */
};

/** The heaviest dropped sources, one region for fg_shm_seq_read(). */
struct fg_shm_drops {
	uint32_t n;                /**< entries in d[] */
	uint32_t interval_ms;      /**< the interval they were counted in */
	uint64_t total;            /**< every drop and would-drop of that interval */
	struct fg_shm_drop d[FG_SHM_TOP];   /**< heaviest (packets) first */
};

/** What put a source in struct fg_shm_bans: the rule that fired. */
enum fg_ban_rule {
	FG_BAN_FLOOD = 0,          /**< more than window_events in window_ms */
	FG_BAN_RULE_COUNT
};

/** A source the flood rule holds (floodctl blocked, floodctl bgp, the BGP feed). */
struct fg_shm_ban {
	uint8_t addr[16];
	uint32_t cls;
	uint32_t pps;              /**< its packets dropped a second (the last second) */
	uint64_t until_unix_ms;    /**< when its penalty ends */
	uint64_t since_unix_ms;    /**< when it started (the penalty worked out again) */
	uint32_t rule;             /**< enum fg_ban_rule */
	uint32_t offences;         /**< its offences remembered, this one included */
};

/** The heaviest flood-blocked sources, one region for fg_shm_seq_read(). */
struct fg_shm_bans {
	uint32_t n;
	uint32_t pad;
	struct fg_shm_ban b[FG_SHM_BANS];   /**< heaviest first */
};

/** Where a route of the BGP feed comes from. */
enum fg_bgp_origin { FG_BGP_O_LIST = 0, FG_BGP_O_AUTO, FG_BGP_O_COUNT };

/** What the feed did with it. */
enum fg_bgp_state { FG_BGP_S_ANNOUNCED = 0, FG_BGP_S_PENDING, FG_BGP_S_REFUSED, FG_BGP_S_COUNT };

/** A block the BGP feed announces, will announce, or refused. */
struct fg_bgp_route {
	uint8_t addr[16];          /**< struct fg_prefix's */
	uint8_t len;
	uint8_t origin;            /**< enum fg_bgp_origin */
	uint8_t state;             /**< enum fg_bgp_state */
	uint8_t reason;            /**< REFUSED: enum fg_bgp_refusal */
	uint32_t cls;              /**< AUTO: the class; FG_CLASS_COUNT: a list block */
	uint32_t pps;              /**< AUTO: its rate (announced: the highest seen) */
	uint64_t since_unix_ms;    /**< in this state since */
};

/** A BGP session as the feed last heard of it. */
struct fg_bgp_peer {
	char addr[48];
	uint32_t up;
	uint32_t imported;         /**< its routes in the block list now */
	uint64_t since_unix_ms;    /**< of the state */
	uint64_t ups, downs;
};

/**
 * BGP (fg_bgp.h): the data plane's [bgp] before the segment is ready;
 * the rest the feed writes under seq (odd: writing).
 */
struct fg_shm_bgp {
	struct fg_bgp_cfg cfg;
	int32_t speaker_pid;       /**< the speaker the data plane started; 0: none */
	int32_t feed_pid;
	uint64_t seq __attribute__((aligned(64)));
	uint64_t feed_unix_ms;     /**< the feed's last pass */
	uint64_t stopped_unix_ms;  /**< the feed saw the data plane stop; 0: running */
	struct fg_bgp_peer peer[FG_BGP_PEERS];
	uint64_t now[FG_BGP_S_COUNT];             /**< routes by state, now */
	uint64_t refused[FG_BGP_R_COUNT];         /**< of them refused, by why */
	uint64_t announces, withdraws;            /**< routes handed to the speaker */
	uint64_t speaker_errors;                  /**< commands the speaker refused */
	uint64_t deferred;                        /**< routes put off by max_updates_s */
	uint64_t imported, import_withdrawn;      /**< the cluster's routes taken in, out */
	uint64_t import_refused[FG_BGP_R_COUNT];  /**< the cluster's routes refused */
	uint32_t nroutes;
	uint32_t pad;
	struct fg_bgp_route route[FG_BGP_ROUTES];
};

/** One change of a prefix transaction (fg_shm_pfx_txn()). */
struct fg_pfx_op {
	uint8_t addr[16];          /**< struct fg_prefix's */
	uint8_t len;
	uint8_t list;              /**< enum fg_pfx_list */
	uint8_t del;               /**< 0: add; FG_PFX_DEL: delete; FG_PFX_DEL_TAGGED:
				    *   delete if its tag is the transaction's */
	int8_t rc;                 /**< the list thread's: enum fg_pfx_op_rc */
	uint32_t ttl_s;            /**< add: expires this long after it applies; 0: never */
};
_Static_assert(sizeof(struct fg_pfx_op) == 24, "an op is 24 bytes");
#define FG_PFX_DEL 1
#define FG_PFX_DEL_TAGGED 2

/** The prefix op @p o changes. */
static inline struct fg_prefix
fg_pfx_op_prefix(const struct fg_pfx_op *o)
{
	struct fg_prefix p = { .len = o->len };

	__builtin_memcpy(p.addr, o->addr, 16);
	return p;
}

/** What became of one op. */
enum fg_pfx_op_rc {
	FG_PFX_OP_DONE = 0,        /**< added, deleted */
	FG_PFX_OP_HELD,            /**< add: already there (its entry unchanged) */
	FG_PFX_OP_ABSENT,          /**< del: not there */
	FG_PFX_OP_COUNT
};

enum fg_pfx_txn_kind {
	FG_PFX_TXN_EDIT = 0,       /**< the ops, in order */
	FG_PFX_TXN_REPLACE,        /**< the ops (adds of one list) become that list's
				    *   entries of tag txn.tag: the others of the tag go */
	FG_PFX_TXN_COUNT
};

/** A prefix transaction: what its ops are. */
struct fg_shm_txn {
	uint32_t kind;             /**< enum fg_pfx_txn_kind */
	uint32_t nops;
	uint32_t list;             /**< REPLACE: enum fg_pfx_list */
	uint16_t tag;              /**< of the entries added (and REPLACE's) */
	uint16_t pad;
	uint64_t handed_ns;        /**< CLOCK_MONOTONIC when the writer handed it over */
};

/** What a transaction did (the list thread's answer). */
struct fg_shm_txn_res {
	int32_t rc;                /**< 0, or -ENOSPC (nothing changed) */
	uint32_t done, held, absent;   /**< ops by enum fg_pfx_op_rc */
	uint32_t removed;          /**< REPLACE: entries of the tag not in the ops */
	uint32_t other_tag;        /**< REPLACE: adds held under another tag */
	uint64_t apply_ns;         /**< how long the apply took */
	uint64_t applied_ns;       /**< from handed over to applied (the workers see it) */
	char msg[128];             /**< rc != 0: why */
};

/**
 * A watch-list entry (floodctl watch list): a domain with its partners,
 * or a partner address (fg_fed_entries()); e.since_ns and e.alert_ns are
 * unix ns here.
 */
struct fg_shm_watch {
	struct fg_fed_entry e;
};

struct fg_shm_hdr {
	uint64_t magic;            /**< FG_SHM_MAGIC once the segment is ready */
	uint32_t abi;              /**< FG_SHM_ABI */
	uint32_t hdr_size;         /**< sizeof(struct fg_shm_hdr) */
	uint64_t size;             /**< sizeof(struct fg_shm) */
	uint32_t lists_size;       /**< sizeof(struct fg_fed_lists) */
	uint32_t counters_size;    /**< sizeof(struct fg_counters) */
	uint32_t event_size;       /**< sizeof(struct fg_event) */
	int32_t pid;               /**< the data plane */
	uint64_t start_unix_ns;
	uint64_t tsc_hz;
	char instance[FG_SHM_NAME_MAX];
	char mode[16];             /**< "inline", "host" */
	char version[32];
	char state_path[256];      /**< where the lists persist; "": nowhere */
	uint32_t interval_ms;      /**< housekeeping: what is published how often */
	uint32_t stopped;          /**< the data plane has exited */
	uint64_t ops_off;          /**< bytes from the segment's start: struct fg_pfx_op[] */
	uint32_t ops_cap;          /**< ops of one transaction at most */
	uint32_t pfx_ready;        /**< the list thread applies transactions */
	uint64_t pfx_off;          /**< the prefix set (fg_pfxset.h) */
	uint64_t pfx_size;
};

struct fg_shm {
	struct fg_shm_hdr h;
	/* lists: writers under flock(), readers by generation */
	uint64_t gen __attribute__((aligned(64)));
	uint64_t gen_unix_ns;              /**< when gen was published */
	struct fg_shm_reader rd[FG_SHM_LCORES];
	struct fg_fed_lists lists[2];
	struct fg_tags tags;               /**< names of the prefixes' tags (under flock) */
	/* prefix transactions (fg_shm_pfx_txn()): a writer under flock waits
	 * for done_seq == txn_seq, fills the ops and txn, publishes txn_seq + 1
	 * and wakes txn_wake; the data plane's list thread applies them, writes
	 * res and each op's rc, and stores done_seq = txn_seq */
	uint64_t txn_seq __attribute__((aligned(64)));
	uint32_t txn_wake;                 /**< futex word the list thread sleeps on */
	struct fg_shm_txn txn;
	uint64_t done_seq __attribute__((aligned(64)));
	uint32_t done_wake;                /**< futex word the writer sleeps on */
	struct fg_shm_txn_res res;
	/* mailbox: requester (under flock) writes req, then req_seq++;
	 * the main lcore answers resp, then resp_seq = req_seq */
	uint64_t req_seq __attribute__((aligned(64)));
	uint32_t req_wake;                 /**< futex word the main lcore sleeps on */
	struct fg_shm_req req;
	uint64_t resp_seq __attribute__((aligned(64)));
	struct fg_shm_resp resp;
	/* published by the main lcore under stats_seq (odd: writing) */
	uint64_t stats_seq __attribute__((aligned(64)));
	uint64_t stats_unix_ns;
	uint64_t lcore_mask[FG_SHM_LCORES / 64];   /**< lcores with counters */
	uint32_t worker_mask[FG_SHM_LCORES / 32];  /**< of which workers */
	uint64_t table_slots, table_used;
	uint32_t ntop, nwatch;
	struct fg_counters lc[FG_SHM_LCORES];
	struct fg_shm_port port[FG_SHM_PORTS];
	struct fg_shm_top top[FG_SHM_TOP];
	struct fg_shm_drops drops;
	struct fg_shm_watch watch[FG_SHM_WATCH];
	struct fg_shm_bans bans;
	/* events: the main lcore writes, readers follow head */
	uint64_t ev_head __attribute__((aligned(64)));
	struct fg_event ev[FG_SHM_EVENTS];
	struct fg_shm_bgp bgp __attribute__((aligned(64)));
	/* the [lists] merge of a reload (fg_control.c): the reload's answer
	 * carries its ticket (resp.arg); the merge thread writes merge_rc and
	 * merge_msg, then stores the ticket in merge_done */
	uint64_t merge_done __attribute__((aligned(64)));
	int32_t merge_rc;                  /**< 0 or -errno */
	char merge_msg[256];
	struct fg_shm_steer steer __attribute__((aligned(64)));   /**< outside stats_seq */
};

_Static_assert((FG_SHM_EVENTS & (FG_SHM_EVENTS - 1)) == 0, "events: a power of two");
_Static_assert(offsetof(struct fg_shm, gen) % 64 == 0, "gen on its own line");

/** An attached segment. */
struct fg_shm_handle {
	struct fg_shm *s;
	size_t size;                      /**< mapped: the segment's h.size */
	int fd;
	char name[FG_SHM_NAME_MAX + 2];   /**< "/instance" */
};

/** Whether @p name is a usable instance name (letters, digits, '-', '_'). */
bool fg_shm_name_ok(const char *name);

/**
 * Data plane: create the segment of @p instance with @p mode (0600, or
 * 0660 and group @p gid when gid != (gid_t)-1). A segment left by a dead
 * data plane is replaced; a live one is refused (-EEXIST).
 * @return 0 or -errno, with the reason in @p err.
 */
int fg_shm_create(struct fg_shm_handle *h, const char *instance, gid_t gid,
		  const struct fg_pfxset_cfg *pfx, char *err, size_t errlen);

/** The prefix set of an attached or created segment. */
static inline struct fg_pfxset *
fg_shm_pfx(const struct fg_shm_handle *h)
{
	return (struct fg_pfxset *)(void *)((uint8_t *)h->s + h->s->h.pfx_off);
}

/** The ops of the transaction area of segment @p s. */
static inline struct fg_pfx_op *
fg_shm_ops_of(struct fg_shm *s)
{
	return (struct fg_pfx_op *)(void *)((uint8_t *)s + s->h.ops_off);
}

/** The ops of the transaction area. */
static inline struct fg_pfx_op *
fg_shm_ops(const struct fg_shm_handle *h)
{
	return fg_shm_ops_of(h->s);
}

/** floodctl: attach to @p instance's segment and check its ABI. */
int fg_shm_attach(struct fg_shm_handle *h, const char *instance, char *err,
		  size_t errlen);

/** Unmap (and, for the data plane, @p unlink the name). */
void fg_shm_close(struct fg_shm_handle *h, bool unlink);

/** Whether the data plane of @p s is alive. */
bool fg_shm_alive(const struct fg_shm *s);

/** Reader side: start reading lists on @p lcore (before its loop). */
void fg_shm_reader_online(struct fg_shm *s, unsigned int lcore, bool online);

/**
 * Reader side, once per loop pass: the lists this pass reads. The store
 * to seen tells writers the previous copy is no longer read.
 */
static inline const struct fg_fed_lists *
fg_shm_lists_enter(struct fg_shm *s, unsigned int lcore, uint64_t *gen)
{
	uint64_t g = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);

	if (g != *gen) {
		*gen = g;
		__atomic_store_n(&s->rd[lcore].seen, g, __ATOMIC_RELEASE);
	}
	return &s->lists[g & 1];
}

/** Callback of fg_shm_lists_update(): edit @p next. @return 0 or -errno. */
typedef int (*fg_shm_edit_fn)(struct fg_fed_lists *next, void *arg);

/**
 * Writer side: one update of the domain lists. Takes the writers' lock,
 * waits (up to @p timeout_ms) for the readers, copies the current lists,
 * calls @p edit on the copy, checks it, saves the state file (with the
 * prefix set as it is), publishes it.
 * @return 0, @p edit's error (nothing published), -ETIMEDOUT (a reader
 * did not move on), -EIO (published, the state file not written: @p err).
 */
int fg_shm_lists_update(struct fg_shm_handle *h, fg_shm_edit_fn edit, void *arg,
			uint32_t timeout_ms, char *err, size_t errlen);

/**
 * Writer side: one prefix transaction of @p n ops (@p ops; each op's rc is
 * filled in). Takes the writers' lock, waits (up to @p timeout_ms) for the
 * data plane's list thread to be done with the last one, hands it this
 * one and waits until it is applied, then saves the state file.
 * @return 0; -E2BIG (more ops than the area holds); -ENOSPC (the set is
 * full: nothing changed, @p err says which limit); -ETIMEDOUT (handed over
 * but not applied in time: it will be); -EIO (applied, the state file not
 * written: @p err). @p res: what the list thread answered.
 */
int fg_shm_pfx_txn(struct fg_shm_handle *h, const struct fg_shm_txn *txn,
		   struct fg_pfx_op *ops, struct fg_shm_txn_res *res, uint32_t timeout_ms,
		   char *err, size_t errlen);

/**
 * The id of tag @p name in the segment, a new one if it has none (under
 * the writers' lock). @return the id or -EINVAL/-ENOSPC.
 */
int fg_shm_tag(struct fg_shm_handle *h, const char *name);

/** List thread: wait (up to @p timeout_ms) for a transaction; the one
 * pending, or NULL. Answer with fg_shm_pfx_done(). */
const struct fg_shm_txn *fg_shm_pfx_pending(struct fg_shm *s, uint32_t timeout_ms);
void fg_shm_pfx_done(struct fg_shm *s, const struct fg_shm_txn_res *res);

/** A consistent copy of the current lists (under the writers' lock). */
int fg_shm_lists_read(struct fg_shm_handle *h, struct fg_fed_lists *out);

/** fg_shm_lists_read(); @p flags LOCK_NB: -EWOULDBLOCK rather than wait
 * (the main lcore: a floodctl holds the lock while it waits for it). */
int fg_shm_lists_read_flags(struct fg_shm_handle *h, struct fg_fed_lists *out, int flags);

/** Write @p l, @p s and @p t (fg_lists_save()) to @p path atomically (temp
 * file, fsync, rename); the file it replaces stays as PATH.prev.
 * @return 0 or -errno. */
int fg_shm_state_save(const char *path, const struct fg_fed_lists *l,
		      const struct fg_pfxset *s, const struct fg_tags *t, char *err,
		      size_t errlen);

/** Write a file atomically as fg_shm_state_save() does: @p write (returns
 * >= 0 or -errno) fills the temporary file. @return 0 or -errno. */
int fg_shm_file_save(const char *path, int (*write)(FILE *f, void *arg), void *arg,
		     char *err, size_t errlen);

/** The whole of @p path (at most @p max bytes) in a malloc()ed, NUL-ended
 * buffer. @return 0, -ENOENT, or -errno with @p err. */
int fg_shm_file_read(const char *path, size_t max, char **out, size_t *outlen, char *err,
		     size_t errlen);

/** Read a state file into @p l and the empty set @p s (fg_lists_load()).
 * @return 0, -ENOENT, or -EINVAL/-EFBIG with @p err. */
int fg_shm_state_load(const char *path, struct fg_fed_lists *l, struct fg_pfxset *s,
		      struct fg_tags *t, char *err, size_t errlen);

/** Requester: send @p req, wait up to @p timeout_ms for @p resp. */
int fg_shm_call(struct fg_shm_handle *h, const struct fg_shm_req *req,
		struct fg_shm_resp *resp, uint32_t timeout_ms);

/** Main lcore: sleep until a request comes, at most @p timeout_us (none
 * pending: returns at once). */
void fg_shm_request_wait(struct fg_shm *s, uint32_t timeout_us);

/** Main lcore: the pending request, or NULL. Answer with fg_shm_answer(). */
const struct fg_shm_req *fg_shm_pending(struct fg_shm *s);
void fg_shm_answer(struct fg_shm *s, const struct fg_shm_resp *resp);

/** Main lcore: publish the stats block (between begin and end). */
void fg_shm_stats_begin(struct fg_shm *s);
void fg_shm_stats_end(struct fg_shm *s);

/** Writer: @p seq odd (writing), then even again (published). */
void fg_shm_seq_begin(uint64_t *seq);
void fg_shm_seq_end(uint64_t *seq);

/**
 * Reader: a copy of @p n bytes at @p src, written under sequence word
 * @p seq (odd while written), into @p dst. @return 0 or -EAGAIN.
 */
int fg_shm_seq_read(const uint64_t *seq, void *dst, const void *src, size_t n);

/** Reader: a consistent copy of the published stats (fields from stats_seq on). */
int fg_shm_stats_read(const struct fg_shm *s, struct fg_shm *out);

/** Main lcore: append an event (and hand it to the hook, if one is set). */
void fg_shm_event(struct fg_shm *s, enum fg_event_kind kind, uint32_t cls,
		  const uint8_t addr[16], uint64_t arg, uint64_t unix_ns);

/** fg_shm_event() of an event about a From domain (@p domain; NULL: none). */
void fg_shm_event_dom(struct fg_shm *s, enum fg_event_kind kind, uint32_t cls,
		      const uint8_t addr[16], const char *domain, uint64_t arg,
		      uint64_t unix_ns);

/**
 * Data plane: @p fn sees every event fg_shm_event() appends, once, after
 * it is in the ring (floodguard logs each as a line, fg_event_line()).
 */
void fg_shm_event_hook(void (*fn)(const struct fg_event *ev));

/**
 * @p ev as one line of key=value pairs, the stable log interface
 * (docs/operations.md "Events as log lines"): event=NAME seq=N then the
 * kind's fields; seq is the event's position in the ring
 * (what floodctl events counts from). @return snprintf()'s.
 */
int fg_event_line(const struct fg_event *ev, char *buf, size_t len);

/**
 * Reader: the event at position @p pos (0-based) into @p ev.
 * @return 1 read, 0 not written yet, -1 overwritten (lost: move on).
 */
int fg_shm_event_read(const struct fg_shm *s, uint64_t pos, struct fg_event *ev);

const char *fg_event_name(enum fg_event_kind k);

/** CLOCK_REALTIME in ns (the times the segment holds). */
uint64_t fg_shm_unix_ns(void);

/** CLOCK_MONOTONIC in ns (deadlines; a transaction's handed_ns). */
uint64_t fg_shm_mono_ns(void);

#endif /* FG_SHM_H */
