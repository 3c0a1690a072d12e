/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fixture table and its frame builder. Each entry is a well-formed
 * packet (fx_spec), optionally broken by byte patches or a truncation, and
 * the verdict the classifier owes it. Add a row, not a test.
 */
#include <arpa/inet.h>
#include <string.h>

#include "fg_parse.h"
#include "fixtures.h"

/* ---- SIP building blocks ------------------------------------------- */

#define CRLF "\r\n"
#define R_INVITE "INVITE sip:bob@biloxi.example.com SIP/2.0" CRLF
#define H_VIA "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds" CRLF
#define H_MAXF "Max-Forwards: 70" CRLF
#define H_TO "To: Bob <sip:bob@biloxi.example.com>" CRLF
#define H_FROM "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774" CRLF
#define H_CALLID "Call-ID: a84b4c76e66710@pc33.atlanta.example.com" CRLF
#define H_CSEQ "CSeq: 314159 INVITE" CRLF
#define H_CONTACT "Contact: <sip:alice@pc33.atlanta.example.com>" CRLF
#define H_CL0 "Content-Length: 0" CRLF
/* An INVITE minus the header named in the macro's suffix. */
#define INV_HDRS H_VIA H_MAXF H_TO H_FROM H_CALLID H_CSEQ H_CONTACT H_CL0
#define SIP_INVITE R_INVITE INV_HDRS CRLF
#define SIP_200 "SIP/2.0 200 OK" CRLF H_VIA H_TO H_FROM H_CALLID H_CSEQ \
	H_CONTACT H_CL0 CRLF

/* A short well-formed message (compact headers), 4, 32 and 33 of them. */
#define SIP_ACK "ACK sip:a@b SIP/2.0" CRLF "v: SIP/2.0/TCP h" CRLF "f: <sip:a@b>;tag=1" CRLF \
	"t: <sip:a@b>" CRLF "i: 1" CRLF "CSeq: 1 ACK" CRLF "l: 0" CRLF CRLF
#define SIP_ACK4 SIP_ACK SIP_ACK SIP_ACK SIP_ACK
#define SIP_ACK32 SIP_ACK4 SIP_ACK4 SIP_ACK4 SIP_ACK4 SIP_ACK4 SIP_ACK4 SIP_ACK4 SIP_ACK4

/* Long strings without a generator: 10, 100 and 1000 bytes. */
#define A10 "aaaaaaaaaa"
#define A100 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10
#define A1000 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100
#define X10 "X-P: 12" CRLF "X-P: 12" CRLF "X-P: 12" CRLF "X-P: 12" CRLF \
	"X-P: 12" CRLF "X-P: 12" CRLF "X-P: 12" CRLF "X-P: 12" CRLF \
	"X-P: 12" CRLF "X-P: 12" CRLF

/* A SIP request: method (the CSeq's too), Request-URI, From host,
 * Call-ID, CSeq number, header and Via counts. */
#define E_REQ(m, uri, from, cid, seq, hdrs, vias) .e = { .cls = FG_CLASS_SIP, \
	.sip_kind = FG_SIP_REQUEST, .method = m, .ruri = uri, .from_host = from, \
	.call_id = cid, .cseq = seq, .cseq_method = m, .headers = hdrs, .via = vias }
/* The INVITE and 200 OK above. */
#define ATLANTA "atlanta.example.com"
#define CALL_ID "a84b4c76e66710@pc33.atlanta.example.com"
#define E_INVITE E_REQ("INVITE", "sip:bob@biloxi.example.com", ATLANTA, CALL_ID, 314159, 8, 1)
#define E_200 .e = { .cls = FG_CLASS_SIP, .sip_kind = FG_SIP_RESPONSE, .status = 200, \
	.from_host = ATLANTA, .call_id = CALL_ID, .cseq = 314159, .cseq_method = "INVITE", \
	.headers = 7, .via = 1 }

#define UDP4 .ipv = 4, .l4 = 17
#define UDP6 .ipv = 6, .l4 = 17
#define TCP4 .ipv = 4, .l4 = 6
#define UDP4_SIP(pl) UDP4, .dport = 5060, .payload = pl
#define TCP4_SIP(pl) TCP4, .dport = 5060, .tcp_flags = 0x18, .payload = pl
#define OK_(c) .e = { .cls = FG_CLASS_##c, .reason = FG_R_OK }
#define BAD(r) .e = { .cls = FG_CLASS_MALFORMED, .reason = FG_R_##r }
#define NOTE(c, r) .e = { .cls = FG_CLASS_##c, .reason = FG_R_##r }
#define P(reg, o, b) { FX_##reg, o, sizeof(b) - 1, b }

/* IPv6 extension headers, 8 bytes each: next header, length, PadN. */
#define EXT_TO(nh) nh "\x00\x01\x04\x00\x00\x00\x00"

const struct fg_fixture fg_fixtures[] = {
	/* ---- well formed: agent traffic --------------------------------- */
	{ "mom-udp", { UDP4, .payload = "event" }, OK_(MOM) },
	{ "mom-tcp-syn", { TCP4 }, OK_(MOM) },
	{ "mom-tcp-data", { TCP4, .tcp_flags = 0x18, .payload = "event" }, OK_(MOM) },
	{ "mom-response-by-sport", { UDP4, .sport = 1270,
	  .dport = 40000, .payload = "ack" }, OK_(MOM) },
	{ "mom-udp-ip6", { UDP6, .payload = "event" }, OK_(MOM) },
	{ "mom-vlan", { .vlans = 1, UDP4, .payload = "e" }, OK_(MOM) },
	{ "mom-qinq", { .vlans = 2, TCP4 }, OK_(MOM) },
	{ "mom-ip4-options", { UDP4, .ip4_opts =
	  "\x01\x01\x94\x04\x00\x00\x01\x00", .ip4_opts_len = 8 }, OK_(MOM) },
	{ "mom-ip6-ext-chain", { UDP6, .ip6_nh = 0,
	  .ip6_ext = EXT_TO("\x3c") EXT_TO("\x11"), .ip6_ext_len = 16 }, OK_(MOM) },
	{ "mom-ip6-routing2", { UDP6, .ip6_nh = 43, .ip6_ext =
	  "\x11\x02\x02\x01\x00\x00\x00\x00" "\x20\x01\x0d\xb8\x00\x00\x00\x00"
	  "\x00\x00\x00\x00\x00\x00\x00\x09", .ip6_ext_len = 24 }, OK_(MOM) },
	{ "mom-loopback-same-addr", { UDP4, .src = "127.0.0.1", .dst = "127.0.0.1" }, OK_(MOM) },
	/* ---- well formed: other ----------------------------------------- */
	{ "other-dns", { UDP4, .sport = 53000, .dport = 53,
	  .payload = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", .plen = 12 }, OK_(OTHER) },
	{ "other-icmp", { .ipv = 4, .l4 = 1, .payload = "\x08\x00\xf7\xff\x00"
	  "\x00\x00\x00", .plen = 8 }, OK_(OTHER) },
	{ "other-arp", { .ipv = 0, .ethertype = 0x0806, .payload =
	  "\x00\x01\x08\x00\x06\x04\x00\x01", .plen = 8 }, OK_(OTHER) },
	{ "other-udp-5061", { UDP4, .dport = 5061 }, OK_(OTHER) },
	{ "sip-tls", { TCP4, .dport = 5061, .tcp_flags = 0x18,
	  .payload = "\x16\x03\x01\x00\x05hello", .plen = 10 }, OK_(SIP_TLS) },
	{ "other-ip4-frag-nonfirst", { UDP4, .frag = 0x0010,
	  .payload = "fragment" }, NOTE(OTHER, IP4_FRAG_NONFIRST) },
	{ "other-ip6-frag-nonfirst", { UDP6, .ip6_nh = 44,
	  .ip6_ext = "\x11\x00\x00\x80\x00\x00\x00\x01", .ip6_ext_len = 8,
	  .payload = "fragment" }, NOTE(OTHER, IP6_FRAG_NONFIRST) },
	{ "mom-ip4-frag-first", { UDP4, .frag = 0x2000,
	  .payload = "first" }, NOTE(MOM, IP_FRAG_FIRST) },
	{ "mom-ip6-frag-first", { UDP6, .ip6_nh = 44,
	  .ip6_ext = "\x11\x00\x00\x01\x00\x00\x00\x01", .ip6_ext_len = 8,
	  .payload = "first" }, NOTE(MOM, IP_FRAG_FIRST) },
	{ "other-ip6-esp", { .ipv = 6, .l4 = 50, .payload = "\x00\x00\x01\x00"
	  "\x00\x00\x00\x01", .plen = 8 }, NOTE(OTHER, IP6_ESP) },
	/* ---- well formed: SIP ------------------------------------------- */
	{ "sip-invite", { UDP4_SIP(SIP_INVITE) }, E_INVITE },
	{ "sip-200", { UDP4, .sport = 5060, .dport = 5060, .payload = SIP_200 }, E_200 },
	{ "sip-invite-ip6", { UDP6, .dport = 5060, .payload = SIP_INVITE }, E_INVITE },
	{ "sip-invite-tcp", { TCP4_SIP(SIP_INVITE) }, E_INVITE },
	{ "sip-invite-vlan", { .vlans = 1, UDP4_SIP(SIP_INVITE) }, E_INVITE },
	{ "sip-compact", { UDP4_SIP("OPTIONS sip:carol@chicago.example.com SIP/2.0" CRLF
	  "v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com" CRLF
	  "f: <sip:alice@atlanta.example.com>;tag=1" CRLF "t: <sip:carol@chicago.example.com>" CRLF
	  "i: 8e7@a.example.com" CRLF "CSeq: 7 OPTIONS" CRLF "l: 0" CRLF CRLF) },
	  E_REQ("OPTIONS", "sip:carol@chicago.example.com", ATLANTA, "8e7@a.example.com", 7, 6, 2) },
	{ "sip-folded-lws-case", { UDP4_SIP("REGISTER sips:registrar.example.com SIP/2.0" CRLF
	  "VIA : SIP/2.0/UDP a.example.com;branch=z9hG4bK2" CRLF
	  "from:\t\"Al \\\"Q\\\" Ice\" <sips:alice@[2001:db8::1]:5061>;tag=9" CRLF
	  "TO: <sips:alice@example.com>" CRLF "Call-Id:" CRLF " 77@a.example.com" CRLF
	  "cseq: 2" CRLF "\tREGISTER" CRLF "content-length  :  0" CRLF CRLF) },
	  E_REQ("REGISTER", "sips:registrar.example.com", "[2001:db8::1]",
		"77@a.example.com", 2, 6, 1) },
	{ "sip-custom-method-no-cl", { UDP4_SIP("FOO tel:+15551234 SIP/2.0" CRLF
	  H_VIA H_TO H_FROM H_CALLID "CSeq: 1 FOO" CRLF CRLF "body") },
	  E_REQ("FOO", "tel:+15551234", ATLANTA, CALL_ID, 1, 5, 1) },
	{ "sip-keepalive", { UDP4_SIP(CRLF CRLF) },
	  .e = { .cls = FG_CLASS_SIP, .sip_kind = FG_SIP_KEEPALIVE } },
	{ "sip-tcp-syn", { TCP4, .dport = 5060 }, OK_(SIP) },
	{ "sip-tcp-partial", { TCP4_SIP(R_INVITE H_VIA H_TO) }, NOTE(SIP, SIP_TCP_PARTIAL) },
	{ "sip-tcp-body-pending", { TCP4_SIP(R_INVITE H_VIA H_TO H_FROM
	  H_CALLID H_CSEQ "Content-Length: 100" CRLF CRLF "v=0") }, NOTE(SIP, SIP_TCP_PARTIAL) },
	{ "sip-tcp-nonstart", { TCP4_SIP("a=rtpmap:0 PCMU/8000" CRLF) },
	  NOTE(SIP, SIP_TCP_NONSTART) },
	{ "sip-tcp-two-messages", { TCP4_SIP(SIP_INVITE SIP_INVITE) }, E_INVITE },
	{ "sip-tcp-three-messages", { TCP4_SIP(SIP_INVITE SIP_200 SIP_INVITE) }, E_INVITE },
	{ "sip-tcp-keepalive-between", { TCP4_SIP(SIP_INVITE CRLF CRLF SIP_INVITE CRLF) },
	  E_INVITE },
	{ "sip-tcp-second-partial", { TCP4_SIP(SIP_INVITE R_INVITE H_VIA) },
	  NOTE(SIP, SIP_TCP_PARTIAL) },
	{ "sip-tcp-32-messages", { TCP4_SIP(SIP_ACK32) }, OK_(SIP) },
	/* ---- malformed: L2 ---------------------------------------------- */
	{ "eth-truncated", { UDP4 }, .trunc = 10, BAD(ETH_TRUNCATED) },
	{ "vlan-truncated", { .vlans = 1, UDP4 }, .trunc = 16, BAD(VLAN_TRUNCATED) },
	{ "vlan-too-many", { .vlans = 3, UDP4 }, BAD(VLAN_TOO_MANY) },
	/* ---- malformed: IPv4 -------------------------------------------- */
	{ "ip4-truncated", { UDP4 }, .trunc = 14 + 12, BAD(IP4_TRUNCATED) },
	{ "ip4-version-5", { UDP4 }, { P(L3, 0, "\x55") }, BAD(IP4_VERSION) },
	{ "ip4-ihl-4", { UDP4 }, { P(L3, 0, "\x44") }, BAD(IP4_IHL) },
	{ "ip4-ihl-0", { UDP4 }, { P(L3, 0, "\x40") }, BAD(IP4_IHL) },
	{ "ip4-ihl-past-end", { UDP4 }, { P(L3, 0, "\x4f") }, BAD(IP4_HDR_TRUNCATED) },
	{ "ip4-totlen-short", { UDP4 }, { P(L3, 2, "\x00\x10") }, BAD(IP4_TOTLEN_SHORT) },
	{ "ip4-totlen-long", { UDP4 }, { P(L3, 2, "\x05\xdc") }, BAD(IP4_TOTLEN_LONG) },
	{ "ip4-opt-len-zero", { UDP4, .ip4_opts =
	  "\x07\x00\x00\x00", .ip4_opts_len = 4 }, BAD(IP4_OPT_BAD) },
	{ "ip4-opt-len-overrun", { UDP4, .ip4_opts =
	  "\x44\x10\x05\x00", .ip4_opts_len = 4 }, BAD(IP4_OPT_BAD) },
	{ "ip4-opt-no-len", { UDP4, .ip4_opts =
	  "\x01\x01\x01\x83", .ip4_opts_len = 4 }, BAD(IP4_OPT_BAD) },
	{ "ip4-frag-tiny-first", { TCP4, .frag = 0x2000 },
	  { P(L3, 2, "\x00\x1c") }, BAD(IP4_FRAG_TINY) },
	{ "ip4-frag-tiny-offset8", { TCP4, .frag = 0x0001 }, BAD(IP4_FRAG_TINY) },
	{ "ip4-frag-oversize", { UDP4, .frag = 0x1fff }, BAD(IP4_FRAG_OVERSIZE) },
	{ "ip4-src-multicast", { UDP4, .src = "224.0.0.5" }, BAD(IP4_SRC_INVALID) },
	{ "ip4-src-broadcast", { UDP4, .src = "255.255.255.255" }, BAD(IP4_SRC_INVALID) },
	{ "ip4-land", { TCP4, .src = "198.18.0.9", .dst = "198.18.0.9" }, BAD(IP_LAND) },
	/* ---- malformed: IPv6 -------------------------------------------- */
	{ "ip6-truncated", { UDP6 }, .trunc = 14 + 30, BAD(IP6_TRUNCATED) },
	{ "ip6-version-4", { UDP6 }, { P(L3, 0, "\x40") }, BAD(IP6_VERSION) },
	{ "ip6-paylen-long", { UDP6 }, { P(L3, 4, "\x05\x00") }, BAD(IP6_PAYLEN_LONG) },
	{ "ip6-jumbo", { UDP6, .ip6_nh = 0, .ip6_ext = EXT_TO("\x11"), .ip6_ext_len = 8 },
	  { P(L3, 4, "\x00\x00") }, BAD(IP6_JUMBO) },
	{ "ip6-ext-runs-off", { UDP6, .ip6_nh = 60, .ip6_ext =
	  "\x11\x05\x01\x04\x00\x00\x00\x00", .ip6_ext_len = 8 }, BAD(IP6_EXT_TRUNCATED) },
	{ "ip6-ext-header-cut", { .ipv = 6, .l4 = 59, .ip6_nh = 60, .ip6_ext =
	  "\x3b\x00\x01\x04", .ip6_ext_len = 4 }, BAD(IP6_EXT_TRUNCATED) },
	{ "ip6-ext-too-many", { UDP6, .ip6_nh = 60, .ip6_ext =
	  EXT_TO("\x3c") EXT_TO("\x3c") EXT_TO("\x3c") EXT_TO("\x3c")
	  EXT_TO("\x3c") EXT_TO("\x3c") EXT_TO("\x3c") EXT_TO("\x11"),
	  .ip6_ext_len = 64 }, BAD(IP6_EXT_TOO_MANY) },
	{ "ip6-hbh-not-first", { UDP6, .ip6_nh = 60,
	  .ip6_ext = EXT_TO("\x00") EXT_TO("\x11"), .ip6_ext_len = 16 }, BAD(IP6_HBH_ORDER) },
	{ "ip6-rh0", { UDP6, .ip6_nh = 43, .ip6_ext =
	  "\x11\x00\x00\x00\x00\x00\x00\x00", .ip6_ext_len = 8 }, BAD(IP6_RH0) },
	{ "ip6-frag-tiny", { .ipv = 6, .l4 = 6, .ip6_nh = 44, .ip6_ext =
	  "\x06\x00\x00\x01\x00\x00\x00\x01", .ip6_ext_len = 8 },
	  { P(L3, 4, "\x00\x10") }, BAD(IP6_FRAG_TINY) },
	{ "ip6-frag-oversize", { UDP6, .ip6_nh = 44, .ip6_ext =
	  "\x11\x00\xff\xf8\x00\x00\x00\x01", .ip6_ext_len = 8 }, BAD(IP6_FRAG_OVERSIZE) },
	{ "ip6-src-multicast", { UDP6, .src = "ff02::1" }, BAD(IP6_SRC_MULTICAST) },
	{ "ip6-land", { UDP6, .src = "2001:db8::7", .dst = "2001:db8::7" }, BAD(IP_LAND) },
	/* ---- malformed: L4 ---------------------------------------------- */
	{ "tcp-truncated", { TCP4 }, { P(L3, 2, "\x00\x1e") }, BAD(TCP_TRUNCATED) },
	{ "tcp-doff-short", { TCP4 }, { P(L4, 12, "\x40") }, BAD(TCP_DOFF_SHORT) },
	{ "tcp-doff-long", { TCP4 }, { P(L4, 12, "\xf0") }, BAD(TCP_DOFF_LONG) },
	{ "tcp-syn-fin", { TCP4, .tcp_flags = 0x03 }, BAD(TCP_SYN_FIN) },
	{ "tcp-syn-rst", { TCP4, .tcp_flags = 0x06 }, BAD(TCP_SYN_RST) },
	{ "tcp-null-flags", { TCP4 }, { P(L4, 13, "\x00") }, BAD(TCP_NULL_FLAGS) },
	{ "tcp-xmas", { TCP4, .tcp_flags = 0x29 }, BAD(TCP_FIN_NO_ACK) },
	{ "udp-truncated", { UDP4 }, { P(L3, 2, "\x00\x18") }, BAD(UDP_TRUNCATED) },
	{ "udp-len-short", { UDP4 }, { P(L4, 4, "\x00\x04") }, BAD(UDP_LEN_SHORT) },
	{ "udp-len-long", { UDP4 }, { P(L4, 4, "\x01\x00") }, BAD(UDP_LEN_LONG) },
	{ "udp-sport-zero", { UDP4 }, { P(L4, 0, "\x00\x00") }, BAD(L4_PORT_ZERO) },
	/* ---- malformed: SIP --------------------------------------------- */
	{ "sip-empty", { UDP4, .dport = 5060 }, BAD(SIP_EMPTY) },
	{ "sip-lf-only-start", { UDP4_SIP("INVITE sip:bob@b SIP/2.0\n"
	  H_VIA CRLF) }, BAD(SIP_NO_CRLF) },
	{ "sip-lf-only-header", { UDP4_SIP(R_INVITE "Via: x\n" CRLF) }, BAD(SIP_NO_CRLF) },
	{ "sip-nul-in-header", { UDP4_SIP(R_INVITE "Via: a\0b" CRLF
	  CRLF), .plen = sizeof(R_INVITE) - 1 + 12 }, BAD(SIP_NUL) },
	{ "sip-nul-in-start", { UDP4_SIP("INVITE sip:b\0b@x SIP/2.0"
	  CRLF CRLF), .plen = 28 }, BAD(SIP_NUL) },
	{ "sip-crlf-then-junk", { UDP4_SIP(CRLF "INVITE") }, BAD(SIP_START_LINE) },
	{ "sip-no-version", { UDP4_SIP("INVITE sip:bob@b" CRLF CRLF) }, BAD(SIP_START_LINE) },
	{ "sip-version-3", { UDP4_SIP("INVITE sip:bob@b SIP/3.0" CRLF
	  INV_HDRS CRLF) }, BAD(SIP_VERSION) },
	{ "sip-method-bad-char", { UDP4_SIP("INV@TE sip:bob@b SIP/2.0"
	  CRLF CRLF) }, BAD(SIP_METHOD) },
	{ "sip-method-long", { UDP4_SIP(A100 " sip:bob@b SIP/2.0" CRLF CRLF) }, BAD(SIP_METHOD) },
	{ "sip-status-99", { UDP4_SIP("SIP/2.0 99 Bad" CRLF CRLF) }, BAD(SIP_STATUS) },
	{ "sip-status-4digit", { UDP4_SIP("SIP/2.0 2000 OK" CRLF CRLF) }, BAD(SIP_STATUS) },
	{ "sip-ruri-empty", { UDP4_SIP("INVITE  SIP/2.0" CRLF CRLF) }, BAD(SIP_RURI_EMPTY) },
	{ "sip-ruri-long", { UDP4_SIP("INVITE sip:" A1000 " SIP/2.0"
	  CRLF CRLF) }, BAD(SIP_RURI_LONG) },
	{ "sip-ruri-no-scheme", { UDP4_SIP("INVITE bob SIP/2.0" CRLF CRLF) }, BAD(SIP_RURI_BAD) },
	{ "sip-ruri-ctl", { UDP4_SIP("INVITE sip:b\x7f" "b SIP/2.0"
	  CRLF CRLF) }, BAD(SIP_RURI_BAD) },
	{ "sip-hdr-unterminated", { UDP4_SIP(R_INVITE INV_HDRS) }, BAD(SIP_HDR_UNTERMINATED) },
	{ "sip-hdr-name-ctl", { UDP4_SIP(R_INVITE H_VIA
	  "To\x01: <sip:bob@biloxi.example.com>" CRLF H_FROM H_CALLID H_CSEQ
	  H_CL0 CRLF) }, BAD(SIP_HDR_NAME_CTL) },
	{ "sip-hdr-name-8bit", { UDP4_SIP(R_INVITE "\xc3\xa9: x"
	  CRLF CRLF) }, BAD(SIP_HDR_NAME_CTL) },
	{ "sip-hdr-no-colon", { UDP4_SIP(R_INVITE "Via SIP/2.0/UDP x"
	  CRLF CRLF) }, BAD(SIP_HDR_NO_COLON) },
	{ "sip-hdr-too-many", { UDP4_SIP(R_INVITE X10 X10 X10 X10 X10
	  X10 X10 CRLF) }, BAD(SIP_HDR_TOO_MANY) },
	{ "sip-hdr-line-long", { UDP4_SIP(R_INVITE "Subject: " A1000
	  A100 CRLF CRLF) }, BAD(SIP_HDR_LINE_LONG) },
	{ "sip-hdr-fold-first", { UDP4_SIP(R_INVITE " folded" CRLF
	  INV_HDRS CRLF) }, BAD(SIP_HDR_FOLD_FIRST) },
	{ "sip-hdr-dup-callid", { UDP4_SIP(R_INVITE INV_HDRS
	  "i: other@x" CRLF CRLF) }, BAD(SIP_HDR_DUP) },
	{ "sip-hdr-missing-cseq", { UDP4_SIP(R_INVITE H_VIA H_TO H_FROM
	  H_CALLID H_CL0 CRLF) }, BAD(SIP_HDR_MISSING) },
	{ "sip-tcp-no-content-length", { TCP4_SIP(R_INVITE H_VIA H_TO
	  H_FROM H_CALLID H_CSEQ CRLF) }, BAD(SIP_HDR_MISSING) },
	{ "sip-from-empty", { UDP4_SIP(R_INVITE H_VIA "From:" CRLF CRLF) }, BAD(SIP_FROM_EMPTY) },
	{ "sip-from-long", { UDP4_SIP(R_INVITE "From: <sip:" A1000
	  ">" CRLF CRLF) }, BAD(SIP_FROM_LONG) },
	{ "sip-from-no-gt", { UDP4_SIP(R_INVITE
	  "From: <sip:alice@atlanta.example.com;tag=1" CRLF CRLF) }, BAD(SIP_FROM_BAD) },
	{ "sip-from-no-host", { UDP4_SIP(R_INVITE "From: <sip:>" CRLF CRLF) }, BAD(SIP_FROM_BAD) },
	{ "sip-callid-empty", { UDP4_SIP(R_INVITE "Call-ID:  " CRLF
	  CRLF) }, BAD(SIP_CALLID_EMPTY) },
	{ "sip-callid-long", { UDP4_SIP(R_INVITE "Call-ID: " A100
	  A100 A100 CRLF CRLF) }, BAD(SIP_CALLID_LONG) },
	{ "sip-cseq-no-number", { UDP4_SIP(R_INVITE "CSeq: INVITE"
	  CRLF CRLF) }, BAD(SIP_CSEQ_BAD) },
	{ "sip-cseq-no-method", { UDP4_SIP(R_INVITE "CSeq: 1" CRLF CRLF) }, BAD(SIP_CSEQ_BAD) },
	{ "sip-cseq-2p31", { UDP4_SIP(R_INVITE
	  "CSeq: 2147483648 INVITE" CRLF CRLF) }, BAD(SIP_CSEQ_RANGE) },
	{ "sip-cseq-2p32-1", { UDP4_SIP(R_INVITE
	  "CSeq: 4294967295 INVITE" CRLF CRLF) }, BAD(SIP_CSEQ_RANGE) },
	{ "sip-cseq-11-digits", { UDP4_SIP(R_INVITE
	  "CSeq: 99999999999 INVITE" CRLF CRLF) }, BAD(SIP_CSEQ_RANGE) },
	{ "sip-cseq-method-mismatch", { UDP4_SIP(R_INVITE H_VIA H_TO
	  H_FROM H_CALLID "CSeq: 1 BYE" CRLF H_CL0 CRLF) }, BAD(SIP_CSEQ_METHOD) },
	{ "sip-clen-not-number", { UDP4_SIP(R_INVITE
	  "Content-Length: abc" CRLF CRLF) }, BAD(SIP_CLEN_BAD) },
	{ "sip-clen-negative", { UDP4_SIP(R_INVITE "l: -1" CRLF CRLF) }, BAD(SIP_CLEN_BAD) },
	{ "sip-clen-past-end", { UDP4_SIP(R_INVITE H_VIA H_TO H_FROM
	  H_CALLID H_CSEQ "Content-Length: 500" CRLF CRLF "v=0" CRLF) }, BAD(SIP_CLEN_RANGE) },
	{ "sip-clen-huge", { UDP4_SIP(R_INVITE
	  "Content-Length: 99999999999" CRLF CRLF) }, BAD(SIP_CLEN_RANGE) },
	{ "sip-trailing-bytes", { UDP4_SIP(SIP_INVITE "junk") }, BAD(SIP_TRAILING_BYTES) },
	{ "sip-two-messages", { UDP4_SIP(SIP_INVITE SIP_INVITE) }, BAD(SIP_TWO_MESSAGES) },
	/* a stream's later messages meet the same checks as its first */
	{ "sip-tcp-second-malformed", { TCP4_SIP(SIP_INVITE "INVITE sip:x@y SIP/2.0" CRLF
	  "bad" CRLF CRLF) }, BAD(SIP_HDR_NO_COLON) },
	{ "sip-tcp-second-nonstart", { TCP4_SIP(SIP_INVITE "a=rtpmap:0 PCMU/8000" CRLF) },
	  BAD(SIP_START_LINE) },
	{ "sip-tcp-msgs-many", { TCP4_SIP(SIP_ACK32 SIP_ACK) }, BAD(SIP_TCP_MSGS) },
	{ "sip-two-messages-response", { UDP4_SIP(SIP_INVITE CRLF
	  SIP_200) }, BAD(SIP_TWO_MESSAGES) },
};

const size_t fg_fixtures_count = sizeof(fg_fixtures) / sizeof(fg_fixtures[0]);

/* ---- builder --------------------------------------------------------- */

static void
wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t
fx_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

uint16_t
fx_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t
fx_build(const struct fg_fixture *fx, uint8_t *buf,
	 uint16_t offs[FX_REGION_COUNT])
{
	const struct fx_spec *s = &fx->s;
	size_t plen = s->plen ? s->plen : s->payload ? strlen(s->payload) : 0;
	uint8_t src[16], dst[16];
	size_t off = 12, l3, l4, pl, len, l4len;
	uint16_t o[FX_REGION_COUNT];

	memset(buf, 0, FX_BUF_MAX);
	memcpy(buf, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	for (unsigned int i = 0; i < s->vlans; i++, off += 4) {
		/* Outermost tag is the service tag when there are two. */
		wr16(buf + off, s->vlans > 1 && i == 0 ? 0x88a8 : 0x8100);
		wr16(buf + off + 2, 100 + i);
	}
	wr16(buf + off, s->ipv == 4 ? 0x0800 : s->ipv == 6 ? 0x86dd :
	     s->ethertype);
	l3 = off + 2;

	if (s->ipv == 4) {
		inet_pton(AF_INET, s->src ? s->src : "198.18.0.1", src);
		inet_pton(AF_INET, s->dst ? s->dst : "198.18.1.1", dst);
		l4 = l3 + 20 + s->ip4_opts_len;
		if (s->ip4_opts_len)
			memcpy(buf + l3 + 20, s->ip4_opts, s->ip4_opts_len);
	} else if (s->ipv == 6) {
		inet_pton(AF_INET6, s->src ? s->src : "2001:db8::1", src);
		inet_pton(AF_INET6, s->dst ? s->dst : "2001:db8::2", dst);
		l4 = l3 + 40 + s->ip6_ext_len;
		if (s->ip6_ext_len)
			memcpy(buf + l3 + 40, s->ip6_ext, s->ip6_ext_len);
	} else {
		l4 = l3;
	}

	pl = l4;
	if (s->ipv != 0 && s->l4 == 6) {
		pl = l4 + 20;
		wr16(buf + l4, s->sport ? s->sport : 40000);
		wr16(buf + l4 + 2, s->dport ? s->dport : 1270);
		buf[l4 + 7] = 1;                        /* seq */
		buf[l4 + 12] = 5 << 4;
		buf[l4 + 13] = s->tcp_flags ? s->tcp_flags : 0x02;
		wr16(buf + l4 + 14, 65535);
	} else if (s->ipv != 0 && s->l4 == 17) {
		pl = l4 + 8;
		wr16(buf + l4, s->sport ? s->sport : 40000);
		wr16(buf + l4 + 2, s->dport ? s->dport : 1270);
		wr16(buf + l4 + 4, (uint32_t)(8 + plen));
	}
	if (pl + plen > FX_BUF_MAX)
		plen = FX_BUF_MAX - pl;
	if (plen)
		memcpy(buf + pl, s->payload, plen);
	len = pl + plen;
	l4len = len - l4;

	if (s->ipv == 4) {
		uint8_t *ip = buf + l3;

		ip[0] = (uint8_t)(0x40 | (20 + s->ip4_opts_len) / 4);
		wr16(ip + 2, (uint32_t)(len - l3));
		wr16(ip + 4, 1);
		wr16(ip + 6, s->frag);
		ip[8] = 64;
		ip[9] = s->l4;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		wr16(ip + 10, fx_csum_fold(fx_csum_add(0, ip, 20 + s->ip4_opts_len)));
	} else if (s->ipv == 6) {
		uint8_t *ip = buf + l3;

		ip[0] = 0x60;
		wr16(ip + 4, (uint32_t)(len - l3 - 40));
		ip[6] = s->ip6_ext_len ? s->ip6_nh : s->l4;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	}
	/* L4 checksum so tshark and kernels accept the frames as sent. */
	if (s->ipv != 0 && (s->l4 == 6 || s->l4 == 17)) {
		size_t alen = s->ipv == 4 ? 4 : 16;
		uint32_t sum = fx_csum_add(0, src, alen);
		uint16_t c;

		sum = fx_csum_add(sum, dst, alen);
		sum += s->l4 + (uint32_t)l4len;
		c = fx_csum_fold(fx_csum_add(sum, buf + l4, l4len));
		if (s->l4 == 17 && c == 0)
			c = 0xffff;
		wr16(buf + l4 + (s->l4 == 6 ? 16 : 6), c);
	}

	o[FX_L2] = 0;
	o[FX_L3] = (uint16_t)l3;
	o[FX_L4] = (uint16_t)l4;
	o[FX_PL] = (uint16_t)pl;
	for (unsigned int i = 0; i < FX_MAX_PATCH; i++) {
		const struct fx_patch *p = &fx->patch[i];

		if (p->len != 0)
			memcpy(buf + o[p->region] + p->off, p->bytes, p->len);
	}
	if (fx->trunc > 0 && (size_t)fx->trunc < len)
		len = (size_t)fx->trunc;
	if (offs != NULL)
		memcpy(offs, o, sizeof(o));
	return len;
}

size_t
fx_udp4(uint8_t *buf, const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
	uint16_t dport, const void *payload, size_t len)
{
	size_t ip = 20 + 8 + len;

	memset(buf, 0, 42);
	buf[12] = 0x08;                 /* IPv4 */
	buf[14] = 0x45;
	buf[16] = (uint8_t)(ip >> 8);
	buf[17] = (uint8_t)ip;
	buf[22] = 64;
	buf[23] = 17;
	memcpy(buf + 26, src, 4);
	memcpy(buf + 30, dst, 4);
	buf[34] = (uint8_t)(sport >> 8);
	buf[35] = (uint8_t)sport;
	buf[36] = (uint8_t)(dport >> 8);
	buf[37] = (uint8_t)dport;
	buf[38] = (uint8_t)((8 + len) >> 8);
	buf[39] = (uint8_t)(8 + len);
	memcpy(buf + 42, payload, len);
	return 42 + len;
}
