/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classifier tests: the fixture table (one test per fixture), coverage of
 * every reason, truncation sweeps, other link types, configuration and
 * the JSON writer floodctl prints with.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_json.h"
#include "fg_parse.h"
#include "fixtures.h"

static struct fg_classify_cfg cfg;

static void
setup(void)
{
	fg_classify_cfg_default(&cfg);
}

static uint8_t frame[FX_BUF_MAX];

/* Does span @p sp of the payload at @p pl hold exactly @p want (NULL:
 * nothing)? */
static void
expect_span(const char *fx, const char *field, const uint8_t *pl,
	    struct fg_span sp, const char *want)
{
	size_t n;

	want = want != NULL ? want : "";
	n = strlen(want);

	cr_expect(sp.len == n && memcmp(pl + sp.off, want, n) == 0,
		  "%s: %s is \"%.*s\", want \"%s\"", fx, field, (int)sp.len,
		  (const char *)pl + sp.off, want);
}

static void
check_fixture(const struct fg_fixture *fx)
{
	const struct fx_expect *e = &fx->e;
	struct fg_pkt pkt;
	size_t len = fx_build(fx, frame, NULL);
	const uint8_t *pl;

	fg_parse_eth(&cfg, frame, (uint32_t)len, &pkt);
	cr_expect_eq(pkt.cls, e->cls, "%s: class %s, want %s", fx->name,
		     fg_class_name(pkt.cls), fg_class_name(e->cls));
	cr_expect_eq(pkt.reason, e->reason, "%s: reason %s, want %s", fx->name,
		     fg_reason_name(pkt.reason), fg_reason_name(e->reason));
	if (e->cls == FG_CLASS_MALFORMED)
		return;

	cr_expect_eq(pkt.ipv, fx->s.ipv, "%s: ipv %u", fx->name, pkt.ipv);
	cr_expect_eq(pkt.vlans, fx->s.vlans, "%s: vlans %u", fx->name,
		     pkt.vlans);
	if (fx->s.ipv != 0 && (fx->s.l4 == 6 || fx->s.l4 == 17) &&
	    !(pkt.flags & FG_PF_FRAG_NONFIRST)) {
		cr_expect(pkt.flags & FG_PF_L4, "%s: no L4", fx->name);
		cr_expect_eq(pkt.sport, fx->s.sport ? fx->s.sport : 40000,
			     "%s: sport %u", fx->name, pkt.sport);
		cr_expect_eq(pkt.dport, fx->s.dport ? fx->s.dport : 1270,
			     "%s: dport %u", fx->name, pkt.dport);
	}
	if (e->sip_kind == 0)
		return;

	cr_assert(pkt.flags & FG_PF_SIP, "%s: SIP not parsed", fx->name);
	pl = frame + pkt.pl_off;
	cr_expect_eq(pkt.sip.kind, e->sip_kind, "%s: kind %s", fx->name,
		     fg_sip_kind_name(pkt.sip.kind));
	cr_expect_eq(pkt.sip.status, e->status, "%s: status %u", fx->name,
		     pkt.sip.status);
	cr_expect_eq(pkt.sip.cseq, e->cseq, "%s: cseq %u", fx->name,
		     pkt.sip.cseq);
	cr_expect_eq(pkt.sip.headers, e->headers, "%s: headers %u", fx->name,
		     pkt.sip.headers);
	cr_expect_eq(pkt.sip.via, e->via, "%s: via %u", fx->name,
		     pkt.sip.via);
	expect_span(fx->name, "method", pl, pkt.sip.method_s, e->method);
	expect_span(fx->name, "ruri", pl, pkt.sip.ruri, e->ruri);
	expect_span(fx->name, "from host", pl, pkt.sip.from_host, e->from_host);
	expect_span(fx->name, "call-id", pl, pkt.sip.call_id, e->call_id);
	expect_span(fx->name, "cseq method", pl, pkt.sip.cseq_method_s, e->cseq_method);
}

/* One test per fixture, so a failure names it and the count is honest. */
ParameterizedTestParameters(fixture, classify)
{
	static size_t idx[1024];
	size_t n = fg_fixtures_count < 1024 ? fg_fixtures_count : 1024;

	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, n);
}

ParameterizedTest(size_t *i, fixture, classify, .init = setup)
{
	check_fixture(&fg_fixtures[*i]);
}

Test(fixture, table_fits)
{
	cr_assert_lt(fg_fixtures_count, 1024, "raise the parameter array");
}

Test(fixture, names_unique)
{
	for (size_t i = 0; i < fg_fixtures_count; i++)
		for (size_t j = i + 1; j < fg_fixtures_count; j++)
			cr_expect_str_neq(fg_fixtures[i].name, fg_fixtures[j].name);
}

/* Every reason the classifier can give has a fixture that produces it. */
Test(fixture, every_reason_covered)
{
	unsigned int malformed = 0;

	for (unsigned int r = 1; r < FG_R_COUNT; r++) {
		size_t i;

		for (i = 0; i < fg_fixtures_count; i++)
			if (fg_fixtures[i].e.reason == r)
				break;
		cr_expect_lt(i, fg_fixtures_count, "no fixture for %s",
			     fg_reason_name(r));
		malformed += fg_reason_is_malformed(r);
	}
	cr_expect_geq(malformed, 40, "only %u malformed classes", malformed);
}

/*
 * Every strict prefix of a well-formed IP frame is malformed (the IP
 * length no longer fits) and is never read past: ASan checks the latter.
 */
Test(sweep, frame_prefixes_malformed, .init = setup)
{
	unsigned int checked = 0;

	for (size_t i = 0; i < fg_fixtures_count; i++) {
		const struct fg_fixture *fx = &fg_fixtures[i];
		size_t len;

		if (fx->e.cls == FG_CLASS_MALFORMED || fx->s.ipv == 0)
			continue;
		len = fx_build(fx, frame, NULL);
		for (size_t n = 0; n < len; n++) {
			struct fg_pkt pkt;
			uint8_t *copy = malloc(n ? n : 1);

			/* exact-size heap copy: any over-read trips ASan */
			memcpy(copy, frame, n);
			fg_parse_eth(&cfg, copy, (uint32_t)n, &pkt);
			cr_expect_eq(pkt.cls, FG_CLASS_MALFORMED,
				     "%s cut at %zu: %s/%s", fx->name, n,
				     fg_class_name(pkt.cls),
				     fg_reason_name(pkt.reason));
			free(copy);
			checked++;
		}
	}
	cr_expect_gt(checked, 1000);
}

/*
 * Prefixes of a SIP payload. Before the end of the first message: over UDP
 * a cut message is malformed, over TCP it is a message still arriving (a
 * note), never an error. From the end of the first message on: UDP is ok
 * only at exactly that length (then trailing bytes or a second message);
 * TCP is ok, or malformed when there is no Content-Length to delimit it.
 */
Test(sweep, sip_prefixes, .init = setup)
{
	unsigned int checked = 0;

	for (size_t i = 0; i < fg_fixtures_count; i++) {
		const struct fg_fixture *fx = &fg_fixtures[i];
		uint16_t offs[FX_REGION_COUNT];
		size_t len, plen, msg_len;
		struct fg_sip full;
		bool clen;

		if (fx->e.sip_kind != FG_SIP_REQUEST &&
		    fx->e.sip_kind != FG_SIP_RESPONSE)
			continue;
		len = fx_build(fx, frame, offs);
		plen = len - offs[FX_PL];
		fg_sip_parse(&cfg.sip, frame + offs[FX_PL], (uint32_t)plen, true,
			     &full);
		clen = full.flags & FG_SIP_F_CLEN;
		cr_assert_gt(full.hdr_len, 0, "%s", fx->name);
		msg_len = full.hdr_len + (clen ? full.content_length : 0);
		for (size_t n = 1; n < plen; n++) {
			struct fg_sip sip;
			uint8_t *copy = malloc(n);
			unsigned int u, t;

			memcpy(copy, frame + offs[FX_PL], n);
			u = fg_sip_parse(&cfg.sip, copy, (uint32_t)n, false, &sip);
			t = fg_sip_parse(&cfg.sip, copy, (uint32_t)n, true, &sip);
			free(copy);
			checked++;
			if (n < msg_len) {
				cr_expect(fg_reason_is_malformed(u),
					  "%s udp cut at %zu: %s", fx->name, n,
					  fg_reason_name(u));
				cr_expect(t == FG_R_SIP_TCP_PARTIAL ||
					  t == FG_R_SIP_TCP_NONSTART,
					  "%s tcp cut at %zu: %s", fx->name, n,
					  fg_reason_name(t));
			} else if (clen) {
				/* white space after a datagram's message is no error */
				size_t w = msg_len;

				while (w < n && (frame[offs[FX_PL] + w] == '\r' ||
						 frame[offs[FX_PL] + w] == '\n'))
					w++;
				cr_expect(w == n ? u == FG_R_OK :
					  fg_reason_is_malformed(u),
					  "%s udp cut at %zu: %s", fx->name, n,
					  fg_reason_name(u));
				cr_expect_eq(t, FG_R_OK, "%s tcp cut at %zu: %s",
					     fx->name, n, fg_reason_name(t));
			} else {
				cr_expect_eq(u, FG_R_OK, "%s udp cut at %zu: %s",
					     fx->name, n, fg_reason_name(u));
				cr_expect_eq(t, FG_R_SIP_HDR_MISSING,
					     "%s tcp cut at %zu: %s", fx->name,
					     n, fg_reason_name(t));
			}
		}
	}
	cr_expect_gt(checked, 1000);
}

static const struct fg_fixture *
fixture(const char *name)
{
	for (size_t i = 0; i < fg_fixtures_count; i++)
		if (strcmp(fg_fixtures[i].name, name) == 0)
			return &fg_fixtures[i];
	cr_assert_fail("no fixture %s", name);
	return NULL;
}

/* The same IP packet behind each capture framing classifies the same. */
Test(link, framings_agree, .init = setup)
{
	static const char *const names[] = { "sip-invite", "sip-invite-ip6",
					     "mom-tcp-syn", "ip4-ihl-4" };
	/* a header of hlen bytes names IPv4 or IPv6 at offset at */
	static const struct {
		const char *name;
		enum fg_link link;
		uint8_t hlen, at, v4[2], v6[2];
	} fr[] = {
		{ "raw", FG_LINK_RAW, 0, 0, { 0 }, { 0 } },
		{ "sll", FG_LINK_SLL, 16, 14, { 0x08, 0x00 }, { 0x86, 0xdd } },
		{ "sll2", FG_LINK_SLL2, 20, 0, { 0x08, 0x00 }, { 0x86, 0xdd } },
		{ "null", FG_LINK_NULL, 4, 0, { 2, 0 }, { 30, 0 } },  /* LE AF_INET(6) */
	};

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		uint16_t offs[FX_REGION_COUNT];
		size_t len = fx_build(fixture(names[k]), frame, offs);
		size_t l3len = len - offs[FX_L3];
		int v6 = frame[offs[FX_L3] - 1] == 0xdd;
		uint8_t buf[FX_BUF_MAX + 32];
		struct fg_pkt want, got;

		fg_parse_eth(&cfg, frame, (uint32_t)len, &want);
		for (size_t f = 0; f < sizeof(fr) / sizeof(fr[0]); f++) {
			memset(buf, 0, fr[f].hlen);
			if (fr[f].hlen != 0)
				memcpy(buf + fr[f].at, v6 ? fr[f].v6 : fr[f].v4, 2);
			memcpy(buf + fr[f].hlen, frame + offs[FX_L3], l3len);
			fg_parse(&cfg, fr[f].link, buf, (uint32_t)(l3len + fr[f].hlen), &got);
			cr_expect_eq(got.cls, want.cls, "%s %s", names[k], fr[f].name);
			cr_expect_eq(got.reason, want.reason, "%s %s", names[k], fr[f].name);
			cr_expect_eq(got.sip.cseq, want.sip.cseq, "%s %s", names[k], fr[f].name);
			cr_expect_eq(memcmp(got.src, want.src, 16), 0, "%s %s src", names[k],
				     fr[f].name);
		}
	}
}

Test(link, short_headers, .init = setup)
{
	struct fg_pkt p;

	cr_expect_eq(fg_parse(&cfg, FG_LINK_RAW, frame, 0, &p), FG_CLASS_MALFORMED);
	cr_expect_eq(p.reason, FG_R_IP4_TRUNCATED);
	cr_expect_eq(fg_parse(&cfg, FG_LINK_SLL, frame, 15, &p), FG_CLASS_MALFORMED);
	cr_expect_eq(fg_parse(&cfg, FG_LINK_SLL2, frame, 19, &p), FG_CLASS_MALFORMED);
	cr_expect_eq(fg_parse(&cfg, FG_LINK_NULL, frame, 3, &p), FG_CLASS_MALFORMED);
	cr_expect_eq(p.reason, FG_R_ETH_TRUNCATED);
}

Test(config, ports, .init = setup)
{
	const struct fg_fixture *fx = fixture("sip-invite");
	struct fx_spec s = fx->s;
	struct fg_fixture moved = *fx;
	struct fg_pkt p;
	size_t len;

	s.dport = 5070;
	moved.s = s;
	len = fx_build(&moved, frame, NULL);
	cr_expect_eq(fg_parse_eth(&cfg, frame, (uint32_t)len, &p), FG_CLASS_OTHER);
	cr_expect_eq(fg_classify_cfg_port(&cfg, 17, 5070, FG_CLASS_SIP), 0);
	cr_expect_eq(fg_parse_eth(&cfg, frame, (uint32_t)len, &p), FG_CLASS_SIP);
	cr_expect_eq(p.sip.cseq, 314159);
	cr_expect_eq(fg_classify_cfg_port(&cfg, 17, 5070, FG_CLASS_OTHER), 0);
	cr_expect_eq(fg_parse_eth(&cfg, frame, (uint32_t)len, &p), FG_CLASS_OTHER);

	cr_expect_eq(fg_classify_cfg_port(&cfg, 17, 5061, FG_CLASS_SIP_TLS), -22,
		     "TLS is TCP only");
	cr_expect_eq(fg_classify_cfg_port(&cfg, 6, 1, FG_CLASS_MALFORMED), -22);
	cr_expect_eq(fg_classify_cfg_port(&cfg, 1, 1, FG_CLASS_MOM), -22);
	cr_expect_eq(fg_classify_cfg_port(&cfg, 6, 1, FG_CLASS_COUNT), -22);
}

Test(config, sip_limits, .init = setup)
{
	struct fg_pkt p;
	size_t len = fx_build(fixture("sip-invite"), frame, NULL);

	cfg.sip.max_headers = 7;
	fg_parse_eth(&cfg, frame, (uint32_t)len, &p);
	cr_expect_eq(p.reason, FG_R_SIP_HDR_TOO_MANY);
	cfg.sip.max_headers = 8;
	fg_parse_eth(&cfg, frame, (uint32_t)len, &p);
	cr_expect_eq(p.reason, FG_R_OK);

	cfg.sip.max_ruri = 25;
	fg_parse_eth(&cfg, frame, (uint32_t)len, &p);
	cr_expect_eq(p.reason, FG_R_SIP_RURI_LONG);
	cfg.sip.max_ruri = 26;  /* sip:bob@biloxi.example.com */
	cfg.sip.max_callid = 38;
	fg_parse_eth(&cfg, frame, (uint32_t)len, &p);
	cr_expect_eq(p.reason, FG_R_SIP_CALLID_LONG);
	cfg.sip.max_callid = 39;
	cfg.sip.max_line = 60;
	fg_parse_eth(&cfg, frame, (uint32_t)len, &p);
	cr_expect_eq(p.reason, FG_R_SIP_HDR_LINE_LONG);
}

Test(reason, names_round_trip)
{
	for (unsigned int r = 0; r < FG_R_COUNT; r++) {
		const char *n = fg_reason_name(r);

		cr_expect_eq(fg_reason_from_name(n), (int)r, "%s", n);
		for (unsigned int q = r + 1; q < FG_R_COUNT; q++)
			cr_expect_str_neq(n, fg_reason_name(q));
	}
	cr_expect_str_eq(fg_reason_name(FG_R_COUNT), "?");
	cr_expect_eq(fg_reason_from_name("no-such-reason"), -1);
	cr_expect(!fg_reason_is_malformed(FG_R_SIP_TCP_NONSTART));
	cr_expect(fg_reason_is_malformed(FG_R_ETH_TRUNCATED));
	cr_expect(!fg_reason_is_malformed(FG_R_COUNT));
}

static void
expect_json(const void *in, size_t n, const char *want)
{
	char *out = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&out, &sz);

	cr_assert_not_null(f);
	fg_json_str(f, in, n);
	fclose(f);
	cr_expect_str_eq(out, want);
	free(out);
}

Test(json, escaping)
{
	expect_json("plain", 5, "\"plain\"");
	expect_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_json("\r\n\t\x01\x7f", 5, "\"\\r\\n\\t\\u0001\\u007f\"");
	expect_json("\0x", 2, "\"\\u0000x\"");
	expect_json("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");            /* UTF-8 kept */
	expect_json("\xc3", 1, "\"\\u00c3\"");                       /* cut */
	expect_json("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");            /* overlong */
	expect_json("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
	expect_json("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
}

Test(json, addresses)
{
	uint8_t a[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 1 };
	char buf[64];

	cr_expect_str_eq(fg_addr_str(a, buf, sizeof(buf)), "198.18.0.1");
	memset(a, 0, sizeof(a));
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[15] = 1;
	cr_expect_str_eq(fg_addr_str(a, buf, sizeof(buf)), "2001:db8::1");
}

/* ---- TCP resets for a blocked source (fg_rst.h) ------------------------ */

#include "fg_rst.h"

/* A fixture's TCP segment to port 1270 (in a VLAN if @p vlan) with @p seq,
 * @p ack and @p pl (at most 16) bytes of payload; @p f holds FX_BUF_MAX
 * bytes. */
static size_t
tcp_frame(uint8_t *f, int ipv, int vlan, uint8_t flags, uint32_t seq, uint32_t ack,
	  size_t pl)
{
	char sa[8];
	struct fg_fixture fx = {
		.s = { .vlans = (uint8_t)vlan, .ipv = (uint8_t)ipv, .l4 = 6, .tcp_flags = flags,
		       .payload = pl != 0 ? "xxxxxxxxxxxxxxxx" : NULL, .plen = (uint16_t)pl },
		.patch = { { FX_L4, 4, 8, sa } },
	};

	for (int i = 0; i < 4; i++) {
		sa[i] = (char)(seq >> (24 - 8 * i));
		sa[4 + i] = (char)(ack >> (24 - 8 * i));
	}
	return fx_build(&fx, f, NULL);
}

/* Checks a reset frame: it parses as TCP with @p flags, checksums hold. */
static struct fg_pkt
check_rst(const uint8_t *f, size_t n, uint8_t flags)
{
	struct fg_pkt q;
	size_t al;
	uint32_t s = 0;

	fg_parse(&cfg, FG_LINK_ETH, f, n, &q);
	cr_assert_eq(q.l4, 6);
	cr_assert_eq(q.tcp_flags, flags, "flags %#x", q.tcp_flags);
	cr_assert_eq(q.pl_len, 0);
	cr_assert_eq(q.l4_off + 20u, n, "no payload, no options");
	al = q.ipv == 4 ? 4 : 16;
	if (q.ipv == 4)
		cr_assert_eq(fx_csum_fold(fx_csum_add(0, f + q.l3_off, 20)), 0, "IPv4 checksum");
	s = fx_csum_add(0, q.ipv == 4 ? q.src + 12 : q.src, al);
	s = fx_csum_add(s, q.ipv == 4 ? q.dst + 12 : q.dst, al);
	cr_assert_eq(fx_csum_fold(fx_csum_add(s + 6 + 20, f + q.l4_off, 20)), 0, "TCP checksum");
	return q;
}

Test(rst, ack_segment_resets_both_ends, .init = setup)
{
	uint8_t f[FX_BUF_MAX], srv[FG_RST_FRAME_MAX], cli[FG_RST_FRAME_MAX];
	size_t n = tcp_frame(f, 4, 0, FG_TCP_PSH | FG_TCP_ACK, 1000, 5000, 10), sn, cn;
	struct fg_pkt p, q;

	fg_parse(&cfg, FG_LINK_ETH, f, n, &p);
	cr_assert_eq(p.cls, FG_CLASS_MOM);
	cn = fg_rst_build(f, n, &p, srv, &sn, cli);
	cr_assert_eq(cn, 54);
	cr_assert_eq(sn, 54);
	/* to the source: MACs, addresses and ports swapped, seq = its ack */
	q = check_rst(cli, cn, FG_TCP_RST);
	cr_assert_eq(memcmp(cli, f + 6, 6), 0);
	cr_assert_eq(memcmp(cli + 6, f, 6), 0);
	cr_assert_eq(memcmp(q.src, p.dst, 16), 0);
	cr_assert_eq(memcmp(q.dst, p.src, 16), 0);
	cr_assert_eq(q.sport, 1270);
	cr_assert_eq(q.dport, 40000);
	cr_assert_eq(memcmp(cli + q.l4_off + 4, "\x00\x00\x13\x88", 4), 0, "seq 5000");
	/* to the server: as the source would, seq = the dropped segment's */
	q = check_rst(srv, sn, FG_TCP_RST);
	cr_assert_eq(memcmp(srv, f, 12), 0);
	cr_assert_eq(memcmp(q.src, p.src, 16), 0);
	cr_assert_eq(q.sport, 40000);
	cr_assert_eq(memcmp(srv + q.l4_off + 4, "\x00\x00\x03\xe8", 4), 0, "seq 1000");
}

Test(rst, syn_gets_rst_ack_to_the_source_only, .init = setup)
{
	uint8_t f[FX_BUF_MAX], srv[FG_RST_FRAME_MAX], cli[FG_RST_FRAME_MAX];
	size_t n = tcp_frame(f, 4, 0, FG_TCP_SYN, 7, 0, 0), sn = 99, cn;
	struct fg_pkt p, q;

	fg_parse(&cfg, FG_LINK_ETH, f, n, &p);
	cn = fg_rst_build(f, n, &p, srv, &sn, cli);
	cr_assert_eq(sn, 0, "the server never saw it");
	q = check_rst(cli, cn, FG_TCP_RST | FG_TCP_ACK);
	cr_assert_eq(memcmp(cli + q.l4_off + 4, "\0\0\0\0\0\0\0\x08", 8), 0,
		     "seq 0, ack = SYN's seq + 1");
}

Test(rst, ipv6_in_a_vlan, .init = setup)
{
	uint8_t f[FX_BUF_MAX], srv[FG_RST_FRAME_MAX], cli[FG_RST_FRAME_MAX];
	size_t n = tcp_frame(f, 6, 1, FG_TCP_ACK | FG_TCP_FIN, 1, 2, 3), sn, cn;
	struct fg_pkt p, q;

	fg_parse(&cfg, FG_LINK_ETH, f, n, &p);
	cr_assert_eq(p.ipv, 6);
	cn = fg_rst_build(f, n, &p, srv, &sn, cli);
	cr_assert_eq(cn, 14 + 4 + 40 + 20);
	cr_assert_eq(sn, cn);
	q = check_rst(cli, cn, FG_TCP_RST);
	cr_assert_eq(q.vlans, 1);
	cr_assert_eq(memcmp(cli + 12, "\x81\x00\x00\x64", 4), 0, "the tag kept");
	cr_assert_eq(memcmp(q.src, p.dst, 16), 0);
	q = check_rst(srv, sn, FG_TCP_RST);
	cr_assert_eq(memcmp(q.dst, p.dst, 16), 0);
}

Test(rst, none_for_resets_udp_or_short_frames, .init = setup)
{
	uint8_t f[FX_BUF_MAX], srv[FG_RST_FRAME_MAX], cli[FG_RST_FRAME_MAX];
	size_t n = tcp_frame(f, 4, 0, FG_TCP_RST | FG_TCP_ACK, 1, 2, 0), sn;
	struct fg_pkt p;

	fg_parse(&cfg, FG_LINK_ETH, f, n, &p);
	cr_assert_eq(fg_rst_build(f, n, &p, srv, &sn, cli), 0, "never answer a reset");
	n = tcp_frame(f, 4, 0, FG_TCP_ACK, 1, 2, 0);
	fg_parse(&cfg, FG_LINK_ETH, f, n, &p);
	cr_assert_eq(fg_rst_build(f, p.l4_off + 19, &p, srv, &sn, cli), 0, "short");
	n = fx_udp4(f, (const uint8_t *)"\xc6\x12\x01\x05", (const uint8_t *)"\xc6\x12\x02\x0a",
		    40000, 1270, "x", 1);
	fg_parse(&cfg, FG_LINK_ETH, f, n, &p);
	cr_assert_eq(fg_rst_build(f, n, &p, srv, &sn, cli), 0, "UDP");
	cr_assert_eq(sn, 0);
}
