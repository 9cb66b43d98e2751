/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's allocation table.  Owned and touched by one worker only.
 *
 * Three ways in, all sized at start-up so nothing allocates afterwards:
 *  - client 5-tuple -> slot: an rte_hash keyed by struct dp_five_tuple;
 *  - (relay IP index, relay port) -> slot: a flat array, one entry per port
 *    (two for a dual allocation, one per relayed address);
 *  - slot -> struct dp_alloc: an array.
 * Permissions and channels live inline in the allocation (browsers use one
 * or two), and spill into blocks from a per-worker pool chained off the
 * allocation when there are more.  Expiry is a TSC deadline checked on use;
 * the control plane's timers remain the authority and send deletes.
 */
#ifndef TURNPIKE_DP_TABLE_H
#define TURNPIKE_DP_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#include "turnpike/addr.h"
#include "turnpike/dp_msg.h"

#define DP_NONE UINT32_MAX

/** Hash key of a client 5-tuple; the protocol is the client's transport. */
struct dp_five_tuple {
	uint8_t client_ip[16];
	uint8_t server_ip[16];
	uint16_t client_port;
	uint16_t server_port;
	uint8_t family;
	uint8_t transport; /* enum tp_transport */
	uint8_t pad[2];    /* zero: the whole struct is hashed */
};

/** A permission: any port of a peer IP, until a TSC deadline. */
struct dp_perm {
	uint64_t expiry;
	struct tp_ip ip;
};

/** A channel binding, until a TSC deadline. */
struct dp_chan {
	uint64_t expiry;
	struct tp_addr peer;
	uint16_t number;
};

/** Overflow storage for an allocation with many peers. */
struct dp_peer_block {
	struct dp_perm perm[DP_PEER_BLOCK_PERMS];
	struct dp_chan chan[DP_PEER_BLOCK_CHANS];
	uint32_t next;
};

/**
 * A relayed transport address as the fast path keeps it: an index into the
 * worker's relay addresses (dp_shared.h) and a port, 4 bytes where the
 * address itself would take 20.
 */
struct dp_relay_ref {
	uint16_t ip_idx;
	uint16_t port; /**< 0: none */
};

/** Relayed addresses an allocation may hold: one, or two of a dual
 *  allocation (RFC 8656 section 7.2). */
#define DP_ALLOC_RELAYS 2

/** A token bucket in bytes, refilled from the TSC. */
struct dp_bucket {
	uint64_t last;
	uint64_t tokens;
};

/** Inline permissions and channels, in pairs. */
#define DP_PEER_INLINE DP_PERM_INLINE

/** An inline permission and channel side by side, one cache line: a
 *  browser's allocation uses one of each, and every packet reads both. */
struct dp_peer_inline {
	struct dp_perm perm;
	struct dp_chan chan;
} __rte_aligned(64);

/**
 * One allocation as the fast path sees it, laid out by what a relayed
 * packet touches, so that at a million allocations (the records far out
 * of cache) a packet costs three cache lines of it, not five:
 *   line 0  what every packet reads: state, addresses, next hop;
 *   line 1  what every packet writes (usage), its transport, the rate
 *           limit's size;
 *   line 2  the first permission and channel, all most allocations have;
 *   line 3  the second pair; line 4  the token buckets (rate limit only).
 * The overflow blocks are elsewhere (struct dp_peer_block).
 */
struct dp_alloc {
	/* line 0 */
	uint64_t expiry; /**< TSC deadline; 0 = slot free */
	/** [0] always; [1] the other family's of a dual allocation, or port 0 */
	struct dp_relay_ref relay[DP_ALLOC_RELAYS];
	struct tp_addr client;
	struct tp_addr server;
	/** Where replies to the client go, by transport (no size added: an
	 *  allocation is one or the other). */
	union {
		uint8_t client_mac[DP_MAC_LEN]; /**< UDP: the next hop */
		uint32_t conn;                  /**< TCP, TLS: the connection */
	};
	/* line 1 */
	struct dp_usage usage;
	uint32_t max_bps;
	uint32_t blocks;   /**< first overflow block or DP_NONE */
	uint32_t gen;      /**< allocation id from the control plane */
	uint8_t transport; /**< enum tp_transport */
	uint8_t n_blocks;  /**< length of the overflow chain */
	/* lines 2 and 3 */
	struct dp_peer_inline inl[DP_PEER_INLINE];
	/* line 4 */
	struct dp_bucket bucket[2]; /**< [0] from client, [1] to client */
} __rte_aligned(64);

/**
 * Which of @p a's relayed addresses is of @p family (TP_AF_*): its index
 * in a->relay[], or -1 when @p a holds none of that family (the address
 * was given up, or the allocation never had one).  @p relay_ips: the
 * worker's relay addresses (struct dp_shared), which relay[].ip_idx
 * indexes.
 */
static inline int
dp_alloc_relay_find(const struct dp_alloc *a, const struct tp_ip *relay_ips,
		    uint8_t family)
{
	for (unsigned int i = 0; i < DP_ALLOC_RELAYS; i++)
		if (a->relay[i].port != 0 &&
		    relay_ips[a->relay[i].ip_idx].family == family)
			return (int)i;
	return -1;
}

/** The table. */
struct dp_table {
	struct dp_alloc *allocs; /**< [n_slots] */
	uint32_t n_slots;
	struct rte_hash *by_client; /**< dp_five_tuple -> slot */
	uint32_t *by_relay; /**< [n_relay_ips << 16] slot + 1, 0 = none */
	uint16_t n_relay_ips;
	struct dp_peer_block *blocks; /**< overflow pool */
	uint32_t n_blocks;
	uint32_t free_block; /**< free list head */
	uint32_t live;       /**< allocations installed */
};

/**
 * Create the table on @p socket.  Sizes: @p n_slots allocations,
 * @p n_blocks overflow blocks, @p n_relay_ips relay addresses.
 * @return 0 or -errno.
 */
int dp_table_init(struct dp_table *t, const char *name, uint32_t n_slots,
		  uint32_t n_blocks, uint16_t n_relay_ips, int socket);

/** Release everything dp_table_init() created. */
void dp_table_fini(struct dp_table *t);

/** Fill a 5-tuple key. */
void dp_five_tuple_make(struct dp_five_tuple *k, const struct tp_addr *client,
			const struct tp_addr *server, uint8_t transport);

/**
 * Install an allocation at @p slot with its relayed addresses (IPs already
 * resolved to indices; @p relay[1].port 0 when there is one).
 * @return 0, or -EEXIST / -ENOSPC / -EINVAL.
 */
int dp_table_alloc_add(struct dp_table *t, const struct dp_cmd_alloc_add *a,
		       const struct dp_relay_ref relay[DP_ALLOC_RELAYS],
		       uint64_t expiry);

/**
 * Drop relayed address @p i of a dual allocation; the other stays, as
 * relay[0].  Its permissions and channels stay too: the control plane
 * refuses new ones of the dropped family (443), and the fast path finds no
 * relayed address to send the old ones' traffic from.
 * @return 0, or -EINVAL if @p a holds only one relayed address.
 */
int dp_table_relay_del(struct dp_table *t, struct dp_alloc *a, unsigned int i);

/** Remove the allocation at @p ref; fills @p usage.  @return 0 or -ENOENT. */
int dp_table_alloc_del(struct dp_table *t, const struct dp_alloc_ref *ref,
		       struct dp_usage *usage);

/** The allocation at @p ref if it is still that generation, else NULL. */
struct dp_alloc *dp_table_alloc_get(struct dp_table *t,
				    const struct dp_alloc_ref *ref);

/**
 * Add or refresh a permission.  A new one takes a free or expired entry;
 * failing that an overflow block, if @p a holds fewer than @p max_blocks
 * (the control plane's reservation, struct dp_cmd_perm) and the pool has
 * one; failing that it replaces the entry that expires first, which the
 * control plane has already let go of when its reservation is right.
 * @return 0, 1 if an entry was replaced, or -ENOSPC (only with no entry at
 * all to replace, which cannot happen: there are inline entries).
 */
int dp_table_perm_set(struct dp_table *t, struct dp_alloc *a,
		      const struct tp_ip *ip, uint64_t expiry, uint64_t now,
		      uint8_t max_blocks);

/** Bind or refresh a channel; as dp_table_perm_set(). */
int dp_table_chan_set(struct dp_table *t, struct dp_alloc *a, uint16_t number,
		      const struct tp_addr *peer, uint64_t expiry, uint64_t now,
		      uint8_t max_blocks);

/** Look up by client 5-tuple; NULL if none. */
struct dp_alloc *dp_table_by_client(struct dp_table *t,
				    const struct dp_five_tuple *k);

/**
 * Start fetching the lines of @p a a packet reads and writes (0 to 2: see
 * struct dp_alloc), so that a burst's misses overlap instead of following
 * one another.
 */
static inline void
dp_alloc_prefetch(const struct dp_alloc *a)
{
	rte_prefetch0(a);
	rte_prefetch0(&a->usage);
	rte_prefetch0(a->inl);
}

/**
 * Look up @p n (at most a burst) client 5-tuples at once: rte_hash then
 * fetches every key's bucket before it compares any, and each allocation
 * found is prefetched.  @p out[i] is the allocation of @p keys[i] or NULL.
 */
void dp_table_by_client_bulk(struct dp_table *t,
			     const struct dp_five_tuple **keys, unsigned int n,
			     struct dp_alloc **out);

/** Where the by-relay entry of relay address @p relay_ip_idx : @p port is. */
static inline const uint32_t *
dp_table_by_relay_entry(const struct dp_table *t, uint16_t relay_ip_idx,
			uint16_t port)
{
	return &t->by_relay[(uint32_t)relay_ip_idx << 16 | port];
}

/** Look up by relay address; NULL if none. */
static inline struct dp_alloc *
dp_table_by_relay(struct dp_table *t, uint16_t relay_ip_idx, uint16_t port)
{
	uint32_t v = *dp_table_by_relay_entry(t, relay_ip_idx, port);

	return v == 0 ? NULL : &t->allocs[v - 1];
}

/** True if @p ip has an unexpired permission. */
bool dp_alloc_permits(const struct dp_table *t, const struct dp_alloc *a,
		      const struct tp_ip *ip, uint64_t now);

/** The unexpired channel numbered @p number, or NULL. */
const struct dp_chan *dp_alloc_chan_by_number(const struct dp_table *t,
					      const struct dp_alloc *a,
					      uint16_t number, uint64_t now);

/** The unexpired channel bound to @p peer, or NULL. */
const struct dp_chan *dp_alloc_chan_by_peer(const struct dp_table *t,
					    const struct dp_alloc *a,
					    const struct tp_addr *peer,
					    uint64_t now);

#endif /* TURNPIKE_DP_TABLE_H */
