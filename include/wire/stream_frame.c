/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of TURN over TCP and TLS (RFC 8656 section 12.5, RFC 8489
 * section 6.2.2): finds where each STUN or ChannelData message on a byte
 * stream ends, writes padded ChannelData for stream clients, and keeps a
 * receive buffer in memory the caller owns.
 *
 * Runs on whichever thread owns the connection.  Owns nothing; reads only
 * the headers, never the bodies (stun_msg_decode() and
 * channel_data_parse_upto() judge those once a frame is whole).
 *
 * Design.  Each check fires as soon as the bytes it needs are buffered,
 * and the errors that need fewer bytes win, so a verdict does not depend
 * on how the stream was split into reads:
 *
 *   byte 0      top bits 10 or 11: -EPROTO.  Smallest message of the kind
 *               (20 or 4 bytes) longer than max_msg: -EMSGSIZE.
 *   STUN
 *   bytes 2-3   length not a multiple of 4: -EPROTO
 *   bytes 4-7   each byte of the magic cookie as it arrives: -EPROTO
 *   byte 7      20 + length > max_msg: -EMSGSIZE (only now is it STUN)
 *   ChannelData
 *   bytes 2-3   4 + length + padding > max_msg: -EMSGSIZE
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "turnpike/stream_frame.h"

/* Byte 0's top two bits (RFC 8656 section 12). */
#define STREAM_KIND_MASK 0xC0
#define STREAM_KIND_STUN 0x00
#define STREAM_KIND_CHANNEL_DATA 0x40
/* Bytes of a STUN header up to the end of the magic cookie. */
#define STREAM_STUN_COOKIE_END 8

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Byte @i (4-7) of the magic cookie, most significant first. */
static inline uint8_t
cookie_byte(size_t i)
{
	return (uint8_t)(STUN_MAGIC_COOKIE >> (8 * (7 - i)));
}

static int
frame_stun(const uint8_t *buf, size_t len, size_t max_msg,
	   struct stream_frame *out)
{
	size_t body = 0, msg;

	if (len >= 4) {
		/* RFC 8489 section 5: the body is whole attributes, each
		 * padded to four bytes; anything else is not STUN. */
		body = rd16(buf + 2);
		if (body & 3)
			return -EPROTO;
	}
	for (size_t i = 4; i < len && i < STREAM_STUN_COOKIE_END; i++)
		if (buf[i] != cookie_byte(i))
			return -EPROTO;
	if (len < STREAM_STUN_COOKIE_END)
		return 0;
	msg = STUN_HEADER_LEN + body;
	if (msg > max_msg)
		return -EMSGSIZE;
	if (len < msg)
		return 0;
	out->kind = STREAM_FRAME_STUN;
	out->len = msg;
	out->msg_len = msg;
	out->channel = 0;
	return 1;
}

static int
frame_channel_data(const uint8_t *buf, size_t len, size_t max_msg,
		   struct stream_frame *out)
{
	size_t dlen, frame;
	uint16_t ch = 0;
	int got;

	if (!channel_data_looks_like(buf, len))
		return 0; /* the header is not all there yet */
	dlen = rd16(buf + 2);
	/* the padding is on the stream whatever the length field says
	 * (RFC 8656 section 12.5), so it counts toward the caller's bound */
	frame = stream_channel_data_len(dlen);
	if (frame > max_msg)
		return -EMSGSIZE;
	if (len < frame)
		return 0;
	/* Top bits 01 put the channel in 0x4000-0x7FFF, which is what the
	 * parse accepts, and the frame holds the data and 0-3 bytes after
	 * it: it cannot fail, but the datagram parser is the one authority
	 * on the header. */
	got = channel_data_parse_upto(buf, frame, CHANNEL_NUMBER_MAX_RFC5766,
				      &ch);
	if (got < 0 || (size_t)got != dlen)
		return -EPROTO;
	out->kind = STREAM_FRAME_CHANNEL_DATA;
	out->len = frame;
	out->msg_len = CHANNEL_DATA_HEADER_LEN + dlen;
	out->channel = ch;
	return 1;
}

static int
frame_next(const uint8_t *buf, size_t len, size_t max_msg, bool channels,
	   struct stream_frame *out)
{
	if (len == 0)
		return 0;
	switch (buf[0] & STREAM_KIND_MASK) {
	case STREAM_KIND_STUN:
		if (max_msg < STUN_HEADER_LEN)
			return -EMSGSIZE;
		return frame_stun(buf, len, max_msg, out);
	case STREAM_KIND_CHANNEL_DATA:
		if (!channels)
			return -EPROTO;
		if (max_msg < CHANNEL_DATA_HEADER_LEN)
			return -EMSGSIZE;
		return frame_channel_data(buf, len, max_msg, out);
	default:
		/* 10 and 11 are neither (RFC 7983 puts RTP there); after
		 * them nothing says where a message could start again */
		return -EPROTO;
	}
}

int
stream_frame_next(const uint8_t *buf, size_t len, size_t max_msg,
		  struct stream_frame *out)
{
	return frame_next(buf, len, max_msg, true, out);
}

int
stream_frame_next_stun(const uint8_t *buf, size_t len, size_t max_msg,
		       struct stream_frame *out)
{
	return frame_next(buf, len, max_msg, false, out);
}

size_t
stream_channel_data_write(uint8_t *buf, uint16_t channel, size_t data_len)
{
	if (data_len > UINT16_MAX)
		return 0;
	channel_data_write_header(buf, channel, (uint16_t)data_len);
	memset(buf + CHANNEL_DATA_HEADER_LEN + data_len, 0,
	       stream_channel_data_pad(data_len));
	return stream_channel_data_len(data_len);
}

void
stream_rx_init(struct stream_rx *rx, uint8_t *buf, size_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	rx->off = 0;
	rx->len = 0;
}

uint8_t *
stream_rx_space(struct stream_rx *rx, size_t *room)
{
	if (rx->off > 0) {
		memmove(rx->buf, rx->buf + rx->off, rx->len - rx->off);
		rx->len -= rx->off;
		rx->off = 0;
	}
	*room = rx->cap - rx->len;
	return rx->buf + rx->len;
}

void
stream_rx_commit(struct stream_rx *rx, size_t n)
{
	rx->len += n;
}

int
stream_rx_next(const struct stream_rx *rx, struct stream_frame *out)
{
	return stream_frame_next(stream_rx_data(rx), stream_rx_pending(rx),
				 rx->cap, out);
}

int
stream_rx_next_stun(const struct stream_rx *rx, struct stream_frame *out)
{
	return stream_frame_next_stun(stream_rx_data(rx), stream_rx_pending(rx),
				      rx->cap, out);
}

void
stream_rx_consume(struct stream_rx *rx, size_t n)
{
	rx->off += n;
	if (rx->off == rx->len) {
		/* empty: start over without a move */
		rx->off = 0;
		rx->len = 0;
	}
}
