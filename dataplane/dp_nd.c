/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 neighbour discovery (RFC 4861) and echo (RFC 4443) on a worker:
 * what ARP is to IPv4 (dp_arp.c), plus ping.
 *
 *  - A solicitation for one of our addresses is answered with an
 *    advertisement (Solicited and Override set) to the asker, or to all
 *    nodes when the asker is a duplicate address detection probe (source
 *    ::).  Its source link-layer address is learned when the asker may be
 *    a next hop of ours (dp_nexthop.c).
 *  - An advertisement is learned only for an address we are resolving or
 *    already know (RFC 4861 section 7.2.5: no entry is created from one),
 *    and only from a next hop; the gateway's only when Solicited, an
 *    answer to our own solicitation of the last second.
 *  - An echo request to one of our addresses is answered in place.
 *  - Anything else ICMPv6 (router advertisements, MLD, errors) is dropped
 *    and counted: the fast path keeps no routes learned from the LAN.
 *
 * The validity checks are RFC 4861 section 7.1's: Hop Limit 255 (so the
 * message came from the link, not through a router), code 0, the
 * checksum, a target that is not multicast, options of non-zero length.
 * When the kernel owns the interface (AF_XDP, exception port) none of this
 * reaches a worker: the steering hands ICMPv6 to the kernel.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dp_nd.h"
#include "dp_nexthop.h"
#include "dp_pkt.h"
#include "dp_worker.h"

/* Bytes of an NS or NA before its options: header, flags, target. */
#define ND_FIXED_LEN 24

void
dp_nd_write(struct rte_ether_hdr *eth, uint8_t type, uint32_t flags,
	    const struct rte_ether_addr *our_mac, const uint8_t *dst_mac,
	    const struct tp_ip *src, const struct tp_ip *dst,
	    const struct tp_ip *target)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	struct dp_nd_msg *nd = (struct dp_nd_msg *)(ip + 1);

	memcpy(&eth->dst_addr, dst_mac, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(our_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
	ip->payload_len = rte_cpu_to_be_16(sizeof(*nd));
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, src->bytes, 16);
	memcpy(ip->dst_addr, dst->bytes, 16);
	nd->type = type;
	nd->code = 0;
	nd->cksum = 0;
	nd->flags = rte_cpu_to_be_32(flags);
	memcpy(nd->target, target->bytes, 16);
	nd->opt_type = type == DP_ICMP6_NS ? DP_ND_OPT_SOURCE_LLA :
					     DP_ND_OPT_TARGET_LLA;
	nd->opt_len = 1;
	memcpy(nd->opt_mac, our_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	nd->cksum = dp_ip6_l4_cksum(ip, IPPROTO_ICMPV6, nd, sizeof(*nd));
}

void
dp_nd_solicited_node(const struct tp_ip *ip, struct tp_ip *group,
		     uint8_t mac[RTE_ETHER_ADDR_LEN])
{
	static const uint8_t prefix[13] = { 0xff, 0x02, 0, 0, 0, 0,   0,
					    0,    0,    0, 0, 1, 0xff };

	memset(group, 0, sizeof(*group));
	group->family = TP_AF_INET6;
	memcpy(group->bytes, prefix, sizeof(prefix));
	memcpy(group->bytes + 13, ip->bytes + 13, 3);
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->bytes + 12, 4);
}

const uint8_t *
dp_nd_find_lla(const uint8_t *icmp, uint32_t len, uint8_t opt_type, int *bad)
{
	const uint8_t *found = NULL;
	uint32_t off = ND_FIXED_LEN, olen;

	*bad = 0;
	while (off + 2 <= len) {
		olen = (uint32_t)icmp[off + 1] * 8;
		if (olen == 0 || off + olen > len) {
			*bad = -1;
			return NULL;
		}
		/* Ethernet's option is 8 bytes: type, length, the MAC. */
		if (icmp[off] == opt_type && olen >= 8 && found == NULL)
			found = icmp + off + 2;
		off += olen;
	}
	if (off != len)
		*bad = -1;
	return found;
}

/* Is @ip multicast (ff00::/8)? */
static bool
is_multicast(const uint8_t *ip)
{
	return ip[0] == 0xff;
}

/* An echo request to one of our addresses: the reply, in place. */
static void
echo_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_ip6 *ip6,
	   const struct tp_ip *dst)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = ip6->hdr;
	uint8_t *icmp = (uint8_t *)eth + ip6->l4_off;
	uint8_t tmp[16];
	uint16_t sum;

	/* Only a bare header: a reply does not echo the asker's options. */
	if (!dp_is_our_ip(w->sh, dst) ||
	    ip6->l4_off != sizeof(*eth) + sizeof(*ip)) {
		dp_drop(w, m, DP_DROP_bad_icmp6);
		return;
	}
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->sh->mac, &eth->src_addr);
	memcpy(tmp, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, tmp, 16);
	ip->hop_limits = 64;
	ip->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
	icmp[0] = DP_ICMP6_ECHO_REPLY;
	icmp[2] = icmp[3] = 0;
	sum = dp_ip6_l4_cksum(ip, IPPROTO_ICMPV6, icmp, ip6->l4_len);
	memcpy(icmp + 2, &sum, 2);
	/* and nothing past the IPv6 payload (Ethernet padding) goes back */
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - ip6->l4_off -
				       ip6->l4_len));
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	w->stats.c[DP_C_icmp6_echo_replied]++;
	dp_tx_enqueue(w, m);
}

/* A solicitation: answer for our address, learn the asker if it is ours
 * to learn. */
static void
ns_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_ip6 *ip6,
	 const uint8_t *icmp)
{
	const struct dp_shared *sh = w->sh;
	const struct rte_ipv6_hdr *ip = ip6->hdr;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct tp_ip src = { .family = TP_AF_INET6 };
	struct tp_ip target = { .family = TP_AF_INET6 };
	struct tp_ip group, dst;
	uint8_t group_mac[RTE_ETHER_ADDR_LEN], to_mac[RTE_ETHER_ADDR_LEN];
	static const uint8_t all_nodes_mac[RTE_ETHER_ADDR_LEN] = { 0x33, 0x33,
								   0,    0,
								   0,    1 };
	const uint8_t *lla;
	bool probe;
	int bad;

	memcpy(src.bytes, ip->src_addr, 16);
	memcpy(target.bytes, icmp + 8, 16);
	probe = tp_ip_cmp(&src, &(struct tp_ip){ .family = TP_AF_INET6 }) == 0;
	lla = dp_nd_find_lla(icmp, ip6->l4_len, DP_ND_OPT_SOURCE_LLA, &bad);
	dp_nd_solicited_node(&target, &group, group_mac);
	/* RFC 4861 section 7.1.1; a probe has no source address to learn. */
	if (bad != 0 || is_multicast(target.bytes) || is_multicast(src.bytes) ||
	    (probe && lla != NULL) ||
	    (memcmp(ip->dst_addr, target.bytes, 16) != 0 &&
	     memcmp(ip->dst_addr, group.bytes, 16) != 0)) {
		dp_drop(w, m, DP_DROP_bad_icmp6);
		return;
	}
	if (!dp_is_our_ip(sh, &target)) {
		dp_drop(w, m, DP_DROP_not_our_address);
		return;
	}
	if (lla != NULL) {
		if (dp_nexthop_may_learn(w, &src, false)) {
			if (dp_nexthop_learn(w, &src, lla))
				w->stats.c[DP_C_nd_learned]++;
		} else {
			w->stats.c[DP_C_nd_ignored]++;
		}
	}
	/* The answer goes to the asker's link-layer address, or (a probe)
	 * to all nodes, ff02::1 (RFC 4861 section 7.2.4). */
	if (probe) {
		memset(&dst, 0, sizeof(dst));
		dst.family = TP_AF_INET6;
		dst.bytes[0] = 0xff;
		dst.bytes[1] = 0x02;
		dst.bytes[15] = 1;
		memcpy(to_mac, all_nodes_mac, sizeof(to_mac));
	} else {
		dst = src;
		memcpy(to_mac, lla != NULL ? lla : eth->src_addr.addr_bytes,
		       sizeof(to_mac));
	}
	/* The solicitation becomes the advertisement: the same mbuf,
	 * rewritten from its start. */
	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ND_FRAME_LEN);
	if (eth == NULL) {
		dp_drop(w, m, DP_DROP_too_big);
		return;
	}
	dp_nd_write(eth, DP_ICMP6_NA,
		    DP_ND_FLAG_OVERRIDE | (probe ? 0 : DP_ND_FLAG_SOLICITED),
		    &sh->mac, to_mac, &target, &dst, &target);
	w->stats.c[DP_C_nd_advertised]++;
	dp_tx_enqueue(w, m);
}

/* An advertisement: learn it if we asked, or know it, and may. */
static void
na_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_ip6 *ip6,
	 const uint8_t *icmp)
{
	struct tp_ip target = { .family = TP_AF_INET6 };
	struct tp_ip dst = { .family = TP_AF_INET6 };
	uint32_t flags;
	const uint8_t *lla;
	int bad;

	memcpy(dst.bytes, ip6->hdr->dst_addr, 16);
	memcpy(&flags, icmp + 4, 4);
	flags = rte_be_to_cpu_32(flags);
	memcpy(target.bytes, icmp + 8, 16);
	lla = dp_nd_find_lla(icmp, ip6->l4_len, DP_ND_OPT_TARGET_LLA, &bad);
	/* RFC 4861 section 7.1.2: to a multicast address, not Solicited */
	if (bad != 0 || is_multicast(target.bytes) ||
	    (is_multicast(ip6->hdr->dst_addr) &&
	     (flags & DP_ND_FLAG_SOLICITED) != 0)) {
		dp_drop(w, m, DP_DROP_bad_icmp6);
		return;
	}
	/* RFC 4861 section 7.2.5 learns only what the cache lists.  Our cache
	 * is split over the workers, and the answer to one worker's
	 * solicitation may arrive on another's queue: a solicited
	 * advertisement to our own unicast address answers one of us. */
	if (lla != NULL &&
	    (dp_nexthop_is_listed(w, &target) ||
	     ((flags & DP_ND_FLAG_SOLICITED) != 0 && dp_is_our_ip(w->sh, &dst)))) {
		if (dp_nexthop_may_learn(w, &target,
					 (flags & DP_ND_FLAG_SOLICITED) != 0)) {
			if (dp_nexthop_learn(w, &target, lla))
				w->stats.c[DP_C_nd_learned]++;
		} else {
			w->stats.c[DP_C_nd_ignored]++;
		}
	}
	rte_pktmbuf_free(m);
}

void
dp_nd_input(struct dp_worker *w, struct rte_mbuf *m, const struct dp_ip6 *ip6)
{
	uint8_t *icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, ip6->l4_off);
	struct tp_ip dst = { .family = TP_AF_INET6 };

	if (ip6->l4_len < 4 ||
	    dp_ip6_l4_cksum(ip6->hdr, IPPROTO_ICMPV6, icmp, ip6->l4_len) != 0) {
		dp_drop(w, m, DP_DROP_bad_icmp6);
		return;
	}
	memcpy(dst.bytes, ip6->hdr->dst_addr, 16);
	switch (icmp[0]) {
	case DP_ICMP6_ECHO_REQUEST:
		echo_input(w, m, ip6, &dst);
		return;
	case DP_ICMP6_NS:
	case DP_ICMP6_NA:
		if (ip6->hdr->hop_limits != 255 || icmp[1] != 0 ||
		    ip6->l4_len < ND_FIXED_LEN) {
			dp_drop(w, m, DP_DROP_bad_icmp6);
			return;
		}
		if (icmp[0] == DP_ICMP6_NS)
			ns_input(w, m, ip6, icmp);
		else
			na_input(w, m, ip6, icmp);
		return;
	default:
		/* Router discovery, MLD reports, errors: the kernel's on a
		 * host, and no business of a relay that has no kernel here. */
		dp_drop(w, m, DP_DROP_icmp6_unhandled);
		return;
	}
}

void
dp_nd_solicit(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct dp_shared *sh = w->sh;
	const struct tp_ip *ours = dp_first_ip(sh, TP_AF_INET6);
	uint8_t group_mac[RTE_ETHER_ADDR_LEN];
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;
	struct tp_ip group;

	if (ours == NULL) /* no IPv6 address of ours: nothing to ask from */
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		w->stats.drop[DP_DROP_no_mbuf]++;
		return;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, DP_ND_FRAME_LEN);
	dp_nd_solicited_node(ip, &group, group_mac);
	dp_nd_write(eth, DP_ICMP6_NS, 0, &sh->mac, group_mac, ours, &group, ip);
	w->stats.c[DP_C_nd_solicited]++;
	dp_tx_enqueue(w, m);
}
