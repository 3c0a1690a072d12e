/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP federation rules; see fg_fed.h and docs/sip.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fg_err.h"
#include "fg_fed.h"
#include "fg_lists.h"
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
		.default_mode = FG_FED_MODE_HIGH,
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

/* The slot where the search for @p addr's partner starts (linear probing). */
static inline uint32_t
home_slot(const struct fg_fed *f, const uint8_t addr[16])
{
	return (uint32_t)addr_hash(addr) & f->mask;
}

struct fg_partner *
fg_fed_find(struct fg_fed *f, const uint8_t addr[16])
{
	uint32_t i = home_slot(f, addr);

	for (uint32_t n = 0; n <= f->mask; n++, i = (i + 1) & f->mask) {
		struct fg_partner *p = &f->p[i];

		if (!__atomic_load_n(&p->used, __ATOMIC_ACQUIRE))
			return NULL;
		if (addr_eq(p->addr, addr))
			return p;
	}
	return NULL;
}

void
fg_fed_prefetch(const struct fg_fed *f, const uint8_t addr[16])
{
	const struct fg_partner *p = &f->p[home_slot(f, addr)];

	__builtin_prefetch(p);
	__builtin_prefetch(&p->lock, 1);
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
	i = home_slot(f, addr);
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

const char *
fg_fed_mode_name(enum fg_fed_mode m)
{
	static const char *const names[FG_FED_MODE_COUNT] = { "high", "medium" };

	return (unsigned int)m < FG_FED_MODE_COUNT ? names[m] : "?";
}

int
fg_fed_mode_parse(const char *s)
{
	for (int m = 0; m < FG_FED_MODE_COUNT; m++)
		if (strcasecmp(s, fg_fed_mode_name((enum fg_fed_mode)m)) == 0)
			return m;
	return -1;
}

/*
 * The document's ThrottlingMode: "high" shows the entry when suspicious
 * traffic was detected or the partner asked for more than uri_limit URIs,
 * "medium" when both.
 */
bool
fg_fed_alert(enum fg_fed_mode mode, uint32_t flags, const uint64_t reason_ns[FG_FED_NREASONS],
	     uint64_t *since_ns)
{
	uint64_t s = (flags & FG_FED_SUSPICIOUS) ? reason_ns[0] : 0;
	uint64_t u = (flags & FG_FED_URIS) ? reason_ns[1] : 0;

	_Static_assert(FG_FED_SUSPICIOUS == 1 << 0 && FG_FED_URIS == 1 << 1, "reason_ns[bit]");
	s = (flags & FG_FED_SUSPICIOUS) && s == 0 ? 1 : s;
	u = (flags & FG_FED_URIS) && u == 0 ? 1 : u;
	if (mode == FG_FED_MODE_MEDIUM)
		*since_ns = s != 0 && u != 0 ? (s > u ? s : u) : 0;
	else
		*since_ns = s != 0 && u != 0 ? (s < u ? s : u) : s | u;
	return *since_ns != 0;
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
	uint64_t t = now_ns != 0 ? now_ns : 1;

	if (p->flags == 0) {
		p->since_ns = t;
		st->watched++;
	}
	if (!(p->flags & flag))
		p->reason_ns[__builtin_ctz(flag)] = t;
	p->flags |= flag;
}

/* Off the watch list, reasons @p keep kept. */
static void
unwatch_flags(struct fg_partner *p, uint32_t keep)
{
	p->flags &= keep;
	for (unsigned int b = 0; b < FG_FED_NREASONS; b++)
		if (!(p->flags & (1u << b)))
			p->reason_ns[b] = 0;
	if (p->flags == 0)
		p->since_ns = 0;
}

static bool
in_domains(const char (*list)[FG_DOMAIN_MAX], uint32_t n, const uint8_t *d, size_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (fg_domain_eq(list[i], d, len))
			return true;
	return false;
}

/*
 * Whether @p d can key a watch entry: a host name or an address literal
 * (letters, digits, '-', '.', '_', ':', '[', ']'). The From host is the
 * sender's bytes; only these reach floodctl's JSON, the metrics' labels
 * and the log lines, none of which then needs quoting.
 */
static __attribute__((noinline, cold)) bool
domain_printable(const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = lower(d[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.' || c == '_' || c == ':' || c == '[' || c == ']'))
			return false;
	}
	return true;
}

static void
remember_domain(struct fg_partner *p, const uint8_t *d, size_t len)
{
	if (len == 0 || len >= FG_DOMAIN_MAX)
		return;
	for (uint32_t i = 0; i < p->ndom; i++)
		if (p->domlen[i] == len && fg_domain_eq(p->domains[i], d, len))
			return;
	if (p->ndom == FG_FED_DOMAINS || !domain_printable(d, len))
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
		/* an allowed From domain exempts its own message, not the
		 * messages after it (an allowed source exempts them all) */
		if (__builtin_expect(v == FG_V_PASS_ALLOW && msg != NULL && p->sip.msgs > 1, 0)) {
			enum fg_verdict w = later_messages(f, l, p, msg, now_ns, st);

			return w != FG_V_NONE ? w : v;
		}
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

/* The reasons whose condition still holds for @p p (under its lock). */
static int
still_meets(const struct fg_fed *f, const struct fg_fed_cfg *c, const struct fg_partner *p)
{
	int still = 0;

	if (ratio_over(c, p))
		still |= FG_FED_SUSPICIOUS;
	if (p->nuris >= f->cfg.uri_limit)
		still |= FG_FED_URIS;
	if (c->sustained_s != 0 && p->streak >= c->sustained_s)
		still |= FG_FED_SUSTAINED;
	return still;
}

int
fg_fed_unwatch(struct fg_fed *f, const uint8_t addr[16])
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	struct fg_partner *p = fg_fed_find(f, addr);
	int still;

	if (p == NULL)
		return -1;
	spin_lock(&p->lock);
	if (p->flags == 0) {
		spin_unlock(&p->lock);
		return -1;
	}
	still = still_meets(f, c, p);
	unwatch_flags(p, 0);
	spin_unlock(&p->lock);
	return still;
}

int
fg_fed_lift(struct fg_fed *f, const uint8_t addr[16], bool forgive, uint32_t *still)
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	struct fg_partner *p = fg_fed_find(f, addr);
	uint32_t lifted;

	*still = 0;
	if (p == NULL)
		return 0;
	spin_lock(&p->lock);
	lifted = p->flags & ~FG_FED_MANUAL;
	if (lifted != 0) {
		unwatch_flags(p, FG_FED_MANUAL);
		if (forgive) {
			/* what would put it back: a fresh start */
			p->ok = p->fail = 0;
			p->streak = p->sec_count = 0;
			p->nuris = 0;
			memset(p->uris, 0, ((size_t)f->uri_mask + 1) * sizeof(p->uris[0]));
		}
		*still = (uint32_t)still_meets(f, c, p);
	}
	spin_unlock(&p->lock);
	return (int)lifted;
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
			unwatch_flags(p, FG_FED_MANUAL);
			n++;
		}
		spin_unlock(&p->lock);
	}
	return n;
}

int
fg_fed_set_mode(struct fg_fed *f, const char *domain, const uint8_t *addr, int mode)
{
	struct fg_fed_dmodes *d = &f->dmodes;
	uint32_t i;
	int rc = 0;

	if (mode >= FG_FED_MODE_COUNT)
		return -EINVAL;
	if (addr != NULL) {
		struct fg_partner *p = fg_fed_find(f, addr);

		if (p == NULL)
			return -ENOENT;
		spin_lock(&p->lock);
		p->mode = mode < 0 ? 0 : (uint32_t)mode + 1;
		spin_unlock(&p->lock);
		return 0;
	}
	if (strlen(domain) >= FG_DOMAIN_MAX)
		return -EINVAL;
	spin_lock(&f->dm_lock);
	for (i = 0; i < d->n; i++)
		if (fg_domain_eq(d->domain[i], (const uint8_t *)domain, strlen(domain)))
			break;
	if (mode < 0) {
		if (i < d->n) {      /* back to the default: the slot goes */
			d->n--;
			memmove(d->domain[i], d->domain[d->n], FG_DOMAIN_MAX);
			d->mode[i] = d->mode[d->n];
		}
	} else if (i == d->n && d->n == FG_FED_LIST_MAX) {
		rc = -ENOSPC;
	} else {
		if (i == d->n) {
			for (size_t k = 0; k <= strlen(domain); k++)
				d->domain[i][k] = (char)lower((uint8_t)domain[k]);
			d->n++;
		}
		d->mode[i] = (uint8_t)mode;
	}
	spin_unlock(&f->dm_lock);
	return rc;
}

/* The mode set on @p domain (dm_lock held), or -1. */
static int
domain_mode(const struct fg_fed_dmodes *d, const char *domain)
{
	for (uint32_t i = 0; i < d->n; i++)
		if (strcmp(d->domain[i], domain) == 0)
			return d->mode[i];
	return -1;
}

/* The entry of @p domain in out[0..*n), added when missing; NULL: full. */
static struct fg_fed_entry *
entry_of(struct fg_fed_entry *out, uint32_t *n, uint32_t max, const char *domain)
{
	for (uint32_t i = 0; i < *n; i++)
		if (strcmp(out[i].domain, domain) == 0)
			return &out[i];
	if (*n == max)
		return NULL;
	out[*n] = (struct fg_fed_entry){ 0 };
	snprintf(out[*n].domain, FG_DOMAIN_MAX, "%s", domain);
	return &out[(*n)++];
}

/* @p p's watch state and counters into @p e (reason times in @p rns). */
static void
entry_add(struct fg_fed_entry *e, const struct fg_partner *p, uint64_t rns[FG_FED_NREASONS])
{
	if (e->naddr < FG_FED_ENTRY_ADDRS)
		memcpy(e->addr[e->naddr], p->addr, 16);
	e->naddr++;
	e->flags |= p->flags;
	for (unsigned int b = 0; b < FG_FED_NREASONS; b++)
		if (p->reason_ns[b] != 0 && (rns[b] == 0 || p->reason_ns[b] < rns[b]))
			rns[b] = p->reason_ns[b];
	if (e->since_ns == 0 || (p->since_ns != 0 && p->since_ns < e->since_ns))
		e->since_ns = p->since_ns;
	e->nuris += p->nuris;
	e->requests += p->requests;
	e->other_msgs += p->other_msgs;
	e->resp_ok += p->resp_ok;
	e->resp_fail += p->resp_fail;
	e->drop_rate += p->drop_rate;
	e->drop_uri += p->drop_uri;
}

uint32_t
fg_fed_entries(struct fg_fed *f, const struct fg_fed_lists *l, struct fg_fed_entry *out,
	       uint32_t max)
{
	const struct fg_fed_cfg *c = fg_fed_live(f);
	/* reason times of each entry, earliest over its partners */
	uint64_t (*rns)[FG_FED_NREASONS] = calloc(max ? max : 1, sizeof(*rns));
	struct fg_partner *pt, p;
	uint32_t n = 0;

	if (rns == NULL)
		return 0;
	for (uint32_t i = 0; (pt = fg_fed_next(f, &i)) != NULL;) {
		if (__atomic_load_n(&pt->since_ns, __ATOMIC_RELAXED) == 0)
			continue;
		fg_fed_partner_read(pt, &p);
		if (p.since_ns == 0)
			continue;
		if (p.ndom == 0 && n < max) {
			out[n] = (struct fg_fed_entry){ .mode_set = p.mode != 0 };
			out[n].mode = (uint8_t)(p.mode != 0 ? p.mode - 1 : c->default_mode);
			memset(rns[n], 0, sizeof(rns[n]));
			entry_add(&out[n], &p, rns[n]);
			n++;
		}
		for (uint32_t d = 0; d < p.ndom; d++) {
			uint32_t had = n;
			struct fg_fed_entry *e = entry_of(out, &n, max, p.domains[d]);

			if (e == NULL)
				break;
			if (n != had)
				memset(rns[e - out], 0, sizeof(rns[0]));
			entry_add(e, &p, rns[e - out]);
		}
	}
	for (uint32_t i = 0; l != NULL && i < l->nwatch_dom; i++) {
		char low[FG_DOMAIN_MAX];
		uint32_t had = n;
		struct fg_fed_entry *e;
		size_t k;

		for (k = 0; k + 1 < FG_DOMAIN_MAX && l->watch_dom[i][k] != '\0'; k++)
			low[k] = (char)lower((uint8_t)l->watch_dom[i][k]);
		low[k] = '\0';
		e = entry_of(out, &n, max, low);
		if (e == NULL)
			break;
		if (n != had)
			memset(rns[e - out], 0, sizeof(rns[0]));
		e->flags |= FG_FED_MANUAL;
	}
	spin_lock(&f->dm_lock);
	for (uint32_t i = 0; i < n; i++) {
		if (out[i].domain[0] != '\0') {
			int m = domain_mode(&f->dmodes, out[i].domain);

			out[i].mode_set = m >= 0;
			out[i].mode = (uint8_t)(m >= 0 ? m : (int)c->default_mode);
		}
		out[i].alert = fg_fed_alert((enum fg_fed_mode)out[i].mode, out[i].flags, rns[i],
					    &out[i].alert_ns);
	}
	spin_unlock(&f->dm_lock);
	free(rns);
	return n;
}

#define FG_FED_STATE_HEAD "floodguard watch state 1\n"

static void
hex16(FILE *f, const uint8_t a[16])
{
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02x", a[i]);
}

int
fg_fed_state_write(struct fg_fed *f, FILE *out, uint64_t off_ns)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *ms = open_memstream(&buf, &len);
	struct fg_partner *pt, p;
	uint32_t n = 0;

	if (ms == NULL)
		return -ENOMEM;
	fputs(FG_FED_STATE_HEAD, ms);
	for (uint32_t i = 0; (pt = fg_fed_next(f, &i)) != NULL;) {
		uint32_t k = 0;

		/* the set, under the lock with the rest: no torn partner */
		spin_lock(&pt->lock);
		p = *pt;
		if (p.flags == 0 && p.nuris == 0 && p.mode == 0) {
			spin_unlock(&pt->lock);
			continue;
		}
		fputs("p ", ms);
		hex16(ms, p.addr);
		fprintf(ms, " %" PRIu32 " %" PRIu32 " %" PRIu64, p.flags, p.mode,
			p.since_ns != 0 ? p.since_ns + off_ns : 0);
		for (unsigned int b = 0; b < FG_FED_NREASONS; b++)
			fprintf(ms, " %" PRIu64, p.reason_ns[b] != 0 ? p.reason_ns[b] + off_ns : 0);
		fprintf(ms, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
			" %" PRIu32 " ", p.requests, p.other_msgs, p.resp_ok, p.resp_fail,
			p.drop_rate, p.drop_uri, p.nuris);
		for (uint32_t d = 0; d < p.ndom; d++)
			fprintf(ms, "%s%s", d ? "," : "", p.domains[d]);
		fputs(p.ndom ? "\n" : "-\n", ms);
		for (uint32_t s = 0; s <= f->uri_mask; s++) {
			if (pt->uris[s] == 0)
				continue;
			fprintf(ms, "%s%016" PRIx64, k % 16 ? " " : "u ", pt->uris[s]);
			if (++k % 16 == 0)
				fputc('\n', ms);
		}
		spin_unlock(&pt->lock);
		if (k % 16)
			fputc('\n', ms);
		n++;
	}
	spin_lock(&f->dm_lock);
	for (uint32_t i = 0; i < f->dmodes.n; i++, n++)
		fprintf(ms, "m %s %s\n", f->dmodes.domain[i],
			fg_fed_mode_name((enum fg_fed_mode)f->dmodes.mode[i]));
	spin_unlock(&f->dm_lock);
	return fg_crc_file_end(ms, &buf, &len, n, out);
}

static bool
unhex16(const char *s, uint8_t a[16])
{
	for (int i = 0; i < 16; i++) {
		unsigned int x;

		if (sscanf(s + 2 * i, "%2x", &x) != 1)
			return false;
		a[i] = (uint8_t)x;
	}
	return s[32] == ' ';
}

/* One "p" line into @p p (addr, watch state, counters, domains). */
static bool
parse_partner(const char *line, struct fg_partner *p, uint64_t off_ns)
{
	uint64_t since, r[FG_FED_NREASONS];
	char dom[512], *save = NULL, *tok;
	int used = 0;

	memset(p, 0, sizeof(*p));
	if (strncmp(line, "p ", 2) != 0 || !unhex16(line + 2, p->addr))
		return false;
	if (sscanf(line + 35, "%" SCNu32 " %" SCNu32 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu32 " %511s%n", &p->flags, &p->mode, &since,
		   &r[0], &r[1], &r[2], &r[3], &p->requests, &p->other_msgs, &p->resp_ok,
		   &p->resp_fail, &p->drop_rate, &p->drop_uri, &p->nuris, dom, &used) != 15 ||
	    line[35 + used] != '\0' || p->mode > FG_FED_MODE_COUNT ||
	    (p->flags & ~((1u << FG_FED_NREASONS) - 1)) != 0)
		return false;
	/* fed clock = unix - off; a time before its epoch reads as its start */
	p->since_ns = since == 0 ? 0 : since > off_ns ? since - off_ns : 1;
	for (unsigned int b = 0; b < FG_FED_NREASONS; b++)
		p->reason_ns[b] = r[b] == 0 ? 0 : r[b] > off_ns ? r[b] - off_ns : 1;
	if (p->flags != 0 && p->since_ns == 0)
		return false;
	if (strcmp(dom, "-") == 0)
		return true;
	for (tok = strtok_r(dom, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(tok);

		if (l == 0 || l >= FG_DOMAIN_MAX || p->ndom == FG_FED_DOMAINS)
			return false;
		memcpy(p->domains[p->ndom], tok, l + 1);
		p->domlen[p->ndom++] = (uint8_t)l;
	}
	return true;
}

/*
 * Both passes of fg_fed_state_read(): @p apply false only checks. The
 * lines are NUL-terminated in @p text (a copy).
 */
static int
state_pass(struct fg_fed *f, char *text, size_t len, uint64_t off_ns, bool apply,
	   uint32_t *dropped, char *err, size_t errlen)
{
	struct fg_partner *cur = NULL;
	uint32_t n = 0, restored = 0, lineno = 1;
	char *line = text + strlen(FG_FED_STATE_HEAD), *end = text + len;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		struct fg_partner p;

		if (nl == NULL)
			break;
		*nl = '\0';
		lineno++;
		if (line[0] == 'p') {
			if (!parse_partner(line, &p, off_ns))
				goto bad;
			n++;
			cur = NULL;
			if (apply) {
				cur = find_or_add(f, p.addr);
				if (cur == NULL) {
					(*dropped)++;
				} else {
					uint64_t *u = cur->uris;

					spin_lock(&cur->lock);
					p.uris = u;
					p.used = cur->used;
					p.nuris = cur->nuris;
					memcpy(cur->addr, p.addr, 16);
					*cur = p;
					cur->lock = 1;   /* held: unlocked below */
					spin_unlock(&cur->lock);
					restored++;
				}
			}
		} else if (line[0] == 'u' && line[1] == ' ') {
			char *q = line + 2;

			for (;;) {
				char *e;
				uint64_t h;

				errno = 0;
				h = strtoull(q, &e, 16);
				if (e == q || errno != 0 || h == 0 || (*e != ' ' && *e != '\0'))
					goto bad;
				if (cur != NULL) {
					spin_lock(&cur->lock);
					if (uri_add(f, cur, h) < 0)
						(*dropped)++;
					spin_unlock(&cur->lock);
				}
				if (*e == '\0')
					break;
				q = e + 1;
			}
		} else if (line[0] == 'm' && line[1] == ' ') {
			char d[FG_DOMAIN_MAX], m[16];
			int used = 0;

			if (sscanf(line + 2, "%63s %15s%n", d, m, &used) != 2 ||
			    line[2 + used] != '\0' || fg_fed_mode_parse(m) < 0)
				goto bad;
			n++;
			if (apply && fg_fed_set_mode(f, d, NULL, fg_fed_mode_parse(m)) != 0)
				(*dropped)++;
		} else if (strncmp(line, "end ", 4) == 0) {
			uint32_t cnt, crc;

			if (sscanf(line, "end %" SCNu32 " crc32=%" SCNx32, &cnt, &crc) != 2 ||
			    nl + 1 != end)
				goto bad;
			if (cnt != n)
				return fg_errf(err, errlen, -EINVAL, "%u records, the end line says "
					       "%u", n, cnt);
			return (int)restored;
		} else {
			goto bad;
		}
		line = nl + 1;
	}
	return fg_errf(err, errlen, -EINVAL, "no end line (cut short?)");
bad:
	return fg_errf(err, errlen, -EINVAL, "line %u: not a watch state record", lineno);
}

int
fg_fed_state_read(struct fg_fed *f, const char *buf, size_t len, uint64_t off_ns,
		  uint32_t *dropped, char *err, size_t errlen)
{
	size_t head = strlen(FG_FED_STATE_HEAD);
	const char *e;
	char *text;
	uint32_t crc;
	int rc;

	*dropped = 0;
	if (len < head || memcmp(buf, FG_FED_STATE_HEAD, head) != 0)
		return fg_errf(err, errlen, -EINVAL, "not a floodguard watch state (first line)");
	/* the CRC covers everything before the end line */
	for (e = buf + len - 1; e > buf && e[-1] != '\n'; e--)
		;
	if (e <= buf || sscanf(e, "end %*u crc32=%" SCNx32, &crc) != 1 ||
	    crc != fg_crc32(0, buf, (size_t)(e - buf)))
		return fg_errf(err, errlen, -EINVAL, "CRC or end line wrong (damaged)");
	text = malloc(len + 1);
	if (text == NULL)
		return -ENOMEM;
	memcpy(text, buf, len);
	text[len] = '\0';
	rc = state_pass(f, text, len, off_ns, false, dropped, err, errlen);
	if (rc >= 0) {
		memcpy(text, buf, len);
		rc = state_pass(f, text, len, off_ns, true, dropped, err, errlen);
	}
	free(text);
	return rc;
}
