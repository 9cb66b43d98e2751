/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A log-linear latency histogram: exact below 32, then 32 linear buckets per
 * power of two, so any recorded value is known to within 1/32 of itself
 * (reported as the bucket's midpoint, within 1/64).  Fixed size (1920
 * buckets of 8 bytes), no allocation; adding a value is a count-leading-zeros
 * and an increment, cheap enough for every packet.
 *
 * Worked example: 1000 (binary 11 1110 1000) has its top bit at e = 9, so
 * its bucket holds the values whose top six bits are 111110, i.e.
 * [992, 1008), and its index is (9 - 4) * 32 + 0b11110 = 190.
 *
 * Pure code: used by the generator's single lcore and by the unit tests.
 */
#ifndef TURNPIKE_GEN_HIST_H
#define TURNPIKE_GEN_HIST_H

#include <stdint.h>

/** log2 of the linear buckets per power of two. */
#define GEN_HIST_SUB_BITS 5
#define GEN_HIST_SUB (1u << GEN_HIST_SUB_BITS)
/** Buckets: 32 exact ones, then 32 for each top bit from 5 to 63. */
#define GEN_HIST_BUCKETS ((64 - GEN_HIST_SUB_BITS + 1) * GEN_HIST_SUB)

/** A histogram of unsigned 64-bit values (the generator records ns). */
struct gen_hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t b[GEN_HIST_BUCKETS];
};

/** Bucket index of @p v. */
static inline unsigned int
gen_hist_index(uint64_t v)
{
	unsigned int e;

	if (v < GEN_HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);
	return (e - GEN_HIST_SUB_BITS + 1) * GEN_HIST_SUB +
	       (unsigned int)((v >> (e - GEN_HIST_SUB_BITS)) & (GEN_HIST_SUB - 1));
}

/** Record one value. */
static inline void
gen_hist_add(struct gen_hist *h, uint64_t v)
{
	h->b[gen_hist_index(v)]++;
	if (h->count == 0 || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->count++;
}

/** Empty @p h. */
void gen_hist_reset(struct gen_hist *h);

/** Smallest value that falls in bucket @p i. */
uint64_t gen_hist_bucket_low(unsigned int i);

/** Number of values bucket @p i holds (1 for the exact ones). */
uint64_t gen_hist_bucket_width(unsigned int i);

/**
 * The @p pct percentile (0 < pct <= 100): the midpoint of the bucket that
 * holds the value of rank ceil(pct / 100 * count), clamped to [min, max];
 * 100 gives max exactly.  @return 0 for an empty histogram.
 */
uint64_t gen_hist_percentile(const struct gen_hist *h, double pct);

/** Add every value of @p src to @p dst. */
void gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src);

#endif /* TURNPIKE_GEN_HIST_H */
