/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef FG_XDP_USER_H
#define FG_XDP_USER_H

/**
 * @file
 * Userspace helpers for the XDP program's maps, shared by floodctl xdp
 * and the data plane (libbpf).
 */

#include <stdint.h>

#include "fg_prefix.h"

/** Put @p p into the IPv4 trie @p fd4 (IPv4-mapped prefixes) or the IPv6
 * trie @p fd6. @return 0 or -errno. */
int fg_xdp_add_prefix(int fd4, int fd6, const struct fg_prefix *p);

/** Take @p p out of the trie fg_xdp_add_prefix() put it in. @return 0 or -errno. */
int fg_xdp_del_prefix(int fd4, int fd6, const struct fg_prefix *p);

/** Fill the ports map @p fd from two class tables (TCP, UDP) of 65536. */
int fg_xdp_fill_ports(int fd, const uint8_t *tcp, const uint8_t *udp);

/** Protected prefixes on: redirect only what goes to them. */
int fg_xdp_set_protect(int conf_fd, int fd4, int fd6, const struct fg_prefix *p,
		       uint32_t n);

#endif /* FG_XDP_USER_H */
