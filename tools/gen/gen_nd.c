/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour discovery for the network the generator plays, when it is IPv6
 * (RFC 4861): answer solicitations for every client and peer IP (and
 * --gateway) with our MAC, and find the server's MAC by soliciting it (or
 * hearing it solicit one of ours).  The IPv6 side of gen_arp.c.  Main
 * lcore; every frame it builds goes on the control queue.  The frame
 * layout is the fast path's (dp_nd.h).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_nd.h"
#include "gen.h"

/* Fixed part of a solicitation or an advertisement: type to target. */
#define ND_FIXED_LEN 24

void
gen_nd_solicit_server(struct gen *g)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	struct rte_ether_hdr *eth;
	struct tp_addr src;
	struct tp_ip group;
	uint8_t group_mac[RTE_ETHER_ADDR_LEN];

	if (m == NULL) {
		g->st.c[GEN_C_no_mbuf]++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ND_FRAME_LEN);
	gen_plan_client(&g->plan, 0, &src);
	dp_nd_solicited_node(&g->o.server.ip, &group, group_mac);
	dp_nd_write(eth, DP_ICMP6_NS, 0, &g->mac, group_mac, &src.ip, &group,
		    &g->o.server.ip);
	g->st.c[GEN_C_arp_requests]++;
	gen_ctl_enqueue(g, m);
}

/* Is @ip ours to answer for? */
static bool
answers_for(const struct gen *g, const struct tp_ip *ip)
{
	return gen_plan_owns_ip(&g->plan, ip) || tp_ip_equal(ip, &g->o.gateway);
}

void
gen_nd_input(struct gen *g, struct rte_mbuf *m, const struct dp_ip6 *ip6)
{
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, ip6->l4_off);
	struct tp_ip src = { .family = TP_AF_INET6 };
	struct tp_ip target = { .family = TP_AF_INET6 };
	struct tp_ip dst;
	const uint8_t *lla;
	struct rte_ether_hdr *eth;
	uint8_t to_mac[RTE_ETHER_ADDR_LEN];
	int bad;

	if (ip6->l4_len < ND_FIXED_LEN || ip6->hdr->hop_limits != 255 ||
	    (icmp[0] != DP_ICMP6_NS && icmp[0] != DP_ICMP6_NA) ||
	    dp_ip6_l4_cksum(ip6->hdr, IPPROTO_ICMPV6, icmp, ip6->l4_len) != 0) {
		g->st.c[GEN_C_rx_not_ours]++;
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(src.bytes, ip6->hdr->src_addr, 16);
	memcpy(target.bytes, icmp + 8, 16);
	lla = dp_nd_find_lla(icmp, ip6->l4_len,
			     icmp[0] == DP_ICMP6_NS ? DP_ND_OPT_SOURCE_LLA :
						      DP_ND_OPT_TARGET_LLA,
			     &bad);
	if (bad != 0) {
		g->st.c[GEN_C_rx_malformed]++;
		rte_pktmbuf_free(m);
		return;
	}
	/* The server speaks from its address, or advertises it. */
	if (lla != NULL && !g->o.have_server_mac &&
	    (tp_ip_equal(&src, &g->o.server.ip) ||
	     (icmp[0] == DP_ICMP6_NA && tp_ip_equal(&target, &g->o.server.ip)))) {
		memcpy(g->server_mac.addr_bytes, lla, RTE_ETHER_ADDR_LEN);
		g->server_mac_known = true;
	}
	if (icmp[0] != DP_ICMP6_NS || !answers_for(g, &target)) {
		rte_pktmbuf_free(m);
		return;
	}
	/* The advertisement goes to the asker (RFC 4861 section 7.2.4);
	 * duplicate address detection (no source address) never comes from
	 * the server, and we are nobody's duplicate: ignored. */
	if (tp_ip_cmp(&src, &(struct tp_ip){ .family = TP_AF_INET6 }) == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(to_mac, lla != NULL ? lla : eth->src_addr.addr_bytes,
	       sizeof(to_mac));
	dst = src;
	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ND_FRAME_LEN);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	dp_nd_write(eth, DP_ICMP6_NA, DP_ND_FLAG_SOLICITED | DP_ND_FLAG_OVERRIDE,
		    &g->mac, to_mac, &target, &dst, &target);
	g->st.c[GEN_C_arp_replied]++;
	gen_ctl_enqueue(g, m);
}
