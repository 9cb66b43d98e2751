/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-term credentials: key derivation and the static user table.
 *
 * Every key is a digest of "a:b[:c]" (RFC 8489 9.2.2, 14.4), computed
 * once when a user is loaded; the password goes no further than this file
 * and is never stored.  Lookups happen for every authenticated request, so
 * the table keeps two hash indexes (by name, by USERHASH) over one array of
 * users.  Each index is open addressing with linear probing at a load
 * factor of at most 1/2.  Clients only look up, never insert, so a chosen
 * name can at worst land on the longest cluster the operator's own names
 * built; no hash flooding is possible.
 *
 * Runs on the control-plane thread at config time (add, which may malloc),
 * per request (find, read-only), and when the admin socket pushes a user
 * or a reload rebuilds the table from the file (merge_pushed carries the
 * pushed users over).  The table owns its users' names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth_longterm.h"

/* ---- key derivation ---- */

/* digest(p0 ":" p1 [":" p2]) into out; p2 may be NULL. */
static int
lt_digest(const EVP_MD *md, const char *p0, size_t l0, const char *p1,
	  size_t l1, const char *p2, size_t l2, uint8_t *out, size_t out_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	     EVP_DigestUpdate(ctx, p0, l0) == 1 &&
	     EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	     EVP_DigestUpdate(ctx, p1, l1) == 1;
	if (ok && p2 != NULL)
		ok = EVP_DigestUpdate(ctx, ":", 1) == 1 &&
		     EVP_DigestUpdate(ctx, p2, l2) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == out_len;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		OPENSSL_cleanse(out, out_len);
		return -EIO;
	}
	return 0;
}

int
auth_lt_key_md5(const char *user, size_t ulen, const char *realm, size_t rlen,
		const char *pass, size_t plen, uint8_t key[AUTH_LT_KEY_MD5_LEN])
{
	return lt_digest(EVP_md5(), user, ulen, realm, rlen, pass, plen, key,
			 AUTH_LT_KEY_MD5_LEN);
}

int
auth_lt_key_sha256(const char *user, size_t ulen, const char *realm,
		   size_t rlen, const char *pass, size_t plen,
		   uint8_t key[AUTH_LT_KEY_SHA256_LEN])
{
	return lt_digest(EVP_sha256(), user, ulen, realm, rlen, pass, plen, key,
			 AUTH_LT_KEY_SHA256_LEN);
}

int
auth_lt_userhash(const char *user, size_t ulen, const char *realm, size_t rlen,
		 uint8_t hash[AUTH_LT_USERHASH_LEN])
{
	return lt_digest(EVP_sha256(), user, ulen, realm, rlen, NULL, 0, hash,
			 AUTH_LT_USERHASH_LEN);
}

/* ---- the user table ---- */

/* No ASCII control characters (OpaqueString disallows them). */
static bool
lt_text_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7F)
			return false;
	}
	return true;
}

/* FNV-1a, 64 bits: names come from config, lookups cannot insert. */
static uint64_t
lt_hash_name(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A userhash is already a uniform SHA-256 output. */
static uint64_t
lt_hash_userhash(const uint8_t *hash)
{
	uint64_t h;

	memcpy(&h, hash, sizeof(h));
	return h;
}

static void
lt_index_insert(struct auth_user_db *db, uint32_t i)
{
	const struct auth_user *u = &db->users[i];
	uint32_t s;

	s = (uint32_t)lt_hash_name(u->name, u->name_len) & db->idx_mask;
	while (db->idx_name[s] != 0)
		s = (s + 1) & db->idx_mask;
	db->idx_name[s] = i + 1;

	s = (uint32_t)lt_hash_userhash(u->userhash) & db->idx_mask;
	while (db->idx_hash[s] != 0)
		s = (s + 1) & db->idx_mask;
	db->idx_hash[s] = i + 1;
}

/* Make room for one more user: grow the array and rebuild the indexes. */
static int
lt_db_reserve(struct auth_user_db *db)
{
	struct auth_user *users;
	uint32_t cap, slots, *by_name, *by_hash;

	if (db->n_users < db->cap)
		return 0;
	if (db->cap >= (1u << 28))
		return -ENOMEM;
	cap = db->cap == 0 ? 16 : db->cap * 2;
	users = realloc(db->users, (size_t)cap * sizeof(*users));
	if (users == NULL)
		return -ENOMEM;
	db->users = users;
	slots = cap * 2;
	by_name = calloc(slots, sizeof(*by_name));
	by_hash = calloc(slots, sizeof(*by_hash));
	if (by_name == NULL || by_hash == NULL) {
		free(by_name);
		free(by_hash);
		return -ENOMEM;
	}
	free(db->idx_name);
	free(db->idx_hash);
	db->idx_name = by_name;
	db->idx_hash = by_hash;
	db->idx_mask = slots - 1;
	db->cap = cap;
	for (uint32_t i = 0; i < db->n_users; i++)
		lt_index_insert(db, i);
	return 0;
}

int
auth_user_db_init(struct auth_user_db *db, const char *realm, size_t rlen)
{
	memset(db, 0, sizeof(*db));
	if (realm == NULL || !lt_text_ok(realm, rlen, AUTH_LT_REALM_MAX))
		return -EINVAL;
	memcpy(db->realm, realm, rlen);
	db->realm[rlen] = '\0';
	db->realm_len = (uint16_t)rlen;
	return 0;
}

void
auth_user_db_free(struct auth_user_db *db)
{
	if (db->users != NULL) {
		for (uint32_t i = 0; i < db->n_users; i++)
			free(db->users[i].name);
		OPENSSL_cleanse(db->users, (size_t)db->cap * sizeof(*db->users));
	}
	free(db->users);
	free(db->idx_name);
	free(db->idx_hash);
	memset(db, 0, sizeof(*db));
}

/* Append a user whose keys the caller has filled in *tmpl (name unset). */
static int
lt_db_insert(struct auth_user_db *db, const char *name, size_t nlen,
	     struct auth_user *tmpl)
{
	struct auth_user *u;
	int rc;

	if (auth_user_db_find(db, name, nlen) != NULL)
		return -EEXIST;
	rc = auth_lt_userhash(name, nlen, db->realm, db->realm_len,
			      tmpl->userhash);
	if (rc != 0)
		return rc;
	rc = lt_db_reserve(db);
	if (rc != 0)
		return rc;
	tmpl->name = malloc(nlen + 1);
	if (tmpl->name == NULL)
		return -ENOMEM;
	memcpy(tmpl->name, name, nlen);
	tmpl->name[nlen] = '\0';
	tmpl->name_len = (uint16_t)nlen;
	u = &db->users[db->n_users];
	*u = *tmpl;
	lt_index_insert(db, db->n_users);
	db->n_users++;
	return 0;
}

int
auth_user_db_add_password(struct auth_user_db *db, const char *name,
			  size_t nlen, const char *pass, size_t plen)
{
	struct auth_user u = { 0 };
	int rc;

	if (name == NULL || pass == NULL ||
	    !lt_text_ok(name, nlen, AUTH_LT_USERNAME_MAX) ||
	    !lt_text_ok(pass, plen, AUTH_LT_PASSWORD_MAX))
		return -EINVAL;
	rc = auth_lt_key_md5(name, nlen, db->realm, db->realm_len, pass, plen,
			     u.key_md5);
	if (rc == 0)
		rc = auth_lt_key_sha256(name, nlen, db->realm, db->realm_len,
					pass, plen, u.key_sha256);
	u.has_sha256 = true;
	if (rc == 0)
		rc = lt_db_insert(db, name, nlen, &u);
	OPENSSL_cleanse(&u, sizeof(u));
	return rc;
}

int
auth_user_db_add_key(struct auth_user_db *db, const char *name, size_t nlen,
		     const uint8_t key_md5[AUTH_LT_KEY_MD5_LEN])
{
	struct auth_user u = { 0 };
	int rc;

	if (name == NULL || !lt_text_ok(name, nlen, AUTH_LT_USERNAME_MAX))
		return -EINVAL;
	memcpy(u.key_md5, key_md5, AUTH_LT_KEY_MD5_LEN);
	u.has_sha256 = false;
	rc = lt_db_insert(db, name, nlen, &u);
	OPENSSL_cleanse(&u, sizeof(u));
	return rc;
}

int
auth_user_db_put_keys(struct auth_user_db *db, const char *name, size_t nlen,
		      const uint8_t key_md5[AUTH_LT_KEY_MD5_LEN],
		      const uint8_t *key_sha256, uint64_t expires_ms)
{
	struct auth_user *u;
	struct auth_user tmpl = { 0 };
	int rc;

	if (name == NULL || !lt_text_ok(name, nlen, AUTH_LT_USERNAME_MAX))
		return -EINVAL;
	/* Found: the same name in the same realm has the same userhash, so
	 * neither index moves. */
	u = (struct auth_user *)auth_user_db_find(db, name, nlen);
	if (u == NULL)
		u = &tmpl;
	memcpy(u->key_md5, key_md5, AUTH_LT_KEY_MD5_LEN);
	u->has_sha256 = key_sha256 != NULL;
	if (key_sha256 != NULL)
		memcpy(u->key_sha256, key_sha256, AUTH_LT_KEY_SHA256_LEN);
	else
		OPENSSL_cleanse(u->key_sha256, sizeof(u->key_sha256));
	u->expires_ms = expires_ms;
	u->pushed = true; /* a reload keeps it */
	if (u != &tmpl)
		return 0;
	rc = lt_db_insert(db, name, nlen, &tmpl);
	OPENSSL_cleanse(&tmpl, sizeof(tmpl));
	return rc;
}

static int
lt_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly 2 * AUTH_LT_KEY_MD5_LEN hex digits. */
static int
lt_hex_key(const char *hex, size_t len, uint8_t key[AUTH_LT_KEY_MD5_LEN])
{
	if (len != 2 * AUTH_LT_KEY_MD5_LEN)
		return -EINVAL;
	for (size_t i = 0; i < AUTH_LT_KEY_MD5_LEN; i++) {
		int hi = lt_hex_nibble(hex[2 * i]);
		int lo = lt_hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
auth_user_db_add(struct auth_user_db *db, const char *text)
{
	const char *colon, *pass;
	size_t nlen, plen;
	uint8_t key[AUTH_LT_KEY_MD5_LEN];
	int rc;

	if (text == NULL)
		return -EINVAL;
	colon = strchr(text, ':');
	if (colon == NULL)
		return -EINVAL;
	nlen = (size_t)(colon - text);
	pass = colon + 1;
	plen = strlen(pass);
	/* coturn: a "password" of 0x and hex digits is the MD5 key. */
	if (plen >= 2 && pass[0] == '0' && (pass[1] == 'x' || pass[1] == 'X')) {
		rc = lt_hex_key(pass + 2, plen - 2, key);
		if (rc == 0)
			rc = auth_user_db_add_key(db, text, nlen, key);
		OPENSSL_cleanse(key, sizeof(key));
		return rc;
	}
	return auth_user_db_add_password(db, text, nlen, pass, plen);
}

const struct auth_user *
auth_user_db_find(const struct auth_user_db *db, const char *name, size_t len)
{
	uint32_t s, v;

	if (db == NULL || db->idx_name == NULL || name == NULL)
		return NULL;
	s = (uint32_t)lt_hash_name(name, len) & db->idx_mask;
	while ((v = db->idx_name[s]) != 0) {
		const struct auth_user *u = &db->users[v - 1];

		if (u->name_len == len && memcmp(u->name, name, len) == 0)
			return u;
		s = (s + 1) & db->idx_mask;
	}
	return NULL;
}

const struct auth_user *
auth_user_db_find_userhash(const struct auth_user_db *db,
			   const uint8_t hash[AUTH_LT_USERHASH_LEN])
{
	uint32_t s, v;

	if (db == NULL || db->idx_hash == NULL || hash == NULL)
		return NULL;
	s = (uint32_t)lt_hash_userhash(hash) & db->idx_mask;
	while ((v = db->idx_hash[s]) != 0) {
		const struct auth_user *u = &db->users[v - 1];

		if (memcmp(u->userhash, hash, AUTH_LT_USERHASH_LEN) == 0)
			return u;
		s = (s + 1) & db->idx_mask;
	}
	return NULL;
}

/* Where user @p u's entry belongs in the name index or the USERHASH one. */
static uint32_t
lt_home(const struct auth_user_db *db, uint32_t u, bool by_name)
{
	const struct auth_user *user = &db->users[u];

	return (uint32_t)(by_name ? lt_hash_name(user->name, user->name_len) :
				    lt_hash_userhash(user->userhash)) &
	       db->idx_mask;
}

/* The slot of @p idx that holds user @p u, probing from its home. */
static uint32_t
lt_slot_of(const struct auth_user_db *db, const uint32_t *idx, uint32_t u,
	   bool by_name)
{
	uint32_t s = lt_home(db, u, by_name);

	while (idx[s] != u + 1)
		s = (s + 1) & db->idx_mask;
	return s;
}

/*
 * Empty slot @p s of a linear-probing index without breaking a lookup:
 * every later entry of the cluster whose home is not between the hole and
 * itself moves back into the hole, which moves on (backward-shift
 * deletion).  O(cluster), not O(users).
 */
static void
lt_index_erase(const struct auth_user_db *db, uint32_t *idx, uint32_t s,
	       bool by_name)
{
	uint32_t mask = db->idx_mask, j = s;

	for (;;) {
		uint32_t home;

		j = (j + 1) & mask;
		if (idx[j] == 0)
			break;
		home = lt_home(db, idx[j] - 1, by_name);
		/* Movable when its home is not in (s, j], cyclically. */
		if (((j - home) & mask) >= ((j - s) & mask)) {
			idx[s] = idx[j];
			s = j;
		}
	}
	idx[s] = 0;
}

int
auth_user_db_remove(struct auth_user_db *db, const char *name, size_t len)
{
	const struct auth_user *found;
	uint32_t i, last;

	if (db == NULL || name == NULL)
		return -EINVAL;
	found = auth_user_db_find(db, name, len);
	if (found == NULL)
		return -ENOENT;
	i = (uint32_t)(found - db->users);
	last = db->n_users - 1;
	/* Out of both indexes while its record still says where it is. */
	lt_index_erase(db, db->idx_name, lt_slot_of(db, db->idx_name, i, true),
		       true);
	lt_index_erase(db, db->idx_hash, lt_slot_of(db, db->idx_hash, i, false),
		       false);
	free(db->users[i].name);
	if (i != last) {
		/* The last user moves into the hole: its two entries follow. */
		db->idx_name[lt_slot_of(db, db->idx_name, last, true)] = i + 1;
		db->idx_hash[lt_slot_of(db, db->idx_hash, last, false)] = i + 1;
		db->users[i] = db->users[last];
	}
	OPENSSL_cleanse(&db->users[last], sizeof(db->users[last]));
	db->n_users = last;
	return 0;
}

int
auth_user_db_mark_pushed(struct auth_user_db *db, const char *name, size_t len)
{
	const struct auth_user *u;

	if (db == NULL || name == NULL)
		return -EINVAL;
	u = auth_user_db_find(db, name, len);
	if (u == NULL)
		return -ENOENT;
	db->users[u - db->users].pushed = true;
	return 0;
}

int
auth_user_db_merge_pushed(struct auth_user_db *dst,
			  const struct auth_user_db *src, uint32_t *replaced)
{
	uint32_t n_replaced = 0;
	int rc = 0;

	if (dst == NULL || src == NULL || dst->realm_len != src->realm_len ||
	    memcmp(dst->realm, src->realm, src->realm_len) != 0)
		return -EINVAL;
	for (uint32_t i = 0; rc == 0 && i < src->n_users; i++) {
		const struct auth_user *u = &src->users[i];
		struct auth_user copy = *u;

		if (!u->pushed)
			continue;
		if (auth_user_db_remove(dst, u->name, u->name_len) == 0)
			n_replaced++;
		copy.name = NULL;
		rc = lt_db_insert(dst, u->name, u->name_len, &copy);
		OPENSSL_cleanse(&copy, sizeof(copy));
	}
	if (replaced != NULL)
		*replaced = n_replaced;
	return rc;
}
