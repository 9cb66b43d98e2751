/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pushed changes into the credential tables (see push_apply.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp_log.h"
#include "push_apply.h"

void
push_apply_init(struct push_apply *a, struct cp_objects *obj,
		const struct turn_server *srv)
{
	memset(a, 0, sizeof(*a));
	a->obj = obj;
	a->srv = srv;
}

void
push_apply_fini(struct push_apply *a)
{
	for (size_t i = 0; i < a->n_heap; i++)
		free(a->heap[i].name);
	free(a->heap);
	a->heap = NULL;
	a->n_heap = a->cap_heap = 0;
}

/* ---- the expiry heap ---- */

static void
heap_swap(struct push_expiry *h, size_t i, size_t j)
{
	struct push_expiry t = h[i];

	h[i] = h[j];
	h[j] = t;
}

static int
heap_push(struct push_apply *a, const char *name, uint64_t expires_ms)
{
	size_t i;

	if (a->n_heap == a->cap_heap) {
		size_t cap = a->cap_heap == 0 ? 64 : a->cap_heap * 2;
		struct push_expiry *h = realloc(a->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		a->heap = h;
		a->cap_heap = cap;
	}
	a->heap[a->n_heap].name = strdup(name);
	if (a->heap[a->n_heap].name == NULL)
		return -ENOMEM;
	a->heap[a->n_heap].expires_ms = expires_ms;
	for (i = a->n_heap++; i > 0; i = (i - 1) / 2) {
		if (a->heap[(i - 1) / 2].expires_ms <= a->heap[i].expires_ms)
			break;
		heap_swap(a->heap, i, (i - 1) / 2);
	}
	return 0;
}

static void
heap_pop(struct push_apply *a)
{
	size_t i = 0;

	free(a->heap[0].name);
	a->heap[0] = a->heap[--a->n_heap];
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < a->n_heap && a->heap[l].expires_ms < a->heap[m].expires_ms)
			m = l;
		if (l + 1 < a->n_heap &&
		    a->heap[l + 1].expires_ms < a->heap[m].expires_ms)
			m = l + 1;
		if (m == i)
			break;
		heap_swap(a->heap, i, m);
		i = m;
	}
}

void
push_apply_expire(struct push_apply *a, uint64_t now_ms)
{
	a->now_ms = now_ms;
	while (a->n_heap > 0 && a->heap[0].expires_ms <= now_ms) {
		const char *name = a->heap[0].name;
		size_t len = strlen(name);
		const struct auth_user *u =
			auth_user_db_find(&a->obj->users, name, len);

		/* Only if this entry is still the user's end. */
		if (u != NULL && u->expires_ms == a->heap[0].expires_ms) {
			auth_user_db_remove(&a->obj->users, name, len);
			a->expired++;
			cp_log(CP_LOG_DEBUG, "push.user_expired",
			       "users=%" PRIu32, a->obj->users.n_users);
		}
		heap_pop(a);
	}
}

/* ---- applying ---- */

static int
refuse(struct push_op *op, int status, const char *msg)
{
	op->status = status;
	snprintf(op->error, sizeof(op->error), "%s", msg);
	return -1;
}

/* Whether the configuration turned on what @p op needs. */
static int
mechanism_on(struct push_apply *a, struct push_op *op)
{
	const struct auth_config *auth = &a->obj->auth;

	if (a->obj->params.auth == NULL)
		return refuse(op, 409, "authentication is off on this server");
	switch (op->kind) {
	case PUSH_USER:
		return auth->users != NULL ?
			       0 :
			       refuse(op, 409, "lt-cred-mech is not enabled");
	case PUSH_SECRET:
		return auth->rest != NULL ?
			       0 :
			       refuse(op, 409, "use-auth-secret is not enabled");
	case PUSH_OAUTH_KEY:
		return auth->oauth != NULL ?
			       0 :
			       refuse(op, 409, "oauth is not enabled");
	}
	return refuse(op, 400, "unknown kind");
}

static int
apply_user(struct push_apply *a, struct push_op *op, int64_t wall_now)
{
	struct auth_user_db *db = &a->obj->users;
	const struct push_value *v = &op->value;
	uint64_t expires_ms = 0;
	int rc;

	if (op->verb == PUSH_DEL) {
		/* Gone already (user-del on the admin socket): still gone. */
		auth_user_db_remove(db, op->name, op->name_len);
		return 0;
	}
	if (v->expires != 0) {
		int64_t left_s = v->expires - wall_now;

		expires_ms =
			a->now_ms + (uint64_t)(left_s > 0 ? left_s : 0) * 1000;
		if (expires_ms == 0)
			expires_ms = 1;
	}
	rc = auth_user_db_put_keys(db, op->name, op->name_len, v->key_md5,
				   v->has_sha256 ? v->key_sha256 : NULL,
				   expires_ms);
	if (rc == 0 && expires_ms != 0)
		rc = heap_push(a, op->name, expires_ms);
	if (rc != 0) {
		/* No heap entry would end it: take it out again. */
		auth_user_db_remove(db, op->name, op->name_len);
		return refuse(op, 503, "no memory for the user");
	}
	return 0;
}

/* Put @p secret into force, marked pushed (a reload keeps it). */
static int
secret_add(struct auth_rest_ring *ring, const struct push_value *v)
{
	int rc = auth_rest_ring_add(ring, v->secret, v->secret_len);

	return rc == 0 ? auth_rest_ring_mark_pushed(ring, v->secret,
						    v->secret_len) :
			 rc;
}

static int
apply_secret(struct push_apply *a, struct push_op *op)
{
	struct auth_rest_ring *ring = &a->obj->rest;
	int rc = 0;

	/* The old bytes of this id (a DEL's, or what a PUT replaces) go
	 * first.  No other holder has them: a PUT of bytes already in force
	 * (the file's, or another id's) is refused below, so that a DELETE
	 * never takes someone else's secret away. */
	if (op->had_prev)
		auth_rest_ring_remove(ring, op->prev.secret, op->prev.secret_len);
	if (op->verb == PUSH_PUT)
		rc = secret_add(ring, &op->value);
	if (rc == 0)
		return 0;
	if (op->had_prev) /* put the old one back */
		secret_add(ring, &op->prev);
	return rc == -ENOSPC ? refuse(op, 409,
				      "too many secrets (at most 8 "
				      "in force)") :
	       rc == -EEXIST ? refuse(op, 409,
				      "this secret is already in force "
				      "(in the file, or under another "
				      "id)") :
			       refuse(op, 400, "the secret is refused");
}

static int
apply_oauth(struct push_apply *a, struct push_op *op)
{
	struct auth_oauth_keyring *ring = &a->obj->oauth;
	int rc;

	auth_oauth_keyring_remove(ring, op->name, op->name_len);
	if (op->verb == PUSH_DEL)
		return 0;
	op->value.oauth.pushed = true; /* a reload keeps it */
	rc = auth_oauth_keyring_add(ring, &op->value.oauth);
	if (rc == 0)
		return 0;
	if (op->had_prev)
		auth_oauth_keyring_add(ring, &op->prev.oauth);
	return rc == -ENOSPC ?
		       refuse(op, 409, "too many OAuth keys (at most 16)") :
		       refuse(op, 400, "the key is refused");
}

void
push_apply_op(void *arg, struct push_op *op)
{
	struct push_apply *a = arg;
	int64_t wall_now = (int64_t)time(NULL);
	int rc;

	if (mechanism_on(a, op) != 0) {
		a->rejected++;
		return;
	}
	switch (op->kind) {
	case PUSH_USER:
		rc = apply_user(a, op, wall_now);
		break;
	case PUSH_SECRET:
		rc = apply_secret(a, op);
		break;
	case PUSH_OAUTH_KEY:
		rc = apply_oauth(a, op);
		break;
	default:
		rc = refuse(op, 400, "unknown kind");
	}
	if (rc != 0) {
		a->rejected++;
		return;
	}
	a->applied++;
}

void
push_apply_loaded(void *arg, const struct push_op *loaded)
{
	struct push_apply *a = arg;
	struct push_op op = *loaded;

	op.status = 201;
	push_apply_op(a, &op);
	if (op.status >= 400)
		cp_log(CP_LOG_WARN, "push.load",
		       "kind=%s result=error reason=\"%s\"",
		       push_kind_name(op.kind), op.error);
	push_op_wipe(&op);
}
