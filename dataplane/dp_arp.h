/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ARP (RFC 826, dp_arp.c): the frame layout both the fast path and the
 * traffic generator write, and the worker's side of it: answering for our
 * addresses, learning neighbours and asking for a next hop (dp_nexthop.h
 * decides which, and holds the frame that waits).  The worker functions run on the worker that owns
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
 * Broadcast an ARP request for @p ip from our first IPv4 address (none
 * sent if we have none).
 */
void dp_arp_request(struct dp_worker *w, const struct tp_ip *ip);

#endif /* TURNPIKE_DP_ARP_H */
