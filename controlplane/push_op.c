/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A push API request's helpers (see push_op.h).
 */
#include <openssl/crypto.h>

#include "push_op.h"

void
push_op_wipe(struct push_op *op)
{
	OPENSSL_cleanse(&op->value, sizeof(op->value));
	OPENSSL_cleanse(&op->prev, sizeof(op->prev));
}

const char *
push_kind_name(enum push_kind kind)
{
	switch (kind) {
	case PUSH_USER:
		return "credential";
	case PUSH_SECRET:
		return "secret";
	case PUSH_OAUTH_KEY:
		return "oauth-key";
	}
	return "?";
}
