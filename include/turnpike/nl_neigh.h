/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The kernel's neighbour table over rtnetlink, as bytes (nl_neigh.c): the
 * requests the control thread sends in AF_XDP mode, and a reader for what
 * the kernel sends back (RTM_NEWNEIGH and RTM_DELNEIGH, in dump replies
 * and RTNLGRP_NEIGH notifications, NLMSG_ERROR, NLMSG_DONE).  Both IPv4
 * (ARP) and IPv6 (ND) entries: one RTNLGRP_NEIGH group and one dump carry
 * both, told apart by ndm_family; entries of any other family (a bridge's
 * AF_BRIDGE forwarding entries share the group) are read without an
 * address, for the caller to ignore.
 *
 * Pure codec (CONVENTIONS.md 1): no socket, no allocation, no logging.
 * Builders write into a caller's buffer and return the length written, 0
 * when it does not fit.  The reader takes a datagram and its length and
 * fills a caller-owned struct per message; every length read off the
 * datagram is checked before it is used.  Any thread.
 *
 * A message as the kernel lays it out (all fields host byte order,
 * everything aligned to 4 bytes; RFC 3549 and rtnetlink(7)):
 *
 *     struct nlmsghdr   len (whole message), type, flags, seq, pid  16 B
 *     struct ndmsg      family, pad[3], ifindex, state, flags, type 12 B
 *     struct rtattr...  len (header + value), type, value, pad to 4
 *                       NDA_DST (4 or 16 B), NDA_LLADDR (6 B), ...
 */
#ifndef TURNPIKE_NL_NEIGH_H
#define TURNPIKE_NL_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

#define NL_NEIGH_MAC_LEN 6

/** Room a request needs: header, ndmsg and one attribute of 16 bytes. */
#define NL_NEIGH_REQ_MAX 64

/** A neighbour entry as the kernel reports it. */
struct nl_neigh {
	bool deleted; /**< RTM_DELNEIGH: the kernel dropped the entry */
	int32_t ifindex;
	uint16_t state;  /**< NUD_* bits (linux/neighbour.h) */
	uint8_t flags;   /**< NTF_* bits */
	struct tp_ip ip; /**< NDA_DST; TP_AF_NONE if absent or not IPv4/IPv6 */
	bool has_mac;    /**< an Ethernet NDA_LLADDR was present */
	uint8_t mac[NL_NEIGH_MAC_LEN];
};

/** What one message is, as far as a neighbour source cares. */
enum nl_msg_kind {
	NL_MSG_OTHER = 0, /**< a type not read here: skip it */
	NL_MSG_NEIGH,     /**< RTM_NEWNEIGH or RTM_DELNEIGH: @c neigh */
	NL_MSG_ERROR, /**< NLMSG_ERROR: @c error, 0 for an acknowledgement */
	NL_MSG_DONE,  /**< NLMSG_DONE: a dump ended */
};

/** One message of a datagram. */
struct nl_msg {
	enum nl_msg_kind kind;
	uint16_t type;  /**< nlmsg_type, as sent */
	uint16_t flags; /**< nlmsg_flags (NLM_F_DUMP_INTR: redo the dump) */
	uint32_t seq;   /**< the request's sequence number; 0 = notification */
	int error;      /**< NL_MSG_ERROR: 0 or a negative errno */
	struct nl_neigh neigh; /**< NL_MSG_NEIGH */
};

/**
 * Read the message at @p *off of the datagram @p buf (@p len bytes) into
 * @p out and move @p *off past it.  A neighbour message whose ndmsg is
 * short, or any message whose length runs past the datagram or under its
 * own header, is malformed: what follows it cannot be found.
 * @return 1 with a message, 0 at the datagram's end, -EBADMSG if malformed.
 */
int nl_msg_next(const uint8_t *buf, size_t len, size_t *off, struct nl_msg *out);

/**
 * RTM_GETNEIGH, a dump of the IPv4 and IPv6 neighbours on interface
 * @p ifindex: ndm_family AF_UNSPEC, which the kernel answers with its ARP
 * and ND tables in one dump, one NLMSG_DONE at the end (seen on Linux
 * 6.18, with and without NETLINK_GET_STRICT_CHK).  NDA_IFINDEX filters (a
 * kernel that ignores it sends every interface's, so readers filter too);
 * ndm_ifindex stays 0, as strict checking demands of a dump.  The reply
 * holds the kernel's multicast entries too (NOARP, e.g. ff02::16).
 * @return the length, or 0 if @p cap is short.
 */
size_t nl_neigh_dump_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex);

/**
 * RTM_NEWNEIGH with NTF_USE and NLM_F_CREATE: "@p ip on @p ifindex is in
 * use".  The kernel creates the entry if it has none and resolves it (an
 * ARP request now), revalidates a stale one (a unicast probe after
 * delay_first_probe_time) and records the use, so the entry is neither
 * garbage-collected nor left stale while only the fast path sends to it.
 * Never for a PERMANENT or NOARP entry: NTF_USE clears NUD_PERMANENT,
 * and the administrator's static entry becomes a dynamic one that fails
 * if the neighbour does not answer ARP (seen on Linux 6.18: PERMANENT,
 * then FAILED).  @return the length, or 0 if @p cap is
 * short or @p ip is neither IPv4 nor IPv6.
 */
size_t nl_neigh_use_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex,
			const struct tp_ip *ip);

/** Whether @p state holds a usable link-layer address (NUD_VALID). */
bool nl_neigh_state_valid(uint16_t state);

/** Whether @p state is one the kernel never resolves (PERMANENT, NOARP):
 *  an administrator's entry, never to be sent NTF_USE. */
bool nl_neigh_state_static(uint16_t state);

/** The name of the one NUD_* bit of @p state ("reachable", "stale", ...),
 *  "none" for 0, "?" for several or an unknown one. */
const char *nl_neigh_state_name(uint16_t state);

#endif /* TURNPIKE_NL_NEIGH_H */
