/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus text from a snapshot (see cp_metrics.h).  Every family is
 * written whole, with all its label values, zeros included, so a series
 * exists from the first scrape and rate() works from the second.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cp_metrics.h"
#include "turnpike/dp_counters.h"

struct out {
	char *buf;
	size_t cap, len;
	int err;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + (o->len < o->cap ? o->len : o->cap),
		      o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		o->err = 1;
	else
		o->len += (size_t)n;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *const transport_labels[TP_TRANSPORT_COUNT] = {
	[TP_TRANSPORT_UDP] = "udp",
	[TP_TRANSPORT_TCP] = "tcp",
	[TP_TRANSPORT_TLS] = "tls",
};
static const char *const direction_labels[DP_DIR__COUNT] = {
	[DP_DIR_TO_PEER] = "to_peer",
	[DP_DIR_TO_CLIENT] = "to_client",
};
static const char *const auth_mech_labels[TURN_AUTH_MECH__COUNT] = {
	[TURN_AUTH_LONG_TERM] = "long_term",
	[TURN_AUTH_REST] = "rest",
	[TURN_AUTH_OAUTH] = "oauth",
	[TURN_AUTH_UNKNOWN] = "unknown",
};
static const char *const auth_result_labels[TURN_AUTH_RESULT__COUNT] = {
	[TURN_AUTH_OK] = "ok",
	[TURN_AUTH_400] = "400",
	[TURN_AUTH_401] = "401",
	[TURN_AUTH_438] = "438",
};

static void
render_relay(struct out *o, const struct cp_snapshot_data *d)
{
	family(o, "turnpike_relayed_packets_total", "counter",
	       "Datagrams relayed by the fast path, by direction and worker.");
	for (int dir = 0; dir < DP_DIR__COUNT; dir++)
		for (uint16_t w = 0; w < d->n_workers; w++)
			put(o,
			    "turnpike_relayed_packets_total{direction=\"%s\","
			    "worker=\"%u\"} %" PRIu64 "\n",
			    direction_labels[dir], w,
			    dp_stats_relayed(&d->workers[w],
					     (enum dp_direction)dir));
	family(o, "turnpike_relayed_bytes_total", "counter",
	       "Application bytes (UDP payload) relayed, by direction and "
	       "worker.");
	for (int dir = 0; dir < DP_DIR__COUNT; dir++)
		for (uint16_t w = 0; w < d->n_workers; w++)
			put(o,
			    "turnpike_relayed_bytes_total{direction=\"%s\","
			    "worker=\"%u\"} %" PRIu64 "\n",
			    direction_labels[dir], w,
			    d->workers[w].relayed_bytes[dir]);
	family(o, "turnpike_dropped_packets_total", "counter",
	       "Frames the fast path dropped, by reason.");
	for (int i = 0; i < DP_DROP__COUNT; i++)
		put(o,
		    "turnpike_dropped_packets_total{reason=\"%s\"} %" PRIu64 "\n",
		    dp_drop_name((enum dp_drop)i), d->plane.total.drop[i]);
	family(o, "turnpike_handoffs_total", "counter",
	       "Packets one worker handed to the worker that owns them.");
	put(o, "turnpike_handoffs_total %" PRIu64 "\n",
	    d->plane.total.c[DP_C_handoff_out]);
	family(o, "turnpike_worker_busy_cycles_total", "counter",
	       "TSC cycles of a worker's loop turns that had work.");
	for (uint16_t w = 0; w < d->n_workers; w++)
		put(o,
		    "turnpike_worker_busy_cycles_total{worker=\"%u\"} %" PRIu64
		    "\n",
		    w, d->busy_cycles[w]);
}

static void
render_control(struct out *o, const struct cp_snapshot_data *d)
{
	static const double bounds[CP_HIST_BUCKETS] = CP_HIST_BOUNDS;
	const struct cp_hist *h = &d->alloc_duration;
	uint64_t cum = 0;

	family(o, "turnpike_auth_total", "counter",
	       "Authentication verdicts, by mechanism and result.");
	for (int m = 0; m < TURN_AUTH_MECH__COUNT; m++)
		for (int r = 0; r < TURN_AUTH_RESULT__COUNT; r++)
			put(o,
			    "turnpike_auth_total{method=\"%s\",result=\"%s\"} "
			    "%" PRIu64 "\n",
			    auth_mech_labels[m], auth_result_labels[r],
			    d->turn.auth_by[m][r]);
	family(o, "turnpike_allocate_duration_seconds", "histogram",
	       "Control-thread time per Allocate request, authentication "
	       "included.");
	for (int i = 0; i < CP_HIST_BUCKETS; i++) {
		cum += h->bucket[i];
		put(o,
		    "turnpike_allocate_duration_seconds_bucket{le=\"%g\"} "
		    "%" PRIu64 "\n",
		    bounds[i], cum);
	}
	cum += h->bucket[CP_HIST_BUCKETS];
	put(o,
	    "turnpike_allocate_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
	    "turnpike_allocate_duration_seconds_sum %.9f\n"
	    "turnpike_allocate_duration_seconds_count %" PRIu64 "\n",
	    cum, (double)h->sum_ns / 1e9, h->count);
	family(o, "turnpike_requests_total", "counter",
	       "STUN/TURN requests decoded, by method.");
	for (int m = 0; m < TURN_METHOD__COUNT; m++)
		put(o, "turnpike_requests_total{method=\"%s\"} %" PRIu64 "\n",
		    turn_method_label((enum turn_method)m), d->turn.requests[m]);
	family(o, "turnpike_responses_total", "counter",
	       "Responses sent, by STUN code (success for success).");
	for (int r = 0; r < TURN_REPLY__COUNT; r++) {
		uint16_t code = turn_reply_code((enum turn_reply)r);

		if (code == 0)
			put(o,
			    "turnpike_responses_total{code=\"success\"} "
			    "%" PRIu64 "\n",
			    d->turn.replies[r]);
		else
			put(o,
			    "turnpike_responses_total{code=\"%u\"} %" PRIu64 "\n",
			    code, d->turn.replies[r]);
	}
}

/* A relay of a fleet (redis-userdb): whether it reaches Redis, how its
 * quotas were decided. */
static void
render_fleet(struct out *o, const struct cp_snapshot_fleet *f)
{
	family(o, "turnpike_fleet_redis_up", "gauge",
	       "1 while the fleet's Redis answers; 0: degraded, quotas "
	       "counted on this relay alone, pushes refused.");
	put(o, "turnpike_fleet_redis_up %d\n", f->redis_up ? 1 : 0);
	family(o, "turnpike_fleet_peers", "gauge",
	       "Other relays of the fleet with a live lease.");
	put(o, "turnpike_fleet_peers %" PRIu32 "\n", f->peers);
	family(o, "turnpike_fleet_quota_decisions_total", "counter",
	       "Allocate quota decisions: counted across the fleet "
	       "(granted, denied) or on this relay alone (local).");
	put(o,
	    "turnpike_fleet_quota_decisions_total{result=\"granted\"} %" PRIu64 "\n"
	    "turnpike_fleet_quota_decisions_total{result=\"denied\"} %" PRIu64 "\n"
	    "turnpike_fleet_quota_decisions_total{result=\"local\"} %" PRIu64
	    "\n",
	    f->quota_granted, f->quota_denied, f->quota_local);
	family(o, "turnpike_fleet_refused_total", "counter",
	       "Values read from Redis that failed their checks.");
	put(o, "turnpike_fleet_refused_total %" PRIu64 "\n", f->refused);
	family(o, "turnpike_fleet_reconciles_total", "counter",
	       "Times this relay took a new instance id and wrote its true "
	       "counts (start, Redis back, a lapsed lease).");
	put(o, "turnpike_fleet_reconciles_total %" PRIu64 "\n", f->reconciles);
}

static void
render_statsdb(struct out *o, const struct cp_snapshot_statsdb *s)
{
	family(o, "turnpike_statsdb_redis_up", "gauge",
	       "1 while connected to redis-statsdb's Redis; 0: events wait "
	       "(up to 65536, then dropped).");
	put(o, "turnpike_statsdb_redis_up %d\n", s->redis_up ? 1 : 0);
	family(o, "turnpike_statsdb_events_total", "counter",
	       "Allocation events for redis-statsdb, by outcome: published, "
	       "dropped (queue full or left at stop), invalid (a name too "
	       "long), failed (Redis answered an error).");
	put(o,
	    "turnpike_statsdb_events_total{result=\"published\"} %" PRIu64 "\n"
	    "turnpike_statsdb_events_total{result=\"dropped\"} %" PRIu64 "\n"
	    "turnpike_statsdb_events_total{result=\"invalid\"} %" PRIu64 "\n"
	    "turnpike_statsdb_events_total{result=\"failed\"} %" PRIu64 "\n",
	    s->published, s->dropped, s->invalid, s->failed);
}

int
cp_metrics_render(const struct cp_snapshot_data *d,
		  const struct cp_metrics_info *info, char *buf, size_t cap)
{
	struct out o = { .buf = buf, .cap = cap };

	if (cap > 0)
		buf[0] = '\0';
	family(&o, "turnpike_build_info", "gauge",
	       "Always 1; the build's version in its label.");
	put(&o, "turnpike_build_info{version=\"%s\"} 1\n", info->version);
	family(&o, "turnpike_start_time_seconds", "gauge",
	       "When the process started, Unix seconds.");
	put(&o, "turnpike_start_time_seconds %.3f\n", info->start_time_s);
	family(&o, "turnpike_draining", "gauge",
	       "1 while draining: new allocations refused (SIGUSR1 or the "
	       "admin socket's drain).");
	put(&o, "turnpike_draining %d\n", d->draining ? 1 : 0);
	family(&o, "turnpike_allocations", "gauge",
	       "Allocations in force, by the clients' transport.");
	for (int t = 0; t < TP_TRANSPORT_COUNT; t++)
		put(&o, "turnpike_allocations{transport=\"%s\"} %" PRIu64 "\n",
		    transport_labels[t], d->turn.allocs_by_transport[t]);
	family(&o, "turnpike_allocations_created_total", "counter",
	       "Allocations created.");
	put(&o, "turnpike_allocations_created_total %" PRIu64 "\n",
	    d->turn.c[TURN_C_ALLOCS_CREATED]);
	render_relay(&o, d);
	render_control(&o, d);
	if (d->fleet.member)
		render_fleet(&o, &d->fleet);
	if (d->statsdb.on)
		render_statsdb(&o, &d->statsdb);
	if (o.err || o.len > INT32_MAX)
		return -1;
	return (int)o.len;
}
