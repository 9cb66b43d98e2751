/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet's Redis layout for credentials: key names, value checks,
 * announcements (see fleet_creds.h).  Whatever Redis holds may have been
 * written by anyone with access to it, so every value is checked for
 * length and form before it becomes a key: a garbage value is refused
 * with a reason, never trusted.  Pure; any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_creds.h"
#include "turnpike/base64.h"
#include "turnpike/oauth_token.h"

/* Most digits of a decimal read (FLEET_SECONDS_MAX has 16). */
#define FLEET_DECIMAL_MAX 19

static const char *
kind_word(enum push_kind kind)
{
	switch (kind) {
	case PUSH_USER:
		return "user";
	case PUSH_SECRET:
		return "secret";
	default:
		return "oauth";
	}
}

int
fleet_key(char *out, size_t cap, const char *realm, enum push_kind kind,
	  enum fleet_key_role role, const char *name, size_t name_len)
{
	int n;

	if (name_len > PUSH_NAME_MAX)
		return -ENAMETOOLONG;
	/* "%.*s" would stop at a NUL: "alice\0x" must not be alice. */
	if (memchr(name, '\0', name_len) != NULL)
		return -EINVAL;
	if (kind == PUSH_USER && role == FLEET_KEY_MAIN)
		n = snprintf(out, cap, "turn/realm/%s/user/%.*s/key", realm,
			     (int)name_len, name);
	else if (kind == PUSH_USER)
		n = snprintf(out, cap, "turnpike/realm/%s/user/%.*s", realm,
			     (int)name_len, name);
	else if (kind == PUSH_SECRET)
		n = snprintf(out, cap, "turnpike/realm/%s/secret/%.*s", realm,
			     (int)name_len, name);
	else
		n = snprintf(out, cap, "turn/oauth/kid/%.*s", (int)name_len,
			     name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

/* @in with SCAN's glob characters escaped. */
static int
glob_escape(char *out, size_t cap, const char *in)
{
	size_t o = 0;

	for (; *in != '\0'; in++) {
		if (strchr("*?[]\\", *in) != NULL) {
			if (o + 1 >= cap)
				return -ENAMETOOLONG;
			out[o++] = '\\';
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		out[o++] = *in;
	}
	out[o] = '\0';
	return (int)o;
}

int
fleet_key_pattern(char *out, size_t cap, const char *realm, enum push_kind kind)
{
	char esc[FLEET_KEY_MAX];
	int n;

	if (glob_escape(esc, sizeof(esc), realm) < 0)
		return -ENAMETOOLONG;
	if (kind == PUSH_USER)
		n = snprintf(out, cap, "turn/realm/%s/user/*/key", esc);
	else if (kind == PUSH_SECRET)
		n = snprintf(out, cap, "turnpike/realm/%s/secret/*", esc);
	else
		n = snprintf(out, cap, "turn/oauth/kid/*");
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

int
fleet_key_name(const char *key, size_t key_len, const char *realm,
	       enum push_kind kind, char *name, size_t cap)
{
	char prefix[FLEET_KEY_MAX];
	const char *suffix = kind == PUSH_USER ? "/key" : "";
	size_t plen, slen = strlen(suffix), nlen;
	int n;

	if (kind == PUSH_USER)
		n = snprintf(prefix, sizeof(prefix), "turn/realm/%s/user/",
			     realm);
	else if (kind == PUSH_SECRET)
		n = snprintf(prefix, sizeof(prefix),
			     "turnpike/realm/%s/secret/", realm);
	else
		n = snprintf(prefix, sizeof(prefix), "turn/oauth/kid/");
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -EINVAL;
	plen = (size_t)n;
	if (key_len <= plen + slen || memcmp(key, prefix, plen) != 0 ||
	    memcmp(key + key_len - slen, suffix, slen) != 0)
		return -EINVAL;
	nlen = key_len - plen - slen;
	if (nlen > PUSH_NAME_MAX || nlen >= cap ||
	    memchr(key + plen, '\0', nlen) != NULL)
		return -EINVAL;
	memcpy(name, key + plen, nlen);
	name[nlen] = '\0';
	return (int)nlen;
}

void
fleet_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
fleet_unhex(const char *in, size_t len, uint8_t *out, size_t n)
{
	if (in == NULL || len != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(in[2 * i]), lo = hex_digit(in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Unix seconds: 1..FLEET_DECIMAL_MAX decimal digits, at most
 * FLEET_SECONDS_MAX, so that whoever turns them into milliseconds
 * (push_apply.c) cannot overflow; absent = 0.
 */
static int
decimal(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;

	*out = 0;
	if (s == NULL)
		return 0;
	if (len == 0 || len > FLEET_DECIMAL_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > FLEET_SECONDS_MAX) /* before the next digit overflows */
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int
fleet_user_decode(const char *md5, size_t md5_len, const char *sha256,
		  size_t sha_len, const char *created, size_t created_len,
		  const char *expires, size_t expires_len, struct push_value *v,
		  const char **why)
{
	memset(v, 0, sizeof(*v));
	if (fleet_unhex(md5, md5_len, v->key_md5, sizeof(v->key_md5)) != 0) {
		*why = "the MD5 key is not 32 hex digits";
		return -EINVAL;
	}
	if (sha256 != NULL) {
		if (fleet_unhex(sha256, sha_len, v->key_sha256,
				sizeof(v->key_sha256)) != 0) {
			*why = "the SHA-256 key is not 64 hex digits";
			return -EINVAL;
		}
		v->has_sha256 = true;
	}
	if (decimal(created, created_len, &v->created) != 0 ||
	    decimal(expires, expires_len, &v->expires) != 0) {
		*why = "created or expires is not a number of seconds";
		return -EINVAL;
	}
	return 0;
}

int
fleet_secret_decode(const char *bytes, size_t len, struct push_value *v,
		    const char **why)
{
	memset(v, 0, sizeof(*v));
	if (len == 0 || len > sizeof(v->secret)) {
		*why = "the secret is empty or longer than 256 bytes";
		return -EINVAL;
	}
	memcpy(v->secret, bytes, len);
	v->secret_len = len;
	return 0;
}

int
fleet_oauth_decode(const char *kid, size_t kid_len, const char *ikm,
		   size_t ikm_len, const char *alg, size_t alg_len,
		   struct push_value *v, const char **why)
{
	char name[16];
	int n;

	memset(v, 0, sizeof(*v));
	/* A NUL would make v->oauth.kid another kid than the key's name. */
	if (kid_len == 0 || kid_len > AUTH_OAUTH_KID_MAX ||
	    memchr(kid, '\0', kid_len) != NULL) {
		*why = "the kid is empty, too long or holds a NUL";
		return -EINVAL;
	}
	memcpy(v->oauth.kid, kid, kid_len);
	v->oauth.kid[kid_len] = '\0';
	/* A NUL would make "A128GCM\0junk" read as A128GCM. */
	if (alg == NULL || alg_len == 0 || alg_len >= sizeof(name) ||
	    memchr(alg, '\0', alg_len) != NULL) {
		*why = "as_rs_alg is missing or unknown";
		return -EINVAL;
	}
	memcpy(name, alg, alg_len);
	name[alg_len] = '\0';
	v->oauth.alg = oauth_alg_from_name(name);
	if (v->oauth.alg == OAUTH_ALG_NONE) {
		*why = "as_rs_alg is not A128GCM or A256GCM";
		return -EINVAL;
	}
	/* Base64 of a 32-byte key is 44 characters: anything much longer is
	 * not a key, and is not decoded. */
	n = ikm == NULL || ikm_len > 4 * (OAUTH_KEY_MAX + 2) / 3 + 4 ?
		    -1 :
		    base64_decode(ikm, ikm_len, v->oauth.key,
				  sizeof(v->oauth.key));
	if (n != (v->oauth.alg == OAUTH_ALG_A256GCM ? 32 : 16)) {
		*why = "ikm_key is not base64 of a key of as_rs_alg's size";
		return -EINVAL;
	}
	v->oauth.key_len = (uint8_t)n;
	return 0;
}

int
fleet_msg_format(char *out, size_t cap, const char *origin, enum push_kind kind,
		 const char *name, size_t name_len)
{
	size_t olen = strlen(origin);
	int n;

	/* Nothing fleet_msg_parse() refuses: it would be lost on the way. */
	if (olen == 0 || olen > FLEET_ORIGIN_MAX ||
	    strchr(origin, '\t') != NULL || name_len == 0 ||
	    name_len > PUSH_NAME_MAX || memchr(name, '\t', name_len) != NULL ||
	    memchr(name, '\0', name_len) != NULL)
		return -EINVAL;
	n = snprintf(out, cap, "%s\t%s\t%.*s", origin, kind_word(kind),
		     (int)name_len, name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

int
fleet_msg_parse(const char *msg, size_t len, const char **origin,
		size_t *origin_len, enum push_kind *kind, const char **name,
		size_t *name_len)
{
	const char *t1 = memchr(msg, '\t', len), *t2, *k;
	size_t klen;

	if (t1 == NULL || t1 == msg)
		return -EINVAL;
	k = t1 + 1;
	t2 = memchr(k, '\t', len - (size_t)(k - msg));
	if (t2 == NULL)
		return -EINVAL;
	klen = (size_t)(t2 - k);
	*origin = msg;
	*origin_len = (size_t)(t1 - msg);
	*name = t2 + 1;
	*name_len = len - (size_t)(*name - msg);
	/* The kind holds no NUL once matched below; the others must not. */
	if (*name_len == 0 || *name_len > PUSH_NAME_MAX ||
	    memchr(*name, '\0', *name_len) != NULL ||
	    memchr(*name, '\t', *name_len) != NULL ||
	    *origin_len > FLEET_ORIGIN_MAX ||
	    memchr(msg, '\0', *origin_len) != NULL)
		return -EINVAL;
	if (klen == 4 && memcmp(k, "user", 4) == 0)
		*kind = PUSH_USER;
	else if (klen == 6 && memcmp(k, "secret", 6) == 0)
		*kind = PUSH_SECRET;
	else if (klen == 5 && memcmp(k, "oauth", 5) == 0)
		*kind = PUSH_OAUTH_KEY;
	else
		return -EINVAL;
	return 0;
}
