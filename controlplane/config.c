/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file reader: coturn's turnserver.conf syntax, turnpike's
 * keys, and the checks that turn an operator's typo into one precise line
 * ("turnpike.conf:12: min-port: 70000 is not a port number (1-65535)")
 * instead of a server that starts and misbehaves.
 *
 * Runs on the control-plane thread, at start-up and at each reload (or for
 * turnpike --check-config).  Owns the heap parts of struct tp_config: the
 * file name, the growable arrays of repeated keys and the warning strings.
 * Secrets (user lines, static-auth-secret, oauth-key) are wiped when freed,
 * and so is every line buffer that held them.
 *
 * DESIGN
 *
 * One pass over the text.  Each line is split in place into key and value
 * (config_line_split), the key is looked up in the table of turnpike keys
 * (config_defs, indexed by enum tp_config_key) or in the table of coturn keys
 * that make no sense here (config_ignored), and the value is parsed by the
 * handler of the key's kind.  The first error stops the pass, the struct is
 * released, and the caller gets one message.  Keys that contradict each
 * other are checked after the pass by tp_config_validate(), which only needs
 * the struct: every key remembers the line it first appeared on.
 * tp_config_dump() walks the same table, so a new key is read and printed
 * by its row alone.
 *
 * Where turnpike is stricter than coturn, or differs, on purpose:
 *  - unknown keys and bad values stop the server (coturn logs and goes on);
 *  - a non-repeatable key given twice is an error (coturn keeps the last),
 *    and so is a second gateway of one family (one IPv4 and one IPv6 are
 *    fine: the fast path has a gateway per family);
 *  - static-auth-secret, user and oauth-key do not switch their mechanism on
 *    (coturn does so silently); the mechanism's flag must be given;
 *  - stale-nonce=0 (coturn: nonces never expire) is refused;
 *  - tls-listening-port, alt-tls-listening-port, cipher-list and
 *    tls-handshake-timeout without cert and pkey are refused (coturn warns
 *    and serves no TLS), unless no-tls says TLS is off on purpose;
 *  - a listening port inside the relay range, or one port for two roles,
 *    is refused;
 *  - alt-tls-listening-port defaults to 0 (none), not to
 *    tls-listening-port + 1: coturn opens that port for RFC 5780 NAT
 *    behaviour discovery, which turnpike does not do;
 *  - cert and pkey must be absolute paths (coturn also searches a few
 *    directories for a relative one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth_rest.h"
#include "config.h"
#include "redis_conf.h"
#include "turnpike/base64.h"
#include "turnpike/oauth_token.h"

/* How a key's value is read. */
enum config_kind {
	KIND_FLAG,      /* bool; bare, or a boolean word */
	KIND_ENFORCED,  /* a flag turnpike always behaves as if set */
	KIND_PORT,      /* uint16_t in [min, max] */
	KIND_PORTS,     /* struct tp_config_port_list */
	KIND_U32,       /* uint32_t in [min, max] */
	KIND_STALE,     /* stale-nonce: bare flag or seconds */
	KIND_TEXT,      /* char[max + 1], not empty */
	KIND_PATH,      /* char *, owned; an absolute path */
	KIND_SOCKET,    /* char[TP_CONFIG_SOCKET_PATH_MAX + 1] */
	KIND_BIND_IP,   /* one struct tp_ip to listen on; 0.0.0.0 or :: = all */
	KIND_BIND_ADDR, /* one struct tp_addr to listen on, port required */
	KIND_IP_PAIR,   /* struct tp_config_ip_pair, one address per family */
	KIND_IP_LIST,   /* struct tp_config_ip_list */
	KIND_RANGES,    /* struct tp_config_range_list, any range form */
	KIND_PREFIXES,  /* struct tp_config_range_list, CIDR only */
	KIND_ADDRS,     /* struct tp_config_addr_list, ip[:port] */
	KIND_USER,      /* struct tp_config_text_list, name:password */
	KIND_SECRET,    /* struct tp_config_text_list */
	KIND_OAUTH_KEY, /* struct tp_config_oauth_key_list */
	KIND_LOG_LEVEL, /* enum tp_log_level */
};

struct config_def {
	enum config_kind kind;
	bool repeatable;
	size_t off; /* of the field in struct tp_config */
	uint64_t min, max;
	/*
	 * Means something only with TLS: refused without cert and pkey
	 * (unless no-tls), and dumped commented out then.
	 */
	bool tls_only;
};

#define OFF(field) offsetof(struct tp_config, field)
/* clang-format off */
#define LIFETIME(field) \
	{ KIND_U32, false, OFF(field), TP_CONFIG_LIFETIME_MIN, TP_CONFIG_LIFETIME_MAX }

static const struct config_def config_defs[TP_CONFIG_KEY_COUNT] = {
	[TP_CONFIG_KEY_LISTENING_IP] = { KIND_IP_LIST, true, OFF(listening_ips), 0, 0 },
	[TP_CONFIG_KEY_LISTENING_PORT] = { KIND_PORT, false, OFF(listening_port), 1, 65535 },
	[TP_CONFIG_KEY_TLS_LISTENING_PORT] =
		{ KIND_PORTS, true, OFF(tls_listening_ports), 1, 65535, true },
	[TP_CONFIG_KEY_ALT_TLS_LISTENING_PORT] =
		{ KIND_PORT, false, OFF(alt_tls_listening_port), 0, 65535, true },
	[TP_CONFIG_KEY_NO_UDP] = { KIND_FLAG, false, OFF(no_udp), 0, 0 },
	[TP_CONFIG_KEY_NO_TCP] = { KIND_FLAG, false, OFF(no_tcp), 0, 0 },
	[TP_CONFIG_KEY_NO_TLS] = { KIND_FLAG, false, OFF(no_tls), 0, 0 },
	[TP_CONFIG_KEY_CERT] = { KIND_PATH, false, OFF(cert), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_PKEY] = { KIND_PATH, false, OFF(pkey), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_CIPHER_LIST] =
		{ KIND_TEXT, false, OFF(cipher_list), 0, TP_CONFIG_CIPHER_LIST_MAX, true },
	[TP_CONFIG_KEY_STREAM_MAX_CONNECTIONS] =
		{ KIND_U32, false, OFF(stream_max_connections),
		  TP_CONFIG_STREAM_CONNECTIONS_MIN, TP_CONFIG_STREAM_CONNECTIONS_MAX },
	[TP_CONFIG_KEY_STREAM_MAX_PER_SOURCE] =
		{ KIND_U32, false, OFF(stream_max_per_source),
		  TP_CONFIG_STREAM_CONNECTIONS_MIN, TP_CONFIG_STREAM_CONNECTIONS_MAX },
	[TP_CONFIG_KEY_STREAM_IDLE_TIMEOUT] =
		{ KIND_U32, false, OFF(stream_idle_timeout),
		  TP_CONFIG_STREAM_IDLE_MIN, TP_CONFIG_STREAM_IDLE_MAX },
	[TP_CONFIG_KEY_TLS_HANDSHAKE_TIMEOUT] =
		{ KIND_U32, false, OFF(tls_handshake_timeout),
		  TP_CONFIG_TLS_HANDSHAKE_MIN, TP_CONFIG_TLS_HANDSHAKE_MAX, true },
	[TP_CONFIG_KEY_STREAM_BUFFER] =
		{ KIND_U32, false, OFF(stream_buffer),
		  TP_CONFIG_STREAM_BUFFER_MIN, TP_CONFIG_STREAM_BUFFER_MAX },
	[TP_CONFIG_KEY_RELAY_IP] = { KIND_IP_LIST, true, OFF(relay_ips), 0, 0 },
	[TP_CONFIG_KEY_MIN_PORT] = { KIND_PORT, false, OFF(min_port), 1, 65535 },
	[TP_CONFIG_KEY_MAX_PORT] = { KIND_PORT, false, OFF(max_port), 1, 65535 },
	[TP_CONFIG_KEY_REALM] = { KIND_TEXT, false, OFF(realm), 0, TP_CONFIG_REALM_MAX },
	[TP_CONFIG_KEY_SERVER_NAME] =
		{ KIND_TEXT, false, OFF(server_name), 0, TP_CONFIG_REALM_MAX },
	[TP_CONFIG_KEY_LT_CRED_MECH] = { KIND_FLAG, false, OFF(lt_cred_mech), 0, 0 },
	[TP_CONFIG_KEY_USER] = { KIND_USER, true, OFF(users), 0, 0 },
	[TP_CONFIG_KEY_USE_AUTH_SECRET] = { KIND_FLAG, false, OFF(use_auth_secret), 0, 0 },
	[TP_CONFIG_KEY_STATIC_AUTH_SECRET] =
		{ KIND_SECRET, true, OFF(static_auth_secrets), 0, 0 },
	[TP_CONFIG_KEY_REST_MAX_LIFETIME] =
		{ KIND_U32, false, OFF(rest_max_lifetime),
		  TP_CONFIG_REST_MAX_LIFETIME_MIN, TP_CONFIG_REST_MAX_LIFETIME_MAX },
	[TP_CONFIG_KEY_OAUTH] = { KIND_FLAG, false, OFF(oauth), 0, 0 },
	[TP_CONFIG_KEY_OAUTH_KEY] = { KIND_OAUTH_KEY, true, OFF(oauth_keys), 0, 0 },
	[TP_CONFIG_KEY_NO_AUTH] = { KIND_FLAG, false, OFF(no_auth), 0, 0 },
	[TP_CONFIG_KEY_USER_QUOTA] = { KIND_U32, false, OFF(user_quota), 0, UINT32_MAX },
	[TP_CONFIG_KEY_TOTAL_QUOTA] = { KIND_U32, false, OFF(total_quota), 0, UINT32_MAX },
	[TP_CONFIG_KEY_OAUTH_KID_QUOTA] = { KIND_U32, false, OFF(oauth_kid_quota), 0, UINT32_MAX },
	[TP_CONFIG_KEY_MAX_BPS] = { KIND_U32, false, OFF(max_bps), 0, TP_CONFIG_MAX_BPS_MAX },
	[TP_CONFIG_KEY_ALLOWED_PEER_IP] = { KIND_RANGES, true, OFF(allowed_peer_ips), 0, 0 },
	[TP_CONFIG_KEY_DENIED_PEER_IP] = { KIND_RANGES, true, OFF(denied_peer_ips), 0, 0 },
	[TP_CONFIG_KEY_STALE_NONCE] = { KIND_STALE, false, OFF(stale_nonce),
					TP_CONFIG_LIFETIME_MIN, TP_CONFIG_LIFETIME_MAX },
	[TP_CONFIG_KEY_MAX_ALLOCATE_LIFETIME] = LIFETIME(max_allocate_lifetime),
	[TP_CONFIG_KEY_CHANNEL_LIFETIME] = LIFETIME(channel_lifetime),
	[TP_CONFIG_KEY_PERMISSION_LIFETIME] = LIFETIME(permission_lifetime),
	[TP_CONFIG_KEY_ALTERNATE_SERVER] = { KIND_ADDRS, true, OFF(alternate_servers), 0, 0 },
	[TP_CONFIG_KEY_DRAIN_MIN_ALLOCATIONS] =
		{ KIND_U32, false, OFF(drain_min_allocations), 0, UINT32_MAX },
	[TP_CONFIG_KEY_NO_SOFTWARE_ATTRIBUTE] =
		{ KIND_FLAG, false, OFF(no_software_attribute), 0, 0 },
	[TP_CONFIG_KEY_NO_MULTICAST_PEERS] = { KIND_ENFORCED, false, 0, 0, 0 },
	[TP_CONFIG_KEY_NO_LOOPBACK_PEERS] = { KIND_ENFORCED, false, 0, 0, 0 },
	/* Repeatable, but once per family: config_ip_pair_set() checks. */
	[TP_CONFIG_KEY_GATEWAY] = { KIND_IP_PAIR, true, OFF(gateway), 0, 0 },
	[TP_CONFIG_KEY_LOCAL_NETWORK] = { KIND_PREFIXES, true, OFF(local_networks), 0, 0 },
	[TP_CONFIG_KEY_EXCEPTION_INTERFACE] =
		{ KIND_TEXT, false, OFF(exception_interface), 0, TP_CONFIG_IFNAME_MAX },
	[TP_CONFIG_KEY_ALLOCATIONS_PER_WORKER] = { KIND_U32, false, OFF(allocations_per_worker),
						   TP_CONFIG_ALLOCS_MIN, TP_CONFIG_ALLOCS_MAX },
	[TP_CONFIG_KEY_ALLOW_UNSAFE_PEERS] = { KIND_FLAG, false, OFF(allow_unsafe_peers), 0, 0 },
	[TP_CONFIG_KEY_RFC5766_CHANNEL_NUMBERS] =
		{ KIND_FLAG, false, OFF(rfc5766_channel_numbers), 0, 0 },
	[TP_CONFIG_KEY_ADMIN_SOCKET] = { KIND_SOCKET, false, OFF(admin_socket), 0, 0 },
	[TP_CONFIG_KEY_LOG_LEVEL] = { KIND_LOG_LEVEL, false, OFF(log_level), 0, 0 },
	[TP_CONFIG_KEY_REQUEST_RATE] =
		{ KIND_U32, false, OFF(request_rate), 0, TP_CONFIG_LIMIT_RATE_MAX },
	[TP_CONFIG_KEY_REQUEST_BURST] =
		{ KIND_U32, false, OFF(request_burst), 1, UINT32_MAX },
	[TP_CONFIG_KEY_CHALLENGE_RATE] =
		{ KIND_U32, false, OFF(challenge_rate), 0, TP_CONFIG_LIMIT_RATE_MAX },
	[TP_CONFIG_KEY_CHALLENGE_BURST] =
		{ KIND_U32, false, OFF(challenge_burst), 1, UINT32_MAX },
	[TP_CONFIG_KEY_LIMIT_PREFIX_V4] =
		{ KIND_U32, false, OFF(limit_prefix_v4), 1, 32 },
	[TP_CONFIG_KEY_LIMIT_PREFIX_V6] =
		{ KIND_U32, false, OFF(limit_prefix_v6), 1, 128 },
	[TP_CONFIG_KEY_PROMETHEUS] = { KIND_FLAG, false, OFF(prometheus), 0, 0 },
	[TP_CONFIG_KEY_PROMETHEUS_ADDRESS] =
		{ KIND_BIND_IP, false, OFF(prometheus_address), 0, 0 },
	[TP_CONFIG_KEY_PROMETHEUS_PORT] =
		{ KIND_PORT, false, OFF(prometheus_port), 1, 65535 },
	[TP_CONFIG_KEY_PUSH_LISTEN] = { KIND_BIND_ADDR, false, OFF(push_listen), 0, 0 },
	[TP_CONFIG_KEY_PUSH_CERT] = { KIND_PATH, false, OFF(push_cert), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_PUSH_PKEY] = { KIND_PATH, false, OFF(push_pkey), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_PUSH_CLIENT_CA] =
		{ KIND_PATH, false, OFF(push_client_ca), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_PUSH_STORE] = { KIND_PATH, false, OFF(push_store), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_USAGE_RECORDS_JSON] =
		{ KIND_PATH, false, OFF(usage_records_json), 0, TP_CONFIG_PATH_MAX },
	[TP_CONFIG_KEY_REDIS_USERDB] =
		{ KIND_TEXT, false, OFF(redis_userdb), 0, TP_CONFIG_REDIS_MAX },
	[TP_CONFIG_KEY_REDIS_STATSDB] =
		{ KIND_TEXT, false, OFF(redis_statsdb), 0, TP_CONFIG_REDIS_MAX },
	[TP_CONFIG_KEY_FLEET_ID] = { KIND_TEXT, false, OFF(fleet_id), 0, TP_CONFIG_FLEET_ID_MAX },
	[TP_CONFIG_KEY_FLEET_LEASE] = { KIND_U32, false, OFF(fleet_lease),
		TP_CONFIG_FLEET_LEASE_MIN, TP_CONFIG_FLEET_LEASE_MAX },
	[TP_CONFIG_KEY_FLEET_SHED_ALLOCATIONS] =
		{ KIND_U32, false, OFF(fleet_shed_allocations), 0, UINT32_MAX },
	[TP_CONFIG_KEY_FLEET_ADVERTISE] =
		{ KIND_BIND_ADDR, false, OFF(fleet_advertise), 0, 0 },
};
/* clang-format on */

_Static_assert(sizeof(TP_CONFIG_DEFAULT_CIPHER_LIST) <=
		       TP_CONFIG_CIPHER_LIST_MAX + 1,
	       "the default cipher-list must fit its field");

static const char *const config_key_names[TP_CONFIG_KEY_COUNT] = {
#define TP_CONFIG_KEY_NAME(id, name) [TP_CONFIG_KEY_##id] = name,
	TP_CONFIG_KEY_LIST(TP_CONFIG_KEY_NAME)
#undef TP_CONFIG_KEY_NAME
};

/*
 * coturn keys found in ordinary turnserver.conf files that mean nothing to
 * turnpike: accepted, whatever their value, with a warning.
 */
#define NO_CLI "turnpike has no telnet CLI; see admin-socket"
#define OLD_TLS "turnpike never offers TLS 1.0 or 1.1"
#define LOGGING "turnpike logs to stderr; see log-level"
static const struct config_ignored {
	const char *name;
	const char *reason;
} config_ignored[] = {
	{ "fingerprint", "FINGERPRINT is handled by the STUN layer" },
	{ "no-cli", NO_CLI },
	{ "cli-password", NO_CLI },
	{ "cli-ip", NO_CLI },
	{ "cli-port", NO_CLI },
	{ "no-dtls", "turnpike has no DTLS" },
	{ "no-tlsv1", OLD_TLS },
	{ "no-tlsv1_1", OLD_TLS },
	{ "no-tcp-relay", "turnpike relays UDP only (no RFC 6062 TCP relay)" },
	{ "log-file", LOGGING },
	{ "simple-log", LOGGING },
	{ "new-log-timestamp", LOGGING },
	{ "no-stdout-log", LOGGING },
	{ "syslog", LOGGING },
	{ "verbose", LOGGING },
	{ "Verbose", LOGGING },
	{ "pidfile", "run turnpike under a service manager" },
	{ "proc-user", "drop privileges with the service manager" },
	{ "proc-group", "drop privileges with the service manager" },
	{ "mobility", "MICE (mobility) is not supported" },
	{ "listening-device", "the DPDK port is chosen with EAL arguments" },
};

static const char *const config_log_levels[] = {
	[TP_LOG_ERROR] = "error",
	[TP_LOG_WARN] = "warn",
	[TP_LOG_INFO] = "info",
	[TP_LOG_DEBUG] = "debug",
};

/* The state of one pass. */
struct config_parser {
	struct tp_config *cfg;
	unsigned int line;
	const char *key; /* of the line being read, NULL before the key */
	char *err;
	size_t err_len;
};

/* Write "FILE:LINE: KEY: message" and return -EINVAL. */
static int __attribute__((format(printf, 2, 3)))
config_fail(struct config_parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->err == NULL || p->err_len == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->key != NULL)
		snprintf(p->err, p->err_len, "%s:%u: %s: %s", p->cfg->file,
			 p->line, p->key, msg);
	else
		snprintf(p->err, p->err_len, "%s:%u: %s", p->cfg->file, p->line,
			 msg);
	OPENSSL_cleanse(msg, sizeof(msg));
	return -EINVAL;
}

/*
 * Make room for one more item in an array of @p size-byte items holding
 * @p n of @p *cap.  Returns the (possibly moved) array, or NULL (the old
 * array is then untouched).
 */
static void *
config_array_grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap != 0 ? *cap * 2 : 4;
	if (ncap > SIZE_MAX / size)
		return NULL;
	nv = realloc(v, ncap * size);
	if (nv != NULL)
		*cap = ncap;
	return nv;
}

static int
config_warn(struct config_parser *p, const char *reason)
{
	struct tp_config *cfg = p->cfg;
	char **nv;
	char buf[256];
	int len;

	nv = config_array_grow(cfg->warnings, cfg->n_warnings,
			       &cfg->cap_warnings, sizeof(*cfg->warnings));
	if (nv == NULL)
		return -ENOMEM;
	cfg->warnings = nv;
	len = snprintf(buf, sizeof(buf), "%s:%u: %s: ignored (%s)", cfg->file,
		       p->line, p->key, reason);
	if (len < 0)
		return -EINVAL;
	nv[cfg->n_warnings] = strdup(buf);
	if (nv[cfg->n_warnings] == NULL)
		return -ENOMEM;
	cfg->n_warnings++;
	return 0;
}

/* ---- Splitting a line ------------------------------------------------- */

static bool
config_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The parts of one line, pointing into the line buffer. */
struct config_line {
	char *key;      /* NULL for a blank or comment line */
	char *value;    /* "" when absent */
	bool has_value; /* '=' or a value was present */
};

/* Find where an unquoted value ends: at a '#' after a blank, or at NUL. */
static char *
config_value_end(char *v)
{
	char *s;

	for (s = v; *s != '\0'; s++) {
		if (*s == '#' && config_is_blank(s[-1]))
			break;
	}
	while (s > v && config_is_blank(s[-1]))
		s--;
	return s;
}

/*
 * Split @p s in place: "key", "key value", "key=value", "key = value",
 * optional double quotes around the value, '#' comments (a whole line, or
 * after a blank).  Errors are reported through @p p.
 */
static int
config_line_split(struct config_parser *p, char *s, struct config_line *out)
{
	char *key_end;
	char *v;

	memset(out, 0, sizeof(*out));
	out->value = "";
	while (config_is_blank(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '=')
		return config_fail(p, "'=' with no key before it");
	out->key = s;
	while (*s != '\0' && *s != '=' && !config_is_blank(*s))
		s++;
	key_end = s;
	while (config_is_blank(*s))
		s++;
	if (*s == '=') {
		out->has_value = true;
		s++;
		while (config_is_blank(*s))
			s++;
	}
	/* A value that is only a comment ("key  # note") is no value. */
	if (*s == '#' && config_is_blank(s[-1]))
		s = s + strlen(s);
	*key_end = '\0'; /* safe now: nothing below looks back past s */
	p->key = out->key;
	if (*s == '"') {
		char *close = strchr(s + 1, '"');
		char *rest;

		if (close == NULL)
			return config_fail(p,
					   "value has no closing double quote");
		rest = close + 1;
		while (config_is_blank(*rest))
			rest++;
		if (*rest != '\0' && !(*rest == '#' && config_is_blank(rest[-1])))
			return config_fail(p,
					   "text after the closing double quote");
		*close = '\0';
		out->value = s + 1;
		out->has_value = true;
		return 0;
	}
	v = s;
	*config_value_end(v) = '\0';
	if (*v != '\0')
		out->has_value = true;
	out->value = v;
	return 0;
}

/* ---- Values ----------------------------------------------------------- */

/* Decimal digits only (no sign, no blanks); -EINVAL or -ERANGE. */
static int
config_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int
config_number(struct config_parser *p, const char *value, uint64_t min,
	      uint64_t max, bool is_port, uint64_t *out)
{
	int rc = config_parse_u64(value, out);

	if (rc == -EINVAL)
		return config_fail(p, "'%.64s' is not a number", value);
	if (rc == 0 && *out >= min && *out <= max)
		return 0;
	if (is_port)
		return config_fail(p, "%.64s is not a port number (%llu-%llu)",
				   value, (unsigned long long)min,
				   (unsigned long long)max);
	return config_fail(p, "%.64s is out of range (%llu-%llu)", value,
			   (unsigned long long)min, (unsigned long long)max);
}

/* A flag's value: absent, or a boolean word. */
static int
config_flag(struct config_parser *p, const struct config_line *l, bool *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };

	*out = true;
	if (l->value[0] == '\0')
		return 0;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(l->value, yes[i]) == 0)
			return 0;
		if (strcasecmp(l->value, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return config_fail(p,
			   "is a flag and takes no value (or one of yes/no, on/off, "
			   "true/false, 1/0), not '%.64s'",
			   l->value);
}

static int
config_ip(struct config_parser *p, const char *value, bool unicast,
	  struct tp_ip *ip)
{
	static const uint8_t zero[16];

	if (tp_ip_parse(ip, value) != 0)
		return config_fail(p, "'%.64s' is not an IP address", value);
	if (!unicast)
		return 0;
	if (memcmp(ip->bytes, zero, tp_ip_len(ip->family)) == 0)
		return config_fail(p,
				   "%.64s is the unspecified address; give the "
				   "address itself",
				   value);
	if ((ip->family == TP_AF_INET && (ip->bytes[0] & 0xF0) == 0xE0) ||
	    (ip->family == TP_AF_INET6 && ip->bytes[0] == 0xFF))
		return config_fail(p, "%.64s is a multicast address", value);
	return 0;
}

/* "ip", "ip:port", "[ipv6]" or "[ipv6]:port" (coturn's alternate-server). */
static int
config_addr(struct config_parser *p, const char *value, struct tp_addr *addr)
{
	char host[64];
	const char *port = NULL;
	const char *colon = strchr(value, ':');
	size_t len;

	if (value[0] == '[') {
		const char *close = strchr(value, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return config_fail(p,
					   "'%.64s' is not ip[:port] or [ipv6][:port]",
					   value);
		len = (size_t)(close - value - 1);
		value++;
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		len = (size_t)(colon - value); /* exactly one ':': IPv4 and a port */
		port = colon + 1;
	} else {
		len = strlen(value); /* no ':' (IPv4) or several (bare IPv6) */
	}
	if (len >= sizeof(host))
		return config_fail(p, "'%.64s' is not an IP address", value);
	memcpy(host, value, len);
	host[len] = '\0';
	if (config_ip(p, host, true, &addr->ip) != 0)
		return -EINVAL;
	addr->port = TP_CONFIG_DEFAULT_ALTERNATE_PORT;
	if (port != NULL) {
		uint64_t v;

		if (config_number(p, port, 1, 65535, true, &v) != 0)
			return -EINVAL;
		addr->port = (uint16_t)v;
	}
	return 0;
}

/* A listening address with its port: "ip:port" or "[ipv6]:port". */
static int
config_bind_addr(struct config_parser *p, const char *value, struct tp_addr *addr)
{
	const char *close = strchr(value, ']');
	const char *colon = strrchr(value, ':');

	if (value[0] == '[' ? close == NULL || close[1] != ':' :
			      colon == NULL || strchr(value, ':') != colon)
		return config_fail(p, "'%.64s' is not ip:port or [ipv6]:port",
				   value);
	if (config_addr(p, value, addr) != 0)
		return -EINVAL;
	if ((addr->ip.family == TP_AF_INET && (addr->ip.bytes[0] & 0xF0) == 0xE0) ||
	    (addr->ip.family == TP_AF_INET6 && addr->ip.bytes[0] == 0xFF))
		return config_fail(p, "%.64s is a multicast address", value);
	return 0;
}

/* user = name:password | name:0x<32 hex digits> (coturn's key form). */
static int
config_user_check(struct config_parser *p, const char *value)
{
	const char *colon = strchr(value, ':');
	const char *pass;
	size_t nlen, plen;

	if (colon == NULL)
		return config_fail(p,
				   "expected name:password or name:0x<32 hex digits>");
	nlen = (size_t)(colon - value);
	pass = colon + 1;
	plen = strlen(pass);
	if (nlen == 0 || nlen > AUTH_LT_USERNAME_MAX)
		return config_fail(p, "the name must be 1-%d bytes",
				   AUTH_LT_USERNAME_MAX);
	if (plen == 0 || plen > AUTH_LT_PASSWORD_MAX)
		return config_fail(p, "the password must be 1-%d bytes",
				   AUTH_LT_PASSWORD_MAX);
	if (pass[0] == '0' && (pass[1] == 'x' || pass[1] == 'X')) {
		size_t i;

		for (i = 2; pass[i] != '\0'; i++) {
			char c = pass[i];

			if (!((c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
				break;
		}
		if (pass[i] != '\0' || plen != 2 + 2 * AUTH_LT_KEY_MD5_LEN)
			return config_fail(p,
					   "a key given as 0x... must be %d hex digits "
					   "(the MD5 of name:realm:password)",
					   2 * AUTH_LT_KEY_MD5_LEN);
	}
	return 0;
}

static int
config_text_push(struct config_parser *p, struct tp_config_text_list *list,
		 const char *value)
{
	struct tp_config_text *nv;
	size_t len = strlen(value);

	nv = config_array_grow(list->v, list->n, &list->cap, sizeof(*list->v));
	if (nv == NULL)
		return -ENOMEM;
	list->v = nv;
	nv[list->n].text = malloc(len + 1);
	if (nv[list->n].text == NULL)
		return -ENOMEM;
	memcpy(nv[list->n].text, value, len + 1);
	nv[list->n].len = len;
	nv[list->n].line = p->line;
	list->n++;
	return 0;
}

/* oauth-key = KID:BASE64KEY:ALG */
static int
config_oauth_key(struct config_parser *p, char *value)
{
	struct tp_config_oauth_key_list *list = &p->cfg->oauth_keys;
	struct tp_config_oauth_key item = { .line = p->line };
	struct tp_config_oauth_key *nv;
	char *first = strchr(value, ':');
	char *last = strrchr(value, ':');
	int rc;

	if (first == NULL || first == last)
		return config_fail(p, "expected KID:BASE64KEY:ALG");
	*first = '\0';
	*last = '\0';
	if (first == value || (size_t)(first - value) > AUTH_OAUTH_KID_MAX)
		return config_fail(p, "the kid must be 1-%d bytes",
				   AUTH_OAUTH_KID_MAX);
	memcpy(item.key.kid, value, (size_t)(first - value) + 1);
	item.key.alg = oauth_alg_from_name(last + 1);
	if (item.key.alg == OAUTH_ALG_NONE)
		return config_fail(p,
				   "'%.16s' is not an algorithm (A128GCM, A256GCM)",
				   last + 1);
	rc = base64_decode(first + 1, strlen(first + 1), item.key.key,
			   sizeof(item.key.key));
	if (rc == -ENOSPC)
		return config_fail(p, "the key decodes to more than %d bytes",
				   OAUTH_KEY_MAX);
	if (rc < 0)
		return config_fail(p,
				   "the key is not valid base64 (RFC 4648, '=' padded)");
	if ((size_t)rc != oauth_alg_key_len(item.key.alg)) {
		size_t need = oauth_alg_key_len(item.key.alg);

		OPENSSL_cleanse(&item, sizeof(item));
		return config_fail(p, "the key is %d bytes but %s needs %zu",
				   rc, last + 1, need);
	}
	item.key.key_len = (uint8_t)rc;
	for (size_t i = 0; i < list->n; i++) {
		if (strcmp(list->v[i].key.kid, item.key.kid) == 0) {
			OPENSSL_cleanse(&item, sizeof(item));
			return config_fail(p,
					   "kid '%.64s' given again (first on line %u)",
					   value, list->v[i].line);
		}
	}
	if (list->n >= AUTH_OAUTH_KEYS_MAX) {
		OPENSSL_cleanse(&item, sizeof(item));
		return config_fail(p, "more than %d keys", AUTH_OAUTH_KEYS_MAX);
	}
	nv = config_array_grow(list->v, list->n, &list->cap, sizeof(*list->v));
	if (nv != NULL) {
		list->v = nv;
		nv[list->n++] = item;
	}
	OPENSSL_cleanse(&item, sizeof(item));
	return nv != NULL ? 0 : -ENOMEM;
}

/*
 * A repeatable port (tls-listening-port): the first line replaces the
 * default (the one item with line 0), each later one adds a port; a port
 * given twice is a mistake (the second line would open nothing).
 */
static int
config_port_push(struct config_parser *p, const struct config_def *def,
		 struct tp_config_port_list *list, const char *value)
{
	uint64_t v;

	if (config_number(p, value, def->min, def->max, true, &v) != 0)
		return -EINVAL;
	if (list->n == 1 && list->v[0].line == 0)
		list->n = 0; /* the first line replaces the default */
	for (size_t i = 0; i < list->n; i++) {
		if (list->v[i].port == v)
			return config_fail(p, "%u given again (first on line %u)",
					   (unsigned int)v, list->v[i].line);
	}
	if (list->n >= TP_CONFIG_TLS_PORTS_MAX)
		return config_fail(p, "more than %d ports",
				   TP_CONFIG_TLS_PORTS_MAX);
	list->v[list->n].port = (uint16_t)v;
	list->v[list->n].line = p->line;
	list->n++;
	return 0;
}

/*
 * One address per family (gateway).  A second line of the same family would
 * replace the first without a word, so it is refused, like a non-repeatable
 * key given again, naming the line that family was first given on.
 */
static int
config_ip_pair_set(struct config_parser *p, struct tp_config_ip_pair *pair,
		   const char *value)
{
	struct tp_config_ip item = { .line = p->line };
	struct tp_config_ip *slot;

	if (config_ip(p, value, true, &item.ip) != 0)
		return -EINVAL;
	slot = item.ip.family == TP_AF_INET6 ? &pair->v6 : &pair->v4;
	if (slot->line != 0)
		return config_fail(p,
				   "a second %s address (first on line %u); give at "
				   "most one per family",
				   item.ip.family == TP_AF_INET6 ? "IPv6" : "IPv4",
				   slot->line);
	*slot = item;
	return 0;
}

/* ---- Handlers by kind --------------------------------------------------- */

/* Kinds that hold one scalar. */
static int
config_apply_scalar(struct config_parser *p, const struct config_def *def,
		    const struct config_line *l)
{
	void *field = (char *)p->cfg + def->off;
	uint64_t v;
	size_t len = strlen(l->value);

	switch (def->kind) {
	case KIND_PORT:
	case KIND_U32:
		/* The row's max fits the field, so the value is never narrowed. */
		if (config_number(p, l->value, def->min, def->max,
				  def->kind == KIND_PORT, &v) != 0)
			return -EINVAL;
		if (def->kind == KIND_PORT)
			*(uint16_t *)field = (uint16_t)v;
		else
			*(uint32_t *)field = (uint32_t)v;
		return 0;
	case KIND_STALE:
		if (l->value[0] == '\0')
			v = TP_CONFIG_DEFAULT_STALE_NONCE;
		else if (strcmp(l->value, "0") == 0)
			return config_fail(p,
					   "0 (nonces that never go stale) is not supported; "
					   "use %d-%d seconds",
					   TP_CONFIG_LIFETIME_MIN,
					   TP_CONFIG_LIFETIME_MAX);
		else if (config_number(p, l->value, def->min, def->max, false,
				       &v) != 0)
			return -EINVAL;
		*(uint32_t *)field = (uint32_t)v;
		return 0;
	case KIND_TEXT:
		if (len > def->max)
			return config_fail(p, "longer than %llu bytes",
					   (unsigned long long)def->max);
		memcpy(field, l->value, len + 1);
		return 0;
	case KIND_PATH:
		if (l->value[0] != '/')
			return config_fail(p, "'%.64s' is not an absolute path",
					   l->value);
		if (len > def->max)
			return config_fail(p, "longer than %llu bytes",
					   (unsigned long long)def->max);
		*(char **)field = strdup(l->value);
		return *(char **)field != NULL ? 0 : -ENOMEM;
	case KIND_SOCKET:
		if (l->value[0] != '/')
			return config_fail(p, "'%.64s' is not an absolute path",
					   l->value);
		if (len > TP_CONFIG_SOCKET_PATH_MAX)
			return config_fail(p,
					   "longer than %d bytes (the limit of a Unix "
					   "socket path)",
					   TP_CONFIG_SOCKET_PATH_MAX);
		memcpy(field, l->value, len + 1);
		return 0;
	case KIND_LOG_LEVEL:
		for (size_t i = 0; i < sizeof(config_log_levels) /
					       sizeof(config_log_levels[0]);
		     i++) {
			if (strcmp(l->value, config_log_levels[i]) == 0) {
				*(enum tp_log_level *)field =
					(enum tp_log_level)i;
				return 0;
			}
		}
		return config_fail(p,
				   "'%.64s' is not a log level (error, warn, info, debug)",
				   l->value);
	default:
		return -EINVAL;
	}
}

/* Kinds that add an item to an array. */
static int
config_apply_item(struct config_parser *p, const struct config_def *def,
		  const struct config_line *l)
{
	void *field = (char *)p->cfg + def->off;

	switch (def->kind) {
	case KIND_IP_LIST: {
		struct tp_config_ip_list *list = field;
		struct tp_config_ip item = { .line = p->line };
		struct tp_config_ip *nv;

		if (config_ip(p, l->value, true, &item.ip) != 0)
			return -EINVAL;
		nv = config_array_grow(list->v, list->n, &list->cap,
				       sizeof(*list->v));
		if (nv == NULL)
			return -ENOMEM;
		list->v = nv;
		nv[list->n++] = item;
		return 0;
	}
	case KIND_RANGES:
	case KIND_PREFIXES: {
		struct tp_config_range_list *list = field;
		struct tp_config_range item = { .line = p->line };
		struct tp_config_range *nv;

		bool cidr = strchr(l->value, '/') != NULL;

		if (tp_ip_range_parse(&item.range, l->value) != 0 ||
		    (def->kind == KIND_PREFIXES && !cidr))
			return config_fail(p,
					   def->kind == KIND_PREFIXES ?
						   "'%.64s' is not a CIDR prefix (address/length)" :
						   "'%.64s' is not an address, address/length or "
						   "low-high range",
					   l->value);
		nv = config_array_grow(list->v, list->n, &list->cap,
				       sizeof(*list->v));
		if (nv == NULL)
			return -ENOMEM;
		list->v = nv;
		nv[list->n++] = item;
		return 0;
	}
	case KIND_ADDRS: {
		struct tp_config_addr_list *list = field;
		struct tp_config_addr item = { .line = p->line };
		struct tp_config_addr *nv;

		if (config_addr(p, l->value, &item.addr) != 0)
			return -EINVAL;
		if (list->n >= TP_CONFIG_ALTERNATES_MAX)
			return config_fail(p, "more than %d addresses",
					   TP_CONFIG_ALTERNATES_MAX);
		nv = config_array_grow(list->v, list->n, &list->cap,
				       sizeof(*list->v));
		if (nv == NULL)
			return -ENOMEM;
		list->v = nv;
		nv[list->n++] = item;
		return 0;
	}
	case KIND_PORTS:
		return config_port_push(p, def, field, l->value);
	case KIND_IP_PAIR:
		return config_ip_pair_set(p, field, l->value);
	case KIND_BIND_IP:
		/* A socket's own address: the unspecified one means every
		 * address, a multicast one none. */
		if (config_ip(p, l->value, false, field) != 0)
			return -EINVAL;
		{
			const struct tp_ip *ip = field;

			if ((ip->family == TP_AF_INET &&
			     (ip->bytes[0] & 0xF0) == 0xE0) ||
			    (ip->family == TP_AF_INET6 && ip->bytes[0] == 0xFF))
				return config_fail(p,
						   "%.64s is a multicast address",
						   l->value);
		}
		return 0;
	case KIND_BIND_ADDR:
		return config_bind_addr(p, l->value, field);
	case KIND_USER:
		if (config_user_check(p, l->value) != 0)
			return -EINVAL;
		return config_text_push(p, field, l->value);
	case KIND_SECRET:
		if (strlen(l->value) > AUTH_REST_SECRET_MAX)
			return config_fail(p, "longer than %d bytes",
					   AUTH_REST_SECRET_MAX);
		if (p->cfg->static_auth_secrets.n >= AUTH_REST_SECRETS_MAX)
			return config_fail(p, "more than %d secrets",
					   AUTH_REST_SECRETS_MAX);
		return config_text_push(p, field, l->value);
	case KIND_OAUTH_KEY:
		return config_oauth_key(p, l->value);
	default:
		return config_apply_scalar(p, def, l);
	}
}

static int
config_apply(struct config_parser *p, enum tp_config_key id,
	     const struct config_line *l)
{
	const struct config_def *def = &config_defs[id];
	struct tp_config *cfg = p->cfg;
	bool on;

	if (!def->repeatable && cfg->line[id] != 0)
		return config_fail(p, "given again (first on line %u)",
				   cfg->line[id]);
	if (cfg->line[id] == 0)
		cfg->line[id] = p->line;

	if (def->kind == KIND_FLAG || def->kind == KIND_ENFORCED) {
		if (config_flag(p, l, &on) != 0)
			return -EINVAL;
		if (def->kind == KIND_FLAG)
			*(bool *)((char *)cfg + def->off) = on;
		else if (!on)
			return config_fail(p,
					   "turnpike always refuses these peers; to reach "
					   "some, use allow-unsafe-peers with allowed-peer-ip");
		return 0;
	}
	if (l->value[0] == '\0' && def->kind != KIND_STALE)
		return config_fail(p, "needs a value");
	return config_apply_item(p, def, l);
}

static int
config_line_apply(struct config_parser *p, char *buf)
{
	struct config_line l;
	int rc;

	rc = config_line_split(p, buf, &l);
	if (rc != 0 || l.key == NULL)
		return rc;
	for (const char *c = l.value; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			return config_fail(p, "control character in the value");
	}
	for (int id = 0; id < TP_CONFIG_KEY_COUNT; id++) {
		if (strcmp(l.key, config_key_names[id]) == 0)
			return config_apply(p, (enum tp_config_key)id, &l);
	}
	for (size_t i = 0;
	     i < sizeof(config_ignored) / sizeof(config_ignored[0]); i++) {
		if (strcmp(l.key, config_ignored[i].name) == 0)
			return config_warn(p, config_ignored[i].reason);
	}
	return config_fail(p, "unknown key");
}

/* ---- Whole files -------------------------------------------------------- */

/* After the last line: defaults that depend on other keys. */
static void
config_finish(struct tp_config *cfg)
{
	if (cfg->line[TP_CONFIG_KEY_SERVER_NAME] == 0)
		memcpy(cfg->server_name, cfg->realm, sizeof(cfg->server_name));
	/*
	 * A default bounded by another key follows it down, so that lowering
	 * one key on a small server does not force writing the other; given
	 * values that contradict are refused by tp_config_validate().
	 */
	if (cfg->line[TP_CONFIG_KEY_STREAM_MAX_PER_SOURCE] == 0 &&
	    cfg->stream_max_per_source > cfg->stream_max_connections)
		cfg->stream_max_per_source = cfg->stream_max_connections;
	if (cfg->line[TP_CONFIG_KEY_TLS_HANDSHAKE_TIMEOUT] == 0 &&
	    cfg->tls_handshake_timeout > cfg->stream_idle_timeout)
		cfg->tls_handshake_timeout = cfg->stream_idle_timeout;
}

/*
 * Parse @p len bytes of @p text.  A line is what precedes '\n' (or the end),
 * less one trailing '\r'.
 */
static int
config_parse_buf(struct tp_config *cfg, const char *name, const char *text,
		 size_t len, char *err, size_t err_len)
{
	struct config_parser p = { .cfg = cfg, .err = err, .err_len = err_len };
	char buf[TP_CONFIG_LINE_MAX + 1];
	size_t pos = 0;
	int rc = 0;

	tp_config_init_defaults(cfg);
	cfg->file = strdup(name);
	if (cfg->file == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		size_t keep = n;

		if (keep > 0 && text[pos + keep - 1] == '\r')
			keep--;
		p.line++;
		p.key = NULL;
		memcpy(buf, text + pos,
		       keep < TP_CONFIG_LINE_MAX ? keep : TP_CONFIG_LINE_MAX);
		buf[keep < TP_CONFIG_LINE_MAX ? keep : TP_CONFIG_LINE_MAX] = '\0';
		if (keep > TP_CONFIG_LINE_MAX ||
		    memchr(text + pos, '\0', keep) != NULL) {
			struct config_line l;

			/* Name the key in the message if one can be read. */
			if (config_line_split(&p, buf, &l) != 0 || l.key == NULL)
				p.key = NULL;
			if (keep > TP_CONFIG_LINE_MAX)
				rc = config_fail(&p,
						 "line is longer than %d bytes",
						 TP_CONFIG_LINE_MAX);
			else
				rc = config_fail(&p,
						 "NUL byte in the line (not a text file?)");
		} else {
			rc = config_line_apply(&p, buf);
		}
		pos += n + 1;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (rc == -ENOMEM && err != NULL && err_len > 0)
		snprintf(err, err_len, "%s:%u: out of memory", cfg->file, p.line);
	if (rc == 0) {
		config_finish(cfg);
		rc = tp_config_validate(cfg, err, err_len);
	}
	if (rc != 0)
		tp_config_free(cfg);
	return rc;
}

int
tp_config_parse_text(struct tp_config *cfg, const char *name, const char *text,
		     char *err, size_t err_len)
{
	if (cfg == NULL || name == NULL || text == NULL)
		return -EINVAL;
	return config_parse_buf(cfg, name, text, strlen(text), err, err_len);
}

/* Read a whole file into a NUL-terminated heap buffer. */
static int
config_read_file(const char *path, char **out, size_t *out_len)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd, rc = 0;

	if (buf == NULL)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb = cap >= TP_CONFIG_FILE_MAX ?
					   NULL :
					   realloc(buf, cap * 2);

			if (nb == NULL) {
				rc = cap >= TP_CONFIG_FILE_MAX ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc != 0) {
		OPENSSL_cleanse(buf, len);
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int
tp_config_load(struct tp_config *cfg, const char *path, char *err, size_t err_len)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (cfg == NULL || path == NULL)
		return -EINVAL;
	tp_config_init_defaults(cfg);
	rc = config_read_file(path, &text, &len);
	if (rc != 0) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "%s: cannot read: %s", path,
				 rc == -EFBIG ? "larger than 64 MiB" :
						strerror(-rc));
		return rc;
	}
	rc = config_parse_buf(cfg, path, text, len, err, err_len);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* ---- Contradictions ------------------------------------------------------ */

/* One side of a contradiction: a key and the line it is on (0: a default). */
struct config_at {
	enum tp_config_key key;
	unsigned int line;
};

/*
 * Report a contradiction between @p a and @p b at the later of their lines:
 * "FILE:LINE: LATER-KEY: what (OTHER-KEY on line N)".
 */
static int __attribute__((format(printf, 6, 0)))
config_vconflict(const struct tp_config *cfg, char *err, size_t err_len,
		 struct config_at a, struct config_at b, const char *fmt,
		 va_list ap)
{
	struct config_at later = b.line > a.line ? b : a;
	struct config_at other = b.line > a.line ? a : b;
	const char *file = cfg->file != NULL ? cfg->file : "(config)";
	char msg[384];
	char where[64] = "";

	if (err == NULL || err_len == 0)
		return -EINVAL;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (other.line != 0)
		snprintf(where, sizeof(where), " (%s on line %u)",
			 config_key_names[other.key], other.line);
	if (later.line != 0)
		snprintf(err, err_len, "%s:%u: %s: %s%s", file, later.line,
			 config_key_names[later.key], msg, where);
	else
		snprintf(err, err_len, "%s: %s: %s%s", file,
			 config_key_names[later.key], msg, where);
	return -EINVAL;
}

/* A contradiction between keys @p a and @p b, at their first lines. */
static int __attribute__((format(printf, 6, 7)))
config_conflict(const struct tp_config *cfg, char *err, size_t err_len,
		enum tp_config_key a, enum tp_config_key b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = config_vconflict(cfg, err, err_len,
			      (struct config_at){ a, cfg->line[a] },
			      (struct config_at){ b, cfg->line[b] }, fmt, ap);
	va_end(ap);
	return rc;
}

/* The same between items of repeatable keys, each on its own line. */
static int __attribute__((format(printf, 6, 7)))
config_conflict_at(const struct tp_config *cfg, char *err, size_t err_len,
		   struct config_at a, struct config_at b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = config_vconflict(cfg, err, err_len, a, b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Bits of the families present in @p list: 1 = IPv4, 2 = IPv6. */
static unsigned int
config_families(const struct tp_config_ip_list *list)
{
	unsigned int f = 0;

	for (size_t i = 0; i < list->n; i++)
		f |= list->v[i].ip.family == TP_AF_INET ? 1u : 2u;
	return f;
}

static int
config_validate_auth(const struct tp_config *cfg, char *err, size_t len)
{
	enum tp_config_key mech =
		cfg->lt_cred_mech    ? TP_CONFIG_KEY_LT_CRED_MECH :
		cfg->use_auth_secret ? TP_CONFIG_KEY_USE_AUTH_SECRET :
				       TP_CONFIG_KEY_OAUTH;
	bool any = cfg->lt_cred_mech || cfg->use_auth_secret || cfg->oauth;

	if (cfg->use_auth_secret && cfg->static_auth_secrets.n == 0)
		return config_conflict(
			cfg, err, len, TP_CONFIG_KEY_USE_AUTH_SECRET,
			TP_CONFIG_KEY_STATIC_AUTH_SECRET,
			"use-auth-secret is on but no static-auth-secret is given");
	if (!cfg->use_auth_secret && cfg->static_auth_secrets.n > 0)
		return config_conflict(cfg, err, len,
				       TP_CONFIG_KEY_STATIC_AUTH_SECRET,
				       TP_CONFIG_KEY_USE_AUTH_SECRET,
				       "static-auth-secret is given but use-auth-secret is off "
				       "(add use-auth-secret)");
	if (cfg->oauth && cfg->oauth_keys.n == 0)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_OAUTH,
				       TP_CONFIG_KEY_OAUTH_KEY,
				       "oauth is on but no oauth-key is given");
	if (!cfg->oauth && cfg->oauth_keys.n > 0)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_OAUTH_KEY,
				       TP_CONFIG_KEY_OAUTH,
				       "oauth-key is given but oauth is off (add oauth)");
	if (!cfg->lt_cred_mech && cfg->users.n > 0)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_USER,
				       TP_CONFIG_KEY_LT_CRED_MECH,
				       "user is given but lt-cred-mech is off (add lt-cred-mech)");
	if (cfg->lt_cred_mech && cfg->users.n == 0 && !cfg->use_auth_secret)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_LT_CRED_MECH,
				       TP_CONFIG_KEY_USER,
				       "lt-cred-mech is on but there is no user and no "
				       "use-auth-secret");
	if (cfg->no_auth && any)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_NO_AUTH,
				       mech, "no-auth cannot be combined with %s",
				       config_key_names[mech]);
	if (!cfg->no_auth && !any)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_NO_AUTH,
				       TP_CONFIG_KEY_LT_CRED_MECH,
				       "no authentication is configured: give lt-cred-mech, "
				       "use-auth-secret or oauth (or no-auth, for a lab)");
	if (any && cfg->realm[0] == '\0')
		return config_conflict(cfg, err, len, mech, TP_CONFIG_KEY_REALM,
				       "%s is on but no realm is given",
				       config_key_names[mech]);
	return 0;
}

bool
tp_config_tls_enabled(const struct tp_config *cfg)
{
	return cfg->cert != NULL && cfg->pkey != NULL && !cfg->no_tls;
}

/* Neither TLS nor no-tls: a TLS-only key is then a mistake. */
static bool
config_tls_unset(const struct tp_config *cfg)
{
	return cfg->cert == NULL && !cfg->no_tls;
}

/*
 * The push API needs all of its files, and its other keys mean nothing
 * without push-listen.
 */
static int
config_validate_push(const struct tp_config *cfg, char *err, size_t len)
{
	static const enum tp_config_key needed[] = {
		TP_CONFIG_KEY_PUSH_CERT,
		TP_CONFIG_KEY_PUSH_PKEY,
		TP_CONFIG_KEY_PUSH_CLIENT_CA,
		TP_CONFIG_KEY_PUSH_STORE,
	};
	bool on = cfg->line[TP_CONFIG_KEY_PUSH_LISTEN] != 0;
	bool fleet = cfg->line[TP_CONFIG_KEY_REDIS_USERDB] != 0;

	/* With a fleet, pushes are kept in its Redis (fleet_store.h). */
	if (fleet && cfg->line[TP_CONFIG_KEY_PUSH_STORE] != 0)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_PUSH_STORE,
				       TP_CONFIG_KEY_REDIS_USERDB,
				       "pushes are kept in redis-userdb's "
				       "Redis; drop push-store");
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (fleet && needed[i] == TP_CONFIG_KEY_PUSH_STORE)
			continue;
		if (on && cfg->line[needed[i]] == 0)
			return config_conflict(cfg, err, len,
					       TP_CONFIG_KEY_PUSH_LISTEN,
					       TP_CONFIG_KEY_PUSH_LISTEN,
					       "needs %s (push-cert, push-pkey, "
					       "push-client-ca, and push-store "
					       "or redis-userdb)",
					       config_key_names[needed[i]]);
		if (!on && cfg->line[needed[i]] != 0)
			return config_conflict(cfg, err, len, needed[i],
					       needed[i],
					       "means nothing without push-listen");
	}
	return 0;
}

/*
 * The fleet's keys: each Redis string must parse (the error names what in
 * it is wrong, never the password), and the fleet-* keys mean nothing
 * without redis-userdb.
 */
static int
config_validate_fleet(const struct tp_config *cfg, char *err, size_t len)
{
	static const enum tp_config_key fleet_keys[] = {
		TP_CONFIG_KEY_FLEET_ID,
		TP_CONFIG_KEY_FLEET_LEASE,
		TP_CONFIG_KEY_FLEET_SHED_ALLOCATIONS,
		TP_CONFIG_KEY_FLEET_ADVERTISE,
	};
	static const enum tp_config_key redis_keys[] = {
		TP_CONFIG_KEY_REDIS_USERDB,
		TP_CONFIG_KEY_REDIS_STATSDB,
	};
	const char *text[] = { cfg->redis_userdb, cfg->redis_statsdb };
	struct redis_conf rc;
	char why[160];

	for (size_t i = 0; i < 2; i++) {
		if (cfg->line[redis_keys[i]] == 0)
			continue;
		if (redis_conf_parse(text[i], &rc, why, sizeof(why)) != 0)
			return config_conflict(cfg, err, len, redis_keys[i],
					       redis_keys[i], "%s", why);
		OPENSSL_cleanse(rc.password, sizeof(rc.password));
	}
	if (cfg->line[TP_CONFIG_KEY_REDIS_USERDB] != 0)
		return 0;
	for (size_t i = 0; i < sizeof(fleet_keys) / sizeof(fleet_keys[0]); i++)
		if (cfg->line[fleet_keys[i]] != 0)
			return config_conflict(cfg, err, len, fleet_keys[i],
					       fleet_keys[i],
					       "means nothing without "
					       "redis-userdb");
	return 0;
}

/*
 * Which transports are on, and the TLS-only keys that mean nothing without
 * cert and pkey.  no-tls with them is an operator's switch, not a mistake.
 */
static int
config_validate_transports(const struct tp_config *cfg, char *err, size_t len)
{
	enum tp_config_key no_later =
		cfg->line[TP_CONFIG_KEY_NO_TCP] > cfg->line[TP_CONFIG_KEY_NO_UDP] ?
			TP_CONFIG_KEY_NO_TCP :
			TP_CONFIG_KEY_NO_UDP;

	if ((cfg->cert == NULL) != (cfg->pkey == NULL))
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_CERT,
				       TP_CONFIG_KEY_PKEY,
				       "%s is given but %s is not (TLS needs both)",
				       cfg->cert != NULL ? "cert" : "pkey",
				       cfg->cert != NULL ? "pkey" : "cert");
	for (int id = 0; id < TP_CONFIG_KEY_COUNT; id++) {
		if (config_defs[id].tls_only && cfg->line[id] != 0 &&
		    config_tls_unset(cfg))
			return config_conflict(cfg, err, len,
					       (enum tp_config_key)id,
					       TP_CONFIG_KEY_CERT,
					       "TLS is off: give cert and pkey (or no-tls to "
					       "keep this line unused)");
	}
	if (cfg->no_udp && cfg->no_tcp && !tp_config_tls_enabled(cfg))
		return config_conflict(cfg, err, len, no_later,
				       no_later == TP_CONFIG_KEY_NO_TCP ?
					       TP_CONFIG_KEY_NO_UDP :
					       TP_CONFIG_KEY_NO_TCP,
				       "no-udp and no-tcp leave nothing to listen on, and TLS "
				       "is off%s",
				       cfg->no_tls ? " (no-tls)" :
						     " (no cert and pkey)");
	if (cfg->stream_max_per_source > cfg->stream_max_connections)
		return config_conflict(cfg, err, len,
				       TP_CONFIG_KEY_STREAM_MAX_PER_SOURCE,
				       TP_CONFIG_KEY_STREAM_MAX_CONNECTIONS,
				       "stream-max-per-source %u is above "
				       "stream-max-connections %u",
				       cfg->stream_max_per_source,
				       cfg->stream_max_connections);
	if (cfg->tls_handshake_timeout > cfg->stream_idle_timeout)
		return config_conflict(cfg, err, len,
				       TP_CONFIG_KEY_TLS_HANDSHAKE_TIMEOUT,
				       TP_CONFIG_KEY_STREAM_IDLE_TIMEOUT,
				       "tls-handshake-timeout %u is above stream-idle-timeout "
				       "%u, which closes the connection first",
				       cfg->tls_handshake_timeout,
				       cfg->stream_idle_timeout);
	return 0;
}

/* One listening port, for config_validate_ports(). */
struct config_listener {
	struct config_at at;
	uint16_t port;
	bool tcp; /* served over TCP (plain or TLS) */
};

/*
 * The listening ports (each one that is served, or written in the file even
 * if its transport is off) must lie outside the relay range, so that a
 * packet's port says which it is for and one firewall rule never opens the
 * other; and no TCP port may serve two roles.  listening-port over UDP only
 * (no-tcp) may share its number with a TLS port: UDP 443 beside TLS 443.
 */
static int
config_validate_ports(const struct tp_config *cfg, char *err, size_t len)
{
	struct config_listener l[TP_CONFIG_TLS_PORTS_MAX + 2];
	struct config_at range_key = { TP_CONFIG_KEY_MIN_PORT,
				       cfg->line[TP_CONFIG_KEY_MIN_PORT] };
	bool tls = tp_config_tls_enabled(cfg);
	size_t n = 0;

	if (cfg->line[TP_CONFIG_KEY_MAX_PORT] > range_key.line)
		range_key =
			(struct config_at){ TP_CONFIG_KEY_MAX_PORT,
					    cfg->line[TP_CONFIG_KEY_MAX_PORT] };
	if (!cfg->no_udp || !cfg->no_tcp ||
	    cfg->line[TP_CONFIG_KEY_LISTENING_PORT] != 0)
		l[n++] = (struct config_listener){
			{ TP_CONFIG_KEY_LISTENING_PORT,
			  cfg->line[TP_CONFIG_KEY_LISTENING_PORT] },
			cfg->listening_port,
			!cfg->no_tcp
		};
	for (size_t i = 0;
	     i < cfg->tls_listening_ports.n && i < TP_CONFIG_TLS_PORTS_MAX; i++) {
		const struct tp_config_port *t = &cfg->tls_listening_ports.v[i];

		if (tls || t->line != 0)
			l[n++] = (struct config_listener){
				{ TP_CONFIG_KEY_TLS_LISTENING_PORT, t->line },
				t->port,
				true
			};
	}
	if (cfg->alt_tls_listening_port != 0)
		l[n++] = (struct config_listener){
			{ TP_CONFIG_KEY_ALT_TLS_LISTENING_PORT,
			  cfg->line[TP_CONFIG_KEY_ALT_TLS_LISTENING_PORT] },
			cfg->alt_tls_listening_port,
			true
		};

	for (size_t i = 0; i < n; i++) {
		if (l[i].port >= cfg->min_port && l[i].port <= cfg->max_port)
			return config_conflict_at(cfg, err, len, l[i].at,
						  range_key,
						  "%s %u is inside the relay port range %u-%u",
						  config_key_names[l[i].at.key],
						  l[i].port, cfg->min_port,
						  cfg->max_port);
		for (size_t j = 0; j < i; j++) {
			if (l[j].port == l[i].port && l[j].tcp && l[i].tcp)
				return config_conflict_at(
					cfg, err, len, l[j].at, l[i].at,
					"TCP port %u is both %s and %s",
					l[i].port, config_key_names[l[j].at.key],
					config_key_names[l[i].at.key]);
		}
	}
	return 0;
}

int
tp_config_validate(const struct tp_config *cfg, char *err, size_t len)
{
	unsigned int lf, rf;
	int rc;

	if (cfg->relay_ips.n == 0)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_RELAY_IP,
				       TP_CONFIG_KEY_RELAY_IP,
				       "not given; at least one relay-ip is required");
	if (cfg->min_port > cfg->max_port)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_MIN_PORT,
				       TP_CONFIG_KEY_MAX_PORT,
				       "min-port %u is above max-port %u",
				       cfg->min_port, cfg->max_port);
	rc = config_validate_auth(cfg, err, len);
	if (rc == 0)
		rc = config_validate_push(cfg, err, len);
	if (rc == 0)
		rc = config_validate_fleet(cfg, err, len);
	if (rc == 0)
		rc = config_validate_transports(cfg, err, len);
	if (rc == 0)
		rc = config_validate_ports(cfg, err, len);
	if (rc != 0)
		return rc;
	/* Only settings both written in the file contradict: a default above
	 * a smaller total-quota is just bounded by it. */
	if (cfg->line[TP_CONFIG_KEY_USER_QUOTA] != 0 &&
	    cfg->line[TP_CONFIG_KEY_TOTAL_QUOTA] != 0 && cfg->user_quota != 0 &&
	    cfg->total_quota != 0 && cfg->user_quota > cfg->total_quota)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_USER_QUOTA,
				       TP_CONFIG_KEY_TOTAL_QUOTA,
				       "user-quota %u is above total-quota %u",
				       cfg->user_quota, cfg->total_quota);
	/* The name goes into net_tap's devargs and the kernel's namespace
	 * of interfaces: ',' or '=' would split the one, '/' or a blank is
	 * refused by the other. */
	if (strpbrk(cfg->exception_interface, ",=/: \t") != NULL)
		return config_conflict(cfg, err, len,
				       TP_CONFIG_KEY_EXCEPTION_INTERFACE,
				       TP_CONFIG_KEY_EXCEPTION_INTERFACE,
				       "'%s' is not an interface name (no ',', '=', "
				       "'/', ':' or blank)",
				       cfg->exception_interface);
	lf = config_families(&cfg->listening_ips);
	rf = config_families(&cfg->relay_ips);
	if (lf != 0 && (lf & rf) == 0)
		return config_conflict(cfg, err, len, TP_CONFIG_KEY_RELAY_IP,
				       TP_CONFIG_KEY_LISTENING_IP,
				       "no relay-ip has the family (%s) of any listening-ip",
				       lf == 1 ? "IPv4" :
				       lf == 2 ? "IPv6" :
						 "IPv4, IPv6");
	return 0;
}

/* ---- Life cycle ------------------------------------------------------- */

const char *
tp_config_key_name(enum tp_config_key key)
{
	if ((unsigned int)key >= TP_CONFIG_KEY_COUNT)
		return "?";
	return config_key_names[key];
}

void
tp_config_init_defaults(struct tp_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listening_port = TP_CONFIG_DEFAULT_LISTENING_PORT;
	cfg->prometheus_address = tp_ip_v4(0); /* every address */
	cfg->prometheus_port = TP_CONFIG_DEFAULT_PROMETHEUS_PORT;
	cfg->tls_listening_ports.v[0].port = TP_CONFIG_DEFAULT_TLS_LISTENING_PORT;
	cfg->tls_listening_ports.n = 1;
	memcpy(cfg->cipher_list, TP_CONFIG_DEFAULT_CIPHER_LIST,
	       sizeof(TP_CONFIG_DEFAULT_CIPHER_LIST));
	cfg->stream_max_connections = TP_CONFIG_DEFAULT_STREAM_MAX_CONNECTIONS;
	cfg->stream_max_per_source = TP_CONFIG_DEFAULT_STREAM_MAX_PER_SOURCE;
	cfg->stream_idle_timeout = TP_CONFIG_DEFAULT_STREAM_IDLE_TIMEOUT;
	cfg->tls_handshake_timeout = TP_CONFIG_DEFAULT_TLS_HANDSHAKE_TIMEOUT;
	cfg->stream_buffer = TP_CONFIG_DEFAULT_STREAM_BUFFER;
	cfg->min_port = TP_CONFIG_DEFAULT_MIN_PORT;
	cfg->max_port = TP_CONFIG_DEFAULT_MAX_PORT;
	cfg->allocations_per_worker = TP_CONFIG_DEFAULT_ALLOCS_PER_WORKER;
	cfg->user_quota = TP_CONFIG_DEFAULT_USER_QUOTA;
	cfg->total_quota = TP_CONFIG_DEFAULT_TOTAL_QUOTA;
	cfg->fleet_lease = TP_CONFIG_DEFAULT_FLEET_LEASE;
	cfg->oauth_kid_quota = TP_CONFIG_DEFAULT_OAUTH_KID_QUOTA;
	cfg->stale_nonce = TP_CONFIG_DEFAULT_STALE_NONCE;
	cfg->rest_max_lifetime = TP_CONFIG_DEFAULT_REST_MAX_LIFETIME;
	cfg->max_allocate_lifetime = TP_CONFIG_DEFAULT_MAX_ALLOCATE_LIFETIME;
	cfg->channel_lifetime = TP_CONFIG_DEFAULT_CHANNEL_LIFETIME;
	cfg->permission_lifetime = TP_CONFIG_DEFAULT_PERMISSION_LIFETIME;
	cfg->request_rate = TP_CONFIG_DEFAULT_REQUEST_RATE;
	cfg->request_burst = TP_CONFIG_DEFAULT_REQUEST_BURST;
	cfg->challenge_rate = TP_CONFIG_DEFAULT_CHALLENGE_RATE;
	cfg->challenge_burst = TP_CONFIG_DEFAULT_CHALLENGE_BURST;
	cfg->limit_prefix_v4 = TP_CONFIG_DEFAULT_LIMIT_PREFIX_V4;
	cfg->limit_prefix_v6 = TP_CONFIG_DEFAULT_LIMIT_PREFIX_V6;
	cfg->log_level = TP_LOG_INFO;
	memcpy(cfg->admin_socket, TP_CONFIG_DEFAULT_ADMIN_SOCKET,
	       sizeof(TP_CONFIG_DEFAULT_ADMIN_SOCKET));
}

static void
config_texts_free(struct tp_config_text_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		OPENSSL_cleanse(list->v[i].text, list->v[i].len);
		free(list->v[i].text);
	}
	free(list->v);
}

void
tp_config_free(struct tp_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->file);
	free(cfg->cert);
	free(cfg->pkey);
	free(cfg->push_cert);
	free(cfg->push_pkey);
	free(cfg->push_client_ca);
	free(cfg->push_store);
	free(cfg->usage_records_json);
	free(cfg->listening_ips.v);
	free(cfg->relay_ips.v);
	free(cfg->local_networks.v);
	free(cfg->allowed_peer_ips.v);
	free(cfg->denied_peer_ips.v);
	free(cfg->alternate_servers.v);
	config_texts_free(&cfg->users);
	config_texts_free(&cfg->static_auth_secrets);
	if (cfg->oauth_keys.v != NULL)
		OPENSSL_cleanse(cfg->oauth_keys.v,
				cfg->oauth_keys.cap * sizeof(*cfg->oauth_keys.v));
	free(cfg->oauth_keys.v);
	for (size_t i = 0; i < cfg->n_warnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	tp_config_init_defaults(cfg);
}

/* ---- Dump -------------------------------------------------------------- */

/* Print key=value, quoting a value that a reader would otherwise trim. */
static void
config_dump_text(FILE *out, const char *key, const char *value)
{
	bool quote = strpbrk(value, " \t#") != NULL;

	fprintf(out, "%s=%s%s%s\n", key, quote ? "\"" : "", value,
		quote ? "\"" : "");
}

/* A Redis connection string (redis_conf.h) with its password hidden. */
static void
config_dump_redis(FILE *out, const char *key, const char *text)
{
	struct redis_conf rc;
	char why[160], shown[REDIS_CONF_TEXT_MAX];

	if (redis_conf_parse(text, &rc, why, sizeof(why)) != 0)
		fprintf(out, "%s=<redacted>\n", key);
	else if (rc.password[0] == '\0')
		config_dump_text(out, key, text);
	else if (redis_conf_format(&rc, true, shown, sizeof(shown)) > 0)
		fprintf(out, "%s=\"%s\"\n", key, shown);
	OPENSSL_cleanse(rc.password, sizeof(rc.password));
}

/* The keys that mean something only with redis-userdb. */
static bool
config_fleet_only(enum tp_config_key id)
{
	return id == TP_CONFIG_KEY_FLEET_ID || id == TP_CONFIG_KEY_FLEET_LEASE ||
	       id == TP_CONFIG_KEY_FLEET_SHED_ALLOCATIONS ||
	       id == TP_CONFIG_KEY_FLEET_ADVERTISE;
}

static bool
config_redis_key(enum tp_config_key id)
{
	return id == TP_CONFIG_KEY_REDIS_USERDB ||
	       id == TP_CONFIG_KEY_REDIS_STATSDB;
}

/* Print a range the way it would be written: "a", "a/len" or "lo-hi". */
static void
config_dump_range(FILE *out, const char *key, const struct tp_ip_range *r)
{
	char lo[TP_ADDR_STRLEN], hi[TP_ADDR_STRLEN];
	unsigned int bits = (unsigned int)tp_ip_len(r->lo.family) * 8;

	tp_ip_format(&r->lo, lo, sizeof(lo));
	if (tp_ip_equal(&r->lo, &r->hi)) {
		fprintf(out, "%s=%s\n", key, lo);
		return;
	}
	for (unsigned int plen = 0; plen < bits; plen++) {
		struct tp_ip_range c = { .lo = r->lo, .hi = r->lo };
		bool ok = true;

		for (unsigned int i = 0; i < bits / 8; i++) {
			unsigned int keep = plen > i * 8 ? plen - i * 8 : 0;
			uint8_t mask = keep >= 8 ? 0xFF :
						   (uint8_t)(0xFF << (8 - keep));

			ok = ok && (r->lo.bytes[i] & ~mask) == 0;
			c.hi.bytes[i] = (uint8_t)(r->lo.bytes[i] | ~mask);
		}
		if (ok && tp_ip_equal(&c.hi, &r->hi)) {
			fprintf(out, "%s=%s/%u\n", key, lo, plen);
			return;
		}
	}
	fprintf(out, "%s=%s-%s\n", key, lo, tp_ip_format(&r->hi, hi, sizeof(hi)));
}

/* Print every item of a repeatable key; secrets as "<redacted>". */
static void
config_dump_items(FILE *out, const char *key, enum config_kind kind,
		  const void *field)
{
	const struct tp_config_ip_list *ips = field;
	const struct tp_config_range_list *ranges = field;
	const struct tp_config_addr_list *addrs = field;
	const struct tp_config_text_list *texts = field;
	const struct tp_config_oauth_key_list *keys = field;
	char ip[TP_ADDR_STRLEN];

	switch (kind) {
	case KIND_IP_LIST:
		for (size_t i = 0; i < ips->n; i++)
			fprintf(out, "%s=%s\n", key,
				tp_ip_format(&ips->v[i].ip, ip, sizeof(ip)));
		break;
	case KIND_RANGES:
	case KIND_PREFIXES:
		for (size_t i = 0; i < ranges->n; i++)
			config_dump_range(out, key, &ranges->v[i].range);
		break;
	case KIND_PORTS: {
		const struct tp_config_port_list *ports = field;

		for (size_t i = 0; i < ports->n; i++)
			fprintf(out, "%s=%u\n", key, ports->v[i].port);
		break;
	}
	case KIND_ADDRS:
		for (size_t i = 0; i < addrs->n; i++)
			fprintf(out, "%s=%s\n", key,
				tp_addr_format(&addrs->v[i].addr, ip, sizeof(ip)));
		break;
	case KIND_USER:
		/* The name helps an operator; the password stays in the file. */
		for (size_t i = 0; i < texts->n; i++) {
			const char *text = texts->v[i].text;

			fprintf(out, "%s=%.*s:<redacted>\n", key,
				(int)(strchr(text, ':') - text), text);
		}
		break;
	case KIND_SECRET:
		for (size_t i = 0; i < texts->n; i++)
			fprintf(out, "%s=<redacted>\n", key);
		break;
	case KIND_OAUTH_KEY:
		for (size_t i = 0; i < keys->n; i++)
			fprintf(out, "%s=%s:<redacted>:%s\n", key,
				keys->v[i].key.kid,
				oauth_alg_name(keys->v[i].key.alg));
		break;
	default:
		break; /* scalars: config_dump_key() */
	}
}

/*
 * Print one key as the file would give it: a scalar once (defaults
 * included, "# KEY not set" for an optional one left out), a repeatable key
 * once per item.  The switch has no default, so a new kind does not build
 * (-Wswitch, -Werror) until it says how it is shown and whether it is a
 * secret.
 */
static void
config_dump_key(FILE *out, enum tp_config_key id, const struct tp_config *cfg)
{
	const struct config_def *def = &config_defs[id];
	const char *key = config_key_names[id];
	const void *field = (const char *)cfg + def->off;
	char ip[TP_ADDR_STRLEN];
	char commented[64];

	/*
	 * Without TLS a TLS-only key has no effect, and giving it would be
	 * refused: print its value as a comment, so the dump still reads back.
	 */
	if ((def->tls_only && config_tls_unset(cfg)) ||
	    (config_fleet_only(id) && cfg->redis_userdb[0] == '\0')) {
		snprintf(commented, sizeof(commented), "# %s", key);
		key = commented;
	}
	if (config_redis_key(id) && *(const char *)field != '\0') {
		config_dump_redis(out, key, field);
		return;
	}

	switch (def->kind) {
	case KIND_FLAG:
		fprintf(out, "%s=%s\n", key, *(const bool *)field ? "yes" : "no");
		break;
	case KIND_ENFORCED:
		break; /* no field: the setting is built into the peer policy */
	case KIND_PORT:
		fprintf(out, "%s=%u\n", key, *(const uint16_t *)field);
		break;
	case KIND_U32:
	case KIND_STALE:
		fprintf(out, "%s=%u\n", key, *(const uint32_t *)field);
		break;
	case KIND_TEXT:
	case KIND_SOCKET:
		if (*(const char *)field == '\0')
			fprintf(out, "# %s not set\n", config_key_names[id]);
		else
			config_dump_text(out, key, field);
		break;
	case KIND_PATH:
		if (*(char *const *)field == NULL)
			fprintf(out, "# %s not set\n", config_key_names[id]);
		else
			config_dump_text(out, key, *(char *const *)field);
		break;
	case KIND_BIND_IP:
		fprintf(out, "%s=%s\n", key, tp_ip_format(field, ip, sizeof(ip)));
		break;
	case KIND_BIND_ADDR:
		if (((const struct tp_addr *)field)->port == 0)
			fprintf(out, "# %s not set\n", config_key_names[id]);
		else
			fprintf(out, "%s=%s\n", key,
				tp_addr_format(field, ip, sizeof(ip)));
		break;
	case KIND_IP_PAIR: {
		const struct tp_config_ip_pair *pair = field;

		if (pair->v4.line == 0 && pair->v6.line == 0)
			fprintf(out, "# %s not set\n", config_key_names[id]);
		if (pair->v4.line != 0)
			fprintf(out, "%s=%s\n", key,
				tp_ip_format(&pair->v4.ip, ip, sizeof(ip)));
		if (pair->v6.line != 0)
			fprintf(out, "%s=%s\n", key,
				tp_ip_format(&pair->v6.ip, ip, sizeof(ip)));
		break;
	}
	case KIND_LOG_LEVEL: {
		unsigned int level = *(const enum tp_log_level *)field;

		fprintf(out, "%s=%s\n", key,
			level < sizeof(config_log_levels) /
						sizeof(config_log_levels[0]) ?
				config_log_levels[level] :
				"?");
		break;
	}
	case KIND_PORTS:
	case KIND_IP_LIST:
	case KIND_RANGES:
	case KIND_PREFIXES:
	case KIND_ADDRS:
	case KIND_USER:
	case KIND_SECRET:
	case KIND_OAUTH_KEY:
		config_dump_items(out, key, def->kind, field);
		break;
	}
}

/* Key order, not the file's: a dump of the defaults has no file order. */
void
tp_config_dump(const struct tp_config *cfg, FILE *out)
{
	fprintf(out, "# effective configuration of %s\n",
		cfg->file != NULL ? cfg->file : "-");
	for (int id = 0; id < TP_CONFIG_KEY_COUNT; id++)
		config_dump_key(out, (enum tp_config_key)id, cfg);
}

/* ---- Comparing two configurations (for a reload) ------------------------ */

static bool
config_texts_equal(const struct tp_config_text_list *a,
		   const struct tp_config_text_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].len != b->v[i].len ||
		    CRYPTO_memcmp(a->v[i].text, b->v[i].text, a->v[i].len) != 0)
			return false;
	return true;
}

static bool
config_oauth_keys_equal(const struct tp_config_oauth_key_list *a,
			const struct tp_config_oauth_key_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct auth_oauth_key *x = &a->v[i].key, *y = &b->v[i].key;

		if (strcmp(x->kid, y->kid) != 0 || x->alg != y->alg ||
		    x->key_len != y->key_len ||
		    CRYPTO_memcmp(x->key, y->key, x->key_len) != 0)
			return false;
	}
	return true;
}

/* One key's dump lines, NUL-terminated and malloc'ed, or NULL. */
static char *
config_dump_one(const struct tp_config *cfg, enum tp_config_key id)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return NULL;
	config_dump_key(out, id, cfg);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool
tp_config_key_equal(const struct tp_config *a, const struct tp_config *b,
		    enum tp_config_key id)
{
	const struct config_def *def;
	char *da, *db;
	bool equal;

	if (a == NULL || b == NULL || (unsigned int)id >= TP_CONFIG_KEY_COUNT)
		return false;
	def = &config_defs[id];
	/* The dump hides secrets: compare those items themselves. */
	if (config_redis_key(id))
		return strcmp((const char *)a + def->off,
			      (const char *)b + def->off) == 0;
	if (def->kind == KIND_USER || def->kind == KIND_SECRET)
		return config_texts_equal((const void *)((const char *)a +
							 def->off),
					  (const void *)((const char *)b +
							 def->off));
	if (def->kind == KIND_OAUTH_KEY)
		return config_oauth_keys_equal(&a->oauth_keys, &b->oauth_keys);
	/* Anything else reads the same exactly when it dumps the same. */
	da = config_dump_one(a, id);
	db = config_dump_one(b, id);
	equal = da != NULL && db != NULL && strcmp(da, db) == 0;
	free(da);
	free(db);
	return equal;
}
