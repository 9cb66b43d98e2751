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
 * closes the port.  This file is the only one that sees both planes: it
 * hands the fast path's ops (turnpike/plane.h) to the control loop.
 *
 * On DPDK's net_af_xdp port (AF_XDP mode) the host keeps its interface:
 * the PMD attaches turnpike's XDP program (dataplane/bpf), and the server
 * tells it which UDP is ours (host_share_open).  `turnpike --xdp-vdev
 * IFACE [WORKERS]` prints the --vdev argument that makes such a port.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "config.h"
#include "cp_admin.h"
#include "cp_log.h"
#include "cp_loop.h"
#include "cp_setup.h"
#include "cp_tls.h"
#include "dp_plane.h"
#include "dp_port.h"
#ifdef TP_HAVE_XDP
#include "dp_xdp.h"
#endif
#include "stream_queue.h"
#include "stream_server.h"

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
		"       turnpike --xdp-vdev IFACE [WORKERS]   the --vdev argument\n"
		"                for AF_XDP mode on IFACE (the host keeps it)\n"
		"       turnpike --xdp-prog-path              the XDP program's file\n"
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
 * `turnpike --xdp-prog-path` and `turnpike --xdp-vdev IFACE [WORKERS]`:
 * what the operator puts on EAL's command line for AF_XDP mode
 * (`--vdev "$(turnpike --xdp-vdev eth1 2)"`); no EAL needed.
 */
static int
xdp_helper(int argc, char **argv)
{
#ifdef TP_HAVE_XDP
	const char *path = dp_xdp_prog_path();
	unsigned long workers = 1;
	char vdev[512], *end = NULL;

	if (access(path, R_OK) != 0)
		fprintf(stderr, "turnpike: warning: %s: %s (not built or not "
			"installed?)\n", path, strerror(errno));
	if (strcmp(argv[1], "--xdp-prog-path") == 0) {
		printf("%s\n", path);
		return 0;
	}
	if (argc == 4) {
		workers = strtoul(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end != '\0')
			workers = 0;
	}
	/* One queue per worker, from queue 0: the workers' RX queues. */
	if (dp_xdp_vdev_arg(vdev, sizeof(vdev), 0, argv[2],
			    (uint16_t)(workers <= UINT16_MAX ? workers : 0),
			    path) != 0) {
		fprintf(stderr, "turnpike: --xdp-vdev IFACE [WORKERS]: an "
			"interface name without ',' and 1-%u workers\n",
			TP_XDP_MAX_QUEUES);
		return 2;
	}
	printf("%s\n", vdev);
	return 0;
#else
	(void)argc;
	fprintf(stderr, "turnpike: %s: this build has no AF_XDP mode (built "
		"without libbpf or clang)\n", argv[1]);
	return 1;
#endif
}

/* The server's side of AF_XDP mode (see host_share_open). */
struct host_share {
	bool on;               /**< the port is net_af_xdp */
	char ifname[IF_NAMESIZE];
#ifdef TP_HAVE_XDP
	struct dp_xdp xdp;
#endif
};

/*
 * 5b. AF_XDP mode (the port is net_af_xdp): the host keeps the interface.
 * The PMD attached turnpike's XDP program while it set the queues up
 * (dp_port_init); tell it which UDP is ours, from the parameters the
 * workers get.  Any other port: nothing to do.  @return 0 or -errno with
 * a message in @p err.
 */
static int
host_share_open(struct host_share *hs, const struct dp_port_info *port,
		uint16_t n_workers, const struct tp_plane_params *pp, char *err,
		size_t err_len)
{
	memset(hs, 0, sizeof(*hs));
	hs->on = port->driver != NULL && strcmp(port->driver, "net_af_xdp") == 0;
	if (!hs->on)
		return 0;
	if (port->if_index == 0 || if_indextoname(port->if_index, hs->ifname) == NULL)
		snprintf(hs->ifname, sizeof(hs->ifname), "IFACE");
#ifdef TP_HAVE_XDP
	char why[384];
	int rc = dp_xdp_open_iface(&hs->xdp, port->if_index, why, sizeof(why));

	if (rc == 0)
		rc = dp_xdp_configure(&hs->xdp, pp, why, sizeof(why));
	if (rc != 0) {
		dp_xdp_close(&hs->xdp);
		if (rc == -ENOENT || rc == -EPROTO)
			snprintf(err, err_len, "AF_XDP mode on %s: %s; the port must "
				 "load turnpike's own program: --vdev \"$(turnpike "
				 "--xdp-vdev %s %u)\"", hs->ifname, why, hs->ifname,
				 n_workers);
		else
			snprintf(err, err_len, "AF_XDP mode on %s: %s", hs->ifname, why);
		return rc;
	}
	cp_log(CP_LOG_INFO, "xdp", "iface=%s ifindex=%u prog_id=%u mode=%s "
	       "addresses=%u listen_port=%u relay_ports=%u-%u", hs->ifname,
	       port->if_index, hs->xdp.prog_id, dp_xdp_mode_name(hs->xdp.mode),
	       hs->xdp.n_addr4, pp->listen_port, pp->min_port, pp->max_port);
	if (hs->xdp.mode == DP_XDP_MODE_GENERIC)
		cp_log(CP_LOG_WARN, "xdp", "iface=%s: generic (skb) mode: the "
		       "driver has no native XDP, so every frame is made into an "
		       "skb and copied before the program sees it: a fraction of "
		       "native speed", hs->ifname);
	if (hs->xdp.n_skipped > 0)
		cp_log(CP_LOG_WARN, "xdp", "iface=%s: %u IPv6 addresses not "
		       "steered (the program steers IPv4 only): their UDP goes to "
		       "the kernel", hs->ifname, hs->xdp.n_skipped);
	return 0;
#else
	(void)n_workers;
	(void)pp;
	snprintf(err, err_len, "port %s is net_af_xdp, but this build has no "
		 "AF_XDP mode (built without libbpf or clang)", hs->ifname);
	return -ENOTSUP;
#endif
}

/* The port's own counters for the admin socket, when it has any. */
static void
host_share_ops(struct host_share *hs, struct tp_plane_ops *ops)
{
#ifdef TP_HAVE_XDP
	if (hs->on) {
		ops->port_counters = dp_xdp_counters;
		ops->port_ctx = &hs->xdp;
	}
#else
	(void)hs;
	(void)ops;
#endif
}

static void
host_share_close(struct host_share *hs)
{
#ifdef TP_HAVE_XDP
	if (hs->on)
		dp_xdp_close(&hs->xdp);
#endif
	hs->on = false;
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
	struct host_share share;
	struct cp_sink sink;
	struct cp_admin admin;
	struct cp_admin_ctx admin_ctx;
	struct stream_params stream_p;
	struct stream_queue stream_q = { 0 };
	struct stream_server *streams = NULL;
	SSL_CTX *tls = NULL;
	unsigned int lcores[DP_MAX_WORKERS], lcore;
	uint16_t n_workers = 0;
	char err[512];
	int n;

	if (argc == 3 && strcmp(argv[1], "--check-config") == 0)
		return check_config(argv[2]);
	if ((argc == 2 && strcmp(argv[1], "--xdp-prog-path") == 0) ||
	    ((argc == 3 || argc == 4) && strcmp(argv[1], "--xdp-vdev") == 0))
		return xdp_helper(argc, argv);

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

	/* 4. The control plane's objects, and the fast path's parameters. */
	if (cp_setup_build(&obj, &cfg, n_workers, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	obj.plane.idle_sleep_us = opt.idle_sleep_us;

	/* 5. Packet buffers and the port: a queue pair per worker; on
	 * net_af_xdp, the XDP program told which UDP is ours (5b). */
	pool = rte_pktmbuf_pool_create("tp_mbufs", MBUFS_PER_WORKER * (n_workers + 1),
				       256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "turnpike: cannot create the mbuf pool: %s "
			"(with --no-huge give EAL more memory, e.g. -m 1024)\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (dp_port_init(opt.port, n_workers, n_workers, pool, &port, err,
			 sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	if (host_share_open(&share, &port, n_workers, &obj.plane, err,
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
	cp_log(CP_LOG_INFO, "tables", "workers=%u slots_per_worker=%u bytes=%zu "
	       "bytes_per_allocation=%zu", n_workers, cfg.allocations_per_worker,
	       plane->table_bytes,
	       plane->table_bytes / ((size_t)cfg.allocations_per_worker * n_workers));

	/* 7. The TURN server, deciding through the control loop's sink. */
	dp_plane_ops(plane, &loop.plane);
	host_share_ops(&share, &loop.plane);
	loop.stop = &stop_requested;
	loop.stats_interval_s = opt.stats_interval_s;
	cp_loop_sink_init(&loop, &sink);
	loop.srv = turn_server_create(&obj.params, &sink);
	if (loop.srv == NULL) {
		fprintf(stderr, "turnpike: cannot create the TURN server\n");
		return 1;
	}

	/* 8. The admin socket: commands and pushed credentials, served by
	 * the control loop (cp_admin.h). */
	admin_ctx = (struct cp_admin_ctx){
		.obj = &obj,
		.srv = loop.srv,
		.extra_stats = cp_loop_admin_stats,
		.extra_stats_arg = &loop,
	};
	if (cp_admin_open(&admin, cfg.admin_socket, &admin_ctx, err,
			  sizeof(err)) != 0) {
		fprintf(stderr, "turnpike: %s\n", err);
		return 1;
	}
	loop.admin = &admin;

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
		streams = stream_server_create(&stream_p, &loop.plane, &stream_q,
					       err, sizeof(err));
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
	cp_log(CP_LOG_INFO, "start", "workers=%u port=%u rx_queues=%u "
	       "stream_listeners=%u tls=%d config=%s", n_workers, opt.port,
	       port.n_rx_queues, streams != NULL ? stream_p.n_listen : 0,
	       tls != NULL, opt.config);
	cp_loop_run(&loop);

	/* 11. Stop: streams, workers, port, everything we made. */
	stream_server_destroy(streams);
	stream_queue_fini(&stream_q);
	SSL_CTX_free(tls);
	cp_admin_close(&admin);
	cp_admin_ctx_fini(&admin_ctx);
	dp_plane_stop(plane);
	host_share_close(&share);
	dp_port_fini(opt.port);
	turn_server_destroy(loop.srv);
	dp_plane_destroy(plane);
	cp_setup_free(&obj);
	rte_mempool_free(pool);
	tp_config_free(&cfg);
	cp_log(CP_LOG_INFO, "stop", "clean=1");
	rte_eal_cleanup();
	return 0;
}
