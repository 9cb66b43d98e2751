/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's port: one RX and one TX queue pair per --queues (one by
 * default) and lane (gen_lanes.c; the main lcore alone sends on queue 0
 * and polls them all outside the traffic phase), set up
 * as the server sets up its own (dp_port.c), promiscuous mode (the frames for our
 * many IPs all come to one MAC, but a reflector may swap in another), and
 * the transmit helpers.  Owns the queued control and echo frames until they
 * are flushed.
 */
#include <stdio.h>

#include <rte_ethdev.h>

#include "dp_pkt.h"
#include "dp_port.h"
#include "gen.h"

int
gen_port_init(struct gen *g, char *err, size_t err_len)
{
	struct dp_port_info info;
	int rc;

	/* The server's port set-up, with --queues queue pairs. */
	rc = dp_port_init(g->o.port, g->o.queues, g->o.queues, g->pool, &info,
			  err, err_len);
	if (rc != 0)
		return rc;
	g->mac = info.mac;
	g->tx_ip_cksum = info.tx_ip_cksum_offload;
	g->tx_udp_cksum = info.tx_udp_cksum_offload;
	/* Not every virtual device has it; a missing one is harmless. */
	(void)rte_eth_promiscuous_enable(g->o.port);
	return 0;
}

void
gen_port_fini(struct gen *g)
{
	rte_pktmbuf_free_bulk(g->ctl, g->n_ctl);
	rte_pktmbuf_free_bulk(g->echo, g->n_echo);
	g->n_ctl = g->n_echo = 0;
	dp_port_fini(g->o.port);
}

uint16_t
gen_port_tx(struct gen *g, struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent = 0;

	if (n == 0)
		return 0;
	sent = rte_eth_tx_burst(g->o.port, g->txq, m, n);
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
	return dp_udp_push(m, &g->mac, g->server_mac.addr_bytes, src, dst, false,
			   g->tx_ip_cksum, g->tx_udp_cksum, DP_SUM_UNKNOWN);
}
