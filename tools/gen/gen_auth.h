/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The generator's credentials, one set shared by every allocation it makes:
 *
 * - lt:    a static user (RFC 8489 section 9.2): USERNAME, and a key
 *          MD5(user:realm:password) derived once the first 401 names the
 *          realm;
 * - rest:  TURN REST API credentials minted from the shared secret, as the
 *          web service would: username "expiry:user", password
 *          base64(HMAC-SHA1(secret, username)), then as lt;
 * - oauth: an RFC 7635 access token minted with the kid's key, as the
 *          authorization server would: USERNAME = kid, ACCESS-TOKEN, and
 *          the token's random mac_key as the MESSAGE-INTEGRITY key; the
 *          token's AAD is --server-name, or the realm of the first 401 when
 *          none is given (turnpike's default server name);
 * - none:  no credentials (a no-auth server).
 *
 * Runs on the main lcore at start-up and when the first challenge arrives.
 */
#ifndef TURNPIKE_GEN_AUTH_H
#define TURNPIKE_GEN_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/oauth_token.h"

#define GEN_AUTH_NAME_MAX 512
#define GEN_AUTH_REALM_MAX 763
#define GEN_AUTH_KEY_MAX OAUTH_MAC_KEY_MAX
/** Length of the mac_key the generator puts in the tokens it mints. */
#define GEN_AUTH_OAUTH_MAC_KEY_LEN 20

/** Credential kinds. */
enum gen_auth_kind {
	GEN_AUTH_NONE = 0,
	GEN_AUTH_LT,
	GEN_AUTH_REST,
	GEN_AUTH_OAUTH,
};

/** What the options give. */
struct gen_auth_params {
	enum gen_auth_kind kind;
	const char *user;     /**< lt: user; rest: user id (may be NULL) */
	const char *password; /**< lt */
	const char *secret;   /**< rest */
	uint32_t rest_ttl_s;  /**< rest: username expiry from now */
	const char *oauth_kid;
	const char *oauth_key_b64;
	const char *oauth_alg; /**< "A128GCM" / "A256GCM"; NULL = by key size */
	const char *server_name; /**< token AAD; NULL = the realm */
	uint32_t oauth_lifetime_s;
	uint64_t now_unix;
};

/** The credentials in use. */
struct gen_auth {
	enum gen_auth_kind kind;
	char username[GEN_AUTH_NAME_MAX + 1];
	size_t username_len;
	char password[GEN_AUTH_NAME_MAX + 1]; /**< lt, rest */
	char realm[GEN_AUTH_REALM_MAX + 1];
	size_t realm_len;
	bool have_realm;
	uint8_t key[GEN_AUTH_KEY_MAX]; /**< MESSAGE-INTEGRITY key */
	size_t key_len;                /**< 0 until known */
	/* oauth */
	uint8_t oauth_key[OAUTH_KEY_MAX];
	size_t oauth_key_len;
	enum oauth_alg oauth_alg;
	char server_name[GEN_AUTH_REALM_MAX + 1];
	bool server_name_given; /**< else the realm is used */
	uint32_t oauth_lifetime_s;
	uint64_t oauth_issued; /**< Unix seconds */
	uint8_t token[OAUTH_TOKEN_MAX];
	size_t token_len;
};

/** Parse "lt", "rest", "oauth", "none".  @return 0 or -EINVAL. */
int gen_auth_kind_parse(const char *text, enum gen_auth_kind *kind);

/** Name of a kind ("lt"). */
const char *gen_auth_kind_name(enum gen_auth_kind kind);

/**
 * Set up the credentials: check that the options the kind needs are there,
 * mint REST credentials, decode the OAuth key and, with a server name,
 * mint the token.  @return 0 or -EINVAL / -EIO with a message in @p err.
 */
int gen_auth_init(struct gen_auth *a, const struct gen_auth_params *p,
		  char *err, size_t err_len);

/**
 * The realm a 401 named (@p len bytes).  Derives the key (lt, rest) or
 * mints the token (oauth without a server name) the first time, and again
 * if the realm changes.  @return 0, -EINVAL (too long) or -EIO.
 */
int gen_auth_set_realm(struct gen_auth *a, const char *realm, size_t len,
		       uint64_t now_unix);

/** True once requests can carry credentials (a key is known). */
static inline bool
gen_auth_ready(const struct gen_auth *a)
{
	return a->kind == GEN_AUTH_NONE || a->key_len > 0;
}

/**
 * OAuth: mint a fresh token (new mac_key) once three quarters of the
 * current one's lifetime have passed, since a server caps allocation
 * lifetimes at the token's expiry and refuses expired tokens.
 * @return 1 if a new token was minted, 0 if none was due, -EIO.
 */
int gen_auth_refresh(struct gen_auth *a, uint64_t now_unix);

/** Forget the keys and the password (before exit). */
void gen_auth_wipe(struct gen_auth *a);

#endif /* TURNPIKE_GEN_AUTH_H */
