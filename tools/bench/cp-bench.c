/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cp-bench: how many allocations per second the control plane sets up on
 * one core, authentication included (issue 4, target "allocation setup at
 * least 100,000 per second on one control-plane core").
 *
 * It drives turn_server_handle() directly, on this one thread, with a sink
 * that only copies each reply out (what the DPDK glue does when it puts the
 * reply in an mbuf) and counts the commands.  For N distinct client
 * 5-tuples it runs the whole handshake a TURN client does:
 *
 *   1. Allocate without credentials       -> 401 with REALM and a NONCE
 *   2. Allocate, signed with the nonce    -> success (allocation, relay
 *                                            port, DP_CMD_ALLOC_ADD)
 *   3. ChannelBind (or CreatePermission), signed -> success (commands)
 *
 * The client's side is not the server's work, so each step's N requests
 * are built (and signed) before its timed section and the replies are
 * checked after it; step 2's requests need step 1's nonces, so the steps
 * run one after another over all N clients.  Inside the timed sections is
 * everything the server does: decode, FINGERPRINT check, nonce making and
 * checking, the credential lookup (static user table, REST key derivation
 * or OAuth token decryption), the HMAC verification, the allocation table
 * insert, the port and slot choice, the commands, and the signed,
 * fingerprinted responses.  The wall clock is read through the server's
 * default (clock_gettime), as in turnpike.
 *
 * Credentials: lt = static users (client i is user i % --users), rest =
 * one REST username per client ("<expiry>:bench<i>"), oauth = one RFC 7635
 * token per client, sent on every signed request as turnpike-gen does.
 *
 *   cp-bench [--clients N] [--rounds R] [--users U] [--auth lt,rest,oauth]
 *            [--permission] [--json]
 *   cp-bench --forged [--clients N] [--rounds R] [--json]
 *
 * --redis CONNSTR (redis-userdb's form, e.g. "ip=127.0.0.1 port=6379
 * dbname=15") makes the server a relay of a fleet on that Redis (issue
 * 14): every signed Allocate then waits for the fleet's quota answer (one
 * Lua round trip on the fleet thread, cp_fleet.h) with user-quota set high
 * enough never to refuse, at most CP_FLEET_PENDING_MAX waiting at once,
 * as in turnpike.  The control thread's CPU time then leaves out the
 * round trips: the rate to read is the wall-clock one ("wall/s"); run the
 * bench without --redis beside it for the figure without.  It writes
 * quota hashes under turnpike/quota/bench.turnpike.test/ in that database
 * (give a scratch one); its lease ends when it exits, so they count
 * nothing afterwards.
 *
 * --forged measures what an unauthenticated flood costs instead (issue
 * 13): N requests, each from its own source, shaped as issue 13's
 * reproducer (an Allocate with a REST username that has not expired, our
 * REALM, a nonce with the right cookie and a made-up MAC, and a
 * MESSAGE-INTEGRITY under no key we hold) with the ring holding
 * AUTH_REST_SECRETS_MAX (8) secrets; then N bare Allocates (no
 * credentials, the first request of every client).  Each gets the CPU ns
 * per request on the control thread, and the count of each reply code
 * (a request the server dropped has none).
 *
 * Prints allocations/s and ns per allocation (and per step) for each
 * credential kind, the median over R rounds, each round on a new server.
 * Rates come from the thread's CPU time (one core's work, whatever else
 * runs on the machine); the wall-clock rate is printed too.
 * Exits 1 if any reply is not what the handshake expects.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "auth_longterm.h"
#include "auth_oauth.h"
#include "auth_request.h"
#include "auth_rest.h"
#include "cp_fleet.h"
#include "fleet.h"
#include "nonce.h"
#include "redis_conf.h"
#include "turn_server.h"
#include "turnpike/oauth_token.h"
#include "turnpike/stun.h"

#define CPB_REALM "bench.turnpike.test"
#define CPB_SOFTWARE "turnpike"
#define CPB_REQ_MAX 1024        /* a request with an OAuth token fits */
#define CPB_REPLY_MAX 256       /* what the bench keeps of each reply */
#define CPB_PORTS_PER_IP 64512u /* 1024-65535 */
#define CPB_CHANNEL 0x4000
#define CPB_REST_SECRET "bench-rest-secret"
#define CPB_OAUTH_KID "bench"
#define CPB_TRANSPORT_UDP 17

enum cpb_kind {
	CPB_LT,
	CPB_REST,
	CPB_OAUTH,
	CPB__KINDS
};
static const char *const cpb_kind_names[CPB__KINDS] = { "lt", "rest", "oauth" };

enum cpb_step {
	CPB_CHALLENGE,
	CPB_ALLOCATE,
	CPB_PEER,
	CPB__STEPS
};
static const char *const cpb_step_names[CPB__STEPS] = { "challenge", "allocate",
							"channel_bind" };

/* One client: its 5-tuple, credentials, request and the last reply. */
struct cpb_client {
	struct tp_addr addr;
	char user[64];
	uint8_t key[OAUTH_MAC_KEY_MAX];
	size_t key_len;
	uint8_t *token; /* oauth: its own access token */
	size_t token_len;
	char nonce[128];
	size_t nonce_len;
	uint8_t req[CPB_REQ_MAX];
	size_t req_len;
	uint8_t reply[CPB_REPLY_MAX];
	size_t reply_len;
	bool replied;
};

struct cpb {
	/* options */
	uint32_t n;
	unsigned int rounds;
	uint32_t n_users;
	bool kinds[CPB__KINDS];
	bool permission;
	bool json;
	bool forged;
	const char *redis; /* --redis: a relay of a fleet on it */
	/* state */
	struct fleet *fleet;
	struct cp_fleet *cf;
	struct cpb_client *c;
	uint64_t cmds;
	uint64_t unix_now;
	struct auth_user_db users;
	struct auth_rest_ring rest;
	struct auth_oauth_keyring oauth;
	struct auth_oauth_key okey;
	struct nonce_ctx nonce;
	struct auth_config auth;
	struct turn_params params;
	struct cp_sink sink;
	struct tp_addr local, peer;
};

/* CPU ns per allocation of each step, and in all; one per round. */
struct cpb_result {
	double step_ns[CPB__STEPS];
	double total_ns;
	double wall_ns;
};

/*
 * The thread's CPU time: on a shared machine (the bench scripts run
 * servers and generators on two cores) wall time also counts the time
 * other processes held the core.  The wall time is reported beside it.
 */
static uint64_t
cpb_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the sink: copy the reply out, count commands ---- */

static void
cpb_sink_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct cpb *b = ctx;

	(void)worker;
	(void)cmd;
	b->cmds++;
}

/* The client index is in the 5-tuple: 10.x.y.z:port, see cpb_clients(). */
static uint32_t
cpb_client_index(const struct tp_addr *a)
{
	uint32_t host = (uint32_t)a->ip.bytes[1] << 16 |
			(uint32_t)a->ip.bytes[2] << 8 | a->ip.bytes[3];

	return (host - 1) * 4u + (uint32_t)(a->port - 40000);
}

static void
cpb_sink_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	       const struct tp_addr *to, const struct tp_addr *from,
	       const uint8_t *msg, size_t len)
{
	struct cpb *b = ctx;
	struct cpb_client *c = &b->c[cpb_client_index(to)];

	(void)worker;
	(void)req;
	(void)from;
	if (len > sizeof(c->reply))
		len = sizeof(c->reply); /* checked after: the decode fails */
	memcpy(c->reply, msg, len);
	c->reply_len = len;
	c->replied = true;
}

/* ---- setup ---- */

static int
cpb_clients(struct cpb *b)
{
	b->c = calloc(b->n, sizeof(*b->c));
	if (b->c == NULL)
		return -ENOMEM;
	/* Four ports per address, 10.0.0.0/8 upwards: distinct 5-tuples
	 * spread over workers and hash buckets as real clients are. */
	for (uint32_t i = 0; i < b->n; i++) {
		struct tp_addr *a = &b->c[i].addr;
		uint32_t host = i / 4 + 1;

		a->ip.family = TP_AF_INET;
		a->ip.bytes[0] = 10;
		a->ip.bytes[1] = (uint8_t)(host >> 16);
		a->ip.bytes[2] = (uint8_t)(host >> 8);
		a->ip.bytes[3] = (uint8_t)host;
		a->port = (uint16_t)(40000 + i % 4);
	}
	return 0;
}

static int
cpb_users(struct cpb *b)
{
	char text[128];
	int rc;

	rc = auth_user_db_init(&b->users, CPB_REALM, strlen(CPB_REALM));
	for (uint32_t u = 0; rc == 0 && u < b->n_users; u++) {
		snprintf(text, sizeof(text), "user%" PRIu32 ":pass-%08" PRIx32,
			 u, u * 2654435761u);
		rc = auth_user_db_add(&b->users, text);
	}
	return rc;
}

/* The credentials of client i for @kind: username, key, token. */
static int
cpb_credentials(struct cpb *b, enum cpb_kind kind, uint32_t i)
{
	struct cpb_client *c = &b->c[i];
	char pass[AUTH_REST_PASSWORD_LEN + 1];
	struct oauth_token tok = { .mac_key_len = 20, .lifetime = 3600 };
	uint8_t nonce[OAUTH_NONCE_LEN], tbuf[OAUTH_TOKEN_MAX];
	int n;

	free(c->token);
	c->token = NULL;
	c->token_len = 0;
	switch (kind) {
	case CPB_LT: {
		uint32_t u = i % b->n_users;

		snprintf(c->user, sizeof(c->user), "user%" PRIu32, u);
		snprintf(pass, sizeof(pass), "pass-%08" PRIx32, u * 2654435761u);
		c->key_len = AUTH_LT_KEY_MD5_LEN;
		return auth_lt_key_md5(c->user, strlen(c->user), CPB_REALM,
				       strlen(CPB_REALM), pass, strlen(pass),
				       c->key);
	}
	case CPB_REST:
		snprintf(c->user, sizeof(c->user), "%" PRIu64 ":bench%" PRIu32,
			 b->unix_now + 86400, i);
		if (auth_rest_password((const uint8_t *)CPB_REST_SECRET,
				       strlen(CPB_REST_SECRET), c->user,
				       strlen(c->user), pass) != 0)
			return -EIO;
		c->key_len = AUTH_LT_KEY_MD5_LEN;
		return auth_lt_key_md5(c->user, strlen(c->user), CPB_REALM,
				       strlen(CPB_REALM), pass, strlen(pass),
				       c->key);
	case CPB_OAUTH:
		snprintf(c->user, sizeof(c->user), "%s", CPB_OAUTH_KID);
		if (RAND_bytes(tok.mac_key, tok.mac_key_len) != 1 ||
		    RAND_bytes(nonce, sizeof(nonce)) != 1)
			return -EIO;
		tok.timestamp = oauth_timestamp_make(b->unix_now, 0);
		n = oauth_token_encrypt(b->okey.key, b->okey.key_len,
					b->okey.alg, CPB_REALM, nonce, &tok,
					tbuf, sizeof(tbuf));
		if (n < 0)
			return n;
		c->token = malloc((size_t)n);
		if (c->token == NULL)
			return -ENOMEM;
		memcpy(c->token, tbuf, (size_t)n);
		c->token_len = (size_t)n;
		memcpy(c->key, tok.mac_key, tok.mac_key_len);
		c->key_len = tok.mac_key_len;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
cpb_init(struct cpb *b)
{
	uint32_t ips = (b->n + CPB_PORTS_PER_IP - 1) / CPB_PORTS_PER_IP;
	int rc;

	if (ips > TURN_MAX_RELAY_IPS)
		return -E2BIG;
	b->unix_now = (uint64_t)time(NULL);
	rc = cpb_clients(b);
	if (rc == 0)
		rc = cpb_users(b);
	if (rc != 0)
		return rc;
	auth_rest_ring_init(&b->rest, 0);
	rc = auth_rest_ring_add(&b->rest, (const uint8_t *)CPB_REST_SECRET,
				strlen(CPB_REST_SECRET));
	/* The forged flood meets a full ring: every secret costs a key. */
	for (int k = 1; rc == 0 && b->forged && k < AUTH_REST_SECRETS_MAX; k++) {
		char sec[32];

		snprintf(sec, sizeof(sec), "%s-%d", CPB_REST_SECRET, k);
		rc = auth_rest_ring_add(&b->rest, (const uint8_t *)sec,
					strlen(sec));
	}
	if (rc != 0)
		return rc;
	auth_oauth_keyring_init(&b->oauth);
	snprintf(b->okey.kid, sizeof(b->okey.kid), "%s", CPB_OAUTH_KID);
	b->okey.key_len = 16;
	b->okey.alg = OAUTH_ALG_A128GCM;
	if (RAND_bytes(b->okey.key, b->okey.key_len) != 1)
		return -EIO;
	rc = auth_oauth_keyring_add(&b->oauth, &b->okey);
	if (rc != 0)
		return rc;
	/* As cp_setup.c configures a server: no nonce features, SHA-256
	 * offered, all three mechanisms at once. */
	rc = nonce_ctx_init(&b->nonce, 600, 0);
	if (rc != 0)
		return rc;
	b->auth.realm = CPB_REALM;
	b->auth.server_name = CPB_REALM;
	b->auth.users = &b->users;
	b->auth.rest = &b->rest;
	b->auth.oauth = &b->oauth;
	b->auth.nonce = &b->nonce;
	b->auth.sha256 = true;
	b->auth.oauth_skew_s = 5;
	b->auth.software = CPB_SOFTWARE;

	b->params.n_workers = 1;
	b->params.allocs_per_worker = b->n;
	for (uint32_t k = 0; k < ips; k++) {
		b->params.relay_ips[k].family = TP_AF_INET;
		b->params.relay_ips[k].bytes[0] = 198;
		b->params.relay_ips[k].bytes[1] = 51;
		b->params.relay_ips[k].bytes[2] = 100;
		b->params.relay_ips[k].bytes[3] = (uint8_t)(k + 1);
	}
	b->params.n_relay_ips = (int)ips;
	b->params.min_port = 1024;
	b->params.max_port = 65535;
	b->params.software = CPB_SOFTWARE;
	b->params.auth = &b->auth;

	b->sink.ctx = b;
	b->sink.cmd = cpb_sink_cmd;
	b->sink.reply = cpb_sink_reply;

	b->local.ip.family = TP_AF_INET;
	b->local.ip.bytes[0] = 100; /* any address: the server only echoes it */
	b->local.ip.bytes[3] = 1;
	b->local.port = 3478;
	/* A public peer (the default policy refuses special ranges). */
	b->peer.ip.family = TP_AF_INET;
	b->peer.ip.bytes[0] = 11;
	b->peer.ip.bytes[1] = 22;
	b->peer.ip.bytes[2] = 33;
	b->peer.ip.bytes[3] = 44;
	b->peer.port = 5000;
	return 0;
}

static void
cpb_fini(struct cpb *b)
{
	if (b->c != NULL)
		for (uint32_t i = 0; i < b->n; i++) {
			free(b->c[i].token);
			memset(b->c[i].key, 0, sizeof(b->c[i].key));
		}
	free(b->c);
	auth_user_db_free(&b->users);
	nonce_ctx_wipe(&b->nonce);
	memset(&b->okey, 0, sizeof(b->okey));
}

/* ---- the client's side (untimed) ---- */

static int
cpb_build(struct cpb *b, enum cpb_kind kind, enum cpb_step step, uint32_t i)
{
	struct cpb_client *c = &b->c[i];
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder sb;
	uint16_t method;
	int n;

	method = step == CPB_PEER ?
			 (b->permission ? STUN_METHOD_CREATE_PERMISSION :
					  STUN_METHOD_CHANNEL_BIND) :
			 STUN_METHOD_ALLOCATE;
	/* Distinct transaction IDs; the server does not care how random. */
	memset(tid, 0, sizeof(tid));
	memcpy(tid, &i, sizeof(i));
	tid[4] = (uint8_t)step;
	tid[5] = (uint8_t)kind;
	stun_build_init(&sb, c->req, sizeof(c->req),
			stun_type(method, STUN_CLASS_REQUEST), tid);
	if (step == CPB_PEER) {
		if (!b->permission)
			stun_build_channel(&sb, CPB_CHANNEL);
		stun_build_xor_addr(&sb, STUN_ATTR_XOR_PEER_ADDRESS, &b->peer);
	} else {
		stun_build_transport(&sb, CPB_TRANSPORT_UDP);
	}
	if (step != CPB_CHALLENGE) {
		stun_build_attr(&sb, STUN_ATTR_USERNAME, c->user,
				strlen(c->user));
		stun_build_attr(&sb, STUN_ATTR_REALM, CPB_REALM,
				strlen(CPB_REALM));
		stun_build_attr(&sb, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
		if (c->token != NULL)
			stun_build_attr(&sb, STUN_ATTR_ACCESS_TOKEN, c->token,
					c->token_len);
		stun_build_integrity(&sb, c->key, c->key_len);
	}
	stun_build_fingerprint(&sb);
	n = stun_build_finish(&sb);
	if (n < 0)
		return n;
	c->req_len = (size_t)n;
	c->replied = false;
	return 0;
}

/* Check client i's reply to @step; keep the nonce of a 401. */
static int
cpb_check(struct cpb *b, enum cpb_step step, uint32_t i)
{
	struct cpb_client *c = &b->c[i];
	struct stun_msg m;
	const uint8_t *v;
	const char *reason;
	uint16_t code = 0, rlen = 0, len = 0;

	if (!c->replied || stun_msg_decode(&m, c->reply, c->reply_len) != STUN_OK)
		return -EPROTO;
	if (m.cls == STUN_CLASS_ERROR &&
	    stun_msg_get_error(&m, &code, &reason, &rlen) != 0)
		return -EPROTO;
	if (step == CPB_CHALLENGE) {
		v = stun_msg_value(&m, STUN_SLOT_NONCE, &len);
		if (code != 401 || v == NULL || len >= sizeof(c->nonce))
			return code != 0 ? -(int)code : -EPROTO;
		memcpy(c->nonce, v, len);
		c->nonce_len = len;
		return 0;
	}
	if (m.cls != STUN_CLASS_SUCCESS)
		return code != 0 ? -(int)code : -EPROTO;
	if (!stun_msg_check_integrity(&m, c->key, c->key_len))
		return -EBADMSG;
	return 0;
}

/* ---- the server's side (timed) ---- */

/* @return the CPU ns taken; adds the wall ns to *wall. */
/* Until every waiting Allocate has its answer (bounded: 30 s). */
static void
cpb_fleet_drain(struct cpb *b, uint64_t now_ms)
{
	uint64_t end = cpb_ns(CLOCK_MONOTONIC) + 30 * 1000000000ull;

	while (b->cf->n_wait > 0 && cpb_ns(CLOCK_MONOTONIC) < end)
		cp_fleet_poll(b->cf, now_ms);
}

static uint64_t
cpb_run_step(struct cpb *b, struct turn_server *srv, uint64_t now_ms,
	     uint64_t *wall)
{
	struct turn_packet pkt = { .local = b->local,
				   .worker = 0,
				   .client_mac = { 2, 0, 0, 0, 0, 1 } };
	uint64_t w0 = cpb_ns(CLOCK_MONOTONIC);
	uint64_t t0 = cpb_ns(CLOCK_THREAD_CPUTIME_ID);

	for (uint32_t i = 0; i < b->n; i++) {
		pkt.data = b->c[i].req;
		pkt.len = b->c[i].req_len;
		pkt.client = b->c[i].addr;
		/* A fleet's relay: at most CP_FLEET_PENDING_MAX wait. */
		while (b->cf != NULL && b->cf->n_wait == CP_FLEET_PENDING_MAX)
			cp_fleet_poll(b->cf, now_ms);
		turn_server_handle(srv, &pkt, now_ms);
	}
	if (b->cf != NULL)
		cpb_fleet_drain(b, now_ms);
	t0 = cpb_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	*wall += cpb_ns(CLOCK_MONOTONIC) - w0;
	return t0;
}

static int
cpb_round(struct cpb *b, enum cpb_kind kind, struct cpb_result *res)
{
	struct turn_server *srv;
	uint64_t now_ms = 1000, total = 0, wall = 0;
	int rc = 0;

	srv = turn_server_create(&b->params, &b->sink);
	if (srv == NULL)
		return -ENOMEM;
	if (b->cf != NULL)
		b->cf->srv = srv;
	for (int s = 0; rc == 0 && s < CPB__STEPS; s++) {
		uint64_t ns;

		for (uint32_t i = 0; rc == 0 && i < b->n; i++)
			rc = cpb_build(b, kind, (enum cpb_step)s, i);
		if (rc != 0)
			break;
		ns = cpb_run_step(b, srv, now_ms, &wall);
		for (uint32_t i = 0; rc == 0 && i < b->n; i++) {
			rc = cpb_check(b, (enum cpb_step)s, i);
			if (rc != 0)
				fprintf(stderr,
					"cp-bench: %s, %s, client %" PRIu32
					": bad reply (%d)\n",
					cpb_kind_names[kind], cpb_step_names[s],
					i, rc);
		}
		res->step_ns[s] = (double)ns / b->n;
		total += ns;
	}
	res->total_ns = (double)total / b->n;
	res->wall_ns = (double)wall / b->n;
	if (rc == 0 && turn_server_alloc_count(srv) != b->n) {
		fprintf(stderr,
			"cp-bench: %zu allocations, expected %" PRIu32 "\n",
			turn_server_alloc_count(srv), b->n);
		rc = -EPROTO;
	}
	if (b->cf != NULL)
		b->cf->srv = NULL;
	turn_server_destroy(srv);
	return rc;
}

static int
cpb_cmp(const void *x, const void *y)
{
	double a = ((const struct cpb_result *)x)->total_ns;
	double c = ((const struct cpb_result *)y)->total_ns;

	return (a > c) - (a < c);
}

/* Rounds of one kind; @med receives the median round, @best the fastest. */
static int
cpb_kind_run(struct cpb *b, enum cpb_kind kind, struct cpb_result *med,
	     struct cpb_result *best)
{
	struct cpb_result *r = calloc(b->rounds, sizeof(*r));
	int rc = 0;

	if (r == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; rc == 0 && i < b->n; i++)
		rc = cpb_credentials(b, kind, i);
	for (unsigned int k = 0; rc == 0 && k < b->rounds; k++)
		rc = cpb_round(b, kind, &r[k]);
	if (rc == 0) {
		qsort(r, b->rounds, sizeof(*r), cpb_cmp);
		*med = r[b->rounds / 2];
		*best = r[0];
	}
	free(r);
	return rc;
}

/* ---- --forged: the cost of a flood that never authenticates ---- */

enum cpb_flood {
	CPB_FLOOD_FORGED, /* issue 13's reproducer, one per source */
	CPB_FLOOD_BARE,   /* Allocate without credentials */
	CPB__FLOODS
};
static const char *const cpb_flood_names[CPB__FLOODS] = { "forged", "bare" };

/* Reply codes counted per flood: 401, 438, other, none (dropped). */
enum cpb_code {
	CPB_C401,
	CPB_C438,
	CPB_COTHER,
	CPB_CNONE,
	CPB__CODES
};
static const char *const cpb_code_names[CPB__CODES] = { "401", "438", "other",
							"none" };

struct cpb_flood_result {
	double ns[CPB__FLOODS];
	double wall_ns[CPB__FLOODS];
	uint64_t codes[CPB__FLOODS][CPB__CODES];
};

/*
 * Client i's flood request.  The forged one is the reproducer's layout
 * with our realm (a foreign realm is refused before any key): USERNAME
 * "<tomorrow>:x", REALM, NONCE "obMatJos2" "AAAA" + 32 characters that
 * decode to a timestamp and a MAC we never made, MESSAGE-INTEGRITY under a
 * key nobody holds, no FINGERPRINT.
 */
static int
cpb_flood_build(struct cpb *b, enum cpb_flood f, uint32_t i)
{
	static const uint8_t wrong_key[16] = { 0x5a };
	struct cpb_client *c = &b->c[i];
	uint8_t tid[STUN_TID_LEN] = { 0 };
	char user[32], nonce[NONCE_LEN + 1];
	struct stun_builder sb;
	int n;

	memcpy(tid, &i, sizeof(i));
	tid[4] = (uint8_t)f;
	stun_build_init(&sb, c->req, sizeof(c->req),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST), tid);
	if (f == CPB_FLOOD_BARE) {
		stun_build_transport(&sb, CPB_TRANSPORT_UDP);
		stun_build_fingerprint(&sb);
	} else {
		snprintf(user, sizeof(user), "%" PRIu64 ":x",
			 b->unix_now + 86400);
		snprintf(nonce, sizeof(nonce), "%s%s%032" PRIu32, NONCE_COOKIE,
			 "AAAA", i);
		stun_build_attr(&sb, STUN_ATTR_USERNAME, user, strlen(user));
		stun_build_attr(&sb, STUN_ATTR_REALM, CPB_REALM,
				strlen(CPB_REALM));
		stun_build_attr(&sb, STUN_ATTR_NONCE, nonce, NONCE_LEN);
		stun_build_integrity(&sb, wrong_key, sizeof(wrong_key));
	}
	n = stun_build_finish(&sb);
	if (n < 0)
		return n;
	c->req_len = (size_t)n;
	c->replied = false;
	return 0;
}

static enum cpb_code
cpb_flood_code(const struct cpb_client *c)
{
	struct stun_msg m;
	const char *reason;
	uint16_t code = 0, rlen = 0;

	if (!c->replied)
		return CPB_CNONE;
	if (stun_msg_decode(&m, c->reply, c->reply_len) != STUN_OK ||
	    m.cls != STUN_CLASS_ERROR ||
	    stun_msg_get_error(&m, &code, &reason, &rlen) != 0)
		return CPB_COTHER;
	return code == 401 ? CPB_C401 : code == 438 ? CPB_C438 : CPB_COTHER;
}

/* One round: a new server, N forged requests, then N bare ones. */
static int
cpb_flood_round(struct cpb *b, struct cpb_flood_result *res)
{
	struct turn_server *srv = turn_server_create(&b->params, &b->sink);
	int rc = 0;

	if (srv == NULL)
		return -ENOMEM;
	memset(res, 0, sizeof(*res));
	for (int f = 0; rc == 0 && f < CPB__FLOODS; f++) {
		uint64_t wall = 0, ns;

		for (uint32_t i = 0; rc == 0 && i < b->n; i++)
			rc = cpb_flood_build(b, (enum cpb_flood)f, i);
		if (rc != 0)
			break;
		ns = cpb_run_step(b, srv, 1000 + (uint64_t)f, &wall);
		res->ns[f] = (double)ns / b->n;
		res->wall_ns[f] = (double)wall / b->n;
		for (uint32_t i = 0; i < b->n; i++)
			res->codes[f][cpb_flood_code(&b->c[i])]++;
	}
	/* A flood that never authenticates must leave nothing behind. */
	if (rc == 0 && turn_server_alloc_count(srv) != 0)
		rc = -EPROTO;
	turn_server_destroy(srv);
	return rc;
}

static int
cpb_flood_cmp(const void *x, const void *y)
{
	double a = ((const struct cpb_flood_result *)x)->ns[CPB_FLOOD_FORGED];
	double c = ((const struct cpb_flood_result *)y)->ns[CPB_FLOOD_FORGED];

	return (a > c) - (a < c);
}

static void
cpb_flood_print(const struct cpb *b, const struct cpb_flood_result *r)
{
	if (!b->json) {
		printf("cp-bench --forged: %" PRIu32 " requests per flood, one "
		       "source each, %u REST secrets, median of %u rounds\n",
		       b->n, b->rest.n_secrets, b->rounds);
		printf("%-7s %12s %12s %8s %8s %8s %8s\n", "flood", "cpu ns/req",
		       "wall ns/req", "401", "438", "other", "none");
		for (int f = 0; f < CPB__FLOODS; f++)
			printf("%-7s %12.0f %12.0f %8" PRIu64 " %8" PRIu64
			       " %8" PRIu64 " %8" PRIu64 "\n",
			       cpb_flood_names[f], r->ns[f], r->wall_ns[f],
			       r->codes[f][CPB_C401], r->codes[f][CPB_C438],
			       r->codes[f][CPB_COTHER], r->codes[f][CPB_CNONE]);
		return;
	}
	printf("{\"requests\": %" PRIu32 ", \"rounds\": %u, \"rest_secrets\": %u",
	       b->n, b->rounds, b->rest.n_secrets);
	for (int f = 0; f < CPB__FLOODS; f++) {
		printf(", \"%s\": {\"cpu_ns_per_request\": %.1f, "
		       "\"wall_ns_per_request\": %.1f",
		       cpb_flood_names[f], r->ns[f], r->wall_ns[f]);
		for (int k = 0; k < CPB__CODES; k++)
			printf(", \"%s\": %" PRIu64, cpb_code_names[k],
			       r->codes[f][k]);
		printf("}");
	}
	printf("}\n");
}

/* Rounds of the flood; prints the median round (by the forged cost). */
static int
cpb_flood_run(struct cpb *b)
{
	struct cpb_flood_result *r = calloc(b->rounds, sizeof(*r));
	int rc = 0;

	if (r == NULL)
		return -ENOMEM;
	for (unsigned int k = 0; rc == 0 && k < b->rounds; k++)
		rc = cpb_flood_round(b, &r[k]);
	if (rc == 0) {
		qsort(r, b->rounds, sizeof(*r), cpb_flood_cmp);
		cpb_flood_print(b, &r[b->rounds / 2]);
	} else {
		fprintf(stderr, "cp-bench: flood round failed (%d)\n", rc);
	}
	free(r);
	return rc;
}

/* ---- output ---- */

static void
cpb_print(const struct cpb *b, const struct cpb_result *res,
	  const struct cpb_result *best, const bool *done)
{
	const char *peer = b->permission ? "create_permission" : "channel_bind";
	bool first = true;

	if (!b->json) {
		printf("cp-bench: %" PRIu32 " allocations per round, median of %u "
		       "rounds, one thread; setup = Allocate(401) + Allocate + %s\n",
		       b->n, b->rounds, peer);
		printf("CPU time of the thread (median round; best round and "
		       "median wall-clock rate at the end)\n");
		printf("%-6s %10s %10s %10s %12s %10s %10s %10s\n", "auth",
		       "allocs/s", "ns/alloc", "ns 401", "ns allocate",
		       "ns peer", "best/s", "wall/s");
		for (int k = 0; k < CPB__KINDS; k++)
			if (done[k])
				printf("%-6s %10.0f %10.0f %10.0f %12.0f %10.0f %10.0f %10.0f\n",
				       cpb_kind_names[k], 1e9 / res[k].total_ns,
				       res[k].total_ns, res[k].step_ns[0],
				       res[k].step_ns[1], res[k].step_ns[2],
				       1e9 / best[k].total_ns,
				       1e9 / res[k].wall_ns);
		return;
	}
	printf("{\"clients\": %" PRIu32 ", \"rounds\": %u, \"peer_request\": "
	       "\"%s\", \"results\": {",
	       b->n, b->rounds, peer);
	for (int k = 0; k < CPB__KINDS; k++) {
		if (!done[k])
			continue;
		printf("%s\"%s\": {\"allocs_per_s\": %.0f, \"ns_per_alloc\": %.1f, "
		       "\"ns_challenge\": %.1f, \"ns_allocate\": %.1f, "
		       "\"ns_peer\": %.1f, \"best_allocs_per_s\": %.0f, "
		       "\"wall_allocs_per_s\": %.0f}",
		       first ? "" : ", ", cpb_kind_names[k],
		       1e9 / res[k].total_ns, res[k].total_ns,
		       res[k].step_ns[0], res[k].step_ns[1], res[k].step_ns[2],
		       1e9 / best[k].total_ns, 1e9 / res[k].wall_ns);
		first = false;
	}
	printf("}}\n");
}

static void
cpb_usage(void)
{
	fprintf(stderr,
		"usage: cp-bench [--clients N] [--rounds R] [--users U]\n"
		"                [--auth lt,rest,oauth] [--permission] [--json]\n"
		"                [--redis \"ip=127.0.0.1 port=6379 dbname=15\"]\n"
		"       cp-bench --forged [--clients N] [--rounds R] [--json]\n");
}

static int
cpb_parse_kinds(struct cpb *b, const char *list)
{
	char buf[64], *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", list);
	memset(b->kinds, 0, sizeof(b->kinds));
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		int k;

		for (k = 0; k < CPB__KINDS; k++)
			if (strcmp(t, cpb_kind_names[k]) == 0)
				break;
		if (k == CPB__KINDS)
			return -EINVAL;
		b->kinds[k] = true;
	}
	return 0;
}

/*
 * --redis: join a fleet on it, as turnpike does, and wait (at most 10 s)
 * until this relay's lease is in force, so that every Allocate is
 * counted in Redis rather than locally.  @return 0 or -errno.
 */
static int
cpb_fleet_start(struct cpb *b)
{
	static struct fleet fleet;
	static struct cp_fleet cf;
	struct redis_conf conf;
	char err[256];
	uint64_t end = cpb_ns(CLOCK_MONOTONIC) + 10 * 1000000000ull;

	if (redis_conf_parse(b->redis, &conf, err, sizeof(err)) != 0 ||
	    fleet_start(&fleet, &conf, CPB_REALM, "cp-bench", 5, NULL, NULL,
			err, sizeof(err)) != 0) {
		fprintf(stderr, "cp-bench: --redis: %s\n", err);
		return -EINVAL;
	}
	cp_fleet_init(&cf, &fleet, NULL, 0);
	b->fleet = &fleet;
	b->cf = &cf;
	b->params.fleet = &cf.ops;
	b->params.user_quota = 1u << 30; /* asked every time, never full */
	while (!atomic_load(&fleet.c.leased) && cpb_ns(CLOCK_MONOTONIC) < end)
		cp_fleet_poll(&cf, 0);
	if (!atomic_load(&fleet.c.leased)) {
		fprintf(stderr, "cp-bench: --redis: no lease within 10 s "
				"(is Redis up?)\n");
		return -ETIMEDOUT;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "clients", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "users", required_argument, NULL, 'u' },
		{ "auth", required_argument, NULL, 'a' },
		{ "permission", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "forged", no_argument, NULL, 'f' },
		{ "redis", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct cpb b = {
		.n = 100000,
		.rounds = 5,
		.n_users = 1000,
		.kinds = { true, true, true },
	};
	struct cpb_result res[CPB__KINDS], best[CPB__KINDS];
	bool done[CPB__KINDS] = { false };
	unsigned int n_kinds = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			b.n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			b.rounds = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			b.n_users = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			if (cpb_parse_kinds(&b, optarg) != 0) {
				cpb_usage();
				return 2;
			}
			break;
		case 'p':
			b.permission = true;
			break;
		case 'j':
			b.json = true;
			break;
		case 'f':
			b.forged = true;
			break;
		case 'R':
			b.redis = optarg;
			break;
		default:
			cpb_usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || b.n == 0 || b.n > (1u << 22) || b.rounds == 0 ||
	    b.n_users == 0) {
		cpb_usage();
		return 2;
	}
	rc = cpb_init(&b);
	if (rc == 0 && b.redis != NULL)
		rc = cpb_fleet_start(&b);
	if (rc != 0) {
		fprintf(stderr, "cp-bench: setup failed: %s\n", strerror(-rc));
		cpb_fini(&b);
		return 1;
	}
	if (b.forged) {
		rc = cpb_flood_run(&b);
		cpb_fini(&b);
		return rc == 0 ? 0 : 1;
	}
	for (int k = 0; rc == 0 && k < CPB__KINDS; k++) {
		if (!b.kinds[k])
			continue;
		rc = cpb_kind_run(&b, (enum cpb_kind)k, &res[k], &best[k]);
		done[k] = rc == 0;
	}
	for (int k = 0; k < CPB__KINDS; k++)
		n_kinds += done[k];
	if (rc == 0 && b.fleet != NULL &&
	    atomic_load(&b.fleet->c.acquired) <
		    (uint64_t)b.n * b.rounds * n_kinds) {
		fprintf(stderr,
			"cp-bench: --redis: only %" PRIu64 " of %" PRIu64
			" Allocates were counted in Redis\n",
			atomic_load(&b.fleet->c.acquired),
			(uint64_t)b.n * b.rounds * n_kinds);
		rc = -EPROTO;
	}
	if (rc == 0)
		cpb_print(&b, res, best, done);
	if (b.fleet != NULL)
		fleet_stop(b.fleet);
	cpb_fini(&b);
	return rc == 0 ? 0 : 1;
}
