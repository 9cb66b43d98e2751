/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Who is this client?  The authentication step every request goes through
 * before a TURN handler runs (RFC 8489 9.2.4, RFC 7635); see auth_request.h
 * for the order of checks and the codes they give.
 *
 * Design.  The three credential kinds are not separate code paths but
 * sources of candidate keys: a static user gives its key, a REST username
 * gives one key per shared secret, an ACCESS-TOKEN gives its mac_key.  The
 * request's integrity attribute is then checked against every candidate,
 * without stopping at the first match, and the matching candidate says
 * which mechanism authenticated the client.  So the mechanisms coexist
 * with no configuration of which one a username "belongs" to, and the time
 * spent does not reveal which secret of a ring matched.
 *
 * Nothing is remembered between requests: the nonce carries its own proof
 * (nonce.c), and it is checked before any key is derived, so a flood of
 * unauthenticated or forged requests costs one HMAC each and no memory;
 * only a sender that got a nonce at its own address pays for the keys.
 *
 * Runs on the control-plane thread.  Owns nothing; keys are copied into the
 * verdict and wiped from the stack before returning.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

#include "auth_request.h"
#include "turnpike/xlist.h"

/* Static user, one key per REST secret, OAuth. */
#define AUTH_CANDIDATES_MAX (1 + AUTH_REST_SECRETS_MAX + 2)

static const char *const auth_reason_names[] = { AUTH_REASON_LIST(TP_XLIST_TEXT) };

const char *
auth_reason_name(enum auth_reason reason)
{
	return TP_XLIST_LOOKUP(auth_reason_names, reason);
}

/* One key to try, and where it came from. */
struct auth_candidate {
	uint8_t key[AUTH_KEY_MAX];
	uint16_t key_len;
	enum auth_mech mech;
};

/* Scratch for one request. */
struct auth_work {
	const struct auth_config *cfg;
	const struct stun_msg *req;
	uint64_t now;
	const char *uname; /* USERNAME, or NULL */
	uint16_t ulen;
	const uint8_t *uhash;  /* USERHASH (32 bytes), or NULL */
	uint16_t alg;          /* password algorithm in use */
	bool negotiated;       /* PASSWORD-ALGORITHM(S) were sent */
	enum auth_reason miss; /* why there is no candidate */
	const struct auth_user *user;
	uint64_t rest_expiry;
	struct oauth_token tok;
	const struct auth_session *session;
	bool session_used; /* the OAuth candidate is the session's key */
	unsigned int n_cand;
	struct auth_candidate cand[AUTH_CANDIDATES_MAX];
};

static bool
auth_oauth_on(const struct auth_config *cfg)
{
	return cfg->oauth != NULL && cfg->oauth->n_keys > 0 &&
	       cfg->server_name != NULL;
}

static void
auth_refuse(struct auth_verdict *out, const struct auth_config *cfg,
	    uint16_t code, enum auth_reason reason)
{
	out->error = code;
	out->reason = reason;
	out->reply = 0;
	if (code == 400)
		return;
	out->reply = AUTH_REPLY_REALM | AUTH_REPLY_NONCE;
	if (cfg->nonce->features & NONCE_FEATURE_PASSWORD_ALGORITHMS)
		out->reply |= AUTH_REPLY_PASSWORD_ALGORITHMS;
	if (code == 401 && auth_oauth_on(cfg))
		out->reply |= AUTH_REPLY_THIRD_PARTY;
}

/* RFC 8489 9.2.4, third check: bid-down protection (auth_algorithm.h). */
static int
auth_select_alg(struct auth_work *w, const char *nonce, uint16_t nlen)
{
	struct auth_algorithm_choice c;
	int rc = auth_algorithm_select(w->cfg->sha256, w->req, nonce, nlen, &c);

	w->alg = c.alg;
	w->negotiated = c.negotiated;
	return rc;
}

static struct auth_candidate *
auth_cand_next(struct auth_work *w, enum auth_mech mech)
{
	struct auth_candidate *c;

	if (w->n_cand >= AUTH_CANDIDATES_MAX)
		return NULL;
	c = &w->cand[w->n_cand++];
	c->mech = mech;
	return c;
}

/* A static user, by USERNAME or else by USERHASH. */
static void
auth_cand_static(struct auth_work *w)
{
	const struct auth_user_db *db = w->cfg->users;
	const struct auth_user *u = NULL;
	struct auth_candidate *c;

	if (db == NULL || db->n_users == 0 ||
	    strcmp(db->realm, w->cfg->realm) != 0)
		return;
	if (w->uname != NULL)
		u = auth_user_db_find(db, w->uname, w->ulen);
	else if (w->uhash != NULL)
		u = auth_user_db_find_userhash(db, w->uhash);
	if (u == NULL)
		return;
	/* A user given as an MD5 key has no SHA-256 key: no candidate. */
	if (w->alg == STUN_PASSWORD_ALG_SHA256 && !u->has_sha256)
		return;
	c = auth_cand_next(w, AUTH_MECH_STATIC);
	if (c == NULL)
		return;
	if (w->alg == STUN_PASSWORD_ALG_SHA256) {
		memcpy(c->key, u->key_sha256, AUTH_LT_KEY_SHA256_LEN);
		c->key_len = AUTH_LT_KEY_SHA256_LEN;
	} else {
		memcpy(c->key, u->key_md5, AUTH_LT_KEY_MD5_LEN);
		c->key_len = AUTH_LT_KEY_MD5_LEN;
	}
	w->user = u;
}

/* REST: a username with an expiry time, one key per secret in the ring. */
static void
auth_cand_rest(struct auth_work *w)
{
	const struct auth_rest_ring *ring = w->cfg->rest;
	uint8_t k16[AUTH_REST_SECRETS_MAX][AUTH_REST_KEY_MD5_LEN];
	uint8_t k32[AUTH_REST_SECRETS_MAX][AUTH_REST_KEY_SHA256_LEN];
	char name[AUTH_REST_USERNAME_MAX + 1];
	bool sha = w->alg == STUN_PASSWORD_ALG_SHA256;
	uint64_t expiry;
	int n;

	if (ring == NULL || ring->n_secrets == 0 || w->uname == NULL ||
	    w->ulen > AUTH_REST_USERNAME_MAX ||
	    memchr(w->uname, '\0', w->ulen) != NULL ||
	    auth_rest_username_expiry(w->uname, w->ulen, &expiry) != 0)
		return;
	memcpy(name, w->uname, w->ulen);
	name[w->ulen] = '\0';
	if (sha)
		n = auth_rest_ring_keys_sha256(ring, name, w->cfg->realm, w->now,
					       k32, AUTH_REST_SECRETS_MAX);
	else
		n = auth_rest_ring_keys_md5(ring, name, w->cfg->realm, w->now,
					    k16, AUTH_REST_SECRETS_MAX);
	if (n == -ETIMEDOUT)
		w->miss = AUTH_REASON_REST_EXPIRED;
	for (int i = 0; i < n; i++) {
		struct auth_candidate *c = auth_cand_next(w, AUTH_MECH_REST);

		if (c == NULL)
			break;
		c->key_len = sha ? AUTH_REST_KEY_SHA256_LEN :
				   AUTH_REST_KEY_MD5_LEN;
		memcpy(c->key, sha ? k32[i] : k16[i], c->key_len);
	}
	if (n > 0)
		w->rest_expiry = expiry;
	OPENSSL_cleanse(k16, sizeof(k16));
	OPENSSL_cleanse(k32, sizeof(k32));
}

/* OAuth without ACCESS-TOKEN: the key of the token the 5-tuple sent before. */
static void
auth_cand_session(struct auth_work *w)
{
	const struct auth_session *s = w->session;
	struct auth_candidate *c;

	if (s == NULL || s->key_len == 0 || s->key_len > AUTH_KEY_MAX)
		return;
	if (w->now > s->expires_at + w->cfg->oauth_skew_s) {
		w->miss = AUTH_REASON_OAUTH_EXPIRED;
		return;
	}
	c = auth_cand_next(w, AUTH_MECH_OAUTH);
	if (c == NULL)
		return;
	memcpy(c->key, s->key, s->key_len);
	c->key_len = s->key_len;
	w->session_used = true;
}

/* OAuth (RFC 7635): USERNAME is the kid, the token carries the key. */
static void
auth_cand_oauth(struct auth_work *w)
{
	const uint8_t *token;
	uint16_t tlen = 0;
	struct auth_candidate *c;
	int rc;

	token = stun_msg_value(w->req, STUN_SLOT_ACCESS_TOKEN, &tlen);
	if (w->uname == NULL || !auth_oauth_on(w->cfg))
		return;
	if (token == NULL) {
		auth_cand_session(w);
		return;
	}
	rc = auth_oauth_verify(w->cfg->oauth, w->uname, w->ulen, token, tlen,
			       w->cfg->server_name, w->now,
			       w->cfg->oauth_skew_s, &w->tok);
	if (rc == -ENOKEY) {
		w->miss = AUTH_REASON_OAUTH_UNKNOWN_KID;
		return;
	}
	if (rc == -ETIMEDOUT) {
		w->miss = AUTH_REASON_OAUTH_EXPIRED;
		return;
	}
	if (rc != 0 || w->tok.mac_key_len == 0 ||
	    w->tok.mac_key_len > AUTH_KEY_MAX) {
		w->miss = AUTH_REASON_OAUTH_BAD_TOKEN;
		return;
	}
	c = auth_cand_next(w, AUTH_MECH_OAUTH);
	if (c == NULL)
		return;
	memcpy(c->key, w->tok.mac_key, w->tok.mac_key_len);
	c->key_len = w->tok.mac_key_len;

	/*
	 * coturn (server and turnutils_uclient) keys HMAC-SHA1 with only the
	 * first 16 bytes of a 20-byte mac_key, the size of its long-term MD5
	 * key.  RFC 7635 means the whole key; accept both so coturn's clients
	 * work, and answer with whichever one the request was signed with.
	 */
	if (w->tok.mac_key_len == 20 &&
	    (c = auth_cand_next(w, AUTH_MECH_OAUTH)) != NULL) {
		memcpy(c->key, w->tok.mac_key, 16);
		c->key_len = 16;
	}
}

/* Index of the candidate the integrity attribute verifies with, or -1. */
static int
auth_verify(const struct auth_work *w)
{
	bool sha256 = stun_msg_has(w->req, STUN_SLOT_MESSAGE_INTEGRITY_SHA256);
	int match = -1;

	/* Try them all: no early exit that would time which one matched. */
	for (unsigned int i = 0; i < w->n_cand; i++) {
		const struct auth_candidate *c = &w->cand[i];
		bool ok = sha256 ? stun_msg_check_integrity_sha256(w->req, c->key,
								   c->key_len) :
				   stun_msg_check_integrity(w->req, c->key,
							    c->key_len);

		if (ok && match < 0)
			match = (int)i;
	}
	return match;
}

static void
auth_identity(struct auth_verdict *out, const struct auth_work *w,
	      const struct auth_candidate *c)
{
	const char *name = w->uname;
	size_t len = w->ulen;

	out->mech = c->mech;
	memcpy(out->key, c->key, c->key_len);
	out->key_len = c->key_len;
	out->integrity_sha256 =
		w->negotiated ||
		stun_msg_has(w->req, STUN_SLOT_MESSAGE_INTEGRITY_SHA256);
	out->password_alg = w->alg;
	if (c->mech == AUTH_MECH_STATIC) {
		name = w->user->name;
		len = w->user->name_len;
	} else if (c->mech == AUTH_MECH_REST) {
		out->expires_at = w->rest_expiry;
	} else {
		out->password_alg = 0;
		if (w->session_used) {
			out->expires_at = w->session->expires_at;
		} else {
			out->new_token = true;
			out->token_lifetime = w->tok.lifetime;
			out->expires_at =
				oauth_timestamp_seconds(w->tok.timestamp) +
				w->tok.lifetime;
		}
	}
	if (len > AUTH_USERNAME_MAX)
		len = AUTH_USERNAME_MAX;
	memcpy(out->username, name, len);
	out->username[len] = '\0';
	out->username_len = (uint16_t)len;
}

/*
 * Steps 4 to 6 once the request is well formed and its nonce verified:
 * who the client is, and whether the integrity attribute proves it.
 */
static void
auth_credentials(struct auth_work *w, struct auth_verdict *out)
{
	const struct auth_config *cfg = w->cfg;
	int match;

	w->miss = AUTH_REASON_UNKNOWN_USER;
	auth_cand_static(w);
	auth_cand_rest(w);
	auth_cand_oauth(w);
	if (w->n_cand == 0) {
		auth_refuse(out, cfg, 401, w->miss);
		return;
	}
	match = auth_verify(w);
	if (match < 0) {
		auth_refuse(out, cfg, 401, AUTH_REASON_BAD_INTEGRITY);
		return;
	}
	auth_identity(out, w, &w->cand[match]);
}

/*
 * The nonce before any key (see auth_request.h, "Order"): one HMAC says
 * whether we made this nonce for this address, and lately.  Only then is
 * a key derived (a REST ring costs one HMAC per secret, a token an AES-GCM
 * decryption) and an integrity attribute computed.
 *
 * @return true if the nonce is good; else @p out holds the 438.
 */
static bool
auth_nonce_first(const struct auth_work *w, const char *nonce, uint16_t nlen,
		 const struct tp_addr *client, struct auth_verdict *out)
{
	enum nonce_verdict nv =
		nonce_check(w->cfg->nonce, nonce, nlen, w->now, client);

	if (nv == NONCE_OK)
		return true;
	auth_refuse(out, w->cfg, 438,
		    nv == NONCE_STALE ? AUTH_REASON_NONCE_STALE :
					AUTH_REASON_NONCE_INVALID);
	return false;
}

void
auth_request_check(const struct auth_config *cfg, const struct stun_msg *req,
		   const struct tp_addr *client, uint64_t now,
		   struct auth_verdict *out)
{
	auth_request_check_session(cfg, req, client, now, NULL, out);
}

void
auth_request_check_session(const struct auth_config *cfg,
			   const struct stun_msg *req,
			   const struct tp_addr *client, uint64_t now,
			   const struct auth_session *session,
			   struct auth_verdict *out)
{
	struct auth_work w;
	const char *realm, *nonce;
	uint16_t rlen = 0, nlen = 0, hlen = 0;

	memset(out, 0, sizeof(*out));
	/* Candidates are written before they are read, so only the used ones
	 * are wiped: clearing all AUTH_CANDIDATES_MAX (1.5 kB) twice showed in
	 * the profile of every authenticated request. */
	memset(&w, 0, offsetof(struct auth_work, cand));
	w.cfg = cfg;
	w.req = req;
	w.now = now;
	w.session = session;
	if (!stun_msg_has(req, STUN_SLOT_MESSAGE_INTEGRITY) &&
	    !stun_msg_has(req, STUN_SLOT_MESSAGE_INTEGRITY_SHA256)) {
		auth_refuse(out, cfg, 401, AUTH_REASON_NO_INTEGRITY);
		return;
	}
	w.uname = (const char *)stun_msg_value(req, STUN_SLOT_USERNAME, &w.ulen);
	w.uhash = stun_msg_value(req, STUN_SLOT_USERHASH, &hlen);
	realm = (const char *)stun_msg_value(req, STUN_SLOT_REALM, &rlen);
	nonce = (const char *)stun_msg_value(req, STUN_SLOT_NONCE, &nlen);
	if (w.uhash != NULL && hlen != AUTH_LT_USERHASH_LEN)
		w.uhash = NULL;
	if ((w.uname == NULL && w.uhash == NULL) || realm == NULL ||
	    nonce == NULL) {
		auth_refuse(out, cfg, 400, AUTH_REASON_MISSING_ATTRIBUTE);
		return;
	}
	if (auth_select_alg(&w, nonce, nlen) != 0) {
		auth_refuse(out, cfg, 400, AUTH_REASON_ALGORITHM_MISMATCH);
		return;
	}
	if (rlen != strlen(cfg->realm) || memcmp(realm, cfg->realm, rlen) != 0)
		auth_refuse(out, cfg, 401, AUTH_REASON_WRONG_REALM);
	else if (auth_nonce_first(&w, nonce, nlen, client, out))
		auth_credentials(&w, out);
	OPENSSL_cleanse(w.cand, w.n_cand * sizeof(w.cand[0]));
	OPENSSL_cleanse(&w.tok, sizeof(w.tok));
}

int
auth_challenge_build(const struct auth_config *cfg, const struct stun_msg *req,
		     const struct auth_verdict *v, const struct tp_addr *client,
		     uint64_t now, uint8_t *buf, size_t cap)
{
	struct stun_builder b;
	char nonce[NONCE_LEN + 1];
	uint8_t algs[AUTH_ALGORITHMS_MAX];
	int n;

	if (v->error == 0 || cfg == NULL || req == NULL || client == NULL)
		return -EINVAL;
	stun_build_init(&b, buf, cap, stun_type(req->method, STUN_CLASS_ERROR),
			req->tid);
	stun_build_error(&b, v->error, cfg->terse ? "" : NULL);
	if (v->reply & AUTH_REPLY_REALM)
		stun_build_attr(&b, STUN_ATTR_REALM, cfg->realm,
				strlen(cfg->realm));
	if (v->reply & AUTH_REPLY_NONCE) {
		n = nonce_make(cfg->nonce, now, client, nonce, sizeof(nonce));
		if (n < 0)
			return n == -ENOSPC ? -EIO : n;
		stun_build_attr(&b, STUN_ATTR_NONCE, nonce, (size_t)n);
	}
	if (v->reply & AUTH_REPLY_PASSWORD_ALGORITHMS) {
		n = auth_algorithm_offer(cfg->sha256, algs, sizeof(algs));
		if (n < 0)
			return n;
		stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, algs,
				(size_t)n);
	}
	if ((v->reply & AUTH_REPLY_THIRD_PARTY) && cfg->server_name != NULL)
		stun_build_attr(&b, STUN_ATTR_THIRD_PARTY_AUTHORIZATION,
				cfg->server_name, strlen(cfg->server_name));
	if (cfg->software != NULL)
		stun_build_attr(&b, STUN_ATTR_SOFTWARE, cfg->software,
				strlen(cfg->software));
	stun_build_fingerprint(&b);
	return stun_build_finish(&b);
}

int
auth_response_sign(struct stun_builder *b, const struct auth_verdict *v)
{
	if (v->error != 0 || v->mech == AUTH_MECH_NONE || v->key_len == 0)
		return -EINVAL;
	if (v->integrity_sha256)
		stun_build_integrity_sha256(b, v->key, v->key_len);
	else
		stun_build_integrity(b, v->key, v->key_len);
	return b->err;
}

void
auth_verdict_wipe(struct auth_verdict *v)
{
	OPENSSL_cleanse(v->key, sizeof(v->key));
	v->key_len = 0;
}
