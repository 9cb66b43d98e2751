/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reload (see cp_reload.h): parse the file, build a complete second set of
 * control-plane objects from it, carry the pushed credentials over, then
 * swap the tables that may change into the running set and free the old
 * ones.  Every step that can fail comes before the swap, so a failure
 * leaves the server exactly as it was; the swap itself cannot fail.
 *
 * Runs on the control thread, between two requests: the tables it swaps
 * are read only there, so the next request sees the new ones whole and no
 * lock or RCU is needed.  Nothing here points into the old tables after
 * the swap: an allocation keeps its user's name in its own record
 * (turn_alloc_table.h), never a pointer to the user table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_log.h"
#include "cp_reload.h"

/* The keys a reload applies; every other one is reported if it differs. */
static const bool reload_live[TP_CONFIG_KEY_COUNT] = {
	[TP_CONFIG_KEY_USER] = true,
	[TP_CONFIG_KEY_STATIC_AUTH_SECRET] = true,
	[TP_CONFIG_KEY_REST_MAX_LIFETIME] = true,
	[TP_CONFIG_KEY_OAUTH_KEY] = true,
	[TP_CONFIG_KEY_USER_QUOTA] = true,
	[TP_CONFIG_KEY_TOTAL_QUOTA] = true,
	[TP_CONFIG_KEY_OAUTH_KID_QUOTA] = true,
	[TP_CONFIG_KEY_MAX_BPS] = true,
	[TP_CONFIG_KEY_ALLOWED_PEER_IP] = true,
	[TP_CONFIG_KEY_DENIED_PEER_IP] = true,
	[TP_CONFIG_KEY_ALLOW_UNSAFE_PEERS] = true,
	[TP_CONFIG_KEY_LOG_LEVEL] = true,
};

bool
cp_reload_key_live(enum tp_config_key key)
{
	return (unsigned int)key < TP_CONFIG_KEY_COUNT && reload_live[key];
}

const char *
cp_reload_keys_format(const bool keys[TP_CONFIG_KEY_COUNT], char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++) {
		const char *name = tp_config_key_name((enum tp_config_key)k);
		size_t need = strlen(name) + (len > 0);

		if (!keys[k])
			continue;
		if (len + need + 1 > cap)
			break;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					len > 0 ? "," : "", name);
	}
	if (len == 0)
		snprintf(buf, cap, "none");
	return buf;
}

/* Carry the running set's pushed credentials into @fresh. */
static int
reload_merge_pushed(struct cp_objects *fresh, const struct cp_objects *live,
		    struct cp_reload_report *rep)
{
	uint32_t users_won = 0;
	unsigned int keys_won = 0;
	int rc;

	for (uint32_t i = 0; i < live->users.n_users; i++)
		rep->pushed_kept += live->users.users[i].pushed;
	for (unsigned int i = 0; i < live->rest.n_secrets; i++)
		rep->pushed_kept += live->rest.secrets[i].pushed;
	for (unsigned int i = 0; i < live->oauth.n_keys; i++)
		rep->pushed_kept += live->oauth.keys[i].pushed;

	rc = auth_user_db_merge_pushed(&fresh->users, &live->users, &users_won);
	if (rc != 0) {
		snprintf(rep->err, sizeof(rep->err),
			 "cannot keep the pushed users: %s", strerror(-rc));
		return rc;
	}
	rc = auth_rest_ring_merge_pushed(&fresh->rest, &live->rest);
	if (rc != 0) {
		snprintf(rep->err, sizeof(rep->err),
			 "static-auth-secret: the file's secrets and the "
			 "pushed ones make more than %d",
			 AUTH_REST_SECRETS_MAX);
		return rc;
	}
	rc = auth_oauth_keyring_merge_pushed(&fresh->oauth, &live->oauth,
					     &keys_won);
	if (rc != 0) {
		snprintf(rep->err, sizeof(rep->err),
			 "oauth-key: the file's keys and the pushed ones make "
			 "more than %d",
			 AUTH_OAUTH_KEYS_MAX);
		return rc;
	}
	rep->pushed_won = users_won + keys_won;
	return 0;
}

/* Which keys differ: live ones from the file applied last, the others from
 * the configuration the server runs with. */
static void
reload_diff(const struct cp_reload *r, const struct tp_config *next,
	    struct cp_reload_report *rep)
{
	const struct tp_config *prev = r->have_last ? &r->last : r->boot;

	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++) {
		enum tp_config_key key = (enum tp_config_key)k;

		if (reload_live[k])
			rep->changed[k] = !tp_config_key_equal(prev, next, key);
		else
			rep->not_applied[k] =
				!tp_config_key_equal(r->boot, next, key);
	}
}

#define RELOAD_SWAP(a, b)                      \
	do {                                   \
		__typeof__(a) reload_tmp_ = a; \
		a = b;                         \
		b = reload_tmp_;               \
	} while (0)

/* The running set takes @fresh's tables; @fresh gets the old ones to free.
 * The auth config and the server point at the running set's tables, whose
 * addresses do not change. */
static void
reload_swap(struct cp_reload *r, struct cp_objects *fresh,
	    const struct tp_config *next)
{
	struct cp_objects *live = r->obj;

	RELOAD_SWAP(live->users, fresh->users);
	RELOAD_SWAP(live->rest, fresh->rest);
	RELOAD_SWAP(live->oauth, fresh->oauth);
	RELOAD_SWAP(live->policy, fresh->policy);
	live->params.user_quota = fresh->params.user_quota;
	live->params.kid_quota = fresh->params.kid_quota;
	live->params.total_quota = fresh->params.total_quota;
	live->params.max_bps = fresh->params.max_bps;
	if (r->srv != NULL)
		turn_server_reconfigure(r->srv, &live->params);
	cp_log_set_level((enum cp_log_level)next->log_level);
}

static void
reload_log(const struct cp_reload *r, const char *source,
	   const struct cp_reload_report *rep)
{
	char changed[1024], kept[1024];

	for (int k = 0; k < TP_CONFIG_KEY_COUNT; k++)
		if (rep->not_applied[k])
			cp_log(CP_LOG_WARN, "reload.not_applied",
			       "key=%s reason=needs_restart",
			       tp_config_key_name((enum tp_config_key)k));
	cp_log(CP_LOG_INFO, "reload",
	       "result=ok source=%s changed=%s not_applied=%s "
	       "pushed_kept=%u pushed_won=%u users=%u secrets=%u "
	       "oauth_keys=%u",
	       source,
	       cp_reload_keys_format(rep->changed, changed, sizeof(changed)),
	       cp_reload_keys_format(rep->not_applied, kept, sizeof(kept)),
	       rep->pushed_kept, rep->pushed_won, r->obj->users.n_users,
	       r->obj->rest.n_secrets, r->obj->oauth.n_keys);
}

int
cp_reload_run(struct cp_reload *r, const char *source,
	      struct cp_reload_report *rep)
{
	struct tp_config next;
	struct cp_objects fresh;
	int rc;

	memset(rep, 0, sizeof(*rep));
	/* The records file first: a rotation needs it even when the
	 * configuration is refused. */
	if (r->usage_json != NULL)
		cp_usage_json_reopen(r->usage_json);
	rc = tp_config_load(&next, r->path, rep->err, sizeof(rep->err));
	if (rc == 0) {
		rc = cp_setup_rebuild(&fresh, &next, r->boot, r->n_workers,
				      rep->err, sizeof(rep->err));
		if (rc == 0) {
			rc = reload_merge_pushed(&fresh, r->obj, rep);
			if (rc != 0)
				cp_setup_free(&fresh);
		}
		if (rc != 0)
			tp_config_free(&next);
	}
	if (rc != 0) {
		r->n_failed++;
		cp_log(CP_LOG_ERROR, "reload",
		       "result=error source=%s reason=\"%s\"", source, rep->err);
		return rc;
	}

	reload_diff(r, &next, rep);
	reload_swap(r, &fresh, &next);
	cp_setup_free(&fresh); /* the old tables, and fresh's unused nonce */
	if (r->have_last)
		tp_config_free(&r->last);
	r->last = next; /* owned from now on */
	r->have_last = true;
	r->n_ok++;
	rep->ok = true;
	reload_log(r, source, rep);
	return 0;
}

void
cp_reload_fini(struct cp_reload *r)
{
	if (r->have_last)
		tp_config_free(&r->last);
	r->have_last = false;
}
