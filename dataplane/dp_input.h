/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Classification (dp_input.c): the first thing a worker does with every
 * frame, from its RX queue, a handoff ring, or its own relay path looping a
 * datagram back to one of our relay addresses.  Worker lcores only.
 */
#ifndef TURNPIKE_DP_INPUT_H
#define TURNPIKE_DP_INPUT_H

#include <rte_mbuf.h>

#include "dp_worker.h"

/**
 * Process one received frame: relay it, answer it (ARP), punt it to the
 * control plane (a STUN request), hand it to the worker that owns it, or
 * drop it with a named counter.  Takes ownership of @p m.
 */
void dp_input(struct dp_worker *w, struct rte_mbuf *m);

/**
 * Process @p n (at most DP_BURST) received frames, as dp_input() each, in
 * passes that overlap their table lookups (see dp_input.c).  Frames for
 * other workers, the control plane or the kernel leave in the first pass,
 * the relayed ones in the last, each in the order received.
 */
void dp_input_burst(struct dp_worker *w, struct rte_mbuf **pkts, unsigned int n);

#endif /* TURNPIKE_DP_INPUT_H */
