/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program of AF_XDP mode (dataplane/bpf/tp_xdp.bpf.c) and its
 * loader (dataplane/dp_xdp.c), without a NIC and without DPDK.
 *
 * The object this build made is loaded with libbpf, as DPDK's net_af_xdp
 * PMD loads it; dp_xdp_open_prog() finds its maps and dp_xdp_configure()
 * fills them from a struct tp_plane_params.  Then each golden case
 * {description, frame, expected verdict, expected counter} runs once
 * through the kernel with BPF_PROG_TEST_RUN, and exactly the expected
 * per-CPU counter must move, by one.
 *
 * Redirects under BPF_PROG_TEST_RUN: the program calls bpf_redirect_map()
 * with XDP_PASS as the fallback, so with no socket in xsks_map a frame we
 * want comes back XDP_PASS (and pass_no_socket moves), the same as every
 * frame we do not want.  To see XDP_REDIRECT the test puts a real AF_XDP
 * socket at queue 0: it has a UMEM, fill and RX rings but is bound to no
 * interface, which is all xsks_map asks for.  Without the live-frames flag
 * the kernel only reports the program's return value and redirects
 * nothing, so no socket ever receives anything here.  The no-socket
 * fallback has its own case (the program as the PMD leaves it while it
 * stops, or for a queue it does not serve).
 *
 * Frames shorter than an Ethernet header cannot be run (the kernel refuses
 * them with EINVAL before the program sees them); every truncation from
 * there on is a case, and the verifier has already proven that no length
 * makes the program read outside the frame.
 *
 * The last case moves the process into a network namespace of its own
 * (unshare) and attaches the program to that namespace's loopback in
 * generic mode, to find it the way the server does, by interface; the
 * namespace goes away with the process.
 *
 * IPv4 and IPv6 frames share the table: for IPv6 the extension headers
 * the decision walks past (Hop-by-Hop first, Routing with no segments
 * left, Destination Options; four at most), the ones it leaves to the
 * kernel (Fragment, a Routing header still to be routed, a fifth one) and
 * ICMPv6, neighbour discovery included, which is always the kernel's.
 *
 * The decision the program makes is turnpike/steer_frame.h's, which the
 * worker of exception-port mode runs too (dataplane/dp_xport.c): the same
 * golden table goes through it compiled for the host first, with the
 * roles taken from the same parameters (test_decision_host), and must
 * give the same verdict for every frame, shorter ones included.
 *
 * The BPF half needs root (CAP_BPF, CAP_NET_ADMIN): exits 77, skipped,
 * without it, after the host half.
 */
#define _GNU_SOURCE /* unshare */

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>

#include <cmocka.h>

#include "dp_xdp.h"

/* The roles of the address @bytes of @family in the golden table's
 * parameters @p, the way the fast path asks its address lists: the same
 * roles dp_xdp_configure() writes to tp_addr4 and tp_addr6. */
static __u32
params_roles(const struct tp_plane_params *p, uint8_t family, const void *bytes,
	     size_t len)
{
	__u32 roles = 0;

	for (uint16_t i = 0; i < p->n_listen; i++)
		if (p->listen_ips[i].family == family &&
		    memcmp(p->listen_ips[i].bytes, bytes, len) == 0)
			roles |= TP_STEER_ROLE_LISTEN;
	for (uint16_t i = 0; i < p->n_relay; i++)
		if (p->relay_ips[i].family == family &&
		    memcmp(p->relay_ips[i].bytes, bytes, len) == 0)
			roles |= TP_STEER_ROLE_RELAY;
	return roles;
}

/* turnpike/steer_frame.h's questions (@ctx, a struct tp_plane_params). */
static inline __u32
tp_steer_roles_of4(const void *ctx, __u32 daddr_be)
{
	return params_roles(ctx, TP_AF_INET, &daddr_be, 4);
}

static inline __u32
tp_steer_roles_of6(const void *ctx, const __u8 daddr[16])
{
	return params_roles(ctx, TP_AF_INET6, daddr, 16);
}

#include "turnpike/steer_frame.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))
#define IP_BOTH IP4(10, 0, 0, 1)   /* listens and relays */
#define IP_LISTEN IP4(10, 0, 0, 9) /* listens only */
#define IP_RELAY IP4(10, 0, 0, 2)  /* relays only */
#define IP_OTHER IP4(10, 0, 0, 3)  /* not ours */
#define IP_CLIENT IP4(192, 0, 2, 7)
/* IPv6: 2001:db8::N, the same roles as the IPv4 ones of the same N. */
#define IP6_BOTH 1
#define IP6_LISTEN 9
#define IP6_RELAY 2
#define IP6_OTHER 3
#define IP6_CLIENT 7
#define IP6_SNM 0xff /* ff02::1:ff00:1, IP6_BOTH's solicited-node group */
#define PORT_LISTEN 3478
#define PORT_MIN 50000
#define PORT_MAX 50100

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_VLAN 0x8100
#define ETH_IPV6 0x86DD
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ESP 50
#define PROTO_ICMP6 58
#define PROTO_NONE6 59 /* IPv6 No Next Header */
/* IPv6 extension headers (RFC 8200 section 4) */
#define EXT_HOP 0
#define EXT_ROUTING 43
#define EXT_FRAGMENT 44
#define EXT_DSTOPTS 60
#define ICMP6_NS 135 /* neighbour solicitation (RFC 4861 section 4.3) */

static struct bpf_object *g_obj;
static int g_prog_fd = -1;
static struct dp_xdp g_x;
static int g_xsk = -1;
static void *g_umem;

#define UMEM_SIZE (16 * 4096)

/* ------------------------------------------------------------------ */
/* Frames                                                              */
/* ------------------------------------------------------------------ */

/* What differs between the frames of the golden table; zero is the
 * common case (IPv4, IHL 5, UDP, not fragmented, whole). */
struct frame_spec {
	uint16_t ethertype; /* 0: IPv4 */
	bool vlan;          /* one 802.1Q tag before it */
	uint8_t version;    /* 0: 4 or 6, as the EtherType says */
	uint8_t ihl;        /* 0: 5 */
	uint8_t proto;      /* 0: UDP */
	uint16_t frag_off;  /* the IPv4 field, or the IPv6 Fragment
			     * header's offset and M bits, host order */
	uint32_t dst;
	uint8_t dst6; /* IPv6: 2001:db8::dst6, or IP6_SNM */
	uint8_t n_ext;
	uint8_t ext[6];  /* IPv6 extension headers, in order (EXT_*) */
	uint8_t segleft; /* a Routing header's Segments Left */
	uint16_t dport;
	uint16_t decoy; /* != 0: written where the UDP destination port
			     * would be if the header had no options or
			     * extension headers */
	size_t cut;     /* != 0: the frame ends after this many bytes */
};

struct frame {
	uint8_t b[256];
	size_t len;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* 2001:db8::@n, or IP6_BOTH's solicited-node group for IP6_SNM. */
static void
ip6_put(uint8_t *p, uint8_t n)
{
	static const uint8_t snm[16] = {
		0xff, 0x02, [11] = 1, [12] = 0xff, [15] = IP6_BOTH
	};

	if (n == IP6_SNM) {
		memcpy(p, snm, 16);
		return;
	}
	memset(p, 0, 16);
	p[0] = 0x20;
	p[1] = 0x01;
	p[2] = 0x0d;
	p[3] = 0xb8;
	p[15] = n;
}

/* IPv6 extension header @type at @p, followed by @next: its length in
 * bytes.  Hop-by-Hop is 8 bytes, Destination Options 16 (Hdr Ext Len 1,
 * so the length is really multiplied), Routing 24 (a type 4 segment
 * routing header's fixed part and one segment, Segments Left @segleft),
 * Fragment 8.  Options are PadN, so the headers are well formed. */
static size_t
ext_put(uint8_t *p, uint8_t type, uint8_t next, const struct frame_spec *s)
{
	size_t len = type == EXT_DSTOPTS ? 16 : type == EXT_ROUTING ? 24 : 8;

	memset(p, 0, len);
	p[0] = next;
	if (type == EXT_FRAGMENT) {
		put16(p + 2, s->frag_off);
		put32(p + 4, 0xcafe);
		return len;
	}
	p[1] = (uint8_t)(len / 8 - 1);
	if (type == EXT_ROUTING) {
		p[2] = 4; /* segment routing */
		p[3] = s->segleft;
		ip6_put(p + 8, IP6_OTHER);
		return len;
	}
	p[2] = 1; /* PadN covering the rest */
	p[3] = (uint8_t)(len - 4);
	return len;
}

/* The IPv6 frame of @s from @p (just past the EtherType) on. */
static void
frame6_build(struct frame *f, uint8_t *p, const struct frame_spec *s)
{
	uint8_t *ip = p, *l4;
	uint8_t proto = s->proto != 0 ? s->proto : PROTO_UDP;
	size_t l4_len = 28;

	ip[0] = (uint8_t)((s->version != 0 ? s->version : 6) << 4);
	ip[6] = s->n_ext > 0 ? s->ext[0] : proto;
	ip[7] = 64;
	ip6_put(ip + 8, IP6_CLIENT);
	ip6_put(ip + 24, s->dst6);
	l4 = ip + 40;
	for (unsigned int i = 0; i < s->n_ext; i++)
		l4 += ext_put(l4, s->ext[i],
			      i + 1 < s->n_ext ? s->ext[i + 1] : proto, s);
	if (s->decoy != 0)
		put16(ip + 40 + 2, s->decoy);
	if (proto == PROTO_ICMP6) {
		/* A neighbour solicitation for IP6_BOTH. */
		l4[0] = ICMP6_NS;
		ip6_put(l4 + 8, IP6_BOTH);
		l4_len = 24;
	} else {
		put16(l4, 40000);
		put16(l4 + 2, s->dport);
		if (proto == PROTO_UDP)
			put16(l4 + 4, (uint16_t)l4_len);
	}
	put16(ip + 4, (uint16_t)(l4 + l4_len - (ip + 40)));
	f->len = (size_t)(l4 + l4_len - f->b);
}

static void
frame_build(struct frame *f, const struct frame_spec *s)
{
	static const uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t *p = f->b, *ip, *l4;
	uint8_t ihl = s->ihl != 0 ? s->ihl : 5;
	uint8_t proto = s->proto != 0 ? s->proto : PROTO_UDP;
	size_t l4_len = 28; /* a UDP header and 20 bytes, or TCP's 20 + 8 */

	memset(f, 0, sizeof(*f));
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	p += 12;
	if (s->vlan) {
		put16(p, ETH_VLAN);
		put16(p + 2, 100); /* VLAN 100, priority 0 */
		p += 4;
	}
	put16(p, s->ethertype != 0 ? s->ethertype : ETH_IPV4);
	p += 2;
	if (s->ethertype == ETH_ARP) {
		/* A request: who has IP_BOTH?  Tell IP_CLIENT. */
		put16(p, 1);
		put16(p + 2, ETH_IPV4);
		p[4] = 6;
		p[5] = 4;
		put16(p + 6, 1);
		memcpy(p + 8, src_mac, 6);
		put32(p + 14, IP_CLIENT);
		put32(p + 24, IP_BOTH);
		f->len = (size_t)(p + 28 - f->b);
		goto cut;
	}
	if (s->ethertype == ETH_IPV6) {
		frame6_build(f, p, s);
		goto cut;
	}
	ip = p;
	ip[0] = (uint8_t)((s->version != 0 ? s->version : 4) << 4 | ihl);
	put16(ip + 2, (uint16_t)(ihl * 4 + l4_len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, s->frag_off);
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, IP_CLIENT);
	put32(ip + 16, s->dst);
	for (unsigned int i = 20; i < ihl * 4u; i++)
		ip[i] = 0x01; /* option NOP */
	if (s->decoy != 0)
		put16(ip + 20 + 2, s->decoy);
	l4 = ip + (ihl < 5 ? 20 : ihl * 4);
	put16(l4, 40000); /* source port, for UDP, TCP and ICMP alike */
	put16(l4 + 2, s->dport);
	if (proto == PROTO_UDP)
		put16(l4 + 4, (uint16_t)l4_len);
	f->len = (size_t)(l4 + l4_len - f->b);
cut:
	if (s->cut != 0 && s->cut < f->len)
		f->len = s->cut;
}

/* ------------------------------------------------------------------ */
/* Running the program                                                 */
/* ------------------------------------------------------------------ */

/* Run @f once; the program's return value, the counters after. */
static uint32_t
run(const struct frame *f, uint64_t after[TP_XDP_C__COUNT])
{
	uint8_t out[sizeof(f->b) + 256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b,
		    .data_size_in = (uint32_t)f->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	assert_int_equal(bpf_prog_test_run_opts(g_prog_fd, &o), 0);
	assert_int_equal(dp_xdp_stats_read(&g_x, after), 0);
	return o.retval;
}

/* Run @f: @verdict must come back and exactly @moved move, by one. */
static void
expect(const char *what, const struct frame *f, uint32_t verdict,
       enum tp_xdp_counter moved)
{
	uint64_t before[TP_XDP_C__COUNT], after[TP_XDP_C__COUNT];
	uint32_t got;

	assert_int_equal(dp_xdp_stats_read(&g_x, before), 0);
	got = run(f, after);
	if (got != verdict)
		fail_msg("%s: verdict %u, want %u", what, got, verdict);
	for (unsigned int i = 0; i < TP_XDP_C__COUNT; i++) {
		uint64_t want = before[i] + (i == (unsigned int)moved);

		if (after[i] != want)
			fail_msg("%s: counter %s moved by %lld, want %llu",
				 what, dp_xdp_counter_name(i),
				 (long long)(after[i] - before[i]),
				 (unsigned long long)(want - before[i]));
	}
}

/* ------------------------------------------------------------------ */
/* Set-up: the object, its maps filled, a socket at queue 0            */
/* ------------------------------------------------------------------ */

/* An AF_XDP socket with a UMEM and its rings, bound to nothing. */
static int
xsk_unbound_make(void)
{
	struct xdp_umem_reg reg = { 0 };
	int fd = socket(AF_XDP, SOCK_RAW, 0), n = 64;

	if (fd < 0)
		return -1;
	g_umem = mmap(NULL, UMEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g_umem == MAP_FAILED) {
		g_umem = NULL;
		close(fd);
		return -1;
	}
	reg.addr = (uint64_t)(uintptr_t)g_umem;
	reg.len = UMEM_SIZE;
	reg.chunk_size = 2048;
	if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) != 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) != 0 ||
	    setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) != 0 ||
	    setsockopt(fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
xsk_insert(void)
{
	uint32_t q = 0, fd = (uint32_t)g_xsk;

	assert_int_equal(bpf_map_update_elem(g_x.xsks_fd, &q, &fd, BPF_ANY), 0);
}

static struct tp_ip
v4(uint32_t host_order)
{
	return tp_ip_v4(host_order);
}

static struct tp_ip
v6(uint8_t n)
{
	struct tp_ip ip = { .family = TP_AF_INET6 };

	ip6_put(ip.bytes, n);
	return ip;
}

/* The addresses of the golden table: each role in each family. */
static void
params_fill(struct tp_plane_params *p)
{
	memset(p, 0, sizeof(*p));
	p->listen_port = PORT_LISTEN;
	p->min_port = PORT_MIN;
	p->max_port = PORT_MAX;
	p->n_listen = 4;
	p->listen_ips[0] = v4(IP_BOTH);
	p->listen_ips[1] = v4(IP_LISTEN);
	p->listen_ips[2] = v6(IP6_BOTH);
	p->listen_ips[3] = v6(IP6_LISTEN);
	p->n_relay = 4;
	p->relay_ips[0] = v4(IP_BOTH);
	p->relay_ips[1] = v6(IP6_BOTH);
	p->relay_ips[2] = v4(IP_RELAY);
	p->relay_ips[3] = v6(IP6_RELAY);
}

static int
group_setup(void **state)
{
	struct tp_plane_params p;
	struct bpf_program *prog;
	const char *path = dp_xdp_prog_path();
	char err[256];

	(void)state;
	libbpf_set_print(NULL); /* failures are reported below */
	g_obj = bpf_object__open_file(path, NULL);
	if (g_obj == NULL || bpf_object__load(g_obj) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", path, strerror(errno));
		return -1;
	}
	prog = bpf_object__find_program_by_name(g_obj, TP_XDP_PROG_NAME);
	if (prog == NULL)
		return -1;
	g_prog_fd = bpf_program__fd(prog);
	if (dp_xdp_open_prog(&g_x, g_prog_fd, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	params_fill(&p);
	if (dp_xdp_configure(&g_x, &p, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	g_xsk = xsk_unbound_make();
	if (g_xsk < 0) {
		fprintf(stderr, "cannot make an AF_XDP socket: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	dp_xdp_close(&g_x);
	bpf_object__close(g_obj);
	if (g_xsk >= 0)
		close(g_xsk);
	if (g_umem != NULL)
		munmap(g_umem, UMEM_SIZE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The golden table                                                    */
/* ------------------------------------------------------------------ */

#define REDIRECT XDP_REDIRECT, TP_XDP_C_redirected
#define PASS(why) XDP_PASS, TP_XDP_C_pass_##why

struct golden {
	const char *what;
	struct frame_spec in;
	uint32_t verdict;
	enum tp_xdp_counter moved;
};

static const struct golden golden[] = {
	/* Ours: the listening transport addresses and the relay range. */
	{ "UDP to a listening address at the listen port",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN },
	  REDIRECT },
	{ "UDP to a listen-only address at the listen port",
	  { .dst = IP_LISTEN, .dport = PORT_LISTEN },
	  REDIRECT },
	{ "UDP to a relay address, lowest relay port",
	  { .dst = IP_RELAY, .dport = PORT_MIN },
	  REDIRECT },
	{ "UDP to a relay address, highest relay port",
	  { .dst = IP_RELAY, .dport = PORT_MAX },
	  REDIRECT },
	{ "UDP to an address that both listens and relays, relay port",
	  { .dst = IP_BOTH, .dport = PORT_MIN + 50 },
	  REDIRECT },
	{ "UDP with DF set (not a fragment)",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .frag_off = 0x4000 },
	  REDIRECT },

	/* Our addresses, not our ports; or not our addresses. */
	{ "UDP to a relay address, one below the range",
	  { .dst = IP_RELAY, .dport = PORT_MIN - 1 },
	  PASS(not_ours) },
	{ "UDP to a relay address, one above the range",
	  { .dst = IP_RELAY, .dport = PORT_MAX + 1 },
	  PASS(not_ours) },
	{ "UDP to a relay-only address at the listen port",
	  { .dst = IP_RELAY, .dport = PORT_LISTEN },
	  PASS(not_ours) },
	{ "UDP to a listen-only address at a relay port",
	  { .dst = IP_LISTEN, .dport = PORT_MIN },
	  PASS(not_ours) },
	{ "UDP to another address at the listen port",
	  { .dst = IP_OTHER, .dport = PORT_LISTEN },
	  PASS(not_ours) },
	{ "UDP to a listening address, another port (DNS)",
	  { .dst = IP_BOTH, .dport = 53 },
	  PASS(not_ours) },

	/* The host's own traffic. */
	{ "TCP to the listening address and port (TURN over TCP)",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .proto = PROTO_TCP },
	  PASS(not_udp) },
	{ "ICMP to a listening address",
	  { .dst = IP_BOTH, .proto = PROTO_ICMP },
	  PASS(not_udp) },
	{ "ARP request for a listening address",
	  { .ethertype = ETH_ARP },
	  PASS(not_ipv4) },
	{ "VLAN-tagged UDP to the listening address and port",
	  { .vlan = true, .dst = IP_BOTH, .dport = PORT_LISTEN },
	  PASS(not_ipv4) },
	{ "VLAN-tagged UDP6 to the listening address and port",
	  { .vlan = true,
	    .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN },
	  PASS(not_ipv4) },

	/* Fragments go to the kernel, first or not. */
	{ "first fragment (MF) of UDP to the listen port",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .frag_off = 0x2000 },
	  PASS(fragment) },
	{ "last fragment (offset, no MF) to a listening address",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .frag_off = 185 },
	  PASS(fragment) },

	/* IPv4 options: the UDP header is where IHL says. */
	{ "IHL 6: options, then UDP to the listen port",
	  { .dst = IP_BOTH, .ihl = 6, .dport = PORT_LISTEN },
	  REDIRECT },
	{ "IHL 15: 40 bytes of options, then UDP to a relay port",
	  { .dst = IP_RELAY, .ihl = 15, .dport = PORT_MAX },
	  REDIRECT },
	{ "IHL 6: the listen port inside the options, UDP to port 9",
	  { .dst = IP_BOTH, .ihl = 6, .dport = 9, .decoy = PORT_LISTEN },
	  PASS(not_ours) },
	{ "IHL 6: port 9 inside the options, UDP to the listen port",
	  { .dst = IP_BOTH, .ihl = 6, .dport = PORT_LISTEN, .decoy = 9 },
	  REDIRECT },

	/* Truncated or impossible headers (no length reads outside). */
	{ "Ethernet header only, IPv4 EtherType",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .cut = 14 },
	  PASS(malformed) },
	{ "IPv4 header cut at 19 bytes",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .cut = 14 + 19 },
	  PASS(malformed) },
	{ "UDP header cut at 7 bytes",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .cut = 14 + 20 + 7 },
	  PASS(malformed) },
	{ "UDP header complete, no payload",
	  { .dst = IP_BOTH, .dport = PORT_LISTEN, .cut = 14 + 20 + 8 },
	  REDIRECT },
	{ "IHL 15 in a frame that ends before the options do",
	  { .dst = IP_BOTH, .ihl = 15, .dport = PORT_LISTEN, .cut = 14 + 40 },
	  PASS(malformed) },
	{ "IHL 6, UDP header cut by the frame's end",
	  { .dst = IP_BOTH, .ihl = 6, .dport = PORT_LISTEN, .cut = 14 + 24 + 4 },
	  PASS(malformed) },
	{ "IHL 4 (shorter than the fixed header)",
	  { .dst = IP_BOTH, .ihl = 4, .dport = PORT_LISTEN },
	  PASS(malformed) },
	{ "version 6 under the IPv4 EtherType",
	  { .dst = IP_BOTH, .version = 6, .dport = PORT_LISTEN },
	  PASS(malformed) },

	/* IPv6: ours as IPv4 is, by address and port. */
	{ "UDP6 to a listening address at the listen port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_BOTH, .dport = PORT_LISTEN },
	  REDIRECT },
	{ "UDP6 to a listen-only address at the listen port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_LISTEN, .dport = PORT_LISTEN },
	  REDIRECT },
	{ "UDP6 to a relay address, lowest relay port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_RELAY, .dport = PORT_MIN },
	  REDIRECT },
	{ "UDP6 to a relay address, highest relay port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_RELAY, .dport = PORT_MAX },
	  REDIRECT },
	{ "UDP6 to an address that both listens and relays, relay port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_BOTH, .dport = PORT_MIN + 50 },
	  REDIRECT },
	{ "UDP6 to a relay address, one below the range",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_RELAY, .dport = PORT_MIN - 1 },
	  PASS(not_ours) },
	{ "UDP6 to a relay address, one above the range",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_RELAY, .dport = PORT_MAX + 1 },
	  PASS(not_ours) },
	{ "UDP6 to a relay-only address at the listen port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_RELAY, .dport = PORT_LISTEN },
	  PASS(not_ours) },
	{ "UDP6 to a listening address, another port (DNS)",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_BOTH, .dport = 53 },
	  PASS(not_ours) },
	{ "UDP6 to another address at the listen port",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_OTHER, .dport = PORT_LISTEN },
	  PASS(not_ours) },
	{ "UDP to 32.1.13.184, 2001:db8::1's first bytes (maps apart)",
	  { .dst = IP4(0x20, 0x01, 0x0d, 0xb8), .dport = PORT_LISTEN },
	  PASS(not_ours) },

	/* IPv6: the host's own traffic. */
	{ "ICMPv6 neighbour solicitation to the solicited-node group",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_SNM, .proto = PROTO_ICMP6 },
	  PASS(not_udp) },
	{ "ICMPv6 neighbour solicitation to a listening address (NUD)",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_BOTH, .proto = PROTO_ICMP6 },
	  PASS(not_udp) },
	{ "TCP6 to the listening address and port (TURN over TCP)",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .proto = PROTO_TCP,
	    .dport = PORT_LISTEN },
	  PASS(not_udp) },
	{ "ESP to a listening address",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_BOTH, .proto = PROTO_ESP },
	  PASS(not_udp) },
	{ "No Next Header after a Destination Options header",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .proto = PROTO_NONE6,
	    .n_ext = 1,
	    .ext = { EXT_DSTOPTS } },
	  PASS(not_udp) },
	{ "ICMPv6 behind a Hop-by-Hop header (MLD's shape)",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_SNM,
	    .proto = PROTO_ICMP6,
	    .n_ext = 1,
	    .ext = { EXT_HOP } },
	  PASS(not_udp) },

	/* IPv6 extension headers a destination walks past. */
	{ "Hop-by-Hop, then UDP6 to the listen port",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_HOP } },
	  REDIRECT },
	{ "Hop-by-Hop, Destination Options, then UDP6 to a relay port",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_RELAY,
	    .dport = PORT_MIN + 1,
	    .n_ext = 2,
	    .ext = { EXT_HOP, EXT_DSTOPTS } },
	  REDIRECT },
	{ "Routing with no segments left, then UDP6 to the listen port",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_ROUTING } },
	  REDIRECT },
	{ "four headers (HbH, DstOpts, Routing, DstOpts), then UDP6",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 4,
	    .ext = { EXT_HOP, EXT_DSTOPTS, EXT_ROUTING, EXT_DSTOPTS } },
	  REDIRECT },
	{ "Hop-by-Hop: the listen port where UDP would be, UDP6 to port 9",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = 9,
	    .decoy = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_HOP } },
	  PASS(not_ours) },
	{ "Hop-by-Hop and Destination Options, UDP6 to another address",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_OTHER,
	    .dport = PORT_LISTEN,
	    .n_ext = 2,
	    .ext = { EXT_HOP, EXT_DSTOPTS } },
	  PASS(not_ours) },

	/* IPv6 extension headers that are the kernel's. */
	{ "five headers (the walk stops at four)",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 5,
	    .ext = { EXT_HOP, EXT_DSTOPTS, EXT_ROUTING, EXT_DSTOPTS, EXT_DSTOPTS } },
	  PASS(ipv6_ext) },
	{ "Routing with a segment left: to be routed on, not ours",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_ROUTING },
	    .segleft = 1 },
	  PASS(ipv6_ext) },
	{ "Hop-by-Hop after Destination Options (only first is allowed)",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 2,
	    .ext = { EXT_DSTOPTS, EXT_HOP } },
	  PASS(malformed) },
	{ "Fragment header, first fragment (M) of UDP6 to the listen port",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_FRAGMENT },
	    .frag_off = 0x0001 },
	  PASS(fragment) },
	{ "Fragment header, atomic (offset 0, no M)",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_FRAGMENT } },
	  PASS(fragment) },
	{ "Hop-by-Hop, then a Fragment header (offset 185 * 8)",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 2,
	    .ext = { EXT_HOP, EXT_FRAGMENT },
	    .frag_off = 185 << 3 },
	  PASS(fragment) },

	/* IPv6 truncated or impossible. */
	{ "IPv6 header cut at 39 bytes",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .cut = 14 + 39 },
	  PASS(malformed) },
	{ "UDP6 header cut at 7 bytes",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .cut = 14 + 40 + 7 },
	  PASS(malformed) },
	{ "UDP6 header complete, no payload",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .cut = 14 + 40 + 8 },
	  REDIRECT },
	{ "Hop-by-Hop header cut at 7 bytes",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_HOP },
	    .cut = 14 + 40 + 7 },
	  PASS(malformed) },
	{ "Destination Options of 16 bytes in a frame that ends at 12",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 1,
	    .ext = { EXT_DSTOPTS },
	    .cut = 14 + 40 + 12 },
	  PASS(malformed) },
	{ "Hop-by-Hop and Destination Options, UDP6 header cut at 7",
	  { .ethertype = ETH_IPV6,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN,
	    .n_ext = 2,
	    .ext = { EXT_HOP, EXT_DSTOPTS },
	    .cut = 14 + 40 + 8 + 16 + 7 },
	  PASS(malformed) },
	{ "Ethernet header only, IPv6 EtherType",
	  { .ethertype = ETH_IPV6, .dst6 = IP6_BOTH, .dport = PORT_LISTEN, .cut = 14 },
	  PASS(malformed) },
	{ "version 4 under the IPv6 EtherType",
	  { .ethertype = ETH_IPV6,
	    .version = 4,
	    .dst6 = IP6_BOTH,
	    .dport = PORT_LISTEN },
	  PASS(malformed) },
};

static void
test_golden(void **state)
{
	struct frame f;

	(void)state;
	xsk_insert();
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		frame_build(&f, &golden[i].in);
		expect(golden[i].what, &f, golden[i].verdict, golden[i].moved);
	}
}

/* The counter the XDP program moves for each verdict of the decision. */
static enum tp_xdp_counter
counter_of_verdict(enum tp_steer v)
{
	switch (v) {
	case TP_STEER_OURS:
		return TP_XDP_C_redirected;
	case TP_STEER_NOT_IP:
		return TP_XDP_C_pass_not_ipv4;
	case TP_STEER_MALFORMED:
		return TP_XDP_C_pass_malformed;
	case TP_STEER_FRAGMENT:
		return TP_XDP_C_pass_fragment;
	case TP_STEER_IPV6_EXT:
		return TP_XDP_C_pass_ipv6_ext;
	case TP_STEER_NOT_UDP:
		return TP_XDP_C_pass_not_udp;
	case TP_STEER_NOT_OURS:
		return TP_XDP_C_pass_not_ours;
	}
	return TP_XDP_C__COUNT;
}

/* The decision compiled for the host, as the exception-port worker runs
 * it: the golden table's verdicts, and what BPF_PROG_TEST_RUN cannot run
 * (frames shorter than an Ethernet header). */
static void
test_decision_host(void **state)
{
	const struct frame_spec ours = { .dst = IP_BOTH, .dport = PORT_LISTEN };
	const struct frame_spec ours6 = { .ethertype = ETH_IPV6,
					  .dst6 = IP6_BOTH,
					  .dport = PORT_LISTEN };
	struct tp_plane_params p;
	struct tp_steer_ports ports;
	struct frame f;

	(void)state;
	params_fill(&p);
	ports = (struct tp_steer_ports){ .listen_port = p.listen_port,
					 .min_port = p.min_port,
					 .max_port = p.max_port };
	for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		enum tp_steer v;

		frame_build(&f, &golden[i].in);
		v = tp_steer_frame(f.b, f.b + f.len, &ports, &p);
		if (counter_of_verdict(v) != golden[i].moved)
			fail_msg("%s: verdict %d (%s), want %s", golden[i].what,
				 v, dp_xdp_counter_name(counter_of_verdict(v)),
				 dp_xdp_counter_name(golden[i].moved));
	}
	frame_build(&f, &ours);
	assert_int_equal(tp_steer_frame(f.b, f.b + f.len, &ports, &p),
			 TP_STEER_OURS);
	for (size_t cut = 0; cut < 14; cut++)
		assert_int_equal(tp_steer_frame(f.b, f.b + cut, &ports, &p),
				 TP_STEER_MALFORMED);
	frame_build(&f, &ours6);
	assert_int_equal(tp_steer_frame(f.b, f.b + f.len, &ports, &p),
			 TP_STEER_OURS);
	for (size_t cut = 0; cut < 14; cut++)
		assert_int_equal(tp_steer_frame(f.b, f.b + cut, &ports, &p),
				 TP_STEER_MALFORMED);
	frame_build(&f, &ours);
	/* No configuration (the program's tp_cfg unreadable): nothing ours. */
	assert_int_equal(tp_steer_frame(f.b, f.b + f.len, NULL, &p),
			 TP_STEER_NOT_OURS);
	frame_build(&f, &ours6);
	assert_int_equal(tp_steer_frame(f.b, f.b + f.len, NULL, &p),
			 TP_STEER_NOT_OURS);
	/* No addresses (a fresh program's empty maps): nothing ours. */
	p.n_listen = p.n_relay = 0;
	assert_int_equal(tp_steer_frame(f.b, f.b + f.len, &ports, &p),
			 TP_STEER_NOT_OURS);
	frame_build(&f, &ours);
	assert_int_equal(tp_steer_frame(f.b, f.b + f.len, &ports, &p),
			 TP_STEER_NOT_OURS);
}

/* UDP6 behind Hop-by-Hop and Destination Options, cut at every length:
 * malformed until the UDP header is whole, ours from there on; the same
 * in the kernel and on the host. */
static void
test_ipv6_cuts(void **state)
{
	const struct frame_spec s = { .ethertype = ETH_IPV6,
				      .dst6 = IP6_RELAY,
				      .dport = PORT_MAX,
				      .n_ext = 2,
				      .ext = { EXT_HOP, EXT_DSTOPTS } };
	const size_t udp_end = 14 + 40 + 8 + 16 + 8;
	struct tp_plane_params p;
	struct tp_steer_ports ports;
	struct frame f, whole;
	char what[64];

	(void)state;
	params_fill(&p);
	ports = (struct tp_steer_ports){ .listen_port = p.listen_port,
					 .min_port = p.min_port,
					 .max_port = p.max_port };
	frame_build(&whole, &s);
	assert_true(whole.len > udp_end);
	xsk_insert();
	for (size_t cut = 14; cut <= whole.len; cut++) {
		bool ours = cut >= udp_end;

		f = whole;
		f.len = cut;
		assert_int_equal(tp_steer_frame(f.b, f.b + f.len, &ports, &p),
				 ours ? TP_STEER_OURS : TP_STEER_MALFORMED);
		snprintf(what, sizeof(what),
			 "UDP6 behind two headers, %zu bytes", cut);
		if (ours)
			expect(what, &f, REDIRECT);
		else
			expect(what, &f, PASS(malformed));
	}
}

/* No socket at the frame's queue: ours, but the kernel gets it. */
static void
test_no_socket(void **state)
{
	const struct frame_spec s = { .dst = IP_BOTH, .dport = PORT_LISTEN };
	uint32_t q = 0;
	struct frame f;

	(void)state;
	frame_build(&f, &s);
	xsk_insert();
	expect("ours, socket at queue 0", &f, XDP_REDIRECT, TP_XDP_C_redirected);
	assert_int_equal(bpf_map_delete_elem(g_x.xsks_fd, &q), 0);
	expect("ours, no socket at queue 0", &f, XDP_PASS,
	       TP_XDP_C_pass_no_socket);
	xsk_insert();
}

/* Unfilled maps (the PMD attached the program, the server has not yet
 * configured it): nothing is steered. */
static void
test_unconfigured(void **state)
{
	const struct frame_spec s = { .dst = IP_BOTH, .dport = PORT_LISTEN };
	const struct frame_spec s6 = { .ethertype = ETH_IPV6,
				       .dst6 = IP6_BOTH,
				       .dport = PORT_LISTEN };
	struct tp_plane_params p;
	uint32_t key = 0, found;
	struct tp_xdp_addr6 key6, found6;
	struct frame f, f6;
	char err[256];

	(void)state;
	xsk_insert();
	/* Empty the address maps as a fresh load has them. */
	while (bpf_map_get_next_key(g_x.addr4_fd, NULL, &key) == 0)
		assert_int_equal(bpf_map_delete_elem(g_x.addr4_fd, &key), 0);
	while (bpf_map_get_next_key(g_x.addr6_fd, NULL, &key6) == 0)
		assert_int_equal(bpf_map_delete_elem(g_x.addr6_fd, &key6), 0);
	frame_build(&f, &s);
	frame_build(&f6, &s6);
	expect("no addresses yet", &f, XDP_PASS, TP_XDP_C_pass_not_ours);
	expect("no addresses yet, IPv6", &f6, XDP_PASS, TP_XDP_C_pass_not_ours);
	params_fill(&p);
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), 0);
	assert_int_equal(bpf_map_get_next_key(g_x.addr4_fd, NULL, &found), 0);
	assert_int_equal(bpf_map_get_next_key(g_x.addr6_fd, NULL, &found6), 0);
	expect("configured", &f, XDP_REDIRECT, TP_XDP_C_redirected);
	expect("configured, IPv6", &f6, XDP_REDIRECT, TP_XDP_C_redirected);
}

/* A second configure replaces the first, in both families. */
static void
test_configure_replaces(void **state)
{
	const struct frame_spec old_s = { .dst = IP_BOTH, .dport = PORT_LISTEN };
	const struct frame_spec new_s = { .dst = IP_OTHER, .dport = 3479 };
	const struct frame_spec new_r = { .dst = IP_OTHER, .dport = 40000 };
	const struct frame_spec old_s6 = { .ethertype = ETH_IPV6,
					   .dst6 = IP6_BOTH,
					   .dport = PORT_LISTEN };
	const struct frame_spec new_s6 = { .ethertype = ETH_IPV6,
					   .dst6 = IP6_OTHER,
					   .dport = 3479 };
	struct tp_plane_params p;
	struct frame f;
	char err[256];

	(void)state;
	xsk_insert();
	params_fill(&p);
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), 0);
	/* IP_BOTH and IP6_BOTH are listed twice (both roles). */
	assert_int_equal(g_x.n_addr4, 3);
	assert_int_equal(g_x.n_addr6, 3);

	memset(&p, 0, sizeof(p));
	p.listen_port = 3479;
	p.min_port = 40000;
	p.max_port = 40000;
	p.n_listen = 1;
	p.listen_ips[0] = v4(IP_OTHER);
	p.n_relay = 1;
	p.relay_ips[0] = v4(IP_OTHER);
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), 0);
	assert_int_equal(g_x.n_addr4, 1);
	assert_int_equal(g_x.n_addr6, 0);
	frame_build(&f, &old_s);
	expect("the old listening address", &f, XDP_PASS, TP_XDP_C_pass_not_ours);
	frame_build(&f, &old_s6);
	expect("the old IPv6 listening address", &f, XDP_PASS,
	       TP_XDP_C_pass_not_ours);
	frame_build(&f, &new_s);
	expect("the new listening address", &f, XDP_REDIRECT,
	       TP_XDP_C_redirected);
	frame_build(&f, &new_r);
	expect("the new one-port relay range", &f, XDP_REDIRECT,
	       TP_XDP_C_redirected);

	/* IPv6 only: tp_addr4 empties. */
	p.listen_ips[0] = v6(IP6_OTHER);
	p.relay_ips[0] = v6(IP6_OTHER);
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), 0);
	assert_int_equal(g_x.n_addr4, 0);
	assert_int_equal(g_x.n_addr6, 1);
	frame_build(&f, &new_s);
	expect("the IPv4 address gone", &f, XDP_PASS, TP_XDP_C_pass_not_ours);
	frame_build(&f, &new_s6);
	expect("the new IPv6 listening address", &f, XDP_REDIRECT,
	       TP_XDP_C_redirected);

	params_fill(&p); /* back to the golden table's addresses */
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), 0);
}

static void
test_configure_rejects(void **state)
{
	struct tp_plane_params p;
	char err[256] = "";

	(void)state;
	params_fill(&p);
	p.listen_port = 0;
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "listen port 0"));
	params_fill(&p);
	p.min_port = PORT_MAX + 1;
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), -EINVAL);
	params_fill(&p);
	p.n_relay = TP_PLANE_MAX_RELAY_IPS + 1;
	assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), -EINVAL);
	/* A rejected configuration leaves the maps as they were. */
	params_fill(&p);
	{
		const struct frame_spec s = { .dst = IP_BOTH,
					      .dport = PORT_LISTEN };
		struct frame f;

		xsk_insert();
		frame_build(&f, &s);
		expect("after rejected configurations", &f, XDP_REDIRECT,
		       TP_XDP_C_redirected);
		/* An address of neither family, met after the maps were
		 * emptied: they stay empty, steering nothing. */
		p.relay_ips[p.n_relay - 1].family = 0;
		assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)),
				 -EAFNOSUPPORT);
		assert_int_equal(g_x.n_addr4 + g_x.n_addr6, 0);
		expect("after an address of no family", &f, XDP_PASS,
		       TP_XDP_C_pass_not_ours);
		params_fill(&p);
		assert_int_equal(dp_xdp_configure(&g_x, &p, err, sizeof(err)), 0);
	}
}

static void
test_names_and_args(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(dp_xdp_counter_name(TP_XDP_C_redirected),
			    "redirected");
	assert_string_equal(dp_xdp_counter_name(TP_XDP_C_pass_not_ours),
			    "pass_not_ours");
	assert_string_equal(dp_xdp_counter_name(TP_XDP_C__COUNT), "?");
	assert_string_equal(dp_xdp_mode_name(DP_XDP_MODE_GENERIC), "generic");
	/* As the admin socket prints them: every counter, named in full, the
	 * values dp_xdp_stats_read() sums; never more than asked for. */
	{
		struct tp_plane_counter pc[TP_XDP_C__COUNT + 1];
		uint64_t v[TP_XDP_C__COUNT];

		assert_int_equal(dp_xdp_counters(&g_x, pc, TP_XDP_C__COUNT + 1),
				 TP_XDP_C__COUNT);
		assert_int_equal(dp_xdp_stats_read(&g_x, v), 0);
		assert_string_equal(pc[TP_XDP_C_redirected].name,
				    "xdp.redirected");
		assert_string_equal(pc[TP_XDP_C_pass_not_ours].name,
				    "xdp.pass_not_ours");
		for (unsigned int i = 0; i < TP_XDP_C__COUNT; i++)
			assert_int_equal(pc[i].value, v[i]);
		assert_int_equal(dp_xdp_counters(&g_x, pc, 2), 2);
	}
	/* This test runs from the build tree: the object is the build's. */
	assert_non_null(strstr(dp_xdp_prog_path(), "/dataplane/bpf/tp_xdp.bpf.o"));
	assert_int_equal(access(dp_xdp_prog_path(), R_OK), 0);

	assert_int_equal(dp_xdp_vdev_arg(buf, sizeof(buf), 0, "eth1", 3,
					 "/usr/lib/turnpike/tp_xdp.bpf.o"),
			 0);
	assert_string_equal(buf,
			    "net_af_xdp0,iface=eth1,start_queue=0,"
			    "queue_count=3,xdp_prog=/usr/lib/turnpike/tp_xdp.bpf.o");
	assert_int_equal(dp_xdp_vdev_arg(buf, 20, 0, "eth1", 1, "/x.o"),
			 -ENAMETOOLONG);
	assert_int_equal(dp_xdp_vdev_arg(buf, sizeof(buf), 0, "", 1, "/x.o"),
			 -EINVAL);
	assert_int_equal(dp_xdp_vdev_arg(buf, sizeof(buf), 0, "eth1", 0, "/x.o"),
			 -EINVAL);
	assert_int_equal(dp_xdp_vdev_arg(buf, sizeof(buf), 0, "eth1", 1, "/a,b.o"),
			 -EINVAL);
}

/* Found by interface, as the server finds what the PMD attached; and
 * refused when the program there is not ours.  In a namespace of our own:
 * its loopback (ifindex 1) has no native XDP, so the mode is generic. */
static void
test_open_iface(void **state)
{
	const struct bpf_insn pass[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = XDP_PASS }, /* r0 = XDP_PASS */
		{ .code = 0x95 },                                /* exit */
	};
	struct dp_xdp x;
	char err[256] = "";
	int other;

	(void)state;
	assert_int_equal(unshare(CLONE_NEWNET), 0);
	assert_int_equal(dp_xdp_open_iface(&x, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "has no XDP program"));
	dp_xdp_close(&x);

	assert_int_equal(bpf_xdp_attach(1, g_prog_fd, XDP_FLAGS_SKB_MODE, NULL),
			 0);
	assert_int_equal(dp_xdp_open_iface(&x, 1, err, sizeof(err)), 0);
	assert_int_equal(x.mode, DP_XDP_MODE_GENERIC);
	assert_int_equal(x.prog_id, g_x.prog_id);
	/* The same maps as the handle opened from the fd. */
	{
		struct bpf_map_info a = { 0 }, b = { 0 };
		uint32_t la = sizeof(a), lb = sizeof(b);

		assert_int_equal(bpf_obj_get_info_by_fd(x.addr4_fd, &a, &la), 0);
		assert_int_equal(bpf_obj_get_info_by_fd(g_x.addr4_fd, &b, &lb),
				 0);
		assert_int_equal(a.id, b.id);
	}
	dp_xdp_close(&x);
	assert_int_equal(bpf_xdp_detach(1, XDP_FLAGS_SKB_MODE, NULL), 0);

	other = bpf_prog_load(BPF_PROG_TYPE_XDP, "other", "GPL", pass, 2, NULL);
	assert_true(other >= 0);
	assert_int_equal(bpf_xdp_attach(1, other, XDP_FLAGS_SKB_MODE, NULL), 0);
	assert_int_equal(dp_xdp_open_iface(&x, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "not turnpike's"));
	dp_xdp_close(&x);
	assert_int_equal(bpf_xdp_detach(1, XDP_FLAGS_SKB_MODE, NULL), 0);
	close(other);
}

int
main(void)
{
	const struct CMUnitTest host[] = {
		cmocka_unit_test(test_decision_host),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_ipv6_cuts),
		cmocka_unit_test(test_no_socket),
		cmocka_unit_test(test_unconfigured),
		cmocka_unit_test(test_configure_replaces),
		cmocka_unit_test(test_configure_rejects),
		cmocka_unit_test(test_names_and_args),
		cmocka_unit_test(test_open_iface), /* last: leaves our netns */
	};

	int rc = cmocka_run_group_tests_name("decision", host, NULL, NULL);

	if (rc != 0)
		return rc;
	if (geteuid() != 0) {
		printf("SKIP: test_dp_xdp needs root (BPF, AF_XDP, netns)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
