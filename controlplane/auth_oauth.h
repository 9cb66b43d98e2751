/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * RFC 7635 third-party authorization: the server's keyring of token keys
 * (one per kid, shared with the authorization server) and the check of an
 * ACCESS-TOKEN.  Control-plane thread only, and so is the keyring: plain
 * data, filled from the oauth-key lines at start-up (cp_setup.c) and
 * changed in place by the admin socket (cp_admin.c) between two requests,
 * so the next request sees the change and no lock is needed.
 *
 * A request authenticated by OAuth carries USERNAME = kid and ACCESS-TOKEN;
 * after auth_oauth_verify() succeeds its MESSAGE-INTEGRITY is checked with
 * out->mac_key (RFC 7635 section 4).
 */
#ifndef TURNPIKE_AUTH_OAUTH_H
#define TURNPIKE_AUTH_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/oauth_token.h"

/** Longest kid, in bytes, without the NUL. */
#define AUTH_OAUTH_KID_MAX 128
/** Most keys one keyring holds. */
#define AUTH_OAUTH_KEYS_MAX 16

/** One token key shared with the authorization server. */
struct auth_oauth_key {
	char kid[AUTH_OAUTH_KID_MAX + 1]; /**< NUL-terminated key id */
	uint8_t key[OAUTH_KEY_MAX];       /**< AES key */
	uint8_t key_len;                  /**< 16 (A128GCM) or 32 (A256GCM) */
	enum oauth_alg alg;
	/** In a keyring: added through the admin socket, not read from the
	 *  file, so a reload keeps it (auth_oauth_keyring_merge_pushed()). */
	bool pushed;
};

/** A fixed-size set of keys, looked up by kid. */
struct auth_oauth_keyring {
	struct auth_oauth_key keys[AUTH_OAUTH_KEYS_MAX];
	unsigned int n_keys;
};

/** Empty a keyring (and wipe its keys). */
void auth_oauth_keyring_init(struct auth_oauth_keyring *ring);

/**
 * Add a key.  The kid must be 1..AUTH_OAUTH_KID_MAX bytes and not already
 * present; key_len must match alg.
 *
 * @return 0, -EINVAL (bad kid, key or alg), -EEXIST (kid present) or
 *         -ENOSPC (keyring full).
 */
int auth_oauth_keyring_add(struct auth_oauth_keyring *ring,
			   const struct auth_oauth_key *key);

/**
 * Remove the key of @p kid (kid_len bytes, need not be NUL-terminated) and
 * wipe its bytes; later keys move up.  Allocations made with a token under
 * that key keep the session key they already have (auth_request.h).
 *
 * @return 0, -ENOENT (no such kid) or -EINVAL.
 */
int auth_oauth_keyring_remove(struct auth_oauth_keyring *ring, const char *kid,
			      size_t kid_len);

/**
 * Mark the key of @p kid as pushed (the admin socket's oauth-key-add), so
 * that a reload of the file keeps it.
 * @return 0, -ENOENT or -EINVAL.
 */
int auth_oauth_keyring_mark_pushed(struct auth_oauth_keyring *ring,
				   const char *kid, size_t kid_len);

/**
 * Copy every pushed key of @p src into @p dst (a keyring just built from
 * the file), still marked pushed.  A pushed key replaces the file's key of
 * the same kid: the push is the later decision.
 *
 * @param replaced  if not NULL, receives how many of @p dst's keys were
 *                  replaced so
 * @return 0; -ENOSPC (more than AUTH_OAUTH_KEYS_MAX in all: @p dst then
 *         holds some of them); -EINVAL.
 */
int auth_oauth_keyring_merge_pushed(struct auth_oauth_keyring *dst,
				    const struct auth_oauth_keyring *src,
				    unsigned int *replaced);

/**
 * Find a key by kid (kid_len bytes, need not be NUL-terminated).
 * Constant work per entry is not needed: kids are not secret.
 *
 * @return the key, or NULL if absent.
 */
const struct auth_oauth_key *
auth_oauth_keyring_find(const struct auth_oauth_keyring *ring, const char *kid,
			size_t kid_len);

/**
 * Parse coturn-style key text "KID:BASE64KEY:ALG" (e.g.
 * "north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM") into a key.  The text is
 * len bytes and need not be NUL-terminated.
 *
 * @return 0, or -EINVAL on a missing field, an empty or too long kid, bad
 *         base64, a key length that does not match the algorithm, or an
 *         unknown algorithm.
 */
int auth_oauth_key_parse(const char *text, size_t len,
			 struct auth_oauth_key *key);

/**
 * Verify an ACCESS-TOKEN.
 *
 * @param kid, kid_len   the request's USERNAME (the key id)
 * @param token          the ACCESS-TOKEN value
 * @param server_name    this server's name (the token's AAD)
 * @param now_unix       current time, seconds since the Unix epoch
 * @param skew_s         allowed clock difference with the authorization server
 * @param out            the token contents on success; out->mac_key is the
 *                       MESSAGE-INTEGRITY key
 * @return 0; -ENOKEY (unknown kid); -EBADMSG (does not decrypt or
 *         authenticate); -ETIMEDOUT (expired: now > timestamp + lifetime +
 *         skew); -EINVAL (timestamp more than skew in the future, or a bad
 *         argument); -EIO if OpenSSL itself fails.  out is zeroed on
 *         failure.
 */
int auth_oauth_verify(const struct auth_oauth_keyring *ring, const char *kid,
		      size_t kid_len, const uint8_t *token, size_t token_len,
		      const char *server_name, uint64_t now_unix,
		      uint32_t skew_s, struct oauth_token *out);

#endif /* TURNPIKE_AUTH_OAUTH_H */
