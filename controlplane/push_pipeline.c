/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The push pipeline (see push_pipeline.h).
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cp_log.h"
#include "push_pipeline.h"

/* The store thread purges expired users this often, seconds. */
#define PURGE_INTERVAL_S 60

static void
list_append(struct push_op ***tail, struct push_op *op)
{
	op->next = NULL;
	**tail = op;
	*tail = &op->next;
}

/* Whether a stored op changed what the control thread must hold. */
static bool
op_changes_tables(const struct push_op *op)
{
	return op->status < 300 && (op->verb == PUSH_PUT || op->verb == PUSH_DEL);
}

/*
 * Give each op of @p list its answer; under the lock.  Ops with a done
 * callback are moved to @p *later, to be called once the lock is dropped
 * (the callback may free the op); waiters of push_pipeline_run() are
 * woken.
 */
static void
finish_locked(struct push_pipeline *p, struct push_op *list,
	      struct push_op **later)
{
	for (struct push_op *op = list, *next; op != NULL; op = next) {
		next = op->next;
		p->c.failed += op->status >= 500;
		if (op->done != NULL) {
			op->next = *later;
			*later = op;
		} else {
			op->finished = true;
		}
	}
	pthread_cond_broadcast(&p->done);
}

/* The callbacks finish_locked() put aside; without the lock. */
static void
finish_callbacks(struct push_op *later)
{
	for (struct push_op *op = later, *next; op != NULL; op = next) {
		next = op->next;
		op->done(op);
	}
}

/* 503 on every op of @p list. */
static void
set_stopping(struct push_op *list)
{
	for (struct push_op *op = list; op != NULL; op = op->next) {
		op->status = 503;
		snprintf(op->error, sizeof(op->error), "the server is stopping");
	}
}

static void *
store_thread(void *arg)
{
	struct push_pipeline *p = arg;
	struct push_op *batch[PUSH_BATCH_MAX];
	time_t last_purge = time(NULL);

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct timespec until;
		size_t n = 0;

		while (p->to_store == NULL && !p->stopping) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += PURGE_INTERVAL_S;
			if (pthread_cond_timedwait(&p->work, &p->mu, &until) ==
			    ETIMEDOUT)
				break;
		}
		if (p->stopping)
			break;
		while (p->to_store != NULL && n < PUSH_BATCH_MAX) {
			batch[n++] = p->to_store;
			p->to_store = p->to_store->next;
		}
		if (p->to_store == NULL)
			p->to_store_tail = &p->to_store;
		pthread_mutex_unlock(&p->mu);

		if (n > 0)
			p->be.run(p->be.ctx, batch, n, (int64_t)time(NULL));
		if (p->be.purge != NULL &&
		    time(NULL) - last_purge >= PURGE_INTERVAL_S) {
			last_purge = time(NULL);
			p->be.purge(p->be.ctx, (int64_t)last_purge);
		}

		pthread_mutex_lock(&p->mu);
		p->c.batches += n > 0;
		p->c.ops += n;
		if (n > p->c.max_batch)
			p->c.max_batch = n;
		{
			struct push_op *answer = NULL, *later = NULL;

			for (size_t i = n; i-- > 0;) {
				struct push_op *op = batch[i];

				if (op_changes_tables(op) && !p->stopping) {
					continue;
				} else if (op_changes_tables(op)) {
					/* Stored, so in force after the restart;
					 * the client hears 503 and may push
					 * again. */
					op->next = NULL;
					set_stopping(op);
				}
				op->next = answer;
				answer = op;
			}
			for (size_t i = 0; i < n; i++)
				if (op_changes_tables(batch[i]) && !p->stopping)
					list_append(&p->to_apply_tail, batch[i]);
			finish_locked(p, answer, &later);
			pthread_mutex_unlock(&p->mu);
			finish_callbacks(later);
			pthread_mutex_lock(&p->mu);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
push_pipeline_start(struct push_pipeline *p, const struct push_backend *be)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->be = *be;
	p->to_store_tail = &p->to_store;
	p->to_apply_tail = &p->to_apply;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	rc = pthread_create(&p->thread, NULL, store_thread, p);
	if (rc != 0)
		return -rc;
	pthread_setname_np(p->thread, "tp-push-store");
	p->running = true;
	return 0;
}

void
push_pipeline_submit(struct push_pipeline *p, struct push_op *op)
{
	op->status = 0;
	op->finished = false;
	op->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->stopping) {
		pthread_mutex_unlock(&p->mu);
		set_stopping(op);
		if (op->done != NULL)
			op->done(op);
		else
			op->finished = true;
		return;
	}
	list_append(&p->to_store_tail, op);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

int
push_pipeline_run(struct push_pipeline *p, struct push_op *op)
{
	op->done = NULL;
	push_pipeline_submit(p, op);
	pthread_mutex_lock(&p->mu);
	while (!op->finished)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return op->status;
}

void
push_pipeline_poll(struct push_pipeline *p, push_apply_fn fn, void *arg)
{
	struct push_op *list;

	/* Uncontended, a trylock costs a few nanoseconds a turn; reading
	 * to_apply without it would be a data race. */
	if (pthread_mutex_trylock(&p->mu) != 0)
		return;
	list = p->to_apply;
	p->to_apply = NULL;
	p->to_apply_tail = &p->to_apply;
	pthread_mutex_unlock(&p->mu);
	if (list == NULL)
		return;
	/* The ops stay their HTTP threads' until finished is set. */
	for (struct push_op *op = list; op != NULL; op = op->next)
		fn(arg, op);
	pthread_mutex_lock(&p->mu);
	{
		struct push_op *later = NULL;

		finish_locked(p, list, &later);
		pthread_mutex_unlock(&p->mu);
		finish_callbacks(later);
	}
}

struct push_counters
push_pipeline_counters(struct push_pipeline *p)
{
	struct push_counters c;

	pthread_mutex_lock(&p->mu);
	c = p->c;
	pthread_mutex_unlock(&p->mu);
	return c;
}

void
push_pipeline_shutdown(struct push_pipeline *p)
{
	struct push_op *later = NULL;

	if (!p->running)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	/* Ops already stored but not applied: on disk, so in force after
	 * the restart; the client hears 503 and may push again. */
	set_stopping(p->to_store);
	set_stopping(p->to_apply);
	finish_locked(p, p->to_store, &later);
	finish_locked(p, p->to_apply, &later);
	p->to_store = p->to_apply = NULL;
	p->to_store_tail = &p->to_store;
	p->to_apply_tail = &p->to_apply;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	finish_callbacks(later);
}

void
push_pipeline_fini(struct push_pipeline *p)
{
	if (!p->running)
		return;
	pthread_join(p->thread, NULL);
	p->running = false;
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
}
