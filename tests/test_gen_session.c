/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen's TURN client without DPDK: the address plan
 * (tools/gen/gen_plan.c), the credentials (gen_auth.c) and the session
 * state machine (gen_session.c), driven with server responses built here.
 * Keys are computed independently with OpenSSL (MD5 of user:realm:password,
 * HMAC-SHA1 for REST passwords) and tokens are opened with the token codec,
 * so a request is only accepted if a server could verify it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../tools/gen/gen_session.h"
#include "turnpike/oauth_token.h"

#define HZ 1000 /* ticks are milliseconds */
#define REALM "gen.test"
#define NONCE1 "nonce-one-0123456789"
#define NONCE2 "nonce-two-abcdefghij"

static struct gen_plan plan;
static struct gen_auth auth;
static struct gen_sess_ctx ctx;
static uint8_t req[1500], rsp[1500];
static struct stun_msg req_msg, rsp_msg;

static void
ip_range(struct tp_ip_range *r, const char *text)
{
	assert_int_equal(tp_ip_range_parse(r, text), 0);
}

static void
plan_make(uint32_t clients, uint32_t peers)
{
	struct gen_plan_params p = {
		.n_clients = clients,
		.n_peers = peers,
		.client_port0 = 10000,
		.peer_port0 = 20000,
	};
	char err[128];

	ip_range(&p.client_net, "198.18.0.0/24");
	ip_range(&p.peer_net, "198.19.0.0/24");
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), 0);
}

/* A context with @kind credentials over 4 clients and 2 peers. */
static void
setup_kind(enum gen_auth_kind kind)
{
	struct gen_auth_params ap = {
		.kind = kind,
		.user = "alice",
		.password = "wonderland",
		.secret = "rest-secret",
		.rest_ttl_s = 3600,
		.oauth_kid = "north",
		.oauth_key_b64 = "MTIzNDU2Nzg5MDEyMzQ1Ng==",
		.oauth_lifetime_s = 3600,
		.now_unix = 1700000000,
	};
	struct tp_addr server = { .port = 3478 };
	char err[128];

	plan_make(4, 2);
	assert_int_equal(tp_ip_parse(&server.ip, "198.18.255.1"), 0);
	assert_int_equal(gen_auth_init(&auth, &ap, err, sizeof(err)), 0);
	gen_sess_ctx_init(&ctx, &auth, &plan, &server, HZ);
	memcpy(ctx.tid_prefix, "\x11\x22\x33\x44", 4);
	ctx.now_unix = 1700000000;
}

/* MD5(user ":" realm ":" password), the long-term key (RFC 8489 9.2.2). */
static void
md5_key(const char *user, const char *pass, uint8_t key[16])
{
	char text[600];
	unsigned int len = 16;

	snprintf(text, sizeof(text), "%s:%s:%s", user, REALM, pass);
	assert_int_equal(EVP_Digest(text, strlen(text), key, &len, EVP_md5(),
				    NULL),
			 1);
}

/* Build and decode the session's request. */
static void
request(struct gen_session *s, uint32_t idx)
{
	int len = gen_session_request(&ctx, s, idx, req, sizeof(req));

	assert_true(len > 0);
	assert_int_equal(stun_msg_decode(&req_msg, req, (size_t)len), STUN_OK);
	assert_int_equal(req_msg.cls, STUN_CLASS_REQUEST);
}

/* Build a response to the last request and decode it into rsp_msg. */
enum {
	R_NONE = 0,
	R_REALM = 1,
	R_NONCE2 = 2,
	R_RELAY = 4,
	R_LIFETIME = 8
};
static void
respond(uint8_t cls, uint16_t code, int what, const uint8_t *key, size_t key_len)
{
	struct stun_builder b;
	struct tp_addr relay = { .port = 50000 };
	int len;

	stun_build_init(&b, rsp, sizeof(rsp), stun_type(req_msg.method, cls),
			req_msg.tid);
	if (code != 0)
		stun_build_error(&b, code, NULL);
	if (what & R_REALM) {
		stun_build_attr(&b, STUN_ATTR_REALM, REALM, strlen(REALM));
		stun_build_attr(&b, STUN_ATTR_NONCE,
				what & R_NONCE2 ? NONCE2 : NONCE1,
				strlen(NONCE1));
	}
	if (what & R_RELAY) {
		assert_int_equal(tp_ip_parse(&relay.ip, "198.18.255.1"), 0);
		stun_build_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &relay);
	}
	if (what & R_LIFETIME)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
	if (key != NULL)
		stun_build_integrity(&b, key, key_len);
	len = stun_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(stun_msg_decode(&rsp_msg, rsp, (size_t)len), STUN_OK);
}

static void
assert_attr_str(const struct stun_msg *m, enum stun_attr_slot slot,
		const char *want)
{
	uint16_t len = 0;
	const uint8_t *v = stun_msg_value(m, slot, &len);

	assert_non_null(v);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
}

/* Walk session @idx of an lt context from IDLE to READY at t = 100. */
static void
lt_to_ready(struct gen_session *s, uint32_t idx, uint8_t key[16])
{
	md5_key("alice", "wonderland", key);
	assert_int_equal(gen_session_start(&ctx, s, 100), GEN_EV_SEND);
	request(s, idx);
	gen_session_sent(&ctx, s, 100);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, s, idx, &rsp_msg, 100),
			 GEN_EV_SEND);
	request(s, idx);
	gen_session_sent(&ctx, s, 100);
	respond(STUN_CLASS_SUCCESS, 0, R_RELAY | R_LIFETIME, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, s, idx, &rsp_msg, 100),
			 GEN_EV_SEND);
	request(s, idx);
	gen_session_sent(&ctx, s, 100);
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, s, idx, &rsp_msg, 100),
			 GEN_EV_READY);
	assert_int_equal(s->state, GEN_SS_READY);
}

static void
test_plan(void **state)
{
	struct gen_plan_params p = { .n_clients = 300,
				     .n_peers = 3,
				     .client_port0 = 10000,
				     .peer_port0 = 20000 };
	struct tp_addr a;
	struct tp_ip ip;
	char err[160];

	(void)state;
	ip_range(&p.client_net, "198.18.0.0/24");
	ip_range(&p.peer_net, "198.19.0.0/30");
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), 0);
	/* 254 host addresses (.1-.254), then the next port. */
	assert_int_equal(plan.n_client_ips, 254);
	gen_plan_client(&plan, 0, &a);
	assert_int_equal(tp_ip_v4_host(&a.ip), 0xC6120001u);
	assert_int_equal(a.port, 10000);
	gen_plan_client(&plan, 253, &a);
	assert_int_equal(tp_ip_v4_host(&a.ip), 0xC61200FEu);
	gen_plan_client(&plan, 254, &a);
	assert_int_equal(tp_ip_v4_host(&a.ip), 0xC6120001u);
	assert_int_equal(a.port, 10001);
	for (uint32_t i = 0; i < 300; i++) {
		gen_plan_client(&plan, i, &a);
		assert_int_equal(gen_plan_client_index(&plan, &a), i);
		assert_int_equal(gen_plan_peer_index(&plan, &a), -1);
	}
	/* Past the last client on its port: not ours. */
	a.port = 10001;
	a.ip = tp_ip_v4(0xC6120001u + 46);
	assert_int_equal(gen_plan_client_index(&plan, &a), -1);
	/* A /30 has two hosts: three peers use two IPs, the third a new port. */
	assert_int_equal(plan.n_peer_ips, 2);
	gen_plan_peer(&plan, 2, &a);
	assert_int_equal(tp_ip_v4_host(&a.ip), 0xC6130001u);
	assert_int_equal(a.port, 20001);
	assert_int_equal(gen_plan_peer_index(&plan, &a), 2);
	assert_int_equal(gen_plan_peer_of(&plan, 7), 1);
	assert_int_equal(tp_ip_parse(&ip, "198.19.0.2"), 0);
	assert_true(gen_plan_owns_ip(&plan, &ip));
	assert_int_equal(tp_ip_parse(&ip, "198.19.0.3"), 0); /* broadcast */
	assert_false(gen_plan_owns_ip(&plan, &ip));

	/* Overlapping nets, too few ports, IPv6, more IPs than hosts. */
	ip_range(&p.peer_net, "198.18.0.128/25");
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), -EINVAL);
	ip_range(&p.peer_net, "198.19.0.0/30");
	p.client_port0 = 65535;
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), -EINVAL);
	p.client_port0 = 10000;
	ip_range(&p.client_net, "198.18.0.7/32");
	p.n_client_ips = 2;
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), -EINVAL);
	p.n_client_ips = 0;
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), 0);
	gen_plan_client(&plan, 299, &a);
	assert_int_equal(tp_ip_v4_host(&a.ip), 0xC6120007u);
	assert_int_equal(a.port, 10299);
}

/* @a = @ip, @port. */
static void
addr_set(struct tp_addr *a, const char *ip, uint16_t port)
{
	assert_int_equal(tp_ip_parse(&a->ip, ip), 0);
	a->port = port;
}

/* IPv6 nets: within one /96, the index in the low 32 bits, the all-zero
 * first address skipped; a client of one family, peers of the other. */
static void
test_plan_ipv6(void **state)
{
	struct gen_plan_params p = { .n_clients = 70000,
				     .n_peers = 3,
				     .client_port0 = 10000,
				     .peer_port0 = 20000 };
	struct tp_addr a, want;
	struct tp_ip ip;
	char err[160];

	(void)state;
	ip_range(&p.client_net, "2001:db8:c::/112");
	ip_range(&p.peer_net, "198.19.0.0/30");
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), 0);
	assert_int_equal(plan.client_family, TP_AF_INET6);
	assert_int_equal(plan.peer_family, TP_AF_INET);
	assert_int_equal(plan.n_client_ips, 65535); /* ::1 to ::ffff */
	gen_plan_client(&plan, 0, &a);
	addr_set(&want, "2001:db8:c::1", 10000);
	assert_true(tp_addr_equal(&a, &want));
	gen_plan_client(&plan, 65535, &a); /* the first IP's next port */
	addr_set(&want, "2001:db8:c::1", 10001);
	assert_true(tp_addr_equal(&a, &want));
	for (uint32_t i = 0; i < 70000; i += 997) {
		gen_plan_client(&plan, i, &a);
		assert_int_equal(gen_plan_client_index(&plan, &a), i);
		assert_int_equal(gen_plan_peer_index(&plan, &a), -1);
	}
	/* Under another /96, or IPv4 with the same low bits: not ours. */
	addr_set(&a, "2001:db8:d::1", 10000);
	assert_int_equal(gen_plan_client_index(&plan, &a), -1);
	a.ip = tp_ip_v4(1);
	assert_int_equal(gen_plan_client_index(&plan, &a), -1);
	assert_int_equal(tp_ip_parse(&ip, "2001:db8:c::ffff"), 0);
	assert_true(gen_plan_owns_ip(&plan, &ip));
	assert_int_equal(tp_ip_parse(&ip, "2001:db8:c::"), 0); /* anycast */
	assert_false(gen_plan_owns_ip(&plan, &ip));
	assert_int_equal(tp_ip_parse(&ip, "2001:db8:c::1:0"), 0);
	assert_false(gen_plan_owns_ip(&plan, &ip));

	/* A /64: its first /96 is used. */
	ip_range(&p.peer_net, "2001:db8:e::/64");
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), 0);
	gen_plan_peer(&plan, 2, &a);
	addr_set(&want, "2001:db8:e::3", 20000);
	assert_true(tp_addr_equal(&a, &want));
	assert_int_equal(gen_plan_peer_index(&plan, &a), 2);
	/* The same /96 for clients and peers, overlapping: refused. */
	ip_range(&p.peer_net, "2001:db8:c::80/121");
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), -EINVAL);
	/* Mixed families in one range: refused. */
	p.peer_net.hi = tp_ip_v4(0xC6130003u);
	assert_int_equal(gen_plan_init(&plan, &p, err, sizeof(err)), -EINVAL);
}

static void
test_lt_channel_setup(void **state)
{
	struct gen_session s;
	struct tp_addr peer, want_peer, relay;
	uint8_t key[16];
	uint16_t ch;
	uint32_t lifetime;

	(void)state;
	setup_kind(GEN_AUTH_LT);
	md5_key("alice", "wonderland", key);
	gen_session_init(&s, 3, true);
	assert_int_equal(s.channel, 0x4003);
	assert_false(gen_session_waiting(&s));
	assert_int_equal(gen_session_start(&ctx, &s, 100), GEN_EV_SEND);
	assert_true(gen_session_waiting(&s));

	/* 1. Allocate without credentials. */
	request(&s, 3);
	assert_int_equal(req_msg.method, STUN_METHOD_ALLOCATE);
	assert_memory_equal(req_msg.tid, "\x11\x22\x33\x44\x00\x00\x00\x03", 8);
	assert_int_equal(gen_session_index_of_tid(&ctx, req_msg.tid), 3);
	assert_true(stun_msg_has(&req_msg, STUN_SLOT_REQUESTED_TRANSPORT));
	assert_false(stun_msg_has(&req_msg, STUN_SLOT_USERNAME));
	assert_int_equal(req_msg.mi_off, 0);
	gen_session_sent(&ctx, &s, 100);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 3, &rsp_msg, 110),
			 GEN_EV_SEND);
	assert_int_equal(s.state, GEN_SS_ALLOCATE);

	/* 2. Allocate with USERNAME, REALM, NONCE and a verifiable MI. */
	request(&s, 3);
	assert_int_equal(req_msg.method, STUN_METHOD_ALLOCATE);
	assert_attr_str(&req_msg, STUN_SLOT_USERNAME, "alice");
	assert_attr_str(&req_msg, STUN_SLOT_REALM, REALM);
	assert_attr_str(&req_msg, STUN_SLOT_NONCE, NONCE1);
	assert_true(stun_msg_check_integrity(&req_msg, key, 16));
	gen_session_sent(&ctx, &s, 110);
	respond(STUN_CLASS_SUCCESS, 0, R_RELAY | R_LIFETIME, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 3, &rsp_msg, 120),
			 GEN_EV_SEND);
	assert_int_equal(s.state, GEN_SS_BIND);
	assert_int_equal(s.relay.port, 50000);
	assert_int_equal(s.t_alloc, 120 + 300 * HZ); /* half of LIFETIME 600 */

	/* 3. ChannelBind for peer 3 % 2 = 1, signed. */
	request(&s, 3);
	assert_int_equal(req_msg.method, STUN_METHOD_CHANNEL_BIND);
	assert_int_equal(stun_msg_get_channel(&req_msg, &ch), 0);
	assert_int_equal(ch, 0x4003);
	assert_int_equal(stun_msg_get_xor_addr(&req_msg,
					       STUN_SLOT_XOR_PEER_ADDRESS, &peer),
			 0);
	gen_plan_peer(&plan, 1, &want_peer);
	assert_true(tp_addr_equal(&peer, &want_peer));
	assert_true(stun_msg_check_integrity(&req_msg, key, 16));
	gen_session_sent(&ctx, &s, 120);
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 3, &rsp_msg, 130),
			 GEN_EV_READY);
	assert_int_equal(s.state, GEN_SS_READY);
	assert_false(gen_session_waiting(&s));
	assert_int_equal(s.t_start, 100);
	assert_int_equal(s.t_ready, 130);
	assert_int_equal(s.t_perm, 130 + 240 * HZ);
	assert_int_equal(s.t_chan, 130 + 480 * HZ);
	assert_int_equal(ctx.c[GEN_SC_requests], 3);
	assert_int_equal(ctx.c[GEN_SC_responses], 3);

	/* A late duplicate of the last response changes nothing. */
	assert_int_equal(gen_session_on_response(&ctx, &s, 3, &rsp_msg, 140),
			 GEN_EV_IGNORED);
	assert_int_equal(ctx.c[GEN_SC_stale_responses], 1);

	/* LIFETIME asked for when configured; relay kept. */
	relay = s.relay;
	ctx.lifetime_s = 1200;
	assert_int_equal(gen_session_on_timer(&ctx, &s, s.t_alloc, true),
			 GEN_EV_SEND);
	request(&s, 3);
	assert_int_equal(req_msg.method, STUN_METHOD_REFRESH);
	assert_int_equal(stun_msg_get_u32(&req_msg, STUN_SLOT_LIFETIME, &lifetime),
			 0);
	assert_int_equal(lifetime, 1200);
	assert_true(tp_addr_equal(&relay, &s.relay));
}

static void
test_send_mode_and_noauth(void **state)
{
	struct gen_session s;
	struct tp_addr peer, want_peer;

	(void)state;
	setup_kind(GEN_AUTH_NONE);
	gen_session_init(&s, 0, false);
	assert_int_equal(s.channel, 0);
	gen_session_start(&ctx, &s, 5);
	request(&s, 0);
	gen_session_sent(&ctx, &s, 5);
	/* A no-auth server allocates at once: no challenge, no integrity. */
	respond(STUN_CLASS_SUCCESS, 0, R_RELAY, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 6),
			 GEN_EV_SEND);
	assert_int_equal(s.state, GEN_SS_PERMIT);
	assert_int_equal(s.t_alloc, 6 + GEN_DEFAULT_LIFETIME_S / 2 * HZ);
	request(&s, 0);
	assert_int_equal(req_msg.method, STUN_METHOD_CREATE_PERMISSION);
	assert_false(stun_msg_has(&req_msg, STUN_SLOT_USERNAME));
	assert_int_equal(req_msg.mi_off, 0);
	assert_false(stun_msg_has(&req_msg, STUN_SLOT_CHANNEL_NUMBER));
	assert_int_equal(stun_msg_get_xor_addr(&req_msg,
					       STUN_SLOT_XOR_PEER_ADDRESS, &peer),
			 0);
	gen_plan_peer(&plan, 0, &want_peer);
	assert_true(tp_addr_equal(&peer, &want_peer));
	gen_session_sent(&ctx, &s, 6);
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 7),
			 GEN_EV_READY);
	assert_int_equal(s.t_chan, 0);

	/* Without credentials a 401 is a failure, counted by its code. */
	gen_session_init(&s, 1, false);
	gen_session_start(&ctx, &s, 5);
	request(&s, 1);
	gen_session_sent(&ctx, &s, 5);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 1, &rsp_msg, 6),
			 GEN_EV_FAILED);
	assert_int_equal(s.fail_code, 401);
	assert_int_equal(ctx.failed[401], 1);
}

static void
test_retransmission(void **state)
{
	static const uint64_t sends[] = { 0, 500, 1500, 3500, 7500, 15500, 31500 };
	struct gen_session s;
	uint8_t first[1500];
	int len;

	(void)state;
	setup_kind(GEN_AUTH_LT);
	gen_session_init(&s, 2, true);
	gen_session_start(&ctx, &s, 0);
	len = gen_session_request(&ctx, &s, 2, first, sizeof(first));
	assert_true(len > 0);
	/* RFC 8489 6.2.1 with RTO 500 ms, Rc 7: sends at 0, 500, 1500, 3500,
	 * 7500, 15500, 31500 ms; failure 16 RTO after the last, at 39500. */
	for (size_t i = 0; i < sizeof(sends) / sizeof(sends[0]); i++) {
		gen_session_sent(&ctx, &s, sends[i]);
		assert_int_equal(gen_session_request(&ctx, &s, 2, req,
						     sizeof(req)),
				 len);
		assert_memory_equal(req, first, (size_t)len); /* same bytes */
		if (i + 1 < sizeof(sends) / sizeof(sends[0])) {
			assert_int_equal(gen_session_on_timer(&ctx, &s,
							      sends[i + 1] - 1,
							      true),
					 GEN_EV_NONE);
			assert_int_equal(gen_session_on_timer(&ctx, &s,
							      sends[i + 1], true),
					 GEN_EV_RETRANSMIT);
		}
	}
	assert_int_equal(gen_session_on_timer(&ctx, &s, 39499, true),
			 GEN_EV_NONE);
	assert_int_equal(gen_session_on_timer(&ctx, &s, 39500, true),
			 GEN_EV_FAILED);
	assert_int_equal(s.state, GEN_SS_FAILED);
	assert_int_equal(ctx.failed[GEN_FAIL_TIMEOUT], 1);
	assert_int_equal(ctx.c[GEN_SC_requests], 1);
	assert_int_equal(ctx.c[GEN_SC_retransmits], 6);
	assert_int_equal(gen_session_on_timer(&ctx, &s, 99999, true),
			 GEN_EV_NONE);
}

static void
test_errors_and_stale_nonce(void **state)
{
	struct gen_session s;
	uint8_t key[16];
	uint32_t txn;

	(void)state;
	setup_kind(GEN_AUTH_LT);
	md5_key("alice", "wonderland", key);
	gen_session_init(&s, 0, true);
	gen_session_start(&ctx, &s, 0);
	request(&s, 0);
	gen_session_sent(&ctx, &s, 0);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	gen_session_on_response(&ctx, &s, 0, &rsp_msg, 1);

	/* 438: take the new nonce, same request again, new transaction. */
	request(&s, 0);
	gen_session_sent(&ctx, &s, 1);
	txn = s.txn;
	respond(STUN_CLASS_ERROR, 438, R_REALM | R_NONCE2, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 2),
			 GEN_EV_SEND);
	assert_int_equal(s.state, GEN_SS_ALLOCATE);
	assert_int_equal(s.txn, txn + 1);
	request(&s, 0);
	assert_attr_str(&req_msg, STUN_SLOT_NONCE, NONCE2);
	assert_true(stun_msg_check_integrity(&req_msg, key, 16));
	assert_int_equal(ctx.c[GEN_SC_stale_nonce], 1);
	/* ... but not forever. */
	for (int i = 0; i < GEN_STALE_RETRIES - 1; i++) {
		gen_session_sent(&ctx, &s, 3);
		respond(STUN_CLASS_ERROR, 438, R_REALM, NULL, 0);
		assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 3),
				 GEN_EV_SEND);
		request(&s, 0);
	}
	gen_session_sent(&ctx, &s, 4);
	respond(STUN_CLASS_ERROR, 438, R_REALM, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 4),
			 GEN_EV_FAILED);
	assert_int_equal(ctx.failed[438], 1);

	/* Quota reached: counted under 486. */
	gen_session_init(&s, 1, true);
	gen_session_start(&ctx, &s, 0);
	request(&s, 1);
	gen_session_sent(&ctx, &s, 0);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	gen_session_on_response(&ctx, &s, 1, &rsp_msg, 1);
	request(&s, 1);
	gen_session_sent(&ctx, &s, 1);
	respond(STUN_CLASS_ERROR, 486, R_NONE, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 1, &rsp_msg, 2),
			 GEN_EV_FAILED);
	assert_int_equal(ctx.failed[486], 1);
	assert_int_equal(s.fail_code, 486);
}

static void
test_forged_and_foreign_responses(void **state)
{
	struct gen_session s;
	uint8_t key[16], wrong[16] = { 0 };

	(void)state;
	setup_kind(GEN_AUTH_LT);
	md5_key("alice", "wonderland", key);
	gen_session_init(&s, 0, true);
	gen_session_start(&ctx, &s, 0);
	request(&s, 0);
	gen_session_sent(&ctx, &s, 0);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	gen_session_on_response(&ctx, &s, 0, &rsp_msg, 1);
	request(&s, 0);
	gen_session_sent(&ctx, &s, 1);

	/* Success under the wrong key: dropped, transaction still open. */
	respond(STUN_CLASS_SUCCESS, 0, R_RELAY, wrong, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 2),
			 GEN_EV_IGNORED);
	assert_int_equal(ctx.c[GEN_SC_bad_integrity], 1);
	assert_int_equal(s.state, GEN_SS_ALLOCATE);
	/* Another transaction's ID: dropped. */
	respond(STUN_CLASS_SUCCESS, 0, R_RELAY, key, 16);
	rsp[19] ^= 1;
	assert_int_equal(stun_msg_decode(&rsp_msg, rsp, rsp_msg.len), STUN_OK);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 2),
			 GEN_EV_IGNORED);
	/* A success without XOR-RELAYED-ADDRESS is unusable. */
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 2),
			 GEN_EV_FAILED);
	assert_int_equal(ctx.failed[GEN_FAIL_PROTOCOL], 1);
	/* Transaction IDs of another run name no session. */
	assert_int_equal(gen_session_index_of_tid(&ctx,
						  (const uint8_t *)"\x99\x22\x33\x44"
								   "\0\0\0\0\0\0\0\1"),
			 -1);
	assert_int_equal(gen_session_index_of_tid(&ctx,
						  (const uint8_t *)"\x11\x22\x33\x44"
								   "\0\0\0\x04\0\0\0\1"),
			 -1);
}

static void
test_keepalive_and_release(void **state)
{
	struct gen_session s;
	uint8_t key[16];
	uint32_t lifetime;
	uint64_t t;

	(void)state;
	setup_kind(GEN_AUTH_LT);
	gen_session_init(&s, 0, true);
	lt_to_ready(&s, 0, key);
	/* t_alloc = 100 + 300 s, t_perm = 100 + 240 s, t_chan = 100 + 480 s. */
	assert_int_equal(gen_session_on_timer(&ctx, &s, 100 + 239999, true),
			 GEN_EV_NONE);
	t = 100 + 240000;
	assert_int_equal(gen_session_on_timer(&ctx, &s, t, false), GEN_EV_NONE);
	assert_int_equal(gen_session_on_timer(&ctx, &s, t, true), GEN_EV_SEND);
	assert_int_equal(s.state, GEN_SS_PERMIT_REFRESH);
	request(&s, 0);
	assert_int_equal(req_msg.method, STUN_METHOD_CREATE_PERMISSION);
	gen_session_sent(&ctx, &s, t);
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, t),
			 GEN_EV_REFRESHED);
	assert_int_equal(s.t_perm, t + 240000);

	/* The allocation at half its lifetime. */
	t = 100 + 300000;
	assert_int_equal(gen_session_on_timer(&ctx, &s, t, true), GEN_EV_SEND);
	request(&s, 0);
	assert_int_equal(req_msg.method, STUN_METHOD_REFRESH);
	assert_false(stun_msg_has(&req_msg, STUN_SLOT_LIFETIME)); /* server default */
	gen_session_sent(&ctx, &s, t);
	respond(STUN_CLASS_SUCCESS, 0, R_LIFETIME, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, t),
			 GEN_EV_REFRESHED);
	assert_int_equal(s.t_alloc, t + 300000);

	/* The channel at 480 s, which refreshes the permission as well. */
	t = 100 + 480000;
	assert_int_equal(gen_session_on_timer(&ctx, &s, t, true), GEN_EV_SEND);
	assert_int_equal(s.state, GEN_SS_BIND_REFRESH);
	request(&s, 0);
	assert_int_equal(req_msg.method, STUN_METHOD_CHANNEL_BIND);
	gen_session_sent(&ctx, &s, t);
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, t),
			 GEN_EV_REFRESHED);
	assert_int_equal(s.t_chan, t + 480000);
	assert_int_equal(s.t_perm, t + 240000);
	assert_int_equal(ctx.c[GEN_SC_refreshes], 3);

	/* Release: Refresh with LIFETIME 0. */
	assert_int_equal(gen_session_release(&ctx, &s, t), GEN_EV_SEND);
	request(&s, 0);
	assert_int_equal(req_msg.method, STUN_METHOD_REFRESH);
	assert_int_equal(stun_msg_get_u32(&req_msg, STUN_SLOT_LIFETIME, &lifetime),
			 0);
	assert_int_equal(lifetime, 0);
	gen_session_sent(&ctx, &s, t);
	respond(STUN_CLASS_SUCCESS, 0, R_NONE, key, 16);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, t),
			 GEN_EV_RELEASED);
	assert_int_equal(s.state, GEN_SS_RELEASED);
	assert_int_equal(gen_session_release(&ctx, &s, t), GEN_EV_NONE);

	/* A keep-alive refused with 437: the allocation is lost. */
	gen_session_init(&s, 1, false);
	lt_to_ready(&s, 1, key);
	assert_int_equal(gen_session_on_timer(&ctx, &s, 100 + 240000, true),
			 GEN_EV_SEND);
	request(&s, 1);
	gen_session_sent(&ctx, &s, 100 + 240000);
	respond(STUN_CLASS_ERROR, 437, R_NONE, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 1, &rsp_msg,
						 100 + 240000),
			 GEN_EV_FAILED);
	assert_int_equal(ctx.c[GEN_SC_keepalive_failed], 1);
	assert_int_equal(ctx.failed[437], 0); /* not a set-up failure */
}

static void
test_rest_credentials(void **state)
{
	struct gen_session s;
	uint8_t mac[20], key[16];
	unsigned int mac_len = 20;
	char password[64];
	uint16_t len = 0;
	const char *user;

	(void)state;
	setup_kind(GEN_AUTH_REST);
	/* username = expiry ":" user, expiry = now + ttl. */
	assert_string_equal(auth.username, "1700003600:alice");
	gen_session_init(&s, 1, true);
	gen_session_start(&ctx, &s, 0);
	request(&s, 1);
	gen_session_sent(&ctx, &s, 0);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	gen_session_on_response(&ctx, &s, 1, &rsp_msg, 1);
	request(&s, 1);
	user = (const char *)stun_msg_value(&req_msg, STUN_SLOT_USERNAME, &len);
	assert_int_equal(len, strlen("1700003600:alice"));
	assert_memory_equal(user, "1700003600:alice", len);
	/* password = base64(HMAC-SHA1(secret, username)), computed here. */
	assert_non_null(HMAC(EVP_sha1(), "rest-secret", 11,
			     (const unsigned char *)"1700003600:alice", 16, mac,
			     &mac_len));
	assert_int_equal(EVP_EncodeBlock((unsigned char *)password, mac, 20), 28);
	md5_key("1700003600:alice", password, key);
	assert_true(stun_msg_check_integrity(&req_msg, key, 16));
}

/* The token in the request opens with the key and AAD = @aad, and its
 * mac_key verifies the request's MESSAGE-INTEGRITY. */
static void
check_oauth_request(const char *aad)
{
	static const uint8_t aes[16] = "1234567890123456";
	struct oauth_token tok;
	const uint8_t *t;
	uint16_t tlen = 0;

	assert_attr_str(&req_msg, STUN_SLOT_USERNAME, "north");
	t = stun_msg_value(&req_msg, STUN_SLOT_ACCESS_TOKEN, &tlen);
	assert_non_null(t);
	/* RFC 7635 section 5: ACCESS-TOKEN before MESSAGE-INTEGRITY. */
	assert_true(req_msg.attr[STUN_SLOT_ACCESS_TOKEN].off < req_msg.mi_off);
	assert_int_equal(oauth_token_decrypt(aes, 16, OAUTH_ALG_A128GCM, aad, t,
					     tlen, &tok),
			 0);
	assert_int_equal(tok.lifetime, 3600);
	assert_int_equal(oauth_timestamp_seconds(tok.timestamp),
			 auth.oauth_issued);
	assert_true(stun_msg_check_integrity(&req_msg, tok.mac_key,
					     tok.mac_key_len));
}

static void
test_oauth_credentials(void **state)
{
	struct gen_auth_params ap = {
		.kind = GEN_AUTH_OAUTH,
		.oauth_kid = "north",
		.oauth_key_b64 = "MTIzNDU2Nzg5MDEyMzQ1Ng==",
		.oauth_lifetime_s = 3600,
		.server_name = "turn1.gen.test",
		.now_unix = 1700000000,
	};
	struct gen_session s;
	char err[160];

	(void)state;
	/* No --server-name: the token is minted for the realm of the 401. */
	setup_kind(GEN_AUTH_OAUTH);
	assert_false(gen_auth_ready(&auth));
	gen_session_init(&s, 0, false);
	gen_session_start(&ctx, &s, 0);
	request(&s, 0);
	assert_false(stun_msg_has(&req_msg, STUN_SLOT_ACCESS_TOKEN));
	gen_session_sent(&ctx, &s, 0);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 0, &rsp_msg, 1),
			 GEN_EV_SEND);
	assert_true(gen_auth_ready(&auth));
	request(&s, 0);
	check_oauth_request(REALM);

	/* An explicit server name is the AAD, whatever the realm. */
	assert_int_equal(gen_auth_init(&auth, &ap, err, sizeof(err)), 0);
	assert_true(gen_auth_ready(&auth));
	gen_session_init(&s, 1, false);
	gen_session_start(&ctx, &s, 0);
	request(&s, 1);
	gen_session_sent(&ctx, &s, 0);
	respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
	assert_int_equal(gen_session_on_response(&ctx, &s, 1, &rsp_msg, 1),
			 GEN_EV_SEND);
	request(&s, 1);
	check_oauth_request("turn1.gen.test");

	/* A new token at 3/4 of the lifetime (turnpike caps allocations at
	 * the token's expiry): new mac_key, new issue time. */
	{
		uint8_t old_key[GEN_AUTH_KEY_MAX];

		memcpy(old_key, auth.key, auth.key_len);
		assert_int_equal(gen_auth_refresh(&auth, 1700000000 + 2699), 0);
		assert_int_equal(gen_auth_refresh(&auth, 1700000000 + 2700), 1);
		assert_int_equal(auth.oauth_issued, 1700000000 + 2700);
		assert_memory_not_equal(old_key, auth.key, auth.key_len);
		ctx.now_unix = 1700000000 + 2700;
		gen_session_init(&s, 2, false);
		gen_session_start(&ctx, &s, 0);
		request(&s, 2);
		gen_session_sent(&ctx, &s, 0);
		respond(STUN_CLASS_ERROR, 401, R_REALM, NULL, 0);
		gen_session_on_response(&ctx, &s, 2, &rsp_msg, 1);
		request(&s, 2);
		check_oauth_request("turn1.gen.test"); /* opens, MI verifies */
	}

	/* Options each kind needs; a key that does not fit the algorithm. */
	ap.oauth_alg = "A256GCM";
	assert_int_equal(gen_auth_init(&auth, &ap, err, sizeof(err)), -EINVAL);
	ap.oauth_alg = NULL;
	ap.oauth_key_b64 = "not base64!";
	assert_int_equal(gen_auth_init(&auth, &ap, err, sizeof(err)), -EINVAL);
	ap.kind = GEN_AUTH_LT;
	assert_int_equal(gen_auth_init(&auth, &ap, err, sizeof(err)), -EINVAL);
	ap.kind = GEN_AUTH_REST;
	assert_int_equal(gen_auth_init(&auth, &ap, err, sizeof(err)), -EINVAL);
	gen_auth_wipe(&auth);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_ipv6),
		cmocka_unit_test(test_lt_channel_setup),
		cmocka_unit_test(test_send_mode_and_noauth),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_errors_and_stale_nonce),
		cmocka_unit_test(test_forged_and_foreign_responses),
		cmocka_unit_test(test_keepalive_and_release),
		cmocka_unit_test(test_rest_credentials),
		cmocka_unit_test(test_oauth_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
