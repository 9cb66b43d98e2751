/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The TURN server's control plane (RFC 8656 over STUN, RFC 8489): what the
 * control thread's loop (cp_loop.c) calls, and all it calls back.
 *
 * Input: one punted datagram at a time (a STUN request a worker could not
 * handle itself), the clock, and the workers' final counters of deleted
 * allocations.  Output, through a struct cp_sink: typed commands for the
 * fast-path workers (turnpike/dp_msg.h), STUN responses to transmit, and
 * usage records.  Nothing here knows DPDK, sockets or threads, so the whole
 * TURN logic is tested with a fake sink.
 *
 * Ordering: for a request about an allocation, the commands and the reply
 * go to the allocation's owner worker, commands first; the worker applies
 * its ring in order, so a client never sees a success response before the
 * state it announces exists in the fast path.
 *
 * The state of every allocation lives here (turn_alloc_table.h); the
 * workers hold copies and check expiry themselves, and the timers here are
 * the authority that deletes.
 *
 * Control-plane thread only; no function here is thread-safe.
 */
#ifndef TURNPIKE_TURN_SERVER_H
#define TURNPIKE_TURN_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_request.h"
#include "peer_policy.h"
#include "turn_alloc_table.h"
#include "turn_ports.h"
#include "turnpike/addr.h"
#include "turnpike/dp_msg.h"

/** Most relay IP addresses (both families together). */
#define TURN_MAX_RELAY_IPS TURN_PORTS_MAX_IPS
/** Default prefix lengths of the per-source-prefix challenge limit. */
#define TURN_LIMIT_V4_BITS 24
#define TURN_LIMIT_V6_BITS 48

/** RFC 8656 defaults, used for a lifetime parameter left at 0. */
#define TURN_DEFAULT_LIFETIME_S 600 /**< allocation, section 7.2 */
#define TURN_MAX_LIFETIME_S 3600    /**< allocation cap, section 7.2 */
#define TURN_PERM_LIFETIME_S 300    /**< permission, section 9 (fixed) */
#define TURN_CHAN_LIFETIME_S 600    /**< channel binding, section 12 */

/** Most alternate servers (alternate-server lines) used. */
#define TURN_MAX_ALTERNATES 16

/** Largest response the server builds. */
#define TURN_REPLY_MAX 2048

/** One punted datagram from a client. */
struct turn_packet {
	const uint8_t *data; /**< UDP payload; valid during the call */
	size_t len;
	struct tp_addr client;          /**< source transport address */
	struct tp_addr local;           /**< our address it was sent to */
	uint8_t client_mac[DP_MAC_LEN]; /**< next hop back to the client (UDP) */
	uint16_t worker;   /**< the worker that punted it (streams: the
				    client's owner, dp_owner_of_client()) */
	uint8_t transport; /**< enum tp_transport: how the client came */
	uint32_t conn;     /**< TCP, TLS: the stream thread's connection */
};

/** Usage of one allocation, reported once its worker has deleted it. */
struct turn_usage {
	char username[TURN_USERNAME_MAX + 1]; /**< "" without authentication */
	/** The server's realm, "" without authentication; valid during the
	 *  call. */
	const char *realm;
	uint64_t id; /**< the allocation's id (struct turn_alloc's) */
	struct tp_addr client, local, relay;
	struct tp_addr relay2; /**< a dual allocation's other; TP_AF_NONE */
	uint8_t transport;     /**< enum tp_transport */
	uint64_t start_ms; /**< the server's clock (turn_server_handle's now_ms) */
	uint64_t end_ms; /**< when the control plane deleted it */
	struct dp_usage usage;
};

/** What happened to a live allocation (cp_sink::status). */
enum turn_status_kind {
	TURN_STATUS_NEW,       /**< created */
	TURN_STATUS_REFRESHED, /**< refreshed; lifetime 0: about to end */
};

/** A live allocation's news: created or refreshed.  Its end is the usage
 *  record, once its worker has given its counters. */
struct turn_status {
	enum turn_status_kind kind;
	uint64_t id;         /**< the allocation's id (struct turn_alloc's) */
	const char *realm;   /**< as turn_usage's */
	const uint8_t *user; /**< USERNAME's bytes, user_len 0 for none */
	size_t user_len;
	uint8_t transport;     /**< enum tp_transport */
	struct tp_addr client; /**< the client's transport address */
	struct tp_addr local;  /**< ours it reaches */
	uint32_t lifetime_s;   /**< granted */
};

/** How decisions leave the control plane. */
struct cp_sink {
	void *ctx; /**< passed back to every callback */
	/** Queue @p cmd on @p worker's command ring (required). */
	void (*cmd)(void *ctx, uint16_t worker, const struct dp_cmd *cmd);
	/**
	 * Transmit a STUN message from @p from to @p to through @p worker,
	 * after the commands queued to it before (required).  @p request is
	 * the datagram being answered (its client_mac is the next hop), or
	 * NULL for a message that answers nothing.  @p msg is valid during the
	 * call only.
	 */
	void (*reply)(void *ctx, uint16_t worker,
		      const struct turn_packet *request,
		      const struct tp_addr *to, const struct tp_addr *from,
		      const uint8_t *msg, size_t len);
	/** An allocation ended and its worker reported its counters (may be
	 *  NULL). */
	void (*usage)(void *ctx, const struct turn_usage *rec);
	/** An allocation was created or refreshed (may be NULL); @p ev is
	 *  valid during the call. */
	void (*status)(void *ctx, const struct turn_status *ev);
};

struct turn_quota_keys; /* turn_quota.h */
struct turn_params;

/** A fleet's answer about an Allocate's quotas (turn_fleet_ops::quota). */
enum turn_fleet_quota {
	TURN_FLEET_LOCAL,      /**< no fleet answer: count here, as alone */
	TURN_FLEET_GRANTED,    /**< counted fleet-wide: skip the local check */
	TURN_FLEET_DENIED,     /**< a person or kid quota is full: 486 */
	TURN_FLEET_DENIED_ALL, /**< the fleet's total-quota is full: 508 */
	TURN_FLEET_PENDING,    /**< asked; the request comes back later */
};

/**
 * How a relay of a fleet counts quotas with the others and sends clients
 * to them (cp_fleet.h implements it).  The server calls these on its own
 * thread; none may call back into the server.
 */
struct turn_fleet_ops {
	void *ctx;
	/**
	 * An Allocate that passed its checks, before the local quotas
	 * (@p p: the server's parameters now, with their limits).  PENDING
	 * means the fleet was asked and this request will be handed to
	 * turn_server_handle() again once it answers: answer nothing now.
	 */
	enum turn_fleet_quota (*quota)(void *ctx, const struct turn_params *p,
				       const struct turn_packet *pkt,
				       const uint8_t *tid,
				       const struct turn_quota_keys *qk,
				       uint64_t now_ms);
	/** An allocation the fleet must count (@p hold: created after a
	 *  LOCAL answer) or stop counting (ended, or a GRANTED one that
	 *  failed after all). */
	void (*counted)(void *ctx, const struct turn_quota_keys *qk, bool hold);
	/** Whether to send a new Allocate elsewhere (over the shedding
	 *  load, or draining), and where: a relay of @p family. */
	bool (*redirect)(void *ctx, uint8_t family, uint64_t allocations,
			 bool draining, struct tp_addr *out);
};

/**
 * Server parameters.  turn_server_create() copies the struct but not what
 * its pointers point to, which must stay valid for the server's life.  The
 * owner may change those objects in place between two calls (the admin
 * socket edits the credential tables behind @c auth this way); pointing at
 * other objects takes a new server.
 * Realm and server name are the auth config's (auth_request.h), not
 * repeated here.
 */
struct turn_params {
	uint16_t n_workers;         /**< fast-path workers, >= 1 */
	uint32_t allocs_per_worker; /**< table slots of each worker, >= 1 */
	struct tp_ip relay_ips[TURN_MAX_RELAY_IPS]; /**< relay addresses */
	int n_relay_ips;             /**< 1..TURN_MAX_RELAY_IPS */
	uint16_t min_port, max_port; /**< relay port range, inclusive */
	const char *software;        /**< SOFTWARE value; NULL = none */
	/** Authentication; NULL = no-auth (every request is accepted with an
	 *  empty username, no integrity, no user quota). */
	const struct auth_config *auth;
	/** Peer-address policy; NULL = the built-in default
	 *  (peer_policy_init(): secure, no operator ranges). */
	const struct peer_policy *policy;
	/** Allocations per person (turn_quota.h: user name, REST user id,
	 *  OAuth token); 0 = unlimited. */
	uint32_t user_quota;
	/** Allocations under one OAuth kid, all its tokens together;
	 *  0 = unlimited. */
	uint32_t kid_quota;
	uint32_t total_quota; /**< allocations in all; 0 = unlimited */
	uint32_t max_bps; /**< per allocation and direction; 0 = unlimited */
	uint32_t default_lifetime_s; /**< 0 = TURN_DEFAULT_LIFETIME_S */
	uint32_t max_lifetime_s;     /**< 0 = TURN_MAX_LIFETIME_S */
	uint32_t perm_lifetime_s;    /**< 0 = TURN_PERM_LIFETIME_S */
	uint32_t chan_lifetime_s;    /**< 0 = TURN_CHAN_LIFETIME_S */
	/** Highest channel number a ChannelBind may ask for: 0 = 0x4FFF
	 *  (RFC 8656), 0x7FFF for RFC 5766 clients. */
	uint16_t chan_max;
	/**
	 * Where to send clients when out of capacity or draining: an Allocate
	 * that would get 508, or any new Allocate while draining
	 * (turn_server_drain()), gets 300 (Try Alternate) with
	 * ALTERNATE-SERVER (RFC 8489 section 10) instead.  Used in turn, as
	 * coturn does, among those of the request's address family (section
	 * 10: the attribute MUST carry an address of the family the request
	 * came from); with none of that family, no 300.  n_alternates 0 = no
	 * alternate.
	 */
	struct tp_addr alternates[TURN_MAX_ALTERNATES];
	int n_alternates; /**< 0..TURN_MAX_ALTERNATES */
	/**
	 * Challenges (401, 438 and the authentication step's 400s) sent per
	 * source prefix and second, and how many a full bucket holds; 0 = no
	 * limit (turnpike/prefix_limit.h).  A challenge over the limit is not
	 * sent (drop "challenge_limited").
	 */
	uint32_t challenge_rate;
	uint32_t challenge_burst; /**< 0 = challenge_rate */
	/** Prefix lengths the limit keys on; 0 = 24 (IPv4), 48 (IPv6). */
	uint8_t limit_v4_bits, limit_v6_bits;
	/** The fleet this relay belongs to; NULL = alone. */
	const struct turn_fleet_ops *fleet;
	/** Wall clock in Unix seconds for nonces and credential expiry;
	 *  NULL = clock_gettime(CLOCK_REALTIME). */
	uint64_t (*unix_time)(void);
};

/** Methods counted, X(name, label). */
#define TURN_METHOD_LIST(X)                       \
	X(BINDING, "binding")                     \
	X(ALLOCATE, "allocate")                   \
	X(REFRESH, "refresh")                     \
	X(CREATE_PERMISSION, "create_permission") \
	X(CHANNEL_BIND, "channel_bind")           \
	X(OTHER, "other")

enum turn_method {
#define TURN_X_ENUM(name, label) TURN_METHOD_##name,
	TURN_METHOD_LIST(TURN_X_ENUM)
#undef TURN_X_ENUM
	TURN_METHOD__COUNT
};

/** Responses counted, X(name, code, label); code 0 is a success response. */
#define TURN_REPLY_LIST(X)                                               \
	X(SUCCESS, 0, "success")                                         \
	X(TRY_ALTERNATE, 300, "300_try_alternate")                       \
	X(BAD_REQUEST, 400, "400_bad_request")                           \
	X(UNAUTHORIZED, 401, "401_unauthorized")                         \
	X(FORBIDDEN, 403, "403_forbidden")                               \
	X(UNKNOWN_ATTRIBUTE, 420, "420_unknown_attribute")               \
	X(ALLOCATION_MISMATCH, 437, "437_allocation_mismatch")           \
	X(STALE_NONCE, 438, "438_stale_nonce")                           \
	X(FAMILY_NOT_SUPPORTED, 440, "440_address_family_not_supported") \
	X(WRONG_CREDENTIALS, 441, "441_wrong_credentials")               \
	X(UNSUPPORTED_TRANSPORT, 442, "442_unsupported_transport")       \
	X(PEER_FAMILY_MISMATCH, 443, "443_peer_address_family_mismatch") \
	X(QUOTA_REACHED, 486, "486_allocation_quota_reached")            \
	X(SERVER_ERROR, 500, "500_server_error")                         \
	X(INSUFFICIENT_CAPACITY, 508, "508_insufficient_capacity")

enum turn_reply {
#define TURN_X_ENUM(name, code, label) TURN_REPLY_##name,
	TURN_REPLY_LIST(TURN_X_ENUM)
#undef TURN_X_ENUM
	TURN_REPLY__COUNT
};

/** Datagrams dropped without an answer, X(name, label). */
#define TURN_DROP_LIST(X)                                          \
	X(UNDECODABLE, "undecodable") /* stun_msg_decode failed */ \
	X(NOT_REQUEST, "not_request") /* indication or response */ \
	X(BAD_FINGERPRINT, "bad_fingerprint")                      \
	X(REPLY_FAILED, "reply_build_failed")                      \
	X(AMPLIFICATION, "reply_over_amplification_bound")         \
	X(CHALLENGE_LIMITED, "challenge_limited")                  \
	X(NO_ATTRIBUTES, "turn_request_without_attributes")

enum turn_drop {
#define TURN_X_ENUM(name, label) TURN_DROP_##name,
	TURN_DROP_LIST(TURN_X_ENUM)
#undef TURN_X_ENUM
	TURN_DROP__COUNT
};

/** Events counted, X(name, label). */
#define TURN_COUNTER_LIST(X)                                             \
	X(ALLOCS_CREATED, "allocations_created")                         \
	X(ALLOCS_DUAL, "dual_allocations_created")                       \
	X(RELAYS_DROPPED, "dual_allocation_families_given_up")           \
	X(ALLOC_RETRANSMITS, "allocate_retransmissions_answered")        \
	X(ALLOCS_REFRESHED, "allocations_refreshed")                     \
	X(ALLOCS_DELETED, "allocations_deleted_by_client")               \
	X(ALLOCS_EXPIRED, "allocations_expired")                         \
	X(ALLOCS_SHUTDOWN, "allocations_deleted_at_shutdown")            \
	X(ALLOCS_CONN_CLOSED, "allocations_deleted_connection_closed")   \
	X(PERMS_CREATED, "permissions_created")                          \
	X(PERMS_REFRESHED, "permissions_refreshed")                      \
	X(PERMS_EXPIRED, "permissions_expired")                          \
	X(CHANS_BOUND, "channels_bound")                                 \
	X(CHANS_REFRESHED, "channels_refreshed")                         \
	X(CHANS_EXPIRED, "channels_expired")                             \
	X(CHAN_QUARANTINE_HITS, "channel_rebinds_refused_in_quarantine") \
	X(PEER_BLOCKS_EXHAUSTED, "508_fast_path_peer_blocks_exhausted")  \
	X(USAGE_RECORDS, "usage_records")                                \
	X(END_UNMATCHED, "alloc_end_events_unmatched")                   \
	X(END_RECORD_LOST, "usage_records_lost_no_memory")               \
	X(COMMANDS, "commands_sent")

enum turn_counter {
#define TURN_X_ENUM(name, label) TURN_C_##name,
	TURN_COUNTER_LIST(TURN_X_ENUM)
#undef TURN_X_ENUM
	TURN_C__COUNT
};

/**
 * Authentication outcomes by mechanism (turnpike_auth_total).  A failure
 * is put to a mechanism when the request shows which (an OAuth kid, an
 * expired REST name); one decided before that (no such user, a bad
 * nonce) is "unknown".  Long-term covers configured and pushed users.
 */
enum turn_auth_mech {
	TURN_AUTH_LONG_TERM = 0,
	TURN_AUTH_REST,
	TURN_AUTH_OAUTH,
	TURN_AUTH_UNKNOWN,
	TURN_AUTH_MECH__COUNT
};
/** ... and by result: authenticated, or the error answered. */
enum turn_auth_result {
	TURN_AUTH_OK = 0,
	TURN_AUTH_400,
	TURN_AUTH_401,
	TURN_AUTH_438,
	TURN_AUTH_RESULT__COUNT
};

/** Counters.  Monotonic except the gauges at the end. */
struct turn_stats {
	uint64_t requests[TURN_METHOD__COUNT]; /**< decoded requests */
	uint64_t replies[TURN_REPLY__COUNT];   /**< responses sent, by code */
	uint64_t drops[TURN_DROP__COUNT];
	uint64_t auth[AUTH_REASON__COUNT]; /**< authentication verdicts */
	uint64_t auth_by[TURN_AUTH_MECH__COUNT][TURN_AUTH_RESULT__COUNT];
	uint64_t peers_refused[PEER_VERDICT_COUNT]; /**< by policy verdict */
	uint64_t c[TURN_C__COUNT];
	uint64_t allocs_live;   /**< gauge: allocations in force */
	uint64_t allocs_ending; /**< gauge: deleted, final counters awaited */
	/** gauge: allocs_live by the clients' transport (enum tp_transport) */
	uint64_t allocs_by_transport[TP_TRANSPORT_COUNT];
};

struct turn_server;

/**
 * Create a server: builds the relay port queues (CSPRNG-shuffled, see
 * turn_ports.h), the tables and the timers.
 *
 * @param p     parameters (copied; what they point to is not)
 * @param sink  callbacks (copied); cmd and reply are required
 * @return the server, or NULL on bad parameters or no memory.
 */
struct turn_server *turn_server_create(const struct turn_params *p,
				       const struct cp_sink *sink);

/**
 * Free the server.  Sends nothing: call turn_server_shutdown() first for
 * an orderly end.  NULL is fine.
 */
void turn_server_destroy(struct turn_server *srv);

/**
 * Handle one datagram a worker punted: decode, authenticate, run the
 * method's handler, answer.  Anything that is not a well-formed STUN
 * request is dropped (and counted).
 *
 * @param now_ms  the server's monotonic clock, milliseconds
 */
void turn_server_handle(struct turn_server *srv, const struct turn_packet *pkt,
			uint64_t now_ms);

/**
 * Run the timers due at @p now_ms: delete expired allocations (a
 * DP_CMD_ALLOC_DEL to the owner), forget expired permissions and channel
 * bindings (the workers expire their copies on their own), end channel
 * quarantines.  Call every few milliseconds.
 */
void turn_server_tick(struct turn_server *srv, uint64_t now_ms);

/**
 * A worker answered a DP_CMD_ALLOC_DEL with its final counters: emit the
 * usage record (sink->usage) and forget the allocation for good.  An event
 * for an allocation not awaiting one is counted and ignored.
 */
void turn_server_alloc_ended(struct turn_server *srv, uint16_t worker,
			     const struct dp_evt_alloc_end *ev);

/**
 * A stream client's connection closed (RFC 8656 section 3.1: the
 * allocation of a TCP or TLS 5-tuple ends with its connection): delete its
 * allocation at once, if it has one; the usage record follows as for any
 * other deletion.
 */
void turn_server_stream_closed(struct turn_server *srv,
			       const struct tp_addr *client,
			       const struct tp_addr *local, uint8_t transport,
			       uint64_t now_ms);

/**
 * Delete every allocation (one DP_CMD_ALLOC_DEL each; the usage records
 * follow as the workers answer) and refuse new ones from now on.
 */
void turn_server_shutdown(struct turn_server *srv, uint64_t now_ms);

/**
 * Drain: refuse new allocations from now on and leave everything else as
 * it is (Binding, Refresh, CreatePermission, ChannelBind, relaying).  An
 * Allocate that passes authentication and its checks then gets 300 (Try
 * Alternate) with an alternate server (turn_params::alternates), or 403
 * (Forbidden, "Server draining") without one; the retransmission of an
 * Allocate that succeeded before still gets its success.  There is no way
 * back short of a restart.
 *
 * @return true if this call started the drain, false if the server was
 *         already draining (a second request is harmless).
 */
bool turn_server_drain(struct turn_server *srv);

/** Whether turn_server_drain() was called. */
bool turn_server_draining(const struct turn_server *srv);

/**
 * Take the settings a running server may change (a reload, cp_reload.h)
 * from @p p: user_quota, kid_quota, total_quota and max_bps; every other
 * field of @p p is ignored.  Quotas apply to the next Allocate (live
 * allocations above a lowered quota stay); max_bps to allocations created
 * from now on, since the fast path got each live one's rate in its
 * DP_CMD_ALLOC_ADD and keeps it until the allocation ends.
 */
void turn_server_reconfigure(struct turn_server *srv,
			     const struct turn_params *p);

/** The counters, gauges brought up to date. */
const struct turn_stats *turn_server_stats(const struct turn_server *srv);

/**
 * Allocations the workers still hold: live ones plus deleted ones whose
 * final counters have not arrived.  Zero after turn_server_shutdown() means
 * every usage record has been emitted.
 */
size_t turn_server_alloc_count(const struct turn_server *srv);

/**
 * Call @p fn on each live allocation, at most @p max of them, in table
 * order (for the admin socket's listing).  @p fn must not change the
 * server.  @return how many were visited.
 */
size_t turn_server_alloc_visit(const struct turn_server *srv, size_t max,
			       void (*fn)(void *arg, const struct turn_alloc *a),
			       void *arg);

/** Live allocations held by username @p name (len bytes). */
uint32_t turn_server_user_allocs(const struct turn_server *srv,
				 const char *name, size_t len);

/** The counter label of a method, reply, drop or counter ("?" if invalid). */
const char *turn_method_label(enum turn_method m);
const char *turn_reply_label(enum turn_reply r);
const char *turn_drop_label(enum turn_drop d);
const char *turn_counter_label(enum turn_counter c);

/** The STUN error code of a reply counter (0 for SUCCESS). */
uint16_t turn_reply_code(enum turn_reply r);

/**
 * Call @p fn on each quota group (turn_quota.h's keys) that live
 * allocations count in, with how many: what a fleet's reconcile writes
 * (cp_fleet.h).  @return how many were visited.
 */
size_t turn_server_quota_visit(const struct turn_server *srv,
			       void (*fn)(void *arg, const char *key,
					  size_t len, uint32_t n_allocs),
			       void *arg);

#endif /* TURNPIKE_TURN_SERVER_H */
