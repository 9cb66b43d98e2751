/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The push API's JSON (push_json.c): a request body into a struct
 * push_op, and an answered op into its body.
 *
 *   credentials  {"username": S, "password": S, "lifetime": N?}
 *   secrets      {"id": S, "secret": S}
 *   oauth-keys   {"kid": S, "key": BASE64, "alg": "A128GCM"|"A256GCM"}
 *
 * Strict: a body that is not one JSON object, a duplicate, missing or
 * unknown member, a wrong type, a NUL in a string or a value over its
 * limit is refused with the reason.  A user's password becomes its MD5
 * and SHA-256 keys for the realm here and is wiped, with every string of
 * the parsed body.
 *
 * Why jansson: a strict RFC 8259 parser in Debian whose unpack formats
 * check types, required and unknown members in one call and give string
 * lengths.
 */
#ifndef TURNPIKE_PUSH_JSON_H
#define TURNPIKE_PUSH_JSON_H

#include <stddef.h>

#include "push_op.h"

/** Largest request body, bytes. */
#define PUSH_BODY_MAX 8192
/** Longest lifetime of a pushed user, seconds (a year). */
#define PUSH_LIFETIME_MAX 31536000

/**
 * Parse a POST body for op->kind into @p op (name and value).
 * @return 0; or the HTTP status to answer (400, 413, 503) with @p why.
 */
int push_json_parse(struct push_op *op, const char *body, size_t len,
		    const char *realm, char *why, size_t wlen);

/**
 * Set op->name from a URL's last segment (already %-decoded): the same
 * rules as in a body.  @return 0 or -EINVAL with @p why.
 */
int push_json_name(struct push_op *op, const char *s, size_t len, char *why,
		   size_t wlen);

/**
 * The body answering @p op with @p status: its public facts for 200 and
 * 201 (never key material), {"error": @p error} from 400 up, NULL for 204
 * (no body) or no memory.  Free it with free().
 */
char *push_json_answer(const struct push_op *op, int status, const char *error);

#endif /* TURNPIKE_PUSH_JSON_H */
