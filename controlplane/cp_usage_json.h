/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Usage records as JSON lines (cp_usage_json.c): when an allocation ends,
 * one JSON object on one line is appended to the file the configuration's
 * usage-records-json names, for billing and abuse tooling that should not
 * have to parse log lines.  The alloc.end log line stays; this is the same
 * record for programs.
 *
 * A record (version 1), keys in this order:
 *
 *     {"v":1,"realm":"example.org","user":"1712345678:alice",
 *      "client":"192.0.2.7:51000","transport":"udp",
 *      "relay":"198.51.100.1:49200","relay2":"[2001:db8::1]:49200",
 *      "start":"2026-12-04T10:00:00.125Z","end":"2026-12-04T10:05:00.500Z",
 *      "duration_ms":300375,"pkts_from_client":15000,
 *      "bytes_from_client":2400000,"pkts_to_client":14990,
 *      "bytes_to_client":2398400}
 *
 * - realm: the configuration's; null when it has none (no-auth).
 * - user: the USERNAME the allocation authenticated with, as sent (JSON
 *   escaping makes quotes, backslashes and control characters safe); null
 *   without authentication.  A name that is not valid UTF-8 (RFC 8489 says
 *   it must be) cannot be a JSON string: it is then written as the log
 *   line escapes it (cp_log_escape(), ASCII) and "user_hex" gives its
 *   bytes exactly.
 * - relay2: only for a dual (RFC 8656 ADDITIONAL-ADDRESS-FAMILY)
 *   allocation.
 * - start, end: wall-clock UTC, RFC 3339 with milliseconds.  The TURN
 *   server's clock is CLOCK_MONOTONIC; the offset to CLOCK_REALTIME is taken
 *   once, when the file is opened, so a record's duration is exact and a
 *   step of the wall clock while the server runs does not move its records.
 * - duration_ms and the four counters: unsigned integers.
 *
 * Writes: the file is opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode
 * 0640.  Records are gathered in a 64 KiB buffer and written with one
 * write(2) per flush (the control loop flushes every tick, 10 ms, and at
 * shutdown), so a million records at shutdown are not a million system
 * calls, and each write lands whole at the file's end even with a second
 * writer.  A failed write loses the records it held; it is counted and
 * logged (the first at once, then at most one line every
 * CP_USAGE_JSON_WARN_MS), never fatal.  If a write stopped part-way, the
 * next one begins with a newline, so the damage is one bad line.
 *
 * Control thread only; nothing here is thread-safe.
 */
#ifndef TURNPIKE_CP_USAGE_JSON_H
#define TURNPIKE_CP_USAGE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "turn_server.h"

/** The version in every record's "v". */
#define CP_USAGE_JSON_VERSION 1
/** Bytes gathered before a write(2). */
#define CP_USAGE_JSON_BUF (64u * 1024u)
/** At most one warning line per this many milliseconds. */
#define CP_USAGE_JSON_WARN_MS 10000

/** The writer's counters. */
struct cp_usage_json_stats {
	uint64_t records;       /**< formatted and buffered */
	uint64_t written;       /**< of them, written to the file */
	uint64_t lost;          /**< in a write that failed */
	uint64_t write_errors;  /**< failed write(2) calls */
	uint64_t format_errors; /**< records jansson could not build */
};

struct cp_usage_json;

/**
 * Open (create) @p path for appending.  @p realm (may be NULL or "") is
 * written in every record.
 *
 * @param err  "cannot open 'PATH': reason" on failure; may be NULL.
 * @return the writer, or NULL (errno set: open(2)'s, or ENOMEM).
 */
struct cp_usage_json *cp_usage_json_open(const char *path, const char *realm,
					 char *err, size_t err_len);

/**
 * As cp_usage_json_open(), from the configuration: the file of
 * usage-records-json with the realm.  At start-up, so that a path the
 * server cannot write stops it before it runs.
 *
 * @param out  the writer; NULL when usage-records-json is not set.
 * @param err  "FILE:LINE: usage-records-json: cannot open 'PATH': reason".
 * @return 0, or -errno.
 */
int cp_usage_json_open_config(struct cp_usage_json **out,
			      const struct tp_config *cfg, char *err,
			      size_t err_len);

/**
 * Replace the wall-clock offset (CLOCK_REALTIME minus the TURN server's
 * clock, milliseconds) taken at open: for tests, and for a caller whose
 * server clock is not CLOCK_MONOTONIC.
 */
void cp_usage_json_set_clock(struct cp_usage_json *uj, int64_t wall_minus_ms);

/**
 * Format @p u as one JSON line (with its '\n') into @p buf, without
 * writing it.  @return the line's length (<= @p cap); or, when @p cap is
 * too small, the length it needs (> @p cap; nothing usable written); or
 * -ENOMEM when jansson fails.
 */
int cp_usage_json_format(const struct cp_usage_json *uj,
			 const struct turn_usage *u, char *buf, size_t cap);

/** Buffer @p u's record, writing the buffer first if it is full. */
void cp_usage_json_record(struct cp_usage_json *uj, const struct turn_usage *u);

/**
 * Write what is buffered.  @return 0, or -errno of the failed write (the
 * records it held are lost and counted, and a warning may be logged).
 */
int cp_usage_json_flush(struct cp_usage_json *uj);

/**
 * Flush, then close the file and open its path again: after logrotate
 * moved it away.  On failure the old file stays in use.  @return 0 or
 * -errno.
 */
int cp_usage_json_reopen(struct cp_usage_json *uj);

/** The counters. */
const struct cp_usage_json_stats *
cp_usage_json_stats(const struct cp_usage_json *uj);

/** Flush, close and free (NULL is fine). */
void cp_usage_json_close(struct cp_usage_json *uj);

#endif /* TURNPIKE_CP_USAGE_JSON_H */
