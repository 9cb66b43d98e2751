/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --search: the highest rate the relay carries without loss, found the way
 * RFC 2544 (section 26.1) finds throughput: trials at one offered rate
 * each, bisecting between the last rate that lost too much and the last
 * that did not.  Main lcore, after set-up; owns the search report in
 * struct gen and nothing else.
 *
 * A trial sends for --trial seconds at its rate, then drains (as a plain
 * run does) so that what is still in flight counts for it.  It passes when
 * the relay lost at most --loss-max of what went into it, both directions
 * together (client to peer, and the peers' echoes back), counting as lost
 * what the generator itself could not send (its port refused it, or it ran
 * out of buffers: the rate was not offered), and when it offered at least
 * 97% of the rate (a generator that cannot keep up has not tested it).
 *
 * The top of the search is --search-max, or else what a first trial flat
 * out offered.  Calls (--call-pps N) make the search count calls: a trial
 * at rate R sends on the first R/N allocations only, N packets/s each, so
 * the answer is the number of concurrent calls of that shape the relay
 * carries; the top is then also capped at every allocation set up.
 *
 * The generator does not nap when idle during a trial (--idle-sleep-us is
 * for shared cores): frames the relay delivered into the ring of a
 * sleeping receiver would be lost on the generator's side.
 *
 * Each trial's counters and latencies start from zero (the set-up's stay);
 * when the search ends, g->st holds the zero-loss trial's (or, if no rate
 * passed, the last trial's), so the report's traffic figures are that
 * trial's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include "gen.h"

/* A trial must offer this share of its rate to count. */
#define GEN_OFFERED_MIN 0.97

/* The counters and latencies of one trial, and of the best so far. */
static struct gen_stats trial_st, best_st;

static uint64_t
c_delta(const struct gen *g, const uint64_t *c0, enum gen_counter c)
{
	return g->st.c[c] - c0[c];
}

/* Send at @t->rate on @t->active allocations, drain, and judge. */
static void
trial_run(struct gen *g, struct gen_trial *t)
{
	uint64_t c0[GEN_C__COUNT], now, t_end, lost;
	const double hz = (double)g->hz;
	uint32_t idle_sleep_us = g->o.idle_sleep_us;

	memcpy(c0, g->st.c, sizeof(c0));
	gen_hist_reset(&g->st.to_peer);
	gen_hist_reset(&g->st.to_client);
	g->o.rate = t->rate;
	g->n_active = t->active;
	g->rr = 0;
	/* A receiver asleep is a loss the relay did not make: no naps. */
	g->o.idle_sleep_us = 0;

	now = rte_rdtsc();
	gen_traffic_start(g, now);
	gen_run_phase(g, GEN_PHASE_TRAFFIC, now + (uint64_t)(g->o.trial_s * hz));
	g->sending = false;
	t_end = rte_rdtsc();
	g->last_traffic_rx = RTE_MAX(g->last_traffic_rx, t_end);
	gen_run_phase(g, GEN_PHASE_DRAIN, t_end + g->hz * g->o.drain_ms / 1000);
	g->o.idle_sleep_us = idle_sleep_us;

	t->duration_s = (double)(t_end - g->t_traffic0) / hz;
	t->sent = c_delta(g, c0, GEN_C_to_peer_sent) +
		  c_delta(g, c0, GEN_C_to_client_sent);
	t->received = c_delta(g, c0, GEN_C_to_peer_received) +
		      c_delta(g, c0, GEN_C_to_client_received);
	t->gen_dropped =
		c_delta(g, c0, GEN_C_tx_full) + c_delta(g, c0, GEN_C_no_mbuf);
	lost = t->sent > t->received ? t->sent - t->received : 0;
	t->loss = t->sent + t->gen_dropped > 0 ?
			  (double)(lost + t->gen_dropped) /
				  (double)(t->sent + t->gen_dropped) :
			  1.0;
	if (t->duration_s > 0) {
		t->offered_pps = (double)c_delta(g, c0, GEN_C_to_peer_sent) /
				 t->duration_s;
		t->relayed_pps = (double)t->received / t->duration_s;
	}
	t->p50_us = (double)gen_hist_percentile(&g->st.to_peer, 50) / 1000.0;
	t->p99_us = (double)gen_hist_percentile(&g->st.to_peer, 99) / 1000.0;
	t->pass = *g->stop == 0 && t->sent > 0 && t->loss <= g->o.loss_max &&
		  (t->rate == 0 ||
		   t->offered_pps >= GEN_OFFERED_MIN * (double)t->rate);

	/* This trial's figures, for the report if it is the one. */
	trial_st = g->st;
	for (int i = 0; i < GEN_C__COUNT; i++)
		trial_st.c[i] = g->st.c[i] - c0[i];

	fprintf(stderr,
		"[turnpike-gen] trial %u: rate %" PRIu64 "/s on %u "
		"allocations: offered %.0f/s, relayed %.0f/s, loss %.6f%%: %s\n",
		g->search.n_trials + 1, t->rate, t->active, t->offered_pps,
		t->relayed_pps, 100.0 * t->loss, t->pass ? "pass" : "fail");
}

/* Run a trial at @rate; record it.  @return true if it passed. */
static bool
trial(struct gen *g, uint64_t rate)
{
	struct gen_search_report *s = &g->search;
	struct gen_trial *t = &s->trial[s->n_trials];
	uint32_t active = g->n_live;

	if (g->o.call_pps != 0 && rate != 0)
		active = (uint32_t)RTE_MIN(rate / g->o.call_pps,
					   (uint64_t)g->n_live);
	memset(t, 0, sizeof(*t));
	t->rate = rate;
	t->active = active;
	trial_run(g, t);
	/* Bisection only tries rates above the best pass; flat out is the
	 * first trial.  Either way a pass is the new best. */
	if (t->pass) {
		s->best = (int)s->n_trials;
		best_st = trial_st;
	}
	s->n_trials++;
	return t->pass;
}

/* The rate bisection tries between @lo and @hi: calls mode keeps whole
 * calls. */
static uint64_t
midpoint(const struct gen *g, uint64_t lo, uint64_t hi)
{
	uint64_t per = g->o.call_pps != 0 ? g->o.call_pps : 1;

	return (lo / per + hi / per) / 2 * per;
}

double
gen_search_run(struct gen *g)
{
	struct gen_search_report *s = &g->search;
	uint64_t top, lo = 0, hi, mid, step;
	uint64_t per = g->o.call_pps != 0 ? g->o.call_pps : 1;

	memset(s, 0, sizeof(*s));
	s->loss_max = g->o.loss_max;
	s->trial_s = g->o.trial_s;
	s->call_pps = g->o.call_pps;
	s->best = s->flat = -1;

	top = g->o.search_max;
	if (top == 0) {
		s->flat = 0;
		if (trial(g, 0)) {
			/* Flat out lost nothing: nothing above it to find. */
			s->capped = true;
			goto done;
		}
		top = (uint64_t)s->trial[0].offered_pps;
	}
	if (g->o.call_pps != 0)
		top = RTE_MIN(top, (uint64_t)g->n_live * per) / per * per;
	if (top < per || *g->stop != 0)
		goto done;
	if (trial(g, top)) {
		s->capped = true;
		goto done;
	}
	hi = top;
	step = RTE_MAX((uint64_t)(g->o.resolution * (double)top), per);
	while (*g->stop == 0 && s->n_trials < GEN_TRIALS_MAX && hi - lo > step) {
		mid = midpoint(g, lo, hi);
		if (mid <= lo || mid >= hi)
			break;
		if (trial(g, mid))
			lo = mid;
		else
			hi = mid;
	}
done:
	if (s->best >= 0)
		g->st = best_st;
	else
		g->st = trial_st;
	g->o.rate = s->best >= 0 ? s->trial[s->best].rate : 0;
	g->n_active = 0;
	if (s->n_trials == 0)
		return 0;
	return s->trial[s->best >= 0 ? s->best : (int)s->n_trials - 1].duration_s;
}
