/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The metrics port (cp_metrics_http.c): an HTTP server on civetweb
 * (Debian's libcivetweb, chosen because it embeds in C with a handler per
 * path, runs its own small thread pool, and serves TLS through OpenSSL,
 * which the credential push API will need) with three paths:
 *
 *   /metrics  the Prometheus text of the latest snapshot (cp_metrics.h)
 *   /live     200 while the process runs
 *   /ready    200 while it takes new work: a snapshot exists and it is
 *             neither stopping nor draining; 503 otherwise ("draining"
 *             while draining: /live stays 200, its allocations are served)
 *
 * Handlers run on civetweb's threads and touch only the snapshot exchange
 * (cp_snapshot.h) and the stop flag.  GET and HEAD only; anything else
 * gets 405.
 */
#ifndef TURNPIKE_CP_METRICS_HTTP_H
#define TURNPIKE_CP_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cp_metrics.h"
#include "cp_snapshot.h"
#include "turnpike/addr.h"

struct cp_metrics_http;

/**
 * Listen on @p ip : @p port and serve.  @p snap, @p info (copied) and
 * @p stopping (the process is on its way out) must outlive the server.
 * @return the server, or NULL with a message in @p err (the address in
 * use, for one).
 */
struct cp_metrics_http *cp_metrics_http_start(const struct tp_ip *ip,
					      uint16_t port,
					      struct cp_snapshot *snap,
					      const struct cp_metrics_info *info,
					      const volatile bool *stopping,
					      char *err, size_t err_len);

/** Stop serving (waits for the handlers in progress) and free.  NULL is
 *  fine. */
void cp_metrics_http_stop(struct cp_metrics_http *h);

#endif /* TURNPIKE_CP_METRICS_HTTP_H */
