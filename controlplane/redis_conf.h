/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A Redis connection string in coturn's format (redis_conf.c), as the
 * redis-userdb and redis-statsdb keys take it:
 *
 *     ip=127.0.0.1 port=6379 dbname=0 password=secret connect_timeout=5
 *
 * Words are `key=value`, separated by blanks (spaces and tabs), in any
 * order; each key at most once.  `ip` (or its synonym `host`) is required,
 * with no '=' or control character in it; `port` defaults to 6379,
 * `dbname` to 0, `connect_timeout` to 5 seconds; `password` to none.
 * An unknown key is an error, not a silent default: a mistyped `pasword=`
 * would otherwise connect without authentication and fail later, far from
 * its cause.  Pure: no I/O, no allocation.
 *
 * turnpike's own words, for Redis Sentinel (coturn has none):
 *
 *     sentinel=10.0.0.1:26379,10.0.0.2:26379,[2001:db8::3]:26379 master=fleet
 *
 * With `sentinel`, the server is whichever master those Sentinels name
 * (asked in turn, SENTINEL get-master-addr-by-name), instead of ip and
 * port, which may then not be given; `master` is required with it and
 * means nothing without.  A Sentinel's port defaults to 26379.  The
 * password is the master's; the Sentinels are asked without one.
 */
#ifndef TURNPIKE_REDIS_CONF_H
#define TURNPIKE_REDIS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest host name or address. */
#define REDIS_CONF_HOST_MAX 255
/** Longest password (Redis has no limit; ours keeps the struct fixed). */
#define REDIS_CONF_PASSWORD_MAX 255
/** Most Sentinels one string names. */
#define REDIS_CONF_SENTINELS_MAX 5
/** Longest master name. */
#define REDIS_CONF_MASTER_MAX 63
/** Room for redis_conf_format()'s text of any struct redis_conf. */
#define REDIS_CONF_TEXT_MAX                                     \
	(REDIS_CONF_SENTINELS_MAX * (REDIS_CONF_HOST_MAX + 9) + \
	 REDIS_CONF_HOST_MAX + REDIS_CONF_PASSWORD_MAX +        \
	 REDIS_CONF_MASTER_MAX + 128)
/** Highest dbname (Redis's default `databases 16` allows 0-15). */
#define REDIS_CONF_DB_MAX 1023
/** Longest connect_timeout, seconds. */
#define REDIS_CONF_TIMEOUT_MAX 300

/** A host and port. */
struct redis_conf_node {
	char host[REDIS_CONF_HOST_MAX + 1];
	uint16_t port;
};

/** Where a Redis server is and how to log in. */
struct redis_conf {
	char host[REDIS_CONF_HOST_MAX + 1]; /**< "" with Sentinels */
	uint16_t port;
	uint32_t db;
	char password[REDIS_CONF_PASSWORD_MAX + 1]; /**< "" = none */
	uint32_t connect_timeout_s;                 /**< 1..300 */
	/** Sentinels that name the master; 0: connect to host:port. */
	struct redis_conf_node sentinels[REDIS_CONF_SENTINELS_MAX];
	unsigned int n_sentinels;
	char master[REDIS_CONF_MASTER_MAX + 1]; /**< with Sentinels */
};

/**
 * Parse @p text into @p out.
 *
 * @param err  on failure, what is wrong ("port: 'x' is not 1-65535"),
 *             never the password, nor a word right after it (the rest of
 *             a password that held a blank)
 * @return 0, or -EINVAL (with @p out's password wiped).
 */
int redis_conf_parse(const char *text, struct redis_conf *out, char *err,
		     size_t err_len);

/**
 * @p c as a connection string redis_conf_parse() takes back, every word
 * written out, the password as "<redacted>" when @p redact.
 * @return the length, as snprintf().
 */
int redis_conf_format(const struct redis_conf *c, bool redact, char *out,
		      size_t cap);

#endif /* TURNPIKE_REDIS_CONF_H */
