/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pace of turnpike-gen's timer sweep in the traffic phase
 * (tools/gen/gen_sweep.h): one walk over all sessions per period whatever
 * the turns' spacing, never more than the cap in a turn, and a stall
 * forgiven rather than paid back in a burst.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../tools/gen/gen_sweep.h"

#define HZ 2500000000ull /* a 2.5 GHz TSC */
#define MAX 64u

/* Turns every @step ticks from @t0 for @span ticks: the sessions swept.
 * Fails if a turn gets more than MAX. */
static uint64_t
run(struct gen_sweep_pace *pace, uint64_t t0, uint64_t step, uint64_t span,
    uint32_t n)
{
	uint64_t total = 0;

	for (uint64_t t = t0; t < t0 + span; t += step) {
		uint32_t q = gen_sweep_quota(pace, t, HZ, n, MAX);

		assert_true(q <= MAX);
		total += q;
	}
	return total;
}

/* Within 1% of @want. */
static void
assert_near(uint64_t got, uint64_t want)
{
	if (got * 100 < want * 99 || got * 100 > want * 101)
		fail_msg("swept %llu, want %llu within 1%%",
			 (unsigned long long)got, (unsigned long long)want);
}

static void
test_million_once_a_period(void **state)
{
	struct gen_sweep_pace pace = { 0 };

	(void)state;
	/* A turn every 10 us: 100,000 turns a second, 10 sessions each. */
	assert_near(run(&pace, 1000, HZ / 100000, HZ, 1000000), 1000000);
	/* Turns of uneven spacing (every 3 us, then every 17 us). */
	assert_near(run(&pace, 1000 + HZ, HZ / 333333, HZ, 1000000) +
			    run(&pace, 1000 + 2 * HZ, HZ / 58823, HZ, 1000000),
		    2000000);
}

static void
test_few_sessions_fast_turns(void **state)
{
	struct gen_sweep_pace pace = { 0 };

	(void)state;
	/* 1,000 sessions, a turn every 2 us: most turns sweep none, and the
	 * fractions are not lost. */
	assert_near(run(&pace, 5, HZ / 500000, 3 * HZ, 1000), 3000);
	/* Exact small numbers: 3 sessions a period of 10 ticks, a turn a
	 * tick, 10 periods. */
	pace = (struct gen_sweep_pace){ 0 };
	{
		uint64_t total = 0;

		for (uint64_t t = 1; t <= 101; t++)
			total += gen_sweep_quota(&pace, t, 10, 3, MAX);
		assert_int_equal(total, 30);
	}
}

static void
test_capped(void **state)
{
	struct gen_sweep_pace pace = { 0 };

	(void)state;
	/* Ten million sessions, a turn a millisecond: 10,000 due a turn, MAX
	 * given. */
	assert_int_equal(gen_sweep_quota(&pace, 1, HZ, 10000000, MAX), 0);
	assert_int_equal(gen_sweep_quota(&pace, 1 + HZ / 1000, HZ, 10000000, MAX),
			 MAX);
}

static void
test_stall_forgiven(void **state)
{
	struct gen_sweep_pace pace = { 0 };
	uint64_t after;

	(void)state;
	(void)run(&pace, 1, HZ / 100000, HZ, 100000);
	/* Five seconds without a turn, then turns every 10 us again: the
	 * second after pays at most one period back, not five. */
	after = run(&pace, 6 * HZ, HZ / 100000, HZ, 100000);
	assert_true(after <= 2 * 100000 + MAX);
	assert_true(after >= 100000);
}

static void
test_edges(void **state)
{
	struct gen_sweep_pace pace = { 0 };

	(void)state;
	assert_int_equal(gen_sweep_quota(&pace, 100, HZ, 0, MAX), 0);
	assert_int_equal(gen_sweep_quota(&pace, 100, 0, 1000, MAX), 0);
	/* A clock behind the last turn (a new phase): starts again. */
	pace.last = 5 * HZ;
	assert_int_equal(gen_sweep_quota(&pace, HZ, HZ, 1000, MAX), 0);
	assert_int_equal(pace.last, HZ);
	assert_int_equal(gen_sweep_quota(&pace, HZ + HZ / 10, HZ, 1000, MAX),
			 MAX);
	/* 100 due, 64 given: the rest stays owed. */
	assert_int_equal(gen_sweep_quota(&pace, HZ + HZ / 10, HZ, 1000, MAX),
			 100 - MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_once_a_period),
		cmocka_unit_test(test_few_sessions_fast_turns),
		cmocka_unit_test(test_capped),
		cmocka_unit_test(test_stall_forgiven),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
