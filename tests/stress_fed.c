/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two threads on the SIP rules at once: both send requests from one
 * shared partner, each to 2,000 Request-URIs of its own, and both insert
 * the same 500 new partners in the same order. Checks, as TAP: exactly
 * uri_limit (1,000) URIs were accepted between the two threads and the
 * rest dropped, the partner's counters add up, no partner was inserted
 * twice. Plain C: scripts/test.sh also runs it under TSan.
 *
 * Usage: stress-fed [ROUNDS] (default 200)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_fed.h"
#include "fg_parse.h"
#include "fixtures.h"

#define URIS 2000
#define NEWP 500

static struct fg_classify_cfg ccfg;
static struct fg_fed fed;
static struct fg_fed_lists lists;

struct msg {
	uint8_t frame[512];
	struct fg_pkt pk;
};

struct worker {
	pthread_t th;
	unsigned int id;
	struct msg *m;            /* URIS shared-partner requests, then NEWP partners */
	uint64_t accepted, dropped, other;
	struct fg_fed_stats st;
};

static void
build(struct msg *m, uint32_t src, const char *ruri)
{
	char sip[400];
	size_t n = (size_t)snprintf(sip, sizeof(sip),
		"OPTIONS %s SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
		"From: <sip:a@p.example.net>;tag=1\r\nTo: <%s>\r\nCall-ID: x\r\n"
		"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", ruri, ruri);
	static const uint8_t dst[4] = { 198, 18, 2, 10 };
	size_t len = fx_udp4(m->frame, (const uint8_t *)&src, dst, 5060, 5060, sip, n);

	if (fg_parse_eth(&ccfg, m->frame, (uint32_t)len, &m->pk) != FG_CLASS_SIP) {
		fprintf(stderr, "stress-fed: frame not SIP\n");
		exit(1);
	}
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	uint64_t t = 1000000000ull;

	for (unsigned int i = 0; i < URIS + NEWP; i++) {
		enum fg_verdict v = fg_fed_inbound(&fed, &w->m[i].pk, w->m[i].frame, t += 1000,
						   &w->st);

		if (i >= URIS)
			continue;
		if (v == FG_V_COUNT)
			w->accepted++;
		else if (v == FG_V_SIP_NEW_URI)
			w->dropped++;
		else
			w->other++;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	unsigned int rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 200, bad_uri = 0,
		     bad_cnt = 0, bad_part = 0;
	struct fg_fed_cfg c;
	struct worker w[2];
	size_t len;
	void *mem;

	fg_classify_cfg_default(&ccfg);
	fg_fed_cfg_default(&c);
	c.partners = 1024;
	len = fg_fed_mem_size(&c);
	mem = aligned_alloc(64, (len + 63) & ~(size_t)63);
	for (unsigned int k = 0; k < 2; k++) {
		w[k].m = calloc(URIS + NEWP, sizeof(struct msg));
		w[k].id = k;
		for (unsigned int i = 0; i < URIS; i++) {
			char uri[64];

			snprintf(uri, sizeof(uri), "sip:t%u-u%u@example.com", k, i);
			build(&w[k].m[i], 0x0100000au, uri);            /* 10.0.0.1 */
		}
		for (unsigned int i = 0; i < NEWP; i++)
			build(&w[k].m[URIS + i], 0x0000000bu | (i + 1) << 16 | (i >> 8) << 24 |
			      0x0b, "sip:x@example.com");
	}
	for (unsigned int r = 0; r < rounds; r++) {
		struct fg_partner p;
		uint8_t a[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };

		if (fg_fed_init(&fed, &c, &lists, mem, len, 1) != 0)
			return 1;
		for (unsigned int k = 0; k < 2; k++) {
			w[k].accepted = w[k].dropped = w[k].other = 0;
			memset(&w[k].st, 0, sizeof(w[k].st));
			pthread_create(&w[k].th, NULL, run, &w[k]);
		}
		for (unsigned int k = 0; k < 2; k++)
			pthread_join(w[k].th, NULL);
		if (w[0].accepted + w[1].accepted != c.uri_limit ||
		    w[0].dropped + w[1].dropped != 2 * URIS - c.uri_limit ||
		    w[0].other + w[1].other != 0)
			bad_uri++;
		fg_fed_partner_read(fg_fed_find(&fed, a), &p);
		if (p.nuris != c.uri_limit || p.drop_uri != 2 * URIS - c.uri_limit ||
		    p.requests != 2 * URIS + 0 || p.flags != FG_FED_URIS)
			bad_cnt++;
		if (fed.npartners != 1 + NEWP)
			bad_part++;
	}
	printf("1..3\n");
	printf("%s 1 - %u rounds: exactly %u of %u URIs accepted between two threads\n",
	       bad_uri ? "not ok" : "ok", rounds, c.uri_limit, 2 * URIS);
	printf("%s 2 - the shared partner's counters add up (%u rounds wrong)\n",
	       bad_cnt ? "not ok" : "ok", bad_cnt);
	printf("%s 3 - %u partners inserted by both threads, each once (%u rounds wrong)\n",
	       bad_part ? "not ok" : "ok", NEWP, bad_part);
	for (unsigned int k = 0; k < 2; k++)
		free(w[k].m);
	free(mem);
	return bad_uri || bad_cnt || bad_part;
}
