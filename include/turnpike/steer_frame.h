/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Which frames are turnpike's: the one steering decision of the modes in
 * which turnpike shares a NIC with the host's kernel.  Header only, and
 * written for two compilers:
 *
 *  - clang -target bpf: the XDP program of AF_XDP mode
 *    (dataplane/bpf/tp_xdp.bpf.c) runs it in the driver, and passes what
 *    is not ours to the kernel (XDP_PASS);
 *  - the worker of exception-port mode (dataplane/dp_xport.c), on a PMD
 *    that takes the NIC from the kernel, runs it on every frame it
 *    receives from the NIC, and writes what is not ours to the exception
 *    port (a TAP interface), where the kernel gets it.
 *
 * So the same code decides in both modes:
 *
 *   UDP to (listening address, listen_port)      -> ours (the fast path)
 *   UDP to (relay address, min_port..max_port)   -> ours
 *   anything else: ARP, ICMP, TCP, IPv6, VLAN-tagged, fragments,
 *   malformed headers, other UDP                  -> the kernel
 *
 * Why each case goes where it goes is written down once, at the top of
 * tp_xdp.bpf.c.  In short: only classification, no checksum (the fast
 * path validates what it gets); IPv4 options honoured (UDP is at IHL*4);
 * every fragment to the kernel (only the first carries ports, and one
 * datagram's fragments must not be split between two consumers).
 *
 * What this header cannot do in both worlds is find an address's roles
 * (a BPF hash map there, the fast path's address lists here), so each
 * includer defines
 *
 *     static __always_inline __u32
 *     tp_steer_roles_of(const void *ctx, __u32 daddr_be);
 *
 * before including this header, returning the TP_STEER_ROLE_* bits of the IPv4 address @c daddr_be
 * (network byte order, as on the wire), 0 if not ours; tp_steer_frame()
 * passes it its own @c ctx.  (A prototype here would warn, declared static
 * and never defined, in every unit that includes the header for nothing
 * else; so the types are turnpike/steer.h's and only the two users
 * include this one.)  Frames are read as bytes, bounds checked
 * against @c end before every read (the verifier insists, and so do we);
 * nothing here needs libc, DPDK or a byte-order helper (ports are read
 * byte by byte, the address is kept as the wire's bytes).
 */
#ifndef TURNPIKE_STEER_FRAME_H
#define TURNPIKE_STEER_FRAME_H

#include <linux/types.h>

#include "turnpike/steer.h"

/** Whether UDP to @p port at an address with @p roles is ours. */
static __always_inline int
tp_steer_port_is_ours(const struct tp_steer_ports *p, __u32 roles, __u16 port)
{
	if ((roles & TP_STEER_ROLE_LISTEN) && port == p->listen_port)
		return 1;
	return (roles & TP_STEER_ROLE_RELAY) && port >= p->min_port &&
	       port <= p->max_port;
}

/**
 * The verdict on the Ethernet frame [@p data, @p end).  @p ports NULL (the
 * XDP program's configuration unreadable) steers nothing to us.
 */
static __always_inline enum tp_steer
tp_steer_frame(const __u8 *data, const __u8 *end,
	       const struct tp_steer_ports *ports, const void *roles_ctx)
{
	const __u8 *ip = data + 14, *udp;
	__u32 daddr_be, roles;
	__u16 dport;

	if (ip > end)
		return TP_STEER_MALFORMED;
	/* EtherType 0x0800; a VLAN tag (0x8100) is not looked into. */
	if (data[12] != 0x08 || data[13] != 0x00)
		return TP_STEER_NOT_IPV4;
	if (ip + 20 > end)
		return TP_STEER_MALFORMED;
	if ((ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5)
		return TP_STEER_MALFORMED;
	/* MF flag or a fragment offset: bits 0x3FFF of bytes 6-7. */
	if ((ip[6] & 0x3f) != 0 || ip[7] != 0)
		return TP_STEER_FRAGMENT;
	if (ip[9] != 17)
		return TP_STEER_NOT_UDP;
	/* Options or not, UDP starts IHL words in (IHL <= 15: the verifier
	 * knows the offset's bound). */
	udp = ip + (ip[0] & 0x0f) * 4;
	if (udp + 8 > end)
		return TP_STEER_MALFORMED;
	if (ports == 0)
		return TP_STEER_NOT_OURS;
	/* The wire's four bytes, as the lookups key on them. */
	__builtin_memcpy(&daddr_be, ip + 16, sizeof(daddr_be));
	roles = tp_steer_roles_of(roles_ctx, daddr_be);
	if (roles == 0)
		return TP_STEER_NOT_OURS;
	dport = (__u16)(udp[2] << 8 | udp[3]);
	return tp_steer_port_is_ours(ports, roles, dport) ? TP_STEER_OURS :
							    TP_STEER_NOT_OURS;
}

#endif /* TURNPIKE_STEER_FRAME_H */
