/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driving the sessions over the wire: start allocations up to the window of
 * outstanding transactions, send what the state machine asks for, feed it
 * responses, and sweep a slice of the sessions each loop turn for
 * retransmissions, keep-alives and (at the end) releases.  Main lcore;
 * owns the session array and the live list.
 *
 * The sweep looks at GEN_SWEEP_PER_TURN sessions per turn, so a run with a
 * million allocations walks them all every few thousand turns (a few ms):
 * timers need no heap or wheel at RFC granularity (500 ms and up).  While
 * traffic flows only the keep-alives are due (minutes apart), and a sweep
 * that fast would cost the generator a session's cache lines for every
 * packet it sends at a million allocations, the same generator that
 * measures the 1k run; so then, and while the last packets drain after
 * it (a zero-loss trial counts what arrives then too), it walks them all
 * once every GEN_SWEEP_TRAFFIC_MS instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "gen.h"

#define GEN_SWEEP_PER_TURN 64
#define GEN_SWEEP_TRAFFIC_MS 1000
#define GEN_STUN_BUF 1500

int
gen_hs_init(struct gen *g)
{
	uint32_t n = g->plan.n_clients;

	g->sess = calloc(n, sizeof(*g->sess));
	g->live = calloc(n, sizeof(*g->live));
	if (g->sess == NULL || g->live == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		bool channel = g->o.mode == GEN_MODE_CHANNEL ||
			       (g->o.mode == GEN_MODE_MIXED && i % 2 == 0);

		gen_session_init(&g->sess[i], i, channel);
	}
	return 0;
}

void
gen_hs_fini(struct gen *g)
{
	free(g->sess);
	free(g->live);
	g->sess = NULL;
	g->live = NULL;
}

/* Build and queue the request of session @idx's transaction. */
static void
send_request(struct gen *g, uint32_t idx, uint64_t now)
{
	struct gen_session *s = &g->sess[idx];
	uint8_t buf[GEN_STUN_BUF];
	struct tp_addr client;
	struct rte_mbuf *m;
	uint8_t *data;
	int len;

	/* Arm the timer first: whatever happens below, it retries. */
	gen_session_sent(&g->sctx, s, now);
	len = gen_session_request(&g->sctx, s, idx, buf, sizeof(buf));
	if (len < 0)
		return;
	m = rte_pktmbuf_alloc(g->pool);
	if (m == NULL) {
		g->st.c[GEN_C_no_mbuf]++;
		return;
	}
	data = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	gen_plan_client(&g->plan, idx, &client);
	if (data == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(data, buf, (size_t)len);
	if (gen_port_udp_push(g, m, &client, &g->o.server) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	gen_ctl_enqueue(g, m);
}

/* Act on what a session said; keep the outstanding count true. */
static void
handle(struct gen *g, uint32_t idx, bool was_waiting, enum gen_sess_event ev,
       uint64_t now)
{
	struct gen_session *s = &g->sess[idx];
	bool waiting = gen_session_waiting(s);

	g->outstanding += (uint32_t)waiting - (uint32_t)was_waiting;
	switch (ev) {
	case GEN_EV_SEND:
	case GEN_EV_RETRANSMIT:
		send_request(g, idx, now);
		break;
	case GEN_EV_READY:
		g->n_ready++;
		g->setup_last = now;
		gen_hist_add(&g->st.setup, (uint64_t)((double)(now - s->t_start) *
						      g->ns_per_tick));
		g->live[g->n_live++] = idx;
		break;
	case GEN_EV_FAILED:
		if (s->t_ready == 0)
			g->n_failed++;
		break;
	default:
		break;
	}
}

void
gen_hs_on_response(struct gen *g, uint32_t idx, const struct stun_msg *msg,
		   uint64_t now)
{
	struct gen_session *s = &g->sess[idx];
	bool was = gen_session_waiting(s);

	handle(g, idx, was, gen_session_on_response(&g->sctx, s, idx, msg, now),
	       now);
}

/* Start new allocations while the window has room (set-up only). */
static void
start_sessions(struct gen *g, uint64_t now)
{
	while (g->next_start < g->plan.n_clients && g->outstanding < g->o.window) {
		uint32_t idx = g->next_start++;

		if (g->setup_first == 0)
			g->setup_first = now;
		handle(g, idx, false,
		       gen_session_start(&g->sctx, &g->sess[idx], now), now);
	}
}

/* Release the live allocations, within the window. */
static void
release_sessions(struct gen *g, uint64_t now)
{
	while (g->release_cursor < g->next_start && g->outstanding < g->o.window) {
		uint32_t idx = g->release_cursor++;
		struct gen_session *s = &g->sess[idx];
		bool was = gen_session_waiting(s);

		handle(g, idx, was, gen_session_release(&g->sctx, s, now), now);
	}
}

/* Sessions to sweep this turn, of @n started: GEN_SWEEP_PER_TURN, or in
 * the traffic and drain phases one walk over all of them per
 * GEN_SWEEP_TRAFFIC_MS. */
static uint32_t
sweep_quota(struct gen *g, uint64_t now, uint32_t n)
{
	if (g->phase != GEN_PHASE_TRAFFIC && g->phase != GEN_PHASE_DRAIN) {
		g->sweep_pace = (struct gen_sweep_pace){ 0 };
		return n > 0 ? GEN_SWEEP_PER_TURN : 0;
	}
	return gen_sweep_quota(&g->sweep_pace, now,
			       g->hz * GEN_SWEEP_TRAFFIC_MS / 1000, n,
			       GEN_SWEEP_PER_TURN);
}

void
gen_hs_poll(struct gen *g, uint64_t now)
{
	uint32_t n = g->next_start, quota;
	bool keepalive = g->phase != GEN_PHASE_RELEASE;

	if (g->o.floor)
		return;
	if (now >= g->next_wall) {
		/* The wall clock, for tokens: once a second is plenty. */
		g->sctx.now_unix = (uint64_t)time(NULL);
		if (gen_auth_refresh(&g->auth, g->sctx.now_unix) < 0)
			fprintf(stderr,
				"turnpike-gen: cannot mint a new token\n");
		g->next_wall = now + g->hz;
	}
	if (g->phase == GEN_PHASE_SETUP)
		start_sessions(g, now);
	else if (g->phase == GEN_PHASE_RELEASE)
		release_sessions(g, now);
	quota = sweep_quota(g, now, n);
	for (uint32_t k = 0; k < quota; k++) {
		uint32_t idx = g->sweep++;
		struct gen_session *s;
		bool was;

		if (g->sweep >= n)
			g->sweep = 0;
		if (idx >= n)
			continue;
		s = &g->sess[idx];
		was = gen_session_waiting(s);
		handle(g, idx, was,
		       gen_session_on_timer(&g->sctx, s, now,
					    keepalive && g->outstanding <
								 g->o.window),
		       now);
	}
}

bool
gen_hs_setup_done(const struct gen *g)
{
	return g->next_start == g->plan.n_clients &&
	       g->n_ready + g->n_failed == g->plan.n_clients;
}

bool
gen_hs_release_done(const struct gen *g)
{
	return g->release_cursor >= g->next_start && g->outstanding == 0;
}
