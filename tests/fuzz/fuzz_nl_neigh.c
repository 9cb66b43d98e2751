/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the rtnetlink neighbour reader
 * (turnpike/nl_neigh.h): arbitrary bytes as one datagram from the kernel.
 * Every message read must lie inside the datagram, the offset must only
 * grow, an address must have the family's length and a state name must
 * exist; anything else aborts.  (The sanitizers catch any read outside.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turnpike/nl_neigh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly @size bytes, so a read past it is caught. */
	uint8_t *buf = malloc(size > 0 ? size : 1);
	struct nl_msg m;
	size_t off = 0, before;
	int rc;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	do {
		before = off;
		rc = nl_msg_next(buf, size, &off, &m);
		CHECK(rc == 1 || rc == 0 || rc == -EBADMSG);
		CHECK(off <= size);
		if (rc == 1) {
			CHECK(off > before);
			CHECK(nl_neigh_state_name(m.neigh.state) != NULL);
			CHECK(m.neigh.ip.family == TP_AF_NONE ||
			      m.neigh.ip.family == TP_AF_INET ||
			      m.neigh.ip.family == TP_AF_INET6);
			CHECK(m.kind != NL_MSG_NEIGH || m.type == 28 ||
			      m.type == 29);
		} else {
			CHECK(off == before);
		}
	} while (rc == 1);
	free(buf);
	return 0;
}
