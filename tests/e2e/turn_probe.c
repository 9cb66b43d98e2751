/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turn_probe: protocol tests of a running TURN server over plain UDP
 * sockets, with the project's STUN codec.  Run inside the client namespace
 * of the e2e sandbox by tests/e2e/test_protocol.sh; a single-threaded
 * CMocka program that owns only its sockets.
 *
 * It plays both the client (on TP_CLIENT_IP) and the peers (sockets on
 * TP_PEER1 / TP_PEER2), so it sees both ends of every relayed datagram.
 * Everything it sends goes to the server under test inside the sandbox.
 * Responses are checked against RFC 8656 / RFC 8489; the long-term key is
 * computed here with OpenSSL's MD5, not with the server's code.
 *
 * Environment (defaults in parentheses):
 *   TP_SERVER       server IPv4 address (required)     TP_PORT (3478)
 *   TP_CLIENT_IP    local address for client sockets (required)
 *   TP_PEER1, TP_PEER2  allowed peer addresses on this host (required)
 *   TP_DENIED_PEER  an address the server refuses as a peer (required)
 *   TP_REALM        realm the server announces (required)
 *   TP_USER1/TP_PASS1, TP_USER2/TP_PASS2, TP_USER3/TP_PASS3  three users
 *   TP_MIN_PORT, TP_MAX_PORT  the server's relay port range (49152, 65535)
 *   TP_SUITE        main | timers | quota | total | drain (main)
 *   TP_ALTERNATE    drain suite: the alternate-server ("ip:port") a 300
 *                   must name; empty = no alternate, 403 expected
 *   TP_DRAIN_FLAG   drain suite: first allocate and relay as a "holder",
 *                   say "holder allocated", and wait (at most 30 s) for
 *                   this file to exist (the test drains the server, then
 *                   makes it); then check the holder still works and
 *                   delete it.  Unset: the server is draining already.
 *   TP_USER_QUOTA (2), TP_TOTAL_QUOTA (2), TP_STALE_NONCE (2),
 *   TP_PERMISSION_LIFETIME (3): what the server was configured with.
 *   TP_SERVER_KIND  turnpike | coturn (turnpike).  coturn, the reference
 *                   the probe is proven against, differs in three places,
 *                   each marked where it is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "turnpike/channel_data.h"
#include "turnpike/stun.h"

#define PROBE_RTO_MS 250 /* first retransmission timeout */
#define PROBE_RTO_MAX_MS 1000
#define PROBE_TRIES 6      /* sends of one request */
#define PROBE_WAIT_MS 2000 /* how long relayed data may take */
#define PROBE_QUIET_MS 800 /* how long "nothing arrives" is watched */
#define PROBE_MAX_CLIENTS 16
#define PROBE_PAYLOAD 100
#define PROBE_BUF 2048
#define PROBE_FIELD_MAX 256

enum {
	ALICE = 0,
	BOB = 1,
	CAROL = 2,
	N_USERS = 3
};

struct probe_env {
	struct sockaddr_in server;
	struct in_addr client_ip, peer1, peer2, denied;
	const char *realm;
	const char *user[N_USERS], *pass[N_USERS];
	unsigned int user_quota, total_quota, stale_nonce, perm_lifetime;
	unsigned int min_port, max_port;
	bool coturn; /* the reference server: relax where it differs */
};

static struct probe_env env;

/** One client 5-tuple and what it learnt from the server. */
struct client {
	int fd;
	struct sockaddr_in local;
	int user;             /* index into env.user[] */
	const char *password; /* as sent: normally env.pass[user] */
	uint8_t key[16];      /* MD5(user:realm:password) */
	char nonce[PROBE_FIELD_MAX];
	size_t nonce_len;
	char realm[PROBE_FIELD_MAX];
	size_t realm_len;
	bool allocated;
	struct tp_addr relay;
};

/** A request's attributes; -1 leaves an attribute out. */
struct request {
	uint16_t method;
	int transport;
	long lifetime;
	long channel;
	const struct sockaddr_in *peers;
	int n_peers;
};

struct response {
	uint8_t buf[PROBE_BUF];
	size_t len;
	struct stun_msg msg;
	uint16_t code; /* 0 for a success response, else the error code */
};

/* Clients opened by the running test, released by its teardown. */
static struct client *open_clients[PROBE_MAX_CLIENTS];

/* ---- environment and small helpers ---- */

static const char *
env_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		if (def == NULL) {
			fprintf(stderr, "turn_probe: %s is not set\n", name);
			exit(2);
		}
		return def;
	}
	return v;
}

static unsigned int
env_uint(const char *name, unsigned int def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? (unsigned int)strtoul(v, NULL, 10) : def;
}

static struct in_addr
env_ip(const char *name)
{
	struct in_addr a;

	if (inet_pton(AF_INET, env_str(name, NULL), &a) != 1) {
		fprintf(stderr, "turn_probe: %s is not an IPv4 address\n", name);
		exit(2);
	}
	return a;
}

static void
env_load(void)
{
	static const char *const un[N_USERS] = { "TP_USER1", "TP_USER2",
						 "TP_USER3" };
	static const char *const pn[N_USERS] = { "TP_PASS1", "TP_PASS2",
						 "TP_PASS3" };
	int i;

	env.server.sin_family = AF_INET;
	env.server.sin_addr = env_ip("TP_SERVER");
	env.server.sin_port = htons((uint16_t)env_uint("TP_PORT", 3478));
	env.client_ip = env_ip("TP_CLIENT_IP");
	env.peer1 = env_ip("TP_PEER1");
	env.peer2 = env_ip("TP_PEER2");
	env.denied = env_ip("TP_DENIED_PEER");
	env.realm = env_str("TP_REALM", NULL);
	for (i = 0; i < N_USERS; i++) {
		env.user[i] = env_str(un[i], NULL);
		env.pass[i] = env_str(pn[i], NULL);
	}
	env.user_quota = env_uint("TP_USER_QUOTA", 2);
	env.total_quota = env_uint("TP_TOTAL_QUOTA", 2);
	env.stale_nonce = env_uint("TP_STALE_NONCE", 2);
	env.perm_lifetime = env_uint("TP_PERMISSION_LIFETIME", 3);
	env.coturn = strcmp(env_str("TP_SERVER_KIND", "turnpike"), "coturn") == 0;
	env.min_port = env_uint("TP_MIN_PORT", 49152);
	env.max_port = env_uint("TP_MAX_PORT", 65535);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
random_bytes(void *buf, size_t len)
{
	assert_int_equal(RAND_bytes(buf, (int)len), 1);
}

static struct tp_addr
to_tp(const struct sockaddr_in *sin)
{
	struct tp_addr a = { .ip = tp_ip_v4(ntohl(sin->sin_addr.s_addr)),
			     .port = ntohs(sin->sin_port) };
	return a;
}

static struct sockaddr_in
to_sin(const struct tp_addr *a)
{
	struct sockaddr_in s = { .sin_family = AF_INET };

	s.sin_addr.s_addr = htonl(tp_ip_v4_host(&a->ip));
	s.sin_port = htons(a->port);
	return s;
}

static bool
sin_equal(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
	return a->sin_addr.s_addr == b->sin_addr.s_addr &&
	       a->sin_port == b->sin_port;
}

/** A UDP socket bound to @p ip on an ephemeral port. */
static int
udp_open(struct in_addr ip, struct sockaddr_in *local)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = ip };
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	if (local != NULL)
		*local = sin;
	return fd;
}

/** Receive one datagram within @p ms; -1 on timeout. */
static ssize_t
udp_recv(int fd, uint8_t *buf, size_t cap, long ms, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct sockaddr_in sin = { 0 };
	socklen_t sl = sizeof(sin);
	ssize_t n;

	if (ms < 0)
		ms = 0;
	if (poll(&p, 1, (int)ms) <= 0)
		return -1;
	n = recvfrom(fd, buf, cap, 0, (struct sockaddr *)&sin, &sl);
	if (from != NULL)
		*from = sin;
	return n < 0 ? -1 : n;
}

static void
udp_send(int fd, const void *buf, size_t len, const struct sockaddr_in *to)
{
	ssize_t n = sendto(fd, buf, len, 0, (const struct sockaddr *)to,
			   sizeof(*to));

	assert_int_equal(n, (ssize_t)len);
}

/* ---- clients ---- */

static void
client_set_key(struct client *c)
{
	char text[3 * PROBE_FIELD_MAX];
	unsigned int md_len = 0;
	int n;

	n = snprintf(text, sizeof(text), "%s:%.*s:%s", env.user[c->user],
		     (int)c->realm_len, c->realm, c->password);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(EVP_Digest(text, (size_t)n, c->key, &md_len, EVP_md5(),
				    NULL),
			 1);
	assert_int_equal(md_len, 16);
}

static struct client *
client_open(int user)
{
	struct client *c = calloc(1, sizeof(*c));
	int i;

	assert_non_null(c);
	c->fd = udp_open(env.client_ip, &c->local);
	c->user = user;
	c->password = env.pass[user];
	for (i = 0; i < PROBE_MAX_CLIENTS; i++) {
		if (open_clients[i] == NULL) {
			open_clients[i] = c;
			return c;
		}
	}
	fail_msg("more than %d clients in one test", PROBE_MAX_CLIENTS);
	return NULL;
}

/** Take REALM and NONCE from a 401/438 answer. */
static bool
client_learn(struct client *c, const struct response *r)
{
	const uint8_t *v;
	uint16_t len;

	v = stun_msg_value(&r->msg, STUN_SLOT_NONCE, &len);
	if (v == NULL || len == 0 || len >= sizeof(c->nonce))
		return false;
	memcpy(c->nonce, v, len);
	c->nonce_len = len;
	v = stun_msg_value(&r->msg, STUN_SLOT_REALM, &len);
	if (v != NULL && len > 0 && len < sizeof(c->realm)) {
		memcpy(c->realm, v, len);
		c->realm_len = len;
	}
	client_set_key(c);
	return true;
}

/* ---- transactions ---- */

static int
build_request(struct client *c, const struct request *rq, bool auth,
	      const uint8_t tid[STUN_TID_LEN], uint8_t *buf, size_t cap)
{
	struct stun_builder b;
	struct tp_addr a;
	int i;

	stun_build_init(&b, buf, cap, stun_type(rq->method, STUN_CLASS_REQUEST),
			tid);
	if (rq->transport >= 0)
		stun_build_transport(&b, (uint8_t)rq->transport);
	if (rq->lifetime >= 0)
		stun_build_u32(&b, STUN_ATTR_LIFETIME, (uint32_t)rq->lifetime);
	if (rq->channel >= 0)
		stun_build_channel(&b, (uint16_t)rq->channel);
	for (i = 0; i < rq->n_peers; i++) {
		a = to_tp(&rq->peers[i]);
		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	}
	if (auth) {
		stun_build_attr(&b, STUN_ATTR_USERNAME, env.user[c->user],
				strlen(env.user[c->user]));
		stun_build_attr(&b, STUN_ATTR_REALM, c->realm, c->realm_len);
		stun_build_attr(&b, STUN_ATTR_NONCE, c->nonce, c->nonce_len);
		stun_build_integrity(&b, c->key, sizeof(c->key));
	}
	stun_build_fingerprint(&b);
	return stun_build_finish(&b);
}

/**
 * Send one request and wait for the answer with the same transaction ID,
 * retransmitting as RFC 8489 section 6.2.1 does.  0 or -1 on no answer.
 */
static int
exchange(struct client *c, const uint8_t *req, size_t len,
	 const uint8_t tid[STUN_TID_LEN], struct response *r)
{
	long rto = PROBE_RTO_MS, deadline;
	struct sockaddr_in from;
	ssize_t n;
	int try;

	for (try = 0; try < PROBE_TRIES; try++) {
		udp_send(c->fd, req, len, &env.server);
		deadline = now_ms() + rto;
		while ((n = udp_recv(c->fd, r->buf, sizeof(r->buf),
				     deadline - now_ms(), &from)) >= 0) {
			if (!sin_equal(&from, &env.server) ||
			    stun_msg_decode(&r->msg, r->buf, (size_t)n) != 0 ||
			    memcmp(r->msg.tid, tid, STUN_TID_LEN) != 0)
				continue; /* relayed data or a late answer */
			r->len = (size_t)n;
			r->code = 0;
			if (r->msg.cls == STUN_CLASS_ERROR) {
				const char *reason;
				uint16_t rl;

				if (stun_msg_get_error(&r->msg, &r->code,
						       &reason, &rl) != 0)
					r->code = 1; /* no usable ERROR-CODE */
			}
			return 0;
		}
		rto = rto * 2 > PROBE_RTO_MAX_MS ? PROBE_RTO_MAX_MS : rto * 2;
	}
	return -1;
}

/**
 * One transaction.  With @p auth, a client that has no nonce first sends
 * the request without credentials to learn REALM and NONCE (the 401 of
 * RFC 8489 section 9.2.3), and a 438 answer is retried once with the new
 * nonce unless @p stale_retry is false.  Returns the final code: 0 success,
 * an error code, or -1 when the server never answered.
 */
static int
transact_ex(struct client *c, const struct request *rq, bool auth,
	    bool stale_retry, struct response *r)
{
	uint8_t req[PROBE_BUF], tid[STUN_TID_LEN];
	int len, round;

	for (round = 0; round < 3; round++) {
		bool with_auth = auth && c->nonce_len > 0;

		random_bytes(tid, sizeof(tid));
		len = build_request(c, rq, with_auth, tid, req, sizeof(req));
		assert_true(len > 0);
		if (exchange(c, req, (size_t)len, tid, r) != 0)
			return -1;
		if (auth && !with_auth && r->code == 401 && client_learn(c, r))
			continue;
		if (auth && with_auth && stale_retry && r->code == 438 &&
		    client_learn(c, r)) {
			stale_retry = false;
			continue;
		}
		return r->code;
	}
	return r->code;
}

static int
transact(struct client *c, const struct request *rq, struct response *r)
{
	return transact_ex(c, rq, true, true, r);
}

/** True if a response carries a MESSAGE-INTEGRITY valid under our key. */
static bool
response_integrity_ok(const struct client *c, const struct response *r)
{
	return r->msg.mi_off != 0 &&
	       stun_msg_check_integrity(&r->msg, c->key, sizeof(c->key));
}

/**
 * Check a transaction's final code (0 success, an error code, -1 no
 * answer).  On a mismatch say what was sent and what came back, with the
 * server's reason phrase, at the caller's line.
 */
static void
code_check(int got, const struct response *r, int want, const char *what,
	   const char *file, int line)
{
	const char *reason = "";
	uint16_t code, rlen = 0;

	if (got == want)
		return;
	if (got > 0 && stun_msg_get_error(&r->msg, &code, &reason, &rlen) != 0)
		rlen = 0;
	if (got < 0)
		print_error("%s: no answer, want %d\n", what, want);
	else
		print_error("%s: got %d \"%.*s\", want %d\n", what, got,
			    (int)rlen, reason, want);
	_fail(file, line);
}

#define assert_code(call, r, want) \
	code_check((call), &(r), (want), #call, __FILE__, __LINE__)

/* ---- TURN operations ---- */

static int
allocate_transport(struct client *c, int transport, struct response *r)
{
	struct request rq = { .method = STUN_METHOD_ALLOCATE,
			      .transport = transport,
			      .lifetime = -1,
			      .channel = -1 };
	int code = transact(c, &rq, r);

	if (code == 0 &&
	    stun_msg_get_xor_addr(&r->msg, STUN_SLOT_XOR_RELAYED_ADDRESS,
				  &c->relay) == 0)
		c->allocated = true;
	return code;
}

static int
allocate(struct client *c, struct response *r)
{
	return allocate_transport(c, 17, r);
}

/** Allocate and require success. */
static void
allocate_ok(struct client *c)
{
	struct response r;
	int code = allocate(c, &r);

	if (code != 0)
		fail_msg("Allocate for %s: got %d, want success",
			 env.user[c->user], code);
	assert_true(c->allocated);
}

static int
refresh(struct client *c, long lifetime, struct response *r)
{
	struct request rq = { .method = STUN_METHOD_REFRESH,
			      .transport = -1,
			      .lifetime = lifetime,
			      .channel = -1 };

	return transact(c, &rq, r);
}

static int
create_permission(struct client *c, const struct sockaddr_in *peers,
		  int n_peers, struct response *r)
{
	struct request rq = { .method = STUN_METHOD_CREATE_PERMISSION,
			      .transport = -1,
			      .lifetime = -1,
			      .channel = -1,
			      .peers = peers,
			      .n_peers = n_peers };

	return transact(c, &rq, r);
}

static int
channel_bind(struct client *c, long channel, const struct sockaddr_in *peer,
	     struct response *r)
{
	struct request rq = { .method = STUN_METHOD_CHANNEL_BIND,
			      .transport = -1,
			      .lifetime = -1,
			      .channel = channel,
			      .peers = peer,
			      .n_peers = peer != NULL };

	return transact(c, &rq, r);
}

static int
binding(struct client *c, struct response *r)
{
	struct request rq = { .method = STUN_METHOD_BINDING,
			      .transport = -1,
			      .lifetime = -1,
			      .channel = -1 };

	return transact_ex(c, &rq, false, false, r);
}

/** A Binding from a fresh socket must succeed: the server is alive. */
static void
assert_server_answers(void)
{
	struct client *c = client_open(ALICE);
	struct response r;

	assert_code(binding(c, &r), r, 0);
}

static void
send_channel_data(struct client *c, uint16_t channel, const uint8_t *data,
		  size_t len)
{
	uint8_t buf[PROBE_BUF];

	assert_true(len + CHANNEL_DATA_HEADER_LEN <= sizeof(buf));
	channel_data_write_header(buf, channel, (uint16_t)len);
	memcpy(buf + CHANNEL_DATA_HEADER_LEN, data, len);
	udp_send(c->fd, buf, len + CHANNEL_DATA_HEADER_LEN, &env.server);
}

static void
send_indication(struct client *c, const struct sockaddr_in *peer,
		const uint8_t *data, size_t len)
{
	uint8_t buf[PROBE_BUF], tid[STUN_TID_LEN];
	struct tp_addr a = to_tp(peer);
	struct stun_builder b;
	int n;

	random_bytes(tid, sizeof(tid));
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION), tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	stun_build_attr(&b, STUN_ATTR_DATA, data, len);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	udp_send(c->fd, buf, (size_t)n, &env.server);
}

/** What the client got from the relay: ChannelData or a Data indication. */
struct relayed {
	bool is_channel;
	uint16_t channel;
	struct sockaddr_in peer; /* of a Data indication */
	uint8_t data[PROBE_BUF];
	size_t len;
};

/** Wait up to @p ms for relayed data on a client socket; false if none. */
static bool
client_recv_data(struct client *c, long ms, struct relayed *out)
{
	long deadline = now_ms() + ms;
	uint8_t buf[PROBE_BUF];
	struct stun_msg m;
	struct tp_addr a;
	const uint8_t *v;
	uint16_t vl, ch;
	ssize_t n;
	int dl;

	while ((n = udp_recv(c->fd, buf, sizeof(buf), deadline - now_ms(),
			     NULL)) >= 0) {
		dl = channel_data_parse(buf, (size_t)n, &ch);
		if (dl >= 0) {
			out->is_channel = true;
			out->channel = ch;
			out->len = (size_t)dl;
			memcpy(out->data, buf + CHANNEL_DATA_HEADER_LEN,
			       out->len);
			return true;
		}
		if (stun_msg_decode(&m, buf, (size_t)n) != 0 ||
		    m.method != STUN_METHOD_DATA ||
		    m.cls != STUN_CLASS_INDICATION)
			continue;
		v = stun_msg_value(&m, STUN_SLOT_DATA, &vl);
		if (v == NULL ||
		    stun_msg_get_xor_addr(&m, STUN_SLOT_XOR_PEER_ADDRESS, &a) != 0)
			continue;
		out->is_channel = false;
		out->peer = to_sin(&a);
		out->len = vl;
		memcpy(out->data, v, vl);
		return true;
	}
	return false;
}

/** A peer socket: bound to one of the peer addresses. */
struct peer {
	int fd;
	struct sockaddr_in addr;
};

static struct peer peers_open[8];
static int n_peers_open;

static struct peer *
peer_open(struct in_addr ip)
{
	struct peer *p;

	assert_true(n_peers_open <
		    (int)(sizeof(peers_open) / sizeof(peers_open[0])));
	p = &peers_open[n_peers_open++];
	p->fd = udp_open(ip, &p->addr);
	return p;
}

/** The peer must receive exactly @p data from the relay address of @p c. */
static void
peer_expect(struct peer *p, const struct client *c, const uint8_t *data,
	    size_t len)
{
	uint8_t buf[PROBE_BUF];
	struct sockaddr_in from = { 0 }, relay = to_sin(&c->relay);
	ssize_t n = udp_recv(p->fd, buf, sizeof(buf), PROBE_WAIT_MS, &from);

	if (n < 0)
		fail_msg("peer %s:%u received nothing from the relay",
			 inet_ntoa(p->addr.sin_addr), ntohs(p->addr.sin_port));
	assert_int_equal(n, (ssize_t)len);
	assert_memory_equal(buf, data, len);
	assert_true(sin_equal(&from, &relay));
}

/** Nothing may reach the peer for PROBE_QUIET_MS. */
static void
peer_expect_nothing(struct peer *p)
{
	uint8_t buf[PROBE_BUF];
	ssize_t n = udp_recv(p->fd, buf, sizeof(buf), PROBE_QUIET_MS, NULL);

	if (n >= 0)
		fail_msg("peer %s received %zd bytes it should not have",
			 inet_ntoa(p->addr.sin_addr), n);
}

static void
peer_send_to_relay(struct peer *p, const struct client *c, const uint8_t *data,
		   size_t len)
{
	struct sockaddr_in relay = to_sin(&c->relay);

	udp_send(p->fd, data, len, &relay);
}

static struct sockaddr_in
sin_of(struct in_addr ip, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET,
				 .sin_addr = ip,
				 .sin_port = htons(port) };
	return s;
}

/* ---- fixtures ---- */

static int
teardown_release(void **state)
{
	struct response r;
	int i;

	(void)state;
	for (i = 0; i < PROBE_MAX_CLIENTS; i++) {
		struct client *c = open_clients[i];

		if (c == NULL)
			continue;
		/* free the quota it holds; a failure here is only reported */
		if (c->allocated && refresh(c, 0, &r) != 0)
			print_message("teardown: Refresh(0) for %s: %d\n",
				      env.user[c->user], r.code);
		close(c->fd);
		free(c);
		open_clients[i] = NULL;
	}
	for (i = 0; i < n_peers_open; i++)
		close(peers_open[i].fd);
	n_peers_open = 0;
	return 0;
}

/* ---- main suite: requests and answers ---- */

/* RFC 8489 section 3: Binding answers with our reflexive address. */
static void
test_binding(void **state)
{
	struct client *c = client_open(ALICE);
	struct response r;
	struct tp_addr mapped, local;

	(void)state;
	assert_code(binding(c, &r), r, 0);
	assert_int_equal(r.msg.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(stun_msg_get_xor_addr(&r.msg,
					       STUN_SLOT_XOR_MAPPED_ADDRESS,
					       &mapped),
			 0);
	local = to_tp(&c->local);
	assert_true(tp_addr_equal(&mapped, &local));
}

/* RFC 8656 section 7.2 / RFC 8489 section 9.2.4: 401 with REALM and NONCE. */
static void
test_allocate_no_credentials(void **state)
{
	struct client *c = client_open(ALICE);
	struct request rq = { .method = STUN_METHOD_ALLOCATE,
			      .transport = 17,
			      .lifetime = -1,
			      .channel = -1 };
	struct response r;
	const uint8_t *v;
	uint16_t len;

	(void)state;
	assert_code(transact_ex(c, &rq, false, false, &r), r, 401);
	v = stun_msg_value(&r.msg, STUN_SLOT_REALM, &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(env.realm));
	assert_memory_equal(v, env.realm, len);
	v = stun_msg_value(&r.msg, STUN_SLOT_NONCE, &len);
	assert_non_null(v);
	assert_true(len > 0);
}

static void
test_allocate_wrong_password(void **state)
{
	struct client *c = client_open(ALICE);
	struct response r;

	(void)state;
	c->password = "certainly-not-the-password";
	assert_code(allocate(c, &r), r, 401);
	assert_false(c->allocated);
}

/* Success: XOR-RELAYED-ADDRESS on the server in the port range, LIFETIME,
 * XOR-MAPPED-ADDRESS, and MESSAGE-INTEGRITY (RFC 8489 section 9.2.4). */
static void
test_allocate_ok(void **state)
{
	struct client *c = client_open(ALICE);
	struct response r;
	struct tp_addr mapped, local;
	uint32_t lifetime;

	(void)state;
	assert_code(allocate(c, &r), r, 0);
	assert_true(c->allocated);
	assert_int_equal(tp_ip_v4_host(&c->relay.ip),
			 ntohl(env.server.sin_addr.s_addr));
	assert_in_range(c->relay.port, env.min_port, env.max_port);
	assert_int_equal(stun_msg_get_u32(&r.msg, STUN_SLOT_LIFETIME, &lifetime),
			 0);
	assert_true(lifetime > 0);
	assert_int_equal(stun_msg_get_xor_addr(&r.msg,
					       STUN_SLOT_XOR_MAPPED_ADDRESS,
					       &mapped),
			 0);
	local = to_tp(&c->local);
	assert_true(tp_addr_equal(&mapped, &local));
	if (!response_integrity_ok(c, &r))
		fail_msg("Allocate success without a valid MESSAGE-INTEGRITY");
}

/* RFC 8656 section 7.2 step 2: a new transaction on a 5-tuple that has an
 * allocation gets 437. */
static void
test_allocate_twice_437(void **state)
{
	struct client *c = client_open(ALICE);
	struct response r;

	(void)state;
	allocate_ok(c);
	assert_code(allocate(c, &r), r, 437);
}

/* RFC 8656 section 7.2 step 5: only UDP relaying here: 442. */
static void
test_allocate_tcp_442(void **state)
{
	struct client *c = client_open(ALICE);
	struct response r;

	(void)state;
	assert_code(allocate_transport(c, 6, &r), r, 442);
	assert_false(c->allocated);
}

/* user-quota: allocations beyond it from new 5-tuples get 486. */
static void
test_user_quota_486(void **state)
{
	struct client *c[8];
	struct response r;
	unsigned int i;

	(void)state;
	assert_in_range(env.user_quota, 1, 7);
	for (i = 0; i < env.user_quota; i++) {
		c[i] = client_open(CAROL);
		allocate_ok(c[i]);
	}
	c[i] = client_open(CAROL);
	assert_code(allocate(c[i], &r), r, 486);
	assert_false(c[i]->allocated);
	/* Another user is not affected by carol's quota. */
	c[i + 1] = client_open(BOB);
	allocate_ok(c[i + 1]);
	/* Freeing one of carol's makes room again. */
	assert_code(refresh(c[0], 0, &r), r, 0);
	c[0]->allocated = false;
	if (!env.coturn)
		allocate_ok(c[i]);
}

/* RFC 8656 section 8: Refresh with LIFETIME 0 deletes the allocation "immediately":
 * later requests on the 5-tuple get 437 and the relay port stops relaying. */
static void
test_refresh_zero_deletes(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *p = peer_open(env.peer1);
	uint8_t data[PROBE_PAYLOAD];
	struct relayed got;
	struct response r;
	uint32_t lifetime = 99;
	int i;

	(void)state;
	random_bytes(data, sizeof(data));
	allocate_ok(c);
	assert_code(create_permission(c, &p->addr, 1, &r), r, 0);
	assert_code(refresh(c, 0, &r), r, 0);
	c->allocated = false;
	if (stun_msg_has(&r.msg, STUN_SLOT_LIFETIME)) {
		assert_int_equal(stun_msg_get_u32(&r.msg, STUN_SLOT_LIFETIME,
						  &lifetime),
				 0);
		assert_int_equal(lifetime, 0);
	}
	if (env.coturn) {
		/* coturn deletes about a second later, then answers 400. */
		for (i = 0;
		     i < 15 && create_permission(c, &p->addr, 1, &r) == 0; i++)
			sleep_ms(200);
		assert_true(r.code >= 400);
	} else {
		assert_code(create_permission(c, &p->addr, 1, &r), r, 437);
		assert_code(refresh(c, 600, &r), r, 437);
	}
	peer_send_to_relay(p, c, data, sizeof(data));
	assert_false(client_recv_data(c, PROBE_QUIET_MS, &got));
}

/* RFC 8656 section 9.1 / 21: loopback and operator-denied peers: 403. */
static void
test_permission_refused_403(void **state)
{
	struct client *c = client_open(ALICE);
	struct in_addr lo = { htonl(INADDR_LOOPBACK) };
	struct sockaddr_in p;
	struct response r;

	(void)state;
	allocate_ok(c);
	p = sin_of(lo, 40000);
	assert_code(create_permission(c, &p, 1, &r), r, 403);
	p = sin_of(env.denied, 40000);
	assert_code(create_permission(c, &p, 1, &r), r, 403);
}

/* A refused and an allowed peer in one CreatePermission: the request fails
 * as a whole (RFC 8656 section 9.2: no permission is installed), so data
 * for the allowed peer is not relayed.  Then, as a control, a permission
 * of its own makes the same data flow. */
static void
test_permission_mixed_403_none_installed(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *p = peer_open(env.peer1);
	struct sockaddr_in both[2] = { sin_of(env.denied, 40000), p->addr };
	uint8_t data[PROBE_PAYLOAD];
	struct response r;

	(void)state;
	random_bytes(data, sizeof(data));
	allocate_ok(c);
	assert_code(create_permission(c, both, 2, &r), r, 403);
	send_indication(c, &p->addr, data, sizeof(data));
	peer_expect_nothing(p);
	assert_code(create_permission(c, &p->addr, 1, &r), r, 0);
	send_indication(c, &p->addr, data, sizeof(data));
	peer_expect(p, c, data, sizeof(data));
}

/* RFC 8656 section 11.2: channel numbers outside 0x4000-0x4FFF: 400. */
static void
test_channel_bind_bad_number_400(void **state)
{
	struct client *c = client_open(ALICE);
	struct sockaddr_in p = sin_of(env.peer1, 40000);
	struct response r;

	(void)state;
	allocate_ok(c);
	assert_code(channel_bind(c, 0x3FFF, &p, &r), r, 400);
	if (!env.coturn) /* coturn keeps RFC 5766's range, to 0x7FFF */
		assert_code(channel_bind(c, 0x5000, &p, &r), r, 400);
	assert_code(channel_bind(c, 0x4000, &p, &r), r, 0);
}

/* RFC 8656 section 5: a request on an allocation with another user's
 * (valid) credentials: 441. */
static void
test_wrong_credentials_441(void **state)
{
	struct client *c = client_open(ALICE);
	struct response r;

	(void)state;
	allocate_ok(c);
	c->user = BOB;
	c->password = env.pass[BOB];
	client_set_key(c);
	assert_code(refresh(c, 600, &r), r, 441);
	c->user = ALICE;
	c->password = env.pass[ALICE];
	client_set_key(c);
	assert_code(refresh(c, 600, &r), r, 0);
}

/* ChannelData both ways (RFC 8656 sections 11.4-11.6). */
static void
test_relay_channel_data(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *p = peer_open(env.peer1);
	uint8_t out[PROBE_PAYLOAD], back[PROBE_PAYLOAD + 3];
	struct relayed got;
	struct response r;
	int i;

	(void)state;
	allocate_ok(c);
	assert_code(channel_bind(c, 0x4001, &p->addr, &r), r, 0);
	for (i = 0; i < 5; i++) {
		random_bytes(out, sizeof(out));
		send_channel_data(c, 0x4001, out, sizeof(out));
		peer_expect(p, c, out, sizeof(out));
		random_bytes(back, sizeof(back)); /* odd size: padding */
		peer_send_to_relay(p, c, back, sizeof(back));
		assert_true(client_recv_data(c, PROBE_WAIT_MS, &got));
		assert_true(got.is_channel);
		assert_int_equal(got.channel, 0x4001);
		assert_int_equal(got.len, sizeof(back));
		assert_memory_equal(got.data, back, sizeof(back));
	}
}

/* Send and Data indications (RFC 8656 sections 10.1-10.4). */
static void
test_relay_indications(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *p = peer_open(env.peer2);
	uint8_t out[PROBE_PAYLOAD], back[PROBE_PAYLOAD];
	struct relayed got;
	struct response r;
	int i;

	(void)state;
	allocate_ok(c);
	assert_code(create_permission(c, &p->addr, 1, &r), r, 0);
	for (i = 0; i < 5; i++) {
		random_bytes(out, sizeof(out));
		send_indication(c, &p->addr, out, sizeof(out));
		peer_expect(p, c, out, sizeof(out));
		random_bytes(back, sizeof(back));
		peer_send_to_relay(p, c, back, sizeof(back));
		assert_true(client_recv_data(c, PROBE_WAIT_MS, &got));
		assert_false(got.is_channel);
		assert_true(sin_equal(&got.peer, &p->addr));
		assert_int_equal(got.len, sizeof(back));
		assert_memory_equal(got.data, back, sizeof(back));
	}
}

/* A peer without a permission is not relayed to the client. */
static void
test_relay_needs_permission(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *ok = peer_open(env.peer1), *other = peer_open(env.peer2);
	uint8_t data[PROBE_PAYLOAD];
	struct relayed got;
	struct response r;

	(void)state;
	random_bytes(data, sizeof(data));
	allocate_ok(c);
	assert_code(create_permission(c, &ok->addr, 1, &r), r, 0);
	peer_send_to_relay(other, c, data, sizeof(data));
	assert_false(client_recv_data(c, PROBE_QUIET_MS, &got));
	send_indication(c, &other->addr, data, sizeof(data));
	peer_expect_nothing(other);
	/* control: the permitted peer gets through */
	peer_send_to_relay(ok, c, data, sizeof(data));
	assert_true(client_recv_data(c, PROBE_WAIT_MS, &got));
	assert_memory_equal(got.data, data, sizeof(data));
}

/* ---- main suite: malformed input ---- */

/* A Binding request with FINGERPRINT, to be cut and bent. */
static size_t
binding_template(uint8_t *buf, size_t cap)
{
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;
	int n;

	random_bytes(tid, sizeof(tid));
	stun_build_init(&b, buf, cap,
			stun_type(STUN_METHOD_BINDING, STUN_CLASS_REQUEST), tid);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n >= STUN_HEADER_LEN);
	return (size_t)n;
}

static void
send_random_datagrams(int fd, const struct sockaddr_in *to, int count)
{
	uint8_t buf[1200];
	uint16_t len;
	int i;

	for (i = 0; i < count; i++) {
		random_bytes(&len, sizeof(len));
		len = (uint16_t)(1 + len % sizeof(buf));
		random_bytes(buf, len);
		/* never our bound channel 0x4002 by chance */
		if (len >= 2 && buf[0] == 0x40 && buf[1] == 0x02)
			buf[1] = 0x03;
		udp_send(fd, buf, len, to);
	}
}

/* Malformed datagrams from a client 5-tuple that has an allocation and a
 * channel; none may be relayed, and the server must go on working. */
static void
test_malformed_client(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *p = peer_open(env.peer1);
	uint8_t buf[PROBE_BUF], data[PROBE_PAYLOAD];
	struct response r;
	size_t n;

	(void)state;
	allocate_ok(c);
	assert_code(channel_bind(c, 0x4002, &p->addr, &r), r, 0);

	n = binding_template(buf, sizeof(buf));
	udp_send(c->fd, buf, 12, &env.server);    /* truncated header */
	udp_send(c->fd, buf, n - 3, &env.server); /* cut attribute */
	buf[2] = 0x00, buf[3] = 0x64;             /* length 100 */
	udp_send(c->fd, buf, n, &env.server);
	buf[2] = 0x00, buf[3] = 0x06; /* not a multiple of 4 */
	udp_send(c->fd, buf, STUN_HEADER_LEN + 6, &env.server);
	buf[2] = 0x00, buf[3] = 0x08; /* attribute past end */
	buf[20] = 0x00, buf[21] = 0x19, buf[22] = 0x00, buf[23] = 0xC8;
	udp_send(c->fd, buf, STUN_HEADER_LEN + 8, &env.server);
	udp_send(c->fd, buf, 0, &env.server); /* empty datagram */

	channel_data_write_header(buf, 0x4002, 500); /* length past end */
	memset(buf + 4, 0xAB, 4);
	udp_send(c->fd, buf, 8, &env.server);
	channel_data_write_header(buf, 0x5000, 4); /* reserved channel */
	udp_send(c->fd, buf, 8, &env.server);
	channel_data_write_header(buf, 0xFFFF, 4);
	udp_send(c->fd, buf, 8, &env.server);
	channel_data_write_header(buf, 0x4002, 4); /* 5 bytes of padding */
	udp_send(c->fd, buf, 13, &env.server);
	send_random_datagrams(c->fd, &env.server, 64);
	peer_expect_nothing(p);

	assert_code(binding(c, &r), r, 0);
	assert_server_answers();
	random_bytes(data, sizeof(data));
	send_channel_data(c, 0x4002, data, sizeof(data));
	peer_expect(p, c, data, sizeof(data));
}

/* Junk to relay ports: unallocated ones, and ours from a peer without a
 * permission.  Nothing reaches the client; everything keeps working. */
static void
test_malformed_peer(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *ok = peer_open(env.peer1), *other = peer_open(env.peer2);
	uint8_t data[PROBE_PAYLOAD];
	struct sockaddr_in to;
	struct relayed got;
	struct response r;
	uint16_t port;
	int i;

	(void)state;
	allocate_ok(c);
	assert_code(create_permission(c, &ok->addr, 1, &r), r, 0);
	to = sin_of(env.server.sin_addr, c->relay.port);
	send_random_datagrams(other->fd, &to, 32);
	for (i = 0; i < 16; i++) {
		random_bytes(&port, sizeof(port));
		port = (uint16_t)(env.min_port +
				  port % (env.max_port - env.min_port + 1));
		if (port == c->relay.port)
			continue;
		to = sin_of(env.server.sin_addr, port);
		send_random_datagrams(ok->fd, &to, 4);
	}
	send_random_datagrams(ok->fd, &env.server, 16); /* to the TURN port */
	assert_false(client_recv_data(c, PROBE_QUIET_MS, &got));

	assert_server_answers();
	random_bytes(data, sizeof(data));
	peer_send_to_relay(ok, c, data, sizeof(data));
	assert_true(client_recv_data(c, PROBE_WAIT_MS, &got));
	assert_int_equal(got.len, sizeof(data));
	assert_memory_equal(got.data, data, sizeof(data));
}

/* ---- timers suite (stale-nonce and permission-lifetime set short) ---- */

/* RFC 8489 section 9.2.4: an expired nonce gets 438 with a fresh NONCE. */
static void
test_stale_nonce_438(void **state)
{
	struct client *c = client_open(ALICE);
	struct request rq = { .method = STUN_METHOD_ALLOCATE,
			      .transport = 17,
			      .lifetime = -1,
			      .channel = -1 };
	char old[PROBE_FIELD_MAX];
	size_t old_len;
	struct response r;

	(void)state;
	assert_code(transact_ex(c, &rq, false, false, &r), r, 401);
	assert_true(client_learn(c, &r));
	memcpy(old, c->nonce, c->nonce_len);
	old_len = c->nonce_len;
	sleep_ms((env.stale_nonce + 1) * 1000L);
	assert_code(transact_ex(c, &rq, true, false, &r), r, 438);
	assert_true(client_learn(c, &r));
	assert_false(c->nonce_len == old_len &&
		     memcmp(c->nonce, old, old_len) == 0);
	allocate_ok(c);
}

/* A permission not refreshed within permission-lifetime is gone (RFC 8656
 * section 9): the peer's data is no longer relayed either way, while the
 * allocation itself lives on. */
static void
test_permission_expiry(void **state)
{
	struct client *c = client_open(ALICE);
	struct peer *p = peer_open(env.peer1);
	uint8_t data[PROBE_PAYLOAD];
	struct relayed got;
	struct response r;

	(void)state;
	random_bytes(data, sizeof(data));
	allocate_ok(c);
	assert_code(create_permission(c, &p->addr, 1, &r), r, 0);
	peer_send_to_relay(p, c, data, sizeof(data));
	assert_true(client_recv_data(c, PROBE_WAIT_MS, &got));
	send_indication(c, &p->addr, data, sizeof(data));
	peer_expect(p, c, data, sizeof(data));

	sleep_ms((env.perm_lifetime + 1) * 1000L);
	peer_send_to_relay(p, c, data, sizeof(data));
	if (client_recv_data(c, PROBE_QUIET_MS, &got))
		fail_msg("peer data relayed %u s after permission-lifetime",
			 env.perm_lifetime + 1);
	send_indication(c, &p->addr, data, sizeof(data));
	peer_expect_nothing(p);
	assert_code(refresh(c, 600, &r), r, 0);
}

/* ---- quota and total suites (user-quota, total-quota set) ---- */

/* total-quota: the allocation past it is refused whoever asks: 486
 * (Allocation Quota Reached) or 508 (Insufficient Capacity), RFC 8656
 * section 7.2. */
static void
test_total_quota(void **state)
{
	struct client *c[8];
	struct response r;
	unsigned int i;
	int code;

	(void)state;
	assert_in_range(env.total_quota, 1, 7);
	for (i = 0; i < env.total_quota; i++) {
		c[i] = client_open(i % 2 ? BOB : ALICE);
		allocate_ok(c[i]);
	}
	c[i] = client_open(CAROL);
	code = allocate(c[i], &r);
	if (code != 486 && code != 508)
		fail_msg("Allocate past total-quota: got %d, want 486 or 508",
			 code);
	assert_code(refresh(c[0], 0, &r), r, 0);
	c[0]->allocated = false;
	if (!env.coturn)
		allocate_ok(c[i]);
}

/* ---- drain suite (the server drains: SIGUSR1 or turnpike-admin drain) ---- */

/* The ALTERNATE-SERVER a 300 must carry: TP_ALTERNATE as "a.b.c.d:port". */
static bool
drain_alternate(struct tp_addr *out)
{
	const char *text = env_str("TP_ALTERNATE", "");
	char ip[32];
	unsigned int port;
	struct in_addr a;

	if (text[0] == '\0')
		return false;
	if (sscanf(text, "%31[0-9.]:%u", ip, &port) != 2 || port == 0 ||
	    port > 65535 || inet_pton(AF_INET, ip, &a) != 1)
		fail_msg("TP_ALTERNATE '%s' is not a.b.c.d:port", text);
	*out = to_tp(&(struct sockaddr_in){ .sin_family = AF_INET,
					    .sin_addr = a,
					    .sin_port = htons((uint16_t)port) });
	return true;
}

/* One round trip through @p c's channel 0x4001 to @p p. */
static void
drain_relay_once(struct client *c, struct peer *p)
{
	uint8_t out[PROBE_PAYLOAD], back[PROBE_PAYLOAD];
	struct relayed got;

	random_bytes(out, sizeof(out));
	send_channel_data(c, 0x4001, out, sizeof(out));
	peer_expect(p, c, out, sizeof(out));
	random_bytes(back, sizeof(back));
	peer_send_to_relay(p, c, back, sizeof(back));
	assert_true(client_recv_data(c, PROBE_WAIT_MS, &got));
	assert_true(got.is_channel);
	assert_memory_equal(got.data, back, sizeof(back));
}

/* Wait, bounded, for the test script to say the server drains. */
static void
drain_wait_flag(const char *flag)
{
	long deadline = now_ms() + 30000;

	print_message("holder allocated\n");
	fflush(stdout);
	while (access(flag, F_OK) != 0) {
		if (now_ms() > deadline)
			fail_msg("%s did not appear within 30 s", flag);
		sleep_ms(50);
	}
}

/*
 * A new Allocate on a draining server: without credentials the 401
 * challenge first (RFC 8656 section 7.2: authentication is the first
 * check); with them, 300 Try Alternate naming TP_ALTERNATE, or 403 without
 * one, signed either way (RFC 8489 sections 10 and 9.2.4).  An allocation
 * made before the drain (TP_DRAIN_FLAG) keeps Refresh, CreatePermission,
 * ChannelBind and its relaying, and its Refresh with LIFETIME 0 is what
 * lets the drain end.
 */
static void
test_drain(void **state)
{
	const char *flag = getenv("TP_DRAIN_FLAG");
	struct client *holder = NULL, *c = client_open(BOB);
	struct peer *p = peer_open(env.peer1);
	struct request rq = { .method = STUN_METHOD_ALLOCATE,
			      .transport = 17,
			      .lifetime = -1,
			      .channel = -1 };
	struct tp_addr want, alt;
	struct response r;
	const char *reason;
	uint16_t code, rlen;

	(void)state;
	if (flag != NULL && flag[0] != '\0') {
		holder = client_open(ALICE);
		allocate_ok(holder);
		assert_code(channel_bind(holder, 0x4001, &p->addr, &r), r, 0);
		drain_relay_once(holder, p);
		drain_wait_flag(flag);
	}
	assert_code(transact_ex(c, &rq, false, false, &r), r, 401);
	assert_true(r.msg.mi_off == 0);
	assert_false(stun_msg_has(&r.msg, STUN_SLOT_ALTERNATE_SERVER));
	assert_true(client_learn(c, &r));
	if (drain_alternate(&want)) {
		assert_code(allocate(c, &r), r, 300);
		assert_int_equal(stun_msg_get_addr(&r.msg,
						   STUN_SLOT_ALTERNATE_SERVER,
						   &alt),
				 0);
		assert_true(tp_addr_equal(&alt, &want));
	} else {
		assert_code(allocate(c, &r), r, 403);
		assert_int_equal(stun_msg_get_error(&r.msg, &code, &reason, &rlen),
				 0);
		assert_int_equal(rlen, strlen("Server draining"));
		assert_memory_equal(reason, "Server draining", rlen);
	}
	assert_true(response_integrity_ok(c, &r));
	assert_false(c->allocated);
	if (holder == NULL)
		return;
	assert_code(refresh(holder, 600, &r), r, 0);
	assert_code(create_permission(holder, &p->addr, 1, &r), r, 0);
	assert_code(channel_bind(holder, 0x4001, &p->addr, &r), r, 0);
	drain_relay_once(holder, p);
	assert_code(refresh(holder, 0, &r), r, 0);
	holder->allocated = false;
}

int
main(void)
{
	const struct CMUnitTest main_tests[] = {
		cmocka_unit_test_teardown(test_binding, teardown_release),
		cmocka_unit_test_teardown(test_allocate_no_credentials,
					  teardown_release),
		cmocka_unit_test_teardown(test_allocate_wrong_password,
					  teardown_release),
		cmocka_unit_test_teardown(test_allocate_ok, teardown_release),
		cmocka_unit_test_teardown(test_allocate_twice_437,
					  teardown_release),
		cmocka_unit_test_teardown(test_allocate_tcp_442, teardown_release),
		cmocka_unit_test_teardown(test_refresh_zero_deletes,
					  teardown_release),
		cmocka_unit_test_teardown(test_permission_refused_403,
					  teardown_release),
		cmocka_unit_test_teardown(test_permission_mixed_403_none_installed,
					  teardown_release),
		cmocka_unit_test_teardown(test_channel_bind_bad_number_400,
					  teardown_release),
		cmocka_unit_test_teardown(test_wrong_credentials_441,
					  teardown_release),
		cmocka_unit_test_teardown(test_relay_channel_data,
					  teardown_release),
		cmocka_unit_test_teardown(test_relay_indications,
					  teardown_release),
		cmocka_unit_test_teardown(test_relay_needs_permission,
					  teardown_release),
		cmocka_unit_test_teardown(test_malformed_client, teardown_release),
		cmocka_unit_test_teardown(test_malformed_peer, teardown_release),
	};
	const struct CMUnitTest timers_tests[] = {
		cmocka_unit_test_teardown(test_stale_nonce_438, teardown_release),
		cmocka_unit_test_teardown(test_permission_expiry,
					  teardown_release),
	};
	const struct CMUnitTest quota_tests[] = {
		cmocka_unit_test_teardown(test_user_quota_486, teardown_release),
	};
	const struct CMUnitTest total_tests[] = {
		cmocka_unit_test_teardown(test_total_quota, teardown_release),
	};
	const struct CMUnitTest drain_tests[] = {
		cmocka_unit_test_teardown(test_drain, teardown_release),
	};
	const char *suite;

	env_load();
	suite = env_str("TP_SUITE", "main");
	if (strcmp(suite, "main") == 0)
		return cmocka_run_group_tests_name("turn_probe_main",
						   main_tests, NULL, NULL);
	if (strcmp(suite, "timers") == 0)
		return cmocka_run_group_tests_name("turn_probe_timers",
						   timers_tests, NULL, NULL);
	if (strcmp(suite, "quota") == 0)
		return cmocka_run_group_tests_name("turn_probe_quota",
						   quota_tests, NULL, NULL);
	if (strcmp(suite, "total") == 0)
		return cmocka_run_group_tests_name("turn_probe_total",
						   total_tests, NULL, NULL);
	if (strcmp(suite, "drain") == 0)
		return cmocka_run_group_tests_name("turn_probe_drain",
						   drain_tests, NULL, NULL);
	fprintf(stderr, "turn_probe: TP_SUITE must be main, timers, quota, "
			"total or drain\n");
	return 2;
}
