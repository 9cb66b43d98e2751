/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quotas count what a person is (issue 13, weakness 4; turn_quota.h):
 * a long-term or pushed user by name, a REST credential by the user id
 * after the colon (so minting a new credential does not start a new
 * count), an OAuth token by its key with a cap per kid on top (so one
 * token holder cannot lock out every client of its authorization server).
 * First the keys themselves, then each kind through the server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>

#include "auth_oauth.h"
#include "auth_rest.h"
#include "turn_harness.h"
#include "turn_quota.h"

static struct harness h;

static void
verdict(struct auth_verdict *v, enum auth_mech mech, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->mech = mech;
	v->username_len = (uint16_t)strlen(name);
	memcpy(v->username, name, v->username_len + 1);
}

static void
expect_key(const struct turn_quota_keys *k, enum turn_quota_group g,
	   const char *want)
{
	if (want == NULL) {
		assert_int_equal(k->len[g], 0);
		return;
	}
	assert_int_equal(k->len[g], strlen(want));
	assert_string_equal(k->key[g], want);
}

static void
test_keys(void **state)
{
	struct auth_verdict v;
	struct turn_quota_keys k;

	(void)state;
	verdict(&v, AUTH_MECH_STATIC, "alice");
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, "u:alice");
	expect_key(&k, TURN_QUOTA_KID, NULL);

	verdict(&v, AUTH_MECH_REST, "1700000000:alice");
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, "r:alice");
	verdict(&v, AUTH_MECH_REST, "alice:1700086400");
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, "r:alice");
	/* Nothing names the person: the credential counts alone. */
	verdict(&v, AUTH_MECH_REST, "1700000000");
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, "r:1700000000");
	/* A static user named like a REST id is someone else. */
	verdict(&v, AUTH_MECH_STATIC, "r:alice");
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, "u:r:alice");

	/* OAuth: the token's key, hashed; the kid apart.  The hash of bytes
	 * 00..13, outside this code:
	 *   hashlib.sha256(bytes(range(20))).hexdigest()[:32] */
	verdict(&v, AUTH_MECH_OAUTH, "north");
	for (int i = 0; i < 20; i++)
		v.key[i] = (uint8_t)i;
	v.key_len = 20;
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, "t:e7aebf577f60412f0312d442c70a1fa6");
	expect_key(&k, TURN_QUOTA_KID, "k:north");

	/* No authentication, or a refusal: counted nowhere. */
	turn_quota_keys_make(NULL, &k);
	expect_key(&k, TURN_QUOTA_PERSON, NULL);
	expect_key(&k, TURN_QUOTA_KID, NULL);
	v.error = 401;
	turn_quota_keys_make(&v, &k);
	expect_key(&k, TURN_QUOTA_PERSON, NULL);
}

/* Long-term users by name; a user pushed over the admin socket lands in
 * the same table (cp_admin.c's user-add is auth_user_db_add()). */
static void
test_longterm_and_pushed_by_name(void **state)
{
	struct h_client c[4];

	(void)state;
	h_init(&h, 3, false);
	h.params.user_quota = 2;
	h_start(&h);
	for (int i = 0; i < 3; i++) {
		h_client_init(&c[i], "alice", "alicepass", (uint8_t)(10 + i),
			      40000);
		h_login(&h, &c[i]);
	}
	assert_int_equal(h_allocate(&h, &c[0], 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c[1], 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c[2], 0, NULL), 486);
	h_client_init(&c[3], "bob", "bobpass", 13, 40000);
	h_login(&h, &c[3]);
	assert_int_equal(h_allocate(&h, &c[3], 0, NULL), 0);

	assert_int_equal(auth_user_db_add(&h.users, "dave:davepass"), 0);
	for (int i = 0; i < 3; i++) {
		h_client_init(&c[i], "dave", "davepass", (uint8_t)(20 + i),
			      40000);
		h_login(&h, &c[i]);
	}
	assert_int_equal(h_allocate(&h, &c[0], 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c[1], 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c[2], 0, NULL), 486);
	/* One of dave's ends: his count goes down with it. */
	assert_int_equal(h_refresh(&h, &c[0], 0), 0);
	assert_int_equal(h_allocate(&h, &c[2], 0, NULL), 0);
	assert_int_equal(turn_server_stats(h.srv)->replies[TURN_REPLY_QUOTA_REACHED],
			 2);
	h_fini(&h);
}

/* A client of @name (REST username) at 192.0.2.@host. */
static void
rest_client(struct h_client *c, const char *secret, const char *name, uint8_t host)
{
	char password[AUTH_REST_PASSWORD_LEN + 1];

	assert_int_equal(auth_rest_password((const uint8_t *)secret,
					    strlen(secret), name, strlen(name),
					    password),
			 0);
	h_client_init(c, name, password, host, 40000);
	h_login(&h, c);
}

/*
 * REST by the user id: before, every credential minted for carol started
 * a count of its own, so a quota of 2 let her hold as many allocations as
 * she minted credentials.
 */
static void
test_rest_by_user_id(void **state)
{
	static const char secret[] = "north-secret";
	char n1[64], n2[64], n3[64], other[64], bare1[32], bare2[32];
	struct auth_rest_ring ring;
	struct h_client c1, c2, c3, e, b1, b2, b3;
	unsigned long long t = (unsigned long long)h_unix_now;

	(void)state;
	auth_rest_ring_init(&ring, 0);
	assert_int_equal(auth_rest_ring_add(&ring, (const uint8_t *)secret,
					    strlen(secret)),
			 0);
	h_init(&h, 3, false);
	h.auth.rest = &ring;
	h.params.user_quota = 2;
	h_start(&h);
	snprintf(n1, sizeof(n1), "%llu:carol", t + 3600);
	snprintf(n2, sizeof(n2), "%llu:carol", t + 7200);
	snprintf(n3, sizeof(n3), "carol:%llu", t + 9000); /* coturn's order */
	snprintf(other, sizeof(other), "%llu:erin", t + 3600);
	rest_client(&c1, secret, n1, 10);
	rest_client(&c2, secret, n2, 11);
	rest_client(&c3, secret, n3, 12);
	rest_client(&e, secret, other, 13);
	assert_int_equal(h_allocate(&h, &c1, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c2, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &c3, 0, NULL), 486);
	assert_int_equal(h_allocate(&h, &e, 0, NULL), 0);

	/* Bare timestamps name nobody: each credential counts alone. */
	snprintf(bare1, sizeof(bare1), "%llu", t + 3600);
	snprintf(bare2, sizeof(bare2), "%llu", t + 3601);
	rest_client(&b1, secret, bare1, 20);
	rest_client(&b2, secret, bare1, 21);
	rest_client(&b3, secret, bare1, 22);
	assert_int_equal(h_allocate(&h, &b1, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &b2, 0, NULL), 0);
	assert_int_equal(h_allocate(&h, &b3, 0, NULL), 486);
	rest_client(&b3, secret, bare2, 22);
	assert_int_equal(h_allocate(&h, &b3, 0, NULL), 0);
	h_fini(&h);
}

/* An OAuth Allocate from 192.0.2.@host with a fresh token for @mac. */
static uint16_t
token_allocate(const struct auth_oauth_key *key, const uint8_t *mac,
	       uint8_t host, struct h_client *c)
{
	uint8_t token[OAUTH_TOKEN_MAX];
	struct h_token_req t = {
		.kid = key->kid,
		.token = token,
		.token_len = h_token_mint(key, mac, token, sizeof(token)),
		.mac_key = mac,
		.mac_len = 20,
		.lifetime = UINT32_MAX,
	};

	h_client_init(c, NULL, NULL, host, 40000);
	c->user = key->kid;
	h_login(&h, c);
	return h_token_request(&h, c, STUN_METHOD_ALLOCATE, &t);
}

/*
 * OAuth per token, with a cap per kid.  Before, every allocation under a
 * kid counted as one user, so the holder of one token could take the whole
 * user-quota and every other client of that authorization server got 486.
 */
static void
test_oauth_per_token_and_kid(void **state)
{
	struct auth_oauth_keyring ring;
	struct auth_oauth_key north = { .kid = "north",
					.key_len = 16,
					.alg = OAUTH_ALG_A128GCM };
	struct auth_oauth_key south = { .kid = "south",
					.key_len = 16,
					.alg = OAUTH_ALG_A128GCM };
	uint8_t mac[5][20];
	struct h_client c[6];
	struct h_token_req del;

	(void)state;
	assert_int_equal(RAND_bytes(north.key, 16), 1);
	assert_int_equal(RAND_bytes(south.key, 16), 1);
	assert_int_equal(RAND_bytes(&mac[0][0], sizeof(mac)), 1);
	auth_oauth_keyring_init(&ring);
	assert_int_equal(auth_oauth_keyring_add(&ring, &north), 0);
	assert_int_equal(auth_oauth_keyring_add(&ring, &south), 0);
	h_init(&h, 3, false);
	h.auth.oauth = &ring;
	h.params.user_quota = 1;
	h.params.kid_quota = 2;
	h_start(&h);

	/* Token 0 has its one allocation; a second (another token for the
	 * same key, from another 5-tuple) is over its quota. */
	assert_int_equal(token_allocate(&north, mac[0], 10, &c[0]), 0);
	assert_int_equal(token_allocate(&north, mac[0], 11, &c[1]), 486);
	/* Another client of the same authorization server is not locked
	 * out by it... */
	assert_int_equal(token_allocate(&north, mac[1], 12, &c[2]), 0);
	/* ...until the kid's cap (2) is reached. */
	assert_int_equal(token_allocate(&north, mac[2], 13, &c[3]), 486);
	/* The other kid has its own cap. */
	assert_int_equal(token_allocate(&south, mac[3], 14, &c[4]), 0);

	/* Token 0's allocation ends: both its counts go down. */
	del = (struct h_token_req){ .kid = "north",
				    .mac_key = mac[0],
				    .mac_len = 20,
				    .lifetime = 0 };
	assert_int_equal(h_token_request(&h, &c[0], STUN_METHOD_REFRESH, &del),
			 0);
	assert_int_equal(token_allocate(&north, mac[2], 15, &c[5]), 0);
	assert_int_equal(turn_server_stats(h.srv)->replies[TURN_REPLY_QUOTA_REACHED],
			 2);
	h_fini(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_longterm_and_pushed_by_name),
		cmocka_unit_test(test_rest_by_user_id),
		cmocka_unit_test(test_oauth_per_token_and_kid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
