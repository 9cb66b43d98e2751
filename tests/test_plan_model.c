/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capacity model: each resource binds when it should, relay-to-relay
 * traffic costs one pass for two allocations, and bad inputs are refused.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "plan_model.h"

static const struct plan_server base_srv = {
	.pps_per_core = 1e6,
	.setups_per_s = 1e5,
	.bytes_per_alloc = 512,
	.workers = 4,
	.nic_gbps = 10,
	.mem_gib = 16,
	.headroom = 0.5,
};

static void
test_packets_bind(void **state)
{
	/* 100k calls x 2 allocations x 100 pps = 20 Mpps = 20 cores; at
	 * 4 workers and half headroom, 2 cores each: 10 servers. */
	struct plan_load l = { .calls = 100000,
			       .call_attempts_s = 100,
			       .allocs_per_call = 2,
			       .pps_per_alloc = 100,
			       .bytes_per_packet = 0 };
	struct plan_result r;

	(void)state;
	assert_int_equal(plan_compute(&l, &base_srv, &r), 0);
	assert_true(fabs(r.allocations - 200000) < 1e-6);
	assert_true(fabs(r.passes_per_s - 2e7) < 1e-3);
	assert_true(fabs(r.worker_cores - 20) < 1e-9);
	assert_int_equal(r.servers_for[PLAN_LIMIT_PACKETS], 10);
	assert_int_equal(r.limit, PLAN_LIMIT_PACKETS);
	assert_int_equal(r.servers, 10);
}

static void
test_local_traffic_halves_passes(void **state)
{
	struct plan_load l = { .calls = 100000,
			       .allocs_per_call = 2,
			       .pps_per_alloc = 100,
			       .local_fraction = 1 };
	struct plan_result r;

	(void)state;
	assert_int_equal(plan_compute(&l, &base_srv, &r), 0);
	assert_true(fabs(r.passes_per_s - 1e7) < 1e-3);
	assert_int_equal(r.servers_for[PLAN_LIMIT_PACKETS], 5);
}

static void
test_setups_nic_memory_bind(void **state)
{
	struct plan_load l = { .calls = 1000,
			       .call_attempts_s = 200000,
			       .allocs_per_call = 1,
			       .pps_per_alloc = 1 };
	struct plan_server s = base_srv;
	struct plan_result r;

	(void)state;
	/* 200k set-ups/s against 50k usable per server: 4 (and a bit, for
	 * the refreshes of 1000 allocations): 5. */
	assert_int_equal(plan_compute(&l, &s, &r), 0);
	assert_int_equal(r.servers_for[PLAN_LIMIT_SETUPS], 5);
	assert_int_equal(r.limit, PLAN_LIMIT_SETUPS);

	/* Big packets: (1430 + 70) B x 8 x 1e6/s = 12 Gbit/s; 5 per server. */
	l = (struct plan_load){ .calls = 10000,
				.allocs_per_call = 1,
				.pps_per_alloc = 100,
				.bytes_per_packet = 1430 };
	assert_int_equal(plan_compute(&l, &s, &r), 0);
	assert_true(fabs(r.gbps - 12.0) < 1e-9);
	assert_int_equal(r.servers_for[PLAN_LIMIT_NIC], 3);
	assert_int_equal(r.limit, PLAN_LIMIT_NIC);

	/* Idle allocations: 100M x 512 B = 47.7 GiB, 8 GiB usable: 6. */
	l = (struct plan_load){ .calls = 1e8, .allocs_per_call = 1 };
	s.setups_per_s = 1e9;
	assert_int_equal(plan_compute(&l, &s, &r), 0);
	assert_int_equal(r.servers_for[PLAN_LIMIT_MEMORY], 6);
	assert_int_equal(r.limit, PLAN_LIMIT_MEMORY);
}

static void
test_bad_inputs(void **state)
{
	struct plan_load l = { .calls = 10,
			       .allocs_per_call = 2,
			       .pps_per_alloc = 100 };
	struct plan_server s = base_srv;
	struct plan_result r;

	(void)state;
	s.headroom = 0;
	assert_int_equal(plan_compute(&l, &s, &r), -1);
	s.headroom = 1.5;
	assert_int_equal(plan_compute(&l, &s, &r), -1);
	s = base_srv;
	s.pps_per_core = 0;
	assert_int_equal(plan_compute(&l, &s, &r), -1);
	s = base_srv;
	l.local_fraction = 2;
	assert_int_equal(plan_compute(&l, &s, &r), -1);
	l.local_fraction = 0;
	l.calls = NAN;
	assert_int_equal(plan_compute(&l, &s, &r), -1);
	l.calls = 0;
	assert_int_equal(plan_compute(&l, &s, &r), 0);
	assert_int_equal(r.servers, 0); /* nothing to carry */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packets_bind),
		cmocka_unit_test(test_local_traffic_halves_passes),
		cmocka_unit_test(test_setups_nic_memory_bind),
		cmocka_unit_test(test_bad_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
