/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Messages between the control plane and the fast-path workers.
 *
 * Each worker has two single-producer/single-consumer rings to the control
 * thread: a command ring (control -> worker) and an event ring (worker ->
 * control).  Messages are fixed-size typed values copied into the rings
 * (rte_ring_*_elem), so nothing is allocated per message.
 *
 * Ordering is the contract that makes this safe: a worker applies commands
 * in ring order, so a response queued behind the install it announces can
 * never reach the wire before the state it describes is in place.
 *
 * This header is plain C (no DPDK types) so the control-plane logic that
 * produces commands builds and tests without DPDK; a transmit command and
 * a punted packet carry their frame as an opaque pointer that only the
 * fast path's side (dataplane/dp_plane.c) allocates and frees.
 */
#ifndef TURNPIKE_DP_MSG_H
#define TURNPIKE_DP_MSG_H

#include <stdint.h>

#include "turnpike/addr.h"

/** Ethernet address length. */
#define DP_MAC_LEN 6

/**
 * How a client reaches us.  UDP clients are the fast path's own; TCP and TLS
 * clients are served by the stream threads through the kernel's stack, and
 * the fast path relays their data to and from UDP peers all the same (RFC
 * 8656: the peer side is always UDP).  Part of an allocation's 5-tuple.
 */
enum tp_transport {
	TP_TRANSPORT_UDP = 0,
	TP_TRANSPORT_TCP = 1,
	TP_TRANSPORT_TLS = 2,
};

/** How many transports there are (array sizes). */
#define TP_TRANSPORT_COUNT 3

/** "udp", "tcp" or "tls", for logs and listings. */
static inline const char *
tp_transport_name(uint8_t transport)
{
	return transport == TP_TRANSPORT_TCP ? "tcp" :
	       transport == TP_TRANSPORT_TLS ? "tls" :
					       "udp";
}

/** An allocation's handle on its worker: table slot plus generation. */
struct dp_alloc_ref {
	uint32_t slot; /**< index in the owning worker's allocation table */
	uint32_t gen;  /**< allocation id; events carry it back */
};

/*
 * Where a worker keeps an allocation's permissions and channels: a few in
 * the allocation, the rest in overflow blocks from a per-worker pool of
 * DP_PEER_BLOCKS(slots).  The pool is shared by the worker's allocations,
 * so the control plane, which answers CreatePermission and ChannelBind
 * before the worker sees them, reserves blocks for each allocation
 * (dp_peer_blocks_needed()) and answers 508 when the pool of the owning
 * worker has none left; each command carries the allocation's reservation
 * (max_blocks), which the worker never exceeds.
 */
#define DP_PERM_INLINE 2
#define DP_CHAN_INLINE 2
#define DP_PEER_BLOCK_PERMS 6
#define DP_PEER_BLOCK_CHANS 6
/** Overflow blocks of a worker with @p slots allocations. */
#define DP_PEER_BLOCKS(slots) ((uint32_t)(slots) / 4 + 64)

/** Blocks an allocation needs for @p perms permissions and @p chans
 *  channels at once (a block holds some of each). */
static inline uint32_t
dp_peer_blocks_needed(uint32_t perms, uint32_t chans)
{
	uint32_t bp = perms > DP_PERM_INLINE ?
			      (perms - DP_PERM_INLINE + DP_PEER_BLOCK_PERMS -
			       1) / DP_PEER_BLOCK_PERMS :
			      0;
	uint32_t bc = chans > DP_CHAN_INLINE ?
			      (chans - DP_CHAN_INLINE + DP_PEER_BLOCK_CHANS -
			       1) / DP_PEER_BLOCK_CHANS :
			      0;

	return bp > bc ? bp : bc;
}

/** Commands the control plane sends to a worker. */
enum dp_cmd_type {
	DP_CMD_ALLOC_ADD = 1, /**< install an allocation */
	DP_CMD_ALLOC_REFRESH, /**< set a new allocation lifetime */
	DP_CMD_ALLOC_DEL,     /**< remove; worker answers DP_EVT_ALLOC_END */
	DP_CMD_PERM_SET,      /**< add or refresh a permission */
	DP_CMD_CHAN_SET,      /**< bind or refresh a channel */
	DP_CMD_TX,            /**< transmit a frame the control plane built */
	DP_CMD_NEIGH_SET,     /**< neighbour IP -> MAC, learned by anyone */
	DP_CMD_STREAM_TX,     /**< hand a message to a stream client's thread */
	DP_CMD_RELAY_DEL, /**< drop one relayed address of a dual allocation */
};

/** DP_CMD_ALLOC_ADD. */
struct dp_cmd_alloc_add {
	struct dp_alloc_ref ref;
	struct tp_addr client; /**< client transport address (remote) */
	struct tp_addr server; /**< our address the client talks to (local) */
	struct tp_addr relay;  /**< relayed transport address */
	/** A dual allocation's relayed address of the other family (RFC 8656
	 *  section 7.2, ADDITIONAL-ADDRESS-FAMILY), on a port of the same
	 *  owner; family TP_AF_NONE when there is none. */
	struct tp_addr relay2;
	uint8_t client_mac[DP_MAC_LEN]; /**< next hop toward the client (UDP) */
	uint8_t transport;              /**< enum tp_transport */
	uint32_t conn; /**< stream client's connection id (TCP, TLS) */
	uint32_t lifetime_ms;
	uint32_t max_bps; /**< bytes/s each way; 0 = unlimited */
};

/** DP_CMD_ALLOC_REFRESH and DP_CMD_ALLOC_DEL. */
struct dp_cmd_alloc_ref {
	struct dp_alloc_ref ref;
	uint32_t lifetime_ms;
};

/**
 * DP_CMD_RELAY_DEL: a dual allocation gives up its relayed address of
 * @p family (a Refresh with REQUESTED-ADDRESS-FAMILY and LIFETIME 0, RFC
 * 8656 section 8.2) and keeps the other.  An allocation with one relayed
 * address is deleted with DP_CMD_ALLOC_DEL instead.
 */
struct dp_cmd_relay_del {
	struct dp_alloc_ref ref;
	uint8_t family; /**< TP_AF_INET or TP_AF_INET6 */
};

/** DP_CMD_PERM_SET: permission for a peer IP (any port). */
struct dp_cmd_perm {
	struct dp_alloc_ref ref;
	struct tp_ip peer;
	uint32_t lifetime_ms;
	/** Overflow blocks the allocation may hold (the control plane's
	 *  reservation); when they are full the entry expiring first goes. */
	uint8_t max_blocks;
};

/** DP_CMD_CHAN_SET: channel number bound to a peer transport address. */
struct dp_cmd_chan {
	struct dp_alloc_ref ref;
	struct tp_addr peer;
	uint16_t channel;
	uint32_t lifetime_ms;
	uint8_t max_blocks; /**< as in struct dp_cmd_perm */
};

/** DP_CMD_TX: a complete Ethernet frame (an rte_mbuf *) to send as is. */
struct dp_cmd_tx {
	void *mbuf;
};

/**
 * DP_CMD_STREAM_TX: a STUN message (an rte_mbuf * holding just the message)
 * for the stream client on connection @p conn.  It goes through the
 * allocation's worker, not straight to the stream thread, so that it
 * reaches the client only after the commands queued before it are applied:
 * the same ordering promise UDP replies have.
 */
struct dp_cmd_stream_tx {
	void *mbuf;
	uint32_t conn; /**< the stream thread's connection id */
};

/** DP_CMD_NEIGH_SET. */
struct dp_cmd_neigh {
	struct tp_ip ip;
	uint8_t mac[DP_MAC_LEN];
};

/** One command.  Fixed size so rings copy it. */
struct dp_cmd {
	uint32_t type; /**< enum dp_cmd_type */
	union {
		struct dp_cmd_alloc_add alloc_add;
		struct dp_cmd_alloc_ref alloc;
		struct dp_cmd_relay_del relay_del;
		struct dp_cmd_perm perm;
		struct dp_cmd_chan chan;
		struct dp_cmd_tx tx;
		struct dp_cmd_stream_tx stream_tx;
		struct dp_cmd_neigh neigh;
	} u;
};

/** Events a worker sends to the control plane. */
enum dp_evt_type {
	DP_EVT_PACKET = 1, /**< a packet that needs a decision (STUN request) */
	DP_EVT_ALLOC_END,  /**< final counters of a deleted allocation */
	DP_EVT_NEIGH,      /**< a neighbour learned from ARP */
	/**
	 * The kernel owns ARP on the interface (AF_XDP mode): a next hop the
	 * worker has no MAC for; the control thread has the kernel resolve
	 * it and answers DP_CMD_NEIGH_SET to every worker.  At most once a
	 * second per next hop and worker.
	 */
	DP_EVT_NEIGH_MISS,
	/**
	 * AF_XDP mode: a next hop in use (with the MAC the worker uses), so
	 * the control thread keeps the kernel's entry from going stale or
	 * being collected: the kernel never sees the fast path's traffic.
	 * At most every DP_NEIGH_USED_EVERY_S (dataplane/dp_neigh.h) seconds
	 * per next hop and worker.
	 */
	DP_EVT_NEIGH_USED,
};

/** Per-allocation usage, both directions. */
struct dp_usage {
	uint64_t pkts_from_client;
	uint64_t bytes_from_client;
	uint64_t pkts_to_client;
	uint64_t bytes_to_client;
};

/**
 * DP_EVT_PACKET: a client's UDP datagram (an rte_mbuf * holding the whole
 * frame), already parsed so the control plane does no header work.
 */
struct dp_evt_packet {
	void *mbuf;                     /**< the frame's owner: give it back */
	const uint8_t *frame;           /**< the frame's first byte */
	struct tp_addr client;          /**< source transport address */
	struct tp_addr local;           /**< our address it was sent to */
	uint8_t client_mac[DP_MAC_LEN]; /**< source MAC: the next hop back */
	uint16_t data_off;              /**< UDP payload offset in the frame */
	uint16_t data_len;              /**< UDP payload length */
};

/** DP_EVT_ALLOC_END. */
struct dp_evt_alloc_end {
	struct dp_alloc_ref ref;
	struct dp_usage usage;
};

/** One event.  Fixed size so rings copy it. */
struct dp_evt {
	uint32_t type;   /**< enum dp_evt_type */
	uint16_t worker; /**< sender */
	union {
		struct dp_evt_packet packet;
		struct dp_evt_alloc_end alloc_end;
		struct dp_cmd_neigh neigh; /**< NEIGH, NEIGH_MISS (no mac), NEIGH_USED */
	} u;
};

/**
 * A message from a stream client for the fast path, on the owning worker's
 * stream-in ring (stream thread -> worker): ChannelData without its stream
 * padding, or a Send indication, in an rte_mbuf * holding just the message.
 * The worker finds the allocation by the 5-tuple, as for UDP.
 */
struct dp_stream_in {
	void *mbuf;
	struct tp_addr client; /**< the connection's remote address */
	struct tp_addr local;  /**< our address it connected to */
	uint8_t transport;     /**< TP_TRANSPORT_TCP or _TLS */
};

/**
 * What a worker hands a stream client's thread, on its stream-out ring
 * (worker -> stream thread): a message to write as it is (a reply, padded
 * ChannelData or a Data indication), in an rte_mbuf * holding just it.
 */
struct dp_stream_out {
	void *mbuf;
	uint32_t conn;
};

/**
 * The worker that owns traffic from a client transport address.  Both the
 * control plane (choosing the owner at Allocate time) and every worker
 * (steering a packet that arrived on the wrong queue) compute it, so it
 * must stay a pure function of the address.
 */
static inline uint16_t
dp_owner_of_client(const struct tp_addr *client, uint16_t n_workers)
{
	uint32_t h = 2166136261u; /* FNV-1a over the address bytes and port */
	size_t n = tp_ip_len(client->ip.family);

	for (size_t i = 0; i < n; i++)
		h = (h ^ client->ip.bytes[i]) * 16777619u;
	h = (h ^ (client->port >> 8)) * 16777619u;
	h = (h ^ (client->port & 0xFF)) * 16777619u;
	return (uint16_t)(h % n_workers);
}

/**
 * The worker that owns a relay port: the control plane only hands out
 * ports with port % n_workers == owner, so peer traffic finds its owner
 * from the destination port alone.
 */
static inline uint16_t
dp_owner_of_relay_port(uint16_t port, uint16_t n_workers)
{
	return (uint16_t)(port % n_workers);
}

#endif /* TURNPIKE_DP_MSG_H */
