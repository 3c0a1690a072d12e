/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offline mode: a capture in through a net_pcap vdev, the rules on this
 * lcore with the capture's timestamps as the clock, the passed packets out
 * with their original timestamps (written here with libpcap: net_pcap's
 * own TX stamps the time of writing, which would make two runs differ),
 * one verdict line per packet, a JSON report at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "fg_dp.h"

#define FG_OFFLINE_VDEV "net_pcap_fgin"
/* fixed hash seed: two runs over one capture make the same choices */
#define FG_OFFLINE_SEED 0x666c6f6f64677264ull

struct offline_out {
	pcap_dumper_t *dump;
	FILE *verdicts;
	int ts_off;
	uint64_t ts_flag;
	uint64_t n;
	uint64_t last_ns;
};

static int
capture_link(const char *path, int *dlt, enum fg_link *link)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, errbuf);

	if (pc == NULL) {
		FG_LOG(ERR, "--pcap-in %s: %s", path, errbuf);
		return -ENOENT;
	}
	*dlt = pcap_datalink(pc);
	pcap_close(pc);
	*link = fg_link_of_dlt(*dlt);
	if (*link == FG_LINK_COUNT) {
		FG_LOG(ERR, "--pcap-in %s: unsupported link type %d (%s)", path, *dlt,
		       pcap_datalink_val_to_name(*dlt) ?: "?");
		return -ENOTSUP;
	}
	return 0;
}

static void
emit(struct fg_dp *dp, struct offline_out *o, struct rte_mbuf *m, uint8_t v, bool mon)
{
	bool drop = fg_verdict_drops(v) && !mon;
	uint64_t us = *RTE_MBUF_DYNFIELD(m, o->ts_off, rte_mbuf_timestamp_t *);
	struct fg_lcore *lc = &dp->lc[rte_lcore_id()];

	o->n++;
	if (o->verdicts != NULL)
		fprintf(o->verdicts, "{\"n\":%" PRIu64 ",\"verdict\":\"%s\",\"reason\":\"%s\"%s}\n",
			o->n, drop ? "drop" : "pass", fg_verdict_name(v),
			mon ? ",\"monitor\":true" : "");
	if (o->dump != NULL && !drop) {
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000) },
			.caplen = rte_pktmbuf_pkt_len(m), .len = rte_pktmbuf_pkt_len(m),
		};
		const void *data = rte_pktmbuf_read(m, 0, h.caplen, lc->linbuf);

		pcap_dump((u_char *)o->dump, &h, data);
	}
}

static int
run(struct fg_dp *dp, uint16_t port, struct offline_out *o)
{
	struct fg_lcore *lc = &dp->lc[rte_lcore_id()];
	struct fg_burst *b = &lc->bursts[0];
	struct rte_mbuf *m[FG_BURST];
	uint16_t n;
	int rc;

	while ((n = rte_eth_rx_burst(port, 0, m, FG_BURST)) != 0) {
		/* a run of packets with one timestamp is one burst of the rules */
		for (uint16_t i = 0, j; i < n; i = j) {
			uint64_t us, ns;
			struct fg_now now;

			if (!(m[i]->ol_flags & o->ts_flag)) {
				FG_LOG(ERR, "--pcap-in: the pcap port gave a packet "
				       "without its capture timestamp");
				rte_pktmbuf_free_bulk(m, n);
				return -EPROTO;
			}
			us = *RTE_MBUF_DYNFIELD(m[i], o->ts_off, rte_mbuf_timestamp_t *);
			for (j = i + 1; j < n && (m[j]->ol_flags & o->ts_flag) &&
			     *RTE_MBUF_DYNFIELD(m[j], o->ts_off, rte_mbuf_timestamp_t *) == us; j++)
				;
			ns = us * 1000;
			if (dp->tab_mem == NULL) {
				/* the capture's first packet is the table's epoch */
				rc = fg_dp_init(dp, dp->cfg, (int)rte_socket_id(), ns);
				if (rc != 0) {
					rte_pktmbuf_free_bulk(m, n);
					return rc;
				}
				dp->tab.single_writer = true;   /* one lcore decides */
			}
			now = fg_now(dp->tab.epoch, ns);
			b->n = j - i;
			memcpy(b->m, m + i, sizeof(m[0]) * b->n);
			fg_dp_classify(dp, lc, b, FG_DIR_BY_PREFIX, ns);
			fg_dp_prefetch(dp, b);
			fg_dp_finish(dp, lc, b, &now);
			for (uint16_t k = 0; k < b->n; k++)
				if (fg_verdict_drops(b->v[k]))
					fg_dp_count_drop(lc, b, k);
			for (uint16_t k = i; k < j; k++)
				emit(dp, o, m[k], b->v[k - i], (b->mon >> (k - i)) & 1);
			o->last_ns = ns;
		}
		rte_pktmbuf_free_bulk(m, n);
	}
	return 0;
}

int
fg_offline_run(struct fg_dp *dp, const struct fg_offline_args *a)
{
	struct offline_out o = { 0 };
	struct rte_eth_stats st;
	char args[PATH_MAX + 64];
	pcap_t *dead = NULL;
	uint16_t port;
	int dlt, rc, flag;

	rc = capture_link(a->pcap_in, &dlt, &dp->link);
	if (rc != 0)
		return rc;
	if (strchr(a->pcap_in, ',') != NULL) {
		FG_LOG(ERR, "--pcap-in %s: a ',' in the path cannot be passed to net_pcap",
		       a->pcap_in);
		return -EINVAL;
	}
	dp->cfg->table.seed = FG_OFFLINE_SEED;
	snprintf(args, sizeof(args), "rx_pcap=%s", a->pcap_in);
	rc = rte_eal_hotplug_add("vdev", FG_OFFLINE_VDEV, args);
	if (rc == 0)
		rc = rte_eth_dev_get_port_by_name(FG_OFFLINE_VDEV, &port);
	if (rc != 0) {
		FG_LOG(ERR, "%s(): net_pcap on %s (errno=%i): %s", __func__, a->pcap_in,
		       -rc, rte_strerror(-rc));
		return rc;
	}
	rc = fg_port_start(dp, port, 1, 1, true, true);
	if (rc != 0)
		goto close_port;
	/* one drop interval: the capture (the report's top_drops) */
	dp->lc[rte_lcore_id()].drops = rte_zmalloc("fg_drops", 2 * sizeof(struct fg_hh_bank),
						   RTE_CACHE_LINE_SIZE);
	if (dp->lc[rte_lcore_id()].drops == NULL) {
		FG_LOG(ERR, "%s(): no memory for the drop summary", __func__);
		rc = -ENOMEM;
		goto stop_port;
	}
	o.ts_off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	flag = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	if (o.ts_off < 0 || flag < 0) {
		FG_LOG(ERR, "%s(): net_pcap registered no RX timestamp field", __func__);
		rc = -ENOTSUP;
		goto stop_port;
	}
	o.ts_flag = RTE_BIT64(flag);
	if (a->pcap_out != NULL) {
		dead = pcap_open_dead(dlt, 262144);
		o.dump = dead != NULL ? pcap_dump_open(dead, a->pcap_out) : NULL;
		if (o.dump == NULL) {
			FG_LOG(ERR, "--pcap-out %s: %s", a->pcap_out,
			       dead != NULL ? pcap_geterr(dead) : "no memory");
			rc = -EIO;
			goto close_files;
		}
	}
	if (a->verdicts != NULL) {
		o.verdicts = fopen(a->verdicts, "w");
		if (o.verdicts == NULL) {
			rc = -errno;
			FG_LOG(ERR, "--verdicts %s: %s", a->verdicts, strerror(errno));
			goto close_files;
		}
	}
	rc = run(dp, port, &o);
	if (rc == 0 && rte_eth_stats_get(port, &st) == 0 && (st.rx_nombuf || st.ierrors)) {
		FG_LOG(ERR, "--pcap-in %s: %" PRIu64 " packets could not be read (no mbuf %"
		       PRIu64 ", errors %" PRIu64 ")", a->pcap_in, st.rx_nombuf + st.ierrors,
		       st.rx_nombuf, st.ierrors);
		rc = -EIO;
	}
	if (rc == 0 && a->report != NULL) {
		FILE *f = fopen(a->report, "w");

		if (f == NULL) {
			rc = -errno;
			FG_LOG(ERR, "--report %s: %s", a->report, strerror(errno));
		} else {
			fg_dp_report_json(dp, o.last_ns, f);
			if (fclose(f) != 0)
				rc = -EIO;
		}
	}
close_files:
	if (o.verdicts != NULL && fclose(o.verdicts) != 0 && rc == 0) {
		FG_LOG(ERR, "--verdicts %s: write failed", a->verdicts);
		rc = -EIO;
	}
	if (o.dump != NULL)
		pcap_dump_close(o.dump);
	if (dead != NULL)
		pcap_close(dead);
stop_port:
	rte_eth_dev_stop(port);
close_port:
	rte_eth_dev_close(port);
	rte_eal_hotplug_remove("vdev", FG_OFFLINE_VDEV);
	return rc;
}
