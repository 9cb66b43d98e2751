/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-worker counters of the fast path, a shared type: workers write them
 * (dataplane/), the control thread sums and reports them (controlplane/),
 * the tests read them.  Each worker writes only its own; the control plane
 * reads and sums them (torn reads of a 64-bit counter cannot happen on the
 * 64-bit targets DPDK supports).  One X-macro list makes both the enum and
 * the names, so a counter cannot be added without a name.
 */
#ifndef TURNPIKE_DP_COUNTERS_H
#define TURNPIKE_DP_COUNTERS_H

#include <stdint.h>

#include "turnpike/xlist.h"

/** Traffic counters: X(name, description). */
#define DP_COUNTER_LIST(X)                                                       \
	X(rx_packets, "frames received from the port")                           \
	X(rx_bytes, "bytes received from the port")                              \
	X(tx_packets, "frames sent to the port")                                 \
	X(tx_bytes, "bytes sent to the port")                                    \
	X(relay_channel_to_peer, "ChannelData from clients relayed to peers")    \
	X(relay_send_to_peer, "Send indications relayed to peers")               \
	X(relay_peer_to_channel, "peer datagrams relayed as ChannelData")        \
	X(relay_peer_to_data, "peer datagrams relayed as Data indications")      \
	X(relay_local, "relayed between two of our own allocations")             \
	X(punted, "packets handed to the control plane")                         \
	X(handoff_out, "packets handed to their owning worker")                  \
	X(handoff_in, "packets received from another worker")                    \
	X(arp_replied, "ARP requests for our addresses answered")                \
	X(arp_requested, "ARP requests sent to resolve a next hop")              \
	X(arp_learned, "neighbours learned from ARP")                            \
	X(arp_held, "frames held for a next hop being resolved")                 \
	X(arp_held_sent, "held frames sent once their next hop resolved")        \
	X(neigh_asked, "next hops the kernel was asked to resolve (AF_XDP)")     \
	X(neigh_in_use, "next hops in use reported to keep them fresh (AF_XDP)") \
	X(neigh_evicted, "neighbour entries replaced by a newer address")        \
	X(arp_ignored,                                                           \
	  "ARP not learned: sender off our network, or unasked for the gateway") \
	X(nd_advertised,                                                         \
	  "IPv6 neighbour solicitations for our addresses answered")             \
	X(nd_solicited,                                                          \
	  "IPv6 neighbour solicitations sent to resolve a next hop")             \
	X(nd_learned, "IPv6 neighbours learned from neighbour discovery")        \
	X(nd_ignored,                                                            \
	  "advertisements not learned: sender off our network, or unasked")      \
	X(icmp6_echo_replied, "ICMPv6 echo requests to our addresses answered")  \
	X(cmds, "commands applied from the control plane")                       \
	X(peer_replaced,                                                         \
	  "permissions/channels that replaced the one expiring first")           \
	X(stream_in, "messages from stream (TCP, TLS) clients")                  \
	X(stream_out, "messages handed to the stream threads")                   \
	X(to_kernel, "NIC frames not ours, written to the exception port")       \
	X(from_kernel, "frames the kernel sent out of the exception port")

/** Drop reasons: X(name, description). */
#define DP_DROP_LIST(X)                                                           \
	X(not_for_us, "frame not addressed to our MAC")                           \
	X(bad_ethertype, "neither IPv4, IPv6 nor ARP")                            \
	X(bad_ip, "malformed IP header")                                          \
	X(ip_fragment, "IP fragment (not reassembled)")                           \
	X(ipv6_ext_header, "IPv6 extension header we may not skip (RFC 8200)")    \
	X(not_udp, "IP protocol other than UDP")                                  \
	X(bad_udp, "malformed UDP header")                                        \
	X(not_our_address, "destination is none of our addresses/ports")          \
	X(bad_channel_data, "malformed ChannelData")                              \
	X(bad_stun, "malformed STUN message")                                     \
	X(stun_not_request, "STUN response or unknown indication from client")    \
	X(no_allocation, "no allocation for this 5-tuple or relay port")          \
	X(alloc_expired, "allocation lifetime passed")                            \
	X(no_channel, "channel not bound or expired")                             \
	X(no_permission, "no permission for the peer, or expired")                \
	X(peer_family,                                                            \
	  "peer of a family the allocation has no relayed address of")            \
	X(send_no_peer, "Send indication without XOR-PEER-ADDRESS or DATA")       \
	X(too_big, "relayed datagram would exceed the frame size")                \
	X(peer_is_us, "relayed datagram for our address outside the relay range") \
	X(rate_limited, "over the allocation's max-bps")                          \
	X(no_neighbour, "next hop not yet resolved")                              \
	X(no_mbuf, "mbuf pool empty")                                             \
	X(punt_limited, "source prefix over request-rate-per-prefix")             \
	X(punt_ring_full, "control-plane ring full")                              \
	X(handoff_ring_full, "owning worker's ring full")                         \
	X(tx_full, "port did not accept the frame")                               \
	X(bad_arp, "malformed or irrelevant ARP")                                 \
	X(bad_icmp6, "malformed ICMPv6 neighbour discovery or echo")              \
	X(icmp6_unhandled, "ICMPv6 not ours to answer (router, MLD, errors)")     \
	X(cmd_failed, "a command could not be applied")                           \
	X(stream_ring_full, "stream thread's ring full (slow stream client)")     \
	X(xport_full, "exception port did not take a frame for the kernel")

enum dp_counter {
#define DP_X_ENUM(name, desc) DP_C_##name,
	DP_COUNTER_LIST(DP_X_ENUM)
#undef DP_X_ENUM
	DP_C__COUNT
};

enum dp_drop {
#define DP_X_ENUM(name, desc) DP_DROP_##name,
	DP_DROP_LIST(DP_X_ENUM)
#undef DP_X_ENUM
	DP_DROP__COUNT
};

/** Directions of relayed data (turnpike_relayed_bytes_total's label). */
enum dp_direction {
	DP_DIR_TO_PEER = 0,
	DP_DIR_TO_CLIENT = 1,
	DP_DIR__COUNT
};

/** One worker's counters; written only by that worker. */
struct dp_stats {
	uint64_t c[DP_C__COUNT];
	uint64_t drop[DP_DROP__COUNT];
	/**
	 * Application bytes relayed (the UDP payload a peer sent or gets),
	 * by direction.  Beside the event counters rather than among them:
	 * a byte count is not an event, and the golden tests account for
	 * every event counter of every frame.
	 */
	uint64_t relayed_bytes[DP_DIR__COUNT];
};

/**
 * Datagrams @p s relayed in direction @p dir: toward peers, ChannelData and
 * Send indications from clients; toward clients, peer datagrams sent on as
 * ChannelData or Data indications.  relay_local is not added: a datagram
 * between two of our own allocations is already counted as one of these.
 * The sum the log, the metrics and the telemetry all report.
 */
static inline uint64_t
dp_stats_relayed(const struct dp_stats *s, enum dp_direction dir)
{
	if (dir == DP_DIR_TO_PEER)
		return s->c[DP_C_relay_channel_to_peer] +
		       s->c[DP_C_relay_send_to_peer];
	return s->c[DP_C_relay_peer_to_channel] + s->c[DP_C_relay_peer_to_data];
}

/** Frames @p s dropped, every reason summed. */
static inline uint64_t
dp_stats_dropped(const struct dp_stats *s)
{
	uint64_t n = 0;

	for (int i = 0; i < DP_DROP__COUNT; i++)
		n += s->drop[i];
	return n;
}

/** Name of a counter ("rx_packets"); "?" if out of range. */
static inline const char *
dp_counter_name(enum dp_counter c)
{
	static const char *const names[] = { DP_COUNTER_LIST(TP_XLIST_NAME) };

	return TP_XLIST_LOOKUP(names, c);
}

/** Name of a drop reason ("no_permission"); "?" if out of range. */
static inline const char *
dp_drop_name(enum dp_drop d)
{
	static const char *const names[] = { DP_DROP_LIST(TP_XLIST_NAME) };

	return TP_XLIST_LOOKUP(names, d);
}

#endif /* TURNPIKE_DP_COUNTERS_H */
