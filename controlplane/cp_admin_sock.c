/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket's transport (see cp_admin.h): a non-blocking Unix stream
 * listener and at most CP_ADMIN_CONNS_MAX clients, all polled with one
 * poll(2) of timeout 0 from the control loop, at most once a millisecond.
 * Each client has a line buffer in and a reply buffer out; while a reply is
 * being written no further line is read, so a client that does not read
 * cannot make us buffer more than one reply.  Lines are wiped from the
 * input buffer as they are consumed (they may carry passwords).
 *
 * Control-plane thread only.  Nothing here blocks: a slow or silent client
 * costs a slot until CP_ADMIN_IDLE_MS, nothing more.  The timer restarts
 * only when a whole line is run, never on a byte read or written, so a
 * client that trickles a byte now and then (or reads its reply a byte at a
 * time) cannot hold a slot for longer than that: each command, from the
 * previous one (or the accept) to its line's end, has CP_ADMIN_IDLE_MS.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cp_admin.h"
#include "cp_log.h"

static const char admin_busy[] = "error too many admin connections\n";

/* Is a server listening at @path?  1 yes, 0 no (stale), -errno. */
static int
admin_probe(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0)
		rc = 1;
	else
		rc = errno == ECONNREFUSED ? 0 : -errno;
	close(fd);
	return rc;
}

int
cp_admin_open(struct cp_admin *a, const char *path, struct cp_admin_ctx *ctx,
	      char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;
	int rc;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	for (int i = 0; i < CP_ADMIN_CONNS_MAX; i++)
		a->conns[i].fd = -1;
	a->ctx = ctx;
	if (strlen(path) >= sizeof(sa.sun_path) ||
	    strlen(path) >= sizeof(a->path)) {
		snprintf(err, err_len, "admin-socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, err_len,
				 "admin-socket %s: exists and is not a "
				 "socket; not touching it",
				 path);
			return -EEXIST;
		}
		rc = admin_probe(&sa);
		if (rc == 1) {
			snprintf(err, err_len,
				 "admin-socket %s: another server "
				 "answers there (is turnpike already running?)",
				 path);
			return -EADDRINUSE;
		}
		if (rc < 0) {
			snprintf(err, err_len,
				 "admin-socket %s: cannot check it: %s", path,
				 strerror(-rc));
			return rc;
		}
		cp_log(CP_LOG_WARN, "admin.stale_socket", "path=%s removed=1",
		       path);
		if (unlink(path) != 0 && errno != ENOENT) {
			rc = -errno;
			snprintf(err, err_len,
				 "admin-socket %s: cannot remove the "
				 "stale socket: %s",
				 path, strerror(-rc));
			return rc;
		}
	}
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "admin-socket: socket: %s", strerror(-rc));
		return rc;
	}
	/* Created 0600 from the start: no window where others may connect.
	 * Start-up is single-threaded as far as files go. */
	old_mask = umask(0177);
	rc = bind(a->fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc != 0 || chmod(path, 0600) != 0 ||
	    listen(a->fd, CP_ADMIN_CONNS_MAX) != 0 || stat(path, &st) != 0) {
		rc = -errno;
		snprintf(err, err_len, "admin-socket %s: %s", path,
			 strerror(-rc));
		close(a->fd);
		a->fd = -1;
		return rc;
	}
	memcpy(a->path, path, strlen(path) + 1);
	a->dev = (uint64_t)st.st_dev;
	a->ino = (uint64_t)st.st_ino;
	cp_log(CP_LOG_INFO, "admin.listen", "path=%s mode=0600", path);
	return 0;
}

static void
conn_close(struct cp_admin_conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	OPENSSL_cleanse(c->in, sizeof(c->in));
	c->in_len = 0;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->closing = false;
}

static void
admin_accept(struct cp_admin *a, uint64_t now_ms)
{
	for (int tries = 0; tries < CP_ADMIN_CONNS_MAX + 1; tries++) {
		struct cp_admin_conn *c = NULL;
		int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN, or a client that went away */
		for (int i = 0; i < CP_ADMIN_CONNS_MAX && c == NULL; i++)
			if (a->conns[i].fd < 0)
				c = &a->conns[i];
		if (c != NULL)
			c->out = malloc(CP_ADMIN_REPLY_MAX);
		if (c == NULL || c->out == NULL) {
			(void)!send(fd, admin_busy, sizeof(admin_busy) - 1,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->last_ms = now_ms;
		c->in_len = 0;
		c->out_len = c->out_off = 0;
		c->closing = false;
	}
}

/* Write what is pending.  @return false if the connection is gone. */
static bool
conn_flush(struct cp_admin_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			       errno == EINTR;
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	return true;
}

/* Run the first complete line in c->in, if any.  @return true if one ran. */
static bool
conn_run_line(struct cp_admin *a, struct cp_admin_conn *c, bool eof)
{
	char *nl = memchr(c->in, '\n', c->in_len);
	size_t used;
	int n;

	if (nl == NULL && c->in_len > CP_ADMIN_LINE_MAX) {
		/* No way to find the next line's start reliably: answer, close. */
		n = snprintf(c->out, CP_ADMIN_REPLY_MAX,
			     "error line longer than %d bytes\n",
			     CP_ADMIN_LINE_MAX);
		c->out_len = (size_t)n;
		OPENSSL_cleanse(c->in, sizeof(c->in));
		c->in_len = 0;
		c->closing = true;
		return true;
	}
	if (nl == NULL && !(eof && c->in_len > 0))
		return false;
	/* At end of input, a last line without its newline still counts. */
	used = nl != NULL ? (size_t)(nl - c->in) + 1 : c->in_len;
	if (nl != NULL)
		*nl = '\0';
	else
		c->in[c->in_len] = '\0';
	n = cp_admin_exec(a->ctx, c->in, c->out, CP_ADMIN_REPLY_MAX);
	c->last_ms = a->last_poll_ms; /* the next command's time starts now */
	c->out_len = n > 0 ? (size_t)n : 0;
	c->out_off = 0;
	OPENSSL_cleanse(c->in, used);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	OPENSSL_cleanse(c->in + c->in_len, used);
	return true;
}

/* Readable (or hung up): read, then run at most one line.  @return false
 * if the connection is to be closed now. */
static bool
conn_read(struct cp_admin *a, struct cp_admin_conn *c)
{
	bool eof = false;

	while (c->in_len < sizeof(c->in) - 1) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
				 sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);

		if (n == 0) {
			eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				break;
			return false;
		}
		c->in_len += (size_t)n;
		if (memchr(c->in + c->in_len - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	conn_run_line(a, c, eof);
	if (eof) {
		/* The client sent all it will: answer what is left, then close. */
		while (c->out_len == 0 && conn_run_line(a, c, true))
			;
		c->closing = true;
	}
	return true;
}

void
cp_admin_poll(struct cp_admin *a, uint64_t now_ms)
{
	struct pollfd pfd[CP_ADMIN_CONNS_MAX + 1];
	int idx[CP_ADMIN_CONNS_MAX + 1];
	nfds_t n = 0;

	if (a->fd < 0 || now_ms == a->last_poll_ms)
		return;
	a->last_poll_ms = now_ms;
	a->ctx->now_ms = now_ms;
	cp_admin_expire(a->ctx, now_ms);
	pfd[n] = (struct pollfd){ .fd = a->fd, .events = POLLIN };
	idx[n++] = -1;
	for (int i = 0; i < CP_ADMIN_CONNS_MAX; i++) {
		struct cp_admin_conn *c = &a->conns[i];

		if (c->fd < 0)
			continue;
		if (now_ms - c->last_ms > CP_ADMIN_IDLE_MS) {
			cp_log(CP_LOG_INFO, "admin.idle_close", "slot=%d", i);
			conn_close(c);
			continue;
		}
		pfd[n] = (struct pollfd){ .fd = c->fd,
					  .events = c->out_len > 0 ? POLLOUT :
								     POLLIN };
		idx[n++] = i;
	}
	if (poll(pfd, n, 0) <= 0)
		return;
	for (nfds_t k = 0; k < n; k++) {
		struct cp_admin_conn *c;

		if (pfd[k].revents == 0)
			continue;
		if (idx[k] < 0) {
			admin_accept(a, now_ms);
			continue;
		}
		c = &a->conns[idx[k]];
		if ((pfd[k].revents & (POLLERR | POLLNVAL)) != 0 ||
		    ((pfd[k].revents & POLLOUT) != 0 && !conn_flush(c))) {
			conn_close(c);
			continue;
		}
		if (c->out_len == 0 &&
		    (pfd[k].revents & (POLLIN | POLLHUP)) != 0 && !c->closing &&
		    !conn_read(a, c)) {
			conn_close(c);
			continue;
		}
		/* Replies usually fit the socket buffer: send at once. */
		if (c->out_len > 0 && !conn_flush(c)) {
			conn_close(c);
			continue;
		}
		/* Lines that arrived together with the one just answered. */
		while (c->out_len == 0 && !c->closing &&
		       conn_run_line(a, c, false))
			if (!conn_flush(c))
				break;
		if (c->closing && c->out_len == 0)
			conn_close(c);
	}
}

void
cp_admin_close(struct cp_admin *a)
{
	struct stat st;

	for (int i = 0; i < CP_ADMIN_CONNS_MAX; i++)
		conn_close(&a->conns[i]);
	if (a->fd < 0)
		return;
	close(a->fd);
	a->fd = -1;
	/* Only the file we made: a new server may have replaced it. */
	if (stat(a->path, &st) == 0 && (uint64_t)st.st_dev == a->dev &&
	    (uint64_t)st.st_ino == a->ino)
		unlink(a->path);
	cp_log(CP_LOG_INFO, "admin.close", "path=%s", a->path);
}
