/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodguard [EAL args] -- [options]: the data-plane daemon.
 * Without "--", every argument is floodguard's and the EAL gets the
 * mode's defaults (offline: one lcore, no PCI, no hugepages needed).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_pdump.h>
#include <rte_version.h>

#include "fg_dp.h"
#include "fg_err.h"
#include "fg_rss.h"

static struct fg_dp fg_dp;
static volatile sig_atomic_t fg_hup;   /* SIGHUP: reload at the next tick */

static const char usage_text[] =
"usage: floodguard [EAL args --] [options]\n"
"\n"
"Kernel-bypass flood filter: per-source limits for agent traffic (1270)\n"
"and SIP (5060, 5061) in front of the protected servers.\n"
"\n"
"options:\n"
"  -c, --config FILE        INI configuration (docs/config.md); default: the\n"
"                           built-in defaults (floodguard --print-config)\n"
"  -m, --mode MODE          inline (default) | host | offline; overrides\n"
"                           [dataplane] mode\n"
"  -s, --set SEC.KEY=VALUE  set one configuration key (after --config;\n"
"                           repeatable), e.g. --set mom.pps=100\n"
"      --pcap-in FILE       offline: the capture to read (pcap or pcapng)\n"
"      --pcap-out FILE      offline: write the passed packets here\n"
"      --verdicts FILE      offline: one JSON line per input packet,\n"
"                           {\"n\":N,\"verdict\":\"pass\"|\"drop\",\"reason\":R}\n"
"      --report FILE        offline: final counters and blocked sources (JSON)\n"
"  -d, --duration SECONDS   inline, host: stop after this long (default 0:\n"
"                           run until SIGINT or SIGTERM)\n"
"      --print-config       print the effective configuration and exit\n"
"      --print-keys         print every configuration key (Markdown) and exit\n"
"  -h, --help               this text\n"
"  -V, --version            print the version and exit\n"
"\n"
"EAL args: DPDK's (-l CORES, -a PCI, --vdev, --file-prefix, ...). Without\n"
"'--' the EAL runs with defaults: offline '-l <first CPU> -m <MB>\n"
"--no-pci --no-huge --no-shconf --no-telemetry'; inline and host the EAL's own.\n"
"inline needs 2 ports (ext_port, int_port) and 2 lcores or more: the\n"
"first lcore does housekeeping, the others poll.\n"
"\n"
"signals: SIGINT, SIGTERM stop; SIGHUP re-reads the configuration (as\n"
"'floodctl reload' does: thresholds apply, a bad file changes nothing).\n"
"\n"
"exit status: 0 done, 1 failed, 2 bad usage or configuration.\n";

struct fg_args {
	const char *config;
	const char *mode;
	const char *sets[64];
	unsigned int nsets;
	struct fg_offline_args off;
	uint64_t duration;
	bool print_config, print_keys;
};

static struct fg_args fg_args;

static void
on_signal(int sig)
{
	(void)sig;
	fg_dp.quit = true;
}

static void
on_hup(int sig)
{
	(void)sig;
	fg_hup = 1;
}

/* Shutdown takes milliseconds; if it has not ended in 10 s, something
 * outside holds it (a secondary process, dpdk-dumpcap say, that died
 * holding DPDK's shared memory lock): say so and leave. */
static void
on_stuck(int sig)
{
	static const char msg[] = "floodguard: shutdown stuck for 10 s (a DPDK secondary "
		"process died holding the shared memory lock?): exiting\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%sfloodguard: ", fg_log_prefix(RTE_LOG_ERR));
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(floodguard --help for usage)\n");
	return 2;
}

static int
parse_args(int argc, char **argv, struct fg_args *a)
{
	enum { O_PCAP_IN = 256, O_PCAP_OUT, O_VERDICTS, O_REPORT, O_PRINT_CONFIG,
	       O_PRINT_KEYS };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "set", required_argument, NULL, 's' },
		{ "pcap-in", required_argument, NULL, O_PCAP_IN },
		{ "pcap-out", required_argument, NULL, O_PCAP_OUT },
		{ "verdicts", required_argument, NULL, O_VERDICTS },
		{ "report", required_argument, NULL, O_REPORT },
		{ "duration", required_argument, NULL, 'd' },
		{ "print-config", no_argument, NULL, O_PRINT_CONFIG },
		{ "print-keys", no_argument, NULL, O_PRINT_KEYS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, ":c:m:s:d:hV", opts, NULL)) != -1) {
		char *end;

		switch (o) {
		case 'c': a->config = optarg; break;
		case 'm': a->mode = optarg; break;
		case 's':
			if (a->nsets == RTE_DIM(a->sets))
				return usage_error("more than %s --set options", "64");
			a->sets[a->nsets++] = optarg;
			break;
		case O_PCAP_IN: a->off.pcap_in = optarg; break;
		case O_PCAP_OUT: a->off.pcap_out = optarg; break;
		case O_VERDICTS: a->off.verdicts = optarg; break;
		case O_REPORT: a->off.report = optarg; break;
		case 'd':
			errno = 0;
			a->duration = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || optarg[0] == '-')
				return usage_error("--duration: '%s' is not a number of seconds",
						   optarg);
			break;
		case O_PRINT_CONFIG: a->print_config = true; break;
		case O_PRINT_KEYS: a->print_keys = true; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("floodguard %s (%s)\n", FG_VERSION, rte_version());
			exit(0);
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Configuration: defaults, --config, --set, --mode; then cross checks
 * (at start and at each reload). @return 0 or -1 with @p err. */
static int
load_config(const struct fg_args *a, struct fg_config *c, char *err, size_t len)
{
	char msg[512];

	fg_config_default(c);
	if (a->config != NULL && fg_config_load(c, a->config, err, len) != 0)
		return -1;
	for (unsigned int i = 0; i < a->nsets; i++) {
		char buf[512], *dot, *eq;

		snprintf(buf, sizeof(buf), "%s", a->sets[i]);
		eq = strchr(buf, '=');
		dot = eq != NULL ? memchr(buf, '.', (size_t)(eq - buf)) : NULL;
		if (dot == NULL)
			return fg_errf(err, len, -1, "--set '%s': expected SECTION.KEY=VALUE "
				       "(floodguard --help for usage)", a->sets[i]);
		*dot = *eq = '\0';
		if (fg_config_set(c, buf, dot + 1, eq + 1, msg, sizeof(msg)) != 0)
			return fg_errf(err, len, -1, "--set: %s", msg);
	}
	if (a->mode != NULL && fg_config_set(c, "dataplane", "mode", a->mode, msg,
					     sizeof(msg)) != 0)
		return fg_errf(err, len, -1, "--mode: '%s' is not inline, host or offline",
			       a->mode);
	return fg_config_finish(c, err, len);
}

static int
build_config(const struct fg_args *a, struct fg_config *c)
{
	char err[600];

	if (load_config(a, c, err, sizeof(err)) != 0)
		goto bad;
	if (c->mode == FG_MODE_OFFLINE && a->off.pcap_in == NULL)
		return usage_error("%s: offline mode needs --pcap-in", "--mode offline");
	if (c->mode != FG_MODE_OFFLINE && (a->off.pcap_in || a->off.pcap_out ||
					   a->off.verdicts || a->off.report))
		return usage_error("--pcap-in, --pcap-out, --verdicts and --report are for "
				   "%s only", "--mode offline");
	return 0;
bad:
	fprintf(stderr, "%sfloodguard: %s\n", fg_log_prefix(RTE_LOG_ERR), err);
	return 2;
}

int
fg_reload(struct fg_dp *dp, char *msg, size_t len, uint32_t *ticket)
{
	char err[600], changed[400], restart[400], lists[200];
	struct fg_config *next, *out;
	int n, rc = 0;

	*ticket = 0;
	if (fg_args.config == NULL) {
		snprintf(msg, len, "started without --config: no file to re-read");
		return -ENOENT;
	}
	next = malloc(sizeof(*next));
	out = malloc(sizeof(*out));
	if (next == NULL || out == NULL) {
		snprintf(msg, len, "no memory: nothing changed");
		rc = -ENOMEM;
		goto free_cfgs;
	}
	fg_notify("RELOADING=1");
	if (load_config(&fg_args, next, err, sizeof(err)) != 0 ||
	    (n = fg_config_merge_live(dp->cfg, next, out, changed, sizeof(changed), restart,
				      sizeof(restart), lists, sizeof(lists), err, sizeof(err))) < 0) {
		/* keep the last good configuration: the one running */
		snprintf(msg, len, "%s: nothing changed", err);
		FG_LOG(ERR, "reload: %s", msg);
		rc = -EINVAL;
		goto ready;
	}
	if (n > 0)
		fg_control_apply(dp, out);
	*ticket = lists[0] != '\0' ? fg_control_lists_merge(dp, next) : 0;
	snprintf(msg, len, "reloaded %s: %s%s%s%s%s%s", fg_args.config,
		 n > 0 ? "changed " : "no threshold changed", changed,
		 restart[0] != '\0' ? "; needs a restart, left as it runs: " : "", restart,
		 *ticket != 0 ? "; merging into the running lists: " : "", *ticket != 0 ? lists : "");
	FG_LOG(INFO, "%s", msg);
ready:
	fg_notify("READY=1");
free_cfgs:
	free(next);
	free(out);
	return rc;
}

/* EAL arguments when none were given: the mode's defaults. */
static int
default_eal_args(const struct fg_config *c, char *argv0, char **eal, char *lbuf,
		 char *mbuf, size_t sz)
{
	int n = 0;

	eal[n++] = argv0;
	if (c->mode == FG_MODE_OFFLINE) {
		char *const off[] = { "-l", lbuf, "-m", mbuf, "--no-pci", "--no-huge", "--no-shconf",
				      "--no-telemetry", "--log-level=lib.*:warning" };
		cpu_set_t set;
		int cpu = 0;

		if (sched_getaffinity(0, sizeof(set), &set) == 0)
			while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
				cpu++;
		snprintf(lbuf, sz, "%d", cpu);
		/* MB: the tables, the pool (data room + ~256 B a mbuf), 64 more */
		snprintf(mbuf, sz, "%zu", (fg_dp_mem_size(c) >> 20) +
			 (size_t)c->mbufs * (c->mbuf_size + 256u) / 1000000 + 64);
		for (size_t i = 0; i < RTE_DIM(off); i++)
			eal[n++] = off[i];
	}
	eal[n] = NULL;
	return n;
}

static void
log_interval(struct fg_dp *dp, struct fg_counters *prev, double secs)
{
	struct fg_counters c;
	struct rte_eth_stats st;
	uint64_t drop, pass, nombuf = 0, missed = 0, full = 0;

	fg_dp_sum(dp, &c);
	pass = fg_counters_passed(&c) - fg_counters_passed(prev);
	drop = fg_counters_dropped(&c) - fg_counters_dropped(prev);
	for (unsigned int p = 0; p < FG_MAX_PORTS; p++)
		full += c.tx_full[p] - prev->tx_full[p];
	for (uint16_t i = 0; i < dp->nb_ports; i++)
		if (rte_eth_stats_get(dp->ports[i], &st) == 0) {
			nombuf += st.rx_nombuf;
			missed += st.imissed;
		}
	FG_LOG(INFO, "%.0f s: rx %" PRIu64 " pps, passed %" PRIu64 " pps, dropped %" PRIu64
	       " pps, sources blocked %" PRIu64 ", tx_full %" PRIu64 ", rx_nombuf %" PRIu64
	       ", imissed %" PRIu64, secs, (uint64_t)((c.rx - prev->rx) / secs),
	       (uint64_t)(pass / secs), (uint64_t)(drop / secs), c.lim.blocks - prev->lim.blocks,
	       full, nombuf, missed);
	*prev = c;
}

/* Main lcore: floodctl's requests (each ms), ageing and the published
 * counters (each 100 ms), expiry, top sources (each second), the log
 * line, signals, --duration. (The prefix lists and the XDP tries are the
 * list thread's: fg_listd.c.) */
static void
housekeeping(struct fg_dp *dp, uint64_t duration)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), last_log = start;
	uint64_t next_tick = start + hz / 10;
	uint32_t slice = RTE_MAX(dp->tab.nb / 600, 1u);  /* a sweep a minute */
	struct fg_counters prev = { 0 };
	uint64_t ticks = 0;

	while (!dp->quit) {
		uint64_t t;
		bool second;

		fg_control_wait(1000);
		if (fg_hup) {
			char msg[600];
			uint32_t ticket;

			fg_hup = 0;
			fg_reload(dp, msg, sizeof(msg), &ticket);
		}
		fg_control_poll(dp, fg_clock_ns(dp));
		t = rte_rdtsc();
		if (t < next_tick)
			continue;
		next_tick = t + hz / 10;
		second = ++ticks % 10 == 0;
		fg_dp_age(dp, fg_clock_ns(dp), slice);
		if (second)
			fg_fed_expire(&dp->fed, fg_clock_ns(dp));
		/* the watch state also survives a crash, a minute old at most */
		if (ticks % 600 == 0)
			fg_control_watch_save(dp, fg_clock_ns(dp));
		fg_control_publish(dp, fg_clock_ns(dp), second);
		if (dp->cfg->stats_interval != 0 &&
		    t - last_log >= dp->cfg->stats_interval * hz) {
			log_interval(dp, &prev, (double)(t - last_log) / (double)hz);
			last_log = t;
		}
		if (duration != 0 && t - start >= duration * hz)
			dp->quit = true;
	}
}

static int
port_by_vdev(const char *devargs, uint16_t *port)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	const char *comma = strchr(devargs, ',');
	size_t len = comma != NULL ? (size_t)(comma - devargs) : strlen(devargs);
	int rc;

	if (len >= sizeof(name))
		return -EINVAL;
	memcpy(name, devargs, len);
	name[len] = '\0';
	rc = rte_eal_hotplug_add("vdev", name, comma != NULL ? comma + 1 : "");
	if (rc != 0 && rc != -EEXIST)
		return rc;
	return rte_eth_dev_get_port_by_name(name, port);
}

/*
 * Whether the source table has one writer per source: then the limiters
 * update its entries with plain stores instead of compare-and-swap
 * (fg_limit.h). So when one worker decides (the outside port has one
 * queue, or one worker), or each source reaches one queue of @p port
 * ([dataplane] rss = source where the NIC hashes the source alone, or
 * presplit): a queue has one worker.
 */
static int
table_writers(struct fg_dp *dp, uint16_t port, uint16_t nq)
{
	struct rte_eth_dev_info di;
	unsigned int deciders = 0, l;
	bool per_source = false;
	uint64_t types = 0;

	RTE_LCORE_FOREACH_WORKER(l)
		for (uint16_t i = 0; i < dp->lc[l].nb_rxq; i++)
			if (dp->lc[l].rxq[i].dir != FG_DIR_RESPONSE) {
				deciders++;
				break;
			}
	if (nq > 1) {
		int rc = rte_eth_dev_info_get(port, &di);

		if (rc != 0)
			return rc;
		/* the port took them (fg_port_start()) */
		(void)fg_rss_types(dp->cfg->rss, di.flow_type_rss_offloads, &types, &per_source);
	}
	dp->tab.single_writer = deciders <= 1 || per_source;
	dp->tab_writers = deciders <= 1 ? "one writer" :
			  per_source ? "one writer per source" : "shared, compare-and-swap";
	if (nq > 1) {
		const char *rss = dp->cfg->rss == FG_RSS_PRESPLIT ? "its queues come split by source" :
				  per_source ? "RSS hashes the source address alone" :
				  dp->cfg->rss == FG_RSS_SOURCE ?
				  "the PMD cannot hash the source address alone" :
				  types != 0 ? "RSS hashes addresses and ports" : "the PMD has no RSS";

		fg_flow_note(dp, !per_source && dp->cfg->rss != FG_RSS_FLOW ? RTE_LOG_WARNING :
			     RTE_LOG_INFO, "port %u (%s): %s ([dataplane] rss = %s): %s", port,
			     di.driver_name, rss, fg_rss_name(dp->cfg->rss),
			     deciders <= 1 ? "one worker decides" : per_source ?
			     "one writer per source" :
			     "sources shared between workers (compare-and-swap)");
	}
	return 0;
}

/* Ports and queues of inline and host mode; workers get RX queues round robin. */
static int
setup_live(struct fg_dp *dp)
{
	const struct fg_config *c = dp->cfg;
	uint16_t a = c->ext_port, b = c->int_port, nq = c->queues, w = 0;
	unsigned int workers[RTE_MAX_LCORE], nw = 0, l;
	int rc;

	RTE_LCORE_FOREACH_WORKER(l)
		workers[nw++] = l;
	if (nw == 0) {
		FG_LOG(ERR, "no worker lcore: give the EAL two lcores or more (-l 0-1)");
		return -EINVAL;
	}
	dp->nb_workers = (uint16_t)nw;
	/* every other worker fills buckets from their other end (fg_srctab_insert()) */
	for (unsigned int i = 0; i < nw; i++)
		dp->lc[workers[i]].side = (uint8_t)(i & 1);
	if (c->mode == FG_MODE_HOST) {
		rc = port_by_vdev(c->exception, &b);
		if (rc != 0) {
			FG_LOG(ERR, "[dataplane] exception '%s': cannot create it (errno=%i): %s",
			       c->exception, -rc, rte_strerror(-rc));
			return rc;
		}
	}
	if (!rte_eth_dev_is_valid_port(a) || !rte_eth_dev_is_valid_port(b)) {
		FG_LOG(ERR, "[dataplane] %s: no DPDK port %u (the EAL found %u ports; give "
		       "-a PCI or --vdev)", rte_eth_dev_is_valid_port(a) ? "int_port" : "ext_port",
		       rte_eth_dev_is_valid_port(a) ? b : a, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	if (a >= FG_MAX_PORTS || b >= FG_MAX_PORTS) {
		FG_LOG(ERR, "port ids above %u are not supported", FG_MAX_PORTS - 1);
		return -EINVAL;
	}
	for (int side = 0; side < 2; side++) {
		uint16_t rx = side == 0 ? a : b, tx = side == 0 ? b : a;
		/* host: the exception port gets one RX queue (the host's replies) */
		uint16_t nrx = c->mode == FG_MODE_HOST && side == 1 ? 1 : nq;

		rc = side == 0 ? fg_flow_isolate(dp, rx) : 0;
		if (rc == 0)
			rc = fg_port_start(dp, rx, nrx, (uint16_t)nw, false, side == 0);
		if (rc == 0)
			rc = fg_xdp_fill(rx, c);
		/* drop rules on the outside port; steering rules in host mode */
		if (rc == 0 && side == 0)
			rc = fg_flow_start(dp, rx, nrx, true);
		if (rc != 0)
			return rc;
		for (uint16_t q = 0; q < nrx; q++, w++) {
			struct fg_lcore *lc = &dp->lc[workers[w % nw]];

			if (lc->nb_rxq == FG_MAX_RXQ) {
				FG_LOG(ERR, "more than %u RX queues on one lcore", FG_MAX_RXQ);
				return -EINVAL;
			}
			if (lc->drops == NULL)
				lc->drops = rte_zmalloc("fg_drops", 2 * sizeof(*lc->drops),
							RTE_CACHE_LINE_SIZE);
			if (lc->drops == NULL) {
				FG_LOG(ERR, "no memory for the drop summaries");
				return -ENOMEM;
			}
			lc->rxq[lc->nb_rxq++] = (struct fg_rxq){
				.port = rx, .queue = q, .tx_port = tx,
				.tx_queue = (uint16_t)(w % nw),
				.dir = side == 1 ? FG_DIR_RESPONSE :
				       c->mode == FG_MODE_HOST ? FG_DIR_BY_PREFIX : FG_DIR_DECIDE,
			};
		}
	}
	if (nq < nw)
		FG_LOG(WARNING, "%u workers but %u queues per port: some workers idle", nw, nq);
	return table_writers(dp, a, nq);
}

/*
 * dpdk-dumpcap's pdump callbacks run inside the workers' RX and TX bursts
 * and copy into a ring and a mempool that the dumpcap process allocated.
 * When it detaches, DPDK 22.11 removes the callbacks and replies at once,
 * without waiting for a worker still inside one; dumpcap then frees its
 * ring and mempool and this process unmaps their pages, under that worker
 * (9 of 25 detaches under traffic died with SIGSEGV in rte_pktmbuf_copy).
 * Free events are raised before the pages go: wait there until every
 * worker has passed a quiescent state, i.e. has left any callback it was
 * in. Workers never allocate, so none waits on the lock this runs under.
 */
#define FG_PDUMP_MEM_CB "fg_pdump_quiesce"

static void
pdump_mem_event(enum rte_mem_event type, const void *addr __rte_unused,
		size_t len __rte_unused, void *arg)
{
	const struct fg_dp *dp = arg;

	if (type == RTE_MEM_EVENT_FREE)
		rte_rcu_qsbr_synchronize(dp->rcu, RTE_QSBR_THRID_INVALID);
}

static int
run_live(struct fg_dp *dp, uint64_t duration)
{
	unsigned int l;
	int rc;

	rc = fg_control_init(dp);
	if (rc != 0)
		return rc;
	rc = fg_dp_init(dp, dp->cfg, (int)rte_socket_id(), fg_clock_ns(dp));
	if (rc != 0)
		return rc;
	fg_control_watch_load(dp, fg_clock_ns(dp));
	rc = setup_live(dp);
	if (rc != 0)
		return rc;
	rc = fg_listd_start(dp);
	if (rc != 0)
		return rc;
	if (fg_telemetry_init(dp) != 0)
		FG_LOG(WARNING, "telemetry commands not registered");
	/* legacy memory (--legacy-mem) never unmaps: ENOTSUP, nothing to guard */
	if (rte_mem_event_callback_register(FG_PDUMP_MEM_CB, pdump_mem_event, dp) != 0 &&
	    rte_errno != ENOTSUP)
		FG_LOG(WARNING, "rte_mem_event_callback_register (errno=%i): a dpdk-dumpcap "
		       "detaching under traffic may crash the workers", rte_errno);
	rc = rte_pdump_init();
	if (rc != 0)
		FG_LOG(WARNING, "rte_pdump_init (errno=%i): dpdk-dumpcap will not attach",
		       rte_errno);
	FG_LOG(INFO, "%s mode: %u workers (limiters: %s), forwarding", fg_mode_name(dp->cfg->mode),
	       dp->nb_workers, dp->tab_writers);
	RTE_LCORE_FOREACH_WORKER(l)
		if (dp->lc[l].nb_rxq != 0)
			rte_eal_remote_launch(fg_worker, dp, l);
	/* the ports forward and the segment is up: floodctl can attach */
	fg_notify("READY=1\nSTATUS=forwarding");
	housekeeping(dp, duration);
	fg_notify("STOPPING=1");
	signal(SIGALRM, on_stuck);
	alarm(10);
	fg_listd_stop(dp);
	fg_flow_stop(dp);
	rte_eal_mp_wait_lcore();
	rte_pdump_uninit();
	rte_mem_event_callback_unregister(FG_PDUMP_MEM_CB, dp);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fg_args *ap = &fg_args;
	struct fg_config *cfg;
	char *eal_argv[16], lbuf[16], mbuf[16];
	int dd = -1, app_argc, eal_argc, rc;
	char **app_argv;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	/* app args: after "--", or all of them; getopt sees argv[0] first */
	app_argv = dd >= 0 ? argv + dd : argv;
	app_argc = dd >= 0 ? argc - dd : argc;
	fg_log_service_init();
	rc = parse_args(app_argc, app_argv, ap);
	if (rc != 0)
		return rc;
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL)
		return 1;
	rc = build_config(ap, cfg);
	if (rc != 0)
		goto free_cfg;
	if (ap->print_config || ap->print_keys) {
		if (ap->print_config)
			fg_config_print(cfg, stdout);
		else
			fg_config_print_keys(stdout);
		goto free_cfg;
	}

	if (dd >= 0) {
		argv[dd] = argv[0];   /* the EAL's argv ends at "--" */
		eal_argc = dd;
		rc = rte_eal_init(eal_argc, argv);
	} else {
		eal_argc = default_eal_args(cfg, argv[0], eal_argv, lbuf, mbuf,
					     sizeof(lbuf));
		rc = rte_eal_init(eal_argc, eal_argv);
	}
	if (rc < 0) {
		fprintf(stderr, "%sfloodguard: EAL init failed (errno=%i): %s\n",
			fg_log_prefix(RTE_LOG_ERR), rte_errno,
			rte_strerror(rte_errno));
		rc = 1;
		goto free_cfg;
	}
	fg_logtype = rte_log_register_type_and_pick_level("floodguard", RTE_LOG_INFO);
	if (fg_logtype < 0)
		fg_logtype = RTE_LOGTYPE_USER1;
	rte_log_set_level(fg_logtype, cfg->log_level);
	for (unsigned int m = 0; m < FG_MON_COUNT; m++)
		if (cfg->monitor[m])
			FG_LOG(NOTICE, "[%s] monitor = 1: what its rules would drop passes, "
			       "counted as would-drops", fg_mon_scope_name(m));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hup);

	fg_dp.cfg = cfg;
	fg_dp_clock_init(&fg_dp);
	FG_LOG(INFO, "floodguard %s, %s mode, TSC %" PRIu64 " Hz", FG_VERSION,
	       fg_mode_name(cfg->mode), rte_get_tsc_hz());
	fg_dp.pool = rte_pktmbuf_pool_create("fg_mbufs", cfg->mbufs, 256, 0,
					     cfg->mbuf_size, (int)rte_socket_id());
	if (fg_dp.pool == NULL) {
		FG_LOG(ERR, "mbuf pool of %u (errno=%i): %s", cfg->mbufs, rte_errno,
		       rte_strerror(rte_errno));
		rc = 1;
		goto cleanup_eal;
	}
	if (cfg->mode == FG_MODE_OFFLINE)
		rc = fg_offline_run(&fg_dp, &ap->off);
	else
		rc = run_live(&fg_dp, ap->duration);
	fg_dp_print_summary(&fg_dp, stdout);
	if (fg_dp.shm_private)
		rte_free(fg_dp.shm);
	else
		fg_control_fini(&fg_dp);
	rc = rc != 0 ? 1 : 0;

	bool afxdp = false;

	for (uint16_t i = 0; i < fg_dp.nb_ports && cfg->mode != FG_MODE_OFFLINE; i++) {
		struct rte_eth_dev_info di;

		if (rte_eth_dev_info_get(fg_dp.ports[i], &di) == 0 &&
		    strcmp(di.driver_name, "net_af_xdp") == 0)
			afxdp = true;
		rte_eth_dev_stop(fg_dp.ports[i]);
		rte_eth_dev_close(fg_dp.ports[i]);
	}
	/* with every port closed, every mbuf is back: anything else is a leak */
	if (cfg->mode != FG_MODE_OFFLINE) {
		unsigned int out = rte_mempool_in_use_count(fg_dp.pool);

		if (out == 0)
			printf("mbufs: all %u back in the pool\n", fg_dp.pool->size);
		else if (afxdp)
			/* its umem is the pool: rte_eth_dev_close() drops the
			 * umem and never returns what its fill ring held */
			printf("mbufs: %u of %u not back in the pool: not judged, net_af_xdp "
			       "keeps its fill rings' mbufs (~2048 a queue) when closed\n",
			       out, fg_dp.pool->size);
		else
			printf("mbufs: %u of %u not back in the pool (a leak)\n", out,
			       fg_dp.pool->size);
	}
	rte_free(fg_dp.tab_mem);
	rte_free(fg_dp.fed_mem);
	if (fg_dp.pfx_private)
		free(fg_dp.pfx);
	rte_mempool_free(fg_dp.pool);
cleanup_eal:
	rte_eal_cleanup();
free_cfg:
	free(cfg);
	return rc;
}
