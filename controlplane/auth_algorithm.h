/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Password algorithm negotiation, RFC 8489 section 9.2 (its "password
 * algorithms" security feature), kept apart from the credential checks.
 *
 * The exchange, for a client that knows the feature:
 *
 *   C: Allocate                                        (no credentials)
 *   S: 401  NONCE "obMatJos2AAAB..."                   cookie + feature set
 *           PASSWORD-ALGORITHMS  SHA-256, MD5          our offer, in order
 *   C: Allocate  PASSWORD-ALGORITHMS  SHA-256, MD5     the offer, unchanged
 *                PASSWORD-ALGORITHM   SHA-256          its pick
 *                USERNAME/USERHASH, REALM, NONCE
 *                MESSAGE-INTEGRITY-SHA256              key = SHA-256(
 *                                                      user:realm:password)
 *   S: 200  ... MESSAGE-INTEGRITY-SHA256
 *
 * The offer travels back in the request and must come back unchanged, and
 * the nonce that announced the feature is MACed with its feature bits
 * (nonce.h), so a man in the middle who deletes SHA-256 from the offer, or
 * the bit from the nonce, makes the request fail (400, or a nonce that does
 * not verify) instead of pushing the client down to MD5 (section 9.2.4,
 * third check, and section 17.1.1's bid-down attack).
 *
 * A client that sends neither attribute (coturn's uclient, browsers today)
 * keeps MD5 with MESSAGE-INTEGRITY, as section 9.2.4 says.
 *
 * What the algorithm means per credential kind: a static or pushed user
 * given a password has both keys; one given as an MD5 key (coturn's 0x
 * form) has no SHA-256 key, so a client picking SHA-256 gets 401 for it.
 * A REST username's password is derived (base64 HMAC-SHA1 of the secret),
 * then hashed by the chosen algorithm like any password.  An OAuth token
 * brings its own key (RFC 7635 section 6.2): the algorithm does not apply.
 *
 * Control-plane thread only.  Pure: no state.
 */
#ifndef TURNPIKE_AUTH_ALGORITHM_H
#define TURNPIKE_AUTH_ALGORITHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/stun.h"

/** Longest PASSWORD-ALGORITHMS value we send: two entries of four bytes. */
#define AUTH_ALGORITHMS_MAX 8

/**
 * The security feature bits our nonces carry (nonce.h's enum): password
 * algorithms always; username anonymity (section 9.2.3.1: the client then
 * sends USERHASH instead of USERNAME) only when @p userhash_only, i.e. every
 * credential is a user of the table, which is looked up by USERHASH too.
 * A REST username or an OAuth kid cannot be found from its hash, and a
 * client told to hide its name would hide those too.
 */
uint32_t auth_algorithm_nonce_features(bool userhash_only);

/**
 * Our PASSWORD-ALGORITHMS value (section 14.11): SHA-256 first when
 * @p sha256, then MD5, each with no parameters.
 *
 * @return its length (4 or 8), or -ENOSPC.
 */
int auth_algorithm_offer(bool sha256, uint8_t *out, size_t cap);

/** What a request negotiated. */
struct auth_algorithm_choice {
	uint16_t alg;    /**< enum stun_password_alg of the key */
	bool negotiated; /**< PASSWORD-ALGORITHM(S) were sent (the response
			  *   then carries MESSAGE-INTEGRITY-SHA256) */
};

/**
 * Section 9.2.4's third check.  Applies only when @p nonce (nlen bytes, any
 * text) carries the cookie with the password-algorithms bit; otherwise, or
 * when the request has neither attribute, the choice is MD5.
 *
 * @param sha256  whether our offer includes SHA-256
 * @return 0 and *out; -EINVAL (the 400 of a bid-down attempt): only one of
 *         the two attributes, PASSWORD-ALGORITHMS not our offer, or
 *         PASSWORD-ALGORITHM with parameters or not in the offer.
 */
int auth_algorithm_select(bool sha256, const struct stun_msg *req,
			  const char *nonce, size_t nlen,
			  struct auth_algorithm_choice *out);

#endif /* TURNPIKE_AUTH_ALGORITHM_H */
