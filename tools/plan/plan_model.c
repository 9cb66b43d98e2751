/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capacity model (see plan_model.h).
 */
#include <math.h>
#include <stddef.h>

#include "plan_model.h"

/*
 * Bytes a relayed datagram adds on the wire around its payload: Ethernet
 * (14 + 4 FCS + 20 preamble and gap), IPv4 20, UDP 8, ChannelData 4.
 */
#define WIRE_OVERHEAD 70.0

/*
 * Keeping an allocation alive costs requests too: a Refresh every 5 min
 * (half the default 10 min lifetime), a CreatePermission every 5 min, a
 * ChannelBind every 10 min (RFC 8656 sections 7, 9 and 12): 2.5 requests
 * per 300 s.  A set-up is three transactions (401, Allocate, ChannelBind),
 * so that is this many set-ups per allocation per second.
 */
#define REFRESH_SETUPS_PER_ALLOC_S (2.5 / 300.0 / 3.0)

/*
 * A relay of a Redis fleet refreshes its lease three times per lease, so a
 * missed refresh or two does not drop it, and reads the peer list once a
 * second: (3 / fleet-lease + 1) Redis ops/s each.  Refresh, CreatePermission
 * and ChannelBind touch no quota and cost Redis nothing.
 */
#define LEASE_REFRESHES_PER_LEASE 3.0
#define PEER_READS_PER_S 1.0

const char *
plan_limit_name(enum plan_limit l)
{
	switch (l) {
	case PLAN_LIMIT_PACKETS:
		return "packets";
	case PLAN_LIMIT_SETUPS:
		return "setups";
	case PLAN_LIMIT_NIC:
		return "nic";
	case PLAN_LIMIT_MEMORY:
		return "memory";
	case PLAN_LIMIT_REDIS:
		return "redis";
	}
	return "?";
}

static int
nonneg(double v)
{
	return isfinite(v) && v >= 0.0;
}

static int
positive(double v)
{
	return isfinite(v) && v > 0.0;
}

/* @v (>= 0) rounded up to a count, saturating. */
static uint64_t
count_of(double v)
{
	double n = ceil(v);

	return n >= (double)UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

/* Servers needed when each offers @cap of something and we need @need. */
static uint64_t
servers_needed(double need, double cap)
{
	return count_of(need / cap);
}

static bool
inputs_valid(const struct plan_load *load, const struct plan_server *srv,
	     const struct plan_fleet *fleet)
{
	if (!nonneg(load->calls) || !nonneg(load->call_attempts_s) ||
	    !nonneg(load->allocs_per_call) || !nonneg(load->pps_per_alloc) ||
	    !nonneg(load->bytes_per_packet) || !nonneg(load->local_fraction) ||
	    load->local_fraction > 1.0)
		return false;
	if (!positive(srv->pps_per_core) || !positive(srv->setups_per_s) ||
	    !nonneg(srv->setups_per_s_redis) || !nonneg(srv->bytes_per_alloc) ||
	    !positive(srv->workers) || !positive(srv->nic_gbps) ||
	    !positive(srv->mem_gib) || !positive(srv->headroom) ||
	    srv->headroom > 1.0)
		return false;
	if (!nonneg(fleet->relays) || fleet->relays != floor(fleet->relays) ||
	    !nonneg(fleet->redis_ops_per_s))
		return false;
	return fleet->redis_ops_per_s == 0.0 ||
	       (nonneg(fleet->redis_ops_per_setup) && positive(fleet->lease_s));
}

/* Servers each per-server resource needs; sets servers_for and servers. */
static void
size_servers(const struct plan_load *load, const struct plan_server *srv,
	     double setups_per_s, struct plan_result *out)
{
	double counted, setups, mem_bytes, h = srv->headroom;

	out->allocations = load->calls * load->allocs_per_call;
	/* A local datagram is counted by both allocations, passed once. */
	counted = out->allocations * load->pps_per_alloc;
	out->passes_per_s = counted * (1.0 - load->local_fraction / 2.0);
	/* Every pass takes one frame in and sends one out. */
	out->gbps = out->passes_per_s *
		    (load->bytes_per_packet + WIRE_OVERHEAD) * 8.0 / 1e9;
	out->worker_cores = out->passes_per_s / srv->pps_per_core;
	setups = load->call_attempts_s * load->allocs_per_call +
		 out->allocations * REFRESH_SETUPS_PER_ALLOC_S;
	mem_bytes = out->allocations * srv->bytes_per_alloc;

	out->servers_for[PLAN_LIMIT_PACKETS] =
		servers_needed(out->worker_cores, srv->workers * h);
	out->servers_for[PLAN_LIMIT_SETUPS] =
		servers_needed(setups, setups_per_s * h);
	out->servers_for[PLAN_LIMIT_NIC] =
		servers_needed(out->gbps, srv->nic_gbps * h);
	out->servers_for[PLAN_LIMIT_MEMORY] =
		servers_needed(mem_bytes, srv->mem_gib * 1073741824.0 * h);

	out->limit = PLAN_LIMIT_PACKETS;
	for (int l = PLAN_LIMIT_SETUPS; l <= PLAN_LIMIT_SERVER_LAST; l++)
		if (out->servers_for[l] > out->servers_for[out->limit])
			out->limit = (enum plan_limit)l;
	out->servers = out->servers_for[out->limit];
	if (out->servers == 0 && out->allocations > 0)
		out->servers = 1;
}

/*
 * Redis' load for out->relays relays: every new allocation's acquire and
 * release, and each relay's lease and peer reads.  Redis binds when that
 * exceeds its capacity at the headroom, whatever the relay count.
 */
static void
size_redis(const struct plan_load *load, const struct plan_server *srv,
	   const struct plan_fleet *fleet, struct plan_result *out)
{
	double new_allocs_s = load->call_attempts_s * load->allocs_per_call;

	out->redis_lease_ops_per_s =
		(double)out->relays *
		(LEASE_REFRESHES_PER_LEASE / fleet->lease_s + PEER_READS_PER_S);
	out->redis_ops_per_s = new_allocs_s * fleet->redis_ops_per_setup +
			       out->redis_lease_ops_per_s;
	out->redis_usable_ops_per_s = fleet->redis_ops_per_s * srv->headroom;
	if (out->redis_ops_per_s > out->redis_usable_ops_per_s) {
		out->limit = PLAN_LIMIT_REDIS;
		out->fits = false;
	}
}

int
plan_compute(const struct plan_load *load, const struct plan_server *srv,
	     const struct plan_fleet *fleet, struct plan_result *out)
{
	static const struct plan_fleet no_fleet;
	bool redis;

	if (fleet == NULL)
		fleet = &no_fleet;
	if (!inputs_valid(load, srv, fleet))
		return -1;
	redis = fleet->redis_ops_per_s > 0.0;

	size_servers(load, srv,
		     redis && srv->setups_per_s_redis > 0.0 ?
			     srv->setups_per_s_redis :
			     srv->setups_per_s,
		     out);
	out->relays = fleet->relays > 0.0 ? count_of(fleet->relays) :
					    out->servers;
	out->fits = out->servers <= out->relays;
	out->redis_ops_per_s = 0.0;
	out->redis_lease_ops_per_s = 0.0;
	out->redis_usable_ops_per_s = 0.0;
	if (redis)
		size_redis(load, srv, fleet, out);
	return 0;
}
