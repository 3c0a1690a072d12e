/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_VERDICT_H
#define FG_VERDICT_H

/**
 * @file
 * Why a packet passed or was dropped. One X-macro list gives the enum, the
 * stable names (offline verdicts, counters, floodctl) and the counter
 * slots; names are an interface and are never renamed.
 */

#include <stdbool.h>

/* X(ID, "name", drops) */
#define FG_VERDICTS(X) \
	X(PASS, "pass", 0)                      /* within every limit */ \
	X(PASS_OTHER, "pass-other", 0)          /* not protected traffic */ \
	X(PASS_ALLOW, "pass-allow", 0)          /* allow-listed source */ \
	X(PASS_RESPONSE, "pass-response", 0)    /* from the protected side: observed */ \
	X(RATE_PPS, "rate-pps", 1)              /* packets/s bucket empty */ \
	X(RATE_BPS, "rate-bps", 1)              /* bytes/s bucket empty */ \
	X(SYN_RATE, "syn-rate", 1)              /* new TCP connections/s */ \
	X(FLOOD_BLOCKED, "flood-blocked", 1)    /* source is in its penalty */ \
	X(TOO_MANY_PARAMS, "too-many-params", 1) /* message/header bounds */ \
	X(TABLE_FULL, "table-full", 1)          /* no slot, nothing evictable */ \
	X(MALFORMED, "malformed", 1)            /* malformed, aimed at a protected port */ \
	X(BLOCKED, "block-list", 1)             /* source or its From domain is blocked */ \
	X(SIP_WATCH_RATE, "sip-watch-rate", 1)  /* suspicious partner above its 1 msg/s */ \
	X(SIP_NEW_URI, "sip-new-uri", 1)        /* a URI beyond the partner's first 1000 */

#define FG_V_ENUM_(id, name, drops) FG_V_##id,
/** Verdict reasons; fg_verdict_name() gives the names. */
enum fg_verdict {
	FG_VERDICTS(FG_V_ENUM_)
	FG_V_COUNT
};
#undef FG_V_ENUM_

/** No verdict yet: the next stage decides (not a counted reason). */
#define FG_V_NONE FG_V_COUNT

/** "pass", "rate-pps", ... or "?" for an out-of-range value. */
const char *fg_verdict_name(unsigned int v);

/** Whether a verdict drops the packet (bit v of FG_V_DROP_MASK). */
#define FG_V_DROPS_BIT_(id, name, drops) | ((unsigned int)(drops) << FG_V_##id)
#define FG_V_DROP_MASK (0u FG_VERDICTS(FG_V_DROPS_BIT_))
_Static_assert(FG_V_COUNT <= 32, "verdicts fit a 32-bit mask");

static inline bool
fg_verdict_drops(unsigned int v)
{
	return v < FG_V_COUNT && ((FG_V_DROP_MASK >> v) & 1);
}

/**
 * Where monitor mode is switched on (each a `monitor` key of that
 * section): X(ID, "section"). In monitor mode a packet a rule of the
 * scope would drop passes, counted under its reason as a would-drop.
 */
#define FG_MON_SCOPES(X) \
	X(ALL, "dataplane")      /* every rule but the lists */ \
	X(MOM, "mom")            /* the class's limits: rates, flood rule, ... */ \
	X(SIP, "sip") \
	X(SIP_TLS, "sip-tls") \
	X(SIP_RULES, "sip-rules") /* the partner rules: watch rate, new URIs */ \
	X(LISTS, "lists")        /* the block list (never by [dataplane]) */

#define FG_MON_ENUM_(id, name) FG_MON_##id,
enum fg_mon_scope {
	FG_MON_SCOPES(FG_MON_ENUM_)
	FG_MON_COUNT
};
#undef FG_MON_ENUM_

/** "dataplane", "mom", ... or "?". */
const char *fg_mon_scope_name(unsigned int s);

/**
 * The verdicts (bit v) that pass as would-drops for a packet of class
 * @p cls (enum fg_class; a malformed packet: the class of its port) when
 * the scopes @p on[] are in monitor mode. Only drop verdicts are in it.
 */
uint32_t fg_mon_mask(const uint8_t on[FG_MON_COUNT], unsigned int cls);

#endif /* FG_VERDICT_H */
