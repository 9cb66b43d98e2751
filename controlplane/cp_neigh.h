/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The fast path's next hops from the kernel's neighbour table, for AF_XDP
 * mode (cp_neigh.c), where the host keeps the interface and so owns ARP
 * and neighbour discovery on it: ARP replies and neighbour advertisements
 * reach the kernel, never the workers.
 *
 * An rtnetlink socket on the control thread: a dump of the interface's
 * IPv4 and IPv6 neighbours at start (one dump, AF_UNSPEC), then every
 * RTNLGRP_NEIGH notification (one group for both families); each next hop
 * that is new or has moved is pushed to every worker as DP_CMD_NEIGH_SET.
 * A worker's miss (DP_EVT_NEIGH_MISS) becomes RTM_NEWNEIGH with NTF_USE,
 * which makes the kernel resolve (an ARP request or a neighbour
 * solicitation now); its answer arrives as a notification.  A worker's report
 * of a next hop in use (DP_EVT_NEIGH_USED) becomes NTF_USE too, so the
 * kernel keeps and revalidates the entry although it never sees our
 * traffic.  The decisions are cp_neigh_table.h's; this unit does the I/O.
 *
 * Control thread only.  Errors: constructors return NULL with a message;
 * the rest count what went wrong (cp_neigh_counter) and log it.
 */
#ifndef TURNPIKE_CP_NEIGH_H
#define TURNPIKE_CP_NEIGH_H

#include <stddef.h>
#include <stdint.h>

#include "turnpike/dp_msg.h"
#include "turnpike/plane.h"

/** Counters and gauges: X(name, description). */
#define CP_NEIGH_COUNTER_LIST(X)                                               \
	X(kernel_msgs, "neighbour messages from the kernel for our next hops") \
	X(pushed, "next hops told to every worker (new or moved)")             \
	X(misses, "workers' misses (DP_EVT_NEIGH_MISS)")                       \
	X(in_use, "workers' reports of next hops in use (DP_EVT_NEIGH_USED)")  \
	X(resolve_asked, "NTF_USE sent for a next hop without a MAC")          \
	X(refreshed, "NTF_USE sent to keep a next hop in use fresh")           \
	X(resolved, "next hops the kernel resolved after a worker missed")     \
	X(resolve_us_last, "microseconds from miss to answer, last one")       \
	X(resolve_us_max, "microseconds from miss to answer, longest")         \
	X(kernel_errors, "requests the kernel refused (NLMSG_ERROR)")          \
	X(send_failed, "requests the socket did not take")                     \
	X(dumps, "dumps of the kernel's table (start, lost notifications)")    \
	X(lost, "times notifications were lost (ENOBUFS, truncated)")          \
	X(table_full, "next hops not kept: table full")

#define CP_NEIGH_ENUM_(name, text) CP_NEIGH_C_##name,
/** Index of each counter. */
enum cp_neigh_counter {
	CP_NEIGH_COUNTER_LIST(CP_NEIGH_ENUM_) CP_NEIGH_C__COUNT
};
#undef CP_NEIGH_ENUM_

struct cp_neigh;

/**
 * Open the rtnetlink socket for interface @p ifindex, join RTNLGRP_NEIGH
 * and ask for a dump; next hops are those of @p p's rule (local networks,
 * gateway).  Needs CAP_NET_ADMIN for NTF_USE later.  @return the source,
 * or NULL with a message in @p err.
 */
struct cp_neigh *cp_neigh_create(int32_t ifindex, const struct tp_plane_params *p,
				 char *err, size_t err_len);

/**
 * Read what the kernel sent (at most a bounded number of datagrams), push
 * news to the workers through @p plane, and redo the dump when
 * notifications were lost.  Does nothing when called again within the same
 * millisecond @p now_ms, unless the kernel was asked to resolve in the last
 * few milliseconds (its answer is awaited: one recvmsg per call).
 */
void cp_neigh_poll(struct cp_neigh *n, const struct tp_plane_ops *plane,
		   uint64_t now_ms);

/** A worker's DP_EVT_NEIGH_MISS or DP_EVT_NEIGH_USED. */
void cp_neigh_event(struct cp_neigh *n, const struct tp_plane_ops *plane,
		    const struct dp_evt *ev);

/** Counter @p c. */
uint64_t cp_neigh_counter(const struct cp_neigh *n, enum cp_neigh_counter c);

/** Name of counter @p c ("pushed", ...), "?" if none. */
const char *cp_neigh_counter_name(enum cp_neigh_counter c);

/** Next hops known (kept in the table). */
size_t cp_neigh_entries(const struct cp_neigh *n);

/** Close the socket and free.  NULL is fine. */
void cp_neigh_destroy(struct cp_neigh *n);

#endif /* TURNPIKE_CP_NEIGH_H */
