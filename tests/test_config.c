/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration reader: defaults, every key, each kind of bad value
 * (the message must name the file, the line and the key), the syntax
 * variants operators write (quotes, comments, blanks, CRLF, coturn's bare
 * flags), the cross-key contradictions, the coturn keys that are ignored
 * with a warning, the shipped example file, and a coturn-style file.
 *
 * Every error path frees what it allocated; run under ASan to check.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#ifndef TP_SOURCE_ROOT
#define TP_SOURCE_ROOT "."
#endif

/* A valid file of 4 lines; tests append their lines from line 5 on. */
#define BASE                    \
	"relay-ip=192.0.2.10\n" \
	"realm=example.org\n"   \
	"use-auth-secret\n"     \
	"static-auth-secret=s3cret\n"
#define BASE_LINES 4

/* a followed by b, on the heap. */
static char *
cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	assert_non_null(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* Parse BASE + extra; must succeed.  The caller frees cfg. */
static void
parse_ok(struct tp_config *cfg, const char *extra)
{
	char err[1024] = "";
	char *text = cat(BASE, extra);
	int rc = tp_config_parse_text(cfg, "t.conf", text, err, sizeof(err));

	free(text);
	if (rc != 0)
		fail_msg("unexpected error %d: %s", rc, err);
}

/* Parse @text (whole); must fail with "t.conf:LINE: KEY: ...WHAT...". */
static void
expect_error_text(const char *text, unsigned int line, const char *key,
		  const char *what)
{
	struct tp_config cfg;
	char err[1024] = "";
	char prefix[160];
	int rc = tp_config_parse_text(&cfg, "t.conf", text, err, sizeof(err));

	if (line != 0)
		snprintf(prefix, sizeof(prefix), "t.conf:%u: %s: ", line, key);
	else
		snprintf(prefix, sizeof(prefix), "t.conf: %s: ", key);
	if (rc != -EINVAL)
		fail_msg("want -EINVAL, got %d (%s) for:\n%s", rc, err, text);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
		fail_msg("got \"%s\"\nwant \"%s...%s...\"", err, prefix, what);
	/* A failed parse leaves nothing owned. */
	assert_null(cfg.file);
	assert_null(cfg.warnings);
	assert_int_equal(cfg.relay_ips.n, 0);
	tp_config_free(&cfg);
}

/* BASE + extra must fail at line BASE_LINES + @p at. */
static void
expect_error(const char *extra, unsigned int at, const char *key, const char *what)
{
	char *text = cat(BASE, extra);

	expect_error_text(text, BASE_LINES + at, key, what);
	free(text);
}

/* Write @p len bytes to a new temporary file; returns its path (static). */
static const char *
write_temp(const char *data, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/tp_config_test_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Dump to a string (caller frees). */
static char *
dump_string(const struct tp_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	tp_config_dump(cfg, f);
	fclose(f);
	return buf;
}

/* ---- Defaults and good values ------------------------------------------ */

static void
test_defaults(void **state)
{
	struct tp_config cfg;

	(void)state;
	tp_config_init_defaults(&cfg);
	assert_int_equal(cfg.listening_port, 3478);
	assert_int_equal(cfg.drain_min_allocations, 0);
	assert_int_equal(cfg.alternate_servers.n, 0);
	assert_int_equal(cfg.min_port, 49152);
	assert_int_equal(cfg.max_port, 65535);
	assert_int_equal(cfg.stale_nonce, 600);
	assert_int_equal(cfg.max_allocate_lifetime, 3600);
	assert_int_equal(cfg.channel_lifetime, 600);
	assert_int_equal(cfg.permission_lifetime, 300);
	assert_int_equal(cfg.allocations_per_worker, 65536);
	/* Non-zero: one credential may not take every relay port. */
	assert_int_equal(cfg.user_quota, 64);
	assert_int_equal(cfg.total_quota, 65536);
	assert_int_equal(cfg.oauth_kid_quota, 8192);
	assert_int_equal(cfg.max_bps, 0);
	assert_int_equal(cfg.tls_listening_ports.n, 1);
	assert_int_equal(cfg.tls_listening_ports.v[0].port, 5349);
	assert_int_equal(cfg.tls_listening_ports.v[0].line, 0);
	assert_int_equal(cfg.alt_tls_listening_port, 0);
	assert_false(cfg.no_udp || cfg.no_tcp || cfg.no_tls);
	assert_null(cfg.cert);
	assert_null(cfg.pkey);
	assert_false(tp_config_tls_enabled(&cfg));
	assert_string_equal(cfg.cipher_list, TP_CONFIG_DEFAULT_CIPHER_LIST);
	assert_int_equal(cfg.stream_max_connections, 32768);
	assert_int_equal(cfg.stream_max_per_source, 1024);
	assert_int_equal(cfg.stream_idle_timeout, 30);
	assert_int_equal(cfg.tls_handshake_timeout, 10);
	assert_int_equal(cfg.stream_buffer, 65536);
	assert_int_equal(cfg.request_rate, TP_CONFIG_DEFAULT_REQUEST_RATE);
	assert_int_equal(cfg.request_burst, TP_CONFIG_DEFAULT_REQUEST_BURST);
	assert_int_equal(cfg.challenge_rate, TP_CONFIG_DEFAULT_CHALLENGE_RATE);
	assert_int_equal(cfg.challenge_burst, TP_CONFIG_DEFAULT_CHALLENGE_BURST);
	assert_int_equal(cfg.limit_prefix_v4, 24);
	assert_int_equal(cfg.limit_prefix_v6, 48);
	assert_string_equal(cfg.admin_socket, "/run/turnpike.sock");
	assert_int_equal(cfg.log_level, TP_LOG_INFO);
	assert_int_equal(cfg.gateway.v4.ip.family, TP_AF_NONE);
	assert_int_equal(cfg.gateway.v6.ip.family, TP_AF_NONE);
	assert_string_equal(cfg.realm, "");
	assert_false(cfg.lt_cred_mech || cfg.use_auth_secret || cfg.oauth ||
		     cfg.no_auth);
	assert_false(cfg.allow_unsafe_peers || cfg.no_software_attribute);
	assert_int_equal(cfg.relay_ips.n + cfg.listening_ips.n + cfg.users.n, 0);
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++)
		assert_int_equal(cfg.line[k], 0);
	tp_config_free(&cfg);

	/* The minimal file takes every default it does not set. */
	parse_ok(&cfg, "");
	assert_int_equal(cfg.listening_port, 3478);
	assert_int_equal(cfg.min_port, 49152);
	assert_int_equal(cfg.max_port, 65535);
	assert_string_equal(cfg.server_name, "example.org"); /* default: realm */
	assert_int_equal(cfg.n_warnings, 0);
	assert_string_equal(cfg.file, "t.conf");
	tp_config_free(&cfg);
	assert_null(cfg.file);
}

static const char every_key[] =
	"listening-ip=192.0.2.1\n"                      /* 1 */
	"listening-ip=2001:db8::1\n"                    /* 2 */
	"listening-port=3479\n"                         /* 3 */
	"relay-ip=192.0.2.2\n"                          /* 4 */
	"relay-ip=2001:db8::2\n"                        /* 5 */
	"min-port=40000\n"                              /* 6 */
	"max-port=40999\n"                              /* 7 */
	"realm=example.org\n"                           /* 8 */
	"server-name=turn1.example.org\n"               /* 9 */
	"lt-cred-mech\n"                                /* 10 */
	"user=alice:pass:with:colons\n"                 /* 11 */
	"user=bob:0x00112233445566778899AABBCCDDEEFF\n" /* 12 */
	"use-auth-secret\n"                             /* 13 */
	"static-auth-secret=one\n"                      /* 14 */
	"static-auth-secret=two\n"                      /* 15 */
	"oauth\n"                                       /* 16 */
	/* base64 of the ASCII "1234567890123456" and "...9012" (RFC 4648). */
	"oauth-key=k16:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n" /* 17 */
	"oauth-key=k32:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=:A256GCM\n" /* 18 */
	"user-quota=10\n"                                      /* 19 */
	"total-quota=1000\n"                                   /* 20 */
	"max-bps=125000\n"                                     /* 21 */
	"allowed-peer-ip=10.1.0.0/16\n"                        /* 22 */
	"allowed-peer-ip=10.2.0.5\n"                           /* 23 */
	"denied-peer-ip=83.166.64.0-83.166.95.255\n"           /* 24 */
	"denied-peer-ip=2001:db8:dead::/48\n"                  /* 25 */
	"stale-nonce=120\n"                                    /* 26 */
	"max-allocate-lifetime=60\n"                           /* 27 */
	"channel-lifetime=5\n"                                 /* 28 */
	"permission-lifetime=3\n"                              /* 29 */
	"alternate-server=192.0.2.20\n"                        /* 30 */
	"alternate-server=192.0.2.21:5000\n"                   /* 31 */
	"alternate-server=[2001:db8::20]:5001\n"               /* 32 */
	"alternate-server=2001:db8::21\n"                      /* 33 */
	"no-software-attribute\n"                              /* 34 */
	"no-multicast-peers\n"                                 /* 35 */
	"no-loopback-peers\n"                                  /* 36 */
	"gateway=192.0.2.254\n"                                /* 37 */
	"local-network=192.0.2.77/24\n"                        /* 38 */
	"local-network=2001:db8::/64\n"                        /* 39 */
	"allocations-per-worker=1024\n"                        /* 40 */
	"allow-unsafe-peers\n"                                 /* 41 */
	"admin-socket=/tmp/tp.sock\n"                          /* 42 */
	"log-level=debug\n"                                    /* 43 */
	"rfc5766-channel-numbers\n"                            /* 44 */
	"tls-listening-port=5350\n"                            /* 45 */
	"tls-listening-port=443\n"                             /* 46 */
	"alt-tls-listening-port=5351\n"                        /* 47 */
	"no-udp=no\n"                                          /* 48 */
	"no-tcp\n"                                             /* 49 */
	"no-tls=no\n"                                          /* 50 */
	"cert=/etc/turnpike/fullchain.pem\n"                   /* 51 */
	"pkey=\"/etc/turnpike/priv key.pem\"\n"                /* 52 */
	"cipher-list=ECDHE+AESGCM:!aNULL\n"                    /* 53 */
	"stream-max-connections=1000\n"                        /* 54 */
	"stream-max-per-source=10\n"                           /* 55 */
	"stream-idle-timeout=20\n"                             /* 56 */
	"tls-handshake-timeout=5\n"                            /* 57 */
	"stream-buffer=8192\n"                                 /* 58 */
	"exception-interface=tp0\n"                            /* 59 */
	"rest-max-lifetime=7200\n"                             /* 60 */
	"request-rate-per-prefix=500\n"                        /* 61 */
	"request-burst-per-prefix=50\n"                        /* 62 */
	"challenge-rate-per-prefix=0\n"                        /* 63 */
	"challenge-burst-per-prefix=7\n"                       /* 64 */
	"limit-prefix-v4=32\n"                                 /* 65 */
	"limit-prefix-v6=64\n"                                 /* 66 */
	"oauth-kid-quota=500\n"                                /* 67 */
	"gateway=2001:db8::fe\n"                               /* 68 */
	"prometheus\n"                                         /* 69 */
	"prometheus-address=::\n"                              /* 70 */
	"prometheus-port=9642\n"                               /* 71 */
	"usage-records-json=/var/log/turnpike/usage.jsonl\n"   /* 72 */
	"drain-min-allocations=5\n"                            /* 73 */
	"push-listen=192.0.2.9:9443\n"                         /* 74 */
	"push-cert=/etc/turnpike/push.pem\n"                   /* 75 */
	"push-pkey=/etc/turnpike/push.key\n"                   /* 76 */
	"push-client-ca=/etc/turnpike/pcscf-ca.pem\n"          /* 77 */
	"push-store=/var/lib/turnpike/push\n"                  /* 78 */
	"redis-statsdb=\"ip=127.0.0.1 port=6380 dbname=2\"\n"; /* 79 */

static void
expect_ip(const struct tp_ip *ip, const char *text)
{
	struct tp_ip want;

	assert_int_equal(tp_ip_parse(&want, text), 0);
	assert_true(tp_ip_equal(ip, &want));
}

static void
expect_range(const struct tp_ip_range *r, const char *lo, const char *hi)
{
	expect_ip(&r->lo, lo);
	expect_ip(&r->hi, hi);
}

static void
test_every_key(void **state)
{
	struct tp_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "all.conf", every_key, err,
					      sizeof(err)),
			 0);
	assert_int_equal(cfg.n_warnings, 0);
	assert_int_equal(cfg.listening_ips.n, 2);
	expect_ip(&cfg.listening_ips.v[0].ip, "192.0.2.1");
	expect_ip(&cfg.listening_ips.v[1].ip, "2001:db8::1");
	assert_int_equal(cfg.listening_ips.v[1].line, 2);
	assert_int_equal(cfg.listening_port, 3479);
	assert_int_equal(cfg.relay_ips.n, 2);
	expect_ip(&cfg.relay_ips.v[1].ip, "2001:db8::2");
	assert_int_equal(cfg.min_port, 40000);
	assert_int_equal(cfg.max_port, 40999);
	assert_string_equal(cfg.exception_interface, "tp0");
	assert_int_equal(cfg.line[TP_CONFIG_KEY_EXCEPTION_INTERFACE], 59);
	assert_string_equal(cfg.realm, "example.org");
	assert_string_equal(cfg.server_name, "turn1.example.org");
	assert_true(cfg.lt_cred_mech && cfg.use_auth_secret && cfg.oauth);
	assert_false(cfg.no_auth);

	assert_int_equal(cfg.users.n, 2);
	assert_string_equal(cfg.users.v[0].text, "alice:pass:with:colons");
	assert_int_equal(cfg.users.v[0].line, 11);
	assert_string_equal(cfg.users.v[1].text,
			    "bob:0x00112233445566778899AABBCCDDEEFF");
	assert_int_equal(cfg.users.v[1].line, 12);
	assert_int_equal(cfg.static_auth_secrets.n, 2);
	assert_string_equal(cfg.static_auth_secrets.v[1].text, "two");
	assert_int_equal(cfg.static_auth_secrets.v[1].len, 3);
	assert_int_equal(cfg.static_auth_secrets.v[1].line, 15);

	assert_int_equal(cfg.oauth_keys.n, 2);
	assert_string_equal(cfg.oauth_keys.v[0].key.kid, "k16");
	assert_int_equal(cfg.oauth_keys.v[0].key.alg, OAUTH_ALG_A128GCM);
	assert_int_equal(cfg.oauth_keys.v[0].key.key_len, 16);
	assert_memory_equal(cfg.oauth_keys.v[0].key.key, "1234567890123456", 16);
	assert_int_equal(cfg.oauth_keys.v[0].line, 17);
	assert_string_equal(cfg.oauth_keys.v[1].key.kid, "k32");
	assert_int_equal(cfg.oauth_keys.v[1].key.alg, OAUTH_ALG_A256GCM);
	assert_int_equal(cfg.oauth_keys.v[1].key.key_len, 32);
	assert_memory_equal(cfg.oauth_keys.v[1].key.key,
			    "12345678901234567890123456789012", 32);

	assert_int_equal(cfg.user_quota, 10);
	assert_int_equal(cfg.total_quota, 1000);
	assert_int_equal(cfg.oauth_kid_quota, 500);
	assert_true(cfg.prometheus);
	expect_ip(&cfg.prometheus_address, "::"); /* every address: allowed */
	assert_int_equal(cfg.prometheus_port, 9642);
	assert_string_equal(cfg.usage_records_json,
			    "/var/log/turnpike/usage.jsonl");
	assert_int_equal(cfg.line[TP_CONFIG_KEY_USAGE_RECORDS_JSON], 72);
	assert_int_equal(cfg.max_bps, 125000);
	assert_int_equal(cfg.allowed_peer_ips.n, 2);
	expect_range(&cfg.allowed_peer_ips.v[0].range, "10.1.0.0",
		     "10.1.255.255");
	expect_range(&cfg.allowed_peer_ips.v[1].range, "10.2.0.5", "10.2.0.5");
	assert_int_equal(cfg.denied_peer_ips.n, 2);
	expect_range(&cfg.denied_peer_ips.v[0].range, "83.166.64.0",
		     "83.166.95.255");
	expect_range(&cfg.denied_peer_ips.v[1].range,
		     "2001:db8:dead::", "2001:db8:dead:ffff:ffff:ffff:ffff:ffff");
	assert_int_equal(cfg.denied_peer_ips.v[1].line, 25);
	assert_int_equal(cfg.stale_nonce, 120);
	assert_int_equal(cfg.max_allocate_lifetime, 60);
	assert_int_equal(cfg.channel_lifetime, 5);
	assert_int_equal(cfg.permission_lifetime, 3);

	assert_int_equal(cfg.alternate_servers.n, 4);
	expect_ip(&cfg.alternate_servers.v[0].addr.ip, "192.0.2.20");
	assert_int_equal(cfg.alternate_servers.v[0].addr.port, 3478);
	expect_ip(&cfg.alternate_servers.v[1].addr.ip, "192.0.2.21");
	assert_int_equal(cfg.alternate_servers.v[1].addr.port, 5000);
	expect_ip(&cfg.alternate_servers.v[2].addr.ip, "2001:db8::20");
	assert_int_equal(cfg.alternate_servers.v[2].addr.port, 5001);
	expect_ip(&cfg.alternate_servers.v[3].addr.ip, "2001:db8::21");
	assert_int_equal(cfg.alternate_servers.v[3].addr.port, 3478);
	assert_int_equal(cfg.drain_min_allocations, 5);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_DRAIN_MIN_ALLOCATIONS], 73);
	expect_ip(&cfg.push_listen.ip, "192.0.2.9");
	assert_int_equal(cfg.push_listen.port, 9443);
	assert_string_equal(cfg.push_cert, "/etc/turnpike/push.pem");
	assert_string_equal(cfg.push_pkey, "/etc/turnpike/push.key");
	assert_string_equal(cfg.push_client_ca, "/etc/turnpike/pcscf-ca.pem");
	assert_string_equal(cfg.push_store, "/var/lib/turnpike/push");
	assert_int_equal(cfg.line[TP_CONFIG_KEY_PUSH_STORE], 78);

	assert_true(cfg.no_software_attribute);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_NO_MULTICAST_PEERS], 35);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_NO_LOOPBACK_PEERS], 36);
	expect_ip(&cfg.gateway.v4.ip, "192.0.2.254");
	assert_int_equal(cfg.gateway.v4.line, 37);
	expect_ip(&cfg.gateway.v6.ip, "2001:db8::fe");
	assert_int_equal(cfg.gateway.v6.line, 68);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_GATEWAY], 37);
	assert_int_equal(cfg.local_networks.n, 2);
	expect_range(&cfg.local_networks.v[0].range, "192.0.2.0", "192.0.2.255");
	expect_range(&cfg.local_networks.v[1].range,
		     "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff");
	assert_int_equal(cfg.allocations_per_worker, 1024);
	assert_true(cfg.allow_unsafe_peers);
	assert_string_equal(cfg.admin_socket, "/tmp/tp.sock");
	assert_int_equal(cfg.log_level, TP_LOG_DEBUG);
	assert_true(cfg.rfc5766_channel_numbers);

	assert_int_equal(cfg.tls_listening_ports.n, 2);
	assert_int_equal(cfg.tls_listening_ports.v[0].port, 5350);
	assert_int_equal(cfg.tls_listening_ports.v[0].line, 45);
	assert_int_equal(cfg.tls_listening_ports.v[1].port, 443);
	assert_int_equal(cfg.tls_listening_ports.v[1].line, 46);
	assert_int_equal(cfg.alt_tls_listening_port, 5351);
	assert_false(cfg.no_udp);
	assert_true(cfg.no_tcp);
	assert_false(cfg.no_tls);
	assert_string_equal(cfg.cert, "/etc/turnpike/fullchain.pem");
	assert_string_equal(cfg.pkey, "/etc/turnpike/priv key.pem");
	assert_int_equal(cfg.line[TP_CONFIG_KEY_PKEY], 52);
	assert_true(tp_config_tls_enabled(&cfg));
	assert_string_equal(cfg.cipher_list, "ECDHE+AESGCM:!aNULL");
	assert_int_equal(cfg.stream_max_connections, 1000);
	assert_int_equal(cfg.stream_max_per_source, 10);
	assert_int_equal(cfg.stream_idle_timeout, 20);
	assert_int_equal(cfg.tls_handshake_timeout, 5);
	assert_int_equal(cfg.stream_buffer, 8192);
	assert_int_equal(cfg.rest_max_lifetime, 7200);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_REST_MAX_LIFETIME], 60);
	assert_int_equal(cfg.request_rate, 500);
	assert_int_equal(cfg.request_burst, 50);
	assert_int_equal(cfg.challenge_rate, 0); /* 0 = no limit */
	assert_int_equal(cfg.challenge_burst, 7);
	assert_int_equal(cfg.limit_prefix_v4, 32);
	assert_int_equal(cfg.limit_prefix_v6, 64);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_LIMIT_PREFIX_V6], 66);

	/* Every key was seen, on its own line. */
	assert_int_equal(cfg.line[TP_CONFIG_KEY_LISTENING_IP], 1);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_LOG_LEVEL], 43);
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++) {
		/* no-auth contradicts the mechanisms; test_dump sets it.
		 * redis-userdb contradicts push-store: test_fleet_keys. */
		if (cfg.line[k] == 0 && k != TP_CONFIG_KEY_NO_AUTH &&
		    k != TP_CONFIG_KEY_REDIS_USERDB &&
		    k != TP_CONFIG_KEY_FLEET_ID &&
		    k != TP_CONFIG_KEY_FLEET_LEASE &&
		    k != TP_CONFIG_KEY_FLEET_SHED_ALLOCATIONS &&
		    k != TP_CONFIG_KEY_FLEET_ADVERTISE)
			fail_msg("key %s not seen",
				 tp_config_key_name((enum tp_config_key)k));
	}
	tp_config_free(&cfg);
}

static void
test_key_names(void **state)
{
	(void)state;
	assert_string_equal(tp_config_key_name(TP_CONFIG_KEY_MIN_PORT),
			    "min-port");
	assert_string_equal(tp_config_key_name(TP_CONFIG_KEY_STATIC_AUTH_SECRET),
			    "static-auth-secret");
	assert_string_equal(tp_config_key_name(TP_CONFIG_KEY_COUNT), "?");
}

/* ---- Bad values ---------------------------------------------------------- */

struct bad_case {
	const char *line; /* appended at line BASE_LINES + 1 */
	const char *key;
	const char *what;
};

static void
run_bad_cases(const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *extra = cat(c[i].line, "\n");

		expect_error(extra, 1, c[i].key, c[i].what);
		free(extra);
	}
}

/* exception-interface: a name read back as given, dumped, and a name that
 * would split net_tap's devargs or the kernel's refused with its line. */
static void
test_exception_interface(void **state)
{
	static const struct bad_case bad[] = {
		{ "exception-interface=tp,0", "exception-interface",
		  "not an interface name" },
		{ "exception-interface=a=b", "exception-interface",
		  "not an interface name" },
		{ "exception-interface=x/y", "exception-interface",
		  "not an interface name" },
		{ "exception-interface=abcdefghijklmnop", "exception-interface",
		  "longer than 15 bytes" },
	};
	struct tp_config cfg;
	char *dump;

	(void)state;
	parse_ok(&cfg, "");
	assert_string_equal(cfg.exception_interface, "");
	dump = dump_string(&cfg);
	assert_non_null(strstr(dump, "# exception-interface not set\n"));
	free(dump);
	tp_config_free(&cfg);
	parse_ok(&cfg, "exception-interface=tp0.1\n");
	assert_string_equal(cfg.exception_interface, "tp0.1");
	dump = dump_string(&cfg);
	assert_non_null(strstr(dump, "\nexception-interface=tp0.1\n"));
	free(dump);
	tp_config_free(&cfg);
	run_bad_cases(bad, sizeof(bad) / sizeof(bad[0]));
}

static void
test_bad_numbers(void **state)
{
	static const struct bad_case cases[] = {
		{ "min-port=70000", "min-port",
		  "70000 is not a port number (1-65535)" },
		{ "max-port=0", "max-port", "0 is not a port number (1-65535)" },
		{ "listening-port=abc", "listening-port",
		  "'abc' is not a number" },
		{ "listening-port=-1", "listening-port", "'-1' is not a number" },
		{ "listening-port=+80", "listening-port", "is not a number" },
		{ "listening-port=0x50", "listening-port", "is not a number" },
		{ "listening-port=34 78", "listening-port", "is not a number" },
		{ "min-port=99999999999999999999999", "min-port",
		  "is not a port number" },
		{ "channel-lifetime=0", "channel-lifetime",
		  "0 is out of range (1-86400)" },
		{ "permission-lifetime=86401", "permission-lifetime",
		  "out of range (1-86400)" },
		{ "max-allocate-lifetime=1h", "max-allocate-lifetime",
		  "'1h' is not a number" },
		{ "total-quota=4294967296", "total-quota",
		  "out of range (0-4294967295)" },
		{ "user-quota=-5", "user-quota", "is not a number" },
		{ "max-bps=1000000000000", "max-bps",
		  "out of range (0-4294967295)" },
		{ "allocations-per-worker=0", "allocations-per-worker",
		  "out of range (1-16777216)" },
		{ "allocations-per-worker=16777217", "allocations-per-worker",
		  "out of range" },
		{ "limit-prefix-v4=0", "limit-prefix-v4", "out of range (1-32)" },
		{ "limit-prefix-v6=129", "limit-prefix-v6",
		  "out of range (1-128)" },
		{ "request-burst-per-prefix=0", "request-burst-per-prefix",
		  "out of range (1-4294967295)" },
		{ "challenge-rate-per-prefix=1000001",
		  "challenge-rate-per-prefix", "out of range (0-1000000)" },
		{ "stale-nonce=0", "stale-nonce", "is not supported" },
		{ "stale-nonce=ten", "stale-nonce", "'ten' is not a number" },
		{ "stale-nonce=86401", "stale-nonce", "out of range" },
		{ "drain-min-allocations=-1", "drain-min-allocations",
		  "is not a number" },
		{ "drain-min-allocations=4294967296", "drain-min-allocations",
		  "out of range (0-4294967295)" },
	};

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_bad_addresses(void **state)
{
	static const struct bad_case cases[] = {
		{ "relay-ip=300.1.2.3", "relay-ip",
		  "'300.1.2.3' is not an IP address" },
		{ "relay-ip=example.org", "relay-ip", "is not an IP address" },
		{ "listening-ip=0.0.0.0", "listening-ip", "unspecified" },
		{ "listening-ip=::", "listening-ip", "unspecified" },
		{ "relay-ip=224.0.0.1", "relay-ip", "multicast" },
		{ "relay-ip=ff02::1", "relay-ip", "multicast" },
		{ "relay-ip=192.0.2.1/24", "relay-ip", "is not an IP address" },
		{ "gateway=192.0.2", "gateway", "is not an IP address" },
		{ "prometheus-address=224.0.0.1", "prometheus-address",
		  "is a multicast address" },
		{ "prometheus-address=localhost", "prometheus-address",
		  "is not an IP address" },
		{ "prometheus-port=0", "prometheus-port",
		  "is not a port number (1-65535)" },
		{ "denied-peer-ip=10.0.0.0/33", "denied-peer-ip",
		  "is not an address, address/length" },
		{ "allowed-peer-ip=10.0.0.9-10.0.0.1", "allowed-peer-ip",
		  "low-high range" },
		{ "allowed-peer-ip=10.0.0.1-2001:db8::1", "allowed-peer-ip",
		  "low-high range" },
		{ "local-network=192.0.2.1", "local-network",
		  "is not a CIDR prefix" },
		{ "local-network=192.0.2.0-192.0.2.9", "local-network",
		  "is not a CIDR prefix" },
		{ "alternate-server=192.0.2.1:0", "alternate-server",
		  "0 is not a port number" },
		{ "alternate-server=192.0.2.1:70000", "alternate-server",
		  "not a port number" },
		{ "alternate-server=[2001:db8::1", "alternate-server",
		  "[ipv6][:port]" },
		{ "alternate-server=[2001:db8::1]x", "alternate-server",
		  "[ipv6][:port]" },
		{ "alternate-server=[192.0.2.1]:80:", "alternate-server",
		  "'80:' is not a number" },
		{ "alternate-server=host.example:3478", "alternate-server",
		  "not an IP address" },
		{ "alternate-server=192.0.2.1:3478x", "alternate-server",
		  "'3478x' is not a number" },
	};

	char many[TP_CONFIG_ALTERNATES_MAX * 32 + 64] = "";
	struct tp_config cfg;
	char *text;

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));

	/* As many alternate-server lines as the server uses, then one more,
	 * refused on its own line. */
	for (int i = 0; i < TP_CONFIG_ALTERNATES_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 "alternate-server=192.0.2.%d\n", i + 1);
	text = cat(BASE, many);
	assert_int_equal(tp_config_parse_text(&cfg, "t.conf", text, NULL, 0), 0);
	assert_int_equal(cfg.alternate_servers.n, TP_CONFIG_ALTERNATES_MAX);
	tp_config_free(&cfg);
	free(text);
	strcat(many, "alternate-server=[2001:db8::99]:3479\n");
	expect_error(many, TP_CONFIG_ALTERNATES_MAX + 1, "alternate-server",
		     "more than 16 addresses");
}

static void
test_bad_auth_values(void **state)
{
	static const struct bad_case cases[] = {
		{ "user=alice", "user", "expected name:password" },
		{ "user=:pass", "user", "the name must be" },
		{ "user=alice:", "user", "the password must be" },
		{ "user=bob:0x1234", "user", "32 hex digits" },
		{ "user=bob:0x00112233445566778899AABBCCDDEEFG", "user",
		  "32 hex digits" },
		{ "user=bob:0x00112233445566778899AABBCCDDEEFF00", "user",
		  "32 hex digits" },
		{ "oauth-key=kid", "oauth-key", "expected KID:BASE64KEY:ALG" },
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Ng==", "oauth-key",
		  "expected KID:BASE64KEY" },
		{ "oauth-key=:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM", "oauth-key",
		  "the kid must be" },
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Ng==:A192GCM", "oauth-key",
		  "not an algorithm" },
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Ng==:a128gcm", "oauth-key",
		  "not an algorithm" },
		/* EVP_DecodeBlock quirks that must not slip through: */
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Ng:A128GCM", "oauth-key",
		  "not valid base64" },
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Nh==:A128GCM", "oauth-key",
		  "not valid base64" },
		{ "oauth-key=kid:MTIz NDU2Nzg5MDEyMzQ1Ng==:A128GCM",
		  "oauth-key", "not valid base64" },
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Ng=A=:A128GCM",
		  "oauth-key", "not valid base64" },
		{ "oauth-key=kid::A128GCM", "oauth-key",
		  "is 0 bytes but A128GCM needs 16" },
		/* Right length for the other algorithm. */
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Ng==:A256GCM", "oauth-key",
		  "the key is 16 bytes but A256GCM needs 32" },
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=:A128GCM",
		  "oauth-key", "the key is 32 bytes but A128GCM needs 16" },
		/* 33 bytes: more than any algorithm takes. */
		{ "oauth-key=kid:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIz:A256GCM",
		  "oauth-key", "more than 32 bytes" },
		{ "log-level=verbose", "log-level",
		  "'verbose' is not a log level" },
		{ "log-level=DEBUG", "log-level", "is not a log level" },
		{ "admin-socket=turnpike.sock", "admin-socket",
		  "not an absolute path" },
	};

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_bad_lengths_and_counts(void **state)
{
	char line[1200];

	(void)state;
	/* realm: 763 bytes is the most (RFC 8489 section 14.9). */
	snprintf(line, sizeof(line), "realm=%0764d\n", 0);
	expect_error_text(line, 1, "realm", "longer than 763 bytes");
	snprintf(line, sizeof(line), "server-name=%0764d\n", 0);
	expect_error(line, 1, "server-name", "longer than 763 bytes");
	snprintf(line, sizeof(line), "admin-socket=/%0107d\n", 0);
	expect_error(line, 1, "admin-socket", "longer than 107 bytes");
	snprintf(line, sizeof(line), "static-auth-secret=%0257d\n", 0);
	expect_error(line, 1, "static-auth-secret", "longer than 256 bytes");

	/* Eight secrets are the most (BASE has one). */
	expect_error("static-auth-secret=2\nstatic-auth-secret=3\nstatic-auth-secret=4\n"
		     "static-auth-secret=5\nstatic-auth-secret=6\nstatic-auth-secret=7\n"
		     "static-auth-secret=8\nstatic-auth-secret=9\n",
		     8, "static-auth-secret", "more than 8 secrets");

	/* Sixteen oauth keys are the most; and a kid may appear once. */
	{
		char *text = cat(BASE, "oauth\n");

		for (int i = 0; i < 17; i++) {
			char key[96];
			char *t;

			snprintf(key, sizeof(key),
				 "oauth-key=kid%d:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n",
				 i);
			t = cat(text, key);
			free(text);
			text = t;
		}
		expect_error_text(text, BASE_LINES + 18, "oauth-key",
				  "more than 16 keys");
		free(text);
	}
	expect_error("oauth\noauth-key=a:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n"
		     "oauth-key=a:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=:A256GCM\n",
		     3, "oauth-key", "kid 'a' given again (first on line 6)");
}

static void
test_empty_values(void **state)
{
	static const struct bad_case cases[] = {
		{ "server-name=", "server-name", "needs a value" },
		{ "server-name=\"\"", "server-name", "needs a value" },
		{ "relay-ip", "relay-ip", "needs a value" },
		{ "min-port =   ", "min-port", "needs a value" },
		{ "user  # the value is only a comment", "user", "needs a value" },
		{ "log-level=", "log-level", "needs a value" },
	};

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
	/* The realm line here is line 2 (the second realm would be a duplicate). */
	expect_error_text("relay-ip=192.0.2.1\nrealm=\n", 2, "realm",
			  "needs a value");
}

static void
test_unknown_key(void **state)
{
	(void)state;
	expect_error("external-ip=203.0.113.1\n", 1, "external-ip",
		     "unknown key");
	expect_error("\n# comment\n  dh-file=/etc/dh.pem\n", 3, "dh-file",
		     "unknown key");
	/* coturn's TLS 1.3-only switch: ignoring it would keep TLS 1.2 on. */
	expect_error("no-tlsv1_2\n", 1, "no-tlsv1_2", "unknown key");
	/* Keys are case-sensitive, as in coturn. */
	expect_error("Realm=x\n", 1, "Realm", "unknown key");
	expect_error("allow-loopback-peers\n", 1, "allow-loopback-peers",
		     "unknown key");
	/* A '#' glued to a key is part of it. */
	expect_error("fingerprint#on\n", 1, "fingerprint#on", "unknown key");
	/* A line that starts with '=' has no key. */
	{
		struct tp_config cfg;
		char err[256];

		assert_int_equal(tp_config_parse_text(&cfg, "t.conf",
						      "relay-ip=192.0.2.1\n=5\n",
						      err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err, "t.conf:2: '=' with no key before it");
	}
}

static void
test_duplicate_key(void **state)
{
	(void)state;
	expect_error("realm=other.org\n", 1, "realm",
		     "given again (first on line 2)");
	expect_error("min-port=1000\n\nmin-port=2000\n", 3, "min-port",
		     "given again (first on line 5)");
	expect_error("use-auth-secret\n", 1, "use-auth-secret",
		     "given again (first on line 3)");
	expect_error("stale-nonce\nstale-nonce=60\n", 2, "stale-nonce",
		     "first on line 5");
	expect_error("no-multicast-peers\nno-multicast-peers\n", 2,
		     "no-multicast-peers", "first on line 5");
}

/*
 * gateway is repeatable once per family: the fast path has an IPv4 and an
 * IPv6 gateway, and a second one of a family would replace the first.  The
 * error names the line that family was first given on, not the key's.
 */
static void
test_gateway_per_family(void **state)
{
	struct tp_config cfg;

	(void)state;
	parse_ok(&cfg, "gateway=2001:db8::fe\ngateway=192.0.2.254\n");
	expect_ip(&cfg.gateway.v4.ip, "192.0.2.254");
	assert_int_equal(cfg.gateway.v4.line, BASE_LINES + 2);
	expect_ip(&cfg.gateway.v6.ip, "2001:db8::fe");
	assert_int_equal(cfg.gateway.v6.line, BASE_LINES + 1);
	tp_config_free(&cfg);

	/* One family only: the other stays unset. */
	parse_ok(&cfg, "gateway=2001:db8::fe\n");
	assert_int_equal(cfg.gateway.v4.ip.family, TP_AF_NONE);
	assert_int_equal(cfg.gateway.v4.line, 0);
	expect_ip(&cfg.gateway.v6.ip, "2001:db8::fe");
	tp_config_free(&cfg);

	expect_error("gateway=192.0.2.1\ngateway=192.0.2.1\n", 2, "gateway",
		     "a second IPv4 address (first on line 5)");
	expect_error("gateway=2001:db8::fe\ngateway=192.0.2.1\n"
		     "gateway=192.0.2.2\n",
		     3, "gateway", "a second IPv4 address (first on line 6)");
	expect_error("gateway=192.0.2.1\ngateway=2001:db8::fe\n"
		     "gateway=2001:db8::1\n",
		     3, "gateway", "a second IPv6 address (first on line 6)");
}

static void
test_flags(void **state)
{
	struct tp_config cfg;

	(void)state;
	expect_error("lt-cred-mech=maybe\n", 1, "lt-cred-mech",
		     "is a flag and takes no value");
	expect_error("no-software-attribute=1h\n", 1, "no-software-attribute",
		     "takes no value");
	expect_error("allow-unsafe-peers 192.0.2.1\n", 1, "allow-unsafe-peers",
		     "takes no value");
	expect_error("no-loopback-peers=no\n", 1, "no-loopback-peers",
		     "always refuses");
	expect_error("no-auth=sure\n", 1, "no-auth", "takes no value");

	/* coturn's boolean words, any case; "key=" is a bare flag. */
	parse_ok(&cfg,
		 "no-software-attribute=yes\nallow-unsafe-peers=TRUE\nlt-cred-mech=off\n"
		 "oauth=0\nno-multicast-peers=On\nno-loopback-peers=\n");
	assert_true(cfg.no_software_attribute);
	assert_true(cfg.allow_unsafe_peers);
	assert_false(cfg.lt_cred_mech);
	assert_false(cfg.oauth);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_LT_CRED_MECH], 7);
	tp_config_free(&cfg);

	/* stale-nonce: a flag (600) or seconds. */
	parse_ok(&cfg, "stale-nonce\n");
	assert_int_equal(cfg.stale_nonce, 600);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_STALE_NONCE], 5);
	tp_config_free(&cfg);
	parse_ok(&cfg, "stale-nonce=30\n");
	assert_int_equal(cfg.stale_nonce, 30);
	tp_config_free(&cfg);
	parse_ok(&cfg, "stale-nonce  # bare, with a comment\n");
	assert_int_equal(cfg.stale_nonce, 600);
	tp_config_free(&cfg);
}

/* ---- Syntax variants ----------------------------------------------------- */

static void
test_quotes_comments_blanks(void **state)
{
	struct tp_config cfg;
	char err[512] = "";
	static const char text[] =
		"# a comment line\n"
		"   # an indented comment\n"
		"\n"
		"   \t  \n"
		"relay-ip = 192.0.2.10   # the relay\n"
		"\trealm\t\"my realm # not a comment\"  # a comment\n"
		"use-auth-secret # comment after a flag\n"
		"static-auth-secret abc#def\n"        /* no blank before '#' */
		"static-auth-secret=ghi #jkl\n"       /* comment */
		"static-auth-secret=\"  spaced  \"\n" /* quotes keep blanks */
		"static-auth-secret==x\n"             /* one '=' separates */
		"static-auth-secret  =  \"#hash\"\n"
		"server-name=\"\"x\"\n" /* first quote closes */
		"listening-port\t=\t3480\n"
		"min-port 40000\n"
		"max-port=41000"; /* no final newline */

	(void)state;
	/* server-name="" then x": text after the closing quote. */
	assert_int_equal(tp_config_parse_text(&cfg, "q.conf", text, err,
					      sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "q.conf:13: server-name: text after the closing double quote");

	{
		char *fixed = strdup(text);
		char *p = strstr(fixed, "server-name=\"\"x\"");

		assert_non_null(p);
		memcpy(p, "server-name=\"ab\"", strlen("server-name=\"\"x\""));
		assert_int_equal(tp_config_parse_text(&cfg, "q.conf", fixed,
						      err, sizeof(err)),
				 0);
		free(fixed);
	}
	assert_int_equal(cfg.relay_ips.n, 1);
	expect_ip(&cfg.relay_ips.v[0].ip, "192.0.2.10");
	assert_string_equal(cfg.realm, "my realm # not a comment");
	assert_true(cfg.use_auth_secret);
	assert_int_equal(cfg.static_auth_secrets.n, 5);
	assert_string_equal(cfg.static_auth_secrets.v[0].text, "abc#def");
	assert_string_equal(cfg.static_auth_secrets.v[1].text, "ghi");
	assert_string_equal(cfg.static_auth_secrets.v[2].text, "  spaced  ");
	assert_string_equal(cfg.static_auth_secrets.v[3].text, "=x");
	assert_string_equal(cfg.static_auth_secrets.v[4].text, "#hash");
	assert_int_equal(cfg.static_auth_secrets.v[4].line, 12);
	assert_string_equal(cfg.server_name, "ab");
	assert_int_equal(cfg.listening_port, 3480);
	assert_int_equal(cfg.min_port, 40000);
	assert_int_equal(cfg.max_port, 41000);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_MAX_PORT], 16);
	tp_config_free(&cfg);

	expect_error("realm2=\"abc\n", 1, "realm2", "no closing double quote");
	expect_error("server-name=\"abc\n", 1, "server-name",
		     "no closing double quote");
	expect_error("server-name=\"abc\"def\n", 1, "server-name",
		     "text after the closing");
	expect_error("server-name=a\tb\n", 1, "server-name", "control character");
	expect_error("server-name=\"a\tb\"\n", 1, "server-name",
		     "control character");
	expect_error("server-name=a\rb\n", 1, "server-name", "control character");
}

static void
test_crlf(void **state)
{
	struct tp_config cfg;
	char err[512] = "";
	static const char text[] = "relay-ip=192.0.2.10\r\n"
				   "realm=example.org\r\n"
				   "\r\n"
				   "# comment\r\n"
				   "use-auth-secret\r\n"
				   "static-auth-secret=s3cret\r\n"
				   "min-port=50000 \r\n";
	const char *path;

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "crlf.conf", text, err,
					      sizeof(err)),
			 0);
	assert_string_equal(cfg.realm, "example.org");
	assert_string_equal(cfg.static_auth_secrets.v[0].text, "s3cret");
	assert_int_equal(cfg.static_auth_secrets.v[0].line, 6);
	assert_int_equal(cfg.min_port, 50000);
	tp_config_free(&cfg);

	/* The same from a file, and an error keeps the right line number. */
	path = write_temp(text, sizeof(text) - 1);
	assert_int_equal(tp_config_load(&cfg, path, err, sizeof(err)), 0);
	assert_string_equal(cfg.realm, "example.org");
	tp_config_free(&cfg);
	unlink(path);
	expect_error_text("relay-ip=192.0.2.10\r\n\r\nmax-port=x\r\n", 3,
			  "max-port", "'x' is not a number");
}

static void
test_long_line(void **state)
{
	static char text[8192];
	char *p;
	struct tp_config cfg;
	char err[512] = "";

	(void)state;
	/* A comment of exactly 4096 bytes is fine ... */
	p = stpcpy(text, BASE);
	memset(p, '#', TP_CONFIG_LINE_MAX);
	p += TP_CONFIG_LINE_MAX;
	strcpy(p, "\r\n");
	assert_int_equal(tp_config_parse_text(&cfg, "t.conf", text, err,
					      sizeof(err)),
			 0);
	tp_config_free(&cfg);

	/* ... 4097 bytes are not, even in a comment. */
	p = stpcpy(text, BASE);
	memset(p, '#', TP_CONFIG_LINE_MAX + 1);
	p[TP_CONFIG_LINE_MAX + 1] = '\0';
	assert_int_equal(tp_config_parse_text(&cfg, "t.conf", text, err,
					      sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.conf:5: line is longer than 4096 bytes");

	/* The message names the key when there is one. */
	p = stpcpy(text, BASE "\n");
	p = stpcpy(p, "static-auth-secret=");
	memset(p, 'A', 5000 - 40);
	strcpy(p + 5000 - 40, "\nrealm=x\n");
	expect_error(text + strlen(BASE), 2, "static-auth-secret",
		     "line is longer than 4096");
}

static void
test_nul_byte(void **state)
{
	static const char text[] =
		"relay-ip=192.0.2.10\nrealm=exam\0ple.org\nno-auth\n";
	struct tp_config cfg;
	char err[512] = "";
	const char *path;
	char want[128];
	int rc;

	(void)state;
	path = write_temp(text, sizeof(text) - 1);
	rc = tp_config_load(&cfg, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, -EINVAL);
	snprintf(want, sizeof(want), "%s:2: realm: NUL byte", path);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", err, want);
	assert_null(cfg.file);
}

/* ---- Contradictions ------------------------------------------------------ */

static void
test_contradictions(void **state)
{
	(void)state;
	/* The later key's line, both keys, and the other line. */
	expect_error("min-port=50000\nmax-port=40000\n", 2, "max-port",
		     "min-port 50000 is above max-port 40000 (min-port on line 5)");
	expect_error("max-port=40000\n\nmin-port=50000\n", 3, "min-port",
		     "min-port 50000 is above max-port 40000 (max-port on line 5)");
	/* Against a default: the range 49152-65535 with max-port below it. */
	expect_error("max-port=2000\n", 1, "max-port", "above max-port 2000");

	expect_error_text("realm=r\nno-auth\n", 0, "relay-ip",
			  "at least one relay-ip");

	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nuse-auth-secret\n", 3,
			  "use-auth-secret", "no static-auth-secret");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nstatic-auth-secret=s\n",
			  3, "static-auth-secret", "use-auth-secret is off");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nuse-auth-secret=no\n"
			  "static-auth-secret=s\n",
			  4, "static-auth-secret",
			  "use-auth-secret is off (add use-auth-secret) (use-auth-secret on line 3)");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\noauth\n", 3, "oauth",
			  "no oauth-key");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nno-auth\n"
			  "oauth-key=k:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n",
			  4, "oauth-key", "oauth is off");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nlt-cred-mech\n", 3,
			  "lt-cred-mech", "no user and no use-auth-secret");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nuser=a:b\nuse-auth-secret\n"
			  "static-auth-secret=s\n",
			  3, "user", "lt-cred-mech is off");
	expect_error_text("relay-ip=192.0.2.1\nlt-cred-mech\nuser=a:b\n", 2,
			  "lt-cred-mech", "no realm");
	expect_error("no-auth\n", 1, "no-auth",
		     "no-auth cannot be combined with use-auth-secret"
		     " (use-auth-secret on line 3)");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\nlt-cred-mech\nuser=a:b\nno-auth\n",
			  5, "no-auth", "cannot be combined with lt-cred-mech");
	expect_error_text("relay-ip=192.0.2.1\nno-auth\nrealm=r\noauth\n"
			  "oauth-key=k:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n",
			  4, "oauth",
			  "no-auth cannot be combined with oauth (no-auth on line 2)");
	expect_error_text("relay-ip=192.0.2.1\nrealm=r\n", 0, "no-auth",
			  "no authentication is configured");
	expect_error("user-quota=20\ntotal-quota=10\n", 2, "total-quota",
		     "user-quota 20 is above total-quota 10 (user-quota on line 5)");
	/* An IPv6-only listener with IPv4-only relays. */
	expect_error("listening-ip=2001:db8::1\n", 1, "listening-ip",
		     "no relay-ip has the family (IPv6) of any listening-ip (relay-ip on line 1)");

	/* What is not a contradiction. */
	{
		struct tp_config cfg;

		parse_ok(&cfg, "user-quota=20\ntotal-quota=0\n");
		tp_config_free(&cfg);
		/* The default user-quota (64) above a total-quota written in
		 * the file is bounded by it, not a contradiction. */
		parse_ok(&cfg, "total-quota=2\n");
		assert_int_equal(cfg.user_quota, 64);
		assert_int_equal(cfg.total_quota, 2);
		tp_config_free(&cfg);
		/* Dual stack: an IPv6 relay for IPv4 clients is allowed. */
		parse_ok(&cfg,
			 "listening-ip=192.0.2.10\nrelay-ip=2001:db8::10\n");
		tp_config_free(&cfg);
		parse_ok(&cfg,
			 "lt-cred-mech\n"); /* with use-auth-secret, no user needed */
		assert_int_equal(tp_config_validate(&cfg, NULL, 0), 0);
		tp_config_free(&cfg);
	}
}

/* ---- Transports: UDP, TCP, TLS and the stream limits --------------------- */

/* BASE plus a certificate and key: TLS on. */
#define TLS "cert=/etc/tp/cert.pem\npkey=/etc/tp/key.pem\n"

static void
test_transport_keys(void **state)
{
	struct tp_config cfg;

	(void)state;
	/* Both files: TLS on, on the default port. */
	parse_ok(&cfg, TLS);
	assert_true(tp_config_tls_enabled(&cfg));
	assert_int_equal(cfg.tls_listening_ports.n, 1);
	assert_int_equal(cfg.tls_listening_ports.v[0].port, 5349);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_CERT], BASE_LINES + 1);
	tp_config_free(&cfg);
	assert_null(cfg.cert);

	/* The first tls-listening-port replaces the default; more add ports. */
	parse_ok(&cfg, TLS "tls-listening-port=443\ntls-listening-port=5349\n"
			   "alt-tls-listening-port=8443\n");
	assert_int_equal(cfg.tls_listening_ports.n, 2);
	assert_int_equal(cfg.tls_listening_ports.v[0].port, 443);
	assert_int_equal(cfg.tls_listening_ports.v[0].line, BASE_LINES + 3);
	assert_int_equal(cfg.tls_listening_ports.v[1].port, 5349);
	assert_int_equal(cfg.tls_listening_ports.v[1].line, BASE_LINES + 4);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_TLS_LISTENING_PORT],
			 BASE_LINES + 3);
	assert_int_equal(cfg.alt_tls_listening_port, 8443);
	tp_config_free(&cfg);

	/* no-tls is a switch: TLS off, its lines kept and still checked. */
	parse_ok(&cfg, TLS "no-tls\ntls-listening-port=443\ncipher-list=HIGH\n"
			   "tls-handshake-timeout=3\nalt-tls-listening-port=0\n");
	assert_false(tp_config_tls_enabled(&cfg));
	assert_true(cfg.no_tls);
	assert_int_equal(cfg.tls_listening_ports.v[0].port, 443);
	tp_config_free(&cfg);
	parse_ok(&cfg,
		 "no-tls\ntls-listening-port=443\n"); /* without the files too */
	assert_false(tp_config_tls_enabled(&cfg));
	tp_config_free(&cfg);

	/* Each transport may be turned off while another is on. */
	parse_ok(&cfg, "no-udp\n");
	assert_true(cfg.no_udp && !cfg.no_tcp);
	tp_config_free(&cfg);
	parse_ok(&cfg, "no-tcp\n");
	assert_true(cfg.no_tcp && !cfg.no_udp);
	tp_config_free(&cfg);
	parse_ok(&cfg, TLS "no-udp\nno-tcp\n"); /* TLS only */
	assert_true(tp_config_tls_enabled(&cfg));
	tp_config_free(&cfg);

	/* The limits at their bounds. */
	parse_ok(&cfg,
		 "stream-max-connections=1048576\nstream-max-per-source=1048576\n"
		 "stream-idle-timeout=3600\nstream-buffer=16777216\n");
	assert_int_equal(cfg.stream_max_connections, 1u << 20);
	assert_int_equal(cfg.stream_max_per_source, 1u << 20);
	assert_int_equal(cfg.stream_idle_timeout, 3600);
	assert_int_equal(cfg.stream_buffer, 16u << 20);
	tp_config_free(&cfg);
	parse_ok(&cfg, TLS
		 "stream-max-connections=1\nstream-max-per-source=1\n"
		 "stream-idle-timeout=1\ntls-handshake-timeout=1\nstream-buffer=4096\n");
	assert_int_equal(cfg.stream_max_connections, 1);
	assert_int_equal(cfg.tls_handshake_timeout, 1);
	assert_int_equal(cfg.stream_buffer, 4096);
	tp_config_free(&cfg);
	parse_ok(&cfg,
		 TLS "tls-handshake-timeout=300\nstream-idle-timeout=300\n");
	assert_int_equal(cfg.tls_handshake_timeout, 300);
	tp_config_free(&cfg);

	/* A default bounded by a lowered key follows it down. */
	parse_ok(&cfg, "stream-max-connections=100\nstream-idle-timeout=4\n");
	assert_int_equal(cfg.stream_max_per_source, 100);
	assert_int_equal(cfg.tls_handshake_timeout, 4);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_STREAM_MAX_PER_SOURCE], 0);
	tp_config_free(&cfg);

	/* A path with a blank, quoted; cert and pkey may be one file. */
	parse_ok(&cfg,
		 "cert=\"/etc/tp/my cert.pem\"\npkey=\"/etc/tp/my cert.pem\"\n");
	assert_string_equal(cfg.cert, "/etc/tp/my cert.pem");
	assert_string_equal(cfg.pkey, cfg.cert);
	tp_config_free(&cfg);
}

static void
test_transport_bad_values(void **state)
{
	static const struct bad_case cases[] = {
		{ "tls-listening-port=0", "tls-listening-port",
		  "0 is not a port number (1-65535)" },
		{ "tls-listening-port=65536", "tls-listening-port",
		  "not a port number (1-65535)" },
		{ "tls-listening-port=https", "tls-listening-port",
		  "'https' is not a number" },
		{ "tls-listening-port", "tls-listening-port", "needs a value" },
		{ "alt-tls-listening-port=65536", "alt-tls-listening-port",
		  "65536 is not a port number (0-65535)" },
		{ "alt-tls-listening-port=-1", "alt-tls-listening-port",
		  "is not a number" },
		{ "no-udp=maybe", "no-udp", "is a flag and takes no value" },
		{ "no-tcp=2", "no-tcp", "takes no value" },
		{ "no-tls=tls", "no-tls", "takes no value" },
		{ "cert=cert.pem", "cert", "'cert.pem' is not an absolute path" },
		{ "pkey=./key.pem", "pkey", "is not an absolute path" },
		{ "cert=", "cert", "needs a value" },
		{ "pkey=\"\"", "pkey", "needs a value" },
		{ "cipher-list=", "cipher-list", "needs a value" },
		{ "stream-max-connections=0", "stream-max-connections",
		  "0 is out of range (1-1048576)" },
		{ "stream-max-connections=1048577", "stream-max-connections",
		  "out of range (1-1048576)" },
		{ "stream-max-per-source=0", "stream-max-per-source",
		  "out of range (1-1048576)" },
		{ "stream-max-per-source=1048577", "stream-max-per-source",
		  "out of range" },
		{ "stream-idle-timeout=0", "stream-idle-timeout",
		  "0 is out of range (1-3600)" },
		{ "stream-idle-timeout=3601", "stream-idle-timeout",
		  "out of range (1-3600)" },
		{ "stream-idle-timeout=30s", "stream-idle-timeout",
		  "'30s' is not a number" },
		{ "tls-handshake-timeout=0", "tls-handshake-timeout",
		  "0 is out of range (1-300)" },
		{ "tls-handshake-timeout=301", "tls-handshake-timeout",
		  "out of range (1-300)" },
		{ "stream-buffer=4095", "stream-buffer",
		  "4095 is out of range (4096-16777216)" },
		{ "stream-buffer=16777217", "stream-buffer",
		  "out of range (4096-16777216)" },
		{ "stream-buffer=64k", "stream-buffer", "'64k' is not a number" },
	};
	char line[1200];

	(void)state;
	run_bad_cases(cases, sizeof(cases) / sizeof(cases[0]));
	snprintf(line, sizeof(line), "cipher-list=%01024d\n", 0);
	expect_error(line, 1, "cipher-list", "longer than 1023 bytes");
	snprintf(line, sizeof(line), "cipher-list=%01023d\n" TLS, 0);
	{
		struct tp_config cfg;

		parse_ok(&cfg, line);
		assert_int_equal(strlen(cfg.cipher_list), 1023);
		tp_config_free(&cfg);
	}
	/* Given twice: a path, a flag; a TLS port twice; more than 8 ports. */
	expect_error(TLS "cert=/etc/tp/other.pem\n", 3, "cert",
		     "given again (first on line 5)");
	expect_error("no-tcp\nno-tcp\n", 2, "no-tcp",
		     "given again (first on line 5)");
	expect_error("tls-listening-port=443\ntls-listening-port=5349\ntls-listening-port=443\n",
		     3, "tls-listening-port",
		     "443 given again (first on line 5)");
	expect_error("tls-listening-port=1\ntls-listening-port=2\ntls-listening-port=3\n"
		     "tls-listening-port=4\ntls-listening-port=5\ntls-listening-port=6\n"
		     "tls-listening-port=7\ntls-listening-port=8\ntls-listening-port=9\n",
		     9, "tls-listening-port", "more than 8 ports");
}

static void
test_transport_conflicts(void **state)
{
	struct tp_config cfg;

	(void)state;
	/* One of cert and pkey without the other, whatever no-tls says. */
	expect_error("cert=/etc/tp/cert.pem\n", 1, "cert",
		     "cert is given but pkey is not (TLS needs both)");
	expect_error("\npkey=/etc/tp/key.pem\n", 2, "pkey",
		     "pkey is given but cert is not");
	expect_error("no-tls\ncert=/etc/tp/cert.pem\n", 2, "cert", "pkey is not");

	/* A TLS-only key without TLS is a mistake: the operator meant TLS. */
	expect_error("tls-listening-port=443\n", 1, "tls-listening-port",
		     "TLS is off: give cert and pkey (or no-tls");
	expect_error("alt-tls-listening-port=5350\n", 1,
		     "alt-tls-listening-port", "TLS is off");
	expect_error("alt-tls-listening-port=0\n", 1, "alt-tls-listening-port",
		     "TLS is off");
	expect_error("cipher-list=HIGH\n", 1, "cipher-list", "TLS is off");
	expect_error("tls-handshake-timeout=5\n", 1, "tls-handshake-timeout",
		     "TLS is off");

	/* Nothing to listen on. */
	expect_error("no-udp\nno-tcp\n", 2, "no-tcp",
		     "no-udp and no-tcp leave nothing to listen on, and TLS is off "
		     "(no cert and pkey) (no-udp on line 5)");
	expect_error("no-tcp\n\nno-udp=yes\n", 3, "no-udp",
		     "nothing to listen on");
	expect_error(TLS "no-tls\nno-udp\nno-tcp\n", 5, "no-tcp",
		     "nothing to listen on, and TLS is off (no-tls)");
	parse_ok(&cfg, "no-udp\nno-tcp=no\n");
	tp_config_free(&cfg);

	/* Limits that contradict each other, when both are given. */
	expect_error("stream-max-per-source=200\nstream-max-connections=100\n",
		     2, "stream-max-connections",
		     "stream-max-per-source 200 is above stream-max-connections 100 "
		     "(stream-max-per-source on line 5)");
	expect_error("stream-max-per-source=40000\n", 1, "stream-max-per-source",
		     "stream-max-per-source 40000 is above stream-max-connections 32768");
	expect_error(TLS "stream-idle-timeout=20\ntls-handshake-timeout=25\n",
		     4, "tls-handshake-timeout",
		     "tls-handshake-timeout 25 is above stream-idle-timeout 20, which closes "
		     "the connection first (stream-idle-timeout on line 7)");
	expect_error(TLS "tls-handshake-timeout=60\n", 3,
		     "tls-handshake-timeout", "above stream-idle-timeout 30");
}

static void
test_port_conflicts(void **state)
{
	struct tp_config cfg;

	(void)state;
	/* A listening port inside the relay range, at the later key's line. */
	expect_error("listening-port=50000\n", 1, "listening-port",
		     "listening-port 50000 is inside the relay port range 49152-65535");
	expect_error("min-port=1024\n", 1, "min-port",
		     "listening-port 3478 is inside the relay port range 1024-65535");
	expect_error("listening-port=4000\nmin-port=1024\nmax-port=40000\n", 3,
		     "max-port",
		     "listening-port 4000 is inside the relay port range 1024-40000 "
		     "(listening-port on line 5)");
	expect_error(TLS "tls-listening-port=5349\ntls-listening-port=60000\n",
		     4, "tls-listening-port",
		     "tls-listening-port 60000 is inside the relay port range 49152-65535");
	expect_error(TLS "alt-tls-listening-port=49152\n", 3,
		     "alt-tls-listening-port",
		     "alt-tls-listening-port 49152 is inside the relay port range");
	expect_error(TLS "min-port=5000\nmax-port=6000\n", 4, "max-port",
		     "tls-listening-port 5349 is inside the relay port range 5000-6000");
	/* Written in the file, the port is checked even with its transport off. */
	expect_error("no-tls\ntls-listening-port=50000\n", 2,
		     "tls-listening-port", "inside the relay port range");
	expect_error(TLS "no-udp\nno-tcp\nlistening-port=50000\n", 5,
		     "listening-port", "inside the relay port range");
	/* A default port of a transport that is off is not. */
	parse_ok(&cfg, "min-port=5000\nmax-port=6000\n"); /* no TLS: 5349 unused */
	tp_config_free(&cfg);
	parse_ok(&cfg, TLS
		 "no-udp\nno-tcp\nmin-port=3000\nmax-port=4000\n"); /* 3478 unused */
	tp_config_free(&cfg);

	/* One TCP port for two roles. */
	expect_error(TLS "listening-port=5349\n", 3, "listening-port",
		     "TCP port 5349 is both listening-port and tls-listening-port");
	expect_error(TLS "listening-port=443\ntls-listening-port=443\n", 4,
		     "tls-listening-port",
		     "TCP port 443 is both listening-port and tls-listening-port "
		     "(listening-port on line 7)");
	expect_error(TLS "tls-listening-port=443\ntls-listening-port=5349\n"
			 "alt-tls-listening-port=5349\n",
		     5, "alt-tls-listening-port",
		     "TCP port 5349 is both tls-listening-port and alt-tls-listening-port "
		     "(tls-listening-port on line 8)");
	expect_error(TLS "alt-tls-listening-port=3478\n", 3,
		     "alt-tls-listening-port",
		     "TCP port 3478 is both listening-port and alt-tls-listening-port");
	/* UDP-only listening-port may share its number with TLS: UDP 443, TLS 443. */
	parse_ok(&cfg,
		 TLS "no-tcp\nlistening-port=443\ntls-listening-port=443\n");
	assert_int_equal(cfg.listening_port, 443);
	assert_int_equal(cfg.tls_listening_ports.v[0].port, 443);
	tp_config_free(&cfg);
	/* Without TLS, listening-port may be 5349: nothing else listens there. */
	parse_ok(&cfg, "listening-port=5349\n");
	tp_config_free(&cfg);

	/* Directly on a struct: the relay range against the defaults. */
	tp_config_init_defaults(&cfg);
	cfg.relay_ips.v = calloc(1, sizeof(*cfg.relay_ips.v));
	assert_non_null(cfg.relay_ips.v);
	cfg.relay_ips.n = cfg.relay_ips.cap = 1;
	assert_int_equal(tp_ip_parse(&cfg.relay_ips.v[0].ip, "192.0.2.1"), 0);
	cfg.no_auth = true;
	cfg.min_port = 3000;
	{
		char err[256];

		assert_int_equal(tp_config_validate(&cfg, err, sizeof(err)),
				 -EINVAL);
		assert_string_equal(err,
				    "(config): listening-port: listening-port 3478 is inside "
				    "the relay port range 3000-65535");
	}
	tp_config_free(&cfg);
}

/* The dump shows the transports as they are, and reads back. */
static void
test_dump_transports(void **state)
{
	static const char *const files[] = {
		BASE TLS
		"tls-listening-port=443\ntls-listening-port=5349\n"
		"alt-tls-listening-port=8443\nno-udp\ncipher-list=\"ECDHE+AESGCM CHACHA20\"\n"
		"stream-buffer=8192\n",
		BASE TLS "no-tls\ntls-listening-port=443\n",
		BASE "no-tcp\nstream-idle-timeout=5\n",
	};
	static const char *const want[] = {
		"\ntls-listening-port=443\ntls-listening-port=5349\n"
		"alt-tls-listening-port=8443\nno-udp=yes\nno-tcp=no\nno-tls=no\n"
		"cert=/etc/tp/cert.pem\npkey=/etc/tp/key.pem\n"
		"cipher-list=\"ECDHE+AESGCM CHACHA20\"\n",
		/* With no-tls the TLS lines are kept, uncommented. */
		"\ntls-listening-port=443\nalt-tls-listening-port=0\nno-udp=no\nno-tcp=no\n"
		"no-tls=yes\ncert=/etc/tp/cert.pem\n",
		/* Without TLS they are comments; a followed default shows its value. */
		"\n# tls-listening-port=5349\n# alt-tls-listening-port=0\nno-udp=no\n"
		"no-tcp=yes\n",
	};
	char err[512] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tp_config cfg, again;
		char *out, *out2;

		if (tp_config_parse_text(&cfg, "x.conf", files[i], err,
					 sizeof(err)) != 0)
			fail_msg("file %zu: %s", i, err);
		out = dump_string(&cfg);
		if (strstr(out, want[i]) == NULL)
			fail_msg("file %zu: dump\n%s\nlacks\n%s", i, out,
				 want[i]);
		if (i == 2)
			assert_non_null(strstr(out,
					       "\n# tls-handshake-timeout=5\n"));
		/* Redacted secrets aside, the dump reads back as the same file. */
		if (tp_config_parse_text(&again, "x.conf", out, err,
					 sizeof(err)) != 0)
			fail_msg("file %zu: the dump does not read back: %s\n%s",
				 i, err, out);
		out2 = dump_string(&again);
		assert_string_equal(out, out2);
		free(out);
		free(out2);
		tp_config_free(&cfg);
		tp_config_free(&again);
	}
}

static void
test_validate_directly(void **state)
{
	struct tp_config cfg;
	char err[256];

	(void)state;
	tp_config_init_defaults(&cfg);
	assert_int_equal(tp_config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "relay-ip"));
	cfg.relay_ips.v = calloc(1, sizeof(*cfg.relay_ips.v));
	assert_non_null(cfg.relay_ips.v);
	cfg.relay_ips.n = cfg.relay_ips.cap = 1;
	assert_int_equal(tp_ip_parse(&cfg.relay_ips.v[0].ip, "192.0.2.1"), 0);
	cfg.no_auth = true;
	assert_int_equal(tp_config_validate(&cfg, err, sizeof(err)), 0);
	cfg.min_port = 60000;
	cfg.max_port = 50000;
	assert_int_equal(tp_config_validate(&cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "min-port 60000 is above max-port 50000"));
	tp_config_free(&cfg);
}

/* ---- coturn compatibility ------------------------------------------------ */

static void
test_coturn_ignored_keys(void **state)
{
	static const char *const keys[] = {
		"fingerprint",
		"no-cli",
		"no-tlsv1",
		"no-dtls",
		"no-tlsv1_1",
		"no-tcp-relay",
		"log-file=/var/log/turn.log",
		"simple-log",
		"verbose",
		"Verbose",
		"no-stdout-log",
		"syslog",
		"pidfile=\"/var/run/turnserver.pid\"",
		"cli-password=qwerty",
		"cli-ip=127.0.0.1",
		"cli-port=5766",
		"mobility",
		"listening-device=eth0",
		"proc-user=turnserver",
		"proc-group=turnserver",
		"new-log-timestamp",
	};
	const size_t n = sizeof(keys) / sizeof(keys[0]);
	struct tp_config cfg;
	char *text = cat(BASE, "");

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char *line = cat(keys[i], "\n");
		char *t = cat(text, line);

		free(line);
		free(text);
		text = t;
	}
	/* Enforced anyway: accepted without a warning. */
	{
		char *t =
			cat(text,
			    "no-multicast-peers\nno-loopback-peers\nfingerprint\n");

		free(text);
		text = t;
	}
	parse_ok(&cfg, text + strlen(BASE));
	free(text);
	assert_int_equal(cfg.n_warnings,
			 n + 1); /* fingerprint twice: no duplicate error */
	for (size_t i = 0; i < n; i++) {
		char want[128];
		size_t klen = strcspn(keys[i], "=");

		snprintf(want, sizeof(want), "t.conf:%zu: %.*s: ignored (",
			 BASE_LINES + 1 + i, (int)klen, keys[i]);
		if (strncmp(cfg.warnings[i], want, strlen(want)) != 0)
			fail_msg("warning %zu: \"%s\", want \"%s...\"", i,
				 cfg.warnings[i], want);
	}
	assert_non_null(strstr(cfg.warnings[n], ": fingerprint: ignored ("));
	assert_int_equal(cfg.line[TP_CONFIG_KEY_NO_MULTICAST_PEERS],
			 BASE_LINES + n + 1);
	tp_config_free(&cfg);
	assert_null(cfg.warnings);
}

static void
test_coturn_style_file(void **state)
{
	/* The shape of an ordinary turnserver.conf, loaded from a file. */
	static const char text[] =
		"# TURN server name and realm\n"
		"realm=turn.example.com\n"
		"server-name=turn.example.com\n"
		"\n"
		"listening-port=3478\n"
		"listening-ip=192.0.2.5\n"
		"relay-ip=192.0.2.5\n"
		"min-port=49160\n"
		"max-port=49200\n"
		"\n"
		"# Use fingerprint in TURN message\n"
		"fingerprint\n"
		"\n"
		"# Use long-term credential mechanism\n"
		"lt-cred-mech\n"
		"user=webrtc:S3cr3t!pass\n"
		"user=ninefingers:0xbc807ee29df3c9ffa736523fb2c4e8ee\n"
		"\n"
		"total-quota=100\n"
		"stale-nonce=600\n"
		"no-tls\n"
		"no-dtls\n"
		"log-file=/var/log/turnserver/turn.log\n"
		"no-multicast-peers\n"
		"denied-peer-ip=10.0.0.0-10.255.255.255\n"
		"denied-peer-ip=192.168.0.0-192.168.255.255\n"
		"pidfile=\"/var/run/turnserver.pid\"\n";
	struct tp_config cfg;
	char err[512] = "";
	const char *path = write_temp(text, sizeof(text) - 1);
	int rc = tp_config_load(&cfg, path, err, sizeof(err));

	(void)state;
	unlink(path);
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n_warnings, 4); /* no-tls is a turnpike key now */
	assert_non_null(strstr(cfg.warnings[0], ":12: fingerprint: ignored"));
	assert_non_null(strstr(cfg.warnings[3], ":27: pidfile: ignored"));
	assert_true(cfg.no_tls);
	assert_false(tp_config_tls_enabled(&cfg));
	assert_string_equal(cfg.file, path);
	assert_int_equal(cfg.min_port, 49160);
	assert_int_equal(cfg.max_port, 49200);
	assert_true(cfg.lt_cred_mech);
	assert_int_equal(cfg.users.n, 2);
	assert_int_equal(cfg.users.v[1].line, 17);
	assert_int_equal(cfg.total_quota, 100);
	assert_int_equal(cfg.denied_peer_ips.n, 2);
	tp_config_free(&cfg);
}

static void
test_example_file(void **state)
{
	struct tp_config cfg;
	char err[512] = "";
	int rc = tp_config_load(&cfg,
				TP_SOURCE_ROOT "/tools/turnpike.conf.example",
				err, sizeof(err));

	(void)state;
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n_warnings, 0);
	assert_true(cfg.relay_ips.n >= 1);
	assert_true(cfg.realm[0] != '\0');
	tp_config_free(&cfg);
}

/* Every key of the example file is documented there, commented or not. */
static void
test_example_documents_every_key(void **state)
{
	FILE *f = fopen(TP_SOURCE_ROOT "/tools/turnpike.conf.example", "r");
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;
	char *all = cat("", "");

	(void)state;
	assert_non_null(f);
	while ((n = getline(&text, &cap, f)) > 0) {
		char *t = cat(all, text);

		free(all);
		all = t;
	}
	fclose(f);
	free(text);
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++) {
		char want[64];

		snprintf(want, sizeof(want), "\n#%s",
			 tp_config_key_name((enum tp_config_key)k));
		if (strstr(all, want) == NULL) {
			snprintf(want, sizeof(want), "\n%s",
				 tp_config_key_name((enum tp_config_key)k));
			if (strstr(all, want) == NULL)
				fail_msg("%s is not in the example file",
					 want + 1);
		}
	}
	free(all);
}

/* ---- Files and dump ------------------------------------------------------ */

static void
test_missing_file(void **state)
{
	struct tp_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(tp_config_load(&cfg, "/nonexistent/turnpike.conf", err,
					sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "/nonexistent/turnpike.conf: cannot read: "
				 "No such file or directory");
	assert_null(cfg.file);
	assert_int_equal(tp_config_load(&cfg, "/tmp", err, sizeof(err)), -EISDIR);
	assert_non_null(strstr(err, "/tmp: cannot read: "));
	/* NULL err is allowed. */
	assert_int_equal(tp_config_load(&cfg, "/nonexistent/x", NULL, 0),
			 -ENOENT);
}

/*
 * every_key as tp_config_dump() prints it: in TP_CONFIG_KEY_LIST order,
 * secrets redacted (a user keeps its name, an oauth-key its kid and alg),
 * ranges in the form that says most, alternate-server ports spelled out.
 * no-multicast-peers and no-loopback-peers have no value to print.
 */
static const char every_key_dump[] = "# effective configuration of all.conf\n"
				     "listening-ip=192.0.2.1\n"
				     "listening-ip=2001:db8::1\n"
				     "listening-port=3479\n"
				     "tls-listening-port=5350\n"
				     "tls-listening-port=443\n"
				     "alt-tls-listening-port=5351\n"
				     "no-udp=no\n"
				     "no-tcp=yes\n"
				     "no-tls=no\n"
				     "cert=/etc/turnpike/fullchain.pem\n"
				     "pkey=\"/etc/turnpike/priv key.pem\"\n"
				     "cipher-list=ECDHE+AESGCM:!aNULL\n"
				     "stream-max-connections=1000\n"
				     "stream-max-per-source=10\n"
				     "stream-idle-timeout=20\n"
				     "tls-handshake-timeout=5\n"
				     "stream-buffer=8192\n"
				     "relay-ip=192.0.2.2\n"
				     "relay-ip=2001:db8::2\n"
				     "min-port=40000\n"
				     "max-port=40999\n"
				     "realm=example.org\n"
				     "server-name=turn1.example.org\n"
				     "lt-cred-mech=yes\n"
				     "user=alice:<redacted>\n"
				     "user=bob:<redacted>\n"
				     "use-auth-secret=yes\n"
				     "static-auth-secret=<redacted>\n"
				     "static-auth-secret=<redacted>\n"
				     "rest-max-lifetime=7200\n"
				     "oauth=yes\n"
				     "oauth-key=k16:<redacted>:A128GCM\n"
				     "oauth-key=k32:<redacted>:A256GCM\n"
				     "no-auth=no\n"
				     "user-quota=10\n"
				     "total-quota=1000\n"
				     "oauth-kid-quota=500\n"
				     "max-bps=125000\n"
				     "allowed-peer-ip=10.1.0.0/16\n"
				     "allowed-peer-ip=10.2.0.5\n"
				     "denied-peer-ip=83.166.64.0/19\n"
				     "denied-peer-ip=2001:db8:dead::/48\n"
				     "stale-nonce=120\n"
				     "max-allocate-lifetime=60\n"
				     "channel-lifetime=5\n"
				     "permission-lifetime=3\n"
				     "alternate-server=192.0.2.20:3478\n"
				     "alternate-server=192.0.2.21:5000\n"
				     "alternate-server=[2001:db8::20]:5001\n"
				     "alternate-server=[2001:db8::21]:3478\n"
				     "drain-min-allocations=5\n"
				     "no-software-attribute=yes\n"
				     "gateway=192.0.2.254\n"
				     "gateway=2001:db8::fe\n"
				     "local-network=192.0.2.0/24\n"
				     "local-network=2001:db8::/64\n"
				     "exception-interface=tp0\n"
				     "allocations-per-worker=1024\n"
				     "allow-unsafe-peers=yes\n"
				     "rfc5766-channel-numbers=yes\n"
				     "admin-socket=/tmp/tp.sock\n"
				     "log-level=debug\n"
				     "request-rate-per-prefix=500\n"
				     "request-burst-per-prefix=50\n"
				     "challenge-rate-per-prefix=0\n"
				     "challenge-burst-per-prefix=7\n"
				     "limit-prefix-v4=32\n"
				     "limit-prefix-v6=64\n"
				     "prometheus=yes\n"
				     "prometheus-address=::\n"
				     "prometheus-port=9642\n"
				     "push-listen=192.0.2.9:9443\n"
				     "push-cert=/etc/turnpike/push.pem\n"
				     "push-pkey=/etc/turnpike/push.key\n"
				     "push-client-ca=/etc/turnpike/pcscf-ca.pem\n"
				     "push-store=/var/lib/turnpike/push\n"
				     "usage-records-json=/var/log/turnpike/"
				     "usage.jsonl\n"
				     "# redis-userdb not set\n"
				     "redis-statsdb=\"ip=127.0.0.1 port=6380 "
				     "dbname=2\"\n"
				     "# fleet-id not set\n"
				     "# fleet-lease=5\n"
				     "# fleet-shed-allocations=0\n"
				     "# fleet-advertise not set\n";

/* The fleet's keys: read, dumped without the password, refused without
 * redis-userdb or beside push-store, each error naming file, line, key. */
static void
test_fleet_keys(void **state)
{
	static const char fleet[] =
		"relay-ip=192.0.2.1\nno-auth\n"
		"redis-userdb=\"ip=10.0.0.7 port=6390 dbname=3 "
		"password=s3cr3t connect_timeout=2\"\n" /* 3 */
		"fleet-id=relay-a\n"
		"fleet-lease=3\n"
		"fleet-shed-allocations=1000\n"
		"fleet-advertise=192.0.2.1:3478\n";
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "relay-ip=192.0.2.1\nno-auth\nfleet-lease=3\n",
		  "x.conf:3: fleet-lease: means nothing without redis-userdb" },
		{ "relay-ip=192.0.2.1\nno-auth\nfleet-lease=0\n"
		  "redis-userdb=\"ip=127.0.0.1\"\n",
		  "x.conf:3: fleet-lease" },
		{ "relay-ip=192.0.2.1\nno-auth\n"
		  "redis-userdb=\"ip=127.0.0.1 colour=blue\"\n",
		  "x.conf:3: redis-userdb: " },
		{ "relay-ip=192.0.2.1\nno-auth\n"
		  "redis-userdb=\"ip=127.0.0.1 password=a password=b\"\n",
		  "x.conf:3: redis-userdb: " },
		{ "relay-ip=192.0.2.1\nno-auth\n"
		  "redis-userdb=\"ip=127.0.0.1\"\n"
		  "push-store=/var/lib/turnpike/push\n",
		  "x.conf:4: push-store: " },
	};
	struct tp_config cfg, again;
	char err[512] = "";
	char *out;

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "f.conf", fleet, err,
					      sizeof(err)),
			 0);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_REDIS_USERDB], 3);
	assert_string_equal(cfg.fleet_id, "relay-a");
	assert_int_equal(cfg.fleet_lease, 3);
	assert_int_equal(cfg.fleet_shed_allocations, 1000);
	assert_int_equal(cfg.fleet_advertise.port, 3478);
	out = dump_string(&cfg);
	assert_null(strstr(out, "s3cr3t"));
	assert_non_null(strstr(out, "redis-userdb=\"ip=10.0.0.7 port=6390 "
				    "dbname=3 password=<redacted> "
				    "connect_timeout=2\"\n"
				    "# redis-statsdb not set\nfleet-id=relay-a\n"
				    "fleet-lease=3\nfleet-shed-allocations=1000\n"
				    "fleet-advertise=192.0.2.1:3478\n"));
	/* The dump reads back; only the password differs, and a reload
	 * sees that the key changed. */
	assert_int_equal(tp_config_parse_text(&again, "f.conf", out, err,
					      sizeof(err)),
			 0);
	assert_int_equal(again.fleet_lease, 3);
	assert_false(tp_config_key_equal(&cfg, &again,
					 TP_CONFIG_KEY_REDIS_USERDB));
	assert_true(tp_config_key_equal(&cfg, &again, TP_CONFIG_KEY_FLEET_ID));
	free(out);
	tp_config_free(&again);
	tp_config_free(&cfg);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (tp_config_parse_text(&cfg, "x.conf", bad[i].text, err,
					 sizeof(err)) == 0)
			fail_msg("case %zu accepted", i);
		if (strncmp(err, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("case %zu: \"%s\" does not start \"%s\"", i,
				 err, bad[i].want);
		assert_null(strstr(err, "s3cr3t"));
	}
}

static void
test_dump(void **state)
{
	struct tp_config cfg, again;
	char err[512] = "";
	char *out, *out2;

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "all.conf", every_key, err,
					      sizeof(err)),
			 0);
	out = dump_string(&cfg);
	assert_string_equal(out, every_key_dump);
	/* No secret from every_key, whole or in part, reaches the output. */
	assert_null(strstr(out, "pass:with"));
	assert_null(strstr(out, "00112233"));
	assert_null(strstr(out, "=one"));
	assert_null(strstr(out, "=two"));
	assert_null(strstr(out, "MTIz"));
	free(out);
	tp_config_free(&cfg);

	/* Defaults are printed; optional values left out say so. */
	assert_int_equal(tp_config_parse_text(&cfg, "min.conf",
					      "relay-ip=192.0.2.1\nno-auth\n",
					      err, sizeof(err)),
			 0);
	out = dump_string(&cfg);
	/* Without TLS, the TLS-only keys show their defaults as comments. */
	assert_non_null(strstr(out,
			       "\nlistening-port=3478\n"
			       "# tls-listening-port=5349\n"
			       "# alt-tls-listening-port=0\n"
			       "no-udp=no\nno-tcp=no\nno-tls=no\n"
			       "# cert not set\n# pkey not set\n"
			       "# cipher-list=" TP_CONFIG_DEFAULT_CIPHER_LIST "\n"
			       "stream-max-connections=32768\n"
			       "stream-max-per-source=1024\n"
			       "stream-idle-timeout=30\n"
			       "# tls-handshake-timeout=10\n"
			       "stream-buffer=65536\n"
			       "relay-ip=192.0.2.1\n"));
	assert_non_null(strstr(out, "\n# realm not set\n# server-name not set\n"));
	assert_non_null(strstr(out, "\n# gateway not set\n"));
	assert_non_null(strstr(out, "\n# usage-records-json not set\n"));
	assert_non_null(strstr(out, "\n# push-listen not set\n"
				    "# push-cert not set\n# push-pkey not set\n"
				    "# push-client-ca not set\n"
				    "# push-store not set\n"));
	assert_non_null(strstr(out, "\nstale-nonce=600\n"));
	assert_non_null(strstr(out,
			       "\nadmin-socket=/run/turnpike.sock\nlog-level=info\n"));
	assert_null(strstr(out, "listening-ip"));
	assert_null(strstr(out, "no-loopback-peers"));
	free(out);
	tp_config_free(&cfg);

	/* Without secrets, the dump is itself a valid file with the same meaning. */
	assert_int_equal(tp_config_parse_text(&cfg, "lab.conf",
					      "relay-ip=192.0.2.1\nrelay-ip=2001:db8::1\n"
					      "no-auth\nrealm=\"lab # 1\"\n"
					      "denied-peer-ip=10.0.0.3-10.0.0.9\nmax-bps=9\n"
					      "gateway=2001:db8::fe\ngateway=192.0.2.254\n",
					      err, sizeof(err)),
			 0);
	assert_true(cfg.no_auth);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_NO_AUTH], 3);
	out = dump_string(&cfg);
	assert_non_null(strstr(out, "no-auth=yes\n"));
	assert_non_null(strstr(out, "denied-peer-ip=10.0.0.3-10.0.0.9\n"));
	assert_non_null(strstr(out, "realm=\"lab # 1\"\n"));
	assert_non_null(strstr(out,
			       "\ngateway=192.0.2.254\ngateway=2001:db8::fe\n"));
	assert_int_equal(tp_config_parse_text(&again, "lab.conf", out, err,
					      sizeof(err)),
			 0);
	out2 = dump_string(&again);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	tp_config_free(&cfg);
	tp_config_free(&again);
}

/*
 * max-bps is read into 32 bits, the width of the fast path's token bucket:
 * the key's range is the one enforced, and the dump shows what is used.
 */
static void
test_max_bps_bounds(void **state)
{
	struct tp_config cfg;
	char *out;

	(void)state;
	expect_error("max-bps=4294967296\n", 1, "max-bps",
		     "4294967296 is out of range (0-4294967295)");
	parse_ok(&cfg, "max-bps=4294967295\n");
	assert_int_equal(cfg.max_bps, UINT32_MAX);
	assert_int_equal(cfg.line[TP_CONFIG_KEY_MAX_BPS], BASE_LINES + 1);
	out = dump_string(&cfg);
	assert_non_null(strstr(out, "\nmax-bps=4294967295\n"));
	free(out);
	tp_config_free(&cfg);
}

/* rest-max-lifetime: 25 hours by default, bounded, dumped. */
static void
test_rest_max_lifetime(void **state)
{
	struct tp_config cfg;
	char *out;

	(void)state;
	parse_ok(&cfg, "");
	assert_int_equal(cfg.rest_max_lifetime, 90000);
	tp_config_free(&cfg);
	expect_error("rest-max-lifetime=59\n", 1, "rest-max-lifetime",
		     "59 is out of range (60-2592000)");
	expect_error("rest-max-lifetime=2592001\n", 1, "rest-max-lifetime",
		     "out of range");
	expect_error("rest-max-lifetime=0\n", 1, "rest-max-lifetime",
		     "out of range");
	parse_ok(&cfg, "rest-max-lifetime=3600\n");
	assert_int_equal(cfg.rest_max_lifetime, 3600);
	out = dump_string(&cfg);
	assert_non_null(strstr(out, "\nrest-max-lifetime=3600\n"));
	free(out);
	tp_config_free(&cfg);
}

/* An error after many allocations must free them all (checked by ASan). */
static void
test_error_after_allocations(void **state)
{
	char *text = cat(BASE, "lt-cred-mech\n");

	(void)state;
	for (int i = 0; i < 300; i++) {
		char line[64];
		char *t;

		snprintf(line, sizeof(line),
			 "user=u%d:p%d\nallowed-peer-ip=10.0.%d.0/24\n", i, i,
			 i % 256);
		t = cat(text, line);
		free(text);
		text = t;
	}
	{
		char *t = cat(text,
			      "fingerprint\nalternate-server=192.0.2.9\nbogus\n");

		free(text);
		text = t;
	}
	expect_error_text(text, BASE_LINES + 1 + 600 + 3, "bogus", "unknown key");
	free(text);
}

/*
 * tp_config_key_equal(), what a reload compares: a default equals the same
 * value written out; secrets, which the dump hides, are compared
 * themselves (a changed password or key is a change); a repeatable key
 * differs when an item is added; an unrelated key stays equal.
 */
static void
test_key_equal(void **state)
{
	struct tp_config a, b;

	(void)state;
	parse_ok(&a, "lt-cred-mech\nuser=alice:one\n"
		     "oauth\noauth-key=k:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n");
	parse_ok(&b, "lt-cred-mech\nuser=alice:two\nmax-bps=0\n"
		     "oauth\noauth-key=k:MDEyMzQ1Njc4OTAxMjM0NQ==:A128GCM\n"
		     "denied-peer-ip=192.0.2.0/24\n");
	assert_true(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_MAX_BPS));
	assert_true(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_REALM));
	assert_true(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_LISTENING_PORT));
	assert_false(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_USER));
	assert_false(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_OAUTH_KEY));
	assert_false(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_DENIED_PEER_IP));
	assert_true(tp_config_key_equal(&a, &a, TP_CONFIG_KEY_USER));
	assert_true(tp_config_key_equal(&b, &b, TP_CONFIG_KEY_OAUTH_KEY));
	assert_false(tp_config_key_equal(&a, &b, TP_CONFIG_KEY_COUNT));
	/* Every key of a configuration equals itself. */
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++)
		assert_true(tp_config_key_equal(&b, &b, (enum tp_config_key)k));
	tp_config_free(&a);
	tp_config_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_exception_interface),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_bad_auth_values),
		cmocka_unit_test(test_bad_lengths_and_counts),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_gateway_per_family),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_quotes_comments_blanks),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_contradictions),
		cmocka_unit_test(test_transport_keys),
		cmocka_unit_test(test_transport_bad_values),
		cmocka_unit_test(test_transport_conflicts),
		cmocka_unit_test(test_port_conflicts),
		cmocka_unit_test(test_dump_transports),
		cmocka_unit_test(test_validate_directly),
		cmocka_unit_test(test_coturn_ignored_keys),
		cmocka_unit_test(test_coturn_style_file),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_example_documents_every_key),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_fleet_keys),
		cmocka_unit_test(test_max_bps_bounds),
		cmocka_unit_test(test_rest_max_lifetime),
		cmocka_unit_test(test_error_after_allocations),
		cmocka_unit_test(test_key_equal),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
