/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP on a worker (RFC 826): answer requests for our listening and relay
 * addresses, learn senders, and ask for next hops we cannot reach yet.
 * The frame helpers at the top (parse, write, reply in place) are the one
 * place ARP's layout is spelled; the traffic generator uses them too.
 *
 * Whatever a worker learns it also reports to the control plane, which
 * passes it to every other worker, so each keeps a private table and no
 * table is shared between cores.
 *
 * What is learned is guarded, because any host on the LAN can send ARP:
 * only senders on our network (a local-network range, or the gateway) are
 * learned (anyone, when no gateway is given: every peer is then its own
 * next hop), since nothing else is ever a next hop; and the gateway, which
 * carries every off-link datagram, is pinned: its MAC is learned only from
 * a reply to our own request of the last second, never from a gratuitous
 * ARP or an unasked reply.  So that a real change (a VRRP failover) is
 * still followed, a resolved gateway is asked again every
 * DP_ARP_GATEWAY_RECHECK_S seconds while in use.  The table itself evicts
 * (dp_neigh.h), so it cannot be filled for good.
 *
 * In AF_XDP mode (sh->neigh_from_kernel) the kernel keeps the interface
 * and owns ARP on it: ARP never reaches a worker, and a worker sends none.
 * Exception-port mode is the same for ARP: the workers steer every ARP
 * frame to the kernel's TAP (dp_xport.c) before dp_input() sees it.
 * It asks the control thread instead (DP_EVT_NEIGH_MISS), which has the
 * kernel resolve and tells every worker, and it reports the next hops it
 * uses (DP_EVT_NEIGH_USED) so that the kernel, which never sees our
 * traffic, keeps their entries.  Frames wait for a next hop as they do
 * for an ARP reply.
 */
#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dp_arp.h"
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

static const struct tp_ip *next_hop_ip(const struct dp_shared *sh,
				       const struct tp_ip *ip);

/* Is @ip the gateway? */
static bool
is_gateway(const struct dp_shared *sh, const struct tp_ip *ip)
{
	return sh->gateway.family != TP_AF_NONE && tp_ip_equal(&sh->gateway, ip);
}

/* May we learn @sip's MAC from an ARP packet of @op?  See the file comment. */
static bool
may_learn(struct dp_worker *w, const struct tp_ip *sip, uint16_t op)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_neigh_entry *e;

	if (is_gateway(sh, sip)) {
		e = dp_neigh_find(&w->neigh, sip, false, w->now);
		return op == RTE_ARP_OP_REPLY && e != NULL && e->asked != 0 &&
		       w->now - e->asked <= sh->tsc_hz;
	}
	/* On-link by our own routing: a local-network, or anything when no
	 * gateway is configured (every peer is then its own next hop). */
	return next_hop_ip(sh, sip) == sip;
}

/* Learn @ip -> @mac and tell the control plane if it is news. */
static void
learn(struct dp_worker *w, const struct tp_ip *ip, const uint8_t *mac)
{
	struct dp_evt ev = { .type = DP_EVT_NEIGH, .worker = w->id };

	if (!dp_neigh_resolved(w, ip, mac))
		return;
	w->stats.c[DP_C_arp_learned]++;
	ev.u.neigh.ip = *ip;
	memcpy(ev.u.neigh.mac, mac, DP_MAC_LEN);
	/* Best effort: if the ring is full the others learn on their own. */
	rte_ring_sp_enqueue_elem(w->evt_ring, &ev, sizeof(ev));
}

static bool
is_known(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct dp_neigh_entry *e =
		dp_neigh_find(&w->neigh, ip, false, w->now);

	return e != NULL && e->resolved;
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
	bool learnable = sip.bytes[0] != 0 && may_learn(w, &sip, op);

	if (sip.bytes[0] != 0 && !learnable)
		w->stats.c[DP_C_arp_ignored]++;
	if (learnable && is_known(w, &sip))
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

/* AF_XDP mode: tell the control thread about next hop @nh, as an event of
 * @type (DP_EVT_NEIGH_MISS, or DP_EVT_NEIGH_USED with the @mac in use).
 * Best effort, as learn(): if the ring is full the next miss, a second
 * later, or the next report asks again. */
static void
neigh_tell(struct dp_worker *w, uint32_t type, const struct tp_ip *nh,
	   const uint8_t *mac)
{
	struct dp_evt ev = { .type = type, .worker = w->id };

	ev.u.neigh.ip = *nh;
	if (mac != NULL)
		memcpy(ev.u.neigh.mac, mac, DP_MAC_LEN);
	rte_ring_sp_enqueue_elem(w->evt_ring, &ev, sizeof(ev));
}

/* The IP we must resolve to reach @ip: itself if on-link, else the gateway. */
static const struct tp_ip *
next_hop_ip(const struct dp_shared *sh, const struct tp_ip *ip)
{
	for (int i = 0; i < sh->n_local; i++)
		if (tp_ip_range_contains(&sh->local_nets[i], ip))
			return ip;
	return sh->gateway.family != TP_AF_NONE ? &sh->gateway : ip;
}

/* Broadcast an ARP request for @ip from our first listening address. */
static void
arp_request(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct dp_shared *sh = w->sh;
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->pool);
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	static const struct rte_ether_addr unknown;
	struct rte_ether_hdr *eth;
	uint32_t sip, tip;

	if (m == NULL) {
		w->stats.drop[DP_DROP_no_mbuf]++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ARP_FRAME_LEN);
	memcpy(&sip, sh->listen_ips[0].bytes, 4);
	memcpy(&tip, ip->bytes, 4);
	dp_arp_write(eth, RTE_ARP_OP_REQUEST, &sh->mac, &bcast, sip, &unknown,
		     tip);
	w->stats.c[DP_C_arp_requested]++;
	dp_tx_enqueue(w, m);
}

const uint8_t *
dp_next_hop_mac(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct tp_ip *nh = next_hop_ip(w->sh, ip);
	struct dp_neigh_entry *e = dp_neigh_find(&w->neigh, nh, true, w->now);

	w->stats.c[DP_C_neigh_evicted] = w->neigh.evicted;
	if (e == NULL)
		return NULL;
	if (is_gateway(w->sh, nh))
		e->pinned = true;
	if (e->resolved) {
		/* The pinned gateway: ask again now and then (file comment);
		 * the old MAC serves until an answer comes. */
		if (e->pinned && !w->sh->neigh_from_kernel &&
		    w->now - e->checked >=
			    DP_ARP_GATEWAY_RECHECK_S * w->sh->tsc_hz) {
			e->asked = e->checked = w->now;
			arp_request(w, nh);
		}
		if (w->sh->neigh_from_kernel &&
		    w->now - e->told >= DP_NEIGH_USED_EVERY_S * w->sh->tsc_hz) {
			e->told = w->now;
			w->stats.c[DP_C_neigh_in_use]++;
			neigh_tell(w, DP_EVT_NEIGH_USED, nh, e->mac);
		}
		return e->mac;
	}
	if (e->asked == 0 || w->now - e->asked > w->sh->tsc_hz) {
		/* Asked a second ago and no answer: give up on what waits. */
		if (e->held != NULL) {
			dp_drop(w, e->held, DP_DROP_no_neighbour);
			e->held = NULL;
		}
		e->asked = w->now;
		if (w->sh->neigh_from_kernel) {
			w->stats.c[DP_C_neigh_asked]++;
			neigh_tell(w, DP_EVT_NEIGH_MISS, nh, NULL);
		} else {
			arp_request(w, nh);
		}
	}
	return NULL;
}

void
dp_neigh_hold(struct dp_worker *w, const struct tp_ip *ip, struct rte_mbuf *m)
{
	struct dp_neigh_entry *e =
		dp_neigh_find(&w->neigh, next_hop_ip(w->sh, ip), false, w->now);

	if (e == NULL || e->resolved) { /* table full, or raced: not held */
		dp_drop(w, m, DP_DROP_no_neighbour);
		return;
	}
	if (e->held != NULL)
		dp_drop(w, e->held, DP_DROP_no_neighbour);
	e->held = m;
	w->stats.c[DP_C_arp_held]++;
}

bool
dp_neigh_resolved(struct dp_worker *w, const struct tp_ip *ip, const uint8_t *mac)
{
	struct dp_neigh_entry *e;
	struct rte_ether_hdr *eth;

	bool changed = dp_neigh_set(&w->neigh, ip, mac, w->now);

	w->stats.c[DP_C_neigh_evicted] = w->neigh.evicted;
	if (!changed)
		return false;
	e = dp_neigh_find(&w->neigh, ip, false, w->now);
	if (e != NULL)
		e->checked = w->now;
	if (e != NULL && e->held != NULL) {
		eth = rte_pktmbuf_mtod(e->held, struct rte_ether_hdr *);
		memcpy(&eth->dst_addr, mac, RTE_ETHER_ADDR_LEN);
		w->stats.c[DP_C_arp_held_sent]++;
		dp_tx_enqueue(w, e->held);
		e->held = NULL;
	}
	return true;
}
