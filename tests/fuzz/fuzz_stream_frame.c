/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the stream framing (stream_frame.h): arbitrary
 * bytes as a TCP or TLS stream, delivered in reads of fuzzer-chosen sizes.
 *
 * Input: max_msg - 1 (2 bytes, big-endian), a count n (1 byte, low 4 bits),
 * n read sizes (1 byte each; 0 = as much as the buffer holds), then the
 * stream.  The seeds (tests/fuzz/seeds/stream_frame/) are stretches of the
 * Chromium/coturn capture as a stream would carry them (STUN as is,
 * ChannelData with its padding), HTTP and TLS probes, RFC 5769 vectors at
 * and one byte over max_msg, and an unpadded ChannelData at the end.
 *
 * The stream is first walked whole with stream_frame_next() at each frame
 * boundary, which gives the reference: the frames, then 0 or an error at
 * some offset.  Checked on the way:
 *  - a frame lies inside the bytes given and within max_msg, is a multiple
 *    of four long, len - msg_len is 0-3, and its header says what the
 *    frame says (STUN cookie and length; ChannelData channel 0x4000-0x7FFF,
 *    length, and the datagram parser agrees);
 *  - every shorter prefix of a frame returns 0; an error, once returned
 *    for a prefix, is returned for every longer one (no verdict depends on
 *    where reads split the stream);
 *  - stream_frame_next_stun() agrees, except that ChannelData is -EPROTO;
 *  - a ChannelData frame written again by stream_channel_data_write() is
 *    the same frame, with zero padding.
 * Then the stream goes through struct stream_rx in a buffer of exactly
 * max_msg bytes, everything outside its unconsumed bytes poisoned for
 * ASan, in the reads the input asks for: the same frames, the same bytes,
 * the same ending, and never a full buffer still waiting for bytes.
 * Any violation is __builtin_trap().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "turnpike/channel_data.h"
#include "turnpike/stream_frame.h"
#include "turnpike/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#define FZ_MAX_READS 15
/* Reference frames recorded; a longer stream is checked but not replayed. */
#define FZ_MAX_FRAMES 4096

struct fz_ref {
	struct stream_frame f[FZ_MAX_FRAMES];
	size_t at[FZ_MAX_FRAMES];
	int n;
	int rc;     /* the walk's ending: 0 or a negative errno */
	size_t end; /* offset where it ended */
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool
frame_equal(const struct stream_frame *a, const struct stream_frame *b)
{
	return a->kind == b->kind && a->len == b->len &&
	       a->msg_len == b->msg_len && a->channel == b->channel;
}

/* What a frame says about itself against the bytes it covers. */
static void
check_frame(const uint8_t *buf, size_t avail, size_t max_msg,
	    const struct stream_frame *f)
{
	uint16_t ch = 0;

	CHECK(f->len <= avail && f->len <= max_msg);
	CHECK(f->msg_len <= f->len && f->len - f->msg_len <= 3);
	CHECK(f->len % 4 == 0);
	if (f->kind == STREAM_FRAME_STUN) {
		CHECK(f->len == f->msg_len && f->channel == 0);
		CHECK(f->msg_len >= STUN_HEADER_LEN);
		CHECK(stun_is_stun(buf, f->len));
		CHECK(STUN_HEADER_LEN + rd16(buf + 2) == f->msg_len);
		return;
	}
	CHECK(f->kind == STREAM_FRAME_CHANNEL_DATA);
	CHECK(f->channel == rd16(buf) && f->channel >= CHANNEL_NUMBER_MIN &&
	      f->channel <= CHANNEL_NUMBER_MAX_RFC5766);
	CHECK(f->msg_len == CHANNEL_DATA_HEADER_LEN + rd16(buf + 2));
	CHECK(f->len == stream_channel_data_len(rd16(buf + 2)));
	CHECK(channel_data_parse_upto(buf, f->len, CHANNEL_NUMBER_MAX_RFC5766,
				      &ch) == rd16(buf + 2));
	CHECK(ch == f->channel);
}

/* Every shorter prefix of a frame waits; an error never goes away. */
static void
check_prefixes(const uint8_t *buf, size_t avail, size_t max_msg, int rc,
	       const struct stream_frame *f)
{
	struct stream_frame g;
	size_t upto = rc == 1 ? f->len : avail;
	bool decided = false;

	for (size_t k = 0; k < upto; k++) {
		int r = stream_frame_next(buf, k, max_msg, &g);

		if (rc >= 0) {
			CHECK(r == 0);
		} else {
			CHECK(r == 0 || r == rc);
			CHECK(!decided || r == rc);
			decided = r == rc;
		}
	}
}

/* The STUN-only variant: the same, except ChannelData. */
static void
check_stun_only(const uint8_t *buf, size_t avail, size_t max_msg, int rc,
		const struct stream_frame *f)
{
	struct stream_frame g;
	int r = stream_frame_next_stun(buf, avail, max_msg, &g);

	if (avail > 0 && (buf[0] & 0xC0) == 0x40) {
		CHECK(r == -EPROTO);
		return;
	}
	CHECK(r == rc);
	CHECK(r != 1 || frame_equal(&g, f));
}

/* Written again for a stream, a ChannelData frame is the same frame. */
static void
check_rewrite(const uint8_t *buf, const struct stream_frame *f)
{
	static uint8_t out[CHANNEL_DATA_HEADER_LEN + 65535 + 3];
	size_t dlen = f->msg_len - CHANNEL_DATA_HEADER_LEN;
	struct stream_frame g;

	memset(out, 0xAA, f->len);
	memcpy(out + CHANNEL_DATA_HEADER_LEN, buf + CHANNEL_DATA_HEADER_LEN,
	       dlen);
	CHECK(stream_channel_data_write(out, f->channel, dlen) == f->len);
	CHECK(memcmp(out, buf, f->msg_len) == 0);
	for (size_t i = f->msg_len; i < f->len; i++)
		CHECK(out[i] == 0);
	CHECK(stream_frame_next(out, f->len, f->len, &g) == 1);
	CHECK(frame_equal(&g, f));
}

static void
walk_whole(const uint8_t *s, size_t len, size_t max_msg, struct fz_ref *ref)
{
	struct stream_frame f;
	size_t off = 0;
	int rc;

	ref->n = 0;
	for (;;) {
		rc = stream_frame_next(s + off, len - off, max_msg, &f);
		CHECK(rc == 1 || rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
		check_prefixes(s + off, len - off, max_msg, rc, &f);
		check_stun_only(s + off, len - off, max_msg, rc, &f);
		if (rc != 1)
			break;
		check_frame(s + off, len - off, max_msg, &f);
		if (f.kind == STREAM_FRAME_CHANNEL_DATA)
			check_rewrite(s + off, &f);
		if (ref->n < FZ_MAX_FRAMES) {
			ref->f[ref->n] = f;
			ref->at[ref->n] = off;
		}
		ref->n++;
		off += f.len;
	}
	ref->rc = rc;
	ref->end = off;
}

/* Only the unconsumed bytes of the receive buffer may be read. */
static void
rx_poison(const struct stream_rx *rx)
{
	ASAN_POISON_MEMORY_REGION(rx->buf, rx->off);
	ASAN_POISON_MEMORY_REGION(rx->buf + rx->len, rx->cap - rx->len);
}

static void
rx_unpoison(const struct stream_rx *rx)
{
	ASAN_UNPOISON_MEMORY_REGION(rx->buf, rx->cap);
}

static void
replay_reads(const uint8_t *s, size_t len, size_t max_msg, const uint8_t *reads,
	     size_t n_reads, const struct fz_ref *ref)
{
	uint8_t *mem = malloc(max_msg);
	struct stream_rx rx;
	struct stream_frame f;
	size_t fed = 0, r = 0, room;
	int i = 0, rc = 0;

	if (mem == NULL || ref->n > FZ_MAX_FRAMES) {
		free(mem);
		return;
	}
	stream_rx_init(&rx, mem, max_msg);
	for (;;) {
		size_t want = n_reads ? reads[r++ % n_reads] : 0;
		uint8_t *p;

		if (fed == len)
			break;
		rx_unpoison(&rx);
		p = stream_rx_space(&rx, &room);
		CHECK(room > 0); /* stream_rx_next() said 0: room to finish */
		if (want == 0 || want > room)
			want = room;
		if (want > len - fed)
			want = len - fed;
		memcpy(p, s + fed, want);
		stream_rx_commit(&rx, want);
		fed += want;
		rx_poison(&rx);
		while ((rc = stream_rx_next(&rx, &f)) == 1) {
			size_t at = fed - stream_rx_pending(&rx);

			CHECK(i < ref->n && at == ref->at[i]);
			CHECK(frame_equal(&f, &ref->f[i]));
			CHECK(memcmp(stream_rx_data(&rx), s + at, f.len) == 0);
			stream_rx_consume(&rx, f.len);
			rx_poison(&rx);
			i++;
		}
		if (rc < 0)
			break;
	}
	/* the same ending at the same place */
	CHECK(rc == ref->rc && i == ref->n);
	CHECK(fed - stream_rx_pending(&rx) == ref->end);
	rx_unpoison(&rx);
	free(mem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_ref ref;
	size_t max_msg, n_reads;
	const uint8_t *reads;

	if (size < 3)
		return 0;
	max_msg = (size_t)rd16(data) + 1;
	n_reads = data[2] & FZ_MAX_READS;
	if (size < 3 + n_reads)
		return 0;
	reads = data + 3;
	data += 3 + n_reads;
	size -= 3 + n_reads;

	walk_whole(data, size, max_msg, &ref);
	replay_reads(data, size, max_msg, reads, n_reads, &ref);
	return 0;
}
