/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS server context (cp_tls.h), made from a configuration file that
 * names files this test writes: keys and certificates generated here with
 * OpenSSL (nothing checked in, nothing that expires), in a directory under
 * /tmp that the group teardown removes whatever the tests did.
 *
 * Each handshake runs in this thread over a non-blocking socketpair, the
 * client and the server stepped in turn, so a failure is seen on the side
 * that refused, with its reason.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "cp_tls.h"

/* The files of the temporary directory. */
enum tls_file {
	F_CERT, /* self-signed, for F_KEY */
	F_KEY,
	F_OTHER_KEY, /* matches nothing */
	F_ENC_KEY,   /* F_KEY under a passphrase */
	F_NOT_PEM,
	F_CHAIN,   /* leaf (F_KEY) then intermediate; the root is not in it */
	F_MISSING, /* never written */
	F_COUNT
};

static const char *const tls_file_names[F_COUNT] = {
	[F_CERT] = "cert.pem",       [F_KEY] = "key.pem",
	[F_OTHER_KEY] = "other.pem", [F_ENC_KEY] = "encrypted-key.pem",
	[F_NOT_PEM] = "not-pem.pem", [F_CHAIN] = "chain.pem",
	[F_MISSING] = "missing.pem",
};

static struct {
	char dir[64];
	char path[F_COUNT][128];
	X509 *root; /* the chain's trust anchor, for the client */
} tls;

/* ---- Making keys and certificates ----------------------------------------- */

static EVP_PKEY *
key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static int
cert_ext_add(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/*
 * A certificate for @p key named @p cn, valid from an hour ago for a day,
 * signed by @p issuer_key as @p issuer (self-signed when @p issuer is NULL).
 */
static X509 *
cert_new(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
	 bool ca)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	bool ok = x != NULL && name != NULL;

	ok = ok && X509_set_version(x, X509_VERSION_3) == 1;
	ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1;
	ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != NULL;
	ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), 86400) != NULL;
	ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					      (const unsigned char *)cn, -1, -1,
					      0) == 1;
	ok = ok && X509_set_subject_name(x, name) == 1;
	ok = ok && X509_set_issuer_name(x, issuer != NULL ?
						   X509_get_subject_name(issuer) :
						   name) == 1;
	ok = ok && X509_set_pubkey(x, key) == 1;
	ok = ok &&
	     cert_ext_add(x, issuer != NULL ? issuer : x, NID_basic_constraints,
			  ca ? "critical,CA:TRUE" : "critical,CA:FALSE") == 0;
	if (ca)
		ok = ok &&
		     cert_ext_add(x, issuer != NULL ? issuer : x, NID_key_usage,
				  "critical,keyCertSign,cRLSign") == 0;
	ok = ok && X509_sign(x, issuer_key != NULL ? issuer_key : key,
			     EVP_sha256()) > 0;
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
pem_write(enum tls_file f, X509 *x1, X509 *x2, EVP_PKEY *key, bool encrypt)
{
	BIO *b = BIO_new_file(tls.path[f], "w");
	bool ok = b != NULL;

	if (x1 != NULL)
		ok = ok && PEM_write_bio_X509(b, x1) == 1;
	if (x2 != NULL)
		ok = ok && PEM_write_bio_X509(b, x2) == 1;
	if (key != NULL && encrypt)
		ok = ok &&
		     PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_256_cbc(),
						   "secret", 6, NULL, NULL) == 1;
	else if (key != NULL)
		ok = ok && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
						    NULL) == 1;
	BIO_free(b);
	return ok ? 0 : -1;
}

/* Remove the directory and whatever is in it. */
static int
tls_dir_remove(void **state)
{
	DIR *d;
	struct dirent *e;

	(void)state;
	X509_free(tls.root);
	tls.root = NULL;
	if (tls.dir[0] == '\0')
		return 0;
	d = opendir(tls.dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	if (rmdir(tls.dir) != 0)
		fprintf(stderr, "test_cp_tls: cannot remove %s: %s\n", tls.dir,
			strerror(errno));
	tls.dir[0] = '\0';
	return 0;
}

/* No asserts here: a failed group setup must still clean up. */
static int
tls_dir_make(void **state)
{
	EVP_PKEY *key = key_new(), *other = key_new();
	EVP_PKEY *root_key = key_new(), *mid_key = key_new();
	X509 *cert = NULL, *mid = NULL, *leaf = NULL;
	int rc = -1;

	strcpy(tls.dir, "/tmp/tp_cp_tls_XXXXXX");
	if (mkdtemp(tls.dir) == NULL) {
		tls.dir[0] = '\0';
		goto out;
	}
	for (int f = 0; f < F_COUNT; f++)
		snprintf(tls.path[f], sizeof(tls.path[f]), "%s/%s", tls.dir,
			 tls_file_names[f]);
	if (key == NULL || other == NULL || root_key == NULL || mid_key == NULL)
		goto out;
	cert = cert_new("turn.example.org", key, NULL, NULL, false);
	tls.root = cert_new("Test Root", root_key, NULL, NULL, true);
	if (cert == NULL || tls.root == NULL)
		goto out;
	mid = cert_new("Test Intermediate", mid_key, tls.root, root_key, true);
	if (mid == NULL)
		goto out;
	leaf = cert_new("turn.example.org", key, mid, mid_key, false);
	if (leaf == NULL)
		goto out;
	if (pem_write(F_CERT, cert, NULL, NULL, false) != 0 ||
	    pem_write(F_KEY, NULL, NULL, key, false) != 0 ||
	    pem_write(F_OTHER_KEY, NULL, NULL, other, false) != 0 ||
	    pem_write(F_ENC_KEY, NULL, NULL, key, true) != 0 ||
	    pem_write(F_CHAIN, leaf, mid, NULL, false) != 0)
		goto out;
	{
		FILE *f = fopen(tls.path[F_NOT_PEM], "w");

		if (f == NULL)
			goto out;
		fputs("this is a certificate, honestly\n", f);
		fclose(f);
	}
	rc = 0;
out:
	X509_free(cert);
	X509_free(mid);
	X509_free(leaf);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(mid_key);
	if (rc != 0) {
		ERR_print_errors_fp(stderr);
		tls_dir_remove(state);
	}
	return rc;
}

/* ---- The configuration and the context -------------------------------------- */

/*
 * Parse a configuration whose line 3 is cert=@p cert, line 4 pkey=@p key,
 * and line 5 @p extra (if any).
 */
static void
cfg_make(struct tp_config *cfg, enum tls_file cert, enum tls_file key,
	 const char *extra)
{
	char text[1024], err[512] = "";

	snprintf(text, sizeof(text),
		 "relay-ip=192.0.2.10\n"
		 "no-auth\n"
		 "cert=%s\n"
		 "pkey=%s\n"
		 "%s\n",
		 tls.path[cert], tls.path[key], extra != NULL ? extra : "");
	if (tp_config_parse_text(cfg, "tls.conf", text, err, sizeof(err)) != 0)
		fail_msg("config: %s", err);
}

static SSL_CTX *
server_ctx(enum tls_file cert, enum tls_file key, const char *extra)
{
	struct tp_config cfg;
	SSL_CTX *ctx = NULL;
	char err[1024] = "";
	int rc;

	cfg_make(&cfg, cert, key, extra);
	rc = cp_tls_ctx_create(&ctx, &cfg, err, sizeof(err));
	tp_config_free(&cfg);
	if (rc != 0)
		fail_msg("cp_tls_ctx_create: %d: %s", rc, err);
	assert_non_null(ctx);
	return ctx;
}

/*
 * cp_tls_ctx_create() must fail with -EINVAL and a message that starts
 * "tls.conf:LINE: KEY: " and holds each of the NULL-ended strings after
 * @p key; and leave the error queue empty.
 */
static void
expect_fail(enum tls_file cert, enum tls_file key, const char *extra,
	    unsigned int line, const char *cfg_key, ...)
{
	struct tp_config cfg;
	SSL_CTX *ctx = (SSL_CTX *)&cfg; /* must be reset to NULL */
	char err[1024] = "", prefix[64];
	const char *want;
	va_list ap;
	int rc;

	cfg_make(&cfg, cert, key, extra);
	rc = cp_tls_ctx_create(&ctx, &cfg, err, sizeof(err));
	tp_config_free(&cfg);
	assert_null(ctx);
	if (rc != -EINVAL)
		fail_msg("want -EINVAL, got %d (%s)", rc, err);
	snprintf(prefix, sizeof(prefix), "tls.conf:%u: %s: ", line, cfg_key);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\"\nwant \"%s...\"", err, prefix);
	va_start(ap, cfg_key);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (strstr(err, want) == NULL) {
			va_end(ap);
			fail_msg("got \"%s\"\nwithout \"%s\"", err, want);
		}
	}
	va_end(ap);
	assert_int_equal(ERR_peek_error(), 0);
	/* The same without a message buffer. */
	cfg_make(&cfg, cert, key, extra);
	assert_int_equal(cp_tls_ctx_create(&ctx, &cfg, NULL, 0), -EINVAL);
	tp_config_free(&cfg);
	assert_int_equal(ERR_peek_error(), 0);
}

/* ---- Handshakes ------------------------------------------------------------- */

/* A client context for versions @p min..@p max, verifying nothing. */
static SSL_CTX *
client_ctx(int min, int max)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	assert_non_null(c);
	assert_int_equal(SSL_CTX_set_min_proto_version(c, min), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(c, max), 1);
	if (min != 0 && min < TLS1_2_VERSION) {
		/* Let this client really offer TLS 1.0/1.1 (OpenSSL 3 forbids it
		 * at the default security level) so the server is what refuses. */
		SSL_CTX_set_security_level(c, 0);
		assert_int_equal(SSL_CTX_set_cipher_list(c, "DEFAULT:@SECLEVEL=0"),
				 1);
	}
	return c;
}

struct hs {
	bool ok;
	int version;
	bool reused;
	char cipher[64];
	char alpn[32];
	long verify;              /* client's verify result */
	int peer_chain_len;       /* certificates the server sent */
	unsigned long server_err; /* first error queued by the server side */
	SSL_SESSION *session; /* the client's, for resumption; caller frees */
};

/* One handshake step; false once this side has failed. */
static bool
hs_step(SSL *ssl, bool *done, unsigned long *first_err)
{
	int r, e;

	if (*done)
		return true;
	r = SSL_do_handshake(ssl);
	if (r == 1) {
		*done = true;
		return true;
	}
	e = SSL_get_error(ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return true;
	if (first_err != NULL)
		*first_err = ERR_peek_error();
	ERR_clear_error();
	return false;
}

/* Read @p n bytes, stepping the peer's writes are already queued. */
static void
read_all(SSL *ssl, char *buf, int n)
{
	int got = 0;

	for (int i = 0; i < 100 && got < n; i++) {
		int r = SSL_read(ssl, buf + got, n - got);

		if (r > 0)
			got += r;
		else
			assert_int_equal(SSL_get_error(ssl, r),
					 SSL_ERROR_WANT_READ);
	}
	assert_int_equal(got, n);
}

/*
 * Handshake @p client against @p server (resuming @p session if not NULL),
 * then a few bytes each way and a clean close from both sides (a session
 * freed without close_notify would leave the server's cache).
 */
static struct hs
handshake(SSL_CTX *server, SSL_CTX *client, SSL_SESSION *session)
{
	struct hs out = { .verify = -1 };
	SSL *c, *s;
	int fd[2];
	bool c_done = false, s_done = false;
	char buf[8];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd),
			 0);
	c = SSL_new(client);
	s = SSL_new(server);
	assert_non_null(c);
	assert_non_null(s);
	assert_int_equal(SSL_set_fd(c, fd[0]), 1);
	assert_int_equal(SSL_set_fd(s, fd[1]), 1);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	if (session != NULL)
		assert_int_equal(SSL_set_session(c, session), 1);
	for (int i = 0; i < 50 && !(c_done && s_done); i++) {
		if (!hs_step(c, &c_done, NULL) ||
		    !hs_step(s, &s_done, &out.server_err))
			break;
	}
	out.ok = c_done && s_done;
	if (out.ok) {
		const unsigned char *alpn;
		unsigned int alpn_len;
		STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c);

		out.version = SSL_version(s);
		out.reused = SSL_session_reused(c) == 1;
		snprintf(out.cipher, sizeof(out.cipher), "%s",
			 SSL_get_cipher_name(s));
		SSL_get0_alpn_selected(s, &alpn, &alpn_len);
		snprintf(out.alpn, sizeof(out.alpn), "%.*s", (int)alpn_len,
			 (const char *)alpn);
		out.verify = SSL_get_verify_result(c);
		out.peer_chain_len = chain != NULL ? sk_X509_num(chain) : 0;

		/* Data both ways; the client's read takes in TLS 1.3 tickets. */
		assert_int_equal(SSL_write(s, "ping", 4), 4);
		read_all(c, buf, 4);
		assert_memory_equal(buf, "ping", 4);
		assert_int_equal(SSL_write(c, "pong", 4), 4);
		read_all(s, buf, 4);
		assert_memory_equal(buf, "pong", 4);
		out.session = SSL_get1_session(c);
		SSL_shutdown(s);
		SSL_shutdown(c);
	}
	SSL_free(c);
	SSL_free(s);
	close(fd[0]);
	close(fd[1]);
	ERR_clear_error();
	return out;
}

/* ---- Tests ------------------------------------------------------------------ */

static void
test_good_pair_tls12_and_tls13(void **state)
{
	SSL_CTX *server = server_ctx(F_CERT, F_KEY, NULL);
	SSL_CTX *c12 = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);
	SSL_CTX *c13 = client_ctx(TLS1_3_VERSION, TLS1_3_VERSION);
	SSL_CTX *any = client_ctx(0, 0);
	struct hs r;

	(void)state;
	r = handshake(server, c12, NULL);
	assert_true(r.ok);
	assert_int_equal(r.version, TLS1_2_VERSION);
	/* A TLS 1.2 suite of the default cipher-list: ECDHE, AEAD. */
	if (strstr(TP_CONFIG_DEFAULT_CIPHER_LIST, r.cipher) == NULL)
		fail_msg("TLS 1.2 suite %s is not in the default list", r.cipher);
	assert_false(r.reused);
	SSL_SESSION_free(r.session);

	r = handshake(server, c13, NULL);
	assert_true(r.ok);
	assert_int_equal(r.version, TLS1_3_VERSION);
	assert_string_equal(r.alpn, ""); /* not offered, none chosen */
	SSL_SESSION_free(r.session);

	/* A client that allows every version gets the newest. */
	r = handshake(server, any, NULL);
	assert_true(r.ok);
	assert_int_equal(r.version, TLS1_3_VERSION);
	SSL_SESSION_free(r.session);

	SSL_CTX_free(any);
	SSL_CTX_free(c13);
	SSL_CTX_free(c12);
	SSL_CTX_free(server);
}

static void
test_old_versions_refused(void **state)
{
	static const int versions[] = { TLS1_VERSION, TLS1_1_VERSION };
	SSL_CTX *server = server_ctx(F_CERT, F_KEY, NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		SSL_CTX *old = client_ctx(versions[i], versions[i]);
		struct hs r = handshake(server, old, NULL);

		assert_false(r.ok);
		/* The server read the hello and refused it: not a client that
		 * never sent one. */
		if (ERR_GET_REASON(r.server_err) != SSL_R_UNSUPPORTED_PROTOCOL)
			fail_msg("version %#x: server error %lx (%s), want unsupported protocol",
				 versions[i], r.server_err,
				 ERR_reason_error_string(r.server_err));
		SSL_CTX_free(old);
	}
	SSL_CTX_free(server);
}

/* Resumption from the server's cache, in both versions. */
static void
test_resumption(void **state)
{
	static const int versions[] = { TLS1_2_VERSION, TLS1_3_VERSION };
	SSL_CTX *server = server_ctx(F_CERT, F_KEY, NULL);

	(void)state;
	assert_int_equal(SSL_CTX_get_options(server) & SSL_OP_NO_TICKET,
			 SSL_OP_NO_TICKET);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		SSL_CTX *client = client_ctx(versions[i], versions[i]);
		struct hs first = handshake(server, client, NULL);
		struct hs again;

		assert_true(first.ok);
		assert_non_null(first.session);
		assert_true(SSL_SESSION_is_resumable(first.session));
		again = handshake(server, client, first.session);
		assert_true(again.ok);
		assert_true(again.reused);
		assert_int_equal(again.version, versions[i]);
		SSL_SESSION_free(first.session);
		SSL_SESSION_free(again.session);
		SSL_CTX_free(client);
	}
	SSL_CTX_free(server);
}

/* The fixed settings: versions, options, modes. */
static void
test_settings(void **state)
{
	SSL_CTX *server = server_ctx(F_CERT, F_KEY, NULL);
	uint64_t opts = SSL_CTX_get_options(server);

	(void)state;
	assert_int_equal(SSL_CTX_get_min_proto_version(server), TLS1_2_VERSION);
	assert_int_equal(SSL_CTX_get_max_proto_version(server), TLS1_3_VERSION);
	assert_true(opts & SSL_OP_NO_RENEGOTIATION);
	assert_true(opts & SSL_OP_NO_COMPRESSION);
	assert_true(opts & SSL_OP_CIPHER_SERVER_PREFERENCE);
	assert_true(SSL_CTX_get_mode(server) & SSL_MODE_RELEASE_BUFFERS);
	assert_int_equal(SSL_CTX_get_session_cache_mode(server),
			 SSL_SESS_CACHE_SERVER);
	assert_int_equal(SSL_CTX_sess_get_cache_size(server),
			 TP_CONFIG_DEFAULT_STREAM_MAX_CONNECTIONS);
	assert_int_equal(SSL_CTX_get_timeout(server), CP_TLS_SESSION_TIMEOUT_S);
	SSL_CTX_free(server);

	/* The cache follows stream-max-connections. */
	server = server_ctx(F_CERT, F_KEY, "stream-max-connections=100");
	assert_int_equal(SSL_CTX_sess_get_cache_size(server), 100);
	SSL_CTX_free(server);
}

/* RFC 7443: "stun.turn" when offered; other protocols alone are no error. */
static void
test_alpn(void **state)
{
	static const unsigned char turn_and_h2[] = "\x02h2\x09stun.turn";
	static const unsigned char h2[] = "\x02h2";
	SSL_CTX *server = server_ctx(F_CERT, F_KEY, NULL);
	SSL_CTX *client = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION);
	struct hs r;

	(void)state;
	assert_int_equal(SSL_CTX_set_alpn_protos(client, turn_and_h2,
						 sizeof(turn_and_h2) - 1),
			 0);
	r = handshake(server, client, NULL);
	assert_true(r.ok);
	assert_string_equal(r.alpn, "stun.turn");
	SSL_SESSION_free(r.session);

	assert_int_equal(SSL_CTX_set_alpn_protos(client, h2, sizeof(h2) - 1), 0);
	r = handshake(server, client, NULL);
	assert_true(r.ok);
	assert_string_equal(r.alpn, "");
	SSL_SESSION_free(r.session);
	SSL_CTX_free(client);
	SSL_CTX_free(server);
}

/* cert may hold a chain: the intermediate is sent, so the root suffices. */
static void
test_chain(void **state)
{
	SSL_CTX *server = server_ctx(F_CHAIN, F_KEY, NULL);
	SSL_CTX *client = client_ctx(TLS1_2_VERSION, TLS1_3_VERSION);
	struct hs r;

	(void)state;
	SSL_CTX_set_verify(client, SSL_VERIFY_PEER, NULL);
	assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(client),
					     tls.root),
			 1);
	r = handshake(server, client, NULL);
	assert_true(r.ok);
	assert_int_equal(r.verify, X509_V_OK);
	assert_int_equal(r.peer_chain_len, 2);
	SSL_SESSION_free(r.session);

	/* The self-signed certificate does not verify against that root. */
	SSL_CTX_free(server);
	server = server_ctx(F_CERT, F_KEY, NULL);
	r = handshake(server, client, NULL);
	assert_false(r.ok);
	SSL_CTX_free(client);
	SSL_CTX_free(server);
}

/* cipher-list governs TLS 1.2 only. */
static void
test_cipher_list(void **state)
{
	SSL_CTX *server = server_ctx(F_CERT, F_KEY,
				     "cipher-list=ECDHE-ECDSA-CHACHA20-POLY1305");
	SSL_CTX *c12 = client_ctx(TLS1_2_VERSION, TLS1_2_VERSION);
	SSL_CTX *c13 = client_ctx(TLS1_3_VERSION, TLS1_3_VERSION);
	struct hs r;

	(void)state;
	r = handshake(server, c12, NULL);
	assert_true(r.ok);
	assert_string_equal(r.cipher, "ECDHE-ECDSA-CHACHA20-POLY1305");
	SSL_SESSION_free(r.session);
	r = handshake(server, c13, NULL);
	assert_true(r.ok);
	assert_int_equal(r.version, TLS1_3_VERSION);
	SSL_SESSION_free(r.session);
	SSL_CTX_free(server);

	/* The default list has no suite without forward secrecy. */
	server = server_ctx(F_CERT, F_KEY, NULL);
	assert_int_equal(SSL_CTX_set_cipher_list(c12, "AES128-GCM-SHA256"), 1);
	r = handshake(server, c12, NULL);
	assert_false(r.ok);
	assert_int_equal(ERR_GET_REASON(r.server_err), SSL_R_NO_SHARED_CIPHER);
	SSL_CTX_free(c13);
	SSL_CTX_free(c12);
	SSL_CTX_free(server);
}

static void
test_tls_off(void **state)
{
	struct tp_config cfg;
	SSL_CTX *ctx = (SSL_CTX *)&cfg;
	char err[256] = "";

	(void)state;
	assert_int_equal(tp_config_parse_text(&cfg, "off.conf",
					      "relay-ip=192.0.2.1\nno-auth\n",
					      err, sizeof(err)),
			 0);
	assert_int_equal(cp_tls_ctx_create(&ctx, &cfg, err, sizeof(err)), 0);
	assert_null(ctx);
	tp_config_free(&cfg);

	/* no-tls: the files are not even opened (this one does not exist). */
	cfg_make(&cfg, F_MISSING, F_MISSING, "no-tls");
	ctx = (SSL_CTX *)&cfg;
	assert_int_equal(cp_tls_ctx_create(&ctx, &cfg, err, sizeof(err)), 0);
	assert_null(ctx);
	tp_config_free(&cfg);
	assert_int_equal(cp_tls_ctx_create(NULL, &cfg, err, sizeof(err)),
			 -EINVAL);
}

static void
test_bad_files(void **state)
{
	(void)state;
	expect_fail(F_CERT, F_OTHER_KEY, NULL, 4, "pkey", tls.path[F_OTHER_KEY],
		    ": the key does not match the certificate in cert (line 3) [OpenSSL: ",
		    "key values mismatch", NULL);
	/* The chain's first certificate is the one the key must match. */
	expect_fail(F_CHAIN, F_OTHER_KEY, NULL, 4, "pkey", "does not match",
		    NULL);

	expect_fail(F_MISSING, F_KEY, NULL, 3, "cert", tls.path[F_MISSING],
		    ": cannot load a PEM certificate chain from it [OpenSSL: ",
		    "No such file or directory", NULL);
	expect_fail(F_CERT, F_MISSING, NULL, 4, "pkey", tls.path[F_MISSING],
		    ": cannot load an unencrypted PEM private key from it [OpenSSL: ",
		    "No such file or directory", NULL);
	expect_fail(F_NOT_PEM, F_KEY, NULL, 3, "cert", tls.path[F_NOT_PEM],
		    "cannot load a PEM certificate chain", "no start line", NULL);
	expect_fail(F_CERT, F_NOT_PEM, NULL, 4, "pkey", tls.path[F_NOT_PEM],
		    "cannot load an unencrypted PEM private key",
		    "[OpenSSL: ", NULL);
	/* The files swapped: a key where the certificate should be, and back. */
	expect_fail(F_KEY, F_CERT, NULL, 3, "cert", "no start line", NULL);
	expect_fail(F_CERT, F_CERT, NULL, 4, "pkey", "private key", NULL);
	/* Encrypted: refused, without waiting for a passphrase on a terminal. */
	expect_fail(F_CERT, F_ENC_KEY, NULL, 4, "pkey", tls.path[F_ENC_KEY],
		    "[OpenSSL: ", NULL);
	/* A directory. */
	{
		struct tp_config cfg;
		SSL_CTX *ctx;
		char text[512], err[1024] = "";

		snprintf(text, sizeof(text),
			 "relay-ip=192.0.2.10\nno-auth\ncert=%s\npkey=%s\n",
			 tls.dir, tls.path[F_KEY]);
		assert_int_equal(tp_config_parse_text(&cfg, "tls.conf", text,
						      err, sizeof(err)),
				 0);
		assert_int_equal(cp_tls_ctx_create(&ctx, &cfg, err, sizeof(err)),
				 -EINVAL);
		assert_null(ctx);
		tp_config_free(&cfg);
		assert_non_null(strstr(err, "tls.conf:3: cert: "));
	}
}

/* A file the server may not read (meaningless as root, who reads anything). */
static void
test_unreadable_file(void **state)
{
	(void)state;
	if (geteuid() == 0)
		skip();
	assert_int_equal(chmod(tls.path[F_KEY], 0), 0);
	expect_fail(F_CERT, F_KEY, NULL, 4, "pkey", "Permission denied", NULL);
	assert_int_equal(chmod(tls.path[F_KEY], 0600), 0);
}

static void
test_bad_cipher_list(void **state)
{
	(void)state;
	expect_fail(F_CERT, F_KEY, "cipher-list=NOT-A-CIPHER", 5, "cipher-list",
		    "'NOT-A-CIPHER' selects no TLS 1.2 cipher suite [OpenSSL: ",
		    "no cipher match", NULL);
	/* TLS 1.3 names are not TLS 1.2 suites. */
	expect_fail(F_CERT, F_KEY, "cipher-list=TLS_AES_128_GCM_SHA256", 5,
		    "cipher-list", "selects no TLS 1.2 cipher suite", NULL);
	/* A list that only removes. */
	expect_fail(F_CERT, F_KEY, "cipher-list=!ALL", 5, "cipher-list",
		    "no cipher match", NULL);
	/* Unknown names beside a known one are skipped (OpenSSL's rule). */
	SSL_CTX_free(server_ctx(F_CERT, F_KEY,
				"cipher-list=NOT-A-CIPHER:ECDHE-ECDSA-AES128-GCM-SHA256"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_pair_tls12_and_tls13),
		cmocka_unit_test(test_old_versions_refused),
		cmocka_unit_test(test_resumption),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_alpn),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_cipher_list),
		cmocka_unit_test(test_tls_off),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_bad_cipher_list),
	};

	return cmocka_run_group_tests(tests, tls_dir_make, tls_dir_remove);
}
