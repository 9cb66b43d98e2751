/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Framing of TURN over TCP and TLS: where each message on a byte stream
 * begins and ends.
 *
 * A stream carries STUN messages and ChannelData messages back to back,
 * told apart by their first two bits (RFC 8656 section 12: 00 STUN,
 * 01 ChannelData).  A STUN message is delimited by its own length field
 * (RFC 8489 section 6.2.2); a ChannelData message by its length field plus
 * the padding that makes it a multiple of four bytes, which a sender MUST
 * add over a stream (RFC 8656 section 12.5) and which is not counted in the
 * length field:
 *
 *     STUN:         | 20-byte header | body (length, a multiple of 4)  |
 *     ChannelData:  | ch | length | data (length bytes) | 0-3 padding |
 *
 * There is no way to find the next message after bytes that are neither:
 * the stream cannot be resynchronised and must be closed.
 *
 * Pure code: takes bytes and a length, fills caller-owned structs, never
 * allocates, logs or does I/O.  Any thread may call it.  The receive buffer
 * helper (struct stream_rx) works in memory the caller owns.
 */
#ifndef TURNPIKE_STREAM_FRAME_H
#define TURNPIKE_STREAM_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "turnpike/channel_data.h"
#include "turnpike/stun.h"

/** What a frame holds. */
enum stream_frame_kind {
	STREAM_FRAME_STUN = 1,         /**< a STUN message */
	STREAM_FRAME_CHANNEL_DATA = 2, /**< a ChannelData message */
};

/** One message found at the start of a stream buffer. */
struct stream_frame {
	enum stream_frame_kind kind;
	/** Bytes of the whole frame on the stream, ChannelData padding
	 *  included: consume this many to reach the next frame. */
	size_t len;
	/** The message without stream padding: STUN header and body, or
	 *  ChannelData header and data.  What stun_msg_decode() and
	 *  channel_data_parse_upto() take.  len - msg_len is 0 to 3. */
	size_t msg_len;
	/** ChannelData: the channel number, 0x4000-0x7FFF (the caller checks
	 *  it against its own limit).  STUN: 0. */
	uint16_t channel;
};

/**
 * Find the frame at the start of the @p len bytes buffered at @p buf.
 *
 * Decides as early as the bytes allow: a first byte 0x80-0xFF, a STUN
 * length that is not a multiple of four, or a byte of the magic cookie
 * that differs from 0x2112A442 is refused as soon as it is buffered, so a
 * TLS ClientHello on the plain port is refused within the first eight
 * bytes.  Every ChannelData header names a channel in 0x4000-0x7FFF (the
 * top bits 01 say so); the range RFC 5766 clients use is accepted and the
 * caller compares the number with its configured maximum.
 *
 * A verdict never depends on where the stream was split: a negative return
 * stays the same however many more bytes arrive, and a frame is found
 * whole or not at all.  Only the header bytes are read, never more than
 * @p len.
 *
 * @param max_msg  largest frame the caller will hold (its buffer size);
 *                 it bounds out->len, padding included.
 * @return 1 with @p out filled when a whole frame is buffered; 0 when more
 * bytes are needed and nothing is wrong yet (@p out untouched); -EPROTO
 * when the bytes are neither STUN nor ChannelData or the STUN length is
 * not a multiple of four; -EMSGSIZE when the frame would be longer than
 * @p max_msg.  On a negative return the stream is to be closed.
 */
int stream_frame_next(const uint8_t *buf, size_t len, size_t max_msg,
		      struct stream_frame *out);

/**
 * stream_frame_next(), except that ChannelData is -EPROTO from its first
 * byte.  For a connection that has no allocation yet: channels are bound
 * within an allocation (RFC 8656 section 12), and over TCP or TLS the
 * allocation belongs to this connection, so no ChannelData can be valid
 * before it.  Anything whose first byte is 0x40-0x7F reads as a ChannelData
 * header, ASCII letters included: "GET / HTTP/1.1" is channel 0x4745 with
 * 21536 bytes of data to stream_frame_next(), which would wait for them;
 * this refuses it at the first byte.
 */
int stream_frame_next_stun(const uint8_t *buf, size_t len, size_t max_msg,
			   struct stream_frame *out);

/* ---- writing ChannelData toward a stream client ---- */

/** Zero bytes that follow @p data_len bytes of ChannelData on a stream. */
static inline size_t
stream_channel_data_pad(size_t data_len)
{
	/* the header is four bytes, so padding the data pads the message */
	return stun_pad_len(data_len);
}

/** Bytes a ChannelData message of @p data_len bytes takes on a stream. */
static inline size_t
stream_channel_data_len(size_t data_len)
{
	return CHANNEL_DATA_HEADER_LEN + data_len +
	       stream_channel_data_pad(data_len);
}

/**
 * Frame @p data_len bytes of data on @p channel for a stream, in place:
 * @p buf holds CHANNEL_DATA_HEADER_LEN bytes for the header, then the data
 * (the caller's, already there), then room for the padding, in all
 * stream_channel_data_len(@p data_len) bytes.  Writes the header and the
 * zero padding around the data.
 * @return stream_channel_data_len(@p data_len), or 0 if @p data_len does
 * not fit the 16-bit length field (nothing written).
 */
size_t stream_channel_data_write(uint8_t *buf, uint16_t channel, size_t data_len);

/* ---- a receive buffer in caller-owned memory ---- */

/**
 * Bytes read from a stream and not yet consumed: buf[off, len).  Frames
 * are consumed where they lie; the remainder is moved down to the start
 * only when room is asked for, so a read that brings many frames costs one
 * move, not one per frame.
 */
struct stream_rx {
	uint8_t *buf; /**< the caller's memory */
	size_t cap;   /**< its size: the largest frame accepted */
	size_t off;   /**< first unconsumed byte */
	size_t len;   /**< end of the bytes read */
};

/** Start an empty buffer over the caller's @p cap bytes at @p buf. */
void stream_rx_init(struct stream_rx *rx, uint8_t *buf, size_t cap);

/**
 * Where the next read goes: moves the unconsumed bytes to the start and
 * returns the free space after them, its size in @p room.  @p room is never
 * 0 while stream_rx_next() returns 0: a frame that fits the buffer always
 * leaves room to complete it.
 */
uint8_t *stream_rx_space(struct stream_rx *rx, size_t *room);

/** Record that @p n bytes were read into stream_rx_space(); n <= room. */
void stream_rx_commit(struct stream_rx *rx, size_t n);

/**
 * The frame at the start of the unconsumed bytes, by stream_frame_next()
 * with the buffer's size as the largest frame; its bytes are at
 * stream_rx_data().  Same returns.
 */
int stream_rx_next(const struct stream_rx *rx, struct stream_frame *out);

/** stream_rx_next() by stream_frame_next_stun(). */
int stream_rx_next_stun(const struct stream_rx *rx, struct stream_frame *out);

/** The first unconsumed byte (where the frame of stream_rx_next() lies). */
static inline const uint8_t *
stream_rx_data(const struct stream_rx *rx)
{
	return rx->buf + rx->off;
}

/** Unconsumed bytes. */
static inline size_t
stream_rx_pending(const struct stream_rx *rx)
{
	return rx->len - rx->off;
}

/** Drop @p n unconsumed bytes (a frame's len); n <= stream_rx_pending(). */
void stream_rx_consume(struct stream_rx *rx, size_t n);

#endif /* TURNPIKE_STREAM_FRAME_H */
