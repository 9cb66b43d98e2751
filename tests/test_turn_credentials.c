/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TURN server with the two other credential kinds: TURN REST API
 * ephemeral usernames (shared secret) and RFC 7635 OAuth access tokens.
 * The allocation belongs to the REST username or to the OAuth token's key
 * (another token gets 441), and an OAuth token's lifetime caps the
 * allocation's.  Also the RFC 8489 section 9.2 password algorithms as the
 * server runs them: the offer in the 401, SHA-256 accepted and answered
 * with MESSAGE-INTEGRITY-SHA256, bid-downs refused.
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
#include "auth_oauth.h"
#include "auth_rest.h"
#include "turn_harness.h"

static struct harness h;

static void
test_rest_credentials(void **state)
{
	static const char secret[] = "north-secret";
	struct auth_rest_ring ring;
	char username[64], password[AUTH_REST_PASSWORD_LEN + 1];
	struct h_client c;
	struct dp_evt_alloc_end end = { 0 };
	uint64_t saved = h_unix_now;
	int i, ui;

	(void)state;
	auth_rest_ring_init(&ring, 0);
	assert_int_equal(auth_rest_ring_add(&ring, (const uint8_t *)secret,
					    strlen(secret)),
			 0);
	h_init(&h, 3, false);
	h.auth.rest = &ring;
	h_start(&h);
	snprintf(username, sizeof(username), "%llu:carol",
		 (unsigned long long)(h_unix_now + 3600));
	assert_int_equal(auth_rest_password((const uint8_t *)secret,
					    strlen(secret), username,
					    strlen(username), password),
			 0);
	h_client_init(&c, username, password, 10, 40000);
	h_login(&h, &c);
	assert_int_equal(h_allocate(&h, &c, 0, NULL), 0);
	assert_int_equal(turn_server_stats(h.srv)->auth[AUTH_REASON_OK], 1);
	assert_int_equal(h_refresh(&h, &c, 600), 0);
	/* Once the username expires, the client is refused (401). */
	h_unix_now += 3601;
	h_login(&h, &c); /* a fresh nonce, so only the username is stale */
	assert_int_equal(h_refresh(&h, &c, 600), 401);
	assert_int_equal(turn_server_stats(h.srv)->auth[AUTH_REASON_REST_EXPIRED],
			 1);
	h_unix_now = saved;
	/* The allocation is the REST username's: the usage record says so. */
	turn_server_shutdown(h.srv, h.now_ms);
	for (i = 0; i < h.n_ev; i++)
		if (h.ev[i].kind == H_CMD && h.ev[i].cmd.type == DP_CMD_ALLOC_DEL)
			break;
	assert_true(i < h.n_ev);
	end.ref = h.ev[i].cmd.u.alloc.ref;
	turn_server_alloc_ended(h.srv, h.ev[i].worker, &end);
	ui = h_find(&h, 0, H_USAGE);
	assert_true(ui >= 0);
	assert_string_equal(h.ev[ui].usage.username, username);
	h_fini(&h);
}

/* An OAuth-signed Allocate or Refresh: USERNAME = kid, ACCESS-TOKEN, MI
 * with mac_key (or, as coturn does, its first 16 bytes). */
static uint16_t
oauth_request(struct h_client *c, uint16_t method, const char *kid,
	      const uint8_t *token, size_t tlen, const uint8_t *mac_key,
	      size_t mlen, uint32_t lifetime, struct stun_msg *m)
{
	uint8_t buf[1024];
	struct stun_builder b;
	int n;

	h_req_begin(c, &b, buf, sizeof(buf), method);
	if (method == STUN_METHOD_ALLOCATE)
		stun_build_transport(&b, H_UDP);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, lifetime);
	stun_build_attr(&b, STUN_ATTR_USERNAME, kid, strlen(kid));
	stun_build_attr(&b, STUN_ATTR_REALM, H_REALM, strlen(H_REALM));
	stun_build_attr(&b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
	stun_build_attr(&b, STUN_ATTR_ACCESS_TOKEN, token, tlen);
	stun_build_integrity(&b, mac_key, mlen);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	h_send(&h, c, buf, (size_t)n);
	h_last_reply(&h, m);
	return h_code(m);
}

static void
test_oauth_token_caps_lifetime(void **state)
{
	struct auth_oauth_keyring ring;
	struct auth_oauth_key key = { .kid = "north",
				      .key_len = 16,
				      .alg = OAUTH_ALG_A128GCM };
	struct oauth_token tok = { .mac_key_len = 20, .lifetime = 120 };
	uint8_t token[OAUTH_TOKEN_MAX], nonce[OAUTH_NONCE_LEN];
	struct h_client c;
	struct stun_msg m;
	uint32_t lt;
	int tlen;

	(void)state;
	assert_int_equal(RAND_bytes(key.key, 16), 1);
	assert_int_equal(RAND_bytes(tok.mac_key, 20), 1);
	assert_int_equal(RAND_bytes(nonce, sizeof(nonce)), 1);
	tok.timestamp = oauth_timestamp_make(h_unix_now, 0);
	auth_oauth_keyring_init(&ring);
	assert_int_equal(auth_oauth_keyring_add(&ring, &key), 0);
	tlen = oauth_token_encrypt(key.key, 16, OAUTH_ALG_A128GCM, H_REALM,
				   nonce, &tok, token, sizeof(token));
	assert_true(tlen > 0);

	h_init(&h, 3, false);
	h.auth.oauth = &ring;
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	c.user = "north";
	h_login(&h, &c);
	h_last_reply(&h, &m); /* the 401 names the authorization server */
	assert_true(stun_msg_has(&m, STUN_SLOT_THIRD_PARTY_AUTHORIZATION));
	assert_int_equal(oauth_request(&c, STUN_METHOD_ALLOCATE, "north", token,
				       (size_t)tlen, tok.mac_key, 20, 3600, &m),
			 0);
	assert_true(stun_msg_check_integrity(&m, tok.mac_key, 20));
	assert_int_equal(stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lt), 0);
	assert_int_equal(lt, 120); /* not 3600: the token ends first */
	assert_int_equal(turn_server_stats(h.srv)->auth[AUTH_REASON_OK], 1);
	h_fini(&h);
}

/*
 * What coturn's uclient -J does: a token per Allocate and Refresh, under a
 * kid picked at random, MESSAGE-INTEGRITY with the first 16 bytes of the
 * mac_key, and CreatePermission/ChannelBind with the kid and the last
 * token's key but no ACCESS-TOKEN (RFC 7635 9.2).
 */
static void
test_oauth_session_like_coturn(void **state)
{
	struct auth_oauth_keyring ring;
	struct auth_oauth_key north = { .kid = "north",
					.key_len = 16,
					.alg = OAUTH_ALG_A128GCM };
	struct auth_oauth_key south = { .kid = "south",
					.key_len = 32,
					.alg = OAUTH_ALG_A256GCM };
	uint8_t token[OAUTH_TOKEN_MAX], mac1[20], mac2[20];
	struct tp_addr peer = h_addr("8.8.8.8", 7000);
	struct h_client c, alice;
	struct stun_msg m;
	size_t tlen;

	(void)state;
	assert_int_equal(RAND_bytes(north.key, 16), 1);
	assert_int_equal(RAND_bytes(south.key, 32), 1);
	assert_int_equal(RAND_bytes(mac1, 20), 1);
	assert_int_equal(RAND_bytes(mac2, 20), 1);
	auth_oauth_keyring_init(&ring);
	assert_int_equal(auth_oauth_keyring_add(&ring, &north), 0);
	assert_int_equal(auth_oauth_keyring_add(&ring, &south), 0);
	h_init(&h, 3, false);
	h.auth.oauth = &ring;
	h_start(&h);
	h_client_init(&c, NULL, NULL, 10, 40000);
	c.user = "north";
	h_login(&h, &c);

	tlen = h_token_mint(&north, mac1, token, sizeof(token));
	assert_int_equal(oauth_request(&c, STUN_METHOD_ALLOCATE, "north", token,
				       tlen, mac1, 16, 600, &m),
			 0);
	assert_true(stun_msg_check_integrity(&m, mac1, 16));

	/* No ACCESS-TOKEN: the allocation's session key verifies it. */
	memcpy(c.key, mac1, 16);
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer, 1, 0),
			 0);

	/* A Refresh with a new token under another kid is the same client. */
	tlen = h_token_mint(&south, mac2, token, sizeof(token));
	assert_int_equal(oauth_request(&c, STUN_METHOD_REFRESH, "south", token,
				       tlen, mac2, 16, 600, &m),
			 0);
	assert_true(stun_msg_check_integrity(&m, mac2, 16));

	/* The session moved to the new token's key. */
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer, 1, 0),
			 401);
	memcpy(c.key, mac2, 16);
	c.user = "south";
	h_login(&h, &c);
	assert_int_equal(h_peer_request(&h, &c, STUN_METHOD_CHANNEL_BIND, &peer,
					1, 0x4001),
			 0);

	/* A long-term user is not the token's holder: 441. */
	h_client_init(&alice, "alice", "alicepass", 99, 40000);
	memcpy(c.key, alice.key, sizeof(c.key));
	c.user = "alice";
	assert_int_equal(h_refresh(&h, &c, 600), 441);
	h_fini(&h);
}

/*
 * Issue 13, weakness 1: a token allocation obeyed any valid token.  The
 * attacker holds its own token from the same authorization server (here
 * under the other kid, as coturn's uclient would pick), sends from the
 * victim's 5-tuple and has the nonce sent there.  Before the fix each of
 * its requests below succeeded, and the first one re-keyed the allocation
 * so that the victim's next request got 401.
 */
static void
test_oauth_other_token_is_441(void **state)
{
	struct auth_oauth_keyring ring;
	struct auth_oauth_key north = { .kid = "north",
					.key_len = 16,
					.alg = OAUTH_ALG_A128GCM };
	struct auth_oauth_key south = { .kid = "south",
					.key_len = 32,
					.alg = OAUTH_ALG_A256GCM };
	uint8_t tok_v[OAUTH_TOKEN_MAX], tok_a[OAUTH_TOKEN_MAX];
	uint8_t mac_v[20], mac_a[20];
	struct tp_addr peer = h_addr("8.8.8.8", 7000);
	struct tp_addr other = h_addr("9.9.9.9", 7000);
	struct h_token_req victim, attacker;
	struct h_client c, spoof;
	const struct turn_stats *st;
	int mark;

	(void)state;
	assert_int_equal(RAND_bytes(north.key, 16), 1);
	assert_int_equal(RAND_bytes(south.key, 32), 1);
	assert_int_equal(RAND_bytes(mac_v, 20), 1);
	assert_int_equal(RAND_bytes(mac_a, 20), 1);
	auth_oauth_keyring_init(&ring);
	assert_int_equal(auth_oauth_keyring_add(&ring, &north), 0);
	assert_int_equal(auth_oauth_keyring_add(&ring, &south), 0);
	h_init(&h, 3, false);
	h.auth.oauth = &ring;
	h_start(&h);
	st = turn_server_stats(h.srv);

	h_client_init(&c, NULL, NULL, 10, 40000);
	c.user = "north";
	h_login(&h, &c);
	victim = (struct h_token_req){
		.kid = "north",
		.token = tok_v,
		.token_len = h_token_mint(&north, mac_v, tok_v, sizeof(tok_v)),
		.mac_key = mac_v,
		.mac_len = 20,
		.lifetime = 600,
	};
	assert_int_equal(h_token_request(&h, &c, STUN_METHOD_ALLOCATE, &victim),
			 0);

	/* The attacker: same 5-tuple, same nonce, its own valid token. */
	spoof = c;
	attacker = (struct h_token_req){
		.kid = "south",
		.token = tok_a,
		.token_len = h_token_mint(&south, mac_a, tok_a, sizeof(tok_a)),
		.mac_key = mac_a,
		.mac_len = 20,
		.lifetime = UINT32_MAX,
	};
	mark = h.n_ev;
	attacker.peer = &other;
	assert_int_equal(h_token_request(&h, &spoof, STUN_METHOD_CREATE_PERMISSION,
					 &attacker),
			 441);
	attacker.channel = 0x4001;
	assert_int_equal(h_token_request(&h, &spoof, STUN_METHOD_CHANNEL_BIND,
					 &attacker),
			 441);
	attacker.peer = NULL;
	attacker.channel = 0;
	attacker.lifetime = 0; /* delete */
	assert_int_equal(h_token_request(&h, &spoof, STUN_METHOD_REFRESH,
					 &attacker),
			 441);
	/* Its token without ACCESS-TOKEN: the session key is the victim's. */
	attacker.token = NULL;
	assert_int_equal(h_token_request(&h, &spoof, STUN_METHOD_REFRESH,
					 &attacker),
			 401);
	/* Nothing reached the fast path: no permission, channel or delete. */
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_PERM_SET), 0);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_CHAN_SET), 0);
	assert_int_equal(h_count_cmds(&h, mark, DP_CMD_ALLOC_DEL), 0);
	assert_int_equal(st->replies[TURN_REPLY_WRONG_CREDENTIALS], 3);

	/* The allocation still answers to the victim's key, without a token
	 * (RFC 7635 9.2) and with it: nothing re-keyed it. */
	victim.token = NULL;
	victim.lifetime = UINT32_MAX;
	victim.peer = &peer;
	assert_int_equal(h_token_request(&h, &c, STUN_METHOD_CREATE_PERMISSION,
					 &victim),
			 0);
	victim.token = tok_v;
	victim.peer = NULL;
	victim.lifetime = 600;
	assert_int_equal(h_token_request(&h, &c, STUN_METHOD_REFRESH, &victim),
			 0);

	/*
	 * The door left open on purpose: a Refresh that keeps the allocation
	 * and presents a new token renews it under that token (what coturn's
	 * uclient does after every Allocate; test_oauth_session_like_coturn).
	 * Nothing in RFC 7635 tells the victim's next token from another's.
	 */
	attacker.token = tok_a;
	attacker.lifetime = 600;
	assert_int_equal(h_token_request(&h, &spoof, STUN_METHOD_REFRESH,
					 &attacker),
			 0);
	victim.token = NULL;
	assert_int_equal(h_token_request(&h, &c, STUN_METHOD_REFRESH, &victim),
			 401);
	h_fini(&h);
}

/* One long-term request with the password algorithm attributes. */
struct alg_req {
	const uint8_t *algs; /* PASSWORD-ALGORITHMS value, NULL = none */
	size_t algs_len;
	uint16_t alg; /* PASSWORD-ALGORITHM, 0 = none */
	const uint8_t *key;
	size_t key_len;
	bool mi256; /* MESSAGE-INTEGRITY-SHA256, else MESSAGE-INTEGRITY */
};

static uint16_t
alg_request(struct h_client *c, uint16_t method, const struct alg_req *a,
	    struct stun_msg *m)
{
	uint8_t buf[1024];
	struct stun_builder b;
	int n;

	h_req_begin(c, &b, buf, sizeof(buf), method);
	if (method == STUN_METHOD_ALLOCATE)
		stun_build_transport(&b, H_UDP);
	stun_build_attr(&b, STUN_ATTR_USERNAME, c->user, strlen(c->user));
	stun_build_attr(&b, STUN_ATTR_REALM, H_REALM, strlen(H_REALM));
	stun_build_attr(&b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
	if (a->algs != NULL)
		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, a->algs,
				a->algs_len);
	if (a->alg != 0) {
		uint8_t v[4] = { (uint8_t)(a->alg >> 8), (uint8_t)a->alg, 0, 0 };

		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHM, v, 4);
	}
	if (a->mi256)
		stun_build_integrity_sha256(&b, a->key, a->key_len);
	else
		stun_build_integrity(&b, a->key, a->key_len);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	h_send(&h, c, buf, (size_t)n);
	h_last_reply(&h, m);
	return h_code(m);
}

/*
 * Issue 13, weakness 5: SHA-256 was never offered.  Now the 401 carries the
 * nonce cookie with the password-algorithms bit and PASSWORD-ALGORITHMS
 * (SHA-256, MD5); a client that picks SHA-256 is answered with
 * MESSAGE-INTEGRITY-SHA256; bid-downs get 400; old clients keep MD5.
 */
static void
test_sha256_password_algorithm(void **state)
{
	static const uint8_t offer[8] = { 0, 2, 0, 0, 0, 1, 0, 0 };
	static const uint8_t md5_only[4] = { 0, 1, 0, 0 };
	uint8_t k256[32];
	struct h_client c, old;
	struct stun_msg m;
	struct alg_req a;
	const uint8_t *v;
	uint16_t len = 0;

	(void)state;
	h_init(&h, 3, false);
	h_start(&h);
	assert_int_equal(auth_lt_key_sha256("alice", 5, H_REALM, strlen(H_REALM),
					    "alicepass", 9, k256),
			 0);
	h_client_init(&c, "alice", "alicepass", 10, 40000);
	h_login(&h, &c);
	h_last_reply(&h, &m);
	v = stun_msg_value(&m, STUN_SLOT_PASSWORD_ALGORITHMS, &len);
	assert_non_null(v);
	assert_int_equal(len, 8);
	assert_memory_equal(v, offer, 8);
	assert_true(c.nonce_len > 13);
	assert_memory_equal(c.nonce, "obMatJos2AAAB", 13);

	/* SHA-256 chosen: accepted, answered with MESSAGE-INTEGRITY-SHA256
	 * under SHA-256(alice:realm:alicepass) and nothing weaker. */
	a = (struct alg_req){ offer, 8, STUN_PASSWORD_ALG_SHA256, k256, 32, true };
	assert_int_equal(alg_request(&c, STUN_METHOD_ALLOCATE, &a, &m), 0);
	assert_true(stun_msg_check_integrity_sha256(&m, k256, 32));
	assert_false(stun_msg_has(&m, STUN_SLOT_MESSAGE_INTEGRITY));
	assert_int_equal(alg_request(&c, STUN_METHOD_REFRESH, &a, &m), 0);
	assert_true(stun_msg_check_integrity_sha256(&m, k256, 32));
	/* The MD5 key does not pass for SHA-256. */
	a.key = c.key;
	a.key_len = sizeof(c.key);
	assert_int_equal(alg_request(&c, STUN_METHOD_REFRESH, &a, &m), 401);

	/* Bid-downs: the offer sent back cut to MD5, or SHA-256 chosen from
	 * a list we did not send: 400, with no REALM or NONCE. */
	a = (struct alg_req){ md5_only, 4,  STUN_PASSWORD_ALG_MD5,
			      c.key,    16, false };
	assert_int_equal(alg_request(&c, STUN_METHOD_REFRESH, &a, &m), 400);
	assert_false(stun_msg_has(&m, STUN_SLOT_NONCE));
	a = (struct alg_req){ md5_only, 4,  STUN_PASSWORD_ALG_SHA256,
			      k256,     32, true };
	assert_int_equal(alg_request(&c, STUN_METHOD_REFRESH, &a, &m), 400);
	a = (struct alg_req){ NULL, 0, STUN_PASSWORD_ALG_SHA256, k256, 32, true };
	assert_int_equal(alg_request(&c, STUN_METHOD_REFRESH, &a, &m), 400);
	assert_int_equal(turn_server_stats(h.srv)
				 ->auth[AUTH_REASON_ALGORITHM_MISMATCH],
			 3);
	/* The feature bit stripped from the nonce: the nonce no longer
	 * verifies (its MAC covers the bits), so no SHA-256-less path opens:
	 * the request, keyed with MD5 as a feature-less nonce implies,
	 * verifies but gets 438 with a fresh, feature-carrying nonce. */
	c.nonce[12] = 'A';
	a = (struct alg_req){ NULL, 0, 0, c.key, 16, false };
	assert_int_equal(alg_request(&c, STUN_METHOD_REFRESH, &a, &m), 438);
	v = stun_msg_value(&m, STUN_SLOT_NONCE, &len);
	assert_non_null(v);
	assert_memory_equal(v, "obMatJos2AAAB", 13);

	/* An old client (no algorithm attributes) keeps MD5 and
	 * MESSAGE-INTEGRITY, as coturn's uclient and browsers do. */
	h_client_init(&old, "bob", "bobpass", 11, 40000);
	h_login(&h, &old);
	assert_int_equal(h_allocate(&h, &old, 0, NULL), 0);
	h_last_reply(&h, &m);
	assert_true(stun_msg_check_integrity(&m, old.key, sizeof(old.key)));
	assert_false(stun_msg_has(&m, STUN_SLOT_MESSAGE_INTEGRITY_SHA256));
	h_fini(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rest_credentials),
		cmocka_unit_test(test_oauth_token_caps_lifetime),
		cmocka_unit_test(test_oauth_session_like_coturn),
		cmocka_unit_test(test_oauth_other_token_is_441),
		cmocka_unit_test(test_sha256_password_algorithm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
