/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SIP parser alone, as datagram and as stream, with
 * the default limits and with tight ones (to reach every bound). The
 * invariants abort() when a result is inconsistent.
 */
#include <stdlib.h>
#include <string.h>

#include "fg_reason.h"
#include "fg_sip.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static void
check_span(struct fg_span s, uint32_t len)
{
	CHECK((uint32_t)s.off + s.len <= len);
}

static int
is_sip_reason(unsigned int r)
{
	return r == FG_R_OK || r == FG_R_SIP_TCP_PARTIAL ||
	       r == FG_R_SIP_TCP_NONSTART ||
	       (r >= FG_R_SIP_EMPTY && r < FG_R_COUNT);
}

static void
run(const struct fg_sip_limits *lim, const uint8_t *data, uint32_t len,
    bool stream)
{
	uint32_t l = len > 65535 ? 65535 : len;
	struct fg_sip s;
	unsigned int r = fg_sip_parse(lim, data, len, stream, &s);

	CHECK(is_sip_reason(r));
	if (!stream)
		CHECK(r != FG_R_SIP_TCP_PARTIAL && r != FG_R_SIP_TCP_NONSTART);
	CHECK(s.kind < FG_SIP_KIND_COUNT);
	CHECK(s.pad == 0);
	CHECK(!(s.flags & ~(FG_SIP_F_CLEN | FG_SIP_F_MORE)));
	if (s.flags & FG_SIP_F_MORE)
		CHECK(stream && r == FG_R_OK &&
		      (uint32_t)s.hdr_len + s.content_length < l);
	if (s.kind == FG_SIP_RESPONSE && s.status != 0)
		CHECK(s.status >= 100 && s.status <= 699);
	if (s.kind != FG_SIP_REQUEST)
		CHECK(s.method_s.len == 0 && s.ruri.len == 0 && s.method == 0);
	if (r == FG_R_SIP_TCP_NONSTART)
		CHECK(s.kind == FG_SIP_CONTINUATION);
	CHECK(s.hdr_len <= l);
	CHECK(s.headers <= lim->max_headers);
	CHECK(s.method < FG_SIP_M_COUNT && s.cseq_method < FG_SIP_M_COUNT);
	check_span(s.method_s, l);
	check_span(s.ruri, l);
	check_span(s.from_uri, l);
	check_span(s.from_host, l);
	check_span(s.to_uri, l);
	check_span(s.call_id, l);
	check_span(s.cseq_method_s, l);
	CHECK(s.msgs == 1);
	if (s.flags & FG_SIP_F_MORE) {
		/* a stream's later messages: as the classifier reads them */
		unsigned int max = lim->max_msgs != 0 ? lim->max_msgs : FG_SIP_DEF_MAX_MSGS;
		struct fg_sip first = s;
		unsigned int q = fg_sip_parse_rest(lim, data, l, &first);

		CHECK(is_sip_reason(q) && q != FG_R_SIP_TCP_NONSTART);
		CHECK(first.msgs >= 1 && first.msgs <= max && first.msgs <= FG_SIP_MAX_MSGS);
		CHECK(q != FG_R_SIP_TCP_MSGS || first.msgs == max || first.msgs == FG_SIP_MAX_MSGS);
		CHECK(memcmp(&first.ruri, &s.ruri, sizeof(s.ruri)) == 0 && first.kind == s.kind);
	}
	if (r == FG_R_OK) {
		if (s.kind == FG_SIP_RESPONSE)
			CHECK(s.status >= 100 && s.status <= 699);
		if (s.kind == FG_SIP_REQUEST || s.kind == FG_SIP_RESPONSE) {
			CHECK(s.call_id.len > 0 && s.call_id.len <= lim->max_callid);
			CHECK(s.cseq <= 0x7fffffffu);
			CHECK(s.max_hdr_len <= lim->max_line);
			CHECK(s.hdr_len > 0);
		}
		if (s.kind == FG_SIP_REQUEST)
			CHECK(s.ruri.len > 0 && s.ruri.len <= lim->max_ruri);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fg_sip_limits tight = {
		.max_headers = 3, .max_line = 24, .max_ruri = 8,
		.max_from = 12, .max_callid = 6, .max_msgs = 2,
	};
	/* Everything refused: the bound checks come before any use. */
	static const struct fg_sip_limits zero = { 0 };
	struct fg_sip_limits def;
	uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;

	fg_sip_limits_default(&def);
	run(&def, data, len, false);
	run(&def, data, len, true);
	run(&tight, data, len, false);
	run(&tight, data, len, true);
	run(&zero, data, len, false);
	run(&zero, data, len, true);
	return 0;
}
