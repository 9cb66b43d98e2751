/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request path: one punted datagram in, at most one response out.
 *
 *   decode ─► request? ─► FINGERPRINT ok? ─► known method? ─► authenticate
 *     │drop      │drop          │drop            │400          │401/438/400
 *     ▼          ▼              ▼                ▼             ▼
 *   unknown comprehension-required attributes? ─► 420 ─► else the method's
 *   handler (turn_binding.c, turn_allocate.c, turn_refresh.c,
 *   turn_permission.c, turn_channel.c)
 *
 * Order: RFC 8489 section 9 runs the credential mechanism right after the
 * basic checks of section 6.3, before the unknown-attribute check, so a 420
 * to an authenticated request carries integrity and an unauthenticated one
 * gets the challenge instead.  Binding is never authenticated:
 * a TURN server is also a plain STUN server, and clients use Binding for
 * NAT discovery and as a keepalive.  A request of a method we do not know
 * gets 400 before authentication: it can create no state, so there is
 * nothing to protect.
 *
 * Every response carries SOFTWARE when configured, MESSAGE-INTEGRITY(-SHA256)
 * when the request authenticated (RFC 8489 section 9.2.4, success and error
 * alike), and FINGERPRINT always.  Challenges (401, 438, and the 400s of
 * the authentication step) come from auth_challenge_build().
 *
 * No amplification (issue 13).  Over UDP the source address of a request
 * that has not authenticated may be anyone's, so what we send back to it
 * must not be a reflector's gain: an unauthenticated response is at most
 * TURN_AMPLIFY_MAX (3) times the request on the wire, IP and UDP headers
 * counted (a 20-byte request is 48 bytes over IPv4, so its answer is at
 * most 144 bytes on the wire, 116 of STUN).  To fit, an unauthenticated
 * response first loses SOFTWARE (RFC 8489 section 14.14: a description
 * for diagnostics, which no check depends on), then, a challenge to a
 * request that had no FINGERPRINT, its FINGERPRINT (section 14.7: it
 * tells STUN from other protocols on a shared port, which a client that
 * does not use it does not need), then the reason phrase of its
 * ERROR-CODE (section 14.8: text for people; the code is what a client
 * acts on; 12 bytes of "Unauthorized"); one that still does not fit is
 * not sent, and is counted
 * (drop "reply_over_amplification_bound").  In practice:
 *  - Binding (XOR-MAPPED-ADDRESS and FINGERPRINT, 40 or 52 bytes) always
 *    fits: a plain STUN server answers the 20-byte Binding requests of
 *    ICE agents, so these must keep working.
 *  - A challenge (401 with REALM, NONCE, PASSWORD-ALGORITHMS and, with
 *    OAuth, THIRD-PARTY-AUTHORIZATION) is about 120 to 160 bytes with a
 *    short realm: a 20-byte Allocate, which no client sends (RFC 8656
 *    section 7.1: the client MUST include REQUESTED-TRANSPORT), gets
 *    none; a real client's first Allocate (REQUESTED-TRANSPORT, usually
 *    FINGERPRINT and SOFTWARE too) gets its challenge with every
 *    attribute the RFCs ask for, THIRD-PARTY-AUTHORIZATION included
 *    (with a realm and a server name of 16 characters each, even a
 *    28-byte Allocate with nothing but REQUESTED-TRANSPORT).  To
 *    the sender, no answer is a lost datagram: it retransmits (RFC 8489
 *    section 6.2.1) and gives up.
 *  - A TURN request (not Binding) with no attribute at all is dropped
 *    over UDP (drop "turn_request_without_attributes"): an Allocate must
 *    carry REQUESTED-TRANSPORT (RFC 8656 section 7.1), CreatePermission
 *    and ChannelBind XOR-PEER-ADDRESS, and a Refresh without credentials
 *    can only draw a challenge, so only scanners and reflectors send
 *    them, and no answer can be as small as their 20 bytes.  Binding
 *    with no attribute is the plain STUN request of every ICE agent: its
 *    answer (XOR-MAPPED-ADDRESS) cannot be as small either, and it stays,
 *    under 3x as above.
 *  - A request of a method we do not know gets its 400 only when the 400
 *    is no larger than the request, else nothing: it can create no state,
 *    and the 400 tells a real client nothing it can act on.
 * TCP and TLS clients proved their address with the handshake: no bound.
 *
 * Runs on the control thread.  Owns nothing; the verdict holding the
 * session key lives on this function's stack and is wiped before return.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "turn_internal.h"

/* IPv4 and IPv6 header plus UDP header, bytes. */
#define TURN_WIRE_V4 (20 + 8)
#define TURN_WIRE_V6 (40 + 8)

static enum turn_method
method_index(uint16_t method)
{
	switch (method) {
	case STUN_METHOD_BINDING:
		return TURN_METHOD_BINDING;
	case STUN_METHOD_ALLOCATE:
		return TURN_METHOD_ALLOCATE;
	case STUN_METHOD_REFRESH:
		return TURN_METHOD_REFRESH;
	case STUN_METHOD_CREATE_PERMISSION:
		return TURN_METHOD_CREATE_PERMISSION;
	case STUN_METHOD_CHANNEL_BIND:
		return TURN_METHOD_CHANNEL_BIND;
	default:
		return TURN_METHOD_OTHER;
	}
}

static enum turn_reply
reply_index(uint16_t code)
{
	for (int i = 0; i < TURN_REPLY__COUNT; i++)
		if (turn_reply_code((enum turn_reply)i) == code)
			return (enum turn_reply)i;
	return TURN_REPLY_SERVER_ERROR; /* every code we send is listed */
}

/* Count and hand a built response (or its build error) to the sink. */
static void
reply_emit(const struct turn_req *r, const uint8_t *buf, int len, uint16_t code,
	   uint16_t worker)
{
	struct turn_server *srv = r->srv;

	if (len < 0) {
		srv->stats.drops[TURN_DROP_REPLY_FAILED]++;
		return;
	}
	srv->stats.replies[reply_index(code)]++;
	srv->sink.reply(srv->sink.ctx, worker, r->pkt, &r->pkt->client,
			&r->pkt->local, buf, (size_t)len);
}

void
turn_reply_start(const struct turn_req *r, struct stun_builder *b, uint8_t *buf,
		 size_t cap)
{
	stun_build_init(b, buf, cap,
			stun_type(r->msg.method, STUN_CLASS_SUCCESS), r->msg.tid);
}

void
turn_reply_start_error(const struct turn_req *r, struct stun_builder *b,
		       uint8_t *buf, size_t cap, uint16_t code)
{
	stun_build_init(b, buf, cap, stun_type(r->msg.method, STUN_CLASS_ERROR),
			r->msg.tid);
	stun_build_error(b, code, NULL);
}

size_t
turn_reply_bound(const struct turn_packet *pkt)
{
	size_t hdr = pkt->client.ip.family == TP_AF_INET6 ? TURN_WIRE_V6 :
							    TURN_WIRE_V4;

	if (pkt->transport != TP_TRANSPORT_UDP)
		return SIZE_MAX;
	return TURN_AMPLIFY_MAX * (pkt->len + hdr) - hdr;
}

/* Whether an unauthenticated reply of @len bytes may go (see DESIGN). */
static bool
reply_within_bound(const struct turn_req *r, int len)
{
	if (r->auth != NULL || len < 0 || (size_t)len <= turn_reply_bound(r->pkt))
		return true;
	r->srv->stats.drops[TURN_DROP_AMPLIFICATION]++;
	return false;
}

void
turn_reply_send(const struct turn_req *r, struct stun_builder *b, uint16_t code,
		uint16_t worker)
{
	const char *sw = r->srv->p.software;
	int len;

	/* SOFTWARE (4 + padded value) only if the response still fits with
	 * FINGERPRINT (8) after it; authenticated responses always have it. */
	if (sw != NULL && (r->auth != NULL ||
			   b->len + 4 + ((strlen(sw) + 3) & ~(size_t)3) + 8 <=
				   turn_reply_bound(r->pkt)))
		stun_build_attr(b, STUN_ATTR_SOFTWARE, sw, strlen(sw));
	if (r->auth != NULL)
		auth_response_sign(b, r->auth);
	stun_build_fingerprint(b);
	len = stun_build_finish(b);
	if (reply_within_bound(r, len))
		reply_emit(r, b->buf, len, code, worker);
}

void
turn_reply_error(const struct turn_req *r, uint16_t code, uint16_t worker)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	turn_reply_start_error(r, &b, buf, sizeof(buf), code);
	turn_reply_send(r, &b, code, worker);
}

/* 420 listing what we did not understand (RFC 8489 section 14.13). */
static void
reply_unknown(const struct turn_req *r)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	turn_reply_start_error(r, &b, buf, sizeof(buf), 420);
	stun_build_unknown(&b, r->msg.unknown, r->msg.n_unknown);
	turn_reply_send(r, &b, 420, r->pkt->worker);
}

/*
 * Take the FINGERPRINT off the end of a built response of @n bytes: the
 * header's length shrinks by the attribute's 8 bytes.  @return the new
 * length (@n if the last attribute is not FINGERPRINT).
 */
static int
reply_drop_fingerprint(uint8_t *buf, int n)
{
	const int fp = STUN_ATTR_HEADER_LEN + 4;
	uint16_t body;

	if (n < STUN_HEADER_LEN + fp ||
	    ((uint16_t)(buf[n - fp] << 8 | buf[n - fp + 1])) !=
		    STUN_ATTR_FINGERPRINT)
		return n;
	body = (uint16_t)(n - fp - STUN_HEADER_LEN);
	buf[2] = (uint8_t)(body >> 8);
	buf[3] = (uint8_t)body;
	return n - fp;
}

/*
 * The challenge, without SOFTWARE, FINGERPRINT or the reason phrase if
 * that is what makes it fit (see DESIGN).  At most
 * p.challenge_rate per source prefix and second over UDP: a flood of
 * spoofed requests gets no more challenges sent to a victim's network
 * than that, and spends no more of our time making nonces for it.  A
 * stream client's address is proven by its handshake: not limited.
 */
static void
reply_challenge(const struct turn_req *r, const struct auth_verdict *v)
{
	struct turn_server *srv = r->srv;
	const struct auth_config *cfg = srv->p.auth;
	struct auth_config lean;
	uint8_t buf[TURN_REPLY_MAX];
	int n;

	if (r->pkt->transport == TP_TRANSPORT_UDP &&
	    !tp_prefix_limit_allow(&srv->challenge_limit, &r->pkt->client.ip,
				   r->now_ms * 1000)) {
		srv->stats.drops[TURN_DROP_CHALLENGE_LIMITED]++;
		return;
	}
	n = auth_challenge_build(cfg, &r->msg, v, &r->pkt->client, r->now_unix,
				 buf, sizeof(buf));

	if (n > 0 && (size_t)n > turn_reply_bound(r->pkt) &&
	    cfg->software != NULL) {
		lean = *cfg;
		lean.software = NULL;
		n = auth_challenge_build(&lean, &r->msg, v, &r->pkt->client,
					 r->now_unix, buf, sizeof(buf));
	}
	if (n > 0 && (size_t)n > turn_reply_bound(r->pkt) && r->msg.fp_off == 0)
		n = reply_drop_fingerprint(buf, n);
	if (n > 0 && (size_t)n > turn_reply_bound(r->pkt)) {
		lean = *cfg;
		lean.software = NULL;
		lean.terse = true;
		n = auth_challenge_build(&lean, &r->msg, v, &r->pkt->client,
					 r->now_unix, buf, sizeof(buf));
		if (n > 0 && (size_t)n > turn_reply_bound(r->pkt) &&
		    r->msg.fp_off == 0)
			n = reply_drop_fingerprint(buf, n);
	}
	if (reply_within_bound(r, n))
		reply_emit(r, buf, n, v->error, r->pkt->worker);
}

/* 400 to a method we do not know: only if no larger than the request. */
static void
reply_unknown_method(const struct turn_req *r)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;
	int len;

	turn_reply_start_error(r, &b, buf, sizeof(buf), 400);
	stun_build_fingerprint(&b);
	len = stun_build_finish(&b);
	if (len > 0 && (size_t)len > r->pkt->len) {
		r->srv->stats.drops[TURN_DROP_AMPLIFICATION]++;
		return;
	}
	reply_emit(r, buf, len, 400, r->pkt->worker);
}

bool
turn_req_by_token(const struct turn_req *r)
{
	return r->auth != NULL && r->auth->mech == AUTH_MECH_OAUTH;
}

/* Whether @r is signed with the key @a now holds (RFC 7635's session key). */
static bool
req_has_session_key(const struct turn_req *r, const struct turn_alloc *a)
{
	const struct auth_verdict *v = r->auth;

	return v->key_len != 0 && v->key_len == a->session.key_len &&
	       CRYPTO_memcmp(v->key, a->session.key, v->key_len) == 0;
}

/* A Refresh that keeps the allocation (LIFETIME absent or not 0). */
static bool
req_is_renewal(const struct turn_req *r)
{
	uint32_t lt;

	if (r->msg.method != STUN_METHOD_REFRESH)
		return false;
	return stun_msg_get_u32(&r->msg, STUN_SLOT_LIFETIME, &lt) != 0 || lt != 0;
}

/*
 * RFC 8656 section 7: a request on an allocation must come from its user
 * (else 441).  A token names no user (its kid names the authorization
 * server's key), so what a token allocation belongs to is the session key
 * it was created with, the mac_key only its holder knows.  Two cases own
 * a token allocation:
 *
 *  - a request signed with that key, with or without ACCESS-TOKEN
 *    (RFC 7635 section 9.2: later requests may carry only the kid);
 *  - a Refresh that keeps the allocation and presents a new, valid token,
 *    signed with that token's key: how a client renews its authorization
 *    (RFC 7635 section 6.2 verifies a request with the key of the token it
 *    carries; coturn's uclient mints a token for every Refresh).  The
 *    handler then moves the session to the new key (turn_req_keep_token).
 *
 * Any other token, however valid, gets 441: it cannot add permissions or
 * channels, delete the allocation (Refresh with LIFETIME 0) or re-key it
 * through another method.  What remains open is the renewal itself: a
 * holder of another token who can send from the victim's 5-tuple and read
 * the nonce sent to it can renew in its place; nothing in RFC 7635 ties
 * the new token to the old one, and demanding a signature with the old key
 * would break every client that renews as the RFC describes.
 */
bool
turn_req_owns(const struct turn_req *r, const struct turn_alloc *a)
{
	if (a->by_token)
		return turn_req_by_token(r) &&
		       (req_has_session_key(r, a) ||
			(r->auth->new_token && req_is_renewal(r)));
	return !turn_req_by_token(r) &&
	       turn_alloc_user_is(a, r->user, r->user_len);
}

void
turn_req_keep_token(const struct turn_req *r, struct turn_alloc *a)
{
	const struct auth_verdict *v = r->auth;

	if (!a->by_token || v == NULL || !v->new_token || v->key_len == 0 ||
	    v->key_len > AUTH_KEY_MAX)
		return;
	memcpy(a->session.key, v->key, v->key_len);
	a->session.key_len = v->key_len;
	a->session.expires_at = v->expires_at;
}

struct turn_alloc *
turn_req_alloc(const struct turn_req *r)
{
	struct turn_server *srv = r->srv;
	struct turn_alloc *a;

	a = turn_alloc_table_find(&srv->table, &r->pkt->client, &r->pkt->local,
				  r->pkt->transport);
	if (a != NULL && a->expiry_ms <= r->now_ms) {
		/* Expired, the timer just has not run yet. */
		turn_alloc_delete(srv, a, r->now_ms, TURN_C_ALLOCS_EXPIRED);
		a = NULL;
	}
	if (a == NULL) {
		turn_reply_error(r, 437, r->pkt->worker);
		return NULL;
	}
	if (!turn_req_owns(r, a)) {
		turn_reply_error(r, 441, a->owner);
		return NULL;
	}
	turn_alloc_expire(a, r->now_ms, &srv->stats.c[TURN_C_PERMS_EXPIRED],
			  &srv->stats.c[TURN_C_CHANS_EXPIRED]);
	return a;
}

/* turnpike_auth_total's labels for verdict @v. */
static void
count_auth(struct turn_stats *st, const struct auth_verdict *v)
{
	enum turn_auth_mech mech = TURN_AUTH_UNKNOWN;
	enum turn_auth_result res;

	if (v->error == 0) {
		mech = v->mech == AUTH_MECH_REST  ? TURN_AUTH_REST :
		       v->mech == AUTH_MECH_OAUTH ? TURN_AUTH_OAUTH :
						    TURN_AUTH_LONG_TERM;
	} else if (v->reason == AUTH_REASON_OAUTH_UNKNOWN_KID ||
		   v->reason == AUTH_REASON_OAUTH_BAD_TOKEN ||
		   v->reason == AUTH_REASON_OAUTH_EXPIRED) {
		mech = TURN_AUTH_OAUTH;
	} else if (v->reason == AUTH_REASON_REST_EXPIRED) {
		mech = TURN_AUTH_REST;
	}
	res = v->error == 0   ? TURN_AUTH_OK :
	      v->error == 438 ? TURN_AUTH_438 :
	      v->error == 400 ? TURN_AUTH_400 :
				TURN_AUTH_401;
	st->auth_by[mech][res]++;
}

static void
dispatch(struct turn_req *r, enum turn_method m)
{
	switch (m) {
	case TURN_METHOD_BINDING:
		turn_binding_handle(r);
		break;
	case TURN_METHOD_ALLOCATE:
		turn_allocate_handle(r);
		break;
	case TURN_METHOD_REFRESH:
		turn_refresh_handle(r);
		break;
	case TURN_METHOD_CREATE_PERMISSION:
		turn_permission_handle(r);
		break;
	case TURN_METHOD_CHANNEL_BIND:
		turn_channel_handle(r);
		break;
	default: /* answered before authentication */
		break;
	}
}

void
turn_server_handle(struct turn_server *srv, const struct turn_packet *pkt,
		   uint64_t now_ms)
{
	struct turn_req r = { .srv = srv, .pkt = pkt, .now_ms = now_ms, .user = "" };
	struct auth_verdict v;
	struct turn_alloc *a;
	enum turn_method m;

	if (stun_msg_decode(&r.msg, pkt->data, pkt->len) != STUN_OK) {
		srv->stats.drops[TURN_DROP_UNDECODABLE]++;
		return;
	}
	if (r.msg.cls != STUN_CLASS_REQUEST) {
		srv->stats.drops[TURN_DROP_NOT_REQUEST]++;
		return;
	}
	if (r.msg.fp_off != 0 && !stun_msg_check_fingerprint(&r.msg)) {
		srv->stats.drops[TURN_DROP_BAD_FINGERPRINT]++;
		return;
	}
	m = method_index(r.msg.method);
	srv->stats.requests[m]++;
	if (m == TURN_METHOD_OTHER) {
		reply_unknown_method(&r);
		return;
	}
	if (m != TURN_METHOD_BINDING && pkt->len == STUN_HEADER_LEN &&
	    pkt->transport == TP_TRANSPORT_UDP) {
		srv->stats.drops[TURN_DROP_NO_ATTRIBUTES]++;
		return;
	}
	r.now_unix = srv->p.unix_time();
	if (m != TURN_METHOD_BINDING && srv->p.auth != NULL) {
		a = turn_alloc_table_find(&srv->table, &pkt->client,
					  &pkt->local, pkt->transport);
		auth_request_check_session(srv->p.auth, &r.msg, &pkt->client,
					   r.now_unix,
					   a != NULL && a->by_token ? &a->session :
								      NULL,
					   &v);
		if ((unsigned int)v.reason < AUTH_REASON__COUNT)
			srv->stats.auth[v.reason]++;
		count_auth(&srv->stats, &v);
		if (v.error != 0) {
			reply_challenge(&r, &v);
			auth_verdict_wipe(&v);
			return;
		}
		r.auth = &v;
		r.user = v.username;
		r.user_len = v.username_len;
	}
	if (r.msg.n_unknown > 0)
		reply_unknown(&r);
	else
		dispatch(&r, m);
	if (r.auth != NULL)
		auth_verdict_wipe(&v);
}
