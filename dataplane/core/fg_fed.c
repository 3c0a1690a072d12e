/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP federation rules; see fg_fed.h and docs/sip.md. */
#include <errno.h>
#include <string.h>

#include "fg_fed.h"
#include "fg_sip.h"

static inline void
spin_lock(uint32_t *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(l, __ATOMIC_RELAXED) != 0) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
}

static inline void
spin_unlock(uint32_t *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

void
fg_fed_cfg_default(struct fg_fed_cfg *c)
{
	*c = (struct fg_fed_cfg){
		.partners = 1024,
		.ratio_window_ms = 60000,
		.ratio_min = 20,
		.ratio_max_pct = 300,           /* more than 3 failures per success */
		.watch_rate = { 1, 1 },         /* 1 message per second */
		.uri_limit = 1000,
		.sustained_rate = 20,
		.sustained_pct = 90,
		.sustained_s = 30,
		.expiry_s = 86400,
	};
}

static uint32_t
pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p > UINT32_MAX ? 0 : (uint32_t)p;
}

/* Partner slots: twice the partners (linear probing stays short). */
static uint32_t
slots_of(const struct fg_fed_cfg *c)
{
	return pow2_at_least((uint64_t)c->partners * 2);
}

static uint32_t
uri_slots_of(const struct fg_fed_cfg *c)
{
	return pow2_at_least((uint64_t)c->uri_limit * 2);
}

size_t
fg_fed_mem_size(const struct fg_fed_cfg *c)
{
	if (c->partners == 0 || c->partners > (1u << 20) || c->uri_limit == 0 ||
	    c->uri_limit > (1u << 20))
		return 0;
	return (size_t)slots_of(c) * sizeof(struct fg_partner) +
	       (size_t)c->partners * uri_slots_of(c) * sizeof(uint64_t);
}

int
fg_fed_init(struct fg_fed *f, const struct fg_fed_cfg *c, const struct fg_fed_lists *l,
	    void *mem, size_t len, uint64_t now_ns)
{
	size_t need = fg_fed_mem_size(c);

	if (need == 0 || mem == NULL || len < need || ((uintptr_t)mem & 63) != 0)
		return -EINVAL;
	memset(mem, 0, need);
	*f = (struct fg_fed){
		.cfg = *c,
		.lists = l,
		.mask = slots_of(c) - 1,
		.uri_mask = uri_slots_of(c) - 1,
		.epoch = now_ns,
		.p = mem,
	};
	f->live = &f->cfg;
	for (uint32_t i = 0; i < c->nlocal && i < 8; i++)
		f->local_len[i] = (uint8_t)strnlen(c->local[i], FG_DOMAIN_MAX);
	return 0;
}

/* murmur3's finaliser over both halves: every address bit reaches the
 * low bits the table indexes with (IPv4-mapped addresses differ only in
 * their last four bytes) */
static inline uint64_t
addr_hash(const uint8_t a[16])
{
	uint64_t a0, a1, h;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	h = a0 * 0x9e3779b97f4a7c15ull ^ a1;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static inline bool
addr_eq(const uint8_t *a, const uint8_t *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, 8);
	memcpy(&a1, a + 8, 8);
	memcpy(&b0, b, 8);
	memcpy(&b1, b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

struct fg_partner *
fg_fed_find(struct fg_fed *f, const uint8_t addr[16])
{
	uint32_t i = (uint32_t)addr_hash(addr) & f->mask;

	for (uint32_t n = 0; n <= f->mask; n++, i = (i + 1) & f->mask) {
		struct fg_partner *p = &f->p[i];

		if (!__atomic_load_n(&p->used, __ATOMIC_ACQUIRE))
			return NULL;
		if (addr_eq(p->addr, addr))
			return p;
	}
	return NULL;
}

/* The partner of @p addr, inserted when missing; NULL when the table is full. */
static struct fg_partner *
find_or_add(struct fg_fed *f, const uint8_t addr[16])
{
	struct fg_partner *p = fg_fed_find(f, addr);
	uint32_t i, n;

	if (p != NULL)
		return p;
	spin_lock(&f->lock);
	i = (uint32_t)addr_hash(addr) & f->mask;
	for (n = 0; n <= f->mask; n++, i = (i + 1) & f->mask) {
		p = &f->p[i];
		if (!p->used)
			break;
		if (addr_eq(p->addr, addr))
			goto unlock;   /* another lcore was first */
	}
	/* the URI sets are a pool of `partners`: slot count is not the limit */
	if (n > f->mask || f->npartners >= f->cfg.partners) {
		p = NULL;
		goto unlock;
	}
	memcpy(p->addr, addr, 16);
	p->uris = (uint64_t *)(void *)(f->p + f->mask + 1) +
		  (size_t)f->npartners * (f->uri_mask + 1);
	f->npartners++;
	__atomic_store_n(&p->used, 1, __ATOMIC_RELEASE);
unlock:
	spin_unlock(&f->lock);
	return p;
}

enum fg_fed_mode
fg_fed_mode_of(uint32_t flags)
{
	bool s = flags & FG_FED_SUSPICIOUS, u = flags & FG_FED_URIS;

	return s && u ? FG_FED_MODE_MEDIUM : s || u ? FG_FED_MODE_HIGH : FG_FED_MODE_NONE;
}

const char *
fg_fed_mode_name(enum fg_fed_mode m)
{
	static const char *const names[FG_FED_MODE_COUNT] = { "none", "high", "medium" };

	return (unsigned int)m < FG_FED_MODE_COUNT ? names[m] : "?";
}

const char *
fg_fed_reason_name(unsigned int bit)
{
	static const char *const names[FG_FED_NREASONS] = {
		"failure-ratio", "uri-limit", "sustained-rate", "manual",
	};

	_Static_assert(FG_FED_SUSPICIOUS == 1 << 0 && FG_FED_URIS == 1 << 1 &&
		       FG_FED_SUSTAINED == 1 << 2 && FG_FED_MANUAL == 1 << 3,
		       "reason names follow the flag bits");
	return bit < FG_FED_NREASONS ? names[bit] : NULL;
}

const char *
fg_fed_reasons_str(uint32_t flags, char *buf, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (unsigned int b = 0; b < FG_FED_NREASONS; b++)
		if (flags & (1u << b)) {
			int w = snprintf(buf + n, len - n, "%s%s", n ? "," : "",
					 fg_fed_reason_name(b));

			if (w < 0 || (size_t)w >= len - n) {
				buf[n] = '\0';   /* whole names only */
				break;
			}
			n += (size_t)w;
		}
	return buf;
}

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}


static inline uint64_t
mix(uint64_t h, uint64_t w)
{
	h ^= w * 0x9e3779b97f4a7c15ull;
	h = (h << 31 | h >> 33) * 0xff51afd7ed558ccdull;
	return h;
}

/*
 * Normalized: scheme and host[:port] lowercased, the user part as sent
 * (it is case-sensitive), URI parameters and headers dropped. The last
 * '@' ends the user part (parameters and headers cannot hold one
 * unescaped; the user part may hold ';' and '?'); the host ends at the
 * first ';' or '?' after it. The normalized bytes are hashed 8 at a time.
 */
uint64_t
fg_fed_uri_hash(const uint8_t *u, size_t len, const uint8_t **host, size_t *host_len)
{
	/* the URI, an '@' added when it has no user part, 8 zero bytes */
	uint8_t buf[FG_SIP_DEF_MAX_RURI + 1 + 8];
	size_t colon, h, e, i, n = 0;
	const uint8_t *at;
	uint64_t x = 0x2545f4914f6cdd1dull;

	if (len > FG_SIP_DEF_MAX_RURI)
		len = FG_SIP_DEF_MAX_RURI;
	for (colon = 0; colon < len && colon < 8 && u[colon] != ':'; colon++)
		;
	if (colon == 0 || colon >= len || colon == 8)
		return 0;
	at = memrchr(u + colon + 1, '@', len - colon - 1);
	h = at != NULL ? (size_t)(at - u) + 1 : colon + 1;
	for (e = h; e < len && u[e] != ';' && u[e] != '?'; e++)
		;
	for (i = 0; i <= colon; i++)
		buf[n++] = lower(u[i]);
	if (at != NULL) {
		memcpy(buf + n, u + colon + 1, h - colon - 1);
		n += h - colon - 1;
	} else {
		buf[n++] = '@';
	}
	for (i = h; i < e; i++)
		buf[n++] = lower(u[i]);
	memset(buf + n, 0, 8);
	for (i = 0; i < n; i += 8) {
		uint64_t w;

		memcpy(&w, buf + i, 8);
		x = mix(x, w);
	}
	x = mix(x, n);
	x ^= x >> 29;
	*host = u + h;
	*host_len = e - h;
	return x != 0 ? x : 1;
}

/* Whether the URI's host (port dropped) is one of the local domains. */
static bool
is_local(const struct fg_fed *f, const uint8_t *host, size_t len)
{
	const struct fg_fed_cfg *c = &f->cfg;

	if (c->nlocal == 0)
		return true;
	if (len > 0 && host[0] != '[')
		for (size_t i = 0; i < len; i++)
			if (host[i] == ':') {
				len = i;
				break;
			}
	for (uint32_t i = 0; i < c->nlocal; i++)
		if (f->local_len[i] == len && fg_domain_eq(c->local[i], host, len))
			return true;
	return false;
}

/* Where @p h's probe starts in a partner's URI set. */
static inline uint32_t
uri_slot(const struct fg_fed *f, uint64_t h)
{
	return (uint32_t)(h ^ (h >> 29)) & f->uri_mask;
}

/* Add @p h to the partner's URI set. @return 1 new, 0 known, -1 set full. */
static int
uri_add(struct fg_fed *f, struct fg_partner *p, uint64_t h)
{
	uint32_t i = uri_slot(f, h);

	for (;; i = (i + 1) & f->uri_mask) {
		if (p->uris[i] == h)
			return 0;
		if (p->uris[i] == 0)
			break;
	}
	if (p->nuris >= f->cfg.uri_limit)
		return -1;
	p->uris[i] = h;
	p->nuris++;
	return 1;
}

static void
watch_flag(struct fg_partner *p, uint32_t flag, uint64_t now_ns, struct fg_fed_stats *st)
{
	if (p->flags == 0) {
		p->since_ns = now_ns != 0 ? now_ns : 1;
		st->watched++;
	}
	p->flags |= flag;
}

static bool
in_domains(const char (*list)[FG_DOMAIN_MAX], uint32_t n, const uint8_t *d, size_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (fg_domain_eq(list[i], d, len))
			return true;
	return false;
}

static void
remember_domain(struct fg_partner *p, const uint8_t *d, size_t len)
{
	if (len == 0 || len >= FG_DOMAIN_MAX)
		return;
	for (uint32_t i = 0; i < p->ndom; i++)
		if (p->domlen[i] == len && fg_domain_eq(p->domains[i], d, len))
			return;
	if (p->ndom == FG_FED_DOMAINS)
		return;
	for (size_t i = 0; i < len; i++)
		p->domains[p->ndom][i] = (char)lower(d[i]);
	p->domains[p->ndom][len] = '\0';
	p->domlen[p->ndom] = (uint8_t)len;
	p->ndom++;
}

/* Consecutive seconds at >= pct % of the sustained rate. */
static void
sustained_count(const struct fg_fed *f, const struct fg_fed_cfg *c, struct fg_partner *p,
		uint64_t now_ns, struct fg_fed_stats *st)
{
	uint64_t s = (now_ns - f->epoch) / FG_NS_PER_S;
	uint32_t need = (uint32_t)(((uint64_t)c->sustained_rate * c->sustained_pct + 99) / 100);

	if (c->sustained_rate == 0)
		return;
	if (s != p->sec) {
		/* close the second that ended; a gap of empty seconds breaks it */
		p->streak = p->sec_count >= need && s == p->sec + 1 ? p->streak + 1 : 0;
		p->sec = s;
		p->sec_count = 0;
	}
	p->sec_count++;
	if (p->streak >= c->sustained_s && c->sustained_s != 0)
		watch_flag(p, FG_FED_SUSTAINED, now_ns, st);
}

/*
 * The lists' verdict (any class): the source or its SIP From domain
 * (@p dom, NULL: none) blocked or allowed; FG_V_NONE: neither.
 */
static inline __attribute__((always_inline)) enum fg_verdict
lists_verdict(const struct fg_fed *f, const struct fg_fed_lists *l, const struct fg_pkt *p,
	      const uint8_t *dom, size_t dlen, struct fg_fed_stats *st)
{
	uint32_t in = f->pfx != NULL ? fg_pfxset_lookup(f->pfx, p->src) : 0;

	if ((in & FG_PFX_BLOCK) ||
	    (dom != NULL && in_domains(l->block_dom, l->nblock_dom, dom, dlen)))
		return FG_V_BLOCKED;
	if (in & FG_PFX_ALLOW)
		return FG_V_PASS_ALLOW;
	for (uint32_t i = 0; dom != NULL && i < l->nallow_dom; i++) {
		const struct fg_fed_domain_bind *b = &l->allow_dom[i];

		if (!fg_domain_eq(b->domain, dom, dlen))
			continue;
		/* the From domain is the sender's claim: only from its prefixes */
		if (fg_prefixes_have(b->bind, b->nbind, p->src))
			return FG_V_PASS_ALLOW;
		st->allow_spoof++;
		break;
	}
	if (dom != NULL && in_domains(l->watch_dom, l->nwatch_dom, dom, dlen))
		st->watch_dom_msgs++;
	return FG_V_NONE;
}

/*
 * The partner rules on a SIP message (@p msg, NULL: not SIP; @p request:
 * a request) from
 * @p p->src: its watch rate, its URI set, the counts that may put it on
 * the watch list. FG_V_NONE: the per-source limits decide.
 */
static inline __attribute__((always_inline)) enum fg_verdict
partner_rules(struct fg_fed *f, const struct fg_pkt *p, const struct fg_sip *sip,
	      const uint8_t *msg, bool request, const uint8_t *dom, size_t dlen,
	      uint64_t now_ns, struct fg_fed_stats *st)
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	enum fg_verdict v = FG_V_NONE;
	struct fg_partner *pt;
	const uint8_t *host = NULL;
	size_t hlen = 0;
	uint64_t uh = 0;

	pt = find_or_add(f, p->src);
	if (pt == NULL) {
		st->untracked++;
		return FG_V_NONE;
	}
	if (request && sip->ruri.len != 0) {
		/* the URI's slot in the partner's set: its cache miss (a set
		 * that grew past the cache) overlaps the bookkeeping below */
		uh = fg_fed_uri_hash(msg + sip->ruri.off, sip->ruri.len, &host, &hlen);
		__builtin_prefetch(&pt->uris[uri_slot(f, uh)]);
	}
	spin_lock(&pt->lock);
	if (c->watch_rate.rate != 0) {
		/* keep the 32-bit TAT in reach while the limiter is unused
		 * (fg_limit.h); under the partner's lock: its only writer */
		struct fg_now n = fg_now(f->epoch, now_ns);
		uint64_t idle = (now_ns - pt->last_ns) / FG_NS_PER_MS;

		/* another rate, other units: restart full (as fg_decide does) */
		fg_gcra_norm(&pt->tat, (uint32_t)fg_rate_units(&n, c->watch_rate.rate),
			     pt->tat_gen != c->watch_gen ||
			     fg_gcra_idle(idle < UINT32_MAX ? (uint32_t)idle : UINT32_MAX,
					  c->watch_rate.rate, c->watch_rate.burst),
			     false);
		pt->tat_gen = c->watch_gen;
	}
	pt->last_ns = now_ns;
	if (request)
		pt->requests++;
	else
		pt->other_msgs++;
	if (dom != NULL)
		remember_domain(pt, dom, dlen);
	sustained_count(f, c, pt, now_ns, st);
	if (pt->flags & FG_FED_SUSPICIOUS) {
		struct fg_now n = fg_now(f->epoch, now_ns);

		/* under the partner's lock: its only writer */
		if (!fg_gcra_take(&pt->tat,
				  (uint32_t)fg_rate_units(&n, c->watch_rate.rate), 1,
				  (uint32_t)c->watch_rate.burst, false)) {
			pt->drop_rate++;
			v = FG_V_SIP_WATCH_RATE;
			goto unlock;
		}
	}
	/* uh: 0 unless a request with a Request-URI (hashed above) */
	if (uh != 0 && is_local(f, host, hlen) && uri_add(f, pt, uh) < 0) {
		/* a URI beyond its first uri_limit: the directory rule */
		watch_flag(pt, FG_FED_URIS, now_ns, st);
		pt->drop_uri++;
		v = FG_V_SIP_NEW_URI;
	}
unlock:
	spin_unlock(&pt->lock);
	return v;
}

/*
 * The messages after the first of a TCP segment (p->sip.msgs > 1), each
 * through the lists and the partner rules in turn; the first drop
 * verdict drops the segment and what follows it is not counted (an
 * allowed From domain exempts its own message only).
 */
static __attribute__((noinline)) enum fg_verdict
later_messages(struct fg_fed *f, const struct fg_fed_lists *l, const struct fg_pkt *p,
	       const uint8_t *seg, uint64_t now_ns, struct fg_fed_stats *st)
{
	struct fg_sip s = p->sip;
	uint32_t off = 0;
	enum fg_verdict v = FG_V_NONE;

	for (unsigned int k = 1; k < p->sip.msgs && v == FG_V_NONE &&
	     fg_sip_next_msg(seg, p->pl_len, &off, &s); k++) {
		const uint8_t *dom = NULL;
		size_t dlen = 0;

		if (s.from_host.len != 0) {
			dom = seg + off + s.from_host.off;
			dlen = s.from_host.len;
		}
		if (l != NULL)
			v = lists_verdict(f, l, p, dom, dlen, st);
		if (v == FG_V_PASS_ALLOW) {
			v = FG_V_NONE;   /* exempts this message, not the segment */
			continue;
		}
		if (v == FG_V_NONE)
			v = partner_rules(f, p, &s, seg + off, s.kind == FG_SIP_REQUEST, dom, dlen,
					  now_ns, st);
	}
	return v;
}

enum fg_verdict
fg_fed_inbound_lists(struct fg_fed *f, const struct fg_fed_lists *l, const struct fg_pkt *p,
		     const uint8_t *frame, uint64_t now_ns, struct fg_fed_stats *st)
{
	const uint8_t *dom = NULL, *msg = NULL;
	size_t dlen = 0;
	bool request = false;
	enum fg_verdict v;

	if (p->flags & FG_PF_SIP) {
		msg = frame + p->pl_off;   /* SIP spans count from the message */
		request = p->sip.kind == FG_SIP_REQUEST;
		if (p->sip.from_host.len != 0) {
			dom = msg + p->sip.from_host.off;
			dlen = p->sip.from_host.len;
		}
	}
	if (l != NULL) {
		v = lists_verdict(f, l, p, dom, dlen, st);
		if (v != FG_V_NONE)
			return v;
	}
	if (p->cls != FG_CLASS_SIP && p->cls != FG_CLASS_SIP_TLS)
		return FG_V_NONE;   /* the lists apply to every class, the rules to SIP */
	v = partner_rules(f, p, &p->sip, msg, request, dom, dlen, now_ns, st);
	if (__builtin_expect(v == FG_V_NONE && msg != NULL && p->sip.msgs > 1, 0))
		v = later_messages(f, l, p, msg, now_ns, st);
	return v;
}

/* 2xx succeed; 4xx-6xx fail, except the authentication challenges 401 and
 * 407, which are how a healthy REGISTER or INVITE starts. */
static int
outcome(uint16_t status)
{
	if (status >= 200 && status < 300)
		return 1;
	if (status >= 400 && status < 700 && status != 401 && status != 407)
		return -1;
	return 0;
}

static bool
ratio_over(const struct fg_fed_cfg *c, const struct fg_partner *p)
{
	return p->ok + p->fail >= c->ratio_min &&
	       (uint64_t)p->fail * 100 > (uint64_t)c->ratio_max_pct * p->ok;
}

void
fg_fed_outbound(struct fg_fed *f, const struct fg_pkt *p, uint64_t now_ns,
		struct fg_fed_stats *st)
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	struct fg_partner *pt;
	uint32_t ms;
	int o;

	if (!(p->flags & FG_PF_SIP) || p->sip.kind != FG_SIP_RESPONSE)
		return;
	o = outcome(p->sip.status);
	if (o == 0)
		return;
	pt = find_or_add(f, p->dst);
	if (pt == NULL) {
		st->untracked++;
		return;
	}
	ms = (uint32_t)((now_ns - f->epoch) / FG_NS_PER_MS);
	spin_lock(&pt->lock);
	if ((pt->ok == 0 && pt->fail == 0) || ms - pt->win_start_ms >= c->ratio_window_ms) {
		pt->win_start_ms = ms;
		pt->ok = pt->fail = 0;
	}
	if (o > 0) {
		pt->ok++;
		pt->resp_ok++;
	} else {
		pt->fail++;
		pt->resp_fail++;
	}
	if (ratio_over(c, pt))
		watch_flag(pt, FG_FED_SUSPICIOUS, now_ns, st);
	spin_unlock(&pt->lock);
}

void
fg_fed_partner_read(struct fg_partner *p, struct fg_partner *out)
{
	spin_lock(&p->lock);
	*out = *p;
	spin_unlock(&p->lock);
	out->uris = NULL;
	out->lock = 0;
}

int
fg_fed_unwatch(struct fg_fed *f, const uint8_t addr[16])
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	struct fg_partner *p = fg_fed_find(f, addr);
	int still = 0;

	if (p == NULL)
		return -1;
	spin_lock(&p->lock);
	if (p->flags == 0) {
		spin_unlock(&p->lock);
		return -1;
	}
	if (ratio_over(c, p))
		still |= FG_FED_SUSPICIOUS;
	if (p->nuris >= f->cfg.uri_limit)
		still |= FG_FED_URIS;
	if (c->sustained_s != 0 && p->streak >= c->sustained_s)
		still |= FG_FED_SUSTAINED;
	p->flags = 0;
	p->since_ns = 0;
	spin_unlock(&p->lock);
	return still;
}

int
fg_fed_watch(struct fg_fed *f, const uint8_t addr[16], uint64_t now_ns)
{
	struct fg_partner *p = find_or_add(f, addr);
	struct fg_fed_stats st = { 0 };

	if (p == NULL)
		return -ENOSPC;
	spin_lock(&p->lock);
	watch_flag(p, FG_FED_MANUAL, now_ns, &st);
	spin_unlock(&p->lock);
	return 0;
}

struct fg_partner *
fg_fed_next(struct fg_fed *f, uint32_t *i)
{
	for (; *i <= f->mask; (*i)++)
		if (__atomic_load_n(&f->p[*i].used, __ATOMIC_ACQUIRE))
			return &f->p[(*i)++];
	return NULL;
}

uint32_t
fg_fed_expire(struct fg_fed *f, uint64_t now_ns)
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	uint64_t ttl = (uint64_t)c->expiry_s * FG_NS_PER_S;
	struct fg_partner *p;
	uint32_t n = 0;

	if (ttl == 0)
		return 0;
	for (uint32_t i = 0; (p = fg_fed_next(f, &i)) != NULL;) {
		spin_lock(&p->lock);
		if ((p->flags & ~FG_FED_MANUAL) != 0 && now_ns - p->since_ns >= ttl) {
			p->flags &= FG_FED_MANUAL;
			if (p->flags == 0)
				p->since_ns = 0;
			n++;
		}
		spin_unlock(&p->lock);
	}
	return n;
}
