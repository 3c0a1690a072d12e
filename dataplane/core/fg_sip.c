/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP start line and header parser (RFC 3261 §7, §20, §25).
 *
 * Lines are found with a vector compare (find_lf), header names are
 * matched by length then case-folded compare, and only the headers a
 * decision needs are looked into. The first problem found is returned;
 * everything is bounded by fg_sip_limits and by the 64 KiB span offsets.
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSSE3__)
#include <tmmintrin.h>
#endif

#include "fg_reason.h"
#include "fg_sip.h"

#define FG_SIP_MAX_METHOD 32
#define FG_SIP_MAX_MSG    65535
#define FG_SIP_CSEQ_MAX   0x7fffffffu  /* RFC 3261 §8.1.1.5: < 2**31 */

enum hdr_id {
	H_NONE = 0, H_FROM, H_TO, H_CALLID, H_CSEQ, H_VIA, H_CLEN, H_COUNT
};

/* Headers that may appear once: a second copy is an ambiguity attack. */
#define H_SINGLE_MASK ((1u << H_FROM) | (1u << H_TO) | (1u << H_CALLID) | \
		       (1u << H_CSEQ) | (1u << H_CLEN))
#define H_REQUIRED_MASK ((1u << H_FROM) | (1u << H_TO) | (1u << H_CALLID) | \
			 (1u << H_CSEQ) | (1u << H_VIA))

/* RFC 3261 token characters: alphanum and -.!%*_+`'~ */
static const uint8_t tchar[256] = {
	['-'] = 1, ['.'] = 1, ['!'] = 1, ['%'] = 1, ['*'] = 1, ['_'] = 1,
	['+'] = 1, ['`'] = 1, ['\''] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

#define FG_SIP_M_NAME_(id, name) name,
static const char *const method_names[FG_SIP_M_COUNT] = {
	FG_SIP_METHODS(FG_SIP_M_NAME_)
};
#undef FG_SIP_M_NAME_

static const char *const kind_names[FG_SIP_KIND_COUNT] = {
	[FG_SIP_REQUEST] = "request",
	[FG_SIP_RESPONSE] = "response",
	[FG_SIP_KEEPALIVE] = "keepalive",
	[FG_SIP_CONTINUATION] = "continuation",
};

const char *
fg_sip_method_name(unsigned int m)
{
	return m < FG_SIP_M_COUNT ? method_names[m] : "";
}

const char *
fg_sip_kind_name(unsigned int k)
{
	return k < FG_SIP_KIND_COUNT ? kind_names[k] : NULL;
}

void
fg_sip_limits_default(struct fg_sip_limits *lim)
{
	lim->max_headers = FG_SIP_DEF_MAX_HEADERS;
	lim->max_line = FG_SIP_DEF_MAX_LINE;
	lim->max_ruri = FG_SIP_DEF_MAX_RURI;
	lim->max_from = FG_SIP_DEF_MAX_FROM;
	lim->max_callid = FG_SIP_DEF_MAX_CALLID;
	lim->max_msgs = FG_SIP_DEF_MAX_MSGS;
}

/*
 * The two scans of every header line, inlined: a header line is ~20-70
 * bytes, short enough that a libc call's set-up costs as much as the
 * search. Vector loads never pass @p end (the end of the message).
 */

/* memchr(p, '\n', end - p) */
static inline const uint8_t *
find_lf(const uint8_t *p, const uint8_t *end)
{
#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n');

	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned int m = (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));

		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	for (; p < end; p++)
		if (*p == '\n')
			return p;
	return NULL;
}

/*
 * Bit i set when p[i] is one of the @p n bytes of @p set (n <= 8, a
 * constant at every call, so the compares unroll).
 */
#if defined(__SSE2__)
static inline unsigned int
set_mask16(const uint8_t *p, const char *set, unsigned int n)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i hit = _mm_setzero_si128();

	for (unsigned int k = 0; k < n; k++)
		hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, _mm_set1_epi8(set[k])));
	return (unsigned int)_mm_movemask_epi8(hit);
}
#endif

static inline int
in_set(uint8_t c, const char *set, unsigned int n)
{
	for (unsigned int k = 0; k < n; k++)
		if (c == (uint8_t)set[k])
			return 1;
	return 0;
}

/* First byte of [p, end) in @p set; @p end when there is none. */
static inline const uint8_t *
find_set(const uint8_t *p, const uint8_t *end, const char *set, unsigned int n)
{
#if defined(__SSE2__)
	for (; end - p >= 16; p += 16) {
		unsigned int m = set_mask16(p, set, n);

		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	while (p < end && !in_set(*p, set, n))
		p++;
	return p;
}

/*
 * First '\n' of [p, end), or NULL. A NUL byte met on the way is stored in
 * *nul (NULs are looked for only up to the end of the headers: the body
 * may be binary).
 */
static inline const uint8_t *
find_lf_nul(const uint8_t *p, const uint8_t *end, const uint8_t **nul)
{
	const uint8_t *x = find_set(p, end, "\n\0", 2);

	if (x == end)
		return NULL;
	if (*x == '\0') {
		if (x < *nul)
			*nul = x;
		return find_lf(x, end);
	}
	return x;
}

/* Bytes of [p, p + n) equal to @p c. */
static inline uint32_t
count_byte(const uint8_t *p, uint32_t n, uint8_t c)
{
	uint32_t i = 0, k = 0;

#if defined(__SSE2__)
	for (; n - i >= 16; i += 16)
		k += (uint32_t)__builtin_popcount(set_mask16(p + i, (const char[]){ (char)c }, 1));
#endif
	for (; i < n; i++)
		k += p[i] == c;
	return k;
}

/* Whether [p, p + n) holds a control or non-ASCII byte. */
static inline int
has_ctl_or_8bit(const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

#if defined(__SSE2__)
	for (; n - i >= 16; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		/* signed: 0x80..0xff are negative, so "< 0x20" takes them too */
		__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
					   _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));

		if (_mm_movemask_epi8(bad) != 0)
			return 1;
	}
#endif
	for (; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return 1;
	return 0;
}

/*
 * p[0..n) equals the lower-case literal @p lit ignoring ASCII case, for
 * n <= 8 known at compile time: one load, one OR, one compare. Letters of
 * @p lit accept either case; its other bytes only themselves.
 */
static inline int
ieq_small(const uint8_t *p, const char *lit, unsigned int n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t a = 0, l = 0, fold = 0;

	memcpy(&a, p, n);
	memcpy(&l, lit, n);
	for (unsigned int i = 0; i < n; i++)
		if (lit[i] >= 'a' && lit[i] <= 'z')
			fold |= 0x20ull << (8 * i);
	return (a | fold) == l;
#else
	for (unsigned int i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if (c != (uint8_t)lit[i])
			return 0;
	}
	return 1;
#endif
}

/*
 * First byte at or after @p that is not a token character. There must be
 * one before @p end (the caller's line ends in CR).
 */
static inline const uint8_t *
skip_tchar(const uint8_t *p, const uint8_t *end)
{
#if defined(__SSSE3__)
	/*
	 * tchar[c] as two nibble tables: lo[c & 15] has bit (c >> 4) - 2 set
	 * when c is a token character, hi[c >> 4] is that bit (0 for the high
	 * nibbles 0, 1 and 8..15, which hold no token character).
	 */
	const __m128i lo = _mm_setr_epi8(0x3a, 0x3f, 0x3e, 0x3e, 0x3e, 0x3f,
					 0x3e, 0x3f, 0x3e, 0x3e, 0x3d, 0x15,
					 0x14, 0x15, 0x35, 0x1c);
	const __m128i hi = _mm_setr_epi8(0, 0, 0x01, 0x02, 0x04, 0x08, 0x10,
					 0x20, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m128i nib = _mm_set1_epi8(0x0f);

	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i l = _mm_shuffle_epi8(lo, _mm_and_si128(v, nib));
		__m128i h = _mm_shuffle_epi8(hi,
			_mm_and_si128(_mm_srli_epi16(v, 4), nib));
		__m128i no = _mm_cmpeq_epi8(_mm_and_si128(l, h),
					    _mm_setzero_si128());
		unsigned int m = (unsigned int)_mm_movemask_epi8(no);

		if (m != 0)
			return p + __builtin_ctz(m);
	}
#else
	(void)end;
#endif
	while (tchar[*p])
		p++;
	return p;
}

static inline int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Folded values keep their CRLF: count it as white space. */
static inline int
is_lws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline int
is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

static enum hdr_id
hdr_lookup(const uint8_t *n, uint32_t len)
{
	switch (len) {
	case 1:
		switch (n[0] | 0x20) {  /* a token: only letters fold to these */
		case 'f': return H_FROM;
		case 't': return H_TO;
		case 'i': return H_CALLID;
		case 'v': return H_VIA;
		case 'l': return H_CLEN;
		}
		return H_NONE;
	case 2:
		return ieq_small(n, "to", 2) ? H_TO : H_NONE;
	case 3:
		return ieq_small(n, "via", 3) ? H_VIA : H_NONE;
	case 4:
		if (ieq_small(n, "from", 4))
			return H_FROM;
		return ieq_small(n, "cseq", 4) ? H_CSEQ : H_NONE;
	case 7:
		return ieq_small(n, "call-id", 7) ? H_CALLID : H_NONE;
	case 14:
		return ieq_small(n, "content-", 8) &&
		       ieq_small(n + 8, "length", 6) ? H_CLEN : H_NONE;
	}
	return H_NONE;
}

#define FG_SIP_M_LEN_(id, name) sizeof(name) - 1,
static const uint8_t method_lens[FG_SIP_M_COUNT] = {
	FG_SIP_METHODS(FG_SIP_M_LEN_)
};
#undef FG_SIP_M_LEN_

/* Length and first byte rule out all but one or two names: no libc call. */
static uint8_t
method_lookup(const uint8_t *m, uint32_t len)
{
	for (unsigned int i = 1; i < FG_SIP_M_COUNT; i++) {
		const char *name = method_names[i];
		uint32_t k;

		if (method_lens[i] != len || (uint8_t)name[0] != m[0])
			continue;
		for (k = 1; k < len && (uint8_t)name[k] == m[k]; k++)
			;
		if (k == len)
			return (uint8_t)i;
	}
	return FG_SIP_M_OTHER;
}

static inline struct fg_span
span(const uint8_t *base, const uint8_t *p, uint32_t len)
{
	return (struct fg_span){ (uint16_t)(p - base), (uint16_t)len };
}

/*
 * The URI of a name-addr or addr-spec (RFC 3261 §20.10): the part between
 * < and > when there is one (the display name may be quoted), otherwise
 * everything up to the header parameters.
 */
static int
uri_of(const uint8_t *v, uint32_t n, const uint8_t **uri, uint32_t *ulen)
{
	uint32_t i = 0, s;

	if (n > 0 && v[0] == '"') {
		for (i = 1; i < n && v[i] != '"'; i++)
			if (v[i] == '\\')
				i++;
		if (i >= n)
			return -1;
		i++;
	}
	s = (uint32_t)(find_set(v + i, v + n, "<", 1) - v);
	if (s < n) {
		const uint8_t *gt = find_set(v + s + 1, v + n, ">", 1);

		if (gt == v + n)
			return -1;
		*uri = v + s + 1;
		*ulen = (uint32_t)(gt - *uri);
	} else {
		if (i != 0)     /* quoted display name without <uri> */
			return -1;
		s = (uint32_t)(find_set(v, v + n, "; \t\r\n", 5) - v);
		*uri = v;
		*ulen = s;
	}
	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	for (s = 0; s < *ulen; s++) {
		uint8_t c = (*uri)[s] | 0x20;

		if (c == ':' && s > 0)
			return 0;
		if (!((c >= 'a' && c <= 'z') ||
		      (s > 0 && (((*uri)[s] >= '0' && (*uri)[s] <= '9') ||
				 c == '+' || c == '-' || c == '.'))))
			return -1;
	}
	return -1;
}

/*
 * Where the userinfo of a URI ends: one past its last '@' before the first
 * ';' or '?' (the parameters), or @p p when there is none.
 */
static inline const uint8_t *
userinfo_end(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *host = p;

#if defined(__SSE2__)
	for (; end - p >= 16; p += 16) {
		unsigned int stop = set_mask16(p, ";?", 2);
		unsigned int at = set_mask16(p, "@", 1);

		if (stop != 0)
			at &= (1u << __builtin_ctz(stop)) - 1;
		if (at != 0)
			host = p + 32 - __builtin_clz(at);
		if (stop != 0)
			return host;
	}
#endif
	for (; p < end && *p != ';' && *p != '?'; p++)
		if (*p == '@')
			host = p + 1;
	return host;
}

/* Host of a sip: or sips: URI; len 0 for other schemes. */
static void
uri_host(const uint8_t *u, uint32_t n, const uint8_t **host, uint32_t *hlen)
{
	const uint8_t *h, *e, *end = u + n;

	*hlen = 0;
	if (n >= 4 && ieq_small(u, "sip:", 4))
		h = u + 4;
	else if (n >= 5 && ieq_small(u, "sips:", 5))
		h = u + 5;
	else
		return;
	h = userinfo_end(h, end);
	if (h < end && *h == '[') {
		const uint8_t *rb = find_set(h, end, "]", 1);

		if (rb == end)
			return;
		*host = h;
		*hlen = (uint32_t)(rb - h) + 1;
		return;
	}
	e = find_set(h, end, ":;?> \t\r\n", 8);
	*host = h;
	*hlen = (uint32_t)(e - h);
}

/* Up to 10 decimal digits into a 64-bit value; -1 when none or too many. */
static int
parse_uint(const uint8_t *p, uint32_t n, uint32_t *used, uint64_t *val)
{
	uint64_t v = 0;
	uint32_t i;

	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (i == 10)
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (i == 0)
		return -1;
	*used = i;
	*val = v;
	return 0;
}

struct hdr_state {
	enum hdr_id id;
	const uint8_t *start;  /* first byte of the header name */
	const uint8_t *vs;     /* value start (after LWS) */
	const uint8_t *ve;     /* value end: the CR of its last line */
	uint32_t seen;         /* 1 << hdr_id for every header met */
};

/* A header is complete: its next line is not a continuation. */
static unsigned int
hdr_finish(const struct fg_sip_limits *lim, const uint8_t *msg,
	   struct hdr_state *h, struct fg_sip *out)
{
	const uint8_t *v = h->vs, *e = h->ve;
	uint32_t hl = (uint32_t)(e - h->start), n, used;
	uint64_t val;

	if (hl > out->max_hdr_len)
		out->max_hdr_len = (uint16_t)hl;
	if (hl > lim->max_line)
		return FG_R_SIP_HDR_LINE_LONG;
	if (h->id == H_NONE)
		return FG_R_OK;
	if ((h->seen & (1u << h->id)) & H_SINGLE_MASK)
		return FG_R_SIP_HDR_DUP;
	h->seen |= 1u << h->id;
	/* A folded value may start on the next line: trim both ends. */
	while (v < e && is_lws(*v))
		v++;
	while (e > v && is_lws(e[-1]))
		e--;
	n = (uint32_t)(e - v);

	switch (h->id) {
	case H_FROM: {
		const uint8_t *u, *host;
		uint32_t ul, hlen;

		if (n == 0)
			return FG_R_SIP_FROM_EMPTY;
		if (n > lim->max_from)
			return FG_R_SIP_FROM_LONG;
		if (uri_of(v, n, &u, &ul) != 0)
			return FG_R_SIP_FROM_BAD;
		out->from_uri = span(msg, u, ul);
		uri_host(u, ul, &host, &hlen);
		if (hlen == 0 && ((ul >= 4 && ieq_small(u, "sip:", 4)) ||
				  (ul >= 5 && ieq_small(u, "sips:", 5))))
			return FG_R_SIP_FROM_BAD;
		if (hlen != 0)
			out->from_host = span(msg, host, hlen);
		break;
	}
	case H_TO: {
		const uint8_t *u;
		uint32_t ul;

		if (n != 0 && n <= lim->max_from && uri_of(v, n, &u, &ul) == 0)
			out->to_uri = span(msg, u, ul);
		break;
	}
	case H_CALLID:
		if (n == 0)
			return FG_R_SIP_CALLID_EMPTY;
		if (n > lim->max_callid)
			return FG_R_SIP_CALLID_LONG;
		out->call_id = span(msg, v, n);
		break;
	case H_CSEQ: {
		uint32_t i, m;

		if (parse_uint(v, n, &used, &val) != 0)
			return (n > 0 && v[0] >= '0' && v[0] <= '9') ?
				FG_R_SIP_CSEQ_RANGE : FG_R_SIP_CSEQ_BAD;
		if (val > FG_SIP_CSEQ_MAX)
			return FG_R_SIP_CSEQ_RANGE;
		for (i = used; i < n && is_lws(v[i]); i++)
			;
		if (i == used || i == n)
			return FG_R_SIP_CSEQ_BAD;
		for (m = i; m < n && tchar[v[m]]; m++)
			;
		if (m != n)
			return FG_R_SIP_CSEQ_BAD;
		out->cseq = (uint32_t)val;
		out->cseq_method_s = span(msg, v + i, n - i);
		out->cseq_method = method_lookup(v + i, n - i);
		break;
	}
	case H_CLEN:
		if (parse_uint(v, n, &used, &val) != 0)
			return (n > 0 && v[0] >= '0' && v[0] <= '9') ?
				FG_R_SIP_CLEN_RANGE : FG_R_SIP_CLEN_BAD;
		if (used != n)
			return FG_R_SIP_CLEN_BAD;
		if (val > FG_SIP_CSEQ_MAX)
			return FG_R_SIP_CLEN_RANGE;
		out->content_length = (uint32_t)val;
		out->flags |= FG_SIP_F_CLEN;
		break;
	case H_VIA:
		out->via = (uint16_t)(out->via + 1 + count_byte(v, n, ','));
		break;
	default:
		break;
	}
	return FG_R_OK;
}

/* Request line: Method SP Request-URI SP SIP-Version. */
static unsigned int
parse_request_line(const struct fg_sip_limits *lim, const uint8_t *msg,
		   const uint8_t *cr, bool stream, struct fg_sip *out)
{
	const uint8_t *p = msg, *sp;
	uint32_t n;

	while (p < cr && tchar[*p])
		p++;
	n = (uint32_t)(p - msg);
	if (n == 0 || p == cr || *p != ' ')
		return stream ? FG_R_SIP_TCP_NONSTART :
			n == 0 ? FG_R_SIP_START_LINE : FG_R_SIP_METHOD;
	if (n > FG_SIP_MAX_METHOD)
		return stream ? FG_R_SIP_TCP_NONSTART : FG_R_SIP_METHOD;
	out->kind = FG_SIP_REQUEST;
	out->method_s = span(msg, msg, n);
	out->method = method_lookup(msg, n);

	p++;
	sp = memchr(p, ' ', (size_t)(cr - p));
	if (sp == p)
		return FG_R_SIP_RURI_EMPTY;
	if (sp == NULL)
		return p == cr ? FG_R_SIP_RURI_EMPTY : FG_R_SIP_START_LINE;
	n = (uint32_t)(sp - p);
	if (n > lim->max_ruri)
		return FG_R_SIP_RURI_LONG;
	/* scheme ":" and no control or 8-bit bytes (RFC 3986 is ASCII) */
	{
		uint32_t i = 0;

		while (i < n && (tchar[p[i]] && p[i] != '!' && p[i] != '%' &&
				 p[i] != '*' && p[i] != '_' && p[i] != '`' &&
				 p[i] != '\'' && p[i] != '~'))
			i++;
		if (i == 0 || i == n || p[i] != ':')
			return FG_R_SIP_RURI_BAD;
		if (has_ctl_or_8bit(p, n))
			return FG_R_SIP_RURI_BAD;
	}
	out->ruri = span(msg, p, n);
	sp++;
	if (cr - sp != 7 || memcmp(sp, "SIP/2.0", 7) != 0)
		return FG_R_SIP_VERSION;
	return FG_R_OK;
}

/* Status line: SIP-Version SP Status-Code SP Reason-Phrase. */
static unsigned int
parse_status_line(const uint8_t *msg, const uint8_t *cr, struct fg_sip *out)
{
	const uint8_t *p = msg + 8;
	unsigned int code;

	out->kind = FG_SIP_RESPONSE;
	if (cr - p < 3 || p[0] < '1' || p[0] > '6' || p[1] < '0' ||
	    p[1] > '9' || p[2] < '0' || p[2] > '9' ||
	    (cr - p > 3 && p[3] != ' '))
		return FG_R_SIP_STATUS;
	code = (unsigned int)(p[0] - '0') * 100 + (unsigned int)(p[1] - '0') * 10 +
	       (unsigned int)(p[2] - '0');
	out->status = (uint16_t)code;
	return FG_R_OK;
}

/* What follows a complete UDP message: white space, or an error. */
static unsigned int
check_trailing(const uint8_t *t, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && is_lws(t[i]))
		i++;
	if (i == n)
		return FG_R_OK;
	for (uint32_t j = i; j + 7 <= n && j < i + 256; j++)
		if (t[j] == 'S' && memcmp(t + j, "SIP/2.0", 7) == 0)
			return FG_R_SIP_TWO_MESSAGES;
	return FG_R_SIP_TRAILING_BYTES;
}

unsigned int
fg_sip_parse(const struct fg_sip_limits *lim, const uint8_t *msg, uint32_t len,
	     bool stream, struct fg_sip *out)
{
	struct hdr_state h = { .id = H_NONE };
	const uint8_t *end, *p, *lf, *nul;
	unsigned int r;
	uint32_t body;

	memset(out, 0, sizeof(*out));
	out->msgs = 1;
	if (len > FG_SIP_MAX_MSG)
		len = FG_SIP_MAX_MSG;
	if (len == 0)
		return FG_R_SIP_EMPTY;
	end = msg + len;

	/* RFC 5626 keep-alive: CRLF (pong) or CRLFCRLF (ping). */
	if (msg[0] == '\r' || msg[0] == '\n') {
		uint32_t i = 0;

		while (i < len && i < 4 && (msg[i] == '\r' || msg[i] == '\n'))
			i++;
		if (i == len) {
			out->kind = FG_SIP_KEEPALIVE;
			return FG_R_OK;
		}
		if (stream) {
			out->kind = FG_SIP_CONTINUATION;
			return FG_R_SIP_TCP_NONSTART;
		}
		return FG_R_SIP_START_LINE;
	}

	/* start line */
	nul = end;
	lf = find_lf_nul(msg, end, &nul);
	if (len >= 8 && memcmp(msg, "SIP/2.0 ", 8) == 0) {
		if (lf == NULL || lf[-1] != '\r')
			goto no_line;
		if (nul < lf)
			return FG_R_SIP_NUL;
		r = parse_status_line(msg, lf - 1, out);
	} else {
		const uint8_t *cr = lf != NULL && lf[-1] == '\r' ? lf - 1 :
				    lf != NULL ? lf : end;

		r = parse_request_line(lim, msg, cr, stream, out);
		if (r == FG_R_SIP_TCP_NONSTART) {
			memset(out, 0, sizeof(*out));
			out->msgs = 1;
			out->kind = FG_SIP_CONTINUATION;
			return r;
		}
		if (lf == NULL || lf[-1] != '\r')
			goto no_line;
		if (nul < lf)
			return FG_R_SIP_NUL;
	}
	if (r != FG_R_OK)
		return r;

	/* header fields, until the empty line */
	for (p = lf + 1;; p = lf + 1) {
		const uint8_t *cr, *q;

		if (p == end)
			goto unterminated;
		lf = find_lf_nul(p, end, &nul);
		if (lf == NULL)
			goto unterminated;
		if (lf == p || lf[-1] != '\r')
			return FG_R_SIP_NO_CRLF;
		if (nul < lf)
			return FG_R_SIP_NUL;
		cr = lf - 1;

		if (is_ws(*p)) {                /* folded continuation */
			if (h.start == NULL)
				return FG_R_SIP_HDR_FOLD_FIRST;
			h.ve = cr;
			continue;
		}
		if (h.start != NULL &&
		    (r = hdr_finish(lim, msg, &h, out)) != FG_R_OK)
			return r;
		if (cr == p)                    /* empty line: end of headers */
			break;

		if (out->headers == lim->max_headers)
			return FG_R_SIP_HDR_TOO_MANY;
		out->headers++;
		q = skip_tchar(p, end);         /* stops at cr at the latest */
		h.id = hdr_lookup(p, (uint32_t)(q - p));
		h.start = p;
		if (q == p && *q != ':' && (is_ctl(*q) || *q >= 0x80))
			return FG_R_SIP_HDR_NAME_CTL;
		while (q < cr && is_ws(*q))     /* LWS before the colon */
			q++;
		if (q == cr || *q != ':' || q == p)
			return (q < cr && (is_ctl(*q) || *q >= 0x80)) ?
				FG_R_SIP_HDR_NAME_CTL : FG_R_SIP_HDR_NO_COLON;
		for (q++; q < cr && is_ws(*q); q++)
			;
		h.vs = q;
		h.ve = cr;
	}

	out->hdr_len = (uint16_t)(lf + 1 - msg);
	if ((h.seen & H_REQUIRED_MASK) != H_REQUIRED_MASK)
		return FG_R_SIP_HDR_MISSING;
	if (out->kind == FG_SIP_REQUEST &&
	    (out->cseq_method_s.len != out->method_s.len ||
	     memcmp(msg + out->cseq_method_s.off, msg + out->method_s.off,
		    out->method_s.len) != 0))
		return FG_R_SIP_CSEQ_METHOD;

	body = (uint32_t)(end - (lf + 1));
	if (!(out->flags & FG_SIP_F_CLEN)) {
		/* RFC 3261 §18.3: mandatory on stream transports. */
		if (stream)
			return FG_R_SIP_HDR_MISSING;
		out->content_length = body;
		return FG_R_OK;
	}
	if (out->content_length > body)
		return stream ? FG_R_SIP_TCP_PARTIAL : FG_R_SIP_CLEN_RANGE;
	if (out->content_length < body) {
		if (stream) {
			out->flags |= FG_SIP_F_MORE;
			return FG_R_OK;
		}
		return check_trailing(lf + 1 + out->content_length,
				      body - out->content_length);
	}
	return FG_R_OK;

unterminated:
	if (stream)
		return FG_R_SIP_TCP_PARTIAL;
	return FG_R_SIP_HDR_UNTERMINATED;
no_line:
	if (stream)
		return FG_R_SIP_TCP_PARTIAL;
	return FG_R_SIP_NO_CRLF;
}

unsigned int
fg_sip_parse_rest(const struct fg_sip_limits *lim, const uint8_t *seg, uint32_t len,
		  struct fg_sip *first)
{
	struct fg_sip s = *first;
	uint32_t off = 0, max = lim->max_msgs != 0 ? lim->max_msgs : FG_SIP_DEF_MAX_MSGS;
	unsigned int r = FG_R_OK;

	if (max > FG_SIP_MAX_MSGS)
		max = FG_SIP_MAX_MSGS;
	/* each message is at least its start line and four headers: the
	 * count is bounded by the segment's bytes as well as by max */
	while (r == FG_R_OK && (s.flags & FG_SIP_F_MORE)) {
		uint32_t n = fg_sip_next(seg + off, len - off, &s);

		if (n == len - off)
			break;         /* keep-alive bytes to the end */
		if (first->msgs == max)
			return FG_R_SIP_TCP_MSGS;
		off += n;
		first->msgs++;
		r = fg_sip_parse(lim, seg + off, len - off, true, &s);
	}
	/* the first message's length says one starts here: its framing is broken */
	return r == FG_R_SIP_TCP_NONSTART ? FG_R_SIP_START_LINE : r;
}

bool
fg_sip_next_msg(const uint8_t *seg, uint32_t len, uint32_t *off, struct fg_sip *cur)
{
	static const struct fg_sip_limits lax = {
		UINT16_MAX, UINT16_MAX, UINT16_MAX, UINT16_MAX, UINT16_MAX, FG_SIP_MAX_MSGS,
	};

	if (*off >= len)
		return false;
	*off += fg_sip_next(seg + *off, len - *off, cur);
	if (*off >= len)
		return false;
	fg_sip_parse(&lax, seg + *off, len - *off, true, cur);
	return true;
}
