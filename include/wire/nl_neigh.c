/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink neighbour messages as bytes (see turnpike/nl_neigh.h).
 *
 * Pure: no socket, no allocation.  Called by the control thread's
 * neighbour source (controlplane/cp_neigh.c) and by the tests.  Fields are
 * read with memcpy: a datagram from a test need not be aligned, and
 * netlink is host byte order, so nothing is swapped.
 *
 * The kernel pads every message and attribute to 4 bytes; the reader
 * steps by the padded length but never past the datagram, so a last
 * message without its padding is still read.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "turnpike/nl_neigh.h"

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)
#define NDMSG_LEN sizeof(struct ndmsg)

static uint16_t
get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* NDA_DST's value of @len bytes, for an ndmsg of family @af. */
static void
read_dst(struct nl_neigh *n, uint8_t af, const uint8_t *v, size_t len)
{
	if (af == AF_INET && len == 4) {
		n->ip.family = TP_AF_INET;
		memcpy(n->ip.bytes, v, 4);
	} else if (af == AF_INET6 && len == 16) {
		n->ip.family = TP_AF_INET6;
		memcpy(n->ip.bytes, v, 16);
	}
	/* Another family, or a length that does not match it: no address,
	 * and the caller ignores the entry. */
}

/* The ndmsg and attributes of a neighbour message, @len bytes at @p. */
static int
read_neigh(struct nl_neigh *n, const uint8_t *p, size_t len)
{
	struct ndmsg nd;
	size_t off;

	if (len < NDMSG_LEN)
		return -EBADMSG;
	memcpy(&nd, p, sizeof(nd));
	n->ifindex = nd.ndm_ifindex;
	n->state = nd.ndm_state;
	n->flags = nd.ndm_flags;
	for (off = ALIGN4(NDMSG_LEN); off + sizeof(struct rtattr) <= len;) {
		uint16_t a_len = get16(p + off), a_type = get16(p + off + 2);
		const uint8_t *v = p + off + sizeof(struct rtattr);
		size_t v_len;

		/* An attribute lying about its size: nothing after it can be
		 * trusted, but what was read before it stands. */
		if (a_len < sizeof(struct rtattr) || a_len > len - off)
			return -EBADMSG;
		v_len = a_len - sizeof(struct rtattr);
		switch (a_type & NLA_TYPE_MASK) {
		case NDA_DST:
			read_dst(n, nd.ndm_family, v, v_len);
			break;
		case NDA_LLADDR:
			if (v_len == NL_NEIGH_MAC_LEN) {
				n->has_mac = true;
				memcpy(n->mac, v, NL_NEIGH_MAC_LEN);
			}
			break;
		default:
			break;
		}
		off += ALIGN4(a_len);
	}
	return 0;
}

int
nl_msg_next(const uint8_t *buf, size_t len, size_t *off, struct nl_msg *out)
{
	const uint8_t *p;
	uint32_t m_len;
	size_t left;

	memset(out, 0, sizeof(*out));
	if (*off >= len)
		return 0;
	left = len - *off;
	p = buf + *off;
	if (left < sizeof(struct nlmsghdr))
		return -EBADMSG;
	m_len = get32(p);
	if (m_len < sizeof(struct nlmsghdr) || m_len > left)
		return -EBADMSG;
	out->type = get16(p + 4);
	out->flags = get16(p + 6);
	out->seq = get32(p + 8);
	p += sizeof(struct nlmsghdr);
	m_len -= sizeof(struct nlmsghdr);
	switch (out->type) {
	case NLMSG_ERROR:
		/* The errno (negative, 0 for an acknowledgement), then the
		 * request's header, which is not read. */
		if (m_len < sizeof(int32_t))
			return -EBADMSG;
		out->kind = NL_MSG_ERROR;
		out->error = (int32_t)get32(p);
		break;
	case NLMSG_DONE:
		out->kind = NL_MSG_DONE;
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		out->kind = NL_MSG_NEIGH;
		out->neigh.deleted = out->type == RTM_DELNEIGH;
		if (read_neigh(&out->neigh, p, m_len) != 0)
			return -EBADMSG;
		break;
	default:
		out->kind = NL_MSG_OTHER;
		break;
	}
	*off += ALIGN4(get32(buf + *off));
	if (*off > len)
		*off = len;
	return 1;
}

/* The header and ndmsg of a request; attributes are added after. */
static size_t
req_start(uint8_t *buf, size_t cap, uint16_t type, uint16_t flags, uint32_t seq,
	  int32_t ifindex, uint8_t ndm_flags, uint8_t af)
{
	struct nlmsghdr h = { .nlmsg_type = type,
			      .nlmsg_flags = flags,
			      .nlmsg_seq = seq };
	struct ndmsg nd = { .ndm_family = af,
			    .ndm_ifindex = ifindex,
			    .ndm_flags = ndm_flags };
	size_t len = sizeof(h) + ALIGN4(sizeof(nd));

	if (cap < len)
		return 0;
	memset(buf, 0, len);
	memcpy(buf + sizeof(h), &nd, sizeof(nd));
	h.nlmsg_len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

/* Append attribute @type with @v_len bytes of @v to the request of @len
 * bytes, and fix its header's length.  @return the new length, or 0. */
static size_t
req_attr(uint8_t *buf, size_t cap, size_t len, uint16_t type, const void *v,
	 uint16_t v_len)
{
	struct rtattr a = { .rta_len = (uint16_t)(sizeof(a) + v_len),
			    .rta_type = type };
	size_t end = len + ALIGN4(sizeof(a) + v_len);
	uint32_t total = (uint32_t)end;

	if (len == 0 || end > cap)
		return 0;
	memset(buf + len, 0, end - len);
	memcpy(buf + len, &a, sizeof(a));
	memcpy(buf + len + sizeof(a), v, v_len);
	memcpy(buf, &total, sizeof(total)); /* nlmsg_len comes first */
	return end;
}

size_t
nl_neigh_dump_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex)
{
	uint32_t idx = (uint32_t)ifindex;
	/* AF_UNSPEC: the kernel walks every neighbour table (ARP's, then
	 * ND's) in this one dump, which ends with one NLMSG_DONE; a dump per
	 * family would need the first to end before the second may start
	 * (one dump at a time per socket).  Other families' entries, if a
	 * kernel has such tables, are read as no address and ignored. */
	size_t len = req_start(buf, cap, RTM_GETNEIGH,
			       NLM_F_REQUEST | NLM_F_DUMP, seq, 0, 0, AF_UNSPEC);

	return req_attr(buf, cap, len, NDA_IFINDEX, &idx, sizeof(idx));
}

size_t
nl_neigh_use_req(uint8_t *buf, size_t cap, uint32_t seq, int32_t ifindex,
		 const struct tp_ip *ip)
{
	uint8_t af = ip->family == TP_AF_INET  ? AF_INET :
		     ip->family == TP_AF_INET6 ? AF_INET6 :
						 AF_UNSPEC;
	size_t len;

	if (af == AF_UNSPEC)
		return 0;
	/* No NLM_F_ACK: the kernel reports failures anyway, and a success
	 * shows as the entry's own notification. */
	len = req_start(buf, cap, RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE,
			seq, ifindex, NTF_USE, af);
	return req_attr(buf, cap, len, NDA_DST, ip->bytes,
			(uint16_t)tp_ip_len(ip->family));
}

bool
nl_neigh_state_valid(uint16_t state)
{
	/* The kernel's NUD_VALID (net/neighbour.h), not in the UAPI headers. */
	return (state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE |
			 NUD_STALE | NUD_DELAY)) != 0;
}

bool
nl_neigh_state_static(uint16_t state)
{
	return (state & (NUD_PERMANENT | NUD_NOARP)) != 0;
}

const char *
nl_neigh_state_name(uint16_t state)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ NUD_INCOMPLETE, "incomplete" },
		{ NUD_REACHABLE, "reachable" },
		{ NUD_STALE, "stale" },
		{ NUD_DELAY, "delay" },
		{ NUD_PROBE, "probe" },
		{ NUD_FAILED, "failed" },
		{ NUD_NOARP, "noarp" },
		{ NUD_PERMANENT, "permanent" },
	};

	if (state == NUD_NONE)
		return "none";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (state == names[i].bit)
			return names[i].name;
	return "?";
}
