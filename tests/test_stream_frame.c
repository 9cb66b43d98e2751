/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of TURN over TCP and TLS (stream_frame.h): messages split over
 * reads and packed into one, ChannelData padding (RFC 8656 section 12.5),
 * the max_msg bound, what is refused and how early (garbage, bad cookie,
 * a STUN length not a multiple of 4, HTTP and TLS probes, channel numbers
 * outside 0x4000-0x7FFF), the receive buffer, and the Chromium/coturn
 * capture replayed as a stream split at every offset.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcap_file.h"
#include "turnpike/channel_data.h"
#include "turnpike/stream_frame.h"
#include "turnpike/stun.h"

#define CAPTURE TP_SOURCE_ROOT "/tests/data/chromium-relay-via-coturn.pcap"
#define MAX_PACKETS 1024
/* A bound no test message reaches. */
#define BIG (STUN_HEADER_LEN + 65535)

static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

/* A Binding request carrying @sw_len bytes of SOFTWARE, then FINGERPRINT. */
static size_t
make_stun(uint8_t *buf, size_t cap, size_t sw_len)
{
	char sw[256];
	struct stun_builder b;
	int n;

	assert_true(sw_len <= sizeof(sw));
	memset(sw, 's', sizeof(sw));
	stun_build_init(&b, buf, cap,
			stun_type(STUN_METHOD_BINDING, STUN_CLASS_REQUEST), tid);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, sw, sw_len);
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	return (size_t)n;
}

/* A padded ChannelData message: @dlen bytes of 0xDD on @channel. */
static size_t
make_cd(uint8_t *buf, uint16_t channel, size_t dlen)
{
	memset(buf + CHANNEL_DATA_HEADER_LEN, 0xDD, dlen);
	return stream_channel_data_write(buf, channel, dlen);
}

/* Every strict prefix of a whole frame asks for more bytes. */
static void
assert_prefixes_wait(const uint8_t *buf, size_t len, size_t max_msg)
{
	struct stream_frame f = { .len = 12345 };

	for (size_t k = 0; k < len; k++) {
		if (stream_frame_next(buf, k, max_msg, &f) != 0)
			fail_msg("prefix %zu of %zu: not 0", k, len);
		assert_int_equal(f.len, 12345); /* untouched */
	}
}

/* The first @k bytes are refused with @err from byte @at on, 0 before. */
static void
assert_refused_from(const uint8_t *buf, size_t k, size_t at, int err)
{
	struct stream_frame f;

	for (size_t n = 0; n <= k; n++) {
		int rc = stream_frame_next(buf, n, BIG, &f);

		if (rc != (n < at ? 0 : err))
			fail_msg("%zu bytes: %d, expected %d", n, rc,
				 n < at ? 0 : err);
	}
}

static void
test_split_byte_by_byte(void **state)
{
	uint8_t buf[128];
	struct stream_frame f;
	size_t n = make_stun(buf, sizeof(buf), 13);

	(void)state;
	assert_int_equal(n, STUN_HEADER_LEN + 4 + 16 + 8);
	assert_prefixes_wait(buf, n, BIG);
	assert_int_equal(stream_frame_next(buf, n, BIG, &f), 1);
	assert_int_equal(f.kind, STREAM_FRAME_STUN);
	assert_int_equal(f.len, n);
	assert_int_equal(f.msg_len, n);
	assert_int_equal(f.channel, 0);
	/* bytes after the frame are the next frame's, not this one's */
	buf[n] = 0x00;
	assert_int_equal(stream_frame_next(buf, n + 1, BIG, &f), 1);
	assert_int_equal(f.len, n);
}

static void
test_several_in_one_buffer(void **state)
{
	uint8_t buf[512];
	size_t a, b, c, d, have, off = 0;
	struct stream_frame f;

	(void)state;
	a = make_stun(buf, sizeof(buf), 5);
	b = make_cd(buf + a, 0x4001, 5); /* 4 + 5 + 3 padding */
	c = make_stun(buf + a + b, sizeof(buf) - a - b, 0);
	d = make_cd(buf + a + b + c, 0x4FFF, 6); /* 4 + 6 + 2 padding */
	assert_int_equal(b, 12);
	assert_int_equal(d, 12);

	/* the last message has its data but not yet its padding */
	have = a + b + c + d - 2;

	assert_int_equal(stream_frame_next(buf, have, BIG, &f), 1);
	assert_int_equal(f.kind, STREAM_FRAME_STUN);
	assert_int_equal(f.len, a);
	off += f.len;
	assert_int_equal(stream_frame_next(buf + off, have - off, BIG, &f), 1);
	assert_int_equal(f.kind, STREAM_FRAME_CHANNEL_DATA);
	assert_int_equal(f.channel, 0x4001);
	assert_int_equal(f.len, 12);
	assert_int_equal(f.msg_len, 9);
	assert_int_equal(channel_data_parse(buf + off, f.len, &f.channel), 5);
	off += f.len;
	assert_int_equal(stream_frame_next(buf + off, have - off, BIG, &f), 1);
	assert_int_equal(f.kind, STREAM_FRAME_STUN);
	assert_int_equal(f.len, c);
	off += f.len;
	/* RFC 8656 section 12.5: the padding is on the stream, wait for it */
	assert_int_equal(stream_frame_next(buf + off, have - off, BIG, &f), 0);
	assert_int_equal(stream_frame_next(buf + off, have - off + 1, BIG, &f),
			 0);
	assert_int_equal(stream_frame_next(buf + off, have - off + 2, BIG, &f),
			 1);
	assert_int_equal(f.kind, STREAM_FRAME_CHANNEL_DATA);
	assert_int_equal(f.channel, 0x4FFF);
	assert_int_equal(f.len, 12);
	assert_int_equal(f.msg_len, 10);
}

static void
test_channel_data_lengths(void **state)
{
	static const size_t pad[8] = { 0, 3, 2, 1, 0, 3, 2, 1 };
	uint8_t buf[32];
	struct stream_frame f;

	(void)state;
	for (size_t dlen = 0; dlen < 8; dlen++) {
		size_t len;

		memset(buf, 0xAA, sizeof(buf));
		memset(buf + 4, 0xDD, dlen);
		len = stream_channel_data_write(buf, 0x4123, dlen);
		assert_int_equal(stream_channel_data_pad(dlen), pad[dlen]);
		assert_int_equal(len, 4 + dlen + pad[dlen]);
		assert_int_equal(len, stream_channel_data_len(dlen));
		assert_int_equal(len % 4, 0);
		assert_int_equal(buf[0], 0x41);
		assert_int_equal(buf[1], 0x23);
		assert_int_equal(buf[2], 0);
		assert_int_equal(buf[3], dlen);
		for (size_t i = 4; i < 4 + dlen; i++)
			assert_int_equal(buf[i], 0xDD);
		for (size_t i = 4 + dlen; i < len; i++)
			assert_int_equal(buf[i], 0); /* zero padding */
		assert_int_equal(buf[len], 0xAA);    /* nothing past it */

		assert_prefixes_wait(buf, len, BIG);
		assert_int_equal(stream_frame_next(buf, len, BIG, &f), 1);
		assert_int_equal(f.kind, STREAM_FRAME_CHANNEL_DATA);
		assert_int_equal(f.channel, 0x4123);
		assert_int_equal(f.len, len);
		assert_int_equal(f.msg_len, 4 + dlen);
		/* the datagram parser agrees on the framed message */
		assert_int_equal(channel_data_parse(buf, f.len, &f.channel),
				 (int)dlen);
	}
}

static void
test_channel_data_write_bounds(void **state)
{
	uint8_t *buf = malloc(stream_channel_data_len(UINT16_MAX));
	struct stream_frame f;

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xDD, stream_channel_data_len(UINT16_MAX));
	assert_int_equal(stream_channel_data_len(UINT16_MAX), 65540);
	assert_int_equal(stream_channel_data_write(buf, 0x4000, UINT16_MAX),
			 65540);
	assert_int_equal(stream_frame_next(buf, 65540, 65540, &f), 1);
	assert_int_equal(f.msg_len, 65539);
	/* the length field is 16 bits: a longer payload is refused */
	memset(buf, 0xAA, 4);
	assert_int_equal(stream_channel_data_write(buf, 0x4000, 65536), 0);
	assert_int_equal(buf[0], 0xAA);
	free(buf);
}

static void
test_max_msg(void **state)
{
	uint8_t buf[256];
	struct stream_frame f;
	size_t n = make_stun(buf, sizeof(buf), 40);

	(void)state;
	/* exactly at the bound: accepted */
	assert_prefixes_wait(buf, n, n);
	assert_int_equal(stream_frame_next(buf, n, n, &f), 1);
	assert_int_equal(f.len, n);
	/* one byte over: refused once the cookie says STUN (byte 8) */
	for (size_t k = 0; k < 8; k++)
		assert_int_equal(stream_frame_next(buf, k, n - 1, &f), 0);
	for (size_t k = 8; k <= n; k++)
		assert_int_equal(stream_frame_next(buf, k, n - 1, &f), -EMSGSIZE);

	/* ChannelData: the bound counts the padding, which the caller must
	 * hold too; refused from the header on */
	n = make_cd(buf, 0x4002, 5);
	assert_int_equal(n, 12);
	assert_int_equal(stream_frame_next(buf, n, 12, &f), 1);
	assert_int_equal(stream_frame_next(buf, 3, 11, &f), 0);
	assert_int_equal(stream_frame_next(buf, 4, 11, &f), -EMSGSIZE);
	assert_int_equal(stream_frame_next(buf, n, 9, &f), -EMSGSIZE);

	/* a bound below the smallest message of the kind: from byte 0 */
	n = make_stun(buf, sizeof(buf), 0);
	buf[3] = 0; /* the header alone, 20 bytes */
	assert_int_equal(stream_frame_next(buf, STUN_HEADER_LEN,
					   STUN_HEADER_LEN, &f),
			 1);
	assert_int_equal(f.len, STUN_HEADER_LEN);
	assert_int_equal(stream_frame_next(buf, 1, STUN_HEADER_LEN - 1, &f),
			 -EMSGSIZE);
	n = make_cd(buf, 0x4002, 0);
	assert_int_equal(stream_frame_next(buf, n, 4, &f), 1);
	assert_int_equal(stream_frame_next(buf, 1, 3, &f), -EMSGSIZE);
}

static void
test_garbage_first_byte(void **state)
{
	struct stream_frame f;
	uint8_t b;

	(void)state;
	for (int v = 0x80; v <= 0xFF; v++) {
		b = (uint8_t)v;
		assert_int_equal(stream_frame_next(&b, 1, BIG, &f), -EPROTO);
		assert_int_equal(stream_frame_next_stun(&b, 1, BIG, &f), -EPROTO);
	}
	assert_int_equal(stream_frame_next(&b, 0, BIG, &f), 0);
}

static void
test_bad_cookie(void **state)
{
	uint8_t buf[64];
	size_t n = make_stun(buf, sizeof(buf), 0);

	(void)state;
	/* a wrong byte anywhere in the cookie refuses from that byte on */
	for (size_t i = 4; i < 8; i++) {
		uint8_t bad[64];

		memcpy(bad, buf, n);
		bad[i] ^= 0x01;
		assert_refused_from(bad, n, i + 1, -EPROTO);
	}
}

static void
test_stun_length_not_multiple_of_4(void **state)
{
	uint8_t buf[64];
	size_t n = make_stun(buf, sizeof(buf), 0);

	(void)state;
	for (uint8_t low = 1; low < 4; low++) {
		buf[3] = (uint8_t)(12 + low); /* the body is 12: 13-15 */
		assert_refused_from(buf, n, 4, -EPROTO);
	}
}

/*
 * A common probe on port 443.  Its first byte, 'G' (0x47), has the top
 * bits 01: to the framing it is the header of a ChannelData message on
 * channel 0x4745 ("GE") with 0x5420 ("T ") = 21536 bytes of data, a valid
 * channel by RFC 5766 and RFC 8656 alike.  Framing alone can only wait for
 * them, or refuse them by size; before the connection has an allocation
 * stream_frame_next_stun() refuses the first byte.
 */
static void
test_http_probe(void **state)
{
	static const char *const probes[] = {
		"GET / HTTP/1.1\r\nHost: turn.example.org\r\n\r\n",
		"POST / HTTP/1.1\r\n",
		"HEAD / HTTP/1.0\r\n",
		"OPTIONS * HTTP/1.1\r\n",
		"CONNECT x:443 HTTP/1.1\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
	};
	const uint8_t *get = (const uint8_t *)probes[0];
	size_t len = strlen(probes[0]);
	struct stream_frame f;

	(void)state;
	assert_int_equal(stream_frame_next(get, len, BIG, &f), 0);
	assert_int_equal(stream_frame_next(get, len, 1500, &f), -EMSGSIZE);
	assert_int_equal(stream_frame_next(get, len, 4 + 0x5420, &f), 0);
	assert_int_equal(stream_frame_next(get, len, 4 + 0x5420 - 1, &f),
			 -EMSGSIZE);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const uint8_t *p = (const uint8_t *)probes[i];

		for (size_t k = 1; k <= strlen(probes[i]); k++)
			assert_int_equal(stream_frame_next_stun(p, k, BIG, &f),
					 -EPROTO);
		assert_int_equal(stream_frame_next(p, strlen(probes[i]), 1500, &f),
				 -EMSGSIZE);
	}
}

/* The first bytes of two real ClientHello records (TLS 1.0 record layer). */
static void
test_tls_client_hello(void **state)
{
	/* record length 0x0200: STUN length 0x0102, not a multiple of 4 */
	static const uint8_t hello_a[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01,
					   0x00, 0x01, 0xFC, 0x03, 0x03 };
	/* record length 0x00C8: STUN length 0x0100; byte 4 is no cookie */
	static const uint8_t hello_b[] = { 0x16, 0x03, 0x01, 0x00, 0xC8, 0x01,
					   0x00, 0x00, 0xC4, 0x03, 0x03 };
	struct stream_frame f;

	(void)state;
	assert_refused_from(hello_a, sizeof(hello_a), 4, -EPROTO);
	assert_refused_from(hello_b, sizeof(hello_b), 5, -EPROTO);
	assert_int_equal(stream_frame_next_stun(hello_b, sizeof(hello_b), BIG, &f),
			 -EPROTO);
}

static void
test_channel_numbers(void **state)
{
	static const uint16_t ok[] = { 0x4000, 0x4FFF, 0x5000, 0x7FFF };
	uint8_t buf[16];
	struct stream_frame f;
	size_t n;

	(void)state;
	/* RFC 5766 clients use up to 0x7FFF: framed; the caller checks */
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		n = make_cd(buf, ok[i], 4);
		assert_int_equal(stream_frame_next(buf, n, BIG, &f), 1);
		assert_int_equal(f.channel, ok[i]);
		assert_int_equal(stream_frame_next_stun(buf, n, BIG, &f),
				 -EPROTO);
	}
	/* 0x8000: top bits 10, refused at the first byte */
	n = make_cd(buf, 0x8000, 4);
	assert_refused_from(buf, n, 1, -EPROTO);
	n = make_cd(buf, 0xFFFF, 4);
	assert_refused_from(buf, n, 1, -EPROTO);
	/* 0x3FFF: top bits 00, so a STUN header until its cookie is wrong */
	n = make_cd(buf, 0x3FFF, 4);
	assert_refused_from(buf, n, 5, -EPROTO);
}

static void
test_rx_buffer(void **state)
{
	uint8_t stream[256], mem[64];
	struct stream_rx rx;
	struct stream_frame f;
	size_t n = 0, fed = 0, room;
	int frames = 0;

	(void)state;
	n += make_stun(stream + n, sizeof(stream) - n, 0);  /* 0: 32 */
	n += make_cd(stream + n, 0x4000, 1);                /* 32: 8 */
	n += make_cd(stream + n, 0x4001, 30);               /* 40: 36 */
	n += make_stun(stream + n, sizeof(stream) - n, 28); /* 76: 60 */
	n += make_cd(stream + n, 0x4002, 0);                /* 136: 4 */
	assert_int_equal(n, 140);

	/* reads of up to 13 bytes into a 64-byte buffer */
	stream_rx_init(&rx, mem, sizeof(mem));
	while (fed < n) {
		uint8_t *p = stream_rx_space(&rx, &room);
		size_t k = n - fed < 13 ? n - fed : 13;

		assert_true(room > 0);
		if (k > room)
			k = room;
		memcpy(p, stream + fed, k);
		stream_rx_commit(&rx, k);
		fed += k;
		while (stream_rx_next(&rx, &f) == 1) {
			/* the frame's bytes are the stream's, in order */
			assert_memory_equal(stream_rx_data(&rx),
					    stream + fed - stream_rx_pending(&rx),
					    f.len);
			stream_rx_consume(&rx, f.len);
			frames++;
		}
	}
	assert_int_equal(frames, 5);
	assert_int_equal(stream_rx_pending(&rx), 0);
	assert_int_equal(rx.off, 0);

	/* a frame larger than the buffer: refused, never stuck */
	stream_rx_init(&rx, mem, 32);
	memcpy(stream_rx_space(&rx, &room), stream, 32);
	stream_rx_commit(&rx, 32);
	assert_int_equal(stream_rx_next(&rx, &f), 1); /* 32-byte STUN */
	stream_rx_consume(&rx, f.len);
	assert_int_equal(rx.len, 0); /* empty: back to the start */
	memcpy(stream_rx_space(&rx, &room), stream + 40, 4);
	stream_rx_commit(&rx, 4);
	assert_int_equal(stream_rx_next(&rx, &f), -EMSGSIZE); /* 36 > 32 */

	/* until the allocation, ChannelData is refused */
	stream_rx_init(&rx, mem, sizeof(mem));
	memcpy(stream_rx_space(&rx, &room), stream, 40);
	stream_rx_commit(&rx, 40);
	assert_int_equal(stream_rx_next_stun(&rx, &f), 1);
	stream_rx_consume(&rx, f.len);
	assert_int_equal(stream_rx_next_stun(&rx, &f), -EPROTO);
	assert_int_equal(stream_rx_next(&rx, &f), 1);
	assert_int_equal(f.channel, 0x4000);
}

/* ---- the capture as a stream ---- */

struct cap_stream {
	uint8_t *buf;
	size_t len;
	struct stream_frame want[MAX_PACKETS];
	size_t at[MAX_PACKETS]; /* offset of each frame */
	int n;
	int first_cd; /* index of the first ChannelData frame */
};

/*
 * Every STUN message and ChannelData message of the capture, in capture
 * order, as a stream would carry them: STUN as it is, ChannelData
 * re-framed with its stream padding (the UDP datagrams may or may not
 * carry padding).
 */
static int
cap_load(void **state)
{
	struct cap_stream *s = calloc(1, sizeof(*s));
	struct pcap_file file;
	struct pcap_udp p;
	size_t cap = 1 << 20;
	int rc;

	if (s == NULL || (s->buf = malloc(cap)) == NULL ||
	    pcap_file_open(&file, CAPTURE) != 0) {
		fprintf(stderr, "cannot read %s\n", CAPTURE);
		return -1;
	}
	s->first_cd = -1;
	while ((rc = pcap_file_next_udp(&file, &p)) == 1) {
		struct stream_frame *w = &s->want[s->n];
		uint16_t ch;
		int dlen;

		if (s->n == MAX_PACKETS || s->len + p.len + 4 > cap)
			break;
		s->at[s->n] = s->len;
		if (stun_is_stun(p.payload, p.len)) {
			memcpy(s->buf + s->len, p.payload, p.len);
			*w = (struct stream_frame){ STREAM_FRAME_STUN, p.len,
						    p.len, 0 };
		} else if ((dlen = channel_data_parse(p.payload, p.len, &ch)) >=
			   0) {
			memcpy(s->buf + s->len + 4, p.payload + 4, (size_t)dlen);
			*w = (struct stream_frame){
				STREAM_FRAME_CHANNEL_DATA,
				stream_channel_data_write(s->buf + s->len, ch,
							  (size_t)dlen),
				4 + (size_t)dlen, ch
			};
			if (s->first_cd < 0)
				s->first_cd = s->n;
		} else {
			continue;
		}
		s->len += w->len;
		s->n++;
	}
	pcap_file_close(&file);
	if (rc != 0)
		return -1;
	*state = s;
	return 0;
}

static int
cap_free(void **state)
{
	struct cap_stream *s = *state;

	free(s->buf);
	free(s);
	return 0;
}

static void
assert_frame_is(const struct cap_stream *s, int i, size_t off,
		const struct stream_frame *f)
{
	if (i >= s->n || off != s->at[i] || f->kind != s->want[i].kind ||
	    f->len != s->want[i].len || f->msg_len != s->want[i].msg_len ||
	    f->channel != s->want[i].channel)
		fail_msg("frame %d at %zu: kind %d len %zu msg_len %zu "
			 "channel %#x",
			 i, off, f->kind, f->len, f->msg_len, f->channel);
}

static void
test_capture_whole(void **state)
{
	struct cap_stream *s = *state;
	struct stream_frame f;
	size_t off = 0;
	int i = 0, stun = 0, cd = 0, padded = 0;

	/* 34 STUN and 196 ChannelData, as test_capture_codec counts */
	for (int k = 0; k < s->n; k++) {
		if (s->want[k].kind == STREAM_FRAME_STUN)
			stun++;
		else
			cd++;
		if (s->want[k].len != s->want[k].msg_len)
			padded++;
	}
	assert_int_equal(stun, 34);
	assert_int_equal(cd, 196);
	assert_true(padded > 0); /* the stream padding is exercised */
	printf("capture stream: %zu bytes, %d frames, %d padded, first "
	       "ChannelData #%d\n",
	       s->len, s->n, padded, s->first_cd);
	assert_int_equal(s->len % 4, 0);

	while (stream_frame_next(s->buf + off, s->len - off, BIG, &f) == 1) {
		struct stun_msg msg;
		uint16_t ch;

		assert_frame_is(s, i, off, &f);
		/* and each frame is a message the codec takes */
		if (f.kind == STREAM_FRAME_STUN)
			assert_int_equal(stun_msg_decode(&msg, s->buf + off,
							 f.msg_len),
					 STUN_OK);
		else
			assert_int_equal(channel_data_parse(s->buf + off, f.len,
							    &ch),
					 (int)f.msg_len - 4);
		off += f.len;
		i++;
	}
	assert_int_equal(i, s->n);
	assert_int_equal(off, s->len);

	/* before an allocation: STUN up to the first ChannelData */
	off = 0;
	for (i = 0; i < s->first_cd; i++) {
		assert_int_equal(stream_frame_next_stun(s->buf + off,
							s->len - off, BIG, &f),
				 1);
		off += f.len;
	}
	assert_int_equal(stream_frame_next_stun(s->buf + off, s->len - off, BIG,
						&f),
			 -EPROTO);
}

/* Two reads, split at every offset: the same frames, in the same order. */
static void
test_capture_split_everywhere(void **state)
{
	struct cap_stream *s = *state;

	for (size_t split = 0; split <= s->len; split++) {
		struct stream_frame f;
		size_t off = 0, have = split;
		int i = 0, rc;

		for (;;) {
			rc = stream_frame_next(s->buf + off, have - off, BIG, &f);
			if (rc == 1) {
				assert_frame_is(s, i++, off, &f);
				off += f.len;
			} else if (rc == 0 && have < s->len) {
				have = s->len; /* the second read */
			} else {
				break;
			}
		}
		if (rc != 0 || i != s->n || off != s->len)
			fail_msg("split at %zu: rc %d after %d frames", split,
				 rc, i);
	}
}

/* Reads of a fixed size through struct stream_rx, with a bounded buffer. */
static void
test_capture_rx_reads(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 5, 7, 64, 100, 1499, 4096 };
	struct cap_stream *s = *state;
	uint8_t mem[2048];

	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		struct stream_rx rx;
		struct stream_frame f;
		size_t fed = 0, room;
		int i = 0, rc;

		stream_rx_init(&rx, mem, sizeof(mem));
		while (fed < s->len) {
			uint8_t *p = stream_rx_space(&rx, &room);
			size_t k = s->len - fed;

			assert_true(room > 0);
			if (k > sizes[z])
				k = sizes[z];
			if (k > room)
				k = room;
			memcpy(p, s->buf + fed, k);
			stream_rx_commit(&rx, k);
			fed += k;
			while ((rc = stream_rx_next(&rx, &f)) == 1) {
				size_t at = fed - stream_rx_pending(&rx);

				assert_frame_is(s, i++, at, &f);
				assert_memory_equal(stream_rx_data(&rx),
						    s->buf + at, f.len);
				stream_rx_consume(&rx, f.len);
			}
			assert_int_equal(rc, 0);
		}
		assert_int_equal(i, s->n);
		assert_int_equal(stream_rx_pending(&rx), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_split_byte_by_byte),
		cmocka_unit_test(test_several_in_one_buffer),
		cmocka_unit_test(test_channel_data_lengths),
		cmocka_unit_test(test_channel_data_write_bounds),
		cmocka_unit_test(test_max_msg),
		cmocka_unit_test(test_garbage_first_byte),
		cmocka_unit_test(test_bad_cookie),
		cmocka_unit_test(test_stun_length_not_multiple_of_4),
		cmocka_unit_test(test_http_probe),
		cmocka_unit_test(test_tls_client_hello),
		cmocka_unit_test(test_channel_numbers),
		cmocka_unit_test(test_rx_buffer),
	};
	const struct CMUnitTest capture[] = {
		cmocka_unit_test(test_capture_whole),
		cmocka_unit_test(test_capture_split_everywhere),
		cmocka_unit_test(test_capture_rx_reads),
	};
	int failed;

	failed = cmocka_run_group_tests_name("stream_frame", unit, NULL, NULL);
	failed += cmocka_run_group_tests_name("stream_frame_capture", capture,
					      cap_load, cap_free);
	return failed;
}
