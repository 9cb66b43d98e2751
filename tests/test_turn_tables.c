/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN server's building blocks: SipHash (reference vectors from the
 * SipHash paper's vectors.h), the relay port and slot allocator, the timer
 * heap, and the allocation table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cp_timers.h"
#include "turn_alloc_table.h"
#include "turn_ports.h"
#include "turnpike/dp_msg.h"
#include "turnpike/siphash.h"

/* ---- SipHash-2-4: key 00..0f, message 00..(n-1) ---- */

static void
test_siphash_vectors(void **state)
{
	static const struct {
		size_t len;
		uint64_t want;
	} v[] = {
		{ 0, 0x726fdb47dd0e0e31ull },  { 1, 0x74f839c593dc67fdull },
		{ 7, 0xab0200f58b01d137ull },  { 8, 0x93f5f5799a932462ull },
		{ 15, 0xa129ca6149be45e5ull },
	};
	uint8_t key[16], msg[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = msg[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_true(tp_siphash(key, msg, v[i].len) == v[i].want);
	key[0] ^= 1;
	assert_true(tp_siphash(key, msg, 0) != v[0].want);
}

/* ---- ports ---- */

static struct tp_ip
ip4(uint32_t a)
{
	return tp_ip_v4(a);
}

static void
test_ports_owner_and_uniqueness(void **state)
{
	const uint16_t n_workers = 3, lo = 50000, hi = 50299;
	struct tp_ip ips[2] = { ip4(0xC6336401), ip4(0xC6336402) };
	struct turn_ports *p = turn_ports_create(n_workers, 8, ips, 2, lo, hi);
	uint8_t seen[2][300] = { { 0 } };
	uint32_t total = 0;

	(void)state;
	assert_non_null(p);
	assert_true(turn_ports_has_family(p, TP_AF_INET));
	assert_false(turn_ports_has_family(p, TP_AF_INET6));
	for (uint16_t w = 0; w < n_workers; w++) {
		struct tp_addr a;

		while (turn_ports_take(p, w, TP_AF_INET, false, &a) == 0) {
			int ip = tp_ip_equal(&a.ip, &ips[0]) ? 0 : 1;

			assert_true(tp_ip_equal(&a.ip, &ips[ip]));
			assert_true(a.port >= lo && a.port <= hi);
			assert_int_equal(dp_owner_of_relay_port(a.port, n_workers),
					 w);
			assert_int_equal(seen[ip][a.port - lo], 0);
			seen[ip][a.port - lo] = 1;
			total++;
		}
		assert_int_equal(turn_ports_free_count(p, w, TP_AF_INET), 0);
	}
	assert_int_equal(total, 2 * 300); /* every (ip, port) once */
	assert_int_equal(turn_ports_take(p, 0, TP_AF_INET6, false,
					 &(struct tp_addr){ 0 }),
			 -EAFNOSUPPORT);
	turn_ports_destroy(p);
}

static void
test_ports_shuffled(void **state)
{
	struct tp_ip ip = ip4(0xC6336401);
	struct turn_ports *p = turn_ports_create(1, 1, &ip, 1, 10000, 19999);
	struct tp_addr a;
	int ascending = 0;
	uint16_t prev = 0;

	(void)state;
	assert_non_null(p);
	/* A sorted queue would give 10000, 10001, ...; a shuffled one of
	 * 10000 ports almost never has more than a handful of +1 steps. */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(turn_ports_take(p, 0, TP_AF_INET, false, &a), 0);
		if (i > 0 && a.port == prev + 1)
			ascending++;
		prev = a.port;
	}
	assert_true(ascending < 20);
	turn_ports_destroy(p);
}

static void
test_ports_fifo_and_double_free(void **state)
{
	struct tp_ip ip = ip4(0xC6336401);
	struct turn_ports *p = turn_ports_create(1, 2, &ip, 1, 40000, 40003);
	struct tp_addr a[4], x;
	uint32_t s0, s1, s2;

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < 4; i++)
		assert_int_equal(turn_ports_take(p, 0, TP_AF_INET, false, &a[i]),
				 0);
	assert_int_equal(turn_ports_take(p, 0, TP_AF_INET, false, &x), -ENOSPC);
	assert_int_equal(turn_ports_put(p, &a[2]), 0);
	assert_int_equal(turn_ports_put(p, &a[2]), -EINVAL); /* twice */
	x = a[0];
	x.port = 39999;
	assert_int_equal(turn_ports_put(p, &x), -EINVAL); /* not ours */
	assert_int_equal(turn_ports_put(p, &a[0]), 0);
	/* FIFO: given back 2 then 0, handed out in that order. */
	assert_int_equal(turn_ports_take(p, 0, TP_AF_INET, false, &x), 0);
	assert_int_equal(x.port, a[2].port);
	assert_int_equal(turn_ports_take(p, 0, TP_AF_INET, false, &x), 0);
	assert_int_equal(x.port, a[0].port);

	assert_int_equal(turn_ports_slot_take(p, 0, &s0), 0);
	assert_int_equal(turn_ports_slot_take(p, 0, &s1), 0);
	assert_int_not_equal(s0, s1);
	assert_true(s0 < 2 && s1 < 2);
	assert_int_equal(turn_ports_slot_take(p, 0, &s2), -ENOSPC);
	assert_int_equal(turn_ports_slot_put(p, 0, s0), 0);
	assert_int_equal(turn_ports_slot_put(p, 0, s0), -EINVAL);
	assert_int_equal(turn_ports_slot_put(p, 0, 7), -EINVAL);
	assert_int_equal(turn_ports_slot_take(p, 0, &s2), 0);
	assert_int_equal(s2, s0);
	turn_ports_destroy(p);
}

static void
test_ports_even(void **state)
{
	struct tp_ip ip = ip4(0xC6336401);
	struct turn_ports *p3 = turn_ports_create(3, 1, &ip, 1, 50000, 50999);
	struct turn_ports *p2 = turn_ports_create(2, 1, &ip, 1, 50000, 50999);
	struct tp_addr a;

	(void)state;
	assert_non_null(p3);
	assert_non_null(p2);
	for (uint16_t w = 0; w < 3; w++)
		for (int i = 0; i < 50; i++) {
			assert_int_equal(turn_ports_take(p3, w, TP_AF_INET,
							 true, &a),
					 0);
			assert_int_equal(a.port % 2, 0);
			assert_int_equal(a.port % 3, w);
		}
	/* Two workers: worker 1 owns only odd ports. */
	assert_int_equal(turn_ports_take(p2, 1, TP_AF_INET, true, &a), -ENOSPC);
	assert_int_equal(turn_ports_take(p2, 0, TP_AF_INET, true, &a), 0);
	assert_int_equal(a.port % 2, 0);
	turn_ports_destroy(p3);
	turn_ports_destroy(p2);
}

/*
 * Every relay IP the fast path takes is handed out: the control plane once
 * kept 16 of them and ignored the rest without a word, which cost
 * relay-bench's 1M run (17 relay IPs) 62,057 allocations.
 */
static void
test_ports_every_relay_ip(void **state)
{
	struct tp_ip ips[TP_PLANE_MAX_RELAY_IPS];
	uint32_t per_ip[TP_PLANE_MAX_RELAY_IPS] = { 0 };
	struct turn_ports *p;
	struct tp_addr a;
	int n = 0;

	(void)state;
	for (int i = 0; i < TP_PLANE_MAX_RELAY_IPS; i++)
		ips[i] = ip4(0xC6120000u + (uint32_t)i + 1);
	p = turn_ports_create(1, 1, ips, TP_PLANE_MAX_RELAY_IPS, 40000, 40001);
	assert_non_null(p);
	while (turn_ports_take(p, 0, TP_AF_INET, false, &a) == 0) {
		uint32_t i = tp_ip_v4_host(&a.ip) - 0xC6120001u;

		assert_true(i < TP_PLANE_MAX_RELAY_IPS);
		per_ip[i]++;
		n++;
	}
	assert_int_equal(n, 2 * TP_PLANE_MAX_RELAY_IPS);
	for (int i = 0; i < TP_PLANE_MAX_RELAY_IPS; i++)
		assert_int_equal(per_ip[i], 2);
	turn_ports_destroy(p);
}

static void
test_ports_bad_params(void **state)
{
	struct tp_ip ips[2] = { ip4(0xC6336401), ip4(0xC6336401) };

	(void)state;
	assert_null(turn_ports_create(0, 1, ips, 1, 1000, 2000));
	assert_null(turn_ports_create(1, 0, ips, 1, 1000, 2000));
	assert_null(turn_ports_create(1, 1, ips, 0, 1000, 2000));
	assert_null(turn_ports_create(1, 1, ips, 1, 2000, 1000));
	assert_null(turn_ports_create(1, 1, ips, 1, 0, 1000));
	assert_null(turn_ports_create(1, 1, ips, 2, 1000, 2000)); /* dup IP */
}

/* ---- timers ---- */

struct item {
	struct cp_timer t;
	uint64_t due;
};

static void
test_timers_order_rearm_cancel(void **state)
{
	enum {
		N = 500
	};
	struct item *it = calloc(N, sizeof(*it));
	struct cp_timers tw;
	uint64_t last = 0;
	int popped = 0;

	(void)state;
	assert_non_null(it);
	assert_int_equal(cp_timers_init(&tw, 4), 0); /* must grow */
	srand(7);
	for (int i = 0; i < N; i++) {
		cp_timer_init(&it[i].t);
		it[i].due = 1000 + (uint64_t)(rand() % 100000);
		assert_int_equal(cp_timers_arm(&tw, &it[i].t, it[i].due), 0);
	}
	/* Move every third later or earlier, cancel every seventh. */
	for (int i = 0; i < N; i += 3) {
		it[i].due = (i % 2) ? it[i].due + 5000 : it[i].due / 2;
		assert_int_equal(cp_timers_arm(&tw, &it[i].t, it[i].due), 0);
	}
	for (int i = 0; i < N; i += 7) {
		cp_timers_cancel(&tw, &it[i].t);
		assert_false(cp_timer_armed(&it[i].t));
	}
	cp_timers_cancel(&tw, &it[0].t); /* twice: harmless */
	assert_null(cp_timers_pop_due(&tw, 0));
	for (struct cp_timer *t;
	     (t = cp_timers_pop_due(&tw, UINT64_MAX - 1)) != NULL;) {
		struct item *x = (struct item *)t;

		assert_true(x->due >= last);
		assert_int_equal(t->due_ms, x->due);
		assert_false(cp_timer_armed(t));
		last = x->due;
		popped++;
	}
	assert_int_equal(popped, N - (N + 6) / 7);
	assert_int_equal(cp_timers_count(&tw), 0);
	assert_true(cp_timers_next_due(&tw) == UINT64_MAX);
	cp_timers_free(&tw);
	free(it);
}

static void
test_timers_pop_due_only(void **state)
{
	struct cp_timers tw;
	struct cp_timer a, b;

	(void)state;
	assert_int_equal(cp_timers_init(&tw, 0), 0);
	cp_timer_init(&a);
	cp_timer_init(&b);
	cp_timers_arm(&tw, &a, 100);
	cp_timers_arm(&tw, &b, 50);
	assert_int_equal(cp_timers_next_due(&tw), 50);
	assert_null(cp_timers_pop_due(&tw, 49));
	assert_ptr_equal(cp_timers_pop_due(&tw, 50), &b);
	assert_null(cp_timers_pop_due(&tw, 99));
	cp_timers_arm(&tw, &a, 10); /* re-arm earlier */
	assert_ptr_equal(cp_timers_pop_due(&tw, 10), &a);
	cp_timers_free(&tw);
}

/* ---- allocation table ---- */

static struct tp_addr
addr4(uint32_t ip, uint16_t port)
{
	struct tp_addr a = { .ip = tp_ip_v4(ip), .port = port };

	return a;
}

static void
test_table_indexes_and_users(void **state)
{
	struct turn_alloc_table t;
	struct tp_addr local = addr4(0xCB007101, 3478);
	struct turn_alloc *a[100];
	struct turn_user *u;

	(void)state;
	assert_int_equal(turn_alloc_table_init(&t, 16), 0);
	for (int i = 0; i < 100; i++) {
		struct tp_addr c = addr4(0xC0000200 + (uint32_t)(i % 7),
					 (uint16_t)(40000 + i));
		struct tp_addr r = addr4(0xC6336401, (uint16_t)(50000 + i));

		a[i] = turn_alloc_table_insert(&t, &c, &local, TP_TRANSPORT_UDP,
					       &r, i % 2 ? "bob" : "alice",
					       i % 2 ? 3 : 5, 1000);
		assert_non_null(a[i]);
		a[i]->ref.gen = (uint32_t)i + 1;
	}
	/* Same 5-tuple or same relay again: refused. */
	assert_null(turn_alloc_table_insert(&t, &a[5]->client, &local,
					    TP_TRANSPORT_UDP,
					    &(struct tp_addr){ .ip = tp_ip_v4(1),
							       .port = 1 },
					    "x", 1, 0));
	assert_null(turn_alloc_table_insert(&t,
					    &(struct tp_addr){ .ip = tp_ip_v4(1),
							       .port = 1 },
					    &local, TP_TRANSPORT_UDP,
					    &a[5]->relay, "x", 1, 0));
	assert_int_equal(t.n_allocs, 100);
	/* The transport is part of the 5-tuple: the same addresses over TCP
	 * are another client (RFC 8656 section 2.2). */
	{
		struct tp_addr r = addr4(0xC6336401, 60000);
		struct turn_alloc *tcp =
			turn_alloc_table_insert(&t, &a[5]->client, &local,
						TP_TRANSPORT_TCP, &r, "x", 1, 0);

		assert_non_null(tcp);
		assert_ptr_equal(turn_alloc_table_find(&t, &a[5]->client,
						       &local, TP_TRANSPORT_TCP),
				 tcp);
		assert_ptr_equal(turn_alloc_table_find(&t, &a[5]->client,
						       &local, TP_TRANSPORT_UDP),
				 a[5]);
		assert_null(turn_alloc_table_find(&t, &a[5]->client, &local,
						  TP_TRANSPORT_TLS));
		turn_alloc_table_remove(&t, tcp, 0, false);
	}
	assert_int_equal(t.n_allocs, 100);
	assert_int_equal(t.n_users, 2);
	for (int i = 0; i < 100; i++) {
		assert_ptr_equal(turn_alloc_table_find(&t, &a[i]->client,
						       &local, TP_TRANSPORT_UDP),
				 a[i]);
		assert_ptr_equal(turn_alloc_table_find_relay(&t, &a[i]->relay),
				 a[i]);
	}
	u = turn_alloc_table_user(&t, "alice", 5);
	assert_non_null(u);
	assert_int_equal(u->n_allocs, 50);
	assert_true(turn_alloc_user_is(a[0], "alice", 5));
	assert_false(turn_alloc_user_is(a[0], "alic", 4));
	assert_false(turn_alloc_user_is(a[0], "bob", 3));

	/* Remove one, keeping an ended record; remove another without. */
	assert_int_equal(turn_alloc_table_remove(&t, a[10], 2000, true), 0);
	assert_int_equal(turn_alloc_table_remove(&t, a[11], 2000, false), 0);
	assert_null(turn_alloc_table_find(&t,
					  &(struct tp_addr){
						  .ip = tp_ip_v4(0xC0000203),
						  .port = 40010 },
					  &local, TP_TRANSPORT_UDP));
	assert_int_equal(t.n_allocs, 98);
	assert_int_equal(u->n_allocs, 49);
	assert_int_equal(t.n_ended, 1);
	assert_null(turn_alloc_table_take_ended(&t, 1, 11)); /* wrong worker */
	{
		struct turn_ended *e = turn_alloc_table_take_ended(&t, 0, 11);

		assert_non_null(e);
		assert_int_equal(e->start_ms, 1000);
		assert_int_equal(e->end_ms, 2000);
		assert_int_equal(e->relay.port, 50010);
		assert_string_equal(e->user->name, "alice");
		turn_alloc_table_ended_free(&t, e);
	}
	assert_null(turn_alloc_table_take_ended(&t, 0, 11));
	turn_alloc_table_fini(&t);
}

static void
test_table_user_record_freed(void **state)
{
	struct turn_alloc_table t;
	struct tp_addr c = addr4(1, 1), l = addr4(2, 2), r = addr4(3, 3);
	struct turn_alloc *a;
	struct turn_ended *e;

	(void)state;
	assert_int_equal(turn_alloc_table_init(&t, 1), 0);
	a = turn_alloc_table_insert(&t, &c, &l, TP_TRANSPORT_UDP, &r, "carol",
				    5, 0);
	assert_non_null(a);
	a->ref.gen = 77;
	a->owner = 2;
	turn_alloc_table_remove(&t, a, 5, true);
	/* The ended record keeps the user alive, with no allocation. */
	assert_non_null(turn_alloc_table_user(&t, "carol", 5));
	assert_int_equal(turn_alloc_table_user(&t, "carol", 5)->n_allocs, 0);
	e = turn_alloc_table_take_ended(&t, 2, 77);
	assert_non_null(e);
	turn_alloc_table_ended_free(&t, e);
	assert_null(turn_alloc_table_user(&t, "carol", 5));
	assert_int_equal(t.n_users, 0);
	turn_alloc_table_fini(&t);
}

static void
test_table_perms_and_channels(void **state)
{
	struct turn_alloc_table t;
	struct tp_addr c = addr4(1, 1), l = addr4(2, 2), r = addr4(3, 3);
	struct tp_addr peer = addr4(0x08080808, 5000);
	struct turn_alloc *a;
	uint64_t perms = 0, chans = 0;

	(void)state;
	assert_int_equal(turn_alloc_table_init(&t, 1), 0);
	a = turn_alloc_table_insert(&t, &c, &l, TP_TRANSPORT_UDP, &r, "", 0, 0);
	assert_non_null(a);
	a->expiry_ms = 1000000;
	for (uint32_t i = 0; i < TURN_PERMS_MAX; i++) {
		struct tp_ip ip = tp_ip_v4(0x08000000 + i);

		assert_int_equal(turn_alloc_perm_set(a, &ip, 300000 + i), 0);
	}
	{
		struct tp_ip ip = tp_ip_v4(0x09000000);

		assert_int_equal(turn_alloc_perm_set(a, &ip, 1), -ENOSPC);
		ip = tp_ip_v4(0x08000000); /* refresh of an existing one */
		assert_int_equal(turn_alloc_perm_set(a, &ip, 400000), 0);
	}
	assert_int_equal(turn_alloc_next_due(a), 300001);
	assert_int_equal(turn_alloc_chan_set(a, 0x4000, &peer, 600000), 0);
	assert_non_null(turn_alloc_chan_by_number(a, 0x4000));
	assert_non_null(turn_alloc_chan_by_peer(a, &peer));
	assert_int_equal(turn_alloc_chans_bound(a), 1);

	turn_alloc_expire(a, 350000, &perms, &chans);
	assert_int_equal(perms, TURN_PERMS_MAX - 1); /* one was refreshed */
	assert_int_equal(a->n_perms, 1);
	assert_int_equal(turn_alloc_next_due(a), 400000);
	turn_alloc_expire(a, 600000, &perms, &chans);
	assert_int_equal(chans, 1);
	/* Expired binding stays as a quarantine record for 5 minutes. */
	assert_int_equal(turn_alloc_chans_bound(a), 0);
	assert_non_null(turn_alloc_chan_by_number(a, 0x4000));
	assert_int_equal(turn_alloc_next_due(a),
			 600000 + TURN_CHAN_QUARANTINE_MS);
	turn_alloc_expire(a, 600000 + TURN_CHAN_QUARANTINE_MS, &perms, &chans);
	assert_null(turn_alloc_chan_by_number(a, 0x4000));
	assert_int_equal(turn_alloc_next_due(a), 1000000);

	for (uint16_t i = 0; i < TURN_CHANS_MAX; i++) {
		struct tp_addr p = addr4(0x08080800 + i, 1);

		assert_int_equal(turn_alloc_chan_set(a, (uint16_t)(0x4000 + i),
						     &p, 2000000),
				 0);
	}
	assert_int_equal(turn_alloc_chan_set(a, 0x4FFF, &peer, 2000000), -ENOSPC);
	turn_alloc_table_fini(&t);
}

/* The first permission and channel live in the record; growing past them
 * keeps their values, and freeing works from either place (ASan checks). */
static void
test_table_first_records_inline(void **state)
{
	struct turn_alloc_table t;
	struct tp_addr c = addr4(1, 1), l = addr4(2, 2), r = addr4(3, 3);
	struct tp_addr peer = addr4(0x08080808, 5000),
		       peer2 = addr4(0x08080809, 1);
	struct tp_ip ip = tp_ip_v4(0x08000001), ip2 = tp_ip_v4(0x08000002);
	struct turn_alloc *a, *b;

	(void)state;
	assert_int_equal(turn_alloc_table_init(&t, 2), 0);
	a = turn_alloc_table_insert(&t, &c, &l, TP_TRANSPORT_UDP, &r, "", 0, 0);
	assert_non_null(a);
	assert_int_equal(turn_alloc_perm_set(a, &ip, 111), 0);
	assert_int_equal(turn_alloc_chan_set(a, 0x4001, &peer, 222), 0);
	assert_ptr_equal(a->perms, &a->perm0);
	assert_ptr_equal(a->chans, &a->chan0);
	assert_int_equal(turn_alloc_perm_set(a, &ip2, 333), 0);
	assert_int_equal(turn_alloc_chan_set(a, 0x4002, &peer2, 444), 0);
	assert_ptr_not_equal(a->perms, &a->perm0);
	assert_ptr_not_equal(a->chans, &a->chan0);
	assert_int_equal(turn_alloc_perm_find(a, &ip)->expiry_ms, 111);
	assert_int_equal(turn_alloc_perm_find(a, &ip2)->expiry_ms, 333);
	assert_int_equal(turn_alloc_chan_by_number(a, 0x4001)->expiry_ms, 222);
	assert_true(tp_addr_equal(&turn_alloc_chan_by_number(a, 0x4002)->peer,
				  &peer2));
	/* A second allocation that never grows: its records stay inline. */
	c = addr4(4, 4);
	r = addr4(5, 5);
	b = turn_alloc_table_insert(&t, &c, &l, TP_TRANSPORT_UDP, &r, "", 0, 0);
	assert_non_null(b);
	assert_int_equal(turn_alloc_perm_set(b, &ip, 1), 0);
	assert_int_equal(turn_alloc_table_remove(&t, b, 0, false), 0);
	turn_alloc_table_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_ports_owner_and_uniqueness),
		cmocka_unit_test(test_ports_shuffled),
		cmocka_unit_test(test_ports_fifo_and_double_free),
		cmocka_unit_test(test_ports_even),
		cmocka_unit_test(test_ports_every_relay_ip),
		cmocka_unit_test(test_ports_bad_params),
		cmocka_unit_test(test_timers_order_rearm_cancel),
		cmocka_unit_test(test_timers_pop_due_only),
		cmocka_unit_test(test_table_indexes_and_users),
		cmocka_unit_test(test_table_user_record_freed),
		cmocka_unit_test(test_table_perms_and_channels),
		cmocka_unit_test(test_table_first_records_inline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
