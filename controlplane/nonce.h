/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Stateless NONCEs for the long-term credential mechanism (RFC 8489
 * sections 9.2 and 14.10).
 *
 * A nonce is printable ASCII, NONCE_LEN characters:
 *
 *     "obMatJos2"  FFFF  base64url(timestamp[8] | mac[16])
 *      cookie (9)  (4)   32 characters
 *
 * - cookie: RFC 8489's "nonce cookie", telling an RFC 8489 client that FFFF
 *   follows;
 * - FFFF: the 24-bit STUN security feature set in base64 (4 characters);
 *   bit 0 is the least significant bit (RFC 8489 erratum 6290), so
 *   "AAAB" = password algorithms, "AAAC" = username anonymity;
 * - timestamp: seconds since the Unix epoch, big-endian, when it was made;
 * - mac: HMAC-SHA256(server secret, "turnpike-nonce-v1" | features[3] |
 *   timestamp[8] | family[1] | port[2] | address[16]) cut to 16 bytes.
 *
 * The server keeps no per-client state: a nonce proves by itself that this
 * server handed it to that client transport address at that time.  The MAC
 * also covers the feature bits, so a man in the middle who strips them (to
 * push a client down to MD5) makes the nonce fail.  Two secrets are held:
 * after a rotation nonces under the previous one still verify.
 *
 * Control-plane thread only.
 */
#ifndef TURNPIKE_NONCE_H
#define TURNPIKE_NONCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/** RFC 8489 section 9.2 nonce cookie. */
#define NONCE_COOKIE "obMatJos2"
#define NONCE_COOKIE_LEN 9
/** Base64 characters of the security feature set. */
#define NONCE_FEATURES_LEN 4
/** Length of a turnpike nonce (well under NONCE's 128-character limit). */
#define NONCE_LEN (NONCE_COOKIE_LEN + NONCE_FEATURES_LEN + 32)
/** Server secret length. */
#define NONCE_SECRET_LEN 32
/** Default stale-nonce lifetime, seconds (coturn's default). */
#define NONCE_DEFAULT_LIFETIME_S 600

/** STUN security features (RFC 8489 section 18.1; bit 0 = LSB, erratum 6290). */
enum nonce_feature {
	NONCE_FEATURE_PASSWORD_ALGORITHMS = 1u << 0,
	NONCE_FEATURE_USERNAME_ANONYMITY = 1u << 1,
};

/** What nonce_check() found. */
enum nonce_verdict {
	NONCE_OK = 0,      /**< ours, for this client, fresh */
	NONCE_STALE = 1,   /**< ours and for this client, but too old (or
			    *   from the future, or with other feature bits
			    *   than the server now uses) */
	NONCE_INVALID = 2, /**< not ours: forged, another client's, garbled */
};

/** Nonce secrets and settings. */
struct nonce_ctx {
	uint8_t secret[NONCE_SECRET_LEN];      /**< current */
	uint8_t prev_secret[NONCE_SECRET_LEN]; /**< before the last rotation */
	bool has_prev;
	uint32_t lifetime_s; /**< a nonce older than this is stale */
	uint32_t features;   /**< enum nonce_feature bits put in new nonces */
};

/**
 * Set up with a fresh random secret (RAND_bytes).
 *
 * @param lifetime_s  stale-nonce lifetime; 0 means NONCE_DEFAULT_LIFETIME_S
 * @param features    enum nonce_feature bits (< 2^24)
 * @return 0, -EINVAL (features too wide) or -EIO (no randomness).
 */
int nonce_ctx_init(struct nonce_ctx *ctx, uint32_t lifetime_s, uint32_t features);

/**
 * Replace the current secret with a given one (e.g. several relays that
 * share nonces, or tests).  The previous secret is forgotten.
 */
void nonce_ctx_set_secret(struct nonce_ctx *ctx,
			  const uint8_t secret[NONCE_SECRET_LEN]);

/**
 * Rotate: the current secret becomes the previous one, a new random one
 * becomes current.  Nonces made before still verify until the next rotation.
 * @return 0 or -EIO (the context is then unchanged).
 */
int nonce_ctx_rotate(struct nonce_ctx *ctx);

/** Wipe the secrets. */
void nonce_ctx_wipe(struct nonce_ctx *ctx);

/**
 * Make a nonce for @p client at time @p now (Unix seconds).
 *
 * @param out  receives NONCE_LEN characters and a NUL
 * @return NONCE_LEN, -ENOSPC (cap <= NONCE_LEN), -EINVAL or -EIO.
 */
int nonce_make(const struct nonce_ctx *ctx, uint64_t now,
	       const struct tp_addr *client, char *out, size_t cap);

/**
 * Check a nonce a client sent back (len bytes, not NUL-terminated).  Never
 * reads past len; the MAC is compared in constant time.
 */
enum nonce_verdict nonce_check(const struct nonce_ctx *ctx, const char *nonce,
			       size_t len, uint64_t now,
			       const struct tp_addr *client);

/**
 * Read the security feature set of any nonce (not only ours): RFC 8489's
 * rules depend on it before the nonce is known to be valid.
 *
 * @return 0 and *features; -ENOENT if the nonce does not start with the
 *         cookie; -EINVAL if the four characters after it are not base64.
 */
int nonce_features(const char *nonce, size_t len, uint32_t *features);

#endif /* TURNPIKE_NONCE_H */
