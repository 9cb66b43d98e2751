/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The relay paths of a worker: client -> peer (ChannelData, Send
 * indication) and peer -> client (ChannelData or Data indication).  Called
 * by dp_input() on the owning worker only.
 */
#ifndef TURNPIKE_DP_RELAY_H
#define TURNPIKE_DP_RELAY_H

#include "dp_pkt.h"
#include "dp_worker.h"

/** A ChannelData message from a client. */
void dp_relay_channel_from_client(struct dp_worker *w, struct rte_mbuf *m,
				  const struct dp_udp *p);

/** A Send indication from a client. */
void dp_relay_send_from_client(struct dp_worker *w, struct rte_mbuf *m,
			       const struct dp_udp *p);

/** A datagram from a peer to relay address @p relay_ip_idx : p->dst.port. */
void dp_relay_from_peer(struct dp_worker *w, struct rte_mbuf *m,
			const struct dp_udp *p, int relay_ip_idx);

/** Hand @p m to worker @p owner's handoff ring (or drop if full). */
void dp_handoff(struct dp_worker *w, struct rte_mbuf *m, uint16_t owner);

/**
 * Resolve the MAC of the next hop toward @p ip (sending an ARP request on a
 * miss, at most once a second).  @return NULL while unresolved.
 */
const uint8_t *dp_next_hop_mac(struct dp_worker *w, const struct tp_ip *ip);

/**
 * Send the frame @m to @ip's next hop, whose MAC dp_next_hop_mac() did not
 * know: it waits, one per next hop (a newer frame replaces an older one,
 * counted as no_neighbour), until the next hop resolves.
 */
void dp_neigh_hold(struct dp_worker *w, const struct tp_ip *ip,
		   struct rte_mbuf *m);

/** Record @ip -> @mac and send what waited for it.  @return true if news. */
bool dp_neigh_resolved(struct dp_worker *w, const struct tp_ip *ip,
		       const uint8_t *mac);

/** Handle an ARP frame. */
void dp_arp_input(struct dp_worker *w, struct rte_mbuf *m);

#endif /* TURNPIKE_DP_RELAY_H */
