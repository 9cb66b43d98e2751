/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classification: the first thing a worker does with every frame.
 *
 * Runs on a worker.  A frame is one of: ARP or IPv6 neighbour discovery
 * (answered or learned, dp_arp.c and dp_nd.c), a client datagram to one of our listening addresses (ChannelData and Send
 * indications are relayed, STUN requests punted to the control plane), a
 * peer datagram to a relay address (relayed to the client), or something
 * we drop with a named counter.  A frame that belongs to another worker's
 * allocation is handed to that worker before any table is touched, so each
 * table has exactly one reader and writer.
 *
 * A burst goes in three passes, so that its table misses overlap rather
 * than follow one another (at a million allocations nearly every lookup
 * misses the caches): classify every frame, and start fetching the
 * by-relay entries; look up the clients' 5-tuples at once and fetch the
 * allocations found; then relay.  Nothing between the passes changes a
 * table: only dp_cmd_drain() does, between bursts.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_arp.h"
#include "dp_input.h"
#include "dp_nd.h"
#include "dp_pkt.h"
#include "dp_relay.h"
#include "dp_worker.h"
#include "turnpike/channel_data.h"
#include "turnpike/dp_msg.h"
#include "turnpike/stun.h"

/* Give a client's STUN request to the control plane, addresses parsed. */
static void
punt(struct dp_worker *w, struct rte_mbuf *m, const struct dp_udp *p)
{
	struct dp_evt ev = { .type = DP_EVT_PACKET, .worker = w->id };

	/* Before the ring: a flood from one network must not fill it for
	 * everyone (request-rate-per-prefix, turnpike/prefix_limit.h). */
	if (!tp_prefix_limit_allow(&w->punt_limit, &p->src.ip, w->now)) {
		dp_drop(w, m, DP_DROP_punt_limited);
		return;
	}
	ev.u.packet.mbuf = m;
	ev.u.packet.frame = rte_pktmbuf_mtod(m, const uint8_t *);
	ev.u.packet.client = p->src;
	ev.u.packet.local = p->dst;
	memcpy(ev.u.packet.client_mac, p->eth->src_addr.addr_bytes, DP_MAC_LEN);
	ev.u.packet.data_off = p->data_off;
	ev.u.packet.data_len = p->len;
	if (rte_ring_sp_enqueue_elem(w->evt_ring, &ev, sizeof(ev)) != 0) {
		dp_drop(w, m, DP_DROP_punt_ring_full);
		return;
	}
	w->stats.c[DP_C_punted]++;
}

/* What the first pass decided for a frame. */
enum in_next {
	IN_TAKEN,  /* answered, punted, handed off or dropped: done with */
	IN_CLIENT, /* a client's ChannelData or Send indication, ours to relay */
	IN_PEER,   /* a peer's datagram to a relayed address we own */
};

/* A datagram to our listening address: relay, punt or drop. */
static enum in_next
client_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_udp *p)
{
	uint16_t owner, type;

	if (!channel_data_looks_like(p->data, p->len)) {
		if (!stun_is_stun(p->data, p->len)) {
			dp_drop(w, m, DP_DROP_bad_stun);
			return IN_TAKEN;
		}
		type = stun_msg_type(p->data);
		if (type != stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION)) {
			if (stun_type_class(type) != STUN_CLASS_REQUEST)
				dp_drop(w, m, DP_DROP_stun_not_request);
			else
				punt(w, m, p);
			return IN_TAKEN;
		}
	}
	/* ChannelData or a Send indication: the client's owner relays it. */
	owner = dp_owner_of_client(&p->src, w->sh->n_workers);
	if (owner != w->id) {
		dp_handoff(w, m, owner);
		return IN_TAKEN;
	}
	return IN_CLIENT;
}

/* The UDP datagram of an IPv6 packet, or ICMPv6 for dp_nd.c.  @return
 * -1 if @m was taken. */
static int
ip6_input(struct dp_worker *w, struct rte_mbuf *m, struct dp_udp *p)
{
	struct dp_ip6 ip6;
	enum dp_drop why;

	if (dp_ip6_parse(m, &ip6, &why) != 0) {
		dp_drop(w, m, why);
		return -1;
	}
	if (ip6.proto == IPPROTO_ICMPV6) {
		dp_nd_input(w, m, &ip6);
		return -1;
	}
	if (ip6.proto != IPPROTO_UDP) {
		dp_drop(w, m, DP_DROP_not_udp);
		return -1;
	}
	if (dp_udp6_parse(m, &ip6, p, &why) != 0) {
		dp_drop(w, m, why);
		return -1;
	}
	return 0;
}

/*
 * The first pass over a frame: parse it, and deal with all but the relays.
 * A peer's datagram leaves the index of its relayed IP address in @ri,
 * with its by-relay entry on its way into the cache.
 */
static enum in_next
classify(struct dp_worker *w, struct rte_mbuf *m, struct dp_udp *p, int *ri)
{
	const struct dp_shared *sh = w->sh;
	struct rte_ether_hdr *eth;
	enum dp_drop why;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) ||
	    !rte_pktmbuf_is_contiguous(m)) {
		dp_drop(w, m, DP_DROP_bad_ip);
		return IN_TAKEN;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	/* Group addresses too (broadcast, and IPv6's 33:33:...: neighbour
	 * solicitations go to a solicited-node group); what is then not for
	 * one of our IP addresses is dropped below as not_our_address. */
	if (!rte_is_same_ether_addr(&eth->dst_addr, &sh->mac) &&
	    !rte_is_multicast_ether_addr(&eth->dst_addr)) {
		dp_drop(w, m, DP_DROP_not_for_us);
		return IN_TAKEN;
	}
	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_IPV4:
		if (dp_udp4_parse(m, p, &why) != 0) {
			dp_drop(w, m, why);
			return IN_TAKEN;
		}
		break;
	case RTE_ETHER_TYPE_IPV6:
		if (ip6_input(w, m, p) != 0)
			return IN_TAKEN;
		break;
	case RTE_ETHER_TYPE_ARP:
		dp_arp_input(w, m);
		return IN_TAKEN;
	default:
		dp_drop(w, m, DP_DROP_bad_ethertype);
		return IN_TAKEN;
	}
	if (dp_is_listen_addr(sh, &p->dst) && sh->udp_clients)
		return client_input(w, m, p);
	*ri = dp_relay_ip_index(sh, &p->dst.ip);
	if (*ri >= 0 && p->dst.port >= sh->min_port &&
	    p->dst.port <= sh->max_port) {
		uint16_t owner =
			dp_owner_of_relay_port(p->dst.port, sh->n_workers);

		if (owner != w->id) {
			dp_handoff(w, m, owner);
			return IN_TAKEN;
		}
		rte_prefetch0(dp_table_by_relay_entry(&w->table, (uint16_t)*ri,
						      p->dst.port));
		return IN_PEER;
	}
	dp_drop(w, m, DP_DROP_not_our_address);
	return IN_TAKEN;
}

void
dp_input_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned int n)
{
	struct dp_udp p[DP_BURST];
	uint8_t next[DP_BURST];
	int ri[DP_BURST];
	struct dp_alloc *a[DP_BURST];
	struct dp_five_tuple keys[DP_BURST];
	const struct dp_five_tuple *key[DP_BURST];
	struct dp_alloc *found[DP_BURST];
	unsigned int i, n_keys = 0;

	RTE_ASSERT(n <= DP_BURST);
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		next[i] = (uint8_t)classify(w, pkts[i], &p[i], &ri[i]);
		if (next[i] == IN_CLIENT) {
			dp_five_tuple_make(&keys[n_keys], &p[i].src, &p[i].dst,
					   TP_TRANSPORT_UDP);
			key[n_keys] = &keys[n_keys];
			n_keys++;
		}
	}
	dp_table_by_client_bulk(&w->table, key, n_keys, found);
	n_keys = 0;
	for (i = 0; i < n; i++) {
		if (next[i] == IN_CLIENT) {
			a[i] = found[n_keys++];
		} else if (next[i] == IN_PEER) {
			a[i] = dp_table_by_relay(&w->table, (uint16_t)ri[i],
						 p[i].dst.port);
			if (a[i] != NULL)
				dp_alloc_prefetch(a[i]);
		}
	}
	for (i = 0; i < n; i++) {
		if (next[i] == IN_CLIENT)
			dp_relay_from_client(w, pkts[i], &p[i], a[i]);
		else if (next[i] == IN_PEER)
			dp_relay_from_peer(w, pkts[i], &p[i], a[i]);
	}
}

void
dp_input(struct dp_worker *w, struct rte_mbuf *m)
{
	dp_input_burst(w, &m, 1);
}
