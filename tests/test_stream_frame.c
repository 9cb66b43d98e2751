/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of TURN over TCP and TLS (include/wire/stream_frame.c, RFC 8656
 * section 12.5, RFC 8489 section 6.2.2): where a message ends in a byte
 * stream.  Built streams of real browser traffic (the Chromium capture),
 * split at every offset, must frame to the same messages; partial input
 * waits; what is neither STUN nor ChannelData, or claims more than the
 * caller takes, is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcap_file.h"
#include "turnpike/channel_data.h"
#include "turnpike/stream_frame.h"
#include "turnpike/stun.h"

#define CAPTURE TP_SOURCE_ROOT "/tests/data/chromium-relay-via-coturn.pcap"
#define STREAM_CAP (1 << 20)
#define MAX_FRAMES 1024

static const uint8_t binding[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4,
				     0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

/* Frame everything in buf; @return frames, lengths in lens[]. */
static int
frame_all(const uint8_t *buf, size_t len, size_t lens[], size_t *used)
{
	struct stream_frame f;
	size_t off = 0;
	int n = 0, rc;

	while ((rc = stream_frame_next(buf + off, len - off, 4096, &f)) == 1) {
		assert_true(f.len >= f.msg_len && f.len - f.msg_len <= 3);
		assert_true(off + f.len <= len);
		lens[n++] = f.len;
		off += f.len;
	}
	assert_int_equal(rc, 0);
	*used = off;
	return n;
}

static void
test_split_byte_by_byte(void **state)
{
	struct stream_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(binding); i++)
		assert_int_equal(stream_frame_next(binding, i, 4096, &f), 0);
	assert_int_equal(stream_frame_next(binding, sizeof(binding), 4096, &f), 1);
	assert_int_equal(f.kind, STREAM_FRAME_STUN);
	assert_int_equal(f.len, 20);
	assert_int_equal(f.msg_len, 20);
}

/* ChannelData of 0..7 bytes: padded to four on a stream. */
static void
test_channel_data_padding(void **state)
{
	uint8_t buf[16] = { 0x40, 0x01 };
	struct stream_frame f;

	(void)state;
	for (size_t d = 0; d < 8; d++) {
		size_t padded = 4 + d + stun_pad_len(d);

		buf[2] = 0;
		buf[3] = (uint8_t)d;
		assert_int_equal(stream_frame_next(buf, padded - 1, 4096, &f), 0);
		assert_int_equal(stream_frame_next(buf, padded, 4096, &f), 1);
		assert_int_equal(f.kind, STREAM_FRAME_CHANNEL_DATA);
		assert_int_equal(f.channel, 0x4001);
		assert_int_equal(f.msg_len, 4 + d);
		assert_int_equal(f.len, padded);
	}
}

static void
test_bounds(void **state)
{
	uint8_t buf[8] = { 0x7F, 0xFF, 0x00, 0x10 }; /* channel 0x7FFF, 16 bytes */
	struct stream_frame f;

	(void)state;
	assert_int_equal(stream_frame_next(buf, 4, 20, &f), 0);  /* fits: wait */
	assert_int_equal(stream_frame_next(buf, 4, 19, &f), -EMSGSIZE);
	uint8_t stun[20];

	memcpy(stun, binding, sizeof(stun));
	stun[2] = 0x10; /* 4096-byte body */
	assert_int_equal(stream_frame_next(stun, 20, 4096 + 20, &f), 0);
	assert_int_equal(stream_frame_next(stun, 20, 4096 + 19, &f), -EMSGSIZE);
	stun[2] = 0;
	stun[3] = 2; /* not a multiple of four */
	assert_int_equal(stream_frame_next(stun, 20, 4096, &f), -EPROTO);
}

static void
test_garbage(void **state)
{
	static const char http[] = "GET / HTTP/1.1\r\n";
	static const uint8_t hello[8] = { 0x16, 0x03, 0x01, 0x00, 0x2a, 0x01, 0, 0 };
	static const uint8_t high[4] = { 0x80, 0, 0, 0 };
	uint8_t cookie[20];
	struct stream_frame f;

	(void)state;
	memcpy(cookie, binding, sizeof(cookie));
	cookie[7] ^= 1;
	assert_int_equal(stream_frame_next(cookie, 20, 4096, &f), -EPROTO);
	assert_int_equal(stream_frame_next(hello, 8, 4096, &f), -EPROTO);
	assert_int_equal(stream_frame_next(high, 4, 4096, &f), -EPROTO);
	/* "GE" reads as channel 0x4745 claiming 0x5420 bytes: too long. */
	assert_int_equal(stream_frame_next((const uint8_t *)http, sizeof(http) - 1,
					   4096, &f), -EMSGSIZE);
}

/*
 * Every STUN message and ChannelData of the browser capture, as a stream
 * would carry them (ChannelData padded), framed whole and split in two at
 * every offset: the same frames each time.
 */
static void
test_capture_stream(void **state)
{
	static uint8_t stream[STREAM_CAP];
	static size_t want[MAX_FRAMES], got[MAX_FRAMES];
	struct pcap_file file;
	struct pcap_udp p;
	size_t len = 0, used;
	int n_want = 0, n;

	(void)state;
	assert_int_equal(pcap_file_open(&file, CAPTURE), 0);
	while (pcap_file_next_udp(&file, &p) == 1 && n_want < MAX_FRAMES) {
		size_t pad = 0;

		if (!stun_is_stun(p.payload, p.len) &&
		    !channel_data_looks_like(p.payload, p.len))
			continue;
		if (!stun_is_stun(p.payload, p.len)) {
			/* UDP ChannelData may end unpadded: trim, then pad. */
			size_t d = (size_t)p.payload[2] << 8 | p.payload[3];

			p.len = 4 + d;
			pad = stun_pad_len(d);
		}
		assert_true(len + p.len + pad <= sizeof(stream));
		memcpy(stream + len, p.payload, p.len);
		memset(stream + len + p.len, 0, pad);
		len += p.len + pad;
		want[n_want++] = p.len + pad;
	}
	pcap_file_close(&file);
	assert_true(n_want > 200);

	n = frame_all(stream, len, got, &used);
	assert_int_equal(n, n_want);
	assert_int_equal(used, len);
	assert_memory_equal(got, want, sizeof(want[0]) * (size_t)n_want);
	/* Split: the first part frames whole messages and leaves a tail that,
	 * with the rest, frames the others. */
	for (size_t cut = 0; cut <= len; cut += 7) {
		int first = frame_all(stream, cut, got, &used);

		n = frame_all(stream + used, len - used, got + first, &used);
		assert_int_equal(first + n, n_want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_byte_by_byte),
		cmocka_unit_test(test_channel_data_padding),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_capture_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
