/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn's Redis connection string (controlplane/redis_conf.h): the
 * defaults, every key and its bounds, ip= and its synonym host=, unknown
 * and repeated words, blanks in odd places, words that are not key=value,
 * and that no error ever quotes the password, not even the part of one
 * that held a blank and so reads as a word of its own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "redis_conf.h"

/* A password no message has any other reason to contain. */
#define PW "Pw7f3eQ9"

static void
parse_ok(const char *text, struct redis_conf *c)
{
	char err[256] = "";

	if (redis_conf_parse(text, c, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
}

/* Refused, with an error naming @p want (NULL: any error), and never
 * quoting @p secret (NULL: none to hide). */
static void
parse_bad(const char *text, const char *want, const char *secret)
{
	struct redis_conf c;
	char err[256] = "";

	if (redis_conf_parse(text, &c, err, sizeof(err)) != -EINVAL)
		fail_msg("'%s' accepted (host '%s')", text, c.host);
	assert_true(err[0] != '\0');
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("'%s': error '%s' does not name '%s'", text, err, want);
	if (secret != NULL && strstr(err, secret) != NULL)
		fail_msg("'%s': error '%s' quotes the password", text, err);
	/* Nothing of a refused string's password is kept. */
	assert_string_equal(c.password, "");
}

static void
test_defaults(void **state)
{
	struct redis_conf c;

	(void)state;
	parse_ok("ip=127.0.0.1", &c);
	assert_string_equal(c.host, "127.0.0.1");
	assert_int_equal(c.port, 6379);
	assert_int_equal(c.db, 0);
	assert_string_equal(c.password, "");
	assert_int_equal(c.connect_timeout_s, 5);
}

static void
test_every_key(void **state)
{
	struct redis_conf c;

	(void)state;
	parse_ok("ip=10.1.2.3 port=6380 dbname=7 password=" PW
		 " connect_timeout=12",
		 &c);
	assert_string_equal(c.host, "10.1.2.3");
	assert_int_equal(c.port, 6380);
	assert_int_equal(c.db, 7);
	assert_string_equal(c.password, PW);
	assert_int_equal(c.connect_timeout_s, 12);

	/* Any order. */
	parse_ok("connect_timeout=3 password=x dbname=2 port=1 ip=::1", &c);
	assert_string_equal(c.host, "::1");
	assert_int_equal(c.port, 1);
	assert_int_equal(c.db, 2);
	assert_string_equal(c.password, "x");
	assert_int_equal(c.connect_timeout_s, 3);

	/* A second parse starts again from the defaults. */
	parse_ok("ip=h", &c);
	assert_int_equal(c.port, 6379);
	assert_int_equal(c.db, 0);
	assert_string_equal(c.password, "");
	assert_int_equal(c.connect_timeout_s, 5);
}

static void
test_host_synonym(void **state)
{
	struct redis_conf c;

	(void)state;
	parse_ok("host=redis.example.org port=7000", &c);
	assert_string_equal(c.host, "redis.example.org");
	assert_int_equal(c.port, 7000);
	/* One key under two names: given twice. */
	parse_bad("ip=a host=b", "twice", NULL);
	parse_bad("host=a ip=b", "twice", NULL);
	parse_bad("host=a host=b", "twice", NULL);
}

static void
test_host_required(void **state)
{
	(void)state;
	parse_bad("port=6379 dbname=1", "ip", NULL);
	parse_bad("", "ip", NULL);
	parse_bad(" \t ", "ip", NULL);
	parse_bad("password=" PW, "ip", PW);
	parse_bad(NULL, NULL, NULL);
}

static void
test_port_bounds(void **state)
{
	struct redis_conf c;

	(void)state;
	parse_ok("ip=h port=1", &c);
	assert_int_equal(c.port, 1);
	parse_ok("ip=h port=65535", &c);
	assert_int_equal(c.port, 65535);
	parse_bad("ip=h port=0", "port", NULL);
	parse_bad("ip=h port=65536", "port", NULL);
	/* 2^32 + 1: a parser that wrapped at 32 bits would read 1. */
	parse_bad("ip=h port=4294967297", "port", NULL);
	parse_bad("ip=h port=99999999999999999999999", "port", NULL);
	parse_bad("ip=h port=-1", "port", NULL);
	parse_bad("ip=h port=+1", "port", NULL);
	parse_bad("ip=h port=0x10", "port", NULL);
	parse_bad("ip=h port=63 79", NULL, NULL);
	parse_bad("ip=h port=6379x", "port", NULL);
}

static void
test_dbname_bounds(void **state)
{
	struct redis_conf c;
	char text[64];

	(void)state;
	parse_ok("ip=h dbname=0", &c);
	assert_int_equal(c.db, 0);
	snprintf(text, sizeof(text), "ip=h dbname=%d", REDIS_CONF_DB_MAX);
	parse_ok(text, &c);
	assert_int_equal(c.db, REDIS_CONF_DB_MAX);
	snprintf(text, sizeof(text), "ip=h dbname=%d", REDIS_CONF_DB_MAX + 1);
	parse_bad(text, "dbname", NULL);
	parse_bad("ip=h dbname=4294967296", "dbname", NULL);
	parse_bad("ip=h dbname=-1", "dbname", NULL);
	parse_bad("ip=h dbname=one", "dbname", NULL);
}

static void
test_timeout_bounds(void **state)
{
	struct redis_conf c;
	char text[64];

	(void)state;
	parse_ok("ip=h connect_timeout=1", &c);
	assert_int_equal(c.connect_timeout_s, 1);
	snprintf(text, sizeof(text), "ip=h connect_timeout=%d",
		 REDIS_CONF_TIMEOUT_MAX);
	parse_ok(text, &c);
	assert_int_equal(c.connect_timeout_s, REDIS_CONF_TIMEOUT_MAX);
	parse_bad("ip=h connect_timeout=0", "connect_timeout", NULL);
	snprintf(text, sizeof(text), "ip=h connect_timeout=%d",
		 REDIS_CONF_TIMEOUT_MAX + 1);
	parse_bad(text, "connect_timeout", NULL);
	parse_bad("ip=h connect_timeout=1.5", "connect_timeout", NULL);
}

static void
test_unknown_key(void **state)
{
	(void)state;
	/* The mistyped key is named; its value (here a password) is not. */
	parse_bad("ip=h pasword=" PW, "pasword", PW);
	parse_bad("ip=h user=admin", "user", NULL);
	parse_bad("ip=h db=1", "db", NULL);
	parse_bad("ip=h timeout=5", "timeout", NULL);
	/* Keys are spelled in lower case. */
	parse_bad("IP=h", "IP", NULL);
	parse_bad("ip=h Port=1", "Port", NULL);
}

static void
test_repeated_key(void **state)
{
	(void)state;
	parse_bad("ip=a ip=b", "ip", NULL);
	parse_bad("ip=h port=1 port=2", "port", NULL);
	parse_bad("ip=h dbname=1 dbname=1", "dbname", NULL);
	parse_bad("ip=h connect_timeout=1 connect_timeout=2", "connect_timeout",
		  NULL);
	parse_bad("ip=h password=" PW " password=" PW "x", "password", PW);
}

static void
test_empty_value(void **state)
{
	(void)state;
	parse_bad("ip=", "ip", NULL);
	parse_bad("host=", "ip", NULL);
	parse_bad("ip=h port=", "port", NULL);
	parse_bad("ip=h dbname=", "dbname", NULL);
	parse_bad("ip=h password=", "password", NULL);
	parse_bad("ip=h connect_timeout=", "connect_timeout", NULL);
}

static void
test_long_values(void **state)
{
	char text[2 * REDIS_CONF_PASSWORD_MAX + 64];
	char pw[REDIS_CONF_PASSWORD_MAX + 2];
	struct redis_conf c;
	int n;

	(void)state;
	/* The longest host, then one byte more. */
	n = snprintf(text, sizeof(text), "ip=");
	memset(text + n, 'h', REDIS_CONF_HOST_MAX);
	text[n + REDIS_CONF_HOST_MAX] = '\0';
	parse_ok(text, &c);
	assert_int_equal(strlen(c.host), REDIS_CONF_HOST_MAX);
	memcpy(text + n + REDIS_CONF_HOST_MAX, "h", 2);
	parse_bad(text, "ip", NULL);

	/* The longest password, then one byte more: the error says how
	 * long a password may be, never what it was. */
	memset(pw, 'P', sizeof(pw) - 1);
	pw[REDIS_CONF_PASSWORD_MAX] = '\0';
	snprintf(text, sizeof(text), "ip=h password=%s", pw);
	parse_ok(text, &c);
	assert_string_equal(c.password, pw);
	pw[REDIS_CONF_PASSWORD_MAX] = 'P';
	pw[REDIS_CONF_PASSWORD_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "ip=h password=%s", pw);
	parse_bad(text, "password", "PPPPPPPP");

	/* A long garbage word is quoted, but not whole. */
	memset(text, 'g', 300);
	text[300] = '\0';
	parse_bad(text, "ggg", NULL);
}

static void
test_password_never_quoted(void **state)
{
	(void)state;
	/* Every way a string holding a password can be refused. */
	parse_bad("password=" PW, NULL, PW);
	parse_bad("password=" PW " port=0 ip=h", "port", PW);
	parse_bad("password=" PW " ip=h dbname=x", "dbname", PW);
	parse_bad("password=" PW " ip=h bogus=1", "bogus", PW);
	parse_bad("ip=h password=" PW " password=" PW, "password", PW);
	/* A password holding a blank: its second half reads as a word of
	 * its own, which the error may not quote. */
	parse_bad("ip=h password=abc " PW, NULL, PW);
	parse_bad("ip=h password=abc\t" PW, NULL, PW);
	parse_bad("ip=h password=abc " PW "=x", NULL, PW);
	parse_bad("ip=h password=abc =" PW, NULL, PW);
	/* Not only its first 8 bytes: none of it. */
	parse_bad("ip=h password=abc X" PW, NULL, PW);
}

static void
test_blanks(void **state)
{
	struct redis_conf c;

	(void)state;
	parse_ok("  ip=h   port=2  ", &c);
	assert_string_equal(c.host, "h");
	assert_int_equal(c.port, 2);
	parse_ok("\tip=h\tport=3\t", &c);
	assert_string_equal(c.host, "h");
	assert_int_equal(c.port, 3);
	parse_ok(" \t ip=h \t\t dbname=4 \t password=p\t ", &c);
	assert_string_equal(c.host, "h");
	assert_int_equal(c.db, 4);
	assert_string_equal(c.password, "p");
	/* A blank around '=' splits the word. */
	parse_bad("ip =h", NULL, NULL);
	parse_bad("ip= h", NULL, NULL);
	/* A newline is not a blank, and no part of a host name. */
	parse_bad("ip=h\nport=1", "ip", NULL);
	parse_bad("ip=h\r", "ip", NULL);
}

static void
test_not_key_value(void **state)
{
	struct redis_conf c;

	(void)state;
	parse_bad("ip", "ip", NULL);
	parse_bad("ip=h port", "port", NULL);
	parse_bad("=x", NULL, NULL);
	parse_bad("ip=h =", NULL, NULL);
	parse_bad("ip=h ==", NULL, NULL);
	/* No host name holds an '='. */
	parse_bad("ip==x", "ip", NULL);
	parse_bad("ip=a=b", "ip", NULL);
	parse_bad("host=a=b", "ip", NULL);
	parse_bad("ip=h port==1", "port", NULL);
	/* A password may: base64 ends in them. */
	parse_ok("ip=h password=cGFzcw==", &c);
	assert_string_equal(c.password, "cGFzcw==");
	parse_ok("ip=h password==x", &c);
	assert_string_equal(c.password, "=x");
}

/* turnpike's Sentinel words: the list, the default port, IPv6 in
 * brackets, and what may not go with them. */
static void
test_sentinel(void **state)
{
	struct redis_conf c;
	char text[REDIS_CONF_TEXT_MAX], again[REDIS_CONF_TEXT_MAX];
	struct redis_conf d;

	(void)state;
	parse_ok("sentinel=10.0.0.1:26380,s2.example,[2001:db8::3]:5000 "
		 "master=fleet dbname=2 password=" PW,
		 &c);
	assert_int_equal(c.n_sentinels, 3);
	assert_string_equal(c.sentinels[0].host, "10.0.0.1");
	assert_int_equal(c.sentinels[0].port, 26380);
	assert_string_equal(c.sentinels[1].host, "s2.example");
	assert_int_equal(c.sentinels[1].port, 26379);
	assert_string_equal(c.sentinels[2].host, "2001:db8::3");
	assert_int_equal(c.sentinels[2].port, 5000);
	assert_string_equal(c.master, "fleet");
	assert_string_equal(c.host, "");
	assert_int_equal(c.db, 2);
	/* Written out, it reads back the same; redacted, no password. */
	assert_true(redis_conf_format(&c, false, text, sizeof(text)) > 0);
	parse_ok(text, &d);
	assert_int_equal(d.n_sentinels, 3);
	assert_string_equal(d.sentinels[2].host, "2001:db8::3");
	assert_string_equal(d.password, PW);
	assert_true(redis_conf_format(&c, true, again, sizeof(again)) > 0);
	assert_null(strstr(again, PW));
	assert_non_null(strstr(again, "password=<redacted>"));
	assert_non_null(strstr(again, "sentinel=10.0.0.1:26380,"));
	/* Without Sentinels, ip and port. */
	parse_ok("ip=10.1.1.1 port=7000", &c);
	assert_true(redis_conf_format(&c, true, text, sizeof(text)) > 0);
	assert_string_equal(text, "ip=10.1.1.1 port=7000 dbname=0 "
				  "connect_timeout=5");

	parse_bad("sentinel=10.0.0.1", "master", NULL);
	parse_bad("master=fleet ip=10.0.0.1", "sentinel", NULL);
	parse_bad("sentinel=10.0.0.1 master=f ip=10.0.0.2", "one or the other",
		  NULL);
	parse_bad("sentinel=10.0.0.1 master=f port=7000", "port", NULL);
	parse_bad("sentinel=2001:db8::3 master=f", "sentinel", NULL);
	parse_bad("sentinel=[2001:db8::3 master=f", "sentinel", NULL);
	parse_bad("sentinel=[2001:db8::3]x master=f", "sentinel", NULL);
	parse_bad("sentinel=a:0 master=f", "sentinel", NULL);
	parse_bad("sentinel=a:70000 master=f", "sentinel", NULL);
	parse_bad("sentinel=a,,b master=f", "sentinel", NULL);
	parse_bad("sentinel=a, master=f", "sentinel", NULL);
	parse_bad("sentinel= master=f", "sentinel", NULL);
	parse_bad("sentinel=a,b,c,d,e,f master=f", "more than", NULL);
	parse_bad("sentinel=a master=", "master", NULL);
	parse_bad("sentinel=a master=x,y", "master", NULL);
	parse_bad("sentinel=a master=f sentinel=b", "twice", NULL);
}

static void
test_error_buffer(void **state)
{
	struct redis_conf c;
	char err[8];

	(void)state;
	/* No buffer, or a small one: still refused, never overrun. */
	assert_int_equal(redis_conf_parse("ip=h port=0", &c, NULL, 0), -EINVAL);
	assert_int_equal(redis_conf_parse("ip=h port=0", &c, err, 0), -EINVAL);
	memset(err, 'x', sizeof(err));
	assert_int_equal(redis_conf_parse("ip=h port=0", &c, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(redis_conf_parse("ip=h", &c, NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_sentinel),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_host_synonym),
		cmocka_unit_test(test_host_required),
		cmocka_unit_test(test_port_bounds),
		cmocka_unit_test(test_dbname_bounds),
		cmocka_unit_test(test_timeout_bounds),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_empty_value),
		cmocka_unit_test(test_long_values),
		cmocka_unit_test(test_password_never_quoted),
		cmocka_unit_test(test_blanks),
		cmocka_unit_test(test_not_key_value),
		cmocka_unit_test(test_error_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
