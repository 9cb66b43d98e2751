/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's copy of the next hops in the kernel's neighbour
 * table, and the decisions taken on each piece of news (see
 * cp_neigh_table.h for the rules and why).  Open addressing with linear
 * probing over a fixed array, never shrinking, as the workers' dp_neigh.c.
 * Control thread only; pure.
 */
#include <string.h>

#include "cp_neigh_table.h"

#define NS_PER_MS 1000000ull

void
cp_neigh_table_init(struct cp_neigh_table *t, int32_t ifindex,
		    const struct tp_plane_params *p)
{
	memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	t->gateway = p->gateway;
	t->gateway6 = p->gateway6;
	t->n_local = p->n_local;
	memcpy(t->local_nets, p->local_nets, sizeof(t->local_nets));
}

bool
cp_neigh_table_wants(const struct cp_neigh_table *t, const struct tp_ip *ip)
{
	/* The gateway of @ip's family, as dp_nexthop.c picks it. */
	const struct tp_ip *gw = ip->family == TP_AF_INET6 ? &t->gateway6 :
							     &t->gateway;

	if (ip->family != TP_AF_INET && ip->family != TP_AF_INET6)
		return false;
	for (uint16_t i = 0; i < t->n_local; i++)
		if (tp_ip_range_contains(&t->local_nets[i], ip))
			return true;
	return gw->family != ip->family || tp_ip_equal(gw, ip);
}

static uint32_t
ip_hash(const struct tp_ip *ip)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < tp_ip_len(ip->family); i++)
		h = (h ^ ip->bytes[i]) * 16777619u;
	return h;
}

/* The slot of @ip; a fresh one if absent and @create; NULL if absent and
 * not @create, or the table is full. */
static struct cp_neigh_entry *
slot(struct cp_neigh_table *t, const struct tp_ip *ip, bool create)
{
	uint32_t h = ip_hash(ip);

	for (uint32_t i = 0; i < CP_NEIGH_SLOTS; i++) {
		struct cp_neigh_entry *e = &t->e[(h + i) & (CP_NEIGH_SLOTS - 1)];

		if (e->ip.family == TP_AF_NONE) {
			if (!create)
				return NULL;
			memset(e, 0, sizeof(*e));
			e->ip = *ip;
			t->n_entries++;
			return e;
		}
		if (tp_ip_equal(&e->ip, ip))
			return e;
	}
	return NULL;
}

const struct cp_neigh_entry *
cp_neigh_table_find(const struct cp_neigh_table *t, const struct tp_ip *ip)
{
	return slot((struct cp_neigh_table *)t, ip, false);
}

/* USE for @e unless static or sent within CP_NEIGH_REPEAT_MS. */
static unsigned int
use_due(struct cp_neigh_entry *e, uint64_t now_ns)
{
	if (nl_neigh_state_static(e->kstate))
		return 0;
	if (e->use_ns != 0 && now_ns - e->use_ns < CP_NEIGH_REPEAT_MS * NS_PER_MS)
		return 0;
	e->use_ns = now_ns;
	return CP_NEIGH_USE;
}

unsigned int
cp_neigh_table_kernel(struct cp_neigh_table *t, const struct nl_neigh *n,
		      uint64_t now_ns, const struct cp_neigh_entry **entry,
		      uint64_t *waited_ns, bool *full)
{
	bool usable = !n->deleted && nl_neigh_state_valid(n->state) && n->has_mac;
	bool keep = usable || (!n->deleted && nl_neigh_state_static(n->state));
	struct cp_neigh_entry *e;

	*entry = NULL;
	*waited_ns = 0;
	*full = false;
	if (n->ifindex != t->ifindex || !cp_neigh_table_wants(t, &n->ip))
		return 0;
	/* An entry the kernel is still resolving, has failed or deleted is
	 * news only for one we keep: not a reason to start keeping it. */
	e = slot(t, &n->ip, keep);
	if (e == NULL) {
		*full = keep;
		return 0;
	}
	*entry = e;
	e->kstate = n->deleted ? 0 : n->state;
	if (!usable)
		return 0;
	if (e->waiting_ns != 0) {
		*waited_ns = now_ns - e->waiting_ns;
		e->waiting_ns = 0;
	}
	if (e->has_mac && memcmp(e->mac, n->mac, DP_MAC_LEN) == 0)
		return 0;
	memcpy(e->mac, n->mac, DP_MAC_LEN);
	e->has_mac = true;
	return CP_NEIGH_PUSH;
}

unsigned int
cp_neigh_table_miss(struct cp_neigh_table *t, const struct tp_ip *ip,
		    uint64_t now_ns, const struct cp_neigh_entry **entry,
		    bool *full)
{
	struct cp_neigh_entry *e;
	unsigned int act = 0;

	*entry = NULL;
	*full = false;
	if (!cp_neigh_table_wants(t, ip))
		return 0;
	e = slot(t, ip, true);
	if (e == NULL) {
		*full = true;
		return 0;
	}
	*entry = e;
	if (e->has_mac)
		act |= CP_NEIGH_PUSH; /* known here: that worker was not told */
	if (!e->has_mac || !nl_neigh_state_valid(e->kstate))
		act |= use_due(e, now_ns);
	if (!e->has_mac && e->waiting_ns == 0)
		e->waiting_ns = now_ns;
	return act;
}

unsigned int
cp_neigh_table_used(struct cp_neigh_table *t, const struct tp_ip *ip,
		    const uint8_t mac[DP_MAC_LEN], uint64_t now_ns,
		    const struct cp_neigh_entry **entry)
{
	struct cp_neigh_entry *e = slot(t, ip, false);
	unsigned int act = 0;

	*entry = e;
	if (e == NULL)
		return 0; /* not from us (the table was full): leave it be */
	if (e->has_mac && memcmp(e->mac, mac, DP_MAC_LEN) != 0)
		act |= CP_NEIGH_PUSH;
	return act | use_due(e, now_ns);
}
