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
 * Pure arithmetic: no I/O, no allocation; tests/test_plan_model.c drives it.
 */
#ifndef TURNPIKE_PLAN_MODEL_H
#define TURNPIKE_PLAN_MODEL_H

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
	double pps_per_core;    /**< relayed datagrams/s of one worker */
	double setups_per_s;    /**< allocations set up per second (one
				    *   control-plane core, auth included) */
	double bytes_per_alloc; /**< fast-path table memory per allocation */
	double workers;         /**< worker cores per server */
	double nic_gbps;        /**< NIC capacity per server, each way */
	double mem_gib;         /**< memory for tables per server */
	double headroom;        /**< fraction of each resource to plan up
				    *   to (e.g. 0.7) */
};

enum plan_limit {
	PLAN_LIMIT_PACKETS,
	PLAN_LIMIT_SETUPS,
	PLAN_LIMIT_NIC,
	PLAN_LIMIT_MEMORY,
};

/** The fleet. */
struct plan_result {
	double allocations;  /**< concurrent allocations */
	double passes_per_s; /**< worker passes per second, fleet-wide */
	double gbps;         /**< relayed traffic, each way, fleet-wide */
	double worker_cores; /**< cores the packet load needs */
	/** Servers each resource alone needs, and the binding maximum. */
	uint64_t servers_for[PLAN_LIMIT_MEMORY + 1];
	uint64_t servers;
	enum plan_limit limit;
};

/** Name of a limit ("packets", "setups", "nic", "memory"). */
const char *plan_limit_name(enum plan_limit l);

/**
 * Size the fleet.  @return 0, or -1 if an input is out of range (negative,
 * not finite, a capacity of 0, headroom outside (0, 1], local_fraction
 * outside [0, 1]).
 */
int plan_compute(const struct plan_load *load, const struct plan_server *srv,
		 struct plan_result *out);

#endif /* TURNPIKE_PLAN_MODEL_H */
