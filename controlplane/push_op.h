/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One request of the credential push API, as it travels from an HTTP
 * thread (push_http.c) through the store's thread (push_store.c, via
 * push_pipeline.c) to the control thread (push_apply.c) and back.
 *
 * An op carries key material, never a password: the HTTP thread derives a
 * long-term user's keys from the password and the realm and wipes the
 * password at once.  Whoever finishes with an op wipes it
 * (push_op_wipe()).
 */
#ifndef TURNPIKE_PUSH_OP_H
#define TURNPIKE_PUSH_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_longterm.h"
#include "auth_oauth.h"
#include "auth_rest.h"

/** What an op is about. */
enum push_kind {
	PUSH_USER,      /**< a long-term user (/v1/credentials) */
	PUSH_SECRET,    /**< a REST shared secret (/v1/secrets) */
	PUSH_OAUTH_KEY, /**< an RFC 7635 token key (/v1/oauth-keys) */
};

/** What an op does. */
enum push_verb {
	PUSH_PUT,  /**< create or replace (POST) */
	PUSH_GET,  /**< read the public facts of one (GET) */
	PUSH_DEL,  /**< remove (DELETE) */
	PUSH_UNDO, /**< put back what a PUT replaced: its apply failed */
};

/** Longest name of any kind: a user name, a secret id or a kid. */
#define PUSH_NAME_MAX AUTH_LT_USERNAME_MAX

/** The value of one pushed item (what the store keeps). */
struct push_value {
	/* PUSH_USER */
	uint8_t key_md5[AUTH_LT_KEY_MD5_LEN];
	uint8_t key_sha256[AUTH_LT_KEY_SHA256_LEN];
	bool has_sha256; /**< false when pushed as an MD5 key (0x form) */
	/* PUSH_SECRET */
	uint8_t secret[AUTH_REST_SECRET_MAX];
	size_t secret_len;
	/* PUSH_OAUTH_KEY (its kid is the op's name) */
	struct auth_oauth_key oauth;
	/** Unix seconds; 0 = never (users only). */
	int64_t expires;
	/** Unix seconds when it was pushed. */
	int64_t created;
};

/** One request.  The HTTP thread owns it (on its stack) throughout. */
struct push_op {
	enum push_kind kind;
	enum push_verb verb;
	char name[PUSH_NAME_MAX + 1];
	size_t name_len;
	struct push_value value; /**< PUT: the new one; GET: what was found */

	/* Filled by the store's thread. */
	/** What a PUT replaced or a DEL removed, for the control thread
	 *  (which takes the old secret out of its ring) and for an UNDO. */
	struct push_value prev;
	bool had_prev;

	/* The answer. */
	int status;      /**< HTTP status; 0 while in flight */
	char error[160]; /**< the message of a status >= 400 */

	/**
	 * Called once when the answer is ready, from the store's or the
	 * control thread (push_pipeline_submit()); it may free the op.  NULL
	 * for push_pipeline_run(), which waits instead.
	 */
	void (*done)(struct push_op *op);
	void *done_arg;

	/* The pipeline's. */
	struct push_op *next;
	bool finished; /**< push_pipeline_run()'s answer is ready */
};

/**
 * Where ops are kept (push_pipeline.h runs them on its store thread):
 * the SQLite store (push_store.h) or the fleet's Redis (fleet.h).
 */
struct push_backend {
	void *ctx;
	/** Run @p n ops as one batch; each gets its status (see
	 *  push_store_run()).  @p now: Unix seconds.  @return 0 or -EIO. */
	int (*run)(void *ctx, struct push_op **ops, size_t n, int64_t now);
	/** Forget users whose expiry has passed; NULL when the backend
	 *  does that itself. */
	int (*purge)(void *ctx, int64_t now);
};

/** Wipe every secret byte of @p op (its keys, secrets and prev). */
void push_op_wipe(struct push_op *op);

/** The kind's name as the API spells it: "credential", "secret", ... */
const char *push_kind_name(enum push_kind kind);

#endif /* TURNPIKE_PUSH_OP_H */
