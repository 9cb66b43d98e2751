/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN codec unit tests: every class of malformed input the decoder
 * rejects (one test each, exact error), the integrity ordering rules,
 * unknown attributes, message types, addresses, error codes, the builder's
 * overflow handling and the MAC and CRC round trips.
 *
 * Malformed messages are written byte by byte with a tiny raw writer here,
 * never with the builder under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "turnpike/stun.h"

static const uint8_t tid[STUN_TID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

/* ---- a raw message writer, independent of the builder ---- */

struct raw {
	uint8_t b[2048];
	size_t len;
};

static void
raw_init(struct raw *r, uint16_t type)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = (uint8_t)(type >> 8);
	r->b[1] = (uint8_t)type;
	r->b[4] = 0x21;
	r->b[5] = 0x12;
	r->b[6] = 0xA4;
	r->b[7] = 0x42;
	memcpy(r->b + 8, tid, STUN_TID_LEN);
	r->len = STUN_HEADER_LEN;
}

/* Append an attribute; @v NULL means zeros.  Padding is @pad bytes. */
static void
raw_attr_pad(struct raw *r, uint16_t type, uint16_t len, const void *v,
	     uint8_t pad)
{
	size_t padded = ((size_t)len + 3) & ~(size_t)3;

	assert_true(r->len + 4 + padded <= sizeof(r->b));
	r->b[r->len] = (uint8_t)(type >> 8);
	r->b[r->len + 1] = (uint8_t)type;
	r->b[r->len + 2] = (uint8_t)(len >> 8);
	r->b[r->len + 3] = (uint8_t)len;
	if (v != NULL)
		memcpy(r->b + r->len + 4, v, len);
	memset(r->b + r->len + 4 + len, pad, padded - len);
	r->len += 4 + padded;
}

static void
raw_attr(struct raw *r, uint16_t type, uint16_t len, const void *v)
{
	raw_attr_pad(r, type, len, v, 0);
}

static void
raw_u32(struct raw *r, uint16_t type, uint32_t x)
{
	uint8_t v[4] = { (uint8_t)(x >> 24), (uint8_t)(x >> 16),
			 (uint8_t)(x >> 8), (uint8_t)x };

	raw_attr(r, type, 4, v);
}

/* Set the header length from what was written; return the total. */
static size_t
raw_done(struct raw *r)
{
	size_t l = r->len - STUN_HEADER_LEN;

	r->b[2] = (uint8_t)(l >> 8);
	r->b[3] = (uint8_t)l;
	return r->len;
}

static int
raw_decode(struct raw *r, struct stun_msg *msg)
{
	size_t n = raw_done(r);

	return stun_msg_decode(msg, r->b, n);
}

/* ---- header checks ---- */

static void
test_short(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	raw_init(&r, 0x0001);
	raw_done(&r);
	assert_int_equal(stun_msg_decode(&msg, r.b, 0), STUN_E_SHORT);
	assert_int_equal(stun_msg_decode(&msg, r.b, 19), STUN_E_SHORT);
	assert_int_equal(stun_msg_decode(&msg, r.b, 20), STUN_OK);
}

static void
test_top_bits(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	raw_init(&r, 0x0001);
	r.b[0] |= 0x80;
	assert_int_equal(raw_decode(&r, &msg), STUN_E_NOT_STUN);
	raw_init(&r, 0x0001);
	r.b[0] |= 0x40; /* ChannelData's first bits */
	assert_int_equal(raw_decode(&r, &msg), STUN_E_NOT_STUN);
}

static void
test_bad_cookie(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	raw_init(&r, 0x0001);
	r.b[7] = 0x43;
	assert_int_equal(raw_decode(&r, &msg), STUN_E_NOT_STUN);
}

static void
test_length_not_multiple_of_4(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	/* a SOFTWARE of 6 bytes sent without its 2 bytes of padding */
	raw_init(&r, 0x0001);
	raw_attr(&r, STUN_ATTR_SOFTWARE, 6, "abcdef");
	r.len -= 2;
	assert_int_equal(raw_decode(&r, &msg), STUN_E_LENGTH);
}

static void
test_length_mismatch(void **state)
{
	struct stun_msg msg;
	struct raw r;
	size_t n;

	(void)state;
	raw_init(&r, 0x0001);
	raw_u32(&r, STUN_ATTR_LIFETIME, 600);
	n = raw_done(&r);
	/* datagram longer than the header says */
	assert_int_equal(stun_msg_decode(&msg, r.b, n + 4), STUN_E_LENGTH);
	/* datagram shorter than the header says: padding bytes missing */
	assert_int_equal(stun_msg_decode(&msg, r.b, n - 4), STUN_E_LENGTH);
	assert_int_equal(stun_msg_decode(&msg, r.b, n), STUN_OK);
}

static void
test_attr_truncated(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	/* the value claims 8 bytes; only 4 are in the message */
	raw_init(&r, 0x0001);
	raw_u32(&r, STUN_ATTR_LIFETIME, 600);
	r.b[STUN_HEADER_LEN + 3] = 8;
	assert_int_equal(raw_decode(&r, &msg), STUN_E_TRUNCATED);

	/* a 5-byte value whose 3 padding bytes are not there */
	raw_init(&r, 0x0001);
	raw_u32(&r, STUN_ATTR_LIFETIME, 600);
	raw_attr(&r, STUN_ATTR_DATA, 4, "abcd");
	r.b[r.len - 5] = 5; /* DATA's length: 5, room for 4 */
	assert_int_equal(raw_decode(&r, &msg), STUN_E_TRUNCATED);

	/* an unknown attribute is framed too */
	raw_init(&r, 0x0001);
	raw_attr(&r, 0x8055, 4, "abcd");
	r.b[STUN_HEADER_LEN + 3] = 0xFF;
	assert_int_equal(raw_decode(&r, &msg), STUN_E_TRUNCATED);
}

static void
test_padding_content_ignored(void **state)
{
	struct stun_msg msg;
	const uint8_t *v;
	uint16_t len = 0;
	struct raw r;

	(void)state;
	/* RFC 8489 section 14: receivers MUST ignore the padding's value */
	raw_init(&r, 0x0001);
	raw_attr_pad(&r, STUN_ATTR_USERNAME, 5, "alice", 0xFF);
	raw_attr_pad(&r, STUN_ATTR_EVEN_PORT, 1, "\x80", 0xAA);
	assert_int_equal(raw_decode(&r, &msg), STUN_OK);
	v = stun_msg_value(&msg, STUN_SLOT_USERNAME, &len);
	assert_non_null(v);
	assert_int_equal(len, 5);
	assert_memory_equal(v, "alice", 5);
	assert_true(stun_msg_has(&msg, STUN_SLOT_EVEN_PORT));
}

/* ---- known attributes with impossible lengths ---- */

struct value_case {
	uint16_t type;
	uint16_t len;
	uint8_t value[8]; /* the first bytes; the rest are zeros */
	int want;
};

static void
run_value_cases(const struct value_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct stun_msg msg;
		struct raw r;
		int rc;

		uint8_t v[1500] = { 0 };

		assert_true(c[i].len <= sizeof(v));
		memcpy(v, c[i].value, c[i].len < 8 ? c[i].len : 8);
		raw_init(&r, 0x0003);
		raw_attr(&r, c[i].type, c[i].len, v);
		rc = raw_decode(&r, &msg);
		if (rc != c[i].want)
			fail_msg("type 0x%04x len %u: got %d want %d",
				 c[i].type, c[i].len, rc, c[i].want);
	}
}

static void
test_attr_address_lengths(void **state)
{
	static const struct value_case cases[] = {
		/* XOR-*-ADDRESS: 8 with family 1, 20 with family 2 */
		{ STUN_ATTR_XOR_PEER_ADDRESS, 8, "\0\1\0\0\0\0\0\0", STUN_OK },
		{ STUN_ATTR_XOR_PEER_ADDRESS, 20, "\0\2", STUN_OK },
		{ STUN_ATTR_XOR_PEER_ADDRESS, 8, "\0\2\0\0\0\0\0\0",
		  STUN_E_ATTR_VALUE },
		{ STUN_ATTR_XOR_PEER_ADDRESS, 20, "\0\1", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_XOR_PEER_ADDRESS, 8, "\0\3\0\0\0\0\0\0",
		  STUN_E_ATTR_VALUE },
		{ STUN_ATTR_XOR_PEER_ADDRESS, 12, "\0\1", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_XOR_PEER_ADDRESS, 4, "\0\1\0\0", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_XOR_RELAYED_ADDRESS, 0, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_XOR_MAPPED_ADDRESS, 16, "\0\2", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_MAPPED_ADDRESS, 7, "\0\1", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ALTERNATE_SERVER, 20, "\0\1", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ALTERNATE_SERVER, 8, "\0\1", STUN_OK },
	};

	(void)state;
	run_value_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_attr_fixed_lengths(void **state)
{
	static const struct value_case cases[] = {
		{ STUN_ATTR_LIFETIME, 3, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_LIFETIME, 8, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_LIFETIME, 4, "", STUN_OK },
		{ STUN_ATTR_CHANNEL_NUMBER, 2, "\x40\0", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_CHANNEL_NUMBER, 4, "\x40\0\0\0", STUN_OK },
		{ STUN_ATTR_REQUESTED_TRANSPORT, 1, "\x11", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 2, "\1", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, 8, "\2",
		  STUN_E_ATTR_VALUE },
		{ STUN_ATTR_FINGERPRINT, 8, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_FINGERPRINT, 0, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_EVEN_PORT, 0, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_EVEN_PORT, 4, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_RESERVATION_TOKEN, 4, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_RESERVATION_TOKEN, 8, "", STUN_OK },
		{ STUN_ATTR_DONT_FRAGMENT, 4, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_DONT_FRAGMENT, 0, "", STUN_OK },
		{ STUN_ATTR_MESSAGE_INTEGRITY, 16, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_MESSAGE_INTEGRITY, 32, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 12, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 18, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 36, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 16, "", STUN_OK },
		{ STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 32, "", STUN_OK },
		{ STUN_ATTR_USERHASH, 31, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_USERHASH, 32, "", STUN_OK },
		{ STUN_ATTR_ICMP, 4, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ICMP, 8, "", STUN_OK },
		{ STUN_ATTR_UNKNOWN_ATTRIBUTES, 3, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_UNKNOWN_ATTRIBUTES, 6, "", STUN_OK },
		{ STUN_ATTR_ADDRESS_ERROR_CODE, 2, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ACCESS_TOKEN, 8, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ACCESS_TOKEN, 64, "", STUN_OK },
	};

	(void)state;
	run_value_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_attr_variable_lengths(void **state)
{
	static const struct value_case cases[] = {
		{ STUN_ATTR_USERNAME, 513, "", STUN_OK },
		{ STUN_ATTR_USERNAME, 514, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_REALM, 763, "", STUN_OK },
		{ STUN_ATTR_REALM, 764, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_NONCE, 764, "", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_SOFTWARE, 764, "", STUN_E_ATTR_VALUE },
		/* ERROR-CODE: >= 4 bytes, class 3-6, number < 100 */
		{ STUN_ATTR_ERROR_CODE, 3, "\0\0\4", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ERROR_CODE, 4, "\0\0\4\1", STUN_OK },
		{ STUN_ATTR_ERROR_CODE, 4, "\0\0\2\0", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ERROR_CODE, 4, "\0\0\7\0", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ERROR_CODE, 4, "\0\0\4\x64", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_ERROR_CODE, 4 + 764, "\0\0\4\1", STUN_E_ATTR_VALUE },
		/* PASSWORD-ALGORITHM: >= 4 and its parameters must fit */
		{ STUN_ATTR_PASSWORD_ALGORITHM, 2, "\0\1", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_PASSWORD_ALGORITHM, 4, "\0\1\0\0", STUN_OK },
		{ STUN_ATTR_PASSWORD_ALGORITHM, 4, "\0\1\0\4", STUN_E_ATTR_VALUE },
		{ STUN_ATTR_PASSWORD_ALGORITHM, 8, "\0\1\0\4", STUN_OK },
		/* PASSWORD-ALGORITHMS: whole entries only */
		{ STUN_ATTR_PASSWORD_ALGORITHMS, 8, "\0\1\0\0\0\2\0\0", STUN_OK },
		{ STUN_ATTR_PASSWORD_ALGORITHMS, 6, "\0\1\0\0\0\2",
		  STUN_E_ATTR_VALUE },
		{ STUN_ATTR_PASSWORD_ALGORITHMS, 8, "\0\1\0\x08\0\2\0\0",
		  STUN_E_ATTR_VALUE },
		/* no rule: any length */
		{ STUN_ATTR_DATA, 0, "", STUN_OK },
		{ STUN_ATTR_DATA, 1200, "", STUN_OK },
	};

	(void)state;
	run_value_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* ---- duplicates, ordering, unknowns ---- */

static void
test_duplicates_first_wins(void **state)
{
	struct stun_msg msg;
	uint32_t life = 0;
	struct raw r;

	(void)state;
	raw_init(&r, 0x0004);
	raw_u32(&r, STUN_ATTR_LIFETIME, 600);
	raw_u32(&r, STUN_ATTR_LIFETIME, 0);
	assert_int_equal(raw_decode(&r, &msg), STUN_OK);
	assert_int_equal(stun_msg_get_u32(&msg, STUN_SLOT_LIFETIME, &life), 0);
	assert_int_equal(life, 600);

	/* a malformed duplicate is still malformed */
	raw_init(&r, 0x0004);
	raw_u32(&r, STUN_ATTR_LIFETIME, 600);
	raw_attr(&r, STUN_ATTR_LIFETIME, 2, NULL);
	assert_int_equal(raw_decode(&r, &msg), STUN_E_ATTR_VALUE);
}

static void
test_after_integrity_ignored(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	raw_init(&r, 0x0003);
	raw_attr(&r, STUN_ATTR_USERNAME, 5, "alice");
	raw_attr(&r, STUN_ATTR_MESSAGE_INTEGRITY, 20, NULL);
	raw_u32(&r, STUN_ATTR_LIFETIME, 600);              /* ignored */
	raw_u32(&r, STUN_ATTR_CHANNEL_NUMBER, 0x40000000); /* ignored */
	raw_u32(&r, 0x0024, 7);                            /* not listed */
	raw_attr(&r, STUN_ATTR_EVEN_PORT, 3, NULL); /* bad, but ignored */
	raw_attr(&r, STUN_ATTR_MESSAGE_INTEGRITY, 20, NULL); /* 2nd: ignored */
	raw_attr(&r, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 32, NULL);
	raw_u32(&r, STUN_ATTR_REQUESTED_TRANSPORT, 17u << 24); /* ignored */
	raw_attr(&r, STUN_ATTR_MESSAGE_INTEGRITY, 20, NULL);   /* ignored */
	raw_u32(&r, STUN_ATTR_FINGERPRINT, 0);
	assert_int_equal(raw_decode(&r, &msg), STUN_OK);

	assert_true(stun_msg_has(&msg, STUN_SLOT_USERNAME));
	assert_int_equal(msg.mi_off, 32);
	assert_int_equal(msg.attr[STUN_SLOT_MESSAGE_INTEGRITY].off, 36);
	assert_false(stun_msg_has(&msg, STUN_SLOT_LIFETIME));
	assert_false(stun_msg_has(&msg, STUN_SLOT_CHANNEL_NUMBER));
	assert_false(stun_msg_has(&msg, STUN_SLOT_EVEN_PORT));
	assert_false(stun_msg_has(&msg, STUN_SLOT_REQUESTED_TRANSPORT));
	assert_int_equal(msg.n_unknown, 0);
	assert_true(stun_msg_has(&msg, STUN_SLOT_MESSAGE_INTEGRITY_SHA256));
	assert_int_equal(msg.mi256_off, 32 + 24 + 8 + 8 + 8 + 8 + 24);
	assert_true(stun_msg_has(&msg, STUN_SLOT_FINGERPRINT));
	assert_int_equal(msg.fp_off, msg.len - 8);
	/* the later MI attributes did not move the recorded one */
	assert_int_equal(msg.mi_off, 32);
}

static void
test_after_fingerprint_rejected(void **state)
{
	static const uint16_t after[] = {
		STUN_ATTR_LIFETIME,    0x8055 /* unknown optional */,
		STUN_ATTR_FINGERPRINT, STUN_ATTR_MESSAGE_INTEGRITY,
		STUN_ATTR_SOFTWARE,
	};
	struct stun_msg msg;
	struct raw r;

	(void)state;
	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		raw_init(&r, 0x0001);
		raw_u32(&r, STUN_ATTR_FINGERPRINT, 0);
		raw_attr(&r, after[i],
			 after[i] == STUN_ATTR_MESSAGE_INTEGRITY ? 20 : 4, NULL);
		assert_int_equal(raw_decode(&r, &msg), STUN_E_AFTER_FP);
	}
	/* also after MESSAGE-INTEGRITY, where other attributes are ignored */
	raw_init(&r, 0x0001);
	raw_attr(&r, STUN_ATTR_MESSAGE_INTEGRITY, 20, NULL);
	raw_u32(&r, STUN_ATTR_FINGERPRINT, 0);
	raw_u32(&r, 0x8055, 0);
	assert_int_equal(raw_decode(&r, &msg), STUN_E_AFTER_FP);
}

static void
test_unknown_attributes(void **state)
{
	struct stun_msg msg;
	struct raw r;

	(void)state;
	raw_init(&r, 0x0003);
	raw_u32(&r, 0x0024, 1); /* PRIORITY: comprehension-required */
	raw_u32(&r, 0x8029, 2); /* ICE-CONTROLLED: optional, ignored */
	raw_u32(&r, 0x0003, 3); /* CHANGE-REQUEST (RFC 5780): required */
	raw_u32(&r, 0x0024, 4); /* listed once */
	raw_u32(&r, 0xC001, 5); /* optional */
	assert_int_equal(raw_decode(&r, &msg), STUN_OK);
	assert_int_equal(msg.n_unknown, 2);
	assert_int_equal(msg.unknown[0], 0x0024);
	assert_int_equal(msg.unknown[1], 0x0003);

	/* at most STUN_MAX_UNKNOWN are reported */
	raw_init(&r, 0x0003);
	for (uint16_t t = 0x0040; t < 0x0040 + 2 * STUN_MAX_UNKNOWN; t++)
		raw_u32(&r, t, 0);
	assert_int_equal(raw_decode(&r, &msg), STUN_OK);
	assert_int_equal(msg.n_unknown, STUN_MAX_UNKNOWN);
	assert_int_equal(msg.unknown[STUN_MAX_UNKNOWN - 1],
			 0x0040 + STUN_MAX_UNKNOWN - 1);
}

/* ---- message types ---- */

static void
test_message_types(void **state)
{
	static const uint16_t methods[] = {
		STUN_METHOD_BINDING,      STUN_METHOD_ALLOCATE,
		STUN_METHOD_REFRESH,      STUN_METHOD_SEND,
		STUN_METHOD_DATA,         STUN_METHOD_CREATE_PERMISSION,
		STUN_METHOD_CHANNEL_BIND,
	};

	(void)state;
	/* well-known wire values (RFC 8489 section 5, RFC 8656 section 17) */
	assert_int_equal(stun_type(STUN_METHOD_BINDING, STUN_CLASS_REQUEST),
			 0x0001);
	assert_int_equal(stun_type(STUN_METHOD_BINDING, STUN_CLASS_SUCCESS),
			 0x0101);
	assert_int_equal(stun_type(STUN_METHOD_BINDING, STUN_CLASS_ERROR),
			 0x0111);
	assert_int_equal(stun_type(STUN_METHOD_BINDING, STUN_CLASS_INDICATION),
			 0x0011);
	assert_int_equal(stun_type(STUN_METHOD_ALLOCATE, STUN_CLASS_ERROR),
			 0x0113);
	assert_int_equal(stun_type(STUN_METHOD_SEND, STUN_CLASS_INDICATION),
			 0x0016);
	assert_int_equal(stun_type(STUN_METHOD_DATA, STUN_CLASS_INDICATION),
			 0x0017);
	assert_int_equal(stun_type(STUN_METHOD_CHANNEL_BIND, STUN_CLASS_SUCCESS),
			 0x0109);

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		for (uint8_t cls = 0; cls < 4; cls++) {
			uint16_t type = stun_type(methods[i], cls);
			struct stun_msg msg;
			struct raw r;

			raw_init(&r, type);
			assert_int_equal(raw_decode(&r, &msg), STUN_OK);
			assert_int_equal(msg.type, type);
			assert_int_equal(msg.method, methods[i]);
			assert_int_equal(msg.cls, cls);
			assert_non_null(stun_method_name(msg.method));
		}
	}
	/* every 12-bit method survives the bit shuffle */
	for (uint16_t m = 0; m < 0x1000; m++) {
		for (uint8_t cls = 0; cls < 4; cls++) {
			uint16_t type = stun_type(m, cls);

			assert_int_equal(type & 0xC000, 0);
			assert_int_equal(stun_type_method(type), m);
			assert_int_equal(stun_type_class(type), cls);
		}
	}
}

/* ---- addresses ---- */

static void
test_xor_addr_round_trip(void **state)
{
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg msg;
	struct tp_addr v4 = { .port = 49152 }, v6 = { .port = 3478 }, got;
	struct tp_addr plain = { .port = 3479 };
	int n;

	(void)state;
	assert_int_equal(tp_ip_parse(&v4.ip, "198.51.100.7"), 0);
	assert_int_equal(tp_ip_parse(&v6.ip, "2001:db8::1:2:3"), 0);
	assert_int_equal(tp_ip_parse(&plain.ip, "203.0.113.9"), 0);

	stun_build_init(&b, buf, sizeof(buf), 0x0103, tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_RELAYED_ADDRESS, &v4);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &v6);
	stun_build_addr(&b, STUN_ATTR_ALTERNATE_SERVER, &plain);
	n = stun_build_finish(&b);
	assert_int_equal(n, 20 + 12 + 24 + 12);

	/* on the wire: port XOR 0x2112, IPv4 XOR the cookie */
	assert_int_equal(buf[24], 0);
	assert_int_equal(buf[25], TP_AF_INET);
	assert_int_equal(buf[26], (49152 >> 8) ^ 0x21);
	assert_int_equal(buf[27], (49152 & 0xFF) ^ 0x12);
	assert_int_equal(buf[28], 198 ^ 0x21);
	assert_int_equal(buf[31], 7 ^ 0x42);
	/* IPv6: bytes 4-15 XOR the transaction ID */
	assert_int_equal(buf[36 + 4 + 4], 0x00 ^ tid[0]);
	assert_int_equal(buf[36 + 4 + 15], 0x03 ^ tid[11]);
	/* plain: not XORed */
	assert_int_equal(buf[56 + 6], 3479 >> 8);
	assert_int_equal(buf[56 + 8], 203);

	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_int_equal(stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_RELAYED_ADDRESS,
					       &got),
			 0);
	assert_true(tp_addr_equal(&got, &v4));
	assert_int_equal(stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_MAPPED_ADDRESS,
					       &got),
			 0);
	assert_true(tp_addr_equal(&got, &v6));
	assert_int_equal(stun_msg_get_addr(&msg, STUN_SLOT_ALTERNATE_SERVER, &got),
			 0);
	assert_true(tp_addr_equal(&got, &plain));
	assert_int_equal(stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_PEER_ADDRESS,
					       &got),
			 -ENOENT);

	/* a family the builder does not know */
	stun_build_init(&b, buf, sizeof(buf), 0x0103, tid);
	got.ip.family = TP_AF_NONE;
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &got);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
}

static void
test_xor_peers(void **state)
{
	struct tp_addr peers[3] = { { .port = 1 },
				    { .port = 2 },
				    { .port = 65535 } };
	struct tp_addr got[4], late = { .port = 9 };
	uint8_t buf[512];
	struct stun_builder b;
	struct stun_msg msg;
	int n;

	(void)state;
	assert_int_equal(tp_ip_parse(&peers[0].ip, "192.0.2.10"), 0);
	assert_int_equal(tp_ip_parse(&peers[1].ip, "2001:db8::10"), 0);
	assert_int_equal(tp_ip_parse(&peers[2].ip, "198.51.100.1"), 0);
	assert_int_equal(tp_ip_parse(&late.ip, "192.0.2.99"), 0);

	stun_build_init(&b, buf, sizeof(buf),
			stun_type(STUN_METHOD_CREATE_PERMISSION,
				  STUN_CLASS_REQUEST),
			tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peers[0]);
	stun_build_attr(&b, STUN_ATTR_USERNAME, "alice", 5);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peers[1]);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &peers[2]);
	stun_build_integrity(&b, (const uint8_t *)"k", 1);
	/* after MESSAGE-INTEGRITY: not a peer of this request */
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, &late);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);

	assert_int_equal(stun_msg_get_xor_peers(&msg, got, 4), 3);
	for (int i = 0; i < 3; i++)
		assert_true(tp_addr_equal(&got[i], &peers[i]));
	assert_int_equal(stun_msg_get_xor_peers(&msg, got, 2), 2);
	assert_true(tp_addr_equal(&got[1], &peers[1]));
	/* attr[] holds the first one */
	assert_int_equal(stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_PEER_ADDRESS,
					       &got[0]),
			 0);
	assert_true(tp_addr_equal(&got[0], &peers[0]));

	/* none */
	stun_build_init(&b, buf, sizeof(buf), 0x0008, tid);
	n = stun_build_finish(&b);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_int_equal(stun_msg_get_xor_peers(&msg, got, 4), 0);
}

/* ---- error codes ---- */

static void
test_error_code(void **state)
{
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg msg;
	const char *reason;
	uint16_t code = 0, rlen = 0;
	int n;

	(void)state;
	stun_build_init(&b, buf, sizeof(buf), 0x0113, tid);
	stun_build_error(&b, 438, NULL);
	n = stun_build_finish(&b);
	/* 4 + "Stale Nonce" (11) + 1 byte of zero padding */
	assert_int_equal(n, 20 + 4 + 16);
	assert_memory_equal(buf + 20, "\x00\x09\x00\x0f\x00\x00\x04\x26", 8);
	assert_memory_equal(buf + 28, "Stale Nonce\0", 12);
	assert_int_equal(buf[2] << 8 | buf[3], 20);

	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_int_equal(stun_msg_get_error(&msg, &code, &reason, &rlen), 0);
	assert_int_equal(code, 438);
	assert_int_equal(rlen, 11);
	assert_memory_equal(reason, "Stale Nonce", 11);

	/* every code, class and number split, default phrases */
	static const uint16_t codes[] = {
		300, 400, 401, 403, 405, 420, 437, 438,
		440, 441, 442, 443, 486, 500, 508,
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *phrase = stun_reason_phrase(codes[i]);

		assert_true(strlen(phrase) > 0);
		stun_build_init(&b, buf, sizeof(buf), 0x0113, tid);
		stun_build_error(&b, codes[i], NULL);
		n = stun_build_finish(&b);
		assert_true(n > 0);
		assert_int_equal(n % 4, 0);
		assert_int_equal(buf[26], codes[i] / 100);
		assert_int_equal(buf[27], codes[i] % 100);
		assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
		assert_int_equal(stun_msg_get_error(&msg, &code, &reason, &rlen),
				 0);
		assert_int_equal(code, codes[i]);
		assert_int_equal(rlen, strlen(phrase));
		assert_memory_equal(reason, phrase, rlen);
		/* padding bytes are zero */
		for (size_t p = 28 + rlen; p < (size_t)n; p++)
			assert_int_equal(buf[p], 0);
	}
	assert_string_equal(stun_reason_phrase(401), "Unauthorized");
	assert_string_equal(stun_reason_phrase(437), "Allocation Mismatch");
	assert_string_equal(stun_reason_phrase(440),
			    "Address Family not Supported");
	assert_string_equal(stun_reason_phrase(508), "Insufficient Capacity");
	assert_string_equal(stun_reason_phrase(299), "");

	/* a caller's reason, and codes out of range */
	stun_build_init(&b, buf, sizeof(buf), 0x0113, tid);
	stun_build_error(&b, 599, "Busy");
	n = stun_build_finish(&b);
	assert_int_equal(n, 20 + 4 + 8);
	stun_build_init(&b, buf, sizeof(buf), 0x0113, tid);
	stun_build_error(&b, 299, NULL);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
	stun_build_init(&b, buf, sizeof(buf), 0x0113, tid);
	stun_build_error(&b, 700, NULL);
	assert_int_equal(stun_build_finish(&b), -EINVAL);
}

/* ---- other builders and getters ---- */

static void
test_getters(void **state)
{
	static const uint16_t unknown[] = { 0x0024, 0x0003, 0x7F00 };
	uint8_t buf[256];
	struct stun_builder b;
	struct stun_msg msg;
	uint32_t u = 0;
	uint16_t ch = 0, alg = 0;
	uint8_t proto = 0, fam = 0;
	bool reserve = false;
	int n;

	(void)state;
	stun_build_init(&b, buf, sizeof(buf), 0x0009, tid);
	stun_build_channel(&b, 0x4001);
	stun_build_transport(&b, 17);
	stun_build_u32(&b, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, 0x02000000);
	stun_build_attr(&b, STUN_ATTR_EVEN_PORT, "\x80", 1);
	stun_build_attr(&b, STUN_ATTR_PASSWORD_ALGORITHM, "\0\2\0\0", 4);
	stun_build_unknown(&b, unknown, 3);
	stun_build_attr(&b, STUN_ATTR_DATA, "xyz", 3);
	n = stun_build_finish(&b);
	assert_true(n > 0);
	/* CHANNEL-NUMBER: number, RFFU; REQUESTED-TRANSPORT: 17, RFFU */
	assert_memory_equal(buf + 20, "\x00\x0c\x00\x04\x40\x01\x00\x00", 8);
	assert_memory_equal(buf + 28, "\x00\x19\x00\x04\x11\x00\x00\x00", 8);
	/* UNKNOWN-ATTRIBUTES: 6 bytes and 2 of zero padding */
	assert_memory_equal(buf + 60,
			    "\x00\x0a\x00\x06\x00\x24\x00\x03"
			    "\x7f\x00\x00\x00",
			    12);

	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_int_equal(stun_msg_get_channel(&msg, &ch), 0);
	assert_int_equal(ch, 0x4001);
	assert_int_equal(stun_msg_get_transport(&msg, &proto), 0);
	assert_int_equal(proto, 17);
	assert_int_equal(stun_msg_get_family(&msg,
					     STUN_SLOT_REQUESTED_ADDRESS_FAMILY,
					     &fam),
			 0);
	assert_int_equal(fam, TP_AF_INET6);
	assert_int_equal(stun_msg_get_family(&msg,
					     STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY,
					     &fam),
			 -ENOENT);
	assert_int_equal(stun_msg_get_even_port(&msg, &reserve), 0);
	assert_true(reserve);
	assert_int_equal(stun_msg_get_password_algorithm(&msg, &alg), 0);
	assert_int_equal(alg, STUN_PASSWORD_ALG_SHA256);
	assert_int_equal(stun_msg_get_u32(&msg, STUN_SLOT_CHANNEL_NUMBER, &u), 0);
	assert_int_equal(u, 0x40010000);
	/* absent, and a slot that is not 32 bits */
	assert_int_equal(stun_msg_get_u32(&msg, STUN_SLOT_LIFETIME, &u), -ENOENT);
	assert_int_equal(stun_msg_get_u32(&msg, STUN_SLOT_DATA, &u), -EINVAL);
	assert_int_equal(stun_msg_get_error(&msg, &ch, &(const char *){ 0 }, &alg),
			 -ENOENT);
}

static void
test_builder_overflow(void **state)
{
	uint8_t buf[64];
	struct stun_builder b;

	(void)state;
	stun_build_init(&b, buf, 19, 0x0001, tid);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);

	/* 20 + 8 fits in 28; the next attribute does not */
	stun_build_init(&b, buf, 28, 0x0001, tid);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 1);
	assert_int_equal(stun_build_finish(&b), 28);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "x", 1);
	assert_int_equal(b.err, -ENOSPC);
	assert_int_equal(b.len, 28);
	/* later calls are no-ops, even ones that would fit */
	b.cap = sizeof(buf);
	stun_build_u32(&b, STUN_ATTR_LIFETIME, 2);
	stun_build_integrity(&b, (const uint8_t *)"k", 1);
	stun_build_fingerprint(&b);
	assert_int_equal(b.len, 28);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
	/* the header length still describes what was written */
	assert_int_equal(buf[2] << 8 | buf[3], 8);

	/* padding counts: 5 bytes take 8, so 29 is not enough */
	stun_build_init(&b, buf, 29, 0x0001, tid);
	stun_build_attr(&b, STUN_ATTR_SOFTWARE, "abcde", 5);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);

	/* MESSAGE-INTEGRITY that does not fit */
	stun_build_init(&b, buf, 40, 0x0001, tid);
	stun_build_integrity(&b, (const uint8_t *)"k", 1);
	assert_int_equal(stun_build_finish(&b), -ENOSPC);
}

/* ---- integrity and fingerprint ---- */

static int
build_signed(uint8_t *buf, size_t cap, bool sha1, bool sha256, bool fp)
{
	struct stun_builder b;

	stun_build_init(&b, buf, cap, 0x0003, tid);
	stun_build_transport(&b, 17);
	stun_build_attr(&b, STUN_ATTR_USERNAME, "alice", 5);
	stun_build_attr(&b, STUN_ATTR_REALM, "example.org", 11);
	if (sha1)
		stun_build_integrity(&b, (const uint8_t *)"key1", 4);
	if (sha256)
		stun_build_integrity_sha256(&b, (const uint8_t *)"key2", 4);
	if (fp)
		stun_build_fingerprint(&b);
	return stun_build_finish(&b);
}

static void
test_integrity_round_trip(void **state)
{
	uint8_t buf[256];
	struct stun_msg msg;
	int n;

	(void)state;
	n = build_signed(buf, sizeof(buf), true, false, false);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_int_equal(msg.mi_off, n - 24);
	assert_true(stun_msg_check_integrity(&msg, (const uint8_t *)"key1", 4));
	assert_false(stun_msg_check_integrity(&msg, (const uint8_t *)"key2", 4));
	assert_false(stun_msg_check_integrity_sha256(&msg,
						     (const uint8_t *)"key1", 4));

	/* one flipped bit anywhere before or inside the MAC fails it */
	for (int i = 0; i < n; i++) {
		if (i >= 2 && i < 4)
			continue; /* the length field: decode would fail */
		buf[i] ^= 0x01;
		if (stun_msg_decode(&msg, buf, (size_t)n) == STUN_OK)
			assert_false(stun_msg_check_integrity(&msg,
							      (const uint8_t *)"key1",
							      4));
		buf[i] ^= 0x01;
	}
}

static void
test_integrity_sha256_round_trip(void **state)
{
	uint8_t buf[256];
	struct stun_msg msg;
	uint16_t len = 0;
	int n;

	(void)state;
	n = build_signed(buf, sizeof(buf), false, true, false);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_non_null(stun_msg_value(&msg, STUN_SLOT_MESSAGE_INTEGRITY_SHA256,
				       &len));
	assert_int_equal(len, 32);
	assert_true(stun_msg_check_integrity_sha256(&msg,
						    (const uint8_t *)"key2", 4));
	assert_false(stun_msg_check_integrity_sha256(&msg,
						     (const uint8_t *)"key1", 4));
	assert_false(stun_msg_check_integrity(&msg, (const uint8_t *)"key2", 4));
	buf[33] ^= 0x80; /* inside USERNAME */
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_false(stun_msg_check_integrity_sha256(&msg,
						     (const uint8_t *)"key2", 4));
	buf[33] ^= 0x80;
	buf[n - 1] ^= 0x01; /* inside the MAC */
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_false(stun_msg_check_integrity_sha256(&msg,
						     (const uint8_t *)"key2", 4));

	/* both MACs and a FINGERPRINT: each covers what precedes it */
	n = build_signed(buf, sizeof(buf), true, true, true);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_true(stun_msg_check_integrity(&msg, (const uint8_t *)"key1", 4));
	assert_true(stun_msg_check_integrity_sha256(&msg,
						    (const uint8_t *)"key2", 4));
	assert_true(stun_msg_check_fingerprint(&msg));
	buf[msg.mi_off + 10] ^= 0x04; /* the SHA1 MAC: SHA256 covers it */
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_false(stun_msg_check_integrity(&msg, (const uint8_t *)"key1", 4));
	assert_false(stun_msg_check_integrity_sha256(&msg,
						     (const uint8_t *)"key2", 4));
	assert_false(stun_msg_check_fingerprint(&msg));
}

/*
 * An independent MAC: OpenSSL's one-shot HMAC() over the message as it
 * stands, which works when the MAC attribute is the last one (the header
 * length then already ends right after it).
 */
static void
independent_hmac(const EVP_MD *md, const char *key, const uint8_t *msg,
		 size_t len, uint8_t *out, size_t out_len)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;

	assert_non_null(HMAC(md, key, (int)strlen(key), msg, len, mac, &mac_len));
	assert_true(mac_len >= out_len);
	memcpy(out, mac, out_len);
}

static void
test_integrity_independent(void **state)
{
	uint8_t buf[256], mac[32];
	struct stun_msg msg;
	struct raw r;
	size_t n;
	int len;

	(void)state;
	/* the builder's HMAC-SHA1 matches OpenSSL's one-shot HMAC() */
	len = build_signed(buf, sizeof(buf), true, false, false);
	assert_true(len > 24);
	independent_hmac(EVP_sha1(), "key1", buf, (size_t)len - 24, mac, 20);
	assert_memory_equal(buf + len - 20, mac, 20);

	/* and its HMAC-SHA256 */
	len = build_signed(buf, sizeof(buf), false, true, false);
	assert_true(len > 36);
	independent_hmac(EVP_sha256(), "key2", buf, (size_t)len - 36, mac, 32);
	assert_memory_equal(buf + len - 32, mac, 32);

	/*
	 * RFC 8489 section 14.6: MESSAGE-INTEGRITY-SHA256 may be truncated
	 * to 16 bytes; the verifier compares that many.
	 */
	raw_init(&r, 0x0003);
	raw_attr(&r, STUN_ATTR_USERNAME, 5, "alice");
	raw_attr(&r, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, 16, NULL);
	n = raw_done(&r);
	independent_hmac(EVP_sha256(), "key2", r.b, n - 20, r.b + n - 16, 16);
	assert_int_equal(stun_msg_decode(&msg, r.b, n), STUN_OK);
	assert_true(stun_msg_check_integrity_sha256(&msg,
						    (const uint8_t *)"key2", 4));
	r.b[n - 16] ^= 0x20;
	assert_false(stun_msg_check_integrity_sha256(&msg,
						     (const uint8_t *)"key2", 4));
}

static void
test_fingerprint(void **state)
{
	uint8_t buf[256];
	struct stun_msg msg;
	int n;

	(void)state;
	n = build_signed(buf, sizeof(buf), false, false, true);
	assert_true(n > 0);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_int_equal(msg.fp_off, n - 8);
	assert_true(stun_msg_check_fingerprint(&msg));
	assert_false(stun_msg_check_integrity(&msg, (const uint8_t *)"key1", 4));
	for (int i = 0; i < n; i++) {
		if (i >= 2 && i < 4)
			continue;
		buf[i] ^= 0x10;
		if (stun_msg_decode(&msg, buf, (size_t)n) == STUN_OK)
			assert_false(stun_msg_check_fingerprint(&msg));
		buf[i] ^= 0x10;
	}
	/* absent */
	n = build_signed(buf, sizeof(buf), true, false, false);
	assert_int_equal(stun_msg_decode(&msg, buf, (size_t)n), STUN_OK);
	assert_false(stun_msg_check_fingerprint(&msg));
}

/* ---- names ---- */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(stun_attr_name(0x0012), "XOR-PEER-ADDRESS");
	assert_string_equal(stun_attr_name(0x8028), "FINGERPRINT");
	assert_string_equal(stun_attr_name(0x001B), "ACCESS-TOKEN");
	assert_null(stun_attr_name(0x0024));
	assert_string_equal(stun_method_name(STUN_METHOD_ALLOCATE), "Allocate");
	assert_string_equal(stun_method_name(STUN_METHOD_CREATE_PERMISSION),
			    "CreatePermission");
	assert_null(stun_method_name(0x00F));
	for (int e = STUN_OK; e >= STUN_E_AFTER_FP; e--)
		for (int f = e - 1; f >= STUN_E_AFTER_FP; f--)
			assert_string_not_equal(stun_decode_strerror(e),
						stun_decode_strerror(f));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_top_bits),
		cmocka_unit_test(test_bad_cookie),
		cmocka_unit_test(test_length_not_multiple_of_4),
		cmocka_unit_test(test_length_mismatch),
		cmocka_unit_test(test_attr_truncated),
		cmocka_unit_test(test_padding_content_ignored),
		cmocka_unit_test(test_attr_address_lengths),
		cmocka_unit_test(test_attr_fixed_lengths),
		cmocka_unit_test(test_attr_variable_lengths),
		cmocka_unit_test(test_duplicates_first_wins),
		cmocka_unit_test(test_after_integrity_ignored),
		cmocka_unit_test(test_after_fingerprint_rejected),
		cmocka_unit_test(test_unknown_attributes),
		cmocka_unit_test(test_message_types),
		cmocka_unit_test(test_xor_addr_round_trip),
		cmocka_unit_test(test_xor_peers),
		cmocka_unit_test(test_error_code),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_builder_overflow),
		cmocka_unit_test(test_integrity_round_trip),
		cmocka_unit_test(test_integrity_sha256_round_trip),
		cmocka_unit_test(test_integrity_independent),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
