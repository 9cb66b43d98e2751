/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Refresh (RFC 8656 section 8.2): extend an allocation or delete it.
 *
 *  - no allocation on the 5-tuple -> 437; another user's -> 441
 *    (turn_req_alloc()); for a token allocation, a Refresh that keeps it
 *    may present a new token and the allocation then keys on it;
 *  - REQUESTED-ADDRESS-FAMILY of no relayed address of the allocation
 *    -> 443;
 *  - a dual allocation (two relayed addresses, section 7.2) refreshed with
 *    REQUESTED-ADDRESS-FAMILY and LIFETIME 0 gives up that family's
 *    address and keeps the other (DP_CMD_RELAY_DEL); with a lifetime, or
 *    without the attribute, the allocation is refreshed as a whole: its
 *    two addresses share one lifetime, so refreshing one keeps both;
 *  - "desired lifetime": 0 if LIFETIME is 0, else max(default,
 *    min(LIFETIME, max)), the default without LIFETIME (turn_lifetime());
 *  - 0 deletes at once (DP_CMD_ALLOC_DEL, then success with LIFETIME 0);
 *    otherwise the expiry moves (DP_CMD_ALLOC_REFRESH, then success with
 *    the new LIFETIME).
 *
 * A retransmitted Refresh with LIFETIME 0 finds no allocation and gets 437;
 * section 8.3 tells the client to take that as success.
 *
 * Runs on the control thread, called by turn_dispatch.c.
 */
#include "turn_internal.h"

static void
refresh_success(const struct turn_req *r, uint32_t lifetime_s, uint16_t worker)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	turn_reply_start(r, &b, buf, sizeof(buf));
	stun_build_u32(&b, STUN_ATTR_LIFETIME, lifetime_s);
	turn_reply_send(r, &b, 0, worker);
}

/* One of a dual allocation's relayed addresses goes; the other stays. */
static void
refresh_drop_family(struct turn_server *srv, struct turn_alloc *a, uint8_t family)
{
	struct dp_cmd cmd = { .type = DP_CMD_RELAY_DEL };
	struct tp_addr gone = a->relay.ip.family == family ? a->relay : a->relay2;

	if (turn_alloc_table_relay_del(&srv->table, a, family) != 0)
		return; /* turn_alloc_has_family() said it was there */
	cmd.u.relay_del.ref = a->ref;
	cmd.u.relay_del.family = family;
	turn_server_cmd(srv, a->owner, &cmd);
	turn_ports_put(srv->ports, &gone);
	srv->stats.c[TURN_C_RELAYS_DROPPED]++;
}

void
turn_refresh_handle(struct turn_req *r)
{
	struct turn_server *srv = r->srv;
	struct dp_cmd cmd = { .type = DP_CMD_ALLOC_REFRESH };
	struct turn_alloc *a = turn_req_alloc(r);
	uint16_t owner;
	uint32_t lt;
	uint8_t fam = TP_AF_NONE;

	if (a == NULL)
		return;
	owner = a->owner;
	if (stun_msg_has(&r->msg, STUN_SLOT_REQUESTED_ADDRESS_FAMILY)) {
		if (stun_msg_get_family(&r->msg,
					STUN_SLOT_REQUESTED_ADDRESS_FAMILY,
					&fam) != 0) {
			turn_reply_error(r, 400, owner);
			return;
		}
		if (!turn_alloc_has_family(a, fam)) {
			turn_reply_error(r, 443, owner);
			return;
		}
	}
	if (turn_lifetime(r, true, &lt) != 0) {
		turn_reply_error(r, 400, owner);
		return;
	}
	if (lt == 0 && fam != TP_AF_NONE && a->relay2.ip.family != TP_AF_NONE) {
		refresh_drop_family(srv, a, fam);
		refresh_success(r, 0, owner);
		return;
	}
	if (lt == 0) {
		turn_alloc_status(srv, a, TURN_STATUS_REFRESHED, 0);
		turn_alloc_delete(srv, a, r->now_ms, TURN_C_ALLOCS_DELETED);
		refresh_success(r, 0, owner);
		return;
	}
	turn_req_keep_token(r, a); /* a renewal with a new token re-keys */
	a->expiry_ms = r->now_ms + (uint64_t)lt * 1000;
	turn_alloc_schedule(srv, a); /* armed already: cannot fail */
	cmd.u.alloc.ref = a->ref;
	cmd.u.alloc.lifetime_ms = lt * 1000u;
	turn_server_cmd(srv, owner, &cmd);
	srv->stats.c[TURN_C_ALLOCS_REFRESHED]++;
	turn_alloc_status(srv, a, TURN_STATUS_REFRESHED, lt);
	refresh_success(r, lt, owner);
}
