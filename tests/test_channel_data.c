/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ChannelData framing (RFC 8656 section 12.4): channel_data_parse() on
 * valid, reserved, short and over-long messages and on UDP padding, plus
 * the channel number bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "turnpike/channel_data.h"

/* A datagram: header for @channel and @dlen, then @total - 4 bytes. */
static void
frame(uint8_t *buf, uint16_t channel, uint16_t dlen, size_t total)
{
	memset(buf, 0xAB, total);
	channel_data_write_header(buf, channel, dlen);
}

static void
test_valid(void **state)
{
	uint8_t buf[64];
	uint16_t ch = 0;

	(void)state;
	frame(buf, 0x4000, 4, 8);
	assert_memory_equal(buf, "\x40\x00\x00\x04", 4);
	assert_int_equal(channel_data_parse(buf, 8, &ch), 4);
	assert_int_equal(ch, 0x4000);

	frame(buf, 0x4FFF, 0, 4);
	assert_int_equal(channel_data_parse(buf, 4, &ch), 0);
	assert_int_equal(ch, 0x4FFF);

	frame(buf, 0x4123, 60, 64);
	assert_int_equal(channel_data_parse(buf, 64, &ch), 60);
	assert_int_equal(ch, 0x4123);
}

static void
test_reserved_channels(void **state)
{
	static const uint16_t bad[] = { 0x3FFF, 0x5000, 0x7FFF, 0x0000, 0xFFFF };
	uint8_t buf[16];
	uint16_t ch = 0x1234;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		frame(buf, bad[i], 4, 8);
		assert_int_equal(channel_data_parse(buf, 8, &ch), -1);
		assert_int_equal(ch, 0x1234); /* untouched on failure */
	}
}

static void
test_short(void **state)
{
	uint8_t buf[8];
	uint16_t ch;

	(void)state;
	frame(buf, 0x4000, 0, 4);
	for (size_t len = 0; len < CHANNEL_DATA_HEADER_LEN; len++)
		assert_int_equal(channel_data_parse(buf, len, &ch), -1);
	assert_int_equal(channel_data_parse(buf, 4, &ch), 0);
}

static void
test_length_past_datagram(void **state)
{
	uint8_t buf[64];
	uint16_t ch;

	(void)state;
	frame(buf, 0x4001, 10, 13);
	assert_int_equal(channel_data_parse(buf, 13, &ch), -1);
	frame(buf, 0x4001, 0xFFFF, 64);
	assert_int_equal(channel_data_parse(buf, 64, &ch), -1);
	frame(buf, 0x4001, 10, 14);
	assert_int_equal(channel_data_parse(buf, 14, &ch), 10);
}

static void
test_padding(void **state)
{
	uint8_t buf[32];
	uint16_t ch;

	(void)state;
	/* 5 bytes of data: up to 3 bytes of padding after them */
	for (size_t pad = 0; pad <= 3; pad++) {
		frame(buf, 0x4002, 5, 9 + pad);
		assert_int_equal(channel_data_parse(buf, 9 + pad, &ch), 5);
	}
	frame(buf, 0x4002, 5, 13);
	assert_int_equal(channel_data_parse(buf, 13, &ch), -1);
	frame(buf, 0x4002, 0, 8);
	assert_int_equal(channel_data_parse(buf, 8, &ch), -1);
}

static void
test_channel_bounds(void **state)
{
	(void)state;
	assert_false(channel_number_valid(0x0000));
	assert_false(channel_number_valid(0x3FFF));
	assert_true(channel_number_valid(0x4000));
	assert_true(channel_number_valid(0x4800));
	assert_true(channel_number_valid(0x4FFF));
	assert_false(channel_number_valid(0x5000));
	assert_false(channel_number_valid(0x7FFF));
	assert_false(channel_number_valid(0xFFFF));
}

static void
test_looks_like(void **state)
{
	static const uint8_t cd[4] = { 0x40, 0x00, 0x00, 0x00 };
	static const uint8_t stun[4] = { 0x00, 0x01, 0x00, 0x00 };
	static const uint8_t other[4] = { 0x80, 0x00, 0x00, 0x00 };

	(void)state;
	assert_true(channel_data_looks_like(cd, 4));
	assert_false(channel_data_looks_like(cd, 3));
	assert_false(channel_data_looks_like(stun, 4));
	assert_false(channel_data_looks_like(other, 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_reserved_channels),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_length_past_datagram),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_channel_bounds),
		cmocka_unit_test(test_looks_like),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
