/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Structured logging (see cp_log.h).  Control thread and tools only: the
 * fast path counts instead of logging.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cp_log.h"

/* Read by every thread that logs, set by the control thread (start-up, a
 * reload): relaxed atomics, as a level seen a line late does no harm. */
static int log_level = CP_LOG_INFO;
static const char *const level_names[] = { "error", "warn", "info", "debug" };

void
cp_log_set_level(enum cp_log_level level)
{
	__atomic_store_n(&log_level, (int)level, __ATOMIC_RELAXED);
}

int
cp_log_level_parse(const char *text, enum cp_log_level *level)
{
	for (int i = 0; i <= CP_LOG_DEBUG; i++)
		if (strcmp(text, level_names[i]) == 0) {
			*level = (enum cp_log_level)i;
			return 0;
		}
	return -EINVAL;
}

void
cp_log(enum cp_log_level level, const char *event, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char line[1024];
	va_list ap;
	int n;

	if ((int)level > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		     level_names[level], event);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
	if (level <= CP_LOG_WARN)
		fflush(stderr);
}

void
cp_log_buffered(void)
{
	static char buf[1 << 16];

	setvbuf(stderr, buf, _IOFBF, sizeof(buf));
}

void
cp_log_flush(void)
{
	fflush(stderr);
}

const char *
cp_log_escape(char *out, size_t cap, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c > ' ' && c < 0x7f && c != '\\') {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (o + 4 >= cap)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return out;
}
