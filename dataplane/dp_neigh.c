/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's neighbour table: open addressing with linear probing over a
 * fixed array, at most DP_NEIGH_PROBE slots per address.  Runs on one
 * worker.  Entries are never emptied, only replaced in place (a change of
 * MAC overwrites, a new address evicts the least recently used unpinned
 * entry of its window), which keeps probing simple: no chain is ever cut.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "dp_neigh.h"

static uint32_t
neigh_hash(const struct tp_ip *ip)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < tp_ip_len(ip->family); i++)
		h = (h ^ ip->bytes[i]) * 16777619u;
	return h;
}

static struct dp_neigh_entry *
neigh_claim(struct dp_neigh_entry *e, const struct tp_ip *ip, uint64_t now)
{
	memset(e, 0, sizeof(*e));
	e->ip = *ip;
	e->used = now;
	return e;
}

struct dp_neigh_entry *
dp_neigh_find(struct dp_neigh *n, const struct tp_ip *ip, bool create,
	      uint64_t now)
{
	uint32_t h = neigh_hash(ip);
	struct dp_neigh_entry *victim = NULL;

	for (uint32_t i = 0; i < DP_NEIGH_PROBE; i++) {
		struct dp_neigh_entry *e = &n->e[(h + i) & (DP_NEIGH_SLOTS - 1)];

		if (e->ip.family == TP_AF_NONE)
			return create ? neigh_claim(e, ip, now) : NULL;
		if (tp_ip_equal(&e->ip, ip)) {
			e->used = now;
			return e;
		}
		if (!e->pinned && (victim == NULL || e->used < victim->used))
			victim = e;
	}
	if (!create || victim == NULL)
		return NULL;
	rte_pktmbuf_free(victim->held); /* NULL-safe */
	n->evicted++;
	return neigh_claim(victim, ip, now);
}

bool
dp_neigh_set(struct dp_neigh *n, const struct tp_ip *ip,
	     const uint8_t mac[DP_MAC_LEN], uint64_t now)
{
	struct dp_neigh_entry *e = dp_neigh_find(n, ip, true, now);

	if (e == NULL || (e->resolved && memcmp(e->mac, mac, DP_MAC_LEN) == 0))
		return false;
	memcpy(e->mac, mac, DP_MAC_LEN);
	e->resolved = true;
	return true;
}
