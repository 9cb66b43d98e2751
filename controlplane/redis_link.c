/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A Redis connection that reconnects with back-off (see redis_link.h).
 * Runs on whichever one thread owns the link; owns its hiredis context.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cp_log.h"
#include "redis_link.h"

static struct timeval
ms_to_tv(uint64_t ms)
{
	return (struct timeval){ .tv_sec = (time_t)(ms / 1000),
				 .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
}

void
redis_link_init(struct redis_link *l, const struct redis_conf *conf,
		const char *name)
{
	memset(l, 0, sizeof(*l));
	l->conf = *conf;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->backoff_ms = REDIS_LINK_BACKOFF_MIN_MS;
	snprintf(l->server.host, sizeof(l->server.host), "%s", conf->host);
	l->server.port = conf->port;
}

uint64_t
redis_link_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
redis_link_fail(struct redis_link *l, uint64_t now_ms, const char *reason)
{
	char why[160];
	uint64_t seen_ms = redis_link_now_ms();

	/* @reason may be the context's own errstr, freed below. */
	snprintf(why, sizeof(why), "%s", reason);
	if (l->c != NULL) {
		redisFree(l->c);
		l->c = NULL;
	}
	l->failures++;
	if (l->was_up)
		cp_log(CP_LOG_WARN, "fleet.redis_down",
		       "link=%s server=%s:%u reason=\"%s\" retry_ms=%u", l->name,
		       l->server.host, l->server.port, why, l->backoff_ms);
	l->was_up = false;
	l->next_try_ms = (seen_ms > now_ms ? seen_ms : now_ms) + l->backoff_ms;
	l->backoff_ms = l->backoff_ms * 2 > REDIS_LINK_BACKOFF_MAX_MS ?
				REDIS_LINK_BACKOFF_MAX_MS :
				l->backoff_ms * 2;
}

/* AUTH and SELECT on a fresh context.  @return NULL or what failed. */
static const char *
link_login(struct redis_link *l)
{
	redisReply *r;
	bool ok;

	if (l->conf.password[0] != '\0') {
		r = redisCommand(l->c, "AUTH %s", l->conf.password);
		ok = r != NULL && r->type == REDIS_REPLY_STATUS;
		if (r != NULL)
			freeReplyObject(r);
		if (!ok)
			return "AUTH refused";
	}
	if (l->conf.db != 0) {
		r = redisCommand(l->c, "SELECT %u", l->conf.db);
		ok = r != NULL && r->type == REDIS_REPLY_STATUS;
		if (r != NULL)
			freeReplyObject(r);
		if (!ok)
			return "SELECT refused";
	}
	return NULL;
}

/* Ask the Sentinels, in turn, where the master is, into l->server.
 * @return NULL or what failed. */
static const char *
link_find_master(struct redis_link *l)
{
	struct timeval tv = ms_to_tv((uint64_t)l->conf.connect_timeout_s * 1000);

	for (unsigned int i = 0; i < l->conf.n_sentinels; i++) {
		unsigned int s = (l->sentinel + i) % l->conf.n_sentinels;
		const struct redis_conf_node *n = &l->conf.sentinels[s];
		redisContext *c = redisConnectWithTimeout(n->host, n->port, tv);
		redisReply *r = NULL;
		unsigned long port = 0;
		char *end = NULL;
		bool found = false;

		if (c != NULL && c->err == 0) {
			redisSetTimeout(c, ms_to_tv(REDIS_LINK_CMD_TIMEOUT_MS));
			r = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
					 l->conf.master);
		}
		if (r != NULL && r->type == REDIS_REPLY_ARRAY &&
		    r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    r->element[1]->type == REDIS_REPLY_STRING &&
		    r->element[0]->len > 0 &&
		    r->element[0]->len < sizeof(l->server.host) &&
		    memchr(r->element[0]->str, '\0', r->element[0]->len) == NULL &&
		    r->element[1]->str[0] >= '0' && r->element[1]->str[0] <= '9') {
			port = strtoul(r->element[1]->str, &end, 10);
			found = *end == '\0' && port >= 1 && port <= 65535;
		}
		if (found) {
			memcpy(l->server.host, r->element[0]->str,
			       r->element[0]->len);
			l->server.host[r->element[0]->len] = '\0';
			l->server.port = (uint16_t)port;
			l->sentinel = s;
		}
		if (r != NULL)
			freeReplyObject(r);
		if (c != NULL)
			redisFree(c);
		if (found)
			return NULL;
	}
	return "no Sentinel named the master";
}

/* With Sentinels: is the server we reached the master (not a replica
 * that was one, or one being promoted)?  @return NULL or what is wrong. */
static const char *
link_check_master(struct redis_link *l)
{
	redisReply *r = redisCommand(l->c, "ROLE");
	bool ok = r != NULL && r->type == REDIS_REPLY_ARRAY &&
		  r->elements > 0 && r->element[0]->type == REDIS_REPLY_STRING &&
		  strcmp(r->element[0]->str, "master") == 0;

	/* ["master", offset, [[ip, port, offset], ...]] */
	l->replicas = ok && r->elements >= 3 &&
				      r->element[2]->type == REDIS_REPLY_ARRAY ?
			      (unsigned int)r->element[2]->elements :
			      0;
	if (r != NULL)
		freeReplyObject(r);
	return ok ? NULL : "the server the Sentinels named is not a master";
}

bool
redis_link_ensure(struct redis_link *l, uint64_t now_ms)
{
	const char *why;

	if (l->c != NULL)
		return true;
	if (now_ms < l->next_try_ms)
		return false;
	if (l->conf.n_sentinels > 0) {
		why = link_find_master(l);
		if (why != NULL) {
			redis_link_fail(l, now_ms, why);
			return false;
		}
	}
	l->c = redisConnectWithTimeout(l->server.host, l->server.port,
				       ms_to_tv((uint64_t)l->conf.connect_timeout_s *
						1000));
	if (l->c == NULL) {
		redis_link_fail(l, now_ms, "no memory");
		return false;
	}
	if (l->c->err != 0) {
		redis_link_fail(l, now_ms, l->c->errstr);
		return false;
	}
	redisSetTimeout(l->c, ms_to_tv(REDIS_LINK_CMD_TIMEOUT_MS));
	redisEnableKeepAlive(l->c);
	why = link_login(l);
	if (why == NULL && l->conf.n_sentinels > 0)
		why = link_check_master(l);
	if (why != NULL) {
		redis_link_fail(l, now_ms, why);
		return false;
	}
	l->connects++;
	l->backoff_ms = REDIS_LINK_BACKOFF_MIN_MS;
	l->was_up = true;
	cp_log(CP_LOG_INFO, "fleet.redis_up", "link=%s server=%s:%u db=%u%s",
	       l->name, l->server.host, l->server.port, l->conf.db,
	       l->conf.n_sentinels > 0 ? " via=sentinel" : "");
	return true;
}

/* A write refused by a master that is one no more. */
static bool
reply_readonly(const redisReply *r)
{
	return r->type == REDIS_REPLY_ERROR && r->len >= 8 &&
	       memcmp(r->str, "READONLY", 8) == 0;
}

/* After a command: NULL means the context is broken, or it reached a
 * replica (READONLY), which is then closed. */
static redisReply *
link_checked(struct redis_link *l, uint64_t now_ms, void *reply)
{
	if (reply == NULL) {
		redis_link_fail(l, now_ms,
				l->c->errstr[0] ? l->c->errstr : "no answer");
	} else if (reply_readonly(reply)) {
		freeReplyObject(reply);
		redis_link_fail(l, now_ms, "READONLY: a replica now");
		reply = NULL;
	}
	return reply;
}

redisReply *
redis_link_cmd(struct redis_link *l, uint64_t now_ms, const char *fmt, ...)
{
	va_list ap;
	void *r;

	if (l->c == NULL)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(l->c, fmt, ap);
	va_end(ap);
	return link_checked(l, now_ms, r);
}

redisReply *
redis_link_argv(struct redis_link *l, uint64_t now_ms, int argc,
		const char **argv, const size_t *argvlen)
{
	if (l->c == NULL)
		return NULL;
	return link_checked(l, now_ms,
			    redisCommandArgv(l->c, argc, argv, argvlen));
}

int
redis_link_replies(struct redis_link *l, uint64_t now_ms, redisReply **out,
		   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *r = NULL;

		if (l->c == NULL || redisGetReply(l->c, &r) != REDIS_OK ||
		    r == NULL) {
			for (size_t j = 0; j < i; j++)
				freeReplyObject(out[j]);
			redis_link_fail(l, now_ms,
					l->c != NULL && l->c->errstr[0] ?
						l->c->errstr :
						"no answer");
			return -EIO;
		}
		out[i] = r;
	}
	for (size_t i = 0; i < n; i++)
		if (reply_readonly(out[i])) {
			for (size_t j = 0; j < n; j++)
				freeReplyObject(out[j]);
			redis_link_fail(l, now_ms, "READONLY: a replica now");
			return -EIO;
		}
	return 0;
}

void
redis_link_fini(struct redis_link *l)
{
	if (l->c != NULL)
		redisFree(l->c);
	l->c = NULL;
	OPENSSL_cleanse(l->conf.password, sizeof(l->conf.password));
}
