/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * HMAC-SHA1 and HMAC-SHA256 (RFC 2104) for the per-request MACs: STUN
 * MESSAGE-INTEGRITY(-SHA256), nonces, REST passwords.
 *
 * The same result as OpenSSL's HMAC(), without its per-call cost: HMAC()
 * and a fresh EVP_MAC_CTX each fetch the digest by name, allocate and free
 * three digest contexts, and take the provider store's lock, which is
 * several times the hashing itself for messages of a few hundred bytes.
 * Here the digests are fetched once per process and each thread keeps one
 * digest context, reused for every call; the key pads live on the stack
 * and are wiped before returning.
 *
 * Thread-safe (per-thread contexts, freed when the thread exits).  Not for
 * the DPDK packet path: it calls OpenSSL.
 */
#ifndef TURNPIKE_HMAC_H
#define TURNPIKE_HMAC_H

#include <stddef.h>
#include <stdint.h>

/** Digests. */
enum tp_hmac_alg {
	TP_HMAC_SHA1 = 0,
	TP_HMAC_SHA256,
};

/** Longest MAC (SHA-256). */
#define TP_HMAC_MAX 32

/** Bytes of a MAC: 20 for SHA-1, 32 for SHA-256. */
static inline size_t
tp_hmac_len(enum tp_hmac_alg alg)
{
	return alg == TP_HMAC_SHA256 ? 32 : 20;
}

/**
 * HMAC over the concatenation of @p a and @p b (either may be empty).
 *
 * @param key   any length; NULL only with key_len 0
 * @param out   receives tp_hmac_len(alg) bytes
 * @return 0, -EINVAL (bad algorithm) or -EIO (OpenSSL failed; @p out is
 *         then zeroed).
 */
int tp_hmac(enum tp_hmac_alg alg, const uint8_t *key, size_t key_len,
	    const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
	    uint8_t out[TP_HMAC_MAX]);

#endif /* TURNPIKE_HMAC_H */
