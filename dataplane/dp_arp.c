/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP on a worker (RFC 826): answer requests for our IPv4 addresses, learn
 * senders that may be next hops (dp_nexthop.c says which), and ask for a
 * next hop.  The frame helpers at the top (parse, write, reply in place)
 * are the one place ARP's layout is spelled; the traffic generator uses
 * them too.
 *
 * When the kernel owns the interface (AF_XDP mode, and exception-port
 * mode, where the workers steer every ARP frame to the kernel's TAP before
 * dp_input() sees it) ARP never reaches a worker and a worker sends none
 * (dp_nexthop.c).
 */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dp_arp.h"
#include "dp_nexthop.h"
#include "dp_worker.h"
#include "turnpike/dp_msg.h"

struct rte_arp_hdr *
dp_arp_parse(struct rte_mbuf *m)
{
	struct rte_arp_hdr *arp;

	if (rte_pktmbuf_data_len(m) < DP_ARP_FRAME_LEN)
		return NULL;
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
				      sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return NULL;
	return arp;
}

void
dp_arp_write(struct rte_ether_hdr *eth, uint16_t op,
	     const struct rte_ether_addr *our_mac,
	     const struct rte_ether_addr *dst_mac, uint32_t sip_be,
	     const struct rte_ether_addr *tha, uint32_t tip_be)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	rte_ether_addr_copy(dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(our_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(our_mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip_be;
	rte_ether_addr_copy(tha, &arp->arp_data.arp_tha);
	arp->arp_data.arp_tip = tip_be;
}

void
dp_arp_reply_in_place(struct rte_mbuf *m, struct rte_ether_hdr *eth,
		      const struct rte_ether_addr *our_mac)
{
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	struct rte_ether_addr asker = arp->arp_data.arp_sha;
	uint32_t asker_ip = arp->arp_data.arp_sip;

	dp_arp_write(eth, RTE_ARP_OP_REPLY, our_mac, &asker,
		     arp->arp_data.arp_tip, &asker, asker_ip);
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
}

/* Learn @ip -> @mac, counted as ARP's. */
static void
learn(struct dp_worker *w, const struct tp_ip *ip, const uint8_t *mac)
{
	if (dp_nexthop_learn(w, ip, mac))
		w->stats.c[DP_C_arp_learned]++;
}

void
dp_arp_input(struct dp_worker *w, struct rte_mbuf *m)
{
	const struct dp_shared *sh = w->sh;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = dp_arp_parse(m);
	struct tp_ip sip, tip;
	uint16_t op;

	if (arp == NULL) {
		dp_drop(w, m, DP_DROP_bad_arp);
		return;
	}
	sip = tp_ip_v4(rte_be_to_cpu_32(arp->arp_data.arp_sip));
	tip = tp_ip_v4(rte_be_to_cpu_32(arp->arp_data.arp_tip));
	op = rte_be_to_cpu_16(arp->arp_opcode);

	/*
	 * RFC 826 merge: a sender we already know may have moved to a new MAC
	 * (gratuitous ARP), whoever the packet is for.  A probe's sender is
	 * 0.0.0.0 (RFC 5227): answer it, learn nothing.
	 */
	bool learnable = sip.bytes[0] != 0 &&
			 dp_nexthop_may_learn(w, &sip, op == RTE_ARP_OP_REPLY);

	if (sip.bytes[0] != 0 && !learnable)
		w->stats.c[DP_C_arp_ignored]++;
	if (learnable && dp_nexthop_is_known(w, &sip))
		learn(w, &sip, arp->arp_data.arp_sha.addr_bytes);
	if (!dp_is_our_ip(sh, &tip) ||
	    (sip.bytes[0] == 0 && op != RTE_ARP_OP_REQUEST)) {
		dp_drop(w, m, DP_DROP_bad_arp);
		return;
	}
	if (learnable)
		learn(w, &sip, arp->arp_data.arp_sha.addr_bytes);
	if (op != RTE_ARP_OP_REQUEST) {
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 826: the request becomes the reply, sent to its sender. */
	dp_arp_reply_in_place(m, eth, &sh->mac);
	w->stats.c[DP_C_arp_replied]++;
	dp_tx_enqueue(w, m);
}

void
dp_arp_request(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct dp_shared *sh = w->sh;
	const struct tp_ip *ours = dp_first_ip(sh, TP_AF_INET);
	struct rte_mbuf *m;
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	static const struct rte_ether_addr unknown;
	struct rte_ether_hdr *eth;
	uint32_t sip, tip;

	if (ours == NULL) /* no IPv4 address of ours: nothing to ask from */
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->stats.drop[DP_DROP_no_mbuf]++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ARP_FRAME_LEN);
	memcpy(&sip, ours->bytes, 4);
	memcpy(&tip, ip->bytes, 4);
	dp_arp_write(eth, RTE_ARP_OP_REQUEST, &sh->mac, &bcast, sip, &unknown,
		     tip);
	w->stats.c[DP_C_arp_requested]++;
	dp_tx_enqueue(w, m);
}
