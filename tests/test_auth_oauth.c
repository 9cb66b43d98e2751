/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests for the RFC 7635 token codec (include/wire/oauth_token.c), the
 * OAuth keyring and token check (controlplane/auth_oauth.c) and the strict
 * base64 helper they use.
 *
 * Interop vectors: the two tokens below were produced by coturn 4.6.1's
 * turnutils_oauth (Debian package coturn 4.6.1-1) with
 *   turnutils_oauth -e -i turn.example.net -j north -k KEY -l 1700000000
 *     -m 3600 -n ALG -o wMHCw8TFxsfIycrL -p oKGio6SlpqeoqaqrrK2ur7CxsrM=
 *     -r 3600 -q 111411200032768
 * i.e. nonce c0..cb, mac_key a0..b3 (20 bytes), timestamp 1700000000.5
 * (1700000000 << 16 | 0x8000), lifetime 3600, KEY bytes 00..1f (A256GCM)
 * or 40..4f (A128GCM).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "auth_oauth.h"
#include "turnpike/base64.h"
#include "turnpike/oauth_token.h"

#define SERVER "turn.example.net"
#define COTURN_TS ((1700000000ull << 16) | 0x8000)

static const char coturn_a256[] =
	"AAzAwcLDxMXGx8jJyssAXIfG1dsy+z5+VQuYB0T74txTjo5RH7pPkLoKt31/trKGtI/1l+OYHSqLG0MztFssNQ==";
static const char coturn_a128[] =
	"AAzAwcLDxMXGx8jJysvgJk68g9qeyr84t0SPedevLOqwrJEJBna4gZ9ANB7kpDINAsP+vw2BpSrfEmgZdDld2Q==";

static uint8_t key256[32];
static uint8_t key128[16];
static uint8_t nonce[OAUTH_NONCE_LEN];

static int
setup(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++)
		key256[i] = (uint8_t)i;
	for (int i = 0; i < 16; i++)
		key128[i] = (uint8_t)(0x40 + i);
	for (int i = 0; i < OAUTH_NONCE_LEN; i++)
		nonce[i] = (uint8_t)(0xc0 + i);
	return 0;
}

static void
coturn_token_fields(struct oauth_token *tok)
{
	memset(tok, 0, sizeof(*tok));
	for (int i = 0; i < 20; i++)
		tok->mac_key[i] = (uint8_t)(0xa0 + i);
	tok->mac_key_len = 20;
	tok->timestamp = COTURN_TS;
	tok->lifetime = 3600;
}

static size_t
b64(const char *s, uint8_t *out, size_t cap)
{
	int n = base64_decode(s, strlen(s), out, cap);

	assert_true(n > 0);
	return (size_t)n;
}

/* A valid A256GCM token for SERVER with the given fields. */
static size_t
make_token(uint64_t ts, uint32_t lifetime, uint16_t mac_len, uint8_t *out,
	   size_t cap)
{
	struct oauth_token tok = { .mac_key_len = mac_len,
				   .timestamp = ts,
				   .lifetime = lifetime };
	int n;

	memset(tok.mac_key, 0x5a, mac_len);
	n = oauth_token_encrypt(key256, sizeof(key256), OAUTH_ALG_A256GCM,
				SERVER, nonce, &tok, out, cap);
	assert_int_equal(n, OAUTH_TOKEN_OVERHEAD + mac_len);
	return (size_t)n;
}

/*
 * Independent raw AES-256-GCM of an arbitrary plaintext in the token frame,
 * so the tests can make tokens that authenticate but whose plaintext lies.
 */
static size_t
raw_token(const uint8_t *plain, int plen, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, fin = 0;

	out[0] = 0;
	out[1] = OAUTH_NONCE_LEN;
	memcpy(out + 2, nonce, OAUTH_NONCE_LEN);
	assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
					    key256, nonce),
			 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &outl,
					   (const uint8_t *)SERVER,
					   (int)strlen(SERVER)),
			 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, out + 14, &outl, plain, plen), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, out + 14 + outl, &fin), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16,
					     out + 14 + plen),
			 1);
	EVP_CIPHER_CTX_free(ctx);
	return (size_t)(14 + plen + 16);
}

static void
test_alg_names(void **state)
{
	(void)state;
	assert_int_equal(oauth_alg_from_name("A128GCM"), OAUTH_ALG_A128GCM);
	assert_int_equal(oauth_alg_from_name("A256GCM"), OAUTH_ALG_A256GCM);
	assert_int_equal(oauth_alg_from_name("A192GCM"), OAUTH_ALG_NONE);
	assert_int_equal(oauth_alg_from_name(""), OAUTH_ALG_NONE);
	assert_int_equal(oauth_alg_from_name(NULL), OAUTH_ALG_NONE);
	assert_string_equal(oauth_alg_name(OAUTH_ALG_A128GCM), "A128GCM");
	assert_string_equal(oauth_alg_name(OAUTH_ALG_A256GCM), "A256GCM");
	assert_null(oauth_alg_name(OAUTH_ALG_NONE));
	assert_int_equal(oauth_alg_key_len(OAUTH_ALG_A128GCM), 16);
	assert_int_equal(oauth_alg_key_len(OAUTH_ALG_A256GCM), 32);
	assert_int_equal(oauth_alg_key_len(OAUTH_ALG_NONE), 0);
}

static void
check_coturn_vector(const char *b64tok, const uint8_t *key, size_t key_len,
		    enum oauth_alg alg)
{
	struct oauth_token want, got;
	uint8_t tok[OAUTH_TOKEN_MAX], mine[OAUTH_TOKEN_MAX];
	size_t len = b64(b64tok, tok, sizeof(tok));
	int n;

	coturn_token_fields(&want);
	assert_int_equal(len, OAUTH_TOKEN_OVERHEAD + 20);
	assert_int_equal(oauth_token_decrypt(key, key_len, alg, SERVER, tok,
					     len, &got),
			 0);
	assert_int_equal(got.mac_key_len, 20);
	assert_memory_equal(got.mac_key, want.mac_key, 20);
	assert_int_equal(got.timestamp, COTURN_TS);
	assert_int_equal(oauth_timestamp_seconds(got.timestamp), 1700000000);
	assert_int_equal(got.lifetime, 3600);
	/* Same inputs and nonce: our encryption is byte-identical to coturn's. */
	n = oauth_token_encrypt(key, key_len, alg, SERVER, nonce, &want, mine,
				sizeof(mine));
	assert_int_equal(n, (int)len);
	assert_memory_equal(mine, tok, len);
}

static void
test_coturn_vectors(void **state)
{
	(void)state;
	check_coturn_vector(coturn_a256, key256, sizeof(key256),
			    OAUTH_ALG_A256GCM);
	check_coturn_vector(coturn_a128, key128, sizeof(key128),
			    OAUTH_ALG_A128GCM);
}

static void
test_round_trip(void **state)
{
	static const uint16_t lens[] = { 1, 16, 20, 32, 64, OAUTH_MAC_KEY_MAX };
	uint8_t buf[OAUTH_TOKEN_MAX];
	struct oauth_token in, out;

	(void)state;
	for (int a = 0; a < 2; a++) {
		enum oauth_alg alg = a ? OAUTH_ALG_A256GCM : OAUTH_ALG_A128GCM;
		const uint8_t *key = a ? key256 : key128;
		size_t klen = a ? sizeof(key256) : sizeof(key128);

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			int n;

			memset(&in, 0, sizeof(in));
			for (int j = 0; j < lens[i]; j++)
				in.mac_key[j] = (uint8_t)(j * 7 + 3);
			in.mac_key_len = lens[i];
			in.timestamp =
				oauth_timestamp_make(0xFFFFFFFFFFFFull, 0xFFFF);
			in.lifetime = UINT32_MAX - i;
			n = oauth_token_encrypt(key, klen, alg, SERVER, nonce,
						&in, buf, sizeof(buf));
			assert_int_equal(n, OAUTH_TOKEN_OVERHEAD + lens[i]);
			assert_int_equal(buf[0], 0);
			assert_int_equal(buf[1], 12);
			assert_memory_equal(buf + 2, nonce, 12);
			assert_int_equal(oauth_token_decrypt(key, klen, alg,
							     SERVER, buf,
							     (size_t)n, &out),
					 0);
			assert_memory_equal(&in, &out, sizeof(in));
			/* The other algorithm cannot take this key. */
			assert_int_equal(oauth_token_decrypt(key, klen,
							     a ? OAUTH_ALG_A128GCM :
								 OAUTH_ALG_A256GCM,
							     SERVER, buf,
							     (size_t)n, &out),
					 -EINVAL);
		}
	}
}

static void
test_wrong_server_or_key(void **state)
{
	uint8_t buf[OAUTH_TOKEN_MAX], other[32];
	struct oauth_token out;
	size_t len;

	(void)state;
	len = make_token(COTURN_TS, 60, 20, buf, sizeof(buf));
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     "turn.example.org", buf, len, &out),
			 -EBADMSG);
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM, "",
					     buf, len, &out),
			 -EBADMSG);
	/* AAD is the name without its NUL: a trailing character matters. */
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER ".", buf, len, &out),
			 -EBADMSG);
	memcpy(other, key256, 32);
	other[31] ^= 1;
	assert_int_equal(oauth_token_decrypt(other, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len, &out),
			 -EBADMSG);
	assert_int_equal(out.mac_key_len, 0);
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len, &out),
			 0);
}

static void
test_bit_flips(void **state)
{
	uint8_t buf[OAUTH_TOKEN_MAX];
	struct oauth_token out;
	size_t len;

	(void)state;
	len = make_token(COTURN_TS, 60, 20, buf, sizeof(buf));
	/* Every bit: nonce_len, nonce, ciphertext and tag. */
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			buf[i] ^= (uint8_t)(1u << b);
			assert_int_equal(oauth_token_decrypt(key256, 32,
							     OAUTH_ALG_A256GCM,
							     SERVER, buf, len,
							     &out),
					 -EBADMSG);
			assert_int_equal(out.mac_key_len, 0);
			buf[i] ^= (uint8_t)(1u << b);
		}
	}
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len, &out),
			 0);
}

static void
test_truncated_and_extended(void **state)
{
	uint8_t buf[OAUTH_TOKEN_MAX + 1];
	struct oauth_token out;
	size_t len;

	(void)state;
	len = make_token(COTURN_TS, 60, 20, buf, sizeof(buf));
	for (size_t i = 0; i < len; i++)
		assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
						     SERVER, buf, i, &out),
				 -EBADMSG);
	buf[len] = 0;
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len + 1, &out),
			 -EBADMSG);
	/* The longest token is accepted, one byte more is refused up front. */
	len = make_token(COTURN_TS, 60, OAUTH_MAC_KEY_MAX, buf, sizeof(buf));
	assert_int_equal(len, OAUTH_TOKEN_MAX);
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len, &out),
			 0);
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len + 1, &out),
			 -EBADMSG);
}

static void
test_nonce_len(void **state)
{
	static const uint16_t bad[] = { 0, 1, 11, 13, 16, 0x0c00, 0xFFFF };
	uint8_t buf[OAUTH_TOKEN_MAX];
	struct oauth_token out;
	size_t len;

	(void)state;
	len = make_token(COTURN_TS, 60, 20, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf[0] = (uint8_t)(bad[i] >> 8);
		buf[1] = (uint8_t)bad[i];
		assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
						     SERVER, buf, len, &out),
				 -EBADMSG);
	}
}

/* Authenticated plaintexts whose key_len does not add up are refused. */
static void
test_key_len_lies(void **state)
{
	uint8_t plain[OAUTH_PLAIN_FIXED_LEN + OAUTH_MAC_KEY_MAX + 8];
	uint8_t buf[sizeof(plain) + 32];
	struct oauth_token out;
	size_t len;

	(void)state;
	memset(plain, 0x11, sizeof(plain));
	/* Sanity: an honest raw token with key_len 20 decrypts. */
	plain[0] = 0;
	plain[1] = 20;
	len = raw_token(plain, 2 + 20 + 12, buf);
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len, &out),
			 0);
	assert_int_equal(out.mac_key_len, 20);

	static const uint16_t lies[] = { 0, 19, 21, 22, 34, 200, 0x1400, 0xFFFF };
	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		plain[0] = (uint8_t)(lies[i] >> 8);
		plain[1] = (uint8_t)lies[i];
		len = raw_token(plain, 2 + 20 + 12, buf);
		assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
						     SERVER, buf, len, &out),
				 -EBADMSG);
	}
	/* key_len 0 with nothing else: 14 bytes of plaintext, no mac_key. */
	plain[0] = 0;
	plain[1] = 0;
	len = raw_token(plain, 14, buf);
	assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, buf, len, &out),
			 -EBADMSG);
	/* Plaintext too short to hold the fixed fields. */
	for (int plen = 0; plen < 15; plen++) {
		len = raw_token(plain, plen, buf);
		assert_int_equal(oauth_token_decrypt(key256, 32, OAUTH_ALG_A256GCM,
						     SERVER, buf, len, &out),
				 -EBADMSG);
	}
}

static void
test_encrypt_args(void **state)
{
	struct oauth_token tok;
	uint8_t buf[OAUTH_TOKEN_MAX];

	(void)state;
	coturn_token_fields(&tok);
	assert_int_equal(oauth_token_encrypt(key256, 31, OAUTH_ALG_A256GCM, SERVER,
					     nonce, &tok, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(oauth_token_encrypt(key256, 32, OAUTH_ALG_NONE, SERVER,
					     nonce, &tok, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(oauth_token_encrypt(key256, 32, OAUTH_ALG_A256GCM, NULL,
					     nonce, &tok, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(oauth_token_encrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, nonce, &tok, buf,
					     OAUTH_TOKEN_OVERHEAD + 19),
			 -ENOSPC);
	assert_int_equal(oauth_token_encrypt(key256, 32, OAUTH_ALG_A256GCM,
					     SERVER, nonce, &tok, buf,
					     OAUTH_TOKEN_OVERHEAD + 20),
			 OAUTH_TOKEN_OVERHEAD + 20);
	tok.mac_key_len = 0;
	assert_int_equal(oauth_token_encrypt(key256, 32, OAUTH_ALG_A256GCM, SERVER,
					     nonce, &tok, buf, sizeof(buf)),
			 -EINVAL);
	tok.mac_key_len = OAUTH_MAC_KEY_MAX + 1;
	assert_int_equal(oauth_token_encrypt(key256, 32, OAUTH_ALG_A256GCM, SERVER,
					     nonce, &tok, buf, sizeof(buf)),
			 -EINVAL);
}

static void
add_key(struct auth_oauth_keyring *ring, const char *kid, enum oauth_alg alg)
{
	struct auth_oauth_key k = { .alg = alg };

	strcpy(k.kid, kid);
	k.key_len = (uint8_t)oauth_alg_key_len(alg);
	memcpy(k.key, alg == OAUTH_ALG_A256GCM ? key256 : key128, k.key_len);
	assert_int_equal(auth_oauth_keyring_add(ring, &k), 0);
}

static void
test_keyring(void **state)
{
	struct auth_oauth_keyring ring;
	struct auth_oauth_key k = { .alg = OAUTH_ALG_A128GCM, .key_len = 16 };
	char kid[16];

	(void)state;
	auth_oauth_keyring_init(&ring);
	add_key(&ring, "north", OAUTH_ALG_A256GCM);
	add_key(&ring, "south", OAUTH_ALG_A128GCM);
	assert_non_null(auth_oauth_keyring_find(&ring, "north", 5));
	assert_int_equal(auth_oauth_keyring_find(&ring, "south", 5)->alg,
			 OAUTH_ALG_A128GCM);
	assert_null(auth_oauth_keyring_find(&ring, "nort", 4));
	assert_null(auth_oauth_keyring_find(&ring, "northx", 6));
	assert_null(auth_oauth_keyring_find(&ring, "northx", 0));

	strcpy(k.kid, "north");
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), -EEXIST);
	strcpy(k.kid, "");
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), -EINVAL);
	strcpy(k.kid, "with space");
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), -EINVAL);
	strcpy(k.kid, "east");
	k.key_len = 32;
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), -EINVAL);
	k.key_len = 16;
	k.alg = OAUTH_ALG_NONE;
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), -EINVAL);
	k.alg = OAUTH_ALG_A128GCM;
	for (int i = 2; i < AUTH_OAUTH_KEYS_MAX; i++) {
		snprintf(k.kid, sizeof(k.kid), "k%d", i);
		assert_int_equal(auth_oauth_keyring_add(&ring, &k), 0);
	}
	assert_int_equal(ring.n_keys, AUTH_OAUTH_KEYS_MAX);
	strcpy(k.kid, "one-too-many");
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), -ENOSPC);
	snprintf(kid, sizeof(kid), "k%d", AUTH_OAUTH_KEYS_MAX - 1);
	assert_non_null(auth_oauth_keyring_find(&ring, kid, strlen(kid)));

	/* Removal: the others stay, the freed entry is wiped, room again. */
	assert_int_equal(auth_oauth_keyring_remove(&ring, "nowhere", 7), -ENOENT);
	assert_int_equal(auth_oauth_keyring_remove(&ring, "nort", 4), -ENOENT);
	assert_int_equal(auth_oauth_keyring_remove(&ring, "north", 5), 0);
	assert_int_equal(auth_oauth_keyring_remove(&ring, "north", 5), -ENOENT);
	assert_int_equal(ring.n_keys, AUTH_OAUTH_KEYS_MAX - 1);
	assert_null(auth_oauth_keyring_find(&ring, "north", 5));
	assert_int_equal(auth_oauth_keyring_find(&ring, "south", 5)->alg,
			 OAUTH_ALG_A128GCM);
	assert_non_null(auth_oauth_keyring_find(&ring, kid, strlen(kid)));
	{
		static const struct auth_oauth_key zero;

		assert_memory_equal(&ring.keys[ring.n_keys], &zero, sizeof(zero));
	}
	assert_int_equal(auth_oauth_keyring_add(&ring, &k), 0);
	assert_int_equal(auth_oauth_keyring_remove(NULL, "x", 1), -EINVAL);
}

static void
test_verify(void **state)
{
	struct auth_oauth_keyring ring;
	struct oauth_token out;
	uint8_t buf[OAUTH_TOKEN_MAX], tok128[OAUTH_TOKEN_MAX];
	const uint64_t t0 = 1700000000;
	size_t len, len128;

	(void)state;
	auth_oauth_keyring_init(&ring);
	add_key(&ring, "north", OAUTH_ALG_A256GCM);
	add_key(&ring, "south", OAUTH_ALG_A128GCM);
	len = make_token(oauth_timestamp_make(t0, 0x8000), 600, 20, buf,
			 sizeof(buf));

	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 + 10, 0, &out),
			 0);
	assert_int_equal(out.mac_key_len, 20);
	assert_int_equal(out.mac_key[0], 0x5a);
	assert_int_equal(out.lifetime, 600);
	/* The coturn-made A128GCM token, under kid "south". */
	len128 = b64(coturn_a128, tok128, sizeof(tok128));
	assert_int_equal(auth_oauth_verify(&ring, "south", 5, tok128, len128,
					   SERVER, t0 + 3600, 0, &out),
			 0);
	assert_int_equal(out.timestamp, COTURN_TS);
	/* Token under the wrong kid: the wrong key, so it does not authenticate. */
	assert_int_equal(auth_oauth_verify(&ring, "south", 5, buf, len, SERVER,
					   t0, 0, &out),
			 -EBADMSG);
	assert_int_equal(auth_oauth_verify(&ring, "west", 4, buf, len, SERVER,
					   t0, 0, &out),
			 -ENOKEY);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len,
					   "elsewhere", t0, 0, &out),
			 -EBADMSG);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len - 1,
					   SERVER, t0, 0, &out),
			 -EBADMSG);
	/* Expiry: valid through t0 + lifetime (+ skew), not a second later. */
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 + 600, 0, &out),
			 0);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 + 601, 0, &out),
			 -ETIMEDOUT);
	assert_int_equal(out.mac_key_len, 0);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 + 630, 30, &out),
			 0);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 + 631, 30, &out),
			 -ETIMEDOUT);
	/* Issued in the future: refused beyond the skew, accepted within it. */
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 - 1, 0, &out),
			 -EINVAL);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 - 30, 30, &out),
			 0);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   t0 - 31, 30, &out),
			 -EINVAL);
	assert_int_equal(out.mac_key_len, 0);
	/* Extreme values do not wrap. */
	len = make_token(oauth_timestamp_make(0xFFFFFFFFFFFFull, 0), UINT32_MAX,
			 20, buf, sizeof(buf));
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   0xFFFFFFFFFFFFull + UINT32_MAX,
					   UINT32_MAX, &out),
			 0);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   UINT64_MAX, UINT32_MAX, &out),
			 -ETIMEDOUT);
	assert_int_equal(auth_oauth_verify(&ring, "north", 5, buf, len, SERVER,
					   0, UINT32_MAX, &out),
			 -EINVAL);
	assert_int_equal(auth_oauth_verify(NULL, "north", 5, buf, len, SERVER,
					   0, 0, &out),
			 -EINVAL);
}

static void
test_key_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"north",
		"north:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		":AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:A256GCM", /* empty kid */
		"no rth:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:A256GCM", /* space */
		"a:b:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:A256GCM", /* ':' in kid */
		"north:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:", /* no alg */
		"north:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:A192GCM", /* unknown alg */
		"north:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:a256gcm", /* case */
		"north:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:A128GCM", /* 32 bytes */
		"north:QEFCQ0RFRkdISUpLTE1OTw==:A256GCM",  /* 16 bytes */
		"north:QEFCQ0RFRkdISUpLTE1OTw=:A128GCM",   /* bad pad */
		"north:QEFCQ0RFRkdISUpLTE1OT*==:A128GCM",  /* bad char */
		"north: QEFCQ0RFRkdISUpLTE1OTw==:A128GCM", /* space */
		"north::A128GCM",                          /* no key */
		"north:QEFCQ0RFRkdISUpLTE1OTw==:A128GCMXXXXXXXXXXXXXXX",
	};
	struct auth_oauth_key k;
	const char *good;

	(void)state;
	good = "north:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:A256GCM";
	assert_int_equal(auth_oauth_key_parse(good, strlen(good), &k), 0);
	assert_string_equal(k.kid, "north");
	assert_int_equal(k.alg, OAUTH_ALG_A256GCM);
	assert_int_equal(k.key_len, 32);
	assert_memory_equal(k.key, key256, 32);
	good = "south-2024:QEFCQ0RFRkdISUpLTE1OTw==:A128GCM";
	assert_int_equal(auth_oauth_key_parse(good, strlen(good), &k), 0);
	assert_string_equal(k.kid, "south-2024");
	assert_int_equal(k.alg, OAUTH_ALG_A128GCM);
	assert_int_equal(k.key_len, 16);
	assert_memory_equal(k.key, key128, 16);
	/* Length-delimited: trailing bytes past len are not read. */
	good = "x:QEFCQ0RFRkdISUpLTE1OTw==:A128GCM!!";
	assert_int_equal(auth_oauth_key_parse(good, strlen(good) - 2, &k), 0);
	assert_string_equal(k.kid, "x");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k.key_len = 99;
		assert_int_equal(auth_oauth_key_parse(bad[i], strlen(bad[i]), &k),
				 -EINVAL);
		assert_int_equal(k.key_len, 0);
	}
	char longkid[AUTH_OAUTH_KID_MAX + 40];
	memset(longkid, 'k', AUTH_OAUTH_KID_MAX + 1);
	strcpy(longkid + AUTH_OAUTH_KID_MAX + 1,
	       ":QEFCQ0RFRkdISUpLTE1OTw==:A128GCM");
	assert_int_equal(auth_oauth_key_parse(longkid, strlen(longkid), &k),
			 -EINVAL);
	assert_int_equal(auth_oauth_key_parse(longkid + 1, strlen(longkid + 1),
					      &k),
			 0);
	assert_int_equal(strlen(k.kid), AUTH_OAUTH_KID_MAX);
}

/* RFC 4648 section 10 vectors plus the strictness rules. */
static void
test_base64(void **state)
{
	static const char *const enc[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
	};
	static const char *const bad[] = {
		"Zg=",      "Zg",     "Z===",  "====", "Zh==",
		"Zm9=",     "Zm9v\n", " Zm9v", "Zm=v", "Zm9vYg=a",
		"Zm9vY===", "Zm9-",   "Zm9_"
	};
	const char *plain = "foobar";
	uint8_t out[16];
	char txt[16];

	(void)state;
	for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		assert_int_equal(base64_encode((const uint8_t *)plain, i, txt,
					       sizeof(txt)),
				 (int)strlen(enc[i]));
		assert_string_equal(txt, enc[i]);
		assert_int_equal(base64_decode(enc[i], strlen(enc[i]), out, i),
				 (int)i);
		assert_memory_equal(out, plain, i);
		if (i > 0)
			assert_int_equal(base64_decode(enc[i], strlen(enc[i]),
						       out, i - 1),
					 -ENOSPC);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), out,
					       sizeof(out)),
				 -EINVAL);
	/* Encoding needs room for the NUL too. */
	assert_int_equal(base64_encode((const uint8_t *)plain, 6, txt, 8),
			 -ENOSPC);
	assert_int_equal(base64_encode((const uint8_t *)plain, 6, txt, 9), 8);
}

/* Every byte value, every length to 200: decode(encode(x)) == x, and the
 * decoder agrees with OpenSSL's block decoder on the data bytes. */
static void
test_base64_round_trip(void **state)
{
	uint8_t in[200], out[200], ref[BASE64_ENCODED_LEN(200)];
	char txt[BASE64_ENCODED_LEN(200) + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37u + 11u);
	for (size_t len = 0; len <= sizeof(in); len++) {
		int n = base64_encode(in, len, txt, sizeof(txt));

		assert_int_equal(n, (int)BASE64_ENCODED_LEN(len));
		assert_int_equal(base64_decode(txt, (size_t)n, out, len),
				 (int)len);
		assert_memory_equal(out, in, len);
		if (n > 0) {
			assert_true(EVP_DecodeBlock(ref,
						    (const unsigned char *)txt,
						    n) >= (int)len);
			assert_memory_equal(out, ref, len);
		}
	}
}

/* A reload carries pushed keys into the keyring built from the file; a
 * pushed key replaces the file's key of the same kid. */
static void
test_keyring_merge_pushed(void **state)
{
	struct auth_oauth_keyring live, fresh;
	struct auth_oauth_key k;
	const struct auth_oauth_key *got;
	unsigned int replaced = 99;
	const char *a = "kid1:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM";
	const char *b = "kid1:MDEyMzQ1Njc4OTAxMjM0NQ==:A128GCM";
	const char *c = "kid2:MDEyMzQ1Njc4OTAxMjM0NQ==:A128GCM";

	(void)state;
	auth_oauth_keyring_init(&live);
	auth_oauth_keyring_init(&fresh);
	assert_int_equal(auth_oauth_key_parse(a, strlen(a), &k), 0);
	assert_int_equal(auth_oauth_keyring_add(&live, &k), 0);
	assert_int_equal(auth_oauth_key_parse(c, strlen(c), &k), 0);
	assert_int_equal(auth_oauth_keyring_add(&live, &k), 0);
	assert_int_equal(auth_oauth_keyring_mark_pushed(&live, "kid1", 4), 0);
	assert_int_equal(auth_oauth_keyring_mark_pushed(&live, "kid9", 4),
			 -ENOENT);
	assert_int_equal(auth_oauth_key_parse(b, strlen(b), &k), 0);
	assert_int_equal(auth_oauth_keyring_add(&fresh, &k), 0);
	assert_int_equal(auth_oauth_keyring_merge_pushed(&fresh, &live, &replaced),
			 0);
	assert_int_equal(replaced, 1);
	assert_int_equal(fresh.n_keys, 1); /* kid2 was the file's: gone */
	got = auth_oauth_keyring_find(&fresh, "kid1", 4);
	assert_non_null(got);
	assert_true(got->pushed);
	assert_memory_equal(got->key, "1234567890123456", 16);
	assert_null(auth_oauth_keyring_find(&fresh, "kid2", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alg_names),
		cmocka_unit_test(test_coturn_vectors),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_server_or_key),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_nonce_len),
		cmocka_unit_test(test_key_len_lies),
		cmocka_unit_test(test_encrypt_args),
		cmocka_unit_test(test_keyring),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base64_round_trip),
		cmocka_unit_test(test_keyring_merge_pushed),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
