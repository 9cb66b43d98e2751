/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict base64: OpenSSL's block coder encodes; decoding is our own.
 *
 * EVP_DecodeBlock is lenient in ways we do not want for keys and tokens:
 * it skips leading and trailing whitespace, and it returns 3 bytes for every
 * 4 characters including the zero bytes that stand for '=' padding.  So we
 * validate the text first (alphabet, length, padding position, zero pad
 * bits) and then decode it directly, writing only the real decoded length
 * into the caller's buffer.  (One EVP_DecodeBlock call per quantum showed
 * in the profile: every authenticated request decodes its nonce.)
 *
 * Pure code: any thread, no allocation, no I/O.
 */
#include <errno.h>
#include <stdbool.h>

#include <openssl/evp.h>

#include "turnpike/base64.h"

/*
 * Alphabet value + 1 of each byte; 0 = not in the alphabet.  A table, not
 * range tests: nonce and token characters are random, and the branches
 * mispredicted on nearly every character.
 */
static const uint8_t base64_values[256] = {
	['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
	['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* Value of a base64 alphabet character, or -1. */
static inline int
base64_char_value(char c)
{
	return (int)base64_values[(unsigned char)c] - 1;
}

int
base64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t need;

	if (len > (size_t)INT32_MAX / 4 * 3 - 3)
		return -EINVAL;
	need = BASE64_ENCODED_LEN(len);
	if (cap < need + 1)
		return -ENOSPC;
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	/* Writes need characters and a NUL. */
	return EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* Check the text; return the number of '=' (0..2) or -EINVAL. */
static int
base64_validate(const char *in, size_t len)
{
	size_t pad = 0;
	size_t i;
	int last;

	if (len % 4 != 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++) {
		if (base64_char_value(in[i]) < 0)
			return -EINVAL;
	}
	/* Bits below the last data character that padding discards must be 0. */
	last = base64_char_value(in[len - pad - 1]);
	if (pad == 1 && (last & 0x03) != 0)
		return -EINVAL;
	if (pad == 2 && (last & 0x0F) != 0)
		return -EINVAL;
	return (int)pad;
}

int
base64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t out_len, o = 0;
	int pad;

	if (len > (size_t)INT32_MAX)
		return -EINVAL;
	pad = base64_validate(in, len);
	if (pad < 0)
		return pad;
	out_len = len / 4 * 3 - (size_t)pad;
	if (out_len > cap)
		return -ENOSPC;
	/* Validated: every character before the padding is in the alphabet,
	 * and a '=' stands for zero bits. */
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			int c = in[i + j] == '=' ? 0 :
						   base64_char_value(in[i + j]);

			v = v << 6 | (uint32_t)c;
		}
		for (int j = 0; j < 3 && o < out_len; j++)
			out[o++] = (uint8_t)(v >> (16 - 8 * j));
	}
	return (int)out_len;
}
