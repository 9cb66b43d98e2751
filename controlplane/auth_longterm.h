/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Long-term credentials (RFC 8489 section 9.2): key derivation, USERHASH,
 * and the table of static users.
 *
 * Keys (RFC 8489 section 9.2.2 and 18.5.1):
 *
 *     MD5:      key = MD5(username ":" OpaqueString(realm) ":"
 *                         OpaqueString(password))
 *     SHA-256:  key = SHA-256(username ":" OpaqueString(realm) ":"
 *                             OpaqueString(password))
 *     USERHASH (section 14.4):
 *               userhash = SHA-256(OpaqueString(username) ":" OpaqueString(realm))
 *
 * String preparation: turnpike does not implement the PRECIS OpaqueString
 * profile (RFC 8265).  All strings are taken as UTF-8 bytes exactly as
 * given; for printable ASCII (what operators use in practice) OpaqueString is
 * the identity, so the results are exact.  A non-ASCII username or password
 * must be given to turnpike already in its prepared form (NFC, non-ASCII
 * spaces mapped to U+0020): e.g. RFC 8489 Appendix B.1's password
 * "The<U+00AD>M<U+00AA>tr<U+2168>" must be configured as "TheMatrIX".
 * ASCII control characters are refused.
 *
 * Control-plane thread only.  A user table is built at config time (it may
 * malloc); the admin socket (cp_admin.h) adds and removes users at run
 * time, on the same thread, between requests.  Passwords are never kept,
 * only the keys derived from them.
 */
#ifndef TURNPIKE_AUTH_LONGTERM_H
#define TURNPIKE_AUTH_LONGTERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Key lengths. */
#define AUTH_LT_KEY_MD5_LEN 16
#define AUTH_LT_KEY_SHA256_LEN 32
#define AUTH_LT_USERHASH_LEN 32
/** Longest username, in bytes (RFC 8489 14.3 allows fewer than 509; RFC 5389
 *  allowed fewer than 513, which we keep for old clients). */
#define AUTH_LT_USERNAME_MAX 512
/** Longest realm, in bytes (RFC 8489 section 14.9: < 128 chars, <= 763 bytes). */
#define AUTH_LT_REALM_MAX 763
/** Longest password accepted from config, in bytes. */
#define AUTH_LT_PASSWORD_MAX 512

/**
 * MD5 long-term key.  Inputs are byte strings (see the file comment on
 * OpaqueString).
 * @return 0, or -EIO if OpenSSL fails (key is then zeroed).
 */
int auth_lt_key_md5(const char *user, size_t ulen, const char *realm,
		    size_t rlen, const char *pass, size_t plen,
		    uint8_t key[AUTH_LT_KEY_MD5_LEN]);

/** SHA-256 long-term key (PASSWORD-ALGORITHM 0x0002).  As auth_lt_key_md5(). */
int auth_lt_key_sha256(const char *user, size_t ulen, const char *realm,
		       size_t rlen, const char *pass, size_t plen,
		       uint8_t key[AUTH_LT_KEY_SHA256_LEN]);

/** USERHASH value of a username in a realm.  As auth_lt_key_md5(). */
int auth_lt_userhash(const char *user, size_t ulen, const char *realm,
		     size_t rlen, uint8_t hash[AUTH_LT_USERHASH_LEN]);

/** One static user. */
struct auth_user {
	char *name; /**< NUL-terminated, owned by the table */
	uint16_t name_len;
	bool has_sha256; /**< false for users given as an MD5 key (0x form) */
	/** Added through the admin socket, not read from the file: a reload
	 *  keeps it (auth_user_db_merge_pushed()). */
	bool pushed;
	uint8_t key_md5[AUTH_LT_KEY_MD5_LEN];
	uint8_t key_sha256[AUTH_LT_KEY_SHA256_LEN];
	uint8_t userhash[AUTH_LT_USERHASH_LEN];
	/** When a pushed user ends, on its pusher's clock; 0 = never.  The
	 *  table only keeps it (push_apply.c removes the user). */
	uint64_t expires_ms;
};

/**
 * Static users of one realm, looked up by name or by USERHASH through two
 * open-addressing hash indexes (load factor at most 1/2).
 */
struct auth_user_db {
	char realm[AUTH_LT_REALM_MAX + 1]; /**< keys are derived with it */
	uint16_t realm_len;
	struct auth_user *users;
	uint32_t n_users;
	uint32_t cap;
	uint32_t *idx_name; /**< slot -> user index + 1; 0 = empty */
	uint32_t *idx_hash; /**< same, keyed by userhash */
	uint32_t idx_mask;  /**< index size - 1 (a power of two) */
};

/**
 * Start an empty table for @p realm (rlen bytes, no controls).
 * @return 0 or -EINVAL.
 */
int auth_user_db_init(struct auth_user_db *db, const char *realm, size_t rlen);

/** Free a table and wipe its keys.  Safe on a zeroed or freed table. */
void auth_user_db_free(struct auth_user_db *db);

/**
 * Add a user from coturn's `user=` value: "name:password", or
 * "name:0x<32 hex digits>" where the hex is the MD5 key itself (such a user
 * has no SHA-256 key).  The name ends at the first ':'; the password may
 * contain ':'.  A password cannot begin with "0x" unless it is a key.
 *
 * @param text NUL-terminated.
 * @return 0; -EINVAL (no ':', empty or too long name or password, control
 *         characters, bad hex); -EEXIST (name present); -ENOMEM; -EIO.
 */
int auth_user_db_add(struct auth_user_db *db, const char *text);

/** Add a user from a name and a password.  Errors as auth_user_db_add(). */
int auth_user_db_add_password(struct auth_user_db *db, const char *name,
			      size_t nlen, const char *pass, size_t plen);

/** Add a user from a name and its MD5 key.  Errors as auth_user_db_add(). */
int auth_user_db_add_key(struct auth_user_db *db, const char *name, size_t nlen,
			 const uint8_t key_md5[AUTH_LT_KEY_MD5_LEN]);

/**
 * Add a user from its keys, or give an existing one these keys, in place
 * (a re-registration: O(1), no index rebuild), marked pushed (a reload
 * keeps it).  @p key_sha256 may be NULL
 * (a user pushed as an MD5 key).  Errors as auth_user_db_add().
 */
int auth_user_db_put_keys(struct auth_user_db *db, const char *name, size_t nlen,
			  const uint8_t key_md5[AUTH_LT_KEY_MD5_LEN],
			  const uint8_t *key_sha256, uint64_t expires_ms);

/**
 * Remove a user (user-del, a push API DELETE, a pushed user's expiry) and
 * wipe its keys.  The last user moves into its place; both indexes are
 * mended in place (backward-shift deletion), so a removal costs what a
 * lookup does, not O(users): a million pushed users can expire one by
 * one.  Pointers from auth_user_db_find() are invalid afterwards, as after
 * an add.
 *
 * @return 0, -ENOENT (no such user) or -EINVAL.
 */
int auth_user_db_remove(struct auth_user_db *db, const char *name, size_t len);

/**
 * Mark a user as pushed (the admin socket's user-add), so that a reload of
 * the file, which replaces the file's users, keeps it.
 *
 * @return 0, -ENOENT (no such user) or -EINVAL.
 */
int auth_user_db_mark_pushed(struct auth_user_db *db, const char *name,
			     size_t len);

/**
 * Copy every pushed user of @p src into @p dst (a table just built from
 * the file), keys and all, still marked pushed.  A pushed user wins over a
 * user of the same name in @p dst, which it replaces: the push is the
 * later decision, and dropping it is what a reload must never do.
 *
 * @param replaced  if not NULL, receives how many of @p dst's users were
 *                  replaced so
 * @return 0; -EINVAL (the realms differ: the keys would not match);
 *         -ENOMEM, -EIO.  On failure @p dst holds some of the users.
 */
int auth_user_db_merge_pushed(struct auth_user_db *dst,
			      const struct auth_user_db *src, uint32_t *replaced);

/** Find a user by name (len bytes, need not be NUL-terminated), or NULL. */
const struct auth_user *auth_user_db_find(const struct auth_user_db *db,
					  const char *name, size_t len);

/** Find a user by USERHASH, or NULL. */
const struct auth_user *
auth_user_db_find_userhash(const struct auth_user_db *db,
			   const uint8_t hash[AUTH_LT_USERHASH_LEN]);

#endif /* TURNPIKE_AUTH_LONGTERM_H */
