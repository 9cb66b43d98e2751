/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Framing of TURN over TCP and TLS (stream_frame.c): where one message ends
 * and the next begins in a byte stream.  STUN messages are delimited by
 * their own length field (RFC 8489 section 6.2.2); ChannelData is padded to
 * a multiple of four bytes over streams (RFC 8656 section 12.5).  Pure: no
 * I/O, no allocation.
 */
#ifndef TURNPIKE_STREAM_FRAME_H
#define TURNPIKE_STREAM_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum stream_frame_kind {
	STREAM_FRAME_STUN = 1,
	STREAM_FRAME_CHANNEL_DATA,
};

/** One whole frame at the start of a buffer. */
struct stream_frame {
	enum stream_frame_kind kind;
	size_t len;      /**< bytes on the stream, ChannelData padding included */
	size_t msg_len;  /**< the message without stream padding */
	uint16_t channel; /**< ChannelData's channel number */
};

/**
 * Look at the @p len bytes buffered at @p buf.  @return 1 with @p out
 * filled when a whole frame is there, 0 when more bytes are needed,
 * -EPROTO when the bytes are neither STUN nor ChannelData (the stream
 * cannot be resynchronised), -EMSGSIZE when the message would be longer
 * than @p max_msg.
 */
int stream_frame_next(const uint8_t *buf, size_t len, size_t max_msg,
		      struct stream_frame *out);

#endif /* TURNPIKE_STREAM_FRAME_H */
