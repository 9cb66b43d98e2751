/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen: a TURN-aware traffic generator on DPDK.
 *   turnpike-gen [EAL options] -- --server IP[:PORT] [options]
 *
 * main() is the list of start-up steps (EAL, options, address plan,
 * credentials, sessions, packet buffers, port), then the phases of a run,
 * each a loop of the same turn (receive a burst, send what traffic is due,
 * run the session timers, flush) until its end condition:
 *
 *   resolve  the server's MAC by ARP (unless --server-mac)
 *   setup    every allocation usable or failed (not with --floor)
 *   pcap     --pcap-out: one client frame per allocation
 *   hold     --hold: keep them alive until SIGINT
 *   traffic  --duration seconds of paced client -> peer traffic
 *   drain    until nothing relayed has come in for 200 ms (--drain-ms max)
 *            (--search instead: trials of traffic and drain, bisecting
 *            for the zero-loss rate, gen_search.c)
 *   release  Refresh LIFETIME=0 for every allocation (unless --no-release)
 *
 * then the report.  One lcore (the main one) runs everything; the first
 * SIGINT ends the current phase and skips to draining, a second one ends
 * the run at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "gen.h"

#define GEN_POOL_MBUFS 16383
#define GEN_POOL_CACHE 256
#define GEN_RESOLVE_S 10
#define GEN_FLOOR_RESOLVE_S 2
#define GEN_QUIET_MS 200
/* Releases get 10 s plus 1 s per 2000 allocations. */
#define GEN_RELEASE_MAX_S 10
#define GEN_RELEASE_PER_S 2000
#define GEN_IDLE_TURNS 64

static volatile sig_atomic_t stop_count;

static void
on_signal(int sig)
{
	(void)sig;
	stop_count++;
}

static const char *
mode_name(const struct gen_opts *o)
{
	static const char *const names[] = { "channel", "send", "mixed" };

	return o->floor ? "floor" : names[o->mode];
}

static uint64_t
ms_ticks(const struct gen *g, uint64_t ms)
{
	return g->hz * ms / 1000;
}

/* One line on stderr every --progress interval. */
static void
progress(struct gen *g, uint64_t now)
{
	static const char *const phases[] = { "resolve", "setup", "hold",
					      "traffic", "drain", "release",
					      "done" };
	const uint64_t *c = g->st.c;

	if (g->o.progress_s == 0 || now < g->next_progress)
		return;
	fprintf(stderr,
		"[turnpike-gen] %-7s ready %u failed %u in-flight %u | "
		"to peer %" PRIu64 "/%" PRIu64 " to client %" PRIu64 "/%" PRIu64
		" | %" PRIu64 " sent/s, %" PRIu64 " received/s\n",
		phases[g->phase], g->n_ready, g->n_failed, g->outstanding,
		c[GEN_C_to_peer_received], c[GEN_C_to_peer_sent],
		c[GEN_C_to_client_received], c[GEN_C_to_client_sent],
		(c[GEN_C_to_peer_sent] - g->progress_sent) / g->o.progress_s,
		(c[GEN_C_to_peer_received] + c[GEN_C_to_client_received] -
		 g->progress_recv) /
			g->o.progress_s);
	g->progress_sent = c[GEN_C_to_peer_sent];
	g->progress_recv =
		c[GEN_C_to_peer_received] + c[GEN_C_to_client_received];
	g->next_progress = now + g->hz * g->o.progress_s;
}

/* Is the phase over at @now? */
static bool
phase_done(struct gen *g, uint64_t now, uint64_t quiet_from)
{
	switch (g->phase) {
	case GEN_PHASE_RESOLVE:
		return g->server_mac_known;
	case GEN_PHASE_SETUP:
		return gen_hs_setup_done(g);
	case GEN_PHASE_DRAIN:
		return g->n_pending == 0 && now > quiet_from &&
		       now - quiet_from > ms_ticks(g, GEN_QUIET_MS);
	case GEN_PHASE_RELEASE:
		return gen_hs_release_done(g);
	default:
		return false; /* hold, traffic: deadline or SIGINT */
	}
}

void
gen_run_phase(struct gen *g, enum gen_phase phase, uint64_t deadline)
{
	int stops = phase >= GEN_PHASE_DRAIN ? 2 : 1;
	uint64_t next_arp = 0, now;
	unsigned int idle = 0, work;

	g->phase = phase;
	while (*g->stop < stops) {
		now = rte_rdtsc();
		if (phase_done(g, now,
			       RTE_MAX(g->last_traffic_rx, g->t_traffic0)) ||
		    (deadline != 0 && now >= deadline))
			break;
		if (phase == GEN_PHASE_RESOLVE && now >= next_arp) {
			if (g->o.server.ip.family == TP_AF_INET6)
				gen_nd_solicit_server(g);
			else
				gen_arp_request_server(g);
			next_arp = now + g->hz / 5;
		}
		work = gen_rx_poll(g, now);
		work += gen_traffic_send(g, now);
		if (!g->lane)
			gen_hs_poll(g, now);
		gen_port_flush(g);
		progress(g, now);
		if (work > 0)
			idle = 0;
		else if (g->o.idle_sleep_us > 0 && ++idle > GEN_IDLE_TURNS)
			usleep(g->o.idle_sleep_us);
	}
}

/* Steps 2-4: options, address plan, credentials, sessions.
 * @return 0, -1 (--help given), 1 (failure) or 2 (bad options). */
static int
gen_setup(struct gen *g, int argc, char **argv)
{
	char err[256];
	int rc = gen_opts_parse(&g->o, argc, argv);

	if (rc != 0)
		return rc > 0 ? -1 : 2; /* --help, or a bad option */
	g->hz = rte_get_tsc_hz();
	g->ns_per_tick = 1e9 / (double)g->hz;
	g->o.auth.now_unix = (uint64_t)time(NULL);
	if (gen_plan_init(&g->plan, &g->o.plan, err, sizeof(err)) != 0 ||
	    (!g->o.floor &&
	     gen_auth_init(&g->auth, &g->o.auth, err, sizeof(err)) != 0)) {
		fprintf(stderr, "turnpike-gen: %s\n", err);
		return 2;
	}
	if (gen_plan_owns_ip(&g->plan, &g->o.server.ip)) {
		fprintf(stderr, "turnpike-gen: the server's address is inside "
				"--client-net or --peer-net\n");
		return 2;
	}
	gen_sess_ctx_init(&g->sctx, &g->auth, &g->plan, &g->o.server, g->hz);
	g->sctx.rto = ms_ticks(g, g->o.rto_ms);
	g->sctx.max_tries = (uint8_t)g->o.tries;
	g->sctx.lifetime_s = g->o.lifetime_s;
	g->sctx.perm_refresh_s = g->o.perm_refresh_s;
	g->sctx.chan_refresh_s = g->o.chan_refresh_s;
	g->sctx.now_unix = g->o.auth.now_unix;
	if (RAND_bytes(g->sctx.tid_prefix, sizeof(g->sctx.tid_prefix)) != 1) {
		fprintf(stderr,
			"turnpike-gen: no randomness for transaction IDs\n");
		return 1;
	}
	if (gen_hs_init(g) != 0) {
		fprintf(stderr, "turnpike-gen: out of memory for %u sessions\n",
			g->plan.n_clients);
		return 1;
	}
	return 0;
}

static void
report(struct gen *g, double traffic_s)
{
	struct gen_report r = { 0 };
	const uint64_t *c = g->st.c;
	double setup_s = (double)(g->setup_last - g->setup_first) / (double)g->hz;

	r.requested = g->plan.n_clients;
	r.allocations = g->n_ready;
	gen_report_setup(&r, &g->st.setup, g->n_ready > 0 ? setup_s : 0);
	r.failed = g->o.floor ? NULL : g->sctx.failed;
	r.mode = mode_name(&g->o);
	r.size = g->o.size;
	r.rate = g->o.rate;
	r.duration_s = traffic_s;
	r.offered_pps =
		traffic_s > 0 ? (double)c[GEN_C_to_peer_sent] / traffic_s : 0;
	gen_report_dir(&r.to_peer, c[GEN_C_to_peer_sent],
		       c[GEN_C_to_peer_received], &g->st.to_peer, traffic_s);
	gen_report_dir(&r.to_client, c[GEN_C_to_client_sent],
		       c[GEN_C_to_client_received], &g->st.to_client, traffic_s);
	r.counters = c;
	r.sess_counters = g->o.floor ? NULL : g->sctx.c;
	r.size_max = g->o.size_max;
	r.search = g->o.search ? &g->search : NULL;
	if (g->o.json)
		gen_report_json(&r, stdout);
	else
		gen_report_human(&r, stdout);
	fflush(stdout);
}

/* The phases after the port is up.  @return the exit status. */
static int
gen_run(struct gen *g)
{
	uint64_t now = rte_rdtsc(), t_end = now;
	double traffic_s = 0;
	int rc;

	if (g->o.have_server_mac) {
		g->server_mac = g->o.server_mac;
		g->server_mac_known = true;
	}
	gen_run_phase(g, GEN_PHASE_RESOLVE,
		      now + g->hz * (g->o.floor ? GEN_FLOOR_RESOLVE_S :
						  GEN_RESOLVE_S));
	if (!g->server_mac_known && !g->o.floor) {
		fprintf(stderr,
			"turnpike-gen: no ARP answer from the server "
			"within %d s (give --server-mac?)\n",
			GEN_RESOLVE_S);
		return 1;
	}
	if (!g->server_mac_known)
		memset(&g->server_mac, 0xff, sizeof(g->server_mac));
	if (g->o.floor) {
		gen_traffic_floor_setup(g);
	} else {
		gen_run_phase(g, GEN_PHASE_SETUP, 0);
	}
	if (g->o.pcap_out != NULL) {
		rc = gen_traffic_export_pcap(g, g->o.pcap_out);
		if (rc != 0)
			fprintf(stderr, "turnpike-gen: %s: %s\n", g->o.pcap_out,
				strerror(-rc));
		else
			fprintf(stderr, "turnpike-gen: wrote %u frames to %s\n",
				g->n_live, g->o.pcap_out);
	}
	if (g->o.hold) {
		fprintf(stderr,
			"turnpike-gen: holding %u allocations; SIGINT ends\n",
			g->n_ready);
		gen_run_phase(g, GEN_PHASE_HOLD, 0);
	} else if (g->o.search && g->n_live > 0 && *g->stop == 0) {
		traffic_s = gen_search_run(g);
	} else if (g->o.queues > 1 && g->o.duration_s > 0 && g->n_live > 0 &&
		   *g->stop == 0) {
		traffic_s = gen_lanes_run(g);
		if (traffic_s < 0)
			return 1;
	} else if (g->o.duration_s > 0 && g->n_live > 0 && *g->stop == 0) {
		now = rte_rdtsc();
		gen_traffic_start(g, now);
		gen_run_phase(g, GEN_PHASE_TRAFFIC,
			      now + (uint64_t)(g->o.duration_s * (double)g->hz));
		g->sending = false;
		t_end = rte_rdtsc();
		traffic_s = (double)(t_end - g->t_traffic0) / (double)g->hz;
		g->last_traffic_rx = RTE_MAX(g->last_traffic_rx, t_end);
		gen_run_phase(g, GEN_PHASE_DRAIN,
			      t_end + ms_ticks(g, g->o.drain_ms));
	}
	if (g->o.release && !g->o.floor)
		gen_run_phase(g, GEN_PHASE_RELEASE,
			      rte_rdtsc() +
				      g->hz * (GEN_RELEASE_MAX_S +
					       g->n_ready / GEN_RELEASE_PER_S));
	g->phase = GEN_PHASE_DONE;
	report(g, traffic_s);
	return g->o.floor || g->n_failed == 0 ? 0 : 3;
}

int
main(int argc, char **argv)
{
	static struct gen g; /* large (histograms): not on the stack */
	char err[256];
	int n, rc;

	/* 1. EAL, then our options after "--". */
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "turnpike-gen: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	g.stop = &stop_count;

	/* 2-4. Options, plan, credentials, sessions. */
	rc = gen_setup(&g, argc - n, argv + n);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (!rte_eth_dev_is_valid_port(g.o.port)) {
		fprintf(stderr,
			"turnpike-gen: no DPDK port %u (give a device, e.g. "
			"--vdev net_memif0,role=client,socket=/tmp/x.sock)\n",
			g.o.port);
		return 1;
	}

	/* 5. Packet buffers and the port. */
	g.n_rxq = g.o.queues;
	if (rte_lcore_count() < g.o.queues) {
		fprintf(stderr,
			"turnpike-gen: --queues %u needs as many lcores (EAL "
			"-l), %u given\n",
			g.o.queues, rte_lcore_count());
		return 2;
	}
	g.pool = rte_pktmbuf_pool_create("gen_mbufs",
					 GEN_POOL_MBUFS * g.o.queues + 1,
					 GEN_POOL_CACHE, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE,
					 (int)rte_socket_id());
	if (g.pool == NULL) {
		fprintf(stderr, "turnpike-gen: cannot create the mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (gen_port_init(&g, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike-gen: %s\n", err);
		return 1;
	}

	/* 6. Run. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = gen_run(&g);

	/* 7. Stop. */
	rte_pktmbuf_free_bulk(g.pending, g.n_pending);
	gen_port_fini(&g);
	gen_hs_fini(&g);
	gen_auth_wipe(&g.auth);
	rte_mempool_free(g.pool);
	rte_eal_cleanup();
	return rc;
}
