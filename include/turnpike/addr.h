/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Transport addresses, family-agnostic, shared by both planes and the tools.
 *
 * An address is stored the way it travels: network byte order in a 16-byte
 * buffer, with IPv4 in the first four bytes.  Nothing here allocates or does
 * I/O; everything is inline so the fast path can use it.
 */
#ifndef TURNPIKE_ADDR_H
#define TURNPIKE_ADDR_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Address family, numbered as STUN encodes it (RFC 8489 section 14.1). */
enum tp_family {
	TP_AF_NONE = 0,
	TP_AF_INET = 1,  /**< IPv4 */
	TP_AF_INET6 = 2, /**< IPv6 */
};

/** An IP address (no port). */
struct tp_ip {
	uint8_t family;    /**< enum tp_family */
	uint8_t bytes[16]; /**< network order; IPv4 uses bytes[0..3], rest zero */
};

/** A transport address: IP address and UDP/TCP port. */
struct tp_addr {
	struct tp_ip ip;
	uint16_t port; /**< host byte order */
};

/** An inclusive range of IP addresses of one family: lo <= x <= hi. */
struct tp_ip_range {
	struct tp_ip lo;
	struct tp_ip hi;
};

/** Length in bytes of an address of @p family: 4, 16, or 0 if unknown. */
static inline size_t
tp_ip_len(uint8_t family)
{
	return family == TP_AF_INET ? 4 : family == TP_AF_INET6 ? 16 : 0;
}

/** Build an IPv4 address from a host-order 32-bit value. */
static inline struct tp_ip
tp_ip_v4(uint32_t host_order)
{
	struct tp_ip ip = { .family = TP_AF_INET };

	ip.bytes[0] = (uint8_t)(host_order >> 24);
	ip.bytes[1] = (uint8_t)(host_order >> 16);
	ip.bytes[2] = (uint8_t)(host_order >> 8);
	ip.bytes[3] = (uint8_t)host_order;
	return ip;
}

/** The IPv4 address as a host-order 32-bit value (family not checked). */
static inline uint32_t
tp_ip_v4_host(const struct tp_ip *ip)
{
	return (uint32_t)ip->bytes[0] << 24 | (uint32_t)ip->bytes[1] << 16 |
	       (uint32_t)ip->bytes[2] << 8 | ip->bytes[3];
}

/** True if both addresses have the same family and bytes.  The fast path
 *  asks this per packet, so the bytes are compared in one 32-bit or two
 *  64-bit loads: GCC calls memcmp for a 16-byte memcmp() == 0. */
static inline bool
tp_ip_equal(const struct tp_ip *a, const struct tp_ip *b)
{
	uint64_t a0, a1, b0, b1;
	uint32_t a4, b4;

	if (a->family != b->family)
		return false;
	if (a->family == TP_AF_INET) {
		memcpy(&a4, a->bytes, 4);
		memcpy(&b4, b->bytes, 4);
		return a4 == b4;
	}
	if (a->family != TP_AF_INET6)
		return true;
	memcpy(&a0, a->bytes, 8);
	memcpy(&a1, a->bytes + 8, 8);
	memcpy(&b0, b->bytes, 8);
	memcpy(&b1, b->bytes + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/** True if both transport addresses are equal (IP and port). */
static inline bool
tp_addr_equal(const struct tp_addr *a, const struct tp_addr *b)
{
	return a->port == b->port && tp_ip_equal(&a->ip, &b->ip);
}

/**
 * Compare two addresses of the same family as unsigned big-endian numbers.
 * @return <0, 0 or >0 like memcmp.
 */
static inline int
tp_ip_cmp(const struct tp_ip *a, const struct tp_ip *b)
{
	uint64_t a0, a1, b0, b1;

	/* Two big-endian halves, not memcmp(): the fast path asks this for
	 * every datagram to a peer (is it on a local network?). */
	memcpy(&a0, a->bytes, 8);
	memcpy(&a1, a->bytes + 8, 8);
	memcpy(&b0, b->bytes, 8);
	memcpy(&b1, b->bytes + 8, 8);
	a0 = be64toh(a0);
	b0 = be64toh(b0);
	if (a0 != b0)
		return a0 < b0 ? -1 : 1;
	a1 = be64toh(a1);
	b1 = be64toh(b1);
	return a1 < b1 ? -1 : a1 > b1;
}

/** True if @p ip lies in @p range (same family, lo <= ip <= hi). */
static inline bool
tp_ip_range_contains(const struct tp_ip_range *range, const struct tp_ip *ip)
{
	return ip->family == range->lo.family &&
	       tp_ip_cmp(&range->lo, ip) <= 0 && tp_ip_cmp(ip, &range->hi) <= 0;
}

/** Longest text form of an address with port: "[v6]:65535" plus NUL. */
#define TP_ADDR_STRLEN 48

/**
 * Parse an IP address in text form ("192.0.2.1", "2001:db8::1").
 * @return 0, or -EINVAL.
 */
int tp_ip_parse(struct tp_ip *ip, const char *text);

/**
 * Parse an IP range: "a.b.c.d", CIDR "a.b.c.d/n", or coturn's "a-b" form
 * (either family, non-prefix-aligned ends allowed).
 * @return 0, or -EINVAL.
 */
int tp_ip_range_parse(struct tp_ip_range *range, const char *text);

/** Format an IP address; @p out has at least TP_ADDR_STRLEN bytes. */
const char *tp_ip_format(const struct tp_ip *ip, char *out, size_t cap);

/** Format "ip:port" or "[ip]:port"; @p out has at least TP_ADDR_STRLEN bytes. */
const char *tp_addr_format(const struct tp_addr *addr, char *out, size_t cap);

#endif /* TURNPIKE_ADDR_H */
