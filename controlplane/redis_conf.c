/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse coturn's Redis connection string (see redis_conf.h for the form).
 * Pure; any thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_conf.h"

#define REDIS_DEFAULT_PORT 6379
#define REDIS_DEFAULT_TIMEOUT_S 5

static int __attribute__((format(printf, 3, 4)))
conf_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A decimal in [min, max], the whole of @v (@n bytes).  @return 0 or -1. */
static int
conf_number(const char *v, size_t n, unsigned long min, unsigned long max,
	    unsigned long *out)
{
	unsigned long x = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (unsigned long)(v[i] - '0');
	}
	if (x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

/* Copy @n bytes of @v into @dst of @cap bytes.  @return 0 or -1. */
static int
conf_text(char *dst, size_t cap, const char *v, size_t n)
{
	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* Whether @v (@n bytes) could be a host name or address: no '=' (as in
 * "ip==x"), no control character (as in a newline taken for a blank). */
static bool
conf_host_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == '=' || (unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

/*
 * One `key=value` word.  @seen: keys already given, by bit.  @quote: false
 * for the word right after password=, which is the rest of the password
 * when that held a blank: an error about that word may not quote it.
 */
static int
conf_word(struct redis_conf *out, const char *w, size_t n, unsigned int *seen,
	  bool quote, char *err, size_t len)
{
	static const char *const keys[] = { "ip",       "host",
					    "port",     "dbname",
					    "password", "connect_timeout" };
	const char *eq = memchr(w, '=', n);
	size_t klen, vlen;
	const char *v;
	unsigned long x;
	unsigned int k;

	if (eq == NULL && !quote)
		return conf_fail(err, len,
				 "a word after password= is not key=value "
				 "(a password cannot hold blanks)");
	if (eq == NULL)
		return conf_fail(err, len, "'%.*s' is not key=value",
				 (int)(n > 40 ? 40 : n), w);
	klen = (size_t)(eq - w);
	v = eq + 1;
	vlen = n - klen - 1;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strlen(keys[k]) == klen && memcmp(keys[k], w, klen) == 0)
			break;
	if (k == sizeof(keys) / sizeof(keys[0]) && !quote)
		return conf_fail(err, len,
				 "a word after password= has an unknown key "
				 "(a password cannot hold blanks)");
	if (k == sizeof(keys) / sizeof(keys[0]))
		return conf_fail(err, len,
				 "unknown key '%.*s' (known: ip, host, port, "
				 "dbname, password, connect_timeout)",
				 (int)(klen > 40 ? 40 : klen), w);
	if (k == 1)
		k = 0; /* host is ip */
	if (*seen & (1u << k))
		return conf_fail(err, len, "%s given twice", keys[k]);
	*seen |= 1u << k;
	switch (k) {
	case 0:
		if (conf_text(out->host, sizeof(out->host), v, vlen) != 0)
			return conf_fail(err, len, "ip: empty or longer than %d",
					 REDIS_CONF_HOST_MAX);
		if (!conf_host_ok(v, vlen))
			return conf_fail(err, len,
					 "ip: '%.*s' is not a host name or "
					 "address",
					 (int)(vlen > 40 ? 40 : vlen), v);
		return 0;
	case 2:
		if (conf_number(v, vlen, 1, 65535, &x) != 0)
			return conf_fail(err, len, "port: '%.*s' is not 1-65535",
					 (int)(vlen > 20 ? 20 : vlen), v);
		out->port = (uint16_t)x;
		return 0;
	case 3:
		if (conf_number(v, vlen, 0, REDIS_CONF_DB_MAX, &x) != 0)
			return conf_fail(err, len, "dbname: '%.*s' is not 0-%d",
					 (int)(vlen > 20 ? 20 : vlen), v,
					 REDIS_CONF_DB_MAX);
		out->db = (uint32_t)x;
		return 0;
	case 4:
		if (conf_text(out->password, sizeof(out->password), v, vlen) != 0)
			return conf_fail(err, len,
					 "password: empty or longer than %d",
					 REDIS_CONF_PASSWORD_MAX);
		return 0;
	default:
		if (conf_number(v, vlen, 1, REDIS_CONF_TIMEOUT_MAX, &x) != 0)
			return conf_fail(err, len,
					 "connect_timeout: '%.*s' is not 1-%d "
					 "seconds",
					 (int)(vlen > 20 ? 20 : vlen), v,
					 REDIS_CONF_TIMEOUT_MAX);
		out->connect_timeout_s = (uint32_t)x;
		return 0;
	}
}

int
redis_conf_parse(const char *text, struct redis_conf *out, char *err,
		 size_t err_len)
{
	unsigned int seen = 0;
	const char *p = text;
	bool quote = true;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->port = REDIS_DEFAULT_PORT;
	out->connect_timeout_s = REDIS_DEFAULT_TIMEOUT_S;
	if (text == NULL)
		return conf_fail(err, err_len, "empty");
	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		rc = conf_word(out, p, n, &seen, quote, err, err_len);
		if (rc != 0)
			goto out;
		quote = !(n >= 9 && memcmp(p, "password=", 9) == 0);
		p += n;
	}
	if (!(seen & 1u))
		rc = conf_fail(err, err_len, "ip (or host) is required");
out:
	if (rc != 0) /* a refused string keeps nothing of its password */
		memset(out->password, 0, sizeof(out->password));
	return rc;
}
