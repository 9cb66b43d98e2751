/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The authentication step the control plane runs on a request before any
 * TURN handler sees it: RFC 8489 section 9.2.4 (long-term credentials) with
 * the TURN REST API's ephemeral credentials and RFC 7635 third-party
 * authorization, all three enabled at once.  It decides who the client is
 * and nothing else.
 *
 * Checks, in this order:
 *
 *  1. no MESSAGE-INTEGRITY(-SHA256)             -> 401 challenge
 *  2. integrity but no USERNAME/USERHASH, REALM or NONCE -> 400
 *  3. nonce cookie with the "password algorithms" bit: either neither
 *     PASSWORD-ALGORITHMS nor PASSWORD-ALGORITHM (MD5), or both, with
 *     PASSWORD-ALGORITHMS equal to our offer and PASSWORD-ALGORITHM in it
 *                                                 -> else 400
 *  4. REALM not ours                            -> 401 challenge
 *  5. NONCE not valid now (stale, or not ours for this address)
 *                                               -> 438 challenge
 *  6. no credential for the username: unknown static user, expired or
 *     malformed REST username, OAuth token for an unknown kid, not
 *     authentic or expired                      -> 401 challenge
 *  7. MESSAGE-INTEGRITY-SHA256 if present, else MESSAGE-INTEGRITY, checked
 *     with every candidate key                  -> 401 challenge
 *
 * Order.  RFC 8489 9.2.4 lists the nonce's validity after the integrity
 * check; RFC 5389 10.2.2 listed it before the username and integrity
 * checks.  We check it first because it is the cheap check: one HMAC
 * (nonce.c) where the candidates cost one HMAC per REST secret or an
 * AES-GCM decryption, plus the integrity HMAC for each.  A forged request
 * from a spoofed source has no nonce we made for that source, so it is
 * answered for the price of a bare challenge (issue 13).  For a client
 * with good credentials the answers are those of RFC 8489's order: 438
 * for a stale nonce, success otherwise.  Only a request that is wrong
 * twice, bad credentials and a bad nonce, gets 438 where RFC 8489's
 * order gives 401; both carry REALM and a fresh NONCE, so the sender
 * learns nothing more, and its retry with the fresh nonce gets the 401.
 *
 * Candidate keys (step 6), all tried in step 7 without stopping early, so
 * the time taken does not say which one matched:
 *  - static user (by USERNAME, or by USERHASH);
 *  - REST: USERNAME "expiry[:user]" and a secret ring: one key per secret;
 *  - OAuth: ACCESS-TOKEN present: USERNAME is the kid, the token's mac_key
 *    is the key.
 *
 * Choice on step 5: a nonce that is not ours (another client address after
 * a NAT rebinding, a garbled or forged one) is "no longer valid" just as an
 * old one is, so both get 438 with a fresh nonce: a 401 would make a
 * client whose address changed give up (RFC 8489 9.2.5 forbids retrying a
 * 401 with unchanged credentials).  A fresh nonce is what any bare request
 * gets anyway, so the 438 gives a forger nothing.  The verdict's reason
 * tells the two apart for counters.
 *
 * The stale-nonce lifetime is the nonce context's (nonce.h).
 *
 * Control-plane thread only.  Keeps no state; the config's tables are
 * read-only here.
 */
#ifndef TURNPIKE_AUTH_REQUEST_H
#define TURNPIKE_AUTH_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_algorithm.h"
#include "auth_longterm.h"
#include "auth_oauth.h"
#include "auth_rest.h"
#include "nonce.h"
#include "turnpike/addr.h"
#include "turnpike/oauth_token.h"
#include "turnpike/stun.h"

/** Longest USERNAME the decoder passes (RFC 5389's 513 bytes). */
#define AUTH_USERNAME_MAX 513
/** Longest key: an OAuth mac_key. */
#define AUTH_KEY_MAX OAUTH_MAC_KEY_MAX

/**
 * Why a request was accepted or refused.  X(name, description); one list
 * makes the enum and the strings (one counter each).
 */
#define AUTH_REASON_LIST(X)                                                   \
	X(OK, "authenticated")                                                \
	X(NO_INTEGRITY, "no MESSAGE-INTEGRITY: challenge")                    \
	X(MISSING_ATTRIBUTE,                                                  \
	  "integrity without USERNAME/USERHASH, REALM or NONCE")              \
	X(ALGORITHM_MISMATCH, "PASSWORD-ALGORITHM(S) do not match our offer") \
	X(WRONG_REALM, "REALM is not ours")                                   \
	X(UNKNOWN_USER, "no such user")                                       \
	X(REST_EXPIRED, "REST username expired")                              \
	X(OAUTH_UNKNOWN_KID, "OAuth key id unknown")                          \
	X(OAUTH_BAD_TOKEN, "OAuth token does not authenticate")               \
	X(OAUTH_EXPIRED, "OAuth token expired")                               \
	X(BAD_INTEGRITY, "MESSAGE-INTEGRITY does not verify")                 \
	X(NONCE_STALE, "nonce too old")                                       \
	X(NONCE_INVALID, "nonce not ours or not this client's")

enum auth_reason {
#define AUTH_X_ENUM(name, text) AUTH_REASON_##name,
	AUTH_REASON_LIST(AUTH_X_ENUM)
#undef AUTH_X_ENUM
	AUTH_REASON__COUNT
};

/** Description of a reason, or "?" if out of range. */
const char *auth_reason_name(enum auth_reason reason);

/** Which credential authenticated the request. */
enum auth_mech {
	AUTH_MECH_NONE = 0,
	AUTH_MECH_STATIC, /**< static long-term user */
	AUTH_MECH_REST,   /**< shared-secret ephemeral username */
	AUTH_MECH_OAUTH,  /**< RFC 7635 access token */
};

/** What the error response must carry besides ERROR-CODE. */
enum auth_reply {
	AUTH_REPLY_REALM = 1u << 0,
	AUTH_REPLY_NONCE = 1u << 1,
	AUTH_REPLY_PASSWORD_ALGORITHMS = 1u << 2,
	AUTH_REPLY_THIRD_PARTY = 1u << 3, /**< THIRD-PARTY-AUTHORIZATION */
};

/** What the server knows about authentication. */
struct auth_config {
	/** REALM, NUL-terminated, as the keys were derived with it. */
	const char *realm;
	/** This server's name: the OAuth token's AAD and the value of
	 *  THIRD-PARTY-AUTHORIZATION.  Required when oauth is set. */
	const char *server_name;
	/** Static users (built for realm), or NULL. */
	const struct auth_user_db *users;
	/** REST shared secrets, or NULL / empty for none. */
	const struct auth_rest_ring *rest;
	/** OAuth token keys, or NULL / empty for none. */
	const struct auth_oauth_keyring *oauth;
	/** Nonce secrets, lifetime and feature bits.  Required. */
	const struct nonce_ctx *nonce;
	/** Offer SHA-256 (before MD5) in PASSWORD-ALGORITHMS.  Users given as
	 *  an MD5 key (coturn's 0x form) cannot use it. */
	bool sha256;
	/** Allowed clock difference with the OAuth authorization server. */
	uint32_t oauth_skew_s;
	/** SOFTWARE for challenges, or NULL. */
	const char *software;
	/** Challenges carry ERROR-CODE without its reason phrase (RFC 8489
	 *  section 14.8: the phrase is for people, the code is what a client
	 *  acts on): set on a copy when a challenge must shrink to fit the
	 *  amplification bound (turn_dispatch.c). */
	bool terse;
};

/** The outcome for one request. */
struct auth_verdict {
	uint16_t error; /**< 0 = authenticated; else 400, 401 or 438 */
	enum auth_reason reason;
	uint8_t reply; /**< enum auth_reply bits, for error != 0 */
	/*
	 * Identity: filled when the credentials verified, i.e. on success
	 * only (a 438 is decided before any key is looked at).
	 */
	enum auth_mech mech;
	/** The response carries MESSAGE-INTEGRITY-SHA256 (else
	 *  MESSAGE-INTEGRITY): the request used it, or negotiated a password
	 *  algorithm (RFC 8489 9.2.4, last paragraph). */
	bool integrity_sha256;
	uint16_t password_alg; /**< enum stun_password_alg; 0 for OAuth */
	/** Static user name (also when the request had USERHASH), REST
	 *  username, or OAuth kid; NUL-terminated. */
	char username[AUTH_USERNAME_MAX + 1];
	uint16_t username_len;
	uint8_t key[AUTH_KEY_MAX]; /**< the integrity key */
	uint16_t key_len;
	/** REST: the username's expiry.  OAuth: token timestamp + lifetime.
	 *  Unix seconds; 0 = no limit (static users). */
	uint64_t expires_at;
	/** OAuth: the token's lifetime, seconds (caps allocation lifetime). */
	uint32_t token_lifetime;
	/** OAuth: the request carried the token (else it used the session's
	 *  key); key and expires_at are then the new session's. */
	bool new_token;
};

/**
 * Authenticate a decoded request.
 *
 * @param cfg     what the server knows; realm and nonce are required
 * @param req     from stun_msg_decode()
 * @param client  the request's source transport address
 * @param now     Unix seconds
 * @param out     the verdict (always written)
 */
void auth_request_check(const struct auth_config *cfg,
			const struct stun_msg *req, const struct tp_addr *client,
			uint64_t now, struct auth_verdict *out);

/**
 * The key of a token already accepted on this 5-tuple.  RFC 7635 section
 * 9.2: once the server has the token's mac_key, requests on the allocation
 * may carry USERNAME (the kid) and MESSAGE-INTEGRITY without ACCESS-TOKEN.
 */
struct auth_session {
	uint8_t key[AUTH_KEY_MAX];
	uint16_t key_len;    /**< 0 = none */
	uint64_t expires_at; /**< the token's end, Unix seconds */
};

/** auth_request_check(), also trying @p session's key when the request
 *  carries USERNAME but no ACCESS-TOKEN.  @p session may be NULL. */
void auth_request_check_session(const struct auth_config *cfg,
				const struct stun_msg *req,
				const struct tp_addr *client, uint64_t now,
				const struct auth_session *session,
				struct auth_verdict *out);

/**
 * Build the error response for a refused request: ERROR-CODE, then what
 * out->reply asks (REALM, a fresh NONCE for @p client, PASSWORD-ALGORITHMS,
 * THIRD-PARTY-AUTHORIZATION = server name), SOFTWARE if configured, and
 * FINGERPRINT.  A 400 carries none of REALM/NONCE (RFC 8489 9.2.4).
 *
 * @return the response length, -EINVAL (verdict is a success, bad
 *         arguments), -ENOSPC, or -EIO (no nonce could be made).
 */
int auth_challenge_build(const struct auth_config *cfg,
			 const struct stun_msg *req, const struct auth_verdict *v,
			 const struct tp_addr *client, uint64_t now,
			 uint8_t *buf, size_t cap);

/**
 * Append the integrity attribute the response to an authenticated request
 * needs (MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256, keyed with v->key).
 * The caller has added everything else; FINGERPRINT, if wanted, follows.
 *
 * @return 0, -EINVAL (not an authenticated verdict) or the builder's error.
 */
int auth_response_sign(struct stun_builder *b, const struct auth_verdict *v);

/** Wipe a verdict's key. */
void auth_verdict_wipe(struct auth_verdict *v);

#endif /* TURNPIKE_AUTH_REQUEST_H */
