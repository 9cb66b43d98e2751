/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-dp-count: the fast path's work per relayed packet, in a form
 * valgrind's callgrind can count (issue 12: a figure that does not move
 * with the machine's speed).  tools/bench/instr-count runs it under
 * callgrind and turns the counts into instructions and simulated cache
 * misses per packet.
 *
 * One process, one thread (the main lcore), EAL without hugepages or PCI,
 * and one port made with rte_eth_from_rings() (net_ring): we write its RX
 * ring and read its TX ring.  Two modes over the same port and frames:
 *
 *   turnpike  a plane of one worker (dp_plane_create(), as the server
 *             makes it), tables sized for --allocations N, and N
 *             allocations installed through the commands the control plane
 *             sends (an allocation, a permission for its peer, a channel
 *             bound to it; the peers' MACs first), applied by dp_cmd_drain().
 *             A turn is one dp_worker_poll(), exactly what dp_worker_run()
 *             calls in its loop.
 *   macswap   what dpdk-testpmd's macswap engine does with a burst:
 *             rte_eth_rx_burst(), swap each frame's Ethernet addresses,
 *             rte_eth_tx_burst(), free what it refused.  The floor.
 *
 * Why macswap is written here rather than dpdk-testpmd run under callgrind:
 * testpmd's forwarding functions are static and Debian's binary is
 * stripped, so callgrind cannot find where a burst's work begins and ends;
 * and testpmd polls until told to stop, so its empty polls would be counted
 * with the packets, and how many there are depends on timing, the very
 * thing this figure is meant not to depend on.
 *
 * Traffic: two frames built once as templates, a ChannelData message from
 * a client to our listening address and a UDP datagram from a peer to a
 * relayed address, each with a 100-byte payload.  Packet k goes to
 * allocation (j * stride) % N, j = k % N, with the stride coprime to N and
 * near N / phi: every allocation once per round, neighbours in the order
 * far apart in the tables, so 1M allocations are not walked sequentially
 * the way caches like.  Its direction alternates with k and flips every
 * round, so each allocation sees both directions every two rounds.
 *
 * Per burst of 32, outside the measured region: copy the templates into
 * fresh mbufs, write the allocation's addresses, ports, channel and
 * checksums, and enqueue them on the RX ring.  The measured region is one
 * turn (CALLGRIND_TOGGLE_COLLECT around it; a no-op when not under
 * valgrind).  After it, again outside: every frame that went in must have
 * come out of the TX ring, in order, addressed as the relay (or macswap)
 * addresses it, or we exit 1; then the frames are freed.  So what is
 * counted is the turn alone: not the harness's frame building, nor
 * allocating and freeing mbufs (the relay sends the frame it received, as
 * macswap does).  net_ring offers no checksum offload, so the worker checks
 * and fills IPv4 and UDP checksums in software, as it would on a NIC
 * without offloads; macswap touches neither.
 *
 * The warm-up (--warmup W packets, default two per allocation up to
 * 100,000) runs the same way, unmeasured: it fills the simulated caches, cold
 * when the simulation starts, so the measured packets see a steady state.
 * instr-count starts valgrind with --instr-atstart=no and this program
 * switches instrumentation on just before the warm-up, so installing a
 * million allocations runs several times faster than it would simulated.
 *
 *   turnpike-dp-count [--mode turnpike|macswap] [--allocations N]
 *                     [--packets P] [--warmup W] [--json]
 *
 * Prints packets done (or, with --json, one JSON object: mode,
 * allocations, packets, warmup, relayed, table_bytes).  Exit 0, 1 on a
 * packet that was not relayed or came out wrong (or a failed set-up), 2 on
 * a bad option.
 */
#define _GNU_SOURCE /* sched_getaffinity */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_udp.h>

#include "dp_cmd.h"
#include "dp_plane.h"
#include "dp_port.h"
#include "dp_worker.h"
#include "turnpike/addr.h"
#include "turnpike/channel_data.h"
#include "turnpike/dp_counters.h"
#include "turnpike/dp_msg.h"
#include "turnpike/plane.h"

#define IP4(a, b, c, d)                                                   \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

/* The address plan of tools/bench/relay-bench: server 198.18.255.1,
 * clients in 198.18.0.0/20, peers in 198.19.0.0/24, relay ports 3479 and
 * up on 198.18.255.1, .2, ... as many as the allocations need. */
#define IP_SERVER IP4(198, 18, 255, 1)
#define IP_RELAY0 IP4(198, 18, 255, 1)
#define IP_CLIENT0 IP4(198, 18, 0, 0)
#define IP_PEER0 IP4(198, 19, 0, 0)
#define N_CLIENT_IPS 4094 /* hosts of the /20 */
#define N_PEER_IPS 254    /* hosts of the /24 */
#define CLIENT_PORT0 1024
#define PEER_PORT0 10000
#define LISTEN_PORT 3478
#define MIN_PORT 3479
#define MAX_PORT 65535
#define PORTS_PER_IP (MAX_PORT - MIN_PORT + 1)
#define MAX_ALLOCATIONS ((uint32_t)PORTS_PER_IP * TP_PLANE_MAX_RELAY_IPS)
/* Longer than any run; the worker checks expiry on every packet. */
#define LIFETIME_MS (24u * 3600 * 1000)

#define PAYLOAD_LEN 100
#define HDR_LEN                                                       \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + \
	 sizeof(struct rte_udp_hdr))
#define FRAME_MAX (HDR_LEN + CHANNEL_DATA_HEADER_LEN + PAYLOAD_LEN)
#define BURST DP_BURST
#define PORT_RING_SIZE 1024
#define POOL_SIZE 4095
#define POOL_CACHE 256
#define WARMUP_MAX 100000u

static const struct rte_ether_addr mac_server = { { 0x02, 0, 0, 0, 0, 0x01 } };
/* Every client's frames come through one router: the generator's MAC. */
static const struct rte_ether_addr mac_client = { { 0x02, 0, 0, 0, 0, 0x02 } };

enum count_mode {
	MODE_TURNPIKE,
	MODE_MACSWAP
};

/* A frame's direction through the relay. */
enum dir {
	DIR_FROM_CLIENT,
	DIR_FROM_PEER
};

struct count_opts {
	enum count_mode mode;
	uint32_t allocations;
	uint32_t packets;
	uint32_t warmup;
	bool warmup_set;
	bool json;
};

/* One allocation's addresses, a function of its index alone. */
struct count_alloc {
	struct tp_addr client;
	struct tp_addr relay;
	struct tp_addr peer;
	struct rte_ether_addr peer_mac;
	uint16_t channel;
};

struct frame {
	uint16_t len;
	uint8_t b[FRAME_MAX];
};

struct count_env {
	struct count_opts o;
	uint16_t port;
	struct rte_ring *rxr, *txr;
	struct rte_mempool *pool;
	struct dp_port_info info;
	struct dp_plane *pl;
	struct dp_worker *w;
	uint16_t n_relay;
	uint64_t cmds_sent;
	uint32_t stride;
	uint64_t k;           /* packets sent so far (the sequence position) */
	struct frame tmpl[2]; /* [enum dir] */
	uint64_t relayed;
	bool port_up;
};

static void
usage(void)
{
	fprintf(stderr,
		"usage: turnpike-dp-count [--mode turnpike|macswap] "
		"[--allocations N]\n"
		"                         [--packets P] [--warmup W] [--json]\n");
}

/* @s as an unsigned in [@lo, @hi] into @out; a message on stderr if not. */
static int
opt_u32(const char *name, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo ||
	    v > hi) {
		fprintf(stderr,
			"turnpike-dp-count: --%s wants a whole number from %u "
			"to %u, not '%s'\n",
			name, lo, hi, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The command line into @o.  @return 0, 1 for --help, or -1 after a
 * message. */
static int
opts_parse(int argc, char **argv, struct count_opts *o)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "allocations", required_argument, NULL, 'n' },
		{ "packets", required_argument, NULL, 'p' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct count_opts){ .mode = MODE_TURNPIKE,
				  .allocations = 1000,
				  .packets = 200000 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "turnpike") == 0) {
				o->mode = MODE_TURNPIKE;
			} else if (strcmp(optarg, "macswap") == 0) {
				o->mode = MODE_MACSWAP;
			} else {
				fprintf(stderr,
					"turnpike-dp-count: --mode is turnpike "
					"or macswap, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'n':
			if (opt_u32("allocations", optarg, 1, MAX_ALLOCATIONS,
				    &o->allocations) != 0)
				return -1;
			break;
		case 'p':
			if (opt_u32("packets", optarg, 1, UINT32_MAX,
				    &o->packets) != 0)
				return -1;
			break;
		case 'w':
			if (opt_u32("warmup", optarg, 0, UINT32_MAX,
				    &o->warmup) != 0)
				return -1;
			o->warmup_set = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			usage();
			return 1;
		default:
			usage();
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "turnpike-dp-count: unexpected '%s'\n",
			argv[optind]);
		usage();
		return -1;
	}
	if (!o->warmup_set)
		o->warmup = o->allocations <= WARMUP_MAX / 2 ?
				    2 * o->allocations :
				    WARMUP_MAX;
	return 0;
}

/* ------------------------------------------------------------------ */
/* EAL and the port                                                    */
/* ------------------------------------------------------------------ */

/*
 * EAL for one lcore (lcore 0 on the first CPU we may use), no hugepages,
 * @mem_mb of memory, a file prefix of our own so runs never collide.
 */
static int
eal_start(const char *prog, unsigned int mem_mb)
{
	char prefix[64], lcores[32], mem[16];
	int cpu = 0;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set)) {
				cpu = c;
				break;
			}
	snprintf(lcores, sizeof(lcores), "0@%d", cpu);
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	/* Of one length whatever the pid: runs under callgrind should not
	 * differ even in the length of a path EAL allocates. */
	snprintf(prefix, sizeof(prefix), "tpk-count-%010d", (int)getpid());
	char *argv[] = {
		(char *)(uintptr_t)prog,
		"--no-huge",
		"-m",
		mem,
		"--no-pci",
		"--file-prefix",
		prefix,
		"--no-shconf",
		"--lcores",
		lcores,
		"--log-level",
		"3",
		"--no-telemetry",
		NULL,
	};
	return rte_eal_init((int)RTE_DIM(argv) - 1, argv);
}

/* The pool, the rings and the port made of them. */
static int
port_open(struct count_env *e)
{
	char err[256];
	int port;

	e->pool = rte_pktmbuf_pool_create("count_mbufs", POOL_SIZE, POOL_CACHE,
					  0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	e->rxr = rte_ring_create("count_rx", PORT_RING_SIZE, (int)rte_socket_id(),
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	e->txr = rte_ring_create("count_tx", PORT_RING_SIZE, (int)rte_socket_id(),
				 RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (e->pool == NULL || e->rxr == NULL || e->txr == NULL) {
		fprintf(stderr, "turnpike-dp-count: pool or rings: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	port = rte_eth_from_rings("net_ring_count", &e->rxr, 1, &e->txr, 1,
				  rte_socket_id());
	if (port < 0) {
		fprintf(stderr, "turnpike-dp-count: rte_eth_from_rings: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	e->port = (uint16_t)port;
	e->port_up = true;
	if (dp_port_init(e->port, 1, 1, e->pool, &e->info, err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "turnpike-dp-count: %s\n", err);
		return -1;
	}
	/* net_ring reports a zero MAC; frames are addressed to ours. */
	e->info.mac = mac_server;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The allocations                                                     */
/* ------------------------------------------------------------------ */

static struct tp_addr
addr4(uint32_t ip, uint16_t port)
{
	struct tp_addr a = { .ip = tp_ip_v4(ip), .port = port };

	return a;
}

/* Allocation @i's addresses: clients and peers cycle through their
 * networks' hosts, the port moving on after each cycle. */
static void
alloc_of(uint32_t i, struct count_alloc *a)
{
	uint32_t peer_host = 1 + i % N_PEER_IPS;

	a->client = addr4(IP_CLIENT0 + 1 + i % N_CLIENT_IPS,
			  (uint16_t)(CLIENT_PORT0 + i / N_CLIENT_IPS));
	a->relay = addr4(IP_RELAY0 + i / PORTS_PER_IP,
			 (uint16_t)(MIN_PORT + i % PORTS_PER_IP));
	a->peer = addr4(IP_PEER0 + peer_host,
			(uint16_t)(PEER_PORT0 + i / N_PEER_IPS));
	a->peer_mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0x01, 0,
						 (uint8_t)peer_host } };
	a->channel =
		(uint16_t)(CHANNEL_NUMBER_MIN +
			   i % (CHANNEL_NUMBER_MAX - CHANNEL_NUMBER_MIN + 1));
}

/* The fast path's settings, as the server derives them from relay-bench's
 * configuration (one worker, allocations-per-worker = N). */
static void
params_fill(const struct count_env *e, struct tp_plane_params *p)
{
	memset(p, 0, sizeof(*p));
	p->n_workers = 1;
	p->allocs_per_worker = e->o.allocations;
	p->listen_port = LISTEN_PORT;
	p->min_port = MIN_PORT;
	p->max_port = MAX_PORT;
	p->chan_max = CHANNEL_NUMBER_MAX;
	p->udp_clients = true;
	p->n_listen = 1;
	p->listen_ips[0] = tp_ip_v4(IP_SERVER);
	p->n_relay = e->n_relay;
	for (uint16_t i = 0; i < e->n_relay; i++)
		p->relay_ips[i] = tp_ip_v4(IP_RELAY0 + i);
	/* local-network=198.18.0.0/15: clients and peers are on the link. */
	p->n_local = 1;
	p->local_nets[0].lo = tp_ip_v4(IP4(198, 18, 0, 0));
	p->local_nets[0].hi = tp_ip_v4(IP4(198, 19, 255, 255));
	p->gateway.family = TP_AF_NONE;
	p->gateway6.family = TP_AF_NONE;
}

/* Queue @c for the worker; apply what is queued when the ring is full. */
static void
cmd_push(struct count_env *e, const struct dp_cmd *c)
{
	while (rte_ring_sp_enqueue_elem(e->w->cmd_ring, (void *)(uintptr_t)c,
					sizeof(*c)) != 0) {
		e->w->now = rte_rdtsc();
		dp_cmd_drain(e->w);
	}
	e->cmds_sent++;
}

/* Allocation @i as the control plane installs it after an Allocate, a
 * CreatePermission and a ChannelBind. */
static void
alloc_install(struct count_env *e, uint32_t i)
{
	const struct dp_alloc_ref ref = { .slot = i, .gen = i + 1 };
	struct count_alloc a;
	struct dp_cmd c;

	alloc_of(i, &a);
	c = (struct dp_cmd){ .type = DP_CMD_ALLOC_ADD };
	c.u.alloc_add.ref = ref;
	c.u.alloc_add.client = a.client;
	c.u.alloc_add.server = addr4(IP_SERVER, LISTEN_PORT);
	c.u.alloc_add.relay = a.relay;
	memcpy(c.u.alloc_add.client_mac, mac_client.addr_bytes, DP_MAC_LEN);
	c.u.alloc_add.transport = TP_TRANSPORT_UDP;
	c.u.alloc_add.lifetime_ms = LIFETIME_MS;
	cmd_push(e, &c);
	c = (struct dp_cmd){ .type = DP_CMD_PERM_SET };
	c.u.perm.ref = ref;
	c.u.perm.peer = a.peer.ip;
	c.u.perm.lifetime_ms = LIFETIME_MS;
	cmd_push(e, &c);
	c = (struct dp_cmd){ .type = DP_CMD_CHAN_SET };
	c.u.chan.ref = ref;
	c.u.chan.peer = a.peer;
	c.u.chan.channel = a.channel;
	c.u.chan.lifetime_ms = LIFETIME_MS;
	cmd_push(e, &c);
}

/* The plane, the peers' MACs (first: a permission for an unresolved peer
 * would start ARP), then every allocation.  @return 0 or -1. */
static int
world_install(struct count_env *e)
{
	struct tp_plane_params params;
	unsigned int lcore = rte_lcore_id();
	char err[256];
	uint64_t failed;

	params_fill(e, &params);
	e->pl = dp_plane_create(&params, e->port, &e->info, e->pool, &lcore,
				NULL, err, sizeof(err));
	if (e->pl == NULL) {
		fprintf(stderr, "turnpike-dp-count: %s\n", err);
		return -1;
	}
	e->w = &e->pl->workers[0];
	for (uint32_t h = 1; h <= N_PEER_IPS && h <= e->o.allocations; h++) {
		struct count_alloc a;
		struct dp_cmd c = { .type = DP_CMD_NEIGH_SET };

		alloc_of(h - 1, &a);
		c.u.neigh.ip = a.peer.ip;
		memcpy(c.u.neigh.mac, a.peer_mac.addr_bytes, DP_MAC_LEN);
		cmd_push(e, &c);
	}
	for (uint32_t i = 0; i < e->o.allocations; i++)
		alloc_install(e, i);
	e->w->now = rte_rdtsc();
	dp_cmd_drain(e->w);
	failed = e->w->stats.drop[DP_DROP_cmd_failed];
	if (e->w->stats.c[DP_C_cmds] != e->cmds_sent || failed != 0 ||
	    e->w->table.live != e->o.allocations) {
		fprintf(stderr,
			"turnpike-dp-count: %" PRIu64 " of %" PRIu64
			" commands applied, %" PRIu64 " failed, %u of %u "
			"allocations installed\n",
			e->w->stats.c[DP_C_cmds], e->cmds_sent, failed,
			e->w->table.live, e->o.allocations);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

/* A frame to our MAC from @src carrying a UDP payload of @plen bytes (the
 * addresses, ports and checksums are written per packet). */
static void
template_make(struct frame *f, const struct rte_ether_addr *src, uint16_t plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f->b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *pl = (uint8_t *)(udp + 1);

	memset(f, 0, sizeof(*f));
	eth->dst_addr = mac_server;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
	for (uint16_t i = 0; i < plen; i++)
		pl[i] = (uint8_t)(0xA5 ^ i);
	f->len = (uint16_t)(HDR_LEN + plen);
}

static void
templates_make(struct count_env *e)
{
	template_make(&e->tmpl[DIR_FROM_CLIENT], &mac_client,
		      CHANNEL_DATA_HEADER_LEN + PAYLOAD_LEN);
	channel_data_write_header(e->tmpl[DIR_FROM_CLIENT].b + HDR_LEN,
				  CHANNEL_NUMBER_MIN, PAYLOAD_LEN);
	/* The peer's MAC is written per packet. */
	template_make(&e->tmpl[DIR_FROM_PEER], &mac_client, PAYLOAD_LEN);
}

/* A fresh mbuf holding @dir's template for allocation @i, or NULL. */
static struct rte_mbuf *
frame_make(struct count_env *e, uint32_t i, enum dir dir)
{
	const struct frame *t = &e->tmpl[dir];
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct count_alloc a;
	struct tp_addr server = addr4(IP_SERVER, LISTEN_PORT);
	const struct tp_addr *src, *dst;

	if (m == NULL || rte_pktmbuf_append(m, t->len) == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(eth, t->b, t->len);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	udp = (struct rte_udp_hdr *)(ip + 1);
	alloc_of(i, &a);
	if (dir == DIR_FROM_CLIENT) {
		src = &a.client;
		dst = &server;
		channel_data_write_header((uint8_t *)(udp + 1), a.channel,
					  PAYLOAD_LEN);
	} else {
		src = &a.peer;
		dst = &a.relay;
		eth->src_addr = a.peer_mac;
	}
	memcpy(&ip->src_addr, src->ip.bytes, 4);
	memcpy(&ip->dst_addr, dst->ip.bytes, 4);
	udp->src_port = rte_cpu_to_be_16(src->port);
	udp->dst_port = rte_cpu_to_be_16(dst->port);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return m;
}

/* ------------------------------------------------------------------ */
/* The run                                                             */
/* ------------------------------------------------------------------ */

static uint32_t
gcd32(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* A stride coprime to @n near n / phi (0.618 n): a full-period walk whose
 * consecutive steps land far apart. */
static uint32_t
stride_of(uint32_t n)
{
	uint32_t s = (uint32_t)((uint64_t)n * 618034 / 1000000);

	if (s == 0)
		s = 1;
	while (gcd32(s, n) != 1)
		s++;
	return s;
}

/* Packet @k of the sequence: its allocation and direction. */
static void
seq_at(const struct count_env *e, uint64_t k, uint32_t *alloc, enum dir *dir)
{
	uint64_t n = e->o.allocations;
	uint64_t j = k % n, round = k / n;

	*alloc = (uint32_t)(j * e->stride % n);
	*dir = ((j + round) & 1) ? DIR_FROM_PEER : DIR_FROM_CLIENT;
}

/*
 * Whether @m is what the relay sends for a @dir frame of allocation @i:
 * out of our MAC to the next hop, from the relayed address to the peer
 * (ChannelData stripped to its 100 bytes), or from the listening address to
 * the client as ChannelData on the allocation's channel.
 */
static bool
out_is_relayed(const struct rte_mbuf *m, uint32_t i, enum dir dir)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ether_hdr *eth = (const void *)f;
	const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
	const struct rte_udp_hdr *udp = (const void *)(ip + 1);
	struct count_alloc a;
	const struct tp_addr *to, *from;
	struct tp_addr server = addr4(IP_SERVER, LISTEN_PORT);
	const struct rte_ether_addr *next_hop;
	uint16_t want_len, ch;

	alloc_of(i, &a);
	if (dir == DIR_FROM_CLIENT) {
		to = &a.peer, from = &a.relay, next_hop = &a.peer_mac;
		want_len = (uint16_t)(HDR_LEN + PAYLOAD_LEN);
	} else {
		to = &a.client, from = &server, next_hop = &mac_client;
		want_len = (uint16_t)(HDR_LEN + CHANNEL_DATA_HEADER_LEN +
				      PAYLOAD_LEN);
	}
	/* The length first: nothing past it is read otherwise. */
	if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) != want_len)
		return false;
	if (!rte_is_same_ether_addr(&eth->dst_addr, next_hop) ||
	    !rte_is_same_ether_addr(&eth->src_addr, &mac_server) ||
	    memcmp(&ip->src_addr, from->ip.bytes, 4) != 0 ||
	    memcmp(&ip->dst_addr, to->ip.bytes, 4) != 0 ||
	    rte_be_to_cpu_16(udp->src_port) != from->port ||
	    rte_be_to_cpu_16(udp->dst_port) != to->port)
		return false;
	if (dir == DIR_FROM_CLIENT)
		return true;
	return channel_data_parse((const uint8_t *)(udp + 1),
				  want_len - HDR_LEN, &ch) == PAYLOAD_LEN &&
	       ch == a.channel;
}

/* Whether @m is @dir's frame of allocation @i with its MACs swapped. */
static bool
out_is_swapped(const struct count_env *e, const struct rte_mbuf *m, uint32_t i,
	       enum dir dir)
{
	const struct frame *t = &e->tmpl[dir];
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ether_addr *src = &mac_client;
	struct count_alloc a;

	if (dir == DIR_FROM_PEER) {
		alloc_of(i, &a);
		src = &a.peer_mac;
	}
	return m->nb_segs == 1 && rte_pktmbuf_data_len(m) == t->len &&
	       rte_is_same_ether_addr(&eth->dst_addr, src) &&
	       rte_is_same_ether_addr(&eth->src_addr, &mac_server);
}

/* testpmd's macswap engine on a burst: in, MACs swapped, out. */
static unsigned int
macswap_turn(struct count_env *e)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t got, sent;

	got = rte_eth_rx_burst(e->port, 0, pkts, BURST);
	for (uint16_t i = 0; i < got; i++) {
		struct rte_ether_hdr *eth =
			rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ether_addr tmp = eth->dst_addr;

		eth->dst_addr = eth->src_addr;
		eth->src_addr = tmp;
	}
	sent = rte_eth_tx_burst(e->port, 0, pkts, got);
	for (uint16_t i = sent; i < got; i++)
		rte_pktmbuf_free(pkts[i]);
	return got;
}

/* One turn of the mode under test; counted by callgrind if @measured. */
static unsigned int
turn(struct count_env *e, bool measured)
{
	unsigned int got;

	if (e->o.mode == MODE_TURNPIKE)
		e->w->now = rte_rdtsc(); /* as dp_worker_run() does */
	if (measured)
		CALLGRIND_TOGGLE_COLLECT;
	got = e->o.mode == MODE_TURNPIKE ? dp_worker_poll(e->w) : macswap_turn(e);
	if (measured)
		CALLGRIND_TOGGLE_COLLECT;
	return got;
}

/* The worker's drop counters that moved (turnpike mode), after a failure. */
static void
drops_print(const struct count_env *e)
{
	if (e->w == NULL)
		return;
	for (int d = 0; d < DP_DROP__COUNT; d++)
		if (e->w->stats.drop[d] != 0)
			fprintf(stderr, "  drop %s: %" PRIu64 "\n",
				dp_drop_name((enum dp_drop)d),
				e->w->stats.drop[d]);
}

/*
 * Whether the @n_out frames a turn that took @got sent are the @n that went
 * in (allocations @idx, directions @dir), in order, relayed (or swapped).
 * @return 0, or -1 after a message.
 */
static int
burst_check(const struct count_env *e, unsigned int n, unsigned int got,
	    struct rte_mbuf *const out[], unsigned int n_out,
	    const uint32_t idx[], const enum dir dir[])
{
	if (got != n || n_out != n) {
		fprintf(stderr,
			"turnpike-dp-count: packets %" PRIu64 "-%" PRIu64
			": %u went in, the turn took %u and sent %u\n",
			e->k, e->k + n - 1, n, got, n_out);
		drops_print(e);
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (e->o.mode == MODE_TURNPIKE ?
			    out_is_relayed(out[i], idx[i], dir[i]) :
			    out_is_swapped(e, out[i], idx[i], dir[i]))
			continue;
		fprintf(stderr,
			"turnpike-dp-count: packet %" PRIu64 " (allocation %u, "
			"from the %s) came out wrong\n",
			e->k + i, idx[i],
			dir[i] == DIR_FROM_CLIENT ? "client" : "peer");
		return -1;
	}
	return 0;
}

/*
 * @n packets from the sequence through one turn: in, the turn, out and
 * checked.  @return 0, or -1 after a message.
 */
static int
burst_run(struct count_env *e, unsigned int n, bool measured)
{
	struct rte_mbuf *in[BURST], *out[BURST * 2];
	uint32_t idx[BURST];
	enum dir dir[BURST];
	unsigned int got, n_out;
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		seq_at(e, e->k + i, &idx[i], &dir[i]);
		in[i] = frame_make(e, idx[i], dir[i]);
		if (in[i] == NULL) {
			fprintf(stderr, "turnpike-dp-count: out of mbufs\n");
			rte_pktmbuf_free_bulk(in, i);
			return -1;
		}
	}
	if (rte_ring_sp_enqueue_bulk(e->rxr, (void **)in, n, NULL) != n) {
		fprintf(stderr, "turnpike-dp-count: RX ring full\n");
		rte_pktmbuf_free_bulk(in, n);
		return -1;
	}
	got = turn(e, measured);
	n_out = rte_ring_sc_dequeue_burst(e->txr, (void **)out, RTE_DIM(out),
					  NULL);
	rc = burst_check(e, n, got, out, n_out, idx, dir);
	rte_pktmbuf_free_bulk(out, n_out);
	if (rc != 0)
		return -1;
	e->k += n;
	if (measured)
		e->relayed += n_out;
	return 0;
}

/* @count packets in bursts of BURST. */
static int
run_packets(struct count_env *e, uint64_t count, bool measured)
{
	while (count > 0) {
		unsigned int n = count < BURST ? (unsigned int)count : BURST;

		if (burst_run(e, n, measured) != 0)
			return -1;
		count -= n;
	}
	return 0;
}

/* Every packet the worker took was relayed: no drop, and its relay
 * counters add up to what went in. */
static int
stats_check(const struct count_env *e)
{
	const struct dp_stats *s = &e->w->stats;
	uint64_t total = e->o.warmup + (uint64_t)e->o.packets;
	uint64_t relayed = dp_stats_relayed(s, DP_DIR_TO_PEER) +
			   dp_stats_relayed(s, DP_DIR_TO_CLIENT);

	if (dp_stats_dropped(s) == 0 && relayed == total)
		return 0;
	fprintf(stderr,
		"turnpike-dp-count: the worker relayed %" PRIu64 " of %" PRIu64
		" packets\n",
		relayed, total);
	drops_print(e);
	return -1;
}

static void
report(const struct count_env *e)
{
	const char *mode = e->o.mode == MODE_TURNPIKE ? "turnpike" : "macswap";
	size_t table_bytes = e->pl != NULL ? e->pl->table_bytes : 0;

	if (e->o.json) {
		printf("{\"mode\": \"%s\", \"allocations\": %u, \"packets\": %u, "
		       "\"warmup\": %u, \"relayed\": %" PRIu64
		       ", \"table_bytes\": %zu}\n",
		       mode, e->o.allocations, e->o.packets, e->o.warmup,
		       e->relayed, table_bytes);
		return;
	}
	printf("turnpike-dp-count: %s, %u allocations: %" PRIu64
	       " of %u packets relayed (after %u of warm-up); tables %zu "
	       "bytes\n",
	       mode, e->o.allocations, e->relayed, e->o.packets, e->o.warmup,
	       table_bytes);
}

/* Memory EAL needs: the tables (under 1 KiB an allocation, ~0.5 GB at
 * 1M), the mbufs and the rings, with room to spare. */
static unsigned int
mem_mb_for(const struct count_opts *o)
{
	return o->mode == MODE_TURNPIKE ? 256 + o->allocations / 1024 : 256;
}

static int
count_run(struct count_env *e)
{
	e->n_relay =
		(uint16_t)((e->o.allocations + PORTS_PER_IP - 1) / PORTS_PER_IP);
	e->stride = stride_of(e->o.allocations);
	templates_make(e);
	if (port_open(e) != 0)
		return -1;
	if (e->o.mode == MODE_TURNPIKE && world_install(e) != 0)
		return -1;
	/* Only now is valgrind asked to simulate (instr-count starts it with
	 * --instr-atstart=no): the set-up above runs several times faster. */
	CALLGRIND_START_INSTRUMENTATION;
	if (run_packets(e, e->o.warmup, false) != 0 ||
	    run_packets(e, e->o.packets, true) != 0)
		return -1;
	CALLGRIND_STOP_INSTRUMENTATION;
	if (e->o.mode == MODE_TURNPIKE && stats_check(e) != 0)
		return -1;
	report(e);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct count_env e;
	char rundir[PATH_MAX];
	int rc;

	rc = opts_parse(argc, argv, &e.o);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (eal_start(argv[0], mem_mb_for(&e.o)) < 0) {
		fprintf(stderr,
			"turnpike-dp-count: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	rc = count_run(&e) == 0 ? 0 : 1;
	dp_plane_destroy(e.pl);
	if (e.port_up)
		dp_port_fini(e.port);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir); /* empty with --no-shconf: leave no litter in /var/run */
	return rc;
}
