/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The credential push API below its HTTP layer: the JSON bodies
 * (push_json.h), the SQLite store (push_store.h), and the pipeline
 * (push_pipeline.h) feeding the control thread's tables (push_apply.h),
 * driven as push_http.c and the control loop drive them: requests from
 * other threads, push_pipeline_poll() on this one, the test's main thread
 * playing the control thread.  push_http.c and push_service.c are covered
 * end to end by tests/e2e/test_push.sh.
 *
 * Every test that touches the disk has a directory of its own under /tmp,
 * made by its setup and removed by its teardown (which cmocka runs after a
 * failed test too).
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth_longterm.h"
#include "auth_oauth.h"
#include "auth_rest.h"
#include "config.h"
#include "cp_setup.h"
#include "push_apply.h"
#include "push_json.h"
#include "push_op.h"
#include "push_pipeline.h"
#include "push_store.h"

#define REALM "turnpike.test"
/* base64 of "1234567890123456" and of "01234567890123456789012345678901" */
#define KEY16_B64 "MTIzNDU2Nzg5MDEyMzQ1Ng=="
#define KEY16 "1234567890123456"
#define KEY32_B64 "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
#define KEY32 "01234567890123456789012345678901"
/* base64 of "abcdefghijklmnopqrstuvwxyz012345" */
#define KEY32B_B64 "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU="
#define KEY32B "abcdefghijklmnopqrstuvwxyz012345"

/* Every mechanism on: a file user, a file secret, a file OAuth key. */
#define CONF_ALL                            \
	"relay-ip=198.51.100.1\n"           \
	"realm=" REALM "\n"                 \
	"lt-cred-mech\n"                    \
	"user=alice:alicepass\n"            \
	"use-auth-secret\n"                 \
	"static-auth-secret=first-secret\n" \
	"oauth\n"                           \
	"oauth-key=north:" KEY16_B64 ":A128GCM\n"

/* The same without oauth. */
#define CONF_NO_OAUTH             \
	"relay-ip=198.51.100.1\n" \
	"realm=" REALM "\n"       \
	"lt-cred-mech\n"          \
	"user=alice:alicepass\n"  \
	"use-auth-secret\n"       \
	"static-auth-secret=first-secret\n"

/* The server's clock (ms) the apply side starts at. */
#define NOW_MS 1000000u
/* How long the control thread waits for an answer, seconds. */
#define TIMEOUT_S 30

struct fix {
	char dir[64];
	struct push_store *st;
	bool have_obj;
	struct tp_config cfg;
	struct cp_objects obj;
	struct push_apply apply;
	struct push_pipeline pipe;
	bool pipe_started;
};

/* ---- the temporary directory ---- */

static void
dir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[sizeof(((struct fix *)0)->dir) + 256 + 2];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static struct fix *
fix_new(void)
{
	static struct fix f;

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/tp_push_XXXXXX");
	if (mkdtemp(f.dir) == NULL)
		fail_msg("mkdtemp: %s", strerror(errno));
	return &f;
}

static void
store_open(struct fix *f, const char *realm)
{
	char err[512] = "";

	f->st = push_store_open(f->dir, realm, err, sizeof(err));
	if (f->st == NULL)
		fail_msg("push_store_open: %s", err);
}

static void
store_close(struct fix *f)
{
	push_store_close(f->st);
	f->st = NULL;
}

/* A temporary directory and no store. */
static int
setup_dir(void **state)
{
	*state = fix_new();
	return 0;
}

/* A temporary directory and a store open on it. */
static int
setup_store(void **state)
{
	struct fix *f = fix_new();

	*state = f;
	store_open(f, REALM);
	return 0;
}

/* Tables from @p conf, the apply side on them, a pipeline on a store. */
static int
setup_pipe(void **state, const char *conf)
{
	struct fix *f = fix_new();
	struct push_backend be;
	char err[512] = "";

	*state = f;
	if (tp_config_parse_text(&f->cfg, "push.conf", conf, err, sizeof(err)) !=
	    0)
		fail_msg("config: %s", err);
	if (cp_setup_build(&f->obj, &f->cfg, 1, err, sizeof(err)) != 0)
		fail_msg("setup: %s", err);
	f->have_obj = true;
	push_apply_init(&f->apply, &f->obj, NULL);
	f->apply.now_ms = NOW_MS;
	store_open(f, REALM);
	be = push_store_backend(f->st);
	assert_int_equal(push_pipeline_start(&f->pipe, &be), 0);
	f->pipe_started = true;
	return 0;
}

static int
setup_pipe_all(void **state)
{
	return setup_pipe(state, CONF_ALL);
}

static int
setup_pipe_no_oauth(void **state)
{
	return setup_pipe(state, CONF_NO_OAUTH);
}

/* Stop the pipeline: every op still waiting is answered 503. */
static void
pipe_stop(struct fix *f)
{
	if (!f->pipe_started)
		return;
	push_pipeline_shutdown(&f->pipe);
	push_pipeline_fini(&f->pipe);
	f->pipe_started = false;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	pipe_stop(f);
	store_close(f);
	if (f->have_obj) {
		push_apply_fini(&f->apply);
		cp_setup_free(&f->obj);
		tp_config_free(&f->cfg);
	}
	dir_remove(f->dir);
	return 0;
}

/* ---- ops ---- */

/* A PUT of @p kind from the JSON @p body, which must parse. */
static void
op_body(struct push_op *op, enum push_kind kind, const char *body)
{
	char why[160] = "";
	int rc;

	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->verb = PUSH_PUT;
	rc = push_json_parse(op, body, strlen(body), REALM, why, sizeof(why));
	if (rc != 0)
		fail_msg("%s: %d %s", body, rc, why);
}

/* A GET or DEL of @p name, as from a URL. */
static void
op_named(struct push_op *op, enum push_kind kind, enum push_verb verb,
	 const char *name)
{
	char why[160] = "";

	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->verb = verb;
	if (push_json_name(op, name, strlen(name), why, sizeof(why)) != 0)
		fail_msg("%s: %s", name, why);
}

/* What push_http.c's req_back() does to a PUT the tables refused. */
static void
op_to_undo(struct push_op *op)
{
	op->verb = PUSH_UNDO;
	op->value = op->had_prev ? op->prev : (struct push_value){ 0 };
}

static void
md5_of(const char *user, const char *pass, uint8_t key[AUTH_LT_KEY_MD5_LEN])
{
	assert_int_equal(auth_lt_key_md5(user, strlen(user), REALM,
					 strlen(REALM), pass, strlen(pass), key),
			 0);
}

static void
sha256_of(const char *user, const char *pass, uint8_t key[AUTH_LT_KEY_SHA256_LEN])
{
	assert_int_equal(auth_lt_key_sha256(user, strlen(user), REALM,
					    strlen(REALM), pass, strlen(pass),
					    key),
			 0);
}

static bool
all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* ================================================================ */
/* push_json                                                        */
/* ================================================================ */

/* A good credentials body: the name, both keys for the realm, and an
 * expiry lifetime seconds from now; without a lifetime, never. */
static void
test_json_user_good(void **state)
{
	const char *body = "{\"username\":\"carol\",\"password\":\"carolpass\","
			   "\"lifetime\":600}";
	uint8_t md5[AUTH_LT_KEY_MD5_LEN], sha[AUTH_LT_KEY_SHA256_LEN];
	struct push_op op;
	int64_t t0, t1;

	(void)state;
	md5_of("carol", "carolpass", md5);
	sha256_of("carol", "carolpass", sha);
	t0 = (int64_t)time(NULL);
	op_body(&op, PUSH_USER, body);
	t1 = (int64_t)time(NULL);
	assert_string_equal(op.name, "carol");
	assert_int_equal(op.name_len, 5);
	assert_memory_equal(op.value.key_md5, md5, sizeof(md5));
	assert_true(op.value.has_sha256);
	assert_memory_equal(op.value.key_sha256, sha, sizeof(sha));
	assert_in_range(op.value.expires, t0 + 600, t1 + 600);

	op_body(&op, PUSH_USER,
		"{\"password\":\"carolpass\",\"username\":\"carol\"}");
	assert_int_equal(op.value.expires, 0);
	assert_memory_equal(op.value.key_md5, md5, sizeof(md5));

	/* The limits themselves are fine. */
	op_body(&op, PUSH_USER,
		"{\"username\":\"c\",\"password\":\"p\",\"lifetime\":31536000}");
	assert_in_range(op.value.expires, t0 + PUSH_LIFETIME_MAX,
			(int64_t)time(NULL) + PUSH_LIFETIME_MAX);
}

struct bad_body {
	enum push_kind kind;
	const char *body;
};

/* Bodies refused with 400 and a reason. */
static const struct bad_body bad_bodies[] = {
	/* not one JSON object */
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\"" },
	{ PUSH_USER, "[\"a\",\"b\"]" },
	{ PUSH_USER, "\"a\"" },
	{ PUSH_USER, "" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\"} {}" },
	/* members */
	{ PUSH_USER, "{\"username\":\"a\"}" },
	{ PUSH_USER, "{\"password\":\"b\"}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"x\":1}" },
	{ PUSH_USER, "{\"username\":\"a\",\"username\":\"b\",\"password\":"
		     "\"c\"}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"password\":"
		     "\"b\"}" },
	/* types */
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"lifetime\":"
		     "\"60\"}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"lifetime\":"
		     "1.5}" },
	{ PUSH_USER, "{\"username\":7,\"password\":\"b\"}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":null}" },
	/* lifetime */
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"lifetime\":-1}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"lifetime\":0}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\",\"lifetime\":"
		     "31536001}" },
	/* username */
	{ PUSH_USER, "{\"username\":\"\",\"password\":\"b\"}" },
	{ PUSH_USER, "{\"username\":\"a:b\",\"password\":\"c\"}" },
	{ PUSH_USER, "{\"username\":\"a/b\",\"password\":\"c\"}" },
	{ PUSH_USER, "{\"username\":\"a\\u0001b\",\"password\":\"c\"}" },
	{ PUSH_USER, "{\"username\":\"a\\nb\",\"password\":\"c\"}" },
	{ PUSH_USER, "{\"username\":\"a\\u007fb\",\"password\":\"c\"}" },
	{ PUSH_USER, "{\"username\":\"a\\u0000b\",\"password\":\"c\"}" },
	/* password */
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"\"}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\\u0000c\"}" },
	{ PUSH_USER, "{\"username\":\"a\",\"password\":\"b\\u0002c\"}" },
	/* secrets */
	{ PUSH_SECRET, "{\"id\":\"s\"}" },
	{ PUSH_SECRET, "{\"id\":\"s\",\"secret\":\"\"}" },
	{ PUSH_SECRET, "{\"id\":\"\",\"secret\":\"x\"}" },
	{ PUSH_SECRET, "{\"id\":\"a/b\",\"secret\":\"x\"}" },
	{ PUSH_SECRET, "{\"id\":\"s\",\"secret\":\"x\",\"lifetime\":5}" },
	{ PUSH_SECRET, "{\"id\":\"s\",\"secret\":5}" },
	{ PUSH_SECRET, "{\"username\":\"a\",\"password\":\"b\"}" },
	/* OAuth keys */
	{ PUSH_OAUTH_KEY,
	  "{\"kid\":\"k\",\"key\":\"" KEY16_B64 "\",\"alg\":\"HS256\"}" },
	{ PUSH_OAUTH_KEY,
	  "{\"kid\":\"k\",\"key\":\"" KEY16_B64 "\",\"alg\":\"A256GCM\"}" },
	{ PUSH_OAUTH_KEY,
	  "{\"kid\":\"k\",\"key\":\"" KEY32_B64 "\",\"alg\":\"A128GCM\"}" },
	{ PUSH_OAUTH_KEY,
	  "{\"kid\":\"k\",\"key\":\"!!not*base64!!\",\"alg\":\"A128GCM\"}" },
	{ PUSH_OAUTH_KEY, "{\"kid\":\"k\",\"key\":\"\",\"alg\":\"A128GCM\"}" },
	{ PUSH_OAUTH_KEY, "{\"kid\":\"k\",\"key\":\"" KEY16_B64 "\"}" },
	{ PUSH_OAUTH_KEY,
	  "{\"kid\":\"a/b\",\"key\":\"" KEY16_B64 "\",\"alg\":\"A128GCM\"}" },
	{ PUSH_OAUTH_KEY, "{\"kid\":\"k\",\"key\":\"" KEY16_B64
			  "\",\"alg\":\"A128GCM\",\"use\":\"enc\"}" },
};

static void
expect_refused(enum push_kind kind, const char *body, size_t len, int status)
{
	struct push_op op;
	char why[160] = "";
	int rc;

	memset(&op, 0, sizeof(op));
	op.kind = kind;
	op.verb = PUSH_PUT;
	rc = push_json_parse(&op, body, len, REALM, why, sizeof(why));
	if (rc != status)
		fail_msg("%.200s: %d (%s), wanted %d", body, rc, why, status);
	if (why[0] == '\0')
		fail_msg("%.200s: %d without a reason", body, rc);
}

static void
test_json_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++)
		expect_refused(bad_bodies[i].kind, bad_bodies[i].body,
			       strlen(bad_bodies[i].body), 400);
}

/* Names at their limit pass, one byte over is refused; so are passwords
 * and secrets. */
static void
test_json_limits(void **state)
{
	char name[AUTH_LT_USERNAME_MAX + 2];
	char long_str[AUTH_REST_SECRET_MAX + 2];
	char body[2048];
	struct push_op op;

	(void)state;
	/* username: 512 ok, 513 not */
	memset(name, 'u', sizeof(name));
	name[AUTH_LT_USERNAME_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"p\"}",
		 name);
	op_body(&op, PUSH_USER, body);
	assert_int_equal(op.name_len, AUTH_LT_USERNAME_MAX);
	name[AUTH_LT_USERNAME_MAX] = 'u';
	name[AUTH_LT_USERNAME_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"p\"}",
		 name);
	expect_refused(PUSH_USER, body, strlen(body), 400);

	/* password: 512 ok, 513 not */
	name[AUTH_LT_PASSWORD_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"username\":\"u\",\"password\":\"%s\"}",
		 name);
	op_body(&op, PUSH_USER, body);
	name[AUTH_LT_PASSWORD_MAX] = 'u';
	snprintf(body, sizeof(body), "{\"username\":\"u\",\"password\":\"%s\"}",
		 name);
	expect_refused(PUSH_USER, body, strlen(body), 400);

	/* secret: 256 ok, 257 not */
	memset(long_str, 's', sizeof(long_str));
	long_str[AUTH_REST_SECRET_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"id\":\"s\",\"secret\":\"%s\"}",
		 long_str);
	op_body(&op, PUSH_SECRET, body);
	assert_int_equal(op.value.secret_len, AUTH_REST_SECRET_MAX);
	long_str[AUTH_REST_SECRET_MAX] = 's';
	long_str[AUTH_REST_SECRET_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"id\":\"s\",\"secret\":\"%s\"}",
		 long_str);
	expect_refused(PUSH_SECRET, body, strlen(body), 400);

	/* kid and secret id: 128 ok, 129 not */
	memset(name, 'k', sizeof(name));
	name[AUTH_OAUTH_KID_MAX] = '\0';
	snprintf(body, sizeof(body),
		 "{\"kid\":\"%s\",\"key\":\"" KEY16_B64 "\",\"alg\":\"A128GCM\"}",
		 name);
	op_body(&op, PUSH_OAUTH_KEY, body);
	assert_int_equal(strlen(op.value.oauth.kid), AUTH_OAUTH_KID_MAX);
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"secret\":\"x\"}", name);
	op_body(&op, PUSH_SECRET, body);
	name[AUTH_OAUTH_KID_MAX] = 'k';
	name[AUTH_OAUTH_KID_MAX + 1] = '\0';
	snprintf(body, sizeof(body),
		 "{\"kid\":\"%s\",\"key\":\"" KEY16_B64 "\",\"alg\":\"A128GCM\"}",
		 name);
	expect_refused(PUSH_OAUTH_KEY, body, strlen(body), 400);
	snprintf(body, sizeof(body), "{\"id\":\"%s\",\"secret\":\"x\"}", name);
	expect_refused(PUSH_SECRET, body, strlen(body), 400);
}

/* A body of PUSH_BODY_MAX bytes is read; one byte more is 413, before
 * anything else is looked at. */
static void
test_json_too_big(void **state)
{
	const char *head = "{\"username\":\"big\",\"password\":\"pw\"";
	char *body = malloc(PUSH_BODY_MAX + 2);
	struct push_op op;
	char why[160] = "";

	(void)state;
	assert_non_null(body);
	memset(body, ' ', PUSH_BODY_MAX + 1);
	memcpy(body, head, strlen(head));
	body[PUSH_BODY_MAX - 1] = '}';
	body[PUSH_BODY_MAX + 1] = '\0';
	memset(&op, 0, sizeof(op));
	op.kind = PUSH_USER;
	assert_int_equal(push_json_parse(&op, body, PUSH_BODY_MAX, REALM, why,
					 sizeof(why)),
			 0);
	assert_string_equal(op.name, "big");
	/* One trailing space more: still valid JSON, but too long. */
	expect_refused(PUSH_USER, body, PUSH_BODY_MAX + 1, 413);
	free(body);
}

static void
test_json_secret(void **state)
{
	struct push_op op;

	(void)state;
	op_body(&op, PUSH_SECRET, "{\"id\":\"2026-12\",\"secret\":\"s3cr:et\"}");
	assert_string_equal(op.name, "2026-12");
	assert_int_equal(op.value.secret_len, 7);
	assert_memory_equal(op.value.secret, "s3cr:et", 7);
	/* A ':' is fine in a secret's id (only user names forbid it). */
	op_body(&op, PUSH_SECRET, "{\"secret\":\"x\",\"id\":\"a:b\"}");
	assert_string_equal(op.name, "a:b");
}

static void
test_json_oauth_key(void **state)
{
	struct push_op op;

	(void)state;
	op_body(&op, PUSH_OAUTH_KEY,
		"{\"kid\":\"east\",\"key\":\"" KEY16_B64
		"\",\"alg\":\"A128GCM\"}");
	assert_string_equal(op.name, "east");
	assert_string_equal(op.value.oauth.kid, "east");
	assert_int_equal(op.value.oauth.alg, OAUTH_ALG_A128GCM);
	assert_int_equal(op.value.oauth.key_len, 16);
	assert_memory_equal(op.value.oauth.key, KEY16, 16);

	op_body(&op, PUSH_OAUTH_KEY,
		"{\"alg\":\"A256GCM\",\"kid\":\"west\",\"key\":\"" KEY32_B64
		"\"}");
	assert_string_equal(op.value.oauth.kid, "west");
	assert_int_equal(op.value.oauth.alg, OAUTH_ALG_A256GCM);
	assert_int_equal(op.value.oauth.key_len, 32);
	assert_memory_equal(op.value.oauth.key, KEY32, 32);
}

/* Names from a URL follow the body's rules. */
static void
test_json_name(void **state)
{
	struct push_op op = { .kind = PUSH_USER };
	char why[160];

	(void)state;
	assert_int_equal(push_json_name(&op, "bob", 3, why, sizeof(why)), 0);
	assert_string_equal(op.name, "bob");
	assert_int_equal(op.name_len, 3);
	why[0] = '\0';
	assert_int_equal(push_json_name(&op, "a:b", 3, why, sizeof(why)),
			 -EINVAL);
	assert_true(why[0] != '\0');
	assert_int_equal(push_json_name(&op, "a/b", 3, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(push_json_name(&op, "a\rb", 3, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(push_json_name(&op, "", 0, why, sizeof(why)), -EINVAL);
	op.kind = PUSH_SECRET;
	assert_int_equal(push_json_name(&op, "a:b", 3, why, sizeof(why)), 0);
	assert_int_equal(push_json_name(&op, "a/b", 3, why, sizeof(why)),
			 -EINVAL);
}

/* @p text parsed back: an object whose members are exactly @p members. */
static json_t *
answer_object(const char *text, const char *const *members, size_t n)
{
	json_error_t e;
	json_t *j;

	assert_non_null(text);
	j = json_loads(text, 0, &e);
	if (j == NULL || !json_is_object(j))
		fail_msg("not an object: %s", text);
	if (json_object_size(j) != n)
		fail_msg("%zu members in %s", json_object_size(j), text);
	for (size_t i = 0; i < n; i++)
		if (json_object_get(j, members[i]) == NULL)
			fail_msg("no %s in %s", members[i], text);
	return j;
}

/* An answer gives public facts only: never a key, a secret, a hash. */
static void
test_json_answer(void **state)
{
	static const char *const user_m[] = { "username", "created", "expires" };
	static const char *const secret_m[] = { "id", "created" };
	static const char *const oauth_m[] = { "kid", "alg", "created" };
	static const char *const error_m[] = { "error" };
	struct push_op op;
	char *text;
	json_t *j;

	(void)state;
	op_body(&op, PUSH_USER,
		"{\"username\":\"carol\",\"password\":\"carolpass\"}");
	op.value.created = 86400;
	op.value.expires = 0;
	text = push_json_answer(&op, 201, NULL);
	j = answer_object(text, user_m, 3);
	assert_string_equal(json_string_value(json_object_get(j, "username")),
			    "carol");
	assert_string_equal(json_string_value(json_object_get(j, "created")),
			    "1970-01-02T00:00:00Z");
	assert_true(json_is_null(json_object_get(j, "expires")));
	assert_null(strstr(text, "carolpass"));
	json_decref(j);
	free(text);

	op.value.expires = 86400 + 3600;
	text = push_json_answer(&op, 200, NULL);
	j = answer_object(text, user_m, 3);
	assert_string_equal(json_string_value(json_object_get(j, "expires")),
			    "1970-01-02T01:00:00Z");
	json_decref(j);
	free(text);

	op_body(&op, PUSH_SECRET, "{\"id\":\"s1\",\"secret\":\"hush-hush\"}");
	text = push_json_answer(&op, 201, NULL);
	j = answer_object(text, secret_m, 2);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "s1");
	assert_null(strstr(text, "hush"));
	json_decref(j);
	free(text);

	op_body(&op, PUSH_OAUTH_KEY,
		"{\"kid\":\"west\",\"key\":\"" KEY32_B64
		"\",\"alg\":\"A256GCM\"}");
	text = push_json_answer(&op, 201, NULL);
	j = answer_object(text, oauth_m, 3);
	assert_string_equal(json_string_value(json_object_get(j, "alg")),
			    "A256GCM");
	assert_null(strstr(text, KEY32_B64));
	assert_null(strstr(text, "MDEy"));
	json_decref(j);
	free(text);

	assert_null(push_json_answer(&op, 204, NULL));

	text = push_json_answer(&op, 409, "oauth is not enabled");
	j = answer_object(text, error_m, 1);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "oauth is not enabled");
	json_decref(j);
	free(text);

	text = push_json_answer(&op, 404, "");
	j = answer_object(text, error_m, 1);
	assert_true(json_string_length(json_object_get(j, "error")) > 0);
	json_decref(j);
	free(text);
}

/* ================================================================ */
/* push_store                                                       */
/* ================================================================ */

/* One op in its own transaction at @p now.  @return its status. */
static int
store1(struct fix *f, struct push_op *op, int64_t now)
{
	struct push_op *ops[1] = { op };

	assert_int_equal(push_store_run(f->st, ops, 1, now), 0);
	return op->status;
}

/* What push_store_load() gave, copied. */
struct loaded {
	size_t n;
	struct push_op ops[16];
};

static void
collect(void *arg, const struct push_op *op)
{
	struct loaded *l = arg;

	if (l->n < sizeof(l->ops) / sizeof(l->ops[0]))
		l->ops[l->n] = *op;
	l->n++;
}

static const struct push_op *
loaded_find(const struct loaded *l, enum push_kind kind, const char *name)
{
	for (size_t i = 0; i < l->n && i < sizeof(l->ops) / sizeof(l->ops[0]); i++)
		if (l->ops[i].kind == kind && strcmp(l->ops[i].name, name) == 0)
			return &l->ops[i];
	return NULL;
}

/* Load the store at @p now into @p l; the count returned must be the
 * number of callbacks. */
static void
load(struct fix *f, int64_t now, struct loaded *l)
{
	char err[512] = "";
	int n;

	memset(l, 0, sizeof(*l));
	n = push_store_load(f->st, now, collect, l, err, sizeof(err));
	if (n < 0)
		fail_msg("push_store_load: %s", err);
	assert_int_equal((size_t)n, l->n);
}

/* Rows of push.db, read with SQLite itself. */
static int
db_rows(const struct fix *f)
{
	char path[128];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int n = -1;

	snprintf(path, sizeof(path), "%s/push.db", f->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
			 SQLITE_OK);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM pushed", -1, &s,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* push.db is made 0600 whatever the umask. */
static void
test_store_open_mode(void **state)
{
	struct fix *f = *state;
	char path[128];
	struct stat sb;
	mode_t old = umask(0);

	store_open(f, REALM);
	umask(old);
	snprintf(path, sizeof(path), "%s/push.db", f->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(db_rows(f), 0);
}

static void
test_store_put_get_del(void **state)
{
	struct fix *f = *state;
	struct push_op put1, put2, get, del;
	struct push_op a, b;
	struct push_op *batch[2] = { &a, &b };

	op_body(&put1, PUSH_USER, "{\"username\":\"dave\",\"password\":\"p1\"}");
	assert_int_equal(store1(f, &put1, 1000), 201);
	assert_false(put1.had_prev);
	assert_int_equal(put1.value.created, 1000);

	op_body(&put2, PUSH_USER, "{\"username\":\"dave\",\"password\":\"p2\"}");
	assert_int_equal(store1(f, &put2, 2000), 200);
	assert_true(put2.had_prev);
	assert_memory_equal(put2.prev.key_md5, put1.value.key_md5,
			    AUTH_LT_KEY_MD5_LEN);
	assert_true(put2.prev.has_sha256);
	assert_memory_equal(put2.prev.key_sha256, put1.value.key_sha256,
			    AUTH_LT_KEY_SHA256_LEN);
	assert_int_equal(put2.prev.created, 1000);
	assert_memory_not_equal(put2.value.key_md5, put1.value.key_md5,
				AUTH_LT_KEY_MD5_LEN);

	/* GET: the facts, no key material. */
	op_named(&get, PUSH_USER, PUSH_GET, "dave");
	memset(&get.value, 0xa5, sizeof(get.value));
	assert_int_equal(store1(f, &get, 3000), 200);
	assert_int_equal(get.value.created, 2000);
	assert_int_equal(get.value.expires, 0);
	assert_true(all_zero(get.value.key_md5, sizeof(get.value.key_md5)));
	assert_true(all_zero(get.value.key_sha256, sizeof(get.value.key_sha256)));
	assert_true(all_zero(&get.prev, sizeof(get.prev)));
	assert_false(get.had_prev);

	/* DEL: 204 with what went, then 404. */
	op_named(&del, PUSH_USER, PUSH_DEL, "dave");
	assert_int_equal(store1(f, &del, 4000), 204);
	assert_true(del.had_prev);
	assert_memory_equal(del.prev.key_md5, put2.value.key_md5,
			    AUTH_LT_KEY_MD5_LEN);
	op_named(&del, PUSH_USER, PUSH_DEL, "dave");
	assert_int_equal(store1(f, &del, 4000), 404);
	op_named(&get, PUSH_USER, PUSH_GET, "dave");
	assert_int_equal(store1(f, &get, 4000), 404);
	assert_int_equal(db_rows(f), 0);

	/* Two PUTs of one name in one transaction: new, then replaced. */
	op_body(&a, PUSH_SECRET, "{\"id\":\"s\",\"secret\":\"one\"}");
	op_body(&b, PUSH_SECRET, "{\"id\":\"s\",\"secret\":\"two\"}");
	assert_int_equal(push_store_run(f->st, batch, 2, 5000), 0);
	assert_int_equal(a.status, 201);
	assert_int_equal(b.status, 200);
	assert_true(b.had_prev);
	assert_int_equal(b.prev.secret_len, 3);
	assert_memory_equal(b.prev.secret, "one", 3);

	/* A secret's and an OAuth key's GET: the bytes wiped. */
	op_named(&get, PUSH_SECRET, PUSH_GET, "s");
	assert_int_equal(store1(f, &get, 6000), 200);
	assert_true(all_zero(get.value.secret, sizeof(get.value.secret)));
	op_body(&a, PUSH_OAUTH_KEY,
		"{\"kid\":\"s\",\"key\":\"" KEY32_B64 "\",\"alg\":\"A256GCM\"}");
	assert_int_equal(store1(f, &a, 6000), 201); /* its own namespace */
	op_body(&b, PUSH_OAUTH_KEY,
		"{\"kid\":\"s\",\"key\":\"" KEY32B_B64 "\",\"alg\":\"A256GCM\"}");
	assert_int_equal(store1(f, &b, 6000), 200);
	/* The key it replaced, whole: push_apply.c may put it back. */
	assert_true(b.had_prev);
	assert_string_equal(b.prev.oauth.kid, "s");
	assert_int_equal(b.prev.oauth.key_len, 32);
	assert_memory_equal(b.prev.oauth.key, KEY32, 32);
	op_named(&get, PUSH_OAUTH_KEY, PUSH_GET, "s");
	assert_int_equal(store1(f, &get, 6000), 200);
	assert_string_equal(get.value.oauth.kid, "s");
	assert_int_equal(get.value.oauth.alg, OAUTH_ALG_A256GCM);
	assert_true(all_zero(get.value.oauth.key, sizeof(get.value.oauth.key)));
	assert_int_equal(db_rows(f), 2);
}

/* An UNDO puts back what the PUT found: nothing, or the old value. */
static void
test_store_undo(void **state)
{
	struct fix *f = *state;
	struct push_op op, p1, p2, get;
	struct loaded *l = calloc(1, sizeof(*l));
	const struct push_op *got;

	assert_non_null(l);
	op_body(&op, PUSH_USER, "{\"username\":\"erin\",\"password\":\"p\"}");
	assert_int_equal(store1(f, &op, 1000), 201);
	op_to_undo(&op);
	assert_int_equal(store1(f, &op, 1000), 200);
	op_named(&get, PUSH_USER, PUSH_GET, "erin");
	assert_int_equal(store1(f, &get, 1000), 404);
	assert_int_equal(db_rows(f), 0);

	op_body(&p1, PUSH_USER, "{\"username\":\"fred\",\"password\":\"p1\"}");
	assert_int_equal(store1(f, &p1, 1000), 201);
	op_body(&p2, PUSH_USER,
		"{\"username\":\"fred\",\"password\":\"p2\",\"lifetime\":60}");
	assert_int_equal(store1(f, &p2, 2000), 200);
	op_to_undo(&p2);
	assert_int_equal(store1(f, &p2, 2000), 200);

	load(f, 3000, l);
	assert_int_equal(l->n, 1);
	got = loaded_find(l, PUSH_USER, "fred");
	assert_non_null(got);
	assert_memory_equal(got->value.key_md5, p1.value.key_md5,
			    AUTH_LT_KEY_MD5_LEN);
	assert_memory_equal(got->value.key_sha256, p1.value.key_sha256,
			    AUTH_LT_KEY_SHA256_LEN);
	assert_int_equal(got->value.created, 1000);
	assert_int_equal(got->value.expires, 0);
	free(l);
}

/* Closed and opened again, the store gives back exactly what is live. */
static void
test_store_reopen(void **state)
{
	struct fix *f = *state;
	struct push_op gina, hank, old, ivan, del, s1, k1;
	struct loaded *l = calloc(1, sizeof(*l));
	const struct push_op *got;
	int64_t now = (int64_t)time(NULL);

	assert_non_null(l);
	op_body(&gina, PUSH_USER, "{\"username\":\"gina\",\"password\":\"g\"}");
	op_body(&hank, PUSH_USER,
		"{\"username\":\"hank\",\"password\":\"h\",\"lifetime\":60}");
	op_body(&old, PUSH_USER, "{\"username\":\"old\",\"password\":\"o\"}");
	old.value.expires = now - 10; /* ended ten seconds ago */
	op_body(&ivan, PUSH_USER, "{\"username\":\"ivan\",\"password\":\"i\"}");
	op_body(&s1, PUSH_SECRET, "{\"id\":\"s1\",\"secret\":\"bytes-of-s1\"}");
	op_body(&k1, PUSH_OAUTH_KEY,
		"{\"kid\":\"k1\",\"key\":\"" KEY32_B64 "\",\"alg\":\"A256GCM\"}");
	assert_int_equal(store1(f, &gina, now - 100), 201);
	assert_int_equal(store1(f, &hank, now - 100), 201);
	assert_int_equal(store1(f, &old, now - 100), 201);
	assert_int_equal(store1(f, &ivan, now - 100), 201);
	assert_int_equal(store1(f, &s1, now - 100), 201);
	assert_int_equal(store1(f, &k1, now - 100), 201);
	op_named(&del, PUSH_USER, PUSH_DEL, "ivan");
	assert_int_equal(store1(f, &del, now - 50), 204);
	assert_int_equal(db_rows(f), 5);

	store_close(f);
	store_open(f, REALM);
	load(f, now, l);
	assert_int_equal(l->n, 4);
	got = loaded_find(l, PUSH_USER, "gina");
	assert_non_null(got);
	assert_int_equal(got->verb, PUSH_PUT);
	assert_memory_equal(got->value.key_md5, gina.value.key_md5,
			    AUTH_LT_KEY_MD5_LEN);
	assert_true(got->value.has_sha256);
	assert_memory_equal(got->value.key_sha256, gina.value.key_sha256,
			    AUTH_LT_KEY_SHA256_LEN);
	assert_int_equal(got->value.expires, 0);
	assert_int_equal(got->value.created, now - 100);
	got = loaded_find(l, PUSH_USER, "hank");
	assert_non_null(got);
	assert_int_equal(got->value.expires, hank.value.expires);
	assert_memory_equal(got->value.key_md5, hank.value.key_md5,
			    AUTH_LT_KEY_MD5_LEN);
	got = loaded_find(l, PUSH_SECRET, "s1");
	assert_non_null(got);
	assert_int_equal(got->value.secret_len, 11);
	assert_memory_equal(got->value.secret, "bytes-of-s1", 11);
	got = loaded_find(l, PUSH_OAUTH_KEY, "k1");
	assert_non_null(got);
	assert_string_equal(got->value.oauth.kid, "k1");
	assert_int_equal(got->value.oauth.alg, OAUTH_ALG_A256GCM);
	assert_int_equal(got->value.oauth.key_len, 32);
	assert_memory_equal(got->value.oauth.key, KEY32, 32);
	assert_null(loaded_find(l, PUSH_USER, "old"));
	assert_null(loaded_find(l, PUSH_USER, "ivan"));

	/* The expired user was purged, not just skipped: a load at a time
	 * before its end does not find it either. */
	assert_int_equal(db_rows(f), 4);
	load(f, now - 60, l);
	assert_int_equal(l->n, 4);
	assert_null(loaded_find(l, PUSH_USER, "old"));
	free(l);
}

/* Users stored under another realm have keys that cannot work: skipped
 * (and kept, for the realm they belong to). */
static void
test_store_other_realm(void **state)
{
	struct fix *f = *state;
	struct push_op u, s;
	struct loaded *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	op_body(&u, PUSH_USER, "{\"username\":\"jill\",\"password\":\"j\"}");
	op_body(&s, PUSH_SECRET, "{\"id\":\"s2\",\"secret\":\"x\"}");
	assert_int_equal(store1(f, &u, 1000), 201);
	assert_int_equal(store1(f, &s, 1000), 201);
	store_close(f);

	store_open(f, "elsewhere.test");
	load(f, 2000, l);
	assert_int_equal(l->n, 1);
	assert_non_null(loaded_find(l, PUSH_SECRET, "s2"));
	store_close(f);

	store_open(f, REALM);
	load(f, 2000, l);
	assert_int_equal(l->n, 2);
	assert_non_null(loaded_find(l, PUSH_USER, "jill"));
	free(l);
}

/* A layout this build does not know is refused, not guessed at; so is a
 * file that is no database. */
static void
test_store_version(void **state)
{
	struct fix *f = *state;
	char path[128], err[512] = "";
	sqlite3 *db = NULL;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/push.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE t (x); "
				      "PRAGMA user_version=99",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_null(push_store_open(f->dir, REALM, err, sizeof(err)));
	if (strstr(err, "99") == NULL)
		fail_msg("message: '%s'", err);

	err[0] = '\0';
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 256; i++)
		fputs("this is not an SQLite database. ", fp);
	assert_int_equal(fclose(fp), 0);
	unlink(strcat(strcpy(err, path), "-wal"));
	unlink(strcat(strcpy(err, path), "-shm"));
	err[0] = '\0';
	assert_null(push_store_open(f->dir, REALM, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

/* push.db and its log, concatenated into @p len bytes (malloc'd). */
static uint8_t *
read_db_files(const struct fix *f, size_t *len)
{
	static const char *const names[] = { "push.db", "push.db-wal" };
	uint8_t *buf = NULL;
	size_t n = 0;

	for (size_t i = 0; i < 2; i++) {
		char path[128];
		FILE *fp;
		long size;

		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		fp = fopen(path, "rb");
		if (fp == NULL)
			continue;
		assert_int_equal(fseek(fp, 0, SEEK_END), 0);
		size = ftell(fp);
		rewind(fp);
		buf = realloc(buf, n + (size_t)size + 1);
		assert_non_null(buf);
		assert_int_equal(fread(buf + n, 1, (size_t)size, fp),
				 (size_t)size);
		n += (size_t)size;
		fclose(fp);
	}
	*len = n;
	return buf;
}

/* The store keeps keys, never the password. */
static void
test_store_no_password(void **state)
{
	static const char pass[] = "Sup3r-S3cret-Passw0rd!";
	struct fix *f = *state;
	struct push_op op;
	char body[256];
	uint8_t *bytes;
	size_t len;

	snprintf(body, sizeof(body),
		 "{\"username\":\"kate\",\"password\":\"%s\"}", pass);
	op_body(&op, PUSH_USER, body);
	assert_int_equal(store1(f, &op, 1000), 201);

	/* While open (the row in the log), then closed (in the file). */
	for (int pass_no = 0; pass_no < 2; pass_no++) {
		bytes = read_db_files(f, &len);
		assert_non_null(bytes);
		/* What is looked for can be found: the key is there. */
		assert_non_null(memmem(bytes, len, op.value.key_md5,
				       AUTH_LT_KEY_MD5_LEN));
		assert_null(memmem(bytes, len, pass, strlen(pass)));
		assert_null(memmem(bytes, len, "Sup3r", 5));
		free(bytes);
		store_close(f);
	}
}

/* ================================================================ */
/* push_pipeline + push_apply                                       */
/* ================================================================ */

/* Turns of the control thread until @p cond holds; false after
 * TIMEOUT_S. */
static bool
control_turns(struct fix *f, bool (*cond)(void *), void *arg)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		push_pipeline_poll(&f->pipe, push_apply_op, &f->apply);
		if (cond(arg))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > TIMEOUT_S)
			return false;
		usleep(100);
	}
}

/* A thread pushing ops one after the other, as an HTTP thread would. */
struct runner {
	struct push_pipeline *p;
	struct push_op **ops;
	size_t n;
	atomic_bool done;
};

static void *
runner_main(void *arg)
{
	struct runner *r = arg;

	for (size_t i = 0; i < r->n; i++)
		push_pipeline_run(r->p, r->ops[i]);
	atomic_store(&r->done, true);
	return NULL;
}

static bool
runner_done(void *arg)
{
	return atomic_load(&((struct runner *)arg)->done);
}

/* Run @p ops in order from a second thread, applying on this one. */
static void
run_ops(struct fix *f, struct push_op **ops, size_t n)
{
	struct runner r = { .p = &f->pipe, .ops = ops, .n = n };
	pthread_t t;
	bool ok;

	atomic_init(&r.done, false);
	assert_int_equal(pthread_create(&t, NULL, runner_main, &r), 0);
	ok = control_turns(f, runner_done, &r);
	if (!ok) /* answers 503 to what waits: the thread ends */
		push_pipeline_shutdown(&f->pipe);
	pthread_join(t, NULL);
	if (!ok)
		fail_msg("no answer in %d s", TIMEOUT_S);
}

/* One op through the pipeline.  @return its status. */
static int
run1(struct fix *f, struct push_op *op)
{
	run_ops(f, &op, 1);
	return op->status;
}

static const struct auth_user *
user_find(struct fix *f, const char *name)
{
	return auth_user_db_find(&f->obj.users, name, strlen(name));
}

/* Whether the REST ring holds @p s; its pushed mark in @p pushed. */
static bool
ring_has(const struct auth_rest_ring *ring, const char *s, bool *pushed)
{
	for (unsigned int i = 0; i < ring->n_secrets; i++)
		if (ring->secrets[i].len == strlen(s) &&
		    memcmp(ring->secrets[i].secret, s, strlen(s)) == 0) {
			if (pushed != NULL)
				*pushed = ring->secrets[i].pushed;
			return true;
		}
	return false;
}

/* A pushed user is in the table at once, marked pushed, with its keys; a
 * file user pushed again is replaced in place; a DEL removes. */
static void
test_pipe_user(void **state)
{
	struct fix *f = *state;
	uint8_t md5[AUTH_LT_KEY_MD5_LEN], sha[AUTH_LT_KEY_SHA256_LEN];
	const struct auth_user *u;
	struct push_op op;
	uint32_t n0 = f->obj.users.n_users;
	int64_t t0 = (int64_t)time(NULL);

	assert_null(user_find(f, "pushy"));
	op_body(&op, PUSH_USER, "{\"username\":\"pushy\",\"password\":\"pw\"}");
	assert_int_equal(run1(f, &op), 201);
	u = user_find(f, "pushy");
	assert_non_null(u);
	assert_true(u->pushed);
	assert_int_equal(u->expires_ms, 0);
	md5_of("pushy", "pw", md5);
	sha256_of("pushy", "pw", sha);
	assert_memory_equal(u->key_md5, md5, sizeof(md5));
	assert_true(u->has_sha256);
	assert_memory_equal(u->key_sha256, sha, sizeof(sha));
	assert_int_equal(f->obj.users.n_users, n0 + 1);
	assert_int_equal(f->apply.applied, 1);

	/* The file's alice, pushed with another password. */
	u = user_find(f, "alice");
	assert_non_null(u);
	assert_false(u->pushed);
	op_body(&op, PUSH_USER, "{\"username\":\"alice\",\"password\":\"new\"}");
	assert_int_equal(run1(f, &op), 201); /* new to the store */
	u = user_find(f, "alice");
	assert_non_null(u);
	assert_true(u->pushed);
	md5_of("alice", "new", md5);
	assert_memory_equal(u->key_md5, md5, sizeof(md5));
	assert_int_equal(f->obj.users.n_users, n0 + 1);

	/* A GET reads the store, the tables are untouched. */
	op_named(&op, PUSH_USER, PUSH_GET, "pushy");
	assert_int_equal(run1(f, &op), 200);
	assert_in_range(op.value.created, t0, (int64_t)time(NULL));
	assert_int_equal(f->apply.applied, 2);

	op_named(&op, PUSH_USER, PUSH_DEL, "pushy");
	assert_int_equal(run1(f, &op), 204);
	assert_null(user_find(f, "pushy"));
	assert_int_equal(f->obj.users.n_users, n0);
	op_named(&op, PUSH_USER, PUSH_DEL, "pushy");
	assert_int_equal(run1(f, &op), 404);
	assert_int_equal(f->apply.applied, 3);
	assert_int_equal(f->apply.rejected, 0);
}

/* A secret joins the ring, marked pushed; pushed again under its id it
 * replaces its old bytes; a DEL takes it out and leaves the file's. */
static void
test_pipe_secret(void **state)
{
	struct fix *f = *state;
	struct push_op op;
	bool pushed = false;

	assert_int_equal(f->obj.rest.n_secrets, 1);
	op_body(&op, PUSH_SECRET, "{\"id\":\"rot\",\"secret\":\"sekrit-one\"}");
	assert_int_equal(run1(f, &op), 201);
	assert_true(ring_has(&f->obj.rest, "sekrit-one", &pushed));
	assert_true(pushed);
	assert_int_equal(f->obj.rest.n_secrets, 2);

	op_body(&op, PUSH_SECRET, "{\"id\":\"rot\",\"secret\":\"sekrit-two\"}");
	assert_int_equal(run1(f, &op), 200);
	assert_false(ring_has(&f->obj.rest, "sekrit-one", NULL));
	assert_true(ring_has(&f->obj.rest, "sekrit-two", &pushed));
	assert_true(pushed);
	assert_int_equal(f->obj.rest.n_secrets, 2);

	op_named(&op, PUSH_SECRET, PUSH_DEL, "rot");
	assert_int_equal(run1(f, &op), 204);
	assert_false(ring_has(&f->obj.rest, "sekrit-two", NULL));
	assert_true(ring_has(&f->obj.rest, "first-secret", &pushed));
	assert_false(pushed);
	assert_int_equal(f->obj.rest.n_secrets, 1);
}

/* Bytes already in force, the file's or another id's, are refused 409 (a
 * DELETE of the second holder would take the first's away), and nothing
 * in force changes. */
static void
test_pipe_secret_in_force(void **state)
{
	struct fix *f = *state;
	struct push_op op;

	op_body(&op, PUSH_SECRET, "{\"id\":\"dup\",\"secret\":\"first-secret\"}");
	assert_int_equal(run1(f, &op), 409);
	assert_non_null(strstr(op.error, "already in force"));
	op_body(&op, PUSH_SECRET, "{\"id\":\"a\",\"secret\":\"shared\"}");
	assert_int_equal(run1(f, &op), 201);
	op_body(&op, PUSH_SECRET, "{\"id\":\"b\",\"secret\":\"shared\"}");
	assert_int_equal(run1(f, &op), 409);
	assert_int_equal(f->obj.rest.n_secrets, 2);
	assert_true(ring_has(&f->obj.rest, "first-secret", NULL));
	assert_true(ring_has(&f->obj.rest, "shared", NULL));
	/* The same bytes pushed again under their own id replace themselves. */
	op_body(&op, PUSH_SECRET, "{\"id\":\"a\",\"secret\":\"shared\"}");
	assert_int_equal(run1(f, &op), 200);
	assert_true(ring_has(&f->obj.rest, "shared", NULL));
}

/* A full ring refuses a ninth secret with 409; the PUT, already stored,
 * is taken back out with an UNDO as push_http.c does. */
static void
test_pipe_secret_full(void **state)
{
	struct fix *f = *state;
	struct push_op op;
	char body[128];

	for (int i = 0; i < AUTH_REST_SECRETS_MAX - 1; i++) {
		snprintf(body, sizeof(body),
			 "{\"id\":\"s%d\",\"secret\":\"bytes-%d\"}", i, i);
		op_body(&op, PUSH_SECRET, body);
		assert_int_equal(run1(f, &op), 201);
	}
	assert_int_equal(f->obj.rest.n_secrets, AUTH_REST_SECRETS_MAX);
	op_body(&op, PUSH_SECRET, "{\"id\":\"ninth\",\"secret\":\"bytes-9\"}");
	assert_int_equal(run1(f, &op), 409);
	assert_non_null(strstr(op.error, "too many"));
	assert_false(ring_has(&f->obj.rest, "bytes-9", NULL));
	assert_int_equal(f->obj.rest.n_secrets, AUTH_REST_SECRETS_MAX);
	assert_int_equal(f->apply.rejected, 1);

	op_to_undo(&op);
	assert_int_equal(run1(f, &op), 200);
	op_named(&op, PUSH_SECRET, PUSH_GET, "ninth");
	assert_int_equal(run1(f, &op), 404);
	op_named(&op, PUSH_SECRET, PUSH_GET, "s0");
	assert_int_equal(run1(f, &op), 200);
}

/* An OAuth key joins the keyring, marked pushed; replaced under its kid;
 * a DEL removes it and leaves the file's. */
static void
test_pipe_oauth(void **state)
{
	struct fix *f = *state;
	const struct auth_oauth_key *k;
	struct push_op op;

	assert_int_equal(f->obj.oauth.n_keys, 1);
	op_body(&op, PUSH_OAUTH_KEY,
		"{\"kid\":\"east\",\"key\":\"" KEY32_B64
		"\",\"alg\":\"A256GCM\"}");
	assert_int_equal(run1(f, &op), 201);
	k = auth_oauth_keyring_find(&f->obj.oauth, "east", 4);
	assert_non_null(k);
	assert_true(k->pushed);
	assert_int_equal(k->alg, OAUTH_ALG_A256GCM);
	assert_int_equal(k->key_len, 32);
	assert_memory_equal(k->key, KEY32, 32);
	assert_int_equal(f->obj.oauth.n_keys, 2);

	op_body(&op, PUSH_OAUTH_KEY,
		"{\"kid\":\"east\",\"key\":\"" KEY32B_B64
		"\",\"alg\":\"A256GCM\"}");
	assert_int_equal(run1(f, &op), 200);
	k = auth_oauth_keyring_find(&f->obj.oauth, "east", 4);
	assert_non_null(k);
	assert_memory_equal(k->key, KEY32B, 32);
	assert_int_equal(f->obj.oauth.n_keys, 2);

	op_named(&op, PUSH_OAUTH_KEY, PUSH_DEL, "east");
	assert_int_equal(run1(f, &op), 204);
	assert_null(auth_oauth_keyring_find(&f->obj.oauth, "east", 4));
	assert_non_null(auth_oauth_keyring_find(&f->obj.oauth, "north", 5));
	assert_int_equal(f->obj.oauth.n_keys, 1);
}

/* With oauth off, an OAuth key is refused 409 by the apply, after the
 * store took it: the UNDO takes it back out. */
static void
test_pipe_refused_undo(void **state)
{
	struct fix *f = *state;
	struct push_op op, get;

	assert_null(f->obj.auth.oauth);
	op_body(&op, PUSH_OAUTH_KEY,
		"{\"kid\":\"east\",\"key\":\"" KEY16_B64
		"\",\"alg\":\"A128GCM\"}");
	assert_int_equal(run1(f, &op), 409);
	assert_non_null(strstr(op.error, "oauth"));
	assert_int_equal(f->obj.oauth.n_keys, 0);
	assert_int_equal(f->apply.rejected, 1);
	assert_int_equal(f->apply.applied, 0);

	/* Stored, though refused: what the UNDO is for. */
	op_named(&get, PUSH_OAUTH_KEY, PUSH_GET, "east");
	assert_int_equal(run1(f, &get), 200);
	op_to_undo(&op);
	assert_int_equal(run1(f, &op), 200);
	op_named(&get, PUSH_OAUTH_KEY, PUSH_GET, "east");
	assert_int_equal(run1(f, &get), 404);
	assert_int_equal(f->obj.oauth.n_keys, 0);

	/* The other mechanisms still take pushes. */
	op_body(&op, PUSH_USER, "{\"username\":\"bob\",\"password\":\"b\"}");
	assert_int_equal(run1(f, &op), 201);
	assert_non_null(user_find(f, "bob"));
}

/* A user whose lifetime ended is removed; one pushed again since (without
 * a lifetime, or with a longer one) is not: its heap entry is stale. */
static void
test_pipe_expire(void **state)
{
	struct fix *f = *state;
	const struct auth_user *u;
	struct push_op op;

	op_body(&op, PUSH_USER,
		"{\"username\":\"tmp\",\"password\":\"t\",\"lifetime\":1}");
	assert_int_equal(run1(f, &op), 201);
	u = user_find(f, "tmp");
	assert_non_null(u);
	/* The wall clock's second left, on the server's clock. */
	assert_in_range(u->expires_ms, NOW_MS, NOW_MS + 1000);
	assert_int_equal(f->apply.n_heap, 1);
	push_apply_expire(&f->apply, NOW_MS - 1);
	assert_non_null(user_find(f, "tmp"));

	op_body(&op, PUSH_USER,
		"{\"username\":\"keep\",\"password\":\"k\",\"lifetime\":1}");
	assert_int_equal(run1(f, &op), 201);
	op_body(&op, PUSH_USER, "{\"username\":\"keep\",\"password\":\"k\"}");
	assert_int_equal(run1(f, &op), 200);
	assert_int_equal(user_find(f, "keep")->expires_ms, 0);
	op_body(&op, PUSH_USER,
		"{\"username\":\"keep2\",\"password\":\"k\",\"lifetime\":1}");
	assert_int_equal(run1(f, &op), 201);
	op_body(&op, PUSH_USER,
		"{\"username\":\"keep2\",\"password\":\"k\",\"lifetime\":100}");
	assert_int_equal(run1(f, &op), 200);
	assert_int_equal(f->apply.n_heap, 4);

	push_apply_expire(&f->apply, NOW_MS + 2000);
	assert_null(user_find(f, "tmp"));
	u = user_find(f, "keep");
	assert_non_null(u);
	assert_true(u->pushed);
	assert_non_null(user_find(f, "keep2"));
	assert_non_null(user_find(f, "alice"));
	assert_int_equal(f->apply.expired, 1);
	assert_int_equal(f->apply.n_heap, 1); /* keep2's second end */

	push_apply_expire(&f->apply, NOW_MS + 200000);
	assert_null(user_find(f, "keep2"));
	assert_non_null(user_find(f, "keep"));
	assert_int_equal(f->apply.expired, 2);
	assert_int_equal(f->apply.n_heap, 0);
}

static bool
has_to_apply(void *arg)
{
	struct push_pipeline *p = arg;
	bool has;

	pthread_mutex_lock(&p->mu);
	has = p->to_apply != NULL;
	pthread_mutex_unlock(&p->mu);
	return has;
}

static void *
run_one_main(void *arg)
{
	struct runner *r = arg;

	push_pipeline_run(r->p, r->ops[0]);
	atomic_store(&r->done, true);
	return NULL;
}

static void
done_count(struct push_op *op)
{
	atomic_fetch_add((atomic_int *)op->done_arg, 1);
}

/* A stop answers 503 to an op stored but not applied (and the waiting
 * thread wakes), and to every later submit at once. */
static void
test_pipe_shutdown(void **state)
{
	struct fix *f = *state;
	struct push_op op, late, *ops[1] = { &op };
	struct runner r = { .p = &f->pipe, .ops = ops, .n = 1 };
	struct loaded *l = calloc(1, sizeof(*l));
	struct timespec t0, t;
	atomic_int answered;
	pthread_t th;
	bool queued;

	assert_non_null(l);
	atomic_init(&r.done, false);
	atomic_init(&answered, 0);
	op_body(&op, PUSH_USER, "{\"username\":\"late\",\"password\":\"l\"}");
	assert_int_equal(pthread_create(&th, NULL, run_one_main, &r), 0);
	/* No poll: the op waits for the control thread. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!(queued = has_to_apply(&f->pipe))) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > TIMEOUT_S)
			break;
		usleep(100);
	}
	push_pipeline_shutdown(&f->pipe);
	pthread_join(th, NULL);
	assert_true(queued);
	assert_true(atomic_load(&r.done));
	assert_int_equal(op.status, 503);
	assert_non_null(strstr(op.error, "stopping"));
	assert_null(user_find(f, "late"));

	op_body(&late, PUSH_USER, "{\"username\":\"later\",\"password\":\"l\"}");
	late.done = done_count;
	late.done_arg = &answered;
	push_pipeline_submit(&f->pipe, &late);
	assert_int_equal(atomic_load(&answered), 1);
	assert_int_equal(late.status, 503);

	assert_int_equal(push_pipeline_counters(&f->pipe).failed, 1);

	/* Stored before the stop: in force after a restart. */
	pipe_stop(f);
	load(f, (int64_t)time(NULL), l);
	assert_int_equal(l->n, 1);
	assert_non_null(loaded_find(l, PUSH_USER, "late"));
	free(l);
}

#define GC_THREADS 8
#define GC_PER_THREAD 25
#define GC_OPS (GC_THREADS * GC_PER_THREAD)

struct gc_submitter {
	struct push_pipeline *p;
	struct push_op *ops;
};

static void *
gc_submit_main(void *arg)
{
	struct gc_submitter *s = arg;

	for (int i = 0; i < GC_PER_THREAD; i++)
		push_pipeline_submit(s->p, &s->ops[i]);
	return NULL;
}

static atomic_int gc_answered;

static bool
gc_all_answered(void *arg)
{
	(void)arg;
	return atomic_load(&gc_answered) == GC_OPS;
}

/* 200 pushes from 8 threads at once: every one stored and applied, in
 * fewer transactions when they queue up (group commit). */
static void
test_pipe_group_commit(void **state)
{
	struct fix *f = *state;
	struct push_op *ops = calloc(GC_OPS, sizeof(*ops));
	struct gc_submitter sub[GC_THREADS];
	pthread_t th[GC_THREADS];
	struct push_counters c;
	char err[512] = "";
	int n_loaded;
	bool ok;

	assert_non_null(ops);
	atomic_init(&gc_answered, 0);
	for (int i = 0; i < GC_OPS; i++) {
		struct push_op *op = &ops[i];

		op->kind = PUSH_USER;
		op->verb = PUSH_PUT;
		op->name_len =
			(size_t)snprintf(op->name, sizeof(op->name), "g%03d", i);
		memset(op->value.key_md5, i, sizeof(op->value.key_md5));
		memset(op->value.key_sha256, i + 1, sizeof(op->value.key_sha256));
		op->value.has_sha256 = true;
		op->done = done_count;
		op->done_arg = &gc_answered;
	}
	for (int t = 0; t < GC_THREADS; t++) {
		sub[t].p = &f->pipe;
		sub[t].ops = &ops[t * GC_PER_THREAD];
		assert_int_equal(pthread_create(&th[t], NULL, gc_submit_main,
						&sub[t]),
				 0);
	}
	for (int t = 0; t < GC_THREADS; t++)
		pthread_join(th[t], NULL);
	ok = control_turns(f, gc_all_answered, NULL);
	c = push_pipeline_counters(&f->pipe);
	if (!ok) {
		pipe_stop(f); /* answers the rest, before the ops go */
		free(ops);
		fail_msg("%d of %d answered in %d s", atomic_load(&gc_answered),
			 GC_OPS, TIMEOUT_S);
	}
	for (int i = 0; i < GC_OPS; i++) {
		const struct auth_user *u = user_find(f, ops[i].name);

		if (ops[i].status != 201)
			fail_msg("%s: %d %s", ops[i].name, ops[i].status,
				 ops[i].error);
		assert_non_null(u);
		assert_true(u->pushed);
		assert_int_equal(u->key_md5[0], (uint8_t)i);
		assert_int_equal(u->key_sha256[0], (uint8_t)(i + 1));
	}
	assert_int_equal(f->apply.applied, GC_OPS);
	assert_int_equal(c.ops, GC_OPS);
	assert_int_equal(c.failed, 0);
	assert_in_range(c.batches, 1, GC_OPS);
	assert_in_range(c.max_batch, 1, PUSH_BATCH_MAX);
	print_message("group commit: %d ops in %llu transactions "
		      "(%.1f ops each, at most %llu)\n",
		      GC_OPS, (unsigned long long)c.batches,
		      (double)GC_OPS / (double)c.batches,
		      (unsigned long long)c.max_batch);
	free(ops);

	pipe_stop(f);
	n_loaded = push_store_load(f->st, (int64_t)time(NULL), push_apply_loaded,
				   &f->apply, err, sizeof(err));
	if (n_loaded < 0)
		fail_msg("load: %s", err);
	assert_int_equal(n_loaded, GC_OPS);
}

int
main(void)
{
#define T(fn) cmocka_unit_test(fn)
#define TD(fn) cmocka_unit_test_setup_teardown(fn, setup_dir, teardown)
#define TS(fn) cmocka_unit_test_setup_teardown(fn, setup_store, teardown)
#define TP(fn) cmocka_unit_test_setup_teardown(fn, setup_pipe_all, teardown)
	const struct CMUnitTest tests[] = {
		T(test_json_user_good),
		T(test_json_bad),
		T(test_json_limits),
		T(test_json_too_big),
		T(test_json_secret),
		T(test_json_oauth_key),
		T(test_json_name),
		T(test_json_answer),
		TD(test_store_open_mode),
		TS(test_store_put_get_del),
		TS(test_store_undo),
		TS(test_store_reopen),
		TS(test_store_other_realm),
		TD(test_store_version),
		TS(test_store_no_password),
		TP(test_pipe_user),
		TP(test_pipe_secret),
		TP(test_pipe_secret_in_force),
		TP(test_pipe_secret_full),
		TP(test_pipe_oauth),
		cmocka_unit_test_setup_teardown(test_pipe_refused_undo,
						setup_pipe_no_oauth, teardown),
		TP(test_pipe_expire),
		TP(test_pipe_shutdown),
		TP(test_pipe_group_commit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
