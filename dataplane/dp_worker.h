/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A fast-path worker: one per worker lcore, cache-aligned, passed as the
 * first argument of every fast-path function.  Everything it points to is
 * either its own (tables, counters, TX buffer) or read-only after start-up
 * (struct dp_shared).  The rings are its only doors to the rest: command
 * ring in, event ring out, and one single-producer/single-consumer handoff
 * ring to and from every other worker.
 */
#ifndef TURNPIKE_DP_WORKER_H
#define TURNPIKE_DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp_neigh.h"
#include "dp_shared.h"
#include "dp_table.h"
#include "turnpike/addr.h"
#include "turnpike/dp_counters.h"
#include "turnpike/prefix_limit.h"

#define DP_BURST 32
/** Drain the command ring every this many loop turns (and when idle). */
#define DP_CMD_DRAIN_EVERY 16

/** One worker. */
struct dp_worker {
	uint16_t id;
	uint16_t lcore;
	const struct dp_shared *sh;
	struct rte_mempool *pool;
	struct rte_ring *cmd_ring;                   /**< control -> me */
	struct rte_ring *evt_ring;                   /**< me -> control */
	struct rte_ring *handoff_in[DP_MAX_WORKERS]; /**< [j]: worker j -> me */
	struct rte_ring *handoff_out[DP_MAX_WORKERS]; /**< [j]: me -> worker j */
	struct rte_ring *stream_in;  /**< stream threads -> me */
	struct rte_ring *stream_out; /**< me -> stream threads */
	uint64_t now;                /**< TSC at burst start */
	uint64_t tid_counter;        /**< Data indication IDs */
	uint8_t tid_prefix[4];
	uint16_t n_tx;
	struct rte_mbuf *tx[DP_BURST * 4];
	uint16_t n_xtx; /**< exception-port mode: frames for the kernel */
	struct rte_mbuf *xtx[DP_BURST];
	struct dp_table table;
	struct dp_neigh neigh;
	struct tp_prefix_limit punt_limit; /**< requests per source prefix */
	volatile bool *quit;
	volatile uint64_t busy_cycles; /**< cycles spent on non-empty polls */
	struct dp_stats stats __rte_cache_aligned;
} __rte_cache_aligned;

/** Count a drop and free the mbuf. */
static inline void
dp_drop(struct dp_worker *w, struct rte_mbuf *m, enum dp_drop why)
{
	w->stats.drop[why]++;
	rte_pktmbuf_free(m);
}

/** Queue a finished frame for transmission at the end of the burst. */
void dp_tx_enqueue(struct dp_worker *w, struct rte_mbuf *m);

/** Send what dp_tx_enqueue() queued. */
void dp_tx_flush(struct dp_worker *w);

/** Hand @p m to worker @p owner's handoff ring (or drop if full). */
void dp_handoff(struct dp_worker *w, struct rte_mbuf *m, uint16_t owner);

/**
 * One turn of the worker's loop without its bookkeeping: a burst from the
 * port's RX queue @p w->id (when the worker has one), a burst from each
 * handoff ring and from the stream threads, each frame classified and
 * relayed, then what was queued for the port (and the exception port)
 * sent.  Commands are not applied here (dp_cmd_drain()).  The caller sets
 * @p w->now first, as dp_worker_run() does with the TSC; the instruction
 * count harness (tools/bench/dp_count.c) calls it alone, so what it
 * measures is exactly what the worker runs.  Worker lcore (or whichever
 * single thread owns @p w).
 * @return frames and messages taken in (0: an idle turn).
 */
unsigned int dp_worker_poll(struct dp_worker *w);

/** The worker main loop, launched on the worker's lcore; runs until
 *  *w->quit. */
int dp_worker_run(void *arg);

#endif /* TURNPIKE_DP_WORKER_H */
