/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_FIXTURES_H
#define FG_FIXTURES_H

/**
 * @file
 * The packet fixture table: {name, how to build the bytes, what the
 * classifier must say}. Shared by the unit tests, fixtures-pcap (which
 * feeds floodctl inspect, tshark and the fuzz corpus), the XDP test-run
 * and perf. A fixture is a well-formed packet described by fx_spec plus
 * byte patches and a truncation that break it the way an attacker would.
 */

#include <stddef.h>
#include <stdint.h>

#define FX_MAX_PATCH 4
#define FX_BUF_MAX   4096

enum fx_region { FX_L2 = 0, FX_L3, FX_L4, FX_PL, FX_REGION_COUNT };

struct fx_patch {
	uint8_t region;     /**< enum fx_region the offset is relative to */
	uint16_t off;
	uint8_t len;        /**< 0: no patch */
	const char *bytes;
};

struct fx_spec {
	uint8_t vlans;          /**< tags to push (0..3) */
	uint8_t ipv;            /**< 4, 6, or 0 for a non-IP ethertype */
	uint16_t ethertype;     /**< when ipv == 0 */
	const char *src, *dst;  /**< NULL: 198.18.0.1 -> 198.18.1.1 / 2001:db8:: */
	uint16_t frag;          /**< IPv4 flags+offset field as on the wire */
	const char *ip4_opts;   /**< raw option bytes (multiple of 4) */
	uint8_t ip4_opts_len;
	uint8_t ip6_nh;         /**< IPv6 next header when ip6_ext is set */
	const char *ip6_ext;    /**< raw extension-header chain */
	uint16_t ip6_ext_len;
	uint8_t l4;             /**< 6, 17 or any protocol number */
	uint16_t sport, dport;  /**< 0: 40000 and 1270 */
	uint8_t tcp_flags;      /**< 0 for TCP means SYN */
	const char *payload;
	uint16_t plen;          /**< 0: strlen(payload) */
};

/** What the classifier must say; sip fields checked when sip_kind != 0. */
struct fx_expect {
	uint8_t cls;            /**< enum fg_class */
	uint8_t reason;         /**< enum fg_reason */
	uint8_t sip_kind;       /**< enum fg_sip_kind, 0: do not check SIP */
	uint16_t status;
	const char *method, *ruri, *from_host, *call_id, *cseq_method;
	uint32_t cseq;
	uint16_t headers, via;
};

struct fg_fixture {
	const char *name;
	struct fx_spec s;
	struct fx_patch patch[FX_MAX_PATCH];
	int trunc;              /**< >0: keep this many bytes of the frame */
	struct fx_expect e;
};

extern const struct fg_fixture fg_fixtures[];
extern const size_t fg_fixtures_count;

/**
 * Build a fixture's frame into @p buf (FX_BUF_MAX bytes).
 * @return the frame length; offsets of L3/L4/payload in @p offs if not NULL.
 */
size_t fx_build(const struct fg_fixture *fx, uint8_t *buf,
		uint16_t offs[FX_REGION_COUNT]);

/**
 * An Ethernet/IPv4/UDP frame from @p src to @p dst (4 bytes each, network
 * order) carrying @p len bytes of @p payload, checksums 0. @p buf needs
 * 42 + @p len bytes. @return the frame's length.
 */
size_t fx_udp4(uint8_t *buf, const uint8_t src[4], const uint8_t dst[4],
	       uint16_t sport, uint16_t dport, const void *payload, size_t len);

/** The Internet checksum: @p n bytes of @p p added to @p sum (16-bit
 * words), then folded and inverted (0: a region holding its checksum). */
uint32_t fx_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t fx_csum_fold(uint32_t sum);

#endif /* FG_FIXTURES_H */
