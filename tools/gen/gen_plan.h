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
 * talks to peer i % M.  Host addresses of a prefix are its addresses minus
 * the network and broadcast addresses (a /31 or /32, or a range that is
 * not prefix-aligned, uses them all).
 *
 * Pure code (IPv4 only for now: the generator does not speak IPv6 yet).
 */
#ifndef TURNPIKE_GEN_PLAN_H
#define TURNPIKE_GEN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/** Addresses of clients and peers. */
struct gen_plan {
	uint32_t n_clients; /**< allocations */
	uint32_t n_peers;
	uint32_t client_ip0; /**< first client IP, host order */
	uint32_t n_client_ips;
	uint16_t client_port0;
	uint32_t peer_ip0; /**< first peer IP, host order */
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
 * Lay out the plan.  Refuses IPv6, empty counts, too few ports on the IPs
 * given, and client and peer IPs that overlap.
 * @return 0 or -EINVAL with a message in @p err.
 */
int gen_plan_init(struct gen_plan *plan, const struct gen_plan_params *p,
		  char *err, size_t err_len);

/** Transport address of client @p i (< n_clients). */
static inline void
gen_plan_client(const struct gen_plan *plan, uint32_t i, struct tp_addr *out)
{
	out->ip = tp_ip_v4(plan->client_ip0 + i % plan->n_client_ips);
	out->port = (uint16_t)(plan->client_port0 + i / plan->n_client_ips);
}

/** Transport address of peer @p j (< n_peers). */
static inline void
gen_plan_peer(const struct gen_plan *plan, uint32_t j, struct tp_addr *out)
{
	out->ip = tp_ip_v4(plan->peer_ip0 + j % plan->n_peer_ips);
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

	if (a->ip.family != TP_AF_INET || a->port < plan->client_port0)
		return -1;
	off = tp_ip_v4_host(&a->ip) - plan->client_ip0;
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

	if (a->ip.family != TP_AF_INET || a->port < plan->peer_port0)
		return -1;
	off = tp_ip_v4_host(&a->ip) - plan->peer_ip0;
	if (off >= plan->n_peer_ips)
		return -1;
	j = (uint32_t)(a->port - plan->peer_port0) * plan->n_peer_ips + off;
	return j < plan->n_peers ? (int64_t)j : -1;
}

/** True if @p ip is one of the client or peer IPs (we answer ARP for it). */
static inline bool
gen_plan_owns_ip(const struct gen_plan *plan, const struct tp_ip *ip)
{
	uint32_t v;

	if (ip->family != TP_AF_INET)
		return false;
	v = tp_ip_v4_host(ip);
	return v - plan->client_ip0 < plan->n_client_ips ||
	       v - plan->peer_ip0 < plan->n_peer_ips;
}

#endif /* TURNPIKE_GEN_PLAN_H */
