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

#include "fg_json.h"
#include "fg_lists.h"
#include "floodctl.h"

#define FILE_USAGE \
"--file FILE: the items of FILE ('-': standard input), one a line; '#' or ';'\n" \
"starts a comment. Every bad line is named (FILE:LINE) and nothing changes,\n" \
"unless --skip-bad: the good lines apply, the bad ones are counted. One update:\n" \
"all of the file's items reach the data plane, or none.\n"
#define FILE_BAD_SHOWN 20      /* bad lines named before "and N more" */
#define FILE_MAX (256u << 20)  /* bytes of a --file */

const char fc_allow_usage[] =
"usage: floodctl allow add|del ITEM... [-i NAME]\n"
"       floodctl allow add|del --file FILE [--skip-bad] [-i NAME]\n"
"       floodctl allow list [--json] [-i NAME]\n"
"ITEM: an address or prefix (198.18.0.0/24, 2001:db8::/32): exempt from every\n"
"rule and limit; or DOMAIN@PREFIX[|PREFIX...]: SIP messages From DOMAIN are\n"
"exempt when they come from those prefixes (an allowed domain that also\n"
"comes from elsewhere is counted as allow_spoof and gets the rules).\n"
FILE_USAGE
COMMON_USAGE;

const char fc_block_usage[] =
"usage: floodctl block add|del ITEM... [-i NAME]\n"
"       floodctl block add|del --file FILE [--skip-bad] [-i NAME]\n"
"       floodctl block list [--json] [-i NAME]\n"
"ITEM: an address or prefix (every packet from it to a protected port drops,\n"
"reason block-list), or a SIP domain (messages whose From is that domain drop).\n"
FILE_USAGE
COMMON_USAGE;

const char fc_watch_usage[] =
"usage: floodctl watch add|del ADDRESS|DOMAIN... [-i NAME]\n"
"       floodctl watch list [--json] [-i NAME]\n"
"       floodctl watch promote ADDRESS allow|block [-i NAME]\n"
"       floodctl watch promote DOMAIN block | DOMAIN allow PREFIX[|PREFIX...]\n"
"The watch list: partners (addresses) the SIP rules or an operator put there,\n"
"with their reasons and throttling mode, and SIP domains watched by hand.\n"
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
};

static bool
edit_adds(const struct edit *e, unsigned int i)
{
	return e->add && i < e->n - e->ndel;
}

static int
apply(struct fg_fed_lists *next, void *arg)
{
	struct edit *e = arg;

	for (unsigned int i = 0; i < e->n; i++) {
		e->rc[i] = edit_adds(e, i) ? fg_lists_add(next, &e->it[i]) :
					     fg_lists_del(next, &e->it[i]);
		if (e->rc[i] == -ENOSPC)
			return -ENOSPC;
	}
	return 0;
}

/* One update of @p n items; prints what changed. */
static int
update(struct fc_ctx *c, struct edit *e)
{
	char err[512];
	unsigned int changed = 0;
	int rc;

	rc = fg_shm_lists_update(&c->h, apply, e, c->timeout_ms, err, sizeof(err));
	if (rc == -ENOSPC) {
		fc_err(e->cmd, "%s list full (%d entries): nothing changed",
		       fg_list_name(e->it[0].list), FG_FED_LIST_MAX);
		return FC_EXIT_FAIL;
	}
	if (rc != 0 && rc != -EIO) {
		fc_err(e->cmd, "%s", err[0] != '\0' ? err : strerror(-rc));
		return FC_EXIT_FAIL;
	}
	for (unsigned int i = 0; i < e->n && e->summary; i++)
		changed += e->rc[i] == 0;
	if (e->summary)
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
		changed += e->rc[i] == 0;
	}
	if (rc == -EIO) {
		fc_err(e->cmd, "applied, but %s: it will not survive a restart", err);
		return FC_EXIT_FAIL;
	}
	return changed == 0 ? FC_EXIT_NOOP : FC_EXIT_OK;
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

static void
print_partners(struct fc_ctx *c, bool json, bool *first)
{
	struct fg_shm *st = malloc(sizeof(*st));

	if (st == NULL || fg_shm_stats_read(c->h.s, st) != 0) {
		free(st);
		return;
	}
	for (uint32_t i = 0; i < st->nwatch && i < FG_SHM_WATCH; i++) {
		const struct fg_shm_watch *w = &st->watch[i];
		char addr[64], why[96];
		const char *mode = fg_fed_mode_name(fg_fed_mode_of(w->flags));

		fg_addr_str(w->addr, addr, sizeof(addr));
		fg_fed_reasons_str(w->flags, why, sizeof(why));
		if (json)
			printf("%s{\"list\":\"watch\",\"item\":\"%s\",\"mode\":\"%s\","
			       "\"reasons\":\"%s\",\"since_unix_ns\":%" PRIu64 ",\"requests\":%"
			       PRIu64 ",\"responses_ok\":%" PRIu64 ",\"responses_failed\":%" PRIu64
			       ",\"uris\":%u,\"dropped_rate\":%" PRIu64 ",\"dropped_new_uri\":%"
			       PRIu64 "}", *first ? "" : ",", addr, mode, why, w->since_unix_ns,
			       w->requests, w->resp_ok, w->resp_fail, w->nuris, w->drop_rate,
			       w->drop_uri);
		else
			printf("%-13s %-20s mode %-6s reasons %-28s requests %" PRIu64 " ok %"
			       PRIu64 " failed %" PRIu64 " uris %u dropped %" PRIu64 "\n",
			       "watch", addr, mode, why, w->requests, w->resp_ok, w->resp_fail,
			       w->nuris, w->drop_rate + w->drop_uri);
		*first = false;
	}
	free(st);
}

static int
list(struct fc_ctx *c, const char *verb)
{
	struct fg_fed_lists *l = malloc(sizeof(*l));
	bool first = true;

	if (l == NULL || fg_shm_lists_read(&c->h, l) != 0) {
		fc_err(verb, "cannot read the lists");
		free(l);
		return FC_EXIT_FAIL;
	}
	if (c->json)
		putchar('[');
	if (strcmp(verb, "allow") == 0) {
		print_items(l, FG_LIST_ALLOW, c->json, &first);
		print_items(l, FG_LIST_ALLOW_DOM, c->json, &first);
	} else if (strcmp(verb, "block") == 0) {
		print_items(l, FG_LIST_BLOCK, c->json, &first);
		print_items(l, FG_LIST_BLOCK_DOM, c->json, &first);
	} else {
		print_partners(c, c->json, &first);
		print_items(l, FG_LIST_WATCH_DOM, c->json, &first);
	}
	if (c->json)
		puts("]");
	free(l);
	return FC_EXIT_OK;
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

/* add|del --file FILE [--skip-bad]: @p e takes the file's items. */
static int
file_edit(const char *verb, int argc, char **argv, struct edit *e)
{
	struct file_read f = { .e = e };
	bool skip = false;
	size_t len = 0;
	char *buf = NULL;
	FILE *in;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--skip-bad") == 0)
			skip = true;
		else if (strcmp(argv[i], "--file") == 0 && f.path == NULL && i + 1 < argc)
			f.path = argv[++i];
		else if (strncmp(argv[i], "--file=", 7) == 0 && f.path == NULL)
			f.path = argv[i] + 7;
		else if (strncmp(argv[i], "--file", 6) == 0)
			return fc_err(verb, "--file takes one FILE"), FC_EXIT_USAGE;
		else
			return fc_err(verb, "%s: with --file, only --skip-bad (and the common "
				      "options) may follow", argv[i]), FC_EXIT_USAGE;
	}
	if (f.path == NULL || f.path[0] == '\0')
		return fc_err(verb, "--file takes one FILE"), FC_EXIT_USAGE;
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
	if (e->n == 0)
		return fc_err(verb, "%s: no items", f.path), FC_EXIT_NOOP;
	e->summary = true;
	return FC_EXIT_OK;
}

static int
lists_cmd(const char *verb, int argc, char **argv)
{
	struct fc_ctx c;
	struct fg_list_item *it;
	int *rcs, rc, first;
	bool add;
	struct edit e;

	rc = fc_ctx_init(&c, verb, &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	if (argc < 1) {
		fc_err(verb, "expected add, del or list (floodctl %s --help)", verb);
		rc = FC_EXIT_USAGE;
		goto out;
	}
	if (strcmp(argv[0], "list") == 0) {
		rc = argc == 1 ? list(&c, verb) : FC_EXIT_USAGE;
		if (argc != 1)
			fc_err(verb, "list takes no argument");
		goto out;
	}
	if (strcmp(verb, "watch") == 0 && strcmp(argv[0], "promote") == 0) {
		rc = promote(&c, argc - 1, argv + 1);
		goto out;
	}
	add = strcmp(argv[0], "add") == 0;
	if ((!add && strcmp(argv[0], "del") != 0) || argc < 2) {
		fc_err(verb, argc < 2 && (add || strcmp(argv[0], "del") == 0) ?
		       "%s: nothing to %s" : "%s: expected add, del or list", argv[0], argv[0]);
		rc = FC_EXIT_USAGE;
		goto out;
	}
	if (strcmp(verb, "watch") != 0 && strncmp(argv[1], "--", 2) == 0) {
		e = (struct edit){ .cmd = verb, .add = add };
		rc = file_edit(verb, argc, argv, &e);
		if (rc == FC_EXIT_OK)
			rc = update(&c, &e);
		free(e.it);
		free(e.rc);
		goto out;
	}
	it = calloc((size_t)argc, sizeof(*it));
	rcs = calloc((size_t)argc, sizeof(*rcs));
	e = (struct edit){ .cmd = verb, .add = add, .it = it, .rc = rcs };
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
			if (r != FC_EXIT_OK && first == FC_EXIT_OK)
				first = r;
		}
		rc = first;
		if (rc != FC_EXIT_USAGE && e.n != 0) {
			int r = update(&c, &e);

			rc = rc == FC_EXIT_OK ? r : rc;
		}
	}
	free(it);
	free(rcs);
out:
	fc_ctx_fini(&c);
	return rc;
}

int
fc_allow(int argc, char **argv)
{
	return lists_cmd("allow", argc, argv);
}

int
fc_block(int argc, char **argv)
{
	return lists_cmd("block", argc, argv);
}

int
fc_watch(int argc, char **argv)
{
	return lists_cmd("watch", argc, argv);
}
