/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces: round trip, binding to the client transport address,
 * tampering, staleness, secret rotation, the RFC 8489 nonce cookie and
 * feature bits, and robustness against any input length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/rand.h>

#include "nonce.h"

#define T0 1700000000ull

static struct tp_addr
v4(uint32_t ip, uint16_t port)
{
	struct tp_addr a = { .ip = tp_ip_v4(ip), .port = port };

	return a;
}

static struct tp_addr
v6(uint8_t last, uint16_t port)
{
	struct tp_addr a = { .ip = { .family = TP_AF_INET6 }, .port = port };

	a.ip.bytes[0] = 0x20;
	a.ip.bytes[1] = 0x01;
	a.ip.bytes[2] = 0x0d;
	a.ip.bytes[3] = 0xb8;
	a.ip.bytes[15] = last;
	return a;
}

static void
make(const struct nonce_ctx *ctx, uint64_t now, const struct tp_addr *c,
     char out[NONCE_LEN + 1])
{
	assert_int_equal(nonce_make(ctx, now, c, out, NONCE_LEN + 1), NONCE_LEN);
	assert_int_equal(strlen(out), NONCE_LEN);
}

static void
test_round_trip(void **state)
{
	struct nonce_ctx ctx;
	struct tp_addr a = v4(0xC0000201, 3478), b = v6(1, 50000);
	char n[NONCE_LEN + 1], m[NONCE_LEN + 1];

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 0,
					NONCE_FEATURE_PASSWORD_ALGORITHMS),
			 0);
	assert_int_equal(ctx.lifetime_s, NONCE_DEFAULT_LIFETIME_S);
	make(&ctx, T0, &a, n);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &a), NONCE_OK);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0 + 599, &a), NONCE_OK);
	make(&ctx, T0, &b, m);
	assert_int_equal(nonce_check(&ctx, m, NONCE_LEN, T0 + 1, &b), NONCE_OK);
	/* Printable, no characters that need quoting. */
	for (size_t i = 0; i < NONCE_LEN; i++)
		assert_true(n[i] > 0x20 && n[i] < 0x7F && n[i] != '"' &&
			    n[i] != '\\');
	/* Two clients at the same second get different nonces (RFC 8489 9.2.4). */
	make(&ctx, T0, &b, m);
	assert_memory_not_equal(n, m, NONCE_LEN);
	nonce_ctx_wipe(&ctx);
}

static void
test_other_client_invalid(void **state)
{
	struct nonce_ctx ctx;
	struct tp_addr a = v4(0xC0000201, 3478);
	struct tp_addr port = v4(0xC0000201, 3479);
	struct tp_addr ip = v4(0xC0000202, 3478);
	struct tp_addr six = v6(1, 3478);
	struct tp_addr junk = a;
	char n[NONCE_LEN + 1];

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 600, 0), 0);
	make(&ctx, T0, &a, n);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &port),
			 NONCE_INVALID);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &ip), NONCE_INVALID);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &six),
			 NONCE_INVALID);
	/* Bytes past an IPv4 address are not part of it. */
	junk.ip.bytes[9] = 0xEE;
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &junk), NONCE_OK);
	/* Stale and from another client is still invalid, not stale. */
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0 + 5000, &ip),
			 NONCE_INVALID);
	nonce_ctx_wipe(&ctx);
}

static void
test_tampered_invalid(void **state)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct nonce_ctx ctx;
	struct tp_addr a = v4(0x0A000001, 1000);
	char n[NONCE_LEN + 1], t[NONCE_LEN + 1];

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 600,
					NONCE_FEATURE_PASSWORD_ALGORITHMS),
			 0);
	make(&ctx, T0, &a, n);
	for (size_t i = 0; i < NONCE_LEN; i++) {
		/* Replace each character by several others. */
		for (size_t k = 0; k < sizeof(alphabet) - 1; k += 7) {
			memcpy(t, n, sizeof(t));
			if (alphabet[k] == n[i])
				continue;
			t[i] = alphabet[k];
			assert_int_equal(nonce_check(&ctx, t, NONCE_LEN, T0, &a),
					 NONCE_INVALID);
		}
	}
	/* A MITM stripping the password-algorithms bit ("AAAB" -> "AAAA"). */
	memcpy(t, n, sizeof(t));
	assert_memory_equal(t + NONCE_COOKIE_LEN, "AAAB", 4);
	t[NONCE_COOKIE_LEN + 3] = 'A';
	assert_int_equal(nonce_check(&ctx, t, NONCE_LEN, T0, &a), NONCE_INVALID);
	nonce_ctx_wipe(&ctx);
}

static void
test_stale(void **state)
{
	struct nonce_ctx ctx, other;
	struct tp_addr a = v4(0x0A000001, 1000);
	char n[NONCE_LEN + 1];

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 30, 0), 0);
	make(&ctx, T0, &a, n);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0 + 30, &a), NONCE_OK);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0 + 31, &a),
			 NONCE_STALE);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, UINT64_MAX, &a),
			 NONCE_STALE);
	/* Clock stepped back: authentic but from the future. */
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0 - 1, &a),
			 NONCE_STALE);

	/* Default lifetime is 600 s. */
	assert_int_equal(nonce_ctx_init(&other, 0, 0), 0);
	make(&other, T0, &a, n);
	assert_int_equal(nonce_check(&other, n, NONCE_LEN, T0 + 600, &a),
			 NONCE_OK);
	assert_int_equal(nonce_check(&other, n, NONCE_LEN, T0 + 601, &a),
			 NONCE_STALE);

	/* The server changed its features: old nonces are stale. */
	memcpy(ctx.secret, other.secret, NONCE_SECRET_LEN);
	ctx.features = NONCE_FEATURE_USERNAME_ANONYMITY;
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &a), NONCE_STALE);
	nonce_ctx_wipe(&ctx);
	nonce_ctx_wipe(&other);
}

static void
test_rotation(void **state)
{
	struct nonce_ctx ctx;
	struct tp_addr a = v6(9, 443);
	char n1[NONCE_LEN + 1], n2[NONCE_LEN + 1], n3[NONCE_LEN + 1];

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 600, 0), 0);
	assert_false(ctx.has_prev);
	make(&ctx, T0, &a, n1);
	assert_int_equal(nonce_ctx_rotate(&ctx), 0);
	assert_true(ctx.has_prev);
	make(&ctx, T0, &a, n2);
	assert_memory_not_equal(n1, n2, NONCE_LEN);
	assert_int_equal(nonce_check(&ctx, n1, NONCE_LEN, T0, &a), NONCE_OK);
	assert_int_equal(nonce_check(&ctx, n2, NONCE_LEN, T0, &a), NONCE_OK);
	/* The previous secret still respects the lifetime. */
	assert_int_equal(nonce_check(&ctx, n1, NONCE_LEN, T0 + 601, &a),
			 NONCE_STALE);
	assert_int_equal(nonce_ctx_rotate(&ctx), 0);
	make(&ctx, T0, &a, n3);
	assert_int_equal(nonce_check(&ctx, n1, NONCE_LEN, T0, &a), NONCE_INVALID);
	assert_int_equal(nonce_check(&ctx, n2, NONCE_LEN, T0, &a), NONCE_OK);
	assert_int_equal(nonce_check(&ctx, n3, NONCE_LEN, T0, &a), NONCE_OK);
	nonce_ctx_wipe(&ctx);
}

static void
test_shared_secret(void **state)
{
	static const uint8_t secret[NONCE_SECRET_LEN] = { 1, 2, 3, 4, 5 };
	struct nonce_ctx x, y;
	struct tp_addr a = v4(0x7F000001, 5);
	char n[NONCE_LEN + 1];

	(void)state;
	assert_int_equal(nonce_ctx_init(&x, 600, 3), 0);
	assert_int_equal(nonce_ctx_init(&y, 600, 3), 0);
	make(&x, T0, &a, n);
	/* Independent random secrets do not agree. */
	assert_int_equal(nonce_check(&y, n, NONCE_LEN, T0, &a), NONCE_INVALID);
	nonce_ctx_set_secret(&x, secret);
	nonce_ctx_set_secret(&y, secret);
	make(&x, T0, &a, n);
	assert_int_equal(nonce_check(&y, n, NONCE_LEN, T0, &a), NONCE_OK);
	nonce_ctx_wipe(&x);
	nonce_ctx_wipe(&y);
}

static void
test_cookie_and_features(void **state)
{
	struct nonce_ctx ctx;
	struct tp_addr a = v4(0x0A000001, 1000);
	char n[NONCE_LEN + 1];
	uint32_t f = 0;

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 600, 1u << 24), -EINVAL);
	assert_int_equal(nonce_ctx_init(&ctx, 600,
					NONCE_FEATURE_PASSWORD_ALGORITHMS |
						NONCE_FEATURE_USERNAME_ANONYMITY),
			 0);
	make(&ctx, T0, &a, n);
	assert_memory_equal(n, "obMatJos2", 9);
	/* 0x000003 in base64. */
	assert_memory_equal(n + 9, "AAAD", 4);
	assert_int_equal(nonce_features(n, NONCE_LEN, &f), 0);
	assert_int_equal(f, 3);

	ctx.features = NONCE_FEATURE_PASSWORD_ALGORITHMS;
	make(&ctx, T0, &a, n);
	assert_memory_equal(n + 9, "AAAB", 4);

	/*
	 * RFC 8489 Appendix B.1's nonce: "AAAC" is 0x000002, bit 1 (username
	 * anonymity) with bit 0 the least significant (erratum 6290).
	 */
	assert_int_equal(nonce_features("obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA",
					41, &f),
			 0);
	assert_int_equal(f, NONCE_FEATURE_USERNAME_ANONYMITY);
	/* RFC 5769's nonce has no cookie. */
	assert_int_equal(nonce_features("f//499k954d6OL34oL9FSTvy64sA", 28, &f),
			 -ENOENT);
	assert_int_equal(nonce_features("obMatJos", 8, &f), -ENOENT);
	assert_int_equal(nonce_features("obMatJos2AA", 11, &f), -EINVAL);
	assert_int_equal(nonce_features("obMatJos2A!AA", 13, &f), -EINVAL);
	assert_int_equal(nonce_features("obMatJos2AA==", 13, &f), -EINVAL);
	nonce_ctx_wipe(&ctx);
}

static void
test_truncated_and_extended(void **state)
{
	struct nonce_ctx ctx;
	struct tp_addr a = v4(0x0A000001, 1000);
	char n[NONCE_LEN + 2];

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 600, 1), 0);
	assert_int_equal(nonce_make(&ctx, T0, &a, n, NONCE_LEN), -ENOSPC);
	assert_int_equal(nonce_make(&ctx, T0, &a, n, sizeof(n)), NONCE_LEN);
	for (size_t len = 0; len < NONCE_LEN; len++)
		assert_int_equal(nonce_check(&ctx, n, len, T0, &a),
				 NONCE_INVALID);
	n[NONCE_LEN] = 'A';
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN + 1, T0, &a),
			 NONCE_INVALID);
	assert_int_equal(nonce_check(&ctx, n, NONCE_LEN, T0, &a), NONCE_OK);
	assert_int_equal(nonce_check(&ctx, NULL, 0, T0, &a), NONCE_INVALID);
	nonce_ctx_wipe(&ctx);
}

static void
test_garbage(void **state)
{
	struct nonce_ctx ctx;
	struct tp_addr a = v4(0x0A000001, 1000);
	uint8_t buf[201];
	uint32_t f;

	(void)state;
	assert_int_equal(nonce_ctx_init(&ctx, 600, 1), 0);
	for (int round = 0; round < 20; round++) {
		for (size_t len = 0; len <= 200; len++) {
			/* Exactly len readable bytes: ASan catches overreads. */
			uint8_t *p = buf + sizeof(buf) - len;

			if (len > 0)
				assert_int_equal(RAND_bytes(p, (int)len), 1);
			if (round % 2 == 1 && len >= NONCE_COOKIE_LEN)
				memcpy(p, NONCE_COOKIE, NONCE_COOKIE_LEN);
			assert_int_equal(nonce_check(&ctx, (const char *)p, len,
						     T0, &a),
					 NONCE_INVALID);
			(void)nonce_features((const char *)p, len, &f);
		}
	}
	nonce_ctx_wipe(&ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_client_invalid),
		cmocka_unit_test(test_tampered_invalid),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_shared_secret),
		cmocka_unit_test(test_cookie_and_features),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
