/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's DPDK side (see cp_dpdk.h).
 *
 * Runs on the main lcore only.  It is the single producer of every
 * worker's command ring and the single consumer of every event ring.  A
 * command ring that is full is waited on, never skipped: dropping an
 * install or a delete would leave the fast path disagreeing with the
 * control plane.  A reply is a frame built here and queued on the same
 * ring after the commands it depends on (see dp_msg.h on ordering).
 *
 * While it waits, it moves that worker's events into a backlog handled
 * before the rings next time: a worker answering a delete waits for room
 * on its event ring, so waiting on one ring without emptying the other
 * would deadlock the two threads (a mass expiry, or shutdown with many
 * allocations, fills both).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring_elem.h>

#include "turnpike/dp_msg.h"
#include "cp_dpdk.h"
#include "cp_log.h"
#include "dp_pkt.h"

#define CP_EVT_BURST 64
#define CP_TICK_MS 10

uint64_t
cp_dpdk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Move what @worker's event ring holds to the backlog. */
static void
backlog_take(struct cp_dpdk *cp, uint16_t worker)
{
	struct cp_backlog *b = &cp->backlog;
	unsigned int n;

	if (b->n + CP_EVT_BURST > b->cap) {
		size_t cap = b->cap == 0 ? 1024 : b->cap * 2;
		struct dp_evt *v = realloc(b->v, cap * sizeof(*v));

		if (v == NULL)
			return; /* wait: the worker still makes progress */
		b->v = v;
		b->cap = cap;
	}
	n = rte_ring_sc_dequeue_burst_elem(cp->workers[worker].evt_ring,
					   b->v + b->n, sizeof(*b->v),
					   CP_EVT_BURST, NULL);
	b->n += n;
}

static void
cmd_push(struct cp_dpdk *cp, uint16_t worker, const struct dp_cmd *cmd)
{
	struct rte_ring *r = cp->workers[worker].cmd_ring;
	struct dp_cmd copy = *cmd; /* the ring API takes a non-const source */

	while (rte_ring_sp_enqueue_elem(r, &copy, sizeof(copy)) != 0) {
		cp->ring_full_spins++;
		backlog_take(cp, worker);
		rte_pause();
	}
}

static void
sink_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	cmd_push(ctx, worker, cmd);
}

static void
sink_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	   const struct tp_addr *to, const struct tp_addr *from,
	   const uint8_t *msg, size_t len)
{
	struct cp_dpdk *cp = ctx;
	struct dp_cmd cmd = { .type = DP_CMD_TX };
	struct rte_mbuf *m;
	uint8_t *data;

	if (req == NULL || to->ip.family != TP_AF_INET)
		return; /* replies always answer a request over IPv4 for now */
	m = rte_pktmbuf_alloc(cp->pool);
	if (m == NULL) {
		cp_log(CP_LOG_WARN, "reply.drop", "reason=no_mbuf");
		return;
	}
	data = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (data != NULL)
		memcpy(data, msg, len);
	if (data == NULL ||
	    dp_udp4_push(m, &cp->sh->mac, req->client_mac, from, to, false,
			 cp->sh->tx_ip_cksum_offload,
			 cp->sh->tx_udp_cksum_offload) != 0) {
		rte_pktmbuf_free(m);
		cp_log(CP_LOG_WARN, "reply.drop", "reason=too_big len=%zu", len);
		return;
	}
	cmd.u.tx.mbuf = m;
	cmd_push(cp, worker, &cmd);
}

static void
sink_usage(void *ctx, const struct turn_usage *u)
{
	char client[TP_ADDR_STRLEN], relay[TP_ADDR_STRLEN];

	(void)ctx;
	cp_log(CP_LOG_INFO, "alloc.end",
	       "user=%s client=%s relay=%s duration_ms=%" PRIu64
	       " pkts_from_client=%" PRIu64 " bytes_from_client=%" PRIu64
	       " pkts_to_client=%" PRIu64 " bytes_to_client=%" PRIu64,
	       u->username[0] ? u->username : "-",
	       tp_addr_format(&u->client, client, sizeof(client)),
	       tp_addr_format(&u->relay, relay, sizeof(relay)),
	       u->end_ms - u->start_ms, u->usage.pkts_from_client,
	       u->usage.bytes_from_client, u->usage.pkts_to_client,
	       u->usage.bytes_to_client);
}

void
cp_dpdk_sink_init(struct cp_dpdk *cp, struct cp_sink *sink)
{
	sink->ctx = cp;
	sink->cmd = sink_cmd;
	sink->reply = sink_reply;
	sink->usage = sink_usage;
}

static void
handle_packet(struct cp_dpdk *cp, const struct dp_evt *ev, uint64_t now_ms)
{
	struct rte_mbuf *m = ev->u.packet.mbuf;
	struct turn_packet pkt = {
		.data = rte_pktmbuf_mtod_offset(m, const uint8_t *, ev->u.packet.data_off),
		.len = ev->u.packet.data_len,
		.client = ev->u.packet.client,
		.local = ev->u.packet.local,
		.worker = ev->worker,
	};

	memcpy(pkt.client_mac, ev->u.packet.client_mac, DP_MAC_LEN);
	turn_server_handle(cp->srv, &pkt, now_ms);
	rte_pktmbuf_free(m);
}

/* A worker learned a neighbour: tell the others. */
static void
handle_neigh(struct cp_dpdk *cp, const struct dp_evt *ev)
{
	struct dp_cmd cmd = { .type = DP_CMD_NEIGH_SET };

	cmd.u.neigh = ev->u.neigh;
	for (uint16_t w = 0; w < cp->n_workers; w++)
		if (w != ev->worker)
			cmd_push(cp, w, &cmd);
}

static void
handle_event(struct cp_dpdk *cp, const struct dp_evt *ev, uint64_t now_ms)
{
	switch (ev->type) {
	case DP_EVT_PACKET:
		handle_packet(cp, ev, now_ms);
		break;
	case DP_EVT_ALLOC_END:
		turn_server_alloc_ended(cp->srv, ev->worker, &ev->u.alloc_end);
		break;
	case DP_EVT_NEIGH:
		handle_neigh(cp, ev);
		break;
	}
}

/* Handle the backlog, then drain every event ring once.  @return events
 * handled. */
static unsigned int
drain_events(struct cp_dpdk *cp, uint64_t now_ms)
{
	struct cp_backlog *b = &cp->backlog;
	struct dp_evt evs[CP_EVT_BURST];
	unsigned int total = 0;

	/* Handling may push commands and so grow (and move) the backlog. */
	while (b->head < b->n) {
		struct dp_evt ev = b->v[b->head++];

		handle_event(cp, &ev, now_ms);
		total++;
	}
	b->head = b->n = 0;
	for (uint16_t w = 0; w < cp->n_workers; w++) {
		unsigned int n = rte_ring_sc_dequeue_burst_elem(
			cp->workers[w].evt_ring, evs, sizeof(evs[0]),
			CP_EVT_BURST, NULL);

		for (unsigned int i = 0; i < n; i++)
			handle_event(cp, &evs[i], now_ms);
		total += n;
	}
	return total;
}

void
cp_dpdk_stats_sum(const struct cp_dpdk *cp, struct dp_stats *total,
		  uint64_t *busy_cycles)
{
	memset(total, 0, sizeof(*total));
	*busy_cycles = 0;
	for (uint16_t w = 0; w < cp->n_workers; w++) {
		const struct dp_stats *s = &cp->workers[w].stats;

		for (int i = 0; i < DP_C__COUNT; i++)
			total->c[i] += s->c[i];
		for (int i = 0; i < DP_DROP__COUNT; i++)
			total->drop[i] += s->drop[i];
		*busy_cycles += cp->workers[w].busy_cycles;
	}
}

static void
log_stats(const struct cp_dpdk *cp)
{
	struct dp_stats t;
	uint64_t busy, drops = 0;

	cp_dpdk_stats_sum(cp, &t, &busy);
	for (int i = 0; i < DP_DROP__COUNT; i++)
		drops += t.drop[i];
	cp_log(CP_LOG_INFO, "stats",
	       "allocations=%zu rx=%" PRIu64 " tx=%" PRIu64
	       " relayed_to_peer=%" PRIu64 " relayed_to_client=%" PRIu64
	       " relayed_local=%" PRIu64 " punted=%" PRIu64 " handoffs=%" PRIu64
	       " drops=%" PRIu64 " busy_cycles=%" PRIu64,
	       turn_server_alloc_count(cp->srv), t.c[DP_C_rx_packets],
	       t.c[DP_C_tx_packets],
	       t.c[DP_C_relay_channel_to_peer] + t.c[DP_C_relay_send_to_peer],
	       t.c[DP_C_relay_peer_to_channel] + t.c[DP_C_relay_peer_to_data],
	       t.c[DP_C_relay_local], t.c[DP_C_punted], t.c[DP_C_handoff_out],
	       drops, busy);
}

int
cp_dpdk_admin_stats(void *arg, char *buf, size_t cap)
{
	const struct cp_dpdk *cp = arg;
	struct dp_stats t;
	uint64_t busy;
	size_t len = 0;
	int n;

#define CP_ADMIN_PUT(...)                                                    \
	do {                                                                  \
		n = snprintf(buf + (len < cap ? len : cap),                   \
			     len < cap ? cap - len : 0, __VA_ARGS__);          \
		if (n < 0)                                                    \
			return n;                                             \
		len += (size_t)n;                                             \
	} while (0)

	cp_dpdk_stats_sum(cp, &t, &busy);
	CP_ADMIN_PUT("dp.workers=%u\n", cp->n_workers);
	CP_ADMIN_PUT("dp.busy_cycles=%" PRIu64 "\n", busy);
	CP_ADMIN_PUT("cp.ring_full_spins=%" PRIu64 "\n", cp->ring_full_spins);
	for (int i = 0; i < DP_C__COUNT; i++)
		CP_ADMIN_PUT("dp.%s=%" PRIu64 "\n",
			     dp_counter_name((enum dp_counter)i), t.c[i]);
	for (int i = 0; i < DP_DROP__COUNT; i++)
		CP_ADMIN_PUT("dp.drop.%s=%" PRIu64 "\n",
			     dp_drop_name((enum dp_drop)i), t.drop[i]);
#undef CP_ADMIN_PUT
	return len > INT32_MAX ? -1 : (int)len;
}

/* Every non-zero drop reason by name, so a loss can be explained. */
static void
log_drops(const struct cp_dpdk *cp)
{
	struct dp_stats t;
	uint64_t busy;
	char line[768];
	int n = 0;

	cp_dpdk_stats_sum(cp, &t, &busy);
	line[0] = '\0';
	for (int i = 0; i < DP_DROP__COUNT && n < (int)sizeof(line); i++)
		if (t.drop[i] != 0)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s=%" PRIu64 " ",
				      dp_drop_name((enum dp_drop)i), t.drop[i]);
	cp_log(CP_LOG_INFO, "drops", "%s", n > 0 ? line : "none");
}

void
cp_dpdk_run(struct cp_dpdk *cp)
{
	uint64_t now = cp_dpdk_now_ms(), next_tick = now, next_stats;
	uint64_t deadline;

	next_stats = now + (uint64_t)cp->stats_interval_s * 1000;
	while (!*cp->stop) {
		now = cp_dpdk_now_ms();
		if (drain_events(cp, now) == 0)
			rte_delay_us_sleep(50); /* the control thread may sleep */
		if (now >= next_tick) {
			turn_server_tick(cp->srv, now);
			next_tick = now + CP_TICK_MS;
			cp_log_flush(); /* logs wait at most a tick */
		}
		if (cp->admin != NULL)
			cp_admin_poll(cp->admin, now); /* one syscall per ms */
		if (cp->stats_interval_s > 0 && now >= next_stats) {
			log_stats(cp);
			next_stats = now + (uint64_t)cp->stats_interval_s * 1000;
		}
	}

	/* Orderly end: every allocation gets its usage record. */
	turn_server_shutdown(cp->srv, cp_dpdk_now_ms());
	deadline = cp_dpdk_now_ms() + 2000;
	while (turn_server_alloc_count(cp->srv) > 0 && cp_dpdk_now_ms() < deadline)
		if (drain_events(cp, cp_dpdk_now_ms()) == 0)
			rte_delay_us_sleep(100);
	log_stats(cp);
	log_drops(cp);
	cp_log_flush();
	free(cp->backlog.v);
	cp->backlog = (struct cp_backlog){ 0 };
}
