/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP federation rules (fg_fed.c) on real SIP bytes: every message is
 * built as an Ethernet/IPv4/UDP frame and classified by fg_parse_eth(),
 * as the data plane does. Time is explicit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fg_fed.h"
#include "fg_parse.h"
#include "fixtures.h"
#include "test_util.h"

#define SEC 1000000000ull
#define T0 (1000 * SEC)

static struct fg_classify_cfg *ccfg;
static struct fg_fed fed;
static struct fg_fed_lists lists;
static struct fg_fed_stats st;
static void *mem;
static uint8_t frame[4096];

static void
setup_cfg(const struct fg_fed_cfg *c)
{
	size_t len = fg_fed_mem_size(c);

	ccfg = malloc(sizeof(*ccfg));
	fg_classify_cfg_default(ccfg);
	mem = aligned_alloc(64, (len + 63) & ~(size_t)63);
	memset(&st, 0, sizeof(st));
	cr_assert_eq(fg_fed_init(&fed, c, &lists, mem, len, T0), 0);
}

static void
setup(void)
{
	struct fg_fed_cfg c;

	memset(&lists, 0, sizeof(lists));
	fg_fed_cfg_default(&c);
	c.nlocal = 1;
	strcpy(c.local[0], "example.com");
	setup_cfg(&c);
}

static void
teardown(void)
{
	free(mem);
	free(ccfg);
}

static void
v4(uint8_t *dst, const char *a)
{
	memset(dst, 0, 4);
	inet_pton(AF_INET, a, dst);
}

/* Ethernet/IPv4/UDP 5060 frame from @p src to @p dst carrying @p sip. */
static void
build(const char *src, const char *dst, const char *sip, struct fg_pkt *out)
{
	uint8_t s4[4], d4[4];
	size_t n;

	v4(s4, src);
	v4(d4, dst);
	n = fx_udp4(frame, s4, d4, 5060, 5060, sip, strlen(sip));
	cr_assert_eq(fg_parse_eth(ccfg, frame, (uint32_t)n, out), FG_CLASS_SIP,
		     "reason %s", fg_reason_name(out->reason));
}

static enum fg_verdict
request(const char *src, const char *from_dom, const char *ruri, uint64_t t)
{
	char msg[1024];
	struct fg_pkt pk;

	snprintf(msg, sizeof(msg),
		 "INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK1\r\n"
		 "From: <sip:alice@%s>;tag=1\r\nTo: <%s>\r\nCall-ID: c1@%s\r\n"
		 "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		 ruri, src, from_dom, ruri, src);
	build(src, "198.18.2.10", msg, &pk);
	return fg_fed_inbound(&fed, &pk, frame, t, &st);
}

/* request() of sip:a@example.com */
static enum fg_verdict
req(const char *src, const char *from_dom, uint64_t t)
{
	return request(src, from_dom, "sip:a@example.com", t);
}

static void
response(const char *partner, int status, uint64_t t)
{
	char msg[512];
	struct fg_pkt pk;

	snprintf(msg, sizeof(msg),
		 "SIP/2.0 %d X\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK1\r\n"
		 "From: <sip:alice@partner.example.net>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n"
		 "Call-ID: c1@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", status, partner);
	build("198.18.2.10", partner, msg, &pk);
	fg_fed_outbound(&fed, &pk, t, &st);
}

static struct fg_partner
partner(const char *a)
{
	uint8_t addr[16] = { [10] = 0xff, [11] = 0xff };
	struct fg_partner *p, copy;

	v4(addr + 12, a);
	p = fg_fed_find(&fed, addr);
	cr_assert_not_null(p, "partner %s tracked", a);
	fg_fed_partner_read(p, &copy);
	return copy;
}

static void
addr_of(const char *a, uint8_t addr[16])
{
	memset(addr, 0, 16);
	addr[10] = addr[11] = 0xff;
	v4(addr + 12, a);
}

static uint64_t
uri_hash(const char *u)
{
	const uint8_t *h;
	size_t hl;

	return fg_fed_uri_hash((const uint8_t *)u, strlen(u), &h, &hl);
}

Test(fed, uri_normalization)
{
	uint64_t a = uri_hash("sip:bob@example.com");

	cr_assert_neq(a, 0);
	cr_assert_eq(uri_hash("SIP:bob@EXAMPLE.com"), a, "scheme and host ignore case");
	cr_assert_eq(uri_hash("sip:bob@example.com;transport=tcp;lr"), a, "parameters ignored");
	cr_assert_eq(uri_hash("sip:bob@example.com?Subject=hi%40x"), a, "headers ignored");
	cr_assert_neq(uri_hash("sip:Bob@example.com"), a, "the user part is case-sensitive");
	cr_assert_neq(uri_hash("sip:bob@example.com:5070"), a, "the port counts");
	cr_assert_neq(uri_hash("sips:bob@example.com"), a, "sips is another scheme");
	cr_assert_eq(uri_hash("sip:+1;phone-context=x@example.com"),
		     uri_hash("sip:+1;phone-context=x@Example.com;user=phone"),
		     "a ';' in the user part stays in it");
	cr_assert_eq(uri_hash("bob@example.com"), 0, "no scheme: not a SIP URI");
}

/*
 * A Request-URI without a user part as long as the bound or longer: the
 * hash inserts an '@' and pads with 8 zero bytes, one past the longest
 * URI it hashes (the fuzzer's stack-buffer-overflow under ASan).
 */
Test(fed, uri_at_the_length_bound)
{
	static uint8_t u[FG_SIP_DEF_MAX_RURI + 64];
	const uint8_t *host;
	size_t hlen;
	uint64_t a, b;

	memcpy(u, "sip:", 4);
	memset(u + 4, 'h', sizeof(u) - 4);
	a = fg_fed_uri_hash(u, sizeof(u), &host, &hlen);
	cr_assert_neq(a, 0);
	cr_assert_eq(host, u + 4, "the host follows the scheme");
	cr_assert_eq(hlen, FG_SIP_DEF_MAX_RURI - 4, "hashed up to the bound");
	b = fg_fed_uri_hash(u, FG_SIP_DEF_MAX_RURI, &host, &hlen);
	cr_assert_eq(a, b, "what lies past the bound does not count");
	u[FG_SIP_DEF_MAX_RURI - 1] = 'H';
	cr_assert_eq(fg_fed_uri_hash(u, sizeof(u), &host, &hlen), a,
		     "the host's case does not count, to the last byte");
	u[FG_SIP_DEF_MAX_RURI - 1] = 'x';
	cr_assert_neq(fg_fed_uri_hash(u, sizeof(u), &host, &hlen), a,
		      "the last byte within the bound counts");
}

Test(fed, directory_attack_first_1000_keep_working, .init = setup, .fini = teardown)
{
	char uri[64];
	struct fg_partner p;

	for (int i = 0; i < 1500; i++) {
		snprintf(uri, sizeof(uri), "sip:user%d@example.com", i);
		cr_assert_eq(request("198.18.1.5", "partner.example.net", uri, T0 + i * 1000000ull),
			     i < 1000 ? FG_V_COUNT : FG_V_SIP_NEW_URI, "request %d", i);
	}
	/* the first 1000 still pass (to the other limits) */
	for (int i = 0; i < 1000; i += 7) {
		snprintf(uri, sizeof(uri), "sip:user%d@EXAMPLE.com;transport=udp", i);
		cr_assert_eq(request("198.18.1.5", "partner.example.net", uri, T0 + 2 * SEC),
			     FG_V_COUNT, "old URI %d", i);
	}
	p = partner("198.18.1.5");
	cr_assert_eq(p.flags, FG_FED_URIS);
	{
		uint64_t since;

		cr_assert(fg_fed_alert(FG_FED_MODE_HIGH, p.flags, p.reason_ns, &since));
		cr_assert_eq(since, T0 + 1000 * 1000000ull, "high: alert since the 1001st URI");
		cr_assert(!fg_fed_alert(FG_FED_MODE_MEDIUM, p.flags, p.reason_ns, &since));
		cr_assert_eq(since, 0);
	}
	cr_assert_eq(p.drop_uri, 500);
	cr_assert_eq(p.nuris, 1000);
	cr_assert_eq(p.since_ns, T0 + 1000 * 1000000ull, "on the list since its 1001st URI");
	cr_assert_str_eq(p.domains[0], "partner.example.net");
	cr_assert_eq(st.watched, 1);
}

Test(fed, uris_outside_the_local_domains_do_not_count, .init = setup, .fini = teardown)
{
	char uri[64];

	for (int i = 0; i < 1200; i++) {
		snprintf(uri, sizeof(uri), "sip:user%d@elsewhere.org", i);
		cr_assert_eq(request("198.18.1.6", "p.example.net", uri, T0), FG_V_COUNT);
	}
	cr_assert_eq(partner("198.18.1.6").nuris, 0);
	cr_assert_eq(partner("198.18.1.6").flags, 0);
}

Test(fed, failing_partner_goes_to_1_msg_per_second, .init = setup, .fini = teardown)
{
	struct fg_partner p;
	int i;

	/* 90 % 404s; 401/407 challenges and 1xx/3xx do not count */
	for (i = 0; i < 19; i++)
		response("198.18.1.7", i % 10 == 0 ? 200 : 404, T0 + i * 1000000ull);
	response("198.18.1.7", 401, T0 + SEC / 2);
	response("198.18.1.7", 407, T0 + SEC / 2);
	response("198.18.1.7", 180, T0 + SEC / 2);
	cr_assert_eq(partner("198.18.1.7").flags, 0, "19 final responses: below the minimum");
	response("198.18.1.7", 404, T0 + SEC / 2);
	p = partner("198.18.1.7");
	cr_assert_eq(p.flags, FG_FED_SUSPICIOUS, "20 responses, 18 failed to 2 succeeded");
	cr_assert_eq(p.resp_fail, 18);
	cr_assert_eq(p.resp_ok, 2);
	/* now 1 message per second */
	cr_assert_eq(req("198.18.1.7", "p.example.net", T0 + 3 * SEC), FG_V_COUNT);
	cr_assert_eq(req("198.18.1.7", "p.example.net", T0 + 3 * SEC + SEC / 2),
		     FG_V_SIP_WATCH_RATE);
	cr_assert_eq(req("198.18.1.7", "p.example.net", T0 + 4 * SEC), FG_V_COUNT);
	cr_assert_eq(partner("198.18.1.7").drop_rate, 1);
	{
		struct fg_partner q = partner("198.18.1.7");
		uint64_t since;

		cr_assert(fg_fed_alert(FG_FED_MODE_HIGH, q.flags, q.reason_ns, &since) &&
			  since == q.since_ns, "high: alerts on the ratio alone, from then");
	}
}

/*
 * watch_pps changed live (floodctl set): the partner's TAT counts in
 * units of the old rate; from 1000/s down to 1/s it would read as
 * minutes ahead and drop everything. The new generation restarts it full.
 */
Test(fed, watch_rate_change_restarts_the_limiter, .init = setup, .fini = teardown)
{
	uint64_t t = T0 + SEC;
	int pass = 0;

	struct fg_fed_cfg c1 = fed.cfg, c2;

	/* the thresholds in force are the published set, not fed.cfg */
	c1.watch_rate = (struct fg_rate){ 1000, 100 };
	fg_fed_publish(&fed, &c1);
	/* on the watch list by its failure ratio: rate-limited */
	for (int i = 0; i < 20; i++)
		response("198.18.1.8", i % 10 == 0 ? 200 : 404, T0 + (uint64_t)i * 1000000);
	cr_assert_eq(partner("198.18.1.8").flags, FG_FED_SUSPICIOUS);
	for (int i = 0; i < 1000; i++)
		pass += req("198.18.1.8", "p.example.net", t + (uint64_t)i * 100000) == FG_V_COUNT;
	/* 100 at once, then 1000/s: 99 in the 99.9 ms that follow */
	cr_assert_eq(pass, 199, "at 1000/s: %d", pass);
	t += SEC / 10;
	c2 = c1;
	c2.watch_rate = (struct fg_rate){ 1, 1 };
	c2.watch_gen++;
	fg_fed_publish(&fed, &c2);
	cr_assert_eq(req("198.18.1.8", "p.example.net", t), FG_V_COUNT,
		     "the first message at the new rate");
	cr_assert_eq(req("198.18.1.8", "p.example.net", t + SEC / 2), FG_V_SIP_WATCH_RATE);
	cr_assert_eq(req("198.18.1.8", "p.example.net", t + SEC), FG_V_COUNT, "1/s");
}

Test(fed, healthy_ratio_stays_off_the_list, .init = setup, .fini = teardown)
{
	for (int i = 0; i < 200; i++)     /* 75 % failures: exactly 3:1, not above */
		response("198.18.1.8", i % 4 == 0 ? 200 : 486, T0 + i * 1000000ull);
	cr_assert_eq(partner("198.18.1.8").flags, 0);
}

Test(fed, both_conditions_make_mode_medium, .init = setup, .fini = teardown)
{
	char uri[64];

	for (int i = 0; i < 30; i++)
		response("198.18.1.9", 404, T0 + i * 1000ull);
	for (int i = 0; i < 1001; i++) {
		snprintf(uri, sizeof(uri), "sip:u%d@example.com", i);
		/* one message a second: the watch rate lets each through */
		request("198.18.1.9", "p.example.net", uri, T0 + (uint64_t)(i + 1) * SEC);
	}
	cr_assert_eq(partner("198.18.1.9").flags, FG_FED_SUSPICIOUS | FG_FED_URIS);
	{
		struct fg_partner q = partner("198.18.1.9");
		uint64_t since;

		cr_assert(fg_fed_alert(FG_FED_MODE_MEDIUM, q.flags, q.reason_ns, &since) &&
			  since == q.reason_ns[1], "medium: both hold, since the later one");
	}
	cr_assert_str_eq(fg_fed_mode_name(FG_FED_MODE_MEDIUM), "medium");
}

static void
send_rate(const char *src, double per_s, int seconds)
{
	uint64_t gap = (uint64_t)(SEC / per_s);

	for (uint64_t t = T0; t < T0 + (uint64_t)seconds * SEC; t += gap)
		request(src, "p.example.net", "sip:desk@example.com", t);
}

/* floodctl, the offline report and telemetry all print these names */
Test(fed, reason_names)
{
	char buf[64];

	cr_assert_str_eq(fg_fed_reasons_str(FG_FED_SUSPICIOUS, buf, sizeof(buf)), "failure-ratio");
	cr_assert_str_eq(fg_fed_reasons_str(FG_FED_URIS | FG_FED_SUSTAINED, buf, sizeof(buf)),
			 "uri-limit,sustained-rate");
	cr_assert_str_eq(fg_fed_reasons_str(0xf, buf, sizeof(buf)),
			 "failure-ratio,uri-limit,sustained-rate,manual");
	cr_assert_str_eq(fg_fed_reasons_str(0, buf, sizeof(buf)), "");
	/* a short buffer holds the names that fit whole */
	cr_assert_str_eq(fg_fed_reasons_str(FG_FED_SUSPICIOUS | FG_FED_URIS, buf, 20),
			 "failure-ratio");
	cr_assert_str_eq(fg_fed_reason_name(3), "manual");
	cr_assert_null(fg_fed_reason_name(FG_FED_NREASONS));
}

Test(fed, sustained_rate, .init = setup, .fini = teardown)
{
	send_rate("198.18.1.10", 19.5, 29);
	cr_assert_eq(partner("198.18.1.10").flags, 0, "19.5/s for 29 s: not yet sustained");
	send_rate("198.18.1.11", 19.5, 40);
	cr_assert_eq(partner("198.18.1.11").flags, FG_FED_SUSTAINED, "19.5/s for 40 s");
	{
		uint64_t since, rns[FG_FED_NREASONS] = { 0, 0, T0, 0 };

		cr_assert(!fg_fed_alert(FG_FED_MODE_HIGH, FG_FED_SUSTAINED, rns, &since),
			  "the sustained rate alone: no alert in either mode");
	}
	send_rate("198.18.1.12", 17, 60);
	cr_assert_eq(partner("198.18.1.12").flags, 0, "17/s is below 90 % of 20");
	send_rate("198.18.1.13", 5, 60);
	cr_assert_eq(partner("198.18.1.13").flags, 0, "5/s");
}

/* Add @p text to list @p list of @p set. */
static void
pfx_add(struct fg_pfxset *set, unsigned int list, const char *text)
{
	struct fg_prefix p;

	cr_assert_eq(fg_prefix_parse(text, &p), 0, "%s", text);
	cr_assert_eq(fg_pfxset_add(set, list, &p, NULL), 0, "%s", text);
}

Test(fed, allow_and_block_lists, .init = setup, .fini = teardown)
{
	struct fg_fed_domain_bind *b = &lists.allow_dom[0];
	struct fg_pfxset *set = pfxset_new();

	pfx_add(set, FG_PFX_LIST_ALLOW, "198.18.1.20");
	pfx_add(set, FG_PFX_LIST_BLOCK, "198.18.1.30/31");
	fg_fed_set_prefixes(&fed, set);
	strcpy(lists.block_dom[0], "evil.example.org");
	lists.nblock_dom = 1;
	cr_assert_eq(fg_domain_parse("Trusted.Example.NET", b->domain), 0);
	cr_assert_eq(fg_prefix_parse("198.51.100.0/24", &b->bind[0]), 0);
	b->nbind = 1;
	lists.nallow_dom = 1;

	cr_assert_eq(req("198.18.1.20", "any.example.net", T0), FG_V_PASS_ALLOW, "allowed address");
	cr_assert_eq(req("198.18.1.31", "any.example.net", T0), FG_V_BLOCKED, "blocked prefix");
	cr_assert_eq(req("198.18.1.30", "any.example.net", T0),
		     FG_V_BLOCKED, "blocked prefix, its first address");
	cr_assert_eq(req("198.18.1.40", "evil.example.org", T0),
		     FG_V_BLOCKED, "blocked domain, from anywhere");
	cr_assert_eq(req("198.51.100.7", "trusted.example.net", T0),
		     FG_V_PASS_ALLOW, "allowed domain from its prefix");
	/* the spoof: the allowed domain claimed from elsewhere gets no exemption */
	cr_assert_eq(req("198.18.1.41", "TRUSTED.example.net", T0), FG_V_COUNT);
	cr_assert_eq(st.allow_spoof, 1);
	cr_assert_eq(partner("198.18.1.41").requests, 1, "tracked as any partner");
	cr_assert_null(fg_fed_find(&fed, (uint8_t[16]){ [10] = 0xff, [11] = 0xff,
							198, 51, 100, 7 }),
		       "allowed partners keep no state");
	fg_fed_set_prefixes(&fed, NULL);
	free(set);
}

/* The prefix lists are a struct fg_pfxset the rules read as it changes:
 * block before allow, the longest prefix of each list, nothing without one. */
Test(fed, prefix_verdicts_through_a_pfxset, .init = setup, .fini = teardown)
{
	struct fg_pfxset *set = pfxset_new();
	struct fg_prefix p;

	/* no set: no prefix verdicts */
	cr_assert_eq(req("198.18.4.1", "p.example.net", T0), FG_V_COUNT);
	fg_fed_set_prefixes(&fed, set);
	cr_assert_eq(req("198.18.4.2", "p.example.net", T0),
		     FG_V_COUNT, "an empty set: nothing listed");
	pfx_add(set, FG_PFX_LIST_ALLOW, "198.18.4.0/24");
	pfx_add(set, FG_PFX_LIST_BLOCK, "198.18.4.128/25");
	pfx_add(set, FG_PFX_LIST_ALLOW, "198.18.5.0/24");
	pfx_add(set, FG_PFX_LIST_BLOCK, "198.18.5.0/24");
	pfx_add(set, FG_PFX_LIST_BLOCK, "0.0.0.0/0");
	pfx_add(set, FG_PFX_LIST_ALLOW, "198.19.0.0/16");
	cr_assert_eq(req("198.18.4.3", "p.example.net", T0),
		     FG_V_BLOCKED, "0.0.0.0/0 blocked: block before allow");
	cr_assert_eq(fg_prefix_parse("0.0.0.0/0", &p), 0);
	cr_assert_eq(fg_pfxset_del(set, FG_PFX_LIST_BLOCK, &p), 0);
	cr_assert_eq(req("198.18.4.3", "p.example.net", T0), FG_V_PASS_ALLOW, "in the allowed /24");
	cr_assert_eq(req("198.18.4.200", "p.example.net", T0),
		     FG_V_BLOCKED, "in the blocked /25 of the allowed /24");
	cr_assert_eq(req("198.18.5.9", "p.example.net", T0), FG_V_BLOCKED, "in both: blocked");
	cr_assert_eq(req("198.19.200.1", "p.example.net", T0), FG_V_PASS_ALLOW, "allowed /16");
	cr_assert_eq(req("198.18.6.1", "p.example.net", T0), FG_V_COUNT, "in neither");
	/* prefixes longer than /24 (a group of the /24) */
	pfx_add(set, FG_PFX_LIST_ALLOW, "198.18.6.7/32");
	pfx_add(set, FG_PFX_LIST_BLOCK, "198.18.6.8/30");
	cr_assert_eq(req("198.18.6.7", "p.example.net", T0), FG_V_PASS_ALLOW);
	cr_assert_eq(req("198.18.6.11", "p.example.net", T0), FG_V_BLOCKED);
	cr_assert_eq(req("198.18.6.12", "p.example.net", T0), FG_V_COUNT);
	/* a deletion is seen by the next message */
	cr_assert_eq(fg_prefix_parse("198.18.4.128/25", &p), 0);
	cr_assert_eq(fg_pfxset_del(set, FG_PFX_LIST_BLOCK, &p), 0);
	cr_assert_eq(req("198.18.4.200", "p.example.net", T0),
		     FG_V_PASS_ALLOW, "the /25 is gone: the allowed /24");
	/* a domain list entry and a prefix: the blocked domain still blocks */
	strcpy(lists.block_dom[0], "evil.example.org");
	lists.nblock_dom = 1;
	cr_assert_eq(req("198.18.4.4", "evil.example.org", T0),
		     FG_V_BLOCKED, "an allowed prefix does not exempt a blocked domain");
	cr_assert_eq(st.allow_spoof, 0);
	fg_fed_set_prefixes(&fed, NULL);
	cr_assert_eq(req("198.18.5.9", "p.example.net", T0), FG_V_COUNT, "the set taken away");
	free(set);
}

Test(fed, unwatch_warns_and_expiry_removes, .init = setup, .fini = teardown)
{
	uint8_t a[16], m[16];
	char uri[64];

	for (int i = 0; i < 1001; i++) {
		snprintf(uri, sizeof(uri), "sip:u%d@example.com", i);
		request("198.18.1.50", "p.example.net", uri, T0);
	}
	addr_of("198.18.1.50", a);
	cr_assert_eq(fg_fed_unwatch(&fed, a), FG_FED_URIS, "removed, the URI condition holds");
	cr_assert_eq(partner("198.18.1.50").flags, 0);
	cr_assert_eq(fg_fed_unwatch(&fed, a), -1, "not on the list any more");
	cr_assert_eq(request("198.18.1.50", "p.example.net", "sip:new@example.com", T0 + SEC),
		     FG_V_SIP_NEW_URI, "a new URI puts it back");
	addr_of("198.18.1.51", m);
	cr_assert_eq(fg_fed_watch(&fed, m, T0), 0);
	cr_assert_eq(fg_fed_expire(&fed, T0 + 86400 * SEC), 0, "not yet: a day after T0 + 1 s");
	cr_assert_eq(fg_fed_expire(&fed, T0 + SEC + 86400 * SEC), 1);
	cr_assert_eq(partner("198.18.1.50").flags, 0);
	cr_assert_eq(partner("198.18.1.51").flags, FG_FED_MANUAL, "manual entries stay");
}

Test(fed, lift_keeps_manual_and_forgive_starts_afresh, .init = setup, .fini = teardown)
{
	uint32_t still;
	uint8_t a[16];
	char uri[64];

	for (int i = 0; i < 1001; i++) {
		snprintf(uri, sizeof(uri), "sip:u%d@example.com", i);
		request("198.18.1.52", "p.example.net", uri, T0);
	}
	addr_of("198.18.1.52", a);
	cr_assert_eq(fg_fed_watch(&fed, a, T0), 0);
	cr_assert_eq(fg_fed_lift(&fed, a, false, &still), FG_FED_URIS);
	cr_assert_eq(still, FG_FED_URIS, "its 1000 URIs kept: the condition holds");
	cr_assert_eq(partner("198.18.1.52").flags, FG_FED_MANUAL, "the operator's reason stays");
	cr_assert_eq(fg_fed_lift(&fed, a, false, &still), 0, "nothing automatic left");
	cr_assert_eq(request("198.18.1.52", "p.example.net", "sip:new@example.com", T0 + SEC),
		     FG_V_SIP_NEW_URI, "a new URI puts it back");
	cr_assert_eq(fg_fed_lift(&fed, a, true, &still), FG_FED_URIS);
	cr_assert_eq(still, 0, "forgiven: no condition holds");
	cr_assert_eq(partner("198.18.1.52").nuris, 0);
	cr_assert_eq(request("198.18.1.52", "p.example.net", "sip:new@example.com", T0 + 2 * SEC),
		     FG_V_COUNT, "a URI it asked for before is new again, and passes");
	cr_assert_eq(partner("198.18.1.52").flags, FG_FED_MANUAL);
	addr_of("198.18.1.53", a);
	cr_assert_eq(fg_fed_lift(&fed, a, true, &still), 0, "not a partner");
}

Test(fed, full_partner_table_untracks, .fini = teardown)
{
	struct fg_fed_cfg c;
	char src[32];

	memset(&lists, 0, sizeof(lists));
	fg_fed_cfg_default(&c);
	c.partners = 4;
	c.uri_limit = 8;
	setup_cfg(&c);
	for (int i = 0; i < 6; i++) {
		snprintf(src, sizeof(src), "198.18.3.%d", i + 1);
		cr_assert_eq(req(src, "p.example.net", T0), FG_V_COUNT);
	}
	cr_assert_eq(st.untracked, 2);
	cr_assert_eq(fed.npartners, 4);
}

/*
 * ThrottlingMode: a medium entry alerts once both conditions hold, a high
 * one at the first; entries are keyed by From domain with their partners
 * beside; modes set by hand on a domain or an address, or back to the
 * default.
 */
Test(fed, modes_and_entries, .init = setup, .fini = teardown)
{
	struct fg_fed_entry e[8];
	char uri[64];
	uint32_t n;
	uint64_t t_ratio, t_uri;

	/* a failing partner: 18 failed to 2 successful responses */
	for (int i = 0; i < 20; i++) {
		req("198.18.1.20", "p.example.net", T0 + i * 1000000ull);
		response("198.18.1.20", i < 2 ? 200 : 404, T0 + i * 1000000ull + 1);
	}
	t_ratio = T0 + 19 * 1000000ull + 1;
	/* the same domain from a second address, one from none at all */
	req("198.18.1.21", "p.example.net", T0);
	fg_fed_watch(&fed, (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 18, 1, 21 }, T0);
	cr_assert_eq(fg_fed_set_mode(&fed, "P.example.NET", NULL, FG_FED_MODE_MEDIUM), 0);
	n = fg_fed_entries(&fed, &lists, e, 8);
	cr_assert_eq(n, 1, "one entry: the domain");
	cr_assert_str_eq(e[0].domain, "p.example.net");
	cr_assert_eq(e[0].naddr, 2);
	cr_assert_eq(e[0].flags, FG_FED_SUSPICIOUS | FG_FED_MANUAL);
	cr_assert(e[0].mode == FG_FED_MODE_MEDIUM && e[0].mode_set);
	cr_assert(!e[0].alert, "medium: the ratio alone does not alert");
	/* the second address walks the directory */
	for (int i = 0; i < 1001; i++) {
		snprintf(uri, sizeof(uri), "sip:u%d@example.com", i);
		request("198.18.1.21", "p.example.net", uri, T0 + SEC + i);
	}
	t_uri = T0 + SEC + 999;   /* req() above asked for one URI */
	n = fg_fed_entries(&fed, &lists, e, 8);
	cr_assert(n == 1 && e[0].alert && e[0].alert_ns == t_uri,
		  "medium: alerts once the URI condition holds too (%" PRIu64 ")", e[0].alert_ns);
	cr_assert_eq(fg_fed_set_mode(&fed, "p.example.net", NULL, -1), 0);
	n = fg_fed_entries(&fed, &lists, e, 8);
	cr_assert(n == 1 && e[0].mode == FG_FED_MODE_HIGH && !e[0].mode_set &&
		  e[0].alert_ns == t_ratio, "back to the default (high): since the ratio");
	/* no From domain: an address entry, its mode set on the address */
	fg_fed_watch(&fed, (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 18, 1, 22 }, T0);
	cr_assert_eq(fg_fed_set_mode(&fed, NULL,
				     (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 18, 1, 22 },
				     FG_FED_MODE_MEDIUM), 0);
	cr_assert_eq(fg_fed_set_mode(&fed, NULL,
				     (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 18, 9, 9 },
				     FG_FED_MODE_MEDIUM), -ENOENT, "no such partner");
	snprintf(lists.watch_dom[0], FG_DOMAIN_MAX, "Hand.example.org");
	lists.nwatch_dom = 1;
	n = fg_fed_entries(&fed, &lists, e, 8);
	cr_assert_eq(n, 3);
	{
		/* partners come in table order, hand-watched domains last */
		const struct fg_fed_entry *a = e[0].domain[0] == '\0' ? &e[0] : &e[1];

		cr_assert(a->domain[0] == '\0' && a->addr[0][15] == 22 && a->mode_set &&
			  a->mode == FG_FED_MODE_MEDIUM && a->flags == FG_FED_MANUAL && !a->alert);
	}
	cr_assert(strcmp(e[2].domain, "hand.example.org") == 0 && e[2].naddr == 0 &&
		  e[2].flags == FG_FED_MANUAL);
	cr_assert_eq(fg_fed_mode_parse("MEDIUM"), FG_FED_MODE_MEDIUM);
	cr_assert_eq(fg_fed_mode_parse("low"), -1);
}

/*
 * The partner table across a restart: a directory walker half way keeps
 * its URIs (a new one past the limit is refused at once), its reasons,
 * times and counters, the modes set by hand; a damaged file restores
 * nothing.
 */
Test(fed, state_survives_a_restart, .init = setup, .fini = teardown)
{
	const uint64_t off = 1700000000 * SEC - T0;  /* unix - fed clock */
	char uri[64], *buf = NULL, err[256];
	size_t len = 0;
	FILE *ms = open_memstream(&buf, &len);
	struct fg_partner a, b;
	uint32_t dropped;
	int n;

	for (int i = 0; i < 1001; i++) {
		snprintf(uri, sizeof(uri), "sip:w%d@example.com", i);
		request("198.18.1.30", "walker.example.net", uri, T0 + i * 1000ull);
	}
	for (int i = 0; i < 600; i++) {
		snprintf(uri, sizeof(uri), "sip:h%d@example.com", i);
		request("198.18.1.31", "half.example.net", uri, T0 + i * 1000ull);
	}
	cr_assert_eq(fg_fed_set_mode(&fed, "walker.example.net", NULL, FG_FED_MODE_MEDIUM), 0);
	a = partner("198.18.1.30");
	cr_assert_eq(fg_fed_state_write(&fed, ms, off), 3, "two partners, one mode");
	fclose(ms);
	/* "restart": a table of its own, 5 s later on its clock */
	teardown();
	setup();
	n = fg_fed_state_read(&fed, buf, len, off - 5 * SEC, &dropped, err, sizeof(err));
	cr_assert_eq(n, 2, "%s", err);
	cr_assert_eq(dropped, 0);
	b = partner("198.18.1.30");
	cr_assert(b.flags == FG_FED_URIS && b.nuris == 1000 && b.drop_uri == 1 &&
		  b.requests == 1001 && b.since_ns == a.since_ns + 5 * SEC &&
		  b.reason_ns[1] == a.reason_ns[1] + 5 * SEC &&
		  strcmp(b.domains[0], "walker.example.net") == 0);
	cr_assert_eq(partner("198.18.1.31").nuris, 600);
	/* the half-way walker does not get a fresh 1000; the full one no new URI */
	for (int i = 0; i < 401; i++) {
		snprintf(uri, sizeof(uri), "sip:x%d@example.com", i);
		cr_assert_eq(request("198.18.1.31", "half.example.net", uri, T0 + SEC),
			     i < 400 ? FG_V_COUNT : FG_V_SIP_NEW_URI, "URI %d after the restart", i);
	}
	cr_assert_eq(request("198.18.1.30", "walker.example.net", "sip:w5@example.com", T0 + SEC),
		     FG_V_COUNT, "an old URI still passes");
	cr_assert_eq(request("198.18.1.30", "walker.example.net", "sip:new@example.com", T0 + SEC),
		     FG_V_SIP_NEW_URI);
	{
		struct fg_fed_entry e[4];
		uint32_t k = fg_fed_entries(&fed, NULL, e, 4), w = 0;

		while (w < k && strcmp(e[w].domain, "walker.example.net") != 0)
			w++;
		cr_assert(w < k && e[w].mode == FG_FED_MODE_MEDIUM && e[w].mode_set,
			  "the mode set by hand");
	}
	/* a byte changed: refused whole */
	teardown();
	setup();
	buf[len / 2] ^= 1;
	cr_assert_eq(fg_fed_state_read(&fed, buf, len, off, &dropped, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "damaged") != NULL, "%s", err);
	cr_assert_null(fg_fed_find(&fed, b.addr));
	free(buf);
}

/*
 * A From host is the sender's bytes: one with a byte outside host names
 * and address literals ('"', '=', a control byte) keys no watch entry
 * (floodctl's JSON, the metrics and the log lines print domains as they
 * are); its partner is watched under its address.
 */
Test(fed, unprintable_from_host_keys_an_address_entry, .init = setup, .fini = teardown)
{
	static const char *const hosts[] = { "ev\"il.example.net", "a=b.example.net",
					     "x\x01y.example.net" };
	struct fg_fed_entry e[8];
	struct fg_partner p;
	uint32_t n;

	for (unsigned int i = 0; i < 3; i++)
		req("198.18.1.30", hosts[i], T0 + i);
	req("198.18.1.30", "[2001:db8::1]", T0 + 3);
	req("198.18.1.30", "Good_Host.example.net", T0 + 4);
	p = partner("198.18.1.30");
	cr_assert_eq(p.requests, 5, "every message met the rules");
	cr_assert_eq(p.ndom, 2, "only the printable hosts are remembered");
	cr_assert_str_eq(p.domains[0], "[2001:db8::1]");
	cr_assert_str_eq(p.domains[1], "good_host.example.net");
	/* a partner that only used unprintable hosts: an address entry */
	req("198.18.1.31", hosts[0], T0);
	fg_fed_watch(&fed, (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 18, 1, 31 }, T0);
	n = fg_fed_entries(&fed, &lists, e, 8);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(e[0].domain, "", "keyed by its address");
	cr_assert_eq(memcmp(e[0].addr[0], (const uint8_t[16]){ [10] = 0xff, [11] = 0xff,
							   198, 18, 1, 31 }, 16), 0);
}
