/* SPDX-License-Identifier: BSD-3-Clause */
/* The [bgp] settings, the rails, the speaker's commands and its lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_bgp.h"
#include "fg_err.h"

const char *
fg_bgp_refusal_name(unsigned int r)
{
#define FG_BGP_R_NAME_(e, s) s,
	static const char *const name[FG_BGP_R_COUNT] = { FG_BGP_REFUSALS(FG_BGP_R_NAME_) };
#undef FG_BGP_R_NAME_

	return r < FG_BGP_R_COUNT ? name[r] : "?";
}

void
fg_bgp_cfg_default(struct fg_bgp_cfg *b)
{
	*b = (struct fg_bgp_cfg){ .announce = FG_BGP_RTBH, .min_pps = 10000, .max_routes = 1000,
		.max_updates_s = 1000, .import_hold_s = 90, .min_len4 = 24, .min_len6 = 48,
		.next_hop = "192.0.2.1", .next_hop6 = "100::1", .speaker = "/usr/sbin/exabgp" };
}

/* "ASN:VALUE" (16-bit each) or a well-known name into *c. */
static int
community(const char *s, uint32_t *c)
{
	char *end;
	unsigned long a, v;

	if (strcmp(s, "no-export") == 0)
		return *c = FG_BGP_NO_EXPORT, 0;
	if (strcmp(s, "blackhole") == 0)
		return *c = FG_BGP_BLACKHOLE, 0;
	a = strtoul(s, &end, 10);
	if (end == s || *end != ':' || a > 65535)
		return -1;
	s = end + 1;
	v = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || v > 65535)
		return -1;
	*c = (uint32_t)(a << 16 | v);
	return 0;
}

static bool
is_addr(const char *s, int *family)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		return *family = 4, true;
	if (inet_pton(AF_INET6, s, a) == 1)
		return *family = 6, true;
	return false;
}

/* A next hop of family @p want (4, 6) from @p text into @p out; "": the default. */
static int
next_hop(const char *key, const char *text, int want, char out[48], char *err, size_t errlen)
{
	int fam = 0;

	if (text[0] == '\0')
		return 0;
	if (!is_addr(text, &fam) || fam != want)
		return fg_errf(err, errlen, -EINVAL, "[bgp] %s: '%s' is not an IPv%d address", key,
			       text, want);
	snprintf(out, 48, "%s", text);
	return 0;
}

int
fg_bgp_cfg_text(struct fg_bgp_cfg *b, const struct fg_bgp_text *t, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;
	int fam;

	b->npeers = 0;
	snprintf(buf, sizeof(buf), "%s", t->peers);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (!is_addr(tok, &fam))
			return fg_errf(err, errlen, -EINVAL, "[bgp] peers: '%s' is not an address",
				       tok);
		if (b->npeers == FG_BGP_PEERS)
			return fg_errf(err, errlen, -EINVAL, "[bgp] peers: more than %d",
				       FG_BGP_PEERS);
		snprintf(b->peer[b->npeers++], sizeof(b->peer[0]), "%s", tok);
	}
	if (t->speaker[0] != '\0')
		snprintf(b->speaker, sizeof(b->speaker), "%s", t->speaker);
	if (next_hop("next_hop", t->next_hop, 4, b->next_hop, err, errlen) != 0 ||
	    next_hop("next_hop6", t->next_hop6, 6, b->next_hop6, err, errlen) != 0)
		return -EINVAL;
	if (t->announce[0] != '\0') {
		if (strcmp(t->announce, "rtbh") == 0)
			b->announce = FG_BGP_RTBH;
		else if (strcmp(t->announce, "flowspec") == 0)
			b->announce = FG_BGP_FLOWSPEC;
		else if (strcmp(t->announce, "both") == 0)
			b->announce = FG_BGP_RTBH | FG_BGP_FLOWSPEC;
		else
			return fg_errf(err, errlen, -EINVAL,
				       "[bgp] announce: '%s' is not rtbh, flowspec or both",
				       t->announce);
	}
	b->ncomm = 0;
	snprintf(buf, sizeof(buf), "%s", t->communities);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (b->ncomm == FG_BGP_COMMS)
			return fg_errf(err, errlen, -EINVAL, "[bgp] communities: more than %d",
				       FG_BGP_COMMS);
		if (community(tok, &b->comm[b->ncomm++]) != 0)
			return fg_errf(err, errlen, -EINVAL,
				       "[bgp] communities: '%s' is not ASN:VALUE (0-65535 each)",
				       tok);
	}
	b->cluster = 0;
	if (t->cluster_community[0] != '\0' &&
	    (community(t->cluster_community, &b->cluster) != 0 ||
	     b->cluster == FG_BGP_BLACKHOLE || b->cluster == FG_BGP_NO_EXPORT))
		return fg_errf(err, errlen, -EINVAL,
			       "[bgp] cluster_community: '%s' is not ASN:VALUE (0-65535 each, "
			       "not a well-known one)", t->cluster_community);
	if (b->npeers == 0)
		return 0;
	if (!is_addr(t->local_address, &fam))
		return fg_errf(err, errlen, -EINVAL,
			       "[bgp] local_address: '%s' is not an address (needed with peers)",
			       t->local_address);
	snprintf(b->local, sizeof(b->local), "%s", t->local_address);
	if (t->router_id[0] != '\0') {
		if (!is_addr(t->router_id, &fam) || fam != 4)
			return fg_errf(err, errlen, -EINVAL,
				       "[bgp] router_id: '%s' is not a dotted quad", t->router_id);
		snprintf(b->router_id, sizeof(b->router_id), "%s", t->router_id);
	} else if (fam == 4) {
		snprintf(b->router_id, sizeof(b->router_id), "%.15s", t->local_address);
	} else {
		return fg_errf(err, errlen, -EINVAL,
			       "[bgp] router_id: needed when local_address is IPv6");
	}
	if (b->local_as == 0)
		return fg_errf(err, errlen, -EINVAL, "[bgp] local_as: needed with peers");
	if (b->peer_as == 0)
		b->peer_as = b->local_as;
	if (b->max_routes > FG_BGP_ROUTES)
		return fg_errf(err, errlen, -EINVAL, "[bgp] max_routes: at most %d",
			       FG_BGP_ROUTES);
	return 0;
}

bool
fg_prefix_overlap(const struct fg_prefix *a, const struct fg_prefix *b)
{
	return a->len <= b->len ? fg_prefix_has(a, b->addr) : fg_prefix_has(b, a->addr);
}


enum fg_bgp_refusal
fg_bgp_rails(const struct fg_bgp_cfg *b, const struct fg_prefix *p,
	     const struct fg_prefix *allow, uint32_t nallow)
{
	if (fg_prefix_v4(p) ? p->len - 96 < b->min_len4 : p->len < b->min_len6)
		return FG_BGP_R_TOO_SHORT;
	for (uint32_t i = 0; i < b->nprotect; i++)
		if (fg_prefix_overlap(p, &b->protect[i]))
			return FG_BGP_R_PROTECTED;
	for (uint32_t i = 0; i < nallow; i++)
		if (fg_prefix_overlap(p, &allow[i]))
			return FG_BGP_R_ALLOWED;
	return FG_BGP_R_NONE;
}

char *
fg_prefix_str(const struct fg_prefix *p, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (fg_prefix_v4(p)) {
		inet_ntop(AF_INET, p->addr + 12, a, sizeof(a));
		snprintf(buf, n, "%s/%u", a, p->len - 96u);
	} else {
		inet_ntop(AF_INET6, p->addr, a, sizeof(a));
		snprintf(buf, n, "%s/%u", a, p->len);
	}
	return buf;
}

/* " community [ A:B ... ]" of a route: @p extra first, then the configured
 * ones and the cluster's. */
static int
communities(const struct fg_bgp_cfg *b, const uint32_t *extra, int nextra, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, " community [");
	uint32_t all[FG_BGP_COMMS + 4];
	int na = 0;

	for (int i = 0; i < nextra; i++)
		all[na++] = extra[i];
	for (uint32_t i = 0; i < b->ncomm; i++)
		all[na++] = b->comm[i];
	if (b->cluster != 0)
		all[na++] = b->cluster;
	for (int i = 0; i < na && k < n; i++) {
		if (all[i] == FG_BGP_NO_EXPORT)
			k += (size_t)snprintf(out + k, n - k, " no-export");
		else
			k += (size_t)snprintf(out + k, n - k, " %u:%u", all[i] >> 16,
					      all[i] & 0xffff);
	}
	if (k < n)
		k += (size_t)snprintf(out + k, n - k, " ]");
	return na;
}

/* FlowSpec match on the class's ports: " protocol [ ... ] destination-port [ ... ]" */
static void
flow_ports(const uint32_t *ports, bool v4, char *out, size_t n)
{
	bool tcp = false, udp = false;
	size_t k = 0;

	out[0] = '\0';
	if (ports[0] == 0)
		return;
	for (int i = 0; i < FG_BGP_PORTS && ports[i] != 0; i++) {
		tcp |= ports[i] >> 16 == FG_IPPROTO_TCP;
		udp |= ports[i] >> 16 == FG_IPPROTO_UDP;
	}
	k += (size_t)snprintf(out + k, n - k, " %s [%s%s ]", v4 ? "protocol" : "next-header",
			      tcp ? " =tcp" : "", udp ? " =udp" : "");
	k += (size_t)snprintf(out + k, n - k, " destination-port [");
	for (int i = 0; i < FG_BGP_PORTS && ports[i] != 0 && k < n; i++) {
		bool dup = false;

		for (int j = 0; j < i; j++)
			dup |= (ports[j] & 0xffff) == (ports[i] & 0xffff);
		if (!dup)
			k += (size_t)snprintf(out + k, n - k, " =%u", ports[i] & 0xffff);
	}
	if (k < n)
		snprintf(out + k, n - k, " ]");
}

/* " next-hop NH community [ ... ]" of the unicast route of a block of
 * family @p v4; "": none is announced (FlowSpec only, no cluster). */
static void
unicast_attrs(const struct fg_bgp_cfg *b, bool v4, char *out, size_t n)
{
	/* RTBH: BLACKHOLE and NO_EXPORT; the cluster's alone: neither, so
	 * the upstream router's policy does not take it */
	static const uint32_t rtbh[] = { FG_BGP_BLACKHOLE, FG_BGP_NO_EXPORT };
	bool black = b->announce & FG_BGP_RTBH;
	char comm[256];

	out[0] = '\0';
	if (!black && b->cluster == 0)
		return;
	communities(b, rtbh, black ? 2 : 0, comm, sizeof(comm));
	snprintf(out, n, " next-hop %s%s", v4 ? b->next_hop : b->next_hop6, comm);
}

int
fg_bgp_unicast_batch(const struct fg_bgp_cfg *b, const struct fg_prefix *p, uint32_t np,
		     bool withdraw, char *out, size_t n)
{
	char attrs[320], pfx[64];
	size_t k;

	if (np == 0)
		return 0;
	unicast_attrs(b, fg_prefix_v4(&p[0]), attrs, sizeof(attrs));
	if (attrs[0] == '\0')
		return 0;
	k = (size_t)snprintf(out, n, "%s attributes%s nlri", withdraw ? "withdraw" : "announce",
			     attrs);
	for (uint32_t i = 0; i < np && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, " %s", fg_prefix_str(&p[i], pfx, sizeof(pfx)));
	if (k < n)
		k += (size_t)snprintf(out + k, n - k, "\n");
	return k < n ? 1 : -ENOSPC;
}

int
fg_bgp_commands(const struct fg_bgp_cfg *b, const struct fg_prefix *p, unsigned int cls,
		bool withdraw, unsigned int parts, char *out, size_t n)
{
	const char *verb = withdraw ? "withdraw" : "announce";
	char pfx[64], comm[256], ports[256], dst[80], attrs[320];
	bool v4 = fg_prefix_v4(p);
	size_t k = 0;
	int nc = 0;

	fg_prefix_str(p, pfx, sizeof(pfx));
	out[0] = '\0';
	unicast_attrs(b, v4, attrs, sizeof(attrs));
	if ((parts & FG_BGP_C_UNICAST) && attrs[0] != '\0') {
		k += (size_t)snprintf(out + k, n - k, "%s route %s%s\n", verb, pfx, attrs);
		nc++;
	}
	if ((parts & FG_BGP_C_FLOW) && (b->announce & FG_BGP_FLOWSPEC)) {
		uint32_t nd = 0;

		flow_ports(cls < FG_CLASS_COUNT ? b->ports[cls] : (const uint32_t[1]){ 0 }, v4,
			   ports, sizeof(ports));
		communities(b, NULL, 0, comm, sizeof(comm));
		if (b->ncomm == 0 && b->cluster == 0)
			comm[0] = '\0';
		/* one rule per protected prefix of the source's family */
		for (uint32_t i = 0; i <= b->nprotect && k < n; i++) {
			if (i == b->nprotect) {
				if (nd != 0)
					break;
				dst[0] = '\0';
			} else if (fg_prefix_v4(&b->protect[i]) != v4) {
				continue;
			} else {
				char d[64];

				snprintf(dst, sizeof(dst), " destination %s",
					 fg_prefix_str(&b->protect[i], d, sizeof(d)));
				nd++;
			}
			k += (size_t)snprintf(out + k, n - k, "%s flow route source %s%s%s discard%s\n",
					      verb, pfx, dst, ports, comm);
			nc++;
		}
	}
	return k < n ? nc : -ENOSPC;
}

/* The next space-separated word of *s into w (n bytes); "" at the end. */
static const char *
word(const char **s, char *w, size_t n)
{
	const char *p = *s;
	size_t k = 0;

	while (*p == ' ')
		p++;
	while (*p != '\0' && *p != ' ') {
		if (k + 1 < n)
			w[k++] = *p;
		p++;
	}
	w[k] = '\0';
	*s = p;
	return w;
}

/* Whether the attributes after a route (@p s) carry community @p c, and
 * their originator-id into @p origin. Communities come as
 * "community A:B" or "community [ A:B C:D ]". */
static bool
attrs(const char *s, uint32_t c, char *origin, size_t on)
{
	char w[64];
	bool in = false, found = false, list = false;

	while (*word(&s, w, sizeof(w)) != '\0') {
		char *v = w;
		size_t n = strlen(w);
		bool close = n > 0 && w[n - 1] == ']';
		uint32_t got;

		if (strcmp(w, "community") == 0) {
			in = true;
			continue;
		}
		if (strcmp(w, "originator-id") == 0) {
			word(&s, origin, on);
			in = false;
			continue;
		}
		if (!in)
			continue;
		if (*v == '[')
			v++, list = true;
		if (close)
			w[n - 1] = '\0';
		if (community(v, &got) == 0 && c != 0 && got == c)
			found = true;
		if (close || !list)
			in = list = false;
	}
	return found;
}

int
fg_bgp_parse(const char *line, uint32_t cluster, struct fg_bgp_msg *m)
{
	char w[64];
	const char *s = line;

	memset(m, 0, sizeof(*m));
	word(&s, w, sizeof(w));
	if (strcmp(w, "done") == 0)
		return m->kind = FG_BGP_M_DONE, 0;
	if (strcmp(w, "error") == 0)
		return m->kind = FG_BGP_M_ERROR, 0;
	if (strcmp(w, "neighbor") != 0)
		return 0;
	word(&s, m->peer, sizeof(m->peer));
	word(&s, w, sizeof(w));
	if (strcmp(w, "up") == 0)
		return m->kind = FG_BGP_M_UP, 0;
	if (strcmp(w, "down") == 0)
		return m->kind = FG_BGP_M_DOWN, 0;
	if (strcmp(w, "receive") != 0 || strcmp(word(&s, w, sizeof(w)), "update") != 0)
		return 0;
	word(&s, w, sizeof(w));
	if (strcmp(w, "announced") == 0 || strcmp(w, "withdrawn") == 0) {
		bool ann = w[0] == 'a';
		char pfx[64];

		word(&s, pfx, sizeof(pfx));
		if (fg_prefix_parse(pfx, &m->p) != 0)   /* "flow ...": not taken in */
			return m->kind = FG_BGP_M_FLOW, 0;
		m->kind = ann ? FG_BGP_M_ANNOUNCE : FG_BGP_M_WITHDRAW;
		if (ann)
			m->cluster = attrs(s, cluster, m->origin, sizeof(m->origin));
		return 0;
	}
	if (strcmp(w, "start") == 0 || strcmp(w, "end") == 0 || strcmp(w, "route") == 0)
		return 0;
	/* "flow destination-ipv4 ..." and whatever comes later: not taken in */
	m->kind = FG_BGP_M_FLOW;
	return 0;
}
