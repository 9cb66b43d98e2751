/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread's DPDK side: drains the workers' event rings, feeds the
 * TURN server (turn_server.h, which knows nothing of DPDK), and turns its
 * decisions into commands on the workers' rings and reply frames.
 */
#ifndef TURNPIKE_CP_DPDK_H
#define TURNPIKE_CP_DPDK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "cp_admin.h"
#include "dp_worker.h"
#include "turn_server.h"

/** The control thread's view of the running relay. */
/** Events taken off a ring while a command ring was full (cp_dpdk.c). */
struct cp_backlog {
	struct dp_evt *v;
	size_t head, n, cap;
};

struct cp_dpdk {
	struct dp_worker *workers;   /**< [n_workers] */
	uint16_t n_workers;
	const struct dp_shared *sh;
	struct rte_mempool *pool;    /**< for reply frames */
	struct turn_server *srv;
	volatile bool *stop;         /**< set by the signal handler */
	uint32_t stats_interval_s;   /**< 0 = no periodic stats line */
	uint64_t ring_full_spins;    /**< times a command ring was full */
	struct cp_backlog backlog;
	struct cp_admin *admin;      /**< polled every turn; NULL = none */
};

/** Fill @p sink so the TURN server's decisions reach @p cp's workers. */
void cp_dpdk_sink_init(struct cp_dpdk *cp, struct cp_sink *sink);

/**
 * Run the control loop on the calling (main) lcore until *cp->stop, then end
 * every allocation, wait (up to two seconds) for the workers' final
 * counters so each gets its usage record, and return.
 */
void cp_dpdk_run(struct cp_dpdk *cp);

/** Sum of every worker's counters into @p total. */
void cp_dpdk_stats_sum(const struct cp_dpdk *cp, struct dp_stats *total,
		       uint64_t *busy_cycles);

/**
 * The fast path's counters as `dp.<name>=value` lines, for the admin
 * socket's stats (struct cp_admin_ctx's extra_stats; @p arg is the struct
 * cp_dpdk).  @return the length needed, as snprintf.
 */
int cp_dpdk_admin_stats(void *arg, char *buf, size_t cap);

/** Monotonic milliseconds (the TURN server's clock). */
uint64_t cp_dpdk_now_ms(void);

#endif /* TURNPIKE_CP_DPDK_H */
