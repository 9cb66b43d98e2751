/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's loop (see cp_loop.h).
 *
 * Runs on the main lcore only.  Each turn: take the workers' events (a
 * punted STUN request, an allocation's final counters, a learned
 * neighbour; in AF_XDP mode a next hop missed or in use, for cp_neigh.c)
 * and act on them, read the kernel's neighbour news (AF_XDP mode, at most
 * once a millisecond), then every CP_TICK_MS run the TURN server's
 * timers, act on a drain request (SIGUSR1's flag) or a drain that is done,
 * and flush the log and the JSON usage records, poll the admin socket,
 * reload the configuration if SIGHUP asked (here, as the tables it swaps
 * are this thread's), and now and then log the summed counters and tell
 * the service manager the allocation count.  Everything it sends the
 * workers goes through the
 * plane's cmd_send and reply_send, which never drop a command (see
 * turnpike/plane.h), so the fast path never disagrees with what was decided.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cp_fleet.h"
#include "cp_log.h"
#include "cp_loop.h"
#include "fleet_stats.h"
#include "turnpike/dp_msg.h"
#include "turnpike/stun.h"

#define CP_EVT_BURST 64
#define CP_TICK_MS 10

/* CLOCK_MONOTONIC in nanoseconds: cp_loop_now_ms()'s clock, and the
 * Allocate histogram's. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
cp_loop_now_ms(void)
{
	return now_ns() / 1000000;
}

/* The control thread may sleep when there is nothing to do. */
static void
idle_sleep_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };

	nanosleep(&ts, NULL);
}

static void
sink_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct cp_loop *loop = ctx;

	loop->plane.cmd_send(loop->plane.ctx, worker, cmd);
}

static void
sink_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	   const struct tp_addr *to, const struct tp_addr *from,
	   const uint8_t *msg, size_t len)
{
	struct cp_loop *loop = ctx;
	int rc;

	if (req == NULL)
		return; /* every reply answers a request for now */
	if (req->transport != TP_TRANSPORT_UDP)
		rc = loop->plane.stream_reply(loop->plane.ctx, worker,
					      req->conn, msg, len);
	else
		rc = loop->plane.reply_send(loop->plane.ctx, worker,
					    req->client_mac, to, from, msg, len);
	if (rc == -ENOBUFS)
		cp_log(CP_LOG_WARN, "reply.drop", "reason=no_mbuf");
	else if (rc == -EMSGSIZE)
		cp_log(CP_LOG_WARN, "reply.drop", "reason=too_big len=%zu", len);
	/* -EAFNOSUPPORT: the fast path sends IPv4 only; nothing to say. */
}

/* redis-statsdb's "new" or "refreshed" (fleet_stats.h). */
static void
sink_status(void *ctx, const struct turn_status *ev)
{
	struct cp_loop *loop = ctx;
	struct fleet_stats_alloc a = {
		.realm = ev->realm,
		.user = (const char *)ev->user,
		.user_len = ev->user_len,
		.id = ev->id,
	};
	struct fleet_stats_session s = {
		.transport = ev->transport,
		.local = ev->local,
		.remote = ev->client,
	};

	if (loop->statsdb == NULL)
		return;
	if (ev->kind == TURN_STATUS_NEW)
		fleet_stats_alloc_new(loop->statsdb, &a, ev->lifetime_s, &s);
	else
		fleet_stats_alloc_refreshed(loop->statsdb, &a, ev->lifetime_s,
					    &s);
}

/* redis-statsdb's end of an allocation: its traffic (the whole life: the
 * workers report counts once, at the end), "deleted", its totals. */
static void
statsdb_ended(struct fleet_stats *fs, const struct turn_usage *u)
{
	struct fleet_stats_alloc a = {
		.realm = u->realm,
		.user = u->username,
		.user_len = strlen(u->username),
		.id = u->id,
	};
	struct fleet_stats_traffic t = {
		.rcvp = u->usage.pkts_from_client,
		.rcvb = u->usage.bytes_from_client,
		.sentp = u->usage.pkts_to_client,
		.sentb = u->usage.bytes_to_client,
	};

	fleet_stats_alloc_traffic(fs, &a, &t, NULL);
	fleet_stats_alloc_deleted(fs, &a, &t, NULL);
}

/* The alloc.end log line, the JSON record when a file is set, and the
 * end on redis-statsdb when it is. */
static void
sink_usage(void *ctx, const struct turn_usage *u)
{
	char client[TP_ADDR_STRLEN], relay[TP_ADDR_STRLEN];
	char relay2[TP_ADDR_STRLEN + sizeof(" relay2=")] = "";
	/* A REST user id is whatever the web application let its users
	 * choose: escaped, so a newline cannot forge a log line. */
	char user[CP_LOG_ESCAPED_SIZE(TURN_USERNAME_MAX)];

	struct cp_loop *loop = ctx;

	if (loop->usage_json != NULL)
		cp_usage_json_record(loop->usage_json, u);
	if (loop->statsdb != NULL)
		statsdb_ended(loop->statsdb, u);
	cp_log_escape(user, sizeof(user), u->username, strlen(u->username));
	if (u->relay2.ip.family != TP_AF_NONE) {
		char a[TP_ADDR_STRLEN];

		snprintf(relay2, sizeof(relay2), " relay2=%s",
			 tp_addr_format(&u->relay2, a, sizeof(a)));
	}
	cp_log(CP_LOG_INFO, "alloc.end",
	       "user=%s client=%s transport=%s relay=%s%s duration_ms=%" PRIu64
	       " pkts_from_client=%" PRIu64 " bytes_from_client=%" PRIu64
	       " pkts_to_client=%" PRIu64 " bytes_to_client=%" PRIu64,
	       user[0] ? user : "-",
	       tp_addr_format(&u->client, client, sizeof(client)),
	       tp_transport_name(u->transport),
	       tp_addr_format(&u->relay, relay, sizeof(relay)), relay2,
	       u->end_ms - u->start_ms, u->usage.pkts_from_client,
	       u->usage.bytes_from_client, u->usage.pkts_to_client,
	       u->usage.bytes_to_client);
}

void
cp_loop_sink_init(struct cp_loop *loop, struct cp_sink *sink)
{
	sink->ctx = loop;
	sink->cmd = sink_cmd;
	sink->reply = sink_reply;
	sink->usage = sink_usage;
	sink->status = sink_status;
}

/* The fleet's view of our traffic: datagrams relayed per second since the
 * last measure, all workers and the busiest. */
static void
fleet_load_measure(struct cp_loop *loop, uint64_t now_ms)
{
	uint64_t total = 0, busiest = 0, dt = now_ms - loop->load_ms;

	if (loop->plane.worker_stats == NULL)
		return;
	for (uint16_t w = 0;
	     w < loop->plane.n_workers && w < TP_PLANE_MAX_WORKERS; w++) {
		struct dp_stats st;
		uint64_t busy, n, d;

		loop->plane.worker_stats(loop->plane.ctx, w, &st, &busy);
		n = dp_stats_relayed(&st, DP_DIR_TO_PEER) +
		    dp_stats_relayed(&st, DP_DIR_TO_CLIENT);
		d = n - loop->load_relayed[w];
		loop->load_relayed[w] = n;
		total += d;
		if (d > busiest)
			busiest = d;
	}
	if (loop->load_ms != 0 && dt > 0)
		cp_fleet_traffic(loop->fleet, total * 1000 / dt,
				 busiest * 1000 / dt);
	loop->load_ms = now_ms;
}

/* A request for the TURN server; an Allocate's handling time (the
 * authentication and the decision) goes into the histogram. */
static void
handle_request(struct cp_loop *loop, const struct turn_packet *pkt,
	       uint64_t now_ms)
{
	bool allocate =
		stun_is_stun(pkt->data, pkt->len) &&
		stun_msg_type(pkt->data) ==
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
	uint64_t t0 = allocate ? now_ns() : 0;

	turn_server_handle(loop->srv, pkt, now_ms);
	if (allocate)
		cp_hist_add(&loop->alloc_duration, now_ns() - t0);
}

static void
handle_packet(struct cp_loop *loop, const struct dp_evt *ev, uint64_t now_ms)
{
	struct turn_packet pkt = {
		.data = ev->u.packet.frame + ev->u.packet.data_off,
		.len = ev->u.packet.data_len,
		.client = ev->u.packet.client,
		.local = ev->u.packet.local,
		.worker = ev->worker,
	};

	memcpy(pkt.client_mac, ev->u.packet.client_mac, DP_MAC_LEN);
	handle_request(loop, &pkt, now_ms);
	loop->plane.packet_free(loop->plane.ctx, ev->u.packet.mbuf);
}

/* A worker learned a neighbour: tell the others. */
static void
handle_neigh(struct cp_loop *loop, const struct dp_evt *ev)
{
	struct dp_cmd cmd = { .type = DP_CMD_NEIGH_SET };

	cmd.u.neigh = ev->u.neigh;
	for (uint16_t w = 0; w < loop->plane.n_workers; w++)
		if (w != ev->worker)
			loop->plane.cmd_send(loop->plane.ctx, w, &cmd);
}

static void
handle_event(struct cp_loop *loop, const struct dp_evt *ev, uint64_t now_ms)
{
	switch (ev->type) {
	case DP_EVT_PACKET:
		handle_packet(loop, ev, now_ms);
		break;
	case DP_EVT_ALLOC_END:
		turn_server_alloc_ended(loop->srv, ev->worker, &ev->u.alloc_end);
		break;
	case DP_EVT_NEIGH:
		handle_neigh(loop, ev);
		break;
	case DP_EVT_NEIGH_MISS:
	case DP_EVT_NEIGH_USED:
		if (loop->neigh != NULL)
			cp_neigh_event(loop->neigh, &loop->plane, ev);
		break;
	}
}

/* What the stream thread sent: a client's request, or a closed
 * connection.  @return notes handled. */
static unsigned int
drain_streams(struct cp_loop *loop, uint64_t now_ms)
{
	const struct stream_note *n;
	unsigned int done = 0;

	while (done < CP_EVT_BURST &&
	       (n = stream_queue_peek(loop->streams_q)) != NULL) {
		if (n->kind == STREAM_NOTE_REQUEST) {
			struct turn_packet pkt = {
				.data = n->data,
				.len = n->len,
				.client = n->client,
				.local = n->local,
				.transport = n->transport,
				.conn = n->conn,
				/* The allocation's owner, as for UDP. */
				.worker = dp_owner_of_client(&n->client,
							     loop->plane.n_workers),
			};

			handle_request(loop, &pkt, now_ms);
		} else if (n->kind == STREAM_NOTE_CLOSED) {
			turn_server_stream_closed(loop->srv, &n->client,
						  &n->local, n->transport,
						  now_ms);
		}
		stream_queue_pop(loop->streams_q);
		done++;
	}
	return done;
}

/*
 * Take and handle events until none are left or every worker could have
 * filled a burst, so timers and the admin socket still get their turn
 * under load.  @return events handled.
 */
static unsigned int
drain_events(struct cp_loop *loop, uint64_t now_ms)
{
	unsigned int limit =
		CP_EVT_BURST * ((unsigned int)loop->plane.n_workers + 1);
	struct dp_evt evs[CP_EVT_BURST];
	unsigned int total = 0, n;

	do {
		n = loop->plane.events_poll(loop->plane.ctx, evs, CP_EVT_BURST);
		for (unsigned int i = 0; i < n; i++)
			handle_event(loop, &evs[i], now_ms);
		total += n;
	} while (n == CP_EVT_BURST && total < limit);
	if (loop->streams_q != NULL)
		total += drain_streams(loop, now_ms);
	return total;
}

static void
log_stats(const struct cp_loop *loop)
{
	struct tp_plane_stats st;
	const struct dp_stats *t = &st.total;

	loop->plane.stats_sum(loop->plane.ctx, &st);
	cp_log(CP_LOG_INFO, "stats",
	       "allocations=%zu rx=%" PRIu64 " tx=%" PRIu64
	       " relayed_to_peer=%" PRIu64 " relayed_to_client=%" PRIu64
	       " relayed_local=%" PRIu64 " punted=%" PRIu64 " handoffs=%" PRIu64
	       " drops=%" PRIu64 " busy_cycles=%" PRIu64,
	       turn_server_alloc_count(loop->srv), t->c[DP_C_rx_packets],
	       t->c[DP_C_tx_packets], dp_stats_relayed(t, DP_DIR_TO_PEER),
	       dp_stats_relayed(t, DP_DIR_TO_CLIENT), t->c[DP_C_relay_local],
	       t->c[DP_C_punted], t->c[DP_C_handoff_out], dp_stats_dropped(t),
	       st.busy_cycles);
}

int
cp_loop_admin_stats(void *arg, char *buf, size_t cap)
{
	const struct cp_loop *loop = arg;
	struct tp_plane_stats st;
	const struct dp_stats *t = &st.total;
	size_t len = 0;
	int n;

#define CP_ADMIN_PUT(...)                                             \
	do {                                                          \
		n = snprintf(buf + (len < cap ? len : cap),           \
			     len < cap ? cap - len : 0, __VA_ARGS__); \
		if (n < 0)                                            \
			return n;                                     \
		len += (size_t)n;                                     \
	} while (0)

	loop->plane.stats_sum(loop->plane.ctx, &st);
	CP_ADMIN_PUT("dp.workers=%u\n", loop->plane.n_workers);
	CP_ADMIN_PUT("dp.busy_cycles=%" PRIu64 "\n", st.busy_cycles);
	CP_ADMIN_PUT("cp.ring_full_spins=%" PRIu64 "\n", st.cmd_ring_full_spins);
	for (int i = 0; i < DP_C__COUNT; i++)
		CP_ADMIN_PUT("dp.%s=%" PRIu64 "\n",
			     dp_counter_name((enum dp_counter)i), t->c[i]);
	for (int i = 0; i < DP_DROP__COUNT; i++)
		CP_ADMIN_PUT("dp.drop.%s=%" PRIu64 "\n",
			     dp_drop_name((enum dp_drop)i), t->drop[i]);
	if (loop->streams != NULL) {
		CP_ADMIN_PUT("stream.connections=%u\n",
			     stream_server_conns(loop->streams));
		for (int i = 0; i < STREAM_C__COUNT; i++)
			CP_ADMIN_PUT("stream.%s=%" PRIu64 "\n",
				     stream_counter_name((enum stream_counter)i),
				     stream_server_counter(loop->streams,
							   (enum stream_counter)i));
	}
	if (loop->neigh != NULL) {
		CP_ADMIN_PUT("neigh.entries=%zu\n",
			     cp_neigh_entries(loop->neigh));
		for (int i = 0; i < CP_NEIGH_C__COUNT; i++)
			CP_ADMIN_PUT("neigh.%s=%" PRIu64 "\n",
				     cp_neigh_counter_name((enum cp_neigh_counter)i),
				     cp_neigh_counter(loop->neigh,
						      (enum cp_neigh_counter)i));
	}
	if (loop->usage_json != NULL) {
		const struct cp_usage_json_stats *u =
			cp_usage_json_stats(loop->usage_json);

		CP_ADMIN_PUT("usage_json.records=%" PRIu64 "\n"
			     "usage_json.written=%" PRIu64 "\n"
			     "usage_json.lost=%" PRIu64 "\n"
			     "usage_json.write_errors=%" PRIu64 "\n"
			     "usage_json.format_errors=%" PRIu64 "\n",
			     u->records, u->written, u->lost, u->write_errors,
			     u->format_errors);
	}
	if (loop->push != NULL) {
		struct push_counters c = push_pipeline_counters(loop->push);
		const struct push_apply *a = loop->push_apply;

		CP_ADMIN_PUT("push.requests=%" PRIu64 "\n"
			     "push.transactions=%" PRIu64 "\n"
			     "push.largest_transaction=%" PRIu64 "\n"
			     "push.failed=%" PRIu64 "\n"
			     "push.applied=%" PRIu64 "\n"
			     "push.refused=%" PRIu64 "\n"
			     "push.expired=%" PRIu64 "\n",
			     c.ops, c.batches, c.max_batch, c.failed,
			     a->applied, a->rejected, a->expired);
	}
	if (loop->fleet != NULL) {
		n = cp_fleet_admin_stats(loop->fleet,
					 buf + (len < cap ? len : cap),
					 len < cap ? cap - len : 0);
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	if (loop->statsdb != NULL)
		for (int i = 0; i < FLEET_STATS_C__COUNT; i++)
			CP_ADMIN_PUT("statsdb.%s=%" PRIu64 "\n",
				     fleet_stats_counter_name((enum fleet_stats_counter)
								      i),
				     fleet_stats_counter(loop->statsdb,
							 (enum fleet_stats_counter)
								 i));
	if (loop->plane.port_counters != NULL) {
		struct tp_plane_counter pc[TP_PLANE_MAX_PORT_COUNTERS];
		unsigned int n_pc =
			loop->plane.port_counters(loop->plane.port_ctx, pc,
						  TP_PLANE_MAX_PORT_COUNTERS);

		for (unsigned int i = 0; i < n_pc; i++)
			CP_ADMIN_PUT("%s=%" PRIu64 "\n", pc[i].name, pc[i].value);
	}
#undef CP_ADMIN_PUT
	return len > INT32_MAX ? -1 : (int)len;
}

struct list_arg {
	struct cp_snapshot_data *d;
	uint64_t now_ms;
};

static void
list_one(void *arg, const struct turn_alloc *a)
{
	struct list_arg *l = arg;
	struct cp_snapshot_alloc *o = &l->d->allocs[l->d->n_listed++];

	o->expires_in_s = (uint32_t)cp_admin_alloc_describe(a, l->now_ms, o->user,
							    sizeof(o->user));
	o->client = a->client;
	o->relay = a->relay;
	o->relay2 = a->relay2;
	o->transport = a->transport;
	o->worker = a->owner;
}

void
cp_loop_snapshot(struct cp_loop *loop, uint64_t now_ms)
{
	struct cp_snapshot_data *d;
	struct list_arg l;

	if (loop->snapshot == NULL)
		return;
	d = cp_snapshot_begin(loop->snapshot);
	d->taken_ms = now_ms;
	d->turn = *turn_server_stats(loop->srv);
	loop->plane.stats_sum(loop->plane.ctx, &d->plane);
	d->n_workers = loop->plane.n_workers;
	for (uint16_t w = 0; w < d->n_workers && w < TP_PLANE_MAX_WORKERS; w++)
		if (loop->plane.worker_stats != NULL)
			loop->plane.worker_stats(loop->plane.ctx, w,
						 &d->workers[w],
						 &d->busy_cycles[w]);
	d->alloc_duration = loop->alloc_duration;
	d->draining = turn_server_draining(loop->srv);
	d->fleet = (struct cp_snapshot_fleet){ .member = false };
	if (loop->fleet != NULL)
		cp_fleet_snapshot(loop->fleet, &d->fleet);
	d->statsdb = (struct cp_snapshot_statsdb){ .on = false };
	if (loop->statsdb != NULL) {
		const struct fleet_stats *fs = loop->statsdb;

		d->statsdb.on = true;
		d->statsdb.redis_up =
			fleet_stats_counter(fs, FLEET_STATS_C_redis_up) != 0;
		d->statsdb.published =
			fleet_stats_counter(fs, FLEET_STATS_C_published);
		d->statsdb.dropped =
			fleet_stats_counter(fs, FLEET_STATS_C_dropped);
		d->statsdb.invalid =
			fleet_stats_counter(fs, FLEET_STATS_C_invalid);
		d->statsdb.failed = fleet_stats_counter(fs, FLEET_STATS_C_failed);
	}
	d->n_listed = 0;
	l.d = d;
	l.now_ms = now_ms;
	turn_server_alloc_visit(loop->srv, CP_SNAPSHOT_ALLOCS, list_one, &l);
	cp_snapshot_commit(loop->snapshot);
}

/* Every non-zero drop reason by name, so a loss can be explained. */
static void
log_drops(const struct cp_loop *loop)
{
	struct tp_plane_stats st;
	char line[768];
	int n = 0;

	loop->plane.stats_sum(loop->plane.ctx, &st);
	line[0] = '\0';
	for (int i = 0; i < DP_DROP__COUNT && n < (int)sizeof(line); i++)
		if (st.total.drop[i] != 0)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      "%s=%" PRIu64 " ",
				      dp_drop_name((enum dp_drop)i),
				      st.total.drop[i]);
	cp_log(CP_LOG_INFO, "drops", "%s", n > 0 ? line : "none");
}

/* The status callback, when the allocation count changed since the last. */
static void
report_status(struct cp_loop *loop, uint32_t *last)
{
	size_t n = turn_server_alloc_count(loop->srv);
	uint32_t now = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;

	if (loop->status == NULL || now == *last)
		return;
	*last = now;
	loop->status(loop->notify_arg, now);
}

bool
cp_loop_drain(struct cp_loop *loop, const char *reason)
{
	const struct turn_stats *st = turn_server_stats(loop->srv);

	if (!turn_server_drain(loop->srv)) {
		cp_log(CP_LOG_INFO, "drain.repeat", "reason=%s", reason);
		return false;
	}
	loop->drain_start_ms = cp_loop_now_ms();
	cp_log(CP_LOG_INFO, "drain.start",
	       "reason=%s allocations=%" PRIu64 " min_allocations=%" PRIu32,
	       reason, st->allocs_live, loop->drain_min_allocs);
	return true;
}

bool
cp_loop_admin_drain(void *arg)
{
	return cp_loop_drain(arg, "admin");
}

/*
 * The drain's part of a tick: start one SIGUSR1 asked for (the handler
 * only sets the flag: nothing else is async-signal-safe), and end the
 * loop once a drain has brought the live allocations down to
 * drain_min_allocs.  Clearing the flag may lose a second SIGUSR1 sent at
 * the same moment, which would have changed nothing.
 */
static void
drain_tick(struct cp_loop *loop, uint64_t now_ms)
{
	uint64_t live;

	if (loop->drain_req != NULL && *loop->drain_req != 0) {
		*loop->drain_req = 0;
		cp_loop_drain(loop, "signal");
	}
	if (!turn_server_draining(loop->srv))
		return;
	live = turn_server_stats(loop->srv)->allocs_live;
	if (live > loop->drain_min_allocs)
		return;
	cp_log(CP_LOG_INFO, "drain.done",
	       "allocations=%" PRIu64 " min_allocations=%" PRIu32
	       " duration_ms=%" PRIu64,
	       live, loop->drain_min_allocs,
	       loop->drain_start_ms != 0 ? now_ms - loop->drain_start_ms : 0);
	*loop->stop = true; /* the orderly end, as on SIGTERM */
}

void
cp_loop_run(struct cp_loop *loop)
{
	uint64_t now = cp_loop_now_ms(), next_tick = now, next_stats;
	uint64_t next_snapshot = now, next_status = now + CP_STATUS_MS;
	uint64_t deadline;
	uint32_t last_status = 0;

	next_stats = now + (uint64_t)loop->stats_interval_s * 1000;
	while (!*loop->stop) {
		now = cp_loop_now_ms();
		if (drain_events(loop, now) == 0)
			idle_sleep_us(50);
		if (loop->neigh != NULL)
			cp_neigh_poll(loop->neigh, &loop->plane, now);
		if (now >= next_tick) {
			turn_server_tick(loop->srv, now);
			drain_tick(loop, now);
			next_tick = now + CP_TICK_MS;
			cp_log_flush(); /* logs wait at most a tick */
			cp_usage_json_flush(loop->usage_json); /* and records */
		}
		if (now >= next_status) {
			report_status(loop, &last_status);
			next_status = now + CP_STATUS_MS;
		}
		if (loop->admin != NULL)
			cp_admin_poll(loop->admin, now); /* one syscall per ms */
		if (loop->push != NULL) {
			push_apply_expire(loop->push_apply, now);
			push_pipeline_poll(loop->push, push_apply_op,
					   loop->push_apply);
		}
		if (loop->fleet != NULL) {
			if (now >= loop->load_ms + CP_FLEET_LOAD_MS)
				fleet_load_measure(loop, now);
			cp_fleet_poll(loop->fleet, now);
		}
		if (loop->reload_requested != NULL && *loop->reload_requested) {
			struct cp_reload_report rep;

			*loop->reload_requested = false;
			if (loop->reload != NULL)
				cp_reload_run(loop->reload, "sighup", &rep);
		}
		if (loop->snapshot != NULL && now >= next_snapshot) {
			cp_loop_snapshot(loop, now);
			next_snapshot = now + CP_SNAPSHOT_MS;
		}
		if (loop->stats_interval_s > 0 && now >= next_stats) {
			log_stats(loop);
			next_stats =
				now + (uint64_t)loop->stats_interval_s * 1000;
		}
	}

	/* Orderly end: every allocation gets its usage record. */
	if (loop->stopping != NULL)
		loop->stopping(loop->notify_arg);
	turn_server_shutdown(loop->srv, cp_loop_now_ms());
	deadline = cp_loop_now_ms() + 2000;
	while (turn_server_alloc_count(loop->srv) > 0 &&
	       cp_loop_now_ms() < deadline)
		if (drain_events(loop, cp_loop_now_ms()) == 0)
			idle_sleep_us(100);
	log_stats(loop);
	log_drops(loop);
	cp_usage_json_flush(loop->usage_json);
	cp_log_flush();
}
