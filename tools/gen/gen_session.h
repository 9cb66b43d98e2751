/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One TURN client allocation as a state machine (RFC 8656 client side),
 * without I/O: the caller sends what gen_session_request() builds, feeds
 * responses to gen_session_on_response() and the clock to
 * gen_session_on_timer(), and acts on the event each returns.
 *
 *     IDLE --start--> PROBE: Allocate without credentials
 *       PROBE --401 (REALM, NONCE)--> ALLOCATE: Allocate with credentials
 *       PROBE --success (no-auth server)--\
 *       ALLOCATE --success (XOR-RELAYED-ADDRESS)--> PERMIT or BIND
 *       PERMIT: CreatePermission for the peer;  BIND: ChannelBind (which
 *         also installs the permission, RFC 8656 section 12)
 *       PERMIT/BIND --success--> READY
 *     READY --timer--> REFRESH (at half the allocation's lifetime),
 *       PERMIT_REFRESH (every 240 s), BIND_REFRESH (every 480 s) --> READY
 *     READY --release--> RELEASE: Refresh LIFETIME=0 --> RELEASED
 *     any waiting state --error or no answer--> FAILED
 *
 * A 438 (Stale Nonce) takes the new NONCE and repeats the request (at most
 * GEN_STALE_RETRIES times in a row).  Retransmissions follow RFC 8489
 * section 6.2.1: the same request (same transaction ID) after RTO, 2 RTO,
 * 4 RTO ... up to max_tries sends, then a last wait of 16 RTO.
 *
 * Transaction IDs are a per-run random prefix, the session index and a
 * per-session counter, so a response names its session and transaction.
 *
 * Times are in ticks of ctx->hz per second (the TSC in the generator).
 * Pure code: no allocation, no I/O.  Runs on the generator's main lcore and
 * in unit tests.
 */
#ifndef TURNPIKE_GEN_SESSION_H
#define TURNPIKE_GEN_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_auth.h"
#include "gen_plan.h"
#include "turnpike/addr.h"
#include "turnpike/stun.h"

/** Longest NONCE kept (RFC 8489 section 14.10: fewer than 128 characters). */
#define GEN_NONCE_MAX 128
/** 438 responses in a row before giving up. */
#define GEN_STALE_RETRIES 3
/** RFC 8489 section 6.2.1: the last wait is Rm = 16 RTO. */
#define GEN_RTO_LAST_FACTOR 16
/** Default RTO and tries (RFC 8489: 500 ms, Rc = 7). */
#define GEN_RTO_MS_DEFAULT 500
#define GEN_TRIES_DEFAULT 7
/** Keep-alive periods (RFC 8656: permissions last 300 s, channels 600 s). */
#define GEN_PERM_REFRESH_S 240
#define GEN_CHAN_REFRESH_S 480
/** Allocation lifetime assumed when a success carries no LIFETIME. */
#define GEN_DEFAULT_LIFETIME_S 600
/** UDP in REQUESTED-TRANSPORT. */
#define GEN_TRANSPORT_UDP 17

/** States: X(NAME, "name"). */
#define GEN_SESS_STATE_LIST(X)              \
	X(IDLE, "idle")                     \
	X(PROBE, "probe")                   \
	X(ALLOCATE, "allocate")             \
	X(PERMIT, "permit")                 \
	X(BIND, "bind")                     \
	X(READY, "ready")                   \
	X(REFRESH, "refresh")               \
	X(PERMIT_REFRESH, "permit-refresh") \
	X(BIND_REFRESH, "bind-refresh")     \
	X(RELEASE, "release")               \
	X(RELEASED, "released")             \
	X(FAILED, "failed")

enum gen_sess_state {
#define GEN_X_ENUM(name, text) GEN_SS_##name,
	GEN_SESS_STATE_LIST(GEN_X_ENUM)
#undef GEN_X_ENUM
	GEN_SS__COUNT
};

/** What the caller must do after a call. */
enum gen_sess_event {
	GEN_EV_NONE = 0,   /**< nothing */
	GEN_EV_IGNORED,    /**< not for the current transaction, or forged */
	GEN_EV_SEND,       /**< a new transaction began: send the request */
	GEN_EV_RETRANSMIT, /**< send the same request again */
	GEN_EV_READY,      /**< set-up finished: the allocation is usable */
	GEN_EV_REFRESHED,  /**< a keep-alive transaction succeeded */
	GEN_EV_RELEASED,   /**< the allocation was given back */
	GEN_EV_FAILED,     /**< the session is dead; see fail_code */
};

/** Failure reasons that are not STUN error codes. */
enum gen_fail {
	GEN_FAIL_TIMEOUT = 1,  /**< no answer after every retransmission */
	GEN_FAIL_PROTOCOL = 2, /**< a response we cannot use */
	GEN_FAIL_CODE_MAX = 700,
};

/** Session counters: X(name, description). */
#define GEN_SESS_COUNTER_LIST(X)                                             \
	X(requests, "requests sent (first transmissions)")                   \
	X(retransmits, "requests sent again after a timeout")                \
	X(responses, "responses for the current transaction")                \
	X(stale_responses, "responses for no transaction in progress")       \
	X(bad_integrity, "success responses whose MESSAGE-INTEGRITY failed") \
	X(no_integrity, "success responses without MESSAGE-INTEGRITY")       \
	X(stale_nonce, "438 Stale Nonce answered with the new nonce")        \
	X(refreshes, "keep-alive transactions that succeeded")               \
	X(keepalive_failed, "live allocations lost on a keep-alive")         \
	X(released, "allocations given back at the end")                     \
	X(release_failed, "releases refused or unanswered")

enum gen_sess_counter {
#define GEN_X_ENUM(name, desc) GEN_SC_##name,
	GEN_SESS_COUNTER_LIST(GEN_X_ENUM)
#undef GEN_X_ENUM
	GEN_SC__COUNT
};

/** What every session shares: addresses, credentials, timers, counters. */
struct gen_sess_ctx {
	struct gen_auth *auth;
	const struct gen_plan *plan;
	struct tp_addr server; /**< the TURN server's address */
	uint8_t tid_prefix[4]; /**< random per run */
	uint64_t hz;           /**< ticks per second */
	uint64_t rto;          /**< initial RTO, ticks */
	uint8_t max_tries;     /**< sends per transaction (Rc) */
	uint32_t lifetime_s;   /**< LIFETIME to ask for; 0 = omit */
	uint32_t perm_refresh_s;
	uint32_t chan_refresh_s;
	uint64_t now_unix; /**< wall clock, for minting tokens */
	uint64_t c[GEN_SC__COUNT];
	/** Set-up failures by reason: STUN code, or enum gen_fail. */
	uint32_t failed[GEN_FAIL_CODE_MAX];
};

/** One allocation. */
struct gen_session {
	uint8_t state; /**< enum gen_sess_state */
	uint8_t tries; /**< sends of the current transaction */
	uint8_t stale; /**< 438s in a row */
	uint8_t nonce_len;
	uint16_t channel;   /**< channel number, 0 = Send indications */
	uint16_t fail_code; /**< why it failed: STUN code or enum gen_fail */
	uint32_t txn;       /**< transaction counter, in the transaction ID */
	struct tp_addr relay;
	uint64_t deadline; /**< next retransmission of the transaction */
	uint64_t t_start;  /**< first Allocate sent */
	uint64_t t_ready;  /**< set-up finished, 0 if never */
	uint64_t t_alloc;  /**< next Refresh */
	uint64_t t_perm;   /**< next CreatePermission */
	uint64_t t_chan;   /**< next ChannelBind, 0 without a channel */
	uint8_t nonce[GEN_NONCE_MAX];
};

/** Fill @p ctx's defaults (RFC timers); the caller sets the rest. */
void gen_sess_ctx_init(struct gen_sess_ctx *ctx, struct gen_auth *auth,
		       const struct gen_plan *plan,
		       const struct tp_addr *server, uint64_t hz);

/** Name of a state ("ready"). */
const char *gen_session_state_name(unsigned int state);

/** Name of a counter ("retransmits"). */
const char *gen_sess_counter_name(enum gen_sess_counter c);

/**
 * Make session @p index IDLE.  With @p channel it binds channel
 * 0x4000 + index % 4096 to its peer; without, it uses Send indications.
 */
void gen_session_init(struct gen_session *s, uint32_t index, bool channel);

/** True while a transaction is outstanding. */
static inline bool
gen_session_waiting(const struct gen_session *s)
{
	return (s->state >= GEN_SS_PROBE && s->state <= GEN_SS_BIND) ||
	       (s->state >= GEN_SS_REFRESH && s->state <= GEN_SS_RELEASE);
}

/** Begin set-up at @p now.  @return GEN_EV_SEND (or GEN_EV_NONE if not IDLE). */
enum gen_sess_event gen_session_start(struct gen_sess_ctx *ctx,
				      struct gen_session *s, uint64_t now);

/**
 * Build the request of the transaction in progress into @p buf.  The same
 * transaction gives the same bytes (retransmissions are identical).
 * @return its length, -EINVAL (nothing outstanding), -EAGAIN (credentials
 * not yet known) or -ENOSPC.
 */
int gen_session_request(const struct gen_sess_ctx *ctx,
			const struct gen_session *s, uint32_t index,
			uint8_t *buf, size_t cap);

/** The request was (re)sent at @p now: arm the retransmission timer. */
void gen_session_sent(struct gen_sess_ctx *ctx, struct gen_session *s,
		      uint64_t now);

/**
 * A response (decoded) arrived for session @p index at @p now.
 * @return what to do: GEN_EV_SEND (next request), GEN_EV_READY,
 * GEN_EV_REFRESHED, GEN_EV_RELEASED, GEN_EV_FAILED or GEN_EV_IGNORED.
 */
enum gen_sess_event gen_session_on_response(struct gen_sess_ctx *ctx,
					    struct gen_session *s, uint32_t index,
					    const struct stun_msg *msg,
					    uint64_t now);

/**
 * The clock: GEN_EV_RETRANSMIT or GEN_EV_FAILED for a transaction whose
 * timer ran out; for a READY session and @p may_begin, GEN_EV_SEND when a
 * keep-alive is due (allocation first, then channel, then permission).
 */
enum gen_sess_event gen_session_on_timer(struct gen_sess_ctx *ctx,
					 struct gen_session *s, uint64_t now,
					 bool may_begin);

/**
 * Give a READY allocation back (Refresh with LIFETIME 0).
 * @return GEN_EV_SEND, or GEN_EV_NONE if the session is not READY.
 */
enum gen_sess_event gen_session_release(struct gen_sess_ctx *ctx,
					struct gen_session *s, uint64_t now);

/** The transaction ID of the transaction in progress. */
void gen_session_tid(const struct gen_sess_ctx *ctx, const struct gen_session *s,
		     uint32_t index, uint8_t tid[STUN_TID_LEN]);

/**
 * Session index named by a transaction ID of this run, or -1.  Lets a
 * response be matched even before its address is looked at.
 */
int64_t gen_session_index_of_tid(const struct gen_sess_ctx *ctx,
				 const uint8_t *tid);

#endif /* TURNPIKE_GEN_SESSION_H */
