/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen's latency histogram (tools/gen/gen_hist.c) and end-of-run
 * report (tools/gen/gen_stats.c): bucket layout, percentiles against
 * distributions whose percentiles are known in closed form, merging, and
 * the JSON object's fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../tools/gen/gen_hist.h"
#include "../tools/gen/gen_stats.h"

static struct gen_hist h, h2;

/* |got - want| <= want / 64: a bucket midpoint's worst error. */
static void
assert_close(uint64_t got, uint64_t want)
{
	uint64_t diff = got > want ? got - want : want - got;

	if (diff * 64 > want)
		fail_msg("got %llu, want %llu within 1/64",
			 (unsigned long long)got, (unsigned long long)want);
}

static void
test_layout(void **state)
{
	(void)state;
	/* The worked example of gen_hist.h. */
	assert_int_equal(gen_hist_index(1000), 190);
	assert_int_equal(gen_hist_bucket_low(190), 992);
	assert_int_equal(gen_hist_bucket_width(190), 16);
	/* Exact below 32, then 32 buckets per power of two. */
	for (uint64_t v = 0; v < 32; v++)
		assert_int_equal(gen_hist_index(v), v);
	assert_int_equal(gen_hist_index(32), 32);
	assert_int_equal(gen_hist_index(63), 63);
	assert_int_equal(gen_hist_index(64), 64);
	assert_int_equal(gen_hist_index(65), 64);
	assert_int_equal(gen_hist_index(UINT64_MAX), GEN_HIST_BUCKETS - 1);
	/* Buckets tile the number line without gaps or overlaps. */
	for (unsigned int i = 0; i + 1 < GEN_HIST_BUCKETS; i++)
		assert_int_equal(gen_hist_bucket_low(i) + gen_hist_bucket_width(i),
				 gen_hist_bucket_low(i + 1));
	/* Every value lands in the bucket that covers it. */
	for (uint64_t v = 1; v < (1ull << 62); v = v * 3 + 7) {
		unsigned int i = gen_hist_index(v);

		assert_true(gen_hist_bucket_low(i) <= v);
		assert_true(v - gen_hist_bucket_low(i) < gen_hist_bucket_width(i));
		/* Width at most 1/32 of the value above the exact range. */
		if (v >= 32)
			assert_true(gen_hist_bucket_width(i) * 32 <= v);
	}
}

static void
test_percentiles_uniform(void **state)
{
	(void)state;
	gen_hist_reset(&h);
	assert_int_equal(gen_hist_percentile(&h, 50), 0);
	/* 1..100000: the p-th percentile is p * 1000 (rank ceil(p% * n)). */
	for (uint64_t v = 100000; v >= 1; v--)
		gen_hist_add(&h, v);
	assert_int_equal(h.count, 100000);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 100000);
	assert_close(gen_hist_percentile(&h, 50), 50000);
	assert_close(gen_hist_percentile(&h, 99), 99000);
	assert_close(gen_hist_percentile(&h, 99.9), 99900);
	assert_close(gen_hist_percentile(&h, 1), 1000);
	assert_int_equal(gen_hist_percentile(&h, 100), 100000);
}

static void
test_percentiles_small_and_skewed(void **state)
{
	(void)state;
	gen_hist_reset(&h);
	for (uint64_t v = 1; v <= 10; v++)
		gen_hist_add(&h, v);
	/* Exact buckets: rank ceil(0.5 * 10) = 5 is the value 5. */
	assert_int_equal(gen_hist_percentile(&h, 50), 5);
	assert_int_equal(gen_hist_percentile(&h, 90), 9);
	assert_int_equal(gen_hist_percentile(&h, 91), 10);

	/* 990 fast values and 10 slow ones: p99 is fast, p99.9 slow. */
	gen_hist_reset(&h);
	for (int i = 0; i < 990; i++)
		gen_hist_add(&h, 2000);
	for (int i = 0; i < 10; i++)
		gen_hist_add(&h, 5000000);
	assert_close(gen_hist_percentile(&h, 50), 2000);
	assert_close(gen_hist_percentile(&h, 99), 2000);
	assert_close(gen_hist_percentile(&h, 99.1), 5000000);
	assert_int_equal(gen_hist_percentile(&h, 99.9), 5000000); /* clamped */

	/* One value: every percentile is that value (clamped to min/max). */
	gen_hist_reset(&h);
	gen_hist_add(&h, 123456789);
	assert_int_equal(gen_hist_percentile(&h, 50), 123456789);
	assert_int_equal(gen_hist_percentile(&h, 99.9), 123456789);
}

static void
test_merge(void **state)
{
	(void)state;
	gen_hist_reset(&h);
	gen_hist_reset(&h2);
	for (uint64_t v = 1; v <= 500; v++)
		gen_hist_add(&h, v);
	for (uint64_t v = 501; v <= 1000; v++)
		gen_hist_add(&h2, v);
	gen_hist_merge(&h, &h2);
	assert_int_equal(h.count, 1000);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 1000);
	assert_close(gen_hist_percentile(&h, 50), 500);
	gen_hist_reset(&h2);
	gen_hist_merge(&h, &h2); /* merging nothing changes nothing */
	assert_int_equal(h.count, 1000);
	assert_int_equal(h.min, 1);
}

/* Print @r as JSON into a string (caller frees). */
static char *
json_of(const struct gen_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	gen_report_json(r, f);
	fclose(f);
	return buf;
}

/* @json is one object: braces balance and close only at the very end. */
static void
assert_one_object(const char *json)
{
	int depth = 0;

	for (const char *p = json; *p; p++) {
		depth += *p == '{' ? 1 : *p == '}' ? -1 : 0;
		assert_true(depth >= 0);
		if (depth == 0) {
			assert_string_equal(p, "}\n");
			break;
		}
	}
	assert_int_equal(depth, 0);
}

static void
test_report_json(void **state)
{
	static uint32_t failed[GEN_FAIL_CODE_MAX];
	struct gen_report r = { 0 };
	char *json;

	(void)state;
	gen_hist_reset(&h);
	for (uint64_t v = 1; v <= 1000; v++)
		gen_hist_add(&h, v * 1000); /* 1 us .. 1 ms */
	failed[GEN_FAIL_TIMEOUT] = 2;
	failed[401] = 3;
	r.requested = 1005;
	r.allocations = 1000;
	r.failed = failed;
	r.mode = "channel";
	r.size = 100;
	r.rate = 50000;
	r.duration_s = 2.0;
	r.offered_pps = 50000;
	gen_report_setup(&r, &h, 0.5);
	gen_report_dir(&r.to_peer, 100000, 99990, &h, 2.0);
	gen_report_dir(&r.to_client, 99990, 99990, &h, 2.0);
	assert_int_equal(r.to_peer.lost, 10);
	assert_int_equal(r.to_client.lost, 0);
	assert_true(r.to_peer.pps == 49995.0);
	assert_true(r.setup_per_s == 2000.0); /* 1000 values over 0.5 s */

	json = json_of(&r);
	assert_non_null(strstr(json, "{\"allocations\":1000,"));
	assert_non_null(strstr(json, "\"setup\":{\"per_s\":2000.0,"));
	assert_non_null(strstr(json, "\"failed\":{\"timeout\":2,\"401\":3}"));
	assert_non_null(strstr(json, "\"offered_pps\":50000.0"));
	assert_non_null(strstr(json,
			       "\"to_peer\":{\"sent\":100000,\"received\":99990,"
			       "\"lost\":10,\"pps\":49995.0,\"p50_us\":"));
	assert_non_null(strstr(json, "\"to_client\":{\"sent\":99990,"));
	assert_non_null(strstr(json, "\"duration_s\":2.000}"));
	assert_one_object(json);
	assert_null(strstr(json, ",}"));
	assert_null(strstr(json, ",,"));
	free(json);

	/* No failures: an empty object, not a missing key. */
	r.failed = NULL;
	json = json_of(&r);
	assert_non_null(strstr(json, "\"failed\":{}"));
	free(json);
}

/* A search: the trials in order, the zero-loss trial and the flat-out one
 * repeated by name, null when none passed. */
static void
test_report_search_json(void **state)
{
	static struct gen_search_report s;
	struct gen_report r = { 0 };
	char *json;

	(void)state;
	gen_hist_reset(&h);
	r.mode = "channel";
	r.size = 160;
	r.size_max = 200;
	s.loss_max = 0.00001;
	s.trial_s = 2;
	s.call_pps = 50;
	s.n_trials = 3;
	s.flat = 0;
	s.best = 2;
	s.trial[0] = (struct gen_trial){ .rate = 0,
					 .active = 1000,
					 .sent = 1000,
					 .received = 900,
					 .loss = 0.1,
					 .relayed_pps = 450 };
	s.trial[1] = (struct gen_trial){ .rate = 50000,
					 .active = 1000,
					 .sent = 200000,
					 .received = 199000,
					 .loss = 0.005 };
	s.trial[2] = (struct gen_trial){ .rate = 25000,
					 .active = 500,
					 .sent = 100000,
					 .received = 100000,
					 .relayed_pps = 50000,
					 .pass = true };
	r.search = &s;
	json = json_of(&r);
	assert_non_null(strstr(json, "\"size\":160,\"size_max\":200,"));
	assert_non_null(strstr(json, ",\"search\":{\"loss_max\":0.00001000,"
				     "\"trial_s\":2.000,\"call_pps\":50,"
				     "\"capped\":false,\"trials\":[{\"rate\":0,"));
	assert_non_null(strstr(json, "\"zero_loss\":{\"rate\":25000,"
				     "\"active\":500,"));
	assert_non_null(strstr(json, "\"flat_out\":{\"rate\":0,\"active\":1000,"));
	assert_non_null(strstr(json, "\"relayed_pps\":50000.0,"));
	assert_non_null(strstr(json, "\"pass\":true}"));
	assert_one_object(json);
	assert_null(strstr(json, ",}"));
	assert_null(strstr(json, ",]"));
	free(json);

	/* Nothing passed, no flat trial: null, not a missing key. */
	s.best = s.flat = -1;
	json = json_of(&r);
	assert_non_null(strstr(json, "\"zero_loss\":null,\"flat_out\":null}"));
	free(json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_percentiles_uniform),
		cmocka_unit_test(test_percentiles_small_and_skewed),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_search_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
