/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two threads on one small source table for a few seconds: both hammer
 * one shared rate-limited source, one source of their own, and a stream
 * of new random sources that keeps the table inserting and evicting (so
 * lock-free lookups race with writers all the time). Checks, as TAP:
 * the shared source passed exactly burst + rate * t (the clock is shared
 * and moves per attempt, and someone is always sending from it), the own
 * sources no more than that, every packet has one verdict, the table
 * churned. Plain C, no Criterion: it also runs under TSan
 * (scripts/test.sh, suite "tsan").
 *
 * With --per-source the table has one writer per source ([dataplane] rss
 * = source or presplit: plain stores, fg_srctab.single_writer) and the
 * threads share no source: each has its own sources and its own stream
 * of new ones, evicting each other's in the shared buckets. Checks: each
 * own source between its burst and burst + rate * t, one verdict each,
 * the table churned.
 *
 * Usage: stress-srctab [SECONDS] [--per-source] (default 2)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_decide.h"
#include "test_util.h"

#define RATE 100000
#define BURST 500

static struct fg_srctab tab;
static struct fg_limit_cfg cfg;
static uint64_t sim_clock;      /* ns; +1 us per attempt */
static bool per_source;         /* no shared source, plain stores */

struct worker {
	pthread_t th;
	unsigned int id;
	uint64_t end_ns, sent, shared_passed, own_passed;
	struct fg_limit_stats st;
};

static void
mk(struct fg_pkt *p, uint32_t id)
{
	*p = pkt_classified(FG_CLASS_MOM, 17, 100);
	memcpy(p->src + 12, &id, 4);
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	struct fg_pkt shared, own, rnd;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (w->id + 1);

	mk(&shared, 1);
	mk(&own, 100 + w->id);
	do {
		for (int i = 0; i < 1000; i++) {
			struct fg_now n = fg_now(0, __atomic_add_fetch(&sim_clock, 1000,
								   __ATOMIC_RELAXED));

			/* per source: its own source twice, no shared one */
			if (per_source)
				w->own_passed += fg_decide(&tab, &cfg, &own, &n, false,
							   &w->st) == FG_V_PASS;
			else
				w->shared_passed += fg_decide(&tab, &cfg, &shared, &n, false,
							      &w->st) == FG_V_PASS;
			w->own_passed += fg_decide(&tab, &cfg, &own, &n, false,
						   &w->st) == FG_V_PASS;
			/* per source: the top bits say whose new source it is */
			mk(&rnd, per_source ? ((uint32_t)xorshift(&seed) >> 2) | 0x80000000u |
					      w->id << 30 :
					      (uint32_t)xorshift(&seed) | 0x80000000u);
			fg_decide(&tab, &cfg, &rnd, &n, false, &w->st);
			w->sent += 3;
		}
	} while (mono_ns() < w->end_ns);
	return NULL;
}

int
main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	struct worker w[2];
	struct fg_limit_stats st = { 0 };
	struct fg_pkt p;
	struct fg_now n;
	uint64_t u0, want, sent = 0, decided = 0, shared = 0, evicted = 0;
	int fails = 0;

	per_source = argc > 2 && strcmp(argv[2], "--per-source") == 0;
	if (secs <= 0 || secs > 3600 || (argc > 2 && !per_source) || argc > 3) {
		fprintf(stderr, "usage: stress-srctab [SECONDS] [--per-source]\n");
		return 2;
	}
	if (srctab_new(&tab, 1024, 77, 0) != 0) {
		fprintf(stderr, "stress-srctab: no table\n");
		return 1;
	}
	tab.single_writer = per_source;
	memset(&cfg, 0, sizeof(cfg));
	cfg.cls[FG_CLASS_MOM].pps = (struct fg_rate){ RATE, BURST };

	sim_clock = 3 * FG_NS_PER_S;
	n = fg_now(0, sim_clock);
	u0 = fg_rate_units(&n, RATE);
	/*
	 * The three tracked sources exist and are established (never
	 * evicted) from here on: 8 packets each, all within the burst.
	 */
	for (unsigned int k = 0; k < FG_SRCTAB_DEF_ESTABLISHED; k++)
		for (uint32_t id = 1; id < 102; id += id == 1 ? 99 : 1) {
			mk(&p, id);
			if (fg_decide(&tab, &cfg, &p, &n, false, &st) != FG_V_PASS) {
				fprintf(stderr, "stress-srctab: warm-up refused\n");
				return 1;
			}
		}
	for (unsigned int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .id = i,
			.end_ns = mono_ns() + (uint64_t)(secs * 1e9) };
		if (pthread_create(&w[i].th, NULL, run, &w[i]) != 0) {
			fprintf(stderr, "stress-srctab: pthread_create failed\n");
			return 1;
		}
	}
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(w[i].th, NULL);

	/* what is left at the final instant, taken here */
	n = fg_now(0, sim_clock);
	want = BURST + fg_rate_units(&n, RATE) - u0;
	shared = FG_SRCTAB_DEF_ESTABLISHED;
	mk(&p, 1);
	while (fg_decide(&tab, &cfg, &p, &n, false, &st) == FG_V_PASS)
		shared++;
	printf("1..%d\n", per_source ? 3 : 4);
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t own = FG_SRCTAB_DEF_ESTABLISHED + w[i].own_passed;

		shared += w[i].shared_passed;
		sent += w[i].sent;
		evicted += w[i].st.tab.evict_idle + w[i].st.tab.evict_probation;
		for (int v = 0; v < FG_V_COUNT; v++)
			decided += w[i].st.verdict[v];
		mk(&p, 100 + i);
		while (fg_decide(&tab, &cfg, &p, &n, false, &st) == FG_V_PASS)
			own++;
		/*
		 * Not exact: the clock also moves while this thread is off
		 * the CPU, and an idle bucket stops filling at its burst.
		 */
		if (own > want || own < BURST) {
			fails++;
			printf("not ok %u - thread %u's own source passed %llu, "
			       "allowed %llu\n", i + 1, i, (unsigned long long)own,
			       (unsigned long long)want);
		} else {
			printf("ok %u - thread %u's own source passed %llu <= %llu\n",
			       i + 1, i, (unsigned long long)own,
			       (unsigned long long)want);
		}
	}
	if (per_source) {
		/* no test 3: no shared source */
	} else if (shared != want) {
		fails++;
		printf("not ok 3 - shared source passed %llu, want %llu\n",
		       (unsigned long long)shared, (unsigned long long)want);
	} else {
		printf("ok 3 - shared source passed exactly %llu of %llu offered\n",
		       (unsigned long long)shared,
		       (unsigned long long)(sent / 3 + 1));
	}
	if (decided != sent || evicted < 1000) {
		fails++;
		printf("not ok %d - %llu packets, %llu verdicts, %llu evictions\n",
		       per_source ? 3 : 4, (unsigned long long)sent,
		       (unsigned long long)decided, (unsigned long long)evicted);
	} else {
		printf("ok %d - %llu packets, one verdict each; %llu evictions raced "
		       "with the lookups%s\n", per_source ? 3 : 4, (unsigned long long)sent,
		       (unsigned long long)evicted,
		       per_source ? " (one writer per source, plain stores)" : "");
	}
	free(tab.bkt);
	return fails != 0;
}
