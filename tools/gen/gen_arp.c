/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP for the network the generator plays (RFC 826): answer who-has for
 * every client and peer IP (and --gateway) with our MAC, and find the
 * server's MAC by asking for it (or hearing it ask for one of our peers).
 * Main lcore; every frame it builds goes on the control queue.  The frame
 * layout is the fast path's (dp_arp.h).
 */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_arp.h"
#include "gen.h"

void
gen_arp_request_server(struct gen *g)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	static const struct rte_ether_addr zero;
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	struct rte_ether_hdr *eth;
	uint32_t sip, tip;

	if (m == NULL) {
		g->st.c[GEN_C_no_mbuf]++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ARP_FRAME_LEN);
	sip = rte_cpu_to_be_32(g->plan.client_ip0);
	memcpy(&tip, g->o.server.ip.bytes, 4);
	dp_arp_write(eth, RTE_ARP_OP_REQUEST, &g->mac, &bcast, sip, &zero, tip);
	g->st.c[GEN_C_arp_requests]++;
	gen_ctl_enqueue(g, m);
}

void
gen_arp_input(struct gen *g, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = dp_arp_parse(m);
	struct tp_ip sip, tip;

	if (arp == NULL) {
		g->st.c[GEN_C_rx_malformed]++;
		rte_pktmbuf_free(m);
		return;
	}
	sip = tp_ip_v4(rte_be_to_cpu_32(arp->arp_data.arp_sip));
	tip = tp_ip_v4(rte_be_to_cpu_32(arp->arp_data.arp_tip));
	/* The server speaks from its address: whatever it says, its MAC. */
	if (tp_ip_equal(&sip, &g->o.server.ip) && !g->o.have_server_mac) {
		rte_ether_addr_copy(&arp->arp_data.arp_sha, &g->server_mac);
		g->server_mac_known = true;
	}
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    (!gen_plan_owns_ip(&g->plan, &tip) &&
	     !tp_ip_equal(&tip, &g->o.gateway))) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Answer in place: the reply goes back to the asker. */
	dp_arp_reply_in_place(m, eth, &g->mac);
	g->st.c[GEN_C_arp_replied]++;
	gen_ctl_enqueue(g, m);
}
