/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The figures exporters read from other threads (DPDK telemetry's thread;
 * later an HTTP thread), published by the control thread (cp_snapshot.c).
 *
 * The TURN server's counters and tables belong to the control thread, and
 * a reader on another thread must never walk them.  So the control loop
 * copies what the exporters show into a snapshot every CP_SNAPSHOT_MS
 * (cp_loop.c): it fills the writer's buffer at leisure and swaps it in
 * under a mutex; a reader copies the published one out under the same
 * mutex.  Neither side waits for more than a copy, and the control thread
 * never waits on an exporter's client.  Every exporter shows the same
 * figures, no older than CP_SNAPSHOT_MS.
 */
#ifndef TURNPIKE_CP_SNAPSHOT_H
#define TURNPIKE_CP_SNAPSHOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cp_log.h"
#include "turn_server.h"
#include "turnpike/plane.h"

/** How often the control loop publishes, milliseconds. */
#define CP_SNAPSHOT_MS 250
/** Allocations listed in a snapshot (the first in table order). */
#define CP_SNAPSHOT_ALLOCS 64

/** Upper bounds of the Allocate duration histogram's buckets, seconds
 *  (then +Inf): 50 us to 100 ms, the range a control core's set-up
 *  takes, unloaded to queued. */
#define CP_HIST_BOUNDS                                                        \
	{                                                                     \
		0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, \
			0.025, 0.1                                            \
	}
#define CP_HIST_BUCKETS 10

/** A latency histogram: counts per bucket (not cumulative), then +Inf. */
struct cp_hist {
	uint64_t bucket[CP_HIST_BUCKETS + 1];
	uint64_t count;
	uint64_t sum_ns;
};

/** Count @p ns in @p h. */
void cp_hist_add(struct cp_hist *h, uint64_t ns);

/** One listed allocation. */
struct cp_snapshot_alloc {
	/** The username, escaped as the logs escape it and cut to fit ("-"
	 *  for none). */
	char user[64];
	struct tp_addr client, relay, relay2; /**< relay2: TP_AF_NONE if none */
	uint8_t transport;                    /**< enum tp_transport */
	uint16_t worker;
	uint32_t expires_in_s;
};

/** What is published. */
struct cp_snapshot_data {
	uint64_t taken_ms; /**< cp_loop_now_ms() when it was taken */
	struct turn_stats turn;
	struct tp_plane_stats plane; /**< every worker's, summed */
	uint16_t n_workers;
	struct dp_stats workers[TP_PLANE_MAX_WORKERS];
	uint64_t busy_cycles[TP_PLANE_MAX_WORKERS];
	/** How long the control thread took over each Allocate request,
	 *  authentication included (cp_loop.c). */
	struct cp_hist alloc_duration;
	/** New allocations refused (turn_server_drain()): /ready says 503. */
	bool draining;
	/** A fleet's relay (cp_fleet.h): its Redis and quota figures. */
	struct cp_snapshot_fleet {
		bool member; /**< redis-userdb is set; the rest is zero if not */
		bool redis_up; /**< degraded (counting alone) while false */
		uint32_t peers;
		uint64_t quota_granted, quota_denied, quota_local;
		uint64_t refused, reconciles;
	} fleet;
	/** Events for redis-statsdb (fleet_stats.h), by their outcome. */
	struct cp_snapshot_statsdb {
		bool on; /**< redis-statsdb is set; the rest is zero if not */
		bool redis_up;
		uint64_t published, dropped, invalid, failed;
	} statsdb;
	uint32_t n_listed; /**< entries of allocs[] in use */
	struct cp_snapshot_alloc allocs[CP_SNAPSHOT_ALLOCS];
};

/** The exchange. */
struct cp_snapshot {
	pthread_mutex_t mu;
	struct cp_snapshot_data *pub;     /**< the readers' (under mu) */
	struct cp_snapshot_data *scratch; /**< the writer's */
	bool published;                   /**< pub holds a snapshot */
};

/** @return 0 or -ENOMEM. */
int cp_snapshot_init(struct cp_snapshot *s);

/** Free the buffers.  No reader may be running. */
void cp_snapshot_fini(struct cp_snapshot *s);

/** The writer's buffer to fill (control thread only). */
struct cp_snapshot_data *cp_snapshot_begin(struct cp_snapshot *s);

/** Publish what cp_snapshot_begin() gave (control thread only). */
void cp_snapshot_commit(struct cp_snapshot *s);

/**
 * Copy the published snapshot into @p out (any thread).
 * @return false if nothing was published yet.
 */
bool cp_snapshot_read(struct cp_snapshot *s, struct cp_snapshot_data *out);

/**
 * Whether a snapshot was published, without copying it (any thread): what
 * /ready asks.  When one was, @p draining (if not NULL) gets its draining
 * flag; otherwise @p draining is left as it was.
 */
bool cp_snapshot_published(struct cp_snapshot *s, bool *draining);

#endif /* TURNPIKE_CP_SNAPSHOT_H */
