/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread's loop (controlplane/cp_loop.c) against a fake fast
 * path: a struct tp_plane_ops whose events come from a queue the test
 * fills and whose commands and reply frames are recorded, as a worker
 * would see them.  No DPDK: that the loop runs here at all is the point of
 * turnpike/plane.h.
 *
 * Checked: a punted Binding request is answered through reply_send to the
 * client's next hop and its frame given back; an Allocate's install reaches
 * the owning worker before its reply; a neighbour one worker learned is
 * told to every other worker and not back to it, and a miss is ignored
 * without a kernel neighbour source; on stop every allocation
 * is deleted and the loop waits for its final counters; the admin stats
 * print the plane's summed counters, and the port's own when it has some;
 * a drain (SIGUSR1's flag or the admin's call) refuses new allocations and
 * ends the loop by itself once few enough are left, and not before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cp_loop.h"
#include "fleet_stats.h"
#include "redis_conf.h"
#include "turn_harness.h"
#include "turnpike/plane.h"
#include "turnpike/stun.h"

#define N_WORKERS 3
#define MAX_CALLS 64
#define FRAME_OFF 42 /* where the fake frame's UDP payload starts */

enum call_kind {
	CALL_CMD = 1,
	CALL_REPLY
};

struct call {
	enum call_kind kind;
	uint16_t worker;
	uint32_t cmd_type;
	struct tp_addr to, from;
	uint8_t next_hop[DP_MAC_LEN];
	uint8_t msg[TURN_REPLY_MAX];
	size_t len;
};

/* The fake fast path: events in, calls out. */
struct fake_plane {
	struct dp_evt q[MAX_CALLS];
	unsigned int head, n;
	struct call calls[MAX_CALLS];
	unsigned int n_calls;
	unsigned int freed; /* frames given back */
	unsigned int stats_calls;
	volatile bool stop;
	/* Drain tests: an empty queue does not stop the loop; after
	 * poll_limit polls the fake stops it and says so (stopped_by_fake). */
	bool keep_going;
	unsigned int polls, poll_limit;
	bool stopped_by_fake;
	uint8_t frames[4][256]; /* the punted frames' bytes */
};

static void
fake_cmd_send(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct fake_plane *f = ctx;
	struct call *c = &f->calls[f->n_calls++];

	assert_true(f->n_calls <= MAX_CALLS);
	c->kind = CALL_CMD;
	c->worker = worker;
	c->cmd_type = cmd->type;
	/* As a worker does: a delete is answered with the final counters. */
	if (cmd->type == DP_CMD_ALLOC_DEL) {
		struct dp_evt *ev = &f->q[f->n++];

		memset(ev, 0, sizeof(*ev));
		ev->type = DP_EVT_ALLOC_END;
		ev->worker = worker;
		ev->u.alloc_end.ref = cmd->u.alloc.ref;
		ev->u.alloc_end.usage.pkts_from_client = 7;
	}
}

static int
fake_reply_send(void *ctx, uint16_t worker, const uint8_t next_hop[DP_MAC_LEN],
		const struct tp_addr *to, const struct tp_addr *from,
		const uint8_t *msg, size_t len)
{
	struct fake_plane *f = ctx;
	struct call *c = &f->calls[f->n_calls++];

	assert_true(f->n_calls <= MAX_CALLS);
	assert_true(len <= sizeof(c->msg));
	c->kind = CALL_REPLY;
	c->worker = worker;
	c->to = *to;
	c->from = *from;
	memcpy(c->next_hop, next_hop, DP_MAC_LEN);
	memcpy(c->msg, msg, len);
	c->len = len;
	return 0;
}

/* Hands out the queue; once it is empty, asks the loop to stop. */
static unsigned int
fake_events_poll(void *ctx, struct dp_evt *ev, unsigned int max)
{
	struct fake_plane *f = ctx;
	unsigned int got = 0;

	while (got < max && f->head < f->n)
		ev[got++] = f->q[f->head++];
	if (got == 0 && !f->keep_going)
		f->stop = true;
	if (f->keep_going && ++f->polls >= f->poll_limit && !f->stop) {
		f->stop = true;
		f->stopped_by_fake = true;
	}
	return got;
}

static void
fake_packet_free(void *ctx, void *mbuf)
{
	struct fake_plane *f = ctx;

	assert_non_null(mbuf);
	f->freed++;
}

static void
fake_stats_sum(void *ctx, struct tp_plane_stats *out)
{
	struct fake_plane *f = ctx;

	memset(out, 0, sizeof(*out));
	out->total.c[DP_C_rx_packets] = 1000;
	out->total.drop[DP_DROP_no_permission] = 5;
	out->busy_cycles = 424242;
	out->cmd_ring_full_spins = 7;
	f->stats_calls++;
}

struct fixture {
	struct harness h;
	struct fake_plane plane;
	struct cp_loop loop;
	struct cp_sink sink;
	struct h_client client;
};

static int
setup(void **state)
{
	struct fixture *fx = test_calloc(1, sizeof(*fx));

	h_init(&fx->h, N_WORKERS, true);
	fx->loop.plane = (struct tp_plane_ops){
		.ctx = &fx->plane,
		.n_workers = N_WORKERS,
		.cmd_send = fake_cmd_send,
		.reply_send = fake_reply_send,
		.events_poll = fake_events_poll,
		.packet_free = fake_packet_free,
		.stats_sum = fake_stats_sum,
	};
	fx->loop.stop = &fx->plane.stop;
	cp_loop_sink_init(&fx->loop, &fx->sink);
	fx->loop.srv = turn_server_create(&fx->h.params, &fx->sink);
	assert_non_null(fx->loop.srv);
	h_client_init(&fx->client, NULL, NULL, 9, 40000);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	turn_server_destroy(fx->loop.srv);
	test_free(fx);
	return 0;
}

/* Queue a STUN request from the client as its owner worker punts it. */
static void
punt(struct fixture *fx, uint16_t method)
{
	struct fake_plane *f = &fx->plane;
	uint8_t *frame = f->frames[f->n % 4];
	struct dp_evt *ev = &f->q[f->n++];
	struct stun_builder b;
	size_t len;

	h_req_begin(&fx->client, &b, frame + FRAME_OFF, 256 - FRAME_OFF, method);
	if (method == STUN_METHOD_ALLOCATE)
		stun_build_transport(&b, H_UDP);
	len = h_req_end(&fx->client, &b);
	memset(ev, 0, sizeof(*ev));
	ev->type = DP_EVT_PACKET;
	ev->worker = dp_owner_of_client(&fx->client.addr, N_WORKERS);
	ev->u.packet.mbuf = frame; /* any non-NULL handle */
	ev->u.packet.frame = frame;
	ev->u.packet.data_off = FRAME_OFF;
	ev->u.packet.data_len = (uint16_t)len;
	ev->u.packet.client = fx->client.addr;
	ev->u.packet.local = fx->client.local;
	memcpy(ev->u.packet.client_mac, "\x02\0\0\0\x0c\x09", DP_MAC_LEN);
}

static const struct call *
find_call(const struct fake_plane *f, enum call_kind kind, uint32_t cmd_type,
	  unsigned int from)
{
	for (unsigned int i = from; i < f->n_calls; i++)
		if (f->calls[i].kind == kind &&
		    (kind != CALL_CMD || f->calls[i].cmd_type == cmd_type))
			return &f->calls[i];
	return NULL;
}

static void
test_binding_answered(void **state)
{
	struct fixture *fx = *state;
	const struct call *r;
	struct stun_msg msg;
	struct tp_addr mapped;

	punt(fx, STUN_METHOD_BINDING);
	cp_loop_run(&fx->loop);
	r = find_call(&fx->plane, CALL_REPLY, 0, 0);
	assert_non_null(r);
	assert_int_equal(r->worker,
			 dp_owner_of_client(&fx->client.addr, N_WORKERS));
	assert_memory_equal(r->next_hop, "\x02\0\0\0\x0c\x09", DP_MAC_LEN);
	assert_true(tp_ip_equal(&r->to.ip, &fx->client.addr.ip));
	assert_int_equal(r->to.port, fx->client.addr.port);
	assert_int_equal(r->from.port, fx->client.local.port);
	assert_int_equal(stun_msg_decode(&msg, r->msg, r->len), STUN_OK);
	assert_int_equal(msg.method, STUN_METHOD_BINDING);
	assert_int_equal(msg.cls, STUN_CLASS_SUCCESS);
	assert_int_equal(stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_MAPPED_ADDRESS,
					       &mapped),
			 0);
	assert_int_equal(mapped.port, fx->client.addr.port);
	assert_int_equal(fx->plane.freed, 1);
	assert_true(fx->plane.stats_calls >= 1); /* the final stats line */
}

static void
test_allocate_install_before_reply_then_deleted_on_stop(void **state)
{
	struct fixture *fx = *state;
	struct fake_plane *f = &fx->plane;
	uint16_t owner = dp_owner_of_client(&fx->client.addr, N_WORKERS);
	const struct call *add, *reply, *del;
	struct stun_msg msg;

	punt(fx, STUN_METHOD_ALLOCATE);
	cp_loop_run(&fx->loop);
	add = find_call(f, CALL_CMD, DP_CMD_ALLOC_ADD, 0);
	reply = find_call(f, CALL_REPLY, 0, 0);
	assert_non_null(add);
	assert_non_null(reply);
	assert_true(add < reply); /* the install is queued first */
	assert_int_equal(add->worker, owner);
	assert_int_equal(reply->worker, owner);
	assert_int_equal(stun_msg_decode(&msg, reply->msg, reply->len), STUN_OK);
	assert_int_equal(msg.cls, STUN_CLASS_SUCCESS);
	/* Stopping ended the allocation and waited for its counters. */
	del = find_call(f, CALL_CMD, DP_CMD_ALLOC_DEL,
			(unsigned int)(reply - f->calls));
	assert_non_null(del);
	assert_int_equal(del->worker, owner);
	assert_int_equal(turn_server_alloc_count(fx->loop.srv), 0);
	assert_int_equal(f->head, f->n); /* the ALLOC_END was taken */
}

/* With redis-statsdb, an allocation's creation and end (its traffic and
 * "deleted") are queued for Redis, and the admin stats count them.  No
 * Redis answers on port 1: the events wait, and are dropped at stop. */
static void
test_allocation_news_for_statsdb(void **state)
{
	struct fixture *fx = *state;
	static struct fleet_stats fs;
	struct redis_conf rc;
	char err[128], buf[8192];
	int n;

	assert_int_equal(redis_conf_parse("ip=127.0.0.1 port=1 "
					  "connect_timeout=1",
					  &rc, err, sizeof(err)),
			 0);
	assert_int_equal(fleet_stats_start(&fs, &rc, err, sizeof(err)), 0);
	fx->loop.statsdb = &fs;
	punt(fx, STUN_METHOD_ALLOCATE);
	cp_loop_run(&fx->loop);
	assert_int_equal(turn_server_alloc_count(fx->loop.srv), 0);
	/* new, then at its end traffic and deleted */
	assert_int_equal(fleet_stats_counter(&fs, FLEET_STATS_C_queued), 3);
	n = cp_loop_admin_stats(&fx->loop, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf, "statsdb.queued=3\n"));
	assert_non_null(strstr(buf, "statsdb.redis_up=0\n"));
	fleet_stats_stop(&fs);
	assert_int_equal(fleet_stats_counter(&fs, FLEET_STATS_C_published), 0);
	assert_int_equal(fleet_stats_counter(&fs, FLEET_STATS_C_dropped), 3);
}

static void
test_neighbour_told_to_the_others(void **state)
{
	struct fixture *fx = *state;
	struct fake_plane *f = &fx->plane;
	struct dp_evt *ev = &f->q[f->n++];
	bool told[N_WORKERS] = { false };

	memset(ev, 0, sizeof(*ev));
	ev->type = DP_EVT_NEIGH;
	ev->worker = 1;
	ev->u.neigh.ip = tp_ip_v4(0xC0000201);
	cp_loop_run(&fx->loop);
	for (unsigned int i = 0; i < f->n_calls; i++) {
		assert_int_equal(f->calls[i].kind, CALL_CMD);
		assert_int_equal(f->calls[i].cmd_type, DP_CMD_NEIGH_SET);
		assert_false(told[f->calls[i].worker]);
		told[f->calls[i].worker] = true;
	}
	assert_int_equal(f->n_calls, N_WORKERS - 1);
	assert_true(told[0] && !told[1] && told[2]);
}

/* Without a kernel neighbour source (every mode but AF_XDP) a worker's
 * miss or in-use report is no one's business: nothing is sent. */
static void
test_neighbour_miss_without_source(void **state)
{
	struct fixture *fx = *state;
	struct fake_plane *f = &fx->plane;

	for (uint32_t t = DP_EVT_NEIGH_MISS; t <= DP_EVT_NEIGH_USED; t++) {
		struct dp_evt *ev = &f->q[f->n++];

		memset(ev, 0, sizeof(*ev));
		ev->type = t;
		ev->u.neigh.ip = tp_ip_v4(0xC0000201);
	}
	assert_null(fx->loop.neigh);
	cp_loop_run(&fx->loop);
	assert_int_equal(f->n_calls, 0);
}

static void
test_admin_stats(void **state)
{
	struct fixture *fx = *state;
	char buf[8192];
	int n;

	n = cp_loop_admin_stats(&fx->loop, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf, "dp.workers=3\n"));
	assert_non_null(strstr(buf, "dp.busy_cycles=424242\n"));
	assert_non_null(strstr(buf, "cp.ring_full_spins=7\n"));
	assert_non_null(strstr(buf, "dp.rx_packets=1000\n"));
	assert_non_null(strstr(buf, "dp.drop.no_permission=5\n"));
	assert_non_null(strstr(buf, "dp.drop.bad_ip=0\n"));
	assert_null(strstr(buf, "xdp."));
	/* Too small a buffer: the length needed, as snprintf. */
	assert_int_equal(cp_loop_admin_stats(&fx->loop, buf, 8), n);
}

/* The port's own counters (the XDP program's in AF_XDP mode). */
static int port_tag; /* what port_ctx points at */

static unsigned int
fake_port_counters(void *port_ctx, struct tp_plane_counter *out, unsigned int max)
{
	static const char *const names[] = { "xdp.redirected",
					     "xdp.pass_not_ours" };
	unsigned int n = 0;

	assert_ptr_equal(port_ctx, &port_tag);
	for (; n < max && n < 2; n++)
		out[n] = (struct tp_plane_counter){ names[n], 40 + n };
	return n;
}

static void
test_admin_stats_port_counters(void **state)
{
	struct fixture *fx = *state;
	char buf[8192];
	int n;

	fx->loop.plane.port_counters = fake_port_counters;
	fx->loop.plane.port_ctx = &port_tag;
	n = cp_loop_admin_stats(&fx->loop, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf,
			       "\nxdp.redirected=40\nxdp.pass_not_ours=41\n"));
}

/* The code of the first reply recorded (0 = success). */
static uint16_t
first_reply_code(const struct fake_plane *f)
{
	const struct call *r = find_call(f, CALL_REPLY, 0, 0);
	struct stun_msg msg;

	assert_non_null(r);
	assert_int_equal(stun_msg_decode(&msg, r->msg, r->len), STUN_OK);
	return h_code(&msg);
}

/* SIGUSR1's flag: the loop drains, clears it, and ends by itself once the
 * live allocations are drain_min_allocs (1 here) or fewer; the orderly
 * end then deletes the one left, as on SIGTERM. */
static void
test_drain_signal_ends_at_min(void **state)
{
	struct fixture *fx = *state;
	struct fake_plane *f = &fx->plane;
	volatile sig_atomic_t req = 1;

	f->keep_going = true;
	f->poll_limit = 1000000; /* a safety net, never reached */
	fx->loop.drain_req = &req;
	fx->loop.drain_min_allocs = 1;
	punt(fx, STUN_METHOD_ALLOCATE);
	cp_loop_run(&fx->loop);
	assert_false(f->stopped_by_fake); /* the drain ended it */
	assert_true(f->stop);
	assert_int_equal(req, 0);
	assert_true(turn_server_draining(fx->loop.srv));
	assert_int_equal(first_reply_code(f), 0); /* came before the drain */
	assert_non_null(find_call(f, CALL_CMD, DP_CMD_ALLOC_DEL, 0));
	assert_int_equal(turn_server_alloc_count(fx->loop.srv), 0);
}

/* Drained (as by the admin socket) before an Allocate: 403 without an
 * alternate, nothing installed, and with no allocation left the loop ends
 * at once (drain_min_allocs 0). */
static void
test_drain_refuses_then_ends(void **state)
{
	struct fixture *fx = *state;
	struct fake_plane *f = &fx->plane;

	f->keep_going = true;
	f->poll_limit = 1000000;
	assert_true(cp_loop_admin_drain(&fx->loop));
	assert_false(cp_loop_drain(&fx->loop, "admin")); /* harmless */
	punt(fx, STUN_METHOD_ALLOCATE);
	cp_loop_run(&fx->loop);
	assert_false(f->stopped_by_fake);
	assert_int_equal(first_reply_code(f), 403);
	assert_null(find_call(f, CALL_CMD, DP_CMD_ALLOC_ADD, 0));
}

/* While more allocations live than drain_min_allocs, the loop goes on:
 * here the fake has to stop it. */
static void
test_drain_waits_for_allocations(void **state)
{
	struct fixture *fx = *state;
	struct fake_plane *f = &fx->plane;

	f->keep_going = true;
	f->poll_limit = 2000; /* 2000 turns: many 10 ms ticks */
	punt(fx, STUN_METHOD_ALLOCATE);
	fx->loop.drain_min_allocs = 0;
	fx->loop.drain_req = &(volatile sig_atomic_t){ 1 };
	cp_loop_run(&fx->loop);
	assert_true(f->stopped_by_fake);
	assert_true(turn_server_draining(fx->loop.srv));
	assert_int_equal(first_reply_code(f), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_binding_answered, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_allocate_install_before_reply_then_deleted_on_stop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_allocation_news_for_statsdb,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbour_told_to_the_others,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_neighbour_miss_without_source,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_stats_port_counters,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_signal_ends_at_min,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_refuses_then_ends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_drain_waits_for_allocations,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
