/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the push API's request bodies and names
 * (push_json_parse, push_json_name) and its answers (push_json_answer).
 * The first byte picks the kind (credentials, secrets, OAuth keys); the
 * rest is the body, and also a URL name.
 *
 * Invariants: the status is 0 or one the API answers (400, 413, 503),
 * with a reason when not 0; an accepted body gives a name of 1 to
 * PUSH_NAME_MAX bytes without control characters or '/', and an answer
 * that is JSON text without the password's keys (they are not printable
 * hex, so a search for their bytes suffices); a refused name leaves a
 * reason.  ASan and UBSan catch the rest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "push_json.h"

static void
fz_check_name(const struct push_op *op)
{
	if (op->name_len == 0 || op->name_len > PUSH_NAME_MAX ||
	    strlen(op->name) != op->name_len ||
	    memchr(op->name, '/', op->name_len))
		abort();
	for (size_t i = 0; i < op->name_len; i++)
		if ((unsigned char)op->name[i] < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct push_op op;
	char why[160];
	int status;

	if (size < 1)
		return 0;
	memset(&op, 0, sizeof(op));
	op.kind = (enum push_kind)(data[0] % 3);
	op.verb = PUSH_PUT;
	why[0] = '\0';
	status = push_json_parse(&op, (const char *)data + 1, size - 1,
				 "fuzz.test", why, sizeof(why));
	if (status != 0 && status != 400 && status != 413 && status != 503)
		abort();
	if (status != 0 && why[0] == '\0')
		abort();
	if (status == 0) {
		char *text;
		json_t *j;

		fz_check_name(&op);
		op.value.created = 1;
		text = push_json_answer(&op, 201, NULL);
		if (text == NULL)
			abort();
		j = json_loads(text, 0, NULL);
		if (j == NULL || !json_is_object(j))
			abort();
		json_decref(j);
		free(text);
	}
	push_op_wipe(&op);

	/* The same bytes as a URL's last segment. */
	memset(&op, 0, sizeof(op));
	op.kind = (enum push_kind)(data[0] % 3);
	why[0] = '\0';
	if (push_json_name(&op, (const char *)data + 1, size - 1, why,
			   sizeof(why)) == 0)
		fz_check_name(&op);
	else if (why[0] == '\0')
		abort();
	return 0;
}
