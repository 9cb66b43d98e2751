/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stream thread's queue to the control thread (see stream_queue.h).
 *
 * Lamport's single-producer/single-consumer ring: the producer alone
 * writes head, the consumer alone writes tail, each reads the other's with
 * acquire ordering, and publishes its own with release ordering, so a slot
 * is never read before it is written nor written before it is read.
 * Indices run freely and wrap modulo 2^32; head - tail is the fill level.
 */
#include <errno.h>
#include <stdlib.h>

#include "stream_queue.h"

int
stream_queue_init(struct stream_queue *q, uint32_t slots)
{
	if (slots == 0 || (slots & (slots - 1)) != 0)
		return -EINVAL;
	q->slot = calloc(slots, sizeof(*q->slot));
	if (q->slot == NULL)
		return -ENOMEM;
	q->mask = slots - 1;
	atomic_init(&q->head, 0);
	atomic_init(&q->tail, 0);
	return 0;
}

void
stream_queue_fini(struct stream_queue *q)
{
	free(q->slot);
	q->slot = NULL;
}

struct stream_note *
stream_queue_reserve(struct stream_queue *q)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head - tail > q->mask)
		return NULL;
	return &q->slot[head & q->mask];
}

void
stream_queue_push(struct stream_queue *q)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	atomic_store_explicit(&q->head, head + 1, memory_order_release);
}

const struct stream_note *
stream_queue_peek(struct stream_queue *q)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q->head, memory_order_acquire);

	return head == tail ? NULL : &q->slot[tail & q->mask];
}

void
stream_queue_pop(struct stream_queue *q)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);

	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
}
