/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-gen's pcap writer (tools/gen/gen_pcap.c): the global and record
 * headers byte by byte against the libpcap file format, and a round trip
 * through the tests' own capture reader (tests/pcap_file.c), which was
 * written separately to read real tshark/Chromium captures.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../tools/gen/gen_pcap.h"
#include "pcap_file.h"

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* An Ethernet/IPv4/UDP frame, built by hand (no checksum needed here). */
static size_t
udp_frame(uint8_t *f, const uint8_t src[4], uint16_t sport,
	  const uint8_t dst[4], uint16_t dport, const void *payload, size_t plen)
{
	size_t ulen = 8 + plen, tot = 20 + ulen;

	memset(f, 0, 14 + tot);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, src, 4);
	memcpy(f + 30, dst, 4);
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8);
	f[37] = (uint8_t)dport;
	f[38] = (uint8_t)(ulen >> 8);
	f[39] = (uint8_t)ulen;
	memcpy(f + 42, payload, plen);
	return 14 + tot;
}

static void
temp_path(char *path, size_t cap)
{
	snprintf(path, cap, "/tmp/test_gen_pcap.%d.pcap", (int)getpid());
}

static void
test_headers(void **state)
{
	static const uint8_t global[24] = {
		0xd4, 0xc3, 0xb2, 0xa1,             /* magic, little-endian */
		0x02, 0x00, 0x04, 0x00,             /* version 2.4 */
		0,    0,    0,    0,    0, 0, 0, 0, /* thiszone, sigfigs */
		0xff, 0xff, 0x00, 0x00,             /* snaplen 65535 */
		0x01, 0x00, 0x00, 0x00,             /* LINKTYPE_ETHERNET */
	};
	struct gen_pcap pc;
	uint8_t frame[3] = { 1, 2, 3 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(gen_pcap_open_stream(&pc, f), 0);
	/* 1.5 s and 250 us after the epoch, as seconds and microseconds. */
	assert_int_equal(gen_pcap_write(&pc, frame, 3, 1500250000ull), 0);
	assert_int_equal(pc.frames, 1);
	assert_int_equal(gen_pcap_close(&pc), 0);
	fclose(f);
	assert_int_equal(len, 24 + 16 + 3);
	assert_memory_equal(buf, global, 24);
	assert_int_equal(le32((uint8_t *)buf + 24), 1);      /* ts_sec */
	assert_int_equal(le32((uint8_t *)buf + 28), 500250); /* ts_usec */
	assert_int_equal(le32((uint8_t *)buf + 32), 3);      /* incl_len */
	assert_int_equal(le32((uint8_t *)buf + 36), 3);      /* orig_len */
	assert_memory_equal(buf + 40, frame, 3);
	free(buf);
}

static void
test_snaplen(void **state)
{
	struct gen_pcap pc;
	uint8_t *big = calloc(1, 70000);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(big);
	assert_int_equal(gen_pcap_open_stream(&pc, f), 0);
	assert_int_equal(gen_pcap_write(&pc, big, 70000, 0), 0);
	assert_int_equal(gen_pcap_close(&pc), 0);
	fclose(f);
	assert_int_equal(len, 24 + 16 + 65535);
	assert_int_equal(le32((uint8_t *)buf + 32), 65535);
	assert_int_equal(le32((uint8_t *)buf + 36), 70000);
	free(buf);
	free(big);
}

static void
test_round_trip(void **state)
{
	static const uint8_t c[4] = { 198, 18, 0, 1 }, s[4] = { 198, 18, 255, 1 };
	struct gen_pcap pc;
	struct pcap_file rf;
	struct pcap_udp u;
	uint8_t frame[128];
	char path[64];
	size_t n;

	(void)state;
	temp_path(path, sizeof(path));
	assert_int_equal(gen_pcap_open(&pc, path), 0);
	n = udp_frame(frame, c, 10000, s, 3478,
		      "\x40\x00\x00\x04"
		      "abcd",
		      8);
	assert_int_equal(gen_pcap_write(&pc, frame, (uint32_t)n, 1000), 0);
	n = udp_frame(frame, c, 10001, s, 3478, "second", 6);
	assert_int_equal(gen_pcap_write(&pc, frame, (uint32_t)n, 2000), 0);
	assert_int_equal(gen_pcap_close(&pc), 0);

	assert_int_equal(pcap_file_open(&rf, path), 0);
	assert_false(rf.ng);
	assert_int_equal(rf.linktype, 1);
	assert_int_equal(pcap_file_next_udp(&rf, &u), 1);
	assert_int_equal(u.frame, 1);
	assert_int_equal(u.src.port, 10000);
	assert_int_equal(u.dst.port, 3478);
	assert_memory_equal(u.src.ip.bytes, c, 4);
	assert_memory_equal(u.dst.ip.bytes, s, 4);
	assert_int_equal(u.len, 8);
	assert_memory_equal(u.payload,
			    "\x40\x00\x00\x04"
			    "abcd",
			    8);
	assert_int_equal(pcap_file_next_udp(&rf, &u), 1);
	assert_int_equal(u.src.port, 10001);
	assert_int_equal(u.len, 6);
	assert_int_equal(pcap_file_next_udp(&rf, &u), 0);
	pcap_file_close(&rf);
	unlink(path);
}

static void
test_open_error(void **state)
{
	struct gen_pcap pc;

	(void)state;
	assert_int_equal(gen_pcap_open(&pc, "/nonexistent-dir/x.pcap"), -ENOENT);
	assert_int_equal(gen_pcap_close(&pc), 0); /* nothing to close */
	assert_int_equal(gen_pcap_open_stream(&pc, NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_snaplen),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_open_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
