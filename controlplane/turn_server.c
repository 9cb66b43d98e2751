/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TURN server's life cycle and the life of its allocations: create and
 * destroy, timers, deletion, usage records, shutdown, counters.  The
 * request path is turn_dispatch.c and one file per method.
 *
 * Runs on the control thread.  Owns the relay port queues (turn_ports.c),
 * the allocation records (turn_alloc_table.c) and the timer heap
 * (cp_timers.c), and ties them together: an allocation holds one relay
 * address, one worker slot and one timer, and all three are released in
 * turn_alloc_delete(), the one place an allocation ends.
 *
 * An ended allocation leaves a small record (who, which addresses, since
 * when) until its worker answers the DELETE with its final counters; only
 * then is the usage record complete and emitted.  The slot and the port
 * are free at once: the worker applies commands in ring order, so a later
 * install on the same slot cannot overtake the delete.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "turn_internal.h"
#include "turn_quota.h"
#include "turnpike/xlist.h"

/* Timer heap entries allocated up front; it grows beyond. */
#define TURN_TIMERS_PREALLOC (1u << 20)
/* Allocation ids start at random below this and count up: 10^17 more
 * allocations before an id needs a 19th digit. */
#define TURN_ID_START_MAX 900000000000000000ULL

static const char *const method_labels[] = { TURN_METHOD_LIST(TP_XLIST_TEXT) };

static const char *const reply_labels[] = {
#define TURN_X_LABEL(name, code, label) label,
	TURN_REPLY_LIST(TURN_X_LABEL)
#undef TURN_X_LABEL
};

static const uint16_t reply_codes[] = {
#define TURN_X_CODE(name, code, label) code,
	TURN_REPLY_LIST(TURN_X_CODE)
#undef TURN_X_CODE
};

static const char *const drop_labels[] = { TURN_DROP_LIST(TP_XLIST_TEXT) };

static const char *const counter_labels[] = { TURN_COUNTER_LIST(TP_XLIST_TEXT) };

const char *
turn_method_label(enum turn_method m)
{
	return TP_XLIST_LOOKUP(method_labels, m);
}

const char *
turn_reply_label(enum turn_reply r)
{
	return TP_XLIST_LOOKUP(reply_labels, r);
}

const char *
turn_drop_label(enum turn_drop d)
{
	return TP_XLIST_LOOKUP(drop_labels, d);
}

const char *
turn_counter_label(enum turn_counter c)
{
	return TP_XLIST_LOOKUP(counter_labels, c);
}

uint16_t
turn_reply_code(enum turn_reply r)
{
	return (unsigned int)r < TURN_REPLY__COUNT ? reply_codes[r] : 0;
}

static uint64_t
unix_time_default(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static bool
params_ok(const struct turn_params *p, const struct cp_sink *sink)
{
	if (p == NULL || sink == NULL || sink->cmd == NULL ||
	    sink->reply == NULL || p->n_workers == 0 ||
	    p->allocs_per_worker == 0 || p->n_relay_ips < 1 ||
	    p->n_relay_ips > TURN_MAX_RELAY_IPS)
		return false;
	if (p->auth != NULL && (p->auth->realm == NULL || p->auth->nonce == NULL))
		return false;
	if (p->n_alternates < 0 || p->n_alternates > TURN_MAX_ALTERNATES)
		return false;
	for (int i = 0; i < p->n_alternates; i++)
		if (tp_ip_len(p->alternates[i].ip.family) == 0)
			return false;
	return true;
}

/* Fill in RFC 8656's defaults for the lifetimes left at 0. */
static void
params_defaults(struct turn_params *p)
{
	if (p->max_lifetime_s == 0)
		p->max_lifetime_s = TURN_MAX_LIFETIME_S;
	if (p->default_lifetime_s == 0)
		p->default_lifetime_s = TURN_DEFAULT_LIFETIME_S;
	if (p->default_lifetime_s > p->max_lifetime_s)
		p->default_lifetime_s = p->max_lifetime_s;
	if (p->perm_lifetime_s == 0)
		p->perm_lifetime_s = TURN_PERM_LIFETIME_S;
	if (p->chan_lifetime_s == 0)
		p->chan_lifetime_s = TURN_CHAN_LIFETIME_S;
	if (p->unix_time == NULL)
		p->unix_time = unix_time_default;
	if (p->challenge_burst == 0)
		p->challenge_burst = p->challenge_rate;
	if (p->limit_v4_bits == 0)
		p->limit_v4_bits = TURN_LIMIT_V4_BITS;
	if (p->limit_v6_bits == 0)
		p->limit_v6_bits = TURN_LIMIT_V6_BITS;
}

struct turn_server *
turn_server_create(const struct turn_params *p, const struct cp_sink *sink)
{
	struct turn_server *srv;
	uint64_t capacity;

	if (!params_ok(p, sink))
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	srv->p = *p;
	srv->sink = *sink;
	params_defaults(&srv->p);
	srv->next_gen = 1;
	if (RAND_bytes((unsigned char *)&srv->next_id, sizeof(srv->next_id)) !=
	    1) {
		free(srv);
		return NULL;
	}
	srv->next_id %= TURN_ID_START_MAX;
	capacity = (uint64_t)p->n_workers * p->allocs_per_worker;
	if (capacity > UINT32_MAX)
		capacity = UINT32_MAX;
	srv->ports = turn_ports_create(p->n_workers, p->allocs_per_worker,
				       p->relay_ips, p->n_relay_ips,
				       p->min_port, p->max_port);
	srv->blocks_free = calloc(p->n_workers > 0 ? p->n_workers : 1,
				  sizeof(*srv->blocks_free));
	if (srv->blocks_free == NULL)
		goto fail;
	for (uint16_t i = 0; i < p->n_workers; i++)
		srv->blocks_free[i] = DP_PEER_BLOCKS(p->allocs_per_worker);
	/* The challenge buckets count microseconds (now_ms * 1000). */
	if (srv->ports == NULL ||
	    tp_prefix_limit_init(&srv->challenge_limit, srv->p.challenge_rate,
				 srv->p.challenge_burst, 1000000,
				 srv->p.limit_v4_bits, srv->p.limit_v6_bits) != 0 ||
	    turn_alloc_table_init(&srv->table, (uint32_t)capacity) != 0 ||
	    cp_timers_init(&srv->timers, capacity < TURN_TIMERS_PREALLOC ?
						 (uint32_t)capacity :
						 TURN_TIMERS_PREALLOC) != 0)
		goto fail;
	srv->policy = p->policy;
	if (srv->policy == NULL) {
		if (peer_policy_init(&srv->own_policy) != 0)
			goto fail;
		srv->own_policy_used = true;
		srv->policy = &srv->own_policy;
	}
	return srv;
fail:
	turn_server_destroy(srv);
	return NULL;
}

void
turn_server_destroy(struct turn_server *srv)
{
	if (srv == NULL)
		return;
	cp_timers_free(&srv->timers);
	turn_alloc_table_fini(&srv->table);
	turn_ports_destroy(srv->ports);
	if (srv->own_policy_used)
		peer_policy_free(&srv->own_policy);
	free(srv->blocks_free);
	free(srv);
}

static void
gauges_update(struct turn_server *srv)
{
	srv->stats.allocs_live = srv->table.n_allocs;
	srv->stats.allocs_ending = srv->table.n_ended;
	for (int i = 0; i < TP_TRANSPORT_COUNT; i++)
		srv->stats.allocs_by_transport[i] = srv->table.n_by_transport[i];
}

void
turn_server_reconfigure(struct turn_server *srv, const struct turn_params *p)
{
	srv->p.user_quota = p->user_quota;
	srv->p.kid_quota = p->kid_quota;
	srv->p.total_quota = p->total_quota;
	srv->p.max_bps = p->max_bps;
}

const struct turn_stats *
turn_server_stats(const struct turn_server *srv)
{
	return &srv->stats;
}

size_t
turn_server_alloc_count(const struct turn_server *srv)
{
	return (size_t)srv->table.n_allocs + srv->table.n_ended;
}

size_t
turn_server_alloc_visit(const struct turn_server *srv, size_t max,
			void (*fn)(void *arg, const struct turn_alloc *a),
			void *arg)
{
	size_t n = 0;

	for (const struct turn_alloc *a = srv->table.all; a != NULL && n < max;
	     a = a->next, n++)
		fn(arg, a);
	return n;
}

size_t
turn_server_quota_visit(const struct turn_server *srv,
			void (*fn)(void *arg, const char *key, size_t len,
				   uint32_t n_allocs),
			void *arg)
{
	size_t n = 0;

	for (uint32_t i = 0; srv->table.quotas != NULL && i <= srv->table.mask;
	     i++)
		for (const struct turn_user *u = srv->table.quotas[i];
		     u != NULL; u = u->next)
			if (u->n_allocs > 0) {
				fn(arg, u->name, u->len, u->n_allocs);
				n++;
			}
	return n;
}

uint32_t
turn_server_user_allocs(const struct turn_server *srv, const char *name,
			size_t len)
{
	const struct turn_user *u = turn_alloc_table_user(&srv->table, name, len);

	return u != NULL ? u->n_allocs : 0;
}

void
turn_server_cmd(struct turn_server *srv, uint16_t worker, const struct dp_cmd *cmd)
{
	srv->stats.c[TURN_C_COMMANDS]++;
	srv->sink.cmd(srv->sink.ctx, worker, cmd);
}

int
turn_lifetime(const struct turn_req *r, bool refresh, uint32_t *out_s)
{
	const struct turn_params *p = &r->srv->p;
	uint32_t asked, lt = p->default_lifetime_s;
	int rc = stun_msg_get_u32(&r->msg, STUN_SLOT_LIFETIME, &asked);

	if (rc == -EINVAL)
		return -EINVAL;
	if (rc == 0) {
		if (refresh && asked == 0) {
			*out_s = 0;
			return 0;
		}
		lt = asked < p->max_lifetime_s ? asked : p->max_lifetime_s;
		if (lt < p->default_lifetime_s)
			lt = p->default_lifetime_s;
	}
	if (r->auth != NULL && r->auth->mech == AUTH_MECH_OAUTH &&
	    r->auth->expires_at != 0) {
		uint64_t left = r->auth->expires_at > r->now_unix ?
					r->auth->expires_at - r->now_unix :
					1;

		if (left < lt)
			lt = (uint32_t)left;
	}
	*out_s = lt;
	return 0;
}

int
turn_alloc_schedule(struct turn_server *srv, struct turn_alloc *a)
{
	return cp_timers_arm(&srv->timers, &a->timer, turn_alloc_next_due(a));
}

void
turn_alloc_delete(struct turn_server *srv, struct turn_alloc *a,
		  uint64_t now_ms, enum turn_counter counter)
{
	struct dp_cmd cmd = { .type = DP_CMD_ALLOC_DEL };

	cmd.u.alloc.ref = a->ref;
	turn_server_cmd(srv, a->owner, &cmd);
	cp_timers_cancel(&srv->timers, &a->timer);
	turn_ports_put(srv->ports, &a->relay);
	if (a->relay2.ip.family != TP_AF_NONE)
		turn_ports_put(srv->ports, &a->relay2);
	turn_ports_slot_put(srv->ports, a->owner, a->ref.slot);
	turn_alloc_fleet_release(srv, a);
	srv->blocks_free[a->owner] += a->dp_blocks;
	a->dp_blocks = 0;
	if (turn_alloc_table_remove(&srv->table, a, now_ms, true) != 0)
		srv->stats.c[TURN_C_END_RECORD_LOST]++;
	srv->stats.c[counter]++;
	gauges_update(srv);
}

void
turn_alloc_fleet_release(struct turn_server *srv, const struct turn_alloc *a)
{
	struct turn_quota_keys qk;

	if (srv->p.fleet == NULL)
		return;
	for (unsigned int i = 0; i < TURN_ALLOC_QUOTAS; i++) {
		qk.len[i] = 0;
		if (a->quota[i] != NULL) {
			memcpy(qk.key[i], a->quota[i]->name, a->quota[i]->len);
			qk.key[i][a->quota[i]->len] = '\0';
			qk.len[i] = a->quota[i]->len;
		}
	}
	srv->p.fleet->counted(srv->p.fleet->ctx, &qk, false);
}

void
turn_alloc_created(struct turn_server *srv)
{
	srv->stats.c[TURN_C_ALLOCS_CREATED]++;
	gauges_update(srv);
}

static const char *
server_realm(const struct turn_server *srv)
{
	return srv->p.auth != NULL && srv->p.auth->realm != NULL ?
		       srv->p.auth->realm :
		       "";
}

void
turn_alloc_status(struct turn_server *srv, const struct turn_alloc *a,
		  enum turn_status_kind kind, uint32_t lifetime_s)
{
	struct turn_status ev = {
		.kind = kind,
		.id = a->id,
		.realm = server_realm(srv),
		.user = (const uint8_t *)a->user->name,
		.user_len = a->user->len,
		.transport = a->transport,
		.client = a->client,
		.local = a->local,
		.lifetime_s = lifetime_s,
	};

	if (srv->sink.status != NULL)
		srv->sink.status(srv->sink.ctx, &ev);
}

bool
turn_peer_allowed(struct turn_server *srv, const struct tp_ip *ip)
{
	enum peer_verdict v = peer_policy_check(srv->policy, ip);

	if (v == PEER_ALLOWED)
		return true;
	if ((unsigned int)v < PEER_VERDICT_COUNT)
		srv->stats.peers_refused[v]++;
	return false;
}

int
turn_alloc_reserve_blocks(struct turn_server *srv, struct turn_alloc *a,
			  uint32_t perms, uint32_t chans)
{
	uint32_t need = dp_peer_blocks_needed(perms, chans);

	if (need <= a->dp_blocks)
		return 0;
	if (need > UINT8_MAX || srv->blocks_free[a->owner] < need - a->dp_blocks) {
		srv->stats.c[TURN_C_PEER_BLOCKS_EXHAUSTED]++;
		return -ENOSPC;
	}
	srv->blocks_free[a->owner] -= need - a->dp_blocks;
	a->dp_blocks = (uint8_t)need;
	return 0;
}

void
turn_server_tick(struct turn_server *srv, uint64_t now_ms)
{
	struct cp_timer *t;

	while ((t = cp_timers_pop_due(&srv->timers, now_ms)) != NULL) {
		struct turn_alloc *a =
			(struct turn_alloc *)((char *)t -
					      offsetof(struct turn_alloc, timer));

		if (a->expiry_ms <= now_ms) {
			turn_alloc_delete(srv, a, now_ms, TURN_C_ALLOCS_EXPIRED);
			continue;
		}
		turn_alloc_expire(a, now_ms, &srv->stats.c[TURN_C_PERMS_EXPIRED],
				  &srv->stats.c[TURN_C_CHANS_EXPIRED]);
		/* The heap just lost this entry, so re-arming cannot fail;
		 * every deadline left is after now_ms, so the loop ends. */
		turn_alloc_schedule(srv, a);
	}
}

void
turn_server_alloc_ended(struct turn_server *srv, uint16_t worker,
			const struct dp_evt_alloc_end *ev)
{
	struct turn_ended *e;
	struct turn_usage u;

	e = turn_alloc_table_take_ended(&srv->table, worker, ev->ref.gen);
	if (e == NULL) {
		srv->stats.c[TURN_C_END_UNMATCHED]++;
		return;
	}
	memset(&u, 0, sizeof(u));
	memcpy(u.username, e->user->name, e->user->len);
	u.client = e->client;
	u.local = e->local;
	u.relay = e->relay;
	u.relay2 = e->relay2;
	u.transport = e->transport;
	u.realm = server_realm(srv);
	u.id = e->id;
	u.start_ms = e->start_ms;
	u.end_ms = e->end_ms;
	u.usage = ev->usage;
	turn_alloc_table_ended_free(&srv->table, e);
	srv->stats.c[TURN_C_USAGE_RECORDS]++;
	gauges_update(srv);
	if (srv->sink.usage != NULL)
		srv->sink.usage(srv->sink.ctx, &u);
}

void
turn_server_stream_closed(struct turn_server *srv, const struct tp_addr *client,
			  const struct tp_addr *local, uint8_t transport,
			  uint64_t now_ms)
{
	struct turn_alloc *a =
		turn_alloc_table_find(&srv->table, client, local, transport);

	if (a != NULL && transport != TP_TRANSPORT_UDP)
		turn_alloc_delete(srv, a, now_ms, TURN_C_ALLOCS_CONN_CLOSED);
}

bool
turn_alternate_pick(struct turn_server *srv, uint8_t family, struct tp_addr *out)
{
	/* The fleet's least loaded relay first, then the configured list. */
	if (srv->p.fleet != NULL &&
	    srv->p.fleet->redirect(srv->p.fleet->ctx, family, UINT64_MAX, true,
				   out))
		return true;
	unsigned int n = (unsigned int)srv->p.n_alternates;

	for (unsigned int k = 0; k < n; k++) {
		unsigned int i = (srv->next_alternate + k) % n;

		if (srv->p.alternates[i].ip.family == family) {
			*out = srv->p.alternates[i];
			srv->next_alternate = (i + 1) % n;
			return true;
		}
	}
	return false;
}

bool
turn_server_drain(struct turn_server *srv)
{
	bool started = !srv->draining;

	srv->draining = true;
	return started;
}

bool
turn_server_draining(const struct turn_server *srv)
{
	return srv->draining;
}

void
turn_server_shutdown(struct turn_server *srv, uint64_t now_ms)
{
	srv->shutting_down = true;
	while (srv->table.all != NULL)
		turn_alloc_delete(srv, srv->table.all, now_ms,
				  TURN_C_ALLOCS_SHUTDOWN);
}
