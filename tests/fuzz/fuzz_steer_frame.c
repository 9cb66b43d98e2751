/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the steering decision (turnpike/steer_frame.h),
 * which both the XDP program and the exception-port worker run on every
 * frame the NIC receives: arbitrary bytes as one Ethernet frame.  The
 * verdict must be one of enum tp_steer, and "ours" only for what the
 * decision promises: an IPv4 UDP header whole inside the frame, no
 * fragment, to the one address of ours at the listening port or in the
 * relay range.  (The sanitizers catch any read outside the frame.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "turnpike/steer.h"

/* The one address of ours, 10.0.0.1, both listening and relaying. */
static inline __u32
tp_steer_roles_of(const void *ctx, __u32 daddr_be)
{
	static const __u8 ours[4] = { 10, 0, 0, 1 };

	(void)ctx;
	return memcmp(&daddr_be, ours, 4) == 0 ?
		       TP_STEER_ROLE_LISTEN | TP_STEER_ROLE_RELAY :
		       0;
}

#include "turnpike/steer_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct tp_steer_ports ports = { 3478, 49152, 65535, 0 };
	/* A copy of exactly @size bytes, so a read past it is caught. */
	__u8 *f = malloc(size > 0 ? size : 1);
	enum tp_steer v;

	CHECK(f != NULL);
	memcpy(f, data, size);
	v = tp_steer_frame(f, f + size, &ports, NULL);
	CHECK(v >= TP_STEER_OURS && v <= TP_STEER_NOT_OURS);
	CHECK(tp_steer_frame(f, f + size, NULL, NULL) != TP_STEER_OURS);
	if (v == TP_STEER_OURS) {
		size_t udp = 14 + (size_t)(f[14] & 0x0f) * 4;
		unsigned int port;

		CHECK(size >= udp + 8);
		CHECK(f[12] == 0x08 && f[13] == 0x00 && f[14] >> 4 == 4);
		CHECK(f[23] == 17 && (f[20] & 0x3f) == 0 && f[21] == 0);
		CHECK(f[30] == 10 && f[31] == 0 && f[32] == 0 && f[33] == 1);
		port = (unsigned int)f[udp + 2] << 8 | f[udp + 3];
		CHECK(port == 3478 || port >= 49152);
	}
	free(f);
	return 0;
}
