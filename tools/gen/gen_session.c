/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN client state machine of one allocation (see gen_session.h for
 * the states).  Pure code: it builds requests into caller buffers, reads
 * decoded responses, and says what to send next; the caller owns the
 * sessions, the wire and the clock.  Runs on the generator's main lcore.
 *
 * Why one transaction at a time per session: a TURN client's requests on
 * one allocation depend on each other (CreatePermission needs the
 * allocation, a Refresh needs the nonce the last answer carried), and the
 * load a generator needs comes from many sessions in parallel, not from
 * pipelining inside one.
 */
#include <errno.h>
#include <string.h>

#include "gen_session.h"
#include "turnpike/xlist.h"

static const char *const state_names[] = { GEN_SESS_STATE_LIST(TP_XLIST_TEXT) };

static const char *const counter_names[] = { GEN_SESS_COUNTER_LIST(TP_XLIST_NAME) };

const char *
gen_session_state_name(unsigned int state)
{
	return TP_XLIST_LOOKUP(state_names, state);
}

const char *
gen_sess_counter_name(enum gen_sess_counter c)
{
	return TP_XLIST_LOOKUP(counter_names, c);
}

void
gen_sess_ctx_init(struct gen_sess_ctx *ctx, struct gen_auth *auth,
		  const struct gen_plan *plan, const struct tp_addr *server,
		  uint64_t hz)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->auth = auth;
	ctx->plan = plan;
	ctx->server = *server;
	ctx->hz = hz;
	ctx->rto = hz * GEN_RTO_MS_DEFAULT / 1000;
	ctx->max_tries = GEN_TRIES_DEFAULT;
	ctx->perm_refresh_s = GEN_PERM_REFRESH_S;
	ctx->chan_refresh_s = GEN_CHAN_REFRESH_S;
}

void
gen_session_init(struct gen_session *s, uint32_t index, bool channel)
{
	memset(s, 0, sizeof(*s));
	s->state = GEN_SS_IDLE;
	if (channel)
		s->channel = (uint16_t)(0x4000 + index % 0x1000);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
gen_session_tid(const struct gen_sess_ctx *ctx, const struct gen_session *s,
		uint32_t index, uint8_t tid[STUN_TID_LEN])
{
	memcpy(tid, ctx->tid_prefix, 4);
	put_be32(tid + 4, index);
	put_be32(tid + 8, s->txn);
}

int64_t
gen_session_index_of_tid(const struct gen_sess_ctx *ctx, const uint8_t *tid)
{
	uint32_t index;

	if (memcmp(tid, ctx->tid_prefix, 4) != 0)
		return -1;
	index = get_be32(tid + 4);
	return index < ctx->plan->n_clients ? (int64_t)index : -1;
}

/* Start a new transaction in @state. */
static enum gen_sess_event
begin(struct gen_session *s, enum gen_sess_state state)
{
	s->state = (uint8_t)state;
	s->txn++;
	s->tries = 0;
	s->deadline = 0;
	return GEN_EV_SEND;
}

/* The session is dead: count why, by phase. */
static enum gen_sess_event
fail(struct gen_sess_ctx *ctx, struct gen_session *s, uint16_t code)
{
	if (s->state == GEN_SS_RELEASE)
		ctx->c[GEN_SC_release_failed]++;
	else if (s->t_ready != 0)
		ctx->c[GEN_SC_keepalive_failed]++;
	else
		ctx->failed[code < GEN_FAIL_CODE_MAX ? code : GEN_FAIL_PROTOCOL]++;
	s->state = GEN_SS_FAILED;
	s->fail_code = code;
	return GEN_EV_FAILED;
}

enum gen_sess_event
gen_session_start(struct gen_sess_ctx *ctx, struct gen_session *s, uint64_t now)
{
	(void)ctx;
	if (s->state != GEN_SS_IDLE)
		return GEN_EV_NONE;
	s->t_start = now;
	return begin(s, GEN_SS_PROBE);
}

/* The method each waiting state's request uses. */
static uint16_t
state_method(uint8_t state)
{
	switch (state) {
	case GEN_SS_PROBE:
	case GEN_SS_ALLOCATE:
		return STUN_METHOD_ALLOCATE;
	case GEN_SS_PERMIT:
	case GEN_SS_PERMIT_REFRESH:
		return STUN_METHOD_CREATE_PERMISSION;
	case GEN_SS_BIND:
	case GEN_SS_BIND_REFRESH:
		return STUN_METHOD_CHANNEL_BIND;
	case GEN_SS_REFRESH:
	case GEN_SS_RELEASE:
		return STUN_METHOD_REFRESH;
	default:
		return 0;
	}
}

/* True if the request of this state carries credentials. */
static bool
signed_request(const struct gen_sess_ctx *ctx, const struct gen_session *s)
{
	return s->state != GEN_SS_PROBE && ctx->auth->kind != GEN_AUTH_NONE;
}

/* USERNAME, REALM, NONCE, ACCESS-TOKEN and MESSAGE-INTEGRITY (RFC 8489
 * 9.2.4, RFC 7635 section 5: the token comes before the integrity). */
static void
add_credentials(const struct gen_sess_ctx *ctx, const struct gen_session *s,
		struct stun_builder *b)
{
	const struct gen_auth *a = ctx->auth;

	stun_build_attr(b, STUN_ATTR_USERNAME, a->username, a->username_len);
	stun_build_attr(b, STUN_ATTR_REALM, a->realm, a->realm_len);
	stun_build_attr(b, STUN_ATTR_NONCE, s->nonce, s->nonce_len);
	if (a->kind == GEN_AUTH_OAUTH)
		stun_build_attr(b, STUN_ATTR_ACCESS_TOKEN, a->token,
				a->token_len);
	stun_build_integrity(b, a->key, a->key_len);
}

int
gen_session_request(const struct gen_sess_ctx *ctx, const struct gen_session *s,
		    uint32_t index, uint8_t *buf, size_t cap)
{
	uint16_t method = state_method(s->state);
	uint8_t tid[STUN_TID_LEN];
	struct stun_builder b;
	struct tp_addr peer;

	if (method == 0)
		return -EINVAL;
	if (signed_request(ctx, s) && !gen_auth_ready(ctx->auth))
		return -EAGAIN;
	gen_session_tid(ctx, s, index, tid);
	gen_plan_peer(ctx->plan, gen_plan_peer_of(ctx->plan, index), &peer);
	stun_build_init(&b, buf, cap, stun_type(method, STUN_CLASS_REQUEST), tid);
	switch (s->state) {
	case GEN_SS_PROBE:
	case GEN_SS_ALLOCATE:
		stun_build_transport(&b, GEN_TRANSPORT_UDP);
		/* The relayed address of the peers' family; IPv4 is the
		 * default (RFC 8656 section 7.1), so only IPv6 is asked. */
		if (ctx->plan->peer_family == TP_AF_INET6) {
			static const uint8_t v6[4] = { TP_AF_INET6, 0, 0, 0 };

			stun_build_attr(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
					v6, sizeof(v6));
		}
		if (ctx->lifetime_s != 0)
			stun_build_u32(&b, STUN_ATTR_LIFETIME, ctx->lifetime_s);
		break;
	case GEN_SS_BIND:
	case GEN_SS_BIND_REFRESH:
		stun_build_channel(&b, s->channel);
		/* fall through */
	case GEN_SS_PERMIT:
	case GEN_SS_PERMIT_REFRESH:
		stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
		break;
	case GEN_SS_REFRESH:
		if (ctx->lifetime_s != 0)
			stun_build_u32(&b, STUN_ATTR_LIFETIME, ctx->lifetime_s);
		break;
	case GEN_SS_RELEASE:
		stun_build_u32(&b, STUN_ATTR_LIFETIME, 0);
		break;
	}
	if (signed_request(ctx, s))
		add_credentials(ctx, s, &b);
	return stun_build_finish(&b);
}

void
gen_session_sent(struct gen_sess_ctx *ctx, struct gen_session *s, uint64_t now)
{
	unsigned int shift;

	ctx->c[s->tries == 0 ? GEN_SC_requests : GEN_SC_retransmits]++;
	if (s->tries < UINT8_MAX)
		s->tries++;
	/* RFC 8489 6.2.1: RTO doubles after each send; after the last one,
	 * wait Rm * RTO. */
	if (s->tries >= ctx->max_tries) {
		s->deadline = now + ctx->rto * GEN_RTO_LAST_FACTOR;
		return;
	}
	shift = s->tries - 1u;
	s->deadline = now + (ctx->rto << (shift > 20 ? 20 : shift));
}

/* Keep the NONCE of a challenge.  @return false if absent or too long. */
static bool
take_nonce(struct gen_session *s, const struct stun_msg *msg)
{
	uint16_t len;
	const uint8_t *v = stun_msg_value(msg, STUN_SLOT_NONCE, &len);

	if (v == NULL || len == 0 || len > GEN_NONCE_MAX)
		return false;
	memcpy(s->nonce, v, len);
	s->nonce_len = (uint8_t)len;
	return true;
}

/* A challenge (401 to the probe, 438 to anything): new nonce and realm. */
static enum gen_sess_event
on_challenge(struct gen_sess_ctx *ctx, struct gen_session *s,
	     const struct stun_msg *msg, enum gen_sess_state next)
{
	const uint8_t *realm;
	uint16_t rlen;

	realm = stun_msg_value(msg, STUN_SLOT_REALM, &rlen);
	if (realm == NULL || !take_nonce(s, msg) ||
	    gen_auth_set_realm(ctx->auth, (const char *)realm, rlen,
			       ctx->now_unix) != 0)
		return fail(ctx, s, GEN_FAIL_PROTOCOL);
	return begin(s, next);
}

static enum gen_sess_event
on_error(struct gen_sess_ctx *ctx, struct gen_session *s,
	 const struct stun_msg *msg)
{
	uint16_t code = 0, rlen;
	const char *reason;

	if (stun_msg_get_error(msg, &code, &reason, &rlen) != 0 || code < 300 ||
	    code >= GEN_FAIL_CODE_MAX)
		return fail(ctx, s, GEN_FAIL_PROTOCOL);
	if (code == 401 && s->state == GEN_SS_PROBE &&
	    ctx->auth->kind != GEN_AUTH_NONE) {
		s->stale = 0;
		return on_challenge(ctx, s, msg, GEN_SS_ALLOCATE);
	}
	if (code == 438 && s->state != GEN_SS_PROBE &&
	    ctx->auth->kind != GEN_AUTH_NONE && s->stale < GEN_STALE_RETRIES) {
		s->stale++;
		ctx->c[GEN_SC_stale_nonce]++;
		return on_challenge(ctx, s, msg, (enum gen_sess_state)s->state);
	}
	if (code == 437 && s->state == GEN_SS_RELEASE) {
		/* Already gone (expired or deleted): as good as released. */
		ctx->c[GEN_SC_released]++;
		s->state = GEN_SS_RELEASED;
		return GEN_EV_RELEASED;
	}
	return fail(ctx, s, code);
}

/* Schedule the keep-alives of a live allocation from a LIFETIME. */
static void
schedule_alloc(const struct gen_sess_ctx *ctx, struct gen_session *s,
	       const struct stun_msg *msg, uint64_t now)
{
	uint32_t lifetime = GEN_DEFAULT_LIFETIME_S;

	if (stun_msg_get_u32(msg, STUN_SLOT_LIFETIME, &lifetime) != 0 ||
	    lifetime == 0)
		lifetime = GEN_DEFAULT_LIFETIME_S;
	s->t_alloc = now + ctx->hz * lifetime / 2;
}

static enum gen_sess_event
on_success(struct gen_sess_ctx *ctx, struct gen_session *s,
	   const struct stun_msg *msg, uint64_t now)
{
	switch (s->state) {
	case GEN_SS_PROBE:
	case GEN_SS_ALLOCATE:
		if (stun_msg_get_xor_addr(msg, STUN_SLOT_XOR_RELAYED_ADDRESS,
					  &s->relay) != 0 ||
		    s->relay.ip.family != ctx->plan->peer_family)
			return fail(ctx, s, GEN_FAIL_PROTOCOL);
		schedule_alloc(ctx, s, msg, now);
		return begin(s, s->channel != 0 ? GEN_SS_BIND : GEN_SS_PERMIT);
	case GEN_SS_PERMIT:
	case GEN_SS_BIND:
		s->t_perm = now + ctx->hz * ctx->perm_refresh_s;
		if (s->channel != 0)
			s->t_chan = now + ctx->hz * ctx->chan_refresh_s;
		s->t_ready = now;
		s->state = GEN_SS_READY;
		return GEN_EV_READY;
	case GEN_SS_REFRESH:
		schedule_alloc(ctx, s, msg, now);
		break;
	case GEN_SS_BIND_REFRESH:
		/* A ChannelBind refreshes the permission too. */
		s->t_chan = now + ctx->hz * ctx->chan_refresh_s;
		/* fall through */
	case GEN_SS_PERMIT_REFRESH:
		s->t_perm = now + ctx->hz * ctx->perm_refresh_s;
		break;
	case GEN_SS_RELEASE:
		ctx->c[GEN_SC_released]++;
		s->state = GEN_SS_RELEASED;
		return GEN_EV_RELEASED;
	}
	ctx->c[GEN_SC_refreshes]++;
	s->state = GEN_SS_READY;
	return GEN_EV_REFRESHED;
}

enum gen_sess_event
gen_session_on_response(struct gen_sess_ctx *ctx, struct gen_session *s,
			uint32_t index, const struct stun_msg *msg, uint64_t now)
{
	uint8_t tid[STUN_TID_LEN];

	if (!gen_session_waiting(s)) {
		ctx->c[GEN_SC_stale_responses]++;
		return GEN_EV_IGNORED;
	}
	gen_session_tid(ctx, s, index, tid);
	if (memcmp(tid, msg->tid, STUN_TID_LEN) != 0 ||
	    msg->method != state_method(s->state) ||
	    (msg->cls != STUN_CLASS_SUCCESS && msg->cls != STUN_CLASS_ERROR)) {
		ctx->c[GEN_SC_stale_responses]++;
		return GEN_EV_IGNORED;
	}
	if (msg->cls == STUN_CLASS_SUCCESS && signed_request(ctx, s)) {
		/* RFC 8489 9.2.5: a success to a signed request must verify. */
		if (msg->mi_off == 0) {
			ctx->c[GEN_SC_no_integrity]++;
		} else if (!stun_msg_check_integrity(msg, ctx->auth->key,
						     ctx->auth->key_len)) {
			ctx->c[GEN_SC_bad_integrity]++;
			return GEN_EV_IGNORED;
		}
	}
	ctx->c[GEN_SC_responses]++;
	if (msg->cls == STUN_CLASS_ERROR)
		return on_error(ctx, s, msg);
	s->stale = 0;
	return on_success(ctx, s, msg, now);
}

enum gen_sess_event
gen_session_on_timer(struct gen_sess_ctx *ctx, struct gen_session *s,
		     uint64_t now, bool may_begin)
{
	if (gen_session_waiting(s)) {
		if (s->deadline == 0 || now < s->deadline)
			return GEN_EV_NONE;
		if (s->tries >= ctx->max_tries)
			return fail(ctx, s, GEN_FAIL_TIMEOUT);
		return GEN_EV_RETRANSMIT;
	}
	if (s->state != GEN_SS_READY || !may_begin)
		return GEN_EV_NONE;
	if (now >= s->t_alloc)
		return begin(s, GEN_SS_REFRESH);
	if (s->t_chan != 0 && now >= s->t_chan)
		return begin(s, GEN_SS_BIND_REFRESH);
	if (now >= s->t_perm)
		return begin(s, GEN_SS_PERMIT_REFRESH);
	return GEN_EV_NONE;
}

enum gen_sess_event
gen_session_release(struct gen_sess_ctx *ctx, struct gen_session *s, uint64_t now)
{
	(void)ctx;
	(void)now;
	if (s->state != GEN_SS_READY)
		return GEN_EV_NONE;
	return begin(s, GEN_SS_RELEASE);
}
