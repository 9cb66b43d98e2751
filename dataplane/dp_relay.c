/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay paths (RFC 8656 sections 11 and 12), on the owning worker.
 *
 * Client -> peer: strip the ChannelData header or the STUN framing of a
 * Send indication in place, then write new UDP/IP/Ethernet headers in the
 * bytes in front of the data: nothing is copied.  Peer -> client: prepend a
 * ChannelData header when a channel is bound to the peer, else a Data
 * indication.  A datagram for one of our own relay addresses (two callers
 * on this server) never leaves: it re-enters as peer input on the worker
 * owning that relay port.  One for any other port of our addresses (the
 * listening port, a port below the relay range) is dropped: the relay is
 * not a way for a client to reach our own services from our own address.
 */
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "dp_input.h"
#include "dp_nexthop.h"
#include "dp_pkt.h"
#include "dp_relay.h"
#include "dp_worker.h"
#include "turnpike/channel_data.h"
#include "turnpike/dp_msg.h"
#include "turnpike/stun.h"

/* The destination of a frame held for its next hop, until it resolves. */
static const uint8_t zero_mac[DP_MAC_LEN];

/* The largest frame we send: a 1500-byte MTU plus the Ethernet header. */
#define DP_MAX_FRAME (1500 + RTE_ETHER_HDR_LEN)

/* Charge @bytes to a token bucket; false if over max-bps. */
static bool
bucket_take(struct dp_worker *w, struct dp_alloc *a, int dir, uint32_t bytes)
{
	struct dp_bucket *b = &a->bucket[dir];
	uint64_t elapsed, add;

	if (a->max_bps == 0)
		return true;
	/*
	 * The bucket holds one second's worth, so a longer gap adds nothing
	 * more; capping it keeps elapsed * max_bps (< 2^32 * tsc_hz) in range.
	 */
	elapsed = RTE_MIN(w->now - b->last, w->sh->tsc_hz);
	add = elapsed * a->max_bps / w->sh->tsc_hz;
	if (add > 0) {
		b->tokens = RTE_MIN(b->tokens + add, (uint64_t)a->max_bps);
		b->last = w->now;
	}
	if (b->tokens < bytes)
		return false;
	b->tokens -= bytes;
	return true;
}

/*
 * @a's relayed transport address of @family into @out.  A dual allocation
 * has one of each family; a peer of a family it has none of (the relayed
 * address was given up, or the allocation never had it) gets nothing.
 */
static bool
alloc_relay_of(const struct dp_shared *sh, const struct dp_alloc *a,
	       uint8_t family, struct tp_addr *out)
{
	int i = dp_alloc_relay_find(a, sh->relay_ips, family);

	if (i < 0)
		return false;
	out->ip = sh->relay_ips[a->relay[i].ip_idx];
	out->port = a->relay[i].port;
	return true;
}

/*
 * Send the UDP payload now at the start of @m (whose folded sum is @sum, or
 * DP_SUM_UNKNOWN) from @a's relay address of @peer's family to @peer: out
 * of the port, or straight to our own relay address.
 */
static void
emit_to_peer(struct dp_worker *w, struct dp_alloc *a, struct rte_mbuf *m,
	     const struct tp_addr *peer, bool df, enum dp_counter what,
	     uint32_t dlen, uint32_t sum)
{
	const struct dp_shared *sh = w->sh;
	const uint8_t *mac;
	bool local = dp_is_relay_addr(sh, peer);
	struct tp_addr relay;

	if (!alloc_relay_of(sh, a, peer->ip.family, &relay)) {
		dp_drop(w, m, DP_DROP_peer_family);
		return;
	}
	if (!local && dp_is_our_ip(sh, &peer->ip)) {
		dp_drop(w, m, DP_DROP_peer_is_us);
		return;
	}
	if (rte_pktmbuf_pkt_len(m) + dp_udp_hdr_len(peer->ip.family) >
	    DP_MAX_FRAME) {
		dp_drop(w, m, DP_DROP_too_big);
		return;
	}
	mac = local ? sh->mac.addr_bytes : dp_next_hop_mac(w, &peer->ip);
	if (dp_udp_push(m, &sh->mac, mac != NULL ? mac : zero_mac, &relay, peer,
			df, sh->tx_ip_cksum_offload, sh->tx_udp_cksum_offload,
			sum) != 0) {
		dp_drop(w, m, DP_DROP_too_big);
		return;
	}
	a->usage.pkts_from_client++;
	a->usage.bytes_from_client += dlen;
	w->stats.relayed_bytes[DP_DIR_TO_PEER] += dlen;
	w->stats.c[what]++;
	if (mac == NULL) {
		dp_neigh_hold(w, &peer->ip, m);
		return;
	}
	if (local) {
		uint16_t owner =
			dp_owner_of_relay_port(peer->port, sh->n_workers);

		/*
		 * We built these headers; with TX offload their checksums are
		 * not filled in yet, so vouch for them on the way back in.
		 * (The payload sum dp_input() then works out from a checksum
		 * that offload left unfilled is wrong, but unused: the next
		 * leg's checksum is offloaded too.)
		 */
		m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK |
				 RTE_MBUF_F_RX_L4_CKSUM_MASK);
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			       RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		w->stats.c[DP_C_relay_local]++;
		if (owner == w->id)
			dp_input(w, m);
		else
			dp_handoff(w, m, owner);
		return;
	}
	dp_tx_enqueue(w, m);
}

/* A client's message for the relay, from a datagram or a stream. */
struct client_msg {
	const uint8_t *data; /* the ChannelData or Send indication */
	uint16_t len;
	uint16_t off; /* of data from the start of the mbuf */
	bool df;      /* the datagram's Don't Fragment flag */
	uint32_t sum; /* folded sum of the data, or DP_SUM_UNKNOWN */
};

/* Whether @a, as looked up, is a live allocation; if not, why not. */
static bool
alloc_live(const struct dp_worker *w, const struct dp_alloc *a, enum dp_drop *why)
{
	if (a == NULL) {
		*why = DP_DROP_no_allocation;
		return false;
	}
	if (a->expiry <= w->now) {
		*why = DP_DROP_alloc_expired;
		return false;
	}
	return true;
}

/* ChannelData from @a's client: to the peer bound to its channel. */
static void
relay_channel(struct dp_worker *w, struct dp_alloc *a, struct rte_mbuf *m,
	      const struct client_msg *c)
{
	const struct dp_chan *ch;
	uint16_t number;
	int dlen;

	dlen = channel_data_parse_upto(c->data, c->len, w->sh->chan_max, &number);
	if (dlen < 0) {
		dp_drop(w, m, DP_DROP_bad_channel_data);
		return;
	}
	ch = dp_alloc_chan_by_number(&w->table, a, number, w->now);
	if (ch == NULL) {
		dp_drop(w, m, DP_DROP_no_channel);
		return;
	}
	if (!dp_alloc_permits(&w->table, a, &ch->peer.ip, w->now)) {
		dp_drop(w, m, DP_DROP_no_permission);
		return;
	}
	if (!bucket_take(w, a, 0, (uint32_t)dlen)) {
		dp_drop(w, m, DP_DROP_rate_limited);
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)(c->off + CHANNEL_DATA_HEADER_LEN));
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - (uint32_t)dlen));
	emit_to_peer(w, a, m, &ch->peer, c->df, DP_C_relay_channel_to_peer,
		     (uint32_t)dlen,
		     dp_sum_keep(c->sum, c->data, c->len,
				 CHANNEL_DATA_HEADER_LEN, (uint32_t)dlen));
}

/* A Send indication from @a's client: its DATA to its XOR-PEER-ADDRESS. */
static void
relay_send(struct dp_worker *w, struct dp_alloc *a, struct rte_mbuf *m,
	   const struct client_msg *c)
{
	struct stun_msg msg;
	struct tp_addr peer;
	uint16_t off, len;
	uint32_t sum;

	/* An unknown comprehension-required attribute: RFC 8489 says discard. */
	if (stun_msg_decode(&msg, c->data, c->len) != STUN_OK ||
	    msg.n_unknown > 0) {
		dp_drop(w, m, DP_DROP_bad_stun);
		return;
	}
	if (!stun_msg_has(&msg, STUN_SLOT_DATA) ||
	    stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_PEER_ADDRESS, &peer) != 0) {
		dp_drop(w, m, DP_DROP_send_no_peer);
		return;
	}
	if (!dp_alloc_permits(&w->table, a, &peer.ip, w->now)) {
		dp_drop(w, m, DP_DROP_no_permission);
		return;
	}
	off = msg.attr[STUN_SLOT_DATA].off;
	len = msg.attr[STUN_SLOT_DATA].len;
	if (!bucket_take(w, a, 0, len)) {
		dp_drop(w, m, DP_DROP_rate_limited);
		return;
	}
	sum = dp_sum_keep(c->sum, c->data, c->len, off, len);
	rte_pktmbuf_adj(m, (uint16_t)(c->off + off));
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - len));
	emit_to_peer(w, a, m, &peer,
		     c->df || stun_msg_has(&msg, STUN_SLOT_DONT_FRAGMENT),
		     DP_C_relay_send_to_peer, len, sum);
}

void
dp_relay_from_client(struct dp_worker *w, struct rte_mbuf *m,
		     const struct dp_udp *p, struct dp_alloc *a)
{
	const struct client_msg c = { p->data, p->len, p->data_off, p->df,
				      p->sum };
	enum dp_drop why;

	if (!alloc_live(w, a, &why))
		dp_drop(w, m, why);
	else if (channel_data_looks_like(c.data, c.len))
		relay_channel(w, a, m, &c);
	else
		relay_send(w, a, m, &c);
}

void
dp_relay_from_stream(struct dp_worker *w, const struct dp_stream_in *in)
{
	struct rte_mbuf *m = in->mbuf;
	const struct client_msg c = {
		.data = rte_pktmbuf_mtod(m, const uint8_t *),
		.len = (uint16_t)rte_pktmbuf_pkt_len(m),
		.sum = DP_SUM_UNKNOWN,
	};
	struct dp_five_tuple key;
	struct dp_alloc *a;
	enum dp_drop why;

	w->stats.c[DP_C_stream_in]++;
	dp_five_tuple_make(&key, &in->client, &in->local, in->transport);
	a = dp_table_by_client(&w->table, &key);
	if (!alloc_live(w, a, &why))
		dp_drop(w, m, why);
	else if (channel_data_looks_like(c.data, c.len))
		relay_channel(w, a, m, &c);
	else if (stun_is_stun(c.data, c.len) &&
		 stun_msg_type(c.data) ==
			 stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION))
		relay_send(w, a, m, &c);
	else
		dp_drop(w, m, DP_DROP_stun_not_request);
}

/* Hand @m to the stream thread that serves @a's client. */
static void
stream_out(struct dp_worker *w, struct rte_mbuf *m, uint32_t conn)
{
	struct dp_stream_out o = { .mbuf = m, .conn = conn };

	if (rte_ring_sp_enqueue_elem(w->stream_out, &o, sizeof(o)) != 0) {
		dp_drop(w, m, DP_DROP_stream_ring_full);
		return;
	}
	w->stats.c[DP_C_stream_out]++;
}

void
dp_stream_tx(struct dp_worker *w, struct rte_mbuf *m, uint32_t conn)
{
	stream_out(w, m, conn);
}

/*
 * Over TCP and TLS a ChannelData message is padded to a multiple of four
 * bytes (RFC 8656 section 12.5); over UDP it is not.
 */
static int
pad_for_stream(struct rte_mbuf *m)
{
	size_t pad = stun_pad_len(rte_pktmbuf_pkt_len(m));
	uint8_t *t;

	if (pad == 0)
		return 0;
	t = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)pad);
	if (t == NULL)
		return -1;
	memset(t, 0, pad);
	return 0;
}

/*
 * Put a Data indication's framing around the payload at the start of @m
 * (RFC 8656 section 11.4): the codec writes the bytes in front, we add the
 * padding behind.  Indications get no response, so a unique transaction ID
 * suffices (RFC 8489 section 6): the worker's random prefix and a counter.
 */
static int
data_indication_wrap(struct dp_worker *w, struct rte_mbuf *m,
		     const struct tp_addr *peer)
{
	uint16_t dlen = (uint16_t)rte_pktmbuf_pkt_len(m);
	size_t pad = stun_pad_len(dlen);
	size_t hlen = stun_data_ind_prefix_len(peer->ip.family);
	uint8_t tid[STUN_TID_LEN];
	uint8_t *h, *t;

	if (pad > 0) {
		t = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)pad);
		if (t == NULL)
			return -1;
		memset(t, 0, pad);
	}
	h = hlen == 0 ? NULL : (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)hlen);
	if (h == NULL)
		return -1;
	memcpy(tid, w->tid_prefix, sizeof(w->tid_prefix));
	w->tid_counter++;
	memcpy(tid + sizeof(w->tid_prefix), &w->tid_counter,
	       sizeof(w->tid_counter));
	return stun_data_ind_write_prefix(h, tid, peer, dlen) == hlen ? 0 : -1;
}

void
dp_relay_from_peer(struct dp_worker *w, struct rte_mbuf *m,
		   const struct dp_udp *p, struct dp_alloc *a)
{
	const struct dp_shared *sh = w->sh;
	const struct dp_chan *ch;
	uint32_t sum = p->sum;
	enum dp_drop why;

	if (!alloc_live(w, a, &why)) {
		dp_drop(w, m, why);
		return;
	}
	if (!dp_alloc_permits(&w->table, a, &p->src.ip, w->now)) {
		dp_drop(w, m, DP_DROP_no_permission);
		return;
	}
	if (!bucket_take(w, a, 1, p->len)) {
		dp_drop(w, m, DP_DROP_rate_limited);
		return;
	}
	ch = dp_alloc_chan_by_peer(&w->table, a, &p->src, w->now);

	/* Keep only the UDP payload, then frame it for the client. */
	rte_pktmbuf_adj(m, p->data_off);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - p->len));
	if (ch != NULL) {
		uint8_t *h =
			(uint8_t *)rte_pktmbuf_prepend(m,
						       CHANNEL_DATA_HEADER_LEN);

		if (h == NULL || (a->transport != TP_TRANSPORT_UDP &&
				  pad_for_stream(m) != 0)) {
			dp_drop(w, m, DP_DROP_too_big);
			return;
		}
		channel_data_write_header(h, ch->number, p->len);
		sum = dp_sum_prepend(sum, h, CHANNEL_DATA_HEADER_LEN);
	} else {
		if (data_indication_wrap(w, m, &p->src) != 0) {
			dp_drop(w, m, DP_DROP_too_big);
			return;
		}
		/* The padding behind is zeros, which add nothing. */
		sum = dp_sum_prepend(sum, rte_pktmbuf_mtod(m, const void *),
				     (uint32_t)
					     stun_data_ind_prefix_len(p->src.ip.family));
	}
	/* A stream client's thread writes it; a UDP client gets a datagram. */
	if (a->transport == TP_TRANSPORT_UDP &&
	    (rte_pktmbuf_pkt_len(m) + dp_udp_hdr_len(a->client.ip.family) >
		     DP_MAX_FRAME ||
	     dp_udp_push(m, &sh->mac, a->client_mac, &a->server, &a->client,
			 p->df, sh->tx_ip_cksum_offload,
			 sh->tx_udp_cksum_offload, sum) != 0)) {
		dp_drop(w, m, DP_DROP_too_big);
		return;
	}
	a->usage.pkts_to_client++;
	a->usage.bytes_to_client += p->len;
	w->stats.relayed_bytes[DP_DIR_TO_CLIENT] += p->len;
	w->stats.c[ch != NULL ? DP_C_relay_peer_to_channel :
				DP_C_relay_peer_to_data]++;
	if (a->transport != TP_TRANSPORT_UDP)
		stream_out(w, m, a->conn);
	else
		dp_tx_enqueue(w, m);
}
