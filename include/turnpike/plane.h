/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The boundary between the two planes, as plain C types.
 *
 * The control plane (controlplane/) decides and the fast path (dataplane/)
 * relays; neither includes the other's headers.  They meet here:
 *
 *  - struct tp_plane_params: what the fast path needs to know at start-up,
 *    filled from the configuration by the control plane (cp_setup.c), read
 *    by dataplane/dp_plane.c when it builds the workers;
 *  - struct tp_plane_ops: the doors the control thread uses while running
 *    (send a command, send a reply frame, take events, sum counters),
 *    implemented by dataplane/dp_plane.c over DPDK rings and driven by
 *    controlplane/cp_loop.c, which therefore builds and is tested without
 *    DPDK.
 *
 * Only the server's main() (tools/turnpike.c) sees both sides and hands
 * the one's ops to the other.  The messages that cross are those of
 * turnpike/dp_msg.h; the counters summed are those of turnpike/dp_counters.h.
 */
#ifndef TURNPIKE_PLANE_H
#define TURNPIKE_PLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"
#include "turnpike/dp_counters.h"
#include "turnpike/dp_msg.h"

#define TP_PLANE_MAX_WORKERS 64       /**< fast-path workers at most */
#define TP_PLANE_MAX_LISTEN 8         /**< listening addresses at most */
#define TP_PLANE_MAX_RELAY_IPS 64     /**< relay addresses at most */
#define TP_PLANE_MAX_LOCAL_NETS 16    /**< on-link networks at most */
#define TP_PLANE_MAX_PORT_COUNTERS 32 /**< port_counters() gives at most */

/** What the fast path is told at start-up; nothing changes after launch. */
struct tp_plane_params {
	uint16_t n_workers;         /**< 1..TP_PLANE_MAX_WORKERS */
	uint32_t allocs_per_worker; /**< table slots of each worker */
	uint16_t listen_port;       /**< clients' port on every listen_ips */
	uint16_t min_port;          /**< relay port range, inclusive */
	uint16_t max_port;
	uint16_t chan_max; /**< highest channel number accepted */
	bool udp_clients;  /**< serve clients over UDP (not no-udp) */
	uint16_t n_listen;
	uint16_t n_relay;
	uint16_t n_local;
	struct tp_ip listen_ips[TP_PLANE_MAX_LISTEN];
	struct tp_ip relay_ips[TP_PLANE_MAX_RELAY_IPS];
	/** Networks reached without the gateway (ARP for the peer itself). */
	struct tp_ip_range local_nets[TP_PLANE_MAX_LOCAL_NETS];
	struct tp_ip gateway;   /**< IPv4; family TP_AF_NONE if none */
	struct tp_ip gateway6;  /**< IPv6; family TP_AF_NONE if none */
	uint32_t idle_sleep_us; /**< workers sleep when idle; 0 = busy poll */
	/**
	 * STUN requests each worker hands the control thread per source
	 * prefix and second, and how many a full bucket holds; 0 = no limit
	 * (turnpike/prefix_limit.h).  Over it: drop "punt_limited".
	 */
	uint32_t request_rate;
	uint32_t request_burst; /**< 0 = request_rate */
	/** Prefix lengths the limit keys on; 0 = 24 (IPv4), 48 (IPv6). */
	uint8_t limit_v4_bits, limit_v6_bits;
	/**
	 * The kernel owns ARP on the port's interface (AF_XDP mode, where the
	 * host keeps it, and exception-port mode, where the exception port's
	 * interface stands for it): workers send no ARP requests but ask the control
	 * thread (DP_EVT_NEIGH_MISS), which has the kernel resolve, and report
	 * the next hops they use (DP_EVT_NEIGH_USED).  Set by the server's
	 * main(), not by the configuration.
	 */
	bool neigh_from_kernel;
};

/** A message a worker handed the stream threads (see stream_poll). */
struct tp_stream_msg {
	uint32_t conn;       /**< the connection it is for */
	const uint8_t *data; /**< the bytes to write, as they are */
	size_t len;
	void *handle; /**< give back with stream_done() once written */
};

/** A counter of the port's own machinery, named in full ("xdp.redirected"). */
struct tp_plane_counter {
	const char *name; /**< static storage */
	uint64_t value;
};

/** The fast path's counters, summed over its workers. */
struct tp_plane_stats {
	struct dp_stats total;
	uint64_t busy_cycles;         /**< TSC cycles of loop turns with work */
	uint64_t cmd_ring_full_spins; /**< cmd_send() found a ring full */
};

/**
 * The running fast path as the control thread sees it.  Every callback is
 * called from the control thread only, with @p ctx.
 */
struct tp_plane_ops {
	void *ctx;
	uint16_t n_workers;
	/**
	 * Queue @p cmd on @p worker's command ring.  Never drops: while the
	 * ring is full it waits (and keeps that worker's events moving, so a
	 * worker waiting on us cannot deadlock with us).
	 */
	void (*cmd_send)(void *ctx, uint16_t worker, const struct dp_cmd *cmd);
	/**
	 * Frame @p msg as a UDP datagram from @p from to @p to, toward the
	 * next hop @p next_hop, and queue it on @p worker's command ring after
	 * the commands before it.  @return 0, -EAFNOSUPPORT for an address
	 * family the fast path does not send, -ENOBUFS when no packet buffer
	 * is free, -EMSGSIZE when it does not fit a frame.
	 */
	int (*reply_send)(void *ctx, uint16_t worker,
			  const uint8_t next_hop[DP_MAC_LEN],
			  const struct tp_addr *to, const struct tp_addr *from,
			  const uint8_t *msg, size_t len);
	/**
	 * Take up to @p max events from the workers (what a waiting
	 * cmd_send() set aside first, then each worker's ring in turn).
	 * @return how many were copied to @p ev.
	 */
	unsigned int (*events_poll)(void *ctx, struct dp_evt *ev,
				    unsigned int max);
	/** Give back the frame of a DP_EVT_PACKET once it has been handled. */
	void (*packet_free)(void *ctx, void *mbuf);
	/** Every worker's counters summed, and the plane's own. */
	void (*stats_sum)(void *ctx, struct tp_plane_stats *out);
	/** Worker @p worker's own counters and busy cycles. */
	void (*worker_stats)(void *ctx, uint16_t worker, struct dp_stats *out,
			     uint64_t *busy_cycles);
	/**
	 * The port's own counters beyond the workers' (AF_XDP mode: the XDP
	 * program's, "xdp.<name>"), at most @p max into @p out, called with
	 * @p port_ctx.  NULL when the port has none.  @return how many.
	 */
	unsigned int (*port_counters)(void *port_ctx,
				      struct tp_plane_counter *out,
				      unsigned int max);
	void *port_ctx;

	/*
	 * The stream threads' doors, called from the stream thread only (one
	 * producer and one consumer per ring), never from the control thread.
	 */

	/**
	 * Hand @p len bytes of ChannelData (stream padding removed) or a Send
	 * indication from the stream client (@p client, @p local, @p transport)
	 * to @p worker, which relays it to the peer as it would a UDP client's.
	 * @return 0, -ENOBUFS (no packet buffer, or the ring is full: the
	 * datagram is lost, as UDP would lose it) or -EMSGSIZE.
	 */
	int (*stream_send)(void *ctx, uint16_t worker,
			   const struct tp_addr *client,
			   const struct tp_addr *local, uint8_t transport,
			   const uint8_t *data, size_t len);
	/** Take up to @p max messages @p worker has for stream clients.
	 *  @return how many were filled in @p out. */
	unsigned int (*stream_poll)(void *ctx, uint16_t worker,
				    struct tp_stream_msg *out, unsigned int max);
	/** Give back a message stream_poll() handed out. */
	void (*stream_done)(void *ctx, void *handle);
	/**
	 * Control thread: queue the STUN message @p msg for the stream client
	 * on connection @p conn through @p worker, after the commands before it
	 * (DP_CMD_STREAM_TX).  @return 0, -ENOBUFS or -EMSGSIZE.
	 */
	int (*stream_reply)(void *ctx, uint16_t worker, uint32_t conn,
			    const uint8_t *msg, size_t len);
};

#endif /* TURNPIKE_PLANE_H */
