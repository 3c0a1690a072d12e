/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /floodguard/... commands for dpdk-telemetry.py. They run on the
 * telemetry thread and only read: per-lcore counters summed here, the
 * source table walked without locks (a reader's view).
 */
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "fg_dp.h"
#include "fg_json.h"

static struct fg_dp *tel_dp;

/* Telemetry dict keys allow letters, digits, '_' and '/': "rate-pps" is
 * reported as "rate_pps". */
static void
add_u64(struct rte_tel_data *d, const char *name, uint64_t v)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	size_t i;

	for (i = 0; name[i] != '\0' && i < sizeof(key) - 1; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	key[i] = '\0';
	rte_tel_data_add_dict_u64(d, key, v);
}

static int
tel_stats(struct rte_tel_data *d, const struct fg_counters *c)
{
	uint64_t tx_full = 0;

	for (unsigned int p = 0; p < FG_MAX_PORTS; p++)
		tx_full += c->tx_full[p];
	rte_tel_data_add_dict_u64(d, "rx", c->rx);
	rte_tel_data_add_dict_u64(d, "passed", fg_counters_passed(c));
	rte_tel_data_add_dict_u64(d, "dropped", fg_counters_dropped(c));
	rte_tel_data_add_dict_u64(d, "would_drop", fg_counters_would(c));
	rte_tel_data_add_dict_u64(d, "tx", c->tx);
	rte_tel_data_add_dict_u64(d, "tx_full", tx_full);
	for (unsigned int k = 0; k < FG_CTR_RST_N; k++) {
		char key[32];

		snprintf(key, sizeof(key), "rst_%s", fg_ctr_rst[k].name);
		rte_tel_data_add_dict_u64(d, key, fg_counter(c, &fg_ctr_rst[k]));
	}
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		add_u64(d, fg_verdict_name(v), c->lim.verdict[v]);
	/* monitor mode: passed, by the reason that would have dropped them */
	for (unsigned int v = 0; v < FG_V_COUNT; v++)
		if (fg_verdict_drops(v)) {
			char key[48];

			snprintf(key, sizeof(key), "would_%s", fg_verdict_name(v));
			add_u64(d, key, c->lim.would[v]);
		}
	return 0;
}

static int
tel_classes(struct rte_tel_data *d, const struct fg_counters *c)
{
	for (unsigned int k = 0; k < FG_CLASS_COUNT; k++)
		add_u64(d, fg_class_name(k), c->parse.cls[k]);
	for (unsigned int r = 0; r < FG_R_COUNT; r++)
		if (r != FG_R_OK && c->parse.reason[r] != 0)
			add_u64(d, fg_reason_name(r), c->parse.reason[r]);
	return 0;
}

static int
tel_ports(struct rte_tel_data *d, const struct fg_counters *c)
{
	for (uint16_t i = 0; i < tel_dp->nb_ports; i++) {
		uint16_t port = tel_dp->ports[i];
		struct rte_tel_data *p = rte_tel_data_alloc();
		struct rte_eth_stats st;
		char name[16];

		if (p == NULL || rte_eth_stats_get(port, &st) != 0) {
			rte_tel_data_free(p);
			continue;
		}
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_u64(p, "ipackets", st.ipackets);
		rte_tel_data_add_dict_u64(p, "opackets", st.opackets);
		rte_tel_data_add_dict_u64(p, "imissed", st.imissed);
		rte_tel_data_add_dict_u64(p, "ierrors", st.ierrors);
		rte_tel_data_add_dict_u64(p, "rx_nombuf", st.rx_nombuf);
		rte_tel_data_add_dict_u64(p, "oerrors", st.oerrors);
		rte_tel_data_add_dict_u64(p, "tx_full", port < FG_MAX_PORTS ? c->tx_full[port] : 0);
		snprintf(name, sizeof(name), "%u", port);
		rte_tel_data_add_dict_container(d, name, p, 0);
	}
	return 0;
}

static int
tel_table(struct rte_tel_data *d, const struct fg_counters *c)
{
	rte_tel_data_add_dict_u64(d, "slots", fg_srctab_slots(&tel_dp->tab));
	rte_tel_data_add_dict_u64(d, "in_table", fg_srctab_count(&tel_dp->tab));
	for (unsigned int k = 0; k < FG_CTR_TABLE_N; k++)
		rte_tel_data_add_dict_u64(d, fg_ctr_table[k].name, fg_counter(c, &fg_ctr_table[k]));
	return 0;
}

#define TOP_N 16          /* /floodguard/top */
#define TEL_WATCH_MAX 128 /* /floodguard/watch: partners shown at most */

/* The TOP_N entries with the most events in their current window, as a
 * dict by rank: 22.11 nests dicts in dicts, not in arrays. */
/* The heaviest dropped sources of the last interval, as published for
 * floodctl top --by drops: "drop_1", ... after the ranks by events. */
static void
tel_top_drops(struct rte_tel_data *d)
{
	static struct fg_shm_drops dr;

	if (tel_dp->shm == NULL ||
	    fg_shm_seq_read(&tel_dp->shm->stats_seq, &dr, &tel_dp->shm->drops, sizeof(dr)) != 0)
		return;
	rte_tel_data_add_dict_u64(d, "drops_interval_ms", dr.interval_ms);
	rte_tel_data_add_dict_u64(d, "drops_total", dr.total);
	for (unsigned int i = 0; i < dr.n && i < TOP_N; i++) {
		struct rte_tel_data *s = rte_tel_data_alloc();
		char addr[64], rank[16];

		if (s == NULL)
			break;
		fg_addr_str(dr.d[i].addr, addr, sizeof(addr));
		rte_tel_data_start_dict(s);
		rte_tel_data_add_dict_string(s, "src", addr);
		rte_tel_data_add_dict_string(s, "class", fg_class_name(dr.d[i].cls));
		rte_tel_data_add_dict_u64(s, "drops", dr.d[i].pkts);
		rte_tel_data_add_dict_u64(s, "bytes", dr.d[i].bytes);
		rte_tel_data_add_dict_u64(s, "would_drop", dr.d[i].would);
		rte_tel_data_add_dict_string(s, "reason", fg_verdict_name(dr.d[i].reason));
		rte_tel_data_add_dict_u64(s, "reason_drops", dr.d[i].reason_pkts);
		snprintf(rank, sizeof(rank), "drop_%u", i + 1);
		rte_tel_data_add_dict_container(d, rank, s, 0);
	}
}

static int
tel_top(struct rte_tel_data *d, const struct fg_counters *c __rte_unused)
{
	struct fg_shm_top e[TOP_N];
	struct fg_dp_top t = { .now = fg_now(tel_dp->tab.epoch, fg_clock_ns(tel_dp)),
			       .lim = &tel_dp->cfg->limits, .max = TOP_N, .e = e };

	fg_dp_walk(tel_dp, fg_dp_top_one, &t);
	for (unsigned int i = 0; i < t.n; i++) {
		struct rte_tel_data *s = rte_tel_data_alloc();
		char addr[64], rank[12];

		if (s == NULL)
			break;
		fg_addr_str(e[i].addr, addr, sizeof(addr));
		rte_tel_data_start_dict(s);
		rte_tel_data_add_dict_string(s, "src", addr);
		rte_tel_data_add_dict_string(s, "class", fg_class_name(e[i].cls));
		rte_tel_data_add_dict_u64(s, "window_events", e[i].window_events);
		rte_tel_data_add_dict_u64(s, "blocked", e[i].blocked_ms != 0);
		snprintf(rank, sizeof(rank), "%u", i + 1);
		rte_tel_data_add_dict_container(d, rank, s, 0);
	}
	tel_top_drops(d);
	return 0;
}

/* A dict by rank as /floodguard/top: the entries as floodctl watch list has them. */
static int
tel_watch(struct rte_tel_data *d, const struct fg_counters *c __rte_unused)
{
	static struct fg_fed_entry ent[TEL_WATCH_MAX];
	static struct fg_fed_lists l;
	uint32_t n;

	if (fg_control_lists(tel_dp, &l) != 0)
		l.nwatch_dom = 0;
	n = fg_fed_entries(&tel_dp->fed, &l, ent, TEL_WATCH_MAX);
	for (uint32_t i = 0; i < n; i++) {
		const struct fg_fed_entry *w = &ent[i];
		struct rte_tel_data *e = rte_tel_data_alloc(), *a;
		char addr[64], rank[12], why[64];

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		if (w->domain[0] != '\0') {
			rte_tel_data_add_dict_string(e, "domain", w->domain);
		} else {
			fg_addr_str(w->addr[0], addr, sizeof(addr));
			rte_tel_data_add_dict_string(e, "src", addr);
		}
		a = rte_tel_data_alloc();
		if (a != NULL) {
			rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
			for (uint32_t k = 0; k < w->naddr && k < FG_FED_ENTRY_ADDRS; k++) {
				fg_addr_str(w->addr[k], addr, sizeof(addr));
				rte_tel_data_add_array_string(a, addr);
			}
			rte_tel_data_add_dict_container(e, "addresses", a, 0);
		}
		rte_tel_data_add_dict_u64(e, "partners", w->naddr);
		rte_tel_data_add_dict_string(e, "mode", fg_fed_mode_name(w->mode));
		rte_tel_data_add_dict_u64(e, "alert", w->alert);
		rte_tel_data_add_dict_string(e, "reasons",
					     fg_fed_reasons_str(w->flags, why, sizeof(why)));
		rte_tel_data_add_dict_u64(e, "requests", w->requests);
		rte_tel_data_add_dict_u64(e, "distinct_uris", w->nuris);
		rte_tel_data_add_dict_u64(e, "drop_rate", w->drop_rate);
		rte_tel_data_add_dict_u64(e, "drop_uri", w->drop_uri);
		snprintf(rank, sizeof(rank), "%u", i + 1);
		rte_tel_data_add_dict_container(d, rank, e, 0);
	}
	return 0;
}

/* Help texts are shorter than RTE_TEL_MAX_STRING_LEN, or the command is
 * not registered. Every command answers a dict and may read the counters (summed here:
 * an add per lcore). 22.11's callbacks take no argument of their own, so
 * one callback serves them all and finds its command by name. */
static const struct {
	const char *cmd;
	int (*fn)(struct rte_tel_data *d, const struct fg_counters *c);
	const char *help;
} tel_cmds[] = {
	{ "/floodguard/stats", tel_stats,
	  "Packets received, passed, dropped, would-dropped (monitor mode), and per "
	  "verdict reason (would_REASON: would-drops)" },
	{ "/floodguard/classes", tel_classes,
	  "Packets per class and per parser reason (non-zero)" },
	{ "/floodguard/ports", tel_ports,
	  "Per port: ethdev counters and TX-queue-full drops" },
	{ "/floodguard/table", tel_table,
	  "Source table: slots, entries, inserts, evictions, blocks" },
	{ "/floodguard/top", tel_top,
	  "Sources by events in their window (1, 2, ...), by drops last second (drop_1, ...)" },
	{ "/floodguard/watch", tel_watch,
	  "SIP partners on the watch list: mode, reasons, counters" },
};

static int
tel_cmd(const char *cmd, const char *params __rte_unused, struct rte_tel_data *d)
{
	struct fg_counters c;

	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++)
		if (strcmp(cmd, tel_cmds[i].cmd) == 0) {
			fg_dp_sum(tel_dp, &c);
			rte_tel_data_start_dict(d);
			return tel_cmds[i].fn(d, &c);
		}
	return -EINVAL;
}

int
fg_telemetry_init(struct fg_dp *dp)
{
	tel_dp = dp;
	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++) {
		int rc = rte_telemetry_register_cmd(tel_cmds[i].cmd, tel_cmd, tel_cmds[i].help);

		if (rc != 0) {
			FG_LOG(ERR, "%s(): %s (errno=%i): %s", __func__, tel_cmds[i].cmd, -rc,
			       strerror(-rc));
			return rc;
		}
	}
	return 0;
}
