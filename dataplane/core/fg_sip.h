/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_SIP_H
#define FG_SIP_H

/**
 * @file
 * SIP message parser: the start line and the headers a decision needs.
 *
 * It reads only the header block (never the body), stops at fixed bounds
 * (fg_sip_limits), and returns an fg_reason. Fields are spans into the
 * message; nothing is copied or allocated.
 */

#include <stdbool.h>
#include <stdint.h>

/** A byte range of the message: [off, off + len). len == 0: absent. */
struct fg_span {
	uint16_t off;
	uint16_t len;
};

enum fg_sip_kind {
	FG_SIP_NONE = 0,
	FG_SIP_REQUEST,
	FG_SIP_RESPONSE,
	FG_SIP_KEEPALIVE,      /**< CRLF keep-alive (RFC 5626) */
	FG_SIP_CONTINUATION,   /**< TCP segment that does not start a message */
	FG_SIP_KIND_COUNT
};

/** Methods we name; others are FG_SIP_M_OTHER with the token in method. */
#define FG_SIP_METHODS(X) \
	X(OTHER, "") X(INVITE, "INVITE") X(ACK, "ACK") X(BYE, "BYE") \
	X(CANCEL, "CANCEL") X(REGISTER, "REGISTER") X(OPTIONS, "OPTIONS") \
	X(PRACK, "PRACK") X(SUBSCRIBE, "SUBSCRIBE") X(NOTIFY, "NOTIFY") \
	X(PUBLISH, "PUBLISH") X(INFO, "INFO") X(REFER, "REFER") \
	X(MESSAGE, "MESSAGE") X(UPDATE, "UPDATE")

#define FG_SIP_M_ENUM_(id, name) FG_SIP_M_##id,
enum fg_sip_method {
	FG_SIP_METHODS(FG_SIP_M_ENUM_)
	FG_SIP_M_COUNT
};
#undef FG_SIP_M_ENUM_

/** Hard bounds on the work and sizes the parser accepts. */
struct fg_sip_limits {
	uint16_t max_headers;    /**< header fields; more: sip-hdr-too-many */
	uint16_t max_line;       /**< bytes of one header incl. folding */
	uint16_t max_ruri;       /**< Request-URI bytes */
	uint16_t max_from;       /**< From header value bytes */
	uint16_t max_callid;     /**< Call-ID bytes */
	uint16_t max_msgs;       /**< messages one TCP segment may start; more:
				      sip-tcp-msgs-many */
};

#define FG_SIP_DEF_MAX_HEADERS 64
#define FG_SIP_DEF_MAX_LINE    1024
#define FG_SIP_DEF_MAX_RURI    512
#define FG_SIP_DEF_MAX_FROM    512
#define FG_SIP_DEF_MAX_CALLID  256
#define FG_SIP_DEF_MAX_MSGS    32
#define FG_SIP_MAX_MSGS        255   /**< fg_sip.msgs is 8 bits */

/** fg_sip.flags */
#define FG_SIP_F_CLEN  0x01  /**< Content-Length header present */
#define FG_SIP_F_MORE  0x02  /**< stream: bytes follow this message */

struct fg_sip {
	uint8_t kind;          /**< enum fg_sip_kind */
	uint8_t method;        /**< enum fg_sip_method (requests) */
	uint8_t cseq_method;   /**< enum fg_sip_method of CSeq */
	uint8_t flags;         /**< FG_SIP_F_* */
	uint16_t status;       /**< responses: 100..699 */
	uint16_t headers;      /**< header fields (folded lines not counted) */
	uint16_t via;          /**< Via values (fields and comma-separated) */
	uint16_t max_hdr_len;  /**< longest header field, bytes */
	uint16_t hdr_len;      /**< bytes of start line + headers + CRLF */
	uint8_t msgs;          /**< messages the segment starts (fg_sip_parse_rest());
				    a last one cut at the end included */
	uint8_t pad;
	uint32_t cseq;
	uint32_t content_length;
	struct fg_span method_s;   /**< request method token */
	struct fg_span ruri;       /**< Request-URI */
	struct fg_span from_uri;   /**< URI of From */
	struct fg_span from_host;  /**< host part of the From URI */
	struct fg_span to_uri;     /**< URI of To */
	struct fg_span call_id;
	struct fg_span cseq_method_s;
};

/** Defaults: FG_SIP_DEF_*. */
void fg_sip_limits_default(struct fg_sip_limits *lim);

/**
 * Parse one SIP message at @p msg.
 *
 * @param stream true for TCP: a segment may hold a partial message or
 *   several messages, so an unterminated header block is a note, not an
 *   error, and bytes after the body are the next message.
 * @return enum fg_reason: FG_R_OK, a note, or a malformed reason. @p out is
 *   zeroed first and holds whatever was parsed.
 */
unsigned int fg_sip_parse(const struct fg_sip_limits *lim, const uint8_t *msg,
			  uint32_t len, bool stream, struct fg_sip *out);

/**
 * The messages after the first in a TCP segment. @p first: what
 * fg_sip_parse() said of the segment's first message (FG_R_OK, with
 * FG_SIP_F_MORE); each further message is parsed under @p lim, RFC 5626
 * keep-alives (CR and LF) between messages skipped. Sets first->msgs.
 *
 * @return FG_R_OK: every message complete and well formed;
 *   FG_R_SIP_TCP_PARTIAL (a note): the last one is cut at the end of the
 *   segment; a later message's malformed reason; FG_R_SIP_TCP_MSGS: more
 *   than lim->max_msgs messages.
 */
unsigned int fg_sip_parse_rest(const struct fg_sip_limits *lim, const uint8_t *seg,
			       uint32_t len, struct fg_sip *first);

/**
 * Where the message after @p s starts, from @p s's start; after the
 * keep-alive bytes that may follow it, up to @p avail (bytes from @p s's
 * start to the segment's end). == @p avail: none.
 */
static inline uint32_t
fg_sip_next(const uint8_t *msg, uint32_t avail, const struct fg_sip *s)
{
	uint32_t o = (uint32_t)s->hdr_len + s->content_length;

	while (o < avail && (msg[o] == '\r' || msg[o] == '\n'))
		o++;
	return o < avail ? o : avail;
}

/**
 * Step to the message after @p cur in a segment that fg_sip_parse_rest()
 * read: *@p off (@p cur's offset in @p seg) moves to the next message,
 * parsed into @p cur without bounds (the classifier checked them: the
 * spans are the same). @return false when no message follows.
 *	struct fg_sip s = p->sip; uint32_t off = 0;
 *	for (k = 1; k < p->sip.msgs && fg_sip_next_msg(seg, len, &off, &s); k++)
 */
bool fg_sip_next_msg(const uint8_t *seg, uint32_t len, uint32_t *off, struct fg_sip *cur);

/** "INVITE", ... or "" for FG_SIP_M_OTHER. */
const char *fg_sip_method_name(unsigned int m);

/** "request", "response", "keepalive", "continuation", or NULL. */
const char *fg_sip_kind_name(unsigned int k);

#endif /* FG_SIP_H */
