/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 7635 third-party authorization on the server side.
 *
 * The authorization server (the WAF) and this server share an AES key per
 * key id (kid).  A client presents USERNAME = kid and an ACCESS-TOKEN that
 * the WAF encrypted with that key; inside is the mac_key the client uses
 * for MESSAGE-INTEGRITY, a timestamp and a lifetime.  Verifying a token is
 * therefore: find the key by kid, decrypt and authenticate the token with
 * this server's name as AAD (so a token for one server is useless at
 * another), then check the validity window with some allowance for clock
 * skew between the WAF and us.  No per-client state is kept.
 *
 * Runs on the control-plane thread.  A keyring is plain data (no pointers),
 * filled from the configuration at start-up and edited in place by the
 * admin socket on the same thread; this file owns nothing global.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth_oauth.h"
#include "turnpike/base64.h"

void
auth_oauth_keyring_init(struct auth_oauth_keyring *ring)
{
	OPENSSL_cleanse(ring, sizeof(*ring));
}

static int
auth_oauth_kid_valid(const char *kid, size_t len)
{
	if (len == 0 || len > AUTH_OAUTH_KID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)kid[i];

		/* A config identifier: printable, no spaces or controls. */
		if (c <= 0x20 || c == 0x7F)
			return 0;
	}
	return 1;
}

const struct auth_oauth_key *
auth_oauth_keyring_find(const struct auth_oauth_keyring *ring, const char *kid,
			size_t kid_len)
{
	if (ring == NULL || kid == NULL)
		return NULL;
	for (unsigned int i = 0; i < ring->n_keys && i < AUTH_OAUTH_KEYS_MAX;
	     i++) {
		const struct auth_oauth_key *k = &ring->keys[i];

		if (strlen(k->kid) == kid_len && memcmp(k->kid, kid, kid_len) == 0)
			return k;
	}
	return NULL;
}

int
auth_oauth_keyring_add(struct auth_oauth_keyring *ring,
		       const struct auth_oauth_key *key)
{
	size_t kid_len;

	if (ring == NULL || key == NULL)
		return -EINVAL;
	kid_len = strnlen(key->kid, sizeof(key->kid));
	if (kid_len == sizeof(key->kid) ||
	    !auth_oauth_kid_valid(key->kid, kid_len))
		return -EINVAL;
	if (oauth_alg_key_len(key->alg) == 0 ||
	    key->key_len != oauth_alg_key_len(key->alg))
		return -EINVAL;
	if (auth_oauth_keyring_find(ring, key->kid, kid_len) != NULL)
		return -EEXIST;
	if (ring->n_keys >= AUTH_OAUTH_KEYS_MAX)
		return -ENOSPC;
	ring->keys[ring->n_keys++] = *key;
	return 0;
}

int
auth_oauth_keyring_remove(struct auth_oauth_keyring *ring, const char *kid,
			  size_t kid_len)
{
	const struct auth_oauth_key *k;
	unsigned int i;

	if (ring == NULL || kid == NULL)
		return -EINVAL;
	k = auth_oauth_keyring_find(ring, kid, kid_len);
	if (k == NULL)
		return -ENOENT;
	i = (unsigned int)(k - ring->keys);
	memmove(&ring->keys[i], &ring->keys[i + 1],
		(ring->n_keys - i - 1) * sizeof(ring->keys[0]));
	ring->n_keys--;
	OPENSSL_cleanse(&ring->keys[ring->n_keys], sizeof(ring->keys[0]));
	return 0;
}

int
auth_oauth_keyring_mark_pushed(struct auth_oauth_keyring *ring, const char *kid,
			       size_t kid_len)
{
	const struct auth_oauth_key *k;

	if (ring == NULL || kid == NULL)
		return -EINVAL;
	k = auth_oauth_keyring_find(ring, kid, kid_len);
	if (k == NULL)
		return -ENOENT;
	ring->keys[k - ring->keys].pushed = true;
	return 0;
}

int
auth_oauth_keyring_merge_pushed(struct auth_oauth_keyring *dst,
				const struct auth_oauth_keyring *src,
				unsigned int *replaced)
{
	unsigned int n_replaced = 0;
	int rc = 0;

	if (dst == NULL || src == NULL)
		return -EINVAL;
	for (unsigned int i = 0;
	     rc == 0 && i < src->n_keys && i < AUTH_OAUTH_KEYS_MAX; i++) {
		const struct auth_oauth_key *k = &src->keys[i];
		size_t kid_len = strnlen(k->kid, sizeof(k->kid));

		if (!k->pushed)
			continue;
		if (auth_oauth_keyring_remove(dst, k->kid, kid_len) == 0)
			n_replaced++;
		rc = auth_oauth_keyring_add(dst, k);
		if (rc == 0)
			rc = auth_oauth_keyring_mark_pushed(dst, k->kid, kid_len);
	}
	if (replaced != NULL)
		*replaced = n_replaced;
	return rc;
}

int
auth_oauth_key_parse(const char *text, size_t len, struct auth_oauth_key *key)
{
	char alg_name[16];
	const char *colon_alg = NULL;
	const char *colon_key = NULL;
	size_t kid_len;
	size_t b64_len;
	size_t alg_len;
	int n;

	if (text == NULL || key == NULL)
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	/* Split from the right: KID may not contain ':' but base64 never does. */
	for (size_t i = len; i > 0; i--) {
		if (text[i - 1] != ':')
			continue;
		if (colon_alg == NULL) {
			colon_alg = &text[i - 1];
		} else {
			colon_key = &text[i - 1];
			break;
		}
	}
	if (colon_key == NULL)
		return -EINVAL;
	kid_len = (size_t)(colon_key - text);
	b64_len = (size_t)(colon_alg - colon_key - 1);
	alg_len = (size_t)(text + len - colon_alg - 1);
	if (!auth_oauth_kid_valid(text, kid_len) ||
	    memchr(text, ':', kid_len) != NULL)
		return -EINVAL;
	if (alg_len == 0 || alg_len >= sizeof(alg_name))
		return -EINVAL;
	memcpy(alg_name, colon_alg + 1, alg_len);
	alg_name[alg_len] = '\0';
	key->alg = oauth_alg_from_name(alg_name);
	if (key->alg == OAUTH_ALG_NONE)
		goto fail;
	n = base64_decode(colon_key + 1, b64_len, key->key, sizeof(key->key));
	if (n < 0 || (size_t)n != oauth_alg_key_len(key->alg))
		goto fail;
	key->key_len = (uint8_t)n;
	memcpy(key->kid, text, kid_len);
	key->kid[kid_len] = '\0';
	return 0;
fail:
	OPENSSL_cleanse(key, sizeof(*key));
	return -EINVAL;
}

int
auth_oauth_verify(const struct auth_oauth_keyring *ring, const char *kid,
		  size_t kid_len, const uint8_t *token, size_t token_len,
		  const char *server_name, uint64_t now_unix, uint32_t skew_s,
		  struct oauth_token *out)
{
	const struct auth_oauth_key *key;
	uint64_t issued;
	int ret;

	if (out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (ring == NULL || kid == NULL || token == NULL || server_name == NULL)
		return -EINVAL;
	key = auth_oauth_keyring_find(ring, kid, kid_len);
	if (key == NULL)
		return -ENOKEY;
	ret = oauth_token_decrypt(key->key, key->key_len, key->alg, server_name,
				  token, token_len, out);
	if (ret < 0)
		return ret == -EINVAL ? -EBADMSG : ret;

	/*
	 * RFC 7635 section 6.2: valid from timestamp for lifetime seconds.
	 * issued < 2^48 and lifetime, skew < 2^32, so the sums cannot wrap.
	 */
	issued = oauth_timestamp_seconds(out->timestamp);
	if (issued > now_unix && issued - now_unix > skew_s) {
		ret = -EINVAL;
		goto fail;
	}
	if (now_unix > issued + out->lifetime + skew_s) {
		ret = -ETIMEDOUT;
		goto fail;
	}
	return 0;
fail:
	OPENSSL_cleanse(out, sizeof(*out));
	return ret;
}
