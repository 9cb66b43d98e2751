/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * turnpike-token: mint and inspect credentials for turnpike, playing the
 * roles that sit outside the TURN server:
 *
 *   oauth    the authorization server (WAF) of RFC 7635: mint an access
 *            token for a kid's key and print the JSON a client receives;
 *   inspect  decrypt a token with a key and show what is inside;
 *   rest     the web service of the "TURN REST API": mint an ephemeral
 *            username and password from a shared secret.
 *
 * Single-threaded command-line tool; everything it owns is on its stack.
 * Exit status: 0 on success, 2 on bad arguments or a token that does not
 * decrypt, 1 on an internal failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "auth_oauth.h"
#include "auth_rest.h"
#include "turnpike/base64.h"
#include "turnpike/oauth_token.h"

#define TOOL "turnpike-token"
#define EXIT_USAGE 2
#define TOKEN_MAC_KEY_DEFAULT_LEN 20
#define TOKEN_LIFETIME_DEFAULT 3600
#define REST_TTL_DEFAULT 86400

/* Options shared by the oauth and inspect commands. */
struct token_opts {
	const char *cmd;
	const char *kid;
	uint8_t key[OAUTH_KEY_MAX];
	size_t key_len;
	bool have_key;
	enum oauth_alg alg;
	const char *server_name;
	uint8_t mac_key[OAUTH_MAC_KEY_MAX];
	size_t mac_key_len;
	uint64_t lifetime;
	uint64_t timestamp;    /* seconds; 0 = now */
	const char *mint_only; /* first option given that only oauth takes */
};

static void __attribute__((format(printf, 2, 3)))
die_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", TOOL, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s %s --help')\n", TOOL, cmd);
	exit(EXIT_USAGE);
}

static void
usage_main(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [OPTIONS]\n"
		"Mint and inspect turnpike credentials.\n\n"
		"commands:\n"
		"  oauth    mint an RFC 7635 access token (the authorization server's role)\n"
		"  inspect  decrypt an access token and print its fields\n"
		"  rest     mint TURN REST API credentials from a shared secret\n\n"
		"'%s COMMAND --help' describes each command.\n",
		TOOL, TOOL);
}

static void
usage_oauth(void)
{
	printf("usage: %s oauth --kid KID --key BASE64 --server-name NAME [OPTIONS]\n"
	       "Mint an RFC 7635 access token and print it as JSON.\n\n"
	       "  --kid KID            key id shared with the TURN server (its USERNAME)\n"
	       "  --key BASE64         token key: 16 bytes for A128GCM, 32 for A256GCM\n"
	       "  --alg ALG            A128GCM or A256GCM (default A256GCM)\n"
	       "  --server-name NAME   the TURN server's name (authenticated with the token)\n"
	       "  --mac-key BASE64     MESSAGE-INTEGRITY key for the client\n"
	       "                       (default: 20 random bytes)\n"
	       "  --lifetime S         token lifetime in seconds (default %d)\n"
	       "  --timestamp UNIX     issue time in seconds (default: now)\n",
	       TOOL, TOKEN_LIFETIME_DEFAULT);
}

static void
usage_inspect(void)
{
	printf("usage: %s inspect --key BASE64 --server-name NAME [--alg ALG] TOKEN\n"
	       "Decrypt a base64 access token and print its fields as JSON.\n\n"
	       "  --key BASE64         token key: 16 bytes for A128GCM, 32 for A256GCM\n"
	       "  --alg ALG            A128GCM or A256GCM (default A256GCM)\n"
	       "  --server-name NAME   the TURN server's name the token was minted for\n",
	       TOOL);
}

static void
usage_rest(void)
{
	printf("usage: %s rest --secret SECRET [--user USER] [--ttl S]\n"
	       "Mint TURN REST API credentials (coturn's use-auth-secret).\n\n"
	       "  --secret SECRET      the shared secret, as text (static-auth-secret)\n"
	       "  --user USER          user id after the expiry time (default: none)\n"
	       "  --ttl S              seconds until the credentials expire (default %d)\n"
	       "  --expiry UNIX        expiry time instead of now + ttl\n",
	       TOOL, REST_TTL_DEFAULT);
}

/* Strict decimal number in [0, max]. */
static uint64_t
parse_num(const char *cmd, const char *opt, const char *s, uint64_t max)
{
	uint64_t v = 0;

	if (*s == '\0')
		die_usage(cmd, "%s: empty number", opt);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			die_usage(cmd, "%s: not a decimal number: '%s'", opt, s);
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			die_usage(cmd,
				  "%s: too large (at most %" PRIu64 "): '%s'",
				  opt, max, s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

static size_t
parse_b64(const char *cmd, const char *opt, const char *s, uint8_t *out,
	  size_t cap)
{
	int n = base64_decode(s, strlen(s), out, cap);

	if (n == -ENOSPC)
		die_usage(cmd, "%s: too long (at most %zu bytes)", opt, cap);
	if (n <= 0)
		die_usage(cmd, "%s: not valid base64: '%s'", opt, s);
	return (size_t)n;
}

/* Print s as a JSON string (with quotes). */
static void
json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

enum {
	OPT_KID = 1,
	OPT_KEY,
	OPT_ALG,
	OPT_SERVER_NAME,
	OPT_MAC_KEY,
	OPT_LIFETIME,
	OPT_TIMESTAMP,
	OPT_HELP
};

static const struct option token_long_opts[] = {
	{ "kid", required_argument, NULL, OPT_KID },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "server-name", required_argument, NULL, OPT_SERVER_NAME },
	{ "mac-key", required_argument, NULL, OPT_MAC_KEY },
	{ "lifetime", required_argument, NULL, OPT_LIFETIME },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* The long name of an option, for messages. */
static const char *
token_opt_name(int val)
{
	for (const struct option *o = token_long_opts; o->name != NULL; o++) {
		if (o->val == val)
			return o->name;
	}
	return "?";
}

/* Parse oauth/inspect options; returns the index of the first operand. */
static int
token_opts_parse(struct token_opts *o, int argc, char **argv, void (*usage)(void))
{
	int c;

	o->alg = OAUTH_ALG_A256GCM;
	o->lifetime = TOKEN_LIFETIME_DEFAULT;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", token_long_opts, NULL)) != -1) {
		if (o->mint_only == NULL &&
		    (c == OPT_KID || c == OPT_MAC_KEY || c == OPT_LIFETIME ||
		     c == OPT_TIMESTAMP))
			o->mint_only = token_opt_name(c);
		switch (c) {
		case OPT_KID:
			o->kid = optarg;
			break;
		case OPT_KEY:
			o->key_len = parse_b64(o->cmd, "--key", optarg, o->key,
					       sizeof(o->key));
			o->have_key = true;
			break;
		case OPT_ALG:
			o->alg = oauth_alg_from_name(optarg);
			if (o->alg == OAUTH_ALG_NONE)
				die_usage(o->cmd,
					  "--alg: unknown algorithm '%s' "
					  "(A128GCM or A256GCM)",
					  optarg);
			break;
		case OPT_SERVER_NAME:
			o->server_name = optarg;
			break;
		case OPT_MAC_KEY:
			o->mac_key_len = parse_b64(o->cmd, "--mac-key", optarg,
						   o->mac_key,
						   sizeof(o->mac_key));
			break;
		case OPT_LIFETIME:
			o->lifetime = parse_num(o->cmd, "--lifetime", optarg,
						UINT32_MAX);
			break;
		case OPT_TIMESTAMP:
			o->timestamp = parse_num(o->cmd, "--timestamp", optarg,
						 0xFFFFFFFFFFFFull);
			break;
		case OPT_HELP:
			usage();
			exit(0);
		default:
			if (optopt != 0)
				die_usage(o->cmd, "option '%s' needs a value",
					  argv[optind - 1]);
			die_usage(o->cmd, "unknown option '%s'",
				  argv[optind - 1]);
		}
	}
	if (!o->have_key)
		die_usage(o->cmd, "--key is required");
	if (o->key_len != oauth_alg_key_len(o->alg))
		die_usage(o->cmd, "--key: %zu bytes, but %s needs %zu",
			  o->key_len, oauth_alg_name(o->alg),
			  oauth_alg_key_len(o->alg));
	if (o->server_name == NULL)
		die_usage(o->cmd, "--server-name is required");
	return optind;
}

static int
cmd_oauth(int argc, char **argv)
{
	struct token_opts o = { .cmd = "oauth" };
	struct oauth_token tok = { 0 };
	uint8_t nonce[OAUTH_NONCE_LEN];
	uint8_t token[OAUTH_TOKEN_MAX];
	char token_b64[BASE64_ENCODED_LEN(OAUTH_TOKEN_MAX) + 1];
	char mac_b64[BASE64_ENCODED_LEN(OAUTH_MAC_KEY_MAX) + 1];
	int n;

	if (token_opts_parse(&o, argc, argv, usage_oauth) != argc)
		die_usage(o.cmd, "unexpected argument '%s'", argv[optind]);
	if (o.kid == NULL)
		die_usage(o.cmd, "--kid is required");
	if (o.mac_key_len == 0) {
		o.mac_key_len = TOKEN_MAC_KEY_DEFAULT_LEN;
		if (RAND_bytes(o.mac_key, (int)o.mac_key_len) != 1)
			return 1;
	}
	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return 1;
	memcpy(tok.mac_key, o.mac_key, o.mac_key_len);
	tok.mac_key_len = (uint16_t)o.mac_key_len;
	tok.timestamp = oauth_timestamp_make(o.timestamp ? o.timestamp :
							   (uint64_t)time(NULL),
					     0);
	tok.lifetime = (uint32_t)o.lifetime;
	n = oauth_token_encrypt(o.key, o.key_len, o.alg, o.server_name, nonce,
				&tok, token, sizeof(token));
	if (n < 0) {
		fprintf(stderr, "%s: oauth: cannot encrypt the token: %s\n",
			TOOL, strerror(-n));
		return 1;
	}
	base64_encode(token, (size_t)n, token_b64, sizeof(token_b64));
	base64_encode(tok.mac_key, tok.mac_key_len, mac_b64, sizeof(mac_b64));
	printf("{\"access_token\": \"%s\", \"token_type\": \"pop\", \"expires_in\": %" PRIu32
	       ", \"kid\": ",
	       token_b64, tok.lifetime);
	json_string(o.kid);
	printf(", \"key\": \"%s\", \"alg\": \"HMAC-SHA1\"}\n", mac_b64);
	OPENSSL_cleanse(&tok, sizeof(tok));
	OPENSSL_cleanse(&o, sizeof(o));
	OPENSSL_cleanse(mac_b64, sizeof(mac_b64));
	return 0;
}

static int
cmd_inspect(int argc, char **argv)
{
	struct token_opts o = { .cmd = "inspect" };
	struct oauth_token tok;
	uint8_t token[OAUTH_TOKEN_MAX];
	char mac_b64[BASE64_ENCODED_LEN(OAUTH_MAC_KEY_MAX) + 1];
	uint64_t secs, expires;
	const char *text;
	int first, n;

	first = token_opts_parse(&o, argc, argv, usage_inspect);
	if (o.mint_only != NULL)
		die_usage(o.cmd, "--%s is for minting ('oauth'), not for inspect",
			  o.mint_only);
	if (first >= argc)
		die_usage(o.cmd, "missing TOKEN");
	if (first + 1 < argc)
		die_usage(o.cmd, "unexpected argument '%s'", argv[first + 1]);
	text = argv[first];
	n = base64_decode(text, strlen(text), token, sizeof(token));
	if (n < 0) {
		fprintf(stderr, "%s: inspect: TOKEN is %s\n", TOOL,
			n == -ENOSPC ? "too long to be a token" :
				       "not valid base64");
		return EXIT_USAGE;
	}
	n = oauth_token_decrypt(o.key, o.key_len, o.alg, o.server_name, token,
				(size_t)n, &tok);
	if (n < 0) {
		fprintf(stderr,
			"%s: inspect: token does not decrypt or authenticate "
			"(wrong key, algorithm or server name, or a damaged token)\n",
			TOOL);
		return EXIT_USAGE;
	}
	secs = oauth_timestamp_seconds(tok.timestamp);
	expires = secs + tok.lifetime;
	base64_encode(tok.mac_key, tok.mac_key_len, mac_b64, sizeof(mac_b64));
	/* Fraction in 1/65536 s shown as microseconds. */
	printf("{\"mac_key\": \"%s\", \"timestamp\": %" PRIu64 ".%06" PRIu64
	       ", \"lifetime\": %" PRIu32 ", \"expires\": %" PRIu64
	       ", \"expired\": %s}\n",
	       mac_b64, secs, (tok.timestamp & 0xFFFF) * 1000000 / 65536,
	       tok.lifetime, expires,
	       (uint64_t)time(NULL) > expires ? "true" : "false");
	OPENSSL_cleanse(&tok, sizeof(tok));
	OPENSSL_cleanse(&o, sizeof(o));
	return 0;
}

static const struct option rest_long_opts[] = {
	{ "secret", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "ttl", required_argument, NULL, 't' },
	{ "expiry", required_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
cmd_rest(int argc, char **argv)
{
	const char *cmd = "rest";
	const char *secret = NULL;
	const char *user = NULL;
	uint64_t ttl = REST_TTL_DEFAULT;
	uint64_t expiry = 0;
	char username[AUTH_REST_USERNAME_MAX + 1];
	char password[AUTH_REST_PASSWORD_LEN + 1];
	int c, n;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", rest_long_opts, NULL)) != -1) {
		/* clang-format off */
		switch (c) {
		case 's': secret = optarg; break;
		case 'u': user = optarg; break;
		case 't': ttl = parse_num(cmd, "--ttl", optarg, UINT32_MAX); break;
		case 'e': expiry = parse_num(cmd, "--expiry", optarg, UINT64_MAX / 2); break;
		case 'h': usage_rest(); exit(0);
		default:
			if (optopt != 0)
				die_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
			die_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
		/* clang-format on */
	}
	if (optind != argc)
		die_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (secret == NULL || *secret == '\0')
		die_usage(cmd, "--secret is required");
	if (strlen(secret) > AUTH_REST_SECRET_MAX)
		die_usage(cmd, "--secret: longer than %d bytes",
			  AUTH_REST_SECRET_MAX);
	if (expiry == 0)
		expiry = (uint64_t)time(NULL) + ttl;
	if (user != NULL)
		n = snprintf(username, sizeof(username), "%" PRIu64 "%c%s",
			     expiry, AUTH_REST_SEPARATOR, user);
	else
		n = snprintf(username, sizeof(username), "%" PRIu64, expiry);
	if (n < 0 || (size_t)n >= sizeof(username))
		die_usage(cmd, "--user: the username would exceed %d bytes",
			  AUTH_REST_USERNAME_MAX);
	if (auth_rest_password((const uint8_t *)secret, strlen(secret),
			       username, (size_t)n, password) != 0) {
		fprintf(stderr, "%s: rest: cannot compute the password\n", TOOL);
		return 1;
	}
	printf("{\"username\": ");
	json_string(username);
	printf(", \"password\": \"%s\", \"ttl\": %" PRIu64 "}\n", password, ttl);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_main(stdout);
		return 0;
	}
	if (strcmp(argv[1], "oauth") == 0)
		return cmd_oauth(argc - 1, argv + 1);
	if (strcmp(argv[1], "inspect") == 0)
		return cmd_inspect(argc - 1, argv + 1);
	if (strcmp(argv[1], "rest") == 0)
		return cmd_rest(argc - 1, argv + 1);
	fprintf(stderr,
		"%s: unknown command '%s' (oauth, inspect or rest; see '%s --help')\n",
		TOOL, argv[1], TOOL);
	return EXIT_USAGE;
}
