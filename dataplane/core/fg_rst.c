/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP resets for a blocked source; see fg_rst.h. */
#include <string.h>

#include "fg_rst.h"

static inline uint32_t
rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline void
wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *b, uint32_t v)
{
	wr16(b, (uint16_t)(v >> 16));
	wr16(b + 2, (uint16_t)v);
}

/* One's-complement sum of @p n bytes (big-endian 16-bit words), unfolded. */
static uint32_t
sum16(const uint8_t *b, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static inline uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * One reset into @p f: link header @p l2 (@p l2len bytes, MACs swapped
 * when @p swap), IP from @p sa to @p da (4 or 16 bytes each), ports, seq,
 * ack and flags. @return the frame's length.
 */
static size_t
build(uint8_t *f, const uint8_t *l2, size_t l2len, int swap, int ipv,
      const uint8_t *sa, const uint8_t *da, uint16_t sp, uint16_t dp,
      uint32_t seq, uint32_t ack, uint8_t flags)
{
	size_t al = ipv == 4 ? 4 : 16, il = ipv == 4 ? 20 : 40;
	uint8_t *ip = f + l2len, *th = ip + il;
	uint32_t s;

	memcpy(f, l2, l2len);
	if (swap) {
		memcpy(f, l2 + 6, 6);
		memcpy(f + 6, l2, 6);
	}
	memset(ip, 0, il + 20);
	if (ipv == 4) {
		ip[0] = 0x45;
		wr16(ip + 2, 40);
		wr16(ip + 6, 0x4000);           /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, sa, 4);
		memcpy(ip + 16, da, 4);
		wr16(ip + 10, fold(sum16(ip, 20, 0)));
	} else {
		ip[0] = 0x60;
		wr16(ip + 4, 20);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, sa, 16);
		memcpy(ip + 24, da, 16);
	}
	wr16(th, sp);
	wr16(th + 2, dp);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = 5 << 4;
	th[13] = flags;
	/* pseudo-header: addresses, protocol, TCP length */
	s = sum16(sa, al, 0);
	s = sum16(da, al, s);
	s += 6 + 20;
	wr16(th + 16, fold(sum16(th, 20, s)));
	return l2len + il + 20;
}

size_t
fg_rst_build(const uint8_t *frame, size_t len, const struct fg_pkt *p,
	     uint8_t to_server[FG_RST_FRAME_MAX], size_t *server_len,
	     uint8_t to_client[FG_RST_FRAME_MAX])
{
	const uint8_t *th = frame + p->l4_off;
	const uint8_t *sa, *da;
	uint32_t seq, ack, seglen;
	size_t n;

	*server_len = 0;
	if (p->l4 != FG_IPPROTO_TCP || (p->ipv != 4 && p->ipv != 6) ||
	    (p->tcp_flags & FG_TCP_RST) ||
	    p->l3_off < 14 || p->l3_off > 14 + 8 || (size_t)p->l4_off + 20 > len)
		return 0;
	/* the parse gives IPv4 as mapped: its last 4 bytes */
	sa = p->ipv == 4 ? p->src + 12 : p->src;
	da = p->ipv == 4 ? p->dst + 12 : p->dst;
	seq = rd32(th + 4);
	ack = rd32(th + 8);
	seglen = p->pl_len + !!(p->tcp_flags & FG_TCP_SYN) + !!(p->tcp_flags & FG_TCP_FIN);
	if (p->tcp_flags & FG_TCP_ACK)
		n = build(to_client, frame, p->l3_off, 1, p->ipv, da, sa, p->dport, p->sport,
			  ack, 0, FG_TCP_RST);
	else
		n = build(to_client, frame, p->l3_off, 1, p->ipv, da, sa, p->dport, p->sport,
			  0, seq + seglen, FG_TCP_RST | FG_TCP_ACK);
	if (p->tcp_flags & FG_TCP_ACK)
		*server_len = build(to_server, frame, p->l3_off, 0, p->ipv, sa, da, p->sport,
				    p->dport, seq, 0, FG_TCP_RST);
	return n;
}
