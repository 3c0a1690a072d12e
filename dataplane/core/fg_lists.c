/* SPDX-License-Identifier: BSD-3-Clause */
/* The lists as operators edit them (fg_lists.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fg_err.h"
#include "fg_lists.h"

static const char *const list_names[FG_LIST_COUNT] = {
	"allow", "block", "allow-domain", "block-domain", "watch-domain",
};

const char *
fg_list_name(enum fg_list l)
{
	return l < FG_LIST_COUNT ? list_names[l] : "?";
}

enum fg_list
fg_list_by_name(const char *name)
{
	for (int i = 0; i < FG_LIST_COUNT; i++)
		if (strcmp(name, list_names[i]) == 0)
			return (enum fg_list)i;
	return FG_LIST_COUNT;
}

static bool
is_domainish(const char *s)
{
	bool alpha = false;

	/* IPv6 addresses have ':', prefixes '/', IPv4 no letters: a letter
	 * anywhere else means a domain */
	for (; *s != '\0'; s++) {
		if (*s == ':' || *s == '/')
			return false;
		alpha |= (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z');
	}
	return alpha;
}

static int
parse_domain(const char *s, char out[FG_DOMAIN_MAX], char *err, size_t errlen)
{
	if (strlen(s) >= FG_DOMAIN_MAX)
		return fg_errf(err, errlen, -1, "%s: domain longer than %d bytes", s,
			       FG_DOMAIN_MAX - 1);
	if (fg_domain_parse(s, out) != 0)
		return fg_errf(err, errlen, -1, "%s: not a SIP domain (letters, digits, '-' and "
			       "'.' only, no empty label)", s);
	return 0;
}

static int
parse_bound(const char *text, struct fg_fed_domain_bind *b, char *err, size_t errlen)
{
	char buf[FG_DOMAIN_MAX + FG_FED_BIND_MAX * 48], *at, *pfx, *save = NULL;

	if (strlen(text) >= sizeof(buf))
		return fg_errf(err, errlen, -1, "%s: too long", text);
	strcpy(buf, text);
	at = strchr(buf, '@');
	if (at == NULL)
		return fg_errf(err, errlen, -1, "%s: an allowed domain needs '@PREFIX[|PREFIX...]', "
			       "the prefixes its requests may come from", text);
	*at++ = '\0';
	if (parse_domain(buf, b->domain, err, errlen) != 0)
		return -1;
	for (pfx = strtok_r(at, "|", &save); pfx != NULL; pfx = strtok_r(NULL, "|", &save)) {
		const char *why;

		if (b->nbind == FG_FED_BIND_MAX)
			return fg_errf(err, errlen, -1, "%s: more than %d prefixes", text,
				       FG_FED_BIND_MAX);
		why = fg_prefix_parse_why(pfx, &b->bind[b->nbind]);
		if (why != NULL)
			return fg_errf(err, errlen, -1, "%s: %s", pfx, why);
		b->nbind++;
	}
	if (b->nbind == 0)
		return fg_errf(err, errlen, -1, "%s: binds to no prefix", text);
	return 0;
}

int
fg_list_item_parse_in(enum fg_list l, const char *text, struct fg_list_item *it,
		      char *err, size_t errlen)
{
	const char *why;

	memset(it, 0, sizeof(*it));
	it->list = l;
	switch (l) {
	case FG_LIST_ALLOW:
	case FG_LIST_BLOCK:
		why = fg_prefix_parse_why(text, &it->pfx);
		return why == NULL ? 0 : fg_errf(err, errlen, -1, "%s: %s", text, why);
	case FG_LIST_ALLOW_DOM:
		return parse_bound(text, &it->dom, err, errlen);
	case FG_LIST_BLOCK_DOM:
	case FG_LIST_WATCH_DOM:
		return parse_domain(text, it->dom.domain, err, errlen);
	default:
		return fg_errf(err, errlen, -1, "no such list");
	}
}

int
fg_list_item_parse(const char *verb, const char *text, struct fg_list_item *it,
		   char *err, size_t errlen)
{
	bool dom = strchr(text, '@') != NULL || is_domainish(text);

	/* an allowed domain without '@': parse_bound() says what is missing */
	if (strcmp(verb, "allow") == 0)
		return fg_list_item_parse_in(dom ? FG_LIST_ALLOW_DOM : FG_LIST_ALLOW, text, it,
					     err, errlen);
	if (strcmp(verb, "block") == 0)
		return fg_list_item_parse_in(dom ? FG_LIST_BLOCK_DOM : FG_LIST_BLOCK, text, it,
					     err, errlen);
	if (strcmp(verb, "watch") == 0) {
		if (dom)
			return fg_list_item_parse_in(FG_LIST_WATCH_DOM, text, it, err, errlen);
		err[0] = '\0';
		return -1;
	}
	return fg_errf(err, errlen, -1, "%s: no such list (allow, block, watch)", verb);
}

int
fg_list_file_parse(const char *verb, const char *buf, size_t len, fg_list_file_fn fn,
		   void *arg)
{
	const char *p = buf, *end = buf + len;
	unsigned int line = 0;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl != NULL ? nl : end) - p), a = 0, b;
		char text[FG_LIST_LINE_MAX], err[256];
		struct fg_list_item it;

		line++;
		if (ll >= sizeof(text) || memchr(p, '\0', ll) != NULL) {
			rc = fn(NULL, line, ll >= sizeof(text) ? "line too long" :
				"a NUL byte: not a text file", arg);
			p += ll + 1;
			continue;
		}
		memcpy(text, p, ll);
		text[ll] = '\0';
		p += ll + 1;
		text[strcspn(text, "#;")] = '\0';
		while (text[a] == ' ' || text[a] == '\t')
			a++;
		for (b = strlen(text); b > a && strchr(" \t\r", text[b - 1]) != NULL; b--)
			;
		text[b] = '\0';
		if (a == b)
			continue;
		if (fg_list_item_parse(verb, text + a, &it, err, sizeof(err)) != 0)
			rc = fn(NULL, line, err[0] != '\0' ? err : "not an item of this list", arg);
		else
			rc = fn(&it, line, NULL, arg);
	}
	return rc;
}

void
fg_list_item_print(const struct fg_list_item *it, FILE *f)
{
	switch (it->list) {
	case FG_LIST_ALLOW:
	case FG_LIST_BLOCK:
		fg_prefix_print(&it->pfx, f);
		break;
	case FG_LIST_ALLOW_DOM:
		fprintf(f, "%s@", it->dom.domain);
		for (uint32_t j = 0; j < it->dom.nbind; j++) {
			fputs(j != 0 ? "|" : "", f);
			fg_prefix_print(&it->dom.bind[j], f);
		}
		break;
	default:
		fputs(it->dom.domain, f);
		break;
	}
}

/* The count and the entries of domain list k. */
static uint32_t *
count_of(struct fg_fed_lists *l, enum fg_list k)
{
	uint32_t *c[FG_LIST_COUNT] = { NULL, NULL, &l->nallow_dom, &l->nblock_dom,
				       &l->nwatch_dom };
	return c[k];
}

static void *
entry_of(struct fg_fed_lists *l, enum fg_list k, uint32_t i)
{
	switch (k) {
	case FG_LIST_ALLOW_DOM:
		return &l->allow_dom[i];
	case FG_LIST_BLOCK_DOM:
		return l->block_dom[i];
	default:
		return l->watch_dom[i];
	}
}

static size_t
entry_size(enum fg_list k)
{
	struct fg_fed_lists *l = NULL;

	return k == FG_LIST_ALLOW_DOM ? sizeof(l->allow_dom[0]) : sizeof(l->block_dom[0]);
}

uint32_t
fg_lists_count(const struct fg_fed_lists *l, enum fg_list k)
{
	return fg_list_is_pfx(k) ? 0 : *count_of((struct fg_fed_lists *)(uintptr_t)l, k);
}

uint32_t
fg_lists_entries(const struct fg_fed_lists *l, const struct fg_pfxset *s, enum fg_list k)
{
	struct fg_pfxset_stats st;

	if (!fg_list_is_pfx(k))
		return fg_lists_count(l, k);
	fg_pfxset_stats(s, &st);
	return st.rules4[fg_list_pfx(k)] + st.rules6[fg_list_pfx(k)];
}

void
fg_lists_get(const struct fg_fed_lists *l, enum fg_list k, uint32_t i,
	     struct fg_list_item *out)
{
	const void *e = entry_of((struct fg_fed_lists *)(uintptr_t)l, k, i);

	memset(out, 0, sizeof(*out));
	out->list = k;
	if (k == FG_LIST_ALLOW_DOM)
		out->dom = *(const struct fg_fed_domain_bind *)e;
	else
		memcpy(out->dom.domain, e, FG_DOMAIN_MAX);
}

/* Index of the entry @p it names in its list, or -1. */
static int64_t
find(struct fg_fed_lists *l, const struct fg_list_item *it)
{
	uint32_t n = *count_of(l, it->list);

	for (uint32_t i = 0; i < n; i++) {
		const void *e = entry_of(l, it->list, i);

		if (strcmp(it->list == FG_LIST_ALLOW_DOM ?
			   ((const struct fg_fed_domain_bind *)e)->domain : e, it->dom.domain) == 0)
			return i;
	}
	return -1;
}

static void
put(struct fg_fed_lists *l, const struct fg_list_item *it, uint32_t i)
{
	void *e = entry_of(l, it->list, i);

	if (it->list == FG_LIST_ALLOW_DOM)
		*(struct fg_fed_domain_bind *)e = it->dom;
	else
		memcpy(e, it->dom.domain, FG_DOMAIN_MAX);
}

int
fg_lists_add(struct fg_fed_lists *l, const struct fg_list_item *it)
{
	uint32_t *n;
	int64_t i;

	if (fg_list_is_pfx(it->list))
		return -EINVAL;
	n = count_of(l, it->list);
	i = find(l, it);

	if (i >= 0) {
		if (it->list != FG_LIST_ALLOW_DOM ||
		    memcmp(&l->allow_dom[i], &it->dom, sizeof(it->dom)) == 0)
			return -EEXIST;
		put(l, it, (uint32_t)i);    /* new bindings */
		return 0;
	}
	if (*n == FG_FED_LIST_MAX)
		return -ENOSPC;
	put(l, it, *n);
	(*n)++;
	return 0;
}

int
fg_lists_del(struct fg_fed_lists *l, const struct fg_list_item *it)
{
	uint32_t *n;
	int64_t i;
	size_t sz = entry_size(it->list);

	if (fg_list_is_pfx(it->list))
		return -EINVAL;
	n = count_of(l, it->list);
	i = find(l, it);
	if (i < 0)
		return -ENOENT;
	/* keep the order: lists print as the operator built them */
	memmove(entry_of(l, it->list, (uint32_t)i), entry_of(l, it->list, (uint32_t)i + 1),
		(*n - (uint32_t)i - 1) * sz);
	(*n)--;
	return 0;
}

int
fg_lists_merge_domains(struct fg_fed_lists *l, const struct fg_fed_lists *prev,
		       const struct fg_fed_lists *next, uint32_t *added, uint32_t *removed)
{
	struct fg_list_item it;
	int rc = 0;

	*added = *removed = 0;
	for (enum fg_list k = FG_LIST_ALLOW_DOM; k < FG_LIST_COUNT; k++) {
		for (uint32_t i = 0; prev != NULL && i < fg_lists_count(prev, k); i++) {
			fg_lists_get(prev, k, i, &it);
			if (find((struct fg_fed_lists *)(uintptr_t)next, &it) < 0 &&
			    fg_lists_del(l, &it) == 0)
				(*removed)++;
		}
		for (uint32_t i = 0; i < fg_lists_count(next, k); i++) {
			int r;

			fg_lists_get(next, k, i, &it);
			r = fg_lists_add(l, &it);
			if (r == 0)
				(*added)++;
			else if (r == -ENOSPC)
				rc = r;
		}
	}
	return rc;
}

/* Write only the 64-byte pieces that differ: the copy an update starts
 * from is mostly the same already, and every line written is a cache
 * miss for the lcores that read it next. */
static void
copy_changed(void *dst, const void *src, size_t len)
{
	for (size_t off = 0; off < len; off += 64) {
		size_t n = len - off < 64 ? len - off : 64;

		if (memcmp((uint8_t *)dst + off, (const uint8_t *)src + off, n) != 0)
			memcpy((uint8_t *)dst + off, (const uint8_t *)src + off, n);
	}
}

int
fg_lists_copy(struct fg_fed_lists *dst, const struct fg_fed_lists *src)
{
	int rc = 0;

	for (int k = FG_LIST_ALLOW_DOM; k < FG_LIST_COUNT; k++) {
		uint32_t n = fg_lists_count(src, (enum fg_list)k);

		/* a damaged count must not write past dst */
		if (n > FG_FED_LIST_MAX) {
			n = FG_FED_LIST_MAX;
			rc = -EINVAL;
		}
		copy_changed(entry_of(dst, (enum fg_list)k, 0),
			     entry_of((struct fg_fed_lists *)(uintptr_t)src, (enum fg_list)k, 0),
			     n * entry_size((enum fg_list)k));
		if (*count_of(dst, (enum fg_list)k) != n)
			*count_of(dst, (enum fg_list)k) = n;
	}
	return rc;
}

static bool
terminated(const char *s)
{
	return memchr(s, '\0', FG_DOMAIN_MAX) != NULL;
}

int
fg_lists_check(const struct fg_fed_lists *l)
{
	for (int k = FG_LIST_ALLOW_DOM; k < FG_LIST_COUNT; k++)
		if (fg_lists_count(l, (enum fg_list)k) > FG_FED_LIST_MAX)
			return -EINVAL;
	for (uint32_t i = 0; i < l->nallow_dom; i++) {
		if (!terminated(l->allow_dom[i].domain) || l->allow_dom[i].nbind == 0 ||
		    l->allow_dom[i].nbind > FG_FED_BIND_MAX)
			return -EINVAL;
		for (uint32_t j = 0; j < l->allow_dom[i].nbind; j++)
			if (l->allow_dom[i].bind[j].len > 128)
				return -EINVAL;
	}
	for (uint32_t i = 0; i < l->nblock_dom; i++)
		if (!terminated(l->block_dom[i]))
			return -EINVAL;
	for (uint32_t i = 0; i < l->nwatch_dom; i++)
		if (!terminated(l->watch_dom[i]))
			return -EINVAL;
	return 0;
}

/* CRC-32 (IEEE, reflected), a byte at a time: a state file of a million
 * entries is ~60 MB. */
uint32_t
fg_crc32(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t tab[256];
	const uint8_t *p = buf;

	if (tab[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int b = 0; b < 8; b++)
				c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
			tab[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = tab[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

void
fg_tags_init(struct fg_tags *t)
{
	memset(t, 0, sizeof(*t));
	strcpy(t->name[FG_TAG_MANUAL], "manual");
	strcpy(t->name[FG_TAG_CONFIG], "config");
}

bool
fg_tag_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= FG_TAG_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.") == n;
}

bool
fg_tag_bgp(const char *name)
{
	size_t k = sizeof(FG_TAG_BGP) - 1;

	return strncmp(name, FG_TAG_BGP, k) == 0 && fg_tag_ok(name + k) &&
	       strlen(name) < FG_TAG_MAX;
}

int
fg_tags_id(struct fg_tags *t, const char *name, bool create)
{
	int free_id = -1;

	if (!fg_tag_ok(name) && !fg_tag_bgp(name))
		return -EINVAL;
	for (int i = 0; i < FG_TAGS; i++) {
		if (strncmp(t->name[i], name, FG_TAG_MAX) == 0)
			return i;
		if (free_id < 0 && t->name[i][0] == '\0')
			free_id = i;
	}
	if (!create)
		return -ENOENT;
	if (free_id < 0)
		return -ENOSPC;
	memcpy(t->name[free_id], name, strlen(name) + 1);
	return free_id;
}

const char *
fg_tag_name(const struct fg_tags *t, uint16_t id)
{
	return id < FG_TAGS && memchr(t->name[id], '\0', FG_TAG_MAX) != NULL &&
	       t->name[id][0] != '\0' ? t->name[id] : "?";
}

int64_t
fg_pfx_entries(const struct fg_pfxset *s, unsigned int list, int tag,
	       struct fg_pfx_entry **out)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_pfx_entry *v = NULL;
	uint64_t pos = 0, n = 0, cap = 0;
	struct fg_prefix p;
	uint32_t in;

	while (fg_pfxset_next(s, &pos, &p, &in, m) == 1) {
		if (!((in >> list) & 1) || (tag >= 0 && m[list].tag != tag))
			continue;
		if (n == cap) {
			struct fg_pfx_entry *nv;

			cap = cap != 0 ? cap * 2 : 1024;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = (struct fg_pfx_entry){ p, (uint8_t)list, m[list] };
	}
	*out = v;
	return (int64_t)n;
}

const char *
fg_pfxset_nospc_name(const struct fg_pfxset *s)
{
	struct fg_pfxset_stats st;

	fg_pfxset_stats(s, &st);
	return st.last_nospc == FG_PFX_NOSPC_GROUPS ? "no /24 group left: [lists] groups4" :
	       "[lists] max_prefixes reached";
}

#define FG_LISTS_HEAD "# floodguard lists v2: written by floodctl, loaded at start\n"

int
fg_lists_save(const struct fg_fed_lists *l, const struct fg_pfxset *s,
	      const struct fg_tags *t, FILE *f)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	char *buf = NULL;
	size_t len = 0;
	uint32_t n = 0, in;
	uint64_t pos = 0;
	FILE *ms = open_memstream(&buf, &len);
	int rc;

	if (ms == NULL)
		return -ENOMEM;
	fputs(FG_LISTS_HEAD, ms);
	while (s != NULL && fg_pfxset_next(s, &pos, &p, &in, m) == 1)
		for (unsigned int k = 0; k < FG_PFX_LIST_COUNT; k++) {
			/* the cluster's routes come again from BGP */
			if (!((in >> k) & 1) || fg_tag_bgp(fg_tag_name(t, m[k].tag)))
				continue;
			n++;
			fprintf(ms, "%s ", k == FG_PFX_LIST_ALLOW ? "allow" : "block");
			fg_prefix_print(&p, ms);
			fprintf(ms, " tag=%s added=%" PRIu32, fg_tag_name(t, m[k].tag), m[k].added_s);
			if (m[k].expires_s != 0)
				fprintf(ms, " expires=%" PRIu32, m[k].expires_s);
			fputc('\n', ms);
		}
	for (int k = FG_LIST_ALLOW_DOM; k < FG_LIST_COUNT; k++)
		for (uint32_t i = 0; i < fg_lists_count(l, (enum fg_list)k); i++, n++) {
			struct fg_list_item it;

			fg_lists_get(l, (enum fg_list)k, i, &it);
			fprintf(ms, "%s ", fg_list_name((enum fg_list)k));
			fg_list_item_print(&it, ms);
			fputc('\n', ms);
		}
	rc = fg_crc_file_end(ms, &buf, &len, n, f);
	return rc < 0 ? rc : 0;
}

int
fg_crc_file_end(FILE *ms, char **buf, size_t *len, uint32_t n, FILE *out)
{
	int rc = 0;

	if (fclose(ms) != 0)
		return -ENOMEM;
	if (fwrite(*buf, 1, *len, out) != *len ||
	    fprintf(out, "end %" PRIu32 " crc32=%08x\n", n, fg_crc32(0, *buf, *len)) < 0)
		rc = -EIO;
	free(*buf);
	*buf = NULL;
	return rc != 0 ? rc : (int)n;
}

/* " tag=NAME added=N[ expires=N]" after a prefix of the state file. */
static int
parse_meta(char *a, struct fg_tags *t, struct fg_pfx_meta *m, char *err, size_t errlen)
{
	char *save = NULL;

	memset(m, 0, sizeof(*m));
	for (char *kv = strtok_r(a, " ", &save); kv != NULL; kv = strtok_r(NULL, " ", &save)) {
		char *v = strchr(kv, '='), *end;
		unsigned long n;
		int id;

		if (v == NULL)
			return fg_errf(err, errlen, -1, "%s: expected KEY=VALUE", kv);
		*v++ = '\0';
		if (strcmp(kv, "tag") == 0) {
			id = fg_tags_id(t, v, true);
			if (id < 0)
				return fg_errf(err, errlen, -1, "tag=%s: %s", v, id == -ENOSPC ?
					       "more than 256 tags" : "not a tag name");
			m->tag = (uint16_t)id;
			continue;
		}
		if (strcmp(kv, "added") != 0 && strcmp(kv, "expires") != 0)
			return fg_errf(err, errlen, -1, "%s: unknown (tag, added, expires)", kv);
		errno = 0;
		n = strtoul(v, &end, 10);
		if (errno != 0 || *end != '\0' || end == v || n > UINT32_MAX)
			return fg_errf(err, errlen, -1, "%s=%s: not a time in seconds", kv, v);
		*(kv[0] == 'a' ? &m->added_s : &m->expires_s) = (uint32_t)n;
	}
	return 0;
}

int
fg_lists_load(struct fg_fed_lists *l, struct fg_pfxset *s, struct fg_tags *t,
	      const char *buf, size_t len, uint32_t now_s, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	unsigned int line = 0;
	uint32_t n = 0;

	if (len > FG_LISTS_FILE_MAX)
		return fg_errf(err, errlen, -1, "%zu bytes, more than a state file may have (%u)",
			       len, FG_LISTS_FILE_MAX);
	memset(l, 0, sizeof(*l));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char text[512], *sp, *attr, why[256];
		struct fg_list_item it;
		struct fg_pfx_meta m;
		enum fg_list k;
		size_t ll;
		int rc;

		line++;
		if (nl == NULL)
			return fg_errf(err, errlen, -1, "line %u: truncated (no end line)", line);
		ll = (size_t)(nl - p);
		if (ll >= sizeof(text))
			return fg_errf(err, errlen, -1, "line %u: too long", line);
		memcpy(text, p, ll);
		text[ll] = '\0';
		if (strncmp(text, "end ", 4) == 0) {
			uint32_t cnt, crc;

			if (sscanf(text, "end %" SCNu32 " crc32=%" SCNx32, &cnt, &crc) != 2)
				return fg_errf(err, errlen, -1, "line %u: bad end line", line);
			if (cnt != n)
				return fg_errf(err, errlen, -1, "line %u: %" PRIu32 " entries, the end line "
					       "says %" PRIu32, line, n, cnt);
			if (crc != fg_crc32(0, buf, (size_t)(p - buf)))
				return fg_errf(err, errlen, -1, "line %u: checksum mismatch (the file "
					       "was changed or damaged)", line);
			if (nl + 1 != end)
				return fg_errf(err, errlen, -1, "line %u: data after the end line", line);
			return 0;
		}
		p = nl + 1;
		if (text[0] == '#' || text[0] == '\0')
			continue;
		sp = strchr(text, ' ');
		if (sp == NULL)
			return fg_errf(err, errlen, -1, "line %u: expected 'LIST ITEM'", line);
		*sp = '\0';
		k = fg_list_by_name(text);
		if (k == FG_LIST_COUNT)
			return fg_errf(err, errlen, -1, "line %u: %s: no such list", line, text);
		attr = fg_list_is_pfx(k) ? strchr(sp + 1, ' ') : NULL;
		if (attr != NULL)
			*attr++ = '\0';
		if (fg_list_item_parse_in(k, sp + 1, &it, why, sizeof(why)) != 0 ||
		    (attr != NULL && parse_meta(attr, t, &m, why, sizeof(why)) != 0))
			return fg_errf(err, errlen, -1, "line %u: %s", line, why);
		n++;
		if (!fg_list_is_pfx(k)) {
			if (fg_lists_add(l, &it) == -ENOSPC)
				return fg_errf(err, errlen, -1, "line %u: more than %d %s entries", line,
					       FG_FED_LIST_MAX, fg_list_name(k));
			continue;
		}
		if (attr == NULL)     /* a v1 file: entries by hand, added now */
			m = (struct fg_pfx_meta){ .tag = FG_TAG_MANUAL, .added_s = now_s };
		if (m.expires_s != 0 && m.expires_s <= now_s)
			continue;     /* expired while floodguard was down */
		rc = fg_pfxset_add(s, fg_list_pfx(k), &it.pfx, &m);
		if (rc == -ENOSPC)
			return fg_errf(err, errlen, -1, "line %u: the prefix lists are full (%s)",
				       line, fg_pfxset_nospc_name(s));
		if (rc != 0 && rc != -EEXIST)
			return fg_errf(err, errlen, -1, "line %u: %s", line, strerror(-rc));
	}
	return fg_errf(err, errlen, -1, "no end line (the file is truncated)");
}
