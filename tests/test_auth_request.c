/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The authentication step, driven with real requests made by the STUN
 * builder and decoded by the codec, as a client would send them: the 401
 * challenge, static users (MD5, SHA-256, USERHASH), REST credentials
 * (computed here from the draft's formula, not with auth_rest.c), OAuth
 * tokens, the RFC 8489 bid-down checks, stale and foreign nonces, and the
 * signed success response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "auth_request.h"

#define T0 1700000000ull
#define REALM "example.org"
#define SERVER "turn.example.org"

static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const uint8_t algs_both[8] = { 0, 2, 0, 0, 0, 1, 0, 0 };
static const uint8_t algs_md5[4] = { 0, 1, 0, 0 };

/* Everything a test needs; one per test, set up fresh. */
struct fix {
	struct auth_user_db users;
	struct auth_rest_ring rest;
	struct auth_oauth_keyring oauth;
	struct nonce_ctx nonce;
	struct auth_config cfg;
	struct tp_addr a, b;
	uint8_t mac_key[20];
};

/* What a client puts in a request. */
struct req_opts {
	const char *user;
	const uint8_t *userhash;
	const char *realm;
	const char *nonce;
	const uint8_t *algs;
	size_t algs_len;
	uint16_t alg; /* PASSWORD-ALGORITHM, 0 = absent */
	const uint8_t *token;
	size_t token_len;
	const uint8_t *key; /* NULL = no integrity */
	size_t key_len;
	bool mi256;
};

static int
setup(void **state)
{
	static struct fix f;
	struct auth_oauth_key k;
	static const char keytext[] = "north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM";

	memset(&f, 0, sizeof(f));
	assert_int_equal(auth_user_db_init(&f.users, REALM, strlen(REALM)), 0);
	assert_int_equal(auth_user_db_add(&f.users, "alice:wonderland"), 0);
	/* MD5("md5only:example.org:pw"), given in coturn's 0x form below. */
	{
		uint8_t key[16];
		char line[64];
		int n = snprintf(line, sizeof(line), "md5only:0x");

		assert_int_equal(EVP_Digest("md5only:" REALM ":pw", 22, key,
					    NULL, EVP_md5(), NULL),
				 1);
		for (int i = 0; i < 16; i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      "%02x", key[i]);
		assert_int_equal(auth_user_db_add(&f.users, line), 0);
	}
	auth_rest_ring_init(&f.rest, 0);
	assert_int_equal(auth_rest_ring_add(&f.rest,
					    (const uint8_t *)"north-secret", 12),
			 0);
	assert_int_equal(auth_rest_ring_add(&f.rest,
					    (const uint8_t *)"south-secret", 12),
			 0);
	auth_oauth_keyring_init(&f.oauth);
	assert_int_equal(auth_oauth_key_parse(keytext, strlen(keytext), &k), 0);
	assert_int_equal(auth_oauth_keyring_add(&f.oauth, &k), 0);
	assert_int_equal(nonce_ctx_init(&f.nonce, 600,
					NONCE_FEATURE_PASSWORD_ALGORITHMS),
			 0);
	assert_int_equal(RAND_bytes(f.mac_key, sizeof(f.mac_key)), 1);

	f.cfg.realm = REALM;
	f.cfg.server_name = SERVER;
	f.cfg.users = &f.users;
	f.cfg.rest = &f.rest;
	f.cfg.oauth = NULL; /* tests that want OAuth turn it on */
	f.cfg.nonce = &f.nonce;
	f.cfg.sha256 = true;
	f.cfg.oauth_skew_s = 5;
	f.a.ip = tp_ip_v4(0xC000020A); /* 192.0.2.10:5000 */
	f.a.port = 5000;
	f.b.ip = tp_ip_v4(0xC6336407); /* 198.51.100.7:6000 */
	f.b.port = 6000;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	auth_user_db_free(&f->users);
	nonce_ctx_wipe(&f->nonce);
	return 0;
}

/* Build an Allocate request and decode it into msg. */
static void
build_req(const struct req_opts *o, uint8_t *buf, size_t cap, struct stun_msg *msg)
{
	struct stun_builder b;
	int len;

	stun_build_init(&b, buf, cap,
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST), tid);
	stun_build_transport(&b, 17);
	if (o->user != NULL)
		stun_build_attr(&b, STUN_ATTR_USERNAME, o->user, strlen(o->user));
	if (o->userhash != NULL)
		stun_build_attr(&b, STUN_ATTR_USERHASH, o->userhash, 32);
	if (o->realm != NULL)
		stun_build_attr(&b, STUN_ATTR_REALM, o->realm, strlen(o->realm));
	if (o->nonce != NULL)
		stun_build_attr(&b, STUN_ATTR_NONCE, o->nonce, strlen(o->nonce));
	if (o->algs != NULL)
		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, o->algs,
				o->algs_len);
	if (o->alg != 0) {
		uint8_t v[4] = { (uint8_t)(o->alg >> 8), (uint8_t)o->alg, 0, 0 };

		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHM, v, 4);
	}
	if (o->token != NULL)
		stun_build_attr(&b, STUN_ATTR_ACCESS_TOKEN, o->token,
				o->token_len);
	if (o->key != NULL && o->mi256)
		stun_build_integrity_sha256(&b, o->key, o->key_len);
	else if (o->key != NULL)
		stun_build_integrity(&b, o->key, o->key_len);
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	assert_true(len > 0);
	assert_int_equal(stun_msg_decode(msg, buf, (size_t)len), STUN_OK);
}

/* Run one request through the check. */
static void
check(struct fix *f, const struct req_opts *o, const struct tp_addr *from,
      uint64_t now, struct auth_verdict *v)
{
	uint8_t buf[1500];
	struct stun_msg msg;

	build_req(o, buf, sizeof(buf), &msg);
	auth_request_check(&f->cfg, &msg, from, now, v);
}

/* Long-term key computed here from the concatenated string. */
static void
lt_key(const EVP_MD *md, const char *user, const char *pass, uint8_t *key)
{
	char s[256];
	int n = snprintf(s, sizeof(s), "%s:%s:%s", user, REALM, pass);

	assert_int_equal(EVP_Digest(s, (size_t)n, key, NULL, md, NULL), 1);
}

/* TURN REST password: base64(HMAC-SHA1(secret, username)). */
static void
rest_password(const char *secret, const char *user, char out[29])
{
	uint8_t mac[20];
	unsigned int len = 0;

	assert_non_null(HMAC(EVP_sha1(), secret, (int)strlen(secret),
			     (const uint8_t *)user, strlen(user), mac, &len));
	assert_int_equal(EVP_EncodeBlock((unsigned char *)out, mac, 20), 28);
}

/* Ask for a challenge like a first request and return its nonce. */
static void
get_nonce(struct fix *f, const struct tp_addr *from, uint64_t now,
	  char nonce[NONCE_LEN + 1])
{
	struct req_opts o = { 0 };
	struct auth_verdict v;
	uint8_t buf[1500], out[600];
	struct stun_msg req, resp;
	const uint8_t *val;
	uint16_t len = 0;
	int n;

	build_req(&o, buf, sizeof(buf), &req);
	auth_request_check(&f->cfg, &req, from, now, &v);
	assert_int_equal(v.error, 401);
	n = auth_challenge_build(&f->cfg, &req, &v, from, now, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, out, (size_t)n), STUN_OK);
	val = stun_msg_value(&resp, STUN_SLOT_NONCE, &len);
	assert_non_null(val);
	assert_int_equal(len, NONCE_LEN);
	memcpy(nonce, val, len);
	nonce[len] = '\0';
}

static void
test_no_integrity_challenge(void **state)
{
	struct fix *f = *state;
	struct req_opts o = { 0 };
	struct auth_verdict v;
	uint8_t buf[1500], out[600];
	struct stun_msg req, resp;
	const uint8_t *val;
	uint16_t len = 0, code = 0;
	const char *reason;
	int n;

	f->cfg.software = "turnpike test";
	build_req(&o, buf, sizeof(buf), &req);
	auth_request_check(&f->cfg, &req, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_NO_INTEGRITY);
	assert_int_equal(v.mech, AUTH_MECH_NONE);
	assert_int_equal(v.reply, AUTH_REPLY_REALM | AUTH_REPLY_NONCE |
					  AUTH_REPLY_PASSWORD_ALGORITHMS);

	n = auth_challenge_build(&f->cfg, &req, &v, &f->a, T0, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, out, (size_t)n), STUN_OK);
	assert_int_equal(resp.cls, STUN_CLASS_ERROR);
	assert_int_equal(resp.method, STUN_METHOD_ALLOCATE);
	assert_memory_equal(resp.tid, tid, STUN_TID_LEN);
	assert_int_equal(stun_msg_get_error(&resp, &code, &reason, &len), 0);
	assert_int_equal(code, 401);
	val = stun_msg_value(&resp, STUN_SLOT_REALM, &len);
	assert_non_null(val);
	assert_int_equal(len, strlen(REALM));
	assert_memory_equal(val, REALM, len);
	val = stun_msg_value(&resp, STUN_SLOT_NONCE, &len);
	assert_non_null(val);
	assert_memory_equal(val, "obMatJos2AAAB", 13);
	assert_int_equal(nonce_check(&f->nonce, (const char *)val, len, T0, &f->a),
			 NONCE_OK);
	val = stun_msg_value(&resp, STUN_SLOT_PASSWORD_ALGORITHMS, &len);
	assert_non_null(val);
	assert_int_equal(len, sizeof(algs_both));
	assert_memory_equal(val, algs_both, len);
	val = stun_msg_value(&resp, STUN_SLOT_SOFTWARE, &len);
	assert_non_null(val);
	assert_memory_equal(val, "turnpike test", len);
	assert_false(stun_msg_has(&resp, STUN_SLOT_THIRD_PARTY_AUTHORIZATION));
	assert_false(stun_msg_has(&resp, STUN_SLOT_MESSAGE_INTEGRITY));
	assert_false(stun_msg_has(&resp, STUN_SLOT_USERNAME));
	assert_true(stun_msg_check_fingerprint(&resp));

	/* A success verdict has no challenge; a tiny buffer does not fit. */
	v.error = 0;
	assert_int_equal(auth_challenge_build(&f->cfg, &req, &v, &f->a, T0, out,
					      sizeof(out)),
			 -EINVAL);
	v.error = 401;
	assert_int_equal(auth_challenge_build(&f->cfg, &req, &v, &f->a, T0, out,
					      40),
			 -ENOSPC);
}

static void
test_third_party_only_with_oauth(void **state)
{
	struct fix *f = *state;
	struct req_opts o = { 0 };
	struct auth_verdict v;
	uint8_t buf[1500], out[600];
	struct stun_msg req, resp;
	const uint8_t *val;
	uint16_t len = 0;
	int n;

	f->cfg.oauth = &f->oauth;
	build_req(&o, buf, sizeof(buf), &req);
	auth_request_check(&f->cfg, &req, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_true(v.reply & AUTH_REPLY_THIRD_PARTY);
	n = auth_challenge_build(&f->cfg, &req, &v, &f->a, T0, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, out, (size_t)n), STUN_OK);
	val = stun_msg_value(&resp, STUN_SLOT_THIRD_PARTY_AUTHORIZATION, &len);
	assert_non_null(val);
	assert_int_equal(len, strlen(SERVER));
	assert_memory_equal(val, SERVER, len);

	/* An empty keyring is OAuth off. */
	auth_oauth_keyring_init(&f->oauth);
	auth_request_check(&f->cfg, &req, &f->a, T0, &v);
	assert_false(v.reply & AUTH_REPLY_THIRD_PARTY);
}

static void
test_static_user_md5(void **state)
{
	struct fix *f = *state;
	uint8_t key[16], buf[600];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "alice",
			      .realm = REALM,
			      .nonce = nonce,
			      .key = key,
			      .key_len = 16 };
	struct auth_verdict v;
	struct stun_builder b;
	struct stun_msg resp;
	int n;

	get_nonce(f, &f->a, T0, nonce);
	lt_key(EVP_md5(), "alice", "wonderland", key);
	check(f, &o, &f->a, T0 + 5, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.reason, AUTH_REASON_OK);
	assert_int_equal(v.mech, AUTH_MECH_STATIC);
	assert_string_equal(v.username, "alice");
	assert_int_equal(v.username_len, 5);
	assert_int_equal(v.key_len, 16);
	assert_memory_equal(v.key, key, 16);
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_MD5);
	assert_false(v.integrity_sha256);
	assert_int_equal(v.expires_at, 0);

	/* The success response carries MESSAGE-INTEGRITY under that key. */
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS), tid);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 600);
	assert_int_equal(auth_response_sign(&b, &v), 0);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, buf, (size_t)n), STUN_OK);
	assert_true(stun_msg_has(&resp, STUN_SLOT_MESSAGE_INTEGRITY));
	assert_false(stun_msg_has(&resp, STUN_SLOT_MESSAGE_INTEGRITY_SHA256));
	assert_true(stun_msg_check_integrity(&resp, key, 16));

	auth_verdict_wipe(&v);
	assert_int_equal(v.key_len, 0);
	v.error = 401;
	assert_int_equal(auth_response_sign(&b, &v), -EINVAL);
}

static void
test_wrong_password_and_unknown_user(void **state)
{
	struct fix *f = *state;
	uint8_t key[16];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "alice",
			      .realm = REALM,
			      .nonce = nonce,
			      .key = key,
			      .key_len = 16 };
	struct auth_verdict v;

	get_nonce(f, &f->a, T0, nonce);
	lt_key(EVP_md5(), "alice", "looking-glass", key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_BAD_INTEGRITY);
	assert_int_equal(v.mech, AUTH_MECH_NONE);
	assert_int_equal(v.key_len, 0);
	assert_true(v.reply & AUTH_REPLY_REALM);
	assert_true(v.reply & AUTH_REPLY_NONCE);

	o.user = "mallory";
	lt_key(EVP_md5(), "mallory", "wonderland", key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);

	/* Right password, another realm. */
	o.user = "alice";
	o.realm = "example.net";
	lt_key(EVP_md5(), "alice", "wonderland", key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_WRONG_REALM);
}

static void
test_stale_and_foreign_nonce(void **state)
{
	struct fix *f = *state;
	uint8_t key[16], out[600], buf[1500];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "alice",
			      .realm = REALM,
			      .nonce = nonce,
			      .key = key,
			      .key_len = 16 };
	struct auth_verdict v;
	struct stun_msg req, resp;
	const uint8_t *val;
	const char *reason;
	uint16_t len = 0, code = 0;
	int n;

	lt_key(EVP_md5(), "alice", "wonderland", key);
	get_nonce(f, &f->a, T0, nonce);

	/* Older than the 600 s lifetime: 438 with a fresh nonce. */
	build_req(&o, buf, sizeof(buf), &req);
	auth_request_check(&f->cfg, &req, &f->a, T0 + 601, &v);
	assert_int_equal(v.error, 438);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_STALE);
	assert_int_equal(v.reply, AUTH_REPLY_REALM | AUTH_REPLY_NONCE |
					  AUTH_REPLY_PASSWORD_ALGORITHMS);
	/* Decided on the nonce, before any key was looked at (issue 13). */
	assert_int_equal(v.mech, AUTH_MECH_NONE);
	assert_int_equal(v.key_len, 0);
	n = auth_challenge_build(&f->cfg, &req, &v, &f->a, T0 + 601, out,
				 sizeof(out));
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, out, (size_t)n), STUN_OK);
	assert_int_equal(stun_msg_get_error(&resp, &code, &reason, &len), 0);
	assert_int_equal(code, 438);
	val = stun_msg_value(&resp, STUN_SLOT_NONCE, &len);
	assert_non_null(val);
	assert_int_equal(nonce_check(&f->nonce, (const char *)val, len,
				     T0 + 601, &f->a),
			 NONCE_OK);
	assert_true(stun_msg_has(&resp, STUN_SLOT_PASSWORD_ALGORITHMS));
	assert_false(stun_msg_has(&resp, STUN_SLOT_THIRD_PARTY_AUTHORIZATION));

	/* The retry with that nonce goes through. */
	memcpy(nonce, val, len);
	nonce[len] = '\0';
	check(f, &o, &f->a, T0 + 601, &v);
	assert_int_equal(v.error, 0);

	/* A nonce made for client a, sent from b: 438 (see auth_request.h). */
	check(f, &o, &f->b, T0 + 601, &v);
	assert_int_equal(v.error, 438);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID);

	/* A nonce that is not ours at all (RFC 5769's). */
	o.nonce = "f//499k954d6OL34oL9FSTvy64sA";
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 438);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID);

	/*
	 * Bad credentials and a bad nonce: the nonce decides (438), checked
	 * first because it is cheap (auth_request.h, "Order"); the retry with
	 * a fresh nonce then meets the credentials (401).
	 */
	key[0] ^= 1;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 438);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID);
	get_nonce(f, &f->a, T0, nonce);
	o.nonce = nonce;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_BAD_INTEGRITY);
}

/*
 * Issue 13: a forged request is answered on its nonce alone.  The reasons
 * show that no credential was looked at: an expired REST username, an
 * unknown user and an undecryptable token would each have their own reason
 * had their keys been sought.
 */
static void
test_forged_nonce_before_keys(void **state)
{
	struct fix *f = *state;
	static const uint8_t junk_token[40] = { 1, 2, 3 };
	uint8_t key[16] = { 0x5a };
	char forged[NONCE_LEN + 1], user[40];
	struct req_opts o = { .realm = REALM,
			      .nonce = forged,
			      .key = key,
			      .key_len = 16 };
	struct auth_verdict v;

	/* The cookie and feature set of ours, a timestamp and MAC we never
	 * made: issue 13's reproducer. */
	snprintf(forged, sizeof(forged), "%s%s%032d", NONCE_COOKIE, "AAAB", 7);
	assert_int_equal(strlen(forged), NONCE_LEN);

	snprintf(user, sizeof(user), "%llu:x", (unsigned long long)T0 + 86400);
	o.user = user;
	check(f, &o, &f->b, T0, &v);
	assert_int_equal(v.error, 438);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID);
	assert_int_equal(v.mech, AUTH_MECH_NONE);
	assert_int_equal(v.key_len, 0);

	snprintf(user, sizeof(user), "%llu:x", (unsigned long long)T0 - 1);
	check(f, &o, &f->b, T0, &v);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID); /* not expired */

	o.user = "mallory";
	check(f, &o, &f->b, T0, &v);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID); /* not unknown */

	f->cfg.oauth = &f->oauth;
	o.user = "north";
	o.token = junk_token;
	o.token_len = sizeof(junk_token);
	check(f, &o, &f->b, T0, &v);
	assert_int_equal(v.error, 438);
	assert_int_equal(v.reason, AUTH_REASON_NONCE_INVALID); /* not bad token */
	assert_false(v.reply & AUTH_REPLY_THIRD_PARTY); /* a 438, not a 401 */
}

static void
test_missing_attributes(void **state)
{
	struct fix *f = *state;
	uint8_t key[16], out[600], buf[1500];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "alice",
			      .realm = REALM,
			      .key = key,
			      .key_len = 16 };
	struct auth_verdict v;
	struct stun_msg req, resp;
	int n;

	lt_key(EVP_md5(), "alice", "wonderland", key);
	get_nonce(f, &f->a, T0, nonce);

	/* MESSAGE-INTEGRITY without NONCE. */
	build_req(&o, buf, sizeof(buf), &req);
	auth_request_check(&f->cfg, &req, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	assert_int_equal(v.reason, AUTH_REASON_MISSING_ATTRIBUTE);
	assert_int_equal(v.reply, 0);
	n = auth_challenge_build(&f->cfg, &req, &v, &f->a, T0, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, out, (size_t)n), STUN_OK);
	assert_false(stun_msg_has(&resp, STUN_SLOT_REALM));
	assert_false(stun_msg_has(&resp, STUN_SLOT_NONCE));
	assert_true(stun_msg_has(&resp, STUN_SLOT_ERROR_CODE));

	/* Without REALM. */
	o.nonce = nonce;
	o.realm = NULL;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	/* Without USERNAME or USERHASH. */
	o.realm = REALM;
	o.user = NULL;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	/* Everything there: fine. */
	o.user = "alice";
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
}

static void
test_sha256_paths(void **state)
{
	struct fix *f = *state;
	uint8_t key[32], md5[16], buf[600];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "alice",
			      .realm = REALM,
			      .nonce = nonce,
			      .algs = algs_both,
			      .algs_len = 8,
			      .alg = STUN_PASSWORD_ALG_SHA256,
			      .key = key,
			      .key_len = 32,
			      .mi256 = true };
	struct auth_verdict v;
	struct stun_builder b;
	struct stun_msg resp;
	int n;

	get_nonce(f, &f->a, T0, nonce);
	lt_key(EVP_sha256(), "alice", "wonderland", key);
	lt_key(EVP_md5(), "alice", "wonderland", md5);

	/* Negotiated SHA-256 with MESSAGE-INTEGRITY-SHA256. */
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_SHA256);
	assert_int_equal(v.key_len, 32);
	assert_memory_equal(v.key, key, 32);
	assert_true(v.integrity_sha256);
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS), tid);
	assert_int_equal(auth_response_sign(&b, &v), 0);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, buf, (size_t)n), STUN_OK);
	assert_true(stun_msg_check_integrity_sha256(&resp, key, 32));
	assert_false(stun_msg_has(&resp, STUN_SLOT_MESSAGE_INTEGRITY));

	/* The MD5 key under PASSWORD-ALGORITHM SHA-256 does not verify. */
	o.key = md5;
	o.key_len = 16;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);

	/* Negotiated SHA-256 key, MESSAGE-INTEGRITY (SHA-1): accepted, and
	 * the response still uses MESSAGE-INTEGRITY-SHA256 (RFC 8489 9.2.4). */
	o.key = key;
	o.key_len = 32;
	o.mi256 = false;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_true(v.integrity_sha256);

	/* Negotiated MD5. */
	o.alg = STUN_PASSWORD_ALG_MD5;
	o.key = md5;
	o.key_len = 16;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_MD5);
	assert_true(v.integrity_sha256);

	/* Legacy client (no algorithms) using MESSAGE-INTEGRITY-SHA256 with
	 * the MD5 key: accepted, answered in kind. */
	o.algs = NULL;
	o.alg = 0;
	o.mi256 = true;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_MD5);
	assert_true(v.integrity_sha256);
	assert_int_equal(v.key_len, 16);
}

static void
test_algorithm_bid_down(void **state)
{
	struct fix *f = *state;
	uint8_t key[32], md5[16];
	static const uint8_t algs_swapped[8] = { 0, 1, 0, 0, 0, 2, 0, 0 };
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "alice",
			      .realm = REALM,
			      .nonce = nonce,
			      .key = key,
			      .key_len = 32,
			      .mi256 = true };
	struct auth_verdict v;

	get_nonce(f, &f->a, T0, nonce);
	lt_key(EVP_sha256(), "alice", "wonderland", key);
	lt_key(EVP_md5(), "alice", "wonderland", md5);

	/* PASSWORD-ALGORITHM without PASSWORD-ALGORITHMS. */
	o.alg = STUN_PASSWORD_ALG_SHA256;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	assert_int_equal(v.reason, AUTH_REASON_ALGORITHM_MISMATCH);
	/* PASSWORD-ALGORITHMS without PASSWORD-ALGORITHM. */
	o.alg = 0;
	o.algs = algs_both;
	o.algs_len = 8;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	/* A list other than ours: stripped to MD5 ... */
	o.alg = STUN_PASSWORD_ALG_MD5;
	o.algs = algs_md5;
	o.algs_len = 4;
	o.key = md5;
	o.key_len = 16;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	/* ... or reordered. */
	o.algs = algs_swapped;
	o.algs_len = 8;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	/* An algorithm not in the list. */
	o.algs = algs_both;
	o.alg = 0x0003;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);

	/* Server without SHA-256: it offers MD5 only. */
	f->cfg.sha256 = false;
	o.alg = STUN_PASSWORD_ALG_SHA256;
	o.key = key;
	o.key_len = 32;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	o.algs = algs_md5;
	o.algs_len = 4;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 400);
	o.alg = STUN_PASSWORD_ALG_MD5;
	o.key = md5;
	o.key_len = 16;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);

	/* A nonce without the password-algorithms bit: the lists are not
	 * checked and the key is MD5's. */
	f->nonce.features = 0;
	get_nonce(f, &f->a, T0, nonce);
	assert_memory_equal(nonce + NONCE_COOKIE_LEN, "AAAA", 4);
	o.algs = algs_swapped;
	o.algs_len = 8;
	o.alg = STUN_PASSWORD_ALG_SHA256;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_MD5);
	/* ... and the challenge offers no list. */
	o = (struct req_opts){ 0 };
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.reply, AUTH_REPLY_REALM | AUTH_REPLY_NONCE);
}

static void
test_userhash(void **state)
{
	struct fix *f = *state;
	uint8_t key[32], hash[32];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .userhash = hash,
			      .realm = REALM,
			      .nonce = nonce,
			      .algs = algs_both,
			      .algs_len = 8,
			      .alg = STUN_PASSWORD_ALG_SHA256,
			      .key = key,
			      .key_len = 32,
			      .mi256 = true };
	struct auth_verdict v;

	f->nonce.features = NONCE_FEATURE_PASSWORD_ALGORITHMS |
			    NONCE_FEATURE_USERNAME_ANONYMITY;
	get_nonce(f, &f->a, T0, nonce);
	assert_memory_equal(nonce + NONCE_COOKIE_LEN, "AAAD", 4);
	assert_int_equal(EVP_Digest("alice:" REALM, 17, hash, NULL,
				    EVP_sha256(), NULL),
			 1);
	lt_key(EVP_sha256(), "alice", "wonderland", key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_STATIC);
	assert_string_equal(v.username, "alice");
	/* An unknown hash. */
	hash[0] ^= 0x80;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);
}

static void
test_md5_key_user(void **state)
{
	struct fix *f = *state;
	uint8_t key[32], md5[16];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "md5only",
			      .realm = REALM,
			      .nonce = nonce,
			      .algs = algs_both,
			      .algs_len = 8,
			      .alg = STUN_PASSWORD_ALG_SHA256,
			      .key = key,
			      .key_len = 32 };
	struct auth_verdict v;

	get_nonce(f, &f->a, T0, nonce);
	lt_key(EVP_sha256(), "md5only", "pw", key);
	lt_key(EVP_md5(), "md5only", "pw", md5);
	/* Only its MD5 key is known: SHA-256 cannot work. */
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);
	o.alg = STUN_PASSWORD_ALG_MD5;
	o.key = md5;
	o.key_len = 16;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_memory_equal(v.key, md5, 16);
}

static void
test_rest(void **state)
{
	struct fix *f = *state;
	char user[64], pass[29], nonce[NONCE_LEN + 1];
	uint8_t key[32];
	struct req_opts o = { .user = user,
			      .realm = REALM,
			      .nonce = nonce,
			      .key = key,
			      .key_len = 16 };
	struct auth_verdict v;

	get_nonce(f, &f->a, T0, nonce);
	snprintf(user, sizeof(user), "%llu:bob", T0 + 3600);

	/* First secret of the ring. */
	rest_password("north-secret", user, pass);
	lt_key(EVP_md5(), user, pass, key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_REST);
	assert_string_equal(v.username, user);
	assert_int_equal(v.expires_at, T0 + 3600);
	assert_memory_equal(v.key, key, 16);

	/* Second secret of the ring (rotation). */
	rest_password("south-secret", user, pass);
	lt_key(EVP_md5(), user, pass, key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_REST);

	/* A secret the server does not have. */
	rest_password("west-secret", user, pass);
	lt_key(EVP_md5(), user, pass, key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_BAD_INTEGRITY);

	/* SHA-256 password algorithm. */
	rest_password("south-secret", user, pass);
	lt_key(EVP_sha256(), user, pass, key);
	o.algs = algs_both;
	o.algs_len = 8;
	o.alg = STUN_PASSWORD_ALG_SHA256;
	o.key_len = 32;
	o.mi256 = true;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.key_len, 32);

	/* Expired, with a correct password. */
	snprintf(user, sizeof(user), "%llu:bob", T0 - 10);
	rest_password("north-secret", user, pass);
	lt_key(EVP_md5(), user, pass, key);
	o = (struct req_opts){ .user = user,
			       .realm = REALM,
			       .nonce = nonce,
			       .key = key,
			       .key_len = 16 };
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_REST_EXPIRED);

	/* REST off: the same username is just unknown. */
	snprintf(user, sizeof(user), "%llu:bob", T0 + 3600);
	rest_password("north-secret", user, pass);
	lt_key(EVP_md5(), user, pass, key);
	f->cfg.rest = NULL;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);
}

/* Mint a token for kid "north" (key "1234567890123456") like the WAF. */
static size_t
mint(struct fix *f, const char *server, uint64_t issued, uint32_t lifetime,
     uint8_t *out, size_t cap)
{
	struct oauth_token tok = { 0 };
	uint8_t iv[OAUTH_NONCE_LEN];
	int n;

	memcpy(tok.mac_key, f->mac_key, sizeof(f->mac_key));
	tok.mac_key_len = sizeof(f->mac_key);
	tok.timestamp = oauth_timestamp_make(issued, 0);
	tok.lifetime = lifetime;
	assert_int_equal(RAND_bytes(iv, sizeof(iv)), 1);
	n = oauth_token_encrypt((const uint8_t *)"1234567890123456", 16,
				OAUTH_ALG_A128GCM, server, iv, &tok, out, cap);
	assert_true(n > 0);
	return (size_t)n;
}

static void
test_oauth(void **state)
{
	struct fix *f = *state;
	uint8_t token[OAUTH_TOKEN_MAX], wrong[20];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "north",
			      .realm = REALM,
			      .nonce = nonce,
			      .token = token,
			      .key = f->mac_key,
			      .key_len = sizeof(f->mac_key) };
	struct auth_verdict v;

	f->cfg.oauth = &f->oauth;
	get_nonce(f, &f->a, T0, nonce);

	o.token_len = mint(f, SERVER, T0 - 100, 3600, token, sizeof(token));
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_OAUTH);
	assert_string_equal(v.username, "north");
	assert_int_equal(v.key_len, sizeof(f->mac_key));
	assert_memory_equal(v.key, f->mac_key, sizeof(f->mac_key));
	assert_int_equal(v.token_lifetime, 3600);
	assert_int_equal(v.expires_at, T0 - 100 + 3600);
	assert_int_equal(v.password_alg, 0);
	assert_false(v.integrity_sha256);

	/* MESSAGE-INTEGRITY-SHA256 with the mac_key. */
	o.mi256 = true;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_true(v.integrity_sha256);
	o.mi256 = false;

	/* Integrity under another key. */
	memset(wrong, 0x5A, sizeof(wrong));
	o.key = wrong;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_BAD_INTEGRITY);
	o.key = f->mac_key;

	/* Expired token. */
	o.token_len = mint(f, SERVER, T0 - 7200, 3600, token, sizeof(token));
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_OAUTH_EXPIRED);
	assert_true(v.reply & AUTH_REPLY_THIRD_PARTY);

	/* Token for another server (AAD mismatch). */
	o.token_len =
		mint(f, "other.example.org", T0, 3600, token, sizeof(token));
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_OAUTH_BAD_TOKEN);

	/* Tampered token. */
	o.token_len = mint(f, SERVER, T0, 3600, token, sizeof(token));
	token[20] ^= 1;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_OAUTH_BAD_TOKEN);

	/* Unknown kid. */
	o.token_len = mint(f, SERVER, T0, 3600, token, sizeof(token));
	o.user = "south";
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_OAUTH_UNKNOWN_KID);

	/* OAuth off: a valid token is not looked at. */
	o.user = "north";
	f->cfg.oauth = NULL;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);
}

/* coturn signs with the first 16 bytes of a 20-byte mac_key; answer in kind. */
static void
test_oauth_coturn_short_key(void **state)
{
	struct fix *f = *state;
	uint8_t token[OAUTH_TOKEN_MAX], mangled[16];
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "north",
			      .realm = REALM,
			      .nonce = nonce,
			      .token = token,
			      .key = f->mac_key,
			      .key_len = 16 };
	struct auth_verdict v;

	f->cfg.oauth = &f->oauth;
	get_nonce(f, &f->a, T0, nonce);
	o.token_len = mint(f, SERVER, T0, 3600, token, sizeof(token));
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_OAUTH);
	assert_true(v.new_token);
	assert_int_equal(v.key_len, 16); /* the response signs with it too */
	assert_memory_equal(v.key, f->mac_key, 16);

	/* Any other 16 bytes still fail. */
	memcpy(mangled, f->mac_key, 16);
	mangled[15] ^= 0x80;
	o.key = mangled;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_BAD_INTEGRITY);
}

/* RFC 7635 9.2: later requests sign with the token's key, no ACCESS-TOKEN. */
static void
test_oauth_session_key(void **state)
{
	struct fix *f = *state;
	char nonce[NONCE_LEN + 1];
	struct req_opts o = { .user = "north",
			      .realm = REALM,
			      .nonce = nonce,
			      .key = f->mac_key,
			      .key_len = sizeof(f->mac_key) };
	struct auth_session s = { .key_len = sizeof(f->mac_key),
				  .expires_at = T0 + 60 };
	uint8_t buf[1500], other[20];
	struct stun_msg msg;
	struct auth_verdict v;

	memcpy(s.key, f->mac_key, sizeof(f->mac_key));
	f->cfg.oauth = &f->oauth;
	get_nonce(f, &f->a, T0, nonce);
	build_req(&o, buf, sizeof(buf), &msg);

	/* Without a session there is nothing to verify with. */
	auth_request_check_session(&f->cfg, &msg, &f->a, T0, NULL, &v);
	assert_int_equal(v.error, 401);

	auth_request_check_session(&f->cfg, &msg, &f->a, T0, &s, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_OAUTH);
	assert_false(v.new_token);
	assert_int_equal(v.expires_at, T0 + 60);
	assert_memory_equal(v.key, f->mac_key, sizeof(f->mac_key));

	/* A session whose token ran out (beyond the skew) is refused. */
	auth_request_check_session(&f->cfg, &msg, &f->a, T0 + 60 + 6, &s, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_OAUTH_EXPIRED);

	/* The session's key must be the one the request signed with. */
	memset(other, 0x33, sizeof(other));
	memcpy(s.key, other, sizeof(other));
	auth_request_check_session(&f->cfg, &msg, &f->a, T0, &s, &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_BAD_INTEGRITY);

	/* OAuth off: sessions are not consulted either. */
	memcpy(s.key, f->mac_key, sizeof(f->mac_key));
	f->cfg.oauth = NULL;
	auth_request_check_session(&f->cfg, &msg, &f->a, T0, &s, &v);
	assert_int_equal(v.error, 401);
}

/* All three kinds side by side in one configuration. */
static void
test_mechanisms_together(void **state)
{
	struct fix *f = *state;
	uint8_t token[OAUTH_TOKEN_MAX], key[16];
	char user[64], pass[29], nonce[NONCE_LEN + 1];
	struct req_opts o = { .realm = REALM, .nonce = nonce };
	struct auth_verdict v;

	f->cfg.oauth = &f->oauth;
	get_nonce(f, &f->a, T0, nonce);

	o.user = "alice";
	lt_key(EVP_md5(), "alice", "wonderland", key);
	o.key = key;
	o.key_len = 16;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_STATIC);

	snprintf(user, sizeof(user), "%llu", T0 + 60);
	rest_password("south-secret", user, pass);
	lt_key(EVP_md5(), user, pass, key);
	o.user = user;
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_REST);

	o.user = "north";
	o.token = token;
	o.token_len = mint(f, SERVER, T0, 600, token, sizeof(token));
	o.key = f->mac_key;
	o.key_len = sizeof(f->mac_key);
	check(f, &o, &f->a, T0, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_OAUTH);
}

static void
test_reason_names(void **state)
{
	(void)state;
	for (int i = 0; i < AUTH_REASON__COUNT; i++) {
		const char *s = auth_reason_name((enum auth_reason)i);

		assert_non_null(s);
		assert_string_not_equal(s, "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(s,
						auth_reason_name((enum auth_reason)
									 j));
	}
	assert_string_equal(auth_reason_name(AUTH_REASON__COUNT), "?");
}

#define T(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_integrity_challenge),
		T(test_third_party_only_with_oauth),
		T(test_static_user_md5),
		T(test_wrong_password_and_unknown_user),
		T(test_stale_and_foreign_nonce),
		T(test_forged_nonce_before_keys),
		T(test_missing_attributes),
		T(test_sha256_paths),
		T(test_algorithm_bid_down),
		T(test_userhash),
		T(test_md5_key_user),
		T(test_rest),
		T(test_oauth),
		T(test_oauth_coturn_short_key),
		T(test_oauth_session_key),
		T(test_mechanisms_together),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
