/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket's command language (see cp_admin.h): a line is split
 * into words, looked up in one table of commands, and run against the
 * control plane's credential tables and the TURN server's counters.  No
 * sockets here; cp_admin_sock.c carries lines in and replies out.
 *
 * Runs on the control-plane thread, between requests, so a credential
 * added here is used by the very next request the thread authenticates.
 * The line is copied once into a local buffer that is wiped before
 * returning, as are parsed OAuth keys: secrets leave no copy behind.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cp_admin.h"
#include "cp_log.h"

#define ADMIN_ARGS_MAX 4
/* Room kept at the end of the reply for the last lines. */
#define ADMIN_TAIL 320

/* A reply being written: data lines, then the verdict. */
struct admin_out {
	char *buf;
	size_t cap, len;
	bool truncated;
	char err[CP_RELOAD_ERR_MAX + 64]; /* set by admin_fail() */
};

/* Append one formatted line (with its "\n") if it fits before the tail;
 * else write nothing and return -1. */
__attribute__((format(printf, 2, 3))) static int
admin_line(struct admin_out *o, const char *fmt, ...)
{
	size_t room = o->cap - ADMIN_TAIL - o->len;
	va_list ap;
	int n;

	if (o->truncated)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= room) {
		o->buf[o->len] = '\0';
		o->truncated = true;
		return -1;
	}
	o->len += (size_t)n;
	o->buf[o->len++] = '\n';
	o->buf[o->len] = '\0';
	return 0;
}

__attribute__((format(printf, 2, 3))) static int
admin_fail(struct admin_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- the commands ---- */

struct admin_cmd {
	const char *name;
	int min_args, max_args; /* words after the name */
	const char *args;
	const char *help;
	int (*run)(struct cp_admin_ctx *ctx, char **argv, int argc,
		   struct admin_out *o);
};

static const struct admin_cmd admin_cmds[];

static int cmd_help(struct cp_admin_ctx *ctx, char **argv, int argc,
		    struct admin_out *o);

/* auth reasons have UPPER_CASE enum names; counters want lower case. */
static const char *const auth_reason_keys[] = {
#define ADMIN_X_KEY(name, text) #name,
	AUTH_REASON_LIST(ADMIN_X_KEY)
#undef ADMIN_X_KEY
};

static const char *const peer_verdict_keys[] = {
#define ADMIN_X_KEY(name, label) label,
	PEER_VERDICT_LIST(ADMIN_X_KEY)
#undef ADMIN_X_KEY
};

static void
lower(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < cap; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

static int
cmd_stats(struct cp_admin_ctx *ctx, char **argv, int argc, struct admin_out *o)
{
	const struct turn_stats *s;
	const struct cp_objects *obj = ctx->obj;
	char key[64];

	(void)argv;
	(void)argc;
	if (ctx->srv == NULL)
		return admin_fail(o, "no server");
	s = turn_server_stats(ctx->srv);
	admin_line(o, "draining=%d", turn_server_draining(ctx->srv) ? 1 : 0);
	admin_line(o, "allocations_live=%" PRIu64, s->allocs_live);
	admin_line(o, "allocations_ending=%" PRIu64, s->allocs_ending);
	for (int i = 0; i < TURN_C__COUNT; i++)
		admin_line(o, "%s=%" PRIu64,
			   turn_counter_label((enum turn_counter)i), s->c[i]);
	for (int i = 0; i < TURN_METHOD__COUNT; i++)
		admin_line(o, "requests.%s=%" PRIu64,
			   turn_method_label((enum turn_method)i),
			   s->requests[i]);
	for (int i = 0; i < TURN_REPLY__COUNT; i++)
		admin_line(o, "replies.%s=%" PRIu64,
			   turn_reply_label((enum turn_reply)i), s->replies[i]);
	for (int i = 0; i < TURN_DROP__COUNT; i++)
		admin_line(o, "drops.%s=%" PRIu64,
			   turn_drop_label((enum turn_drop)i), s->drops[i]);
	for (int i = 0; i < AUTH_REASON__COUNT; i++) {
		lower(auth_reason_keys[i], key, sizeof(key));
		admin_line(o, "auth.%s=%" PRIu64, key, s->auth[i]);
	}
	for (int i = 0; i < PEER_VERDICT_COUNT; i++)
		admin_line(o, "peers_refused.%s=%" PRIu64, peer_verdict_keys[i],
			   s->peers_refused[i]);
	admin_line(o, "credentials.users=%" PRIu32, obj->users.n_users);
	admin_line(o, "credentials.secrets=%u", obj->rest.n_secrets);
	admin_line(o, "credentials.oauth_keys=%u", obj->oauth.n_keys);
	if (ctx->reload != NULL) {
		admin_line(o, "reloads.ok=%" PRIu64, ctx->reload->n_ok);
		admin_line(o, "reloads.failed=%" PRIu64, ctx->reload->n_failed);
	}
	if (ctx->extra_stats != NULL && !o->truncated) {
		size_t room = o->cap - ADMIN_TAIL - o->len;
		int n = ctx->extra_stats(ctx->extra_stats_arg, o->buf + o->len,
					 room);

		if (n < 0 || (size_t)n >= room) {
			o->buf[o->len] = '\0';
			o->truncated = true;
		} else {
			o->len += (size_t)n;
		}
	}
	return 0;
}

struct list_arg {
	struct admin_out *o;
	uint64_t now_ms;
};

uint64_t
cp_admin_alloc_describe(const struct turn_alloc *a, uint64_t now_ms, char *user,
			size_t user_cap)
{
	int64_t left = (int64_t)(a->expiry_ms - now_ms) / 1000;

	if (a->user != NULL && a->user->len > 0)
		cp_log_escape(user, user_cap, a->user->name, a->user->len);
	else
		snprintf(user, user_cap, "-");
	return left < 0 ? 0 : (uint64_t)left;
}

static void
list_one(void *arg, const struct turn_alloc *a)
{
	struct list_arg *l = arg;
	char client[TP_ADDR_STRLEN], relay[TP_ADDR_STRLEN];
	char relay2[TP_ADDR_STRLEN + sizeof(" relay2=")] = "";
	char user[CP_LOG_ESCAPED_SIZE(TURN_USERNAME_MAX)];
	uint64_t left = cp_admin_alloc_describe(a, l->now_ms, user, sizeof(user));

	if (a->relay2.ip.family != TP_AF_NONE) {
		char r2[TP_ADDR_STRLEN];

		snprintf(relay2, sizeof(relay2), " relay2=%s",
			 tp_addr_format(&a->relay2, r2, sizeof(r2)));
	}

	admin_line(l->o,
		   "alloc user=%s client=%s transport=%s relay=%s%s worker=%u "
		   "expires_in_s=%" PRIu64 " token=%d",
		   user, tp_addr_format(&a->client, client, sizeof(client)),
		   tp_transport_name(a->transport),
		   tp_addr_format(&a->relay, relay, sizeof(relay)), relay2,
		   a->owner, left, a->by_token ? 1 : 0);
}

static int
cmd_allocations(struct cp_admin_ctx *ctx, char **argv, int argc,
		struct admin_out *o)
{
	const struct turn_stats *s;
	unsigned long n = 0;

	if (ctx->srv == NULL)
		return admin_fail(o, "no server");
	if (argc == 1) {
		char *end;

		errno = 0;
		n = strtoul(argv[0], &end, 10);
		if (!isdigit((unsigned char)argv[0][0]) || *end != '\0' ||
		    errno != 0 || n > CP_ADMIN_LIST_MAX)
			return admin_fail(o, "N must be 0..%d",
					  CP_ADMIN_LIST_MAX);
	}
	s = turn_server_stats(ctx->srv);
	admin_line(o, "allocations_live=%" PRIu64, s->allocs_live);
	admin_line(o, "allocations_ending=%" PRIu64, s->allocs_ending);
	if (n > 0) {
		struct list_arg l = { .o = o, .now_ms = ctx->now_ms };
		size_t listed =
			turn_server_alloc_visit(ctx->srv, n, list_one, &l);

		admin_line(o, "listed=%zu", listed);
	}
	return 0;
}

/* The control loop logs drain.start (or drain.repeat) with reason=admin. */
static int
cmd_drain(struct cp_admin_ctx *ctx, char **argv, int argc, struct admin_out *o)
{
	bool started;

	(void)argv;
	(void)argc;
	if (ctx->srv == NULL || ctx->drain == NULL)
		return admin_fail(o, "draining is not available");
	started = ctx->drain(ctx->drain_arg);
	admin_line(o, "draining=%d", turn_server_draining(ctx->srv) ? 1 : 0);
	admin_line(o, "started=%d", started ? 1 : 0);
	admin_line(o, "allocations_live=%" PRIu64,
		   turn_server_stats(ctx->srv)->allocs_live);
	return 0;
}

/* Which mechanism a command needs, and whether the config turned it on. */
static int
need_mech(struct cp_admin_ctx *ctx, const void *on, const char *key,
	  struct admin_out *o)
{
	if (ctx->obj->params.auth == NULL)
		return admin_fail(o, "authentication is off (no-auth)");
	if (on == NULL)
		return admin_fail(o, "%s is not enabled in the configuration",
				  key);
	return 0;
}

/* ---- users pushed with a lifetime ---- */

static int
expiry_find(const struct cp_admin_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->n_expiry; i++)
		if (strcmp(ctx->expiry[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
expiry_forget(struct cp_admin_ctx *ctx, const char *name)
{
	int i = expiry_find(ctx, name);

	if (i < 0)
		return;
	free(ctx->expiry[i].name);
	ctx->expiry[i] = ctx->expiry[--ctx->n_expiry];
}

static int
expiry_add(struct cp_admin_ctx *ctx, const char *name, uint64_t expires_ms)
{
	if (ctx->n_expiry == ctx->cap_expiry) {
		size_t cap = ctx->cap_expiry == 0 ? 16 : ctx->cap_expiry * 2;
		struct cp_admin_expiry *v =
			realloc(ctx->expiry, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		ctx->expiry = v;
		ctx->cap_expiry = cap;
	}
	ctx->expiry[ctx->n_expiry].name = strdup(name);
	if (ctx->expiry[ctx->n_expiry].name == NULL)
		return -ENOMEM;
	ctx->expiry[ctx->n_expiry++].expires_ms = expires_ms;
	if (expires_ms < ctx->next_expiry_ms || ctx->n_expiry == 1)
		ctx->next_expiry_ms = expires_ms;
	return 0;
}

void
cp_admin_expire(struct cp_admin_ctx *ctx, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	size_t i = 0;

	if (ctx->n_expiry == 0 || now_ms < ctx->next_expiry_ms)
		return;
	while (i < ctx->n_expiry) {
		struct cp_admin_expiry *e = &ctx->expiry[i];

		if (e->expires_ms > now_ms) {
			next = e->expires_ms < next ? e->expires_ms : next;
			i++;
			continue;
		}
		auth_user_db_remove(&ctx->obj->users, e->name, strlen(e->name));
		cp_log(CP_LOG_INFO, "admin.user_expired",
		       "name=%s users=%" PRIu32, e->name,
		       ctx->obj->users.n_users);
		free(e->name);
		*e = ctx->expiry[--ctx->n_expiry];
	}
	ctx->next_expiry_ms = next;
}

void
cp_admin_ctx_fini(struct cp_admin_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_expiry; i++)
		free(ctx->expiry[i].name);
	free(ctx->expiry);
	ctx->expiry = NULL;
	ctx->n_expiry = ctx->cap_expiry = 0;
}

/* LIFETIME_S: 1..CP_ADMIN_USER_LIFETIME_MAX seconds. */
static int
parse_lifetime(const char *text, uint64_t *secs)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end != '\0' || errno != 0 || v == 0 || v > CP_ADMIN_USER_LIFETIME_MAX)
		return -EINVAL;
	*secs = v;
	return 0;
}

static int
cmd_user_add(struct cp_admin_ctx *ctx, char **argv, int argc, struct admin_out *o)
{
	struct auth_user_db *db = &ctx->obj->users;
	size_t nlen = strlen(argv[0]), plen = strlen(argv[1]);
	char text[CP_ADMIN_LINE_MAX + 2];
	uint64_t life_s = 0;
	int rc;

	if (need_mech(ctx, ctx->obj->auth.users, "lt-cred-mech", o) != 0)
		return -1;
	if (memchr(argv[0], ':', nlen) != NULL)
		return admin_fail(o, "a user name cannot contain ':'");
	if (argc == 3 && parse_lifetime(argv[2], &life_s) != 0)
		return admin_fail(o, "LIFETIME_S must be 1..%d seconds",
				  CP_ADMIN_USER_LIFETIME_MAX);
	/* As a config user= line: "name:password" or "name:0x<MD5 key>". */
	memcpy(text, argv[0], nlen);
	text[nlen] = ':';
	memcpy(text + nlen + 1, argv[1], plen + 1);
	rc = auth_user_db_add(db, text);
	OPENSSL_cleanse(text, nlen + plen + 2);
	if (rc == 0)
		rc = auth_user_db_mark_pushed(db, argv[0], nlen);
	if (rc == 0 && life_s > 0) {
		rc = expiry_add(ctx, argv[0], ctx->now_ms + life_s * 1000);
		if (rc != 0)
			auth_user_db_remove(db, argv[0], nlen);
	}
	if (rc == 0 && ctx->share_user != NULL) {
		rc = ctx->share_user(ctx->share_arg,
				     auth_user_db_find(db, argv[0], nlen),
				     argv[0],
				     life_s > 0 ? (int64_t)time(NULL) +
							  (int64_t)life_s :
						  0);
		if (rc != 0) {
			expiry_forget(ctx, argv[0]);
			auth_user_db_remove(db, argv[0], nlen);
			cp_log(CP_LOG_WARN, "admin.user_add",
			       "name=%s result=error reason=fleet rc=%d",
			       argv[0], rc);
			return admin_fail(o, "%s",
					  rc == -EAGAIN ?
						  "the fleet's Redis is down: "
						  "not added, try again" :
						  strerror(-rc));
		}
	}
	if (rc != 0) {
		cp_log(CP_LOG_WARN, "admin.user_add",
		       "name=%s result=error rc=%d", argv[0], rc);
		return admin_fail(o, "%s",
				  rc == -EEXIST ?
					  "user exists" :
				  rc == -EINVAL ?
					  "name or password empty, longer "
					  "than 512 bytes, or a bad 0x key" :
					  strerror(-rc));
	}
	cp_log(CP_LOG_INFO, "admin.user_add",
	       "name=%s result=ok users=%" PRIu32 " lifetime_s=%" PRIu64,
	       argv[0], db->n_users, life_s);
	admin_line(o, "users=%" PRIu32, db->n_users);
	if (life_s > 0)
		admin_line(o, "expires_in_s=%" PRIu64, life_s);
	return 0;
}

static int
cmd_user_del(struct cp_admin_ctx *ctx, char **argv, int argc, struct admin_out *o)
{
	struct auth_user_db *db = &ctx->obj->users;
	size_t nlen = strlen(argv[0]);
	uint32_t kept = 0;
	int rc;

	(void)argc;
	if (need_mech(ctx, ctx->obj->auth.users, "lt-cred-mech", o) != 0)
		return -1;
	if (auth_user_db_find(db, argv[0], nlen) == NULL)
		return admin_fail(o, "no such user");
	if (ctx->share_user != NULL) {
		rc = ctx->share_user(ctx->share_arg, NULL, argv[0], 0);
		if (rc != 0)
			return admin_fail(o, "%s",
					  rc == -EAGAIN ?
						  "the fleet's Redis is down: "
						  "not deleted, try again" :
						  strerror(-rc));
	}
	rc = auth_user_db_remove(db, argv[0], nlen);
	if (rc != 0)
		return admin_fail(o, "%s",
				  rc == -ENOENT ? "no such user" : strerror(-rc));
	expiry_forget(ctx, argv[0]);
	if (ctx->srv != NULL)
		kept = turn_server_user_allocs(ctx->srv, argv[0], nlen);
	cp_log(CP_LOG_INFO, "admin.user_del",
	       "name=%s result=ok users=%" PRIu32 " allocations_kept=%" PRIu32,
	       argv[0], db->n_users, kept);
	admin_line(o, "users=%" PRIu32, db->n_users);
	/* Deleting them would need a DELETE the client never asked for;
	 * they end at their expiry, as their refreshes now get 401. */
	admin_line(o, "allocations_kept=%" PRIu32, kept);
	return 0;
}

static int
cmd_secret(struct cp_admin_ctx *ctx, char **argv, bool add, struct admin_out *o)
{
	struct auth_rest_ring *ring = &ctx->obj->rest;
	const char *ev = add ? "admin.secret_add" : "admin.secret_del";
	size_t len = strlen(argv[0]);
	int rc;

	if (need_mech(ctx, ctx->obj->auth.rest, "use-auth-secret", o) != 0)
		return -1;
	rc = add ? auth_rest_ring_add(ring, (const uint8_t *)argv[0], len) :
		   auth_rest_ring_remove(ring, (const uint8_t *)argv[0], len);
	if (rc == 0 && add)
		rc = auth_rest_ring_mark_pushed(ring, (const uint8_t *)argv[0],
						len);
	if (rc != 0) {
		cp_log(CP_LOG_WARN, ev, "result=error rc=%d", rc);
		return admin_fail(o, "%s",
				  rc == -EEXIST ?
					  "secret already present" :
				  rc == -ENOENT ?
					  "no such secret" :
				  rc == -ENOSPC ?
					  "too many secrets (at most 8)" :
				  rc == -EINVAL ?
					  "secret empty or longer than 256 bytes" :
					  strerror(-rc));
	}
	cp_log(CP_LOG_INFO, ev, "result=ok secrets=%u", ring->n_secrets);
	admin_line(o, "secrets=%u", ring->n_secrets);
	return 0;
}

static int
cmd_secret_add(struct cp_admin_ctx *ctx, char **argv, int argc,
	       struct admin_out *o)
{
	(void)argc;
	return cmd_secret(ctx, argv, true, o);
}

static int
cmd_secret_del(struct cp_admin_ctx *ctx, char **argv, int argc,
	       struct admin_out *o)
{
	(void)argc;
	return cmd_secret(ctx, argv, false, o);
}

static int
cmd_oauth_key_add(struct cp_admin_ctx *ctx, char **argv, int argc,
		  struct admin_out *o)
{
	struct auth_oauth_keyring *ring = &ctx->obj->oauth;
	struct auth_oauth_key key;
	int rc;

	(void)argc;
	if (need_mech(ctx, ctx->obj->auth.oauth, "oauth", o) != 0)
		return -1;
	rc = auth_oauth_key_parse(argv[0], strlen(argv[0]), &key);
	if (rc != 0) {
		OPENSSL_cleanse(&key, sizeof(key));
		return admin_fail(o, "expected KID:BASE64KEY:A128GCM or "
				     "KID:BASE64KEY:A256GCM (16 or 32 byte key)");
	}
	key.pushed = true; /* a reload keeps it */
	rc = auth_oauth_keyring_add(ring, &key);
	if (rc != 0) {
		cp_log(CP_LOG_WARN, "admin.oauth_key_add",
		       "kid=%s result=error rc=%d", key.kid, rc);
		OPENSSL_cleanse(&key, sizeof(key));
		return admin_fail(o, "%s",
				  rc == -EEXIST ? "key id already present" :
				  rc == -ENOSPC ? "too many keys (at most 16)" :
						  strerror(-rc));
	}
	cp_log(CP_LOG_INFO, "admin.oauth_key_add",
	       "kid=%s alg=%s result=ok "
	       "oauth_keys=%u",
	       key.kid, key.alg == OAUTH_ALG_A256GCM ? "A256GCM" : "A128GCM",
	       ring->n_keys);
	OPENSSL_cleanse(&key, sizeof(key));
	admin_line(o, "oauth_keys=%u", ring->n_keys);
	return 0;
}

static int
cmd_oauth_key_del(struct cp_admin_ctx *ctx, char **argv, int argc,
		  struct admin_out *o)
{
	struct auth_oauth_keyring *ring = &ctx->obj->oauth;
	int rc;

	(void)argc;
	if (need_mech(ctx, ctx->obj->auth.oauth, "oauth", o) != 0)
		return -1;
	rc = auth_oauth_keyring_remove(ring, argv[0], strlen(argv[0]));
	if (rc != 0)
		return admin_fail(o, "%s",
				  rc == -ENOENT ? "no such key id" :
						  strerror(-rc));
	cp_log(CP_LOG_INFO, "admin.oauth_key_del",
	       "kid=%s result=ok oauth_keys=%u", argv[0], ring->n_keys);
	admin_line(o, "oauth_keys=%u", ring->n_keys);
	return 0;
}

static int
cmd_reload(struct cp_admin_ctx *ctx, char **argv, int argc, struct admin_out *o)
{
	struct cp_reload_report rep;
	char keys[1024];

	(void)argv;
	(void)argc;
	if (ctx->reload == NULL)
		return admin_fail(o, "reload is not available here");
	if (cp_reload_run(ctx->reload, "admin", &rep) != 0)
		return admin_fail(o, "config %s", rep.err);
	admin_line(o, "changed=%s",
		   cp_reload_keys_format(rep.changed, keys, sizeof(keys)));
	admin_line(o, "not_applied=%s",
		   cp_reload_keys_format(rep.not_applied, keys, sizeof(keys)));
	admin_line(o, "pushed_kept=%" PRIu32, rep.pushed_kept);
	admin_line(o, "pushed_won=%" PRIu32, rep.pushed_won);
	admin_line(o, "users=%" PRIu32, ctx->obj->users.n_users);
	admin_line(o, "secrets=%u", ctx->obj->rest.n_secrets);
	admin_line(o, "oauth_keys=%u", ctx->obj->oauth.n_keys);
	return 0;
}

static const struct admin_cmd admin_cmds[] = {
	{ "stats", 0, 0, "", "server and fast-path counters", cmd_stats },
	{ "allocations", 0, 1, "[N]",
	  "allocation counts; list up to N (at most 1000)", cmd_allocations },
	{ "drain", 0, 0, "",
	  "refuse new allocations, exit once the others are few enough "
	  "(drain-min-allocations)",
	  cmd_drain },
	{ "user-add", 2, 3, "NAME PASSWORD [LIFETIME_S]",
	  "add a long-term user (lt-cred-mech); PASSWORD may be 0x<MD5 key>; "
	  "removed after LIFETIME_S if given",
	  cmd_user_add },
	{ "user-del", 1, 1, "NAME",
	  "remove a user; its allocations end at expiry", cmd_user_del },
	{ "secret-add", 1, 1, "SECRET",
	  "add a REST shared secret (use-auth-secret)", cmd_secret_add },
	{ "secret-del", 1, 1, "SECRET", "remove a REST shared secret",
	  cmd_secret_del },
	{ "oauth-key-add", 1, 1, "KID:BASE64KEY:ALG",
	  "add an OAuth token key (oauth)", cmd_oauth_key_add },
	{ "oauth-key-del", 1, 1, "KID", "remove an OAuth token key",
	  cmd_oauth_key_del },
	{ "reload", 0, 0, "",
	  "re-read the configuration file (as SIGHUP); says what changed "
	  "and what needs a restart",
	  cmd_reload },
	{ "help", 0, 0, "", "this list", cmd_help },
};

#define ADMIN_N_CMDS (sizeof(admin_cmds) / sizeof(admin_cmds[0]))

static int
cmd_help(struct cp_admin_ctx *ctx, char **argv, int argc, struct admin_out *o)
{
	(void)ctx;
	(void)argv;
	(void)argc;
	for (size_t i = 0; i < ADMIN_N_CMDS; i++)
		admin_line(o, "%s%s%s  -- %s", admin_cmds[i].name,
			   admin_cmds[i].args[0] ? " " : "", admin_cmds[i].args,
			   admin_cmds[i].help);
	return 0;
}

/* ---- a line ---- */

/* Split @line (NUL-terminated, ours to cut) into words.  @return the count,
 * ADMIN_ARGS_MAX + 2 meaning "too many". */
static int
split_words(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static int
exec_line(struct cp_admin_ctx *ctx, char *copy, struct admin_out *o)
{
	char *words[ADMIN_ARGS_MAX + 1];
	const struct admin_cmd *cmd = NULL;
	int n;

	for (const char *p = copy; *p != '\0'; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7F)
			return admin_fail(o, "control character in the line");
	n = split_words(copy, words, ADMIN_ARGS_MAX + 1);
	if (n == 0)
		return admin_fail(o, "empty line (try help)");
	for (size_t i = 0; i < ADMIN_N_CMDS; i++)
		if (strcmp(words[0], admin_cmds[i].name) == 0)
			cmd = &admin_cmds[i];
	if (cmd == NULL)
		/* Only the command word is echoed: the rest may be a secret. */
		return admin_fail(o, "unknown command '%.40s' (try help)",
				  words[0]);
	if (n - 1 < cmd->min_args || n - 1 > cmd->max_args)
		return admin_fail(o, "usage: %s%s%s", cmd->name,
				  cmd->args[0] ? " " : "", cmd->args);
	return cmd->run(ctx, words + 1, n - 1, o);
}

int
cp_admin_exec(struct cp_admin_ctx *ctx, const char *line, char *out, size_t cap)
{
	struct admin_out o = { .buf = out, .cap = cap };
	char copy[CP_ADMIN_LINE_MAX + 1];
	size_t len;
	int rc;

	if (out == NULL || cap < CP_ADMIN_REPLY_MIN)
		return -EINVAL;
	out[0] = '\0';
	len = strnlen(line, CP_ADMIN_LINE_MAX + 3);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CP_ADMIN_LINE_MAX) {
		rc = admin_fail(&o, "line longer than %d bytes",
				CP_ADMIN_LINE_MAX);
	} else {
		memcpy(copy, line, len);
		copy[len] = '\0';
		cp_admin_expire(ctx, ctx->now_ms);
		rc = exec_line(ctx, copy, &o);
		OPENSSL_cleanse(copy, len);
	}
	/* The tail room is kept for these last two lines. */
	if (o.truncated)
		o.len += (size_t)snprintf(out + o.len, cap - o.len,
					  "truncated=1\n");
	o.len += (size_t)snprintf(out + o.len, cap - o.len,
				  rc == 0 ? "ok\n" : "error %s\n", o.err);
	return (int)o.len;
}
