/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ChannelBind (RFC 8656 section 11.2): bind a channel number to a peer
 * transport address, or refresh the binding; the peer's IP also gets a
 * permission installed or refreshed.
 *
 *  - no allocation -> 437; another user's -> 441 (turn_req_alloc());
 *  - CHANNEL-NUMBER or XOR-PEER-ADDRESS missing or malformed -> 400;
 *  - number outside 0x4000-0x4FFF -> 400;
 *  - peer of a family the allocation has no relayed address of -> 443;
 *  - peer refused by the policy -> 403;
 *  - the number bound to another peer, or the peer bound to another
 *    number -> 400.  "Bound" includes the 5 minutes after a binding
 *    expires (section 12): the client must wait them out before reusing
 *    the number or the peer differently, and the server holds it to that,
 *    so a late ChannelData can never reach the wrong peer;
 *  - too many channels or permissions -> 508.
 * The same (number, peer) pair refreshes the binding.  Then
 * DP_CMD_CHAN_SET and DP_CMD_PERM_SET to the owner, and the success
 * response behind them.
 *
 * Runs on the control thread, called by turn_dispatch.c.
 */
#include <errno.h>

#include "turn_internal.h"

#include "turnpike/channel_data.h"

/* @return 0 if (number, peer) may be bound or refreshed, else the code. */
static uint16_t
channel_check(struct turn_req *r, struct turn_alloc *a, uint16_t number,
	      const struct tp_addr *peer)
{
	struct turn_server *srv = r->srv;
	struct turn_chan *by_num, *by_peer;

	/* RFC 8656 section 12: 0x4000-0x4FFF, unless the operator also takes
	 * RFC 5766's 0x5000-0x7FFF for older clients. */
	if (number < CHANNEL_NUMBER_MIN ||
	    number > (srv->p.chan_max != 0 ? srv->p.chan_max : CHANNEL_NUMBER_MAX))
		return 400;
	if (!turn_alloc_has_family(a, peer->ip.family))
		return 443;
	if (!turn_peer_allowed(srv, &peer->ip))
		return 403;
	by_num = turn_alloc_chan_by_number(a, number);
	by_peer = turn_alloc_chan_by_peer(a, peer);
	if ((by_num != NULL && !tp_addr_equal(&by_num->peer, peer)) ||
	    (by_peer != NULL && by_peer->number != number)) {
		if ((by_num != NULL && !by_num->bound) ||
		    (by_peer != NULL && !by_peer->bound))
			srv->stats.c[TURN_C_CHAN_QUARANTINE_HITS]++;
		return 400;
	}
	if ((by_num == NULL || !by_num->bound) &&
	    turn_alloc_chans_bound(a) >= TURN_CHANS_MAX)
		return 508;
	if (by_num == NULL && a->n_chans >= TURN_CHAN_RECORDS_MAX)
		return 508;
	if (turn_alloc_perm_find(a, &peer->ip) == NULL &&
	    a->n_perms >= TURN_PERMS_MAX)
		return 508;
	/* Room in the owner's fast path for the binding and its permission. */
	if (turn_alloc_reserve_blocks(srv, a,
				      a->n_perms +
					      (turn_alloc_perm_find(a, &peer->ip) ==
					       NULL),
				      turn_alloc_chans_bound(a) +
					      (by_num == NULL ||
					       !by_num->bound)) != 0)
		return 508;
	return 0;
}

/* Bind and permit, and tell the owner.  @return 0 or -errno. */
static int
channel_install(struct turn_req *r, struct turn_alloc *a, uint16_t number,
		const struct tp_addr *peer)
{
	struct turn_server *srv = r->srv;
	const struct turn_chan *old = turn_alloc_chan_by_number(a, number);
	bool refresh = old != NULL && old->bound;
	bool had_perm = turn_alloc_perm_find(a, &peer->ip) != NULL;
	uint32_t chan_ms = srv->p.chan_lifetime_s * 1000u;
	uint32_t perm_ms = srv->p.perm_lifetime_s * 1000u;
	struct dp_cmd cmd = { .type = DP_CMD_CHAN_SET };

	if (turn_alloc_chan_set(a, number, peer, r->now_ms + chan_ms) != 0 ||
	    turn_alloc_perm_set(a, &peer->ip, r->now_ms + perm_ms) != 0)
		return -ENOMEM; /* limits were checked: only memory is left */
	cmd.u.chan.ref = a->ref;
	cmd.u.chan.peer = *peer;
	cmd.u.chan.channel = number;
	cmd.u.chan.lifetime_ms = chan_ms;
	cmd.u.chan.max_blocks = a->dp_blocks;
	turn_server_cmd(srv, a->owner, &cmd);
	cmd = (struct dp_cmd){ .type = DP_CMD_PERM_SET };
	cmd.u.perm.ref = a->ref;
	cmd.u.perm.peer = peer->ip;
	cmd.u.perm.lifetime_ms = perm_ms;
	cmd.u.perm.max_blocks = a->dp_blocks;
	turn_server_cmd(srv, a->owner, &cmd);
	srv->stats.c[refresh ? TURN_C_CHANS_REFRESHED : TURN_C_CHANS_BOUND]++;
	srv->stats.c[had_perm ? TURN_C_PERMS_REFRESHED : TURN_C_PERMS_CREATED]++;
	return 0;
}

void
turn_channel_handle(struct turn_req *r)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;
	struct turn_alloc *a = turn_req_alloc(r);
	struct tp_addr peer;
	uint16_t number, code;

	if (a == NULL)
		return;
	if (stun_msg_get_channel(&r->msg, &number) != 0 ||
	    stun_msg_get_xor_addr(&r->msg, STUN_SLOT_XOR_PEER_ADDRESS, &peer) != 0)
		code = 400;
	else
		code = channel_check(r, a, number, &peer);
	if (code == 0 && channel_install(r, a, number, &peer) != 0)
		code = 500;
	if (code != 0) {
		turn_reply_error(r, code, a->owner);
		return;
	}
	turn_alloc_schedule(r->srv, a);
	turn_reply_start(r, &b, buf, sizeof(buf));
	turn_reply_send(r, &b, 0, a->owner);
}
