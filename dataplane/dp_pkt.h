/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet/IPv4/UDP parsing and header writing for the fast path.  Inline;
 * touches only the mbuf it is given.  Frames must be in one segment (the
 * mbuf pool's data room holds a full frame).
 */
#ifndef TURNPIKE_DP_PKT_H
#define TURNPIKE_DP_PKT_H

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "turnpike/addr.h"
#include "turnpike/dp_counters.h"

/** Bytes of Ethernet + IPv4 (no options) + UDP headers. */
#define DP_UDP4_HDR_LEN                                               \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
	 sizeof(struct rte_udp_hdr))

/** A parsed UDP/IPv4 frame: pointers into the mbuf and the addresses. */
struct dp_udp {
	struct rte_ether_hdr *eth;
	uint8_t *data;     /**< UDP payload */
	uint16_t len;      /**< UDP payload length */
	uint16_t data_off; /**< payload offset from the frame start */
	bool df;           /**< the IPv4 header's Don't Fragment flag */
	struct tp_addr src;
	struct tp_addr dst;
};

/* Whether @udp's checksum, over the pseudo-header and dgram_len bytes, holds. */
static inline bool
udp4_cksum_ok(const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp)
{
	uint32_t sum = __rte_raw_cksum(&ip->src_addr, 8, 0);

	sum += rte_cpu_to_be_16(IPPROTO_UDP) + udp->dgram_len;
	sum = __rte_raw_cksum(udp, rte_be_to_cpu_16(udp->dgram_len), sum);
	return __rte_raw_cksum_reduce(sum) == 0xFFFF;
}

/**
 * Parse an IPv4/UDP frame whose Ethernet header was already checked.
 * @return -1 and sets @p why on a malformed or unsupported frame.
 */
static inline int
dp_udp4_parse(struct rte_mbuf *m, struct dp_udp *p, enum dp_drop *why)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t flen = rte_pktmbuf_data_len(m);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint32_t ihl, tot, ulen;

	if (flen < sizeof(struct rte_ether_hdr) + sizeof(*ip)) {
		*why = DP_DROP_bad_ip;
		return -1;
	}
	ip = (struct rte_ipv4_hdr *)(frame + sizeof(struct rte_ether_hdr));
	ihl = (uint32_t)(ip->version_ihl & 0x0F) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    sizeof(struct rte_ether_hdr) + tot > flen ||
	    (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
		    RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		*why = DP_DROP_bad_ip;
		return -1;
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    rte_raw_cksum(ip, ihl) != 0xFFFF) {
		*why = DP_DROP_bad_ip;
		return -1;
	}
	if ((rte_be_to_cpu_16(ip->fragment_offset) &
	     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0) {
		*why = DP_DROP_ip_fragment;
		return -1;
	}
	if (ip->next_proto_id != IPPROTO_UDP) {
		*why = DP_DROP_not_udp;
		return -1;
	}
	udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
	ulen = tot - ihl;
	if (ulen < sizeof(*udp) || rte_be_to_cpu_16(udp->dgram_len) > ulen ||
	    rte_be_to_cpu_16(udp->dgram_len) < sizeof(*udp) ||
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		    RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		*why = DP_DROP_bad_udp;
		return -1;
	}
	/* Checksum 0 means none was sent (RFC 768). */
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) !=
		    RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    udp->dgram_cksum != 0 && !udp4_cksum_ok(ip, udp)) {
		*why = DP_DROP_bad_udp;
		return -1;
	}
	p->eth = (struct rte_ether_hdr *)frame;
	p->data = (uint8_t *)(udp + 1);
	p->len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp));
	p->data_off = (uint16_t)(p->data - frame);
	p->df = (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) !=
		0;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->src.ip.family = p->dst.ip.family = TP_AF_INET;
	memcpy(p->src.ip.bytes, &ip->src_addr, 4);
	memcpy(p->dst.ip.bytes, &ip->dst_addr, 4);
	p->src.port = rte_be_to_cpu_16(udp->src_port);
	p->dst.port = rte_be_to_cpu_16(udp->dst_port);
	return 0;
}

/**
 * Prepend Ethernet, IPv4 and UDP headers to an mbuf whose data is the UDP
 * payload, and fill them (checksums by offload where the port has it).
 * @p df is the Don't Fragment flag: RFC 8656 section 14's preferred
 * behaviour copies it from the datagram that carried the data, and sets it
 * for a Send indication with DONT-FRAGMENT.  Identification 0 (RFC 6864:
 * an atomic datagram needs none), TTL 64, DSCP 0 (the alternate behaviour).
 * @return 0, or -1 if the mbuf has no headroom.
 */
static inline int
dp_udp4_push(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
	     const uint8_t *dst_mac, const struct tp_addr *src,
	     const struct tp_addr *dst, bool df, bool ip_offload,
	     bool udp_offload)
{
	uint16_t plen = (uint16_t)rte_pktmbuf_pkt_len(m);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, DP_UDP4_HDR_LEN);
	if (eth == NULL)
		return -1;
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);

	memcpy(&eth->dst_addr, dst_mac, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(plen + sizeof(*ip) + sizeof(*udp)));
	ip->packet_id = 0;
	ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->hdr_checksum = 0;
	memcpy(&ip->src_addr, src->ip.bytes, 4);
	memcpy(&ip->dst_addr, dst->ip.bytes, 4);

	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(plen + sizeof(*udp)));
	udp->dgram_cksum = 0;

	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4;
	if (ip_offload)
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (udp_offload) {
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	}
	return 0;
}

#endif /* TURNPIKE_DP_PKT_H */
