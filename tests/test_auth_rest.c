/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for the "TURN REST API" ephemeral credentials
 * (controlplane/auth_rest.c).
 *
 * Vectors and where they come from:
 *  - Published: the mojoauth library's README (readme.hex.pm/mojoauth/1.0.2),
 *    secret "y662KxTm1X4DvVCml+witUgwdJkNbR013JvFFUy6ZxuWozjHwND6vlIREoylJBh/
 *    9TiuSMpBqluNekWqN7kaPg==" (as text), username "1413748361:foobar",
 *    password "sJgD0PLv892CUSfp1HL2td5NEeM=".  Reproduced independently with
 *      printf %s 1413748361:foobar | openssl dgst -sha1 -hmac "$SECRET" -binary | base64
 *  - Computed with the OpenSSL 3.0 command line when writing this test:
 *      printf %s 1700000000:alice | openssl dgst -sha1 -hmac north-secret -binary | base64
 *        -> g+jb180fcj+xlpA/2mP60OdIgU0=
 *      printf %s 1700000000:alice | openssl dgst -sha1 -hmac old-secret -binary | base64
 *        -> NxP/F5ItkmM8mlwX6/Iat/fdNco=
 *      printf %s '1700000000:alice:example.org:g+jb180fcj+xlpA/2mP60OdIgU0=' | openssl dgst -md5
 *        -> 21b7a39e7ca72cc4359f0ec60528da8b
 *      ... | openssl dgst -sha256
 *        -> 5b90956b6ee9b499f2e35518d46527a3ff1dbafbb91e2535f5bb5f02fe803c05
 *      printf %s '1700000000:alice:example.org:NxP/F5ItkmM8mlwX6/Iat/fdNco=' | openssl dgst -md5
 *        -> d003b0d5246d3c8351f88d75ef804813
 *      printf %s '1413748361:foobar:example.org:sJgD0PLv892CUSfp1HL2td5NEeM=' | openssl dgst -md5
 *        -> 677c5154fd835a4765cb20c03d4cdf0c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth_rest.h"

#define MOJO_SECRET \
	"y662KxTm1X4DvVCml+witUgwdJkNbR013JvFFUy6ZxuWozjHwND6vlIREoylJBh/9TiuSMpBqluNekWqN7kaPg=="
#define S(x) (const uint8_t *)(x), strlen(x)

static void
hex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i] != '\0'; i++) {
		unsigned int b;

		assert_int_equal(sscanf(h + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
}

static void
test_password_vectors(void **state)
{
	char pw[AUTH_REST_PASSWORD_LEN + 1];

	(void)state;
	assert_int_equal(auth_rest_password(S(MOJO_SECRET), "1413748361:foobar",
					    17, pw),
			 0);
	assert_string_equal(pw, "sJgD0PLv892CUSfp1HL2td5NEeM=");
	assert_int_equal(auth_rest_password(S("north-secret"),
					    "1700000000:alice", 16, pw),
			 0);
	assert_string_equal(pw, "g+jb180fcj+xlpA/2mP60OdIgU0=");
	assert_int_equal(auth_rest_password(S("old-secret"), "1700000000:alice",
					    16, pw),
			 0);
	assert_string_equal(pw, "NxP/F5ItkmM8mlwX6/Iat/fdNco=");
	/* The length counts: a prefix of the username is another username. */
	assert_int_equal(auth_rest_password(S("north-secret"),
					    "1700000000:alice", 15, pw),
			 0);
	assert_string_not_equal(pw, "g+jb180fcj+xlpA/2mP60OdIgU0=");
	/* Bad arguments. */
	assert_int_equal(auth_rest_password((const uint8_t *)"x", 0, "1:a", 3, pw),
			 -EINVAL);
	assert_int_equal(auth_rest_password(NULL, 1, "1:a", 3, pw), -EINVAL);
	assert_int_equal(auth_rest_password(S("x"), "1:a",
					    AUTH_REST_USERNAME_MAX + 1, pw),
			 -EINVAL);
}

static void
test_key_vectors(void **state)
{
	uint8_t key[32], want[32];

	(void)state;
	assert_int_equal(auth_rest_key_md5(S("north-secret"), "1700000000:alice",
					   "example.org", key),
			 0);
	hex("21b7a39e7ca72cc4359f0ec60528da8b", want);
	assert_memory_equal(key, want, 16);
	assert_int_equal(auth_rest_key_sha256(S("north-secret"),
					      "1700000000:alice", "example.org",
					      key),
			 0);
	hex("5b90956b6ee9b499f2e35518d46527a3ff1dbafbb91e2535f5bb5f02fe803c05",
	    want);
	assert_memory_equal(key, want, 32);
	assert_int_equal(auth_rest_key_md5(S(MOJO_SECRET), "1413748361:foobar",
					   "example.org", key),
			 0);
	hex("677c5154fd835a4765cb20c03d4cdf0c", want);
	assert_memory_equal(key, want, 16);
	/* Realm matters. */
	assert_int_equal(auth_rest_key_md5(S(MOJO_SECRET), "1413748361:foobar",
					   "example.com", key),
			 0);
	assert_memory_not_equal(key, want, 16);
	assert_int_equal(auth_rest_key_md5(S(MOJO_SECRET), NULL, "r", key),
			 -EINVAL);
	assert_int_equal(auth_rest_key_md5(S(MOJO_SECRET), "1:a", NULL, key),
			 -EINVAL);
}

static void
expect_expiry(const char *u, int ret, uint64_t want)
{
	uint64_t e = 12345;

	assert_int_equal(auth_rest_username_expiry(u, strlen(u), &e), ret);
	if (ret == 0)
		assert_true(e == want);
}

static void
test_expiry_parse(void **state)
{
	(void)state;
	expect_expiry("1413748361:foobar", 0, 1413748361);
	expect_expiry("1413748361", 0, 1413748361);
	expect_expiry("1413748361:", 0, 1413748361);
	expect_expiry("0:x", 0, 0);
	expect_expiry("1:a:b:c", 0, 1);
	expect_expiry("foobar:1413748361", 0, 1413748361); /* coturn's older order */
	expect_expiry(":1413748361", 0, 1413748361);
	expect_expiry("a:b:77", 0, 77);
	expect_expiry("18446744073709551615:x", 0, UINT64_MAX);
	expect_expiry("18446744073709551615", 0, UINT64_MAX);
	expect_expiry("00000000000000000000000001:x", 0, 1);
	expect_expiry("18446744073709551616:x", -EINVAL, 0);
	expect_expiry("99999999999999999999:x", -EINVAL, 0);
	expect_expiry("x:18446744073709551616", -EINVAL, 0);
	expect_expiry("", -EINVAL, 0);
	expect_expiry(":", -EINVAL, 0);
	expect_expiry("foobar", -EINVAL, 0);
	expect_expiry("-1:x", -EINVAL, 0);
	expect_expiry("+1:x", -EINVAL, 0);
	expect_expiry(" 1:x", -EINVAL, 0);
	expect_expiry("1 :x", -EINVAL, 0);
	expect_expiry("1x", -EINVAL, 0);
	expect_expiry("0x10:x", -EINVAL, 0);
	expect_expiry("x:1 ", -EINVAL, 0);
	expect_expiry("x:", -EINVAL, 0);
	/* Length-delimited: bytes past ulen are not read, embedded NUL is not a digit. */
	uint64_t e;
	assert_int_equal(auth_rest_username_expiry("123456", 3, &e), 0);
	assert_true(e == 123);
	assert_int_equal(auth_rest_username_expiry("12\0003", 4, &e), -EINVAL);
	assert_int_equal(auth_rest_username_expiry(NULL, 3, &e), -EINVAL);
}

static void
test_expiry_check(void **state)
{
	const char *u = "1700000000:alice";

	(void)state;
	assert_int_equal(auth_rest_username_check(u, 16, 1699999999, 0), 0);
	assert_int_equal(auth_rest_username_check(u, 16, 1700000000, 0), 0);
	assert_int_equal(auth_rest_username_check(u, 16, 1700000001, 0),
			 -ETIMEDOUT);
	assert_int_equal(auth_rest_username_check(u, 16, UINT64_MAX, 0),
			 -ETIMEDOUT);
	assert_int_equal(auth_rest_username_check(u, 16, 0, 0), 0);
	/* A cap on how far ahead a username may expire. */
	assert_int_equal(auth_rest_username_check(u, 16, 1700000000 - 86400,
						  86400),
			 0);
	assert_int_equal(auth_rest_username_check(u, 16, 1700000000 - 86401,
						  86400),
			 -EINVAL);
	assert_int_equal(auth_rest_username_check("alice", 5, 0, 0), -EINVAL);
}

static void
test_ring(void **state)
{
	struct auth_rest_ring ring;
	uint8_t keys[AUTH_REST_SECRETS_MAX][AUTH_REST_KEY_MD5_LEN];
	uint8_t keys256[2][AUTH_REST_KEY_SHA256_LEN];
	uint8_t want[32];
	char secret[16];

	(void)state;
	auth_rest_ring_init(&ring, 0);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, 4),
			 -ENOKEY);
	/* Rotation: the new secret first, the old one still accepted. */
	assert_int_equal(auth_rest_ring_add(&ring, S("north-secret")), 0);
	assert_int_equal(auth_rest_ring_add(&ring, S("old-secret")), 0);
	assert_int_equal(auth_rest_ring_add(&ring, S("old-secret")), -EEXIST);
	assert_int_equal(auth_rest_ring_add(&ring, (const uint8_t *)"x", 0),
			 -EINVAL);
	assert_int_equal(auth_rest_ring_add(&ring, (const uint8_t *)"x",
					    AUTH_REST_SECRET_MAX + 1),
			 -EINVAL);

	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, AUTH_REST_SECRETS_MAX),
			 2);
	hex("21b7a39e7ca72cc4359f0ec60528da8b", want);
	assert_memory_equal(keys[0], want, 16);
	hex("d003b0d5246d3c8351f88d75ef804813", want);
	assert_memory_equal(keys[1], want, 16);
	/* max limits how many are written. */
	memset(keys, 0, sizeof(keys));
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, 1),
			 1);
	assert_int_equal(keys[1][0] | keys[1][15], 0);
	assert_int_equal(auth_rest_ring_keys_sha256(&ring, "1700000000:alice",
						    "example.org", 1690000000,
						    keys256, 2),
			 2);
	hex("5b90956b6ee9b499f2e35518d46527a3ff1dbafbb91e2535f5bb5f02fe803c05",
	    want);
	assert_memory_equal(keys256[0], want, 32);
	/* Expired or malformed usernames yield no keys. */
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1700000001,
						 keys, 4),
			 -ETIMEDOUT);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "alice", "example.org",
						 0, keys, 4),
			 -EINVAL);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 0, keys, 0),
			 -EINVAL);
	/* The ring's TTL cap. */
	ring.max_ttl_s = 3600;
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, 4),
			 -EINVAL);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org",
						 1700000000 - 3600, keys, 4),
			 2);
	ring.max_ttl_s = 0;

	/* End of the rotation: the old secret goes. */
	assert_int_equal(auth_rest_ring_remove(&ring, S("old-secret")), 0);
	assert_int_equal(auth_rest_ring_remove(&ring, S("old-secret")), -ENOENT);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, 4),
			 1);
	hex("21b7a39e7ca72cc4359f0ec60528da8b", want);
	assert_memory_equal(keys[0], want, 16);
	/* Removing the first shifts the rest down. */
	assert_int_equal(auth_rest_ring_add(&ring, S("old-secret")), 0);
	assert_int_equal(auth_rest_ring_remove(&ring, S("north-secret")), 0);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, 4),
			 1);
	hex("d003b0d5246d3c8351f88d75ef804813", want);
	assert_memory_equal(keys[0], want, 16);

	/* Full. */
	for (unsigned int i = ring.n_secrets; i < AUTH_REST_SECRETS_MAX; i++) {
		snprintf(secret, sizeof(secret), "s%u", i);
		assert_int_equal(auth_rest_ring_add(&ring, S(secret)), 0);
	}
	assert_int_equal(auth_rest_ring_add(&ring, S("one-too-many")), -ENOSPC);
	assert_int_equal(auth_rest_ring_keys_md5(&ring, "1700000000:alice",
						 "example.org", 1690000000,
						 keys, AUTH_REST_SECRETS_MAX),
			 AUTH_REST_SECRETS_MAX);
	assert_memory_equal(keys[0], want, 16);
}

/* The user id, which the quotas count by (turn_quota.h). */
static void
expect_user(const char *name, int rc, const char *want)
{
	const char *id = NULL;
	size_t len = 0;

	assert_int_equal(auth_rest_username_user(name, strlen(name), &id, &len),
			 rc);
	if (want == NULL)
		return;
	assert_int_equal(len, strlen(want));
	assert_memory_equal(id, want, len);
}

static void
test_user_id(void **state)
{
	(void)state;
	expect_user("1700000000:alice", 0, "alice");
	/* A later credential of the same person: the same id. */
	expect_user("1700086400:alice", 0, "alice");
	/* Only the first separator splits: the id may hold colons. */
	expect_user("1700000000:org:alice", 0, "org:alice");
	/* coturn's older "<id>:<expiry>". */
	expect_user("alice:1700000000", 0, "alice");
	expect_user("org:alice:1700000000", 0, "org:alice");
	/* A bare timestamp names nobody; an empty id neither. */
	expect_user("1700000000", -ENOENT, NULL);
	expect_user("1700000000:", -ENOENT, NULL);
	/* No timestamp at all: not a REST username. */
	expect_user("alice", -EINVAL, NULL);
	expect_user("alice:bob", -EINVAL, NULL);
}

/* A reload carries pushed secrets into the ring built from the file: a
 * secret in both is kept once, marked pushed; too many in all is -ENOSPC. */
static void
test_ring_merge_pushed(void **state)
{
	struct auth_rest_ring live, fresh;
	char name[16];

	(void)state;
	auth_rest_ring_init(&live, 0);
	assert_int_equal(auth_rest_ring_add(&live, (const uint8_t *)"file", 4),
			 0);
	assert_int_equal(auth_rest_ring_add(&live, (const uint8_t *)"p1", 2), 0);
	assert_int_equal(auth_rest_ring_add(&live, (const uint8_t *)"both", 4),
			 0);
	assert_int_equal(auth_rest_ring_mark_pushed(&live,
						    (const uint8_t *)"p1", 2),
			 0);
	assert_int_equal(auth_rest_ring_mark_pushed(&live,
						    (const uint8_t *)"both", 4),
			 0);
	assert_int_equal(auth_rest_ring_mark_pushed(&live, (const uint8_t *)"x",
						    1),
			 -ENOENT);
	auth_rest_ring_init(&fresh, 60);
	assert_int_equal(auth_rest_ring_add(&fresh, (const uint8_t *)"both", 4),
			 0);
	assert_int_equal(auth_rest_ring_merge_pushed(&fresh, &live), 0);
	assert_int_equal(fresh.n_secrets, 2);
	assert_memory_equal(fresh.secrets[0].secret, "both", 4);
	assert_true(fresh.secrets[0].pushed);
	assert_memory_equal(fresh.secrets[1].secret, "p1", 2);
	assert_true(fresh.secrets[1].pushed);
	assert_int_equal(fresh.max_ttl_s, 60);
	/* Full: the file's secrets and the pushed ones make too many. */
	auth_rest_ring_init(&fresh, 0);
	for (int i = 0; i < AUTH_REST_SECRETS_MAX; i++) {
		int n = snprintf(name, sizeof(name), "f%d", i);

		assert_int_equal(auth_rest_ring_add(&fresh, (const uint8_t *)name,
						    (size_t)n),
				 0);
	}
	assert_int_equal(auth_rest_ring_merge_pushed(&fresh, &live), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_vectors),
		cmocka_unit_test(test_key_vectors),
		cmocka_unit_test(test_expiry_parse),
		cmocka_unit_test(test_expiry_check),
		cmocka_unit_test(test_user_id),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_ring_merge_pushed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
