/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's credentials (see gen_auth.h): mints what the web service
 * or the authorization server would hand a real client, and derives the
 * MESSAGE-INTEGRITY key once the realm is known.  Main lcore only; owns the
 * keys, the password and the token, and wipes them at exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth_longterm.h"
#include "auth_rest.h"
#include "gen_auth.h"
#include "turnpike/base64.h"

static const char *const kind_names[] = {
	[GEN_AUTH_NONE] = "none",
	[GEN_AUTH_LT] = "lt",
	[GEN_AUTH_REST] = "rest",
	[GEN_AUTH_OAUTH] = "oauth",
};

int
gen_auth_kind_parse(const char *text, enum gen_auth_kind *kind)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strcmp(text, kind_names[i]) == 0) {
			*kind = (enum gen_auth_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
gen_auth_kind_name(enum gen_auth_kind kind)
{
	return (unsigned int)kind < sizeof(kind_names) / sizeof(kind_names[0]) ?
		       kind_names[kind] :
		       "?";
}

static int
copy_str(char *dst, size_t cap, const char *src, size_t *len)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return -EINVAL;
	memcpy(dst, src, n + 1);
	if (len != NULL)
		*len = n;
	return 0;
}

/* Mint the access token for the current server name. */
static int
oauth_mint(struct gen_auth *a, uint64_t now_unix)
{
	struct oauth_token tok = { .mac_key_len = GEN_AUTH_OAUTH_MAC_KEY_LEN };
	uint8_t nonce[OAUTH_NONCE_LEN];
	int n;

	if (RAND_bytes(tok.mac_key, tok.mac_key_len) != 1 ||
	    RAND_bytes(nonce, sizeof(nonce)) != 1)
		return -EIO;
	tok.timestamp = oauth_timestamp_make(now_unix, 0);
	tok.lifetime = a->oauth_lifetime_s;
	n = oauth_token_encrypt(a->oauth_key, a->oauth_key_len, a->oauth_alg,
				a->server_name, nonce, &tok, a->token,
				sizeof(a->token));
	if (n < 0) {
		OPENSSL_cleanse(&tok, sizeof(tok));
		return n;
	}
	a->token_len = (size_t)n;
	memcpy(a->key, tok.mac_key, tok.mac_key_len);
	a->key_len = tok.mac_key_len;
	a->oauth_issued = now_unix;
	OPENSSL_cleanse(&tok, sizeof(tok));
	return 0;
}

static int
init_oauth(struct gen_auth *a, const struct gen_auth_params *p, char *err,
	   size_t err_len)
{
	int n;

	if (p->oauth_kid == NULL || p->oauth_key_b64 == NULL) {
		snprintf(err, err_len,
			 "--auth oauth needs --oauth-kid and --oauth-key");
		return -EINVAL;
	}
	if (copy_str(a->username, sizeof(a->username), p->oauth_kid,
		     &a->username_len) != 0) {
		snprintf(err, err_len, "--oauth-kid: empty or too long");
		return -EINVAL;
	}
	n = base64_decode(p->oauth_key_b64, strlen(p->oauth_key_b64),
			  a->oauth_key, sizeof(a->oauth_key));
	if (n <= 0) {
		snprintf(err, err_len,
			 "--oauth-key: not base64 of a 16- or 32-byte key");
		return -EINVAL;
	}
	a->oauth_key_len = (size_t)n;
	if (p->oauth_alg != NULL)
		a->oauth_alg = oauth_alg_from_name(p->oauth_alg);
	else
		a->oauth_alg = n == 16 ? OAUTH_ALG_A128GCM : OAUTH_ALG_A256GCM;
	if (a->oauth_alg == OAUTH_ALG_NONE ||
	    oauth_alg_key_len(a->oauth_alg) != a->oauth_key_len) {
		snprintf(err, err_len,
			 "--oauth-alg/--oauth-key: A128GCM takes a "
			 "16-byte key, A256GCM a 32-byte key (this key has %d)",
			 n);
		return -EINVAL;
	}
	a->oauth_lifetime_s = p->oauth_lifetime_s;
	if (p->server_name == NULL)
		return 0; /* minted when the realm is known */
	if (copy_str(a->server_name, sizeof(a->server_name), p->server_name,
		     NULL) != 0) {
		snprintf(err, err_len, "--server-name: empty or too long");
		return -EINVAL;
	}
	a->server_name_given = true;
	if (oauth_mint(a, p->now_unix) != 0) {
		snprintf(err, err_len, "cannot mint the access token");
		return -EIO;
	}
	return 0;
}

static int
init_rest(struct gen_auth *a, const struct gen_auth_params *p, char *err,
	  size_t err_len)
{
	int n;

	if (p->secret == NULL) {
		snprintf(err, err_len, "--auth rest needs --secret");
		return -EINVAL;
	}
	if (p->user != NULL)
		n = snprintf(a->username, sizeof(a->username),
			     "%" PRIu64 "%c%s", p->now_unix + p->rest_ttl_s,
			     AUTH_REST_SEPARATOR, p->user);
	else
		n = snprintf(a->username, sizeof(a->username), "%" PRIu64,
			     p->now_unix + p->rest_ttl_s);
	if (n < 0 || (size_t)n >= sizeof(a->username) ||
	    (size_t)n > AUTH_REST_USERNAME_MAX) {
		snprintf(err, err_len, "--user: too long");
		return -EINVAL;
	}
	a->username_len = (size_t)n;
	if (auth_rest_password((const uint8_t *)p->secret, strlen(p->secret),
			       a->username, a->username_len, a->password) != 0) {
		snprintf(err, err_len, "--secret: empty or longer than %d bytes",
			 AUTH_REST_SECRET_MAX);
		return -EINVAL;
	}
	return 0;
}

int
gen_auth_init(struct gen_auth *a, const struct gen_auth_params *p, char *err,
	      size_t err_len)
{
	memset(a, 0, sizeof(*a));
	a->kind = p->kind;
	switch (p->kind) {
	case GEN_AUTH_NONE:
		return 0;
	case GEN_AUTH_LT:
		if (p->user == NULL || p->password == NULL) {
			snprintf(err, err_len,
				 "--auth lt needs --user and --password");
			return -EINVAL;
		}
		if (copy_str(a->username, sizeof(a->username), p->user,
			     &a->username_len) != 0 ||
		    copy_str(a->password, sizeof(a->password), p->password,
			     NULL) != 0) {
			snprintf(err, err_len,
				 "--user/--password: empty or too long");
			return -EINVAL;
		}
		return 0;
	case GEN_AUTH_REST:
		return init_rest(a, p, err, err_len);
	case GEN_AUTH_OAUTH:
		return init_oauth(a, p, err, err_len);
	}
	snprintf(err, err_len, "unknown --auth kind");
	return -EINVAL;
}

int
gen_auth_set_realm(struct gen_auth *a, const char *realm, size_t len,
		   uint64_t now_unix)
{
	if (len > GEN_AUTH_REALM_MAX)
		return -EINVAL;
	if (a->have_realm && len == a->realm_len &&
	    memcmp(realm, a->realm, len) == 0)
		return 0;
	memcpy(a->realm, realm, len);
	a->realm[len] = '\0';
	a->realm_len = len;
	a->have_realm = true;
	switch (a->kind) {
	case GEN_AUTH_LT:
	case GEN_AUTH_REST:
		a->key_len = 0;
		if (auth_lt_key_md5(a->username, a->username_len, a->realm, len,
				    a->password, strlen(a->password), a->key) != 0)
			return -EIO;
		a->key_len = AUTH_LT_KEY_MD5_LEN;
		return 0;
	case GEN_AUTH_OAUTH:
		if (a->server_name_given)
			return 0; /* minted at start for --server-name */
		memcpy(a->server_name, a->realm, len + 1);
		return oauth_mint(a, now_unix);
	case GEN_AUTH_NONE:
		return 0;
	}
	return 0;
}

int
gen_auth_refresh(struct gen_auth *a, uint64_t now_unix)
{
	int rc;

	if (a->kind != GEN_AUTH_OAUTH || a->token_len == 0 ||
	    now_unix < a->oauth_issued + (uint64_t)a->oauth_lifetime_s * 3 / 4)
		return 0;
	rc = oauth_mint(a, now_unix);
	return rc == 0 ? 1 : rc;
}

void
gen_auth_wipe(struct gen_auth *a)
{
	OPENSSL_cleanse(a, sizeof(*a));
}
