/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The stream front end (stream_server.c): TURN over TCP and TLS (RFC 8656
 * sections 3.1 and 12.5) for clients behind firewalls that drop UDP, on
 * kernel sockets, in a thread of its own.
 *
 * It accepts connections, runs the TLS handshakes (OpenSSL), frames the
 * byte stream into STUN messages and padded ChannelData, and sends each
 * where a UDP datagram would go: requests to the control thread (through a
 * struct stream_queue), ChannelData and Send indications to the owning
 * fast-path worker (through the plane's stream doors, turnpike/plane.h),
 * which relays them to the UDP peer.  What the workers hand back (replies,
 * padded ChannelData, Data indications) it writes to the connection.
 *
 * Limits keep one client or a flood from hurting the others: connections in
 * total and per source address, a handshake deadline, an idle deadline for a
 * connection without an allocation, a bounded receive buffer (a message too
 * long for it closes the connection), and a bounded send buffer per
 * connection (a slow reader loses datagrams, counted, and never stalls the
 * workers or other clients).  Input that is neither STUN nor ChannelData
 * closes the connection: a stream cannot be resynchronised.
 *
 * Threads: stream_server_create/start/stop/destroy run on the main thread;
 * everything else on the stream thread.  The counters are written by the
 * stream thread only and may be read by any thread (64-bit aligned loads).
 */
#ifndef TURNPIKE_STREAM_SERVER_H
#define TURNPIKE_STREAM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "stream_queue.h"
#include "turnpike/addr.h"
#include "turnpike/plane.h"

/** Listening sockets at most (addresses x ports x transports). */
#define STREAM_MAX_LISTENERS 32

/** Counters: X(name, description). */
#define STREAM_COUNTER_LIST(X)                                             \
	X(accepted, "connections accepted")                                \
	X(closed, "connections closed")                                    \
	X(refused_total, "connections refused: stream-max-connections")    \
	X(refused_source, "connections refused: stream-max-per-source")    \
	X(tls_handshake_failed, "TLS handshakes that failed")              \
	X(tls_handshake_timeout, "TLS handshakes not finished in time")    \
	X(idle_timeout, "connections without an allocation closed idle")   \
	X(bad_stream, "connections closed: neither STUN nor ChannelData")  \
	X(too_long, "connections closed: a message longer than allowed")   \
	X(requests, "requests handed to the control thread")               \
	X(requests_lost, "requests lost: the control thread's queue full") \
	X(data_in, "ChannelData and Send indications to the fast path")    \
	X(data_in_lost, "data lost: no buffer or the worker's ring full")  \
	X(not_request, "STUN messages that are neither request nor Send")  \
	X(data_out, "messages written to clients")                         \
	X(data_out_lost, "messages lost: slow reader's buffer full")       \
	X(data_out_gone, "messages for connections already closed")

enum stream_counter {
#define STREAM_X_ENUM(name, desc) STREAM_C_##name,
	STREAM_COUNTER_LIST(STREAM_X_ENUM)
#undef STREAM_X_ENUM
	STREAM_C__COUNT
};

/** Name of a counter ("accepted"). */
const char *stream_counter_name(enum stream_counter c);

/** One listening socket. */
struct stream_listen {
	struct tp_addr addr;
	uint8_t transport; /**< TP_TRANSPORT_TCP or TP_TRANSPORT_TLS */
};

/** Settings. */
struct stream_params {
	struct stream_listen listen[STREAM_MAX_LISTENERS];
	unsigned int n_listen;
	SSL_CTX *tls;             /**< for TLS listeners; NULL if none */
	uint32_t max_conns;       /**< connections in all, >= 1 */
	uint32_t max_per_source;  /**< connections per client IP, >= 1 */
	uint32_t idle_timeout_ms; /**< no allocation for this long: close */
	uint32_t handshake_timeout_ms; /**< TLS handshake deadline */
	uint32_t send_buffer;          /**< bytes queued per connection, max */
};

struct stream_server;

/**
 * Open every listening socket of @p p and prepare (not start) the thread.
 * @p plane's stream doors are used from the stream thread only;
 * requests and closes go to @p q (its producer is the stream thread).
 * @return the server, or NULL with a message in @p err.
 */
struct stream_server *stream_server_create(const struct stream_params *p,
					   const struct tp_plane_ops *plane,
					   struct stream_queue *q, char *err,
					   size_t err_len);

/** Start the stream thread.  @return 0 or -errno. */
int stream_server_start(struct stream_server *s);

/** Stop the stream thread (bounded: it wakes every millisecond). */
void stream_server_stop(struct stream_server *s);

/** Close every connection and listener and free @p s.  NULL is fine. */
void stream_server_destroy(struct stream_server *s);

/** A counter's current value (any thread). */
uint64_t stream_server_counter(const struct stream_server *s,
			       enum stream_counter c);

/** Connections open now (any thread; approximate while it runs). */
uint32_t stream_server_conns(const struct stream_server *s);

#endif /* TURNPIKE_STREAM_SERVER_H */
