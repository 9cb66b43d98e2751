/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's neighbour table (IP -> MAC), filled from ARP, or in AF_XDP
 * mode from the kernel's neighbour table through the control thread.
 * Small, open addressing, no allocation; owned by one worker.  Every worker
 * keeps its own copy: whoever learns a neighbour tells the control plane,
 * which tells the others, so no table is shared between cores.
 *
 * An address probes at most DP_NEIGH_PROBE slots.  When they are all taken
 * a new entry replaces the one used longest ago among them, never a
 * pinned one (the gateway): a LAN host that sends ARP from many addresses
 * can churn the table but not fill it for good.  Entries are replaced in
 * place, never emptied, so no probe chain is ever cut.
 */
#ifndef TURNPIKE_DP_NEIGH_H
#define TURNPIKE_DP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "turnpike/addr.h"

struct rte_mbuf;
#include "turnpike/dp_msg.h"

#define DP_NEIGH_SLOTS 1024 /* power of two */
/** Slots an address may occupy, from its hash on. */
#define DP_NEIGH_PROBE 16

/** When the kernel owns ARP (AF_XDP mode), how often a worker reports a
 *  next hop it uses (DP_EVT_NEIGH_USED): well inside the kernel's
 *  gc_stale_time (60 s), so the entry stays, and soon after the kernel's
 *  reachable_time (15-45 s) runs out, so a stale entry is revalidated. */
#define DP_NEIGH_USED_EVERY_S 5

struct dp_neigh_entry {
	struct tp_ip ip;
	uint8_t mac[DP_MAC_LEN];
	bool resolved;
	uint64_t asked; /**< TSC of the last ARP request we sent (or, when the
			 *   kernel owns ARP, of the last DP_EVT_NEIGH_MISS) */
	uint64_t told;  /**< TSC of the last DP_EVT_NEIGH_USED (AF_XDP mode) */
	uint64_t used;  /**< TSC of the last lookup or update: eviction order */
	uint64_t checked; /**< TSC it was last resolved or asked again */
	bool pinned;      /**< the gateway: never evicted (dp_arp.c) */
	/** The latest frame waiting for this next hop (dst MAC unset), sent
	 *  when it resolves, dropped when the next request goes unanswered. */
	struct rte_mbuf *held;
};

struct dp_neigh {
	struct dp_neigh_entry e[DP_NEIGH_SLOTS];
	uint64_t evicted; /**< entries replaced by a newer address */
};

/**
 * The entry for @p ip, marked used at @p now; NULL if absent and @p create
 * is false, or if every slot it may take is pinned.  Creating may evict
 * the least recently used unpinned entry of the probe window; a frame it
 * held is freed.
 */
struct dp_neigh_entry *dp_neigh_find(struct dp_neigh *n, const struct tp_ip *ip,
				     bool create, uint64_t now);

/** Record @p ip -> @p mac at @p now.  @return true if new or changed. */
bool dp_neigh_set(struct dp_neigh *n, const struct tp_ip *ip,
		  const uint8_t mac[DP_MAC_LEN], uint64_t now);

#endif /* TURNPIKE_DP_NEIGH_H */
