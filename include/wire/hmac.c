/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HMAC (RFC 2104) on a reused digest context; see turnpike/hmac.h for why.
 *
 *     HMAC(K, m) = H((K0 ^ opad) | H((K0 ^ ipad) | m))
 *
 * K0 is the key padded with zeros to the digest's block size (64 bytes for
 * both SHA-1 and SHA-256), or H(K) padded, for a longer key.  ipad is 0x36
 * repeated, opad 0x5c.
 *
 * Process-wide: the two EVP_MD handles, fetched once.  Per thread: one
 * EVP_MD_CTX, made on first use and freed by the thread-key destructor.
 * EVP_DigestInit_ex2() on a context that already holds the same digest
 * re-initialises it in place, so a call allocates nothing.  The padded
 * keys and the inner hash are on the stack and wiped; what the context
 * holds afterwards is the state that produced the MAC itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "turnpike/hmac.h"

#define HMAC_BLOCK 64 /* SHA-1 and SHA-256 */

static EVP_MD *hmac_md[2];
static pthread_key_t hmac_key;
static bool hmac_key_ok;
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;

static void
hmac_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void
hmac_init_once(void)
{
	hmac_md[TP_HMAC_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
	hmac_md[TP_HMAC_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
	hmac_key_ok = pthread_key_create(&hmac_key, hmac_ctx_free) == 0;
}

/* This thread's digest context, or NULL. */
static EVP_MD_CTX *
hmac_ctx(void)
{
	EVP_MD_CTX *ctx;

	pthread_once(&hmac_once, hmac_init_once);
	if (!hmac_key_ok)
		return NULL;
	ctx = pthread_getspecific(hmac_key);
	if (ctx != NULL)
		return ctx;
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL && pthread_setspecific(hmac_key, ctx) != 0) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

/* H(p | a | b) into out (digest length). */
static bool
hmac_hash(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *p, size_t p_len,
	  const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
	  uint8_t *out)
{
	unsigned int n = 0;

	return EVP_DigestInit_ex2(ctx, md, NULL) == 1 &&
	       (p_len == 0 || EVP_DigestUpdate(ctx, p, p_len) == 1) &&
	       (a_len == 0 || EVP_DigestUpdate(ctx, a, a_len) == 1) &&
	       (b_len == 0 || EVP_DigestUpdate(ctx, b, b_len) == 1) &&
	       EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
	       n == (unsigned int)EVP_MD_get_size(md);
}

int
tp_hmac(enum tp_hmac_alg alg, const uint8_t *key, size_t key_len,
	const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
	uint8_t out[TP_HMAC_MAX])
{
	uint8_t k0[HMAC_BLOCK], pad[HMAC_BLOCK], inner[TP_HMAC_MAX];
	size_t mac_len = tp_hmac_len(alg);
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
	bool ok;

	if (alg != TP_HMAC_SHA1 && alg != TP_HMAC_SHA256)
		return -EINVAL;
	ctx = hmac_ctx();
	md = hmac_md[alg];
	if (ctx == NULL || md == NULL) {
		memset(out, 0, mac_len);
		return -EIO;
	}
	memset(k0, 0, sizeof(k0));
	if (key_len > HMAC_BLOCK)
		ok = hmac_hash(ctx, md, key, key_len, NULL, 0, NULL, 0, k0);
	else {
		if (key_len > 0)
			memcpy(k0, key, key_len);
		ok = true;
	}
	for (size_t i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k0[i] ^ 0x36;
	ok = ok &&
	     hmac_hash(ctx, md, pad, sizeof(pad), a, a_len, b, b_len, inner);
	for (size_t i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k0[i] ^ 0x5c;
	ok = ok &&
	     hmac_hash(ctx, md, pad, sizeof(pad), inner, mac_len, NULL, 0, out);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	if (!ok) {
		OPENSSL_cleanse(out, mac_len);
		return -EIO;
	}
	return 0;
}
