/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The server's side of the XDP program of AF_XDP mode (dp_xdp.c): where
 * the object file is, the --vdev argument that hands it to DPDK's
 * net_af_xdp PMD, and, once the PMD has attached it, filling its maps from
 * struct tp_plane_params and reading its counters.
 *
 * The PMD loads the object itself (bpf_object__open_file, then attaches the
 * first program with XDP_FLAGS_UPDATE_IF_NOEXIST) while it sets its RX
 * queues up, that is inside rte_eth_rx_queue_setup() (dp_port_init()), and
 * keeps the object to itself.  So the maps are found through the kernel:
 * the program attached to the interface, then its maps by name.  Until
 * they are filled the program steers nothing and the kernel gets every
 * frame.  What the program and this loader share (map names and layouts,
 * counters) is dataplane/bpf/tp_xdp_abi.h.
 *
 * Every function runs on the main lcore at start-up (stats reads at any
 * time from the control thread).  None needs DPDK; all but the path and
 * argument helpers need CAP_BPF and CAP_NET_ADMIN (root).  Errors are
 * 0 / -errno with a message in @p err.
 */
#ifndef TURNPIKE_DP_XDP_H
#define TURNPIKE_DP_XDP_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/tp_xdp_abi.h"
#include "turnpike/plane.h"

/** How the program is attached (the kernel decides; the PMD asks for no
 *  mode, so a driver with native XDP, veth included, gets native). */
enum dp_xdp_mode {
	DP_XDP_MODE_NONE,    /**< not attached (opened from a program fd) */
	DP_XDP_MODE_NATIVE,  /**< in the driver */
	DP_XDP_MODE_GENERIC, /**< on the skb, after the driver (slow) */
	DP_XDP_MODE_OFFLOAD, /**< on the NIC */
};

/** Our program and its maps: descriptors owned by this handle. */
struct dp_xdp {
	int prog_fd;
	int xsks_fd;  /**< xsks_map (the PMD's) */
	int cfg_fd;   /**< tp_cfg */
	int addr4_fd; /**< tp_addr4 */
	int addr6_fd; /**< tp_addr6 */
	int stats_fd; /**< tp_stats */
	uint32_t prog_id;
	enum dp_xdp_mode mode;
	unsigned int n_addr4; /**< IPv4 addresses steered (last configure) */
	unsigned int n_addr6; /**< IPv6 addresses steered (last configure) */
};

/**
 * The program's object file: the build tree's when this executable runs
 * from the build tree, else the installed one.  Never NULL; the file may
 * not exist (a build without clang or libbpf headers makes none).
 */
const char *dp_xdp_prog_path(void);

/**
 * Write into @p buf the --vdev argument for net_af_xdp on @p ifname with
 * @p queue_count queues from queue 0 and the program at @p prog_path:
 * "net_af_xdp<index>,iface=IF,start_queue=0,queue_count=N,xdp_prog=PATH".
 * @return 0; -EINVAL for an empty name, no queue, more than
 * TP_XDP_MAX_QUEUES queues, or a ',' in @p ifname or @p prog_path (it
 * would split the devargs); -ENAMETOOLONG if it does not fit @p len.
 */
int dp_xdp_vdev_arg(char *buf, size_t len, unsigned int index, const char *ifname,
		    uint16_t queue_count, const char *prog_path);

/**
 * Open the XDP program attached to interface @p ifindex (for the af_xdp
 * port: rte_eth_dev_info.if_index, read after dp_port_init()) and its
 * maps, checking that it is ours (name TP_XDP_PROG_NAME) and that its maps
 * have the layout tp_xdp_abi.h gives (an object from another build would
 * not).  @p x is set even on failure, so dp_xdp_close() is always right.
 * @return 0; -ENOENT if no program is attached or it is not ours; -EPROTO
 * if a map is missing or of another layout; or a libbpf/kernel -errno
 * (-EPERM without privileges).
 */
int dp_xdp_open_iface(struct dp_xdp *x, unsigned int ifindex, char *err,
		      size_t err_len);

/**
 * Open the maps of our program loaded as @p prog_fd (not attached; the
 * tests load the object with libbpf).  @p prog_fd is duplicated, the caller
 * keeps its own.  Same checks and returns as dp_xdp_open_iface().
 */
int dp_xdp_open_prog(struct dp_xdp *x, int prog_fd, char *err, size_t err_len);

/**
 * Steer to the AF_XDP sockets UDP to @p p's listening addresses at
 * listen_port and to its relay addresses in [min_port, max_port], IPv4
 * ones through tp_addr4, IPv6 ones through tp_addr6.  Replaces what an
 * earlier call wrote: while it runs, the program steers part of the old
 * set, then nothing, then part of the new one; never a mix of the two.
 * @return 0; -EINVAL for a listen port of 0, min_port > max_port, or more
 * addresses than turnpike/plane.h allows; -EAFNOSUPPORT for an address of
 * neither family (the maps are left empty); or a map update's -errno.
 */
int dp_xdp_configure(struct dp_xdp *x, const struct tp_plane_params *p,
		     char *err, size_t err_len);

/**
 * The program's counters summed over CPUs, indexed by enum tp_xdp_counter.
 * @return 0 or the map lookup's -errno.
 */
int dp_xdp_stats_read(const struct dp_xdp *x, uint64_t out[TP_XDP_C__COUNT]);

/**
 * The counters as struct tp_plane_ops's port_counters wants them, named
 * "xdp.<name>" (@p x is a struct dp_xdp): at most @p max into @p out.
 * Control thread.  @return how many; 0 when the map cannot be read.
 */
unsigned int dp_xdp_counters(void *x, struct tp_plane_counter *out,
			     unsigned int max);

/** Name of counter @p i ("redirected", "pass_not_udp", ...), "?" if none. */
const char *dp_xdp_counter_name(unsigned int i);

/** Name of @p mode: "none", "native", "generic", "offload". */
const char *dp_xdp_mode_name(enum dp_xdp_mode mode);

/** Close the descriptors (the program stays attached: the PMD detaches it
 *  when the port closes).  Fine on a handle whose open failed. */
void dp_xdp_close(struct dp_xdp *x);

#endif /* TURNPIKE_DP_XDP_H */
