/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * List updates against a running data plane (perf/bench-ctl drives it).
 *   bench_ctl INSTANCE latency N     N updates (a block entry added, then
 *       deleted), one every 1 ms: per update the time from handing it to
 *       the list thread until the list thread has applied it (the
 *       workers' next lookup sees it: the list thread's clock), and the
 *       time fg_shm_pfx_txn() takes (what floodctl waits: that, and its
 *       own wakeup). Prints "latency_ns p50 p99 max" (applied) and
 *       "update_ns p50 p99 max" (the call).
 *   bench_ctl INSTANCE fill N SEED   N random feed-like IPv4 prefixes (none
 *       in 10.0.0.0/8, the benchmark traffic's sources) into each of the
 *       allow and block lists, in transactions of at most the area's size.
 *   bench_ctl INSTANCE replace N SEED TAG   one replace of tag TAG in the
 *       block list by N random /32s of SEED; prints "replace_ns CALL APPLY
 *       removed R added A".
 *   bench_ctl INSTANCE rate R SECONDS  R updates per second for SECONDS
 *       (add and delete one block entry in turn); prints "updates N late M".
 *   bench_ctl INSTANCE spin R SECONDS  the same loop without the updates
 *       (a busy CPU 0 alone, the control arm).
 *   bench_ctl INSTANCE unblock N   N floodctl unblocks of flood-blocked
 *       sources (those the data plane publishes, each unblocked once per
 *       walk; the traffic blocks them again), timed from the request to
 *       the main lcore's answer, which it gives once the entry is stored
 *       unblocked: the worker's next packet of that source reads it.
 *       Prints "unblock_ns p50 p99 max N" (30 s at most).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "fg_lists.h"
#include "fg_shm.h"
#include "test_util.h"

/* One block entry in, then out: a transaction of one op. */
static int
toggle(struct fg_shm_handle *h, uint64_t *applied_ns, char *err, size_t errlen)
{
	static bool in;
	struct fg_pfx_op op = { .len = 128, .list = FG_PFX_LIST_BLOCK, .del = in };
	struct fg_shm_txn t = { .kind = FG_PFX_TXN_EDIT, .nops = 1, .list = op.list };
	struct fg_shm_txn_res res;
	int rc;

	memcpy(op.addr, (const uint8_t[16]){ [10] = 0xff, [11] = 0xff, 198, 19, 255, 1 }, 16);
	rc = fg_shm_pfx_txn(h, &t, &op, &res, 1000, err, errlen);
	in = !in;
	*applied_ns = res.applied_ns;
	return rc;
}

/* A feed-like IPv4 prefix of @p x (random bits): mostly /32 and /24,
 * some /16../23, a few /8; never inside 10.0.0.0/8. */
static void
feed_prefix(uint64_t x, struct fg_pfx_op *o)
{
	unsigned int r = (unsigned int)(x >> 56) % 100, len;
	uint32_t a = (uint32_t)x;

	len = r < 60 ? 32 : r < 90 ? 24 : r < 99 ? 16 + (unsigned int)(x >> 40) % 8 : 8;
	if ((a >> 24) == 10 || (a >> 24) == 0 || (a >> 24) >= 224)
		a = (a & 0x00ffffffu) | (uint32_t)(11 + (x >> 32) % 200) << 24;
	a &= len == 32 ? ~0u : ~(~0u >> len);
	memset(o->addr, 0, 10);
	o->addr[10] = o->addr[11] = 0xff;
	o->addr[12] = (uint8_t)(a >> 24);
	o->addr[13] = (uint8_t)(a >> 16);
	o->addr[14] = (uint8_t)(a >> 8);
	o->addr[15] = (uint8_t)a;
	o->len = (uint8_t)(96 + len);
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* fill: N prefixes into each list; replace: one replace of tag @p tag. */
static int
bulk(struct fg_shm_handle *h, bool replace, unsigned long n, uint64_t seed, const char *tag)
{
	uint32_t cap = h->s->h.ops_cap;
	struct fg_pfx_op *ops = calloc(cap, sizeof(*ops));
	struct fg_shm_txn_res res;
	char err[512];
	int id = tag != NULL ? fg_shm_tag(h, tag) : FG_TAG_MANUAL;

	if (ops == NULL || id < 0 || (replace && n > cap))
		return -ENOMEM;
	for (unsigned int list = replace ? FG_PFX_LIST_BLOCK : 0; list < FG_PFX_LIST_COUNT;
	     list++) {
		for (unsigned long done = 0; done < n;) {
			struct fg_shm_txn t = { .kind = replace ? FG_PFX_TXN_REPLACE :
						FG_PFX_TXN_EDIT, .list = list, .tag = (uint16_t)id };
			uint64_t t0 = mono_ns();

			while (t.nops < cap && done < n) {
				uint64_t x = splitmix(&seed);

				feed_prefix(replace ? (x & ~(0xffull << 56)) : x, &ops[t.nops]);
				ops[t.nops++].list = (uint8_t)list;
				done++;
			}
			if (fg_shm_pfx_txn(h, &t, ops, &res, 60000, err, sizeof(err)) != 0) {
				fprintf(stderr, "bench_ctl: %s\n", err);
				return -EIO;
			}
			if (replace)
				printf("replace_ns %" PRIu64 " %" PRIu64 " removed %u added %u\n",
				       mono_ns() - t0, res.apply_ns, res.removed, res.done);
		}
	}
	free(ops);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fg_shm_handle h;
	char err[512];
	uint64_t apply;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_ctl INSTANCE latency N | rate R SECONDS | spin R "
			"SECONDS | fill N [SEED] | replace N [SEED [TAG]]\n");
		return 2;
	}
	if (fg_shm_attach(&h, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_ctl: %s\n", err);
		return 1;
	}
	if (strcmp(argv[2], "fill") == 0 || strcmp(argv[2], "replace") == 0) {
		bool rep = argv[2][0] == 'r';

		if (bulk(&h, rep, strtoul(argv[3], NULL, 10),
			 argc > 4 ? strtoull(argv[4], NULL, 10) : 1, rep && argc > 5 ? argv[5] :
			 rep ? "bench" : NULL) != 0)
			return 1;
	} else if (strcmp(argv[2], "latency") == 0) {
		unsigned long n = strtoul(argv[3], NULL, 10);
		uint64_t *lat = calloc(n, 8), *upd = calloc(n, 8);

		for (unsigned long i = 0; i < n; i++) {
			uint64_t t0 = mono_ns();

			if (toggle(&h, &apply, err, sizeof(err)) != 0) {
				fprintf(stderr, "bench_ctl: %s\n", err);
				return 1;
			}
			upd[i] = mono_ns() - t0;
			lat[i] = apply;
			while (mono_ns() < t0 + 1000000)
				;
		}
		qsort(lat, n, 8, cmp_u64);
		qsort(upd, n, 8, cmp_u64);
		printf("latency_ns %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", lat[n / 2],
		       lat[n * 99 / 100], lat[n - 1]);
		printf("update_ns %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", upd[n / 2],
		       upd[n * 99 / 100], upd[n - 1]);
	} else if (strcmp(argv[2], "unblock") == 0) {
		static struct fg_shm_bans bans;
		unsigned long n = strtoul(argv[3], NULL, 10), k = 0;
		uint64_t *lat = calloc(n != 0 ? n : 1, 8), end = mono_ns() + 30 * 1000000000ull;

		if (lat == NULL || n == 0)
			return 1;
		while (k < n && mono_ns() < end) {
			uint64_t walk = mono_ns();

			if (fg_shm_seq_read(&h.s->stats_seq, &bans, &h.s->bans, sizeof(bans)) != 0)
				continue;
			for (uint32_t i = 0; i < bans.n && i < FG_SHM_BANS && k < n; i++) {
				struct fg_shm_req q = { .op = FG_SHM_OP_UNBLOCK };
				struct fg_shm_resp r;
				uint64_t t0;
				int rc;

				memcpy(q.addr, bans.b[i].addr, 16);
				t0 = mono_ns();
				rc = fg_shm_call(&h, &q, &r, 1000);
				if (rc == 0 && r.rc == 0)
					lat[k++] = mono_ns() - t0;
			}
			/* the next walk publishes the sources blocked again */
			while (mono_ns() < walk + 1100000000ull && k < n)
				;
		}
		if (k == 0) {
			fprintf(stderr, "bench_ctl: no flood-blocked source to unblock\n");
			return 1;
		}
		qsort(lat, k, 8, cmp_u64);
		printf("unblock_ns %" PRIu64 " %" PRIu64 " %" PRIu64 " %lu\n", lat[k / 2],
		       lat[k * 99 / 100], lat[k - 1], k);
		free(lat);
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
			if (toggle(&h, &apply, err, sizeof(err)) != 0) {
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
