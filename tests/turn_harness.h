/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness for the TURN server (turn_server.h): a fake sink that logs
 * every command, reply and usage record in order, a server with real
 * long-term credentials (static users alice and bob), and a client that
 * builds real requests with the STUN builder, signs them with its
 * MESSAGE-INTEGRITY key and reads the responses.
 */
#ifndef TURNPIKE_TEST_TURN_HARNESS_H
#define TURNPIKE_TEST_TURN_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_oauth.h"
#include "auth_request.h"
#include "turn_server.h"
#include "turnpike/stun.h"

#define H_REALM "turnpike.test"
#define H_SOFTWARE "turnpike-test"
#define H_MAX_EVENTS 1024
#define H_UDP 17 /* REQUESTED-TRANSPORT value for UDP */

enum h_event_kind {
	H_CMD = 1,
	H_REPLY,
	H_USAGE
};

/* One thing the server did, in order. */
struct h_event {
	enum h_event_kind kind;
	uint16_t worker;
	struct dp_cmd cmd;           /* H_CMD */
	uint8_t msg[TURN_REPLY_MAX]; /* H_REPLY */
	size_t len;
	struct tp_addr to, from;
	bool answers_request;
	struct turn_usage usage; /* H_USAGE */
};

/* A status the server gave its sink (cp_sink::status), its user copied. */
struct h_status {
	struct turn_status ev; /* ev.user points at user */
	char user[TURN_USERNAME_MAX + 1];
	char realm[64];
};

#define H_MAX_STATUS 64

struct harness {
	struct h_event ev[H_MAX_EVENTS];
	int n_ev;
	/* Apart from ev[]: the order of commands and replies stays as the
	 * tests written before statuses count it. */
	struct h_status status[H_MAX_STATUS];
	int n_status;
	struct cp_sink sink;
	struct turn_params params;
	struct auth_config auth;
	struct auth_user_db users;
	struct nonce_ctx nonce;
	struct turn_server *srv;
	uint64_t now_ms;
};

/* A TURN client: its 5-tuple, credentials and the server's challenge. */
struct h_client {
	struct tp_addr addr;
	struct tp_addr local;
	const char *user; /* NULL = send no credentials */
	uint8_t key[16];
	char nonce[256];
	uint16_t nonce_len;
	uint8_t tid[STUN_TID_LEN]; /* of the last request built */
	uint8_t transport;         /* enum tp_transport; 0 = UDP */
	uint32_t conn;             /* TCP, TLS: the stream connection */
};

/* The fake wall clock (Unix seconds) the server reads. */
extern uint64_t h_unix_now;

/*
 * Fill defaults: n_workers workers, 64 slots each, relay IP 198.51.100.1,
 * ports 50000-50999, auth with users alice/bob (unless no_auth), SOFTWARE.
 * Change h->params afterwards, then h_start().
 */
void h_init(struct harness *h, uint16_t n_workers, bool no_auth);
/* Create the server; asserts it worked. */
void h_start(struct harness *h);
void h_fini(struct harness *h);

/* Client at 192.0.2.<host>:<port> talking to 203.0.113.1:3478. */
void h_client_init(struct h_client *c, const char *user, const char *pass,
		   uint8_t host, uint16_t port);

/* Start a request of @method with a random transaction ID. */
void h_req_begin(struct h_client *c, struct stun_builder *b, uint8_t *buf,
		 size_t cap, uint16_t method);
/* Add USERNAME/REALM/NONCE/MESSAGE-INTEGRITY (if the client has a user
 * and a nonce) and FINGERPRINT.  @return the length. */
size_t h_req_end(struct h_client *c, struct stun_builder *b);

/* Hand a datagram to the server as a punt from the client's owner. */
void h_send(struct harness *h, const struct h_client *c, const uint8_t *buf,
	    size_t len);

/* Index of the first event at or after @from, or -1. */
int h_find(const struct harness *h, int from, enum h_event_kind kind);
/* The last reply, decoded into @msg (asserts there is one). */
const struct h_event *h_last_reply(const struct harness *h, struct stun_msg *msg);
/* 0 for a success response, the ERROR-CODE of an error response. */
uint16_t h_code(const struct stun_msg *msg);
/* Count commands of @type since event @from. */
int h_count_cmds(const struct harness *h, int from, uint32_t type);

/* Get the challenge (401) and remember its nonce. */
void h_login(struct harness *h, struct h_client *c);

/*
 * A signed Allocate with REQUESTED-TRANSPORT UDP and optional LIFETIME
 * (0 = none).  @return the response code; fills @relay on success.
 */
uint16_t h_allocate(struct harness *h, struct h_client *c, uint32_t lifetime,
		    struct tp_addr *relay);

/* A signed request of @method with @peers XOR-PEER-ADDRESS attributes and,
 * if channel != 0, CHANNEL-NUMBER.  @return the response code. */
uint16_t h_peer_request(struct harness *h, struct h_client *c, uint16_t method,
			const struct tp_addr *peers, int n, uint16_t channel);

/* A signed Refresh with LIFETIME @lifetime (UINT32_MAX = no LIFETIME). */
uint16_t h_refresh(struct harness *h, struct h_client *c, uint32_t lifetime);

/* An RFC 7635 token under @key for @mac_key (20 bytes), minted now
 * (h_unix_now) for an hour.  @return its length. */
size_t h_token_mint(const struct auth_oauth_key *key, const uint8_t *mac_key,
		    uint8_t *out, size_t cap);

/* What an OAuth client puts in a request. */
struct h_token_req {
	const char *kid;      /* USERNAME */
	const uint8_t *token; /* ACCESS-TOKEN, NULL = none (session key) */
	size_t token_len;
	const uint8_t *mac_key; /* MESSAGE-INTEGRITY key */
	size_t mac_len;
	uint32_t lifetime;          /* LIFETIME, UINT32_MAX = none */
	const struct tp_addr *peer; /* XOR-PEER-ADDRESS, or NULL */
	uint16_t channel;           /* CHANNEL-NUMBER, 0 = none */
};

/* Send @method as an OAuth client (Allocate gets REQUESTED-TRANSPORT UDP)
 * with the client's nonce.  @return the response code. */
uint16_t h_token_request(struct harness *h, struct h_client *c, uint16_t method,
			 const struct h_token_req *t);

/* An IPv4 transport address from text "a.b.c.d" and a port. */
struct tp_addr h_addr(const char *ip, uint16_t port);

#endif /* TURNPIKE_TEST_TURN_HARNESS_H */
