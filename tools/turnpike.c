/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike: the TURN server.  `turnpike [EAL options] -- -c FILE [options]`
 *
 * main() is the list of start-up steps: EAL, configuration, the control
 * plane's objects (cp_setup.c, which also derives the fast path's
 * parameters), the port, the fast path (dp_plane.c), the TURN server and
 * the admin socket; then the main lcore becomes the control thread
 * (cp_loop.c) and every other lcore a fast-path worker, until SIGINT or
 * SIGTERM ends allocations (with usage records), stops the workers and
 * closes the port; SIGHUP re-reads the configuration file meanwhile
 * (cp_reload.h).  SIGUSR1 drains instead (cp_loop_drain(): no new
 * allocations, and the same orderly end once the others are
 * drain-min-allocations or fewer).  This file is the only one that sees
 * both planes: it hands the fast path's ops (turnpike/plane.h) to the
 * control loop.  Under systemd (Type=notify) it says READY=1 once every
 * port is open and the workers run, just before the control loop takes
 * over (service_notify.h).
 *
 * On DPDK's net_af_xdp port (AF_XDP mode) the host keeps its interface;
 * on any other, exception-interface gives the kernel a TAP in its place
 * (exception-port mode).  host_share.c, which sees both planes too, sets
 * either up (step 5b).
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "config.h"
#include "cp_admin.h"
#include "cp_fleet.h"
#include "cp_log.h"
#include "cp_loop.h"
#include "cp_metrics_http.h"
#include "cp_reload.h"
#include "cp_setup.h"
#include "cp_tls.h"
#include "cp_usage_json.h"
#include "dp_plane.h"
#include "dp_port.h"
#include "dp_table.h"
#include "fleet.h"
#include "fleet_stats.h"
#include "host_share.h"
#include "push_service.h"
#include "redis_conf.h"
#include "service_notify.h"
#include "stream_queue.h"
#include "stream_server.h"
#include "turnpike_telemetry.h"

/* Requests the stream thread may have queued for the control thread. */
#define STREAM_QUEUE_SLOTS 1024

#define MBUFS_PER_WORKER 16384

struct options {
	const char *config;
	uint16_t port;
	uint32_t stats_interval_s;
	uint32_t idle_sleep_us;
};

static volatile bool stop_requested;
static volatile sig_atomic_t drain_requested;
static volatile bool reload_requested;

/* Only flags: the control loop acts on them (nothing else here would be
 * async-signal-safe). */
static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		drain_requested = 1;
	else
		stop_requested = true;
}

/* The reload itself runs on the control thread (cp_loop.c). */
static void
on_sighup(int sig)
{
	(void)sig;
	reload_requested = true;
}

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: turnpike [EAL options] -- -c FILE [options]\n"
		"       turnpike --check-config FILE\n"
		"       turnpike --xdp-vdev IFACE [WORKERS]   the --vdev argument\n"
		"                for AF_XDP mode on IFACE (the host keeps it)\n"
		"       turnpike --xdp-prog-path              the XDP program's file\n"
		"  -c, --config FILE        configuration (coturn-style key = value)\n"
		"  -p, --port N             DPDK port to use (default 0)\n"
		"  -s, --stats-interval S   log summed counters every S seconds\n"
		"  -i, --idle-sleep-us N    workers sleep N us when idle (virtual\n"
		"                           devices on shared cores); default 0\n"
		"  -h, --help\n"
		"SIGHUP (or turnpike-admin reload) re-reads FILE; SIGINT or SIGTERM\n"
		"stops the server.\n");
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
				fprintf(stderr,
					"turnpike: --%s: '%s' is not a number\n",
					c == 'p' ? "port" :
					c == 's' ? "stats-interval" :
						   "idle-sleep-us",
					optarg);
				return -1;
			}
		}
		/* clang-format off */
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'p': o->port = (uint16_t)v; break;
		case 's': o->stats_interval_s = (uint32_t)v; break;
		case 'i': o->idle_sleep_us = (uint32_t)v; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		/* clang-format on */
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

/*
 * Join the fleet of cfg->redis_userdb: the fleet thread (it connects on
 * its own, so a Redis down at start is retried like one lost later) and
 * the control thread's side, whose ops the TURN server will call.
 * Clients are sent to us at fleet-advertise, or the first listening-ip.
 * @return 0 or -1 (with @p err).
 */
static int
fleet_join(struct fleet *f, struct cp_fleet *cf, const struct tp_config *cfg,
	   struct push_apply *apply, char *err, size_t err_len)
{
	struct tp_addr adv = cfg->fleet_advertise, a4 = { 0 }, a6 = { 0 };
	struct redis_conf rc;
	char why[160];
	int rc_start;

	if (redis_conf_parse(cfg->redis_userdb, &rc, why, sizeof(why)) != 0) {
		snprintf(err, err_len, "%s:%u: redis-userdb: %s", cfg->file,
			 cfg->line[TP_CONFIG_KEY_REDIS_USERDB], why);
		return -1;
	}
	if (adv.port == 0 && cfg->listening_ips.n > 0) {
		adv.ip = cfg->listening_ips.v[0].ip;
		adv.port = cfg->listening_port;
	}
	if (adv.ip.family == TP_AF_INET6)
		a6 = adv;
	else
		a4 = adv;
	rc_start = fleet_start(f, &rc, cfg->realm, cfg->fleet_id,
			       cfg->fleet_lease, &a4, &a6, err, err_len);
	OPENSSL_cleanse(rc.password, sizeof(rc.password));
	if (rc_start != 0)
		return -1;
	cp_fleet_init(cf, f, apply, cfg->fleet_shed_allocations);
	return 0;
}

/*
 * Publish allocation status and traffic to cfg->redis_statsdb (its own
 * thread; an unreachable Redis is retried, not an error).
 * @return 0 or -1 (with @p err).
 */
static int
statsdb_start(struct fleet_stats *fs, const struct tp_config *cfg, char *err,
	      size_t err_len)
{
	struct redis_conf rc;
	char why[160];
	int rc_start;

	if (redis_conf_parse(cfg->redis_statsdb, &rc, why, sizeof(why)) != 0) {
		snprintf(err, err_len, "%s:%u: redis-statsdb: %s", cfg->file,
			 cfg->line[TP_CONFIG_KEY_REDIS_STATSDB], why);
		return -1;
	}
	rc_start = fleet_stats_start(fs, &rc, why, sizeof(why));
	OPENSSL_cleanse(rc.password, sizeof(rc.password));
	if (rc_start != 0) {
		snprintf(err, err_len, "redis-statsdb: %s", why);
		return -1;
	}
	return 0;
}

static int
share_user(void *arg, const struct auth_user *u, const char *name, int64_t expires)
{
	return cp_fleet_share_user(arg, u, name, expires);
}

int
main(int argc, char **argv)
{
	struct options opt = { .port = 0 };
	struct tp_config cfg;
	struct cp_objects obj;
	struct dp_port_info port;
	struct dp_plane *plane;
	struct rte_mempool *pool;
	struct cp_loop loop = { 0 };
	struct cp_metrics_http *metrics = NULL;
	struct host_share share;
	struct cp_sink sink;
	struct cp_admin admin;
	struct cp_admin_ctx admin_ctx;
	struct push_service push = { 0 };
	static struct fleet fleet; /* large: off the stack */
	static struct cp_fleet cp_fleet;
	static struct fleet_stats statsdb;
	struct cp_reload reload = { 0 };
	struct stream_params stream_p;
	struct stream_queue stream_q = { 0 };
	struct stream_server *streams = NULL;
	struct cp_usage_json *usage_json = NULL;
	SSL_CTX *tls = NULL;
	unsigned int lcores[DP_MAX_WORKERS], lcore;
	uint16_t n_workers = 0;
	char err[512];
	int n;

	if (argc == 3 && strcmp(argv[1], "--check-config") == 0)
		return check_config(argv[2]);
	if ((argc == 2 && strcmp(argv[1], "--xdp-prog-path") == 0) ||
	    ((argc == 3 || argc == 4) && strcmp(argv[1], "--xdp-vdev") == 0))
		return host_share_helper(argc, argv);

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
	/* 2b. The JSON usage records' file, opened now so that a path we
	 * cannot write stops the server before it runs. */
	if (cp_usage_json_open_config(&usage_json, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}

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
		fprintf(stderr,
			"turnpike: no DPDK port %u (give a device, e.g. "
			"--vdev net_af_packet0,iface=eth1,qpairs=%u)\n",
			opt.port, n_workers);
		return 1;
	}

	/* 4. The control plane's objects, and the fast path's parameters. */
	if (cp_setup_build(&obj, &cfg, n_workers, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	obj.plane.idle_sleep_us = opt.idle_sleep_us;

	/* 5. Packet buffers and the port: a queue pair per worker. */
	pool = rte_pktmbuf_pool_create("tp_mbufs",
				       MBUFS_PER_WORKER * (n_workers + 1), 256,
				       0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr,
			"turnpike: cannot create the mbuf pool: %s "
			"(with --no-huge give EAL more memory, e.g. -m 1024)\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (dp_port_init(opt.port, n_workers, n_workers, pool, &port, err,
			 sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	/* 5b. On net_af_xdp the host keeps the interface: the XDP program told
	 * which UDP is ours, next hops from the kernel's neighbour table.
	 * With exception-interface, the exception port gives the kernel the
	 * same view of a NIC it no longer has. */
	if (host_share_open(&share, &port, n_workers, &obj.plane,
			    cfg.exception_interface, pool, err,
			    sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		dp_port_fini(opt.port);
		cp_setup_free(&obj);
		tp_config_free(&cfg);
		rte_eal_cleanup();
		return 1;
	}

	/* 6. The fast path: workers, rings, tables. */
	plane = dp_plane_create(&obj.plane, opt.port, &port, pool, lcores, NULL,
				err, sizeof(err));
	if (plane == NULL) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	/* The record is the same for both families: addresses are 16 bytes
	 * wide throughout, and relayed ones (IP index, port). */
	cp_log(CP_LOG_INFO, "tables",
	       "workers=%u slots_per_worker=%u bytes=%zu "
	       "bytes_per_allocation=%zu alloc_record=%zu",
	       n_workers, cfg.allocations_per_worker, plane->table_bytes,
	       plane->table_bytes /
		       ((size_t)cfg.allocations_per_worker * n_workers),
	       sizeof(struct dp_alloc));

	/* 7. The TURN server, deciding through the control loop's sink. */
	dp_plane_ops(plane, &loop.plane);
	host_share_attach(&share, &loop);
	loop.stop = &stop_requested;
	loop.drain_req = &drain_requested;
	loop.drain_min_allocs = cfg.drain_min_allocations;
	loop.stats_interval_s = opt.stats_interval_s;
	loop.usage_json = usage_json;
	loop.status = service_notify_allocations;
	loop.stopping = service_notify_stopping;
	cp_loop_sink_init(&loop, &sink);
	/* 7a. A relay of a fleet counts quotas with the others and shares
	 * pushed credentials through their Redis (cp_fleet.h). */
	if (cfg.line[TP_CONFIG_KEY_REDIS_USERDB] != 0) {
		if (fleet_join(&fleet, &cp_fleet, &cfg, &push.apply, err,
			       sizeof(err)) != 0) {
			fprintf(stderr, "turnpike: %s\n", err);
			return 1;
		}
		obj.params.fleet = &cp_fleet.ops;
		loop.fleet = &cp_fleet;
	}
	/* 7b. Allocation status and traffic on coturn's topics, for its
	 * billing consumers (fleet_stats.h). */
	if (cfg.line[TP_CONFIG_KEY_REDIS_STATSDB] != 0) {
		if (statsdb_start(&statsdb, &cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "turnpike: %s\n", err);
			return 1;
		}
		loop.statsdb = &statsdb;
	}
	loop.srv = turn_server_create(&obj.params, &sink);
	if (loop.srv == NULL) {
		fprintf(stderr, "turnpike: cannot create the TURN server\n");
		return 1;
	}
	cp_fleet.srv = loop.srv;

	/* The figures DPDK telemetry shows, published by the control loop.
	 * Static and never freed: the telemetry thread may answer until the
	 * process ends, and DPDK cannot unregister a command. */
	static struct cp_snapshot snapshot;

	if (cp_snapshot_init(&snapshot) != 0) {
		fprintf(stderr, "turnpike: no memory for the snapshot\n");
		return 1;
	}
	loop.snapshot = &snapshot;
	cp_loop_snapshot(&loop, cp_loop_now_ms());
	if (turnpike_telemetry_register(&snapshot) != 0)
		cp_log(CP_LOG_WARN, "telemetry",
		       "could not register /turnpike/ commands");
	if (cfg.prometheus) {
		struct cp_metrics_info mi = {
			.version = TP_VERSION,
			.start_time_s = (double)time(NULL),
		};

		metrics = cp_metrics_http_start(&cfg.prometheus_address,
						cfg.prometheus_port, &snapshot,
						&mi, &stop_requested, err,
						sizeof(err));
		if (metrics == NULL) {
			fprintf(stderr, "turnpike: %s:%u: prometheus-port: %s\n",
				cfg.file,
				cfg.line[TP_CONFIG_KEY_PROMETHEUS_PORT], err);
			return 1;
		}
	}

	/* 8. Reload (SIGHUP, the admin socket's `reload`) and the admin
	 * socket: commands and pushed credentials, served by the control loop
	 * (cp_reload.h, cp_admin.h). */
	reload.path = opt.config;
	reload.boot = &cfg;
	reload.obj = &obj;
	reload.srv = loop.srv;
	reload.n_workers = n_workers;
	reload.usage_json = usage_json;
	loop.reload = &reload;
	loop.reload_requested = &reload_requested;
	admin_ctx = (struct cp_admin_ctx){
		.obj = &obj,
		.srv = loop.srv,
		.reload = &reload,
		.extra_stats = cp_loop_admin_stats,
		.extra_stats_arg = &loop,
		.drain = cp_loop_admin_drain,
		.drain_arg = &loop,
		.share_user = loop.fleet != NULL ? share_user : NULL,
		.share_arg = loop.fleet,
	};
	if (cp_admin_open(&admin, cfg.admin_socket, &admin_ctx, err,
			  sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	loop.admin = &admin;

	/* 8b. The push API: what it pushed before comes back from its store
	 * into the tables, then HTTPS opens (push_http.h). */
	if (cfg.line[TP_CONFIG_KEY_PUSH_LISTEN] != 0 || loop.fleet != NULL) {
		if (push_service_start(&push, &cfg, &obj, loop.srv,
				       loop.fleet != NULL ? &fleet : NULL,
				       cp_loop_now_ms(), err, sizeof(err)) != 0) {
			fprintf(stderr, "turnpike: %s\n", err);
			return 1;
		}
		loop.push = &push.pipeline;
		loop.push_apply = &push.apply;
	}

	/* 9. TURN over TCP and TLS: the stream thread's listeners, opened now
	 * so a port in use stops the server before it runs. */
	if (cp_tls_ctx_create(&tls, &cfg, err, sizeof(err)) != 0 ||
	    (n = cp_setup_stream_params(&stream_p, &obj, &cfg, tls, err,
					sizeof(err))) < 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	if (n > 0) {
		if (stream_queue_init(&stream_q, STREAM_QUEUE_SLOTS) != 0) {
			fprintf(stderr, "turnpike: out of memory\n");
			return 1;
		}
		streams = stream_server_create(&stream_p, &loop.plane,
					       &stream_q, err, sizeof(err));
		if (streams == NULL) {
			fprintf(stderr, "turnpike: %s\n", err);
			return 1;
		}
		loop.streams_q = &stream_q;
		loop.streams = streams;
	}

	/* 10. Run: workers on their lcores, the stream thread, the control
	 * loop here. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGHUP, on_sighup);
	/* A TLS client that goes away mid-write must not take the server with
	 * it: OpenSSL writes with write(2), which raises SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (dp_plane_launch(plane) != 0 ||
	    (streams != NULL && stream_server_start(streams) != 0)) {
		fprintf(stderr, "turnpike: cannot start the workers or the stream "
				"thread\n");
		return 1;
	}
	cp_log_buffered();
	cp_log(CP_LOG_INFO, "start",
	       "workers=%u port=%u rx_queues=%u "
	       "stream_listeners=%u tls=%d config=%s",
	       n_workers, opt.port, port.n_rx_queues,
	       streams != NULL ? stream_p.n_listen : 0, tls != NULL, opt.config);
	/* Every port is open and the workers run: systemd may start what
	 * depends on us (a no-op outside a Type=notify unit). */
	service_notify_ready("running allocations=0");
	cp_loop_run(&loop);

	/* 11. Stop: streams, workers, port, everything we made.  The fleet
	 * thread last of the control plane: allocations ended above were
	 * released to it. */
	push_service_stop(&push);
	cp_metrics_http_stop(metrics);
	stream_server_destroy(streams);
	stream_queue_fini(&stream_q);
	SSL_CTX_free(tls);
	cp_admin_close(&admin);
	cp_admin_ctx_fini(&admin_ctx);
	cp_reload_fini(&reload);
	dp_plane_stop(plane);
	host_share_close(&share);
	dp_port_fini(opt.port);
	turn_server_destroy(loop.srv);
	fleet_stop(&fleet);
	/* After the last usage record, as the JSON file. */
	fleet_stats_stop(&statsdb);
	cp_usage_json_close(usage_json);
	dp_plane_destroy(plane);
	cp_setup_free(&obj);
	rte_mempool_free(pool);
	tp_config_free(&cfg);
	cp_log(CP_LOG_INFO, "stop", "clean=1");
	rte_eal_cleanup();
	return 0;
}
