/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Turning a loaded configuration into the control plane's objects: the
 * credential stores, the nonce context, the peer policy and the TURN
 * server's parameters; and into the fast path's parameters
 * (turnpike/plane.h), so every setting both planes need (the channel range,
 * the relay addresses and ports) is derived once, here.  Runs on the main
 * lcore at start-up, and on the control thread at a reload (cp_reload.h).
 */
#ifndef TURNPIKE_CP_SETUP_H
#define TURNPIKE_CP_SETUP_H

#include <stddef.h>
#include <stdint.h>

#include "auth_longterm.h"
#include "auth_oauth.h"
#include "auth_request.h"
#include "auth_rest.h"
#include "config.h"
#include "nonce.h"
#include "peer_policy.h"
#include "stream_server.h"
#include "turn_server.h"
#include "turnpike/plane.h"

/** Everything the TURN server points into; lives as long as the server. */
struct cp_objects {
	struct auth_user_db users;
	struct auth_rest_ring rest;
	struct auth_oauth_keyring oauth;
	struct nonce_ctx nonce;
	struct auth_config auth;
	struct peer_policy policy;
	struct turn_params params;
	struct tp_plane_params plane; /**< idle_sleep_us is left 0 */
	char software[64];
};

/**
 * Build @p o from @p cfg for @p n_workers workers.  Errors name the file,
 * line and key ("turnpike.conf:7: user: ...").  @return 0 or -errno;
 * on failure nothing needs freeing.
 */
int cp_setup_build(struct cp_objects *o, const struct tp_config *cfg,
		   uint16_t n_workers, char *err, size_t err_len);

/**
 * As cp_setup_build() from @p cfg, except for what a running server cannot
 * change, taken from @p fixed (the configuration it started with, which
 * must outlive @p o): the realm and server name (the users' keys are
 * derived with that realm, and the auth config points at both) and the
 * server's own network in the peer policy (gateway, local-network,
 * relay-ip, which the fast path also holds).  A reload (cp_reload.h) builds
 * this way, so that @p o can replace parts of the running set.
 * cp_setup_build(o, cfg, ...) is cp_setup_rebuild(o, cfg, cfg, ...).
 */
int cp_setup_rebuild(struct cp_objects *o, const struct tp_config *cfg,
		     const struct tp_config *fixed, uint16_t n_workers,
		     char *err, size_t err_len);

/**
 * The stream front end's settings from @p cfg: a TCP listener on every
 * listening address at listening-port (unless no-tcp), a TLS listener at
 * every TLS port (when @p tls, the context cp_tls_ctx_create() made, is
 * not NULL), and the limits.  The listening addresses are the fast path's
 * (@p o->plane).  @return the number of listeners (0: no streams), or
 * -EINVAL with a message in @p err when there are too many.
 */
int cp_setup_stream_params(struct stream_params *sp, const struct cp_objects *o,
			   const struct tp_config *cfg, SSL_CTX *tls, char *err,
			   size_t err_len);

/** Free and wipe what cp_setup_build() made. */
void cp_setup_free(struct cp_objects *o);

#endif /* TURNPIKE_CP_SETUP_H */
