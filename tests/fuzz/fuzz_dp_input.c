/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the fast path's input and relay functions under DPDK.
 *
 * EAL starts in-process once (--no-huge --no-pci, one lcore); the port is
 * made from rings (net_ring) and the worker by dp_plane_create(), as the
 * golden tests do.  The world: one UDP allocation and one stream (TCP)
 * allocation with permissions and channels, an on-link and an off-link
 * peer whose MACs are known, so client datagrams, Send indications,
 * ChannelData and peer datagrams all find something to relay to.
 *
 * One input = byte 0 picks the entry point (even: a frame through
 * dp_input(), with bit 2 saying whether the "NIC" vouched for its
 * checksums; odd: a stream client's message through
 * dp_relay_from_stream()), the rest is the frame or message.  When the
 * input is at least an Ethernet + IPv4 + UDP header, its addresses and
 * ports are steered (by bytes the fuzzer controls) onto the world's
 * clients, listening and relay addresses, so most inputs reach the relay
 * code rather than the first address check.
 *
 * The mbuf's data ends exactly where the input ends: it is attached to an
 * external buffer (rte_pktmbuf_attach_extbuf) malloc'ed for the headroom
 * plus the input's size, with the data at its end, so ASan sees a read one
 * byte past the packet.  Everything the worker emits (TX ring, events,
 * stream-out ring) is freed after each input, and the mbuf pool must be
 * as full as before: a leaked mbuf aborts.  With FZ_DEBUG set, each input
 * ends by printing the relay counters: how to see that the seeds in
 * tests/fuzz/seeds/dp_input reach the relay paths.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_cmd.h"
#include "dp_input.h"
#include "dp_plane.h"
#include "dp_port.h"
#include "dp_relay.h"
#include "dp_worker.h"
#include "turnpike/channel_data.h"
#include "turnpike/dp_msg.h"
#include "turnpike/plane.h"

#define FZ_IP4(a, b, c, d)                                                \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define FZ_LISTEN FZ_IP4(192, 0, 2, 1)
#define FZ_RELAY FZ_IP4(192, 0, 2, 10)
#define FZ_GW FZ_IP4(192, 0, 2, 254)
#define FZ_CLIENT FZ_IP4(203, 0, 113, 5)
#define FZ_PEER_ON FZ_IP4(198, 51, 100, 7)
#define FZ_PEER_FAR FZ_IP4(8, 8, 8, 8)
#define FZ_LISTEN_PORT 3478
#define FZ_MIN_PORT 49152
#define FZ_MAX_PORT 49407
#define FZ_HEADROOM RTE_PKTMBUF_HEADROOM
#define FZ_MAX_IN 2048

static struct rte_mempool *fz_pool;
static struct dp_plane *fz_pl;
static struct dp_worker *fz_w;
static struct rte_ring *fz_rx, *fz_tx;
static uint16_t fz_relay_port[2]; /* the UDP and the stream allocation's */
static uint16_t fz_client_port = 40001;

static const uint8_t fz_mac_peer[6] = { 2, 0, 0, 0, 1, 7 };
static const uint8_t fz_mac_gw[6] = { 2, 0, 0, 0, 0, 0xfe };

static struct tp_addr
fz_addr(uint32_t ip, uint16_t port)
{
	struct tp_addr a = { .ip = tp_ip_v4(ip), .port = port };

	return a;
}

static void
fz_cmd(struct dp_cmd *c)
{
	if (rte_ring_sp_enqueue_elem(fz_w->cmd_ring, c, sizeof(*c)) != 0)
		abort();
	fz_w->now = rte_rdtsc();
	dp_cmd_drain(fz_w);
}

/* Allocation @slot: client @client, relayed port @relay_port, transport. */
static void
fz_alloc(uint32_t slot, struct tp_addr client, uint16_t relay_port,
	 uint8_t transport)
{
	struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };
	struct dp_alloc_ref ref = { slot, 100 + slot };
	uint32_t peers[] = { FZ_PEER_ON, FZ_PEER_FAR, FZ_RELAY };

	c.u.alloc_add.ref = ref;
	c.u.alloc_add.client = client;
	c.u.alloc_add.server = fz_addr(FZ_LISTEN, FZ_LISTEN_PORT);
	c.u.alloc_add.relay = fz_addr(FZ_RELAY, relay_port);
	c.u.alloc_add.transport = transport;
	c.u.alloc_add.conn = 7;
	memcpy(c.u.alloc_add.client_mac, fz_mac_gw, 6);
	c.u.alloc_add.lifetime_ms = 3600000;
	c.u.alloc_add.max_bps = slot == 0 ? 0 : 1000000;
	fz_cmd(&c);
	for (unsigned int i = 0; i < 3; i++) {
		c = (struct dp_cmd){ .type = DP_CMD_PERM_SET };
		c.u.perm.ref = ref;
		c.u.perm.peer = tp_ip_v4(peers[i]);
		c.u.perm.lifetime_ms = 3600000;
		c.u.perm.max_blocks = 1;
		fz_cmd(&c);
		c = (struct dp_cmd){ .type = DP_CMD_CHAN_SET };
		c.u.chan.ref = ref;
		c.u.chan.peer = fz_addr(peers[i], (uint16_t)(5000 + i));
		if (i == 2) /* the other allocation's relayed address */
			c.u.chan.peer.port = fz_relay_port[!slot];
		c.u.chan.channel = (uint16_t)(0x4000 + i);
		c.u.chan.lifetime_ms = 3600000;
		c.u.chan.max_blocks = 1;
		fz_cmd(&c);
	}
}

static int
fz_start(void)
{
	static char *argv[] = { "fuzz_dp_input",
				"--no-huge",
				"-m",
				"256",
				"--no-pci",
				"--no-shconf",
				"--file-prefix",
				NULL,
				"-l",
				"0",
				"--log-level",
				"1",
				"--no-telemetry",
				NULL };
	static char prefix[32];
	static unsigned int lcores[1];
	struct tp_plane_params p = { 0 };
	struct dp_port_info info;
	const struct dp_plane_rings rings = { .cmd = 256,
					      .evt = 256,
					      .handoff = 64 };
	struct dp_cmd c = { .type = DP_CMD_NEIGH_SET };
	char err[256];
	int port;

	snprintf(prefix, sizeof(prefix), "tpk-fuzz-%d", (int)getpid());
	argv[7] = prefix;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	fz_pool = rte_pktmbuf_pool_create("fz_mbufs", 1023, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	fz_rx = rte_ring_create("fz_rx", 64, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
	fz_tx = rte_ring_create("fz_tx", 1024, (int)rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (fz_pool == NULL || fz_rx == NULL || fz_tx == NULL)
		return -1;
	port = rte_eth_from_rings("net_ring_fuzz", &fz_rx, 1, &fz_tx, 1,
				  rte_socket_id());
	if (port < 0 || dp_port_init((uint16_t)port, 1, 1, fz_pool, &info, err,
				     sizeof(err)) != 0)
		return -1;
	info.mac.addr_bytes[0] = 2; /* a unicast MAC, not net_ring's zeros */
	info.mac.addr_bytes[5] = 1;
	p.n_workers = 1;
	p.allocs_per_worker = 8;
	p.listen_port = FZ_LISTEN_PORT;
	p.min_port = FZ_MIN_PORT;
	p.max_port = FZ_MAX_PORT;
	p.n_listen = 1;
	p.listen_ips[0] = tp_ip_v4(FZ_LISTEN);
	p.n_relay = 1;
	p.relay_ips[0] = tp_ip_v4(FZ_RELAY);
	p.n_local = 1;
	p.local_nets[0].lo = tp_ip_v4(FZ_IP4(198, 51, 100, 0));
	p.local_nets[0].hi = tp_ip_v4(FZ_IP4(198, 51, 100, 255));
	p.gateway = tp_ip_v4(FZ_GW);
	p.chan_max = CHANNEL_NUMBER_MAX;
	p.udp_clients = true;
	lcores[0] = rte_lcore_id();
	fz_pl = dp_plane_create(&p, (uint16_t)port, &info, fz_pool, lcores,
				&rings, err, sizeof(err));
	if (fz_pl == NULL)
		return -1;
	fz_w = &fz_pl->workers[0];
	c.u.neigh.ip = tp_ip_v4(FZ_PEER_ON);
	memcpy(c.u.neigh.mac, fz_mac_peer, 6);
	fz_cmd(&c);
	c.u.neigh.ip = tp_ip_v4(FZ_GW);
	memcpy(c.u.neigh.mac, fz_mac_gw, 6);
	fz_cmd(&c);
	fz_relay_port[0] = FZ_MIN_PORT;
	fz_relay_port[1] = FZ_MIN_PORT + 1;
	fz_alloc(0, fz_addr(FZ_CLIENT, fz_client_port), fz_relay_port[0],
		 TP_TRANSPORT_UDP);
	fz_alloc(1, fz_addr(FZ_CLIENT, (uint16_t)(fz_client_port + 1)),
		 fz_relay_port[1], TP_TRANSPORT_TCP);
	return 0;
}

/* Give back everything the worker emitted. */
static void
fz_drain(void)
{
	struct dp_evt ev;
	struct dp_stream_out so;
	void *m;

	dp_tx_flush(fz_w);
	while (rte_ring_sc_dequeue(fz_tx, &m) == 0)
		rte_pktmbuf_free(m);
	while (rte_ring_sc_dequeue_elem(fz_w->evt_ring, &ev, sizeof(ev)) == 0)
		if (ev.type == DP_EVT_PACKET)
			rte_pktmbuf_free(ev.u.packet.mbuf);
	while (rte_ring_sc_dequeue_elem(fz_w->stream_out, &so, sizeof(so)) == 0)
		rte_pktmbuf_free(so.mbuf);
}

/*
 * A frame held for a next hop being resolved (its entry evicted by fuzzed
 * ARP, say) must not outlive its input: the external buffers share one
 * shinfo.  Only looked for when the pool says something is out.
 */
static void
fz_drop_held(void)
{
	for (unsigned int i = 0; i < DP_NEIGH_SLOTS; i++) {
		rte_pktmbuf_free(fz_w->neigh.e[i].held);
		fz_w->neigh.e[i].held = NULL;
	}
}

static void
fz_ext_free(void *addr, void *opaque)
{
	(void)opaque;
	free(addr);
}

/*
 * Steer a frame's addresses onto the world (when it has the headers):
 * byte 0 of the UDP source port's high byte picks who sends to whom.
 */
static void
fz_steer(uint8_t *f, size_t n)
{
	static const uint32_t srcs[] = { FZ_CLIENT, FZ_PEER_ON, FZ_PEER_FAR,
					 FZ_RELAY };
	uint8_t *ip = f + 14, *udp;
	uint8_t pick;
	uint32_t src, dst;
	uint16_t sport, dport;

	if (n < 14 + 20 + 8 || (ip[0] >> 4) != 4)
		return;
	memcpy(f, fz_w->sh->mac.addr_bytes, 6);
	udp = ip + (ip[0] & 15) * 4;
	if (udp + 8 > f + n)
		return;
	pick = udp[0];
	src = srcs[pick & 3];
	dst = pick & 4 ? FZ_RELAY : FZ_LISTEN;
	sport = src == FZ_CLIENT ? (uint16_t)(fz_client_port + (pick >> 7)) :
				   (uint16_t)(5000 + (pick >> 5 & 3));
	dport = dst == FZ_LISTEN ? FZ_LISTEN_PORT :
				   fz_relay_port[(pick >> 3) & 1];
	ip[9] = 17;
	ip[12] = (uint8_t)(src >> 24);
	ip[13] = (uint8_t)(src >> 16);
	ip[14] = (uint8_t)(src >> 8);
	ip[15] = (uint8_t)src;
	ip[16] = (uint8_t)(dst >> 24);
	ip[17] = (uint8_t)(dst >> 16);
	ip[18] = (uint8_t)(dst >> 8);
	ip[19] = (uint8_t)dst;
	udp[0] = (uint8_t)(sport >> 8);
	udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8);
	udp[3] = (uint8_t)dport;
}

/* An mbuf whose data is @n bytes ending exactly at its buffer's end;
 * @good: the "NIC" vouched for its checksums (else they are verified). */
static struct rte_mbuf *
fz_mbuf(const uint8_t *data, size_t n, bool good)
{
	static struct rte_mbuf_ext_shared_info shinfo;
	struct rte_mbuf *m = rte_pktmbuf_alloc(fz_pool);
	uint8_t *buf = malloc(FZ_HEADROOM + n);

	if (m == NULL || buf == NULL)
		abort();
	memcpy(buf + FZ_HEADROOM, data, n);
	shinfo.free_cb = fz_ext_free;
	shinfo.fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf, rte_mem_virt2iova(buf),
				  (uint16_t)(FZ_HEADROOM + n), &shinfo);
	m->data_off = FZ_HEADROOM;
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	m->port = 0;
	if (good)
		m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD |
			       RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static unsigned int in_use;
	uint8_t frame[FZ_MAX_IN];
	size_t n;

	if (!ready) {
		if (fz_start() != 0) {
			fprintf(stderr, "fuzz_dp_input: DPDK set-up failed\n");
			abort();
		}
		fz_drain();
		in_use = rte_mempool_in_use_count(fz_pool);
		ready = true;
	}
	if (size < 1)
		return 0;
	n = size - 1 < sizeof(frame) ? size - 1 : sizeof(frame);
	memcpy(frame, data + 1, n);
	fz_w->now = rte_rdtsc();
	if ((data[0] & 1) == 0) {
		fz_steer(frame, n);
		dp_input(fz_w, fz_mbuf(frame, n, (data[0] & 4) != 0));
	} else {
		struct dp_stream_in in = { 0 };

		in.client = fz_addr(FZ_CLIENT, (uint16_t)(fz_client_port + 1));
		in.local = fz_addr(FZ_LISTEN, FZ_LISTEN_PORT);
		in.transport = (data[0] & 2) ? TP_TRANSPORT_TCP :
					       TP_TRANSPORT_TLS;
		in.mbuf = fz_mbuf(frame, n, false);
		dp_relay_from_stream(fz_w, &in);
	}
	if (getenv("FZ_DEBUG") != NULL) {
		const struct dp_stats *st = &fz_w->stats;

		fprintf(stderr,
			"to_peer=%" PRIu64 "+%" PRIu64 " to_client=%" PRIu64
			"+%" PRIu64 " local=%" PRIu64 " punted=%" PRIu64
			" arp_replied=%" PRIu64 " stream_in=%" PRIu64 "\n",
			st->c[DP_C_relay_channel_to_peer],
			st->c[DP_C_relay_send_to_peer],
			st->c[DP_C_relay_peer_to_channel],
			st->c[DP_C_relay_peer_to_data], st->c[DP_C_relay_local],
			st->c[DP_C_punted], st->c[DP_C_arp_replied],
			st->c[DP_C_stream_in]);
	}
	fz_drain();
	if (rte_mempool_in_use_count(fz_pool) != in_use)
		fz_drop_held();
	if (rte_mempool_in_use_count(fz_pool) != in_use)
		abort(); /* an mbuf was lost */
	return 0;
}
