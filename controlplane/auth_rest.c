/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ephemeral "TURN REST API" credentials (coturn's use-auth-secret).
 *
 * Worked example (published with the mojoauth library, and checked with
 * `openssl dgst -sha1 -hmac`): secret "y662KxTm...kaPg==" (used as bytes,
 * not decoded), username "1413748361:foobar" expiring at 1413748361
 * (2014-10-19T19:52:41Z), password "sJgD0PLv892CUSfp1HL2td5NEeM=".  The
 * client then signs with the ordinary long-term key
 * MD5("1413748361:foobar" ":" realm ":" "sJgD0PLv892CUSfp1HL2td5NEeM=").
 *
 * The server never stores the password: for each request it parses the
 * expiry out of USERNAME, refuses it if past, and derives one candidate key
 * per secret in its ring; a rotation keeps the old secret in the ring until
 * every credential minted with it has expired.
 *
 * Runs on the control-plane thread; rings are plain data built from config.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth_longterm.h"
#include "auth_rest.h"
#include "turnpike/base64.h"
#include "turnpike/hmac.h"

int
auth_rest_password(const uint8_t *secret, size_t secret_len, const char *username,
		   size_t ulen, char out[AUTH_REST_PASSWORD_LEN + 1])
{
	uint8_t mac[TP_HMAC_MAX];
	int n;

	if (secret == NULL || username == NULL || out == NULL || secret_len == 0 ||
	    secret_len > AUTH_REST_SECRET_MAX || ulen > AUTH_REST_USERNAME_MAX)
		return -EINVAL;
	if (tp_hmac(TP_HMAC_SHA1, secret, secret_len, (const uint8_t *)username,
		    ulen, NULL, 0, mac) != 0)
		return -EIO;
	n = base64_encode(mac, tp_hmac_len(TP_HMAC_SHA1), out,
			  AUTH_REST_PASSWORD_LEN + 1);
	OPENSSL_cleanse(mac, sizeof(mac));
	return n == AUTH_REST_PASSWORD_LEN ? 0 : -EIO;
}

/* Parse exactly len decimal digits; no sign, no space, no overflow. */
static int
auth_rest_parse_u64(const char *s, size_t len, uint64_t *v)
{
	uint64_t acc = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (acc > (UINT64_MAX - d) / 10)
			return -EINVAL;
		acc = acc * 10 + d;
	}
	*v = acc;
	return 0;
}

int
auth_rest_username_expiry(const char *username, size_t ulen, uint64_t *expiry)
{
	const char *first;
	const char *last;

	if (username == NULL || expiry == NULL || ulen == 0 ||
	    ulen > AUTH_REST_USERNAME_MAX)
		return -EINVAL;
	first = memchr(username, AUTH_REST_SEPARATOR, ulen);
	if (first == NULL)
		return auth_rest_parse_u64(username, ulen, expiry);
	/* "<expiry>:<user id>", the draft's and today's coturn's form. */
	if (auth_rest_parse_u64(username, (size_t)(first - username), expiry) == 0)
		return 0;
	/* "<user id>:<expiry>", which coturn also accepts. */
	last = username + ulen - 1;
	while (*last != AUTH_REST_SEPARATOR)
		last--;
	return auth_rest_parse_u64(last + 1,
				   (size_t)(username + ulen - last - 1), expiry);
}

int
auth_rest_username_user(const char *username, size_t ulen, const char **user,
			size_t *user_len)
{
	const char *first, *last;
	uint64_t expiry;

	if (user == NULL || user_len == NULL ||
	    auth_rest_username_expiry(username, ulen, &expiry) != 0)
		return -EINVAL;
	first = memchr(username, AUTH_REST_SEPARATOR, ulen);
	if (first == NULL)
		return -ENOENT;
	if (auth_rest_parse_u64(username, (size_t)(first - username), &expiry) ==
	    0) {
		*user = first + 1;
		*user_len = (size_t)(username + ulen - first - 1);
	} else {
		/* "<user id>:<expiry>": auth_rest_username_expiry() found
		 * the digits after the last separator. */
		last = username + ulen - 1;
		while (*last != AUTH_REST_SEPARATOR)
			last--;
		*user = username;
		*user_len = (size_t)(last - username);
	}
	return *user_len == 0 ? -ENOENT : 0;
}

int
auth_rest_username_check(const char *username, size_t ulen, uint64_t now_unix,
			 uint32_t max_ttl_s)
{
	uint64_t expiry;
	int ret;

	ret = auth_rest_username_expiry(username, ulen, &expiry);
	if (ret < 0)
		return ret;
	if (now_unix > expiry)
		return -ETIMEDOUT;
	if (max_ttl_s != 0 && expiry - now_unix > max_ttl_s)
		return -EINVAL;
	return 0;
}

/* One long-term key: the REST password fed to auth_longterm's derivation. */
static int
auth_rest_key(bool sha256, const uint8_t *secret, size_t secret_len,
	      const char *username, const char *realm, uint8_t *key)
{
	char password[AUTH_REST_PASSWORD_LEN + 1];
	size_t ulen;
	size_t rlen;
	int ret;

	if (username == NULL || realm == NULL || key == NULL)
		return -EINVAL;
	ulen = strnlen(username, AUTH_REST_USERNAME_MAX + 1);
	rlen = strnlen(realm, AUTH_LT_REALM_MAX + 1);
	if (ulen > AUTH_REST_USERNAME_MAX || rlen > AUTH_LT_REALM_MAX)
		return -EINVAL;
	ret = auth_rest_password(secret, secret_len, username, ulen, password);
	if (ret < 0)
		return ret;
	if (sha256)
		ret = auth_lt_key_sha256(username, ulen, realm, rlen, password,
					 AUTH_REST_PASSWORD_LEN, key);
	else
		ret = auth_lt_key_md5(username, ulen, realm, rlen, password,
				      AUTH_REST_PASSWORD_LEN, key);
	OPENSSL_cleanse(password, sizeof(password));
	return ret;
}

int
auth_rest_key_md5(const uint8_t *secret, size_t secret_len, const char *username,
		  const char *realm, uint8_t key[AUTH_REST_KEY_MD5_LEN])
{
	return auth_rest_key(false, secret, secret_len, username, realm, key);
}

int
auth_rest_key_sha256(const uint8_t *secret, size_t secret_len,
		     const char *username, const char *realm,
		     uint8_t key[AUTH_REST_KEY_SHA256_LEN])
{
	return auth_rest_key(true, secret, secret_len, username, realm, key);
}

void
auth_rest_ring_init(struct auth_rest_ring *ring, uint32_t max_ttl_s)
{
	OPENSSL_cleanse(ring, sizeof(*ring));
	ring->max_ttl_s = max_ttl_s;
}

static int
auth_rest_ring_index(const struct auth_rest_ring *ring, const uint8_t *secret,
		     size_t len)
{
	for (unsigned int i = 0;
	     i < ring->n_secrets && i < AUTH_REST_SECRETS_MAX; i++) {
		const struct auth_rest_secret *s = &ring->secrets[i];

		if (s->len == len && CRYPTO_memcmp(s->secret, secret, len) == 0)
			return (int)i;
	}
	return -ENOENT;
}

int
auth_rest_ring_add(struct auth_rest_ring *ring, const uint8_t *secret, size_t len)
{
	struct auth_rest_secret *s;

	if (ring == NULL || secret == NULL || len == 0 ||
	    len > AUTH_REST_SECRET_MAX)
		return -EINVAL;
	if (auth_rest_ring_index(ring, secret, len) >= 0)
		return -EEXIST;
	if (ring->n_secrets >= AUTH_REST_SECRETS_MAX)
		return -ENOSPC;
	s = &ring->secrets[ring->n_secrets++];
	memcpy(s->secret, secret, len);
	s->len = (uint16_t)len;
	return 0;
}

int
auth_rest_ring_remove(struct auth_rest_ring *ring, const uint8_t *secret,
		      size_t len)
{
	int i;

	if (ring == NULL || secret == NULL)
		return -EINVAL;
	i = auth_rest_ring_index(ring, secret, len);
	if (i < 0)
		return i;
	memmove(&ring->secrets[i], &ring->secrets[i + 1],
		(ring->n_secrets - (unsigned int)i - 1) *
			sizeof(ring->secrets[0]));
	ring->n_secrets--;
	OPENSSL_cleanse(&ring->secrets[ring->n_secrets],
			sizeof(ring->secrets[0]));
	return 0;
}

int
auth_rest_ring_mark_pushed(struct auth_rest_ring *ring, const uint8_t *secret,
			   size_t len)
{
	int i;

	if (ring == NULL || secret == NULL)
		return -EINVAL;
	i = auth_rest_ring_index(ring, secret, len);
	if (i < 0)
		return i;
	ring->secrets[i].pushed = true;
	return 0;
}

int
auth_rest_ring_merge_pushed(struct auth_rest_ring *dst,
			    const struct auth_rest_ring *src)
{
	if (dst == NULL || src == NULL)
		return -EINVAL;
	for (unsigned int i = 0;
	     i < src->n_secrets && i < AUTH_REST_SECRETS_MAX; i++) {
		const struct auth_rest_secret *s = &src->secrets[i];
		int rc;

		if (!s->pushed)
			continue;
		rc = auth_rest_ring_add(dst, s->secret, s->len);
		if (rc != 0 && rc != -EEXIST)
			return rc;
		auth_rest_ring_mark_pushed(dst, s->secret, s->len);
	}
	return 0;
}

/* Shared body of the two ring_keys functions. */
static int
auth_rest_ring_keys(const struct auth_rest_ring *ring, const char *username,
		    const char *realm, uint64_t now_unix, bool sha256,
		    uint8_t *keys, size_t key_len, unsigned int max)
{
	unsigned int n = 0;
	size_t ulen;
	int ret;

	if (ring == NULL || username == NULL || realm == NULL || keys == NULL ||
	    max == 0)
		return -EINVAL;
	if (ring->n_secrets == 0)
		return -ENOKEY;
	ulen = strnlen(username, AUTH_REST_USERNAME_MAX + 1);
	ret = auth_rest_username_check(username, ulen, now_unix, ring->max_ttl_s);
	if (ret < 0)
		return ret;
	for (unsigned int i = 0;
	     i < ring->n_secrets && i < AUTH_REST_SECRETS_MAX && n < max; i++) {
		const struct auth_rest_secret *s = &ring->secrets[i];

		ret = auth_rest_key(sha256, s->secret, s->len, username, realm,
				    keys + n * key_len);
		if (ret < 0) {
			OPENSSL_cleanse(keys, n * key_len);
			return ret;
		}
		n++;
	}
	return (int)n;
}

int
auth_rest_ring_keys_md5(const struct auth_rest_ring *ring, const char *username,
			const char *realm, uint64_t now_unix,
			uint8_t keys[][AUTH_REST_KEY_MD5_LEN], unsigned int max)
{
	return auth_rest_ring_keys(ring, username, realm, now_unix, false,
				   &keys[0][0], AUTH_REST_KEY_MD5_LEN, max);
}

int
auth_rest_ring_keys_sha256(const struct auth_rest_ring *ring,
			   const char *username, const char *realm,
			   uint64_t now_unix,
			   uint8_t keys[][AUTH_REST_KEY_SHA256_LEN],
			   unsigned int max)
{
	return auth_rest_ring_keys(ring, username, realm, now_unix, true,
				   &keys[0][0], AUTH_REST_KEY_SHA256_LEN, max);
}
