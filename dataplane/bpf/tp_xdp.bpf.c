/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program of AF_XDP mode: which frames are turnpike's.
 *
 * DPDK's net_af_xdp PMD loads this object (its xdp_prog= devarg), attaches
 * it to the interface and puts the AF_XDP socket of each of its RX queues
 * into xsks_map at that queue's index.  The server then fills tp_cfg,
 * tp_addr4 and tp_addr6 (dataplane/dp_xdp.c).  From then on, in the
 * driver's receive path, for every frame, IPv4 or IPv6:
 *
 *   UDP to (listening address, listen_port)      -> the AF_XDP socket
 *   UDP to (relay address, min_port..max_port)   -> the AF_XDP socket
 *   anything else                                 -> the kernel (XDP_PASS)
 *
 * so the host keeps its addresses on the interface: ARP, ICMP, ICMPv6
 * (neighbour discovery included), TCP and TLS (TURN over streams, served
 * by the kernel's stack), ssh, and UDP to other ports all reach the kernel
 * as if no program were there.  Until the maps
 * are filled nothing matches, so a half-started server steals nothing.
 *
 * Decisions, and why:
 *  - The program only classifies; it checks no checksum and no length
 *    beyond the headers it reads.  The fast path validates every frame it
 *    gets (dp_udp4_parse) and counts what it drops; doing it twice costs
 *    cycles on the path every frame of the host takes.
 *  - IPv4 options: the UDP header is found at IHL * 4, so a datagram with
 *    options is classified by its real ports (the fast path handles IHL
 *    too).  IHL < 5 is impossible: passed, the kernel drops it.
 *  - IPv4 fragments go to the kernel, all of them: only the first carries
 *    the UDP ports, so the others could never be matched, and splitting a
 *    datagram's fragments between two consumers guarantees that neither
 *    reassembles it.  The fast path drops fragments anyway (it does not
 *    reassemble: TURN's media datagrams fit the path MTU); the kernel
 *    reassembles within its own memory limits and answers or drops.
 *  - VLAN-tagged frames are passed, not looked into: the fast path does
 *    not parse tags and its replies would leave untagged.  A VLAN is served
 *    by running on the VLAN's own interface (or with the NIC stripping the
 *    tag before XDP).
 *  - No socket on the frame's RX queue (the PMD serves fewer queues than
 *    the NIC has, or it is stopping): bpf_redirect_map() falls back to
 *    XDP_PASS, and the kernel answers as it would without us.
 *  - ICMPv6 is the kernel's, all of it, as ARP is: the kernel keeps the
 *    interface's IPv6 addresses, so it answers neighbour solicitations
 *    for them and resolves next hops, as it does with ARP for IPv4.  Two
 *    speakers of neighbour discovery for one address would disagree on
 *    what is reachable (README, "next hops from the kernel").
 *  - IPv6 extension headers: Hop-by-Hop Options (first only, as RFC 8200
 *    section 4.1 allows), Destination Options and a Routing header with no
 *    segments left are skipped, four at most, to find UDP; that is what a
 *    destination host does with them, and the kernel would do the same
 *    before giving the datagram to a socket.  A Routing header with
 *    segments left (the packet goes on to another node), a longer chain,
 *    and every other header (ESP, AH, Mobility, No Next Header ...) are
 *    the kernel's: they are not UDP we can read without doing its work.
 *  - IPv6 fragments (a Fragment header anywhere in the walked chain) go
 *    to the kernel for the same reasons as IPv4 ones.
 *
 * The decision is turnpike/steer.h's, the same code the worker of
 * exception-port mode runs on a NIC the kernel does not have; this file
 * adds the maps it reads and what is done with its verdict.  Every frame
 * moves exactly one per-CPU counter (tp_stats), which the server sums
 * over CPUs.
 */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

#include "bpf/tp_xdp_abi.h" /* from dataplane/, as dp_xdp.c has it */

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, TP_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tp_xdp_cfg);
} tp_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_XDP_MAX_ADDRS);
	__type(key, __u32);
	__type(value, __u32);
} tp_addr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TP_XDP_MAX_ADDRS);
	__type(key, struct tp_xdp_addr6);
	__type(value, __u32);
} tp_addr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TP_XDP_C__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} tp_stats SEC(".maps");

static __always_inline void
count(enum tp_xdp_counter c)
{
	__u32 key = c;
	__u64 *v = bpf_map_lookup_elem(&tp_stats, &key);

	if (v != NULL)
		*v += 1; /* per CPU: no other writer */
}

/* turnpike/steer_frame.h asks its includer for an address's roles: ours are in
 * tp_addr4 and tp_addr6, keyed by the wire's bytes. */
static __always_inline __u32
tp_steer_roles_of4(const void *ctx, __u32 daddr_be)
{
	__u32 *roles = bpf_map_lookup_elem(&tp_addr4, &daddr_be);

	(void)ctx;
	return roles != NULL ? *roles : 0;
}

/* @daddr is on the stack (the decision copied it there). */
static __always_inline __u32
tp_steer_roles_of6(const void *ctx, const __u8 daddr[16])
{
	__u32 *roles = bpf_map_lookup_elem(&tp_addr6, daddr);

	(void)ctx;
	return roles != NULL ? *roles : 0;
}

#include "turnpike/steer_frame.h" /* the decision, shared with the worker */

/* The decision's verdict as the counter it moves. */
static __always_inline enum tp_xdp_counter
counter_of(enum tp_steer v)
{
	switch (v) {
	case TP_STEER_OURS:
		return TP_XDP_C_redirected;
	case TP_STEER_NOT_IP:
		return TP_XDP_C_pass_not_ipv4; /* the name kept, see the list */
	case TP_STEER_FRAGMENT:
		return TP_XDP_C_pass_fragment;
	case TP_STEER_IPV6_EXT:
		return TP_XDP_C_pass_ipv6_ext;
	case TP_STEER_NOT_UDP:
		return TP_XDP_C_pass_not_udp;
	case TP_STEER_NOT_OURS:
		return TP_XDP_C_pass_not_ours;
	default:
		return TP_XDP_C_pass_malformed;
	}
}

SEC("xdp")
int
tp_xdp_steer(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	__u32 zero = 0;
	const struct tp_xdp_cfg *cfg = bpf_map_lookup_elem(&tp_cfg, &zero);
	enum tp_xdp_counter c;

	c = counter_of(tp_steer_frame(data, end,
				      cfg != NULL ? &cfg->ports : NULL, NULL));
	/* With no socket at this queue's index the helper returns its last
	 * argument, XDP_PASS, instead of XDP_REDIRECT. */
	if (c == TP_XDP_C_redirected &&
	    bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS) !=
		    XDP_REDIRECT)
		c = TP_XDP_C_pass_no_socket;
	count(c);
	return c == TP_XDP_C_redirected ? XDP_REDIRECT : XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
