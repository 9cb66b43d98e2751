/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Framing of TURN over TCP and TLS (see stream_frame.h).  The first two
 * bits tell the kinds apart (RFC 8656 section 12: 0b00 STUN, 0b01
 * ChannelData); every length is checked against what is buffered and
 * against the caller's bound before it is trusted.
 */
#include <errno.h>

#include "turnpike/channel_data.h"
#include "turnpike/stream_frame.h"
#include "turnpike/stun.h"

int
stream_frame_next(const uint8_t *buf, size_t len, size_t max_msg,
		  struct stream_frame *out)
{
	size_t body;

	if (len == 0)
		return 0;
	if ((buf[0] & 0xC0) == 0x40) {
		/* ChannelData: number 0x4000-0x7FFF, length, data, padding. */
		if (len < CHANNEL_DATA_HEADER_LEN)
			return 0;
		body = (size_t)buf[2] << 8 | buf[3];
		out->kind = STREAM_FRAME_CHANNEL_DATA;
		out->channel = (uint16_t)(buf[0] << 8 | buf[1]);
		out->msg_len = CHANNEL_DATA_HEADER_LEN + body;
		out->len = out->msg_len + stun_pad_len(body);
	} else if ((buf[0] & 0xC0) == 0) {
		/* STUN: a 20-byte header whose length counts what follows. */
		if (len < 8)
			return 0;
		if (!stun_is_stun(buf, STUN_HEADER_LEN))
			return -EPROTO;
		body = (size_t)buf[2] << 8 | buf[3];
		if (body % 4 != 0)
			return -EPROTO;
		out->kind = STREAM_FRAME_STUN;
		out->channel = 0;
		out->msg_len = out->len = STUN_HEADER_LEN + body;
	} else {
		return -EPROTO;
	}
	if (out->msg_len > max_msg)
		return -EMSGSIZE;
	return out->len <= len ? 1 : 0;
}
