/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capacity model: each resource binds when it should, relay-to-relay
 * traffic costs one pass for two allocations, a fleet's Redis binds when
 * its acquires, releases, leases and peer reads outrun it (and not
 * otherwise), a given relay count is checked, and bad inputs are refused.
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
	assert_int_equal(plan_compute(&l, &base_srv, NULL, &r), 0);
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
	assert_int_equal(plan_compute(&l, &base_srv, NULL, &r), 0);
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
	assert_int_equal(plan_compute(&l, &s, NULL, &r), 0);
	assert_int_equal(r.servers_for[PLAN_LIMIT_SETUPS], 5);
	assert_int_equal(r.limit, PLAN_LIMIT_SETUPS);

	/* Big packets: (1430 + 70) B x 8 x 1e6/s = 12 Gbit/s; 5 per server. */
	l = (struct plan_load){ .calls = 10000,
				.allocs_per_call = 1,
				.pps_per_alloc = 100,
				.bytes_per_packet = 1430 };
	assert_int_equal(plan_compute(&l, &s, NULL, &r), 0);
	assert_true(fabs(r.gbps - 12.0) < 1e-9);
	assert_int_equal(r.servers_for[PLAN_LIMIT_NIC], 3);
	assert_int_equal(r.limit, PLAN_LIMIT_NIC);

	/* Idle allocations: 100M x 512 B = 47.7 GiB, 8 GiB usable: 6. */
	l = (struct plan_load){ .calls = 1e8, .allocs_per_call = 1 };
	s.setups_per_s = 1e9;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), 0);
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
	assert_int_equal(plan_compute(&l, &s, NULL, &r), -1);
	s.headroom = 1.5;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), -1);
	s = base_srv;
	s.pps_per_core = 0;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), -1);
	s = base_srv;
	l.local_fraction = 2;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), -1);
	l.local_fraction = 0;
	l.calls = NAN;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), -1);
	l.calls = 0;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), 0);
	assert_int_equal(r.servers, 0); /* nothing to carry */
}

/* 100k calls of 2 allocations, 1000 new calls/s: 2000 allocations/s set
 * up (and released); packets need 10 servers (test_packets_bind). */
static const struct plan_load fleet_load = { .calls = 100000,
					     .call_attempts_s = 1000,
					     .allocs_per_call = 2,
					     .pps_per_alloc = 100 };

static void
test_redis_binds_when_small(void **state)
{
	/* 2000/s x 2 ops = 4000 ops/s, plus 10 relays x (3/5 + 1) = 16:
	 * 4016 against 8000 x 0.5 = 4000 usable. */
	struct plan_fleet f = { .redis_ops_per_s = 8000,
				.redis_ops_per_setup = 2,
				.lease_s = 5 };
	struct plan_result r;

	(void)state;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
	assert_int_equal(r.servers, 10);
	assert_int_equal(r.relays, 10);
	assert_true(fabs(r.redis_lease_ops_per_s - 16) < 1e-9);
	assert_true(fabs(r.redis_ops_per_s - 4016) < 1e-9);
	assert_true(fabs(r.redis_usable_ops_per_s - 4000) < 1e-9);
	assert_int_equal(r.limit, PLAN_LIMIT_REDIS);
	assert_false(r.fits);
	assert_string_equal(plan_limit_name(r.limit), "redis");

	/* One op per set-up (no release counted): 2016, and it fits. */
	f.redis_ops_per_setup = 1;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
	assert_true(fabs(r.redis_ops_per_s - 2016) < 1e-9);
	assert_int_equal(r.limit, PLAN_LIMIT_PACKETS);
	assert_true(r.fits);
}

static void
test_redis_not_binding_when_large(void **state)
{
	struct plan_fleet f = { .redis_ops_per_s = 100000,
				.redis_ops_per_setup = 2,
				.lease_s = 5 };
	struct plan_result r, alone;

	(void)state;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
	assert_int_equal(plan_compute(&fleet_load, &base_srv, NULL, &alone), 0);
	assert_true(fabs(r.redis_ops_per_s - 4016) < 1e-9);
	assert_int_equal(r.limit, PLAN_LIMIT_PACKETS);
	assert_int_equal(r.servers, alone.servers);
	assert_true(r.fits);
	/* Without Redis in the plan, Redis costs and counts nothing. */
	assert_true(alone.redis_ops_per_s == 0);
	assert_true(alone.redis_usable_ops_per_s == 0);
	assert_true(alone.fits);
}

static void
test_lease_traffic_counted(void **state)
{
	/* No calls at all: 1000 relays with a 1 s lease cost 1000 x (3 + 1)
	 * = 4000 ops/s, over 6000 x 0.5 usable; with a 5 s lease 1600. */
	struct plan_load idle = { .allocs_per_call = 2 };
	struct plan_fleet f = { .relays = 1000,
				.redis_ops_per_s = 6000,
				.redis_ops_per_setup = 2,
				.lease_s = 1 };
	struct plan_result r;

	(void)state;
	assert_int_equal(plan_compute(&idle, &base_srv, &f, &r), 0);
	assert_int_equal(r.servers, 0);
	assert_int_equal(r.relays, 1000);
	assert_true(fabs(r.redis_lease_ops_per_s - 4000) < 1e-9);
	assert_true(fabs(r.redis_ops_per_s - 4000) < 1e-9);
	assert_int_equal(r.limit, PLAN_LIMIT_REDIS);
	assert_false(r.fits);

	f.lease_s = 5;
	assert_int_equal(plan_compute(&idle, &base_srv, &f, &r), 0);
	assert_true(fabs(r.redis_ops_per_s - 1600) < 1e-9);
	assert_true(r.fits);
}

static void
test_relay_count_checked(void **state)
{
	struct plan_fleet f = { .relays = 9 };
	struct plan_result r;

	(void)state;
	/* Packets need 10: 9 are too few, 10 and 12 enough. */
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
	assert_int_equal(r.servers, 10);
	assert_int_equal(r.relays, 9);
	assert_int_equal(r.limit, PLAN_LIMIT_PACKETS);
	assert_false(r.fits);
	f.relays = 10;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
	assert_true(r.fits);

	/* The given count, not the needed one, sets the lease traffic. */
	f = (struct plan_fleet){ .relays = 12,
				 .redis_ops_per_s = 1e6,
				 .redis_ops_per_setup = 2,
				 .lease_s = 3 };
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
	assert_int_equal(r.relays, 12);
	assert_true(fabs(r.redis_lease_ops_per_s - 24) < 1e-9);
	assert_true(r.fits);
}

static void
test_setups_with_redis(void **state)
{
	/* 200k set-ups/s: at 100k per server (50k usable) 5 servers; a relay
	 * that reaches only 20k/s with Redis (10k usable) needs 21. */
	struct plan_load l = { .calls = 1000,
			       .call_attempts_s = 200000,
			       .allocs_per_call = 1,
			       .pps_per_alloc = 1 };
	struct plan_server s = base_srv;
	struct plan_fleet f = { .redis_ops_per_s = 1e7,
				.redis_ops_per_setup = 2,
				.lease_s = 5 };
	struct plan_result r;

	(void)state;
	s.setups_per_s_redis = 20000;
	assert_int_equal(plan_compute(&l, &s, &f, &r), 0);
	assert_int_equal(r.servers_for[PLAN_LIMIT_SETUPS], 21);
	assert_int_equal(r.limit, PLAN_LIMIT_SETUPS);
	assert_int_equal(r.servers, 21);
	/* Lease traffic follows the computed count: 21 x 1.6. */
	assert_true(fabs(r.redis_lease_ops_per_s - 33.6) < 1e-9);
	/* Unmeasured, the rate without Redis stands in. */
	s.setups_per_s_redis = 0;
	assert_int_equal(plan_compute(&l, &s, &f, &r), 0);
	assert_int_equal(r.servers_for[PLAN_LIMIT_SETUPS], 5);
	/* Without Redis in the plan, the Redis rate is not used. */
	s.setups_per_s_redis = 20000;
	assert_int_equal(plan_compute(&l, &s, NULL, &r), 0);
	assert_int_equal(r.servers_for[PLAN_LIMIT_SETUPS], 5);
}

static void
test_bad_fleet_inputs(void **state)
{
	struct plan_fleet f = { .redis_ops_per_s = 1e5,
				.redis_ops_per_setup = 2,
				.lease_s = 0 };
	struct plan_result r;

	(void)state;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), -1);
	f.lease_s = 5;
	f.relays = 2.5;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), -1);
	f.relays = 3;
	f.redis_ops_per_setup = -1;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), -1);
	f.redis_ops_per_setup = 2;
	f.redis_ops_per_s = INFINITY;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), -1);
	/* Without Redis the Redis fields are not read. */
	f.redis_ops_per_s = 0;
	f.lease_s = 0;
	assert_int_equal(plan_compute(&fleet_load, &base_srv, &f, &r), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packets_bind),
		cmocka_unit_test(test_local_traffic_halves_passes),
		cmocka_unit_test(test_setups_nic_memory_bind),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_redis_binds_when_small),
		cmocka_unit_test(test_redis_not_binding_when_large),
		cmocka_unit_test(test_lease_traffic_counted),
		cmocka_unit_test(test_relay_count_checked),
		cmocka_unit_test(test_setups_with_redis),
		cmocka_unit_test(test_bad_fleet_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
