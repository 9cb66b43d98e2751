/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread's loop (cp_loop.c): takes the fast path's events
 * through struct tp_plane_ops (turnpike/plane.h), feeds the TURN server
 * (turn_server.h), turns its decisions into commands and reply frames on
 * the workers' rings, runs the timers, the admin socket, a reload SIGHUP
 * asked for, and the periodic stats line.  It knows the fast path only through those ops, so it builds
 * and is tested without DPDK.  Control thread only.
 */
#ifndef TURNPIKE_CP_LOOP_H
#define TURNPIKE_CP_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_admin.h"
#include "cp_neigh.h"
#include "cp_reload.h"
#include "cp_snapshot.h"
#include "cp_usage_json.h"
#include "push_apply.h"
#include "push_pipeline.h"
#include "stream_queue.h"
#include "stream_server.h"
#include "turn_server.h"
#include "turnpike/plane.h"

struct cp_fleet;    /* cp_fleet.h */
struct fleet_stats; /* fleet_stats.h */

/** The control thread's view of the running relay. */
struct cp_loop {
	struct tp_plane_ops plane; /**< the fast path's doors */
	struct turn_server *srv;
	volatile bool *stop; /**< set by the signal handler */
	/** Set (non-zero) by the SIGUSR1 handler to ask for a drain; the
	 *  loop clears it and calls cp_loop_drain().  NULL = none. */
	volatile sig_atomic_t *drain_req;
	/** Once draining, the loop ends (sets *stop) when the live
	 *  allocations are this few (drain-min-allocations). */
	uint32_t drain_min_allocs;
	uint64_t drain_start_ms; /**< when the drain began (the log's) */
	/** Set by the SIGHUP handler; the loop clears it and runs the reload
	 *  on this thread.  NULL = no reload by signal. */
	volatile bool *reload_requested;
	struct cp_reload *reload;  /**< what the reload acts on; NULL = none */
	uint32_t stats_interval_s; /**< 0 = no periodic stats line */
	struct cp_admin *admin;    /**< polled every turn; NULL = none */
	/** Requests and closes from the stream thread; NULL = no streams. */
	struct stream_queue *streams_q;
	/** The stream front end, for its counters; NULL = none. */
	const struct stream_server *streams;
	/** Next hops from the kernel (AF_XDP mode); NULL = the workers speak
	 *  ARP themselves. */
	struct cp_neigh *neigh;
	/** Published every CP_SNAPSHOT_MS for the exporters; NULL = none. */
	struct cp_snapshot *snapshot;
	/** Pushed changes to put into the tables (push_pipeline.h), and
	 *  their applier; NULL = no push API. */
	struct push_pipeline *push;
	struct push_apply *push_apply;
	/** The other relays of a fleet (cp_fleet.h); NULL = alone. */
	struct cp_fleet *fleet;
	/** For the fleet's load: when the workers' relayed counts were last
	 *  read (0: never), and what each had relayed then. */
	uint64_t load_ms;
	uint64_t load_relayed[TP_PLANE_MAX_WORKERS];
	/** Allocation status and traffic for redis-statsdb (fleet_stats.h),
	 *  given every allocation's news; NULL = none. */
	struct fleet_stats *statsdb;
	/** Allocate requests' handling times (into the snapshot). */
	struct cp_hist alloc_duration;
	/** Usage records as JSON lines, besides the alloc.end log line
	 *  (cp_usage_json.h); flushed every tick; NULL = none. */
	struct cp_usage_json *usage_json;
	/**
	 * News for the process's service manager (tools/service_notify.h),
	 * each NULL for none: @c status with the live allocations at most
	 * every CP_STATUS_MS when the count changed, @c stopping once when
	 * the loop sees *stop.  Called on the control thread.
	 */
	void (*status)(void *arg, uint32_t allocations);
	void (*stopping)(void *arg);
	void *notify_arg;
};

/** How often the status callback may be called, milliseconds. */
#define CP_STATUS_MS 5000
/** How often a fleet's relay measures its relayed datagrams per second. */
#define CP_FLEET_LOAD_MS 1000

/** Fill and publish @p loop's snapshot now (cp_snapshot.h). */
void cp_loop_snapshot(struct cp_loop *loop, uint64_t now_ms);

/**
 * Drain (turn_server_drain()): refuse new allocations, keep serving the
 * others, and end the loop, as SIGTERM would, once the live allocations
 * are loop->drain_min_allocs or fewer (checked every tick).  Logs
 * `drain.start reason=@p reason`; a second call only logs `drain.repeat`.
 * Control thread only (the signal handler sets loop->drain_req instead).
 *
 * @return true if this call started the drain.
 */
bool cp_loop_drain(struct cp_loop *loop, const char *reason);

/** cp_loop_drain(@p arg, "admin"), for the admin socket's `drain`
 *  (struct cp_admin_ctx's drain; @p arg is the struct cp_loop). */
bool cp_loop_admin_drain(void *arg);

/** Fill @p sink so the TURN server's decisions reach @p loop's plane. */
void cp_loop_sink_init(struct cp_loop *loop, struct cp_sink *sink);

/**
 * Run the control loop on the calling (main) lcore until *loop->stop (or
 * a drain has brought the allocations down to loop->drain_min_allocs), then
 * end every allocation, wait (up to two seconds) for the workers' final
 * counters so each gets its usage record, and return.
 */
void cp_loop_run(struct cp_loop *loop);

/**
 * The fast path's counters as `dp.<name>=value` lines (then the stream
 * thread's, `stream.<name>`, the kernel neighbour source's, `neigh.<name>`,
 * the push API's, `push.<name>`,
 * the usage records file's, `usage_json.<name>`, and the port's own, such
 * as the XDP program's `xdp.<name>`), for the
 * admin socket's stats (struct cp_admin_ctx's
 * extra_stats; @p arg is the struct cp_loop).  @return the length needed,
 * as snprintf, or -1.
 */
int cp_loop_admin_stats(void *arg, char *buf, size_t cap);

/** Monotonic milliseconds (the TURN server's clock). */
uint64_t cp_loop_now_ms(void);

#endif /* TURNPIKE_CP_LOOP_H */
