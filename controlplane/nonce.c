/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stateless nonces: a timestamp and an HMAC over (features, timestamp,
 * client transport address) under a server secret.  See nonce.h for the
 * layout.
 *
 * Why stateless: a server that answers every unauthenticated Allocate with
 * a 401 must not remember anything about the sender, or a spoofed flood
 * fills its memory.  Here the nonce carries its own proof, so checking one
 * costs one or two HMACs and no lookup.  Binding it to the client address
 * satisfies RFC 8489 9.2.4 ("MUST NOT choose the same NONCE for two
 * requests unless they have the same source IP address and port") and makes
 * a stolen nonce useless from elsewhere.
 *
 * Worked example, features = 0x000001 (password algorithms), made at
 * 1700000000 (0x6553F100) for 192.0.2.1:3478:
 *     cookie    "obMatJos2"
 *     features  base64(00 00 01)                = "AAAB"
 *     payload   base64(00 00 00 00 65 53 F1 00 | 16 MAC bytes)
 *               = "AAAAAGVT8Q" + 22 characters that depend on the MAC
 *
 * Runs on the control-plane thread; owns only the secrets in nonce_ctx.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "nonce.h"
#include "turnpike/base64.h"
#include "turnpike/hmac.h"

#define NONCE_TS_LEN 8
#define NONCE_MAC_LEN 16
#define NONCE_PAYLOAD_LEN (NONCE_TS_LEN + NONCE_MAC_LEN)
#define NONCE_PAYLOAD_B64 32 /* BASE64_ENCODED_LEN(24), no padding */
#define NONCE_LABEL "turnpike-nonce-v1"
#define NONCE_LABEL_LEN (sizeof(NONCE_LABEL) - 1)
#define NONCE_MAC_INPUT_LEN (NONCE_LABEL_LEN + 3 + NONCE_TS_LEN + 1 + 2 + 16)

_Static_assert(NONCE_LEN == NONCE_COOKIE_LEN + NONCE_FEATURES_LEN +
				    NONCE_PAYLOAD_B64,
	       "nonce layout");
_Static_assert(BASE64_ENCODED_LEN(NONCE_PAYLOAD_LEN) == NONCE_PAYLOAD_B64,
	       "payload must encode without padding");

int
nonce_ctx_init(struct nonce_ctx *ctx, uint32_t lifetime_s, uint32_t features)
{
	memset(ctx, 0, sizeof(*ctx));
	if (features > 0xFFFFFFu)
		return -EINVAL;
	if (RAND_bytes(ctx->secret, NONCE_SECRET_LEN) != 1)
		return -EIO;
	ctx->lifetime_s = lifetime_s != 0 ? lifetime_s : NONCE_DEFAULT_LIFETIME_S;
	ctx->features = features;
	return 0;
}

void
nonce_ctx_set_secret(struct nonce_ctx *ctx,
		     const uint8_t secret[NONCE_SECRET_LEN])
{
	memcpy(ctx->secret, secret, NONCE_SECRET_LEN);
	OPENSSL_cleanse(ctx->prev_secret, NONCE_SECRET_LEN);
	ctx->has_prev = false;
}

int
nonce_ctx_rotate(struct nonce_ctx *ctx)
{
	uint8_t fresh[NONCE_SECRET_LEN];

	if (RAND_bytes(fresh, sizeof(fresh)) != 1)
		return -EIO;
	memcpy(ctx->prev_secret, ctx->secret, NONCE_SECRET_LEN);
	memcpy(ctx->secret, fresh, NONCE_SECRET_LEN);
	ctx->has_prev = true;
	OPENSSL_cleanse(fresh, sizeof(fresh));
	return 0;
}

void
nonce_ctx_wipe(struct nonce_ctx *ctx)
{
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* HMAC over label | features | timestamp | family | port | address. */
static int
nonce_mac(const uint8_t secret[NONCE_SECRET_LEN], uint32_t features,
	  const uint8_t ts[NONCE_TS_LEN], const struct tp_addr *client,
	  uint8_t mac[NONCE_MAC_LEN])
{
	uint8_t in[NONCE_MAC_INPUT_LEN] = { 0 };
	uint8_t full[TP_HMAC_MAX];
	size_t n = 0;

	memcpy(in, NONCE_LABEL, NONCE_LABEL_LEN);
	n += NONCE_LABEL_LEN;
	in[n++] = (uint8_t)(features >> 16);
	in[n++] = (uint8_t)(features >> 8);
	in[n++] = (uint8_t)features;
	memcpy(in + n, ts, NONCE_TS_LEN);
	n += NONCE_TS_LEN;
	in[n++] = client->ip.family;
	in[n++] = (uint8_t)(client->port >> 8);
	in[n++] = (uint8_t)client->port;
	/* Only the bytes of the family count; the rest stay zero. */
	memcpy(in + n, client->ip.bytes, tp_ip_len(client->ip.family));
	if (tp_hmac(TP_HMAC_SHA256, secret, NONCE_SECRET_LEN, in, sizeof(in),
		    NULL, 0, full) != 0)
		return -EIO;
	memcpy(mac, full, NONCE_MAC_LEN);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

int
nonce_make(const struct nonce_ctx *ctx, uint64_t now,
	   const struct tp_addr *client, char *out, size_t cap)
{
	uint8_t feat[3], payload[NONCE_PAYLOAD_LEN];
	char b64[NONCE_PAYLOAD_B64 + 1];
	char fb64[NONCE_FEATURES_LEN + 1];

	if (ctx == NULL || client == NULL || out == NULL)
		return -EINVAL;
	if (cap <= NONCE_LEN)
		return -ENOSPC;
	feat[0] = (uint8_t)(ctx->features >> 16);
	feat[1] = (uint8_t)(ctx->features >> 8);
	feat[2] = (uint8_t)ctx->features;
	put_be64(payload, now);
	if (nonce_mac(ctx->secret, ctx->features, payload, client,
		      payload + NONCE_TS_LEN) != 0)
		return -EIO;
	if (base64_encode(feat, sizeof(feat), fb64, sizeof(fb64)) !=
		    NONCE_FEATURES_LEN ||
	    base64_encode(payload, sizeof(payload), b64, sizeof(b64)) !=
		    NONCE_PAYLOAD_B64)
		return -EIO;
	memcpy(out, NONCE_COOKIE, NONCE_COOKIE_LEN);
	memcpy(out + NONCE_COOKIE_LEN, fb64, NONCE_FEATURES_LEN);
	memcpy(out + NONCE_COOKIE_LEN + NONCE_FEATURES_LEN, b64,
	       NONCE_PAYLOAD_B64);
	out[NONCE_LEN] = '\0';
	return NONCE_LEN;
}

int
nonce_features(const char *nonce, size_t len, uint32_t *features)
{
	uint8_t feat[3];

	if (nonce == NULL || len < NONCE_COOKIE_LEN ||
	    memcmp(nonce, NONCE_COOKIE, NONCE_COOKIE_LEN) != 0)
		return -ENOENT;
	if (len < NONCE_COOKIE_LEN + NONCE_FEATURES_LEN ||
	    base64_decode(nonce + NONCE_COOKIE_LEN, NONCE_FEATURES_LEN, feat,
			  sizeof(feat)) != 3)
		return -EINVAL;
	*features = (uint32_t)feat[0] << 16 | (uint32_t)feat[1] << 8 | feat[2];
	return 0;
}

enum nonce_verdict
nonce_check(const struct nonce_ctx *ctx, const char *nonce, size_t len,
	    uint64_t now, const struct tp_addr *client)
{
	uint8_t payload[NONCE_PAYLOAD_LEN], mac[NONCE_MAC_LEN];
	uint32_t features;
	uint64_t ts;
	bool ok;

	if (ctx == NULL || client == NULL || len != NONCE_LEN ||
	    nonce_features(nonce, len, &features) != 0 ||
	    base64_decode(nonce + NONCE_COOKIE_LEN + NONCE_FEATURES_LEN,
			  NONCE_PAYLOAD_B64, payload,
			  sizeof(payload)) != NONCE_PAYLOAD_LEN)
		return NONCE_INVALID;
	ok = nonce_mac(ctx->secret, features, payload, client, mac) == 0 &&
	     CRYPTO_memcmp(mac, payload + NONCE_TS_LEN, NONCE_MAC_LEN) == 0;
	if (!ok && ctx->has_prev)
		ok = nonce_mac(ctx->prev_secret, features, payload, client,
			       mac) == 0 &&
		     CRYPTO_memcmp(mac, payload + NONCE_TS_LEN, NONCE_MAC_LEN) ==
			     0;
	OPENSSL_cleanse(mac, sizeof(mac));
	if (!ok)
		return NONCE_INVALID;
	ts = get_be64(payload);
	/* Authentic.  From the future only if our clock stepped back. */
	if (features != ctx->features || ts > now || now - ts > ctx->lifetime_s)
		return NONCE_STALE;
	return NONCE_OK;
}
