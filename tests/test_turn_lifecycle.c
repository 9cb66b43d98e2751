/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN server: the life of an allocation.  Refresh (RFC 8656 section 8),
 * expiry through turn_server_tick(), usage records after the worker's
 * final counters, shutdown, and the stale-nonce (438) round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "turn_harness.h"

static struct harness h;

static const struct turn_stats *
stats(void)
{
	return turn_server_stats(h.srv);
}

/* The ALLOC_ADD of the last allocation made at or after event @from. */
static struct dp_cmd_alloc_add
last_add(int from)
{
	struct dp_cmd_alloc_add add = { 0 };

	for (int i = from; i < h.n_ev; i++)
		if (h.ev[i].kind == H_CMD && h.ev[i].cmd.type == DP_CMD_ALLOC_ADD)
			add = h.ev[i].cmd.u.alloc_add;
	assert_int_not_equal(add.ref.gen, 0);
	return add;
}

/* Index of the first DEL at or after @from for allocation @gen, or -1. */
static int
find_del(int from, uint32_t gen)
{
	for (int i = from; i < h.n_ev; i++)
		if (h.ev[i].kind == H_CMD &&
		    h.ev[i].cmd.type == DP_CMD_ALLOC_DEL &&
		    h.ev[i].cmd.u.alloc.ref.gen == gen)
			return i;
	return -1;
}

static void
test_refresh_extends(void **state)
{
	struct h_client c;
	struct stun_msg m;
	struct dp_cmd_alloc_add add;
	uint32_t lt;
	int mark, ci;

	(void)state;
	h_init(&h, 3, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	add = last_add(0);
	h.now_ms += 300000;
	mark = h.n_ev;
	assert_int_equal(h_refresh(&h, &c, 1200), 0);
	h_last_reply(&h, &m);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lt), 0);
	assert_int_equal(lt, 1200);
	assert_true(stun_msg_check_integrity(&m, c.key, sizeof(c.key)));
	ci = h_find(&h, mark, H_CMD);
	assert_true(ci >= 0 && ci < h_find(&h, mark, H_REPLY));
	assert_int_equal(h.ev[ci].cmd.type, DP_CMD_ALLOC_REFRESH);
	assert_int_equal(h.ev[ci].cmd.u.alloc.ref.gen, add.ref.gen);
	assert_int_equal(h.ev[ci].cmd.u.alloc.ref.slot, add.ref.slot);
	assert_int_equal(h.ev[ci].cmd.u.alloc.lifetime_ms, 1200000);
	assert_int_equal(h.ev[ci].worker, dp_owner_of_client(&c.addr, 3));
	/* No LIFETIME: the default (600 s).  A short one: the default. */
	assert_int_equal(h_refresh(&h, &c, UINT32_MAX), 0);
	h_last_reply(&h, &m);
	stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lt);
	assert_int_equal(lt, 600);
	assert_int_equal(h_refresh(&h, &c, 30), 0);
	h_last_reply(&h, &m);
	stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lt);
	assert_int_equal(lt, 600);
	/* The expiry moved: not gone 600 s after the Allocate. */
	turn_server_tick(h.srv, h.now_ms + 599999);
	assert_int_equal(find_del(0, add.ref.gen), -1);
	turn_server_tick(h.srv, h.now_ms + 600000);
	assert_true(find_del(0, add.ref.gen) >= 0);
	assert_int_equal(stats()->c[TURN_C_ALLOCS_REFRESHED], 3);
	h_fini(&h);
}

static void
test_refresh_zero_deletes_then_usage(void **state)
{
	struct h_client c;
	struct stun_msg m;
	struct dp_cmd_alloc_add add;
	struct dp_evt_alloc_end end = { 0 };
	const struct turn_usage *u;
	uint64_t t0;
	uint32_t lt;
	int mark, di, ui;

	(void)state;
	h_init(&h, 3, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	t0 = h.now_ms;
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	add = last_add(0);
	h.now_ms += 5000;
	mark = h.n_ev;
	assert_int_equal(h_refresh(&h, &c, 0), 0);
	h_last_reply(&h, &m);
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lt), 0);
	assert_int_equal(lt, 0);
	di = find_del(mark, add.ref.gen);
	assert_true(di >= 0 && di < h_find(&h, mark, H_REPLY));
	assert_int_equal(h.ev[di].cmd.u.alloc.ref.slot, add.ref.slot);
	assert_int_equal(h.ev[di].worker, dp_owner_of_client(&c.addr, 3));
	assert_int_equal(stats()->c[TURN_C_ALLOCS_DELETED], 1);
	/* The worker has not answered yet: still counted, no usage. */
	assert_int_equal(turn_server_alloc_count(h.srv), 1);
	assert_int_equal(stats()->allocs_live, 0);
	assert_int_equal(stats()->allocs_ending, 1);
	assert_int_equal(h_find(&h, 0, H_USAGE), -1);
	/* Gone for requests: a second delete gets 437 (RFC 8656 8.3). */
	assert_int_equal(h_refresh(&h, &c, 0), 437);

	end.ref = add.ref;
	end.usage.pkts_from_client = 11;
	end.usage.bytes_from_client = 1100;
	end.usage.pkts_to_client = 22;
	end.usage.bytes_to_client = 2200;
	turn_server_alloc_ended(h.srv, h.ev[di].worker, &end);
	ui = h_find(&h, 0, H_USAGE);
	assert_true(ui >= 0);
	u = &h.ev[ui].usage;
	assert_string_equal(u->username, "alice");
	assert_true(tp_addr_equal(&u->client, &c.addr));
	assert_true(tp_addr_equal(&u->local, &c.local));
	assert_true(tp_addr_equal(&u->relay, &add.relay));
	assert_int_equal(u->start_ms, t0);
	assert_int_equal(u->end_ms, t0 + 5000);
	assert_int_equal(u->usage.bytes_to_client, 2200);
	assert_int_equal(u->usage.pkts_from_client, 11);
	assert_int_equal(turn_server_alloc_count(h.srv), 0);
	assert_int_equal(stats()->c[TURN_C_USAGE_RECORDS], 1);
	/* A duplicate or unknown end event is only counted. */
	turn_server_alloc_ended(h.srv, h.ev[di].worker, &end);
	assert_int_equal(stats()->c[TURN_C_END_UNMATCHED], 1);
	assert_int_equal(stats()->c[TURN_C_USAGE_RECORDS], 1);
	/* The 5-tuple is free again. */
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	h_fini(&h);
}

/*
 * The sink hears of each allocation's creation and refreshes (for
 * redis-statsdb), and the usage record carries the same id; ids differ
 * between allocations and between servers (a random start).
 */
static void
test_status_and_ids(void **state)
{
	struct h_client c, d;
	struct dp_cmd_alloc_add add;
	struct dp_evt_alloc_end end = { 0 };
	const struct turn_status *s;
	uint64_t id;
	int ui;

	(void)state;
	h_init(&h, 2, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	assert_int_equal(h_allocate(&h, &c, 1200, NULL), 0);
	add = last_add(0);
	assert_int_equal(h.n_status, 1);
	s = &h.status[0].ev;
	assert_int_equal(s->kind, TURN_STATUS_NEW);
	assert_int_equal(s->lifetime_s, 1200);
	assert_int_equal(s->user_len, 5);
	assert_memory_equal(s->user, "alice", 5);
	assert_string_equal(s->realm, H_REALM);
	assert_int_equal(s->transport, TP_TRANSPORT_UDP);
	assert_true(tp_addr_equal(&s->client, &c.addr));
	assert_true(tp_addr_equal(&s->local, &c.local));
	id = s->id;
	assert_true(id < 900000000000000000ULL);
	/* A refused Allocate (437: the 5-tuple has one) says nothing. */
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 437);
	assert_int_equal(h.n_status, 1);

	assert_int_equal(h_refresh(&h, &c, 900), 0);
	assert_int_equal(h.n_status, 2);
	assert_int_equal(h.status[1].ev.kind, TURN_STATUS_REFRESHED);
	assert_int_equal(h.status[1].ev.lifetime_s, 900);
	assert_true(h.status[1].ev.id == id);
	/* A refused Refresh says nothing. */
	h_client_init(&d, "bob", "bobpass", 11, 40000);
	h_login(&h, &d);
	assert_int_equal(h_refresh(&h, &d, 900), 437);
	assert_int_equal(h.n_status, 2);
	/* A second allocation, the next id. */
	assert_int_equal(h_allocate(&h, &d, 0, NULL), 0);
	assert_int_equal(h.n_status, 3);
	assert_true(h.status[2].ev.id == id + 1);
	assert_int_equal(h.status[2].ev.lifetime_s, 600);
	/* A delete is "refreshed" with lifetime 0, then the usage record
	 * carries the id and the realm. */
	assert_int_equal(h_refresh(&h, &c, 0), 0);
	assert_int_equal(h.n_status, 4);
	assert_int_equal(h.status[3].ev.kind, TURN_STATUS_REFRESHED);
	assert_int_equal(h.status[3].ev.lifetime_s, 0);
	assert_true(h.status[3].ev.id == id);
	end.ref = add.ref;
	turn_server_alloc_ended(h.srv, dp_owner_of_client(&c.addr, 2), &end);
	ui = h_find(&h, 0, H_USAGE);
	assert_true(ui >= 0);
	assert_true(h.ev[ui].usage.id == id);
	assert_string_equal(h.ev[ui].usage.realm, H_REALM);
	h_fini(&h);

	/* Another server starts elsewhere (a chance of 1 in 9 * 10^17 that
	 * this fails by luck). */
	h_init(&h, 2, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	assert_int_equal(h.n_status, 1);
	assert_true(h.status[0].ev.id != id);
	h_fini(&h);
}

static void
test_refresh_errors(void **state)
{
	static const uint8_t v6[4] = { TP_AF_INET6, 0, 0, 0 };
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	struct h_client alice, bob_same_tuple;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&alice, "alice", "alicepass", 10, 40000);
	h_login(&h, &alice);
	assert_int_equal(h_refresh(&h, &alice, 600), 437);
	h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, alice.key, sizeof(alice.key)));
	assert_int_equal(h_allocate(&h, &alice, 0, NULL), 0);
	/* Bob from alice's 5-tuple: 441, signed with bob's key. */
	h_client_init(&bob_same_tuple, "bob", "bobpass", 10, 40000);
	h_login(&h, &bob_same_tuple);
	assert_int_equal(h_refresh(&h, &bob_same_tuple, 600), 441);
	h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, bob_same_tuple.key, 16));
	assert_int_equal(stats()->replies[TURN_REPLY_WRONG_CREDENTIALS], 1);
	/* REQUESTED-ADDRESS-FAMILY IPv6 on an IPv4 allocation: 443. */
	h_req_begin(&alice, &b, buf, sizeof(buf), STUN_METHOD_REFRESH);
	stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, v6, 4);
	h_send(&h, &alice, buf, h_req_end(&alice, &b));
	h_last_reply(&h, &m);
	assert_int_equal(h_code(&m), 443);
	/* Nothing was deleted or refreshed by those. */
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_DEL), 0);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_REFRESH), 0);
	h_fini(&h);
}

static void
test_stale_nonce_438(void **state)
{
	struct h_client c;
	struct stun_msg m;
	const uint8_t *nonce;
	uint16_t len = 0;
	uint64_t saved = h_unix_now;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	h_unix_now += 601; /* past the 600 s nonce lifetime */
	assert_int_equal(h_refresh(&h, &c, 600), 438);
	h_last_reply(&h, &m);
	nonce = stun_msg_value(&m, STUN_SLOT_NONCE, &len);
	assert_non_null(nonce);
	assert_true(len != c.nonce_len || memcmp(nonce, c.nonce, len) != 0);
	assert_non_null(stun_msg_value(&m, STUN_SLOT_REALM, &len));
	assert_int_equal(m.mi_off, 0); /* RFC 8489 9.2.4: no integrity */
	assert_int_equal(stats()->replies[TURN_REPLY_STALE_NONCE], 1);
	assert_int_equal(stats()->auth[AUTH_REASON_NONCE_STALE], 1);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_REFRESH), 0);
	/* Retry with the new nonce. */
	nonce = stun_msg_value(&m, STUN_SLOT_NONCE, &len);
	memcpy(c.nonce, nonce, len);
	c.nonce_len = len;
	assert_int_equal(h_refresh(&h, &c, 600), 0);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_REFRESH), 1);
	h_unix_now = saved;
	h_fini(&h);
}

static void
test_expiry_by_tick_and_usage(void **state)
{
	struct h_client c;
	struct dp_cmd_alloc_add add;
	struct dp_evt_alloc_end end = { 0 };
	uint64_t t0;
	int di, ui;

	(void)state;
	h_init(&h, 3, true);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	t0 = h.now_ms;
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	add = last_add(0);
	turn_server_tick(h.srv, t0 + 599999);
	assert_int_equal(find_del(0, add.ref.gen), -1);
	turn_server_tick(h.srv, t0 + 600000);
	di = find_del(0, add.ref.gen);
	assert_true(di >= 0);
	assert_int_equal(h.ev[di].worker, dp_owner_of_client(&c.addr, 3));
	assert_int_equal(stats()->c[TURN_C_ALLOCS_EXPIRED], 1);
	turn_server_tick(h.srv, t0 + 700000); /* nothing twice */
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_DEL), 1);
	end.ref = add.ref;
	end.usage.bytes_from_client = 5;
	turn_server_alloc_ended(h.srv, h.ev[di].worker, &end);
	ui = h_find(&h, 0, H_USAGE);
	assert_true(ui >= 0);
	assert_string_equal(h.ev[ui].usage.username, "");
	assert_int_equal(h.ev[ui].usage.start_ms, t0);
	assert_int_equal(h.ev[ui].usage.end_ms, t0 + 600000);
	assert_int_equal(h.ev[ui].usage.usage.bytes_from_client, 5);
	assert_int_equal(turn_server_alloc_count(h.srv), 0);
	h_fini(&h);
}

/* A request that arrives after the expiry but before the tick. */
static void
test_expired_before_tick(void **state)
{
	struct h_client c;
	struct dp_cmd_alloc_add add;

	(void)state;
	h_init(&h, 1, true);
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	add = last_add(0);
	h.now_ms += 600000;
	assert_int_equal(h_refresh(&h, &c, 600), 437);
	assert_true(find_del(0, add.ref.gen) >= 0);
	/* And a new Allocate on the 5-tuple works. */
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_ALLOC_ADD), 2);
	h_fini(&h);
}

static void
test_shutdown_deletes_all(void **state)
{
	enum {
		N = 9
	};
	struct h_client c[N];
	struct dp_cmd_alloc_add adds[N];
	int mark, usages = 0;

	(void)state;
	h_init(&h, 3, true);
	h_start(&h);
	for (int i = 0; i < N; i++) {
		int from = h.n_ev;

		h_client_init(&c[i], NULL, NULL, (uint8_t)(10 + i), 40000);
		assert_int_equal(h_allocate(&h, &c[i], 0, NULL), 0);
		adds[i] = last_add(from);
	}
	mark = h.n_ev;
	turn_server_shutdown(h.srv, h.now_ms);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_DEL), N);
	assert_int_equal(turn_server_alloc_count(h.srv), N);
	assert_int_equal(stats()->allocs_live, 0);
	for (int i = 0; i < N; i++) {
		int di = find_del(mark, adds[i].ref.gen);
		struct dp_evt_alloc_end end = { .ref = adds[i].ref };

		assert_true(di >= 0);
		assert_int_equal(h.ev[di].worker,
				 dp_owner_of_client(&c[i].addr, 3));
		turn_server_alloc_ended(h.srv, h.ev[di].worker, &end);
	}
	for (int i = 0; i < h.n_ev; i++)
		usages += h.ev[i].kind == H_USAGE;
	assert_int_equal(usages, N);
	assert_int_equal(turn_server_alloc_count(h.srv), 0);
	assert_int_equal(stats()->c[TURN_C_ALLOCS_SHUTDOWN], N);
	/* No new allocations once shut down. */
	assert_int_equal(h_allocate(&h, &c[0], 0, NULL), 508);
	h_fini(&h);
}

/* Destroy with live and ending allocations: no leak (ASan). */
/*
 * A TCP client (RFC 8656 section 3.1): its allocation is installed with its
 * transport and connection, is another 5-tuple than a UDP client at the
 * same address, counts against the same user quota, and ends at once when
 * its connection closes, with a usage record like any other.
 */
static void
test_stream_client(void **state)
{
	struct h_client tcp, udp;
	struct dp_cmd_alloc_add add_tcp, add_udp;
	struct dp_evt_alloc_end end = { 0 };
	int mark, di, ui;

	(void)state;
	h_init(&h, 3, false);
	h.params.user_quota = 2;
	h_start(&h);
	h_client_init(&tcp, "alice", "alicepass", 10, 40000);
	tcp.transport = TP_TRANSPORT_TCP;
	tcp.conn = 0x777;
	h_client_init(&udp, "alice", "alicepass", 10, 40000); /* same address */
	h_login(&h, &tcp);
	assert_int_equal(h_allocate(&h, &tcp, 0, NULL), 0);
	add_tcp = last_add(0);
	assert_int_equal(add_tcp.transport, TP_TRANSPORT_TCP);
	assert_int_equal(add_tcp.conn, 0x777);
	mark = h.n_ev;
	h_login(&h, &udp);
	assert_int_equal(h_allocate(&h, &udp, 0, NULL), 0);
	add_udp = last_add(mark);
	assert_int_equal(add_udp.transport, TP_TRANSPORT_UDP);
	assert_int_not_equal(add_udp.ref.gen, add_tcp.ref.gen);
	assert_int_equal(turn_server_alloc_count(h.srv), 2);
	/* The quota of 2 counts both transports: a third gets 486. */
	{
		struct h_client third;

		h_client_init(&third, "alice", "alicepass", 11, 40000);
		third.transport = TP_TRANSPORT_TLS;
		h_login(&h, &third);
		assert_int_equal(h_allocate(&h, &third, 0, NULL), 486);
	}
	/* The UDP client's close means nothing; the TCP one's deletes. */
	mark = h.n_ev;
	turn_server_stream_closed(h.srv, &udp.addr, &udp.local,
				  TP_TRANSPORT_UDP, h.now_ms);
	assert_int_equal(find_del(mark, add_udp.ref.gen), -1);
	turn_server_stream_closed(h.srv, &tcp.addr, &tcp.local,
				  TP_TRANSPORT_TCP, h.now_ms);
	di = find_del(mark, add_tcp.ref.gen);
	assert_true(di >= 0);
	assert_int_equal(stats()->c[TURN_C_ALLOCS_CONN_CLOSED], 1);
	/* Closed again (a late note): nothing more. */
	turn_server_stream_closed(h.srv, &tcp.addr, &tcp.local,
				  TP_TRANSPORT_TCP, h.now_ms);
	assert_int_equal(stats()->c[TURN_C_ALLOCS_CONN_CLOSED], 1);
	end.ref = add_tcp.ref;
	end.usage.pkts_from_client = 3;
	turn_server_alloc_ended(h.srv, h.ev[di].worker, &end);
	ui = h_find(&h, 0, H_USAGE);
	assert_true(ui >= 0);
	assert_int_equal(h.ev[ui].usage.transport, TP_TRANSPORT_TCP);
	assert_int_equal(h.ev[ui].usage.usage.pkts_from_client, 3);
	/* The UDP allocation is untouched. */
	assert_int_equal(turn_server_alloc_count(h.srv), 1);
	h_fini(&h);
}

static void
test_destroy_with_state(void **state)
{
	struct h_client c1, c2;

	(void)state;
	h_init(&h, 2, true);
	h_start(&h);
	h_client_init(&c1, NULL, NULL, 10, 40000);
	h_client_init(&c2, NULL, NULL, 11, 40000);
	assert_int_equal(h_allocate(&h, &c1, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c2, 0, NULL), 0);
	assert_int_equal(h_refresh(&h, &c2, 0), 0);
	assert_int_equal(turn_server_alloc_count(h.srv), 2);
	h_fini(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refresh_extends),
		cmocka_unit_test(test_refresh_zero_deletes_then_usage),
		cmocka_unit_test(test_status_and_ids),
		cmocka_unit_test(test_refresh_errors),
		cmocka_unit_test(test_stale_nonce_438),
		cmocka_unit_test(test_expiry_by_tick_and_usage),
		cmocka_unit_test(test_expired_before_tick),
		cmocka_unit_test(test_shutdown_deletes_all),
		cmocka_unit_test(test_stream_client),
		cmocka_unit_test(test_destroy_with_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
