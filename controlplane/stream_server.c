/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stream front end (see stream_server.h): TURN over TCP and TLS.
 *
 * Runs on its own thread, created by the server's main().  It owns the
 * listening sockets, every connection (socket, TLS state, buffers) and the
 * per-source counts; it is the single producer of the control thread's
 * stream queue, the single producer of every worker's stream-in ring and
 * the single consumer of every worker's stream-out ring.
 *
 * DESIGN
 *
 * One epoll loop.  A turn: wait for socket events (at most a millisecond,
 * not at all while the workers keep handing us data), read what is ready
 * and cut it into frames (turnpike/stream_frame.h), then take what the
 * workers have for our clients and write it, then, every 100 ms, close what
 * overstayed a deadline.  The workers cannot wake us (they make no system
 * calls), hence the millisecond bound on the wait.
 *
 * A connection's id is its slot in the table and a generation in the high
 * bits, so a message for a connection that closed, and whose slot was
 * reused, is recognised as stale and dropped.
 *
 * Writing: straight to the socket while nothing waits; otherwise, and for
 * what the socket did not take, into the connection's send buffer, whole
 * messages only: a message that does not fit is dropped (a slow reader
 * loses datagrams, as it would over UDP) and counted.  The buffer is
 * allocated the first time it is needed: most connections never need one.
 *
 * Whether a connection holds an allocation is read off the responses it
 * is sent (an Allocate success, a Refresh success with LIFETIME 0), so the
 * idle deadline applies only to connections without one, without another
 * message between the threads.
 */
#define _GNU_SOURCE /* accept4, pthread_setname_np */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "stream_server.h"
#include "turnpike/dp_msg.h"
#include "turnpike/stream_frame.h"
#include "turnpike/stun.h"
#include "turnpike/xlist.h"

#define CONN_IDX_BITS 20
#define CONN_IDX_MASK ((1u << CONN_IDX_BITS) - 1)
#define LISTENER_TAG (1ull << 63)
#define RX_CAP (STREAM_REQ_MAX + 4) /* the longest frame we take, padded */
#define EPOLL_BATCH 64
#define OUT_BATCH 64
#define OUT_BUDGET 2048 /* per worker and turn: drain_workers() */
#define SWEEP_MS 100

enum conn_state {
	CONN_FREE = 0,
	CONN_HANDSHAKE,
	CONN_OPEN
};

struct conn {
	int fd;
	uint8_t state; /* enum conn_state */
	uint8_t transport;
	bool has_alloc;   /* an Allocate succeeded, not yet released */
	bool asked_alloc; /* sent an Allocate: tell the control plane
				   when the connection ends */
	bool want_out;    /* EPOLLOUT armed */
	bool dirty;       /* on the list of connections to flush */
	uint32_t gen;
	SSL *ssl; /* TLS only */
	struct tp_addr client, local;
	uint64_t born_ms, last_ms;
	uint8_t *rx; /* RX_CAP bytes */
	size_t rx_len;
	uint8_t *tx; /* send_buffer bytes, once needed */
	size_t tx_off, tx_len;
	uint32_t next_free;
	uint32_t next_dirty;
};

/* Connections per client IP: open addressing, backward-shift deletion. */
struct src_slot {
	struct tp_ip ip;
	uint32_t n; /* 0 = empty */
};

struct stream_server {
	struct stream_params p;
	struct tp_plane_ops plane;
	struct stream_queue *q;
	int ep;
	int lfd[STREAM_MAX_LISTENERS];
	struct conn *conns;  /* [p.max_conns] */
	uint32_t free_head;  /* UINT32_MAX = none */
	uint32_t dirty_head; /* connections written to this turn */
	_Atomic uint32_t n_conns;
	struct src_slot *src; /* [src_mask + 1] */
	uint32_t src_mask;
	uint64_t next_sweep_ms;
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	uint64_t c[STREAM_C__COUNT];
};

static const char *const counter_names[] = { STREAM_COUNTER_LIST(TP_XLIST_NAME) };

const char *
stream_counter_name(enum stream_counter c)
{
	return TP_XLIST_LOOKUP(counter_names, c);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
count(struct stream_server *s, enum stream_counter c)
{
	/* One writer; readers on other threads load whole 64-bit words. */
	__atomic_store_n(&s->c[c], s->c[c] + 1, __ATOMIC_RELAXED);
}

uint64_t
stream_server_counter(const struct stream_server *s, enum stream_counter c)
{
	return (unsigned int)c < STREAM_C__COUNT ?
		       __atomic_load_n(&s->c[c], __ATOMIC_RELAXED) :
		       0;
}

uint32_t
stream_server_conns(const struct stream_server *s)
{
	return atomic_load_explicit(&s->n_conns, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* Per-source counts                                                   */
/* ------------------------------------------------------------------ */

static uint32_t
src_hash(const struct stream_server *s, const struct tp_ip *ip)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(ip->bytes); i++)
		h = (h ^ ip->bytes[i]) * 16777619u;
	return (h ^ ip->family) & s->src_mask;
}

static struct src_slot *
src_find(struct stream_server *s, const struct tp_ip *ip)
{
	uint32_t i = src_hash(s, ip);

	/* The table has twice the slots of max_conns: never full. */
	while (s->src[i].n != 0 && !tp_ip_equal(&s->src[i].ip, ip))
		i = (i + 1) & s->src_mask;
	return &s->src[i];
}

static void
src_release(struct stream_server *s, const struct tp_ip *ip)
{
	struct src_slot *e = src_find(s, ip);
	uint32_t i, j;

	if (e->n == 0 || --e->n > 0)
		return;
	/* Backward shift: later entries of the run move into the hole. */
	i = (uint32_t)(e - s->src);
	j = i;
	for (;;) {
		uint32_t home;

		j = (j + 1) & s->src_mask;
		if (s->src[j].n == 0)
			break;
		home = src_hash(s, &s->src[j].ip);
		if (((j - home) & s->src_mask) >= ((j - i) & s->src_mask)) {
			s->src[i] = s->src[j];
			s->src[j].n = 0;
			i = j;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */
/* ------------------------------------------------------------------ */

static uint32_t
conn_id(const struct stream_server *s, const struct conn *c)
{
	return c->gen << CONN_IDX_BITS | (uint32_t)(c - s->conns);
}

static struct conn *
conn_by_id(struct stream_server *s, uint32_t id)
{
	uint32_t idx = id & CONN_IDX_MASK;
	struct conn *c;

	if (idx >= s->p.max_conns)
		return NULL;
	c = &s->conns[idx];
	return c->state != CONN_FREE && conn_id(s, c) == id ? c : NULL;
}

/* Tell the control thread something about @c.  @return false if full. */
static bool
note(struct stream_server *s, const struct conn *c, uint8_t kind,
     const uint8_t *data, size_t len)
{
	struct stream_note *n = stream_queue_reserve(s->q);

	if (n == NULL)
		return false;
	n->kind = kind;
	n->transport = c->transport;
	n->conn = conn_id(s, c);
	n->client = c->client;
	n->local = c->local;
	n->len = (uint16_t)len;
	if (len > 0)
		memcpy(n->data, data, len);
	stream_queue_push(s->q);
	return true;
}

static void
conn_close(struct stream_server *s, struct conn *c, enum stream_counter why)
{
	if (why != STREAM_C_closed)
		count(s, why);
	count(s, STREAM_C_closed);
	/* RFC 8656 section 3.1: the allocation ends with its connection.  A
	 * lost note leaves it to expire on its own. */
	if (c->asked_alloc)
		(void)note(s, c, STREAM_NOTE_CLOSED, NULL, 0);
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl != NULL) {
		if (c->state == CONN_OPEN)
			(void)SSL_shutdown(c->ssl); /* best effort close_notify */
		SSL_free(c->ssl);
	}
	close(c->fd);
	src_release(s, &c->client.ip);
	free(c->rx);
	free(c->tx);
	c->ssl = NULL;
	c->rx = c->tx = NULL;
	c->state = CONN_FREE;
	c->gen = (c->gen + 1) & (UINT32_MAX >> CONN_IDX_BITS);
	c->next_free = s->free_head;
	s->free_head = (uint32_t)(c - s->conns);
	atomic_fetch_sub_explicit(&s->n_conns, 1, memory_order_relaxed);
}

static void
want_out(struct stream_server *s, struct conn *c, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
				  .data.u64 = conn_id(s, c) };

	if (c->want_out == on)
		return;
	if (on)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = on;
}

/*
 * Write @len bytes straight to the connection.  @return bytes written (0
 * when it would block), or -1 when the connection failed.
 */
static ssize_t
conn_write(struct conn *c, const uint8_t *data, size_t len)
{
	if (c->ssl == NULL) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		return n;
	}
	int n = SSL_write(c->ssl, data, (int)len);

	if (n > 0)
		return n;
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		ERR_clear_error();
		return -1;
	}
}

/* Send what the send buffer holds.  @return -1 if the connection failed. */
static int
conn_flush(struct stream_server *s, struct conn *c)
{
	while (c->tx_len > 0) {
		ssize_t n = conn_write(c, c->tx + c->tx_off, c->tx_len);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		c->tx_off += (size_t)n;
		c->tx_len -= (size_t)n;
	}
	if (c->tx_len == 0)
		c->tx_off = 0;
	want_out(s, c, c->tx_len > 0);
	return 0;
}

/* Queue @len bytes behind what waits.  @return false if they do not fit. */
static bool
conn_buffer(struct stream_server *s, struct conn *c, const uint8_t *data,
	    size_t len)
{
	if (c->tx == NULL) {
		c->tx = malloc(s->p.send_buffer);
		if (c->tx == NULL)
			return false;
	}
	if (c->tx_len + len > s->p.send_buffer)
		return false;
	if (c->tx_off + c->tx_len + len > s->p.send_buffer) {
		memmove(c->tx, c->tx + c->tx_off, c->tx_len);
		c->tx_off = 0;
	}
	memcpy(c->tx + c->tx_off + c->tx_len, data, len);
	c->tx_len += len;
	return true;
}

/* Follow whether @c holds an allocation from a response it is sent. */
static void
track_alloc(struct conn *c, const uint8_t *msg, size_t len)
{
	struct stun_msg m;
	uint32_t lifetime;

	if (!stun_is_stun(msg, len))
		return;
	uint16_t type = stun_msg_type(msg);

	if (type == stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS))
		c->has_alloc = true;
	else if (type == stun_type(STUN_METHOD_REFRESH, STUN_CLASS_SUCCESS) &&
		 stun_msg_decode(&m, msg, len) == STUN_OK &&
		 stun_msg_get_u32(&m, STUN_SLOT_LIFETIME, &lifetime) == 0 &&
		 lifetime == 0)
		c->has_alloc = false;
}

/*
 * A message a worker handed us for connection @id: queued whole behind what
 * waits, or dropped whole when the send buffer is full (a slow reader loses
 * datagrams, as over UDP).  The connection is written once, after the turn
 * has drained every worker (flush_dirty): one system call and, over TLS,
 * one record for every message of the turn, not one each.
 */
static void
deliver(struct stream_server *s, uint32_t id, const uint8_t *data, size_t len)
{
	struct conn *c = conn_by_id(s, id);

	if (c == NULL || c->state != CONN_OPEN) {
		count(s, STREAM_C_data_out_gone);
		return;
	}
	track_alloc(c, data, len);
	if (!conn_buffer(s, c, data, len)) {
		count(s, STREAM_C_data_out_lost);
		return;
	}
	count(s, STREAM_C_data_out);
	if (!c->dirty) {
		c->dirty = true;
		c->next_dirty = s->dirty_head;
		s->dirty_head = (uint32_t)(c - s->conns);
	}
}

/* Write every connection deliver() queued to this turn. */
static void
flush_dirty(struct stream_server *s)
{
	while (s->dirty_head != UINT32_MAX) {
		struct conn *c = &s->conns[s->dirty_head];

		s->dirty_head = c->next_dirty;
		c->dirty = false;
		/* Waiting for EPOLLOUT already: the socket is full. */
		if (c->state == CONN_OPEN && !c->want_out && conn_flush(s, c) != 0)
			conn_close(s, c, STREAM_C_closed);
	}
}

/* One whole frame from @c's client. */
static void
frame_in(struct stream_server *s, struct conn *c, const uint8_t *data,
	 const struct stream_frame *f)
{
	uint16_t worker;
	int rc;

	c->last_ms = now_ms();
	if (f->kind == STREAM_FRAME_STUN) {
		uint16_t type = stun_msg_type(data);

		if (stun_type_class(type) == STUN_CLASS_REQUEST) {
			if (stun_type_method(type) == STUN_METHOD_ALLOCATE)
				c->asked_alloc = true;
			if (note(s, c, STREAM_NOTE_REQUEST, data, f->msg_len))
				count(s, STREAM_C_requests);
			else
				count(s, STREAM_C_requests_lost);
			return;
		}
		if (type != stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION)) {
			count(s, STREAM_C_not_request);
			return;
		}
	}
	/* ChannelData or a Send indication: to the allocation's worker. */
	worker = dp_owner_of_client(&c->client, s->plane.n_workers);
	rc = s->plane.stream_send(s->plane.ctx, worker, &c->client, &c->local,
				  c->transport, data, f->msg_len);
	count(s, rc == 0 ? STREAM_C_data_in : STREAM_C_data_in_lost);
}

/* Cut what @c received into frames.  @return -1 if @c was closed. */
static int
frames_in(struct stream_server *s, struct conn *c)
{
	struct stream_frame f;
	size_t off = 0;
	int rc;

	while ((rc = stream_frame_next(c->rx + off, c->rx_len - off,
				       STREAM_REQ_MAX, &f)) == 1) {
		frame_in(s, c, c->rx + off, &f);
		off += f.len;
		if (c->state == CONN_FREE)
			return -1;
	}
	if (rc < 0) {
		conn_close(s, c,
			   rc == -EMSGSIZE ? STREAM_C_too_long :
					     STREAM_C_bad_stream);
		return -1;
	}
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	return 0;
}

/* Read what is ready.  @return -1 if @c was closed. */
static int
conn_read(struct stream_server *s, struct conn *c)
{
	for (;;) {
		size_t room = RX_CAP - c->rx_len;
		ssize_t n;

		if (room == 0) { /* a frame longer than we take */
			conn_close(s, c, STREAM_C_too_long);
			return -1;
		}
		if (c->ssl == NULL) {
			n = recv(c->fd, c->rx + c->rx_len, room, 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return 0;
		} else {
			int r = SSL_read(c->ssl, c->rx + c->rx_len, (int)room);

			n = r;
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);

				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					return 0;
				ERR_clear_error();
				n = -1;
			}
		}
		if (n <= 0) { /* closed by the client, or failed */
			conn_close(s, c, STREAM_C_closed);
			return -1;
		}
		c->rx_len += (size_t)n;
		if (frames_in(s, c) != 0)
			return -1;
	}
}

/* Continue a TLS handshake.  @return -1 if @c was closed. */
static int
conn_handshake(struct stream_server *s, struct conn *c)
{
	int r = SSL_accept(c->ssl);

	if (r == 1) {
		c->state = CONN_OPEN;
		return 0;
	}
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		want_out(s, c, false);
		return 0;
	case SSL_ERROR_WANT_WRITE:
		want_out(s, c, true);
		return 0;
	default:
		ERR_clear_error();
		conn_close(s, c, STREAM_C_tls_handshake_failed);
		return -1;
	}
}

static void
conn_event(struct stream_server *s, struct conn *c, uint32_t events)
{
	if (c->state == CONN_HANDSHAKE) {
		if (conn_handshake(s, c) != 0 || c->state != CONN_OPEN)
			return;
		want_out(s, c, false);
	}
	if ((events & EPOLLOUT) && conn_flush(s, c) != 0) {
		conn_close(s, c, STREAM_C_closed);
		return;
	}
	/* Read on errors and hang-ups too: they end as a read of 0 or -1. */
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		(void)conn_read(s, c);
}

static int
addr_from_sockaddr(struct tp_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		a->ip.family = TP_AF_INET;
		memcpy(a->ip.bytes, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		a->ip.family = TP_AF_INET6;
		memcpy(a->ip.bytes, &in6->sin6_addr, 16);
		a->port = ntohs(in6->sin6_port);
		return 0;
	}
	return -1;
}

/* Take a connection @fd from @client on listener @li, or refuse it. */
static void
conn_open(struct stream_server *s, int fd, const struct stream_listen *li,
	  const struct sockaddr_storage *peer)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct src_slot *src;
	struct tp_addr client;
	struct conn *c;
	int one = 1;

	if (addr_from_sockaddr(&client, peer) != 0) {
		close(fd);
		return;
	}
	if (s->free_head == UINT32_MAX) {
		count(s, STREAM_C_refused_total);
		close(fd);
		return;
	}
	src = src_find(s, &client.ip);
	if (src->n >= s->p.max_per_source) {
		count(s, STREAM_C_refused_source);
		close(fd);
		return;
	}
	c = &s->conns[s->free_head];
	c->rx = malloc(RX_CAP);
	if (c->rx == NULL) {
		close(fd);
		return;
	}
	if (li->transport == TP_TRANSPORT_TLS) {
		c->ssl = SSL_new(s->p.tls);
		if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1) {
			SSL_free(c->ssl);
			c->ssl = NULL;
			free(c->rx);
			c->rx = NULL;
			ERR_clear_error();
			close(fd);
			return;
		}
		SSL_set_mode(c->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
					     SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	s->free_head = c->next_free;
	src->ip = client.ip;
	src->n++;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->transport = li->transport;
	c->state = c->ssl != NULL ? CONN_HANDSHAKE : CONN_OPEN;
	c->client = client;
	c->local = li->addr;
	c->born_ms = c->last_ms = now_ms();
	c->rx_len = c->tx_off = c->tx_len = 0;
	c->has_alloc = c->asked_alloc = c->want_out = c->dirty = false;
	atomic_fetch_add_explicit(&s->n_conns, 1, memory_order_relaxed);
	count(s, STREAM_C_accepted);
	ev.data.u64 = conn_id(s, c);
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		conn_close(s, c, STREAM_C_closed);
}

static void
listener_event(struct stream_server *s, unsigned int i)
{
	/* A bounded batch, so one busy listener cannot starve the rest. */
	for (int k = 0; k < EPOLL_BATCH; k++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(s->lfd[i], (struct sockaddr *)&peer, &plen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		conn_open(s, fd, &s->p.listen[i], &peer);
	}
}

/* Close what overstayed: handshakes, and idle connections without an
 * allocation. */
static void
sweep(struct stream_server *s, uint64_t now)
{
	for (uint32_t i = 0; i < s->p.max_conns; i++) {
		struct conn *c = &s->conns[i];

		if (c->state == CONN_HANDSHAKE &&
		    now - c->born_ms > s->p.handshake_timeout_ms)
			conn_close(s, c, STREAM_C_tls_handshake_timeout);
		else if (c->state == CONN_OPEN && !c->has_alloc &&
			 now - c->last_ms > s->p.idle_timeout_ms)
			conn_close(s, c, STREAM_C_idle_timeout);
	}
}

/*
 * What the workers have for our clients.  @return messages taken.
 *
 * Each worker's ring is emptied, up to OUT_BUDGET messages a turn, not one
 * batch of it: a turn reads up to EPOLL_BATCH connections, and one read
 * can carry many messages, all of which the peers answer.  Taking a fixed
 * batch out per turn while an unbounded number come in let the rings
 * fill and drop (stream_ring_full) with the thread far from busy.  The
 * budget keeps one turn short enough that reads are not starved.
 */
static unsigned int
drain_workers(struct stream_server *s)
{
	struct tp_stream_msg m[OUT_BATCH];
	unsigned int total = 0;

	for (uint16_t w = 0; w < s->plane.n_workers; w++) {
		unsigned int n, taken = 0;

		do {
			n = s->plane.stream_poll(s->plane.ctx, w, m, OUT_BATCH);
			for (unsigned int i = 0; i < n; i++) {
				deliver(s, m[i].conn, m[i].data, m[i].len);
				s->plane.stream_done(s->plane.ctx, m[i].handle);
			}
			taken += n;
		} while (n == OUT_BATCH && taken < OUT_BUDGET);
		total += taken;
	}
	return total;
}

static void *
stream_thread(void *arg)
{
	struct stream_server *s = arg;
	struct epoll_event evs[EPOLL_BATCH];
	bool busy = false;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		int n = epoll_wait(s->ep, evs, EPOLL_BATCH, busy ? 0 : 1);
		uint64_t now;

		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			struct conn *c;

			if (tag & LISTENER_TAG) {
				listener_event(s, (unsigned int)(tag & 0xFF));
				continue;
			}
			c = conn_by_id(s, (uint32_t)tag);
			if (c != NULL)
				conn_event(s, c, evs[i].events);
		}
		busy = drain_workers(s) > 0;
		flush_dirty(s);
		now = now_ms();
		if (now >= s->next_sweep_ms) {
			sweep(s, now);
			s->next_sweep_ms = now + SWEEP_MS;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Set-up and tear-down (main thread)                                  */
/* ------------------------------------------------------------------ */

static int
listen_on(const struct stream_listen *li, char *err, size_t err_len)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char text[TP_ADDR_STRLEN];
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (li->addr.ip.family == TP_AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(li->addr.port);
		memcpy(&in->sin_addr, li->addr.ip.bytes, 4);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(li->addr.port);
		memcpy(&in6->sin6_addr, li->addr.ip.bytes, 16);
		len = sizeof(*in6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/*
	 * Free bind: where the fast path owns the NIC the kernel may not hold
	 * the address at all, and the server must still start (its UDP works;
	 * TCP and TLS wait until the host gives the kernel the address).
	 */
	if (fd >= 0)
		(void)setsockopt(fd,
				 ss.ss_family == AF_INET ? IPPROTO_IP :
							   IPPROTO_IPV6,
				 ss.ss_family == AF_INET ? IP_FREEBIND :
							   IPV6_FREEBIND,
				 &one, sizeof(one));
	if (fd >= 0 &&
	    (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	     bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	     listen(fd, 1024) != 0)) {
		int e = errno;

		close(fd);
		fd = -1;
		errno = e;
	}
	if (fd < 0)
		snprintf(err, err_len, "cannot listen on %s (%s): %s",
			 tp_addr_format(&li->addr, text, sizeof(text)),
			 tp_transport_name(li->transport), strerror(errno));
	return fd;
}

struct stream_server *
stream_server_create(const struct stream_params *p,
		     const struct tp_plane_ops *plane, struct stream_queue *q,
		     char *err, size_t err_len)
{
	struct stream_server *s;
	uint32_t src_slots = 2;

	if (p->n_listen == 0 || p->n_listen > STREAM_MAX_LISTENERS ||
	    p->max_conns == 0 || p->max_conns > CONN_IDX_MASK ||
	    p->max_per_source == 0 || p->send_buffer == 0) {
		snprintf(err, err_len, "stream: bad parameters");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto nomem;
	s->p = *p;
	s->plane = *plane;
	s->q = q;
	s->ep = -1;
	for (unsigned int i = 0; i < STREAM_MAX_LISTENERS; i++)
		s->lfd[i] = -1;
	while (src_slots < 2 * p->max_conns)
		src_slots *= 2;
	s->conns = calloc(p->max_conns, sizeof(*s->conns));
	s->src = calloc(src_slots, sizeof(*s->src));
	if (s->conns == NULL || s->src == NULL)
		goto nomem;
	s->src_mask = src_slots - 1;
	for (uint32_t i = 0; i < p->max_conns; i++)
		s->conns[i].next_free = i + 1 < p->max_conns ? i + 1 : UINT32_MAX;
	s->free_head = 0;
	s->dirty_head = UINT32_MAX;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep < 0) {
		snprintf(err, err_len, "stream: epoll: %s", strerror(errno));
		stream_server_destroy(s);
		return NULL;
	}
	for (unsigned int i = 0; i < p->n_listen; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u64 = LISTENER_TAG | i };

		if (p->listen[i].transport == TP_TRANSPORT_TLS && p->tls == NULL) {
			snprintf(err, err_len,
				 "stream: a TLS listener without a "
				 "TLS context");
			stream_server_destroy(s);
			return NULL;
		}
		s->lfd[i] = listen_on(&p->listen[i], err, err_len);
		if (s->lfd[i] < 0 ||
		    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd[i], &ev) != 0) {
			stream_server_destroy(s);
			return NULL;
		}
	}
	return s;
nomem:
	snprintf(err, err_len, "stream: out of memory for %u connections",
		 p->max_conns);
	stream_server_destroy(s);
	return NULL;
}

int
stream_server_start(struct stream_server *s)
{
	int rc = pthread_create(&s->thread, NULL, stream_thread, s);

	if (rc != 0)
		return -rc;
	(void)pthread_setname_np(s->thread, "tp-stream");
	s->started = true;
	return 0;
}

void
stream_server_stop(struct stream_server *s)
{
	if (s == NULL || !s->started)
		return;
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
	s->started = false;
}

void
stream_server_destroy(struct stream_server *s)
{
	if (s == NULL)
		return;
	stream_server_stop(s);
	for (uint32_t i = 0; s->conns != NULL && i < s->p.max_conns; i++)
		if (s->conns[i].state != CONN_FREE)
			conn_close(s, &s->conns[i], STREAM_C_closed);
	for (unsigned int i = 0; i < STREAM_MAX_LISTENERS; i++)
		if (s->lfd[i] >= 0)
			close(s->lfd[i]);
	if (s->ep >= 0)
		close(s->ep);
	free(s->conns);
	free(s->src);
	free(s);
}
