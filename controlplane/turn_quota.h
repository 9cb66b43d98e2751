/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Who an allocation counts against.  A quota bounds a person, so the key
 * is what names one under each credential kind, not the credential's text:
 *
 *   kind                 group 0, user-quota           group 1, oauth-kid-quota
 *   static user          "u:" + name                   -
 *   pushed user          "u:" + name (the same table)  -
 *   REST "expiry:id"     "r:" + id                     -
 *   REST bare "expiry"   "r:" + username (nothing      -
 *                        else names the person)
 *   OAuth token          "t:" + SHA-256(mac_key),      "k:" + kid
 *                        first 16 bytes in hex
 *
 * So a REST client minting a credential per call keeps its count, and one
 * token holder cannot fill the quota of everybody its authorization server
 * serves: tokens are counted one by one, and the kid has a cap of its own
 * (sized for all of that server's users) that bounds the server as a
 * whole.  The token's key is hashed so that no copy of it sits in the
 * quota table; it is random and at least 128 bits, so the hash names it.
 *
 * Control-plane thread only.  Pure: no state.
 */
#ifndef TURNPIKE_TURN_QUOTA_H
#define TURNPIKE_TURN_QUOTA_H

#include <stdint.h>

#include "auth_request.h"
#include "turn_alloc_table.h"

/** Which group of an allocation (index of turn_alloc.quota). */
enum turn_quota_group {
	TURN_QUOTA_PERSON = 0, /**< user-quota */
	TURN_QUOTA_KID = 1,    /**< oauth-kid-quota, OAuth only */
};

_Static_assert(TURN_ALLOC_QUOTAS == 2, "one key per turn_quota_group");

/** The keys of one request; len 0 = not in that group. */
struct turn_quota_keys {
	char key[TURN_ALLOC_QUOTAS][TURN_QUOTA_KEY_MAX + 1];
	uint16_t len[TURN_ALLOC_QUOTAS];
};

/**
 * The quota keys of an authenticated request.  @p v NULL (no-auth mode) or
 * an unauthenticated verdict gives no keys: nothing is counted.
 */
void turn_quota_keys_make(const struct auth_verdict *v,
			  struct turn_quota_keys *out);

/** Allocations counted in group @p which of @p k now. */
uint32_t turn_quota_held(const struct turn_alloc_table *t,
			 const struct turn_quota_keys *k,
			 enum turn_quota_group which);

#endif /* TURNPIKE_TURN_QUOTA_H */
