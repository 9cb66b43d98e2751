/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 section 14.5),
 * MESSAGE-INTEGRITY-SHA256 (section 14.6) and FINGERPRINT (section 14.7):
 * verification of decoded messages and the builder's append functions.
 *
 * Runs on the control thread and in tools; never on the DPDK packet path
 * (it calls OpenSSL, through turnpike/hmac.h).
 *
 * All three cover the message up to the attribute itself, with the header's
 * length field rewritten as if the message ended right after the attribute:
 *
 *     [header, length = end of attr - 20][attributes before it][attr]
 *
 * A receiver cannot hash its buffer in place (the length field differs and
 * the buffer is const), so the header is copied and fed separately.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "turnpike/hmac.h"
#include "turnpike/stun.h"

#define STUN_MI_LEN 20
#define STUN_MI256_LEN 32
#define STUN_FP_LEN 4
/* RFC 8489 section 14.7: the CRC is XORed with "STUN". */
#define STUN_FP_XOR 0x5354554eu

/* ---- CRC-32 (ISO-HDLC: reflected, polynomial 0x04C11DB7) ---- */

/*
 * Slicing-by-8: crc_table[0] is the classic byte-at-a-time table, and
 * crc_table[k][b] is the CRC of byte b followed by k zero bytes, so eight
 * input bytes are folded with eight independent lookups instead of eight
 * dependent ones.  Every request and response carries FINGERPRINT over the
 * whole message, and the byte loop was a tenth of the control plane's
 * time per allocation.  The words are assembled byte by byte: the result
 * does not depend on the host's byte order or alignment.
 */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (int k = 1; k < 8; k++)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = crc_table[k - 1][i];

			crc_table[k][i] = (c >> 8) ^ crc_table[0][c & 0xFF];
		}
}

static inline uint32_t
crc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Continue a CRC over more bytes; start and finish with ~0. */
static uint32_t
crc_update(uint32_t crc, const uint8_t *p, size_t len)
{
	for (; len >= 8; p += 8, len -= 8) {
		uint32_t lo = crc_le32(p) ^ crc, hi = crc_le32(p + 4);

		crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
		      crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
		      crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
	}
	for (; len > 0; p++, len--)
		crc = crc_table[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
	return crc;
}

uint32_t
stun_crc32(const uint8_t *data, size_t len)
{
	pthread_once(&crc_once, crc_table_init);
	return ~crc_update(~0u, data, len);
}

/* ---- HMAC (turnpike/hmac.h: no per-call fetch or allocation) ---- */

/*
 * HMAC with @alg over @hdr (a rewritten 20-byte header) followed by @body.
 * Writes @out_len bytes of the MAC (truncating).
 */
static int
stun_hmac(enum tp_hmac_alg alg, const uint8_t *key, size_t key_len,
	  const uint8_t *hdr, const uint8_t *body, size_t body_len,
	  uint8_t *out, size_t out_len)
{
	uint8_t mac[TP_HMAC_MAX];

	if (out_len > tp_hmac_len(alg) ||
	    tp_hmac(alg, key, key_len, hdr, STUN_HEADER_LEN, body, body_len,
		    mac) != 0)
		return -EINVAL;
	memcpy(out, mac, out_len);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

/* Copy the header with its length field ending the message at @end. */
static void
header_ending_at(uint8_t hdr[STUN_HEADER_LEN], const uint8_t *buf, size_t end)
{
	uint16_t l = (uint16_t)(end - STUN_HEADER_LEN);

	memcpy(hdr, buf, STUN_HEADER_LEN);
	hdr[2] = (uint8_t)(l >> 8);
	hdr[3] = (uint8_t)l;
}

/*
 * Verify the MAC attribute whose header sits at @attr_off and whose value
 * is @val_len bytes long.
 */
static bool
check_mac(const struct stun_msg *msg, enum tp_hmac_alg alg, uint16_t attr_off,
	  size_t val_len, const uint8_t *key, size_t key_len)
{
	uint8_t hdr[STUN_HEADER_LEN], mac[STUN_MI256_LEN];
	size_t end = (size_t)attr_off + STUN_ATTR_HEADER_LEN + val_len;
	bool ok;

	if (attr_off < STUN_HEADER_LEN || val_len > sizeof(mac) || end > msg->len)
		return false;
	header_ending_at(hdr, msg->buf, end);
	if (stun_hmac(alg, key, key_len, hdr, msg->buf + STUN_HEADER_LEN,
		      attr_off - STUN_HEADER_LEN, mac, val_len) != 0)
		return false;
	ok = CRYPTO_memcmp(mac, msg->buf + attr_off + STUN_ATTR_HEADER_LEN,
			   val_len) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

bool
stun_msg_check_integrity(const struct stun_msg *msg, const uint8_t *key,
			 size_t key_len)
{
	if (msg->mi_off == 0 ||
	    msg->attr[STUN_SLOT_MESSAGE_INTEGRITY].len != STUN_MI_LEN)
		return false;
	return check_mac(msg, TP_HMAC_SHA1, msg->mi_off, STUN_MI_LEN, key,
			 key_len);
}

bool
stun_msg_check_integrity_sha256(const struct stun_msg *msg, const uint8_t *key,
				size_t key_len)
{
	uint16_t len = msg->attr[STUN_SLOT_MESSAGE_INTEGRITY_SHA256].len;

	/* section 14.6: truncated to 16..32 bytes, a multiple of 4 */
	if (msg->mi256_off == 0 || len < 16 || len > STUN_MI256_LEN ||
	    len % 4 != 0)
		return false;
	return check_mac(msg, TP_HMAC_SHA256, msg->mi256_off, len, key, key_len);
}

bool
stun_msg_check_fingerprint(const struct stun_msg *msg)
{
	uint8_t hdr[STUN_HEADER_LEN];
	const uint8_t *v;
	size_t end;
	uint32_t crc, want;

	if (msg->fp_off < STUN_HEADER_LEN ||
	    msg->attr[STUN_SLOT_FINGERPRINT].len != STUN_FP_LEN)
		return false;
	end = (size_t)msg->fp_off + STUN_ATTR_HEADER_LEN + STUN_FP_LEN;
	if (end > msg->len)
		return false;
	header_ending_at(hdr, msg->buf, end);
	pthread_once(&crc_once, crc_table_init);
	crc = crc_update(~0u, hdr, STUN_HEADER_LEN);
	crc = ~crc_update(crc, msg->buf + STUN_HEADER_LEN,
			  msg->fp_off - STUN_HEADER_LEN);
	v = msg->buf + msg->fp_off + STUN_ATTR_HEADER_LEN;
	want = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
	       (uint32_t)v[2] << 8 | v[3];
	return (crc ^ STUN_FP_XOR) == want;
}

/* ---- builder side ---- */

/*
 * Append a MAC attribute of @mac_len bytes.  The value is zeroed first, so
 * the attribute is framed (and the header length counts it) before the MAC
 * over everything in front of it is computed in place.
 */
static void
build_mac(struct stun_builder *b, uint16_t type, enum tp_hmac_alg alg,
	  size_t mac_len, const uint8_t *key, size_t key_len)
{
	static const uint8_t zero[STUN_MI256_LEN];
	uint8_t hdr[STUN_HEADER_LEN];
	size_t attr_off = b->len;
	int rc;

	stun_build_attr(b, type, zero, mac_len);
	if (b->err != 0)
		return;
	header_ending_at(hdr, b->buf, b->len);
	rc = stun_hmac(alg, key, key_len, hdr, b->buf + STUN_HEADER_LEN,
		       attr_off - STUN_HEADER_LEN,
		       b->buf + attr_off + STUN_ATTR_HEADER_LEN, mac_len);
	if (rc != 0)
		b->err = rc;
}

void
stun_build_integrity(struct stun_builder *b, const uint8_t *key, size_t key_len)
{
	build_mac(b, STUN_ATTR_MESSAGE_INTEGRITY, TP_HMAC_SHA1, STUN_MI_LEN,
		  key, key_len);
}

void
stun_build_integrity_sha256(struct stun_builder *b, const uint8_t *key,
			    size_t key_len)
{
	build_mac(b, STUN_ATTR_MESSAGE_INTEGRITY_SHA256, TP_HMAC_SHA256,
		  STUN_MI256_LEN, key, key_len);
}

void
stun_build_fingerprint(struct stun_builder *b)
{
	static const uint8_t zero[STUN_FP_LEN];
	size_t attr_off = b->len;
	uint32_t crc;
	uint8_t *v;

	stun_build_attr(b, STUN_ATTR_FINGERPRINT, zero, STUN_FP_LEN);
	if (b->err != 0)
		return;
	/* The header length already ends the message after FINGERPRINT. */
	crc = stun_crc32(b->buf, attr_off) ^ STUN_FP_XOR;
	v = b->buf + attr_off + STUN_ATTR_HEADER_LEN;
	v[0] = (uint8_t)(crc >> 24);
	v[1] = (uint8_t)(crc >> 16);
	v[2] = (uint8_t)(crc >> 8);
	v[3] = (uint8_t)crc;
}
