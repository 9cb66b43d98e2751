/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for stream framing (turnpike/stream_frame.h): arbitrary
 * bytes, delivered in two reads split where the first input byte says, are
 * framed as the stream thread frames them.  A frame must lie inside what
 * was buffered, carry at most three bytes of padding, stay under the bound
 * given, and the frames of the split stream must be those of the whole
 * one; anything else aborts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turnpike/stream_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MSG 4096
#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

/* Frame @buf; @return bytes consumed, frames counted in *n. */
static size_t
frame(const uint8_t *buf, size_t len, unsigned int *n, int *end)
{
	struct stream_frame f;
	size_t off = 0;
	int rc;

	while ((rc = stream_frame_next(buf + off, len - off, MAX_MSG, &f)) == 1) {
		CHECK(f.len >= f.msg_len && f.len - f.msg_len <= 3);
		CHECK(f.msg_len <= MAX_MSG && f.len <= len - off);
		CHECK(f.kind == STREAM_FRAME_STUN ||
		      f.kind == STREAM_FRAME_CHANNEL_DATA);
		off += f.len;
		(*n)++;
	}
	CHECK(rc == 0 || rc == -EPROTO || rc == -EMSGSIZE);
	*end = rc;
	return off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 17];
	unsigned int whole = 0, split = 0;
	size_t cut, used;
	int end_whole, end_split;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	cut = size > 1 ? data[0] % size : 0;
	data++;
	size--;
	(void)frame(data, size, &whole, &end_whole);
	/* First read: cut bytes; then the tail with the rest appended. */
	used = frame(data, cut, &split, &end_split);
	if (end_split == 0) {
		memcpy(buf, data + used, size - used);
		(void)frame(buf, size - used, &split, &end_split);
		CHECK(split == whole && end_split == end_whole);
	}
	return 0;
}
