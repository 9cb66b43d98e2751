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

#include "turnpike/addr.h"
#include "dp_counters.h"
#include "dp_neigh.h"
#include "dp_table.h"

#define DP_MAX_WORKERS 64
#define DP_MAX_LISTEN 8
#define DP_MAX_RELAY_IPS 64
#define DP_MAX_LOCAL_NETS 16
#define DP_BURST 32
/** Drain the command ring every this many loop turns (and when idle). */
#define DP_CMD_DRAIN_EVERY 16

/** Start-up facts every worker reads and nobody writes after launch. */
struct dp_shared {
	struct rte_ether_addr mac;
	uint16_t port_id;
	uint16_t n_workers;
	uint16_t n_rx_queues;
	uint16_t listen_port;
	uint16_t min_port;
	uint16_t max_port;
	uint16_t n_listen;
	uint16_t n_relay;
	uint16_t n_local;
	uint16_t chan_max;         /**< highest channel number accepted */
	struct tp_ip listen_ips[DP_MAX_LISTEN];
	struct tp_ip relay_ips[DP_MAX_RELAY_IPS];
	struct tp_ip_range local_nets[DP_MAX_LOCAL_NETS];
	struct tp_ip gateway;      /**< family TP_AF_NONE if none */
	bool tx_ip_cksum_offload;
	bool tx_udp_cksum_offload;
	uint32_t idle_sleep_us;    /**< sleep after idle polls; 0 = busy poll */
	uint64_t tsc_hz;
};

/** One worker. */
struct dp_worker {
	uint16_t id;
	uint16_t lcore;
	const struct dp_shared *sh;
	struct rte_mempool *pool;
	struct rte_ring *cmd_ring;                   /**< control -> me */
	struct rte_ring *evt_ring;                   /**< me -> control */
	struct rte_ring *handoff_in[DP_MAX_WORKERS]; /**< [j]: worker j -> me */
	struct rte_ring *handoff_out[DP_MAX_WORKERS];/**< [j]: me -> worker j */
	uint64_t now;                                /**< TSC at burst start */
	uint64_t tid_counter;                        /**< Data indication IDs */
	uint8_t tid_prefix[4];
	uint16_t n_tx;
	struct rte_mbuf *tx[DP_BURST * 4];
	struct dp_table table;
	struct dp_neigh neigh;
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

/** Process one received frame (from the port or a handoff ring). */
void dp_input(struct dp_worker *w, struct rte_mbuf *m);

/** Apply every queued command. */
void dp_cmd_drain(struct dp_worker *w);

/** The worker main loop; runs until *w->quit. */
int dp_worker_run(void *arg);

/** Relay-IP index of @p ip, or -1. */
int dp_relay_ip_index(const struct dp_shared *sh, const struct tp_ip *ip);

#endif /* TURNPIKE_DP_WORKER_H */
