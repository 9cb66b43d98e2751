/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet's Redis layout for credentials (controlplane/fleet_creds.h):
 * key names and SCAN patterns, the names read back out of keys, hex,
 * the decoders of users, secrets and OAuth keys as Redis holds them, and
 * the change announcements.  Every encoder is checked by decoding what it
 * wrote; every decoder is fed what anyone with access to Redis could have
 * put there.
 *
 * Decoders are handed copies in buffers of exactly the bytes they are
 * told of (exact()), so that AddressSanitizer catches a read past the
 * length even where a NUL or more text happens to follow in the source.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fleet_creds.h"
#include "turnpike/base64.h"

#define REALM "example.org"

/* ---- buffers of exactly n bytes, freed after each test ---- */

static void *exact_bufs[256];
static size_t exact_n;

static const char *
exact(const void *s, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	assert_non_null(p);
	assert_true(exact_n < sizeof(exact_bufs) / sizeof(exact_bufs[0]));
	if (n > 0)
		memcpy(p, s, n);
	exact_bufs[exact_n++] = p;
	return p;
}

/* exact() of a C string, without its NUL. */
static const char *
xs(const char *s)
{
	return exact(s, strlen(s));
}

static char *
repeat(char c, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, c, n);
	p[n] = '\0';
	assert_true(exact_n < sizeof(exact_bufs) / sizeof(exact_bufs[0]));
	exact_bufs[exact_n++] = p;
	return p;
}

static int
exact_free(void **state)
{
	(void)state;
	while (exact_n > 0)
		free(exact_bufs[--exact_n]);
	return 0;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 37 * i);
}

/* ---- key names ---- */

static void
key_is(const char *realm, enum push_kind kind, enum fleet_key_role role,
       const char *name, const char *want)
{
	char out[FLEET_KEY_MAX];
	int n = fleet_key(out, sizeof(out), realm, kind, role, xs(name),
			  strlen(name));

	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void
test_key_layout(void **state)
{
	char out[FLEET_KEY_MAX];

	(void)state;
	/* coturn's redis-userdb schema. */
	key_is(REALM, PUSH_USER, FLEET_KEY_MAIN, "alice",
	       "turn/realm/example.org/user/alice/key");
	key_is(REALM, PUSH_OAUTH_KEY, FLEET_KEY_MAIN, "kid-1",
	       "turn/oauth/kid/kid-1");
	/* turnpike's own. */
	key_is(REALM, PUSH_USER, FLEET_KEY_META, "alice",
	       "turnpike/realm/example.org/user/alice");
	key_is(REALM, PUSH_SECRET, FLEET_KEY_MAIN, "s1",
	       "turnpike/realm/example.org/secret/s1");
	/* The name is name_len bytes, not up to a NUL. */
	assert_int_equal(fleet_key(out, sizeof(out), REALM, PUSH_USER,
				   FLEET_KEY_MAIN, "alice-and-bob", 5),
			 strlen("turn/realm/example.org/user/alice/key"));
	assert_string_equal(out, "turn/realm/example.org/user/alice/key");
	/* A NUL inside the name: refused, never cut to another's key. */
	assert_int_equal(fleet_key(out, sizeof(out), REALM, PUSH_USER,
				   FLEET_KEY_MAIN, "alice\0x", 7),
			 -EINVAL);
	assert_int_equal(fleet_key(out, sizeof(out), REALM, PUSH_OAUTH_KEY,
				   FLEET_KEY_MAIN, "k\0", 2),
			 -EINVAL);
}

static void
test_key_too_long(void **state)
{
	const char *want = "turnpike/realm/example.org/secret/s1";
	char out[FLEET_KEY_MAX];
	char *name = repeat('n', PUSH_NAME_MAX + 1);
	char *realm = repeat('r', FLEET_KEY_MAX);

	(void)state;
	/* Exactly room for the key and its NUL, then one byte less. */
	assert_int_equal(fleet_key(out, strlen(want) + 1, REALM, PUSH_SECRET,
				   FLEET_KEY_MAIN, "s1", 2),
			 strlen(want));
	assert_string_equal(out, want);
	assert_int_equal(fleet_key(out, strlen(want), REALM, PUSH_SECRET,
				   FLEET_KEY_MAIN, "s1", 2),
			 -ENAMETOOLONG);
	/* A name over the limit, whatever room there is. */
	assert_int_equal(fleet_key(out, sizeof(out), REALM, PUSH_USER,
				   FLEET_KEY_MAIN, name, PUSH_NAME_MAX + 1),
			 -ENAMETOOLONG);
	/* A realm too long for any key. */
	for (int kind = PUSH_USER; kind <= PUSH_SECRET; kind++)
		assert_int_equal(fleet_key(out, sizeof(out), realm,
					   (enum push_kind)kind, FLEET_KEY_MAIN,
					   "a", 1),
				 -ENAMETOOLONG);
	assert_int_equal(fleet_key(out, sizeof(out), realm, PUSH_USER,
				   FLEET_KEY_META, "a", 1),
			 -ENAMETOOLONG);
}

static void
test_key_pattern(void **state)
{
	char out[FLEET_KEY_MAX];
	char *realm = repeat('r', FLEET_KEY_MAX);
	char *globs = repeat('*', FLEET_KEY_MAX / 2);

	(void)state;
	assert_int_equal(fleet_key_pattern(out, sizeof(out), REALM, PUSH_USER),
			 strlen("turn/realm/example.org/user/*/key"));
	assert_string_equal(out, "turn/realm/example.org/user/*/key");
	assert_true(fleet_key_pattern(out, sizeof(out), REALM, PUSH_SECRET) > 0);
	assert_string_equal(out, "turnpike/realm/example.org/secret/*");
	assert_true(fleet_key_pattern(out, sizeof(out), REALM, PUSH_OAUTH_KEY) >
		    0);
	assert_string_equal(out, "turn/oauth/kid/*");

	/* A realm's glob characters match only themselves. */
	assert_true(fleet_key_pattern(out, sizeof(out), "a*b?c[d]e\\f",
				      PUSH_SECRET) > 0);
	assert_string_equal(out,
			    "turnpike/realm/a\\*b\\?c\\[d\\]e\\\\f/secret/*");

	/* Too long: the realm, the realm once escaped, the room given. */
	assert_int_equal(fleet_key_pattern(out, sizeof(out), realm, PUSH_USER),
			 -ENAMETOOLONG);
	assert_int_equal(fleet_key_pattern(out, sizeof(out), globs, PUSH_USER),
			 -ENAMETOOLONG);
	assert_int_equal(fleet_key_pattern(out, 8, REALM, PUSH_USER),
			 -ENAMETOOLONG);
}

/* fleet_key() then fleet_key_name() gives the name back. */
static void
name_round_trip(const char *realm, enum push_kind kind, const char *name,
		size_t name_len)
{
	char key[FLEET_KEY_MAX], back[PUSH_NAME_MAX + 1];
	int n = fleet_key(key, sizeof(key), realm, kind, FLEET_KEY_MAIN,
			  exact(name, name_len), name_len);

	assert_true(n > 0);
	assert_int_equal(fleet_key_name(exact(key, (size_t)n), (size_t)n, realm,
					kind, back, sizeof(back)),
			 (int)name_len);
	assert_memory_equal(back, name, name_len);
	assert_int_equal(back[name_len], '\0');
}

static void
test_key_name_round_trip(void **state)
{
	static const char *const names[] = {
		"a",          "alice", "bob@example.org", "a/b", "key",
		"with space", "x:y",
	};
	char *longest = repeat('L', 400);

	(void)state;
	for (int kind = PUSH_USER; kind <= PUSH_OAUTH_KEY; kind++) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			name_round_trip(REALM, (enum push_kind)kind, names[i],
					strlen(names[i]));
		name_round_trip(REALM, (enum push_kind)kind, longest, 400);
		/* Glob characters are literal in keys. */
		name_round_trip("r*[x]", (enum push_kind)kind, "n?", 2);
	}
}

static int
name_of(const char *key, enum push_kind kind, char *out, size_t cap)
{
	return fleet_key_name(xs(key), strlen(key), REALM, kind, out, cap);
}

static void
test_key_name_foreign(void **state)
{
	char name[PUSH_NAME_MAX + 1], key[FLEET_KEY_MAX + 600];
	static const char user[] = "turn/realm/example.org/user/\0bc/key";
	static const char secret[] = "turnpike/realm/example.org/secret/a\0c";
	int n;

	(void)state;
	/* Another realm, kind or role; a realm that only starts alike. */
	assert_int_equal(name_of("turn/realm/other.org/user/a/key", PUSH_USER,
				 name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/realm/example.org.evil/user/a/key",
				 PUSH_USER, name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/realm/example.org/user/a/key",
				 PUSH_SECRET, name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turnpike/realm/example.org/secret/s",
				 PUSH_USER, name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turnpike/realm/example.org/user/a", PUSH_USER,
				 name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/oauth/kid/k", PUSH_SECRET, name,
				 sizeof(name)),
			 -EINVAL);
	/* A user key without its "/key", or with nothing between. */
	assert_int_equal(name_of("turn/realm/example.org/user/a", PUSH_USER,
				 name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/realm/example.org/user/a/KEY", PUSH_USER,
				 name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/realm/example.org/user//key", PUSH_USER,
				 name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/realm/example.org/user/key", PUSH_USER,
				 name, sizeof(name)),
			 -EINVAL);
	/* Only the prefix, shorter than it, nothing. */
	assert_int_equal(name_of("turnpike/realm/example.org/secret/",
				 PUSH_SECRET, name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/oauth/kid/", PUSH_OAUTH_KEY, name,
				 sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("turn/", PUSH_OAUTH_KEY, name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(name_of("", PUSH_USER, name, sizeof(name)), -EINVAL);
	/* A NUL inside the name. */
	assert_int_equal(fleet_key_name(exact(user, sizeof(user) - 1),
					sizeof(user) - 1, REALM, PUSH_USER,
					name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(fleet_key_name(exact(secret, sizeof(secret) - 1),
					sizeof(secret) - 1, REALM, PUSH_SECRET,
					name, sizeof(name)),
			 -EINVAL);
	/* A name longer than any we push. */
	n = snprintf(key, sizeof(key), "turn/oauth/kid/%s",
		     repeat('k', PUSH_NAME_MAX + 1));
	assert_int_equal(fleet_key_name(exact(key, (size_t)n), (size_t)n, REALM,
					PUSH_OAUTH_KEY, name, sizeof(name)),
			 -EINVAL);
	n = snprintf(key, sizeof(key), "turn/oauth/kid/%s",
		     repeat('k', PUSH_NAME_MAX));
	assert_int_equal(fleet_key_name(exact(key, (size_t)n), (size_t)n, REALM,
					PUSH_OAUTH_KEY, name, sizeof(name)),
			 PUSH_NAME_MAX);
	/* No room for the name and its NUL. */
	assert_int_equal(name_of("turn/oauth/kid/abcd", PUSH_OAUTH_KEY, name, 4),
			 -EINVAL);
	assert_int_equal(name_of("turn/oauth/kid/abcd", PUSH_OAUTH_KEY, name, 5),
			 4);
	assert_string_equal(name, "abcd");
}

/* ---- hex ---- */

static void
test_hex_round_trip(void **state)
{
	uint8_t all[256], back[256];
	char hex[2 * 256 + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	fleet_hex(all, sizeof(all), hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102030405060708090a0b0c0d0e0f10", 34);
	assert_string_equal(hex + 480, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
	memset(back, 0, sizeof(back));
	assert_int_equal(fleet_unhex(exact(hex, 512), 512, back, sizeof(back)),
			 0);
	assert_memory_equal(back, all, sizeof(all));

	/* Nothing is "" and back. */
	memset(hex, 'x', sizeof(hex));
	fleet_hex(all, 0, hex);
	assert_string_equal(hex, "");
	assert_int_equal(fleet_unhex(exact("", 0), 0, back, 0), 0);
}

static void
test_unhex_case(void **state)
{
	static const uint8_t want[4] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t out[4];

	(void)state;
	/* Hex digits in either case; fleet_hex() writes lower case. */
	assert_int_equal(fleet_unhex(xs("deadbeef"), 8, out, 4), 0);
	assert_memory_equal(out, want, 4);
	memset(out, 0, sizeof(out));
	assert_int_equal(fleet_unhex(xs("DEADBEEF"), 8, out, 4), 0);
	assert_memory_equal(out, want, 4);
	memset(out, 0, sizeof(out));
	assert_int_equal(fleet_unhex(xs("dEaDbEeF"), 8, out, 4), 0);
	assert_memory_equal(out, want, 4);
}

static void
test_unhex_hostile(void **state)
{
	static const char nul[] = "dead\0eef";
	static const char *const bad[] = {
		"deadbeeg", "deadbee ", " deadbee",
		"dead-eef", "0xdeadbe", "deadbe+f",
		"deadbe:f", "deadbe/f", "deadbe@f",
		"deadbe`f", "deadbeG0", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8",
	};
	uint8_t out[4];
	char *huge = repeat('0', 1 << 20);

	(void)state;
	/* Not exactly 2n digits. */
	assert_int_equal(fleet_unhex(xs("deadbee"), 7, out, 4), -EINVAL);
	assert_int_equal(fleet_unhex(xs("deadbeef0"), 9, out, 4), -EINVAL);
	assert_int_equal(fleet_unhex(xs("deadbeef00"), 10, out, 4), -EINVAL);
	assert_int_equal(fleet_unhex(exact("", 0), 0, out, 4), -EINVAL);
	assert_int_equal(fleet_unhex(huge, 1 << 20, out, 4), -EINVAL);
	assert_int_equal(fleet_unhex(NULL, 8, out, 4), -EINVAL);
	assert_int_equal(fleet_unhex(NULL, 0, out, 4), -EINVAL);
	/* Not hex digits, wherever they are. */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fleet_unhex(xs(bad[i]), 8, out, 4) != -EINVAL)
			fail_msg("'%s' taken for hex", bad[i]);
	assert_int_equal(fleet_unhex(exact(nul, 8), 8, out, 4), -EINVAL);
}

/* ---- users ---- */

struct user_text {
	char md5[2 * AUTH_LT_KEY_MD5_LEN + 1];
	char sha[2 * AUTH_LT_KEY_SHA256_LEN + 1];
	char created[24], expires[24];
};

static void
user_text(struct user_text *t, const struct push_value *v)
{
	fleet_hex(v->key_md5, sizeof(v->key_md5), t->md5);
	fleet_hex(v->key_sha256, sizeof(v->key_sha256), t->sha);
	snprintf(t->created, sizeof(t->created), "%" PRId64, v->created);
	snprintf(t->expires, sizeof(t->expires), "%" PRId64, v->expires);
}

static void
test_user_round_trip(void **state)
{
	struct push_value in, out;
	struct user_text t;
	const char *why = NULL;

	(void)state;
	memset(&in, 0, sizeof(in));
	fill(in.key_md5, sizeof(in.key_md5), 1);
	fill(in.key_sha256, sizeof(in.key_sha256), 2);
	in.has_sha256 = true;
	in.created = 1700000000;
	in.expires = 1700086400;
	user_text(&t, &in);
	/* As fleet_store.c writes it: coturn's key and turnpike's hash. */
	assert_int_equal(fleet_user_decode(xs(t.md5), strlen(t.md5), xs(t.sha),
					   strlen(t.sha), xs(t.created),
					   strlen(t.created), xs(t.expires),
					   strlen(t.expires), &out, &why),
			 0);
	assert_memory_equal(out.key_md5, in.key_md5, sizeof(in.key_md5));
	assert_memory_equal(out.key_sha256, in.key_sha256, sizeof(in.key_sha256));
	assert_true(out.has_sha256);
	assert_int_equal(out.created, in.created);
	assert_int_equal(out.expires, in.expires);

	/* Never expires. */
	assert_int_equal(fleet_user_decode(xs(t.md5), strlen(t.md5), xs(t.sha),
					   strlen(t.sha), xs("1"), 1, xs("0"),
					   1, &out, &why),
			 0);
	assert_int_equal(out.created, 1);
	assert_int_equal(out.expires, 0);

	/* Written by coturn: its key only, an MD5-only user. */
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(fleet_user_decode(xs(t.md5), strlen(t.md5), NULL, 0,
					   NULL, 0, NULL, 0, &out, &why),
			 0);
	assert_memory_equal(out.key_md5, in.key_md5, sizeof(in.key_md5));
	assert_false(out.has_sha256);
	assert_int_equal(out.created, 0);
	assert_int_equal(out.expires, 0);

	/* Upper-case hex (a hand-written coturn key) is the same key. */
	for (char *p = t.md5; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(fleet_user_decode(xs(t.md5), strlen(t.md5), NULL, 0,
					   NULL, 0, NULL, 0, &out, &why),
			 0);
	assert_memory_equal(out.key_md5, in.key_md5, sizeof(in.key_md5));
}

/* fleet_user_decode() refuses, and says why. */
static void
user_bad(const char *md5, size_t md5_len, const char *sha, size_t sha_len,
	 const char *created, size_t created_len, const char *expires,
	 size_t expires_len)
{
	struct push_value v;
	const char *why = NULL;

	if (fleet_user_decode(md5 ? exact(md5, md5_len) : NULL, md5_len,
			      sha ? exact(sha, sha_len) : NULL, sha_len,
			      created ? exact(created, created_len) : NULL,
			      created_len,
			      expires ? exact(expires, expires_len) : NULL,
			      expires_len, &v, &why) != -EINVAL)
		fail_msg("md5 '%.*s' sha256 '%.*s' created '%.*s' expires "
			 "'%.*s' accepted",
			 (int)md5_len, md5 ? md5 : "", (int)sha_len,
			 sha ? sha : "", (int)created_len, created ? created : "",
			 (int)expires_len, expires ? expires : "");
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static void
test_user_bad_keys(void **state)
{
	char md5[33], sha[65];
	uint8_t b[32];

	(void)state;
	fill(b, sizeof(b), 3);
	fleet_hex(b, 16, md5);
	fleet_hex(b, 32, sha);
	/* No MD5 key, or one of the wrong length or form. */
	user_bad(NULL, 0, sha, 64, NULL, 0, NULL, 0);
	user_bad("", 0, NULL, 0, NULL, 0, NULL, 0);
	user_bad(md5, 31, NULL, 0, NULL, 0, NULL, 0);
	user_bad(sha, 33, NULL, 0, NULL, 0, NULL, 0);
	user_bad(sha, 64, NULL, 0, NULL, 0, NULL, 0);
	user_bad("0x0102030405060708090a0b0c0d0e0f", 32, NULL, 0, NULL, 0, NULL,
		 0);
	user_bad("0102030405060708090a0b0c0d0e0f1g", 32, NULL, 0, NULL, 0, NULL,
		 0);
	user_bad("0102030405060708\0"
		 "90a0b0c0d0e0f10",
		 32, NULL, 0, NULL, 0, NULL, 0);
	/* A SHA-256 field that is not one: an MD5 there, garbage, empty. */
	user_bad(md5, 32, md5, 32, NULL, 0, NULL, 0);
	user_bad(md5, 32, sha, 63, NULL, 0, NULL, 0);
	user_bad(md5, 32, "", 0, NULL, 0, NULL, 0);
	sha[10] = 'z';
	user_bad(md5, 32, sha, 64, NULL, 0, NULL, 0);
	sha[10] = '\0';
	user_bad(md5, 32, sha, 64, NULL, 0, NULL, 0);
}

static void
test_user_bad_times(void **state)
{
	static const char *const bad[] = {
		"",
		"-1",
		"+1",
		" 1",
		"1 ",
		"1.5",
		"1e9",
		"0x10",
		"seconds",
		"١٢",                   /* Arabic-Indic digits */
		"9223372036854775808",  /* INT64_MAX + 1 */
		"18446744073709551617", /* 2^64 + 1: wraps to 1 */
		"99999999999999999999999999999999",
	};
	char md5[33], text[32];
	struct push_value v;
	const char *why = NULL;
	uint8_t b[16];

	(void)state;
	fill(b, sizeof(b), 4);
	fleet_hex(b, 16, md5);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		user_bad(md5, 32, NULL, 0, bad[i], strlen(bad[i]), NULL, 0);
		user_bad(md5, 32, NULL, 0, NULL, 0, bad[i], strlen(bad[i]));
	}
	user_bad(md5, 32, NULL, 0,
		 "12\0"
		 "3",
		 4, NULL, 0);
	user_bad(md5, 32, NULL, 0, NULL, 0,
		 "12\0"
		 "3",
		 4);

	/* The largest time whose milliseconds fit, then one more. */
	snprintf(text, sizeof(text), "%" PRId64, (int64_t)FLEET_SECONDS_MAX);
	assert_int_equal(fleet_user_decode(xs(md5), 32, NULL, 0, xs(text),
					   strlen(text), xs(text), strlen(text),
					   &v, &why),
			 0);
	assert_int_equal(v.created, FLEET_SECONDS_MAX);
	assert_int_equal(v.expires, FLEET_SECONDS_MAX);
	snprintf(text, sizeof(text), "%" PRId64, (int64_t)FLEET_SECONDS_MAX + 1);
	user_bad(md5, 32, NULL, 0, NULL, 0, text, strlen(text));
	user_bad(md5, 32, NULL, 0, text, strlen(text), NULL, 0);
	user_bad(md5, 32, NULL, 0, NULL, 0, "9223372036854775807", 19);
}

/* ---- secrets ---- */

static void
test_secret(void **state)
{
	static const char bin[] = "a\0b\xff\n";
	uint8_t big[AUTH_REST_SECRET_MAX + 1];
	struct push_value v;
	const char *why = NULL;
	char *huge = repeat('s', 1 << 20);

	(void)state;
	assert_int_equal(fleet_secret_decode(xs("north-secret"), 12, &v, &why),
			 0);
	assert_int_equal(v.secret_len, 12);
	assert_memory_equal(v.secret, "north-secret", 12);
	/* Bytes, not text: a NUL is one of them. */
	assert_int_equal(fleet_secret_decode(exact(bin, sizeof(bin) - 1),
					     sizeof(bin) - 1, &v, &why),
			 0);
	assert_int_equal(v.secret_len, sizeof(bin) - 1);
	assert_memory_equal(v.secret, bin, sizeof(bin) - 1);
	/* The longest, then one byte more. */
	fill(big, sizeof(big), 5);
	assert_int_equal(fleet_secret_decode(exact(big, AUTH_REST_SECRET_MAX),
					     AUTH_REST_SECRET_MAX, &v, &why),
			 0);
	assert_int_equal(v.secret_len, AUTH_REST_SECRET_MAX);
	assert_memory_equal(v.secret, big, AUTH_REST_SECRET_MAX);
	why = NULL;
	assert_int_equal(fleet_secret_decode(exact(big, sizeof(big)),
					     sizeof(big), &v, &why),
			 -EINVAL);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(fleet_secret_decode(huge, 1 << 20, &v, &why), -EINVAL);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(fleet_secret_decode(exact("", 0), 0, &v, &why), -EINVAL);
	assert_non_null(why);
}

/* ---- OAuth keys ---- */

static void
oauth_round_trip(const char *alg, enum oauth_alg want, size_t key_len)
{
	uint8_t key[OAUTH_KEY_MAX];
	char b64[BASE64_ENCODED_LEN(OAUTH_KEY_MAX) + 1];
	char *kid = repeat('k', AUTH_OAUTH_KID_MAX);
	struct push_value v;
	const char *why = NULL;
	int n;

	fill(key, key_len, (uint8_t)key_len);
	/* As fleet_store.c writes it. */
	n = base64_encode(key, key_len, b64, sizeof(b64));
	assert_true(n > 0);
	assert_int_equal(fleet_oauth_decode(xs("kid-1"), 5,
					    exact(b64, (size_t)n), (size_t)n,
					    xs(alg), strlen(alg), &v, &why),
			 0);
	assert_string_equal(v.oauth.kid, "kid-1");
	assert_int_equal(v.oauth.alg, want);
	assert_int_equal(v.oauth.key_len, key_len);
	assert_memory_equal(v.oauth.key, key, key_len);
	/* The longest kid. */
	assert_int_equal(fleet_oauth_decode(kid, AUTH_OAUTH_KID_MAX,
					    exact(b64, (size_t)n), (size_t)n,
					    xs(alg), strlen(alg), &v, &why),
			 0);
	assert_int_equal(strlen(v.oauth.kid), AUTH_OAUTH_KID_MAX);
}

static void
test_oauth_round_trip(void **state)
{
	(void)state;
	oauth_round_trip("A128GCM", OAUTH_ALG_A128GCM, 16);
	oauth_round_trip("A256GCM", OAUTH_ALG_A256GCM, 32);
}

/* fleet_oauth_decode() refuses, and says why. */
static void
oauth_bad(const char *kid, size_t kid_len, const char *ikm, size_t ikm_len,
	  const char *alg, size_t alg_len)
{
	struct push_value v;
	const char *why = NULL;

	if (fleet_oauth_decode(exact(kid, kid_len), kid_len,
			       ikm ? exact(ikm, ikm_len) : NULL, ikm_len,
			       alg ? exact(alg, alg_len) : NULL, alg_len, &v,
			       &why) != -EINVAL)
		fail_msg("kid '%.*s' ikm '%.*s' alg '%.*s' accepted",
			 (int)kid_len, kid, (int)ikm_len, ikm ? ikm : "",
			 (int)alg_len, alg ? alg : "");
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static void
test_oauth_hostile(void **state)
{
	uint8_t key[32];
	char k16[25], k32[45], b64[64];
	char *long_kid = repeat('k', AUTH_OAUTH_KID_MAX + 1);
	char *huge = repeat('A', 1 << 20);

	(void)state;
	fill(key, sizeof(key), 6);
	base64_encode(key, 16, k16, sizeof(k16));
	base64_encode(key, 32, k32, sizeof(k32));
	/* The kid: empty, too long, holding a NUL. */
	oauth_bad("", 0, k16, 24, "A128GCM", 7);
	oauth_bad(long_kid, AUTH_OAUTH_KID_MAX + 1, k16, 24, "A128GCM", 7);
	oauth_bad("ki\0d", 4, k16, 24, "A128GCM", 7);
	/* as_rs_alg: missing, empty, unknown, spelled otherwise, padded,
	 * followed by a NUL and more, huge. */
	oauth_bad("k", 1, k16, 24, NULL, 0);
	oauth_bad("k", 1, k16, 24, "", 0);
	oauth_bad("k", 1, k16, 24, "A192GCM", 7);
	oauth_bad("k", 1, k16, 24, "HS256", 5);
	oauth_bad("k", 1, k16, 24, "a128gcm", 7);
	oauth_bad("k", 1, k16, 24, "A128GCM ", 8);
	oauth_bad("k", 1, k16, 24, " A128GCM", 8);
	oauth_bad("k", 1, k16, 24, "A128GCM\0", 8);
	oauth_bad("k", 1, k16, 24, "A128GCM\0junk", 12);
	oauth_bad("k", 1, k16, 24, "A128", 4);
	oauth_bad("k", 1, k16, 24, huge, 1 << 20);
	/* ikm_key: missing, empty, a key of the other alg's size. */
	oauth_bad("k", 1, NULL, 0, "A128GCM", 7);
	oauth_bad("k", 1, "", 0, "A128GCM", 7);
	oauth_bad("k", 1, k32, 44, "A128GCM", 7);
	oauth_bad("k", 1, k16, 24, "A256GCM", 7);
	/* Not canonical base64: unpadded, cut, with a blank or a newline,
	 * in the URL alphabet, with a NUL, huge. */
	oauth_bad("k", 1, k16, 22, "A128GCM", 7);
	oauth_bad("k", 1, k16, 23, "A128GCM", 7);
	oauth_bad("k", 1, k32, 43, "A256GCM", 7);
	snprintf(b64, sizeof(b64), "%.20s\n%s", k16, k16 + 20);
	oauth_bad("k", 1, b64, 25, "A128GCM", 7);
	snprintf(b64, sizeof(b64), " %s", k16);
	oauth_bad("k", 1, b64, 25, "A128GCM", 7);
	oauth_bad("k", 1, "-_-_-_-_-_-_-_-_-_-_-_==", 24, "A128GCM", 7);
	memcpy(b64, k16, 24);
	b64[5] = '\0';
	oauth_bad("k", 1, b64, 24, "A128GCM", 7);
	oauth_bad("k", 1, huge, 1 << 20, "A128GCM", 7);
	/* A 16-byte key with junk after its padding. */
	snprintf(b64, sizeof(b64), "%sAAAA", k16);
	oauth_bad("k", 1, b64, 28, "A128GCM", 7);
}

/* ---- announcements ---- */

static void
msg_round_trip(const char *origin, enum push_kind kind, const char *name,
	       size_t name_len, const char *want)
{
	char msg[FLEET_MSG_MAX];
	const char *o, *nm, *m;
	size_t olen, nlen;
	enum push_kind k = kind == PUSH_USER ? PUSH_SECRET : PUSH_USER;
	int n = fleet_msg_format(msg, sizeof(msg), origin, kind,
				 exact(name, name_len), name_len);

	assert_true(n > 0);
	assert_int_equal(strlen(msg), (size_t)n);
	if (want != NULL)
		assert_string_equal(msg, want);
	m = exact(msg, (size_t)n);
	assert_int_equal(fleet_msg_parse(m, (size_t)n, &o, &olen, &k, &nm, &nlen),
			 0);
	assert_int_equal(olen, strlen(origin));
	assert_memory_equal(o, origin, olen);
	assert_int_equal(k, kind);
	assert_int_equal(nlen, name_len);
	assert_memory_equal(nm, name, name_len);
	/* Pointers into the message, not copies. */
	assert_ptr_equal(o, m);
	assert_ptr_equal(nm + nlen, m + n);
}

static void
test_msg_round_trip(void **state)
{
	char *origin = repeat('o', FLEET_ORIGIN_MAX);
	char *name = repeat('n', PUSH_NAME_MAX);

	(void)state;
	msg_round_trip("relay-1/0123456789abcdef", PUSH_USER, "alice", 5,
		       "relay-1/0123456789abcdef\tuser\talice");
	msg_round_trip("r", PUSH_SECRET, "s1", 2, "r\tsecret\ts1");
	msg_round_trip("r", PUSH_OAUTH_KEY, "kid 1", 5, "r\toauth\tkid 1");
	msg_round_trip("r", PUSH_USER, "a:b@c", 5, NULL);
	/* The longest origin and name fit in FLEET_MSG_MAX. */
	for (int kind = PUSH_USER; kind <= PUSH_OAUTH_KEY; kind++)
		msg_round_trip(origin, (enum push_kind)kind, name,
			       PUSH_NAME_MAX, NULL);
}

static void
test_msg_format_refuses(void **state)
{
	char msg[FLEET_MSG_MAX];
	char *origin = repeat('o', FLEET_ORIGIN_MAX + 1);
	char *name = repeat('n', PUSH_NAME_MAX + 1);

	(void)state;
	/* No room. */
	assert_int_equal(fleet_msg_format(msg, 8, "r", PUSH_USER, "alice", 5),
			 -ENAMETOOLONG);
	assert_int_equal(fleet_msg_format(msg, 12, "r", PUSH_USER, "alice", 5),
			 -ENAMETOOLONG);
	assert_int_equal(fleet_msg_format(msg, 13, "r", PUSH_USER, "alice", 5),
			 12);
	/* What fleet_msg_parse() would refuse is never written. */
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), "", PUSH_USER,
					  "alice", 5),
			 -EINVAL);
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), origin, PUSH_USER,
					  "alice", 5),
			 -EINVAL);
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), "r\tx", PUSH_USER,
					  "alice", 5),
			 -EINVAL);
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), "r", PUSH_USER, "", 0),
			 -EINVAL);
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), "r", PUSH_USER,
					  name, PUSH_NAME_MAX + 1),
			 -EINVAL);
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), "r", PUSH_USER,
					  "al\tce", 5),
			 -EINVAL);
	assert_int_equal(fleet_msg_format(msg, sizeof(msg), "r", PUSH_USER,
					  "al\0ce", 5),
			 -EINVAL);
}

static int
parse(const char *msg, size_t len)
{
	const char *o = NULL, *nm = NULL;
	size_t olen = 0, nlen = 0;
	enum push_kind k;

	return fleet_msg_parse(exact(msg, len), len, &o, &olen, &k, &nm, &nlen);
}

static void
test_msg_parse_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"r",
		"\t",
		"\t\t",
		"\t\t\t",
		"r\t",
		"r\tuser",
		"r\tuser\t",      /* empty name */
		"\tuser\talice",  /* empty origin */
		"r\t\talice",     /* empty kind */
		"r\tUSER\talice", /* kinds are lower case */
		"r\tusers\talice",
		"r\tuse\talice",
		"r\tcredential\talice",
		"r\toauth-key\tk",
		"r\tus\ter\talice",
		"r\tuser\tal\tice", /* a third tab */
		"r\tuser\talice\t",
		"r\tuser\t\talice",
		"r\t user\talice",
		"r\tuser \talice",
	};
	char msg[FLEET_ORIGIN_MAX + PUSH_NAME_MAX + 64];
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], strlen(bad[i])) != -EINVAL)
			fail_msg("'%s' taken for an announcement", bad[i]);
	/* A NUL in any part. */
	assert_int_equal(parse("r\tuser\tal\0ce", 12), -EINVAL);
	assert_int_equal(parse("r\0x\tuser\talice", 14), -EINVAL);
	assert_int_equal(parse("r\tuser\0\talice", 13), -EINVAL);
	/* Only len bytes are read: a message cut short is refused. */
	assert_int_equal(parse("r\tuser\talice", 7), -EINVAL);
	assert_int_equal(parse("r\tuser\talice", 6), -EINVAL);
	assert_int_equal(parse("r\tuser\talice", 0), -EINVAL);
	assert_int_equal(parse("r\tuser\talice", 8), 0);
	/* The longest origin and name, then one byte more of each. */
	n = snprintf(msg, sizeof(msg), "%s\tuser\t%s",
		     repeat('o', FLEET_ORIGIN_MAX), repeat('n', PUSH_NAME_MAX));
	assert_int_equal(parse(msg, (size_t)n), 0);
	n = snprintf(msg, sizeof(msg), "%s\tuser\t%s",
		     repeat('o', FLEET_ORIGIN_MAX + 1), "alice");
	assert_int_equal(parse(msg, (size_t)n), -EINVAL);
	n = snprintf(msg, sizeof(msg), "r\tuser\t%s",
		     repeat('n', PUSH_NAME_MAX + 1));
	assert_int_equal(parse(msg, (size_t)n), -EINVAL);
}

#define T(f) cmocka_unit_test_teardown(f, exact_free)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_key_layout),        T(test_key_too_long),
		T(test_key_pattern),       T(test_key_name_round_trip),
		T(test_key_name_foreign),  T(test_hex_round_trip),
		T(test_unhex_case),        T(test_unhex_hostile),
		T(test_user_round_trip),   T(test_user_bad_keys),
		T(test_user_bad_times),    T(test_secret),
		T(test_oauth_round_trip),  T(test_oauth_hostile),
		T(test_msg_round_trip),    T(test_msg_format_refuses),
		T(test_msg_parse_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
