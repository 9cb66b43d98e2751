/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocate (RFC 8656 section 7.2): create an allocation for the request's
 * 5-tuple.
 *
 * The checks, in the RFC's order (authentication already passed):
 *
 *  1. 5-tuple in use: the same transaction ID from the same user is a
 *     retransmission whose response was lost, so the success response is
 *     sent again; anything else gets 437 (Allocation Mismatch).
 *  2. REQUESTED-TRANSPORT missing -> 400; not UDP -> 442.
 *  3. DONT-FRAGMENT: accepted.  The fast path never fragments a relayed
 *     datagram; the RFC also asks for the DF bit on the ones sent to peers,
 *     which is the fast path's to set (dp_pkt.h builds the IPv4 header).
 *  4. RESERVATION-TOKEN: with EVEN-PORT or an address-family attribute
 *     -> 400; otherwise 508, because turnpike keeps no reservations: a
 *     reserved port + 1 belongs to another worker (port % n_workers is the
 *     owner), so the pair could not be relayed by one worker.
 *  5. REQUESTED-ADDRESS-FAMILY with ADDITIONAL-ADDRESS-FAMILY -> 400.
 *  6. REQUESTED-ADDRESS-FAMILY we have no relay address of (or an unknown
 *     value) -> 440; absent, IPv4 is allocated, and with no IPv4 relay
 *     address -> 440.
 *  7. EVEN-PORT with R = 1 -> 400 alongside ADDITIONAL-ADDRESS-FAMILY,
 *     else 508 (no reservations, as in 4).  EVEN-PORT with R = 0 gets an
 *     even port, or 508 when the owner has none (with an even number of
 *     workers an odd owner owns only odd ports).
 *  8. ADDITIONAL-ADDRESS-FAMILY: 0x01 (or anything but 0x02) -> 400.  For
 *     0x02, a dual allocation: an IPv4 and an IPv6 relayed address, two
 *     XOR-RELAYED-ADDRESS attributes in the success response, both ports
 *     of the same owner worker, which relays to a peer from the address of
 *     the peer's family.  With no IPv6 relay-ip, or no free IPv6 port, the
 *     IPv4 one alone is allocated and ADDRESS-ERROR-CODE says why there is
 *     no IPv6 one (440 or 508), as section 7.2 allows.
 *  9. Draining (turn_server_drain()): 300 Try Alternate with an
 *     alternate server of the request's family, else 403 ("Server
 *     draining"); see allocate_redirect() for why only here.
 * 10. Quotas: per person (user-quota) or per OAuth kid (oauth-kid-quota)
 *     -> 486, counted by turn_quota.h's keys, not by the credential's text;
 *     total, worker table full, no free relay port -> 508 (or 300 Try
 *     Alternate when an alternate server of the request's family is set).
 *
 * Lifetime: max(default, min(LIFETIME, max)) (section 7.2), see
 * turn_lifetime().  The owner worker is dp_owner_of_client(); the slot and
 * a relay port owned by that worker come from turn_ports.c.
 * DP_CMD_ALLOC_ADD goes to the owner before the success response, on the
 * same ring, so the allocation is installed before the client learns of it.
 *
 * Runs on the control thread, called by turn_dispatch.c.
 */
#include <errno.h>
#include <string.h>

#include "turn_internal.h"
#include "turn_quota.h"

/* allocate_create(): the fleet was asked; answer nothing yet. */
#define ALLOCATE_PENDING 1

/* What the checks decided. */
struct alloc_plan {
	uint8_t family;      /* of the relayed address */
	bool even;           /* EVEN-PORT, R = 0 */
	bool dual;           /* and an IPv6 one (ADDITIONAL-ADDRESS-FAMILY) */
	uint16_t addr_error; /* ADDRESS-ERROR-CODE in the response */
	uint8_t addr_error_family;
	uint32_t lifetime_s;
};

/*
 * ADDRESS-ERROR-CODE (RFC 8656 section 18.13): family (8 bits), reserved,
 * then class and number as in ERROR-CODE, then the reason phrase.
 */
static void
build_address_error(struct stun_builder *b, uint8_t family, uint16_t code)
{
	const char *reason = stun_reason_phrase(code);
	size_t n = strlen(reason);
	uint8_t v[4 + 128];

	if (n > sizeof(v) - 4)
		n = sizeof(v) - 4;
	v[0] = family;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, n);
	stun_build_attr(b, STUN_ATTR_ADDRESS_ERROR_CODE, v, 4 + n);
}

static void
allocate_success(const struct turn_req *r, const struct turn_alloc *a,
		 uint32_t lifetime_s)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	turn_reply_start(r, &b, buf, sizeof(buf));
	stun_build_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &a->relay);
	if (a->relay2.ip.family != TP_AF_NONE)
		stun_build_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS,
				    &a->relay2);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, lifetime_s);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a->client);
	if (a->addr_error != 0)
		build_address_error(&b, a->addr_error_family, a->addr_error);
	turn_reply_send(r, &b, 0, a->owner);
}

/* Step 1.  @return true if the request was answered. */
static bool
allocate_existing(const struct turn_req *r)
{
	struct turn_server *srv = r->srv;
	struct turn_alloc *a;

	a = turn_alloc_table_find(&srv->table, &r->pkt->client, &r->pkt->local,
				  r->pkt->transport);
	if (a == NULL)
		return false;
	if (a->expiry_ms <= r->now_ms) {
		turn_alloc_delete(srv, a, r->now_ms, TURN_C_ALLOCS_EXPIRED);
		return false;
	}
	if (memcmp(a->tid, r->msg.tid, STUN_TID_LEN) == 0 && turn_req_owns(r, a)) {
		srv->stats.c[TURN_C_ALLOC_RETRANSMITS]++;
		allocate_success(r, a,
				 (uint32_t)((a->expiry_ms - r->now_ms + 999) /
					    1000));
	} else {
		turn_reply_error(r, 437, r->pkt->worker);
	}
	return true;
}

/* Steps 5 to 8 (address families, EVEN-PORT).  @return 0 or a code. */
static uint16_t
allocate_check_family(const struct turn_req *r, struct alloc_plan *plan)
{
	const struct stun_msg *m = &r->msg;
	bool has_raf = stun_msg_has(m, STUN_SLOT_REQUESTED_ADDRESS_FAMILY);
	bool has_aaf = stun_msg_has(m, STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY);
	uint8_t fam = TP_AF_INET;
	bool reserve;

	if (has_raf && has_aaf)
		return 400;
	if (has_raf && stun_msg_get_family(m, STUN_SLOT_REQUESTED_ADDRESS_FAMILY,
					   &fam) != 0)
		return 400;
	if ((fam != TP_AF_INET && fam != TP_AF_INET6) ||
	    !turn_ports_has_family(r->srv->ports, fam))
		return 440;
	plan->family = fam;
	if (stun_msg_has(m, STUN_SLOT_EVEN_PORT)) {
		if (stun_msg_get_even_port(m, &reserve) != 0)
			return 400;
		if (reserve)
			return has_aaf ? 400 : 508;
		plan->even = true;
	}
	if (has_aaf) {
		if (stun_msg_get_family(m, STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY,
					&fam) != 0 ||
		    fam != TP_AF_INET6)
			return 400;
		if (turn_ports_has_family(r->srv->ports, TP_AF_INET6)) {
			plan->dual = true;
		} else {
			plan->addr_error = 440;
			plan->addr_error_family = TP_AF_INET6;
		}
	}
	return 0;
}

/* Steps 2 to 8.  @return 0 or the error code to answer. */
static uint16_t
allocate_check(const struct turn_req *r, struct alloc_plan *plan)
{
	const struct stun_msg *m = &r->msg;
	uint8_t proto;

	if (stun_msg_get_transport(m, &proto) != 0)
		return 400;
	if (proto != TURN_TRANSPORT_UDP)
		return 442;
	if (stun_msg_has(m, STUN_SLOT_RESERVATION_TOKEN)) {
		if (stun_msg_has(m, STUN_SLOT_EVEN_PORT) ||
		    stun_msg_has(m, STUN_SLOT_REQUESTED_ADDRESS_FAMILY) ||
		    stun_msg_has(m, STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY))
			return 400;
		return 508;
	}
	if (turn_lifetime(r, false, &plan->lifetime_s) != 0)
		return 400;
	return allocate_check_family(r, plan);
}

static uint32_t
gen_next(struct turn_server *srv)
{
	uint32_t gen = srv->next_gen++;

	if (srv->next_gen == 0)
		srv->next_gen = 1;
	return gen;
}

static void
send_alloc_add(struct turn_server *srv, const struct turn_req *r,
	       const struct turn_alloc *a, uint32_t lifetime_s)
{
	struct dp_cmd cmd = { .type = DP_CMD_ALLOC_ADD };
	struct dp_cmd_alloc_add *add = &cmd.u.alloc_add;

	add->ref = a->ref;
	add->client = a->client;
	add->server = a->local;
	add->relay = a->relay;
	add->relay2 = a->relay2;
	memcpy(add->client_mac, r->pkt->client_mac, DP_MAC_LEN);
	add->transport = a->transport;
	add->conn = r->pkt->conn;
	add->lifetime_ms = lifetime_s * 1000u;
	add->max_bps = srv->p.max_bps;
	turn_server_cmd(srv, a->owner, &cmd);
}

/* Count @a in its quota groups.  @return 0 or -ENOMEM. */
static int
allocate_hold_quotas(struct turn_server *srv, struct turn_alloc *a,
		     const struct turn_quota_keys *qk)
{
	for (unsigned int i = 0; i < TURN_ALLOC_QUOTAS; i++)
		if (qk->len[i] != 0 &&
		    turn_alloc_table_quota_hold(&srv->table, a, i, qk->key[i],
						qk->len[i]) != 0)
			return -ENOMEM;
	return 0;
}

/* Make the record, install it, answer.  @return 0 or the error code. */
static uint16_t
allocate_commit(const struct turn_req *r, const struct alloc_plan *plan,
		const struct turn_quota_keys *qk, uint16_t owner, uint32_t slot,
		const struct tp_addr *relay, const struct tp_addr *relay2)
{
	struct turn_server *srv = r->srv;
	struct turn_alloc *a;

	a = turn_alloc_table_insert(&srv->table, &r->pkt->client,
				    &r->pkt->local, r->pkt->transport, relay,
				    r->user, r->user_len, r->now_ms);
	if (a == NULL)
		return 500;
	if (allocate_hold_quotas(srv, a, qk) != 0) {
		turn_alloc_table_remove(&srv->table, a, r->now_ms, false);
		return 500;
	}
	a->relay2 = *relay2;
	a->owner = owner;
	a->ref.slot = slot;
	a->ref.gen = gen_next(srv);
	a->id = srv->next_id++;
	memcpy(a->tid, r->msg.tid, STUN_TID_LEN);
	a->by_token = turn_req_by_token(r);
	turn_req_keep_token(r, a);
	a->expiry_ms = r->now_ms + (uint64_t)plan->lifetime_s * 1000;
	a->addr_error = plan->addr_error;
	a->addr_error_family = plan->addr_error_family;
	if (turn_alloc_schedule(srv, a) != 0) {
		turn_alloc_table_remove(&srv->table, a, r->now_ms, false);
		return 500;
	}
	send_alloc_add(srv, r, a, plan->lifetime_s);
	turn_alloc_created(srv);
	turn_alloc_status(srv, a, TURN_STATUS_NEW, plan->lifetime_s);
	if (a->relay2.ip.family != TP_AF_NONE)
		srv->stats.c[TURN_C_ALLOCS_DUAL]++;
	allocate_success(r, a, plan->lifetime_s);
	return 0;
}

/* Step 10 on this relay's counts.  @return 0, 486 or 508. */
static uint16_t
allocate_check_quotas(const struct turn_server *srv,
		      const struct turn_quota_keys *qk)
{
	const struct turn_params *p = &srv->p;

	if ((p->user_quota != 0 &&
	     turn_quota_held(&srv->table, qk, TURN_QUOTA_PERSON) >= p->user_quota) ||
	    (p->kid_quota != 0 &&
	     turn_quota_held(&srv->table, qk, TURN_QUOTA_KID) >= p->kid_quota))
		return 486;
	if (p->total_quota != 0 && srv->table.n_allocs >= p->total_quota)
		return 508;
	return 0;
}

static uint16_t allocate_place(const struct turn_req *r, struct alloc_plan *plan,
			       const struct turn_quota_keys *qk);

/*
 * Step 10 and the allocation itself.  In a fleet the quotas are the
 * fleet's (turn_fleet_ops::quota): counted there in one round trip while
 * this request waits (ALLOCATE_PENDING), or here alone when the fleet
 * cannot answer.  @return 0, ALLOCATE_PENDING or the error code.
 */
static uint16_t
allocate_create(const struct turn_req *r, struct alloc_plan *plan)
{
	struct turn_server *srv = r->srv;
	const struct turn_params *p = &srv->p;
	struct turn_quota_keys qk;
	enum turn_fleet_quota fq;
	uint16_t code;

	turn_quota_keys_make(r->auth, &qk);
	if (srv->shutting_down)
		return 508;
	fq = p->fleet == NULL ? TURN_FLEET_LOCAL :
				p->fleet->quota(p->fleet->ctx, p, r->pkt,
						r->msg.tid, &qk, r->now_ms);
	switch (fq) {
	case TURN_FLEET_PENDING:
		return ALLOCATE_PENDING;
	case TURN_FLEET_DENIED:
		return 486;
	case TURN_FLEET_DENIED_ALL:
		return 508;
	case TURN_FLEET_GRANTED:
		break; /* the fleet counted every limit */
	default:
		code = allocate_check_quotas(srv, &qk);
		if (code != 0)
			return code;
	}
	code = allocate_place(r, plan, &qk);
	if (p->fleet != NULL && (code == 0) == (fq == TURN_FLEET_LOCAL))
		/* made after a local decision: the fleet counts it too;
		 * granted but failed: the fleet forgets it */
		p->fleet->counted(p->fleet->ctx, &qk, code == 0);
	return code;
}

/* The relay port and slot, then the record.  @return 0 or the code. */
static uint16_t
allocate_place(const struct turn_req *r, struct alloc_plan *plan,
	       const struct turn_quota_keys *qk)
{
	struct turn_server *srv = r->srv;
	const struct turn_params *p = &srv->p;
	struct tp_addr relay, relay2 = { .ip.family = TP_AF_NONE };
	uint16_t owner, code;
	uint32_t slot;

	owner = dp_owner_of_client(&r->pkt->client, p->n_workers);
	if (turn_ports_slot_take(srv->ports, owner, &slot) != 0)
		return 508;
	if (turn_ports_take(srv->ports, owner, plan->family, plan->even,
			    &relay) != 0) {
		turn_ports_slot_put(srv->ports, owner, slot);
		return 508;
	}
	/* The IPv6 one from the same owner, so one worker relays both. */
	if (plan->dual && turn_ports_take(srv->ports, owner, TP_AF_INET6,
					  plan->even, &relay2) != 0) {
		relay2.ip.family = TP_AF_NONE;
		plan->addr_error = 508;
		plan->addr_error_family = TP_AF_INET6;
	}
	code = allocate_commit(r, plan, qk, owner, slot, &relay, &relay2);
	if (code != 0) {
		if (relay2.ip.family != TP_AF_NONE)
			turn_ports_put(srv->ports, &relay2);
		turn_ports_put(srv->ports, &relay);
		turn_ports_slot_put(srv->ports, owner, slot);
	}
	return code;
}

/*
 * Send the client elsewhere: 300 (Try Alternate) with ALTERNATE-SERVER,
 * the next alternate of the request's family.  @return false (nothing
 * sent) when there is none of that family.
 *
 * ALTERNATE-SERVER (RFC 8489 section 14.15) is encoded as MAPPED-ADDRESS,
 * without XOR.  Section 10 wants it of the family the request came from,
 * hence the per-family choice.  Authentication: this runs after the
 * authentication step (turn_dispatch.c), as everything in an Allocate does.
 * RFC 8656 section 7.2 makes authentication the server's first check (the
 * request MUST be authenticated, a request without credentials gets the
 * 401 challenge) and names the 300 among the answers the server MAY give
 * while processing it; RFC 8489 section 10 says the 300 MAY be
 * authenticated, and section 9.2.4 that a response to a request that
 * passed the long-term checks carries MESSAGE-INTEGRITY(-SHA256) under the
 * same key.  So an Allocate without credentials gets the 401 challenge,
 * draining or not, and the 300 comes only after authentication, signed by
 * turn_reply_send(): the client can trust the address it is sent to,
 * which an unsigned 300 would let anyone on the path choose.
 */
static void
allocate_redirect_to(const struct turn_req *r, const struct tp_addr *alt)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	turn_reply_start_error(r, &b, buf, sizeof(buf), 300);
	stun_build_addr(&b, STUN_ATTR_ALTERNATE_SERVER, alt);
	turn_reply_send(r, &b, 300, r->pkt->worker);
}

static bool
allocate_redirect(const struct turn_req *r)
{
	struct tp_addr alt;

	if (!turn_alternate_pick(r->srv, r->pkt->client.ip.family, &alt))
		return false;
	allocate_redirect_to(r, &alt);
	return true;
}

/* Step 9: 300, else 403 with a reason that says why. */
static void
allocate_refuse_draining(const struct turn_req *r)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	if (allocate_redirect(r))
		return;
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(r->msg.method, STUN_CLASS_ERROR), r->msg.tid);
	stun_build_error(&b, 403, "Server draining");
	turn_reply_send(r, &b, 403, r->pkt->worker);
}

void
turn_allocate_handle(struct turn_req *r)
{
	struct alloc_plan plan = { 0 };
	struct tp_addr alt;
	uint16_t code;

	if (allocate_existing(r))
		return;
	code = allocate_check(r, &plan);
	if (code != 0) {
		turn_reply_error(r, code, r->pkt->worker);
		return;
	}
	if (r->srv->draining) {
		allocate_refuse_draining(r);
		return;
	}
	/* A fleet's relay over its shedding load sends new clients to the
	 * least loaded one. */
	if (r->srv->p.fleet != NULL &&
	    r->srv->p.fleet->redirect(r->srv->p.fleet->ctx,
				      r->pkt->client.ip.family,
				      r->srv->table.n_allocs, false, &alt)) {
		allocate_redirect_to(r, &alt);
		return;
	}
	code = allocate_create(r, &plan);
	if (code == ALLOCATE_PENDING)
		return;
	/* Out of capacity: send the client elsewhere if we can. */
	if (code == 508 && allocate_redirect(r))
		return;
	if (code != 0)
		turn_reply_error(r, code, r->pkt->worker);
}
