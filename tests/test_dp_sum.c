/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ones' complement sums of dataplane/dp_pkt.h against DPDK's own
 * __rte_raw_cksum(), on every length and alignment a frame's payload can
 * start at: dp_sum_bytes() adds eight bytes at a time; dp_sum_keep() and
 * dp_sum_prepend() work a relayed payload's sum out of the received one,
 * which is how the fast path's checksums avoid a second pass over it.
 * Header-only code: no EAL, no root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dp_pkt.h"

#define BUF 300

/* Bytes that are not all alike: a xorshift stream from a fixed seed. */
static void
fill(uint8_t *b, size_t n, uint32_t seed)
{
	uint32_t x = seed | 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
}

/* DPDK's sum of @len bytes, folded: what the fast path used to run. */
static uint32_t
ref_sum(const uint8_t *b, uint32_t len)
{
	return __rte_raw_cksum_reduce(__rte_raw_cksum(b, len, 0));
}

/* Two folded sums name the same ones' complement number (0 and 0xFFFF
 * are both zero). */
static void
assert_same_sum(uint32_t a, uint32_t b)
{
	assert_true(a <= 0xFFFF && b <= 0xFFFF);
	assert_int_equal(a % 0xFFFF, b % 0xFFFF);
}

static void
t_sum_bytes(void **state)
{
	static uint8_t b[BUF + 8];
	static const uint8_t ff[16] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
					0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
					0xFF, 0xFF, 0xFF, 0xFF };

	(void)state;
	fill(b, sizeof(b), 7);
	for (uint32_t at = 0; at < 8; at++)
		for (uint32_t len = 0; len <= BUF; len++)
			assert_same_sum(dp_sum_bytes(b + at, len),
					ref_sum(b + at, len));
	/* Carries out of every word: all ones, and zeros. */
	assert_same_sum(dp_sum_bytes(ff, sizeof(ff)), ref_sum(ff, sizeof(ff)));
	assert_int_equal(dp_sum_bytes(b, 0), 0);
}

/* Keep [off, off + keep) of a payload: its sum as a payload of its own. */
static void
t_sum_keep(void **state)
{
	static uint8_t b[BUF];

	(void)state;
	fill(b, sizeof(b), 99);
	for (uint32_t len = 0; len <= 64; len++)
		for (uint32_t off = 0; off <= len; off++)
			for (uint32_t keep = 0; off + keep <= len; keep++)
				assert_same_sum(dp_sum_keep(ref_sum(b, len), b,
							    len, off, keep),
						ref_sum(b + off, keep));
	assert_int_equal(dp_sum_keep(DP_SUM_UNKNOWN, b, 10, 4, 3),
			 DP_SUM_UNKNOWN);
}

/* An even header in front, zeros behind (a Data indication's padding). */
static void
t_sum_prepend(void **state)
{
	static uint8_t b[BUF];

	(void)state;
	fill(b, sizeof(b), 1234);
	for (uint32_t h = 0; h <= 48; h += 2)
		for (uint32_t len = 0; len <= 64; len++) {
			uint8_t whole[BUF] = { 0 };

			memcpy(whole, b, h);
			memcpy(whole + h, b + 100, len);
			/* up to 3 zeros of padding after the payload */
			assert_same_sum(dp_sum_prepend(ref_sum(b + 100, len), b,
						       h),
					ref_sum(whole, h + len + 3));
		}
	assert_int_equal(dp_sum_prepend(DP_SUM_UNKNOWN, b, 4), DP_SUM_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sum_bytes),
		cmocka_unit_test(t_sum_keep),
		cmocka_unit_test(t_sum_prepend),
	};

	return cmocka_run_group_tests_name("dp_sum", tests, NULL, NULL);
}
