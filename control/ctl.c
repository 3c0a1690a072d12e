/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodctl status|stats|top|events|set|get|metrics: what a running data
 * plane publishes in its shared memory (shm/fg_shm.h), and its runtime
 * thresholds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fg_json.h"
#include "fg_lists.h"
#include "fg_reason.h"
#include "floodctl.h"

/* The options of COMMON_USAGE, told apart by name. */
enum fc_opt { FC_OPT_JSON = 0, FC_OPT_INSTANCE, FC_OPT_TIMEOUT, FC_OPT_COUNT };

static const struct {
	const char *name;      /**< --name, or --name=VALUE when it takes one */
	const char *alias;     /**< short form, or NULL */
	bool value;            /**< takes a value */
} fc_opts[FC_OPT_COUNT] = {
	[FC_OPT_JSON] = { "--json", NULL, false },
	[FC_OPT_INSTANCE] = { "--instance", "-i", true },
	[FC_OPT_TIMEOUT] = { "--timeout", NULL, true },
};

/* Which common option @p a is (FC_OPT_COUNT: the command's own); *val
 * the value of "--name=VALUE", else NULL. */
static enum fc_opt
fc_opt_find(const char *a, const char **val)
{
	*val = NULL;
	for (int o = 0; o < FC_OPT_COUNT; o++) {
		size_t len = strlen(fc_opts[o].name);

		if (strcmp(a, fc_opts[o].name) == 0 ||
		    (fc_opts[o].alias != NULL && strcmp(a, fc_opts[o].alias) == 0))
			return (enum fc_opt)o;
		if (fc_opts[o].value && strncmp(a, fc_opts[o].name, len) == 0 && a[len] == '=') {
			*val = a + len + 1;
			return (enum fc_opt)o;
		}
	}
	return FC_OPT_COUNT;
}

bool
fc_common_opt(const char *a, bool *next)
{
	const char *val;
	enum fc_opt o = fc_opt_find(a, &val);

	*next = o != FC_OPT_COUNT && fc_opts[o].value && val == NULL;
	return o != FC_OPT_COUNT;
}

int
fc_ctx_init(struct fc_ctx *c, const char *cmd, int *argc, char ***argv)
{
	const char *inst = "floodguard";
	char err[512];
	int n = 0, rc;

	c->json = false;
	c->timeout_ms = 1000;
	c->h.s = NULL;
	for (int i = 1; i < *argc; i++) {
		char *a = (*argv)[i], *end;
		const char *val;
		enum fc_opt o = fc_opt_find(a, &val);
		unsigned long ms;

		if (o == FC_OPT_COUNT) {
			(*argv)[n++] = a;    /* the command's own */
			continue;
		}
		if (fc_opts[o].value && val == NULL) {
			if (i + 1 == *argc) {
				fc_err(cmd, "%s: needs a value", a);
				return FC_EXIT_USAGE;
			}
			val = (*argv)[++i];
		}
		switch (o) {
		case FC_OPT_JSON:
			c->json = true;
			break;
		case FC_OPT_INSTANCE:
			inst = val;
			break;
		case FC_OPT_TIMEOUT:
			errno = 0;
			ms = strtoul(val, &end, 10);
			if (errno != 0 || *end != '\0' || end == val || val[0] == '-' ||
			    ms == 0 || ms > 600000) {
				fc_err(cmd, "--timeout %s: milliseconds, 1 to 600000", val);
				return FC_EXIT_USAGE;
			}
			c->timeout_ms = (uint32_t)ms;
			break;
		default:
			break;
		}
	}
	*argc = n;
	rc = fg_shm_attach(&c->h, inst, err, sizeof(err));
	if (rc != 0) {
		fc_err(cmd, "%s", err);
		return rc == -EPROTO || rc == -EINVAL ? FC_EXIT_USAGE : FC_EXIT_FAIL;
	}
	if (!fg_shm_alive(c->h.s)) {
		fc_err(cmd, "data plane '%s' (pid %d) is not running", inst, c->h.s->h.pid);
		fg_shm_close(&c->h, false);
		return FC_EXIT_FAIL;
	}
	return FC_EXIT_OK;
}

void
fc_ctx_fini(struct fc_ctx *c)
{
	fg_shm_close(&c->h, false);
}

static bool
lcore_in(const uint64_t *mask, unsigned int l)
{
	return (mask[l / 64] >> (l % 64)) & 1;
}

/* The published stats; the sum of every lcore into @p sum. */
static struct fg_shm *
read_stats(struct fc_ctx *c, const char *cmd, struct fg_counters *sum)
{
	struct fg_shm *st = malloc(sizeof(*st));

	if (st == NULL || fg_shm_stats_read(c->h.s, st) != 0) {
		fc_err(cmd, "the counters did not settle (the data plane is publishing?)");
		free(st);
		return NULL;
	}
	memset(sum, 0, sizeof(*sum));
	for (unsigned int l = 0; l < FG_SHM_LCORES; l++)
		if (lcore_in(st->lcore_mask, l))
			fg_counters_add(sum, &st->lc[l]);
	return st;
}

/* The NIC rules' status, field by field (each a single store). */
static void
steer_copy(const struct fg_shm *s, struct fg_shm_steer *o)
{
	const struct fg_shm_steer *g = &s->steer;

	o->queue_hw = __atomic_load_n(&g->queue_hw, __ATOMIC_RELAXED);
	o->isolated = __atomic_load_n(&g->isolated, __ATOMIC_RELAXED);
	o->drop_port = __atomic_load_n(&g->drop_port, __ATOMIC_RELAXED);
	o->drop_hw = __atomic_load_n(&g->drop_hw, __ATOMIC_RELAXED);
	o->entries_hw = __atomic_load_n(&g->entries_hw, __ATOMIC_RELAXED);
	o->entries_sw = __atomic_load_n(&g->entries_sw, __ATOMIC_RELAXED);
	o->updates = __atomic_load_n(&g->updates, __ATOMIC_RELAXED);
	o->refused = __atomic_load_n(&g->refused, __ATOMIC_RELAXED);
	o->hw_dropped = __atomic_load_n(&g->hw_dropped, __ATOMIC_RELAXED);
	/* written once, before floodctl can attach */
	memcpy(o->text, g->text, sizeof(o->text));
	o->text[sizeof(o->text) - 1] = '\0';
}

static void
steer_print(const struct fg_shm_steer *r, bool json)
{
	bool drop = r->drop_port != UINT32_MAX;

	if (json) {
		printf("\"steering\":{\"queue_rules\":%u,\"isolated_ports\":%u,"
		       "\"drop_port\":%d,\"drop_rules\":%u,\"blocked_in_nic\":%u,"
		       "\"blocked_in_software\":%u,\"nic_dropped\":%" PRIu64 ",\"updates\":%"
		       PRIu64 ",\"refused\":%" PRIu64 ",\"log\":", r->queue_hw, r->isolated,
		       drop ? (int)r->drop_port : -1, r->drop_hw, r->entries_hw, r->entries_sw,
		       r->hw_dropped, r->updates, r->refused);
		fg_json_str(stdout, r->text, strlen(r->text));
		printf("}}\n");
		return;
	}
	printf("NIC rules (docs/steering.md):\n");
	for (const char *l = r->text, *e; *l != '\0'; l = *e != '\0' ? e + 1 : e) {
		e = strchr(l, '\n');
		if (e == NULL)
			e = l + strlen(l);
		printf("  %.*s\n", (int)(e - l), l);
	}
	if (drop)
		printf("  drop rules: %u in the NIC for %u blocked sources, %u left to software; "
		       "%" PRIu64 " packets dropped by the NIC, %" PRIu64 " rule changes, %" PRIu64
		       " refused\n", r->drop_hw, r->entries_hw, r->entries_sw, r->hw_dropped,
		       r->updates, r->refused);
	else
		printf("  drop rules: none in the NIC: blocked sources are dropped in software\n");
}

const char fc_status_usage[] =
"usage: floodctl status [--json] [-i NAME]\n"
"The data plane: instance, mode, pid, uptime, packets, list sizes, and\n"
"which NIC rules (steering, isolation, drops) are in hardware.\n"
"Exit status 0 when it runs, 1 when it does not.\n"
COMMON_USAGE;

int
fc_status(int argc, char **argv)
{
	struct fg_fed_lists *l;
	struct fg_counters sum;
	struct fg_shm *st;
	struct fc_ctx c;
	const struct fg_shm_hdr *h;
	struct fg_shm_steer sr;
	unsigned int na, nb;
	double up;
	int rc;

	rc = fc_ctx_init(&c, "status", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	h = &c.h.s->h;
	l = malloc(sizeof(*l));
	st = l != NULL ? read_stats(&c, "status", &sum) : NULL;
	if (st == NULL || fg_shm_lists_read(&c.h, l) != 0) {
		rc = FC_EXIT_FAIL;
		goto out;
	}
	up = (double)(fg_shm_unix_ns() - h->start_unix_ns) / 1e9;
	na = fg_lists_entries(l, fg_shm_pfx(&c.h), FG_LIST_ALLOW);
	nb = fg_lists_entries(l, fg_shm_pfx(&c.h), FG_LIST_BLOCK);
	steer_copy(c.h.s, &sr);
	if (c.json)
		printf("{\"instance\":\"%s\",\"running\":true,\"mode\":\"%s\",\"pid\":%d,"
		       "\"version\":\"%s\",\"uptime_s\":%.1f,\"rx\":%" PRIu64 ",\"dropped\":%"
		       PRIu64 ",\"lists_generation\":%" PRIu64 ",\"allow\":%u,\"block\":%u,"
		       "\"allow_domains\":%u,\"block_domains\":%u,\"watch_domains\":%u,"
		       "\"watched\":%u,\"state_file\":\"%s\",\"table_used\":%" PRIu64
		       ",\"table_slots\":%" PRIu64 ",\"max_prefixes\":%u,", h->instance, h->mode, h->pid,
		       h->version, up, sum.rx, fg_counters_dropped(&sum), c.h.s->gen, na, nb,
		       l->nallow_dom, l->nblock_dom, l->nwatch_dom, st->nwatch, h->state_path,
		       st->table_used, st->table_slots, h->ops_cap);
	else
		printf("floodguard %s: running, %s mode, pid %d, up %.0f s\n"
		       "packets: %" PRIu64 " received, %" PRIu64 " dropped\n"
		       "lists (generation %" PRIu64 "): allow %u, block %u, allow-domain %u, "
		       "block-domain %u, watch-domain %u; %u partners watched\n"
		       "prefix lists hold at most %u ([lists] max_prefixes)\n"
		       "source table: %" PRIu64 " of %" PRIu64 " slots\n"
		       "state file: %s\n", h->instance, h->mode, h->pid, up, sum.rx,
		       fg_counters_dropped(&sum), c.h.s->gen, na, nb, l->nallow_dom, l->nblock_dom,
		       l->nwatch_dom, st->nwatch, h->ops_cap, st->table_used, st->table_slots,
		       h->state_path[0] != '\0' ? h->state_path : "(none)");
	steer_print(&sr, c.json);
out:
	free(st);
	free(l);
	fc_ctx_fini(&c);
	return rc;
}

const char fc_stats_usage[] =
"usage: floodctl stats [--json] [-i NAME]\n"
"Counters as the data plane last published them (every 100 ms): packets by\n"
"verdict reason, by class, by parser reason, SIP rules, the source table,\n"
"per port and per lcore. Names are those of docs/architecture.md.\n"
COMMON_USAGE;

/* One "name": value group, JSON or text. */
static void
group(bool json, const char *name, const char *(*nm)(unsigned int), const uint64_t *v,
      unsigned int n, bool last)
{
	bool first = true;

	printf(json ? "\"%s\":{" : "%s:\n", name);
	for (unsigned int i = 0; i < n; i++) {
		if (json)
			printf("%s\"%s\":%" PRIu64, first ? "" : ",", nm(i), v[i]);
		else if (v[i] != 0)
			printf("  %-22s %" PRIu64 "\n", nm(i), v[i]);
		first = false;
	}
	if (json)
		printf("}%s", last ? "" : ",");
}

/* One line of named counters after @p ng gauges (slots, used): text
 * "title: a 1, b 2" or JSON "\"key\":{\"a\":1,\"b\":2},". */
static void
line(bool json, const char *key, const char *title, unsigned int ng, const uint64_t *gauge,
     const struct fg_counter *k, unsigned int nk, const struct fg_counters *s)
{
	static const char *const gname[] = { "slots", "used" };

	printf(json ? "\"%s\":{" : "%s: ", json ? key : title);
	for (unsigned int i = 0; i < ng + nk; i++)
		printf(json ? "%s\"%s\":%" PRIu64 : "%s%s %" PRIu64, i == 0 ? "" : json ? "," : ", ",
		       i < ng ? gname[i] : k[i - ng].name,
		       i < ng ? gauge[i] : fg_counter(s, &k[i - ng]));
	fputs(json ? "}," : "\n", stdout);
}

int
fc_stats(int argc, char **argv)
{
	struct fg_counters s;
	struct fg_shm *st;
	struct fc_ctx c;
	bool first = true;
	int rc;

	rc = fc_ctx_init(&c, "stats", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	st = read_stats(&c, "stats", &s);
	if (st == NULL) {
		fc_ctx_fini(&c);
		return FC_EXIT_FAIL;
	}
	if (c.json)
		printf("{\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"dropped\":%" PRIu64
		       ",\"would_drop\":%" PRIu64 ",", s.rx, s.tx, fg_counters_dropped(&s),
		       fg_counters_would(&s));
	else
		printf("packets: rx %" PRIu64 ", tx %" PRIu64 ", dropped %" PRIu64 ", would-drop %"
		       PRIu64 " (passed: monitor mode)\n", s.rx, s.tx, fg_counters_dropped(&s),
		       fg_counters_would(&s));
	group(c.json, "verdicts", fg_verdict_name, s.lim.verdict, FG_V_COUNT, false);
	group(c.json, "would_drop", fg_verdict_name, s.lim.would, FG_V_COUNT, false);
	group(c.json, "classes", fg_class_name, s.parse.cls, FG_CLASS_COUNT, false);
	group(c.json, "parser", fg_reason_name, s.parse.reason, FG_R_COUNT, false);
	line(c.json, "sip", "sip rules", 0, NULL, fg_ctr_sip, FG_CTR_SIP_N, &s);
	line(c.json, "table", "table", 2, (uint64_t[]){ st->table_slots, st->table_used },
	     fg_ctr_table, FG_CTR_TABLE_N, &s);
	line(c.json, "tcp_resets", "tcp resets", 0, NULL, fg_ctr_rst, FG_CTR_RST_N, &s);
	printf(c.json ? "\"ports\":[" : "ports:\n");
	for (unsigned int p = 0; p < FG_SHM_PORTS; p++) {
		const struct fg_shm_port *pt = &st->port[p];

		if (!pt->used)
			continue;
		printf(c.json ? "%s{\"port\":%u,\"name\":\"%s\",\"ipackets\":%" PRIu64
		       ",\"opackets\":%" PRIu64 ",\"imissed\":%" PRIu64 ",\"ierrors\":%" PRIu64
		       ",\"oerrors\":%" PRIu64 ",\"rx_nombuf\":%" PRIu64 ",\"tx_full\":%" PRIu64
		       "}" : "%s  %u %-16s ipackets %" PRIu64 " opackets %" PRIu64 " imissed %"
		       PRIu64 " ierrors %" PRIu64 " oerrors %" PRIu64 " rx_nombuf %" PRIu64
		       " tx_full %" PRIu64 "\n", c.json && !first ? "," : "", p, pt->name,
		       pt->ipackets, pt->opackets, pt->imissed, pt->ierrors, pt->oerrors,
		       pt->rx_nombuf, s.tx_full[p]);
		first = false;
	}
	printf(c.json ? "],\"lcores\":[" : "lcores:\n");
	first = true;
	for (unsigned int l = 0; l < FG_SHM_LCORES; l++) {
		const struct fg_counters *lc = &st->lc[l];
		bool worker = (st->worker_mask[l / 32] >> (l % 32)) & 1;

		if (!lcore_in(st->lcore_mask, l) || (!worker && lc->rx == 0))
			continue;
		printf(c.json ? "%s{\"lcore\":%u,\"rx\":%" PRIu64 ",\"tx\":%" PRIu64
		       ",\"dropped\":%" PRIu64 "}" : "%s  %-3u rx %" PRIu64 " tx %" PRIu64
		       " dropped %" PRIu64 "\n", c.json && !first ? "," : "", l, lc->rx, lc->tx,
		       fg_counters_dropped(lc));
		first = false;
	}
	if (c.json)
		printf("],\"unix_ns\":%" PRIu64 "}\n", st->stats_unix_ns);
	free(st);
	fc_ctx_fini(&c);
	return FC_EXIT_OK;
}

const char fc_top_usage[] =
"usage: floodctl top [--by events|drops|bytes] [-n COUNT] [--delay S] [--json] [-i NAME]\n"
"The heaviest sources, refreshed every second like top. By events (the\n"
"default): events in their current window, and the blocked ones. By drops\n"
"or bytes: packets or bytes dropped (and would-dropped, monitor mode) in\n"
"the last interval (a second), with the reason most of them had; counted in\n"
"bounded memory, exact but for sources that share a slot (docs/limits.md).\n"
"-n COUNT: that many screens, then exit (--json prints one JSON object per\n"
"screen; default with --json: 1).\n"
"  --by WHAT    events, drops or bytes (default events)\n"
"  -n COUNT     screens to show (default: until interrupted)\n"
"  --delay S    seconds between screens (default 1)\n"
COMMON_USAGE;

static int
drop_by_bytes(const void *a, const void *b)
{
	const struct fg_shm_drop *x = a, *y = b;

	return x->bytes != y->bytes ? (x->bytes < y->bytes ? 1 : -1) :
	       x->pkts != y->pkts ? (x->pkts < y->pkts ? 1 : -1) : 0;
}

/* One screen of top --by drops|bytes from the published summary. */
static void
top_drops(const struct fc_ctx *c, const struct fg_shm *st, bool bytes, bool clear)
{
	struct fg_shm_drops d = st->drops;
	uint32_t n = d.n < FG_SHM_TOP ? d.n : FG_SHM_TOP;

	if (bytes)
		qsort(d.d, n, sizeof(d.d[0]), drop_by_bytes);
	if (c->json)
		printf("{\"unix_ns\":%" PRIu64 ",\"by\":\"%s\",\"interval_ms\":%u,\"drops\":%"
		       PRIu64 ",\"top\":[", st->stats_unix_ns, bytes ? "bytes" : "drops",
		       d.interval_ms, d.total);
	else
		printf("%sfloodguard %s: %" PRIu64 " drops (would-drops included) in the last "
		       "%u ms, by %s\n\n%-4s %-40s %-8s %10s %12s %10s %-16s %10s\n",
		       clear ? "\033[H\033[2J" : "", c->h.s->h.instance, d.total, d.interval_ms,
		       bytes ? "bytes" : "drops", "#", "source", "class", "drops", "bytes",
		       "would", "reason", "of them");
	for (uint32_t i = 0; i < n; i++) {
		const struct fg_shm_drop *e = &d.d[i];
		char addr[64];

		fg_addr_str(e->addr, addr, sizeof(addr));
		printf(c->json ? "%s{\"rank\":%u,\"src\":\"%s\",\"class\":\"%s\",\"drops\":%" PRIu64
		       ",\"bytes\":%" PRIu64 ",\"would_drop\":%" PRIu64 ",\"reason\":\"%s\","
		       "\"reason_drops\":%" PRIu64 "}" :
		       "%s%-4u %-40s %-8s %10" PRIu64 " %12" PRIu64 " %10" PRIu64 " %-16s %10" PRIu64
		       "\n", c->json && i != 0 ? "," : "", i + 1, addr, fg_class_name(e->cls),
		       e->pkts, e->bytes, e->would, fg_verdict_name(e->reason), e->reason_pkts);
	}
	if (c->json)
		puts("]}");
}

static volatile sig_atomic_t stop;

static void
on_int(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT, SIGTERM (and SIGPIPE) end the loops; no SA_RESTART: a blocked
 * accept() or sleep() returns. */
static void
catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_int };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

int
fc_top(int argc, char **argv)
{
	long count = -1, delay = 1;
	const char *by = "events";
	struct fc_ctx c;
	int rc;

	rc = fc_ctx_init(&c, "top", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	for (int i = 0; i < argc; i++) {
		char *end;
		long *dst = strcmp(argv[i], "-n") == 0 ? &count :
			    strcmp(argv[i], "--delay") == 0 ? &delay : NULL;

		if (strcmp(argv[i], "--by") == 0 && i + 1 < argc) {
			by = argv[++i];
			if (strcmp(by, "events") == 0 || strcmp(by, "drops") == 0 ||
			    strcmp(by, "bytes") == 0)
				continue;
			fc_err("top", "--by %s: not events, drops or bytes", by);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}

		if (dst == NULL || i + 1 == argc) {
			fc_err("top", "%s: unknown option or missing value", argv[i]);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
		*dst = strtol(argv[++i], &end, 10);
		if (*end != '\0' || *dst < 1 || *dst > 86400) {
			fc_err("top", "%s %s: a number from 1 to 86400", argv[i - 1], argv[i]);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
	}
	if (count < 0 && (c.json || !isatty(STDOUT_FILENO)))
		count = 1;
	catch_stop();
	for (long n = 0; !stop && (count < 0 || n < count); n++) {
		struct fg_counters s;
		struct fg_shm *st;

		if (n != 0)
			sleep((unsigned int)delay);
		st = read_stats(&c, "top", &s);
		if (st == NULL) {
			rc = FC_EXIT_FAIL;
			break;
		}
		if (strcmp(by, "events") != 0) {
			top_drops(&c, st, by[0] == 'b', count < 0);
			fflush(stdout);
			free(st);
			continue;
		}
		if (!c.json)
			printf("%sfloodguard %s: rx %" PRIu64 ", dropped %" PRIu64 ", %" PRIu64
			       " sources tracked, %" PRIu64 " blocks\n\n%-4s %-40s %-8s %10s %10s\n",
			       count < 0 ? "\033[H\033[2J" : "", c.h.s->h.instance, s.rx,
			       fg_counters_dropped(&s), st->table_used, s.lim.blocks, "#", "source",
			       "class", "events", "blocked_ms");
		else
			printf("{\"unix_ns\":%" PRIu64 ",\"top\":[", st->stats_unix_ns);
		for (uint32_t i = 0; i < st->ntop && i < FG_SHM_TOP; i++) {
			char addr[64];

			fg_addr_str(st->top[i].addr, addr, sizeof(addr));
			printf(c.json ? "%s{\"rank\":%u,\"src\":\"%s\",\"class\":\"%s\","
			       "\"window_events\":%u,\"blocked_ms\":%u}" :
			       "%s%-4u %-40s %-8s %10u %10u\n", c.json && i != 0 ? "," : "", i + 1,
			       addr, fg_class_name(st->top[i].cls), st->top[i].window_events,
			       st->top[i].blocked_ms);
		}
		if (c.json)
			puts("]}");
		fflush(stdout);
		free(st);
	}
	fc_ctx_fini(&c);
	return rc;
}

const char fc_events_usage[] =
"usage: floodctl events [--follow] [--json] [-i NAME]\n"
"The data plane's decisions, oldest first (the last 4096 are kept): block\n"
"(a source flood-blocked, arg = penalty ms), watch and unwatch (a partner on\n"
"or off the watch list, arg = reasons, domain = its first From domain), alert\n"
"(a watch entry's throttling mode condition starts to hold; domain = the\n"
"entry, src = its first partner, arg = reasons + mode << 16), lists (floodctl changed the lists, arg = generation), monitor (monitor\n"
"mode switched on or off, class = the section, arg = 1 on). Found by the main\n"
"lcore's once-a-second walk; each is also one key=value log line\n"
"(docs/operations.md).\n"
"  --follow     keep printing new events (JSON lines with --json)\n"
COMMON_USAGE;

static void
print_event(const struct fg_event *e, bool json)
{
	char addr[64], why[64] = "", mode[32] = "", dom[FG_DOMAIN_MAX + 16] = "";
	const char *cls;
	bool noaddr = e->kind == FG_EV_LISTS || e->kind == FG_EV_MONITOR;

	fg_addr_str(e->addr, addr, sizeof(addr));
	if (e->kind == FG_EV_WATCH || e->kind == FG_EV_UNWATCH)
		fg_fed_reasons_str((uint32_t)e->arg, why, sizeof(why));
	if (e->kind == FG_EV_MONITOR)   /* cls: the scope; arg: on (1) or off */
		snprintf(why, sizeof(why), "%s", e->arg ? "on" : "off");
	if (e->kind == FG_EV_ALERT) {
		fg_fed_reasons_str((uint32_t)e->arg & 0xffff, why, sizeof(why));
		snprintf(mode, sizeof(mode), json ? ",\"mode\":\"%s\"" : " mode %s",
			 fg_fed_mode_name((enum fg_fed_mode)(e->arg >> 16)));
	}
	/* watch, unwatch, alert: the From domain (the data plane keeps only
	 * host-name and address-literal bytes, no quoting needed) */
	if (e->domain[0] != '\0')
		snprintf(dom, sizeof(dom), json ? ",\"domain\":\"%.*s\"" : " domain %.*s",
			 FG_DOMAIN_MAX - 1, e->domain);
	cls = e->kind == FG_EV_MONITOR ? fg_mon_scope_name(e->cls) : fg_class_name(e->cls);
	if (json)
		printf("{\"unix_ns\":%" PRIu64 ",\"event\":\"%s\",\"src\":\"%s\",\"class\":\"%s\","
		       "\"arg\":%" PRIu64 ",\"reasons\":\"%s\"%s%s}\n", e->unix_ns,
		       fg_event_name(e->kind), noaddr ? "" : addr, cls, e->arg, why, mode, dom);
	else
		printf("%" PRIu64 ".%03u %-8s %-40s %s %" PRIu64 " %s%s%s\n",
		       e->unix_ns / 1000000000u, (unsigned int)(e->unix_ns / 1000000u % 1000u),
		       fg_event_name(e->kind), noaddr ? "-" : addr, cls, e->arg, why, mode, dom);
}

int
fc_events(int argc, char **argv)
{
	bool follow = false;
	struct fc_ctx c;
	uint64_t pos, head;
	int rc;

	rc = fc_ctx_init(&c, "events", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0) {
			follow = true;
		} else {
			fc_err("events", "%s: unknown option", argv[i]);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
	}
	head = __atomic_load_n(&c.h.s->ev_head, __ATOMIC_ACQUIRE);
	pos = head > FG_SHM_EVENTS ? head - FG_SHM_EVENTS : 0;
	catch_stop();
	while (!stop) {
		struct fg_event e;
		int r = fg_shm_event_read(c.h.s, pos, &e);

		if (r == 1) {
			print_event(&e, c.json);
			pos++;
			continue;
		}
		if (r < 0) {    /* overwritten while we looked: skip to the oldest kept */
			uint64_t h = __atomic_load_n(&c.h.s->ev_head, __ATOMIC_ACQUIRE);
			uint64_t to = h > FG_SHM_EVENTS ? h - FG_SHM_EVENTS + 1 : pos + 1;

			fprintf(stderr, "floodctl events: %" PRIu64 " events lost (too slow)\n",
				to - pos);
			pos = to;
			continue;
		}
		if (!follow)
			break;
		fflush(stdout);
		if (!fg_shm_alive(c.h.s)) {
			fc_err("events", "the data plane stopped");
			rc = FC_EXIT_FAIL;
			break;
		}
		usleep(50000);
	}
	fc_ctx_fini(&c);
	return rc;
}

const char fc_set_usage[] =
"usage: floodctl set SECTION.KEY VALUE [-i NAME]\n"
"Change a threshold while the data plane runs: the uint keys of [mom],\n"
"[sip], [sip-tls] and [sip-rules] (docs/config.md) except partners and\n"
"uri_limit. The value is checked as --set and the configuration file are;\n"
"it lasts until the data plane stops (put it in the configuration too).\n"
COMMON_USAGE;

const char fc_get_usage[] =
"usage: floodctl get SECTION.KEY [--json] [-i NAME]\n"
"The value of any configuration key in the running data plane.\n"
COMMON_USAGE;

/* set and get (argv[0]) */
int
fc_setget(int argc, char **argv)
{
	const char *cmd = argv[0];
	bool set = strcmp(cmd, "set") == 0;
	struct fg_shm_req q = { .op = set ? FG_SHM_OP_SET : FG_SHM_OP_GET };
	struct fg_shm_resp r;
	struct fc_ctx c;
	int rc;

	rc = fc_ctx_init(&c, cmd, &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	if (argc != (set ? 2 : 1) || strlen(argv[0]) >= sizeof(q.key) ||
	    (set && strlen(argv[1]) >= sizeof(q.value))) {
		fc_err(cmd, set ? "expected SECTION.KEY VALUE" : "expected SECTION.KEY");
		fc_ctx_fini(&c);
		return FC_EXIT_USAGE;
	}
	strcpy(q.key, argv[0]);
	if (set)
		strcpy(q.value, argv[1]);
	rc = fg_shm_call(&c.h, &q, &r, c.timeout_ms);
	fc_ctx_fini(&c);
	if (rc != 0) {
		fc_err(cmd, "the data plane did not answer (%s)", strerror(-rc));
		return FC_EXIT_FAIL;
	}
	if (r.rc != 0) {
		fc_err(cmd, "%s", r.msg);
		return r.rc == -EINVAL || r.rc == -ENOENT || r.rc == -EPERM ? FC_EXIT_USAGE :
		       FC_EXIT_FAIL;
	}
	if (c.json)
		printf("{\"key\":\"%s\",\"value\":\"%s\"}\n", q.key, r.msg);
	else
		printf(set ? "%s = %s\n" : "%s%s\n", set ? q.key : "", r.msg);
	return FC_EXIT_OK;
}

const char fc_reload_usage[] =
"usage: floodctl reload [-i NAME] [--timeout MS]\n"
"The data plane re-reads its configuration file and the settings of its\n"
"command line, as SIGHUP makes it do: the keys floodctl set can change take\n"
"the file's values, all in one publish; keys that size memory or choose\n"
"ports are named as needing a restart and left as they run. If the file's\n"
"[lists] changed they are merged into the running lists (entries of tag\n"
"config become the file's prefixes; domains the file added are added, those\n"
"it dropped removed), and reload waits for that. A file with any error\n"
"changes nothing (exit 1, the error on stderr).\n"
COMMON_USAGE;

/* Until the data plane has merged the [lists] of reload @p ticket: its
 * message into @p msg. @return its rc, -ETIMEDOUT or -ESRCH. */
static int
merge_wait(const struct fg_shm *s, uint32_t ticket, uint32_t timeout_ms, char *msg, size_t len)
{
	uint64_t deadline = fg_shm_mono_ns() + (uint64_t)timeout_ms * 1000000u;

	while (__atomic_load_n(&s->merge_done, __ATOMIC_ACQUIRE) < ticket) {
		if (!fg_shm_alive(s)) {
			snprintf(msg, len, "the data plane exited");
			return -ESRCH;
		}
		if (fg_shm_mono_ns() > deadline)
			return -ETIMEDOUT;
		usleep(1000);
	}
	/* a later reload's merge may have answered: it holds this one's too */
	snprintf(msg, len, "%.*s", (int)sizeof(s->merge_msg), s->merge_msg);
	return s->merge_rc;
}

int
fc_reload(int argc, char **argv)
{
	struct fg_shm_req q = { .op = FG_SHM_OP_RELOAD };
	char lists[sizeof(((struct fg_shm *)0)->merge_msg) + 1] = "";
	struct fg_shm_resp r;
	struct fc_ctx c;
	int rc;

	rc = fc_ctx_init(&c, "reload", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	if (argc != 0) {
		fc_err("reload", "unexpected argument '%s'", argv[0]);
		fc_ctx_fini(&c);
		return FC_EXIT_USAGE;
	}
	rc = fg_shm_call(&c.h, &q, &r, c.timeout_ms);
	if (rc != 0) {
		fc_err("reload", "the data plane did not answer (%s)", strerror(-rc));
		goto fail;
	}
	if (r.rc != 0) {
		fc_err("reload", "%s", r.msg);
		goto fail;
	}
	if (r.arg != 0) {
		rc = merge_wait(c.h.s, (uint32_t)r.arg, c.timeout_ms, lists, sizeof(lists));
		if (rc == -ETIMEDOUT) {
			fc_err("reload", "%s; the [lists] merge was not done after %u ms (it goes "
			       "on: see the log)", r.msg, c.timeout_ms);
			goto fail;
		}
		if (rc != 0) {
			fc_err("reload", "%s; %s", r.msg, lists);
			goto fail;
		}
	}
	if (c.json) {
		fputs("{\"reloaded\":true,\"message\":", stdout);
		fg_json_str(stdout, r.msg, strlen(r.msg));
		if (lists[0] != '\0') {
			fputs(",\"lists\":", stdout);
			fg_json_str(stdout, lists, strlen(lists));
		}
		fputs("}\n", stdout);
	} else {
		printf("%s%s%s\n", r.msg, lists[0] != '\0' ? "; " : "", lists);
	}
	fc_ctx_fini(&c);
	return FC_EXIT_OK;
fail:
	fc_ctx_fini(&c);
	return FC_EXIT_FAIL;
}

const char fc_metrics_usage[] =
"usage: floodctl metrics [--listen ADDR:PORT] [-i NAME]\n"
"The counters and list sizes in Prometheus text exposition format, to\n"
"stdout; with --listen, served over HTTP (any path) on a loopback address\n"
"until interrupted, e.g. --listen 127.0.0.1:9527.\n"
COMMON_USAGE;

/* Sources in floodguard_top_drops (labels per source: keep them few). */
#define FC_METRICS_TOP 16

/* The exposition into @p f. @return 0 or -1. */
static int
metrics(struct fc_ctx *c, FILE *f)
{
	struct fg_fed_lists *l = malloc(sizeof(*l));
	struct fg_counters s;
	struct fg_shm *st;

	st = l != NULL ? read_stats(c, "metrics", &s) : NULL;
	if (st == NULL || fg_shm_lists_read(&c->h, l) != 0) {
		free(l);
		free(st);
		return -1;
	}
	fprintf(f, "# HELP floodguard_packets_total Packets by verdict reason.\n"
		"# TYPE floodguard_packets_total counter\n");
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		fprintf(f, "floodguard_packets_total{reason=\"%s\",verdict=\"%s\"} %" PRIu64 "\n",
			fg_verdict_name(v), fg_verdict_drops(v) ? "drop" : "pass",
			s.lim.verdict[v]);
	fprintf(f, "# HELP floodguard_would_drop_total Packets passed in monitor mode that a "
		"rule would have dropped, by reason.\n# TYPE floodguard_would_drop_total counter\n");
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		if (fg_verdict_drops(v))
			fprintf(f, "floodguard_would_drop_total{reason=\"%s\"} %" PRIu64 "\n",
				fg_verdict_name(v), s.lim.would[v]);
	fprintf(f, "# HELP floodguard_top_drops Packets dropped (and would-dropped) in the last "
		"interval from the most dropped sources (floodctl top --by drops).\n"
		"# TYPE floodguard_top_drops gauge\n");
	for (uint32_t i = 0; i < st->drops.n && i < FC_METRICS_TOP; i++) {
		const struct fg_shm_drop *e = &st->drops.d[i];
		char addr[64];

		fg_addr_str(e->addr, addr, sizeof(addr));
		fprintf(f, "floodguard_top_drops{rank=\"%u\",src=\"%s\",class=\"%s\",reason=\"%s\"} %"
			PRIu64 "\n", i + 1, addr, fg_class_name(e->cls), fg_verdict_name(e->reason),
			e->pkts);
	}
	fprintf(f, "# HELP floodguard_class_packets_total Packets by traffic class.\n"
		"# TYPE floodguard_class_packets_total counter\n");
	for (unsigned int k = 0; k < FG_CLASS_COUNT; k++)
		fprintf(f, "floodguard_class_packets_total{class=\"%s\"} %" PRIu64 "\n",
			fg_class_name(k), s.parse.cls[k]);
	fprintf(f, "# HELP floodguard_parser_total Packets by parser reason.\n"
		"# TYPE floodguard_parser_total counter\n");
	for (unsigned int r = 0; r < FG_R_COUNT; r++)
		fprintf(f, "floodguard_parser_total{reason=\"%s\"} %" PRIu64 "\n",
			fg_reason_name(r), s.parse.reason[r]);
	fprintf(f, "# HELP floodguard_port_packets_total Packets by port and direction.\n"
		"# TYPE floodguard_port_packets_total counter\n");
	for (unsigned int p = 0; p < FG_SHM_PORTS; p++)
		if (st->port[p].used)
			fprintf(f, "floodguard_port_packets_total{port=\"%u\",dir=\"rx\"} %" PRIu64
				"\nfloodguard_port_packets_total{port=\"%u\",dir=\"tx\"} %" PRIu64
				"\nfloodguard_port_missed_total{port=\"%u\"} %" PRIu64
				"\nfloodguard_port_rx_nombuf_total{port=\"%u\"} %" PRIu64
				"\nfloodguard_port_tx_full_total{port=\"%u\"} %" PRIu64 "\n", p,
				st->port[p].ipackets, p, st->port[p].opackets, p,
				st->port[p].imissed, p, st->port[p].rx_nombuf, p, s.tx_full[p]);
	fprintf(f, "# HELP floodguard_tcp_resets_total TCP resets of rst_on_block by outcome.\n"
		"# TYPE floodguard_tcp_resets_total counter\n");
	for (unsigned int k = 0; k < FG_CTR_RST_N; k++)
		fprintf(f, "floodguard_tcp_resets_total{result=\"%s\"} %" PRIu64 "\n",
			fg_ctr_rst[k].name, fg_counter(&s, &fg_ctr_rst[k]));
	fprintf(f, "# HELP floodguard_lcore_packets_total Packets received per lcore.\n"
		"# TYPE floodguard_lcore_packets_total counter\n");
	for (unsigned int lc = 0; lc < FG_SHM_LCORES; lc++)
		if (lcore_in(st->lcore_mask, lc) && ((st->worker_mask[lc / 32] >> (lc % 32)) & 1))
			fprintf(f, "floodguard_lcore_packets_total{lcore=\"%u\"} %" PRIu64 "\n", lc,
				st->lc[lc].rx);
	fprintf(f, "# HELP floodguard_list_entries Entries of each list.\n"
		"# TYPE floodguard_list_entries gauge\n");
	for (int k = 0; k < FG_LIST_COUNT; k++)
		fprintf(f, "floodguard_list_entries{list=\"%s\"} %u\n",
			fg_list_name((enum fg_list)k),
			fg_lists_entries(l, fg_shm_pfx(&c->h), (enum fg_list)k));
	fprintf(f, "floodguard_list_entries{list=\"watch\"} %u\n"
		"# HELP floodguard_sources_blocked_total Sources flood-blocked.\n"
		"# TYPE floodguard_sources_blocked_total counter\n"
		"floodguard_sources_blocked_total %" PRIu64 "\n"
		"# HELP floodguard_table_sources Sources in the table.\n"
		"# TYPE floodguard_table_sources gauge\n"
		"floodguard_table_sources %" PRIu64 "\n"
		"floodguard_table_slots %" PRIu64 "\n", st->nwatch, s.lim.blocks,
		st->table_used, st->table_slots);
	fprintf(f, "# HELP floodguard_watch_alert Watch entries: 1 when the entry's throttling "
		"mode condition holds.\n# TYPE floodguard_watch_alert gauge\n");
	for (uint32_t i = 0; i < st->nwatch && i < FG_SHM_WATCH; i++) {
		const struct fg_fed_entry *w = &st->watch[i].e;
		char key[FG_DOMAIN_MAX + 64], why[96];

		if (w->domain[0] != '\0')
			snprintf(key, sizeof(key), "%s", w->domain);
		else
			fg_addr_str(w->addr[0], key, sizeof(key));
		fprintf(f, "floodguard_watch_alert{entry=\"%s\",mode=\"%s\",reasons=\"%s\"} %u\n",
			key, fg_fed_mode_name(w->mode),
			fg_fed_reasons_str(w->flags, why, sizeof(why)), w->alert);
	}
	free(l);
	free(st);
	return 0;
}

static int
serve_metrics(struct fc_ctx *c, const char *listen_at)
{
	char host[64], *colon;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long port;
	int fd, one = 1;

	snprintf(host, sizeof(host), "%s", listen_at);
	colon = strrchr(host, ':');
	if (colon == NULL) {
		fc_err("metrics", "--listen %s: expected ADDR:PORT", listen_at);
		return FC_EXIT_USAGE;
	}
	*colon++ = '\0';
	port = strtoul(colon, NULL, 10);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || port == 0 || port > 65535) {
		fc_err("metrics", "--listen %s: expected an IPv4 ADDR:PORT", listen_at);
		return FC_EXIT_USAGE;
	}
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		fc_err("metrics", "--listen %s: a loopback address (127.0.0.0/8) only", listen_at);
		return FC_EXIT_USAGE;
	}
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		fc_err("metrics", "--listen %s (errno=%i): %s", listen_at, errno, strerror(errno));
		if (fd >= 0)
			close(fd);
		return FC_EXIT_FAIL;
	}
	catch_stop();
	signal(SIGPIPE, SIG_IGN);    /* a client that leaves early is not a stop */
	fprintf(stderr, "floodctl metrics: serving http://%s/metrics\n", listen_at);
	while (!stop) {
		char req[1024], *body = NULL;
		size_t len = 0;
		int cl = accept(fd, NULL, NULL);
		FILE *m;

		if (cl < 0)
			continue;
		if (read(cl, req, sizeof(req)) > 0 && (m = open_memstream(&body, &len)) != NULL) {
			int rc = metrics(c, m);
			FILE *out = fdopen(dup(cl), "w");

			fclose(m);
			if (out != NULL) {
				fprintf(out, "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4"
					"\r\nContent-Length: %zu\r\n\r\n%s", rc == 0 ? "200 OK" :
					"503 Service Unavailable", len, body);
				fclose(out);
			}
			free(body);
		}
		close(cl);
	}
	close(fd);
	return FC_EXIT_OK;
}

int
fc_metrics(int argc, char **argv)
{
	const char *listen_at = NULL;
	struct fc_ctx c;
	int rc;

	rc = fc_ctx_init(&c, "metrics", &argc, &argv);
	if (rc != FC_EXIT_OK)
		return rc;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			listen_at = argv[++i];
		} else {
			fc_err("metrics", "%s: unknown option or missing value", argv[i]);
			fc_ctx_fini(&c);
			return FC_EXIT_USAGE;
		}
	}
	if (listen_at != NULL)
		rc = serve_metrics(&c, listen_at);
	else
		rc = metrics(&c, stdout) == 0 ? FC_EXIT_OK : FC_EXIT_FAIL;
	fc_ctx_fini(&c);
	return rc;
}
