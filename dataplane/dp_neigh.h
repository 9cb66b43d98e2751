/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's neighbour table (IP -> MAC), filled from ARP.  Small, open
 * addressing, no allocation; owned by one worker.  Every worker keeps its
 * own copy: whoever learns a neighbour tells the control plane, which tells
 * the others, so no table is shared between cores.
 */
#ifndef TURNPIKE_DP_NEIGH_H
#define TURNPIKE_DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "turnpike/addr.h"

struct rte_mbuf;
#include "turnpike/dp_msg.h"

#define DP_NEIGH_SLOTS 1024 /* power of two */

struct dp_neigh_entry {
	struct tp_ip ip;
	uint8_t mac[DP_MAC_LEN];
	bool resolved;
	uint64_t asked; /**< TSC of the last ARP request we sent */
	/** The latest frame waiting for this next hop (dst MAC unset), sent
	 *  when it resolves, dropped when the next request goes unanswered. */
	struct rte_mbuf *held;
};

struct dp_neigh {
	struct dp_neigh_entry e[DP_NEIGH_SLOTS];
};

/** The entry for @p ip; NULL if absent and @p create is false or full. */
struct dp_neigh_entry *dp_neigh_find(struct dp_neigh *n, const struct tp_ip *ip,
				     bool create);

/** Record @p ip -> @p mac.  @return true if new or changed. */
bool dp_neigh_set(struct dp_neigh *n, const struct tp_ip *ip,
		  const uint8_t mac[DP_MAC_LEN]);

#endif /* TURNPIKE_DP_NEIGH_H */
