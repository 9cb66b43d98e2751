/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic: paced transmit from the clients, receive on both sides of the
 * relay, the peers' echo, one-way latency, and the pcap export.  Main lcore;
 * owns the frames it builds until the port takes them.
 *
 * Every payload starts with a 24-byte header, the rest is filler:
 *
 *     0       4          8                 16                24
 *     | magic | alloc    | sequence        | TSC at send     | fill ...
 *       "TPKG"  (be32)     (be64)            (host order)
 *
 * The allocation index lets the receiving side check that a datagram came
 * out where it should (the right peer, from the right relayed address, or
 * to the right client); the TSC gives one-way latency because both ends
 * are this process (same host, same invariant TSC).  A peer echoing a
 * datagram stamps it again, so each direction is timed on its own.
 *
 * Pacing: at --rate R, by time t after the start R*t frames are due; each
 * loop turn sends what is due, at most a burst of 32.  Frames the port
 * does not take wait (with their stamps) and go first next turn, so a
 * full TX queue shows as latency, not as loss.
 */
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "dp_pkt.h"
#include "gen.h"
#include "gen_pcap.h"
#include "turnpike/channel_data.h"
#include "turnpike/stun.h"

/* The payload bytes of datagram @seq: --size, or with --size-max one drawn
 * from the sequence number by a multiplicative hash (every size alike,
 * the same for the same run). */
static uint32_t
payload_size(const struct gen *g, uint64_t seq)
{
	uint32_t span;

	if (g->o.size_max <= g->o.size)
		return g->o.size;
	span = g->o.size_max - g->o.size + 1;
	return g->o.size +
	       (uint32_t)(((seq * 0x9e3779b97f4a7c15ull) >> 32) % span);
}

static void
payload_write(const struct gen *g, uint8_t *p, uint32_t idx, uint64_t seq,
	      uint64_t tsc, uint32_t size)
{
	uint32_t magic = rte_cpu_to_be_32(GEN_PAYLOAD_MAGIC);
	uint32_t alloc = rte_cpu_to_be_32(idx);
	uint64_t seq_be = rte_cpu_to_be_64(seq);

	memcpy(p, &magic, 4);
	memcpy(p + 4, &alloc, 4);
	memcpy(p + 8, &seq_be, 8);
	memcpy(p + 16, &tsc, 8);
	memcpy(p + GEN_PAYLOAD_MIN, g->fill, size - GEN_PAYLOAD_MIN);
}

/* The allocation index a payload header names (not checked). */
static uint32_t
payload_index(const uint8_t *p)
{
	uint32_t alloc;

	memcpy(&alloc, p + 4, 4);
	return rte_be_to_cpu_32(alloc);
}

/* Read a payload header.  @return false if it is not one of ours. */
static bool
payload_read(const struct gen *g, const uint8_t *p, uint32_t len, uint32_t *idx,
	     uint64_t *tsc)
{
	uint32_t magic;

	if (len < g->o.size || len > RTE_MAX(g->o.size, g->o.size_max))
		return false;
	memcpy(&magic, p, 4);
	memcpy(tsc, p + 16, 8);
	*idx = payload_index(p);
	return magic == rte_cpu_to_be_32(GEN_PAYLOAD_MAGIC) &&
	       *idx < g->plan.n_clients;
}

static void
record_latency(struct gen *g, struct gen_hist *h, uint64_t now, uint64_t tsc)
{
	/* A replayed frame (--pcap-out) carries no timestamp. */
	if (tsc != 0 && tsc <= now)
		gen_hist_add(h, (uint64_t)((double)(now - tsc) * g->ns_per_tick));
	g->last_traffic_rx = now;
}

/* Send indication (RFC 8656 section 11.1): XOR-PEER-ADDRESS and DATA. */
static int
send_indication_write(struct gen *g, struct rte_mbuf *m, uint32_t idx,
		      uint64_t seq, uint64_t tsc)
{
	uint8_t payload[GEN_PAYLOAD_MAX], tid[STUN_TID_LEN];
	uint32_t size = payload_size(g, seq);
	struct stun_builder b;
	struct tp_addr peer;
	size_t len;
	uint8_t *p;

	gen_plan_peer(&g->plan, gen_plan_peer_of(&g->plan, idx), &peer);
	/* XOR-PEER-ADDRESS holds 8 bytes for IPv4, 20 for IPv6. */
	len = STUN_HEADER_LEN + 4 + (peer.ip.family == TP_AF_INET6 ? 20 : 8) +
	      4 + size + ((4 - size % 4) % 4);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL)
		return -1;
	memcpy(tid, g->sctx.tid_prefix, 4);
	memcpy(tid + 4, &seq, 8); /* indications only need unique IDs */
	payload_write(g, payload, idx, seq, tsc, size);
	stun_build_init(&b, p, len,
			stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION), tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	stun_build_attr(&b, STUN_ATTR_DATA, payload, size);
	return stun_build_finish(&b) == (int)len ? 0 : -1;
}

/* One client -> relay frame of allocation @idx, in @m (empty). */
static int
client_frame(struct gen *g, struct rte_mbuf *m, uint32_t idx, uint64_t seq,
	     uint64_t tsc, bool sw_cksum)
{
	const struct gen_session *s = &g->sess[idx];
	struct tp_addr client;
	uint8_t *p;

	if (s->channel != 0) {
		uint32_t size = payload_size(g, seq);

		p = (uint8_t *)
			rte_pktmbuf_append(m, (uint16_t)(CHANNEL_DATA_HEADER_LEN +
							 size));
		if (p == NULL)
			return -1;
		channel_data_write_header(p, s->channel, (uint16_t)size);
		payload_write(g, p + CHANNEL_DATA_HEADER_LEN, idx, seq, tsc,
			      size);
	} else if (send_indication_write(g, m, idx, seq, tsc) != 0) {
		return -1;
	}
	gen_plan_client(&g->plan, idx, &client);
	return dp_udp_push(m, &g->mac, g->server_mac.addr_bytes, &client,
			   &g->o.server, false, g->tx_ip_cksum && !sw_cksum,
			   g->tx_udp_cksum && !sw_cksum, DP_SUM_UNKNOWN);
}

/* Next live session, round-robin over the first n_active (all if 0),
 * skipping dead ones.  -1 if none. */
static int64_t
next_live(struct gen *g)
{
	uint32_t n = g->n_active != 0 ? RTE_MIN(g->n_active, g->n_live) :
					g->n_live;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t idx = g->live[g->rr++];

		if (g->rr >= n)
			g->rr = 0;
		if (g->sess[idx].state != GEN_SS_FAILED &&
		    g->sess[idx].state != GEN_SS_RELEASED)
			return idx;
	}
	return -1;
}

/* Offer the pending frames to the port.  @return true if all went. */
static bool
pending_flush(struct gen *g)
{
	uint16_t sent;

	if (g->n_pending == 0)
		return true;
	sent = rte_eth_tx_burst(g->o.port, g->txq, g->pending, g->n_pending);
	g->st.c[GEN_C_tx_frames] += sent;
	g->st.c[GEN_C_to_peer_sent] += sent;
	if (sent > 0 && sent < g->n_pending)
		memmove(g->pending, g->pending + sent,
			(g->n_pending - sent) * sizeof(g->pending[0]));
	g->n_pending = (uint16_t)(g->n_pending - sent);
	return g->n_pending == 0;
}

void
gen_traffic_start(struct gen *g, uint64_t now)
{
	g->t_traffic0 = now;
	g->attempts = 0;
	g->sending = true;
	for (uint32_t i = 0; i < GEN_PAYLOAD_MAX; i++)
		g->fill[i] = (uint8_t)i;
}

unsigned int
gen_traffic_send(struct gen *g, uint64_t now)
{
	uint64_t want = GEN_BURST, due;
	uint16_t n;
	int64_t idx;

	if (!pending_flush(g) || !g->sending || g->n_live == 0)
		return 0;
	if (g->o.rate != 0) {
		due = (uint64_t)((double)(now - g->t_traffic0) *
				 (double)g->o.rate / (double)g->hz);
		if (due <= g->attempts)
			return 0;
		want = RTE_MIN(due - g->attempts, (uint64_t)GEN_BURST);
	}
	n = (uint16_t)want;
	if (rte_pktmbuf_alloc_bulk(g->pool, g->pending, n) != 0) {
		g->st.c[GEN_C_no_mbuf] += n;
		return 0;
	}
	for (uint16_t i = 0; i < n; i++) {
		idx = next_live(g);
		if (idx < 0 || client_frame(g, g->pending[i], (uint32_t)idx,
					    g->seq++, rte_rdtsc(), false) != 0) {
			rte_pktmbuf_free_bulk(g->pending + i, n - i);
			n = i;
			break;
		}
	}
	g->n_pending = n;
	g->attempts += n;
	pending_flush(g);
	return n;
}

/* A relayed datagram at a peer: check it, count it, maybe echo it. */
static void
peer_input(struct gen *g, struct rte_mbuf *m, const struct dp_udp *p,
	   uint32_t peer, uint64_t now)
{
	uint64_t tsc;
	uint32_t idx;

	if (!payload_read(g, p->data, p->len, &idx, &tsc) ||
	    gen_plan_peer_of(&g->plan, idx) != peer ||
	    !tp_addr_equal(&g->sess[idx].relay, &p->src)) {
		g->st.c[GEN_C_to_peer_bad]++;
		rte_pktmbuf_free(m);
		return;
	}
	g->st.c[GEN_C_to_peer_received]++;
	record_latency(g, &g->st.to_peer, now, tsc);
	if (!g->o.echo) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Echo in place: keep the payload, stamp it, swap the addresses. */
	struct tp_addr from = p->dst, to = p->src;
	uint16_t len = p->len;

	tsc = rte_rdtsc();
	memcpy(p->data + 16, &tsc, 8);
	rte_pktmbuf_adj(m, p->data_off);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - len));
	if (gen_port_udp_push(g, m, &from, &to) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (g->n_echo == GEN_TXQ_LEN)
		gen_port_flush(g);
	g->echo[g->n_echo++] = m;
}

/* Relayed data at a client: ChannelData or a Data indication. */
static void
client_data(struct gen *g, uint32_t client, const uint8_t *data, uint32_t len,
	    enum gen_counter kind, uint64_t now)
{
	uint64_t tsc;
	uint32_t idx;

	if (!payload_read(g, data, len, &idx, &tsc) || idx != client) {
		g->st.c[GEN_C_to_client_bad]++;
		return;
	}
	g->st.c[GEN_C_to_client_received]++;
	g->st.c[kind]++;
	record_latency(g, &g->st.to_client, now, tsc);
}

/* A datagram from the server to one of our clients. */
static void
client_input(struct gen *g, const struct dp_udp *p, uint32_t idx, uint64_t now)
{
	struct tp_addr from, want;
	struct stun_msg msg;
	uint16_t ch, dlen = 0;
	const uint8_t *d;
	int n;

	if (channel_data_looks_like(p->data, p->len)) {
		n = channel_data_parse_upto(p->data, p->len,
					    CHANNEL_NUMBER_MAX_RFC5766, &ch);
		if (n < 0 || ch != g->sess[idx].channel) {
			g->st.c[GEN_C_to_client_bad]++;
			return;
		}
		client_data(g, idx, p->data + CHANNEL_DATA_HEADER_LEN,
			    (uint32_t)n, GEN_C_to_client_channel, now);
		return;
	}
	if (stun_msg_decode(&msg, p->data, p->len) != STUN_OK) {
		g->st.c[GEN_C_rx_malformed]++;
		return;
	}
	if (msg.cls == STUN_CLASS_INDICATION && msg.method == STUN_METHOD_DATA) {
		/* RFC 8656 11.6: the peer it came from, then the data. */
		gen_plan_peer(&g->plan, gen_plan_peer_of(&g->plan, idx), &want);
		d = stun_msg_value(&msg, STUN_SLOT_DATA, &dlen);
		if (d == NULL ||
		    stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_PEER_ADDRESS,
					  &from) != 0 ||
		    !tp_addr_equal(&from, &want)) {
			g->st.c[GEN_C_to_client_bad]++;
			return;
		}
		client_data(g, idx, d, dlen, GEN_C_to_client_data_ind, now);
		return;
	}
	/* Lanes leave the sessions' state to the main lcore. */
	if (g->lane) {
		g->st.c[GEN_C_rx_not_ours]++;
		return;
	}
	gen_hs_on_response(g, idx, &msg, now);
}

/* --floor: what the reflector sent back. */
static void
floor_input(struct gen *g, const struct dp_udp *p, uint64_t now)
{
	uint64_t tsc;
	uint32_t idx;
	uint16_t ch;
	int n = channel_data_parse_upto(p->data, p->len,
					CHANNEL_NUMBER_MAX_RFC5766, &ch);

	if (n < 0 || !payload_read(g, p->data + CHANNEL_DATA_HEADER_LEN,
				   (uint32_t)n, &idx, &tsc)) {
		g->st.c[GEN_C_rx_not_ours]++;
		return;
	}
	g->st.c[GEN_C_to_peer_received]++;
	record_latency(g, &g->st.to_peer, now, tsc);
}

/* A parsed UDP datagram of either family. */
static void
udp_input(struct gen *g, struct rte_mbuf *m, const struct dp_udp *pp, uint64_t now)
{
	const struct dp_udp p = *pp;
	int64_t idx;

	if (g->o.floor) {
		floor_input(g, &p, now);
	} else if ((idx = gen_plan_peer_index(&g->plan, &p.dst)) >= 0) {
		peer_input(g, m, &p, (uint32_t)idx, now);
		return; /* it owns the mbuf now */
	} else if (tp_addr_equal(&p.src, &g->o.server) &&
		   (idx = gen_plan_client_index(&g->plan, &p.dst)) >= 0) {
		client_input(g, &p, (uint32_t)idx, now);
	} else {
		g->st.c[GEN_C_rx_not_ours]++;
	}
	rte_pktmbuf_free(m);
}

static void
ipv4_input(struct gen *g, struct rte_mbuf *m, uint64_t now)
{
	struct dp_udp p;
	enum dp_drop why;

	if (dp_udp4_parse(m, &p, &why) != 0) {
		g->st.c[GEN_C_rx_malformed]++;
		rte_pktmbuf_free(m);
		return;
	}
	udp_input(g, m, &p, now);
}

/* UDP, or neighbour discovery; extension headers as the fast path walks
 * them (dp_ip6_parse()). */
static void
ipv6_input(struct gen *g, struct rte_mbuf *m, uint64_t now)
{
	struct dp_ip6 ip6;
	struct dp_udp p;
	enum dp_drop why;

	if (dp_ip6_parse(m, &ip6, &why) != 0) {
		g->st.c[GEN_C_rx_malformed]++;
	} else if (ip6.proto == IPPROTO_ICMPV6) {
		gen_nd_input(g, m, &ip6);
		return;
	} else if (ip6.proto != IPPROTO_UDP ||
		   dp_udp6_parse(m, &ip6, &p, &why) != 0) {
		g->st.c[GEN_C_rx_malformed]++;
	} else {
		udp_input(g, m, &p, now);
		return;
	}
	rte_pktmbuf_free(m);
}

/*
 * Start fetching the session an IPv4 datagram of a burst is about, before
 * the burst is handled: the client it is addressed to, or the one its
 * payload names when it comes to a peer.  With a million sessions nearly
 * every one misses the caches, and this generator is then slower per
 * packet than the relay it measures; overlapping a burst's misses keeps
 * it the lesser cost.  A hint only: a frame this misreads is handled (and
 * judged) in full afterwards.
 */
static void
rx_prefetch(const struct gen *g, const struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip;
	uint32_t idx, off = sizeof(struct rte_ether_hdr) + sizeof(*ip);
	struct tp_addr dst = { .ip.family = TP_AF_INET };
	int64_t i;

	if (rte_pktmbuf_data_len(m) < off + sizeof(struct rte_udp_hdr) + 8 ||
	    ((const struct rte_ether_hdr *)f)->ether_type !=
		    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return;
	ip = (const struct rte_ipv4_hdr *)(f + sizeof(struct rte_ether_hdr));
	if (ip->version_ihl != RTE_IPV4_VHL_DEF)
		return;
	memcpy(dst.ip.bytes, &ip->dst_addr, 4);
	dst.port = (uint16_t)(f[off + 2] << 8 | f[off + 3]);
	if (gen_plan_peer_index(&g->plan, &dst) >= 0)
		idx = payload_index(f + off + sizeof(struct rte_udp_hdr));
	else if ((i = gen_plan_client_index(&g->plan, &dst)) >= 0)
		idx = (uint32_t)i;
	else
		return;
	if (idx < g->plan.n_clients)
		rte_prefetch0(&g->sess[idx]);
}

/* One burst from RX queue @q. */
static unsigned int
rx_poll_queue(struct gen *g, uint16_t q, uint64_t now)
{
	struct rte_mbuf *pkts[GEN_BURST];
	uint16_t n = rte_eth_rx_burst(g->o.port, q, pkts, GEN_BURST);

	g->st.c[GEN_C_rx_frames] += n;
	if (!g->o.floor)
		for (uint16_t i = 0; i < n; i++)
			rx_prefetch(g, pkts[i]);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *eth =
			rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		if (rte_pktmbuf_data_len(m) < sizeof(*eth) ||
		    !rte_pktmbuf_is_contiguous(m)) {
			g->st.c[GEN_C_rx_malformed]++;
			rte_pktmbuf_free(m);
		} else if (eth->ether_type ==
			   rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			gen_arp_input(g, m);
		} else if (eth->ether_type ==
			   rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
			ipv4_input(g, m, now);
		} else if (eth->ether_type ==
			   rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
			ipv6_input(g, m, now);
		} else {
			g->st.c[GEN_C_rx_not_ours]++;
			rte_pktmbuf_free(m);
		}
	}
	return n;
}

unsigned int
gen_rx_poll(struct gen *g, uint64_t now)
{
	unsigned int n = 0;

	for (uint16_t q = g->rxq0; q < g->rxq0 + g->n_rxq; q++)
		n += rx_poll_queue(g, q, now);
	gen_port_flush(g);
	return n;
}

void
gen_traffic_floor_setup(struct gen *g)
{
	for (uint32_t i = 0; i < g->plan.n_clients; i++) {
		g->sess[i].state = GEN_SS_READY;
		g->sess[i].channel = (uint16_t)(CHANNEL_NUMBER_MIN + i % 0x1000);
		g->live[i] = i;
	}
	g->n_live = g->n_ready = g->plan.n_clients;
}

int
gen_traffic_export_pcap(struct gen *g, const char *path)
{
	struct gen_pcap pc;
	struct timespec ts;
	uint64_t t_ns;
	int rc;

	clock_gettime(CLOCK_REALTIME, &ts);
	t_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	for (uint32_t i = 0; i < GEN_PAYLOAD_MAX; i++)
		g->fill[i] = (uint8_t)i;
	rc = gen_pcap_open(&pc, path);
	for (uint32_t k = 0; rc == 0 && k < g->n_live; k++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);

		if (m == NULL) {
			rc = -ENOMEM;
			break;
		}
		/* Replayed frames carry no timestamp: a replayer's copies all
		 * look alike.  Full checksums: no offload on replay. */
		if (client_frame(g, m, g->live[k], 0, 0, true) == 0)
			rc = gen_pcap_write(&pc, rte_pktmbuf_mtod(m, uint8_t *),
					    rte_pktmbuf_data_len(m),
					    t_ns + k * 1000);
		rte_pktmbuf_free(m);
	}
	if (gen_pcap_close(&pc) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}
