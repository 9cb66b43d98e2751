/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread's side of the push API (push_apply.c): a stored
 * change put into the credential tables the authentication step reads,
 * the store's contents loaded at start-up, and pushed users removed when
 * their lifetime ends.  Control thread only, like the tables.
 */
#ifndef TURNPIKE_PUSH_APPLY_H
#define TURNPIKE_PUSH_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "cp_setup.h"
#include "push_op.h"
#include "turn_server.h"

/** One pushed user's end, in a min-heap by time. */
struct push_expiry {
	uint64_t expires_ms;
	char *name; /**< owned */
};

struct push_apply {
	struct cp_objects *obj;        /**< the tables */
	const struct turn_server *srv; /**< for allocations kept; may be NULL */
	uint64_t now_ms;               /**< the server's clock, last turn */
	/* Ends of pushed users.  An entry whose user has since been pushed
	 * again, deleted or expired is stale: the user's own expires_ms
	 * decides, so replacing a user costs no search here. */
	struct push_expiry *heap;
	size_t n_heap, cap_heap;
	uint64_t applied, rejected, expired;
};

/** Start @p a on @p obj's tables. */
void push_apply_init(struct push_apply *a, struct cp_objects *obj,
		     const struct turn_server *srv);

/** Free @p a's heap. */
void push_apply_fini(struct push_apply *a);

/**
 * Put one stored change into the tables (a push_apply_fn; @p arg is the
 * struct push_apply).  A change the tables refuse (a full secret ring, a
 * mechanism the configuration left off) sets op->status >= 400 and
 * op->error.
 */
void push_apply_op(void *arg, struct push_op *op);

/** The same for an item loaded from the store at start-up; a refusal is
 *  logged.  (A push_store_load() callback.) */
void push_apply_loaded(void *arg, const struct push_op *op);

/** Remove the pushed users whose time has come; cheap when none is. */
void push_apply_expire(struct push_apply *a, uint64_t now_ms);

#endif /* TURNPIKE_PUSH_APPLY_H */
