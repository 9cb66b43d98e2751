/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the steering decision (turnpike/steer_frame.h),
 * which both the XDP program and the exception-port worker run on every
 * frame the NIC receives: arbitrary bytes as one Ethernet frame.  The
 * verdict must be one of enum tp_steer, and "ours" only for what the
 * decision promises: a UDP header whole inside the frame, no fragment, to
 * one of the two addresses of ours (one per family) at the listening port
 * or in the relay range; for IPv6, behind at most TP_STEER_IPV6_MAX_EXT
 * extension headers of the three kinds it skips, Hop-by-Hop only first,
 * a Routing header only with no segments left, as walked again here.
 * (The sanitizers catch any read outside the frame.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "turnpike/steer.h"

static const __u8 ours4[4] = { 10, 0, 0, 1 };
static const __u8 ours6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* The addresses of ours, 10.0.0.1 and 2001:db8::1, both listening and
 * relaying. */
static inline __u32
tp_steer_roles_of4(const void *ctx, __u32 daddr_be)
{
	(void)ctx;
	return memcmp(&daddr_be, ours4, 4) == 0 ?
		       TP_STEER_ROLE_LISTEN | TP_STEER_ROLE_RELAY :
		       0;
}

static inline __u32
tp_steer_roles_of6(const void *ctx, const __u8 daddr[16])
{
	(void)ctx;
	return memcmp(daddr, ours6, 16) == 0 ?
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

/* The UDP header's offset in an IPv6 frame of @size bytes that the
 * decision called ours, found again the slow way (size checks, no
 * pointers); aborts where the decision should not have said ours. */
static size_t
udp6_offset(const __u8 *f, size_t size)
{
	size_t off = 14 + 40;
	__u8 nh = f[14 + 6];

	for (unsigned int i = 0; nh != 17; i++) {
		CHECK(i < TP_STEER_IPV6_MAX_EXT);
		CHECK(nh == 60 || nh == 43 || (nh == 0 && i == 0));
		CHECK(size >= off + 8);
		CHECK(nh != 43 || f[off + 3] == 0);
		nh = f[off];
		off += ((size_t)f[off + 1] + 1) * 8;
	}
	return off;
}

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
		size_t udp;
		unsigned int port;

		CHECK(size >= 14 + 20);
		if (f[12] == 0x86) {
			CHECK(f[13] == 0xdd && f[14] >> 4 == 6);
			CHECK(memcmp(f + 14 + 24, ours6, 16) == 0);
			udp = udp6_offset(f, size);
		} else {
			CHECK(f[12] == 0x08 && f[13] == 0x00 && f[14] >> 4 == 4);
			CHECK(f[23] == 17 && (f[20] & 0x3f) == 0 && f[21] == 0);
			CHECK(memcmp(f + 30, ours4, 4) == 0);
			udp = 14 + (size_t)(f[14] & 0x0f) * 4;
		}
		CHECK(size >= udp + 8);
		port = (unsigned int)f[udp + 2] << 8 | f[udp + 3];
		CHECK(port == 3478 || port >= 49152);
	}
	free(f);
	return 0;
}
