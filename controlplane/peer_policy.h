/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Peer-address policy: may the relay send to this peer address?
 *
 * The control thread asks once for every XOR-PEER-ADDRESS of a
 * CreatePermission, ChannelBind or Send before a permission exists, and
 * answers 403 (Forbidden) on a refusal (RFC 8656 sections 9.1, 10.1, 12), so
 * the fast path only ever relays to peers that passed here and needs no ACL.
 *
 * Secure by default.  The decision, in order:
 *
 *  1. An operator deny range (coturn's denied-peer-ip) that holds the address
 *     refuses it: PEER_DENIED_OPERATOR.  Nothing overrides a deny.
 *  2. Loopback, unspecified ("this network" 0/8 and ::), multicast and
 *     limited broadcast are refused even inside an operator allow range,
 *     unless the switch named for that class (allow_loopback, ...) is on.
 *     A switch alone allows nothing: it only lets an allow range reach the
 *     class, so unlocking loopback takes two keys (switch + range).
 *  3. An operator allow range (allowed-peer-ip) that holds the address
 *     permits it; this is how a lab allows 10.0.0.0/8.
 *  3b. The server's own network, the gateway and the local-network ranges
 *     (PEER_LIST_LOCAL), is refused, PEER_DENIED_LOCAL, even when public:
 *     a stranger's datagrams should not reach the router's management
 *     address or the hosts beside the relay.  The relay addresses
 *     themselves (PEER_LIST_OWN) are exempt: relaying between two
 *     allocations of this server is a feature.  An allow range naming the
 *     address (step 3) lets it through.
 *  4. The built-in table refuses what the IANA special-purpose registries
 *     mark not globally reachable, plus multicast and the IPv6 space outside
 *     global unicast 2000::/3: PEER_DENIED_SPECIAL (why.row names the row).
 *  5. Anything else is allowed.
 *
 * IPv4-in-IPv6 forms (IPv4-mapped, IPv4-translated, IPv4-compatible, 6to4,
 * NAT64 64:ff9b::/96) carry an IPv4 address that is judged by the whole IPv4
 * pipeline above (operator lists included): ::ffff:127.0.0.1 is refused as
 * loopback, ::ffff:8.8.8.8 is allowed.  The deprecated IPv4-compatible form
 * is refused even around a good IPv4 address, and Teredo (2001::/32) is
 * refused outright because its embedded addresses are obfuscated: both give
 * PEER_DENIED_EMBEDDED.  The IPv6 address itself is still checked against the
 * IPv6 operator lists (a deny of 64:ff9b::/96 refuses all of NAT64).
 *
 * The relay addresses are not refused here: relaying between two
 * allocations of this server is a feature, and the fast path drops a
 * datagram for one of our addresses at a port outside the relay range
 * (dp_relay.c); a permission is for an IP, not a port.
 *
 * Control thread only; a built policy is read-only and may be shared.
 */
#ifndef TURNPIKE_PEER_POLICY_H
#define TURNPIKE_PEER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/**
 * Verdicts, as X(NAME, "counter label").  One list makes the enum and the
 * strings, so a log line or a counter can say why a peer was refused.
 */
#define PEER_VERDICT_LIST(X)                                               \
	X(ALLOWED, "allowed")                                              \
	X(DENIED_OPERATOR, "operator_denied") /* denied-peer-ip */         \
	X(DENIED_LOOPBACK, "loopback")        /* 127/8, ::1 */             \
	X(DENIED_UNSPECIFIED, "unspecified")  /* 0/8, :: */                \
	X(DENIED_MULTICAST, "multicast")      /* 224/4, ff00::/8 */        \
	X(DENIED_BROADCAST, "broadcast")      /* 255.255.255.255 */        \
	X(DENIED_SPECIAL, "special_purpose")  /* IANA registry row */      \
	X(DENIED_EMBEDDED, "ipv4_in_ipv6")    /* Teredo, ::a.b.c.d */      \
	X(DENIED_LOCAL, "local_network")      /* gateway, local-network */ \
	X(DENIED_FAMILY, "bad_family")        /* neither IPv4 nor IPv6 */

/** Why a peer address is allowed or refused. */
enum peer_verdict {
#define PEER_VERDICT_ENUM(name, str) PEER_##name,
	PEER_VERDICT_LIST(PEER_VERDICT_ENUM)
#undef PEER_VERDICT_ENUM
	PEER_VERDICT_COUNT
};

/** The operator's two lists, and the server's own network. */
enum peer_list {
	PEER_LIST_ALLOW = 0, /**< allowed-peer-ip */
	PEER_LIST_DENY = 1,  /**< denied-peer-ip */
	PEER_LIST_LOCAL = 2, /**< gateway and local-network: refused (3b) */
	PEER_LIST_OWN = 3,   /**< relay addresses: exempt from LOCAL */
	PEER_LIST_COUNT
};

/**
 * One row of the built-in table.  Rows are scanned in order and the first
 * that holds the address decides, so a more specific row precedes the block
 * that contains it.
 */
struct peer_special_row {
	const char *range; /**< as tp_ip_range_parse reads it, e.g. "10.0.0.0/8" */
	const char *name; /**< the registry's name for the block */
	const char *ref;  /**< the defining RFC */
	uint8_t verdict;  /**< enum peer_verdict for an address in the row */
	/**
	 * IPv4-in-IPv6 forms: byte offset of the embedded IPv4 address, which
	 * is judged first; 0 for every other row.
	 */
	uint8_t embed_at;
};

/** Upper bound on the rows of one family's built-in table. */
#define PEER_SPECIAL_ROWS_MAX 48

/** A sorted set of disjoint ranges of one family. */
struct peer_range_set {
	struct tp_ip_range *v; /**< sorted by lo; no two overlap */
	size_t n;
	size_t cap;
};

/**
 * A peer-address policy.  Built at configuration time with
 * peer_policy_init() and the add functions, released with peer_policy_free().
 * The switches may be set directly; each unlocks one class for the allow
 * ranges (see the file comment, step 2).
 */
struct peer_policy {
	bool allow_loopback;    /**< let allow ranges reach 127/8 and ::1 */
	bool allow_unspecified; /**< ... 0/8 and :: */
	bool allow_multicast;   /**< ... 224/4 and ff00::/8 */
	bool allow_broadcast;   /**< ... 255.255.255.255 */
	/** Ranges: [enum peer_list][0 = IPv4, 1 = IPv6]. */
	struct peer_range_set lists[PEER_LIST_COUNT][2];
	/** The built-in rows, parsed: [0 = IPv4, 1 = IPv6][row]. */
	struct tp_ip_range special[2][PEER_SPECIAL_ROWS_MAX];
};

/** The details of a decision, for logs. */
struct peer_reason {
	enum peer_verdict verdict;
	/** The built-in row that decided, or NULL (operator list, default). */
	const struct peer_special_row *row;
	/** The IPv4-in-IPv6 row the IPv4 address was taken from, or NULL. */
	const struct peer_special_row *form;
	/** The embedded IPv4 address that was judged, when form != NULL. */
	struct tp_ip embedded;
};

/**
 * Prepare an empty policy (no operator ranges, every switch off).
 * @return 0, or -EINVAL if a built-in row does not parse (a bug).
 */
int peer_policy_init(struct peer_policy *policy);

/** Release the operator ranges; the policy may be initialised again. */
void peer_policy_free(struct peer_policy *policy);

/**
 * Add a range to one of the lists (enum peer_list).  Overlapping ranges are merged, so a
 * lookup is a binary search.  Cost: O(n) per add, O(log n) per check.
 * @return 0, -EINVAL for a range of no known family or with lo > hi, -ENOMEM.
 */
int peer_policy_add_range(struct peer_policy *policy, enum peer_list list,
			  const struct tp_ip_range *range);

/**
 * Allow a range given as text: "a.b.c.d", CIDR, or coturn's "low-high".
 * @return 0, -EINVAL for bad text, -ENOMEM.
 */
int peer_policy_allow_range(struct peer_policy *policy, const char *text);

/** Deny a range given as text; see peer_policy_allow_range(). */
int peer_policy_deny_range(struct peer_policy *policy, const char *text);

/** Number of disjoint ranges now in @p list (both families). */
size_t peer_policy_range_count(const struct peer_policy *policy,
			       enum peer_list list);

/**
 * May the relay send to @p ip?
 * @return PEER_ALLOWED, or the reason for refusing.
 */
enum peer_verdict peer_policy_check(const struct peer_policy *policy,
				    const struct tp_ip *ip);

/**
 * As peer_policy_check(), and fill @p why (may be NULL) with the row and the
 * IPv4-in-IPv6 form behind the verdict.
 */
enum peer_verdict peer_policy_explain(const struct peer_policy *policy,
				      const struct tp_ip *ip,
				      struct peer_reason *why);

/** The counter label of @p verdict ("loopback", ...), "unknown" if invalid. */
const char *peer_verdict_str(enum peer_verdict verdict);

/**
 * Format @p why for a log line, e.g.
 * "loopback: 127.0.0.0/8 Loopback (RFC 1122 section 3.2.1.3) inside
 * ::ffff:0:0/96 IPv4-mapped Address (RFC 4291)".
 * @return @p out.
 */
const char *peer_reason_format(const struct peer_reason *why, char *out,
			       size_t cap);

/**
 * The built-in table of one family (TP_AF_INET or TP_AF_INET6), for tests
 * and for an admin command that lists it.
 * @return the rows and their number in @p count; NULL for another family.
 */
const struct peer_special_row *peer_special_rows(uint8_t family, size_t *count);

#endif /* TURNPIKE_PEER_POLICY_H */
