/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NIC rules through rte_flow (docs/steering.md): fg_steer.h's rules as
 * patterns and actions. At start (main lcore): in host mode the port is
 * isolated before it is configured, and once started gets the steering
 * rules (protected ports to the workers' queues); a rule the PMD refuses
 * undoes them all (the port then gives every packet to the workers, as
 * without steering). The port facing the outside gets drop rules if the
 * PMD validates one. Then the list thread is the only caller: it keeps
 * the drop rules in step with the block list and the flood-blocked
 * sources, and reads their counters. A change of the block list touches
 * the rules of the prefixes it added or deleted only (fg_flow_block_touch());
 * once a second the flood-blocked sources' rules are decided again from
 * the bans, and the whole list is walked (fg_steer_drop_rules() over
 * every entry) only at start and after rules left the NIC while
 * block-list entries waited in software for room.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_malloc.h>

#include "fg_dp.h"
#include "fg_rss.h"
#include "fg_steer.h"

#define FG_FLOW_QUEUE_RULES 256   /* steering rules of one port at most */

/* One rule as rte_flow wants it: the attribute, items and actions. */
struct flow_spec {
	struct rte_flow_attr attr;
	struct rte_flow_item item[4];
	struct rte_flow_item_ipv4 ip4, ip4m;
	struct rte_flow_item_ipv6 ip6, ip6m;
	struct rte_flow_item_tcp tcp, tcpm;
	struct rte_flow_item_udp udp, udpm;
	struct rte_flow_action act[3];
	struct rte_flow_action_rss rss;
	struct rte_flow_action_queue queue;
	struct rte_flow_action_count count;
	uint16_t queues[RTE_MAX_QUEUES_PER_PORT];
};

/* A drop rule in the NIC. */
struct hw_rule {
	struct fg_steer_rule r;
	struct fg_prefix owner;  /* its blocked source: an IPv6 prefix that holds every
				  * IPv4 address has IPv4 rules too, under it */
	struct rte_flow *f;
	struct fg_steer_hits c;  /* its COUNT: as last read, in the last second */
	uint64_t weight;         /* its entry's rate when chosen (flood blocks: lightest out first) */
	bool list;               /* of a block-list entry (else a flood block) */
};

static struct {
	uint16_t drop_port;      /* UINT16_MAX: no drop rules */
	bool count_ok;           /* the drop rules count */
	bool host_only;          /* the PMD may ignore a partial address mask */
	uint32_t max;            /* [dataplane] hw_drop_rules */
	struct fg_steer_portset ports; /* the protected ports, read once */
	struct hw_rule *hw;      /* installed, sorted by hw_cmp(): an entry's rules are one run */
	struct hw_rule *hw_next; /* merge()'s result, then swapped with hw */
	uint32_t nhw;
	uint32_t nlist_hw;       /* block-list entries in the NIC */
	uint32_t nflood_hw;      /* flood-blocked sources in the NIC */
	uint32_t nflood_want;    /* flood-blocked sources wanted at the last pass */
	struct fg_steer_rule *want;
	struct fg_steer_entry *ent;
	uint32_t ent_cap;
	struct flow_spec *spec;
	struct fg_prefix *touched; /* block-list prefixes added or deleted since the last update */
	uint32_t ntouched, touched_cap;
	bool full;               /* a touched prefix was lost: the next update walks the list */
	bool refill;             /* rules left the NIC while list entries wait in software */
	uint64_t changes, refused; /* rules created and destroyed, refused, since published */
	uint64_t flow_tsc;       /* cycles in rte_flow calls since fg_flow_block_changed() began */
	uint32_t flow_calls;
	struct fg_shm_ban *bans; /* the last flood-blocked sources read */
	uint32_t nbans;
	/* packets the drop rules counted (list thread writes, the main
	 * lcore reads: relaxed 64-bit loads and stores) */
	struct fg_steer_count count;
	struct rte_flow *queue_flow[FG_SHM_PORTS][FG_FLOW_QUEUE_RULES];
	uint32_t nqueue[FG_SHM_PORTS];
} fl = { .drop_port = UINT16_MAX };

static struct fg_shm_steer *
status(struct fg_dp *dp)
{
	static bool init;

	if (dp->shm == NULL || dp->shm_private)
		return NULL;
	if (!init)
		dp->shm->steer.drop_port = UINT32_MAX;
	init = true;
	return &dp->shm->steer;
}

void
fg_flow_note(struct fg_dp *dp, uint32_t level, const char *fmt, ...)
{
	struct fg_shm_steer *st = status(dp);
	char line[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rte_log(level, fg_logtype, "floodguard: %s\n", line);
	if (st == NULL)
		return;
	n = strnlen(st->text, sizeof(st->text));
	snprintf(st->text + n, sizeof(st->text) - n, "%s\n", line);
}

/* an INFO line of the NIC rules' status */
#define status_line(dp, ...) fg_flow_note(dp, RTE_LOG_INFO, __VA_ARGS__)

static void
mask_prefix(uint8_t *addr, uint8_t *mask, const uint8_t *from, unsigned int bytes,
	    unsigned int len)
{
	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int bits = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;

		mask[i] = (uint8_t)(0xff00u >> bits);
		addr[i] = from[i] & mask[i];
	}
}

/* @p r as rte_flow items and actions; @p nq queues for RSS (1: QUEUE). */
static void
spec_of(const struct fg_steer_rule *r, uint16_t nq, uint64_t rss_types, bool count,
	struct flow_spec *s)
{
	unsigned int a = 0;

	memset(s, 0, sizeof(*s));
	s->attr = (struct rte_flow_attr){ .ingress = 1, .priority = r->prio };
	s->item[0].type = RTE_FLOW_ITEM_TYPE_ETH;
	if (r->ip == 4) {
		mask_prefix((uint8_t *)&s->ip4.hdr.src_addr, (uint8_t *)&s->ip4m.hdr.src_addr,
			    r->src.addr + 12, 4, r->src.len >= 96 ? r->src.len - 96u : 0);
		mask_prefix((uint8_t *)&s->ip4.hdr.dst_addr, (uint8_t *)&s->ip4m.hdr.dst_addr,
			    r->dst.addr + 12, 4, r->dst.len >= 96 ? r->dst.len - 96u : 0);
		s->ip4.hdr.next_proto_id = r->l4;
		s->ip4m.hdr.next_proto_id = 0xff;
		s->item[1] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV4,
			.spec = &s->ip4, .mask = &s->ip4m };
	} else {
		mask_prefix(s->ip6.hdr.src_addr, s->ip6m.hdr.src_addr, r->src.addr, 16, r->src.len);
		mask_prefix(s->ip6.hdr.dst_addr, s->ip6m.hdr.dst_addr, r->dst.addr, 16, r->dst.len);
		s->ip6.hdr.proto = r->l4;
		s->ip6m.hdr.proto = 0xff;
		s->item[1] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_IPV6,
			.spec = &s->ip6, .mask = &s->ip6m };
	}
	if (r->l4 == FG_IPPROTO_TCP) {
		s->tcp.hdr.dst_port = rte_cpu_to_be_16(r->dport);
		s->tcpm.hdr.dst_port = 0xffff;
		s->item[2] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_TCP,
			.spec = &s->tcp, .mask = &s->tcpm };
	} else {
		s->udp.hdr.dst_port = rte_cpu_to_be_16(r->dport);
		s->udpm.hdr.dst_port = 0xffff;
		s->item[2] = (struct rte_flow_item){ .type = RTE_FLOW_ITEM_TYPE_UDP,
			.spec = &s->udp, .mask = &s->udpm };
	}
	s->item[3].type = RTE_FLOW_ITEM_TYPE_END;
	if (r->kind == FG_STEER_DROP) {
		s->act[a++].type = RTE_FLOW_ACTION_TYPE_DROP;
	} else if (nq <= 1) {
		s->queue.index = 0;
		s->act[a++] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_QUEUE,
			.conf = &s->queue };
	} else {
		for (uint16_t q = 0; q < nq; q++)
			s->queues[q] = q;
		s->rss = (struct rte_flow_action_rss){ .func = RTE_ETH_HASH_FUNCTION_DEFAULT,
			.types = rss_types, .queue_num = nq, .queue = s->queues };
		s->act[a++] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_RSS,
			.conf = &s->rss };
	}
	if (count)
		s->act[a++] = (struct rte_flow_action){ .type = RTE_FLOW_ACTION_TYPE_COUNT,
			.conf = &s->count };
	s->act[a].type = RTE_FLOW_ACTION_TYPE_END;
}

static const char *
why(const struct rte_flow_error *e, int rc)
{
	return e->message != NULL ? e->message : rte_strerror(-rc);
}

int
fg_flow_isolate(struct fg_dp *dp, uint16_t port)
{
	struct rte_flow_error e = { 0 };
	int rc;

	if (dp->cfg->steering == FG_STEERING_OFF || dp->cfg->mode != FG_MODE_HOST ||
	    port >= FG_SHM_PORTS)
		return 0;
	rc = rte_flow_isolate(port, 1, &e);
	if (rc == 0) {
		if (status(dp) != NULL)
			status(dp)->isolated |= 1u << port;
		return 0;
	}
	if (dp->cfg->steering == FG_STEERING_REQUIRED) {
		FG_LOG(ERR, "[dataplane] steering = required: port %u refuses isolation "
		       "(rte_flow_isolate, errno=%i): %s", port, -rc, why(&e, rc));
		return -ENOTSUP;
	}
	status_line(dp, "port %u: not isolated, no steering rules (rte_flow_isolate: %s): every "
		    "packet reaches the workers, the unprotected go on to the exception port", port,
		    why(&e, rc));
	return 0;
}

/* Undo the steering of @p port: its rules, its isolation (restarts it). */
static void
unsteer(struct fg_dp *dp, uint16_t port)
{
	struct rte_flow_error e;

	for (uint32_t i = 0; i < fl.nqueue[port]; i++)
		rte_flow_destroy(port, fl.queue_flow[port][i], &e);
	fl.nqueue[port] = 0;
	if (status(dp) != NULL && (status(dp)->isolated >> port) & 1) {
		rte_eth_dev_stop(port);
		if (rte_flow_isolate(port, 0, &e) == 0)
			status(dp)->isolated &= ~(1u << port);
		if (rte_eth_dev_start(port) != 0)
			FG_LOG(ERR, "port %u: restart after un-isolating failed", port);
	}
}

/* Host mode: the steering rules of @p port. @return 0, or -ENOTSUP
 * (required: what was refused is logged). */
static int
steer_queues(struct fg_dp *dp, uint16_t port, uint16_t nq, const struct rte_eth_dev_info *di)
{
	const struct fg_config *c = dp->cfg;
	struct fg_steer_rule r[FG_FLOW_QUEUE_RULES];
	uint64_t types;
	struct flow_spec *s = malloc(sizeof(*s));
	int n = fg_steer_build_queue(&c->classify, c->prefix, c->nprefix, r, RTE_DIM(r));
	struct rte_flow_error e;
	char txt[200];
	int rc = 0, i;

	if (s == NULL)
		return -ENOMEM;
	(void)fg_rss_types(c->rss, di->flow_type_rss_offloads, &types, NULL);  /* the port's */
	if (n < 0) {
		snprintf(txt, sizeof(txt), "more than %zu steering rules ([protect] prefixes "
			 "times protected ports)", RTE_DIM(r));
		rc = n;
		goto refused;
	}
	for (i = 0; i < n; i++) {
		struct rte_flow *f;

		spec_of(&r[i], nq, types, false, s);
		memset(&e, 0, sizeof(e));
		rc = rte_flow_validate(port, &s->attr, s->item, s->act, &e);
		f = rc == 0 ? rte_flow_create(port, &s->attr, s->item, s->act, &e) : NULL;
		if (f == NULL) {
			rc = rc != 0 ? rc : -rte_errno;
			fg_steer_rule_print(&r[i], txt, sizeof(txt));
			snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), " (%s %s)",
				 nq > 1 ? "RSS over" : "queue of", nq > 1 ? "the workers' queues" :
				 "the worker");
			goto refused;
		}
		fl.queue_flow[port][fl.nqueue[port]++] = f;
	}
	if (status(dp) != NULL)
		status(dp)->queue_hw += (uint32_t)n;
	status_line(dp, "port %u (%s): %d steering rules in the NIC (protected ports%s to "
		    "%u queues)%s", port, di->driver_name, n, c->nprefix != 0 ?
		    " of the [protect] prefixes" : "", nq,
		    status(dp) != NULL && (status(dp)->isolated >> port) & 1 ?
		    "; isolated: everything else stays with the kernel" : "");
	free(s);
	return 0;
refused:
	free(s);
	if (c->steering == FG_STEERING_REQUIRED) {
		FG_LOG(ERR, "[dataplane] steering = required: port %u (%s) refuses %s: %s", port,
		       di->driver_name, txt, n < 0 ? "no room" : why(&e, rc));
		return -ENOTSUP;
	}
	unsteer(dp, port);
	status_line(dp, "port %u (%s): steering in software: the NIC refuses %s: %s; every "
		    "packet reaches the workers", port, di->driver_name, txt,
		    n < 0 ? "no room" : why(&e, rc));
	return 0;
}

/*
 * Whether the PMD matches an address under a partial mask (a prefix).
 * i40e's flow director takes an address into the input set only under a
 * full mask and ignores a partial one (i40e_flow.c): a /24 rule would
 * match every source. Known to honour masks: mlx5, TAP (tc flower).
 */
static bool
prefix_masks(const struct rte_eth_dev_info *di)
{
	return strcmp(di->driver_name, "mlx5_pci") == 0 || strcmp(di->driver_name, "net_mlx5") == 0 ||
	       strcmp(di->driver_name, "net_tap") == 0;
}

struct drop_probe {
	uint16_t port;
	const struct fg_steer_rule *r;
	uint32_t n;
	struct flow_spec *s;
	struct rte_flow_error e;
	char txt[200];
};

/* fg_steer_probe_count()'s validate: every rule of @p arg, with COUNT or not. */
static int
probe_validate(void *arg, bool count)
{
	struct drop_probe *pr = arg;
	int rc = 0;

	for (uint32_t i = 0; i < pr->n && rc == 0; i++) {
		spec_of(&pr->r[i], 1, 0, count, pr->s);
		memset(&pr->e, 0, sizeof(pr->e));
		rc = rte_flow_validate(pr->port, &pr->s->attr, pr->s->item, pr->s->act, &pr->e);
		if (rc != 0)
			fg_steer_rule_print(&pr->r[i], pr->txt, sizeof(pr->txt));
	}
	return rc;
}

/* Whether @p port takes a drop rule (with COUNT?): validated, not created. */
static int
probe_drop(struct fg_dp *dp, uint16_t port, const struct rte_eth_dev_info *di)
{
	const struct fg_config *c = dp->cfg;
	struct fg_steer_entry ent = { .classes = FG_STEER_ALL_CLASSES, .weight = 1 };
	struct fg_steer_rule r[2 * 64];
	struct drop_probe pr = { .port = port, .r = r };
	struct rte_flow_error e;
	uint32_t nin, n;
	char txt[200];
	int rc;

	if (c->hw_drop_rules == 0) {
		status_line(dp, "port %u (%s): drop rules off ([dataplane] hw_drop_rules = 0): "
			    "blocked sources are dropped in software", port, di->driver_name);
		return 0;
	}
	/* 192.0.2.1 (TEST-NET-1): the rules a blocked /32 takes */
	ent.p.len = 128;
	ent.p.addr[10] = ent.p.addr[11] = 0xff;
	ent.p.addr[12] = 192, ent.p.addr[14] = 2, ent.p.addr[15] = 1;
	n = fg_steer_build_drop(&c->classify, &ent, 1, r, RTE_DIM(r), false, &nin);
	if (n == 0) {
		status_line(dp, "port %u: no drop rules: more protected ports than rules are worth",
			    port);
		return 0;
	}
	pr.n = n;
	pr.s = malloc(sizeof(*pr.s));
	if (pr.s == NULL)
		return -ENOMEM;
	rc = fg_steer_probe_count(probe_validate, &pr, &fl.count_ok);
	e = pr.e;
	memcpy(txt, pr.txt, sizeof(txt));
	free(pr.s);
	if (rc == 0) {
		fl.drop_port = port;
		fl.max = c->hw_drop_rules;
		fl.host_only = !prefix_masks(di);
		if (status(dp) != NULL)
			status(dp)->drop_port = port;
		status_line(dp, "port %u (%s): blocked sources dropped in the NIC: up to %u drop "
			    "rules (a blocked /32 takes %u), %s%s", port, di->driver_name, fl.max, n,
			    fl.count_ok ? "counted (COUNT)" : "not counted: the PMD has no COUNT",
			    fl.host_only ? "; single addresses only (prefixes: software)" : "");
		return 0;
	}
	if (c->steering == FG_STEERING_REQUIRED) {
		FG_LOG(ERR, "[dataplane] steering = required: port %u (%s) refuses %s: %s", port,
		       di->driver_name, txt, why(&e, rc));
		return -ENOTSUP;
	}
	status_line(dp, "port %u (%s): blocked sources dropped in software: the NIC refuses %s: "
		    "%s", port, di->driver_name, txt, why(&e, rc));
	return 0;
}

int
fg_flow_start(struct fg_dp *dp, uint16_t port, uint16_t nq, bool outside)
{
	const struct fg_config *c = dp->cfg;
	struct rte_eth_dev_info di;
	int rc;

	if (c->steering == FG_STEERING_OFF) {
		status_line(dp, "port %u: no NIC rules ([dataplane] steering = off): every packet "
			    "reaches the workers, blocked sources are dropped in software", port);
		return 0;
	}
	if (port >= FG_SHM_PORTS)
		return 0;
	rc = rte_eth_dev_info_get(port, &di);
	if (rc != 0)
		return rc;
	/* without isolation every packet reaches the queues anyway: steering
	 * rules would only spend the NIC's rule space */
	if (c->mode == FG_MODE_HOST && status(dp) != NULL && (status(dp)->isolated >> port) & 1) {
		rc = steer_queues(dp, port, nq, &di);
		if (rc != 0)
			return rc;
	}
	return outside ? probe_drop(dp, port, &di) : 0;
}

static int
owner_cmp(const struct fg_prefix *a, const struct fg_prefix *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	return c != 0 ? c : (int)a->len - (int)b->len;
}

/* By entry (its source prefix), then the rule's L3, L4 and port. */
static int
hw_cmp(const void *a, const void *b)
{
	const struct hw_rule *x = a, *y = b;
	int c = owner_cmp(&x->owner, &y->owner);

	if (c != 0)
		return c;
	if (x->r.ip != y->r.ip)
		return x->r.ip - y->r.ip;
	if (x->r.l4 != y->r.l4)
		return x->r.l4 - y->r.l4;
	return (int)x->r.dport - (int)y->r.dport;
}

/* Read @p h's counter; its hits since the last read into the totals. */
static void
count_one(struct hw_rule *h)
{
	struct rte_flow_query_count q = { 0 };
	struct rte_flow_action a[2] = {
		{ .type = RTE_FLOW_ACTION_TYPE_COUNT }, { .type = RTE_FLOW_ACTION_TYPE_END },
	};
	struct rte_flow_error e;
	int rc;

	if (!fl.count_ok)
		return;
	rc = rte_flow_query(fl.drop_port, h->f, a, &q, &e);
	fg_steer_count_fold(&fl.count, &h->c, h->list, h->r.cls, rc, q.hits_set, q.hits);
}

/* Rule @p r into the NIC (timed: the PMD's share of an update). */
static struct rte_flow *
flow_create(const struct fg_steer_rule *r)
{
	struct rte_flow_error e = { 0 };
	uint64_t t0 = rte_rdtsc();
	struct rte_flow *f;

	spec_of(r, 1, 0, fl.count_ok, fl.spec);
	f = rte_flow_create(fl.drop_port, &fl.spec->attr, fl.spec->item, fl.spec->act, &e);
	fl.flow_tsc += rte_rdtsc() - t0;
	fl.flow_calls++;
	if (f == NULL)
		fl.refused++;
	else
		fl.changes++;
	return f;
}

/* @p h out of the NIC, its last hits counted. */
static void
flow_destroy(struct hw_rule *h)
{
	struct rte_flow_error e;
	uint64_t t0 = rte_rdtsc();

	count_one(h);
	rte_flow_destroy(fl.drop_port, h->f, &e);
	fl.flow_tsc += rte_rdtsc() - t0;
	fl.flow_calls++;
	fl.changes++;
}

/* The installed rules of entry @p p: the first's index in *@p lo (where
 * they would go if none), @return how many. */
static uint32_t
run_of(const struct fg_prefix *p, uint32_t *lo)
{
	uint32_t l = 0, h = fl.nhw, n = 0;

	while (l < h) {
		uint32_t mid = l + (h - l) / 2;

		if (owner_cmp(&fl.hw[mid].owner, p) < 0)
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l;
	while (l + n < fl.nhw && owner_cmp(&fl.hw[l + n].owner, p) == 0)
		n++;
	return n;
}

/* The hits a second of the installed rules of entry @p p. */
static uint64_t
hw_pps(const struct fg_prefix *p, bool *any)
{
	uint32_t lo, n = run_of(p, &lo);
	uint64_t pps = 0;

	for (uint32_t i = 0; i < n; i++)
		pps += fl.hw[lo + i].c.pps;
	*any = n != 0;
	return pps;
}

static int
ent_addr_cmp(const void *a, const void *b)
{
	return owner_cmp(&((const struct fg_steer_entry *)a)->p, &((const struct fg_steer_entry *)b)->p);
}

/* The entries in the NIC, recounted from the runs of fl.hw. */
static void
count_entries(void)
{
	fl.nlist_hw = fl.nflood_hw = 0;
	for (uint32_t i = 0; i < fl.nhw; i++)
		if (i == 0 || owner_cmp(&fl.hw[i].owner, &fl.hw[i - 1].owner) != 0) {
			fl.nlist_hw += fl.hw[i].list;
			fl.nflood_hw += !fl.hw[i].list;
		}
}

/* Room for @p n entries. */
static int
ent_room(uint32_t n)
{
	void *a;

	if (n <= fl.ent_cap)
		return 0;
	n = RTE_MAX(n, 2 * fl.ent_cap);
	a = realloc(fl.ent, n * sizeof(*fl.ent));
	if (a == NULL)
		return -ENOMEM;
	fl.ent = a;
	fl.ent_cap = n;
	return 0;
}

/* Block-list entries left in software (no room, or a prefix the NIC may
 * not match): their number, from the set's counts. */
static uint32_t
list_sw(struct fg_dp *dp)
{
	struct fg_pfxset_stats ps;
	uint32_t all;

	fg_pfxset_stats(dp->pfx, &ps);
	all = ps.rules4[FG_PFX_LIST_BLOCK] + ps.rules6[FG_PFX_LIST_BLOCK];
	return all > fl.nlist_hw ? all - fl.nlist_hw : 0;
}

/* The gauges floodctl status prints. */
static void
publish(struct fg_dp *dp)
{
	struct fg_shm_steer *st = status(dp);
	uint32_t sw = list_sw(dp) + (fl.nflood_want > fl.nflood_hw ? fl.nflood_want - fl.nflood_hw :
				     0);

	if (st != NULL) {
		__atomic_store_n(&st->drop_hw, fl.nhw, __ATOMIC_RELAXED);
		__atomic_store_n(&st->entries_hw, fl.nlist_hw + fl.nflood_hw, __ATOMIC_RELAXED);
		__atomic_store_n(&st->entries_sw, sw, __ATOMIC_RELAXED);
		__atomic_store_n(&st->updates, st->updates + fl.changes, __ATOMIC_RELAXED);
		__atomic_store_n(&st->refused, st->refused + fl.refused, __ATOMIC_RELAXED);
	}
	if (fl.refused != 0)
		FG_LOG(WARNING, "port %u: the NIC refused %" PRIu64 " drop rules (full?): "
		       "those sources are dropped in software", fl.drop_port, fl.refused);
	fl.changes = fl.refused = 0;
}

/*
 * fl.hw made equal to the @p nw rules of fl.want (of the entries in
 * fl.ent; a list entry carries the class bit FG_CLASS_OTHER, which no
 * port has): what is in already stays, the rest is created, and the
 * installed rules not wanted are destroyed; with @p flood_only the
 * block-list entries' rules are not the merge's and stay.
 */
static void
merge(struct fg_dp *dp, uint32_t nw, bool flood_only)
{
	uint32_t nn = 0, gone = 0;
	struct hw_rule *t;

	for (uint32_t i = 0; i < nw; i++) {
		const struct fg_steer_entry *en = &fl.ent[fl.want[i].entry];
		struct hw_rule key = { .r = fl.want[i], .owner = en->p }, *h;
		bool list = (en->classes >> FG_CLASS_OTHER) & 1;

		h = fl.nhw != 0 ? bsearch(&key, fl.hw, fl.nhw, sizeof(key), hw_cmp) : NULL;
		if (h != NULL && h->f != NULL) {
			h->list = list;
			h->weight = en->weight;
			fl.hw_next[nn++] = *h;
			h->f = NULL;           /* kept */
			continue;
		}
		key.list = list;
		key.weight = en->weight;
		key.f = flow_create(&key.r);
		if (key.f != NULL)
			fl.hw_next[nn++] = key;
	}
	for (uint32_t k = 0; k < fl.nhw; k++) {
		if (fl.hw[k].f == NULL)
			continue;
		if (flood_only && fl.hw[k].list) {
			fl.hw_next[nn++] = fl.hw[k];
			continue;
		}
		flow_destroy(&fl.hw[k]);
		gone++;
	}
	qsort(fl.hw_next, nn, sizeof(*fl.hw_next), hw_cmp);
	t = fl.hw;
	fl.hw = fl.hw_next;
	fl.hw_next = t;
	fl.nhw = nn;
	count_entries();
	/* the room given back may be a waiting block-list entry's */
	if (gone != 0 && list_sw(dp) != 0)
		fl.refill = true;
}

/*
 * The flood-blocked sources of the last bans read, from fl.ent[@p from]
 * on: one entry per address (its classes together, weighed by its
 * heaviest rate plus what its rules counted), those that send at least
 * min_pps or are in the NIC already. @return the end of fl.ent, or
 * -ENOMEM.
 */
static int64_t
flood_entries(struct fg_dp *dp, uint32_t from)
{
	uint32_t ne = from, k = from;

	for (uint32_t i = 0; i < fl.nbans; i++) {
		const struct fg_shm_ban *b = &fl.bans[i];
		struct fg_prefix a = { .len = 128 };

		memcpy(a.addr, b->addr, 16);
		if (fg_pfxset_get(dp->pfx, FG_PFX_LIST_BLOCK, &a, NULL) == 1)
			continue;
		if (ent_room(ne + 1) != 0)
			return -ENOMEM;
		fl.ent[ne++] = (struct fg_steer_entry){ .p = a, .weight = b->pps,
			.classes = 1u << (b->cls < 32 ? b->cls : 0) };
	}
	/* an address blocked in several classes: sorted by address, the
	 * duplicates folded into the first */
	qsort(&fl.ent[from], ne - from, sizeof(*fl.ent), ent_addr_cmp);
	for (uint32_t i = from; i < ne; i++) {
		if (k > from && owner_cmp(&fl.ent[k - 1].p, &fl.ent[i].p) == 0) {
			fl.ent[k - 1].classes |= fl.ent[i].classes;
			fl.ent[k - 1].weight = RTE_MAX(fl.ent[k - 1].weight, fl.ent[i].weight);
			continue;
		}
		fl.ent[k++] = fl.ent[i];
	}
	ne = k;
	k = from;
	for (uint32_t i = from; i < ne; i++) {
		bool any;
		uint64_t hp = hw_pps(&fl.ent[i].p, &any);

		if (!any && fl.ent[i].weight < dp->cfg->hw_drop_min_pps)
			continue;
		fl.ent[k] = fl.ent[i];
		fl.ent[k++].weight += hp;
	}
	fl.nflood_want = k - from;
	return k;
}

/*
 * Every drop rule decided again (at start, and once a second after rules
 * left the NIC while block-list entries waited in software): the block
 * list's entries first (their rate is not known until they are in the
 * NIC; one in the NIC already keeps its place), then the flood-blocked
 * sources, heaviest first. Walks the whole block list.
 */
static void
drop_sync_full(struct fg_dp *dp)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint32_t in, ne = 0, nw, nin;
	uint64_t pos = 0;
	int64_t end;

	while (fg_pfxset_next(dp->pfx, &pos, &p, &in, m) == 1) {
		bool any;

		if (!(in & FG_PFX_BLOCK))
			continue;
		if (ent_room(ne + 1) != 0)
			return;
		hw_pps(&p, &any);
		fl.ent[ne++] = (struct fg_steer_entry){ .p = p,
			.classes = FG_STEER_ALL_CLASSES | 1u << FG_CLASS_OTHER,
			.weight = any ? UINT64_MAX : UINT64_MAX - 1 };
	}
	end = flood_entries(dp, ne);
	if (end < 0)
		return;
	nw = fg_steer_drop_rules(&fl.ports, fl.ent, (uint32_t)end, fl.want, fl.max, fl.host_only,
				 &nin);
	merge(dp, nw, false);
	fl.refill = false;     /* every waiting entry had its turn */
}

/*
 * Once a second: the flood-blocked sources' rules decided again, within
 * the room the block-list entries leave, heaviest first. Reads the bans
 * (at most FG_SHM_BANS) and the rules in the NIC, not the block list.
 */
static void
drop_sync_flood(struct fg_dp *dp)
{
	uint32_t list_rules = 0, nw, nin;
	int64_t end = flood_entries(dp, 0);

	if (end < 0)
		return;
	for (uint32_t i = 0; i < fl.nhw; i++)
		list_rules += fl.hw[i].list;
	nw = fg_steer_drop_rules(&fl.ports, fl.ent, (uint32_t)end, fl.want,
				 fl.max - RTE_MIN(list_rules, fl.max), fl.host_only, &nin);
	merge(dp, nw, true);
}

/* Rules @p r (@p n, entry @p owner's) into the NIC, all or none.
 * @return 0, or -1 (refused: none is in). */
static int
hw_put(const struct fg_steer_rule *r, uint32_t n, const struct fg_prefix *owner, bool list,
       uint64_t weight)
{
	uint32_t lo, i;

	run_of(owner, &lo);
	memmove(&fl.hw[lo + n], &fl.hw[lo], (fl.nhw - lo) * sizeof(*fl.hw));
	for (i = 0; i < n; i++) {
		struct hw_rule *h = &fl.hw[lo + i];

		*h = (struct hw_rule){ .r = r[i], .owner = *owner, .list = list, .weight = weight };
		h->f = flow_create(&r[i]);
		if (h->f == NULL)
			break;
	}
	if (i < n) {
		while (i-- > 0)
			flow_destroy(&fl.hw[lo + i]);
		memmove(&fl.hw[lo], &fl.hw[lo + n], (fl.nhw - lo) * sizeof(*fl.hw));
		return -1;
	}
	qsort(&fl.hw[lo], n, sizeof(*fl.hw), hw_cmp);
	fl.nhw += n;
	fl.nlist_hw += list;
	fl.nflood_hw += !list;
	return 0;
}

/* The @p n rules from fl.hw[@p lo] (one entry's) out of the NIC. */
static void
hw_out(uint32_t lo, uint32_t n)
{
	bool list = fl.hw[lo].list;

	for (uint32_t i = 0; i < n; i++)
		flow_destroy(&fl.hw[lo + i]);
	memmove(&fl.hw[lo], &fl.hw[lo + n], (fl.nhw - lo - n) * sizeof(*fl.hw));
	fl.nhw -= n;
	fl.nlist_hw -= list;
	fl.nflood_hw -= !list;
}

/*
 * Room for @p need rules of a block-list entry: they outrank flood
 * blocks, so the lightest of those go, but only if that makes room.
 * @return whether there is room.
 */
static bool
room_for(uint32_t need)
{
	uint32_t flood = 0;

	for (uint32_t i = 0; i < fl.nhw; i++)
		flood += !fl.hw[i].list;
	if (fl.max - fl.nhw + flood < need)
		return false;
	while (fl.max - fl.nhw < need) {
		struct fg_prefix p;
		uint32_t best = UINT32_MAX, lo, n;

		for (uint32_t i = 0; i < fl.nhw; i++)
			if (!fl.hw[i].list && (best == UINT32_MAX || fl.hw[i].weight < fl.hw[best].weight))
				best = i;
		p = fl.hw[best].owner;
		n = run_of(&p, &lo);
		hw_out(lo, n);
	}
	return true;
}

/* Block-list prefix @p p, added or deleted: its rules follow. */
static void
block_one(struct fg_dp *dp, const struct fg_prefix *p)
{
	struct fg_steer_entry e = { .p = *p, .classes = FG_STEER_ALL_CLASSES };
	bool in = fg_pfxset_get(dp->pfx, FG_PFX_LIST_BLOCK, p, NULL) == 1;
	uint32_t lo, nin, nr, n = run_of(p, &lo);

	/* in and in the NIC, or out with a flood block's rules in the NIC */
	if (n != 0 && fl.hw[lo].list == in)
		return;
	if (n != 0) {
		/* out of the list, or in it now with a flood block's rules:
		 * those go, to make room or for the entry's own */
		hw_out(lo, n);
		if (!in && list_sw(dp) != 0)
			fl.refill = true;
	}
	if (!in)
		return;
	nr = fg_steer_drop_rules(&fl.ports, &e, 1, fl.want, fl.max, fl.host_only, &nin);
	if (nr != 0 && room_for(nr))
		hw_put(fl.want, nr, p, true, UINT64_MAX);
}

void
fg_flow_block_touch(const struct fg_prefix *p)
{
	if (fl.drop_port == UINT16_MAX)
		return;
	if (fl.ntouched == fl.touched_cap) {
		uint32_t cap = RTE_MAX(64u, 2 * fl.touched_cap);
		void *a = realloc(fl.touched, cap * sizeof(*fl.touched));

		if (a == NULL) {
			fl.full = true;
			return;
		}
		fl.touched = a;
		fl.touched_cap = cap;
	}
	fl.touched[fl.ntouched++] = *p;
}

int
fg_flow_listd_init(struct fg_dp *dp)
{
	if (fl.drop_port == UINT16_MAX)
		return 0;
	fl.hw = malloc(((size_t)fl.max + 1) * sizeof(*fl.hw));
	fl.hw_next = malloc(((size_t)fl.max + 1) * sizeof(*fl.hw_next));
	fl.want = malloc(((size_t)fl.max + 1) * sizeof(*fl.want));
	fl.spec = malloc(sizeof(*fl.spec));
	fl.bans = malloc(FG_SHM_BANS * sizeof(*fl.bans));
	if (fl.hw == NULL || fl.hw_next == NULL || fl.want == NULL || fl.spec == NULL ||
	    fl.bans == NULL || ent_room(1024) != 0) {
		FG_LOG(ERR, "%s(): no memory for %u drop rules: blocked sources dropped in "
		       "software", __func__, fl.max);
		fl.drop_port = UINT16_MAX;
		return -ENOMEM;
	}
	fg_steer_portset_of(&dp->cfg->classify, &fl.ports);
	fl.ntouched = 0;
	drop_sync_full(dp);
	publish(dp);
	return 0;
}

void
fg_flow_block_changed(struct fg_dp *dp, struct fg_flow_took *took)
{
	fl.flow_tsc = 0;
	fl.flow_calls = 0;
	if (fl.drop_port != UINT16_MAX && fl.hw != NULL) {
		if (fl.full) {
			fl.full = false;
			drop_sync_full(dp);
		} else {
			for (uint32_t k = 0; k < fl.ntouched; k++)
				block_one(dp, &fl.touched[k]);
		}
		publish(dp);
	}
	fl.ntouched = 0;
	if (took != NULL) {
		took->flow_ns = fl.flow_tsc * 1000000000ull / rte_get_tsc_hz();
		took->flow_calls = fl.flow_calls;
	}
}

void
fg_flow_second(struct fg_dp *dp)
{
	struct fg_shm_bans *b;
	struct fg_shm_steer *st = status(dp);

	if (fl.drop_port == UINT16_MAX || fl.hw == NULL)
		return;
	for (uint32_t i = 0; i < fl.nhw; i++)
		count_one(&fl.hw[i]);
	b = malloc(sizeof(*b));
	if (b != NULL && dp->shm != NULL &&
	    fg_shm_seq_read(&dp->shm->stats_seq, b, &dp->shm->bans, sizeof(*b)) == 0) {
		fl.nbans = RTE_MIN(b->n, (uint32_t)FG_SHM_BANS);
		memcpy(fl.bans, b->b, fl.nbans * sizeof(*fl.bans));
	}
	free(b);
	/* nothing blocked by flood and no room given back: nothing to do */
	if (fl.refill)
		drop_sync_full(dp);
	else if (fl.nbans != 0 || fl.nflood_hw != 0)
		drop_sync_flood(dp);
	publish(dp);
	if (st != NULL)
		__atomic_store_n(&st->hw_dropped, fg_steer_count_total(&fl.count), __ATOMIC_RELAXED);
}

void
fg_flow_counters(struct fg_counters *c)
{
	fg_steer_count_into(&fl.count, &c->rx, &c->parse, &c->lim);
}

void
fg_flow_stop(struct fg_dp *dp)
{
	struct rte_flow_error e;

	for (uint32_t i = 0; i < fl.nhw; i++)
		rte_flow_destroy(fl.drop_port, fl.hw[i].f, &e);
	fl.nhw = 0;
	for (uint16_t p = 0; p < FG_SHM_PORTS; p++) {
		for (uint32_t i = 0; i < fl.nqueue[p]; i++)
			rte_flow_destroy(p, fl.queue_flow[p][i], &e);
		fl.nqueue[p] = 0;
	}
	free(fl.hw);
	free(fl.hw_next);
	free(fl.want);
	free(fl.ent);
	free(fl.spec);
	free(fl.touched);
	free(fl.bans);
	fl.hw = NULL;
	(void)dp;
}
