/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The push API's durable store on SQLite (see push_store.h).
 *
 * One table, `pushed`, a row per item, keyed by (kind, name):
 *
 *   kind     enum push_kind
 *   name     user name, secret id or kid
 *   realm    users: the realm their keys were derived with
 *   a        users: the MD5 key; secrets: the secret; OAuth: the key
 *   b        users: the SHA-256 key, or NULL
 *   alg      OAuth: enum oauth_alg
 *   expires  users: Unix seconds, 0 = never
 *   created  Unix seconds
 *
 * PRAGMA user_version says the layout (1); a database of another version
 * is refused rather than guessed at.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "cp_log.h"
#include "push_store.h"

#define STORE_FILE "push.db"
#define STORE_VERSION 1

enum store_stmt {
	ST_SELECT,
	ST_PUT,
	ST_DELETE,
	ST_ALL,
	ST_PURGE,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST__COUNT,
};

static const char *const store_sql[ST__COUNT] = {
	[ST_SELECT] = "SELECT realm, a, b, alg, expires, created FROM pushed "
		      "WHERE kind = ?1 AND name = ?2",
	[ST_PUT] = "INSERT OR REPLACE INTO pushed "
		   "(kind, name, realm, a, b, alg, expires, created) "
		   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_DELETE] = "DELETE FROM pushed WHERE kind = ?1 AND name = ?2",
	[ST_ALL] = "SELECT realm, a, b, alg, expires, created, kind, name "
		   "FROM pushed",
	[ST_PURGE] = "DELETE FROM pushed WHERE kind = 0 AND expires > 0 "
		     "AND expires <= ?1",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct push_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST__COUNT];
	char realm[AUTH_LT_REALM_MAX + 1];
};

static int
store_exec(struct push_store *st, const char *sql, char *err, size_t err_len)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, err_len, "push-store: %s: %s", sql,
		 msg != NULL ? msg : sqlite3_errmsg(st->db));
	sqlite3_free(msg);
	return -EIO;
}

struct push_store *
push_store_open(const char *dir, const char *realm, char *err, size_t err_len)
{
	struct push_store *st = calloc(1, sizeof(*st));
	char path[4096];
	sqlite3_stmt *ver = NULL;
	int version = -1, fd;

	if (st == NULL) {
		snprintf(err, err_len, "push-store: no memory");
		return NULL;
	}
	snprintf(st->realm, sizeof(st->realm), "%s", realm);
	if ((size_t)snprintf(path, sizeof(path), "%s/" STORE_FILE, dir) >=
	    sizeof(path)) {
		snprintf(err, err_len, "push-store: path too long");
		free(st);
		return NULL;
	}
	/* Made here, so its mode is ours and not the umask's. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, err_len, "push-store: %s: %s", path,
			 strerror(errno));
		free(st);
		return NULL;
	}
	close(fd);
	if (sqlite3_open_v2(path, &st->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, err_len, "push-store: %s: %s", path,
			 st->db != NULL ? sqlite3_errmsg(st->db) : "no memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &ver, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(ver) == SQLITE_ROW)
		version = sqlite3_column_int(ver, 0);
	sqlite3_finalize(ver);
	/* A database of another layout is left exactly as it was. */
	if (version != 0 && version != STORE_VERSION) {
		snprintf(err, err_len,
			 "push-store: %s has layout version %d, this build "
			 "knows %d",
			 path, version, STORE_VERSION);
		goto fail;
	}
	if (store_exec(st, "PRAGMA journal_mode=WAL", err, err_len) != 0 ||
	    store_exec(st, "PRAGMA synchronous=FULL", err, err_len) != 0 ||
	    store_exec(st, "PRAGMA secure_delete=ON", err, err_len) != 0)
		goto fail;
	if (version == 0) {
		if (store_exec(st,
			       "CREATE TABLE IF NOT EXISTS pushed ("
			       " kind INTEGER NOT NULL, name TEXT NOT NULL,"
			       " realm TEXT, a BLOB NOT NULL, b BLOB,"
			       " alg INTEGER NOT NULL DEFAULT 0,"
			       " expires INTEGER NOT NULL DEFAULT 0,"
			       " created INTEGER NOT NULL,"
			       " PRIMARY KEY (kind, name)) WITHOUT ROWID;"
			       "PRAGMA user_version=1",
			       err, err_len) != 0)
			goto fail;
	}
	for (int i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, store_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, err_len, "push-store: %s: %s",
				 store_sql[i], sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	return st;
fail:
	push_store_close(st);
	return NULL;
}

void
push_store_close(struct push_store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

/* Step a statement that returns no row, and reset it. */
static int
store_step_done(struct push_store *st, enum store_stmt s)
{
	int rc = sqlite3_step(st->stmt[s]);

	sqlite3_reset(st->stmt[s]);
	sqlite3_clear_bindings(st->stmt[s]);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* A blob column into @p out of exactly @p len bytes (or up to @p len when
 * @p got is given). */
static int
column_blob(sqlite3_stmt *s, int col, void *out, size_t len, size_t *got)
{
	const void *p = sqlite3_column_blob(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (p == NULL || (got == NULL ? n != len : n > len || n == 0))
		return -EINVAL;
	memcpy(out, p, n);
	if (got != NULL)
		*got = n;
	return 0;
}

/* A row (columns realm, a, b, alg, expires, created) into @p v. */
static int
row_read(sqlite3_stmt *s, enum push_kind kind, struct push_value *v)
{
	memset(v, 0, sizeof(*v));
	v->expires = sqlite3_column_int64(s, 4);
	v->created = sqlite3_column_int64(s, 5);
	switch (kind) {
	case PUSH_USER:
		v->has_sha256 = sqlite3_column_type(s, 2) != SQLITE_NULL;
		if (column_blob(s, 1, v->key_md5, sizeof(v->key_md5), NULL) != 0)
			return -EINVAL;
		return v->has_sha256 ? column_blob(s, 2, v->key_sha256,
						   sizeof(v->key_sha256), NULL) :
				       0;
	case PUSH_SECRET:
		return column_blob(s, 1, v->secret, sizeof(v->secret),
				   &v->secret_len);
	case PUSH_OAUTH_KEY: {
		size_t n = 0;
		int alg = sqlite3_column_int(s, 3);

		if (column_blob(s, 1, v->oauth.key, sizeof(v->oauth.key), &n) !=
			    0 ||
		    (alg != OAUTH_ALG_A128GCM && alg != OAUTH_ALG_A256GCM))
			return -EINVAL;
		v->oauth.key_len = (uint8_t)n;
		v->oauth.alg = (enum oauth_alg)alg;
		return 0;
	}
	}
	return -EINVAL;
}

/* Read (kind, name) into @p v.  @return 1 found, 0 not, -EIO. */
static int
store_get(struct push_store *st, const struct push_op *op, struct push_value *v)
{
	sqlite3_stmt *s = st->stmt[ST_SELECT];
	int rc;

	sqlite3_bind_int(s, 1, (int)op->kind);
	sqlite3_bind_text(s, 2, op->name, (int)op->name_len, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		rc = row_read(s, op->kind, v) == 0 ? 1 : -EIO;
	else
		rc = rc == SQLITE_DONE ? 0 : -EIO;
	/* An OAuth key's kid is its name, not a column: without it, the
	 * prev that push_apply.c puts back into the keyring is refused. */
	if (rc == 1 && op->kind == PUSH_OAUTH_KEY)
		memcpy(v->oauth.kid, op->name, op->name_len + 1);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

static int
store_put(struct push_store *st, const struct push_op *op,
	  const struct push_value *v)
{
	sqlite3_stmt *s = st->stmt[ST_PUT];

	sqlite3_bind_int(s, 1, (int)op->kind);
	sqlite3_bind_text(s, 2, op->name, (int)op->name_len, SQLITE_STATIC);
	switch (op->kind) {
	case PUSH_USER:
		sqlite3_bind_text(s, 3, st->realm, -1, SQLITE_STATIC);
		sqlite3_bind_blob(s, 4, v->key_md5, sizeof(v->key_md5),
				  SQLITE_STATIC);
		if (v->has_sha256)
			sqlite3_bind_blob(s, 5, v->key_sha256,
					  sizeof(v->key_sha256), SQLITE_STATIC);
		break;
	case PUSH_SECRET:
		sqlite3_bind_blob(s, 4, v->secret, (int)v->secret_len,
				  SQLITE_STATIC);
		break;
	case PUSH_OAUTH_KEY:
		sqlite3_bind_blob(s, 4, v->oauth.key, v->oauth.key_len,
				  SQLITE_STATIC);
		sqlite3_bind_int(s, 6, (int)v->oauth.alg);
		break;
	}
	sqlite3_bind_int64(s, 7, v->expires);
	sqlite3_bind_int64(s, 8, v->created);
	return store_step_done(st, ST_PUT);
}

static int
store_del(struct push_store *st, const struct push_op *op)
{
	sqlite3_stmt *s = st->stmt[ST_DELETE];

	sqlite3_bind_int(s, 1, (int)op->kind);
	sqlite3_bind_text(s, 2, op->name, (int)op->name_len, SQLITE_STATIC);
	return store_step_done(st, ST_DELETE);
}

/* One op inside the open transaction.  @return 0 or -EIO. */
static int
store_one(struct push_store *st, struct push_op *op, int64_t now)
{
	int found = store_get(st, op, &op->prev);

	if (found < 0)
		return -EIO;
	/* An expired user is as good as gone. */
	if (found && op->kind == PUSH_USER && op->prev.expires != 0 &&
	    op->prev.expires <= now)
		found = 0;
	op->had_prev = found;
	switch (op->verb) {
	case PUSH_PUT:
		op->value.created = now;
		op->status = found ? 200 : 201;
		return store_put(st, op, &op->value);
	case PUSH_GET:
		op->status = found ? 200 : 404;
		op->value = op->prev;
		/* A GET gives facts, never key material. */
		OPENSSL_cleanse(op->value.key_md5, sizeof(op->value.key_md5));
		OPENSSL_cleanse(op->value.key_sha256,
				sizeof(op->value.key_sha256));
		OPENSSL_cleanse(op->value.secret, sizeof(op->value.secret));
		OPENSSL_cleanse(op->value.oauth.key, sizeof(op->value.oauth.key));
		OPENSSL_cleanse(&op->prev, sizeof(op->prev));
		op->had_prev = false;
		return 0;
	case PUSH_DEL:
		op->status = found ? 204 : 404;
		return found ? store_del(st, op) : 0;
	case PUSH_UNDO:
		/* The PUT's own prev (in value) goes back, or the row goes. */
		op->status = 200;
		return op->value.created != 0 ? store_put(st, op, &op->value) :
						store_del(st, op);
	}
	return -EIO;
}

int
push_store_run(struct push_store *st, struct push_op **ops, size_t n, int64_t now)
{
	size_t i;

	if (store_step_done(st, ST_BEGIN) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (store_one(st, ops[i], now) != 0)
			break;
	if (i == n && store_step_done(st, ST_COMMIT) == 0)
		return 0;
	store_step_done(st, ST_ROLLBACK);
fail:
	cp_log(CP_LOG_ERROR, "push.store", "result=error batch=%zu reason=%s",
	       n, sqlite3_errmsg(st->db));
	for (i = 0; i < n; i++) {
		ops[i]->status = 503;
		ops[i]->had_prev = false;
		snprintf(ops[i]->error, sizeof(ops[i]->error),
			 "the store could not write; nothing changed");
	}
	return -EIO;
}

int
push_store_load(struct push_store *st, int64_t now,
		void (*fn)(void *arg, const struct push_op *op), void *arg,
		char *err, size_t err_len)
{
	sqlite3_stmt *s = st->stmt[ST_ALL];
	struct push_op *op = calloc(1, sizeof(*op));
	int n = 0, rc, skipped = 0;

	if (op == NULL) {
		snprintf(err, err_len, "push-store: no memory");
		return -EIO;
	}
	if (push_store_purge(st, now) < 0) {
		snprintf(err, err_len, "push-store: %s", sqlite3_errmsg(st->db));
		free(op);
		return -EIO;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 7);
		const char *realm = (const char *)sqlite3_column_text(s, 0);
		int kind = sqlite3_column_int(s, 6);
		size_t len = (size_t)sqlite3_column_bytes(s, 7);

		memset(op, 0, sizeof(*op));
		op->verb = PUSH_PUT;
		op->kind = (enum push_kind)kind;
		if (name == NULL || len == 0 || len > PUSH_NAME_MAX ||
		    kind < PUSH_USER || kind > PUSH_OAUTH_KEY ||
		    (kind == PUSH_OAUTH_KEY && len > AUTH_OAUTH_KID_MAX) ||
		    row_read(s, op->kind, &op->value) != 0 ||
		    (kind == PUSH_USER &&
		     (realm == NULL || strcmp(realm, st->realm) != 0))) {
			skipped++;
			continue;
		}
		memcpy(op->name, name, len);
		op->name_len = len;
		if (op->kind == PUSH_OAUTH_KEY)
			memcpy(op->value.oauth.kid, name, len + 1);
		fn(arg, op);
		n++;
	}
	push_op_wipe(op);
	free(op);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		snprintf(err, err_len, "push-store: %s", sqlite3_errmsg(st->db));
		return -EIO;
	}
	if (skipped > 0)
		cp_log(CP_LOG_WARN, "push.load",
		       "skipped=%d reason=\"unreadable, or a user of another "
		       "realm\"",
		       skipped);
	return n;
}

int
push_store_purge(struct push_store *st, int64_t now)
{
	sqlite3_bind_int64(st->stmt[ST_PURGE], 1, now);
	if (store_step_done(st, ST_PURGE) != 0)
		return -EIO;
	return sqlite3_changes(st->db);
}

static int
store_backend_run(void *ctx, struct push_op **ops, size_t n, int64_t now)
{
	return push_store_run(ctx, ops, n, now);
}

static int
store_backend_purge(void *ctx, int64_t now)
{
	return push_store_purge(ctx, now);
}

struct push_backend
push_store_backend(struct push_store *st)
{
	return (struct push_backend){ .ctx = st,
				      .run = store_backend_run,
				      .purge = store_backend_purge };
}
