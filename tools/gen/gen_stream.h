/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * turnpike-gen-stream: TURN clients over TCP or TLS on kernel sockets, and
 * the UDP peer that echoes what they relay, in one thread.
 *
 * It loads a server's stream front end the way issue 8's benchmark needs:
 * every client sets up its allocation through the real handshake (401,
 * authenticated Allocate, ChannelBind: tools/gen/gen_session.c, the same
 * state machine as turnpike-gen), then keeps --window ChannelData messages
 * in flight to the peer, which echoes each one back through the relay.  The
 * load is closed-loop: a client sends again only when its echoes come back,
 * so flat out it runs at what the server relays, without piling loss on
 * loss, and the same arguments give every server the same load.
 *
 * It batches where uclient does not, so that one core of generator can
 * outrun one core of server: a client writes all the messages its window
 * allows in one write (one TLS record holds many), reads what is there in
 * one read, and the peer takes and answers datagrams 64 at a time
 * (recvmmsg, sendmmsg).
 *
 *     client i --TCP/TLS--> server --UDP--> peer (echo) --UDP--> server
 *       ^                                                          |
 *       +---------------- TCP/TLS, ChannelData -------------------+
 *
 * One epoll loop owns everything: connections (gen_stream_conn.c), the peer
 * (gen_stream_peer.c), phases, progress and the report
 * (gen_stream_main.c).  Times are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef TURNPIKE_GEN_STREAM_H
#define TURNPIKE_GEN_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "gen_auth.h"
#include "gen_hist.h"
#include "gen_plan.h"
#include "gen_session.h"
#include "turnpike/stream_frame.h"

/** Largest frame a client accepts from the server. */
#define GS_RX_CAP 4096
/** Output buffer per client: a window of messages, or a request. */
#define GS_TX_CAP 65536
/** Datagrams the peer takes per recvmmsg and answers per sendmmsg. */
#define GS_PEER_BATCH 64
/** Largest datagram the peer takes. */
#define GS_PEER_DGRAM 2048
/** Bytes of the payload that carry the send time (ns). */
#define GS_STAMP_LEN 8

/** Where a client connection is. */
enum gs_conn_state {
	GS_CONNECTING = 0, /**< TCP connect in progress */
	GS_HANDSHAKE,      /**< TLS handshake in progress */
	GS_SETUP,          /**< TURN: Allocate, ChannelBind */
	GS_READY,          /**< traffic */
	GS_DEAD,           /**< closed: see fail */
};

/** Counters of the whole run: X(name, description). */
#define GS_COUNTER_LIST(X)                                                  \
	X(sent, "ChannelData messages the clients sent")                    \
	X(received, "ChannelData messages the clients received")            \
	X(peer_in, "datagrams the peer received")                           \
	X(peer_out, "datagrams the peer sent back")                         \
	X(peer_send_failed, "datagrams the peer could not send back")       \
	X(bad_echo, "messages back on the wrong channel or too short")      \
	X(window_resets, "windows reopened after 200 ms without an echo")   \
	X(writes, "write/SSL_write calls that wrote")                       \
	X(write_blocked, "writes the kernel or TLS could not take at once") \
	X(reads, "read/SSL_read calls that read")                           \
	X(closed_by_server, "connections the server closed")                \
	X(stream_errors, "connections closed on bytes that are not TURN")   \
	X(connect_failed, "connections refused, reset or timed out")        \
	X(tls_failed, "TLS handshakes that failed")                         \
	X(setup_failed, "allocations refused or unanswered")

enum gs_counter {
#define GS_X_ENUM(name, desc) GS_C_##name,
	GS_COUNTER_LIST(GS_X_ENUM)
#undef GS_X_ENUM
	GS_C__COUNT
};

/** One client: a connection and its allocation. */
struct gs_conn {
	int fd;
	uint32_t index;
	uint8_t state; /**< enum gs_conn_state */
	bool want_out; /**< EPOLLOUT armed: a write is waiting */
	SSL *ssl;      /**< NULL over TCP */
	struct gen_session sess;
	uint64_t t_open;      /**< ns: connect() */
	uint32_t outstanding; /**< messages sent whose echo is not back */
	uint64_t last_echo;   /**< ns: the last echo, or the window's start */
	uint64_t sent, received;
	struct stream_rx rx;
	uint8_t rx_buf[GS_RX_CAP];
	size_t tx_off, tx_len; /**< unwritten bytes: tx_buf[tx_off, tx_len) */
	size_t tls_retry_len;  /**< an SSL_write to repeat with this length */
	uint8_t tx_buf[GS_TX_CAP];
};

/** The command line. */
struct gs_opts {
	struct tp_addr server;
	struct tp_ip local;    /**< clients' source address */
	struct tp_addr peer;   /**< the echo peer binds here */
	struct tp_addr target; /**< where clients tell the relay to send: the
				*   peer, unless --peer-target says otherwise */
	bool tls;
	const char *ca_file; /**< verify the server's certificate; NULL: not */
	uint32_t clients;
	uint32_t window;
	uint32_t size;
	double duration_s;
	uint32_t setup_timeout_ms;
	uint32_t drain_ms;
	uint32_t progress_ms;
	bool wait_start; /**< after set-up, wait for SIGUSR1 */
	struct gen_auth_params auth;
};

/** The run. */
struct gs {
	struct gs_opts o;
	int ep;      /**< epoll */
	int peer_fd; /**< the echo peer's UDP socket */
	SSL_CTX *tls;
	struct gen_auth auth;
	struct gen_plan plan;
	struct gen_sess_ctx sctx;
	struct gs_conn *conns;
	uint32_t n_ready;        /**< allocations set up */
	uint32_t n_setup_failed; /**< connections that died before */
	uint32_t n_lost_live;    /**< and after */
	bool traffic;            /**< clients may send */
	uint64_t c[GS_C__COUNT];
	struct gen_hist rtt;      /**< ns, client to peer and back */
	struct gen_hist setup;    /**< ns, connect() to the channel bound */
	uint64_t tls_versions[4]; /**< sessions by version: 1.2, 1.3, other */
	const char *tls_cipher;   /**< of the last session */
};

/* gen_stream_conn.c */

/** Open client @p i's connection (non-blocking connect) and watch it. */
int gs_conn_open(struct gs *g, struct gs_conn *c, uint32_t i);

/** epoll said @p events for @p c. */
void gs_conn_on_event(struct gs *g, struct gs_conn *c, uint32_t events);

/**
 * The clock: retransmission and keep-alive timers of the allocation, and a
 * window that saw no echo for 200 ms (datagrams lost on the way) reopened.
 */
void gs_conn_on_tick(struct gs *g, struct gs_conn *c, uint64_t now);

/** Traffic began (or a window reopened): fill the window. */
void gs_conn_kick(struct gs *g, struct gs_conn *c, uint64_t now);

/** Close the connection (end of run). */
void gs_conn_close(struct gs *g, struct gs_conn *c);

/* gen_stream_peer.c */

/** Bind the echo peer's socket to @p at.  @return the fd or -errno. */
int gs_peer_open(const struct tp_addr *at);

/** Echo what is waiting, GS_PEER_BATCH at a time, up to @p batches. */
void gs_peer_echo(struct gs *g, unsigned int batches);

/** CLOCK_MONOTONIC in ns. */
uint64_t gs_now(void);

#endif /* TURNPIKE_GEN_STREAM_H */
