/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fleet thread (see fleet.h for what it does and why).
 *
 * DESIGN.  The thread owns two Redis connections: `cmd` for commands and
 * `sub` subscribed to FLEET_CHANNEL (a subscribed connection can do
 * nothing else), plus `push`, the push pipeline's store thread's own.  It
 * waits in poll(2) on an eventfd (the control thread queued requests)
 * and on the subscribed socket, for at most TICK_MS, and then:
 *
 *   1. reconnects what is down (redis_link.h backs off);
 *   2. after (re)connecting `cmd`: takes a new instance id and asks the
 *      control thread for its counts (FLEET_ANS_SNAPSHOT), and reads every
 *      pushed item again (FLEET_ANS_CHANGE each, then FLEET_ANS_NAMES);
 *   3. runs the queued requests in order (ACQUIRE, HOLD, RELEASE, the
 *      snapshot's COUNTs, then SNAPSHOT, which registers the lease);
 *   4. reads announcements and hands each changed item over;
 *   5. renews the lease (with the load) every lease / 3, and reads the
 *      fleet's loads every second.
 *
 * Why a new instance id after any loss of Redis: while we could not
 * reach it, allocations ended that Redis still counts for us, and our
 * lease may have lapsed and our fields been dropped by others.  Rather
 * than patch the old counts, the old id is dropped (its lease deleted,
 * so its counts stop counting at once) and the true counts written under
 * a new one.
 *
 * Runs on its own thread; fleet_submit(), fleet_take() and
 * fleet_set_load() on the control thread.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cp_log.h"
#include "fleet.h"
#include "fleet_creds.h"
#include "fleet_store.h"

/* Longest wait in poll, milliseconds. */
#define TICK_MS 50
/* How often the fleet's loads are read. */
#define PEERS_EVERY_MS 1000
/* Redis keys of the fleet's own. */
#define KEY_RELAYS "turnpike/fleet/relays"
#define KEY_LOAD "turnpike/fleet/load"
#define KEY_QUOTA_FMT "turnpike/quota/%s/%s"

/*
 * KEYS[1] the relays' leases; KEYS[2..] quota hashes.  ARGV[1] our id,
 * ARGV[i] the limit of KEYS[i] (0 = count only).  Returns 0 (counted),
 * i - 1 >= 1 (KEYS[i]'s limit reached), or -1 (our lease is not live).
 */
static const char script_acquire[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local function live(id)\n"
	"  local d = tonumber(redis.call('HGET', KEYS[1], id))\n"
	"  return d ~= nil and d > now\n"
	"end\n"
	"if not live(ARGV[1]) then return -1 end\n"
	"for i = 2, #KEYS do\n"
	"  local lim = tonumber(ARGV[i]) or 0\n"
	"  if lim > 0 then\n"
	"    local h = redis.call('HGETALL', KEYS[i])\n"
	"    local sum = 0\n"
	"    for j = 1, #h, 2 do\n"
	"      if live(h[j]) then sum = sum + (tonumber(h[j + 1]) or 0)\n"
	"      else redis.call('HDEL', KEYS[i], h[j]) end\n"
	"    end\n"
	"    if sum >= lim then return i - 1 end\n"
	"  end\n"
	"end\n"
	"for i = 2, #KEYS do redis.call('HINCRBY', KEYS[i], ARGV[1], 1) end\n"
	"return 0\n";

/* KEYS: quota hashes; ARGV[1] our id. */
static const char script_release[] =
	"for i = 1, #KEYS do\n"
	"  if redis.call('HINCRBY', KEYS[i], ARGV[1], -1) <= 0 then\n"
	"    redis.call('HDEL', KEYS[i], ARGV[1])\n"
	"  end\n"
	"end\n"
	"return 0\n";

/*
 * KEYS[1] leases, KEYS[2] loads; ARGV[1] our id, ARGV[2] lease ms,
 * ARGV[3] our load, ARGV[4] "1" to register (after a reconcile).
 * Returns 1, or 0 when our lease had lapsed and this was no registration.
 * Forgets relays dead for a minute.
 */
static const char script_lease[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local d = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))\n"
	"if ARGV[4] ~= '1' and (d == nil or d <= now) then return 0 end\n"
	"redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))\n"
	"redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])\n"
	"local all = redis.call('HGETALL', KEYS[1])\n"
	"for j = 1, #all, 2 do\n"
	"  local e = tonumber(all[j + 1])\n"
	"  if e == nil or e + 60000 < now then\n"
	"    redis.call('HDEL', KEYS[1], all[j])\n"
	"    redis.call('HDEL', KEYS[2], all[j])\n"
	"  end\n"
	"end\n"
	"return 1\n";

/* KEYS[1] leases, KEYS[2] loads.  Returns id, load, id, load, ... of the
 * relays whose lease is live. */
static const char script_peers[] =
	"local t = redis.call('TIME')\n"
	"local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
	"local all = redis.call('HGETALL', KEYS[2])\n"
	"local out = {}\n"
	"for j = 1, #all, 2 do\n"
	"  local d = tonumber(redis.call('HGET', KEYS[1], all[j]))\n"
	"  if d ~= nil and d > now then\n"
	"    out[#out + 1] = all[j]\n"
	"    out[#out + 1] = all[j + 1]\n"
	"  end\n"
	"end\n"
	"return out\n";

/* ---- the queues ---- */

void
fleet_submit(struct fleet *f, struct fleet_req *req)
{
	uint64_t one = 1;

	req->next = NULL;
	pthread_mutex_lock(&f->mu);
	*f->reqs_tail = req;
	f->reqs_tail = &req->next;
	pthread_mutex_unlock(&f->mu);
	if (write(f->wake_fd, &one, sizeof(one)) < 0) {
		/* The counter is full: the thread is awake anyway. */
	}
}

struct fleet_ans *
fleet_take(struct fleet *f)
{
	struct fleet_ans *list;

	if (f->answers == NULL || pthread_mutex_trylock(&f->mu) != 0)
		return NULL;
	list = f->answers;
	f->answers = NULL;
	f->answers_tail = &f->answers;
	pthread_mutex_unlock(&f->mu);
	return list;
}

void
fleet_ans_free(struct fleet_ans *a)
{
	if (a == NULL)
		return;
	if (a->op != NULL) {
		push_op_wipe(a->op);
		free(a->op);
	}
	for (size_t i = 0; i < a->n_names; i++)
		free(a->names[i]);
	free(a->names);
	free(a);
}

static void
answer(struct fleet *f, struct fleet_ans *a)
{
	a->next = NULL;
	pthread_mutex_lock(&f->mu);
	*f->answers_tail = a;
	f->answers_tail = &a->next;
	pthread_mutex_unlock(&f->mu);
}

static struct fleet_ans *
ans_new(enum fleet_ans_kind kind)
{
	struct fleet_ans *a = calloc(1, sizeof(*a));

	if (a != NULL)
		a->kind = kind;
	return a;
}

void
fleet_set_load(struct fleet *f, const struct fleet_load *l)
{
	atomic_store_explicit(&f->load_allocations, l->allocations,
			      memory_order_relaxed);
	atomic_store_explicit(&f->load_relayed_pps, l->relayed_pps,
			      memory_order_relaxed);
	atomic_store_explicit(&f->load_busiest_pps, l->busiest_worker_pps,
			      memory_order_relaxed);
	atomic_store_explicit(&f->load_draining, l->draining,
			      memory_order_relaxed);
}

/* ---- secrets' old bytes ---- */

static struct fleet_secret *
secret_find(struct fleet *f, const char *id, size_t len)
{
	for (unsigned int i = 0; i < f->n_secrets; i++)
		if (strlen(f->secrets[i].id) == len &&
		    memcmp(f->secrets[i].id, id, len) == 0)
			return &f->secrets[i];
	return NULL;
}

/* Remember (or forget, @v NULL) what secret @id holds now; fills
 * @op->prev with what it held.  Under f->mu. */
static void
secret_note(struct fleet *f, struct push_op *op, const struct push_value *v)
{
	struct fleet_secret *s = secret_find(f, op->name, op->name_len);

	if (s != NULL) {
		memcpy(op->prev.secret, s->bytes, s->len);
		op->prev.secret_len = s->len;
		op->had_prev = true;
	}
	if (v == NULL) {
		if (s != NULL) {
			OPENSSL_cleanse(s, sizeof(*s));
			*s = f->secrets[--f->n_secrets];
		}
		return;
	}
	if (s == NULL && f->n_secrets < sizeof(f->secrets) / sizeof(f->secrets[0]))
		s = &f->secrets[f->n_secrets++];
	if (s == NULL)
		return;
	memcpy(s->id, op->name, op->name_len);
	s->id[op->name_len] = '\0';
	memcpy(s->bytes, v->secret, v->secret_len);
	s->len = v->secret_len;
}

/* ---- credentials: another relay's change, the full read ---- */

/* Hand @op (a read item: PUT with its value, or DEL) to the control
 * thread. */
static void
hand_over(struct fleet *f, const struct push_op *read)
{
	struct fleet_ans *a = ans_new(FLEET_ANS_CHANGE);
	struct push_op *op = malloc(sizeof(*op));

	if (a == NULL || op == NULL) {
		free(a);
		free(op);
		return;
	}
	*op = *read;
	op->status = 0;
	op->had_prev = false;
	if (op->kind == PUSH_SECRET) {
		pthread_mutex_lock(&f->mu);
		secret_note(f, op, op->verb == PUSH_PUT ? &op->value : NULL);
		pthread_mutex_unlock(&f->mu);
	}
	a->op = op;
	answer(f, a);
}

static void
announcement(struct fleet *f, const redisReply *m, uint64_t now_ms)
{
	struct push_op op = { 0 };
	const char *origin, *name;
	size_t olen, nlen;
	int rc;

	/* ["message", channel, payload] */
	if (m->type != REDIS_REPLY_ARRAY || m->elements != 3 ||
	    m->element[2]->type != REDIS_REPLY_STRING)
		return;
	if (fleet_msg_parse(m->element[2]->str, m->element[2]->len, &origin,
			    &olen, &op.kind, &name, &nlen) != 0) {
		atomic_fetch_add(&f->c.refused, 1);
		cp_log(CP_LOG_WARN, "fleet.refused",
		       "channel=%s reason=\"not an announcement\" bytes=%zu",
		       FLEET_CHANNEL, m->element[2]->len);
		return;
	}
	if (olen == strlen(f->base_id) + 0 &&
	    memcmp(origin, f->base_id, olen) == 0)
		return; /* ours: applied already */
	memcpy(op.name, name, nlen);
	op.name_len = nlen;
	rc = fleet_store_read(&f->cmd, f->realm, &op, (int64_t)time(NULL),
			      now_ms);
	if (rc == -EIO)
		return;    /* the full read after reconnecting catches up */
	if (rc == -EINVAL) /* logged; handed over as a delete */
		atomic_fetch_add(&f->c.refused, 1);
	atomic_fetch_add(&f->c.changes_in, 1);
	hand_over(f, &op);
	push_op_wipe(&op);
}

struct names {
	char **v;
	size_t n, cap;
	bool short_of_memory; /* a partial list would delete users */
};

static void
scan_item(void *arg, struct push_op *op)
{
	void **ctx = arg;
	struct fleet *f = ctx[0];
	struct names *names = ctx[1];

	hand_over(f, op);
	if (op->kind != PUSH_USER)
		return;
	if (names->n == names->cap) {
		size_t cap = names->cap ? names->cap * 2 : 256;
		char **v = realloc(names->v, cap * sizeof(*v));

		if (v == NULL) {
			names->short_of_memory = true;
			return;
		}
		names->v = v;
		names->cap = cap;
	}
	names->v[names->n] = strndup(op->name, op->name_len);
	if (names->v[names->n] != NULL)
		names->n++;
	else
		names->short_of_memory = true;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read every pushed item; tell the control thread which users exist.
 * @return 0 or -EIO. */
static int
full_read(struct fleet *f, uint64_t now_ms)
{
	static const enum push_kind kinds[] = { PUSH_USER, PUSH_SECRET,
						PUSH_OAUTH_KEY };
	struct names names = { 0 };
	void *ctx[2] = { f, &names };
	struct fleet_ans *a;
	int total = 0;

	for (size_t i = 0; i < 3; i++) {
		int n = fleet_store_scan(&f->cmd, f->realm, kinds[i],
					 (int64_t)time(NULL), now_ms, scan_item,
					 ctx);

		if (n < 0) {
			for (size_t j = 0; j < names.n; j++)
				free(names.v[j]);
			free(names.v);
			return -EIO;
		}
		total += n;
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), name_cmp);
	a = names.short_of_memory ? NULL : ans_new(FLEET_ANS_NAMES);
	if (a == NULL) {
		for (size_t j = 0; j < names.n; j++)
			free(names.v[j]);
		free(names.v);
		return 0;
	}
	a->names = names.v;
	a->n_names = names.n;
	answer(f, a);
	cp_log(CP_LOG_INFO, "fleet.synced", "items=%d users=%zu instance=%s",
	       total, names.n, f->instance);
	return 0;
}

/* ---- quotas and the lease ---- */

static int
quota_key(char *out, size_t cap, const struct fleet *f, const char *key)
{
	int n = snprintf(out, cap, KEY_QUOTA_FMT, f->realm, key);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Most arguments of one EVAL: EVAL, script, numkeys, first, keys, args. */
#define EVAL_ARGC_MAX (3 + 1 + FLEET_QUOTA_KEYS + 4 + FLEET_QUOTA_KEYS)
/* Acquires sent at once, their answers read after (one round trip). */
#define ACQUIRE_BATCH 64

/* The arguments of EVAL @script over KEYS = @first (if any) and @keys,
 * ARGV = @args; @nk holds the key count's text.  @return argc. */
static int
eval_argv(const char *script, const char *first, char keys[][FLEET_KEY_MAX],
	  unsigned int n_keys, const char **args, unsigned int n_args,
	  const char **argv, size_t *len, char nk[8])
{
	int argc = 0;

	snprintf(nk, 8, "%u", n_keys + (first != NULL));
	argv[argc++] = "EVAL";
	argv[argc++] = script;
	argv[argc++] = nk;
	if (first != NULL)
		argv[argc++] = first;
	for (unsigned int i = 0; i < n_keys; i++)
		argv[argc++] = keys[i];
	for (unsigned int i = 0; i < n_args; i++)
		argv[argc++] = args[i];
	for (int i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	return argc;
}

/* A script's integer answer (@r is freed), or INT64_MIN. */
static int64_t
eval_result(redisReply *r)
{
	int64_t v;

	if (r == NULL)
		return INT64_MIN;
	if (r->type != REDIS_REPLY_INTEGER) {
		cp_log(CP_LOG_WARN, "fleet.script_failed", "reason=\"%s\"",
		       r->type == REDIS_REPLY_ERROR ? r->str : "not a number");
		freeReplyObject(r);
		return INT64_MIN;
	}
	v = r->integer;
	freeReplyObject(r);
	return v;
}

/* EVAL @script, one round trip.  @return the integer answer, or
 * INT64_MIN when Redis failed. */
static int64_t
eval(struct fleet *f, const char *script, const char *first,
     char keys[][FLEET_KEY_MAX], unsigned int n_keys, const char **args,
     unsigned int n_args, uint64_t now_ms)
{
	const char *argv[EVAL_ARGC_MAX];
	size_t len[EVAL_ARGC_MAX];
	char nk[8];
	int argc = eval_argv(script, first, keys, n_keys, args, n_args, argv,
			     len, nk);

	return eval_result(redis_link_argv(&f->cmd, now_ms, argc, argv, len));
}

/* Answer an acquire whose script said @v (INT64_MIN: no answer). */
static void
acquire_answer(struct fleet *f, const struct fleet_req *q, int64_t v)
{
	struct fleet_ans *a = ans_new(FLEET_ANS_QUOTA);

	if (a == NULL)
		return;
	a->ticket = q->ticket;
	if (v == 0) {
		a->verdict = FLEET_GRANTED;
		atomic_fetch_add(&f->c.acquired, 1);
	} else if (v > 0 && v <= q->n_keys) {
		a->verdict = FLEET_DENIED;
		a->deny_key = (uint8_t)(v - 1);
		atomic_fetch_add(&f->c.denied, 1);
	} else {
		a->verdict = FLEET_UNAVAILABLE;
		atomic_fetch_add(&f->c.unavailable, 1);
	}
	answer(f, a);
}

/*
 * @p n acquires (at most ACQUIRE_BATCH) in one round trip: every EVAL is
 * written, then every answer read (Redis runs them in order, each atomic
 * on its own).  Without a lease, or when Redis fails, each is answered
 * FLEET_UNAVAILABLE and the control thread counts it locally.
 */
static void
quota_acquire_batch(struct fleet *f, struct fleet_req *const *q, unsigned int n,
		    uint64_t now_ms)
{
	redisReply *r[ACQUIRE_BATCH];
	int64_t v[ACQUIRE_BATCH];
	unsigned int sent = 0;

	for (unsigned int i = 0; i < n; i++)
		v[i] = INT64_MIN;
	for (unsigned int i = 0;
	     f->registered && redis_link_up(&f->cmd) && i < n; i++) {
		char keys[FLEET_QUOTA_KEYS][FLEET_KEY_MAX];
		char lim[FLEET_QUOTA_KEYS][12], nk[8];
		const char *args[1 + FLEET_QUOTA_KEYS], *argv[EVAL_ARGC_MAX];
		size_t len[EVAL_ARGC_MAX];
		int argc;
		bool ok = true;

		args[0] = f->instance;
		for (unsigned int k = 0; ok && k < q[i]->n_keys; k++) {
			ok = quota_key(keys[k], sizeof(keys[k]), f,
				       q[i]->key[k]) == 0;
			snprintf(lim[k], sizeof(lim[k]), "%" PRIu32,
				 q[i]->limit[k]);
			args[1 + k] = lim[k];
		}
		if (!ok)
			break; /* the rest go unsent: UNAVAILABLE */
		argc = eval_argv(script_acquire, KEY_RELAYS, keys, q[i]->n_keys,
				 args, 1 + q[i]->n_keys, argv, len, nk);
		if (redisAppendCommandArgv(f->cmd.c, argc, argv, len) != REDIS_OK)
			break;
		sent++;
	}
	if (sent > 0 && redis_link_replies(&f->cmd, now_ms, r, sent) == 0)
		for (unsigned int i = 0; i < sent; i++)
			v[i] = eval_result(r[i]);
	for (unsigned int i = 0; i < n; i++)
		acquire_answer(f, q[i], v[i]);
}

/* HOLD (+1), RELEASE (-1) or COUNT (= n): best effort; a reconcile puts
 * right what a failure here leaves wrong. */
static void
quota_adjust(struct fleet *f, const struct fleet_req *q, uint64_t now_ms)
{
	char keys[FLEET_QUOTA_KEYS][FLEET_KEY_MAX];
	const char *args[1] = { f->instance };
	redisReply *r;
	char n[12];

	for (unsigned int i = 0; i < q->n_keys; i++)
		if (quota_key(keys[i], sizeof(keys[i]), f, q->key[i]) != 0)
			return;
	if (!redis_link_up(&f->cmd))
		return;
	switch (q->kind) {
	case FLEET_REQ_RELEASE:
		eval(f, script_release, NULL, keys, q->n_keys, args, 1, now_ms);
		atomic_fetch_add(&f->c.released, 1);
		return;
	case FLEET_REQ_HOLD:
		for (unsigned int i = 0; i < q->n_keys; i++) {
			r = redis_link_cmd(&f->cmd, now_ms, "HINCRBY %s %s 1",
					   keys[i], f->instance);
			if (r != NULL)
				freeReplyObject(r);
		}
		return;
	default: /* COUNT */
		snprintf(n, sizeof(n), "%" PRIu32, q->count);
		r = redis_link_cmd(&f->cmd, now_ms, "HSET %s %s %s", keys[0],
				   f->instance, n);
		if (r != NULL)
			freeReplyObject(r);
		return;
	}
}

/* Our load as JSON (jansson): {"allocations":N,"relayed_pps":N,
 * "busiest_worker_pps":N,"draining":B,"ip4":"...","ip6":"...","port":P}. */
static char *
load_json(struct fleet *f)
{
	char a4[TP_ADDR_STRLEN] = "", a6[TP_ADDR_STRLEN] = "";
	json_t *o;
	char *s;

	if (f->self.addr4.port != 0)
		tp_ip_format(&f->self.addr4.ip, a4, sizeof(a4));
	if (f->self.addr6.port != 0)
		tp_ip_format(&f->self.addr6.ip, a6, sizeof(a6));
	o = json_pack("{s:I, s:I, s:I, s:b, s:s, s:s, s:i}", "allocations",
		      (json_int_t)atomic_load(&f->load_allocations),
		      "relayed_pps",
		      (json_int_t)atomic_load(&f->load_relayed_pps),
		      "busiest_worker_pps",
		      (json_int_t)atomic_load(&f->load_busiest_pps), "draining",
		      (int)atomic_load(&f->load_draining), "ip4", a4, "ip6", a6,
		      "port",
		      f->self.addr4.port ? f->self.addr4.port :
					   f->self.addr6.port);
	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* Renew (or, @register, start) our lease.  @return 1, 0 (lapsed) or -1. */
static int
lease(struct fleet *f, bool reg, uint64_t now_ms)
{
	char ms[16];
	char *load = load_json(f);
	const char *args[4] = { f->instance, ms, load ? load : "{}",
				reg ? "1" : "0" };
	char keys[1][FLEET_KEY_MAX];
	int64_t v;

	snprintf(ms, sizeof(ms), "%" PRIu32, f->lease_ms);
	snprintf(keys[0], sizeof(keys[0]), "%s", KEY_LOAD);
	v = eval(f, script_lease, KEY_RELAYS, keys, 1, args, 4, now_ms);
	free(load);
	return v == INT64_MIN ? -1 : (int)v;
}

/* A new instance id; the old one's lease is deleted so its counts stop
 * counting now; the control thread is asked for the true counts. */
static void
reconcile_begin(struct fleet *f, uint64_t now_ms)
{
	struct fleet_ans *a;

	if (f->instance[0] != '\0') {
		redisReply *r = redis_link_cmd(&f->cmd, now_ms, "HDEL %s %s",
					       KEY_RELAYS, f->instance);

		if (r != NULL)
			freeReplyObject(r);
	}
	f->epoch++;
	snprintf(f->instance, sizeof(f->instance), "%s.%" PRIu32, f->base_id,
		 f->epoch);
	f->registered = false;
	atomic_fetch_add(&f->c.reconciles, 1);
	a = ans_new(FLEET_ANS_SNAPSHOT);
	if (a != NULL)
		answer(f, a);
}

/* One address of a published load; "" = none.  @return false for
 * garbage. */
static bool
peer_addr(const char *text, uint8_t want, json_int_t port, struct tp_addr *out)
{
	if (text[0] == '\0')
		return true;
	if (tp_ip_parse(&out->ip, text) != 0 || out->ip.family != want ||
	    port < 1 || port > 65535)
		return false;
	out->port = (uint16_t)port;
	return true;
}

/* Parse one relay's published load; false for garbage. */
static bool
peer_parse(const char *id, size_t id_len, const char *text, size_t len,
	   struct fleet_load *out)
{
	json_error_t jerr;
	json_t *o = len > 4096 ? NULL : json_loadb(text, len, 0, &jerr);
	json_int_t allocs = 0, port = 0, pps = 0, busiest = 0;
	int draining = 0;
	const char *a4 = "", *a6 = "";
	bool ok;

	memset(out, 0, sizeof(*out));
	ok = o != NULL && id_len <= FLEET_INSTANCE_MAX &&
	     json_unpack(o, "{s:I, s?I, s?I, s:b, s?s, s?s, s?I}",
			 "allocations", &allocs, "relayed_pps", &pps,
			 "busiest_worker_pps", &busiest, "draining", &draining,
			 "ip4", &a4, "ip6", &a6, "port", &port) == 0 &&
	     allocs >= 0 && pps >= 0 && busiest >= 0;
	if (ok) {
		memcpy(out->id, id, id_len);
		out->allocations = (uint64_t)allocs;
		out->relayed_pps = (uint64_t)pps;
		out->busiest_worker_pps = (uint64_t)busiest;
		out->draining = draining != 0;
		ok = peer_addr(a4, TP_AF_INET, port, &out->addr4) &&
		     peer_addr(a6, TP_AF_INET6, port, &out->addr6);
	}
	json_decref(o);
	return ok;
}

/* The live relays' loads, for shedding. */
static void
peers_read(struct fleet *f, uint64_t now_ms)
{
	redisReply *r = redis_link_cmd(&f->cmd, now_ms, "EVAL %s 2 %s %s",
				       script_peers, KEY_RELAYS, KEY_LOAD);
	struct fleet_ans *a;

	if (r == NULL)
		return;
	a = ans_new(FLEET_ANS_PEERS);
	if (a != NULL && r->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0;
		     i + 1 < r->elements && a->n_peers < FLEET_PEERS_MAX; i += 2) {
			const redisReply *k = r->element[i],
					 *v = r->element[i + 1];

			if (k->type != REDIS_REPLY_STRING ||
			    v->type != REDIS_REPLY_STRING)
				continue;
			if (k->len == strlen(f->instance) &&
			    memcmp(k->str, f->instance, k->len) == 0)
				continue; /* ourselves */
			if (peer_parse(k->str, k->len, v->str, v->len,
				       &a->peers[a->n_peers]))
				a->n_peers++;
		}
	}
	freeReplyObject(r);
	if (a != NULL)
		answer(f, a);
}

/* ---- the thread ---- */

static void
write_free(struct fleet_req *w)
{
	if (w->op != NULL) {
		push_op_wipe(w->op);
		free(w->op);
	}
	free(w);
}

/*
 * The admin socket's writes, oldest first.  The socket acknowledged each
 * once queued, so one the link failed under stays, with those behind it,
 * until the link is back: an acknowledged write is not dropped because
 * Redis blinked.  What Redis refused (a 4xx, or no replica behind
 * Sentinel in time) is logged and counted, not run again.
 */
static void
writes_run(struct fleet *f, uint64_t now_ms)
{
	while (f->writes != NULL && redis_link_up(&f->cmd)) {
		struct fleet_req *w = f->writes;
		struct push_op *op = w->op;

		if (op != NULL) {
			fleet_store_run(&f->cmd, f->realm, f->base_id, op,
					(int64_t)time(NULL), now_ms);
			if (op->status >= 500 && !redis_link_up(&f->cmd))
				return; /* run again once reconnected */
			atomic_fetch_add(op->status >= 400 ? &f->c.push_failed :
							     &f->c.pushes,
					 1);
			if (op->status >= 400)
				cp_log(CP_LOG_WARN, "fleet.write_failed",
				       "kind=%s status=%u reason=\"%s\"",
				       push_kind_name(op->kind),
				       (unsigned int)op->status, op->error);
		}
		f->writes = w->next;
		if (f->writes == NULL)
			f->writes_tail = &f->writes;
		write_free(w);
	}
}

static void
run_requests(struct fleet *f, uint64_t now_ms)
{
	struct fleet_req *list, *next;

	pthread_mutex_lock(&f->mu);
	list = f->reqs;
	f->reqs = NULL;
	f->reqs_tail = &f->reqs;
	pthread_mutex_unlock(&f->mu);
	for (; list != NULL; list = next) {
		next = list->next;
		switch (list->kind) {
		case FLEET_REQ_ACQUIRE: {
			/* This and the acquires right after it, at once. */
			struct fleet_req *batch[ACQUIRE_BATCH];
			unsigned int n = 0;

			batch[n++] = list;
			while (next != NULL && next->kind == FLEET_REQ_ACQUIRE &&
			       n < ACQUIRE_BATCH) {
				batch[n++] = next;
				next = next->next;
			}
			quota_acquire_batch(f, batch, n, now_ms);
			for (unsigned int i = 1; i < n; i++)
				free(batch[i]);
			break;
		}
		case FLEET_REQ_SNAPSHOT:
			if (redis_link_up(&f->cmd) &&
			    lease(f, true, now_ms) == 1) {
				f->registered = true;
				f->next_lease_ms = now_ms + f->lease_ms / 3;
				cp_log(CP_LOG_INFO, "fleet.registered",
				       "instance=%s lease_ms=%" PRIu32,
				       f->instance, f->lease_ms);
			}
			break;
		case FLEET_REQ_WRITE:
			/* In order behind any that wait for the link. */
			list->next = NULL;
			*f->writes_tail = list;
			f->writes_tail = &list->next;
			writes_run(f, now_ms);
			continue;
		default:
			quota_adjust(f, list, now_ms);
		}
		free(list);
	}
}

/* After `cmd` (re)connects. */
static void
on_connect(struct fleet *f, uint64_t now_ms)
{
	reconcile_begin(f, now_ms);
	if (full_read(f, now_ms) == 0)
		f->synced = true;
}

static void
subscriber(struct fleet *f, uint64_t now_ms, bool readable)
{
	void *reply;

	if (!redis_link_up(&f->sub)) {
		redisReply *r;

		if (!redis_link_ensure(&f->sub, now_ms))
			return;
		r = redis_link_cmd(&f->sub, now_ms, "SUBSCRIBE %s",
				   FLEET_CHANNEL);
		if (r == NULL)
			return;
		freeReplyObject(r);
		/* A subscribed connection is quiet for long: no timeout. */
		redisSetTimeout(f->sub.c, (struct timeval){ 0, 0 });
		/* Heard nothing while unsubscribed: read everything again. */
		f->synced = false;
		return;
	}
	if (!readable)
		return;
	if (redisBufferRead(f->sub.c) != REDIS_OK) {
		redis_link_fail(&f->sub, now_ms, f->sub.c->errstr);
		return;
	}
	while (redisGetReplyFromReader(f->sub.c, &reply) == REDIS_OK &&
	       reply != NULL) {
		announcement(f, reply, now_ms);
		freeReplyObject(reply);
	}
}

static void
tick(struct fleet *f, uint64_t now_ms)
{
	bool was = redis_link_up(&f->cmd);

	if (redis_link_ensure(&f->cmd, now_ms) && !was)
		on_connect(f, now_ms);
	if (redis_link_up(&f->cmd) && redis_link_up(&f->sub) && !f->synced &&
	    full_read(f, now_ms) == 0)
		f->synced = true;
	run_requests(f, now_ms);
	writes_run(f, now_ms); /* those the link failed under, once back */
	if (redis_link_up(&f->cmd) && f->registered &&
	    now_ms >= f->next_lease_ms) {
		int rc = lease(f, false, now_ms);

		f->next_lease_ms = now_ms + f->lease_ms / 3;
		if (rc == 0) {
			cp_log(CP_LOG_WARN, "fleet.lease_lapsed", "instance=%s",
			       f->instance);
			reconcile_begin(f, now_ms);
		}
	}
	if (redis_link_up(&f->cmd) && now_ms >= f->next_peers_ms) {
		f->next_peers_ms = now_ms + PEERS_EVERY_MS;
		peers_read(f, now_ms);
	}
	if (!redis_link_up(&f->cmd))
		f->registered = false;
	atomic_store(&f->c.redis_up,
		     redis_link_up(&f->cmd) && redis_link_up(&f->sub));
	atomic_store(&f->c.leased, f->registered);
}

static void *
fleet_thread(void *arg)
{
	struct fleet *f = arg;

	while (!atomic_load(&f->stopping)) {
		struct pollfd p[2] = { { .fd = f->wake_fd, .events = POLLIN },
				       { .fd = -1, .events = POLLIN } };
		uint64_t drained;

		if (redis_link_up(&f->sub))
			p[1].fd = f->sub.c->fd;
		if (poll(p, 2, TICK_MS) > 0 && (p[0].revents & POLLIN) &&
		    read(f->wake_fd, &drained, sizeof(drained)) < 0) {
			/* EAGAIN: someone else drained it */
		}
		subscriber(f, redis_link_now_ms(),
			   p[1].fd >= 0 && p[1].revents != 0);
		tick(f, redis_link_now_ms());
	}
	/* Leaving: our counts stop counting at once. */
	if (redis_link_up(&f->cmd) && f->instance[0] != '\0') {
		redisReply *r = redis_link_cmd(&f->cmd, redis_link_now_ms(),
					       "HDEL %s %s", KEY_RELAYS,
					       f->instance);

		if (r != NULL)
			freeReplyObject(r);
	}
	return NULL;
}

/* ---- the push pipeline's store ---- */

static int
backend_run(void *ctx, struct push_op **ops, size_t n, int64_t now)
{
	struct fleet *f = ctx;
	uint64_t now_ms = redis_link_now_ms();

	redis_link_ensure(&f->push, now_ms);
	for (size_t i = 0; i < n; i++) {
		fleet_store_run(&f->push, f->realm, f->base_id, ops[i], now,
				now_ms);
		atomic_fetch_add(ops[i]->status >= 500 ? &f->c.push_failed :
							 &f->c.pushes,
				 1);
		if (ops[i]->kind == PUSH_SECRET && ops[i]->status < 300 &&
		    ops[i]->verb != PUSH_GET) {
			struct push_op note = *ops[i];

			pthread_mutex_lock(&f->mu);
			secret_note(f, &note,
				    ops[i]->verb == PUSH_PUT ? &ops[i]->value :
							       NULL);
			pthread_mutex_unlock(&f->mu);
			push_op_wipe(&note);
		}
	}
	return 0;
}

struct push_backend
fleet_push_backend(struct fleet *f)
{
	return (struct push_backend){ .ctx = f, .run = backend_run };
}

/* ---- start, stop ---- */

int
fleet_start(struct fleet *f, const struct redis_conf *conf, const char *realm,
	    const char *id, uint32_t lease_s, const struct tp_addr *addr4,
	    const struct tp_addr *addr6, char *err, size_t err_len)
{
	uint8_t rnd[8];
	char host[65] = "", hex[17];
	int rc;

	memset(f, 0, sizeof(*f));
	f->wake_fd = -1;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		snprintf(err, err_len, "fleet: no randomness for the id");
		return -EIO;
	}
	fleet_hex(rnd, sizeof(rnd), hex);
	if (id == NULL || id[0] == '\0') {
		gethostname(host, sizeof(host) - 1);
		id = host[0] != '\0' ? host : "relay";
	}
	snprintf(f->base_id, sizeof(f->base_id), "%.64s/%s", id, hex);
	snprintf(f->realm, sizeof(f->realm), "%s", realm);
	f->lease_ms = lease_s * 1000;
	if (addr4 != NULL)
		f->self.addr4 = *addr4;
	if (addr6 != NULL)
		f->self.addr6 = *addr6;
	redis_link_init(&f->cmd, conf, "userdb");
	redis_link_init(&f->sub, conf, "pubsub");
	redis_link_init(&f->push, conf, "push");
	f->reqs_tail = &f->reqs;
	f->writes = NULL;
	f->writes_tail = &f->writes;
	f->answers_tail = &f->answers;
	pthread_mutex_init(&f->mu, NULL);
	f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->wake_fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "fleet: eventfd: %s", strerror(-rc));
		return rc;
	}
	rc = pthread_create(&f->thread, NULL, fleet_thread, f);
	if (rc != 0) {
		snprintf(err, err_len, "fleet: cannot start its thread: %s",
			 strerror(rc));
		close(f->wake_fd);
		f->wake_fd = -1;
		return -rc;
	}
	pthread_setname_np(f->thread, "tp-fleet");
	f->running = true;
	if (conf->n_sentinels > 0)
		cp_log(CP_LOG_INFO, "fleet.start",
		       "id=%s redis=sentinel master=%s sentinels=%u db=%u "
		       "lease_s=%" PRIu32,
		       f->base_id, conf->master, conf->n_sentinels, conf->db,
		       lease_s);
	else
		cp_log(CP_LOG_INFO, "fleet.start",
		       "id=%s redis=%s:%u db=%u lease_s=%" PRIu32, f->base_id,
		       conf->host, conf->port, conf->db, lease_s);
	return 0;
}

void
fleet_stop(struct fleet *f)
{
	struct fleet_ans *a, *an;
	struct fleet_req *q, *qn;
	unsigned int n_lost;
	uint64_t one = 1;

	if (!f->running)
		return;
	atomic_store(&f->stopping, true);
	if (write(f->wake_fd, &one, sizeof(one)) < 0) {
		/* the thread wakes within TICK_MS anyway */
	}
	pthread_join(f->thread, NULL);
	f->running = false;
	for (q = f->reqs; q != NULL; q = qn) {
		qn = q->next;
		write_free(q);
	}
	n_lost = 0;
	for (q = f->writes; q != NULL; q = qn) {
		qn = q->next;
		write_free(q);
		n_lost++;
	}
	if (n_lost > 0)
		cp_log(CP_LOG_WARN, "fleet.write_lost",
		       "writes=%u reason=\"Redis down at shutdown\"", n_lost);
	for (a = f->answers; a != NULL; a = an) {
		an = a->next;
		fleet_ans_free(a);
	}
	redis_link_fini(&f->cmd);
	redis_link_fini(&f->sub);
	redis_link_fini(&f->push);
	OPENSSL_cleanse(f->secrets, sizeof(f->secrets));
	close(f->wake_fd);
	pthread_mutex_destroy(&f->mu);
}
