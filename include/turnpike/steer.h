/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The types of the steering decision (turnpike/steer_frame.h): the ports
 * it tests, the roles an address of ours has, its verdicts.  Shared by
 * the XDP program of AF_XDP mode and its loader (dataplane/bpf/
 * tp_xdp_abi.h: tp_cfg's value is struct tp_steer_ports) and by the
 * fast path (dataplane/dp_shared.h).  Kernel fixed-size types only, so
 * clang -target bpf compiles it too.
 */
#ifndef TURNPIKE_STEER_H
#define TURNPIKE_STEER_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/** Roles of one of our addresses: bits, as one address may do both. */
#define TP_STEER_ROLE_LISTEN 0x1u /**< UDP to listen_port is ours */
#define TP_STEER_ROLE_RELAY 0x2u  /**< UDP to [min_port, max_port] is ours */

/**
 * IPv6 extension headers the decision walks past to find UDP, at most
 * (Hop-by-Hop Options, Routing with no segments left, Destination
 * Options; RFC 8200 section 4).  A bound, because the XDP program must
 * have one and because no honest sender needs more: RFC 8200 section 4.1
 * recommends at most one of each, two Destination Options at most, in
 * front of UDP.  A longer chain is the kernel's (TP_STEER_IPV6_EXT).
 */
#define TP_STEER_IPV6_MAX_EXT 4

/** The ports, host byte order (the XDP program's tp_cfg value). */
struct tp_steer_ports {
	__u16 listen_port;
	__u16 min_port; /**< relay range, inclusive */
	__u16 max_port;
	__u16 pad;
};

/** The verdict on a frame, and why: only TP_STEER_OURS is the fast
 *  path's, every other value is the kernel's. */
enum tp_steer {
	TP_STEER_OURS = 0,  /**< UDP to one of our ports */
	TP_STEER_NOT_IP,    /**< neither IPv4 nor IPv6: ARP, VLAN, LLDP ... */
	TP_STEER_MALFORMED, /**< IP, extension or UDP header truncated or
			     *   impossible (a Hop-by-Hop header not first) */
	TP_STEER_FRAGMENT,  /**< IPv4 fragment or IPv6 Fragment header: the
			     *   kernel reassembles */
	TP_STEER_IPV6_EXT,  /**< more than TP_STEER_IPV6_MAX_EXT extension
			     *   headers, or a Routing header with segments
			     *   left (we are not the final destination) */
	TP_STEER_NOT_UDP,   /**< IP but not UDP: TCP, ICMP, ICMPv6 (so
			     *   neighbour discovery), ESP, AH ... */
	TP_STEER_NOT_OURS,  /**< UDP to an address or port not ours */
};

#endif /* TURNPIKE_STEER_H */
