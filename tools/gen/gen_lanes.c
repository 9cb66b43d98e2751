/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --queues K: the traffic phase on K lcores, for a relay with K workers.
 * The main lcore sets up every allocation as usual (sending on queue 0,
 * polling every queue), then makes K lanes, each a copy of its context
 * with counters of its own, and runs lane 0 itself and lanes 1..K-1 on
 * the next worker lcores.  When they are done it merges their counters and
 * latency histograms back and goes on (release, report) alone.
 *
 * Lane i sends for the allocations whose client address turnpike's worker
 * i of K owns (dp_owner_of_client(), the same pure function the relay
 * uses) on TX queue i, and receives from RX queue i: over a link without
 * RSS such as memif, queue i is worker i's, so every client frame reaches
 * its owner, relayed datagrams come back on the owner's queue, and the
 * peers' echoes go back on it to the relay port's owner: no worker hands a
 * frame to another.  (A NIC spreads by its own RSS hash instead, and
 * turnpike's workers then hand frames to their owners.)  The rate is
 * shared in proportion to each lane's allocations.
 *
 * During the lanes nobody runs the sessions' timers, and a STUN response
 * that arrives is counted and dropped: refreshes are minutes apart, a
 * traffic phase is seconds.  The sessions, the plan and the credentials
 * are only read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "gen.h"
#include "turnpike/dp_msg.h"

/* One lane: send and receive for the traffic's duration, then drain. */
static int
lane_main(void *arg)
{
	struct gen *l = arg;
	uint64_t now = rte_rdtsc(), t_end;

	gen_traffic_start(l, now);
	gen_run_phase(l, GEN_PHASE_TRAFFIC,
		      now + (uint64_t)(l->o.duration_s * (double)l->hz));
	l->sending = false;
	t_end = rte_rdtsc();
	l->last_traffic_rx = RTE_MAX(l->last_traffic_rx, t_end);
	l->t_traffic_end = t_end;
	gen_run_phase(l, GEN_PHASE_DRAIN, t_end + l->hz * l->o.drain_ms / 1000);
	return 0;
}

/* Lane @i of @k: a copy of @g for queue i and the allocations worker i
 * owns.  @return 0 or -ENOMEM. */
static int
lane_init(struct gen *l, const struct gen *g, uint16_t i, uint16_t k)
{
	struct tp_addr client;

	*l = *g;
	memset(&l->st, 0, sizeof(l->st));
	gen_hist_reset(&l->st.setup);
	gen_hist_reset(&l->st.to_peer);
	gen_hist_reset(&l->st.to_client);
	l->lane = true;
	l->txq = l->rxq0 = i;
	l->n_rxq = 1;
	l->n_ctl = l->n_echo = l->n_pending = 0;
	l->rr = 0;
	l->n_active = 0;
	l->seq = g->seq + ((uint64_t)i << 48);
	l->o.progress_s = i == 0 ? g->o.progress_s : 0;
	l->progress_sent = l->progress_recv = 0;
	l->live = malloc(sizeof(*l->live) * (g->n_live + 1));
	if (l->live == NULL)
		return -ENOMEM;
	l->n_live = 0;
	for (uint32_t j = 0; j < g->n_live; j++) {
		gen_plan_client(&g->plan, g->live[j], &client);
		if (dp_owner_of_client(&client, k) == i)
			l->live[l->n_live++] = g->live[j];
	}
	if (g->o.rate != 0 && g->n_live > 0)
		l->o.rate =
			RTE_MAX(g->o.rate * l->n_live / g->n_live, (uint64_t)1);
	return 0;
}

double
gen_lanes_run(struct gen *g)
{
	const uint16_t k = g->o.queues;
	struct gen *lanes = calloc(k, sizeof(*lanes));
	unsigned int lcore = rte_get_main_lcore();
	uint64_t t0 = UINT64_MAX, t_end = 0;
	double traffic_s = -1;
	uint16_t i;

	if (lanes == NULL)
		return -1;
	for (i = 0; i < k; i++)
		if (lane_init(&lanes[i], g, i, k) != 0)
			goto out;
	for (i = 1; i < k; i++) {
		lcore = rte_get_next_lcore(lcore, 1, 0);
		if (lcore >= RTE_MAX_LCORE ||
		    rte_eal_remote_launch(lane_main, &lanes[i], lcore) != 0) {
			fprintf(stderr, "turnpike-gen: no lcore for lane %u\n",
				i);
			*g->stop = 2; /* the lanes launched end at once */
			rte_eal_mp_wait_lcore();
			goto out;
		}
	}
	lane_main(&lanes[0]);
	rte_eal_mp_wait_lcore();

	for (i = 0; i < k; i++) {
		struct gen *l = &lanes[i];

		for (int c = 0; c < GEN_C__COUNT; c++)
			g->st.c[c] += l->st.c[c];
		gen_hist_merge(&g->st.to_peer, &l->st.to_peer);
		gen_hist_merge(&g->st.to_client, &l->st.to_client);
		g->last_traffic_rx =
			RTE_MAX(g->last_traffic_rx, l->last_traffic_rx);
		t0 = RTE_MIN(t0, l->t_traffic0);
		t_end = RTE_MAX(t_end, l->t_traffic_end);
		fprintf(stderr,
			"[turnpike-gen] lane %u: %u allocations, to peer %" PRIu64
			"/%" PRIu64 ", to client %" PRIu64 "/%" PRIu64 "\n",
			i, l->n_live, l->st.c[GEN_C_to_peer_received],
			l->st.c[GEN_C_to_peer_sent],
			l->st.c[GEN_C_to_client_received],
			l->st.c[GEN_C_to_client_sent]);
	}
	g->t_traffic0 = t0;
	traffic_s = (double)(t_end - t0) / (double)g->hz;
out:
	for (i = 0; i < k; i++)
		free(lanes[i].live);
	free(lanes);
	return traffic_s;
}
