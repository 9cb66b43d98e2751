/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STUN message decoder (RFC 8489 section 5 and 14) and typed getters.
 *
 * Runs on whichever thread holds the datagram: DPDK workers decode Send
 * indications on the packet path, the control thread decodes requests.  So
 * the decoder is one pass over the attributes, never allocates, and owns
 * nothing: struct stun_msg records offsets into the caller's buffer.
 *
 * Design.  The walk checks framing first (every attribute header and its
 * padded value fit in the datagram), then the rules of section 14.5-14.7
 * about what may follow the integrity attributes, then the length (and the
 * few value bits that decide the length) of every known attribute.  Values
 * are read later by the getters, which re-check what they rely on so that a
 * caller handing in a hand-built struct stun_msg cannot make them overread.
 *
 * Padding content is ignored (RFC 8489 section 14: "receivers MUST ignore"
 * it), but the padding bytes themselves must be there.
 */
#include <errno.h>
#include <string.h>

#include "turnpike/stun.h"

/* Longest USERNAME value we accept (RFC 8489 section 14.3: < 509 bytes). */
#define STUN_USERNAME_MAX 513
/* Longest REALM, NONCE, SOFTWARE and reason phrase once decoded (763). */
#define STUN_TEXT_MAX 763
/*
 * Shortest ACCESS-TOKEN (RFC 7635 section 6.2): nonce_length (2) plus the
 * smallest encrypted block (key_length 2, timestamp 8, lifetime 4) with an
 * empty nonce and an empty mac_key.  Real tokens are much longer; the
 * token codec checks the rest.
 */
#define STUN_ACCESS_TOKEN_MIN 16

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Slot of a known attribute type, or -1. */
static int
stun_attr_slot_of(uint16_t type)
{
	switch (type) {
#define STUN_X_CASE(slot, name, code) \
	case code:                    \
		return STUN_SLOT_##slot;
		STUN_ATTR_LIST(STUN_X_CASE)
#undef STUN_X_CASE
	default:
		return -1;
	}
}

/*
 * Address value (RFC 8489 section 14.1 and 14.2): reserved byte, family,
 * port, then 4 or 16 address bytes; the length must match the family.
 */
static bool
addr_value_ok(const uint8_t *v, uint16_t len)
{
	if (len == 8)
		return v[1] == TP_AF_INET;
	if (len == 20)
		return v[1] == TP_AF_INET6;
	return false;
}

/*
 * ERROR-CODE (RFC 8489 section 14.8): 21 reserved bits, class (3 bits,
 * 3-6), number (0-99), reason phrase.
 */
static bool
error_value_ok(const uint8_t *v, uint16_t len)
{
	uint8_t cls, number;

	if (len < 4 || len > 4 + STUN_TEXT_MAX)
		return false;
	cls = v[2] & 0x07;
	number = v[3];
	return cls >= 3 && cls <= 6 && number < 100;
}

/*
 * PASSWORD-ALGORITHMS (RFC 8489 section 14.11): a list of {algorithm (16),
 * parameters length (16), parameters padded to 4}; each entry must fit.
 */
static bool
password_algorithms_ok(const uint8_t *v, uint16_t len)
{
	size_t off = 0;

	while (off < len) {
		size_t plen;

		if (len - off < 4)
			return false;
		plen = ((size_t)rd16(v + off + 2) + 3) & ~(size_t)3;
		if (plen > len - off - 4)
			return false;
		off += 4 + plen;
	}
	return true;
}

/* Is @len (and what decides it) possible for the attribute in @slot? */
static bool
attr_value_ok(int slot, const uint8_t *v, uint16_t len)
{
	switch (slot) {
	case STUN_SLOT_MAPPED_ADDRESS:
	case STUN_SLOT_XOR_MAPPED_ADDRESS:
	case STUN_SLOT_XOR_PEER_ADDRESS:
	case STUN_SLOT_XOR_RELAYED_ADDRESS:
	case STUN_SLOT_ALTERNATE_SERVER:
		return addr_value_ok(v, len);
	case STUN_SLOT_USERNAME:
		return len <= STUN_USERNAME_MAX;
	case STUN_SLOT_REALM:
	case STUN_SLOT_NONCE:
	case STUN_SLOT_SOFTWARE:
		return len <= STUN_TEXT_MAX;
	case STUN_SLOT_MESSAGE_INTEGRITY:
		return len == 20;
	case STUN_SLOT_MESSAGE_INTEGRITY_SHA256:
		/* section 14.6: 16 to 32 bytes, a multiple of 4 */
		return len >= 16 && len <= 32 && len % 4 == 0;
	case STUN_SLOT_USERHASH:
		return len == 32;
	case STUN_SLOT_ERROR_CODE:
		return error_value_ok(v, len);
	case STUN_SLOT_UNKNOWN_ATTRIBUTES:
		return len % 2 == 0;
	case STUN_SLOT_CHANNEL_NUMBER:
	case STUN_SLOT_LIFETIME:
	case STUN_SLOT_REQUESTED_ADDRESS_FAMILY:
	case STUN_SLOT_REQUESTED_TRANSPORT:
	case STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY:
	case STUN_SLOT_FINGERPRINT:
		return len == 4;
	case STUN_SLOT_EVEN_PORT:
		return len == 1;
	case STUN_SLOT_RESERVATION_TOKEN:
	case STUN_SLOT_ICMP:
		return len == 8;
	case STUN_SLOT_DONT_FRAGMENT:
		return len == 0;
	case STUN_SLOT_PASSWORD_ALGORITHM:
		/* section 14.12: algorithm, parameters length, parameters */
		return len >= 4 && 4 + (size_t)rd16(v + 2) <= len;
	case STUN_SLOT_PASSWORD_ALGORITHMS:
		return password_algorithms_ok(v, len);
	case STUN_SLOT_ADDRESS_ERROR_CODE:
		/* RFC 8656 section 18.12: family, reserved, class, number */
		return len >= 4 && len <= 4 + STUN_TEXT_MAX;
	case STUN_SLOT_ACCESS_TOKEN:
		return len >= STUN_ACCESS_TOKEN_MIN;
	default:
		/* DATA, ALTERNATE-DOMAIN, THIRD-PARTY-AUTHORIZATION: any */
		return true;
	}
}

static void
note_unknown(struct stun_msg *msg, uint16_t type)
{
	for (int i = 0; i < msg->n_unknown; i++)
		if (msg->unknown[i] == type)
			return;
	if (msg->n_unknown < STUN_MAX_UNKNOWN)
		msg->unknown[msg->n_unknown++] = type;
}

/* Where the walk stands with respect to the integrity attributes. */
enum integrity_stage {
	STAGE_OPEN,  /* before MESSAGE-INTEGRITY: everything counts */
	STAGE_MI,    /* after MI: only MI-SHA256 and FINGERPRINT count */
	STAGE_MI256, /* after MI-SHA256: only FINGERPRINT counts */
};

/*
 * Handle one attribute whose framing is already checked.  @off is the
 * attribute header's offset.
 */
static int
decode_attr(struct stun_msg *msg, enum integrity_stage *stage, uint16_t off,
	    uint16_t type, uint16_t alen)
{
	const uint8_t *v = msg->buf + off + STUN_ATTR_HEADER_LEN;
	int slot = stun_attr_slot_of(type);

	/* RFC 8489 section 14.5-14.6: what follows integrity is ignored. */
	if (*stage == STAGE_MI && slot != STUN_SLOT_MESSAGE_INTEGRITY_SHA256 &&
	    slot != STUN_SLOT_FINGERPRINT)
		return STUN_OK;
	if (*stage == STAGE_MI256 && slot != STUN_SLOT_FINGERPRINT)
		return STUN_OK;

	if (slot < 0) {
		if (type < 0x8000)
			note_unknown(msg, type);
		return STUN_OK;
	}
	if (!attr_value_ok(slot, v, alen))
		return STUN_E_ATTR_VALUE;

	switch (slot) {
	case STUN_SLOT_MESSAGE_INTEGRITY:
		msg->mi_off = off;
		*stage = STAGE_MI;
		break;
	case STUN_SLOT_MESSAGE_INTEGRITY_SHA256:
		msg->mi256_off = off;
		*stage = STAGE_MI256;
		break;
	case STUN_SLOT_FINGERPRINT:
		msg->fp_off = off;
		break;
	default:
		break;
	}
	if (msg->attr[slot].off == 0) {
		msg->attr[slot].off = (uint16_t)(off + STUN_ATTR_HEADER_LEN);
		msg->attr[slot].len = alen;
	}
	return STUN_OK;
}

int
stun_msg_decode(struct stun_msg *msg, const uint8_t *buf, size_t len)
{
	enum integrity_stage stage = STAGE_OPEN;
	size_t off;
	uint16_t hlen;

	if (len < STUN_HEADER_LEN)
		return STUN_E_SHORT;
	if (!stun_is_stun(buf, len))
		return STUN_E_NOT_STUN;
	hlen = rd16(buf + 2);
	if (hlen % 4 != 0 || len > STUN_MAX_MSG_LEN ||
	    (size_t)STUN_HEADER_LEN + hlen != len)
		return STUN_E_LENGTH;

	memset(msg, 0, sizeof(*msg));
	msg->buf = buf;
	msg->len = (uint16_t)len;
	msg->type = rd16(buf);
	msg->method = stun_type_method(msg->type);
	msg->cls = stun_type_class(msg->type);
	msg->tid = buf + 8;

	for (off = STUN_HEADER_LEN; off < len;) {
		uint16_t type, alen;
		size_t padded;
		int rc;

		if (len - off < STUN_ATTR_HEADER_LEN)
			return STUN_E_TRUNCATED;
		type = rd16(buf + off);
		alen = rd16(buf + off + 2);
		padded = ((size_t)alen + 3) & ~(size_t)3;
		if (padded > len - off - STUN_ATTR_HEADER_LEN)
			return STUN_E_TRUNCATED;
		/* RFC 8489 section 14.7: FINGERPRINT is the last attribute. */
		if (msg->fp_off != 0)
			return STUN_E_AFTER_FP;
		rc = decode_attr(msg, &stage, (uint16_t)off, type, alen);
		if (rc != STUN_OK)
			return rc;
		off += STUN_ATTR_HEADER_LEN + padded;
	}
	return STUN_OK;
}

const char *
stun_decode_strerror(int err)
{
	switch (err) {
	case STUN_OK:
		return "ok";
	case STUN_E_SHORT:
		return "shorter than a STUN header";
	case STUN_E_NOT_STUN:
		return "not STUN (leading bits or magic cookie)";
	case STUN_E_LENGTH:
		return "bad message length";
	case STUN_E_TRUNCATED:
		return "attribute runs past the end";
	case STUN_E_ATTR_VALUE:
		return "attribute has an impossible length or value";
	case STUN_E_AFTER_FP:
		return "attribute after FINGERPRINT";
	default:
		return "unknown error";
	}
}

/* ---- getters ---- */

/* Value of @slot with at least @min bytes: 0, -ENOENT or -EINVAL. */
static int
value_of(const struct stun_msg *msg, enum stun_attr_slot slot, uint16_t min,
	 const uint8_t **v, uint16_t *len)
{
	if ((unsigned int)slot >= STUN_SLOT__COUNT)
		return -EINVAL;
	if (msg->attr[slot].off == 0)
		return -ENOENT;
	*v = msg->buf + msg->attr[slot].off;
	*len = msg->attr[slot].len;
	return *len < min ? -EINVAL : 0;
}

int
stun_msg_get_u32(const struct stun_msg *msg, enum stun_attr_slot slot,
		 uint32_t *out)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, slot, 4, &v, &len);

	if (rc != 0)
		return rc;
	if (len != 4)
		return -EINVAL;
	*out = rd32(v);
	return 0;
}

/*
 * Read an address value; with @tid non-NULL un-XOR it (RFC 8489 section
 * 14.2): port with the cookie's top 16 bits, IPv4 with the cookie, IPv6
 * with the cookie followed by the transaction ID.
 */
static int
addr_read(const uint8_t *v, uint16_t len, const uint8_t *tid, struct tp_addr *out)
{
	static const uint8_t cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };
	size_t n;

	if (!addr_value_ok(v, len))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ip.family = v[1];
	out->port = rd16(v + 2);
	n = tp_ip_len(v[1]);
	memcpy(out->ip.bytes, v + 4, n);
	if (tid == NULL)
		return 0;
	out->port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
	for (size_t i = 0; i < n; i++)
		out->ip.bytes[i] ^= i < 4 ? cookie[i] : tid[i - 4];
	return 0;
}

int
stun_msg_get_xor_addr(const struct stun_msg *msg, enum stun_attr_slot slot,
		      struct tp_addr *out)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, slot, 0, &v, &len);

	return rc != 0 ? rc : addr_read(v, len, msg->tid, out);
}

int
stun_msg_get_addr(const struct stun_msg *msg, enum stun_attr_slot slot,
		  struct tp_addr *out)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, slot, 0, &v, &len);

	return rc != 0 ? rc : addr_read(v, len, NULL, out);
}

int
stun_msg_get_xor_peers(const struct stun_msg *msg, struct tp_addr *out, int max)
{
	/* Only attributes before MESSAGE-INTEGRITY count (section 14.5). */
	size_t end = msg->mi_off != 0    ? msg->mi_off :
		     msg->mi256_off != 0 ? msg->mi256_off :
					   msg->len;
	size_t off = STUN_HEADER_LEN;
	int n = 0;

	while (off + STUN_ATTR_HEADER_LEN <= end && n < max) {
		uint16_t type = rd16(msg->buf + off);
		uint16_t alen = rd16(msg->buf + off + 2);
		size_t padded = ((size_t)alen + 3) & ~(size_t)3;

		if (padded > end - off - STUN_ATTR_HEADER_LEN)
			return -EINVAL;
		if (type == STUN_ATTR_XOR_PEER_ADDRESS) {
			if (addr_read(msg->buf + off + STUN_ATTR_HEADER_LEN,
				      alen, msg->tid, &out[n]) != 0)
				return -EINVAL;
			n++;
		}
		off += STUN_ATTR_HEADER_LEN + padded;
	}
	return n;
}

int
stun_msg_get_error(const struct stun_msg *msg, uint16_t *code,
		   const char **reason, uint16_t *reason_len)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, STUN_SLOT_ERROR_CODE, 4, &v, &len);

	if (rc != 0)
		return rc;
	if (!error_value_ok(v, len))
		return -EINVAL;
	*code = (uint16_t)((v[2] & 0x07) * 100 + v[3]);
	*reason = (const char *)v + 4;
	*reason_len = (uint16_t)(len - 4);
	return 0;
}

int
stun_msg_get_channel(const struct stun_msg *msg, uint16_t *channel)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, STUN_SLOT_CHANNEL_NUMBER, 4, &v, &len);

	if (rc == 0)
		*channel = rd16(v);
	return rc;
}

int
stun_msg_get_transport(const struct stun_msg *msg, uint8_t *protocol)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, STUN_SLOT_REQUESTED_TRANSPORT, 4, &v, &len);

	if (rc == 0)
		*protocol = v[0];
	return rc;
}

int
stun_msg_get_family(const struct stun_msg *msg, enum stun_attr_slot slot,
		    uint8_t *family)
{
	const uint8_t *v;
	uint16_t len;
	int rc;

	if (slot != STUN_SLOT_REQUESTED_ADDRESS_FAMILY &&
	    slot != STUN_SLOT_ADDITIONAL_ADDRESS_FAMILY)
		return -EINVAL;
	rc = value_of(msg, slot, 4, &v, &len);
	if (rc == 0)
		*family = v[0];
	return rc;
}

int
stun_msg_get_even_port(const struct stun_msg *msg, bool *reserve)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, STUN_SLOT_EVEN_PORT, 1, &v, &len);

	if (rc == 0)
		*reserve = (v[0] & 0x80) != 0;
	return rc;
}

int
stun_msg_get_password_algorithm(const struct stun_msg *msg, uint16_t *alg)
{
	const uint8_t *v;
	uint16_t len;
	int rc = value_of(msg, STUN_SLOT_PASSWORD_ALGORITHM, 4, &v, &len);

	if (rc == 0)
		*alg = rd16(v);
	return rc;
}
