/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Limiters, the event window, the source table and the decision: exact
 * counts over simulated time (now is always an argument), timestamp wrap,
 * two threads on one source, and a random-source flood against a full
 * table.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_decide.h"
#include "test_util.h"

#define MS FG_NS_PER_MS
#define SEC FG_NS_PER_S

/* ---- helpers ---------------------------------------------------------- */

/*
 * Every GCRA and decision test runs twice: with the limiters shared by
 * several writers (compare-and-swap, suites gcra and decide) and with one
 * writer (plain stores, suites gcra_1w and decide_1w), which is how one
 * worker lcore runs them. Both must give the same exact results.
 */
static bool mw = true;

static void
one_writer(void)
{
	mw = false;
}

#define BOTH(suite, name, ...) \
	static void name##_body(void); \
	Test(suite, name, __VA_ARGS__) { name##_body(); } \
	Test(suite##_1w, name, .init = one_writer, __VA_ARGS__) { name##_body(); } \
	static void name##_body(void)

/* A table for @p sources in fresh memory; free with free(t->bkt). */
static void
table_new(struct fg_srctab *t, uint32_t sources, uint64_t epoch)
{
	cr_assert_eq(srctab_new(t, sources, 0x1234567890abcdefull, epoch), 0, "%u", sources);
	t->single_writer = !mw;
}

/* A protected packet of class @p cls from source number @p id. */
static struct fg_pkt
pkt(unsigned int cls, uint8_t l4, uint32_t id, uint16_t pl_len)
{
	struct fg_pkt p = pkt_classified(cls, l4, pl_len);

	p.src[12] = 198;
	p.src[13] = (uint8_t)(18 + (id >> 16 & 1));
	p.src[14] = (uint8_t)(id >> 8);
	p.src[15] = (uint8_t)id;
	/* ids beyond 2^17 go to the high bytes of the IPv6 form */
	if (id >= (1u << 17)) {
		p.ipv = 6;
		memcpy(p.src, "\x20\x01\x0d\xb8", 4);
		memcpy(p.src + 4, &id, 4);
	}
	return p;
}

/* ---- GCRA ------------------------------------------------------------- */

/*
 * Saturated for an hour: attempts every 100 us against 1000/s. Delivered
 * must be burst + floor(t_end * rate / 1e9) - floor(t_0 * rate / 1e9),
 * to the packet, at every whole second along the way too.
 */
BOTH(gcra, exact_over_an_hour, .timeout = 120)
{
	const uint64_t rate = 1000, burst = 50, t0 = 123456789;
	struct fg_now n = fg_now(0, t0);
	uint64_t u0 = fg_rate_units(&n, rate), passed = 0;
	uint32_t tat = (uint32_t)u0;

	for (uint64_t t = t0; t <= t0 + 3600 * SEC; t += 100000) {
		n = fg_now(0, t);
		passed += fg_gcra_take(&tat, (uint32_t)fg_rate_units(&n, rate), 1, (uint32_t)burst, mw);
		if ((t - t0) % SEC == 0 && t > t0 + SEC)
			cr_assert_eq(passed, burst + fg_rate_units(&n, rate) - u0,
				     "at %llu s: %llu passed",
				     (unsigned long long)((t - t0) / SEC),
				     (unsigned long long)passed);
	}
	cr_assert_eq(passed, burst + 3600 * rate);
}

/* A bytes/s rate that divides nothing evenly, 1500-byte packets. */
BOTH(gcra, exact_odd_rate_and_bytes, .timeout = 120)
{
	const uint64_t rate = 1250000007ull, burst = 100000; /* bytes/s */
	struct fg_now n = fg_now(0, 0);
	uint64_t passed = 0, u;
	uint32_t tat = 0;

	for (uint64_t t = 0;; t += 997) {
		if (t > 10 * SEC)
			t = 10 * SEC;
		n = fg_now(0, t);
		u = fg_rate_units(&n, rate);
		while (fg_gcra_take(&tat, (uint32_t)u, 1500, (uint32_t)burst, mw))
			passed += 1500;
		if (t == 10 * SEC)
			break;
	}
	/* saturated at the end: taken within one packet of rate*t + burst */
	u = fg_rate_units(&n, rate);
	cr_assert_leq(passed, burst + u);
	cr_assert_gt(passed + 1500, burst + u);
	cr_assert_eq(u, 12500000070ull);
}

/* After any gap the limiter gives exactly what the gap earned, capped. */
BOTH(gcra, refill_after_arbitrary_gaps, .timeout = 120)
{
	const uint64_t rate = 333, burst = 20;
	uint64_t seed = 42, t = 5, prev_u;
	uint32_t tat;
	struct fg_now n = fg_now(0, t);

	tat = (uint32_t)(fg_rate_units(&n, rate) + burst);      /* empty */
	prev_u = fg_rate_units(&n, rate);
	for (int i = 0; i < 20000; i++) {
		uint64_t gap = xorshift(&seed) % (i % 7 == 0 ? 200 * MS : 5 * MS);
		uint64_t u, got = 0, want;

		t += gap;
		n = fg_now(0, t);
		u = fg_rate_units(&n, rate);
		while (fg_gcra_take(&tat, (uint32_t)u, 1, (uint32_t)burst, mw))
			got++;
		want = u - prev_u < burst ? u - prev_u : burst;
		cr_assert_eq(got, want, "gap %llu ns: %llu passed, want %llu",
			     (unsigned long long)gap, (unsigned long long)got,
			     (unsigned long long)want);
		prev_u = u;
	}
}

BOTH(gcra, clock_that_does_not_move, .timeout = 120)
{
	struct fg_now n = fg_now(0, 77 * SEC);
	uint32_t tat = (uint32_t)fg_rate_units(&n, 10);
	uint64_t passed = 0;

	for (int i = 0; i < 100000; i++)
		passed += fg_gcra_take(&tat, (uint32_t)fg_rate_units(&n, 10), 1, 7, mw);
	cr_assert_eq(passed, 7);
}

/* The time source wraps through 2^64 in the middle of a saturated run. */
BOTH(gcra, timestamp_wraps, .timeout = 120)
{
	const uint64_t rate = 100000, burst = 10;
	const uint64_t epoch = UINT64_MAX - 5 * SEC;  /* 5 s before the wrap */
	struct fg_now n = fg_now(epoch, epoch);
	uint32_t tat = (uint32_t)fg_rate_units(&n, rate);
	uint64_t passed = 0, t = epoch;

	for (uint64_t k = 0; k <= 20 * 1000 * 1000; k++, t += 1000) {
		n = fg_now(epoch, t);               /* t wraps at k ~ 5e6 */
		passed += fg_gcra_take(&tat, (uint32_t)fg_rate_units(&n, rate), 1, (uint32_t)burst, mw);
	}
	cr_assert_lt(t, epoch, "the clock did wrap");
	cr_assert_eq(passed, burst + 20 * rate);
}

/* ---- decision: window, block, parameters, SYN, classes -------------- */

/* A decision test's table, limits and counters. */
static struct fg_srctab tab;
static struct fg_limit_cfg cfg;
static struct fg_limit_stats stats;

/* Every limit off (a test turns on those it tests), counters zero, and a
 * table for @p sources. */
static void
decide_init(uint32_t sources)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(&stats, 0, sizeof(stats));
	table_new(&tab, sources, 0);
}

static void
tab_fini(void)
{
	free(tab.bkt);
}

/* fg_decide() of @p p, not allow-listed, at @p n. */
static enum fg_verdict
decide(const struct fg_pkt *p, const struct fg_now *n)
{
	return fg_decide(&tab, &cfg, p, n, false, &stats);
}

/* How many of @p count packets @p p, all at @p n, pass. */
static int
passes(const struct fg_pkt *p, const struct fg_now *n, int count)
{
	int pass = 0;

	for (int i = 0; i < count; i++)
		pass += decide(p, n) == FG_V_PASS;
	return pass;
}

BOTH(decide, window_n_pass_then_block_exactly_p, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 1, 100);
	const uint64_t t0 = 1000 * SEC;
	struct fg_now n;
	uint64_t t;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM] = (struct fg_class_limits){ .win_events = 10, .win_ms = 1000,
							 .block_ms = 5000 };

	/* 10 events in 1 s pass; the 11th (still inside the window) blocks */
	for (int i = 0; i < 10; i++) {
		n = fg_now(0, t0 + (uint64_t)i * 99 * MS);
		cr_assert_eq(decide(&p, &n), FG_V_PASS, "event %d", i + 1);
	}
	t = t0 + 999 * MS;
	n = fg_now(0, t);
	cr_assert_eq(decide(&p, &n), FG_V_FLOOD_BLOCKED);
	cr_assert_eq(stats.blocks, 1);
	/* blocked for exactly 5 s: every kind of packet, until the last ns */
	n = fg_now(0, t + 5 * SEC - 1);
	cr_assert_eq(decide(&p, &n), FG_V_FLOOD_BLOCKED);
	n = fg_now(0, t + 5 * SEC);
	cr_assert_eq(decide(&p, &n), FG_V_PASS);
	/* a fresh window: 9 more pass, the 11th of it blocks again */
	for (int i = 0; i < 9; i++)
		cr_assert_eq(decide(&p, &n), FG_V_PASS);
	cr_assert_eq(decide(&p, &n), FG_V_FLOOD_BLOCKED);
	cr_assert_eq(stats.blocks, 2);
	cr_assert_eq(stats.verdict[FG_V_PASS], 20);
	cr_assert_eq(stats.verdict[FG_V_FLOOD_BLOCKED], 3);
}

BOTH(decide, window_restarts_after_t, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 6, 2, 10);
	struct fg_pkt ack = pkt(FG_CLASS_MOM, 6, 2, 0);
	struct fg_now n;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM] = (struct fg_class_limits){ .win_events = 3, .win_ms = 100,
							 .block_ms = 1 };
	for (int w = 0; w < 50; w++) {
		n = fg_now(0, (uint64_t)w * 100 * MS);
		for (int i = 0; i < 3; i++)
			cr_assert_eq(decide(&p, &n), FG_V_PASS);
		/* segments without payload are not events */
		for (int i = 0; i < 10; i++)
			cr_assert_eq(decide(&ack, &n), FG_V_PASS);
	}
	cr_assert_eq(stats.blocks, 0);
}

BOTH(decide, too_many_params_drops_and_counts_as_event, .fini = tab_fini)
{
	struct fg_pkt big = pkt(FG_CLASS_SIP, 17, 3, 3000);
	struct fg_pkt ok = pkt(FG_CLASS_SIP, 17, 3, 500);
	struct fg_pkt hdrs = ok;
	struct fg_now n = fg_now(0, SEC);

	decide_init(1024);
	cfg.cls[FG_CLASS_SIP] = (struct fg_class_limits){ .max_msg = 2000, .max_headers = 20,
		.win_events = 4, .win_ms = 1000, .block_ms = 1000 };
	hdrs.flags |= FG_PF_SIP;
	hdrs.sip.headers = 21;
	cr_assert_eq(decide(&big, &n), FG_V_TOO_MANY_PARAMS);
	cr_assert_eq(decide(&hdrs, &n), FG_V_TOO_MANY_PARAMS);
	cr_assert_eq(decide(&ok, &n), FG_V_PASS);
	cr_assert_eq(decide(&ok, &n), FG_V_PASS);
	/* the 5th event of the window, counting the two dropped ones */
	cr_assert_eq(decide(&ok, &n), FG_V_FLOOD_BLOCKED);
}

/* The parser's own bounds: class malformed, reason sip-hdr-*, port class
 * sip: by the rules too-many-params, in the sip source's window. */
BOTH(decide, parser_header_bounds_are_too_many_params, .fini = tab_fini)
{
	struct fg_pkt many = pkt(FG_CLASS_SIP, 17, 3, 900);
	struct fg_pkt ok = pkt(FG_CLASS_SIP, 17, 3, 500);
	struct fg_pkt noise = pkt(FG_CLASS_MOM, 17, 3, 100);
	struct fg_now n = fg_now(0, SEC);

	decide_init(1024);
	cfg.cls[FG_CLASS_SIP] = (struct fg_class_limits){ .win_events = 2, .win_ms = 1000,
							 .block_ms = 1000 };
	many.cls = FG_CLASS_MALFORMED;
	many.port_cls = FG_CLASS_SIP;
	many.reason = FG_R_SIP_HDR_TOO_MANY;
	noise.cls = FG_CLASS_MALFORMED;
	noise.port_cls = FG_CLASS_MOM;
	noise.reason = FG_R_SIP_CSEQ_RANGE;
	cr_assert_eq(decide(&many, &n), FG_V_TOO_MANY_PARAMS);
	many.reason = FG_R_SIP_HDR_LINE_LONG;
	cr_assert_eq(decide(&many, &n), FG_V_TOO_MANY_PARAMS);
	/* other malformed reasons stay malformed, and keep no state */
	cr_assert_eq(decide(&noise, &n), FG_V_MALFORMED);
	/* the third event of the sip source's window blocks it */
	cr_assert_eq(decide(&ok, &n), FG_V_FLOOD_BLOCKED);
	cr_assert_eq(fg_srctab_count(&tab), 1);
}

BOTH(decide, syn_rate_separately, .fini = tab_fini)
{
	struct fg_pkt syn = pkt(FG_CLASS_MOM, 6, 4, 0);
	struct fg_pkt data = pkt(FG_CLASS_MOM, 6, 4, 0);
	struct fg_now n = fg_now(0, 50 * SEC);

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM].syn = (struct fg_rate){ 5, 3 };
	syn.tcp_flags = FG_TCP_SYN;
	cr_assert_eq(passes(&syn, &n, 10), 3);
	cr_assert_eq(stats.verdict[FG_V_SYN_RATE], 7);
	/* the rest of the connection is not a SYN */
	cr_assert_eq(decide(&data, &n), FG_V_PASS);
	n = fg_now(0, 51 * SEC);
	cr_assert_eq(passes(&syn, &n, 10), 3, "1 s at 5/s refills to the burst of 3");
}

/*
 * The TATs are 32 bits (fg_limit.h): a limiter left unused for longer
 * than 2^31 of its units must still come back full, not "in the future".
 * 1e9 bytes/s wraps 2^32 units in 4.3 s; the SYN limiter (10^6/s, a burst
 * of 2^29) is left behind by an hour of non-SYN packets, one a second.
 * Gaps past 24.8 days wrap the 32-bit last-seen ms too (it reads as
 * ahead): the 45-day gap failed before that was handled.
 */
BOTH(decide, limiters_full_after_any_idle_time, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 9, 228);   /* 256 bytes of IP */
	struct fg_pkt syn = pkt(FG_CLASS_MOM, 6, 10, 0), data = syn;
	const uint64_t gaps[] = { 5 * SEC, 3 * 86400 * SEC, 20 * 86400 * SEC,
				  25 * 86400 * SEC, 31 * 86400 * SEC + 7 * MS,
				  45 * 86400 * SEC + 999 * MS, 2 * MS };
	const unsigned int ng = sizeof(gaps) / sizeof(gaps[0]);
	uint64_t t = 10 * SEC;
	struct fg_now n;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM] = (struct fg_class_limits){ .pps = { 100, 10 },
		.bps = { 1000000000, 1280 }, .syn = { 1000000, FG_BURST_MAX } };
	syn.tcp_flags = FG_TCP_SYN;
	for (unsigned int g = 0; g <= ng; g++) {
		n = fg_now(0, t);
		for (int i = 0; i < 5; i++)
			cr_assert_eq(decide(&p, &n), FG_V_PASS, "gap %u, packet %d", g, i);
		cr_assert_eq(decide(&p, &n), g < ng ? FG_V_RATE_BPS : FG_V_RATE_PPS, "gap %u", g);
		if (g < ng)
			t += gaps[g];
	}
	/* 2 ms after the last: bytes refilled 2e6, packets only 0.2 */
	cr_assert_eq(stats.verdict[FG_V_PASS], 5 * (ng + 1));

	n = fg_now(0, t);
	cr_assert_eq(decide(&syn, &n), FG_V_PASS);
	for (int i = 0; i < 3600; i++) {
		t += SEC;
		n = fg_now(0, t);
		cr_assert_eq(decide(&data, &n), FG_V_PASS);
	}
	/* 3.6e9 units later: as a raw 32-bit difference that is "ahead" */
	cr_assert_eq(decide(&syn, &n), FG_V_PASS);
}

/* floodctl set of the mom class's limits to @p nl: generation @p gen. */
static void
set_mom(struct fg_class_limits *nl, unsigned int gen)
{
	fg_class_limits_gen(&cfg.cls[FG_CLASS_MOM], nl);
	cr_assert_eq(nl->gen, gen);
	cfg.cls[FG_CLASS_MOM] = *nl;
}

/*
 * A live rate change (floodctl set): the TATs count in units of the old
 * rate, so lowering 10^9/s to 100/s would leave them "years ahead" and
 * raising 100/s to 10^9/s would look like a huge debt repaid. The new
 * generation restarts every limiter of the class full, once; a change
 * of anything else keeps the generation and the limiters as they were.
 */
BOTH(decide, rate_change_restarts_the_limiters, .fini = tab_fini)
{
	struct fg_class_limits nl;
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 3, 100);
	struct fg_now n = fg_now(0, 3600 * SEC);
	int pass;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ 1000000000, 1000 };
	cr_assert_eq(passes(&p, &n, 2000), 1000);

	/* lower: the burst of the new rate passes at once, then 100/s */
	nl = cfg.cls[FG_CLASS_MOM];
	nl.pps = (struct fg_rate){ 100, 10 };
	set_mom(&nl, 1);
	pass = passes(&p, &n, 50);
	cr_assert_eq(pass, 10, "burst after lowering: %d", pass);
	pass = 0;
	for (int ms = 1; ms <= 1000; ms++) {
		n = fg_now(0, 3600 * SEC + (uint64_t)ms * MS);
		pass += decide(&p, &n) == FG_V_PASS;
	}
	cr_assert_eq(pass, 100, "one second at 100/s: %d", pass);

	/* anything but a rate or burst: same generation, still drained */
	nl.win_events = 1000000;
	nl.win_ms = 1000;
	nl.block_ms = 1000;
	set_mom(&nl, 1);
	cr_assert_eq(decide(&p, &n), FG_V_RATE_PPS);

	/* raise: full at the new burst */
	nl.pps = (struct fg_rate){ 1000000000, 5000 };
	set_mom(&nl, 2);
	pass = passes(&p, &n, 6000);
	cr_assert_eq(pass, 5000, "burst after raising: %d", pass);
}

BOTH(decide, pps_and_bps_and_refund, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_SIP, 17, 5, 972); /* ip_len 1000 */
	struct fg_now n = fg_now(0, 9 * SEC);

	decide_init(1024);
	cfg.cls[FG_CLASS_SIP].pps = (struct fg_rate){ 100, 100 };
	cfg.cls[FG_CLASS_SIP].bps = (struct fg_rate){ 100000, 70000 };
	/* bytes bind first: 70 packets of 1000 bytes */
	cr_assert_eq(passes(&p, &n, 200), 70);
	cr_assert_eq(stats.verdict[FG_V_RATE_BPS], 130);
	/* the 130 refused by bytes/s did not use packets/s: 30 pps left */
	cfg.cls[FG_CLASS_SIP].bps.rate = 0;
	cr_assert_eq(passes(&p, &n, 100), 30);
	cr_assert_eq(stats.verdict[FG_V_RATE_PPS], 70);
}

BOTH(decide, classes_allow_and_malformed, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 6, 10);
	struct fg_pkt other = pkt(FG_CLASS_OTHER, 17, 6, 10);
	struct fg_pkt bad = pkt(FG_CLASS_MALFORMED, 17, 6, 10);
	struct fg_pkt noise = pkt(FG_CLASS_MALFORMED, 17, 6, 10);

	bad.port_cls = FG_CLASS_MOM;
	struct fg_now n = fg_now(0, SEC);
	uint64_t sum = 0;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ 1, 1 };
	noise.port_cls = FG_CLASS_OTHER;
	cr_assert_eq(decide(&p, &n), FG_V_PASS);
	cr_assert_eq(decide(&p, &n), FG_V_RATE_PPS);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fg_decide(&tab, &cfg, &p, &n, true, &stats), FG_V_PASS_ALLOW);
	cr_assert_eq(decide(&other, &n), FG_V_PASS_OTHER);
	cr_assert_eq(decide(&bad, &n), FG_V_MALFORMED);
	cr_assert_eq(decide(&noise, &n), FG_V_PASS_OTHER);
	cr_assert_eq(fg_srctab_count(&tab), 1, "only the limited source is tracked");
	for (int v = 0; v < FG_V_COUNT; v++)
		sum += stats.verdict[v];
	cr_assert_eq(sum, 10, "received = passed + dropped");
	cr_assert(fg_verdict_drops(FG_V_RATE_PPS));
	cr_assert(!fg_verdict_drops(FG_V_PASS_ALLOW));
	cr_assert_str_eq(fg_verdict_name(FG_V_TOO_MANY_PARAMS), "too-many-params");
	cr_assert_str_eq(fg_verdict_name(FG_V_COUNT), "?");
}

/* The burst API decides exactly as one-at-a-time does. */
BOTH(decide, burst_equals_single, .fini = tab_fini)
{
	struct fg_limit_stats s1 = { 0 }, s2 = { 0 };
	struct fg_srctab t2;
	struct fg_pkt pk[FG_DECIDE_BURST_MAX];
	const struct fg_pkt *pp[FG_DECIDE_BURST_MAX];
	uint8_t v[FG_DECIDE_BURST_MAX];
	bool allow[FG_DECIDE_BURST_MAX];
	uint64_t seed = 7;

	decide_init(256);
	fg_limit_cfg_default(&cfg);
	cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ 50, 5 };
	table_new(&t2, 256, 0);
	for (int b = 0; b < 2000; b++) {
		struct fg_now n = fg_now(0, (uint64_t)b * 3 * MS);

		for (int i = 0; i < FG_DECIDE_BURST_MAX; i++) {
			uint64_t r = xorshift(&seed);

			pk[i] = pkt(r % 5 == 0 ? FG_CLASS_OTHER : FG_CLASS_MOM,
				    r & 8 ? 6 : 17, (uint32_t)(r >> 8) % 600, 40);
			pp[i] = &pk[i];
			allow[i] = (r >> 40) % 50 == 0;
		}
		fg_decide_burst(&tab, &cfg, pp, FG_DECIDE_BURST_MAX, &n, allow, v, &s1);
		for (int i = 0; i < FG_DECIDE_BURST_MAX; i++)
			cr_assert_eq(fg_decide(&t2, &cfg, pp[i], &n, allow[i], &s2),
				     v[i], "burst %d packet %d", b, i);
	}
	cr_assert_eq(memcmp(s1.verdict, s2.verdict, sizeof(s1.verdict)), 0);
	cr_assert_gt(s1.verdict[FG_V_RATE_PPS], 0);
	cr_assert_gt(s1.verdict[FG_V_TABLE_FULL] + s1.tab.evict_probation, 0,
		     "600 sources in 432 slots must have hit the full table");
	free(t2.bkt);
}

/* More than FG_DECIDE_BURST_MAX at once: every packet gets a verdict. */
BOTH(decide, long_burst_in_slices, .fini = tab_fini)
{
	struct fg_pkt pk[150];
	const struct fg_pkt *pp[150];
	uint8_t v[150];
	struct fg_now n = fg_now(0, SEC);

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ 1, 100 };
	for (int i = 0; i < 150; i++) {
		pk[i] = pkt(FG_CLASS_MOM, 17, 9, 10);
		pp[i] = &pk[i];
		v[i] = 0xff;
	}
	fg_decide_burst(&tab, &cfg, pp, 150, &n, NULL, v, &stats);
	for (int i = 0; i < 150; i++)
		cr_assert_eq(v[i], i < 100 ? FG_V_PASS : FG_V_RATE_PPS, "packet %d", i);
	cr_assert_eq(stats.verdict[FG_V_PASS] + stats.verdict[FG_V_RATE_PPS], 150);
}

/* A bad setting names its field and says what is wrong. */
Test(limits, check_names_the_field)
{
	struct fg_class_limits l;
	const char *field = NULL, *why = NULL;

	for (unsigned int c = 0; c < FG_CLASS_COUNT; c++) {
		fg_class_limits_default(c, &l);
		cr_assert_eq(fg_class_limits_check(&l, &field, &why), 0,
			     "default of class %u: %s: %s", c, field, why);
	}
	fg_class_limits_default(FG_CLASS_MOM, &l);
	l.pps.burst = 0;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "pps");
	cr_assert(strstr(why, "burst") != NULL);
	fg_class_limits_default(FG_CLASS_MOM, &l);
	l.bps.burst = 1500;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "bps");
	fg_class_limits_default(FG_CLASS_SIP, &l);
	l.syn.rate = FG_RATE_MAX + 1;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "syn");
	fg_class_limits_default(FG_CLASS_SIP, &l);
	l.win_ms = 0;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "window");
	fg_class_limits_default(FG_CLASS_SIP, &l);
	l.block_ms = 0;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "block");
}

/* ---- source table ------------------------------------------------------ */

/*
 * Two writers on different sides (fg_srctab_insert()): a bucket's sources
 * of one are in its first slots, the other's in its last, so that no more
 * than one cache line of entries (two slots) a bucket holds sources of
 * both, where they meet. Placed all from one end (side 0 for both), the
 * sources of two workers would share most lines.
 */
Test(srctab, two_sides_share_few_lines, .fini = tab_fini)
{
	struct fg_srctab_stats st = { 0 };
	struct fg_src init = { 0 };
	struct fg_now n = fg_now(0, SEC);
	const uint32_t N = 4096;
	uint32_t mixed = 0, mixed_one_side = 0;

	for (unsigned int pass = 0; pass < 2; pass++) {
		/* [bucket][slot] the writer (1 or 2) that placed it, 0: free */
		static uint8_t by[6832 / FG_SRCTAB_SLOTS][FG_SRCTAB_SLOTS];
		uint32_t *m = pass == 0 ? &mixed : &mixed_one_side;

		memset(by, 0, sizeof(by));
		table_new(&tab, N, 0);
		cr_assert_eq(fg_srctab_slots(&tab), 6832);
		for (uint32_t i = 0; i < N; i++) {
			struct fg_pkt p = pkt(FG_CLASS_MOM, 17, i, 0);
			uint64_t h = fg_srctab_hash(&tab, p.src, p.cls);
			unsigned int side = pass == 0 ? i & 1 : 0;
			struct fg_src *e = fg_srctab_insert(&tab, p.src, p.cls, h, &init, &n,
							    side, &st);
			size_t x;

			cr_assert_not_null(e, "insert %u", i);
			/* its bucket: entries are inside their bucket's 512 bytes */
			x = (size_t)((const char *)e - (const char *)tab.bkt) / sizeof(tab.bkt[0]);
			cr_assert_lt(x, sizeof(by) / sizeof(by[0]));
			by[x][e - tab.bkt[x].src] = (uint8_t)(1 + (i & 1));
		}
		for (size_t b = 0; b < sizeof(by) / sizeof(by[0]); b++) {
			uint32_t lines = 0;

			for (unsigned int k = 0; k < FG_SRCTAB_SLOTS; k += 2)
				lines += by[b][k] != 0 && by[b][k + 1] != 0 && by[b][k] != by[b][k + 1];
			if (pass == 0)
				cr_assert_leq(lines, 1, "bucket %zu: %u lines hold both writers' sources",
					      b, lines);
			*m += lines;
		}
		if (pass == 0)
			free(tab.bkt);
	}
	/* the contrast: from one end, about half the full lines are mixed */
	cr_assert_gt(mixed_one_side, 4 * mixed + 100, "mixed lines: sides %u, one end %u",
		     mixed, mixed_one_side);
}

Test(srctab, insert_lookup_age, .fini = tab_fini)
{
	struct fg_srctab_stats st = { 0 };
	struct fg_src init = { 0 };
	struct fg_now n = fg_now(0, SEC);
	const uint32_t N = 4096;

	/* sized for 4096 sources: 60 % of the slots (fg_srctab_mem_size()) */
	table_new(&tab, N, 0);
	cr_assert_eq(fg_srctab_slots(&tab), 6832);
	for (uint32_t i = 0; i < N; i++) {
		struct fg_pkt p = pkt(FG_CLASS_MOM, 17, i, 0);
		uint64_t h = fg_srctab_hash(&tab, p.src, p.cls);

		cr_assert_null(fg_srctab_lookup(&tab, p.src, p.cls, h));
		cr_assert_not_null(fg_srctab_insert(&tab, p.src, p.cls, h, &init, &n, 0, &st),
				   "insert %u of %u", i, N);
	}
	cr_assert_eq(st.inserted, N);
	cr_assert_eq(st.evict_idle + st.evict_probation, 0, "the sources it is sized for, without eviction");
	cr_assert_eq(fg_srctab_count(&tab), N);
	for (uint32_t i = 0; i < N; i++) {
		struct fg_pkt p = pkt(FG_CLASS_MOM, 17, i, 0);
		struct fg_pkt q = pkt(FG_CLASS_SIP, 17, i, 0);
		uint64_t h = fg_srctab_hash(&tab, p.src, p.cls);
		struct fg_src *e = fg_srctab_lookup(&tab, p.src, p.cls, h);

		cr_assert_not_null(e);
		uint8_t a[16];

		cr_assert_eq(fg_src_key(e, a), FG_CLASS_MOM);
		cr_assert_eq(memcmp(a, p.src, 16), 0);
		/* same address, other class: another key */
		cr_assert_null(fg_srctab_lookup(&tab, q.src, q.cls,
						fg_srctab_hash(&tab, q.src, q.cls)));
		/* inserting again finds it */
		cr_assert_eq(fg_srctab_insert(&tab, p.src, p.cls, h, &init, &n, 0, &st), e);
	}
	cr_assert_eq(st.inserted, N);
	/* one entry blocked: ageing spares it */
	{
		struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 17, 0);
		struct fg_src *e = fg_srctab_lookup(&tab, p.src, p.cls,
						    fg_srctab_hash(&tab, p.src, p.cls));

		fg_src_block(e, 200 * SEC, 0);
	}
	n = fg_now(0, SEC + FG_SRCTAB_DEF_IDLE_MS * MS - MS);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), 0, "not idle yet");
	n = fg_now(0, SEC + FG_SRCTAB_DEF_IDLE_MS * MS);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), N - 1);
	cr_assert_eq(fg_srctab_count(&tab), 1);
	cr_assert_eq(st.aged, N - 1);
}

/* Slots whose signature is set (an IPv6 source has two). */
static uint64_t
slots_used(const struct fg_srctab *t)
{
	uint64_t n = 0;

	for (uint32_t b = 0; b < t->nb; b++)
		for (unsigned int i = 0; i < 16; i++)
			n += t->bkt[b].sig[i] != 0;
	return n;
}

/*
 * An IPv6 source takes an aligned pair of slots (its entry and its
 * address, one cache line), an IPv4 source one slot; both are found,
 * give their address back, and free every slot they took when aged.
 */
Test(srctab, ipv6_takes_an_aligned_pair, .fini = tab_fini)
{
	struct fg_srctab_stats st = { 0 };
	struct fg_src init = { 0 };
	struct fg_now n = fg_now(0, SEC);
	uint64_t used;

	table_new(&tab, 64, 0);
	cr_assert_eq(fg_srctab_slots(&tab), 112);
	for (uint32_t i = 0; i < 40; i++) {
		struct fg_pkt p = pkt(FG_CLASS_SIP, 17, i % 2 ? i : (1u << 17) + i, 0);
		uint64_t h = fg_srctab_hash(&tab, p.src, p.cls);
		struct fg_src *e = fg_srctab_insert(&tab, p.src, p.cls, h, &init, &n, 0, &st);

		cr_assert_not_null(e, "insert %u", i);
		if (p.ipv == 6)
			cr_assert_eq((uintptr_t)e & 63, 0, "IPv6 %u not line-aligned", i);
	}
	cr_assert_eq(st.evict_idle + st.evict_probation, 0);
	cr_assert_eq(fg_srctab_count(&tab), 40);
	for (uint32_t i = 0; i < 40; i++) {
		struct fg_pkt p = pkt(FG_CLASS_SIP, 17, i % 2 ? i : (1u << 17) + i, 0);
		struct fg_src *e = fg_srctab_lookup(&tab, p.src, p.cls,
						    fg_srctab_hash(&tab, p.src, p.cls));
		uint8_t a[16];

		cr_assert_not_null(e, "lookup %u", i);
		cr_assert_eq(fg_src_key(e, a), FG_CLASS_SIP);
		cr_assert_eq(memcmp(a, p.src, 16), 0, "address of %u", i);
		cr_assert(fg_src_is(e, p.src, FG_CLASS_SIP));
		cr_assert_not(fg_src_is(e, p.src, FG_CLASS_MOM));
	}
	used = slots_used(&tab);
	cr_assert_eq(used, 20 + 2 * 20, "slots taken");
	n = fg_now(0, SEC + FG_SRCTAB_DEF_IDLE_MS * MS);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), 40);
	used = slots_used(&tab);
	cr_assert_eq(used, 0, "every slot free again");
	cr_assert_eq(fg_srctab_count(&tab), 0);
}

/*
 * The overflow hints (a prefetch aid): every key placed in its secondary
 * while its primary had a free hint is named by one, with its slot; when
 * the keys leave, the hints and overflow counts go back to 0.
 */
Test(srctab, overflow_hints_follow_the_keys, .fini = tab_fini)
{
	struct fg_srctab_stats st = { 0 };
	struct fg_src init = { 0 };
	struct fg_now n = fg_now(0, SEC);
	const uint32_t N = 60000;
	uint32_t sec = 0, hinted = 0;

	table_new(&tab, N, 0);
	for (uint32_t i = 0; i < N; i++) {
		struct fg_pkt p = pkt(FG_CLASS_MOM, 17, i, 0);

		cr_assert_not_null(fg_srctab_insert(&tab, p.src, p.cls,
						    fg_srctab_hash(&tab, p.src, p.cls),
						    &init, &n, 0, &st));
	}
	for (uint32_t i = 0; i < N; i++) {
		struct fg_pkt p = pkt(FG_CLASS_MOM, 17, i, 0);
		uint64_t h = fg_srctab_hash(&tab, p.src, p.cls);
		struct fg_src *e = fg_srctab_lookup(&tab, p.src, p.cls, h);
		uint32_t b1 = fg_srctab_bkt1(&tab, h);
		const struct fg_srctab_bkt *bk = &tab.bkt[b1];

		if ((uintptr_t)e >= (uintptr_t)bk && (uintptr_t)e < (uintptr_t)(bk + 1))
			continue;
		sec++;
		for (unsigned int k = 0; k < 8; k++)
			if (bk->hint[k] != 0 && (bk->hint[k] & 0xfff0u) ==
			    (fg_srctab_sig_(h) & 0xfff0u)) {
				const struct fg_srctab_bkt *b2 = &tab.bkt[fg_srctab_bkt2_(&tab, h)];

				hinted += &b2->src[(bk->hint[k] & 15u) - 1] == e;
				break;
			}
	}
	/* ~17 % of the keys in their secondary (docs/limits.md); a primary
	 * with more than 8 of them has no hint for the rest */
	cr_assert_gt(sec, N / 10, "%u in their secondary", sec);
	cr_assert_geq(hinted * 100, sec * 99, "%u of %u hinted", hinted, sec);
	n = fg_now(0, SEC + FG_SRCTAB_DEF_IDLE_MS * MS);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), N);
	for (uint32_t b = 0; b < tab.nb; b++) {
		cr_assert_eq(tab.bkt[b].ovf, 0, "bucket %u overflow count", b);
		for (unsigned int k = 0; k < 8; k++)
			cr_assert_eq(tab.bkt[b].hint[k], 0, "bucket %u hint %u", b, k);
	}
}

/*
 * A source blocked for 40 days (block_ms goes up to 49.7 days) and silent
 * since: at the end its 32-bit last-seen ms reads as "ahead" (a wrap);
 * it must still age out like any idle entry, not stay for ever.
 */
Test(srctab, blocked_for_weeks_then_ages, .fini = tab_fini)
{
	struct fg_srctab_stats st = { 0 };
	struct fg_src init = { 0 };
	struct fg_now n = fg_now(0, SEC);
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 77, 0);
	struct fg_src *e;

	table_new(&tab, 64, 0);
	e = fg_srctab_insert(&tab, p.src, p.cls, fg_srctab_hash(&tab, p.src, p.cls),
			     &init, &n, 0, &st);
	cr_assert_not_null(e);
	fg_src_block(e, SEC + 40 * 86400 * SEC, 0);
	n = fg_now(0, SEC + 40 * 86400 * SEC - MS);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), 0, "still blocked");
	n = fg_now(0, SEC + 40 * 86400 * SEC + MS);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), 1, "block over, idle 40 days");
	cr_assert_eq(fg_srctab_count(&tab), 0);
}

Test(srctab, sizes)
{
	struct fg_srctab t;
	struct fg_srctab_params p;
	static uint8_t mem[1 << 16] __attribute__((aligned(64)));

	fg_srctab_params_default(&p);
	cr_assert_eq(fg_srctab_mem_size(0), 0);
	/* 1e6 / 0.6 slots, in buckets of 14: header 64 + 14 entries of 32 */
	cr_assert_eq(fg_srctab_mem_size(1000000), 119048ull * (64 + 14 * 32));
	p.sources = 100;
	cr_assert_eq(fg_srctab_init(&t, &p, mem + 8, sizeof(mem) - 8, 0), -EINVAL,
		     "unaligned memory");
	cr_assert_eq(fg_srctab_init(&t, &p, mem, 100, 0), -EINVAL, "too small");
	cr_assert_eq(fg_srctab_init(&t, &p, mem, sizeof(mem), 0), 0);
	cr_assert_eq(fg_srctab_slots(&t), 168);
}

/*
 * 10 million random sources, one packet each, against a table of 16384
 * slots that 1,000 established sources share; those keep sending 20
 * packets a second each (inside their limit) all along. They must lose
 * nothing, and the flood must have churned the table.
 */
Test(srctab, spoofed_flood_spares_established, .fini = tab_fini, .timeout = 300)
{
	const uint32_t legit = 1000, spoofed = 10 * 1000 * 1000;
	uint64_t seed = 99, t = 0, legit_sent = 0, legit_passed = 0;
	struct fg_pkt p;

	decide_init(16384);
	fg_limit_cfg_default(&cfg);
	/* warm-up: every legit source becomes established */
	for (unsigned int k = 0; k < FG_SRCTAB_DEF_ESTABLISHED; k++)
		for (uint32_t i = 0; i < legit; i++) {
			struct fg_now n = fg_now(0, t += 10000);

			p = pkt(FG_CLASS_MOM, 17, i, 100);
			cr_assert_eq(decide(&p, &n), FG_V_PASS);
		}
	/* 1 Mpps of spoofed sources for 10 s; a legit packet every 50 us */
	for (uint32_t s = 0; s < spoofed; s++) {
		struct fg_now n = fg_now(0, t += 1000);
		uint32_t id = (uint32_t)xorshift(&seed) | (1u << 17);

		p = pkt(FG_CLASS_MOM, 17, id, 100);
		decide(&p, &n);
		if (s % 50 == 0) {
			p = pkt(FG_CLASS_MOM, 17, (s / 50) % legit, 100);
			legit_sent++;
			legit_passed += decide(&p, &n) == FG_V_PASS;
		}
	}
	cr_assert_eq(legit_passed, legit_sent, "established sources lost %llu of %llu",
		     (unsigned long long)(legit_sent - legit_passed),
		     (unsigned long long)legit_sent);
	cr_assert_gt(stats.tab.evict_probation, spoofed / 2, "the flood churned the table");
	{
		uint64_t sum = 0;

		for (int v = 0; v < FG_V_COUNT; v++)
			sum += stats.verdict[v];
		cr_assert_eq(sum, legit * FG_SRCTAB_DEF_ESTABLISHED + spoofed + legit_sent,
			     "every packet has a verdict");
	}
}

/* ---- two threads, one source ----------------------------------------- */

/*
 * The clock both threads read is shared and moves 100 ns per attempt, so
 * the limiter is saturated whatever the scheduler does (a real clock would
 * refill the bucket to its cap while both threads are preempted, which is
 * the scheduler's doing, not the limiter's). A thread preempted between
 * reading the clock and deciding comes back with that reading: were it a
 * second behind the entry's last-seen ms, the table would take that for a
 * wrap of the 32-bit ms (fg_ms_since) and refill the bucket. At 1 us per
 * attempt a busy machine made that happen (one extra burst: 5,039,800
 * passed, 5,038,800 allowed); at 100 ns the whole 2 s run stays well
 * under a second of this clock.
 */
static uint64_t sim_clock;

struct hammer {
	struct fg_srctab *t;
	const struct fg_limit_cfg *cfg;
	uint32_t own;           /* a source only this thread sends */
	uint64_t end_ns;        /* real time to stop at */
	uint64_t shared_passed, own_passed, sent;
	struct fg_limit_stats st;
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	struct fg_pkt shared = pkt(FG_CLASS_MOM, 17, 1, 100);
	struct fg_pkt own = pkt(FG_CLASS_MOM, 17, h->own, 100);

	do {
		for (int i = 0; i < 1000; i++) {
			struct fg_now n = fg_now(0, __atomic_add_fetch(&sim_clock,
						 100, __ATOMIC_RELAXED));

			h->shared_passed += fg_decide(h->t, h->cfg, &shared, &n,
						      false, &h->st) == FG_V_PASS;
			h->own_passed += fg_decide(h->t, h->cfg, &own, &n, false,
						   &h->st) == FG_V_PASS;
			h->sent += 2;
		}
	} while (mono_ns() < h->end_ns);
	return NULL;
}

/*
 * Two threads send as fast as they can from one shared source (limited to
 * 200,000/s, burst 1000) and from one source each, for 2 s. At the end the
 * main thread takes what is left at the final instant: the shared source
 * must then have passed exactly burst + rate * elapsed, not a packet more
 * (no token taken twice) or less (none lost), and every packet must have
 * exactly one verdict.
 */
Test(concurrency, two_threads_one_source, .fini = tab_fini, .timeout = 60)
{
	struct fg_pkt sp = pkt(FG_CLASS_MOM, 17, 1, 100);
	struct hammer h[2];
	pthread_t th[2];
	uint64_t shared = 0, total_v = 0, sent = 0, want, u0;
	struct fg_now n;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ 200000, 1000 };
	sim_clock = 5 * SEC;
	n = fg_now(0, sim_clock);
	u0 = fg_rate_units(&n, 200000);
	/* the shared entry exists, full, before the threads start */
	cr_assert_eq(decide(&sp, &n), FG_V_PASS);
	shared = 1;
	for (int i = 0; i < 2; i++) {
		h[i] = (struct hammer){ .t = &tab, .cfg = &cfg, .own = 10 + (uint32_t)i,
					.end_ns = mono_ns() + 2 * SEC };
		cr_assert_eq(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		shared += h[i].shared_passed;
		sent += h[i].sent;
		for (int v = 0; v < FG_V_COUNT; v++)
			total_v += h[i].st.verdict[v];
	}
	n = fg_now(0, sim_clock);
	while (decide(&sp, &n) == FG_V_PASS)
		shared++;
	want = 1000 + fg_rate_units(&n, 200000) - u0;
	cr_assert_eq(total_v, sent, "every packet decided once");
	cr_assert_eq(shared, want, "shared source passed %llu, rate allows %llu",
		     (unsigned long long)shared, (unsigned long long)want);
	cr_assert_gt(sent, 1000000, "the threads ran: %llu packets",
		     (unsigned long long)sent);
	for (int i = 0; i < 2; i++)
		cr_assert_leq(h[i].own_passed, want);
}

/* ---- escalation: penalties, jitter, forgetting ------------------------ */

static const struct fg_class_limits esc = {
	.win_events = 5, .win_ms = 1000, .block_ms = 1000, .block_max_ms = 5000,
	.block_factor = 2, .offence_memory_s = 3600,
};

Test(escalation, penalty_grows_to_the_cap)
{
	const uint64_t want[] = { 1000, 1000, 2000, 4000, 5000, 5000 };

	for (uint32_t k = 1; k < 6; k++)
		cr_assert_eq(fg_penalty_ms(&esc, k, 123), want[k], "offence %u", k);
	cr_assert_eq(fg_penalty_ms(&esc, 0, 0), 1000, "no offence yet: block_ms");
	cr_assert_eq(fg_penalty_ms(&esc, 255, 0), 5000, "saturated count: the cap");
}

Test(escalation, factor_one_or_zero_and_no_cap)
{
	struct fg_class_limits l = esc;

	l.block_factor = 1;
	cr_assert_eq(fg_penalty_ms(&l, 7, 0), 1000);
	l.block_factor = 0;
	cr_assert_eq(fg_penalty_ms(&l, 7, 0), 1000);
	l.block_factor = 3;
	l.block_max_ms = 0;     /* 0: block_ms, no escalation above it */
	cr_assert_eq(fg_penalty_ms(&l, 3, 0), 1000);
	l.block_max_ms = UINT32_MAX;
	l.block_ms = UINT32_MAX / 2;
	cr_assert_eq(fg_penalty_ms(&l, 200, 0), UINT32_MAX, "no overflow on the way up");
}

/* The jitter stays in +-pct, reaches both ends and centres on the penalty. */
Test(escalation, jitter_bounds_and_spread)
{
	struct fg_class_limits l = esc;
	uint64_t s = 42, lo = UINT64_MAX, hi = 0, sum = 0;
	const int n = 100000;

	l.block_jitter_pct = 10;
	for (int i = 0; i < n; i++) {
		uint64_t p = fg_penalty_ms(&l, 2, (uint8_t)fg_rand_next(&s));

		cr_assert(p >= 1800 && p <= 2200, "%llu", (unsigned long long)p);
		lo = p < lo ? p : lo;
		hi = p > hi ? p : hi;
		sum += p;
	}
	cr_assert_eq(lo, 1800);
	cr_assert_eq(hi, 2200);
	cr_assert_eq(fg_penalty_ms(&l, 2, 0), 1800);
	cr_assert_eq(fg_penalty_ms(&l, 2, 255), 2200);
	cr_assert_eq(fg_penalty_ms(&l, 2, 128), 2000);
	cr_assert(sum / n >= 1995 && sum / n <= 2005, "mean %llu", (unsigned long long)(sum / n));
}

/* splitmix64: the same seed, the same sequence (tests and offline rely on it). */
Test(escalation, rand_is_seeded)
{
	uint64_t a = 7, b = 7, c = 8;
	uint64_t x = fg_rand_next(&a);

	cr_assert_eq(x, fg_rand_next(&b));
	cr_assert_neq(x, fg_rand_next(&c));
	cr_assert_neq(fg_rand_next(&a), x);
	a = 0;
	cr_assert_neq(fg_rand_next(&a), fg_rand_next(&a), "seed 0 works too");
}

/* Flood source @p p at @p t (win_events + 1 events): blocked. */
static void
flood(const struct fg_pkt *p, uint64_t t)
{
	struct fg_now n = fg_now(0, t);

	for (uint32_t i = 0; i < cfg.cls[FG_CLASS_MOM].win_events; i++)
		cr_assert_eq(decide(p, &n), FG_V_PASS, "event %u at %llu ms", i + 1,
			     (unsigned long long)(t / MS));
	cr_assert_eq(decide(p, &n), FG_V_FLOOD_BLOCKED);
}

/* The penalty a source blocked at @p t serves: the first ns it passes again,
 * probed a ms at a time (then exactly). */
static uint64_t
served(const struct fg_pkt *p, uint64_t t, uint64_t max_ms)
{
	struct fg_src *e;
	struct fg_now n = fg_now(0, t);

	e = fg_srctab_lookup(&tab, p->src, p->cls, fg_srctab_hash(&tab, p->src, p->cls));
	cr_assert_not_null(e);
	for (uint64_t ms = 1; ms <= max_ms + 1; ms++) {
		n = fg_now(0, t + ms * MS);
		if (!fg_src_blocked(e, &n)) {
			uint64_t left = fg_src_block_left(e, &(struct fg_now){ .ns = t });

			cr_assert_eq(fg_src_penalty_ns(e, &cfg.cls[p->cls]), left,
				     "the penalty is worked out again from the entry");
			return left / MS;
		}
	}
	cr_assert_fail("still blocked after %llu ms", (unsigned long long)max_ms);
	return 0;
}

/* Flood, rest past the penalty, flood: 1x, 2x, 4x, the cap; exact without jitter. */
BOTH(escalation, repeat_offender_doubles, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 9, 100);
	const uint64_t want[] = { 1000, 2000, 4000, 5000, 5000 };
	uint64_t t = 100 * SEC;
	struct fg_src *e;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM] = esc;
	for (unsigned int k = 0; k < 5; k++) {
		flood(&p, t);
		cr_assert_eq(served(&p, t, 6000), want[k], "offence %u", k + 1);
		t += (want[k] + 10000) * MS;      /* rests 10 s past its penalty */
	}
	e = fg_srctab_lookup(&tab, p.src, p.cls, fg_srctab_hash(&tab, p.src, p.cls));
	cr_assert_eq(e->offences, 5);
	cr_assert_eq(stats.blocks, 5);
}

/* With jitter: each penalty within +-10 % of 1x, 2x, 4x; the same seed gives
 * the same penalties, another seed others. */
BOTH(escalation, jitter_is_seeded_per_run, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 9, 100);
	uint64_t got[3][3];
	const uint64_t seeds[3] = { 1, 1, 2 };

	for (int r = 0; r < 3; r++) {
		uint64_t t = 100 * SEC;

		decide_init(1024);
		cfg.cls[FG_CLASS_MOM] = esc;
		cfg.cls[FG_CLASS_MOM].block_max_ms = 100000;
		cfg.cls[FG_CLASS_MOM].block_jitter_pct = 10;
		cfg.jitter_seed = seeds[r];
		for (int k = 0; k < 3; k++) {
			uint64_t base = 1000u << k;

			flood(&p, t);
			got[r][k] = served(&p, t, 5000);
			cr_assert(got[r][k] >= base * 9 / 10 && got[r][k] <= base * 11 / 10,
				  "run %d offence %d: %llu ms", r, k + 1,
				  (unsigned long long)got[r][k]);
			t += (got[r][k] + 10000) * MS;
		}
		free(tab.bkt);
		tab.bkt = NULL;
	}
	cr_assert_arr_eq(got[0], got[1], sizeof(got[0]), "same seed, same penalties");
	cr_assert(memcmp(got[0], got[2], sizeof(got[0])) != 0, "another seed, others");
	table_new(&tab, 64, 0);
}

/* Offences are forgotten after offence_memory_s without one, not before:
 * a source that keeps sending, and one that is silent. */
BOTH(escalation, forgotten_after_memory, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 9, 100);
	struct fg_pkt q = pkt(FG_CLASS_MOM, 17, 10, 100);
	const uint64_t mem = 3600 * SEC;
	uint64_t t = 100 * SEC, end;
	struct fg_now n;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM] = esc;
	/* p: two offences, then polite traffic every minute */
	flood(&p, t);
	t += 11 * SEC;
	flood(&p, t);
	cr_assert_eq(served(&p, t, 3000), 2000);
	end = t + 2 * SEC;
	for (t = end + 60 * SEC; t < end + mem - SEC; t += 60 * SEC) {
		n = fg_now(0, t);
		cr_assert_eq(decide(&p, &n), FG_V_PASS);
	}
	/* just inside the memory: still remembered (third offence: 4x) */
	t = end + mem - SEC;
	flood(&p, t);
	cr_assert_eq(served(&p, t, 5000), 4000);
	end = t + 4 * SEC;
	/* two stamp units past the memory (the stamp's resolution): forgotten */
	for (t = end + 60 * SEC; t < end + mem + 2 * 1049 * SEC; t += 60 * SEC) {
		n = fg_now(0, t);
		cr_assert_eq(decide(&p, &n), FG_V_PASS);
	}
	flood(&p, t);
	cr_assert_eq(served(&p, t, 5000), 1000, "forgotten: 1x again");

	/* q: one offence, then silent for the memory: forgotten on its return */
	t = 200 * SEC;
	flood(&q, t);
	cr_assert_eq(served(&q, t, 2000), 1000);
	t += mem + SEC;
	flood(&q, t);
	cr_assert_eq(served(&q, t, 2000), 1000, "silent for the memory: 1x");
	/* and right after: remembered */
	t += 11 * SEC;
	flood(&q, t);
	cr_assert_eq(served(&q, t, 3000), 2000);
}

/* Memory 0: no escalation at all. */
BOTH(escalation, memory_zero_never_escalates, .fini = tab_fini)
{
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 9, 100);
	uint64_t t = 100 * SEC;

	decide_init(1024);
	cfg.cls[FG_CLASS_MOM] = esc;
	cfg.cls[FG_CLASS_MOM].offence_memory_s = 0;
	for (int k = 0; k < 3; k++) {
		flood(&p, t);
		cr_assert_eq(served(&p, t, 2000), 1000, "offence %d", k + 1);
		t += 11 * SEC;
	}
}

/* An idle entry with offences outlives idle_ms until the memory passes. */
Test(escalation, offender_kept_from_ageing, .fini = tab_fini)
{
	struct fg_srctab_stats st = { 0 };
	struct fg_pkt p = pkt(FG_CLASS_MOM, 17, 9, 100);
	struct fg_now n;

	decide_init(64);
	tab.idle_ms = 60000;
	tab.offence_ms = 3600000;
	cfg.cls[FG_CLASS_MOM] = esc;
	flood(&p, 100 * SEC);
	n = fg_now(0, 100 * SEC + 120 * SEC);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), 0, "offender kept");
	n = fg_now(0, 100 * SEC + 3601 * SEC);
	cr_assert_eq(fg_srctab_age(&tab, 0, tab.nb, &n, &st), 1, "memory over: aged");
}

Test(escalation, checks)
{
	struct fg_class_limits l = esc;
	const char *field, *why;

	cr_assert_eq(fg_class_limits_check(&l, &field, &why), 0);
	l.block_jitter_pct = 50;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), 0);
	l.block_jitter_pct = 51;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "block_jitter_pct");
	l = esc;
	l.block_max_ms = 999;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "block_max_ms");
	l = esc;
	l.offence_memory_s = FG_OFFENCE_MEMORY_MAX_S + 1;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "offence_memory_s");
	l = esc;
	l.win_events = FG_WINDOW_COUNT_MAX;
	cr_assert_eq(fg_class_limits_check(&l, &field, &why), -EINVAL);
	cr_assert_str_eq(field, "window_events");
	for (unsigned int c = 0; c < FG_CLASS_COUNT; c++) {
		fg_class_limits_default(c, &l);
		cr_assert_eq(fg_class_limits_check(&l, &field, &why), 0, "class %u", c);
	}
	fg_class_limits_default(FG_CLASS_MOM, &l);
	cr_assert_eq(l.block_factor, 2);
	cr_assert_eq(l.block_max_ms, 86400000);
	cr_assert_eq(l.block_jitter_pct, 10);
	cr_assert_eq(l.offence_memory_s, 86400);
}
