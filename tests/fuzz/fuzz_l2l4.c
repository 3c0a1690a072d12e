/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the L2-L4 classifier (and the SIP parser behind it)
 * on arbitrary bytes with every link type, and the SIP federation rules
 * on every Ethernet parse. Crashes are found by ASan and
 * UBSan; the invariants below abort() when the result is inconsistent.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fg_fed.h"
#include "fg_parse.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static struct fg_classify_cfg cfg;
/* the SIP rules, fed every parsed frame: state accumulates across inputs
 * (the small partner table fills up, URI sets fill up) */
static struct fg_fed fed;
static struct fg_fed_lists lists;
static uint64_t fed_clock = 1;

static int
is_sip_reason(unsigned int r)
{
	return r == FG_R_SIP_TCP_PARTIAL || r == FG_R_SIP_TCP_NONSTART ||
	       (r >= FG_R_SIP_EMPTY && r < FG_R_COUNT);
}

static void
check_span(struct fg_span s, uint32_t pl_len)
{
	CHECK((uint32_t)s.off + s.len <= pl_len);
}

static void
check(uint32_t len, const struct fg_pkt *p)
{
	/* The parser looks at the first 64 KiB only (16-bit offsets). */
	uint32_t l = len > 65535 ? 65535 : len;

	CHECK(p->cls < FG_CLASS_COUNT);
	CHECK(p->reason < FG_R_COUNT);
	CHECK((p->cls == FG_CLASS_MALFORMED) == fg_reason_is_malformed(p->reason));
	CHECK(p->port_cls < FG_CLASS_COUNT && p->port_cls != FG_CLASS_MALFORMED);
	CHECK(p->vlans <= 2);
	CHECK(p->ipv == 0 || p->ipv == 4 || p->ipv == 6);
	CHECK(p->pad0 == 0 && p->pad1 == 0);
	/* Offsets start at 0 and are only ever set within the buffer. */
	CHECK(p->l3_off <= l);
	CHECK(p->l4_off <= l);
	CHECK((uint32_t)p->pl_off + p->pl_len <= l);
	if (p->ipv != 0)
		CHECK((uint32_t)p->l3_off + p->ip_len <= l);
	if (p->flags & FG_PF_FRAG_NONFIRST)
		CHECK(p->flags & FG_PF_FRAG);
	if (p->flags & FG_PF_BY_SPORT)
		CHECK(p->flags & FG_PF_L4);
	if (p->flags & FG_PF_L4) {
		CHECK(p->ipv != 0);
		CHECK(p->l4 == 6 || p->l4 == 17);
		CHECK(p->l4_off >= p->l3_off + (p->ipv == 4 ? 20 : 40));
		CHECK((uint32_t)p->l4_off + (p->l4 == 6 ? 20 : 8) <= l);
		CHECK((uint32_t)p->l4_off + (p->l4 == 6 ? 20 : 8) <=
		      (uint32_t)p->l3_off + p->ip_len);
	} else {
		CHECK(p->sport == 0 && p->dport == 0 && p->port_cls == 0);
		CHECK(!(p->flags & FG_PF_SIP));
	}
	if (p->cls != FG_CLASS_MALFORMED && p->ipv != 0 && p->pl_len != 0)
		CHECK(p->pl_off >= p->l3_off);
	/* SIP reasons come from fg_sip_parse() and only from there. */
	if (p->flags & FG_PF_SIP)
		CHECK(p->reason == FG_R_OK || is_sip_reason(p->reason));
	else
		CHECK(!is_sip_reason(p->reason));
	if (p->flags & FG_PF_SIP) {
		const struct fg_sip *s = &p->sip;

		CHECK(p->port_cls == FG_CLASS_SIP);
		CHECK(p->cls == FG_CLASS_SIP || p->cls == FG_CLASS_MALFORMED);
		CHECK(s->kind < FG_SIP_KIND_COUNT);
		CHECK(s->hdr_len <= p->pl_len);
		CHECK(s->headers <= cfg.sip.max_headers);
		check_span(s->method_s, p->pl_len);
		check_span(s->ruri, p->pl_len);
		check_span(s->from_uri, p->pl_len);
		check_span(s->from_host, p->pl_len);
		check_span(s->to_uri, p->pl_len);
		check_span(s->call_id, p->pl_len);
		check_span(s->cseq_method_s, p->pl_len);
	}
}

/*
 * Same bytes, same answer, and every byte of the result written: parse
 * into two structs prefilled differently and compare (the SIP part is
 * defined only when FG_PF_SIP is set).
 */
static void
parse_twice(int link, const uint8_t *data, uint32_t len)
{
	struct fg_pkt a, b;
	enum fg_class ca, cb;

	memset(&a, 0x00, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	if (link < 0) {
		ca = fg_parse_eth(&cfg, data, len, &a);
		cb = fg_parse(&cfg, FG_LINK_ETH, data, len, &b);
	} else {
		ca = fg_parse(&cfg, (enum fg_link)link, data, len, &a);
		cb = fg_parse(&cfg, (enum fg_link)link, data, len, &b);
	}
	CHECK(ca == a.cls && cb == b.cls);
	check(len, &a);
	CHECK(memcmp(&a, &b, offsetof(struct fg_pkt, sip)) == 0);
	if (a.flags & FG_PF_SIP)
		CHECK(memcmp(&a.sip, &b.sip, sizeof(a.sip)) == 0);
	if (link < 0) {
		struct fg_fed_stats st = { 0 };
		enum fg_verdict v = fg_fed_inbound(&fed, &a, data, fed_clock += 1000000, &st);

		CHECK(v == FG_V_COUNT || v == FG_V_BLOCKED || v == FG_V_PASS_ALLOW ||
		      v == FG_V_SIP_WATCH_RATE || v == FG_V_SIP_NEW_URI);
		/* a request's URI: the first message's, or a later one's of
		 * the same TCP segment (a response may come first) */
		if (v == FG_V_SIP_NEW_URI)
			CHECK((a.flags & FG_PF_SIP) &&
			      (a.sip.kind == FG_SIP_REQUEST || a.sip.msgs > 1));
		fg_fed_outbound(&fed, &a, fed_clock, &st);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct fg_fed_cfg fc;
	struct fg_pfxset_cfg pc;
	struct fg_pfxset *set;
	struct fg_prefix p;
	size_t len;
	void *mem;

	fg_classify_cfg_default(&cfg);
	fg_fed_cfg_default(&fc);
	fc.partners = 64;
	fc.uri_limit = 16;
	fc.ratio_min = 2;
	fc.sustained_s = 2;
	fc.sustained_rate = 1;
	fc.nlocal = 1;
	strcpy(fc.local[0], "example.com");
	/* the prefix lists: 10.0.0.0/8 allowed, 198.18.0.0/15 blocked */
	pc = (struct fg_pfxset_cfg){ .rules = 64, .groups4 = 64 };
	len = fg_pfxset_size(&pc);
	set = aligned_alloc(64, (len + 63) & ~(size_t)63);
	CHECK(set != NULL && fg_pfxset_init(set, len, &pc, 1) == 0);
	CHECK(fg_prefix_parse("10.0.0.0/8", &p) == 0);
	CHECK(fg_pfxset_add(set, FG_PFX_LIST_ALLOW, &p, NULL) == 0);
	CHECK(fg_prefix_parse("198.18.0.0/15", &p) == 0);
	CHECK(fg_pfxset_add(set, FG_PFX_LIST_BLOCK, &p, NULL) == 0);
	CHECK(fg_domain_parse("evil.example.org", lists.block_dom[0]) == 0);
	lists.nblock_dom = 1;
	CHECK(fg_domain_parse("a.example.net", lists.allow_dom[0].domain) == 0);
	CHECK(fg_prefix_parse("192.0.2.0/24", &lists.allow_dom[0].bind[0]) == 0);
	lists.allow_dom[0].nbind = 1;
	lists.nallow_dom = 1;
	CHECK(fg_domain_parse("w.example.net", lists.watch_dom[0]) == 0);
	lists.nwatch_dom = 1;
	len = fg_fed_mem_size(&fc);
	mem = aligned_alloc(64, (len + 63) & ~(size_t)63);
	CHECK(mem != NULL && fg_fed_init(&fed, &fc, &lists, mem, len, 1) == 0);
	fg_fed_set_prefixes(&fed, set);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;

	/* Ethernet: fg_parse_eth() and fg_parse(FG_LINK_ETH) agree. */
	parse_twice(-1, data, len);
	for (int link = FG_LINK_RAW; link <= FG_LINK_COUNT; link++)
		parse_twice(link, data, len);   /* FG_LINK_COUNT: bad link */
	return 0;
}
