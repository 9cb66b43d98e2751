/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the XDP program (tp_xdp.bpf.c) and its loader in the server
 * (dataplane/dp_xdp.c) agree on: the names of its maps, the layout of
 * their keys and values, and its counters.  Included by both sides, so it
 * uses the kernel's fixed-size types only (no libc, no DPDK).
 *
 * The maps, all created when DPDK's net_af_xdp PMD loads the object:
 *
 *   xsks_map  XSKMAP   key: RX queue index (u32)  value: AF_XDP socket fd
 *             The PMD finds it by this exact name and puts the socket of
 *             each of its queues at that queue's index.
 *   tp_cfg    ARRAY[1] value: struct tp_xdp_cfg (ports)
 *   tp_addr4  HASH     key: IPv4 address, network byte order (u32 as on
 *                      the wire)  value: TP_XDP_ROLE_* bits
 *   tp_addr6  HASH     key: IPv6 address, struct tp_xdp_addr6 (the wire's
 *                      16 bytes)  value: TP_XDP_ROLE_* bits
 *   tp_stats  PERCPU_ARRAY[TP_XDP_C__COUNT]  value: u64 per CPU
 *
 * Map names are at most 15 characters (BPF_OBJ_NAME_LEN), as the loader
 * matches them against what the kernel reports.  The ports and roles
 * below serve both families.
 * The decision itself is turnpike/steer.h's, shared with the worker of
 * exception-port mode.
 */
#ifndef TURNPIKE_TP_XDP_ABI_H
#define TURNPIKE_TP_XDP_ABI_H

#include <linux/types.h>

#include "turnpike/steer.h"

#define TP_XDP_MAP_XSKS "xsks_map"
#define TP_XDP_MAP_CFG "tp_cfg"
#define TP_XDP_MAP_ADDR4 "tp_addr4"
#define TP_XDP_MAP_ADDR6 "tp_addr6"
#define TP_XDP_MAP_STATS "tp_stats"

/** The program's name as the kernel reports it (its function's name). */
#define TP_XDP_PROG_NAME "tp_xdp_steer"

/** RX queues the program can steer (xsks_map's size). */
#define TP_XDP_MAX_QUEUES 256

/** Addresses of ours, both roles (tp_addr4's size, and tp_addr6's): each
 *  must hold TP_PLANE_MAX_LISTEN + TP_PLANE_MAX_RELAY_IPS, as every
 *  address may be of one family (dp_xdp.c checks). */
#define TP_XDP_MAX_ADDRS 128

/** tp_addr6's key: an IPv6 address as on the wire. */
struct tp_xdp_addr6 {
	__u8 bytes[16];
};

/** Roles of one of our addresses (tp_addr4's and tp_addr6's value): the steering
 *  decision's bits (turnpike/steer.h). */
#define TP_XDP_ROLE_LISTEN TP_STEER_ROLE_LISTEN
#define TP_XDP_ROLE_RELAY TP_STEER_ROLE_RELAY

/** tp_cfg[0]: the ports the decision tests, host byte order.  The loader
 *  writes it while tp_addr4 and tp_addr6 are empty (and nothing is steered without an
 *  address), so no frame is matched against ports that belong to other
 *  addresses. */
struct tp_xdp_cfg {
	struct tp_steer_ports ports;
};

/**
 * What the program did with each frame: X(name, description).  Exactly one
 * counter moves per frame, so their sum is the frames seen.  Every pass_*
 * is XDP_PASS to the kernel's stack.  pass_not_ipv4 kept its name when
 * IPv6 came to be steered (it now counts what is neither IPv4 nor IPv6):
 * tests/e2e and operators' scripts read the admin socket's xdp.* names.
 */
#define TP_XDP_COUNTER_LIST(X)                                                   \
	X(redirected, "UDP to one of our ports, given to the AF_XDP socket")     \
	X(pass_no_socket, "ours, but no AF_XDP socket on this RX queue")         \
	X(pass_not_ipv4, "neither IPv4 nor IPv6: ARP, VLAN-tagged, LLDP ...")    \
	X(pass_malformed, "IP, extension or UDP header truncated or impossible") \
	X(pass_fragment, "IPv4 fragment or IPv6 Fragment header: the kernel "    \
			 "reassembles")                                          \
	X(pass_ipv6_ext, "IPv6: more than 4 extension headers, or a Routing "    \
			 "header with segments left")                            \
	X(pass_not_udp, "IP but not UDP: TCP, ICMP, ICMPv6 (neighbour "          \
			"discovery), ESP ...")                                   \
	X(pass_not_ours, "UDP to an address or port that is not ours")

#define TP_XDP_ENUM_(name, text) TP_XDP_C_##name,
/** Index of each counter in tp_stats. */
enum tp_xdp_counter {
	TP_XDP_COUNTER_LIST(TP_XDP_ENUM_) TP_XDP_C__COUNT
};
#undef TP_XDP_ENUM_

#endif /* TURNPIKE_TP_XDP_ABI_H */
