/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text of a snapshot (controlplane/cp_metrics.c) and the
 * histogram behind it (cp_snapshot.c): families once each, labels for every
 * worker and direction, cumulative buckets ending in +Inf = count, the
 * length contract of a too-small buffer, the drain gauge, the exchange's
 * cp_snapshot_published() that /ready asks, and, when Debian's promtool
 * is installed, its verdict on the whole text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cp_metrics.h"

static struct cp_snapshot_data d;
static const struct cp_metrics_info info = { "9.9.9", 1700000000.5 };

static void
fill(void)
{
	memset(&d, 0, sizeof(d));
	d.n_workers = 2;
	d.workers[0].c[DP_C_relay_channel_to_peer] = 10;
	d.workers[0].c[DP_C_relay_send_to_peer] = 5;
	d.workers[1].c[DP_C_relay_peer_to_data] = 7;
	d.workers[1].relayed_bytes[DP_DIR_TO_CLIENT] = 700;
	d.plane.total.drop[DP_DROP_no_permission] = 3;
	d.plane.total.c[DP_C_handoff_out] = 4;
	d.turn.allocs_by_transport[TP_TRANSPORT_TLS] = 2;
	d.turn.auth_by[TURN_AUTH_OAUTH][TURN_AUTH_401] = 6;
	cp_hist_add(&d.alloc_duration, 20000);     /* 20 us */
	cp_hist_add(&d.alloc_duration, 300000);    /* 300 us */
	cp_hist_add(&d.alloc_duration, 900000000); /* 0.9 s: +Inf */
}

static char *
render(void)
{
	int n = cp_metrics_render(&d, &info, NULL, 0);
	char *buf;

	assert_true(n > 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(cp_metrics_render(&d, &info, buf, (size_t)n + 1), n);
	assert_int_equal(strlen(buf), n);
	return buf;
}

static int
count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_families(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render();
	assert_int_equal(count(t,
			       "# TYPE turnpike_relayed_packets_total counter\n"),
			 1);
	assert_int_equal(count(t,
			       "# TYPE turnpike_allocate_duration_seconds histogram\n"),
			 1);
	assert_non_null(strstr(t, "turnpike_build_info{version=\"9.9.9\"} 1\n"));
	assert_non_null(strstr(t, "turnpike_start_time_seconds 1700000000.500\n"));
	assert_int_equal(count(t, "# TYPE turnpike_draining gauge\n"), 1);
	assert_non_null(strstr(t, "\nturnpike_draining 0\n"));
	assert_non_null(strstr(t, "turnpike_allocations{transport=\"tls\"} 2\n"));
	assert_non_null(strstr(t, "turnpike_allocations{transport=\"udp\"} 0\n"));
	assert_non_null(strstr(
		t,
		"turnpike_relayed_packets_total{direction=\"to_peer\",worker=\"0\"} 15\n"));
	assert_non_null(strstr(
		t,
		"turnpike_relayed_packets_total{direction=\"to_client\",worker=\"1\"} 7\n"));
	assert_non_null(strstr(
		t,
		"turnpike_relayed_packets_total{direction=\"to_peer\",worker=\"1\"} 0\n"));
	assert_non_null(strstr(
		t,
		"turnpike_relayed_bytes_total{direction=\"to_client\",worker=\"1\"} 700\n"));
	assert_non_null(strstr(
		t,
		"turnpike_dropped_packets_total{reason=\"no_permission\"} 3\n"));
	assert_int_equal(count(t, "turnpike_dropped_packets_total{reason="),
			 DP_DROP__COUNT);
	assert_non_null(strstr(t, "turnpike_handoffs_total 4\n"));
	assert_non_null(strstr(
		t, "turnpike_auth_total{method=\"oauth\",result=\"401\"} 6\n"));
	assert_non_null(strstr(t,
			       "turnpike_responses_total{code=\"success\"} 0\n"));
	assert_non_null(strstr(t, "turnpike_responses_total{code=\"438\"} 0\n"));
	/* Cumulative buckets; +Inf is the count. */
	assert_non_null(strstr(
		t, "turnpike_allocate_duration_seconds_bucket{le=\"5e-05\"} 1\n"));
	assert_non_null(strstr(
		t,
		"turnpike_allocate_duration_seconds_bucket{le=\"0.0005\"} 2\n"));
	assert_non_null(strstr(
		t, "turnpike_allocate_duration_seconds_bucket{le=\"0.1\"} 2\n"));
	assert_non_null(strstr(
		t, "turnpike_allocate_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(t, "turnpike_allocate_duration_seconds_count 3\n"));
	assert_non_null(strstr(t,
			       "turnpike_allocate_duration_seconds_sum 0.900320000\n"));
	free(t);
}

/* The drain flag the control loop puts in the snapshot. */
static void
test_draining(void **state)
{
	char *t;

	(void)state;
	fill();
	d.draining = true;
	t = render();
	assert_non_null(strstr(t, "\nturnpike_draining 1\n"));
	assert_null(strstr(t, "turnpike_draining 0"));
	free(t);
}

/* A fleet's relay shows its Redis state and quota decisions; a relay
 * alone shows no fleet family at all. */
static void
test_fleet(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render();
	assert_null(strstr(t, "turnpike_fleet"));
	free(t);
	d.fleet = (struct cp_snapshot_fleet){ .member = true,
					      .redis_up = false,
					      .peers = 2,
					      .quota_granted = 7,
					      .quota_denied = 3,
					      .quota_local = 5,
					      .refused = 1,
					      .reconciles = 4 };
	t = render();
	assert_non_null(strstr(t, "# TYPE turnpike_fleet_redis_up gauge\n"
				  "turnpike_fleet_redis_up 0\n"));
	assert_non_null(strstr(t, "\nturnpike_fleet_peers 2\n"));
	assert_non_null(strstr(
		t, "turnpike_fleet_quota_decisions_total{result=\"granted\"} 7\n"
		   "turnpike_fleet_quota_decisions_total{result=\"denied\"} 3\n"
		   "turnpike_fleet_quota_decisions_total{result=\"local\"} 5\n"));
	assert_non_null(strstr(t, "\nturnpike_fleet_refused_total 1\n"));
	assert_non_null(strstr(t, "\nturnpike_fleet_reconciles_total 4\n"));
	free(t);
	d.fleet.redis_up = true;
	t = render();
	assert_non_null(strstr(t, "\nturnpike_fleet_redis_up 1\n"));
	free(t);
	d.fleet.member = false;
}

/* With redis-statsdb: its connection and its events by outcome. */
static void
test_statsdb(void **state)
{
	char *t;

	(void)state;
	fill();
	t = render();
	assert_null(strstr(t, "turnpike_statsdb"));
	free(t);
	d.statsdb = (struct cp_snapshot_statsdb){ .on = true,
						  .redis_up = true,
						  .published = 40,
						  .dropped = 3,
						  .invalid = 2,
						  .failed = 1 };
	t = render();
	assert_non_null(strstr(t, "\nturnpike_statsdb_redis_up 1\n"));
	assert_non_null(strstr(
		t, "turnpike_statsdb_events_total{result=\"published\"} 40\n"
		   "turnpike_statsdb_events_total{result=\"dropped\"} 3\n"
		   "turnpike_statsdb_events_total{result=\"invalid\"} 2\n"
		   "turnpike_statsdb_events_total{result=\"failed\"} 1\n"));
	free(t);
	d.statsdb.on = false;
}

/* A buffer too small: the needed length, a NUL-terminated prefix. */
static void
test_short_buffer(void **state)
{
	char small[64];
	int n;

	(void)state;
	fill();
	memset(small, 'x', sizeof(small));
	n = cp_metrics_render(&d, &info, small, sizeof(small));
	assert_true(n > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(cp_metrics_render(&d, &info, NULL, 0), n);
}

/* What /ready asks of the exchange: published yet, and draining, with no
 * copy of the snapshot. */
static void
test_snapshot_published(void **state)
{
	struct cp_snapshot s;
	bool draining = true;

	(void)state;
	assert_int_equal(cp_snapshot_init(&s), 0);
	assert_false(cp_snapshot_published(&s, &draining));
	assert_true(draining); /* untouched */
	cp_snapshot_begin(&s)->draining = false;
	cp_snapshot_commit(&s);
	assert_true(cp_snapshot_published(&s, &draining));
	assert_false(draining);
	cp_snapshot_begin(&s)->draining = true;
	cp_snapshot_commit(&s);
	assert_true(cp_snapshot_published(&s, &draining));
	assert_true(draining);
	assert_true(cp_snapshot_published(&s, NULL));
	cp_snapshot_fini(&s);
}

/* Debian's promtool, when installed, on the whole text. */
static void
test_promtool(void **state)
{
	char *t;
	FILE *p;

	(void)state;
	if (access("/usr/bin/promtool", X_OK) != 0) {
		skip();
		return;
	}
	fill();
	d.fleet = (struct cp_snapshot_fleet){ .member = true, .peers = 1 };
	d.statsdb = (struct cp_snapshot_statsdb){ .on = true, .published = 1 };
	t = render();
	d.fleet.member = false;
	d.statsdb.on = false;
	p = popen("/usr/bin/promtool check metrics >/dev/null 2>&1", "w");
	assert_non_null(p);
	fputs(t, p);
	assert_int_equal(pclose(p), 0);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_draining),
		cmocka_unit_test(test_fleet),
		cmocka_unit_test(test_statsdb),
		cmocka_unit_test(test_snapshot_published),
		cmocka_unit_test(test_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
