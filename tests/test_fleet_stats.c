/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Allocation status and traffic in redis-statsdb: coturn's topics and
 * texts (fleet_stats_layout.h, pure), and the publisher thread
 * (fleet_stats.h) against a real redis-server, read back as a coturn
 * consumer would: a subscriber to the pattern "turn/realm/" plus "*",
 * GET on the status keys.
 *
 * The group setup starts redis-server (the Debian package's) on a free
 * TCP port of 127.0.0.1 (redis_link.h speaks TCP) and a unix socket in a
 * directory of its own under /tmp (the subscriber's), with persistence
 * off; the group teardown kills it and removes the directory, which
 * cmocka runs after a failed test too.  The server dies with this process
 * in any case (PR_SET_PDEATHSIG).  Without redis-server the Redis tests
 * are skipped.  Each test's own teardown stops its publisher, so a failed
 * assertion leaves no thread behind, and restarts the server if the test
 * stopped it.
 */
#define _GNU_SOURCE
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
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleet_stats.h"
#include "fleet_stats_layout.h"
#include "redis_conf.h"
#include "turnpike/dp_msg.h"

#define REDIS_SERVER "/usr/bin/redis-server"
#define REALM "turnpike.test"
/* How long a test waits for the thread at most, ms. */
#define WAIT_MS 8000

/* The group's redis-server. */
static struct {
	char dir[64];
	char sock[128];
	uint16_t port;
	pid_t pid; /* 0: not running */
} srv;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A TCP port of 127.0.0.1 nobody listens on (a moment ago); with
 * @p keep, the socket still bound and listening, never accepting. */
static uint16_t
free_port(int *keep)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	if (keep != NULL) {
		assert_int_equal(listen(fd, 64), 0);
		*keep = fd;
	} else {
		close(fd);
	}
	return ntohs(a.sin_port);
}

/* A connection to the server's unix socket, or NULL. */
static redisContext *
redis_unix(void)
{
	redisContext *c = redisConnectUnix(srv.sock);

	if (c != NULL && c->err != 0) {
		redisFree(c);
		return NULL;
	}
	return c;
}

/* Start redis-server and wait until it answers.  @return 0 or -1. */
static int
redis_start(void)
{
	char port[8];
	uint64_t until;
	pid_t pid;

	snprintf(port, sizeof(port), "%u", srv.port);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char log[128];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(log, sizeof(log), "%s/redis.log", srv.dir);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(REDIS_SERVER, "redis-server", "--port", port, "--bind",
		      "127.0.0.1", "--unixsocket", srv.sock, "--save", "",
		      "--appendonly", "no", "--dir", srv.dir, "--daemonize",
		      "no", (char *)NULL);
		_exit(127);
	}
	srv.pid = pid;
	until = mono_ms() + 5000;
	while (mono_ms() < until) {
		redisContext *c = redis_unix();

		if (c != NULL) {
			redisReply *r = redisCommand(c, "PING");
			bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;

			if (r != NULL)
				freeReplyObject(r);
			redisFree(c);
			if (ok)
				return 0;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			srv.pid = 0;
			return -1;
		}
		sleep_ms(10);
	}
	return -1;
}

static void
redis_stop(void)
{
	if (srv.pid == 0)
		return;
	kill(srv.pid, SIGKILL);
	waitpid(srv.pid, NULL, 0);
	srv.pid = 0;
	unlink(srv.sock);
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

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

static int
group_setup(void **state)
{
	(void)state;
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/tp-statsdb-XXXXXX");
	if (mkdtemp(srv.dir) == NULL)
		return -1;
	snprintf(srv.sock, sizeof(srv.sock), "%s/redis.sock", srv.dir);
	if (access(REDIS_SERVER, X_OK) != 0)
		return 0; /* the Redis tests skip */
	srv.port = free_port(NULL);
	if (redis_start() != 0) { /* the port taken meanwhile: once more */
		srv.port = free_port(NULL);
		if (redis_start() != 0)
			return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	redis_stop();
	rm_dir(srv.dir);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The layout (pure)                                                   */
/* ------------------------------------------------------------------ */

static void
test_topics(void **state)
{
	struct fleet_stats_alloc a = { .realm = REALM,
				       .user = "1712345678:alice",
				       .user_len = 16,
				       .id = 42 };
	char t[FLEET_STATS_TOPIC_MAX];
	int n;

	(void)state;
	n = fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_STATUS);
	assert_int_equal(n, strlen(t));
	assert_string_equal(t, "turn/realm/turnpike.test/user/1712345678:alice/"
			       "allocation/000000000000000042/status");
	fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_TRAFFIC);
	assert_string_equal(t, "turn/realm/turnpike.test/user/1712345678:alice/"
			       "allocation/000000000000000042/traffic");
	fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_TRAFFIC_PEER);
	assert_string_equal(t, "turn/realm/turnpike.test/user/1712345678:alice/"
			       "allocation/000000000000000042/traffic/peer");
	fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_TOTAL_TRAFFIC);
	assert_string_equal(t, "turn/realm/turnpike.test/user/1712345678:alice/"
			       "allocation/000000000000000042/total_traffic");
	fleet_stats_topic_format(t, sizeof(t), &a,
				 FLEET_TOPIC_TOTAL_TRAFFIC_PEER);
	assert_string_equal(t, "turn/realm/turnpike.test/user/1712345678:alice/"
			       "allocation/000000000000000042/"
			       "total_traffic/peer");

	/* No realm (no-auth): coturn's turn/user/ layout, empty user. */
	a.realm = "";
	a.user_len = 0;
	a.id = UINT64_MAX; /* wider than 18 digits: all of them */
	fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_STATUS);
	assert_string_equal(t, "turn/user//allocation/18446744073709551615/"
			       "status");

	/* Too small a buffer, names too long. */
	a.realm = REALM;
	assert_int_equal(fleet_stats_topic_format(t, 20, &a, FLEET_TOPIC_STATUS),
			 -ENAMETOOLONG);
	a.user_len = FLEET_STATS_USER_MAX + 1;
	a.user = t;
	assert_int_equal(fleet_stats_topic_format(t, sizeof(t), &a,
						  FLEET_TOPIC_STATUS),
			 -ENAMETOOLONG);
}

static void
test_escape(void **state)
{
	/* A user name forging a level, a line and a field. */
	static const char evil[] = "bob/allocation/1/status\nx y%z\x7f\xc3\xa9";
	struct fleet_stats_alloc a = { .realm = REALM,
				       .user = evil,
				       .user_len = sizeof(evil) - 1,
				       .id = 7 };
	char t[FLEET_STATS_TOPIC_MAX], big[3 * FLEET_STATS_USER_MAX + 1];
	char name[FLEET_STATS_USER_MAX];

	(void)state;
	fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_STATUS);
	assert_string_equal(t, "turn/realm/turnpike.test/user/"
			       "bob%2Fallocation%2F1%2Fstatus%0Ax%20y%25z%7F"
			       "%C3%A9/allocation/000000000000000007/status");

	/* A NUL inside the name is a byte like another. */
	a.user = "a\0b";
	a.user_len = 3;
	fleet_stats_topic_format(t, sizeof(t), &a, FLEET_TOPIC_STATUS);
	assert_string_equal(t, "turn/realm/turnpike.test/user/a%00b/"
			       "allocation/000000000000000007/status");

	/* What a legitimate name has passes as is (coturn's topic). */
	assert_int_equal(fleet_stats_name_escape(t, sizeof(t),
						 "alice@example.org:*?[]", 22),
			 22);
	assert_string_equal(t, "alice@example.org:*?[]");

	/* Cut on a whole escape. */
	assert_int_equal(fleet_stats_name_escape(t, 5, "a b", 3), 4);
	assert_string_equal(t, "a%20");
	assert_int_equal(fleet_stats_name_escape(t, 4, "a b", 3), 1);
	assert_string_equal(t, "a");

	/* The longest name, all escaped, fits. */
	memset(name, ' ', sizeof(name));
	assert_int_equal(fleet_stats_name_escape(big, sizeof(big), name,
						 sizeof(name)),
			 3 * FLEET_STATS_USER_MAX);
	a.user = name;
	a.user_len = sizeof(name);
	assert_true(fleet_stats_topic_format(t, sizeof(t), &a,
					     FLEET_TOPIC_TOTAL_TRAFFIC_PEER) > 0);
}

static struct tp_addr
addr(const char *ip, uint16_t port)
{
	struct tp_addr a = { .port = port };

	assert_int_equal(tp_ip_parse(&a.ip, ip), 0);
	return a;
}

static void
test_texts(void **state)
{
	struct fleet_stats_session s = {
		.transport = TP_TRANSPORT_UDP,
		.local = addr("198.51.100.1", 3478),
		.remote = addr("192.0.2.7", 51000),
	};
	struct fleet_stats_traffic tr = { 15000, 2400000, 14990, 2398400 };
	char x[FLEET_STATS_TEXT_MAX];
	int n;

	(void)state;
	n = fleet_stats_status_format(x, sizeof(x), false, 600, &s);
	assert_int_equal(n, strlen(x));
	assert_string_equal(x, "new lifetime=600, type=UDP, "
			       "local=198.51.100.1:3478, "
			       "remote=192.0.2.7:51000, ssl=NONE, cipher=NONE");

	/* TCP: no TLS names even if given. */
	s.transport = TP_TRANSPORT_TCP;
	s.tls_version = "TLSv1.3";
	fleet_stats_status_format(x, sizeof(x), true, 0, &s);
	assert_string_equal(x, "refreshed lifetime=0, type=TCP, "
			       "local=198.51.100.1:3478, "
			       "remote=192.0.2.7:51000, ssl=NONE, cipher=NONE");

	/* TLS over IPv6, OpenSSL's names; without them UNKNOWN. */
	s.transport = TP_TRANSPORT_TLS;
	s.local = addr("2001:db8::1", 5349);
	s.remote = addr("2001:db8::7", 0);
	s.tls_cipher = "TLS_AES_256_GCM_SHA384";
	fleet_stats_status_format(x, sizeof(x), true, 3600, &s);
	assert_string_equal(x, "refreshed lifetime=3600, type=TLS/TCP, "
			       "local=[2001:db8::1]:5349, remote=2001:db8::7, "
			       "ssl=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384");
	s.tls_version = NULL;
	s.tls_cipher = "bad, cipher=x";
	fleet_stats_status_format(x, sizeof(x), false, 600, &s);
	assert_string_equal(x, "new lifetime=600, type=TLS/TCP, "
			       "local=[2001:db8::1]:5349, remote=2001:db8::7, "
			       "ssl=UNKNOWN, cipher=bad,%20cipher=x");

	n = fleet_stats_traffic_format(x, sizeof(x), &tr);
	assert_int_equal(n, strlen(x));
	assert_string_equal(x, "rcvp=15000, rcvb=2400000, sentp=14990, "
			       "sentb=2398400");
	assert_int_equal(fleet_stats_traffic_format(x, 10, &tr), -ENOSPC);
	assert_string_equal(fleet_stats_type_name(9), "UNKNOWN");
}

/* ------------------------------------------------------------------ */
/* The publisher against redis-server                                  */
/* ------------------------------------------------------------------ */

/* A test's publisher and subscriber. */
struct fix {
	struct fleet_stats fs;
	redisContext *sub;
	int blackhole; /* a listening socket that never answers, or -1 */
};

static int
fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->blackhole = -1;
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix *f = *state;

	fleet_stats_stop(&f->fs);
	if (f->sub != NULL)
		redisFree(f->sub);
	if (f->blackhole >= 0)
		close(f->blackhole);
	free(f);
	/* A test that stopped the server and failed before starting it. */
	if (srv.pid == 0 && srv.port != 0 && redis_start() != 0)
		return -1;
	return 0;
}

static void
need_redis(void)
{
	if (srv.port == 0)
		skip(); /* no redis-server */
}

static void
start_on(struct fix *f, uint16_t port)
{
	char text[64], err[160];
	struct redis_conf rc;

	snprintf(text, sizeof(text), "ip=127.0.0.1 port=%u connect_timeout=1",
		 port);
	assert_int_equal(redis_conf_parse(text, &rc, err, sizeof(err)), 0);
	assert_int_equal(fleet_stats_start(&f->fs, &rc, err, sizeof(err)), 0);
}

/* Subscribe to @p pattern on the unix socket, answers awaited 3 s. */
static void
subscribe(struct fix *f, const char *pattern)
{
	struct timeval tv = { .tv_sec = 3 };
	redisReply *r;

	if (f->sub == NULL) {
		f->sub = redis_unix();
		assert_non_null(f->sub);
		redisSetTimeout(f->sub, tv);
	}
	r = redisCommand(f->sub, "PSUBSCRIBE %s", pattern);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_string_equal(r->element[0]->str, "psubscribe");
	freeReplyObject(r);
}

/* The next message: its channel and text must be these. */
static void
expect_msg(struct fix *f, const char *channel, const char *text)
{
	void *v = NULL;
	redisReply *r;

	assert_int_equal(redisGetReply(f->sub, &v), REDIS_OK);
	r = v;
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 4);
	assert_string_equal(r->element[0]->str, "pmessage");
	assert_string_equal(r->element[2]->str, channel);
	assert_string_equal(r->element[3]->str, text);
	freeReplyObject(r);
}

/* Wait until counter @p c is @p v (WAIT_MS at most). */
static void
wait_counter(struct fix *f, enum fleet_stats_counter c, uint64_t v)
{
	uint64_t until = mono_ms() + WAIT_MS;

	while (fleet_stats_counter(&f->fs, c) != v && mono_ms() < until)
		sleep_ms(5);
	assert_int_equal(fleet_stats_counter(&f->fs, c), v);
}

/* Wait until counter @p c is @p v or more. */
static void
wait_at_least(struct fix *f, enum fleet_stats_counter c, uint64_t v)
{
	uint64_t until = mono_ms() + WAIT_MS;

	while (fleet_stats_counter(&f->fs, c) < v && mono_ms() < until)
		sleep_ms(5);
	assert_true(fleet_stats_counter(&f->fs, c) >= v);
}

/* A command without arguments to check, on a fresh connection. */
static void
redis_cmd(const char *cmd)
{
	redisContext *c = redis_unix();
	redisReply *r;

	assert_non_null(c);
	r = redisCommand(c, cmd);
	assert_non_null(r);
	assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
	freeReplyObject(r);
	redisFree(c);
}

/* One command on a fresh connection; the reply's string or NULL
 * (copied into @p out). */
static const char *
redis_get(const char *key, char *out, size_t cap)
{
	redisContext *c = redis_unix();
	redisReply *r;
	const char *ret = NULL;

	assert_non_null(c);
	r = redisCommand(c, "GET %s", key);
	assert_non_null(r);
	if (r->type == REDIS_REPLY_STRING) {
		snprintf(out, cap, "%s", r->str);
		ret = out;
	}
	freeReplyObject(r);
	redisFree(c);
	return ret;
}

static long long
redis_int(const char *cmd, const char *key)
{
	redisContext *c = redis_unix();
	redisReply *r;
	long long v;

	assert_non_null(c);
	r = redisCommand(c, "%s %s", cmd, key);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	v = r->integer;
	freeReplyObject(r);
	redisFree(c);
	return v;
}

#define ALICE "1712345678:alice"
#define TOPIC(id, t) "turn/realm/" REALM "/user/" ALICE "/allocation/" id "/" t
#define UDP_TAIL                                                        \
	", type=UDP, local=198.51.100.1:3478, remote=192.0.2.7:51000, " \
	"ssl=NONE, cipher=NONE"

static const struct fleet_stats_alloc alice = {
	.realm = REALM,
	.user = ALICE,
	.user_len = sizeof(ALICE) - 1,
	.id = 1001,
};

static struct fleet_stats_session
udp_session(void)
{
	return (struct fleet_stats_session){
		.transport = TP_TRANSPORT_UDP,
		.local = addr("198.51.100.1", 3478),
		.remote = addr("192.0.2.7", 51000),
	};
}

/* An allocation's whole life, as the subscriber sees it. */
static void
test_life(void **state)
{
	struct fix *f = *state;
	struct fleet_stats_session s = udp_session();
	struct fleet_stats_traffic c1 = { 4096, 655360, 4000, 640000 };
	struct fleet_stats_traffic p1 = { 3990, 600000, 4090, 620000 };
	struct fleet_stats_traffic c2 = { 10, 1600, 12, 1900 };
	struct fleet_stats_traffic tot = { 4106, 656960, 4012, 641900 };
	struct fleet_stats_traffic ptot = { 4000, 601000, 4100, 621000 };

	need_redis();
	subscribe(f, "turn/realm/*");
	start_on(f, srv.port);
	assert_int_equal(fleet_stats_alloc_new(&f->fs, &alice, 600, &s), 0);
	assert_int_equal(fleet_stats_alloc_refreshed(&f->fs, &alice, 300, &s), 0);
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &alice, &c1, &p1), 0);
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &alice, &c2, NULL), 0);
	assert_int_equal(fleet_stats_alloc_deleted(&f->fs, &alice, &tot, &ptot),
			 0);

	expect_msg(f, TOPIC("000000000000001001", "status"),
		   "new lifetime=600" UDP_TAIL);
	expect_msg(f, TOPIC("000000000000001001", "status"),
		   "refreshed lifetime=300" UDP_TAIL);
	expect_msg(f, TOPIC("000000000000001001", "traffic"),
		   "rcvp=4096, rcvb=655360, sentp=4000, sentb=640000");
	expect_msg(f, TOPIC("000000000000001001", "traffic/peer"),
		   "rcvp=3990, rcvb=600000, sentp=4090, sentb=620000");
	expect_msg(f, TOPIC("000000000000001001", "traffic"),
		   "rcvp=10, rcvb=1600, sentp=12, sentb=1900");
	expect_msg(f, TOPIC("000000000000001001", "status"), "deleted");
	expect_msg(f, TOPIC("000000000000001001", "total_traffic"),
		   "rcvp=4106, rcvb=656960, sentp=4012, sentb=641900");
	expect_msg(f, TOPIC("000000000000001001", "total_traffic/peer"),
		   "rcvp=4000, rcvb=601000, sentp=4100, sentb=621000");

	wait_counter(f, FLEET_STATS_C_published, 5);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_queued), 5);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_dropped), 0);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_failed), 0);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_redis_up), 1);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_connects), 1);
	/* The status key is gone with the allocation. */
	assert_int_equal(redis_int("EXISTS",
				   TOPIC("000000000000001001", "status")),
			 0);
	fleet_stats_stop(&f->fs);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_redis_up), 0);
}

/* The status key: SET, without expiry (coturn's), replaced by a refresh. */
static void
test_status_key(void **state)
{
	struct fix *f = *state;
	struct fleet_stats_session s = udp_session();
	const char *key = TOPIC("000000000000001002", "status");
	struct fleet_stats_alloc a = alice;
	char v[256];

	need_redis();
	a.id = 1002;
	start_on(f, srv.port);
	assert_int_equal(fleet_stats_alloc_new(&f->fs, &a, 600, &s), 0);
	wait_counter(f, FLEET_STATS_C_published, 1);
	assert_string_equal(redis_get(key, v, sizeof(v)),
			    "new lifetime=600" UDP_TAIL);
	assert_int_equal(redis_int("TTL", key), -1);
	assert_int_equal(fleet_stats_alloc_refreshed(&f->fs, &a, 120, &s), 0);
	wait_counter(f, FLEET_STATS_C_published, 2);
	assert_string_equal(redis_get(key, v, sizeof(v)),
			    "refreshed lifetime=120" UDP_TAIL);

	/* Redis out of memory refuses the SET (PUBLISH and DEL go through):
	 * counted as failed, not sent again, and the next event is sent. */
	redis_cmd("CONFIG SET maxmemory 1");
	a.id = 1003;
	assert_int_equal(fleet_stats_alloc_new(&f->fs, &a, 600, &s), 0);
	wait_at_least(f, FLEET_STATS_C_failed, 1);
	redis_cmd("CONFIG SET maxmemory 0");
	a.id = 1002;
	assert_int_equal(fleet_stats_alloc_deleted(&f->fs, &a,
						   &(struct fleet_stats_traffic){
							   0 },
						   NULL),
			 0);
	wait_counter(f, FLEET_STATS_C_published, 3);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_failed), 1);
	assert_int_equal(redis_int("EXISTS", key), 0);
}

/* A hostile user name reaches its own, escaped, topic; no realm: the
 * turn/user/ layout. */
static void
test_escaped_topics(void **state)
{
	struct fix *f = *state;
	static const char evil[] = "eve/allocation/1/status\r\nx";
	struct fleet_stats_alloc a = { .realm = REALM,
				       .user = evil,
				       .user_len = sizeof(evil) - 1,
				       .id = 5 };
	struct fleet_stats_traffic t = { 1, 2, 3, 4 };

	need_redis();
	subscribe(f, "turn/realm/*");
	subscribe(f, "turn/user/*");
	start_on(f, srv.port);
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &a, &t, NULL), 0);
	a.realm = "";
	a.user = "";
	a.user_len = 0;
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &a, &t, NULL), 0);
	expect_msg(f,
		   "turn/realm/" REALM "/user/eve%2Fallocation%2F1%2Fstatus"
		   "%0D%0Ax/allocation/000000000000000005/traffic",
		   "rcvp=1, rcvb=2, sentp=3, sentb=4");
	expect_msg(f, "turn/user//allocation/000000000000000005/traffic",
		   "rcvp=1, rcvb=2, sentp=3, sentb=4");

	/* Too long: refused at once, counted. */
	a.user = evil;
	a.user_len = FLEET_STATS_USER_MAX + 1;
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &a, &t, NULL),
			 -ENAMETOOLONG);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_invalid), 1);
}

/* Redis down: the enqueue functions return at once and the events wait;
 * Redis started: the thread reconnects (back-off 100 ms, doubling) and
 * sends them, in order. */
static void
test_down_then_up(void **state)
{
	struct fix *f = *state;
	struct fleet_stats_session s = udp_session();
	struct fleet_stats_traffic t = { 1, 100, 1, 100 };
	struct fleet_stats_alloc a = alice;
	uint64_t t0, worst = 0;
	char v[256];

	need_redis();
	redis_stop();
	start_on(f, srv.port);
	wait_at_least(f, FLEET_STATS_C_link_failures, 1);
	a.id = 2001;
	t0 = mono_ms();
	assert_int_equal(fleet_stats_alloc_new(&f->fs, &a, 600, &s), 0);
	for (int i = 0; i < 999; i++) {
		uint64_t t1 = mono_ms(), d;

		assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &a, &t, NULL),
				 0);
		d = mono_ms() - t1;
		worst = d > worst ? d : worst;
	}
	/* Generous for a sanitizer build on a busy machine; what is ruled
	 * out is a call that waits for a connection. */
	assert_true(mono_ms() - t0 < 1000);
	assert_true(worst < 100);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_queued), 1000);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_redis_up), 0);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_published), 0);

	assert_int_equal(redis_start(), 0);
	wait_counter(f, FLEET_STATS_C_published, 1000);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_redis_up), 1);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_connects), 1);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_dropped), 0);
	assert_string_equal(redis_get(TOPIC("000000000000002001", "status"), v,
				      sizeof(v)),
			    "new lifetime=600" UDP_TAIL);

	/* Killed under it: noticed at the next event, which waits and goes
	 * out after the restart. */
	redis_stop();
	a.id = 2002;
	assert_int_equal(fleet_stats_alloc_new(&f->fs, &a, 600, &s), 0);
	wait_counter(f, FLEET_STATS_C_redis_up, 0);
	assert_int_equal(redis_start(), 0);
	wait_counter(f, FLEET_STATS_C_published, 1001);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_connects), 2);
	assert_string_equal(redis_get(TOPIC("000000000000002002", "status"), v,
				      sizeof(v)),
			    "new lifetime=600" UDP_TAIL);
}

/* A Redis that accepts and never answers: the thread waits 500 ms per
 * answer, the control thread not at all. */
static void
test_silent_redis(void **state)
{
	struct fix *f = *state;
	struct fleet_stats_traffic t = { 1, 100, 1, 100 };
	uint16_t port = free_port(&f->blackhole);
	uint64_t worst = 0;

	start_on(f, port);
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &alice, &t, NULL), 0);
	wait_at_least(f, FLEET_STATS_C_connects, 1);
	sleep_ms(50); /* the thread now waits for an answer */
	for (int i = 0; i < 1000; i++) {
		uint64_t t1 = mono_ms(), d;

		assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &alice, &t,
							   NULL),
				 0);
		d = mono_ms() - t1;
		worst = d > worst ? d : worst;
	}
	assert_true(worst < 100);
	wait_at_least(f, FLEET_STATS_C_link_failures, 1);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_published), 0);
	/* Stop drops what waits, and says so. */
	fleet_stats_stop(&f->fs);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_dropped),
			 1001);
}

/* FLEET_STATS_QUEUE_MAX events wait at most; beyond, dropped and counted. */
static void
test_queue_full(void **state)
{
	struct fix *f = *state;
	struct fleet_stats_traffic t = { 1, 100, 1, 100 };

	start_on(f, free_port(NULL)); /* nobody there */
	for (unsigned int i = 0; i < FLEET_STATS_QUEUE_MAX; i++)
		if (fleet_stats_alloc_traffic(&f->fs, &alice, &t, NULL) != 0)
			fail_msg("event %u refused", i);
	for (int i = 0; i < 10; i++)
		assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &alice, &t,
							   NULL),
				 -ENOBUFS);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_queued),
			 FLEET_STATS_QUEUE_MAX);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_dropped), 10);
	fleet_stats_stop(&f->fs);
	assert_int_equal(fleet_stats_counter(&f->fs, FLEET_STATS_C_dropped),
			 10 + FLEET_STATS_QUEUE_MAX);
	/* Stopped: refused at once. */
	assert_int_equal(fleet_stats_alloc_traffic(&f->fs, &alice, &t, NULL),
			 -ESHUTDOWN);
}

/* Never started (no redis-statsdb): refused, not counted; stop is safe. */
static void
test_not_started(void **state)
{
	static struct fleet_stats fs;
	struct fleet_stats_traffic t = { 1, 100, 1, 100 };

	(void)state;
	assert_int_equal(fleet_stats_alloc_traffic(&fs, &alice, &t, NULL),
			 -ESHUTDOWN);
	assert_int_equal(fleet_stats_alloc_deleted(&fs, &alice, &t, NULL),
			 -ESHUTDOWN);
	fleet_stats_stop(&fs);
	for (int c = 0; c < FLEET_STATS_C__COUNT; c++)
		assert_int_equal(fleet_stats_counter(&fs, c), 0);
	assert_string_equal(fleet_stats_counter_name(FLEET_STATS_C_published),
			    "published");
}

int
main(void)
{
#define TF(fn) cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topics),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_not_started),
		TF(test_life),
		TF(test_status_key),
		TF(test_escaped_topics),
		TF(test_down_then_up),
		TF(test_silent_redis),
		TF(test_queue_full),
	};
#undef TF

	/* A subscriber or publisher whose peer died must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
