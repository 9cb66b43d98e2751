/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The push API's JSON on jansson (see push_json.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "auth_longterm.h"
#include "push_json.h"
#include "turnpike/base64.h"

/* "2026-12-06T05:00:00Z", or JSON null for 0 (never). */
static json_t *
json_time(int64_t unix_s)
{
	char buf[32];
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (unix_s == 0 || gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static bool
has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* A name, as the JSON or the URL gave it: 1..max bytes, no control
 * characters (what the tables take), no '/' (it could not be named in a
 * URL path), and for users no ':' (the config's separator). */
static const char *
name_check(const char *s, size_t len, size_t max, bool user)
{
	if (len == 0)
		return "empty";
	if (len > max)
		return "longer than the limit";
	if (has_control(s, len))
		return "has a control character";
	if (memchr(s, '/', len) != NULL || (user && memchr(s, ':', len) != NULL))
		return user ? "has a '/' or ':'" : "has a '/'";
	return NULL;
}

int
push_json_name(struct push_op *op, const char *s, size_t len, char *why,
	       size_t wlen)
{
	static const size_t max[] = {
		[PUSH_USER] = AUTH_LT_USERNAME_MAX,
		[PUSH_SECRET] = AUTH_OAUTH_KID_MAX,
		[PUSH_OAUTH_KEY] = AUTH_OAUTH_KID_MAX,
	};
	const char *bad =
		name_check(s, len, max[op->kind], op->kind == PUSH_USER);

	if (bad != NULL) {
		snprintf(why, wlen, "%s: %s (at most %zu bytes)",
			 op->kind == PUSH_USER   ? "username" :
			 op->kind == PUSH_SECRET ? "id" :
						   "kid",
			 bad, max[op->kind]);
		return -EINVAL;
	}
	memcpy(op->name, s, len);
	op->name[len] = '\0';
	op->name_len = len;
	return 0;
}

static int
parse_user(const char *realm, json_t *j, struct push_op *op, char *why,
	   size_t wlen)
{
	const char *name, *pass;
	size_t nlen, plen;
	json_int_t life = 0;
	json_error_t e;
	int rc;

	if (json_unpack_ex(j, &e, JSON_STRICT, "{s:s%, s:s%, s?:I}", "username",
			   &name, &nlen, "password", &pass, &plen, "lifetime",
			   &life) != 0) {
		snprintf(why, wlen, "%s", e.text);
		return -EINVAL;
	}
	if (push_json_name(op, name, nlen, why, wlen) != 0)
		return -EINVAL;
	if (plen == 0 || plen > AUTH_LT_PASSWORD_MAX || has_control(pass, plen)) {
		snprintf(why, wlen,
			 "password: 1..%d bytes without control characters",
			 AUTH_LT_PASSWORD_MAX);
		return -EINVAL;
	}
	/* Absent: no expiry; given: 1 second at least. */
	if (json_object_get(j, "lifetime") != NULL &&
	    (life < 1 || life > PUSH_LIFETIME_MAX)) {
		snprintf(why, wlen, "lifetime: 1..%d seconds, or absent",
			 PUSH_LIFETIME_MAX);
		return -EINVAL;
	}
	op->value.expires = life > 0 ? (int64_t)time(NULL) + life : 0;
	rc = auth_lt_key_md5(name, nlen, realm, strlen(realm), pass, plen,
			     op->value.key_md5);
	if (rc == 0)
		rc = auth_lt_key_sha256(name, nlen, realm, strlen(realm), pass,
					plen, op->value.key_sha256);
	op->value.has_sha256 = true;
	if (rc != 0) {
		snprintf(why, wlen, "cannot derive the keys");
		return -EIO;
	}
	return 0;
}

static int
parse_secret(json_t *j, struct push_op *op, char *why, size_t wlen)
{
	const char *id, *secret;
	size_t ilen, slen;
	json_error_t e;

	if (json_unpack_ex(j, &e, JSON_STRICT, "{s:s%, s:s%}", "id", &id, &ilen,
			   "secret", &secret, &slen) != 0) {
		snprintf(why, wlen, "%s", e.text);
		return -EINVAL;
	}
	if (push_json_name(op, id, ilen, why, wlen) != 0)
		return -EINVAL;
	if (slen == 0 || slen > AUTH_REST_SECRET_MAX) {
		snprintf(why, wlen, "secret: 1..%d bytes", AUTH_REST_SECRET_MAX);
		return -EINVAL;
	}
	memcpy(op->value.secret, secret, slen);
	op->value.secret_len = slen;
	return 0;
}

static int
parse_oauth_key(json_t *j, struct push_op *op, char *why, size_t wlen)
{
	const char *kid, *key, *alg;
	size_t klen, keylen;
	struct auth_oauth_key *k = &op->value.oauth;
	json_error_t e;
	int n;

	if (json_unpack_ex(j, &e, JSON_STRICT, "{s:s%, s:s%, s:s}", "kid", &kid,
			   &klen, "key", &key, &keylen, "alg", &alg) != 0) {
		snprintf(why, wlen, "%s", e.text);
		return -EINVAL;
	}
	if (push_json_name(op, kid, klen, why, wlen) != 0)
		return -EINVAL;
	memcpy(k->kid, kid, klen);
	k->kid[klen] = '\0';
	if (strcmp(alg, "A128GCM") == 0) {
		k->alg = OAUTH_ALG_A128GCM;
	} else if (strcmp(alg, "A256GCM") == 0) {
		k->alg = OAUTH_ALG_A256GCM;
	} else {
		snprintf(why, wlen, "alg: A128GCM or A256GCM");
		return -EINVAL;
	}
	n = keylen <= BASE64_ENCODED_LEN(OAUTH_KEY_MAX) ?
		    base64_decode(key, keylen, k->key, sizeof(k->key)) :
		    -EINVAL;
	if (n != (k->alg == OAUTH_ALG_A256GCM ? 32 : 16)) {
		snprintf(why, wlen, "key: base64 of %d bytes for %s",
			 k->alg == OAUTH_ALG_A256GCM ? 32 : 16, alg);
		return -EINVAL;
	}
	k->key_len = (uint8_t)n;
	return 0;
}

/* Wipe the strings of a parsed body: the password and secrets are there
 * too. */
static void
wipe_strings(json_t *j)
{
	const char *k;
	json_t *v;

	json_object_foreach(j, k, v)
	{
		if (json_is_string(v))
			OPENSSL_cleanse((char *)json_string_value(v),
					json_string_length(v));
	}
}

int
push_json_parse(struct push_op *op, const char *body, size_t len,
		const char *realm, char *why, size_t wlen)
{
	json_t *j;
	json_error_t e;
	int rc;

	if (len > PUSH_BODY_MAX) {
		snprintf(why, wlen, "the body is over %d bytes", PUSH_BODY_MAX);
		return 413;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL || !json_is_object(j)) {
		snprintf(why, wlen, "not a JSON object%s%.100s",
			 j == NULL ? ": " : "", j == NULL ? e.text : "");
		json_decref(j);
		return 400;
	}
	switch (op->kind) {
	case PUSH_USER:
		rc = parse_user(realm, j, op, why, wlen);
		break;
	case PUSH_SECRET:
		rc = parse_secret(j, op, why, wlen);
		break;
	default:
		rc = parse_oauth_key(j, op, why, wlen);
	}
	wipe_strings(j);
	json_decref(j);
	return rc == 0 ? 0 : rc == -EIO ? 503 : 400;
}

static json_t *
describe(const struct push_op *op)
{
	switch (op->kind) {
	case PUSH_USER:
		return json_pack("{s:s, s:o, s:o}", "username", op->name,
				 "created", json_time(op->value.created),
				 "expires", json_time(op->value.expires));
	case PUSH_SECRET:
		return json_pack("{s:s, s:o}", "id", op->name, "created",
				 json_time(op->value.created));
	case PUSH_OAUTH_KEY:
		return json_pack("{s:s, s:s, s:o}", "kid", op->name, "alg",
				 op->value.oauth.alg == OAUTH_ALG_A256GCM ?
					 "A256GCM" :
					 "A128GCM",
				 "created", json_time(op->value.created));
	}
	return NULL;
}

char *
push_json_answer(const struct push_op *op, int status, const char *error)
{
	json_t *j;
	char *text;

	if (status == 204)
		return NULL;
	j = status < 300 ?
		    describe(op) :
		    json_pack("{s:s}", "error",
			      error != NULL && error[0] != '\0' ? error :
								  "not found");
	text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}
