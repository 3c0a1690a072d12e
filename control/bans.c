/* SPDX-License-Identifier: BSD-3-Clause */
/* floodctl blocked: the sources the flood rule holds, newest first. */
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
"The sources the flood rule holds now, newest block first: class, the\n"
"rule that fired, since, until, the time left (counted from now) and the\n"
"offences remembered (the penalty escalates with them, docs/limits.md).\n"
"From the data plane's last walk of its table (once a second): the\n"
"heaviest 4096 blocked sources by dropped packets/s.\n"
"  -n COUNT     at most COUNT sources (default: all)\n"
COMMON_USAGE;

static const char *const rule_names[FG_BAN_RULE_COUNT] = { "flood" };

static int
since_desc(const void *a, const void *b)
{
	const struct fg_shm_ban *x = a, *y = b;

	if (x->since_unix_ms != y->since_unix_ms)
		return x->since_unix_ms < y->since_unix_ms ? 1 : -1;
	return memcmp(x->addr, y->addr, 16);
}

int
fc_blocked(int argc, char **argv)
{
	struct fg_shm_bans *bans;
	unsigned long count = FG_SHM_BANS;
	uint64_t now_ms;
	struct fc_ctx c;
	uint32_t n = 0;
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
		    count > FG_SHM_BANS) {
			fc_err("blocked", "-n %s: a number from 1 to %u", argv[i], FG_SHM_BANS);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
	}
	bans = malloc(sizeof(*bans));
	if (bans == NULL ||
	    fg_shm_seq_read(&c.h.s->stats_seq, bans, &c.h.s->bans, sizeof(*bans)) != 0) {
		fc_err("blocked", "the data plane's block records could not be read");
		free(bans);
		fc_ctx_fini(&c);
		return FC_EXIT_FAIL;
	}
	n = bans->n < FG_SHM_BANS ? bans->n : FG_SHM_BANS;
	qsort(bans->b, n, sizeof(bans->b[0]), since_desc);
	now_ms = fg_shm_unix_ns() / 1000000u;
	if (c.json)
		printf("{\"unix_ms\":%" PRIu64 ",\"blocked\":[", now_ms);
	else
		printf("%-40s %-8s %-6s %-19s %-19s %12s %8s\n", "source", "class", "rule",
		       "since", "until", "remaining_ms", "offences");
	for (uint32_t i = 0, shown = 0; i < n && shown < count; i++) {
		const struct fg_shm_ban *b = &bans->b[i];
		uint64_t left = b->until_unix_ms > now_ms ? b->until_unix_ms - now_ms : 0;
		const char *rule = b->rule < FG_BAN_RULE_COUNT ? rule_names[b->rule] : "?";
		char addr[64], since[32], until[32];

		if (left == 0)
			continue;       /* ended since the last walk */
		fg_addr_str(b->addr, addr, sizeof(addr));
		if (c.json) {
			printf("%s{\"src\":\"%s\",\"class\":\"%s\",\"rule\":\"%s\","
			       "\"since_unix_ms\":%" PRIu64 ",\"until_unix_ms\":%" PRIu64
			       ",\"remaining_ms\":%" PRIu64 ",\"offences\":%u,\"pps\":%u}",
			       shown ? "," : "", addr, fg_class_name(b->cls), rule,
			       b->since_unix_ms, b->until_unix_ms, left, b->offences, b->pps);
		} else {
			time_t s = (time_t)(b->since_unix_ms / 1000), u = (time_t)(b->until_unix_ms / 1000);
			struct tm tm;

			strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S", gmtime_r(&s, &tm));
			strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%S", gmtime_r(&u, &tm));
			printf("%-40s %-8s %-6s %-19s %-19s %12" PRIu64 " %8u\n", addr,
			       fg_class_name(b->cls), rule, since, until, left, b->offences);
		}
		shown++;
	}
	if (c.json)
		puts("]}");
	free(bans);
	fc_ctx_fini(&c);
	return FC_EXIT_OK;
}

const char fc_unblock_usage[] =
"usage: floodctl unblock ADDRESS [--forgive] [-i NAME]\n"
"Lift ADDRESS's flood block now, in every class: its next packet is judged\n"
"as if its penalty had ended (an `unblock` event says so). Its offences are\n"
"kept (the next block escalates) unless --forgive. The XDP programs and the\n"
"BGP feed let it go within a second, as when a penalty ends. The block list\n"
"is another thing: floodctl block del.\n"
"  --forgive    also forget its offences\n"
"exit status: 0 unblocked, 2 not an address, 3 not flood-blocked.\n"
COMMON_USAGE;

int
fc_unblock(int argc, char **argv)
{
	struct fg_shm_req q = { .op = FG_SHM_OP_UNBLOCK };
	const char *text = NULL, *why;
	struct fg_shm_resp r;
	struct fg_prefix p;
	bool forgive = false;
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
		fc_err("unblock", "%s is not flood-blocked (the block list: floodctl block del)",
		       text);
		return FC_EXIT_NOOP;
	}
	if (r.rc != 0) {
		fc_err("unblock", "%s: %s", text, r.msg[0] != '\0' ? r.msg : strerror(-r.rc));
		return FC_EXIT_FAIL;
	}
	printf("unblocked %s (", text);
	for (unsigned int k = 0, first = 1; k < FG_CLASS_COUNT; k++)
		if (r.arg & (1 << k)) {
			printf("%s%s", first ? "" : ", ", fg_class_name(k));
			first = 0;
		}
	printf(")%s\n", forgive ? ", offences forgiven" : "");
	return FC_EXIT_OK;
}
