/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capacity model (see plan_model.h).
 */
#include <math.h>

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

/* Servers needed when each offers @cap of something and we need @need. */
static uint64_t
servers_needed(double need, double cap)
{
	double n = ceil(need / cap);

	return n > (double)UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

int
plan_compute(const struct plan_load *load, const struct plan_server *srv,
	     struct plan_result *out)
{
	double counted, setups, mem_bytes, h;

	if (!nonneg(load->calls) || !nonneg(load->call_attempts_s) ||
	    !nonneg(load->allocs_per_call) || !nonneg(load->pps_per_alloc) ||
	    !nonneg(load->bytes_per_packet) || !nonneg(load->local_fraction) ||
	    load->local_fraction > 1.0)
		return -1;
	if (!positive(srv->pps_per_core) || !positive(srv->setups_per_s) ||
	    !nonneg(srv->bytes_per_alloc) || !positive(srv->workers) ||
	    !positive(srv->nic_gbps) || !positive(srv->mem_gib) ||
	    !positive(srv->headroom) || srv->headroom > 1.0)
		return -1;

	h = srv->headroom;
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
		servers_needed(setups, srv->setups_per_s * h);
	out->servers_for[PLAN_LIMIT_NIC] =
		servers_needed(out->gbps, srv->nic_gbps * h);
	out->servers_for[PLAN_LIMIT_MEMORY] =
		servers_needed(mem_bytes, srv->mem_gib * 1073741824.0 * h);

	out->limit = PLAN_LIMIT_PACKETS;
	for (int l = PLAN_LIMIT_SETUPS; l <= PLAN_LIMIT_MEMORY; l++)
		if (out->servers_for[l] > out->servers_for[out->limit])
			out->limit = (enum plan_limit)l;
	out->servers = out->servers_for[out->limit];
	if (out->servers == 0 && out->allocations > 0)
		out->servers = 1;
	return 0;
}
