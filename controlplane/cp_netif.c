/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exception-port mode: the exception interface up, with the host's
 * addresses, through rtnetlink (see cp_netif.h).  The requests are
 * turnpike/nl_link.h's bytes, the acknowledgements read with
 * nl_msg_next().
 *
 * Runs once, on the main thread at start-up; owns its socket for the
 * length of one call.  Every wait is bounded (poll, a second per request),
 * so a kernel that never answers stops the server with a message rather
 * than hanging it.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "cp_netif.h"
#include "turnpike/nl_link.h"
#include "turnpike/nl_neigh.h"

#define CP_NETIF_ACK_MS 1000

size_t
cp_netif_addrs(const struct tp_plane_params *p, struct cp_netif_addr *out,
	       size_t max)
{
	size_t n = 0;

	for (uint16_t i = 0; i < p->n_listen + p->n_relay; i++) {
		const struct tp_ip *ip = i < p->n_listen ?
						 &p->listen_ips[i] :
						 &p->relay_ips[i - p->n_listen];
		bool seen = false;
		int prefix = -1;

		for (size_t j = 0; j < n; j++)
			seen = seen || tp_ip_equal(&out[j].ip, ip);
		if (seen || n == max || tp_ip_len(ip->family) == 0)
			continue;
		for (uint16_t k = 0; k < p->n_local && prefix < 0; k++)
			if (tp_ip_range_contains(&p->local_nets[k], ip))
				prefix = nl_prefix_of_range(&p->local_nets[k]);
		out[n].ip = *ip;
		out[n].prefix =
			(uint8_t)(prefix >= 0 ? prefix :
						(int)tp_ip_len(ip->family) * 8);
		n++;
	}
	return n;
}

/* Send @req and wait for the kernel's answer to @seq: 0 or its -errno. */
static int
request(int fd, const uint8_t *req, size_t len, uint32_t seq)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint8_t buf[4096];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (len == 0)
		return -EINVAL;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)len)
		return -errno;
	/* Other datagrams (none are asked for) are skipped; the wait is
	 * bounded by the poll per datagram and the datagram count. */
	for (int tries = 0; tries < 16; tries++) {
		struct nl_msg m;
		size_t off = 0;
		ssize_t got;
		int rc = poll(&pfd, 1, CP_NETIF_ACK_MS);

		if (rc == 0)
			return -ETIMEDOUT;
		if (rc < 0)
			return -errno;
		got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0)
			return -errno;
		while ((rc = nl_msg_next(buf, (size_t)got, &off, &m)) == 1)
			if (m.kind == NL_MSG_ERROR && m.seq == seq)
				return m.error;
		if (rc < 0)
			return rc;
	}
	return -ETIMEDOUT;
}

int
cp_netif_configure(int32_t ifindex, const struct cp_netif_addr *addrs, size_t n,
		   char *err, size_t err_len)
{
	uint8_t req[NL_LINK_REQ_MAX];
	char a[TP_ADDR_STRLEN];
	uint32_t seq = 1;
	int fd, rc;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "exception interface: rtnetlink: %s",
			 strerror(-rc));
		return rc;
	}
	rc = request(fd, req, nl_link_up_req(req, sizeof(req), seq, ifindex),
		     seq);
	if (rc != 0)
		snprintf(err, err_len,
			 "exception interface %d: cannot bring it up: %s",
			 ifindex, strerror(-rc));
	for (size_t i = 0; rc == 0 && i < n; i++) {
		seq++;
		rc = request(fd, req,
			     nl_addr_add_req(req, sizeof(req), seq, ifindex,
					     &addrs[i].ip, addrs[i].prefix),
			     seq);
		if (rc != 0)
			snprintf(err, err_len,
				 "exception interface %d: cannot add %s/%u: %s",
				 ifindex,
				 tp_ip_format(&addrs[i].ip, a, sizeof(a)),
				 addrs[i].prefix, strerror(-rc));
	}
	close(fd);
	return rc;
}
