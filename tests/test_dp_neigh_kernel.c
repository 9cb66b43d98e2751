/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker whose next hops come from the kernel (AF_XDP mode,
 * tp_plane_params.neigh_from_kernel; dataplane/dp_arp.c), driven on the
 * main lcore as the golden tests drive theirs (tests/test_dp_golden.c,
 * which cover the ARP-speaking mode and are left as they are).
 *
 * One worker made by dp_plane_create() over a net_ring port; the test
 * picks the TSC.  A miss sends no ARP request but one DP_EVT_NEIGH_MISS
 * for the next hop (the peer on-link, the gateway otherwise), at most once
 * a second, and the frame waits; DP_CMD_NEIGH_SET sends it with the MAC;
 * a next hop in use is reported (DP_EVT_NEIGH_USED) at once and then every
 * DP_NEIGH_USED_EVERY_S seconds.  Every counter that moves is checked,
 * every other must stay still.  Needs root for EAL: skips (77) otherwise.
 */
#define _GNU_SOURCE /* sched_getaffinity */

#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_arp.h"
#include "dp_cmd.h"
#include "dp_nexthop.h"
#include "dp_plane.h"
#include "dp_port.h"
#include "dp_worker.h"
#include "turnpike/dp_msg.h"
#include "turnpike/plane.h"

#define IP4(a, b, c, d)                                                   \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))
#define IP_US IP4(192, 0, 2, 1)
#define IP_PEER IP4(192, 0, 2, 7)  /* on-link */
#define IP_FAR IP4(203, 0, 113, 5) /* through the gateway */
#define IP_GW IP4(192, 0, 2, 254)
#define RING 256

static const uint8_t mac_peer[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0x01, 0x07 };

static struct rte_mempool *g_pool;
static struct rte_ring *g_rx, *g_tx;
static uint16_t g_port;
static struct dp_port_info g_port_info;
static unsigned int g_lcore;

struct fix {
	struct dp_plane *pl;
	struct dp_worker *w;
	uint64_t hz, t0;
	uint64_t want_c[DP_C__COUNT];
	uint64_t want_d[DP_DROP__COUNT];
};

static int
setup(void **state)
{
	static struct fix f;
	struct tp_plane_params p = {
		.n_workers = 1,
		.allocs_per_worker = 16,
		.listen_port = 3478,
		.min_port = 49152,
		.max_port = 49407,
		.chan_max = 0x4FFF,
		.udp_clients = true,
		.n_listen = 1,
		.n_relay = 1,
		.n_local = 1,
		.neigh_from_kernel = true,
	};
	char err[256];

	memset(&f, 0, sizeof(f));
	p.listen_ips[0] = tp_ip_v4(IP_US);
	p.relay_ips[0] = tp_ip_v4(IP_US);
	p.local_nets[0].lo = tp_ip_v4(IP4(192, 0, 2, 0));
	p.local_nets[0].hi = tp_ip_v4(IP4(192, 0, 2, 255));
	p.gateway = tp_ip_v4(IP_GW);
	f.pl = dp_plane_create(&p, g_port, &g_port_info, g_pool, &g_lcore, NULL,
			       err, sizeof(err));
	if (f.pl == NULL) {
		fprintf(stderr, "dp_plane_create: %s\n", err);
		return -1;
	}
	f.w = &f.pl->workers[0];
	f.hz = rte_get_tsc_hz();
	f.t0 = rte_get_tsc_cycles();
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	void *m;

	while (rte_ring_dequeue(g_tx, &m) == 0)
		rte_pktmbuf_free(m);
	dp_plane_destroy(f->pl);
	return 0;
}

/* Exactly the counters the case expects moved, and no other. */
static void
counters_check(const struct fix *f)
{
	for (int i = 0; i < DP_C__COUNT; i++)
		if (f->w->stats.c[i] != f->want_c[i]) {
			fprintf(stderr, "counter %s: %llu, want %llu\n",
				dp_counter_name((enum dp_counter)i),
				(unsigned long long)f->w->stats.c[i],
				(unsigned long long)f->want_c[i]);
			fail();
		}
	for (int i = 0; i < DP_DROP__COUNT; i++)
		if (f->w->stats.drop[i] != f->want_d[i]) {
			fprintf(stderr, "drop %s: %llu, want %llu\n",
				dp_drop_name((enum dp_drop)i),
				(unsigned long long)f->w->stats.drop[i],
				(unsigned long long)f->want_d[i]);
			fail();
		}
}

/* The one event the worker sent since the last call, or fail. */
static struct dp_evt
one_event(const struct fix *f)
{
	struct dp_evt ev[4];
	unsigned int n = rte_ring_sc_dequeue_burst_elem(f->w->evt_ring, ev,
							sizeof(ev[0]), 4, NULL);

	assert_int_equal(n, 1);
	return ev[0];
}

static void
no_event(const struct fix *f)
{
	assert_int_equal(rte_ring_count(f->w->evt_ring), 0);
}

/* A frame to wait for a next hop: an Ethernet header and some bytes. */
static struct rte_mbuf *
frame_new(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g_pool);

	assert_non_null(m);
	memset(rte_pktmbuf_append(m, 60), 0xab, 60);
	return m;
}

static void
neigh_set(const struct fix *f, uint32_t ip, const uint8_t *mac)
{
	struct dp_cmd c = { .type = DP_CMD_NEIGH_SET };

	c.u.neigh.ip = tp_ip_v4(ip);
	memcpy(c.u.neigh.mac, mac, DP_MAC_LEN);
	assert_int_equal(rte_ring_sp_enqueue_elem(f->w->cmd_ring, &c, sizeof(c)),
			 0);
	dp_cmd_drain(f->w);
}

static void
test_miss_asks_the_control_thread(void **state)
{
	struct fix *f = *state;
	struct tp_ip peer = tp_ip_v4(IP_PEER), far = tp_ip_v4(IP_FAR);
	struct rte_mbuf *out = NULL;
	struct dp_evt ev;

	f->w->now = f->t0;
	assert_null(dp_next_hop_mac(f->w, &peer));
	dp_tx_flush(f->w);
	assert_int_equal(rte_ring_count(g_tx), 0); /* no ARP of our own */
	ev = one_event(f);
	assert_int_equal(ev.type, DP_EVT_NEIGH_MISS);
	assert_int_equal(ev.worker, 0);
	assert_true(tp_ip_equal(&ev.u.neigh.ip, &peer));
	f->want_c[DP_C_neigh_asked] = 1;
	dp_neigh_hold(f->w, &peer, frame_new());
	f->want_c[DP_C_arp_held] = 1;
	counters_check(f);

	/* Within the second: nothing more is asked. */
	f->w->now = f->t0 + f->hz / 2;
	assert_null(dp_next_hop_mac(f->w, &peer));
	no_event(f);

	/* Beyond the gateway: the gateway is what is asked for. */
	assert_null(dp_next_hop_mac(f->w, &far));
	ev = one_event(f);
	assert_int_equal(ev.type, DP_EVT_NEIGH_MISS);
	assert_int_equal(tp_ip_v4_host(&ev.u.neigh.ip), IP_GW);
	f->want_c[DP_C_neigh_asked] = 2;
	counters_check(f);

	/* The answer: the waiting frame leaves with the peer's MAC. */
	neigh_set(f, IP_PEER, mac_peer);
	assert_int_equal(rte_ring_dequeue(g_tx, (void **)&out), 0);
	assert_memory_equal(rte_pktmbuf_mtod(out, uint8_t *), mac_peer,
			    DP_MAC_LEN);
	rte_pktmbuf_free(out);
	f->want_c[DP_C_arp_held_sent] = 1;
	f->want_c[DP_C_cmds] = 1;
	f->want_c[DP_C_tx_packets] = 1;
	f->want_c[DP_C_tx_bytes] = 60;
	counters_check(f);
	no_event(f); /* the control thread told it: nothing to tell back */
}

static void
test_unanswered_miss_asks_again(void **state)
{
	struct fix *f = *state;
	struct tp_ip peer = tp_ip_v4(IP_PEER);
	struct dp_evt ev;

	f->w->now = f->t0;
	assert_null(dp_next_hop_mac(f->w, &peer));
	(void)one_event(f);
	dp_neigh_hold(f->w, &peer, frame_new());
	/* A second later, no answer: the frame is given up, the kernel asked
	 * again. */
	f->w->now = f->t0 + f->hz + 1;
	assert_null(dp_next_hop_mac(f->w, &peer));
	ev = one_event(f);
	assert_int_equal(ev.type, DP_EVT_NEIGH_MISS);
	f->want_c[DP_C_neigh_asked] = 2;
	f->want_c[DP_C_arp_held] = 1;
	f->want_d[DP_DROP_no_neighbour] = 1;
	counters_check(f);
}

static void
test_in_use_reported(void **state)
{
	struct fix *f = *state;
	struct tp_ip peer = tp_ip_v4(IP_PEER);
	const uint64_t every = DP_NEIGH_USED_EVERY_S * f->hz;
	struct dp_evt ev;

	neigh_set(f, IP_PEER, mac_peer);
	f->want_c[DP_C_cmds] = 1;
	/* The first use is reported at once, with the MAC in use... */
	f->w->now = f->t0;
	assert_memory_equal(dp_next_hop_mac(f->w, &peer), mac_peer, DP_MAC_LEN);
	ev = one_event(f);
	assert_int_equal(ev.type, DP_EVT_NEIGH_USED);
	assert_true(tp_ip_equal(&ev.u.neigh.ip, &peer));
	assert_memory_equal(ev.u.neigh.mac, mac_peer, DP_MAC_LEN);
	/* ...then not until DP_NEIGH_USED_EVERY_S seconds have passed. */
	for (uint64_t t = 1; t < DP_NEIGH_USED_EVERY_S; t++) {
		f->w->now = f->t0 + t * f->hz;
		assert_non_null(dp_next_hop_mac(f->w, &peer));
	}
	no_event(f);
	f->w->now = f->t0 + every;
	assert_non_null(dp_next_hop_mac(f->w, &peer));
	assert_int_equal(one_event(f).type, DP_EVT_NEIGH_USED);
	f->want_c[DP_C_neigh_in_use] = 2;
	dp_tx_flush(f->w);
	assert_int_equal(rte_ring_count(g_tx), 0);
	counters_check(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_miss_asks_the_control_thread,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_miss_asks_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_use_reported, setup,
						teardown),
	};
	char prefix[64], lcores[32], rundir[PATH_MAX], err[256];
	int cpu = 0, rc, port;
	cpu_set_t set;

	(void)argc;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = CPU_SETSIZE - 1; c >= 0; c--)
			if (CPU_ISSET(c, &set))
				cpu = c;
	snprintf(lcores, sizeof(lcores), "0@%d,1@%d", cpu, cpu);
	snprintf(prefix, sizeof(prefix), "tpk-dpneigh-%d", (int)getpid());
	char *eal[] = {
		argv[0],
		"--no-huge",
		"-m",
		"256",
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
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL: %s\n", rte_strerror(rte_errno));
		return geteuid() == 0 ? 1 : 77;
	}
	g_lcore = rte_get_next_lcore(-1, 1, 0);
	g_pool = rte_pktmbuf_pool_create("dpneigh", 1023, 32, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	g_rx = rte_ring_create("dpneigh_rx", RING, (int)rte_socket_id(),
			       RING_F_SP_ENQ | RING_F_SC_DEQ);
	g_tx = rte_ring_create("dpneigh_tx", RING, (int)rte_socket_id(),
			       RING_F_SP_ENQ | RING_F_SC_DEQ);
	port = g_pool != NULL && g_rx != NULL && g_tx != NULL ?
		       rte_eth_from_rings("net_ring_dpneigh", &g_rx, 1, &g_tx,
					  1, rte_socket_id()) :
		       -1;
	if (port < 0 || dp_port_init((uint16_t)port, 1, 1, g_pool, &g_port_info,
				     err, sizeof(err)) != 0) {
		fprintf(stderr, "port: %s\n", port < 0 ? "cannot make it" : err);
		return 1;
	}
	g_port = (uint16_t)port;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	dp_port_fini(g_port);
	rte_ring_free(g_rx);
	rte_ring_free(g_tx);
	rte_mempool_free(g_pool);
	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(rundir);
	return rc;
}
