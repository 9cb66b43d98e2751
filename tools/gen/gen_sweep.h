/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pace of turnpike-gen's timer sweep while traffic flows: how many
 * sessions a loop turn looks at so that all @n are walked once a period,
 * whatever the turns' spacing.  Header only, plain integers, so a test can
 * drive it with made-up clocks.
 */
#ifndef TURNPIKE_GEN_SWEEP_H
#define TURNPIKE_GEN_SWEEP_H

#include <stdint.h>

/** Where the sweep stands: the caller keeps it between turns. */
struct gen_sweep_pace {
	uint64_t last; /**< TSC of the last turn, 0 = not started */
	uint64_t owed; /**< sessions owed, times the period's ticks */
};

/**
 * Sessions to sweep at TSC @p now, of @p n, so that the sweep keeps up
 * with one walk over all @p n per @p period TSC ticks; at most @p max.
 * What is owed never exceeds one walk: after a stall the sweep catches up
 * at most one period, not the whole stall, and @p max a turn at that.
 * Exact over time: the remainder of each division stays owed.
 */
static inline uint32_t
gen_sweep_quota(struct gen_sweep_pace *p, uint64_t now, uint64_t period,
		uint32_t n, uint32_t max)
{
	uint64_t elapsed, due;

	if (n == 0 || period == 0)
		return 0;
	if (p->last == 0 || p->last > now)
		p->last = now;
	elapsed = now - p->last;
	p->last = now;
	if (elapsed > period)
		elapsed = period;
	p->owed += elapsed * n;
	if (p->owed > period * n)
		p->owed = period * n;
	due = p->owed / period;
	if (due > max)
		due = max;
	p->owed -= due * period;
	return (uint32_t)due;
}

#endif /* TURNPIKE_GEN_SWEEP_H */
