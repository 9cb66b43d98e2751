/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * How allocation status and traffic are laid out in redis-statsdb
 * (fleet_stats_layout.c): topic names and message texts, coturn's, so a
 * consumer written for coturn (billing, dashboards) reads turnpike's
 * without a change.  Pure: no I/O, no allocation, any thread.
 * fleet_stats.h is the thread that sends them.
 *
 * Read from coturn's src/apps/relay/ns_ioalib_engine_impl.c
 * (turn_report_allocation_set(), turn_report_allocation_delete(),
 * turn_report_session_usage()), unchanged since coturn 4.5.2 (2021):
 *
 * Topics, for allocation <id> (decimal, zero-padded to 18 digits: coturn's
 * "%018llu"):
 *
 *     turn/realm/<realm>/user/<user>/allocation/<id>/status
 *     turn/realm/<realm>/user/<user>/allocation/<id>/traffic
 *     turn/realm/<realm>/user/<user>/allocation/<id>/traffic/peer
 *     turn/realm/<realm>/user/<user>/allocation/<id>/total_traffic
 *     turn/realm/<realm>/user/<user>/allocation/<id>/total_traffic/peer
 *
 * and without a realm (no-auth), the same under turn/user/<user>/...
 * Each topic is both a Pub/Sub channel and, for status only, a key.
 *
 * What is sent, in this order per event:
 *
 *   allocation created    SET <status> "new lifetime=600, type=UDP,
 *                           local=198.51.100.1:3478, remote=192.0.2.7:51000,
 *                           ssl=NONE, cipher=NONE"
 *                         PUBLISH <status> (the same text)
 *   allocation refreshed  the same with "refreshed"; a Refresh with
 *                         lifetime 0 (a delete) is "refreshed lifetime=0"
 *   traffic               PUBLISH <traffic> "rcvp=15000, rcvb=2400000,
 *                           sentp=14990, sentb=2398400"
 *                         PUBLISH <traffic/peer> (same form, peer side)
 *   allocation deleted    DEL <status>; PUBLISH <status> "deleted";
 *                         PUBLISH <total_traffic> (traffic's form, totals);
 *                         PUBLISH <total_traffic/peer>
 *
 * The status key is SET without an expiry, as coturn does: a relay that
 * dies leaves its keys behind (coturn's too).  rcvp/rcvb count what came
 * from the client, sentp/sentb what went to it; on the peer topics, what
 * came from and went to the peers.  A traffic message carries the counts
 * since the previous one of the same allocation (coturn reports every
 * 4096 packets and once more as the session closes), total_traffic the
 * whole life.  type is coturn's name of the client's transport ("UDP",
 * "TCP", "TLS/TCP"); local and remote are coturn's address form
 * ("192.0.2.7:51000", "[2001:db8::7]:51000", without ":port" for port 0);
 * ssl and cipher are OpenSSL's names (SSL_get_version(), SSL_get_cipher())
 * over TLS, "NONE" otherwise.
 *
 * Names in topics.  A topic is split on '/' by its readers, and often
 * printed or matched line by line, so a user name must not be able to
 * forge a level or a line.  The realm and the user name are written with
 * every byte outside 0x21-0x7e, and '/' and '%', percent-encoded as "%HH"
 * (upper-case hex, RFC 3986 style): "a b/c" becomes "a%20b%2Fc".  Names of
 * printable ASCII without '/', '%' or a blank (every REST name
 * "1712345678:alice", an e-mail address) are written as coturn would
 * write them; the encoding is reversible, so two names never share a
 * topic, and a consumer that needs the exact bytes decodes it.  The texts
 * of ssl and cipher are encoded the same way.  Glob characters (*?[]) are
 * left alone: PUBLISH and SET take names literally.
 */
#ifndef TURNPIKE_FLEET_STATS_LAYOUT_H
#define TURNPIKE_FLEET_STATS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/** Longest realm taken (auth_longterm.h's AUTH_LT_REALM_MAX). */
#define FLEET_STATS_REALM_MAX 763
/** Longest user name taken (turn_alloc_table.h's TURN_USERNAME_MAX). */
#define FLEET_STATS_USER_MAX 513
/** Longest ssl or cipher text kept (longer is cut: OpenSSL's are < 64). */
#define FLEET_STATS_TLS_NAME_MAX 63
/** Room for any topic: both names fully encoded, the fixed parts. */
#define FLEET_STATS_TOPIC_MAX \
	(3 * (FLEET_STATS_REALM_MAX + FLEET_STATS_USER_MAX) + 128)
/** Room for any message text. */
#define FLEET_STATS_TEXT_MAX (2 * 3 * FLEET_STATS_TLS_NAME_MAX + 256)

/** Which topic of an allocation. */
enum fleet_stats_topic {
	FLEET_TOPIC_STATUS,             /**< .../status */
	FLEET_TOPIC_TRAFFIC,            /**< .../traffic */
	FLEET_TOPIC_TRAFFIC_PEER,       /**< .../traffic/peer */
	FLEET_TOPIC_TOTAL_TRAFFIC,      /**< .../total_traffic */
	FLEET_TOPIC_TOTAL_TRAFFIC_PEER, /**< .../total_traffic/peer */
};

/** Which allocation an event is about. */
struct fleet_stats_alloc {
	const char *realm; /**< "" = none: the turn/user/... layout */
	const char *user;  /**< the USERNAME's bytes; may hold any byte */
	size_t user_len;   /**< 0 without authentication */
	uint64_t id;       /**< unique per allocation (the <id> level) */
};

/** How the client reached the allocation: the rest of a status text. */
struct fleet_stats_session {
	uint8_t transport;     /**< enum tp_transport */
	struct tp_addr local;  /**< our address the client sends to */
	struct tp_addr remote; /**< the client's */
	/** Over TLS, OpenSSL's names ("TLSv1.3", "TLS_AES_256_GCM_SHA384");
	 *  NULL: "UNKNOWN" over TLS, "NONE" otherwise (always "NONE" over
	 *  UDP and TCP, as coturn). */
	const char *tls_version;
	const char *tls_cipher;
};

/** Packets and bytes both ways, coturn's names. */
struct fleet_stats_traffic {
	uint64_t rcvp;  /**< packets received (from the client / peers) */
	uint64_t rcvb;  /**< bytes received */
	uint64_t sentp; /**< packets sent (to the client / peers) */
	uint64_t sentb; /**< bytes sent */
};

/**
 * Copy @p len bytes of @p in to @p out, percent-encoding as the file
 * comment says.  Stops short, on a whole escape, when @p cap is too small
 * (3 * len + 1 always suffices).  @p cap must be > 0.
 * @return the length written (NUL-terminated).
 */
size_t fleet_stats_name_escape(char *out, size_t cap, const char *in, size_t len);

/**
 * The topic @p which of allocation @p a.
 * @return its length, or -ENAMETOOLONG (a name over its maximum, or
 *         @p cap too small: FLEET_STATS_TOPIC_MAX always suffices).
 */
int fleet_stats_topic_format(char *out, size_t cap,
			     const struct fleet_stats_alloc *a,
			     enum fleet_stats_topic which);

/**
 * A status text: "new lifetime=600, type=UDP, local=..., remote=...,
 * ssl=NONE, cipher=NONE" ("refreshed" when @p refreshed).
 * @return its length, or -ENOSPC (FLEET_STATS_TEXT_MAX always suffices).
 */
int fleet_stats_status_format(char *out, size_t cap, bool refreshed,
			      uint32_t lifetime_s,
			      const struct fleet_stats_session *s);

/**
 * A traffic text: "rcvp=1, rcvb=2, sentp=3, sentb=4".
 * @return its length, or -ENOSPC.
 */
int fleet_stats_traffic_format(char *out, size_t cap,
			       const struct fleet_stats_traffic *t);

/** coturn's name of a transport: "UDP", "TCP", "TLS/TCP" ("UNKNOWN"). */
const char *fleet_stats_type_name(uint8_t transport);

/**
 * An address as coturn writes it: "192.0.2.7:51000",
 * "[2001:db8::7]:51000", without ":port" when the port is 0.
 * @p out has TP_ADDR_STRLEN bytes at least.  @return @p out.
 */
const char *fleet_stats_addr_format(const struct tp_addr *a, char *out,
				    size_t cap);

#endif /* TURNPIKE_FLEET_STATS_LAYOUT_H */
