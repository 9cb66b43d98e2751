/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The credential push API on libh2o's event loop (see push_http.h).
 *
 * One thread runs the loop: TLS, HTTP/1.1 keep-alive and HTTP/2 (ALPN
 * "h2"), the requests.  A request that needs the store
 * becomes a struct push_req, goes into the pipeline, and the loop returns
 * to other connections; the pipeline's done callback (on the store's or
 * the control thread) posts the request back to the loop through h2o's
 * inter-thread queue, where it is answered.  So thousands of requests
 * can wait on one transaction, which is what makes group commit work.
 *
 * A client may go away while its request is in the pipeline: h2o then
 * disposes of the request, and the push_req only hears of it (its req
 * becomes NULL), since the pipeline still holds its op.  Both happen on
 * the loop thread.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#define H2O_USE_LIBUV 0
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o.h>
#include <h2o/multithread.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cp_log.h"
#include "push_http.h"
#include "push_json.h"

struct push_http {
	h2o_globalconf_t config;
	h2o_context_t ctx;
	h2o_accept_ctx_t accept;
	h2o_multithread_queue_t *queue;
	h2o_multithread_receiver_t answers; /**< push_reqs done */
	h2o_socket_t *listener;
	SSL_CTX *tls;
	struct push_pipeline *pipeline;
	char realm[AUTH_LT_REALM_MAX + 1];
	pthread_t thread;
	volatile bool stop;
};

/* One request in the pipeline. */
struct push_req {
	struct push_op op;
	h2o_multithread_message_t msg;
	struct push_http *h;
	h2o_req_t *req;         /**< NULL once h2o disposed of it */
	struct push_req **slot; /**< in req's pool: how h2o tells us */
	bool undoing;           /**< the second trip: taking a PUT back */
	int status;             /**< the answer (an undo keeps the first) */
	char error[sizeof(((struct push_op *)0)->error)];
};

/* ---- answers ---- */

static const char *
status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Content Too Large";
	case 503:
		return "Service Unavailable";
	}
	return "Error";
}

/* Answer @p req with @p status and the body for @p op (or @p error). */
static void
answer(h2o_req_t *req, const struct push_op *op, int status, const char *error)
{
	char *body = push_json_answer(op, status, error);
	size_t n = body != NULL ? strlen(body) : 0;
	char *copy = n > 0 ? h2o_mem_alloc_pool(&req->pool, n) : NULL;

	if (n > 0)
		memcpy(copy, body, n);
	free(body);
	req->res.status = status;
	req->res.reason = status_text(status);
	/* h2o_send_inline() leaves it unset, and an HTTP/1.1 answer without
	 * it would close the connection. */
	req->res.content_length = n;
	if (n > 0)
		h2o_add_header(&req->pool, &req->res.headers,
			       H2O_TOKEN_CONTENT_TYPE, NULL,
			       H2O_STRLIT("application/json"));
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL,
		       NULL, H2O_STRLIT("no-store"));
	h2o_send_inline(req, copy, n);
}

static void
answer_error(h2o_req_t *req, int status, const char *why)
{
	struct push_op none = { .kind = PUSH_USER };

	answer(req, &none, status, why);
}

static void
log_request(const struct push_req *pr)
{
	char name[CP_LOG_ESCAPED_SIZE(64)];
	const struct push_op *op = &pr->op;

	cp_log_escape(name, sizeof(name), op->name,
		      op->name_len < 64 ? op->name_len : 64);
	cp_log(pr->status >= 500 ? CP_LOG_WARN : CP_LOG_DEBUG, "push.request",
	       "verb=%s kind=%s name=%s status=%d",
	       op->verb == PUSH_PUT ? "put" :
	       op->verb == PUSH_GET ? "get" :
				      "delete",
	       push_kind_name(op->kind), name, pr->status);
}

/* ---- the pipeline's side ---- */

/* The pipeline's done callback, on the store's or the control thread. */
static void
op_done(struct push_op *op)
{
	struct push_req *pr = op->done_arg;

	h2o_multithread_send_message(&pr->h->answers, &pr->msg);
}

static void
req_free(struct push_req *pr)
{
	if (pr->req != NULL)
		*pr->slot = NULL; /* h2o's dispose must not find us */
	push_op_wipe(&pr->op);
	free(pr);
}

/* One push_req back from the pipeline, on the loop thread. */
static void
req_back(struct push_req *pr)
{
	struct push_op *op = &pr->op;

	if (!pr->undoing) {
		pr->status = op->status;
		memcpy(pr->error, op->error, sizeof(pr->error));
		/* Stored, then refused by the tables: take it back out of the
		 * store, so a restart does not install what was refused. */
		if (op->verb == PUSH_PUT && op->status >= 400 &&
		    op->status != 503) {
			pr->undoing = true;
			op->verb = PUSH_UNDO;
			op->value = op->had_prev ? op->prev :
						   (struct push_value){ 0 };
			push_pipeline_submit(pr->h->pipeline, op);
			return;
		}
	}
	log_request(pr);
	if (pr->req != NULL) {
		/* A GET's facts are in op->value; a PUT's, the one pushed. */
		answer(pr->req, op, pr->status, pr->error);
	}
	req_free(pr);
}

static void
on_answers(h2o_multithread_receiver_t *r, h2o_linklist_t *msgs)
{
	(void)r;
	while (!h2o_linklist_is_empty(msgs)) {
		struct push_req *pr = H2O_STRUCT_FROM_MEMBER(struct push_req,
							     msg.link,
							     msgs->next);

		h2o_linklist_unlink(&pr->msg.link);
		req_back(pr);
	}
}

/* h2o is done with the request (answered, or the client went). */
static void
on_req_dispose(void *p)
{
	struct push_req **slot = p;

	if (*slot != NULL)
		(*slot)->req = NULL;
}

/* ---- requests ---- */

static bool
method_is(const h2o_req_t *req, const char *m)
{
	return h2o_memis(req->method.base, req->method.len, m, strlen(m));
}

static int
handle(struct push_http *h, h2o_req_t *req, enum push_kind kind,
       const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *rest = req->path_normalized.base + plen;
	size_t rlen = req->path_normalized.len - plen;
	struct push_req *pr;
	char why[160] = "";
	int status;

	pr = calloc(1, sizeof(*pr));
	if (pr == NULL) {
		answer_error(req, 503, "no memory");
		return 0;
	}
	pr->op.kind = kind;
	if (rlen == 0 && method_is(req, "POST")) {
		pr->op.verb = PUSH_PUT;
		status = push_json_parse(&pr->op, req->entity.base,
					 req->entity.len, h->realm, why,
					 sizeof(why));
	} else if (rlen > 1 && rest[0] == '/' &&
		   (method_is(req, "GET") || method_is(req, "DELETE"))) {
		pr->op.verb = method_is(req, "GET") ? PUSH_GET : PUSH_DEL;
		status = push_json_name(&pr->op, rest + 1, rlen - 1, why,
					sizeof(why)) == 0 ?
				 0 :
				 404;
	} else {
		status = 405;
		snprintf(why, sizeof(why), "POST %s, or GET or DELETE %s/NAME",
			 prefix, prefix);
	}
	/* The body held the password: gone once parsed. */
	if (req->entity.base != NULL)
		OPENSSL_cleanse((void *)req->entity.base, req->entity.len);
	if (status != 0) {
		answer_error(req, status, why);
		push_op_wipe(&pr->op);
		free(pr);
		return 0;
	}
	pr->h = h;
	pr->req = req;
	pr->slot = h2o_mem_alloc_shared(&req->pool, sizeof(*pr->slot),
					on_req_dispose);
	*pr->slot = pr;
	pr->op.done = op_done;
	pr->op.done_arg = pr;
	push_pipeline_submit(h->pipeline, &pr->op);
	return 0;
}

/* h2o's handlers: one per path prefix, each embedding its kind. */
struct push_handler {
	h2o_handler_t super;
	struct push_http *h;
	enum push_kind kind;
	const char *prefix;
};

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct push_handler *ph = (struct push_handler *)self;

	return handle(ph->h, req, ph->kind, ph->prefix);
}

/* ---- the server ---- */

static void
on_accept(h2o_socket_t *listener, const char *err)
{
	struct push_http *h = listener->data;
	h2o_socket_t *sock;

	if (err != NULL || (sock = h2o_evloop_socket_accept(listener)) == NULL)
		return;
	h2o_accept(&h->accept, sock);
}

static void *
loop_thread(void *arg)
{
	struct push_http *h = arg;

	while (!h->stop)
		h2o_evloop_run(h->ctx.loop, 1000);
	/* Answers the pipeline sent while we were stopping. */
	h2o_evloop_run(h->ctx.loop, 0);
	return NULL;
}

/* The server's TLS: our files, a verified client certificate required. */
static SSL_CTX *
tls_create(const struct tp_config *cfg, char *err, size_t err_len)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	STACK_OF(X509_NAME) *cas = NULL;
	const char *what = NULL;
	unsigned long e;

	if (ctx == NULL)
		what = "push-cert: no memory for TLS";
	else if (SSL_CTX_use_certificate_chain_file(ctx, cfg->push_cert) != 1)
		what = "push-cert: cannot load the certificate chain";
	else if (SSL_CTX_use_PrivateKey_file(ctx, cfg->push_pkey,
					     SSL_FILETYPE_PEM) != 1)
		what = "push-pkey: cannot load the private key";
	else if (SSL_CTX_check_private_key(ctx) != 1)
		what = "push-pkey: the key does not match push-cert";
	else if (SSL_CTX_load_verify_locations(ctx, cfg->push_client_ca, NULL) !=
			 1 ||
		 (cas = SSL_load_client_CA_file(cfg->push_client_ca)) == NULL)
		what = "push-client-ca: cannot load the CA certificates";
	if (what != NULL) {
		e = ERR_peek_last_error();
		snprintf(err, err_len, "%s [OpenSSL: %s]", what,
			 e != 0 ? ERR_reason_error_string(e) : "?");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_client_CA_list(ctx, cas);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			   NULL);
	/* HTTP/2 for a client that offers it (ALPN "h2"): many pushes in
	 * flight on one connection, answered in shared TLS records. */
	h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
	return ctx;
}

static int
listen_on(const struct tp_addr *a, char *err, size_t err_len)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (a->ip.family == TP_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->ip.bytes, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->ip.bytes, 4);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 1024) != 0) {
		char ip[TP_ADDR_STRLEN];

		snprintf(err, err_len, "push-listen: %s: %s",
			 tp_addr_format(a, ip, sizeof(ip)), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int
add_path(struct push_http *h, h2o_hostconf_t *host, const char *prefix,
	 enum push_kind kind)
{
	h2o_pathconf_t *path = h2o_config_register_path(host, prefix, 0);
	struct push_handler *ph =
		(struct push_handler *)h2o_create_handler(path, sizeof(*ph));

	if (ph == NULL)
		return -ENOMEM;
	ph->super.on_req = on_req;
	ph->h = h;
	ph->kind = kind;
	ph->prefix = prefix;
	return 0;
}

struct push_http *
push_http_start(const struct tp_config *cfg, const char *realm,
		struct push_pipeline *pipeline, char *err, size_t err_len)
{
	struct push_http *h = calloc(1, sizeof(*h));
	h2o_hostconf_t *host;
	int fd;

	if (h == NULL) {
		snprintf(err, err_len, "push-listen: no memory");
		return NULL;
	}
	h->pipeline = pipeline;
	snprintf(h->realm, sizeof(h->realm), "%s", realm);
	h->tls = tls_create(cfg, err, err_len);
	if (h->tls == NULL) {
		free(h);
		return NULL;
	}
	fd = listen_on(&cfg->push_listen, err, err_len);
	if (fd < 0) {
		SSL_CTX_free(h->tls);
		free(h);
		return NULL;
	}
	h2o_config_init(&h->config);
	h->config.max_request_entity_size = PUSH_BODY_MAX;
	host = h2o_config_register_host(&h->config,
					h2o_iovec_init(H2O_STRLIT("default")),
					65535);
	if (add_path(h, host, "/v1/credentials", PUSH_USER) != 0 ||
	    add_path(h, host, "/v1/secrets", PUSH_SECRET) != 0 ||
	    add_path(h, host, "/v1/oauth-keys", PUSH_OAUTH_KEY) != 0) {
		snprintf(err, err_len, "push-listen: no memory");
		goto fail;
	}
	h2o_context_init(&h->ctx, h2o_evloop_create(), &h->config);
	h->queue = h2o_multithread_create_queue(h->ctx.loop);
	h2o_multithread_register_receiver(h->queue, &h->answers, on_answers);
	h->accept.ctx = &h->ctx;
	h->accept.hosts = h->config.hosts;
	h->accept.ssl_ctx = h->tls;
	h->listener = h2o_evloop_socket_create(h->ctx.loop, fd,
					       H2O_SOCKET_FLAG_DONT_READ);
	h->listener->data = h;
	h2o_socket_read_start(h->listener, on_accept);
	if (pthread_create(&h->thread, NULL, loop_thread, h) != 0) {
		snprintf(err, err_len, "push-listen: cannot start its thread");
		goto fail;
	}
	pthread_setname_np(h->thread, "tp-push-http");
	return h;
fail:
	/* Nothing ran yet: the process is about to exit with the error. */
	SSL_CTX_free(h->tls);
	free(h);
	return NULL;
}

void
push_http_stop(struct push_http *h)
{
	if (h == NULL)
		return;
	h->stop = true;
	h2o_multithread_send_message(&h->answers, NULL); /* wake the loop */
	pthread_join(h->thread, NULL);
	h2o_socket_read_stop(h->listener);
	h2o_socket_close(h->listener);
	h2o_multithread_unregister_receiver(h->queue, &h->answers);
	h2o_multithread_destroy_queue(h->queue);
	h2o_context_dispose(&h->ctx);
	h2o_config_dispose(&h->config);
	SSL_CTX_free(h->tls);
	free(h);
}
