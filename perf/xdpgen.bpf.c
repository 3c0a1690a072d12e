// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * xdpgen's XDP program, run by BPF_PROG_TEST_RUN in live-frames mode: each
 * run sends the frame out of out_ifindex, the IPv4 source's low 16 bits
 * stepped through nsrc values from base_lo (header checksum updated,
 * RFC 1624). Only the generator's CPU runs it, so seq needs no atomics.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

volatile const __u32 out_ifindex;
volatile const __u32 nsrc;
volatile const __u16 base_lo;
__u64 seq;

SEC("xdp")
int xdpgen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);

	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	if (nsrc > 1) {
		__u16 *w = (__u16 *)&ip->saddr;
		__u16 old = w[1], new = bpf_htons((__u16)(base_lo + seq++ % nsrc));
		__u32 s = (__u16)~ip->check + (__u16)~old + new;

		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		w[1] = new;
		ip->check = (__u16)~s;
	}
	return bpf_redirect(out_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
