/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_PARSE_H
#define FG_PARSE_H

/**
 * @file
 * Packet classifier: Ethernet/VLAN/QinQ, IPv4 (options, fragments), IPv6
 * (extension-header chains), TCP, UDP, and for SIP the message itself.
 *
 * Pure C, no DPDK: the data plane, floodctl, the tests, the fuzzers and the
 * offline replay all call exactly this code. Every input gets a class and,
 * when something is wrong or noteworthy, a reason (fg_reason.h). Nothing
 * here allocates, reads a clock or loops without a fixed bound.
 */

#include <stdbool.h>
#include <stdint.h>

#include "fg_reason.h"
#include "fg_sip.h"

/** Traffic classes; names in fg_class_name(). */
enum fg_class {
	FG_CLASS_OTHER = 0,   /**< not protected: passes untouched by default */
	FG_CLASS_MOM,         /**< agent events, TCP/UDP 1270 */
	FG_CLASS_SIP,         /**< SIP, UDP/TCP 5060: payload inspected */
	FG_CLASS_SIP_TLS,     /**< SIP over TLS, TCP 5061: L4 only */
	FG_CLASS_MALFORMED,   /**< see fg_pkt.reason */
	FG_CLASS_COUNT
};

/** Packet flags (fg_pkt.flags). */
#define FG_PF_FRAG          0x0001 /**< IPv4/IPv6 fragment (first or not) */
#define FG_PF_FRAG_NONFIRST 0x0002 /**< fragment without L4 header */
#define FG_PF_IP_OPTS       0x0004 /**< IPv4 options present */
#define FG_PF_IP6_EXT       0x0008 /**< IPv6 extension headers present */
#define FG_PF_BY_SPORT      0x0010 /**< class matched the source port */
#define FG_PF_L4            0x0020 /**< sport/dport/l4_off are valid */
#define FG_PF_SIP           0x0040 /**< fg_pkt.sip was filled */

/** TCP flag bits as on the wire (fg_pkt.tcp_flags). */
#define FG_TCP_FIN 0x01
#define FG_TCP_SYN 0x02
#define FG_TCP_RST 0x04
#define FG_TCP_PSH 0x08
#define FG_TCP_ACK 0x10
#define FG_TCP_URG 0x20

/**
 * What the classifier saw. Offsets are from the start of the buffer given
 * to fg_parse_*(); addresses are IPv6, IPv4 ones mapped (::ffff:a.b.c.d) so
 * one 16-byte key serves both families.
 */
struct fg_pkt {
	uint8_t cls;        /**< enum fg_class */
	uint8_t reason;     /**< enum fg_reason; FG_R_OK when nothing to say */
	uint8_t port_cls;   /**< class the ports alone give (also when malformed) */
	uint8_t ipv;        /**< 4, 6, or 0 when not IP */
	uint8_t l4;         /**< IP protocol of the payload (6, 17, ...) */
	uint8_t vlans;      /**< VLAN tags seen (0..2) */
	uint8_t tcp_flags;  /**< FG_TCP_* */
	uint8_t pad0;
	uint16_t flags;     /**< FG_PF_* */
	uint16_t ethertype; /**< innermost, host order */
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t pl_off;    /**< L4 payload */
	uint16_t pl_len;
	uint16_t sport;     /**< host order */
	uint16_t dport;     /**< host order */
	uint16_t ip_len;    /**< L3 bytes per the IP header (padding excluded) */
	uint16_t pad1;
	uint8_t src[16];
	uint8_t dst[16];
	struct fg_sip sip;  /**< valid when flags & FG_PF_SIP */
};

/**
 * Which ports make which class. Two byte tables (one per L4 protocol)
 * indexed by port: one load per port, any set of ports per class.
 */
struct fg_classify_cfg {
	uint8_t tcp[65536]; /**< enum fg_class by TCP port */
	uint8_t udp[65536]; /**< enum fg_class by UDP port */
	struct fg_sip_limits sip;
};

/** Link-layer framing of a buffer handed to fg_parse(). */
enum fg_link {
	FG_LINK_ETH = 0,  /**< Ethernet II (VLAN/QinQ allowed) */
	FG_LINK_RAW,      /**< bare IPv4 or IPv6, version nibble decides */
	FG_LINK_SLL,      /**< Linux cooked capture v1 */
	FG_LINK_SLL2,     /**< Linux cooked capture v2 */
	FG_LINK_NULL,     /**< BSD loopback: 4-byte host-order family */
	FG_LINK_COUNT
};

#define FG_IPPROTO_TCP 6     /**< IP protocol numbers of fg_pkt.l4 */
#define FG_IPPROTO_UDP 17
#define FG_DLT_EN10MB  1     /**< libpcap's (and pcap files') Ethernet link type */

/**
 * The framing of a libpcap DLT_ value (pcap_datalink()): 1 Ethernet,
 * 12/14/101/228/229 raw IP, 113 Linux cooked, 276 cooked v2, 0/108
 * loopback. @return FG_LINK_COUNT for any other.
 */
enum fg_link fg_link_of_dlt(int dlt);

/** Default ports: mom 1270 TCP+UDP, sip 5060 TCP+UDP, sip-tls 5061 TCP. */
void fg_classify_cfg_default(struct fg_classify_cfg *cfg);

/** Set the class of one port (proto FG_IPPROTO_TCP or _UDP). Returns 0 or -EINVAL. */
int fg_classify_cfg_port(struct fg_classify_cfg *cfg, uint8_t proto,
			 uint16_t port, enum fg_class cls);

/**
 * Classify one Ethernet frame: the data plane's entry point.
 * @return out->cls. @p out is fully written whatever the input.
 */
enum fg_class fg_parse_eth(const struct fg_classify_cfg *cfg,
			   const uint8_t *frame, uint32_t len,
			   struct fg_pkt *out);

/** Classify a buffer with the given framing (captures: floodctl inspect). */
enum fg_class fg_parse(const struct fg_classify_cfg *cfg, enum fg_link link,
		       const uint8_t *buf, uint32_t len, struct fg_pkt *out);

/** "mom", "sip", "sip-tls", "other", "malformed". */
const char *fg_class_name(unsigned int cls);

/** Per-class and per-reason counts, summed by whoever reads them. */
struct fg_parse_counters {
	uint64_t cls[FG_CLASS_COUNT];
	uint64_t reason[FG_R_COUNT];
};

static inline void
fg_parse_count(struct fg_parse_counters *c, const struct fg_pkt *p)
{
	c->cls[p->cls]++;
	c->reason[p->reason]++;
}

#endif /* FG_PARSE_H */
