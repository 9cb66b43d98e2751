/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The credential push API (3GPP's "approach 2": an interface from the
 * eP-CSCF to the TURN server) over HTTPS with mutual TLS, on libh2o's
 * event loop, one thread (push_http.c).
 *
 *   POST   /v1/credentials      {"username", "password", "lifetime"?}
 *   GET    /v1/credentials/U    {"username", "created", "expires"}
 *   DELETE /v1/credentials/U
 *   POST   /v1/secrets          {"id", "secret"}
 *   GET    /v1/secrets/ID       {"id", "created"}
 *   DELETE /v1/secrets/ID
 *   POST   /v1/oauth-keys       {"kid", "key" (base64), "alg"}
 *   GET    /v1/oauth-keys/KID   {"kid", "alg", "created"}
 *   DELETE /v1/oauth-keys/KID
 *
 * POST answers 201 (new) or 200 (replaced), DELETE 204, a name not pushed
 * 404, bad JSON, a missing or unknown field or an over-long value 400
 * (push_json.h), a body over PUSH_BODY_MAX 413,
 * a mechanism the configuration left off 409; every error body is
 * {"error": "..."} and changes nothing.  A GET never returns key material,
 * and passwords are never stored: the realm's keys are derived here and
 * the password wiped.  An answered push is on disk (push_store.h) and in
 * force (push_pipeline.h).  The API manages what it pushed: users of the
 * configuration file are not its to read or delete.
 *
 * Access: only a client whose certificate chains to push-client-ca
 * completes the TLS handshake (TLS 1.2 or later); others fail it and
 * never reach HTTP.
 *
 * Why libh2o (its event loop library, libh2o-evloop): a server on OpenSSL
 * in Debian that answers a request whenever its answer is ready, so one
 * thread holds thousands of requests while the store commits them in
 * batches; HTTP/1.1 keep-alive and HTTP/2.  Not civetweb, the metrics
 * port's server: Debian's civetweb 1.15 loads OpenSSL at run time and
 * calls SSL_get_peer_certificate, which OpenSSL 3 no longer exports, so
 * its first TLS connection crashes the process (seen here).
 */
#ifndef TURNPIKE_PUSH_HTTP_H
#define TURNPIKE_PUSH_HTTP_H

#include <stddef.h>

#include "config.h"
#include "push_pipeline.h"

struct push_http;

/**
 * Listen on cfg->push_listen with cfg->push_cert, push_pkey and
 * push_client_ca, and answer through @p pipeline.  @p realm derives the
 * users' keys.
 *
 * @return the server, or NULL with "push-...: why" in @p err.
 */
struct push_http *push_http_start(const struct tp_config *cfg, const char *realm,
				  struct push_pipeline *pipeline, char *err,
				  size_t err_len);

/** Stop the server (after push_pipeline_shutdown()).  NULL is fine. */
void push_http_stop(struct push_http *h);

#endif /* TURNPIKE_PUSH_HTTP_H */
