/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's neighbour table: open addressing with linear probing over a
 * fixed array.  Runs on one worker; entries are never removed (a change of
 * MAC overwrites), which keeps probing simple and is fine for the handful
 * of next hops a relay talks to.
 */
#include <string.h>

#include "dp_neigh.h"

static uint32_t
neigh_hash(const struct tp_ip *ip)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < tp_ip_len(ip->family); i++)
		h = (h ^ ip->bytes[i]) * 16777619u;
	return h;
}

struct dp_neigh_entry *
dp_neigh_find(struct dp_neigh *n, const struct tp_ip *ip, bool create)
{
	uint32_t h = neigh_hash(ip);

	for (uint32_t i = 0; i < DP_NEIGH_SLOTS; i++) {
		struct dp_neigh_entry *e = &n->e[(h + i) & (DP_NEIGH_SLOTS - 1)];

		if (e->ip.family == TP_AF_NONE) {
			if (!create)
				return NULL;
			memset(e, 0, sizeof(*e));
			e->ip = *ip;
			return e;
		}
		if (tp_ip_equal(&e->ip, ip))
			return e;
	}
	return NULL;
}

bool
dp_neigh_set(struct dp_neigh *n, const struct tp_ip *ip,
	     const uint8_t mac[DP_MAC_LEN])
{
	struct dp_neigh_entry *e = dp_neigh_find(n, ip, true);

	if (e == NULL || (e->resolved && memcmp(e->mac, mac, DP_MAC_LEN) == 0))
		return false;
	memcpy(e->mac, mac, DP_MAC_LEN);
	e->resolved = true;
	return true;
}
