/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_REASON_H
#define FG_REASON_H

/**
 * @file
 * Why the classifier said what it said about a packet.
 *
 * One list, three uses: the enum, the names printed by floodctl and the
 * counters. Notes (FG_R_NOTE_*) are observations about well-formed packets;
 * every entry after FG_R_MALFORMED_FIRST makes the packet class "malformed".
 * Names are part of the operator interface: never rename one.
 */

#define FG_REASONS(X) \
	X(OK,                 "ok") \
	/* notes: the packet is well formed */ \
	X(IP4_FRAG_NONFIRST,  "ip4-frag-nonfirst") \
	X(IP6_FRAG_NONFIRST,  "ip6-frag-nonfirst") \
	X(IP_FRAG_FIRST,      "ip-frag-first") \
	X(IP6_ESP,            "ip6-esp") \
	X(SIP_TCP_PARTIAL,    "sip-tcp-partial") \
	X(SIP_TCP_NONSTART,   "sip-tcp-nonstart") \
	/* malformed: L2 */ \
	X(ETH_TRUNCATED,      "eth-truncated") \
	X(VLAN_TRUNCATED,     "vlan-truncated") \
	X(VLAN_TOO_MANY,      "vlan-too-many") \
	/* malformed: IPv4 */ \
	X(IP4_TRUNCATED,      "ip4-truncated") \
	X(IP4_VERSION,        "ip4-version") \
	X(IP4_IHL,            "ip4-ihl") \
	X(IP4_HDR_TRUNCATED,  "ip4-hdr-truncated") \
	X(IP4_TOTLEN_SHORT,   "ip4-totlen-short") \
	X(IP4_TOTLEN_LONG,    "ip4-totlen-long") \
	X(IP4_OPT_BAD,        "ip4-opt-bad") \
	X(IP4_FRAG_TINY,      "ip4-frag-tiny") \
	X(IP4_FRAG_OVERSIZE,  "ip4-frag-oversize") \
	X(IP4_SRC_INVALID,    "ip4-src-invalid") \
	/* malformed: IPv6 */ \
	X(IP6_TRUNCATED,      "ip6-truncated") \
	X(IP6_VERSION,        "ip6-version") \
	X(IP6_PAYLEN_LONG,    "ip6-paylen-long") \
	X(IP6_JUMBO,          "ip6-jumbo") \
	X(IP6_EXT_TRUNCATED,  "ip6-ext-truncated") \
	X(IP6_EXT_TOO_MANY,   "ip6-ext-too-many") \
	X(IP6_HBH_ORDER,      "ip6-hbh-order") \
	X(IP6_RH0,            "ip6-rh0") \
	X(IP6_FRAG_TINY,      "ip6-frag-tiny") \
	X(IP6_FRAG_OVERSIZE,  "ip6-frag-oversize") \
	X(IP6_SRC_MULTICAST,  "ip6-src-multicast") \
	X(IP_LAND,            "ip-land") \
	/* malformed: L4 */ \
	X(TCP_TRUNCATED,      "tcp-truncated") \
	X(TCP_DOFF_SHORT,     "tcp-doff-short") \
	X(TCP_DOFF_LONG,      "tcp-doff-long") \
	X(TCP_SYN_FIN,        "tcp-syn-fin") \
	X(TCP_SYN_RST,        "tcp-syn-rst") \
	X(TCP_NULL_FLAGS,     "tcp-null-flags") \
	X(TCP_FIN_NO_ACK,     "tcp-fin-no-ack") \
	X(UDP_TRUNCATED,      "udp-truncated") \
	X(UDP_LEN_SHORT,      "udp-len-short") \
	X(UDP_LEN_LONG,       "udp-len-long") \
	X(L4_PORT_ZERO,       "l4-port-zero") \
	/* malformed: SIP */ \
	X(SIP_EMPTY,          "sip-empty") \
	X(SIP_NO_CRLF,        "sip-no-crlf") \
	X(SIP_NUL,            "sip-nul") \
	X(SIP_START_LINE,     "sip-start-line") \
	X(SIP_VERSION,        "sip-version") \
	X(SIP_METHOD,         "sip-method") \
	X(SIP_STATUS,         "sip-status") \
	X(SIP_RURI_EMPTY,     "sip-ruri-empty") \
	X(SIP_RURI_LONG,      "sip-ruri-long") \
	X(SIP_RURI_BAD,       "sip-ruri-bad") \
	X(SIP_HDR_UNTERMINATED, "sip-hdr-unterminated") \
	X(SIP_HDR_NAME_CTL,   "sip-hdr-name-ctl") \
	X(SIP_HDR_NO_COLON,   "sip-hdr-no-colon") \
	X(SIP_HDR_TOO_MANY,   "sip-hdr-too-many") \
	X(SIP_HDR_LINE_LONG,  "sip-hdr-line-long") \
	X(SIP_HDR_FOLD_FIRST, "sip-hdr-fold-first") \
	X(SIP_HDR_DUP,        "sip-hdr-dup") \
	X(SIP_HDR_MISSING,    "sip-hdr-missing") \
	X(SIP_FROM_EMPTY,     "sip-from-empty") \
	X(SIP_FROM_LONG,      "sip-from-long") \
	X(SIP_FROM_BAD,       "sip-from-bad") \
	X(SIP_CALLID_EMPTY,   "sip-callid-empty") \
	X(SIP_CALLID_LONG,    "sip-callid-long") \
	X(SIP_CSEQ_BAD,       "sip-cseq-bad") \
	X(SIP_CSEQ_RANGE,     "sip-cseq-range") \
	X(SIP_CSEQ_METHOD,    "sip-cseq-method") \
	X(SIP_CLEN_BAD,       "sip-clen-bad") \
	X(SIP_CLEN_RANGE,     "sip-clen-range") \
	X(SIP_TRAILING_BYTES, "sip-trailing-bytes") \
	X(SIP_TWO_MESSAGES,   "sip-two-messages") \
	X(SIP_TCP_MSGS,       "sip-tcp-msgs-many")

#define FG_REASON_ENUM_(id, name) FG_R_##id,
enum fg_reason {
	FG_REASONS(FG_REASON_ENUM_)
	FG_R_COUNT
};
#undef FG_REASON_ENUM_

/** First reason that makes a packet malformed; all before it are notes. */
#define FG_R_MALFORMED_FIRST FG_R_ETH_TRUNCATED

static inline int
fg_reason_is_malformed(unsigned int r)
{
	return r >= FG_R_MALFORMED_FIRST && r < FG_R_COUNT;
}

/** Stable name of a reason ("ip4-ihl"), or "?" for an out-of-range value. */
const char *fg_reason_name(unsigned int r);

/** Reason for a name, or -1 when there is none. */
int fg_reason_from_name(const char *name);

#endif /* FG_REASON_H */
