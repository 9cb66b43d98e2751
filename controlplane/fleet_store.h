/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Pushed credentials in the fleet's Redis (fleet_store.c): one push op
 * run against Redis, one item read back, every item of a kind listed.
 * The layout and the checks on what is read are fleet_creds.h's.  Runs on
 * the thread that owns the link (the push pipeline's store thread, or the
 * fleet thread).
 */
#ifndef TURNPIKE_FLEET_STORE_H
#define TURNPIKE_FLEET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "push_op.h"
#include "redis_link.h"

/**
 * Run @p op (PUT, GET, DEL or UNDO) and, for a change, announce it as
 * @p origin's in the same transaction.  Sets op->status as
 * push_store_run() does (201/200, 200/404, 204/404, 200); 503 when Redis
 * is unreachable (nothing was acknowledged), or, behind Sentinel with a
 * replica, when no replica has the change within FLEET_STORE_WAIT_MS (it
 * is on the master: sending it again is harmless).
 */
void fleet_store_run(struct redis_link *l, const char *realm, const char *origin,
		     struct push_op *op, int64_t now, uint64_t now_ms);

/**
 * Read one item into @p op (kind and name already set): verb PUT and its
 * value when it exists and is valid; verb DEL when Redis has none.
 * @return 0; -EINVAL for a value that fails the checks (logged, op left
 *         as DEL: a garbage value grants nothing); -EIO when the link
 *         failed.
 */
int fleet_store_read(struct redis_link *l, const char *realm,
		     struct push_op *op, int64_t now, uint64_t now_ms);

/**
 * Every item of @p kind: @p fn gets each valid one as a PUT op (wiped
 * after); garbage is logged and skipped.  @return how many were given, or
 * -EIO.
 */
int fleet_store_scan(struct redis_link *l, const char *realm,
		     enum push_kind kind, int64_t now, uint64_t now_ms,
		     void (*fn)(void *arg, struct push_op *op), void *arg);

#endif /* TURNPIKE_FLEET_STORE_H */
