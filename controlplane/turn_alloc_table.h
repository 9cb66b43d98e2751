/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane's authoritative allocation records (RFC 8656 section
 * 2.2 "allocation": 5-tuple, relayed transport address, username,
 * time-to-expiry, permissions, channel bindings).
 *
 * Indexes, all chained hash tables keyed with SipHash under a random key:
 *  - client 5-tuple (client and local transport address; UDP) -> allocation;
 *  - relayed transport address -> allocation;
 *  - username -> user record (allocations held, for quotas);
 *  - allocation id (gen) -> "ended" record, kept from the moment the control
 *    plane deletes an allocation until its worker reports the final
 *    counters (DP_EVT_ALLOC_END), so the usage record can name the user,
 *    the addresses and the start time.
 *
 * Permissions and channels are small arrays inside each allocation, grown
 * on demand up to TURN_PERMS_MAX / TURN_CHAN_RECORDS_MAX; the first of
 * each is stored in the allocation record itself.  A channel record
 * outlives its binding by TURN_CHAN_QUARANTINE_MS: RFC 8656 section 12
 * forbids binding the number to another peer, or the peer to another
 * number, for 5 minutes after a binding expires, and the server enforces
 * it with the record.
 *
 * This module keeps records only.  It does not know relay ports, timers or
 * workers: turn_server.c ties those together.
 *
 * Control-plane thread only.
 */
#ifndef TURNPIKE_TURN_ALLOC_TABLE_H
#define TURNPIKE_TURN_ALLOC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_request.h"
#include "cp_timers.h"
#include "turnpike/addr.h"
#include "turnpike/dp_msg.h"
#include "turnpike/siphash.h"
#include "turnpike/stun.h"

/** Permissions per allocation (beyond: 508, RFC 8656 section 9.2). */
#define TURN_PERMS_MAX 32
/** Bound channels per allocation (beyond: 508, RFC 8656 section 11.2). */
#define TURN_CHANS_MAX 16
/** Channel records per allocation, bound or in quarantine. */
#define TURN_CHAN_RECORDS_MAX 32
/** How long an expired channel's number and peer stay reserved. */
#define TURN_CHAN_QUARANTINE_MS (5u * 60u * 1000u)
/** Longest username kept (RFC 5389's limit, as auth_request.h). */
#define TURN_USERNAME_MAX 513

/** Quota groups an allocation counts in (turn_quota.h says which). */
#define TURN_ALLOC_QUOTAS 2
/** Longest quota key: a kind prefix and a username. */
#define TURN_QUOTA_KEY_MAX (TURN_USERNAME_MAX + 8)

/** Who holds allocations: a username (usage records, admin listing) or a
 *  quota group (turn_quota.h); n_allocs is what quotas compare with. */
struct turn_user {
	struct turn_user *next; /**< hash chain */
	uint32_t n_allocs;      /**< live allocations */
	uint32_t refs;          /**< live + ended-but-unreported allocations */
	uint16_t len;
	char name[]; /**< len bytes and a NUL */
};

/** A permission: any port of one peer IP (RFC 8656 section 9). */
struct turn_perm {
	struct tp_ip ip;
	uint64_t expiry_ms;
};

/** A channel binding (RFC 8656 section 12). */
struct turn_chan {
	struct tp_addr peer;
	uint16_t number;
	bool bound;         /**< false once expired (in quarantine) */
	uint64_t expiry_ms; /**< binding ends; record ends 5 min later */
};

/** One allocation. */
struct turn_alloc {
	struct turn_alloc *next_tuple; /**< chain in the 5-tuple index */
	struct turn_alloc *next_relay; /**< chain in the relay index */
	struct turn_alloc *prev;       /**< list of every allocation */
	struct turn_alloc *next;
	struct cp_timer timer; /**< next deadline (turn_server.c) */
	struct tp_addr client; /**< 5-tuple: client side */
	struct tp_addr local;  /**< 5-tuple: our side */
	struct tp_addr relay;  /**< relayed transport address */
	/** A dual allocation's relayed address of the other family (RFC 8656
	 *  section 7.2), family TP_AF_NONE when there is none.  Not in the
	 *  relay index: the port allocator keeps relay addresses unique. */
	struct tp_addr relay2;
	uint8_t transport;       /**< 5-tuple: enum tp_transport */
	struct dp_alloc_ref ref; /**< worker slot and allocation id */
	uint16_t owner;          /**< worker that holds it */
	/** Overflow blocks reserved on the owner for its permissions and
	 *  channels (turnpike/dp_msg.h): only grows, as the worker's chain
	 *  does, and goes back to the pool with the allocation. */
	uint8_t dp_blocks;
	/** ADDRESS-ERROR-CODE of the success response (0 = none), so a
	 *  retransmitted Allocate gets the same answer. */
	uint16_t addr_error;
	uint8_t addr_error_family;
	uint8_t tid[STUN_TID_LEN]; /**< the Allocate that created it */
	struct turn_user *user;
	/** The quota groups it counts in, NULL for none. */
	struct turn_user *quota[TURN_ALLOC_QUOTAS];
	/** Created with an RFC 7635 token: the user is the kid, which names
	 *  the authorization server's key, not a person; the allocation
	 *  belongs to the session key (turn_req_owns()). */
	bool by_token;
	/** If by_token: the key of the token that created or last renewed it,
	 *  the only one its requests may be signed with. */
	struct auth_session session;
	/** The <id> of redis-statsdb's topics: counted up from a random
	 *  start below 9 * 10^17 (turn_server.c): unique across restarts and
	 *  the fleet's relays unless two starts fall closer than the
	 *  allocations made since (10^9 of them: a chance of 10^-9 per pair
	 *  of runs).  ref.gen is unique on this run only. */
	uint64_t id;
	uint64_t start_ms;
	uint64_t expiry_ms;
	struct turn_perm *perms; /**< perm0, or malloc'ed once grown */
	uint8_t n_perms, cap_perms;
	struct turn_chan *chans; /**< chan0, or malloc'ed once grown */
	uint8_t n_chans, cap_chans;
	/** The first permission and channel record: nearly every allocation
	 *  has one of each, and two more mallocs per allocation showed in the
	 *  set-up profile (tools/bench/cp-bench.c). */
	struct turn_perm perm0;
	struct turn_chan chan0;
};

/** An allocation the control plane deleted, awaiting its final counters. */
struct turn_ended {
	struct turn_ended *next;
	struct dp_alloc_ref ref;
	uint16_t owner;
	struct turn_user *user;
	struct tp_addr client, local, relay, relay2;
	uint8_t transport;
	uint64_t id; /**< the allocation's */
	uint64_t start_ms, end_ms;
};

/** The table. */
struct turn_alloc_table {
	uint8_t key[TP_SIPHASH_KEY_LEN];
	uint32_t mask; /**< buckets - 1, all indexes */
	struct turn_alloc **by_tuple;
	struct turn_alloc **by_relay;
	struct turn_user **users;
	struct turn_user **quotas; /**< quota groups, by key */
	struct turn_ended **ended;
	struct turn_alloc *all; /**< every live allocation */
	uint32_t n_allocs;
	uint32_t n_by_transport[TP_TRANSPORT_COUNT]; /**< n_allocs by how
						       *   the client came */
	uint32_t n_users;
	uint32_t n_quotas;
	uint32_t n_ended;
};

/**
 * Prepare an empty table sized for @p capacity allocations.
 * @return 0, -ENOMEM, or -EIO (no randomness for the hash key).
 */
int turn_alloc_table_init(struct turn_alloc_table *t, uint32_t capacity);

/** Free every record.  Safe on a zeroed table. */
void turn_alloc_table_fini(struct turn_alloc_table *t);

/** The allocation of a 5-tuple (@p transport: enum tp_transport), or NULL. */
struct turn_alloc *turn_alloc_table_find(const struct turn_alloc_table *t,
					 const struct tp_addr *client,
					 const struct tp_addr *local,
					 uint8_t transport);

/** The allocation holding relayed address @p relay, or NULL. */
struct turn_alloc *turn_alloc_table_find_relay(const struct turn_alloc_table *t,
					       const struct tp_addr *relay);

/** The user record of a name, or NULL if it holds nothing. */
struct turn_user *turn_alloc_table_user(const struct turn_alloc_table *t,
					const char *name, size_t len);

/** The quota group of @p key, or NULL if no allocation counts in it. */
struct turn_user *turn_alloc_table_quota(const struct turn_alloc_table *t,
					 const char *key, size_t len);

/**
 * Count allocation @p a in quota group @p key, as its group number
 * @p which (< TURN_ALLOC_QUOTAS).  It stops counting when removed.
 * @return 0, -EINVAL (bad @p which or key, or that group already set) or
 *         -ENOMEM.
 */
int turn_alloc_table_quota_hold(struct turn_alloc_table *t, struct turn_alloc *a,
				unsigned int which, const char *key, size_t len);

/**
 * Create an allocation record and index it.  The caller fills ref, owner,
 * tid, expiry_ms and the rest.
 * @return the record, or NULL (no memory, name too long, or the 5-tuple or
 *         relay address is already in use).
 */
struct turn_alloc *
turn_alloc_table_insert(struct turn_alloc_table *t, const struct tp_addr *client,
			const struct tp_addr *local, uint8_t transport,
			const struct tp_addr *relay, const char *user,
			size_t user_len, uint64_t now_ms);

/** Whether @p a has a relayed address of @p family (RFC 8656's 443 rule:
 *  a peer must be of the family of one of them). */
static inline bool
turn_alloc_has_family(const struct turn_alloc *a, uint8_t family)
{
	return a->relay.ip.family == family || a->relay2.ip.family == family;
}

/**
 * A dual allocation gives up its relayed address of @p family; the other
 * one stays, as a->relay (re-indexed if it moved there).  The caller gives
 * the address back to the port allocator.
 * @return 0, or -EINVAL if @p a has no second relayed address or none of
 *         @p family.
 */
int turn_alloc_table_relay_del(struct turn_alloc_table *t, struct turn_alloc *a,
			       uint8_t family);

/**
 * Remove an allocation and free it; unless @p keep_ended is false, leave an
 * ended record (keyed by a->ref.gen) for turn_alloc_table_take_ended().
 * The caller has already cancelled the timer and released port and slot.
 * @return 0, or -ENOMEM if the ended record could not be made (the
 *         allocation is removed anyway).
 */
int turn_alloc_table_remove(struct turn_alloc_table *t, struct turn_alloc *a,
			    uint64_t now_ms, bool keep_ended);

/**
 * Find and unlink the ended record of allocation @p gen on worker
 * @p owner.  Release it with turn_alloc_table_ended_free().
 * @return the record or NULL.
 */
struct turn_ended *turn_alloc_table_take_ended(struct turn_alloc_table *t,
					       uint16_t owner, uint32_t gen);

/** Free an ended record taken out of the table. */
void turn_alloc_table_ended_free(struct turn_alloc_table *t,
				 struct turn_ended *e);

/** True if the allocation belongs to @p name (RFC 8656 section 5, 441). */
bool turn_alloc_user_is(const struct turn_alloc *a, const char *name, size_t len);

/** The permission for @p ip, or NULL. */
struct turn_perm *turn_alloc_perm_find(struct turn_alloc *a,
				       const struct tp_ip *ip);

/**
 * Install or refresh a permission.
 * @return 0, -ENOSPC (TURN_PERMS_MAX reached) or -ENOMEM.
 */
int turn_alloc_perm_set(struct turn_alloc *a, const struct tp_ip *ip,
			uint64_t expiry_ms);

/** The channel record (bound or in quarantine) numbered @p number, or NULL. */
struct turn_chan *turn_alloc_chan_by_number(struct turn_alloc *a,
					    uint16_t number);

/** The channel record (bound or in quarantine) for @p peer, or NULL. */
struct turn_chan *turn_alloc_chan_by_peer(struct turn_alloc *a,
					  const struct tp_addr *peer);

/** Number of bound channels. */
uint32_t turn_alloc_chans_bound(const struct turn_alloc *a);

/**
 * Bind a channel or refresh a binding: the record for @p number is reused
 * if there is one (the caller has checked the peer matches).
 * @return 0, -ENOSPC (too many bound channels or records) or -ENOMEM.
 */
int turn_alloc_chan_set(struct turn_alloc *a, uint16_t number,
			const struct tp_addr *peer, uint64_t expiry_ms);

/**
 * Drop what has expired at @p now_ms: permissions, channel bindings (the
 * record enters quarantine) and quarantines.  Does not look at the
 * allocation's own expiry.
 * @param perms  incremented per permission removed (may be NULL)
 * @param chans  incremented per channel binding ended (may be NULL)
 */
void turn_alloc_expire(struct turn_alloc *a, uint64_t now_ms, uint64_t *perms,
		       uint64_t *chans);

/** Earliest deadline of the allocation, its permissions and channels. */
uint64_t turn_alloc_next_due(const struct turn_alloc *a);

#endif /* TURNPIKE_TURN_ALLOC_TABLE_H */
