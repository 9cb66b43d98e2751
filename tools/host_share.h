/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The server's side of AF_XDP mode (host_share.c), where the host keeps
 * the interface the port uses: its address, ARP, ssh, TCP and TLS stay
 * with the kernel, and turnpike's XDP program hands the fast path only
 * turnpike's UDP.  Set up when the port is DPDK's net_af_xdp, after
 * dp_port_init() (the PMD attaches the program there) and before the fast
 * path is built: the XDP program's maps (dataplane/dp_xdp.h), the workers
 * told that the kernel owns ARP (tp_plane_params.neigh_from_kernel), and
 * the kernel's neighbour table as their source of next hops
 * (controlplane/cp_neigh.h).
 *
 * On any other PMD, one that takes the NIC from the kernel, the
 * configuration's exception-interface asks for exception-port mode, the
 * same view for the kernel by another road: turnpike makes a TAP
 * interface of that name with the NIC's MAC (dataplane/dp_xport.h), brings
 * it up with the host's addresses (controlplane/cp_netif.h), and the
 * workers steer every NIC frame that is not turnpike's UDP to it, with the
 * XDP program's decision (turnpike/steer_frame.h), and send what the
 * kernel writes to it out of the NIC.  Next hops come from the kernel's
 * table for that interface, as in AF_XDP mode.
 *
 * Like turnpike.c, this unit sees both planes; it hands the control loop
 * the neighbour source and the program's counters.  Main lcore, start-up
 * and shutdown only.
 */
#ifndef TURNPIKE_HOST_SHARE_H
#define TURNPIKE_HOST_SHARE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_loop.h"
#include "cp_neigh.h"
#include "dp_port.h"
#include "dp_xport.h"
#include "turnpike/plane.h"
#ifdef TP_HAVE_XDP
#include "dp_xdp.h"
#endif

/** AF_XDP mode's state, all of it owned here. */
struct host_share {
	bool on;       /**< the port is net_af_xdp */
	bool xport_on; /**< exception-port mode: the exception port exists */
	uint16_t xport_id;
	char ifname[IF_NAMESIZE]; /**< the interface the kernel serves */
	struct cp_neigh *neigh;   /**< next hops from the kernel */
#ifdef TP_HAVE_XDP
	struct dp_xdp xdp; /**< the XDP program and its maps */
#endif
};

/**
 * `turnpike --xdp-vdev IFACE [WORKERS]` (the --vdev argument for AF_XDP
 * mode on IFACE, one queue per worker, turnpike's program) and `turnpike
 * --xdp-prog-path` (the program's file): print, no EAL.  @return the
 * process's exit status.
 */
int host_share_helper(int argc, char **argv);

/**
 * If @p port is net_af_xdp: open the XDP program the PMD attached to its
 * interface and fill its maps from @p pp, set @p pp->neigh_from_kernel,
 * open the kernel neighbour source, and log what was set up, with
 * warnings for generic mode, addresses not steered, our addresses missing
 * from the interface, and ephemeral ports inside the relay range.
 * Otherwise, if @p xport_ifname is not empty (exception-interface): make
 * the exception port on @p pool with a queue pair per worker, bring its
 * interface up with the host's addresses, record it in @p port (has_xport,
 * xport_id, for the workers), set @p pp->neigh_from_kernel and open the
 * kernel neighbour source on it.  Neither: nothing.  @return 0, or -errno
 * with a message in @p err (the program is not turnpike's, the build has
 * no AF_XDP mode, the TAP cannot be made, ...).
 */
int host_share_open(struct host_share *hs, struct dp_port_info *port,
		    uint16_t n_workers, struct tp_plane_params *pp,
		    const char *xport_ifname, struct rte_mempool *pool,
		    char *err, size_t err_len);

/** Give @p loop the neighbour source and the program's counters. */
void host_share_attach(struct host_share *hs, struct cp_loop *loop);

/** Close what host_share_open() opened (after the control loop ends and
 *  the workers stopped; the exception port and its interface go too). */
void host_share_close(struct host_share *hs);

#endif /* TURNPIKE_HOST_SHARE_H */
