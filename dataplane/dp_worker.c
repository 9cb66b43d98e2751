/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker main loop, its transmit buffer and its handoffs to other
 * workers.
 *
 * Runs on each worker lcore.  A turn of the loop: read the TSC once, take a
 * burst from our RX queue (if we have one) and from each handoff ring,
 * classify and relay, send what is queued; every DP_CMD_DRAIN_EVERY turns,
 * or when idle, apply the control plane's commands.  In exception-port
 * mode the NIC's frames are steered first (dp_xport.h), and the exception
 * port is read every DP_XPORT_POLL_EVERY turns or when idle.  Cycles of turns that
 * did work are summed into busy_cycles, so benchmarks can report cycles per
 * relayed packet without counting empty polls.
 */
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_cmd.h"
#include "dp_input.h"
#include "dp_relay.h"
#include "dp_worker.h"
#include "dp_xport.h"

void
dp_tx_enqueue(struct dp_worker *w, struct rte_mbuf *m)
{
	if (w->n_tx == RTE_DIM(w->tx))
		dp_tx_flush(w);
	w->tx[w->n_tx++] = m;
}

void
dp_tx_flush(struct dp_worker *w)
{
	uint16_t sent, i;

	if (w->n_tx == 0)
		return;
	sent = rte_eth_tx_burst(w->sh->port_id, w->id, w->tx, w->n_tx);
	for (i = 0; i < sent; i++)
		w->stats.c[DP_C_tx_bytes] += rte_pktmbuf_pkt_len(w->tx[i]);
	w->stats.c[DP_C_tx_packets] += sent;
	for (i = sent; i < w->n_tx; i++)
		dp_drop(w, w->tx[i], DP_DROP_tx_full);
	w->n_tx = 0;
}

void
dp_handoff(struct dp_worker *w, struct rte_mbuf *m, uint16_t owner)
{
	if (rte_ring_sp_enqueue(w->handoff_out[owner], m) != 0) {
		dp_drop(w, m, DP_DROP_handoff_ring_full);
		return;
	}
	w->stats.c[DP_C_handoff_out]++;
}

/* One burst of what the stream threads sent.  @return messages seen. */
static unsigned int
stream_poll(struct dp_worker *w)
{
	struct dp_stream_in in[DP_BURST];
	unsigned int n;

	n = rte_ring_sc_dequeue_burst_elem(w->stream_in, in, sizeof(in[0]),
					   DP_BURST, NULL);
	for (unsigned int i = 0; i < n; i++)
		dp_relay_from_stream(w, &in[i]);
	return n;
}

unsigned int
dp_worker_poll(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned int total = 0, n;

	if (w->id < w->sh->n_rx_queues) {
		n = rte_eth_rx_burst(w->sh->port_id, w->id, pkts, DP_BURST);
		w->stats.c[DP_C_rx_packets] += n;
		for (unsigned int i = 0; i < n; i++) {
			w->stats.c[DP_C_rx_bytes] += rte_pktmbuf_pkt_len(pkts[i]);
			if (w->sh->has_xport)
				dp_xport_steer(w, pkts[i]);
		}
		if (!w->sh->has_xport)
			dp_input_burst(w, pkts, n);
		total += n;
	}
	for (uint16_t j = 0; j < w->sh->n_workers; j++) {
		if (w->handoff_in[j] == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(w->handoff_in[j], (void **)pkts,
					      DP_BURST, NULL);
		w->stats.c[DP_C_handoff_in] += n;
		dp_input_burst(w, pkts, n);
		total += n;
	}
	total += stream_poll(w);
	dp_tx_flush(w);
	dp_xport_flush(w);
	return total;
}

int
dp_worker_run(void *arg)
{
	struct dp_worker *w = arg;
	unsigned int turn = 0, idle = 0;

	while (!*w->quit) {
		uint64_t start = rte_rdtsc();
		unsigned int n;

		w->now = start;
		n = dp_worker_poll(w);
		/* The kernel's frames: see DP_XPORT_POLL_EVERY for the cadence. */
		if (w->sh->has_xport &&
		    (turn % DP_XPORT_POLL_EVERY == 0 || n == 0))
			n += dp_xport_poll(w);
		if (++turn % DP_CMD_DRAIN_EVERY == 0 || n == 0)
			dp_cmd_drain(w);
		if (n > 0) {
			w->busy_cycles += rte_rdtsc() - start;
			idle = 0;
		} else if (w->sh->idle_sleep_us > 0 && ++idle > 256) {
			/* Virtual devices on shared cores: yield when idle. */
			usleep(w->sh->idle_sleep_us);
		}
	}
	dp_cmd_drain(w);
	return 0;
}
