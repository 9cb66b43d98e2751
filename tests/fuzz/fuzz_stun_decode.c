/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the STUN codec and ChannelData framing.
 *
 * Any input: channel_data_parse() and stun_msg_decode().  A message that
 * decodes then goes through every getter, the integrity and fingerprint
 * checks with a fixed key, and a rebuild of every known attribute through
 * the builder into a bounded buffer.  A rebuild that the builder accepts
 * must decode again and verify with the MACs and CRC it was given:
 * anything else is a bug, reported with abort().
 *
 * Build and run: see the codec helper's report or tests/fuzz/make-seeds.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turnpike/channel_data.h"
#include "turnpike/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_key[16] = "0123456789abcdef";

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* Call every getter on every slot; results must be 0, -ENOENT or -EINVAL. */
static void
exercise_getters(const struct stun_msg *msg)
{
	struct tp_addr a, peers[4];
	const char *reason;
	uint16_t code, rlen, ch, alg, len;
	uint32_t u;
	uint8_t b;
	bool r;
	int rc;

	for (int s = 0; s < STUN_SLOT__COUNT; s++) {
		const uint8_t *v = stun_msg_value(msg, s, &len);

		CHECK((v != NULL) == stun_msg_has(msg, s));
		CHECK(v == NULL || v + len <= msg->buf + msg->len);
		rc = stun_msg_get_u32(msg, s, &u);
		CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL);
		rc = stun_msg_get_xor_addr(msg, s, &a);
		CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL);
		rc = stun_msg_get_addr(msg, s, &a);
		CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL);
		rc = stun_msg_get_family(msg, s, &b);
		CHECK(rc == 0 || rc == -ENOENT || rc == -EINVAL);
	}
	rc = stun_msg_get_xor_peers(msg, peers, 4);
	CHECK(rc == -EINVAL || (rc >= 0 && rc <= 4));
	if (stun_msg_get_error(msg, &code, &reason, &rlen) == 0)
		CHECK(code >= 300 && code <= 699 &&
		      reason + rlen <= (const char *)msg->buf + msg->len);
	(void)stun_msg_get_channel(msg, &ch);
	(void)stun_msg_get_transport(msg, &b);
	(void)stun_msg_get_even_port(msg, &r);
	(void)stun_msg_get_password_algorithm(msg, &alg);
	(void)stun_method_name(msg->method);
	for (int i = 0; i < msg->n_unknown; i++)
		CHECK(stun_attr_name(msg->unknown[i]) == NULL &&
		      msg->unknown[i] < 0x8000);
	(void)stun_msg_check_integrity(msg, fuzz_key, sizeof(fuzz_key));
	(void)stun_msg_check_integrity_sha256(msg, fuzz_key, sizeof(fuzz_key));
	(void)stun_msg_check_fingerprint(msg);
}

/* Slot -> wire type, from the registry. */
static uint16_t
slot_type(int slot)
{
	static const uint16_t types[STUN_SLOT__COUNT] = {
#define STUN_X_TYPE_OF(slot, name, code) [STUN_SLOT_##slot] = code,
		STUN_ATTR_LIST(STUN_X_TYPE_OF)
#undef STUN_X_TYPE_OF
	};

	return types[slot];
}

/* Rebuild one recorded attribute with the most specific builder. */
static void
rebuild_slot(struct stun_builder *b, const struct stun_msg *msg, int s)
{
	struct tp_addr a, peers[4];
	const char *reason;
	char text[800];
	uint16_t code, rlen, ch, len = 0;
	const uint8_t *v = stun_msg_value(msg, s, &len);
	uint8_t proto;
	int n;

	switch (s) {
	case STUN_SLOT_XOR_PEER_ADDRESS:
		n = stun_msg_get_xor_peers(msg, peers, 4);
		for (int i = 0; i < n; i++)
			stun_build_xor_addr(b, slot_type(s), &peers[i]);
		return;
	case STUN_SLOT_XOR_MAPPED_ADDRESS:
	case STUN_SLOT_XOR_RELAYED_ADDRESS:
		if (stun_msg_get_xor_addr(msg, s, &a) == 0)
			stun_build_xor_addr(b, slot_type(s), &a);
		return;
	case STUN_SLOT_MAPPED_ADDRESS:
	case STUN_SLOT_ALTERNATE_SERVER:
		if (stun_msg_get_addr(msg, s, &a) == 0)
			stun_build_addr(b, slot_type(s), &a);
		return;
	case STUN_SLOT_ERROR_CODE:
		if (stun_msg_get_error(msg, &code, &reason, &rlen) != 0)
			return;
		if (rlen >= sizeof(text))
			rlen = sizeof(text) - 1;
		memcpy(text, reason, rlen);
		text[rlen] = '\0';
		stun_build_error(b, code, text);
		return;
	case STUN_SLOT_CHANNEL_NUMBER:
		if (stun_msg_get_channel(msg, &ch) == 0)
			stun_build_channel(b, ch);
		return;
	case STUN_SLOT_REQUESTED_TRANSPORT:
		if (stun_msg_get_transport(msg, &proto) == 0)
			stun_build_transport(b, proto);
		return;
	case STUN_SLOT_UNKNOWN_ATTRIBUTES: {
		uint16_t types[64];
		int k = len / 2 < 64 ? len / 2 : 64;

		for (int i = 0; i < k; i++)
			types[i] = (uint16_t)(v[2 * i] << 8 | v[2 * i + 1]);
		stun_build_unknown(b, types, k);
		return;
	}
	default:
		stun_build_attr(b, slot_type(s), v, len);
		return;
	}
}

static void
rebuild(const struct stun_msg *msg)
{
	uint8_t out[1500];
	struct stun_builder b;
	struct stun_msg again;
	int n;

	stun_build_init(&b, out, sizeof(out), msg->type, msg->tid);
	for (int s = 0; s < STUN_SLOT__COUNT; s++) {
		if (!stun_msg_has(msg, s) || s == STUN_SLOT_MESSAGE_INTEGRITY ||
		    s == STUN_SLOT_MESSAGE_INTEGRITY_SHA256 ||
		    s == STUN_SLOT_FINGERPRINT)
			continue;
		rebuild_slot(&b, msg, s);
	}
	if (msg->n_unknown > 0)
		stun_build_unknown(&b, msg->unknown, msg->n_unknown);
	stun_build_integrity(&b, fuzz_key, sizeof(fuzz_key));
	stun_build_integrity_sha256(&b, fuzz_key, sizeof(fuzz_key));
	stun_build_fingerprint(&b);
	n = stun_build_finish(&b);
	if (n < 0) {
		CHECK(n == -ENOSPC || n == -EINVAL);
		return;
	}
	CHECK((size_t)n <= sizeof(out) && n % 4 == 0);
	CHECK(stun_msg_decode(&again, out, (size_t)n) == STUN_OK);
	CHECK(again.type == msg->type);
	CHECK(stun_msg_check_integrity(&again, fuzz_key, sizeof(fuzz_key)));
	CHECK(stun_msg_check_integrity_sha256(&again, fuzz_key, sizeof(fuzz_key)));
	CHECK(stun_msg_check_fingerprint(&again));
	for (int s = 0; s < STUN_SLOT__COUNT; s++)
		CHECK(stun_msg_has(&again, s) || !stun_msg_has(msg, s) ||
		      s == STUN_SLOT_XOR_PEER_ADDRESS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg msg;
	uint16_t ch;
	int dlen;

	dlen = channel_data_parse(data, size, &ch);
	CHECK(dlen < 0 || (channel_number_valid(ch) &&
			   (size_t)dlen + CHANNEL_DATA_HEADER_LEN <= size));

	if (stun_msg_decode(&msg, data, size) != STUN_OK)
		return 0;
	CHECK(msg.len == size && stun_is_stun(data, size));
	exercise_getters(&msg);
	rebuild(&msg);
	return 0;
}
