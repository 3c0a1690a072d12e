/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_BGP_H
#define FG_BGP_H

/**
 * @file
 * Blocks exported over BGP and the cluster's blocks taken in
 * (docs/bgp.md). The data plane parses [bgp] into struct fg_bgp_cfg,
 * puts it in the segment and starts the speaker (exabgp); the speaker
 * runs the feed (floodctl bgp feed), which reads the block decisions
 * from the segment, turns them into the speaker's commands and reads
 * back what the peers announce. This file is the part both sides and
 * the tests share: the settings, the rails, the commands, the parser of
 * what the speaker says.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fg_parse.h"
#include "fg_prefix.h"

#define FG_BGP_PEERS   4       /**< [bgp] peers */
#define FG_BGP_COMMS   8       /**< [bgp] communities */
#define FG_BGP_PROTECT 16      /**< protected prefixes a FlowSpec rule names */
#define FG_BGP_PORTS   8       /**< ports of a class in a FlowSpec rule */
#define FG_BGP_ROUTES  16384   /**< routes the feed keeps (max_routes at most) */
#define FG_BGP_BLACKHOLE ((65535u << 16) | 666u)   /**< RFC 7999 */
#define FG_BGP_NO_EXPORT 0xffffff01u                /**< RFC 1997 */

/** What is announced for a block. */
enum {
	FG_BGP_RTBH = 1,           /**< the source /32 or /128, 65535:666 */
	FG_BGP_FLOWSPEC = 2,       /**< source + protected prefix + ports: discard */
};

/** [bgp] as text (the configuration file's values). */
struct fg_bgp_text {
	char peers[256];
	char local_address[48];
	char router_id[16];
	char announce[16];
	char communities[128];
	char cluster_community[16];
	char next_hop[48];
	char next_hop6[48];
	char speaker[128];
};

/** [bgp], checked; in the segment for the feed. */
struct fg_bgp_cfg {
	uint32_t npeers;           /**< 0: no BGP */
	char peer[FG_BGP_PEERS][48];
	char local[48];
	char router_id[16];
	char next_hop[48], next_hop6[48];
	char speaker[128];
	uint32_t local_as, peer_as;
	uint32_t announce;         /**< FG_BGP_RTBH | FG_BGP_FLOWSPEC */
	uint32_t ncomm;
	uint32_t comm[FG_BGP_COMMS];   /**< asn << 16 | value */
	uint32_t cluster;          /**< the cluster's community; 0: no cluster */
	uint32_t min_pps;          /**< automatic blocks at this rate or more */
	uint32_t max_routes;
	uint32_t max_updates_s;
	uint32_t hold_s;           /**< routes stay this long after floodguard stops */
	uint32_t import_hold_s;    /**< the cluster's routes stay this long after
				    *   their session went down */
	uint8_t min_len4, min_len6;    /**< shorter prefixes are refused */
	uint16_t pad;
	uint32_t nprotect;
	struct fg_prefix protect[FG_BGP_PROTECT];  /**< [protect] prefixes */
	/** per class: its (proto << 16 | port) for FlowSpec, 0 ends */
	uint32_t ports[FG_CLASS_COUNT][FG_BGP_PORTS];
};

/** Defaults of the numbers (the text is empty: no BGP). */
void fg_bgp_cfg_default(struct fg_bgp_cfg *b);

/**
 * Check @p t into @p b (its numbers already set). Every error names the
 * key. @return 0, or -EINVAL with why in @p err.
 */
int fg_bgp_cfg_text(struct fg_bgp_cfg *b, const struct fg_bgp_text *t, char *err,
		    size_t errlen);

/** Why a route is not announced, or not taken in. */
#define FG_BGP_REFUSALS(X) \
	X(NONE, "none") \
	X(TOO_SHORT, "too-short") \
	X(ALLOWED, "allowed") \
	X(PROTECTED, "protected") \
	X(MAX_ROUTES, "max-routes") \
	X(NO_COMMUNITY, "no-community") \
	X(NOT_UNICAST, "not-unicast") \
	X(SPEAKER, "speaker-error")

enum fg_bgp_refusal {
#define FG_BGP_R_(e, s) FG_BGP_R_##e,
	FG_BGP_REFUSALS(FG_BGP_R_)
#undef FG_BGP_R_
	FG_BGP_R_COUNT
};

const char *fg_bgp_refusal_name(unsigned int r);

/**
 * The rails for prefix @p p: too short, or overlapping (holding or held
 * by) one of the @p nallow allowed prefixes or a protected prefix.
 * @return FG_BGP_R_NONE or the refusal.
 */
enum fg_bgp_refusal fg_bgp_rails(const struct fg_bgp_cfg *b, const struct fg_prefix *p,
				 const struct fg_prefix *allow, uint32_t nallow);

/** Whether @p p is an IPv4 prefix (mapped, fg_prefix.h). */
static inline bool
fg_prefix_v4(const struct fg_prefix *p)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return p->len >= 96 && __builtin_memcmp(p->addr, mapped, 12) == 0;
}

/** Whether @p a holds @p b or @p b holds @p a. */
bool fg_prefix_overlap(const struct fg_prefix *a, const struct fg_prefix *b);

/** Print @p p as text ("a.b.c.d/n", "x::y/n"); @return @p buf. */
char *fg_prefix_str(const struct fg_prefix *p, char *buf, size_t n);

/** The parts of a block's announcement. */
enum {
	FG_BGP_C_UNICAST = 1,      /**< the unicast route (RTBH, or the cluster's) */
	FG_BGP_C_FLOW = 2,         /**< the FlowSpec rules */
};

/**
 * The speaker's commands (one per line, each ending '\n') that announce
 * (or with @p withdraw, withdraw) the @p parts of the block of @p p;
 * @p cls: the class of an automatic block, FG_CLASS_COUNT for a list
 * block (every port).
 * @return the number of commands, written into @p out (@p n bytes), or
 * -ENOSPC.
 */
int fg_bgp_commands(const struct fg_bgp_cfg *b, const struct fg_prefix *p, unsigned int cls,
		    bool withdraw, unsigned int parts, char *out, size_t n);

/**
 * One command for the unicast routes of @p np blocks @p p of one family
 * (exabgp's "announce attributes ... nlri P..."): exabgp parses it ~100
 * times faster than np commands of one route each.
 * @return 1, 0 (no unicast routes: FlowSpec only, no cluster), -ENOSPC.
 */
int fg_bgp_unicast_batch(const struct fg_bgp_cfg *b, const struct fg_prefix *p, uint32_t np,
			 bool withdraw, char *out, size_t n);

/** What a line from the speaker (exabgp's text encoder) says. */
enum fg_bgp_msg_kind {
	FG_BGP_M_OTHER = 0,        /**< nothing the feed uses */
	FG_BGP_M_UP,
	FG_BGP_M_DOWN,
	FG_BGP_M_ANNOUNCE,         /**< a unicast route received */
	FG_BGP_M_WITHDRAW,
	FG_BGP_M_FLOW,             /**< a FlowSpec route received (not taken in) */
	FG_BGP_M_DONE,             /**< a command was accepted */
	FG_BGP_M_ERROR,            /**< a command was refused */
};

struct fg_bgp_msg {
	enum fg_bgp_msg_kind kind;
	char peer[48];
	struct fg_prefix p;
	char origin[16];           /**< originator-id (reflected), or "" */
	bool cluster;              /**< carries the cluster's community */
};

/**
 * Parse one line @p line (no newline) of the speaker; @p cluster: the
 * community that marks the cluster's routes. @return 0, or -EINVAL (a
 * line that says it is an update but is not one: @p m->kind OTHER).
 */
int fg_bgp_parse(const char *line, uint32_t cluster, struct fg_bgp_msg *m);

#endif /* FG_BGP_H */
