/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Structured logs for the control thread and the tools: one line per event,
 * `time level event key=value ...`, to stderr.  Never called from the fast
 * path (it formats and writes).  cp_log() itself keeps no state but the
 * level, and writes each line with one stdio call, so the exporters'
 * threads (metrics HTTP) may log too; the level is an atomic, which the
 * control thread sets at start-up and at a reload.
 */
#ifndef TURNPIKE_CP_LOG_H
#define TURNPIKE_CP_LOG_H

#include <stddef.h>

enum cp_log_level {
	CP_LOG_ERROR,
	CP_LOG_WARN,
	CP_LOG_INFO,
	CP_LOG_DEBUG,
};

/** Set the most verbose level written (default CP_LOG_INFO). */
void cp_log_set_level(enum cp_log_level level);

/** Parse "error", "warn", "info" or "debug".  @return 0 or -EINVAL. */
int cp_log_level_parse(const char *text, enum cp_log_level *level);

/**
 * Buffer stderr (64 KiB) instead of a write per line: a busy control
 * thread (a million usage records at shutdown) would otherwise spend its
 * time in write(2).  Errors and warnings are still flushed at once; the
 * caller flushes the rest with cp_log_flush() at least once per loop turn.
 */
void cp_log_buffered(void);

/** Write out what cp_log_buffered() holds. */
void cp_log_flush(void);

/**
 * Write one line: @p event is a short dotted name ("alloc.end"), the
 * format gives the key=value pairs.
 */
void cp_log(enum cp_log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Room cp_log_escape() needs for @p len bytes, with the NUL. */
#define CP_LOG_ESCAPED_SIZE(len) (4 * (size_t)(len) + 1)

/**
 * Copy a client-supplied name (a USERNAME, a REST user id, a kid) into
 * @p out so that it cannot forge a log field or end an admin reply early:
 * printable ASCII other than space and backslash is kept, every other byte
 * (controls, newline, space, NUL, bytes >= 0x7f, '\\') becomes "\\xHH".
 * Stops short, on a whole escape, when @p cap is too small
 * (CP_LOG_ESCAPED_SIZE(len) always suffices).  @p cap must be > 0.
 * @return @p out, NUL-terminated.
 */
const char *cp_log_escape(char *out, size_t cap, const char *in, size_t len);

#endif /* TURNPIKE_CP_LOG_H */
