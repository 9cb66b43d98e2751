/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Reload: read the configuration file again and apply what may change
 * while the server runs, without a restart and without touching a live
 * allocation.  SIGHUP (the signal handler only sets a flag; the control
 * loop calls cp_reload_run()) and the admin socket's `reload` both come
 * here.
 *
 * All or nothing: the new file is parsed, validated and built into a
 * complete second set of control-plane objects (cp_setup_rebuild()) before
 * anything running is touched, so a file the server would refuse at
 * start-up changes nothing, and the report says why ("FILE:LINE: KEY:
 * what").  Then the parts that may change are swapped in:
 *
 *   applied live          user, static-auth-secret, rest-max-lifetime,
 *                         oauth-key, user-quota, total-quota,
 *                         oauth-kid-quota, max-bps, allowed-peer-ip,
 *                         denied-peer-ip, allow-unsafe-peers, log-level
 *   reported, left as is  every other key: addresses, ports, workers and
 *                         table sizes, transports and TLS files, the
 *                         realm and server-name (every long-term key, and
 *                         the USERHASH of every user, is derived with the
 *                         realm: changing it live would fail every client
 *                         in mid-session), the mechanisms (lt-cred-mech,
 *                         use-auth-secret, oauth, no-auth), stale-nonce,
 *                         lifetimes, rate limits, gateway and
 *                         local-network (the fast path holds them), the
 *                         admin socket and the metrics port
 *
 * What is kept across the swap:
 *  - credentials pushed through the admin socket (each table marks them,
 *    auth_longterm.h, auth_rest.h, auth_oauth.h): they are merged into the
 *    tables built from the file; a pushed user or OAuth key wins over the
 *    file's entry of the same name or kid (so a user pushed with a
 *    lifetime, cp_admin.h, still goes when it ends, and the file's entry
 *    of that name comes back only at the next reload);
 *  - the nonce context (its secret and features): nonces handed out before
 *    the reload stay valid;
 *  - every allocation.  One whose user left the file runs to its expiry,
 *    as after the admin socket's user-del: its refreshes then fail (401).
 *    Lowered quotas refuse the next Allocate; a new max-bps applies to
 *    allocations created from then on (the fast path keeps each live
 *    allocation's rate, given when it was installed, to its end); new peer
 *    ranges apply to the next CreatePermission, ChannelBind or Send
 *    (permissions already installed run to their expiry).
 *
 * A TLS certificate renewed in place (same cert and pkey paths) is not
 * re-read: that takes a restart for now.
 *
 * Control-plane thread only: the credential tables and the TURN server are
 * that thread's.
 */
#ifndef TURNPIKE_CP_RELOAD_H
#define TURNPIKE_CP_RELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "cp_setup.h"
#include "cp_usage_json.h"
#include "turn_server.h"

/** Longest error message a report carries. */
#define CP_RELOAD_ERR_MAX 512

/** What one reload did, for the log and the admin reply. */
struct cp_reload_report {
	bool ok;
	/** Keys whose value changed and was applied. */
	bool changed[TP_CONFIG_KEY_COUNT];
	/** Keys whose value differs from the running one and was left as
	 *  it was (they need a restart). */
	bool not_applied[TP_CONFIG_KEY_COUNT];
	/** Pushed credentials carried over, and how many of the file's
	 *  entries they won over (same user name or kid). */
	uint32_t pushed_kept;
	uint32_t pushed_won;
	/** When !ok: "FILE:LINE: KEY: what is wrong" or the like. */
	char err[CP_RELOAD_ERR_MAX];
};

/** What a reload acts on.  Zero-initialise, fill the first fields;
 *  cp_reload_fini() frees the rest. */
struct cp_reload {
	const char *path; /**< the configuration file, read at each reload */
	/** The configuration the server started with: the source of what
	 *  cannot change live, and what the running objects point into;
	 *  must outlive the reload. */
	const struct tp_config *boot;
	struct cp_objects *obj;  /**< the running set, changed in place */
	struct turn_server *srv; /**< for quotas and max-bps; NULL = none */
	uint16_t n_workers;      /**< as given to cp_setup_build() */
	/** Reopened at every reload, whatever the file says (after a
	 *  logrotate that moved it away); NULL = none. */
	struct cp_usage_json *usage_json;
	/* Kept by cp_reload_run(): */
	struct tp_config last; /**< the file applied last, when have_last */
	bool have_last;
	uint64_t n_ok, n_failed; /**< reloads done and refused */
};

/** Whether @p key is applied by a reload (the table in the file comment). */
bool cp_reload_key_live(enum tp_config_key key);

/**
 * Read r->path and apply it (the file comment says what and how).  Logs
 * each key left as it was (`reload.not_applied key=...`) and the outcome
 * (`reload result=ok changed=... not_applied=...` or `reload result=error
 * reason="..."`), with @p source ("sighup", "admin") saying who asked.
 *
 * @return 0, or the -errno of the failure (then nothing changed, and
 *         @p rep->err says why).
 */
int cp_reload_run(struct cp_reload *r, const char *source,
		  struct cp_reload_report *rep);

/**
 * The names of the keys set in @p keys, comma-separated ("user,max-bps"),
 * or "none"; cut short, on a whole name, when @p cap is too small.
 * @return @p buf.
 */
const char *cp_reload_keys_format(const bool keys[TP_CONFIG_KEY_COUNT],
				  char *buf, size_t cap);

/** Free what cp_reload_run() kept. */
void cp_reload_fini(struct cp_reload *r);

#endif /* TURNPIKE_CP_RELOAD_H */
