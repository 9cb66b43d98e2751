/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The kernel side of the exception port's interface (cp_netif.c), in
 * exception-port mode: up, with the host's addresses, over rtnetlink, so
 * the kernel's stack answers ARP, ping, ssh and the TCP/TLS listeners on
 * it as it would on the NIC the PMD took.
 *
 * Main thread at start-up (before the control loop runs).  Needs
 * CAP_NET_ADMIN.  Errors: 0 / -errno with a message.
 */
#ifndef TURNPIKE_CP_NETIF_H
#define TURNPIKE_CP_NETIF_H

#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"
#include "turnpike/plane.h"

/** Most addresses given to the interface: every listening and relay
 *  address of ours. */
#define CP_NETIF_MAX_ADDRS (TP_PLANE_MAX_LISTEN + TP_PLANE_MAX_RELAY_IPS)

/** An address with its prefix. */
struct cp_netif_addr {
	struct tp_ip ip;
	uint8_t prefix;
};

/**
 * The host's addresses for the interface, from @p p: every listening and
 * relay address of either family, once, each with the prefix of the first local-network
 * that contains it (its connected route: on-link neighbours answer ARP
 * through the interface), or a host prefix (/32, /128) if none does.
 * @return how many were written to @p out (at most @p max).
 */
size_t cp_netif_addrs(const struct tp_plane_params *p,
		      struct cp_netif_addr *out, size_t max);

/**
 * Bring interface @p ifindex up and add @p addrs to it, waiting for the
 * kernel's acknowledgement of each (at most a second each).  An address
 * already there is no error.  @return 0, or the kernel's -errno with a
 * message naming the address in @p err.
 */
int cp_netif_configure(int32_t ifindex, const struct cp_netif_addr *addrs,
		       size_t n, char *err, size_t err_len);

#endif /* TURNPIKE_CP_NETIF_H */
