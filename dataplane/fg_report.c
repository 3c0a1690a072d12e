/* SPDX-License-Identifier: BSD-3-Clause */
/* The final summary (stdout) and the JSON report (offline --report). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fg_dp.h"
#include "fg_json.h"

/* sources in the report's top_drops */
#define FG_REPORT_TOP 16

void
fg_dp_print_summary(const struct fg_dp *dp, FILE *f)
{
	struct fg_counters c;
	uint64_t passed, dropped, tx_full = 0, xdp_pushed, xdp_full;

	fg_dp_sum(dp, &c);
	passed = fg_counters_passed(&c);
	dropped = fg_counters_dropped(&c);
	for (unsigned int p = 0; p < FG_MAX_PORTS; p++)
		tx_full += c.tx_full[p];
	fprintf(f, "packets: received %" PRIu64 ", passed %" PRIu64 ", dropped %" PRIu64
		" (received = passed + dropped: %s)\n", c.rx, passed, dropped,
		c.rx == passed + dropped ? "yes" : "NO");
	fprintf(f, "verdicts:");
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		if (c.lim.verdict[v] != 0)
			fprintf(f, " %s %" PRIu64, fg_verdict_name(v), c.lim.verdict[v]);
	if (fg_counters_would(&c) != 0) {
		fprintf(f, "\nwould-drops (passed, monitor mode):");
		for (unsigned int v = 0; v < FG_V_COUNT; v++)
			if (c.lim.would[v] != 0)
				fprintf(f, " %s %" PRIu64, fg_verdict_name(v), c.lim.would[v]);
	}
	fprintf(f, "\nclasses:");
	for (unsigned int k = 0; k < FG_CLASS_COUNT; k++)
		fprintf(f, " %s %" PRIu64, fg_class_name(k), c.parse.cls[k]);
	fprintf(f, "\nparser notes and malformed reasons:");
	for (unsigned int r = 0; r < FG_R_COUNT; r++)
		if (r != FG_R_OK && c.parse.reason[r] != 0)
			fprintf(f, " %s %" PRIu64, fg_reason_name(r), c.parse.reason[r]);
	fprintf(f, "\nsources: tracked %" PRIu64 ", blocked %" PRIu64 " times, evicted idle %"
		PRIu64 " probationary %" PRIu64 ", no slot %" PRIu64 ", aged %" PRIu64 "\n",
		c.lim.tab.inserted, c.lim.blocks, c.lim.tab.evict_idle,
		c.lim.tab.evict_probation, c.lim.tab.full, c.lim.tab.aged);
	if (dp->cfg->mode != FG_MODE_OFFLINE)
		fprintf(f, "transmit: sent %" PRIu64 ", TX queue full (freed) %" PRIu64 "\n",
			c.tx, tx_full);
	if (dp->cfg->rst_on_block)
		fprintf(f, "tcp resets (rst_on_block): sent %" PRIu64 ", over the cap %" PRIu64
			", failed (no mbuf, TX full) %" PRIu64 "\n", c.rst_sent, c.rst_capped,
			c.rst_failed);
	xdp_pushed = fg_xdp_pushed(&xdp_full);
	if (xdp_pushed != 0 || xdp_full != 0)
		fprintf(f, "xdp: %" PRIu64 " flood-blocked sources dropped in the kernel while "
			"blocked, %" PRIu64 " left to the data plane (no room)\n", xdp_pushed,
			xdp_full);
}

struct blocked_walk {
	FILE *f;
	const struct fg_limit_cfg *lim;
	struct fg_now now;
	uint64_t now_ns;
	bool first;
};

static void
blocked_one(const struct fg_src *e, void *arg)
{
	struct blocked_walk *w = arg;
	uint64_t left = fg_src_block_left(e, &w->now), pen;
	uint8_t addr[16];
	unsigned int cls = fg_src_key(e, addr);

	if (left == 0 || cls == FG_CLASS_COUNT)
		return;
	fprintf(w->f, "%s\n    {\"src\":", w->first ? "" : ",");
	fg_json_addr(w->f, addr);
	pen = fg_src_penalty_ns(e, &w->lim->cls[cls]);
	/* times on the capture's clock (unix), as floodctl blocked gives them */
	fprintf(w->f, ",\"class\":\"%s\",\"rule\":\"flood\",\"since_unix_ms\":%" PRIu64
		",\"until_unix_ms\":%" PRIu64 ",\"remaining_ms\":%" PRIu64 ",\"offences\":%u}",
		fg_class_name(cls), (uint64_t)((w->now_ns + left - pen) / FG_NS_PER_MS),
		(uint64_t)((w->now_ns + left) / FG_NS_PER_MS), (uint64_t)(left / FG_NS_PER_MS),
		(unsigned int)__atomic_load_n(&e->offences, __ATOMIC_RELAXED));
	w->first = false;
}

/* The watch list's entries now into @p e (FG_SHM_WATCH of them). */
static uint32_t
watch_entries(struct fg_dp *dp, struct fg_fed_entry *e)
{
	struct fg_fed_lists *l = malloc(sizeof(*l));
	uint32_t n = 0;

	if (l != NULL && fg_control_lists(dp, l) != 0)
		l->nwatch_dom = 0;
	if (e != NULL && dp->fed_mem != NULL)
		n = fg_fed_entries(&dp->fed, l, e, FG_SHM_WATCH);
	free(l);
	return n;
}

/*
 * The watch entries with an automatic reason, as floodctl blocked gives
 * them: they leave the list expiry_s after since (fg_fed_expire()).
 */
static void
blocked_watch(struct fg_dp *dp, uint64_t now_ns, FILE *f, bool *first)
{
	struct fg_fed_entry *e = calloc(FG_SHM_WATCH, sizeof(*e));
	uint32_t n = watch_entries(dp, e);
	uint64_t ttl = dp->fed_mem != NULL ?
		       (uint64_t)fg_fed_live(&dp->fed)->expiry_s * FG_NS_PER_S : 0;
	char rule[96];

	for (uint32_t i = 0; i < n; i++) {
		const struct fg_fed_entry *w = &e[i];
		uint64_t until = ttl != 0 ? w->since_ns + ttl : 0;

		if (!fg_fed_entry_holds(w) || (until != 0 && until <= now_ns))
			continue;
		fprintf(f, "%s\n    {\"src\":", *first ? "" : ",");
		if (w->domain[0] != '\0')
			fg_json_str(f, (const uint8_t *)w->domain, strlen(w->domain));
		else
			fg_json_addr(f, w->addr[0]);
		fprintf(f, ",\"class\":\"%s\",\"rule\":\"%s\",\"since_unix_ms\":%" PRIu64,
			fg_class_name(FG_CLASS_SIP),
			fg_fed_reasons_str(w->flags & ~FG_FED_MANUAL, rule, sizeof(rule)),
			(uint64_t)(w->since_ns / FG_NS_PER_MS));
		if (until != 0)
			fprintf(f, ",\"until_unix_ms\":%" PRIu64 ",\"remaining_ms\":%" PRIu64,
				(uint64_t)(until / FG_NS_PER_MS),
				(uint64_t)((until - now_ns) / FG_NS_PER_MS));
		else
			fputs(",\"until_unix_ms\":null,\"remaining_ms\":null", f);
		fputs(",\"offences\":null,\"addresses\":[", f);
		for (uint32_t k = 0; k < w->naddr && k < FG_FED_ENTRY_ADDRS; k++) {
			fputs(k ? "," : "", f);
			fg_json_addr(f, w->addr[k]);
		}
		fprintf(f, "],\"partners\":%u,\"dropped\":%" PRIu64 "}", w->naddr,
			w->drop_rate + w->drop_uri);
		*first = false;
	}
	free(e);
}

void
fg_dp_watch_json(struct fg_dp *dp, uint64_t now_ns, FILE *f)
{
	struct fg_fed_entry *e = calloc(FG_SHM_WATCH, sizeof(*e));
	uint32_t n = watch_entries(dp, e);
	fputc('[', f);
	for (uint32_t i = 0; i < n; i++) {
		const struct fg_fed_entry *w = &e[i];
		bool rf = true;

		fprintf(f, "%s\n    {", i ? "," : "");
		if (w->domain[0] != '\0') {
			fputs("\"domain\":", f);
			fg_json_str(f, (const uint8_t *)w->domain, strlen(w->domain));
		} else {
			fputs("\"src\":", f);
			fg_json_addr(f, w->addr[0]);
		}
		fputs(",\"addresses\":[", f);
		for (uint32_t k = 0; k < w->naddr && k < FG_FED_ENTRY_ADDRS; k++) {
			fputs(k ? "," : "", f);
			fg_json_addr(f, w->addr[k]);
		}
		fprintf(f, "],\"partners\":%u,\"mode\":\"%s\",\"mode_set\":%s,\"alert\":%s,"
			"\"alert_since_s\":", w->naddr, fg_fed_mode_name(w->mode),
			w->mode_set ? "true" : "false", w->alert ? "true" : "false");
		if (w->alert)
			fprintf(f, "%.6f", (double)w->alert_ns / 1e9);
		else
			fputs("null", f);
		fputs(",\"reasons\":[", f);
		for (unsigned int r = 0; r < FG_FED_NREASONS; r++)
			if (w->flags & (1u << r)) {
				fprintf(f, "%s\"%s\"", rf ? "" : ",", fg_fed_reason_name(r));
				rf = false;
			}
		fputc(']', f);
		if (w->since_ns != 0)
			fprintf(f, ",\"since_s\":%.6f,\"age_s\":%.3f", (double)w->since_ns / 1e9,
				(double)(now_ns - w->since_ns) / 1e9);
		fprintf(f, ",\"requests\":%" PRIu64 ",\"other_msgs\":%" PRIu64
			",\"uris\":%u,\"resp_ok\":%" PRIu64 ",\"resp_fail\":%" PRIu64
			",\"drop_rate\":%" PRIu64 ",\"drop_uri\":%" PRIu64 "}",
			w->requests, w->other_msgs, w->nuris, w->resp_ok, w->resp_fail,
			w->drop_rate, w->drop_uri);
	}
	free(e);
	fprintf(f, "%s]", n ? "\n  " : "");
}

/* The sources dropped (or would-dropped) most, from this lcore's drop
 * summary (offline: one interval, the whole capture). */
static void
top_drops_json(const struct fg_dp *dp, FILE *f)
{
	static struct fg_hh_entry e[FG_REPORT_TOP];
	uint32_t n = fg_dp_drops_now(dp, rte_lcore_id(), e, FG_REPORT_TOP);

	fprintf(f, ",\n  \"top_drops\": [");
	for (uint32_t i = 0; i < n; i++) {
		unsigned int r = fg_hh_dominant(&e[i]);

		fprintf(f, "%s\n    {\"src\":", i ? "," : "");
		fg_json_addr(f, e[i].addr);
		fprintf(f, ",\"class\":\"%s\",\"drops\":%u,\"bytes\":%" PRIu64 ",\"would\":%u,"
			"\"reason\":\"%s\",\"reason_drops\":%u}", fg_class_name(e[i].cls), e[i].pkts,
			e[i].bytes, e[i].would, fg_verdict_name(r), e[i].reason[r]);
	}
	fprintf(f, "%s]", n ? "\n  " : "");
}

/* "name": value of the counters @p k, in fg_shm.h's order. */
static void
json_counters(FILE *f, const struct fg_counter *k, unsigned int n, const struct fg_counters *c)
{
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", k[i].name, fg_counter(c, &k[i]));
}

void
fg_dp_report_json(const struct fg_dp *dp, uint64_t now_ns, FILE *f)
{
	struct blocked_walk w = { .f = f, .first = true };
	struct fg_counters c;
	bool first;

	fg_dp_sum(dp, &c);
	fprintf(f, "{\n  \"packets\": %" PRIu64 ",\n  \"passed\": %" PRIu64
		",\n  \"dropped\": %" PRIu64 ",\n  \"verdicts\": {", c.rx,
		fg_counters_passed(&c), fg_counters_dropped(&c));
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		fprintf(f, "%s\"%s\": %" PRIu64, v ? ", " : "", fg_verdict_name(v),
			c.lim.verdict[v]);
	fprintf(f, "},\n  \"would_drop\": {");
	first = true;
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		if (fg_verdict_drops(v)) {
			fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", fg_verdict_name(v),
				c.lim.would[v]);
			first = false;
		}
	fprintf(f, "},\n  \"classes\": {");
	for (unsigned int k = 0; k < FG_CLASS_COUNT; k++)
		fprintf(f, "%s\"%s\": %" PRIu64, k ? ", " : "", fg_class_name(k),
			c.parse.cls[k]);
	fprintf(f, "},\n  \"reasons\": {");
	first = true;
	for (unsigned int r = 0; r < FG_R_COUNT; r++)
		if (r != FG_R_OK && c.parse.reason[r] != 0) {
			fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", fg_reason_name(r),
				c.parse.reason[r]);
			first = false;
		}
	fprintf(f, "},\n  \"sources\": {");
	json_counters(f, fg_ctr_table, FG_CTR_TABLE_N, &c);
	fprintf(f, ", \"in_table\": %" PRIu64 "},\n  \"blocked\": [",
		dp->tab_mem != NULL ? fg_srctab_count(&dp->tab) : 0);
	if (dp->tab_mem != NULL) {
		w.now = fg_now(dp->tab.epoch, now_ns);
		w.now_ns = now_ns;
		w.lim = &dp->cfg->limits;
		fg_dp_walk(dp, blocked_one, &w);
	}
	blocked_watch((struct fg_dp *)dp, now_ns, f, &w.first);
	fprintf(f, "%s],\n  \"sip\": {\"partners\": %u, ", w.first ? "" : "\n  ",
		dp->fed.npartners);
	json_counters(f, fg_ctr_sip, FG_CTR_SIP_N, &c);
	fprintf(f, "},\n  \"watch\": ");
	fg_dp_watch_json((struct fg_dp *)dp, now_ns, f);
	top_drops_json(dp, f);
	fprintf(f, "\n}\n");
}
