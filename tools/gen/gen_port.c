/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's port: one RX and one TX queue on the main lcore, the
 * checksum offloads the device has, promiscuous mode (the frames for our
 * many IPs all come to one MAC, but a reflector may swap in another), and
 * the transmit helpers.  Owns the queued control and echo frames until they
 * are flushed.
 */
#include <stdio.h>

#include <rte_ethdev.h>

#include "dp_pkt.h"
#include "gen.h"

#define GEN_RX_DESC 1024
#define GEN_TX_DESC 1024

int
gen_port_init(struct gen *g, char *err, size_t err_len)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t port = g->o.port, nb_rxd = GEN_RX_DESC, nb_txd = GEN_TX_DESC;
	int rc, socket = rte_eth_dev_socket_id(port);

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		snprintf(err, err_len, "port %u: cannot read device info: %s", port,
			 rte_strerror(-rc));
		return rc;
	}
	g->tx_ip_cksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	g->tx_udp_cksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
	if (g->tx_ip_cksum)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (g->tx_udp_cksum)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM)
		conf.rxmode.offloads |= info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM;

	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, nb_rxd, socket, NULL, g->pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, nb_txd, socket, NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rc = rte_eth_macaddr_get(port, &g->mac);
	if (rc != 0) {
		snprintf(err, err_len, "port %u (%s): set-up failed: %s", port,
			 info.driver_name, rte_strerror(-rc));
		return rc;
	}
	/* Not every virtual device has it; a missing one is harmless. */
	(void)rte_eth_promiscuous_enable(port);
	return 0;
}

void
gen_port_fini(struct gen *g)
{
	rte_pktmbuf_free_bulk(g->ctl, g->n_ctl);
	rte_pktmbuf_free_bulk(g->echo, g->n_echo);
	g->n_ctl = g->n_echo = 0;
	rte_eth_dev_stop(g->o.port);
	rte_eth_dev_close(g->o.port);
}

uint16_t
gen_port_tx(struct gen *g, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent = 0;

	if (n == 0)
		return 0;
	sent = rte_eth_tx_burst(g->o.port, 0, m, n);
	g->st.c[GEN_C_tx_frames] += sent;
	if (sent < n) {
		g->st.c[GEN_C_tx_full] += n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
	return sent;
}

void
gen_ctl_enqueue(struct gen *g, struct rte_mbuf *m)
{
	if (g->n_ctl == GEN_TXQ_LEN)
		gen_port_flush(g);
	g->ctl[g->n_ctl++] = m;
}

void
gen_port_flush(struct gen *g)
{
	uint16_t sent;

	gen_port_tx(g, g->ctl, g->n_ctl);
	g->n_ctl = 0;
	sent = gen_port_tx(g, g->echo, g->n_echo);
	g->st.c[GEN_C_to_client_sent] += sent;
	g->n_echo = 0;
}

int
gen_port_udp_push(struct gen *g, struct rte_mbuf *m, const struct tp_addr *src,
		  const struct tp_addr *dst)
{
	return dp_udp4_push(m, &g->mac, g->server_mac.addr_bytes, src, dst,
			    false, g->tx_ip_cksum, g->tx_udp_cksum);
}
