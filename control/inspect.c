/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floodctl inspect FILE: one JSON object per packet with what the
 * classifier saw, in capture order (docs/cli.md has the fields).
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fg_json.h"
#include "fg_parse.h"
#include "floodctl.h"

const char fc_inspect_usage[] =
"usage: floodctl inspect [OPTIONS] FILE\n"
"\n"
"Classify every packet of a pcap or pcapng capture exactly as the data\n"
"plane does and print one JSON object per packet (JSON lines), in order.\n"
"Link types: Ethernet, raw IP, Linux cooked (v1, v2), BSD loopback.\n"
"\n"
"options:\n"
"  --port CLASS=PROTO/PORT  also classify PROTO (tcp|udp) PORT as CLASS\n"
"                           (mom|sip|sip-tls|other); repeatable\n"
"  --no-default-ports       start from no protected ports instead of\n"
"                           mom=tcp,udp/1270 sip=tcp,udp/5060 sip-tls=tcp/5061\n"
"  --summary                print packet counts per class and reason to\n"
"                           stderr at the end\n"
"  -h, --help               this text\n"
"\n"
"Fields: n ts len class [reason] [vlans] [l4 src dst] [sport dport]\n"
"[tcp_flags] [frag] [sip{kind method ruri status from_domain from to\n"
"call_id cseq cseq_method via content_length headers}]. Absent: does\n"
"not apply. 'reason' names why a packet is malformed, or a note.\n";

static const char *
l4_name(uint8_t p, char *buf, size_t n)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmpv6";
	case 132: return "sctp";
	}
	snprintf(buf, n, "%u", p);
	return buf;
}

static void
put_span(FILE *f, const char *key, const uint8_t *msg, struct fg_span s)
{
	if (s.len == 0)
		return;
	fg_json_key(f, key, 0);
	fg_json_str(f, msg + s.off, s.len);
}

static void
print_sip_fields(FILE *f, const uint8_t *msg, const struct fg_sip *s)
{
	fprintf(f, "{\"kind\":\"%s\"", fg_sip_kind_name(s->kind));
	if (s->kind == FG_SIP_REQUEST) {
		put_span(f, "method", msg, s->method_s);
		put_span(f, "ruri", msg, s->ruri);
	} else if (s->kind == FG_SIP_RESPONSE) {
		fprintf(f, ",\"status\":%u", s->status);
	}
	if (s->kind == FG_SIP_REQUEST || s->kind == FG_SIP_RESPONSE) {
		put_span(f, "from_domain", msg, s->from_host);
		put_span(f, "from", msg, s->from_uri);
		put_span(f, "to", msg, s->to_uri);
		put_span(f, "call_id", msg, s->call_id);
		fprintf(f, ",\"cseq\":%u", s->cseq);
		put_span(f, "cseq_method", msg, s->cseq_method_s);
		fprintf(f, ",\"via\":%u,\"content_length\":%u,\"headers\":%u",
			s->via, s->content_length, s->headers);
	}
}

/* The first message; a TCP segment's later ones in "more" (docs/cli.md). */
static void
print_sip(FILE *f, const uint8_t *seg, uint32_t len, const struct fg_sip *s)
{
	struct fg_sip m = *s;
	uint32_t off = 0;

	fputs(",\"sip\":", f);
	print_sip_fields(f, seg, s);
	if (s->msgs > 1) {
		fprintf(f, ",\"msgs\":%u,\"more\":[", s->msgs);
		for (unsigned int k = 1; k < s->msgs && fg_sip_next_msg(seg, len, &off, &m); k++) {
			if (k > 1)
				fputc(',', f);
			print_sip_fields(f, seg + off, &m);
			fputc('}', f);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static void
print_pkt(FILE *f, unsigned long n, const struct pcap_pkthdr *h,
	  const uint8_t *buf, const struct fg_pkt *p)
{
	char tmp[8];

	fprintf(f, "{\"n\":%lu,\"ts\":%lld.%06ld,\"len\":%u,\"class\":\"%s\"",
		n, (long long)h->ts.tv_sec, (long)h->ts.tv_usec, h->caplen,
		fg_class_name(p->cls));
	if (p->reason != FG_R_OK)
		fprintf(f, ",\"reason\":\"%s\"", fg_reason_name(p->reason));
	if (p->vlans)
		fprintf(f, ",\"vlans\":%u", p->vlans);
	if (p->ipv) {
		fprintf(f, ",\"l4\":\"%s\"", l4_name(p->l4, tmp, sizeof(tmp)));
		fg_json_key(f, "src", 0);
		fg_json_addr(f, p->src);
		fg_json_key(f, "dst", 0);
		fg_json_addr(f, p->dst);
	}
	if (p->flags & FG_PF_L4)
		fprintf(f, ",\"sport\":%u,\"dport\":%u", p->sport, p->dport);
	if (p->l4 == 6 && (p->flags & FG_PF_L4)) {
		static const char fl[] = "FSRPAU";

		fputs(",\"tcp_flags\":\"", f);
		for (int i = 0; i < 6; i++)
			if (p->tcp_flags & (1 << i))
				fputc(fl[i], f);
		fputc('"', f);
	}
	if (p->flags & FG_PF_FRAG)
		fprintf(f, ",\"frag\":\"%s\"",
			p->flags & FG_PF_FRAG_NONFIRST ? "nonfirst" : "first");
	if ((p->flags & FG_PF_SIP) && p->cls == FG_CLASS_SIP &&
	    p->sip.kind != FG_SIP_NONE)
		print_sip(f, buf + p->pl_off, p->pl_len, &p->sip);
	fputs("}\n", f);
}

static int
parse_port_opt(struct fg_classify_cfg *cfg, const char *arg)
{
	static const char *const names[] = { "other", "mom", "sip", "sip-tls" };
	char cls[16], proto[8];
	unsigned int port;
	char extra;
	int c;

	if (sscanf(arg, "%15[^=]=%7[^/]/%u%c", cls, proto, &port, &extra) != 3) {
		fc_err("inspect", "--port '%s': expected CLASS=PROTO/PORT", arg);
		return -1;
	}
	for (c = 0; c < 4 && strcmp(names[c], cls) != 0; c++)
		;
	if (c == 4) {
		fc_err("inspect", "--port '%s': unknown class '%s' "
		       "(mom, sip, sip-tls, other)", arg, cls);
		return -1;
	}
	if (port == 0 || port > 65535) {
		fc_err("inspect", "--port '%s': port %u out of range 1-65535",
		       arg, port);
		return -1;
	}
	if ((strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) ||
	    fg_classify_cfg_port(cfg, proto[0] == 't' ? 6 : 17,
				 (uint16_t)port, (enum fg_class)c) != 0) {
		fc_err("inspect", "--port '%s': protocol '%s' not valid for "
		       "class %s (tcp or udp; sip-tls is tcp only)", arg, proto,
		       cls);
		return -1;
	}
	return 0;
}

static void
print_summary(const struct fg_parse_counters *c, unsigned long total)
{
	fprintf(stderr, "packets: %lu\n", total);
	for (unsigned int i = 0; i < FG_CLASS_COUNT; i++)
		if (c->cls[i])
			fprintf(stderr, "class %-10s %" PRIu64 "\n",
				fg_class_name(i), c->cls[i]);
	for (unsigned int i = 1; i < FG_R_COUNT; i++)
		if (c->reason[i])
			fprintf(stderr, "%-9s %-20s %" PRIu64 "\n",
				fg_reason_is_malformed(i) ? "malformed" : "note",
				fg_reason_name(i), c->reason[i]);
}

int
fc_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "no-default-ports", no_argument, NULL, 'N' },
		{ "summary", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char errbuf[PCAP_ERRBUF_SIZE];
	struct fg_parse_counters cnt;
	struct fg_classify_cfg *cfg;
	const char **ports = NULL;
	int nports = 0, summary = 0, no_defaults = 0, opt, ret = FC_EXIT_USAGE;
	struct pcap_pkthdr *hdr;
	const uint8_t *data;
	enum fg_link link;
	unsigned long n = 0;
	pcap_t *pc = NULL;
	struct fg_pkt pkt;
	int rc;

	cfg = malloc(sizeof(*cfg));
	ports = calloc((size_t)argc, sizeof(*ports));
	if (cfg == NULL || ports == NULL) {
		fc_err("inspect", "out of memory");
		ret = FC_EXIT_FAIL;
		goto free_cfg;
	}
	fg_classify_cfg_default(cfg);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			ports[nports++] = optarg;
			break;
		case 'N':
			no_defaults = 1;
			break;
		case 's':
			summary = 1;
			break;
		default:
			fputs(fc_inspect_usage, stderr);
			goto free_cfg;
		}
	}
	if (no_defaults) {
		memset(cfg->tcp, 0, sizeof(cfg->tcp));
		memset(cfg->udp, 0, sizeof(cfg->udp));
	}
	for (int i = 0; i < nports; i++)
		if (parse_port_opt(cfg, ports[i]) != 0)
			goto free_cfg;
	if (optind != argc - 1) {
		fc_err("inspect", optind == argc ? "missing FILE" :
		       "one FILE expected, got %d", argc - optind);
		fputs(fc_inspect_usage, stderr);
		goto free_cfg;
	}

	ret = FC_EXIT_FAIL;
	pc = pcap_open_offline(argv[optind], errbuf);
	if (pc == NULL) {
		/* libpcap names the file in some messages, not in others */
		if (strstr(errbuf, argv[optind]) != NULL)
			fc_err("inspect", "%s", errbuf);
		else
			fc_err("inspect", "%s: %s", argv[optind], errbuf);
		goto free_cfg;
	}
	link = fg_link_of_dlt(pcap_datalink(pc));
	if (link == FG_LINK_COUNT) {
		fc_err("inspect", "%s: unsupported link type %d (%s)",
		       argv[optind], pcap_datalink(pc),
		       pcap_datalink_val_to_name(pcap_datalink(pc)) ?: "?");
		goto close_pcap;
	}
	memset(&cnt, 0, sizeof(cnt));
	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
		fg_parse(cfg, link, data, hdr->caplen, &pkt);
		fg_parse_count(&cnt, &pkt);
		print_pkt(stdout, ++n, hdr, data, &pkt);
	}
	if (rc == PCAP_ERROR) {
		fc_err("inspect", "%s: after packet %lu: %s", argv[optind], n,
		       pcap_geterr(pc));
		goto close_pcap;
	}
	if (fflush(stdout) != 0) {
		fc_err("inspect", "writing output: %s", strerror(errno));
		goto close_pcap;
	}
	if (summary)
		print_summary(&cnt, n);
	ret = FC_EXIT_OK;
close_pcap:
	pcap_close(pc);
free_cfg:
	free(ports);
	free(cfg);
	return ret;
}
