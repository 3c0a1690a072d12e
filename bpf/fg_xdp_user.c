/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP program's maps from userspace (fg_xdp_user.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <bpf/bpf.h>

#include "fg_xdp.h"
#include "fg_xdp_user.h"

/* Add (@p add) or delete @p p: IPv4-mapped prefixes in the 4-byte trie
 * @p fd4, the rest in the IPv6 one. @return 0 or -errno. */
static int
prefix_op(int fd4, int fd6, const struct fg_prefix *p, bool add)
{
	static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };
	struct fg_xdp_lpm4 k4;
	struct fg_xdp_lpm6 k6;
	const void *k;
	uint8_t one = 1;
	int fd, rc;

	if (p->len >= 96 && memcmp(p->addr, v4map, 12) == 0) {
		k4 = (struct fg_xdp_lpm4){ .prefixlen = p->len - 96u };
		memcpy(k4.addr, p->addr + 12, 4);
		k = &k4;
		fd = fd4;
	} else {
		k6 = (struct fg_xdp_lpm6){ .prefixlen = p->len };
		memcpy(k6.addr, p->addr, 16);
		k = &k6;
		fd = fd6;
	}
	rc = add ? bpf_map_update_elem(fd, k, &one, BPF_ANY) : bpf_map_delete_elem(fd, k);
	return rc != 0 ? -errno : 0;
}

int
fg_xdp_add_prefix(int fd4, int fd6, const struct fg_prefix *p)
{
	return prefix_op(fd4, fd6, p, true);
}

int
fg_xdp_del_prefix(int fd4, int fd6, const struct fg_prefix *p)
{
	return prefix_op(fd4, fd6, p, false);
}

int
fg_xdp_fill_ports(int fd, const uint8_t *tcp, const uint8_t *udp)
{
	for (uint32_t p = 0; p < 65536; p++) {
		uint32_t kt = p, ku = FG_XDP_PORT_UDP + p;

		if (bpf_map_update_elem(fd, &kt, &tcp[p], BPF_ANY) != 0 ||
		    bpf_map_update_elem(fd, &ku, &udp[p], BPF_ANY) != 0)
			return -errno;
	}
	return 0;
}

int
fg_xdp_set_protect(int conf_fd, int fd4, int fd6, const struct fg_prefix *p, uint32_t n)
{
	struct fg_xdp_conf c = { .protect_on = n != 0 };
	uint32_t zero = 0;

	for (uint32_t i = 0; i < n; i++) {
		int rc = fg_xdp_add_prefix(fd4, fd6, &p[i]);

		if (rc != 0)
			return rc;
	}
	return bpf_map_update_elem(conf_fd, &zero, &c, BPF_ANY) != 0 ? -errno : 0;
}
