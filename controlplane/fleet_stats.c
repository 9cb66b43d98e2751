/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The redis-statsdb publisher (see fleet_stats.h).
 *
 * The control thread's side (the enqueue functions) copies an event into
 * one malloc'ed block, reserves its place in the bound with an atomic
 * add, and links it under fs->mu; it signals the thread only when the list
 * was empty, since the thread always takes the whole list.
 *
 * The thread's side (stats_thread_main()) owns the Redis connection and a
 * private list of events taken but not yet answered ("held"): it sends
 * the oldest FLEET_STATS_BATCH of them as one pipeline, reads every
 * answer, and only then frees them; if the connection fails on the way,
 * they stay held, in order, for the next connection.  Idle and connected,
 * it sleeps until signalled; disconnected, it wakes for each attempt of
 * the back-off, so redis_up and the fleet.redis_up/down log lines follow
 * Redis even when no event waits.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <openssl/crypto.h>

#include "cp_log.h"
#include "fleet_stats.h"
#include "redis_link.h"

/* Commands per event at most (a deletion: DEL and three PUBLISH). */
#define EVENT_CMDS_MAX 4

enum event_kind {
	EV_NEW,
	EV_REFRESHED,
	EV_TRAFFIC,
	EV_DELETED,
};

/* One event as queued: everything copied, the names after the struct. */
struct fleet_stats_event {
	struct fleet_stats_event *next;
	uint8_t kind; /* enum event_kind */
	bool has_peer;
	bool has_tls_version, has_tls_cipher;
	uint32_t lifetime_s;
	uint64_t id;
	uint8_t transport;
	struct tp_addr local, remote;
	struct fleet_stats_traffic t, peer;
	uint16_t realm_len, user_len, version_len;
	/* realm, user (user_len bytes), TLS version, TLS cipher; each with a
	 * NUL after it. */
	char text[];
};

static const char *const counter_names[] = {
#define FLEET_STATS_X_NAME(name, desc) #name,
	FLEET_STATS_COUNTER_LIST(FLEET_STATS_X_NAME)
#undef FLEET_STATS_X_NAME
};

const char *
fleet_stats_counter_name(enum fleet_stats_counter c)
{
	return (unsigned int)c < FLEET_STATS_C__COUNT ? counter_names[c] : "?";
}

uint64_t
fleet_stats_counter(const struct fleet_stats *fs, enum fleet_stats_counter c)
{
	if ((unsigned int)c >= FLEET_STATS_C__COUNT)
		return 0;
	return atomic_load_explicit(&fs->c[c], memory_order_relaxed);
}

static void
count(struct fleet_stats *fs, enum fleet_stats_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&fs->c[c], n, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* The control thread's side                                           */
/* ------------------------------------------------------------------ */

/* Free @p n events' places in the bound. */
static void
pending_release(struct fleet_stats *fs, unsigned int n)
{
	atomic_fetch_sub_explicit(&fs->pending, n, memory_order_relaxed);
}

/* A new event for @p a with room for its names, or NULL (counted). */
static struct fleet_stats_event *
event_new(struct fleet_stats *fs, enum event_kind kind,
	  const struct fleet_stats_alloc *a,
	  const struct fleet_stats_session *s, int *rc)
{
	const char *realm = a->realm != NULL ? a->realm : "";
	size_t realm_len = strnlen(realm, FLEET_STATS_REALM_MAX + 1);
	size_t version_len = 0, cipher_len = 0;
	struct fleet_stats_event *ev;
	char *p;

	if (realm_len > FLEET_STATS_REALM_MAX ||
	    a->user_len > FLEET_STATS_USER_MAX ||
	    (a->user == NULL && a->user_len != 0)) {
		count(fs, FLEET_STATS_C_invalid, 1);
		*rc = -ENAMETOOLONG;
		return NULL;
	}
	if (s != NULL && s->tls_version != NULL)
		version_len = strnlen(s->tls_version, FLEET_STATS_TLS_NAME_MAX);
	if (s != NULL && s->tls_cipher != NULL)
		cipher_len = strnlen(s->tls_cipher, FLEET_STATS_TLS_NAME_MAX);
	/* The place first: a full queue costs no malloc. */
	if (atomic_fetch_add_explicit(&fs->pending, 1, memory_order_relaxed) >=
	    FLEET_STATS_QUEUE_MAX) {
		pending_release(fs, 1);
		count(fs, FLEET_STATS_C_dropped, 1);
		*rc = -ENOBUFS;
		return NULL;
	}
	ev = calloc(1, sizeof(*ev) + realm_len + a->user_len + version_len +
			       cipher_len + 4);
	if (ev == NULL) {
		pending_release(fs, 1);
		count(fs, FLEET_STATS_C_dropped, 1);
		*rc = -ENOMEM;
		return NULL;
	}
	ev->kind = (uint8_t)kind;
	ev->id = a->id;
	ev->realm_len = (uint16_t)realm_len;
	ev->user_len = (uint16_t)a->user_len;
	ev->version_len = (uint16_t)version_len;
	p = ev->text;
	memcpy(p, realm, realm_len);
	p += realm_len + 1;
	if (a->user_len > 0)
		memcpy(p, a->user, a->user_len);
	p += a->user_len + 1;
	if (s != NULL) {
		ev->transport = s->transport;
		ev->local = s->local;
		ev->remote = s->remote;
		ev->has_tls_version = s->tls_version != NULL;
		ev->has_tls_cipher = s->tls_cipher != NULL;
		if (version_len > 0)
			memcpy(p, s->tls_version, version_len);
		p += version_len + 1;
		if (cipher_len > 0)
			memcpy(p, s->tls_cipher, cipher_len);
	}
	return ev;
}

/* Link @p ev for the thread.  @return 0 or -ESHUTDOWN (freed, counted). */
static int
event_link(struct fleet_stats *fs, struct fleet_stats_event *ev)
{
	bool was_empty;

	ev->next = NULL;
	pthread_mutex_lock(&fs->mu);
	if (fs->stopping) {
		pthread_mutex_unlock(&fs->mu);
		free(ev);
		pending_release(fs, 1);
		count(fs, FLEET_STATS_C_dropped, 1);
		return -ESHUTDOWN;
	}
	was_empty = fs->head == NULL;
	*fs->tail = ev;
	fs->tail = &ev->next;
	pthread_mutex_unlock(&fs->mu);
	/* A list that was not empty was signalled for already, and the
	 * thread takes it whole. */
	if (was_empty)
		pthread_cond_signal(&fs->work);
	count(fs, FLEET_STATS_C_queued, 1);
	return 0;
}

/* The enqueue functions' common part. */
static int
enqueue(struct fleet_stats *fs, enum event_kind kind,
	const struct fleet_stats_alloc *a, uint32_t lifetime_s,
	const struct fleet_stats_session *s, const struct fleet_stats_traffic *t,
	const struct fleet_stats_traffic *peer)
{
	struct fleet_stats_event *ev;
	int rc = 0;

	/* No publisher (no redis-statsdb, or stopped): nothing is lost
	 * that anyone asked for, so nothing is counted. */
	if (!fs->running)
		return -ESHUTDOWN;
	ev = event_new(fs, kind, a, s, &rc);
	if (ev == NULL)
		return rc;
	ev->lifetime_s = lifetime_s;
	if (t != NULL)
		ev->t = *t;
	if (peer != NULL) {
		ev->peer = *peer;
		ev->has_peer = true;
	}
	return event_link(fs, ev);
}

int
fleet_stats_alloc_new(struct fleet_stats *fs, const struct fleet_stats_alloc *a,
		      uint32_t lifetime_s, const struct fleet_stats_session *s)
{
	return enqueue(fs, EV_NEW, a, lifetime_s, s, NULL, NULL);
}

int
fleet_stats_alloc_refreshed(struct fleet_stats *fs,
			    const struct fleet_stats_alloc *a,
			    uint32_t lifetime_s,
			    const struct fleet_stats_session *s)
{
	return enqueue(fs, EV_REFRESHED, a, lifetime_s, s, NULL, NULL);
}

int
fleet_stats_alloc_traffic(struct fleet_stats *fs,
			  const struct fleet_stats_alloc *a,
			  const struct fleet_stats_traffic *client,
			  const struct fleet_stats_traffic *peer)
{
	return enqueue(fs, EV_TRAFFIC, a, 0, NULL, client, peer);
}

int
fleet_stats_alloc_deleted(struct fleet_stats *fs,
			  const struct fleet_stats_alloc *a,
			  const struct fleet_stats_traffic *total,
			  const struct fleet_stats_traffic *peer_total)
{
	return enqueue(fs, EV_DELETED, a, 0, NULL, total, peer_total);
}

/* ------------------------------------------------------------------ */
/* The thread's side                                                   */
/* ------------------------------------------------------------------ */

/* The thread's own state. */
struct stats_thread {
	struct fleet_stats *fs;
	struct redis_link link;
	struct fleet_stats_event *held; /* taken, not yet answered */
	struct fleet_stats_event **held_tail;
	uint64_t connects, failures; /* the link's, as last counted */
	uint64_t last_warn_ms;
	uint64_t refused_since_warn;
};

/* Append one command: @p cmd @p key, and @p val unless NULL.
 * @return 0 or -ENOMEM. */
static int
append3(redisContext *c, const char *cmd, const char *key, size_t key_len,
	const char *val, size_t val_len)
{
	const char *argv[3] = { cmd, key, val };
	size_t lens[3] = { strlen(cmd), key_len, val_len };
	int argc = val != NULL ? 3 : 2;

	if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK)
		return -ENOMEM;
	return 0;
}

/* Append one PUBLISH of @p t on topic @p which. */
static int
append_traffic(redisContext *c, const struct fleet_stats_alloc *a,
	       enum fleet_stats_topic which, const struct fleet_stats_traffic *t)
{
	char topic[FLEET_STATS_TOPIC_MAX], text[FLEET_STATS_TEXT_MAX];
	int tn = fleet_stats_topic_format(topic, sizeof(topic), a, which);
	int xn = fleet_stats_traffic_format(text, sizeof(text), t);

	if (tn < 0 || xn < 0)
		return -EINVAL;
	return append3(c, "PUBLISH", topic, (size_t)tn, text, (size_t)xn);
}

/* A new or refreshed status: SET and PUBLISH of the same text. */
static int
append_status(redisContext *c, const struct fleet_stats_event *ev,
	      const struct fleet_stats_alloc *a)
{
	const char *version = ev->text + ev->realm_len + 1 + ev->user_len + 1;
	struct fleet_stats_session s = {
		.transport = ev->transport,
		.local = ev->local,
		.remote = ev->remote,
		.tls_version = ev->has_tls_version ? version : NULL,
		.tls_cipher = ev->has_tls_cipher ? version + ev->version_len + 1 :
						   NULL,
	};
	char topic[FLEET_STATS_TOPIC_MAX], text[FLEET_STATS_TEXT_MAX];
	int tn = fleet_stats_topic_format(topic, sizeof(topic), a,
					  FLEET_TOPIC_STATUS);
	int xn = fleet_stats_status_format(text, sizeof(text),
					   ev->kind == EV_REFRESHED,
					   ev->lifetime_s, &s);

	if (tn < 0 || xn < 0)
		return -EINVAL;
	if (append3(c, "SET", topic, (size_t)tn, text, (size_t)xn) != 0 ||
	    append3(c, "PUBLISH", topic, (size_t)tn, text, (size_t)xn) != 0)
		return -ENOMEM;
	return 0;
}

/* The end: DEL and "deleted" on status, then the totals. */
static int
append_deleted(redisContext *c, const struct fleet_stats_event *ev,
	       const struct fleet_stats_alloc *a)
{
	static const char deleted[] = "deleted";
	char topic[FLEET_STATS_TOPIC_MAX];
	int tn = fleet_stats_topic_format(topic, sizeof(topic), a,
					  FLEET_TOPIC_STATUS);

	if (tn < 0)
		return -EINVAL;
	if (append3(c, "DEL", topic, (size_t)tn, NULL, 0) != 0 ||
	    append3(c, "PUBLISH", topic, (size_t)tn, deleted,
		    sizeof(deleted) - 1) != 0)
		return -ENOMEM;
	if (append_traffic(c, a, FLEET_TOPIC_TOTAL_TRAFFIC, &ev->t) != 0)
		return -ENOMEM;
	if (ev->has_peer &&
	    append_traffic(c, a, FLEET_TOPIC_TOTAL_TRAFFIC_PEER, &ev->peer) != 0)
		return -ENOMEM;
	return 0;
}

/* How many commands event_append() sends for @p ev. */
static unsigned int
event_cmds(const struct fleet_stats_event *ev)
{
	switch (ev->kind) {
	case EV_NEW:
	case EV_REFRESHED:
		return 2;
	case EV_TRAFFIC:
		return 1 + ev->has_peer;
	default:
		return 3 + ev->has_peer;
	}
}

/* Append @p ev's commands to the pipeline.  @return 0 or -errno. */
static int
event_append(redisContext *c, const struct fleet_stats_event *ev)
{
	struct fleet_stats_alloc a = {
		.realm = ev->text,
		.user = ev->text + ev->realm_len + 1,
		.user_len = ev->user_len,
		.id = ev->id,
	};
	int rc;

	switch (ev->kind) {
	case EV_NEW:
	case EV_REFRESHED:
		return append_status(c, ev, &a);
	case EV_TRAFFIC:
		rc = append_traffic(c, &a, FLEET_TOPIC_TRAFFIC, &ev->t);
		if (rc == 0 && ev->has_peer)
			rc = append_traffic(c, &a, FLEET_TOPIC_TRAFFIC_PEER,
					    &ev->peer);
		return rc;
	default:
		return append_deleted(c, ev, &a);
	}
}

/* Log refused events: the first at once, then one line per
 * FLEET_STATS_WARN_MS with how many since.  Redis's error text is kept
 * readable, its quotes and control bytes made '?'. */
static void
warn_refused(struct stats_thread *st, const redisReply *r, uint64_t now)
{
	char why[81];
	size_t n = r->len < sizeof(why) - 1 ? r->len : sizeof(why) - 1;

	st->refused_since_warn++;
	if (st->last_warn_ms != 0 && now - st->last_warn_ms < FLEET_STATS_WARN_MS)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = r->str[i];

		why[i] = c >= 0x20 && c < 0x7f && c != '"' ? c : '?';
	}
	why[n] = '\0';
	cp_log(CP_LOG_WARN, "statsdb.refused", "events=%llu error=\"%s\"",
	       (unsigned long long)st->refused_since_warn, why);
	st->last_warn_ms = now;
	st->refused_since_warn = 0;
}

/*
 * Send the oldest FLEET_STATS_BATCH held events as one pipeline and read
 * every answer; the answered ones leave the held list.  @return 0, or
 * -EIO when the connection failed (it is down; the events stay held).
 */
static int
publish_batch(struct stats_thread *st)
{
	redisReply *r[FLEET_STATS_BATCH * EVENT_CMDS_MAX];
	struct fleet_stats_event *ev;
	redisContext *c = st->link.c;
	size_t ncmd = 0, k = 0;
	unsigned int n = 0;

	for (ev = st->held; ev != NULL && n < FLEET_STATS_BATCH; ev = ev->next) {
		/* Names were checked when queued: nothing else fails here
		 * but memory, and that is the connection's problem. */
		if (event_append(c, ev) != 0) {
			redis_link_fail(&st->link, redis_link_now_ms(),
					"no memory");
			return -EIO;
		}
		ncmd += event_cmds(ev);
		n++;
	}
	if (redis_link_replies(&st->link, redis_link_now_ms(), r, ncmd) != 0)
		return -EIO;
	for (unsigned int i = 0; i < n; i++) {
		const redisReply *bad = NULL;

		ev = st->held;
		for (unsigned int j = event_cmds(ev); j > 0; j--, k++)
			if (r[k]->type == REDIS_REPLY_ERROR && bad == NULL)
				bad = r[k];
		if (bad != NULL) {
			count(st->fs, FLEET_STATS_C_failed, 1);
			warn_refused(st, bad, redis_link_now_ms());
		} else {
			count(st->fs, FLEET_STATS_C_published, 1);
		}
		st->held = ev->next;
		free(ev);
	}
	for (size_t i = 0; i < ncmd; i++)
		freeReplyObject(r[i]);
	if (st->held == NULL)
		st->held_tail = &st->held;
	pending_release(st->fs, n);
	return 0;
}

/* Mirror the link's state in the counters. */
static void
link_sync(struct stats_thread *st)
{
	struct fleet_stats *fs = st->fs;

	count(fs, FLEET_STATS_C_connects, st->link.connects - st->connects);
	count(fs, FLEET_STATS_C_link_failures, st->link.failures - st->failures);
	st->connects = st->link.connects;
	st->failures = st->link.failures;
	atomic_store_explicit(&fs->c[FLEET_STATS_C_redis_up],
			      redis_link_up(&st->link) ? 1 : 0,
			      memory_order_relaxed);
}

/* Whether fleet_stats_stop() was called: checked between batches, so a
 * long backlog does not hold a stop up. */
static bool
stop_requested(struct fleet_stats *fs)
{
	bool stopping;

	pthread_mutex_lock(&fs->mu);
	stopping = fs->stopping;
	pthread_mutex_unlock(&fs->mu);
	return stopping;
}

/* Connect if due, then send what is held while the link holds. */
static void
publish_held(struct stats_thread *st)
{
	bool up = redis_link_ensure(&st->link, redis_link_now_ms());

	/* The connection counted before what it publishes. */
	link_sync(st);
	if (!up)
		return;
	while (st->held != NULL && !stop_requested(st->fs) &&
	       publish_batch(st) == 0)
		;
	link_sync(st);
}

/* Wait for events, a stop, or the next connection attempt; then take the
 * queue.  @return whether to stop. */
static bool
wait_and_take(struct stats_thread *st)
{
	struct fleet_stats *fs = st->fs;
	bool down = !redis_link_up(&st->link), stopping;

	pthread_mutex_lock(&fs->mu);
	while (fs->head == NULL && !fs->stopping) {
		uint64_t next = st->link.next_try_ms;
		struct timespec until;

		if (!down) {
			pthread_cond_wait(&fs->work, &fs->mu);
			continue;
		}
		if (redis_link_now_ms() >= next)
			break;
		until.tv_sec = (time_t)(next / 1000);
		until.tv_nsec = (long)(next % 1000) * 1000000L;
		pthread_cond_timedwait(&fs->work, &fs->mu, &until);
	}
	if (fs->head != NULL) {
		*st->held_tail = fs->head;
		st->held_tail = fs->tail;
		fs->head = NULL;
		fs->tail = &fs->head;
	}
	stopping = fs->stopping;
	pthread_mutex_unlock(&fs->mu);
	return stopping;
}

/* At stop: what is held is sent if connected, for FLEET_STATS_STOP_MS at
 * most; the rest dropped. */
static void
drain_at_stop(struct stats_thread *st)
{
	uint64_t until = redis_link_now_ms() + FLEET_STATS_STOP_MS;
	unsigned int left = 0;

	while (st->held != NULL && redis_link_up(&st->link) &&
	       redis_link_now_ms() < until && publish_batch(st) == 0)
		;
	while (st->held != NULL) {
		struct fleet_stats_event *ev = st->held;

		st->held = ev->next;
		free(ev);
		left++;
	}
	st->held_tail = &st->held;
	pending_release(st->fs, left);
	count(st->fs, FLEET_STATS_C_dropped, left);
	if (left > 0)
		cp_log(CP_LOG_WARN, "statsdb.lost", "events=%u reason=stopping",
		       left);
}

static void *
stats_thread_main(void *arg)
{
	struct stats_thread st = { .fs = arg };

	st.held_tail = &st.held;
	redis_link_init(&st.link, &st.fs->conf, "statsdb");
	for (;;) {
		bool stopping = wait_and_take(&st);

		if (stopping)
			break;
		publish_held(&st);
	}
	drain_at_stop(&st);
	redis_link_fini(&st.link);
	atomic_store_explicit(&st.fs->c[FLEET_STATS_C_redis_up], 0,
			      memory_order_relaxed);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                      */
/* ------------------------------------------------------------------ */

int
fleet_stats_start(struct fleet_stats *fs, const struct redis_conf *conf,
		  char *err, size_t err_len)
{
	pthread_condattr_t ca;
	int rc;

	memset(fs, 0, sizeof(*fs));
	fs->conf = *conf;
	fs->tail = &fs->head;
	pthread_mutex_init(&fs->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&fs->work, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&fs->thread, NULL, stats_thread_main, fs);
	if (rc != 0) {
		snprintf(err, err_len, "redis-statsdb: cannot start a thread: %s",
			 strerror(rc));
		pthread_cond_destroy(&fs->work);
		pthread_mutex_destroy(&fs->mu);
		return -rc;
	}
	pthread_setname_np(fs->thread, "tp-statsdb");
	fs->running = true;
	if (conf->n_sentinels > 0)
		cp_log(CP_LOG_INFO, "statsdb.start",
		       "server=sentinel master=%s db=%u", conf->master, conf->db);
	else
		cp_log(CP_LOG_INFO, "statsdb.start", "server=%s:%u db=%u",
		       conf->host, conf->port, conf->db);
	return 0;
}

void
fleet_stats_stop(struct fleet_stats *fs)
{
	if (!fs->running)
		return;
	pthread_mutex_lock(&fs->mu);
	fs->stopping = true;
	pthread_mutex_unlock(&fs->mu);
	pthread_cond_signal(&fs->work);
	pthread_join(fs->thread, NULL);
	fs->running = false;
	/* Nothing can be queued once stopping is set; the thread took the
	 * rest. */
	pthread_cond_destroy(&fs->work);
	pthread_mutex_destroy(&fs->mu);
	OPENSSL_cleanse(fs->conf.password, sizeof(fs->conf.password));
}
