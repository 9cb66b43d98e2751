/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Usage records as JSON lines (see cp_usage_json.h for the record and the
 * write discipline).  Control thread only.  Owns the file descriptor, its
 * path, and the buffer of records not yet written.
 *
 * The JSON is jansson's (json_pack, then json_dumpb with JSON_COMPACT
 * straight into the buffer): a USERNAME is whatever a client sent, and
 * quoting it by hand is how a quote or a control character ends up
 * forging a field for the billing system.  jansson also refuses a string
 * that is not UTF-8, which is how an invalid name is noticed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cp_log.h"
#include "cp_usage_json.h"
#include "turnpike/dp_msg.h"

struct cp_usage_json {
	int fd;
	char *path;
	char *realm; /* NULL: none */
	int64_t wall_minus_ms;
	/* The previous write stopped part-way: begin the next with '\n'. */
	bool torn;
	size_t len;            /* bytes in buf */
	uint64_t n_buffered;   /* records in buf */
	uint64_t next_warn_ms; /* no warning before (CLOCK_MONOTONIC) */
	uint64_t lost_unreported;
	struct cp_usage_json_stats st;
	char buf[CP_USAGE_JSON_BUF];
};

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
usage_json_open_fd(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

struct cp_usage_json *
cp_usage_json_open(const char *path, const char *realm, char *err, size_t err_len)
{
	struct cp_usage_json *uj = calloc(1, sizeof(*uj));
	int e;

	if (uj == NULL || (uj->path = strdup(path)) == NULL ||
	    (realm != NULL && realm[0] != '\0' &&
	     (uj->realm = strdup(realm)) == NULL)) {
		e = ENOMEM;
		goto fail;
	}
	uj->fd = usage_json_open_fd(path);
	if (uj->fd < 0) {
		e = errno;
		goto fail;
	}
	uj->wall_minus_ms = clock_ms(CLOCK_REALTIME) - clock_ms(CLOCK_MONOTONIC);
	return uj;
fail:
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, "cannot open '%s': %s", path, strerror(e));
	if (uj != NULL) {
		free(uj->path);
		free(uj->realm);
		free(uj);
	}
	errno = e;
	return NULL;
}

int
cp_usage_json_open_config(struct cp_usage_json **out,
			  const struct tp_config *cfg, char *err, size_t err_len)
{
	char why[TP_CONFIG_PATH_MAX + 128];
	int e;

	*out = NULL;
	if (cfg->usage_records_json == NULL)
		return 0;
	*out = cp_usage_json_open(cfg->usage_records_json, cfg->realm, why,
				  sizeof(why));
	if (*out != NULL)
		return 0;
	e = errno;
	if (err != NULL && err_len > 0)
		snprintf(err, err_len, "%s:%u: %s: %s", cfg->file,
			 cfg->line[TP_CONFIG_KEY_USAGE_RECORDS_JSON],
			 tp_config_key_name(TP_CONFIG_KEY_USAGE_RECORDS_JSON),
			 why);
	return -e;
}

void
cp_usage_json_set_clock(struct cp_usage_json *uj, int64_t wall_minus_ms)
{
	uj->wall_minus_ms = wall_minus_ms;
}

/* "2026-12-04T10:00:00.125Z" (RFC 3339, UTC); times before 1970 are 1970. */
static void
usage_json_time(char *out, size_t cap, int64_t wall_ms)
{
	time_t s;
	struct tm tm;
	size_t n;

	if (wall_ms < 0)
		wall_ms = 0;
	s = (time_t)(wall_ms / 1000);
	gmtime_r(&s, &tm);
	n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, cap - n, ".%03dZ", (int)(wall_ms % 1000));
}

/*
 * "user", and "user_hex" for a name that is not UTF-8 (see the header);
 * added to @p obj.  @return 0 or -1.
 */
static int
usage_json_user(json_t *obj, const char *name)
{
	size_t len = strlen(name);
	char escaped[CP_LOG_ESCAPED_SIZE(TURN_USERNAME_MAX)];
	char hex[2 * TURN_USERNAME_MAX + 1];
	json_t *s;

	if (len == 0)
		return json_object_set_new(obj, "user", json_null());
	s = json_stringn(name, len);
	if (s != NULL)
		return json_object_set_new(obj, "user", s);
	cp_log_escape(escaped, sizeof(escaped), name, len);
	for (size_t i = 0; i < len && i < TURN_USERNAME_MAX; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)name[i]);
	return json_object_set_new(obj, "user", json_string(escaped)) != 0 ||
			       json_object_set_new(obj, "user_hex",
						   json_string(hex)) != 0 ?
		       -1 :
		       0;
}

/* The record as a jansson object, keys in the header's order; NULL. */
static json_t *
usage_json_build(const struct cp_usage_json *uj, const struct turn_usage *u)
{
	char client[TP_ADDR_STRLEN], relay[TP_ADDR_STRLEN];
	char start[40], end[40];
	json_t *obj, *tail;

	obj = json_pack("{s:i, s:s?}", "v", CP_USAGE_JSON_VERSION, "realm",
			uj->realm);
	if (obj == NULL || usage_json_user(obj, u->username) != 0)
		goto fail;
	if (json_object_update_new(obj,
				   json_pack("{s:s, s:s, s:s}", "client",
					     tp_addr_format(&u->client, client,
							    sizeof(client)),
					     "transport",
					     tp_transport_name(u->transport),
					     "relay",
					     tp_addr_format(&u->relay, relay,
							    sizeof(relay)))) != 0)
		goto fail;
	if (u->relay2.ip.family != TP_AF_NONE &&
	    json_object_set_new(obj, "relay2",
				json_string(tp_addr_format(&u->relay2, relay,
							   sizeof(relay)))) != 0)
		goto fail;
	usage_json_time(start, sizeof(start),
			(int64_t)u->start_ms + uj->wall_minus_ms);
	usage_json_time(end, sizeof(end), (int64_t)u->end_ms + uj->wall_minus_ms);
	tail = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "start", start,
			 "end", end, "duration_ms",
			 (json_int_t)(u->end_ms - u->start_ms),
			 "pkts_from_client",
			 (json_int_t)u->usage.pkts_from_client,
			 "bytes_from_client",
			 (json_int_t)u->usage.bytes_from_client,
			 "pkts_to_client", (json_int_t)u->usage.pkts_to_client,
			 "bytes_to_client", (json_int_t)u->usage.bytes_to_client);
	if (json_object_update_new(obj, tail) != 0)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

int
cp_usage_json_format(const struct cp_usage_json *uj, const struct turn_usage *u,
		     char *buf, size_t cap)
{
	json_t *obj = usage_json_build(uj, u);
	size_t n;

	if (obj == NULL)
		return -ENOMEM;
	/* json_dumpb() writes at most its size and returns the length the
	 * whole text needs; one byte is kept for the newline. */
	n = json_dumpb(obj, buf, cap > 0 ? cap - 1 : 0, JSON_COMPACT);
	json_decref(obj);
	if (n == 0)
		return -ENOMEM;
	if (n + 1 > cap)
		return (int)(n + 1);
	buf[n] = '\n';
	return (int)(n + 1);
}

/* A failed write: count it, and say so now and then. */
static void
usage_json_failed(struct cp_usage_json *uj, int e)
{
	uint64_t now = (uint64_t)clock_ms(CLOCK_MONOTONIC);

	uj->st.write_errors++;
	uj->st.lost += uj->n_buffered;
	uj->lost_unreported += uj->n_buffered;
	if (now < uj->next_warn_ms)
		return;
	cp_log(CP_LOG_WARN, "usage_json.write_error",
	       "path=%s error=%s records_lost=%" PRIu64
	       " write_errors_total=%" PRIu64,
	       uj->path, strerror(e), uj->lost_unreported, uj->st.write_errors);
	uj->lost_unreported = 0;
	uj->next_warn_ms = now + CP_USAGE_JSON_WARN_MS;
}

int
cp_usage_json_flush(struct cp_usage_json *uj)
{
	size_t done = 0;
	int rc = 0;

	if (uj == NULL || uj->len == 0)
		return 0;
	if (uj->torn) {
		if (write(uj->fd, "\n", 1) != 1) {
			rc = -errno;
			goto out;
		}
		uj->torn = false;
	}
	while (done < uj->len) {
		ssize_t n = write(uj->fd, uj->buf + done, uj->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			uj->torn = done > 0;
			break;
		}
		done += (size_t)n;
	}
out:
	if (rc != 0)
		usage_json_failed(uj, -rc);
	else
		uj->st.written += uj->n_buffered;
	uj->len = 0;
	uj->n_buffered = 0;
	return rc;
}

void
cp_usage_json_record(struct cp_usage_json *uj, const struct turn_usage *u)
{
	size_t room = sizeof(uj->buf) - uj->len;
	int n = cp_usage_json_format(uj, u, uj->buf + uj->len, room);

	if (n > 0 && (size_t)n > room) {
		/* It did not fit: write out the others, then it has all. */
		cp_usage_json_flush(uj);
		room = sizeof(uj->buf);
		n = cp_usage_json_format(uj, u, uj->buf, room);
	}
	if (n <= 0 || (size_t)n > room) {
		uj->st.format_errors++;
		return;
	}
	uj->len += (size_t)n;
	uj->n_buffered++;
	uj->st.records++;
}

int
cp_usage_json_reopen(struct cp_usage_json *uj)
{
	int fd;

	cp_usage_json_flush(uj);
	fd = usage_json_open_fd(uj->path);
	if (fd < 0) {
		int e = errno;

		cp_log(CP_LOG_WARN, "usage_json.reopen", "path=%s error=%s",
		       uj->path, strerror(e));
		return -e;
	}
	close(uj->fd);
	uj->fd = fd;
	uj->torn = false;
	return 0;
}

const struct cp_usage_json_stats *
cp_usage_json_stats(const struct cp_usage_json *uj)
{
	return &uj->st;
}

void
cp_usage_json_close(struct cp_usage_json *uj)
{
	if (uj == NULL)
		return;
	cp_usage_json_flush(uj);
	close(uj->fd);
	free(uj->path);
	free(uj->realm);
	free(uj);
}
