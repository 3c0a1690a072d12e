/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * List updates against a running data plane (perf/bench-ctl drives it).
 *   bench_ctl INSTANCE latency N     N updates, one every 1 ms: per update
 *       the time from fg_shm_lists_update() returning (what floodctl
 *       waits for) to every worker lcore reading the new generation (the
 *       data plane applying it), and the update call itself. Prints
 *       "latency_ns p50 p99 max" and "update_ns p50 p99 max".
 *   bench_ctl INSTANCE rate R SECONDS  R updates per second for SECONDS
 *       (add and delete one block entry in turn); prints "updates N late M".
 *   bench_ctl INSTANCE spin R SECONDS  the same loop without the updates
 *       (a busy CPU 0 alone, the control arm).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_lists.h"
#include "fg_shm.h"
#include "test_util.h"

static int
toggle(struct fg_fed_lists *next, void *arg)
{
	struct fg_list_item *it = arg;

	if (fg_lists_del(next, it) == -ENOENT)
		return fg_lists_add(next, it);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Until every online reader reads generation @p g. */
static void
wait_applied(struct fg_shm *s, uint64_t g)
{
	for (unsigned int l = 0; l < FG_SHM_LCORES; l++)
		while (__atomic_load_n(&s->rd[l].online, __ATOMIC_ACQUIRE) &&
		       __atomic_load_n(&s->rd[l].seen, __ATOMIC_ACQUIRE) < g)
			;
}

int
main(int argc, char **argv)
{
	struct fg_list_item it;
	struct fg_shm_handle h;
	char err[512];

	if (argc < 4) {
		fprintf(stderr, "usage: bench_ctl INSTANCE latency N | rate R SECONDS\n");
		return 2;
	}
	if (fg_shm_attach(&h, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_ctl: %s\n", err);
		return 1;
	}
	fg_list_item_parse("block", "198.19.255.1", &it, err, sizeof(err));
	if (strcmp(argv[2], "latency") == 0) {
		unsigned long n = strtoul(argv[3], NULL, 10);
		uint64_t *lat = calloc(n, 8), *upd = calloc(n, 8);

		for (unsigned long i = 0; i < n; i++) {
			uint64_t t0 = mono_ns(), t1, t2, g;

			if (fg_shm_lists_update(&h, toggle, &it, 1000, err, sizeof(err)) != 0) {
				fprintf(stderr, "bench_ctl: %s\n", err);
				return 1;
			}
			t1 = mono_ns();
			g = __atomic_load_n(&h.s->gen, __ATOMIC_ACQUIRE);
			wait_applied(h.s, g);
			t2 = mono_ns();
			upd[i] = t1 - t0;
			lat[i] = t2 - t1;
			while (mono_ns() < t0 + 1000000)
				;
		}
		qsort(lat, n, 8, cmp);
		qsort(upd, n, 8, cmp);
		printf("latency_ns %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", lat[n / 2],
		       lat[n * 99 / 100], lat[n - 1]);
		printf("update_ns %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", upd[n / 2],
		       upd[n * 99 / 100], upd[n - 1]);
	} else {
		double rate = strtod(argv[3], NULL), secs = argc > 4 ? strtod(argv[4], NULL) : 1;
		uint64_t start = mono_ns(), step = (uint64_t)(1e9 / rate), n = 0, late = 0;
		uint64_t end = start + (uint64_t)(secs * 1e9);
		bool spin = strcmp(argv[2], "spin") == 0;

		for (uint64_t next = start; next < end; next += step) {
			uint64_t now;

			while ((now = mono_ns()) < next)
				;
			late += now > next + step;
			if (spin) {
				n++;
				continue;
			}
			if (fg_shm_lists_update(&h, toggle, &it, 1000, err, sizeof(err)) != 0) {
				fprintf(stderr, "bench_ctl: %s\n", err);
				return 1;
			}
			n++;
		}
		printf("updates %" PRIu64 " late %" PRIu64 " seconds %.2f\n", n, late,
		       (double)(mono_ns() - start) / 1e9);
	}
	fg_shm_close(&h, false);
	return 0;
}
