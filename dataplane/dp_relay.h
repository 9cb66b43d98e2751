/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The relay paths of a worker: client -> peer (ChannelData, Send
 * indication) and peer -> client (ChannelData or Data indication), in
 * dp_relay.c.  Called by dp_input() on the owning worker only.
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

#endif /* TURNPIKE_DP_RELAY_H */
