/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIGKILL a list writer at random points of its updates, many times,
 * while a data plane forwards traffic. Each child attaches to the running
 * data plane and replaces the block-domain list, update after update,
 * with 8 domains that all encode one number k (k grows by one per update:
 * upd_encode()); the prefix set is not theirs to change.
 * After each kill the parent checks that the lists are whole: 8 entries
 * with the same k (the list as before or as after an update, never a
 * mix), that k never goes back, that the state file loads, and that the
 * data plane is alive and still receiving. Prints TAP.
 *
 * When a kill falls is timing: a writer needs a few ms from fork to its
 * first publish (attach, grace, copy, the state file's fsync), far more
 * when a neighbour holds the CPU or the disk. The kill window is therefore
 * not fixed once: it starts at 3x the median of 5 measured first publishes
 * and adapts per batch of kills to what the writers manage now (wider
 * when fewer than half saw their update published, narrower when nearly
 * all did, never so wide that the kills would need more than ~100 s), so
 * a slow spell widens it and a quick machine is not slowed. What is judged
 * exactly does not depend on timing: never torn, never back, the file, no
 * errors (a writer waits up to 10 s for the workers, so a slow one is
 * killed, not timed out).
 *   usage: kill9 INSTANCE KILLS
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fg_lists.h"
#include "fg_shm.h"
#include "test_util.h"

#define NADDR 8
/* how long a writer waits for the workers to leave the other copy: a
 * neighbour holding a worker's CPU can take more than floodctl's default
 * 1 s, which is no error of the writer (every kill comes well before) */
#define GRACE_MS 10000

/* The lists' k, or UINT64_MAX when they are torn. */
static uint64_t
whole(const struct fg_fed_lists *l)
{
	return upd_block_k(l, NADDR);
}

static int
replace(struct fg_fed_lists *next, void *arg)
{
	uint64_t k = whole(next) + 1;

	(void)arg;
	next->nblock_dom = NADDR;
	for (unsigned int i = 0; i < NADDR; i++)
		upd_encode(next->block_dom[i], i, k);
	return 0;
}

static int
clear(struct fg_fed_lists *next, void *arg)
{
	(void)arg;
	next->nblock_dom = 0;
	return 0;
}

static void
child(const char *inst)
{
	struct fg_shm_handle h;
	char err[512];

	if (fg_shm_attach(&h, inst, err, sizeof(err)) != 0)
		_exit(2);
	for (;;)
		if (fg_shm_lists_update(&h, replace, NULL, GRACE_MS, err, sizeof(err)) != 0 &&
		    err[0] != '\0') {
			fprintf(stderr, "child: %s\n", err);
			_exit(3);
		}
}

static uint64_t
rx_of(struct fg_shm *s, struct fg_shm *st)
{
	uint64_t rx = 0;

	if (fg_shm_stats_read(s, st) != 0)
		return 0;
	for (unsigned int l = 0; l < FG_SHM_LCORES; l++)
		if ((st->lcore_mask[l / 64] >> (l % 64)) & 1)
			rx += st->lc[l].rx;
	return rx;
}

/* CLOCK_MONOTONIC in us */
static uint64_t
now_us(void)
{
	return mono_ns() / 1000;
}

/* A scratch prefix set for loading the state file: room for what the
 * data plane's set holds (the writers here do not change it). */
static struct fg_pfxset *
scratch_set(struct fg_shm_handle *h)
{
	struct fg_pfxset_stats st;
	struct fg_pfxset_cfg cfg;
	struct fg_pfxset *s;
	size_t sz;

	fg_pfxset_stats(fg_shm_pfx(h), &st);
	cfg.rules = st.rules + 1024;
	cfg.groups4 = st.groups_used + st.groups_limbo + 256;
	sz = fg_pfxset_size(&cfg);
	if (sz == 0)
		return NULL;
	sz = (sz + 63) & ~(size_t)63;
	s = aligned_alloc(64, sz);
	if (s != NULL && fg_pfxset_init(s, sz, &cfg, 1) != 0) {
		free(s);
		s = NULL;
	}
	return s;
}

/* Empty @p s again (a few prefixes: cheaper than an init of 64 MiB). */
static void
empty_set(struct fg_pfxset *s)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint64_t pos = 0;
	uint32_t in;

	/* deleting behind the iterator is safe: it only moves forward */
	while (fg_pfxset_next(s, &pos, &p, &in, m) == 1)
		for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++)
			if ((in >> k) & 1)
				fg_pfxset_del(s, k, &p);
	/* no reader but us: the groups deleted are free at once */
	fg_pfxset_reclaim(s, fg_pfxset_epoch(s));
}

/* How long after its fork a writer publishes its first update on this
 * machine now: the median of 5 (one slow spell does not set the window).
 * Leaves *last_k at the lists' k. */
static uint64_t
calibrate(struct fg_shm_handle *h, const char *inst, struct fg_fed_lists *l, uint64_t *last_k)
{
	uint64_t t[5];

	for (int i = 0; i < 5; i++) {
		uint64_t t0 = now_us(), k = *last_k;
		pid_t pid = fork();

		if (pid == 0)
			child(inst);
		while (k == *last_k && now_us() - t0 < 5000000) {
			if (fg_shm_lists_read(h, l) == 0 && whole(l) != UINT64_MAX)
				k = whole(l);
			usleep(50);
		}
		t[i] = now_us() - t0;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (fg_shm_lists_read(h, l) == 0 && whole(l) != UINT64_MAX)
			*last_k = whole(l);
	}
	qsort(t, 5, sizeof(t[0]), cmp_u64);
	return t[2];
}

/* The kill window: kills fall 0 to window_us after the fork; at most
 * win_max_us, what keeps all the kills within about KILLS_US (a busy
 * machine that needs more fails "updates kept landing" rather than the
 * suite's time limit). */
#define WIN_MIN_US 3000L
#define KILLS_US 100000000ull
#define BATCH 25
static long win_max_us = 2000000L;

static long
clamp_win(uint64_t us)
{
	return us < WIN_MIN_US ? WIN_MIN_US : us > (uint64_t)win_max_us ? win_max_us : (long)us;
}

/* After a batch in which @p moved of BATCH writers saw their update
 * published: widen the window when fewer than half did (the machine is
 * slower than the window assumed), narrow it when more than 9 in 10 did
 * (kills would mostly land after several whole updates). */
static long
adapt(long window_us, unsigned long moved)
{
	if (moved * 2 < BATCH)
		return clamp_win((uint64_t)window_us * 2);
	if (moved * 10 > BATCH * 9)
		return clamp_win((uint64_t)window_us * 3 / 4);
	return window_us;
}

int
main(int argc, char **argv)
{
	struct fg_fed_lists *l = malloc(sizeof(*l)), *f = malloc(sizeof(*f));
	struct fg_shm *st = malloc(sizeof(*st));
	struct fg_pfxset *fset = NULL;
	struct fg_tags ftags;
	unsigned long kills = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	unsigned long torn = 0, back = 0, bad_file = 0, dead = 0, moved = 0, errors = 0;
	unsigned long batch = 0;
	uint64_t last_k = 0, rx0, rx1, t_end, first_us;
	long window_us, win_lo, win_hi;
	struct fg_shm_handle h;
	char err[512];
	int n = 0;

	if (argc < 2 || l == NULL || f == NULL || st == NULL) {
		fprintf(stderr, "usage: kill9 INSTANCE [KILLS]\n");
		return 2;
	}
	if (fg_shm_attach(&h, argv[1], err, sizeof(err)) != 0) {
		printf("not ok 1 - attach: %s\n", err);
		return 1;
	}
	fset = scratch_set(&h);
	if (fset == NULL) {
		printf("not ok 1 - a scratch prefix set for the state file\n");
		return 1;
	}
	srand((unsigned int)getpid());
	/* start from a list of ours (k = 1) whatever the test before left */
	if (fg_shm_lists_update(&h, clear, NULL, GRACE_MS, err, sizeof(err)) != 0 ||
	    fg_shm_lists_update(&h, replace, NULL, GRACE_MS, err, sizeof(err)) != 0) {
		printf("not ok 1 - first update: %s\n", err);
		return 1;
	}
	last_k = 1;
	first_us = calibrate(&h, argv[1], l, &last_k);
	if (kills != 0 && 2 * KILLS_US / kills < (uint64_t)win_max_us)
		win_max_us = (long)(2 * KILLS_US / kills);
	if (win_max_us < WIN_MIN_US)
		win_max_us = WIN_MIN_US;
	window_us = clamp_win(first_us * 3);
	win_lo = win_hi = window_us;
	rx0 = rx_of(h.s, st);
	for (unsigned long i = 0; i < kills; i++) {
		struct timespec d;
		pid_t pid;
		int status;
		uint64_t k;
		long us;

		if (i != 0 && i % BATCH == 0) {
			window_us = adapt(window_us, batch);
			win_lo = window_us < win_lo ? window_us : win_lo;
			win_hi = window_us > win_hi ? window_us : win_hi;
			batch = 0;
		}
		us = rand() % window_us;
		d = (struct timespec){ us / 1000000, (us % 1000000) * 1000L };
		pid = fork();
		if (pid == 0)
			child(argv[1]);
		nanosleep(&d, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status))
			errors++;
		if (fg_shm_lists_read(&h, l) != 0) {
			torn++;
			continue;
		}
		k = whole(l);
		if (k == UINT64_MAX) {
			torn++;
			continue;
		}
		back += k < last_k;
		moved += k != last_k;
		batch += k != last_k;
		last_k = k;
		if (h.s->h.state_path[0] != '\0') {
			uint64_t fk;

			/* the file is the lists as published, or one update ahead
			 * (killed between saving and publishing) */
			empty_set(fset);
			fg_tags_init(&ftags);
			if (fg_shm_state_load(h.s->h.state_path, f, fset, &ftags, err,
					      sizeof(err)) != 0 ||
			    ((fk = whole(f)) != k && fk != k + 1))
				bad_file++;
		}
		if (!fg_shm_alive(h.s))
			dead++;
	}
	/* the counters are published every 100 ms: wait (at most 10 s) for
	 * a snapshot that shows packets received since rx0 */
	t_end = now_us() + 10000000;
	while ((rx1 = rx_of(h.s, st)) <= rx0 && now_us() < t_end)
		usleep(10000);
	printf("ok %d - %lu writers killed with SIGKILL mid-update, at random up to a window "
	       "of %ld-%ld us after fork (first publish %" PRIu64 " us after it; %lu saw their "
	       "update published, last k %" PRIu64 ")\n", ++n, kills, win_lo, win_hi, first_us,
	       moved, last_k);
	printf("%s %d - lists whole after every kill: 8 entries of one update (torn: %lu)\n",
	       torn == 0 ? "ok" : "not ok", ++n, torn);
	printf("%s %d - lists never went back to an older update (%lu times)\n",
	       back == 0 ? "ok" : "not ok", ++n, back);
	printf("%s %d - updates kept landing between kills (%lu of %lu)\n",
	       moved > kills / 4 ? "ok" : "not ok", ++n, moved, kills);
	printf("%s %d - writers died of the kill, not of an error (%lu errors)\n",
	       errors == 0 ? "ok" : "not ok", ++n, errors);
	printf("%s %d - state file loads and is the lists or one update ahead (%lu bad)\n",
	       bad_file == 0 ? "ok" : "not ok", ++n, bad_file);
	printf("%s %d - data plane alive and receiving throughout (rx %" PRIu64 " -> %" PRIu64
	       ", %lu checks dead)\n", dead == 0 && rx1 > rx0 ? "ok" : "not ok", ++n, rx0, rx1,
	       dead);
	printf("1..%d\n", n);
	fg_shm_close(&h, false);
	free(l);
	free(f);
	free(st);
	free(fset);
	return 0;
}
