/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ephemeral credentials from a shared secret ("TURN REST API",
 * draft-uberti-behave-turn-rest-00; coturn's use-auth-secret).
 *
 * The web service that hands out credentials and this server share one or
 * more secrets.  It issues
 *
 *     username = "<expiry unix time>:<user id>"   (or just "<expiry>")
 *     password = base64(HMAC-SHA1(secret, username))
 *
 * and the client uses them as ordinary long-term credentials (RFC 8489
 * section 9.2), so the MESSAGE-INTEGRITY key is MD5(username ":" realm ":"
 * password), or SHA-256 of the same for MESSAGE-INTEGRITY-SHA256.  The
 * server keeps no per-user state: it recomputes the password from the
 * username with each secret it holds (several at once during a rotation).
 *
 * Control-plane thread only, and so is the ring of secrets: plain data,
 * filled from the static-auth-secret lines at start-up (cp_setup.c) and
 * changed in place by the admin socket (cp_admin.c) between two requests,
 * so the next request sees the change and no lock is needed.
 */
#ifndef TURNPIKE_AUTH_REST_H
#define TURNPIKE_AUTH_REST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Separator between the expiry time and the user id (coturn's default). */
#define AUTH_REST_SEPARATOR ':'
/** Length of the password: base64 of a 20-byte HMAC-SHA1, without NUL. */
#define AUTH_REST_PASSWORD_LEN 28
/** Longest shared secret, in bytes. */
#define AUTH_REST_SECRET_MAX 256
/** Most secrets valid at once. */
#define AUTH_REST_SECRETS_MAX 8
/** Longest USERNAME (RFC 8489 section 14.3: fewer than 513 bytes). */
#define AUTH_REST_USERNAME_MAX 512
/** Long-term key sizes. */
#define AUTH_REST_KEY_MD5_LEN 16
#define AUTH_REST_KEY_SHA256_LEN 32

/** One shared secret. */
struct auth_rest_secret {
	uint8_t secret[AUTH_REST_SECRET_MAX];
	uint16_t len;
	/** Added through the admin socket, not read from the file: a reload
	 *  keeps it (auth_rest_ring_merge_pushed()). */
	bool pushed;
};

/** The secrets valid now, tried in order (put the newest first). */
struct auth_rest_ring {
	struct auth_rest_secret secrets[AUTH_REST_SECRETS_MAX];
	unsigned int n_secrets;
	/** Refuse usernames expiring more than this many seconds from now;
	 *  0 = no limit. */
	uint32_t max_ttl_s;
};

/**
 * Compute the password for a username.
 *
 * @param out  receives AUTH_REST_PASSWORD_LEN characters and a NUL.
 * @return 0, or -EINVAL (empty secret, secret or username too long).
 */
int auth_rest_password(const uint8_t *secret, size_t secret_len,
		       const char *username, size_t ulen,
		       char out[AUTH_REST_PASSWORD_LEN + 1]);

/**
 * Parse the expiry time out of a username: "<digits>", "<digits>:<rest>",
 * or coturn's older "<rest>:<digits>" form (the text after the last
 * separator, all digits).  Digits only, no sign or space, no overflow past
 * UINT64_MAX.
 *
 * @return 0 and *expiry, or -EINVAL if no timestamp can be found.
 */
int auth_rest_username_expiry(const char *username, size_t ulen,
			      uint64_t *expiry);

/**
 * The user id of a username: what is not the expiry time, so "42:alice"
 * and "1700000000:alice" name the same person (the text after the first
 * separator; in coturn's older "<rest>:<digits>" form, the text before the
 * last one).
 *
 * @return 0 and *user (pointing into @p username), *user_len >= 1;
 *         -ENOENT if the username is a bare timestamp or the id is empty;
 *         -EINVAL if it has no timestamp.
 */
int auth_rest_username_user(const char *username, size_t ulen,
			    const char **user, size_t *user_len);

/**
 * Check a username's expiry against the clock.
 *
 * @param max_ttl_s  refuse expiry > now + max_ttl_s (0 = no limit)
 * @return 0 if now <= expiry; -ETIMEDOUT if expired; -EINVAL if the
 *         username has no timestamp or expires too far in the future.
 */
int auth_rest_username_check(const char *username, size_t ulen,
			     uint64_t now_unix, uint32_t max_ttl_s);

/**
 * Long-term MD5 key for one secret: MD5(username ":" realm ":" password)
 * with password = auth_rest_password(secret, username) (RFC 8489 9.2.2),
 * derived by auth_lt_key_md5() so it is the same key a static user with
 * that password would have.  username and realm are NUL-terminated.
 *
 * @return 0 or -EINVAL.
 */
int auth_rest_key_md5(const uint8_t *secret, size_t secret_len,
		      const char *username, const char *realm,
		      uint8_t key[AUTH_REST_KEY_MD5_LEN]);

/** As auth_rest_key_md5() with SHA-256 (RFC 8489 section 9.2.2). */
int auth_rest_key_sha256(const uint8_t *secret, size_t secret_len,
			 const char *username, const char *realm,
			 uint8_t key[AUTH_REST_KEY_SHA256_LEN]);

/** Empty a ring (and wipe its secrets). */
void auth_rest_ring_init(struct auth_rest_ring *ring, uint32_t max_ttl_s);

/**
 * Append a secret.
 *
 * @return 0; -EINVAL (empty or longer than AUTH_REST_SECRET_MAX);
 *         -EEXIST (already present); -ENOSPC (ring full).
 */
int auth_rest_ring_add(struct auth_rest_ring *ring, const uint8_t *secret,
		       size_t len);

/**
 * Remove a secret (the end of a rotation).
 *
 * @return 0 or -ENOENT.
 */
int auth_rest_ring_remove(struct auth_rest_ring *ring, const uint8_t *secret,
			  size_t len);

/**
 * Mark a secret as pushed (the admin socket's secret-add), so that a reload
 * of the file keeps it.
 * @return 0, -ENOENT or -EINVAL.
 */
int auth_rest_ring_mark_pushed(struct auth_rest_ring *ring,
			       const uint8_t *secret, size_t len);

/**
 * Append every pushed secret of @p src to @p dst (a ring just built from
 * the file), still marked pushed; one the file also lists is kept once,
 * marked pushed.
 * @return 0; -ENOSPC (more than AUTH_REST_SECRETS_MAX in all: @p dst then
 *         holds some of them); -EINVAL.
 */
int auth_rest_ring_merge_pushed(struct auth_rest_ring *dst,
				const struct auth_rest_ring *src);

/**
 * Candidate MESSAGE-INTEGRITY keys for a request: checks the username's
 * expiry, then derives one MD5 long-term key per secret, in ring order.
 * The caller tries each against MESSAGE-INTEGRITY (CRYPTO_memcmp).
 * username and realm are NUL-terminated.
 *
 * @return the number of keys written (1..max); -ENOKEY (no secrets);
 *         -ETIMEDOUT (expired); -EINVAL (bad username or arguments).
 */
int auth_rest_ring_keys_md5(const struct auth_rest_ring *ring,
			    const char *username, const char *realm,
			    uint64_t now_unix,
			    uint8_t keys[][AUTH_REST_KEY_MD5_LEN],
			    unsigned int max);

/** As auth_rest_ring_keys_md5() for MESSAGE-INTEGRITY-SHA256 keys. */
int auth_rest_ring_keys_sha256(const struct auth_rest_ring *ring,
			       const char *username, const char *realm,
			       uint64_t now_unix,
			       uint8_t keys[][AUTH_REST_KEY_SHA256_LEN],
			       unsigned int max);

#endif /* TURNPIKE_AUTH_REST_H */
