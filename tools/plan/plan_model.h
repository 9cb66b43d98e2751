/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The capacity model behind turnpike-plan: from a call load and what one
 * server measured (tools/bench/relay-bench), how many worker cores and
 * servers a fleet needs, and which resource binds first.
 *
 * A relayed datagram costs one pass through a worker whichever way it goes,
 * so the packet budget is the sum over allocations of the packets each
 * relays in both directions.  Two callers on the same server (both behind
 * TURN) relay each datagram through two allocations, and turnpike does
 * both in one pass (relay to relay): that is why allocations per call and
 * passes per datagram are separate inputs.
 *
 * A fleet that shares its quotas through Redis (issue 14) adds a resource
 * that more relays cannot widen: every relay's quota acquires, releases,
 * lease refreshes and peer reads meet in one Redis.  An Allocate under a
 * quota costs one round trip to acquire (a Lua script) and one to release
 * when the allocation ends; each relay also refreshes its lease every
 * fleet-lease / 3 seconds and reads the peer list once a second.  With a
 * 5 s lease, 1,000 relays cost 1,600 ops/s before any call, and 10,000
 * new allocations/s at 2 ops each cost 20,000 more.
 *
 * Pure arithmetic: no I/O, no allocation; tests/test_plan_model.c drives it.
 */
#ifndef TURNPIKE_PLAN_MODEL_H
#define TURNPIKE_PLAN_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/** What to carry. */
struct plan_load {
	double calls;            /**< concurrent calls at the busy hour */
	double call_attempts_s;  /**< new calls per second at the busy hour */
	double allocs_per_call;  /**< allocations a call holds (1 or 2) */
	double pps_per_alloc;    /**< datagrams/s one allocation relays, both
				  *   directions summed (audio ~100) */
	double bytes_per_packet; /**< mean UDP payload, bytes */
	/** Fraction of datagrams that go relay to relay on one server, which
	 *  costs one pass for two allocations (0 to 1). */
	double local_fraction;
};

/** What one server offers, as measured. */
struct plan_server {
	double pps_per_core; /**< relayed datagrams/s of one worker */
	/** Allocations set up per second (one control-plane core, auth
	 *  included). */
	double setups_per_s;
	/** Set-ups per second with a Redis fleet configured (each Allocate
	 *  waits on its quota round trip), as measured; 0 if not measured,
	 *  and then setups_per_s stands for it.  Used only when Redis is in
	 *  the plan (plan_fleet.redis_ops_per_s > 0). */
	double setups_per_s_redis;
	double bytes_per_alloc; /**< fast-path table memory per allocation */
	double workers;         /**< worker cores per server */
	double nic_gbps;        /**< NIC capacity per server, each way */
	double mem_gib;         /**< memory for tables per server */
	double headroom;        /**< fraction of each resource to plan up
				    *   to (e.g. 0.7) */
};

/**
 * The fleet the servers form.  All zero (or a NULL pointer to
 * plan_compute()) is a fleet sized by the load alone, without Redis.
 */
struct plan_fleet {
	/** Relays the fleet has; 0: as many as the load needs. */
	double relays;
	/** Redis' measured capacity, ops/s; 0: no Redis in the plan, and
	 *  the fields below are not read. */
	double redis_ops_per_s;
	/** Redis round trips per allocation over its life (quota acquire
	 *  and release: 2). */
	double redis_ops_per_setup;
	double lease_s; /**< fleet-lease, seconds (> 0 with Redis) */
};

/**
 * What binds.  The first four are per server (more servers widen them);
 * PLAN_LIMIT_REDIS is the fleet's one Redis, which more relays only load
 * further.
 */
enum plan_limit {
	PLAN_LIMIT_PACKETS,
	PLAN_LIMIT_SETUPS,
	PLAN_LIMIT_NIC,
	PLAN_LIMIT_MEMORY,
	PLAN_LIMIT_REDIS,
};

/** The last per-server limit: plan_result.servers_for runs up to it. */
#define PLAN_LIMIT_SERVER_LAST PLAN_LIMIT_MEMORY

/** The fleet. */
struct plan_result {
	double allocations;  /**< concurrent allocations */
	double passes_per_s; /**< worker passes per second, fleet-wide */
	double gbps;         /**< relayed traffic, each way, fleet-wide */
	double worker_cores; /**< cores the packet load needs */
	/** Servers each per-server resource alone needs, and the binding
	 *  maximum: the relays the load needs. */
	uint64_t servers_for[PLAN_LIMIT_SERVER_LAST + 1];
	uint64_t servers;
	/** Relays the fleet is checked at: plan_fleet.relays if given, else
	 *  servers.  Redis' lease and peer traffic is counted for these. */
	uint64_t relays;
	/** Redis ops/s the fleet needs (0 without Redis in the plan), and the
	 *  part of it that leases and peer reads take whatever the load. */
	double redis_ops_per_s;
	double redis_lease_ops_per_s;
	/** Redis ops/s planned up to: its capacity times the headroom. */
	double redis_usable_ops_per_s;
	/** PLAN_LIMIT_REDIS if Redis cannot carry the fleet at its headroom,
	 *  else the per-server resource that sets servers. */
	enum plan_limit limit;
	/** The relays carry the load (servers <= relays) and so does Redis. */
	bool fits;
};

/** Name of a limit ("packets", "setups", "nic", "memory", "redis"). */
const char *plan_limit_name(enum plan_limit l);

/**
 * Size the fleet.  @p fleet may be NULL: no Redis, relays as needed.
 *
 * @return 0, or -1 if an input is out of range (negative, not finite, a
 * capacity of 0, headroom outside (0, 1], local_fraction outside [0, 1],
 * relays not a whole number, or with Redis in the plan a lease of 0).
 */
int plan_compute(const struct plan_load *load, const struct plan_server *srv,
		 const struct plan_fleet *fleet, struct plan_result *out);

#endif /* TURNPIKE_PLAN_MODEL_H */
