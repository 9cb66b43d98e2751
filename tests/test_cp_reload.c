/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload (cp_reload.h): the configuration file is rewritten on disk and
 * read again, and real requests through the TURN server (the test
 * harness's, pointed at the control plane's tables as the server is) show
 * what a reload applied: a user added authenticates, a user removed gets
 * 401 while its live allocation stays, pushed credentials survive, secrets
 * and OAuth keys rotate, a now-denied peer is refused, quotas and max-bps
 * take effect, keys that need a restart are reported and left alone, and a
 * bad file changes nothing and says where it is bad.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include "auth_rest.h"
#include "cp_admin.h"
#include "cp_reload.h"
#include "turn_harness.h"

/* The file the server starts with.  Line numbers matter to the error
 * tests: BASE is 9 lines long. */
#define BASE                                                 \
	"relay-ip=198.51.100.1\n"                            \
	"realm=" H_REALM "\n"                                \
	"lt-cred-mech\n"                                     \
	"user=alice:alicepass\n"                             \
	"use-auth-secret\n"                                  \
	"static-auth-secret=first-secret\n"                  \
	"oauth\n"                                            \
	"oauth-key=north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n" \
	"max-bps=125000\n"

/* The same with the user and the OAuth key lines changed. */
#define BASE_WITH(users, keys)                     \
	"relay-ip=198.51.100.1\n"                  \
	"realm=" H_REALM "\n"                      \
	"lt-cred-mech\n" users "use-auth-secret\n" \
	"static-auth-secret=first-secret\n"        \
	"oauth\n" keys "max-bps=125000\n"

/* BASE with @more lines in place of its max-bps line. */
#define LIMITS(more)                        \
	"relay-ip=198.51.100.1\n"           \
	"realm=" H_REALM "\n"               \
	"lt-cred-mech\n"                    \
	"user=alice:alicepass\n"            \
	"use-auth-secret\n"                 \
	"static-auth-secret=first-secret\n" \
	"oauth\n"                           \
	"oauth-key=north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n" more

#define NORTH "oauth-key=north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n"
#define SOUTH                                                           \
	"oauth-key=south:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=:" \
	"A256GCM\n"

struct fix {
	char path[64];
	struct harness h;
	struct tp_config cfg;
	struct cp_objects obj;
	struct cp_reload reload;
	struct cp_admin_ctx ctx;
	struct cp_reload_report rep;
	char out[CP_ADMIN_REPLY_MAX];
};

static void
write_conf(struct fix *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static int
setup(void **state)
{
	static struct fix f;
	char err[512];
	int fd;

	memset(&f, 0, sizeof(f));
	snprintf(f.path, sizeof(f.path), "/tmp/tp_reload_XXXXXX");
	fd = mkstemp(f.path);
	assert_true(fd >= 0);
	close(fd);
	write_conf(&f, BASE);
	if (tp_config_load(&f.cfg, f.path, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
	if (cp_setup_build(&f.obj, &f.cfg, 1, err, sizeof(err)) != 0)
		fail_msg("setup: %s", err);
	h_init(&f.h, 1, false);
	/* The server runs on the control plane's objects, as in turnpike. */
	f.h.params.auth = &f.obj.auth;
	f.h.params.policy = &f.obj.policy;
	f.h.params.max_bps = f.obj.params.max_bps;
	h_start(&f.h);
	f.reload.path = f.path;
	f.reload.boot = &f.cfg;
	f.reload.obj = &f.obj;
	f.reload.srv = f.h.srv;
	f.reload.n_workers = 1;
	f.ctx.obj = &f.obj;
	f.ctx.srv = f.h.srv;
	f.ctx.reload = &f.reload;
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
	cp_reload_fini(&f->reload);
	cp_setup_free(&f->obj);
	tp_config_free(&f->cfg);
	unlink(f->path);
	return 0;
}

/* Rewrite the file and reload; the reload must succeed. */
static void
reload_ok(struct fix *f, const char *text)
{
	write_conf(f, text);
	if (cp_reload_run(&f->reload, "test", &f->rep) != 0)
		fail_msg("reload refused: %s", f->rep.err);
	assert_true(f->rep.ok);
}

/* No key but @a and @b (TP_CONFIG_KEY_COUNT = none) in @keys. */
static void
only_keys(const bool *keys, int a, int b)
{
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++)
		if (keys[k] != (k == a || k == b))
			fail_msg("key %s: %d", tp_config_key_name(k), keys[k]);
}

/* Log in and allocate as @user from 192.0.2.@host.  @return the code. */
static uint16_t
alloc_as(struct fix *f, struct h_client *c, const char *user, const char *pass,
	 uint8_t host)
{
	h_client_init(c, user, pass, host, 5000);
	h_login(&f->h, c);
	return h_allocate(&f->h, c, 0, NULL);
}

/* Run an admin command; the reply's last line must start with @last. */
static const char *
admin(struct fix *f, const char *line, const char *last)
{
	int n = cp_admin_exec(&f->ctx, line, f->out, sizeof(f->out));
	const char *tail;

	assert_true(n > 0);
	tail = f->out + n - 1;
	while (tail > f->out && tail[-1] != '\n')
		tail--;
	if (strncmp(tail, last, strlen(last)) != 0)
		fail_msg("'%s' answered\n%s(wanted '%s...')", line, f->out, last);
	return f->out;
}

/* A user added to the file authenticates after the reload; a client that
 * got its nonce before the reload uses it after (the nonce context is
 * kept). */
static void
test_user_added(void **state)
{
	struct fix *f = *state;
	struct h_client c;

	assert_int_equal(alloc_as(f, &c, "carol", "carolpass", 10), 401);
	reload_ok(f, BASE_WITH("user=alice:alicepass\nuser=carol:carolpass\n",
			       NORTH));
	only_keys(f->rep.changed, TP_CONFIG_KEY_USER, TP_CONFIG_KEY_COUNT);
	only_keys(f->rep.not_applied, TP_CONFIG_KEY_COUNT, TP_CONFIG_KEY_COUNT);
	/* Same nonce as before the reload: no 438. */
	assert_int_equal(h_allocate(&f->h, &c, 0, NULL), 0);
	assert_int_equal(f->obj.users.n_users, 2);
	assert_int_equal(f->reload.n_ok, 1);
	/* The unchanged file again: nothing to report. */
	reload_ok(f, BASE_WITH("user=alice:alicepass\nuser=carol:carolpass\n",
			       NORTH));
	only_keys(f->rep.changed, TP_CONFIG_KEY_COUNT, TP_CONFIG_KEY_COUNT);
}

/* A user removed from the file: new allocations get 401, its live
 * allocation stays (no delete reaches the fast path) until it expires, and
 * its refreshes get 401. */
static void
test_user_removed_alloc_stays(void **state)
{
	struct fix *f = *state;
	struct h_client c, again;
	int mark;

	assert_int_equal(alloc_as(f, &c, "alice", "alicepass", 11), 0);
	mark = f->h.n_ev;
	reload_ok(f, BASE_WITH("user=bob:bobpass\n", NORTH));
	only_keys(f->rep.changed, TP_CONFIG_KEY_USER, TP_CONFIG_KEY_COUNT);
	assert_null(auth_user_db_find(&f->obj.users, "alice", 5));
	assert_int_equal(alloc_as(f, &again, "alice", "alicepass", 12), 401);
	assert_int_equal(turn_server_user_allocs(f->h.srv, "alice", 5), 1);
	assert_int_equal(turn_server_stats(f->h.srv)->allocs_live, 1);
	assert_int_equal(h_count_cmds(&f->h, mark, DP_CMD_ALLOC_DEL), 0);
	assert_int_equal(h_refresh(&f->h, &c, 600), 401);
	assert_int_equal(turn_server_user_allocs(f->h.srv, "alice", 5), 1);
	/* bob, new in the file, gets in. */
	assert_int_equal(alloc_as(f, &again, "bob", "bobpass", 13), 0);
}

/* Users, secrets and keys pushed through the admin socket survive a
 * reload that replaces the file's; a pushed user wins over the file's user
 * of the same name. */
static void
test_pushed_survive(void **state)
{
	struct fix *f = *state;
	struct h_client c;

	admin(f, "user-add dave davepass", "ok");
	admin(f, "user-add carol pushedpass", "ok");
	admin(f, "secret-add pushed-secret", "ok");
	admin(f, "oauth-key-add east:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM", "ok");
	/* The file drops alice, and carol is in it now, with another
	 * password. */
	reload_ok(f, BASE_WITH("user=carol:carolpass\n", NORTH));
	assert_int_equal(f->rep.pushed_kept, 4);
	assert_int_equal(f->rep.pushed_won, 1);
	assert_int_equal(alloc_as(f, &c, "dave", "davepass", 20), 0);
	assert_int_equal(alloc_as(f, &c, "carol", "pushedpass", 21), 0);
	assert_int_equal(alloc_as(f, &c, "carol", "carolpass", 22), 401);
	assert_int_equal(alloc_as(f, &c, "alice", "alicepass", 23), 401);
	assert_int_equal(f->obj.rest.n_secrets, 2);
	assert_true(f->obj.rest.secrets[1].pushed);
	assert_false(f->obj.rest.secrets[0].pushed);
	assert_non_null(auth_oauth_keyring_find(&f->obj.oauth, "east", 4));
	assert_non_null(auth_oauth_keyring_find(&f->obj.oauth, "north", 5));

	/* Still pushed, so a second reload keeps them as well; once deleted
	 * through the socket they are gone for good. */
	reload_ok(f, BASE);
	assert_int_equal(f->rep.pushed_kept, 4);
	assert_int_equal(f->rep.pushed_won, 0);
	assert_int_equal(f->obj.users.n_users, 3); /* alice, dave, carol */
	admin(f, "user-del dave", "ok");
	reload_ok(f, BASE);
	assert_null(auth_user_db_find(&f->obj.users, "dave", 4));
	assert_int_equal(f->rep.pushed_kept, 3);
}

/* Keys that need a restart are reported, left as they were, and nothing
 * else suffers: the realm stays the one every key is derived with. */
static void
test_not_live_reported(void **state)
{
	struct fix *f = *state;
	struct h_client c;
	struct tp_addr relay, running = h_addr("198.51.100.1", 0);

	reload_ok(f, "relay-ip=198.51.100.99\n"
		     "realm=other.example\n"
		     "listening-port=3479\n"
		     "lt-cred-mech\n"
		     "user=alice:alicepass\n"
		     "user=erin:erinpass\n"
		     "use-auth-secret\n"
		     "static-auth-secret=first-secret\n"
		     "oauth\n" NORTH "max-bps=125000\n");
	assert_true(f->rep.not_applied[TP_CONFIG_KEY_RELAY_IP]);
	assert_true(f->rep.not_applied[TP_CONFIG_KEY_REALM]);
	assert_true(f->rep.not_applied[TP_CONFIG_KEY_LISTENING_PORT]);
	/* server-name defaults to the realm, so it differs too. */
	assert_true(f->rep.not_applied[TP_CONFIG_KEY_SERVER_NAME]);
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++)
		if (k != TP_CONFIG_KEY_RELAY_IP && k != TP_CONFIG_KEY_REALM &&
		    k != TP_CONFIG_KEY_LISTENING_PORT &&
		    k != TP_CONFIG_KEY_SERVER_NAME)
			assert_false(f->rep.not_applied[k]);
	only_keys(f->rep.changed, TP_CONFIG_KEY_USER, TP_CONFIG_KEY_COUNT);
	assert_string_equal(f->obj.auth.realm, H_REALM);
	assert_string_equal(f->obj.users.realm, H_REALM);
	/* The users, old and new, authenticate in the running realm, and
	 * relay from the running address. */
	assert_int_equal(alloc_as(f, &c, "alice", "alicepass", 30), 0);
	h_client_init(&c, "erin", "erinpass", 31, 5000);
	h_login(&f->h, &c);
	assert_int_equal(h_allocate(&f->h, &c, 0, &relay), 0);
	assert_true(tp_ip_equal(&relay.ip, &running.ip));

	/* The report in words, for the log and the admin reply. */
	{
		char buf[256];

		cp_reload_keys_format(f->rep.not_applied, buf, sizeof(buf));
		assert_string_equal(buf, "listening-port,relay-ip,realm,"
					 "server-name");
		cp_reload_keys_format(f->rep.not_applied, buf, 20);
		assert_string_equal(buf, "listening-port");
		cp_reload_keys_format(f->rep.changed, buf, sizeof(buf));
		assert_string_equal(buf, "user");
	}
}

/* A bad file changes nothing, and the error names file, line and key. */
static void
test_bad_file(void **state)
{
	struct fix *f = *state;
	struct h_client c;
	char want[128];
	static const struct {
		const char *tail; /* lines 10 and 11 after BASE */
		const char *err;  /* after "PATH:" */
	} bad[] = {
		{ "user=frank:frankpass\nuser=nocolon\n", "11: user: " },
		{ "user=frank:frankpass\nmax-bps=fast\n", "11: max-bps: " },
		{ "user=frank:frankpass\nno-such-key=1\n", "11: no-such-key: " },
		{ "user=frank:frankpass\ndenied-peer-ip=10.0.0.300\n",
		  "11: denied-peer-ip: " },
		/* Refused by the contradiction check, after the parse. */
		{ "user=frank:frankpass\nmin-port=60000\nmax-port=50000\n",
		  "12: max-port: " },
	};
	char text[1024];
	uint32_t users = f->obj.users.n_users;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", BASE, bad[i].tail);
		write_conf(f, text);
		assert_int_equal(cp_reload_run(&f->reload, "test", &f->rep),
				 -EINVAL);
		assert_false(f->rep.ok);
		snprintf(want, sizeof(want), "%s:%s", f->path, bad[i].err);
		if (strncmp(f->rep.err, want, strlen(want)) != 0)
			fail_msg("error '%s', wanted '%s...'", f->rep.err, want);
		/* frank, on the line before the bad one, did not get in. */
		assert_null(auth_user_db_find(&f->obj.users, "frank", 5));
		assert_int_equal(f->obj.users.n_users, users);
	}
	assert_int_equal(f->reload.n_failed, sizeof(bad) / sizeof(bad[0]));
	assert_int_equal(f->reload.n_ok, 0);
	/* A file that is gone. */
	unlink(f->path);
	assert_int_equal(cp_reload_run(&f->reload, "test", &f->rep), -ENOENT);
	assert_non_null(strstr(f->rep.err, "cannot read"));
	/* The old users work, and max-bps is the old one. */
	assert_int_equal(alloc_as(f, &c, "alice", "alicepass", 40), 0);
	assert_int_equal(alloc_as(f, &c, "frank", "frankpass", 41), 401);
}

/* Every reload reopens the usage records' file first, even one that
 * refuses the configuration: after logrotate moved the file away, records
 * go to a new file at the configured path. */
static void
test_usage_json_reopened(void **state)
{
	struct fix *f = *state;
	char path[80], moved[96], err[256];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/tmp/tp_reload_usage_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	snprintf(moved, sizeof(moved), "%s.1", path);
	f->reload.usage_json =
		cp_usage_json_open(path, "realm", err, sizeof(err));
	if (f->reload.usage_json == NULL)
		fail_msg("open: %s", err);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(stat(path, &st), -1);
	write_conf(f, "not a configuration\n");
	assert_int_not_equal(cp_reload_run(&f->reload, "test", &f->rep), 0);
	assert_int_equal(stat(path, &st), 0); /* made again */
	assert_int_equal(st.st_mode & 0777, 0640);
	cp_usage_json_close(f->reload.usage_json);
	f->reload.usage_json = NULL;
	unlink(path);
	unlink(moved);
}

/* The admin socket's reload: the report, an error naming the line, and
 * the counters in stats. */
static void
test_admin_reload(void **state)
{
	struct fix *f = *state;
	const char *out;
	char want[128];

	write_conf(f, BASE "listening-port=3479\nmax-bps=1\n");
	snprintf(want, sizeof(want), "error config %s:11: max-bps: ", f->path);
	admin(f, "reload", want);
	write_conf(f, BASE_WITH("user=alice:alicepass\nuser=gina:ginapass\n",
				NORTH) "listening-port=3479\n");
	out = admin(f, "reload", "ok");
	assert_non_null(strstr(out, "changed=user\n"));
	assert_non_null(strstr(out, "not_applied=listening-port\n"));
	assert_non_null(strstr(out, "users=2\n"));
	out = admin(f, "stats", "ok");
	assert_non_null(strstr(out, "reloads.ok=1\n"));
	assert_non_null(strstr(out, "reloads.failed=1\n"));
	out = admin(f, "help", "ok");
	assert_non_null(strstr(out, "\nreload "));
	admin(f, "reload now", "error usage: reload");
	f->ctx.reload = NULL;
	admin(f, "reload", "error reload is not available here");
}

/* REST secrets and OAuth keys rotate. */
static void
test_secrets_and_keys_rotate(void **state)
{
	struct fix *f = *state;
	struct h_client c;
	char user[32], pass[AUTH_REST_PASSWORD_LEN + 1];
	static const uint8_t mac[20] = { 7, 7, 7 };
	struct auth_oauth_key north, south;
	uint8_t tok[512];
	struct h_token_req t = { .mac_key = mac, .mac_len = 20, .lifetime = 600 };
	const char *north_text = "north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM";
	const char *south_text =
		"south:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=:A256GCM";

	snprintf(user, sizeof(user), "%llu:henry",
		 (unsigned long long)(h_unix_now + 3600));
	assert_int_equal(auth_oauth_key_parse(north_text, strlen(north_text),
					      &north),
			 0);
	assert_int_equal(auth_oauth_key_parse(south_text, strlen(south_text),
					      &south),
			 0);

	reload_ok(f, "relay-ip=198.51.100.1\n"
		     "realm=" H_REALM "\n"
		     "lt-cred-mech\n"
		     "user=alice:alicepass\n"
		     "use-auth-secret\n"
		     "static-auth-secret=second-secret\n"
		     "oauth\n" SOUTH "max-bps=125000\n");
	only_keys(f->rep.changed, TP_CONFIG_KEY_STATIC_AUTH_SECRET,
		  TP_CONFIG_KEY_OAUTH_KEY);

	assert_int_equal(auth_rest_password((const uint8_t *)"first-secret", 12,
					    user, strlen(user), pass),
			 0);
	assert_int_equal(alloc_as(f, &c, user, pass, 50), 401);
	assert_int_equal(auth_rest_password((const uint8_t *)"second-secret",
					    13, user, strlen(user), pass),
			 0);
	assert_int_equal(alloc_as(f, &c, user, pass, 51), 0);

	h_client_init(&c, "north", "x", 52, 5000);
	h_login(&f->h, &c);
	t.kid = "north";
	t.token = tok;
	t.token_len = h_token_mint(&north, mac, tok, sizeof(tok));
	assert_int_equal(h_token_request(&f->h, &c, STUN_METHOD_ALLOCATE, &t),
			 401);
	t.kid = "south";
	t.token_len = h_token_mint(&south, mac, tok, sizeof(tok));
	assert_int_equal(h_token_request(&f->h, &c, STUN_METHOD_ALLOCATE, &t), 0);
}

/* Peer ranges: a peer denied by the new file is refused (403) in
 * CreatePermission; one allowed again is accepted. */
static void
test_peer_ranges(void **state)
{
	struct fix *f = *state;
	struct h_client c;
	struct tp_addr peer = h_addr("8.8.8.8", 9000);

	assert_int_equal(alloc_as(f, &c, "alice", "alicepass", 60), 0);
	assert_int_equal(h_peer_request(&f->h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer, 1, 0),
			 0);
	reload_ok(f, BASE "denied-peer-ip=8.8.8.0/24\n");
	only_keys(f->rep.changed, TP_CONFIG_KEY_DENIED_PEER_IP,
		  TP_CONFIG_KEY_COUNT);
	assert_int_equal(h_peer_request(&f->h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer, 1, 0),
			 403);
	/* The allocation itself is untouched. */
	assert_int_equal(h_refresh(&f->h, &c, 600), 0);
	reload_ok(f, BASE);
	assert_int_equal(h_peer_request(&f->h, &c, STUN_METHOD_CREATE_PERMISSION,
					&peer, 1, 0),
			 0);
}

/* Quotas and max-bps: a new max-bps rides in the next allocation's install
 * command (the live one keeps its own); a lowered user quota refuses the
 * next Allocate (486) and leaves the live allocation alone. */
static void
test_quota_and_max_bps(void **state)
{
	struct fix *f = *state;
	struct h_client c1, c2;
	int mark, i;

	mark = f->h.n_ev;
	assert_int_equal(alloc_as(f, &c1, "alice", "alicepass", 70), 0);
	i = h_find(&f->h, mark, H_CMD);
	assert_int_equal(f->h.ev[i].cmd.type, DP_CMD_ALLOC_ADD);
	assert_int_equal(f->h.ev[i].cmd.u.alloc_add.max_bps, 125000);

	reload_ok(f, LIMITS("max-bps=64000\nuser-quota=1\n"));
	only_keys(f->rep.changed, TP_CONFIG_KEY_USER_QUOTA,
		  TP_CONFIG_KEY_MAX_BPS);
	assert_int_equal(alloc_as(f, &c2, "alice", "alicepass", 71), 486);
	assert_int_equal(turn_server_user_allocs(f->h.srv, "alice", 5), 1);
	assert_int_equal(h_refresh(&f->h, &c1, 600), 0);

	reload_ok(f, LIMITS("max-bps=64000\nuser-quota=2\ntotal-quota=2\n"));
	only_keys(f->rep.changed, TP_CONFIG_KEY_USER_QUOTA,
		  TP_CONFIG_KEY_TOTAL_QUOTA);
	mark = f->h.n_ev;
	assert_int_equal(h_allocate(&f->h, &c2, 0, NULL), 0);
	i = h_find(&f->h, mark, H_CMD);
	assert_int_equal(f->h.ev[i].cmd.type, DP_CMD_ALLOC_ADD);
	assert_int_equal(f->h.ev[i].cmd.u.alloc_add.max_bps, 64000);
	/* bob is not in the file (401); once he is, total-quota=2, reached
	 * by alice's two, refuses him (508: the server is full, not he). */
	assert_int_equal(alloc_as(f, &c1, "bob", "bobpass", 72), 401);
	reload_ok(f, LIMITS("max-bps=64000\nuser-quota=2\ntotal-quota=2\n"
			    "user=bob:bobpass\n"));
	assert_int_equal(alloc_as(f, &c1, "bob", "bobpass", 73), 508);
	assert_int_equal(turn_server_stats(f->h.srv)->allocs_live, 2);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_user_added),     T(test_user_removed_alloc_stays),
		T(test_pushed_survive), T(test_not_live_reported),
		T(test_bad_file),       T(test_usage_json_reopened),
		T(test_admin_reload),   T(test_secrets_and_keys_rotate),
		T(test_peer_ranges),    T(test_quota_and_max_bps),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
