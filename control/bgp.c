/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodctl bgp: the BGP feed the speaker runs, and its status.
 *
 * The feed (docs/bgp.md) reads the speaker's lines on stdin and writes
 * its commands on stdout. Every pass (50 ms) it works out the routes it
 * wants, the list blocks and the automatic blocks at min_pps or more,
 * through the rails, the heaviest max_routes, sends what changed within
 * max_updates_s, takes the cluster's routes into the block list (tag
 * "bgp:ORIGIN"), and publishes what it did in the segment.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fg_json.h"
#include "floodctl.h"

const char fc_bgp_usage[] =
"usage: floodctl bgp [-n COUNT] [--json] [-i NAME]\n"
"       floodctl bgp feed [-i NAME]\n"
"The BGP export of blocks and the cluster's shared blocks (docs/bgp.md).\n"
"  bgp        the sessions, the routes announced, pending and refused and\n"
"             why, the cluster's routes taken in; -n: routes listed (20)\n"
"  bgp feed   what the speaker floodguard starts runs (its API process):\n"
"             the speaker's lines on stdin, its commands on stdout\n"
COMMON_USAGE;

#define PASS_MS 50
#define SCAN_MS 200
#define HSLOTS (4 * FG_BGP_ROUTES)   /* power of two */

static uint64_t
now_ms(void)
{
	return fg_shm_unix_ns() / 1000000u;
}

/* --- what is wanted and what was sent: a table of prefixes --- */

struct route {
	struct fg_prefix p;
	bool used, sent;             /* slot taken; commands handed to the speaker */
	bool wanted;                 /* in this pass's wanted set */
	uint8_t origin, state, reason;
	uint32_t cls, pps;
	uint64_t since_ms;
};

static struct route tab[HSLOTS];
static uint32_t ntab;

static uint32_t
phash(const struct fg_prefix *p)
{
	uint64_t x, y;

	memcpy(&x, p->addr, 8);
	memcpy(&y, p->addr + 8, 8);
	return (uint32_t)((((x * 0x9e3779b97f4a7c15ull) ^ y ^ p->len) *
			   0xc2b2ae3d27d4eb4full) >> 40) & (HSLOTS - 1);
}

static bool
peq(const struct fg_prefix *a, const struct fg_prefix *b)
{
	return a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

/* The slot of @p p, a new one with @p add (NULL: not there, or full). */
static struct route *
find(const struct fg_prefix *p, bool add)
{
	for (uint32_t i = phash(p), k = 0; k < HSLOTS; k++, i = (i + 1) & (HSLOTS - 1)) {
		if (!tab[i].used) {
			if (!add || ntab >= HSLOTS / 2)
				return NULL;
			tab[i] = (struct route){ .p = *p, .used = true };
			ntab++;
			return &tab[i];
		}
		if (peq(&tab[i].p, p))
			return &tab[i];
	}
	return NULL;
}

/* Rebuild the table without the entries neither sent nor wanted. */
static void
compact(void)
{
	static struct route keep[HSLOTS / 2];
	uint32_t n = 0;

	for (uint32_t i = 0; i < HSLOTS; i++)
		if (tab[i].used && (tab[i].sent || tab[i].wanted))
			keep[n++] = tab[i];
	memset(tab, 0, sizeof(tab));
	ntab = 0;
	for (uint32_t i = 0; i < n; i++)
		*find(&keep[i].p, true) = keep[i];
}

/* --- the cluster's routes taken in --- */

struct imported {
	struct fg_prefix p;
	int peer;                    /* index into the [bgp] peers; -1: unknown */
	uint16_t tag;
	uint64_t deadline_ms;        /* its session went down, or came up again
				      * and it was not announced since: it goes
				      * at this time; 0: current */
};

static struct imported *imp;
static uint32_t nimp, cap_imp;

static struct imported *
imp_find(const struct fg_prefix *p)
{
	for (uint32_t i = 0; i < nimp; i++)
		if (peq(&imp[i].p, p))
			return &imp[i];
	return NULL;
}

struct feed {
	struct fc_ctx c;
	struct fg_shm *s;
	const struct fg_bgp_cfg *b;
	struct fg_shm_bgp *st;           /* the status we publish */
	struct fg_prefix *allow;         /* the allow list, as last scanned */
	uint32_t nallow, cap_allow;
	struct fg_pfx_op *ops;           /* the cluster's changes of this pass */
	uint16_t *op_tag;
	uint32_t nops, cap_ops;
	double tokens;
	uint64_t last_ms, scan_ms, lists_ms, lists_seq;
	uint32_t nlist;                  /* of wants[]: the list blocks, kept */
	uint64_t refused[FG_BGP_R_COUNT];    /* by the last plan */
	uint32_t inflight;               /* commands not yet answered */
};

static int
peer_index(const struct feed *f, const char *addr)
{
	for (uint32_t i = 0; i < f->b->npeers; i++)
		if (strcmp(f->b->peer[i], addr) == 0)
			return (int)i;
	return -1;
}

static void *
grow(void *p, uint32_t *cap, size_t size)
{
	uint32_t n = *cap != 0 ? *cap * 2 : 1024;
	void *q = realloc(p, n * size);

	if (q == NULL) {
		perror("floodctl bgp feed");
		exit(FC_EXIT_FAIL);
	}
	*cap = n;
	return q;
}

static void
queue_op(struct feed *f, const struct fg_prefix *p, bool del, uint16_t tag)
{
	struct fg_pfx_op *o;

	if (f->nops == f->cap_ops) {
		uint32_t cap = f->cap_ops;

		f->ops = grow(f->ops, &f->cap_ops, sizeof(*f->ops));
		f->op_tag = grow(f->op_tag, &cap, sizeof(*f->op_tag));
	}
	o = &f->ops[f->nops];
	*o = (struct fg_pfx_op){ .len = p->len, .list = FG_PFX_LIST_BLOCK,
				 .del = del ? FG_PFX_DEL_TAGGED : 0 };
	memcpy(o->addr, p->addr, 16);
	f->op_tag[f->nops++] = tag;
}

/* The changes of this pass, one transaction per tag. */
static void
apply_ops(struct feed *f)
{
	while (f->nops > 0) {
		uint16_t tag = f->op_tag[0];
		uint32_t n = 0, rest = 0;
		struct fg_pfx_op *mine = malloc(f->nops * sizeof(*mine));
		struct fg_shm_txn t = { .kind = FG_PFX_TXN_EDIT, .tag = tag };
		struct fg_shm_txn_res res;
		char err[256];

		if (mine == NULL)
			return;
		for (uint32_t i = 0; i < f->nops; i++) {
			if (f->op_tag[i] == tag) {
				mine[n++] = f->ops[i];
			} else {
				f->ops[rest] = f->ops[i];
				f->op_tag[rest++] = f->op_tag[i];
			}
		}
		f->nops = rest;
		for (uint32_t k = 0; k < n; k += f->s->h.ops_cap) {
			t.nops = n - k < f->s->h.ops_cap ? n - k : f->s->h.ops_cap;
			if (fg_shm_pfx_txn(&f->c.h, &t, mine + k, &res, 5000, err, sizeof(err)) != 0)
				fprintf(stderr, "floodctl bgp feed: the cluster's routes: %s\n", err);
		}
		free(mine);
	}
}

static void
take_in(struct feed *f, const struct fg_bgp_msg *m, int pi)
{
	struct fg_shm_bgp *st = f->st;
	struct imported *e = imp_find(&m->p);
	enum fg_bgp_refusal r;
	char tag[FG_TAG_MAX];
	int id;

	if (f->b->cluster == 0 || !m->cluster) {
		st->import_refused[FG_BGP_R_NO_COMMUNITY]++;
		return;
	}
	r = fg_bgp_rails(f->b, &m->p, f->allow, f->nallow);
	if (r != FG_BGP_R_NONE) {
		st->import_refused[r]++;
		return;
	}
	if (e != NULL) {                 /* again (after an up, or another path) */
		e->deadline_ms = 0;
		e->peer = pi;
		return;
	}
	snprintf(tag, sizeof(tag), FG_TAG_BGP "%.27s", m->origin[0] != '\0' ? m->origin : m->peer);
	for (char *c = tag + sizeof(FG_TAG_BGP) - 1; *c != '\0'; c++)
		if (*c == ':')
			*c = '.';            /* an IPv6 peer */
	id = fg_shm_tag(&f->c.h, tag);
	if (id < 0) {
		fprintf(stderr, "floodctl bgp feed: tag %s: %s\n", tag, strerror(-id));
		return;
	}
	if (nimp == cap_imp)
		imp = grow(imp, &cap_imp, sizeof(*imp));
	imp[nimp++] = (struct imported){ .p = m->p, .peer = pi, .tag = (uint16_t)id };
	queue_op(f, &m->p, false, (uint16_t)id);
	st->imported++;
}

static void
take_out(struct feed *f, uint32_t i)
{
	queue_op(f, &imp[i].p, true, imp[i].tag);
	f->st->import_withdrawn++;
	imp[i] = imp[--nimp];
}

static void
on_line(struct feed *f, const char *line)
{
	struct fg_shm_bgp *st = f->st;
	struct fg_bgp_msg m;
	struct imported *e;
	int pi;

	if (fg_bgp_parse(line, f->b->cluster, &m) != 0)
		return;
	if (m.kind == FG_BGP_M_DONE || m.kind == FG_BGP_M_ERROR) {
		f->inflight -= f->inflight != 0;
		st->speaker_errors += m.kind == FG_BGP_M_ERROR;
		return;
	}
	pi = peer_index(f, m.peer);
	if (pi < 0)
		return;
	switch (m.kind) {
	case FG_BGP_M_UP:
	case FG_BGP_M_DOWN:
		if (m.kind == FG_BGP_M_UP || st->peer[pi].up) {
			st->peer[pi].up = m.kind == FG_BGP_M_UP;
			st->peer[pi].ups += st->peer[pi].up;
			st->peer[pi].downs += !st->peer[pi].up;
			st->peer[pi].since_unix_ms = now_ms();
		}
		/* down: its routes stay import_hold_s; up: what it announced
		 * before must come again within import_hold_s */
		for (uint32_t i = 0; i < nimp; i++)
			if (imp[i].peer == pi)
				imp[i].deadline_ms = now_ms() + (uint64_t)f->b->import_hold_s * 1000;
		break;
	case FG_BGP_M_ANNOUNCE:
		take_in(f, &m, pi);
		break;
	case FG_BGP_M_WITHDRAW:
		e = imp_find(&m.p);
		if (e != NULL && (e->peer == pi || e->peer < 0))
			take_out(f, (uint32_t)(e - imp));
		break;
	case FG_BGP_M_FLOW:
		st->import_refused[FG_BGP_R_NOT_UNICAST]++;
		break;
	default:
		break;
	}
}

/* The cluster's routes whose session stayed down, or that did not come
 * again after it came back, for import_hold_s. */
static void
age_imports(struct feed *f, uint64_t now)
{
	for (uint32_t i = 0; i < nimp;) {
		if (imp[i].deadline_ms != 0 && now >= imp[i].deadline_ms)
			take_out(f, i);
		else
			i++;
	}
}

/* --- the routes wanted: list blocks, heavy automatic blocks --- */

struct want {
	struct fg_prefix p;
	uint8_t origin;
	uint32_t cls, pps;
};

static struct want *wants;
static uint32_t nwant, cap_want;

static void
want(const struct fg_prefix *p, uint8_t origin, uint32_t cls, uint32_t pps)
{
	if (nwant == cap_want)
		wants = grow(wants, &cap_want, sizeof(*wants));
	wants[nwant++] = (struct want){ *p, origin, cls, pps };
}

static int
want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	if (x->origin != y->origin)
		return x->origin < y->origin ? -1 : 1;    /* list blocks first */
	return x->pps != y->pps ? (x->pps < y->pps ? 1 : -1) : 0;
}

/* The block list's prefixes (not the cluster's) and the allow list. */
static void
scan_lists(struct feed *f)
{
	const struct fg_pfxset *set = fg_shm_pfx(&f->c.h);
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint64_t pos = 0;
	uint32_t in;

	f->nallow = 0;
	nwant = 0;
	while (fg_pfxset_next(set, &pos, &p, &in, m) == 1) {
		if (in & (1u << FG_PFX_LIST_ALLOW)) {
			if (f->nallow == f->cap_allow)
				f->allow = grow(f->allow, &f->cap_allow, sizeof(*f->allow));
			f->allow[f->nallow++] = p;
		}
		if ((in & (1u << FG_PFX_LIST_BLOCK)) &&
		    !fg_tag_bgp(fg_tag_name(&f->s->tags, m[FG_PFX_LIST_BLOCK].tag)))
			want(&p, FG_BGP_O_LIST, FG_CLASS_COUNT, 0);
	}
}

/* The flood-blocked sources as the data plane last published them. */
static void
scan_bans(struct feed *f)
{
	static struct fg_shm_bans bans;
	const struct fg_shm_ban *ban = bans.b;
	uint32_t n = 0;

	if (fg_shm_seq_read(&f->s->stats_seq, &bans, &f->s->bans, sizeof(bans)) == 0)
		n = bans.n < FG_SHM_BANS ? bans.n : FG_SHM_BANS;
	for (uint32_t i = 0; i < n; i++) {
		struct fg_prefix p = { .len = 128 };
		struct route *r;

		memcpy(p.addr, ban[i].addr, 16);
		r = find(&p, false);
		/* announced: it stays while the source is held, however little
		 * of its flood still reaches us (the router drops the rest) */
		if (ban[i].pps >= f->b->min_pps || (r != NULL && r->sent))
			want(&p, FG_BGP_O_AUTO, ban[i].cls, ban[i].pps);
	}
}

static void
set_state(struct route *r, uint8_t state, uint8_t reason, uint64_t now)
{
	if (r->state != state || r->reason != reason || r->since_ms == 0)
		r->since_ms = now;
	r->state = state;
	r->reason = reason;
}

/* The lists again when a transaction changed them, else every 5 s (for
 * entries that expired): a million prefixes take a while to walk. */
static void
plan(struct feed *f, uint64_t now)
{
	uint64_t seq = __atomic_load_n(&f->s->done_seq, __ATOMIC_ACQUIRE);
	uint32_t kept = 0;

	if (seq != f->lists_seq || now - f->lists_ms >= 5000) {
		f->lists_seq = seq;
		f->lists_ms = now;
		scan_lists(f);
		f->nlist = nwant;
	}
	nwant = f->nlist;
	scan_bans(f);
	if (nwant > f->nlist)
		qsort(wants + f->nlist, nwant - f->nlist, sizeof(*wants), want_cmp);
	memset(f->refused, 0, sizeof(f->refused));
	for (uint32_t i = 0; i < HSLOTS; i++)
		tab[i].wanted = false;
	if (ntab > HSLOTS / 4)
		compact();
	for (uint32_t i = 0; i < nwant; i++) {
		const struct want *w = &wants[i];
		struct route *e = find(&w->p, false);
		enum fg_bgp_refusal r;

		if (e != NULL && e->wanted)  /* a list block that is also flood-blocked */
			continue;
		r = fg_bgp_rails(f->b, &w->p, f->allow, f->nallow);
		if (r == FG_BGP_R_NONE && kept == f->b->max_routes)
			r = FG_BGP_R_MAX_ROUTES;
		f->refused[r]++;
		if (e == NULL)
			e = find(&w->p, r == FG_BGP_R_NONE || i < FG_BGP_ROUTES);
		if (e == NULL)
			continue;
		e->origin = w->origin;
		e->cls = w->cls;
		/* announced: the heaviest it was (the router drops the rest) */
		e->pps = e->sent && e->pps > w->pps ? e->pps : w->pps;
		if (r == FG_BGP_R_NONE) {
			e->wanted = true;
			kept++;
			if (!e->sent)
				set_state(e, FG_BGP_S_PENDING, 0, now);
		} else {
			e->wanted = !e->sent;    /* kept to show why; withdrawn if sent */
			set_state(e, FG_BGP_S_REFUSED, (uint8_t)r, now);
		}
	}
}

/*
 * The commands of one pass: each block's FlowSpec rules at once, the
 * unicast routes of a family gathered into one command of up to BATCH
 * (exabgp parses one command of 256 routes about as fast as one route).
 */
#define BATCH 256

struct batch {
	bool withdraw;
	uint32_t n[2];                     /* IPv4, IPv6 */
	struct fg_prefix p[2][BATCH];
};

static void
flush(struct feed *f, struct batch *bt, int fam)
{
	static char out[BATCH * 48 + 512];

	if (bt->n[fam] != 0 &&
	    fg_bgp_unicast_batch(f->b, bt->p[fam], bt->n[fam], bt->withdraw, out, sizeof(out)) == 1) {
		fputs(out, stdout);
		f->inflight++;
	}
	bt->n[fam] = 0;
}

static void
send(struct feed *f, struct batch *bt, const struct route *r)
{
	char out[4096];
	int fam = fg_prefix_v4(&r->p) ? 0 : 1;
	int n = fg_bgp_commands(f->b, &r->p, r->cls, bt->withdraw, FG_BGP_C_FLOW, out,
				sizeof(out));

	if (n > 0) {
		fputs(out, stdout);
		f->inflight += (uint32_t)n;
	}
	bt->p[fam][bt->n[fam]++] = r->p;
	if (bt->n[fam] == BATCH)
		flush(f, bt, fam);
	if (bt->withdraw)
		f->st->withdraws++;
	else
		f->st->announces++;
}

/* Withdraw what is no longer wanted, then announce, at most
 * max_updates_s routes a second. A withdrawn route keeps its slot (the
 * table is open-addressed) until compact(). */
static void
update(struct feed *f, uint64_t now)
{
	static struct batch bt;
	double cap = f->b->max_updates_s;

	f->tokens += cap * (double)(now - f->last_ms) / 1000.0;
	if (f->tokens > cap)
		f->tokens = cap;
	f->last_ms = now;
	for (int pass = 0; pass < 2; pass++) {
		bt.withdraw = pass == 0;
		for (uint32_t i = 0; i < HSLOTS; i++) {
			struct route *r = &tab[i];
			bool go = pass == 0 ? r->used && r->sent &&
					      (!r->wanted || r->state == FG_BGP_S_REFUSED) :
					      r->used && !r->sent && r->wanted &&
					      r->state == FG_BGP_S_PENDING;

			if (!go)
				continue;
			if (f->tokens < 1) {
				f->st->deferred++;
				continue;
			}
			f->tokens -= 1;
			send(f, &bt, r);
			r->sent = pass != 0;
			if (pass != 0)
				set_state(r, FG_BGP_S_ANNOUNCED, 0, now);
			else if (r->state != FG_BGP_S_REFUSED)
				r->wanted = false;
		}
		flush(f, &bt, 0);
		flush(f, &bt, 1);
	}
	fflush(stdout);
}

static void
withdraw_all(struct feed *f)
{
	static struct batch bt = { .withdraw = true };

	for (uint32_t i = 0; i < HSLOTS; i++)
		if (tab[i].used && tab[i].sent) {
			send(f, &bt, &tab[i]);
			tab[i].sent = false;
		}
	flush(f, &bt, 0);
	flush(f, &bt, 1);
	fflush(stdout);
}

static void
publish(struct feed *f, uint64_t now)
{
	struct fg_shm_bgp *o = &f->s->bgp;
	struct fg_shm_bgp *st = f->st;
	uint32_t n = 0;

	memset(st->now, 0, sizeof(st->now));
	memcpy(st->refused, f->refused, sizeof(st->refused));
	st->refused[FG_BGP_R_NONE] = 0;
	for (int r = 1; r < FG_BGP_R_COUNT; r++)
		st->now[FG_BGP_S_REFUSED] += f->refused[r];
	for (uint32_t i = 0; i < f->b->npeers; i++) {
		snprintf(st->peer[i].addr, sizeof(st->peer[i].addr), "%s", f->b->peer[i]);
		st->peer[i].imported = 0;
	}
	for (uint32_t i = 0; i < nimp; i++)
		if (imp[i].peer >= 0)
			st->peer[imp[i].peer].imported++;
	for (uint32_t i = 0; i < HSLOTS; i++) {
		const struct route *r = &tab[i];

		if (!r->used || (!r->wanted && !r->sent))
			continue;
		if (r->state != FG_BGP_S_REFUSED)
			st->now[r->state]++;
		if (n < FG_BGP_ROUTES) {
			struct fg_bgp_route *x = &st->route[n++];

			*x = (struct fg_bgp_route){ .len = r->p.len, .origin = r->origin,
				.state = r->state, .reason = r->reason, .cls = r->cls,
				.pps = r->pps, .since_unix_ms = r->since_ms };
			memcpy(x->addr, r->p.addr, 16);
		}
	}
	st->nroutes = n;
	st->feed_unix_ms = now;
	st->feed_pid = (int32_t)getpid();
	fg_shm_seq_begin(&o->seq);
	memcpy((uint8_t *)o + offsetof(struct fg_shm_bgp, feed_unix_ms),
	       (uint8_t *)st + offsetof(struct fg_shm_bgp, feed_unix_ms),
	       offsetof(struct fg_shm_bgp, route) - offsetof(struct fg_shm_bgp, feed_unix_ms) +
	       n * sizeof(st->route[0]));
	o->feed_pid = st->feed_pid;
	fg_shm_seq_end(&o->seq);
}

static bool
dp_alive(const struct fg_shm *s)
{
	return !__atomic_load_n(&s->h.stopped, __ATOMIC_ACQUIRE) &&
	       (kill(s->h.pid, 0) == 0 || errno == EPERM);
}

/* The cluster's entries a previous feed took in: they must come again
 * within import_hold_s. */
static void
adopt(struct feed *f)
{
	const struct fg_pfxset *set = fg_shm_pfx(&f->c.h);
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint64_t pos = 0, now = now_ms();
	uint32_t in;

	while (fg_pfxset_next(set, &pos, &p, &in, m) == 1) {
		if (!(in & (1u << FG_PFX_LIST_BLOCK)) ||
		    !fg_tag_bgp(fg_tag_name(&f->s->tags, m[FG_PFX_LIST_BLOCK].tag)))
			continue;
		if (nimp == cap_imp)
			imp = grow(imp, &cap_imp, sizeof(*imp));
		imp[nimp++] = (struct imported){ .p = p, .peer = -1,
			.tag = m[FG_PFX_LIST_BLOCK].tag,
			.deadline_ms = now + (uint64_t)f->b->import_hold_s * 1000 };
	}
}

/* Read what the speaker says for at most @p ms (every whole line to
 * on_line()); @return false when it went away. */
static bool
hear(struct feed *f, char *line, size_t size, size_t *have, int ms)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char *nl, *start = line;
	ssize_t k;

	if (poll(&pfd, 1, ms) <= 0)
		return true;
	k = read(0, line + *have, size - 1 - *have);
	if (k <= 0)
		return false;
	*have += (size_t)k;
	line[*have] = '\0';
	while ((nl = strchr(start, '\n')) != NULL) {
		*nl = '\0';
		on_line(f, start);
		start = nl + 1;
	}
	*have -= (size_t)(start - line);
	memmove(line, start, *have);
	if (*have == size - 1)
		*have = 0;                  /* a line too long: dropped */
	return true;
}

static int
feed(struct feed *f)
{
	static struct fg_shm_bgp st;
	char line[8192];
	size_t have = 0;
	uint64_t stop_ms = 0, t0;

	f->st = &st;
	f->b = &f->s->bgp.cfg;
	st.cfg = *f->b;
	f->last_ms = now_ms();
	f->tokens = f->b->max_updates_s;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	signal(SIGPIPE, SIG_IGN);
	if (f->b->npeers == 0) {
		fc_err("bgp", "feed: [bgp] peers of instance %s is empty: nothing to feed",
		       f->s->h.instance);
		return FC_EXIT_USAGE;
	}
	adopt(f);
	/* a feed before this one (it died, the speaker ran it again) may
	 * have announced what is no longer wanted: the speaker forgets all
	 * it announced, then gets what is wanted now */
	printf("clear adj-rib out\n");
	fflush(stdout);
	f->inflight = 1;
	t0 = now_ms();
	while (f->inflight != 0 && now_ms() - t0 < 5000)
		if (!hear(f, line, sizeof(line), &have, PASS_MS))
			return FC_EXIT_OK;
	for (;;) {
		uint64_t now;

		if (!hear(f, line, sizeof(line), &have, PASS_MS))
			return FC_EXIT_OK;         /* the speaker went away */
		now = now_ms();
		if (!dp_alive(f->s)) {
			if (stop_ms == 0) {
				stop_ms = now;
				f->st->stopped_unix_ms = now;
				fprintf(stderr, "floodctl bgp feed: the data plane stopped: routes "
					"withdrawn in %" PRIu32 " s\n", f->b->hold_s);
			}
			if (now - stop_ms >= (uint64_t)f->b->hold_s * 1000) {
				withdraw_all(f);
				publish(f, now);
				sleep(1);                  /* the speaker sends them */
				if (getppid() == f->s->bgp.speaker_pid)
					kill(getppid(), SIGTERM);
				return FC_EXIT_OK;
			}
			publish(f, now);
			continue;
		}
		age_imports(f, now);
		apply_ops(f);
		/* at once when the lists changed, else every SCAN_MS (the bans) */
		if (now - f->scan_ms >= SCAN_MS ||
		    __atomic_load_n(&f->s->done_seq, __ATOMIC_ACQUIRE) != f->lists_seq) {
			f->scan_ms = now;
			plan(f, now);
		}
		update(f, now);
		publish(f, now);
	}
}

/* --- floodctl bgp: the status --- */

static const char *const origin_names[FG_BGP_O_COUNT] = { "list", "auto" };
static const char *const state_names[FG_BGP_S_COUNT] = { "announced", "pending", "refused" };

static void
print_status(const struct fg_shm_bgp *g, bool json, uint32_t limit)
{
	const struct fg_bgp_cfg *b = &g->cfg;
	uint64_t now = now_ms();
	uint32_t n = g->nroutes < limit ? g->nroutes : limit;
	char pfx[64];

	if (json) {
		printf("{\"enabled\":%s,\"speaker_pid\":%d,\"feed_pid\":%d,\"feed_age_ms\":%"
		       PRIu64 ",\"stopped\":%s,\"sessions\":[", b->npeers ? "true" : "false",
		       g->speaker_pid, g->feed_pid, g->feed_unix_ms ? now - g->feed_unix_ms : 0,
		       g->stopped_unix_ms ? "true" : "false");
		for (uint32_t i = 0; i < b->npeers; i++)
			printf("%s{\"peer\":\"%s\",\"up\":%s,\"since_unix_ms\":%" PRIu64
			       ",\"ups\":%" PRIu64 ",\"downs\":%" PRIu64 ",\"imported\":%u}",
			       i ? "," : "", b->peer[i], g->peer[i].up ? "true" : "false",
			       g->peer[i].since_unix_ms, g->peer[i].ups, g->peer[i].downs,
			       g->peer[i].imported);
		printf("],\"routes\":{");
		for (int s = 0; s < FG_BGP_S_COUNT; s++)
			printf("%s\"%s\":%" PRIu64, s ? "," : "", state_names[s], g->now[s]);
		printf("},\"refused\":{");
		for (int r = 1; r < FG_BGP_R_COUNT; r++)
			printf("%s\"%s\":%" PRIu64, r > 1 ? "," : "", fg_bgp_refusal_name(r),
			       g->refused[r]);
		printf("},\"updates\":{\"announced\":%" PRIu64 ",\"withdrawn\":%" PRIu64
		       ",\"speaker_errors\":%" PRIu64 ",\"deferred\":%" PRIu64 "},"
		       "\"cluster\":{\"imported\":%" PRIu64 ",\"withdrawn\":%" PRIu64
		       ",\"refused\":{", g->announces, g->withdraws, g->speaker_errors,
		       g->deferred, g->imported, g->import_withdrawn);
		for (int r = 1; r < FG_BGP_R_COUNT; r++)
			printf("%s\"%s\":%" PRIu64, r > 1 ? "," : "", fg_bgp_refusal_name(r),
			       g->import_refused[r]);
		printf("}},\"list\":[");
		for (uint32_t i = 0; i < n; i++) {
			const struct fg_bgp_route *x = &g->route[i];
			struct fg_prefix p = { .len = x->len };

			memcpy(p.addr, x->addr, 16);
			printf("%s{\"prefix\":\"%s\",\"origin\":\"%s\",\"state\":\"%s\"", i ? "," : "",
			       fg_prefix_str(&p, pfx, sizeof(pfx)), origin_names[x->origin % 2],
			       state_names[x->state % FG_BGP_S_COUNT]);
			if (x->state == FG_BGP_S_REFUSED)
				printf(",\"why\":\"%s\"", fg_bgp_refusal_name(x->reason));
			if (x->origin == FG_BGP_O_AUTO)
				printf(",\"class\":\"%s\",\"pps\":%u", fg_class_name(x->cls), x->pps);
			printf(",\"since_unix_ms\":%" PRIu64 "}", x->since_unix_ms);
		}
		printf("]}\n");
		return;
	}
	if (b->npeers == 0) {
		printf("bgp: off ([bgp] peers is empty)\n");
		return;
	}
	printf("speaker: pid %d (%s), feed: ", g->speaker_pid, b->speaker);
	if (g->feed_unix_ms == 0)
		printf("not running yet\n");
	else
		printf("pid %d, last pass %" PRIu64 " ms ago%s\n", g->feed_pid,
		       now - g->feed_unix_ms, g->stopped_unix_ms ? " (data plane stopped)" : "");
	for (uint32_t i = 0; i < b->npeers; i++)
		printf("session %s: %s for %" PRIu64 " s (up %" PRIu64 " times, down %" PRIu64
		       "), %u of its routes in the block list\n", b->peer[i],
		       g->peer[i].up ? "up" : "down",
		       g->peer[i].since_unix_ms ? (now - g->peer[i].since_unix_ms) / 1000 : 0,
		       g->peer[i].ups, g->peer[i].downs, g->peer[i].imported);
	printf("routes: %" PRIu64 " announced, %" PRIu64 " pending, %" PRIu64 " refused",
	       g->now[FG_BGP_S_ANNOUNCED], g->now[FG_BGP_S_PENDING], g->now[FG_BGP_S_REFUSED]);
	for (int r = 1; r < FG_BGP_R_COUNT; r++)
		if (g->refused[r] != 0)
			printf(" %s=%" PRIu64, fg_bgp_refusal_name(r), g->refused[r]);
	printf("\nupdates: %" PRIu64 " routes announced, %" PRIu64 " withdrawn, %" PRIu64
	       " commands refused by the speaker, %" PRIu64 " deferred (max_updates_s)\n",
	       g->announces, g->withdraws, g->speaker_errors, g->deferred);
	printf("cluster: %" PRIu64 " taken in, %" PRIu64 " withdrawn, refused:", g->imported,
	       g->import_withdrawn);
	for (int r = 1; r < FG_BGP_R_COUNT; r++)
		if (g->import_refused[r] != 0)
			printf(" %s=%" PRIu64, fg_bgp_refusal_name(r), g->import_refused[r]);
	printf("\n");
	if (n != 0)
		printf("%-24s %-6s %-10s %-12s %-8s %10s\n", "ROUTE", "ORIGIN", "STATE", "WHY",
		       "CLASS", "PPS");
	for (uint32_t i = 0; i < n; i++) {
		const struct fg_bgp_route *x = &g->route[i];
		struct fg_prefix p = { .len = x->len };

		memcpy(p.addr, x->addr, 16);
		printf("%-24s %-6s %-10s %-12s %-8s %10u\n", fg_prefix_str(&p, pfx, sizeof(pfx)),
		       origin_names[x->origin % 2], state_names[x->state % FG_BGP_S_COUNT],
		       x->state == FG_BGP_S_REFUSED ? fg_bgp_refusal_name(x->reason) : "-",
		       x->origin == FG_BGP_O_AUTO ? fg_class_name(x->cls) : "-", x->pps);
	}
}

int
fc_bgp(int argc, char **argv)
{
	static struct feed f;
	static struct fg_shm_bgp g;
	unsigned long limit = 20;
	bool is_feed = false;
	int rc;

	rc = fc_ctx_init(&f.c, "bgp", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	for (int i = 0; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "feed") == 0 && i == 0) {
			is_feed = true;
		} else if (strcmp(argv[i], "-n") == 0) {
			if (i + 1 == argc) {
				fc_err("bgp", "-n: needs a count of routes");
				rc = FC_EXIT_USAGE;
				break;
			}
			limit = strtoul(argv[++i], &end, 10);
			if (*end != '\0' || end == argv[i] || argv[i][0] == '-') {
				fc_err("bgp", "-n %s: a count of routes", argv[i]);
				rc = FC_EXIT_USAGE;
			}
		} else {
			fc_err("bgp", "unknown argument '%s'", argv[i]);
			rc = FC_EXIT_USAGE;
		}
	}
	if (rc != FC_EXIT_OK) {
		fc_ctx_fini(&f.c);
		return rc;
	}
	f.s = f.c.h.s;
	if (is_feed) {
		rc = feed(&f);
	} else {
		g.cfg = f.s->bgp.cfg;
		g.speaker_pid = f.s->bgp.speaker_pid;
		g.feed_pid = f.s->bgp.feed_pid;
		if (fg_shm_seq_read(&f.s->bgp.seq, (uint8_t *)&g + offsetof(struct fg_shm_bgp,
									    feed_unix_ms),
				    (const uint8_t *)&f.s->bgp + offsetof(struct fg_shm_bgp,
									 feed_unix_ms),
				    sizeof(g) - offsetof(struct fg_shm_bgp, feed_unix_ms)) != 0) {
			fc_err("bgp", "the feed's status kept changing: try again");
			rc = FC_EXIT_FAIL;
		} else {
			print_status(&g, f.c.json, (uint32_t)limit);
		}
	}
	fc_ctx_fini(&f.c);
	return rc;
}
