/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Strict standard base64 (RFC 4648 section 4, with '=' padding) over
 * OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock.  Used for keys in config
 * text, REST passwords and OAuth tokens in the tools.  Pure code.
 */
#ifndef TURNPIKE_BASE64_H
#define TURNPIKE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/** Characters base64 needs for n bytes, without the NUL. */
#define BASE64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)

/**
 * Encode len bytes into out (NUL-terminated).
 *
 * @return the number of characters written (not counting the NUL), or
 *         -ENOSPC if cap < BASE64_ENCODED_LEN(len) + 1.
 */
int base64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/**
 * Decode len characters.  Rejects (-EINVAL) anything that is not canonical
 * base64: a length that is not a multiple of 4, characters outside the
 * alphabet (including whitespace), '=' anywhere but in the last two places,
 * and non-zero bits under the padding.
 *
 * @return the number of bytes written, -EINVAL, or -ENOSPC if cap is too
 *         small for the decoded bytes.
 */
int base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif /* TURNPIKE_BASE64_H */
