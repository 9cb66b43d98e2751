/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the admin socket's command language (cp_admin_exec),
 * one input = a session of lines against credential tables built from a
 * configuration with every mechanism on, and an idle TURN server.
 *
 * Invariants checked on every reply: the length returned is the string's,
 * it fits the buffer, and it ends with exactly one verdict line ("ok" or
 * "error ...").  ASan and UBSan catch the rest; the tables are rebuilt
 * (and freed) for every input so leaks show.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cp_admin.h"
#include "cp_log.h"

#define FZ_CONF                                         \
	"relay-ip=198.51.100.1\n"                       \
	"min-port=50000\nmax-port=50009\n"              \
	"realm=fuzz.test\nserver-name=turn.fuzz.test\n" \
	"lt-cred-mech\nuser=alice:alicepass\n"          \
	"use-auth-secret\nstatic-auth-secret=first\n"   \
	"oauth\noauth-key=north:MTIzNDU2Nzg5MDEyMzQ1Ng==:A128GCM\n"

static void
fz_cmd(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	(void)ctx;
	(void)worker;
	(void)cmd;
}

static void
fz_reply(void *ctx, uint16_t worker, const struct turn_packet *req,
	 const struct tp_addr *to, const struct tp_addr *from,
	 const uint8_t *msg, size_t len)
{
	(void)ctx;
	(void)worker;
	(void)req;
	(void)to;
	(void)from;
	(void)msg;
	(void)len;
}

static void
fz_check(const char *out, int n)
{
	const char *last;

	if (n <= 0 || (size_t)n != strlen(out) || n >= CP_ADMIN_REPLY_MAX ||
	    out[n - 1] != '\n')
		abort();
	for (last = out + n - 1; last > out && last[-1] != '\n'; last--)
		;
	if (strcmp(last, "ok\n") != 0 && strncmp(last, "error ", 6) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct turn_server *srv;
	static char out[CP_ADMIN_REPLY_MAX];
	static char line[CP_ADMIN_LINE_MAX + 16];
	struct tp_config cfg;
	struct cp_objects obj;
	struct cp_admin_ctx ctx;
	char err[256];
	size_t pos = 0;

	if (srv == NULL) {
		static const struct cp_sink sink = { .cmd = fz_cmd,
						     .reply = fz_reply };
		struct turn_params p = {
			.n_workers = 1,
			.allocs_per_worker = 4,
			.n_relay_ips = 1,
			.min_port = 50000,
			.max_port = 50009,
		};

		cp_log_set_level(CP_LOG_ERROR);
		p.relay_ips[0] = tp_ip_v4(0xC6336401);
		srv = turn_server_create(&p, &sink);
		if (srv == NULL)
			abort();
	}
	if (tp_config_parse_text(&cfg, "fuzz.conf", FZ_CONF, err, sizeof(err)) !=
		    0 ||
	    cp_setup_build(&obj, &cfg, 1, err, sizeof(err)) != 0)
		abort();
	ctx = (struct cp_admin_ctx){ .obj = &obj, .srv = srv, .now_ms = 1000 };
	/* Lines end at '\n' or at the input's end; NULs end them early, as a
	 * C string would in the socket code. */
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl != NULL ? (size_t)(nl - (data + pos)) :
					  size - pos;
		size_t copy = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

		memcpy(line, data + pos, copy);
		line[copy] = '\0';
		fz_check(out, cp_admin_exec(&ctx, line, out, sizeof(out)));
		ctx.now_ms += 1000;
		pos += len + 1;
	}
	ctx.now_ms += 3600 * 1000; /* pushed lifetimes run out */
	cp_admin_expire(&ctx, ctx.now_ms);
	cp_admin_ctx_fini(&ctx);
	cp_setup_free(&obj);
	tp_config_free(&cfg);
	return 0;
}
