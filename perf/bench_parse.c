/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-parse: cycles per packet of fg_parse_eth() (parse + classify) on a
 * few typical frames, each parsed over and over from a warm cache.
 *
 * Per case: R rounds (interleaved across cases, default 51) of N calls
 * (default 200000) on the same buffer; a round's figure is
 * (TSC delta) / N, a mean over N packets; the median and the minimum over
 * rounds are printed. The target is judged on the minimum: on this shared
 * machine the host periodically slows the vCPU (~1.6x more TSC cycles for
 * every case at once, for seconds), so the minimum round is the cost of
 * the code and the median says how often the host got in the way. A
 * "baseline" case runs the same loop but only reads the ethertype and four
 * bytes, so the parse cost can be quoted as a ratio to the loop overhead
 * measured in the same run. The TSC rate is estimated over a 100 ms sleep
 * so cycles can be turned into time. Without a TSC (not x86) "cycles" are
 * nanoseconds from CLOCK_MONOTONIC.
 *
 * Usage: bench-parse [--rounds R] [--iters N] [--case NAME]
 *   --case: only the baseline and NAME (e.g. for perf record)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "fg_parse.h"

#define BENCH_BUF_MAX 2048
#define BENCH_CASES_MAX 8

/* Keeps every call and its result: the compiler may not fold the loop. */
#define BENCH_BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

static volatile unsigned int bench_sink;

struct bench_case {
	const char *name;
	unsigned int target;      /* cycles per packet; 0: none (baseline) */
	uint8_t cls;              /* expected enum fg_class */
	uint8_t buf[BENCH_BUF_MAX];
	uint32_t len;
};

/* ---- frame builders: Ethernet + IPv4 + UDP/TCP, checksums left 0 ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet and IPv4 headers for @p l4len bytes of L4; returns the L4 offset. */
static uint32_t
build_eth_ip4(uint8_t *b, uint8_t proto, uint32_t l4len)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
	};

	memcpy(b, macs, sizeof(macs));
	put16(b + 12, 0x0800);
	b[14] = 0x45;
	put16(b + 16, (uint16_t)(20 + l4len));
	put16(b + 18, 0x1234);
	b[22] = 64;
	b[23] = proto;
	memcpy(b + 26, (const uint8_t[]){ 192, 0, 2, 10 }, 4);
	memcpy(b + 30, (const uint8_t[]){ 198, 51, 100, 20 }, 4);
	return 34;
}

/* UDP datagram with @p pl; frame padded with zeros up to @p frame_len. */
static uint32_t
build_udp(uint8_t *b, uint16_t sport, uint16_t dport, const void *pl,
	  uint32_t pl_len, uint32_t frame_len)
{
	uint32_t off = build_eth_ip4(b, 17, 8 + pl_len);

	put16(b + off, sport);
	put16(b + off + 2, dport);
	put16(b + off + 4, (uint16_t)(8 + pl_len));
	memcpy(b + off + 8, pl, pl_len);
	off += 8 + pl_len;
	if (frame_len > off) {
		memset(b + off, 0, frame_len - off);
		off = frame_len;
	}
	return off;
}

static uint32_t
build_tcp_syn(uint8_t *b, uint16_t sport, uint16_t dport, uint32_t frame_len)
{
	uint32_t off = build_eth_ip4(b, 6, 20);

	put16(b + off, sport);
	put16(b + off + 2, dport);
	memcpy(b + off + 4, (const uint8_t[]){ 0x12, 0x34, 0x56, 0x78 }, 4);
	b[off + 12] = 5 << 4;
	b[off + 13] = FG_TCP_SYN;
	put16(b + off + 14, 64240);
	off += 20;
	memset(b + off, 0, frame_len - off);   /* Ethernet padding */
	return frame_len;
}

#define SDP_BODY \
	"v=0\r\n" \
	"o=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n" \
	"s=-\r\n" \
	"c=IN IP4 192.0.2.10\r\n" \
	"t=0 0\r\n" \
	"m=audio 49170 RTP/AVP 0 8 101\r\n" \
	"a=rtpmap:0 PCMU/8000\r\n" \
	"a=rtpmap:101 telephone-event/8000\r\n"

/* A typical INVITE from a phone: 9 headers and a short SDP offer. */
static const char sip_invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
	"Max-Forwards: 70\r\n"
	"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"To: <sip:bob@biloxi.example.com>\r\n"
	"Call-ID: a84b4c76e66710@192.0.2.10\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@192.0.2.10:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 175\r\n"
	"\r\n"
	SDP_BODY;

/* Its answer without a body, two Via values. */
static const char sip_200ok[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKnashds8;received=198.51.100.1,"
	" SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport=5060\r\n"
	"From: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	"To: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
	"Call-ID: a84b4c76e66710@192.0.2.10\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:bob@198.51.100.20:5060>\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

_Static_assert(sizeof(SDP_BODY) - 1 == 175, "Content-Length of sip_invite");

static unsigned int
build_cases(struct bench_case *c)
{
	static const uint8_t mom_evt[22] = "agent-event-0001-xxxx";
	uint64_t seed = 0x5eed5eed5eed5eedull;
	unsigned int n = 0;

	c[n] = (struct bench_case){ .name = "baseline", .cls = FG_CLASS_MOM };
	c[n].len = build_udp(c[n].buf, 40000, 1270, mom_evt, sizeof(mom_evt), 64);
	n++;
	c[n] = (struct bench_case){ .name = "udp1270-64", .target = 30,
				    .cls = FG_CLASS_MOM };
	c[n].len = build_udp(c[n].buf, 40000, 1270, mom_evt, sizeof(mom_evt), 64);
	n++;
	c[n] = (struct bench_case){ .name = "tcpsyn1270-64", .target = 30,
				    .cls = FG_CLASS_MOM };
	c[n].len = build_tcp_syn(c[n].buf, 40000, 1270, 64);
	n++;
	c[n] = (struct bench_case){ .name = "garbage-64", .target = 30,
				    .cls = FG_CLASS_COUNT /* any */ };
	for (c[n].len = 0; c[n].len < 64; c[n].len += 8) {
		uint64_t r = xorshift(&seed);

		memcpy(c[n].buf + c[n].len, &r, 8);
	}
	n++;
	c[n] = (struct bench_case){ .name = "sip-invite", .target = 500,
				    .cls = FG_CLASS_SIP };
	c[n].len = build_udp(c[n].buf, 5060, 5060, sip_invite,
			     sizeof(sip_invite) - 1, 0);
	n++;
	c[n] = (struct bench_case){ .name = "sip-200ok", .target = 500,
				    .cls = FG_CLASS_SIP };
	c[n].len = build_udp(c[n].buf, 5060, 5060, sip_200ok,
			     sizeof(sip_200ok) - 1, 0);
	n++;
	return n;
}

/* The loop of every case, with only the work per packet removed. */
static uint64_t
round_baseline(const struct bench_case *c, uint32_t iters)
{
	unsigned int acc = 0;
	uint64_t t0 = now_tsc();

	for (uint32_t i = 0; i < iters; i++) {
		const uint8_t *b = c->buf;
		uint32_t w;

		BENCH_BARRIER(b);
		memcpy(&w, b + 30, 4);
		acc += (unsigned int)(b[12] << 8 | b[13]) + w;
	}
	bench_sink = acc;
	return now_tsc() - t0;
}

static uint64_t
round_parse(const struct fg_classify_cfg *cfg, const struct bench_case *c,
	    uint32_t iters)
{
	struct fg_pkt pkt;
	unsigned int acc = 0;
	uint64_t t0 = now_tsc();

	for (uint32_t i = 0; i < iters; i++) {
		BENCH_BARRIER(c->buf);
		acc += fg_parse_eth(cfg, c->buf, c->len, &pkt);
		BENCH_BARRIER(&pkt);
	}
	bench_sink = acc;
	return now_tsc() - t0;
}

static int
parse_opt(const char *name, const char *val, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (val == NULL) {
		fprintf(stderr, "bench-parse: %s needs a value\n", name);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 1000000000ul) {
		fprintf(stderr, "bench-parse: %s: bad value '%s'\n", name, val);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct fg_classify_cfg cfg;
	static struct bench_case cases[BENCH_CASES_MAX];
	uint32_t rounds = 51, iters = 200000;
	const char *only = NULL;
	double base_med = 0, ghz;
	unsigned int ncases, miss = 0;

	for (int i = 1; i < argc; i += 2) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int rc;

		if (strcmp(argv[i], "--rounds") == 0)
			rc = parse_opt(argv[i], val, &rounds);
		else if (strcmp(argv[i], "--iters") == 0)
			rc = parse_opt(argv[i], val, &iters);
		else if (strcmp(argv[i], "--case") == 0 && val != NULL)
			rc = 0, only = val;
		else {
			fprintf(stderr, "usage: bench-parse [--rounds R] [--iters N] "
				"[--case NAME]\n");
			return 2;
		}
		if (rc != 0)
			return 2;
	}

	fg_classify_cfg_default(&cfg);
	ncases = build_cases(cases);
	ghz = tsc_per_ns();
	printf("# bench-parse: rounds=%u iters=%u unit=%s tsc_ghz=%.3f\n",
	       rounds, iters, BENCH_UNIT, ghz);

	/*
	 * Rounds are interleaved (round r of every case, then round r + 1):
	 * on a shared machine a slow spell then inflates all cases alike
	 * instead of whichever case happened to run during it.
	 */
	double *per = calloc((size_t)rounds * ncases, sizeof(*per));
	bool *run = calloc(ncases, sizeof(*run));
	struct fg_pkt pkt;

	if (per == NULL || run == NULL) {
		fprintf(stderr, "bench-parse: out of memory\n");
		return 1;
	}
	for (unsigned int k = 0; k < ncases; k++) {
		const struct bench_case *c = &cases[k];

		run[k] = k == 0 || only == NULL || strcmp(c->name, only) == 0;
		if (!run[k])
			continue;
		/* Measure what we think we measure: the expected class. */
		fg_parse_eth(&cfg, c->buf, c->len, &pkt);
		if (c->cls != FG_CLASS_COUNT && pkt.cls != c->cls) {
			fprintf(stderr, "bench-parse: %s: class %s (%s), want %s\n",
				c->name, fg_class_name(pkt.cls),
				fg_reason_name(pkt.reason), fg_class_name(c->cls));
			return 1;
		}
		/* One untimed round to warm caches and predictors. */
		if (k == 0)
			round_baseline(c, iters);
		else
			round_parse(&cfg, c, iters);
	}
	for (uint32_t r = 0; r < rounds; r++)
		for (unsigned int k = 0; k < ncases; k++) {
			const struct bench_case *c = &cases[k];
			uint64_t d;

			if (!run[k])
				continue;
			d = k == 0 ? round_baseline(c, iters) :
				     round_parse(&cfg, c, iters);
			per[(size_t)k * rounds + r] = (double)d / iters;
		}
	for (unsigned int k = 0; k < ncases; k++) {
		const struct bench_case *c = &cases[k];
		double *v = per + (size_t)k * rounds, med, min;

		if (!run[k])
			continue;
		qsort(v, rounds, sizeof(*v), cmp_double);
		med = v[rounds / 2];
		min = v[0];
		if (k == 0) {
			base_med = med;
			printf("case=%s len=%u median_%s=%.2f min_%s=%.2f\n",
			       c->name, c->len, BENCH_UNIT, med, BENCH_UNIT, min);
			continue;
		}
		fg_parse_eth(&cfg, c->buf, c->len, &pkt);
		miss += min > c->target;
		printf("case=%s len=%u cls=%s reason=%s median_%s=%.2f min_%s=%.2f "
		       "ns=%.2f x_baseline=%.1f target=%u %s\n",
		       c->name, c->len, fg_class_name(pkt.cls),
		       fg_reason_name(pkt.reason), BENCH_UNIT, med, BENCH_UNIT,
		       min, med / ghz, base_med > 0 ? med / base_med : 0.0,
		       c->target, min <= c->target ? "ok" : "MISS");
	}
	free(per);
	free(run);
	printf("result=%s miss=%u\n", miss ? "MISS" : "ok", miss);
	return 0;
}
