/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Indexed binary min-heap of millisecond deadlines (see cp_timers.h).
 *
 * Runs on the control thread.  Owns the heap array only; the timers belong
 * to the objects that embed them.  Every move of an entry updates the
 * entry's pos, which is what makes re-arming and cancelling O(log n):
 *
 *     heap: [ a(5) | b(9) | c(7) | d(12) ]      a.pos=0 b.pos=1 c.pos=2 ...
 *     arm(d, 6): d moves up from 3 to 1, b moves down to 3; both pos fixed.
 */
#include <errno.h>
#include <stdlib.h>

#include "cp_timers.h"

int
cp_timers_init(struct cp_timers *tw, uint32_t cap)
{
	tw->n = 0;
	tw->cap = cap > 0 ? cap : 16;
	tw->heap = calloc(tw->cap, sizeof(*tw->heap));
	if (tw->heap == NULL) {
		tw->cap = 0;
		return -ENOMEM;
	}
	return 0;
}

void
cp_timers_free(struct cp_timers *tw)
{
	for (uint32_t i = 0; i < tw->n; i++)
		tw->heap[i]->pos = CP_TIMER_IDLE;
	free(tw->heap);
	tw->heap = NULL;
	tw->n = 0;
	tw->cap = 0;
}

static inline void
heap_place(struct cp_timers *tw, struct cp_timer *t, uint32_t pos)
{
	tw->heap[pos] = t;
	t->pos = pos;
}

static void
heap_up(struct cp_timers *tw, uint32_t pos)
{
	struct cp_timer *t = tw->heap[pos];

	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;

		if (tw->heap[parent]->due_ms <= t->due_ms)
			break;
		heap_place(tw, tw->heap[parent], pos);
		pos = parent;
	}
	heap_place(tw, t, pos);
}

static void
heap_down(struct cp_timers *tw, uint32_t pos)
{
	struct cp_timer *t = tw->heap[pos];

	for (;;) {
		uint32_t child = 2 * pos + 1;

		if (child >= tw->n)
			break;
		if (child + 1 < tw->n &&
		    tw->heap[child + 1]->due_ms < tw->heap[child]->due_ms)
			child++;
		if (t->due_ms <= tw->heap[child]->due_ms)
			break;
		heap_place(tw, tw->heap[child], pos);
		pos = child;
	}
	heap_place(tw, t, pos);
}

static int
heap_grow(struct cp_timers *tw)
{
	uint32_t cap = tw->cap * 2;
	struct cp_timer **h;

	if (cap <= tw->cap)
		return -ENOMEM;
	h = realloc(tw->heap, (size_t)cap * sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	tw->heap = h;
	tw->cap = cap;
	return 0;
}

int
cp_timers_arm(struct cp_timers *tw, struct cp_timer *t, uint64_t due_ms)
{
	uint64_t old = t->due_ms;

	if (cp_timer_armed(t)) {
		t->due_ms = due_ms;
		if (due_ms < old)
			heap_up(tw, t->pos);
		else
			heap_down(tw, t->pos);
		return 0;
	}
	if (tw->n == tw->cap && heap_grow(tw) != 0)
		return -ENOMEM;
	t->due_ms = due_ms;
	heap_place(tw, t, tw->n++);
	heap_up(tw, t->pos);
	return 0;
}

void
cp_timers_cancel(struct cp_timers *tw, struct cp_timer *t)
{
	uint32_t pos = t->pos;
	struct cp_timer *last;

	if (!cp_timer_armed(t))
		return;
	t->pos = CP_TIMER_IDLE;
	last = tw->heap[--tw->n];
	if (last == t)
		return;
	/* Fill the hole with the last entry and restore order around it. */
	heap_place(tw, last, pos);
	if (pos > 0 && tw->heap[(pos - 1) / 2]->due_ms > last->due_ms)
		heap_up(tw, pos);
	else
		heap_down(tw, pos);
}

struct cp_timer *
cp_timers_pop_due(struct cp_timers *tw, uint64_t now_ms)
{
	struct cp_timer *t;

	if (tw->n == 0 || tw->heap[0]->due_ms > now_ms)
		return NULL;
	t = tw->heap[0];
	cp_timers_cancel(tw, t);
	return t;
}
