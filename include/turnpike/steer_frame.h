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
 * So the same code decides in both modes, for IPv4 and IPv6 alike:
 *
 *   UDP to (listening address, listen_port)      -> ours (the fast path)
 *   UDP to (relay address, min_port..max_port)   -> ours
 *   anything else: ARP, ICMP, ICMPv6 (neighbour discovery), TCP,
 *   VLAN-tagged, fragments, malformed headers, other UDP -> the kernel
 *
 * Why each case goes where it goes is written down once, at the top of
 * tp_xdp.bpf.c.  In short: only classification, no checksum (the fast
 * path validates what it gets); IPv4 options honoured (UDP is at IHL*4);
 * IPv6 extension headers a destination may pass over walked, at most
 * TP_STEER_IPV6_MAX_EXT of them (tp_steer_ipv6_udp()); every fragment to
 * the kernel (only the first carries ports, and one datagram's fragments
 * must not be split between two consumers).
 *
 * What this header cannot do in both worlds is find an address's roles
 * (BPF hash maps there, the fast path's address lists here), so each
 * includer defines
 *
 *     static __always_inline __u32
 *     tp_steer_roles_of4(const void *ctx, __u32 daddr_be);
 *     static __always_inline __u32
 *     tp_steer_roles_of6(const void *ctx, const __u8 daddr[16]);
 *
 * before including this header, returning the TP_STEER_ROLE_* bits of the
 * IPv4 address @c daddr_be (network byte order, as on the wire) or of the
 * IPv6 address at @c daddr (the wire's 16 bytes, copied to the stack, so
 * the XDP program may use it as a map key), 0 if not ours;
 * tp_steer_frame() passes them its own @c ctx.  (A prototype here would
 * warn, declared static and never defined, in every unit that includes the
 * header for nothing else; so the types are turnpike/steer.h's and only
 * the two users include this one.)  Frames are read as bytes, bounds
 * checked against @c end before every read (the verifier insists, and so
 * do we); nothing here needs libc, DPDK or a byte-order helper (ports are
 * read byte by byte, addresses are kept as the wire's bytes).
 */
#ifndef TURNPIKE_STEER_FRAME_H
#define TURNPIKE_STEER_FRAME_H

#include <linux/types.h>

#include "turnpike/steer.h"

/* IP protocol and IPv6 Next Header values the decision knows (IANA). */
#define TP_STEER_NH_HOP 0 /* IPv6 Hop-by-Hop Options */
#define TP_STEER_NH_UDP 17
#define TP_STEER_NH_ROUTING 43
#define TP_STEER_NH_FRAGMENT 44
#define TP_STEER_NH_DSTOPTS 60

/** Whether UDP to @p port at an address with @p roles is ours. */
static __always_inline int
tp_steer_port_is_ours(const struct tp_steer_ports *p, __u32 roles, __u16 port)
{
	if ((roles & TP_STEER_ROLE_LISTEN) && port == p->listen_port)
		return 1;
	return (roles & TP_STEER_ROLE_RELAY) && port >= p->min_port &&
	       port <= p->max_port;
}

/* The verdict on a UDP header already known to be whole, to an address
 * with @roles. */
static __always_inline enum tp_steer
tp_steer_udp_verdict(const struct tp_steer_ports *ports, __u32 roles,
		     const __u8 *udp)
{
	__u16 dport = (__u16)(udp[2] << 8 | udp[3]);

	if (roles == 0)
		return TP_STEER_NOT_OURS;
	return tp_steer_port_is_ours(ports, roles, dport) ? TP_STEER_OURS :
							    TP_STEER_NOT_OURS;
}

/* IPv4 at @ip (the EtherType said so). */
static __always_inline enum tp_steer
tp_steer_ipv4(const __u8 *ip, const __u8 *end,
	      const struct tp_steer_ports *ports, const void *roles_ctx)
{
	const __u8 *udp;
	__u32 daddr_be;

	if (ip + 20 > end)
		return TP_STEER_MALFORMED;
	if ((ip[0] >> 4) != 4 || (ip[0] & 0x0f) < 5)
		return TP_STEER_MALFORMED;
	/* MF flag or a fragment offset: bits 0x3FFF of bytes 6-7. */
	if ((ip[6] & 0x3f) != 0 || ip[7] != 0)
		return TP_STEER_FRAGMENT;
	if (ip[9] != TP_STEER_NH_UDP)
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
	return tp_steer_udp_verdict(ports,
				    tp_steer_roles_of4(roles_ctx, daddr_be), udp);
}

/**
 * Where UDP starts in the IPv6 packet at @p ip, whose fixed 40-byte header
 * is whole before @p end: set @p *udp and return TP_STEER_OURS if the
 * header chain leads to a UDP header that is whole, else the kernel's
 * verdict.  RFC 8200 section 4, as a destination host reads it:
 *
 *   Next Header  what it is            here
 *   0            Hop-by-Hop Options    skipped; only right after the fixed
 *                                      header (section 4.1), else MALFORMED
 *   43           Routing               skipped if Segments Left is 0
 *                                      (section 4.4: "ignore"), else
 *                                      IPV6_EXT: the packet is to be
 *                                      routed on, not delivered to us
 *   60           Destination Options   skipped
 *   44           Fragment              FRAGMENT: the kernel reassembles
 *   17           UDP                   found, if its 8 bytes are there
 *   anything else (ICMPv6 58, TCP 6, ESP 50, AH 51, No Next Header 59,
 *   Mobility 135, ...)                  NOT_UDP: the kernel's
 *
 * The three skippable headers share one layout: byte 0 the next header,
 * byte 1 the length in 8-byte units not counting the first 8:
 *
 *    0               1               2               3
 *   +---------------+---------------+---------------+---------------+
 *   |  Next Header  |  Hdr Ext Len  | (Routing: type, segments left)|
 *   +---------------+---------------+---------------+---------------+
 *   |        ... (Hdr Ext Len + 1) * 8 bytes in all ...             |
 *
 * At most TP_STEER_IPV6_MAX_EXT are skipped; a fifth skippable one is
 * IPV6_EXT.  Each step adds at most 2,048 bytes to the offset, so the
 * verifier sees it bounded.  The fast path must find UDP where this does,
 * or a frame steered to it as ours is one it cannot parse.
 */
static __always_inline enum tp_steer
tp_steer_ipv6_udp(const __u8 *ip, const __u8 *end, const __u8 **udp)
{
	const __u8 *h = ip + 40;
	__u8 nh = ip[6];

	for (unsigned int i = 0; nh != TP_STEER_NH_UDP; i++) {
		if (nh == TP_STEER_NH_FRAGMENT)
			return TP_STEER_FRAGMENT;
		if (nh != TP_STEER_NH_HOP && nh != TP_STEER_NH_ROUTING &&
		    nh != TP_STEER_NH_DSTOPTS)
			return TP_STEER_NOT_UDP;
		if (nh == TP_STEER_NH_HOP && i > 0)
			return TP_STEER_MALFORMED;
		if (i == TP_STEER_IPV6_MAX_EXT)
			return TP_STEER_IPV6_EXT;
		/* Every extension header is at least 8 bytes, and its
		 * length byte is in the first 8. */
		if (h + 8 > end)
			return TP_STEER_MALFORMED;
		if (nh == TP_STEER_NH_ROUTING && h[3] != 0)
			return TP_STEER_IPV6_EXT;
		nh = h[0];
		h += ((__u32)h[1] + 1) * 8;
	}
	if (h + 8 > end)
		return TP_STEER_MALFORMED;
	*udp = h;
	return TP_STEER_OURS;
}

/* IPv6 at @ip (the EtherType said so). */
static __always_inline enum tp_steer
tp_steer_ipv6(const __u8 *ip, const __u8 *end,
	      const struct tp_steer_ports *ports, const void *roles_ctx)
{
	const __u8 *udp = 0;
	__u8 daddr[16];
	enum tp_steer v;

	if (ip + 40 > end)
		return TP_STEER_MALFORMED;
	if ((ip[0] >> 4) != 6)
		return TP_STEER_MALFORMED;
	v = tp_steer_ipv6_udp(ip, end, &udp);
	if (v != TP_STEER_OURS)
		return v;
	if (ports == 0)
		return TP_STEER_NOT_OURS;
	/* The destination's 16 bytes, copied where a map key may be. */
	__builtin_memcpy(daddr, ip + 24, sizeof(daddr));
	return tp_steer_udp_verdict(ports, tp_steer_roles_of6(roles_ctx, daddr),
				    udp);
}

/**
 * The verdict on the Ethernet frame [@p data, @p end).  @p ports NULL (the
 * XDP program's configuration unreadable) steers nothing to us.
 */
static __always_inline enum tp_steer
tp_steer_frame(const __u8 *data, const __u8 *end,
	       const struct tp_steer_ports *ports, const void *roles_ctx)
{
	const __u8 *ip = data + 14;

	if (ip > end)
		return TP_STEER_MALFORMED;
	/* EtherType 0x0800 or 0x86DD; a VLAN tag (0x8100) is not looked
	 * into. */
	if (data[12] == 0x08 && data[13] == 0x00)
		return tp_steer_ipv4(ip, end, ports, roles_ctx);
	if (data[12] == 0x86 && data[13] == 0xdd)
		return tp_steer_ipv6(ip, end, ports, roles_ctx);
	return TP_STEER_NOT_IP;
}

#endif /* TURNPIKE_STEER_FRAME_H */
