/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The fast path as one object (dp_plane.c): the workers, their tables, the
 * rings between them and the control thread, and the handoff mesh between
 * every pair of workers; built from struct tp_plane_params and a started
 * port, launched on the worker lcores, and offered to the control thread as
 * struct tp_plane_ops (turnpike/plane.h).
 *
 * The server (tools/turnpike.c) and the golden tests (tests/test_dp_golden.c)
 * both make their workers here, so there is one wiring of the fast path.
 *
 * Every function here runs on the main lcore (the control thread): the
 * workers never call into this unit.
 */
#ifndef TURNPIKE_DP_PLANE_H
#define TURNPIKE_DP_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "dp_port.h"
#include "dp_shared.h"
#include "dp_worker.h"
#include "turnpike/plane.h"

/** Ring sizes (entries, powers of two); 0 takes the default. */
struct dp_plane_rings {
	unsigned int cmd;     /**< control -> worker; default 8192 */
	unsigned int evt;     /**< worker -> control; default 8192 */
	unsigned int handoff; /**< worker -> worker; default 2048 */
	unsigned int stream;  /**< worker <-> stream threads; default 4096 */
};

/** Events set aside while a command ring was full (see cmd_send). */
struct dp_plane_backlog {
	struct dp_evt *v;
	size_t head, n, cap;
};

/** The fast path. */
struct dp_plane {
	struct dp_shared *sh;      /**< read-only once launched */
	struct dp_worker *workers; /**< [n_workers] */
	uint16_t n_workers;
	unsigned int lcores[DP_MAX_WORKERS];
	struct rte_mempool *pool; /**< frames the control thread builds */
	size_t table_bytes;       /**< memory the tables and rings took */
	volatile bool quit;       /**< workers return when set */
	bool running;
	uint32_t id;        /**< makes ring and table names unique */
	uint16_t poll_next; /**< the worker events_poll starts at */
	uint64_t ring_full_spins;
	struct dp_plane_backlog backlog;
};

/**
 * Build the fast path for @p params over the started port @p port_id (as
 * dp_port_init() described it in @p port): the shared facts, then for each
 * worker its command and event rings, its handoff rings to every other
 * worker, its allocation table and its Data indication transaction-ID
 * prefix (from the kernel's CSPRNG).  Worker i runs on @p lcores[i].
 * @p rings may be NULL for the default sizes.
 * @return the plane, or NULL with a message in @p err.
 */
struct dp_plane *
dp_plane_create(const struct tp_plane_params *params, uint16_t port_id,
		const struct dp_port_info *port, struct rte_mempool *pool,
		const unsigned int lcores[], const struct dp_plane_rings *rings,
		char *err, size_t err_len);

/** Start every worker's loop (dp_worker_run) on its lcore.
 *  @return 0 or -errno (then none runs). */
int dp_plane_launch(struct dp_plane *pl);

/** Tell the workers to quit and wait until every loop has returned. */
void dp_plane_stop(struct dp_plane *pl);

/**
 * Stop the workers if they run, free every frame still in a ring or a
 * transmit buffer, then the rings, tables and the plane.  NULL is fine.
 */
void dp_plane_destroy(struct dp_plane *pl);

/** Fill @p ops with the doors the control thread uses (turnpike/plane.h). */
void dp_plane_ops(struct dp_plane *pl, struct tp_plane_ops *ops);

#endif /* TURNPIKE_DP_PLANE_H */
