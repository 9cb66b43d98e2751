/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for
 * tables keyed by what a client chooses: the control plane's allocation
 * tables (its source port, its username) and both planes' per-prefix
 * request limits (its source address, turnpike/prefix_limit.h).
 *
 * An unkeyed hash would let a client line its entries up in one chain, or
 * aim a flood at the bucket of someone else's prefix.  With a random key
 * per table that cannot be planned.
 *
 * Pure and inline: no state, no allocation.
 */
#ifndef TURNPIKE_SIPHASH_H
#define TURNPIKE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/** Key length in bytes. */
#define TP_SIPHASH_KEY_LEN 16

static inline uint64_t
tp_siphash_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t
tp_siphash_rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/* One SipRound over the four state words. */
static inline void
tp_siphash_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = tp_siphash_rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = tp_siphash_rotl(v[0], 32);
	v[2] += v[3];
	v[3] = tp_siphash_rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = tp_siphash_rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = tp_siphash_rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = tp_siphash_rotl(v[2], 32);
}

/* Absorb one 64-bit message word: two compression rounds. */
static inline void
tp_siphash_word(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	tp_siphash_round(v);
	tp_siphash_round(v);
	v[0] ^= m;
}

/** SipHash-2-4 of @p len bytes under a 16-byte @p key. */
static inline uint64_t
tp_siphash(const uint8_t key[TP_SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = tp_siphash_le64(key), k1 = tp_siphash_le64(key + 8);
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ull, /* "somepseu" */
		k1 ^ 0x646f72616e646f6dull, /* "dorandom" */
		k0 ^ 0x6c7967656e657261ull, /* "lygenera" */
		k1 ^ 0x7465646279746573ull, /* "tedbytes" */
	};
	uint64_t last = (uint64_t)(len & 0xFF) << 56;
	size_t full = len & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8)
		tp_siphash_word(v, tp_siphash_le64(p + i));
	/* Final word: the leftover bytes, little-endian, length on top. */
	for (size_t i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[full + i] << (8 * i);
	tp_siphash_word(v, last);
	v[2] ^= 0xFF;
	for (int i = 0; i < 4; i++)
		tp_siphash_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

#endif /* TURNPIKE_SIPHASH_H */
