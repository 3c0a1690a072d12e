/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's side of the control plane (main lcore): the segment,
 * the lists it starts with, floodctl's requests, the counters, top
 * sources, watch list and events it publishes (shm/fg_shm.h).
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "fg_dp.h"
#include "fg_json.h"
#include "fg_lists.h"
#include "fg_speaker.h"

#define FG_STATE_DIR "/var/lib/floodguard"

static struct fg_shm_handle ctl;
static uint64_t last_walk_ns;     /* tab clock of the previous second's walk */
static struct fg_shm_watch prev_watch[FG_SHM_WATCH];
static uint32_t nprev_watch;

/* The configuration's [lists] prefixes into the set @p s (tag config); a
 * prefix already there (written twice, or listed under another tag) stays
 * as it is. @return how many were added, or -errno. */
int
fg_control_config_prefixes(const struct fg_config *c, struct fg_pfxset *s)
{
	struct fg_pfx_meta m = { .tag = FG_TAG_CONFIG, .added_s = (uint32_t)time(NULL) };
	const struct fg_prefix *p[FG_PFX_LIST_COUNT] = { c->allow, c->block };
	uint32_t n[FG_PFX_LIST_COUNT] = { c->nallow, c->nblock };
	int added = 0;

	for (unsigned int l = 0; l < FG_PFX_LIST_COUNT; l++)
		for (uint32_t i = 0; i < n[l]; i++) {
			int rc = fg_pfxset_add(s, l, &p[l][i], &m);

			if (rc != 0 && rc != -EEXIST)
				return rc;
			added += rc == 0;
		}
	return added;
}

static bool
pfx_in(const struct fg_prefix *a, uint32_t n, const struct fg_prefix *p)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].len == p->len && memcmp(a[i].addr, p->addr, 16) == 0)
			return true;
	return false;
}

/*
 * Lists loaded from the state file meet the configuration's [lists] as a
 * reload merges them: the entries of tag config become the file's
 * prefixes, the file's domains are added (docs/operations.md). The set is
 * not live yet.
 */
static int
merge_config_at_start(const struct fg_config *c, struct fg_fed_lists *l, struct fg_pfxset *s)
{
	const struct fg_prefix *p[FG_PFX_LIST_COUNT] = { c->allow, c->block };
	uint32_t n[FG_PFX_LIST_COUNT] = { c->nallow, c->nblock }, gone = 0, dadd, ddel;
	int added, rc;

	for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++) {
		struct fg_pfx_entry *e = NULL;
		int64_t ne = fg_pfx_entries(s, k, FG_TAG_CONFIG, &e);

		if (ne < 0)
			return (int)ne;
		for (int64_t i = 0; i < ne; i++)
			if (!pfx_in(p[k], n[k], &e[i].p) && fg_pfxset_del(s, k, &e[i].p) == 0)
				gone++;
		free(e);
	}
	added = fg_control_config_prefixes(c, s);
	if (added < 0)
		return added;
	rc = fg_lists_merge_domains(l, NULL, &c->lists, &dadd, &ddel);
	if (rc != 0)
		FG_LOG(WARNING, "[lists] domains: a domain list is full; not every domain of the "
		       "configuration is listed");
	if (added + gone + dadd != 0)
		FG_LOG(INFO, "lists: the configuration's [lists] merged: prefixes +%d -%u, "
		       "domains +%u", added, gone, dadd);
	return 0;
}

/* The lists to start with: the state file, else its previous version
 * (the last good state), else the configuration's. */
static int
initial_lists(struct fg_dp *dp, struct fg_fed_lists *out, struct fg_pfxset *s)
{
	const char *path = ctl.s->h.state_path;
	char err[512] = "", prev[300];
	const char *file[] = { path, prev };
	uint64_t seed = rte_rdtsc() ^ (uint64_t)rte_rand();
	/* the set starts empty once; a load that failed left it half filled */
	bool need_init = true;

	snprintf(prev, sizeof(prev), "%s.prev", path);
	for (unsigned int i = 0; i < RTE_DIM(file) && path[0] != '\0'; i++) {
		uint64_t t0 = rte_rdtsc();
		int rc;

		if (need_init) {
			fg_pfxset_init(s, ctl.s->h.pfx_size, &dp->cfg->pfx, seed);
			fg_tags_init(&ctl.s->tags);
		}
		rc = fg_shm_state_load(file[i], out, s, &ctl.s->tags, err, sizeof(err));
		if (rc == 0 && i == 0)
			FG_LOG(INFO, "lists from %s: %u allow and "
			       "%u block prefixes in %.2f s", path,
			       fg_lists_entries(out, s, FG_LIST_ALLOW),
			       fg_lists_entries(out, s, FG_LIST_BLOCK),
			       (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
		else if (rc == 0)
			FG_LOG(WARNING, "lists from %s, the last good state", prev);
		else if (rc != -ENOENT)
			FG_LOG(ERR, "state file rejected: %s", err);
		if (rc == 0)
			return merge_config_at_start(dp->cfg, out, s);
		need_init = rc != -ENOENT;
	}
	if (need_init) {
		fg_pfxset_init(s, ctl.s->h.pfx_size, &dp->cfg->pfx, seed);
		fg_tags_init(&ctl.s->tags);
	}
	fg_lists_copy(out, &dp->cfg->lists);
	FG_LOG(INFO, "lists from the configuration ([lists])");
	return RTE_MIN(fg_control_config_prefixes(dp->cfg, s), 0);
}

/* Every event is also one key=value log line (docs/operations.md). */
static void
event_log(const struct fg_event *ev)
{
	char line[256];

	fg_event_line(ev, line, sizeof(line));
	FG_LOG(NOTICE, "%s", line);
}

int
fg_control_init(struct fg_dp *dp)
{
	const struct fg_config *c = dp->cfg;
	struct fg_shm_hdr *h;
	gid_t gid = (gid_t)-1;
	char err[512];
	int rc;

	if (c->group[0] != '\0') {
		struct group *g = getgrnam(c->group);

		if (g == NULL) {
			FG_LOG(ERR, "[control] group '%s': no such group", c->group);
			return -EINVAL;
		}
		gid = g->gr_gid;
	}
	rc = fg_shm_create(&ctl, c->instance, gid, &c->pfx, err, sizeof(err));
	if (rc != 0) {
		FG_LOG(ERR, "[control] instance: %s", err);
		return rc;
	}
	h = &ctl.s->h;
	fg_shm_event_hook(event_log);
	snprintf(h->mode, sizeof(h->mode), "%s", fg_mode_name(c->mode));
	snprintf(h->version, sizeof(h->version), "%s", FG_VERSION);
	h->tsc_hz = rte_get_tsc_hz();
	h->interval_ms = 100;
	if (strcmp(c->state_file, "none") == 0) {
		h->state_path[0] = '\0';
	} else if (c->state_file[0] != '\0') {
		snprintf(h->state_path, sizeof(h->state_path), "%s", c->state_file);
	} else {
		if (mkdir(FG_STATE_DIR, 0700) != 0 && errno != EEXIST)
			FG_LOG(WARNING, "%s (errno=%i): %s: list changes will not persist",
			       FG_STATE_DIR, errno, strerror(errno));
		else
			snprintf(h->state_path, sizeof(h->state_path), FG_STATE_DIR "/%s.lists",
				 c->instance);
	}
	rc = initial_lists(dp, &ctl.s->lists[0], fg_shm_pfx(&ctl));
	if (rc != 0) {
		FG_LOG(ERR, "[lists] allow, block: more than the prefix set holds (errno=%i): %s",
		       -rc, strerror(-rc));
		fg_shm_close(&ctl, true);
		return rc;
	}
	dp->shm = ctl.s;
	dp->pfx = fg_shm_pfx(&ctl);
	ctl.s->bgp.cfg = c->bgp;
	/* ready: floodctl checks the magic last */
	__atomic_store_n(&h->magic, FG_SHM_MAGIC, __ATOMIC_RELEASE);
	rc = fg_speaker_start(ctl.s, &c->bgp, c->instance);
	if (rc != 0) {
		fg_shm_close(&ctl, true);
		return rc;
	}
	FG_LOG(INFO, "control: /dev/shm/%s (mode %s, %" PRIu64 " MiB: prefix set of %u "
	       "prefixes), lists %s", c->instance, gid == (gid_t)-1 ? "0600" : "0660",
	       h->size >> 20, c->pfx.rules,
	       h->state_path[0] != '\0' ? h->state_path : "not persisted");
	return 0;
}

/* The watch state's file: the lists' state file's, ".watch" added; "": none. */
static bool
watch_path(char *buf, size_t len)
{
	return ctl.s != NULL && ctl.s->h.state_path[0] != '\0' &&
	       snprintf(buf, len, "%s.watch", ctl.s->h.state_path) < (int)len;
}

struct watch_arg {
	struct fg_fed *fed;
	uint64_t off;
};

static int
watch_write(FILE *f, void *arg)
{
	const struct watch_arg *a = arg;

	return fg_fed_state_write(a->fed, f, a->off);
}

void
fg_control_watch_save(struct fg_dp *dp, uint64_t now_ns)
{
	struct watch_arg a = { &dp->fed, fg_shm_unix_ns() - now_ns };
	char path[320], err[512];
	uint64_t t0 = rte_rdtsc();

	if (dp->fed_mem == NULL || !watch_path(path, sizeof(path)))
		return;
	if (fg_shm_file_save(path, watch_write, &a, err, sizeof(err)) != 0)
		FG_LOG(WARNING, "watch state not saved: %s", err);
	else
		FG_LOG(DEBUG, "watch state saved to %s in %.3f s", path,
		       (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz());
}

void
fg_control_watch_load(struct fg_dp *dp, uint64_t now_ns)
{
	uint64_t off = fg_shm_unix_ns() - now_ns;
	char path[320], prev[330], err[512] = "";
	const char *file[] = { path, prev };

	if (dp->fed_mem == NULL || !watch_path(path, sizeof(path)))
		return;
	snprintf(prev, sizeof(prev), "%s.prev", path);
	for (unsigned int i = 0; i < RTE_DIM(file); i++) {
		uint32_t dropped = 0;
		size_t len;
		char *buf;
		int rc = fg_shm_file_read(file[i], FG_LISTS_FILE_MAX, &buf, &len, err, sizeof(err));

		if (rc == -ENOENT)
			continue;
		if (rc == 0) {
			rc = fg_fed_state_read(&dp->fed, buf, len, off, &dropped, err, sizeof(err));
			free(buf);
		}
		if (rc >= 0) {
			FG_LOG(INFO, "watch state from %s: %d partners%s%.0u%s", file[i], rc,
			       dropped ? " (" : "", dropped,
			       dropped ? " partners, URIs or modes left out: no room)" : "");
			return;
		}
		FG_LOG(ERR, "watch state %s rejected: %s", file[i], err);
	}
}

int
fg_control_lists(struct fg_dp *dp, struct fg_fed_lists *out)
{
	/* offline: a private copy nobody writes; live: floodctl's lock, shared */
	if (ctl.s == NULL)
		return fg_lists_copy(out, &dp->shm->lists[dp->shm->gen & 1]);
	return fg_shm_lists_read(&ctl, out);
}

/*
 * The [lists] of a reload are merged by a thread of their own, through the
 * writers' path floodctl takes (fg_shm_pfx_txn(), fg_shm_lists_update()),
 * so the state file, the XDP tries and the BGP feed follow as for any
 * edit. Not on the main lcore: `floodctl reload` holds the writers' lock
 * while it waits for the main lcore's answer. Reloads that come while a
 * merge waits are folded into it (the latest file wins; domains are
 * diffed against the file before the first).
 */
#define FG_MERGE_TIMEOUT_MS 30000

struct merge_job {
	uint64_t ticket;
	struct fg_fed_lists prev, next;    /* domains: the file before and now */
	uint32_t npfx[FG_PFX_LIST_COUNT];
	struct fg_prefix pfx[FG_PFX_LIST_COUNT][FG_FED_LIST_MAX];
	uint32_t dadd, ddel;               /* what the domain edit changed */
	int drc;
};

static pthread_mutex_t merge_lock = PTHREAD_MUTEX_INITIALIZER;
static struct merge_job *merge_pending;
static bool merge_running, merge_joinable;
static pthread_t merge_thread;
static uint64_t merge_tickets;

static void
merge_publish(uint64_t ticket, int rc, const char *msg)
{
	snprintf(ctl.s->merge_msg, sizeof(ctl.s->merge_msg), "%s", msg);
	ctl.s->merge_rc = rc;
	__atomic_store_n(&ctl.s->merge_done, ticket, __ATOMIC_RELEASE);
	if (rc != 0)
		FG_LOG(ERR, "reload: %s", msg);
	else
		FG_LOG(INFO, "reload: %s", msg);
}

static int
merge_domains(struct fg_fed_lists *l, void *arg)
{
	struct merge_job *j = arg;

	j->drc = fg_lists_merge_domains(l, &j->prev, &j->next, &j->dadd, &j->ddel);
	return j->dadd + j->ddel == 0 ? -EALREADY : 0;    /* nothing to publish */
}

static void
merge_run(struct fg_shm_handle *h, struct merge_job *j)
{
	static const char *const name[FG_PFX_LIST_COUNT] = { "allow", "block" };
	struct fg_pfx_op *ops = calloc(FG_FED_LIST_MAX, sizeof(*ops));
	uint32_t added[FG_PFX_LIST_COUNT] = { 0 }, gone[FG_PFX_LIST_COUNT] = { 0 };
	char err[200] = "", msg[256];
	int rc = ops == NULL ? -ENOMEM : 0;

	for (unsigned int k = 0; k < FG_PFX_LIST_COUNT && rc == 0; k++) {
		struct fg_shm_txn t = { .kind = FG_PFX_TXN_REPLACE, .nops = j->npfx[k],
					.list = k, .tag = FG_TAG_CONFIG };
		struct fg_shm_txn_res res;

		for (uint32_t i = 0; i < j->npfx[k]; i++) {
			ops[i] = (struct fg_pfx_op){ .len = j->pfx[k][i].len, .list = (uint8_t)k };
			memcpy(ops[i].addr, j->pfx[k][i].addr, 16);
		}
		rc = fg_shm_pfx_txn(h, &t, ops, &res, FG_MERGE_TIMEOUT_MS, err, sizeof(err));
		if (rc == -EIO)
			FG_LOG(ERR, "reload: [lists] %s merged, the state file not written: %s",
			       name[k], err);
		else if (rc != 0)
			break;
		rc = 0;
		added[k] = res.done;
		gone[k] = res.removed;
	}
	if (rc == 0) {
		rc = fg_shm_lists_update(h, merge_domains, j, FG_MERGE_TIMEOUT_MS, err,
					 sizeof(err));
		if (rc == -EALREADY || rc == -EIO)
			rc = 0;
		if (rc == 0 && j->drc != 0)
			snprintf(err, sizeof(err), "a domain list is full, not every domain merged");
	}
	if (rc != 0 && ops == NULL)
		snprintf(err, sizeof(err), "no memory");
	if (rc != 0)
		snprintf(msg, sizeof(msg), "[lists] not merged: %s", err);
	else
		snprintf(msg, sizeof(msg), "[lists] merged: allow +%u -%u, block +%u -%u, domains "
			 "+%u -%u%s%s", added[0], gone[0], added[1], gone[1], j->dadd, j->ddel,
			 err[0] != '\0' ? "; " : "", err);
	merge_publish(j->ticket, rc != 0 ? rc : j->drc, msg);
	free(ops);
}

static void *
merge_main(void *arg)
{
	struct fg_dp *dp = arg;
	struct fg_shm_handle h;
	char err[200];
	int rc = fg_shm_attach(&h, dp->cfg->instance, err, sizeof(err));

	for (;;) {
		struct merge_job *j;

		pthread_mutex_lock(&merge_lock);
		j = merge_pending;
		merge_pending = NULL;
		merge_running = j != NULL;
		pthread_mutex_unlock(&merge_lock);
		if (j == NULL)
			break;
		if (rc == 0) {
			merge_run(&h, j);
		} else {
			char msg[256];

			snprintf(msg, sizeof(msg), "[lists] not merged: %s", err);
			merge_publish(j->ticket, rc, msg);
		}
		free(j);
	}
	if (rc == 0)
		fg_shm_close(&h, false);
	return NULL;
}

uint32_t
fg_control_lists_merge(struct fg_dp *dp, const struct fg_config *next)
{
	struct merge_job *j = malloc(sizeof(*j));
	uint32_t ticket = 0;

	if (ctl.s == NULL)
		goto out;
	if (j == NULL) {
		FG_LOG(ERR, "reload: [lists] not merged: no memory");
		goto out;
	}
	pthread_mutex_lock(&merge_lock);
	if (merge_pending != NULL) {
		j->prev = merge_pending->prev;
		free(merge_pending);
	} else {
		fg_lists_copy(&j->prev, &dp->cfg->lists);
	}
	fg_lists_copy(&j->next, &next->lists);
	j->npfx[FG_PFX_LIST_ALLOW] = next->nallow;
	j->npfx[FG_PFX_LIST_BLOCK] = next->nblock;
	memcpy(j->pfx[FG_PFX_LIST_ALLOW], next->allow, next->nallow * sizeof(next->allow[0]));
	memcpy(j->pfx[FG_PFX_LIST_BLOCK], next->block, next->nblock * sizeof(next->block[0]));
	j->ticket = ticket = (uint32_t)++merge_tickets;
	merge_pending = j;
	j = NULL;
	if (!merge_running) {
		if (merge_joinable)     /* it found nothing pending and returned */
			pthread_join(merge_thread, NULL);
		merge_joinable = pthread_create(&merge_thread, NULL, merge_main, dp) == 0;
		merge_running = merge_joinable;
		if (!merge_running) {
			free(merge_pending);
			merge_pending = NULL;
			ticket = 0;
			FG_LOG(ERR, "reload: [lists] not merged: no thread for the merge");
		}
	}
	pthread_mutex_unlock(&merge_lock);
	if (ticket != 0) {
		/* the file the next reload is diffed against */
		fg_lists_copy(&dp->cfg->lists, &next->lists);
		dp->cfg->nallow = next->nallow;
		dp->cfg->nblock = next->nblock;
		memcpy(dp->cfg->allow, next->allow, next->nallow * sizeof(next->allow[0]));
		memcpy(dp->cfg->block, next->block, next->nblock * sizeof(next->block[0]));
	}
out:
	free(j);
	return ticket;
}

void
fg_control_fini(struct fg_dp *dp)
{
	if (ctl.s == NULL)
		return;
	fg_control_watch_save(dp, fg_clock_ns(dp));
	__atomic_store_n(&ctl.s->h.stopped, 1, __ATOMIC_RELEASE);
	if (merge_joinable)    /* a merge still waiting gives up: stopped */
		pthread_join(merge_thread, NULL);
	fg_speaker_stop(ctl.s);
	dp->shm = NULL;
	fg_shm_close(&ctl, true);
}

void
fg_control_apply(struct fg_dp *dp, struct fg_config *c2)
{
	for (unsigned int c = 0; c < FG_CLASS_COUNT; c++)
		fg_class_limits_gen(&dp->cfg->limits.cls[c], &c2->limits.cls[c]);
	if (!fg_rate_eq(&c2->fed.watch_rate, &dp->cfg->fed.watch_rate))
		c2->fed.watch_gen++;
	fg_dp_publish(dp, c2);
	for (unsigned int m = 0; m < FG_MON_COUNT; m++) {
		static const uint8_t none[16];

		if (c2->monitor[m] == dp->cfg->monitor[m])
			continue;
		dp->cfg->monitor[m] = c2->monitor[m];
		if (ctl.s != NULL)
			fg_shm_event(ctl.s, FG_EV_MONITOR, m, none, c2->monitor[m],
				     fg_shm_unix_ns());
	}
	dp->cfg->limits = c2->limits;
	__atomic_store_n(&dp->tab.offence_ms, fg_dp_offence_ms(&c2->limits), __ATOMIC_RELAXED);
	memcpy(&dp->cfg->classify, &c2->classify, sizeof(c2->classify));
	dp->cfg->fed = c2->fed;
	if (c2->log_level != dp->cfg->log_level) {
		rte_log_set_level(fg_logtype, c2->log_level);
		dp->cfg->log_level = c2->log_level;
	}
}

/* SET: a copy of the configuration takes the key and its checks; the
 * workers then read its thresholds, all at once (fg_dp_publish()). */
static void
do_set(struct fg_dp *dp, const char *sec, const char *key, const char *value,
       struct fg_shm_resp *r)
{
	struct fg_config *c2;

	if (fg_config_runtime(sec, key, r->msg, sizeof(r->msg)) != 0) {
		r->rc = -EPERM;
		return;
	}
	c2 = malloc(sizeof(*c2));
	if (c2 == NULL) {
		r->rc = -ENOMEM;
		return;
	}
	*c2 = *dp->cfg;
	if (fg_config_set(c2, sec, key, value, r->msg, sizeof(r->msg)) != 0 ||
	    fg_config_finish(c2, r->msg, sizeof(r->msg)) != 0) {
		r->rc = -EINVAL;
	} else {
		fg_control_apply(dp, c2);
		fg_config_get(dp->cfg, sec, key, r->msg, sizeof(r->msg), r->msg, sizeof(r->msg));
		FG_LOG(INFO, "floodctl set [%s] %s = %s", sec, key, r->msg);
	}
	free(c2);
}

/*
 * UNBLOCK: the source's flood blocks, in every class, end now; the
 * workers' next packet from it finds the entry unblocked. The XDP tries
 * and the BGP feed let it go at their next walk, as for a block that
 * ended (fg_xdp_sync(), the bans published below). Its watch entry's
 * automatic reasons are lifted too (fg_fed_lift(); the walk below sends
 * the unwatch event).
 */
static void
do_unblock(struct fg_dp *dp, const uint8_t addr[16], bool forgive, uint64_t now_ns,
	   struct fg_shm_resp *r)
{
	struct fg_now now = fg_now(dp->tab.epoch, now_ns);
	static const uint8_t classes[] = { FG_CLASS_MOM, FG_CLASS_SIP, FG_CLASS_SIP_TLS };
	uint64_t unix_now = fg_shm_unix_ns();

	r->rc = -ENOENT;
	for (unsigned int i = 0; i < sizeof(classes) && dp->tab_mem != NULL; i++) {
		uint8_t c = classes[i];
		struct fg_src *e = fg_srctab_lookup(&dp->tab, addr, c,
						    fg_srctab_hash(&dp->tab, addr, c));

		if (e == NULL || !fg_src_unblock(e, &now, forgive))
			continue;
		r->rc = 0;
		r->arg |= 1 << c;
		fg_shm_event(ctl.s, FG_EV_UNBLOCK, c, addr,
			     __atomic_load_n(&e->offences, __ATOMIC_RELAXED), unix_now);
	}
	if (dp->fed_mem != NULL) {
		uint32_t still;
		int lifted = fg_fed_lift(&dp->fed, addr, forgive, &still);

		if (lifted != 0) {
			r->rc = 0;
			r->arg |= lifted << FG_SHM_UNBLOCK_LIFTED | (int32_t)still <<
				  FG_SHM_UNBLOCK_STILL;
		}
	}
	if (r->rc == 0) {
		char a[64];

		fg_addr_str(addr, a, sizeof(a));
		FG_LOG(INFO, "floodctl unblock %s%s", a, forgive ? " --forgive" : "");
	}
}

static void
serve(struct fg_dp *dp, const struct fg_shm_req *q, uint64_t now_ns)
{
	struct fg_shm_resp r = { 0 };
	char sec[64], *dot;
	uint32_t ticket;
	int rc;

	switch (q->op) {
	case FG_SHM_OP_WATCH:
		r.rc = fg_fed_watch(&dp->fed, q->addr, now_ns);
		if (r.rc != 0)
			snprintf(r.msg, sizeof(r.msg), "no partner slot left ([sip-rules] "
				 "partners)");
		break;
	case FG_SHM_OP_UNWATCH:
		rc = fg_fed_unwatch(&dp->fed, q->addr);
		r.rc = rc < 0 ? -ENOENT : 0;
		r.arg = rc < 0 ? 0 : rc;
		break;
	case FG_SHM_OP_SET:
	case FG_SHM_OP_GET:
		snprintf(sec, sizeof(sec), "%s", q->key);
		dot = strchr(sec, '.');
		if (dot == NULL) {
			r.rc = -EINVAL;
			snprintf(r.msg, sizeof(r.msg), "%s: expected SECTION.KEY", q->key);
			break;
		}
		*dot++ = '\0';
		if (q->op == FG_SHM_OP_SET)
			do_set(dp, sec, dot, q->value, &r);
		else if (fg_config_get(dp->cfg, sec, dot, r.msg, sizeof(r.msg), r.msg,
				       sizeof(r.msg)) != 0)
			r.rc = -ENOENT;
		break;
	case FG_SHM_OP_RELOAD:
		r.rc = fg_reload(dp, r.msg, sizeof(r.msg), &ticket);
		r.arg = (int32_t)ticket;
		break;
	case FG_SHM_OP_MODE: {
		char key[sizeof(q->key)];
		int m = q->value[0] == '\0' ? -1 : fg_fed_mode_parse(q->value);

		snprintf(key, sizeof(key), "%.*s", (int)sizeof(q->key) - 1, q->key);
		if (m < 0 && q->value[0] != '\0') {
			r.rc = -EINVAL;
			snprintf(r.msg, sizeof(r.msg), "mode '%.32s': high or medium", q->value);
			break;
		}
		r.rc = fg_fed_set_mode(&dp->fed, key, key[0] == '\0' ? q->addr : NULL, m);
		if (r.rc == -ENOENT)
			snprintf(r.msg, sizeof(r.msg), "not a partner the SIP rules track");
		else if (r.rc == -ENOSPC)
			snprintf(r.msg, sizeof(r.msg), "no room for another domain's mode (%u)",
				 FG_FED_LIST_MAX);
		else if (r.rc != 0)
			snprintf(r.msg, sizeof(r.msg), "%s", strerror(-r.rc));
		break;
	}
	case FG_SHM_OP_UNBLOCK:
		do_unblock(dp, q->addr, strcmp(q->value, "forgive") == 0, now_ns, &r);
		break;
	default:
		r.rc = -EOPNOTSUPP;
		snprintf(r.msg, sizeof(r.msg), "request %u unknown to this data plane", q->op);
		break;
	}
	fg_shm_answer(ctl.s, &r);
}

void
fg_control_wait(uint32_t us)
{
	if (ctl.s != NULL)
		fg_shm_request_wait(ctl.s, us);
	else
		rte_delay_us_sleep(us);
}

void
fg_control_poll(struct fg_dp *dp, uint64_t now_ns)
{
	const struct fg_shm_req *q;

	if (ctl.s == NULL)
		return;
	q = fg_shm_pending(ctl.s);
	if (q != NULL) {
		struct fg_shm_req copy = *q;

		serve(dp, &copy, now_ns);
	}
}

struct top_walk {
	struct fg_dp_top top;
	uint64_t since;          /* blocks that started after this are news */
	uint64_t unix_now;
	struct fg_shm_top e[FG_SHM_TOP];
	/* the blocked sources, a min-heap on pps: the heaviest FG_SHM_BANS */
	uint32_t nban;
	struct fg_shm_ban ban[FG_SHM_BANS];
	uint32_t drops[FG_DROP_SKETCH];        /* the workers' sketches of the last interval */
	uint64_t dt_ms;                        /* its length */
	uint32_t ndrop;
	struct fg_hh_entry drop[FG_SHM_TOP];   /* its heaviest dropped sources */
};

static void
ban_sift(struct fg_shm_ban *h, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		struct fg_shm_ban t;

		if (l < n && h[l].pps < h[m].pps)
			m = l;
		if (l + 1 < n && h[l + 1].pps < h[m].pps)
			m = l + 1;
		if (m == i)
			return;
		t = h[i], h[i] = h[m], h[m] = t;
		i = m;
	}
}

/* Keep @p b if it is among the FG_SHM_BANS heaviest so far. */
static void
ban_keep(struct top_walk *w, const struct fg_shm_ban *b)
{
	if (w->nban < FG_SHM_BANS) {
		uint32_t i = w->nban++;

		w->ban[i] = *b;
		for (; i > 0 && w->ban[(i - 1) / 2].pps > w->ban[i].pps; i = (i - 1) / 2) {
			struct fg_shm_ban t = w->ban[i];

			w->ban[i] = w->ban[(i - 1) / 2], w->ban[(i - 1) / 2] = t;
		}
	} else if (b->pps > w->ban[0].pps) {
		w->ban[0] = *b;
		ban_sift(w->ban, w->nban, 0);
	}
}

static int
ban_cmp(const void *a, const void *b)
{
	const struct fg_shm_ban *x = a, *y = b;

	return x->pps != y->pps ? (x->pps < y->pps ? 1 : -1) : memcmp(x->addr, y->addr, 16);
}

/* The heaviest sources; a flood block that started since the last walk
 * is an event. */
static void
top_one(const struct fg_src *e, void *arg)
{
	struct top_walk *w = arg;
	uint64_t left = fg_src_block_left(e, &w->top.now);
	uint8_t addr[16];
	unsigned int cls = fg_src_key(e, addr);

	if (cls < FG_CLASS_COUNT && left != 0) {
		uint64_t pen = fg_src_penalty_ns(e, &w->top.lim->cls[cls]);
		uint64_t until = w->top.now.ns + left;
		uint32_t k = fg_drop_slot(addr);
		struct fg_shm_ban b = { .cls = cls,
			.pps = (uint32_t)((uint64_t)w->drops[k] * 1000 /
					  (w->dt_ms != 0 ? w->dt_ms : 1000)),
			.until_unix_ms = (w->unix_now + left) / FG_NS_PER_MS,
			.since_unix_ms = (w->unix_now + left - pen) / FG_NS_PER_MS,
			.rule = FG_BAN_FLOOD,
			.offences = __atomic_load_n(&e->offences, __ATOMIC_RELAXED) };

		/* the penalty escalates and is jittered: the event gives it */
		if (until - pen > w->since)
			fg_shm_event(ctl.s, FG_EV_BLOCK, cls, addr, pen / FG_NS_PER_MS,
				     w->unix_now);
		memcpy(b.addr, addr, 16);
		ban_keep(w, &b);
	}
	fg_dp_top_one(e, &w->top);
}

/* Whether entries @p a and @p b have one key (domain, or address). */
static bool
same_entry(const struct fg_fed_entry *a, const struct fg_fed_entry *b)
{
	if (a->domain[0] != '\0' || b->domain[0] != '\0')
		return strcmp(a->domain, b->domain) == 0;
	return memcmp(a->addr[0], b->addr[0], 16) == 0;
}

/*
 * The watch list as published; events for partners that came and went
 * and for entries whose mode's condition starts to hold.
 */
static uint32_t
collect_watch(struct fg_dp *dp, struct fg_shm_watch *out, uint64_t now_ns, uint64_t unix_now)
{
	static struct fg_fed_entry e[FG_SHM_WATCH];
	/* a watched partner: its first From domain names it in the events */
	static struct { uint8_t addr[16]; uint32_t flags; char dom[FG_DOMAIN_MAX]; }
		part[FG_SHM_WATCH], prev_part[FG_SHM_WATCH];
	static uint32_t nprev_part;
	static struct fg_fed_lists l, l_now;
	uint64_t off = unix_now - now_ns;   /* fed clock (TSC ns) to unix */
	struct fg_partner *pt, p;
	uint32_t n, np = 0;

	/* partners on and off the list */
	for (uint32_t i = 0; np < FG_SHM_WATCH && (pt = fg_fed_next(&dp->fed, &i)) != NULL;) {
		bool known = false;

		if (__atomic_load_n(&pt->since_ns, __ATOMIC_RELAXED) == 0)
			continue;
		fg_fed_partner_read(pt, &p);
		if (p.since_ns == 0)
			continue;
		memcpy(part[np].addr, p.addr, 16);
		part[np].flags = p.flags;
		snprintf(part[np].dom, FG_DOMAIN_MAX, "%.*s", FG_DOMAIN_MAX - 1,
			 p.ndom != 0 ? p.domains[0] : "");
		for (uint32_t j = 0; j < nprev_part && !known; j++)
			known = memcmp(prev_part[j].addr, p.addr, 16) == 0;
		if (!known)
			fg_shm_event_dom(ctl.s, FG_EV_WATCH, FG_CLASS_SIP, p.addr, part[np].dom,
					 p.flags, unix_now);
		np++;
	}
	for (uint32_t j = 0; j < nprev_part; j++) {
		bool still = false;

		for (uint32_t i = 0; i < np && !still; i++)
			still = memcmp(prev_part[j].addr, part[i].addr, 16) == 0;
		if (!still)
			fg_shm_event_dom(ctl.s, FG_EV_UNWATCH, FG_CLASS_SIP, prev_part[j].addr,
					 prev_part[j].dom, prev_part[j].flags, unix_now);
	}
	memcpy(prev_part, part, np * sizeof(part[0]));
	nprev_part = np;

	/* the entries, keyed by domain; the domains watched by hand as last
	 * read: a floodctl waiting for this lcore holds the lists' lock */
	if (fg_shm_lists_read_flags(&ctl, &l_now, LOCK_NB) == 0)
		l = l_now;
	n = fg_fed_entries(&dp->fed, &l, e, FG_SHM_WATCH);
	for (uint32_t i = 0; i < n; i++) {
		bool was = false;

		for (uint32_t j = 0; j < nprev_watch; j++)
			if (same_entry(&prev_watch[j].e, &e[i])) {
				was = prev_watch[j].e.alert;
				break;
			}
		if (e[i].alert && !was)
			fg_shm_event_dom(ctl.s, FG_EV_ALERT, FG_CLASS_SIP, e[i].addr[0], e[i].domain,
					 e[i].flags | (uint64_t)e[i].mode << 16, unix_now);
		out[i].e = e[i];
		out[i].e.since_ns = e[i].since_ns != 0 ? e[i].since_ns + off : 0;
		out[i].e.alert_ns = e[i].alert_ns != 0 ? e[i].alert_ns + off : 0;
	}
	memcpy(prev_watch, out, n * sizeof(out[0]));
	nprev_watch = n;
	return n;
}

void
fg_control_publish(struct fg_dp *dp, uint64_t now_ns, bool second)
{
	struct fg_shm *s = ctl.s;
	static struct top_walk w;
	static struct fg_shm_watch wl[FG_SHM_WATCH];
	static uint64_t gen_seen;
	uint64_t unix_now = fg_shm_unix_ns();
	uint32_t nw = 0;
	unsigned int l;

	if (s == NULL)
		return;
	if (second) {
		w.top = (struct fg_dp_top){ .now = fg_now(dp->tab.epoch, now_ns),
			.lim = &dp->cfg->limits, .max = FG_SHM_TOP, .e = w.e };
		w.since = last_walk_ns;
		w.dt_ms = (w.top.now.ns - last_walk_ns) / FG_NS_PER_MS;
		w.unix_now = unix_now;
		w.nban = 0;
		w.ndrop = fg_dp_drops_turn(dp, w.drops, w.drop, FG_SHM_TOP);
		fg_dp_walk(dp, top_one, &w);
		qsort(w.ban, w.nban, sizeof(w.ban[0]), ban_cmp);
		last_walk_ns = w.top.now.ns;
		nw = collect_watch(dp, wl, now_ns, unix_now);
		/* the lists' version: domain-list generations plus prefix
		 * transactions applied */
		if (s->gen + __atomic_load_n(&s->done_seq, __ATOMIC_ACQUIRE) != gen_seen) {
			static const uint8_t none[16];

			gen_seen = s->gen + s->done_seq;
			fg_shm_event(s, FG_EV_LISTS, 0, none, gen_seen, unix_now);
		}
	}
	fg_shm_stats_begin(s);
	s->stats_unix_ns = unix_now;
	RTE_LCORE_FOREACH(l) {
		if (l >= FG_SHM_LCORES)
			continue;
		s->lcore_mask[l / 64] |= 1ull << (l % 64);
		if (dp->lc[l].nb_rxq != 0)
			s->worker_mask[l / 32] |= 1u << (l % 32);
		s->lc[l] = dp->lc[l].cnt;
	}
	s->lc[rte_get_main_lcore()].lim.tab.aged = dp->hk.aged;
	/* what the NIC's drop rules dropped: received and dropped too */
	fg_flow_counters(&s->lc[rte_get_main_lcore()]);
	for (uint16_t i = 0; i < dp->nb_ports; i++) {
		uint16_t p = dp->ports[i];
		struct rte_eth_stats st;

		if (p >= FG_SHM_PORTS || rte_eth_stats_get(p, &st) != 0)
			continue;
		s->port[p] = (struct fg_shm_port){
			.ipackets = st.ipackets, .opackets = st.opackets, .ibytes = st.ibytes,
			.obytes = st.obytes, .imissed = st.imissed, .ierrors = st.ierrors,
			.oerrors = st.oerrors, .rx_nombuf = st.rx_nombuf, .used = 1,
		};
		rte_eth_dev_get_name_by_port(p, s->port[p].name);
	}
	s->table_slots = fg_srctab_slots(&dp->tab);
	s->table_used = fg_srctab_count(&dp->tab);
	if (second) {
		s->ntop = w.top.n;
		memcpy(s->top, w.e, w.top.n * sizeof(w.e[0]));
		s->nwatch = nw;
		memcpy(s->watch, wl, nw * sizeof(wl[0]));
		s->drops.n = w.ndrop;
		s->drops.interval_ms = (uint32_t)w.dt_ms;
		s->drops.total = 0;
		for (uint32_t i = 0; i < FG_DROP_SKETCH; i++)
			s->drops.total += w.drops[i];
		for (uint32_t i = 0; i < w.ndrop; i++) {
			const struct fg_hh_entry *e = &w.drop[i];
			unsigned int r = fg_hh_dominant(e);

			s->drops.d[i] = (struct fg_shm_drop){ .cls = e->cls, .reason = r,
				.pkts = e->pkts, .bytes = e->bytes, .reason_pkts = e->reason[r],
				.would = e->would };
			memcpy(s->drops.d[i].addr, e->addr, 16);
		}
		s->bans.n = w.nban;
		memcpy(s->bans.b, w.ban, w.nban * sizeof(w.ban[0]));
	}
	fg_shm_stats_end(s);
}
