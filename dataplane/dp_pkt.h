/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ethernet/IP/UDP parsing and header writing for the fast path, IPv4 and
 * IPv6.  Inline; touches only the mbuf it is given.  Frames must be in one
 * segment (the mbuf pool's data room holds a full frame).
 *
 * The two families meet in struct dp_udp and dp_udp_push(): a relay leg is
 * always one family (the control plane answers 443 to a peer of the other
 * family than the relayed address), so relaying across families is only
 * a matter of each leg writing its own headers.
 */
#ifndef TURNPIKE_DP_PKT_H
#define TURNPIKE_DP_PKT_H

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "turnpike/addr.h"
#include "turnpike/dp_counters.h"
#include "turnpike/steer.h"

/** Bytes of Ethernet + IPv4 (no options) + UDP headers. */
#define DP_UDP4_HDR_LEN                                               \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
	 sizeof(struct rte_udp_hdr))

/** Bytes of Ethernet + IPv6 (no extension headers) + UDP headers. */
#define DP_UDP6_HDR_LEN                                               \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) + \
	 sizeof(struct rte_udp_hdr))

/** The headers dp_udp_push() writes in front of a payload to @p family. */
static inline uint16_t
dp_udp_hdr_len(uint8_t family)
{
	return family == TP_AF_INET6 ? DP_UDP6_HDR_LEN : DP_UDP4_HDR_LEN;
}

/* ---- Ones' complement sums (RFC 1071) ------------------------------------ */

/**
 * A payload's sum that is not known: dp_udp_push() then sums the payload
 * itself.  A known sum is folded to 16 bits, so it is never this.
 */
#define DP_SUM_UNKNOWN UINT32_MAX

/* @p s folded to 16 bits. */
static inline uint32_t
dp_sum_fold(uint32_t s)
{
	return __rte_raw_cksum_reduce(s);
}

/**
 * The folded sum of the @p len bytes at @p buf, 16-bit words in host
 * order as DPDK's sums take them, an odd last byte padded with zero.  It
 * adds eight bytes at a time with the carry brought around, which is the
 * same sum: 2^16 is 1 modulo 0xFFFF, and so is 2^64 (RFC 1071 section
 * 2(C)).  DPDK's __rte_raw_cksum() adds two bytes at a time.
 */
static inline uint32_t
dp_sum_bytes(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = 0, v;
	uint32_t v32;
	uint16_t v16 = 0;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&v, p, 8);
		acc += v;
		acc += acc < v;
	}
	if (len >= 4) {
		memcpy(&v32, p, 4);
		acc += v32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&v16, p, 2);
		acc += v16;
		p += 2;
		len -= 2;
	}
	if (len > 0) {
		v16 = 0;
		memcpy(&v16, p, 1);
		acc += v16;
	}
	acc = (acc & 0xFFFFFFFF) + (acc >> 32);
	acc = (acc & 0xFFFFFFFF) + (acc >> 32);
	return dp_sum_fold((uint32_t)acc);
}

/* Folded @p s with its two bytes swapped: how bytes count in a sum whose
 * 16-bit words start one byte off from theirs (RFC 1071 section 2(B)). */
static inline uint32_t
dp_sum_swap(uint32_t s)
{
	return (s << 8 | s >> 8) & 0xFFFF;
}

/**
 * The folded sum of the @p len bytes at @p buf as they count in a sum
 * whose 16-bit words start @p at bytes before them: a range that starts at
 * an odd offset counts byte-swapped (RFC 1071 section 2(B)).
 */
static inline uint32_t
dp_sum_at(const void *buf, uint32_t len, uint32_t at)
{
	uint32_t s = dp_sum_bytes(buf, len);

	return (at & 1) != 0 ? dp_sum_swap(s) : s;
}

/** Folded @p a minus folded @p b, in ones' complement. */
static inline uint32_t
dp_sum_sub(uint32_t a, uint32_t b)
{
	return dp_sum_fold(a + (~b & 0xFFFF));
}

/**
 * The sum of bytes [@p off, @p off + @p keep) of the @p len bytes at @p
 * data, as they count once they start a payload of their own, from the
 * sum @p sum of all @p len: what lies before and after them is taken out,
 * and an odd @p off swaps the bytes.  Constant time but for the bytes
 * after (a padded ChannelData message's padding, a Send indication's
 * attributes after DATA).  DP_SUM_UNKNOWN stays so.
 */
static inline uint32_t
dp_sum_keep(uint32_t sum, const uint8_t *data, uint32_t len, uint32_t off,
	    uint32_t keep)
{
	uint32_t end = off + keep;

	if (sum == DP_SUM_UNKNOWN)
		return sum;
	sum = dp_sum_sub(sum, dp_sum_at(data, off, 0));
	if (end < len)
		sum = dp_sum_sub(sum, dp_sum_at(data + end, len - end, end));
	return (off & 1) != 0 ? dp_sum_swap(sum) : sum;
}

/**
 * The sum of a payload once @p hlen bytes at @p h (an even number) are put
 * in front of it and zeros, if any, behind it; DP_SUM_UNKNOWN stays so.
 */
static inline uint32_t
dp_sum_prepend(uint32_t sum, const void *h, uint32_t hlen)
{
	if (sum == DP_SUM_UNKNOWN)
		return sum;
	return dp_sum_fold(sum + dp_sum_at(h, hlen, 0));
}

/** A parsed UDP frame, either family: pointers into the mbuf, addresses. */
struct dp_udp {
	struct rte_ether_hdr *eth;
	uint8_t *data;     /**< UDP payload */
	uint16_t len;      /**< UDP payload length */
	uint16_t data_off; /**< payload offset from the frame start */
	/**
	 * The folded sum of the payload.  The checksum check sums it anyway,
	 * so a relayed datagram's checksum costs the headers only, and a
	 * corrupt payload could not have got this far.
	 */
	uint32_t sum;
	/**
	 * Whether the datagram may not be fragmented on its way on: the IPv4
	 * header's Don't Fragment flag; always for IPv6, whose routers never
	 * fragment (RFC 8200 section 5), so a sender doing path-MTU discovery
	 * over IPv6 keeps that when we relay it over IPv4 (as RFC 7915
	 * section 5.1 translates it).
	 */
	bool df;
	struct tp_addr src;
	struct tp_addr dst;
};

/* The unfolded sum of @udp's pseudo-header and header, checksum included. */
static inline uint32_t
udp4_hdr_sum(const struct rte_ipv4_hdr *ip, const struct rte_udp_hdr *udp)
{
	return dp_sum_bytes(&ip->src_addr, 8) + rte_cpu_to_be_16(IPPROTO_UDP) +
	       udp->dgram_len + dp_sum_bytes(udp, sizeof(*udp));
}

/*
 * The sum of a payload of @plen bytes at @data behind a header whose sum
 * is @hsum, and whether the datagram's checksum holds.  The checksum was
 * checked already (@hw_good: by the NIC): then the payload's sum is what
 * makes the whole come to ones' complement zero, with no pass over it.
 * Otherwise the payload is summed, and the whole checked when a checksum
 * was sent (@has_cksum).
 */
static inline bool
udp_payload_sum(const uint8_t *data, uint32_t plen, uint32_t hsum, bool hw_good,
		bool has_cksum, uint32_t *sum)
{
	if (hw_good && has_cksum) {
		*sum = ~dp_sum_fold(hsum) & 0xFFFF;
		return true;
	}
	*sum = dp_sum_bytes(data, plen);
	return !has_cksum || dp_sum_fold(hsum + *sum) == 0xFFFF;
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
	    dp_sum_bytes(ip, ihl) != 0xFFFF) {
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
	p->data = (uint8_t *)(udp + 1);
	p->len = (uint16_t)(rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp));
	/* Checksum 0 means none was sent (RFC 768). */
	if (!udp_payload_sum(p->data, p->len, udp4_hdr_sum(ip, udp),
			     (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
				     RTE_MBUF_F_RX_L4_CKSUM_GOOD,
			     udp->dgram_cksum != 0, &p->sum)) {
		*why = DP_DROP_bad_udp;
		return -1;
	}
	p->eth = (struct rte_ether_hdr *)frame;
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

/*
 * The checksum to store in @udp, whose checksum field is 0 and whose
 * pseudo-header and header sum to @hsum: from the payload's sum when it is
 * known, else by a pass over the payload.  A result of 0 is sent as
 * 0xFFFF, its other form, since 0 says "none" (RFC 768).
 */
static inline uint16_t
udp_cksum_of(uint32_t hsum, const struct rte_udp_hdr *udp, uint32_t sum)
{
	uint32_t c;

	if (sum == DP_SUM_UNKNOWN)
		sum = dp_sum_bytes(udp + 1, rte_be_to_cpu_16(udp->dgram_len) -
						    sizeof(*udp));
	c = ~dp_sum_fold(hsum + sum) & 0xFFFF;
	return c == 0 ? 0xFFFF : (uint16_t)c;
}

/**
 * Prepend Ethernet, IPv4 and UDP headers to an mbuf whose data is the UDP
 * payload, and fill them (checksums by offload where the port has it).
 * @p df is the Don't Fragment flag: RFC 8656 section 14's preferred
 * behaviour copies it from the datagram that carried the data, and sets it
 * for a Send indication with DONT-FRAGMENT.  Identification 0 (RFC 6864:
 * an atomic datagram needs none), TTL 64, DSCP 0 (the alternate behaviour).
 * @p sum is the payload's folded sum, or DP_SUM_UNKNOWN.
 * @return 0, or -1 if the mbuf has no headroom.
 */
static inline int
dp_udp4_push(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
	     const uint8_t *dst_mac, const struct tp_addr *src,
	     const struct tp_addr *dst, bool df, bool ip_offload,
	     bool udp_offload, uint32_t sum)
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
		ip->hdr_checksum = (uint16_t)~dp_sum_bytes(ip, sizeof(*ip));
	if (udp_offload) {
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		udp->dgram_cksum = udp_cksum_of(udp4_hdr_sum(ip, udp), udp, sum);
	}
	return 0;
}

/* ---- IPv6 ---------------------------------------------------------------- */

/* The unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1) of
 * @p ip for protocol @p proto and upper-layer length @p len_be (network
 * order, under 64 KiB). */
static inline uint32_t
ip6_pseudo_sum(const struct rte_ipv6_hdr *ip, uint8_t proto, uint16_t len_be)
{
	return dp_sum_bytes(ip->src_addr, 32) + rte_cpu_to_be_16(proto) + len_be;
}

/**
 * The ones' complement checksum of the IPv6 upper-layer message @p l4 of
 * @p len bytes and protocol @p proto, pseudo-header included (RFC 8200
 * section 8.1), ready to store.  Over a message whose checksum field holds
 * the right value it is 0.  The upper-layer length is @p len, not the IPv6
 * payload length, which also counts extension headers (so DPDK's
 * rte_ipv6_udptcp_cksum() is right only without them).
 */
static inline uint16_t
dp_ip6_l4_cksum(const struct rte_ipv6_hdr *ip, uint8_t proto, const void *l4,
		uint32_t len)
{
	return (uint16_t)~dp_sum_fold(ip6_pseudo_sum(ip, proto,
						     rte_cpu_to_be_16((uint16_t)len)) +
				      dp_sum_bytes(l4, len));
}

/*
 * The unfolded sum of @udp's pseudo-header under IPv6 header @ip (no
 * extension headers count: RFC 8200 section 8.1) and its header, checksum
 * included.
 */
static inline uint32_t
udp6_hdr_sum(const struct rte_ipv6_hdr *ip, const struct rte_udp_hdr *udp)
{
	return ip6_pseudo_sum(ip, IPPROTO_UDP, udp->dgram_len) +
	       dp_sum_bytes(udp, sizeof(*udp));
}

/** Where an IPv6 packet's upper layer is, past its extension headers. */
struct dp_ip6 {
	struct rte_ipv6_hdr *hdr;
	uint8_t proto;   /**< upper-layer protocol: UDP, ICMPv6, ... */
	uint16_t l4_off; /**< from the frame start */
	uint16_t l4_len; /**< to the end of the IPv6 payload */
};

/** Extension headers we walk at most: as many as the steering decision
 *  (turnpike/steer.h), so what it hands us we take. */
#define DP_IP6_EXT_MAX TP_STEER_IPV6_MAX_EXT

/*
 * The options of a Hop-by-Hop or Destination Options header, @p len bytes
 * at @p opt (RFC 8200 section 4.2): Pad1 and PadN are ours to skip, and so
 * is any option whose type's two high bits are 00; the other three actions
 * say to discard the packet (we send no ICMPv6 Parameter Problem).
 */
static inline bool
ip6_options_skippable(const uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		if (opt[i] == 0) { /* Pad1: one byte, no length */
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + (uint32_t)opt[i + 1] > len)
			return false;
		if (opt[i] != 1 && (opt[i] >> 6) != 0)
			return false;
		i += 2 + (uint32_t)opt[i + 1];
	}
	return true;
}

/**
 * Parse an IPv6 header whose Ethernet header was already checked, and walk
 * its extension headers (RFC 8200 section 4) to the upper layer:
 *  - Hop-by-Hop (first only) and Destination Options are skipped when every
 *    option in them may be (ip6_options_skippable());
 *  - a Routing header is skipped when its Segments Left is 0; otherwise the
 *    packet is for us to forward, which a relay does not do;
 *  - a Fragment header: dropped as a fragment, unless it is an atomic
 *    fragment (offset 0, no more fragments), which is the whole datagram
 *    and is skipped (RFC 6946);
 *  - anything else (UDP, ICMPv6, ESP, No Next Header ...) is the upper
 *    layer, for the caller to judge.
 * What may not be skipped, and a chain longer than DP_IP6_EXT_MAX, is
 * dropped as ipv6_ext_header.
 * @return -1 and sets @p why on a malformed or unsupported packet.
 */
static inline int
dp_ip6_parse(struct rte_mbuf *m, struct dp_ip6 *p, enum dp_drop *why)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t flen = rte_pktmbuf_data_len(m);
	uint32_t off = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr);
	struct rte_ipv6_hdr *ip;
	uint32_t end, hlen;
	uint8_t nh;

	if (flen < off) {
		*why = DP_DROP_bad_ip;
		return -1;
	}
	ip = (struct rte_ipv6_hdr *)(frame + sizeof(struct rte_ether_hdr));
	end = off + rte_be_to_cpu_16(ip->payload_len);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || end > flen) {
		*why = DP_DROP_bad_ip;
		return -1;
	}
	nh = ip->proto;
	for (int i = 0;; i++) {
		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_DSTOPTS &&
		    nh != IPPROTO_ROUTING && nh != IPPROTO_FRAGMENT)
			break;
		if (i == DP_IP6_EXT_MAX || (nh == IPPROTO_HOPOPTS && i > 0)) {
			*why = DP_DROP_ipv6_ext_header;
			return -1;
		}
		/* Every one of them starts with next header and a length
		 * in 8-byte units not counting the first 8 (the Fragment
		 * header's is reserved: it is 8 bytes). */
		if (off + 8 > end) {
			*why = DP_DROP_bad_ip;
			return -1;
		}
		hlen = nh == IPPROTO_FRAGMENT ?
			       8 :
			       ((uint32_t)frame[off + 1] + 1) * 8;
		if (off + hlen > end) {
			*why = DP_DROP_bad_ip;
			return -1;
		}
		if (nh == IPPROTO_FRAGMENT) {
			/* offset (13 bits), 2 reserved, M */
			if ((((uint32_t)frame[off + 2] << 8 | frame[off + 3]) &
			     0xFFF9u) != 0) {
				*why = DP_DROP_ip_fragment;
				return -1;
			}
		} else if (nh == IPPROTO_ROUTING) {
			if (frame[off + 3] != 0) { /* Segments Left */
				*why = DP_DROP_ipv6_ext_header;
				return -1;
			}
		} else if (!ip6_options_skippable(frame + off + 2, hlen - 2)) {
			*why = DP_DROP_ipv6_ext_header;
			return -1;
		}
		nh = frame[off];
		off += hlen;
	}
	p->hdr = ip;
	p->proto = nh;
	p->l4_off = (uint16_t)off;
	p->l4_len = (uint16_t)(end - off);
	return 0;
}

/**
 * Parse the UDP datagram of an IPv6 packet dp_ip6_parse() walked to
 * (@p ip6->proto is UDP).  The checksum is mandatory over IPv6 (RFC 8200
 * section 8.1): a zero one is dropped like a wrong one.
 * @return -1 and sets @p why on a malformed datagram.
 */
static inline int
dp_udp6_parse(struct rte_mbuf *m, const struct dp_ip6 *ip6, struct dp_udp *p,
	      enum dp_drop *why)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(frame + ip6->l4_off);
	uint32_t ulen;

	if (ip6->l4_len < sizeof(*udp)) {
		*why = DP_DROP_bad_udp;
		return -1;
	}
	ulen = rte_be_to_cpu_16(udp->dgram_len);
	if (ulen < sizeof(*udp) || ulen > ip6->l4_len ||
	    (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
		    RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    udp->dgram_cksum == 0) {
		*why = DP_DROP_bad_udp;
		return -1;
	}
	p->data = (uint8_t *)(udp + 1);
	p->len = (uint16_t)(ulen - sizeof(*udp));
	if (!udp_payload_sum(p->data, p->len, udp6_hdr_sum(ip6->hdr, udp),
			     (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
				     RTE_MBUF_F_RX_L4_CKSUM_GOOD,
			     true, &p->sum)) {
		*why = DP_DROP_bad_udp;
		return -1;
	}
	p->eth = (struct rte_ether_hdr *)frame;
	p->data_off = (uint16_t)(p->data - frame);
	p->df = true; /* see struct dp_udp */
	p->src.ip.family = p->dst.ip.family = TP_AF_INET6;
	memcpy(p->src.ip.bytes, ip6->hdr->src_addr, 16);
	memcpy(p->dst.ip.bytes, ip6->hdr->dst_addr, 16);
	p->src.port = rte_be_to_cpu_16(udp->src_port);
	p->dst.port = rte_be_to_cpu_16(udp->dst_port);
	return 0;
}

/**
 * Prepend Ethernet, IPv6 and UDP headers to an mbuf whose data is the UDP
 * payload, and fill them.  RFC 8656 section 14's choices, for every
 * relayed datagram whichever family it came in on: Traffic Class 0 (the
 * alternate behaviour, as DSCP 0 over IPv4), Flow Label 0, Hop Limit 64, and
 * never a Fragment header: what does not fit the frame was dropped before.
 * The UDP checksum by offload where the port has it, else from @p sum,
 * the payload's folded sum, or DP_SUM_UNKNOWN.
 * @return 0, or -1 if the mbuf has no headroom or the datagram is too long.
 */
static inline int
dp_udp6_push(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
	     const uint8_t *dst_mac, const struct tp_addr *src,
	     const struct tp_addr *dst, bool udp_offload, uint32_t sum)
{
	uint32_t ulen = rte_pktmbuf_pkt_len(m) + sizeof(struct rte_udp_hdr);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct rte_udp_hdr *udp;

	if (ulen > UINT16_MAX)
		return -1;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, DP_UDP6_HDR_LEN);
	if (eth == NULL)
		return -1;
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);

	memcpy(&eth->dst_addr, dst_mac, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);

	ip->vtc_flow = rte_cpu_to_be_32(UINT32_C(6) << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)ulen);
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, src->ip.bytes, 16);
	memcpy(ip->dst_addr, dst->ip.bytes, 16);

	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)ulen);
	udp->dgram_cksum = 0;

	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	m->ol_flags |= RTE_MBUF_F_TX_IPV6;
	if (udp_offload) {
		m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
		udp->dgram_cksum = rte_ipv6_phdr_cksum(ip, m->ol_flags);
	} else {
		/* 0 says "no checksum", which IPv6 does not allow either */
		udp->dgram_cksum = udp_cksum_of(udp6_hdr_sum(ip, udp), udp, sum);
	}
	return 0;
}

/**
 * Prepend the headers of the family of @p dst (and @p src: one family)
 * and fill them; dp_udp4_push() and dp_udp6_push() say how.  @p df and
 * @p ip_offload matter to IPv4 only.
 * @return 0, or -1 if the headers do not fit or the families differ.
 */
static inline int
dp_udp_push(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
	    const uint8_t *dst_mac, const struct tp_addr *src,
	    const struct tp_addr *dst, bool df, bool ip_offload,
	    bool udp_offload, uint32_t sum)
{
	if (src->ip.family != dst->ip.family)
		return -1;
	if (dst->ip.family == TP_AF_INET6)
		return dp_udp6_push(m, src_mac, dst_mac, src, dst, udp_offload,
				    sum);
	return dp_udp4_push(m, src_mac, dst_mac, src, dst, df, ip_offload,
			    udp_offload, sum);
}

#endif /* TURNPIKE_DP_PKT_H */
