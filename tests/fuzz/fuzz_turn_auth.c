/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TURN handlers behind authentication.  The server
 * runs with all three mechanisms (a long-term user, a REST secret, an
 * OAuth key); the harness signs what the fuzzer writes, so the requests
 * reach Allocate, Refresh, CreatePermission and ChannelBind with fuzzed
 * attributes instead of stopping at the 401.
 *
 * Script, repeated: op (1 byte), then
 *  - op % 4 == 0: a request.  Bytes: client (3 bits index, the rest
 *    picks the credential: none, long-term, REST or OAuth), method, length
 *    n, then n bytes of attributes as (type: 2 bytes, length: 1 byte,
 *    value), each appended with the STUN builder so it is well formed.
 *    USERNAME, REALM, the client's latest NONCE (ACCESS-TOKEN for OAuth)
 *    are added, then MESSAGE-INTEGRITY with the credential's key and
 *    FINGERPRINT.  A client without a nonce yet is first challenged.
 *  - 1: clock step; 2: answer the oldest pending DELETE; 3: tick.
 *
 * Invariants checked on every output: commands and replies go to an
 * existing worker; an ALLOC_ADD's relay port belongs to its worker; every
 * reply decodes with a valid FINGERPRINT; after shutdown only allocations
 * whose DELETE was never answered remain.  ASan, UBSan and LSan do the
 * rest.  With FZ_DEBUG set, each input ends by printing the success, 401,
 * permission and channel counts: how to see that a seed gets past
 * authentication (each of tests/fuzz/seeds/turn_auth does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_longterm.h"
#include "auth_oauth.h"
#include "auth_request.h"
#include "auth_rest.h"
#include "nonce.h"
#include "turn_server.h"
#include "turnpike/oauth_token.h"
#include "turnpike/stun.h"

#define FZ_WORKERS 3
#define FZ_CLIENTS 8
#define FZ_PENDING 256
#define FZ_REALM "fuzz.test"
#define FZ_SECRET "rest-secret"
#define FZ_UNIX 1700000000ull

struct fz_client {
	struct tp_addr addr;
	char nonce[256];
	uint16_t nonce_len;
};

struct fz_state {
	struct dp_alloc_ref del_ref[FZ_PENDING];
	uint16_t del_worker[FZ_PENDING];
	unsigned int n_del;
	unsigned int lost; /* DELETEs beyond FZ_PENDING, never answered */
	struct fz_client c[FZ_CLIENTS];
};

/* Built once: the credential stores and each mechanism's key. */
static struct {
	struct nonce_ctx nonce;
	struct auth_user_db users;
	struct auth_rest_ring rest;
	struct auth_oauth_keyring oauth;
	struct auth_config auth;
	uint8_t lt_key[16];   /* alice */
	char rest_user[64];   /* "<expiry>:carol" */
	uint8_t rest_key[16]; /* MD5(user:realm:password) */
	uint8_t token[OAUTH_TOKEN_MAX];
	size_t token_len;
	uint8_t mac_key[20];
} fz;

static uint64_t fz_unix = FZ_UNIX;

static uint64_t
fz_clock(void)
{
	return fz_unix;
}

static void
fz_setup(void)
{
	struct auth_oauth_key key = { .kid = "north",
				      .key_len = 16,
				      .alg = OAUTH_ALG_A128GCM };
	struct oauth_token tok = { .mac_key_len = 20, .lifetime = 3600 };
	uint8_t ononce[OAUTH_NONCE_LEN] = { 1, 2, 3, 4,  5,  6,
					    7, 8, 9, 10, 11, 12 };
	char pass[AUTH_REST_PASSWORD_LEN + 1];
	int n;

	memset(key.key, 0x5a, 16);
	memset(tok.mac_key, 0xa5, 20);
	memcpy(fz.mac_key, tok.mac_key, 20);
	tok.timestamp = oauth_timestamp_make(FZ_UNIX, 0);
	if (nonce_ctx_init(&fz.nonce, 600, 0) != 0 ||
	    auth_user_db_init(&fz.users, FZ_REALM, strlen(FZ_REALM)) != 0 ||
	    auth_user_db_add(&fz.users, "alice:alicepass") != 0)
		abort();
	auth_rest_ring_init(&fz.rest, 86400);
	if (auth_rest_ring_add(&fz.rest, (const uint8_t *)FZ_SECRET,
			       strlen(FZ_SECRET)) != 0)
		abort();
	auth_oauth_keyring_init(&fz.oauth);
	if (auth_oauth_keyring_add(&fz.oauth, &key) != 0)
		abort();
	fz.auth = (struct auth_config){ .realm = FZ_REALM,
					.server_name = FZ_REALM,
					.users = &fz.users,
					.rest = &fz.rest,
					.oauth = &fz.oauth,
					.nonce = &fz.nonce,
					.software = "fuzz" };
	if (auth_lt_key_md5("alice", 5, FZ_REALM, strlen(FZ_REALM), "alicepass",
			    9, fz.lt_key) != 0)
		abort();
	snprintf(fz.rest_user, sizeof(fz.rest_user), "%llu:carol",
		 (unsigned long long)(FZ_UNIX + 3600));
	if (auth_rest_password((const uint8_t *)FZ_SECRET, strlen(FZ_SECRET),
			       fz.rest_user, strlen(fz.rest_user), pass) != 0 ||
	    auth_lt_key_md5(fz.rest_user, strlen(fz.rest_user), FZ_REALM,
			    strlen(FZ_REALM), pass, strlen(pass),
			    fz.rest_key) != 0)
		abort();
	n = oauth_token_encrypt(key.key, 16, OAUTH_ALG_A128GCM, FZ_REALM,
				ononce, &tok, fz.token, sizeof(fz.token));
	if (n <= 0)
		abort();
	fz.token_len = (size_t)n;
}

static void
fz_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct fz_state *st = ctx;

	if (worker >= FZ_WORKERS)
		abort();
	if (cmd->type == DP_CMD_ALLOC_ADD &&
	    dp_owner_of_relay_port(cmd->u.alloc_add.relay.port, FZ_WORKERS) !=
		    worker)
		abort();
	if (cmd->type != DP_CMD_ALLOC_DEL)
		return;
	if (st->n_del == FZ_PENDING) {
		st->lost++;
		return;
	}
	st->del_ref[st->n_del] = cmd->u.alloc.ref;
	st->del_worker[st->n_del++] = worker;
}

/* Check the reply; keep a NONCE it carries for the client it goes to. */
static void
fz_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	 const struct tp_addr *to, const struct tp_addr *from,
	 const uint8_t *msg, size_t len)
{
	struct fz_state *st = ctx;
	struct stun_msg m;
	const uint8_t *v;
	uint16_t vlen;

	(void)req;
	(void)from;
	if (worker >= FZ_WORKERS || len > TURN_REPLY_MAX ||
	    stun_msg_decode(&m, msg, len) != STUN_OK ||
	    !stun_msg_check_fingerprint(&m))
		abort();
	v = stun_msg_value(&m, STUN_SLOT_NONCE, &vlen);
	if (v == NULL)
		return;
	for (int i = 0; i < FZ_CLIENTS; i++) {
		struct fz_client *c = &st->c[i];

		if (tp_addr_equal(&c->addr, to) && vlen <= sizeof(c->nonce)) {
			memcpy(c->nonce, v, vlen);
			c->nonce_len = vlen;
		}
	}
}

static void
fz_answer(struct turn_server *srv, struct fz_state *st)
{
	struct dp_evt_alloc_end end = { 0 };

	if (st->n_del == 0)
		return;
	end.ref = st->del_ref[0];
	turn_server_alloc_ended(srv, st->del_worker[0], &end);
	memmove(st->del_ref, st->del_ref + 1,
		--st->n_del * sizeof(st->del_ref[0]));
	memmove(st->del_worker, st->del_worker + 1,
		st->n_del * sizeof(st->del_worker[0]));
}

static void
fz_send(struct turn_server *srv, const struct fz_client *c, const uint8_t *buf,
	size_t n, uint64_t now)
{
	struct turn_packet pkt = { .data = buf, .len = n };

	pkt.client = c->addr;
	pkt.local.ip = tp_ip_v4(0xCB007101u);
	pkt.local.port = 3478;
	pkt.worker = dp_owner_of_client(&pkt.client, FZ_WORKERS);
	turn_server_handle(srv, &pkt, now);
}

/*
 * One signed request from client @who with credential @mech (0 none,
 * 1 long-term, 2 REST, 3 OAuth), method @method and the fuzzer's
 * attributes @p[0..n).
 */
static void
fz_request(struct turn_server *srv, struct fz_state *st, uint8_t who,
	   uint8_t method, const uint8_t *p, size_t n, uint64_t now)
{
	static const uint16_t methods[] = {
		STUN_METHOD_ALLOCATE,          STUN_METHOD_REFRESH,
		STUN_METHOD_CREATE_PERMISSION, STUN_METHOD_CHANNEL_BIND,
		STUN_METHOD_BINDING,           STUN_METHOD_ALLOCATE,
		STUN_METHOD_CREATE_PERMISSION, 0x00A,
	};
	struct fz_client *c = &st->c[who % FZ_CLIENTS];
	unsigned int mech = (who >> 3) % 4;
	uint8_t buf[1400], tid[STUN_TID_LEN] = { 0 };
	struct stun_builder b;
	size_t i = 0;
	int len;

	tid[0] = (uint8_t)now;
	tid[1] = who;
	tid[2] = method;
	if (mech != 0 && c->nonce_len == 0) {
		/* No nonce yet: the bare request that earns the challenge. */
		stun_build_init(&b, buf, sizeof(buf),
				stun_type(STUN_METHOD_ALLOCATE,
					  STUN_CLASS_REQUEST),
				tid);
		stun_build_fingerprint(&b);
		len = stun_build_finish(&b);
		if (len > 0)
			fz_send(srv, c, buf, (size_t)len, now);
		tid[3] = 1;
	}
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(methods[method % 8], STUN_CLASS_REQUEST), tid);
	while (i + 3 <= n) {
		uint16_t type = (uint16_t)(p[i] << 8 | p[i + 1]);
		size_t alen = p[i + 2];

		i += 3;
		if (alen > n - i)
			alen = n - i;
		/* The harness adds these itself, last and valid. */
		if (type != STUN_ATTR_MESSAGE_INTEGRITY &&
		    type != STUN_ATTR_FINGERPRINT)
			stun_build_attr(&b, type, p + i, alen);
		i += alen;
	}
	switch (mech) {
	case 1:
	case 2: {
		const char *user = mech == 1 ? "alice" : fz.rest_user;

		stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user));
		stun_build_attr(&b, STUN_ATTR_REALM, FZ_REALM, strlen(FZ_REALM));
		stun_build_attr(&b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
		stun_build_integrity(&b, mech == 1 ? fz.lt_key : fz.rest_key, 16);
		break;
	}
	case 3:
		stun_build_attr(&b, STUN_ATTR_USERNAME, "north", 5);
		stun_build_attr(&b, STUN_ATTR_REALM, FZ_REALM, strlen(FZ_REALM));
		stun_build_attr(&b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
		stun_build_attr(&b, STUN_ATTR_ACCESS_TOKEN, fz.token,
				fz.token_len);
		stun_build_integrity(&b, fz.mac_key, sizeof(fz.mac_key));
		break;
	default:
		break;
	}
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	if (len > 0)
		fz_send(srv, c, buf, (size_t)len, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fz_state st;
	struct cp_sink sink = { .ctx = &st, .cmd = fz_cmd, .reply = fz_reply };
	struct turn_params p = {
		.n_workers = FZ_WORKERS,
		.allocs_per_worker = 4,
		.n_relay_ips = 1,
		.min_port = 50000,
		.max_port = 50011,
		.unix_time = fz_clock,
	};
	struct turn_server *srv;
	uint64_t now = 1000;
	size_t i = 0;

	if (!ready) {
		fz_setup();
		ready = true;
	}
	memset(&st, 0, sizeof(st));
	for (int k = 0; k < FZ_CLIENTS; k++) {
		st.c[k].addr.ip = tp_ip_v4(0xC0000200u + (uint32_t)k);
		st.c[k].addr.port = (uint16_t)(40000 + k);
	}
	fz_unix = FZ_UNIX;
	p.relay_ips[0] = tp_ip_v4(0xC6336401u);
	p.auth = &fz.auth;
	srv = turn_server_create(&p, &sink);
	if (srv == NULL)
		abort();
	while (i < size) {
		uint8_t op = data[i++];
		size_t n;

		switch (op % 4) {
		case 0:
			if (i + 3 > size)
				goto out;
			n = data[i + 2];
			if (n > size - i - 3)
				n = size - i - 3;
			fz_request(srv, &st, data[i], data[i + 1], data + i + 3,
				   n, now);
			i += 3 + n;
			break;
		case 1:
			now += (uint64_t)(op >> 2) * 20000;
			fz_unix = FZ_UNIX + now / 1000;
			break;
		case 2:
			fz_answer(srv, &st);
			break;
		default:
			turn_server_tick(srv, now);
			break;
		}
	}
out:
	if (getenv("FZ_DEBUG") != NULL)
		fprintf(stderr, "success=%llu 401=%llu perms=%llu chans=%llu\n",
			(unsigned long long)turn_server_stats(srv)
				->replies[TURN_REPLY_SUCCESS],
			(unsigned long long)turn_server_stats(srv)
				->replies[TURN_REPLY_UNAUTHORIZED],
			(unsigned long long)turn_server_stats(srv)
				->c[TURN_C_PERMS_CREATED],
			(unsigned long long)turn_server_stats(srv)
				->c[TURN_C_CHANS_BOUND]);
	turn_server_shutdown(srv, now);
	while (st.n_del > 0)
		fz_answer(srv, &st);
	if (turn_server_alloc_count(srv) != st.lost)
		abort();
	turn_server_destroy(srv);
	return 0;
}
