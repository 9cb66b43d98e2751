/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen-stream's peer: one UDP socket that sends every datagram back
 * to where it came from (the client's relayed address), 64 at a time with
 * recvmmsg and sendmmsg, so the peer costs the generator a system call per
 * batch, not two per datagram as turnutils_peer does.
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gen_stream.h"

/* Room for bursts while the loop is busy with the clients. */
#define GS_PEER_SOCKBUF (8 << 20)

uint64_t
gs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
gs_peer_open(const struct tp_addr *at)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, buf = GS_PEER_SOCKBUF;

	if (at->ip.family != TP_AF_INET)
		return -EAFNOSUPPORT;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Best effort: the kernel caps them at rmem_max / wmem_max. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	memcpy(&sin.sin_addr, at->ip.bytes, 4);
	sin.sin_port = htons(at->port);
	if (bind(fd, (const struct sockaddr *)&sin, sizeof(sin)) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

void
gs_peer_echo(struct gs *g, unsigned int batches)
{
	static uint8_t data[GS_PEER_BATCH][GS_PEER_DGRAM];
	struct sockaddr_in from[GS_PEER_BATCH];
	struct mmsghdr m[GS_PEER_BATCH];
	struct iovec iov[GS_PEER_BATCH];

	for (unsigned int b = 0; b < batches; b++) {
		int n, sent;

		for (unsigned int i = 0; i < GS_PEER_BATCH; i++) {
			iov[i] = (struct iovec){ data[i], sizeof(data[i]) };
			m[i].msg_hdr = (struct msghdr){
				.msg_name = &from[i],
				.msg_namelen = sizeof(from[i]),
				.msg_iov = &iov[i],
				.msg_iovlen = 1,
			};
		}
		n = recvmmsg(g->peer_fd, m, GS_PEER_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		g->c[GS_C_peer_in] += (uint64_t)n;
		/* Back as they came: each to its source, the same bytes. */
		for (int i = 0; i < n; i++)
			iov[i].iov_len = m[i].msg_len;
		for (int done = 0; done < n; done += sent) {
			sent = sendmmsg(g->peer_fd, m + done,
					(unsigned int)(n - done), MSG_DONTWAIT);
			if (sent <= 0) {
				/* A full socket buffer: what is left is lost,
				 * counted, as a slow peer would lose it. */
				g->c[GS_C_peer_send_failed] +=
					(uint64_t)(n - done);
				break;
			}
			g->c[GS_C_peer_out] += (uint64_t)sent;
		}
		if (n < GS_PEER_BATCH)
			return;
	}
}
