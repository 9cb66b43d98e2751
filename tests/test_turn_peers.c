/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN server: CreatePermission (RFC 8656 section 9) and ChannelBind
 * (sections 11 and 12), including the peer policy, the all-or-nothing
 * rule, limits, expiry and the 5-minute channel quarantine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "cp_setup.h"
#include "turn_harness.h"

static struct harness h;
static struct h_client alice;
static struct dp_alloc_ref ref; /* alice's allocation */

static const struct turn_stats *
stats(void)
{
	return turn_server_stats(h.srv);
}

/* A server with workers, alice logged in with an allocation. */
static void
setup(uint16_t n_workers, uint32_t lifetime)
{
	int from;

	h_init(&h, n_workers, false);
	h_start(&h);
	h_client_init(&alice, "alice", "alicepass", 10, 40000);
	h_login(&h, &alice);
	from = h.n_ev;
	assert_int_equal(h_allocate(&h, &alice, lifetime, NULL), 0);
	ref = h.ev[h_find(&h, from, H_CMD)].cmd.u.alloc_add.ref;
}

static uint16_t
owner(void)
{
	return dp_owner_of_client(&alice.addr, h.params.n_workers);
}

static uint16_t
create_permission(const struct tp_addr *peers, int n)
{
	return h_peer_request(&h, &alice, STUN_METHOD_CREATE_PERMISSION, peers,
			      n, 0);
}

static uint16_t
channel_bind(uint16_t channel, const struct tp_addr *peer)
{
	return h_peer_request(&h, &alice, STUN_METHOD_CHANNEL_BIND, peer,
			      peer != NULL, channel);
}

static void
test_permission_success(void **state)
{
	struct tp_addr peers[3] = {
		h_addr("8.8.8.8", 1000), h_addr("1.1.1.1", 2000),
		h_addr("8.8.8.8", 3000), /* same IP: one permission */
	};
	struct stun_msg m;
	const struct h_event *e;
	int mark, ri, n = 0;

	(void)state;
	setup(3, 0);
	mark = h.n_ev;
	assert_int_equal(create_permission(peers, 3), 0);
	e = h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, alice.key, sizeof(alice.key)));
	assert_int_equal(e->worker, owner());
	ri = h_find(&h, mark, H_REPLY);
	for (int i = mark; i < ri; i++) {
		const struct dp_cmd_perm *p = &h.ev[i].cmd.u.perm;

		assert_int_equal(h.ev[i].kind, H_CMD);
		assert_int_equal(h.ev[i].cmd.type, DP_CMD_PERM_SET);
		assert_int_equal(h.ev[i].worker, owner());
		assert_int_equal(p->ref.gen, ref.gen);
		assert_int_equal(p->ref.slot, ref.slot);
		assert_int_equal(p->lifetime_ms, 300000);
		assert_true(tp_ip_equal(&p->peer, &peers[n].ip));
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(stats()->c[TURN_C_PERMS_CREATED], 2);
	/* Again: refreshed, not created. */
	assert_int_equal(create_permission(peers, 2), 0);
	assert_int_equal(stats()->c[TURN_C_PERMS_REFRESHED], 2);
	h_fini(&h);
}

static void
test_permission_refused_is_all_or_nothing(void **state)
{
	struct tp_addr peers[3] = {
		h_addr("8.8.8.8", 1000),
		h_addr("127.0.0.1", 2000),
		h_addr("1.1.1.1", 3000),
	};
	struct tp_addr private_peer = h_addr("10.1.2.3", 1);
	struct stun_msg m;
	int mark;

	(void)state;
	setup(1, 0);
	mark = h.n_ev;
	assert_int_equal(create_permission(peers, 3), 403);
	h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, alice.key, sizeof(alice.key)));
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 0);
	assert_int_equal(stats()->peers_refused[PEER_DENIED_LOOPBACK], 1);
	assert_int_equal(create_permission(&private_peer, 1), 403);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 0);
	assert_int_equal(stats()->replies[TURN_REPLY_FORBIDDEN], 2);
	/* The good ones alone are fine. */
	assert_int_equal(create_permission(peers, 1), 0);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 1);
	h_fini(&h);
}

static void
test_permission_errors(void **state)
{
	struct tp_addr v6 = { .port = 1 };
	struct tp_addr good = h_addr("8.8.8.8", 1);
	struct h_client bob_same_tuple, nobody;

	(void)state;
	assert_int_equal(tp_ip_parse(&v6.ip, "2001:4860:4860::8888"), 0);
	setup(1, 0);
	assert_int_equal(create_permission(NULL, 0), 400);
	assert_int_equal(create_permission(&v6, 1), 443);
	h_client_init(&bob_same_tuple, "bob", "bobpass", 10, 40000);
	h_login(&h, &bob_same_tuple);
	assert_int_equal(h_peer_request(&h, &bob_same_tuple,
					STUN_METHOD_CREATE_PERMISSION, &good, 1,
					0),
			 441);
	h_client_init(&nobody, "alice", "alicepass", 99, 40000);
	h_login(&h, &nobody);
	assert_int_equal(h_peer_request(&h, &nobody, STUN_METHOD_CREATE_PERMISSION,
					&good, 1, 0),
			 437);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_PERM_SET), 0);
	h_fini(&h);
}

static void
test_permission_limit_508(void **state)
{
	struct tp_addr peers[TURN_PERMS_MAX + 1];
	int mark;

	(void)state;
	for (int i = 0; i <= TURN_PERMS_MAX; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "8.8.%d.%d", i / 200, 1 + i % 200);
		peers[i] = h_addr(ip, 1000);
	}
	setup(1, 0);
	/* 33 in one request: refused whole. */
	assert_int_equal(create_permission(peers, TURN_PERMS_MAX + 1), 508);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_PERM_SET), 0);
	assert_int_equal(create_permission(peers, TURN_PERMS_MAX), 0);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_PERM_SET), TURN_PERMS_MAX);
	mark = h.n_ev;
	assert_int_equal(create_permission(&peers[TURN_PERMS_MAX], 1), 508);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 0);
	/* Refreshing one that exists is no new permission. */
	assert_int_equal(create_permission(&peers[0], 1), 0);
	/* After they expire there is room again (no command: the worker
	 * expires its copy itself). */
	h.now_ms += 300000;
	mark = h.n_ev;
	turn_server_tick(h.srv, h.now_ms);
	assert_int_equal(h.n_ev, mark);
	assert_int_equal(stats()->c[TURN_C_PERMS_EXPIRED], TURN_PERMS_MAX);
	assert_int_equal(create_permission(&peers[TURN_PERMS_MAX], 1), 0);
	h_fini(&h);
}

static void
test_channel_bind(void **state)
{
	struct tp_addr p1 = h_addr("8.8.8.8", 5000), p2 = h_addr("1.1.1.1", 6000);
	const struct dp_cmd *chan, *perm;
	int mark, ri;

	(void)state;
	setup(3, 0);
	assert_int_equal(channel_bind(0x3FFF, &p1), 400);
	assert_int_equal(channel_bind(0x5000, &p1), 400);
	assert_int_equal(channel_bind(0x4000, NULL), 400);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_CHAN_SET), 0);
	mark = h.n_ev;
	assert_int_equal(channel_bind(0x4000, &p1), 0);
	/* CHAN_SET then PERM_SET, then the reply, all on the owner. */
	ri = h_find(&h, mark, H_REPLY);
	assert_int_equal(ri - mark, 2);
	chan = &h.ev[mark].cmd;
	perm = &h.ev[mark + 1].cmd;
	assert_int_equal(chan->type, DP_CMD_CHAN_SET);
	assert_int_equal(chan->u.chan.channel, 0x4000);
	assert_true(tp_addr_equal(&chan->u.chan.peer, &p1));
	assert_int_equal(chan->u.chan.lifetime_ms, 600000);
	assert_int_equal(chan->u.chan.ref.gen, ref.gen);
	assert_int_equal(perm->type, DP_CMD_PERM_SET);
	assert_true(tp_ip_equal(&perm->u.perm.peer, &p1.ip));
	assert_int_equal(perm->u.perm.lifetime_ms, 300000);
	for (int i = mark; i <= ri; i++)
		assert_int_equal(h.ev[i].worker, owner());
	/* Same pair: refresh.  Conflicts: 400. */
	assert_int_equal(channel_bind(0x4000, &p1), 0);
	assert_int_equal(stats()->c[TURN_C_CHANS_REFRESHED], 1);
	assert_int_equal(channel_bind(0x4000, &p2), 400); /* number taken */
	assert_int_equal(channel_bind(0x4001, &p1), 400); /* peer taken */
	p1.port = 5001; /* another port of the same IP is another peer */
	assert_int_equal(channel_bind(0x4001, &p1), 0);
	assert_int_equal(channel_bind(0x4FFF, &p2), 0);
	assert_int_equal(stats()->c[TURN_C_CHANS_BOUND], 3);
	h_fini(&h);
}

static void
test_channel_refused_peers(void **state)
{
	struct tp_addr lo = h_addr("127.0.0.1", 5000);
	struct tp_addr v6 = { .port = 1 };

	(void)state;
	assert_int_equal(tp_ip_parse(&v6.ip, "2001:4860:4860::8888"), 0);
	setup(1, 0);
	assert_int_equal(channel_bind(0x4000, &lo), 403);
	assert_int_equal(channel_bind(0x4000, &v6), 443);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_CHAN_SET), 0);
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_PERM_SET), 0);
	h_fini(&h);
}

static void
test_channel_quarantine(void **state)
{
	struct tp_addr p1 = h_addr("8.8.8.8", 5000), p2 = h_addr("1.1.1.1", 6000);

	(void)state;
	setup(1, 3600);
	assert_int_equal(channel_bind(0x4000, &p1), 0);
	h.now_ms += 600000;
	turn_server_tick(h.srv, h.now_ms);
	assert_int_equal(stats()->c[TURN_C_CHANS_EXPIRED], 1);
	/* Expired, but for 5 minutes neither side may be rebound elsewhere. */
	h.now_ms += 1000;
	assert_int_equal(channel_bind(0x4000, &p2), 400);
	assert_int_equal(channel_bind(0x4001, &p1), 400);
	assert_int_equal(stats()->c[TURN_C_CHAN_QUARANTINE_HITS], 2);
	h.now_ms += 299000;
	turn_server_tick(h.srv, h.now_ms);
	assert_int_equal(channel_bind(0x4000, &p2), 0);
	assert_int_equal(channel_bind(0x4001, &p1), 0);
	h_fini(&h);

	/* The same pair may be bound again during the quarantine. */
	setup(1, 3600);
	assert_int_equal(channel_bind(0x4000, &p1), 0);
	h.now_ms += 600000;
	turn_server_tick(h.srv, h.now_ms);
	assert_int_equal(channel_bind(0x4000, &p1), 0);
	assert_int_equal(stats()->c[TURN_C_CHANS_BOUND], 2);
	h_fini(&h);
}

static void
test_channel_limit_508(void **state)
{
	(void)state;
	setup(1, 0);
	for (int i = 0; i <= TURN_CHANS_MAX; i++) {
		char ip[32];
		struct tp_addr p;

		snprintf(ip, sizeof(ip), "8.8.4.%d", 1 + i);
		p = h_addr(ip, 1000);
		assert_int_equal(channel_bind((uint16_t)(0x4000 + i), &p),
				 i < TURN_CHANS_MAX ? 0 : 508);
	}
	assert_int_equal(h_count_cmds(&h, 0, DP_CMD_CHAN_SET), TURN_CHANS_MAX);
	h_fini(&h);
}

/* @n distinct public peers numbered from @base, in @out. */
static void
peers_make(struct tp_addr *out, int n, int base)
{
	char ip[32];

	for (int i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "1.2.%d.%d", (base + i) / 200,
			 (base + i) % 200 + 1);
		out[i] = h_addr(ip, 1000);
	}
}

/*
 * The fast path holds permissions beyond the first two in overflow blocks
 * from a per-worker pool (DP_PEER_BLOCKS(64) = 80 here).  Sixteen
 * allocations with 32 permissions each reserve 5 blocks apiece and use it
 * up: the next allocation's third permission gets 508 instead of a success
 * the fast path could not honour, a ChannelBind too; once an allocation
 * ends its blocks serve again.  Every command carries the reservation.
 */
static void
test_peer_blocks_508(void **state)
{
	static struct h_client c[17];
	struct tp_addr peers[TURN_PERMS_MAX];
	struct tp_addr extra = h_addr("9.9.9.9", 7);
	int mark;

	(void)state;
	h_init(&h, 1, false);
	h_start(&h);
	assert_int_equal(DP_PEER_BLOCKS(64), 80);
	assert_int_equal(dp_peer_blocks_needed(TURN_PERMS_MAX, 0), 5);
	for (int k = 0; k < 17; k++) {
		h_client_init(&c[k], "alice", "alicepass", 10,
			      (uint16_t)(41000 + k));
		h_login(&h, &c[k]);
		assert_int_equal(h_allocate(&h, &c[k], 0, NULL), 0);
	}
	for (int k = 0; k < 16; k++) {
		peers_make(peers, TURN_PERMS_MAX, k * TURN_PERMS_MAX);
		mark = h.n_ev;
		assert_int_equal(h_peer_request(&h, &c[k],
						STUN_METHOD_CREATE_PERMISSION,
						peers, TURN_PERMS_MAX, 0),
				 0);
		for (int i = mark; i < h.n_ev; i++)
			if (h.ev[i].kind == H_CMD &&
			    h.ev[i].cmd.type == DP_CMD_PERM_SET)
				assert_int_equal(h.ev[i].cmd.u.perm.max_blocks,
						 5);
	}
	/* The pool is spent: two inline permissions, then 508. */
	peers_make(peers, 3, 16 * TURN_PERMS_MAX);
	assert_int_equal(h_peer_request(&h, &c[16], STUN_METHOD_CREATE_PERMISSION,
					peers, 2, 0),
			 0);
	mark = h.n_ev;
	assert_int_equal(h_peer_request(&h, &c[16], STUN_METHOD_CREATE_PERMISSION,
					&peers[2], 1, 0),
			 508);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 0);
	assert_int_equal(h_peer_request(&h, &c[16], STUN_METHOD_CHANNEL_BIND,
					&extra, 1, 0x4000),
			 508);
	assert_int_equal(stats()->c[TURN_C_PEER_BLOCKS_EXHAUSTED], 2);
	/* A refresh of what exists needs nothing more. */
	assert_int_equal(h_peer_request(&h, &c[16], STUN_METHOD_CREATE_PERMISSION,
					peers, 2, 0),
			 0);
	/* One allocation ends: its 5 blocks serve the next. */
	assert_int_equal(h_refresh(&h, &c[0], 0), 0);
	mark = h.n_ev;
	assert_int_equal(h_peer_request(&h, &c[16], STUN_METHOD_CREATE_PERMISSION,
					&peers[2], 1, 0),
			 0);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 1);
	for (int i = mark; i < h.n_ev; i++)
		if (h.ev[i].kind == H_CMD && h.ev[i].cmd.type == DP_CMD_PERM_SET)
			assert_int_equal(h.ev[i].cmd.u.perm.max_blocks, 1);
	h_fini(&h);
}

/*
 * The server's own network, as the configuration names it, is refused as a
 * peer (403) unless an allow range names the address: the gateway, the
 * local-network range; the rest of the Internet is not.
 */
static void
local_network_case(const char *extra, uint16_t want_gw, uint16_t want_lan)
{
	struct tp_addr gw = h_addr("81.2.69.1", 80);
	struct tp_addr lan = h_addr("81.2.69.77", 22);
	struct tp_addr outside = h_addr("81.2.70.1", 5000);
	struct tp_config cfg;
	struct cp_objects obj;
	char conf[512], err[256];
	uint64_t refused;

	snprintf(conf, sizeof(conf),
		 "relay-ip=198.51.100.1\nrealm=" H_REALM "\n"
		 "use-auth-secret\nstatic-auth-secret=x\n"
		 "gateway=81.2.69.1\nlocal-network=81.2.69.0/24\n%s",
		 extra);
	if (tp_config_parse_text(&cfg, "t.conf", conf, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	if (cp_setup_build(&obj, &cfg, 1, err, sizeof(err)) != 0)
		fail_msg("setup: %s", err);
	h_init(&h, 1, false);
	h.params.policy = &obj.policy;
	h_start(&h);
	h_client_init(&alice, "alice", "alicepass", 10, 40000);
	h_login(&h, &alice);
	assert_int_equal(h_allocate(&h, &alice, 0, NULL), 0);

	assert_int_equal(create_permission(&gw, 1), want_gw);
	assert_int_equal(channel_bind(0x4000, &gw), want_gw);
	assert_int_equal(create_permission(&lan, 1), want_lan);
	assert_int_equal(create_permission(&outside, 1), 0);
	refused = (want_gw != 0) * 2 + (want_lan != 0);
	assert_int_equal(stats()->peers_refused[PEER_DENIED_LOCAL], refused);
	h_fini(&h);
	cp_setup_free(&obj);
	tp_config_free(&cfg);
}

static void
test_local_network_refused(void **state)
{
	(void)state;
	local_network_case("", 403, 403);
	/* An allow range names one host: that one only. */
	local_network_case("allowed-peer-ip=81.2.69.77\n", 403, 0);
	local_network_case("allowed-peer-ip=81.2.69.0/24\n", 0, 0);
}

/*
 * A gateway of each family: both are the server's own network, refused as
 * peers (3b) beside their public neighbours, and each is the fast path's
 * gateway of its family.  Before gateway took one line per family, the
 * IPv6 one could not be given alongside the IPv4 one at all.
 */
static void
test_gateways_both_families(void **state)
{
	static const char conf[] = "relay-ip=198.51.100.1\n"
				   "relay-ip=2a00:1450:4001::10\n"
				   "realm=" H_REALM "\n"
				   "use-auth-secret\nstatic-auth-secret=x\n"
				   "gateway=2a00:1450:4001::1\n"
				   "gateway=81.2.69.1\n";
	struct tp_ip gw4, gw6, near4, near6;
	struct tp_config cfg;
	struct cp_objects obj;
	char err[256];

	(void)state;
	assert_int_equal(tp_ip_parse(&gw4, "81.2.69.1"), 0);
	assert_int_equal(tp_ip_parse(&gw6, "2a00:1450:4001::1"), 0);
	assert_int_equal(tp_ip_parse(&near4, "81.2.69.2"), 0);
	assert_int_equal(tp_ip_parse(&near6, "2a00:1450:4001::2"), 0);
	if (tp_config_parse_text(&cfg, "t.conf", conf, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	if (cp_setup_build(&obj, &cfg, 1, err, sizeof(err)) != 0)
		fail_msg("setup: %s", err);
	assert_int_equal(peer_policy_check(&obj.policy, &gw4), PEER_DENIED_LOCAL);
	assert_int_equal(peer_policy_check(&obj.policy, &gw6), PEER_DENIED_LOCAL);
	assert_int_equal(peer_policy_check(&obj.policy, &near4), PEER_ALLOWED);
	assert_int_equal(peer_policy_check(&obj.policy, &near6), PEER_ALLOWED);
	assert_true(tp_ip_equal(&obj.plane.gateway, &gw4));
	assert_true(tp_ip_equal(&obj.plane.gateway6, &gw6));
	cp_setup_free(&obj);
	tp_config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permission_success),
		cmocka_unit_test(test_permission_refused_is_all_or_nothing),
		cmocka_unit_test(test_permission_errors),
		cmocka_unit_test(test_permission_limit_508),
		cmocka_unit_test(test_channel_bind),
		cmocka_unit_test(test_channel_refused_peers),
		cmocka_unit_test(test_channel_quarantine),
		cmocka_unit_test(test_channel_limit_508),
		cmocka_unit_test(test_local_network_refused),
		cmocka_unit_test(test_gateways_both_families),
		cmocka_unit_test(test_peer_blocks_508),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
