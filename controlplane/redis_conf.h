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
 */
#ifndef TURNPIKE_REDIS_CONF_H
#define TURNPIKE_REDIS_CONF_H

#include <stddef.h>
#include <stdint.h>

/** Longest host name or address. */
#define REDIS_CONF_HOST_MAX 255
/** Longest password (Redis has no limit; ours keeps the struct fixed). */
#define REDIS_CONF_PASSWORD_MAX 255
/** Highest dbname (Redis's default `databases 16` allows 0-15). */
#define REDIS_CONF_DB_MAX 1023
/** Longest connect_timeout, seconds. */
#define REDIS_CONF_TIMEOUT_MAX 300

/** Where a Redis server is and how to log in. */
struct redis_conf {
	char host[REDIS_CONF_HOST_MAX + 1];
	uint16_t port;
	uint32_t db;
	char password[REDIS_CONF_PASSWORD_MAX + 1]; /**< "" = none */
	uint32_t connect_timeout_s;                 /**< 1..300 */
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

#endif /* TURNPIKE_REDIS_CONF_H */
