/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path as one object: building it, running it, taking it down,
 * and the control thread's side of its rings.
 *
 * Runs on the main lcore only.  The control thread is the single producer
 * of every worker's command ring and the single consumer of every event
 * ring.  A command ring that is full is waited on, never skipped: dropping
 * an install or a delete would leave the fast path disagreeing with the
 * control plane.  A reply is a frame built here and queued on the same ring
 * after the commands it depends on (see dp_msg.h on ordering).
 *
 * While it waits, it moves that worker's events into a backlog that the
 * next events_poll returns first: a worker answering a delete waits for
 * room on its event ring, so waiting on one ring without emptying the
 * other would deadlock the two threads (a mass expiry, or shutdown with
 * many allocations, fills both).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp_pkt.h"
#include "dp_plane.h"

#define DP_PLANE_CMD_RING 8192
#define DP_PLANE_EVT_RING 8192
#define DP_PLANE_HANDOFF_RING 2048
#define DP_PLANE_STREAM_RING 4096
#define DP_PLANE_EVT_BURST 64

/* Planes made by this process: names rings and tables apart. */
static uint32_t plane_count;

/* @p ip's entry in sh->our_ips, made if it has none.  The table holds at
 * most DP_MAX_LISTEN + DP_MAX_RELAY_IPS of its DP_OUR_IP_SLOTS: never
 * full. */
static struct dp_our_ip *
our_ip_entry(struct dp_shared *sh, const struct tp_ip *ip)
{
	uint32_t i = dp_our_ip_hash(ip);

	for (;; i++) {
		struct dp_our_ip *e = &sh->our_ips[i & (DP_OUR_IP_SLOTS - 1)];

		if (e->ip.family == TP_AF_NONE) {
			e->ip = *ip;
			e->relay_idx = -1;
			return e;
		}
		if (tp_ip_equal(&e->ip, ip))
			return e;
	}
}

/* Our listening and relay addresses into sh->our_ips (dp_shared.h); an
 * address that is both is one entry, and a relay address listed twice
 * keeps its first index.  (dp_is_listen_addr() keeps its scan: one or two
 * listening addresses cost fewer instructions to compare than to hash.) */
static void
our_ips_fill(struct dp_shared *sh)
{
	RTE_BUILD_BUG_ON(DP_OUR_IP_SLOTS < 2 * (DP_MAX_LISTEN + DP_MAX_RELAY_IPS));
	RTE_BUILD_BUG_ON(DP_MAX_RELAY_IPS > INT8_MAX);
	memset(sh->our_ips, 0, sizeof(sh->our_ips));
	for (int i = 0; i < sh->n_listen; i++)
		our_ip_entry(sh, &sh->listen_ips[i]);
	for (int i = 0; i < sh->n_relay; i++) {
		struct dp_our_ip *e = our_ip_entry(sh, &sh->relay_ips[i]);

		if (e->relay_idx < 0)
			e->relay_idx = (int8_t)i;
	}
}

/* The facts every worker reads, from the parameters and the port. */
static void
shared_fill(struct dp_shared *sh, const struct tp_plane_params *p,
	    uint16_t port_id, const struct dp_port_info *port)
{
	sh->mac = port->mac;
	sh->port_id = port_id;
	sh->n_rx_queues = port->n_rx_queues;
	sh->tx_ip_cksum_offload = port->tx_ip_cksum_offload;
	sh->tx_udp_cksum_offload = port->tx_udp_cksum_offload;
	sh->n_workers = p->n_workers;
	sh->listen_port = p->listen_port;
	sh->min_port = p->min_port;
	sh->max_port = p->max_port;
	sh->chan_max = p->chan_max;
	sh->udp_clients = p->udp_clients;
	sh->n_listen = p->n_listen;
	sh->n_relay = p->n_relay;
	sh->n_local = p->n_local;
	memcpy(sh->listen_ips, p->listen_ips, sizeof(sh->listen_ips));
	memcpy(sh->relay_ips, p->relay_ips, sizeof(sh->relay_ips));
	memcpy(sh->local_nets, p->local_nets, sizeof(sh->local_nets));
	our_ips_fill(sh);
	sh->gateway = p->gateway;
	sh->gateway6 = p->gateway6;
	sh->idle_sleep_us = p->idle_sleep_us;
	sh->neigh_from_kernel = p->neigh_from_kernel;
	sh->has_xport = port->has_xport;
	sh->xport_id = port->xport_id;
	sh->steer_ports = (struct tp_steer_ports){ .listen_port = p->listen_port,
						   .min_port = p->min_port,
						   .max_port = p->max_port };
	sh->tsc_hz = rte_get_tsc_hz();
	sh->request_rate = p->request_rate;
	sh->request_burst = p->request_burst != 0 ? p->request_burst :
						    p->request_rate;
	sh->limit_v4_bits = p->limit_v4_bits != 0 ? p->limit_v4_bits : 24;
	sh->limit_v6_bits = p->limit_v6_bits != 0 ? p->limit_v6_bits : 48;
}

static struct rte_ring *
ring_make(const struct dp_plane *pl, const char *what, uint16_t a, uint16_t b,
	  unsigned int esize, unsigned int count)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "tp%u_%s%u_%u", pl->id, what, a, b);
	return rte_ring_create_elem(name, esize, count, rte_socket_id(),
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

/* Rings, table and identity of worker @i. */
static int
worker_make(struct dp_plane *pl, uint16_t i, const struct dp_plane_rings *r,
	    uint32_t slots)
{
	struct dp_worker *w = &pl->workers[i];
	char name[32];

	w->id = i;
	w->lcore = (uint16_t)pl->lcores[i];
	w->sh = pl->sh;
	w->pool = pl->pool;
	w->quit = &pl->quit;
	w->cmd_ring = ring_make(pl, "cmd", i, 0, sizeof(struct dp_cmd), r->cmd);
	w->evt_ring = ring_make(pl, "evt", i, 0, sizeof(struct dp_evt), r->evt);
	w->stream_in = ring_make(pl, "si", i, 0, sizeof(struct dp_stream_in),
				 r->stream);
	w->stream_out = ring_make(pl, "so", i, 0, sizeof(struct dp_stream_out),
				  r->stream);
	if (w->cmd_ring == NULL || w->evt_ring == NULL ||
	    w->stream_in == NULL || w->stream_out == NULL)
		return -ENOMEM;
	for (uint16_t j = 0; j < pl->n_workers; j++) {
		if (j == i)
			continue;
		w->handoff_out[j] =
			ring_make(pl, "ho", i, j, sizeof(void *), r->handoff);
		if (w->handoff_out[j] == NULL)
			return -ENOMEM;
	}
	snprintf(name, sizeof(name), "tp%u_alloc%u", pl->id, i);
	if (dp_table_init(&w->table, name, slots, DP_PEER_BLOCKS(slots),
			  pl->sh->n_relay, (int)rte_socket_id()) != 0)
		return -ENOMEM;
	/* Data indications need unique transaction IDs (RFC 8489 section 6):
	 * a random prefix per worker, then a counter. */
	if (getrandom(w->tid_prefix, sizeof(w->tid_prefix), 0) !=
	    (ssize_t)sizeof(w->tid_prefix))
		return -EIO;
	/* Each worker its own buckets (and key), counted in TSC cycles. */
	return tp_prefix_limit_init(&w->punt_limit, pl->sh->request_rate,
				    pl->sh->request_burst, pl->sh->tsc_hz,
				    pl->sh->limit_v4_bits, pl->sh->limit_v6_bits);
}

/* Every worker, and the mesh: worker j reads what worker i hands it. */
static int
workers_make(struct dp_plane *pl, const struct dp_plane_rings *rings,
	     uint32_t slots)
{
	struct dp_plane_rings r = {
		.cmd = rings != NULL && rings->cmd != 0 ? rings->cmd :
							  DP_PLANE_CMD_RING,
		.evt = rings != NULL && rings->evt != 0 ? rings->evt :
							  DP_PLANE_EVT_RING,
		.handoff = rings != NULL && rings->handoff != 0 ?
				   rings->handoff :
				   DP_PLANE_HANDOFF_RING,
		.stream = rings != NULL && rings->stream != 0 ?
				  rings->stream :
				  DP_PLANE_STREAM_RING,
	};
	int rc;

	for (uint16_t i = 0; i < pl->n_workers; i++) {
		rc = worker_make(pl, i, &r, slots);
		if (rc != 0)
			return rc;
	}
	for (uint16_t i = 0; i < pl->n_workers; i++)
		for (uint16_t j = 0; j < pl->n_workers; j++)
			if (i != j)
				pl->workers[j].handoff_in[i] =
					pl->workers[i].handoff_out[j];
	return 0;
}

struct dp_plane *
dp_plane_create(const struct tp_plane_params *params, uint16_t port_id,
		const struct dp_port_info *port, struct rte_mempool *pool,
		const unsigned int lcores[], const struct dp_plane_rings *rings,
		char *err, size_t err_len)
{
	struct rte_malloc_socket_stats before, after;
	struct dp_plane *pl;
	uint16_t n = params->n_workers;

	if (n == 0 || n > DP_MAX_WORKERS || params->allocs_per_worker == 0) {
		snprintf(err, err_len,
			 "fast path: %u workers with %u allocations "
			 "each (1-%u workers, at least one allocation)",
			 n, params->allocs_per_worker, DP_MAX_WORKERS);
		return NULL;
	}
	pl = calloc(1, sizeof(*pl));
	if (pl == NULL)
		goto nomem;
	pl->id = plane_count++;
	pl->n_workers = n;
	pl->pool = pool;
	memcpy(pl->lcores, lcores, sizeof(lcores[0]) * n);
	/* The tables' memory is measured: operators size hosts from it. */
	rte_malloc_get_socket_stats((int)rte_socket_id(), &before);
	pl->sh = rte_zmalloc("tp_shared", sizeof(*pl->sh), RTE_CACHE_LINE_SIZE);
	pl->workers = rte_zmalloc("tp_workers", sizeof(*pl->workers) * n,
				  RTE_CACHE_LINE_SIZE);
	if (pl->sh == NULL || pl->workers == NULL)
		goto nomem;
	shared_fill(pl->sh, params, port_id, port);
	if (workers_make(pl, rings, params->allocs_per_worker) != 0)
		goto nomem;
	rte_malloc_get_socket_stats((int)rte_socket_id(), &after);
	pl->table_bytes = after.heap_allocsz_bytes - before.heap_allocsz_bytes;
	return pl;
nomem:
	snprintf(err, err_len,
		 "cannot create the fast path's tables and rings "
		 "(%u workers, %u allocations each): out of memory",
		 n, params->allocs_per_worker);
	dp_plane_destroy(pl);
	return NULL;
}

int
dp_plane_launch(struct dp_plane *pl)
{
	int rc;

	pl->quit = false;
	rte_smp_wmb();
	for (uint16_t i = 0; i < pl->n_workers; i++) {
		rc = rte_eal_remote_launch(dp_worker_run, &pl->workers[i],
					   pl->lcores[i]);
		if (rc != 0) {
			pl->running = i > 0;
			dp_plane_stop(pl);
			return rc;
		}
		pl->running = true;
	}
	return 0;
}

void
dp_plane_stop(struct dp_plane *pl)
{
	if (!pl->running)
		return;
	pl->quit = true;
	for (uint16_t i = 0; i < pl->n_workers; i++)
		rte_eal_wait_lcore(pl->lcores[i]);
	pl->running = false;
}

/* Free every frame a ring of frame pointers still holds. */
static void
ring_free_frames(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/* Free the frames @w's rings and transmit buffer still hold, then them. */
static void
worker_free(struct dp_worker *w)
{
	struct dp_stream_out out;
	struct dp_stream_in in;
	struct dp_cmd c;
	struct dp_evt ev;

	while (w->cmd_ring != NULL &&
	       rte_ring_sc_dequeue_elem(w->cmd_ring, &c, sizeof(c)) == 0)
		if (c.type == DP_CMD_TX)
			rte_pktmbuf_free(c.u.tx.mbuf);
		else if (c.type == DP_CMD_STREAM_TX)
			rte_pktmbuf_free(c.u.stream_tx.mbuf);
	while (w->evt_ring != NULL &&
	       rte_ring_sc_dequeue_elem(w->evt_ring, &ev, sizeof(ev)) == 0)
		if (ev.type == DP_EVT_PACKET)
			rte_pktmbuf_free(ev.u.packet.mbuf);
	rte_pktmbuf_free_bulk(w->tx, w->n_tx);
	w->n_tx = 0;
	rte_pktmbuf_free_bulk(w->xtx, w->n_xtx);
	w->n_xtx = 0;
	while (w->stream_in != NULL &&
	       rte_ring_sc_dequeue_elem(w->stream_in, &in, sizeof(in)) == 0)
		rte_pktmbuf_free(in.mbuf);
	while (w->stream_out != NULL &&
	       rte_ring_sc_dequeue_elem(w->stream_out, &out, sizeof(out)) == 0)
		rte_pktmbuf_free(out.mbuf);
	rte_ring_free(w->stream_in);
	rte_ring_free(w->stream_out);
	for (uint16_t j = 0; j < DP_MAX_WORKERS; j++) {
		ring_free_frames(w->handoff_out[j]);
		rte_ring_free(w->handoff_out[j]);
	}
	rte_ring_free(w->cmd_ring);
	rte_ring_free(w->evt_ring);
	dp_table_fini(&w->table);
}

void
dp_plane_destroy(struct dp_plane *pl)
{
	if (pl == NULL)
		return;
	dp_plane_stop(pl);
	for (size_t i = pl->backlog.head; i < pl->backlog.n; i++)
		if (pl->backlog.v[i].type == DP_EVT_PACKET)
			rte_pktmbuf_free(pl->backlog.v[i].u.packet.mbuf);
	free(pl->backlog.v);
	for (uint16_t i = 0; pl->workers != NULL && i < pl->n_workers; i++)
		worker_free(&pl->workers[i]);
	rte_free(pl->workers);
	rte_free(pl->sh);
	free(pl);
}

/* ------------------------------------------------------------------ */
/* The control thread's doors (struct tp_plane_ops)                    */
/* ------------------------------------------------------------------ */

/* Move what @worker's event ring holds to the backlog. */
static void
backlog_take(struct dp_plane *pl, uint16_t worker)
{
	struct dp_plane_backlog *b = &pl->backlog;

	if (b->n + DP_PLANE_EVT_BURST > b->cap) {
		size_t cap = b->cap == 0 ? 1024 : b->cap * 2;
		struct dp_evt *v = realloc(b->v, cap * sizeof(*v));

		if (v == NULL)
			return; /* wait: the worker still makes progress */
		b->v = v;
		b->cap = cap;
	}
	b->n += rte_ring_sc_dequeue_burst_elem(pl->workers[worker].evt_ring,
					       b->v + b->n, sizeof(*b->v),
					       DP_PLANE_EVT_BURST, NULL);
}

static void
plane_cmd_send(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct dp_plane *pl = ctx;
	struct rte_ring *r = pl->workers[worker].cmd_ring;
	struct dp_cmd copy = *cmd; /* the ring API takes a non-const source */

	while (rte_ring_sp_enqueue_elem(r, &copy, sizeof(copy)) != 0) {
		pl->ring_full_spins++;
		backlog_take(pl, worker);
		rte_pause();
	}
}

static int
plane_reply_send(void *ctx, uint16_t worker, const uint8_t next_hop[DP_MAC_LEN],
		 const struct tp_addr *to, const struct tp_addr *from,
		 const uint8_t *msg, size_t len)
{
	struct dp_plane *pl = ctx;
	const struct dp_shared *sh = pl->sh;
	struct dp_cmd cmd = { .type = DP_CMD_TX };
	struct rte_mbuf *m;
	uint8_t *data;

	if (to->ip.family != from->ip.family)
		return -EAFNOSUPPORT;
	m = rte_pktmbuf_alloc(pl->pool);
	if (m == NULL)
		return -ENOBUFS;
	data = len <= UINT16_MAX ?
		       (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len) :
		       NULL;
	if (data != NULL)
		memcpy(data, msg, len); /* before the headers: they sum it */
	if (data == NULL ||
	    dp_udp_push(m, &sh->mac, next_hop, from, to, false,
			sh->tx_ip_cksum_offload, sh->tx_udp_cksum_offload,
			DP_SUM_UNKNOWN) != 0) {
		rte_pktmbuf_free(m);
		return -EMSGSIZE;
	}
	cmd.u.tx.mbuf = m;
	plane_cmd_send(pl, worker, &cmd);
	return 0;
}

static unsigned int
plane_events_poll(void *ctx, struct dp_evt *ev, unsigned int max)
{
	struct dp_plane *pl = ctx;
	struct dp_plane_backlog *b = &pl->backlog;
	unsigned int got = 0;

	/* Handling an event may push commands and so grow (and move) the
	 * backlog: hand out copies, and reset it only once it is empty. */
	while (got < max && b->head < b->n)
		ev[got++] = b->v[b->head++];
	if (b->head == b->n)
		b->head = b->n = 0;
	for (uint16_t k = 0; k < pl->n_workers && got < max; k++) {
		uint16_t w = (uint16_t)((pl->poll_next + k) % pl->n_workers);

		got += rte_ring_sc_dequeue_burst_elem(pl->workers[w].evt_ring,
						      ev + got, sizeof(*ev),
						      max - got, NULL);
	}
	pl->poll_next = (uint16_t)((pl->poll_next + 1) % pl->n_workers);
	return got;
}

/* A punted packet's frame, or a stream message, given back. */
static void
plane_frame_free(void *ctx, void *mbuf)
{
	(void)ctx;
	rte_pktmbuf_free(mbuf);
}

static void
plane_stats_sum(void *ctx, struct tp_plane_stats *out)
{
	const struct dp_plane *pl = ctx;

	memset(out, 0, sizeof(*out));
	for (uint16_t w = 0; w < pl->n_workers; w++) {
		const struct dp_stats *s = &pl->workers[w].stats;

		for (int i = 0; i < DP_C__COUNT; i++)
			out->total.c[i] += s->c[i];
		for (int i = 0; i < DP_DROP__COUNT; i++)
			out->total.drop[i] += s->drop[i];
		for (int i = 0; i < DP_DIR__COUNT; i++)
			out->total.relayed_bytes[i] += s->relayed_bytes[i];
		out->busy_cycles += pl->workers[w].busy_cycles;
	}
	out->cmd_ring_full_spins = pl->ring_full_spins;
}

static void
plane_worker_stats(void *ctx, uint16_t worker, struct dp_stats *out,
		   uint64_t *busy_cycles)
{
	const struct dp_plane *pl = ctx;

	if (worker >= pl->n_workers) {
		memset(out, 0, sizeof(*out));
		*busy_cycles = 0;
		return;
	}
	*out = pl->workers[worker].stats;
	*busy_cycles = pl->workers[worker].busy_cycles;
}

/* A message copied into a fresh frame buffer, or NULL. */
static struct rte_mbuf *
frame_copy(struct dp_plane *pl, const uint8_t *data, size_t len, int *rc)
{
	struct rte_mbuf *m;
	uint8_t *p;

	if (len > (size_t)rte_pktmbuf_data_room_size(pl->pool) -
			  RTE_PKTMBUF_HEADROOM) {
		*rc = -EMSGSIZE;
		return NULL;
	}
	m = rte_pktmbuf_alloc(pl->pool);
	if (m == NULL) {
		*rc = -ENOBUFS;
		return NULL;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		*rc = -EMSGSIZE;
		return NULL;
	}
	memcpy(p, data, len);
	*rc = 0;
	return m;
}

static int
plane_stream_send(void *ctx, uint16_t worker, const struct tp_addr *client,
		  const struct tp_addr *local, uint8_t transport,
		  const uint8_t *data, size_t len)
{
	struct dp_plane *pl = ctx;
	struct dp_stream_in in = { .client = *client,
				   .local = *local,
				   .transport = transport };
	int rc;

	in.mbuf = frame_copy(pl, data, len, &rc);
	if (in.mbuf == NULL)
		return rc;
	if (rte_ring_sp_enqueue_elem(pl->workers[worker].stream_in, &in,
				     sizeof(in)) != 0) {
		rte_pktmbuf_free(in.mbuf);
		return -ENOBUFS;
	}
	return 0;
}

static unsigned int
plane_stream_poll(void *ctx, uint16_t worker, struct tp_stream_msg *out,
		  unsigned int max)
{
	struct dp_plane *pl = ctx;
	struct dp_stream_out o[DP_PLANE_EVT_BURST];
	unsigned int n;

	n = rte_ring_sc_dequeue_burst_elem(pl->workers[worker].stream_out, o,
					   sizeof(o[0]),
					   RTE_MIN(max, (unsigned int)RTE_DIM(o)),
					   NULL);
	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = o[i].mbuf;

		out[i] = (struct tp_stream_msg){
			.conn = o[i].conn,
			.data = rte_pktmbuf_mtod(m, const uint8_t *),
			.len = rte_pktmbuf_pkt_len(m),
			.handle = m,
		};
	}
	return n;
}

static int
plane_stream_reply(void *ctx, uint16_t worker, uint32_t conn,
		   const uint8_t *msg, size_t len)
{
	struct dp_plane *pl = ctx;
	struct dp_cmd cmd = { .type = DP_CMD_STREAM_TX };
	int rc;

	cmd.u.stream_tx.conn = conn;
	cmd.u.stream_tx.mbuf = frame_copy(pl, msg, len, &rc);
	if (cmd.u.stream_tx.mbuf == NULL)
		return rc;
	plane_cmd_send(pl, worker, &cmd);
	return 0;
}

void
dp_plane_ops(struct dp_plane *pl, struct tp_plane_ops *ops)
{
	*ops = (struct tp_plane_ops){
		.ctx = pl,
		.n_workers = pl->n_workers,
		.cmd_send = plane_cmd_send,
		.reply_send = plane_reply_send,
		.events_poll = plane_events_poll,
		.packet_free = plane_frame_free,
		.stats_sum = plane_stats_sum,
		.worker_stats = plane_worker_stats,
		.stream_send = plane_stream_send,
		.stream_poll = plane_stream_poll,
		.stream_done = plane_frame_free,
		.stream_reply = plane_stream_reply,
	};
}
