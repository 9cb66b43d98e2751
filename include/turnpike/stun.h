/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * STUN message codec (RFC 8489) with the TURN (RFC 8656, RFC 6156) and
 * OAuth (RFC 7635) attributes.
 *
 * Pure code: takes bytes and a length, fills caller-owned fixed-size
 * structs, never allocates, logs or does I/O.  Both planes and the tools link
 * it.  The decoder records where each known attribute sits (offsets into the
 * caller's buffer, not copies); typed getters read and validate values.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |0 0|     STUN Message Type     |         Message Length        |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Magic Cookie                          |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                     Transaction ID (96 bits)                  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef TURNPIKE_STUN_H
#define TURNPIKE_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_HEADER_LEN 20
#define STUN_TID_LEN 12
#define STUN_ATTR_HEADER_LEN 4
/** Largest STUN message we handle: a UDP datagram's payload. */
#define STUN_MAX_MSG_LEN 65507

/** Message classes (RFC 8489 section 5). */
enum stun_class {
	STUN_CLASS_REQUEST = 0,
	STUN_CLASS_INDICATION = 1,
	STUN_CLASS_SUCCESS = 2,
	STUN_CLASS_ERROR = 3,
};

/** Methods (RFC 8489 section 18.2, RFC 8656 section 17). */
enum stun_method {
	STUN_METHOD_BINDING = 0x001,
	STUN_METHOD_ALLOCATE = 0x003,
	STUN_METHOD_REFRESH = 0x004,
	STUN_METHOD_SEND = 0x006,
	STUN_METHOD_DATA = 0x007,
	STUN_METHOD_CREATE_PERMISSION = 0x008,
	STUN_METHOD_CHANNEL_BIND = 0x009,
};

/**
 * Attribute registry.  X(slot, NAME, type code).  The slot is the index in
 * struct stun_msg.attr[]; every attribute the issue lists has one.
 * Comprehension-required: 0x0000-0x7FFF; optional: 0x8000-0xFFFF.
 */
#define STUN_ATTR_LIST(X)                                                 \
	X(MAPPED_ADDRESS, "MAPPED-ADDRESS", 0x0001)                       \
	X(USERNAME, "USERNAME", 0x0006)                                   \
	X(MESSAGE_INTEGRITY, "MESSAGE-INTEGRITY", 0x0008)                 \
	X(ERROR_CODE, "ERROR-CODE", 0x0009)                               \
	X(UNKNOWN_ATTRIBUTES, "UNKNOWN-ATTRIBUTES", 0x000A)               \
	X(CHANNEL_NUMBER, "CHANNEL-NUMBER", 0x000C)                       \
	X(LIFETIME, "LIFETIME", 0x000D)                                   \
	X(XOR_PEER_ADDRESS, "XOR-PEER-ADDRESS", 0x0012)                   \
	X(DATA, "DATA", 0x0013)                                           \
	X(REALM, "REALM", 0x0014)                                         \
	X(NONCE, "NONCE", 0x0015)                                         \
	X(XOR_RELAYED_ADDRESS, "XOR-RELAYED-ADDRESS", 0x0016)             \
	X(REQUESTED_ADDRESS_FAMILY, "REQUESTED-ADDRESS-FAMILY", 0x0017)   \
	X(EVEN_PORT, "EVEN-PORT", 0x0018)                                 \
	X(REQUESTED_TRANSPORT, "REQUESTED-TRANSPORT", 0x0019)             \
	X(DONT_FRAGMENT, "DONT-FRAGMENT", 0x001A)                         \
	X(MESSAGE_INTEGRITY_SHA256, "MESSAGE-INTEGRITY-SHA256", 0x001C)   \
	X(PASSWORD_ALGORITHM, "PASSWORD-ALGORITHM", 0x001D)               \
	X(USERHASH, "USERHASH", 0x001E)                                   \
	X(XOR_MAPPED_ADDRESS, "XOR-MAPPED-ADDRESS", 0x0020)               \
	X(RESERVATION_TOKEN, "RESERVATION-TOKEN", 0x0022)                 \
	X(ACCESS_TOKEN, "ACCESS-TOKEN", 0x001B)                           \
	X(PASSWORD_ALGORITHMS, "PASSWORD-ALGORITHMS", 0x8002)             \
	X(ALTERNATE_DOMAIN, "ALTERNATE-DOMAIN", 0x8003)                   \
	X(SOFTWARE, "SOFTWARE", 0x8022)                                   \
	X(ALTERNATE_SERVER, "ALTERNATE-SERVER", 0x8023)                   \
	X(FINGERPRINT, "FINGERPRINT", 0x8028)                             \
	X(ICMP, "ICMP", 0x8004)                                           \
	X(ADDITIONAL_ADDRESS_FAMILY, "ADDITIONAL-ADDRESS-FAMILY", 0x8000) \
	X(ADDRESS_ERROR_CODE, "ADDRESS-ERROR-CODE", 0x8001)               \
	X(THIRD_PARTY_AUTHORIZATION, "THIRD-PARTY-AUTHORIZATION", 0x802E)

/** Attribute type codes on the wire. */
enum stun_attr_type {
#define STUN_X_TYPE(slot, name, code) STUN_ATTR_##slot = code,
	STUN_ATTR_LIST(STUN_X_TYPE)
#undef STUN_X_TYPE
};

/** Index of each known attribute in struct stun_msg.attr[]. */
enum stun_attr_slot {
#define STUN_X_SLOT(slot, name, code) STUN_SLOT_##slot,
	STUN_ATTR_LIST(STUN_X_SLOT)
#undef STUN_X_SLOT
	STUN_SLOT__COUNT
};

/** Where an attribute's value sits in the message; len 0 and off 0 = absent. */
struct stun_attr_ref {
	uint16_t off; /**< offset of the value from the start of the message */
	uint16_t len; /**< value length, without padding */
};

/** Most unknown comprehension-required attributes reported per message. */
#define STUN_MAX_UNKNOWN 8

/**
 * A decoded message.  Refers into the caller's buffer, which must outlive it.
 */
struct stun_msg {
	const uint8_t *buf; /**< start of the message */
	uint16_t len;       /**< total length, header included */
	uint16_t type;      /**< message type (method and class) */
	uint16_t method;    /**< enum stun_method */
	uint8_t cls;        /**< enum stun_class */
	uint8_t n_unknown;  /**< entries in unknown[] */
	const uint8_t *tid; /**< 12-byte transaction ID, inside buf */
	/** Offset of the MESSAGE-INTEGRITY attribute header, 0 if none. */
	uint16_t mi_off;
	/** Offset of the MESSAGE-INTEGRITY-SHA256 attribute header, 0 if none. */
	uint16_t mi256_off;
	/** Offset of the FINGERPRINT attribute header, 0 if none. */
	uint16_t fp_off;
	/** Unknown comprehension-required attributes (for a 420 response). */
	uint16_t unknown[STUN_MAX_UNKNOWN];
	struct stun_attr_ref attr[STUN_SLOT__COUNT];
};

/** Why a decode failed.  The message is to be dropped (or answered 400). */
enum stun_decode_error {
	STUN_OK = 0,
	STUN_E_SHORT = -1,    /**< shorter than the header */
	STUN_E_NOT_STUN = -2, /**< first two bits not zero or bad magic cookie */
	STUN_E_LENGTH = -3, /**< header length not a multiple of 4 or != datagram */
	STUN_E_TRUNCATED = -4, /**< an attribute runs past the end */
	STUN_E_ATTR_VALUE = -5, /**< a known attribute has an impossible length */
	STUN_E_AFTER_FP = -6,   /**< an attribute follows FINGERPRINT */
};

/** True if the first bytes look like STUN: top two bits 0 and the cookie. */
static inline bool
stun_is_stun(const uint8_t *buf, size_t len)
{
	return len >= STUN_HEADER_LEN && (buf[0] & 0xC0) == 0 && buf[4] == 0x21 &&
	       buf[5] == 0x12 && buf[6] == 0xA4 && buf[7] == 0x42;
}

/** The message type of a message stun_is_stun() accepted. */
static inline uint16_t
stun_msg_type(const uint8_t *buf)
{
	return (uint16_t)(buf[0] << 8 | buf[1]);
}

/** Compose a message type from method and class (RFC 8489 section 5). */
static inline uint16_t
stun_type(uint16_t method, uint8_t cls)
{
	return (uint16_t)((method & 0x000F) | ((method & 0x0070) << 1) |
			  ((method & 0x0F80) << 2) | ((cls & 1) << 4) |
			  ((cls & 2) << 7));
}

/** The method bits of a message type. */
static inline uint16_t
stun_type_method(uint16_t type)
{
	return (uint16_t)((type & 0x000F) | ((type & 0x00E0) >> 1) |
			  ((type & 0x3E00) >> 2));
}

/** The class bits of a message type. */
static inline uint8_t
stun_type_class(uint16_t type)
{
	return (uint8_t)(((type >> 4) & 1) | ((type >> 7) & 2));
}

/**
 * Decode a STUN message that fills exactly @p len bytes (one UDP datagram).
 *
 * Checks the header, every attribute's framing and padding, and the length
 * of every known attribute.  Records only the first of duplicate attributes.
 * Attributes after MESSAGE-INTEGRITY are ignored except
 * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT; after MESSAGE-INTEGRITY-SHA256
 * only FINGERPRINT counts; nothing may follow FINGERPRINT.  Unknown
 * comprehension-required attributes before the integrity attributes are
 * listed in msg->unknown[] (the decode still succeeds: the caller answers
 * 420).
 *
 * @return STUN_OK or a negative enum stun_decode_error.
 */
int stun_msg_decode(struct stun_msg *msg, const uint8_t *buf, size_t len);

/** Name of an error from stun_msg_decode(). */
const char *stun_decode_strerror(int err);

/** True if the message carries attribute @p slot. */
static inline bool
stun_msg_has(const struct stun_msg *msg, enum stun_attr_slot slot)
{
	return msg->attr[slot].off != 0;
}

/** Pointer to the value of attribute @p slot, NULL if absent. */
static inline const uint8_t *
stun_msg_value(const struct stun_msg *msg, enum stun_attr_slot slot, uint16_t *len)
{
	if (msg->attr[slot].off == 0)
		return NULL;
	*len = msg->attr[slot].len;
	return msg->buf + msg->attr[slot].off;
}

/* ---- typed getters: 0 on success, -ENOENT if absent, -EINVAL if bad ---- */

/** A 32-bit attribute (LIFETIME, REQUESTED-TRANSPORT's first byte, ...). */
int stun_msg_get_u32(const struct stun_msg *msg, enum stun_attr_slot slot,
		     uint32_t *out);

/** An XOR-*-ADDRESS attribute, un-XORed with the cookie and transaction ID. */
int stun_msg_get_xor_addr(const struct stun_msg *msg, enum stun_attr_slot slot,
			  struct tp_addr *out);

/** A plain address attribute (MAPPED-ADDRESS, ALTERNATE-SERVER). */
int stun_msg_get_addr(const struct stun_msg *msg, enum stun_attr_slot slot,
		      struct tp_addr *out);

/**
 * Read the XOR-PEER-ADDRESS occurrences of a request (CreatePermission may
 * carry several; the decoder records only the first in attr[]).  Walks the
 * message again.  @return how many were written (<= @p max), or -EINVAL if
 * one is malformed.
 */
int stun_msg_get_xor_peers(const struct stun_msg *msg, struct tp_addr *out,
			   int max);

/** ERROR-CODE: code (300-699) and reason phrase (not NUL-terminated). */
int stun_msg_get_error(const struct stun_msg *msg, uint16_t *code,
		       const char **reason, uint16_t *reason_len);

/** CHANNEL-NUMBER's channel number (not range-checked). */
int stun_msg_get_channel(const struct stun_msg *msg, uint16_t *channel);

/** REQUESTED-TRANSPORT's protocol number (17 = UDP). */
int stun_msg_get_transport(const struct stun_msg *msg, uint8_t *protocol);

/** REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY (0x01 or 0x02). */
int stun_msg_get_family(const struct stun_msg *msg, enum stun_attr_slot slot,
			uint8_t *family);

/** EVEN-PORT's R bit. */
int stun_msg_get_even_port(const struct stun_msg *msg, bool *reserve);

/** PASSWORD-ALGORITHM: algorithm number and parameters. */
int stun_msg_get_password_algorithm(const struct stun_msg *msg, uint16_t *alg);

/* ---- integrity ---- */

/** Password algorithms (RFC 8489 section 18.5). */
enum stun_password_alg {
	STUN_PASSWORD_ALG_MD5 = 0x0001,
	STUN_PASSWORD_ALG_SHA256 = 0x0002,
};

/**
 * Verify MESSAGE-INTEGRITY (HMAC-SHA1) with @p key.  Computes over the
 * message up to the attribute with the header length adjusted to end after
 * it (RFC 8489 section 14.5), and compares in constant time.
 * @return true if present and correct.
 */
bool stun_msg_check_integrity(const struct stun_msg *msg, const uint8_t *key,
			      size_t key_len);

/** Verify MESSAGE-INTEGRITY-SHA256 (truncated HMAC-SHA256) with @p key. */
bool stun_msg_check_integrity_sha256(const struct stun_msg *msg,
				     const uint8_t *key, size_t key_len);

/** Verify FINGERPRINT.  @return true if present and correct. */
bool stun_msg_check_fingerprint(const struct stun_msg *msg);

/** CRC-32 (ISO-HDLC, as FINGERPRINT uses) of @p len bytes. */
uint32_t stun_crc32(const uint8_t *data, size_t len);

/* ---- encoder ---- */

/**
 * Writes a message into a caller-owned buffer.  Every add function appends
 * one attribute with zero padding; an overflow sets err and makes every later
 * call a no-op, so callers check once at the end.
 */
struct stun_builder {
	uint8_t *buf;
	size_t cap;
	size_t len; /**< bytes written so far, header included */
	int err;    /**< 0, or -ENOSPC / -EINVAL */
};

/** Start a message of @p type with transaction ID @p tid. */
void stun_build_init(struct stun_builder *b, uint8_t *buf, size_t cap,
		     uint16_t type, const uint8_t tid[STUN_TID_LEN]);

/** Append a raw attribute. */
void stun_build_attr(struct stun_builder *b, uint16_t type, const void *value,
		     size_t len);

/** Append a 32-bit attribute. */
void stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t value);

/** Append an XOR-*-ADDRESS attribute. */
void stun_build_xor_addr(struct stun_builder *b, uint16_t type,
			 const struct tp_addr *addr);

/** Append a plain address attribute (MAPPED-ADDRESS, ALTERNATE-SERVER). */
void stun_build_addr(struct stun_builder *b, uint16_t type,
		     const struct tp_addr *addr);

/**
 * Append ERROR-CODE.  @p reason NULL uses the standard reason phrase of
 * @p code (stun_reason_phrase()).
 */
void stun_build_error(struct stun_builder *b, uint16_t code, const char *reason);

/** Append UNKNOWN-ATTRIBUTES listing @p n types. */
void stun_build_unknown(struct stun_builder *b, const uint16_t *types, int n);

/** Append CHANNEL-NUMBER (channel and RFFU zero). */
void stun_build_channel(struct stun_builder *b, uint16_t channel);

/** Append REQUESTED-TRANSPORT for @p protocol. */
void stun_build_transport(struct stun_builder *b, uint8_t protocol);

/** Append MESSAGE-INTEGRITY (HMAC-SHA1 with @p key). */
void stun_build_integrity(struct stun_builder *b, const uint8_t *key,
			  size_t key_len);

/** Append MESSAGE-INTEGRITY-SHA256 (32 bytes, HMAC-SHA256 with @p key). */
void stun_build_integrity_sha256(struct stun_builder *b, const uint8_t *key,
				 size_t key_len);

/** Append FINGERPRINT.  Must be last. */
void stun_build_fingerprint(struct stun_builder *b);

/** @return the message length, or a negative errno if anything failed. */
int stun_build_finish(struct stun_builder *b);

/** Zero bytes that pad a value of @p len bytes to a multiple of four. */
static inline size_t
stun_pad_len(size_t len)
{
	return (4 - (len & 3)) & 3;
}

/**
 * Bytes of a Data indication in front of its data (RFC 8656 section 11.4):
 * the header, XOR-PEER-ADDRESS for a peer of @p family, and DATA's attribute
 * header.  0 for an unknown family.
 */
static inline size_t
stun_data_ind_prefix_len(uint8_t family)
{
	size_t n = tp_ip_len(family);

	return n == 0 ? 0 : STUN_HEADER_LEN + 2 * STUN_ATTR_HEADER_LEN + 4 + n;
}

/**
 * Write the framing of a Data indication that carries @p data_len bytes
 * from @p peer into the stun_data_ind_prefix_len() bytes at @p buf; the
 * data follows them, then stun_pad_len(@p data_len) zero bytes, both the
 * caller's to put in place (the fast path frames a received payload where
 * it lies, without copying it):
 *
 *   header(20) | XOR-PEER-ADDRESS(4 + 8 or 20) | DATA(4) | data | padding
 *
 * Pure: no allocation, no locks, so the workers call it.
 * @return the prefix length written, or 0 for an unknown family or a
 * message longer than STUN's length field holds.
 */
size_t stun_data_ind_write_prefix(uint8_t *buf, const uint8_t tid[STUN_TID_LEN],
				  const struct tp_addr *peer, size_t data_len);

/** Standard reason phrase for an error code ("Unauthorized"), or "". */
const char *stun_reason_phrase(uint16_t code);

/** Name of an attribute type ("XOR-PEER-ADDRESS"), or NULL if unknown. */
const char *stun_attr_name(uint16_t type);

/** Name of a method ("Allocate"), or NULL if unknown. */
const char *stun_method_name(uint16_t method);

#endif /* TURNPIKE_STUN_H */
