/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_RST_H
#define FG_RST_H

/**
 * @file
 * TCP resets for a blocked source (inline mode, `[dataplane]
 * rst_on_block`): from one of its segments, the reset its server should
 * get (the source's addresses and ports, sequence number = the
 * segment's, which the server expects next since the segment was
 * dropped) and the reset the source should get (addresses swapped,
 * built as RFC 793 answers a segment for no connection: sequence number
 * = the segment's ACK, or when it has none, RST|ACK acknowledging it).
 * Frames are the segment's link header (MACs swapped for the source's
 * reset, VLAN tags kept), a fresh IPv4 or IPv6 header and a 20-byte TCP
 * header, checksums filled in. No connection table: every segment a
 * blocked source sends gets its pair, so each connection it speaks on
 * while blocked is reset (the caller caps the rate).
 */

#include <stddef.h>
#include <stdint.h>

#include "fg_parse.h"

/** Longest frame fg_rst_build() writes: Ethernet, 2 VLAN tags, IPv6, TCP. */
#define FG_RST_FRAME_MAX (14 + 8 + 40 + 20)

/**
 * Build the two resets for @p frame (@p len bytes, Ethernet, as fg_parse()
 * parsed it into @p p). @p to_server gets nothing (0 is returned in
 * *server_len) when the segment is a SYN without ACK: the server never
 * saw the connection.
 * @return the length of @p to_client's frame, also *server_len's when
 * not 0; 0 when @p p is no TCP segment over IP, carries RST, or @p frame
 * is shorter than its headers.
 */
size_t fg_rst_build(const uint8_t *frame, size_t len, const struct fg_pkt *p,
		    uint8_t to_server[FG_RST_FRAME_MAX], size_t *server_len,
		    uint8_t to_client[FG_RST_FRAME_MAX]);

#endif /* FG_RST_H */
