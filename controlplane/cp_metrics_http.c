/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics port on civetweb (see cp_metrics_http.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "cp_log.h"
#include "cp_metrics_http.h"

struct cp_metrics_http {
	struct mg_context *ctx;
	struct cp_snapshot *snap;
	struct cp_metrics_info info;
	const volatile bool *stopping;
};

/* GET or HEAD; anything else is answered 405 here.  @return true if the
 * handler may go on. */
static bool
method_ok(struct mg_connection *c)
{
	const char *m = mg_get_request_info(c)->request_method;

	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		return true;
	mg_send_http_error(c, 405, "GET or HEAD\n");
	return false;
}

static bool
is_head(struct mg_connection *c)
{
	return strcmp(mg_get_request_info(c)->request_method, "HEAD") == 0;
}

/* A short text answer. */
static int
text(struct mg_connection *c, int status, const char *body)
{
	size_t n = strlen(body);

	mg_printf(c,
		  "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		  "Content-Length: %zu\r\nCache-Control: no-store\r\n\r\n",
		  status, status == 200 ? "OK" : "Service Unavailable", n);
	if (!is_head(c))
		mg_write(c, body, n);
	return status;
}

static int
handle_metrics(struct mg_connection *c, void *arg)
{
	struct cp_metrics_http *h = arg;
	struct cp_snapshot_data *d;
	char *buf = NULL;
	int n;

	if (!method_ok(c))
		return 405;
	d = malloc(sizeof(*d));
	if (d == NULL || !cp_snapshot_read(h->snap, d)) {
		free(d);
		return text(c, 503, "no figures yet\n");
	}
	n = cp_metrics_render(d, &h->info, NULL, 0);
	if (n >= 0)
		buf = malloc((size_t)n + 1);
	if (buf == NULL ||
	    cp_metrics_render(d, &h->info, buf, (size_t)n + 1) != n) {
		free(buf);
		free(d);
		mg_send_http_error(c, 500, "cannot render\n");
		return 500;
	}
	mg_printf(c,
		  "HTTP/1.1 200 OK\r\n"
		  "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		  "Content-Length: %d\r\nCache-Control: no-store\r\n\r\n",
		  n);
	if (!is_head(c))
		mg_write(c, buf, (size_t)n);
	free(buf);
	free(d);
	return 200;
}

static int
handle_live(struct mg_connection *c, void *arg)
{
	(void)arg;
	if (!method_ok(c))
		return 405;
	return text(c, 200, "live\n");
}

static int
handle_ready(struct mg_connection *c, void *arg)
{
	struct cp_metrics_http *h = arg;
	bool ready, draining = false;

	if (!method_ok(c))
		return 405;
	ready = cp_snapshot_published(h->snap, &draining) && !*h->stopping;
	/* A draining server serves its allocations but takes no new ones:
	 * a load balancer should send new clients elsewhere. */
	if (ready && draining)
		return text(c, 503, "draining\n");
	return ready ? text(c, 200, "ready\n") : text(c, 503, "not ready\n");
}

/* civetweb's own messages go to our log, escaped: they may quote what a
 * client sent, and a newline in it must not forge a log line. */
static int
log_message(const struct mg_connection *c, const char *msg)
{
	char safe[CP_LOG_ESCAPED_SIZE(200)];

	(void)c;
	cp_log_escape(safe, sizeof(safe), msg, strnlen(msg, 200));
	cp_log(CP_LOG_WARN, "metrics.http", "message=%s", safe);
	return 1;
}

struct cp_metrics_http *
cp_metrics_http_start(const struct tp_ip *ip, uint16_t port,
		      struct cp_snapshot *snap,
		      const struct cp_metrics_info *info,
		      const volatile bool *stopping, char *err, size_t err_len)
{
	struct cp_metrics_http *h = calloc(1, sizeof(*h));
	struct mg_callbacks cb = { .log_message = log_message };
	char ip_text[TP_ADDR_STRLEN], listen[TP_ADDR_STRLEN + 16];
	char why[256] = "";
	unsigned code = 0;
	struct mg_error_data e = { &code, why, sizeof(why) };
	const char *opts[] = {
		"listening_ports",
		listen,
		"num_threads",
		"2",
		"request_timeout_ms",
		"10000",
		"enable_keep_alive",
		"yes",
		NULL,
	};
	struct mg_init_data init = { &cb, NULL, opts };

	if (h == NULL) {
		snprintf(err, err_len, "metrics: no memory");
		return NULL;
	}
	h->snap = snap;
	h->info = *info;
	h->stopping = stopping;
	tp_ip_format(ip, ip_text, sizeof(ip_text));
	snprintf(listen, sizeof(listen),
		 ip->family == TP_AF_INET6 ? "[%s]:%u" : "%s:%u", ip_text, port);
	mg_init_library(0);
	init.user_data = h;
	h->ctx = mg_start2(&init, &e);
	if (h->ctx == NULL) {
		snprintf(err, err_len, "metrics: cannot listen on %s: %s",
			 listen, why[0] != '\0' ? why : "civetweb failed");
		free(h);
		mg_exit_library();
		return NULL;
	}
	mg_set_request_handler(h->ctx, "/metrics$", handle_metrics, h);
	mg_set_request_handler(h->ctx, "/live$", handle_live, h);
	mg_set_request_handler(h->ctx, "/ready$", handle_ready, h);
	return h;
}

void
cp_metrics_http_stop(struct cp_metrics_http *h)
{
	if (h == NULL)
		return;
	mg_stop(h->ctx);
	mg_exit_library();
	free(h);
}
