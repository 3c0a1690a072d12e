/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-sip: cycles per SIP message with the rules on, as the data plane
 * runs them for one packet: fg_parse_eth() + fg_fed_inbound() (lists,
 * partner, sustained count, URI set) + fg_decide() (per-source limits).
 *
 * Messages: INVITE, REGISTER, OPTIONS, BYE requests (~450 bytes, 10
 * headers) from --partners sources (default 100); a share --new-pct
 * (default 20) of them name a Request-URI their partner has never used
 * (the frame's 8 digits are rewritten before each such message, ~10
 * cycles of the figure), the rest one it has. With the default
 * --uri-limit 1000 a partner's set fills after ~1000 new URIs and later
 * new ones are dropped by the URI rule (sip-new-uri, counted); with
 * --uri-limit 65536 new URIs keep going into the sets, which grow to
 * ~4,000 URIs a partner and miss the cache. Time runs at 100 µs per
 * message: no rate limit is reached.
 *
 * R rounds (default 21) of N messages (default 100000); prints the
 * fastest round and the median round (the host slows this VM ~1.5x for
 * seconds at a time: the fastest round is the code's cost), against the
 * target of 700 cycles per message, parsing included.
 *
 * Usage: bench-sip [--rounds R] [--iters N] [--partners P] [--new-pct X]
 *                  [--uri-limit U]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "fg_decide.h"
#include "fg_fed.h"
#include "fg_parse.h"
#include "fixtures.h"

#define NFRAMES 4096
#define FRAME_MAX 1024

static uint8_t frames[NFRAMES][FRAME_MAX];
static uint32_t flen[NFRAMES];
static uint16_t newat[NFRAMES];   /* offset of a new-URI frame's 8 digits; 0: old URI */

static uint32_t
build(uint8_t *f, unsigned int src, const char *msg)
{
	const uint8_t s4[4] = { 10, (uint8_t)(src >> 16), (uint8_t)(src >> 8), (uint8_t)src };
	static const uint8_t d4[4] = { 198, 18, 2, 10 };

	return (uint32_t)fx_udp4(f, s4, d4, 5060, 5060, msg, strlen(msg));
}

int
main(int argc, char **argv)
{
	static const char *const methods[] = { "INVITE", "REGISTER", "OPTIONS", "BYE" };
	unsigned int rounds = 21, iters = 100000, partners = 100, new_pct = 20;
	unsigned int uri_limit = 1000;
	struct fg_classify_cfg *cc = malloc(sizeof(*cc));
	struct fg_fed_cfg fc;
	struct fg_fed_lists *lists = calloc(1, sizeof(*lists));
	struct fg_limit_cfg lc;
	struct fg_srctab tab;
	struct fg_fed fed;
	struct fg_fed_stats fst = { 0 };
	struct fg_limit_stats lst = { 0 };
	unsigned int *next_uri;
	uint64_t *cyc, t = 1000000000000ull, pass = 0;
	unsigned long long fst_new_uri = 0;
	unsigned int fresh_n = 50000000;   /* above every initial user number */
	void *fmem;
	size_t flen_fed;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rounds") == 0)
			rounds = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--iters") == 0)
			iters = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--partners") == 0)
			partners = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--new-pct") == 0)
			new_pct = (unsigned int)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--uri-limit") == 0)
			uri_limit = (unsigned int)atoi(argv[i + 1]);
	}
	if (rounds == 0 || iters == 0 || partners == 0 || new_pct > 100) {
		fprintf(stderr, "usage: bench-sip [--rounds R] [--iters N] [--partners P] "
			"[--new-pct X]\n");
		return 2;
	}
	fg_classify_cfg_default(cc);
	fg_fed_cfg_default(&fc);
	fc.partners = partners;
	fc.nlocal = 1;
	strcpy(fc.local[0], "example.com");
	fc.sustained_rate = 0;   /* a bench partner sends far above it */
	fc.uri_limit = uri_limit;
	fg_limit_cfg_default(&lc);
	lc.cls[FG_CLASS_SIP].pps = (struct fg_rate){ FG_RATE_MAX, FG_BURST_MAX };
	lc.cls[FG_CLASS_SIP].bps = (struct fg_rate){ FG_RATE_MAX, FG_BURST_MAX };
	lc.cls[FG_CLASS_SIP].win_events = 0;
	flen_fed = fg_fed_mem_size(&fc);
	fmem = aligned_alloc(64, (flen_fed + 63) & ~(size_t)63);
	next_uri = calloc(partners, sizeof(*next_uri));
	cyc = calloc(rounds, sizeof(*cyc));
	if (!cc || !lists || !fmem || !next_uri || !cyc || srctab_new(&tab, 4096, 42, t) != 0 ||
	    fg_fed_init(&fed, &fc, lists, fmem, flen_fed, t) != 0) {
		fprintf(stderr, "bench-sip: setup failed\n");
		return 1;
	}
	srand(7);
	for (unsigned int i = 0; i < NFRAMES; i++) {
		unsigned int p = i % partners, u;
		const char *m = methods[i % 4];
		char msg[FRAME_MAX - 64];

		/* new URIs for new_pct % of the requests, else an old one */
		bool fresh = next_uri[p] == 0 || (unsigned int)(rand() % 100) < new_pct;

		u = fresh ? next_uri[p]++ : (unsigned int)rand() % next_uri[p];
		snprintf(msg, sizeof(msg),
			 "%s sip:user%08u@example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP 10.0.%u.%u:5060;branch=z9hG4bK%08x\r\n"
			 "Max-Forwards: 70\r\n"
			 "From: \"Partner %u\" <sip:agent%u@partner%u.example.net>;tag=%x\r\n"
			 "To: <sip:user%u@example.com>\r\nCall-ID: %08x-%06x@10.0.%u.%u\r\n"
			 "CSeq: 1 %s\r\nContact: <sip:agent%u@10.0.%u.%u:5060>\r\n"
			 "User-Agent: bench/1.0\r\nContent-Length: 0\r\n\r\n",
			 m, u, p >> 8, p & 255, i, p, p, p % 97, i, u, i, p, p >> 8, p & 255, m,
			 p, p >> 8, p & 255);
		flen[i] = build(frames[i], p, msg);
		if (fresh)
			newat[i] = (uint16_t)(42 + strlen(m) + strlen(" sip:user"));
	}
	for (unsigned int r = 0; r < rounds; r++) {
		uint64_t t0 = now_tsc();

		for (unsigned int i = 0; i < iters; i++) {
			unsigned int k = i & (NFRAMES - 1);
			struct fg_pkt pk;
			struct fg_now n;
			enum fg_verdict v;

			t += 100000;   /* 100 µs */
			if (newat[k] != 0) {
				/* a URI nobody used: 8 digits of a running count */
				uint8_t *d = frames[k] + newat[k];

				fresh_n++;
				for (unsigned int j = 0, x = fresh_n; j < 8; j++, x /= 10)
					d[7 - j] = (uint8_t)('0' + x % 10);
			}
			fg_parse_eth(cc, frames[k], flen[k], &pk);
			v = fg_fed_inbound(&fed, &pk, frames[k], t, &fst);
			if (v == FG_V_NONE) {
				n = fg_now(tab.epoch, t);
				v = fg_decide(&tab, &lc, &pk, &n, false, &lst);
			}
			pass += v == FG_V_PASS;
			fst_new_uri += v == FG_V_SIP_NEW_URI;
		}
		cyc[r] = now_tsc() - t0;
	}
	qsort(cyc, rounds, sizeof(*cyc), cmp_u64);
	printf("case=sip-rules partners=%u new_pct=%u uri_limit=%u min_cycles=%.1f "
	       "median_cycles=%.1f target=700 %s passed=%llu new_uri_drops=%llu\n", partners,
	       new_pct, uri_limit,
	       (double)cyc[0] / iters, (double)cyc[rounds / 2] / iters,
	       (double)cyc[0] / iters <= 700 ? "ok" : "MISS", (unsigned long long)pass,
	       (unsigned long long)fst_new_uri);
	return 0;
}
