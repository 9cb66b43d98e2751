/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-source-prefix token buckets (turnpike/prefix_limit.h has the
 * design).  Shared by the fast path's workers and the control thread, each
 * with its own tables; the only OpenSSL call is the key's RAND_bytes at
 * set-up, never on the packet path.
 */
#include <errno.h>
#include <string.h>

#include <openssl/rand.h>

#include "turnpike/prefix_limit.h"

int
tp_prefix_limit_init(struct tp_prefix_limit *l, uint32_t rate, uint32_t burst,
		     uint64_t units_per_s, uint8_t v4_bits, uint8_t v6_bits)
{
	memset(l, 0, sizeof(*l));
	if (v4_bits < 1 || v4_bits > 32 || v6_bits < 1 || v6_bits > 128)
		return -EINVAL;
	l->v4_bits = v4_bits;
	l->v6_bits = v6_bits;
	if (rate == 0)
		return 0;
	if (burst == 0 || units_per_s / rate == 0)
		return -EINVAL;
	l->interval = units_per_s / rate;
	l->tolerance = (uint64_t)(burst - 1) * l->interval;
	if (RAND_bytes(l->key, sizeof(l->key)) != 1)
		return -EIO;
	return 0;
}

/* The slot of @src's prefix: family, then the address cut to the prefix. */
static uint32_t
prefix_slot(const struct tp_prefix_limit *l, const struct tp_ip *src)
{
	uint8_t k[17] = { src->family };
	unsigned int bits = src->family == TP_AF_INET6 ? l->v6_bits : l->v4_bits;
	unsigned int full = bits / 8;

	memcpy(k + 1, src->bytes, full);
	if (bits % 8 != 0)
		k[1 + full] = src->bytes[full] & (uint8_t)(0xFF00u >> (bits % 8));
	return (uint32_t)tp_siphash(l->key, k, sizeof(k)) &
	       (TP_PREFIX_LIMIT_SLOTS - 1);
}

bool
tp_prefix_limit_allow(struct tp_prefix_limit *l, const struct tp_ip *src,
		      uint64_t now)
{
	uint64_t *slot, tat;

	if (l->interval == 0)
		return true;
	slot = &l->tat[prefix_slot(l, src)];
	tat = *slot > now ? *slot : now;
	if (tat - now > l->tolerance)
		return false;
	*slot = tat + l->interval;
	return true;
}
