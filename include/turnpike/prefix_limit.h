/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-source-prefix request limits: a fixed-size table of token buckets
 * keyed by the source address cut to a prefix (IPv4 /24 and IPv6 /48 by
 * default), so that one network's flood spends its own budget and not
 * everyone's (issue 13).  Both planes own instances: each fast-path worker
 * one before it punts a request to the control thread (dataplane/
 * dp_input.c), the control thread one before it sends a challenge
 * (controlplane/turn_dispatch.c).
 *
 * Design.  Each slot is one GCRA bucket ("generic cell rate algorithm",
 * the token bucket written as one timestamp): @c tat is the time the
 * bucket would be full again.  A request at time t is allowed when
 * tat - t <= tolerance, and then moves tat one interval on:
 *
 *     rate 100/s, burst 3: interval 10 ms, tolerance 20 ms
 *     t=0   tat=0  -> allowed, tat=10     t=0  tat=20 -> allowed, tat=30
 *     t=0   tat=10 -> allowed, tat=20     t=0  tat=30 -> refused
 *     t=10  tat=30 -> allowed (tat - t = 20), tat=40 ...
 *
 * One 64-bit word per slot, no per-prefix state to create or expire: a
 * slot nobody used for a while has tat in the past and is a full bucket.
 * The slot is SipHash-2-4 of the prefix under a key drawn from the CSPRNG
 * when the table is set up, so a sender cannot pick prefixes that land in
 * another network's slot; two prefixes that happen to share a slot share
 * its budget (TP_PREFIX_LIMIT_SLOTS makes that rare).
 *
 * Time is the caller's (TSC cycles in a worker, microseconds in the
 * control thread), given with its unit at set-up.  tp_prefix_limit_allow()
 * does no allocation, no lock and no system call: a table belongs to one
 * thread.
 */
#ifndef TURNPIKE_PREFIX_LIMIT_H
#define TURNPIKE_PREFIX_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "turnpike/addr.h"
#include "turnpike/siphash.h"

/** Buckets per table (a power of two): 32 kB per table. */
#define TP_PREFIX_LIMIT_SLOTS 4096

/** One table; owned and used by one thread. */
struct tp_prefix_limit {
	uint64_t interval;  /**< time units per request; 0 = no limit */
	uint64_t tolerance; /**< (burst - 1) * interval */
	uint8_t v4_bits;    /**< IPv4 prefix length, 1-32 */
	uint8_t v6_bits;    /**< IPv6 prefix length, 1-128 */
	uint8_t key[TP_SIPHASH_KEY_LEN];
	uint64_t tat[TP_PREFIX_LIMIT_SLOTS]; /**< see the design above */
};

/**
 * Set up a table: empty buckets and a fresh random key (RAND_bytes).
 *
 * @param rate          requests per second per prefix; 0 = no limit
 * @param burst         requests a full bucket holds (>= 1 if rate > 0)
 * @param units_per_s   the caller's clock: its units in one second
 * @param v4_bits       IPv4 prefix length, 1-32
 * @param v6_bits       IPv6 prefix length, 1-128
 * @return 0, -EINVAL (a bad argument, or a rate too high for the clock:
 *         less than one unit per request) or -EIO (no randomness).
 */
int tp_prefix_limit_init(struct tp_prefix_limit *l, uint32_t rate, uint32_t burst,
			 uint64_t units_per_s, uint8_t v4_bits, uint8_t v6_bits);

/**
 * Whether one more request from @p src may pass at time @p now (the
 * caller's clock; never going backwards).  Takes a token if so.
 */
bool tp_prefix_limit_allow(struct tp_prefix_limit *l, const struct tp_ip *src,
			   uint64_t now);

#endif /* TURNPIKE_PREFIX_LIMIT_H */
