/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Password algorithm negotiation (RFC 8489 section 9.2); see
 * auth_algorithm.h for the exchange and why a bid-down fails.
 *
 * Runs on the control thread, called by auth_request.c.  Owns nothing.
 */
#include <errno.h>
#include <string.h>

#include "auth_algorithm.h"
#include "nonce.h"

uint32_t
auth_algorithm_nonce_features(bool userhash_only)
{
	return NONCE_FEATURE_PASSWORD_ALGORITHMS |
	       (userhash_only ? NONCE_FEATURE_USERNAME_ANONYMITY : 0u);
}

int
auth_algorithm_offer(bool sha256, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (cap < (sha256 ? 8u : 4u))
		return -ENOSPC;
	/* section 14.11: algorithm (2), parameters length (2), no parameters */
	if (sha256) {
		out[n++] = 0;
		out[n++] = STUN_PASSWORD_ALG_SHA256;
		out[n++] = 0;
		out[n++] = 0;
	}
	out[n++] = 0;
	out[n++] = STUN_PASSWORD_ALG_MD5;
	out[n++] = 0;
	out[n++] = 0;
	return (int)n;
}

int
auth_algorithm_select(bool sha256, const struct stun_msg *req, const char *nonce,
		      size_t nlen, struct auth_algorithm_choice *out)
{
	uint8_t ours[AUTH_ALGORITHMS_MAX];
	const uint8_t *list, *one;
	uint16_t llen = 0, olen = 0, alg = 0;
	uint32_t features;
	int n;

	out->alg = STUN_PASSWORD_ALG_MD5;
	out->negotiated = false;
	if (nonce_features(nonce, nlen, &features) != 0 ||
	    !(features & NONCE_FEATURE_PASSWORD_ALGORITHMS))
		return 0;
	list = stun_msg_value(req, STUN_SLOT_PASSWORD_ALGORITHMS, &llen);
	one = stun_msg_value(req, STUN_SLOT_PASSWORD_ALGORITHM, &olen);
	if (list == NULL && one == NULL)
		return 0;
	if (list == NULL || one == NULL)
		return -EINVAL;
	/* (2): exactly the list the challenge carried, order included. */
	n = auth_algorithm_offer(sha256, ours, sizeof(ours));
	if (n < 0 || llen != n || memcmp(list, ours, llen) != 0)
		return -EINVAL;
	/* (3): one of its entries; ours have no parameters, so neither may
	 * the choice. */
	if (stun_msg_get_password_algorithm(req, &alg) != 0 || olen != 4 ||
	    one[2] != 0 || one[3] != 0)
		return -EINVAL;
	if (alg != STUN_PASSWORD_ALG_MD5 &&
	    !(alg == STUN_PASSWORD_ALG_SHA256 && sha256))
		return -EINVAL;
	out->alg = alg;
	out->negotiated = true;
	return 0;
}
