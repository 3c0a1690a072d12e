/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * xdpgen: a flood generator for the namespace test bed. The kernel sends
 * the frames itself: BPF_PROG_TEST_RUN in live-frames mode (Linux 5.18+,
 * what xdp-tools' xdp-trafficgen uses) runs a tiny XDP program that
 * redirects each copy of the frame out of IFACE, stepping the IPv4 source
 * through SOURCES addresses. No socket, no copy from user space: one CPU
 * offers several million packets/s to a veth (~4x dpdk-testpmd over
 * net_af_packet on the same CPU). The veth's peer needs GRO on (or an
 * XDP program) to take redirected frames, or the kernel drops them.
 *
 * Usage: xdpgen IFACE PCAP PPS SECONDS SOURCES
 *   PCAP     the frame: the first one of a classic pcap file (Ethernet,
 *            IPv4; its source address is the first of SOURCES)
 *   PPS      packets/s, paced in chunks a few hundred microseconds apart;
 *            0: as fast as the CPU goes
 *   SOURCES  1-65536 (the source's low 16 bits must not wrap)
 * Prints "sent=N seconds=S pps=R": what the program ran, which the
 * kernel may still drop at the veth (read the veth's counters).
 */
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpgen.skel.h"

#define CHUNK 65536u

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
num(const char *what, const char *s, double max, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || *v < 0 || *v > max) {
		fprintf(stderr, "xdpgen: %s: '%s' is not a number from 0 to %.0f\n", what, s, max);
		return -1;
	}
	return 0;
}

/* The first frame of the pcap at @p path into @p buf; its length or -1. */
static long
first_frame(const char *path, unsigned char *buf, size_t size)
{
	unsigned char gh[24], rh[16];
	uint32_t magic, len;
	FILE *f = fopen(path, "rb");
	long r = -1;

	if (f == NULL) {
		fprintf(stderr, "xdpgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fread(gh, 1, sizeof(gh), f) != sizeof(gh) || fread(rh, 1, sizeof(rh), f) != sizeof(rh)) {
		fprintf(stderr, "xdpgen: %s: no frame in it\n", path);
		goto out;
	}
	memcpy(&magic, gh, 4);
	memcpy(&len, rh + 8, 4);
	if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
		fprintf(stderr, "xdpgen: %s: not a little-endian classic pcap\n", path);
		goto out;
	}
	if (len < 14 + 20 || len > size || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "xdpgen: %s: first frame of %u bytes: want 34 to %zu\n",
			path, len, size);
		goto out;
	}
	if (buf[12] != 0x08 || buf[13] != 0x00 || (buf[14] >> 4) != 4) {
		fprintf(stderr, "xdpgen: %s: first frame is not Ethernet + IPv4\n", path);
		goto out;
	}
	r = len;
out:
	fclose(f);
	return r;
}

int
main(int argc, char **argv)
{
	unsigned char frame[2048];
	double pps, secs, nsrc, t0, t;
	unsigned long long sent = 0;
	struct xdpgen *sk;
	unsigned int ifx;
	long len;
	int rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: xdpgen IFACE PCAP PPS SECONDS SOURCES\n");
		return 2;
	}
	if (num("PPS", argv[3], 1e9, &pps) || num("SECONDS", argv[4], 86400, &secs) ||
	    num("SOURCES", argv[5], 65536, &nsrc))
		return 2;
	if (nsrc < 1) {
		fprintf(stderr, "xdpgen: SOURCES: at least 1\n");
		return 2;
	}
	ifx = if_nametoindex(argv[1]);
	if (ifx == 0) {
		fprintf(stderr, "xdpgen: %s: no such interface here\n", argv[1]);
		return 2;
	}
	len = first_frame(argv[2], frame, sizeof(frame));
	if (len < 0)
		return 2;
	if ((unsigned int)(frame[28] << 8 | frame[29]) + (unsigned int)nsrc > 65536) {
		fprintf(stderr, "xdpgen: SOURCES: %.0f from the frame's source would wrap its "
			"low 16 bits\n", nsrc);
		return 2;
	}
	sk = xdpgen__open();
	if (sk == NULL) {
		fprintf(stderr, "xdpgen: open: %s\n", strerror(errno));
		return 1;
	}
	sk->rodata->out_ifindex = ifx;
	sk->rodata->nsrc = (uint32_t)nsrc;
	sk->rodata->base_lo = (uint16_t)(frame[28] << 8 | frame[29]);
	if (xdpgen__load(sk) != 0) {
		fprintf(stderr, "xdpgen: load: %s\n", strerror(errno));
		goto out;
	}
	t0 = now_s();
	while ((t = now_s() - t0) < secs) {
		unsigned long long want = pps > 0 ? (unsigned long long)(pps * t) + 1 : sent + CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (uint32_t)len,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (want <= sent) {
			struct timespec d = { 0, 100 * 1000 };

			nanosleep(&d, NULL);
			continue;
		}
		o.repeat = want - sent > CHUNK ? CHUNK : (uint32_t)(want - sent);
		if (bpf_prog_test_run_opts(bpf_program__fd(sk->progs.xdpgen), &o) != 0) {
			fprintf(stderr, "xdpgen: BPF_PROG_TEST_RUN (live frames, Linux 5.18+): %s\n",
				strerror(errno));
			goto out;
		}
		sent += o.repeat;
	}
	t = now_s() - t0;
	printf("sent=%llu seconds=%.3f pps=%.0f\n", sent, t, (double)sent / t);
	rc = 0;
out:
	xdpgen__destroy(sk);
	return rc;
}
