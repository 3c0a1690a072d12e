/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NIC rules through rte_flow (docs/steering.md): fg_steer.h's rules as
 * patterns and actions. At start (main lcore): in host mode the port is
 * isolated before it is configured, and once started gets the steering
 * rules (protected ports to the workers' queues); a rule the PMD refuses
 * undoes them all (the port then gives every packet to the workers, as
 * without steering). The port facing the outside gets drop rules if the
 * PMD validates one. Then the list thread is the only caller: it keeps
 * the drop rules equal to what fg_steer_build_drop() makes of the block
 * list and the flood-blocked sources (at each change of the list, and
 * once a second), and reads their counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_malloc.h>

#include "fg_dp.h"
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
	struct rte_flow *f;
	uint64_t hits;           /* its COUNT as last read */
	uint64_t pps;            /* hits in the last second */
	bool list;               /* of a block-list entry (else a flood block) */
};

static struct {
	uint16_t drop_port;      /* UINT16_MAX: no drop rules */
	bool count_ok;           /* the drop rules count */
	bool host_only;          /* the PMD may ignore a partial address mask */
	uint32_t max;            /* [dataplane] hw_drop_rules */
	struct hw_rule *hw;      /* installed, sorted by rule_cmp() */
	uint32_t nhw;
	struct fg_steer_rule *want;
	bool *want_list;
	struct fg_steer_entry *ent;
	bool *ent_list;
	uint32_t ent_cap;
	struct fg_shm_ban *bans; /* the last flood-blocked sources read */
	uint32_t nbans;
	/* packets the drop rules counted: [list entry][class] (list thread
	 * writes, the main lcore reads: relaxed 64-bit loads and stores) */
	uint64_t dropped[2][FG_CLASS_COUNT];
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

static void
status_line(struct fg_dp *dp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
status_line(struct fg_dp *dp, const char *fmt, ...)
{
	struct fg_shm_steer *st = status(dp);
	char line[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	FG_LOG(INFO, "%s", line);
	if (st == NULL)
		return;
	n = strnlen(st->text, sizeof(st->text));
	snprintf(st->text + n, sizeof(st->text) - n, "%s\n", line);
}

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
	uint64_t types = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			 di->flow_type_rss_offloads;
	struct flow_spec *s = malloc(sizeof(*s));
	int n = fg_steer_build_queue(&c->classify, c->prefix, c->nprefix, r, RTE_DIM(r));
	struct rte_flow_error e;
	char txt[200];
	int rc = 0, i;

	if (s == NULL)
		return -ENOMEM;
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

/* Whether @p port takes a drop rule (with COUNT?): validated, not created. */
static int
probe_drop(struct fg_dp *dp, uint16_t port, const struct rte_eth_dev_info *di)
{
	const struct fg_config *c = dp->cfg;
	struct fg_steer_entry ent = { .classes = FG_STEER_ALL_CLASSES, .weight = 1 };
	struct fg_steer_rule r[2 * 64];
	struct rte_flow_error e = { 0 };
	struct flow_spec *s;
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
	s = malloc(sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = -ENOTSUP;
	fg_steer_rule_print(&r[0], txt, sizeof(txt));
	for (int count = 1; count >= 0 && rc != 0; count--) {
		rc = 0;
		for (uint32_t i = 0; i < n && rc == 0; i++) {
			spec_of(&r[i], 1, 0, count, s);
			memset(&e, 0, sizeof(e));
			rc = rte_flow_validate(port, &s->attr, s->item, s->act, &e);
			if (rc != 0)
				fg_steer_rule_print(&r[i], txt, sizeof(txt));
		}
		if (rc == 0)
			fl.count_ok = count;
	}
	free(s);
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
rule_cmp(const struct fg_steer_rule *a, const struct fg_steer_rule *b)
{
	int c = memcmp(a->src.addr, b->src.addr, 16);

	if (c != 0)
		return c;
	if (a->src.len != b->src.len)
		return a->src.len - b->src.len;
	if (a->ip != b->ip)
		return a->ip - b->ip;
	if (a->l4 != b->l4)
		return a->l4 - b->l4;
	return (int)a->dport - (int)b->dport;
}

static int
hw_cmp(const void *a, const void *b)
{
	return rule_cmp(&((const struct hw_rule *)a)->r, &((const struct hw_rule *)b)->r);
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
	uint64_t *t;

	if (!fl.count_ok || rte_flow_query(fl.drop_port, h->f, a, &q, &e) != 0 || !q.hits_set ||
	    q.hits < h->hits)
		return;
	t = &fl.dropped[h->list][h->r.cls < FG_CLASS_COUNT ? h->r.cls : 0];
	__atomic_store_n(t, __atomic_load_n(t, __ATOMIC_RELAXED) + (q.hits - h->hits),
			 __ATOMIC_RELAXED);
	h->pps = q.hits - h->hits;
	h->hits = q.hits;
}

/* The installed rule of @p r, or NULL. */
static struct hw_rule *
installed(const struct fg_steer_rule *r)
{
	struct hw_rule key = { .r = *r };

	return fl.nhw != 0 ? bsearch(&key, fl.hw, fl.nhw, sizeof(key), hw_cmp) : NULL;
}

/* Room for @p n entries. */
static int
ent_room(uint32_t n)
{
	void *a, *b;

	if (n <= fl.ent_cap)
		return 0;
	n = RTE_MAX(n, 2 * fl.ent_cap);
	a = realloc(fl.ent, n * sizeof(*fl.ent));
	if (a != NULL)
		fl.ent = a;
	b = realloc(fl.ent_list, n * sizeof(*fl.ent_list));
	if (b != NULL)
		fl.ent_list = b;
	if (a == NULL || b == NULL)
		return -ENOMEM;
	fl.ent_cap = n;
	return 0;
}

/* The hits a second of the installed rules of source @p p: fl.hw is
 * sorted by source first, so they are one run found by bisection. */
static uint64_t
hw_pps(const struct fg_prefix *p, bool *any)
{
	struct fg_steer_rule key = { .src = *p };
	uint32_t lo = 0, hi = fl.nhw;
	uint64_t pps = 0;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rule_cmp(&fl.hw[mid].r, &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*any = false;
	for (; lo < fl.nhw && fl.hw[lo].r.src.len == p->len &&
	       memcmp(fl.hw[lo].r.src.addr, p->addr, 16) == 0; lo++) {
		pps += fl.hw[lo].pps;
		*any = true;
	}
	return pps;
}

/*
 * The drop rules in the NIC made equal to the block list's entries (list
 * blocks first: their rate is unknown until they are in the NIC) and the
 * flood-blocked sources of the last bans read that send at least
 * min_pps (heaviest first; a source whose rules are in already stays
 * while its penalty lasts).
 */
static void
drop_sync(struct fg_dp *dp)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct rte_flow_error e;
	struct fg_shm_steer *st = status(dp);
	struct flow_spec *s;
	struct hw_rule *nhw;
	struct fg_prefix p;
	uint32_t in, ne = 0, nw, nin, k = 0, nn = 0;
	uint64_t pos = 0, refused = 0, changes = 0;

	/* list entries */
	while (fg_pfxset_next(dp->pfx, &pos, &p, &in, m) == 1) {
		bool any;

		if (!(in & FG_PFX_BLOCK))
			continue;
		if (ent_room(ne + 1) != 0)
			return;
		hw_pps(&p, &any);
		fl.ent[ne] = (struct fg_steer_entry){ .p = p, .classes = FG_STEER_ALL_CLASSES,
			.weight = any ? UINT64_MAX : UINT64_MAX - 1 };
		fl.ent_list[ne++] = true;
	}
	/* flood blocks: one entry per address, its classes together */
	for (uint32_t i = 0; i < fl.nbans; i++) {
		const struct fg_shm_ban *b = &fl.bans[i];
		struct fg_prefix a = { .len = 128 };
		uint32_t j;
		bool any;
		uint64_t hp;

		memcpy(a.addr, b->addr, 16);
		if (fg_pfxset_get(dp->pfx, FG_PFX_LIST_BLOCK, &a, NULL) == 1)
			continue;
		for (j = 0; j < ne; j++)
			if (!fl.ent_list[j] && memcmp(fl.ent[j].p.addr, a.addr, 16) == 0)
				break;
		if (j == ne) {
			hp = hw_pps(&a, &any);
			if (!any && b->pps < dp->cfg->hw_drop_min_pps)
				continue;
			if (ent_room(ne + 1) != 0)
				return;
			fl.ent[ne] = (struct fg_steer_entry){ .p = a, .weight = b->pps + hp };
			fl.ent_list[ne++] = false;
		}
		fl.ent[j].classes |= 1u << (b->cls < 32 ? b->cls : 0);
	}
	/* fl.ent_list follows fl.ent through the sort: carry it in the weight's
	 * order instead: mark list entries by a class bit no port has */
	for (uint32_t i = 0; i < ne; i++)
		if (fl.ent_list[i])
			fl.ent[i].classes |= 1u << FG_CLASS_OTHER;
	nw = fg_steer_build_drop(&dp->cfg->classify, fl.ent, ne, fl.want, fl.max, fl.host_only,
				 &nin);
	/* merge: fl.hw (sorted) against the wanted rules (sorted alike) */
	for (uint32_t i = 0; i < nw; i++)
		fl.want_list[i] = (fl.ent[fl.want[i].entry].classes >> FG_CLASS_OTHER) & 1;
	nhw = malloc((size_t)(fl.max + 1) * sizeof(*nhw));
	s = malloc(sizeof(*s));
	if (nhw == NULL || s == NULL)
		goto out;
	for (uint32_t i = 0; i < nw; i++) {
		struct hw_rule *h = installed(&fl.want[i]);

		if (h != NULL) {
			h->list = fl.want_list[i];
			nhw[nn++] = *h;
			h->f = NULL;           /* kept */
			continue;
		}
		spec_of(&fl.want[i], 1, 0, fl.count_ok, s);
		memset(&e, 0, sizeof(e));
		nhw[nn].f = rte_flow_create(fl.drop_port, &s->attr, s->item, s->act, &e);
		if (nhw[nn].f == NULL) {
			refused++;
			continue;
		}
		nhw[nn].r = fl.want[i];
		nhw[nn].hits = nhw[nn].pps = 0;
		nhw[nn++].list = fl.want_list[i];
		changes++;
	}
	for (k = 0; k < fl.nhw; k++) {
		if (fl.hw[k].f == NULL)
			continue;
		count_one(&fl.hw[k]);
		rte_flow_destroy(fl.drop_port, fl.hw[k].f, &e);
		changes++;
	}
	qsort(nhw, nn, sizeof(*nhw), hw_cmp);
	free(fl.hw);
	fl.hw = nhw;
	fl.nhw = nn;
	nhw = NULL;
	if (st != NULL) {
		__atomic_store_n(&st->drop_hw, nn, __ATOMIC_RELAXED);
		__atomic_store_n(&st->entries_hw, nin, __ATOMIC_RELAXED);
		__atomic_store_n(&st->entries_sw, ne - nin, __ATOMIC_RELAXED);
		__atomic_store_n(&st->updates, st->updates + changes, __ATOMIC_RELAXED);
		__atomic_store_n(&st->refused, st->refused + refused, __ATOMIC_RELAXED);
	}
	if (refused != 0)
		FG_LOG(WARNING, "port %u: the NIC refused %" PRIu64 " drop rules (full?): "
		       "those sources are dropped in software", fl.drop_port, refused);
out:
	free(s);
	free(nhw);
}

int
fg_flow_listd_init(struct fg_dp *dp)
{
	if (fl.drop_port == UINT16_MAX)
		return 0;
	fl.want = malloc(((size_t)fl.max + 1) * sizeof(*fl.want));
	fl.want_list = malloc(((size_t)fl.max + 1) * sizeof(*fl.want_list));
	fl.bans = malloc(FG_SHM_BANS * sizeof(*fl.bans));
	if (fl.want == NULL || fl.want_list == NULL || fl.bans == NULL || ent_room(1024) != 0) {
		FG_LOG(ERR, "%s(): no memory for %u drop rules: blocked sources dropped in "
		       "software", __func__, fl.max);
		fl.drop_port = UINT16_MAX;
		return -ENOMEM;
	}
	drop_sync(dp);
	return 0;
}

void
fg_flow_block_changed(struct fg_dp *dp)
{
	if (fl.drop_port != UINT16_MAX)
		drop_sync(dp);
}

void
fg_flow_second(struct fg_dp *dp)
{
	struct fg_shm_bans *b;
	struct fg_shm_steer *st = status(dp);
	uint64_t all = 0;

	if (fl.drop_port == UINT16_MAX)
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
	drop_sync(dp);
	for (unsigned int l = 0; l < 2; l++)
		for (unsigned int c = 0; c < FG_CLASS_COUNT; c++)
			all += __atomic_load_n(&fl.dropped[l][c], __ATOMIC_RELAXED);
	if (st != NULL)
		__atomic_store_n(&st->hw_dropped, all, __ATOMIC_RELAXED);
}

void
fg_flow_counters(struct fg_counters *c)
{
	for (unsigned int l = 0; l < 2; l++)
		for (unsigned int k = 0; k < FG_CLASS_COUNT; k++) {
			uint64_t n = __atomic_load_n(&fl.dropped[l][k], __ATOMIC_RELAXED);

			c->rx += n;
			c->parse.cls[k] += n;
			c->parse.reason[FG_R_OK] += n;
			c->lim.verdict[l ? FG_V_BLOCKED : FG_V_FLOOD_BLOCKED] += n;
		}
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
	free(fl.want);
	free(fl.want_list);
	free(fl.ent);
	free(fl.ent_list);
	free(fl.bans);
	fl.hw = NULL;
	(void)dp;
}
