/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodctl allow|block|watch: edit and show the lists in the data plane's
 * shared memory (shm/fg_shm.h). Every add or del is one update: all its
 * items, or none, reach the data plane.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fg_err.h"
#include "fg_json.h"
#include "fg_lists.h"
#include "floodctl.h"

#define FILE_USAGE \
"Prefix entries carry a tag (--tag, default manual: the feed they came from),\n" \
"when they were added, and an expiry (--ttl: gone SECONDS after they apply).\n" \
"--file FILE: the items of FILE ('-': standard input), one a line; '#' or ';'\n" \
"starts a comment. Every bad line is named (FILE:LINE) and nothing changes,\n" \
"unless --skip-bad: the good lines apply, the bad ones are counted. One update:\n" \
"all of the file's items reach the data plane, or none.\n" \
"replace: FILE's prefixes become the entries of tag NAME; the tag's other\n" \
"entries go, entries of other tags (and added by hand) are left alone.\n" \
"list: sorted; --tag: that tag's entries; --contains: the longest entry holding\n" \
"ADDRESS (exit 3: none); --offset/--limit: one page.\n"
#define FILE_BAD_SHOWN 20      /* bad lines named before "and N more" */
#define FILE_MAX (256u << 20)  /* bytes of a --file */

const char fc_allow_usage[] =
"usage: floodctl allow add ITEM... [--tag NAME] [--ttl SECONDS] [-i NAME]\n"
"       floodctl allow del ITEM... [-i NAME]\n"
"       floodctl allow add|del --file FILE [--skip-bad] [--tag NAME] [--ttl SECONDS]\n"
"       floodctl allow replace --file FILE --tag NAME [--skip-bad] [--ttl SECONDS]\n"
"       floodctl allow list [--tag NAME] [--contains ADDRESS] [--offset K] [--limit N]\n"
"                           [--json] [-i NAME]\n"
"ITEM: an address or prefix (198.18.0.0/24, 2001:db8::/32): exempt from every\n"
"rule and limit; or DOMAIN@PREFIX[|PREFIX...]: SIP messages From DOMAIN are\n"
"exempt when they come from those prefixes (an allowed domain that also\n"
"comes from elsewhere is counted as allow_spoof and gets the rules).\n"
FILE_USAGE
COMMON_USAGE;

const char fc_block_usage[] =
"usage: floodctl block add ITEM... [--tag NAME] [--ttl SECONDS] [-i NAME]\n"
"       floodctl block del ITEM... [-i NAME]\n"
"       floodctl block add|del --file FILE [--skip-bad] [--tag NAME] [--ttl SECONDS]\n"
"       floodctl block replace --file FILE --tag NAME [--skip-bad] [--ttl SECONDS]\n"
"       floodctl block list [--tag NAME] [--contains ADDRESS] [--offset K] [--limit N]\n"
"                           [--json] [-i NAME]\n"
"ITEM: an address or prefix (every packet from it to a protected port drops,\n"
"reason block-list), or a SIP domain (messages whose From is that domain drop).\n"
FILE_USAGE
COMMON_USAGE;

const char fc_watch_usage[] =
"usage: floodctl watch add ADDRESS|DOMAIN... [--mode high|medium] [-i NAME]\n"
"       floodctl watch del ADDRESS|DOMAIN... [-i NAME]\n"
"       floodctl watch set ADDRESS|DOMAIN... --mode high|medium|default [-i NAME]\n"
"       floodctl watch list [--json] [-i NAME]\n"
"       floodctl watch promote ADDRESS allow|block [-i NAME]\n"
"       floodctl watch promote DOMAIN block | DOMAIN allow PREFIX[|PREFIX...]\n"
"The watch list: one entry per SIP domain the watched partners used (their\n"
"addresses beside it), per watched partner that used none, per domain\n"
"watched by hand; each with its reasons, its throttling mode and whether the\n"
"mode's condition holds (alert: high = failure-ratio or uri-limit, medium =\n"
"both). Partners are addresses: the rules count per address.\n"
"  --mode M     the entry's throttling mode ([sip-rules] default_mode until\n"
"               set; default: back to it)\n"
"del of a partner whose condition still holds warns: the rules put it back.\n"
"promote: off the watch list and onto the allow or block list, one command.\n"
COMMON_USAGE;

struct edit {
	const char *cmd;
	bool add;
	unsigned int n;
	unsigned int ndel;   /* with add: the last ndel items are deleted instead */
	struct fg_list_item *it;
	int *rc;          /* per item: 0, -EEXIST / -ENOENT */
	bool summary;     /* one line of counts, not one per item (--file) */
	bool replace;     /* replace --tag: the file becomes the tag's entries */
	const char *tag;  /* --tag NAME of what is added (default manual) */
	uint32_t ttl_s;   /* --ttl: added entries expire after this */
	struct fg_shm_txn_res res;   /* what the list thread answered */
};

static bool
edit_adds(const struct edit *e, unsigned int i)
{
	return e->add && i < e->n - e->ndel;
}

/* The domain items, on the copy of the domain lists. */
static int
apply(struct fg_fed_lists *next, void *arg)
{
	struct edit *e = arg;

	for (unsigned int i = 0; i < e->n; i++) {
		if (fg_list_is_pfx(e->it[i].list))
			continue;
		e->rc[i] = edit_adds(e, i) ? fg_lists_add(next, &e->it[i]) :
					     fg_lists_del(next, &e->it[i]);
		if (e->rc[i] == -ENOSPC)
			return -ENOSPC;
	}
	return 0;
}

/* The prefix items: one transaction the data plane's list thread applies. */
static int
pfx_update(struct fc_ctx *c, struct edit *e, unsigned int npfx, char *err, size_t errlen)
{
	struct fg_pfx_op *ops = calloc((size_t)npfx + 1, sizeof(*ops));
	struct fg_shm_txn t = { .kind = e->replace ? FG_PFX_TXN_REPLACE : FG_PFX_TXN_EDIT,
				.nops = npfx, .list = e->cmd[0] == 'a' ? FG_PFX_LIST_ALLOW :
								       FG_PFX_LIST_BLOCK };
	unsigned int k = 0;
	int tag = FG_TAG_MANUAL, rc;

	if (ops == NULL)
		return fg_errf(err, errlen, -ENOMEM, "no memory for %u changes", npfx);
	if (e->tag != NULL && e->add) {
		tag = fg_shm_tag(&c->h, e->tag);
		if (tag < 0) {
			free(ops);
			return fg_errf(err, errlen, tag, "--tag %s: %s", e->tag, tag == -ENOSPC ?
				       "no room for another tag (256)" : "not a tag name");
		}
	}
	t.tag = (uint16_t)tag;
	for (unsigned int i = 0; i < e->n; i++) {
		const struct fg_list_item *it = &e->it[i];

		if (!fg_list_is_pfx(it->list))
			continue;
		memcpy(ops[k].addr, it->pfx.addr, 16);
		ops[k].len = it->pfx.len;
		ops[k].list = (uint8_t)fg_list_pfx(it->list);
		ops[k].del = !edit_adds(e, i);
		ops[k].ttl_s = e->ttl_s;
		k++;
	}
	rc = fg_shm_pfx_txn(&c->h, &t, ops, &e->res, c->timeout_ms, err, errlen);
	for (unsigned int i = 0, j = 0; i < e->n && (rc == 0 || rc == -EIO); i++)
		if (fg_list_is_pfx(e->it[i].list)) {
			e->rc[i] = ops[j].rc == FG_PFX_OP_DONE ? 0 :
				   ops[j].rc == FG_PFX_OP_HELD ? -EEXIST : -ENOENT;
			j++;
		}
	free(ops);
	return rc;
}

/* One update of @p n items; prints what changed. */
static int
update(struct fc_ctx *c, struct edit *e)
{
	char err[512] = "";
	unsigned int changed = 0, npfx = 0;
	int rc = 0, rc2 = 0;

	for (unsigned int i = 0; i < e->n; i++)
		npfx += fg_list_is_pfx(e->it[i].list);
	if (npfx != 0 || e->replace)
		rc = pfx_update(c, e, npfx, err, sizeof(err));
	if ((rc == 0 || rc == -EIO) && npfx != e->n) {
		char err2[512];

		rc2 = fg_shm_lists_update(&c->h, apply, e, c->timeout_ms, err2, sizeof(err2));
		if (rc2 == -ENOSPC) {
			fc_err(e->cmd, "%s list full (%d entries): %s", fg_list_name(e->it[0].list),
			       FG_FED_LIST_MAX, npfx != 0 ? "its prefixes changed, its domains did not" :
			       "nothing changed");
			return FC_EXIT_FAIL;
		}
		if (rc2 != 0 && (rc == 0 || rc2 != -EIO))
			snprintf(err, sizeof(err), "%s", err2);
		if (rc == 0)
			rc = rc2;
	}
	if (rc != 0 && rc != -EIO) {
		fc_err(e->cmd, "%s", err[0] != '\0' ? err : strerror(-rc));
		return FC_EXIT_FAIL;
	}
	for (unsigned int i = 0; i < e->n; i++)
		changed += e->rc[i] == 0;
	if (e->replace)
		printf("%s: tag %s: %u added, %u already on it%s, %u removed\n", e->cmd,
		       e->tag, changed, e->n - changed,
		       e->res.other_tag != 0 ? " (some under another tag)" : "", e->res.removed);
	else if (e->summary)
		printf("%s: %u %s, %u %s\n", e->cmd, changed,
		       e->add ? "added" : "deleted", e->n - changed,
		       e->add ? "already on it" : "not on it");
	for (unsigned int i = 0; i < e->n && !e->summary; i++) {
		FILE *out = e->rc[i] == 0 ? stdout : stderr;

		fprintf(out, "%s%s %s ", e->rc[i] == 0 ? "" : "floodctl: ",
			e->rc[i] == 0 ? (edit_adds(e, i) ? "added to" : "deleted from") :
			e->rc[i] == -EEXIST ? "already on" : "not on", fg_list_name(e->it[i].list));
		fg_list_item_print(&e->it[i], out);
		fputc('\n', out);
	}
	if (rc == -EIO) {
		fc_err(e->cmd, "applied, but %s: it will not survive a restart", err);
		return FC_EXIT_FAIL;
	}
	return changed == 0 && !(e->replace && e->res.removed != 0) ? FC_EXIT_NOOP : FC_EXIT_OK;
}

static void
print_items(const struct fg_fed_lists *l, enum fg_list k, bool json, bool *first)
{
	for (uint32_t i = 0; i < fg_lists_count(l, k); i++) {
		struct fg_list_item it;

		fg_lists_get(l, k, i, &it);
		if (json) {
			printf("%s{\"list\":\"%s\",\"item\":\"", *first ? "" : ",", fg_list_name(k));
			fg_list_item_print(&it, stdout);
			printf("\"}");
		} else {
			printf("%-13s ", fg_list_name(k));
			fg_list_item_print(&it, stdout);
			putchar('\n');
		}
		*first = false;
	}
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct fg_pfx_entry *x = a, *y = b;
	int c = memcmp(x->p.addr, y->p.addr, 16);

	return c != 0 ? c : (int)x->p.len - (int)y->p.len;
}

static void
print_entry(const struct fg_shm *s, const struct fg_pfx_entry *e, bool json, bool *first)
{
	const char *name = e->list == FG_PFX_LIST_ALLOW ? "allow" : "block";
	const char *tag = fg_tag_name(&s->tags, e->m.tag);

	if (json) {
		printf("%s{\"list\":\"%s\",\"item\":\"", *first ? "" : ",", name);
		fg_prefix_print(&e->p, stdout);
		printf("\",\"tag\":\"%s\",\"added_unix_s\":%" PRIu32 ",\"expires_unix_s\":%"
		       PRIu32 "}", tag, e->m.added_s, e->m.expires_s);
	} else {
		char when[32] = "never";
		time_t t = (time_t)e->m.expires_s;
		struct tm tm;

		if (e->m.expires_s != 0 && gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%-13s ", name);
		fg_prefix_print(&e->p, stdout);
		printf("  tag %s  expires %s\n", tag, when);
	}
	*first = false;
}

/* The entries of prefix list @p k (of tag @p tag, -1: any), sorted; from
 * @p offset, at most @p limit (0: all). @return 0 or -ENOMEM. */
static int
print_prefixes(const struct fc_ctx *c, unsigned int k, int tag, uint64_t offset,
	       uint64_t limit, bool *first)
{
	struct fg_pfx_entry *v;
	int64_t n = fg_pfx_entries(fg_shm_pfx(&c->h), k, tag, &v);

	if (n < 0)
		return (int)n;
	if (n != 0)
		qsort(v, (size_t)n, sizeof(*v), cmp_entry);
	for (uint64_t i = offset; i < (uint64_t)n && (limit == 0 || i < offset + limit); i++)
		print_entry(c->h.s, &v[i], c->json, first);
	free(v);
	return 0;
}

/* list --contains ADDRESS: the longest prefix of each list holding it. */
static int
print_contains(const struct fc_ctx *c, unsigned int k, const uint8_t addr[16], bool *first)
{
	struct fg_pfx_entry e = { .list = (uint8_t)k };

	if (fg_pfxset_match(fg_shm_pfx(&c->h), k, addr, &e.p, &e.m) != 1)
		return 0;
	print_entry(c->h.s, &e, c->json, first);
	return 1;
}

/* Whether @p d is among the domains watched by hand in @p l. */
static bool
hand_watched(const struct fg_fed_lists *l, const char *d)
{
	for (uint32_t i = 0; i < l->nwatch_dom; i++)
		if (strcasecmp(l->watch_dom[i], d) == 0)
			return true;
	return false;
}

/*
 * The entries as the data plane published them (once a second), the
 * domains watched by hand as the lists hold them now (@p l): one removed
 * since is left out, one added since shows with mode "-" until the next
 * publish.
 */
static void
print_partners(struct fc_ctx *c, const struct fg_fed_lists *l, bool json, bool *first)
{
	struct fg_shm *st = malloc(sizeof(*st));
	uint32_t n;

	if (st == NULL || fg_shm_stats_read(c->h.s, st) != 0) {
		free(st);
		return;
	}
	n = st->nwatch < FG_SHM_WATCH ? st->nwatch : FG_SHM_WATCH;
	for (uint32_t i = 0; i < l->nwatch_dom && n < FG_SHM_WATCH; i++) {
		bool seen = false;

		for (uint32_t k = 0; k < n && !seen; k++)
			seen = strcasecmp(st->watch[k].e.domain, l->watch_dom[i]) == 0;
		if (seen)
			continue;
		st->watch[n] = (struct fg_shm_watch){ .e = { .flags = FG_FED_MANUAL,
							     .mode = FG_FED_MODE_COUNT } };
		snprintf(st->watch[n].e.domain, FG_DOMAIN_MAX, "%s", l->watch_dom[i]);
		n++;
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct fg_fed_entry *w = &st->watch[i].e;

		if (w->naddr == 0 && w->domain[0] != '\0' && !hand_watched(l, w->domain))
			continue;
		char key[FG_DOMAIN_MAX + 64], addrs[4 * 48 + 16] = "", why[96], a[64];
		const char *mode = w->mode < FG_FED_MODE_COUNT ? fg_fed_mode_name(w->mode) : "-";
		size_t n = 0;

		if (w->domain[0] != '\0')
			snprintf(key, sizeof(key), "%s", w->domain);
		else
			fg_addr_str(w->addr[0], key, sizeof(key));
		for (uint32_t k = 0; k < w->naddr && k < FG_FED_ENTRY_ADDRS; k++) {
			fg_addr_str(w->addr[k], a, sizeof(a));
			n += (size_t)snprintf(addrs + n, sizeof(addrs) - n, json ? "%s\"%s\"" : "%s%s",
					      k ? "," : "", a);
		}
		if (!json && w->naddr > FG_FED_ENTRY_ADDRS)
			snprintf(addrs + n, sizeof(addrs) - n, ",+%u", w->naddr - FG_FED_ENTRY_ADDRS);
		fg_fed_reasons_str(w->flags, why, sizeof(why));
		if (json)
			printf("%s{\"list\":\"watch\",\"item\":\"%s\",\"addresses\":[%s],"
			       "\"partners\":%u,\"mode\":\"%s\",\"mode_set\":%s,\"alert\":%s,"
			       "\"alert_since_unix_ns\":%" PRIu64 ",\"reasons\":\"%s\","
			       "\"since_unix_ns\":%" PRIu64 ",\"requests\":%" PRIu64
			       ",\"responses_ok\":%" PRIu64 ",\"responses_failed\":%" PRIu64
			       ",\"uris\":%u,\"dropped_rate\":%" PRIu64 ",\"dropped_new_uri\":%"
			       PRIu64 "}", *first ? "" : ",", key, addrs, w->naddr, mode,
			       w->mode_set ? "true" : "false", w->alert ? "true" : "false",
			       w->alert_ns, why, w->since_ns, w->requests, w->resp_ok,
			       w->resp_fail, w->nuris, w->drop_rate, w->drop_uri);
		else
			printf("%-13s %-20s mode %-6s%s alert %-3s reasons %-28s partners %s "
			       "requests %" PRIu64 " ok %" PRIu64 " failed %" PRIu64 " uris %u "
			       "dropped %" PRIu64 "\n", "watch", key, mode, w->mode_set ? "*" : " ",
			       w->alert ? "yes" : "no", why, addrs[0] ? addrs : "-", w->requests,
			       w->resp_ok, w->resp_fail, w->nuris, w->drop_rate + w->drop_uri);
		*first = false;
	}
	free(st);
}

/* list [--tag NAME] [--contains ADDRESS] [--offset K] [--limit N] */
struct list_opts {
	const char *tag;
	bool contains;
	struct fg_prefix addr;
	uint64_t offset, limit;
};

static int
list_args(const char *verb, int argc, char **argv, struct list_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(verb, "watch") == 0 || v == NULL)
			return fc_err(verb, "list: %s: expected --tag NAME, --contains ADDRESS, "
				      "--offset K or --limit N", a), FC_EXIT_USAGE;
		i++;
		if (strcmp(a, "--tag") == 0 && (fg_tag_ok(v) || fg_tag_bgp(v))) {
			o->tag = v;
		} else if (strcmp(a, "--contains") == 0) {
			const char *why = fg_prefix_parse_why(v, &o->addr);

			if (why != NULL || o->addr.len != 128)
				return fc_err(verb, "--contains %s: %s", v, why != NULL ? why :
					      "an address, not a prefix"), FC_EXIT_USAGE;
			o->contains = true;
		} else if (strcmp(a, "--offset") == 0 || strcmp(a, "--limit") == 0) {
			unsigned long long n;

			errno = 0;
			n = strtoull(v, &end, 10);
			if (errno != 0 || *end != '\0' || end == v || v[0] == '-')
				return fc_err(verb, "%s %s: a count", a, v), FC_EXIT_USAGE;
			*(a[2] == 'o' ? &o->offset : &o->limit) = n;
		} else {
			return fc_err(verb, "list: %s %s: expected --tag NAME (a tag name), "
				      "--contains ADDRESS, --offset K or --limit N", a, v),
			       FC_EXIT_USAGE;
		}
	}
	return FC_EXIT_OK;
}

static int
list(struct fc_ctx *c, const char *verb, int argc, char **argv)
{
	struct fg_fed_lists *l = malloc(sizeof(*l));
	struct list_opts o = { 0 };
	bool first = true, watch = strcmp(verb, "watch") == 0;
	enum fg_list pk = verb[0] == 'a' ? FG_LIST_ALLOW : FG_LIST_BLOCK;
	int rc = list_args(verb, argc, argv, &o), tag = -1, found = 0;

	if (rc != FC_EXIT_OK) {
		free(l);
		return rc;
	}
	if (l == NULL || fg_shm_lists_read(&c->h, l) != 0) {
		fc_err(verb, "cannot read the lists");
		free(l);
		return FC_EXIT_FAIL;
	}
	if (o.tag != NULL) {
		tag = fg_tags_id(&c->h.s->tags, o.tag, false);
		if (tag < 0)
			tag = FG_TAGS;     /* no entry has it */
	}
	if (c->json)
		putchar('[');
	if (watch) {
		/* the data plane's entries hold the domains watched by hand */
		print_partners(c, l, c->json, &first);
	} else if (o.contains) {
		found = print_contains(c, fg_list_pfx(pk), o.addr.addr, &first);
	} else {
		rc = print_prefixes(c, fg_list_pfx(pk), tag, o.offset, o.limit, &first);
		if (o.tag == NULL && o.offset == 0 && o.limit == 0)
			print_items(l, pk == FG_LIST_ALLOW ? FG_LIST_ALLOW_DOM : FG_LIST_BLOCK_DOM,
				    c->json, &first);
	}
	if (c->json)
		puts("]");
	free(l);
	if (rc != 0) {
		fc_err(verb, "no memory to sort the list");
		return FC_EXIT_FAIL;
	}
	if (o.contains && !found && !c->json) {
		char a[64];

		fg_addr_str(o.addr.addr, a, sizeof(a));
		fprintf(stderr, "floodctl %s: no entry holds %s\n", verb, a);
	}
	return o.contains && !found ? FC_EXIT_NOOP : FC_EXIT_OK;
}

/* watch add|del ADDRESS: the partner table is the data plane's: ask it. */
static int
watch_addr(struct fc_ctx *c, bool add, const char *text, const struct fg_prefix *p)
{
	struct fg_shm_req q = { .op = add ? FG_SHM_OP_WATCH : FG_SHM_OP_UNWATCH };
	struct fg_shm_resp r;
	char why[96];
	int rc;

	memcpy(q.addr, p->addr, 16);
	rc = fg_shm_call(&c->h, &q, &r, c->timeout_ms);
	if (rc != 0) {
		fc_err("watch", "the data plane did not answer (%s)", strerror(-rc));
		return FC_EXIT_FAIL;
	}
	if (!add && r.rc == -ENOENT) {
		fc_err("watch", "%s is not on the watch list", text);
		return FC_EXIT_NOOP;
	}
	if (r.rc != 0) {
		fc_err("watch", "%s: %s", text, r.msg);
		return FC_EXIT_FAIL;
	}
	printf("%s watch list: %s\n", add ? "added to" : "deleted from", text);
	if (!add && r.arg != 0)
		fprintf(stderr, "floodctl watch: warning: %s still meets %s: the rules will put "
			"it back (allow or block it instead: floodctl watch promote)\n", text,
			fg_fed_reasons_str((uint32_t)r.arg, why, sizeof(why)));
	return FC_EXIT_OK;
}

/* The throttling mode of entry @p text (a domain, or address @p p): "" = default. */
static int
watch_mode(struct fc_ctx *c, const char *text, const struct fg_prefix *p, const char *mode)
{
	struct fg_shm_req q = { .op = FG_SHM_OP_MODE };
	struct fg_shm_resp r;
	int rc;

	if (p != NULL)
		memcpy(q.addr, p->addr, 16);
	else
		snprintf(q.key, sizeof(q.key), "%s", text);
	snprintf(q.value, sizeof(q.value), "%s", mode);
	rc = fg_shm_call(&c->h, &q, &r, c->timeout_ms);
	if (rc != 0) {
		fc_err("watch", "the data plane did not answer (%s)", strerror(-rc));
		return FC_EXIT_FAIL;
	}
	if (r.rc != 0) {
		fc_err("watch", "%s: %s", text, r.msg);
		return FC_EXIT_FAIL;
	}
	printf("watch mode %s: %s\n", mode[0] ? mode : "default", text);
	return FC_EXIT_OK;
}

/* watch set ITEM... --mode M */
static int
watch_set(struct fc_ctx *c, int argc, char **argv, const char *mode)
{
	int rc = FC_EXIT_OK;

	if (mode == NULL || argc < 1)
		return fc_err("watch", "set ADDRESS|DOMAIN... --mode high|medium|default"),
		       FC_EXIT_USAGE;
	for (int i = 0; i < argc; i++) {
		struct fg_prefix p;
		bool addr = fg_prefix_parse_why(argv[i], &p) == NULL;

		if ((addr && p.len != 128) || (!addr && (strlen(argv[i]) >= FG_DOMAIN_MAX ||
							  strchr(argv[i], '.') == NULL)))
			return fc_err("watch", "%s: an address or a SIP domain", argv[i]),
			       FC_EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		struct fg_prefix p;
		bool addr = fg_prefix_parse_why(argv[i], &p) == NULL;
		int r = watch_mode(c, argv[i], addr ? &p : NULL, mode);

		rc = rc == FC_EXIT_OK ? r : rc;
	}
	return rc;
}

/*
 * Take --mode M out of argv (watch add and set); *@p mode: "high",
 * "medium", "" (default: set only) or NULL (none given).
 */
static int
mode_arg(const char *sub, int *argc, char **argv, const char **mode)
{
	int n = 0;

	*mode = NULL;
	for (int i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--mode") != 0) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 == *argc || *mode != NULL)
			return fc_err("watch", "--mode takes one of high, medium%s",
				      sub[0] == 's' ? ", default" : ""), FC_EXIT_USAGE;
		*mode = argv[++i];
		if (fg_fed_mode_parse(*mode) < 0 &&
		    (sub[0] != 's' || strcmp(*mode, "default") != 0))
			return fc_err("watch", "--mode %s: high, medium%s", *mode,
				      sub[0] == 's' ? " or default" : ""), FC_EXIT_USAGE;
		if (strcmp(*mode, "default") == 0)
			*mode = "";
	}
	*argc = n;
	return FC_EXIT_OK;
}

static int
promote(struct fc_ctx *c, int argc, char **argv)
{
	struct fg_list_item it[2];
	struct fg_prefix p;
	struct edit e = { .cmd = "watch", .add = true, .n = 1, .it = it };
	int rcs[2], rc;
	char err[256];
	bool allow;

	if (argc < 2 || (strcmp(argv[1], "allow") != 0 && strcmp(argv[1], "block") != 0)) {
		fc_err("watch", "promote ADDRESS|DOMAIN allow|block [PREFIX]");
		return FC_EXIT_USAGE;
	}
	allow = argv[1][0] == 'a';
	e.rc = rcs;
	if (fg_prefix_parse_why(argv[0], &p) == NULL) {
		if (p.len != 128) {
			fc_err("watch", "%s: promote takes one address, not a prefix", argv[0]);
			return FC_EXIT_USAGE;
		}
		memset(&it[0], 0, sizeof(it[0]));
		it[0].list = allow ? FG_LIST_ALLOW : FG_LIST_BLOCK;
		it[0].pfx = p;
		rc = watch_addr(c, false, argv[0], &p);
		if (rc == FC_EXIT_FAIL)
			return rc;
		return update(c, &e);
	}
	if (allow) {
		char bound[512];

		if (argc < 3) {
			fc_err("watch", "%s: an allowed domain needs the prefixes it comes from "
			       "(promote DOMAIN allow PREFIX[|PREFIX...])", argv[0]);
			return FC_EXIT_USAGE;
		}
		snprintf(bound, sizeof(bound), "%s@%s", argv[0], argv[2]);
		rc = fg_list_item_parse_in(FG_LIST_ALLOW_DOM, bound, &it[0], err, sizeof(err));
	} else {
		rc = fg_list_item_parse_in(FG_LIST_BLOCK_DOM, argv[0], &it[0], err, sizeof(err));
	}
	if (rc == 0)
		rc = fg_list_item_parse_in(FG_LIST_WATCH_DOM, argv[0], &it[1], err, sizeof(err));
	if (rc != 0) {
		fc_err("watch", "%s", err);
		return FC_EXIT_USAGE;
	}
	/* one update: onto the new list and off the watch list together */
	e.n = 2;
	e.ndel = 1;
	return update(c, &e);
}

/* Reading a --file into an edit. */
struct file_read {
	struct edit *e;
	const char *path;
	unsigned int cap, bad;
};

static int
file_item(const struct fg_list_item *it, unsigned int line, const char *why, void *arg)
{
	struct file_read *f = arg;
	struct edit *e = f->e;

	if (it == NULL) {
		if (f->bad++ < FILE_BAD_SHOWN)
			fprintf(stderr, "floodctl: %s:%u: %s\n", f->path, line, why);
		return 0;
	}
	if (e->n == f->cap) {
		unsigned int cap = f->cap != 0 ? f->cap * 2 : 1024;
		struct fg_list_item *ni = realloc(e->it, cap * sizeof(*ni));
		int *nr = ni != NULL ? realloc(e->rc, cap * sizeof(*nr)) : NULL;

		if (ni != NULL)
			e->it = ni;
		if (nr == NULL)
			return -ENOMEM;
		e->rc = nr;
		f->cap = cap;
	}
	e->it[e->n++] = *it;
	return 0;
}

/* --file FILE [--skip-bad]: @p e takes the file's items. */
static int
file_edit(const char *verb, const char *path, bool skip, struct edit *e)
{
	struct file_read f = { .e = e, .path = path };
	size_t len = 0;
	char *buf = NULL;
	FILE *in;
	int rc;

	in = strcmp(f.path, "-") == 0 ? stdin : fopen(f.path, "r");
	if (in == NULL)
		return fc_err(verb, "%s: %s", f.path, strerror(errno)), FC_EXIT_FAIL;
	buf = malloc(FILE_MAX + 1);
	if (buf != NULL)
		len = fread(buf, 1, FILE_MAX + 1, in);
	rc = buf == NULL ? -ENOMEM : ferror(in) ? -EIO : len > FILE_MAX ? -EFBIG : 0;
	if (in != stdin)
		fclose(in);
	if (rc == 0)
		rc = fg_list_file_parse(verb, buf, len, file_item, &f);
	free(buf);
	if (rc != 0)
		return fc_err(verb, "%s: %s", f.path, rc == -EFBIG ? "more than 256 MiB" :
			      strerror(-rc)), FC_EXIT_FAIL;
	if (f.bad > FILE_BAD_SHOWN)
		fprintf(stderr, "floodctl: %s: and %u more bad lines\n", f.path,
			f.bad - FILE_BAD_SHOWN);
	if (f.bad != 0 && !skip)
		return fc_err(verb, "%s: %u bad lines: nothing changed (--skip-bad applies the "
			      "good ones)", f.path, f.bad), FC_EXIT_USAGE;
	if (f.bad != 0)
		fprintf(stderr, "floodctl: %s: %u bad lines skipped\n", f.path, f.bad);
	if (e->n == 0 && !e->replace)
		return fc_err(verb, "%s: no items", f.path), FC_EXIT_NOOP;
	for (unsigned int i = 0; i < e->n && e->replace; i++)
		if (!fg_list_is_pfx(e->it[i].list))
			return fc_err(verb, "%s: %s: replace takes addresses and prefixes, not "
				      "domains", f.path, e->it[i].dom.domain), FC_EXIT_USAGE;
	e->summary = true;
	return FC_EXIT_OK;
}

/* The options of add, del and replace (taken out of argv): --file FILE,
 * --skip-bad, --tag NAME, --ttl SECONDS. */
struct edit_opts {
	const char *file;
	bool skip;
};

static int
edit_args(const char *verb, int *argc, char **argv, struct edit *e, struct edit_opts *o)
{
	int n = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i], *v = i + 1 < *argc ? argv[i + 1] : NULL;

		if (strncmp(a, "--", 2) != 0 || strcmp(verb, "watch") == 0) {
			argv[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--skip-bad") == 0) {
			o->skip = true;
			continue;
		}
		if (v == NULL || (strcmp(a, "--file") != 0 && strcmp(a, "--tag") != 0 &&
				  strcmp(a, "--ttl") != 0))
			return fc_err(verb, "%s: expected --file FILE, --skip-bad, --tag NAME or "
				      "--ttl SECONDS", a), FC_EXIT_USAGE;
		i++;
		if (a[2] == 'f') {
			if (o->file != NULL || v[0] == '\0')
				return fc_err(verb, "--file takes one FILE"), FC_EXIT_USAGE;
			o->file = v;
		} else if (a[3] == 'a') {
			if (!fg_tag_ok(v) || strcmp(v, "config") == 0)
				return fc_err(verb, "--tag %s: 1 to 31 letters, digits, '-', '_' or "
					      "'.' ('config' is the configuration's)", v),
				       FC_EXIT_USAGE;
			e->tag = v;
		} else {
			char *end;
			unsigned long t;

			errno = 0;
			t = strtoul(v, &end, 10);
			if (errno != 0 || *end != '\0' || end == v || t == 0 || t > 315360000)
				return fc_err(verb, "--ttl %s: seconds, 1 to 315360000 (10 years)", v),
				       FC_EXIT_USAGE;
			e->ttl_s = (uint32_t)t;
		}
	}
	*argc = n;
	if ((o->file != NULL) == (n > 1))
		return fc_err(verb, n > 1 ? "items and --file: one or the other" :
			      "%s: nothing to %s", argv[0], argv[0]), FC_EXIT_USAGE;
	if (o->skip && o->file == NULL)
		return fc_err(verb, "--skip-bad goes with --file"), FC_EXIT_USAGE;
	if (!e->add && (e->tag != NULL || e->ttl_s != 0))
		return fc_err(verb, "%s takes no --tag or --ttl", argv[0]), FC_EXIT_USAGE;
	if (e->replace && (o->file == NULL || e->tag == NULL))
		return fc_err(verb, "replace --file FILE --tag NAME: both"), FC_EXIT_USAGE;
	return FC_EXIT_OK;
}

/* allow, block and watch (argv[0]) */
int
fc_lists(int argc, char **argv)
{
	const char *verb = argv[0];
	struct fc_ctx c;
	struct fg_list_item *it;
	int *rcs, rc, first;
	bool add;
	struct edit e;
	struct edit_opts o = { 0 };
	const char *mode = NULL;

	rc = fc_ctx_init(&c, verb, &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	if (argc < 1) {
		fc_err(verb, "expected add, del or list (floodctl %s --help)", verb);
		rc = FC_EXIT_USAGE;
		goto out;
	}
	if (strcmp(argv[0], "list") == 0) {
		rc = list(&c, verb, argc, argv);
		goto out;
	}
	if (strcmp(verb, "watch") == 0 && strcmp(argv[0], "promote") == 0) {
		rc = promote(&c, argc - 1, argv + 1);
		goto out;
	}
	if (strcmp(verb, "watch") == 0 &&
	    (strcmp(argv[0], "add") == 0 || strcmp(argv[0], "set") == 0)) {
		rc = mode_arg(argv[0], &argc, argv, &mode);
		if (rc != FC_EXIT_OK)
			goto out;
		if (argv[0][0] == 's') {
			rc = watch_set(&c, argc - 1, argv + 1, mode);
			goto out;
		}
	}
	add = strcmp(argv[0], "add") == 0 || strcmp(argv[0], "replace") == 0;
	if ((!add && strcmp(argv[0], "del") != 0) || argc < 2 ||
	    (strcmp(argv[0], "replace") == 0 && strcmp(verb, "watch") == 0)) {
		fc_err(verb, argc < 2 && (add || strcmp(argv[0], "del") == 0) ?
		       "%s: nothing to %s" : "%s: expected add, del, replace or list", argv[0],
		       argv[0]);
		rc = FC_EXIT_USAGE;
		goto out;
	}
	e = (struct edit){ .cmd = verb, .add = add, .replace = argv[0][0] == 'r' };
	rc = edit_args(verb, &argc, argv, &e, &o);
	if (rc != FC_EXIT_OK)
		goto out;
	if (o.file != NULL) {
		rc = file_edit(verb, o.file, o.skip, &e);
		if (rc == FC_EXIT_OK)
			rc = update(&c, &e);
		free(e.it);
		free(e.rc);
		goto out;
	}
	it = calloc((size_t)argc, sizeof(*it));
	rcs = calloc((size_t)argc, sizeof(*rcs));
	e.it = it;
	e.rc = rcs;
	rc = FC_EXIT_OK;
	first = FC_EXIT_OK;
	/* parse everything first: a typo changes nothing */
	for (int i = 1; i < argc && it != NULL && rcs != NULL; i++) {
		char err[256];

		if (fg_list_item_parse(verb, argv[i], &it[e.n], err, sizeof(err)) == 0) {
			e.n++;
			continue;
		}
		if (err[0] == '\0') {    /* watch: an address, for the data plane */
			struct fg_prefix p;
			const char *why = fg_prefix_parse_why(argv[i], &p);

			if (why == NULL && p.len == 128)
				continue;
			snprintf(err, sizeof(err), "%s: %s", argv[i], why != NULL ? why :
				 "the watch list takes addresses, not prefixes");
		}
		fc_err(verb, "%s", err);
		rc = FC_EXIT_USAGE;
	}
	if (it == NULL || rcs == NULL) {
		rc = FC_EXIT_FAIL;
	} else if (rc == FC_EXIT_OK) {
		/* watch: addresses go to the data plane one by one */
		for (int i = 1; i < argc && strcmp(verb, "watch") == 0; i++) {
			struct fg_prefix p;
			int r;

			if (fg_prefix_parse_why(argv[i], &p) != NULL)
				continue;     /* a domain */
			r = watch_addr(&c, add, argv[i], &p);
			if (r == FC_EXIT_OK && mode != NULL)
				r = watch_mode(&c, argv[i], &p, mode);
			if (r != FC_EXIT_OK && first == FC_EXIT_OK)
				first = r;
		}
		rc = first;
		if (rc != FC_EXIT_USAGE && e.n != 0) {
			int r = update(&c, &e);

			rc = rc == FC_EXIT_OK ? r : rc;
		}
		/* watch add DOMAIN --mode: the mode is the data plane's */
		for (unsigned int i = 0; mode != NULL && rc == FC_EXIT_OK && i < e.n; i++) {
			char d[FG_DOMAIN_MAX];

			snprintf(d, sizeof(d), "%s", e.it[i].dom.domain);
			rc = watch_mode(&c, d, NULL, mode);
		}
	}
	free(it);
	free(rcs);
out:
	fc_ctx_fini(&c);
	return rc;
}
