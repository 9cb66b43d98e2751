/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * RFC 7635 self-contained access token: the AES-GCM wire format that
 * coturn uses (RFC 7635 section 6.2 and Appendix B).
 *
 * Pure code: no allocation beyond what OpenSSL's EVP needs, no logging,
 * no I/O.  Both planes and the tools link it.
 *
 * Token layout (all integers in network byte order):
 *
 *     +----------------+------------------+--------------------------+---------+
 *     | nonce_len (2)  | nonce (12 bytes) | AES-GCM ciphertext (n)   | tag(16) |
 *     +----------------+------------------+--------------------------+---------+
 *
 * The ciphertext encrypts, with AAD = the server name (no terminating NUL):
 *
 *     +-------------+----------------------+---------------+--------------+
 *     | key_len (2) | mac_key (key_len)    | timestamp (8) | lifetime (4) |
 *     +-------------+----------------------+---------------+--------------+
 *
 * timestamp is 48 bits of seconds since the Unix epoch followed by 16 bits
 * of fraction (1/65536 s); lifetime is in seconds.
 */
#ifndef TURNPIKE_OAUTH_TOKEN_H
#define TURNPIKE_OAUTH_TOKEN_H

#include <stddef.h>
#include <stdint.h>

/** GCM nonce (IV) length; the only one the format allows. */
#define OAUTH_NONCE_LEN 12
/** GCM authentication tag length. */
#define OAUTH_TAG_LEN 16
/** Largest mac_key a token may carry (an HMAC key; SHA-256 needs 32). */
#define OAUTH_MAC_KEY_MAX 128
/** Plaintext bytes besides the mac_key: key_len, timestamp, lifetime. */
#define OAUTH_PLAIN_FIXED_LEN (2 + 8 + 4)
/** Token bytes besides the mac_key: nonce_len, nonce, fixed plaintext, tag. */
#define OAUTH_TOKEN_OVERHEAD \
	(2 + OAUTH_NONCE_LEN + OAUTH_PLAIN_FIXED_LEN + OAUTH_TAG_LEN)
/** Largest token this codec produces or accepts. */
#define OAUTH_TOKEN_MAX (OAUTH_TOKEN_OVERHEAD + OAUTH_MAC_KEY_MAX)
/** Largest AES key (A256GCM). */
#define OAUTH_KEY_MAX 32

/** Token encryption algorithms (RFC 7635 section 6.2). */
enum oauth_alg {
	OAUTH_ALG_NONE = 0,
	OAUTH_ALG_A128GCM = 1, /**< AES-128-GCM, 16-byte key */
	OAUTH_ALG_A256GCM = 2, /**< AES-256-GCM, 32-byte key */
};

/** Decrypted token contents. */
struct oauth_token {
	uint8_t mac_key[OAUTH_MAC_KEY_MAX]; /**< MESSAGE-INTEGRITY key */
	uint16_t mac_key_len;
	uint64_t timestamp; /**< 48 bits of Unix seconds . 16 bits of fraction */
	uint32_t lifetime;  /**< seconds */
};

/** Seconds part of a 48.16 timestamp. */
static inline uint64_t
oauth_timestamp_seconds(uint64_t ts)
{
	return ts >> 16;
}

/** Build a 48.16 timestamp from seconds and 1/65536ths. */
static inline uint64_t
oauth_timestamp_make(uint64_t seconds, uint16_t frac)
{
	return ((seconds & 0xFFFFFFFFFFFFull) << 16) | frac;
}

/**
 * Parse an algorithm name ("A128GCM", "A256GCM"; case-sensitive as in
 * RFC 7518) into the enum.
 *
 * @return the algorithm, or OAUTH_ALG_NONE if the name is unknown or NULL.
 */
enum oauth_alg oauth_alg_from_name(const char *name);

/** Name of an algorithm, or NULL if it is not one. */
const char *oauth_alg_name(enum oauth_alg alg);

/** Key length the algorithm needs in bytes (16 or 32), or 0 if unknown. */
size_t oauth_alg_key_len(enum oauth_alg alg);

/**
 * Encrypt a token.
 *
 * @param key         AES key; key_len must equal oauth_alg_key_len(alg).
 * @param server_name NUL-terminated server name, used as the GCM AAD.
 * @param nonce       12 random bytes (from RAND_bytes); never reuse one
 *                    with the same key.
 * @param tok         contents; mac_key_len must be 1..OAUTH_MAC_KEY_MAX.
 * @param out         where the token goes; cap bytes available.
 * @return the token length, -EINVAL on a bad argument, -ENOSPC if cap is
 *         too small, -EIO if OpenSSL fails.
 */
int oauth_token_encrypt(const uint8_t *key, size_t key_len, enum oauth_alg alg,
			const char *server_name,
			const uint8_t nonce[OAUTH_NONCE_LEN],
			const struct oauth_token *tok, uint8_t *out, size_t cap);

/**
 * Decrypt and authenticate a token.
 *
 * Checks nonce_len == 12, that the ciphertext holds at least the fixed
 * fields, that key_len fits and that the lengths add up exactly.
 *
 * @return 0 and fills tok; -EINVAL on a bad argument (key length, alg);
 *         -EBADMSG if the token is malformed or does not authenticate
 *         (wrong key, wrong server name, tampered bytes).  tok is left
 *         zeroed on failure.
 */
int oauth_token_decrypt(const uint8_t *key, size_t key_len, enum oauth_alg alg,
			const char *server_name, const uint8_t *in, size_t len,
			struct oauth_token *tok);

#endif /* TURNPIKE_OAUTH_TOKEN_H */
