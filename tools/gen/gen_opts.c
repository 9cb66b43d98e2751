/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen's command line (the part after EAL's "--").  Runs once on
 * the main lcore before anything else; fills struct gen_opts, owns nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* clang-format off */
enum {
	OPT_SERVER = 256, OPT_SERVER_MAC, OPT_PORT, OPT_CLIENTS, OPT_PEERS,
	OPT_CLIENT_NET, OPT_PEER_NET, OPT_CLIENT_IPS, OPT_PEER_IPS,
	OPT_CLIENT_PORT, OPT_PEER_PORT, OPT_AUTH, OPT_USER, OPT_PASSWORD,
	OPT_SECRET, OPT_REST_TTL, OPT_OAUTH_KID, OPT_OAUTH_KEY, OPT_OAUTH_ALG,
	OPT_OAUTH_LIFETIME, OPT_SERVER_NAME, OPT_MODE, OPT_RATE, OPT_SIZE,
	OPT_DURATION, OPT_ECHO, OPT_WINDOW, OPT_RTO, OPT_TRIES, OPT_LIFETIME,
	OPT_JSON, OPT_PCAP_OUT, OPT_HOLD, OPT_PROGRESS, OPT_FLOOR,
	OPT_IDLE_SLEEP, OPT_DRAIN, OPT_NO_RELEASE, OPT_REFRESH_PERM,
	OPT_REFRESH_CHAN, OPT_GATEWAY, OPT_SIZE_MAX, OPT_SEARCH, OPT_TRIAL,
	OPT_LOSS_MAX, OPT_SEARCH_MAX, OPT_RESOLUTION, OPT_CALL_PPS, OPT_QUEUES,
	OPT_HELP,
};

static const struct option longopts[] = {
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "server-mac", required_argument, NULL, OPT_SERVER_MAC },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "clients", required_argument, NULL, OPT_CLIENTS },
	{ "peers", required_argument, NULL, OPT_PEERS },
	{ "client-net", required_argument, NULL, OPT_CLIENT_NET },
	{ "peer-net", required_argument, NULL, OPT_PEER_NET },
	{ "client-ips", required_argument, NULL, OPT_CLIENT_IPS },
	{ "peer-ips", required_argument, NULL, OPT_PEER_IPS },
	{ "client-port", required_argument, NULL, OPT_CLIENT_PORT },
	{ "peer-port", required_argument, NULL, OPT_PEER_PORT },
	{ "auth", required_argument, NULL, OPT_AUTH },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "rest-ttl", required_argument, NULL, OPT_REST_TTL },
	{ "oauth-kid", required_argument, NULL, OPT_OAUTH_KID },
	{ "oauth-key", required_argument, NULL, OPT_OAUTH_KEY },
	{ "oauth-alg", required_argument, NULL, OPT_OAUTH_ALG },
	{ "oauth-lifetime", required_argument, NULL, OPT_OAUTH_LIFETIME },
	{ "server-name", required_argument, NULL, OPT_SERVER_NAME },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "echo", no_argument, NULL, OPT_ECHO },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "rto-ms", required_argument, NULL, OPT_RTO },
	{ "tries", required_argument, NULL, OPT_TRIES },
	{ "lifetime", required_argument, NULL, OPT_LIFETIME },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "pcap-out", required_argument, NULL, OPT_PCAP_OUT },
	{ "hold", no_argument, NULL, OPT_HOLD },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "floor", no_argument, NULL, OPT_FLOOR },
	{ "idle-sleep-us", required_argument, NULL, OPT_IDLE_SLEEP },
	{ "drain-ms", required_argument, NULL, OPT_DRAIN },
	{ "no-release", no_argument, NULL, OPT_NO_RELEASE },
	{ "refresh-perm", required_argument, NULL, OPT_REFRESH_PERM },
	{ "refresh-chan", required_argument, NULL, OPT_REFRESH_CHAN },
	{ "size-max", required_argument, NULL, OPT_SIZE_MAX },
	{ "search", no_argument, NULL, OPT_SEARCH },
	{ "trial", required_argument, NULL, OPT_TRIAL },
	{ "loss-max", required_argument, NULL, OPT_LOSS_MAX },
	{ "search-max", required_argument, NULL, OPT_SEARCH_MAX },
	{ "resolution", required_argument, NULL, OPT_RESOLUTION },
	{ "call-pps", required_argument, NULL, OPT_CALL_PPS },
	{ "queues", required_argument, NULL, OPT_QUEUES },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: turnpike-gen [EAL options] -- --server IP[:PORT] [options]\n"
"Sets up N TURN allocations through the real handshake on one DPDK port,\n"
"plays their clients and peers, drives ChannelData / Send traffic through\n"
"the relay and reports relayed packets/s, loss and latency.\n"
"  --server IP[:PORT]     the TURN server (port 3478); IPv6 as [IP]:PORT\n"
"  --server-mac MAC       skip resolving it by ARP\n"
"  --gateway IP           also answer ARP for IP (the server's gateway=,\n"
"                         when the peers are not on its local-network)\n"
"  --port N               DPDK port (0)\n"
"  --clients N            allocations, one client address each (1)\n"
"  --peers M              peer addresses; allocation i talks to peer i%%M (1)\n"
"  --client-net CIDR      client IPs (198.18.0.0/24; IPv6: within one /96,\n"
"                         the --server's family); --client-ips K uses K\n"
"                         of them, --client-port P the ports from P (10000)\n"
"  --peer-net CIDR        peer IPs (198.19.0.0/24); --peer-ips, --peer-port\n"
"                         (20000) likewise.  The server must allow them\n"
"                         (allowed-peer-ip) and reach them (local-network)\n"
"  --auth lt|rest|oauth|none  credentials (none)\n"
"    lt:    --user U --password P\n"
"    rest:  --secret S [--user ID] [--rest-ttl S (86400)]\n"
"    oauth: --oauth-kid KID --oauth-key BASE64 [--oauth-alg A128GCM|A256GCM]\n"
"           [--server-name NAME (default: the realm)] [--oauth-lifetime S]\n"
"  --mode channel|send|mixed  ChannelData, Send indications, or half each\n"
"  --rate PPS             client->peer packets/s, 0 = flat out (10000)\n"
"  --size BYTES           payload, %d-%d (100)\n"
"  --size-max BYTES       payloads of --size to this many bytes, each drawn\n"
"                         from its sequence number (audio: 160 to 200)\n"
"  --duration S           traffic seconds (10; 0 = set-up only)\n"
"  --echo                 peers send every datagram back through the relay\n"
"  --window W             outstanding transactions during set-up (64)\n"
"  --rto-ms MS, --tries N retransmission: first timeout (500), sends (7)\n"
"  --lifetime S           LIFETIME to request (server default)\n"
"  --refresh-perm S       CreatePermission every S s (240), and\n"
"  --refresh-chan S       ChannelBind every S s (480): for servers with\n"
"                         shorter permission or channel lifetimes\n"
"  --drain-ms MS          longest wait for stragglers after traffic (2000)\n"
"  --no-release           leave the allocations to expire at the end\n"
"  --pcap-out FILE        write one client frame per allocation (pktgen)\n"
"  --hold                 after set-up, keep allocations alive until SIGINT\n"
"  --floor                no TURN: send the same frames straight to --server\n"
"                         (a reflector such as testpmd macswap) and count\n"
"                         what comes back\n"
"  --search               instead of one --duration run, bisect for the\n"
"                         highest rate with loss at most --loss-max (RFC\n"
"                         2544 throughput): trials of --trial S (2) s each,\n"
"                         from --search-max PPS (0: what a flat-out trial\n"
"                         offers) down to --resolution F of it (0.02)\n"
"  --loss-max F           loss a trial may have and pass (0.00001: 0.001%%)\n"
"  --call-pps N           calls: a trial at rate R runs R/N allocations at N\n"
"                         packets/s each; the answer is concurrent calls\n"
"  --queues K             K queue pairs, traffic on K lcores (EAL -l): lane\n"
"                         i sends for the allocations turnpike's worker i\n"
"                         of K owns on queue i (1)\n"
"  --json                 print one JSON object instead of the summary\n"
"  --progress             a progress line every second (stderr)\n"
"  --idle-sleep-us N      sleep when idle (shared cores)\n"
"exit status: 0, 1 (could not run), 2 (bad options), 3 (some allocations\n"
"failed to set up)\n",
		GEN_PAYLOAD_MIN, GEN_PAYLOAD_MAX);
}
/* clang-format on */

static int
parse_u64(const char *name, const char *text, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (*text == '\0' || *text == '-' || *end != '\0' || errno != 0 ||
	    v > max) {
		fprintf(stderr,
			"turnpike-gen: --%s: '%s' is not a number up to "
			"%llu\n",
			name, text, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int
parse_u32(const char *name, const char *text, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(name, text, max, &v) != 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "a.b.c.d", "a.b.c.d:port", an IPv6 address, or "[IPv6]:port". */
static int
parse_server(const char *text, struct tp_addr *a)
{
	char buf[TP_ADDR_STRLEN];
	char *ip = buf, *colon = NULL;
	uint32_t port = 3478;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -EINVAL;
		*end = '\0';
		ip = buf + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
	} else if (strchr(buf, ':') == strrchr(buf, ':')) {
		colon = strchr(buf, ':'); /* IPv4, or IPv4:port */
	}
	if (colon != NULL) {
		*colon = '\0';
		if (parse_u32("server", colon + 1, 65535, &port) != 0 || port == 0)
			return -EINVAL;
	}
	if (tp_ip_parse(&a->ip, ip) != 0)
		return -EINVAL;
	a->port = (uint16_t)port;
	return 0;
}

static int
parse_mode(const char *text, enum gen_mode *mode)
{
	if (strcmp(text, "channel") == 0)
		*mode = GEN_MODE_CHANNEL;
	else if (strcmp(text, "send") == 0)
		*mode = GEN_MODE_SEND;
	else if (strcmp(text, "mixed") == 0)
		*mode = GEN_MODE_MIXED;
	else
		return -EINVAL;
	return 0;
}

static void
defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	tp_ip_range_parse(&o->plan.client_net, "198.18.0.0/24");
	tp_ip_range_parse(&o->plan.peer_net, "198.19.0.0/24");
	o->plan.n_clients = 1;
	o->plan.n_peers = 1;
	o->plan.client_port0 = 10000;
	o->plan.peer_port0 = 20000;
	o->auth.kind = GEN_AUTH_NONE;
	o->auth.rest_ttl_s = 86400;
	o->auth.oauth_lifetime_s = 3600;
	o->rate = 10000;
	o->size = 100;
	o->duration_s = 10;
	o->window = 64;
	o->rto_ms = GEN_RTO_MS_DEFAULT;
	o->tries = GEN_TRIES_DEFAULT;
	o->drain_ms = 2000;
	o->perm_refresh_s = GEN_PERM_REFRESH_S;
	o->chan_refresh_s = GEN_CHAN_REFRESH_S;
	o->release = true;
	o->trial_s = 2;
	o->loss_max = 0.00001;
	o->resolution = 0.02;
	o->queues = 1;
}

/* A number of seconds or a fraction: finite, within [lo, hi]. */
static int
parse_double(const char *name, const char *text, double lo, double hi, double *out)
{
	char *end = NULL;
	double d = strtod(text, &end);

	if (*text == '\0' || *end != '\0' || !(d >= lo && d <= hi)) {
		fprintf(stderr,
			"turnpike-gen: --%s: '%s' is not a number from %g to "
			"%g\n",
			name, text, lo, hi);
		return -EINVAL;
	}
	*out = d;
	return 0;
}

/* clang-format off */
/* Options with a numeric value.  @return 0, -EINVAL, or 1 if not one. */
static int
parse_number_opt(struct gen_opts *o, int c, const char *name, const char *arg)
{
	uint32_t v32;

	switch (c) {
	case OPT_PORT:
		if (parse_u32(name, arg, UINT16_MAX, &v32) != 0)
			return -EINVAL;
		o->port = (uint16_t)v32;
		return 0;
	case OPT_CLIENTS: return parse_u32(name, arg, 1u << 24, &o->plan.n_clients);
	case OPT_PEERS: return parse_u32(name, arg, 1u << 24, &o->plan.n_peers);
	case OPT_CLIENT_IPS: return parse_u32(name, arg, 1u << 24, &o->plan.n_client_ips);
	case OPT_PEER_IPS: return parse_u32(name, arg, 1u << 24, &o->plan.n_peer_ips);
	case OPT_CLIENT_PORT:
	case OPT_PEER_PORT:
		if (parse_u32(name, arg, UINT16_MAX, &v32) != 0)
			return -EINVAL;
		*(c == OPT_CLIENT_PORT ? &o->plan.client_port0 :
		  &o->plan.peer_port0) = (uint16_t)v32;
		return 0;
	case OPT_REST_TTL: return parse_u32(name, arg, 10u * 365 * 86400, &o->auth.rest_ttl_s);
	case OPT_OAUTH_LIFETIME: return parse_u32(name, arg, UINT32_MAX, &o->auth.oauth_lifetime_s);
	case OPT_RATE: return parse_u64(name, arg, 1000000000ull, &o->rate);
	case OPT_SIZE: return parse_u32(name, arg, GEN_PAYLOAD_MAX, &o->size);
	case OPT_SIZE_MAX: return parse_u32(name, arg, GEN_PAYLOAD_MAX, &o->size_max);
	case OPT_TRIAL: return parse_double(name, arg, 0.1, 3600, &o->trial_s);
	case OPT_LOSS_MAX: return parse_double(name, arg, 0, 1, &o->loss_max);
	case OPT_RESOLUTION: return parse_double(name, arg, 0.001, 0.5, &o->resolution);
	case OPT_SEARCH_MAX: return parse_u64(name, arg, 1000000000ull, &o->search_max);
	case OPT_CALL_PPS: return parse_u32(name, arg, 100000, &o->call_pps);
	case OPT_QUEUES:
		if (parse_u32(name, arg, 64, &v32) != 0)
			return -EINVAL;
		o->queues = (uint16_t)v32;
		return 0;
	case OPT_WINDOW: return parse_u32(name, arg, 1u << 20, &o->window);
	case OPT_RTO: return parse_u32(name, arg, 60000, &o->rto_ms);
	case OPT_TRIES: return parse_u32(name, arg, 20, &o->tries);
	case OPT_LIFETIME: return parse_u32(name, arg, 86400, &o->lifetime_s);
	case OPT_REFRESH_PERM: return parse_u32(name, arg, 86400, &o->perm_refresh_s);
	case OPT_REFRESH_CHAN: return parse_u32(name, arg, 86400, &o->chan_refresh_s);
	case OPT_DRAIN: return parse_u32(name, arg, 600000, &o->drain_ms);
	case OPT_IDLE_SLEEP: return parse_u32(name, arg, 1000000, &o->idle_sleep_us);
	case OPT_DURATION: {
		char *end = NULL;
		double d = strtod(arg, &end);

		if (*arg == '\0' || *end != '\0' || !(d >= 0) || d > 1e7) {
			fprintf(stderr, "turnpike-gen: --duration: '%s' is not a "
				"number of seconds\n", arg);
			return -EINVAL;
		}
		o->duration_s = d;
		return 0;
	}
	default:
		return 1;
	}
}

/* Options with a text value or none.  @return 0, -EINVAL or 1. */
static int
parse_text_opt(struct gen_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_SERVER: return parse_server(arg, &o->server);
	case OPT_SERVER_MAC:
		o->have_server_mac = true;
		return rte_ether_unformat_addr(arg, &o->server_mac) == 0 ? 0 : -EINVAL;
	case OPT_GATEWAY:
		return tp_ip_parse(&o->gateway, arg) == 0 ? 0 : -EINVAL;
	case OPT_CLIENT_NET: return tp_ip_range_parse(&o->plan.client_net, arg);
	case OPT_PEER_NET: return tp_ip_range_parse(&o->plan.peer_net, arg);
	case OPT_AUTH: return gen_auth_kind_parse(arg, &o->auth.kind);
	case OPT_USER: o->auth.user = arg; return 0;
	case OPT_PASSWORD: o->auth.password = arg; return 0;
	case OPT_SECRET: o->auth.secret = arg; return 0;
	case OPT_OAUTH_KID: o->auth.oauth_kid = arg; return 0;
	case OPT_OAUTH_KEY: o->auth.oauth_key_b64 = arg; return 0;
	case OPT_OAUTH_ALG: o->auth.oauth_alg = arg; return 0;
	case OPT_SERVER_NAME: o->auth.server_name = arg; return 0;
	case OPT_MODE: return parse_mode(arg, &o->mode);
	case OPT_PCAP_OUT: o->pcap_out = arg; return 0;
	case OPT_ECHO: o->echo = true; return 0;
	case OPT_JSON: o->json = true; return 0;
	case OPT_HOLD: o->hold = true; return 0;
	case OPT_PROGRESS: o->progress_s = 1; return 0;
	case OPT_FLOOR: o->floor = true; return 0;
	case OPT_NO_RELEASE: o->release = false; return 0;
	case OPT_SEARCH: o->search = true; return 0;
	default: return 1;
	}
}
/* clang-format on */

static int
check(const struct gen_opts *o)
{
	if (o->server.ip.family == TP_AF_NONE) {
		fprintf(stderr, "turnpike-gen: --server IP[:PORT] is required\n");
		return -EINVAL;
	}
	if (o->plan.client_net.lo.family != TP_AF_NONE &&
	    o->plan.client_net.lo.family != o->server.ip.family) {
		fprintf(stderr, "turnpike-gen: --client-net and --server must "
				"be of one family\n");
		return -EINVAL;
	}
	if (o->size < GEN_PAYLOAD_MIN) {
		fprintf(stderr,
			"turnpike-gen: --size: at least %d bytes (the "
			"payload carries a sequence number and a timestamp)\n",
			GEN_PAYLOAD_MIN);
		return -EINVAL;
	}
	if (o->window == 0 || o->tries == 0 || o->rto_ms == 0 ||
	    o->perm_refresh_s == 0 || o->chan_refresh_s == 0) {
		fprintf(stderr, "turnpike-gen: --window, --tries, --rto-ms and "
				"--refresh-* must be at least 1\n");
		return -EINVAL;
	}
	if (o->size_max != 0 && o->size_max < o->size) {
		fprintf(stderr, "turnpike-gen: --size-max is below --size\n");
		return -EINVAL;
	}
	if (o->search && (o->hold || o->pcap_out != NULL)) {
		fprintf(stderr, "turnpike-gen: --search sends traffic; --hold "
				"and --pcap-out do not\n");
		return -EINVAL;
	}
	if (o->queues == 0) {
		fprintf(stderr, "turnpike-gen: --queues: at least 1\n");
		return -EINVAL;
	}
	if (o->queues > 1 && (o->search || o->hold || o->floor)) {
		fprintf(stderr, "turnpike-gen: --queues goes with plain runs "
				"(not --search, --hold or --floor)\n");
		return -EINVAL;
	}
	if (o->call_pps != 0 && !o->search) {
		fprintf(stderr, "turnpike-gen: --call-pps goes with --search\n");
		return -EINVAL;
	}
	if (o->hold && o->floor) {
		fprintf(stderr, "turnpike-gen: --hold keeps TURN allocations; "
				"--floor makes none\n");
		return -EINVAL;
	}
	return 0;
}

int
gen_opts_parse(struct gen_opts *o, int argc, char **argv)
{
	int c, idx, rc;

	defaults(o);
	optind = 1;
	for (;;) {
		const char *name;

		idx = -1;
		c = getopt_long(argc, argv, "h", longopts, &idx);
		if (c == -1)
			break;
		if (c == 'h' || c == OPT_HELP) {
			usage(stdout);
			return 1;
		}
		if (c == '?') {
			usage(stderr);
			return -EINVAL;
		}
		name = idx >= 0 ? longopts[idx].name : "?";
		rc = parse_number_opt(o, c, name, optarg);
		if (rc == 1) {
			rc = parse_text_opt(o, c, optarg);
			if (rc != 0)
				fprintf(stderr,
					"turnpike-gen: --%s: bad value "
					"'%s'\n",
					name, optarg ? optarg : "");
		}
		if (rc != 0)
			return -EINVAL;
	}
	if (optind < argc) {
		fprintf(stderr, "turnpike-gen: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	return check(o);
}
