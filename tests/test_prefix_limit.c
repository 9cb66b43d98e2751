/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source-prefix token buckets (turnpike/prefix_limit.h): the burst,
 * the refill, prefixes that share a bucket and prefixes that do not, and
 * the set-up's argument checks.  The key is fixed after set-up so that
 * which prefixes share a slot is the same on every run.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "turnpike/prefix_limit.h"

/* A clock in microseconds, as the control thread uses it. */
#define US 1000000u

static struct tp_prefix_limit lim;

static struct tp_ip
ip_of(const char *text)
{
	struct tp_ip ip;

	assert_int_equal(tp_ip_parse(&ip, text), 0);
	return ip;
}

static void
fixed_key(struct tp_prefix_limit *l)
{
	for (int i = 0; i < TP_SIPHASH_KEY_LEN; i++)
		l->key[i] = (uint8_t)(i * 17 + 3);
}

/* Rate 100/s, burst 3: three at once, then one per 10 ms. */
static void
test_burst_then_rate(void **state)
{
	struct tp_ip a = ip_of("192.0.2.10");
	uint64_t t = 5 * (uint64_t)US;

	(void)state;
	assert_int_equal(tp_prefix_limit_init(&lim, 100, 3, US, 24, 48), 0);
	for (int i = 0; i < 3; i++)
		assert_true(tp_prefix_limit_allow(&lim, &a, t));
	assert_false(tp_prefix_limit_allow(&lim, &a, t));
	assert_false(tp_prefix_limit_allow(&lim, &a, t + 9999));
	assert_true(tp_prefix_limit_allow(&lim, &a, t + 10000));
	assert_false(tp_prefix_limit_allow(&lim, &a, t + 10000));
	/* A second later the bucket is full again, and no fuller. */
	t += US;
	for (int i = 0; i < 3; i++)
		assert_true(tp_prefix_limit_allow(&lim, &a, t));
	assert_false(tp_prefix_limit_allow(&lim, &a, t));
}

/* The /24 shares one bucket; other networks keep theirs. */
static void
test_prefixes(void **state)
{
	struct tp_ip a = ip_of("192.0.2.10"), same = ip_of("192.0.2.250");
	struct tp_ip other = ip_of("198.51.100.7"), next = ip_of("192.0.3.10");
	struct tp_ip six = ip_of("2001:db8:1:2::1"),
		     six_same = ip_of("2001:db8:1:ff::9");
	struct tp_ip six_other = ip_of("2001:db8:2::1");
	uint64_t t = 1;

	(void)state;
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 2, US, 24, 48), 0);
	fixed_key(&lim);
	assert_true(tp_prefix_limit_allow(&lim, &a, t));
	assert_true(tp_prefix_limit_allow(&lim, &same, t));
	assert_false(tp_prefix_limit_allow(&lim, &a, t));
	assert_false(tp_prefix_limit_allow(&lim, &same, t));
	for (int i = 0; i < 2; i++) {
		assert_true(tp_prefix_limit_allow(&lim, &other, t));
		assert_true(tp_prefix_limit_allow(&lim, &next, t));
	}
	assert_true(tp_prefix_limit_allow(&lim, &six, t));
	assert_true(tp_prefix_limit_allow(&lim, &six_same, t));
	assert_false(tp_prefix_limit_allow(&lim, &six, t));
	assert_true(tp_prefix_limit_allow(&lim, &six_other, t));

	/* /32: every address its own bucket; a /20 cuts inside a byte. */
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 1, US, 32, 48), 0);
	fixed_key(&lim);
	assert_true(tp_prefix_limit_allow(&lim, &a, t));
	assert_true(tp_prefix_limit_allow(&lim, &same, t));
	assert_false(tp_prefix_limit_allow(&lim, &a, t));
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 1, US, 20, 48), 0);
	fixed_key(&lim);
	assert_true(tp_prefix_limit_allow(&lim, &a, t));
	assert_false(tp_prefix_limit_allow(&lim, &next, t)); /* 192.0.0.0/20 */
}

/*
 * The point of the limit: a flood from many addresses of a few networks
 * (a thousand requests each) leaves a client of another network its whole
 * burst.
 */
static void
test_flood_leaves_others(void **state)
{
	struct tp_ip client = ip_of("203.0.113.5"), src;
	uint64_t t = 1, passed = 0;

	(void)state;
	assert_int_equal(tp_prefix_limit_init(&lim, 100, 20, US, 24, 48), 0);
	fixed_key(&lim);
	for (int net = 0; net < 4; net++)
		for (int i = 0; i < 1000; i++) {
			src = ip_of("10.0.0.0");
			src.bytes[1] = (uint8_t)net;
			src.bytes[2] = 7;
			src.bytes[3] = (uint8_t)i;
			passed += tp_prefix_limit_allow(&lim, &src, t);
		}
	assert_int_equal(passed, 4 * 20);
	for (int i = 0; i < 20; i++)
		assert_true(tp_prefix_limit_allow(&lim, &client, t));
}

static void
test_init_checks(void **state)
{
	struct tp_ip a = ip_of("192.0.2.10");

	(void)state;
	/* Rate 0: no limit at all. */
	assert_int_equal(tp_prefix_limit_init(&lim, 0, 0, US, 24, 48), 0);
	for (int i = 0; i < 10000; i++)
		assert_true(tp_prefix_limit_allow(&lim, &a, 0));
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 0, US, 24, 48), -EINVAL);
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 1, US, 0, 48), -EINVAL);
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 1, US, 33, 48), -EINVAL);
	assert_int_equal(tp_prefix_limit_init(&lim, 10, 1, US, 24, 129), -EINVAL);
	/* Faster than the clock can count. */
	assert_int_equal(tp_prefix_limit_init(&lim, 2 * US, 1, US, 24, 48),
			 -EINVAL);
	/* The key is drawn fresh each time. */
	{
		uint8_t k1[TP_SIPHASH_KEY_LEN];

		assert_int_equal(tp_prefix_limit_init(&lim, 1, 1, US, 24, 48), 0);
		memcpy(k1, lim.key, sizeof(k1));
		assert_int_equal(tp_prefix_limit_init(&lim, 1, 1, US, 24, 48), 0);
		assert_memory_not_equal(k1, lim.key, sizeof(k1));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_flood_leaves_others),
		cmocka_unit_test(test_init_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
