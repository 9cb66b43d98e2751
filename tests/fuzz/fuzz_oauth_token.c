/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the RFC 7635 token codec and the credential text
 * parsers around it.  Every input is used four ways:
 *
 *  1. as a token, decrypted with fixed A128GCM and A256GCM keys and server
 *     names (the same as the coturn vectors in test_auth_oauth.c, so real
 *     tokens in the seed corpus authenticate), and through
 *     auth_oauth_verify() with a keyring holding those keys;
 *  2. as a PLAINTEXT: encrypted here with raw AES-256-GCM in the token frame
 *     and handed to oauth_token_decrypt(), so the parser of the decrypted
 *     fields (key_len and the length arithmetic) sees arbitrary bytes that
 *     authenticate.  The outcome is checked against an independent rule:
 *     it must succeed exactly when 1 <= key_len and len == 2 + key_len + 12,
 *     and then re-encrypting the fields must give back the same token;
 *  3. as a REST username (expiry parser and check);
 *  4. as "KID:BASE64KEY:ALG" key text, and as base64.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auth_oauth.h"
#include "auth_rest.h"
#include "turnpike/base64.h"
#include "turnpike/oauth_token.h"

#define SERVER "turn.example.net"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t key128[16];
static uint8_t key256[32];
static struct auth_oauth_keyring ring;

static void
fuzz_init(void)
{
	static int done;
	struct auth_oauth_key k = { .kid = "north",
				    .key_len = 32,
				    .alg = OAUTH_ALG_A256GCM };

	if (done)
		return;
	done = 1;
	for (int i = 0; i < 32; i++)
		key256[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++)
		key128[i] = (uint8_t)(0x40 + i);
	auth_oauth_keyring_init(&ring);
	memcpy(k.key, key256, 32);
	if (auth_oauth_keyring_add(&ring, &k) != 0)
		abort();
	strcpy(k.kid, "south");
	k.key_len = 16;
	k.alg = OAUTH_ALG_A128GCM;
	memcpy(k.key, key128, 16);
	if (auth_oauth_keyring_add(&ring, &k) != 0)
		abort();
}

static void
fuzz_as_token(const uint8_t *data, size_t size)
{
	struct oauth_token tok;

	oauth_token_decrypt(key128, 16, OAUTH_ALG_A128GCM, SERVER, data, size,
			    &tok);
	oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM, SERVER, data, size,
			    &tok);
	oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM, "", data, size, &tok);
	auth_oauth_verify(&ring, "north", 5, data, size, SERVER, 1700000000, 60,
			  &tok);
	auth_oauth_verify(&ring, "south", 5, data, size, SERVER, 1700000000, 60,
			  &tok);
}

/* Encrypt an arbitrary plaintext in the token frame; returns the length. */
static size_t
raw_encrypt(const uint8_t *plain, size_t plen, const uint8_t nonce[12],
	    uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0;

	out[0] = 0;
	out[1] = OAUTH_NONCE_LEN;
	memcpy(out + 2, nonce, OAUTH_NONCE_LEN);
	if (ctx == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key256, nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, (const uint8_t *)SERVER,
			      (int)strlen(SERVER)) != 1 ||
	    EVP_EncryptUpdate(ctx, out + 14, &outl, plain, (int)plen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + 14 + outl, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
				out + 14 + plen) != 1)
		abort();
	EVP_CIPHER_CTX_free(ctx);
	return 14 + plen + 16;
}

static void
fuzz_as_plaintext(const uint8_t *data, size_t size)
{
	static const uint8_t nonce[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	uint8_t tok[OAUTH_TOKEN_MAX + 64], again[OAUTH_TOKEN_MAX + 64];
	struct oauth_token t;
	size_t len, key_len;
	int want_ok, ret;

	if (size > OAUTH_MAC_KEY_MAX + OAUTH_PLAIN_FIXED_LEN + 32)
		size = OAUTH_MAC_KEY_MAX + OAUTH_PLAIN_FIXED_LEN + 32;
	len = raw_encrypt(data, size, nonce, tok);
	ret = oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM, SERVER, tok,
				  len, &t);

	key_len = size >= 2 ? (size_t)data[0] << 8 | data[1] : 0;
	want_ok = size >= 2 && key_len >= 1 && key_len <= OAUTH_MAC_KEY_MAX &&
		  size == 2 + key_len + 12;
	if (want_ok != (ret == 0))
		abort();
	if (ret != 0) {
		if (t.mac_key_len != 0)
			abort();
		return;
	}
	if (t.mac_key_len != key_len || memcmp(t.mac_key, data + 2, key_len) != 0)
		abort();
	/* Re-encrypting the decoded fields with the same nonce is the same token. */
	if (oauth_token_encrypt(key256, 32, OAUTH_ALG_A256GCM, SERVER, nonce,
				&t, again, sizeof(again)) != (int)len ||
	    memcmp(again, tok, len) != 0)
		abort();
}

static void
fuzz_as_text(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct auth_oauth_key key;
	uint8_t out[512];
	uint64_t expiry;

	auth_rest_username_expiry(text, size, &expiry);
	auth_rest_username_check(text, size, 1700000000, 0);
	auth_rest_username_check(text, size, 1700000000, 3600);
	if (auth_oauth_key_parse(text, size, &key) == 0 &&
	    (key.key_len != oauth_alg_key_len(key.alg) || key.kid[0] == '\0'))
		abort();
	if (size <= 4 * sizeof(out) / 3) {
		int n = base64_decode(text, size, out, sizeof(out));
		char enc[4 * sizeof(out) / 3 + 8];

		/* Strict base64 is canonical: what decodes re-encodes to itself. */
		if (n >= 0 && (base64_encode(out, (size_t)n, enc, sizeof(enc)) !=
				       (int)size ||
			       memcmp(enc, text, size) != 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_init();
	fuzz_as_token(data, size);
	fuzz_as_plaintext(data, size);
	fuzz_as_text(data, size);
	return 0;
}
