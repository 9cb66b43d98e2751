/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TURN server's whole request path (turn_server.h)
 * driven by a script of datagrams, clock steps and worker answers.
 *
 * The server runs without authentication so the fuzzer reaches the
 * handlers; the STUN header's cookie and length are fixed up so most
 * inputs decode.  A tiny port range and worker tables make exhaustion,
 * deletion and reuse common.  Invariants checked on every output:
 *  - commands and replies go to an existing worker;
 *  - an ALLOC_ADD's relay port belongs to the worker it is sent to;
 *  - every reply decodes and its FINGERPRINT verifies;
 *  - after shutdown and the workers' answers nothing is left but the
 *    allocations whose DELETE the script never answered.
 *
 * Script, repeated: op (1 byte), then for op % 4 == 0 a datagram
 * (length byte, client byte, bytes), 1 = clock step, 2 = answer the oldest
 * pending DELETE, 3 = tick.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "turn_server.h"
#include "turnpike/stun.h"

#define FZ_WORKERS 3
#define FZ_PENDING 256

struct fz_state {
	struct dp_alloc_ref del_ref[FZ_PENDING];
	uint16_t del_worker[FZ_PENDING];
	unsigned int n_del;
	unsigned int lost; /* DELETEs beyond FZ_PENDING, never answered */
};

static void
fz_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	struct fz_state *st = ctx;

	if (worker >= FZ_WORKERS)
		abort();
	if (cmd->type == DP_CMD_ALLOC_ADD &&
	    dp_owner_of_relay_port(cmd->u.alloc_add.relay.port, FZ_WORKERS) !=
		    worker)
		abort();
	if (cmd->type != DP_CMD_ALLOC_DEL)
		return;
	if (st->n_del == FZ_PENDING) {
		st->lost++;
		return;
	}
	st->del_ref[st->n_del] = cmd->u.alloc.ref;
	st->del_worker[st->n_del++] = worker;
}

static void
fz_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	 const struct tp_addr *to, const struct tp_addr *from,
	 const uint8_t *msg, size_t len)
{
	struct stun_msg m;

	(void)ctx;
	(void)req;
	(void)to;
	(void)from;
	if (worker >= FZ_WORKERS || len > TURN_REPLY_MAX ||
	    stun_msg_decode(&m, msg, len) != STUN_OK ||
	    !stun_msg_check_fingerprint(&m))
		abort();
}

static void
fz_answer(struct turn_server *srv, struct fz_state *st)
{
	struct dp_evt_alloc_end end = { 0 };

	if (st->n_del == 0)
		return;
	end.ref = st->del_ref[0];
	turn_server_alloc_ended(srv, st->del_worker[0], &end);
	memmove(st->del_ref, st->del_ref + 1,
		--st->n_del * sizeof(st->del_ref[0]));
	memmove(st->del_worker, st->del_worker + 1,
		st->n_del * sizeof(st->del_worker[0]));
}

/* Send one datagram with its STUN header made plausible. */
static void
fz_datagram(struct turn_server *srv, const uint8_t *p, size_t n, uint8_t who,
	    uint64_t now)
{
	uint8_t buf[600];
	struct turn_packet pkt = { .data = buf };

	if (n > sizeof(buf))
		n = sizeof(buf);
	memcpy(buf, p, n);
	if (n >= STUN_HEADER_LEN) {
		n = STUN_HEADER_LEN + ((n - STUN_HEADER_LEN) & ~(size_t)3);
		buf[0] &= 0x3F;
		buf[2] = (uint8_t)((n - STUN_HEADER_LEN) >> 8);
		buf[3] = (uint8_t)(n - STUN_HEADER_LEN);
		buf[4] = 0x21;
		buf[5] = 0x12;
		buf[6] = 0xA4;
		buf[7] = 0x42;
	}
	pkt.len = n;
	pkt.client.ip = tp_ip_v4(0xC0000200u + (who & 7));
	pkt.client.port = (uint16_t)(40000 + (who >> 3));
	pkt.local.ip = tp_ip_v4(0xCB007101u);
	pkt.local.port = 3478;
	pkt.worker = dp_owner_of_client(&pkt.client, FZ_WORKERS);
	turn_server_handle(srv, &pkt, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_state st = { 0 };
	struct cp_sink sink = { .ctx = &st, .cmd = fz_cmd, .reply = fz_reply };
	struct turn_params p = {
		.n_workers = FZ_WORKERS,
		.allocs_per_worker = 4,
		.n_relay_ips = 1,
		.min_port = 50000,
		.max_port = 50011,
	};
	struct turn_server *srv;
	uint64_t now = 1000;
	size_t i = 0;

	p.relay_ips[0] = tp_ip_v4(0xC6336401u);
	srv = turn_server_create(&p, &sink);
	if (srv == NULL)
		abort();
	while (i < size) {
		uint8_t op = data[i++];
		size_t n;

		switch (op % 4) {
		case 0:
			if (i + 2 > size)
				goto out;
			n = data[i];
			if (n > size - i - 2)
				n = size - i - 2;
			fz_datagram(srv, data + i + 2, n, data[i + 1], now);
			i += 2 + n;
			break;
		case 1:
			now += (uint64_t)(op >> 2) * 20000;
			break;
		case 2:
			fz_answer(srv, &st);
			break;
		default:
			turn_server_tick(srv, now);
			break;
		}
	}
out:
	turn_server_shutdown(srv, now);
	while (st.n_del > 0)
		fz_answer(srv, &st);
	if (turn_server_alloc_count(srv) != st.lost)
		abort();
	turn_server_destroy(srv);
	return 0;
}
