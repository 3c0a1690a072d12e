/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2-L4 classifier. One pass, front to back, every read preceded by a
 * bounds check against the end of what the headers say is there; the only
 * loops are the VLAN tags (max 2), IPv4 options (max 40 bytes) and IPv6
 * extension headers (max FG_IP6_MAX_EXT), so work per packet is bounded.
 */
#include <stddef.h>
#include <string.h>

#include "fg_parse.h"

#define ETH_HLEN        14
#define ETH_P_IPV4      0x0800
#define ETH_P_IPV6      0x86dd
#define ETH_P_8021Q     0x8100
#define ETH_P_8021AD    0x88a8
#define ETH_P_QINQ_OLD  0x9100
#define FG_MAX_VLANS    2

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ESP_      50
#define IPPROTO_AH_       51
#define IPPROTO_DSTOPTS_  60
#define IPPROTO_MH_       135
#define IPPROTO_HIP_      139
#define IPPROTO_SHIM6_    140

/* A longer chain than this is an evasion attempt, not a real packet. */
#define FG_IP6_MAX_EXT  8

static const char *const fg_class_names[FG_CLASS_COUNT] = {
	[FG_CLASS_OTHER] = "other",
	[FG_CLASS_MOM] = "mom",
	[FG_CLASS_SIP] = "sip",
	[FG_CLASS_SIP_TLS] = "sip-tls",
	[FG_CLASS_MALFORMED] = "malformed",
};

const char *
fg_class_name(unsigned int cls)
{
	return cls < FG_CLASS_COUNT ? fg_class_names[cls] : "?";
}

void
fg_classify_cfg_default(struct fg_classify_cfg *cfg)
{
	memset(cfg->tcp, FG_CLASS_OTHER, sizeof(cfg->tcp));
	memset(cfg->udp, FG_CLASS_OTHER, sizeof(cfg->udp));
	cfg->tcp[1270] = FG_CLASS_MOM;
	cfg->udp[1270] = FG_CLASS_MOM;
	cfg->tcp[5060] = FG_CLASS_SIP;
	cfg->udp[5060] = FG_CLASS_SIP;
	cfg->tcp[5061] = FG_CLASS_SIP_TLS;
	fg_sip_limits_default(&cfg->sip);
}

enum fg_link
fg_link_of_dlt(int dlt)
{
	switch (dlt) {
	case FG_DLT_EN10MB:
		return FG_LINK_ETH;
	case 12: case 14: case 101:     /* DLT_RAW (Linux, BSD), LINKTYPE_RAW */
	case 228: case 229:             /* DLT_IPV4, DLT_IPV6 */
		return FG_LINK_RAW;
	case 113:                       /* DLT_LINUX_SLL */
		return FG_LINK_SLL;
	case 276:                       /* DLT_LINUX_SLL2 */
		return FG_LINK_SLL2;
	case 0: case 108:               /* DLT_NULL, DLT_LOOP */
		return FG_LINK_NULL;
	default:
		return FG_LINK_COUNT;
	}
}

int
fg_classify_cfg_port(struct fg_classify_cfg *cfg, uint8_t proto, uint16_t port,
		     enum fg_class cls)
{
	if (cls == FG_CLASS_MALFORMED || cls >= FG_CLASS_COUNT)
		return -22;
	/* TLS payload cannot be inspected and is only carried over TCP. */
	if (proto == FG_IPPROTO_TCP)
		cfg->tcp[port] = (uint8_t)cls;
	else if (proto == FG_IPPROTO_UDP && cls != FG_CLASS_SIP_TLS)
		cfg->udp[port] = (uint8_t)cls;
	else
		return -22;
	return 0;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline enum fg_class
done(struct fg_pkt *out, enum fg_class cls, enum fg_reason r)
{
	out->reason = (uint8_t)r;
	out->cls = (uint8_t)(fg_reason_is_malformed(r) ? FG_CLASS_MALFORMED : cls);
	return (enum fg_class)out->cls;
}

static inline void
pkt_reset(struct fg_pkt *out)
{
	/* The SIP part is written by fg_sip_parse() only when it runs. */
	memset(out, 0, offsetof(struct fg_pkt, sip));
}

/*
 * The IPv4 path (parse_l3 -> parse_ip4 -> parse_l4) is forced inline into
 * fg_parse_eth(): three calls' prologues were a third of the instructions
 * of a 64-byte UDP frame. IPv6 stays out of line.
 *
 * TCP/UDP header at [off, end). frag_first: the L4 header is in a first
 * fragment, so a short header is the tiny-fragment attack (RFC 1858) and
 * the UDP length covers bytes that are not here.
 */
static inline __attribute__((always_inline)) enum fg_class
parse_l4(const struct fg_classify_cfg *cfg, const uint8_t *buf, uint32_t off,
	 uint32_t end, bool frag_first, enum fg_reason tiny, struct fg_pkt *out)
{
	const uint8_t *p = buf + off;
	uint32_t avail = end - off;
	const uint8_t *ports;
	enum fg_class cls;
	uint32_t hlen;

	out->l4_off = (uint16_t)off;
	if (out->l4 == FG_IPPROTO_TCP) {
		if (avail < 20)
			return done(out, 0, frag_first ? tiny : FG_R_TCP_TRUNCATED);
		ports = cfg->tcp;
	} else if (out->l4 == FG_IPPROTO_UDP) {
		if (avail < 8)
			return done(out, 0, frag_first ? tiny : FG_R_UDP_TRUNCATED);
		ports = cfg->udp;
	} else {
		out->pl_off = (uint16_t)off;
		out->pl_len = (uint16_t)avail;
		return done(out, FG_CLASS_OTHER,
			    frag_first ? FG_R_IP_FRAG_FIRST : FG_R_OK);
	}

	out->sport = rd16(p);
	out->dport = rd16(p + 2);
	out->flags |= FG_PF_L4;
	/* Towards the server first; a match on sport is a response. */
	cls = (enum fg_class)ports[out->dport];
	if (cls == FG_CLASS_OTHER) {
		cls = (enum fg_class)ports[out->sport];
		if (cls != FG_CLASS_OTHER)
			out->flags |= FG_PF_BY_SPORT;
	}
	out->port_cls = (uint8_t)cls;

	if (out->l4 == FG_IPPROTO_TCP) {
		uint8_t fl = p[13] & 0x3f;

		out->tcp_flags = fl;
		hlen = (uint32_t)(p[12] >> 4) * 4;
		if (hlen < 20)
			return done(out, cls, FG_R_TCP_DOFF_SHORT);
		if (hlen > avail)
			return done(out, cls, frag_first ? tiny : FG_R_TCP_DOFF_LONG);
		if ((fl & (FG_TCP_SYN | FG_TCP_FIN)) == (FG_TCP_SYN | FG_TCP_FIN))
			return done(out, cls, FG_R_TCP_SYN_FIN);
		if ((fl & (FG_TCP_SYN | FG_TCP_RST)) == (FG_TCP_SYN | FG_TCP_RST))
			return done(out, cls, FG_R_TCP_SYN_RST);
		if (fl == 0)
			return done(out, cls, FG_R_TCP_NULL_FLAGS);
		if ((fl & (FG_TCP_FIN | FG_TCP_ACK)) == FG_TCP_FIN)
			return done(out, cls, FG_R_TCP_FIN_NO_ACK);
		out->pl_len = (uint16_t)(avail - hlen);
	} else {
		uint32_t ulen = rd16(p + 4);

		hlen = 8;
		if (ulen < 8)
			return done(out, cls, FG_R_UDP_LEN_SHORT);
		if (frag_first) {
			out->pl_len = (uint16_t)(avail - 8);
		} else {
			if (ulen > avail)
				return done(out, cls, FG_R_UDP_LEN_LONG);
			out->pl_len = (uint16_t)(ulen - 8);
		}
	}
	out->pl_off = (uint16_t)(off + hlen);
	if (out->sport == 0 || out->dport == 0)
		return done(out, cls, FG_R_L4_PORT_ZERO);
	if (frag_first)
		return done(out, cls, FG_R_IP_FRAG_FIRST);

	if (cls == FG_CLASS_SIP) {
		unsigned int r;

		/* Bare TCP segments (handshake, ACKs) carry no message. */
		if (out->pl_len == 0 && out->l4 == FG_IPPROTO_TCP)
			return done(out, cls, FG_R_OK);
		r = fg_sip_parse(&cfg->sip, buf + out->pl_off, out->pl_len,
				 out->l4 == FG_IPPROTO_TCP, &out->sip);
		/* a stream segment: every message after the first too */
		if (__builtin_expect(out->sip.flags & FG_SIP_F_MORE, 0) && r == FG_R_OK)
			r = fg_sip_parse_rest(&cfg->sip, buf + out->pl_off, out->pl_len,
					      &out->sip);
		out->flags |= FG_PF_SIP;
		return done(out, cls, (enum fg_reason)r);
	}
	return done(out, cls, FG_R_OK);
}

static inline bool
is_loopback4(const uint8_t *a)
{
	return a[0] == 127;
}

static inline __attribute__((always_inline)) enum fg_class
parse_ip4(const struct fg_classify_cfg *cfg, const uint8_t *buf, uint32_t len,
	  uint32_t off, struct fg_pkt *out)
{
	const uint8_t *p = buf + off;
	uint32_t ihl, tot, fo, foff;

	out->l3_off = (uint16_t)off;
	if (len - off < 20)
		return done(out, 0, FG_R_IP4_TRUNCATED);
	if ((p[0] >> 4) != 4)
		return done(out, 0, FG_R_IP4_VERSION);
	ihl = (uint32_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return done(out, 0, FG_R_IP4_IHL);
	if (ihl > len - off)
		return done(out, 0, FG_R_IP4_HDR_TRUNCATED);
	tot = rd16(p + 2);
	if (tot < ihl)
		return done(out, 0, FG_R_IP4_TOTLEN_SHORT);
	if (tot > len - off)
		return done(out, 0, FG_R_IP4_TOTLEN_LONG);

	out->ipv = 4;
	out->ip_len = (uint16_t)tot;
	out->l4 = p[9];
	out->src[10] = out->src[11] = 0xff;
	out->dst[10] = out->dst[11] = 0xff;
	memcpy(out->src + 12, p + 12, 4);
	memcpy(out->dst + 12, p + 16, 4);

	if (ihl > 20) {
		uint32_t i = 20;

		out->flags |= FG_PF_IP_OPTS;
		while (i < ihl) {
			uint8_t t = p[i], ol;

			if (t == 0)             /* end of option list */
				break;
			if (t == 1) {           /* no-op */
				i++;
				continue;
			}
			if (i + 1 >= ihl)
				return done(out, 0, FG_R_IP4_OPT_BAD);
			ol = p[i + 1];
			if (ol < 2 || i + ol > ihl)
				return done(out, 0, FG_R_IP4_OPT_BAD);
			i += ol;
		}
	}
	/* Multicast, class E and broadcast are never a source. */
	if (p[12] >= 224)
		return done(out, 0, FG_R_IP4_SRC_INVALID);
	if (memcmp(p + 12, p + 16, 4) == 0 && !is_loopback4(p + 12))
		return done(out, 0, FG_R_IP_LAND);

	fo = rd16(p + 6);
	foff = (fo & 0x1fff) * 8;
	if (fo & 0x3fff) {                      /* MF or offset */
		out->flags |= FG_PF_FRAG;
		if (foff + (tot - ihl) > 65535)
			return done(out, 0, FG_R_IP4_FRAG_OVERSIZE);
		if (foff != 0) {
			out->flags |= FG_PF_FRAG_NONFIRST;
			/* Offset 8 rewrites the TCP flags of the first. */
			if (foff == 8 && out->l4 == FG_IPPROTO_TCP)
				return done(out, 0, FG_R_IP4_FRAG_TINY);
			out->pl_off = (uint16_t)(off + ihl);
			out->pl_len = (uint16_t)(tot - ihl);
			return done(out, FG_CLASS_OTHER, FG_R_IP4_FRAG_NONFIRST);
		}
	}
	return parse_l4(cfg, buf, off + ihl, off + tot, fo & 0x2000,
			FG_R_IP4_FRAG_TINY, out);
}

static enum fg_class
parse_ip6(const struct fg_classify_cfg *cfg, const uint8_t *buf, uint32_t len,
	  uint32_t off, struct fg_pkt *out)
{
	const uint8_t *p = buf + off;
	uint32_t cur, end, plen;
	bool frag_first = false;
	uint8_t nh;

	out->l3_off = (uint16_t)off;
	if (len - off < 40)
		return done(out, 0, FG_R_IP6_TRUNCATED);
	if ((p[0] >> 4) != 6)
		return done(out, 0, FG_R_IP6_VERSION);
	plen = rd16(p + 4);
	nh = p[6];
	/* Payload length 0 with a hop-by-hop header is a jumbogram. */
	if (plen == 0 && nh == IPPROTO_HOPOPTS_)
		return done(out, 0, FG_R_IP6_JUMBO);
	if (plen > len - off - 40)
		return done(out, 0, FG_R_IP6_PAYLEN_LONG);

	out->ipv = 6;
	out->ip_len = (uint16_t)(plen + 40);
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	if (p[8] == 0xff)
		return done(out, 0, FG_R_IP6_SRC_MULTICAST);
	if (memcmp(out->src, out->dst, 16) == 0 &&
	    !(out->src[15] == 1 && memcmp(out->src, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) == 0))
		return done(out, 0, FG_R_IP_LAND);

	cur = off + 40;
	end = cur + plen;
	for (unsigned int n = 0;; n++) {
		const uint8_t *h = buf + cur;
		uint32_t hl;

		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
		case 253:
		case 254:
			if (nh == IPPROTO_HOPOPTS_ && n != 0)
				return done(out, 0, FG_R_IP6_HBH_ORDER);
			if (end - cur < 8)
				return done(out, 0, FG_R_IP6_EXT_TRUNCATED);
			hl = ((uint32_t)h[1] + 1) * 8;
			if (nh == IPPROTO_ROUTING_ && h[2] == 0)
				return done(out, 0, FG_R_IP6_RH0);
			break;
		case IPPROTO_AH_:
			if (end - cur < 8)
				return done(out, 0, FG_R_IP6_EXT_TRUNCATED);
			hl = ((uint32_t)h[1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_: {
			uint32_t foff;

			if (end - cur < 8)
				return done(out, 0, FG_R_IP6_EXT_TRUNCATED);
			hl = 8;
			foff = (uint32_t)(rd16(h + 2) & 0xfff8);
			out->flags |= FG_PF_FRAG;
			if (foff + (end - cur - 8) > 65535)
				return done(out, 0, FG_R_IP6_FRAG_OVERSIZE);
			if (foff != 0) {
				out->flags |= FG_PF_FRAG_NONFIRST;
				out->l4 = h[0];
				out->pl_off = (uint16_t)(cur + 8);
				out->pl_len = (uint16_t)(end - cur - 8);
				return done(out, FG_CLASS_OTHER,
					    FG_R_IP6_FRAG_NONFIRST);
			}
			frag_first = (h[3] & 1) != 0;
			break;
		}
		case IPPROTO_ESP_:
			out->l4 = nh;
			out->pl_off = (uint16_t)cur;
			out->pl_len = (uint16_t)(end - cur);
			return done(out, FG_CLASS_OTHER, FG_R_IP6_ESP);
		default:
			out->l4 = nh;
			/* RFC 7112: the first fragment holds the whole chain. */
			return parse_l4(cfg, buf, cur, end, frag_first,
					FG_R_IP6_FRAG_TINY, out);
		}
		if (hl > end - cur)
			return done(out, 0, FG_R_IP6_EXT_TRUNCATED);
		if (n + 1 >= FG_IP6_MAX_EXT)
			return done(out, 0, FG_R_IP6_EXT_TOO_MANY);
		out->flags |= FG_PF_IP6_EXT;
		nh = h[0];
		cur += hl;
	}
}

static inline __attribute__((always_inline)) enum fg_class
parse_l3(const struct fg_classify_cfg *cfg, const uint8_t *buf, uint32_t len,
	 uint32_t off, uint16_t et, struct fg_pkt *out)
{
	out->ethertype = et;
	if (et == ETH_P_IPV4)
		return parse_ip4(cfg, buf, len, off, out);
	if (et == ETH_P_IPV6)
		return parse_ip6(cfg, buf, len, off, out);
	out->l3_off = (uint16_t)off;
	return done(out, FG_CLASS_OTHER, FG_R_OK);
}

enum fg_class
fg_parse_eth(const struct fg_classify_cfg *cfg, const uint8_t *frame,
	     uint32_t len, struct fg_pkt *out)
{
	uint32_t off = ETH_HLEN;
	uint16_t et;

	pkt_reset(out);
	/* Offsets are 16-bit; nothing we forward is longer. */
	if (len > 65535)
		len = 65535;
	if (len < ETH_HLEN)
		return done(out, 0, FG_R_ETH_TRUNCATED);
	et = rd16(frame + 12);
	while (et == ETH_P_8021Q || et == ETH_P_8021AD || et == ETH_P_QINQ_OLD) {
		if (out->vlans == FG_MAX_VLANS)
			return done(out, 0, FG_R_VLAN_TOO_MANY);
		if (len - off < 4)
			return done(out, 0, FG_R_VLAN_TRUNCATED);
		et = rd16(frame + off + 2);
		off += 4;
		out->vlans++;
	}
	return parse_l3(cfg, frame, len, off, et, out);
}

enum fg_class
fg_parse(const struct fg_classify_cfg *cfg, enum fg_link link,
	 const uint8_t *buf, uint32_t len, struct fg_pkt *out)
{
	uint32_t fam;

	if (link == FG_LINK_ETH)
		return fg_parse_eth(cfg, buf, len, out);
	pkt_reset(out);
	if (len > 65535)
		len = 65535;
	switch (link) {
	case FG_LINK_RAW:
		if (len < 1)
			return done(out, 0, FG_R_IP4_TRUNCATED);
		if ((buf[0] >> 4) == 6)
			return parse_l3(cfg, buf, len, 0, ETH_P_IPV6, out);
		return parse_l3(cfg, buf, len, 0, ETH_P_IPV4, out);
	case FG_LINK_SLL:
		if (len < 16)
			return done(out, 0, FG_R_ETH_TRUNCATED);
		return parse_l3(cfg, buf, len, 16, rd16(buf + 14), out);
	case FG_LINK_SLL2:
		if (len < 20)
			return done(out, 0, FG_R_ETH_TRUNCATED);
		return parse_l3(cfg, buf, len, 20, rd16(buf), out);
	case FG_LINK_NULL:
		if (len < 4)
			return done(out, 0, FG_R_ETH_TRUNCATED);
		/* Host byte order of the capturing machine: accept either. */
		fam = (uint32_t)buf[0] | (uint32_t)buf[3];
		if (fam == 2)
			return parse_l3(cfg, buf, len, 4, ETH_P_IPV4, out);
		if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
			return parse_l3(cfg, buf, len, 4, ETH_P_IPV6, out);
		out->l3_off = 4;
		return done(out, FG_CLASS_OTHER, FG_R_OK);
	default:
		return done(out, 0, FG_R_ETH_TRUNCATED);
	}
}
