// SPDX-License-Identifier: (BSD-3-Clause OR GPL-2.0)
/*
 * floodguard's XDP program: protected traffic (the port classes of
 * fg_xdp_ports) to the AF_XDP socket of its RX queue, packets from
 * blocked sources (fg_xdp_block) dropped, everything else to the kernel.
 * It finds the ports exactly where the core's classifier (fg_parse.c)
 * does, and gives up exactly where the core gives up before the ports:
 * what the core would call malformed without a port class, or a
 * non-first fragment, is passed, as the data plane would pass it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "fg_xdp.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* floodctl xdp test sets it: XDP_REDIRECT is returned without a socket */
const volatile __u32 fg_test_mode = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FG_XDP_PORTS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} fg_xdp_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FG_XDP_BLOCK_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fg_xdp_lpm4);
	__type(value, __u8);
} fg_xdp_block4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FG_XDP_BLOCK_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fg_xdp_lpm6);
	__type(value, __u8);
} fg_xdp_block6 SEC(".maps");

/* named as DPDK's net_af_xdp expects of an xdp_prog= program */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FG_XDP_PROTECT_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fg_xdp_lpm4);
	__type(value, __u8);
} fg_xdp_protect4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FG_XDP_PROTECT_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fg_xdp_lpm6);
	__type(value, __u8);
} fg_xdp_protect6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fg_xdp_conf);
} fg_xdp_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, FG_XDP_XSKS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FG_XDP_R_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} fg_xdp_stats SEC(".maps");


#define VLAN_8021Q  0x8100
#define VLAN_8021AD 0x88a8

struct pkt {
	void *data, *end;
	__u32 off;                 /* of the L3 header */
};

static __always_inline int
verdict(struct xdp_md *ctx, __u32 reason)
{
	__u64 *c = bpf_map_lookup_elem(&fg_xdp_stats, &reason);

	if (c)
		*c += 1;
	switch (reason) {
	case FG_XDP_R_DROP_BLOCKED:
		return XDP_DROP;
	case FG_XDP_R_REDIRECT_MOM:
	case FG_XDP_R_REDIRECT_SIP:
	case FG_XDP_R_REDIRECT_SIP_TLS:
		if (fg_test_mode)
			return XDP_REDIRECT;
		/* no socket on this queue: the kernel gets it */
		return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	default:
		return XDP_PASS;
	}
}


/* TCP/UDP header at l4 (within [l4, l4end)): the ports' class. */
/* XDP frames fit a page (no multi-buffer here): offsets stay below 4 KiB,
 * which is also what lets the verifier check the reads */
#define FG_XDP_OFF_MAX 0xfff

static __always_inline __u32
by_ports(struct pkt *p, __u8 proto, __u32 l4, __u32 l4end)
{
	__u32 need = proto == IPPROTO_TCP ? 20 : 8, key, base;
	__u8 *h, *cls;
	__u16 sport, dport;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return FG_XDP_R_PASS_OTHER;
	if (l4 > FG_XDP_OFF_MAX)
		return FG_XDP_R_PASS_MALFORMED;
	/* bounded for the verifier, which cannot see through the compare
	 * above once the compiler has moved it: an opaque mask */
	asm volatile("" : "+r"(l4));
	h = p->data + (l4 & FG_XDP_OFF_MAX);
	if (l4end < l4 + need || (void *)(h + 8) > p->end)
		return FG_XDP_R_PASS_MALFORMED;     /* truncated, or a tiny fragment */
	base = proto == IPPROTO_UDP ? FG_XDP_PORT_UDP : 0;
	sport = (__u16)(h[0] << 8 | h[1]);
	dport = (__u16)(h[2] << 8 | h[3]);
	key = base + dport;
	cls = bpf_map_lookup_elem(&fg_xdp_ports, &key);
	if (!cls || *cls == FG_XDP_CLASS_OTHER) {
		key = base + sport;
		cls = bpf_map_lookup_elem(&fg_xdp_ports, &key);
	}
	if (!cls)
		return FG_XDP_R_PASS_OTHER;
	switch (*cls) {
	case FG_XDP_CLASS_MOM:
		return FG_XDP_R_REDIRECT_MOM;
	case FG_XDP_CLASS_SIP:
		return FG_XDP_R_REDIRECT_SIP;
	case FG_XDP_CLASS_SIP_TLS:
		return FG_XDP_R_REDIRECT_SIP_TLS;
	default:
		return FG_XDP_R_PASS_OTHER;
	}
}

/* A redirect only for packets to the protected prefixes, when set. */
static __always_inline __u32
to_protected(__u32 reason, __u8 *dst, int len)
{
	__u32 zero = 0;
	struct fg_xdp_conf *c;

	if (reason != FG_XDP_R_REDIRECT_MOM && reason != FG_XDP_R_REDIRECT_SIP &&
	    reason != FG_XDP_R_REDIRECT_SIP_TLS)
		return reason;
	c = bpf_map_lookup_elem(&fg_xdp_conf, &zero);
	if (!c || !c->protect_on)
		return reason;
	if (len == 4) {
		struct fg_xdp_lpm4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, dst, 4);
		return bpf_map_lookup_elem(&fg_xdp_protect4, &k) ? reason : FG_XDP_R_PASS_DST;
	} else {
		struct fg_xdp_lpm6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, dst, 16);
		return bpf_map_lookup_elem(&fg_xdp_protect6, &k) ? reason : FG_XDP_R_PASS_DST;
	}
}

static __always_inline __u32
parse_ip4(struct pkt *p)
{
	__u8 *h = p->data + p->off;
	__u32 avail, ihl, tot, fo, foff, i;

	if ((void *)(h + 20) > p->end)
		return FG_XDP_R_PASS_MALFORMED;
	avail = (__u32)(p->end - (void *)h);
	if ((h[0] >> 4) != 4)
		return FG_XDP_R_PASS_MALFORMED;
	ihl = (__u32)(h[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > avail)
		return FG_XDP_R_PASS_MALFORMED;
	tot = (__u32)(h[2] << 8 | h[3]);
	if (tot < ihl || tot > avail)
		return FG_XDP_R_PASS_MALFORMED;
	{
		struct fg_xdp_lpm4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, h + 12, 4);
		if (bpf_map_lookup_elem(&fg_xdp_block4, &k))
			return FG_XDP_R_DROP_BLOCKED;
	}
	/* options: the core's checks, so that it gives up where the core does */
	for (i = 20; i < 60 && i < ihl;) {
		__u8 *o = h + (i & 0x3f), t, ol;

		if ((void *)(o + 1) > p->end)
			break;
		t = o[0];
		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= ihl || (void *)(o + 2) > p->end)
			return FG_XDP_R_PASS_MALFORMED;
		ol = o[1];
		if (ol < 2 || i + ol > ihl)
			return FG_XDP_R_PASS_MALFORMED;
		i += ol;
	}
	if (h[12] >= 224)
		return FG_XDP_R_PASS_MALFORMED;     /* a source never is */
	if (h[12] != 127 && h[12] == h[16] && h[13] == h[17] && h[14] == h[18] &&
	    h[15] == h[19])
		return FG_XDP_R_PASS_MALFORMED;     /* land */
	fo = (__u32)(h[6] << 8 | h[7]);
	foff = (fo & 0x1fff) * 8;
	if (fo & 0x3fff) {
		if (foff + (tot - ihl) > 65535)
			return FG_XDP_R_PASS_MALFORMED;
		if (foff != 0)
			return foff == 8 && h[9] == IPPROTO_TCP ? FG_XDP_R_PASS_MALFORMED
								: FG_XDP_R_PASS_FRAG;
	}
	return to_protected(by_ports(p, h[9], p->off + ihl, p->off + tot), h + 16, 4);
}

static __always_inline int
ext_header(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140 ||
	       nh == 253 || nh == 254;
}

static __always_inline __u32
parse_ip6(struct pkt *p)
{
	__u8 *h = p->data + p->off;
	__u32 plen, cur, end, n;
	__u8 nh;
	int i, same = 1;

	if ((void *)(h + 40) > p->end)
		return FG_XDP_R_PASS_MALFORMED;
	if ((h[0] >> 4) != 6)
		return FG_XDP_R_PASS_MALFORMED;
	plen = (__u32)(h[4] << 8 | h[5]);
	nh = h[6];
	if (plen == 0 && nh == 0)
		return FG_XDP_R_PASS_MALFORMED;     /* jumbogram */
	if (plen > (__u32)(p->end - (void *)h) - 40)
		return FG_XDP_R_PASS_MALFORMED;
	{
		struct fg_xdp_lpm6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, h + 8, 16);
		if (bpf_map_lookup_elem(&fg_xdp_block6, &k))
			return FG_XDP_R_DROP_BLOCKED;
	}
	if (h[8] == 0xff)
		return FG_XDP_R_PASS_MALFORMED;
	for (i = 0; i < 16; i++)
		same &= h[8 + i] == h[24 + i];
	if (same) {
		int loop = h[23] == 1;

		for (i = 0; i < 15; i++)
			loop &= h[8 + i] == 0;
		if (!loop)
			return FG_XDP_R_PASS_MALFORMED;
	}
	cur = p->off + 40;
	end = cur + plen;
	for (n = 0; n < 8; n++) {
		__u8 *e;
		__u32 hl;

		if (cur > FG_XDP_OFF_MAX)
			return FG_XDP_R_PASS_MALFORMED;
		asm volatile("" : "+r"(cur));
		e = p->data + (cur & FG_XDP_OFF_MAX);
		if (nh == 50)
			return FG_XDP_R_PASS_OTHER;          /* ESP: opaque */
		if (!ext_header(nh) && nh != 51 && nh != 44)
			return to_protected(by_ports(p, nh, cur, end), h + 24, 16);
		if (nh == 0 && n != 0)
			return FG_XDP_R_PASS_MALFORMED;
		if (end < cur + 8 || (void *)(e + 8) > p->end)
			return FG_XDP_R_PASS_MALFORMED;
		if (nh == 51) {
			hl = ((__u32)e[1] + 2) * 4;
		} else if (nh == 44) {
			__u32 foff = (__u32)((e[2] << 8 | e[3]) & 0xfff8);

			hl = 8;
			if (foff + (end - cur - 8) > 65535)
				return FG_XDP_R_PASS_MALFORMED;
			if (foff != 0)
				return FG_XDP_R_PASS_FRAG;
		} else {
			hl = ((__u32)e[1] + 1) * 8;
			if (nh == 43 && e[2] == 0)
				return FG_XDP_R_PASS_MALFORMED;  /* RH0 */
		}
		if (hl > end - cur)
			return FG_XDP_R_PASS_MALFORMED;
		if (n + 1 >= 8)
			return FG_XDP_R_PASS_MALFORMED;      /* too many */
		nh = e[0];
		cur += hl;
		if (cur > FG_XDP_OFF_MAX)
			return FG_XDP_R_PASS_MALFORMED;
	}
	return FG_XDP_R_PASS_MALFORMED;
}

SEC("xdp")
int fg_xdp(struct xdp_md *ctx)
{
	struct pkt p = {
		.data = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
		.off = 14,
	};
	struct ethhdr *eth = p.data;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > p.end)
		return verdict(ctx, FG_XDP_R_PASS_MALFORMED);
	proto = bpf_ntohs(eth->h_proto);
	for (i = 0; i < 3; i++) {
		__u8 *v = p.data + p.off;

		if (proto != VLAN_8021Q && proto != VLAN_8021AD)
			break;
		if (i == 2 || (void *)(v + 4) > p.end)
			return verdict(ctx, FG_XDP_R_PASS_MALFORMED);
		proto = (__u16)(v[2] << 8 | v[3]);
		p.off += 4;
	}
	if (proto == ETH_P_IP)
		return verdict(ctx, parse_ip4(&p));
	if (proto == ETH_P_IPV6)
		return verdict(ctx, parse_ip6(&p));
	return verdict(ctx, FG_XDP_R_PASS_NOT_IP);
}
