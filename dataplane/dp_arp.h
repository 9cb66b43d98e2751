/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ARP (RFC 826, dp_arp.c): the frame layout both the fast path and the
 * traffic generator write, and the worker's side of it: answering for our
 * addresses, learning neighbours, resolving next hops and holding the frame
 * that waits for one.  The worker functions run on the worker that owns
 * @p w; the frame helpers touch only the frame they are given.
 */
#ifndef TURNPIKE_DP_ARP_H
#define TURNPIKE_DP_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp_worker.h"
#include "turnpike/addr.h"

/** Bytes of an Ethernet frame carrying ARP for IPv4 (no padding). */
/**
 * How often a worker asks again for the pinned gateway while it uses it
 * (dp_arp.c): long enough to cost nothing, short enough that a VRRP
 * failover, whose gratuitous ARP is ignored, is followed within a minute.
 */
#define DP_ARP_GATEWAY_RECHECK_S 60

#define DP_ARP_FRAME_LEN \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

/**
 * Whether the frame @p m holds an ARP packet for IPv4 over Ethernet that is
 * long enough to read.  @return its ARP header, or NULL.
 */
struct rte_arp_hdr *dp_arp_parse(struct rte_mbuf *m);

/**
 * Write an ARP packet for IPv4 over Ethernet, Ethernet header included,
 * at @p eth (DP_ARP_FRAME_LEN bytes): from @p our_mac, to @p dst_mac, with
 * opcode @p op, sender @p sip, target hardware address @p tha and target
 * @p tip (both IPv4 addresses in network byte order, as on the wire).
 */
void dp_arp_write(struct rte_ether_hdr *eth, uint16_t op,
		  const struct rte_ether_addr *our_mac,
		  const struct rte_ether_addr *dst_mac, uint32_t sip_be,
		  const struct rte_ether_addr *tha, uint32_t tip_be);

/**
 * Turn the request in @p eth into our reply in place: "@p tip is at
 * @p our_mac", back to the asker.  Clears @p m's transmit offload flags.
 */
void dp_arp_reply_in_place(struct rte_mbuf *m, struct rte_ether_hdr *eth,
			   const struct rte_ether_addr *our_mac);

/** Handle an ARP frame on a worker.  Takes ownership of @p m. */
void dp_arp_input(struct dp_worker *w, struct rte_mbuf *m);

/**
 * Resolve the MAC of the next hop toward @p ip (sending an ARP request on a
 * miss, at most once a second; when the kernel owns ARP, asking the
 * control thread instead, and reporting a resolved next hop in use every
 * DP_NEIGH_USED_EVERY_S seconds).  @return NULL while unresolved.
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

#endif /* TURNPIKE_DP_ARP_H */
