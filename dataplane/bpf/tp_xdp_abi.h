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
 *   tp_stats  PERCPU_ARRAY[TP_XDP_C__COUNT]  value: u64 per CPU
 *
 * Map names are at most 15 characters (BPF_OBJ_NAME_LEN), as the loader
 * matches them against what the kernel reports.  IPv6 will add a tp_addr6
 * hash keyed by 16 bytes; the ports and roles below serve both families.
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
#define TP_XDP_MAP_STATS "tp_stats"

/** The program's name as the kernel reports it (its function's name). */
#define TP_XDP_PROG_NAME "tp_xdp_steer"

/** RX queues the program can steer (xsks_map's size). */
#define TP_XDP_MAX_QUEUES 256

/** Addresses of ours, both roles (tp_addr4's size): must hold
 *  TP_PLANE_MAX_LISTEN + TP_PLANE_MAX_RELAY_IPS (dp_xdp.c checks). */
#define TP_XDP_MAX_ADDRS 128

/** Roles of one of our addresses (tp_addr4's value): the steering
 *  decision's bits (turnpike/steer.h). */
#define TP_XDP_ROLE_LISTEN TP_STEER_ROLE_LISTEN
#define TP_XDP_ROLE_RELAY TP_STEER_ROLE_RELAY

/** tp_cfg[0]: the ports the decision tests, host byte order.  The loader
 *  writes it while tp_addr4 is empty (and nothing is steered without an
 *  address), so no frame is matched against ports that belong to other
 *  addresses. */
struct tp_xdp_cfg {
	struct tp_steer_ports ports;
};

/**
 * What the program did with each frame: X(name, description).  Exactly one
 * counter moves per frame, so their sum is the frames seen.  Every pass_*
 * is XDP_PASS to the kernel's stack.
 */
#define TP_XDP_COUNTER_LIST(X)                                               \
	X(redirected, "UDP to one of our ports, given to the AF_XDP socket") \
	X(pass_no_socket, "ours, but no AF_XDP socket on this RX queue")     \
	X(pass_not_ipv4, "not IPv4: ARP, IPv6, VLAN-tagged, LLDP ...")       \
	X(pass_malformed, "IPv4 or UDP header truncated or impossible")      \
	X(pass_fragment, "IPv4 fragment: the kernel reassembles")            \
	X(pass_not_udp, "IPv4 but not UDP: TCP, ICMP ...")                   \
	X(pass_not_ours, "UDP to an address or port that is not ours")

#define TP_XDP_ENUM_(name, text) TP_XDP_C_##name,
/** Index of each counter in tp_stats. */
enum tp_xdp_counter {
	TP_XDP_COUNTER_LIST(TP_XDP_ENUM_) TP_XDP_C__COUNT
};
#undef TP_XDP_ENUM_

#endif /* TURNPIKE_TP_XDP_ABI_H */
