/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * What the stream thread tells the control thread (stream_queue.c): a
 * client's STUN request, or that a connection closed.  A single-producer
 * (the stream thread), single-consumer (the control thread) ring of
 * fixed-size slots, lock-free with C11 acquire/release, so neither thread
 * waits for the other: a full queue makes the stream thread drop the
 * request (counted), as a full punt ring makes a worker drop one.
 */
#ifndef TURNPIKE_STREAM_QUEUE_H
#define TURNPIKE_STREAM_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/** The longest request a stream client may send (longer: the connection
 *  closes).  Requests are small; an OAuth token is the largest part. */
#define STREAM_REQ_MAX 4096

enum stream_note_kind {
	STREAM_NOTE_REQUEST = 1, /**< a STUN request in data[0..len) */
	STREAM_NOTE_CLOSED,      /**< the connection ended */
};

/** One note from the stream thread. */
struct stream_note {
	uint8_t kind;      /**< enum stream_note_kind */
	uint8_t transport; /**< enum tp_transport */
	uint16_t len;
	uint32_t conn; /**< the stream thread's connection id */
	struct tp_addr client, local;
	uint8_t data[STREAM_REQ_MAX];
};

/** The queue.  Zero-initialise, then stream_queue_init(). */
struct stream_queue {
	struct stream_note *slot;
	uint32_t mask;                      /**< slots - 1 */
	_Alignas(64) _Atomic uint32_t head; /**< next to write (producer) */
	_Alignas(64) _Atomic uint32_t tail; /**< next to read (consumer) */
};

/** Make room for @p slots notes (a power of two).  @return 0 or -errno. */
int stream_queue_init(struct stream_queue *q, uint32_t slots);

/** Free what stream_queue_init() made. */
void stream_queue_fini(struct stream_queue *q);

/**
 * Producer: the slot to fill next, or NULL when the queue is full.  Fill
 * it, then stream_queue_push() publishes it.
 */
struct stream_note *stream_queue_reserve(struct stream_queue *q);

/** Producer: publish the slot stream_queue_reserve() returned. */
void stream_queue_push(struct stream_queue *q);

/** Consumer: the oldest note, or NULL; stream_queue_pop() releases it. */
const struct stream_note *stream_queue_peek(struct stream_queue *q);

/** Consumer: release the note stream_queue_peek() returned. */
void stream_queue_pop(struct stream_queue *q);

#endif /* TURNPIKE_STREAM_QUEUE_H */
