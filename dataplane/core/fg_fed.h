/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_FED_H
#define FG_FED_H

/**
 * @file
 * SIP federation protections (docs/sip.md): per partner (a source
 * address) the failure ratio of the protected servers' responses, the
 * distinct Request-URIs it asks for, its sustained message rate; the
 * watch list those make, with its throttling mode; the allow, block and
 * watch lists by address, prefix and domain. Pure C; time is an argument;
 * the caller gives the memory (fg_fed_mem_size()).
 *
 * Concurrency: the partner table is shared by every worker. Lookups take
 * no lock (entries are published once and never move or go away); each
 * partner's state is updated under its own spinlock, held for a few
 * dozen instructions per SIP message (SIP rates are thousands per second
 * per partner at most, not millions). Inserting a partner takes the
 * table's lock.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fg_limit.h"
#include "fg_parse.h"
#include "fg_pfxset.h"
#include "fg_prefix.h"
#include "fg_verdict.h"

/* Why a partner is on the watch list (fg_partner.flags). */
#define FG_FED_SUSPICIOUS 0x01  /**< failed/successful responses above the ratio */
#define FG_FED_URIS       0x02  /**< more than uri_limit distinct Request-URIs */
#define FG_FED_SUSTAINED  0x04  /**< near the sustained rate for sustained_s */
#define FG_FED_MANUAL     0x08  /**< an operator put it there */
#define FG_FED_NREASONS 4

/**
 * Throttling mode of a watch entry: the source document's ThrottlingMode,
 * the operator's setting of when the entry alerts (it changes no verdict).
 */
enum fg_fed_mode {
	FG_FED_MODE_HIGH = 0,   /**< alert on suspicious traffic or the URI condition */
	FG_FED_MODE_MEDIUM,     /**< alert on suspicious traffic and the URI condition */
	FG_FED_MODE_COUNT
};

#define FG_FED_DOMAINS 4       /**< From domains remembered per partner */
#define FG_FED_LIST_MAX 256    /**< entries of each list */
#define FG_FED_BIND_MAX 4      /**< prefixes an allowed domain binds to */

/** Thresholds; every one is a configuration key ([sip-rules]). */
struct fg_fed_cfg {
	uint32_t partners;         /**< partners tracked (table size) */
	uint32_t ratio_window_ms;  /**< responses are counted in windows this long */
	uint32_t ratio_min;        /**< final responses seen before the ratio counts */
	uint32_t ratio_max_pct;    /**< failed > this % of successful: suspicious */
	struct fg_rate watch_rate; /**< a suspicious partner's messages/s */
	uint8_t watch_gen;         /**< changes with watch_rate: the partners'
					TATs restart (fg_class_limits.gen) */
	uint32_t uri_limit;        /**< distinct Request-URIs before the URI rule */
	uint32_t sustained_rate;   /**< messages/s the sustained rule is about */
	uint32_t sustained_pct;    /**< "near": at least this % of it ... */
	uint32_t sustained_s;      /**< ... in this many consecutive seconds */
	uint32_t expiry_s;         /**< automatic entries leave after this; 0: never */
	uint32_t default_mode;     /**< enum fg_fed_mode of entries nobody set one for */
	uint32_t nlocal;
	char local[8][FG_DOMAIN_MAX]; /**< the local domains (URI rule); none: any */
};

/** An allow-listed domain and the prefixes its requests must come from. */
struct fg_fed_domain_bind {
	char domain[FG_DOMAIN_MAX];
	uint32_t nbind;
	struct fg_prefix bind[FG_FED_BIND_MAX];
};

/**
 * The domain lists (the data plane reads them from shared memory,
 * fg_shm.h). The allow and block lists of prefixes are a struct
 * fg_pfxset (fg_fed_set_prefixes()).
 */
struct fg_fed_lists {
	uint32_t nallow_dom, nblock_dom, nwatch_dom;
	struct fg_fed_domain_bind allow_dom[FG_FED_LIST_MAX];
	char block_dom[FG_FED_LIST_MAX][FG_DOMAIN_MAX];
	char watch_dom[FG_FED_LIST_MAX][FG_DOMAIN_MAX];
};

/** One partner. Readers outside the data path take fg_fed_partner_read(). */
struct fg_partner {
	/*
	 * The first line is what a lookup reads, and is written only when
	 * the partner is added, learns a domain or is given a mode by hand
	 * (floodctl watch set --mode): lookups from other lcores
	 * probe through it (linear probing) while the partner's own lcore
	 * writes the lines after it on every message.
	 */
	uint8_t addr[16];
	uint32_t used;             /**< published (release) once the key is set */
	uint32_t ndom;
	uint64_t *uris;            /**< open addressing set of URI hashes */
	uint8_t domlen[FG_FED_DOMAINS];
	uint32_t mode;             /**< 0: default_mode; else 1 + enum fg_fed_mode, by hand */
	/* the watch entry and the rule state: written per message */
	uint32_t lock __attribute__((aligned(64)));
	uint32_t flags;            /**< FG_FED_* */
	uint32_t nuris;            /**< distinct URIs held (<= uri_limit) */
	uint32_t tat;              /**< watch_rate limiter (fg_limit.h units) */
	uint64_t since_ns;         /**< on the watch list since; 0: not on it */
	uint64_t last_ns;          /**< last message */
	uint64_t sec;              /**< second of the sustained rule's count */
	uint32_t sec_count, streak;
	uint32_t win_start_ms, ok, fail;   /**< responses in the current window */
	uint8_t tat_gen;           /**< the watch_gen tat counts in */
	/* counters */
	uint64_t requests, other_msgs, resp_ok, resp_fail;
	uint64_t drop_rate, drop_uri;
	uint64_t reason_ns[FG_FED_NREASONS]; /**< when each reason (bit) was set; 0: not set */
	char domains[FG_FED_DOMAINS][FG_DOMAIN_MAX];
} __attribute__((aligned(64)));

struct fg_fed_stats {
	uint64_t untracked;        /**< no partner slot left */
	uint64_t allow_spoof;      /**< allowed domain claimed from outside its prefixes */
	uint64_t watch_dom_msgs;   /**< messages claiming a watched domain */
	uint64_t watched;          /**< partners put on the watch list */
};

/** Modes an operator set on domains (fg_fed_set_mode()). */
struct fg_fed_dmodes {
	uint32_t n;
	uint8_t mode[FG_FED_LIST_MAX];          /**< enum fg_fed_mode */
	char domain[FG_FED_LIST_MAX][FG_DOMAIN_MAX];
};

/**
 * One watch-list entry (fg_fed_entries()): a From domain with the
 * watched partners that used it, or a partner address that used none.
 */
#define FG_FED_ENTRY_ADDRS 4
struct fg_fed_entry {
	char domain[FG_DOMAIN_MAX];   /**< "": an address entry (addr[0]) */
	uint32_t naddr;               /**< partners in it (addr[] holds the first 4) */
	uint8_t addr[FG_FED_ENTRY_ADDRS][16];
	uint32_t flags;               /**< FG_FED_* of its partners, ORed */
	uint8_t mode;                 /**< enum fg_fed_mode in force */
	uint8_t mode_set;             /**< the mode was set by hand */
	uint8_t alert;                /**< the mode's condition holds */
	uint8_t pad;
	uint32_t nuris;               /**< distinct URIs, summed */
	uint64_t since_ns;            /**< earliest of its partners' */
	uint64_t alert_ns;            /**< since when the alert holds; 0: it does not */
	uint64_t requests, other_msgs, resp_ok, resp_fail, drop_rate, drop_uri;
};

/**
 * Whether entry @p w holds its partners by an automatic reason (what
 * floodctl blocked and the offline report list; an entry only watched
 * by hand is the operator's, as the block list is). Its automatic
 * reasons go expiry_s after since_ns (fg_fed_expire()).
 */
static inline bool
fg_fed_entry_holds(const struct fg_fed_entry *w)
{
	return (w->flags & ~FG_FED_MANUAL) != 0 && w->since_ns != 0;
}

struct fg_fed {
	struct fg_fed_cfg cfg;     /**< as set up: sizes, local domains */
	/** thresholds in force: &cfg, or what the owner published
	 * (fg_fed_publish()); each call reads it once */
	const struct fg_fed_cfg *live;
	const struct fg_fed_lists *lists;
	const struct fg_pfxset *pfx; /**< allow and block prefixes; NULL: none */
	uint32_t mask;             /**< partner slots - 1 */
	uint32_t uri_mask;         /**< URI set slots - 1 */
	uint32_t lock;             /**< inserts */
	uint32_t npartners;        /**< partners inserted (URI sets handed out) */
	uint8_t local_len[8];      /**< strlen of cfg.local[] */
	uint64_t epoch;
	struct fg_partner *p;
	uint32_t dm_lock;          /**< dmodes */
	struct fg_fed_dmodes dmodes;
};

/**
 * Make @p c the thresholds in force (the rates, ratios, sustained rule,
 * expiry: its sizes and local domains are @p f's own). A call that began
 * earlier may still read the old set: the caller keeps it unchanged until
 * none can (the data plane waits for its workers, fg_dp_publish()).
 */
static inline void
fg_fed_publish(struct fg_fed *f, const struct fg_fed_cfg *c)
{
	__atomic_store_n(&f->live, c, __ATOMIC_RELEASE);
}

/** The thresholds in force (fg_fed_publish()); read once per call. */
static inline const struct fg_fed_cfg *
fg_fed_live(const struct fg_fed *f)
{
	return __atomic_load_n(&f->live, __ATOMIC_ACQUIRE);
}

/** Defaults (docs/sip.md). */
void fg_fed_cfg_default(struct fg_fed_cfg *c);

/** Bytes fg_fed_init() needs. 0: the configuration is out of range. */
size_t fg_fed_mem_size(const struct fg_fed_cfg *c);

/** Set up in @p mem (fg_fed_mem_size() bytes, 64-byte aligned). @return 0 or -EINVAL. */
int fg_fed_init(struct fg_fed *f, const struct fg_fed_cfg *c, const struct fg_fed_lists *l,
		void *mem, size_t len, uint64_t now_ns);

/**
 * A packet from the outside at @p now_ns, in two stages: the block and
 * allow lists' verdict (any class), then for SIP and SIP over TLS the
 * partner rules (fg_fed.c: lists_verdict(), partner_rules(); one call for
 * the data plane). @p frame: the bytes fg_parse() read.
 * @return FG_V_BLOCKED, FG_V_PASS_ALLOW, FG_V_SIP_WATCH_RATE,
 * FG_V_SIP_NEW_URI, or FG_V_NONE: no verdict here, the per-source limits
 * decide.
 */
enum fg_verdict fg_fed_inbound_lists(struct fg_fed *f, const struct fg_fed_lists *l,
				     const struct fg_pkt *p, const uint8_t *frame,
				     uint64_t now_ns, struct fg_fed_stats *st);

/** fg_fed_inbound_lists() with the lists given to fg_fed_init(). */
static inline enum fg_verdict
fg_fed_inbound(struct fg_fed *f, const struct fg_pkt *p, const uint8_t *frame,
	       uint64_t now_ns, struct fg_fed_stats *st)
{
	return fg_fed_inbound_lists(f, f->lists, p, frame, now_ns, st);
}

/** The allow and block prefixes @p f reads from now on (NULL: none). */
static inline void
fg_fed_set_prefixes(struct fg_fed *f, const struct fg_pfxset *s)
{
	f->pfx = s;
}

/** A message from the protected side: final responses feed the ratio. */
void fg_fed_outbound(struct fg_fed *f, const struct fg_pkt *p, uint64_t now_ns,
		     struct fg_fed_stats *st);

/** "high", "medium"; "?" past them. */
const char *fg_fed_mode_name(enum fg_fed_mode m);

/** The mode named @p s (case-insensitive), or -1. */
int fg_fed_mode_parse(const char *s);

/**
 * Whether @p mode's condition holds for reasons @p flags, and since when
 * (@p reason_ns: when each reason was set), into *@p since_ns (0: it
 * does not hold).
 */
bool fg_fed_alert(enum fg_fed_mode mode, uint32_t flags,
		  const uint64_t reason_ns[FG_FED_NREASONS],
		  uint64_t *since_ns);

/**
 * Set the mode of the watch entry @p key (a domain, or an address as
 * fg_addr_str() writes it; @p addr for an address, else NULL): @p mode
 * an enum fg_fed_mode, or -1 to go back to default_mode. An address
 * must be a tracked partner.
 * @return 0, -ENOENT (no such partner), -ENOSPC (no room for a domain).
 */
int fg_fed_set_mode(struct fg_fed *f, const char *domain, const uint8_t *addr, int mode);

/**
 * The watch list as the document has it, into @p out (at most @p max):
 * one entry per From domain of a watched partner (its partners beside
 * it; a partner that used several domains is in each), one per watched
 * partner that used none, one per domain of @p l's watch_dom (by hand:
 * FG_FED_MANUAL) not already there. @return entries written.
 */
uint32_t fg_fed_entries(struct fg_fed *f, const struct fg_fed_lists *l,
			struct fg_fed_entry *out, uint32_t max);

/**
 * Name of reason flag 1 << @p bit: "failure-ratio", "uri-limit",
 * "sustained-rate", "manual" (what floodctl, the offline report,
 * telemetry and docs/sip.md call them); NULL past the last.
 */
const char *fg_fed_reason_name(unsigned int bit);

/** The names of the reasons in @p flags, comma-separated, into @p buf. */
const char *fg_fed_reasons_str(uint32_t flags, char *buf, size_t len);

/** The partner of @p addr, or NULL (lock-free). */
struct fg_partner *fg_fed_find(struct fg_fed *f, const uint8_t addr[16]);

/**
 * Ask for the partner slot where @p addr's search starts: its key, and
 * its lock's line for writing (a burst loop's prefetch ahead of the SIP
 * rules).
 */
void fg_fed_prefetch(const struct fg_fed *f, const uint8_t addr[16]);

/**
 * The partner in use at slot *@p i or after it, *i moved past it; NULL
 * after the last. Lock-free (fg_fed_partner_read() for a consistent copy):
 *	for (uint32_t i = 0; (pt = fg_fed_next(f, &i)) != NULL;)
 */
struct fg_partner *fg_fed_next(struct fg_fed *f, uint32_t *i);

/** A consistent copy of @p p (under its lock), without its URI set. */
void fg_fed_partner_read(struct fg_partner *p, struct fg_partner *out);

/**
 * Take @p addr off the watch list (an operator's removal). @return the
 * reasons that still hold (the caller warns), or -1 when it was not on it.
 */
int fg_fed_unwatch(struct fg_fed *f, const uint8_t addr[16]);

/**
 * Lift the automatic reasons of @p addr's watch entry (floodctl unblock):
 * a reason put there by hand stays. @p forgive: also forget what would
 * put it back (its response counts, distinct URIs, sustained seconds).
 * *@p still: the reasons whose condition holds afterwards (the caller
 * warns). @return the reasons lifted (FG_FED_*), 0 when none.
 */
int fg_fed_lift(struct fg_fed *f, const uint8_t addr[16], bool forgive, uint32_t *still);

/** Put @p addr on the watch list by hand. @return 0, or -ENOSPC. */
int fg_fed_watch(struct fg_fed *f, const uint8_t addr[16], uint64_t now_ns);

/** Automatic entries older than expiry_s leave the list. @return how many. */
uint32_t fg_fed_expire(struct fg_fed *f, uint64_t now_ns);

/** 64-bit hash of a Request-URI, normalized (docs/sip.md); 0 when not a SIP URI. */
uint64_t fg_fed_uri_hash(const uint8_t *uri, size_t len, const uint8_t **host,
			 size_t *host_len);

/**
 * The partner table's state to @p out as text (docs/sip.md "Across
 * restarts"): every partner with reasons, URIs or a mode set by hand (its
 * reasons and their times, mode, counters, From domains, URI hashes), the
 * domains' modes, and a last line "end COUNT crc32=HEX". Times are unix
 * ns: the fed clock's plus @p off_ns. @return records written, or -errno.
 */
int fg_fed_state_write(struct fg_fed *f, FILE *out, uint64_t off_ns);

/**
 * Restore what fg_fed_state_write() wrote (@p buf, @p len bytes; checked
 * whole before anything is restored: header, every line, count, CRC).
 * Partners beyond the table, URIs beyond uri_limit are left out (counted
 * in the return's log by the caller: *@p dropped).
 * @return partners restored, or -EINVAL with why in @p err.
 */
int fg_fed_state_read(struct fg_fed *f, const char *buf, size_t len, uint64_t off_ns,
		      uint32_t *dropped, char *err, size_t errlen);

#endif /* FG_FED_H */
