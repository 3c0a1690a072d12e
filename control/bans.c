/* SPDX-License-Identifier: BSD-3-Clause */
/* floodctl blocked, unblock: the sources the rules hold, newest first. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fg_json.h"
#include "fg_parse.h"
#include "fg_prefix.h"
#include "fg_shm.h"
#include "floodctl.h"

const char fc_blocked_usage[] =
"usage: floodctl blocked [-n COUNT] [--json] [-i NAME]\n"
"The sources the rules hold now, newest first: the flood rule's blocks\n"
"and the SIP rules' automatic watch entries (an address, or the From\n"
"domain its partners used). Each with its class, the rule that fired,\n"
"since, until, the time left (counted from now) and the offences\n"
"remembered (flood: the penalty escalates with them, docs/limits.md; a\n"
"watch entry keeps none: '-', and has its partners and dropped messages).\n"
"From the data plane's last walk (once a second): the heaviest 4096\n"
"blocked sources by dropped packets/s, the first 256 watch entries.\n"
"  -n COUNT     at most COUNT sources (default: all)\n"
COMMON_USAGE;

static const char *const rule_names[FG_BAN_RULE_COUNT] = { "flood" };

/* A line of floodctl blocked: a flood block or a watch entry. */
struct hold {
	uint64_t since_ms, until_ms;    /**< until 0: the entry does not expire */
	const struct fg_shm_ban *b;     /**< NULL: w */
	const struct fg_fed_entry *w;
	char src[FG_DOMAIN_MAX + 64];
};

static int
since_desc(const void *a, const void *b)
{
	const struct hold *x = a, *y = b;

	if (x->since_ms != y->since_ms)
		return x->since_ms < y->since_ms ? 1 : -1;
	return strcmp(x->src, y->src);
}

/* [sip-rules] expiry_s in force (the data plane's answer), or -1. */
static int64_t
watch_expiry_s(struct fc_ctx *c)
{
	struct fg_shm_req q = { .op = FG_SHM_OP_GET, .key = "sip-rules.expiry_s" };
	struct fg_shm_resp r;
	char *end;
	long long v;

	if (fg_shm_call(&c->h, &q, &r, c->timeout_ms) != 0 || r.rc != 0)
		return -1;
	v = strtoll(r.msg, &end, 10);
	return end != r.msg && v >= 0 ? v : -1;
}

/*
 * The holds in @p st, still on at @p now_ms, into @p h (room for
 * FG_SHM_BANS + FG_SHM_WATCH). Watch entries: those with an automatic
 * reason (one watched by hand is an operator's, as the block list is).
 */
static uint32_t
holds_of(struct fc_ctx *c, const struct fg_shm *st, uint64_t now_ms, struct hold *h)
{
	uint32_t nb = st->bans.n < FG_SHM_BANS ? st->bans.n : FG_SHM_BANS;
	uint32_t nw = st->nwatch < FG_SHM_WATCH ? st->nwatch : FG_SHM_WATCH, n = 0;
	int64_t expiry_s = -2;

	for (uint32_t i = 0; i < nb; i++) {
		const struct fg_shm_ban *b = &st->bans.b[i];

		if (b->until_unix_ms <= now_ms)
			continue;       /* ended since the last walk */
		h[n] = (struct hold){ .since_ms = b->since_unix_ms, .until_ms = b->until_unix_ms,
				      .b = b };
		fg_addr_str(b->addr, h[n].src, sizeof(h[n].src));
		n++;
	}
	for (uint32_t i = 0; i < nw; i++) {
		const struct fg_fed_entry *w = &st->watch[i].e;

		if (!fg_fed_entry_holds(w))
			continue;
		if (expiry_s == -2)
			expiry_s = watch_expiry_s(c);
		h[n] = (struct hold){ .since_ms = w->since_ns / 1000000u, .w = w };
		/* fg_fed_expire(): automatic reasons leave expiry_s after since */
		if (expiry_s > 0)
			h[n].until_ms = h[n].since_ms + (uint64_t)expiry_s * 1000u;
		if (h[n].until_ms != 0 && h[n].until_ms <= now_ms)
			continue;
		if (w->domain[0] != '\0')
			snprintf(h[n].src, sizeof(h[n].src), "%s", w->domain);
		else
			fg_addr_str(w->addr[0], h[n].src, sizeof(h[n].src));
		n++;
	}
	qsort(h, n, sizeof(h[0]), since_desc);
	return n;
}

static void
print_hold(const struct hold *h, uint64_t now_ms, bool json, bool first)
{
	const struct fg_shm_ban *b = h->b;
	const struct fg_fed_entry *w = h->w;
	uint64_t left = h->until_ms > now_ms ? h->until_ms - now_ms : 0;
	char rule[96], since[32], until[32] = "-", left_s[24] = "-", off[16] = "-";
	const char *cls = fg_class_name(b != NULL ? b->cls : FG_CLASS_SIP);

	if (b != NULL)
		snprintf(rule, sizeof(rule), "%s",
			 b->rule < FG_BAN_RULE_COUNT ? rule_names[b->rule] : "?");
	else
		fg_fed_reasons_str(w->flags & ~FG_FED_MANUAL, rule, sizeof(rule));
	if (json) {
		printf("%s{\"src\":\"%s\",\"class\":\"%s\",\"rule\":\"%s\",\"since_unix_ms\":%"
		       PRIu64, first ? "" : ",", h->src, cls, rule, h->since_ms);
		if (h->until_ms != 0)
			printf(",\"until_unix_ms\":%" PRIu64 ",\"remaining_ms\":%" PRIu64,
			       h->until_ms, left);
		else
			printf(",\"until_unix_ms\":null,\"remaining_ms\":null");
		if (b != NULL) {
			printf(",\"offences\":%u,\"pps\":%u}", b->offences, b->pps);
			return;
		}
		printf(",\"offences\":null,\"addresses\":[");
		for (uint32_t k = 0; k < w->naddr && k < FG_FED_ENTRY_ADDRS; k++) {
			char a[64];

			fg_addr_str(w->addr[k], a, sizeof(a));
			printf("%s\"%s\"", k ? "," : "", a);
		}
		printf("],\"partners\":%u,\"dropped\":%" PRIu64 "}", w->naddr,
		       w->drop_rate + w->drop_uri);
		return;
	}
	time_t s = (time_t)(h->since_ms / 1000), u = (time_t)(h->until_ms / 1000);
	struct tm tm;

	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S", gmtime_r(&s, &tm));
	if (h->until_ms != 0) {
		strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%S", gmtime_r(&u, &tm));
		snprintf(left_s, sizeof(left_s), "%" PRIu64, left);
	}
	if (b != NULL)
		snprintf(off, sizeof(off), "%u", b->offences);
	printf("%-40s %-8s %-14s %-19s %-19s %12s %8s\n", h->src, cls, rule, since, until,
	       left_s, off);
}

int
fc_blocked(int argc, char **argv)
{
	struct fg_shm *st;
	struct hold *h;
	unsigned long count = FG_SHM_BANS + FG_SHM_WATCH;
	uint64_t now_ms;
	struct fc_ctx c;
	uint32_t n;
	int rc;

	rc = fc_ctx_init(&c, "blocked", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	for (int i = 0; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "-n") != 0 || i + 1 == argc) {
			fc_err("blocked", "%s: unknown option or missing value", argv[i]);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
		count = strtoul(argv[++i], &end, 10);
		if (*end != '\0' || end == argv[i] || argv[i][0] == '-' || count < 1 ||
		    count > FG_SHM_BANS + FG_SHM_WATCH) {
			fc_err("blocked", "-n %s: a number from 1 to %u", argv[i],
			       FG_SHM_BANS + FG_SHM_WATCH);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
	}
	st = malloc(sizeof(*st));
	h = calloc(FG_SHM_BANS + FG_SHM_WATCH, sizeof(*h));
	if (st == NULL || h == NULL || fg_shm_stats_read(c.h.s, st) != 0) {
		fc_err("blocked", "the data plane's block records could not be read");
		free(h);
		free(st);
		fc_ctx_fini(&c);
		return FC_EXIT_FAIL;
	}
	now_ms = fg_shm_unix_ns() / 1000000u;
	n = holds_of(&c, st, now_ms, h);
	if (c.json)
		printf("{\"unix_ms\":%" PRIu64 ",\"blocked\":[", now_ms);
	else
		printf("%-40s %-8s %-14s %-19s %-19s %12s %8s\n", "source", "class", "rule",
		       "since", "until", "remaining_ms", "offences");
	for (uint32_t i = 0; i < n && i < count; i++)
		print_hold(&h[i], now_ms, c.json, i == 0);
	if (c.json)
		puts("]}");
	free(h);
	free(st);
	fc_ctx_fini(&c);
	return FC_EXIT_OK;
}

const char fc_unblock_usage[] =
"usage: floodctl unblock ADDRESS [--forgive] [-i NAME]\n"
"Lift what the rules hold ADDRESS by, now: its flood block in every class\n"
"(its next packet is judged as if its penalty had ended; an `unblock` event\n"
"says so) and its SIP watch entry's automatic reasons (an `unwatch` event;\n"
"a reason put there by hand stays: floodctl watch del). Its offences are\n"
"kept (the next block escalates), and what the SIP rules counted (a partner\n"
"still over a rule is back on the watch list at its next message: a\n"
"warning says so), unless --forgive. The XDP programs and the BGP feed let\n"
"it go within a second, as when a penalty ends. The block list is another\n"
"thing: floodctl block del.\n"
"  --forgive    also forget its offences, its responses counted, distinct\n"
"               URIs and sustained seconds\n"
"exit status: 0 unblocked, 2 not an address, 3 neither flood-blocked nor\n"
"watched by the rules.\n"
COMMON_USAGE;

int
fc_unblock(int argc, char **argv)
{
	struct fg_shm_req q = { .op = FG_SHM_OP_UNBLOCK };
	const char *text = NULL, *why;
	struct fg_shm_resp r;
	struct fg_prefix p;
	bool forgive = false, first = true;
	uint32_t lifted, still;
	char reasons[96];
	struct fc_ctx c;
	int rc;

	/* the arguments first: a bad one is exit 2 whether or not a data plane runs */
	for (int i = 1; i < argc; i++) {
		bool next = false;

		if (strcmp(argv[i], "--forgive") == 0) {
			forgive = true;
		} else if (fc_common_opt(argv[i], &next)) {
			i += next;
		} else if (argv[i][0] == '-' || text != NULL) {
			fc_err("unblock", "%s: unknown option or one address too many", argv[i]);
			return FC_EXIT_USAGE;
		} else {
			text = argv[i];
		}
	}
	if (text == NULL) {
		fc_err("unblock", "an ADDRESS is needed");
		return FC_EXIT_USAGE;
	}
	why = fg_prefix_parse_why(text, &p);
	if (why == NULL && p.len != 128)
		why = "an address, not a prefix";
	if (why != NULL) {
		fc_err("unblock", "%s: %s", text, why);
		return FC_EXIT_USAGE;
	}
	rc = fc_ctx_init(&c, "unblock", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	memcpy(q.addr, p.addr, 16);
	if (forgive)
		snprintf(q.value, sizeof(q.value), "forgive");
	rc = fg_shm_call(&c.h, &q, &r, c.timeout_ms);
	fc_ctx_fini(&c);
	if (rc != 0) {
		fc_err("unblock", "the data plane did not answer (%s)", strerror(-rc));
		return FC_EXIT_FAIL;
	}
	if (r.rc == -ENOENT) {
		fc_err("unblock", "%s is not flood-blocked nor watched by the SIP rules (the "
		       "block list: floodctl block del; watched by hand: floodctl watch del)",
		       text);
		return FC_EXIT_NOOP;
	}
	if (r.rc != 0) {
		fc_err("unblock", "%s: %s", text, r.msg[0] != '\0' ? r.msg : strerror(-r.rc));
		return FC_EXIT_FAIL;
	}
	lifted = (uint32_t)r.arg >> FG_SHM_UNBLOCK_LIFTED & 0xff;
	still = (uint32_t)r.arg >> FG_SHM_UNBLOCK_STILL & 0xff;
	printf("unblocked %s (", text);
	for (unsigned int k = 0; k < FG_CLASS_COUNT; k++)
		if (r.arg & (1 << k)) {
			printf("%s%s", first ? "" : ", ", fg_class_name(k));
			first = false;
		}
	if (lifted != 0)
		printf("%swatch: %s", first ? "" : ", ", fg_fed_reasons_str(lifted, reasons, sizeof(reasons)));
	printf(")%s\n", forgive ? ", offences forgiven" : "");
	if (still != 0)
		fprintf(stderr, "floodctl unblock: warning: %s still meets %s: the SIP rules will "
			"watch it again at its next message (--forgive: they start afresh)\n", text,
			fg_fed_reasons_str(still, reasons, sizeof(reasons)));
	return FC_EXIT_OK;
}
