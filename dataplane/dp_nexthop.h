/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Next hops (dp_nexthop.c), either family: which neighbour a datagram to
 * an address goes through, its MAC, asking for it (ARP for IPv4,
 * neighbour discovery for IPv6, or the kernel when it owns the interface),
 * holding the frame that waits for it, and what may be learned from
 * whom.  The protocols' own frames are dp_arp.c's and dp_nd.c's; every
 * function here runs on the worker that owns @p w.
 */
#ifndef TURNPIKE_DP_NEXTHOP_H
#define TURNPIKE_DP_NEXTHOP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dp_worker.h"
#include "turnpike/addr.h"

/**
 * How often a worker asks again for the pinned gateway while it uses it:
 * long enough to cost nothing, short enough that a VRRP failover, whose
 * gratuitous ARP (or unsolicited advertisement) is ignored, is followed
 * within a minute.
 */
#define DP_NEXTHOP_GATEWAY_RECHECK_S 60

/**
 * Resolve the MAC of the next hop toward @p ip (sending an ARP request or
 * a neighbour solicitation on a miss, at most once a second; when the
 * kernel owns the interface, asking the control thread instead, and
 * reporting a resolved next hop in use every DP_NEIGH_USED_EVERY_S
 * seconds).  @return NULL while unresolved.
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

/**
 * May a worker learn @p ip's MAC from what it just heard?  Only a next hop
 * of ours: an address on one of our networks (anything, when no gateway of
 * its family is given: every peer is then its own next hop), or the
 * gateway, which is pinned and learned only from @p answer, a reply to
 * our own request of the last second (an ARP reply, or an advertisement
 * with the Solicited flag).
 */
bool dp_nexthop_may_learn(struct dp_worker *w, const struct tp_ip *ip,
			  bool answer);

/** Whether @p ip is in the neighbour table, resolved. */
bool dp_nexthop_is_known(struct dp_worker *w, const struct tp_ip *ip);

/**
 * Whether @p ip is in the neighbour table at all: resolved, or being
 * resolved (asked for).
 */
bool dp_nexthop_is_listed(struct dp_worker *w, const struct tp_ip *ip);

/**
 * Learn @p ip -> @p mac (dp_neigh_resolved()) and, if it is news, tell
 * the control plane, which tells the other workers.  @return true if news.
 */
bool dp_nexthop_learn(struct dp_worker *w, const struct tp_ip *ip,
		      const uint8_t *mac);

#endif /* TURNPIKE_DP_NEXTHOP_H */
