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

/**
 * A ChannelData message or a Send indication from a UDP client (dp_input
 * has told them from everything else), on the worker that owns the client.
 * @p a is what the client's 5-tuple looked up (NULL: nothing); dp_input()
 * looks up a burst's at once.
 */
void dp_relay_from_client(struct dp_worker *w, struct rte_mbuf *m,
			  const struct dp_udp *p, struct dp_alloc *a);

/**
 * A message from a stream (TCP, TLS) client, handed over by its stream
 * thread: ChannelData or a Send indication, relayed as a UDP client's.
 * Takes ownership of @p in->mbuf.
 */
void dp_relay_from_stream(struct dp_worker *w, const struct dp_stream_in *in);

/**
 * Hand @p m (a message as the client must read it) to the stream thread of
 * connection @p conn, or drop it (counted) when that ring is full: a slow
 * stream never stalls the worker.
 */
void dp_stream_tx(struct dp_worker *w, struct rte_mbuf *m, uint32_t conn);

/**
 * A datagram from a peer to one of our relayed transport addresses, whose
 * allocation the caller looked up by it (@p a; NULL: none).
 */
void dp_relay_from_peer(struct dp_worker *w, struct rte_mbuf *m,
			const struct dp_udp *p, struct dp_alloc *a);

#endif /* TURNPIKE_DP_RELAY_H */
