/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The facts every worker reads and nobody writes after launch: the port's
 * identity and offloads, our addresses, the relay port range, next hops.
 * dp_plane.c fills it once from struct tp_plane_params and the port; the
 * lookups below are the questions every unit of the fast path asks of it.
 */
#ifndef TURNPIKE_DP_SHARED_H
#define TURNPIKE_DP_SHARED_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>

#include "turnpike/addr.h"
#include "turnpike/plane.h"
#include "turnpike/steer.h"

#define DP_MAX_WORKERS TP_PLANE_MAX_WORKERS
#define DP_MAX_LISTEN TP_PLANE_MAX_LISTEN
#define DP_MAX_RELAY_IPS TP_PLANE_MAX_RELAY_IPS
#define DP_MAX_LOCAL_NETS TP_PLANE_MAX_LOCAL_NETS

/**
 * Our addresses by a hash of their bytes, for the questions every packet
 * asks ("is this a relay address of ours, and which?", "is it ours at
 * all?"): one or two probes, however many relay addresses a large
 * deployment configures (a million allocations take 17).  Open addressing
 * with linear probing; filled once by dp_plane.c, read-only after.
 */
#define DP_OUR_IP_SLOTS 256 /* a power of two, over twice the addresses */

struct dp_our_ip {
	struct tp_ip ip;  /**< family TP_AF_NONE: an empty slot */
	int8_t relay_idx; /**< index in relay_ips[], or -1 (listening only) */
};

/** Start-up facts every worker reads and nobody writes after launch. */
struct dp_shared {
	struct rte_ether_addr mac;
	uint16_t port_id;
	uint16_t n_workers;
	uint16_t n_rx_queues;
	uint16_t listen_port;
	uint16_t min_port;
	uint16_t max_port;
	uint16_t n_listen;
	uint16_t n_relay;
	uint16_t n_local;
	uint16_t chan_max; /**< highest channel number accepted */
	bool udp_clients;  /**< false: no-udp, clients use streams */
	struct tp_ip listen_ips[DP_MAX_LISTEN];
	struct tp_ip relay_ips[DP_MAX_RELAY_IPS];
	struct tp_ip_range local_nets[DP_MAX_LOCAL_NETS];
	struct tp_ip gateway;  /**< IPv4; family TP_AF_NONE if none */
	struct tp_ip gateway6; /**< IPv6; family TP_AF_NONE if none */
	bool tx_ip_cksum_offload;
	bool tx_udp_cksum_offload;
	uint32_t idle_sleep_us; /**< sleep after idle polls; 0 = busy poll */
	bool neigh_from_kernel; /**< the kernel resolves next hops (AF_XDP,
				 *   exception port) */
	bool has_xport;         /**< exception-port mode: steer NIC frames */
	uint16_t xport_id;      /**< the exception port (dp_xport.h) */
	struct tp_steer_ports steer_ports; /**< listen and relay ports */
	uint32_t request_rate; /**< punts per source prefix and second; 0 = all */
	uint32_t request_burst;
	uint8_t limit_v4_bits, limit_v6_bits;
	uint64_t tsc_hz;
	struct dp_our_ip our_ips[DP_OUR_IP_SLOTS]; /**< dp_our_ip_find() */
};

/** Where @p ip's probe starts in our_ips[]: a multiplicative hash of its
 *  bytes folded to 32 bits. */
static inline uint32_t
dp_our_ip_hash(const struct tp_ip *ip)
{
	uint32_t w[4] = { 0, 0, 0, 0 };

	memcpy(w, ip->bytes, tp_ip_len(ip->family));
	return ((w[0] ^ w[1] ^ w[2] ^ w[3] ^ ip->family) * 2654435761u) >>
	       24; /* 8 bits: DP_OUR_IP_SLOTS */
}

/** @p ip's entry in our_ips[], or NULL if it is not ours. */
static inline const struct dp_our_ip *
dp_our_ip_find(const struct dp_shared *sh, const struct tp_ip *ip)
{
	uint32_t i = dp_our_ip_hash(ip);

	for (uint32_t n = 0; n < DP_OUR_IP_SLOTS; n++) {
		const struct dp_our_ip *e =
			&sh->our_ips[(i + n) & (DP_OUR_IP_SLOTS - 1)];

		if (e->ip.family == TP_AF_NONE)
			return NULL;
		if (tp_ip_equal(&e->ip, ip))
			return e;
	}
	return NULL;
}

/** Index of @p ip among our relay addresses, or -1. */
static inline int
dp_relay_ip_index(const struct dp_shared *sh, const struct tp_ip *ip)
{
	const struct dp_our_ip *e = dp_our_ip_find(sh, ip);

	return e != NULL ? e->relay_idx : -1;
}

/** Whether @p a is one of our listening transport addresses. */
static inline bool
dp_is_listen_addr(const struct dp_shared *sh, const struct tp_addr *a)
{
	if (a->port != sh->listen_port)
		return false;
	for (int i = 0; i < sh->n_listen; i++)
		if (tp_ip_equal(&sh->listen_ips[i], &a->ip))
			return true;
	return false;
}

/** Whether @p ip is one of our addresses (listening or relay). */
static inline bool
dp_is_our_ip(const struct dp_shared *sh, const struct tp_ip *ip)
{
	return dp_our_ip_find(sh, ip) != NULL;
}

/**
 * Our first address of @p family, the source of what we ask the link
 * (ARP, neighbour solicitations): a listening address, else a relay
 * address.  @return NULL if we have none of that family.
 */
static inline const struct tp_ip *
dp_first_ip(const struct dp_shared *sh, uint8_t family)
{
	for (int i = 0; i < sh->n_listen; i++)
		if (sh->listen_ips[i].family == family)
			return &sh->listen_ips[i];
	for (int i = 0; i < sh->n_relay; i++)
		if (sh->relay_ips[i].family == family)
			return &sh->relay_ips[i];
	return NULL;
}

/** Whether @p a is a relayed transport address of ours (any port owner). */
static inline bool
dp_is_relay_addr(const struct dp_shared *sh, const struct tp_addr *a)
{
	return a->port >= sh->min_port && a->port <= sh->max_port &&
	       dp_relay_ip_index(sh, &a->ip) >= 0;
}

#endif /* TURNPIKE_DP_SHARED_H */
