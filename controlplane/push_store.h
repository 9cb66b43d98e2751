/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The push API's durable store: what was pushed, kept in an SQLite
 * database (push.db) in the `push-store` directory, so a restart (or a
 * crash) keeps every push that was answered.
 *
 * Why SQLite: a transaction that is on disk when COMMIT returns (WAL
 * journal, synchronous=FULL: the log is fsync'd at every commit), crash
 * recovery, and no file format of our own.  One commit serves a whole
 * batch of pushes (push_store_run()), which is what lets a disk that does
 * a few hundred fsyncs a second take thousands of pushes.
 *
 * What it keeps: a user's keys (MD5 and SHA-256, derived with the realm
 * they were pushed under; never the password), a secret's bytes, an OAuth
 * key's bytes and algorithm, and each item's creation time and (users
 * only) expiry.  The file is made mode 0600.
 *
 * One thread uses a store at a time (the pipeline's store thread; the main
 * thread before that, to load it).
 */
#ifndef TURNPIKE_PUSH_STORE_H
#define TURNPIKE_PUSH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "push_op.h"

struct push_store;

/**
 * Open (or create) @p dir/push.db for @p realm.  Users stored under
 * another realm have keys that cannot work here: push_store_load() skips
 * them with a warning.
 *
 * @return the store, or NULL with the reason in @p err.
 */
struct push_store *push_store_open(const char *dir, const char *realm,
				   char *err, size_t err_len);

/** Close @p st (NULL is fine). */
void push_store_close(struct push_store *st);

/**
 * Run @p n ops in one transaction, and commit it.  Each op gets its
 * status: PUT 201 (new) or 200 (replaced, op->prev is the old value),
 * GET 200 (op->value is the item, keys wiped) or 404, DEL 204 (op->prev is
 * what went) or 404, UNDO 200.  GETs of an expired user answer 404.
 *
 * @param now  Unix seconds
 * @return 0; or -EIO when the transaction failed, and then every op of
 *         the batch has status 503 and nothing changed.
 */
int push_store_run(struct push_store *st, struct push_op **ops, size_t n,
		   int64_t now);

/**
 * Call @p fn for every stored item that is still valid at @p now (as a
 * PUT op), deleting expired users on the way.  @p fn's op is wiped after.
 *
 * @return the number of items given to @p fn, or -EIO with @p err.
 */
int push_store_load(struct push_store *st, int64_t now,
		    void (*fn)(void *arg, const struct push_op *op), void *arg,
		    char *err, size_t err_len);

/** Delete the users whose expiry has passed.  @return how many, or -EIO. */
int push_store_purge(struct push_store *st, int64_t now);

/** @p st as a push_backend for push_pipeline_start(). */
struct push_backend push_store_backend(struct push_store *st);

#endif /* TURNPIKE_PUSH_STORE_H */
