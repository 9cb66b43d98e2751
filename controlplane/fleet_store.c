/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pushed credentials in the fleet's Redis (see fleet_store.h and, for
 * the layout, fleet_creds.h).
 *
 * A change is one MULTI ... EXEC: the old value read (SET ... GET, or
 * HGETALL before the write), the new one written, and the announcement
 * PUBLISHed, so no relay can hear of a change that is not there, and the
 * answer (201 or 200, 204 or 404) says what Redis held.  Durability is
 * the Redis server's (appendonly yes, appendfsync always: README).
 *
 * Runs on the thread that owns the link.  Owns nothing past a call.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cp_log.h"
#include "fleet_creds.h"
#include "fleet_store.h"
#include "turnpike/base64.h"
#include "turnpike/oauth_token.h"

/* Most words in one command here. */
#define CMD_ARGS 12
/* Commands in one transaction, MULTI and EXEC included. */
#define TX_MAX 8
/* SCAN's COUNT hint and the reads pipelined per batch. */
#define SCAN_BATCH 500
/* Behind Sentinel, how long a change waits for a replica (under the
 * link's REDIS_LINK_CMD_TIMEOUT_MS). */
#define FLEET_STORE_WAIT_MS 400

struct cmd {
	const char *argv[CMD_ARGS];
	size_t len[CMD_ARGS];
	int argc;
};

static void
cmd_add(struct cmd *c, const void *s, size_t len)
{
	c->argv[c->argc] = s;
	c->len[c->argc++] = len;
}

static void
cmd_str(struct cmd *c, const char *s)
{
	cmd_add(c, s, strlen(s));
}

/* Queue @n commands in one MULTI/EXEC, read the EXEC's array.
 * @return the EXEC reply (caller frees) or NULL (link failed or aborted). */
static redisReply *
tx_run(struct redis_link *l, struct cmd *cmds, int n, uint64_t now_ms)
{
	redisReply *r[TX_MAX + 2];
	int total = n + 2;

	if (l->c == NULL)
		return NULL;
	redisAppendCommand(l->c, "MULTI");
	for (int i = 0; i < n; i++)
		redisAppendCommandArgv(l->c, cmds[i].argc, cmds[i].argv,
				       cmds[i].len);
	redisAppendCommand(l->c, "EXEC");
	if (redis_link_replies(l, now_ms, r, (size_t)total) != 0)
		return NULL;
	for (int i = 0; i < total - 1; i++)
		freeReplyObject(r[i]);
	if (r[total - 1]->type != REDIS_REPLY_ARRAY ||
	    r[total - 1]->elements != (size_t)n) {
		freeReplyObject(r[total - 1]);
		return NULL;
	}
	return r[total - 1];
}

/* A field of an HGETALL reply, or NULL. */
static const redisReply *
hash_field(const redisReply *h, const char *name)
{
	if (h == NULL || h->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (size_t i = 0; i + 1 < h->elements; i += 2)
		if (h->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(h->element[i]->str, name) == 0 &&
		    h->element[i + 1]->type == REDIS_REPLY_STRING)
			return h->element[i + 1];
	return NULL;
}

#define FIELD_ARGS(f) (f) != NULL ? (f)->str : NULL, (f) != NULL ? (f)->len : 0

static void
refused(const char *realm, const struct push_op *op, const char *why)
{
	char name[2 * PUSH_NAME_MAX + 8];

	cp_log(CP_LOG_WARN, "fleet.refused",
	       "realm=\"%s\" kind=%s name=\"%s\" reason=\"%s\"", realm,
	       push_kind_name(op->kind),
	       cp_log_escape(name, sizeof(name), op->name, op->name_len), why);
}

/* Decode a user from its two replies.  @return 1 found, 0 none, <0 bad. */
static int
user_from(const redisReply *md5, const redisReply *meta, struct push_value *v,
	  const char **why)
{
	if (md5 == NULL || md5->type == REDIS_REPLY_NIL)
		return 0;
	if (md5->type != REDIS_REPLY_STRING) {
		*why = "the key is not a string";
		return -EINVAL;
	}
	if (fleet_user_decode(md5->str, md5->len,
			      FIELD_ARGS(hash_field(meta, "sha256")),
			      FIELD_ARGS(hash_field(meta, "created")),
			      FIELD_ARGS(hash_field(meta, "expires")), v,
			      why) != 0)
		return -EINVAL;
	return 1;
}

static int
secret_from(const redisReply *r, struct push_value *v, const char **why)
{
	if (r == NULL || r->type == REDIS_REPLY_NIL)
		return 0;
	if (r->type != REDIS_REPLY_STRING) {
		*why = "the secret is not a string";
		return -EINVAL;
	}
	return fleet_secret_decode(r->str, r->len, v, why) == 0 ? 1 : -EINVAL;
}

static int
oauth_from(const char *kid, size_t kid_len, const redisReply *h,
	   struct push_value *v, const char **why)
{
	if (h == NULL || h->type != REDIS_REPLY_ARRAY || h->elements == 0)
		return 0;
	return fleet_oauth_decode(kid, kid_len,
				  FIELD_ARGS(hash_field(h, "ikm_key")),
				  FIELD_ARGS(hash_field(h, "as_rs_alg")), v,
				  why) == 0 ?
		       1 :
		       -EINVAL;
}

/* ---- writing ---- */

struct tx {
	struct cmd c[TX_MAX];
	int n;
	char k1[FLEET_KEY_MAX], k2[FLEET_KEY_MAX], msg[FLEET_MSG_MAX];
	char hex1[2 * AUTH_LT_KEY_SHA256_LEN + 1], hex2[2 * 32 + 1];
	char t1[24], t2[24], t3[24];
	char b64[BASE64_ENCODED_LEN(OAUTH_KEY_MAX) + 1];
};

static struct cmd *
tx_cmd(struct tx *t)
{
	struct cmd *c = &t->c[t->n++];

	c->argc = 0;
	return c;
}

/* The write of @v (a PUT, or an UNDO's put back). */
static void
tx_put(struct tx *t, const struct push_op *op, const struct push_value *v,
       const char *realm)
{
	struct cmd *c;

	switch (op->kind) {
	case PUSH_USER:
		fleet_hex(v->key_md5, sizeof(v->key_md5), t->hex2);
		c = tx_cmd(t);
		cmd_str(c, "SET");
		cmd_str(c, t->k1);
		cmd_str(c, t->hex2);
		cmd_str(c, "GET");
		c = tx_cmd(t);
		cmd_str(c, "DEL");
		cmd_str(c, t->k2);
		snprintf(t->t1, sizeof(t->t1), "%" PRId64, v->created);
		snprintf(t->t2, sizeof(t->t2), "%" PRId64, v->expires);
		c = tx_cmd(t);
		cmd_str(c, "HSET");
		cmd_str(c, t->k2);
		cmd_str(c, "created");
		cmd_str(c, t->t1);
		cmd_str(c, "expires");
		cmd_str(c, t->t2);
		if (v->has_sha256) {
			fleet_hex(v->key_sha256, sizeof(v->key_sha256), t->hex1);
			cmd_str(c, "sha256");
			cmd_str(c, t->hex1);
		}
		if (v->expires != 0) {
			snprintf(t->t3, sizeof(t->t3), "%" PRId64,
				 v->expires * 1000);
			c = tx_cmd(t);
			cmd_str(c, "PEXPIREAT");
			cmd_str(c, t->k1);
			cmd_str(c, t->t3);
			c = tx_cmd(t);
			cmd_str(c, "PEXPIREAT");
			cmd_str(c, t->k2);
			cmd_str(c, t->t3);
		}
		return;
	case PUSH_SECRET:
		c = tx_cmd(t);
		cmd_str(c, "SET");
		cmd_str(c, t->k1);
		cmd_add(c, v->secret, v->secret_len);
		cmd_str(c, "GET");
		return;
	case PUSH_OAUTH_KEY:
		c = tx_cmd(t);
		cmd_str(c, "HGETALL");
		cmd_str(c, t->k1);
		c = tx_cmd(t);
		cmd_str(c, "DEL");
		cmd_str(c, t->k1);
		base64_encode(v->oauth.key, v->oauth.key_len, t->b64,
			      sizeof(t->b64));
		snprintf(t->t1, sizeof(t->t1), "%" PRId64, v->created);
		c = tx_cmd(t);
		cmd_str(c, "HSET");
		cmd_str(c, t->k1);
		cmd_str(c, "ikm_key");
		cmd_str(c, t->b64);
		cmd_str(c, "as_rs_alg");
		cmd_str(c, oauth_alg_name(v->oauth.alg));
		cmd_str(c, "timestamp");
		cmd_str(c, t->t1);
		cmd_str(c, "lifetime");
		cmd_str(c, "0");
		cmd_str(c, "realm");
		cmd_str(c, realm);
		return;
	}
}

/* The removal; the first command reads what goes. */
static void
tx_del(struct tx *t, const struct push_op *op)
{
	struct cmd *c = tx_cmd(t);

	cmd_str(c, op->kind == PUSH_OAUTH_KEY ? "HGETALL" : "GET");
	cmd_str(c, t->k1);
	c = tx_cmd(t);
	cmd_str(c, "DEL");
	cmd_str(c, t->k1);
	if (op->kind == PUSH_USER)
		cmd_str(c, t->k2);
}

/* What the first reply of a PUT or DEL says was there before. */
static void
tx_prev(const char *realm, struct push_op *op, const redisReply *first)
{
	const char *why = NULL;
	int rc;

	if (op->kind == PUSH_USER) {
		/* Users need no old value: only whether there was one. */
		op->had_prev = first->type != REDIS_REPLY_NIL;
		return;
	}
	rc = op->kind == PUSH_SECRET ?
		     secret_from(first, &op->prev, &why) :
		     oauth_from(op->name, op->name_len, first, &op->prev, &why);
	/* Garbage replaced or removed: nothing we hold, so nothing to take
	 * out of the tables; but there was something. */
	if (rc < 0)
		refused(realm, op, why);
	op->had_prev = rc > 0;
}

static void
run_get(struct redis_link *l, const char *realm, struct push_op *op,
	int64_t now, uint64_t now_ms)
{
	int rc = fleet_store_read(l, realm, op, now, now_ms);

	if (rc == -EIO) {
		op->status = 503;
		snprintf(op->error, sizeof(op->error), "Redis is unreachable");
		return;
	}
	op->status = op->verb == PUSH_PUT ? 200 : 404;
	op->verb = PUSH_GET;
	/* GET answers facts, never keys. */
	OPENSSL_cleanse(op->value.key_md5, sizeof(op->value.key_md5));
	OPENSSL_cleanse(op->value.key_sha256, sizeof(op->value.key_sha256));
	OPENSSL_cleanse(op->value.secret, sizeof(op->value.secret));
	OPENSSL_cleanse(op->value.oauth.key, sizeof(op->value.oauth.key));
}

/*
 * Behind Sentinel, a change is acknowledged once a replica has it too
 * (WAIT): replication is asynchronous, and a failover promotes a replica.
 * A master that had no replica when we connected (after a failover, until
 * the old master comes back as one) is waited for by no one: its own
 * persistence is the guarantee, as for a Redis alone.  @return whether
 * the change may be acknowledged.
 */
static bool
replicated(struct redis_link *l, uint64_t now_ms)
{
	redisReply *w;
	bool ok;

	if (l->conf.n_sentinels == 0 || l->replicas == 0)
		return true;
	w = redis_link_cmd(l, now_ms, "WAIT 1 %d", FLEET_STORE_WAIT_MS);
	ok = w != NULL && w->type == REDIS_REPLY_INTEGER && w->integer >= 1;
	if (w != NULL)
		freeReplyObject(w);
	return ok;
}

void
fleet_store_run(struct redis_link *l, const char *realm, const char *origin,
		struct push_op *op, int64_t now, uint64_t now_ms)
{
	struct tx *t = calloc(1, sizeof(*t));
	redisReply *r;
	struct cmd *c;
	int mlen;

	if (t == NULL ||
	    fleet_key(t->k1, sizeof(t->k1), realm, op->kind, FLEET_KEY_MAIN,
		      op->name, op->name_len) < 0 ||
	    fleet_key(t->k2, sizeof(t->k2), realm, op->kind, FLEET_KEY_META,
		      op->name, op->name_len) < 0) {
		free(t);
		op->status = 400;
		snprintf(op->error, sizeof(op->error),
			 "the name is too long or holds a NUL");
		return;
	}
	if (op->verb == PUSH_GET) {
		free(t);
		run_get(l, realm, op, now, now_ms);
		return;
	}
	/* What the others cannot be told of must not be written. */
	mlen = fleet_msg_format(t->msg, sizeof(t->msg), origin, op->kind,
				op->name, op->name_len);
	if (mlen <= 0) {
		free(t);
		op->status = 400;
		snprintf(op->error, sizeof(op->error),
			 "the name cannot be announced (a tab in it)");
		return;
	}
	if (op->verb == PUSH_PUT)
		tx_put(t, op, &op->value, realm);
	else if (op->verb == PUSH_UNDO && op->had_prev)
		tx_put(t, op, &op->prev, realm);
	else
		tx_del(t, op);
	c = tx_cmd(t);
	cmd_str(c, "PUBLISH");
	cmd_str(c, FLEET_CHANNEL);
	cmd_add(c, t->msg, (size_t)mlen);
	r = tx_run(l, t->c, t->n, now_ms);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
	if (r == NULL) {
		op->status = 503;
		snprintf(op->error, sizeof(op->error),
			 "Redis is unreachable; nothing was changed");
		return;
	}
	if (op->verb != PUSH_UNDO && !replicated(l, now_ms)) {
		freeReplyObject(r);
		op->status = 503;
		snprintf(op->error, sizeof(op->error),
			 "written on the master, not yet on a replica: send it "
			 "again");
		return;
	}
	if (op->verb == PUSH_UNDO) {
		op->status = 200;
	} else {
		tx_prev(realm, op, r->element[0]);
		if (op->verb == PUSH_PUT)
			op->status = op->had_prev ? 200 : 201;
		else
			op->status = op->had_prev ? 204 : 404;
	}
	freeReplyObject(r);
}

/* ---- reading ---- */

int
fleet_store_read(struct redis_link *l, const char *realm, struct push_op *op,
		 int64_t now, uint64_t now_ms)
{
	char k1[FLEET_KEY_MAX], k2[FLEET_KEY_MAX];
	redisReply *r[2] = { NULL, NULL };
	const char *why = "";
	int rc, n = 1;

	op->verb = PUSH_DEL;
	if (fleet_key(k1, sizeof(k1), realm, op->kind, FLEET_KEY_MAIN, op->name,
		      op->name_len) < 0 ||
	    fleet_key(k2, sizeof(k2), realm, op->kind, FLEET_KEY_META, op->name,
		      op->name_len) < 0)
		return -EINVAL;
	if (l->c == NULL)
		return -EIO;
	if (op->kind == PUSH_OAUTH_KEY) {
		redisAppendCommand(l->c, "HGETALL %s", k1);
	} else {
		redisAppendCommand(l->c, "GET %s", k1);
		if (op->kind == PUSH_USER) {
			redisAppendCommand(l->c, "HGETALL %s", k2);
			n = 2;
		}
	}
	if (redis_link_replies(l, now_ms, r, (size_t)n) != 0)
		return -EIO;
	if (op->kind == PUSH_USER)
		rc = user_from(r[0], r[1], &op->value, &why);
	else if (op->kind == PUSH_SECRET)
		rc = secret_from(r[0], &op->value, &why);
	else
		rc = oauth_from(op->name, op->name_len, r[0], &op->value, &why);
	for (int i = 0; i < n; i++)
		freeReplyObject(r[i]);
	if (rc > 0 && op->kind == PUSH_USER && op->value.expires != 0 &&
	    op->value.expires <= now)
		rc = 0; /* Redis has not expired it yet; it is over */
	if (rc < 0) {
		refused(realm, op, why);
		push_op_wipe(op);
		op->verb = PUSH_DEL;
		return -EINVAL;
	}
	if (rc > 0)
		op->verb = PUSH_PUT;
	return 0;
}

int
fleet_store_scan(struct redis_link *l, const char *realm, enum push_kind kind,
		 int64_t now, uint64_t now_ms,
		 void (*fn)(void *arg, struct push_op *op), void *arg)
{
	char pattern[FLEET_KEY_MAX], cursor[32] = "0";
	int given = 0;

	if (fleet_key_pattern(pattern, sizeof(pattern), realm, kind) < 0)
		return -EINVAL;
	do {
		redisReply *r = redis_link_cmd(l, now_ms,
					       "SCAN %s MATCH %s COUNT %d",
					       cursor, pattern, SCAN_BATCH);
		const redisReply *keys;

		if (r == NULL)
			return -EIO;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[0]->len >= sizeof(cursor) ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			return -EIO;
		}
		memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
		keys = r->element[1];
		for (size_t i = 0; i < keys->elements; i++) {
			struct push_op op = { .kind = kind };
			const redisReply *k = keys->element[i];
			int n;

			if (k->type != REDIS_REPLY_STRING)
				continue;
			n = fleet_key_name(k->str, k->len, realm, kind, op.name,
					   sizeof(op.name));
			if (n <= 0)
				continue;
			op.name_len = (size_t)n;
			n = fleet_store_read(l, realm, &op, now, now_ms);
			if (n == -EIO) {
				freeReplyObject(r);
				return -EIO;
			}
			if (n == 0 && op.verb == PUSH_PUT) {
				fn(arg, &op);
				given++;
			}
			push_op_wipe(&op);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return given;
}
