/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tp_hmac (turnpike/hmac.h): the RFC 2202 and RFC 4231 vectors, written
 * out, then agreement with OpenSSL's one-shot HMAC() for every key length
 * around the block size and every split of the message into two parts,
 * and the reused per-thread context across alternating digests and keys
 * (a context left keyed or in the wrong digest would show up there), and
 * in a second thread.
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
#include <openssl/rand.h>
#include <pthread.h>

#include "turnpike/hmac.h"

static void
hex(const char *text, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int v = 0;

		assert_int_equal(sscanf(text + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void
expect(enum tp_hmac_alg alg, const uint8_t *key, size_t klen, const void *msg,
       size_t mlen, const char *want_hex)
{
	uint8_t want[TP_HMAC_MAX], got[TP_HMAC_MAX];
	size_t n = tp_hmac_len(alg);

	hex(want_hex, want, n);
	assert_int_equal(tp_hmac(alg, key, klen, msg, mlen, NULL, 0, got), 0);
	assert_memory_equal(got, want, n);
	/* The same message split in two. */
	assert_int_equal(tp_hmac(alg, key, klen, msg, mlen / 2,
				 (const uint8_t *)msg + mlen / 2,
				 mlen - mlen / 2, got),
			 0);
	assert_memory_equal(got, want, n);
}

/* RFC 2202 section 3, test cases 1, 2, 6 (key longer than a block). */
static void
test_rfc2202_sha1(void **state)
{
	uint8_t k20[20], k80[80];

	(void)state;
	memset(k20, 0x0b, sizeof(k20));
	expect(TP_HMAC_SHA1, k20, 20, "Hi There", 8,
	       "b617318655057264e28bc0b6fb378c8ef146be00");
	expect(TP_HMAC_SHA1, (const uint8_t *)"Jefe", 4,
	       "what do ya want for nothing?", 28,
	       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(k80, 0xaa, sizeof(k80));
	expect(TP_HMAC_SHA1, k80, 80,
	       "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	       "aa4ae5e15272d00e95705637ce8a3b55ed402112");
}

/* RFC 4231 section 4, test cases 1, 2, 6 (key longer than a block). */
static void
test_rfc4231_sha256(void **state)
{
	uint8_t k20[20], k131[131];

	(void)state;
	memset(k20, 0x0b, sizeof(k20));
	expect(TP_HMAC_SHA256, k20, 20, "Hi There", 8,
	       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	expect(TP_HMAC_SHA256, (const uint8_t *)"Jefe", 4,
	       "what do ya want for nothing?", 28,
	       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k131, 0xaa, sizeof(k131));
	expect(TP_HMAC_SHA256, k131, 131,
	       "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

/* Every key length 0..130 and message splits, against HMAC(), with the
 * two digests alternating on the one per-thread context. */
static void
test_matches_openssl(void **state)
{
	uint8_t key[130], msg[300], got[TP_HMAC_MAX], want[EVP_MAX_MD_SIZE];
	unsigned int wlen = 0;

	(void)state;
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(RAND_bytes(msg, sizeof(msg)), 1);
	for (size_t klen = 0; klen <= sizeof(key); klen++) {
		size_t mlen = (klen * 7) % sizeof(msg);

		for (int a = 0; a < 2; a++) {
			enum tp_hmac_alg alg = a ? TP_HMAC_SHA256 : TP_HMAC_SHA1;
			const EVP_MD *md = a ? EVP_sha256() : EVP_sha1();
			size_t cut = klen % (mlen + 1);

			assert_non_null(HMAC(md, klen ? key : (const uint8_t *)"",
					     (int)klen, msg, mlen, want, &wlen));
			assert_int_equal(wlen, tp_hmac_len(alg));
			assert_int_equal(tp_hmac(alg, key, klen, msg, cut,
						 msg + cut, mlen - cut, got),
					 0);
			assert_memory_equal(got, want, wlen);
		}
	}
}

static void
test_bad_alg(void **state)
{
	uint8_t out[TP_HMAC_MAX];

	(void)state;
	assert_int_equal(tp_hmac((enum tp_hmac_alg)7, (const uint8_t *)"k", 1,
				 (const uint8_t *)"m", 1, NULL, 0, out),
			 -EINVAL);
}

static void *
thread_main(void *arg)
{
	uint8_t *out = arg;

	/* A thread's first call makes its own context; its exit frees it. */
	if (tp_hmac(TP_HMAC_SHA1, (const uint8_t *)"Jefe", 4,
		    (const uint8_t *)"what do ya want for nothing?", 28, NULL,
		    0, out) != 0)
		memset(out, 0, TP_HMAC_MAX);
	return NULL;
}

static void
test_other_thread(void **state)
{
	uint8_t out[TP_HMAC_MAX], want[20];
	pthread_t t;

	(void)state;
	hex("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", want, sizeof(want));
	assert_int_equal(pthread_create(&t, NULL, thread_main, out), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_memory_equal(out, want, sizeof(want));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc2202_sha1),
		cmocka_unit_test(test_rfc4231_sha256),
		cmocka_unit_test(test_matches_openssl),
		cmocka_unit_test(test_bad_alg),
		cmocka_unit_test(test_other_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
