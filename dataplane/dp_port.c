/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up on the main lcore, before the workers start.
 *
 * Each worker gets its own TX queue, so transmit needs no lock.  RX queues
 * go one per worker as far as the device has them (a worker without one
 * gets its traffic by handoff); with RSS the NIC spreads flows, and
 * whatever lands on a worker that does not own it is handed off (the owner
 * is a function of the packet, see dp_msg.h), so correctness never depends
 * on how the device steers.  The traffic generator sets its port up here
 * too, with one queue pair.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp_port.h"

#define DP_RX_DESC 1024
#define DP_TX_DESC 1024

int
dp_port_init(uint16_t port, uint16_t n_rx, uint16_t n_tx,
	     struct rte_mempool *pool, struct dp_port_info *pi, char *err,
	     size_t err_len)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = DP_RX_DESC, nb_txd = DP_TX_DESC;
	int rc, socket = rte_eth_dev_socket_id(port);

	memset(pi, 0, sizeof(*pi));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		snprintf(err, err_len, "port %u: cannot read device info: %s",
			 port, rte_strerror(-rc));
		return rc;
	}
	if (info.max_tx_queues < n_tx) {
		snprintf(err, err_len,
			 "port %u (%s) has %u TX queues, %u are needed, one per "
			 "worker (for net_af_packet add qpairs=%u)",
			 port, info.driver_name, info.max_tx_queues, n_tx, n_tx);
		return -EINVAL;
	}
	n_rx = RTE_MIN(n_rx, info.max_rx_queues);
	if (n_rx == 0)
		n_rx = 1;
	if (n_rx > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
	}
	pi->tx_ip_cksum_offload =
		(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	pi->tx_udp_cksum_offload =
		(info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
	if (pi->tx_ip_cksum_offload)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (pi->tx_udp_cksum_offload)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM)
		conf.rxmode.offloads |= info.rx_offload_capa &
					RTE_ETH_RX_OFFLOAD_CHECKSUM;

	rc = rte_eth_dev_configure(port, n_rx, n_tx, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < n_rx; q++)
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL, pool);
	for (uint16_t q = 0; rc == 0 && q < n_tx; q++)
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, socket, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rc = rte_eth_macaddr_get(port, &pi->mac);
	if (rc != 0) {
		snprintf(err, err_len, "port %u (%s): set-up failed: %s", port,
			 info.driver_name, rte_strerror(-rc));
		return rc;
	}
	pi->n_rx_queues = n_rx;
	pi->driver = info.driver_name;
	pi->if_index = info.if_index;
	return 0;
}

void
dp_port_fini(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
