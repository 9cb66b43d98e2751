/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The latency histogram's slow half: percentiles and merging (see
 * gen_hist.h for the bucket layout).  Pure code, run by whoever reports;
 * owns nothing.
 */
#include <string.h>

#include "gen_hist.h"

void
gen_hist_reset(struct gen_hist *h)
{
	memset(h, 0, sizeof(*h));
}

uint64_t
gen_hist_bucket_low(unsigned int i)
{
	unsigned int e;

	if (i < GEN_HIST_SUB)
		return i;
	e = i / GEN_HIST_SUB + GEN_HIST_SUB_BITS - 1;
	return (uint64_t)(GEN_HIST_SUB + i % GEN_HIST_SUB)
	       << (e - GEN_HIST_SUB_BITS);
}

uint64_t
gen_hist_bucket_width(unsigned int i)
{
	if (i < GEN_HIST_SUB)
		return 1;
	return 1ull << (i / GEN_HIST_SUB - 1);
}

uint64_t
gen_hist_percentile(const struct gen_hist *h, double pct)
{
	uint64_t rank, seen = 0, v;
	double exact;

	if (h->count == 0 || !(pct > 0))
		return h->count == 0 ? 0 : h->min;
	if (pct >= 100)
		return h->max;
	exact = pct / 100.0 * (double)h->count;
	rank = (uint64_t)exact;
	if ((double)rank < exact || rank == 0)
		rank++; /* ceil, without libm */
	for (unsigned int i = 0; i < GEN_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank)
			continue;
		v = gen_hist_bucket_low(i) + (gen_hist_bucket_width(i) - 1) / 2;
		if (v < h->min)
			v = h->min;
		if (v > h->max)
			v = h->max;
		return v;
	}
	return h->max;
}

void
gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned int i = 0; i < GEN_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	if (dst->count == 0 || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->count += src->count;
}
