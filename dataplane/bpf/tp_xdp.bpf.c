/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program of AF_XDP mode: which frames are turnpike's.
 *
 * DPDK's net_af_xdp PMD loads this object (its xdp_prog= devarg), attaches
 * it to the interface and puts the AF_XDP socket of each of its RX queues
 * into xsks_map at that queue's index.  The server then fills tp_cfg and
 * tp_addr4 (dataplane/dp_xdp.c).  From then on, in the driver's receive
 * path, for every frame:
 *
 *   UDP to (listening address, listen_port)      -> the AF_XDP socket
 *   UDP to (relay address, min_port..max_port)   -> the AF_XDP socket
 *   anything else                                 -> the kernel (XDP_PASS)
 *
 * so the host keeps its address on the interface: ARP, ICMP, TCP and TLS
 * (TURN over streams, served by the kernel's stack), ssh, and UDP to other
 * ports all reach the kernel as if no program were there.  Until the maps
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
 *  - IPv6 (a later issue) slots in as a second case of the EtherType
 *    switch, with a tp_addr6 map; the port test is shared.
 *
 * Every frame moves exactly one per-CPU counter (tp_stats), which the
 * server sums over CPUs.
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bpf/tp_xdp_abi.h" /* from dataplane/, as dp_xdp.c has it */

/* IPv4 "more fragments" flag and fragment offset (RFC 791). */
#define TP_IP_MF 0x2000
#define TP_IP_OFFSET 0x1FFF

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

/* Whether UDP to @port at an address with @roles is ours. */
static __always_inline bool
port_is_ours(const struct tp_xdp_cfg *cfg, __u32 roles, __u16 port)
{
	if ((roles & TP_XDP_ROLE_LISTEN) && port == cfg->listen_port)
		return true;
	return (roles & TP_XDP_ROLE_RELAY) && port >= cfg->min_port &&
	       port <= cfg->max_port;
}

/* The verdict on an IPv4 packet at @l3, the frame ending at @end. */
static __always_inline enum tp_xdp_counter
ipv4_classify(void *l3, void *end)
{
	struct iphdr *ip = l3;
	const struct tp_xdp_cfg *cfg;
	struct udphdr *udp;
	__u32 daddr, zero = 0, *roles;

	if ((void *)(ip + 1) > end)
		return TP_XDP_C_pass_malformed;
	if (ip->version != 4 || ip->ihl < 5)
		return TP_XDP_C_pass_malformed;
	if (ip->frag_off & bpf_htons(TP_IP_MF | TP_IP_OFFSET))
		return TP_XDP_C_pass_fragment;
	if (ip->protocol != IPPROTO_UDP)
		return TP_XDP_C_pass_not_udp;
	/* Options or not, the UDP header starts IHL words in (IHL <= 15, so
	 * the verifier knows the offset's bound). */
	udp = l3 + ip->ihl * 4;
	if ((void *)(udp + 1) > end)
		return TP_XDP_C_pass_malformed;
	daddr = ip->daddr;
	roles = bpf_map_lookup_elem(&tp_addr4, &daddr);
	if (roles == NULL)
		return TP_XDP_C_pass_not_ours;
	cfg = bpf_map_lookup_elem(&tp_cfg, &zero);
	if (cfg == NULL || !port_is_ours(cfg, *roles, bpf_ntohs(udp->dest)))
		return TP_XDP_C_pass_not_ours;
	return TP_XDP_C_redirected;
}

SEC("xdp")
int
tp_xdp_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	enum tp_xdp_counter c;

	if ((void *)(eth + 1) > end)
		c = TP_XDP_C_pass_malformed;
	else if (eth->h_proto == bpf_htons(ETH_P_IP))
		c = ipv4_classify(eth + 1, end);
	else
		c = TP_XDP_C_pass_not_ipv4;
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
