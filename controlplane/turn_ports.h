/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Relay transport addresses and worker table slots, handed out per owner.
 *
 * A relay port carries its owner in its value: dp_owner_of_relay_port(port)
 * is port % n_workers, so peer traffic reaches the worker that owns the
 * allocation from the destination port alone.  At creation every (relay IP,
 * port) pair in [min_port, max_port] is put in the free queue of its owner
 * and of its IP's family, and each queue is shuffled with a CSPRNG
 * (RAND_bytes): the next relay port a client gets cannot be predicted from
 * the last one (RFC 8656 section 7.2 asks for unpredictable ports, as a
 * defence against off-path attackers guessing relay addresses).
 *
 * Queues are FIFO: a port that is given back goes to the end, so it is
 * not reused until every other free port of that owner has been, which
 * keeps late packets of an ended allocation away from the next one.
 *
 * Slots are the index of an allocation in its worker's table: each worker
 * has allocs_per_worker of them, also in a FIFO queue.
 *
 * Control-plane thread only.  Everything is allocated at creation.
 */
#ifndef TURNPIKE_TURN_PORTS_H
#define TURNPIKE_TURN_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "turnpike/addr.h"
#include "turnpike/plane.h"

/** Most relay IP addresses (both families together): as many as the fast
 *  path takes, so no configured relay-ip goes unused. */
#define TURN_PORTS_MAX_IPS TP_PLANE_MAX_RELAY_IPS

struct turn_ports;

/**
 * Build the free queues.
 *
 * @param n_workers        >= 1
 * @param slots_per_worker allocation table size of each worker, >= 1
 * @param ips              relay addresses (IPv4 or IPv6, no duplicates)
 * @param n_ips            1..TURN_PORTS_MAX_IPS
 * @param min_port         first relay port, >= 1
 * @param max_port         last relay port, >= min_port
 * @return the allocator, or NULL (bad arguments, no memory, no randomness).
 */
struct turn_ports *turn_ports_create(uint16_t n_workers,
				     uint32_t slots_per_worker,
				     const struct tp_ip *ips, int n_ips,
				     uint16_t min_port, uint16_t max_port);

/** Free the allocator.  NULL is fine. */
void turn_ports_destroy(struct turn_ports *p);

/** True if at least one relay IP of @p family is configured. */
bool turn_ports_has_family(const struct turn_ports *p, uint8_t family);

/**
 * Take a free relay address for @p owner.
 *
 * @param family  TP_AF_INET or TP_AF_INET6
 * @param even    want an even port (EVEN-PORT, RFC 8656 section 7.2)
 * @param relay   receives the address
 * @return 0; -EAFNOSUPPORT (no relay IP of @p family); -ENOSPC (none free,
 *         or no even one: with an even number of workers an odd owner has
 *         only odd ports).
 */
int turn_ports_take(struct turn_ports *p, uint16_t owner, uint8_t family,
		    bool even, struct tp_addr *relay);

/**
 * Give a relay address back.
 * @return 0, or -EINVAL if it is not one of ours or not taken.
 */
int turn_ports_put(struct turn_ports *p, const struct tp_addr *relay);

/** Free relay addresses of @p owner and @p family. */
uint32_t turn_ports_free_count(const struct turn_ports *p, uint16_t owner,
			       uint8_t family);

/**
 * Take a free table slot of worker @p owner.
 * @return 0 and *slot, or -ENOSPC.
 */
int turn_ports_slot_take(struct turn_ports *p, uint16_t owner, uint32_t *slot);

/**
 * Give a slot back.
 * @return 0, or -EINVAL if out of range or not taken.
 */
int turn_ports_slot_put(struct turn_ports *p, uint16_t owner, uint32_t slot);

/** Free slots of worker @p owner. */
uint32_t turn_ports_slot_free_count(const struct turn_ports *p, uint16_t owner);

#endif /* TURNPIKE_TURN_PORTS_H */
