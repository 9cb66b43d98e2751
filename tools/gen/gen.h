/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * turnpike-gen's shared state: options, the one context the single lcore
 * passes to every function, and the functions each file offers the others.
 *
 * The generator plays the whole network on the far side of a TURN relay
 * through one DPDK port: N clients (one allocation each) and M peers.  One
 * lcore does everything, in phases: resolve the server's MAC, set up the
 * allocations (gen_handshake.c), optionally write a pcap and hold, send
 * paced traffic and receive it on both sides (gen_traffic.c), drain,
 * release, report (gen_stats.c).
 */
#ifndef TURNPIKE_GEN_H
#define TURNPIKE_GEN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "gen_auth.h"
#include "gen_plan.h"
#include "gen_session.h"
#include "gen_stats.h"
#include "gen_sweep.h"
#include "turnpike/addr.h"

#define GEN_BURST 32
/** Frames queued for one flush (echoes, handshakes, ARP). */
#define GEN_TXQ_LEN (GEN_BURST * 4)
/** Payload: magic, allocation, sequence, TSC at send (see gen_traffic.c). */
#define GEN_PAYLOAD_MIN 24
/** Largest payload: a Data indication of it still fits a 1500-byte MTU. */
#define GEN_PAYLOAD_MAX 1436
#define GEN_PAYLOAD_MAGIC 0x54504b47u /* "TPKG" */

/** How clients send. */
enum gen_mode {
	GEN_MODE_CHANNEL = 0, /**< ChannelBind, then ChannelData */
	GEN_MODE_SEND,        /**< CreatePermission, then Send indications */
	GEN_MODE_MIXED,       /**< even allocations channel, odd send */
};

/** Command-line options (gen_opts.c). */
struct gen_opts {
	uint16_t port;
	struct tp_addr server;
	struct tp_ip gateway; /**< also answer ARP for it (family 0: none) */
	bool have_server_mac;
	struct rte_ether_addr server_mac;
	struct gen_plan_params plan;
	struct gen_auth_params auth;
	enum gen_mode mode;
	uint64_t rate;     /**< packets/s client -> peer; 0 = flat out */
	uint32_t size;     /**< payload bytes */
	uint32_t size_max; /**< > size: each payload size..size_max bytes */
	double duration_s;
	uint32_t window; /**< outstanding transactions */
	uint32_t rto_ms;
	uint32_t tries;
	uint32_t lifetime_s; /**< LIFETIME asked for; 0 = server default */
	uint32_t perm_refresh_s;
	uint32_t chan_refresh_s;
	uint32_t drain_ms;
	uint32_t idle_sleep_us;
	uint32_t progress_s; /**< 0 = no progress lines */
	const char *pcap_out;
	bool echo;
	bool json;
	bool hold;
	bool floor;
	bool release;
	/* --search (gen_search.c) */
	bool search;
	double trial_s;      /**< seconds a trial sends */
	double loss_max;     /**< fraction a trial may lose and pass */
	uint64_t search_max; /**< top rate; 0: a flat-out trial measures it */
	double resolution;   /**< stop when the bracket is this share of top */
	uint32_t call_pps;   /**< calls: each allocation this many packets/s */
	uint16_t queues; /**< queue pairs; > 1: traffic on that many lcores */
};

/** Phases of a run. */
enum gen_phase {
	GEN_PHASE_RESOLVE = 0,
	GEN_PHASE_SETUP,
	GEN_PHASE_HOLD,
	GEN_PHASE_TRAFFIC,
	GEN_PHASE_DRAIN,
	GEN_PHASE_RELEASE,
	GEN_PHASE_DONE,
};

/** Everything the lcore works with. */
struct gen {
	struct gen_opts o;
	enum gen_phase phase;
	volatile sig_atomic_t *stop; /**< SIGINT count */
	uint64_t hz;
	double ns_per_tick;
	/* port: TX on txq, RX from queues rxq0 .. rxq0 + n_rxq - 1 */
	uint16_t txq;
	uint16_t rxq0;
	uint16_t n_rxq;
	bool lane; /**< a traffic lane of --queues (gen_lanes.c): no handshakes */
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	struct rte_ether_addr server_mac;
	bool server_mac_known;
	bool tx_ip_cksum;
	bool tx_udp_cksum;
	struct rte_mbuf *ctl[GEN_TXQ_LEN]; /**< handshakes, ARP */
	uint16_t n_ctl;
	struct rte_mbuf *echo[GEN_TXQ_LEN]; /**< peer -> relay */
	uint16_t n_echo;
	/* sessions */
	struct gen_plan plan;
	struct gen_auth auth;
	struct gen_sess_ctx sctx;
	struct gen_session *sess; /**< [plan.n_clients] */
	uint32_t next_start;      /**< sessions started so far */
	uint32_t outstanding;     /**< sessions with a transaction in flight */
	uint32_t sweep;           /**< timer sweep cursor */
	struct gen_sweep_pace sweep_pace; /**< the traffic phase's sweep */
	uint32_t release_cursor;
	uint32_t n_ready;
	uint32_t n_failed;      /**< set-up failures */
	uint64_t setup_first;   /**< TSC of the first Allocate */
	uint64_t setup_last;    /**< TSC of the last set-up success */
	uint64_t next_wall;     /**< TSC of the next wall-clock update */
	uint64_t next_progress; /**< TSC of the next --progress line */
	uint64_t progress_sent; /**< counters at the last line */
	uint64_t progress_recv;
	/* traffic */
	uint32_t *live; /**< usable sessions, round-robin order */
	uint32_t n_live;
	uint32_t n_active; /**< the first n_active of live[] carry traffic (0: all) */
	uint32_t rr;
	bool sending;
	uint64_t seq;
	uint64_t t_traffic0;                 /**< TSC at traffic start */
	uint64_t t_traffic_end;              /**< TSC sending stopped (lanes) */
	uint64_t attempts;                   /**< frames built for the port */
	struct rte_mbuf *pending[GEN_BURST]; /**< built, not yet taken */
	uint16_t n_pending;
	uint64_t last_traffic_rx; /**< TSC of the last relayed datagram in */
	uint8_t fill[GEN_PAYLOAD_MAX]; /**< payload bytes after the header */
	struct gen_stats st;
	struct gen_search_report search; /**< --search's trials */
};

/* gen_main.c */
/** Run @p phase until it is done, @p deadline (TSC, 0: none) or a SIGINT. */
void gen_run_phase(struct gen *g, enum gen_phase phase, uint64_t deadline);

/* gen_lanes.c */
/** --queues K > 1: the traffic phase on K lcores, lane i sending on queue i
 *  for the allocations turnpike's worker i owns and receiving from queue
 *  i; then their counters and latencies merged into g.
 *  @return the traffic seconds, or -1 (too few lcores, no memory). */
double gen_lanes_run(struct gen *g);

/* gen_search.c */
/** --search: bisect the offered rate (or, with --call-pps, the allocations
 *  carrying calls) for the highest one the relay carries within
 *  --loss-max; fills g->search.  @return the sending seconds of the trial
 *  whose counters g->st now holds (the zero-loss one, else the last). */
double gen_search_run(struct gen *g);

/* gen_opts.c */
/** Parse the options after "--".  @return 0, 1 (--help printed) or -EINVAL. */
int gen_opts_parse(struct gen_opts *o, int argc, char **argv);

/* gen_port.c */
/** Configure and start the port; fill g->mac and the offloads. */
int gen_port_init(struct gen *g, char *err, size_t err_len);
/** Stop and close the port. */
void gen_port_fini(struct gen *g);
/** Send @p n frames now; free and count what the port refuses. */
uint16_t gen_port_tx(struct gen *g, struct rte_mbuf **m, uint16_t n);
/** Queue a control frame (ARP, handshake) for the next flush. */
void gen_ctl_enqueue(struct gen *g, struct rte_mbuf *m);
/** Send the queued control frames and echoes. */
void gen_port_flush(struct gen *g);
/** Prepend headers to a UDP payload mbuf, to the server's MAC. */
int gen_port_udp_push(struct gen *g, struct rte_mbuf *m,
		      const struct tp_addr *src, const struct tp_addr *dst);

/* gen_arp.c */
/** Handle an ARP frame (answer for our IPs, learn the server's MAC). */
void gen_arp_input(struct gen *g, struct rte_mbuf *m);
/** Broadcast a who-has for the server from the first client IP. */
void gen_arp_request_server(struct gen *g);

/* gen_nd.c */
struct dp_ip6;
/** Handle an ICMPv6 packet (answer solicitations for our IPs, learn the
 *  server's MAC).  Takes ownership of @p m. */
void gen_nd_input(struct gen *g, struct rte_mbuf *m, const struct dp_ip6 *ip6);
/** Multicast a solicitation for the server from the first client IP. */
void gen_nd_solicit_server(struct gen *g);

/* gen_handshake.c */
/** Allocate and initialise the sessions. @return 0 or -ENOMEM. */
int gen_hs_init(struct gen *g);
/** Free the sessions. */
void gen_hs_fini(struct gen *g);
/** Start sessions up to the window and run timers; once per loop turn. */
void gen_hs_poll(struct gen *g, uint64_t now);
/** A STUN response for client @p idx. */
void gen_hs_on_response(struct gen *g, uint32_t idx, const struct stun_msg *msg,
			uint64_t now);
/** True once every session is usable or failed. */
bool gen_hs_setup_done(const struct gen *g);
/** True once every release is answered or given up. */
bool gen_hs_release_done(const struct gen *g);

/* gen_traffic.c */
/** Receive one burst and handle every frame.  @return frames received. */
unsigned int gen_rx_poll(struct gen *g, uint64_t now);
/** Send the traffic due at @p now.  @return frames sent. */
unsigned int gen_traffic_send(struct gen *g, uint64_t now);
/** Start the traffic phase at @p now. */
void gen_traffic_start(struct gen *g, uint64_t now);
/** Write one client frame per usable allocation to @p path. */
int gen_traffic_export_pcap(struct gen *g, const char *path);
/** Floor mode: every client is "usable" with no TURN set-up. */
void gen_traffic_floor_setup(struct gen *g);

#endif /* TURNPIKE_GEN_H */
