/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The exception port (dp_xport.c): in exception-port mode, on a PMD that
 * takes the NIC from the kernel, a DPDK net_tap port whose kernel
 * interface stands for the NIC, so the host's stack (ARP, ping, ssh, the
 * TCP and TLS listeners) sees everything that is not turnpike's UDP, and
 * sends its own frames out through the NIC.
 *
 * Set-up on the main lcore (dp_xport_create, dp_xport_destroy); the rest
 * runs on a worker, on the NIC's frames and the exception port's queue of
 * the same index.  Which frames are ours is turnpike/steer_frame.h's decision,
 * the XDP program's of AF_XDP mode.
 */
#ifndef TURNPIKE_DP_XPORT_H
#define TURNPIKE_DP_XPORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp_port.h"
#include "dp_worker.h"

/**
 * Poll the exception port's RX every this many turns of the worker loop,
 * and at every idle turn.  net_tap's rx_burst is one read() per frame
 * plus one that finds nothing: polled at every turn, an empty read()
 * (about a microsecond) would cost more than relaying a burst.  The
 * kernel's traffic (ARP, ssh, TCP handshakes and acknowledgements) waits
 * at most this many busy turns, a few microseconds each; an idle worker
 * reads it at once.
 */
#define DP_XPORT_POLL_EVERY 8

/**
 * Create the exception port: net_tap on a kernel interface named
 * @p ifname with the NIC's MAC @p mac, @p n_queues queue pairs (one per
 * worker) taking frames from @p pool, started (the PMD brings the
 * interface up).  Fills @p info (driver, queues) and @p port_id; the
 * interface's index is @p info->if_index.  Main lcore, after EAL.
 * @return 0 or -errno with a message in @p err (no /dev/net/tun, a name
 * taken or with a ',', too many queues for net_tap).
 */
int dp_xport_create(const char *ifname, const struct rte_ether_addr *mac,
		    uint16_t n_queues, struct rte_mempool *pool,
		    uint16_t *port_id, struct dp_port_info *info, char *err,
		    size_t err_len);

/** Stop and remove the exception port (its interface goes with it). */
void dp_xport_destroy(uint16_t port_id);

/**
 * A frame from the NIC, in exception-port mode: turnpike's UDP to the fast
 * path (dp_input), anything else queued unchanged for the kernel on the
 * exception port.  Takes ownership of @p m.  Worker.
 */
void dp_xport_steer(struct dp_worker *w, struct rte_mbuf *m);

/** Send what dp_xport_steer() queued for the kernel (counted to_kernel;
 *  what the port refuses is dropped as xport_full).  Worker. */
void dp_xport_flush(struct dp_worker *w);

/**
 * One burst of what the kernel sent out of the exception interface,
 * queued unchanged for the NIC (counted from_kernel) and flushed.
 * Worker.  @return frames read.
 */
unsigned int dp_xport_poll(struct dp_worker *w);

#endif /* TURNPIKE_DP_XPORT_H */
