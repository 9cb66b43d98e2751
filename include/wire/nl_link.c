/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink link and address requests as bytes (see turnpike/nl_link.h).
 *
 * Pure: no socket, no allocation.  Called by the control plane's
 * interface set-up (controlplane/cp_netif.c) and by the tests.  Netlink is
 * host byte order; headers are written with memcpy from a filled struct,
 * so the caller's buffer need not be aligned.
 */
#include <string.h>
#include <sys/socket.h>

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "turnpike/nl_link.h"

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* The netlink header and the family header @fam (@fam_len bytes). */
static size_t
req_start(uint8_t *buf, size_t cap, uint16_t type, uint16_t flags, uint32_t seq,
	  const void *fam, size_t fam_len)
{
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + ALIGN4(fam_len)),
		.nlmsg_type = type,
		.nlmsg_flags = flags,
		.nlmsg_seq = seq,
	};

	if (cap < h.nlmsg_len)
		return 0;
	memset(buf, 0, h.nlmsg_len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + NLMSG_HDRLEN, fam, fam_len);
	return h.nlmsg_len;
}

/* Append attribute @type of @vlen bytes to the message of @len bytes. */
static size_t
req_attr(uint8_t *buf, size_t cap, size_t len, uint16_t type, const void *v,
	 uint16_t vlen)
{
	struct rtattr a = { .rta_len = (uint16_t)RTA_LENGTH(vlen),
			    .rta_type = type };
	size_t total = len + RTA_SPACE(vlen);
	uint32_t nl_len = (uint32_t)total;

	if (len == 0 || total > cap)
		return 0;
	memset(buf + len, 0, RTA_SPACE(vlen));
	memcpy(buf + len, &a, sizeof(a));
	memcpy(buf + len + RTA_LENGTH(0), v, vlen);
	memcpy(buf, &nl_len, sizeof(nl_len)); /* nlmsg_len comes first */
	return total;
}

size_t
nl_link_up_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};

	return req_start(buf, cap, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq,
			 &ifi, sizeof(ifi));
}

size_t
nl_addr_add_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex,
		const struct tp_ip *ip, uint8_t prefix)
{
	struct ifaddrmsg ifa = {
		.ifa_prefixlen = prefix,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (uint32_t)ifindex,
	};
	uint16_t alen = (uint16_t)tp_ip_len(ip->family);
	size_t len;

	if (alen == 0 || prefix > alen * 8u)
		return 0;
	ifa.ifa_family = ip->family == TP_AF_INET ? AF_INET : AF_INET6;
	/*
	 * No duplicate address detection for IPv6 (`ip addr add ... nodad`):
	 * the address is turnpike's, which the fast path serves from its
	 * first packet whatever the kernel thinks.  With DAD the kernel keeps
	 * it tentative for a second or two after start-up, and for good if
	 * DAD ever saw a duplicate.  A tentative address is not answered in
	 * neighbour discovery, which the kernel does for us in this mode, so
	 * clients cannot reach the relay, and what is sent to it is dropped
	 * (RFC 4862 section 5.4): the fast path and the host would disagree
	 * on whether the address is ours.  IPv4 has no such check to skip.
	 * The flag fits ifa_flags, so no IFA_FLAGS attribute is needed.
	 */
	if (ip->family == TP_AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	len = req_start(buf, cap, RTM_NEWADDR,
			NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
			seq, &ifa, sizeof(ifa));
	len = req_attr(buf, cap, len, IFA_LOCAL, ip->bytes, alen);
	return req_attr(buf, cap, len, IFA_ADDRESS, ip->bytes, alen);
}

int
nl_prefix_of_range(const struct tp_ip_range *range)
{
	size_t n = tp_ip_len(range->lo.family);
	int prefix = -1;

	if (n == 0 || range->hi.family != range->lo.family)
		return -1;
	/* The prefix ends at the first bit where lo and hi differ; from
	 * there lo must be all zeros and hi all ones. */
	for (size_t bit = 0; bit < n * 8; bit++) {
		unsigned int lo = range->lo.bytes[bit / 8] >> (7 - bit % 8) & 1;
		unsigned int hi = range->hi.bytes[bit / 8] >> (7 - bit % 8) & 1;

		if (prefix < 0 && lo != hi)
			prefix = (int)bit;
		if (prefix >= 0 && (lo != 0 || hi != 1))
			return -1;
	}
	return prefix < 0 ? (int)(n * 8) : prefix;
}
