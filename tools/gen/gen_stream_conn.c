/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One turnpike-gen-stream client: a TCP connection (TLS on top with
 * --tls), its allocation set up by the session state machine, and its
 * window of ChannelData in flight.
 *
 *     CONNECTING --writable, no error--> HANDSHAKE (TLS) or SETUP
 *     HANDSHAKE --SSL_do_handshake done--> SETUP
 *     SETUP --gen_session says READY--> READY
 *     any --EOF, error, bytes that are not TURN--> DEAD (counted)
 *
 * Over a stream a request is sent once: RFC 8489 section 6.2.2 has no
 * retransmission on reliable transports, only the 39.5 s transaction
 * timeout (gen_stream_main.c sets the session context so).  Output is
 * appended to one buffer and written as far as the kernel takes it;
 * EPOLLOUT is armed only while bytes wait.  Main thread only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "gen_stream.h"

/* A window with no echo for this long lost datagrams on the way: reopen. */
#define GS_WINDOW_STALL_NS 200000000u
/* Reads per readiness event, so one busy client does not starve others. */
#define GS_READS_PER_EVENT 8

static void conn_dead(struct gs *g, struct gs_conn *c, enum gs_counter why);

static void
conn_watch(struct gs *g, struct gs_conn *c, bool out)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (out ? EPOLLOUT : 0u),
		.data.u64 = (uint64_t)c->index + 1,
	};

	if (out == c->want_out)
		return;
	c->want_out = out;
	(void)epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

int
gs_conn_open(struct gs *g, struct gs_conn *c, uint32_t i)
{
	struct sockaddr_in local = { .sin_family = AF_INET };
	struct sockaddr_in srv = { .sin_family = AF_INET };
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT,
		.data.u64 = (uint64_t)i + 1,
	};
	int one = 1;

	c->index = i;
	c->state = GS_CONNECTING;
	c->t_open = gs_now();
	c->want_out = true;
	gen_session_init(&c->sess, i, true);
	stream_rx_init(&c->rx, c->rx_buf, sizeof(c->rx_buf));
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	/* Requests are single messages: send them at once.  Traffic goes in
	 * windows, one write each, so Nagle would only add delay. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memcpy(&local.sin_addr, g->o.local.bytes, 4);
	memcpy(&srv.sin_addr, g->o.server.ip.bytes, 4);
	srv.sin_port = htons(g->o.server.port);
	if (bind(c->fd, (const struct sockaddr *)&local, sizeof(local)) != 0 ||
	    (connect(c->fd, (const struct sockaddr *)&srv, sizeof(srv)) != 0 &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		c->state = GS_DEAD;
		return err;
	}
	return 0;
}

void
gs_conn_close(struct gs *g, struct gs_conn *c)
{
	if (c->fd >= 0) {
		(void)epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	c->state = GS_DEAD;
}

static void
conn_dead(struct gs *g, struct gs_conn *c, enum gs_counter why)
{
	if (c->state == GS_DEAD)
		return;
	g->c[why]++;
	if (c->state == GS_READY)
		g->n_lost_live++;
	else
		g->n_setup_failed++;
	gs_conn_close(g, c);
}

/* ---- writing ---- */

/* Write what waits in tx_buf as far as the socket takes it. */
static void
conn_flush(struct gs *g, struct gs_conn *c)
{
	while (c->tx_off < c->tx_len) {
		size_t len = c->tx_len - c->tx_off;
		ssize_t n;

		if (c->ssl != NULL) {
			/* After WANT_WRITE OpenSSL wants the same bytes again:
			 * never fewer than last time. */
			if (c->tls_retry_len > len)
				len = c->tls_retry_len;
			ERR_clear_error();
			n = SSL_write(c->ssl, c->tx_buf + c->tx_off, (int)len);
			if (n <= 0) {
				int e = SSL_get_error(c->ssl, (int)n);

				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ) {
					c->tls_retry_len = len;
					g->c[GS_C_write_blocked]++;
					conn_watch(g, c,
						   e == SSL_ERROR_WANT_WRITE);
					return;
				}
				conn_dead(g, c, GS_C_closed_by_server);
				return;
			}
			c->tls_retry_len = 0;
		} else {
			n = send(c->fd, c->tx_buf + c->tx_off, len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					g->c[GS_C_write_blocked]++;
					conn_watch(g, c, true);
					return;
				}
				conn_dead(g, c, GS_C_closed_by_server);
				return;
			}
		}
		g->c[GS_C_writes]++;
		c->tx_off += (size_t)n;
	}
	c->tx_off = c->tx_len = 0;
	conn_watch(g, c, false);
}

/* Append the request of the session's transaction. */
static void
conn_send_request(struct gs *g, struct gs_conn *c, uint64_t now)
{
	int len;

	gen_session_sent(&g->sctx, &c->sess, now);
	len = gen_session_request(&g->sctx, &c->sess, c->index,
				  c->tx_buf + c->tx_len,
				  sizeof(c->tx_buf) - c->tx_len);
	if (len <= 0)
		return; /* no room or no key yet: the transaction times out */
	c->tx_len += (size_t)len;
	conn_flush(g, c);
}

/* Put as many ChannelData messages as the window allows, then write. */
static void
conn_fill(struct gs *g, struct gs_conn *c, uint64_t now)
{
	size_t msg = stream_channel_data_len(g->o.size);

	if (!g->traffic || c->state != GS_READY)
		return;
	/* A write still waiting for the kernel (or TLS) keeps its bytes
	 * where they are; new messages follow them if there is room. */
	while (c->outstanding < g->o.window &&
	       c->tx_len + msg <= sizeof(c->tx_buf)) {
		uint8_t *p = c->tx_buf + c->tx_len;

		memset(p + CHANNEL_DATA_HEADER_LEN, 0, g->o.size);
		memcpy(p + CHANNEL_DATA_HEADER_LEN, &now, GS_STAMP_LEN);
		c->tx_len +=
			stream_channel_data_write(p, c->sess.channel, g->o.size);
		c->outstanding++;
		c->sent++;
		g->c[GS_C_sent]++;
	}
	conn_flush(g, c);
}

void
gs_conn_kick(struct gs *g, struct gs_conn *c, uint64_t now)
{
	c->last_echo = now;
	conn_fill(g, c, now);
}

/* ---- the session ---- */

static void
conn_handle(struct gs *g, struct gs_conn *c, enum gen_sess_event ev, uint64_t now)
{
	switch (ev) {
	case GEN_EV_SEND:
	case GEN_EV_RETRANSMIT:
		conn_send_request(g, c, now);
		break;
	case GEN_EV_READY:
		c->state = GS_READY;
		g->n_ready++;
		gen_hist_add(&g->setup, now - c->t_open);
		gs_conn_kick(g, c, now);
		break;
	case GEN_EV_FAILED:
		conn_dead(g, c, GS_C_setup_failed);
		break;
	default:
		break;
	}
}

static void
conn_start_session(struct gs *g, struct gs_conn *c, uint64_t now)
{
	c->state = GS_SETUP;
	conn_handle(g, c, gen_session_start(&g->sctx, &c->sess, now), now);
}

static void
conn_tls_step(struct gs *g, struct gs_conn *c, uint64_t now)
{
	int r, e;

	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		int v = SSL_version(c->ssl);

		g->tls_versions[v == TLS1_3_VERSION ? 1 :
				v == TLS1_2_VERSION ? 0 :
						      2]++;
		g->tls_cipher = SSL_get_cipher_name(c->ssl);
		conn_watch(g, c, false);
		conn_start_session(g, c, now);
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		conn_watch(g, c, e == SSL_ERROR_WANT_WRITE);
		return;
	}
	conn_dead(g, c, GS_C_tls_failed);
}

/* The connect finished (writable): how? */
static void
conn_connected(struct gs *g, struct gs_conn *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
		conn_dead(g, c, GS_C_connect_failed);
		return;
	}
	if (g->tls == NULL) {
		conn_watch(g, c, false);
		conn_start_session(g, c, now);
		return;
	}
	c->ssl = SSL_new(g->tls);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		conn_dead(g, c, GS_C_tls_failed);
		return;
	}
	SSL_set_connect_state(c->ssl);
	c->state = GS_HANDSHAKE;
	conn_tls_step(g, c, now);
}

/* ---- reading ---- */

static void
conn_on_channel_data(struct gs *g, struct gs_conn *c,
		     const struct stream_frame *f, uint64_t now)
{
	const uint8_t *data = stream_rx_data(&c->rx) + CHANNEL_DATA_HEADER_LEN;
	uint64_t stamp;

	if (f->channel != c->sess.channel ||
	    f->msg_len < CHANNEL_DATA_HEADER_LEN + GS_STAMP_LEN) {
		g->c[GS_C_bad_echo]++;
		return;
	}
	memcpy(&stamp, data, GS_STAMP_LEN);
	if (stamp <= now)
		gen_hist_add(&g->rtt, now - stamp);
	c->received++;
	g->c[GS_C_received]++;
	if (c->outstanding > 0)
		c->outstanding--;
	c->last_echo = now;
}

static void
conn_on_stun(struct gs *g, struct gs_conn *c, const struct stream_frame *f,
	     uint64_t now)
{
	struct stun_msg msg;
	uint8_t cls;

	if (stun_msg_decode(&msg, stream_rx_data(&c->rx), f->msg_len) != 0)
		return;
	cls = stun_type_class(msg.type);
	if (cls != STUN_CLASS_SUCCESS && cls != STUN_CLASS_ERROR)
		return; /* a Data indication: the client uses a channel */
	conn_handle(g, c,
		    gen_session_on_response(&g->sctx, &c->sess, c->index, &msg,
					    now),
		    now);
}

/* Take every whole frame that is buffered. */
static bool
conn_parse(struct gs *g, struct gs_conn *c, uint64_t now)
{
	struct stream_frame f;
	int r;

	while ((r = stream_rx_next(&c->rx, &f)) > 0) {
		if (f.kind == STREAM_FRAME_CHANNEL_DATA)
			conn_on_channel_data(g, c, &f, now);
		else
			conn_on_stun(g, c, &f, now);
		if (c->state == GS_DEAD)
			return false;
		stream_rx_consume(&c->rx, f.len);
	}
	if (r < 0) {
		/* Neither STUN nor ChannelData: no way to find the next. */
		conn_dead(g, c, GS_C_stream_errors);
		return false;
	}
	return true;
}

static void
conn_read(struct gs *g, struct gs_conn *c, uint64_t now)
{
	for (unsigned int k = 0; k < GS_READS_PER_EVENT; k++) {
		size_t room;
		uint8_t *at = stream_rx_space(&c->rx, &room);
		ssize_t n;

		if (c->ssl != NULL) {
			ERR_clear_error();
			n = SSL_read(c->ssl, at, (int)room);
			if (n <= 0) {
				int e = SSL_get_error(c->ssl, (int)n);

				if (e == SSL_ERROR_WANT_READ ||
				    e == SSL_ERROR_WANT_WRITE)
					break;
				conn_dead(g, c, GS_C_closed_by_server);
				return;
			}
		} else {
			n = recv(c->fd, at, room, MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (n <= 0) {
				conn_dead(g, c, GS_C_closed_by_server);
				return;
			}
		}
		g->c[GS_C_reads]++;
		stream_rx_commit(&c->rx, (size_t)n);
		if (!conn_parse(g, c, now))
			return;
		if ((size_t)n < room &&
		    (c->ssl == NULL || SSL_pending(c->ssl) == 0))
			break; /* the socket is empty */
	}
	/* A TLS write that waited on a read may go on now. */
	if (c->tls_retry_len > 0 && !c->want_out)
		conn_flush(g, c);
	conn_fill(g, c, now);
}

void
gs_conn_on_event(struct gs *g, struct gs_conn *c, uint32_t events)
{
	uint64_t now = gs_now();

	switch (c->state) {
	case GS_CONNECTING:
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_connected(g, c, now);
		return;
	case GS_HANDSHAKE:
		conn_tls_step(g, c, now);
		return;
	case GS_SETUP:
	case GS_READY:
		if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			conn_read(g, c, now);
		if (c->state != GS_DEAD && (events & EPOLLOUT))
			conn_flush(g, c);
		return;
	default:
		return;
	}
}

void
gs_conn_on_tick(struct gs *g, struct gs_conn *c, uint64_t now)
{
	if (c->state != GS_SETUP && c->state != GS_READY)
		return;
	conn_handle(g, c,
		    gen_session_on_timer(&g->sctx, &c->sess, now,
					 c->state == GS_READY),
		    now);
	if (c->state == GS_READY && g->traffic && c->outstanding > 0 &&
	    now - c->last_echo > GS_WINDOW_STALL_NS) {
		g->c[GS_C_window_resets]++;
		c->outstanding = 0;
		gs_conn_kick(g, c, now);
	}
}
