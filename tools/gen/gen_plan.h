/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The generator's address plan: which transport address each client
 * (allocation) and each peer uses, and the way back from an address to its
 * index, both by arithmetic (no table, whatever the number of allocations).
 *
 * Clients are spread over the host addresses of --client-net first, then
 * over ports: with K client IPs, client i is
 *
 *     IP   = first host + i % K
 *     port = client port base + i / K
 *
 * Peers likewise over --peer-net from the peer port base.  Allocation i
 * talks to peer i % M.  Host addresses of an IPv4 prefix are its addresses
 * minus the network and broadcast addresses (a /31 or /32, or a range that
 * is not prefix-aligned, uses them all).
 *
 * Either net may be IPv6 (each its own family: a client of one family may
 * talk to peers of the other through the relay).  An IPv6 net is used
 * within one /96: the upper 96 bits of its first address are fixed and the
 * index goes into the low 32, as an IPv4 address's does, so the arithmetic
 * is the same; its all-zero first address (RFC 4291's Subnet-Router
 * anycast) is skipped.
 *
 * Pure code.
 */
#ifndef TURNPIKE_GEN_PLAN_H
#define TURNPIKE_GEN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "turnpike/addr.h"

/** Addresses of clients and peers. */
struct gen_plan {
	uint32_t n_clients; /**< allocations */
	uint32_t n_peers;
	uint8_t client_family, peer_family; /**< TP_AF_INET or TP_AF_INET6 */
	uint8_t client_hi[12], peer_hi[12]; /**< IPv6: the upper 96 bits */
	uint32_t client_ip0; /**< first client IP (IPv6: low 32 bits), host order */
	uint32_t n_client_ips;
	uint16_t client_port0;
	uint32_t peer_ip0; /**< first peer IP (IPv6: low 32 bits), host order */
	uint32_t n_peer_ips;
	uint16_t peer_port0;
};

/** What gen_plan_init() needs. */
struct gen_plan_params {
	struct tp_ip_range client_net;
	struct tp_ip_range peer_net;
	uint32_t n_clients;
	uint32_t n_peers;
	uint32_t n_client_ips; /**< 0 = as many as useful */
	uint32_t n_peer_ips;   /**< 0 = as many as useful */
	uint16_t client_port0;
	uint16_t peer_port0;
};

/**
 * Lay out the plan.  Refuses empty counts, too few ports on the IPs given,
 * and client and peer IPs that overlap.
 * @return 0 or -EINVAL with a message in @p err.
 */
int gen_plan_init(struct gen_plan *plan, const struct gen_plan_params *p,
		  char *err, size_t err_len);

/** The address of @p family whose low 32 bits are @p v (IPv6: under @p hi). */
static inline struct tp_ip
gen_plan_ip(uint8_t family, const uint8_t *hi, uint32_t v)
{
	struct tp_ip ip;

	if (family == TP_AF_INET)
		return tp_ip_v4(v);
	memset(&ip, 0, sizeof(ip));
	ip.family = TP_AF_INET6;
	memcpy(ip.bytes, hi, 12);
	ip.bytes[12] = (uint8_t)(v >> 24);
	ip.bytes[13] = (uint8_t)(v >> 16);
	ip.bytes[14] = (uint8_t)(v >> 8);
	ip.bytes[15] = (uint8_t)v;
	return ip;
}

/** The low 32 bits of @p ip into @p v, if it is of @p family (and, IPv6,
 *  under @p hi). */
static inline bool
gen_plan_ip_low(uint8_t family, const uint8_t *hi, const struct tp_ip *ip,
		uint32_t *v)
{
	if (ip->family != family)
		return false;
	if (family == TP_AF_INET) {
		*v = tp_ip_v4_host(ip);
		return true;
	}
	if (memcmp(ip->bytes, hi, 12) != 0)
		return false;
	*v = (uint32_t)ip->bytes[12] << 24 | (uint32_t)ip->bytes[13] << 16 |
	     (uint32_t)ip->bytes[14] << 8 | ip->bytes[15];
	return true;
}

/** Transport address of client @p i (< n_clients). */
static inline void
gen_plan_client(const struct gen_plan *plan, uint32_t i, struct tp_addr *out)
{
	out->ip = gen_plan_ip(plan->client_family, plan->client_hi,
			      plan->client_ip0 + i % plan->n_client_ips);
	out->port = (uint16_t)(plan->client_port0 + i / plan->n_client_ips);
}

/** Transport address of peer @p j (< n_peers). */
static inline void
gen_plan_peer(const struct gen_plan *plan, uint32_t j, struct tp_addr *out)
{
	out->ip = gen_plan_ip(plan->peer_family, plan->peer_hi,
			      plan->peer_ip0 + j % plan->n_peer_ips);
	out->port = (uint16_t)(plan->peer_port0 + j / plan->n_peer_ips);
}

/** The peer allocation @p i talks to. */
static inline uint32_t
gen_plan_peer_of(const struct gen_plan *plan, uint32_t i)
{
	return i % plan->n_peers;
}

/** Index of the client at @p a, or -1 if none of ours. */
static inline int64_t
gen_plan_client_index(const struct gen_plan *plan, const struct tp_addr *a)
{
	uint32_t off, i;

	if (a->port < plan->client_port0 ||
	    !gen_plan_ip_low(plan->client_family, plan->client_hi, &a->ip, &off))
		return -1;
	off -= plan->client_ip0;
	if (off >= plan->n_client_ips)
		return -1;
	i = (uint32_t)(a->port - plan->client_port0) * plan->n_client_ips + off;
	return i < plan->n_clients ? (int64_t)i : -1;
}

/** Index of the peer at @p a, or -1 if none of ours. */
static inline int64_t
gen_plan_peer_index(const struct gen_plan *plan, const struct tp_addr *a)
{
	uint32_t off, j;

	if (a->port < plan->peer_port0 ||
	    !gen_plan_ip_low(plan->peer_family, plan->peer_hi, &a->ip, &off))
		return -1;
	off -= plan->peer_ip0;
	if (off >= plan->n_peer_ips)
		return -1;
	j = (uint32_t)(a->port - plan->peer_port0) * plan->n_peer_ips + off;
	return j < plan->n_peers ? (int64_t)j : -1;
}

/** True if @p ip is one of the client or peer IPs (we answer ARP and
 *  neighbour solicitations for it). */
static inline bool
gen_plan_owns_ip(const struct gen_plan *plan, const struct tp_ip *ip)
{
	uint32_t v;

	return (gen_plan_ip_low(plan->client_family, plan->client_hi, ip, &v) &&
		v - plan->client_ip0 < plan->n_client_ips) ||
	       (gen_plan_ip_low(plan->peer_family, plan->peer_hi, ip, &v) &&
		v - plan->peer_ip0 < plan->n_peer_ips);
}

#endif /* TURNPIKE_GEN_PLAN_H */
