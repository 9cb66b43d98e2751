/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The configuration file: coturn's turnserver.conf syntax and key names,
 * plus a few turnpike-only keys.  tools/turnpike.conf.example documents
 * every key, its default and its bounds.
 *
 * Syntax (a superset of what coturn reads):
 *
 *     # a comment line
 *     listening-port=3478          key=value
 *     relay-ip = 192.0.2.10        spaces around '=' are fine
 *     realm example.org            so is "key value" without '='
 *     lt-cred-mech                 a bare flag
 *     user="alice:secret # 1"      double quotes are stripped; '#' inside
 *                                  quotes is not a comment
 *     min-port=49152  # trailing comment (after a space or tab)
 *
 * A flag takes no value; like coturn it also accepts one of the boolean
 * words 1/0, yes/no, on/off, true/false (any case).  Keys are
 * case-sensitive.  CRLF line endings are accepted.  A line longer than
 * TP_CONFIG_LINE_MAX bytes or holding a NUL byte is an error.
 *
 * Errors read "FILE:LINE: KEY: what is wrong".  Repeated keys are kept in
 * arrays whose items remember their line, so a later stage that finds a
 * semantic problem (a user the auth module refuses, say) can still point at
 * the line.
 *
 * Transports (RFC 8656 section 3.1): listening-port is served over UDP and
 * TCP, the tls-listening-port(s) over TLS; no-udp, no-tcp and no-tls turn
 * each off, and TLS is on only when cert and pkey are given
 * (tp_config_tls_enabled()).  Unlike coturn, alt-tls-listening-port is not
 * tls-listening-port + 1 by default: coturn opens that port for RFC 5780
 * NAT behaviour discovery, which turnpike does not do; here it is simply
 * one more TLS port, 0 (none) unless given.
 *
 * Control-plane thread only: at start-up, and again at a reload (SIGHUP or
 * the admin socket's `reload`, cp_reload.h), which parses the file into a
 * fresh struct, rebuilds from it what cp_setup.c built from the first one,
 * and swaps in what may change while the server runs.  The parsed struct
 * owns heap memory: release it with tp_config_free().
 */
#ifndef TURNPIKE_CONFIG_H
#define TURNPIKE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "auth_longterm.h"
#include "auth_oauth.h"
#include "turnpike/addr.h"

/** Longest line, in bytes, without its line ending. */
#define TP_CONFIG_LINE_MAX 4096
/** Largest configuration file tp_config_load() reads. */
#define TP_CONFIG_FILE_MAX (64u << 20)
/** Longest admin-socket path (sun_path holds 108 bytes with the NUL). */
#define TP_CONFIG_SOCKET_PATH_MAX 107
/** Longest realm and server-name, bytes (RFC 8489 section 14.9). */
#define TP_CONFIG_REALM_MAX AUTH_LT_REALM_MAX
/** Bounds of every lifetime key (stale-nonce included), seconds. */
#define TP_CONFIG_LIFETIME_MIN 1
#define TP_CONFIG_LIFETIME_MAX 86400
/** Bounds of allocations-per-worker. */
#define TP_CONFIG_ALLOCS_MIN 1
#define TP_CONFIG_ALLOCS_MAX (1u << 24)
/**
 * Largest max-bps, bytes per second (about 34 Gbit/s): the fast path's
 * token bucket is 32 bits (struct dp_cmd_alloc_add in turnpike/dp_msg.h).
 */
#define TP_CONFIG_MAX_BPS_MAX UINT32_MAX

/** Longest cert or pkey path, bytes. */
#define TP_CONFIG_PATH_MAX 4095
/** Longest cipher-list, bytes. */
#define TP_CONFIG_CIPHER_LIST_MAX 1023
/** Most tls-listening-port lines. */
#define TP_CONFIG_TLS_PORTS_MAX 8
/** Most alternate-server lines (the TURN server's TURN_MAX_ALTERNATES). */
#define TP_CONFIG_ALTERNATES_MAX 16
/** Bounds of stream-max-connections and stream-max-per-source. */
#define TP_CONFIG_STREAM_CONNECTIONS_MIN 1
#define TP_CONFIG_STREAM_CONNECTIONS_MAX (1u << 20)
/** Bounds of stream-idle-timeout, seconds. */
#define TP_CONFIG_STREAM_IDLE_MIN 1
#define TP_CONFIG_STREAM_IDLE_MAX 3600
/** Bounds of tls-handshake-timeout, seconds. */
#define TP_CONFIG_TLS_HANDSHAKE_MIN 1
#define TP_CONFIG_TLS_HANDSHAKE_MAX 300
/**
 * Bounds of stream-buffer, bytes: the least holds a few MTU-sized frames,
 * the most is far more than any real-time stream can use.
 */
#define TP_CONFIG_STREAM_BUFFER_MIN 4096
#define TP_CONFIG_STREAM_BUFFER_MAX (16u << 20)

/** Defaults (coturn's where coturn has the key). */
#define TP_CONFIG_DEFAULT_LISTENING_PORT 3478
#define TP_CONFIG_DEFAULT_TLS_LISTENING_PORT 5349
#define TP_CONFIG_DEFAULT_PROMETHEUS_PORT 9641 /* coturn's */

/**
 * TLS 1.2 suites when cipher-list is not given: Mozilla's "intermediate"
 * list without the DHE suites (no DH parameters to manage; every client
 * that has AES-GCM or ChaCha20 also has ECDHE).  Forward secret and AEAD
 * only.  TLS 1.3 suites are OpenSSL's defaults, whatever cipher-list says.
 */
#define TP_CONFIG_DEFAULT_CIPHER_LIST                                \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
/*
 * Stream limits, for a carrier's server (tools/turnpike.conf.example says
 * why each value).
 */
#define TP_CONFIG_DEFAULT_STREAM_MAX_CONNECTIONS 32768
#define TP_CONFIG_DEFAULT_STREAM_MAX_PER_SOURCE 1024
#define TP_CONFIG_DEFAULT_STREAM_IDLE_TIMEOUT 30
#define TP_CONFIG_DEFAULT_TLS_HANDSHAKE_TIMEOUT 10
#define TP_CONFIG_DEFAULT_STREAM_BUFFER 65536
#define TP_CONFIG_DEFAULT_MIN_PORT 49152
#define TP_CONFIG_DEFAULT_MAX_PORT 65535
#define TP_CONFIG_DEFAULT_STALE_NONCE 600
/**
 * rest-max-lifetime: how far in the future a REST credential's expiry may
 * lie.  A day (the TTL draft-uberti-behave-turn-rest-00 section 2.1
 * recommends, and what web applications mint) plus an hour for a minting
 * clock ahead of ours; a credential that leaks with a year to run is a
 * year of free relaying.
 */
#define TP_CONFIG_DEFAULT_REST_MAX_LIFETIME 90000
/** Bounds of rest-max-lifetime, seconds (30 days at most). */
#define TP_CONFIG_REST_MAX_LIFETIME_MIN 60
#define TP_CONFIG_REST_MAX_LIFETIME_MAX (30u * 86400u)
#define TP_CONFIG_DEFAULT_MAX_ALLOCATE_LIFETIME 3600
#define TP_CONFIG_DEFAULT_CHANNEL_LIFETIME 600
#define TP_CONFIG_DEFAULT_PERMISSION_LIFETIME 300
#define TP_CONFIG_DEFAULT_ALLOCS_PER_WORKER 65536
/*
 * Per-source-prefix limits (issue 13; tools/turnpike.conf.example says why
 * each value): STUN requests each worker hands the control thread, and
 * challenges (401, 438) the control thread sends, per prefix and second.
 */
#define TP_CONFIG_DEFAULT_REQUEST_RATE 2000
#define TP_CONFIG_DEFAULT_REQUEST_BURST 4000
#define TP_CONFIG_DEFAULT_CHALLENGE_RATE 1000
#define TP_CONFIG_DEFAULT_CHALLENGE_BURST 2000
#define TP_CONFIG_DEFAULT_LIMIT_PREFIX_V4 24
#define TP_CONFIG_DEFAULT_LIMIT_PREFIX_V6 48
/** Highest request or challenge rate: a microsecond each (the control
 *  thread's clock for its buckets). */
#define TP_CONFIG_LIMIT_RATE_MAX 1000000
/* Quotas: a person rarely needs more than a few allocations per call and a
 * few calls at once; one OAuth key serves many people; the total leaves the
 * relay ports of one address (49152-65535) to be shared. */
#define TP_CONFIG_DEFAULT_USER_QUOTA 64
#define TP_CONFIG_DEFAULT_OAUTH_KID_QUOTA 8192
#define TP_CONFIG_DEFAULT_TOTAL_QUOTA 65536
#define TP_CONFIG_DEFAULT_ADMIN_SOCKET "/run/turnpike.sock"
/** Longest interface name (IF_NAMESIZE - 1). */
#define TP_CONFIG_IFNAME_MAX 15
/** Longest redis-userdb and redis-statsdb value. */
#define TP_CONFIG_REDIS_MAX 600
/** Longest fleet-id. */
#define TP_CONFIG_FLEET_ID_MAX 64
/** fleet-lease bounds and default, seconds. */
#define TP_CONFIG_FLEET_LEASE_MIN 1
#define TP_CONFIG_FLEET_LEASE_MAX 300
#define TP_CONFIG_DEFAULT_FLEET_LEASE 5
/** Port of an alternate-server given without one (coturn's default). */
#define TP_CONFIG_DEFAULT_ALTERNATE_PORT 3478

/**
 * The keys turnpike acts on, as X(ID, "name").  Each has a row in
 * config_defs (config.c) giving its kind and its field in struct tp_config;
 * the kind says how the value is read and how tp_config_dump() prints it.
 * coturn keys that turnpike accepts and ignores are listed in config.c, not
 * here.
 */
#define TP_CONFIG_KEY_LIST(X)                                 \
	X(LISTENING_IP, "listening-ip")                       \
	X(LISTENING_PORT, "listening-port")                   \
	X(TLS_LISTENING_PORT, "tls-listening-port")           \
	X(ALT_TLS_LISTENING_PORT, "alt-tls-listening-port")   \
	X(NO_UDP, "no-udp")                                   \
	X(NO_TCP, "no-tcp")                                   \
	X(NO_TLS, "no-tls")                                   \
	X(CERT, "cert")                                       \
	X(PKEY, "pkey")                                       \
	X(CIPHER_LIST, "cipher-list")                         \
	X(STREAM_MAX_CONNECTIONS, "stream-max-connections")   \
	X(STREAM_MAX_PER_SOURCE, "stream-max-per-source")     \
	X(STREAM_IDLE_TIMEOUT, "stream-idle-timeout")         \
	X(TLS_HANDSHAKE_TIMEOUT, "tls-handshake-timeout")     \
	X(STREAM_BUFFER, "stream-buffer")                     \
	X(RELAY_IP, "relay-ip")                               \
	X(MIN_PORT, "min-port")                               \
	X(MAX_PORT, "max-port")                               \
	X(REALM, "realm")                                     \
	X(SERVER_NAME, "server-name")                         \
	X(LT_CRED_MECH, "lt-cred-mech")                       \
	X(USER, "user")                                       \
	X(USE_AUTH_SECRET, "use-auth-secret")                 \
	X(STATIC_AUTH_SECRET, "static-auth-secret")           \
	X(REST_MAX_LIFETIME, "rest-max-lifetime")             \
	X(OAUTH, "oauth")                                     \
	X(OAUTH_KEY, "oauth-key")                             \
	X(NO_AUTH, "no-auth")                                 \
	X(USER_QUOTA, "user-quota")                           \
	X(TOTAL_QUOTA, "total-quota")                         \
	X(OAUTH_KID_QUOTA, "oauth-kid-quota")                 \
	X(MAX_BPS, "max-bps")                                 \
	X(ALLOWED_PEER_IP, "allowed-peer-ip")                 \
	X(DENIED_PEER_IP, "denied-peer-ip")                   \
	X(STALE_NONCE, "stale-nonce")                         \
	X(MAX_ALLOCATE_LIFETIME, "max-allocate-lifetime")     \
	X(CHANNEL_LIFETIME, "channel-lifetime")               \
	X(PERMISSION_LIFETIME, "permission-lifetime")         \
	X(ALTERNATE_SERVER, "alternate-server")               \
	X(DRAIN_MIN_ALLOCATIONS, "drain-min-allocations")     \
	X(NO_SOFTWARE_ATTRIBUTE, "no-software-attribute")     \
	X(NO_MULTICAST_PEERS, "no-multicast-peers")           \
	X(NO_LOOPBACK_PEERS, "no-loopback-peers")             \
	X(GATEWAY, "gateway")                                 \
	X(LOCAL_NETWORK, "local-network")                     \
	X(EXCEPTION_INTERFACE, "exception-interface")         \
	X(ALLOCATIONS_PER_WORKER, "allocations-per-worker")   \
	X(ALLOW_UNSAFE_PEERS, "allow-unsafe-peers")           \
	X(RFC5766_CHANNEL_NUMBERS, "rfc5766-channel-numbers") \
	X(ADMIN_SOCKET, "admin-socket")                       \
	X(LOG_LEVEL, "log-level")                             \
	X(REQUEST_RATE, "request-rate-per-prefix")            \
	X(REQUEST_BURST, "request-burst-per-prefix")          \
	X(CHALLENGE_RATE, "challenge-rate-per-prefix")        \
	X(CHALLENGE_BURST, "challenge-burst-per-prefix")      \
	X(LIMIT_PREFIX_V4, "limit-prefix-v4")                 \
	X(LIMIT_PREFIX_V6, "limit-prefix-v6")                 \
	X(PROMETHEUS, "prometheus")                           \
	X(PROMETHEUS_ADDRESS, "prometheus-address")           \
	X(PROMETHEUS_PORT, "prometheus-port")                 \
	X(PUSH_LISTEN, "push-listen")                         \
	X(PUSH_CERT, "push-cert")                             \
	X(PUSH_PKEY, "push-pkey")                             \
	X(PUSH_CLIENT_CA, "push-client-ca")                   \
	X(PUSH_STORE, "push-store")                           \
	X(USAGE_RECORDS_JSON, "usage-records-json")           \
	X(REDIS_USERDB, "redis-userdb")                       \
	X(REDIS_STATSDB, "redis-statsdb")                     \
	X(FLEET_ID, "fleet-id")                               \
	X(FLEET_LEASE, "fleet-lease")                         \
	X(FLEET_SHED_ALLOCATIONS, "fleet-shed-allocations")   \
	X(FLEET_ADVERTISE, "fleet-advertise")

/** Index of a key, for tp_config::line[]. */
enum tp_config_key {
#define TP_CONFIG_KEY_ENUM(id, name) TP_CONFIG_KEY_##id,
	TP_CONFIG_KEY_LIST(TP_CONFIG_KEY_ENUM)
#undef TP_CONFIG_KEY_ENUM
	TP_CONFIG_KEY_COUNT
};

/** log-level values, most severe first. */
enum tp_log_level {
	TP_LOG_ERROR = 0,
	TP_LOG_WARN = 1,
	TP_LOG_INFO = 2, /**< the default */
	TP_LOG_DEBUG = 3,
};

/** One IP address from a repeatable key, with its line. */
struct tp_config_ip {
	struct tp_ip ip;
	unsigned int line;
};

/**
 * A key given at most once per family (gateway): an IPv4 and an IPv6
 * address are two settings, two of one family a mistake.
 */
struct tp_config_ip_pair {
	struct tp_config_ip v4; /**< ip.family TP_AF_NONE, line 0: not given */
	struct tp_config_ip v6; /**< the same for IPv6 */
};

/** One address range (allowed-peer-ip, denied-peer-ip, local-network). */
struct tp_config_range {
	struct tp_ip_range range;
	unsigned int line;
};

/** One transport address (alternate-server). */
struct tp_config_addr {
	struct tp_addr addr;
	unsigned int line;
};

/** One port from a repeatable key (tls-listening-port), with its line. */
struct tp_config_port {
	uint16_t port;
	unsigned int line; /**< 0 for the default */
};

/** One text value (user, static-auth-secret), kept as written. */
struct tp_config_text {
	char *text; /**< NUL-terminated, owned; secrets are wiped on free */
	size_t len;
	unsigned int line;
};

/** One oauth-key, decoded and checked (key length matches alg). */
struct tp_config_oauth_key {
	struct auth_oauth_key key; /**< ready for auth_oauth_keyring_add() */
	unsigned int line;
};

/**
 * The TLS ports: v[0..n-1], distinct.  Fixed-size, so that the default
 * (one item, 5349) needs no allocation; the first tls-listening-port line
 * replaces it.
 */
struct tp_config_port_list {
	struct tp_config_port v[TP_CONFIG_TLS_PORTS_MAX];
	size_t n;
};

/** Growable arrays: v[0..n-1] are valid; cap is the allocated count. */
struct tp_config_ip_list {
	struct tp_config_ip *v;
	size_t n, cap;
};
struct tp_config_range_list {
	struct tp_config_range *v;
	size_t n, cap;
};
struct tp_config_addr_list {
	struct tp_config_addr *v;
	size_t n, cap;
};
struct tp_config_text_list {
	struct tp_config_text *v;
	size_t n, cap;
};
struct tp_config_oauth_key_list {
	struct tp_config_oauth_key *v;
	size_t n, cap;
};

/** The effective configuration. */
struct tp_config {
	char *file; /**< name used in messages; owned */

	/* Where clients reach us and where we relay from. */
	struct tp_config_ip_list listening_ips;
	uint16_t listening_port; /**< UDP and TCP */
	struct tp_config_ip_list relay_ips;
	uint16_t min_port; /**< relay port range, inclusive */
	uint16_t max_port;
	/** Next-hop router for peers off every local-network, per family. */
	struct tp_config_ip_pair gateway;
	struct tp_config_range_list local_networks;
	/** Exception-port mode: the kernel interface turnpike makes for the
	 *  host's share of the NIC (a TAP, dataplane/dp_xport.h); "" = none. */
	char exception_interface[TP_CONFIG_IFNAME_MAX + 1];
	uint32_t allocations_per_worker;

	/* Transports: UDP and TCP on listening_port, TLS on the TLS ports. */
	struct tp_config_port_list tls_listening_ports;
	uint16_t alt_tls_listening_port; /**< one more TLS port; 0 = none */
	bool no_udp;
	bool no_tcp;
	bool no_tls; /**< TLS off even with cert and pkey */
	char *cert; /**< PEM certificate chain path; owned; NULL if not given */
	char *pkey; /**< PEM private key path; owned; NULL if not given */
	/** OpenSSL cipher string for TLS 1.2 (TLS 1.3 keeps OpenSSL's). */
	char cipher_list[TP_CONFIG_CIPHER_LIST_MAX + 1];

	/* Stream (TCP and TLS) connection limits. */
	uint32_t stream_max_connections; /**< in total */
	uint32_t stream_max_per_source;  /**< per client IP address */
	uint32_t stream_idle_timeout; /**< s, a connection with no allocation */
	uint32_t tls_handshake_timeout; /**< s, from accept to handshake done */
	uint32_t stream_buffer;         /**< bytes queued per connection */

	/* Authentication. */
	char realm[TP_CONFIG_REALM_MAX + 1];       /**< "" when not given */
	char server_name[TP_CONFIG_REALM_MAX + 1]; /**< defaults to realm */
	bool lt_cred_mech;
	struct tp_config_text_list users; /**< "name:password" or "name:0x<hex>" */
	bool use_auth_secret;
	struct tp_config_text_list static_auth_secrets;
	/** s: refuse REST credentials expiring later than now + this */
	uint32_t rest_max_lifetime;
	bool oauth;
	struct tp_config_oauth_key_list oauth_keys;
	bool no_auth;
	uint32_t stale_nonce; /**< seconds */

	/* Quotas and lifetimes (0 quota = unlimited). */
	uint32_t user_quota;      /**< per person (turn_quota.h) */
	uint32_t total_quota;     /**< on the server */
	uint32_t oauth_kid_quota; /**< all tokens of one OAuth kid */
	uint32_t max_bps; /**< bytes per second per allocation, each way */
	uint32_t max_allocate_lifetime;
	uint32_t channel_lifetime;
	uint32_t permission_lifetime;

	/* Per-source-prefix limits (0 rate = no limit). */
	uint32_t request_rate;   /**< punts per prefix per second, per worker */
	uint32_t request_burst;  /**< punts a full bucket holds */
	uint32_t challenge_rate; /**< challenges per prefix per second */
	uint32_t challenge_burst; /**< challenges a full bucket holds */
	uint32_t limit_prefix_v4; /**< prefix length the limits key on, IPv4 */
	uint32_t limit_prefix_v6; /**< and IPv6 */

	/* Peer policy. */
	struct tp_config_range_list allowed_peer_ips;
	struct tp_config_range_list denied_peer_ips;
	bool allow_unsafe_peers;
	/** Accept RFC 5766 channel numbers 0x4000-0x7FFF (RFC 8656 allows
	 *  only 0x4000-0x4FFF) for older clients. */
	bool rfc5766_channel_numbers;

	/* Everything else. */
	/** Where a 300 (Try Alternate) sends clients, in turn: when out of
	 *  capacity, and to every new Allocate while draining. */
	struct tp_config_addr_list alternate_servers;
	/** A drain (SIGUSR1, the admin socket's `drain`) ends the process
	 *  once the live allocations are this few; default 0. */
	uint32_t drain_min_allocations;
	bool no_software_attribute;
	char admin_socket[TP_CONFIG_SOCKET_PATH_MAX + 1];
	enum tp_log_level log_level;
	/** The metrics port (/metrics, /live, /ready): on when set. */
	bool prometheus;
	struct tp_ip prometheus_address; /**< default 0.0.0.0 */
	uint16_t prometheus_port;
	/**
	 * The credential push API (push_http.h): HTTPS with client
	 * certificates on push_listen (port 0 = off), its pushes kept in
	 * push_store (a directory).  Paths owned; NULL if not given.
	 */
	struct tp_addr push_listen;
	char *push_cert;
	char *push_pkey;
	char *push_client_ca;
	char *push_store;
	/** Usage records as JSON lines (cp_usage_json.h): the file they are
	 *  appended to; owned; NULL = none. */
	char *usage_records_json;
	/**
	 * The fleet (fleet.h): pushed credentials, quotas and load shared
	 * through the Redis of redis_userdb (coturn's connection string,
	 * redis_conf.h; "" = no fleet); usage and status published to
	 * redis_statsdb ("" = none).  fleet_id names this relay (default: the
	 * host name); a quota lease lasts fleet_lease seconds; over
	 * fleet_shed_allocations allocations (0 = never) an Allocate is sent to
	 * the least loaded relay, at the address each relay advertises
	 * (fleet_advertise; default the first listening-ip and port).
	 */
	char redis_userdb[TP_CONFIG_REDIS_MAX + 1];
	char redis_statsdb[TP_CONFIG_REDIS_MAX + 1];
	char fleet_id[TP_CONFIG_FLEET_ID_MAX + 1];
	uint32_t fleet_lease;
	uint32_t fleet_shed_allocations;
	struct tp_addr fleet_advertise;

	/**
	 * Line of the first occurrence of each key, 0 when the key was not
	 * given (the value is then the default).
	 */
	unsigned int line[TP_CONFIG_KEY_COUNT];

	/** "FILE:LINE: KEY: ignored (reason)" for coturn-only keys; owned. */
	char **warnings;
	size_t n_warnings, cap_warnings;
};

/**
 * Set every field to its default.  Allocates nothing; the struct may be
 * passed to tp_config_free() afterwards.  Does not free an earlier content.
 */
void tp_config_init_defaults(struct tp_config *cfg);

/** Release what the struct owns and reset it to the defaults. */
void tp_config_free(struct tp_config *cfg);

/**
 * Read and parse @p path, then tp_config_validate().  @p cfg is
 * initialised here (its earlier content is not freed).  On failure @p cfg
 * holds the defaults and owns nothing.
 *
 * @param err  filled with "FILE:LINE: KEY: what is wrong" (or
 *             "FILE: cannot read: reason") on failure; may be NULL.
 * @return 0; -EINVAL for bad content; -ENOMEM; -EFBIG for a file larger
 *         than TP_CONFIG_FILE_MAX; or the -errno of open/read.
 */
int tp_config_load(struct tp_config *cfg, const char *path, char *err,
		   size_t err_len);

/**
 * As tp_config_load(), from memory.  @p name stands for the file in
 * messages.  A NUL ends @p text, so use tp_config_load() to catch NUL bytes.
 */
int tp_config_parse_text(struct tp_config *cfg, const char *name,
			 const char *text, char *err, size_t err_len);

/**
 * Check contradictions between keys (min-port above max-port, an auth
 * mechanism without its secrets or realm, cert without pkey, a listening
 * port inside the relay range or given for two roles, nothing to listen
 * on, ...).  The message names the
 * file, the line of the later of the keys involved, and both keys.
 * Called by tp_config_load() and tp_config_parse_text().
 *
 * @return 0 or -EINVAL.
 */
int tp_config_validate(const struct tp_config *cfg, char *err, size_t err_len);

/**
 * Whether TLS is served: cert and pkey are given and no-tls is not.  (A
 * configuration that passed tp_config_validate() never has one of cert and
 * pkey without the other.)
 */
bool tp_config_tls_enabled(const struct tp_config *cfg);

/** Name of a key ("min-port"), or "?" if out of range. */
const char *tp_config_key_name(enum tp_config_key key);

/**
 * Print the effective configuration in the file's own syntax, in
 * TP_CONFIG_KEY_LIST order: one line per key, defaults included, an
 * optional key left out as "# KEY not set", a repeatable key once per item;
 * no-multicast-peers and no-loopback-peers, which hold no value, are left
 * out; the TLS-only keys (tls-listening-port, alt-tls-listening-port,
 * cipher-list, tls-handshake-timeout) are printed as comments
 * ("# tls-listening-port=5349") when neither cert nor no-tls is given,
 * since they then have no effect.  Passwords, secrets and keys are replaced by "<redacted>" (a user
 * keeps its name, an oauth-key its kid and algorithm).  Without secrets the
 * output reads back as the same configuration.  For
 * `turnpike --check-config`.
 */
void tp_config_dump(const struct tp_config *cfg, FILE *out);

/**
 * Whether key @p id has the same effective value in @p a and @p b (a
 * repeatable key: the same items in the same order).  Defaults count as
 * values, so a key left out of one file and given its default in the other
 * is equal.  Secrets (user, static-auth-secret, oauth-key) are compared
 * byte for byte in constant time; a path (cert, pkey) is compared as text,
 * not as the file it names.  For a reload (cp_reload.h), which applies what
 * changed and reports what it cannot.  Unequal when memory runs out.
 */
bool tp_config_key_equal(const struct tp_config *a, const struct tp_config *b,
			 enum tp_config_key id);

#endif /* TURNPIKE_CONFIG_H */
