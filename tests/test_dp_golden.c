/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Golden-packet tests of the fast path (dataplane/).
 *
 * One process, EAL initialised once (no hugepages, no PCI, four lcores
 * mapped onto the CPUs we may use).  The port is made with
 * rte_eth_from_rings(): the test writes the port's RX rings and reads its
 * TX rings.  Workers, their rings and tables are made by dp_plane_create(),
 * as the server makes them, afresh for every case, once with one worker
 * and once with three.
 *
 * Most cases drive a worker directly on the main lcore (dp_cmd_drain(),
 * dp_input(), dp_tx_flush() with a TSC value the test chooses, so lifetimes
 * and rate limits are exact); a handful run the real dp_worker_run() loop on
 * worker lcores, with waits bounded at two seconds.  Each case states the
 * commands applied first, the input frame, the frames that must come out
 * (built here independently, byte for byte, checksums by our own RFC 1071
 * sum), the events, and the counters that must move: every other counter
 * and drop reason must stay still, and every mbuf must be back in the pool
 * when the case ends.
 *
 * Exception-port mode (dataplane/dp_xport.h) has its own cases at the
 * end: a second ring port stands for the exception port, and the workers
 * are made in that mode for them.
 *
 * Runs on the main lcore; owns the port, the mbuf pool and the workers.
 */
#define _GNU_SOURCE /* sched_getaffinity */

#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_arp.h"
#include "dp_cmd.h"
#include "dp_input.h"
#include "dp_neigh.h"
#include "dp_nexthop.h"
#include "dp_plane.h"
#include "dp_port.h"
#include "dp_relay.h"
#include "dp_table.h"
#include "dp_worker.h"
#include "dp_xport.h"
#include "turnpike/addr.h"
#include "turnpike/channel_data.h"
#include "turnpike/dp_counters.h"
#include "turnpike/dp_msg.h"
#include "turnpike/plane.h"
#include "turnpike/stun.h"

/* ------------------------------------------------------------------ */
/* The world every case lives in                                       */
/* ------------------------------------------------------------------ */

#define MAX_W 3
#define N_SLOTS 16
#define FRAME_MAX 2048
#define MAX_OUT 16
#define PORT_RING_SIZE 1024
#define CMD_RING_SIZE 1024
#define EVT_RING_SIZE 1024
#define HANDOFF_RING_SIZE 512
#define POOL_SIZE 4095
#define WAIT_MS 2000
#define ETH_LEN 14
#define UDP4_LEN 42 /* Ethernet + IPv4 without options + UDP */

#define IP4(a, b, c, d)                                                   \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

#define IP_LISTEN IP4(192, 0, 2, 1)
#define IP_RELAY0 IP4(192, 0, 2, 10)
#define IP_RELAY1 IP4(192, 0, 2, 11)
#define IP_OTHER IP4(192, 0, 2, 77)
#define IP_GW IP4(192, 0, 2, 254)
#define IP_P1 IP4(198, 51, 100, 7)
#define IP_P2 IP4(198, 51, 100, 8)
#define IP_CA IP4(203, 0, 113, 5)
#define IP_CB IP4(203, 0, 113, 6)
#define IP_CX IP4(203, 0, 113, 9)
#define IP_PFAR IP4(203, 0, 113, 50)
#define IP_PFAR2 IP4(203, 0, 113, 51)

#define LISTEN_PORT 3478
#define MIN_PORT 49152
#define MAX_PORT 49407
#define LIFETIME_MS 600000u

#define SLOT_A 3
#define SLOT_B 5
#define GEN_A 1001
#define GEN_B 2002

#define CH_P1 0x4001
#define CH_RB 0x4002 /* A's channel to B's relayed address */
#define CH_P2 0x4003
#define CH_PFAR2 0x4005
#define CH_RA 0x4007   /* B's channel to A's relayed address */
#define CH_SELF 0x4009 /* A's channel to our listening address */

static const uint8_t mac_us[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x00, 0x01 };
static const uint8_t mac_ca[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x0c, 0x0a };
static const uint8_t mac_cb[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x0c, 0x0b };
static const uint8_t mac_cx[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x0c, 0x09 };
static const uint8_t mac_p1[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x01, 0x07 };
static const uint8_t mac_p2[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x01, 0x08 };
static const uint8_t mac_gw[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x00, 0xfe };
static const uint8_t mac_stranger[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x99, 0x99 };
static const uint8_t mac_bcast[DP_MAC_LEN] = { 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff };
static const uint8_t mac_zero[DP_MAC_LEN];

/** Named transport addresses of the world. */
enum ep {
	EP_NONE,
	EP_LISTEN,         /* our listening address */
	EP_LISTEN_BADPORT, /* our listening IP, another port */
	EP_CA,             /* client of allocation A */
	EP_CB,             /* client of allocation B */
	EP_CX,             /* a client without an allocation */
	EP_RA,             /* A's relayed address (relay IP 0) */
	EP_RB,             /* B's relayed address (relay IP 1) */
	EP_RA_IP1,         /* A's port on the other relay IP */
	EP_R_FREE,         /* an unallocated relay port, same owner as A's */
	EP_R_BELOW,        /* relay IP 0, port below the relay range */
	EP_OTHER,          /* an IP that is not ours */
	EP_P1,             /* on-link peer, MAC known in W_NEIGH */
	EP_P1_ALT,         /* P1's IP, another port */
	EP_P2,             /* on-link peer, never resolved up front */
	EP_PFAR,           /* off-link peer (via the gateway) */
	EP_PFAR2,          /* another off-link peer */
	EP_GW,             /* the gateway (port 0) */
	EP_PN,             /* on-link peer number g_pn of many */
	EP_ZERO,           /* 0.0.0.0: an ARP probe's sender */
};

/** Everything about one configuration (one or three workers). */
struct env {
	uint16_t n;
	uint16_t port;
	unsigned int seq;
	struct rte_ring *rxr[MAX_W];
	struct rte_ring *txr[MAX_W];
	uint16_t xport; /* the exception port's stand-in (dp_xport.h) */
	struct rte_ring *xrxr[MAX_W];
	struct rte_ring *xtxr[MAX_W];
	struct tp_plane_params params; /* the fast path's settings */
	struct dp_port_info port_info;
	struct dp_plane *pl;  /* made afresh for every case */
	struct dp_shared *sh; /* pl->sh */
	struct dp_worker *ws; /* pl->workers */
	bool running;
	unsigned int in_use_start;
	unsigned int soft_fail;
	uint64_t cmds_sent[MAX_W];
	uint64_t t0; /* TSC of the last direct command drain */
	uint16_t port_ca, port_cb, port_cx;
	uint16_t relay_a, relay_b;
	uint16_t owner_a, owner_b;
};

static struct rte_mempool *g_pool;
static unsigned int g_pn;
static uint8_t mac_pn[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x02, 0 };
static unsigned int g_lcores[MAX_W];
static struct env *g_env;

static struct tp_addr
addr4(uint32_t ip, uint16_t port)
{
	struct tp_addr a = { .ip = tp_ip_v4(ip), .port = port };

	return a;
}

/* clang-format off */
static struct tp_addr
ep_addr(const struct env *e, enum ep ep)
{
	switch (ep) {
	case EP_LISTEN: return addr4(IP_LISTEN, LISTEN_PORT);
	case EP_LISTEN_BADPORT: return addr4(IP_LISTEN, LISTEN_PORT + 1);
	case EP_CA: return addr4(IP_CA, e->port_ca);
	case EP_CB: return addr4(IP_CB, e->port_cb);
	case EP_CX: return addr4(IP_CX, e->port_cx);
	case EP_RA: return addr4(IP_RELAY0, e->relay_a);
	case EP_RB: return addr4(IP_RELAY1, e->relay_b);
	case EP_RA_IP1: return addr4(IP_RELAY1, e->relay_a);
	case EP_R_FREE: return addr4(IP_RELAY0, (uint16_t)(e->relay_a + e->n));
	case EP_R_BELOW: return addr4(IP_RELAY0, MIN_PORT - 1);
	case EP_OTHER: return addr4(IP_OTHER, LISTEN_PORT);
	case EP_P1: return addr4(IP_P1, 5000);
	case EP_P1_ALT: return addr4(IP_P1, 5999);
	case EP_P2: return addr4(IP_P2, 5001);
	case EP_PFAR: return addr4(IP_PFAR, 7000);
	case EP_PFAR2: return addr4(IP_PFAR2, 7001);
	case EP_GW: return addr4(IP_GW, 0);
	case EP_ZERO: return addr4(0, 0);
	case EP_PN: return addr4(IP4(198, 51, 100, 20 + g_pn), (uint16_t)(6000 + g_pn));
	case EP_NONE: break;
	}
	fail_msg("no address for endpoint %d", (int)ep);
	return addr4(0, 0);
}

/* The MAC frames from @ep arrive from, and frames to @ep go to. */
static const uint8_t *
ep_mac(enum ep ep)
{
	switch (ep) {
	case EP_CA: return mac_ca;
	case EP_CB: return mac_cb;
	case EP_CX: return mac_cx;
	case EP_P1: case EP_P1_ALT: return mac_p1;
	case EP_P2: return mac_p2;
	case EP_PN: mac_pn[5] = (uint8_t)g_pn; return mac_pn;
	case EP_ZERO: return mac_stranger;
	default: return mac_gw;
	}
}
/* clang-format on */

static uint32_t
ep_ip(const struct env *e, enum ep ep)
{
	struct tp_addr a = ep_addr(e, ep);

	return tp_ip_v4_host(&a.ip);
}

/* ------------------------------------------------------------------ */
/* Frames, built here without the fast path's helpers                  */
/* ------------------------------------------------------------------ */

struct frame {
	uint16_t len;
	uint8_t b[FRAME_MAX];
};

/** A frame taken off a TX ring. */
struct out_frame {
	uint16_t q;
	uint16_t len;
	uint16_t nb_segs;
	uint64_t ol_flags;
	uint8_t b[FRAME_MAX];
};

enum cksum_mode {
	CK_GOOD,
	CK_BAD_IP,
	CK_BAD_UDP,
	CK_ZERO_UDP
};

/*
 * What the fast path writes in every IPv4 header it sends (dp_pkt.h):
 * DF copied from the datagram that carried the data, or set for a Send
 * indication with DONT-FRAGMENT (RFC 8656 section 14's preferred
 * behavior), identification 0 (fine for an atomic datagram, RFC 6864),
 * TTL 64 and DSCP 0 (the alternate behavior), no options.
 */
#define OUT_FRAG 0
#define IPV4_DF 0x4000

/** How to build (or break) an IPv4/UDP header. Zero = a plain header. */
struct hdr_opts {
	uint8_t version;     /* 0 = 4 */
	uint8_t ihl_field;   /* 0 = the real header length */
	uint8_t opt_words;   /* 32-bit words of NOP options */
	uint8_t proto;       /* 0 = UDP */
	int16_t tot_adj;     /* added to the total length field */
	uint16_t frag;       /* flags and fragment offset field */
	uint16_t udp_len;    /* 0 = the real UDP length */
	int16_t udp_len_adj; /* added to the UDP length field */
	enum cksum_mode cksum;
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

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071: one's complement sum of big-endian 16-bit words. */
static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

/* UDP checksum over the pseudo header (RFC 768) and @ulen bytes at @udp. */
static uint16_t
udp_cksum(const uint8_t *ip, const uint8_t *udp, uint16_t ulen)
{
	uint32_t s = sum16(0, ip + 12, 8) + 17 + ulen;
	uint16_t c = (uint16_t)~fold(sum16(s, udp, ulen));

	return c == 0 ? 0xFFFF : c;
}

/* An Ethernet/IPv4/UDP frame carrying @pl. */
static void
frame_udp4(struct frame *f, const uint8_t *dmac, const uint8_t *smac,
	   const struct tp_addr *src, const struct tp_addr *dst,
	   const uint8_t *pl, uint16_t plen, const struct hdr_opts *o)
{
	static const struct hdr_opts plain;
	uint16_t hlen, ulen, tot, c;
	uint8_t *ip, *udp;

	if (o == NULL)
		o = &plain;
	hlen = (uint16_t)(20 + 4 * o->opt_words);
	ulen = (uint16_t)(8 + plen);
	tot = (uint16_t)(hlen + ulen);
	assert_true(ETH_LEN + tot <= FRAME_MAX);
	memset(f, 0, sizeof(*f));
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	put16(f->b + 12, 0x0800);
	ip = f->b + ETH_LEN;
	ip[0] = (uint8_t)((o->version ? o->version : 4) << 4 |
			  (o->ihl_field ? o->ihl_field : hlen / 4));
	put16(ip + 2, (uint16_t)(tot + o->tot_adj));
	put16(ip + 6, o->frag);
	ip[8] = 64;
	ip[9] = o->proto ? o->proto : 17;
	memcpy(ip + 12, src->ip.bytes, 4);
	memcpy(ip + 16, dst->ip.bytes, 4);
	memset(ip + 20, 1, (size_t)(hlen - 20)); /* NOP options */
	udp = ip + hlen;
	put16(udp, src->port);
	put16(udp + 2, dst->port);
	put16(udp + 4,
	      o->udp_len ? o->udp_len : (uint16_t)(ulen + o->udp_len_adj));
	memcpy(udp + 8, pl, plen);
	if (o->cksum != CK_ZERO_UDP) {
		c = udp_cksum(ip, udp, ulen);
		put16(udp + 6,
		      o->cksum == CK_BAD_UDP ? (uint16_t)(c ^ 0x5A5A) : c);
	}
	c = (uint16_t)~fold(sum16(0, ip, hlen));
	put16(ip + 10, o->cksum == CK_BAD_IP ? (uint16_t)(c ^ 0x0101) : c);
	f->len = (uint16_t)(ETH_LEN + tot);
}

/* An ARP frame (RFC 826), 42 bytes. */
static void
frame_arp(struct frame *f, const uint8_t *eth_dst, const uint8_t *eth_src,
	  uint16_t op, const uint8_t *sha, uint32_t spa, const uint8_t *tha,
	  uint32_t tpa)
{
	uint8_t *a = f->b + ETH_LEN;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, eth_dst, 6);
	memcpy(f->b + 6, eth_src, 6);
	put16(f->b + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	f->len = 42;
}

/* Check a frame's IPv4 and UDP checksums with our own sum. */
static void
check_cksums(const uint8_t *f, uint16_t len)
{
	const uint8_t *ip = f + ETH_LEN, *udp;
	uint16_t hlen, ulen;

	assert_true(len >= UDP4_LEN);
	assert_int_equal(get16(f + 12), 0x0800);
	hlen = (uint16_t)((ip[0] & 0x0F) * 4);
	assert_int_equal(fold(sum16(0, ip, hlen)), 0xFFFF);
	udp = ip + hlen;
	ulen = get16(udp + 4);
	assert_true(ETH_LEN + hlen + ulen <= len);
	if (get16(udp + 6) != 0)
		assert_int_equal(fold(sum16(sum16(0, ip + 12, 8) + 17 + ulen,
					    udp, ulen)),
				 0xFFFF);
}

static void
dump(const char *what, const uint8_t *b, uint16_t len, uint16_t from)
{
	print_error("%s (%u bytes) from offset %u:", what, len, from);
	for (uint16_t i = from; i < len && i < from + 48; i++)
		print_error(" %02x", b[i]);
	print_error("\n");
}

/* The frame that came out must be @want, byte for byte. */
static void
frame_eq(const struct out_frame *got, const struct frame *want, const char *what)
{
	uint16_t i = 0;

	while (i < got->len && i < want->len && got->b[i] == want->b[i])
		i++;
	if (got->len == want->len && i == got->len)
		return;
	print_error("%s: frames differ at byte %u\n", what, i);
	dump("got ", got->b, got->len, (uint16_t)(i & ~15u));
	dump("want", want->b, want->len, (uint16_t)(i & ~15u));
	fail_msg("%s: output frame is not the golden frame", what);
}

/* ------------------------------------------------------------------ */
/* Case descriptions                                                   */
/* ------------------------------------------------------------------ */

enum in_kind {
	IN_CHANDATA,
	IN_SEND,
	IN_RAW,
	IN_STUN,
	IN_ARP
};

enum mangle {
	M_NONE,
	/* still valid */
	M_ETH_PAD,
	M_IP_OPTIONS,
	M_DF,
	M_UDP_CKSUM_ZERO,
	/* broken */
	M_TRUNC_ETH,
	M_ETH_ONLY,
	M_TRUNC_IP,
	M_OTHER_MAC,
	M_ETHERTYPE_V6,
	M_VLAN,
	M_IP_VERSION,
	M_IP_CKSUM,
	M_IHL_4,
	M_IHL_15,
	M_TOTLEN_PAST,
	M_MF,
	M_FRAG_OFF,
	M_ICMP,
	M_UDPLEN_PAST,
	M_UDPLEN_SHORT,
	M_UDP_CKSUM_BAD,
	M_ARP_HLEN,
	M_ARP_TRUNC,
};

/** The input frame. */
struct in_spec {
	enum in_kind kind;
	enum ep src, dst;
	uint16_t channel;    /* IN_CHANDATA */
	uint16_t stun_type;  /* IN_STUN */
	uint16_t len;        /* application data bytes */
	int16_t len_adj;     /* added to the ChannelData / STUN length field */
	uint8_t pad;         /* IN_CHANDATA: bytes after the data ... */
	uint8_t pad_fill;    /* ... and what they hold (0 unless said) */
	enum ep peer;        /* IN_SEND: XOR-PEER-ADDRESS, EP_NONE = absent */
	bool no_data;        /* IN_SEND: no DATA attribute */
	uint16_t extra_attr; /* IN_SEND: one more (empty) attribute */
	bool fingerprint;    /* IN_SEND: end with FINGERPRINT */
	uint8_t lead[8];     /* IN_RAW: first data bytes */
	uint8_t n_lead;
	uint16_t arp_op; /* IN_ARP */
	enum ep arp_target;
	enum mangle mangle;
};

enum out_kind {
	OUT_NONE,
	OUT_TO_PEER,        /* src: relayed address, dst: peer */
	OUT_CHAN_TO_CLIENT, /* dst: client, channel */
	OUT_DATA_TO_CLIENT, /* dst: client, peer: XOR-PEER-ADDRESS */
	OUT_ARP_REPLY,      /* to the input's sender */
	OUT_ARP_REQUEST,    /* dst: whom we ask for */
};

/** The frame that must come out (at most one per golden case). */
struct out_spec {
	enum out_kind kind;
	enum ep src, dst, peer;
	uint16_t channel;
	bool df;
};

enum evt_kind {
	EV_NONE,
	EV_PACKET,
	EV_NEIGH
};

/** A counter (drop = 0) or drop reason (drop = 1) that moves by n. */
struct delta {
	uint8_t drop;
	uint8_t idx;
	uint8_t n;
};

/* clang-format off */
#define C_(name) { 0, DP_C_##name, 1 }
#define DROP_(name) { 1, DP_DROP_##name, 1 }

/** World state installed (by commands) before a case. */
enum {
	W_A = 1 << 0,        /* allocation A: CA -> LISTEN, relayed RA */
	W_B = 1 << 1,        /* allocation B: CB -> LISTEN, relayed RB */
	W_A_P1 = 1 << 2,     /* A: permission P1, channel CH_P1 -> P1 */
	W_A_FAR = 1 << 3,    /* A: permissions PFAR, PFAR2; CH_PFAR2 -> PFAR2 */
	W_A_P2_CH = 1 << 4,  /* A: channel CH_P2 -> P2, no permission */
	W_NEIGH = 1 << 5,    /* every worker knows P1 and the gateway */
	W_A_SELF = 1 << 6,   /* A: permissions for our listening and relay IPs,
				CH_SELF -> our listening address */
};
#define W_STD (W_A | W_A_P1 | W_A_FAR | W_NEIGH)

struct golden_case {
	const char *what;
	unsigned int world;
	struct in_spec in;
	struct out_spec out;
	enum evt_kind evt;
	struct delta d[4];
	bool live;          /* also run through the real worker loop */
};

#define CDX(from, to, ch, l) .kind = IN_CHANDATA, .src = (from), .dst = (to), \
	.channel = (ch), .len = (l)
#define CD(ch, l) CDX(EP_CA, EP_LISTEN, ch, l)
#define SENDX(from, p, l) .kind = IN_SEND, .src = (from), .dst = EP_LISTEN, \
	.peer = (p), .len = (l)
#define SEND(p, l) SENDX(EP_CA, p, l)
#define PEER(from, to, l) .kind = IN_RAW, .src = (from), .dst = (to), .len = (l)
#define STUNX(from, t) .kind = IN_STUN, .src = (from), .dst = EP_LISTEN, \
	.stun_type = (t)
#define STUN(t) STUNX(EP_CA, t)
#define ARP(op, from, target) .kind = IN_ARP, .src = (from), .arp_op = (op), \
	.arp_target = (target)
#define TO_PEER(p) .kind = OUT_TO_PEER, .src = EP_RA, .dst = (p)
#define CHAN_TO_CA(ch) .kind = OUT_CHAN_TO_CLIENT, .dst = EP_CA, .channel = (ch)
#define DATA_TO_CA(p) .kind = OUT_DATA_TO_CLIENT, .dst = EP_CA, .peer = (p)

/* A ChannelData that would be relayed to P1 but for the damage done. */
#define BROKEN(m, what_drop) \
	W_STD, { CD(CH_P1, 40), .mangle = (m) }, { OUT_NONE }, EV_NONE, \
	{ DROP_(what_drop) }

static const struct golden_case golden_cases[] = {
	/* 1: ChannelData from a client on a bound channel */
	{ "ChannelData on a bound channel -> datagram from the relayed address to the peer",
	  W_STD, { CD(CH_P1, 100) }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) }, true },
	{ "ChannelData without application data -> empty datagram",
	  W_STD, { CD(CH_P1, 0) }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	{ "ChannelData, 3 data bytes and 1 padding byte -> 3-byte datagram",
	  W_STD, { CD(CH_P1, 3), .pad = 1 }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	/* The relayed checksum is worked out from the received one (dp_pkt.h,
	 * dp_sum_keep()): padding that is not zeros, after an odd end, must
	 * come out of it byte-swapped. */
	{ "ChannelData, 5 data bytes and 3 padding bytes of 0xA5 -> 5-byte datagram",
	  W_STD, { CD(CH_P1, 5), .pad = 3, .pad_fill = 0xA5 }, { TO_PEER(EP_P1) },
	  EV_NONE, { C_(relay_channel_to_peer) } },
	{ "ChannelData in a 60-byte Ethernet-padded frame -> only the data",
	  W_STD, { CD(CH_P1, 1), .mangle = M_ETH_PAD }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	{ "ChannelData in an IPv4 packet with options -> relayed without options",
	  W_STD, { CD(CH_P1, 50), .mangle = M_IP_OPTIONS }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	{ "ChannelData with DF set (not a fragment) -> relayed with DF "
	  "(RFC 8656 14: copied)",
	  W_STD, { CD(CH_P1, 50), .mangle = M_DF }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	{ "Send indication with DF set -> datagram with DF (copied)",
	  W_STD, { SEND(EP_P1, 30), .mangle = M_DF }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_send_to_peer) } },
	{ "Peer datagram with DF, channel bound -> ChannelData with DF (copied)",
	  W_STD, { PEER(EP_P1, EP_RA, 60), .mangle = M_DF }, { CHAN_TO_CA(CH_P1) },
	  EV_NONE, { C_(relay_peer_to_channel) } },
	{ "Peer datagram with DF, permission only -> Data indication with DF",
	  W_STD, { PEER(EP_PFAR, EP_RA, 60), .mangle = M_DF },
	  { DATA_TO_CA(EP_PFAR) }, EV_NONE, { C_(relay_peer_to_data) } },
	{ "ChannelData with UDP checksum 0 (none) -> relayed",
	  W_STD, { CD(CH_P1, 50), .mangle = M_UDP_CKSUM_ZERO }, { TO_PEER(EP_P1) },
	  EV_NONE, { C_(relay_channel_to_peer) } },
	{ "ChannelData with 1472 data bytes -> a full 1514-byte frame",
	  W_STD, { CD(CH_P1, 1472) }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	{ "ChannelData to an off-link peer -> to the gateway's MAC",
	  W_STD, { CD(CH_PFAR2, 64) }, { TO_PEER(EP_PFAR2) }, EV_NONE,
	  { C_(relay_channel_to_peer) } },
	/* 2: Send indication with a permission */
	{ "Send indication with permission -> datagram to the peer",
	  W_STD, { SEND(EP_P1, 100) }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_send_to_peer) }, true },
	{ "Send indication to an off-link peer -> to the gateway's MAC",
	  W_STD, { SEND(EP_PFAR, 77) }, { TO_PEER(EP_PFAR) }, EV_NONE,
	  { C_(relay_send_to_peer) } },
	{ "Send indication with empty DATA -> empty datagram",
	  W_STD, { SEND(EP_P1, 0) }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_send_to_peer) } },
	{ "Send indication with 5 data bytes (padded in STUN) -> 5-byte datagram",
	  W_STD, { SEND(EP_P1, 5) }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_send_to_peer) } },
	{ "Send indication ending in FINGERPRINT -> relayed",
	  W_STD, { SEND(EP_P1, 21), .fingerprint = true }, { TO_PEER(EP_P1) }, EV_NONE,
	  { C_(relay_send_to_peer) } },
	{ "Send indication with DONT-FRAGMENT -> DF set (RFC 8656 11.2 and 14)",
	  W_STD, { SEND(EP_P1, 30), .extra_attr = STUN_ATTR_DONT_FRAGMENT },
	  { TO_PEER(EP_P1), .df = true }, EV_NONE, { C_(relay_send_to_peer) } },
	{ "Send indication with an unknown comprehension-required attribute -> "
	  "discarded (RFC 8489 6.3)",
	  W_STD, { SEND(EP_P1, 30), .extra_attr = 0x0030 }, { OUT_NONE }, EV_NONE,
	  { DROP_(bad_stun) } },
	/* 3: Send indication without a permission, and broken ones */
	{ "Send indication without permission -> no_permission",
	  W_STD, { SEND(EP_P2, 40) }, { OUT_NONE }, EV_NONE, { DROP_(no_permission) } },
	/* 3b: to our own address outside the relay range (the control plane
	 * may permit the IP: a permission has no port) */
	{ "Send indication to our listening address -> peer_is_us",
	  W_STD | W_A_SELF, { SEND(EP_LISTEN, 40) }, { OUT_NONE }, EV_NONE,
	  { DROP_(peer_is_us) } },
	{ "Send indication to our relay IP below the relay range -> peer_is_us",
	  W_STD | W_A_SELF, { SEND(EP_R_BELOW, 40) }, { OUT_NONE }, EV_NONE,
	  { DROP_(peer_is_us) } },
	{ "ChannelData bound to our listening address -> peer_is_us",
	  W_STD | W_A_SELF, { CD(CH_SELF, 40) }, { OUT_NONE }, EV_NONE,
	  { DROP_(peer_is_us) } },
	{ "Send indication without XOR-PEER-ADDRESS -> send_no_peer",
	  W_STD, { SEND(EP_NONE, 40) }, { OUT_NONE }, EV_NONE, { DROP_(send_no_peer) } },
	{ "Send indication without DATA -> send_no_peer",
	  W_STD, { SEND(EP_P1, 40), .no_data = true }, { OUT_NONE }, EV_NONE,
	  { DROP_(send_no_peer) } },
	{ "Send indication from an unknown 5-tuple -> no_allocation",
	  W_STD, { SENDX(EP_CX, EP_P1, 40) }, { OUT_NONE }, EV_NONE,
	  { DROP_(no_allocation) } },
	{ "Send indication whose length field is 4 too long -> bad_stun",
	  W_STD, { SEND(EP_P1, 40), .len_adj = 4 }, { OUT_NONE }, EV_NONE,
	  { DROP_(bad_stun) } },
	/* 4: peer datagram, channel bound */
	{ "Peer datagram, channel bound -> ChannelData to the client",
	  W_STD, { PEER(EP_P1, EP_RA, 100) }, { CHAN_TO_CA(CH_P1) }, EV_NONE,
	  { C_(relay_peer_to_channel) }, true },
	{ "Peer datagram of 3 bytes, channel bound -> ChannelData, no padding",
	  W_STD, { PEER(EP_P1, EP_RA, 3) }, { CHAN_TO_CA(CH_P1) }, EV_NONE,
	  { C_(relay_peer_to_channel) } },
	{ "Empty peer datagram, channel bound -> empty ChannelData",
	  W_STD, { PEER(EP_P1, EP_RA, 0) }, { CHAN_TO_CA(CH_P1) }, EV_NONE,
	  { C_(relay_peer_to_channel) } },
	{ "Peer datagram of 1468 bytes, channel bound -> a full 1514-byte frame",
	  W_STD, { PEER(EP_P1, EP_RA, 1468) }, { CHAN_TO_CA(CH_P1) }, EV_NONE,
	  { C_(relay_peer_to_channel) } },
	{ "Peer datagram from a bound peer's IP, other port -> Data indication",
	  W_STD, { PEER(EP_P1_ALT, EP_RA, 20) }, { DATA_TO_CA(EP_P1_ALT) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	/* 5: peer datagram, permission but no channel */
	{ "Peer datagram, permission, no channel -> Data indication",
	  W_STD, { PEER(EP_PFAR, EP_RA, 100) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) }, true },
	{ "Peer datagram of 1 byte -> Data indication padded with 3 zeros",
	  W_STD, { PEER(EP_PFAR, EP_RA, 1) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	{ "Peer datagram of 2 bytes -> Data indication padded with 2 zeros",
	  W_STD, { PEER(EP_PFAR, EP_RA, 2) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	{ "Peer datagram of 3 bytes -> Data indication padded with 1 zero",
	  W_STD, { PEER(EP_PFAR, EP_RA, 3) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	{ "Peer datagram of 5 bytes -> Data indication padded with 3 zeros",
	  W_STD, { PEER(EP_PFAR, EP_RA, 5) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	{ "Peer datagram of 1436 bytes -> a full 1514-byte Data indication frame",
	  W_STD, { PEER(EP_PFAR, EP_RA, 1436) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	{ "Empty peer datagram -> Data indication with empty DATA",
	  W_STD, { PEER(EP_PFAR, EP_RA, 0) }, { DATA_TO_CA(EP_PFAR) }, EV_NONE,
	  { C_(relay_peer_to_data) } },
	/* 6: peer datagrams we drop */
	{ "Peer datagram without permission -> no_permission",
	  W_STD, { PEER(EP_P2, EP_RA, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(no_permission) }, true },
	{ "Peer datagram to an unallocated relay port -> no_allocation",
	  W_STD, { PEER(EP_P1, EP_R_FREE, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(no_allocation) } },
	{ "Peer datagram to A's port on the other relay IP -> no_allocation",
	  W_STD, { PEER(EP_P1, EP_RA_IP1, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(no_allocation) } },
	{ "Peer datagram to a relay IP below the relay port range -> not_our_address",
	  W_STD, { PEER(EP_P1, EP_R_BELOW, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(not_our_address) } },
	{ "Datagram to an IP that is not ours -> not_our_address",
	  W_STD, { PEER(EP_P1, EP_OTHER, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(not_our_address) } },
	{ "ChannelData to the listening IP on another port -> not_our_address",
	  W_STD, { CDX(EP_CA, EP_LISTEN_BADPORT, CH_P1, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(not_our_address) } },
	/* 7: ChannelData we drop */
	{ "ChannelData on an unbound channel -> no_channel",
	  W_STD, { CD(0x4009, 30) }, { OUT_NONE }, EV_NONE, { DROP_(no_channel) } },
	{ "ChannelData on reserved channel 0x5000 -> bad_channel_data",
	  W_STD, { CD(0x5000, 30) }, { OUT_NONE }, EV_NONE, { DROP_(bad_channel_data) } },
	{ "ChannelData whose length runs past the datagram -> bad_channel_data",
	  W_STD, { CD(CH_P1, 30), .len_adj = 8 }, { OUT_NONE }, EV_NONE,
	  { DROP_(bad_channel_data) } },
	{ "ChannelData with 4 bytes after the data -> bad_channel_data",
	  W_STD, { CD(CH_P1, 30), .pad = 4 }, { OUT_NONE }, EV_NONE,
	  { DROP_(bad_channel_data) } },
	{ "ChannelData from an unknown 5-tuple -> no_allocation",
	  W_STD, { CDX(EP_CX, EP_LISTEN, CH_P1, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(no_allocation) } },
	{ "ChannelData on a channel whose peer has no permission -> no_permission",
	  W_STD | W_A_P2_CH, { CD(CH_P2, 30) }, { OUT_NONE }, EV_NONE,
	  { DROP_(no_permission) } },
	/* 8, 9: STUN from clients */
	{ "Binding request -> punted to the control plane",
	  W_STD, { STUN(0x0001) }, { OUT_NONE }, EV_PACKET, { C_(punted) }, true },
	{ "Allocate request from a client without allocation -> punted",
	  W_STD, { STUNX(EP_CX, 0x0003) }, { OUT_NONE }, EV_PACKET, { C_(punted) } },
	{ "Binding success response from a client -> stun_not_request",
	  W_STD, { STUN(0x0101) }, { OUT_NONE }, EV_NONE, { DROP_(stun_not_request) } },
	{ "Binding error response from a client -> stun_not_request",
	  W_STD, { STUN(0x0111) }, { OUT_NONE }, EV_NONE, { DROP_(stun_not_request) } },
	{ "Binding indication from a client -> stun_not_request",
	  W_STD, { STUN(0x0011) }, { OUT_NONE }, EV_NONE, { DROP_(stun_not_request) } },
	{ "Data indication from a client -> stun_not_request",
	  W_STD, { STUN(0x0017) }, { OUT_NONE }, EV_NONE, { DROP_(stun_not_request) } },
	{ "Neither STUN nor ChannelData (first byte 0x80) -> bad_stun",
	  W_STD, { PEER(EP_CA, EP_LISTEN, 24), .lead = { 0x80 }, .n_lead = 1 },
	  { OUT_NONE }, EV_NONE, { DROP_(bad_stun) } },
	{ "STUN-like header with a wrong magic cookie -> bad_stun",
	  W_STD, { PEER(EP_CA, EP_LISTEN, 20),
		   .lead = { 0x00, 0x01, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef }, .n_lead = 8 },
	  { OUT_NONE }, EV_NONE, { DROP_(bad_stun) } },
	/* 11: ARP */
	{ "ARP request for the listening IP -> reply; sender learned",
	  W_STD, { ARP(1, EP_P2, EP_LISTEN) }, { OUT_ARP_REPLY }, EV_NEIGH,
	  { C_(arp_replied), C_(arp_learned) }, true },
	{ "ARP request for a relay IP -> reply",
	  W_STD, { ARP(1, EP_P2, EP_RB) }, { OUT_ARP_REPLY }, EV_NEIGH,
	  { C_(arp_replied), C_(arp_learned) } },
	{ "ARP request from a known neighbour -> reply, nothing new learned",
	  W_STD, { ARP(1, EP_P1, EP_LISTEN) }, { OUT_ARP_REPLY }, EV_NONE,
	  { C_(arp_replied) } },
	{ "ARP reply to us -> sender learned, nothing sent",
	  W_STD, { ARP(2, EP_P2, EP_LISTEN) }, { OUT_NONE }, EV_NEIGH,
	  { C_(arp_learned) } },
	{ "ARP probe (sender IP 0.0.0.0) for our IP -> answered, so the prober sees "
	  "the address is taken (RFC 5227 2.1.1; RFC 826)",
	  W_STD, { ARP(1, EP_ZERO, EP_LISTEN) }, { OUT_ARP_REPLY }, EV_NONE,
	  { C_(arp_replied) } },
	{ "ARP request for another IP -> bad_arp",
	  W_STD, { ARP(1, EP_P2, EP_OTHER) }, { OUT_NONE }, EV_NONE, { DROP_(bad_arp) } },
	{ "ARP request with hardware length 8 -> bad_arp",
	  W_STD, { ARP(1, EP_P2, EP_LISTEN), .mangle = M_ARP_HLEN }, { OUT_NONE },
	  EV_NONE, { DROP_(bad_arp) } },
	{ "ARP request cut short -> bad_arp",
	  W_STD, { ARP(1, EP_P2, EP_LISTEN), .mangle = M_ARP_TRUNC }, { OUT_NONE },
	  EV_NONE, { DROP_(bad_arp) } },
	/* 15: malformed frames */
	{ "Truncated Ethernet header (10 bytes) -> bad_ip", BROKEN(M_TRUNC_ETH, bad_ip) },
	{ "Ethernet header only -> bad_ip", BROKEN(M_ETH_ONLY, bad_ip) },
	{ "Frame ends inside the IPv4 header -> bad_ip", BROKEN(M_TRUNC_IP, bad_ip) },
	{ "Frame for another MAC -> not_for_us", BROKEN(M_OTHER_MAC, not_for_us) },
	{ "An IPv4 packet under the IPv6 ethertype -> bad_ip",
	  BROKEN(M_ETHERTYPE_V6, bad_ip) },
	{ "VLAN-tagged frame -> bad_ethertype", BROKEN(M_VLAN, bad_ethertype) },
	{ "IP version 6 under the IPv4 ethertype -> bad_ip", BROKEN(M_IP_VERSION, bad_ip) },
	{ "Bad IPv4 header checksum -> bad_ip", BROKEN(M_IP_CKSUM, bad_ip), true },
	{ "IHL 4 -> bad_ip", BROKEN(M_IHL_4, bad_ip) },
	{ "IHL 15, longer than the packet -> bad_ip", BROKEN(M_IHL_15, bad_ip) },
	{ "IPv4 total length past the frame -> bad_ip", BROKEN(M_TOTLEN_PAST, bad_ip) },
	{ "IPv4 more-fragments flag -> ip_fragment", BROKEN(M_MF, ip_fragment) },
	{ "IPv4 fragment offset 128 -> ip_fragment", BROKEN(M_FRAG_OFF, ip_fragment) },
	{ "ICMP -> not_udp", BROKEN(M_ICMP, not_udp) },
	{ "UDP length past the IP payload -> bad_udp", BROKEN(M_UDPLEN_PAST, bad_udp) },
	{ "UDP length 7 -> bad_udp", BROKEN(M_UDPLEN_SHORT, bad_udp) },
	{ "Bad UDP checksum -> bad_udp (never relay corrupted data under a fresh checksum)",
	  BROKEN(M_UDP_CKSUM_BAD, bad_udp) },
};
/* clang-format on */

/* ------------------------------------------------------------------ */
/* Workers, rings and commands                                         */
/* ------------------------------------------------------------------ */

static uint64_t
rd64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Workers as the server makes them (dp_plane_create), with small rings. */
static int
workers_create(struct env *e)
{
	const struct dp_plane_rings rings = {
		.cmd = CMD_RING_SIZE,
		.evt = EVT_RING_SIZE,
		.handoff = HANDOFF_RING_SIZE,
	};
	char err[256];

	e->seq++;
	e->pl = dp_plane_create(&e->params, e->port, &e->port_info, g_pool,
				g_lcores, &rings, err, sizeof(err));
	if (e->pl == NULL) {
		fprintf(stderr, "dp_plane_create: %s\n", err);
		return -1;
	}
	e->sh = e->pl->sh;
	e->ws = e->pl->workers;
	/* Data indications' transaction IDs, fixed so frames can be compared. */
	for (uint16_t i = 0; i < e->n; i++) {
		e->ws[i].tid_prefix[0] = 0x7e;
		e->ws[i].tid_prefix[1] = 0x57;
		e->ws[i].tid_prefix[2] = 0x1d;
		e->ws[i].tid_prefix[3] = (uint8_t)i;
	}
	e->running = false;
	e->soft_fail = 0;
	memset(e->cmds_sent, 0, sizeof(e->cmds_sent));
	e->in_use_start = rte_mempool_in_use_count(g_pool);
	return 0;
}

static void
live_stop(struct env *e)
{
	if (!e->running)
		return;
	dp_plane_stop(e->pl);
	e->running = false;
}

static void
live_start(struct env *e)
{
	assert_int_equal(dp_plane_launch(e->pl), 0);
	e->running = true;
}

/* Free every mbuf a ring of mbuf pointers holds; @return how many. */
static unsigned int
ring_flush_mbufs(struct rte_ring *r)
{
	unsigned int n = 0;
	void *m;

	while (rte_ring_dequeue(r, &m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

/* The port's rings emptied, then the plane (which frees what it holds). */
static int
workers_destroy(struct env *e)
{
	if (e->pl == NULL)
		return 0;
	live_stop(e);
	for (uint16_t q = 0; q < e->n; q++) {
		ring_flush_mbufs(e->rxr[q]);
		ring_flush_mbufs(e->txr[q]);
	}
	dp_plane_destroy(e->pl);
	e->pl = NULL;
	e->sh = NULL;
	e->ws = NULL;
	return 0;
}

/* Every ring empty, no soft failure, every mbuf back in the pool. */
static void
env_check_clean(struct env *e)
{
	unsigned int left = 0;

	live_stop(e);
	for (uint16_t q = 0; q < e->n; q++)
		left += rte_ring_count(e->rxr[q]) + rte_ring_count(e->txr[q]) +
			rte_ring_count(e->xrxr[q]) + rte_ring_count(e->xtxr[q]);
	for (uint16_t i = 0; i < e->n; i++) {
		struct dp_worker *w = &e->ws[i];

		left += rte_ring_count(w->cmd_ring) +
			rte_ring_count(w->evt_ring) + w->n_tx + w->n_xtx;
		for (uint16_t j = 0; j < e->n; j++)
			if (w->handoff_out[j] != NULL)
				left += rte_ring_count(w->handoff_out[j]);
	}
	if (left != 0)
		print_error("%u frames, commands or events were left over\n",
			    left);
	assert_int_equal(left, 0);
	if (e->soft_fail != 0)
		fail_msg("%u counter expectations failed (see above)",
			 e->soft_fail);
	assert_int_equal(rte_mempool_in_use_count(g_pool), e->in_use_start);
}

static void
cmd_put(struct env *e, uint16_t wid, const struct dp_cmd *c)
{
	assert_int_equal(rte_ring_sp_enqueue_elem(e->ws[wid].cmd_ring,
						  (void *)(uintptr_t)c,
						  sizeof(*c)),
			 0);
	e->cmds_sent[wid]++;
}

static void
cmd_alloc_add(struct env *e, uint16_t wid, uint32_t slot, uint32_t gen,
	      enum ep client, enum ep relay, uint32_t lifetime_ms,
	      uint32_t max_bps)
{
	struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };

	c.u.alloc_add.ref.slot = slot;
	c.u.alloc_add.ref.gen = gen;
	c.u.alloc_add.client = ep_addr(e, client);
	c.u.alloc_add.server = ep_addr(e, EP_LISTEN);
	c.u.alloc_add.relay = ep_addr(e, relay);
	memcpy(c.u.alloc_add.client_mac, ep_mac(client), DP_MAC_LEN);
	c.u.alloc_add.lifetime_ms = lifetime_ms;
	c.u.alloc_add.max_bps = max_bps;
	cmd_put(e, wid, &c);
}

/* A permission; the allocation may hold @max_blocks overflow blocks. */
static void
cmd_perm_max(struct env *e, uint16_t wid, uint32_t slot, uint32_t gen,
	     uint32_t ip, uint32_t lifetime_ms, uint8_t max_blocks)
{
	struct dp_cmd c = { .type = DP_CMD_PERM_SET };

	c.u.perm.ref.slot = slot;
	c.u.perm.ref.gen = gen;
	c.u.perm.peer = tp_ip_v4(ip);
	c.u.perm.lifetime_ms = lifetime_ms;
	c.u.perm.max_blocks = max_blocks;
	cmd_put(e, wid, &c);
}

/* A permission, with room for as many blocks as it likes. */
static void
cmd_perm(struct env *e, uint16_t wid, uint32_t slot, uint32_t gen, uint32_t ip,
	 uint32_t lifetime_ms)
{
	cmd_perm_max(e, wid, slot, gen, ip, lifetime_ms, UINT8_MAX);
}

static void
cmd_chan(struct env *e, uint16_t wid, uint32_t slot, uint32_t gen,
	 uint16_t channel, struct tp_addr peer, uint32_t lifetime_ms)
{
	struct dp_cmd c = { .type = DP_CMD_CHAN_SET };

	c.u.chan.ref.slot = slot;
	c.u.chan.ref.gen = gen;
	c.u.chan.peer = peer;
	c.u.chan.channel = channel;
	c.u.chan.lifetime_ms = lifetime_ms;
	c.u.chan.max_blocks = UINT8_MAX;
	cmd_put(e, wid, &c);
}

/* DP_CMD_ALLOC_DEL / DP_CMD_ALLOC_REFRESH. */
static void
cmd_ref(struct env *e, uint16_t wid, uint32_t type, uint32_t slot, uint32_t gen,
	uint32_t lifetime_ms)
{
	struct dp_cmd c = { .type = type };

	c.u.alloc.ref.slot = slot;
	c.u.alloc.ref.gen = gen;
	c.u.alloc.lifetime_ms = lifetime_ms;
	cmd_put(e, wid, &c);
}

static void
cmd_neigh_all(struct env *e, uint32_t ip, const uint8_t *mac)
{
	struct dp_cmd c = { .type = DP_CMD_NEIGH_SET };

	c.u.neigh.ip = tp_ip_v4(ip);
	memcpy(c.u.neigh.mac, mac, DP_MAC_LEN);
	for (uint16_t i = 0; i < e->n; i++)
		cmd_put(e, i, &c);
}

/*
 * Apply the queued commands: directly at TSC @now (kept in e->t0), or,
 * with the workers running, wait until their loops have drained them.
 * Either way every command must have been counted, and the workers'
 * cmd_failed counters must add up to @expect_failed.
 */
static void
commit_at(struct env *e, uint64_t now, uint64_t expect_failed)
{
	uint64_t failed = 0;

	if (e->running) {
		uint64_t end = rte_get_timer_cycles() +
			       rte_get_timer_hz() * WAIT_MS / 1000;
		bool done = false;

		while (!done && rte_get_timer_cycles() < end) {
			done = true;
			for (uint16_t i = 0; i < e->n; i++)
				if (rd64(&e->ws[i].stats.c[DP_C_cmds]) <
				    e->cmds_sent[i])
					done = false;
			if (!done)
				rte_delay_us_sleep(100);
		}
	} else {
		e->t0 = now;
		for (uint16_t i = 0; i < e->n; i++) {
			e->ws[i].now = e->t0;
			dp_cmd_drain(&e->ws[i]);
		}
	}
	for (uint16_t i = 0; i < e->n; i++) {
		assert_int_equal(rd64(&e->ws[i].stats.c[DP_C_cmds]),
				 e->cmds_sent[i]);
		failed += rd64(&e->ws[i].stats.drop[DP_DROP_cmd_failed]);
	}
	assert_int_equal(failed, expect_failed);
}

static void
commit_cmds(struct env *e, uint64_t expect_failed)
{
	commit_at(e, rte_rdtsc(), expect_failed);
}

static void
world_install(struct env *e, unsigned int world)
{
	uint16_t a = e->owner_a;

	/* Neighbours first: a permission for an unresolved peer starts ARP. */
	if (world & W_NEIGH) {
		cmd_neigh_all(e, IP_P1, mac_p1);
		cmd_neigh_all(e, IP_GW, mac_gw);
	}
	if (world & W_A)
		cmd_alloc_add(e, a, SLOT_A, GEN_A, EP_CA, EP_RA, LIFETIME_MS, 0);
	if (world & W_B)
		cmd_alloc_add(e, e->owner_b, SLOT_B, GEN_B, EP_CB, EP_RB,
			      LIFETIME_MS, 0);
	if (world & W_A_P1) {
		cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, LIFETIME_MS);
		cmd_chan(e, a, SLOT_A, GEN_A, CH_P1, ep_addr(e, EP_P1),
			 LIFETIME_MS);
	}
	if (world & W_A_FAR) {
		cmd_perm(e, a, SLOT_A, GEN_A, IP_PFAR, LIFETIME_MS);
		cmd_perm(e, a, SLOT_A, GEN_A, IP_PFAR2, LIFETIME_MS);
		cmd_chan(e, a, SLOT_A, GEN_A, CH_PFAR2, ep_addr(e, EP_PFAR2),
			 LIFETIME_MS);
	}
	if (world & W_A_P2_CH)
		cmd_chan(e, a, SLOT_A, GEN_A, CH_P2, ep_addr(e, EP_P2),
			 LIFETIME_MS);
	if (world & W_A_SELF) {
		cmd_perm(e, a, SLOT_A, GEN_A, IP_LISTEN, LIFETIME_MS);
		cmd_perm(e, a, SLOT_A, GEN_A, IP_RELAY0, LIFETIME_MS);
		cmd_chan(e, a, SLOT_A, GEN_A, CH_SELF, ep_addr(e, EP_LISTEN),
			 LIFETIME_MS);
	}
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

static void
snap(const struct env *e, struct dp_stats *s)
{
	for (uint16_t i = 0; i < e->n; i++)
		for (unsigned int k = 0; k < DP_C__COUNT; k++)
			s[i].c[k] = rd64(&e->ws[i].stats.c[k]);
	for (uint16_t i = 0; i < e->n; i++)
		for (unsigned int k = 0; k < DP_DROP__COUNT; k++)
			s[i].drop[k] = rd64(&e->ws[i].stats.drop[k]);
	for (uint16_t i = 0; i < e->n; i++)
		for (unsigned int k = 0; k < DP_DIR__COUNT; k++)
			s[i].relayed_bytes[k] =
				rd64(&e->ws[i].stats.relayed_bytes[k]);
}

/*
 * Every counter of every worker moved by exactly @want since @before.
 * A mismatch is reported and counted, and fails the case at its end, so
 * one case still reports everything it sees.
 */
static void
stats_check(struct env *e, const struct dp_stats *before,
	    const struct dp_stats *want, const char *what)
{
	struct dp_stats now[MAX_W];

	snap(e, now);
	for (uint16_t i = 0; i < e->n; i++) {
		for (unsigned int k = 0; k < DP_C__COUNT; k++) {
			uint64_t d = now[i].c[k] - before[i].c[k];

			if (d == want[i].c[k])
				continue;
			print_error("%s: worker %u counter %s moved by %" PRIu64
				    ", expected %" PRIu64 "\n",
				    what, i, dp_counter_name((enum dp_counter)k),
				    d, want[i].c[k]);
			e->soft_fail++;
		}
		for (unsigned int k = 0; k < DP_DROP__COUNT; k++) {
			uint64_t d = now[i].drop[k] - before[i].drop[k];

			if (d == want[i].drop[k])
				continue;
			print_error("%s: worker %u drop %s moved by %" PRIu64
				    ", expected %" PRIu64 "\n",
				    what, i, dp_drop_name((enum dp_drop)k), d,
				    want[i].drop[k]);
			e->soft_fail++;
		}
	}
}

#define WANT_C(want, w, name, v) ((want)[(w)].c[DP_C_##name] += (v))
#define WANT_D(want, w, name, v) ((want)[(w)].drop[DP_DROP_##name] += (v))

/* ------------------------------------------------------------------ */
/* Building inputs and expected outputs                                */
/* ------------------------------------------------------------------ */

/* The application data of an input: its lead bytes, then a pattern. */
static uint16_t
app_data(const struct in_spec *in, uint8_t *buf)
{
	for (uint16_t i = 0; i < in->len; i++)
		buf[i] = i < in->n_lead ? in->lead[i] :
					  (uint8_t)(0x5A ^ (i * 29 + in->len));
	return in->len;
}

/* clang-format off */
static struct hdr_opts
mangle_ip(enum mangle m)
{
	struct hdr_opts o = { 0 };

	switch (m) {
	case M_IP_OPTIONS: o.opt_words = 1; break;
	case M_DF: o.frag = 0x4000; break;
	case M_UDP_CKSUM_ZERO: o.cksum = CK_ZERO_UDP; break;
	case M_IP_VERSION: o.version = 6; break;
	case M_IP_CKSUM: o.cksum = CK_BAD_IP; break;
	case M_IHL_4: o.ihl_field = 4; break;
	case M_IHL_15: o.ihl_field = 15; break;
	case M_TOTLEN_PAST: o.tot_adj = 1; break;
	case M_MF: o.frag = 0x2000; break;
	case M_FRAG_OFF: o.frag = 0x0010; break;
	case M_ICMP: o.proto = 1; break;
	case M_UDPLEN_PAST: o.udp_len_adj = 1; break;
	case M_UDPLEN_SHORT: o.udp_len = 7; break;
	case M_UDP_CKSUM_BAD: o.cksum = CK_BAD_UDP; break;
	default: break;
	}
	return o;
}

static void
mangle_frame(enum mangle m, struct frame *f)
{
	switch (m) {
	case M_ETH_PAD:
		if (f->len < 60)
			f->len = 60; /* the bytes past the end are zero */
		break;
	case M_TRUNC_ETH: f->len = 10; break;
	case M_ETH_ONLY: f->len = ETH_LEN; break;
	case M_TRUNC_IP: f->len = ETH_LEN + 10; break;
	case M_OTHER_MAC: memcpy(f->b, mac_stranger, DP_MAC_LEN); break;
	case M_ETHERTYPE_V6: put16(f->b + 12, 0x86DD); break;
	case M_VLAN:
		memmove(f->b + 16, f->b + 12, (size_t)f->len - 12);
		put16(f->b + 12, 0x8100);
		put16(f->b + 14, 100);
		f->len = (uint16_t)(f->len + 4);
		break;
	case M_ARP_HLEN: f->b[ETH_LEN + 4] = 8; break;
	case M_ARP_TRUNC: f->len = ETH_LEN + 20; break;
	default: break;
	}
}
/* clang-format on */

/* A Send indication (RFC 8656 section 11.1) carrying @data. */
static uint16_t
send_indication(const struct env *e, const struct in_spec *in,
		const uint8_t *data, uint16_t dlen, uint8_t *out)
{
	static const uint8_t tid[STUN_TID_LEN] = { 0x53, 0x45, 0x4e, 0x44, 1, 2,
						   3,    4,    5,    6,    7, 8 };
	static const uint8_t none[1];
	struct stun_builder b;
	int n;

	stun_build_init(&b, out, FRAME_MAX - 64,
			stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION), tid);
	if (in->peer != EP_NONE) {
		struct tp_addr p = ep_addr(e, in->peer);

		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &p);
	}
	if (!in->no_data)
		stun_build_attr(&b, STUN_ATTR_DATA, dlen ? data : none, dlen);
	if (in->extra_attr != 0)
		stun_build_attr(&b, in->extra_attr, none, 0);
	if (in->fingerprint)
		stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n >= STUN_HEADER_LEN);
	put16(out + 2, (uint16_t)(get16(out + 2) + in->len_adj));
	return (uint16_t)n;
}

/* A STUN message of @type with a SOFTWARE attribute. */
static uint16_t
stun_plain(uint16_t type, uint8_t *out)
{
	static const uint8_t tid[STUN_TID_LEN] = { 0x47, 0x4f, 0x4c, 0x44, 9, 8,
						   7,    6,    5,    4,    3, 2 };
	struct stun_builder b;
	int n;

	stun_build_init(&b, out, FRAME_MAX - 64, type, tid);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "golden", 6);
	n = stun_build_finish(&b);
	assert_true(n > STUN_HEADER_LEN);
	return (uint16_t)n;
}

static void
build_input(const struct env *e, const struct in_spec *in, struct frame *f)
{
	uint8_t data[FRAME_MAX], pl[FRAME_MAX];
	uint16_t dlen = app_data(in, data), plen = 0;
	struct tp_addr src, dst;
	struct hdr_opts o = mangle_ip(in->mangle);

	switch (in->kind) {
	case IN_ARP:
		frame_arp(f, in->arp_op == 1 ? mac_bcast : e->sh->mac.addr_bytes,
			  ep_mac(in->src), in->arp_op, ep_mac(in->src),
			  ep_ip(e, in->src),
			  in->arp_op == 1 ? mac_zero : e->sh->mac.addr_bytes,
			  ep_ip(e, in->arp_target));
		f->len = 60; /* as it comes off the wire: padded */
		mangle_frame(in->mangle, f);
		return;
	case IN_CHANDATA:
		/* RFC 8656 section 12.4: number, length, data, padding */
		put16(pl, in->channel);
		put16(pl + 2, (uint16_t)(dlen + in->len_adj));
		memcpy(pl + 4, data, dlen);
		memset(pl + 4 + dlen, in->pad_fill, in->pad);
		plen = (uint16_t)(4 + dlen + in->pad);
		break;
	case IN_SEND:
		plen = send_indication(e, in, data, dlen, pl);
		break;
	case IN_STUN:
		plen = stun_plain(in->stun_type, pl);
		break;
	case IN_RAW:
		memcpy(pl, data, dlen);
		plen = dlen;
		break;
	}
	src = ep_addr(e, in->src);
	dst = ep_addr(e, in->dst);
	frame_udp4(f, e->sh->mac.addr_bytes, ep_mac(in->src), &src, &dst, pl,
		   plen, &o);
	mangle_frame(in->mangle, f);
}

static struct in_spec
in_chan(enum ep from, uint16_t ch, uint16_t len)
{
	struct in_spec in = { .kind = IN_CHANDATA,
			      .src = from,
			      .dst = EP_LISTEN,
			      .channel = ch,
			      .len = len };

	return in;
}

static struct in_spec
in_send(enum ep from, enum ep peer, uint16_t len)
{
	struct in_spec in = { .kind = IN_SEND,
			      .src = from,
			      .dst = EP_LISTEN,
			      .peer = peer,
			      .len = len };

	return in;
}

static struct in_spec
in_peer(enum ep from, enum ep to, uint16_t len)
{
	struct in_spec in = { .kind = IN_RAW, .src = from, .dst = to, .len = len };

	return in;
}

/*
 * A Data indication must be the one our own encoder makes for the same
 * peer and data, with the transaction ID the fast path chose (RFC 8656
 * section 11.4); and it must decode, with the XOR-PEER-ADDRESS bytes
 * exactly as RFC 8489 section 14.2 derives them from that ID.
 */
static void
check_data_indication(const struct env *e, const struct out_frame *got,
		      enum ep client, const struct tp_addr *peer,
		      const uint8_t *data, uint16_t dlen, bool df,
		      const char *what)
{
	uint8_t msg[FRAME_MAX], xaddr[8];
	const uint8_t *stun = got->b + UDP4_LEN, *v;
	struct tp_addr listen = ep_addr(e, EP_LISTEN), cl = ep_addr(e, client), p;
	const struct hdr_opts out_hdr = {
		.frag = (uint16_t)(OUT_FRAG | (df ? IPV4_DF : 0))
	};
	struct stun_builder b;
	struct stun_msg m;
	struct frame want;
	uint16_t vlen;
	int n;

	assert_true(got->len >= UDP4_LEN + STUN_HEADER_LEN);
	stun_build_init(&b, msg, sizeof(msg),
			stun_type(STUN_METHOD_DATA, STUN_CLASS_INDICATION),
			stun + 8);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	stun_build_attr(&b, STUN_ATTR_DATA, dlen ? data : msg, dlen);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	frame_udp4(&want, ep_mac(client), e->sh->mac.addr_bytes, &listen, &cl,
		   msg, (uint16_t)n, &out_hdr);
	check_cksums(got->b, got->len);
	frame_eq(got, &want, what);

	assert_int_equal(stun_msg_decode(&m, stun, (size_t)got->len - UDP4_LEN),
			 STUN_OK);
	assert_int_equal(m.method, STUN_METHOD_DATA);
	assert_int_equal(m.cls, STUN_CLASS_INDICATION);
	assert_int_equal(stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_PEER_ADDRESS, &p),
			 0);
	assert_true(tp_addr_equal(&p, peer));
	v = stun_msg_value(&m, STUN_SLOT_DATA, &vlen);
	assert_non_null(v);
	assert_int_equal(vlen, dlen);
	if (dlen > 0)
		assert_memory_equal(v, data, dlen);
	for (uint16_t i = dlen; i % 4 != 0; i++)
		assert_int_equal(v[i], 0); /* padding is zeros */
	/* XOR-PEER-ADDRESS first: family 1, port ^ 0x2112, IP ^ cookie. */
	xaddr[0] = 0;
	xaddr[1] = 1;
	put16(xaddr + 2, (uint16_t)(peer->port ^ 0x2112));
	for (int i = 0; i < 4; i++)
		xaddr[4 + i] = peer->ip.bytes[i] ^ stun[4 + i];
	assert_int_equal(get16(stun + 20), STUN_ATTR_XOR_PEER_ADDRESS);
	assert_int_equal(get16(stun + 22), 8);
	assert_memory_equal(stun + 24, xaddr, 8);
}

/* The datagram a relayed address @from sends to @to carrying @data. */
static void
want_to_peer(const struct env *e, enum ep from, enum ep to, const uint8_t *data,
	     uint16_t dlen, bool df, struct frame *f)
{
	struct tp_addr src = ep_addr(e, from), dst = ep_addr(e, to);
	struct hdr_opts o = { .frag = (uint16_t)(OUT_FRAG | (df ? IPV4_DF : 0)) };

	frame_udp4(f, ep_mac(to), e->sh->mac.addr_bytes, &src, &dst, data, dlen,
		   &o);
}

/* A ChannelData message from the listening address to @client. */
static void
want_chan(const struct env *e, enum ep client, uint16_t ch, const uint8_t *data,
	  uint16_t dlen, bool df, struct frame *f)
{
	struct tp_addr src = ep_addr(e, EP_LISTEN), dst = ep_addr(e, client);
	struct hdr_opts o = { .frag = (uint16_t)(OUT_FRAG | (df ? IPV4_DF : 0)) };
	uint8_t pl[FRAME_MAX];

	put16(pl, ch);
	put16(pl + 2, dlen);
	memcpy(pl + 4, data, dlen);
	frame_udp4(f, ep_mac(client), e->sh->mac.addr_bytes, &src, &dst, pl,
		   (uint16_t)(dlen + 4), &o);
}

/* Our ARP request for @target (RFC 826), from the first listening IP. */
static void
want_arp_request(const struct env *e, enum ep target, struct frame *f)
{
	frame_arp(f, mac_bcast, e->sh->mac.addr_bytes, 1, e->sh->mac.addr_bytes,
		  IP_LISTEN, mac_zero, ep_ip(e, target));
}

/* Check @got against the expectation @out for input @in. */
static void
check_output(const struct env *e, const struct in_spec *in,
	     const struct out_spec *out, const struct frame *in_frame,
	     const struct out_frame *got, const char *what)
{
	uint8_t data[FRAME_MAX];
	uint16_t dlen = app_data(in, data);
	bool in_df = in->mangle == M_DF; /* copied to what carries the data */
	struct frame want;
	struct tp_addr peer;

	switch (out->kind) {
	case OUT_TO_PEER:
		want_to_peer(e, out->src, out->dst, data, dlen,
			     out->df || in_df, &want);
		check_cksums(got->b, got->len);
		break;
	case OUT_CHAN_TO_CLIENT:
		want_chan(e, out->dst, out->channel, data, dlen, in_df, &want);
		check_cksums(got->b, got->len);
		break;
	case OUT_DATA_TO_CLIENT:
		peer = ep_addr(e, out->peer);
		check_data_indication(e, got, out->dst, &peer, data, dlen,
				      in_df, what);
		return;
	case OUT_ARP_REPLY:
		frame_arp(&want, ep_mac(in->src), e->sh->mac.addr_bytes, 2,
			  e->sh->mac.addr_bytes, ep_ip(e, in->arp_target),
			  ep_mac(in->src), ep_ip(e, in->src));
		want.len = in_frame->len; /* answered in place, padding kept */
		break;
	case OUT_ARP_REQUEST:
		want_arp_request(e, out->dst, &want);
		break;
	case OUT_NONE:
		fail_msg("%s: no output expected", what);
		return;
	}
	frame_eq(got, &want, what);
}

/* ------------------------------------------------------------------ */
/* Feeding frames and taking what comes out                            */
/* ------------------------------------------------------------------ */

static struct rte_mbuf *
mbuf_of(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, f->len);
	assert_non_null(p);
	memcpy(p, f->b, f->len);
	return m;
}

/* Direct path: one frame into worker @wid at TSC @now, then flush. */
static void
input_direct(struct env *e, uint16_t wid, const struct frame *f, uint64_t now)
{
	struct dp_worker *w = &e->ws[wid];

	w->now = now;
	dp_input(w, mbuf_of(f));
	dp_tx_flush(w);
}

static void
copy_out(struct out_frame *o, uint16_t q, struct rte_mbuf *m)
{
	uint32_t len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)FRAME_MAX);
	const void *p;

	o->q = q;
	o->len = (uint16_t)len;
	o->nb_segs = m->nb_segs;
	o->ol_flags = m->ol_flags;
	p = rte_pktmbuf_read(m, 0, len, o->b);
	if (p != NULL && p != o->b)
		memcpy(o->b, p, len);
}

/* Take every frame off the TX rings (up to @max kept); @return how many. */
static unsigned int
tx_take(struct env *e, struct out_frame *o, unsigned int max)
{
	unsigned int n = 0;
	void *p;

	for (uint16_t q = 0; q < e->n; q++) {
		while (rte_ring_dequeue(e->txr[q], &p) == 0) {
			if (n < max)
				copy_out(&o[n], q, p);
			n++;
			rte_pktmbuf_free(p);
		}
	}
	return n;
}

/* Take worker @wid's events; packet events keep their mbuf (caller frees). */
static unsigned int
evt_take(struct env *e, uint16_t wid, struct dp_evt *ev, unsigned int max)
{
	unsigned int n = 0;
	struct dp_evt tmp;

	while (rte_ring_sc_dequeue_elem(e->ws[wid].evt_ring, &tmp,
					sizeof(tmp)) == 0) {
		if (n < max)
			ev[n] = tmp;
		else if (tmp.type == DP_EVT_PACKET)
			rte_pktmbuf_free(tmp.u.packet.mbuf);
		n++;
	}
	return n;
}

static void
evt_release(struct dp_evt *ev, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (ev[i].type == DP_EVT_PACKET && ev[i].u.packet.mbuf != NULL) {
			rte_pktmbuf_free(ev[i].u.packet.mbuf);
			ev[i].u.packet.mbuf = NULL;
		}
}

/* A punted packet: its addresses, MAC, payload position and the frame. */
static void
check_punt(const struct env *e, struct dp_evt *ev, uint16_t at,
	   const struct in_spec *in, const struct frame *f)
{
	struct rte_mbuf *m = ev->u.packet.mbuf;
	struct tp_addr src = ep_addr(e, in->src), dst = ep_addr(e, in->dst);
	uint16_t ihl = (uint16_t)((f->b[ETH_LEN] & 0x0F) * 4);
	uint8_t copy[FRAME_MAX];
	uint32_t mlen;

	assert_int_equal(ev->type, DP_EVT_PACKET);
	assert_non_null(m);
	mlen = rte_pktmbuf_pkt_len(m);
	memcpy(copy, rte_pktmbuf_mtod(m, void *),
	       RTE_MIN(mlen, (uint32_t)FRAME_MAX));
	rte_pktmbuf_free(m);
	ev->u.packet.mbuf = NULL;
	assert_int_equal(ev->worker, at);
	assert_true(tp_addr_equal(&ev->u.packet.client, &src));
	assert_true(tp_addr_equal(&ev->u.packet.local, &dst));
	assert_memory_equal(ev->u.packet.client_mac, ep_mac(in->src), DP_MAC_LEN);
	assert_int_equal(ev->u.packet.data_off, ETH_LEN + ihl + 8);
	assert_int_equal(ev->u.packet.data_len, f->len - ETH_LEN - ihl - 8);
	assert_int_equal(mlen, f->len);
	assert_memory_equal(copy, f->b, f->len);
}

static void
check_neigh_evt(const struct env *e, const struct dp_evt *ev, uint16_t at,
		enum ep who)
{
	struct tp_ip ip = tp_ip_v4(ep_ip(e, who));

	assert_int_equal(ev->type, DP_EVT_NEIGH);
	assert_int_equal(ev->worker, at);
	assert_true(tp_ip_equal(&ev->u.neigh.ip, &ip));
	assert_memory_equal(ev->u.neigh.mac, ep_mac(who), DP_MAC_LEN);
}

/* ------------------------------------------------------------------ */
/* The real worker loop                                                */
/* ------------------------------------------------------------------ */

static void
live_inject(struct env *e, uint16_t q, const struct frame *f)
{
	assert_int_equal(rte_ring_sp_enqueue(e->rxr[q], mbuf_of(f)), 0);
}

static bool
live_idle(const struct env *e, unsigned int n_tx, unsigned int n_evt)
{
	unsigned int tx = 0, evt = 0, busy = 0;

	for (uint16_t q = 0; q < e->n; q++) {
		tx += rte_ring_count(e->txr[q]);
		busy += rte_ring_count(e->rxr[q]);
	}
	for (uint16_t i = 0; i < e->n; i++) {
		evt += rte_ring_count(e->ws[i].evt_ring);
		for (uint16_t j = 0; j < e->n; j++)
			if (e->ws[i].handoff_out[j] != NULL)
				busy += rte_ring_count(e->ws[i].handoff_out[j]);
	}
	return tx >= n_tx && evt >= n_evt && busy == 0;
}

/*
 * Wait (two seconds at most) until @n_tx frames and @n_evt events are out
 * and no frame waits in an RX or handoff ring; give anything unexpected
 * 20 ms to show; then, with @stop, stop the workers (each finishes the
 * burst it holds first).
 */
static void
live_wait(struct env *e, unsigned int n_tx, unsigned int n_evt, bool stop)
{
	uint64_t end =
		rte_get_timer_cycles() + rte_get_timer_hz() * WAIT_MS / 1000;
	bool ok;

	while (!(ok = live_idle(e, n_tx, n_evt)) && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(100);
	rte_delay_us_sleep(20000);
	if (stop)
		live_stop(e);
	if (!ok)
		fail_msg("workers did not produce %u frames and %u events in %d ms",
			 n_tx, n_evt, WAIT_MS);
}

/* ------------------------------------------------------------------ */
/* Golden cases                                                        */
/* ------------------------------------------------------------------ */

/* The worker a frame belongs to: it is fed there (no handoff in a row). */
static uint16_t
case_worker(const struct env *e, const struct in_spec *in)
{
	struct tp_addr src, dst;
	uint32_t ip;

	if (in->kind == IN_ARP)
		return 0;
	src = ep_addr(e, in->src);
	dst = ep_addr(e, in->dst);
	ip = tp_ip_v4_host(&dst.ip);
	if (ip == IP_LISTEN && dst.port == LISTEN_PORT)
		return dp_owner_of_client(&src, e->n);
	if ((ip == IP_RELAY0 || ip == IP_RELAY1) && dst.port >= MIN_PORT &&
	    dst.port <= MAX_PORT)
		return (uint16_t)(dst.port % e->n);
	return 0;
}

static void
check_case_events(struct env *e, const struct golden_case *c, uint16_t at,
		  const struct frame *in)
{
	struct dp_evt ev[4];
	unsigned int n;

	for (uint16_t i = 0; i < e->n; i++) {
		if (i == at)
			continue;
		n = evt_take(e, i, ev, 4);
		evt_release(ev, RTE_MIN(n, 4u));
		assert_int_equal(n, 0);
	}
	n = evt_take(e, at, ev, 4);
	if (n != (c->evt == EV_NONE ? 0u : 1u)) {
		evt_release(ev, RTE_MIN(n, 4u));
		fail_msg("%s: %u events, expected %u", c->what, n,
			 c->evt != EV_NONE);
	}
	if (c->evt == EV_PACKET)
		check_punt(e, &ev[0], at, &c->in, in);
	else if (c->evt == EV_NEIGH)
		check_neigh_evt(e, &ev[0], at, c->in.src);
}

static void
run_case(struct env *e, const struct golden_case *c, bool live)
{
	struct dp_stats before[MAX_W], want[MAX_W];
	struct out_frame out[MAX_OUT];
	uint16_t at = case_worker(e, &c->in);
	unsigned int n_want = c->out.kind != OUT_NONE, n;
	struct frame in;

	if (live)
		live_start(e);
	world_install(e, c->world);
	commit_cmds(e, 0);
	build_input(e, &c->in, &in);
	snap(e, before);
	memset(want, 0, sizeof(want));
	if (live) {
		live_inject(e, at, &in);
		live_wait(e, n_want, c->evt != EV_NONE, true);
		WANT_C(want, at, rx_packets, 1);
		WANT_C(want, at, rx_bytes, in.len);
	} else {
		input_direct(e, at, &in, e->t0);
	}
	n = tx_take(e, out, MAX_OUT);
	if (n != n_want)
		fail_msg("%s: %u frames out, expected %u", c->what, n, n_want);
	if (n_want > 0) {
		assert_int_equal(out[0].q, at);
		check_output(e, &c->in, &c->out, &in, &out[0], c->what);
		WANT_C(want, at, tx_packets, 1);
		WANT_C(want, at, tx_bytes, out[0].len);
	}
	check_case_events(e, c, at, &in);
	for (unsigned int i = 0; i < RTE_DIM(c->d) && c->d[i].n != 0; i++) {
		if (c->d[i].drop)
			want[at].drop[c->d[i].idx] += c->d[i].n;
		else
			want[at].c[c->d[i].idx] += c->d[i].n;
	}
	stats_check(e, before, want, c->what);
	env_check_clean(e);
}

static void
t_case(void **state)
{
	run_case(g_env, *state, false);
}

static void
t_case_live(void **state)
{
	run_case(g_env, *state, true);
}

/* Each frame of @want must be one of @got (any order), each used once. */
static void
match_frames(const struct out_frame *got, unsigned int n,
	     const struct frame *want, unsigned int m, const char *what)
{
	uint64_t used = 0;

	assert_int_equal(n, m);
	for (unsigned int i = 0; i < m; i++) {
		unsigned int j;

		for (j = 0; j < n; j++)
			if (!(used >> j & 1) && got[j].len == want[i].len &&
			    memcmp(got[j].b, want[i].b, want[i].len) == 0)
				break;
		if (j == n) {
			dump("missing", want[i].b, want[i].len, 0);
			fail_msg("%s: expected frame %u did not come out", what,
				 i);
		}
		used |= 1ull << j;
	}
}

/* ------------------------------------------------------------------ */
/* Sequences: several steps against one state                          */
/* ------------------------------------------------------------------ */

/*
 * Feed @in to worker @at at @now; expect one frame matching @out (on @at's
 * TX queue) or none; count what the frame adds to the TX counters.
 */
static void
step(struct env *e, uint16_t at, const struct in_spec *in,
     const struct out_spec *out, uint64_t now, struct dp_stats *want,
     const char *what)
{
	struct out_frame got[MAX_OUT];
	struct frame f;
	unsigned int n;

	build_input(e, in, &f);
	input_direct(e, at, &f, now);
	n = tx_take(e, got, MAX_OUT);
	if (out == NULL || out->kind == OUT_NONE) {
		if (n != 0)
			fail_msg("%s: %u frames out, expected none", what, n);
		return;
	}
	if (n != 1)
		fail_msg("%s: %u frames out, expected 1", what, n);
	assert_int_equal(got[0].q, at);
	check_output(e, in, out, &f, &got[0], what);
	WANT_C(want, at, tx_packets, 1);
	WANT_C(want, at, tx_bytes, got[0].len);
}

static uint64_t
ms_after(const struct env *e, uint64_t t, double ms)
{
	return t + (uint64_t)(ms * (double)e->sh->tsc_hz / 1000.0);
}

/* 10: permissions, channels and allocations expire on their TSC deadline. */
static void
t_expiry(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_spec to_p1 = { TO_PEER(EP_P1) },
			data_far = { DATA_TO_CA(EP_PFAR) };
	struct out_spec chan_p1 = { CHAN_TO_CA(CH_P1) };
	struct in_spec cd = in_chan(EP_CA, CH_P1, 33),
		       p1 = in_peer(EP_P1, EP_RA, 33);
	struct in_spec cd_far = in_chan(EP_CA, CH_PFAR2, 10);
	struct in_spec far = in_peer(EP_PFAR, EP_RA, 10);
	uint16_t a = e->owner_a;
	uint64_t t;

	(void)state;
	cmd_neigh_all(e, IP_P1, mac_p1);
	cmd_neigh_all(e, IP_GW, mac_gw);
	cmd_alloc_add(e, a, SLOT_A, GEN_A, EP_CA, EP_RA, LIFETIME_MS, 0);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, 1); /* 1 ms */
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P1, ep_addr(e, EP_P1), LIFETIME_MS);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_PFAR, LIFETIME_MS);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_PFAR2, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_PFAR2, ep_addr(e, EP_PFAR2), 1);
	cmd_alloc_add(e, e->owner_b, SLOT_B, GEN_B, EP_CB, EP_RB, 1, 0);
	cmd_perm(e, e->owner_b, SLOT_B, GEN_B, IP_P1, LIFETIME_MS);
	commit_cmds(e, 0);
	t = e->t0;

	/* Half a millisecond in: everything still holds. */
	snap(e, before);
	step(e, a, &cd, &to_p1, ms_after(e, t, 0.5), want, "permission alive");
	step(e, a, &p1, &chan_p1, ms_after(e, t, 0.5), want,
	     "permission alive, peer");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_peer_to_channel, 1);
	stats_check(e, before, want, "before expiry");

	/* Two milliseconds in: the permission and the channel are gone. */
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &cd, NULL, ms_after(e, t, 2), want, "permission expired");
	step(e, a, &p1, NULL, ms_after(e, t, 2), want,
	     "permission expired, peer");
	step(e, a, &cd_far, NULL, ms_after(e, t, 2), want, "channel expired");
	step(e, a, &far, &data_far, ms_after(e, t, 2), want,
	     "channel expired: Data indication again");
	WANT_D(want, a, no_permission, 2);
	WANT_D(want, a, no_channel, 1);
	WANT_C(want, a, relay_peer_to_data, 1);
	stats_check(e, before, want, "after permission/channel expiry");

	/* Allocation B lived 1 ms: both directions say alloc_expired. */
	{
		struct in_spec cb = in_send(EP_CB, EP_P1, 12);
		struct in_spec to_b = in_peer(EP_P1, EP_RB, 12);
		uint16_t b = e->owner_b, bp = case_worker(e, &to_b);

		snap(e, before);
		memset(want, 0, sizeof(want));
		step(e, b, &cb, NULL, ms_after(e, t, 2), want,
		     "allocation expired");
		step(e, bp, &to_b, NULL, ms_after(e, t, 2), want,
		     "allocation expired, peer");
		WANT_D(want, b, alloc_expired, 1);
		WANT_D(want, bp, alloc_expired, 1);
		stats_check(e, before, want, "after allocation expiry");

		/* A refresh brings it back. */
		cmd_ref(e, b, DP_CMD_ALLOC_REFRESH, SLOT_B, GEN_B, LIFETIME_MS);
		commit_cmds(e, 0);
		snap(e, before);
		memset(want, 0, sizeof(want));
		struct out_spec to_p1_b = { .kind = OUT_TO_PEER,
					    .src = EP_RB,
					    .dst = EP_P1 };

		step(e, b, &cb, &to_p1_b, e->t0, want, "refreshed allocation");
		WANT_C(want, b, relay_send_to_peer, 1);
		stats_check(e, before, want, "after refresh");
	}
	env_check_clean(e);
}

/*
 * 12: next hops are resolved by ARP.  A permission starts resolving its
 * peer's next hop (the peer itself on-link, else the gateway); traffic to
 * an unresolved next hop is dropped, asking again at most once a second;
 * once the neighbour is known the same packet goes through.  Time is
 * virtual here (T + milliseconds) so the once-a-second rule is exact.
 */
static void
t_neighbour(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct out_spec arp_p2 = { .kind = OUT_ARP_REQUEST, .dst = EP_P2 };
	struct out_spec arp_gw = { .kind = OUT_ARP_REQUEST, .dst = EP_GW };
	struct out_spec to_p2 = { TO_PEER(EP_P2) },
			to_far2 = { TO_PEER(EP_PFAR2) };
	struct out_spec to_far = { TO_PEER(EP_PFAR) };
	struct in_spec cd = in_chan(EP_CA, CH_P2, 48),
		       cd_far = in_chan(EP_CA, CH_PFAR2, 20);
	struct in_spec reply = { ARP(2, EP_P2, EP_LISTEN) };
	struct in_spec snd = in_send(EP_CA, EP_PFAR, 9);
	struct frame w[2], f;
	struct dp_evt ev[2];
	uint64_t cmds0[MAX_W];
	uint16_t a = e->owner_a;
	uint64_t t = rte_rdtsc();
	unsigned int n;

	(void)state;
	/* Permissions for an off-link and an on-link peer: ARP for both hops. */
	snap(e, before);
	world_install(e, W_A | W_A_FAR);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P2, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P2, ep_addr(e, EP_P2), LIFETIME_MS);
	commit_at(e, t, 0);
	want_arp_request(e, EP_GW, &w[0]);
	want_arp_request(e, EP_P2, &w[1]);
	match_frames(got, tx_take(e, got, MAX_OUT), w, 2,
		     "ARP requests on permission");
	assert_int_equal(got[0].q, a);
	for (uint16_t i = 0; i < e->n; i++)
		WANT_C(want, i, cmds, e->cmds_sent[i]);
	WANT_C(want, a, arp_requested, 2);
	WANT_C(want, a, tx_packets, 2);
	WANT_C(want, a, tx_bytes, w[0].len + w[1].len);
	stats_check(e, before, want, "permissions for unresolved peers");

	/*
	 * Unresolved: the frame waits (one per next hop); a second later
	 * without an answer it is dropped and the next one waits instead.
	 */
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &cd, NULL, ms_after(e, t, 10), want, "miss within the second");
	step(e, a, &cd, &arp_p2, ms_after(e, t, 1001), want,
	     "miss after a second: ask again");
	WANT_C(want, a, relay_channel_to_peer, 2);
	WANT_C(want, a, arp_held, 2);
	WANT_D(want, a, no_neighbour, 1);
	WANT_C(want, a, arp_requested, 1);
	stats_check(e, before, want, "unresolved on-link peer");

	/*
	 * The answer reaches worker 0, which learns and tells the control
	 * plane, which passes it on to every worker; the owner sends what
	 * waited (worker 0 already did, if it is the owner).
	 */
	snap(e, before);
	memset(want, 0, sizeof(want));
	for (uint16_t i = 0; i < e->n; i++)
		cmds0[i] = e->cmds_sent[i];
	build_input(e, &reply, &f);
	input_direct(e, 0, &f, ms_after(e, t, 1002));
	WANT_C(want, 0, arp_learned, 1);
	assert_int_equal(evt_take(e, 0, ev, 2), 1);
	check_neigh_evt(e, &ev[0], 0, EP_P2);
	cmd_neigh_all(e, IP_P2, mac_p2);
	commit_at(e, ms_after(e, t, 1003), 0);
	n = tx_take(e, got, MAX_OUT);
	if (n != 1)
		fail_msg("held frame: %u frames out, expected 1", n);
	assert_int_equal(got[0].q, a);
	build_input(e, &cd, &f);
	check_output(e, &cd, &to_p2, &f, &got[0],
		     "held frame sent on resolution");
	for (uint16_t i = 0; i < e->n; i++)
		WANT_C(want, i, cmds, e->cmds_sent[i] - cmds0[i]);
	WANT_C(want, a, arp_held_sent, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);
	stats_check(e, before, want, "ARP reply learned, held frame sent");
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &cd, &to_p2, ms_after(e, t, 1003), want,
	     "resolved on-link peer");
	WANT_C(want, a, relay_channel_to_peer, 1);
	stats_check(e, before, want, "on-link peer resolved");

	/* Off-link: the gateway is what we ask for, and then send to. */
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &cd_far, &arp_gw, ms_after(e, t, 1004), want,
	     "off-link miss: ARP for the gateway");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, arp_held, 1);
	WANT_C(want, a, arp_requested, 1);
	stats_check(e, before, want, "unresolved gateway");
	snap(e, before);
	memset(want, 0, sizeof(want));
	for (uint16_t i = 0; i < e->n; i++)
		cmds0[i] = e->cmds_sent[i];
	cmd_neigh_all(e, IP_GW, mac_gw);
	commit_at(e, ms_after(e, t, 1005), 0);
	n = tx_take(e, got, MAX_OUT);
	if (n != 1)
		fail_msg("held frame for the gateway: %u frames out, expected 1",
			 n);
	build_input(e, &cd_far, &f);
	check_output(e, &cd_far, &to_far2, &f, &got[0],
		     "held off-link frame sent");
	for (uint16_t i = 0; i < e->n; i++)
		WANT_C(want, i, cmds, e->cmds_sent[i] - cmds0[i]);
	WANT_C(want, a, arp_held_sent, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);
	stats_check(e, before, want, "gateway resolved, held frame sent");
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &cd_far, &to_far2, ms_after(e, t, 1005), want,
	     "gateway resolved");
	step(e, a, &snd, &to_far, ms_after(e, t, 1005), want,
	     "Send via the gateway");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_send_to_peer, 1);
	stats_check(e, before, want, "gateway resolved");
	env_check_clean(e);
}

/* Allocation A's and B's relayed addresses point at each other. */
static void
install_pair(struct env *e, bool b_channel)
{
	world_install(e, W_A | W_B);
	cmd_perm(e, e->owner_a, SLOT_A, GEN_A, IP_RELAY1, LIFETIME_MS);
	cmd_chan(e, e->owner_a, SLOT_A, GEN_A, CH_RB, ep_addr(e, EP_RB),
		 LIFETIME_MS);
	cmd_perm(e, e->owner_b, SLOT_B, GEN_B, IP_RELAY0, LIFETIME_MS);
	if (b_channel)
		cmd_chan(e, e->owner_b, SLOT_B, GEN_B, CH_RA, ep_addr(e, EP_RA),
			 LIFETIME_MS);
	commit_cmds(e, 0);
}

/*
 * Deliver what waits in @from's handoff ring for @to the way @to's loop
 * would (dp_input; only the loop itself counts handoff_in), keeping a copy
 * of each frame in @copy.  @return how many.
 */
static unsigned int
handoff_deliver(struct env *e, uint16_t from, uint16_t to,
		struct out_frame *copy, unsigned int max)
{
	unsigned int n = 0;
	void *p;

	while (rte_ring_dequeue(e->ws[from].handoff_out[to], &p) == 0) {
		if (n < max)
			copy_out(&copy[n], to, p);
		n++;
		e->ws[to].now = e->t0;
		dp_input(&e->ws[to], p);
	}
	dp_tx_flush(&e->ws[to]);
	return n;
}

/*
 * Send @in to worker @from (owner of the sending allocation); with the
 * other allocation on another worker @to, check the frame in the handoff
 * ring (the datagram between the two relayed addresses, which never goes
 * on the wire) and deliver it.  One frame must then leave, on @to's queue.
 */
static void
relay_local_step(struct env *e, const struct in_spec *in, uint16_t from,
		 uint16_t to, enum ep src_relay, enum ep dst_relay,
		 const struct out_spec *out, struct dp_stats *want,
		 const char *what)
{
	struct out_frame got[MAX_OUT];
	uint8_t data[FRAME_MAX];
	uint16_t dlen = app_data(in, data);
	struct frame f, mid;
	unsigned int n;

	build_input(e, in, &f);
	input_direct(e, from, &f, e->t0);
	if (from != to) {
		struct tp_addr s = ep_addr(e, src_relay),
			       d = ep_addr(e, dst_relay);
		struct hdr_opts o = {
			.frag = (uint16_t)(OUT_FRAG |
					   (in->mangle == M_DF ? IPV4_DF : 0))
		};

		assert_int_equal(tx_take(e, got, MAX_OUT), 0);
		assert_int_equal(handoff_deliver(e, from, to, got, MAX_OUT), 1);
		frame_udp4(&mid, e->sh->mac.addr_bytes, e->sh->mac.addr_bytes,
			   &s, &d, data, dlen, &o);
		check_cksums(got[0].b, got[0].len);
		frame_eq(&got[0], &mid, "datagram between two relayed addresses");
		WANT_C(want, from, handoff_out, 1);
	}
	n = tx_take(e, got, MAX_OUT);
	if (n != 1)
		fail_msg("%s: %u frames out, expected 1", what, n);
	assert_int_equal(got[0].q, to);
	check_output(e, in, out, &f, &got[0], what);
	WANT_C(want, to, tx_packets, 1);
	WANT_C(want, to, tx_bytes, got[0].len);
}

/* 13: relay to relay, on one worker or across a handoff ring. */
static void
t_relay_local(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_spec data_rb = { .kind = OUT_DATA_TO_CLIENT,
				    .dst = EP_CB,
				    .peer = EP_RA };
	struct out_spec chan_rb = { .kind = OUT_CHAN_TO_CLIENT,
				    .dst = EP_CB,
				    .channel = CH_RA };
	struct out_spec chan_ra = { CHAN_TO_CA(CH_RB) };
	struct in_spec cd = in_chan(EP_CA, CH_RB, 50),
		       snd = in_send(EP_CB, EP_RA, 31);
	uint16_t a = e->owner_a, b = e->owner_b;

	(void)state;
	install_pair(e, false);
	snap(e, before);
	relay_local_step(e, &cd, a, b, EP_RA, EP_RB, &data_rb, want,
			 "A's ChannelData -> Data indication to B's client");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_local, 1);
	WANT_C(want, b, relay_peer_to_data, 1);
	stats_check(e, before, want, "relay to relay, Data indication");

	/* B binds a channel to A's relayed address: ChannelData both ways. */
	cmd_chan(e, b, SLOT_B, GEN_B, CH_RA, ep_addr(e, EP_RA), LIFETIME_MS);
	commit_cmds(e, 0);
	snap(e, before);
	memset(want, 0, sizeof(want));
	relay_local_step(e, &cd, a, b, EP_RA, EP_RB, &chan_rb, want,
			 "A's ChannelData -> ChannelData to B's client");
	relay_local_step(e, &snd, b, a, EP_RB, EP_RA, &chan_ra, want,
			 "B's Send indication -> ChannelData to A's client");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_local, 1);
	WANT_C(want, b, relay_peer_to_channel, 1);
	WANT_C(want, b, relay_send_to_peer, 1);
	WANT_C(want, b, relay_local, 1);
	WANT_C(want, a, relay_peer_to_channel, 1);
	stats_check(e, before, want, "relay to relay, channels");
	env_check_clean(e);
}

/* 14, direct: a frame reaching a worker that does not own it is handed over untouched. */
static void
t_handoff_direct(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	uint16_t a = e->owner_a, o = (uint16_t)((a + 1) % e->n);
	uint16_t z = (uint16_t)((a + 2) % e->n);
	struct in_spec cd = in_chan(EP_CA, CH_P1, 70),
		       snd = in_send(EP_CA, EP_P1, 33);
	struct in_spec pk = in_peer(EP_P1, EP_RA, 60);
	struct in_spec bind = { STUN(0x0001) },
		       arp = { ARP(1, EP_P2, EP_LISTEN) };
	struct out_spec to_p1 = { TO_PEER(EP_P1) }, chan = { CHAN_TO_CA(CH_P1) };
	struct out_spec reply = { .kind = OUT_ARP_REPLY };
	const struct {
		const struct in_spec *in;
		uint16_t at;
		const struct out_spec *out;
	} hops[] = { { &cd, z, &to_p1 }, { &snd, o, &to_p1 }, { &pk, z, &chan } };
	struct dp_evt ev[2];
	struct frame f;

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	snap(e, before);
	for (unsigned int i = 0; i < RTE_DIM(hops); i++) {
		build_input(e, hops[i].in, &f);
		input_direct(e, hops[i].at, &f, e->t0);
		assert_int_equal(tx_take(e, got, MAX_OUT), 0);
		assert_int_equal(handoff_deliver(e, hops[i].at, a, got, MAX_OUT),
				 1);
		frame_eq(&got[0], &f, "handed-off frame is untouched");
		assert_int_equal(tx_take(e, got, MAX_OUT), 1);
		assert_int_equal(got[0].q, a);
		check_output(e, hops[i].in, hops[i].out, &f, &got[0],
			     "relayed by the owner");
		WANT_C(want, hops[i].at, handoff_out, 1);
		WANT_C(want, a, tx_packets, 1);
		WANT_C(want, a, tx_bytes, got[0].len);
	}
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_send_to_peer, 1);
	WANT_C(want, a, relay_peer_to_channel, 1);
	/* STUN requests are punted, ARP answered, by whoever receives them. */
	step(e, z, &bind, NULL, e->t0, want, "Binding request at a non-owner");
	assert_int_equal(evt_take(e, z, ev, 2), 1);
	build_input(e, &bind, &f);
	check_punt(e, &ev[0], z, &bind, &f);
	WANT_C(want, z, punted, 1);
	step(e, o, &arp, &reply, e->t0, want, "ARP at a non-owner");
	assert_int_equal(evt_take(e, o, ev, 2), 1);
	check_neigh_evt(e, &ev[0], o, EP_P2);
	WANT_C(want, o, arp_replied, 1);
	WANT_C(want, o, arp_learned, 1);
	stats_check(e, before, want, "handoff");
	env_check_clean(e);
}

/* The one DP_EVT_ALLOC_END worker @w must have sent. */
static void
check_alloc_end(struct env *e, uint16_t w, uint32_t slot, uint32_t gen,
		const struct dp_usage *u)
{
	struct dp_evt ev[2];
	unsigned int n = evt_take(e, w, ev, 2);

	evt_release(ev, RTE_MIN(n, 2u));
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].type, DP_EVT_ALLOC_END);
	assert_int_equal(ev[0].worker, w);
	assert_int_equal(ev[0].u.alloc_end.ref.slot, slot);
	assert_int_equal(ev[0].u.alloc_end.ref.gen, gen);
	assert_int_equal(ev[0].u.alloc_end.usage.pkts_from_client,
			 u->pkts_from_client);
	assert_int_equal(ev[0].u.alloc_end.usage.bytes_from_client,
			 u->bytes_from_client);
	assert_int_equal(ev[0].u.alloc_end.usage.pkts_to_client,
			 u->pkts_to_client);
	assert_int_equal(ev[0].u.alloc_end.usage.bytes_to_client,
			 u->bytes_to_client);
}

/* 16: deleting an allocation reports its usage; then nothing passes. */
static void
t_alloc_del(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	uint16_t a = e->owner_a;
	struct in_spec c1 = in_chan(EP_CA, CH_P1, 10),
		       c2 = in_chan(EP_CA, CH_P1, 20);
	struct in_spec c3 = in_chan(EP_CA, CH_PFAR2, 31),
		       s1 = in_send(EP_CA, EP_P1, 7);
	struct in_spec p1 = in_peer(EP_P1, EP_RA, 40),
		       p2 = in_peer(EP_PFAR, EP_RA, 5);
	struct out_spec to_p1 = { TO_PEER(EP_P1) },
			to_far2 = { TO_PEER(EP_PFAR2) };
	struct out_spec chan = { CHAN_TO_CA(CH_P1) },
			data = { DATA_TO_CA(EP_PFAR) };
	const struct dp_usage used = { 4, 10 + 20 + 31 + 7, 2, 40 + 5 };
	const struct dp_usage none = { 0, 0, 0, 0 }, again = { 1, 20, 0, 0 };

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	snap(e, before);
	step(e, a, &c1, &to_p1, e->t0, want, "ChannelData 10");
	step(e, a, &c2, &to_p1, e->t0, want, "ChannelData 20");
	step(e, a, &c3, &to_far2, e->t0, want, "ChannelData 31");
	step(e, a, &s1, &to_p1, e->t0, want, "Send 7");
	step(e, a, &p1, &chan, e->t0, want, "peer 40");
	step(e, a, &p2, &data, e->t0, want, "peer 5");
	WANT_C(want, a, relay_channel_to_peer, 3);
	WANT_C(want, a, relay_send_to_peer, 1);
	WANT_C(want, a, relay_peer_to_channel, 1);
	WANT_C(want, a, relay_peer_to_data, 1);
	stats_check(e, before, want, "traffic before delete");

	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A, 0);
	commit_cmds(e, 0);
	check_alloc_end(e, a, SLOT_A, GEN_A, &used);
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &c1, NULL, e->t0, want, "ChannelData after delete");
	step(e, a, &s1, NULL, e->t0, want, "Send after delete");
	step(e, a, &p1, NULL, e->t0, want, "peer after delete");
	WANT_D(want, a, no_allocation, 3);
	stats_check(e, before, want, "after delete");

	/* Deleting again still answers (the usage record always completes). */
	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A, 0);
	commit_cmds(e, 1);
	check_alloc_end(e, a, SLOT_A, GEN_A, &none);

	/* Slot and relay port take a new allocation; the old id is dead. */
	cmd_alloc_add(e, a, SLOT_A, GEN_A + 1, EP_CA, EP_RA, LIFETIME_MS, 0);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, LIFETIME_MS);
	commit_cmds(e, 2);
	cmd_perm(e, a, SLOT_A, GEN_A + 1, IP_P1, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A + 1, CH_P1, ep_addr(e, EP_P1), LIFETIME_MS);
	commit_cmds(e, 2);
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &c2, &to_p1, e->t0, want, "new allocation in the old slot");
	WANT_C(want, a, relay_channel_to_peer, 1);
	stats_check(e, before, want, "reused slot");
	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A + 1, 0);
	commit_cmds(e, 2);
	check_alloc_end(e, a, SLOT_A, GEN_A + 1, &again);
	env_check_clean(e);
}

/* 17: max_bps is a token bucket of one second's bytes, each way. */
static void
t_rate(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	uint16_t a = e->owner_a;
	struct in_spec cd = in_chan(EP_CA, CH_P1, 200),
		       pk = in_peer(EP_P1, EP_RA, 300);
	struct out_spec to_p1 = { TO_PEER(EP_P1) }, chan = { CHAN_TO_CA(CH_P1) };
	const struct dp_usage used = { 12, 2400, 3, 900 };
	uint64_t t;

	(void)state;
	cmd_neigh_all(e, IP_P1, mac_p1);
	cmd_alloc_add(e, a, SLOT_A, GEN_A, EP_CA, EP_RA, LIFETIME_MS, 1000);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P1, ep_addr(e, EP_P1), LIFETIME_MS);
	commit_cmds(e, 0);
	t = e->t0;

	snap(e, before);
	for (int i = 0; i < 8; i++)
		step(e, a, &cd, i < 5 ? &to_p1 : NULL, t, want, "client burst");
	for (int i = 0; i < 8; i++)
		step(e, a, &pk, i < 3 ? &chan : NULL, t, want, "peer burst");
	WANT_C(want, a, relay_channel_to_peer, 5);
	WANT_C(want, a, relay_peer_to_channel, 3);
	WANT_D(want, a, rate_limited, 3 + 5);
	stats_check(e, before, want, "1000 bytes/s, one instant");

	snap(e, before);
	memset(want, 0, sizeof(want));
	for (int i = 0; i < 3; i++)
		step(e, a, &cd, i < 2 ? &to_p1 : NULL, ms_after(e, t, 500),
		     want, "half a second later");
	for (int i = 0; i < 6; i++)
		step(e, a, &cd, i < 5 ? &to_p1 : NULL, ms_after(e, t, 10500),
		     want, "ten seconds later: one second's worth at most");
	WANT_C(want, a, relay_channel_to_peer, 7);
	WANT_D(want, a, rate_limited, 2);
	stats_check(e, before, want, "refill");

	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A, 0);
	commit_cmds(e, 0);
	check_alloc_end(e, a, SLOT_A, GEN_A, &used);
	env_check_clean(e);
}

/* Commands that cannot apply are counted and change nothing; DP_CMD_TX sends. */
static void
t_cmds(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };
	struct in_spec cd = in_chan(EP_CA, CH_P1, 25);
	struct out_spec to_p1 = { TO_PEER(EP_P1) };
	struct tp_addr listen = ep_addr(e, EP_LISTEN), ca = ep_addr(e, EP_CA);
	const struct dp_usage none = { 0, 0, 0, 0 };
	uint16_t a = e->owner_a, plen;
	uint8_t pl[128];
	struct frame f;

	(void)state;
	snap(e, before);
	c.u.alloc_add.ref.slot = SLOT_A;
	c.u.alloc_add.ref.gen = GEN_A;
	c.u.alloc_add.client = ca;
	c.u.alloc_add.server = listen;
	c.u.alloc_add.relay = addr4(IP4(192, 0, 2, 99), e->relay_a); /* not ours */
	c.u.alloc_add.lifetime_ms = LIFETIME_MS;
	cmd_put(e, a, &c);
	c.u.alloc_add.relay = ep_addr(e, EP_RA);
	c.u.alloc_add.ref.slot = N_SLOTS; /* no such slot */
	cmd_put(e, a, &c);
	cmd_alloc_add(e, a, SLOT_A, GEN_A, EP_CA, EP_RA, LIFETIME_MS, 0); /* good */
	cmd_alloc_add(e, a, SLOT_A, GEN_A + 7, EP_CB, EP_RB, LIFETIME_MS,
		      0); /* slot busy */
	cmd_alloc_add(e, a, SLOT_A + 1, GEN_A + 8, EP_CB, EP_RA, LIFETIME_MS,
		      0);                                      /* port busy */
	cmd_perm(e, a, SLOT_A, GEN_A + 1, IP_P1, LIFETIME_MS); /* wrong id */
	cmd_chan(e, a, SLOT_A, GEN_A + 1, CH_P1, ep_addr(e, EP_P1), LIFETIME_MS);
	cmd_ref(e, a, DP_CMD_ALLOC_REFRESH, SLOT_A, GEN_A + 1, LIFETIME_MS);
	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A + 1, 0);
	memset(&c, 0, sizeof(c));
	c.type = 99; /* unknown */
	cmd_put(e, a, &c);
	plen = stun_plain(stun_type(STUN_METHOD_BINDING, STUN_CLASS_SUCCESS), pl);
	frame_udp4(&f, mac_ca, e->sh->mac.addr_bytes, &listen, &ca, pl, plen,
		   NULL);
	memset(&c, 0, sizeof(c));
	c.type = DP_CMD_TX;
	c.u.tx.mbuf = mbuf_of(&f);
	cmd_put(e, a, &c);
	commit_cmds(e, 9);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	assert_int_equal(got[0].q, a);
	frame_eq(&got[0], &f, "DP_CMD_TX frame");
	check_alloc_end(e, a, SLOT_A, GEN_A + 1, &none);
	WANT_C(want, a, cmds, 11);
	WANT_D(want, a, cmd_failed, 9);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, f.len);
	stats_check(e, before, want, "commands");

	/* The good install stands, untouched by the failed ones. */
	cmd_neigh_all(e, IP_P1, mac_p1);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P1, ep_addr(e, EP_P1), LIFETIME_MS);
	commit_cmds(e, 9);
	snap(e, before);
	memset(want, 0, sizeof(want));
	step(e, a, &cd, &to_p1, e->t0, want, "after failed commands");
	WANT_C(want, a, relay_channel_to_peer, 1);
	stats_check(e, before, want, "good install");
	env_check_clean(e);
}

/* A with @n_peers peers (permission, channel, neighbour each), id @gen. */
static void
install_many(struct env *e, uint32_t gen, unsigned int n_peers)
{
	uint16_t a = e->owner_a;

	cmd_alloc_add(e, a, SLOT_A, gen, EP_CA, EP_RA, LIFETIME_MS, 0);
	for (g_pn = 0; g_pn < n_peers; g_pn++) {
		struct tp_addr p = ep_addr(e, EP_PN);

		if (gen == GEN_A)
			cmd_neigh_all(e, tp_ip_v4_host(&p.ip), ep_mac(EP_PN));
		cmd_perm(e, a, SLOT_A, gen, tp_ip_v4_host(&p.ip), LIFETIME_MS);
		cmd_chan(e, a, SLOT_A, gen, (uint16_t)(0x4100 + g_pn), p,
			 LIFETIME_MS);
	}
}

/*
 * More peers than fit inline spill into overflow blocks; deleting the
 * allocation gives them back, forty times over (more blocks than the pool
 * has, so a leak would show as a failed install).
 */
static void
t_overflow(void **state)
{
	struct env *e = g_env;
	const unsigned int n_peers = 12, rounds = 40;
	uint16_t a = e->owner_a;

	(void)state;
	for (unsigned int r = 0; r < rounds; r++) {
		struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
		struct dp_usage u = { 0, 0, 0, 0 };

		install_many(e, GEN_A + r, n_peers);
		commit_cmds(e, 0);
		snap(e, before);
		for (g_pn = 0; g_pn < n_peers; g_pn++) {
			uint16_t ch = (uint16_t)(0x4100 + g_pn);
			struct in_spec cd =
				in_chan(EP_CA, ch, (uint16_t)(16 + g_pn));
			struct in_spec pk =
				in_peer(EP_PN, EP_RA, (uint16_t)(8 + g_pn));
			struct out_spec to = { TO_PEER(EP_PN) },
					back = { CHAN_TO_CA(ch) };

			if (r != 0 && r != rounds - 1 && g_pn != n_peers - 1)
				continue;
			step(e, a, &cd, &to, e->t0, want, "to peer N");
			step(e, a, &pk, &back, e->t0, want, "from peer N");
			u.pkts_from_client++;
			u.bytes_from_client += 16 + g_pn;
			u.pkts_to_client++;
			u.bytes_to_client += 8 + g_pn;
		}
		WANT_C(want, a, relay_channel_to_peer, u.pkts_from_client);
		WANT_C(want, a, relay_peer_to_channel, u.pkts_to_client);
		stats_check(e, before, want, "many peers");
		cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A + r, 0);
		commit_cmds(e, 0);
		check_alloc_end(e, a, SLOT_A, GEN_A + r, &u);
	}
	env_check_clean(e);
}

/*
 * The control plane's reservation caps an allocation's overflow blocks:
 * with one block allowed, permission 2 + 6 + 1 replaces the one that
 * expires first (counted), takes no second block, and the others stay.
 */
static void
t_block_reservation(void **state)
{
	struct env *e = g_env;
	struct dp_worker *w = &e->ws[e->owner_a];
	uint16_t a = e->owner_a;
	uint32_t free_before = 0, free_after = 0;
	struct dp_alloc *al;
	struct dp_alloc_ref ref = { SLOT_A, GEN_A };
	const unsigned int n = DP_PERM_INLINE + DP_PEER_BLOCK_PERMS;

	(void)state;
	world_install(e, W_A | W_NEIGH); /* off-link peers: no ARP */
	commit_cmds(e, 0);
	for (uint32_t b = w->table.free_block; b != DP_NONE;
	     b = w->table.blocks[b].next)
		free_before++;
	/* Lifetimes 1..n+1 s: the first one expires first. */
	for (unsigned int i = 0; i <= n; i++)
		cmd_perm_max(e, a, SLOT_A, GEN_A, IP4(203, 0, 113, 100 + i),
			     1000 * (i + 1), 1);
	commit_cmds(e, 0);
	for (uint32_t b = w->table.free_block; b != DP_NONE;
	     b = w->table.blocks[b].next)
		free_after++;
	assert_int_equal(free_before - free_after, 1);
	al = dp_table_alloc_get(&w->table, &ref);
	assert_non_null(al);
	assert_int_equal(al->n_blocks, 1);
	assert_int_equal(w->stats.c[DP_C_peer_replaced], 1);
	for (unsigned int i = 0; i <= n; i++) {
		struct tp_ip ip = tp_ip_v4(IP4(203, 0, 113, 100 + i));

		assert_int_equal(dp_alloc_permits(&w->table, al, &ip, e->t0),
				 i != 0);
	}
	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A, 0);
	commit_cmds(e, 0);
	{
		const struct dp_usage none = { 0, 0, 0, 0 };

		check_alloc_end(e, a, SLOT_A, GEN_A, &none);
	}
	env_check_clean(e);
}

/* Two Data indications do not share a transaction ID (RFC 8489 section 6). */
static void
t_tid(void **state)
{
	struct env *e = g_env;
	struct out_frame o1[1], o2[1];
	struct in_spec pk = in_peer(EP_PFAR, EP_RA, 9);
	struct out_spec data = { DATA_TO_CA(EP_PFAR) };
	uint16_t at = case_worker(e, &pk);
	struct frame f;

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	build_input(e, &pk, &f);
	input_direct(e, at, &f, e->t0);
	assert_int_equal(tx_take(e, o1, 1), 1);
	input_direct(e, at, &f, e->t0);
	assert_int_equal(tx_take(e, o2, 1), 1);
	check_output(e, &pk, &data, &f, &o1[0], "first Data indication");
	check_output(e, &pk, &data, &f, &o2[0], "second Data indication");
	assert_memory_not_equal(o1[0].b + UDP4_LEN + 8, o2[0].b + UDP4_LEN + 8,
				STUN_TID_LEN);
	env_check_clean(e);
}

/* A frame in two segments is refused, not read past its first segment. */
static void
t_chained(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct in_spec cd = in_chan(EP_CA, CH_P1, 60);
	struct rte_mbuf *m1, *m2;
	uint16_t a = e->owner_a;
	struct frame f;

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	build_input(e, &cd, &f);
	m1 = rte_pktmbuf_alloc(g_pool);
	m2 = rte_pktmbuf_alloc(g_pool);
	assert_non_null(m1);
	assert_non_null(m2);
	memcpy(rte_pktmbuf_append(m1, 30), f.b, 30);
	memcpy(rte_pktmbuf_append(m2, (uint16_t)(f.len - 30)), f.b + 30,
	       f.len - 30u);
	assert_int_equal(rte_pktmbuf_chain(m1, m2), 0);
	snap(e, before);
	e->ws[a].now = e->t0;
	dp_input(&e->ws[a], m1);
	dp_tx_flush(&e->ws[a]);
	assert_int_equal(tx_take(e, got, MAX_OUT), 0);
	WANT_D(want, a, bad_ip, 1);
	stats_check(e, before, want, "two segments");
	env_check_clean(e);
}

/*
 * Packets dropped after the relay decision (no next hop, too big for the
 * frame) are drops: neither the relay counters nor the allocation's usage
 * record may count them.
 */
static void
t_drop_accounting(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct in_spec cd_big = in_chan(EP_CA, CH_P1, 1473);
	struct in_spec send_big = in_send(EP_CA, EP_P1, 1473);
	struct in_spec chan_big = in_peer(EP_P1, EP_RA, 1469);
	struct in_spec data_big = in_peer(EP_PFAR, EP_RA, 1437);
	const struct dp_usage none = { 0, 0, 0, 0 };
	uint16_t a = e->owner_a;

	(void)state;
	world_install(e, W_STD);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P2, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P2, ep_addr(e, EP_P2), LIFETIME_MS);
	commit_cmds(e, 0);
	{
		struct out_frame got[MAX_OUT];
		struct frame f;

		want_arp_request(e, EP_P2, &f);
		assert_int_equal(tx_take(e, got, MAX_OUT),
				 1); /* asked on permission */
		frame_eq(&got[0], &f, "ARP request on permission");
	}
	snap(e, before);
	step(e, a, &cd_big, NULL, e->t0, want, "ChannelData of 1473 bytes");
	step(e, a, &send_big, NULL, e->t0, want, "Send of 1473 bytes");
	step(e, a, &chan_big, NULL, e->t0, want, "1469 bytes to a channel");
	step(e, a, &data_big, NULL, e->t0, want,
	     "1437 bytes to a Data indication");
	WANT_D(want, a, too_big, 4);
	stats_check(e, before, want, "dropped after the relay decision");
	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A, 0);
	commit_cmds(e, 0);
	check_alloc_end(e, a, SLOT_A, GEN_A, &none);
	env_check_clean(e);
}

/*
 * Relay to relay on a port with TX checksum offload: the fast path leaves
 * the checksums to the NIC, so the frame it feeds back to itself has an IP
 * checksum of 0 (and a pseudo-header UDP checksum).  The relayed address
 * of B must still receive it: the mbuf here carries no RX checksum flags,
 * as with a NIC that did not validate the client's packet.
 */
static void
t_offload_local(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct in_spec cd = in_chan(EP_CA, CH_RB, 50);
	struct tp_addr peer = ep_addr(e, EP_RA);
	uint8_t data[FRAME_MAX], *ip, *udp;
	uint16_t dlen = app_data(&cd, data), a = e->owner_a, ulen;
	unsigned int n;
	struct frame f;

	(void)state;
	install_pair(e, false);
	e->sh->tx_ip_cksum_offload = true;
	e->sh->tx_udp_cksum_offload = true;
	snap(e, before);
	build_input(e, &cd, &f);
	input_direct(e, a, &f, e->t0);
	n = tx_take(e, got, MAX_OUT);
	e->sh->tx_ip_cksum_offload = e->port_info.tx_ip_cksum_offload;
	e->sh->tx_udp_cksum_offload = e->port_info.tx_udp_cksum_offload;
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_local, 1);
	WANT_C(want, a, relay_peer_to_data, 1);
	if (n == 1) {
		WANT_C(want, a, tx_packets, 1);
		WANT_C(want, a, tx_bytes, got[0].len);
	}
	stats_check(e, before, want, "local relay with checksum offload");
	if (n != 1)
		fail_msg("%u frames out, expected the Data indication to B's client",
			 n);
	/* The NIC's part: IP checksum 0, UDP checksum the pseudo-header sum. */
	assert_true((got[0].ol_flags & RTE_MBUF_F_TX_IP_CKSUM) != 0);
	assert_true((got[0].ol_flags & RTE_MBUF_F_TX_UDP_CKSUM) != 0);
	ip = got[0].b + ETH_LEN;
	udp = ip + 20;
	ulen = get16(udp + 4);
	assert_int_equal(get16(ip + 10), 0);
	assert_int_equal(get16(udp + 6), fold(sum16(0, ip + 12, 8) + 17 + ulen));
	put16(ip + 10, (uint16_t)~fold(sum16(0, ip, 20)));
	put16(udp + 6, 0);
	put16(udp + 6, udp_cksum(ip, udp, ulen));
	check_data_indication(e, &got[0], EP_CB, &peer, data, dlen, false,
			      "offloaded");
	env_check_clean(e);
}

/*
 * A worker promises allocations_per_worker slots; every one must take an
 * allocation (the control plane sends ALLOC_ADD and never hears back, so
 * a refusal is a client with a success response and a dead relay).
 */
static void
t_capacity(void **state)
{
	enum {
		SLOTS = 4096
	};
	struct env *e = g_env;
	struct dp_worker *w = &e->ws[e->owner_a];
	struct in_spec cd = in_chan(EP_CA, CH_P1, 12);
	struct out_spec to_p1 = { TO_PEER(EP_P1) };
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	uint16_t a = e->owner_a;
	char name[32];

	(void)state;
	dp_table_fini(&w->table);
	snprintf(name, sizeof(name), "g%u_%u_big", e->n, e->seq);
	assert_int_equal(dp_table_init(&w->table, name, SLOTS, SLOTS / 4 + 64,
				       e->sh->n_relay, (int)rte_socket_id()),
			 0);
	cmd_neigh_all(e, IP_P1, mac_p1);
	for (uint32_t i = 0; i < SLOTS; i++) {
		struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };

		c.u.alloc_add.ref.slot = i;
		c.u.alloc_add.ref.gen = 50000 + i;
		c.u.alloc_add.client =
			addr4(IP4(10, 1, 0, 0) + i, (uint16_t)(20000 + i % 7));
		c.u.alloc_add.server = ep_addr(e, EP_LISTEN);
		c.u.alloc_add.relay = addr4(IP_RELAY1, (uint16_t)(1000 + i));
		c.u.alloc_add.lifetime_ms = LIFETIME_MS;
		if (i == SLOTS - 1) { /* the last one is A: show that it relays */
			c.u.alloc_add.client = ep_addr(e, EP_CA);
			c.u.alloc_add.relay = ep_addr(e, EP_RA);
			memcpy(c.u.alloc_add.client_mac, mac_ca, DP_MAC_LEN);
		}
		cmd_put(e, a, &c);
		if (i % 512 == 511) {
			w->now = rte_rdtsc();
			dp_cmd_drain(w);
		}
	}
	cmd_perm(e, a, SLOTS - 1, 50000 + SLOTS - 1, IP_P1, LIFETIME_MS);
	cmd_chan(e, a, SLOTS - 1, 50000 + SLOTS - 1, CH_P1, ep_addr(e, EP_P1),
		 LIFETIME_MS);
	e->t0 = rte_rdtsc();
	for (uint16_t i = 0; i < e->n; i++) {
		e->ws[i].now = e->t0;
		dp_cmd_drain(&e->ws[i]);
		assert_int_equal(rd64(&e->ws[i].stats.c[DP_C_cmds]),
				 e->cmds_sent[i]);
	}
	if (w->stats.drop[DP_DROP_cmd_failed] != 0 || w->table.live != SLOTS)
		fail_msg("a table of %u slots took only %u allocations (%" PRIu64
			 " commands refused)",
			 SLOTS, w->table.live, w->stats.drop[DP_DROP_cmd_failed]);
	snap(e, before);
	step(e, a, &cd, &to_p1, e->t0, want, "the last allocation relays");
	WANT_C(want, a, relay_channel_to_peer, 1);
	stats_check(e, before, want, "full table");
	env_check_clean(e);
}

/* Fill ring @r with mbufs (or events); @return how many, to flush later. */
static unsigned int
ring_fill(struct rte_ring *r, bool events)
{
	unsigned int n = 0;

	for (;;) {
		if (events) {
			struct dp_evt ev = { .type = DP_EVT_NEIGH };

			if (rte_ring_sp_enqueue_elem(r, &ev, sizeof(ev)) != 0)
				break;
		} else {
			struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);

			assert_non_null(m);
			if (rte_ring_sp_enqueue(r, m) != 0) {
				rte_pktmbuf_free(m);
				break;
			}
		}
		n++;
	}
	return n;
}

/* Full rings drop with their own counter and free the frame. */
static void
t_rings_full(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct in_spec cd = in_chan(EP_CA, CH_P1, 44), bind = { STUN(0x0001) };
	struct in_spec arp = { ARP(1, EP_P2, EP_LISTEN) };
	struct out_spec reply = { .kind = OUT_ARP_REPLY };
	uint16_t a = e->owner_a, z = (uint16_t)((a + 2) % e->n);
	unsigned int filled;
	struct dp_evt ev;
	struct frame f;

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	snap(e, before);
	/* Event ring full: a STUN request is dropped; ARP still answered. */
	filled = ring_fill(e->ws[a].evt_ring, true);
	assert_true(filled > 0);
	step(e, a, &bind, NULL, e->t0, want, "punt ring full");
	step(e, 0, &arp, &reply, e->t0, want, "ARP with a full event ring");
	WANT_D(want, a, punt_ring_full, 1);
	WANT_C(want, 0, arp_replied, 1);
	WANT_C(want, 0, arp_learned, 1);
	while (rte_ring_sc_dequeue_elem(e->ws[a].evt_ring, &ev, sizeof(ev)) == 0)
		assert_int_equal(ev.type, DP_EVT_NEIGH);
	if (a != 0)
		while (rte_ring_sc_dequeue_elem(e->ws[0].evt_ring, &ev,
						sizeof(ev)) == 0)
			assert_int_equal(ev.type, DP_EVT_NEIGH);
	/* TX queue full: the relayed frame is dropped after the decision. */
	filled = ring_fill(e->txr[a], false);
	build_input(e, &cd, &f);
	input_direct(e, a, &f, e->t0);
	assert_int_equal(ring_flush_mbufs(e->txr[a]), filled);
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_D(want, a, tx_full, 1);
	/* Handoff ring full: the frame for another worker is dropped. */
	if (e->n > 1) {
		filled = ring_fill(e->ws[z].handoff_out[a], false);
		step(e, z, &cd, NULL, e->t0, want, "handoff ring full");
		assert_int_equal(ring_flush_mbufs(e->ws[z].handoff_out[a]),
				 filled);
		WANT_D(want, z, handoff_ring_full, 1);
	}
	stats_check(e, before, want, "full rings");
	env_check_clean(e);
}

/* Send @f to worker @at at @now; take the output and events; both must be
 * none.  @return nothing, but fails the case otherwise. */
static void
arp_in_quiet(struct env *e, uint16_t at, struct frame *f, uint64_t now,
	     const char *what)
{
	struct out_frame got[MAX_OUT];
	struct dp_evt ev[2];
	unsigned int n = tx_take(e, got, MAX_OUT), n_ev;

	assert_int_equal(n, 0);
	input_direct(e, at, f, now);
	n = tx_take(e, got, MAX_OUT);
	n_ev = evt_take(e, at, ev, 2);
	evt_release(ev, RTE_MIN(n_ev, 2u));
	if (n != 0 || n_ev != 0)
		fail_msg("%s: %u frames and %u events, expected none", what, n,
			 n_ev);
}

/*
 * The gateway is pinned: a gratuitous ARP or an unasked reply claiming its
 * address for another MAC changes nothing (arp_ignored), while a known
 * on-link neighbour still follows the RFC 826 merge.  A sender off our
 * network is answered but not learned.  Once a minute of use the gateway
 * is asked again, and the answer to that request (within the second) is
 * what may move it: how a real failover is still followed.
 */
static void
t_arp_guard(void **state)
{
	static const uint8_t mac_gw2[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x00, 0xfd };
	static const uint8_t mac_p1b[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x01, 0x77 };
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct in_spec snd = in_send(EP_CA, EP_PFAR, 27);
	struct in_spec cd = in_chan(EP_CA, CH_P1, 31);
	struct in_spec off_net = { ARP(1, EP_CX, EP_LISTEN) };
	struct out_spec to_far = { TO_PEER(EP_PFAR) };
	struct tp_ip gw = tp_ip_v4(IP_GW), p1 = tp_ip_v4(IP_P1);
	uint16_t a = e->owner_a;
	uint8_t data[FRAME_MAX];
	uint16_t dlen = app_data(&snd, data);
	struct frame garp, f, want_f, req;
	struct dp_evt ev[2];
	uint64_t t = e->t0;
	unsigned int n, n_ev;

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	t = e->t0;
	snap(e, before);
	step(e, a, &snd, &to_far, t, want, "via the gateway's first MAC");
	WANT_C(want, a, relay_send_to_peer, 1);

	/* Gratuitous ARP (request and reply forms), and an unasked reply. */
	frame_arp(&garp, mac_bcast, mac_gw2, 1, mac_gw2, IP_GW, mac_zero, IP_GW);
	garp.len = 60;
	arp_in_quiet(e, a, &garp, t, "gratuitous ARP request for the gateway");
	frame_arp(&garp, mac_bcast, mac_gw2, 2, mac_gw2, IP_GW, mac_bcast, IP_GW);
	garp.len = 60;
	arp_in_quiet(e, a, &garp, t, "gratuitous ARP reply for the gateway");
	frame_arp(&garp, e->sh->mac.addr_bytes, mac_gw2, 2, mac_gw2, IP_GW,
		  e->sh->mac.addr_bytes, IP_LISTEN);
	garp.len = 60;
	arp_in_quiet(e, a, &garp, t, "unasked ARP reply from the gateway");
	WANT_C(want, a, arp_ignored, 3);
	want[a].drop[DP_DROP_bad_arp] = 2; /* the two not addressed to us */
	step(e, a, &snd, &to_far, t, want, "still the gateway's first MAC");
	WANT_C(want, a, relay_send_to_peer, 1);

	/* An off-network sender: answered, not learned. */
	step(e, a, &off_net, &(struct out_spec){ .kind = OUT_ARP_REPLY }, t,
	     want, "ARP request from off our network");
	WANT_C(want, a, arp_replied, 1);
	WANT_C(want, a, arp_ignored, 1);
	n_ev = evt_take(e, a, ev, 2);
	assert_int_equal(n_ev, 0);

	/* A known on-link neighbour moves: RFC 826 merge still applies. */
	frame_arp(&garp, mac_bcast, mac_p1b, 1, mac_p1b, IP_P1, mac_zero, IP_P1);
	garp.len = 60;
	input_direct(e, a, &garp, t);
	assert_int_equal(tx_take(e, got, MAX_OUT), 0);
	n_ev = evt_take(e, a, ev, 2);
	evt_release(ev, RTE_MIN(n_ev, 2u));
	assert_int_equal(n_ev, 1);
	assert_true(tp_ip_equal(&ev[0].u.neigh.ip, &p1));
	assert_memory_equal(ev[0].u.neigh.mac, mac_p1b, DP_MAC_LEN);
	WANT_C(want, a, arp_learned, 1);
	WANT_D(want, a, bad_arp, 1);
	build_input(e, &cd, &f);
	input_direct(e, a, &f, t);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);
	assert_memory_equal(got[0].b, mac_p1b, DP_MAC_LEN);

	/* A minute of use later: relayed to the old MAC, and asked again. */
	t = ms_after(e, t, DP_NEXTHOP_GATEWAY_RECHECK_S * 1000.0 + 1);
	build_input(e, &snd, &f);
	input_direct(e, a, &f, t);
	n = tx_take(e, got, MAX_OUT);
	assert_int_equal(n, 2);
	want_arp_request(e, EP_GW, &req);
	frame_eq(&got[0], &req, "the gateway asked again");
	want_to_peer(e, EP_RA, EP_PFAR, data, dlen, false, &want_f);
	frame_eq(&got[1], &want_f, "meanwhile to the first MAC");
	WANT_C(want, a, relay_send_to_peer, 1);
	WANT_C(want, a, arp_requested, 1);
	WANT_C(want, a, tx_packets, 2);
	WANT_C(want, a, tx_bytes, got[0].len + got[1].len);
	/* Its answer within the second moves it. */
	frame_arp(&garp, e->sh->mac.addr_bytes, mac_gw2, 2, mac_gw2, IP_GW,
		  e->sh->mac.addr_bytes, IP_LISTEN);
	garp.len = 60;
	input_direct(e, a, &garp, ms_after(e, t, 5));
	assert_int_equal(tx_take(e, got, MAX_OUT), 0);
	n_ev = evt_take(e, a, ev, 2);
	evt_release(ev, RTE_MIN(n_ev, 2u));
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].type, DP_EVT_NEIGH);
	assert_true(tp_ip_equal(&ev[0].u.neigh.ip, &gw));
	assert_memory_equal(ev[0].u.neigh.mac, mac_gw2, DP_MAC_LEN);
	WANT_C(want, a, arp_learned, 1);
	build_input(e, &snd, &f);
	input_direct(e, a, &f, ms_after(e, t, 6));
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	memcpy(want_f.b, mac_gw2, DP_MAC_LEN);
	frame_eq(&got[0], &want_f, "relayed to the gateway's new MAC");
	WANT_C(want, a, relay_send_to_peer, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);
	stats_check(e, before, want, "ARP guard");
	env_check_clean(e);
}

/*
 * The neighbour table evicts: 20 000 senders from a /16 of our network
 * never fill it for good; the newest is always found, the pinned gateway
 * survives, and eviction is counted.
 */
static void
t_neigh_evict(void **state)
{
	struct dp_neigh *n = calloc(1, sizeof(*n));
	static const uint8_t mac[DP_MAC_LEN] = { 2, 0, 0, 0, 0, 9 };
	struct tp_ip gw = tp_ip_v4(IP_GW);
	struct dp_neigh_entry *e;

	(void)state;
	assert_non_null(n);
	assert_true(dp_neigh_set(n, &gw, mac_gw, 1));
	e = dp_neigh_find(n, &gw, false, 1);
	assert_non_null(e);
	e->pinned = true;
	for (uint32_t i = 0; i < 20000; i++) {
		struct tp_ip ip = tp_ip_v4(IP4(10, 20, 0, 0) + i);

		assert_true(dp_neigh_set(n, &ip, mac, 2 + i));
		e = dp_neigh_find(n, &ip, false, 2 + i);
		assert_non_null(e);
		assert_true(e->resolved);
	}
	assert_true(n->evicted >= 20000 - DP_NEIGH_SLOTS);
	e = dp_neigh_find(n, &gw, false, 30000);
	assert_non_null(e);
	assert_memory_equal(e->mac, mac_gw, DP_MAC_LEN);
	free(n);
}

/* With rfc5766-channel-numbers (chan_max 0x7FFF), 0x5000 is a channel. */
static void
t_chan_max(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct in_spec cd = in_chan(EP_CA, 0x5000, 21),
		       pk = in_peer(EP_P1, EP_RA, 13);
	struct out_spec to_p1 = { TO_PEER(EP_P1) }, back = { CHAN_TO_CA(0x5000) };
	uint16_t a = e->owner_a;

	(void)state;
	e->sh->chan_max = CHANNEL_NUMBER_MAX_RFC5766;
	world_install(e, W_A | W_NEIGH);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, 0x5000, ep_addr(e, EP_P1), LIFETIME_MS);
	commit_cmds(e, 0);
	snap(e, before);
	step(e, a, &cd, &to_p1, e->t0, want, "ChannelData on 0x5000");
	step(e, a, &pk, &back, e->t0, want, "peer -> ChannelData 0x5000");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_peer_to_channel, 1);
	stats_check(e, before, want, "RFC 5766 channel range");
	env_check_clean(e);
}

/* ------------------------------------------------------------------ */
/* Sequences through the real worker loop                              */
/* ------------------------------------------------------------------ */

/* 12 through the loop: ARP on permission, hold, NEIGH_SET sends it, relay. */
static void
t_live_neighbour(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct in_spec cd = in_chan(EP_CA, CH_P2, 40);
	struct out_spec to_p2 = { TO_PEER(EP_P2) };
	uint16_t a = e->owner_a;
	struct frame f, arp;

	(void)state;
	live_start(e);
	cmd_alloc_add(e, a, SLOT_A, GEN_A, EP_CA, EP_RA, LIFETIME_MS, 0);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P2, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P2, ep_addr(e, EP_P2), LIFETIME_MS);
	commit_cmds(e, 0);
	live_wait(e, 1, 0, false);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	want_arp_request(e, EP_P2, &arp);
	frame_eq(&got[0], &arp, "ARP request on permission, from the loop");
	snap(e, before);
	build_input(e, &cd, &f);
	live_inject(e, a, &f);
	live_wait(e, 0, 0, false);
	assert_int_equal(tx_take(e, got, MAX_OUT), 0); /* held */
	cmd_neigh_all(e, IP_P2, mac_p2);
	commit_cmds(e, 0);
	live_wait(e, 1, 0, false);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	check_output(e, &cd, &to_p2, &f, &got[0],
		     "held frame sent once resolved");
	live_inject(e, a, &f);
	live_wait(e, 1, 0, true);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	check_output(e, &cd, &to_p2, &f, &got[0], "relayed once resolved");
	WANT_C(want, a, tx_packets, 2);
	WANT_C(want, a, tx_bytes, 2u * got[0].len);
	WANT_C(want, a, rx_packets, 2);
	WANT_C(want, a, rx_bytes, 2u * f.len);
	WANT_C(want, a, arp_held, 1);
	WANT_C(want, a, arp_held_sent, 1);
	WANT_C(want, a, relay_channel_to_peer, 2);
	for (uint16_t i = 0; i < e->n; i++)
		WANT_C(want, i, cmds, 1);
	stats_check(e, before, want, "live neighbour");
	env_check_clean(e);
}

/* What feeding a list of frames to a worker left: everything that came
 * out (TX queues, handoff rings, punted frames, in that order) and how
 * every counter moved. */
struct fed {
	struct out_frame f[RTE_DIM(golden_cases) + 8];
	unsigned int n;
	struct dp_stats moved[MAX_W];
};

/*
 * Feed @n frames to the owner of A in the standard world, a frame at a
 * time (each flushed, as input_direct()) or DP_BURST at a time through
 * dp_input_burst(); collect what came out in @o.
 */
static void
feed(struct env *e, const struct frame *f, unsigned int n, bool burst,
     struct fed *o)
{
	struct dp_worker *w = &e->ws[e->owner_a];
	struct dp_stats before[MAX_W], after[MAX_W];
	struct dp_evt ev[RTE_DIM(o->f)];
	unsigned int n_ev;
	void *p;

	world_install(e, W_STD);
	commit_cmds(e, 0);
	snap(e, before);
	w->now = e->t0;
	for (unsigned int i = 0; i < n; i += DP_BURST) {
		struct rte_mbuf *m[DP_BURST];
		unsigned int k = RTE_MIN(n - i, (unsigned int)DP_BURST);

		for (unsigned int j = 0; j < k; j++)
			m[j] = mbuf_of(&f[i + j]);
		if (burst) {
			dp_input_burst(w, m, k);
		} else {
			for (unsigned int j = 0; j < k; j++) {
				dp_input(w, m[j]);
				dp_tx_flush(w);
			}
		}
		dp_tx_flush(w);
	}
	o->n = tx_take(e, o->f, RTE_DIM(o->f));
	for (uint16_t j = 0; j < e->n; j++)
		while (w->handoff_out[j] != NULL &&
		       rte_ring_dequeue(w->handoff_out[j], &p) == 0) {
			assert_true(o->n < RTE_DIM(o->f));
			copy_out(&o->f[o->n++], (uint16_t)(100 + j), p);
			rte_pktmbuf_free(p);
		}
	n_ev = evt_take(e, e->owner_a, ev, RTE_DIM(ev));
	assert_true(n_ev <= RTE_DIM(ev));
	for (unsigned int i = 0; i < n_ev; i++)
		if (ev[i].type == DP_EVT_PACKET) {
			assert_true(o->n < RTE_DIM(o->f));
			copy_out(&o->f[o->n++], 200, ev[i].u.packet.mbuf);
		}
	evt_release(ev, n_ev);
	snap(e, after);
	for (uint16_t i = 0; i < e->n; i++) {
		for (unsigned int k = 0; k < DP_C__COUNT; k++)
			o->moved[i].c[k] = after[i].c[k] - before[i].c[k];
		for (unsigned int k = 0; k < DP_DROP__COUNT; k++)
			o->moved[i].drop[k] =
				after[i].drop[k] - before[i].drop[k];
		for (unsigned int k = 0; k < DP_DIR__COUNT; k++)
			o->moved[i].relayed_bytes[k] =
				after[i].relayed_bytes[k] -
				before[i].relayed_bytes[k];
	}
}

/*
 * dp_input_burst() classifies a whole burst, looks its allocations up at
 * once, then relays: every golden case of the standard world but ARP (an
 * ARP frame teaches a next hop in the first pass, ahead of relays received
 * before it) fed as bursts must give, frame for frame and counter for
 * counter, what it gives one frame at a time.
 */
static void
t_burst_same(void **state)
{
	static struct frame f[RTE_DIM(golden_cases)];
	static struct fed one, many;
	struct env *e = g_env;
	struct dp_stats before[MAX_W];
	unsigned int n = 0;

	(void)state;
	for (size_t i = 0; i < RTE_DIM(golden_cases); i++)
		if (golden_cases[i].world == W_STD &&
		    golden_cases[i].in.kind != IN_ARP)
			build_input(e, &golden_cases[i].in, &f[n++]);
	assert_true(n > 2 * DP_BURST);
	feed(e, f, n, false, &one);
	assert_int_equal(workers_destroy(e), 0);
	assert_int_equal(workers_create(e), 0);
	feed(e, f, n, true, &many);
	assert_true(one.n > DP_BURST);
	assert_int_equal(many.n, one.n);
	for (unsigned int i = 0; i < one.n; i++) {
		if (many.f[i].q == one.f[i].q && many.f[i].len == one.f[i].len &&
		    memcmp(many.f[i].b, one.f[i].b, one.f[i].len) == 0)
			continue;
		dump("one at a time", one.f[i].b, one.f[i].len, 0);
		dump("in bursts", many.f[i].b, many.f[i].len, 0);
		fail_msg("output %u (queue %u) differs", i, one.f[i].q);
	}
	/* The burst run's counters moved as the first run's did. */
	memset(before, 0, sizeof(before));
	snap(e, before);
	for (uint16_t i = 0; i < e->n; i++) {
		for (unsigned int k = 0; k < DP_C__COUNT; k++)
			before[i].c[k] -= many.moved[i].c[k];
		for (unsigned int k = 0; k < DP_DROP__COUNT; k++)
			before[i].drop[k] -= many.moved[i].drop[k];
		for (unsigned int k = 0; k < DP_DIR__COUNT; k++)
			before[i].relayed_bytes[k] -=
				many.moved[i].relayed_bytes[k];
	}
	stats_check(e, before, one.moved, "bursts against one at a time");
	env_check_clean(e);
}

/* Forty frames in one go (more than a burst) come out in order. */
static void
t_live_burst(void **state)
{
	enum {
		N = 40
	};
	static struct out_frame got[N + 4];
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_spec to_p1 = { TO_PEER(EP_P1) }, chan = { CHAN_TO_CA(CH_P1) };
	struct in_spec in[N];
	struct frame f[N];
	uint16_t a = e->owner_a;
	unsigned int n;

	(void)state;
	live_start(e);
	world_install(e, W_STD);
	commit_cmds(e, 0);
	snap(e, before);
	for (unsigned int i = 0; i < N; i++) {
		in[i] = i % 2 ? in_peer(EP_P1, EP_RA, (uint16_t)(30 + i)) :
				in_chan(EP_CA, CH_P1, (uint16_t)(10 + i));
		build_input(e, &in[i], &f[i]);
		live_inject(e, a, &f[i]);
		WANT_C(want, a, rx_packets, 1);
		WANT_C(want, a, rx_bytes, f[i].len);
	}
	live_wait(e, N, 0, true);
	n = tx_take(e, got, RTE_DIM(got));
	assert_int_equal(n, N);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(got[i].q, a);
		check_output(e, &in[i], i % 2 ? &chan : &to_p1, &f[i], &got[i],
			     "burst, in order");
		WANT_C(want, a, tx_packets, 1);
		WANT_C(want, a, tx_bytes, got[i].len);
	}
	WANT_C(want, a, relay_channel_to_peer, N / 2);
	WANT_C(want, a, relay_peer_to_channel, N / 2);
	stats_check(e, before, want, "live burst");
	env_check_clean(e);
}

/* 14 through the loop: frames arriving at the wrong worker reach the owner. */
static void
t_live_handoff(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	uint16_t a = e->owner_a, o = (uint16_t)((a + 1) % e->n);
	uint16_t z = (uint16_t)((a + 2) % e->n);
	struct in_spec cd = in_chan(EP_CA, CH_P1, 80),
		       snd = in_send(EP_CA, EP_P1, 33);
	struct in_spec pk = in_peer(EP_P1, EP_RA, 60), bind = { STUN(0x0001) };
	uint8_t d[FRAME_MAX];
	struct frame f[4], w[3];
	struct dp_evt ev[2];
	unsigned int n;

	(void)state;
	live_start(e);
	world_install(e, W_STD);
	commit_cmds(e, 0);
	snap(e, before);
	build_input(e, &cd, &f[0]);
	build_input(e, &snd, &f[1]);
	build_input(e, &pk, &f[2]);
	build_input(e, &bind, &f[3]);
	live_inject(e, z, &f[0]);
	live_inject(e, o, &f[1]);
	live_inject(e, z, &f[2]);
	live_inject(e, z, &f[3]);
	live_wait(e, 3, 1, true);
	n = tx_take(e, got, MAX_OUT);
	for (unsigned int i = 0; i < RTE_MIN(n, (unsigned int)MAX_OUT); i++)
		assert_int_equal(got[i].q, a);
	want_to_peer(e, EP_RA, EP_P1, d, app_data(&cd, d), false, &w[0]);
	want_to_peer(e, EP_RA, EP_P1, d, app_data(&snd, d), false, &w[1]);
	want_chan(e, EP_CA, CH_P1, d, app_data(&pk, d), false, &w[2]);
	match_frames(got, n, w, 3, "handed off and relayed");
	assert_int_equal(evt_take(e, z, ev, 2), 1);
	check_punt(e, &ev[0], z, &bind, &f[3]);
	WANT_C(want, z, rx_packets, 3);
	WANT_C(want, z, rx_bytes, f[0].len + f[2].len + f[3].len);
	WANT_C(want, z, handoff_out, 2);
	WANT_C(want, z, punted, 1);
	WANT_C(want, o, rx_packets, 1);
	WANT_C(want, o, rx_bytes, f[1].len);
	WANT_C(want, o, handoff_out, 1);
	WANT_C(want, a, handoff_in, 3);
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_send_to_peer, 1);
	WANT_C(want, a, relay_peer_to_channel, 1);
	WANT_C(want, a, tx_packets, 3);
	WANT_C(want, a, tx_bytes, w[0].len + w[1].len + w[2].len);
	stats_check(e, before, want, "live handoff");
	env_check_clean(e);
}

/* 13 through the loop: A's ChannelData lands at a third worker, goes to A's
 * owner, then through a second handoff ring to B's owner. */
static void
t_live_relay_local(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct out_spec data_rb = { .kind = OUT_DATA_TO_CLIENT,
				    .dst = EP_CB,
				    .peer = EP_RA };
	struct in_spec cd = in_chan(EP_CA, CH_RB, 50);
	uint16_t a = e->owner_a, b = e->owner_b;
	uint16_t z = (uint16_t)((a + 2) % e->n);
	struct frame f;

	(void)state;
	live_start(e);
	install_pair(e, false);
	snap(e, before);
	build_input(e, &cd, &f);
	live_inject(e, z, &f);
	live_wait(e, 1, 0, true);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	assert_int_equal(got[0].q, b);
	check_output(e, &cd, &data_rb, &f, &got[0],
		     "relay to relay across workers");
	WANT_C(want, z, rx_packets, 1);
	WANT_C(want, z, rx_bytes, f.len);
	WANT_C(want, z, handoff_out, 1);
	WANT_C(want, a, handoff_in, 1);
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, relay_local, 1);
	WANT_C(want, a, handoff_out, 1);
	WANT_C(want, b, handoff_in, 1);
	WANT_C(want, b, relay_peer_to_data, 1);
	WANT_C(want, b, tx_packets, 1);
	WANT_C(want, b, tx_bytes, got[0].len);
	stats_check(e, before, want, "live relay to relay");
	env_check_clean(e);
}

/* ------------------------------------------------------------------ */
/* Configurations and main                                             */
/* ------------------------------------------------------------------ */

struct seq_test {
	const char *name;
	CMUnitTestFunction fn;
	uint16_t min_w, max_w;
};

/* ------------------------------------------------------------------ */
/* Stream (TCP, TLS) clients: the fast path's side                     */
/* ------------------------------------------------------------------ */

#define STREAM_CONN 0x00312345u

/* A message from the stream client at EP_CA, as the stream thread hands it
 * over (stream padding already removed): into @wid at TSC @now. */
static void
stream_input(struct env *e, uint16_t wid, const uint8_t *msg, uint16_t len,
	     uint64_t now)
{
	struct dp_stream_in in = {
		.client = ep_addr(e, EP_CA),
		.local = ep_addr(e, EP_LISTEN),
		.transport = TP_TRANSPORT_TCP,
	};
	struct frame f = { .len = len };

	memcpy(f.b, msg, len);
	in.mbuf = mbuf_of(&f);
	e->ws[wid].now = now;
	dp_relay_from_stream(&e->ws[wid], &in);
	dp_tx_flush(&e->ws[wid]);
}

/* What worker @wid handed the stream threads: one message, into @o. */
static unsigned int
stream_take(struct env *e, uint16_t wid, struct out_frame *o, uint32_t *conn)
{
	struct dp_stream_out out;
	unsigned int n = 0;

	while (rte_ring_sc_dequeue_elem(e->ws[wid].stream_out, &out,
					sizeof(out)) == 0) {
		if (n == 0) {
			copy_out(o, wid, out.mbuf);
			*conn = out.conn;
		}
		rte_pktmbuf_free(out.mbuf);
		n++;
	}
	return n;
}

/*
 * A TCP client's allocation: ChannelData and Send indications from the
 * stream are relayed to the peer exactly as a UDP client's; what the peer
 * sends comes back on the stream-out ring as ChannelData padded to four
 * bytes (RFC 8656 section 12.5) or as a Data indication; a reply the
 * control plane queues behind the install comes out after it; the same
 * addresses over UDP are another 5-tuple; a full stream-out ring drops.
 */
static void
t_stream(void **state)
{
	struct env *e = g_env;
	uint16_t a = e->owner_a;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };
	struct in_spec pk = in_peer(EP_P1, EP_RA, 13),
		       pk2 = in_peer(EP_P2, EP_RA, 9);
	struct in_spec cd = in_chan(EP_CA, CH_P1, 13);
	uint8_t data[FRAME_MAX], msg[FRAME_MAX], sendbuf[FRAME_MAX];
	struct out_frame got[MAX_OUT], o;
	struct frame f, want_f;
	struct stun_msg sm;
	struct tp_addr peer;
	uint32_t conn = 0;
	uint16_t dlen;
	unsigned int n;

	(void)state;
	cmd_neigh_all(e, IP_P1, mac_p1);
	cmd_neigh_all(e, IP_P2, mac_p2);
	c.u.alloc_add.ref.slot = SLOT_A;
	c.u.alloc_add.ref.gen = GEN_A;
	c.u.alloc_add.client = ep_addr(e, EP_CA);
	c.u.alloc_add.server = ep_addr(e, EP_LISTEN);
	c.u.alloc_add.relay = ep_addr(e, EP_RA);
	c.u.alloc_add.transport = TP_TRANSPORT_TCP;
	c.u.alloc_add.conn = STREAM_CONN;
	c.u.alloc_add.lifetime_ms = LIFETIME_MS;
	cmd_put(e, a, &c);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P1, LIFETIME_MS);
	cmd_perm(e, a, SLOT_A, GEN_A, IP_P2, LIFETIME_MS);
	cmd_chan(e, a, SLOT_A, GEN_A, CH_P1, ep_addr(e, EP_P1), LIFETIME_MS);
	/* The Allocate's success, queued behind the install (DP_CMD_STREAM_TX). */
	{
		struct dp_cmd tx = { .type = DP_CMD_STREAM_TX };
		struct frame r = { .len = 20 };

		memset(r.b, 0x01, 20);
		tx.u.stream_tx.mbuf = mbuf_of(&r);
		tx.u.stream_tx.conn = STREAM_CONN;
		cmd_put(e, a, &tx);
	}
	snap(e, before);
	commit_cmds(e, 0);
	assert_int_equal(stream_take(e, a, &o, &conn), 1);
	assert_int_equal(conn, STREAM_CONN);
	assert_int_equal(o.len, 20);
	WANT_C(want, a, stream_out, 1);

	/* ChannelData from the stream: to P1, as from a UDP client. */
	dlen = app_data(&cd, data);
	put16(msg, CH_P1);
	put16(msg + 2, dlen);
	memcpy(msg + 4, data, dlen);
	stream_input(e, a, msg, (uint16_t)(dlen + 4), e->t0);
	n = tx_take(e, got, MAX_OUT);
	want_to_peer(e, EP_RA, EP_P1, data, dlen, false, &want_f);
	match_frames(got, n, &want_f, 1, "stream ChannelData to P1");
	WANT_C(want, a, stream_in, 1);
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);

	/* A Send indication from the stream: to P2. */
	peer = ep_addr(e, EP_P2);
	{
		struct stun_builder b;
		static const uint8_t tid[STUN_TID_LEN] = { 9, 8, 7 };
		int slen;

		stun_build_init(&b, sendbuf, sizeof(sendbuf),
				stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION),
				tid);
		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
		stun_build_attr(&b, STUN_ATTR_DATA, data, 9);
		slen = stun_build_finish(&b);
		assert_true(slen > 0);
		stream_input(e, a, sendbuf, (uint16_t)slen, e->t0);
	}
	n = tx_take(e, got, MAX_OUT);
	want_to_peer(e, EP_RA, EP_P2, data, 9, false, &want_f);
	match_frames(got, n, &want_f, 1, "stream Send indication to P2");
	WANT_C(want, a, stream_in, 1);
	WANT_C(want, a, relay_send_to_peer, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);

	/* P1 answers: padded ChannelData on the stream-out ring, not the port. */
	build_input(e, &pk, &f);
	input_direct(e, a, &f, e->t0);
	assert_int_equal(tx_take(e, got, MAX_OUT), 0);
	assert_int_equal(stream_take(e, a, &o, &conn), 1);
	assert_int_equal(conn, STREAM_CONN);
	dlen = app_data(&pk, data);
	assert_int_equal(o.len, 4 + dlen + 3); /* 13 bytes: 3 of padding */
	assert_int_equal(get16(o.b), CH_P1);
	assert_int_equal(get16(o.b + 2), dlen);
	assert_memory_equal(o.b + 4, data, dlen);
	assert_memory_equal(o.b + 4 + dlen, "\0\0\0", 3);
	WANT_C(want, a, relay_peer_to_channel, 1);
	WANT_C(want, a, stream_out, 1);

	/* P2 has no channel: a Data indication. */
	build_input(e, &pk2, &f);
	input_direct(e, a, &f, e->t0);
	assert_int_equal(tx_take(e, got, MAX_OUT), 0);
	assert_int_equal(stream_take(e, a, &o, &conn), 1);
	assert_int_equal(stun_msg_decode(&sm, o.b, o.len), STUN_OK);
	assert_int_equal(sm.method, STUN_METHOD_DATA);
	assert_int_equal(sm.cls, STUN_CLASS_INDICATION);
	assert_int_equal(stun_msg_get_xor_addr(&sm, STUN_SLOT_XOR_PEER_ADDRESS,
					       &peer),
			 0);
	{
		struct tp_addr p2 = ep_addr(e, EP_P2);

		assert_true(tp_addr_equal(&peer, &p2));
	}
	dlen = app_data(&pk2, data);
	assert_int_equal(sm.attr[STUN_SLOT_DATA].len, dlen);
	assert_memory_equal(o.b + sm.attr[STUN_SLOT_DATA].off, data, dlen);
	WANT_C(want, a, relay_peer_to_data, 1);
	WANT_C(want, a, stream_out, 1);

	/* The same client address over UDP is another 5-tuple: nothing. */
	step(e, a, &cd, NULL, e->t0, want,
	     "UDP from the stream client's address");
	WANT_D(want, a, no_allocation, 1);

	/* A full stream-out ring: the peer's datagram is dropped, counted. */
	{
		struct rte_ring *r = e->ws[a].stream_out;
		struct dp_stream_out fill = { .mbuf = NULL, .conn = 1 };
		unsigned int k = 0;

		while (rte_ring_sp_enqueue_elem(r, &fill, sizeof(fill)) == 0)
			k++;
		build_input(e, &pk, &f);
		input_direct(e, a, &f, e->t0);
		while (rte_ring_sc_dequeue_elem(r, &fill, sizeof(fill)) == 0)
			k--;
		assert_int_equal(k, 0);
	}
	WANT_C(want, a, relay_peer_to_channel, 1);
	WANT_D(want, a, stream_ring_full, 1);
	for (uint16_t i = 0; i < e->n; i++)
		want[i].c[DP_C_cmds] += e->cmds_sent[i];
	stats_check(e, before, want, "stream client");

	cmd_ref(e, a, DP_CMD_ALLOC_DEL, SLOT_A, GEN_A, 0);
	commit_cmds(e, 0);
	{
		const struct dp_usage used = { 2, 13 + 9, 3, 13 + 9 + 13 };

		check_alloc_end(e, a, SLOT_A, GEN_A, &used);
	}
	env_check_clean(e);
}

/* ------------------------------------------------------------------ */
/* IPv6 (RFC 8200, RFC 4861) and relaying across families             */
/* ------------------------------------------------------------------ */

/*
 * The IPv6 side of the world (params_fill): listening address
 * 2001:db8::1, relay address 2001:db8::10 (relay IP index 2), on-link
 * network 2001:db8::/64, gateway 2001:db8::fe.  Frames are built here
 * with our own sums, as the IPv4 ones are.
 */
#define IP6_LISTEN "2001:db8::1"
#define IP6_RELAY "2001:db8::10"
#define IP6_GW "2001:db8::fe"
#define IP6_P1 "2001:db8::7"
#define IP6_P2 "2001:db8::8"
#define IP6_C6 "2001:db8:c::5"
#define UDP6_LEN 62 /* Ethernet + IPv6 + UDP */

static struct tp_ip
ip6_of(const char *text)
{
	struct tp_ip ip;

	assert_int_equal(tp_ip_parse(&ip, text), 0);
	assert_int_equal(ip.family, TP_AF_INET6);
	return ip;
}

static struct tp_addr
addr6(const char *text, uint16_t port)
{
	struct tp_addr a = { .ip = ip6_of(text), .port = port };

	return a;
}

/* The IPv6 upper-layer checksum (RFC 8200 section 8.1) of @len bytes. */
static uint16_t
cksum6(const uint8_t *ip6, uint8_t proto, const uint8_t *l4, uint16_t len)
{
	uint32_t s = sum16(0, ip6 + 8, 32) + proto + len;

	return (uint16_t)~fold(sum16(s, l4, len));
}

/* An Ethernet/IPv6 header; @ext (its own next-header fields set) between
 * it and the upper layer, whose protocol the last of them names. */
static uint8_t *
frame_ip6(struct frame *f, const uint8_t *dmac, const uint8_t *smac,
	  const struct tp_ip *src, const struct tp_ip *dst, uint8_t first_nh,
	  uint8_t hop, const uint8_t *ext, uint16_t ext_len, uint16_t l4_len)
{
	uint8_t *ip = f->b + ETH_LEN;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	put16(f->b + 12, 0x86DD);
	put32(ip, 6u << 28);
	put16(ip + 4, (uint16_t)(ext_len + l4_len));
	ip[6] = first_nh;
	ip[7] = hop;
	memcpy(ip + 8, src->bytes, 16);
	memcpy(ip + 24, dst->bytes, 16);
	memcpy(ip + 40, ext, ext_len);
	f->len = (uint16_t)(ETH_LEN + 40 + ext_len + l4_len);
	return ip + 40 + ext_len;
}

/* An Ethernet/IPv6/UDP frame carrying @pl (Hop Limit 64, as we send). */
static void
frame_udp6(struct frame *f, const uint8_t *dmac, const uint8_t *smac,
	   const struct tp_addr *src, const struct tp_addr *dst,
	   const uint8_t *pl, uint16_t plen, uint8_t first_nh,
	   const uint8_t *ext, uint16_t ext_len, enum cksum_mode ck)
{
	uint16_t ulen = (uint16_t)(8 + plen), c;
	uint8_t *udp = frame_ip6(f, dmac, smac, &src->ip, &dst->ip,
				 ext_len ? first_nh : 17, 64, ext, ext_len, ulen);

	put16(udp, src->port);
	put16(udp + 2, dst->port);
	put16(udp + 4, ulen);
	memcpy(udp + 8, pl, plen);
	if (ck == CK_ZERO_UDP)
		return;
	c = cksum6(f->b + ETH_LEN, 17, udp, ulen);
	c = c == 0 ? 0xFFFF : c;
	put16(udp + 6, ck == CK_BAD_UDP ? (uint16_t)(c ^ 0x5A5A) : c);
}

/* A ChannelData message: number, length, @dlen bytes of a pattern. */
static uint16_t
chan_msg(uint16_t ch, uint16_t dlen, uint8_t *out, uint8_t *data)
{
	for (uint16_t i = 0; i < dlen; i++)
		data[i] = (uint8_t)(0xA5 ^ (i * 7 + dlen));
	put16(out, ch);
	put16(out + 2, dlen);
	memcpy(out + 4, data, dlen);
	return (uint16_t)(4 + dlen);
}

/* A neighbour solicitation or advertisement (RFC 4861 sections 4.3,
 * 4.4) with one link-layer address option of @opt (0: none). */
static void
frame_nd(struct frame *f, const uint8_t *dmac, const uint8_t *smac,
	 const struct tp_ip *src, const struct tp_ip *dst, uint8_t hop,
	 uint8_t type, uint32_t flags, const struct tp_ip *target, uint8_t opt,
	 const uint8_t *opt_mac)
{
	uint16_t len = (uint16_t)(opt ? 32 : 24);
	uint8_t *icmp = frame_ip6(f, dmac, smac, src, dst, 58, hop, NULL, 0, len);

	icmp[0] = type;
	put32(icmp + 4, flags);
	memcpy(icmp + 8, target->bytes, 16);
	if (opt) {
		icmp[24] = opt;
		icmp[25] = 1;
		memcpy(icmp + 26, opt_mac, 6);
	}
	put16(icmp + 2, cksum6(f->b + ETH_LEN, 58, icmp, len));
}

/* The solicited-node group of @ip (RFC 4291 2.7.1) and its MAC. */
static struct tp_ip
solicited(const struct tp_ip *ip, uint8_t *mac)
{
	struct tp_ip g = ip6_of("ff02::1:ff00:0");

	memcpy(g.bytes + 13, ip->bytes + 13, 3);
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, g.bytes + 12, 4);
	return g;
}

static void
cmd_alloc6(struct env *e, uint16_t wid, uint32_t slot, uint32_t gen,
	   const struct tp_addr *client, const uint8_t *client_mac,
	   const struct tp_addr *server, const struct tp_addr *relay)
{
	struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };

	c.u.alloc_add.ref.slot = slot;
	c.u.alloc_add.ref.gen = gen;
	c.u.alloc_add.client = *client;
	c.u.alloc_add.server = *server;
	c.u.alloc_add.relay = *relay;
	memcpy(c.u.alloc_add.client_mac, client_mac, DP_MAC_LEN);
	c.u.alloc_add.lifetime_ms = LIFETIME_MS;
	cmd_put(e, wid, &c);
}

static void
cmd_perm_ip(struct env *e, uint16_t wid, uint32_t slot, uint32_t gen,
	    const struct tp_ip *ip)
{
	struct dp_cmd c = { .type = DP_CMD_PERM_SET };

	c.u.perm.ref.slot = slot;
	c.u.perm.ref.gen = gen;
	c.u.perm.peer = *ip;
	c.u.perm.lifetime_ms = LIFETIME_MS;
	c.u.perm.max_blocks = UINT8_MAX;
	cmd_put(e, wid, &c);
}

static void
cmd_neigh_ip(struct env *e, const struct tp_ip *ip, const uint8_t *mac)
{
	struct dp_cmd c = { .type = DP_CMD_NEIGH_SET };

	c.u.neigh.ip = *ip;
	memcpy(c.u.neigh.mac, mac, DP_MAC_LEN);
	for (uint16_t i = 0; i < e->n; i++)
		cmd_put(e, i, &c);
}

/* A client port of @ip owned by worker 0. */
static uint16_t
port_owned0(const struct tp_ip *ip, uint16_t n)
{
	for (uint16_t p = 41001;; p++) {
		struct tp_addr a = { .ip = *ip, .port = p };

		if (dp_owner_of_client(&a, n) == 0)
			return p;
	}
}

/* Feed @f to worker 0; expect @want (or nothing); move the TX counters. */
static void
v6_step(struct env *e, const struct frame *f, const struct frame *want,
	struct dp_stats *exp, const char *what)
{
	struct out_frame got[MAX_OUT];
	unsigned int n;

	input_direct(e, 0, f, e->t0);
	n = tx_take(e, got, MAX_OUT);
	if (want == NULL) {
		if (n != 0)
			fail_msg("%s: %u frames out, expected none", what, n);
		return;
	}
	if (n != 1)
		fail_msg("%s: %u frames out, expected 1", what, n);
	frame_eq(&got[0], want, what);
	WANT_C(exp, 0, tx_packets, 1);
	WANT_C(exp, 0, tx_bytes, got[0].len);
}

/*
 * 30: IPv6 both ways and across families.  Three allocations on worker 0:
 *   V6: an IPv6 client on the IPv6 listening address, IPv6 relayed address;
 *   X4: an IPv4 client, IPv6 relayed address (RFC 8656's
 *       REQUESTED-ADDRESS-FAMILY), peer over IPv6;
 *   X6: an IPv6 client, IPv4 relayed address, peer over IPv4.
 * Then extension headers the walk skips and those it drops.
 */
static void
t_ipv6_relay(void **state)
{
	struct env *e = g_env;
	const uint8_t *us = e->sh->mac.addr_bytes;
	struct dp_stats before[MAX_W], exp[MAX_W];
	uint8_t pl[FRAME_MAX], data[FRAME_MAX], ext[64];
	struct frame f, want;
	uint16_t n_ = e->n, plen;
	struct tp_ip c6ip = ip6_of(IP6_C6);
	struct tp_addr c6 = addr6(IP6_C6, port_owned0(&c6ip, n_));
	struct tp_addr c6x = addr6(IP6_C6, (uint16_t)(c6.port + 1));
	struct tp_addr l6 = addr6(IP6_LISTEN, LISTEN_PORT);
	struct tp_addr l4 = addr4(IP_LISTEN, LISTEN_PORT);
	struct tp_addr r6 = addr6(IP6_RELAY, MIN_PORT + 64 * n_);
	struct tp_addr r6x = addr6(IP6_RELAY, MIN_PORT + 65 * n_);
	struct tp_addr r4x = addr4(IP_RELAY0, MIN_PORT + 66 * n_);
	struct tp_addr p6 = addr6(IP6_P1, 5000), p4 = addr4(IP_P1, 5000);
	struct tp_addr c4 = addr4(IP_CA, 0);
	struct out_frame got[MAX_OUT];
	struct stun_msg m;
	struct tp_addr xp;
	uint16_t vlen;
	const uint8_t *v;

	(void)state;
	while (dp_owner_of_client(&c6x, n_) != 0)
		c6x.port++;
	c4.port = port_owned0(&c4.ip, n_);
	cmd_neigh_ip(e, &p6.ip, mac_p1);
	cmd_neigh_all(e, IP_P1, mac_p1);
	cmd_alloc6(e, 0, SLOT_A, GEN_A, &c6, mac_ca, &l6, &r6);
	cmd_perm_ip(e, 0, SLOT_A, GEN_A, &p6.ip);
	cmd_chan(e, 0, SLOT_A, GEN_A, CH_P1, p6, LIFETIME_MS);
	cmd_alloc6(e, 0, SLOT_B, GEN_B, &c4, mac_cb, &l4, &r6x);
	cmd_perm_ip(e, 0, SLOT_B, GEN_B, &p6.ip);
	cmd_chan(e, 0, SLOT_B, GEN_B, CH_P2, p6, LIFETIME_MS);
	cmd_alloc6(e, 0, SLOT_B + 1, GEN_B + 1, &c6x, mac_cx, &l6, &r4x);
	cmd_perm_ip(e, 0, SLOT_B + 1, GEN_B + 1, &p4.ip);
	cmd_chan(e, 0, SLOT_B + 1, GEN_B + 1, CH_P1, p4, LIFETIME_MS);
	commit_cmds(e, 0);
	snap(e, before);
	memset(exp, 0, sizeof(exp));

	/* V6: ChannelData in, IPv6 datagram out, checksum ours. */
	plen = chan_msg(CH_P1, 100, pl, data);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	frame_udp6(&want, mac_p1, us, &r6, &p6, data, 100, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "IPv6 ChannelData -> IPv6 datagram");
	WANT_C(exp, 0, relay_channel_to_peer, 1);

	/* V6: a Send indication with an IPv6 XOR-PEER-ADDRESS. */
	{
		struct stun_builder b;
		static const uint8_t tid[STUN_TID_LEN] = { 6, 6, 6 };

		for (uint16_t i = 0; i < 30; i++)
			data[i] = (uint8_t)i;
		stun_build_init(&b, pl, sizeof(pl),
				stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION),
				tid);
		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &p6);
		stun_build_attr(&b, STUN_ATTR_DATA, data, 30);
		plen = (uint16_t)stun_build_finish(&b);
	}
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	frame_udp6(&want, mac_p1, us, &r6, &p6, data, 30, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "IPv6 Send indication -> IPv6 datagram");
	WANT_C(exp, 0, relay_send_to_peer, 1);

	/* V6: the peer answers on the bound channel. */
	for (uint16_t i = 0; i < 77; i++)
		data[i] = (uint8_t)(i * 3);
	frame_udp6(&f, us, mac_p1, &p6, &r6, data, 77, 0, NULL, 0, CK_GOOD);
	put16(pl, CH_P1);
	put16(pl + 2, 77);
	memcpy(pl + 4, data, 77);
	frame_udp6(&want, mac_ca, us, &l6, &c6, pl, 81, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "IPv6 peer datagram -> IPv6 ChannelData");
	WANT_C(exp, 0, relay_peer_to_channel, 1);

	/* V6: from another port of the peer: a Data indication with an IPv6
	 * XOR-PEER-ADDRESS (20 bytes of value), checked by decoding. */
	{
		struct tp_addr p6o = addr6(IP6_P1, 5999);

		frame_udp6(&f, us, mac_p1, &p6o, &r6, data, 5, 0, NULL, 0,
			   CK_GOOD);
		input_direct(e, 0, &f, e->t0);
		assert_int_equal(tx_take(e, got, MAX_OUT), 1);
		assert_int_equal(get16(got[0].b + 12), 0x86DD);
		assert_memory_equal(got[0].b + ETH_LEN + 8, l6.ip.bytes, 16);
		assert_memory_equal(got[0].b + ETH_LEN + 24, c6.ip.bytes, 16);
		assert_int_equal(cksum6(got[0].b + ETH_LEN, 17,
					got[0].b + ETH_LEN + 40,
					(uint16_t)(got[0].len - ETH_LEN - 40)),
				 0);
		assert_int_equal(stun_msg_decode(&m, got[0].b + UDP6_LEN,
						 (size_t)got[0].len - UDP6_LEN),
				 STUN_OK);
		assert_int_equal(m.method, STUN_METHOD_DATA);
		assert_int_equal(stun_msg_get_xor_addr(&m,
						       STUN_SLOT_XOR_PEER_ADDRESS,
						       &xp),
				 0);
		assert_true(tp_addr_equal(&xp, &p6o));
		v = stun_msg_value(&m, STUN_SLOT_DATA, &vlen);
		assert_int_equal(vlen, 5);
		assert_memory_equal(v, data, 5);
		WANT_C(exp, 0, tx_packets, 1);
		WANT_C(exp, 0, tx_bytes, got[0].len);
		WANT_C(exp, 0, relay_peer_to_data, 1);
	}

	/* X4: IPv4 client, IPv6 relayed address: each leg its own family.
	 * Back to the client over IPv4 with DF: an IPv6 datagram may not be
	 * fragmented on its way (dp_pkt.h, struct dp_udp). */
	plen = chan_msg(CH_P2, 64, pl, data);
	{
		struct hdr_opts o = { 0 };

		frame_udp4(&f, us, mac_cb, &c4, &l4, pl, plen, &o);
	}
	frame_udp6(&want, mac_p1, us, &r6x, &p6, data, 64, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp,
		"IPv4 ChannelData, IPv6 relay -> IPv6 datagram");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	frame_udp6(&f, us, mac_p1, &p6, &r6x, data, 64, 0, NULL, 0, CK_GOOD);
	{
		struct hdr_opts o = { .frag = IPV4_DF };

		frame_udp4(&want, mac_cb, us, &l4, &c4, pl, plen, &o);
	}
	v6_step(e, &f, &want, exp,
		"IPv6 peer, IPv4 client -> IPv4 ChannelData with DF");
	WANT_C(exp, 0, relay_peer_to_channel, 1);

	/* X6: IPv6 client, IPv4 relayed address. */
	plen = chan_msg(CH_P1, 40, pl, data);
	frame_udp6(&f, us, mac_cx, &c6x, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	{
		struct hdr_opts o = { .frag = IPV4_DF };

		frame_udp4(&want, mac_p1, us, &r4x, &p4, data, 40, &o);
	}
	v6_step(e, &f, &want, exp,
		"IPv6 ChannelData, IPv4 relay -> IPv4 datagram with DF");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	{
		struct hdr_opts o = { 0 };

		frame_udp4(&f, us, mac_p1, &p4, &r4x, data, 40, &o);
	}
	put16(pl, CH_P1);
	frame_udp6(&want, mac_cx, us, &l6, &c6x, pl, plen, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "IPv4 peer, IPv6 client -> IPv6 ChannelData");
	WANT_C(exp, 0, relay_peer_to_channel, 1);

	/* Extension headers (RFC 8200 section 4): Hop-by-Hop with PadN and
	 * Router Alert, then Destination Options: skipped, relayed. */
	plen = chan_msg(CH_P1, 20, pl, data);
	memset(ext, 0, sizeof(ext));
	ext[0] = 60;
	ext[1] = 0; /* HBH, 8 bytes, next: DstOpts */
	ext[2] = 5;
	ext[3] = 2; /* Router Alert (type 00...) */
	ext[6] = 1;
	ext[7] = 0; /* PadN, 0 bytes */
	ext[8] = 17;
	ext[9] = 0; /* DstOpts, 8 bytes, next: UDP */
	ext[10] = 1;
	ext[11] = 4; /* PadN, 4 bytes */
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, ext, 16, CK_GOOD);
	frame_udp6(&want, mac_p1, us, &r6, &p6, data, 20, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp,
		"Hop-by-Hop and Destination Options -> relayed");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	/* An atomic fragment (offset 0, M 0) is the whole datagram (RFC 6946). */
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	put32(ext + 4, 0x12345678);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 44, ext, 8, CK_GOOD);
	v6_step(e, &f, &want, exp, "atomic fragment -> relayed");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	/* A real fragment. */
	put16(ext + 2, 0x0001); /* M set */
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 44, ext, 8, CK_GOOD);
	v6_step(e, &f, NULL, exp, "fragment header, M set -> ip_fragment");
	WANT_D(exp, 0, ip_fragment, 1);
	/* A routing header with segments left: ours to forward, we do not. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	ext[1] = 0;
	ext[2] = 4;
	ext[3] = 1;
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 43, ext, 8, CK_GOOD);
	v6_step(e, &f, NULL, exp,
		"routing header, Segments Left 1 -> ipv6_ext_header");
	WANT_D(exp, 0, ipv6_ext_header, 1);
	/* ... and with none left it is skipped. */
	ext[3] = 0;
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 43, ext, 8, CK_GOOD);
	v6_step(e, &f, &want, exp, "routing header, Segments Left 0 -> relayed");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	/* An unknown option whose type says "discard" (10xxxxxx). */
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	ext[2] = 0x80;
	ext[3] = 4;
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 60, ext, 8, CK_GOOD);
	v6_step(e, &f, NULL, exp,
		"unknown option, action discard -> ipv6_ext_header");
	WANT_D(exp, 0, ipv6_ext_header, 1);
	/* Hop-by-Hop anywhere but first. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 0;
	ext[8] = 17;
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 60, ext, 16, CK_GOOD);
	v6_step(e, &f, NULL, exp, "Hop-by-Hop second -> ipv6_ext_header");
	WANT_D(exp, 0, ipv6_ext_header, 1);
	/* An option running past its header. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	ext[2] = 1;
	ext[3] = 9;
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 60, ext, 8, CK_GOOD);
	v6_step(e, &f, NULL, exp, "option past its header -> ipv6_ext_header");
	WANT_D(exp, 0, ipv6_ext_header, 1);
	/* A header running past the payload. */
	memset(ext, 0, sizeof(ext));
	ext[0] = 17;
	ext[1] = 200;
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 60, ext, 8, CK_GOOD);
	v6_step(e, &f, NULL, exp, "extension header past the payload -> bad_ip");
	WANT_D(exp, 0, bad_ip, 1);
	/* UDP checksums: mandatory over IPv6, and right. */
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_ZERO_UDP);
	v6_step(e, &f, NULL, exp, "UDP checksum 0 over IPv6 -> bad_udp");
	WANT_D(exp, 0, bad_udp, 1);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_BAD_UDP);
	v6_step(e, &f, NULL, exp, "wrong UDP checksum over IPv6 -> bad_udp");
	WANT_D(exp, 0, bad_udp, 1);
	/* Payload length past the frame; not version 6. */
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	f.len = (uint16_t)(f.len - 10);
	v6_step(e, &f, NULL, exp, "IPv6 payload length past the frame -> bad_ip");
	WANT_D(exp, 0, bad_ip, 1);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	f.b[ETH_LEN] = 0x40;
	v6_step(e, &f, NULL, exp, "version 4 under the IPv6 ethertype -> bad_ip");
	WANT_D(exp, 0, bad_ip, 1);
	/* To an IPv6 address that is not ours. */
	{
		struct tp_addr other = addr6("2001:db8::77", LISTEN_PORT);

		frame_udp6(&f, us, mac_ca, &c6, &other, pl, plen, 0, NULL, 0,
			   CK_GOOD);
		v6_step(e, &f, NULL, exp,
			"IPv6 to an address not ours -> not_our_address");
		WANT_D(exp, 0, not_our_address, 1);
	}
	stats_check(e, before, exp, "IPv6 relay");
}

/*
 * 32: a dual allocation (RFC 8656 section 7.2): one allocation, an IPv4
 * and an IPv6 relayed address, an IPv6 client relaying to an IPv4 and an
 * IPv6 peer at once, each from the relayed address of its family, and both
 * peers answering through their own relayed address.  Then the IPv6 one is
 * given up (DP_CMD_RELAY_DEL, a Refresh with REQUESTED-ADDRESS-FAMILY and
 * LIFETIME 0): IPv6 peers reach nothing, IPv4 goes on; and everything goes
 * with the allocation.
 */
static void
t_dual(void **state)
{
	struct env *e = g_env;
	const uint8_t *us = e->sh->mac.addr_bytes;
	struct dp_stats before[MAX_W], exp[MAX_W];
	uint8_t pl[FRAME_MAX], data[FRAME_MAX];
	struct frame f, want;
	uint16_t n_ = e->n, plen;
	struct tp_ip c6ip = ip6_of(IP6_C6);
	struct tp_addr c6 = addr6(IP6_C6, port_owned0(&c6ip, n_));
	struct tp_addr l6 = addr6(IP6_LISTEN, LISTEN_PORT);
	struct tp_addr r4 = addr4(IP_RELAY0, MIN_PORT + 70 * n_);
	struct tp_addr r6 = addr6(IP6_RELAY, MIN_PORT + 71 * n_);
	struct tp_addr p6 = addr6(IP6_P1, 5000), p4 = addr4(IP_P1, 5000);
	struct hdr_opts o4 = { 0 }, o4df = { .frag = IPV4_DF };
	struct dp_cmd c = { .type = DP_CMD_ALLOC_ADD };

	(void)state;
	cmd_neigh_ip(e, &p6.ip, mac_p1);
	cmd_neigh_all(e, IP_P1, mac_p1);
	c.u.alloc_add.ref.slot = SLOT_A;
	c.u.alloc_add.ref.gen = GEN_A;
	c.u.alloc_add.client = c6;
	c.u.alloc_add.server = l6;
	c.u.alloc_add.relay = r4;
	c.u.alloc_add.relay2 = r6;
	memcpy(c.u.alloc_add.client_mac, mac_ca, DP_MAC_LEN);
	c.u.alloc_add.lifetime_ms = LIFETIME_MS;
	cmd_put(e, 0, &c);
	cmd_perm_ip(e, 0, SLOT_A, GEN_A, &p4.ip);
	cmd_perm_ip(e, 0, SLOT_A, GEN_A, &p6.ip);
	cmd_chan(e, 0, SLOT_A, GEN_A, CH_P1, p4, LIFETIME_MS);
	cmd_chan(e, 0, SLOT_A, GEN_A, CH_P2, p6, LIFETIME_MS);
	commit_cmds(e, 0);
	snap(e, before);
	memset(exp, 0, sizeof(exp));

	/* To each peer from the relayed address of its family. */
	plen = chan_msg(CH_P1, 50, pl, data);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	frame_udp4(&want, mac_p1, us, &r4, &p4, data, 50, &o4df);
	v6_step(e, &f, &want, exp, "dual: channel to the IPv4 peer from r4");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	plen = chan_msg(CH_P2, 60, pl, data);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	frame_udp6(&want, mac_p1, us, &r6, &p6, data, 60, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "dual: channel to the IPv6 peer from r6");
	WANT_C(exp, 0, relay_channel_to_peer, 1);

	/* Each peer answers to its own relayed address; both reach the
	 * client on their channels. */
	frame_udp4(&f, us, mac_p1, &p4, &r4, data, 50, &o4);
	put16(pl, CH_P1);
	put16(pl + 2, 50);
	memcpy(pl + 4, data, 50);
	frame_udp6(&want, mac_ca, us, &l6, &c6, pl, 54, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "dual: IPv4 peer to r4 -> client");
	WANT_C(exp, 0, relay_peer_to_channel, 1);
	frame_udp6(&f, us, mac_p1, &p6, &r6, data, 60, 0, NULL, 0, CK_GOOD);
	put16(pl, CH_P2);
	put16(pl + 2, 60);
	memcpy(pl + 4, data, 60);
	frame_udp6(&want, mac_ca, us, &l6, &c6, pl, 64, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "dual: IPv6 peer to r6 -> client");
	WANT_C(exp, 0, relay_peer_to_channel, 1);
	/* A peer of one family at the other's relayed address: no such
	 * address of its family is there to be ours (not_our_address), and
	 * the IPv4 peer at r6's port on the IPv4 address is nobody's. */
	{
		struct tp_addr r4_at_r6_port = addr4(IP_RELAY0, r6.port);

		frame_udp4(&f, us, mac_p1, &p4, &r4_at_r6_port, data, 50, &o4);
		v6_step(e, &f, NULL, exp,
			"IPv4 peer at r6's port -> no_allocation");
		WANT_D(exp, 0, no_allocation, 1);
	}

	/* The IPv6 relayed address given up. */
	{
		struct dp_cmd d = { .type = DP_CMD_RELAY_DEL };

		d.u.relay_del.ref.slot = SLOT_A;
		d.u.relay_del.ref.gen = GEN_A;
		d.u.relay_del.family = TP_AF_INET6;
		cmd_put(e, 0, &d);
		commit_cmds(e, 0);
		WANT_C(exp, 0, cmds, 1);
	}
	plen = chan_msg(CH_P2, 60, pl, data);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, NULL, exp, "IPv6 given up: channel to it -> peer_family");
	WANT_D(exp, 0, peer_family, 1);
	frame_udp6(&f, us, mac_p1, &p6, &r6, data, 60, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, NULL, exp, "IPv6 given up: to r6 -> no_allocation");
	WANT_D(exp, 0, no_allocation, 1);
	plen = chan_msg(CH_P1, 50, pl, data);
	frame_udp6(&f, us, mac_ca, &c6, &l6, pl, plen, 0, NULL, 0, CK_GOOD);
	frame_udp4(&want, mac_p1, us, &r4, &p4, data, 50, &o4df);
	v6_step(e, &f, &want, exp, "IPv6 given up: IPv4 goes on");
	WANT_C(exp, 0, relay_channel_to_peer, 1);
	/* Giving up the last one is a delete's job, not this command's. */
	{
		struct dp_cmd d = { .type = DP_CMD_RELAY_DEL };

		d.u.relay_del.ref.slot = SLOT_A;
		d.u.relay_del.ref.gen = GEN_A;
		d.u.relay_del.family = TP_AF_INET;
		cmd_put(e, 0, &d);
		commit_cmds(e, 1);
		WANT_C(exp, 0, cmds, 1);
		WANT_D(exp, 0, cmd_failed, 1);
	}
	stats_check(e, before, exp, "dual allocation");
	/* Payload bytes by direction: 50 + 60 + 50 to peers (the channel to
	 * the given-up family carried nothing), 50 + 60 back. */
	{
		struct dp_stats now[MAX_W];

		snap(e, now);
		assert_int_equal(now[0].relayed_bytes[DP_DIR_TO_PEER] -
					 before[0].relayed_bytes[DP_DIR_TO_PEER],
				 160);
		assert_int_equal(now[0].relayed_bytes[DP_DIR_TO_CLIENT] -
					 before[0].relayed_bytes[DP_DIR_TO_CLIENT],
				 110);
	}
}

/*
 * 31: neighbour discovery (RFC 4861) and echo: answering a solicitation
 * for our address (and a duplicate address detection probe), soliciting
 * an unresolved next hop while the frame waits, learning it from the
 * solicited advertisement, ignoring an unsolicited one for the gateway,
 * and ping.
 */
static void
t_ipv6_nd(void **state)
{
	struct env *e = g_env;
	const uint8_t *us = e->sh->mac.addr_bytes;
	struct dp_stats before[MAX_W], exp[MAX_W];
	uint8_t pl[FRAME_MAX], data[FRAME_MAX], gmac[6];
	struct frame f, want, held;
	struct tp_ip l6 = ip6_of(IP6_LISTEN), p2 = ip6_of(IP6_P2);
	struct tp_ip gw = ip6_of(IP6_GW), any = { .family = TP_AF_INET6 };
	struct tp_ip all = ip6_of("ff02::1"), g;
	struct tp_ip c6ip = ip6_of(IP6_C6);
	struct tp_addr c6 = addr6(IP6_C6, port_owned0(&c6ip, e->n));
	struct tp_addr la = addr6(IP6_LISTEN, LISTEN_PORT);
	struct tp_addr r6 = addr6(IP6_RELAY, MIN_PORT + 64 * e->n);
	struct tp_addr p2a = addr6(IP6_P2, 5001);
	static const uint8_t all_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	struct dp_evt ev[4];
	uint16_t plen;

	(void)state;
	cmd_alloc6(e, 0, SLOT_A, GEN_A, &c6, mac_ca, &la, &r6);
	cmd_perm_ip(e, 0, SLOT_A, GEN_A, &p2);
	cmd_chan(e, 0, SLOT_A, GEN_A, CH_P2, p2a, LIFETIME_MS);
	commit_cmds(e, 0);
	/* The permission for an unresolved peer asked for it already
	 * (dp_cmd.c): take that solicitation first. */
	{
		struct out_frame got[MAX_OUT];

		g = solicited(&p2, gmac);
		frame_nd(&want, gmac, us, &l6, &g, 255, 135, 0, &p2, 1, us);
		assert_int_equal(tx_take(e, got, MAX_OUT), 1);
		frame_eq(&got[0], &want,
			 "solicitation for a new peer's next hop");
	}
	snap(e, before);
	memset(exp, 0, sizeof(exp));

	/* A solicitation for our listening address, to its solicited-node
	 * group, from an on-link host: advertised (S, O) and learned. */
	g = solicited(&l6, gmac);
	frame_nd(&f, gmac, mac_p2, &p2, &g, 255, 135, 0, &l6, 1, mac_p2);
	frame_nd(&want, mac_p2, us, &l6, &p2, 255, 136, 0x60000000u, &l6, 2, us);
	v6_step(e, &f, &want, exp,
		"solicitation for our address -> advertisement");
	WANT_C(exp, 0, nd_advertised, 1);
	WANT_C(exp, 0, nd_learned, 1);
	WANT_C(exp, 0, arp_held_sent, 0);
	assert_int_equal(evt_take(e, 0, ev, 4), 1);
	assert_int_equal(ev[0].type, DP_EVT_NEIGH);
	assert_true(tp_ip_equal(&ev[0].u.neigh.ip, &p2));
	assert_memory_equal(ev[0].u.neigh.mac, mac_p2, 6);

	/* Now P2 is known: ChannelData to it leaves at once. */
	plen = chan_msg(CH_P2, 33, pl, data);
	frame_udp6(&f, us, mac_ca, &c6, &la, pl, plen, 0, NULL, 0, CK_GOOD);
	frame_udp6(&want, mac_p2, us, &r6, &p2a, data, 33, 0, NULL, 0, CK_GOOD);
	v6_step(e, &f, &want, exp, "to the learned peer -> sent");
	WANT_C(exp, 0, relay_channel_to_peer, 1);

	/* A duplicate address detection probe (source ::): answered to all
	 * nodes, without Solicited (RFC 4861 7.2.4); nothing learned. */
	g = solicited(&l6, gmac);
	frame_nd(&f, gmac, mac_stranger, &any, &g, 255, 135, 0, &l6, 0, NULL);
	frame_nd(&want, all_mac, us, &l6, &all, 255, 136, 0x20000000u, &l6, 2,
		 us);
	v6_step(e, &f, &want, exp,
		"DAD probe for our address -> advertisement to all nodes");
	WANT_C(exp, 0, nd_advertised, 1);

	/* Not for us, or not valid (RFC 4861 7.1.1). */
	{
		struct tp_ip other = ip6_of("2001:db8::77");

		g = solicited(&other, gmac);
		frame_nd(&f, gmac, mac_p2, &p2, &g, 255, 135, 0, &other, 1,
			 mac_p2);
		v6_step(e, &f, NULL, exp,
			"solicitation for another address -> not_our_address");
		WANT_D(exp, 0, not_our_address, 1);
	}
	g = solicited(&l6, gmac);
	frame_nd(&f, gmac, mac_p2, &p2, &g, 64, 135, 0, &l6, 1, mac_p2);
	v6_step(e, &f, NULL, exp, "solicitation with Hop Limit 64 -> bad_icmp6");
	WANT_D(exp, 0, bad_icmp6, 1);
	frame_nd(&f, gmac, mac_p2, &p2, &g, 255, 135, 0, &l6, 1, mac_p2);
	f.b[ETH_LEN + 40 + 25] = 0; /* option length 0 */
	put16(f.b + ETH_LEN + 40 + 2, 0);
	put16(f.b + ETH_LEN + 40 + 2,
	      cksum6(f.b + ETH_LEN, 58, f.b + ETH_LEN + 40, 32));
	v6_step(e, &f, NULL, exp, "option of length 0 -> bad_icmp6");
	WANT_D(exp, 0, bad_icmp6, 1);
	frame_nd(&f, gmac, mac_p2, &p2, &g, 255, 135, 0, &l6, 1, mac_p2);
	f.b[ETH_LEN + 40 + 2] ^= 0xFF;
	v6_step(e, &f, NULL, exp, "wrong ICMPv6 checksum -> bad_icmp6");
	WANT_D(exp, 0, bad_icmp6, 1);

	/* An unsolicited advertisement for the gateway, never asked for:
	 * not listed, so not learned (and the gateway is pinned anyway). */
	frame_nd(&f, all_mac, mac_stranger, &gw, &all, 255, 136, 0x20000000u,
		 &gw, 2, mac_stranger);
	v6_step(e, &f, NULL, exp, "unsolicited advertisement -> ignored");

	/* An off-link peer: through the gateway, which we solicit; the frame
	 * waits and leaves when the solicited advertisement comes. */
	{
		struct tp_ip far = ip6_of("2001:db8:f::9");
		struct tp_addr fara = addr6("2001:db8:f::9", 7000);
		struct dp_cmd c = { .type = DP_CMD_CHAN_SET };
		struct out_frame got[MAX_OUT];

		cmd_perm_ip(e, 0, SLOT_A, GEN_A, &far);
		c.u.chan.ref.slot = SLOT_A;
		c.u.chan.ref.gen = GEN_A;
		c.u.chan.peer = fara;
		c.u.chan.channel = CH_PFAR2;
		c.u.chan.lifetime_ms = LIFETIME_MS;
		c.u.chan.max_blocks = UINT8_MAX;
		cmd_put(e, 0, &c);
		commit_at(e, e->t0, 0);
		WANT_C(exp, 0, cmds, 2);
		g = solicited(&gw, gmac);
		frame_nd(&want, gmac, us, &l6, &g, 255, 135, 0, &gw, 1, us);
		assert_int_equal(tx_take(e, got, MAX_OUT), 1);
		frame_eq(&got[0], &want, "solicitation for the gateway");
		WANT_C(exp, 0, nd_solicited, 1);
		WANT_C(exp, 0, tx_packets, 1);
		WANT_C(exp, 0, tx_bytes, got[0].len);

		plen = chan_msg(CH_PFAR2, 50, pl, data);
		frame_udp6(&f, us, mac_ca, &c6, &la, pl, plen, 0, NULL, 0,
			   CK_GOOD);
		v6_step(e, &f, NULL, exp,
			"to an off-link peer, gateway unresolved -> held");
		WANT_C(exp, 0, relay_channel_to_peer, 1);
		WANT_C(exp, 0, arp_held, 1);
		frame_nd(&f, us, mac_gw, &gw, &l6, 255, 136, 0x60000000u, &gw,
			 2, mac_gw);
		frame_udp6(&held, mac_gw, us, &r6, &fara, data, 50, 0, NULL, 0,
			   CK_GOOD);
		v6_step(e, &f, &held, exp,
			"solicited advertisement from the gateway -> held frame sent");
		WANT_C(exp, 0, nd_learned, 1);
		WANT_C(exp, 0, arp_held_sent, 1);
		assert_int_equal(evt_take(e, 0, ev, 4), 1);
		assert_int_equal(ev[0].type, DP_EVT_NEIGH);
		assert_true(tp_ip_equal(&ev[0].u.neigh.ip, &gw));
	}

	/* Our cache is split over the workers, and the answer to one
	 * worker's solicitation may come in on another's queue: a solicited
	 * advertisement to our unicast address is learned by whichever worker
	 * gets it, and shared (DP_EVT_NEIGH); an unsolicited one for an
	 * address nobody listed is not. */
	{
		struct tp_ip on_link = ip6_of("2001:db8::33");
		uint16_t wid = (uint16_t)(e->n > 1 ? 1 : 0);
		struct out_frame got[MAX_OUT];

		frame_nd(&f, us, mac_p1, &on_link, &l6, 255, 136, 0x20000000u,
			 &on_link, 2, mac_p1);
		v6_step(e, &f, NULL, exp,
			"unsolicited advertisement, nobody asked -> ignored");
		frame_nd(&f, us, mac_p1, &on_link, &l6, 255, 136, 0x60000000u,
			 &on_link, 2, mac_p1);
		input_direct(e, wid, &f, e->t0);
		assert_int_equal(tx_take(e, got, MAX_OUT), 0);
		WANT_C(exp, wid, nd_learned, 1);
		assert_int_equal(evt_take(e, wid, ev, 4), 1);
		assert_int_equal(ev[0].type, DP_EVT_NEIGH);
		assert_true(tp_ip_equal(&ev[0].u.neigh.ip, &on_link));
		assert_memory_equal(ev[0].u.neigh.mac, mac_p1, 6);
	}

	/* Ping our relay address. */
	{
		struct tp_ip r6ip = ip6_of(IP6_RELAY);
		uint8_t *icmp = frame_ip6(&f, us, mac_p2, &p2, &r6ip, 58, 64,
					  NULL, 0, 16);

		icmp[0] = 128;
		put32(icmp + 4, 0x00010002);
		memcpy(icmp + 8, "pingpong", 8);
		put16(icmp + 2, cksum6(f.b + ETH_LEN, 58, icmp, 16));
		icmp = frame_ip6(&want, mac_p2, us, &r6ip, &p2, 58, 64, NULL, 0,
				 16);
		icmp[0] = 129;
		put32(icmp + 4, 0x00010002);
		memcpy(icmp + 8, "pingpong", 8);
		put16(icmp + 2, cksum6(want.b + ETH_LEN, 58, icmp, 16));
		v6_step(e, &f, &want, exp,
			"echo request to our address -> reply");
		WANT_C(exp, 0, icmp6_echo_replied, 1);
	}
	/* A router advertisement: not ours to act on. */
	{
		uint8_t *icmp = frame_ip6(&f, all_mac, mac_gw, &gw, &all, 58,
					  255, NULL, 0, 16);

		icmp[0] = 134;
		put16(icmp + 2, cksum6(f.b + ETH_LEN, 58, icmp, 16));
		v6_step(e, &f, NULL, exp,
			"router advertisement -> icmp6_unhandled");
		WANT_D(exp, 0, icmp6_unhandled, 1);
	}
	stats_check(e, before, exp, "IPv6 neighbour discovery");
}

static const struct seq_test seq_tests[] = {
	{ "10 expiry of permission, channel and allocation", t_expiry, 1, MAX_W },
	{ "30 IPv6 relay both ways, across families, extension headers",
	  t_ipv6_relay, 1, MAX_W },
	{ "31 IPv6 neighbour discovery and echo", t_ipv6_nd, 1, MAX_W },
	{ "32 dual allocation: both families at once, one given up", t_dual, 1,
	  MAX_W },
	{ "12 unresolved next hop: ARP request, then relay", t_neighbour, 1,
	  MAX_W },
	{ "13 relay to relay", t_relay_local, 1, MAX_W },
	{ "14 handoff to the owning worker", t_handoff_direct, MAX_W, MAX_W },
	{ "16 allocation delete: usage event, then no_allocation", t_alloc_del,
	  1, MAX_W },
	{ "17 max_bps token bucket", t_rate, 1, MAX_W },
	{ "commands that fail, and DP_CMD_TX", t_cmds, 1, MAX_W },
	{ "many peers: overflow blocks, returned on delete", t_overflow, 1,
	  MAX_W },
	{ "Data indications have distinct transaction IDs", t_tid, 1, MAX_W },
	{ "overflow blocks capped by the control plane's reservation",
	  t_block_reservation, 1, MAX_W },
	{ "multi-segment mbuf -> bad_ip", t_chained, 1, MAX_W },
	{ "drops after the relay decision are not counted as relayed",
	  t_drop_accounting, 1, MAX_W },
	{ "relay to relay with TX checksum offload", t_offload_local, 1, 1 },
	{ "a full table: every slot takes an allocation", t_capacity, 1, 1 },
	{ "full event, TX and handoff rings", t_rings_full, 1, MAX_W },
	{ "ARP: gateway pinned, off-network senders not learned, merge",
	  t_arp_guard, 1, MAX_W },
	{ "neighbour table evicts, never the pinned gateway", t_neigh_evict, 1,
	  1 },
	{ "RFC 5766 channel numbers when chan_max allows them", t_chan_max, 1,
	  MAX_W },
	{ "stream client: relay both ways, padding, replies in order", t_stream,
	  1, MAX_W },
	{ "live: next hop resolved by DP_CMD_NEIGH_SET", t_live_neighbour, 1,
	  MAX_W },
	{ "a burst gives what one frame at a time gives", t_burst_same, 1, MAX_W },
	{ "live: 40 frames come out in order", t_live_burst, 1, MAX_W },
	{ "live 14: handoff to the owning worker", t_live_handoff, MAX_W, MAX_W },
	{ "live 13: relay to relay across two handoffs", t_live_relay_local,
	  MAX_W, MAX_W },
};

/* ------------------------------------------------------------------ */
/* Exception-port mode (dp_xport.h)                                    */
/* ------------------------------------------------------------------ */

/*
 * A second ring port stands for the exception port (the TAP the kernel
 * reads).  The workers are made afresh in exception-port mode, with the
 * kernel owning ARP (neigh_from_kernel), as host_share.c sets it up.
 */
static int
t_setup_xport(void **state)
{
	struct env *e = g_env;

	e->port_info.has_xport = true;
	e->port_info.xport_id = e->xport;
	e->params.neigh_from_kernel = true;
	(void)state;
	return workers_create(e) == 0 ? 0 : -1;
}

static int
t_teardown_xport(void **state)
{
	struct env *e = g_env;
	int rc = workers_destroy(e);

	(void)state;
	e->port_info.has_xport = false;
	e->params.neigh_from_kernel = false;
	for (uint16_t q = 0; q < e->n; q++) {
		ring_flush_mbufs(e->xrxr[q]);
		ring_flush_mbufs(e->xtxr[q]);
	}
	return rc;
}

/* Take every frame off the exception port's TX rings (what the kernel
 * would read); @return how many. */
static unsigned int
xtx_take(struct env *e, struct out_frame *o, unsigned int max)
{
	unsigned int n = 0;
	void *p;

	for (uint16_t q = 0; q < e->n; q++) {
		while (rte_ring_dequeue(e->xtxr[q], &p) == 0) {
			if (n < max)
				copy_out(&o[n], q, p);
			n++;
			rte_pktmbuf_free(p);
		}
	}
	return n;
}

/* A frame from the NIC into worker @wid as its RX loop hands it over,
 * then both transmit buffers flushed. */
static void
steer_direct(struct env *e, uint16_t wid, const struct frame *f)
{
	struct dp_worker *w = &e->ws[wid];

	w->now = e->t0;
	dp_xport_steer(w, mbuf_of(f));
	dp_tx_flush(w);
	dp_xport_flush(w);
}

/* The frames of the host's traffic that must reach the kernel unchanged. */
enum {
	XK_TCP,
	XK_ICMP,
	XK_ARP,
	XK_UDP_DNS,
	XK_UDP_BELOW,
	XK_FRAG,
	XK_OTHER_IP,
	XK_IPV6,
	XK__COUNT
};

static const char *const xk_what[XK__COUNT] = {
	"TCP to the listening address and port (TURN over TCP)",
	"ICMP echo to the listening address",
	"ARP request for the listening address (the kernel answers)",
	"UDP to the listening address, port 53",
	"UDP to a relay address below the relay range",
	"first fragment of UDP to the listening port",
	"UDP to an address not ours at the listening port",
	"IPv6 EtherType",
};

static void
xk_build(const struct env *e, unsigned int i, struct frame *f)
{
	static const uint8_t pl[20] = { 0x45, 0x54 };
	struct tp_addr ca = ep_addr(e, EP_CA), to = ep_addr(e, EP_LISTEN);
	struct hdr_opts o = { 0 };

	switch (i) {
	case XK_TCP:
		o.proto = 6;
		break;
	case XK_ICMP:
		o.proto = 1;
		break;
	case XK_ARP:
		frame_arp(f, mac_bcast, mac_p2, 1, mac_p2, IP_P2, mac_zero,
			  IP_LISTEN);
		return;
	case XK_UDP_DNS:
		to.port = 53;
		break;
	case XK_UDP_BELOW:
		to = ep_addr(e, EP_R_BELOW);
		break;
	case XK_FRAG:
		o.frag = 0x2000;
		break;
	case XK_OTHER_IP:
		to = ep_addr(e, EP_OTHER);
		break;
	default:
		break;
	}
	frame_udp4(f, mac_us, mac_ca, &ca, &to, pl, sizeof(pl), &o);
	if (i == XK_IPV6)
		put16(f->b + 12, 0x86DD);
}

/* The kernel's frame out of the TAP: a TCP segment from the listening
 * address to client A, as the NIC must send it. */
static void
xk_from_kernel(const struct env *e, struct frame *f)
{
	static const uint8_t pl[20] = { 0x12 };
	struct tp_addr ca = ep_addr(e, EP_CA), from = ep_addr(e, EP_LISTEN);
	struct hdr_opts o = { .proto = 6 };

	frame_udp4(f, mac_ca, mac_us, &from, &ca, pl, sizeof(pl), &o);
}

/*
 * Steering in exception-port mode, worker by worker: our UDP is relayed
 * by the fast path; TCP, ICMP, ARP, other UDP, fragments and IPv6 go to
 * the exception port's queue of the worker that read them, byte for
 * byte, and the worker answers no ARP; what the kernel sends comes out of
 * the NIC unchanged, on the same worker's queue.
 */
static void
t_xport_steer(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct in_spec cd = in_chan(EP_CA, CH_P1, 60);
	struct out_spec to_p1 = { TO_PEER(EP_P1) };
	uint16_t a = e->owner_a;
	struct frame f;

	(void)state;
	world_install(e, W_STD);
	commit_cmds(e, 0);
	/* The kernel owns ARP: permissions for resolved next hops (P1, the
	 * gateway) are reported in use, never asked for with ARP. */
	for (uint16_t w = 0; w < e->n; w++) {
		struct dp_evt ev[4];
		unsigned int ne = evt_take(e, w, ev, RTE_DIM(ev));

		assert_true(ne <= RTE_DIM(ev));
		for (unsigned int i = 0; i < ne; i++)
			assert_int_equal(ev[i].type, DP_EVT_NEIGH_USED);
	}
	assert_int_equal(tx_take(e, got, MAX_OUT), 0);
	snap(e, before);

	build_input(e, &cd, &f);
	steer_direct(e, a, &f);
	assert_int_equal(xtx_take(e, got, MAX_OUT), 0);
	assert_int_equal(tx_take(e, got, MAX_OUT), 1);
	check_output(e, &cd, &to_p1, &f, &got[0],
		     "ChannelData steered to the fast path and relayed");
	WANT_C(want, a, relay_channel_to_peer, 1);
	WANT_C(want, a, tx_packets, 1);
	WANT_C(want, a, tx_bytes, got[0].len);

	for (unsigned int i = 0; i < XK__COUNT; i++) {
		uint16_t w = (uint16_t)(i % e->n);

		xk_build(e, i, &f);
		steer_direct(e, w, &f);
		assert_int_equal(tx_take(e, got, MAX_OUT), 0);
		if (xtx_take(e, got, MAX_OUT) != 1)
			fail_msg("%s: not on the exception port", xk_what[i]);
		assert_int_equal(got[0].q, w);
		frame_eq(&got[0], &f, xk_what[i]);
		WANT_C(want, w, to_kernel, 1);
	}

	xk_from_kernel(e, &f);
	for (uint16_t w = 0; w < e->n; w++) {
		assert_int_equal(rte_ring_sp_enqueue(e->xrxr[w], mbuf_of(&f)), 0);
		e->ws[w].now = e->t0;
		assert_int_equal(dp_xport_poll(&e->ws[w]), 1);
		assert_int_equal(dp_xport_poll(&e->ws[w]), 0);
		assert_int_equal(xtx_take(e, got, MAX_OUT), 0);
		assert_int_equal(tx_take(e, got, MAX_OUT), 1);
		assert_int_equal(got[0].q, w);
		frame_eq(&got[0], &f, "the kernel's TCP segment out of the NIC");
		WANT_C(want, w, from_kernel, 1);
		WANT_C(want, w, tx_packets, 1);
		WANT_C(want, w, tx_bytes, f.len);
	}
	stats_check(e, before, want, "exception-port steering");
	env_check_clean(e);
}

/* The exception port refuses frames (its TX ring full): each is dropped
 * and counted as xport_full, none leaks. */
static void
t_xport_full(void **state)
{
	struct env *e = g_env;
	struct dp_stats before[MAX_W], want[MAX_W] = { 0 };
	struct out_frame got[MAX_OUT];
	struct frame f;
	unsigned int filled = 0;
	void *m;

	(void)state;
	/* Fill queue 0's ring with frames of our own. */
	while (rte_ring_free_count(e->xtxr[0]) > 0 &&
	       (m = rte_pktmbuf_alloc(g_pool)) != NULL) {
		assert_int_equal(rte_ring_sp_enqueue(e->xtxr[0], m), 0);
		filled++;
	}
	assert_true(filled > 0);
	snap(e, before);
	xk_build(e, XK_TCP, &f);
	steer_direct(e, 0, &f);
	steer_direct(e, 0, &f);
	WANT_D(want, 0, xport_full, 2);
	stats_check(e, before, want, "exception port full");
	assert_int_equal(xtx_take(e, got, 0), filled);
	env_check_clean(e);
}

/*
 * The worker loop itself (dp_worker_run) in exception-port mode: a TCP
 * frame read from the NIC reaches the exception port, and the kernel's
 * frame read from the exception port (polled at its cadence, here when
 * idle) leaves on the NIC.
 */
static void
t_live_xport(void **state)
{
	struct env *e = g_env;
	struct out_frame got[MAX_OUT];
	uint64_t end;
	struct frame k, t;

	(void)state;
	live_start(e);
	xk_build(e, XK_TCP, &t);
	xk_from_kernel(e, &k);
	for (uint16_t q = 0; q < e->n; q++) {
		live_inject(e, q, &t);
		assert_int_equal(rte_ring_sp_enqueue(e->xrxr[q], mbuf_of(&k)), 0);
	}
	end = rte_get_timer_cycles() + rte_get_timer_hz() * WAIT_MS / 1000;
	for (;;) {
		unsigned int out = 0, kern = 0;

		for (uint16_t q = 0; q < e->n; q++) {
			out += rte_ring_count(e->txr[q]);
			kern += rte_ring_count(e->xtxr[q]);
		}
		if ((out == e->n && kern == e->n) || rte_get_timer_cycles() > end)
			break;
		rte_delay_us_sleep(100);
	}
	live_stop(e);
	assert_int_equal(xtx_take(e, got, MAX_OUT), e->n);
	for (uint16_t q = 0; q < e->n; q++)
		frame_eq(&got[q], &t, "live: TCP from the NIC to the kernel");
	assert_int_equal(tx_take(e, got, MAX_OUT), e->n);
	for (uint16_t q = 0; q < e->n; q++)
		frame_eq(&got[q], &k, "live: the kernel's frame out of the NIC");
	for (uint16_t w = 0; w < e->n; w++) {
		assert_int_equal(rd64(&e->ws[w].stats.c[DP_C_to_kernel]), 1);
		assert_int_equal(rd64(&e->ws[w].stats.c[DP_C_from_kernel]), 1);
		assert_int_equal(rd64(&e->ws[w].stats.c[DP_C_rx_packets]), 1);
	}
	env_check_clean(e);
}

static const struct seq_test xport_tests[] = {
	{ "exception port: our UDP relayed, the rest to the kernel unchanged, "
	  "the kernel's frames out of the NIC",
	  t_xport_steer, 1, MAX_W },
	{ "exception port full: xport_full, nothing leaks", t_xport_full, 1,
	  MAX_W },
	{ "live: exception port both ways", t_live_xport, 1, MAX_W },
};

static uint16_t
pick_client_port(uint32_t ip, uint16_t owner, uint16_t n)
{
	for (uint16_t p = 40001;; p++) {
		struct tp_addr a = addr4(ip, p);

		if (dp_owner_of_client(&a, n) == owner)
			return p;
	}
}

/* Clients and relay ports owned by chosen workers (1 and 2 of three). */
static void
world_pick(struct env *e)
{
	e->owner_a = (uint16_t)(1 % e->n);
	e->owner_b = (uint16_t)(2 % e->n);
	e->port_ca = pick_client_port(IP_CA, e->owner_a, e->n);
	e->port_cb = pick_client_port(IP_CB, e->owner_b, e->n);
	e->port_cx = 40009;
	e->relay_a = MIN_PORT + 16;
	while (e->relay_a % e->n != e->owner_a)
		e->relay_a++;
	e->relay_b = MIN_PORT + 32;
	while (e->relay_b % e->n != e->owner_b)
		e->relay_b++;
}

/* The fast path's settings, as cp_setup.c would derive them. */
static void
params_fill(struct env *e)
{
	struct tp_plane_params *p = &e->params;

	memset(p, 0, sizeof(*p));
	p->n_workers = e->n;
	p->allocs_per_worker = N_SLOTS;
	p->listen_port = LISTEN_PORT;
	p->min_port = MIN_PORT;
	p->max_port = MAX_PORT;
	p->n_listen = 2;
	p->listen_ips[0] = tp_ip_v4(IP_LISTEN);
	p->listen_ips[1] = ip6_of(IP6_LISTEN);
	p->n_relay = 3;
	p->relay_ips[0] = tp_ip_v4(IP_RELAY0);
	p->relay_ips[1] = tp_ip_v4(IP_RELAY1);
	p->relay_ips[2] = ip6_of(IP6_RELAY);
	p->n_local = 3;
	p->local_nets[2].lo = ip6_of("2001:db8::");
	p->local_nets[2].hi = ip6_of("2001:db8::ffff:ffff:ffff:ffff");
	p->gateway6 = ip6_of(IP6_GW);
	p->local_nets[0].lo = tp_ip_v4(IP4(192, 0, 2, 0));
	p->local_nets[0].hi = tp_ip_v4(IP4(192, 0, 2, 255));
	p->local_nets[1].lo = tp_ip_v4(IP4(198, 51, 100, 0));
	p->local_nets[1].hi = tp_ip_v4(IP4(198, 51, 100, 255));
	p->gateway = tp_ip_v4(IP_GW);
	p->chan_max = CHANNEL_NUMBER_MAX;
	p->udp_clients = true;
	p->idle_sleep_us = 20; /* the workers share CPUs with us */
}

/* The port (from rings we own) and the fast path's settings. */
static int
env_open(struct env *e, uint16_t n)
{
	char name[RTE_RING_NAMESIZE], err[256];
	struct dp_port_info xinfo;
	int port;

	e->n = n;
	for (uint16_t q = 0; q < n; q++) {
		snprintf(name, sizeof(name), "g%u_rx%u", n, q);
		e->rxr[q] = rte_ring_create(name, PORT_RING_SIZE,
					    (int)rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "g%u_tx%u", n, q);
		e->txr[q] = rte_ring_create(name, PORT_RING_SIZE,
					    (int)rte_socket_id(),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (e->rxr[q] == NULL || e->txr[q] == NULL)
			return -1;
	}
	snprintf(name, sizeof(name), "net_ring_golden%u", n);
	port = rte_eth_from_rings(name, e->rxr, n, e->txr, n, rte_socket_id());
	if (port < 0) {
		fprintf(stderr, "rte_eth_from_rings: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	e->port = (uint16_t)port;
	/* The exception port: rings too, a queue pair per worker. */
	for (uint16_t q = 0; q < n; q++) {
		snprintf(name, sizeof(name), "g%u_xrx%u", n, q);
		e->xrxr[q] = rte_ring_create(name, PORT_RING_SIZE,
					     (int)rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "g%u_xtx%u", n, q);
		e->xtxr[q] = rte_ring_create(name, PORT_RING_SIZE,
					     (int)rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (e->xrxr[q] == NULL || e->xtxr[q] == NULL)
			return -1;
	}
	snprintf(name, sizeof(name), "net_ring_xport%u", n);
	port = rte_eth_from_rings(name, e->xrxr, n, e->xtxr, n, rte_socket_id());
	if (port < 0) {
		fprintf(stderr, "rte_eth_from_rings: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	e->xport = (uint16_t)port;
	if (dp_port_init(e->xport, n, n, g_pool, &xinfo, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	params_fill(e);
	if (dp_port_init(e->port, n, n, g_pool, &e->port_info, err,
			 sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (e->port_info.tx_ip_cksum_offload ||
	    e->port_info.tx_udp_cksum_offload || e->port_info.n_rx_queues != n) {
		fprintf(stderr,
			"net_ring port: unexpected offloads or %u RX queues\n",
			e->port_info.n_rx_queues);
		return -1;
	}
	/* net_ring reports 00:00:00:00:00:00; a real unicast MAC is a better
	 * test of our frame filter, and the ring does not filter anyway. */
	memcpy(e->port_info.mac.addr_bytes, mac_us, DP_MAC_LEN);
	world_pick(e);
	return 0;
}

static void
env_close(struct env *e)
{
	dp_port_fini(e->port);
	dp_port_fini(e->xport);
	for (uint16_t q = 0; q < e->n; q++) {
		rte_ring_free(e->rxr[q]);
		rte_ring_free(e->txr[q]);
		rte_ring_free(e->xrxr[q]);
		rte_ring_free(e->xtxr[q]);
	}
}

static int
t_setup(void **state)
{
	(void)state;
	return workers_create(g_env) == 0 ? 0 : -1;
}

static int
t_teardown(void **state)
{
	(void)state;
	return workers_destroy(g_env);
}

static int
run_group(uint16_t n)
{
	static struct env envs[2];
	static char names[RTE_DIM(golden_cases) * 2 + RTE_DIM(seq_tests) +
			  RTE_DIM(xport_tests)][200];
	static struct CMUnitTest tests[RTE_DIM(names)];
	struct env *e = &envs[n == 1 ? 0 : 1];
	char group[64];
	size_t k = 0;
	int rc;

	if (env_open(e, n) != 0) {
		fprintf(stderr, "dp_golden: cannot set up %u worker(s)\n", n);
		return 1;
	}
	g_env = e;
	for (int live = 0; live < 2; live++)
		for (size_t i = 0; i < RTE_DIM(golden_cases); i++) {
			if (live && !golden_cases[i].live)
				continue;
			snprintf(names[k], sizeof(names[k]), "%uw %s: %s", n,
				 live ? "live" : "direct", golden_cases[i].what);
			tests[k] = (struct CMUnitTest){
				.name = names[k],
				.test_func = live ? t_case_live : t_case,
				.setup_func = t_setup,
				.teardown_func = t_teardown,
				.initial_state =
					(void *)(uintptr_t)&golden_cases[i],
			};
			k++;
		}
	for (size_t i = 0; i < RTE_DIM(seq_tests); i++) {
		if (n < seq_tests[i].min_w || n > seq_tests[i].max_w)
			continue;
		snprintf(names[k], sizeof(names[k]), "%uw: %s", n,
			 seq_tests[i].name);
		tests[k] = (struct CMUnitTest){
			.name = names[k],
			.test_func = seq_tests[i].fn,
			.setup_func = t_setup,
			.teardown_func = t_teardown,
		};
		k++;
	}
	for (size_t i = 0; i < RTE_DIM(xport_tests); i++) {
		snprintf(names[k], sizeof(names[k]), "%uw: %s", n,
			 xport_tests[i].name);
		tests[k] = (struct CMUnitTest){
			.name = names[k],
			.test_func = xport_tests[i].fn,
			.setup_func = t_setup_xport,
			.teardown_func = t_teardown_xport,
		};
		k++;
	}
	snprintf(group, sizeof(group), "dp_golden, %u worker%s", n,
		 n > 1 ? "s" : "");
	rc = _cmocka_run_group_tests(group, tests, k, NULL, NULL);
	env_close(e);
	return rc;
}

/* EAL once for the process: four lcores on the CPUs we may use. */
static int
eal_start(const char *prog)
{
	char prefix[64], lcores[64];
	int cpu[2] = { 0, 0 }, k = 0;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
			if (CPU_ISSET(c, &set))
				cpu[k++] = c;
	if (k == 1)
		cpu[1] = cpu[0];
	snprintf(lcores, sizeof(lcores), "0@%d,1@%d,2@%d,3@%d", cpu[0], cpu[1],
		 cpu[0], cpu[1]);
	snprintf(prefix, sizeof(prefix), "tpk-golden-%d", (int)getpid());
	char *argv[] = {
		(char *)(uintptr_t)prog,
		"--no-huge",
		"-m",
		"512",
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

int
main(int argc, char **argv)
{
	unsigned int lcore, k = 0;
	char rundir[PATH_MAX];
	int rc = 0;

	(void)argc;
	if (eal_start(argv[0]) < 0) {
		fprintf(stderr, "dp_golden: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return geteuid() == 0 ? 1 : 77; /* 77: skipped (needs root) */
	}
	RTE_LCORE_FOREACH_WORKER(lcore)
		if (k < MAX_W)
			g_lcores[k++] = lcore;
	g_pool = rte_pktmbuf_pool_create("golden_mbufs", POOL_SIZE, 32, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	if (k < MAX_W || g_pool == NULL) {
		fprintf(stderr, "dp_golden: %u worker lcores, pool %p\n", k,
			(void *)g_pool);
		return 1;
	}
	rc += run_group(1);
	rc += run_group(MAX_W);
	rte_mempool_free(g_pool);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir); /* empty with --no-shconf; leave no litter in /var/run */
	return rc;
}
