/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Password algorithm negotiation (auth_algorithm.h, RFC 8489 section 9.2)
 * and the SHA-256 keys it selects, with vectors computed outside this
 * code:
 *
 *  - the long-term SHA-256 key of alice / turnpike.test / alicepass:
 *      printf 'alice:turnpike.test:alicepass' | openssl dgst -sha256
 *      = 7a9e0bd7c710e115c652aca6726e9160f56866f407aed84dc350df947e21cffa
 *  - the REST SHA-256 key of "1700003600:carol" under secret north-secret:
 *      password = base64(HMAC-SHA1) = yPSIWk0T82cCqrdBm0O4lji+27Q=
 *        (printf '1700003600:carol' |
 *         openssl dgst -sha1 -hmac north-secret -binary | base64)
 *      key = hashlib.sha256(b"1700003600:carol:turnpike.test:" + password)
 *      = a592868d8a23ec9916e6a754a22c75ac5241ef53e8078d265b08cb7febd7e33a
 *  - a whole Allocate request with PASSWORD-ALGORITHMS, PASSWORD-ALGORITHM
 *    SHA-256 and MESSAGE-INTEGRITY-SHA256, built byte by byte in Python
 *    (struct.pack for each attribute, hmac.new(key, header + body,
 *    hashlib.sha256) with the header length already counting the 36 bytes
 *    of MESSAGE-INTEGRITY-SHA256, RFC 8489 section 14.6).  RFC 8489 has no
 *    such vector for a long-term SHA-256 key; Appendix B.1 (USERHASH) is
 *    checked in test_auth_longterm.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth_algorithm.h"
#include "auth_longterm.h"
#include "auth_rest.h"
#include "nonce.h"

#define REALM "turnpike.test"

static const uint8_t alice_sha256[32] = {
	0x7a, 0x9e, 0x0b, 0xd7, 0xc7, 0x10, 0xe1, 0x15, 0xc6, 0x52, 0xac,
	0xa6, 0x72, 0x6e, 0x91, 0x60, 0xf5, 0x68, 0x66, 0xf4, 0x07, 0xae,
	0xd8, 0x4d, 0xc3, 0x50, 0xdf, 0x94, 0x7e, 0x21, 0xcf, 0xfa,
};

static const uint8_t carol_rest_sha256[32] = {
	0xa5, 0x92, 0x86, 0x8d, 0x8a, 0x23, 0xec, 0x99, 0x16, 0xe6, 0xa7,
	0x54, 0xa2, 0x2c, 0x75, 0xac, 0x52, 0x41, 0xef, 0x53, 0xe8, 0x07,
	0x8d, 0x26, 0x5b, 0x08, 0xcb, 0x7f, 0xeb, 0xd7, 0xe3, 0x3a,
};

/* A nonce with the cookie and the password-algorithms bit ("AAAB"). */
#define NONCE_AAAB "obMatJos2AAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* The Python-built request (see the file comment), 168 bytes. */
static const uint8_t sha256_request[] = {
	/* Allocate request, length 0x94, magic cookie, tid 00..0b */
	0x00,
	0x03,
	0x00,
	0x94,
	0x21,
	0x12,
	0xa4,
	0x42,
	0x00,
	0x01,
	0x02,
	0x03,
	0x04,
	0x05,
	0x06,
	0x07,
	0x08,
	0x09,
	0x0a,
	0x0b,
	/* REQUESTED-TRANSPORT UDP */
	0x00,
	0x19,
	0x00,
	0x04,
	0x11,
	0x00,
	0x00,
	0x00,
	/* USERNAME "alice" */
	0x00,
	0x06,
	0x00,
	0x05,
	0x61,
	0x6c,
	0x69,
	0x63,
	0x65,
	0x00,
	0x00,
	0x00,
	/* REALM "turnpike.test" */
	0x00,
	0x14,
	0x00,
	0x0d,
	0x74,
	0x75,
	0x72,
	0x6e,
	0x70,
	0x69,
	0x6b,
	0x65,
	0x2e,
	0x74,
	0x65,
	0x73,
	0x74,
	0x00,
	0x00,
	0x00,
	/* NONCE "obMatJos2AAAB" + 32 x "A" */
	0x00,
	0x15,
	0x00,
	0x2d,
	0x6f,
	0x62,
	0x4d,
	0x61,
	0x74,
	0x4a,
	0x6f,
	0x73,
	0x32,
	0x41,
	0x41,
	0x41,
	0x42,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x41,
	0x00,
	0x00,
	0x00,
	/* PASSWORD-ALGORITHMS: SHA-256, MD5, no parameters */
	0x80,
	0x02,
	0x00,
	0x08,
	0x00,
	0x02,
	0x00,
	0x00,
	0x00,
	0x01,
	0x00,
	0x00,
	/* PASSWORD-ALGORITHM: SHA-256 */
	0x00,
	0x1d,
	0x00,
	0x04,
	0x00,
	0x02,
	0x00,
	0x00,
	/* MESSAGE-INTEGRITY-SHA256 */
	0x00,
	0x1c,
	0x00,
	0x20,
	0xb9,
	0x67,
	0xc7,
	0xa1,
	0x8b,
	0x85,
	0xb9,
	0x91,
	0x82,
	0x0c,
	0x72,
	0xe2,
	0xc3,
	0x34,
	0x0f,
	0x3a,
	0x6f,
	0xd3,
	0xa2,
	0x64,
	0x90,
	0x35,
	0xff,
	0x38,
	0x5c,
	0x06,
	0x2b,
	0xc1,
	0x7a,
	0x93,
	0xeb,
	0xf3,
};

static const uint8_t tid[STUN_TID_LEN] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

/* What a request carries besides the credentials. */
struct algs {
	const uint8_t *list; /* PASSWORD-ALGORITHMS value, or NULL */
	size_t list_len;
	uint16_t alg;    /* PASSWORD-ALGORITHM, 0 = absent */
	uint16_t params; /* its parameters length (then zero bytes) */
};

static const uint8_t offer_both[8] = { 0, 2, 0, 0, 0, 1, 0, 0 };
static const uint8_t offer_md5[4] = { 0, 1, 0, 0 };
static const uint8_t offer_reversed[8] = { 0, 1, 0, 0, 0, 2, 0, 0 };

/* Build the request of the vector with other algorithm attributes. */
static size_t
build(const struct algs *a, const uint8_t *key, uint8_t *buf, size_t cap,
      struct stun_msg *msg)
{
	static const char nonce[] = NONCE_AAAB;
	struct stun_builder b;
	int n;

	stun_build_init(&b, buf, cap,
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST), tid);
	stun_build_transport(&b, 17);
	stun_build_attr(&b, STUN_ATTR_USERNAME, "alice", 5);
	stun_build_attr(&b, STUN_ATTR_REALM, REALM, strlen(REALM));
	stun_build_attr(&b, STUN_ATTR_NONCE, nonce, strlen(nonce));
	if (a->list != NULL)
		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, a->list,
				a->list_len);
	if (a->alg != 0) {
		uint8_t v[4 + 4] = { (uint8_t)(a->alg >> 8), (uint8_t)a->alg,
				     (uint8_t)(a->params >> 8),
				     (uint8_t)a->params };

		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHM, v,
				4 + (size_t)a->params);
	}
	stun_build_integrity_sha256(&b, key, 32);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(msg, buf, (size_t)n), STUN_OK);
	return (size_t)n;
}

static int
select_for(bool sha256, const struct algs *a, const char *nonce,
	   struct auth_algorithm_choice *c)
{
	uint8_t buf[512];
	struct stun_msg msg;

	build(a, alice_sha256, buf, sizeof(buf), &msg);
	return auth_algorithm_select(sha256, &msg, nonce, strlen(nonce), c);
}

static void
test_offer(void **state)
{
	uint8_t out[AUTH_ALGORITHMS_MAX];

	(void)state;
	/* RFC 8489 section 14.11: SHA-256 (0x0002) first, then MD5. */
	assert_int_equal(auth_algorithm_offer(true, out, sizeof(out)), 8);
	assert_memory_equal(out, offer_both, 8);
	assert_int_equal(auth_algorithm_offer(false, out, sizeof(out)), 4);
	assert_memory_equal(out, offer_md5, 4);
	assert_int_equal(auth_algorithm_offer(true, out, 7), -ENOSPC);
	/* The feature the nonces announce is the password-algorithms bit,
	 * which nonce.h writes as "AAAB" (RFC 8489 erratum 6290). */
	assert_int_equal(auth_algorithm_nonce_features(false),
			 NONCE_FEATURE_PASSWORD_ALGORITHMS);
	/* Username anonymity ("AAAD") only when every credential can be
	 * found by its USERHASH. */
	assert_int_equal(auth_algorithm_nonce_features(true),
			 NONCE_FEATURE_PASSWORD_ALGORITHMS |
				 NONCE_FEATURE_USERNAME_ANONYMITY);
}

static void
test_keys_match_outside_computation(void **state)
{
	uint8_t k[32];

	(void)state;
	assert_int_equal(auth_lt_key_sha256("alice", 5, REALM, strlen(REALM),
					    "alicepass", 9, k),
			 0);
	assert_memory_equal(k, alice_sha256, 32);
	assert_int_equal(auth_rest_key_sha256((const uint8_t *)"north-secret",
					      12, "1700003600:carol", REALM, k),
			 0);
	assert_memory_equal(k, carol_rest_sha256, 32);
}

/* Our encoder makes the Python request byte for byte, and our decoder
 * verifies it with the SHA-256 key and selects SHA-256. */
static void
test_request_vector(void **state)
{
	struct algs a = { offer_both, 8, STUN_PASSWORD_ALG_SHA256, 0 };
	struct auth_algorithm_choice c;
	uint8_t buf[512], wrong[32];
	struct stun_msg msg;
	size_t n;

	(void)state;
	n = build(&a, alice_sha256, buf, sizeof(buf), &msg);
	assert_int_equal(n, sizeof(sha256_request));
	assert_memory_equal(buf, sha256_request, n);

	assert_int_equal(stun_msg_decode(&msg, sha256_request,
					 sizeof(sha256_request)),
			 STUN_OK);
	assert_true(stun_msg_check_integrity_sha256(&msg, alice_sha256, 32));
	memcpy(wrong, alice_sha256, 32);
	wrong[31] ^= 1;
	assert_false(stun_msg_check_integrity_sha256(&msg, wrong, 32));
	assert_int_equal(auth_algorithm_select(true, &msg, NONCE_AAAB,
					       strlen(NONCE_AAAB), &c),
			 0);
	assert_int_equal(c.alg, STUN_PASSWORD_ALG_SHA256);
	assert_true(c.negotiated);
}

static void
test_legacy_client_keeps_md5(void **state)
{
	struct algs none = { 0 };
	struct algs both = { offer_both, 8, STUN_PASSWORD_ALG_SHA256, 0 };
	struct auth_algorithm_choice c;

	(void)state;
	/* Neither attribute: MD5, as if PASSWORD-ALGORITHM were MD5. */
	assert_int_equal(select_for(true, &none, NONCE_AAAB, &c), 0);
	assert_int_equal(c.alg, STUN_PASSWORD_ALG_MD5);
	assert_false(c.negotiated);
	/* A nonce without the cookie (another server's, an RFC 5389 one):
	 * the rules of the feature do not apply, whatever is sent. */
	assert_int_equal(select_for(true, &both, "plainnonce1234", &c), 0);
	assert_int_equal(c.alg, STUN_PASSWORD_ALG_MD5);
	assert_false(c.negotiated);
	/* The cookie without the bit ("AAAA"): the same. */
	assert_int_equal(select_for(true, &both,
				    "obMatJos2AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &c),
			 0);
	assert_false(c.negotiated);
}

static void
test_md5_negotiated(void **state)
{
	struct algs md5 = { offer_both, 8, STUN_PASSWORD_ALG_MD5, 0 };
	struct auth_algorithm_choice c;

	(void)state;
	assert_int_equal(select_for(true, &md5, NONCE_AAAB, &c), 0);
	assert_int_equal(c.alg, STUN_PASSWORD_ALG_MD5);
	assert_true(c.negotiated);
}

/* RFC 8489 9.2.4: anything else is a bid-down attempt, 400. */
static void
test_bid_down_refused(void **state)
{
	static const uint8_t unknown[12] = { 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0 };
	const struct {
		const char *what;
		struct algs a;
		bool sha256;
	} cases[] = {
		{ "offer cut to MD5 only",
		  { offer_md5, 4, STUN_PASSWORD_ALG_MD5, 0 },
		  true },
		{ "offer reordered",
		  { offer_reversed, 8, STUN_PASSWORD_ALG_MD5, 0 },
		  true },
		{ "offer with an entry added",
		  { unknown, 12, STUN_PASSWORD_ALG_SHA256, 0 },
		  true },
		{ "PASSWORD-ALGORITHMS without PASSWORD-ALGORITHM",
		  { offer_both, 8, 0, 0 },
		  true },
		{ "PASSWORD-ALGORITHM without PASSWORD-ALGORITHMS",
		  { NULL, 0, STUN_PASSWORD_ALG_SHA256, 0 },
		  true },
		{ "algorithm not in the offer", { offer_both, 8, 0x0003, 0 }, true },
		{ "algorithm with parameters",
		  { offer_both, 8, STUN_PASSWORD_ALG_SHA256, 4 },
		  true },
		{ "SHA-256 when only MD5 was offered",
		  { offer_md5, 4, STUN_PASSWORD_ALG_SHA256, 0 },
		  false },
		{ "the full offer when only MD5 was offered",
		  { offer_both, 8, STUN_PASSWORD_ALG_MD5, 0 },
		  false },
	};
	struct auth_algorithm_choice c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = select_for(cases[i].sha256, &cases[i].a, NONCE_AAAB, &c);

		if (rc != -EINVAL)
			fail_msg("%s: got %d, want -EINVAL", cases[i].what, rc);
	}
	/* The MD5-only offer, sent back as it was, is fine. */
	{
		struct algs ok = { offer_md5, 4, STUN_PASSWORD_ALG_MD5, 0 };

		assert_int_equal(select_for(false, &ok, NONCE_AAAB, &c), 0);
		assert_int_equal(c.alg, STUN_PASSWORD_ALG_MD5);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer),
		cmocka_unit_test(test_keys_match_outside_computation),
		cmocka_unit_test(test_request_vector),
		cmocka_unit_test(test_legacy_client_keeps_md5),
		cmocka_unit_test(test_md5_negotiated),
		cmocka_unit_test(test_bid_down_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
