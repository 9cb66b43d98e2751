/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's side of the fleet (see cp_fleet.h for the design).
 *
 * A waiting Allocate, step by step (a quota of 2 for alice, one relay):
 *
 *   1. turn_allocate asks quota(): no wait entry for (client, tid) yet:
 *      one is made, ticket 7, ACQUIRE {u:alice limit 2, total count} is
 *      queued to the fleet thread, PENDING: nothing is sent.
 *   2. The client retransmits: the entry exists, unanswered: PENDING.
 *   3. The fleet thread's script counts alice's live allocations on
 *      every relay (1), counts this one, answers ticket 7 GRANTED.
 *   4. cp_fleet_poll() marks the entry answered and hands the kept copy
 *      of the request to turn_server_handle(): quota() finds the answer,
 *      consumes it: GRANTED, the allocation is made, 200 goes out.
 *   5. Had the server not asked again (the client's allocation appeared
 *      meanwhile on another request), the unconsumed grant is released.
 *
 * Runs on the control thread.  Owns the wait table and the peers' loads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cp_fleet.h"
#include "cp_log.h"
#include "turn_quota.h"

/* The quota key every allocation counts in, for total-quota.  Person and
 * kid keys carry a "x:" prefix (turn_quota.c), so none can be "total". */
#define TOTAL_KEY "total"

/* ---- the keys of one allocation ---- */

/* Fill @q's keys from @qk, with their limits when @p p is given (an
 * ACQUIRE) or none (HOLD, RELEASE).  @return the index of "total". */
static int
keys_fill(struct fleet_req *q, const struct turn_quota_keys *qk,
	  const struct turn_params *p)
{
	static const enum turn_quota_group groups[] = { TURN_QUOTA_PERSON,
							TURN_QUOTA_KID };

	q->n_keys = 0;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		enum turn_quota_group g = groups[i];

		if (qk->len[g] == 0)
			continue;
		memcpy(q->key[q->n_keys], qk->key[g], qk->len[g]);
		q->key[q->n_keys][qk->len[g]] = '\0';
		q->limit[q->n_keys] = p == NULL              ? 0 :
				      g == TURN_QUOTA_PERSON ? p->user_quota :
							       p->kid_quota;
		q->n_keys++;
	}
	snprintf(q->key[q->n_keys], sizeof(q->key[0]), "%s", TOTAL_KEY);
	q->limit[q->n_keys] = p == NULL ? 0 : p->total_quota;
	return q->n_keys++;
}

static bool
keys_limited(const struct fleet_req *q)
{
	for (unsigned int i = 0; i < q->n_keys; i++)
		if (q->limit[i] != 0)
			return true;
	return false;
}

static struct fleet_req *
req_new(enum fleet_req_kind kind)
{
	struct fleet_req *q = calloc(1, sizeof(*q));

	if (q != NULL)
		q->kind = kind;
	return q;
}

/* ---- the wait table ---- */

static struct cp_fleet_wait *
wait_find(struct cp_fleet *cf, const struct turn_packet *pkt, const uint8_t *tid)
{
	for (unsigned int i = 0; i < CP_FLEET_PENDING_MAX; i++) {
		struct cp_fleet_wait *w = &cf->wait[i];

		if (w->used && memcmp(w->tid, tid, sizeof(w->tid)) == 0 &&
		    w->pkt.transport == pkt->transport &&
		    w->pkt.conn == pkt->conn &&
		    tp_addr_equal(&w->pkt.client, &pkt->client))
			return w;
	}
	return NULL;
}

static struct cp_fleet_wait *
wait_by_ticket(struct cp_fleet *cf, uint32_t ticket)
{
	for (unsigned int i = 0; i < CP_FLEET_PENDING_MAX; i++)
		if (cf->wait[i].used && cf->wait[i].ticket == ticket)
			return &cf->wait[i];
	return NULL;
}

static void
wait_free(struct cp_fleet *cf, struct cp_fleet_wait *w)
{
	w->used = false;
	cf->n_wait--;
}

/* A grant nobody used: the fleet stops counting it. */
static void
release_keys(struct cp_fleet *cf, const struct cp_fleet_wait *w)
{
	struct fleet_req *q = req_new(FLEET_REQ_RELEASE);

	if (q == NULL)
		return;
	q->n_keys = w->n_keys;
	memcpy(q->key, w->key, sizeof(q->key));
	fleet_submit(cf->fleet, q);
}

/* ---- turn_fleet_ops ---- */

static enum turn_fleet_quota
verdict_of(const struct cp_fleet_wait *w)
{
	switch (w->verdict) {
	case FLEET_GRANTED:
		return TURN_FLEET_GRANTED;
	case FLEET_DENIED:
		return w->deny_key == w->total_key ? TURN_FLEET_DENIED_ALL :
						     TURN_FLEET_DENIED;
	default:
		return TURN_FLEET_LOCAL;
	}
}

/* Ask, or tell what was answered.  See the walk-through above. */
static enum turn_fleet_quota
fleet_quota(void *ctx, const struct turn_params *p,
	    const struct turn_packet *pkt, const uint8_t *tid,
	    const struct turn_quota_keys *qk, uint64_t now_ms)
{
	struct cp_fleet *cf = ctx;
	struct cp_fleet_wait *w = wait_find(cf, pkt, tid);
	struct fleet_req *q;
	int total;

	if (w != NULL) {
		if (!w->answered)
			return TURN_FLEET_PENDING;
		w->consumed = true;
		return verdict_of(w);
	}
	q = req_new(FLEET_REQ_ACQUIRE);
	if (q == NULL)
		return TURN_FLEET_LOCAL;
	total = keys_fill(q, qk, p);
	if (!keys_limited(q) || !cp_fleet_up(cf) ||
	    cf->n_wait == CP_FLEET_PENDING_MAX || pkt->len > sizeof(w->data)) {
		if (keys_limited(q))
			cf->stats.local++;
		free(q);
		return TURN_FLEET_LOCAL;
	}
	for (unsigned int i = 0; w == NULL; i++)
		if (!cf->wait[i].used)
			w = &cf->wait[i];
	*w = (struct cp_fleet_wait){
		.used = true,
		.ticket = ++cf->next_ticket,
		.total_key = (int8_t)total,
		.n_keys = q->n_keys,
		.pkt = *pkt,
		.deadline_ms = now_ms + CP_FLEET_WAIT_MS,
	};
	memcpy(w->key, q->key, sizeof(w->key));
	memcpy(w->tid, tid, sizeof(w->tid));
	memcpy(w->data, pkt->data, pkt->len);
	w->pkt.data = w->data;
	cf->n_wait++;
	cf->stats.asked++;
	q->ticket = w->ticket;
	fleet_submit(cf->fleet, q);
	return TURN_FLEET_PENDING;
}

static void
fleet_counted(void *ctx, const struct turn_quota_keys *qk, bool hold)
{
	struct cp_fleet *cf = ctx;
	struct fleet_req *q = req_new(hold ? FLEET_REQ_HOLD : FLEET_REQ_RELEASE);

	if (q == NULL)
		return; /* the next reconcile puts the count right */
	keys_fill(q, qk, NULL);
	fleet_submit(cf->fleet, q);
}

static bool
fleet_redirect(void *ctx, uint8_t family, uint64_t allocations, bool draining,
	       struct tp_addr *out)
{
	struct cp_fleet *cf = ctx;
	const struct fleet_load *best = NULL;

	if (!draining &&
	    (cf->shed_allocations == 0 || allocations < cf->shed_allocations))
		return false;
	for (unsigned int i = 0; i < cf->n_peers; i++) {
		const struct fleet_load *l = &cf->peers[i];
		const struct tp_addr *a = family == TP_AF_INET6 ? &l->addr6 :
								  &l->addr4;

		if (l->draining || a->port == 0 ||
		    (cf->shed_allocations != 0 &&
		     l->allocations >= cf->shed_allocations))
			continue;
		if (best == NULL || l->allocations < best->allocations)
			best = l;
	}
	if (best == NULL)
		return false;
	*out = family == TP_AF_INET6 ? best->addr6 : best->addr4;
	cf->stats.redirected++;
	return true;
}

void
cp_fleet_init(struct cp_fleet *cf, struct fleet *fleet,
	      struct push_apply *apply, uint64_t shed_allocations)
{
	memset(cf, 0, sizeof(*cf));
	cf->fleet = fleet;
	cf->apply = apply;
	cf->shed_allocations = shed_allocations;
	cf->ops = (struct turn_fleet_ops){
		.ctx = cf,
		.quota = fleet_quota,
		.counted = fleet_counted,
		.redirect = fleet_redirect,
	};
}

bool
cp_fleet_up(const struct cp_fleet *cf)
{
	return atomic_load(&cf->fleet->c.redis_up);
}

/* ---- the fleet's answers ---- */

/* The request waited for @a: it goes through the server again. */
static void
on_quota(struct cp_fleet *cf, const struct fleet_ans *a, uint64_t now_ms)
{
	struct cp_fleet_wait *w = wait_by_ticket(cf, a->ticket);

	if (w == NULL) {
		/* Waited too long and forgotten: a grant counts nothing. */
		if (a->verdict == FLEET_GRANTED)
			cp_log(CP_LOG_DEBUG, "fleet.late_grant",
			       "ticket=%" PRIu32, a->ticket);
		return;
	}
	w->answered = true;
	w->verdict = a->verdict;
	w->deny_key = a->deny_key;
	if (cf->srv != NULL)
		turn_server_handle(cf->srv, &w->pkt, now_ms);
	if (w->verdict == FLEET_GRANTED && !w->consumed)
		release_keys(cf, w);
	OPENSSL_cleanse(w->data, w->pkt.len);
	wait_free(cf, w);
}

static void
count_one(void *arg, const char *key, size_t len, uint32_t n_allocs)
{
	struct cp_fleet *cf = arg;
	struct fleet_req *q = req_new(FLEET_REQ_COUNT);

	if (q == NULL || len > TURN_QUOTA_KEY_MAX) {
		free(q);
		return;
	}
	q->n_keys = 1;
	memcpy(q->key[0], key, len);
	q->key[0][len] = '\0';
	q->count = n_allocs;
	fleet_submit(cf->fleet, q);
}

/* A reconcile: our true counts under the new instance id, then the lease
 * that makes them count. */
static void
on_snapshot(struct cp_fleet *cf)
{
	struct fleet_req *q;
	size_t n = 0;

	if (cf->srv != NULL) {
		n = turn_server_quota_visit(cf->srv, count_one, cf);
		count_one(cf, TOTAL_KEY, strlen(TOTAL_KEY),
			  (uint32_t)turn_server_stats(cf->srv)->allocs_live);
	}
	q = req_new(FLEET_REQ_SNAPSHOT);
	if (q != NULL)
		fleet_submit(cf->fleet, q);
	cp_log(CP_LOG_INFO, "fleet.reconcile",
	       "quota_keys=%zu allocations=%" PRIu64, n,
	       cf->srv != NULL ? turn_server_stats(cf->srv)->allocs_live : 0);
}

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/* After a full read: pushed users Redis no longer has were deleted while
 * we could not hear; the users of the configuration file stay. */
static void
on_names(struct cp_fleet *cf, const struct fleet_ans *a)
{
	struct auth_user_db *db;
	uint32_t removed = 0;

	if (cf->apply == NULL)
		return;
	db = &cf->apply->obj->users;
	/* Backwards: a removal moves the last user into the hole, which
	 * this walk has seen already. */
	for (uint32_t i = db->n_users; i-- > 0;) {
		const struct auth_user *u = &db->users[i];

		if (!u->pushed || bsearch(u->name, a->names, a->n_names,
					  sizeof(a->names[0]), name_cmp) != NULL)
			continue;
		cp_log(CP_LOG_INFO, "fleet.user_gone", "name=%s", u->name);
		if (auth_user_db_remove(db, u->name, u->name_len) == 0)
			removed++;
	}
	cf->stats.removed += removed;
}

static void
on_change(struct cp_fleet *cf, struct fleet_ans *a)
{
	if (cf->apply == NULL || a->op == NULL)
		return;
	a->op->status = 200;
	push_apply_op(cf->apply, a->op);
	if (a->op->status >= 400)
		cp_log(CP_LOG_WARN, "fleet.change",
		       "kind=%s name=%s result=error reason=\"%s\"",
		       push_kind_name(a->op->kind), a->op->name, a->op->error);
	else
		cf->stats.changes++;
}

void
cp_fleet_poll(struct cp_fleet *cf, uint64_t now_ms)
{
	struct fleet_ans *a, *next;

	if (cf->srv != NULL) {
		struct fleet_load l = {
			.allocations = turn_server_stats(cf->srv)->allocs_live,
			.relayed_pps = cf->relayed_pps,
			.busiest_worker_pps = cf->busiest_worker_pps,
			.draining = turn_server_draining(cf->srv),
		};

		fleet_set_load(cf->fleet, &l);
	}
	for (a = fleet_take(cf->fleet); a != NULL; a = next) {
		next = a->next;
		switch (a->kind) {
		case FLEET_ANS_QUOTA:
			on_quota(cf, a, now_ms);
			break;
		case FLEET_ANS_CHANGE:
			on_change(cf, a);
			break;
		case FLEET_ANS_SNAPSHOT:
			on_snapshot(cf);
			break;
		case FLEET_ANS_NAMES:
			on_names(cf, a);
			break;
		case FLEET_ANS_PEERS:
			memcpy(cf->peers, a->peers,
			       a->n_peers * sizeof(a->peers[0]));
			cf->n_peers = a->n_peers;
			break;
		}
		fleet_ans_free(a);
	}
	for (unsigned int i = 0; cf->n_wait > 0 && i < CP_FLEET_PENDING_MAX; i++) {
		struct cp_fleet_wait *w = &cf->wait[i];

		if (w->used && now_ms >= w->deadline_ms) {
			cf->stats.expired++;
			OPENSSL_cleanse(w->data, w->pkt.len);
			wait_free(cf, w);
		}
	}
}

/* ---- the admin socket's users ---- */

int
cp_fleet_share_user(struct cp_fleet *cf, const struct auth_user *u,
		    const char *name, int64_t expires)
{
	struct fleet_req *q;
	struct push_op *op;
	size_t len = strlen(name);

	if (!cp_fleet_up(cf))
		return -EAGAIN;
	if (len > PUSH_NAME_MAX)
		return -EINVAL;
	q = req_new(FLEET_REQ_WRITE);
	op = calloc(1, sizeof(*op));
	if (q == NULL || op == NULL) {
		free(q);
		free(op);
		return -ENOMEM;
	}
	op->kind = PUSH_USER;
	op->verb = u != NULL ? PUSH_PUT : PUSH_DEL;
	memcpy(op->name, name, len);
	op->name_len = len;
	if (u != NULL) {
		memcpy(op->value.key_md5, u->key_md5, sizeof(u->key_md5));
		memcpy(op->value.key_sha256, u->key_sha256,
		       sizeof(u->key_sha256));
		op->value.has_sha256 = u->has_sha256;
		op->value.expires = expires;
		op->value.created = (int64_t)time(NULL);
	}
	q->op = op;
	fleet_submit(cf->fleet, q);
	return 0;
}

void
cp_fleet_snapshot(const struct cp_fleet *cf, struct cp_snapshot_fleet *out)
{
	const struct fleet_counters *c = &cf->fleet->c;

	*out = (struct cp_snapshot_fleet){
		.member = true,
		.redis_up = atomic_load(&c->redis_up),
		.peers = cf->n_peers,
		.quota_granted = atomic_load(&c->acquired),
		.quota_denied = atomic_load(&c->denied),
		.quota_local = cf->stats.local + atomic_load(&c->unavailable),
		.refused = atomic_load(&c->refused),
		.reconciles = atomic_load(&c->reconciles),
	};
}

void
cp_fleet_traffic(struct cp_fleet *cf, uint64_t relayed_pps,
		 uint64_t busiest_worker_pps)
{
	cf->relayed_pps = relayed_pps;
	cf->busiest_worker_pps = busiest_worker_pps;
}

int
cp_fleet_admin_stats(const struct cp_fleet *cf, char *buf, size_t cap)
{
	const struct fleet_counters *c = &cf->fleet->c;

	size_t len;
	int n = snprintf(buf, cap,
			 "fleet.redis_up=%d\n"
			 "fleet.quota_acquired=%" PRIu64 "\n"
			 "fleet.quota_denied=%" PRIu64 "\n"
			 "fleet.quota_unavailable=%" PRIu64 "\n"
			 "fleet.quota_local=%" PRIu64 "\n"
			 "fleet.quota_expired=%" PRIu64 "\n"
			 "fleet.released=%" PRIu64 "\n"
			 "fleet.redirected=%" PRIu64 "\n"
			 "fleet.peers=%u\n"
			 "fleet.invalidations=%" PRIu64 "\n"
			 "fleet.changes_applied=%" PRIu64 "\n"
			 "fleet.users_removed=%" PRIu64 "\n"
			 "fleet.refused=%" PRIu64 "\n"
			 "fleet.reconciles=%" PRIu64 "\n"
			 "fleet.pushes=%" PRIu64 "\n"
			 "fleet.push_failed=%" PRIu64 "\n"
			 "fleet.relayed_pps=%" PRIu64 "\n"
			 "fleet.busiest_worker_pps=%" PRIu64 "\n",
			 (int)atomic_load(&c->redis_up),
			 atomic_load(&c->acquired), atomic_load(&c->denied),
			 atomic_load(&c->unavailable), cf->stats.local,
			 cf->stats.expired, atomic_load(&c->released),
			 cf->stats.redirected, cf->n_peers,
			 atomic_load(&c->changes_in), cf->stats.changes,
			 cf->stats.removed, atomic_load(&c->refused),
			 atomic_load(&c->reconciles), atomic_load(&c->pushes),
			 atomic_load(&c->push_failed), cf->relayed_pps,
			 cf->busiest_worker_pps);
	if (n < 0)
		return n;
	len = (size_t)n;
	/* Each live peer's load as it published it. */
	for (unsigned int i = 0; i < cf->n_peers; i++) {
		const struct fleet_load *l = &cf->peers[i];

		n = snprintf(buf + (len < cap ? len : cap),
			     len < cap ? cap - len : 0,
			     "fleet.peer.%s=allocations=%" PRIu64
			     " relayed_pps=%" PRIu64
			     " busiest_worker_pps=%" PRIu64 " draining=%d\n",
			     l->id, l->allocations, l->relayed_pps,
			     l->busiest_worker_pps, l->draining ? 1 : 0);
		if (n < 0)
			return n;
		len += (size_t)n;
	}
	return len > INT32_MAX ? -1 : (int)len;
}
