/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The push API's start and stop (see push_service.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cp_log.h"
#include "push_service.h"

/* "FILE:LINE: KEY: why". */
static int
fail(const struct tp_config *cfg, enum tp_config_key key, const char *key_name,
     const char *why, char *err, size_t err_len)
{
	snprintf(err, err_len, "%s:%u: %s: %s", cfg->file, cfg->line[key],
		 key_name, why);
	return -EINVAL;
}

int
push_service_start(struct push_service *ps, const struct tp_config *cfg,
		   struct cp_objects *obj, const struct turn_server *srv,
		   struct fleet *fleet, uint64_t now_ms, char *err,
		   size_t err_len)
{
	struct push_backend be;
	char why[384];
	int rc;

	memset(ps, 0, sizeof(*ps));
	push_apply_init(&ps->apply, obj, srv);
	if (fleet != NULL) {
		/* The fleet's Redis is the store; what it holds arrives as
		 * changes once the fleet thread has read it (cp_fleet.h). */
		be = fleet_push_backend(fleet);
	} else {
		ps->store = push_store_open(cfg->push_store, cfg->realm, why,
					    sizeof(why));
		if (ps->store == NULL) {
			push_service_stop(ps);
			return fail(cfg, TP_CONFIG_KEY_PUSH_STORE, "push-store",
				    why, err, err_len);
		}
		push_apply_expire(&ps->apply, now_ms);
		ps->loaded = push_store_load(ps->store, (int64_t)time(NULL),
					     push_apply_loaded, &ps->apply, why,
					     sizeof(why));
		if (ps->loaded < 0) {
			push_service_stop(ps);
			return fail(cfg, TP_CONFIG_KEY_PUSH_STORE, "push-store",
				    why, err, err_len);
		}
		be = push_store_backend(ps->store);
	}
	rc = push_pipeline_start(&ps->pipeline, &be);
	if (rc != 0) {
		push_service_stop(ps);
		snprintf(err, err_len, "push: cannot start the store thread: %s",
			 strerror(-rc));
		return rc;
	}
	if (cfg->line[TP_CONFIG_KEY_PUSH_LISTEN] == 0)
		return 0; /* a fleet's relay without the HTTPS API */
	ps->http = push_http_start(cfg, cfg->realm, &ps->pipeline, why,
				   sizeof(why));
	if (ps->http == NULL) {
		push_service_stop(ps);
		/* why names push-listen or the TLS key at fault. */
		snprintf(err, err_len, "%s:%u: %s", cfg->file,
			 cfg->line[TP_CONFIG_KEY_PUSH_LISTEN], why);
		return -EINVAL;
	}
	cp_log(CP_LOG_INFO, "push.start", "loaded=%d users=%u store=%s",
	       ps->loaded, obj->users.n_users,
	       fleet != NULL ? "redis-userdb" : cfg->push_store);
	return 0;
}

void
push_service_stop(struct push_service *ps)
{
	push_pipeline_shutdown(&ps->pipeline);
	push_http_stop(ps->http);
	ps->http = NULL;
	push_pipeline_fini(&ps->pipeline);
	push_store_close(ps->store);
	ps->store = NULL;
	push_apply_fini(&ps->apply);
}
