/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops from the kernel's neighbour table, for AF_XDP mode (see
 * cp_neigh.h): the rtnetlink socket, the dump, the notifications, and the
 * requests that make the kernel resolve or keep an entry.
 *
 * Runs on the control thread only, polled from its loop (cp_loop.c) at
 * most once a millisecond (at every turn for a while after asking the
 * kernel to resolve), never blocking.  Owns the socket and the table
 * (cp_neigh_table.c, which decides); the bytes are turnpike/nl_neigh.h's.
 *
 * Lost notifications: a busy kernel may drop what does not fit the
 * socket's buffer, and says so once (ENOBUFS); a datagram may be cut
 * (MSG_TRUNC); a dump may be interrupted by changes (NLM_F_DUMP_INTR).
 * Each time the table is dumped again, which repairs everything but a
 * deletion, and deletions are never acted on anyway.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "cp_log.h"
#include "cp_neigh.h"
#include "cp_neigh_table.h"
#include "turnpike/nl_neigh.h"
#include "turnpike/xlist.h"

/* A dump datagram is at most what we take in one read; 32 KiB holds the
 * kernel's largest (it sizes them to our reads). */
#define CP_NEIGH_RX_BUF 32768
#define CP_NEIGH_SOCK_BUF (1 << 20)
#define CP_NEIGH_READS_PER_POLL 16
/* A dump whose NLMSG_DONE never came is given up after this long. */
#define CP_NEIGH_DUMP_MAX_MS 5000
/* After asking the kernel to resolve, read at every turn of the loop for
 * this long, not once a millisecond: on a LAN the answer takes tens of
 * microseconds, and a frame is waiting for it. */
#define CP_NEIGH_EAGER_MS 20

struct cp_neigh {
	int fd;
	int32_t ifindex;
	uint32_t seq;
	uint32_t dump_seq;  /**< the running dump's; 0 when none runs */
	uint64_t dump_ms;   /**< when it started */
	bool redump;        /**< notifications were lost: dump again */
	uint64_t polled_ms; /**< the control loop's clock (CLOCK_MONOTONIC) */
	uint64_t eager_until_ms; /**< read at every call until then */
	uint64_t c[CP_NEIGH_C__COUNT];
	struct cp_neigh_table table;
	uint8_t rx[CP_NEIGH_RX_BUF];
};

static const char *const counter_names[] = { CP_NEIGH_COUNTER_LIST(TP_XLIST_NAME) };

const char *
cp_neigh_counter_name(enum cp_neigh_counter c)
{
	return TP_XLIST_LOOKUP(counter_names, c);
}

uint64_t
cp_neigh_counter(const struct cp_neigh *n, enum cp_neigh_counter c)
{
	return (unsigned int)c < CP_NEIGH_C__COUNT ? n->c[c] : 0;
}

size_t
cp_neigh_entries(const struct cp_neigh *n)
{
	return n->table.n_entries;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
format_mac(const uint8_t *m, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
}

/* Send one request; a failure is counted and logged, never fatal: the
 * worker asks again a second later. */
static int
request(struct cp_neigh *n, const uint8_t *req, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t rc;

	if (len == 0)
		return -EINVAL;
	rc = sendto(n->fd, req, len, MSG_DONTWAIT, (struct sockaddr *)&kernel,
		    sizeof(kernel));
	if (rc == (ssize_t)len)
		return 0;
	n->c[CP_NEIGH_C_send_failed]++;
	cp_log(CP_LOG_WARN, "neigh.send", "error=%s",
	       rc < 0 ? strerror(errno) : "short write");
	return rc < 0 ? -errno : -EIO;
}

static void
dump_start(struct cp_neigh *n)
{
	uint8_t req[NL_NEIGH_REQ_MAX];
	uint32_t seq = ++n->seq;

	n->redump = false;
	if (request(n, req,
		    nl_neigh_dump_req(req, sizeof(req), seq, n->ifindex)) == 0) {
		n->dump_seq = seq;
		n->dump_ms = now_ns() / 1000000; /* cp_loop_now_ms()'s clock */
		n->c[CP_NEIGH_C_dumps]++;
	} else {
		n->redump = true; /* try again at the next poll */
	}
}

static void
use_send(struct cp_neigh *n, const struct tp_ip *ip, enum cp_neigh_counter why)
{
	uint8_t req[NL_NEIGH_REQ_MAX];

	if (request(n, req,
		    nl_neigh_use_req(req, sizeof(req), ++n->seq, n->ifindex,
				     ip)) != 0)
		return;
	n->c[why]++;
	if (why == CP_NEIGH_C_resolve_asked)
		n->eager_until_ms = now_ns() / 1000000 + CP_NEIGH_EAGER_MS;
}

static void
push(struct cp_neigh *n, const struct tp_plane_ops *plane,
     const struct cp_neigh_entry *e)
{
	struct dp_cmd cmd = { .type = DP_CMD_NEIGH_SET };

	cmd.u.neigh.ip = e->ip;
	memcpy(cmd.u.neigh.mac, e->mac, DP_MAC_LEN);
	for (uint16_t w = 0; w < plane->n_workers; w++)
		plane->cmd_send(plane->ctx, w, &cmd);
	n->c[CP_NEIGH_C_pushed]++;
}

static void
act(struct cp_neigh *n, const struct tp_plane_ops *plane, unsigned int what,
    const struct cp_neigh_entry *e, enum cp_neigh_counter use_why)
{
	if (what & CP_NEIGH_PUSH)
		push(n, plane, e);
	if (what & CP_NEIGH_USE)
		use_send(n, &e->ip, use_why);
}

static void
full_note(struct cp_neigh *n, const struct tp_ip *ip)
{
	char a[TP_ADDR_STRLEN];

	/* Logged the first time only: the count says the rest. */
	if (n->c[CP_NEIGH_C_table_full]++ == 0)
		cp_log(CP_LOG_WARN, "neigh.table_full", "ip=%s slots=%u",
		       tp_ip_format(ip, a, sizeof(a)), CP_NEIGH_SLOTS);
}

/* The kernel's word on one neighbour. */
static void
on_kernel(struct cp_neigh *n, const struct tp_plane_ops *plane,
	  const struct nl_neigh *m)
{
	const struct cp_neigh_entry *e;
	uint64_t waited;
	bool full;
	unsigned int what = cp_neigh_table_kernel(&n->table, m, now_ns(), &e,
						  &waited, &full);
	char a[TP_ADDR_STRLEN], mac[18];

	if (full)
		full_note(n, &m->ip);
	if (e == NULL)
		return;
	n->c[CP_NEIGH_C_kernel_msgs]++;
	if (waited != 0) {
		uint64_t us = waited / 1000;

		n->c[CP_NEIGH_C_resolved]++;
		n->c[CP_NEIGH_C_resolve_us_last] = us;
		if (us > n->c[CP_NEIGH_C_resolve_us_max])
			n->c[CP_NEIGH_C_resolve_us_max] = us;
		format_mac(m->mac, mac);
		cp_log(CP_LOG_INFO, "neigh.resolved",
		       "ip=%s mac=%s after_us=%llu",
		       tp_ip_format(&m->ip, a, sizeof(a)), mac,
		       (unsigned long long)us);
	} else if (what & CP_NEIGH_PUSH) {
		format_mac(m->mac, mac);
		cp_log(CP_LOG_DEBUG, "neigh.learned", "ip=%s mac=%s state=%s",
		       tp_ip_format(&m->ip, a, sizeof(a)), mac,
		       nl_neigh_state_name(m->state));
	}
	act(n, plane, what, e, CP_NEIGH_C_refreshed);
}

/* One datagram from the kernel. */
static void
datagram(struct cp_neigh *n, const struct tp_plane_ops *plane, size_t len)
{
	struct nl_msg m;
	size_t off = 0;
	int rc;

	while ((rc = nl_msg_next(n->rx, len, &off, &m)) == 1) {
		if (n->dump_seq != 0 && m.seq == n->dump_seq &&
		    (m.flags & NLM_F_DUMP_INTR))
			n->redump = true; /* the table changed under the dump */
		switch (m.kind) {
		case NL_MSG_NEIGH:
			on_kernel(n, plane, &m.neigh);
			break;
		case NL_MSG_DONE:
			if (m.seq == n->dump_seq)
				n->dump_seq = 0;
			break;
		case NL_MSG_ERROR:
			if (m.error == 0)
				break;
			n->c[CP_NEIGH_C_kernel_errors]++;
			if (m.seq == n->dump_seq) {
				n->dump_seq = 0;
				n->redump = true;
			}
			cp_log(CP_LOG_WARN, "neigh.kernel_error",
			       "seq=%u error=%s", m.seq, strerror(-m.error));
			break;
		case NL_MSG_OTHER:
			break;
		}
	}
	if (rc < 0) {
		n->c[CP_NEIGH_C_lost]++;
		n->redump = true;
	}
}

/* Read what the kernel sent, at most CP_NEIGH_READS_PER_POLL datagrams. */
static void
read_some(struct cp_neigh *n, const struct tp_plane_ops *plane)
{
	for (int i = 0; i < CP_NEIGH_READS_PER_POLL; i++) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = n->rx, .iov_len = sizeof(n->rx) };
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1 };
		ssize_t got = recvmsg(n->fd, &mh, MSG_DONTWAIT);

		if (got < 0) {
			if (errno == ENOBUFS) { /* the kernel dropped some */
				n->c[CP_NEIGH_C_lost]++;
				n->redump = true;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				cp_log(CP_LOG_WARN, "neigh.recv", "error=%s",
				       strerror(errno));
			break;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			n->c[CP_NEIGH_C_lost]++;
			n->redump = true;
			continue;
		}
		/* Only the kernel speaks for the neighbour table. */
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue;
		datagram(n, plane, (size_t)got);
	}
}

void
cp_neigh_poll(struct cp_neigh *n, const struct tp_plane_ops *plane,
	      uint64_t now_ms)
{
	if (now_ms == n->polled_ms && now_ms > n->eager_until_ms)
		return;
	n->polled_ms = now_ms;
	read_some(n, plane);
	if (n->dump_seq != 0 && now_ms - n->dump_ms > CP_NEIGH_DUMP_MAX_MS) {
		n->dump_seq = 0;
		n->redump = true;
	}
	if (n->redump && n->dump_seq == 0)
		dump_start(n);
}

void
cp_neigh_event(struct cp_neigh *n, const struct tp_plane_ops *plane,
	       const struct dp_evt *ev)
{
	const struct cp_neigh_entry *e;
	unsigned int what;
	bool full = false;

	if (ev->type == DP_EVT_NEIGH_MISS) {
		n->c[CP_NEIGH_C_misses]++;
		/* While a dump runs, an entry missing here may be one the kernel
		 * has not told us yet, maybe a PERMANENT one that NTF_USE would
		 * spoil: take in what it has sent first (the kernel writes a
		 * dump's next part as we read, so this drains it). */
		if (n->dump_seq != 0)
			read_some(n, plane);
		what = cp_neigh_table_miss(&n->table, &ev->u.neigh.ip, now_ns(),
					   &e, &full);
		if (full)
			full_note(n, &ev->u.neigh.ip);
		if (e != NULL)
			act(n, plane, what, e, CP_NEIGH_C_resolve_asked);
	} else if (ev->type == DP_EVT_NEIGH_USED) {
		n->c[CP_NEIGH_C_in_use]++;
		what = cp_neigh_table_used(&n->table, &ev->u.neigh.ip,
					   ev->u.neigh.mac, now_ns(), &e);
		if (e != NULL)
			act(n, plane, what, e, CP_NEIGH_C_refreshed);
	}
}

struct cp_neigh *
cp_neigh_create(int32_t ifindex, const struct tp_plane_params *p, char *err,
		size_t err_len)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK,
				     .nl_groups = 1u << (RTNLGRP_NEIGH - 1) };
	int sock_buf = CP_NEIGH_SOCK_BUF;
	struct cp_neigh *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		snprintf(err, err_len, "neighbours: out of memory");
		return NULL;
	}
	n->ifindex = ifindex;
	cp_neigh_table_init(&n->table, ifindex, p);
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->fd < 0 ||
	    bind(n->fd, (struct sockaddr *)&local, sizeof(local)) != 0) {
		snprintf(err, err_len, "neighbours: rtnetlink socket: %s",
			 strerror(errno));
		cp_neigh_destroy(n);
		return NULL;
	}
	/* Room for a burst of notifications between two polls; a loss is
	 * repaired by a dump anyway. */
	(void)setsockopt(n->fd, SOL_SOCKET, SO_RCVBUF, &sock_buf,
			 sizeof(sock_buf));
	dump_start(n);
	if (n->dump_seq == 0) {
		snprintf(err, err_len,
			 "neighbours: cannot ask the kernel for its "
			 "neighbour table");
		cp_neigh_destroy(n);
		return NULL;
	}
	return n;
}

void
cp_neigh_destroy(struct cp_neigh *n)
{
	if (n == NULL)
		return;
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}
