/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Two rtnetlink requests as bytes (nl_link.c), for the interface of the
 * exception port (exception-port mode): bring a link up, and give it an
 * address with its prefix.  The kernel's answers (NLMSG_ERROR, 0 for an
 * acknowledgement) are read with nl_msg_next() (turnpike/nl_neigh.h).
 *
 * Pure codec (CONVENTIONS.md 1), as nl_neigh.h: builders write into a
 * caller's buffer and return the length written, 0 when it does not fit
 * or the arguments cannot make a request.  Any thread.
 *
 *     struct nlmsghdr   len, type, flags, seq, pid                 16 B
 *     struct ifinfomsg  family, pad, type, index, flags, change    16 B
 *  or struct ifaddrmsg  family, prefixlen, flags, scope, index      8 B
 *     struct rtattr...  IFA_LOCAL, IFA_ADDRESS (4 or 16 B each)
 */
#ifndef TURNPIKE_NL_LINK_H
#define TURNPIKE_NL_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/** Room either request needs. */
#define NL_LINK_REQ_MAX 80

/**
 * RTM_NEWLINK on @p ifindex setting IFF_UP (and only it: ifi_change),
 * acknowledged (NLM_F_ACK).  @return the length, or 0.
 */
size_t nl_link_up_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex);

/**
 * RTM_NEWADDR: @p ip/@p prefix on @p ifindex (IFA_LOCAL and IFA_ADDRESS
 * both @p ip, as `ip addr add` sends), created or replaced
 * (NLM_F_CREATE | NLM_F_REPLACE: an address already there is no error),
 * acknowledged.  The kernel adds the prefix's connected route with it.
 * An IPv6 address is added with IFA_F_NODAD, usable at once (not
 * tentative while duplicate address detection runs; nl_link.c says why).
 * @return the length, or 0 if @p cap is short, @p ip is neither IPv4 nor
 * IPv6, or @p prefix is longer than its family's address.
 */
size_t nl_addr_add_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex,
		       const struct tp_ip *ip, uint8_t prefix);

/** Prefix length of @p range if it is exactly a CIDR block (lo all zero
 *  bits after the prefix, hi all ones, same family), else -1. */
int nl_prefix_of_range(const struct tp_ip_range *range);

#endif /* TURNPIKE_NL_LINK_H */
