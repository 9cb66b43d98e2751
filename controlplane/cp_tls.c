/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS server context (cp_tls.h): the configuration's cert, pkey and
 * cipher-list turned into one SSL_CTX, or into one message that names the
 * file, the line and the key, with OpenSSL's own reasons after it.
 *
 * Runs on the control-plane thread, once at start-up.  Owns nothing after
 * it returns: the caller owns the SSL_CTX.  Every failure empties
 * OpenSSL's error queue into the message, so no stale error is left for
 * the next SSL call on this thread to misreport.
 *
 * Why a server-side session cache and no session tickets: resumption is
 * worth having, since a client that loses its connection (a network
 * change, an ICE restart) comes back with a one-round-trip handshake and
 * no signature for the server to make, which matters when thousands
 * reconnect at once after a network event.  But OpenSSL's session tickets
 * are sealed with a key made at start-up and never rotated: whoever reads
 * that key decrypts every recorded TLS 1.2 session resumed from a ticket
 * since the process started.  The stateful cache keeps each session's
 * secret in this process only, for CP_TLS_SESSION_TIMEOUT_S, and its size
 * is bounded by stream-max-connections (well under 1 KB a session without
 * client certificates).  In TLS 1.3 SSL_OP_NO_TICKET makes OpenSSL send
 * "stateful" tickets that point into the same cache, and resumption still
 * runs an (EC)DHE exchange, so it stays forward secret; one ticket per
 * handshake (not OpenSSL's two) halves the cache a client uses.  The
 * cache is per process: a load balancer that spreads one client over
 * several servers costs it resumption, never a connection.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cp_tls.h"

/* The server's ALPN list, in wire form: a length byte, then the name. */
static const unsigned char tls_alpn_turn[] = "\x09" CP_TLS_ALPN_TURN;

_Static_assert(sizeof(tls_alpn_turn) - 2 == 9,
	       "the ALPN length byte is the name's length");

/*
 * Append OpenSSL's queued errors, oldest first, as " [OpenSSL: a; b]",
 * and empty the queue.  The reason strings say what went wrong ("no start
 * line", "key values mismatch"; strerror() for a system error, which
 * OpenSSL 3.0 gives no string); the data, when there is some, says on
 * what ("calling fopen(/x, r)").  A reason repeated by the next layer up
 * ("system lib" from BIO, then from SSL) is written once.
 */
static void
tls_err_append(char *err, size_t err_len)
{
	size_t len = strlen(err);
	const char *sep = " [OpenSSL: ";
	const char *data;
	const char *last = NULL;
	unsigned long e;
	int flags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_SYSTEM_ERROR(e) ?
					     strerror(ERR_GET_REASON(e)) :
					     ERR_reason_error_string(e);
		char code[32];
		int n;

		if (reason == NULL) {
			snprintf(code, sizeof(code), "error %#lx", e);
			reason = code;
		}
		if (last != NULL && reason != code &&
		    strcmp(last, reason) == 0 && (flags & ERR_TXT_STRING) == 0)
			continue;
		last = reason != code ? reason : NULL;
		if (len + 1 >= err_len)
			continue; /* full: keep emptying the queue */
		n = snprintf(err + len, err_len - len, "%s%s", sep, reason);
		if (n > 0)
			len = len + (size_t)n < err_len ? len + (size_t)n :
							  err_len - 1;
		if ((flags & ERR_TXT_STRING) != 0 && data != NULL &&
		    *data != '\0' && len + 1 < err_len) {
			n = snprintf(err + len, err_len - len, " (%s)", data);
			if (n > 0)
				len = len + (size_t)n < err_len ?
					      len + (size_t)n :
					      err_len - 1;
		}
		sep = "; ";
	}
	if (*sep == ';' && len + 2 < err_len)
		memcpy(err + len, "]", 2);
}

/*
 * Fail with "FILE:LINE: KEY: message [OpenSSL: reasons]" (no LINE for a
 * key left at its default) and return @p rc.
 */
static int __attribute__((format(printf, 6, 7)))
tls_fail(int rc, const struct tp_config *cfg, enum tp_config_key key, char *err,
	 size_t err_len, const char *fmt, ...)
{
	const char *file = cfg->file != NULL ? cfg->file : "(config)";
	size_t len;
	va_list ap;
	int n;

	if (err == NULL || err_len == 0) {
		ERR_clear_error();
		return rc;
	}
	if (cfg->line[key] != 0)
		n = snprintf(err, err_len, "%s:%u: %s: ", file, cfg->line[key],
			     tp_config_key_name(key));
	else
		n = snprintf(err, err_len, "%s: %s: ", file,
			     tp_config_key_name(key));
	len = n > 0 && (size_t)n < err_len ? (size_t)n : err_len - 1;
	va_start(ap, fmt);
	vsnprintf(err + len, err_len - len, fmt, ap);
	va_end(ap);
	tls_err_append(err, err_len);
	return rc;
}

/* Never ask for a passphrase (there is no one to ask): refuse instead. */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* RFC 7443: pick "stun.turn" if offered; otherwise go on without ALPN. */
static int
tls_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, tls_alpn_turn,
				  sizeof(tls_alpn_turn) - 1, in,
				  inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* Versions, options, resumption and ALPN: nothing here reads a file. */
static int
tls_ctx_settings(SSL_CTX *ctx, const struct tp_config *cfg)
{
	static const unsigned char sid_ctx[] = "turnpike";

	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
		return -EINVAL;
	SSL_CTX_set_options(ctx,
			    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
				    SSL_OP_CIPHER_SERVER_PREFERENCE |
				    SSL_OP_PRIORITIZE_CHACHA | SSL_OP_NO_TICKET);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_default_passwd_cb(ctx, tls_no_passphrase);
	/* Only for a cipher-list that names DHE suites: OpenSSL's groups. */
	SSL_CTX_set_dh_auto(ctx, 1);

	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, cfg->stream_max_connections);
	SSL_CTX_set_timeout(ctx, CP_TLS_SESSION_TIMEOUT_S);
	if (SSL_CTX_set_num_tickets(ctx, 1) != 1 ||
	    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1) != 1)
		return -EINVAL;
	SSL_CTX_set_alpn_select_cb(ctx, tls_alpn_select, NULL);
	return 0;
}

/* Read one private key from a PEM file, refusing an encrypted one. */
static EVP_PKEY *
tls_key_read(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	EVP_PKEY *pkey;

	if (bio == NULL)
		return NULL;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, NULL);
	BIO_free(bio);
	return pkey;
}

/* The certificate chain, then the key that must match its first item. */
static int
tls_ctx_load(SSL_CTX *ctx, const struct tp_config *cfg, char *err, size_t err_len)
{
	EVP_PKEY *pkey;
	int rc = 0;

	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1)
		return tls_fail(-EINVAL, cfg, TP_CONFIG_KEY_CERT, err, err_len,
				"%s: cannot load a PEM certificate chain from it",
				cfg->cert);
	pkey = tls_key_read(cfg->pkey);
	if (pkey == NULL)
		return tls_fail(-EINVAL, cfg, TP_CONFIG_KEY_PKEY, err, err_len,
				"%s: cannot load an unencrypted PEM private key from it",
				cfg->pkey);
	/* Checked here, before SSL_CTX_use_PrivateKey(), to say which file. */
	if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), pkey) != 1)
		rc = tls_fail(-EINVAL, cfg, TP_CONFIG_KEY_PKEY, err, err_len,
			      "%s: the key does not match the certificate in cert (line %u)",
			      cfg->pkey, cfg->line[TP_CONFIG_KEY_CERT]);
	else if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
		 SSL_CTX_check_private_key(ctx) != 1)
		rc = tls_fail(-EINVAL, cfg, TP_CONFIG_KEY_PKEY, err, err_len,
			      "%s: the key cannot be used with the certificate in cert "
			      "(line %u)",
			      cfg->pkey, cfg->line[TP_CONFIG_KEY_CERT]);
	EVP_PKEY_free(pkey);
	return rc;
}

int
cp_tls_ctx_create(SSL_CTX **out, const struct tp_config *cfg, char *err,
		  size_t err_len)
{
	SSL_CTX *ctx;
	int rc;

	if (out == NULL || cfg == NULL)
		return -EINVAL;
	*out = NULL;
	if (!tp_config_tls_enabled(cfg))
		return 0;
	ERR_clear_error(); /* so the message carries only this call's reasons */
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL)
		return tls_fail(-ENOMEM, cfg, TP_CONFIG_KEY_CERT, err, err_len,
				"cannot make a TLS context");
	rc = tls_ctx_settings(ctx, cfg);
	if (rc != 0) {
		rc = tls_fail(rc, cfg, TP_CONFIG_KEY_CERT, err, err_len,
			      "OpenSSL refused TLS 1.2-1.3 or the session settings");
		goto fail;
	}
	rc = tls_ctx_load(ctx, cfg, err, err_len);
	if (rc != 0)
		goto fail;
	if (SSL_CTX_set_cipher_list(ctx, cfg->cipher_list) != 1) {
		rc = tls_fail(-EINVAL, cfg, TP_CONFIG_KEY_CIPHER_LIST, err,
			      err_len,
			      "'%.64s%s' selects no TLS 1.2 cipher suite",
			      cfg->cipher_list,
			      strlen(cfg->cipher_list) > 64 ? "..." : "");
		goto fail;
	}
	*out = ctx;
	return 0;

fail:
	SSL_CTX_free(ctx);
	return rc;
}
