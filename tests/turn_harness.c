/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for the TURN server: see turn_harness.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "auth_longterm.h"
#include "turn_harness.h"

uint64_t h_unix_now = 1700000000;

static uint64_t
h_clock(void)
{
	return h_unix_now;
}

static struct h_event *
h_push(struct harness *h, enum h_event_kind kind, uint16_t worker)
{
	struct h_event *e;

	assert_true(h->n_ev < H_MAX_EVENTS);
	e = &h->ev[h->n_ev++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->worker = worker;
	return e;
}

static void
sink_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct harness *h = ctx;

	assert_true(worker < h->params.n_workers);
	h_push(h, H_CMD, worker)->cmd = *cmd;
}

static void
sink_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	   const struct tp_addr *to, const struct tp_addr *from,
	   const uint8_t *msg, size_t len)
{
	struct harness *h = ctx;
	struct h_event *e;

	assert_true(worker < h->params.n_workers);
	assert_true(len <= TURN_REPLY_MAX);
	e = h_push(h, H_REPLY, worker);
	memcpy(e->msg, msg, len);
	e->len = len;
	e->to = *to;
	e->from = *from;
	e->answers_request = req != NULL;
}

static void
sink_usage(void *ctx, const struct turn_usage *rec)
{
	struct harness *h = ctx;

	h_push(h, H_USAGE, 0)->usage = *rec;
}

static void
sink_status(void *ctx, const struct turn_status *ev)
{
	struct harness *h = ctx;
	struct h_status *s;

	assert_true(h->n_status < H_MAX_STATUS);
	assert_true(ev->user_len <= TURN_USERNAME_MAX);
	assert_true(strlen(ev->realm) < sizeof(s->realm));
	s = &h->status[h->n_status++];
	s->ev = *ev;
	memcpy(s->user, ev->user, ev->user_len);
	s->user[ev->user_len] = '\0';
	s->ev.user = (const uint8_t *)s->user;
	strcpy(s->realm, ev->realm);
	s->ev.realm = s->realm;
}

struct tp_addr
h_addr(const char *ip, uint16_t port)
{
	struct tp_addr a = { .port = port };

	assert_int_equal(tp_ip_parse(&a.ip, ip), 0);
	return a;
}

void
h_init(struct harness *h, uint16_t n_workers, bool no_auth)
{
	memset(h, 0, sizeof(*h));
	h->sink.ctx = h;
	h->sink.cmd = sink_cmd;
	h->sink.reply = sink_reply;
	h->sink.usage = sink_usage;
	h->sink.status = sink_status;
	h->params.n_workers = n_workers;
	h->params.allocs_per_worker = 64;
	h->params.relay_ips[0] = h_addr("198.51.100.1", 0).ip;
	h->params.n_relay_ips = 1;
	h->params.min_port = 50000;
	h->params.max_port = 50999;
	h->params.software = H_SOFTWARE;
	h->params.max_bps = 125000;
	h->params.unix_time = h_clock;
	h->now_ms = 1000000;
	if (no_auth)
		return;
	/* The nonce features and offer the server runs with (cp_setup.c). */
	assert_int_equal(nonce_ctx_init(&h->nonce, 600,
					auth_algorithm_nonce_features(false)),
			 0);
	assert_int_equal(auth_user_db_init(&h->users, H_REALM, strlen(H_REALM)),
			 0);
	assert_int_equal(auth_user_db_add(&h->users, "alice:alicepass"), 0);
	assert_int_equal(auth_user_db_add(&h->users, "bob:bobpass"), 0);
	h->auth.realm = H_REALM;
	h->auth.server_name = H_REALM;
	h->auth.users = &h->users;
	h->auth.nonce = &h->nonce;
	h->auth.sha256 = true; /* as cp_setup.c */
	h->auth.software = H_SOFTWARE;
	h->params.auth = &h->auth;
}

void
h_start(struct harness *h)
{
	h->srv = turn_server_create(&h->params, &h->sink);
	assert_non_null(h->srv);
}

void
h_fini(struct harness *h)
{
	turn_server_destroy(h->srv);
	h->srv = NULL;
	if (h->params.auth != NULL)
		auth_user_db_free(&h->users);
}

void
h_client_init(struct h_client *c, const char *user, const char *pass,
	      uint8_t host, uint16_t port)
{
	char ip[32];

	memset(c, 0, sizeof(*c));
	snprintf(ip, sizeof(ip), "192.0.2.%u", host);
	c->addr = h_addr(ip, port);
	c->local = h_addr("203.0.113.1", 3478);
	c->user = user;
	if (user != NULL)
		assert_int_equal(auth_lt_key_md5(user, strlen(user), H_REALM,
						 strlen(H_REALM), pass,
						 strlen(pass), c->key),
				 0);
}

void
h_req_begin(struct h_client *c, struct stun_builder *b, uint8_t *buf,
	    size_t cap, uint16_t method)
{
	assert_int_equal(RAND_bytes(c->tid, sizeof(c->tid)), 1);
	stun_build_init(b, buf, cap, stun_type(method, STUN_CLASS_REQUEST),
			c->tid);
}

size_t
h_req_end(struct h_client *c, struct stun_builder *b)
{
	int n;

	if (c->user != NULL && c->nonce_len > 0) {
		stun_build_attr(b, STUN_ATTR_USERNAME, c->user, strlen(c->user));
		stun_build_attr(b, STUN_ATTR_REALM, H_REALM, strlen(H_REALM));
		stun_build_attr(b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
		stun_build_integrity(b, c->key, sizeof(c->key));
	}
	stun_build_fingerprint(b);
	n = stun_build_finish(b);
	assert_true(n > 0);
	return (size_t)n;
}

void
h_send(struct harness *h, const struct h_client *c, const uint8_t *buf, size_t len)
{
	struct turn_packet pkt = {
		.data = buf,
		.len = len,
		.client = c->addr,
		.local = c->local,
		.client_mac = { 2, 0, 0, 0, 0, 7 },
		.transport = c->transport,
		.conn = c->conn,
	};

	pkt.worker = dp_owner_of_client(&c->addr, h->params.n_workers);
	turn_server_handle(h->srv, &pkt, h->now_ms);
}

int
h_find(const struct harness *h, int from, enum h_event_kind kind)
{
	for (int i = from; i < h->n_ev; i++)
		if (h->ev[i].kind == kind)
			return i;
	return -1;
}

const struct h_event *
h_last_reply(const struct harness *h, struct stun_msg *msg)
{
	for (int i = h->n_ev - 1; i >= 0; i--) {
		if (h->ev[i].kind != H_REPLY)
			continue;
		assert_int_equal(stun_msg_decode(msg, h->ev[i].msg, h->ev[i].len),
				 STUN_OK);
		return &h->ev[i];
	}
	fail_msg("no reply");
	return NULL;
}

uint16_t
h_code(const struct stun_msg *msg)
{
	const char *reason;
	uint16_t code = 0, rlen;

	if (msg->cls == STUN_CLASS_SUCCESS)
		return 0;
	assert_int_equal(msg->cls, STUN_CLASS_ERROR);
	assert_int_equal(stun_msg_get_error(msg, &code, &reason, &rlen), 0);
	return code;
}

int
h_count_cmds(const struct harness *h, int from, uint32_t type)
{
	int n = 0;

	for (int i = from; i < h->n_ev; i++)
		if (h->ev[i].kind == H_CMD && h->ev[i].cmd.type == type)
			n++;
	return n;
}

void
h_login(struct harness *h, struct h_client *c)
{
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;
	const uint8_t *v;
	uint16_t len = 0;
	const char *saved = c->user;

	c->user = NULL; /* no credentials: draws the challenge */
	h_req_begin(c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	h_send(h, c, buf, h_req_end(c, &b));
	c->user = saved;
	h_last_reply(h, &m);
	assert_int_equal(h_code(&m), 401);
	v = stun_msg_value(&m, STUN_SLOT_NONCE, &len);
	assert_non_null(v);
	assert_true(len < sizeof(c->nonce));
	memcpy(c->nonce, v, len);
	c->nonce_len = len;
}

uint16_t
h_allocate(struct harness *h, struct h_client *c, uint32_t lifetime,
	   struct tp_addr *relay)
{
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;

	h_req_begin(c, &b, buf, sizeof(buf), STUN_METHOD_ALLOCATE);
	stun_build_transport(&b, H_UDP);
	if (lifetime != 0)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	h_send(h, c, buf, h_req_end(c, &b));
	h_last_reply(h, &m);
	if (h_code(&m) == 0 && relay != NULL)
		assert_int_equal(stun_msg_get_xor_addr(&m,
						       STUN_SLOT_XOR_RELAYED_ADDRESS,
						       relay),
				 0);
	return h_code(&m);
}

uint16_t
h_peer_request(struct harness *h, struct h_client *c, uint16_t method,
	       const struct tp_addr *peers, int n, uint16_t channel)
{
	uint8_t buf[2048];
	struct stun_builder b;
	struct stun_msg m;

	h_req_begin(c, &b, buf, sizeof(buf), method);
	if (channel != 0)
		stun_build_channel(&b, channel);
	for (int i = 0; i < n; i++)
		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peers[i]);
	h_send(h, c, buf, h_req_end(c, &b));
	h_last_reply(h, &m);
	return h_code(&m);
}

uint16_t
h_refresh(struct harness *h, struct h_client *c, uint32_t lifetime)
{
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg m;

	h_req_begin(c, &b, buf, sizeof(buf), STUN_METHOD_REFRESH);
	if (lifetime != UINT32_MAX)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	h_send(h, c, buf, h_req_end(c, &b));
	h_last_reply(h, &m);
	return h_code(&m);
}

size_t
h_token_mint(const struct auth_oauth_key *key, const uint8_t *mac_key,
	     uint8_t *out, size_t cap)
{
	struct oauth_token tok = { .mac_key_len = 20, .lifetime = 3600 };
	uint8_t nonce[OAUTH_NONCE_LEN];
	int n;

	memcpy(tok.mac_key, mac_key, 20);
	tok.timestamp = oauth_timestamp_make(h_unix_now, 0);
	assert_int_equal(RAND_bytes(nonce, sizeof(nonce)), 1);
	n = oauth_token_encrypt(key->key, key->key_len, key->alg, H_REALM,
				nonce, &tok, out, cap);
	assert_true(n > 0);
	return (size_t)n;
}

uint16_t
h_token_request(struct harness *h, struct h_client *c, uint16_t method,
		const struct h_token_req *t)
{
	uint8_t buf[1024];
	struct stun_builder b;
	struct stun_msg m;
	int n;

	h_req_begin(c, &b, buf, sizeof(buf), method);
	if (method == STUN_METHOD_ALLOCATE)
		stun_build_transport(&b, H_UDP);
	if (t->lifetime != UINT32_MAX)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, t->lifetime);
	if (t->channel != 0)
		stun_build_channel(&b, t->channel);
	if (t->peer != NULL)
		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, t->peer);
	stun_build_attr(&b, STUN_ATTR_USERNAME, t->kid, strlen(t->kid));
	stun_build_attr(&b, STUN_ATTR_REALM, H_REALM, strlen(H_REALM));
	stun_build_attr(&b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
	if (t->token != NULL)
		stun_build_attr(&b, STUN_ATTR_ACCESS_TOKEN, t->token,
				t->token_len);
	stun_build_integrity(&b, t->mac_key, t->mac_len);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	h_send(h, c, buf, (size_t)n);
	h_last_reply(h, &m);
	return h_code(&m);
}
