/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the control thread knows of the kernel's neighbour table in AF_XDP
 * mode, and what it does about each piece of news (cp_neigh_table.c):
 * the decisions of cp_neigh.c without its socket, so they are tested
 * without a kernel.
 *
 * Three kinds of news arrive: the kernel reports an entry (a dump reply or
 * an RTNLGRP_NEIGH notification), a worker misses a next hop
 * (DP_EVT_NEIGH_MISS), a worker uses one (DP_EVT_NEIGH_USED).  Each
 * answer is a set of actions: tell every worker the MAC (PUSH), send the
 * kernel NTF_USE for the address (USE: resolve it, or keep it fresh).
 *
 * Rules, and why:
 *  - Only next hops are kept: IPv4 and IPv6 addresses the fast path could
 *    resolve (inside a local-network, the gateway of the address's family,
 *    or anything when that family has no gateway), as dp_nexthop.c's
 *    next_hop_ip() picks them.  The workers' tables
 *    are small and never shrink; the host's other neighbours are not
 *    theirs.
 *  - The workers are told only what is new or changed, so a STALE or
 *    DELAY notification for a known MAC costs them nothing.
 *  - Nothing is taken back: when the kernel deletes or fails an entry the
 *    workers keep the MAC (the neighbour has not moved because the kernel
 *    forgot it, and a fast path that dropped traffic for it would only
 *    ask again); a new MAC overwrites.  As dp_neigh.c never forgets.
 *  - NTF_USE is never sent for a PERMANENT or NOARP entry: it would strip
 *    NUD_PERMANENT (see turnpike/nl_neigh.h).  Those are the
 *    administrator's; they are pushed as they are.
 *  - NTF_USE at most once per CP_NEIGH_REPEAT_MS per address, however
 *    many workers miss or use it at once.
 *
 * Control thread only; no allocation after init, no I/O.
 */
#ifndef TURNPIKE_CP_NEIGH_TABLE_H
#define TURNPIKE_CP_NEIGH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"
#include "turnpike/dp_msg.h"
#include "turnpike/nl_neigh.h"
#include "turnpike/plane.h"

#define CP_NEIGH_SLOTS 4096 /**< power of two; > a worker's table */
#define CP_NEIGH_REPEAT_MS 1000

/** Actions an answer asks for (bits). */
enum cp_neigh_act {
	CP_NEIGH_PUSH = 1u << 0, /**< DP_CMD_NEIGH_SET ip -> mac to every worker */
	CP_NEIGH_USE = 1u << 1, /**< RTM_NEWNEIGH NTF_USE for ip */
};

/** One next hop. */
struct cp_neigh_entry {
	struct tp_ip ip;         /**< TP_AF_NONE: a free slot */
	uint8_t mac[DP_MAC_LEN]; /**< what the workers were told */
	bool has_mac;
	uint16_t kstate;     /**< the kernel's NUD_* state; 0 once deleted */
	uint64_t use_ns;     /**< last NTF_USE sent; 0: never */
	uint64_t waiting_ns; /**< first miss not yet answered; 0: none */
};

/** The table and what decides which addresses belong in it. */
struct cp_neigh_table {
	int32_t ifindex;       /**< the interface the port shares */
	struct tp_ip gateway;  /**< TP_AF_NONE if none */
	struct tp_ip gateway6; /**< IPv6; family TP_AF_NONE if none */
	uint16_t n_local;
	struct tp_ip_range local_nets[TP_PLANE_MAX_LOCAL_NETS];
	size_t n_entries;
	struct cp_neigh_entry e[CP_NEIGH_SLOTS];
};

/** Empty @p t for interface @p ifindex and @p p's next-hop rule. */
void cp_neigh_table_init(struct cp_neigh_table *t, int32_t ifindex,
			 const struct tp_plane_params *p);

/** Whether @p ip is a next hop the fast path could ask for. */
bool cp_neigh_table_wants(const struct cp_neigh_table *t, const struct tp_ip *ip);

/** The entry for @p ip, or NULL. */
const struct cp_neigh_entry *cp_neigh_table_find(const struct cp_neigh_table *t,
						 const struct tp_ip *ip);

/**
 * The kernel reported @p n at @p now_ns.  @return CP_NEIGH_PUSH when the
 * workers must be told (@p *entry then says what); 0 otherwise, also for
 * another interface, family or a non-next-hop.  @p *waited_ns is how long
 * the first unanswered miss waited for this answer (0: none waited).
 * @p *full is set when the entry could not be kept (table full).
 */
unsigned int cp_neigh_table_kernel(struct cp_neigh_table *t,
				   const struct nl_neigh *n, uint64_t now_ns,
				   const struct cp_neigh_entry **entry,
				   uint64_t *waited_ns, bool *full);

/**
 * A worker has no MAC for next hop @p ip at @p now_ns.  @return PUSH when
 * the MAC is known here (that worker missed it), USE when the kernel must
 * resolve it (unless asked in the last CP_NEIGH_REPEAT_MS or static), or 0
 * (also when @p ip is no next hop, or the table is full: *full).
 */
unsigned int cp_neigh_table_miss(struct cp_neigh_table *t,
				 const struct tp_ip *ip, uint64_t now_ns,
				 const struct cp_neigh_entry **entry, bool *full);

/**
 * A worker sends to next hop @p ip with @p mac at @p now_ns.  @return USE
 * to keep the kernel's entry fresh (at most every CP_NEIGH_REPEAT_MS,
 * never for a static entry), PUSH when @p mac is not the kernel's latest
 * (the workers must be corrected), or 0.
 */
unsigned int cp_neigh_table_used(struct cp_neigh_table *t, const struct tp_ip *ip,
				 const uint8_t mac[DP_MAC_LEN], uint64_t now_ns,
				 const struct cp_neigh_entry **entry);

#endif /* TURNPIKE_CP_NEIGH_TABLE_H */
