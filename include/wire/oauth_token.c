/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 7635 self-contained access tokens, in the AES-GCM layout coturn uses
 * (RFC 7635 section 6.2 and Appendix B), so tokens minted by coturn's
 * tools or by any WAF that follows coturn decrypt here and the other way.
 *
 *   token = nonce_len(2) | nonce(12) | GCM(key, nonce, AAD = server name,
 *           key_len(2) | mac_key(key_len) | timestamp(8) | lifetime(4)) | tag(16)
 *
 * Decryption authenticates the whole ciphertext before reading any field
 * out of the plaintext, and every length is checked against the bytes
 * actually present: nonce_len must be 12, the plaintext must hold exactly
 * key_len + 14 bytes, and mac_key must be 1..OAUTH_MAC_KEY_MAX bytes.
 *
 * Pure code: any thread; no allocation beyond OpenSSL's cipher context, no
 * logging, no I/O.  Plaintext scratch buffers are wiped before returning.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "turnpike/oauth_token.h"

/* Largest plaintext: key_len, the longest mac_key, timestamp, lifetime. */
#define OAUTH_PLAIN_MAX (OAUTH_PLAIN_FIXED_LEN + OAUTH_MAC_KEY_MAX)
/* Longest server name we take as AAD (EVP wants an int length). */
#define OAUTH_SERVER_NAME_MAX 65535

static const struct {
	enum oauth_alg alg;
	const char *name;
	size_t key_len;
} oauth_algs[] = {
	{ OAUTH_ALG_A128GCM, "A128GCM", 16 },
	{ OAUTH_ALG_A256GCM, "A256GCM", 32 },
};

enum oauth_alg
oauth_alg_from_name(const char *name)
{
	if (name == NULL)
		return OAUTH_ALG_NONE;
	for (size_t i = 0; i < sizeof(oauth_algs) / sizeof(oauth_algs[0]); i++) {
		if (strcmp(name, oauth_algs[i].name) == 0)
			return oauth_algs[i].alg;
	}
	return OAUTH_ALG_NONE;
}

const char *
oauth_alg_name(enum oauth_alg alg)
{
	for (size_t i = 0; i < sizeof(oauth_algs) / sizeof(oauth_algs[0]); i++) {
		if (oauth_algs[i].alg == alg)
			return oauth_algs[i].name;
	}
	return NULL;
}

size_t
oauth_alg_key_len(enum oauth_alg alg)
{
	for (size_t i = 0; i < sizeof(oauth_algs) / sizeof(oauth_algs[0]); i++) {
		if (oauth_algs[i].alg == alg)
			return oauth_algs[i].key_len;
	}
	return 0;
}

/*
 * The two ciphers, fetched from the provider once per process: the legacy
 * EVP_aes_*_gcm() handles made EVP_CipherInit_ex() fetch by name on every
 * token, a third of a token's decryption in the control plane's profile.
 */
static EVP_CIPHER *oauth_aes128gcm, *oauth_aes256gcm;
static pthread_once_t oauth_cipher_once = PTHREAD_ONCE_INIT;

static void
oauth_cipher_fetch(void)
{
	oauth_aes128gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	oauth_aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

/* The cipher of @alg; NULL for an unknown algorithm (or a failed fetch). */
static const EVP_CIPHER *
oauth_cipher(enum oauth_alg alg)
{
	pthread_once(&oauth_cipher_once, oauth_cipher_fetch);
	switch (alg) {
	case OAUTH_ALG_A128GCM:
		return oauth_aes128gcm;
	case OAUTH_ALG_A256GCM:
		return oauth_aes256gcm;
	default:
		return NULL;
	}
}

static void
put_be(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t
get_be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Common argument checks; returns the AAD length or -EINVAL. */
static int
oauth_check_args(const uint8_t *key, size_t key_len, enum oauth_alg alg,
		 const char *server_name)
{
	size_t sn_len;

	if (key == NULL || server_name == NULL || oauth_cipher(alg) == NULL ||
	    key_len != oauth_alg_key_len(alg))
		return -EINVAL;
	sn_len = strnlen(server_name, OAUTH_SERVER_NAME_MAX + 1);
	if (sn_len > OAUTH_SERVER_NAME_MAX)
		return -EINVAL;
	return (int)sn_len;
}

/*
 * Run AES-GCM over one buffer.  enc = 1 encrypts and writes the tag into
 * tag; enc = 0 decrypts and checks tag.  Returns 0, -EBADMSG (decryption
 * did not authenticate) or -EIO (OpenSSL failed).
 */
static int
oauth_gcm(int enc, enum oauth_alg alg, const uint8_t *key, const uint8_t *nonce,
	  const char *aad, int aad_len, const uint8_t *in, int in_len,
	  uint8_t *out, uint8_t tag[OAUTH_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx;
	int outl = 0;
	int finl = 0;
	int ret = -EIO;

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return -EIO;
	if (EVP_CipherInit_ex(ctx, oauth_cipher(alg), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, OAUTH_NONCE_LEN,
				NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG,
					OAUTH_TAG_LEN, tag) != 1)
		goto out;
	if (aad_len > 0 &&
	    EVP_CipherUpdate(ctx, NULL, &outl, (const unsigned char *)aad,
			     aad_len) != 1)
		goto out;
	if (EVP_CipherUpdate(ctx, out, &outl, in, in_len) != 1 || outl != in_len)
		goto out;
	if (EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1) {
		/* For decryption this is the tag check failing. */
		ret = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, OAUTH_TAG_LEN,
				       tag) != 1)
		goto out;
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return ret;
}

int
oauth_token_encrypt(const uint8_t *key, size_t key_len, enum oauth_alg alg,
		    const char *server_name, const uint8_t nonce[OAUTH_NONCE_LEN],
		    const struct oauth_token *tok, uint8_t *out, size_t cap)
{
	uint8_t plain[OAUTH_PLAIN_MAX];
	size_t plain_len;
	size_t total;
	int aad_len;
	int ret;

	aad_len = oauth_check_args(key, key_len, alg, server_name);
	if (aad_len < 0)
		return aad_len;
	if (nonce == NULL || tok == NULL || out == NULL ||
	    tok->mac_key_len == 0 || tok->mac_key_len > OAUTH_MAC_KEY_MAX)
		return -EINVAL;
	plain_len = OAUTH_PLAIN_FIXED_LEN + tok->mac_key_len;
	total = OAUTH_TOKEN_OVERHEAD + tok->mac_key_len;
	if (cap < total)
		return -ENOSPC;

	put_be(plain, tok->mac_key_len, 2);
	memcpy(plain + 2, tok->mac_key, tok->mac_key_len);
	put_be(plain + 2 + tok->mac_key_len, tok->timestamp, 8);
	put_be(plain + 2 + tok->mac_key_len + 8, tok->lifetime, 4);

	put_be(out, OAUTH_NONCE_LEN, 2);
	memcpy(out + 2, nonce, OAUTH_NONCE_LEN);
	ret = oauth_gcm(1, alg, key, nonce, server_name, aad_len, plain,
			(int)plain_len, out + 2 + OAUTH_NONCE_LEN,
			out + 2 + OAUTH_NONCE_LEN + plain_len);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (ret < 0) {
		OPENSSL_cleanse(out, total);
		return ret;
	}
	return (int)total;
}

int
oauth_token_decrypt(const uint8_t *key, size_t key_len, enum oauth_alg alg,
		    const char *server_name, const uint8_t *in, size_t len,
		    struct oauth_token *tok)
{
	uint8_t plain[OAUTH_PLAIN_MAX];
	uint8_t tag[OAUTH_TAG_LEN];
	size_t ct_len;
	size_t mac_key_len;
	int aad_len;
	int ret;

	if (tok == NULL)
		return -EINVAL;
	memset(tok, 0, sizeof(*tok));
	aad_len = oauth_check_args(key, key_len, alg, server_name);
	if (aad_len < 0)
		return aad_len;
	if (in == NULL)
		return -EINVAL;
	/* Room for nonce_len, nonce, tag and a plaintext with a 1-byte mac_key. */
	if (len < OAUTH_TOKEN_OVERHEAD + 1 || len > OAUTH_TOKEN_MAX)
		return -EBADMSG;
	if (get_be(in, 2) != OAUTH_NONCE_LEN)
		return -EBADMSG;
	ct_len = len - 2 - OAUTH_NONCE_LEN - OAUTH_TAG_LEN;
	memcpy(tag, in + len - OAUTH_TAG_LEN, OAUTH_TAG_LEN);

	ret = oauth_gcm(0, alg, key, in + 2, server_name, aad_len,
			in + 2 + OAUTH_NONCE_LEN, (int)ct_len, plain, tag);
	if (ret < 0)
		goto out;
	/* Authenticated; now the plaintext's own length must add up exactly. */
	mac_key_len = (size_t)get_be(plain, 2);
	if (mac_key_len == 0 || OAUTH_PLAIN_FIXED_LEN + mac_key_len != ct_len) {
		ret = -EBADMSG;
		goto out;
	}
	memcpy(tok->mac_key, plain + 2, mac_key_len);
	tok->mac_key_len = (uint16_t)mac_key_len;
	tok->timestamp = get_be(plain + 2 + mac_key_len, 8);
	tok->lifetime = (uint32_t)get_be(plain + 2 + mac_key_len + 8, 4);
	ret = 0;
out:
	OPENSSL_cleanse(plain, sizeof(plain));
	return ret;
}
