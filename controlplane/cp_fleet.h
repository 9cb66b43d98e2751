/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread's side of the fleet (cp_fleet.c): what the TURN
 * server asks of the other relays, and what the fleet thread (fleet.h)
 * brings back.
 *
 * Quotas.  An Allocate whose person, OAuth kid or the relay's total has a
 * limit waits here while the fleet counts it across the relays in one
 * Redis round trip (turn_fleet_ops::quota answers PENDING).  The request
 * is kept, copied, under a ticket; when the answer comes, cp_fleet_poll()
 * hands it to turn_server_handle() again, which asks once more and is
 * told GRANTED, DENIED or, when Redis could not answer, LOCAL: this
 * relay's own counts decide, as if it were alone.  A client that
 * retransmits meanwhile is told nothing (PENDING again).  Allocations
 * made on a LOCAL answer are counted in the fleet afterwards (HOLD), and
 * every allocation's end is (RELEASE), whatever the limits, so the counts
 * stay right across reloads that change them.
 *
 * Changes.  Credentials another relay pushed are put into the tables
 * with push_apply_op(); after each full read the pushed users Redis no
 * longer has are removed (they were deleted while we could not hear).
 *
 * Shedding.  turn_fleet_ops::redirect sends a new Allocate to the least
 * loaded live relay when this one is draining, or holds
 * fleet-shed-allocations or more.
 *
 * Control thread only.
 */
#ifndef TURNPIKE_CP_FLEET_H
#define TURNPIKE_CP_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "cp_snapshot.h"
#include "fleet.h"
#include "push_apply.h"
#include "turn_server.h"

/** Allocates waiting for the fleet's answer at once; more go LOCAL. */
#define CP_FLEET_PENDING_MAX 256
/** The largest request kept while it waits (an Allocate is ~200 B). */
#define CP_FLEET_REQUEST_MAX 2048
/** How long a request waits before it is forgotten (the client will
 *  have retransmitted, and a late answer is released). */
#define CP_FLEET_WAIT_MS 2000

/** One Allocate waiting for its quota answer. */
struct cp_fleet_wait {
	bool used, answered, consumed;
	uint32_t ticket;
	enum fleet_verdict verdict;
	uint8_t deny_key;
	int8_t total_key; /**< index of "total" in req keys; -1 = none */
	uint8_t n_keys;
	char key[FLEET_QUOTA_KEYS][TURN_QUOTA_KEY_MAX + 1];
	uint8_t tid[12];
	struct turn_packet pkt; /**< .data points at data[] */
	uint8_t data[CP_FLEET_REQUEST_MAX];
	uint64_t deadline_ms;
};

/** What the admin socket reads. */
struct cp_fleet_stats {
	uint64_t asked;   /**< Allocates that waited for the fleet */
	uint64_t local;   /**< decided here: Redis down or too many waiting */
	uint64_t expired; /**< waited longer than CP_FLEET_WAIT_MS */
	uint64_t redirected; /**< Allocates sent to another relay */
	uint64_t changes;    /**< other relays' pushes applied */
	uint64_t removed;    /**< users gone from Redis, removed here */
};

struct cp_fleet {
	struct fleet *fleet;
	struct turn_server *srv;  /**< set after turn_server_create() */
	struct push_apply *apply; /**< the tables pushes go into */
	/** fleet-shed-allocations: shed at this many; 0 = only draining. */
	uint64_t shed_allocations;
	struct turn_fleet_ops ops; /**< for turn_params::fleet */

	struct cp_fleet_wait wait[CP_FLEET_PENDING_MAX];
	unsigned int n_wait;
	uint32_t next_ticket;
	struct fleet_load peers[FLEET_PEERS_MAX];
	unsigned int n_peers;
	struct cp_fleet_stats stats;
	/** Our relayed traffic (cp_fleet_traffic()), published with the
	 *  allocations. */
	uint64_t relayed_pps, busiest_worker_pps;
};

/** Set @p cf up over a started @p fleet (both outlive each other's use);
 *  then point turn_params::fleet at cf->ops and, once the server
 *  exists, set cf->srv. */
void cp_fleet_init(struct cp_fleet *cf, struct fleet *fleet,
		   struct push_apply *apply, uint64_t shed_allocations);

/** Every control loop turn: publish our load, take the fleet's answers,
 *  forget what waited too long. */
void cp_fleet_poll(struct cp_fleet *cf, uint64_t now_ms);

/** The datagrams this relay relays per second, all workers and the
 *  busiest one, for its published load (the control loop measures them
 *  every CP_FLEET_LOAD_MS). */
void cp_fleet_traffic(struct cp_fleet *cf, uint64_t relayed_pps,
		      uint64_t busiest_worker_pps);

/**
 * Share a user the admin socket added (@p u) or removed (@p u NULL, by
 * @p name) with the fleet: written to Redis and announced.  @p expires:
 * Unix seconds, 0 = never.  @return 0, or -EAGAIN when the fleet's Redis
 * is down (the caller refuses the command: the fleet is the truth, and a
 * user kept only here would be removed at the next full read).
 */
int cp_fleet_share_user(struct cp_fleet *cf, const struct auth_user *u,
			const char *name, int64_t expires);

/** Whether the fleet's Redis is reachable now. */
bool cp_fleet_up(const struct cp_fleet *cf);

/** The figures the metrics port shows (cp_snapshot.h). */
void cp_fleet_snapshot(const struct cp_fleet *cf, struct cp_snapshot_fleet *out);

/** `fleet.*` lines for the admin socket's stats, snprintf-style. */
int cp_fleet_admin_stats(const struct cp_fleet *cf, char *buf, size_t cap);

#endif /* TURNPIKE_CP_FLEET_H */
