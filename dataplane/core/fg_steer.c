/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fg_steer.h"

static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };

uint32_t
fg_steer_ports(const struct fg_classify_cfg *cc, uint16_t *port, uint8_t *l4, uint8_t *cls,
	       uint32_t max)
{
	uint32_t n = 0;

	for (int t = 0; t < 2; t++) {
		const uint8_t *tab = t == 0 ? cc->tcp : cc->udp;

		for (uint32_t p = 1; p < 65536; p++) {
			if (tab[p] == FG_CLASS_OTHER || tab[p] >= FG_CLASS_MALFORMED)
				continue;
			if (n < max) {
				port[n] = (uint16_t)p;
				l4[n] = t == 0 ? FG_IPPROTO_TCP : FG_IPPROTO_UDP;
				cls[n] = tab[p];
			}
			n++;
		}
	}
	return n;
}

/*
 * The L3 items that match @p p: one IPv4 (mapped) or IPv6 prefix, or,
 * for an IPv6 prefix that holds ::ffff:0:0/96 (::/0, say), IPv6 and
 * every IPv4 address. An empty prefix (len 0, no [protect]) is both.
 * @return how many (1 or 2) in @p ip / @p out.
 */
static unsigned int
l3_split(const struct fg_prefix *p, uint8_t ip[2], struct fg_prefix out[2])
{
	struct fg_prefix any4 = { .len = 96 };
	unsigned int n = 0;

	memcpy(any4.addr, v4map, 12);
	if (p->len >= 96 && memcmp(p->addr, v4map, 12) == 0) {
		ip[0] = 4;
		out[0] = *p;
		return 1;
	}
	ip[n] = 6;
	out[n++] = *p;
	if (fg_prefix_has(p, any4.addr)) {
		ip[n] = 4;
		out[n++] = any4;
	}
	return n;
}

int
fg_steer_build_queue(const struct fg_classify_cfg *cc, const struct fg_prefix *prefix,
		     uint32_t nprefix, struct fg_steer_rule *out, uint32_t max)
{
	static const struct fg_prefix any = { .len = 0 };
	uint16_t port[64];
	uint8_t l4[64], cls[64];
	uint32_t np = fg_steer_ports(cc, port, l4, cls, 64), n = 0;

	if (np > 64)
		return -ENOSPC;
	for (uint32_t k = 0; k < (nprefix != 0 ? nprefix : 1); k++) {
		struct fg_prefix d[2];
		uint8_t ip[2];
		unsigned int nd = l3_split(nprefix != 0 ? &prefix[k] : &any, ip, d);

		for (unsigned int j = 0; j < nd; j++)
			for (uint32_t i = 0; i < np; i++) {
				if (n == max)
					return -ENOSPC;
				out[n++] = (struct fg_steer_rule){
					.kind = FG_STEER_QUEUE, .ip = ip[j], .l4 = l4[i],
					.cls = cls[i], .dport = port[i],
					.prio = FG_STEER_PRIO_QUEUE, .dst = d[j],
				};
			}
	}
	return (int)n;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct fg_steer_entry *x = a, *y = b;
	int c;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	c = memcmp(x->p.addr, y->p.addr, 16);
	return c != 0 ? c : (int)x->p.len - (int)y->p.len;
}

void
fg_steer_portset_of(const struct fg_classify_cfg *cc, struct fg_steer_portset *ps)
{
	ps->n = fg_steer_ports(cc, ps->port, ps->l4, ps->cls, FG_STEER_PORTS_MAX);
}

uint32_t
fg_steer_drop_rules(const struct fg_steer_portset *ps, struct fg_steer_entry *e, uint32_t n,
		    struct fg_steer_rule *out, uint32_t max, bool host_only, uint32_t *nin)
{
	const uint16_t *port = ps->port;
	const uint8_t *l4 = ps->l4, *cls = ps->cls;
	uint32_t np = ps->n, nr = 0;

	*nin = 0;
	if (np > FG_STEER_PORTS_MAX)
		return 0;   /* more protected ports than rules are worth: software */
	qsort(e, n, sizeof(*e), entry_cmp);
	for (uint32_t k = 0; k < n && nr < max; k++) {
		struct fg_prefix s[2];
		uint8_t ip[2];
		unsigned int ns = l3_split(&e[k].p, ip, s);
		uint32_t need = 0;

		if (host_only && e[k].p.len != 128)
			continue;
		for (uint32_t i = 0; i < np; i++)
			need += (e[k].classes >> cls[i]) & 1;
		need *= ns;
		if (need == 0 || nr + need > max)
			continue;
		for (unsigned int j = 0; j < ns; j++)
			for (uint32_t i = 0; i < np; i++)
				if ((e[k].classes >> cls[i]) & 1)
					out[nr++] = (struct fg_steer_rule){
						.kind = FG_STEER_DROP, .ip = ip[j], .l4 = l4[i],
						.cls = cls[i], .dport = port[i],
						.prio = FG_STEER_PRIO_DROP, .src = s[j], .entry = k,
					};
		(*nin)++;
	}
	return nr;
}

uint32_t
fg_steer_build_drop(const struct fg_classify_cfg *cc, struct fg_steer_entry *e, uint32_t n,
		    struct fg_steer_rule *out, uint32_t max, bool host_only, uint32_t *nin)
{
	struct fg_steer_portset ps;

	fg_steer_portset_of(cc, &ps);
	return fg_steer_drop_rules(&ps, e, n, out, max, host_only, nin);
}

static int
pfx_str(const struct fg_prefix *p, char *buf, size_t len)
{
	char *s = NULL;
	size_t sl = 0;
	FILE *f = open_memstream(&s, &sl);
	int n;

	if (f == NULL)
		return snprintf(buf, len, "?");
	fg_prefix_print(p, f);
	fclose(f);
	n = snprintf(buf, len, "%s", s != NULL ? s : "?");
	free(s);
	return n;
}

void
fg_steer_rule_print(const struct fg_steer_rule *r, char *buf, size_t len)
{
	char src[64] = "any", dst[64] = "any";

	if (r->src.len != 0 && !(r->ip == 4 && r->src.len == 96))
		pfx_str(&r->src, src, sizeof(src));
	if (r->dst.len != 0 && !(r->ip == 4 && r->dst.len == 96))
		pfx_str(&r->dst, dst, sizeof(dst));
	snprintf(buf, len, "%s ipv%u %s src %s dst %s dport %u", r->kind == FG_STEER_DROP ?
		 "drop" : "queue", r->ip, r->l4 == FG_IPPROTO_TCP ? "tcp" : "udp", src, dst,
		 r->dport);
}

int
fg_steer_probe_count(int (*validate)(void *arg, bool count), void *arg, bool *count)
{
	int rc = validate(arg, true);

	*count = rc == 0;
	return rc == 0 ? 0 : validate(arg, false);
}

uint64_t
fg_steer_count_fold(struct fg_steer_count *t, struct fg_steer_hits *h, bool list, uint8_t cls,
		    int qrc, bool hits_set, uint64_t hits)
{
	uint64_t *d, n;

	if (qrc != 0 || !hits_set)
		return 0;
	if (hits < h->hits) {
		h->hits = hits;
		h->pps = 0;
		return 0;
	}
	n = hits - h->hits;
	d = &t->dropped[list][cls < FG_CLASS_COUNT ? cls : 0];
	__atomic_store_n(d, __atomic_load_n(d, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
	h->pps = n;
	h->hits = hits;
	return n;
}

void
fg_steer_count_into(const struct fg_steer_count *t, uint64_t *rx, struct fg_parse_counters *parse,
		    struct fg_limit_stats *lim)
{
	for (unsigned int l = 0; l < 2; l++)
		for (unsigned int k = 0; k < FG_CLASS_COUNT; k++) {
			uint64_t n = __atomic_load_n(&t->dropped[l][k], __ATOMIC_RELAXED);

			*rx += n;
			parse->cls[k] += n;
			parse->reason[FG_R_OK] += n;
			lim->verdict[l ? FG_V_BLOCKED : FG_V_FLOOD_BLOCKED] += n;
		}
}

uint64_t
fg_steer_count_total(const struct fg_steer_count *t)
{
	uint64_t all = 0;

	for (unsigned int l = 0; l < 2; l++)
		for (unsigned int k = 0; k < FG_CLASS_COUNT; k++)
			all += __atomic_load_n(&t->dropped[l][k], __ATOMIC_RELAXED);
	return all;
}
