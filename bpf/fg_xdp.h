/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_XDP_H
#define FG_XDP_H

/**
 * @file
 * What the XDP program (fg_xdp.bpf.c) and userspace (floodctl xdp, the
 * loader) share: map names, key and value layouts, verdict reasons.
 * Fixed-width types only; included by both sides, never copied.
 */

#ifdef __BPF__
#include <linux/types.h>
typedef __u8 fg_u8;
typedef __u32 fg_u32;
typedef __u64 fg_u64;
#else
#include <stdint.h>
typedef uint8_t fg_u8;
typedef uint32_t fg_u32;
typedef uint64_t fg_u64;
#endif

/* Port classes: the values of enum fg_class (fg_parse.h), asserted there. */
#define FG_XDP_CLASS_OTHER   0
#define FG_XDP_CLASS_MOM     1
#define FG_XDP_CLASS_SIP     2
#define FG_XDP_CLASS_SIP_TLS 3

/* fg_xdp_ports: key = port (TCP) or 65536 + port (UDP), value = class */
#define FG_XDP_PORTS_MAX     131072
#define FG_XDP_PORT_UDP      65536

/* fg_xdp_block4 / fg_xdp_block6: LPM tries of blocked sources, one per
 * family (a 4-byte key walks the IPv4 trie faster than a mapped one) */
struct fg_xdp_lpm4 {
	fg_u32 prefixlen;
	fg_u8 addr[4];
};

struct fg_xdp_lpm6 {
	fg_u32 prefixlen;
	fg_u8 addr[16];
};
#define FG_XDP_BLOCK_MAX     (1u << 21)

/* fg_xdp_protect4 / fg_xdp_protect6: the protected servers' prefixes
 * (same key layouts); used when fg_xdp_conf's protect_on is set: only
 * packets to them are redirected, as host mode's [protect] prefixes */
#define FG_XDP_PROTECT_MAX   4096

/* fg_xdp_conf: one entry */
struct fg_xdp_conf {
	fg_u32 protect_on;
};

#define FG_XDP_XSKS_MAX      64    /**< xsks_map: AF_XDP sockets, by RX queue */

/* X(ID, "name", action): every run counts one reason (fg_xdp_stats) */
#define FG_XDP_REASONS(X) \
	X(PASS_OTHER, "pass-other", pass)          /* not protected */ \
	X(PASS_DST, "pass-dst", pass)              /* protected port, not to a protected prefix */ \
	X(PASS_NOT_IP, "pass-not-ip", pass)        /* ARP and the rest */ \
	X(PASS_MALFORMED, "pass-malformed", pass)  /* broken before its ports: the core passes it too */ \
	X(PASS_FRAG, "pass-frag", pass)            /* a fragment without the L4 header */ \
	X(REDIRECT_MOM, "redirect-mom", redirect)  /* to the data plane */ \
	X(REDIRECT_SIP, "redirect-sip", redirect) \
	X(REDIRECT_SIP_TLS, "redirect-sip-tls", redirect) \
	X(DROP_BLOCKED, "drop-blocked", drop)      /* the source is blocked */

#define FG_XDP_R_ENUM_(id, name, act) FG_XDP_R_##id,
enum fg_xdp_reason {
	FG_XDP_REASONS(FG_XDP_R_ENUM_)
	FG_XDP_R_COUNT
};
#undef FG_XDP_R_ENUM_

#endif /* FG_XDP_H */
