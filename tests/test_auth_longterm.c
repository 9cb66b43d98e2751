/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Long-term credentials: key derivation against RFC vectors, the user
 * table's parsing (coturn's user=name:password and name:0x<key> forms) and
 * lookups by name and by USERHASH.
 *
 * Anchors that do not come from this code:
 * - RFC 5769 section 2.4: its MESSAGE-INTEGRITY was computed by the RFC's
 *   author with the MD5 long-term key, so verifying it checks our key;
 * - RFC 8489 Appendix B.1: the USERHASH value as printed; the
 *   MESSAGE-INTEGRITY-SHA256 as printed (see test_rfc8489_b1_as_printed)
 *   and as corrected by verified erratum 6268 (PASSWORD-ALGORITHM added);
 * - the MD5 key bytes of the RFC 5769 user, computed with Python's hashlib.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth_longterm.h"
#include "turnpike/stun.h"

/* "<U+30DE><U+30C8><U+30EA><U+30C3><U+30AF><U+30B9>" in UTF-8. */
static const char rfc_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa"
			       "\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";
/* "The<U+00AD>M<U+00AA>tr<U+2168>" after string preparation. */
static const char rfc_pass[] = "TheMatrIX";
static const char rfc_realm[] = "example.org";

/* clang-format off */
/* RFC 5769 section 2.4: request with long-term authentication. */
static const uint8_t rfc5769_lt[] = {
	0x00, 0x01, 0x00, 0x60, 0x21, 0x12, 0xa4, 0x42, /* header */
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, /* transaction */
	0x29, 0xda, 0x41, 0x2e,                         /* ID */
	0x00, 0x06, 0x00, 0x12, /* USERNAME (18 bytes + 2 padding) */
	0xe3, 0x83, 0x9e, 0xe3, 0x83, 0x88, 0xe3, 0x83, 0xaa, 0xe3,
	0x83, 0x83, 0xe3, 0x82, 0xaf, 0xe3, 0x82, 0xb9, 0x00, 0x00,
	0x00, 0x15, 0x00, 0x1c, /* NONCE (28 bytes) */
	'f', '/', '/', '4', '9', '9', 'k', '9', '5', '4', 'd', '6', 'O', 'L',
	'3', '4', 'o', 'L', '9', 'F', 'S', 'T', 'v', 'y', '6', '4', 's', 'A',
	0x00, 0x14, 0x00, 0x0b, /* REALM (11 bytes + 1 padding) */
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0x00,
	0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
	0xf6, 0x70, 0x24, 0x65, 0x6d, 0xd6, 0x4a, 0x3e, 0x02, 0xb8,
	0xe0, 0x71, 0x2e, 0x85, 0xc9, 0xa2, 0x8c, 0xa8, 0x96, 0x66,
};

/* MD5("<user>:example.org:TheMatrIX"), from Python's hashlib. */
static const uint8_t rfc_md5_key[16] = {
	0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51,
	0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda, 0xb2, 0xa9,
};

/* RFC 8489 Appendix B.1 USERHASH value. */
static const uint8_t rfc_userhash[32] = {
	0x4a, 0x3c, 0xf3, 0x8f, 0xef, 0x69, 0x92, 0xbd, 0xa9, 0x52, 0xc6,
	0x78, 0x04, 0x17, 0xda, 0x0f, 0x24, 0x81, 0x94, 0x15, 0x56, 0x9e,
	0x60, 0xb2, 0x05, 0xc4, 0x6e, 0x41, 0x40, 0x7f, 0x17, 0x04,
};

#define B1_NONCE "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"

/*
 * RFC 8489 Appendix B.1 as corrected by erratum 6268: the printed message
 * lacks the PASSWORD-ALGORITHM (SHA-256) its MAC covers.
 */
static const uint8_t rfc8489_b1[] = {
	0x00, 0x01, 0x00, 0x90, 0x21, 0x12, 0xa4, 0x42, /* header */
	0x78, 0xad, 0x34, 0x33, 0xc6, 0xad, 0x72, 0xc0, 0x29, 0xda, 0x41, 0x2e,
	0x00, 0x1e, 0x00, 0x20, /* USERHASH */
	0x4a, 0x3c, 0xf3, 0x8f, 0xef, 0x69, 0x92, 0xbd, 0xa9, 0x52, 0xc6,
	0x78, 0x04, 0x17, 0xda, 0x0f, 0x24, 0x81, 0x94, 0x15, 0x56, 0x9e,
	0x60, 0xb2, 0x05, 0xc4, 0x6e, 0x41, 0x40, 0x7f, 0x17, 0x04,
	0x00, 0x15, 0x00, 0x29, /* NONCE (41 bytes + 3 padding) */
	'o', 'b', 'M', 'a', 't', 'J', 'o', 's', '2', 'A', 'A', 'A', 'C', 'f',
	'/', '/', '4', '9', '9', 'k', '9', '5', '4', 'd', '6', 'O', 'L', '3',
	'4', 'o', 'L', '9', 'F', 'S', 'T', 'v', 'y', '6', '4', 's', 'A',
	0x00, 0x00, 0x00,
	0x00, 0x14, 0x00, 0x0b, /* REALM */
	'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0x00,
	0x00, 0x1d, 0x00, 0x04, /* PASSWORD-ALGORITHM: SHA-256 */
	0x00, 0x02, 0x00, 0x00,
	0x00, 0x1c, 0x00, 0x20, /* MESSAGE-INTEGRITY-SHA256 */
	0xb5, 0xc7, 0xbf, 0x00, 0x5b, 0x6c, 0x52, 0xa2, 0x1c, 0x51, 0xc5,
	0xe8, 0x92, 0xf8, 0x19, 0x24, 0x13, 0x62, 0x96, 0xcb, 0x92, 0x7c,
	0x43, 0x14, 0x93, 0x09, 0x27, 0x8c, 0xc6, 0x51, 0x8e, 0x65,
};
/* clang-format on */

static void
test_rfc5769_md5_key(void **state)
{
	struct stun_msg msg;
	uint8_t key[16];

	(void)state;
	assert_int_equal(auth_lt_key_md5(rfc_user, strlen(rfc_user), rfc_realm,
					 strlen(rfc_realm), rfc_pass,
					 strlen(rfc_pass), key),
			 0);
	assert_memory_equal(key, rfc_md5_key, sizeof(key));

	assert_int_equal(stun_msg_decode(&msg, rfc5769_lt, sizeof(rfc5769_lt)),
			 STUN_OK);
	assert_true(stun_msg_check_integrity(&msg, key, sizeof(key)));

	/* The unprepared password is a different key. */
	assert_int_equal(auth_lt_key_md5(rfc_user, strlen(rfc_user), rfc_realm,
					 strlen(rfc_realm),
					 "The\xc2\xad"
					 "M\xc2\xaatr\xe2\x85\xa8",
					 14, key),
			 0);
	assert_false(stun_msg_check_integrity(&msg, key, sizeof(key)));
}

static void
test_rfc8489_b1_userhash(void **state)
{
	uint8_t hash[32];

	(void)state;
	assert_int_equal(auth_lt_userhash(rfc_user, strlen(rfc_user), rfc_realm,
					  strlen(rfc_realm), hash),
			 0);
	assert_memory_equal(hash, rfc_userhash, sizeof(hash));
	/* The realm is part of it. */
	assert_int_equal(auth_lt_userhash(rfc_user, strlen(rfc_user),
					  "example.com", 11, hash),
			 0);
	assert_memory_not_equal(hash, rfc_userhash, sizeof(hash));
}

static void
test_rfc8489_b1_sha256(void **state)
{
	struct stun_msg msg;
	uint8_t key[32], md5[16];
	uint16_t alg = 0, len = 0;
	const uint8_t *v;

	(void)state;
	assert_int_equal(stun_msg_decode(&msg, rfc8489_b1, sizeof(rfc8489_b1)),
			 STUN_OK);
	v = stun_msg_value(&msg, STUN_SLOT_USERHASH, &len);
	assert_non_null(v);
	assert_int_equal(len, 32);
	assert_int_equal(stun_msg_get_password_algorithm(&msg, &alg), 0);
	assert_int_equal(alg, STUN_PASSWORD_ALG_SHA256);

	assert_int_equal(auth_lt_key_sha256(rfc_user, strlen(rfc_user),
					    rfc_realm, strlen(rfc_realm),
					    rfc_pass, strlen(rfc_pass), key),
			 0);
	assert_true(stun_msg_check_integrity_sha256(&msg, key, sizeof(key)));

	/* The MD5 key does not verify it. */
	assert_int_equal(auth_lt_key_md5(rfc_user, strlen(rfc_user), rfc_realm,
					 strlen(rfc_realm), rfc_pass,
					 strlen(rfc_pass), md5),
			 0);
	assert_false(stun_msg_check_integrity_sha256(&msg, md5, sizeof(md5)));
}

/*
 * The B.1 message as printed in RFC 8489 has no PASSWORD-ALGORITHM and a
 * length field of 0x9c that matches neither its size nor the rule of 14.6.
 * Its MAC nevertheless is HMAC-SHA256 under our SHA-256 key of the bytes
 * exactly as printed up to the MESSAGE-INTEGRITY-SHA256 attribute: an
 * independent confirmation of the key derivation.
 */
static void
test_rfc8489_b1_as_printed(void **state)
{
	static const uint8_t printed_mac[32] = {
		0xe4, 0x68, 0x6c, 0x8f, 0x0e, 0xde, 0xb5, 0x90,
		0x13, 0xe0, 0x70, 0x90, 0x01, 0x0a, 0x93, 0xef,
		0xcc, 0xbc, 0xcc, 0x54, 0x4c, 0x0a, 0x45, 0xd9,
		0xf8, 0x30, 0xaa, 0x6d, 0x6f, 0x73, 0x5a, 0x01,
	};
	uint8_t printed[20 + 36 + 48 + 16], key[32], mac[32];
	unsigned int mac_len = 0;

	(void)state;
	/* Header with the printed length, then USERHASH, NONCE, REALM. */
	memcpy(printed, rfc8489_b1, sizeof(printed));
	printed[3] = 0x9c;
	assert_int_equal(auth_lt_key_sha256(rfc_user, strlen(rfc_user),
					    rfc_realm, strlen(rfc_realm),
					    rfc_pass, strlen(rfc_pass), key),
			 0);
	assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), printed,
			     sizeof(printed), mac, &mac_len));
	assert_int_equal(mac_len, 32);
	assert_memory_equal(mac, printed_mac, sizeof(mac));
}

static void
test_db_rfc_user(void **state)
{
	struct auth_user_db db;
	const struct auth_user *u;
	char line[64];
	struct stun_msg msg;

	(void)state;
	assert_int_equal(auth_user_db_init(&db, rfc_realm, strlen(rfc_realm)), 0);
	snprintf(line, sizeof(line), "%s:%s", rfc_user, rfc_pass);
	assert_int_equal(auth_user_db_add(&db, line), 0);
	assert_int_equal(db.n_users, 1);

	u = auth_user_db_find(&db, rfc_user, strlen(rfc_user));
	assert_non_null(u);
	assert_string_equal(u->name, rfc_user);
	assert_memory_equal(u->key_md5, rfc_md5_key, 16);
	assert_true(u->has_sha256);
	assert_memory_equal(u->userhash, rfc_userhash, 32);
	assert_ptr_equal(auth_user_db_find_userhash(&db, rfc_userhash), u);

	assert_int_equal(stun_msg_decode(&msg, rfc8489_b1, sizeof(rfc8489_b1)),
			 STUN_OK);
	assert_true(stun_msg_check_integrity_sha256(&msg, u->key_sha256, 32));
	assert_int_equal(stun_msg_decode(&msg, rfc5769_lt, sizeof(rfc5769_lt)),
			 STUN_OK);
	assert_true(stun_msg_check_integrity(&msg, u->key_md5, 16));

	/* Same name again. */
	assert_int_equal(auth_user_db_add(&db, line), -EEXIST);
	assert_int_equal(db.n_users, 1);
	auth_user_db_free(&db);
	assert_null(db.users);
}

static void
test_db_hex_key_form(void **state)
{
	struct auth_user_db db;
	const struct auth_user *u;
	char line[80];
	struct stun_msg msg;

	(void)state;
	assert_int_equal(auth_user_db_init(&db, rfc_realm, strlen(rfc_realm)), 0);
	/* coturn's "name:0x<hex MD5 key>" form, mixed case hex. */
	snprintf(line, sizeof(line), "%s:0xE8CA7AD59D5EB0518e312911d2dab2a9",
		 rfc_user);
	assert_int_equal(auth_user_db_add(&db, line), 0);
	u = auth_user_db_find(&db, rfc_user, strlen(rfc_user));
	assert_non_null(u);
	assert_memory_equal(u->key_md5, rfc_md5_key, 16);
	assert_false(u->has_sha256);
	assert_memory_equal(u->userhash, rfc_userhash, 32);
	assert_int_equal(stun_msg_decode(&msg, rfc5769_lt, sizeof(rfc5769_lt)),
			 STUN_OK);
	assert_true(stun_msg_check_integrity(&msg, u->key_md5, 16));
	auth_user_db_free(&db);
}

static void
test_db_password_with_colon(void **state)
{
	struct auth_user_db db;
	const struct auth_user *u;
	uint8_t want[16], want256[32];

	(void)state;
	assert_int_equal(auth_user_db_init(&db, "r", 1), 0);
	assert_int_equal(auth_user_db_add(&db, "carol:pa:ss"), 0);
	u = auth_user_db_find(&db, "carol", 5);
	assert_non_null(u);
	/* Digest of the concatenation, done separately with EVP. */
	assert_int_equal(EVP_Digest("carol:r:pa:ss", 13, want, NULL, EVP_md5(),
				    NULL),
			 1);
	assert_memory_equal(u->key_md5, want, 16);
	assert_int_equal(EVP_Digest("carol:r:pa:ss", 13, want256, NULL,
				    EVP_sha256(), NULL),
			 1);
	assert_memory_equal(u->key_sha256, want256, 32);
	assert_int_equal(EVP_Digest("carol:r", 7, want256, NULL, EVP_sha256(),
				    NULL),
			 1);
	assert_memory_equal(u->userhash, want256, 32);
	auth_user_db_free(&db);
}

static void
test_db_bad_forms(void **state)
{
	static const char *const bad[] = {
		"",
		"nocolon",
		":password",
		"name:",
		"name:0x",
		"name:0x1234",                               /* short */
		"name:0xe8ca7ad59d5eb0518e312911d2dab2a9ff", /* long */
		"name:0xg8ca7ad59d5eb0518e312911d2dab2a9",   /* not hex */
		"na\tme:password",
		"name:pass\x7fword",
		"name:pass\nword",
	};
	struct auth_user_db db;
	char longname[AUTH_LT_USERNAME_MAX + 16];

	(void)state;
	assert_int_equal(auth_user_db_init(&db, "", 0), -EINVAL);
	assert_int_equal(auth_user_db_init(&db, "re\x01alm", 6), -EINVAL);
	assert_int_equal(auth_user_db_init(&db, "realm", 5), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(auth_user_db_add(&db, bad[i]), -EINVAL);
	assert_int_equal(auth_user_db_add(&db, NULL), -EINVAL);

	memset(longname, 'a', sizeof(longname));
	memcpy(longname + AUTH_LT_USERNAME_MAX + 1, ":pw", 4);
	assert_int_equal(auth_user_db_add(&db, longname), -EINVAL);
	/* At the limit it fits. */
	memcpy(longname + AUTH_LT_USERNAME_MAX, ":pw", 4);
	assert_int_equal(auth_user_db_add(&db, longname), 0);
	assert_int_equal(db.n_users, 1);
	auth_user_db_free(&db);
}

static void
test_db_lookup_misses(void **state)
{
	struct auth_user_db db;
	uint8_t hash[32];

	(void)state;
	assert_null(auth_user_db_find(NULL, "x", 1));
	assert_int_equal(auth_user_db_init(&db, "realm", 5), 0);
	/* Empty table. */
	assert_null(auth_user_db_find(&db, "alice", 5));
	assert_null(auth_user_db_find_userhash(&db, rfc_userhash));
	assert_int_equal(auth_user_db_add(&db, "alice:secret"), 0);
	assert_non_null(auth_user_db_find(&db, "alice", 5));
	assert_null(auth_user_db_find(&db, "alic", 4));
	assert_null(auth_user_db_find(&db, "alicee", 6));
	assert_null(auth_user_db_find(&db, "Alice", 5));
	/* alice's hash in another realm is not alice's hash here. */
	assert_int_equal(auth_lt_userhash("alice", 5, "other", 5, hash), 0);
	assert_null(auth_user_db_find_userhash(&db, hash));
	assert_int_equal(auth_lt_userhash("alice", 5, "realm", 5, hash), 0);
	assert_non_null(auth_user_db_find_userhash(&db, hash));
	auth_user_db_free(&db);
	/* Freed twice is harmless. */
	auth_user_db_free(&db);
}

static void
test_db_many_users(void **state)
{
	enum {
		N = 5000
	};
	struct auth_user_db db;
	char line[64], name[32], pass[32];
	uint8_t key[16], hash[32];

	(void)state;
	assert_int_equal(auth_user_db_init(&db, "big.example", 11), 0);
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "user%d:pw-%d", i, i * 7);
		assert_int_equal(auth_user_db_add(&db, line), 0);
	}
	assert_int_equal(db.n_users, N);
	for (int i = 0; i < N; i++) {
		const struct auth_user *u;
		int nlen = snprintf(name, sizeof(name), "user%d", i);
		int plen = snprintf(pass, sizeof(pass), "pw-%d", i * 7);

		u = auth_user_db_find(&db, name, (size_t)nlen);
		assert_non_null(u);
		assert_string_equal(u->name, name);
		assert_int_equal(auth_lt_userhash(name, (size_t)nlen,
						  "big.example", 11, hash),
				 0);
		assert_ptr_equal(auth_user_db_find_userhash(&db, hash), u);
		if (i % 500 == 0) {
			assert_int_equal(auth_lt_key_md5(name, (size_t)nlen,
							 "big.example", 11, pass,
							 (size_t)plen, key),
					 0);
			assert_memory_equal(u->key_md5, key, 16);
		}
	}
	assert_null(auth_user_db_find(&db, "user5000", 8));
	auth_user_db_free(&db);
}

/* Both indexes hold every user exactly once, at a slot a lookup from its
 * home reaches, and nothing else. */
static void
check_indexes(const struct auth_user_db *db)
{
	uint32_t slots = db->idx_mask + 1, filled_name = 0, filled_hash = 0;

	for (uint32_t s = 0; s < slots; s++) {
		filled_name += db->idx_name[s] != 0;
		filled_hash += db->idx_hash[s] != 0;
		assert_true(db->idx_name[s] <= db->n_users);
		assert_true(db->idx_hash[s] <= db->n_users);
	}
	assert_int_equal(filled_name, db->n_users);
	assert_int_equal(filled_hash, db->n_users);
	for (uint32_t i = 0; i < db->n_users; i++) {
		const struct auth_user *u = &db->users[i];

		assert_ptr_equal(auth_user_db_find(db, u->name, u->name_len), u);
		assert_ptr_equal(auth_user_db_find_userhash(db, u->userhash), u);
	}
}

/* Random adds and removes (re-registrations, deletes, expiries) against a
 * plain record of who should be there: the indexes, mended in place at
 * every removal, always agree with it. */
static void
test_db_remove_churn(void **state)
{
	enum {
		NAMES = 1500,
		OPS = 30000
	};
	static bool present[NAMES];
	struct auth_user_db db;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	char name[32];
	uint32_t want = 0;

	(void)state;
	memset(present, 0, sizeof(present));
	assert_int_equal(auth_user_db_init(&db, "churn.example", 13), 0);
	for (int op = 0; op < OPS; op++) {
		int k, nlen;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = (int)(x % NAMES);
		nlen = snprintf(name, sizeof(name), "u%d", k);
		if (present[k]) {
			assert_int_equal(auth_user_db_remove(&db, name,
							     (size_t)nlen),
					 0);
			present[k] = false;
			want--;
		} else {
			assert_int_equal(auth_user_db_add_password(&db, name,
								   (size_t)nlen,
								   "pw", 2),
					 0);
			present[k] = true;
			want++;
		}
		assert_int_equal(db.n_users, want);
		if (op % 3000 == 2999)
			check_indexes(&db);
	}
	for (int k = 0; k < NAMES; k++) {
		int nlen = snprintf(name, sizeof(name), "u%d", k);

		assert_int_equal(auth_user_db_find(&db, name, (size_t)nlen) !=
					 NULL,
				 present[k]);
	}
	check_indexes(&db);
	auth_user_db_free(&db);
}

/* Removal at run time (the admin socket's user-del): every other user is
 * still found by name and by USERHASH, with its own keys, and the removed
 * one by neither; removing what is absent says so. */
static void
test_db_remove(void **state)
{
	enum {
		N = 300
	};
	struct auth_user_db db;
	char line[64], name[32];
	uint8_t key[16], hash[32];

	(void)state;
	assert_int_equal(auth_user_db_init(&db, "rm.example", 10), 0);
	assert_int_equal(auth_user_db_remove(&db, "nobody", 6), -ENOENT);
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "user%d:pw-%d", i, i);
		assert_int_equal(auth_user_db_add(&db, line), 0);
	}
	/* Every third user goes, the first and the last among them. */
	for (int i = 0; i < N; i += 3) {
		int nlen = snprintf(name, sizeof(name), "user%d", i);

		assert_int_equal(auth_user_db_remove(&db, name, (size_t)nlen), 0);
		assert_int_equal(auth_user_db_remove(&db, name, (size_t)nlen),
				 -ENOENT);
	}
	assert_int_equal(auth_user_db_remove(&db, "user299", 7), 0);
	assert_int_equal(db.n_users, N - N / 3 - 1);
	for (int i = 0; i < N; i++) {
		const struct auth_user *u;
		int nlen = snprintf(name, sizeof(name), "user%d", i);
		char pass[32];
		int plen = snprintf(pass, sizeof(pass), "pw-%d", i);
		bool gone = i % 3 == 0 || i == 299;

		u = auth_user_db_find(&db, name, (size_t)nlen);
		assert_int_equal(auth_lt_userhash(name, (size_t)nlen,
						  "rm.example", 10, hash),
				 0);
		if (gone) {
			assert_null(u);
			assert_null(auth_user_db_find_userhash(&db, hash));
			continue;
		}
		assert_non_null(u);
		assert_string_equal(u->name, name);
		assert_ptr_equal(auth_user_db_find_userhash(&db, hash), u);
		assert_int_equal(auth_lt_key_md5(name, (size_t)nlen, "rm.example",
						 10, pass, (size_t)plen, key),
				 0);
		assert_memory_equal(u->key_md5, key, 16);
	}
	/* A removed name can come back with another password. */
	assert_int_equal(auth_user_db_add(&db, "user0:new-pw"), 0);
	assert_int_equal(auth_lt_key_md5("user0", 5, "rm.example", 10, "new-pw",
					 6, key),
			 0);
	assert_memory_equal(auth_user_db_find(&db, "user0", 5)->key_md5, key, 16);
	/* Down to empty, then lookups still terminate. */
	while (db.n_users > 0) {
		const struct auth_user *u = &db.users[0];

		assert_int_equal(auth_user_db_remove(&db, u->name, u->name_len),
				 0);
	}
	assert_null(auth_user_db_find(&db, "user1", 5));
	assert_int_equal(auth_user_db_remove(NULL, "x", 1), -EINVAL);
	auth_user_db_free(&db);
}

/*
 * Pushed users (the admin socket's) carried into a table rebuilt from the
 * file, as a reload does: only they move, keys and USERHASH intact, a
 * pushed user replaces the file's user of the same name, and tables of
 * different realms refuse to merge.
 */
static void
test_db_merge_pushed(void **state)
{
	struct auth_user_db live, fresh, other;
	const struct auth_user *u;
	uint8_t key[AUTH_LT_KEY_MD5_LEN], hash[AUTH_LT_USERHASH_LEN];
	uint32_t replaced = 99;

	(void)state;
	assert_int_equal(auth_user_db_init(&live, "r.example", 9), 0);
	assert_int_equal(auth_user_db_add(&live, "file-user:a"), 0);
	assert_int_equal(auth_user_db_add(&live, "dave:pushed-pw"), 0);
	assert_int_equal(auth_user_db_add(&live, "carol:pushed-pw"), 0);
	assert_int_equal(auth_user_db_mark_pushed(&live, "dave", 4), 0);
	assert_int_equal(auth_user_db_mark_pushed(&live, "carol", 5), 0);
	assert_int_equal(auth_user_db_mark_pushed(&live, "nobody", 6), -ENOENT);

	assert_int_equal(auth_user_db_init(&fresh, "r.example", 9), 0);
	assert_int_equal(auth_user_db_add(&fresh, "carol:file-pw"), 0);
	assert_int_equal(auth_user_db_add(&fresh, "erin:e"), 0);
	assert_int_equal(auth_user_db_merge_pushed(&fresh, &live, &replaced), 0);
	assert_int_equal(replaced, 1);
	assert_int_equal(fresh.n_users, 3); /* erin, dave, carol */
	assert_null(auth_user_db_find(&fresh, "file-user", 9));
	assert_non_null(auth_user_db_find(&fresh, "erin", 4));
	assert_false(auth_user_db_find(&fresh, "erin", 4)->pushed);
	u = auth_user_db_find(&fresh, "carol", 5);
	assert_non_null(u);
	assert_true(u->pushed);
	assert_int_equal(auth_lt_key_md5("carol", 5, "r.example", 9,
					 "pushed-pw", 9, key),
			 0);
	assert_memory_equal(u->key_md5, key, sizeof(key));
	assert_int_equal(auth_lt_userhash("dave", 4, "r.example", 9, hash), 0);
	u = auth_user_db_find_userhash(&fresh, hash);
	assert_non_null(u);
	assert_string_equal(u->name, "dave");
	assert_true(u->pushed);

	assert_int_equal(auth_user_db_init(&other, "s.example", 9), 0);
	assert_int_equal(auth_user_db_merge_pushed(&other, &live, NULL), -EINVAL);
	assert_int_equal(other.n_users, 0);
	auth_user_db_free(&live);
	auth_user_db_free(&fresh);
	auth_user_db_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5769_md5_key),
		cmocka_unit_test(test_rfc8489_b1_userhash),
		cmocka_unit_test(test_rfc8489_b1_sha256),
		cmocka_unit_test(test_rfc8489_b1_as_printed),
		cmocka_unit_test(test_db_rfc_user),
		cmocka_unit_test(test_db_hex_key_form),
		cmocka_unit_test(test_db_password_with_colon),
		cmocka_unit_test(test_db_bad_forms),
		cmocka_unit_test(test_db_lookup_misses),
		cmocka_unit_test(test_db_many_users),
		cmocka_unit_test(test_db_remove),
		cmocka_unit_test(test_db_remove_churn),
		cmocka_unit_test(test_db_merge_pushed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
