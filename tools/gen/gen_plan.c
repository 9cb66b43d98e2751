/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Laying out the address plan (see gen_plan.h).  Runs once at start-up on
 * the main lcore; pure code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gen_plan.h"

/* Host addresses of an IPv6 range, within the /96 of its first address. */
static int
net_hosts6(const struct tp_ip_range *r, uint8_t *upper, uint32_t *first,
	   uint32_t *n)
{
	uint32_t lo, hi;

	memcpy(upper, r->lo.bytes, 12);
	if (!gen_plan_ip_low(TP_AF_INET6, upper, &r->lo, &lo))
		return -EINVAL;
	if (!gen_plan_ip_low(TP_AF_INET6, upper, &r->hi, &hi))
		hi = UINT32_MAX; /* a wider net: this /96 of it */
	if (lo == 0)
		lo = 1; /* the Subnet-Router anycast address */
	if (hi < lo)
		return -EINVAL;
	*first = lo;
	*n = hi - lo + 1;
	return 0;
}

/* Host addresses of @r: [*first, *first + *n), the family in @family. */
static int
net_hosts(const struct tp_ip_range *r, uint8_t *family, uint8_t *upper,
	  uint32_t *first, uint32_t *n)
{
	uint32_t lo, hi, size;

	*family = r->lo.family;
	if (r->lo.family != r->hi.family)
		return -EINVAL;
	if (r->lo.family == TP_AF_INET6)
		return net_hosts6(r, upper, first, n);
	if (r->lo.family != TP_AF_INET)
		return -EINVAL;
	lo = tp_ip_v4_host(&r->lo);
	hi = tp_ip_v4_host(&r->hi);
	if (hi < lo || hi - lo == UINT32_MAX)
		return -EINVAL;
	size = hi - lo + 1;
	/* A prefix of /30 or wider: leave out network and broadcast. */
	if (size >= 4 && (size & (size - 1)) == 0 && (lo & (size - 1)) == 0) {
		lo++;
		hi--;
	}
	*first = lo;
	*n = hi - lo + 1;
	return 0;
}

/* Spread @count endpoints over @n_ips of @net from @port0. */
static int
lay_out(const char *what, const struct tp_ip_range *net, uint32_t count,
	uint32_t want_ips, uint16_t port0, uint8_t *family, uint8_t *upper,
	uint32_t *ip0, uint32_t *n_ips, char *err, size_t err_len)
{
	uint32_t hosts, per_ip;

	if (count == 0) {
		snprintf(err, err_len, "--%ss: must be at least 1", what);
		return -EINVAL;
	}
	if (net_hosts(net, family, upper, ip0, &hosts) != 0) {
		snprintf(err, err_len,
			 "--%s-net: IPv4 or IPv6 prefix or range expected", what);
		return -EINVAL;
	}
	if (want_ips == 0)
		want_ips = count < hosts ? count : hosts;
	if (want_ips > hosts || want_ips > count) {
		snprintf(err, err_len,
			 "--%s-ips %u: the net has %u host addresses "
			 "for %u %ss",
			 what, want_ips, hosts, count, what);
		return -EINVAL;
	}
	per_ip = count / want_ips + (count % want_ips != 0);
	if (port0 == 0 || (uint32_t)port0 + per_ip - 1 > 65535) {
		snprintf(err, err_len,
			 "%u %ss on %u IPs need ports %u-%u: give a "
			 "wider --%s-net or a lower --%s-port",
			 count, what, want_ips, port0, port0 + per_ip - 1, what,
			 what);
		return -EINVAL;
	}
	*n_ips = want_ips;
	return 0;
}

int
gen_plan_init(struct gen_plan *plan, const struct gen_plan_params *p, char *err,
	      size_t err_len)
{
	uint32_t c_end, p_end;

	plan->n_clients = p->n_clients;
	plan->n_peers = p->n_peers;
	plan->client_port0 = p->client_port0;
	plan->peer_port0 = p->peer_port0;
	if (lay_out("client", &p->client_net, p->n_clients, p->n_client_ips,
		    p->client_port0, &plan->client_family, plan->client_hi,
		    &plan->client_ip0, &plan->n_client_ips, err, err_len) != 0 ||
	    lay_out("peer", &p->peer_net, p->n_peers, p->n_peer_ips,
		    p->peer_port0, &plan->peer_family, plan->peer_hi,
		    &plan->peer_ip0, &plan->n_peer_ips, err, err_len) != 0)
		return -EINVAL;
	c_end = plan->client_ip0 + plan->n_client_ips;
	p_end = plan->peer_ip0 + plan->n_peer_ips;
	if (plan->client_family == plan->peer_family &&
	    (plan->client_family == TP_AF_INET ||
	     memcmp(plan->client_hi, plan->peer_hi, 12) == 0) &&
	    plan->client_ip0 < p_end && plan->peer_ip0 < c_end) {
		snprintf(err, err_len,
			 "the client IPs and the peer IPs overlap: "
			 "give --client-net and --peer-net disjoint prefixes");
		return -EINVAL;
	}
	return 0;
}
