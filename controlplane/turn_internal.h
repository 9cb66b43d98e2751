/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the TURN server's files (turn_server.c, turn_dispatch.c and
 * the per-method handlers turn_<method>.c): the server struct, the
 * per-request context, and the helpers the handlers share.
 *
 * Control-plane thread only.
 */
#ifndef TURNPIKE_TURN_INTERNAL_H
#define TURNPIKE_TURN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_timers.h"
#include "turn_alloc_table.h"
#include "turn_ports.h"
#include "turn_server.h"
#include "turnpike/prefix_limit.h"
#include "turnpike/stun.h"

/** UDP's protocol number in REQUESTED-TRANSPORT (RFC 8656 section 18.7). */
#define TURN_TRANSPORT_UDP 17

struct turn_server {
	struct turn_params p; /* lifetimes already defaulted */
	struct cp_sink sink;
	struct turn_ports *ports;
	struct turn_alloc_table table;
	struct cp_timers timers;
	const struct peer_policy *policy;
	struct peer_policy own_policy; /* when p.policy is NULL */
	bool own_policy_used;
	uint32_t next_gen; /* allocation ids; 0 is never used */
	/* struct turn_alloc's id: counts up from a random start below
	 * TURN_ID_START_MAX (turn_server.c), so ids keep 18 digits (coturn's %018llu). */
	uint64_t next_id;
	bool shutting_down;
	bool draining;               /* turn_server_drain() */
	unsigned int next_alternate; /* round-robin cursor of p.alternates */
	struct turn_stats stats;
	/* Per worker, the fast path's overflow blocks not reserved by any
	 * allocation (DP_PEER_BLOCKS(allocs_per_worker) at the start). */
	uint32_t *blocks_free;
	/* Challenges per source prefix (p.challenge_rate). */
	struct tp_prefix_limit challenge_limit;
};

/* One request being handled. */
struct turn_req {
	struct turn_server *srv;
	const struct turn_packet *pkt;
	struct stun_msg msg;
	uint64_t now_ms;
	uint64_t now_unix;
	/* The verdict when the request authenticated; NULL for Binding and
	 * in no-auth mode (responses then carry no integrity). */
	const struct auth_verdict *auth;
	const char *user; /* username, "" without authentication */
	size_t user_len;
};

/* Whether @r authenticated with an RFC 7635 access token. */
bool turn_req_by_token(const struct turn_req *r);

/* Whether @r may act on @a: its user; for a token allocation, a request
 * signed with its session key, or a renewing Refresh with a new token
 * (turn_dispatch.c says why). */
bool turn_req_owns(const struct turn_req *r, const struct turn_alloc *a);

/* Key token allocation @a on the token @r presented (Allocate that created
 * it, Refresh that renewed it); nothing if @r carried no new token. */
void turn_req_keep_token(const struct turn_req *r, struct turn_alloc *a);

/* ---- turn_dispatch.c: responses ---- */

/* An unauthenticated response is at most this many times its request on
 * the wire (turn_dispatch.c, "No amplification"). */
#define TURN_AMPLIFY_MAX 3

/*
 * The largest unauthenticated response to @pkt, STUN bytes: TURN_AMPLIFY_MAX
 * times the request on the wire, less the response's IP and UDP headers.
 * SIZE_MAX for TCP and TLS.
 */
size_t turn_reply_bound(const struct turn_packet *pkt);

/* Start a success response to the request. */
void turn_reply_start(const struct turn_req *r, struct stun_builder *b,
		      uint8_t *buf, size_t cap);

/* Start an error response with ERROR-CODE @code (standard reason). */
void turn_reply_start_error(const struct turn_req *r, struct stun_builder *b,
			    uint8_t *buf, size_t cap, uint16_t code);

/*
 * Finish a started response (SOFTWARE, the integrity attribute if the
 * request authenticated, FINGERPRINT), count it under @code (0 = success)
 * and hand it to the sink for @worker.
 */
void turn_reply_send(const struct turn_req *r, struct stun_builder *b,
		     uint16_t code, uint16_t worker);

/* An error response with nothing but ERROR-CODE, through the punting
 * worker (or @worker). */
void turn_reply_error(const struct turn_req *r, uint16_t code, uint16_t worker);

/*
 * The next alternate server for a request from @family, round-robin among
 * those of that family.  @return true and fills @out, or false if there is
 * none of that family.
 */
bool turn_alternate_pick(struct turn_server *srv, uint8_t family,
			 struct tp_addr *out);

/*
 * The allocation of the request's 5-tuple, for Refresh, CreatePermission
 * and ChannelBind, with what is expired in it dropped.  If there is none,
 * answers 437; if it belongs to another user, answers 441 (RFC 8656
 * section 5); both return NULL.
 */
struct turn_alloc *turn_req_alloc(const struct turn_req *r);

/* ---- turn_server.c: allocation life ---- */

/* Send a command to @worker, counted. */
void turn_server_cmd(struct turn_server *srv, uint16_t worker,
		     const struct dp_cmd *cmd);

/*
 * The lifetime a request asks for, RFC 8656 sections 7.2 and 8.2:
 * max(default, min(LIFETIME, max)), the default without LIFETIME, and 0
 * for a Refresh with LIFETIME 0 (@refresh).  A request authenticated by
 * an OAuth token gets at most what remains of the token's lifetime: the
 * allocation does not outlive its authorization.
 * @return 0, or -EINVAL if LIFETIME is malformed (400).
 */
int turn_lifetime(const struct turn_req *r, bool refresh, uint32_t *out_s);

/*
 * Arm the allocation's timer at its earliest deadline.
 * @return 0, or -ENOMEM (only for a timer not armed before).
 */
int turn_alloc_schedule(struct turn_server *srv, struct turn_alloc *a);

/* Tell the fleet (if any) that @a no longer counts in its quotas. */
void turn_alloc_fleet_release(struct turn_server *srv,
			      const struct turn_alloc *a);

/* Count a new allocation (after it is in the table). */
void turn_alloc_created(struct turn_server *srv);

/* Tell the sink that @p a was created or refreshed to @p lifetime_s. */
void turn_alloc_status(struct turn_server *srv, const struct turn_alloc *a,
		       enum turn_status_kind kind, uint32_t lifetime_s);

/*
 * Delete an allocation now: DP_CMD_ALLOC_DEL to its owner, relay address
 * and slot freed, record moved to "ended" until the worker reports.
 * @counter says why (TURN_C_ALLOCS_DELETED, _EXPIRED, _SHUTDOWN).
 */
void turn_alloc_delete(struct turn_server *srv, struct turn_alloc *a,
		       uint64_t now_ms, enum turn_counter counter);

/* May the relay send to @ip?  Counts refusals by reason. */
bool turn_peer_allowed(struct turn_server *srv, const struct tp_ip *ip);

/*
 * Reserve the owner's overflow blocks @a needs to hold @perms permissions
 * and @chans channel bindings at once, so the fast path can install what
 * we are about to answer with success.  @return 0, or -ENOSPC (answer
 * 508) when the owner's pool is short.
 */
int turn_alloc_reserve_blocks(struct turn_server *srv, struct turn_alloc *a,
			      uint32_t perms, uint32_t chans);

/* ---- the handlers, one file per method ---- */

void turn_binding_handle(struct turn_req *r);
void turn_allocate_handle(struct turn_req *r);
void turn_refresh_handle(struct turn_req *r);
void turn_permission_handle(struct turn_req *r);
void turn_channel_handle(struct turn_req *r);

#endif /* TURNPIKE_TURN_INTERNAL_H */
