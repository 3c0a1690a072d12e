/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A net_af_xdp port started with xdp_prog=bpf/fg_xdp.bpf.o runs our XDP
 * program, loaded by the PMD: its maps start empty. Find them through the
 * program attached to the port's interface and fill them from the
 * configuration (the protected ports and prefixes); the list thread
 * (fg_listd.c) then keeps the block tries equal to the block list
 * (fg_xdp_block_all, fg_xdp_block_prefix; out of them while [lists]
 * monitor = 1, fg_xdp_sync) and adds the sources the data plane
 * flood-blocks (fg_xdp_sync). Only that thread changes the tries.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <rte_ethdev.h>

#include "fg_dp.h"
#include "fg_xdp.h"
#include "fg_xdp_user.h"

/*
 * The block tries of the XDP programs we filled, kept open so that the
 * main lcore can add the sources the data plane blocks (flood-blocked)
 * and take them out when their penalty ends.
 */
#define FG_XDP_PROGS_MAX 4
#define FG_XDP_PUSHED_MAX 65536

static struct {
	int fd4, fd6;
} xdp_progs[FG_XDP_PROGS_MAX];
static unsigned int nxdp_progs;

static struct {
	struct fg_prefix p;
	uint64_t until;             /**< block end of the entry (ns, table epoch) */
	uint32_t cls;               /**< the class that blocked it */
	bool seen;                  /**< still blocked at this sync's walk */
} pushed[FG_XDP_PUSHED_MAX];
static unsigned int npushed;
static uint64_t xdp_pushed_total, xdp_push_full;

/* pushed[] by address (index + 1; 0: free), rebuilt at each sync: the walk
 * meets every blocked entry once a second, a scan of pushed[] for each
 * would be quadratic in a flood */
#define FG_XDP_PUSHED_SLOTS (2 * FG_XDP_PUSHED_MAX)
static uint32_t pushed_idx[FG_XDP_PUSHED_SLOTS];

static uint32_t *
idx_slot(const uint8_t addr[16])
{
	uint64_t a0, a1, h;
	uint32_t i;

	memcpy(&a0, addr, 8);
	memcpy(&a1, addr + 8, 8);
	h = (a0 * 0x9e3779b97f4a7c15ull ^ a1) * 0xff51afd7ed558ccdull;
	for (i = (uint32_t)(h >> 32) % FG_XDP_PUSHED_SLOTS;; i = (i + 1) % FG_XDP_PUSHED_SLOTS)
		if (pushed_idx[i] == 0 ||
		    memcmp(pushed[pushed_idx[i] - 1].p.addr, addr, 16) == 0)
			return &pushed_idx[i];
}

static void
tries(const struct fg_prefix *p, bool add)
{
	for (unsigned int k = 0; k < nxdp_progs; k++) {
		int rc = add ? fg_xdp_add_prefix(xdp_progs[k].fd4, xdp_progs[k].fd6, p) :
			       fg_xdp_del_prefix(xdp_progs[k].fd4, xdp_progs[k].fd6, p);

		if (rc != 0 && rc != -ENOENT)
			FG_LOG(WARNING, "XDP block trie %s (errno=%i): %s", add ? "add" : "del",
			       -rc, strerror(-rc));
	}
}

/* Whether the data plane would pass the packets a rule of class @p cls
 * drops as @p v (monitor mode): then the kernel must not drop them either. */
static bool
monitored(const struct fg_dp *dp, unsigned int cls, unsigned int v)
{
	uint8_t on[FG_MON_COUNT];

	for (unsigned int m = 0; m < FG_MON_COUNT; m++)
		on[m] = __atomic_load_n(&dp->cfg->monitor[m], __ATOMIC_RELAXED);
	return (fg_mon_mask(on, cls) >> v) & 1;
}

/* Whether @p p is on the block list itself (and it drops in the kernel). */
static bool
on_block_list(const struct fg_dp *dp, const struct fg_prefix *p)
{
	return fg_pfxset_get(dp->pfx, FG_PFX_LIST_BLOCK, p, NULL) == 1 &&
	       !monitored(dp, FG_CLASS_MOM, FG_V_BLOCKED);
}

void
fg_xdp_block_prefix(struct fg_dp *dp, const struct fg_prefix *p, bool add)
{
	if (add && monitored(dp, FG_CLASS_MOM, FG_V_BLOCKED))
		return;
	/* a flood block of the same address stays until its penalty ends */
	if (nxdp_progs != 0 && (add || p->len != 128 || *idx_slot(p->addr) == 0))
		tries(p, add);
}

/*
 * The block list's prefixes into the tries (@p add) or out of them; a
 * flood block of the same address stays until its penalty ends.
 * @return prefixes.
 */
static uint64_t
block_list_tries(struct fg_dp *dp, bool add)
{
	struct fg_pfx_meta m[FG_PFX_LIST_COUNT];
	struct fg_prefix p;
	uint64_t pos = 0, n = 0;
	uint32_t in;

	while (fg_pfxset_next(dp->pfx, &pos, &p, &in, m) == 1)
		if (in & FG_PFX_BLOCK) {
			if (add || p.len != 128 || *idx_slot(p.addr) == 0)
				tries(&p, add);
			n++;
		}
	return n;
}

/* The block list is out of the tries ([lists] monitor as last seen). */
static bool lists_out;

void
fg_xdp_block_all(struct fg_dp *dp)
{
	if (nxdp_progs == 0)
		return;
	lists_out = monitored(dp, FG_CLASS_MOM, FG_V_BLOCKED);
	if (lists_out) {
		FG_LOG(NOTICE, "XDP block tries: [lists] monitor = 1: the block list stays "
		       "out of the kernel");
		return;
	}
	FG_LOG(INFO, "XDP block tries: %" PRIu64 " block-list prefixes",
	       block_list_tries(dp, true));
}

struct sync_walk {
	struct fg_now now;
	const struct fg_dp *dp;
};

static void
push_one(const struct fg_src *e, void *arg)
{
	struct sync_walk *w = arg;
	uint64_t left = fg_src_block_left(e, &w->now), until = w->now.ns + left;
	struct fg_prefix p = { .len = 128 };
	uint32_t *slot;
	unsigned int cls = fg_src_key(e, p.addr);

	if (left == 0 || cls >= FG_CLASS_COUNT || monitored(w->dp, cls, FG_V_FLOOD_BLOCKED))
		return;
	slot = idx_slot(p.addr);
	if (*slot != 0) {
		/* blocked again, or in another class too */
		if (!pushed[*slot - 1].seen || (int64_t)(until - pushed[*slot - 1].until) > 0)
			pushed[*slot - 1].until = until;
		pushed[*slot - 1].seen = true;
		return;
	}
	if (npushed == FG_XDP_PUSHED_MAX) {
		xdp_push_full++;
		return;
	}
	if (!on_block_list(w->dp, &p))
		tries(&p, true);
	pushed[npushed].p = p;
	pushed[npushed].cls = cls;
	pushed[npushed].seen = true;
	pushed[npushed++].until = until;
	*slot = npushed;
	xdp_pushed_total++;
}

void
fg_xdp_sync(struct fg_dp *dp, uint64_t now_ns)
{
	struct sync_walk w = { .now = fg_now(dp->tab.epoch, now_ns), .dp = dp };

	if (nxdp_progs == 0 || dp->tab_mem == NULL)
		return;
	/* the walk marks the sources still blocked; the others' penalties
	 * ended, or floodctl unblock lifted them: out of the kernel's tries */
	for (unsigned int i = 0; i < npushed; i++)
		pushed[i].seen = false;
	fg_dp_walk(dp, push_one, &w);
	for (unsigned int i = 0; i < npushed;) {
		/* and those of a class switched to monitor mode since */
		if (pushed[i].seen && !monitored(dp, pushed[i].cls, FG_V_FLOOD_BLOCKED)) {
			i++;
			continue;
		}
		/* a source also on the block list stays in the tries */
		if (!on_block_list(dp, &pushed[i].p))
			tries(&pushed[i].p, false);
		pushed[i] = pushed[--npushed];
	}
	memset(pushed_idx, 0, sizeof(pushed_idx));
	for (unsigned int i = 0; i < npushed; i++)
		*idx_slot(pushed[i].p.addr) = i + 1;
	/* [lists] monitor switched since (floodctl set, reload) */
	if (monitored(dp, FG_CLASS_MOM, FG_V_BLOCKED) != lists_out) {
		uint64_t n;

		lists_out = !lists_out;
		n = block_list_tries(dp, !lists_out);
		FG_LOG(NOTICE, "XDP block tries: [lists] monitor = %d: %" PRIu64 " block-list "
		       "prefixes %s the kernel", lists_out, n, lists_out ? "out of" : "back in");
	}
}

uint64_t
fg_xdp_pushed(uint64_t *full)
{
	*full = xdp_push_full;
	return xdp_pushed_total;
}

/* The maps of floodguard's XDP program that the data plane fills, by name. */
enum xdp_map { M_PORTS = 0, M_BLOCK4, M_BLOCK6, M_CONF, M_PROTECT4, M_PROTECT6, M_COUNT };
static const char *const xdp_map_names[M_COUNT] = {
	"fg_xdp_ports", "fg_xdp_block4", "fg_xdp_block6", "fg_xdp_conf",
	"fg_xdp_protect4", "fg_xdp_protect6",
};

int
fg_xdp_fill(uint16_t port, const struct fg_config *c)
{
	struct rte_eth_dev_info info;
	struct bpf_prog_info pi;
	uint32_t prog_id = 0, ids[16], len = sizeof(pi);
	int prog, fd[M_COUNT], rc = 0;
	unsigned int m;

	for (m = 0; m < M_COUNT; m++)
		fd[m] = -1;
	if (rte_eth_dev_info_get(port, &info) != 0 ||
	    strcmp(info.driver_name, "net_af_xdp") != 0)
		return 0;
	if (bpf_xdp_query_id((int)info.if_index, 0, &prog_id) != 0 || prog_id == 0) {
		FG_LOG(WARNING, "port %u: no XDP program on ifindex %u", port, info.if_index);
		return 0;
	}
	prog = bpf_prog_get_fd_by_id(prog_id);
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = RTE_DIM(ids);
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	if (prog < 0 || bpf_obj_get_info_by_fd(prog, &pi, &len) != 0) {
		FG_LOG(ERR, "port %u: XDP program %u (errno=%i): %s", port, prog_id, errno,
		       strerror(errno));
		rc = -errno;
		goto close_prog;
	}
	for (uint32_t i = 0; i < pi.nr_map_ids && i < RTE_DIM(ids); i++) {
		struct bpf_map_info mi;
		uint32_t ml = sizeof(mi);
		int f = bpf_map_get_fd_by_id(ids[i]);

		memset(&mi, 0, sizeof(mi));
		m = M_COUNT;
		if (f >= 0 && bpf_obj_get_info_by_fd(f, &mi, &ml) == 0)
			for (m = 0; m < M_COUNT && strcmp(mi.name, xdp_map_names[m]) != 0; m++)
				;
		if (m < M_COUNT && fd[m] < 0)
			fd[m] = f;
		else if (f >= 0)
			close(f);
	}
	for (m = 0; m < M_COUNT && fd[m] >= 0; m++)
		;
	if (m < M_COUNT) {
		FG_LOG(WARNING, "port %u: the XDP program on ifindex %u is not floodguard's "
		       "(no %s map): it redirects what it redirects", port, info.if_index,
		       xdp_map_names[m]);
		goto close_maps;
	}
	rc = fg_xdp_fill_ports(fd[M_PORTS], c->classify.tcp, c->classify.udp);
	if (rc == 0)
		rc = fg_xdp_set_protect(fd[M_CONF], fd[M_PROTECT4], fd[M_PROTECT6], c->prefix,
					c->nprefix);
	if (rc != 0)
		FG_LOG(ERR, "port %u: filling the XDP maps (errno=%i): %s", port, -rc,
		       strerror(-rc));
	else
		FG_LOG(INFO, "port %u: XDP program %u steers the protected ports (to %u "
		       "protected prefixes; 0: any), drops what the block list holds", port,
		       prog_id, c->nprefix);
	if (rc == 0 && nxdp_progs < FG_XDP_PROGS_MAX) {
		/* kept: flood-blocked sources go into these tries (fg_xdp_sync) */
		xdp_progs[nxdp_progs].fd4 = fd[M_BLOCK4];
		xdp_progs[nxdp_progs++].fd6 = fd[M_BLOCK6];
		fd[M_BLOCK4] = fd[M_BLOCK6] = -1;
	}
close_maps:
	for (m = 0; m < M_COUNT; m++)
		if (fd[m] >= 0)
			close(fd[m]);
close_prog:
	if (prog >= 0)
		close(prog);
	return rc;
}
