/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike: the TURN server.  `turnpike [EAL options] -- -c FILE [options]`
 *
 * main() is the list of start-up steps: EAL, configuration, the control
 * plane's objects, the port, the workers and their rings; then the main
 * lcore becomes the control thread and every other lcore a fast-path
 * worker, until SIGINT or SIGTERM ends allocations (with usage records),
 * stops the workers and closes the port.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "turnpike/channel_data.h"
#include "config.h"
#include "cp_admin.h"
#include "cp_dpdk.h"
#include "cp_log.h"
#include "cp_setup.h"
#include "dp_port.h"
#include "dp_worker.h"

#define CMD_RING_SIZE 8192
#define EVT_RING_SIZE 8192
#define HANDOFF_RING_SIZE 2048
#define MBUFS_PER_WORKER 16384

struct options {
	const char *config;
	uint16_t port;
	uint32_t stats_interval_s;
	uint32_t idle_sleep_us;
};

static volatile bool stop_requested;
static volatile bool workers_quit;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = true;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: turnpike [EAL options] -- -c FILE [options]\n"
		"       turnpike --check-config FILE\n"
		"  -c, --config FILE        configuration (coturn-style key = value)\n"
		"  -p, --port N             DPDK port to use (default 0)\n"
		"  -s, --stats-interval S   log summed counters every S seconds\n"
		"  -i, --idle-sleep-us N    workers sleep N us when idle (virtual\n"
		"                           devices on shared cores); default 0\n"
		"  -h, --help\n");
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "idle-sleep-us", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:p:s:i:h", longopts, NULL)) != -1) {
		char *end = NULL;
		unsigned long v = 0;

		if (optarg != NULL && c != 'c') {
			v = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v > UINT32_MAX) {
				fprintf(stderr, "turnpike: --%s: '%s' is not a number\n",
					c == 'p' ? "port" : c == 's' ? "stats-interval"
								   : "idle-sleep-us", optarg);
				return -1;
			}
		}
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'p': o->port = (uint16_t)v; break;
		case 's': o->stats_interval_s = (uint32_t)v; break;
		case 'i': o->idle_sleep_us = (uint32_t)v; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (o->config == NULL) {
		fprintf(stderr, "turnpike: -c FILE is required\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* `turnpike --check-config FILE`: load, validate, print; no EAL needed. */
static int
check_config(const char *path)
{
	struct tp_config cfg;
	char err[512];
	int rc;

	rc = tp_config_load(&cfg, path, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < cfg.n_warnings; i++)
		fprintf(stderr, "turnpike: warning: %s\n", cfg.warnings[i]);
	tp_config_dump(&cfg, stdout);
	tp_config_free(&cfg);
	return 0;
}

/* The facts every worker reads: our addresses, the relay range, next hops. */
static int
shared_from_config(struct dp_shared *sh, const struct tp_config *cfg,
		   uint16_t n_workers, char *err, size_t err_len)
{
	const char *key = NULL;

	sh->n_workers = n_workers;
	sh->listen_port = cfg->listening_port;
	sh->min_port = cfg->min_port;
	sh->max_port = cfg->max_port;
	sh->gateway = cfg->gateway;
	sh->chan_max = cfg->rfc5766_channel_numbers ? CHANNEL_NUMBER_MAX_RFC5766 :
		       CHANNEL_NUMBER_MAX;
	if (cfg->listening_ips.n > DP_MAX_LISTEN)
		key = "listening-ip";
	else if (cfg->relay_ips.n > DP_MAX_RELAY_IPS)
		key = "relay-ip";
	else if (cfg->local_networks.n > DP_MAX_LOCAL_NETS)
		key = "local-network";
	if (key != NULL) {
		snprintf(err, err_len, "%s: %s: turnpike takes at most %d/%d/%d "
			 "listening-ip/relay-ip/local-network values", cfg->file,
			 key, DP_MAX_LISTEN, DP_MAX_RELAY_IPS, DP_MAX_LOCAL_NETS);
		return -EINVAL;
	}
	/* Clients reach us on the relay addresses when no listening-ip is set,
	 * as coturn does. */
	const struct tp_config_ip_list *listen =
		cfg->listening_ips.n > 0 ? &cfg->listening_ips : &cfg->relay_ips;

	for (size_t i = 0; i < listen->n; i++) {
		if (listen->v[i].ip.family != TP_AF_INET) {
			snprintf(err, err_len, "%s:%u: %s: the fast path relays IPv4 "
				 "only for now", cfg->file, listen->v[i].line,
				 listen == &cfg->relay_ips ? "relay-ip" : "listening-ip");
			return -EINVAL;
		}
		sh->listen_ips[sh->n_listen++] = listen->v[i].ip;
	}
	for (size_t i = 0; i < cfg->relay_ips.n; i++) {
		if (cfg->relay_ips.v[i].ip.family != TP_AF_INET) {
			snprintf(err, err_len, "%s:%u: relay-ip: the fast path relays "
				 "IPv4 only for now", cfg->file, cfg->relay_ips.v[i].line);
			return -EINVAL;
		}
		sh->relay_ips[sh->n_relay++] = cfg->relay_ips.v[i].ip;
	}
	for (size_t i = 0; i < cfg->local_networks.n; i++)
		sh->local_nets[sh->n_local++] = cfg->local_networks.v[i].range;
	return 0;
}

static struct rte_ring *
ring_make(const char *what, uint16_t a, uint16_t b, unsigned int esize,
	  unsigned int count)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "tp_%s_%u_%u", what, a, b);
	return rte_ring_create_elem(name, esize, count, rte_socket_id(),
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

/* Rings, tables and identity of every worker. */
static int
workers_init(struct dp_worker *ws, uint16_t n, const struct dp_shared *sh,
	     struct rte_mempool *pool, uint32_t slots, unsigned int lcores[])
{
	for (uint16_t i = 0; i < n; i++) {
		struct dp_worker *w = &ws[i];
		char name[32];

		w->id = i;
		w->lcore = (uint16_t)lcores[i];
		w->sh = sh;
		w->pool = pool;
		w->quit = &workers_quit;
		w->cmd_ring = ring_make("cmd", i, 0, sizeof(struct dp_cmd), CMD_RING_SIZE);
		w->evt_ring = ring_make("evt", i, 0, sizeof(struct dp_evt), EVT_RING_SIZE);
		if (w->cmd_ring == NULL || w->evt_ring == NULL)
			return -ENOMEM;
		for (uint16_t j = 0; j < n; j++) {
			if (j == i)
				continue;
			w->handoff_out[j] = ring_make("ho", i, j, sizeof(void *),
						      HANDOFF_RING_SIZE);
			if (w->handoff_out[j] == NULL)
				return -ENOMEM;
		}
		snprintf(name, sizeof(name), "tp_alloc_%u", i);
		if (dp_table_init(&w->table, name, slots, slots / 4 + 64,
				  sh->n_relay, (int)rte_socket_id()) != 0)
			return -ENOMEM;
		if (RAND_bytes(w->tid_prefix, sizeof(w->tid_prefix)) != 1)
			return -EIO;
	}
	for (uint16_t i = 0; i < n; i++)
		for (uint16_t j = 0; j < n; j++)
			if (i != j)
				ws[j].handoff_in[i] = ws[i].handoff_out[j];
	return 0;
}

int
main(int argc, char **argv)
{
	struct options opt = { .port = 0 };
	struct tp_config cfg;
	struct cp_objects obj;
	struct dp_shared *sh;
	struct dp_worker *ws;
	struct rte_mempool *pool;
	struct cp_dpdk cp = { 0 };
	struct cp_sink sink;
	struct cp_admin admin;
	struct cp_admin_ctx admin_ctx;
	unsigned int lcores[DP_MAX_WORKERS], lcore;
	uint16_t n_workers = 0;
	char err[512];
	int n;

	if (argc == 3 && strcmp(argv[1], "--check-config") == 0)
		return check_config(argv[2]);

	/* 1. EAL, then our own options after "--". */
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "turnpike: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= n;
	argv += n;
	if (parse_options(argc, argv, &opt) != 0)
		return 2;

	/* 2. Configuration. */
	if (tp_config_load(&cfg, opt.config, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < cfg.n_warnings; i++)
		cp_log(CP_LOG_WARN, "config", "%s", cfg.warnings[i]);
	cp_log_set_level((enum cp_log_level)cfg.log_level);

	/* 3. Workers are every lcore but the main one. */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n_workers == DP_MAX_WORKERS)
			break;
		lcores[n_workers++] = lcore;
	}
	if (n_workers == 0) {
		fprintf(stderr, "turnpike: no worker lcore: give EAL at least two "
			"lcores (e.g. -l 0,1)\n");
		return 1;
	}
	if (!rte_eth_dev_is_valid_port(opt.port)) {
		fprintf(stderr, "turnpike: no DPDK port %u (give a device, e.g. "
			"--vdev net_af_packet0,iface=eth1,qpairs=%u)\n", opt.port,
			n_workers);
		return 1;
	}

	/* 4. Facts the workers share, read-only from here on. */
	sh = rte_zmalloc("tp_shared", sizeof(*sh), RTE_CACHE_LINE_SIZE);
	ws = rte_zmalloc("tp_workers", sizeof(*ws) * n_workers, RTE_CACHE_LINE_SIZE);
	if (sh == NULL || ws == NULL ||
	    shared_from_config(sh, &cfg, n_workers, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", sh && ws ? err : "out of memory");
		return 1;
	}
	sh->idle_sleep_us = opt.idle_sleep_us;
	sh->tsc_hz = rte_get_tsc_hz();

	/* 5. Packet buffers and the port. */
	pool = rte_pktmbuf_pool_create("tp_mbufs", MBUFS_PER_WORKER * (n_workers + 1),
				       256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "turnpike: cannot create the mbuf pool: %s "
			"(with --no-huge give EAL more memory, e.g. -m 1024)\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (dp_port_init(opt.port, n_workers, pool, sh, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}

	/* 6. Workers: rings, tables; the tables' memory is measured, since
	 * operators size hosts from it. */
	struct rte_malloc_socket_stats before, after;

	rte_malloc_get_socket_stats((int)rte_socket_id(), &before);
	if (workers_init(ws, n_workers, sh, pool, cfg.allocations_per_worker,
			 lcores) != 0) {
		fprintf(stderr, "turnpike: cannot create worker tables and rings "
			"(%u allocations per worker): out of memory\n",
			cfg.allocations_per_worker);
		return 1;
	}

	rte_malloc_get_socket_stats((int)rte_socket_id(), &after);
	cp_log(CP_LOG_INFO, "tables", "workers=%u slots_per_worker=%u bytes=%zu "
	       "bytes_per_allocation=%zu", n_workers, cfg.allocations_per_worker,
	       after.heap_allocsz_bytes - before.heap_allocsz_bytes,
	       (after.heap_allocsz_bytes - before.heap_allocsz_bytes) /
	       ((size_t)cfg.allocations_per_worker * n_workers));

	/* 7. The control plane: credentials, peer policy, TURN server. */
	cp.workers = ws;
	cp.n_workers = n_workers;
	cp.sh = sh;
	cp.pool = pool;
	cp.stop = &stop_requested;
	cp.stats_interval_s = opt.stats_interval_s;
	cp_dpdk_sink_init(&cp, &sink);
	if (cp_setup_build(&obj, &cfg, n_workers, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	cp.srv = turn_server_create(&obj.params, &sink);
	if (cp.srv == NULL) {
		fprintf(stderr, "turnpike: cannot create the TURN server\n");
		return 1;
	}

	/* 8. The admin socket: commands and pushed credentials, served by
	 * the control loop (cp_admin.h). */
	admin_ctx = (struct cp_admin_ctx){
		.obj = &obj,
		.srv = cp.srv,
		.extra_stats = cp_dpdk_admin_stats,
		.extra_stats_arg = &cp,
	};
	if (cp_admin_open(&admin, cfg.admin_socket, &admin_ctx, err,
			  sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	cp.admin = &admin;

	/* 9. Run: workers on their lcores, the control loop here. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (uint16_t i = 0; i < n_workers; i++)
		rte_eal_remote_launch(dp_worker_run, &ws[i], lcores[i]);
	cp_log_buffered();
	cp_log(CP_LOG_INFO, "start", "workers=%u port=%u rx_queues=%u config=%s",
	       n_workers, opt.port, sh->n_rx_queues, opt.config);
	cp_dpdk_run(&cp);

	/* 10. Stop: workers, port, everything we made. */
	cp_admin_close(&admin);
	cp_admin_ctx_fini(&admin_ctx);
	workers_quit = true;
	rte_eal_mp_wait_lcore();
	dp_port_fini(opt.port);
	turn_server_destroy(cp.srv);
	cp_setup_free(&obj);
	for (uint16_t i = 0; i < n_workers; i++) {
		dp_table_fini(&ws[i].table);
		rte_ring_free(ws[i].cmd_ring);
		rte_ring_free(ws[i].evt_ring);
		for (uint16_t j = 0; j < n_workers; j++)
			rte_ring_free(ws[i].handoff_out[j]);
	}
	rte_free(ws);
	rte_free(sh);
	rte_mempool_free(pool);
	tp_config_free(&cfg);
	cp_log(CP_LOG_INFO, "stop", "clean=1");
	rte_eal_cleanup();
	return 0;
}
