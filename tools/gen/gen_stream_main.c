/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen-stream's main: the command line, the three phases and the
 * report (gen_stream.h says what the program does).
 *
 *   set-up   open every connection at once; each sets up its allocation;
 *            ends when all are ready or failed, or after --setup-timeout;
 *            with --wait-start, then waits for SIGUSR1 (a benchmark's
 *            samplers start in the meantime), keeping allocations alive
 *   traffic  --duration seconds: every client keeps --window messages in
 *            flight; a progress line every --progress-ms on stderr
 *   drain    no new messages; wait up to --drain-ms for the echoes
 *
 * The report is one JSON object on stdout.  Exit status: 0, 1 (could not
 * run), 2 (bad options), 3 (some allocations failed or none was made).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "gen_stream.h"

/* Timers of every client are looked at this often. */
#define GS_TICK_NS 10000000u
#define GS_EVENTS 256
/* RFC 8489 section 6.2.2: a reliable transport's transaction timeout is
 * Ti = 39.5 s; one send (max_tries 1) waits the last wait, 16 RTO. */
#define GS_STREAM_RTO_NS (39500000000u / GEN_RTO_LAST_FACTOR)

/* clang-format off */
enum {
	OPT_SERVER = 256, OPT_LOCAL, OPT_PEER, OPT_PEER_TARGET, OPT_TLS,
	OPT_CA, OPT_CLIENTS, OPT_WINDOW, OPT_SIZE, OPT_DURATION,
	OPT_SETUP_TIMEOUT, OPT_DRAIN, OPT_PROGRESS, OPT_AUTH, OPT_USER,
	OPT_PASSWORD, OPT_SECRET, OPT_REST_TTL, OPT_OAUTH_KID, OPT_OAUTH_KEY,
	OPT_OAUTH_ALG, OPT_SERVER_NAME, OPT_WAIT_START, OPT_HELP,
};

static const struct option longopts[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "local", required_argument, NULL, OPT_LOCAL },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "peer-target", required_argument, NULL, OPT_PEER_TARGET },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "clients", required_argument, NULL, OPT_CLIENTS },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "setup-timeout-ms", required_argument, NULL, OPT_SETUP_TIMEOUT },
	{ "drain-ms", required_argument, NULL, OPT_DRAIN },
	{ "progress-ms", required_argument, NULL, OPT_PROGRESS },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "rest-ttl", required_argument, NULL, OPT_REST_TTL },
	{ "oauth-kid", required_argument, NULL, OPT_OAUTH_KID },
	{ "oauth-key", required_argument, NULL, OPT_OAUTH_KEY },
	{ "oauth-alg", required_argument, NULL, OPT_OAUTH_ALG },
	{ "server-name", required_argument, NULL, OPT_SERVER_NAME },
	{ "wait-start", no_argument, NULL, OPT_WAIT_START },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: turnpike-gen-stream --server IP[:PORT] --local IP --peer IP:PORT\n"
"                           --auth KIND ... [options]\n"
"TURN clients over TCP or TLS (kernel sockets) with a channel each, and\n"
"the UDP peer that echoes their ChannelData back through the relay; each\n"
"client keeps a window of messages in flight.  Reports relayed messages,\n"
"loss and round trips as JSON on stdout.\n"
"  --server IP[:PORT]   the TURN server (3478; 5349 with --tls)\n"
"  --local IP           the clients' source address\n"
"  --peer IP:PORT       the echo peer binds here; the clients bind their\n"
"                       channels to it unless --peer-target IP:PORT names\n"
"                       the address the relay must send to instead\n"
"  --tls                TLS 1.2 or 1.3 over the TCP connection\n"
"  --ca FILE            verify the server's certificate (and its IP)\n"
"                       against FILE; without it nothing is verified\n"
"  --clients N          connections, one allocation each (50)\n"
"  --window W           messages in flight per client (32)\n"
"  --size BYTES         ChannelData payload, %d-%d (100)\n"
"  --duration S         seconds of traffic (5)\n"
"  --setup-timeout-ms MS  longest set-up (20000)\n"
"  --drain-ms MS        longest wait for echoes at the end (1000)\n"
"  --progress-ms MS     a progress line on stderr this often (200)\n"
"  --wait-start         after set-up, wait for SIGUSR1 before the traffic\n"
"                       (at most --setup-timeout-ms)\n"
"  --auth lt|rest|oauth  credentials, as turnpike-gen takes them:\n"
"    lt:    --user U --password P\n"
"    rest:  --secret S [--user ID] [--rest-ttl S]\n"
"    oauth: --oauth-kid KID --oauth-key BASE64 [--oauth-alg A]\n"
"           [--server-name NAME]\n"
"exit status: 0, 1 (could not run), 2 (bad options), 3 (allocations failed)\n",
		GS_STAMP_LEN, GS_PEER_DGRAM - CHANNEL_DATA_HEADER_LEN - 3);
}
/* clang-format on */

static int
parse_u32(const char *text, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "IP" or "IP:PORT" (IPv4: the relay leg and the generator are IPv4). */
static int
parse_addr(const char *text, uint16_t dflt_port, struct tp_addr *out)
{
	char ip[64];
	const char *colon = strchr(text, ':');
	size_t len = colon != NULL ? (size_t)(colon - text) : strlen(text);
	uint32_t port = dflt_port;

	if (len >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, text, len);
	ip[len] = '\0';
	if (tp_ip_parse(&out->ip, ip) != 0 || out->ip.family != TP_AF_INET)
		return -EINVAL;
	if (colon != NULL && parse_u32(colon + 1, 1, 65535, &port) != 0)
		return -EINVAL;
	if (port == 0)
		return -EINVAL;
	out->port = (uint16_t)port;
	return 0;
}

static int
parse_opts(struct gs_opts *o, int argc, char **argv)
{
	const char *server = NULL, *local = NULL, *peer = NULL, *target = NULL;
	const char *auth = NULL;
	uint32_t v;
	int opt;

	*o = (struct gs_opts){
		.clients = 50,
		.window = 32,
		.size = 100,
		.duration_s = 5,
		.setup_timeout_ms = 20000,
		.drain_ms = 1000,
		.progress_ms = 200,
		.auth = { .rest_ttl_s = 86400, .oauth_lifetime_s = 3600 },
	};
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		int bad = 0;

		switch (opt) {
		case OPT_SERVER:
			server = optarg;
			break;
		case OPT_LOCAL:
			local = optarg;
			break;
		case OPT_PEER:
			peer = optarg;
			break;
		case OPT_PEER_TARGET:
			target = optarg;
			break;
		case OPT_TLS:
			o->tls = true;
			break;
		case OPT_CA:
			o->ca_file = optarg;
			break;
		case OPT_CLIENTS:
			bad = parse_u32(optarg, 1, 60000, &o->clients);
			break;
		case OPT_WINDOW:
			bad = parse_u32(optarg, 1, 4096, &o->window);
			break;
		case OPT_SIZE:
			bad = parse_u32(optarg, GS_STAMP_LEN,
					GS_PEER_DGRAM -
						CHANNEL_DATA_HEADER_LEN - 3,
					&o->size);
			break;
		case OPT_DURATION:
			bad = parse_u32(optarg, 1, 3600, &v);
			o->duration_s = v;
			break;
		case OPT_SETUP_TIMEOUT:
			bad = parse_u32(optarg, 1, 600000, &o->setup_timeout_ms);
			break;
		case OPT_DRAIN:
			bad = parse_u32(optarg, 0, 60000, &o->drain_ms);
			break;
		case OPT_PROGRESS:
			bad = parse_u32(optarg, 10, 60000, &o->progress_ms);
			break;
		case OPT_AUTH:
			auth = optarg;
			break;
		case OPT_USER:
			o->auth.user = optarg;
			break;
		case OPT_PASSWORD:
			o->auth.password = optarg;
			break;
		case OPT_SECRET:
			o->auth.secret = optarg;
			break;
		case OPT_REST_TTL:
			bad = parse_u32(optarg, 1, UINT32_MAX,
					&o->auth.rest_ttl_s);
			break;
		case OPT_OAUTH_KID:
			o->auth.oauth_kid = optarg;
			break;
		case OPT_OAUTH_KEY:
			o->auth.oauth_key_b64 = optarg;
			break;
		case OPT_OAUTH_ALG:
			o->auth.oauth_alg = optarg;
			break;
		case OPT_SERVER_NAME:
			o->auth.server_name = optarg;
			break;
		case OPT_WAIT_START:
			o->wait_start = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
		if (bad) {
			fprintf(stderr, "turnpike-gen-stream: bad value '%s'\n",
				optarg);
			return -EINVAL;
		}
	}
	if (optind != argc || server == NULL || local == NULL || peer == NULL ||
	    auth == NULL) {
		fprintf(stderr, "turnpike-gen-stream: --server, --local, --peer "
				"and --auth are needed\n");
		return -EINVAL;
	}
	if (parse_addr(server, o->tls ? 5349 : 3478, &o->server) != 0 ||
	    parse_addr(peer, 0, &o->peer) != 0 ||
	    parse_addr(target != NULL ? target : peer, 0, &o->target) != 0 ||
	    gen_auth_kind_parse(auth, &o->auth.kind) != 0) {
		fprintf(stderr, "turnpike-gen-stream: bad --server, --local, "
				"--peer, --peer-target or --auth (IPv4)\n");
		return -EINVAL;
	}
	if (tp_ip_parse(&o->local, local) != 0 || o->local.family != TP_AF_INET)
		return -EINVAL;
	return 0;
}

static SSL_CTX *
tls_client(const struct gs_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char ip[TP_ADDR_STRLEN];

	if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto fail;
	/* Windows of messages go out as far as the socket takes them. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->ca_file == NULL) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		return ctx;
	}
	if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_CTX_get0_param(ctx),
					  tp_ip_format(&o->server.ip, ip,
						       sizeof(ip))) != 1)
		goto fail;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
fail:
	fprintf(stderr, "turnpike-gen-stream: cannot set up TLS%s%s\n",
		o->ca_file != NULL ? " with " : "",
		o->ca_file != NULL ? o->ca_file : "");
	SSL_CTX_free(ctx);
	return NULL;
}

static int
gs_init(struct gs *g, char *err, size_t err_len)
{
	struct gen_plan_params pp = {
		.n_clients = g->o.clients,
		.n_peers = 1,
		.client_port0 = 1024,
		.peer_port0 = g->o.target.port,
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
	struct rlimit rl;

	pp.client_net.lo = pp.client_net.hi = g->o.local;
	pp.peer_net.lo = pp.peer_net.hi = g->o.target.ip;
	g->o.auth.now_unix = (uint64_t)time(NULL);
	if (gen_plan_init(&g->plan, &pp, err, err_len) != 0 ||
	    gen_auth_init(&g->auth, &g->o.auth, err, err_len) != 0)
		return -EINVAL;
	gen_sess_ctx_init(&g->sctx, &g->auth, &g->plan, &g->o.server,
			  1000000000u);
	g->sctx.rto = GS_STREAM_RTO_NS;
	g->sctx.max_tries = 1;
	g->sctx.now_unix = g->o.auth.now_unix;
	if (RAND_bytes(g->sctx.tid_prefix, sizeof(g->sctx.tid_prefix)) != 1) {
		snprintf(err, err_len, "no random bytes");
		return -EIO;
	}
	/* A descriptor per client, and a few. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)g->o.clients + 64) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (g->o.tls && (g->tls = tls_client(&g->o)) == NULL) {
		snprintf(err, err_len, "no TLS");
		return -EIO;
	}
	g->conns = calloc(g->o.clients, sizeof(*g->conns));
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->conns == NULL || g->ep < 0) {
		snprintf(err, err_len, "out of memory or descriptors");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < g->o.clients; i++)
		g->conns[i].fd = -1;
	g->peer_fd = gs_peer_open(&g->o.peer);
	if (g->peer_fd < 0 ||
	    epoll_ctl(g->ep, EPOLL_CTL_ADD, g->peer_fd, &ev) != 0) {
		snprintf(err, err_len, "cannot bind the peer: %s",
			 strerror(g->peer_fd < 0 ? -g->peer_fd : errno));
		return -EIO;
	}
	return 0;
}

static void
gs_fini(struct gs *g)
{
	for (uint32_t i = 0; g->conns != NULL && i < g->o.clients; i++)
		gs_conn_close(g, &g->conns[i]);
	free(g->conns);
	if (g->peer_fd >= 0)
		close(g->peer_fd);
	if (g->ep >= 0)
		close(g->ep);
	SSL_CTX_free(g->tls);
	gen_auth_wipe(&g->auth);
}

/* One turn: wait up to @p wait_ms for events, handle them, and the clock. */
static void
gs_turn(struct gs *g, int wait_ms, uint64_t *next_tick)
{
	struct epoll_event ev[GS_EVENTS];
	uint64_t now;
	int n = epoll_wait(g->ep, ev, GS_EVENTS, wait_ms);

	for (int i = 0; i < n; i++) {
		if (ev[i].data.u64 == 0)
			gs_peer_echo(g, 16);
		else
			gs_conn_on_event(g, &g->conns[ev[i].data.u64 - 1],
					 ev[i].events);
	}
	now = gs_now();
	if (now < *next_tick)
		return;
	*next_tick = now + GS_TICK_NS;
	if ((uint64_t)time(NULL) != g->sctx.now_unix) {
		/* The wall clock, for minting tokens. */
		g->sctx.now_unix = (uint64_t)time(NULL);
		(void)gen_auth_refresh(&g->auth, g->sctx.now_unix);
	}
	for (uint32_t i = 0; i < g->o.clients; i++)
		gs_conn_on_tick(g, &g->conns[i], now);
}

static void
progress(const struct gs *g, uint64_t t0)
{
	fprintf(stderr,
		"gen-stream: t=%.3f sent=%" PRIu64 " received=%" PRIu64
		" peer_in=%" PRIu64 " peer_out=%" PRIu64 "\n",
		(double)(gs_now() - t0) / 1e9, g->c[GS_C_sent],
		g->c[GS_C_received], g->c[GS_C_peer_in], g->c[GS_C_peer_out]);
	fflush(stderr);
}

static uint64_t
outstanding(const struct gs *g)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < g->o.clients; i++)
		if (g->conns[i].state == GS_READY)
			n += g->conns[i].outstanding;
	return n;
}

static void
report(const struct gs *g, double traffic_s)
{
	static const char *const names[] = {
#define GS_X_NAME(name, desc) #name,
		GS_COUNTER_LIST(GS_X_NAME)
#undef GS_X_NAME
	};
	uint64_t relayed = g->c[GS_C_received] + g->c[GS_C_peer_in];
	bool first = true;

	printf("{\"generator\": \"turnpike-gen-stream\", \"transport\": \"%s\", "
	       "\"clients\": %u, \"window\": %u, \"size\": %u, "
	       "\"ready\": %u, \"setup_failed\": %u, \"lost_live\": %u, "
	       "\"traffic_s\": %.3f, \"relayed\": %" PRIu64
	       ", \"relayed_pps\": %.0f, \"lost\": %" PRIu64 ", ",
	       g->o.tls ? "tls" : "tcp", g->o.clients, g->o.window, g->o.size,
	       g->n_ready, g->n_setup_failed, g->n_lost_live, traffic_s,
	       relayed, traffic_s > 0 ? (double)relayed / traffic_s : 0.0,
	       g->c[GS_C_sent] - g->c[GS_C_received]);
	printf("\"rtt_us\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f}, "
	       "\"setup_ms\": {\"p50\": %.2f, \"max\": %.2f}, ",
	       (double)gen_hist_percentile(&g->rtt, 50) / 1e3,
	       (double)gen_hist_percentile(&g->rtt, 99) / 1e3,
	       (double)g->rtt.max / 1e3,
	       (double)gen_hist_percentile(&g->setup, 50) / 1e6,
	       (double)g->setup.max / 1e6);
	printf("\"setup_failures\": {");
	for (unsigned int code = 0; code < GEN_FAIL_CODE_MAX; code++) {
		if (g->sctx.failed[code] == 0)
			continue;
		printf("%s\"%s\": %u", first ? "" : ", ",
		       code == GEN_FAIL_TIMEOUT  ? "timeout" :
		       code == GEN_FAIL_PROTOCOL ? "protocol" :
						   stun_reason_phrase(code),
		       g->sctx.failed[code]);
		first = false;
	}
	printf("}, ");
	if (g->o.tls)
		printf("\"tls_sessions\": {\"TLSv1.2\": %" PRIu64
		       ", \"TLSv1.3\": %" PRIu64 ", \"other\": %" PRIu64
		       "}, \"tls_cipher\": \"%s\", ",
		       g->tls_versions[0], g->tls_versions[1], g->tls_versions[2],
		       g->tls_cipher != NULL ? g->tls_cipher : "");
	printf("\"counters\": {");
	for (unsigned int i = 0; i < GS_C__COUNT; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", names[i], g->c[i]);
	printf("}}\n");
}

static volatile sig_atomic_t start_signalled;

static void
on_start_signal(int sig)
{
	(void)sig;
	start_signalled = 1;
}

int
main(int argc, char **argv)
{
	struct gs g = { .ep = -1, .peer_fd = -1 };
	uint64_t t0, t_end, next_tick = 0, next_prog;
	double traffic_s;
	char err[256] = "";
	int rc = 0;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_start_signal);
	if (parse_opts(&g.o, argc, argv) != 0) {
		usage(stderr);
		return 2;
	}
	if (gs_init(&g, err, sizeof(err)) != 0) {
		fprintf(stderr, "turnpike-gen-stream: %s\n", err);
		gs_fini(&g);
		return 1;
	}

	/* Set-up: every connection at once. */
	t0 = gs_now();
	for (uint32_t i = 0; i < g.o.clients; i++)
		if (gs_conn_open(&g, &g.conns[i], i) != 0) {
			g.c[GS_C_connect_failed]++;
			g.n_setup_failed++;
		}
	t_end = t0 + (uint64_t)g.o.setup_timeout_ms * 1000000u;
	while (g.n_ready + g.n_setup_failed < g.o.clients && gs_now() < t_end)
		gs_turn(&g, 1, &next_tick);
	fprintf(stderr, "gen-stream: %u of %u allocations ready in %.3f s\n",
		g.n_ready, g.o.clients, (double)(gs_now() - t0) / 1e9);
	if (g.o.wait_start) {
		fprintf(stderr, "gen-stream: waiting for SIGUSR1\n");
		fflush(stderr);
		t_end = gs_now() + (uint64_t)g.o.setup_timeout_ms * 1000000u;
		while (!start_signalled && gs_now() < t_end)
			gs_turn(&g, 1, &next_tick);
		if (!start_signalled)
			fprintf(stderr, "gen-stream: no SIGUSR1: starting\n");
	}

	/* Traffic. */
	t0 = gs_now();
	g.traffic = g.n_ready > 0;
	for (uint32_t i = 0; g.traffic && i < g.o.clients; i++)
		gs_conn_kick(&g, &g.conns[i], t0);
	t_end = t0 + (uint64_t)(g.o.duration_s * 1e9);
	next_prog = t0;
	while (g.traffic && gs_now() < t_end) {
		gs_turn(&g, 1, &next_tick);
		if (gs_now() >= next_prog) {
			progress(&g, t0);
			next_prog += (uint64_t)g.o.progress_ms * 1000000u;
		}
	}
	traffic_s = (double)(gs_now() - t0) / 1e9;

	/* Drain: the echoes of what is in flight. */
	g.traffic = false;
	t_end = gs_now() + (uint64_t)g.o.drain_ms * 1000000u;
	while (outstanding(&g) > 0 && gs_now() < t_end)
		gs_turn(&g, 1, &next_tick);
	progress(&g, t0);

	report(&g, traffic_s);
	if (g.n_ready < g.o.clients || g.n_lost_live > 0)
		rc = 3;
	gs_fini(&g);
	return rc;
}
