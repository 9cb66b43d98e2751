/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Port set-up: queues, offloads and the mbuf pool.  Runs on the main lcore
 * before any worker starts.
 */
#ifndef TURNPIKE_DP_PORT_H
#define TURNPIKE_DP_PORT_H

#include <stdint.h>

#include <rte_mempool.h>

#include "dp_worker.h"

/**
 * Configure and start @p port for @p n_workers workers: one TX queue each
 * (required), and as many RX queues as the port has, up to one each (a
 * worker without one gets its traffic by handoff).  Fills the port facts
 * in @p sh (MAC, RX queue count, checksum offloads).
 * @return 0 or -errno, with a message in @p err.
 */
int dp_port_init(uint16_t port, uint16_t n_workers, struct rte_mempool *pool,
		 struct dp_shared *sh, char *err, size_t err_len);

/** Stop and close the port. */
void dp_port_fini(uint16_t port);

#endif /* TURNPIKE_DP_PORT_H */
