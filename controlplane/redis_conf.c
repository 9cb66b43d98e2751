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
#define REDIS_SENTINEL_DEFAULT_PORT 26379

/* The keys, by their bit in conf_word()'s seen. */
enum conf_key {
	K_IP,
	K_HOST, /* a synonym: counted as K_IP */
	K_PORT,
	K_DBNAME,
	K_PASSWORD,
	K_TIMEOUT,
	K_SENTINEL,
	K_MASTER,
	K__COUNT
};

static const char *const conf_keys[K__COUNT] = {
	[K_IP] = "ip",
	[K_HOST] = "host",
	[K_PORT] = "port",
	[K_DBNAME] = "dbname",
	[K_PASSWORD] = "password",
	[K_TIMEOUT] = "connect_timeout",
	[K_SENTINEL] = "sentinel",
	[K_MASTER] = "master",
};
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

/* One Sentinel, "host:port", "[v6]:port" or "host" (port 26379), @n
 * bytes.  @return 0 or -1. */
static int
conf_node(struct redis_conf_node *out, const char *v, size_t n)
{
	const char *host = v, *colon;
	size_t hlen = n;
	unsigned long port = REDIS_SENTINEL_DEFAULT_PORT;

	if (n > 0 && v[0] == '[') {
		const char *close = memchr(v, ']', n);

		if (close == NULL)
			return -1;
		host = v + 1;
		hlen = (size_t)(close - host);
		colon = close + 1 < v + n ? close + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return -1;
	} else {
		colon = memchr(v, ':', n);
		if (colon != NULL)
			hlen = (size_t)(colon - v);
		if (colon != NULL && memchr(colon + 1, ':', n - hlen - 1) != NULL)
			return -1; /* a bare IPv6 address: brackets needed */
	}
	if (colon != NULL && conf_number(colon + 1, (size_t)(v + n - colon - 1),
					 1, 65535, &port) != 0)
		return -1;
	if (!conf_host_ok(host, hlen) ||
	    conf_text(out->host, sizeof(out->host), host, hlen) != 0)
		return -1;
	out->port = (uint16_t)port;
	return 0;
}

/* sentinel=: a comma-separated list. */
static int
conf_sentinels(struct redis_conf *out, const char *v, size_t n, char *err,
	       size_t len)
{
	size_t i = 0;

	while (i <= n) {
		const char *comma = memchr(v + i, ',', n - i);
		size_t w = comma != NULL ? (size_t)(comma - (v + i)) : n - i;

		if (out->n_sentinels == REDIS_CONF_SENTINELS_MAX)
			return conf_fail(err, len, "sentinel: more than %d",
					 REDIS_CONF_SENTINELS_MAX);
		if (conf_node(&out->sentinels[out->n_sentinels], v + i, w) != 0)
			return conf_fail(err, len,
					 "sentinel: '%.*s' is not host:port "
					 "(an IPv6 address in [])",
					 (int)(w > 60 ? 60 : w), v + i);
		out->n_sentinels++;
		i += w + 1;
	}
	return 0;
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
	for (k = 0; k < K__COUNT; k++)
		if (strlen(conf_keys[k]) == klen &&
		    memcmp(conf_keys[k], w, klen) == 0)
			break;
	if (k == K__COUNT && !quote)
		return conf_fail(err, len,
				 "a word after password= has an unknown key "
				 "(a password cannot hold blanks)");
	if (k == K__COUNT)
		return conf_fail(err, len,
				 "unknown key '%.*s' (known: ip, host, port, "
				 "dbname, password, connect_timeout, "
				 "sentinel, master)",
				 (int)(klen > 40 ? 40 : klen), w);
	if (k == K_HOST)
		k = K_IP;
	if (*seen & (1u << k))
		return conf_fail(err, len, "%s given twice", conf_keys[k]);
	*seen |= 1u << k;
	switch ((enum conf_key)k) {
	case K_IP:
	case K_HOST:
		if (conf_text(out->host, sizeof(out->host), v, vlen) != 0)
			return conf_fail(err, len, "ip: empty or longer than %d",
					 REDIS_CONF_HOST_MAX);
		if (!conf_host_ok(v, vlen))
			return conf_fail(err, len,
					 "ip: '%.*s' is not a host name or "
					 "address",
					 (int)(vlen > 40 ? 40 : vlen), v);
		return 0;
	case K_PORT:
		if (conf_number(v, vlen, 1, 65535, &x) != 0)
			return conf_fail(err, len, "port: '%.*s' is not 1-65535",
					 (int)(vlen > 20 ? 20 : vlen), v);
		out->port = (uint16_t)x;
		return 0;
	case K_DBNAME:
		if (conf_number(v, vlen, 0, REDIS_CONF_DB_MAX, &x) != 0)
			return conf_fail(err, len, "dbname: '%.*s' is not 0-%d",
					 (int)(vlen > 20 ? 20 : vlen), v,
					 REDIS_CONF_DB_MAX);
		out->db = (uint32_t)x;
		return 0;
	case K_PASSWORD:
		if (conf_text(out->password, sizeof(out->password), v, vlen) != 0)
			return conf_fail(err, len,
					 "password: empty or longer than %d",
					 REDIS_CONF_PASSWORD_MAX);
		return 0;
	case K_SENTINEL:
		return conf_sentinels(out, v, vlen, err, len);
	case K_MASTER:
		if (conf_text(out->master, sizeof(out->master), v, vlen) != 0 ||
		    !conf_host_ok(v, vlen) || memchr(v, ',', vlen) != NULL)
			return conf_fail(err, len,
					 "master: empty, longer than %d, or "
					 "with a control character",
					 REDIS_CONF_MASTER_MAX);
		return 0;
	case K_TIMEOUT:
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
	if ((seen & (1u << K_IP)) && (seen & (1u << K_SENTINEL)))
		rc = conf_fail(err, err_len,
			       "ip and sentinel: one or the other (the "
			       "Sentinels name the server)");
	else if ((seen & (1u << K_PORT)) && (seen & (1u << K_SENTINEL)))
		rc = conf_fail(err, err_len,
			       "port and sentinel: the Sentinels name the "
			       "server's port");
	else if ((seen & (1u << K_SENTINEL)) && !(seen & (1u << K_MASTER)))
		rc = conf_fail(err, err_len,
			       "sentinel needs master= (the name the "
			       "Sentinels know the master by)");
	else if ((seen & (1u << K_MASTER)) && !(seen & (1u << K_SENTINEL)))
		rc = conf_fail(err, err_len,
			       "master means nothing without "
			       "sentinel=");
	else if (!(seen & ((1u << K_IP) | (1u << K_SENTINEL))))
		rc = conf_fail(err, err_len,
			       "ip (or host, or sentinel) is required");
out:
	if (rc != 0) /* a refused string keeps nothing of its password */
		memset(out->password, 0, sizeof(out->password));
	return rc;
}

int
redis_conf_format(const struct redis_conf *c, bool redact, char *out, size_t cap)
{
	size_t len = 0;
	int n;

#define PUT(...)                                                      \
	do {                                                          \
		n = snprintf(out + (len < cap ? len : cap),           \
			     len < cap ? cap - len : 0, __VA_ARGS__); \
		if (n < 0)                                            \
			return n;                                     \
		len += (size_t)n;                                     \
	} while (0)
	if (cap > 0)
		out[0] = '\0';
	if (c->n_sentinels == 0) {
		PUT("ip=%s port=%u", c->host, c->port);
	} else {
		PUT("sentinel=");
		for (unsigned int i = 0; i < c->n_sentinels; i++)
			PUT(strchr(c->sentinels[i].host, ':') != NULL ?
				    "%s[%s]:%u" :
				    "%s%s:%u",
			    i > 0 ? "," : "", c->sentinels[i].host,
			    c->sentinels[i].port);
		PUT(" master=%s", c->master);
	}
	PUT(" dbname=%u", c->db);
	if (c->password[0] != '\0')
		PUT(" password=%s", redact ? "<redacted>" : c->password);
	PUT(" connect_timeout=%u", c->connect_timeout_s);
#undef PUT
	return len > INT32_MAX ? -1 : (int)len;
}
