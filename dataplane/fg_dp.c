/* SPDX-License-Identifier: BSD-3-Clause */
/* Ports, the burst loop, ageing, counters. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "fg_dp.h"
#include "fg_lists.h"
#include "fg_rss.h"
#include "fg_rst.h"

/* TCP resets (rst_on_block): at most this many pairs a second per worker,
 * bursts of FG_RST_BURST, so a flood cannot turn them into one */
#define FG_RST_PPS   1000
#define FG_RST_BURST 100

/* every lcore id has its list reader slot and counters in the segment */
_Static_assert(RTE_MAX_LCORE <= FG_SHM_LCORES, "FG_SHM_LCORES covers RTE_MAX_LCORE");
_Static_assert(FG_MAX_PORTS <= FG_SHM_PORTS, "FG_SHM_PORTS covers FG_MAX_PORTS");

int fg_logtype;

void
fg_dp_clock_init(struct fg_dp *dp)
{
	dp->ns_mult = (uint64_t)(((unsigned __int128)FG_NS_PER_S << 32) / rte_get_tsc_hz());
}

/* The table for cfg: fg_srctab_mem_size() leaves the headroom its
 * placement needs (docs/limits.md). */
static struct fg_srctab_params
table_params(const struct fg_config *cfg)
{
	struct fg_srctab_params p = cfg->table;

	p.offence_ms = fg_dp_offence_ms(&cfg->limits);
	return p;
}

uint32_t
fg_dp_offence_ms(const struct fg_limit_cfg *l)
{
	uint64_t m = 0;

	for (unsigned int c = 0; c < FG_CLASS_COUNT; c++)
		if (l->cls[c].offence_memory_s > m)
			m = l->cls[c].offence_memory_s;
	return (uint32_t)(m * 1000u);
}

size_t
fg_dp_mem_size(const struct fg_config *cfg)
{
	return fg_srctab_mem_size(table_params(cfg).sources) + fg_fed_mem_size(&cfg->fed);
}

static void
live_set(struct fg_live *lv, const struct fg_config *c)
{
	lv->limits = c->limits;
	lv->fed = c->fed;
	lv->limits.mon_any = false;
	for (unsigned int k = 0; k < FG_CLASS_COUNT; k++) {
		lv->limits.mon[k] = fg_mon_mask(c->monitor, k);
		lv->limits.mon_any |= lv->limits.mon[k] != 0;
	}
	memcpy(&lv->classify, &c->classify, sizeof(lv->classify));
}

void
fg_dp_publish(struct fg_dp *dp, const struct fg_config *c)
{
	struct fg_live *next = dp->live == &dp->live_mem[0] ? &dp->live_mem[1]
							   : &dp->live_mem[0];

	/* no worker reads next: the last publish waited them off it */
	live_set(next, c);
	__atomic_store_n(&dp->live, next, __ATOMIC_RELEASE);
	fg_fed_publish(&dp->fed, &next->fed);
	/* each online worker passes its loop's top once (microseconds) */
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
}

int
fg_dp_init(struct fg_dp *dp, struct fg_config *cfg, int socket, uint64_t now_ns)
{
	struct fg_srctab_params tp = table_params(cfg);
	size_t len = fg_srctab_mem_size(tp.sources);
	int rc;

	dp->cfg = cfg;
	if (len == 0) {
		FG_LOG(ERR, "%s(): [table] sources %u: too many", __func__,
		       cfg->table.sources);
		return -EINVAL;
	}
	dp->tab_mem = rte_zmalloc_socket("fg_srctab", len, RTE_CACHE_LINE_SIZE, socket);
	if (dp->tab_mem == NULL) {
		FG_LOG(ERR, "%s(): no memory for the source table (%zu MiB for %u "
		       "sources): reserve more hugepages or lower [table] sources",
		       __func__, len >> 20, cfg->table.sources);
		return -ENOMEM;
	}
	if (tp.seed == 0)
		tp.seed = rte_rdtsc() * 0x9e3779b97f4a7c15ull ^ (uint64_t)rte_rand();
	rc = fg_srctab_init(&dp->tab, &tp, dp->tab_mem, len, now_ns);
	if (rc != 0) {
		FG_LOG(ERR, "%s(): fg_srctab_init (errno=%i): %s", __func__, -rc,
		       strerror(-rc));
		rte_free(dp->tab_mem);
		dp->tab_mem = NULL;
		return rc;
	}
	FG_LOG(INFO, "source table: %" PRIu64 " slots for %u sources, %zu MiB",
	       fg_srctab_slots(&dp->tab), cfg->table.sources, len >> 20);
	len = fg_fed_mem_size(&cfg->fed);
	dp->fed_mem = len != 0 ? rte_zmalloc_socket("fg_fed", len, RTE_CACHE_LINE_SIZE,
						    socket) : NULL;
	if (dp->fed_mem == NULL ||
	    fg_fed_init(&dp->fed, &cfg->fed, &cfg->lists, dp->fed_mem, len, now_ns) != 0) {
		FG_LOG(ERR, "%s(): no memory for %u SIP partners (%zu MiB)", __func__,
		       cfg->fed.partners, len >> 20);
		rte_free(dp->tab_mem);
		dp->tab_mem = NULL;
		return -ENOMEM;
	}
	/* the thresholds the workers read, and the RCU that lets them change */
	dp->live_mem = rte_zmalloc_socket("fg_live", 2 * sizeof(*dp->live_mem),
					  RTE_CACHE_LINE_SIZE, socket);
	len = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	dp->rcu = rte_zmalloc_socket("fg_rcu", len, RTE_CACHE_LINE_SIZE, socket);
	if (dp->live_mem == NULL || dp->rcu == NULL ||
	    rte_rcu_qsbr_init(dp->rcu, RTE_MAX_LCORE) != 0) {
		FG_LOG(ERR, "%s(): no memory for the thresholds in force", __func__);
		return -ENOMEM;
	}
	/* the penalties' jitter: unknown to the sources; offline: reproducible */
	if (cfg->mode != FG_MODE_OFFLINE)
		cfg->limits.jitter_seed = rte_rdtsc() ^ rte_rand();
	live_set(&dp->live_mem[0], cfg);
	dp->live = &dp->live_mem[0];
	fg_fed_publish(&dp->fed, &dp->live->fed);
	/* offline (no segment): the config's prefixes in a set of their size */
	if (dp->pfx == NULL) {
		struct fg_pfxset_cfg pc = { .rules = cfg->nallow + cfg->nblock + 64,
					    .groups4 = cfg->nallow + cfg->nblock + 64 };

		len = fg_pfxset_size(&pc);
		dp->pfx = aligned_alloc(64, (len + 63) & ~(size_t)63);
		if (dp->pfx == NULL ||
		    fg_pfxset_init(dp->pfx, len, &pc, rte_rdtsc()) != 0 ||
		    fg_control_config_prefixes(cfg, dp->pfx) < 0) {
			FG_LOG(ERR, "%s(): no memory for the prefix lists (%zu MiB)", __func__,
			       len >> 20);
			return -ENOMEM;
		}
		dp->pfx_private = true;
	}
	fg_fed_set_prefixes(&dp->fed, dp->pfx);
	/* offline (no segment): the config's lists in a private copy */
	if (dp->shm == NULL) {
		dp->shm = rte_zmalloc("fg_lists", sizeof(*dp->shm), RTE_CACHE_LINE_SIZE);
		if (dp->shm == NULL) {
			FG_LOG(ERR, "%s(): no memory for the lists", __func__);
			return -ENOMEM;
		}
		dp->shm_private = true;
		fg_lists_copy(&dp->shm->lists[0], &cfg->lists);
	}
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++)
		fg_dp_lists_enter(dp, &dp->lc[l], l);
	return 0;
}

int
fg_port_start(struct fg_dp *dp, uint16_t port, uint16_t nrxq, uint16_t ntxq,
	      bool timestamps, bool outside)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nrx = dp->cfg->rx_desc, ntx = dp->cfg->tx_desc;
	int socket = rte_eth_dev_socket_id(port), rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		goto fail;
	if (nrxq > info.max_rx_queues || ntxq > info.max_tx_queues) {
		FG_LOG(ERR, "port %u: %u RX / %u TX queues wanted, the device has %u / %u",
		       port, nrxq, ntxq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	if (nrxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		/* the protected side's packets are not decided: flows */
		if (fg_rss_types(outside ? dp->cfg->rss : FG_RSS_FLOW,
				 info.flow_type_rss_offloads,
				 &conf.rx_adv_conf.rss_conf.rss_hf, NULL) != 0) {
			FG_LOG(ERR, "[dataplane] rss = presplit: port %u (%s) spreads flows over "
			       "its queues and cannot hash the source address alone (rss = source "
			       "or flow)", port, info.driver_name);
			return -ENOTSUP;
		}
	}
	if (timestamps && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(port, nrxq, ntxq, &conf);
	if (rc != 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	if (rc != 0)
		goto fail;
	for (uint16_t q = 0; q < nrxq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrx, (unsigned int)socket, NULL, dp->pool);
		if (rc != 0)
			goto fail;
	}
	for (uint16_t q = 0; q < ntxq; q++) {
		rc = rte_eth_tx_queue_setup(port, q, ntx, (unsigned int)socket, NULL);
		if (rc != 0)
			goto fail;
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0)
		goto fail;
	/* a bump in the wire forwards frames for any MAC */
	rc = rte_eth_promiscuous_enable(port);
	if (rc != 0 && rc != -ENOTSUP)
		FG_LOG(WARNING, "port %u: promiscuous mode (errno=%i): %s", port, -rc,
		       rte_strerror(-rc));
	dp->ports[dp->nb_ports++] = port;
	FG_LOG(INFO, "port %u (%s): %u RX, %u TX queues, %u/%u descriptors", port,
	       info.driver_name, nrxq, ntxq, nrx, ntx);
	return 0;
fail:
	FG_LOG(ERR, "%s(): port %u (errno=%i): %s", __func__, port, -rc, rte_strerror(-rc));
	return rc;
}

/* Direction of one packet when the queue says "by prefix". */
static inline enum fg_dir
dir_of(const struct fg_config *cfg, const struct fg_pkt *p)
{
	if (cfg->nprefix == 0 || p->ipv == 0)
		return FG_DIR_DECIDE;
	if (fg_config_protected(cfg, p->dst))
		return FG_DIR_DECIDE;
	if (fg_config_protected(cfg, p->src))
		return FG_DIR_RESPONSE;
	return FG_DIR_BYPASS;
}

/* Whether @p pk is of a SIP class (the SIP rules', and their partner table). */
static inline bool
sip_class(const struct fg_pkt *pk)
{
	return pk->cls == FG_CLASS_SIP || pk->cls == FG_CLASS_SIP_TLS;
}

static inline void
parse(const struct fg_dp *dp, const struct fg_classify_cfg *cc, const uint8_t *data,
      uint32_t len, struct fg_pkt *pk)
{
	if (likely(dp->link == FG_LINK_ETH))
		fg_parse_eth(cc, data, len, pk);
	else
		fg_parse(cc, dp->link, data, len, pk);
}

void
fg_dp_classify(struct fg_dp *dp, struct fg_lcore *lc, struct fg_burst *b,
	       enum fg_dir dir, uint64_t now_ns)
{
	const struct fg_config *cfg = dp->cfg;
	const struct fg_live *lv = fg_dp_live(dp);
	const struct fg_classify_cfg *cc = &lv->classify;
	struct fg_counters *c = &lc->cnt;
	uint16_t n = b->n, nd = 0;
	uint32_t mon = 0;

	for (uint16_t i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(b->m[i], void *));
	/*
	 * Parse the burst first and ask for each SIP source's partner slot,
	 * so that its miss overlaps the parsing of the packets after it. A
	 * chained mbuf is made contiguous in the lcore's one linbuf: it is
	 * parsed in the second pass, where its bytes are read.
	 */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = b->m[i];

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(b->m[i + 4], void *));
		if (unlikely(m->nb_segs > 1))
			continue;
		parse(dp, cc, rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
		      &b->pk[i]);
		if (sip_class(&b->pk[i]))
			fg_fed_prefetch(&dp->fed, b->pk[i].src);
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = b->m[i];
		const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
		struct fg_pkt *pk = &b->pk[i];

		if (unlikely(m->nb_segs > 1)) {
			uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)sizeof(lc->linbuf));

			data = rte_pktmbuf_read(m, 0, len, lc->linbuf);
			parse(dp, cc, data, len, pk);
		}
		fg_parse_count(&c->parse, pk);
		enum fg_dir d = dir == FG_DIR_BY_PREFIX ? dir_of(cfg, pk) : dir;

		if (d != FG_DIR_DECIDE) {
			uint8_t v = d == FG_DIR_RESPONSE ? FG_V_PASS_RESPONSE : FG_V_PASS_OTHER;

			/* the protected side's SIP responses feed the failure ratio */
			if (d == FG_DIR_RESPONSE && pk->cls == FG_CLASS_SIP)
				fg_fed_outbound(&dp->fed, pk, now_ns, &c->fed);
			b->v[i] = v;
			c->lim.verdict[v]++;
			continue;
		}
		/* lists for every class, the SIP rules for SIP: verdicts of their own */
		if (sip_class(pk) ||
		    (lc->lists_any && pk->cls == FG_CLASS_MOM)) {
			enum fg_verdict v = fg_fed_inbound_lists(&dp->fed, lc->lists, pk, data,
								 now_ns, &c->fed);

			if (v != FG_V_NONE) {
				b->v[i] = (uint8_t)v;
				/* decided and counted with one set of thresholds */
				if (fg_mon_would(&lv->limits, pk, v))
					mon |= 1u << i;
				fg_limit_count(&c->lim, &lv->limits, pk, v);
				continue;
			}
		}
		b->idx[nd] = (uint8_t)i;
		b->dec[nd++] = pk;
	}
	c->rx += n;
	b->nd = nd;
	b->mon = mon;
	fg_decide_prepare(&dp->tab, b->dec, nd, NULL, &b->prep);
}

void
fg_dp_prefetch(struct fg_dp *dp, const struct fg_burst *b)
{
	fg_decide_prefetch(&dp->tab, &b->prep);
}

void
fg_dp_finish(struct fg_dp *dp, struct fg_lcore *lc, struct fg_burst *b,
	     const struct fg_now *now)
{
	const struct fg_limit_cfg *lim = &fg_dp_live(dp)->limits;
	uint8_t dv[FG_BURST];

	if (b->nd == 0)
		return;
	fg_decide_finish(&dp->tab, lim, b->dec, &b->prep, now, lc->side, dv, &lc->cnt.lim);
	for (uint16_t j = 0; j < b->nd; j++)
		b->v[b->idx[j]] = dv[j];
	/*
	 * Monitor mode, after every rule has had its say (the limiters moved
	 * as for a drop): the verdict stays, the packet passes, as the core
	 * counted it with these thresholds. Enforcing costs one test a burst.
	 */
	if (unlikely(lim->mon_any))
		for (uint16_t j = 0; j < b->nd; j++)
			if (fg_mon_would(lim, b->dec[j], dv[j]))
				b->mon |= 1u << b->idx[j];
}

/* A copy of @p len bytes of @p data in a new mbuf of @p pool, or NULL. */
static struct rte_mbuf *
frame_mbuf(struct rte_mempool *pool, const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *d = m != NULL ? rte_pktmbuf_append(m, (uint16_t)len) : NULL;

	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, data, len);
	return m;
}

/*
 * rst_on_block: the resets for one segment of a flood-blocked source, to
 * its server (out with the passed packets) and back to it (out of the
 * port it came in by, on this worker's TX queue there).
 */
static void
resets(struct fg_lcore *lc, struct rte_mbuf *m,
       const struct fg_pkt *p, const struct fg_now *now,
       struct rte_mbuf **to_srv, uint16_t *ns, struct rte_mbuf **to_cli, uint16_t *nc)
{
	uint8_t srv[FG_RST_FRAME_MAX], cli[FG_RST_FRAME_MAX];
	size_t sn, cn;
	struct rte_mbuf *a, *b = NULL;
	bool stale;

	cn = fg_rst_build(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), p,
			  srv, &sn, cli);
	if (cn == 0)
		return;
	stale = now->ns - lc->rst_last_ns >= FG_RST_BURST * (FG_NS_PER_S / FG_RST_PPS);
	lc->rst_last_ns = now->ns;
	/* full again after a burst's worth of quiet (32-bit TAT, fg_limit.h) */
	if (!fg_gcra_norm_take(&lc->rst_tat, (uint32_t)fg_rate_units(now, FG_RST_PPS), 1,
			       FG_RST_BURST, stale, false)) {
		lc->cnt.rst_capped += 1 + (sn != 0);
		return;
	}
	a = frame_mbuf(m->pool, cli, cn);
	if (sn != 0)
		b = frame_mbuf(m->pool, srv, sn);
	if (a != NULL)
		to_cli[(*nc)++] = a;
	if (b != NULL)
		to_srv[(*ns)++] = b;
	lc->cnt.rst_failed += (a == NULL) + (sn != 0 && b == NULL);
}

/* Send @p n frames on a queue: sent ones counted in *sent, the rest freed
 * and counted in *failed (passed packets: tx and tx_full; resets). */
static inline void
send_all(uint16_t port, uint16_t queue, struct rte_mbuf **m, uint16_t n,
	 uint64_t *sent, uint64_t *failed)
{
	uint16_t k = n != 0 ? rte_eth_tx_burst(port, queue, m, n) : 0;

	*sent += k;
	if (unlikely(k < n)) {
		*failed += n - k;
		rte_pktmbuf_free_bulk(m + k, n - k);
	}
}

/* Send the passed packets of a finished burst, free the rest. */
static inline void
forward(const struct fg_dp *dp, struct fg_lcore *lc, const struct fg_rxq *q,
	struct fg_burst *b, const struct fg_now *now)
{
	struct fg_counters *c = &lc->cnt;
	struct rte_mbuf *pass[FG_BURST], *drop[FG_BURST];
	struct rte_mbuf *to_srv[FG_BURST], *to_cli[FG_BURST];
	uint16_t np = 0, nd = 0, ns = 0, nc = 0;
	bool rst = dp->cfg->rst_on_block && q->dir == FG_DIR_DECIDE;

	for (uint16_t i = 0; i < b->n; i++) {
		unsigned int v = b->v[i];

		if (fg_verdict_drops(v)) {
			/* who is dropped (or would be), for floodctl top --by drops */
			fg_dp_count_drop(lc, b, i);
			if (!((b->mon >> i) & 1)) {
				if (unlikely(rst) && v == FG_V_FLOOD_BLOCKED)
					resets(lc, b->m[i], &b->pk[i], now, to_srv, &ns,
					       to_cli, &nc);
				drop[nd++] = b->m[i];
				continue;
			}
		}
		pass[np++] = b->m[i];
	}
	if (unlikely(ns + nc != 0)) {
		send_all(q->tx_port, q->tx_queue, to_srv, ns, &c->rst_sent, &c->rst_failed);
		send_all(q->port, q->tx_queue, to_cli, nc, &c->rst_sent, &c->rst_failed);
	}
	if (nd != 0)
		rte_pktmbuf_free_bulk(drop, nd);
	send_all(q->tx_port, q->tx_queue, pass, np, &c->tx, &c->tx_full[q->tx_port]);
}

static inline void
finish_and_forward(struct fg_dp *dp, struct fg_lcore *lc, const struct fg_rxq *q,
		   struct fg_burst *b)
{
	struct fg_now now = fg_now(dp->tab.epoch, fg_clock_ns(dp));

	fg_dp_finish(dp, lc, b, &now);
	forward(dp, lc, q, b, &now);
}

/*
 * Per queue and poll, three bursts a stage apart: receive and classify
 * the new one (hashes, bucket header prefetches), prefetch the entries of
 * the one classified a poll ago, decide and forward the one whose entries
 * were asked for a poll ago. A burst waits two polls; polls that receive
 * nothing still move the others on, so nothing waits for traffic.
 */
int
fg_worker(void *arg)
{
	struct fg_dp *dp = arg;
	struct fg_lcore *lc = &dp->lc[rte_lcore_id()];
	/* free bursts, a stack: two per queue may be in flight, one more is free */
	struct fg_burst *freel[RTE_DIM(lc->bursts)];
	unsigned int nfree = 0;

	FG_LOG(INFO, "worker on lcore %u polls %u queues", rte_lcore_id(), lc->nb_rxq);
	for (unsigned int i = 0; i < RTE_DIM(lc->bursts); i++)
		freel[nfree++] = &lc->bursts[i];
	for (uint16_t qi = 0; qi < lc->nb_rxq; qi++)
		lc->rxq[qi].p1 = lc->rxq[qi].p2 = NULL;
	fg_shm_reader_online(dp->shm, rte_lcore_id(), true);
	rte_rcu_qsbr_thread_register(dp->rcu, rte_lcore_id());
	rte_rcu_qsbr_thread_online(dp->rcu, rte_lcore_id());
	while (!dp->quit) {
		/* the lists this pass reads; tells floodctl the old copy is free */
		fg_dp_lists_enter(dp, lc, rte_lcore_id());
		/* no thresholds held from the last pass (fg_dp_publish()) */
		rte_rcu_qsbr_quiescent(dp->rcu, rte_lcore_id());
		/* after the quiescent state: once fg_dp_drops_turn() sees it,
		 * the bank this pass counts in is the new one */
		if (unlikely(__atomic_load_n(&dp->hh_epoch, __ATOMIC_ACQUIRE) != lc->hh_epoch) &&
		    lc->drops != NULL) {
			lc->hh_epoch = dp->hh_epoch;
			memset(&lc->drops[lc->hh_epoch & 1], 0, sizeof(lc->drops[0]));
		}
		for (uint16_t qi = 0; qi < lc->nb_rxq; qi++) {
			struct fg_rxq *q = &lc->rxq[qi];
			struct fg_burst *nb = freel[nfree - 1], *done = q->p2;

			nb->n = rte_eth_rx_burst(q->port, q->queue, nb->m, FG_BURST);
			if (nb->n != 0) {
				fg_dp_classify(dp, lc, nb, (enum fg_dir)q->dir,
					       fg_clock_ns(dp));
				nfree--;
			} else {
				nb = NULL;
			}
			if (q->p1 != NULL)
				fg_dp_prefetch(dp, q->p1);
			if (done != NULL) {
				finish_and_forward(dp, lc, q, done);
				freel[nfree++] = done;
			}
			q->p2 = q->p1;
			q->p1 = nb;
		}
	}
	/* drain: what was received is decided and sent, oldest first */
	for (uint16_t qi = 0; qi < lc->nb_rxq; qi++) {
		struct fg_rxq *q = &lc->rxq[qi];

		if (q->p2 != NULL)
			finish_and_forward(dp, lc, q, q->p2);
		if (q->p1 != NULL) {
			fg_dp_prefetch(dp, q->p1);
			finish_and_forward(dp, lc, q, q->p1);
		}
		q->p1 = q->p2 = NULL;
	}
	rte_rcu_qsbr_thread_offline(dp->rcu, rte_lcore_id());
	rte_rcu_qsbr_thread_unregister(dp->rcu, rte_lcore_id());
	fg_shm_reader_online(dp->shm, rte_lcore_id(), false);
	return 0;
}

void
fg_dp_age(struct fg_dp *dp, uint64_t now_ns, uint32_t buckets)
{
	struct fg_now now = fg_now(dp->tab.epoch, now_ns);
	uint32_t nb = dp->tab.nb;

	if (buckets > nb)
		buckets = nb;
	fg_srctab_age(&dp->tab, dp->age_next, buckets, &now, &dp->hk);
	dp->age_next = (uint32_t)(((uint64_t)dp->age_next + buckets) % nb);
}

void
fg_dp_sum(const struct fg_dp *dp, struct fg_counters *sum)
{
	unsigned int l;

	memset(sum, 0, sizeof(*sum));
	RTE_LCORE_FOREACH(l)
		fg_counters_add(sum, &dp->lc[l].cnt);
	sum->lim.tab.aged += dp->hk.aged;
	fg_flow_counters(sum);
}

void
fg_dp_top_add(struct fg_shm_top *top, uint32_t *n, uint32_t max, const struct fg_src *e,
	      const struct fg_now *now, const struct fg_limit_cfg *lim)
{
	uint8_t addr[16];
	unsigned int cls = fg_src_key(e, addr);
	uint32_t ev, left_ms, i;

	if (cls >= FG_CLASS_COUNT)
		return;   /* no entry, or a slot being rewritten */
	/* rounded up: blocked is never 0 ms left */
	left_ms = (uint32_t)((fg_src_block_left(e, now) + FG_NS_PER_MS - 1) / FG_NS_PER_MS);
	ev = fg_src_window_events(e, now, lim->cls[cls].win_ms);
	if (ev == 0 && left_ms == 0)
		return;
	if (*n == max && ev <= top[max - 1].window_events)
		return;
	i = *n < max ? (*n)++ : max - 1;
	for (; i > 0 && top[i - 1].window_events < ev; i--)
		top[i] = top[i - 1];
	memcpy(top[i].addr, addr, 16);
	top[i].cls = cls;
	top[i].window_events = ev;
	top[i].blocked_ms = left_ms;
}

/* Room to merge every worker's bank (main lcore only). */
static struct fg_hh_entry hh_tmp[RTE_MAX_LCORE > 64 ? 64 * FG_HH_SETS * FG_HH_WAYS :
				 RTE_MAX_LCORE * FG_HH_SETS * FG_HH_WAYS];

uint32_t
fg_dp_drops_turn(struct fg_dp *dp, uint32_t *slots, struct fg_hh_entry *out, uint32_t max)
{
	const struct fg_hh_bank *banks[64];
	uint32_t e = dp->hh_epoch, n = 0;
	unsigned int l;

	__atomic_store_n(&dp->hh_epoch, e + 1, __ATOMIC_RELEASE);
	/* every worker past a quiescent state: none counts in bank e & 1 now */
	rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
	memset(slots, 0, FG_DROP_SKETCH * sizeof(*slots));
	RTE_LCORE_FOREACH(l) {
		const struct fg_lcore *lc = &dp->lc[l];

		/* a worker still on an older interval has nothing of this one */
		if (lc->drops == NULL || n == RTE_DIM(banks) || lc->hh_epoch != e + 1)
			continue;
		banks[n++] = &lc->drops[e & 1];
		for (uint32_t i = 0; i < FG_DROP_SKETCH; i++)
			slots[i] += __atomic_load_n(&lc->drops[e & 1].slot[i], __ATOMIC_RELAXED);
	}
	return fg_hh_merge(banks, n, hh_tmp, out, max);
}

uint32_t
fg_dp_drops_now(const struct fg_dp *dp, unsigned int l, struct fg_hh_entry *out, uint32_t max)
{
	const struct fg_hh_bank *b = dp->lc[l].drops != NULL ?
				     &dp->lc[l].drops[dp->lc[l].hh_epoch & 1] : NULL;

	return b != NULL ? fg_hh_merge(&b, 1, hh_tmp, out, max) : 0;
}

void
fg_dp_walk(const struct fg_dp *dp, void (*fn)(const struct fg_src *e, void *arg),
	   void *arg)
{
	if (dp->tab_mem != NULL)
		fg_srctab_walk(&dp->tab, fn, arg);
}
