/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One connection to a Redis server that comes back by itself
 * (redis_link.c): a blocking hiredis context, with timeouts, used by one
 * thread that is not the control thread (fleet.c's, fleet_stats.c's).
 *
 * Connecting sends AUTH (when the connection string has a password) and
 * SELECT.  Any I/O error or timeout closes the context and marks the link
 * down; the next redis_link_ensure() after a back-off tries again: 100 ms
 * after the first failure, doubling to 5 s, back to 100 ms once connected.
 * Every change of state is logged once ("fleet.redis_down",
 * "fleet.redis_up" with the link's name), not every attempt.
 *
 * A command waits at most REDIS_LINK_CMD_TIMEOUT_MS for its answer: a
 * Redis that is slow is treated as a Redis that is down, because the
 * callers would rather decide without it than wait.
 *
 * With Sentinels (redis_conf.h), each connection first asks them, in turn
 * from the last that answered, where the master is, then checks that the
 * server it reached calls itself master (ROLE): a failover moves the link
 * to the new master at its next connection.  A write refused with
 * READONLY (a master demoted under a live connection) takes the link down
 * too, so the next connection asks the Sentinels again.
 */
#ifndef TURNPIKE_REDIS_LINK_H
#define TURNPIKE_REDIS_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "redis_conf.h"

/** Longest wait for one command's answer. */
#define REDIS_LINK_CMD_TIMEOUT_MS 500
/** Back-off after a failure: first and longest wait, milliseconds. */
#define REDIS_LINK_BACKOFF_MIN_MS 100
#define REDIS_LINK_BACKOFF_MAX_MS 5000

struct redis_link {
	struct redis_conf conf;
	char name[16];   /**< for the logs: "userdb", "pubsub", "statsdb" */
	redisContext *c; /**< NULL while down */
	/** The server connected to, or last tried: conf's, or the master
	 *  a Sentinel named. */
	struct redis_conf_node server;
	unsigned int sentinel; /**< the Sentinel to ask first */
	/** With Sentinels: the master's replicas when we connected. */
	unsigned int replicas;
	uint64_t next_try_ms;
	uint32_t backoff_ms;
	bool was_up;       /**< for logging transitions only */
	uint64_t connects; /**< successful (re)connections */
	uint64_t failures; /**< connection attempts and commands that failed */
};

/** CLOCK_MONOTONIC in milliseconds: the clock of every now_ms here, for
 *  the threads that own links. */
uint64_t redis_link_now_ms(void);

/** Set up @p l (not connected) for @p conf, copied. */
void redis_link_init(struct redis_link *l, const struct redis_conf *conf,
		     const char *name);

/**
 * Connect if down and the back-off has passed.  @p now_ms: CLOCK_MONOTONIC.
 * @return true if the link is up (now or already).
 */
bool redis_link_ensure(struct redis_link *l, uint64_t now_ms);

/** Whether the link is up. */
static inline bool
redis_link_up(const struct redis_link *l)
{
	return l->c != NULL;
}

/**
 * Run one command, printf-style as hiredis's redisCommand() (%s, %b).
 * @return the reply, which the caller frees with freeReplyObject() (an
 *         error reply is a reply); or NULL when the link failed, which is
 *         then down.
 */
redisReply *redis_link_cmd(struct redis_link *l, uint64_t now_ms, const char *fmt,
			   ...) __attribute__((format(printf, 3, 4)));

/** The same with arguments as a vector. */
redisReply *redis_link_argv(struct redis_link *l, uint64_t now_ms, int argc,
			    const char **argv, const size_t *argvlen);

/**
 * Read the answers to @p n commands queued with redisAppendCommand() on
 * l->c, into @p out (each freed by the caller; on failure every one read
 * is freed and the link is down).  @return 0 or -EIO.
 */
int redis_link_replies(struct redis_link *l, uint64_t now_ms, redisReply **out,
		       size_t n);

/** Close the connection and start the back-off (@p reason: for the
 *  log; may be the context's errstr).  The back-off runs from now
 *  (CLOCK_MONOTONIC, as @p now_ms) or @p now_ms, whichever is later: a
 *  connect that timed out after connect_timeout is not retried at once. */
void redis_link_fail(struct redis_link *l, uint64_t now_ms, const char *reason);

/** Close for good (wipes the password). */
void redis_link_fini(struct redis_link *l);

#endif /* TURNPIKE_REDIS_LINK_H */
