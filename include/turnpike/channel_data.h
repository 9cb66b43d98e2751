/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ChannelData framing (RFC 8656 section 12.4).  Inline, for the fast path.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Channel Number        |            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                       Application Data                        /
 *    +-------------------------------+-------------------------------+
 *
 * Channel numbers 0x4000-0x4FFF are valid; 0x5000-0x7FFF are reserved and
 * a message carrying one is dropped.  Over UDP the data need not be padded,
 * but the datagram may carry up to three bytes of padding after it, and
 * the length field must not claim more than the datagram holds.
 */
#ifndef TURNPIKE_CHANNEL_DATA_H
#define TURNPIKE_CHANNEL_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHANNEL_DATA_HEADER_LEN 4
#define CHANNEL_NUMBER_MIN 0x4000
#define CHANNEL_NUMBER_MAX 0x4FFF
/** The upper bound RFC 5766 allowed, for servers that accept old clients. */
#define CHANNEL_NUMBER_MAX_RFC5766 0x7FFF

/** True if @p channel is a valid channel number. */
static inline bool
channel_number_valid(uint16_t channel)
{
	return channel >= CHANNEL_NUMBER_MIN && channel <= CHANNEL_NUMBER_MAX;
}

/**
 * True if the first byte says ChannelData (top two bits 01), the way a
 * demultiplexer tells it from STUN (00) on one port (RFC 8656 section 12).
 */
static inline bool
channel_data_looks_like(const uint8_t *buf, size_t len)
{
	return len >= CHANNEL_DATA_HEADER_LEN && (buf[0] & 0xC0) == 0x40;
}

/**
 * Parse a ChannelData message that fills a UDP datagram of @p len bytes,
 * accepting channel numbers 0x4000..@p max_channel.
 * @return the application data length, or -1 if malformed (short, reserved
 * channel, length past the datagram, or more than three bytes of padding).
 */
static inline int
channel_data_parse_upto(const uint8_t *buf, size_t len, uint16_t max_channel,
			uint16_t *channel)
{
	uint16_t ch, dlen;

	if (len < CHANNEL_DATA_HEADER_LEN)
		return -1;
	ch = (uint16_t)(buf[0] << 8 | buf[1]);
	dlen = (uint16_t)(buf[2] << 8 | buf[3]);
	if (ch < CHANNEL_NUMBER_MIN || ch > max_channel)
		return -1;
	if ((size_t)dlen + CHANNEL_DATA_HEADER_LEN > len ||
	    len - CHANNEL_DATA_HEADER_LEN - dlen > 3)
		return -1;
	*channel = ch;
	return dlen;
}

/** channel_data_parse_upto() with the RFC 8656 range 0x4000-0x4FFF. */
static inline int
channel_data_parse(const uint8_t *buf, size_t len, uint16_t *channel)
{
	return channel_data_parse_upto(buf, len, CHANNEL_NUMBER_MAX, channel);
}

/** Write a ChannelData header for @p data_len bytes on @p channel. */
static inline void
channel_data_write_header(uint8_t *buf, uint16_t channel, uint16_t data_len)
{
	buf[0] = (uint8_t)(channel >> 8);
	buf[1] = (uint8_t)channel;
	buf[2] = (uint8_t)(data_len >> 8);
	buf[3] = (uint8_t)data_len;
}

#endif /* TURNPIKE_CHANNEL_DATA_H */
