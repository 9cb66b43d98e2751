/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control-plane timers: an indexed binary min-heap of deadlines in
 * milliseconds.
 *
 * The caller embeds a struct cp_timer in the object that needs waking (the
 * TURN server embeds one per allocation) and finds the object again with
 * container_of-style arithmetic.  Each timer remembers its position in the
 * heap, so moving a deadline earlier or later, or cancelling it, costs
 * O(log n) with no search and no stale entries left behind: an allocation
 * that is refreshed every minute for a day still occupies one heap entry.
 *
 * Why a heap and not a timer wheel: the deadlines span five orders of
 * magnitude (a 300 s permission next to a 5-minute channel quarantine next
 * to a 1-hour allocation) and most objects are re-armed before they fire;
 * a heap needs no tuning of slot width or levels and its O(log n) at a
 * million allocations is about twenty comparisons.
 *
 * Control-plane thread only.  Never touched by the fast path.
 */
#ifndef TURNPIKE_CP_TIMERS_H
#define TURNPIKE_CP_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

/** Position of a timer that is not armed. */
#define CP_TIMER_IDLE UINT32_MAX

/** One timer, embedded in its owner. */
struct cp_timer {
	uint64_t due_ms; /**< deadline while armed */
	uint32_t pos;    /**< index in the heap, CP_TIMER_IDLE if not armed */
};

/** The heap. */
struct cp_timers {
	struct cp_timer **heap; /**< [cap]; heap[0] is the earliest */
	uint32_t n;
	uint32_t cap;
};

/** Mark a timer as not armed (call once before first use). */
static inline void
cp_timer_init(struct cp_timer *t)
{
	t->due_ms = 0;
	t->pos = CP_TIMER_IDLE;
}

/** True if the timer is in a heap. */
static inline bool
cp_timer_armed(const struct cp_timer *t)
{
	return t->pos != CP_TIMER_IDLE;
}

/**
 * Prepare an empty heap with room for @p cap timers (it grows beyond).
 * @return 0 or -ENOMEM.
 */
int cp_timers_init(struct cp_timers *tw, uint32_t cap);

/** Release the heap.  Armed timers are simply forgotten. */
void cp_timers_free(struct cp_timers *tw);

/**
 * Arm @p t for @p due_ms, or move it there if it is armed already.
 * @return 0, or -ENOMEM if the heap had to grow and could not (the timer
 *         is then unchanged).
 */
int cp_timers_arm(struct cp_timers *tw, struct cp_timer *t, uint64_t due_ms);

/** Disarm @p t (nothing happens if it is not armed). */
void cp_timers_cancel(struct cp_timers *tw, struct cp_timer *t);

/**
 * Take the earliest timer whose deadline is at or before @p now_ms out of
 * the heap.  Call repeatedly until NULL to process everything due.
 * @return the timer (now idle), or NULL if none is due.
 */
struct cp_timer *cp_timers_pop_due(struct cp_timers *tw, uint64_t now_ms);

/** Earliest deadline, or UINT64_MAX if the heap is empty. */
static inline uint64_t
cp_timers_next_due(const struct cp_timers *tw)
{
	return tw->n == 0 ? UINT64_MAX : tw->heap[0]->due_ms;
}

/** Number of armed timers. */
static inline uint32_t
cp_timers_count(const struct cp_timers *tw)
{
	return tw->n;
}

#endif /* TURNPIKE_CP_TIMERS_H */
