/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops on a worker, either family: the neighbour a datagram goes
 * through, resolving it, and what may be learned from whom.
 *
 * Whatever a worker learns it also reports to the control plane, which
 * passes it to every other worker, so each keeps a private table and no
 * table is shared between cores.
 *
 * What is learned is guarded, because any host on the LAN can send ARP or
 * neighbour advertisements: only senders on our network (a local-network
 * range, or the gateway) are learned (anyone, when no gateway of the
 * family is given: every peer is then its own next hop), since nothing
 * else is ever a next hop; and the gateway, which carries every off-link
 * datagram, is pinned: its MAC is learned only from an answer to our own
 * request of the last second, never from a gratuitous ARP, an unsolicited
 * advertisement or an unasked reply.  So that a real change (a VRRP
 * failover) is still followed, a resolved gateway is asked again every
 * DP_NEXTHOP_GATEWAY_RECHECK_S seconds while in use.  The table itself
 * evicts (dp_neigh.h), so it cannot be filled for good.
 *
 * When the kernel owns the interface (AF_XDP mode, sh->neigh_from_kernel,
 * where ARP and neighbour discovery never reach a worker; exception-port
 * mode, where the workers steer them to the kernel's TAP) a worker sends
 * no request.  It asks the control thread instead (DP_EVT_NEIGH_MISS),
 * which has the kernel resolve and tells every worker, and it reports the
 * next hops it uses (DP_EVT_NEIGH_USED) so that the kernel, which never
 * sees our traffic, keeps their entries.  Frames wait for a next hop as
 * they do for an ARP reply.
 */
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dp_arp.h"
#include "dp_nd.h"
#include "dp_nexthop.h"
#include "dp_worker.h"
#include "turnpike/dp_msg.h"

/* The gateway for @ip's family, or NULL if none is given. */
static const struct tp_ip *
gateway_of(const struct dp_shared *sh, const struct tp_ip *ip)
{
	const struct tp_ip *gw = ip->family == TP_AF_INET6 ? &sh->gateway6 :
							     &sh->gateway;

	return gw->family == ip->family ? gw : NULL;
}

/* Is @ip its family's gateway? */
static bool
is_gateway(const struct dp_shared *sh, const struct tp_ip *ip)
{
	const struct tp_ip *gw = gateway_of(sh, ip);

	return gw != NULL && tp_ip_equal(gw, ip);
}

/* The IP we must resolve to reach @ip: itself if on-link, else the gateway. */
static const struct tp_ip *
next_hop_ip(const struct dp_shared *sh, const struct tp_ip *ip)
{
	const struct tp_ip *gw;

	for (int i = 0; i < sh->n_local; i++)
		if (tp_ip_range_contains(&sh->local_nets[i], ip))
			return ip;
	gw = gateway_of(sh, ip);
	return gw != NULL ? gw : ip;
}

bool
dp_nexthop_may_learn(struct dp_worker *w, const struct tp_ip *ip, bool answer)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_neigh_entry *e;

	if (is_gateway(sh, ip)) {
		e = dp_neigh_find(&w->neigh, ip, false, w->now);
		return answer && e != NULL && e->asked != 0 &&
		       w->now - e->asked <= sh->tsc_hz;
	}
	/* On-link by our own routing: a local-network, or anything when no
	 * gateway is configured (every peer is then its own next hop). */
	return next_hop_ip(sh, ip) == ip;
}

bool
dp_nexthop_is_known(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct dp_neigh_entry *e =
		dp_neigh_find(&w->neigh, ip, false, w->now);

	return e != NULL && e->resolved;
}

bool
dp_nexthop_is_listed(struct dp_worker *w, const struct tp_ip *ip)
{
	return dp_neigh_find(&w->neigh, ip, false, w->now) != NULL;
}

bool
dp_nexthop_learn(struct dp_worker *w, const struct tp_ip *ip, const uint8_t *mac)
{
	struct dp_evt ev = { .type = DP_EVT_NEIGH, .worker = w->id };

	if (!dp_neigh_resolved(w, ip, mac))
		return false;
	ev.u.neigh.ip = *ip;
	memcpy(ev.u.neigh.mac, mac, DP_MAC_LEN);
	/* Best effort: if the ring is full the others learn on their own. */
	rte_ring_sp_enqueue_elem(w->evt_ring, &ev, sizeof(ev));
	return true;
}

/* Kernel-owned interface: tell the control thread about next hop @nh, as
 * an event of @type (DP_EVT_NEIGH_MISS, or DP_EVT_NEIGH_USED with the
 * @mac in use).  Best effort, as dp_nexthop_learn(): if the ring is full
 * the next miss, a second later, or the next report asks again. */
static void
neigh_tell(struct dp_worker *w, uint32_t type, const struct tp_ip *nh,
	   const uint8_t *mac)
{
	struct dp_evt ev = { .type = type, .worker = w->id };

	ev.u.neigh.ip = *nh;
	if (mac != NULL)
		memcpy(ev.u.neigh.mac, mac, DP_MAC_LEN);
	rte_ring_sp_enqueue_elem(w->evt_ring, &ev, sizeof(ev));
}

/* Ask the link who @nh is, in its family's protocol. */
static void
solicit(struct dp_worker *w, const struct tp_ip *nh)
{
	if (nh->family == TP_AF_INET6)
		dp_nd_solicit(w, nh);
	else
		dp_arp_request(w, nh);
}

const uint8_t *
dp_next_hop_mac(struct dp_worker *w, const struct tp_ip *ip)
{
	const struct tp_ip *nh = next_hop_ip(w->sh, ip);
	struct dp_neigh_entry *e = dp_neigh_find(&w->neigh, nh, true, w->now);

	w->stats.c[DP_C_neigh_evicted] = w->neigh.evicted;
	if (e == NULL)
		return NULL;
	if (is_gateway(w->sh, nh))
		e->pinned = true;
	if (e->resolved) {
		/* The pinned gateway: ask again now and then (file comment);
		 * the old MAC serves until an answer comes. */
		if (e->pinned && !w->sh->neigh_from_kernel &&
		    w->now - e->checked >=
			    DP_NEXTHOP_GATEWAY_RECHECK_S * w->sh->tsc_hz) {
			e->asked = e->checked = w->now;
			solicit(w, nh);
		}
		if (w->sh->neigh_from_kernel &&
		    w->now - e->told >= DP_NEIGH_USED_EVERY_S * w->sh->tsc_hz) {
			e->told = w->now;
			w->stats.c[DP_C_neigh_in_use]++;
			neigh_tell(w, DP_EVT_NEIGH_USED, nh, e->mac);
		}
		return e->mac;
	}
	if (e->asked == 0 || w->now - e->asked > w->sh->tsc_hz) {
		/* Asked a second ago and no answer: give up on what waits. */
		if (e->held != NULL) {
			dp_drop(w, e->held, DP_DROP_no_neighbour);
			e->held = NULL;
		}
		e->asked = w->now;
		if (w->sh->neigh_from_kernel) {
			w->stats.c[DP_C_neigh_asked]++;
			neigh_tell(w, DP_EVT_NEIGH_MISS, nh, NULL);
		} else {
			solicit(w, nh);
		}
	}
	return NULL;
}

void
dp_neigh_hold(struct dp_worker *w, const struct tp_ip *ip, struct rte_mbuf *m)
{
	struct dp_neigh_entry *e =
		dp_neigh_find(&w->neigh, next_hop_ip(w->sh, ip), false, w->now);

	if (e == NULL || e->resolved) { /* table full, or raced: not held */
		dp_drop(w, m, DP_DROP_no_neighbour);
		return;
	}
	if (e->held != NULL)
		dp_drop(w, e->held, DP_DROP_no_neighbour);
	e->held = m;
	w->stats.c[DP_C_arp_held]++;
}

bool
dp_neigh_resolved(struct dp_worker *w, const struct tp_ip *ip, const uint8_t *mac)
{
	struct dp_neigh_entry *e;
	struct rte_ether_hdr *eth;

	bool changed = dp_neigh_set(&w->neigh, ip, mac, w->now);

	w->stats.c[DP_C_neigh_evicted] = w->neigh.evicted;
	if (!changed)
		return false;
	e = dp_neigh_find(&w->neigh, ip, false, w->now);
	if (e != NULL)
		e->checked = w->now;
	if (e != NULL && e->held != NULL) {
		eth = rte_pktmbuf_mtod(e->held, struct rte_ether_hdr *);
		memcpy(&eth->dst_addr, mac, RTE_ETHER_ADDR_LEN);
		w->stats.c[DP_C_arp_held_sent]++;
		dp_tx_enqueue(w, e->held);
		e->held = NULL;
	}
	return true;
}
