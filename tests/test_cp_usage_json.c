/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Usage records as JSON lines (controlplane/cp_usage_json.c): every record
 * is read back with jansson and must give the same values, above all the
 * user names a client chooses (quotes, backslashes, control characters,
 * non-ASCII, bytes that are not UTF-8); a dual allocation has relay2 and
 * a single one none; times are RFC 3339 UTC from the monotonic clock plus
 * the offset; the file is created 0640 and appended to; a full buffer is
 * written whole lines at a time; a write error is counted, not fatal; a
 * path that cannot be opened is a start-up error naming FILE:LINE: KEY.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "cp_usage_json.h"

/* 2026-12-04T10:00:00.000Z, in milliseconds since 1970. */
#define WALL_BASE_MS 1796378400000LL

static char dir[] = "/tmp/test_cp_usage_json.XXXXXX";

static int
setup_dir(void **state)
{
	(void)state;
	umask(022);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
path_in_dir(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static struct tp_addr
addr(const char *ip, uint16_t port)
{
	struct tp_addr a = { .port = port };

	assert_int_equal(tp_ip_parse(&a.ip, ip), 0);
	return a;
}

/* A record with every field set; the caller changes what it tests. */
static struct turn_usage
usage(const char *user)
{
	struct turn_usage u;

	memset(&u, 0, sizeof(u));
	snprintf(u.username, sizeof(u.username), "%s", user);
	u.client = addr("192.0.2.7", 51000);
	u.local = addr("198.51.100.1", 3478);
	u.relay = addr("198.51.100.1", 49200);
	u.transport = TP_TRANSPORT_UDP;
	u.start_ms = 5000;        /* server clock */
	u.end_ms = 5000 + 300375; /* 300.375 s later */
	u.usage.pkts_from_client = 15000;
	u.usage.bytes_from_client = 2400000;
	u.usage.pkts_to_client = 14990;
	u.usage.bytes_to_client = (uint64_t)1 << 40; /* past 32 bits */
	return u;
}

/* Every line of @p path parsed, as a JSON array of the objects. */
static json_t *
read_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	json_t *all = json_array();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	assert_non_null(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		json_t *o;

		assert_int_equal(line[n - 1], '\n');
		o = json_loadb(line, (size_t)n, 0, &e);
		if (o == NULL)
			fail_msg("line does not parse (%s): %s", e.text, line);
		assert_true(json_is_object(o));
		json_array_append_new(all, o);
	}
	free(line);
	fclose(f);
	return all;
}

static const char *
str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("%s is not a string", key);
	return json_string_value(v);
}

static json_int_t
num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", key);
	return json_integer_value(v);
}

/* Names a web application lets its users choose, or a client invents. */
static const char *const awkward[] = {
	"alice",
	"1796378400:bob",   /* a REST name */
	"say \"hi\"",       /* quotes */
	"back\\slash\\",    /* backslashes */
	"new\nline\r\ttab", /* control characters */
	"\x01\x02\x1f\x7f", /* more of them, and DEL */
	"Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", /* UTF-8 */
	"</script><script>alert(1)</script>",
	"{\"user\":\"mallory\",\"bytes_to_client\":0}", /* JSON inside */
};

static void
test_awkward_names_read_back(void **state)
{
	char path[256];
	struct cp_usage_json *uj;
	size_t n = sizeof(awkward) / sizeof(awkward[0]);
	json_t *all;

	(void)state;
	path_in_dir(path, sizeof(path), "awkward.jsonl");
	uj = cp_usage_json_open(path, "example.org", NULL, 0);
	assert_non_null(uj);
	cp_usage_json_set_clock(uj, WALL_BASE_MS - 5000);
	for (size_t i = 0; i < n; i++) {
		struct turn_usage u = usage(awkward[i]);

		cp_usage_json_record(uj, &u);
	}
	assert_int_equal(cp_usage_json_flush(uj), 0);
	assert_int_equal(cp_usage_json_stats(uj)->records, n);
	assert_int_equal(cp_usage_json_stats(uj)->written, n);
	cp_usage_json_close(uj);

	all = read_lines(path);
	assert_int_equal(json_array_size(all), n);
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(all, i);

		assert_string_equal(str(o, "user"), awkward[i]);
		assert_null(json_object_get(o, "user_hex"));
		assert_int_equal(num(o, "v"), CP_USAGE_JSON_VERSION);
		assert_string_equal(str(o, "realm"), "example.org");
		assert_string_equal(str(o, "client"), "192.0.2.7:51000");
		assert_string_equal(str(o, "transport"), "udp");
		assert_string_equal(str(o, "relay"), "198.51.100.1:49200");
		assert_null(json_object_get(o, "relay2"));
		assert_string_equal(str(o, "start"), "2026-12-04T10:00:00.000Z");
		assert_string_equal(str(o, "end"), "2026-12-04T10:05:00.375Z");
		assert_int_equal(num(o, "duration_ms"), 300375);
		assert_int_equal(num(o, "pkts_from_client"), 15000);
		assert_int_equal(num(o, "bytes_from_client"), 2400000);
		assert_int_equal(num(o, "pkts_to_client"), 14990);
		assert_int_equal(num(o, "bytes_to_client"), (json_int_t)1 << 40);
		assert_int_equal(json_object_size(o), 13);
	}
	json_decref(all);
}

/* The key order is the header's, so a human reading the file sees the
 * same layout every line. */
static void
test_format_exact(void **state)
{
	char path[256], line[1024];
	struct cp_usage_json *uj;
	struct turn_usage u = usage("alice");
	int n;

	(void)state;
	path_in_dir(path, sizeof(path), "exact.jsonl");
	uj = cp_usage_json_open(path, "example.org", NULL, 0);
	assert_non_null(uj);
	cp_usage_json_set_clock(uj, WALL_BASE_MS - 5000 + 125);
	u.transport = TP_TRANSPORT_TLS;
	n = cp_usage_json_format(uj, &u, line, sizeof(line));
	assert_true(n > 0 && (size_t)n < sizeof(line));
	line[n] = '\0';
	assert_string_equal(
		line,
		"{\"v\":1,\"realm\":\"example.org\",\"user\":\"alice\","
		"\"client\":\"192.0.2.7:51000\",\"transport\":\"tls\","
		"\"relay\":\"198.51.100.1:49200\","
		"\"start\":\"2026-12-04T10:00:00.125Z\","
		"\"end\":\"2026-12-04T10:05:00.500Z\",\"duration_ms\":300375,"
		"\"pkts_from_client\":15000,\"bytes_from_client\":2400000,"
		"\"pkts_to_client\":14990,\"bytes_to_client\":1099511627776}\n");
	/* Too small: the length it needs, more than was given. */
	assert_int_equal(cp_usage_json_format(uj, &u, line, 10), n);
	assert_int_equal(cp_usage_json_format(uj, &u, line, (size_t)n - 1), n);
	assert_int_equal(cp_usage_json_format(uj, &u, line, (size_t)n), n);
	cp_usage_json_close(uj);
}

static void
test_dual_has_relay2(void **state)
{
	char path[256];
	struct cp_usage_json *uj;
	struct turn_usage dual = usage("carol"), single = usage("dave");
	json_t *all;

	(void)state;
	path_in_dir(path, sizeof(path), "dual.jsonl");
	uj = cp_usage_json_open(path, "example.org", NULL, 0);
	assert_non_null(uj);
	dual.client = addr("2001:db8::7", 51001);
	dual.relay = addr("198.51.100.1", 49300);
	dual.relay2 = addr("2001:db8::1", 49301);
	cp_usage_json_record(uj, &dual);
	cp_usage_json_record(uj, &single);
	cp_usage_json_close(uj); /* flushes */

	all = read_lines(path);
	assert_int_equal(json_array_size(all), 2);
	assert_string_equal(str(json_array_get(all, 0), "client"),
			    "[2001:db8::7]:51001");
	assert_string_equal(str(json_array_get(all, 0), "relay"),
			    "198.51.100.1:49300");
	assert_string_equal(str(json_array_get(all, 0), "relay2"),
			    "[2001:db8::1]:49301");
	assert_null(json_object_get(json_array_get(all, 1), "relay2"));
	json_decref(all);
}

/* No authentication, no realm: nulls, not empty strings. */
static void
test_no_auth_nulls(void **state)
{
	char path[256];
	struct cp_usage_json *uj;
	struct turn_usage u = usage("");
	json_t *all, *o;

	(void)state;
	path_in_dir(path, sizeof(path), "noauth.jsonl");
	uj = cp_usage_json_open(path, "", NULL, 0);
	assert_non_null(uj);
	cp_usage_json_record(uj, &u);
	cp_usage_json_close(uj);
	all = read_lines(path);
	o = json_array_get(all, 0);
	assert_true(json_is_null(json_object_get(o, "user")));
	assert_true(json_is_null(json_object_get(o, "realm")));
	json_decref(all);
}

/* Not UTF-8: the log line's escaped form, and the exact bytes in hex. */
static void
test_invalid_utf8_name(void **state)
{
	char path[256];
	struct cp_usage_json *uj;
	struct turn_usage u = usage("ab\xff\xfe\"c");
	json_t *all, *o;

	(void)state;
	path_in_dir(path, sizeof(path), "latin.jsonl");
	uj = cp_usage_json_open(path, "example.org", NULL, 0);
	assert_non_null(uj);
	cp_usage_json_record(uj, &u);
	cp_usage_json_close(uj);
	all = read_lines(path);
	assert_int_equal(json_array_size(all), 1);
	o = json_array_get(all, 0);
	assert_string_equal(str(o, "user"), "ab\\xff\\xfe\"c");
	assert_string_equal(str(o, "user_hex"), "6162fffe2263");
	json_decref(all);
}

/* More than a buffer of long names: every line whole, in order. */
static void
test_buffer_fills(void **state)
{
	char path[256], name[TURN_USERNAME_MAX + 1];
	struct cp_usage_json *uj;
	const size_t n = 400; /* about 200 KiB: three buffers and a bit */
	json_t *all;

	(void)state;
	path_in_dir(path, sizeof(path), "many.jsonl");
	uj = cp_usage_json_open(path, "example.org", NULL, 0);
	assert_non_null(uj);
	for (size_t i = 0; i < n; i++) {
		struct turn_usage u;

		memset(name, 'a' + (int)(i % 26), TURN_USERNAME_MAX);
		name[TURN_USERNAME_MAX] = '\0';
		snprintf(name, 8, "%06zu", i);
		name[6] = '"'; /* escaped: a longer line than the name */
		u = usage(name);
		u.usage.pkts_from_client = i;
		cp_usage_json_record(uj, &u);
	}
	assert_true(cp_usage_json_stats(uj)->written > 0); /* flushed on the way */
	cp_usage_json_close(uj);
	all = read_lines(path);
	assert_int_equal(json_array_size(all), n);
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(all, i);

		assert_int_equal(num(o, "pkts_from_client"), (json_int_t)i);
		assert_int_equal(strlen(str(o, "user")), TURN_USERNAME_MAX);
	}
	json_decref(all);
}

/* Created 0640; a second writer (or a restart) appends. */
static void
test_mode_and_append(void **state)
{
	char path[256];
	struct cp_usage_json *uj;
	struct turn_usage u = usage("erin");
	struct stat st;
	json_t *all;

	(void)state;
	path_in_dir(path, sizeof(path), "append.jsonl");
	for (int round = 0; round < 2; round++) {
		uj = cp_usage_json_open(path, "example.org", NULL, 0);
		assert_non_null(uj);
		cp_usage_json_record(uj, &u);
		cp_usage_json_close(uj);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	all = read_lines(path);
	assert_int_equal(json_array_size(all), 2);
	json_decref(all);
}

/* logrotate moved the file away: reopen makes a new one. */
static void
test_reopen(void **state)
{
	char path[256], moved[256];
	struct cp_usage_json *uj;
	struct turn_usage u = usage("frank");
	json_t *all;

	(void)state;
	path_in_dir(path, sizeof(path), "rot.jsonl");
	path_in_dir(moved, sizeof(moved), "rot.jsonl.1");
	uj = cp_usage_json_open(path, "example.org", NULL, 0);
	assert_non_null(uj);
	cp_usage_json_record(uj, &u);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(cp_usage_json_reopen(uj), 0); /* flushes first */
	cp_usage_json_record(uj, &u);
	cp_usage_json_record(uj, &u);
	cp_usage_json_close(uj);
	all = read_lines(moved);
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);
	all = read_lines(path);
	assert_int_equal(json_array_size(all), 2);
	json_decref(all);
}

/* A full disk: counted and reported, the writer goes on. */
static void
test_write_error_counted(void **state)
{
	struct cp_usage_json *uj;
	struct turn_usage u = usage("grace");

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	uj = cp_usage_json_open("/dev/full", "example.org", NULL, 0);
	assert_non_null(uj);
	cp_usage_json_record(uj, &u);
	cp_usage_json_record(uj, &u);
	assert_int_equal(cp_usage_json_flush(uj), -ENOSPC);
	cp_usage_json_record(uj, &u);
	assert_int_equal(cp_usage_json_flush(uj), -ENOSPC);
	assert_int_equal(cp_usage_json_stats(uj)->records, 3);
	assert_int_equal(cp_usage_json_stats(uj)->written, 0);
	assert_int_equal(cp_usage_json_stats(uj)->lost, 3);
	assert_int_equal(cp_usage_json_stats(uj)->write_errors, 2);
	assert_int_equal(cp_usage_json_flush(uj), 0); /* nothing buffered */
	cp_usage_json_close(uj);
}

/* ---- From the configuration ---------------------------------------------- */

static void
test_config_not_set(void **state)
{
	struct tp_config cfg;
	struct cp_usage_json *uj = (struct cp_usage_json *)&cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "t.conf",
					      "relay-ip=192.0.2.10\nno-auth\n",
					      err, sizeof(err)),
			 0);
	assert_int_equal(cp_usage_json_open_config(&uj, &cfg, err, sizeof(err)),
			 0);
	assert_null(uj);
	tp_config_free(&cfg);
}

static void
test_config_opens(void **state)
{
	struct tp_config cfg;
	struct cp_usage_json *uj = NULL;
	char err[512] = "", text[512], path[256];
	struct turn_usage u = usage("heidi");
	json_t *all;

	(void)state;
	path_in_dir(path, sizeof(path), "from-config.jsonl");
	snprintf(text, sizeof(text),
		 "relay-ip=192.0.2.10\nrealm=example.net\nlt-cred-mech\n"
		 "user=a:b\n"
		 "usage-records-json=%s\n",
		 path);
	assert_int_equal(tp_config_parse_text(&cfg, "t.conf", text, err,
					      sizeof(err)),
			 0);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_USAGE_RECORDS_JSON], 5);
	assert_int_equal(cp_usage_json_open_config(&uj, &cfg, err, sizeof(err)),
			 0);
	assert_non_null(uj);
	cp_usage_json_record(uj, &u);
	cp_usage_json_close(uj);
	all = read_lines(path);
	assert_string_equal(str(json_array_get(all, 0), "realm"), "example.net");
	json_decref(all);
	tp_config_free(&cfg);
}

/* A path the server cannot open stops it at start-up, and says where. */
static void
test_config_unwritable(void **state)
{
	static const struct {
		const char *path;
		const char *reason;
	} bad[] = {
		{ "/nonexistent-dir/usage.jsonl", "No such file or directory" },
		{ "/tmp", "Is a directory" },
		{ "/dev/null/usage.jsonl", "Not a directory" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tp_config cfg;
		struct cp_usage_json *uj = NULL;
		char err[512] = "", text[512], want[512];

		snprintf(text, sizeof(text),
			 "relay-ip=192.0.2.10\nno-auth\n# the records\n"
			 "usage-records-json = %s\n",
			 bad[i].path);
		assert_int_equal(tp_config_parse_text(&cfg, "turnpike.conf",
						      text, err, sizeof(err)),
				 0);
		assert_true(cp_usage_json_open_config(&uj, &cfg, err,
						      sizeof(err)) < 0);
		assert_null(uj);
		snprintf(want, sizeof(want),
			 "turnpike.conf:4: usage-records-json: cannot open "
			 "'%s': ",
			 bad[i].path);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("got \"%s\", want \"%s...\"", err, want);
		assert_string_equal(err + strlen(want), bad[i].reason);
		tp_config_free(&cfg);
	}
}

/* The key takes an absolute path only, as cert and pkey do. */
static void
test_config_relative_refused(void **state)
{
	struct tp_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "t.conf",
					      "relay-ip=192.0.2.10\nno-auth\n"
					      "usage-records-json="
					      "usage.jsonl\n",
					      err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:3: usage-records-json: 'usage.jsonl' "
				 "is not an absolute path");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_awkward_names_read_back),
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_dual_has_relay2),
		cmocka_unit_test(test_no_auth_nulls),
		cmocka_unit_test(test_invalid_utf8_name),
		cmocka_unit_test(test_buffer_fills),
		cmocka_unit_test(test_mode_and_append),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_write_error_counted),
		cmocka_unit_test(test_config_not_set),
		cmocka_unit_test(test_config_opens),
		cmocka_unit_test(test_config_unwritable),
		cmocka_unit_test(test_config_relative_refused),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
