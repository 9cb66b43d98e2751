/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The push API put together (push_service.c): the store opened and loaded
 * into the tables, the store thread, the HTTPS server; and taken apart in
 * the order that lets every waiting request get its answer.
 */
#ifndef TURNPIKE_PUSH_SERVICE_H
#define TURNPIKE_PUSH_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cp_setup.h"
#include "fleet.h"
#include "push_apply.h"
#include "push_http.h"
#include "push_pipeline.h"
#include "push_store.h"
#include "turn_server.h"

struct push_service {
	struct push_store *store;
	struct push_pipeline pipeline;
	struct push_apply apply; /**< the control loop's (cp_loop.h) */
	struct push_http *http;
	int loaded; /**< items the store gave back at start-up */
};

/**
 * Open cfg->push_store, load what it holds into @p obj's tables, start the
 * store thread and listen on cfg->push_listen.  With @p fleet (a relay of
 * a fleet, redis-userdb) the fleet's Redis is the store instead, and
 * without push-listen there is no HTTPS, only the tables' applier for the
 * fleet's changes.  @p now_ms is the server's clock.  Errors name the
 * file, line and key.
 *
 * @return 0 or -errno; on failure nothing needs stopping.
 */
int push_service_start(struct push_service *ps, const struct tp_config *cfg,
		       struct cp_objects *obj, const struct turn_server *srv,
		       struct fleet *fleet, uint64_t now_ms, char *err,
		       size_t err_len);

/** Answer whatever waits (503), stop HTTPS, the store thread, the store.
 *  Call after the control loop's last turn.  Safe on a zeroed struct. */
void push_service_stop(struct push_service *ps);

#endif /* TURNPIKE_PUSH_SERVICE_H */
