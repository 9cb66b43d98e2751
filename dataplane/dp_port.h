/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Port set-up (dp_port.c): queues and offloads.  Runs on the main lcore
 * before any worker starts.
 */
#ifndef TURNPIKE_DP_PORT_H
#define TURNPIKE_DP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

/** What set-up learned of the port, for whoever builds frames for it. */
struct dp_port_info {
	struct rte_ether_addr mac;
	uint16_t n_rx_queues;      /**< RX queues configured (<= asked) */
	bool tx_ip_cksum_offload;  /**< the port fills IPv4 header checksums */
	bool tx_udp_cksum_offload; /**< the port fills UDP checksums */
	const char *driver;        /**< the PMD's name ("net_af_xdp", ...) */
	unsigned int if_index;     /**< the kernel interface under the port
				    *   (AF_XDP, AF_PACKET, TAP); 0 if none */
	/** Exception-port mode (dp_xport.h): the port the kernel's share of
	 *  this one's traffic goes through; set by whoever made it. */
	bool has_xport;
	uint16_t xport_id;
};

/**
 * Configure and start @p port with @p n_tx TX queues (required: one per
 * sender, so transmit needs no lock) and as many RX queues as the port has,
 * up to @p n_rx (RSS spreads flows over them when there are several), the
 * checksum offloads the device offers, and @p pool for received frames.
 * Used by the server (a queue pair per worker) and the traffic generator
 * (one pair).  @p info is filled afresh: what this does not learn (the
 * exception port) is zero until its maker sets it.
 * @return 0 or -errno, with a message in @p err.
 */
int dp_port_init(uint16_t port, uint16_t n_rx, uint16_t n_tx,
		 struct rte_mempool *pool, struct dp_port_info *info, char *err,
		 size_t err_len);

/** Stop and close the port. */
void dp_port_fini(uint16_t port);

#endif /* TURNPIKE_DP_PORT_H */
