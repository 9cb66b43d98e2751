/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv6 neighbour discovery (RFC 4861) and echo (RFC 4443), dp_nd.c: the
 * frame layout the fast path and the traffic generator write, and the
 * worker's side: advertising our addresses, learning next hops from
 * advertisements, soliciting a next hop, answering ping.  The worker
 * functions run on the worker that owns @p w; the frame helpers touch
 * only the frame they are given.
 */
#ifndef TURNPIKE_DP_ND_H
#define TURNPIKE_DP_ND_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_pkt.h"
#include "dp_worker.h"
#include "turnpike/addr.h"

/** ICMPv6 types we speak (RFC 4443, RFC 4861). */
enum {
	DP_ICMP6_ECHO_REQUEST = 128,
	DP_ICMP6_ECHO_REPLY = 129,
	DP_ICMP6_NS = 135, /**< neighbour solicitation */
	DP_ICMP6_NA = 136, /**< neighbour advertisement */
};

/** Neighbour advertisement flags (RFC 4861 section 4.4), host order. */
#define DP_ND_FLAG_ROUTER 0x80000000u
#define DP_ND_FLAG_SOLICITED 0x40000000u
#define DP_ND_FLAG_OVERRIDE 0x20000000u

/** Link-layer address options (RFC 4861 section 4.6.1). */
#define DP_ND_OPT_SOURCE_LLA 1
#define DP_ND_OPT_TARGET_LLA 2

/**
 * A solicitation or an advertisement as we write them: the ICMPv6 header,
 * the flags (reserved in a solicitation), the target, and one link-layer
 * address option.
 */
struct dp_nd_msg {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	rte_be32_t flags;
	uint8_t target[16];
	uint8_t opt_type;
	uint8_t opt_len; /**< in 8-byte units: 1 */
	uint8_t opt_mac[RTE_ETHER_ADDR_LEN];
} __attribute__((packed));

/** Bytes of the frames dp_nd_write() writes. */
#define DP_ND_FRAME_LEN                                               \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + \
	 sizeof(struct dp_nd_msg))

/**
 * Write a whole neighbour discovery frame at @p eth (DP_ND_FRAME_LEN
 * bytes): from @p our_mac and @p src to @p dst_mac and @p dst, ICMPv6
 * @p type (DP_ICMP6_NS or DP_ICMP6_NA) about @p target, with @p flags
 * (host order) and our MAC in a source (NS) or target (NA) link-layer
 * address option; Hop Limit 255, as RFC 4861 requires, checksum filled.
 */
void dp_nd_write(struct rte_ether_hdr *eth, uint8_t type, uint32_t flags,
		 const struct rte_ether_addr *our_mac, const uint8_t *dst_mac,
		 const struct tp_ip *src, const struct tp_ip *dst,
		 const struct tp_ip *target);

/**
 * The solicited-node multicast address of @p ip (ff02::1:ffXX:XXXX, RFC
 * 4291 section 2.7.1) in @p group, and its Ethernet group address
 * (33:33:ff:XX:XX:XX, RFC 2464 section 7) in @p mac.
 */
void dp_nd_solicited_node(const struct tp_ip *ip, struct tp_ip *group,
			  uint8_t mac[RTE_ETHER_ADDR_LEN]);

/**
 * The link-layer address option of type @p opt_type in the neighbour
 * discovery message @p icmp of @p len bytes (header included), whose
 * options start at byte 24.  @return the MAC, or NULL if there is none;
 * -1 in @p bad if an option is malformed (length 0 or past the end), in
 * which case RFC 4861 says to drop the message.
 */
const uint8_t *dp_nd_find_lla(const uint8_t *icmp, uint32_t len,
			      uint8_t opt_type, int *bad);

/** Handle an ICMPv6 packet @p ip6 walked to.  Takes ownership of @p m. */
void dp_nd_input(struct dp_worker *w, struct rte_mbuf *m,
		 const struct dp_ip6 *ip6);

/**
 * Multicast a neighbour solicitation for @p ip from our first IPv6 address
 * (none sent if we have none).
 */
void dp_nd_solicit(struct dp_worker *w, const struct tp_ip *ip);

#endif /* TURNPIKE_DP_ND_H */
