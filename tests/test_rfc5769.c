/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RFC 5769 test vectors, written out attribute by attribute: decode
 * each, check every value, verify MESSAGE-INTEGRITY and FINGERPRINT, and
 * rebuild each message with the builder from the decoded values.
 *
 * The vectors' MACs and CRCs were computed by the RFC's author, so a match
 * here checks our HMAC input rules (length rewriting, padding coverage)
 * against an independent implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "turnpike/stun.h"

/* Short-term password of sections 2.1-2.3 (the key is the password). */
static const char rfc_password[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const uint8_t rfc_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

/* clang-format off */
/* RFC 5769 section 2.1: Sample Request. */
static const uint8_t sample_request[] = {
	0x00, 0x01, 0x00, 0x58, /* Request type and message length */
	0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
	0xb7, 0xe7, 0xa7, 0x01, /* } */
	0xbc, 0x34, 0xd6, 0x86, /* }  Transaction ID */
	0xfa, 0x87, 0xdf, 0xae, /* } */
	0x80, 0x22, 0x00, 0x10, /* SOFTWARE attribute header */
	0x53, 0x54, 0x55, 0x4e, /* } */
	0x20, 0x74, 0x65, 0x73, /* }  User-agent... */
	0x74, 0x20, 0x63, 0x6c, /* }  ...name */
	0x69, 0x65, 0x6e, 0x74, /* } */
	0x00, 0x24, 0x00, 0x04, /* PRIORITY attribute header */
	0x6e, 0x00, 0x01, 0xff, /* ICE priority value */
	0x80, 0x29, 0x00, 0x08, /* ICE-CONTROLLED attribute header */
	0x93, 0x2f, 0xf9, 0xb1, /* }  Pseudo-random tie breaker... */
	0x51, 0x26, 0x3b, 0x36, /* }   ...for ICE control */
	0x00, 0x06, 0x00, 0x09, /* USERNAME attribute header */
	0x65, 0x76, 0x74, 0x6a, /* } */
	0x3a, 0x68, 0x36, 0x76, /* }  Username (9 bytes) and padding (3 bytes) */
	0x59, 0x20, 0x20, 0x20, /* }  (the RFC pads with spaces, not zeros) */
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
	0x9a, 0xea, 0xa7, 0x0c, /* } */
	0xbf, 0xd8, 0xcb, 0x56, /* } */
	0x78, 0x1e, 0xf2, 0xb5, /* }  HMAC-SHA1 fingerprint */
	0xb2, 0xd3, 0xf2, 0x49, /* } */
	0xc1, 0xb5, 0x71, 0xa2, /* } */
	0x80, 0x28, 0x00, 0x04, /* FINGERPRINT attribute header */
	0xe5, 0x7a, 0x3b, 0xcf, /* CRC32 fingerprint */
};

/* RFC 5769 section 2.2: Sample IPv4 Response. */
static const uint8_t sample_ipv4_response[] = {
	0x01, 0x01, 0x00, 0x3c, /* Response type and message length */
	0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
	0xb7, 0xe7, 0xa7, 0x01, /* } */
	0xbc, 0x34, 0xd6, 0x86, /* }  Transaction ID */
	0xfa, 0x87, 0xdf, 0xae, /* } */
	0x80, 0x22, 0x00, 0x0b, /* SOFTWARE attribute header */
	0x74, 0x65, 0x73, 0x74, /* } */
	0x20, 0x76, 0x65, 0x63, /* }  UTF-8 server name (11 bytes) */
	0x74, 0x6f, 0x72, 0x20, /* }  and one byte of padding (a space) */
	0x00, 0x20, 0x00, 0x08, /* XOR-MAPPED-ADDRESS attribute header */
	0x00, 0x01, 0xa1, 0x47, /* Address family (IPv4) and xor'd mapped port */
	0xe1, 0x12, 0xa6, 0x43, /* Xor'd mapped IPv4 address */
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
	0x2b, 0x91, 0xf5, 0x99, /* } */
	0xfd, 0x9e, 0x90, 0xc3, /* } */
	0x8c, 0x74, 0x89, 0xf9, /* }  HMAC-SHA1 fingerprint */
	0x2a, 0xf9, 0xba, 0x53, /* } */
	0xf0, 0x6b, 0xe7, 0xd7, /* } */
	0x80, 0x28, 0x00, 0x04, /* FINGERPRINT attribute header */
	0xc0, 0x7d, 0x4c, 0x96, /* CRC32 fingerprint */
};

/* RFC 5769 section 2.3: Sample IPv6 Response. */
static const uint8_t sample_ipv6_response[] = {
	0x01, 0x01, 0x00, 0x48, /* Response type and message length */
	0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
	0xb7, 0xe7, 0xa7, 0x01, /* } */
	0xbc, 0x34, 0xd6, 0x86, /* }  Transaction ID */
	0xfa, 0x87, 0xdf, 0xae, /* } */
	0x80, 0x22, 0x00, 0x0b, /* SOFTWARE attribute header */
	0x74, 0x65, 0x73, 0x74, /* } */
	0x20, 0x76, 0x65, 0x63, /* }  UTF-8 server name (11 bytes) */
	0x74, 0x6f, 0x72, 0x20, /* }  and one byte of padding (a space) */
	0x00, 0x20, 0x00, 0x14, /* XOR-MAPPED-ADDRESS attribute header */
	0x00, 0x02, 0xa1, 0x47, /* Address family (IPv6) and xor'd mapped port */
	0x01, 0x13, 0xa9, 0xfa, /* } */
	0xa5, 0xd3, 0xf1, 0x79, /* }  Xor'd mapped IPv6 address */
	0xbc, 0x25, 0xf4, 0xb5, /* } */
	0xbe, 0xd2, 0xb9, 0xd9, /* } */
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
	0xa3, 0x82, 0x95, 0x4e, /* } */
	0x4b, 0xe6, 0x7b, 0xf1, /* } */
	0x17, 0x84, 0xc9, 0x7c, /* }  HMAC-SHA1 fingerprint */
	0x82, 0x92, 0xc2, 0x75, /* } */
	0xbf, 0xe3, 0xed, 0x41, /* } */
	0x80, 0x28, 0x00, 0x04, /* FINGERPRINT attribute header */
	0xc8, 0xfb, 0x0b, 0x4c, /* CRC32 fingerprint */
};

/*
 * RFC 5769 section 2.4: Sample Request with Long-Term Authentication.
 * Username U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9 (unchanged by
 * SASLprep), password "The<U+00AD>M<U+00AA>tr<U+2168>", which SASLprep
 * maps to "TheMatrIX", nonce "f//499k954d6OL34oL9FSTvy64sA", realm
 * "example.org".
 */
static const uint8_t sample_longterm_request[] = {
	0x00, 0x01, 0x00, 0x60, /* Request type and message length */
	0x21, 0x12, 0xa4, 0x42, /* Magic cookie */
	0x78, 0xad, 0x34, 0x33, /* } */
	0xc6, 0xad, 0x72, 0xc0, /* }  Transaction ID */
	0x29, 0xda, 0x41, 0x2e, /* } */
	0x00, 0x06, 0x00, 0x12, /* USERNAME attribute header */
	0xe3, 0x83, 0x9e, 0xe3, /* } */
	0x83, 0x88, 0xe3, 0x83, /* } */
	0xaa, 0xe3, 0x83, 0x83, /* }  Username value (18 bytes) and padding */
	0xe3, 0x82, 0xaf, 0xe3, /* }  (2 bytes) */
	0x82, 0xb9, 0x00, 0x00, /* } */
	0x00, 0x15, 0x00, 0x1c, /* NONCE attribute header */
	0x66, 0x2f, 0x2f, 0x34, /* } */
	0x39, 0x39, 0x6b, 0x39, /* } */
	0x35, 0x34, 0x64, 0x36, /* } */
	0x4f, 0x4c, 0x33, 0x34, /* }  Nonce value */
	0x6f, 0x4c, 0x39, 0x46, /* } */
	0x53, 0x54, 0x76, 0x79, /* } */
	0x36, 0x34, 0x73, 0x41, /* } */
	0x00, 0x14, 0x00, 0x0b, /* REALM attribute header */
	0x65, 0x78, 0x61, 0x6d, /* } */
	0x70, 0x6c, 0x65, 0x2e, /* }  Realm value (11 bytes) and padding */
	0x6f, 0x72, 0x67, 0x00, /* }  (1 byte) */
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY attribute header */
	0xf6, 0x70, 0x24, 0x65, /* } */
	0x6d, 0xd6, 0x4a, 0x3e, /* } */
	0x02, 0xb8, 0xe0, 0x71, /* }  HMAC-SHA1 fingerprint */
	0x2e, 0x85, 0xc9, 0xa2, /* } */
	0x8c, 0xa8, 0x96, 0x66, /* } */
};
/* clang-format on */

static const char longterm_username[] =
	"\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
static const char longterm_nonce[] = "f//499k954d6OL34oL9FSTvy64sA";
static const char longterm_realm[] = "example.org";
static const char longterm_password_saslprep[] = "TheMatrIX";

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
assert_text(const struct stun_msg *msg, enum stun_attr_slot slot, const char *want)
{
	const uint8_t *v;
	uint16_t len = 0;

	v = stun_msg_value(msg, slot, &len);
	assert_non_null(v);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
}

static void
assert_decodes(struct stun_msg *msg, const uint8_t *buf, size_t len)
{
	assert_int_equal(stun_msg_decode(msg, buf, len), STUN_OK);
	assert_int_equal(msg->len, len);
}

/*
 * Rebuild @msg attribute by attribute: typed builders where we have them,
 * raw values otherwise, then MESSAGE-INTEGRITY with @key and FINGERPRINT if
 * the original has them.  With @copy_padding, the original's padding bytes
 * are copied into the rebuilt message before the MAC and CRC are computed
 * (standing in for the RFC author's encoder, which padded with spaces);
 * @pad_mask gets a 1 for every padding byte of the original.
 */
static int
reencode(const struct stun_msg *msg, const uint8_t *key, size_t key_len,
	 bool copy_padding, uint8_t *out, size_t cap, uint8_t *pad_mask)
{
	struct stun_builder b;
	size_t off = STUN_HEADER_LEN;
	size_t end = msg->mi_off != 0 ? msg->mi_off : msg->len;

	memset(pad_mask, 0, msg->len);
	stun_build_init(&b, out, cap, msg->type, msg->tid);
	while (off < end) {
		uint16_t type = rd16(msg->buf + off);
		uint16_t alen = rd16(msg->buf + off + 2);
		const uint8_t *v = msg->buf + off + STUN_ATTR_HEADER_LEN;
		size_t padded = ((size_t)alen + 3) & ~(size_t)3;
		struct tp_addr a;

		if (type == STUN_ATTR_FINGERPRINT)
			break;
		if (type == STUN_ATTR_XOR_MAPPED_ADDRESS) {
			assert_int_equal(stun_msg_get_xor_addr(msg,
							       STUN_SLOT_XOR_MAPPED_ADDRESS,
							       &a),
					 0);
			stun_build_xor_addr(&b, type, &a);
		} else if (type == 0x0024) { /* PRIORITY (RFC 8445) */
			stun_build_u32(&b, type,
				       (uint32_t)v[0] << 24 |
					       (uint32_t)v[1] << 16 |
					       (uint32_t)v[2] << 8 | v[3]);
		} else {
			stun_build_attr(&b, type, v, alen);
		}
		memset(pad_mask + off + STUN_ATTR_HEADER_LEN + alen, 1,
		       padded - alen);
		if (copy_padding && b.err == 0)
			memcpy(out + off + STUN_ATTR_HEADER_LEN + alen,
			       v + alen, padded - alen);
		off += STUN_ATTR_HEADER_LEN + padded;
	}
	if (msg->mi_off != 0)
		stun_build_integrity(&b, key, key_len);
	if (msg->fp_off != 0)
		stun_build_fingerprint(&b);
	return stun_build_finish(&b);
}

/*
 * The RFC's vectors 2.1-2.3 pad with spaces; our builder always pads with
 * zeros (RFC 8489 section 14).  So the plain rebuild matches the vector
 * everywhere except the padding bytes and the MAC and CRC (which cover the
 * padding); it must still verify on its own.  With the vector's padding
 * bytes copied in, the rebuild must match byte for byte, MAC and CRC
 * included.
 */
static void
check_rebuild(const uint8_t *vec, size_t len, const uint8_t *key, size_t key_len)
{
	uint8_t out[512], mask[512];
	struct stun_msg msg, again;
	int n;

	assert_true(len <= sizeof(out));
	assert_decodes(&msg, vec, len);

	n = reencode(&msg, key, key_len, false, out, sizeof(out), mask);
	assert_int_equal(n, (int)len);
	for (size_t i = 0; i < len; i++) {
		bool mac = (msg.mi_off && i >= msg.mi_off + 4u &&
			    i < msg.mi_off + 24u) ||
			   (msg.fp_off && i >= msg.fp_off + 4u);

		if (mask[i])
			assert_int_equal(out[i], 0); /* we pad with zeros */
		else if (!mac)
			assert_int_equal(out[i], vec[i]);
	}
	assert_decodes(&again, out, len);
	assert_true(stun_msg_check_integrity(&again, key, key_len));
	if (msg.fp_off != 0)
		assert_true(stun_msg_check_fingerprint(&again));

	n = reencode(&msg, key, key_len, true, out, sizeof(out), mask);
	assert_int_equal(n, (int)len);
	assert_memory_equal(out, vec, len);
}

static void
test_sample_request(void **state)
{
	struct stun_msg msg;
	const uint8_t *v;
	uint16_t len = 0;

	(void)state;
	assert_decodes(&msg, sample_request, sizeof(sample_request));
	assert_int_equal(msg.method, STUN_METHOD_BINDING);
	assert_int_equal(msg.cls, STUN_CLASS_REQUEST);
	assert_memory_equal(msg.tid, rfc_tid, STUN_TID_LEN);
	assert_text(&msg, STUN_SLOT_SOFTWARE, "STUN test client");
	/* padding (three spaces) is not part of the value */
	assert_text(&msg, STUN_SLOT_USERNAME, "evtj:h6vY");
	/* PRIORITY (0x0024) is comprehension-required and unknown to us */
	assert_int_equal(msg.n_unknown, 1);
	assert_int_equal(msg.unknown[0], 0x0024);
	/* ICE-CONTROLLED (0x8029) is optional: ignored */
	assert_int_equal(msg.mi_off, 76);
	assert_int_equal(msg.fp_off, 100);
	v = stun_msg_value(&msg, STUN_SLOT_MESSAGE_INTEGRITY, &len);
	assert_non_null(v);
	assert_int_equal(len, 20);
	assert_int_equal(v[0], 0x9a);

	assert_true(stun_msg_check_integrity(&msg, (const uint8_t *)rfc_password,
					     strlen(rfc_password)));
	assert_false(stun_msg_check_integrity(&msg, (const uint8_t *)"x", 1));
	assert_true(stun_msg_check_fingerprint(&msg));
	assert_false(stun_msg_has(&msg, STUN_SLOT_MESSAGE_INTEGRITY_SHA256));

	check_rebuild(sample_request, sizeof(sample_request),
		      (const uint8_t *)rfc_password, strlen(rfc_password));
}

static void
test_sample_ipv4_response(void **state)
{
	struct tp_addr a, want = { .port = 32853 };
	struct stun_msg msg;

	(void)state;
	want.ip = tp_ip_v4(0xC0000201); /* 192.0.2.1 */
	assert_decodes(&msg, sample_ipv4_response, sizeof(sample_ipv4_response));
	assert_int_equal(msg.method, STUN_METHOD_BINDING);
	assert_int_equal(msg.cls, STUN_CLASS_SUCCESS);
	assert_memory_equal(msg.tid, rfc_tid, STUN_TID_LEN);
	assert_text(&msg, STUN_SLOT_SOFTWARE, "test vector");
	assert_int_equal(stun_msg_get_xor_addr(&msg,
					       STUN_SLOT_XOR_MAPPED_ADDRESS, &a),
			 0);
	assert_true(tp_addr_equal(&a, &want));
	assert_int_equal(msg.n_unknown, 0);

	assert_true(stun_msg_check_integrity(&msg, (const uint8_t *)rfc_password,
					     strlen(rfc_password)));
	assert_true(stun_msg_check_fingerprint(&msg));
	check_rebuild(sample_ipv4_response, sizeof(sample_ipv4_response),
		      (const uint8_t *)rfc_password, strlen(rfc_password));
}

static void
test_sample_ipv6_response(void **state)
{
	static const uint8_t want_ip[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	};
	struct stun_msg msg;
	struct tp_addr a;

	(void)state;
	assert_decodes(&msg, sample_ipv6_response, sizeof(sample_ipv6_response));
	assert_int_equal(msg.method, STUN_METHOD_BINDING);
	assert_int_equal(msg.cls, STUN_CLASS_SUCCESS);
	assert_text(&msg, STUN_SLOT_SOFTWARE, "test vector");
	/* 2001:db8:1234:5678:11:2233:4455:6677 port 32853 */
	assert_int_equal(stun_msg_get_xor_addr(&msg,
					       STUN_SLOT_XOR_MAPPED_ADDRESS, &a),
			 0);
	assert_int_equal(a.ip.family, TP_AF_INET6);
	assert_int_equal(a.port, 32853);
	assert_memory_equal(a.ip.bytes, want_ip, 16);

	assert_true(stun_msg_check_integrity(&msg, (const uint8_t *)rfc_password,
					     strlen(rfc_password)));
	assert_true(stun_msg_check_fingerprint(&msg));
	check_rebuild(sample_ipv6_response, sizeof(sample_ipv6_response),
		      (const uint8_t *)rfc_password, strlen(rfc_password));
}

/* Long-term key (RFC 8489 section 9.2.2): MD5(username:realm:password). */
static void
longterm_key(uint8_t key[16])
{
	char text[128];
	unsigned int n = 0;
	int len;

	len = snprintf(text, sizeof(text), "%s:%s:%s", longterm_username,
		       longterm_realm, longterm_password_saslprep);
	assert_true(len > 0 && (size_t)len < sizeof(text));
	assert_int_equal(EVP_Digest(text, (size_t)len, key, &n, EVP_md5(), NULL),
			 1);
	assert_int_equal(n, 16);
}

static void
test_sample_longterm_request(void **state)
{
	static const uint8_t tid[STUN_TID_LEN] = {
		0x78, 0xad, 0x34, 0x33, 0xc6, 0xad,
		0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
	};
	uint8_t key[16], out[256], mask[256];
	struct stun_msg msg;
	int n;

	(void)state;
	longterm_key(key);
	assert_decodes(&msg, sample_longterm_request,
		       sizeof(sample_longterm_request));
	assert_int_equal(msg.method, STUN_METHOD_BINDING);
	assert_int_equal(msg.cls, STUN_CLASS_REQUEST);
	assert_memory_equal(msg.tid, tid, STUN_TID_LEN);
	assert_text(&msg, STUN_SLOT_USERNAME, longterm_username);
	assert_text(&msg, STUN_SLOT_NONCE, longterm_nonce);
	assert_text(&msg, STUN_SLOT_REALM, longterm_realm);
	assert_int_equal(msg.n_unknown, 0);
	assert_int_equal(msg.fp_off, 0);
	assert_false(stun_msg_check_fingerprint(&msg));

	assert_true(stun_msg_check_integrity(&msg, key, sizeof(key)));
	/* The password before SASLprep gives another key: must fail. */
	key[0] ^= 1;
	assert_false(stun_msg_check_integrity(&msg, key, sizeof(key)));
	key[0] ^= 1;

	/* This vector pads with zeros: the rebuild matches byte for byte. */
	n = reencode(&msg, key, sizeof(key), false, out, sizeof(out), mask);
	assert_int_equal(n, (int)sizeof(sample_longterm_request));
	assert_memory_equal(out, sample_longterm_request,
			    sizeof(sample_longterm_request));
}

/* Check value: the CRC-32 of "123456789" is 0xCBF43926. */
static void
test_crc32_check_value(void **state)
{
	(void)state;
	assert_int_equal(stun_crc32((const uint8_t *)"123456789", 9),
			 0xCBF43926u);
	assert_int_equal(stun_crc32(NULL, 0), 0);
}

/* The table-driven CRC (slicing by 8) against the bit-at-a-time definition,
 * for every length up to 300 at every alignment. */
static void
test_crc32_matches_bitwise(void **state)
{
	uint8_t buf[300 + 8];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131u + 7u);
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof(buf) && len <= 300;
		     len++) {
			uint32_t c = 0xFFFFFFFFu;

			for (size_t i = 0; i < len; i++) {
				c ^= buf[off + i];
				for (int k = 0; k < 8; k++)
					c = (c & 1) ? 0xEDB88320u ^ (c >> 1) :
						      c >> 1;
			}
			assert_int_equal(stun_crc32(buf + off, len), ~c);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_request),
		cmocka_unit_test(test_sample_ipv4_response),
		cmocka_unit_test(test_sample_ipv6_response),
		cmocka_unit_test(test_sample_longterm_request),
		cmocka_unit_test(test_crc32_check_value),
		cmocka_unit_test(test_crc32_matches_bitwise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
