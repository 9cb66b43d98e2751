/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer-address policy: the built-in table of special-purpose addresses, the
 * operator's allow and deny lists, and the decision (see peer_policy.h for
 * the order of the steps).
 *
 * Runs on the control thread, once per XOR-PEER-ADDRESS before a permission
 * exists.  Owns the operator ranges (malloc'd at configuration time, freed by
 * peer_policy_free()); the built-in table is static and read-only.
 *
 * DESIGN
 *
 * The built-in table follows the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890, updated by RFC 8190): every row whose "Globally
 * Reachable" is False is refused.  Where the registry is silent or says
 * otherwise, the choices below lean towards refusing, because a relay that
 * sends a stranger's packets into its own network is the classic TURN
 * server-side request forgery, and an operator can always allow a range:
 *
 *  - 192.0.0.0/24 and 2001::/23 (IETF protocol assignments) are refused
 *    whole, including the registry's globally reachable anycast addresses
 *    192.0.0.9 and 2001:1::1 (PCP), 192.0.0.10 and 2001:1::2 (TURN) and
 *    2001:1::3 (DNS-SD SRP).  An anycast address reaches the nearest
 *    instance, and nearest to the relay is the operator's own CGN or
 *    relay: a client could send PCP requests to the carrier's NAT through us.
 *  - Inside 2001::/23 two globally reachable blocks are let through, because
 *    their IPv4 twins (192.52.193.0/24, 192.31.196.0/24) lie outside any
 *    refused block and are allowed too: AMT 2001:3::/32 and AS112-v6
 *    2001:4:112::/48.
 *  - ORCHIDv2 2001:20::/28 and the drone DETs 2001:30::/28 are marked
 *    globally reachable but are refused: they are host identifiers (HIP-style
 *    hashes, RFC 7343, RFC 9374), not locators, so a datagram to one has no
 *    legitimate destination.
 *  - Terminated or N/A rows are refused: 6to4 relay anycast 192.88.99.0/24
 *    (RFC 7526) and the old ORCHID 2001:10::/28.
 *  - Not in the special-purpose registries but refused: multicast 224/4 and
 *    ff00::/8, site-local fec0::/10 (deprecated, never global), the
 *    IPv4-compatible ::/96 and all IPv6 space outside global unicast
 *    2000::/3, which the IANA IPv6 Address Space registry keeps "Reserved by
 *    IETF"; a future allocation there needs an allow range until this table
 *    learns it.
 *  - All of 0.0.0.0/8 counts as "unspecified", not only 0.0.0.0: Linux
 *    delivers a datagram sent to 0.0.0.0 to the local host, and the rest of
 *    the block names hosts on "this network" (RFC 791).
 *
 * IPv4-in-IPv6 forms are rows with embed_at set: the IPv4 address at that
 * offset is judged by the IPv4 pipeline (operator lists, switches, table),
 * so one set of IPv4 rules covers ::ffff:a.b.c.d (RFC 4291), ::ffff:0:a.b.c.d
 * (RFC 2765), ::a.b.c.d (RFC 4291, deprecated), 64:ff9b::a.b.c.d (RFC 6052)
 * and 2002:AABB:CCDD::/48 (RFC 3056).  Teredo 2001::/32 (RFC 4380) carries
 * its server address in clear but the client address XORed with all ones,
 * and the client is the one packets go to; rather than unscramble it we
 * refuse Teredo whole (it is all but unused).  The local-use NAT64 prefix
 * 64:ff9b:1::/48 (RFC 8215) places the IPv4 address around the "u" octet
 * and is never globally reachable; it is refused whole.
 *
 * Operator lists can be long (coturn configurations with thousands of
 * denied ranges exist), so each is kept sorted with overlaps merged and
 * searched in O(log n).  The built-in table is scanned linearly: about two
 * dozen rows per family, first match wins.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer_policy.h"

/* clang-format off */
#define ROW(r_, v_, n_, f_) \
	{ .range = (r_), .name = (n_), .ref = (f_), .verdict = PEER_##v_ }
#define EMBED(r_, v_, at_, n_, f_)                                     \
	{ .range = (r_), .name = (n_), .ref = (f_), .verdict = PEER_##v_, \
	  .embed_at = (at_) }
/* clang-format on */

/*
 * IPv4.  Rows of the IANA IPv4 Special-Purpose Address Registry marked not
 * globally reachable, more specific rows first.  Globally reachable rows not
 * listed (so allowed): 192.31.196.0/24 AS112-v4 (RFC 7535), 192.52.193.0/24
 * AMT (RFC 7450), 192.175.48.0/24 Direct Delegation AS112 (RFC 7534).
 */
static const struct peer_special_row special_v4[] = {
	/* RFC 1122 section 3.2.1.3: a source address only, never a destination. */
	ROW("0.0.0.0/32", DENIED_UNSPECIFIED, "This host on this network",
	    "RFC 1122 section 3.2.1.3"),
	/* RFC 791 section 3.2: hosts on "this network"; see DESIGN. */
	ROW("0.0.0.0/8", DENIED_UNSPECIFIED, "This network",
	    "RFC 791 section 3.2"),
	/* RFC 1918. */
	ROW("10.0.0.0/8", DENIED_SPECIAL, "Private-Use", "RFC 1918"),
	/* RFC 6598: carrier-grade NAT inside an ISP. */
	ROW("100.64.0.0/10", DENIED_SPECIAL, "Shared Address Space", "RFC 6598"),
	/* RFC 1122 section 3.2.1.3. */
	ROW("127.0.0.0/8", DENIED_LOOPBACK, "Loopback",
	    "RFC 1122 section 3.2.1.3"),
	/* RFC 3927; holds the cloud metadata service 169.254.169.254. */
	ROW("169.254.0.0/16", DENIED_SPECIAL, "Link Local", "RFC 3927"),
	/* RFC 1918. */
	ROW("172.16.0.0/12", DENIED_SPECIAL, "Private-Use", "RFC 1918"),
	/* RFC 7335 (DS-Lite B4/AFTR and 464XLAT). */
	ROW("192.0.0.0/29", DENIED_SPECIAL, "IPv4 Service Continuity Prefix",
	    "RFC 7335"),
	/* RFC 7600. */
	ROW("192.0.0.8/32", DENIED_SPECIAL, "IPv4 dummy address", "RFC 7600"),
	/* RFC 7723; the registry says globally reachable, refused: DESIGN. */
	ROW("192.0.0.9/32", DENIED_SPECIAL, "Port Control Protocol Anycast",
	    "RFC 7723"),
	/* RFC 8155; the registry says globally reachable, refused: DESIGN. */
	ROW("192.0.0.10/32", DENIED_SPECIAL,
	    "Traversal Using Relays around NAT Anycast", "RFC 8155"),
	/* RFC 8880, RFC 7050 section 2.2. */
	ROW("192.0.0.170/32", DENIED_SPECIAL, "NAT64/DNS64 Discovery",
	    "RFC 8880, RFC 7050 section 2.2"),
	/* RFC 8880, RFC 7050 section 2.2. */
	ROW("192.0.0.171/32", DENIED_SPECIAL, "NAT64/DNS64 Discovery",
	    "RFC 8880, RFC 7050 section 2.2"),
	/* RFC 6890 section 2.1: usable only through a more specific row. */
	ROW("192.0.0.0/24", DENIED_SPECIAL, "IETF Protocol Assignments",
	    "RFC 6890 section 2.1"),
	/* RFC 5737. */
	ROW("192.0.2.0/24", DENIED_SPECIAL, "Documentation (TEST-NET-1)",
	    "RFC 5737"),
	/* RFC 6751. */
	ROW("192.88.99.2/32", DENIED_SPECIAL, "6a44-relay anycast address",
	    "RFC 6751"),
	/* RFC 7526 deprecated it; the registry row is terminated (N/A). */
	ROW("192.88.99.0/24", DENIED_SPECIAL, "Deprecated (6to4 Relay Anycast)",
	    "RFC 7526"),
	/* RFC 1918. */
	ROW("192.168.0.0/16", DENIED_SPECIAL, "Private-Use", "RFC 1918"),
	/* RFC 2544 (the range is 198.18.0.0-198.19.255.255). */
	ROW("198.18.0.0/15", DENIED_SPECIAL, "Benchmarking", "RFC 2544"),
	/* RFC 5737. */
	ROW("198.51.100.0/24", DENIED_SPECIAL, "Documentation (TEST-NET-2)",
	    "RFC 5737"),
	/* RFC 5737. */
	ROW("203.0.113.0/24", DENIED_SPECIAL, "Documentation (TEST-NET-3)",
	    "RFC 5737"),
	/* RFC 5771 (IANA multicast registry, not the special-purpose one). */
	ROW("224.0.0.0/4", DENIED_MULTICAST, "Multicast", "RFC 5771"),
	/* RFC 8190, RFC 919 section 7; before 240/4 which holds it. */
	ROW("255.255.255.255/32", DENIED_BROADCAST, "Limited Broadcast",
	    "RFC 8190, RFC 919 section 7"),
	/* RFC 1112 section 4 (former class E). */
	ROW("240.0.0.0/4", DENIED_SPECIAL, "Reserved", "RFC 1112 section 4"),
};

/*
 * IPv6.  Rows of the IANA IPv6 Special-Purpose Address Registry marked not
 * globally reachable (or N/A), the IPv4-in-IPv6 forms, multicast, and the
 * space outside 2000::/3, more specific rows first.  Globally reachable rows
 * outside refused blocks (so allowed without a row): 2620:4f:8000::/48
 * Direct Delegation AS112 (RFC 7534).
 */
static const struct peer_special_row special_v6[] = {
	/* RFC 4291 section 2.5.2. */
	ROW("::/128", DENIED_UNSPECIFIED, "Unspecified Address", "RFC 4291"),
	/* RFC 4291 section 2.5.3. */
	ROW("::1/128", DENIED_LOOPBACK, "Loopback Address", "RFC 4291"),
	/* RFC 4291 section 2.5.5.2: ::ffff:a.b.c.d, judged as a.b.c.d. */
	EMBED("::ffff:0:0/96", ALLOWED, 12, "IPv4-mapped Address", "RFC 4291"),
	/* RFC 2765 section 2.1 (SIIT): ::ffff:0:a.b.c.d, judged as a.b.c.d. */
	EMBED("::ffff:0:0:0/96", ALLOWED, 12, "IPv4-translated Address",
	      "RFC 2765"),
	/* RFC 4291 section 2.5.5.1, deprecated: refused even around a good
	 * IPv4 address (reason names the IPv4 row when that one is bad). */
	EMBED("::/96", DENIED_EMBEDDED, 12,
	      "IPv4-compatible Address (deprecated)", "RFC 4291"),
	/* RFC 6052: the NAT64 well-known prefix, globally reachable; judged
	 * as the IPv4 address (RFC 6052 section 3.1 forbids non-global ones). */
	EMBED("64:ff9b::/96", ALLOWED, 12, "IPv4-IPv6 Translat.", "RFC 6052"),
	/* RFC 8215: local-use NAT64 prefix. */
	ROW("64:ff9b:1::/48", DENIED_SPECIAL, "IPv4-IPv6 Translat. (local use)",
	    "RFC 8215"),
	/* RFC 6666. */
	ROW("100::/64", DENIED_SPECIAL, "Discard-Only Address Block", "RFC 6666"),
	/* RFC 9780. */
	ROW("100:0:0:1::/64", DENIED_SPECIAL, "Dummy IPv6 Prefix", "RFC 9780"),
	/* RFC 4380, RFC 8190: refused whole, see DESIGN. */
	ROW("2001::/32", DENIED_EMBEDDED, "TEREDO", "RFC 4380, RFC 8190"),
	/* RFC 7723; globally reachable in the registry, refused: DESIGN. */
	ROW("2001:1::1/128", DENIED_SPECIAL, "Port Control Protocol Anycast",
	    "RFC 7723"),
	/* RFC 8155; globally reachable in the registry, refused: DESIGN. */
	ROW("2001:1::2/128", DENIED_SPECIAL,
	    "Traversal Using Relays around NAT Anycast", "RFC 8155"),
	/* RFC 9665; globally reachable in the registry, refused: DESIGN. */
	ROW("2001:1::3/128", DENIED_SPECIAL,
	    "DNS-SD Service Registration Protocol Anycast", "RFC 9665"),
	/* RFC 5180 (and its erratum 1752). */
	ROW("2001:2::/48", DENIED_SPECIAL, "Benchmarking", "RFC 5180"),
	/* RFC 7450: globally reachable exception inside 2001::/23. */
	ROW("2001:3::/32", ALLOWED, "AMT", "RFC 7450"),
	/* RFC 7535: globally reachable exception inside 2001::/23. */
	ROW("2001:4:112::/48", ALLOWED, "AS112-v6", "RFC 7535"),
	/* RFC 4843; terminated (N/A). */
	ROW("2001:10::/28", DENIED_SPECIAL, "Deprecated (previously ORCHID)",
	    "RFC 4843"),
	/* RFC 7343; identifiers, not locators: DESIGN. */
	ROW("2001:20::/28", DENIED_SPECIAL, "ORCHIDv2", "RFC 7343"),
	/* RFC 9374; identifiers, not locators: DESIGN. */
	ROW("2001:30::/28", DENIED_SPECIAL,
	    "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "RFC 9374"),
	/* RFC 2928. */
	ROW("2001::/23", DENIED_SPECIAL, "IETF Protocol Assignments", "RFC 2928"),
	/* RFC 3849. */
	ROW("2001:db8::/32", DENIED_SPECIAL, "Documentation", "RFC 3849"),
	/* RFC 3056: 2002:AABB:CCDD::/48, judged as AA.BB.CC.DD. */
	EMBED("2002::/16", ALLOWED, 2, "6to4", "RFC 3056"),
	/* RFC 9637. */
	ROW("3fff::/20", DENIED_SPECIAL, "Documentation", "RFC 9637"),
	/* RFC 9602. */
	ROW("5f00::/16", DENIED_SPECIAL, "Segment Routing (SRv6) SIDs",
	    "RFC 9602"),
	/* RFC 4193, RFC 8190. */
	ROW("fc00::/7", DENIED_SPECIAL, "Unique-Local", "RFC 4193, RFC 8190"),
	/* RFC 4291 section 2.5.6. */
	ROW("fe80::/10", DENIED_SPECIAL, "Link-Local Unicast", "RFC 4291"),
	/* RFC 3879 deprecated it; not in the registry, never global. */
	ROW("fec0::/10", DENIED_SPECIAL, "Site-Local (deprecated)", "RFC 3879"),
	/* RFC 4291 section 2.7. */
	ROW("ff00::/8", DENIED_MULTICAST, "Multicast", "RFC 4291"),
	/* RFC 4291 section 2.4 and the IANA IPv6 Address Space registry:
	 * only 2000::/3 is global unicast; the rest is reserved by the IETF.
	 * These three rows cover everything but 2000::/3 (DESIGN). */
	ROW("::/3", DENIED_SPECIAL, "Reserved by IETF (outside 2000::/3)",
	    "RFC 4291"),
	ROW("4000::/2", DENIED_SPECIAL, "Reserved by IETF (outside 2000::/3)",
	    "RFC 4291"),
	ROW("8000::/1", DENIED_SPECIAL, "Reserved by IETF (outside 2000::/3)",
	    "RFC 4291"),
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

_Static_assert(COUNT_OF(special_v4) <= PEER_SPECIAL_ROWS_MAX,
	       "raise PEER_SPECIAL_ROWS_MAX");
_Static_assert(COUNT_OF(special_v6) <= PEER_SPECIAL_ROWS_MAX,
	       "raise PEER_SPECIAL_ROWS_MAX");

static const char *const verdict_names[] = {
#define PEER_VERDICT_NAME(name, str) [PEER_##name] = str,
	PEER_VERDICT_LIST(PEER_VERDICT_NAME)
#undef PEER_VERDICT_NAME
};

const char *
peer_verdict_str(enum peer_verdict verdict)
{
	if ((unsigned int)verdict >= PEER_VERDICT_COUNT)
		return "unknown";
	return verdict_names[verdict];
}

const struct peer_special_row *
peer_special_rows(uint8_t family, size_t *count)
{
	if (family == TP_AF_INET) {
		*count = COUNT_OF(special_v4);
		return special_v4;
	}
	if (family == TP_AF_INET6) {
		*count = COUNT_OF(special_v6);
		return special_v6;
	}
	*count = 0;
	return NULL;
}

/* 0 for IPv4, 1 for IPv6, -1 for anything else. */
static int
family_index(uint8_t family)
{
	return family == TP_AF_INET ? 0 : family == TP_AF_INET6 ? 1 : -1;
}

/* ---- operator ranges: sorted, disjoint, binary-searched ---- */

/* First index whose hi >= x.  The ranges are sorted and disjoint, so their
 * hi ends are sorted too. */
static size_t
range_set_lower(const struct peer_range_set *set, const struct tp_ip *x)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tp_ip_cmp(&set->v[mid].hi, x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool
range_set_contains(const struct peer_range_set *set, const struct tp_ip *x)
{
	size_t i = range_set_lower(set, x);

	return i < set->n && tp_ip_cmp(&set->v[i].lo, x) <= 0;
}

static int
range_set_reserve(struct peer_range_set *set)
{
	struct tp_ip_range *v;
	size_t cap;

	if (set->n < set->cap)
		return 0;
	if (set->cap > SIZE_MAX / 2 / sizeof(*v))
		return -ENOMEM;
	cap = set->cap != 0 ? set->cap * 2 : 16;
	v = realloc(set->v, cap * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	set->v = v;
	set->cap = cap;
	return 0;
}

/*
 * Insert @r, merging it with every range it overlaps.  Ranges [i, j) are
 * those that overlap: their hi is >= r.lo and their lo is <= r.hi.  They
 * and @r become one range in slot i.
 */
static int
range_set_insert(struct peer_range_set *set, const struct tp_ip_range *r)
{
	size_t i = range_set_lower(set, &r->lo);
	size_t j = i;
	struct tp_ip_range merged = *r;
	int rc;

	while (j < set->n && tp_ip_cmp(&set->v[j].lo, &r->hi) <= 0)
		j++;
	if (j == i) {
		rc = range_set_reserve(set);
		if (rc != 0)
			return rc;
		memmove(&set->v[i + 1], &set->v[i], (set->n - i) * sizeof(*r));
		set->v[i] = merged;
		set->n++;
		return 0;
	}
	if (tp_ip_cmp(&set->v[i].lo, &merged.lo) < 0)
		merged.lo = set->v[i].lo;
	if (tp_ip_cmp(&set->v[j - 1].hi, &merged.hi) > 0)
		merged.hi = set->v[j - 1].hi;
	set->v[i] = merged;
	memmove(&set->v[i + 1], &set->v[j], (set->n - j) * sizeof(*r));
	set->n -= j - i - 1;
	return 0;
}

/* ---- building a policy ---- */

int
peer_policy_init(struct peer_policy *policy)
{
	memset(policy, 0, sizeof(*policy));
	for (int f = 0; f < 2; f++) {
		uint8_t family = f == 0 ? TP_AF_INET : TP_AF_INET6;
		const struct peer_special_row *rows;
		size_t n;

		rows = peer_special_rows(family, &n);
		for (size_t i = 0; i < n; i++) {
			struct tp_ip_range *r = &policy->special[f][i];

			if (tp_ip_range_parse(r, rows[i].range) != 0 ||
			    r->lo.family != family)
				return -EINVAL;
		}
	}
	return 0;
}

void
peer_policy_free(struct peer_policy *policy)
{
	for (int l = 0; l < PEER_LIST_COUNT; l++) {
		for (int f = 0; f < 2; f++) {
			free(policy->lists[l][f].v);
			policy->lists[l][f] = (struct peer_range_set){ 0 };
		}
	}
}

int
peer_policy_add_range(struct peer_policy *policy, enum peer_list list,
		      const struct tp_ip_range *range)
{
	struct tp_ip_range r = { 0 };
	int f = family_index(range->lo.family);
	size_t len = tp_ip_len(range->lo.family);

	if ((unsigned int)list >= PEER_LIST_COUNT || f < 0 ||
	    range->hi.family != range->lo.family)
		return -EINVAL;
	/* Copy only the address bytes, so the IPv4 tail is always zero. */
	r.lo.family = r.hi.family = range->lo.family;
	memcpy(r.lo.bytes, range->lo.bytes, len);
	memcpy(r.hi.bytes, range->hi.bytes, len);
	if (tp_ip_cmp(&r.lo, &r.hi) > 0)
		return -EINVAL;
	return range_set_insert(&policy->lists[list][f], &r);
}

static int
policy_add_text(struct peer_policy *policy, enum peer_list list, const char *text)
{
	struct tp_ip_range r;

	if (text == NULL || tp_ip_range_parse(&r, text) != 0)
		return -EINVAL;
	return peer_policy_add_range(policy, list, &r);
}

int
peer_policy_allow_range(struct peer_policy *policy, const char *text)
{
	return policy_add_text(policy, PEER_LIST_ALLOW, text);
}

int
peer_policy_deny_range(struct peer_policy *policy, const char *text)
{
	return policy_add_text(policy, PEER_LIST_DENY, text);
}

size_t
peer_policy_range_count(const struct peer_policy *policy, enum peer_list list)
{
	if ((unsigned int)list >= PEER_LIST_COUNT)
		return 0;
	return policy->lists[list][0].n + policy->lists[list][1].n;
}

/* ---- the decision ---- */

/* First built-in row that holds @x (normalised, known family), or NULL. */
static const struct peer_special_row *
special_lookup(const struct peer_policy *policy, const struct tp_ip *x)
{
	int f = family_index(x->family);
	const struct peer_special_row *rows;
	size_t n;

	rows = peer_special_rows(x->family, &n);
	for (size_t i = 0; i < n; i++) {
		if (tp_ip_range_contains(&policy->special[f][i], x))
			return &rows[i];
	}
	return NULL;
}

/* True if @v is a class that stays refused inside allow ranges (step 2)
 * and the operator has not switched it on. */
static bool
class_locked(const struct peer_policy *policy, enum peer_verdict v)
{
	switch (v) {
	case PEER_DENIED_LOOPBACK:
		return !policy->allow_loopback;
	case PEER_DENIED_UNSPECIFIED:
		return !policy->allow_unspecified;
	case PEER_DENIED_MULTICAST:
		return !policy->allow_multicast;
	case PEER_DENIED_BROADCAST:
		return !policy->allow_broadcast;
	default:
		return false;
	}
}

static bool
in_list(const struct peer_policy *policy, enum peer_list list,
	const struct tp_ip *x)
{
	int f = family_index(x->family);

	/* No list holds an address of no family. */
	return f >= 0 && range_set_contains(&policy->lists[list][f], x);
}

static enum peer_verdict judge(const struct peer_policy *policy,
			       const struct tp_ip *x, struct peer_reason *why);

/*
 * An IPv4-in-IPv6 address @x of @form (deny of @x already checked).  The
 * IPv4 address decides first; a deny or a locked class inside it cannot be
 * undone by an IPv6 allow range, anything else can.  If the IPv4 address
 * is fine the form's own verdict stands (refused for ::a.b.c.d).
 */
static enum peer_verdict
judge_embedded(const struct peer_policy *policy, const struct tp_ip *x,
	       const struct peer_special_row *form, struct peer_reason *why)
{
	const uint8_t *b = x->bytes + form->embed_at;
	struct tp_ip v4 = tp_ip_v4((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
				   (uint32_t)b[2] << 8 | b[3]);
	enum peer_verdict inner;

	inner = judge(policy, &v4, why); /* IPv4 rows never embed: depth 1 */
	why->form = form;
	why->embedded = v4;
	if (inner == PEER_DENIED_OPERATOR || class_locked(policy, inner))
		return inner;
	if (in_list(policy, PEER_LIST_ALLOW, x)) {
		why->row = NULL;
		return PEER_ALLOWED;
	}
	if (inner != PEER_ALLOWED)
		return inner;
	why->row = form;
	return (enum peer_verdict)form->verdict;
}

/* Steps 1-5 for a normalised address of a known family. */
static enum peer_verdict
judge(const struct peer_policy *policy, const struct tp_ip *x,
      struct peer_reason *why)
{
	const struct peer_special_row *row;

	why->row = NULL;
	if (in_list(policy, PEER_LIST_DENY, x))
		return PEER_DENIED_OPERATOR;
	row = special_lookup(policy, x);
	if (row != NULL && row->embed_at != 0)
		return judge_embedded(policy, x, row, why);
	if (row != NULL && class_locked(policy, row->verdict)) {
		why->row = row;
		return (enum peer_verdict)row->verdict;
	}
	if (in_list(policy, PEER_LIST_ALLOW, x))
		return PEER_ALLOWED;
	if (in_list(policy, PEER_LIST_LOCAL, x) &&
	    !in_list(policy, PEER_LIST_OWN, x))
		return PEER_DENIED_LOCAL;
	why->row = row;
	return row != NULL ? (enum peer_verdict)row->verdict : PEER_ALLOWED;
}

enum peer_verdict
peer_policy_explain(const struct peer_policy *policy, const struct tp_ip *ip,
		    struct peer_reason *why)
{
	struct peer_reason scratch;
	struct tp_ip x = { 0 };
	size_t len = ip != NULL ? tp_ip_len(ip->family) : 0;

	if (why == NULL)
		why = &scratch;
	memset(why, 0, sizeof(*why));
	if (len == 0) {
		why->verdict = PEER_DENIED_FAMILY;
		return why->verdict;
	}
	/* Copy only the address bytes: the IPv4 tail must be zero to compare. */
	x.family = ip->family;
	memcpy(x.bytes, ip->bytes, len);
	why->verdict = judge(policy, &x, why);
	return why->verdict;
}

enum peer_verdict
peer_policy_check(const struct peer_policy *policy, const struct tp_ip *ip)
{
	return peer_policy_explain(policy, ip, NULL);
}

/* snprintf at @used, keeping @used within @cap. */
static size_t append(char *out, size_t cap, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t
append(char *out, size_t cap, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= cap)
		return used;
	va_start(ap, fmt);
	n = vsnprintf(out + used, cap - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return used;
	return (size_t)n >= cap - used ? cap - 1 : used + (size_t)n;
}

const char *
peer_reason_format(const struct peer_reason *why, char *out, size_t cap)
{
	char ip[TP_ADDR_STRLEN];
	size_t used;

	if (cap == 0)
		return out;
	out[0] = '\0';
	used = append(out, cap, 0, "%s", peer_verdict_str(why->verdict));
	if (why->verdict == PEER_DENIED_OPERATOR)
		used = append(out, cap, used, ": denied-peer-ip");
	if (why->verdict == PEER_DENIED_LOCAL)
		used = append(out, cap, used, ": gateway or local-network");
	if (why->row != NULL && why->row != why->form)
		used = append(out, cap, used, ": %s %s (%s)", why->row->range,
			      why->row->name, why->row->ref);
	if (why->form != NULL)
		append(out, cap, used, "%s IPv4 %s carried in %s %s (%s)",
		       why->row != NULL && why->row != why->form ? ";" : ":",
		       tp_ip_format(&why->embedded, ip, sizeof(ip)),
		       why->form->range, why->form->name, why->form->ref);
	return out;
}
