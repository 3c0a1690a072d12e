/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP program's maps from userspace (fg_xdp_user.h). */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "fg_xdp.h"
#include "fg_xdp_user.h"

int
fg_xdp_add_prefix(int fd4, int fd6, const struct fg_prefix *p)
{
	static const uint8_t v4map[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t one = 1;
	int rc;

	if (p->len >= 96 && memcmp(p->addr, v4map, 12) == 0) {
		struct fg_xdp_lpm4 k = { .prefixlen = p->len - 96u };

		memcpy(k.addr, p->addr + 12, 4);
		rc = bpf_map_update_elem(fd4, &k, &one, BPF_ANY);
	} else {
		struct fg_xdp_lpm6 k = { .prefixlen = p->len };

		memcpy(k.addr, p->addr, 16);
		rc = bpf_map_update_elem(fd6, &k, &one, BPF_ANY);
	}
	return rc != 0 ? -errno : 0;
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
