/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message builder (RFC 8489 section 5 and 14): appends attributes to a
 * caller-owned buffer.  The integrity and fingerprint appenders live in
 * stun_integrity.c.
 *
 * Runs on the control thread (responses), in tools and tests; the workers
 * use it for Data indications (stun_data_ind_write_prefix) since it neither
 * allocates nor locks.
 * Owns nothing.  The header's length field is kept up to date after every
 * attribute, so the MAC appenders can hash the buffer as it stands.  An
 * error is sticky: the first one is kept in b->err and later calls do
 * nothing, so callers check once, at stun_build_finish().
 */
#include <errno.h>
#include <string.h>

#include "turnpike/stun.h"

/* Longest reason phrase we write (RFC 8489 section 14.8: < 128 chars). */
#define STUN_REASON_MAX 509

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t type,
		const uint8_t tid[STUN_TID_LEN])
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->err = 0;
	if (buf == NULL || cap < STUN_HEADER_LEN) {
		b->err = -ENOSPC;
		return;
	}
	if (type & 0xC000) {
		/* the top two bits of a STUN message are zero (section 5) */
		b->err = -EINVAL;
		return;
	}
	wr16(buf, type);
	wr16(buf + 2, 0);
	wr32(buf + 4, STUN_MAGIC_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	b->len = STUN_HEADER_LEN;
}

/*
 * Reserve room for an attribute of @len value bytes, write its header and
 * zero padding, update the message length.  @return the value pointer or
 * NULL (b->err set).
 */
static uint8_t *
build_reserve(struct stun_builder *b, uint16_t type, size_t len)
{
	size_t padded = (len + 3) & ~(size_t)3;
	size_t total;
	uint8_t *v;

	if (b->err != 0)
		return NULL;
	if (len > 0xFFFF) {
		b->err = -EINVAL;
		return NULL;
	}
	total = b->len + STUN_ATTR_HEADER_LEN + padded;
	if (total > b->cap || total > STUN_MAX_MSG_LEN) {
		b->err = -ENOSPC;
		return NULL;
	}
	wr16(b->buf + b->len, type);
	wr16(b->buf + b->len + 2, (uint16_t)len);
	v = b->buf + b->len + STUN_ATTR_HEADER_LEN;
	memset(v + len, 0, padded - len);
	b->len = total;
	wr16(b->buf + 2, (uint16_t)(total - STUN_HEADER_LEN));
	return v;
}

void
stun_build_attr(struct stun_builder *b, uint16_t type, const void *value,
		size_t len)
{
	uint8_t *v = build_reserve(b, type, len);

	if (v != NULL && len != 0)
		memmove(v, value, len);
}

void
stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t value)
{
	uint8_t *v = build_reserve(b, type, 4);

	if (v != NULL)
		wr32(v, value);
}

/*
 * Address value (section 14.1): reserved 0, family, port, address; with
 * @xor, port and address XORed as in section 14.2.
 */
static void
build_addr(struct stun_builder *b, uint16_t type, const struct tp_addr *addr,
	   bool xor)
{
	static const uint8_t cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };
	size_t n;
	uint16_t port = addr->port;
	uint8_t *v;

	if (b->err != 0)
		return;
	n = tp_ip_len(addr->ip.family);
	if (n == 0) {
		b->err = -EINVAL;
		return;
	}
	v = build_reserve(b, type, 4 + n);
	if (v == NULL)
		return;
	if (xor)
		port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	v[0] = 0;
	v[1] = addr->ip.family;
	wr16(v + 2, port);
	for (size_t i = 0; i < n; i++) {
		uint8_t mask = !xor? 0 : i < 4 ? cookie[i] : b->buf[8 + i - 4];

		v[4 + i] = addr->ip.bytes[i] ^ mask;
	}
}

void
stun_build_xor_addr(struct stun_builder *b, uint16_t type,
		    const struct tp_addr *addr)
{
	build_addr(b, type, addr, true);
}

void
stun_build_addr(struct stun_builder *b, uint16_t type, const struct tp_addr *addr)
{
	build_addr(b, type, addr, false);
}

void
stun_build_error(struct stun_builder *b, uint16_t code, const char *reason)
{
	size_t rlen;
	uint8_t *v;

	if (b->err != 0)
		return;
	if (code < 300 || code > 699) {
		b->err = -EINVAL;
		return;
	}
	if (reason == NULL)
		reason = stun_reason_phrase(code);
	rlen = strlen(reason);
	if (rlen > STUN_REASON_MAX) {
		b->err = -EINVAL;
		return;
	}
	/* section 14.8: 21 zero bits, class (hundreds), number (0-99) */
	v = build_reserve(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
	if (v == NULL)
		return;
	v[0] = 0;
	v[1] = 0;
	v[2] = (uint8_t)(code / 100);
	v[3] = (uint8_t)(code % 100);
	memcpy(v + 4, reason, rlen);
}

void
stun_build_unknown(struct stun_builder *b, const uint16_t *types, int n)
{
	uint8_t *v;

	if (b->err != 0)
		return;
	if (n < 0 || n > 0x7FFF) {
		b->err = -EINVAL;
		return;
	}
	v = build_reserve(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, (size_t)n * 2);
	if (v == NULL)
		return;
	for (int i = 0; i < n; i++)
		wr16(v + 2 * i, types[i]);
}

void
stun_build_channel(struct stun_builder *b, uint16_t channel)
{
	/* RFC 8656 section 18.1: channel number, then 16 bits RFFU = 0 */
	stun_build_u32(b, STUN_ATTR_CHANNEL_NUMBER, (uint32_t)channel << 16);
}

void
stun_build_transport(struct stun_builder *b, uint8_t protocol)
{
	/* RFC 8656 section 18.7: protocol, then 24 bits RFFU = 0 */
	stun_build_u32(b, STUN_ATTR_REQUESTED_TRANSPORT,
		       (uint32_t)protocol << 24);
}

size_t
stun_data_ind_write_prefix(uint8_t *buf, const uint8_t tid[STUN_TID_LEN],
			   const struct tp_addr *peer, size_t data_len)
{
	size_t prefix = stun_data_ind_prefix_len(peer->ip.family);
	size_t body = data_len + stun_pad_len(data_len);
	struct stun_builder b;

	if (prefix == 0 || prefix - STUN_HEADER_LEN + body > 0xFFFF)
		return 0;
	stun_build_init(&b, buf, prefix,
			stun_type(STUN_METHOD_DATA, STUN_CLASS_INDICATION), tid);
	stun_build_xor_addr(&b, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	if (b.err != 0 || b.len + STUN_ATTR_HEADER_LEN != prefix)
		return 0;
	/* DATA's header only: its value is the caller's, already in place. */
	wr16(buf + b.len, STUN_ATTR_DATA);
	wr16(buf + b.len + 2, (uint16_t)data_len);
	wr16(buf + 2, (uint16_t)(prefix - STUN_HEADER_LEN + body));
	return prefix;
}

int
stun_build_finish(struct stun_builder *b)
{
	return b->err != 0 ? b->err : (int)b->len;
}
