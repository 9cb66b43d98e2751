/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding (RFC 8489 section 3): tell the client the transport address its
 * request came from, in XOR-MAPPED-ADDRESS.  No authentication, no state.
 *
 * Runs on the control thread, called by turn_dispatch.c.  Owns nothing.
 */
#include "turn_internal.h"

void
turn_binding_handle(struct turn_req *r)
{
	uint8_t buf[TURN_REPLY_MAX];
	struct stun_builder b;

	turn_reply_start(r, &b, buf, sizeof(buf));
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &r->pkt->client);
	turn_reply_send(r, &b, 0, r->pkt->worker);
}
