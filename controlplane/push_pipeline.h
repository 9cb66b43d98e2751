/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * How a push reaches the store and the control thread, and its answer
 * the HTTP thread that asked (push_pipeline.c).
 *
 *   HTTP threads --submit--> store thread --(changes)--> control thread
 *        ^                       |  one transaction             |
 *        +------- done ----------+  per batch                   |
 *        +------------------------------- done -----------------+
 *
 * (done: op->done(op), which for push_http.c wakes its event loop.)
 *
 * The store thread takes every op waiting and writes them in one
 * transaction (group commit: one fsync for the batch); then the changes go
 * to the control thread, which owns the credential tables and applies them
 * on its next turn (push_pipeline_poll(), never blocking it).  Only then
 * is the HTTP side told to answer: an acknowledged push is on disk and
 * in force.  The store's fsync never runs on the control thread.
 */
#ifndef TURNPIKE_PUSH_PIPELINE_H
#define TURNPIKE_PUSH_PIPELINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "push_op.h"

/** Most ops one transaction takes. */
#define PUSH_BATCH_MAX 256

/** Applies one stored change on the control thread: sets op->status to
 *  an error (>= 400) when it could not. */
typedef void (*push_apply_fn)(void *arg, struct push_op *op);

/** Counters, read with push_pipeline_counters(). */
struct push_counters {
	uint64_t ops;     /**< ops through the store */
	uint64_t batches; /**< transactions */
	uint64_t failed;  /**< ops answered 5xx */
	uint64_t max_batch;
};

struct push_pipeline {
	pthread_mutex_t mu;
	pthread_cond_t work; /**< the store thread waits for ops */
	pthread_cond_t done; /**< push_pipeline_run() waits for its answer */
	struct push_op *to_store, **to_store_tail;
	struct push_op *to_apply, **to_apply_tail;
	struct push_backend be;
	pthread_t thread;
	bool running;  /**< the store thread was started */
	bool stopping; /**< no more ops are taken */
	struct push_counters c;
};

/** Start the store thread on @p be (copied).  @return 0 or -errno. */
int push_pipeline_start(struct push_pipeline *p, const struct push_backend *be);

/**
 * Send @p op through the store and, if it changed something, the control
 * thread; op->done(op) is called with the answer in op->status, once,
 * from one of those threads (or this one, after a stop: 503).
 */
void push_pipeline_submit(struct push_pipeline *p, struct push_op *op);

/** The same, waiting for the answer (op->done must be NULL).
 *  @return op->status. */
int push_pipeline_run(struct push_pipeline *p, struct push_op *op);

/**
 * Control thread: apply every stored change with @p fn, then wake their
 * HTTP threads.  Never blocks: if another thread holds the lock, next
 * turn.
 */
void push_pipeline_poll(struct push_pipeline *p, push_apply_fn fn, void *arg);

/** A copy of the counters. */
struct push_counters push_pipeline_counters(struct push_pipeline *p);

/**
 * Stop taking ops: whatever waits is answered 503 and every later submit
 * at once, so HTTP threads can finish.  Call before stopping the HTTP
 * server, after the control loop's last poll.
 */
void push_pipeline_shutdown(struct push_pipeline *p);

/** Join the store thread (after push_pipeline_shutdown()). */
void push_pipeline_fini(struct push_pipeline *p);

#endif /* TURNPIKE_PUSH_PIPELINE_H */
