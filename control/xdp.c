/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodctl xdp test FILE: run floodguard's XDP program (bpf/fg_xdp.bpf.c,
 * through its libbpf skeleton) over every packet of a capture with
 * BPF_PROG_TEST_RUN and print one JSON object per packet: what the
 * program would do before anything else on the machine sees the packet.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "fg_parse.h"
#include "fg_prefix.h"
#include "fg_xdp.h"
#include "fg_xdp_user.h"
#include "fg_xdp.skel.h"
#include "floodctl.h"

_Static_assert(FG_XDP_CLASS_MOM == FG_CLASS_MOM && FG_XDP_CLASS_SIP == FG_CLASS_SIP &&
	       FG_XDP_CLASS_SIP_TLS == FG_CLASS_SIP_TLS, "port classes agree");

const char fc_xdp_usage[] =
"usage: floodctl xdp test [OPTIONS] FILE\n"
"\n"
"Run floodguard's XDP program over every packet of an Ethernet capture\n"
"(pcap or pcapng) with BPF_PROG_TEST_RUN, in the kernel, and print one\n"
"JSON object per packet: {\"n\":N,\"action\":\"pass\"|\"drop\"|\"redirect\",\n"
"\"reason\":R}. Protected ports are the defaults (mom tcp,udp/1270, sip\n"
"tcp,udp/5060, sip-tls tcp/5061). Needs root (BPF).\n"
"\n"
"options:\n"
"  --block ADDR[/LEN]   a blocked source address or prefix; repeatable\n"
"  --protect ADDR[/LEN] a protected server prefix: protected ports are\n"
"                       redirected only when going to one; repeatable\n"
"  --repeat N           run each packet N times and add \"ns\": the kernel's\n"
"                       mean time per run (default 1: no timing). Timed runs\n"
"                       take the production path: with no AF_XDP socket, a\n"
"                       redirect falls back to \"pass\" (its reason says so)\n"
"  --fill-blocks N      also block N hosts of 100.64.0.0/10 (a big trie,\n"
"                       for timing)\n"
"  --summary            print counts per action and reason to stderr\n"
"  -h, --help           this text\n"
"\n"
"Frames the kernel will not run XDP on (shorter than an Ethernet header)\n"
"print \"action\":\"none\" with the kernel's error. Reasons: pass-other,\n"
"pass-dst, pass-not-ip, pass-malformed, pass-frag, redirect-mom, redirect-sip,\n"
"redirect-sip-tls, drop-blocked (docs/xdp.md).\n";

/* room for --block and --protect prefixes; --fill-blocks fills the rest */
#define FC_XDP_BLOCKS 256
#define FC_XDP_PROTECTS 64

#define FG_XDP_NAME_(id, name, act) name,
static const char *const reason_names[FG_XDP_R_COUNT] = { FG_XDP_REASONS(FG_XDP_NAME_) };
#undef FG_XDP_NAME_

static const char *
action_name(int a)
{
	switch (a) {
	case XDP_PASS: return "pass";
	case XDP_DROP: return "drop";
	case XDP_REDIRECT: return "redirect";
	case XDP_TX: return "tx";
	default: return "aborted";
	}
}

static int
fill_ports(struct fg_xdp *skel)
{
	struct fg_classify_cfg *cfg = malloc(sizeof(*cfg));
	int rc;

	if (cfg == NULL)
		return -ENOMEM;
	fg_classify_cfg_default(cfg);
	rc = fg_xdp_fill_ports(bpf_map__fd(skel->maps.fg_xdp_ports), cfg->tcp, cfg->udp);
	free(cfg);
	return rc;
}

/* Block @p p: the program drops what comes from it. @return 0 or -errno. */
static int
add_block(struct fg_xdp *skel, const struct fg_prefix *p)
{
	return fg_xdp_add_prefix(bpf_map__fd(skel->maps.fg_xdp_block4),
				 bpf_map__fd(skel->maps.fg_xdp_block6), p);
}

/* @p n blocked IPv4 hosts in 100.64.0.0/10 (benchmarks: a big trie) */
static int
fill_blocks(struct fg_xdp *skel, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct fg_prefix p = { .len = 128, .addr = { [10] = 0xff, [11] = 0xff } };
		uint32_t a = 0x64400000u + i * 2654435761u % 0x400000u;
		int rc;

		p.addr[12] = (uint8_t)(a >> 24);
		p.addr[13] = (uint8_t)(a >> 16);
		p.addr[14] = (uint8_t)(a >> 8);
		p.addr[15] = (uint8_t)a;
		rc = add_block(skel, &p);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Which reason's per-CPU counter of @p cpu moved since @p seen (updated).
 * @p buf: room for ncpu values. @return the reason, or -1.
 */
static int
reason_of(int fd, int cpu, int ncpu, uint64_t *seen, uint64_t *buf)
{
	int moved = -1;

	for (uint32_t r = 0; r < FG_XDP_R_COUNT; r++) {
		if (bpf_map_lookup_elem(fd, &r, buf) != 0 || cpu >= ncpu)
			return -1;
		if (buf[cpu] != seen[r]) {
			moved = (int)r;
			seen[r] = buf[cpu];
		}
	}
	return moved;
}

/* What `floodctl xdp test` was asked to do (fc_xdp_parse()). */
struct fc_xdp_opts {
	const char *file;                           /**< the capture */
	const char *block_arg[FC_XDP_BLOCKS];       /**< --block as given */
	struct fg_prefix block[FC_XDP_BLOCKS];      /**< ... and parsed */
	unsigned int nblock;
	struct fg_prefix protect[FC_XDP_PROTECTS];  /**< --protect */
	unsigned int nprotect;
	unsigned int repeat;                        /**< runs per packet; 1: not timed */
	unsigned int fill;                          /**< --fill-blocks: hosts */
	bool summary;
};

/* fc_xdp_parse(): a test to run; any other value is an exit code */
#define FC_XDP_PARSED (-1)

/* Fill @p o from the command line (argv[0] is "xdp"). @return FC_XDP_PARSED,
 * or the exit code with the usage or the error printed. */
static int
fc_xdp_parse(int argc, char **argv, struct fc_xdp_opts *o)
{
	static const struct option opts[] = {
		{ "block", required_argument, NULL, 'b' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "fill-blocks", required_argument, NULL, 'f' },
		{ "protect", required_argument, NULL, 'p' },
		{ "summary", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct fc_xdp_opts){ .repeat = 1 };
	if (argc < 2 || strcmp(argv[1], "test") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(fc_xdp_usage, stdout);
			return FC_EXIT_OK;
		}
		fc_err("xdp", "expected 'test' (floodctl xdp test [OPTIONS] FILE)");
		return FC_EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'b':
			if (o->nblock == FC_XDP_BLOCKS) {
				fc_err("xdp", "--block: more than %u", FC_XDP_BLOCKS);
				return FC_EXIT_USAGE;
			}
			o->block_arg[o->nblock++] = optarg;
			break;
		case 'r':
			o->repeat = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->repeat == 0 || o->repeat > 100000000) {
				fc_err("xdp", "--repeat: '%s' is not a count (1-100000000)", optarg);
				return FC_EXIT_USAGE;
			}
			break;
		case 'p':
			if (o->nprotect == FC_XDP_PROTECTS ||
			    fg_prefix_parse(optarg, &o->protect[o->nprotect]) != 0) {
				fc_err("xdp", "--protect: '%s' is not an address or prefix (or more "
				       "than %u)", optarg, FC_XDP_PROTECTS);
				return FC_EXIT_USAGE;
			}
			o->nprotect++;
			break;
		case 'f':
			o->fill = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->fill > FG_XDP_BLOCK_MAX - FC_XDP_BLOCKS) {
				fc_err("xdp", "--fill-blocks: '%s' is not a count (0-%u)", optarg,
				       FG_XDP_BLOCK_MAX - FC_XDP_BLOCKS);
				return FC_EXIT_USAGE;
			}
			break;
		case 's':
			o->summary = true;
			break;
		case 'h':
			fputs(fc_xdp_usage, stdout);
			return FC_EXIT_OK;
		default:
			fputs(fc_xdp_usage, stderr);
			return FC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fc_err("xdp", "test needs exactly one capture file");
		return FC_EXIT_USAGE;
	}
	o->file = argv[optind];
	for (unsigned int i = 0; i < o->nblock; i++)
		if (fg_prefix_parse(o->block_arg[i], &o->block[i]) != 0) {
			fc_err("xdp", "--block: '%s' is not an address or prefix", o->block_arg[i]);
			return FC_EXIT_USAGE;
		}
	return FC_XDP_PARSED;
}

/*
 * Open and load the XDP program, then fill its maps as @p o asks (what
 * attaching would be: BPF_PROG_TEST_RUN needs no interface).
 * @return the skeleton, or NULL with the error printed.
 */
static struct fg_xdp *
fc_xdp_load(const struct fc_xdp_opts *o)
{
	struct fg_xdp *skel = fg_xdp__open();

	if (skel == NULL) {
		fc_err("xdp", "cannot open the XDP program: %s", strerror(errno));
		return NULL;
	}
	/* redirects need an AF_XDP socket; one-shot runs report them as such,
	 * timed runs (--repeat) take the production path (no socket: pass) */
	skel->rodata->fg_test_mode = o->repeat == 1;
	if (fg_xdp__load(skel) != 0) {
		fc_err("xdp", "the kernel refused the XDP program (root? BPF enabled?): %s",
		       strerror(errno));
		goto destroy_skel;
	}
	if (fill_ports(skel) != 0) {
		fc_err("xdp", "cannot fill the ports map: %s", strerror(errno));
		goto destroy_skel;
	}
	for (unsigned int i = 0; i < o->nblock; i++)
		if (add_block(skel, &o->block[i]) != 0) {
			fc_err("xdp", "--block %s: %s", o->block_arg[i], strerror(errno));
			goto destroy_skel;
		}
	if (fg_xdp_set_protect(bpf_map__fd(skel->maps.fg_xdp_conf),
			       bpf_map__fd(skel->maps.fg_xdp_protect4),
			       bpf_map__fd(skel->maps.fg_xdp_protect6), o->protect,
			       o->nprotect) != 0) {
		fc_err("xdp", "--protect: %s", strerror(errno));
		goto destroy_skel;
	}
	if (fill_blocks(skel, o->fill) != 0) {
		fc_err("xdp", "--fill-blocks %u: %s", o->fill, strerror(errno));
		goto destroy_skel;
	}
	return skel;
destroy_skel:
	fg_xdp__destroy(skel);
	return NULL;
}

/*
 * Run every packet of @p pc through the loaded program on @p cpu (the one
 * this thread is pinned to) and print one JSON line each, then the summary
 * @p o asks for. @return the exit code.
 */
static int
fc_xdp_run(const struct fc_xdp_opts *o, struct fg_xdp *skel, struct fc_capture *pc,
	   int cpu)
{
	unsigned int cnt[FG_XDP_R_COUNT] = { 0 }, none = 0;
	uint64_t seen[FG_XDP_R_COUNT] = { 0 }, *last, n = 0;
	int ncpu = libbpf_num_possible_cpus(), ret = FC_EXIT_FAIL;
	const uint8_t *data;
	uint32_t caplen;

	last = calloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*last));
	if (last == NULL) {
		fc_err("xdp", "out of memory");
		return FC_EXIT_FAIL;
	}
	while (fc_capture_next(pc, &data, &caplen) == 1) {
		LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = data, .data_size_in = caplen,
			    .repeat = o->repeat);
		int rc, r;

		n++;
		rc = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.fg_xdp), &t);
		if (rc != 0) {
			printf("{\"n\":%" PRIu64 ",\"action\":\"none\",\"error\":\"%s\"}\n", n,
			       strerror(errno));
			none++;
			continue;
		}
		/* the reason: the per-CPU counter of this CPU that moved */
		r = reason_of(bpf_map__fd(skel->maps.fg_xdp_stats), cpu, ncpu, seen, last);
		if (r < 0) {
			fc_err("xdp", "packet %" PRIu64 ": no reason counted", n);
			goto free_last;
		}
		cnt[r]++;
		printf("{\"n\":%" PRIu64 ",\"action\":\"%s\",\"reason\":\"%s\"", n,
		       action_name((int)t.retval), reason_names[r]);
		if (o->repeat > 1)
			printf(",\"ns\":%u", t.duration);
		printf("}\n");
	}
	if (o->summary) {
		fprintf(stderr, "packets: %" PRIu64 "\n", n);
		for (unsigned int r = 0; r < FG_XDP_R_COUNT; r++)
			if (cnt[r] != 0)
				fprintf(stderr, "  %-18s %u\n", reason_names[r], cnt[r]);
		if (none != 0)
			fprintf(stderr, "  %-18s %u\n", "not run", none);
	}
	ret = FC_EXIT_OK;
free_last:
	free(last);
	return ret;
}

int
fc_xdp(int argc, char **argv)
{
	struct fc_xdp_opts o;
	struct fc_capture *pc;
	struct fg_xdp *skel;
	char errbuf[512];
	cpu_set_t set;
	int ret, cpu;

	ret = fc_xdp_parse(argc, argv, &o);
	if (ret != FC_XDP_PARSED)
		return ret;
	pc = fc_capture_open(o.file, errbuf, sizeof(errbuf));
	if (pc == NULL) {
		fc_err("xdp", "%s", errbuf);
		return FC_EXIT_FAIL;
	}
	ret = FC_EXIT_FAIL;
	if (fc_capture_dlt(pc) != FG_DLT_EN10MB) {
		fc_err("xdp", "%s: XDP sees Ethernet frames; this capture's link type is %s",
		       o.file, fc_capture_dlt_name(pc));
		goto close_capture;
	}
	/* the per-CPU "last reason" is read from the CPU the run happened on */
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fc_err("xdp", "cannot pin to CPU %d: %s", cpu, strerror(errno));
		goto close_capture;
	}
	skel = fc_xdp_load(&o);
	if (skel == NULL)
		goto close_capture;
	ret = fc_xdp_run(&o, skel, pc, cpu);
	fg_xdp__destroy(skel);
close_capture:
	fc_capture_close(pc);
	return ret;
}
