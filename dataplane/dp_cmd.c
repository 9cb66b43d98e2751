/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Applying the control plane's commands on a worker.
 *
 * Runs on the worker that owns the ring, between bursts.  Commands arrive
 * in the order the control plane decided them, and a transmit queued after
 * an install leaves only once the install has been applied: that ordering
 * is what lets the control plane answer a client right after deciding.
 */
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "dp_cmd.h"
#include "dp_nexthop.h"
#include "dp_relay.h"
#include "dp_worker.h"
#include "turnpike/dp_msg.h"

/* TSC deadline @ms milliseconds from now. */
static uint64_t
deadline(const struct dp_worker *w, uint32_t ms)
{
	return w->now + (uint64_t)ms * w->sh->tsc_hz / 1000;
}

/* @p addr as the table keeps it; port 0 for none.  @return 0 or -EINVAL
 * (not one of our relay addresses). */
static int
relay_ref(const struct dp_shared *sh, const struct tp_addr *addr,
	  struct dp_relay_ref *r)
{
	int ri;

	*r = (struct dp_relay_ref){ 0, 0 };
	if (addr->ip.family == TP_AF_NONE)
		return 0;
	ri = dp_relay_ip_index(sh, &addr->ip);
	if (ri < 0 || addr->port == 0)
		return -EINVAL;
	*r = (struct dp_relay_ref){ (uint16_t)ri, addr->port };
	return 0;
}

static int
cmd_alloc_add(struct dp_worker *w, const struct dp_cmd_alloc_add *add)
{
	struct dp_relay_ref r[DP_ALLOC_RELAYS];

	if (add->relay.ip.family == TP_AF_NONE ||
	    relay_ref(w->sh, &add->relay, &r[0]) != 0 ||
	    relay_ref(w->sh, &add->relay2, &r[1]) != 0)
		return -EINVAL;
	return dp_table_alloc_add(&w->table, add, r,
				  deadline(w, add->lifetime_ms));
}

static int
cmd_relay_del(struct dp_worker *w, const struct dp_cmd_relay_del *del)
{
	struct dp_alloc *a = dp_table_alloc_get(&w->table, &del->ref);
	int i;

	if (a == NULL)
		return -ENOENT;
	i = dp_alloc_relay_find(a, w->sh->relay_ips, del->family);
	if (i < 0)
		return -ENOENT;
	return dp_table_relay_del(&w->table, a, (unsigned int)i);
}

static int
cmd_alloc_del(struct dp_worker *w, const struct dp_cmd_alloc_ref *del)
{
	struct dp_evt ev = { .type = DP_EVT_ALLOC_END, .worker = w->id };
	int rc = dp_table_alloc_del(&w->table, &del->ref, &ev.u.alloc_end.usage);

	/* Answer even when the allocation is gone, so the usage record and
	 * the control plane's bookkeeping always complete. */
	ev.u.alloc_end.ref = del->ref;
	while (rte_ring_sp_enqueue_elem(w->evt_ring, &ev, sizeof(ev)) != 0)
		rte_pause();
	return rc;
}

/* Count a permission or channel that replaced a live one (rc 1). */
static int
peer_counted(struct dp_worker *w, int rc)
{
	if (rc == 1) {
		w->stats.c[DP_C_peer_replaced]++;
		return 0;
	}
	return rc;
}

static int
cmd_apply(struct dp_worker *w, const struct dp_cmd *c)
{
	struct dp_alloc *a;

	switch (c->type) {
	case DP_CMD_ALLOC_ADD:
		return cmd_alloc_add(w, &c->u.alloc_add);
	case DP_CMD_ALLOC_DEL:
		return cmd_alloc_del(w, &c->u.alloc);
	case DP_CMD_RELAY_DEL:
		return cmd_relay_del(w, &c->u.relay_del);
	case DP_CMD_ALLOC_REFRESH:
		a = dp_table_alloc_get(&w->table, &c->u.alloc.ref);
		if (a == NULL)
			return -ENOENT;
		a->expiry = deadline(w, c->u.alloc.lifetime_ms);
		return 0;
	case DP_CMD_PERM_SET:
		a = dp_table_alloc_get(&w->table, &c->u.perm.ref);
		if (a == NULL)
			return -ENOENT;
		/* Start resolving the peer's next hop now, so the first datagram
		 * the client sends after the success response is not lost. */
		if (!dp_is_our_ip(w->sh, &c->u.perm.peer))
			dp_next_hop_mac(w, &c->u.perm.peer);
		return peer_counted(w,
				    dp_table_perm_set(&w->table, a,
						      &c->u.perm.peer,
						      deadline(w, c->u.perm.lifetime_ms),
						      w->now,
						      c->u.perm.max_blocks));
	case DP_CMD_CHAN_SET:
		a = dp_table_alloc_get(&w->table, &c->u.chan.ref);
		if (a == NULL)
			return -ENOENT;
		return peer_counted(w,
				    dp_table_chan_set(&w->table, a,
						      c->u.chan.channel,
						      &c->u.chan.peer,
						      deadline(w, c->u.chan.lifetime_ms),
						      w->now,
						      c->u.chan.max_blocks));
	case DP_CMD_TX:
		dp_tx_enqueue(w, c->u.tx.mbuf);
		return 0;
	case DP_CMD_STREAM_TX:
		dp_stream_tx(w, c->u.stream_tx.mbuf, c->u.stream_tx.conn);
		return 0;
	case DP_CMD_NEIGH_SET:
		dp_neigh_resolved(w, &c->u.neigh.ip, c->u.neigh.mac);
		return 0;
	default:
		return -EINVAL;
	}
}

void
dp_cmd_drain(struct dp_worker *w)
{
	struct dp_cmd cmds[DP_BURST];
	unsigned int n;

	do {
		n = rte_ring_sc_dequeue_burst_elem(w->cmd_ring, cmds,
						   sizeof(cmds[0]), DP_BURST,
						   NULL);
		for (unsigned int i = 0; i < n; i++) {
			if (cmd_apply(w, &cmds[i]) != 0)
				w->stats.drop[DP_DROP_cmd_failed]++;
			w->stats.c[DP_C_cmds]++;
		}
		/* Responses queued by the commands go out before more work. */
		dp_tx_flush(w);
	} while (n == DP_BURST);
}
