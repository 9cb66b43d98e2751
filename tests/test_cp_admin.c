/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin socket's command language (cp_admin_exec), without a socket:
 * every command, bad arguments, unknown commands, overlong lines, removal
 * of what is absent, mechanisms the configuration left off, and the point
 * of the push interface: a user added at run time authenticates at once
 * (auth_request_check() on a request built here, and a real Allocate
 * through the TURN server), and once removed no longer does.
 *
 * The credential tables come from a configuration text through
 * cp_setup_build(), as in the server; the TURN server is the test harness's
 * (fake sink) pointed at those tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth_rest.h"
#include "cp_admin.h"
#include "cp_log.h"
#include "turn_harness.h"

#define CONF_ALL                            \
	"relay-ip=198.51.100.1\n"           \
	"realm=" H_REALM "\n"               \
	"server-name=turn." H_REALM "\n"    \
	"lt-cred-mech\n"                    \
	"user=alice:alicepass\n"            \
	"use-auth-secret\n"                 \
	"static-auth-secret=first-secret\n" \
	"oauth\n"                           \
	"oauth-key=north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n"

struct fix {
	struct harness h;
	struct tp_config cfg;
	struct cp_objects obj;
	struct cp_admin_ctx ctx;
	char out[CP_ADMIN_REPLY_MAX];
};

static void
build(struct fix *f, const char *conf)
{
	char err[256];

	if (tp_config_parse_text(&f->cfg, "t.conf", conf, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	if (cp_setup_build(&f->obj, &f->cfg, 1, err, sizeof(err)) != 0)
		fail_msg("setup: %s", err);
}

static int
fake_extra(void *arg, char *buf, size_t cap)
{
	(void)arg;
	return snprintf(buf, cap, "dp.fake_counter=7\n");
}

static int
setup(void **state)
{
	static struct fix f;

	memset(&f, 0, sizeof(f));
	build(&f, CONF_ALL);
	h_init(&f.h, 1, false);
	/* The server authenticates against the tables the commands change. */
	f.h.params.auth = &f.obj.auth;
	h_start(&f.h);
	f.ctx.obj = &f.obj;
	f.ctx.srv = f.h.srv;
	f.ctx.extra_stats = fake_extra;
	f.ctx.now_ms = f.h.now_ms;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	h_fini(&f->h);
	cp_admin_ctx_fini(&f->ctx);
	cp_setup_free(&f->obj);
	tp_config_free(&f->cfg);
	return 0;
}

/* Run @line; the reply must end with @last (a whole line). */
static const char *
run(struct fix *f, const char *line, const char *last)
{
	int n = cp_admin_exec(&f->ctx, line, f->out, sizeof(f->out));
	size_t ll = strlen(last);

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(f->out));
	assert_true((size_t)n > ll);
	if (strncmp(f->out + n - ll - 1, last, ll) != 0 || f->out[n - 1] != '\n')
		fail_msg("'%s' answered\n%s(wanted last line '%s')", line,
			 f->out, last);
	/* The last line is the only ok/error line. */
	assert_true(f->out[n - ll - 2] == '\n' || n == (int)ll + 1);
	return f->out;
}

static void
run_ok(struct fix *f, const char *line)
{
	run(f, line, "ok");
}

static void
has(const char *reply, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "%s\n", line);
	if (strncmp(reply, want, strlen(want)) != 0 && strstr(reply, want) == NULL)
		fail_msg("reply lacks '%s':\n%s", line, reply);
}

static void
test_help_and_unknown(void **state)
{
	struct fix *f = *state;
	static const char *const cmds[] = { "stats",         "allocations",
					    "drain",         "user-add",
					    "user-del",      "secret-add",
					    "secret-del",    "oauth-key-add",
					    "oauth-key-del", "help" };

	run_ok(f, "help");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		assert_non_null(strstr(f->out, cmds[i]));
	run_ok(f, "help\n");
	run_ok(f, "  help \r\n");
	run_ok(f, "\thelp\t");
	/* Only the command word is echoed, never its arguments. */
	run(f, "frobnicate hunter2",
	    "error unknown command 'frobnicate' (try help)");
	assert_null(strstr(f->out, "hunter2"));
	run(f, "HELP", "error unknown command 'HELP' (try help)");
	run(f, "", "error empty line (try help)");
	run(f, "   \n", "error empty line (try help)");
	run(f, "help\x01", "error control character in the line");
	run(f, "user-add bob pw\x7f", "error control character in the line");
	assert_int_equal(auth_user_db_find(&f->obj.users, "bob", 3), NULL);
}

static void
test_bad_arguments(void **state)
{
	struct fix *f = *state;

	run(f, "help me", "error usage: help");
	run(f, "stats now", "error usage: stats");
	run(f, "user-add", "error usage: user-add NAME PASSWORD [LIFETIME_S]");
	run(f, "user-add onlyname",
	    "error usage: user-add NAME PASSWORD [LIFETIME_S]");
	run(f, "user-add a b 1 d",
	    "error usage: user-add NAME PASSWORD [LIFETIME_S]");
	run(f, "user-add a b c d e f g",
	    "error usage: user-add NAME PASSWORD [LIFETIME_S]");
	run(f, "user-add a b c", "error LIFETIME_S must be 1..31536000 seconds");
	run(f, "user-add a b 0", "error LIFETIME_S must be 1..31536000 seconds");
	run(f, "user-add a b -5", "error LIFETIME_S must be 1..31536000 seconds");
	run(f, "user-add a b 31536001",
	    "error LIFETIME_S must be 1..31536000 seconds");
	run(f, "user-add a b 99999999999999999999999",
	    "error LIFETIME_S must be 1..31536000 seconds");
	run(f, "user-del", "error usage: user-del NAME");
	run(f, "secret-add", "error usage: secret-add SECRET");
	run(f, "secret-del a b", "error usage: secret-del SECRET");
	run(f, "oauth-key-add", "error usage: oauth-key-add KID:BASE64KEY:ALG");
	run(f, "oauth-key-del", "error usage: oauth-key-del KID");
	run(f, "allocations x", "error N must be 0..1000");
	run(f, "allocations -1", "error N must be 0..1000");
	run(f, "allocations 1001", "error N must be 0..1000");
	run(f, "allocations 99999999999999999999999", "error N must be 0..1000");
	run(f, "allocations 1 2", "error usage: allocations [N]");
	run(f, "user-add bad:name pw", "error a user name cannot contain ':'");
	assert_int_equal(f->obj.users.n_users, 1);
}

static void
test_overlong_line(void **state)
{
	struct fix *f = *state;
	static char line[CP_ADMIN_LINE_MAX + 8];

	/* Exactly the limit is a line (an unknown user)... */
	memset(line, 'x', sizeof(line));
	memcpy(line, "user-del ", 9);
	line[CP_ADMIN_LINE_MAX] = '\0';
	run(f, line, "error no such user");
	line[CP_ADMIN_LINE_MAX] = '\n';
	line[CP_ADMIN_LINE_MAX + 1] = '\0';
	run(f, line, "error no such user");
	/* ...one byte more is not. */
	line[CP_ADMIN_LINE_MAX] = 'x';
	line[CP_ADMIN_LINE_MAX + 1] = '\0';
	run(f, line, "error line longer than 4096 bytes");
	line[CP_ADMIN_LINE_MAX + 7] = '\0';
	run(f, line, "error line longer than 4096 bytes");
	/* A name longer than a user name may be. */
	memcpy(line, "user-add ", 9);
	line[9 + AUTH_LT_USERNAME_MAX + 1] = ' ';
	memcpy(line + 9 + AUTH_LT_USERNAME_MAX + 2, "pw", 3);
	run(f, line,
	    "error name or password empty, longer than 512 bytes, or a "
	    "bad 0x key");
	/* Too small a buffer is refused; a small one truncates cleanly. */
	assert_int_equal(cp_admin_exec(&f->ctx, "help", f->out,
				       CP_ADMIN_REPLY_MIN - 1),
			 -EINVAL);
	assert_true(cp_admin_exec(&f->ctx, "help", f->out, CP_ADMIN_REPLY_MIN) >
		    0);
	assert_non_null(strstr(f->out, "\ntruncated=1\nok\n"));
}

/* A challenge's nonce for @from (the first step of every client). */
static void
get_nonce(const struct auth_config *auth, const struct tp_addr *from,
	  uint64_t now, char nonce[NONCE_LEN + 1])
{
	static const uint8_t tid[STUN_TID_LEN] = { 9 };
	uint8_t buf[256], out[600];
	struct stun_builder b;
	struct stun_msg req, resp;
	struct auth_verdict v;
	const uint8_t *val;
	uint16_t len = 0;
	int n;

	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST), tid);
	stun_build_transport(&b, H_UDP);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&req, buf, (size_t)n), STUN_OK);
	auth_request_check(auth, &req, from, now, &v);
	assert_int_equal(v.error, 401);
	n = auth_challenge_build(auth, &req, &v, from, now, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&resp, out, (size_t)n), STUN_OK);
	val = stun_msg_value(&resp, STUN_SLOT_NONCE, &len);
	assert_non_null(val);
	assert_int_equal(len, NONCE_LEN);
	memcpy(nonce, val, len);
	nonce[len] = '\0';
}

/* An Allocate signed with MD5(user:realm:pass), through the auth step. */
static void
check_user(struct fix *f, const char *user, const char *pass,
	   struct auth_verdict *v)
{
	static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3 };
	struct tp_addr from = h_addr("192.0.2.77", 4000);
	uint64_t now = 1700000000;
	char nonce[NONCE_LEN + 1], s[128];
	uint8_t key[16], buf[600];
	struct stun_builder b;
	struct stun_msg req;
	int n;

	get_nonce(&f->obj.auth, &from, now, nonce);
	n = snprintf(s, sizeof(s), "%s:%s:%s", user, H_REALM, pass);
	assert_int_equal(EVP_Digest(s, (size_t)n, key, NULL, EVP_md5(), NULL), 1);
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST), tid);
	stun_build_transport(&b, H_UDP);
	stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user));
	stun_build_attr(&b, STUN_ATTR_REALM, H_REALM, strlen(H_REALM));
	stun_build_attr(&b, STUN_ATTR_NONCE, nonce, strlen(nonce));
	stun_build_integrity(&b, key, sizeof(key));
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&req, buf, (size_t)n), STUN_OK);
	auth_request_check(&f->obj.auth, &req, &from, now + 1, v);
}

/*
 * An Allocate that negotiates SHA-256 (RFC 8489 9.2.4): the offer sent
 * back, PASSWORD-ALGORITHM SHA-256, MESSAGE-INTEGRITY-SHA256 keyed with
 * SHA-256(user:realm:pass); by USERNAME, or by USERHASH when @by_hash.
 */
static void
check_user_sha256(const struct auth_config *auth, const char *user,
		  const char *pass, bool by_hash, struct auth_verdict *v)
{
	static const uint8_t tid[STUN_TID_LEN] = { 4, 5, 6 };
	static const uint8_t offer[8] = { 0, 2, 0, 0, 0, 1, 0, 0 };
	static const uint8_t sha256[4] = { 0, 2, 0, 0 };
	struct tp_addr from = h_addr("192.0.2.78", 4000);
	uint64_t now = 1700000000;
	char nonce[NONCE_LEN + 1];
	uint8_t key[32], hash[32], buf[600];
	struct stun_builder b;
	struct stun_msg req;
	int n;

	get_nonce(auth, &from, now, nonce);
	assert_int_equal(auth_lt_key_sha256(user, strlen(user), H_REALM,
					    strlen(H_REALM), pass, strlen(pass),
					    key),
			 0);
	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST), tid);
	stun_build_transport(&b, H_UDP);
	if (by_hash) {
		assert_int_equal(auth_lt_userhash(user, strlen(user), H_REALM,
						  strlen(H_REALM), hash),
				 0);
		stun_build_attr(&b, STUN_ATTR_USERHASH, hash, sizeof(hash));
	} else {
		stun_build_attr(&b, STUN_ATTR_USERNAME, user, strlen(user));
	}
	stun_build_attr(&b, STUN_ATTR_REALM, H_REALM, strlen(H_REALM));
	stun_build_attr(&b, STUN_ATTR_NONCE, nonce, strlen(nonce));
	stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHMS, offer, sizeof(offer));
	stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHM, sha256, sizeof(sha256));
	stun_build_integrity_sha256(&b, key, sizeof(key));
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&req, buf, (size_t)n), STUN_OK);
	auth_request_check(auth, &req, &from, now + 1, v);
}

/*
 * The server's nonces offer password algorithms whatever the mechanisms,
 * and username anonymity only when every credential is a table user (a
 * REST username or an OAuth kid cannot be found from its USERHASH).  A
 * pushed user negotiates SHA-256 like a configured one; with an lt-only
 * configuration a client may hide its name behind USERHASH.
 */
static void
test_sha256_pushed_and_userhash(void **state)
{
	struct fix *f = *state;
	static struct fix lt;
	struct auth_verdict v;

	assert_int_equal(f->obj.nonce.features,
			 NONCE_FEATURE_PASSWORD_ALGORITHMS);
	run_ok(f, "user-add pushed pushed-pw");
	check_user_sha256(&f->obj.auth, "pushed", "pushed-pw", false, &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_STATIC);
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_SHA256);
	assert_true(v.integrity_sha256);
	auth_verdict_wipe(&v);
	check_user_sha256(&f->obj.auth, "pushed", "wrong", false, &v);
	assert_int_equal(v.error, 401);

	memset(&lt, 0, sizeof(lt));
	build(&lt, "relay-ip=198.51.100.1\nrealm=" H_REALM
		   "\nlt-cred-mech\nuser=alice:alicepass\n");
	assert_int_equal(lt.obj.nonce.features,
			 NONCE_FEATURE_PASSWORD_ALGORITHMS |
				 NONCE_FEATURE_USERNAME_ANONYMITY);
	check_user_sha256(&lt.obj.auth, "alice", "alicepass", true, &v);
	assert_int_equal(v.error, 0);
	assert_string_equal(v.username, "alice"); /* named from the hash */
	assert_int_equal(v.password_alg, STUN_PASSWORD_ALG_SHA256);
	auth_verdict_wipe(&v);
	cp_setup_free(&lt.obj);
	tp_config_free(&lt.cfg);
}

static void
test_user_push(void **state)
{
	struct fix *f = *state;
	struct auth_verdict v;
	struct h_client c;
	struct tp_addr relay;

	/* Unknown before the push. */
	check_user(f, "pushed", "pushed-pw", &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);
	h_client_init(&c, "pushed", "pushed-pw", 20, 5000);
	h_login(&f->h, &c);
	assert_int_equal(h_allocate(&f->h, &c, 0, NULL), 401);

	has(run(f, "user-add pushed pushed-pw", "ok"), "users=2");
	run(f, "user-add pushed other", "error user exists");
	check_user(f, "pushed", "pushed-pw", &v);
	assert_int_equal(v.error, 0);
	assert_int_equal(v.mech, AUTH_MECH_STATIC);
	assert_string_equal(v.username, "pushed");
	auth_verdict_wipe(&v);
	check_user(f, "pushed", "wrong", &v);
	assert_int_equal(v.error, 401);
	/* The configured user is untouched. */
	check_user(f, "alice", "alicepass", &v);
	assert_int_equal(v.error, 0);

	/* A real Allocate through the server, then the listing shows it. */
	assert_int_equal(h_allocate(&f->h, &c, 0, &relay), 0);
	has(run(f, "allocations", "ok"), "allocations_live=1");
	assert_null(strstr(f->out, "alloc user="));
	run_ok(f, "allocations 10");
	assert_non_null(strstr(f->out, "alloc user=pushed client=192.0.2.20:5000 "
				       "transport=udp relay=198.51.100.1:"));
	assert_non_null(strstr(f->out, "worker=0 expires_in_s=600 token=0\n"));
	has(f->out, "listed=1");

	/* Removal: the allocation stays, its refresh now fails. */
	has(run(f, "user-del pushed", "ok"), "allocations_kept=1");
	has(f->out, "users=1");
	run(f, "user-del pushed", "error no such user");
	check_user(f, "pushed", "pushed-pw", &v);
	assert_int_equal(v.error, 401);
	assert_int_equal(v.reason, AUTH_REASON_UNKNOWN_USER);
	assert_int_equal(h_refresh(&f->h, &c, 600), 401);
	has(run(f, "allocations", "ok"), "allocations_live=1");
	/* And it can come back. */
	run_ok(f, "user-add pushed again-pw");
	check_user(f, "pushed", "again-pw", &v);
	assert_int_equal(v.error, 0);
	auth_verdict_wipe(&v);
}

static void
test_secrets(void **state)
{
	struct fix *f = *state;
	uint8_t keys[AUTH_REST_SECRETS_MAX][AUTH_REST_KEY_MD5_LEN];
	char cmd[64];

	has(run(f, "secret-add second-secret", "ok"), "secrets=2");
	run(f, "secret-add second-secret", "error secret already present");
	run(f, "secret-del never-added", "error no such secret");
	assert_int_equal(auth_rest_ring_keys_md5(&f->obj.rest, "1700003600:x",
						 H_REALM, 1700000000, keys,
						 AUTH_REST_SECRETS_MAX),
			 2);
	for (int i = 2; i < AUTH_REST_SECRETS_MAX; i++) {
		snprintf(cmd, sizeof(cmd), "secret-add s%d", i);
		run_ok(f, cmd);
	}
	run(f, "secret-add one-too-many", "error too many secrets (at most 8)");
	has(run(f, "secret-del first-secret", "ok"), "secrets=7");
	assert_memory_equal(f->obj.rest.secrets[0].secret, "second-secret", 13);
	/* Secrets never reach the reply. */
	assert_null(strstr(f->out, "first-secret"));
}

static void
test_oauth_keys(void **state)
{
	struct fix *f = *state;
	static const struct auth_oauth_key zero;

	has(run(f, "oauth-key-add east:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=:A256GCM",
		"ok"),
	    "oauth_keys=2");
	assert_int_equal(auth_oauth_keyring_find(&f->obj.oauth, "east", 4)->key_len,
			 32);
	run(f, "oauth-key-add east:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM",
	    "error key id already present");
	run(f, "oauth-key-add west:MTIzNDU2Nzg5MDEyMzQ1Ng==:A256GCM",
	    "error expected KID:BASE64KEY:A128GCM or KID:BASE64KEY:A256GCM "
	    "(16 or 32 byte key)");
	run(f, "oauth-key-add west:not*base64:A128GCM",
	    "error expected KID:BASE64KEY:A128GCM or KID:BASE64KEY:A256GCM "
	    "(16 or 32 byte key)");
	run(f, "oauth-key-add nocolons",
	    "error expected KID:BASE64KEY:A128GCM or KID:BASE64KEY:A256GCM "
	    "(16 or 32 byte key)");
	run(f, "oauth-key-del west", "error no such key id");
	has(run(f, "oauth-key-del north", "ok"), "oauth_keys=1");
	assert_null(auth_oauth_keyring_find(&f->obj.oauth, "north", 5));
	assert_memory_equal(&f->obj.oauth.keys[1], &zero, sizeof(zero));
	run(f, "oauth-key-del north", "error no such key id");
	has(run(f, "oauth-key-del east", "ok"), "oauth_keys=0");
	assert_memory_equal(&f->obj.oauth.keys[0], &zero, sizeof(zero));
}

static void
test_stats(void **state)
{
	struct fix *f = *state;
	struct h_client c;

	h_client_init(&c, "alice", "alicepass", 21, 5000);
	h_login(&f->h, &c);
	assert_int_equal(h_allocate(&f->h, &c, 0, NULL), 0);
	run_ok(f, "stats");
	has(f->out, "allocations_live=1");
	has(f->out, "allocations_created=1");
	has(f->out, "requests.allocate=2");
	has(f->out, "replies.401_unauthorized=1");
	has(f->out, "auth.no_integrity=1");
	has(f->out, "auth.ok=1");
	has(f->out, "peers_refused.loopback=0");
	has(f->out, "credentials.users=1");
	has(f->out, "credentials.secrets=1");
	has(f->out, "credentials.oauth_keys=1");
	has(f->out, "dp.fake_counter=7");
	f->ctx.srv = NULL;
	run(f, "stats", "error no server");
	run(f, "allocations", "error no server");
	f->ctx.srv = f->h.srv;
}

/* As cp_loop_admin_drain() does, on the harness's server. */
static unsigned int drain_calls;

static bool
fake_drain(void *arg)
{
	drain_calls++;
	return turn_server_drain(arg);
}

/* drain: through the callback, once; stats shows it; Allocate refused. */
static void
test_drain(void **state)
{
	struct fix *f = *state;
	struct h_client c, d;

	h_client_init(&c, "alice", "alicepass", 21, 5000);
	h_client_init(&d, "alice", "alicepass", 22, 5000);
	h_login(&f->h, &c);
	h_login(&f->h, &d);
	assert_int_equal(h_allocate(&f->h, &c, 0, NULL), 0);
	has(run(f, "stats", "ok"), "draining=0");
	/* Without the control loop's callback: an error, nothing changes. */
	run(f, "drain", "error draining is not available");
	assert_false(turn_server_draining(f->h.srv));
	run(f, "drain now", "error usage: drain");

	drain_calls = 0;
	f->ctx.drain = fake_drain;
	f->ctx.drain_arg = f->h.srv;
	run_ok(f, "drain");
	has(f->out, "draining=1");
	has(f->out, "started=1");
	has(f->out, "allocations_live=1");
	assert_true(turn_server_draining(f->h.srv));
	/* A second one is harmless. */
	run_ok(f, "drain");
	has(f->out, "draining=1");
	has(f->out, "started=0");
	assert_int_equal(drain_calls, 2);
	has(run(f, "stats", "ok"), "draining=1");
	/* The harness's server has no alternate: a new Allocate gets 403. */
	assert_int_equal(h_allocate(&f->h, &d, 0, NULL), 403);
	has(run(f, "stats", "ok"), "replies.403_forbidden=1");
	f->ctx.drain = NULL;
}

/* Mechanisms the configuration left off cannot be fed. */
static void
test_mechanisms_off(void **state)
{
	struct fix *f = *state;
	struct fix *g = test_calloc(1, sizeof(*g));

	(void)f;
	build(g, "relay-ip=198.51.100.1\nrealm=" H_REALM "\n"
		 "lt-cred-mech\nuser=alice:alicepass\n");
	g->ctx.obj = &g->obj;
	run(g, "secret-add s",
	    "error use-auth-secret is not enabled in the "
	    "configuration");
	run(g, "oauth-key-add k:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM",
	    "error oauth is not enabled in the configuration");
	run(g, "oauth-key-del k",
	    "error oauth is not enabled in the configuration");
	run_ok(g, "user-add bob bobpw");
	cp_setup_free(&g->obj);
	tp_config_free(&g->cfg);

	memset(g, 0, sizeof(*g));
	build(g, "relay-ip=198.51.100.1\nrealm=" H_REALM "\n"
		 "use-auth-secret\nstatic-auth-secret=x\n");
	g->ctx.obj = &g->obj;
	run(g, "user-add bob bobpw",
	    "error lt-cred-mech is not enabled in the "
	    "configuration");
	run(g, "user-del bob",
	    "error lt-cred-mech is not enabled in the "
	    "configuration");
	run_ok(g, "secret-add y");
	cp_setup_free(&g->obj);
	tp_config_free(&g->cfg);

	memset(g, 0, sizeof(*g));
	build(g, "relay-ip=198.51.100.1\nrealm=" H_REALM "\nno-auth\n");
	g->ctx.obj = &g->obj;
	run(g, "user-add bob bobpw", "error authentication is off (no-auth)");
	run(g, "secret-add s", "error authentication is off (no-auth)");
	run_ok(g, "help");
	cp_setup_free(&g->obj);
	tp_config_free(&g->cfg);
	test_free(g);
}

/*
 * rest-max-lifetime reaches the REST ring: by default (25 hours) a
 * credential expiring in 25 hours is accepted, one expiring a second later
 * or in a year is refused; a configured week accepts two days.
 */
static void
test_rest_max_lifetime(void **state)
{
	struct fix *f = *state;
	struct fix *g = test_calloc(1, sizeof(*g));
	uint8_t keys[AUTH_REST_SECRETS_MAX][AUTH_REST_KEY_MD5_LEN];
	const uint64_t now = 1700000000;

	assert_int_equal(f->obj.rest.max_ttl_s, 90000);
	assert_int_equal(auth_rest_ring_keys_md5(&f->obj.rest, "1700090000:x",
						 H_REALM, now, keys, 1),
			 1);
	assert_int_equal(auth_rest_ring_keys_md5(&f->obj.rest, "1700090001:x",
						 H_REALM, now, keys, 1),
			 -EINVAL);
	assert_int_equal(auth_rest_ring_keys_md5(&f->obj.rest, "1731536000:x",
						 H_REALM, now, keys, 1),
			 -EINVAL);

	build(g, "relay-ip=198.51.100.1\nrealm=" H_REALM "\n"
		 "use-auth-secret\nstatic-auth-secret=x\n"
		 "rest-max-lifetime=604800\n");
	assert_int_equal(auth_rest_ring_keys_md5(&g->obj.rest, "1700172800:x",
						 H_REALM, now, keys, 1),
			 1);
	assert_int_equal(auth_rest_ring_keys_md5(&g->obj.rest, "1700604801:x",
						 H_REALM, now, keys, 1),
			 -EINVAL);
	cp_setup_free(&g->obj);
	tp_config_free(&g->cfg);
	test_free(g);
}

/* cp_log_escape(): printable ASCII kept, everything else as \xHH. */
static void
test_escape(void **state)
{
	char out[CP_LOG_ESCAPED_SIZE(16)];
	char tiny[6];

	(void)state;
	assert_string_equal(cp_log_escape(out, sizeof(out), "a:b=c", 5), "a:b=c");
	assert_string_equal(cp_log_escape(out, sizeof(out), "x\ny z", 5),
			    "x\\x0ay\\x20z");
	assert_string_equal(cp_log_escape(out, sizeof(out), "\0\\\x7f\xff\r", 5),
			    "\\x00\\x5c\\x7f\\xff\\x0d");
	assert_string_equal(cp_log_escape(out, sizeof(out), "", 0), "");
	/* Short of room: whole escapes only. */
	assert_string_equal(cp_log_escape(tiny, sizeof(tiny), "ab\ncd", 5), "ab");
	assert_string_equal(cp_log_escape(tiny, sizeof(tiny), "abcdefgh", 8),
			    "abcde");
}

/*
 * A REST user id is the web application's to choose, so it may hold a
 * newline: the listing escapes it and the reply still ends in one "ok"
 * line.  A pushed user name with a control byte never gets in.
 */
static void
test_names_escaped(void **state)
{
	struct fix *f = *state;
	struct h_client c;
	char user[64], pass[AUTH_REST_PASSWORD_LEN + 1];
	const char *out;

	snprintf(user, sizeof(user), "%llu:eve\nok\nalloc user=x",
		 (unsigned long long)(h_unix_now + 3600));
	assert_int_equal(auth_rest_password((const uint8_t *)"first-secret", 12,
					    user, strlen(user), pass),
			 0);
	h_client_init(&c, user, pass, 30, 6000);
	h_login(&f->h, &c);
	assert_int_equal(h_allocate(&f->h, &c, 0, NULL), 0);
	out = run(f, "allocations 10", "ok");
	assert_non_null(strstr(out, ":eve\\x0aok\\x0aalloc\\x20user=x "
				    "client=192.0.2.30:6000 "));
	assert_null(strstr(out, "\nok\nalloc"));
	has(out, "listed=1");

	/* Pushed names cannot hold one: the line is refused whole. */
	run(f, "user-add bad\rname pw", "error control character in the line");
	run(f, "user-add bad\x1bname pw", "error control character in the line");
	assert_null(auth_user_db_find(&f->obj.users, "bad\rname", 8));
}

/* A user pushed with a lifetime goes by itself; one pushed as an MD5 key
 * (the 0x form of user= lines) authenticates with the password behind it. */
static void
test_user_lifetime_and_key(void **state)
{
	struct fix *f = *state;
	struct auth_verdict v;
	uint8_t key[16];
	char cmd[128], s[64];
	int n;

	f->ctx.now_ms = 5000000;
	has(run(f, "user-add brief brief-pw 60", "ok"), "expires_in_s=60");
	has(run(f, "user-add longer longer-pw 120", "ok"), "users=3");
	check_user(f, "brief", "brief-pw", &v);
	assert_int_equal(v.error, 0);
	/* Not yet. */
	cp_admin_expire(&f->ctx, 5000000 + 59999);
	assert_non_null(auth_user_db_find(&f->obj.users, "brief", 5));
	/* Due: gone, the other stays. */
	cp_admin_expire(&f->ctx, 5000000 + 60000);
	assert_null(auth_user_db_find(&f->obj.users, "brief", 5));
	assert_non_null(auth_user_db_find(&f->obj.users, "longer", 6));
	check_user(f, "brief", "brief-pw", &v);
	assert_int_equal(v.error, 401);
	/* Removed by hand first: its timer goes with it, and a re-add without
	 * a lifetime is permanent. */
	run_ok(f, "user-del longer");
	run_ok(f, "user-add longer again");
	f->ctx.now_ms = 5000000 + 10000000;
	run_ok(f, "help"); /* every command runs the expiry first */
	assert_non_null(auth_user_db_find(&f->obj.users, "longer", 6));
	assert_int_equal(f->ctx.n_expiry, 0);
	/* Expiry also happens on the next command, without a poll. */
	run_ok(f, "user-add gone-soon pw 1");
	f->ctx.now_ms += 1000;
	has(run(f, "stats", "ok"), "credentials.users=2");

	/* The MD5 key form. */
	n = snprintf(s, sizeof(s), "keyed:%s:keyed-pw", H_REALM);
	assert_int_equal(EVP_Digest(s, (size_t)n, key, NULL, EVP_md5(), NULL), 1);
	n = snprintf(cmd, sizeof(cmd), "user-add keyed 0x");
	for (int i = 0; i < 16; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, "%02x", key[i]);
	run_ok(f, cmd);
	check_user(f, "keyed", "keyed-pw", &v);
	assert_int_equal(v.error, 0);
	auth_verdict_wipe(&v);
	run(f, "user-add badkey 0x1234",
	    "error name or password empty, longer than 512 bytes, or a bad 0x key");
}

/* ---- the socket (cp_admin_sock.c) ---- */

static int
client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Poll the server until @fd has sent @want bytes ending in a verdict line,
 * or closed.  @return the bytes read. */
static size_t
client_read(struct cp_admin *a, uint64_t *now, int fd, char *buf, size_t cap,
	    int verdicts)
{
	size_t len = 0;

	for (int i = 0; i < 2000 && len + 1 < cap; i++) {
		ssize_t n;
		int seen = 0;

		cp_admin_poll(a, ++*now);
		n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
		buf[len] = '\0';
		for (const char *p = buf; (p = strstr(p, "\nok\n")) != NULL; p++)
			seen++;
		for (const char *p = buf; (p = strstr(p, "error ")) != NULL; p++)
			seen++;
		if (strncmp(buf, "ok\n", 3) == 0)
			seen++;
		if (seen >= verdicts)
			break;
		usleep(1000);
	}
	buf[len] = '\0';
	return len;
}

static void
test_socket(void **state)
{
	struct fix *f = *state;
	static char buf[CP_ADMIN_REPLY_MAX];
	char path[108], dir[] = "/tmp/tp-admin-test.XXXXXX", err[256];
	struct cp_admin a, b;
	struct stat st;
	uint64_t now = 1;
	int fd, fds[CP_ADMIN_CONNS_MAX + 1];
	ssize_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/admin.sock", dir);
	assert_int_equal(cp_admin_open(&a, path, &f->ctx, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);

	/* A second server on the same path is refused while we answer. */
	assert_int_equal(cp_admin_open(&b, path, &f->ctx, err, sizeof(err)),
			 -EADDRINUSE);
	assert_non_null(strstr(err, "another server answers"));
	cp_admin_close(&b);

	/* Two commands in one write, then end of input: two replies, close. */
	fd = client_connect(path);
	assert_int_equal(send(fd, "help\nuser-add sock pw", 21, 0), 21);
	shutdown(fd, SHUT_WR);
	client_read(&a, &now, fd, buf, sizeof(buf), 2);
	assert_non_null(strstr(buf, "oauth-key-del KID"));
	assert_non_null(strstr(buf, "ok\nusers=2\nok\n"));
	assert_non_null(auth_user_db_find(&f->obj.users, "sock", 4));
	close(fd);

	/*
	 * A trickle: one byte every 20 s never completes a line in time and
	 * is closed 30 s after the accept, although it was never silent for
	 * 30 s.  A whole command every 20 s keeps its connection.
	 */
	fd = client_connect(path);
	cp_admin_poll(&a, ++now); /* accepted at @now */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(send(fd, "s", 1, 0), 1);
		now += 20000;
		cp_admin_poll(&a, now);
		if (i == 0)
			assert_int_equal(recv(fd, buf, 1, MSG_DONTWAIT), -1);
	}
	/* Closed with the second byte unread: a reset, or end of input. */
	errno = 0;
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_true(n == 0 || (n == -1 && errno == ECONNRESET));
	close(fd);
	fd = client_connect(path);
	cp_admin_poll(&a, ++now);
	for (int i = 0; i < 3; i++) {
		now += 20000;
		assert_int_equal(send(fd, "help\n", 5, 0), 5);
		client_read(&a, &now, fd, buf, sizeof(buf), 1);
		assert_non_null(strstr(buf, "\nok\n"));
	}
	close(fd);

	/* An overlong line: the error, then the connection closes. */
	fd = client_connect(path);
	memset(buf, 'y', CP_ADMIN_LINE_MAX + 10);
	assert_int_equal(send(fd, buf, CP_ADMIN_LINE_MAX + 10, 0),
			 CP_ADMIN_LINE_MAX + 10);
	client_read(&a, &now, fd, buf, sizeof(buf), 1);
	assert_string_equal(buf, "error line longer than 4096 bytes\n");
	for (int i = 0; i < 50; i++)
		cp_admin_poll(&a, ++now);
	/* Closed (reset, as the rest of the line was never read). */
	assert_true(recv(fd, buf, 1, MSG_DONTWAIT) == 0 || errno == ECONNRESET);
	close(fd);

	/* Every slot taken: the next client is told so; an idle one is
	 * closed after CP_ADMIN_IDLE_MS. */
	for (int i = 0; i <= CP_ADMIN_CONNS_MAX; i++) {
		fds[i] = client_connect(path);
		cp_admin_poll(&a, ++now);
	}
	client_read(&a, &now, fds[CP_ADMIN_CONNS_MAX], buf, sizeof(buf), 1);
	assert_string_equal(buf, "error too many admin connections\n");
	now += CP_ADMIN_IDLE_MS + 1;
	cp_admin_poll(&a, now);
	for (int i = 0; i < CP_ADMIN_CONNS_MAX; i++) {
		assert_int_equal(recv(fds[i], buf, 1, MSG_DONTWAIT), 0);
		close(fds[i]);
	}
	close(fds[CP_ADMIN_CONNS_MAX]);

	/* A client that vanishes mid-reply costs nothing. */
	fd = client_connect(path);
	assert_int_equal(send(fd, "stats\n", 6, 0), 6);
	close(fd);
	for (int i = 0; i < 20; i++)
		cp_admin_poll(&a, ++now);

	cp_admin_close(&a);
	assert_int_equal(stat(path, &st), -1);
	cp_admin_close(&a); /* twice is harmless */

	/* A stale socket file (nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(cp_admin_open(&a, path, &f->ctx, err, sizeof(err)), 0);
	fd = client_connect(path);
	assert_int_equal(send(fd, "user-del sock\n", 14, 0), 14);
	client_read(&a, &now, fd, buf, sizeof(buf), 1);
	assert_non_null(strstr(buf, "users=1\n"));
	close(fd);
	cp_admin_close(&a);

	/* A path that is not a socket is left alone. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(cp_admin_open(&a, path, &f->ctx, err, sizeof(err)),
			 -EEXIST);
	cp_admin_close(&a);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_help_and_unknown),
		T(test_bad_arguments),
		T(test_overlong_line),
		T(test_user_push),
		T(test_sha256_pushed_and_userhash),
		T(test_user_lifetime_and_key),
		T(test_secrets),
		T(test_rest_max_lifetime),
		T(test_escape),
		T(test_names_escaped),
		T(test_oauth_keys),
		T(test_stats),
		T(test_drain),
		T(test_mechanisms_off),
		T(test_socket),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
