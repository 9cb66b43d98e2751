/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The TLS server context for TURN over TLS (RFC 8656 section 3.1), made
 * once from the configuration's cert, pkey and cipher-list.
 *
 * What every connection gets:
 *  - TLS 1.2 or 1.3, nothing older; TLS 1.2 suites from cipher-list, the
 *    server's order preferred (ChaCha20 first for a client that puts it
 *    first, i.e. one without AES hardware); TLS 1.3 suites are OpenSSL's
 *    defaults;
 *  - no renegotiation, no compression;
 *  - session resumption from a server-side cache, without session tickets
 *    (cp_tls.c says why), for CP_TLS_SESSION_TIMEOUT_S and at most one
 *    session per allowed connection (stream-max-connections);
 *  - the ALPN protocol "stun.turn" (RFC 7443) selected when the client
 *    offers it; a client that offers only other protocols goes on without
 *    ALPN rather than being refused;
 *  - SSL_MODE_RELEASE_BUFFERS: an idle connection keeps no read or write
 *    buffer (about 34 KB each otherwise).
 *
 * Threads: made on the control-plane thread at start-up, before the stream
 * threads start; they then share it, calling only SSL_new() on it (OpenSSL
 * makes that and the session cache safe across threads).  Nothing may
 * change the context after that.
 */
#ifndef TURNPIKE_CP_TLS_H
#define TURNPIKE_CP_TLS_H

#include <stddef.h>

#include <openssl/types.h>

#include "config.h"

/** How long a TLS session may be resumed, seconds. */
#define CP_TLS_SESSION_TIMEOUT_S 3600
/** The ALPN protocol ID of TURN (RFC 7443 section 6). */
#define CP_TLS_ALPN_TURN "stun.turn"

/**
 * Make the TLS server context described by @p cfg: load the certificate
 * chain from cfg->cert (the server's certificate first, then any
 * intermediates) and the private key from cfg->pkey, check that they
 * match, and apply cfg->cipher_list.  Neither file may be encrypted: no
 * passphrase is asked for.
 *
 * @param out      set to the new context, which the caller frees with
 *                 SSL_CTX_free(); set to NULL when TLS is off
 *                 (!tp_config_tls_enabled(cfg)), which is not an error.
 * @param err      on failure, "FILE:LINE: KEY: what [OpenSSL: reasons]",
 *                 e.g. "turnpike.conf:12: pkey: /etc/x.pem: the key does
 *                 not match the certificate in cert (line 11) [OpenSSL:
 *                 key values mismatch]"; may be NULL.
 * @return 0; -EINVAL for a file that is missing, unreadable, not PEM, or
 *         holds no certificate or key, a key that does not match the
 *         certificate, or a cipher-list that selects no TLS 1.2 suite;
 *         -ENOMEM.  OpenSSL's error queue is left empty either way.
 */
int cp_tls_ctx_create(SSL_CTX **out, const struct tp_config *cfg, char *err,
		      size_t err_len);

#endif /* TURNPIKE_CP_TLS_H */
