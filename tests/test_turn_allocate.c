/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN server: dispatch (drops, 400, 420), Binding and Allocate (RFC 8656
 * section 7.2), through the public API with a fake sink, real requests and
 * real long-term credentials.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "turn_harness.h"

static struct harness h;

static const struct turn_stats *
stats(void)
{
	return turn_server_stats(h.srv);
}

/* A client whose owner worker is @owner (searching source ports). */
static void
client_for_owner(struct h_client *c, const char *user, const char *pass,
		 uint16_t owner, uint16_t start_port)
{
	for (uint16_t port = start_port;; port++) {
		h_client_init(c, user, pass, 10, port);
		if (dp_owner_of_client(&c->addr, h.params.n_workers) == owner)
			return;
	}
}

static void
test_binding(void **state)
{
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;
	struct tp_addr mapped;
	const struct h_event *e;
	const uint8_t *sw;
	uint16_t len;

	(void)state;
	h_init(&h, 3, false);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_BINDING);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	e = h_last_reply(&h, &m);
	assert_int_equal(m.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(m.method, STUN_METHOD_BINDING);
	assert_memory_equal(m.tid, c.tid, STUN_TID_LEN);
	assert_int_equal(stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_MAPPED_ADDRESS,
					       &mapped),
			 0);
	assert_true(tp_addr_equal(&mapped, &c.addr));
	sw = stun_msg_value(&m, STUN_SLOT_SOFTWARE, &len);
	assert_non_null(sw);
	assert_int_equal(len, strlen(H_SOFTWARE));
	assert_memory_equal(sw, H_SOFTWARE, len);
	assert_true(stun_msg_check_fingerprint(&m));
	assert_int_equal(m.mi_off, 0); /* Binding is not authenticated */
	assert_true(tp_addr_equal(&e->to, &c.addr));
	assert_true(tp_addr_equal(&e->from, &c.local));
	assert_true(e->answers_request);
	assert_int_equal(e->worker, dp_owner_of_client(&c.addr, 3));
	assert_int_equal(stats()->requests[TURN_METHOD_BINDING], 1);
	assert_int_equal(stats()->replies[TURN_REPLY_SUCCESS], 1);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_ADD), 0);
	h_fini(&h);
}

/* 401 challenge, then a signed Allocate: check everything the RFC says. */
static void
allocate_success(uint16_t n_workers)
{
	struct h_client c;
	struct stun_msg m;
	struct tp_addr relay, mapped;
	const struct h_event *e;
	const struct dp_cmd_alloc_add *add;
	uint8_t wrong[16];
	uint32_t lifetime;
	uint16_t owner;
	int mark, ci, ri;

	h_init(&h, n_workers, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	owner = dp_owner_of_client(&c.addr, n_workers);
	h_login(&h, &c);
	h_last_reply(&h, &m);
	assert_non_null(stun_msg_value(&m, STUN_SLOT_REALM, &(uint16_t){ 0 }));
	assert_int_equal(m.mi_off, 0);
	assert_true(stun_msg_check_fingerprint(&m));
	assert_int_equal(stats()->replies[TURN_REPLY_UNAUTHORIZED], 1);
	assert_int_equal(stats()->auth[AUTH_REASON_NO_INTEGRITY], 1);

	mark = h.n_ev;
	assert_int_equal(h_allocate(&h, &c, 0, &relay), 0);
	e = h_last_reply(&h, &m);
	/* Relay port owned by the client's owner worker, in range. */
	assert_int_equal(dp_owner_of_relay_port(relay.port, n_workers), owner);
	assert_true(relay.port >= 50000 && relay.port <= 50999);
	assert_true(tp_ip_equal(&relay.ip, &h.params.relay_ips[0]));
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lifetime), 0);
	assert_int_equal(lifetime, 600);
	assert_int_equal(stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_MAPPED_ADDRESS,
					       &mapped),
			 0);
	assert_true(tp_addr_equal(&mapped, &c.addr));
	/* Integrity with the user's long-term key, and only with it. */
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	memcpy(wrong, c.key, sizeof(wrong));
	wrong[0] ^= 1;
	assert_false(stun_msg_check_integrity(&m, wrong, sizeof(wrong)));
	assert_true(stun_msg_check_fingerprint(&m));
	assert_true(m.mi_off < m.fp_off);
	/* ALLOC_ADD first, then the reply, both to the owner. */
	ci = h_find(&h, mark, H_CMD);
	ri = h_find(&h, mark, H_REPLY);
	assert_true(ci >= 0 && ri > ci);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_ADD), 1);
	assert_int_equal(h.ev[ci].cmd.type, DP_CMD_ALLOC_ADD);
	assert_int_equal(h.ev[ci].worker, owner);
	assert_int_equal(e->worker, owner);
	add = &h.ev[ci].cmd.u.alloc_add;
	assert_true(tp_addr_equal(&add->relay, &relay));
	assert_true(tp_addr_equal(&add->client, &c.addr));
	assert_true(tp_addr_equal(&add->server, &c.local));
	assert_int_equal(add->lifetime_ms, 600000);
	assert_int_equal(add->max_bps, 125000);
	assert_int_equal(add->client_mac[5], 7);
	assert_int_not_equal(add->ref.gen, 0);
	assert_true(add->ref.slot < h.params.allocs_per_worker);
	assert_int_equal(turn_server_alloc_count(h.srv), 1);
	assert_int_equal(stats()->allocs_live, 1);
	assert_int_equal(stats()->c[TURN_C_ALLOCS_CREATED], 1);
	h_fini(&h);
}

static void
test_allocate_success_1_worker(void **state)
{
	(void)state;
	allocate_success(1);
}

static void
test_allocate_success_3_workers(void **state)
{
	(void)state;
	allocate_success(3);
}

/* Many clients over 3 workers: each relay port maps to its owner. */
static void
test_allocate_owner_spread(void **state)
{
	int per_owner[3] = { 0 };

	(void)state;
	h_init(&h, 3, true);
	h_start(&h);
	for (int i = 0; i < 60; i++) {
		struct h_client c;
		struct tp_addr relay;
		uint16_t owner;
		int ci;

		h_client_init(&c, NULL, NULL, (uint8_t)(1 + i),
			      (uint16_t)(40000 + i));
		owner = dp_owner_of_client(&c.addr, 3);
		ci = h.n_ev;
		assert_int_equal(h_allocate(&h, &c, 0, &relay), 0);
		assert_int_equal(dp_owner_of_relay_port(relay.port, 3), owner);
		assert_int_equal(h.ev[h_find(&h, ci, H_CMD)].worker, owner);
		per_owner[owner]++;
	}
	for (int w = 0; w < 3; w++)
		assert_true(per_owner[w] > 0);
	h_fini(&h);
}

static void
test_allocate_retransmission_and_437(void **state)
{
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;
	struct tp_addr r1, r2;
	size_t len;
	int mark;

	(void)state;
	h_init(&h, 3, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	len = h_req_end(&c, &b);
	h_send(&h, &c, buf, len);
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 0);
	stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS, &r1);

	/* The same datagram again: the same answer, nothing installed. */
	mark = h.n_ev;
	h.now_ms += 2000;
	h_send(&h, &c, buf, len);
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 0);
	assert_memory_equal(m.tid, c.tid, STUN_TID_LEN);
	assert_int_equal(stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS,
					       &r2),
			 0);
	assert_true(tp_addr_equal(&r1, &r2));
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_ADD), 0);
	assert_int_equal(stats()->c[TURN_C_ALLOC_RETRANSMITS], 1);

	/* A new transaction on the same 5-tuple: 437, signed. */
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 437);
	h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	assert_int_equal(stats()->replies[TURN_REPLY_ALLOCATION_MISMATCH], 1);
	assert_int_equal(turn_server_alloc_count(h.srv), 1);
	h_fini(&h);
}

/* Allocate with one extra attribute (or no REQUESTED-TRANSPORT). */
static uint16_t
allocate_with(struct h_client *c, int transport, uint16_t attr, const void *val,
	      size_t vlen, struct stun_msg *m)
{
	uint8_t buf[512];
	struct stun_builder b;

	h_req_begin(c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	if (transport >= 0)
		stun_build_transport(&b, (uint8_t)transport);
	if (attr != 0)
		stun_build_attr(&b, attr, val, vlen);
	h_send(&h, c, buf, h_req_end(c, &b));
	h_last_reply(&h, m);
	return h_code(m);
}

static void
test_allocate_transport_errors(void **state)
{
	struct h_client c;
	struct stun_msg m;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	assert_int_equal(allocate_with(&c, -1, 0, NULL, 0, &m), 400);
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	assert_int_equal(allocate_with(&c, 6 /* TCP */, 0, NULL, 0, &m), 442);
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	/* DONT-FRAGMENT is accepted. */
	assert_int_equal(allocate_with(&c, H_UDP, STUN_ATTR_DONT_FRAGMENT, NULL,
				       0, &m),
			 0);
	assert_int_equal(stats()->replies[TURN_REPLY_BAD_REQUEST], 1);
	assert_int_equal(stats()->replies[TURN_REPLY_UNSUPPORTED_TRANSPORT], 1);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_ADD), 1);
	h_fini(&h);
}

static void
test_allocate_lifetimes(void **state)
{
	static const uint32_t asked[] = { 100, 1800, 7200 };
	static const uint32_t got[] = { 600, 1800, 3600 }; /* RFC 8656 7.2 */

	(void)state;
	h_init(&h, 1, true);
	h_start(&h);
	for (int i = 0; i < 3; i++) {
		struct h_client c;
		struct stun_msg m;
		uint32_t lt;
		int mark = h.n_ev;

		h_client_init(&c, NULL, NULL, 10, (uint16_t)(40000 + i));
		assert_int_equal(h_allocate(&h, &c, asked[i], NULL), 0);
		h_last_reply(&h, &m);
		assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lt),
				 0);
		assert_int_equal(lt, got[i]);
		assert_int_equal(h.ev[h_find(&h, mark, H_CMD)]
					 .cmd.u.alloc_add.lifetime_ms,
				 got[i] * 1000);
	}
	h_fini(&h);
}

static void
test_allocate_user_quota_486(void **state)
{
	struct h_client a1, a2, b1;

	(void)state;
	h_init(&h, 3, false);
	h.params.user_quota = 1;
	h_start(&h);
	h_client_init(&a1, "alice", "alicepass", 10, 40000);
	h_client_init(&a2, "alice", "alicepass", 11, 40000);
	h_client_init(&b1, "bob", "bobpass", 12, 40000);
	h_login(&h, &a1);
	h_login(&h, &a2);
	h_login(&h, &b1);
	assert_int_equal(h_allocate(&h, &a1, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &a2, 0, NULL), 486);
	assert_int_equal(h_allocate(&h, &b1, 0, NULL), 0);
	assert_int_equal(stats()->replies[TURN_REPLY_QUOTA_REACHED], 1);
	/* Alice's allocation ends: she may allocate again. */
	assert_int_equal(h_refresh(&h, &a1, 0), 0);
	assert_int_equal(h_allocate(&h, &a2, 0, NULL), 0);
	h_fini(&h);
}

static void
test_allocate_total_quota_508_and_300(void **state)
{
	struct h_client a, b;
	struct stun_msg m;
	struct tp_addr alt;

	(void)state;
	h_init(&h, 1, false);
	h.params.total_quota = 1;
	h_start(&h);
	h_client_init(&a, "alice", "alicepass", 10, 40000);
	h_client_init(&b, "bob", "bobpass", 11, 40000);
	h_login(&h, &a);
	h_login(&h, &b);
	assert_int_equal(h_allocate(&h, &a, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &b, 0, NULL), 508);
	h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, b.key, sizeof(b.key)));
	h_fini(&h);

	/* With an alternate server: 300 Try Alternate instead. */
	h_init(&h, 1, false);
	h.params.total_quota = 1;
	h.params.alternates[0] = h_addr("203.0.113.99", 3479);
	h.params.n_alternates = 1;
	h_start(&h);
	h_login(&h, &a);
	h_login(&h, &b);
	assert_int_equal(h_allocate(&h, &a, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &b, 0, NULL), 300);
	h_last_reply(&h, &m);
	assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_ALTERNATE_SERVER, &alt),
			 0);
	assert_true(tp_addr_equal(&alt, &h.params.alternates[0]));
	assert_true(stun_msg_check_integrity(&m, b.key, sizeof(b.key)));
	assert_int_equal(stats()->replies[TURN_REPLY_TRY_ALTERNATE], 1);
	h_fini(&h);
}

/* One relay port (50001, owned by worker 50001 % 3 = 0), one slot each. */
static void
test_allocate_capacity_508(void **state)
{
	struct h_client o0a, o0b, o1;
	struct tp_addr relay;

	(void)state;
	h_init(&h, 3, true);
	h.params.min_port = 50001;
	h.params.max_port = 50001;
	h_start(&h);
	client_for_owner(&o0a, NULL, NULL, 0, 40000);
	client_for_owner(&o0b, NULL, NULL, 0, (uint16_t)(o0a.addr.port + 1));
	client_for_owner(&o1, NULL, NULL, 1, 40000);
	assert_int_equal(h_allocate(&h, &o1, 0, NULL), 508); /* owns no port */
	assert_int_equal(h_allocate(&h, &o0a, 0, &relay), 0);
	assert_int_equal(relay.port, 50001);
	assert_int_equal(h_allocate(&h, &o0b, 0, NULL), 508); /* port taken */
	assert_int_equal(stats()->replies[TURN_REPLY_INSUFFICIENT_CAPACITY], 2);
	/* The failed attempts leaked no slot: after a delete it works. */
	assert_int_equal(h_refresh(&h, &o0a, 0), 0);
	assert_int_equal(h_allocate(&h, &o0b, 0, &relay), 0);
	assert_int_equal(relay.port, 50001);
	h_fini(&h);

	/* Full worker table: one slot per worker. */
	h_init(&h, 3, true);
	h.params.allocs_per_worker = 1;
	h_start(&h);
	assert_int_equal(h_allocate(&h, &o0a, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &o0b, 0, NULL), 508);
	assert_int_equal(h_allocate(&h, &o1, 0, NULL), 0);
	h_fini(&h);
}

static void
test_allocate_even_port_and_reservation(void **state)
{
	static const uint8_t even_r0 = 0x00, even_r1 = 0x80;
	static const uint8_t token[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct stun_msg m;
	struct tp_addr relay;

	(void)state;
	h_init(&h, 3, true);
	h_start(&h);
	for (int i = 0; i < 30; i++) {
		struct h_client c;

		h_client_init(&c, NULL, NULL, 20, (uint16_t)(40000 + i));
		assert_int_equal(allocate_with(&c, H_UDP, STUN_ATTR_EVEN_PORT,
					       &even_r0, 1, &m),
				 0);
		stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS, &relay);
		assert_int_equal(relay.port % 2, 0);
		assert_int_equal(dp_owner_of_relay_port(relay.port, 3),
				 dp_owner_of_client(&c.addr, 3));
	}
	{
		struct h_client c;

		h_client_init(&c, NULL, NULL, 21, 40000);
		/* R = 1 would need a reservation: not offered. */
		assert_int_equal(allocate_with(&c, H_UDP, STUN_ATTR_EVEN_PORT,
					       &even_r1, 1, &m),
				 508);
		assert_int_equal(allocate_with(&c, H_UDP,
					       STUN_ATTR_RESERVATION_TOKEN,
					       token, 8, &m),
				 508);
	}
	h_fini(&h);

	/* Two workers: worker 1 owns only odd ports, so EVEN-PORT fails. */
	h_init(&h, 2, true);
	h_start(&h);
	{
		struct h_client c;

		client_for_owner(&c, NULL, NULL, 1, 40000);
		assert_int_equal(allocate_with(&c, H_UDP, STUN_ATTR_EVEN_PORT,
					       &even_r0, 1, &m),
				 508);
		assert_int_equal(allocate_with(&c, H_UDP, 0, NULL, 0, &m), 0);
	}
	h_fini(&h);
}

static void
test_allocate_token_with_even_port_400(void **state)
{
	static const uint8_t token[8] = { 1 };
	static const uint8_t even = 0;
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;

	(void)state;
	h_init(&h, 1, true);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	stun_build_attr(&b, STUN_ATTR_RESERVATION_TOKEN, token, 8);
	stun_build_attr(&b, STUN_ATTR_EVEN_PORT, &even, 1);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 400);
	h_fini(&h);
}

static void
test_allocate_families(void **state)
{
	static const uint8_t v6[4] = { TP_AF_INET6, 0, 0, 0 };
	static const uint8_t v4[4] = { TP_AF_INET, 0, 0, 0 };
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;
	struct tp_addr relay;
	const uint8_t *aec;
	uint16_t len;

	(void)state;
	h_init(&h, 3, true);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	/* No IPv6 relay address: 440. */
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6,
				       4, &m),
			 440);
	/* ADDITIONAL-ADDRESS-FAMILY must be IPv6. */
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v4,
				       4, &m),
			 400);
	/* Both family attributes: 400. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v4, 4);
	stun_build_attr(&b, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v6, 4);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 400);
	/* Dual allocation asked: IPv4 granted, IPv6 refused in
	 * ADDRESS-ERROR-CODE (RFC 8656 section 7.2). */
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v6,
				       4, &m),
			 0);
	stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS, &relay);
	assert_int_equal(relay.ip.family, TP_AF_INET);
	aec = stun_msg_value(&m, STUN_SLOT_ADDRESS_ERROR_CODE, &len);
	assert_non_null(aec);
	assert_true(len >= 4);
	assert_int_equal(aec[0], TP_AF_INET6);
	assert_int_equal(aec[2] * 100 + aec[3], 440);
	assert_int_equal(stats()->replies[TURN_REPLY_FAMILY_NOT_SUPPORTED], 1);
	h_fini(&h);

	/* With an IPv6 relay address the request is granted. */
	h_init(&h, 3, true);
	h.params.relay_ips[1] = h_addr("2001:db8::1", 0).ip;
	assert_int_equal(tp_ip_parse(&h.params.relay_ips[1], "2001:db8::1"), 0);
	h.params.n_relay_ips = 2;
	h_start(&h);
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6,
				       4, &m),
			 0);
	stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_RELAYED_ADDRESS, &relay);
	assert_int_equal(relay.ip.family, TP_AF_INET6);
	assert_true(tp_ip_equal(&relay.ip, &h.params.relay_ips[1]));
	assert_int_equal(dp_owner_of_relay_port(relay.port, 3),
			 dp_owner_of_client(&c.addr, 3));
	h_fini(&h);

	/* IPv6 relay only, no REQUESTED-ADDRESS-FAMILY: IPv4 is asked: 440. */
	h_init(&h, 1, true);
	assert_int_equal(tp_ip_parse(&h.params.relay_ips[0], "2001:db8::1"), 0);
	h_start(&h);
	assert_int_equal(allocate_with(&c, H_UDP, 0, NULL, 0, &m), 440);
	h_fini(&h);
}

/* The XOR-RELAYED-ADDRESS attributes of reply event @e, in order (the
 * decoder keeps the first of a kind; a dual allocation has two). */
static int
relayed_addresses(const struct h_event *e, struct tp_addr *out, int cap)
{
	const uint8_t *p = e->msg;
	size_t off = STUN_HEADER_LEN;
	size_t end = STUN_HEADER_LEN + (size_t)(p[2] << 8 | p[3]);
	int n = 0;

	assert_true(end <= e->len);
	while (off + 4 <= end) {
		uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]);
		uint16_t len = (uint16_t)(p[off + 2] << 8 | p[off + 3]);

		if (type == STUN_ATTR_XOR_RELAYED_ADDRESS && n < cap) {
			const uint8_t *v = p + off + 4;
			struct tp_addr *a = &out[n++];

			/* RFC 8489 section 14.2: X-Port and X-Address are
			 * XORed with the cookie, then (IPv6) the ID. */
			memset(a, 0, sizeof(*a));
			a->ip.family = v[1];
			assert_int_equal(len, v[1] == TP_AF_INET6 ? 20 : 8);
			a->port = (uint16_t)((v[2] << 8 | v[3]) ^ 0x2112);
			for (size_t k = 0; k + 4 < len; k++)
				a->ip.bytes[k] = v[4 + k] ^ p[4 + k];
		}
		off += 4 + stun_pad_len(len) + len;
	}
	return n;
}

static void
test_allocate_dual(void **state)
{
	static const uint8_t v6[4] = { TP_AF_INET6, 0, 0, 0 };
	static const uint8_t v4[4] = { TP_AF_INET, 0, 0, 0 };
	struct tp_addr peer4 = h_addr("8.8.8.8", 1000), peer6 = { .port = 1000 };
	struct tp_addr relays[3];
	const struct dp_cmd_alloc_add *add;
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c, d;
	uint16_t owner;
	int mark, i;

	(void)state;
	assert_int_equal(tp_ip_parse(&peer6.ip, "2001:4860:4860::8888"), 0);
	h_init(&h, 3, true);
	assert_int_equal(tp_ip_parse(&h.params.relay_ips[1], "2001:db8::1"), 0);
	h.params.n_relay_ips = 2;
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	owner = dp_owner_of_client(&c.addr, 3);

	/* RFC 8656 section 7.2: one allocation, an IPv4 and an IPv6 relayed
	 * address, no ADDRESS-ERROR-CODE. */
	mark = h.n_ev;
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v6,
				       4, &m),
			 0);
	assert_false(stun_msg_has(&m, STUN_SLOT_ADDRESS_ERROR_CODE));
	assert_int_equal(relayed_addresses(h_last_reply(&h, &m), relays, 3), 2);
	assert_int_equal(relays[0].ip.family, TP_AF_INET);
	assert_int_equal(relays[1].ip.family, TP_AF_INET6);
	assert_true(tp_ip_equal(&relays[1].ip, &h.params.relay_ips[1]));
	/* Both ports belong to the client's owner: one worker relays both. */
	for (i = 0; i < 2; i++)
		assert_int_equal(dp_owner_of_relay_port(relays[i].port, 3),
				 owner);
	i = h_find(&h, mark, H_CMD);
	assert_true(i >= 0);
	assert_int_equal(h.ev[i].cmd.type, DP_CMD_ALLOC_ADD);
	add = &h.ev[i].cmd.u.alloc_add;
	assert_true(tp_addr_equal(&add->relay, &relays[0]));
	assert_true(tp_addr_equal(&add->relay2, &relays[1]));
	assert_int_equal(stats()->c[TURN_C_ALLOCS_DUAL], 1);

	/* Peers of either family, at once. */
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer4, 1, 0),
			 0);
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer6, 1, 0),
			 0);
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CHANNEL_BIND,
					&peer6, 1, 0x4001),
			 0);

	/* Section 8.2: the IPv6 address alone given up; IPv6 peers are then of
	 * no relayed address's family (443); IPv4 goes on. */
	mark = h.n_ev;
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_REFRESH);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 0);
	stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6, 4);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 0);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_RELAY_DEL), 1);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_DEL), 0);
	i = h_find(&h, mark, H_CMD);
	assert_int_equal(h.ev[i].cmd.u.relay_del.family, TP_AF_INET6);
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer6, 1, 0),
			 443);
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer4, 1, 0),
			 0);
	/* Asking for the family it no longer has: 443. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_REFRESH);
	stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6, 4);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 443);
	/* The last one given up deletes the allocation. */
	mark = h.n_ev;
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_REFRESH);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 0);
	stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v4, 4);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 0);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_DEL), 1);
	assert_int_equal(h_refresh(&h, &c, 600), 437); /* it is gone */
	h_fini(&h);

	/* One port per relay IP: the ports a dual allocation holds, and gives
	 * back, show in who else gets one. */
	h_init(&h, 1, true);
	assert_int_equal(tp_ip_parse(&h.params.relay_ips[1], "2001:db8::1"), 0);
	h.params.n_relay_ips = 2;
	h.params.min_port = h.params.max_port = 50000;
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40001);
	h_client_init(&d, NULL, NULL, 10, 40002);
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v6,
				       4, &m),
			 0);
	assert_int_equal(allocate_with(&d, H_UDP,
				       STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6,
				       4, &m),
			 508);
	/* c gives its IPv6 address up: d gets it. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_REFRESH);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 0);
	stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6, 4);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 0);
	assert_int_equal(allocate_with(&d, H_UDP,
				       STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6,
				       4, &m),
			 0);
	/* c goes; a dual request then finds the IPv4 port free and the IPv6
	 * one taken: IPv4 alone, ADDRESS-ERROR-CODE 508 for IPv6. */
	assert_int_equal(h_refresh(&h, &c, 0), 0);
	h_client_init(&c, NULL, NULL, 10, 40003);
	assert_int_equal(allocate_with(&c, H_UDP,
				       STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, v6,
				       4, &m),
			 0);
	assert_int_equal(relayed_addresses(h_last_reply(&h, &m), relays, 3), 1);
	{
		const uint8_t *aec;
		uint16_t len;

		aec = stun_msg_value(&m, STUN_SLOT_ADDRESS_ERROR_CODE, &len);
		assert_non_null(aec);
		assert_int_equal(aec[0], TP_AF_INET6);
		assert_int_equal(aec[2] * 100 + aec[3], 508);
	}
	h_fini(&h);
}

static void
test_unknown_attributes_420(void **state)
{
	static const uint8_t val[4] = { 0 };
	struct h_client c;
	struct stun_msg m;
	const uint8_t *ua;
	uint16_t len;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	/* Unauthenticated: the challenge comes first (RFC 8489 6.3). */
	assert_int_equal(allocate_with(&c, H_UDP, 0x7F00, val, 4, &m), 401);
	h_login(&h, &c);
	assert_int_equal(allocate_with(&c, H_UDP, 0x7F00, val, 4, &m), 420);
	ua = stun_msg_value(&m, STUN_SLOT_UNKNOWN_ATTRIBUTES, &len);
	assert_non_null(ua);
	assert_int_equal(len, 2);
	assert_int_equal(ua[0] << 8 | ua[1], 0x7F00);
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_ADD), 0);
	/* An unknown optional attribute is ignored. */
	assert_int_equal(allocate_with(&c, H_UDP, 0xC0FE, val, 4, &m), 0);
	assert_int_equal(stats()->replies[TURN_REPLY_UNKNOWN_ATTRIBUTE], 1);
	h_fini(&h);
}

static void
test_wrong_password_401(void **state)
{
	struct h_client c;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&c, "alice", "not-her-password", 10, 40000);
	h_login(&h, &c);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 401);
	assert_int_equal(stats()->auth[AUTH_REASON_BAD_INTEGRITY], 1);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_ADD), 0);
	assert_int_equal(turn_server_alloc_count(h.srv), 0);
	h_fini(&h);
}

static void
test_drops(void **state)
{
	static const uint8_t junk[24] = { 0xFF, 1, 2, 3 };
	uint8_t buf[256];
	struct stun_builder b;
	struct h_client c;
	size_t len;

	(void)state;
	h_init(&h, 1, true);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	h_send(&h, &c, junk, sizeof(junk));
	assert_int_equal(stats()->drops[TURN_DROP_UNDECODABLE], 1);
	/* Send indication and a success response from a client: dropped. */
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION),
			c.tid);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_BINDING, STUN_CLASS_SUCCESS),
			c.tid);
	h_send(&h, &c, buf, h_req_end(&c, &b));
	assert_int_equal(stats()->drops[TURN_DROP_NOT_REQUEST], 2);
	/* A Binding request whose FINGERPRINT is wrong. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_BINDING);
	len = h_req_end(&c, &b);
	buf[len - 1] ^= 0x55;
	h_send(&h, &c, buf, len);
	assert_int_equal(stats()->drops[TURN_DROP_BAD_FINGERPRINT], 1);
	assert_int_equal(h.n_ev, 0); /* nothing answered, nothing sent */
	/* Without FINGERPRINT a request is fine. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_BINDING);
	h_send(&h, &c, buf, (size_t)stun_build_finish(&b));
	assert_int_equal(h.n_ev, 1);
	h_fini(&h);
}

/*
 * A method we do not know gets its 400 only if the 400 is no larger than
 * the request (turn_dispatch.c, "No amplification"); a small one is
 * dropped and counted.
 */
static void
test_unknown_method_400(void **state)
{
	static const char pad[40] = "padding that makes the request large";
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;
	const struct h_event *e;
	size_t len;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	h_req_begin(&c, &b, buf, sizeof(buf), 0x0AB);
	h_send(&h, &c, buf, h_req_end(&c, &b)); /* 28 bytes: a 400 is 48 */
	assert_int_equal(h.n_ev, 0);
	assert_int_equal(stats()->drops[TURN_DROP_AMPLIFICATION], 1);

	h_req_begin(&c, &b, buf, sizeof(buf), 0x0AB);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, pad, sizeof(pad));
	len = h_req_end(&c, &b);
	h_send(&h, &c, buf, len);
	e = h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 400);
	assert_int_equal(m.method, 0x0AB);
	assert_true(e->len <= len);
	assert_false(stun_msg_has(&m, STUN_SLOT_SOFTWARE));
	assert_int_equal(stats()->requests[TURN_METHOD_OTHER], 2);
	h_fini(&h);
}

/* Whether a reply of @reply bytes to a request of @req bytes is within
 * 3x on the wire over IPv4 (IP and UDP headers, 28 bytes, counted). */
static bool
within_3x_v4(size_t req, size_t reply)
{
	return reply + 28 <= 3 * (req + 28);
}

/*
 * Issue 13 item 3: no unauthenticated reply over 3x its request on the
 * wire.  A 20-byte Allocate got a 148-byte 401; now it gets nothing.  A
 * client's first Allocate (REQUESTED-TRANSPORT, FINGERPRINT) still gets
 * its full challenge, SOFTWARE dropped if that is what makes it fit; a
 * 20-byte Binding gets its XOR-MAPPED-ADDRESS; issue 13's forged request
 * gets a 438 within the bound.
 */
static void
test_amplification_bound(void **state)
{
	static const char forged[] =
		"0003006c2112a442000102030405060708090a0b0006000c3939393939393939"
		"39393a780014000b6578616d706c652e6f7267000015002d6f624d61744a6f73"
		"3241414141414141414141414141414141414141414141414141414141414141"
		"4141414141000000000800140000000000000000000000000000000000000000";
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;
	const struct h_event *e;
	size_t len;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);

	/* 20-byte Allocate, Refresh: no answer is that small; dropped. */
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST),
			c.tid);
	assert_int_equal(stun_build_finish(&b), 20);
	h_send(&h, &c, buf, 20);
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_REFRESH, STUN_CLASS_REQUEST),
			c.tid);
	assert_int_equal(stun_build_finish(&b), 20);
	h_send(&h, &c, buf, 20);
	assert_int_equal(h.n_ev, 0);
	assert_int_equal(stats()->drops[TURN_DROP_NO_ATTRIBUTES], 2);

	/* A client's first Allocate: 36 bytes, its 401 within 3x. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	len = h_req_end(&c, &b);
	assert_int_equal(len, 36);
	h_send(&h, &c, buf, len);
	e = h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 401);
	assert_true(within_3x_v4(len, e->len));
	assert_true(stun_msg_has(&m, STUN_SLOT_REALM));
	assert_true(stun_msg_has(&m, STUN_SLOT_NONCE));
	assert_true(stun_msg_check_fingerprint(&m));

	/* 20-byte Binding: answered, within 3x. */
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_BINDING, STUN_CLASS_REQUEST),
			c.tid);
	h_send(&h, &c, buf, (size_t)stun_build_finish(&b));
	e = h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 0);
	assert_true(stun_msg_has(&m, STUN_SLOT_XOR_MAPPED_ADDRESS));
	assert_true(within_3x_v4(20, e->len));

	/* Issue 13's forged REST-shaped request (foreign realm: 401). */
	len = strlen(forged) / 2;
	assert_int_equal(len, 128);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(sscanf(forged + 2 * i, "%2hhx", &buf[i]), 1);
	h_send(&h, &c, buf, len);
	e = h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 401);
	assert_true(within_3x_v4(len, e->len));
	assert_int_equal(stats()->drops[TURN_DROP_AMPLIFICATION], 0);
	h_fini(&h);
}

/*
 * challenge-rate-per-prefix: a network gets at most its burst of
 * challenges at once, then the rate; another network is not affected, and
 * nothing is remembered about who was refused.
 */
/*
 * With OAuth on, THIRD-PARTY-AUTHORIZATION stays in the challenge: a
 * 28-byte Allocate (REQUESTED-TRANSPORT only, no FINGERPRINT) gets its 401
 * with TPA, losing SOFTWARE and FINGERPRINT to fit 3x (148 bytes with
 * FINGERPRINT, 140 without, against a bound of 140).
 */
static void
test_amplification_oauth(void **state)
{
	struct auth_oauth_keyring ring;
	struct auth_oauth_key key = { .kid = "north",
				      .key_len = 16,
				      .alg = OAUTH_ALG_A128GCM };
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client c;
	const struct h_event *e;
	int len;

	(void)state;
	auth_oauth_keyring_init(&ring);
	assert_int_equal(auth_oauth_keyring_add(&ring, &key), 0);
	h_init(&h, 1, false);
	h.auth.oauth = &ring;
	h.auth.server_name = "turn-one.turnpike.test"; /* 22 characters */
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	len = stun_build_finish(&b);
	assert_int_equal(len, 28);
	h_send(&h, &c, buf, (size_t)len);
	e = h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 401);
	assert_true(within_3x_v4((size_t)len, e->len));
	assert_true(stun_msg_has(&m, STUN_SLOT_THIRD_PARTY_AUTHORIZATION));
	assert_true(stun_msg_has(&m, STUN_SLOT_NONCE));
	assert_false(stun_msg_has(&m, STUN_SLOT_SOFTWARE));
	assert_int_equal(m.fp_off, 0); /* the request had none either */

	/* The same request with FINGERPRINT keeps it in the answer. */
	h_req_begin(&c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	h_send(&h, &c, buf, (size_t)len);
	e = h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 401);
	assert_true(within_3x_v4((size_t)len, e->len));
	assert_true(stun_msg_has(&m, STUN_SLOT_THIRD_PARTY_AUTHORIZATION));
	assert_true(stun_msg_check_fingerprint(&m));
	assert_int_equal(stats()->drops[TURN_DROP_AMPLIFICATION], 0);
	h_fini(&h);
}

static void
test_challenge_limit(void **state)
{
	struct h_client c, same_net, other_net;
	struct stun_msg m;

	(void)state;
	h_init(&h, 1, false);
	h.params.challenge_rate = 1;
	h.params.challenge_burst = 2;
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_client_init(&same_net, NULL, NULL, 11, 40000);
	h_client_init(&other_net, NULL, NULL, 10, 40001);
	other_net.addr = h_addr("198.51.100.77", 40001);

	h_login(&h, &c);
	h_login(&h, &same_net);
	h.n_ev = 0;
	same_net.user = NULL;
	{
		uint8_t buf[256];
		struct stun_builder b;

		h_req_begin(&same_net, &b, buf, sizeof(buf),
			    STUN_METHOD_ALLOCATE);
		stun_build_transport(&b, H_UDP);
		h_send(&h, &same_net, buf, h_req_end(&same_net, &b));
	}
	assert_int_equal(h.n_ev, 0); /* the third challenge of 192.0.2.0/24 */
	assert_int_equal(stats()->drops[TURN_DROP_CHALLENGE_LIMITED], 1);

	h_login(&h, &other_net); /* another network: answered */
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 401);

	/* An authenticated request is no challenge: not limited. */
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);

	h.now_ms += 1000; /* one more token */
	h_login(&h, &same_net);
	assert_int_equal(stats()->drops[TURN_DROP_CHALLENGE_LIMITED], 1);
	h_fini(&h);
}

static void
test_no_auth_mode(void **state)
{
	struct h_client c;
	struct stun_msg m;

	(void)state;
	h_init(&h, 3, true);
	h.params.user_quota = 1; /* no username: not applied */
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	h_last_reply(&h, &m);
	assert_int_equal(m.mi_off, 0);
	assert_int_equal(m.mi256_off, 0);
	assert_true(stun_msg_check_fingerprint(&m));
	h_client_init(&c, NULL, NULL, 10, 40001);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	h_fini(&h);
}

/* The error code, reason phrase and integrity of the last reply. */
static void
expect_signed_error(const struct h_client *c, uint16_t code, const char *reason)
{
	struct stun_msg m;
	const uint8_t *v;
	uint16_t len = 0;

	h_last_reply(&h, &m);
	assert_int_equal(m.method, STUN_METHOD_ALLOCATE);
	assert_int_equal(m.cls, STUN_CLASS_ERROR);
	assert_int_equal(h_code(&m), code);
	assert_true(stun_msg_has(&m, STUN_SLOT_MESSAGE_INTEGRITY));
	assert_true(stun_msg_check_integrity(&m, c->key, sizeof(c->key)));
	if (reason != NULL) {
		v = stun_msg_value(&m, STUN_SLOT_ERROR_CODE, &len);
		assert_non_null(v);
		assert_int_equal(len, 4 + strlen(reason));
		assert_memory_equal(v + 4, reason, strlen(reason));
	}
}

/*
 * Drain with an alternate server: a new Allocate that authenticates gets a
 * signed 300 with ALTERNATE-SERVER; one without credentials still gets the
 * 401 challenge first (RFC 8656 section 7.2: authentication is the first
 * check); the allocation made before keeps working (Refresh,
 * CreatePermission, ChannelBind, its Allocate retransmission), and no
 * install reaches a worker for the refused ones.
 */
static void
test_drain_try_alternate(void **state)
{
	struct h_client a, b;
	struct tp_addr alt, peer = h_addr("8.8.8.8", 1000);
	uint8_t buf[512];
	struct stun_builder bld;
	struct stun_msg m;
	int mark;

	(void)state;
	h_init(&h, 3, false);
	h.params.alternates[0] = h_addr("203.0.113.99", 3479);
	h.params.n_alternates = 1;
	h_start(&h);
	h_client_init(&a, "alice", "alicepass", 10, 40000);
	h_client_init(&b, "bob", "bobpass", 11, 40000);
	h_login(&h, &a);
	assert_int_equal(h_allocate(&h, &a, 0, NULL), 0);
	assert_false(turn_server_draining(h.srv));
	assert_true(turn_server_drain(h.srv));
	assert_true(turn_server_draining(h.srv));
	assert_false(turn_server_drain(h.srv)); /* again: harmless */

	/* Unauthenticated: the challenge, unsigned, no ALTERNATE-SERVER. */
	mark = h.n_ev;
	h_login(&h, &b);
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 401);
	assert_false(stun_msg_has(&m, STUN_SLOT_ALTERNATE_SERVER));
	assert_false(stun_msg_has(&m, STUN_SLOT_MESSAGE_INTEGRITY));

	/* Authenticated: 300, signed, to the configured address. */
	assert_int_equal(h_allocate(&h, &b, 0, NULL), 300);
	expect_signed_error(&b, 300, NULL);
	h_last_reply(&h, &m);
	assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_ALTERNATE_SERVER, &alt),
			 0);
	assert_true(tp_addr_equal(&alt, &h.params.alternates[0]));
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_ADD), 0);
	assert_int_equal(stats()->replies[TURN_REPLY_TRY_ALTERNATE], 1);
	assert_int_equal(stats()->allocs_live, 1);

	/* The live allocation goes on as before. */
	assert_int_equal(h_refresh(&h, &a, 600), 0);
	assert_int_equal(h_peer_request(&h, &a, STUN_METHOD_CREATE_PERMISSION,
					&peer, 1, 0),
			 0);
	assert_int_equal(h_peer_request(&h, &a, STUN_METHOD_CHANNEL_BIND, &peer,
					1, 0x4001),
			 0);
	/* A second Allocate on its 5-tuple is still 437, not 300. */
	assert_int_equal(h_allocate(&h, &a, 0, NULL), 437);
	/* Binding is never refused. */
	h_req_begin(&b, &bld, buf, sizeof(buf), STUN_METHOD_BINDING);
	stun_build_fingerprint(&bld);
	h_send(&h, &b, buf, (size_t)stun_build_finish(&bld));
	h_last_reply(&h, &m);
	assert_int_equal(m.cls, STUN_CLASS_SUCCESS);
	/* Deleting it is how the drain ends. */
	assert_int_equal(h_refresh(&h, &a, 0), 0);
	assert_int_equal(stats()->allocs_live, 0);
	assert_int_equal(stats()->c[TURN_C_ALLOCS_CREATED], 1);
	h_fini(&h);
}

/* Drain without an alternate server: 403, signed, "Server draining". */
static void
test_drain_forbidden(void **state)
{
	struct h_client a, b;
	struct stun_msg m;
	uint8_t buf[512];
	struct stun_builder bld;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&a, "alice", "alicepass", 10, 40000);
	h_client_init(&b, "bob", "bobpass", 11, 40000);
	h_login(&h, &a);
	h_login(&h, &b);
	assert_int_equal(h_allocate(&h, &a, 0, NULL), 0);
	turn_server_drain(h.srv);
	assert_int_equal(h_allocate(&h, &b, 0, NULL), 403);
	expect_signed_error(&b, 403, "Server draining");
	h_last_reply(&h, &m);
	assert_false(stun_msg_has(&m, STUN_SLOT_ALTERNATE_SERVER));
	assert_int_equal(stats()->replies[TURN_REPLY_FORBIDDEN], 1);
	/* A request the checks refuse still gets its own error (442 for
	 * TCP), so the client is not sent elsewhere to fail there. */
	h_req_begin(&b, &bld, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&bld, 6);
	h_send(&h, &b, buf, h_req_end(&b, &bld));
	expect_signed_error(&b, 442, NULL);
	assert_int_equal(h_refresh(&h, &a, 600), 0);
	assert_int_equal(stats()->allocs_live, 1);
	h_fini(&h);
}

/* Several alternates: in turn, among those of the request's family. */
static void
test_drain_alternates_round_robin(void **state)
{
	struct h_client c4, c6;
	struct tp_addr alt;
	struct stun_msg m;
	static const int want4[] = { 0, 2, 0, 2 };

	(void)state;
	h_init(&h, 1, false);
	h.params.alternates[0] = h_addr("203.0.113.91", 3478);
	h.params.alternates[1].port = 3479;
	assert_int_equal(tp_ip_parse(&h.params.alternates[1].ip, "2001:db8::92"),
			 0);
	h.params.alternates[2] = h_addr("203.0.113.93", 5000);
	h.params.n_alternates = 3;
	h_start(&h);
	turn_server_drain(h.srv);
	h_client_init(&c4, "alice", "alicepass", 10, 40000);
	h_client_init(&c6, "bob", "bobpass", 11, 40000);
	assert_int_equal(tp_ip_parse(&c6.addr.ip, "2001:db8:1::6"), 0);
	h_login(&h, &c4);
	h_login(&h, &c6);
	for (size_t i = 0; i < sizeof(want4) / sizeof(want4[0]); i++) {
		assert_int_equal(h_allocate(&h, &c4, 0, NULL), 300);
		h_last_reply(&h, &m);
		assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_ALTERNATE_SERVER,
						   &alt),
				 0);
		assert_true(tp_addr_equal(&alt, &h.params.alternates[want4[i]]));
	}
	assert_int_equal(h_allocate(&h, &c6, 0, NULL), 300);
	h_last_reply(&h, &m);
	assert_int_equal(stun_msg_get_addr(&m, STUN_SLOT_ALTERNATE_SERVER, &alt),
			 0);
	assert_true(tp_addr_equal(&alt, &h.params.alternates[1]));
	h_fini(&h);

	/* No alternate of the request's family: 403, not a 300 the client
	 * could not use (RFC 8489 section 10). */
	h_init(&h, 1, false);
	h.params.alternates[0] = h_addr("203.0.113.91", 3478);
	h.params.n_alternates = 1;
	h_start(&h);
	turn_server_drain(h.srv);
	h_client_init(&c6, "bob", "bobpass", 11, 40000);
	assert_int_equal(tp_ip_parse(&c6.addr.ip, "2001:db8:1::6"), 0);
	h_login(&h, &c6);
	assert_int_equal(h_allocate(&h, &c6, 0, NULL), 403);
	h_fini(&h);
}

static void
test_create_bad_params(void **state)
{
	(void)state;
	h_init(&h, 0, true);
	assert_null(turn_server_create(&h.params, &h.sink));
	h_init(&h, 1, true);
	h.params.n_relay_ips = 0;
	assert_null(turn_server_create(&h.params, &h.sink));
	h_init(&h, 1, true);
	h.sink.reply = NULL;
	assert_null(turn_server_create(&h.params, &h.sink));
	h_init(&h, 1, true);
	assert_null(turn_server_create(&h.params, NULL));
	h_init(&h, 1, true);
	h.params.n_alternates = 1; /* alternates[0] has no family */
	assert_null(turn_server_create(&h.params, &h.sink));
	h.params.n_alternates = TURN_MAX_ALTERNATES + 1;
	assert_null(turn_server_create(&h.params, &h.sink));
	assert_string_equal(turn_reply_label(TURN_REPLY_QUOTA_REACHED),
			    "486_allocation_quota_reached");
	assert_int_equal(turn_reply_code(TURN_REPLY_PEER_FAMILY_MISMATCH), 443);
	assert_string_equal(turn_drop_label(TURN_DROP_BAD_FINGERPRINT),
			    "bad_fingerprint");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_binding),
		cmocka_unit_test(test_allocate_success_1_worker),
		cmocka_unit_test(test_allocate_success_3_workers),
		cmocka_unit_test(test_allocate_owner_spread),
		cmocka_unit_test(test_allocate_retransmission_and_437),
		cmocka_unit_test(test_allocate_transport_errors),
		cmocka_unit_test(test_allocate_lifetimes),
		cmocka_unit_test(test_allocate_user_quota_486),
		cmocka_unit_test(test_allocate_total_quota_508_and_300),
		cmocka_unit_test(test_allocate_capacity_508),
		cmocka_unit_test(test_allocate_even_port_and_reservation),
		cmocka_unit_test(test_allocate_token_with_even_port_400),
		cmocka_unit_test(test_allocate_families),
		cmocka_unit_test(test_unknown_attributes_420),
		cmocka_unit_test(test_wrong_password_401),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_unknown_method_400),
		cmocka_unit_test(test_allocate_dual),
		cmocka_unit_test(test_amplification_bound),
		cmocka_unit_test(test_amplification_oauth),
		cmocka_unit_test(test_challenge_limit),
		cmocka_unit_test(test_no_auth_mode),
		cmocka_unit_test(test_drain_try_alternate),
		cmocka_unit_test(test_drain_forbidden),
		cmocka_unit_test(test_drain_alternates_round_robin),
		cmocka_unit_test(test_create_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
