/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Quota keys: which person, and for OAuth which authorization-server key,
 * an allocation counts against (see turn_quota.h for the table of kinds).
 * Allocate checks the counts before it creates anything and makes the
 * allocation hold its keys once it exists (turn_allocate.c); the counts
 * live in the allocation table.
 *
 * Runs on the control thread.  Owns nothing.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth_rest.h"
#include "turn_quota.h"

/* Bytes of the token key's SHA-256 kept in the key: 128 bits. */
#define QUOTA_TOKEN_HASH_LEN 16

static void
quota_key_set(struct turn_quota_keys *out, enum turn_quota_group g,
	      const char *prefix, const char *name, size_t len)
{
	size_t p = strlen(prefix);

	if (len == 0 || p + len > TURN_QUOTA_KEY_MAX)
		return;
	memcpy(out->key[g], prefix, p);
	memcpy(out->key[g] + p, name, len);
	out->key[g][p + len] = '\0';
	out->len[g] = (uint16_t)(p + len);
}

static void
quota_key_token(struct turn_quota_keys *out, const struct auth_verdict *v)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	char hex[2 * QUOTA_TOKEN_HASH_LEN + 1];
	unsigned int n = 0;

	if (EVP_Digest(v->key, v->key_len, md, &n, EVP_sha256(), NULL) != 1 ||
	    n < QUOTA_TOKEN_HASH_LEN)
		return;
	for (int i = 0; i < QUOTA_TOKEN_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	OPENSSL_cleanse(md, sizeof(md));
	quota_key_set(out, TURN_QUOTA_PERSON, "t:", hex, sizeof(hex) - 1);
}

void
turn_quota_keys_make(const struct auth_verdict *v, struct turn_quota_keys *out)
{
	const char *id;
	size_t id_len;

	memset(out->len, 0, sizeof(out->len));
	if (v == NULL || v->error != 0)
		return;
	switch (v->mech) {
	case AUTH_MECH_STATIC:
		quota_key_set(out, TURN_QUOTA_PERSON, "u:", v->username,
			      v->username_len);
		break;
	case AUTH_MECH_REST:
		if (auth_rest_username_user(v->username, v->username_len, &id,
					    &id_len) != 0) {
			id = v->username;
			id_len = v->username_len;
		}
		quota_key_set(out, TURN_QUOTA_PERSON, "r:", id, id_len);
		break;
	case AUTH_MECH_OAUTH:
		if (v->key_len > 0)
			quota_key_token(out, v);
		quota_key_set(out, TURN_QUOTA_KID, "k:", v->username,
			      v->username_len);
		break;
	default:
		break;
	}
}

uint32_t
turn_quota_held(const struct turn_alloc_table *t,
		const struct turn_quota_keys *k, enum turn_quota_group which)
{
	const struct turn_user *u;

	if (k->len[which] == 0)
		return 0;
	u = turn_alloc_table_quota(t, k->key[which], k->len[which]);
	return u == NULL ? 0 : u->n_allocs;
}
