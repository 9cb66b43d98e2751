/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Allocation status and traffic published to redis-statsdb (fleet_stats.c)
 * on coturn's topics, with coturn's texts (fleet_stats_layout.h has the
 * layout), so a consumer written for coturn keeps working.
 *
 * Two threads.  The control thread calls the enqueue functions
 * (fleet_stats_alloc_new() and the rest): each copies its event into one
 * malloc'ed block and links it to a list under a mutex held for the two
 * pointer writes only; it never waits on Redis and never does I/O.  A
 * thread of its own ("tp-statsdb") takes the whole list at once, and
 * sends the events' commands to Redis pipelined, FLEET_STATS_BATCH events
 * per round trip, over a redis_link.h connection (hiredis, blocking, 500 ms
 * per answer, reconnecting with back-off from 100 ms to 5 s).
 *
 * At most FLEET_STATS_QUEUE_MAX events wait, counting those the thread
 * holds: beyond, an event is dropped and counted (dropped), so a Redis
 * that is down costs memory bounded by the limit, not the control thread's
 * time.  While Redis is down the events wait, in order, and go out once it
 * is back.  Delivery is at least once: when the connection fails in the
 * middle of a batch, the whole batch is sent again after the reconnection
 * (PUBLISH twice, SET and DEL again: a subscriber may see a message twice,
 * never out of order).  An event Redis answers with an error (out of
 * memory, a read-only replica) is not sent again: it counts as failed.
 *
 * Not coturn's: the /peer topics are published only when the caller has
 * the peer-side counts (coturn always has them); see
 * fleet_stats_alloc_traffic().
 *
 * fleet_stats_start() and fleet_stats_stop() are for the thread that owns
 * the struct (the main thread at start-up and shutdown); the enqueue
 * functions for one producer thread at a time (the control thread);
 * fleet_stats_counter() for any thread.
 */
#ifndef TURNPIKE_FLEET_STATS_H
#define TURNPIKE_FLEET_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleet_stats_layout.h"
#include "redis_conf.h"

/** Events waiting at most (queued and held by the thread). */
#define FLEET_STATS_QUEUE_MAX 65536
/** Events sent per round trip to Redis. */
#define FLEET_STATS_BATCH 128
/** How long fleet_stats_stop() goes on sending what waits, ms. */
#define FLEET_STATS_STOP_MS 2000
/** At most one warning line about refused events per this many ms. */
#define FLEET_STATS_WARN_MS 10000

/** Counters: X(name, description).  redis_up is 0 or 1. */
#define FLEET_STATS_COUNTER_LIST(X)                                         \
	X(queued, "events taken by an enqueue function")                    \
	X(published, "events whose every command Redis accepted")           \
	X(dropped, "events lost: queue full, no memory, or left at stop")   \
	X(invalid, "events refused: a name longer than its maximum")        \
	X(failed, "events Redis answered with an error (not sent again)")   \
	X(connects, "connections to Redis made (first and reconnections)")  \
	X(link_failures, "connection attempts and round trips that failed") \
	X(redis_up, "1 while connected to Redis, else 0")

enum fleet_stats_counter {
#define FLEET_STATS_X_ENUM(name, desc) FLEET_STATS_C_##name,
	FLEET_STATS_COUNTER_LIST(FLEET_STATS_X_ENUM)
#undef FLEET_STATS_X_ENUM
	FLEET_STATS_C__COUNT
};

struct fleet_stats_event;

/**
 * The publisher; its fields are private to fleet_stats.c.
 * fleet_stats_start() sets every one.  Zeroed (static) and never started,
 * it may be stopped, read and enqueued to (-ESHUTDOWN, not counted) all
 * the same, so a relay without redis-statsdb needs no test before each
 * call.
 */
struct fleet_stats {
	pthread_mutex_t mu; /**< guards head, tail, stopping */
	pthread_cond_t work;
	struct fleet_stats_event *head; /**< queued, oldest first */
	struct fleet_stats_event **tail;
	bool stopping;
	bool running;        /**< the thread was started and not yet joined */
	atomic_uint pending; /**< queued plus held by the thread */
	pthread_t thread;
	struct redis_conf conf;
	_Atomic uint64_t c[FLEET_STATS_C__COUNT];
};

/**
 * Start the thread publishing to @p conf (copied).  Returns at once: the
 * first connection is the thread's, and an unreachable Redis is not an
 * error (events wait for it).
 *
 * @param err  on failure, what failed
 * @return 0, or -errno (pthread's): @p fs is then stopped.
 */
int fleet_stats_start(struct fleet_stats *fs, const struct redis_conf *conf,
		      char *err, size_t err_len);

/**
 * Stop the thread.  Events still waiting are sent if Redis is up, for
 * FLEET_STATS_STOP_MS at most; the rest are dropped and counted; then the
 * connection is closed.  Also bounded by Redis's timeouts: a round trip
 * under way may take 500 ms more, a connection attempt connect_timeout.
 * Call it once the producer has stopped calling the enqueue functions.
 * The counters keep their values.  Safe on a zeroed or stopped @p fs;
 * @p fs may be started again (its counters then start from 0).
 */
void fleet_stats_stop(struct fleet_stats *fs);

/**
 * Allocation @p a was created with @p lifetime_s (status "new").
 * Control thread; never blocks.
 *
 * @return 0 queued; -ENOBUFS (queue full) or -ENOMEM: dropped;
 *         -ENAMETOOLONG: a name over its maximum, invalid; -ESHUTDOWN:
 *         not running (never started or stopped; not counted).
 */
int fleet_stats_alloc_new(struct fleet_stats *fs,
			  const struct fleet_stats_alloc *a, uint32_t lifetime_s,
			  const struct fleet_stats_session *s);

/**
 * Allocation @p a was refreshed to @p lifetime_s (status "refreshed"; 0
 * for a Refresh that deletes it, as coturn).  As fleet_stats_alloc_new().
 */
int fleet_stats_alloc_refreshed(struct fleet_stats *fs,
				const struct fleet_stats_alloc *a,
				uint32_t lifetime_s,
				const struct fleet_stats_session *s);

/**
 * Traffic of allocation @p a since its previous traffic event (coturn
 * sends one every 4096 packets and one as the allocation ends, before
 * "deleted"): @p client on .../traffic; @p peer, when not NULL, on
 * .../traffic/peer.  As fleet_stats_alloc_new().
 */
int fleet_stats_alloc_traffic(struct fleet_stats *fs,
			      const struct fleet_stats_alloc *a,
			      const struct fleet_stats_traffic *client,
			      const struct fleet_stats_traffic *peer);

/**
 * Allocation @p a ended: its status key deleted, "deleted" published,
 * then its whole-life counts on .../total_traffic (@p total) and, when
 * @p peer_total is not NULL, .../total_traffic/peer.  As
 * fleet_stats_alloc_new().
 */
int fleet_stats_alloc_deleted(struct fleet_stats *fs,
			      const struct fleet_stats_alloc *a,
			      const struct fleet_stats_traffic *total,
			      const struct fleet_stats_traffic *peer_total);

/** A counter's value; any thread. */
uint64_t fleet_stats_counter(const struct fleet_stats *fs,
			     enum fleet_stats_counter c);

/** A counter's name ("published"). */
const char *fleet_stats_counter_name(enum fleet_stats_counter c);

#endif /* TURNPIKE_FLEET_STATS_H */
