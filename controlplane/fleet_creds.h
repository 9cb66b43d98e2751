/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * How pushed credentials are laid out in the fleet's Redis
 * (fleet_creds.c): key names, and the values read back, checked before
 * anything is believed.  Pure: no I/O.
 *
 * coturn's layout (its redis-userdb schema) where coturn has one, so a
 * coturn server and turnpike relays can share a database:
 *
 *   turn/realm/<realm>/user/<name>/key   string: the MD5 long-term key
 *                                        (RFC 8489 9.2.2), 32 hex digits
 *   turn/oauth/kid/<kid>                 hash: ikm_key (base64), as_rs_alg
 *                                        ("A128GCM", "A256GCM"),
 *                                        timestamp, lifetime, realm
 *
 * and turnpike's own for what coturn has no place for:
 *
 *   turnpike/realm/<realm>/user/<name>   hash: sha256 (64 hex digits; the
 *                                        SHA-256 key), created, expires
 *                                        (Unix seconds, 0 = never)
 *   turnpike/realm/<realm>/secret/<id>   string: a REST shared secret's
 *                                        bytes (coturn keeps secrets in a
 *                                        set without ids; an id is what
 *                                        lets the push API replace one)
 *
 * A user with a lifetime has both of its keys expire in Redis at that
 * time (PEXPIREAT), so a dead user leaves the whole fleet even if no relay
 * is up when it ends.  A user written by coturn (its key only) is read as
 * an MD5-only user.
 *
 * Every change is announced on the channel FLEET_CHANNEL as one message
 * "<origin>\t<kind>\t<name>", kind "user", "secret" or "oauth": each relay
 * then reads the item again (or finds it gone) and applies that; the
 * origin relay skips its own.  The message carries no key material.
 */
#ifndef TURNPIKE_FLEET_CREDS_H
#define TURNPIKE_FLEET_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "push_op.h"

/** The channel of change announcements. */
#define FLEET_CHANNEL "turnpike/fleet/invalidate"
/** Longest key name built here. */
#define FLEET_KEY_MAX 512
/** Longest origin of an announcement (a relay's fleet id). */
#define FLEET_ORIGIN_MAX 128
/** Longest announcement, with its NUL: the longest origin and name, the
 *  longest kind ("secret") and two tabs. */
#define FLEET_MSG_MAX (FLEET_ORIGIN_MAX + PUSH_NAME_MAX + 16)
/** Latest created or expires read back: Unix seconds whose milliseconds
 *  still fit in an int64_t. */
#define FLEET_SECONDS_MAX (INT64_MAX / 1000)

/** Which key of an item (users have two). */
enum fleet_key_role {
	FLEET_KEY_MAIN, /**< user: coturn's .../key; secret; OAuth hash */
	FLEET_KEY_META, /**< user: turnpike's hash */
};

/**
 * The Redis key of @p kind/@p name under @p realm.
 * @return its length, -ENAMETOOLONG, or -EINVAL for a NUL in the name.
 */
int fleet_key(char *out, size_t cap, const char *realm, enum push_kind kind,
	      enum fleet_key_role role, const char *name, size_t name_len);

/**
 * A SCAN MATCH pattern for every item of @p kind under @p realm (glob
 * characters in the realm escaped).  @return its length or -ENAMETOOLONG.
 */
int fleet_key_pattern(char *out, size_t cap, const char *realm,
		      enum push_kind kind);

/**
 * The name inside a key SCAN returned for @p kind: @return its length (in
 * @p name, NUL-terminated), or -EINVAL if @p key is not one of ours.
 */
int fleet_key_name(const char *key, size_t key_len, const char *realm,
		   enum push_kind kind, char *name, size_t cap);

/** Lower-case hex of @p n bytes into @p out (2n + 1 bytes). */
void fleet_hex(const uint8_t *in, size_t n, char *out);

/** Exactly 2n hex digits into @p n bytes.  @return 0 or -EINVAL. */
int fleet_unhex(const char *in, size_t len, uint8_t *out, size_t n);

/**
 * A user from what Redis holds: @p md5 (coturn's key, required), and the
 * fields of turnpike's hash (any may be NULL: absent).  Hex digits in
 * either case; created and expires decimal digits only, at most
 * FLEET_SECONDS_MAX (absent: 0).  Fills @p v.
 * @return 0, or -EINVAL with @p why set.
 */
int fleet_user_decode(const char *md5, size_t md5_len, const char *sha256,
		      size_t sha_len, const char *created, size_t created_len,
		      const char *expires, size_t expires_len,
		      struct push_value *v, const char **why);

/** A secret's bytes.  @return 0, or -EINVAL with @p why set. */
int fleet_secret_decode(const char *bytes, size_t len, struct push_value *v,
			const char **why);

/**
 * An OAuth key from coturn's hash fields (ikm_key canonical base64 of a
 * key of as_rs_alg's size, as_rs_alg exactly "A128GCM" or "A256GCM"), for
 * @p kid (1..AUTH_OAUTH_KID_MAX bytes, no NUL).
 * @return 0, or -EINVAL with @p why set.
 */
int fleet_oauth_decode(const char *kid, size_t kid_len, const char *ikm,
		       size_t ikm_len, const char *alg, size_t alg_len,
		       struct push_value *v, const char **why);

/**
 * An announcement: "<origin>\t<kind>\t<name>".
 * @return its length; -EINVAL for what fleet_msg_parse() would refuse
 *         (an empty or over-long origin or name, a tab in the origin, a
 *         tab or NUL in the name); -ENAMETOOLONG if it does not fit in
 *         @p cap.
 */
int fleet_msg_format(char *out, size_t cap, const char *origin,
		     enum push_kind kind, const char *name, size_t name_len);

/**
 * Split an announcement.  @p origin and @p name point into @p msg (not
 * NUL-terminated; lengths given).  @return 0, or -EINVAL for anything
 * else (a wrong shape: not exactly two tabs, a NUL anywhere; an unknown
 * kind; an empty or over-long part).
 */
int fleet_msg_parse(const char *msg, size_t len, const char **origin,
		    size_t *origin_len, enum push_kind *kind, const char **name,
		    size_t *name_len);

#endif /* TURNPIKE_FLEET_CREDS_H */
