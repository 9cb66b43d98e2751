/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Peer-address policy tests.  The expected verdicts are written by hand from
 * the IANA special-purpose registries and the RFCs named in the table rows
 * (first and last address of a block, and the addresses just outside), not
 * taken from the implementation's output.  The IPv4-in-IPv6 forms are built
 * here byte by byte from their RFC layouts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peer_policy.h"

#define ALLOWED PEER_ALLOWED
#define OPERATOR PEER_DENIED_OPERATOR
#define LOOPBACK PEER_DENIED_LOOPBACK
#define UNSPEC PEER_DENIED_UNSPECIFIED
#define MCAST PEER_DENIED_MULTICAST
#define BCAST PEER_DENIED_BROADCAST
#define SPECIAL PEER_DENIED_SPECIAL
#define EMBEDDED PEER_DENIED_EMBEDDED
#define LOCAL PEER_DENIED_LOCAL

struct vec {
	const char *ip;
	enum peer_verdict want;
};

static struct tp_ip
ip_of(const char *text)
{
	struct tp_ip ip;

	if (tp_ip_parse(&ip, text) != 0) {
		print_error("test vector does not parse: %s\n", text);
		fail();
	}
	return ip;
}

static enum peer_verdict
verdict_of(const struct peer_policy *p, const char *text)
{
	struct tp_ip ip = ip_of(text);

	return peer_policy_check(p, &ip);
}

/* Check every vector, report every mismatch, fail once at the end. */
static void
check_vectors(const struct peer_policy *p, const struct vec *v, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		enum peer_verdict got = verdict_of(p, v[i].ip);

		if (got != v[i].want) {
			print_error("%s: got %s, want %s\n", v[i].ip,
				    peer_verdict_str(got),
				    peer_verdict_str(v[i].want));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
policy_setup(struct peer_policy *p)
{
	assert_int_equal(peer_policy_init(p), 0);
}

/* ---- the default policy: IPv4 ---- */

static const struct vec default_v4[] = {
	/* good public addresses */
	{ "8.8.8.8", ALLOWED },
	{ "1.1.1.1", ALLOWED },
	{ "9.9.9.9", ALLOWED },
	/* 0.0.0.0/8 "this network" (RFC 791, RFC 1122) */
	{ "0.0.0.0", UNSPEC },
	{ "0.0.0.1", UNSPEC },
	{ "0.255.255.255", UNSPEC },
	{ "1.0.0.0", ALLOWED },
	/* 10.0.0.0/8 (RFC 1918) */
	{ "9.255.255.255", ALLOWED },
	{ "10.0.0.0", SPECIAL },
	{ "10.1.2.3", SPECIAL },
	{ "10.255.255.255", SPECIAL },
	{ "11.0.0.0", ALLOWED },
	/* 100.64.0.0/10 (RFC 6598) */
	{ "100.63.255.255", ALLOWED },
	{ "100.64.0.0", SPECIAL },
	{ "100.100.100.100", SPECIAL },
	{ "100.127.255.255", SPECIAL },
	{ "100.128.0.0", ALLOWED },
	/* 127.0.0.0/8 (RFC 1122) */
	{ "126.255.255.255", ALLOWED },
	{ "127.0.0.0", LOOPBACK },
	{ "127.0.0.1", LOOPBACK },
	{ "127.1.2.3", LOOPBACK },
	{ "127.255.255.255", LOOPBACK },
	{ "128.0.0.0", ALLOWED },
	/* 169.254.0.0/16 (RFC 3927), cloud metadata inside */
	{ "169.253.255.255", ALLOWED },
	{ "169.254.0.0", SPECIAL },
	{ "169.254.169.254", SPECIAL },
	{ "169.254.255.255", SPECIAL },
	{ "169.255.0.0", ALLOWED },
	/* 172.16.0.0/12 (RFC 1918) */
	{ "172.15.255.255", ALLOWED },
	{ "172.16.0.0", SPECIAL },
	{ "172.20.1.1", SPECIAL },
	{ "172.31.255.255", SPECIAL },
	{ "172.32.0.0", ALLOWED },
	/* 192.0.0.0/24 (RFC 6890) and its rows, all refused */
	{ "191.255.255.255", ALLOWED },
	{ "192.0.0.0", SPECIAL },  /* RFC 7335 */
	{ "192.0.0.7", SPECIAL },  /* RFC 7335 */
	{ "192.0.0.8", SPECIAL },  /* RFC 7600 */
	{ "192.0.0.9", SPECIAL },  /* PCP anycast, refused by choice */
	{ "192.0.0.10", SPECIAL }, /* TURN anycast, refused by choice */
	{ "192.0.0.11", SPECIAL },
	{ "192.0.0.170", SPECIAL }, /* RFC 8880 */
	{ "192.0.0.171", SPECIAL },
	{ "192.0.0.255", SPECIAL },
	{ "192.0.1.0", ALLOWED },
	/* 192.0.2.0/24 TEST-NET-1 (RFC 5737) */
	{ "192.0.1.255", ALLOWED },
	{ "192.0.2.0", SPECIAL },
	{ "192.0.2.1", SPECIAL },
	{ "192.0.2.255", SPECIAL },
	{ "192.0.3.0", ALLOWED },
	/* globally reachable registry rows */
	{ "192.31.196.1", ALLOWED }, /* AS112-v4, RFC 7535 */
	{ "192.52.193.1", ALLOWED }, /* AMT, RFC 7450 */
	{ "192.175.48.1", ALLOWED }, /* AS112 direct delegation, RFC 7534 */
	/* 192.88.99.0/24 deprecated 6to4 relay anycast (RFC 7526) */
	{ "192.88.98.255", ALLOWED },
	{ "192.88.99.0", SPECIAL },
	{ "192.88.99.1", SPECIAL },
	{ "192.88.99.2", SPECIAL }, /* 6a44, RFC 6751 */
	{ "192.88.99.255", SPECIAL },
	{ "192.88.100.0", ALLOWED },
	/* 192.168.0.0/16 (RFC 1918) */
	{ "192.167.255.255", ALLOWED },
	{ "192.168.0.0", SPECIAL },
	{ "192.168.1.1", SPECIAL },
	{ "192.168.255.255", SPECIAL },
	{ "192.169.0.0", ALLOWED },
	/* 198.18.0.0/15 benchmarking (RFC 2544) */
	{ "198.17.255.255", ALLOWED },
	{ "198.18.0.0", SPECIAL },
	{ "198.19.255.255", SPECIAL },
	{ "198.20.0.0", ALLOWED },
	/* 198.51.100.0/24 TEST-NET-2 (RFC 5737) */
	{ "198.51.99.255", ALLOWED },
	{ "198.51.100.0", SPECIAL },
	{ "198.51.100.255", SPECIAL },
	{ "198.51.101.0", ALLOWED },
	/* 203.0.113.0/24 TEST-NET-3 (RFC 5737) */
	{ "203.0.112.255", ALLOWED },
	{ "203.0.113.0", SPECIAL },
	{ "203.0.113.255", SPECIAL },
	{ "203.0.114.0", ALLOWED },
	/* 224.0.0.0/4 multicast (RFC 5771) */
	{ "223.255.255.255", ALLOWED },
	{ "224.0.0.0", MCAST },
	{ "224.0.0.251", MCAST },
	{ "239.255.255.250", MCAST },
	{ "239.255.255.255", MCAST },
	/* 240.0.0.0/4 reserved (RFC 1112), 255.255.255.255 (RFC 919) */
	{ "240.0.0.0", SPECIAL },
	{ "250.1.2.3", SPECIAL },
	{ "255.255.255.254", SPECIAL },
	{ "255.255.255.255", BCAST },
};

static void
test_default_v4(void **state)
{
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	check_vectors(&p, default_v4, sizeof(default_v4) / sizeof(default_v4[0]));
	peer_policy_free(&p);
}

/* ---- the default policy: IPv6 ---- */

static const struct vec default_v6[] = {
	/* good public addresses */
	{ "2606:4700:4700::1111", ALLOWED },
	{ "2001:4860:4860::8888", ALLOWED },
	{ "2a00:1450:4001:81c::200e", ALLOWED },
	{ "2620:4f:8000::1", ALLOWED }, /* AS112 direct delegation, RFC 7534 */
	/* ::/128 and ::1/128 (RFC 4291) */
	{ "::", UNSPEC },
	{ "::1", LOOPBACK },
	/* the rest of ::/8 and the space outside 2000::/3 */
	{ "::1:0:0:0", SPECIAL },
	{ "1::", SPECIAL },
	{ "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "2000::", ALLOWED },
	{ "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED },
	{ "4000::", SPECIAL },
	{ "44::1", SPECIAL },
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	/* 64:ff9b:1::/48 local-use NAT64 (RFC 8215) */
	{ "64:ff9b:1::", SPECIAL },
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "64:ff9b:1:2:3:4:5:6", SPECIAL },
	/* 100::/64 discard-only (RFC 6666), 100:0:0:1::/64 (RFC 9780) */
	{ "100::", SPECIAL },
	{ "100::ffff:ffff:ffff:ffff", SPECIAL },
	{ "100:0:0:1::1", SPECIAL },
	{ "100:0:0:2::", SPECIAL },
	/* 2001::/32 Teredo (RFC 4380; example address from its section 4) */
	{ "2001::", EMBEDDED },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", EMBEDDED },
	{ "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", EMBEDDED },
	/* 2001::/23 (RFC 2928) and its rows */
	{ "2001:1::", SPECIAL },
	{ "2001:1::1", SPECIAL }, /* PCP anycast, refused by choice */
	{ "2001:1::2", SPECIAL }, /* TURN anycast, refused by choice */
	{ "2001:1::3", SPECIAL }, /* DNS-SD SRP anycast, refused by choice */
	{ "2001:1::4", SPECIAL },
	{ "2001:2::", SPECIAL }, /* benchmarking, RFC 5180 */
	{ "2001:2:0:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "2001:2:1::", SPECIAL },
	{ "2001:3::", ALLOWED }, /* AMT, RFC 7450 */
	{ "2001:3:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED },
	{ "2001:4:111:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "2001:4:112::", ALLOWED }, /* AS112-v6, RFC 7535 */
	{ "2001:4:112:ffff:ffff:ffff:ffff:ffff", ALLOWED },
	{ "2001:4:113::", SPECIAL },
	{ "2001:10::1", SPECIAL }, /* old ORCHID, RFC 4843 */
	{ "2001:20::", SPECIAL },  /* ORCHIDv2, RFC 7343 */
	{ "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "2001:30::1", SPECIAL }, /* DETs, RFC 9374 */
	{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "2001:200::", ALLOWED },
	/* 2001:db8::/32 documentation (RFC 3849) */
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED },
	{ "2001:db8::", SPECIAL },
	{ "2001:db8::1", SPECIAL },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "2001:db9::", ALLOWED },
	/* 3fff::/20 documentation (RFC 9637) */
	{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ALLOWED },
	{ "3fff::", SPECIAL },
	{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "3fff:1000::", ALLOWED },
	/* 5f00::/16 SRv6 SIDs (RFC 9602) */
	{ "5f00::", SPECIAL },
	{ "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	/* fc00::/7 (RFC 4193), fe80::/10 (RFC 4291), fec0::/10 (RFC 3879) */
	{ "fc00::", SPECIAL },
	{ "fd12:3456:789a::1", SPECIAL },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "fe80::", SPECIAL },
	{ "fe80::1", SPECIAL },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	{ "fec0::1", SPECIAL },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL },
	/* ff00::/8 multicast (RFC 4291 section 2.7) */
	{ "ff00::", MCAST },
	{ "ff02::1", MCAST },
	{ "ff05::1:3", MCAST },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", MCAST },
	/* IPv4-in-IPv6 around good IPv4 addresses */
	{ "::ffff:8.8.8.8", ALLOWED },
	{ "::ffff:0:8.8.8.8", ALLOWED },
	{ "64:ff9b::808:808", ALLOWED },
	{ "64:ff9b::1.1.1.1", ALLOWED },
	{ "2002:0808:0808::1", ALLOWED },
	{ "2002:0101:0101:ffff:ffff:ffff:ffff:ffff", ALLOWED },
	{ "::8.8.8.8", EMBEDDED }, /* IPv4-compatible is deprecated */
	/* IPv4-in-IPv6 around bad IPv4 addresses, written out */
	{ "::ffff:127.0.0.1", LOOPBACK },
	{ "::ffff:7f00:1", LOOPBACK },
	{ "::127.0.0.1", LOOPBACK },
	{ "::ffff:0:127.0.0.1", LOOPBACK },
	{ "64:ff9b::7f00:1", LOOPBACK },
	{ "2002:7f00:1::", LOOPBACK },
	{ "::ffff:0.0.0.0", UNSPEC },
	{ "::2", UNSPEC }, /* ::0.0.0.2 */
	{ "::ffff:10.0.0.1", SPECIAL },
	{ "::ffff:169.254.169.254", SPECIAL },
	{ "64:ff9b::a9fe:a9fe", SPECIAL },
	{ "2002:a9fe:a9fe::1", SPECIAL },
	{ "64:ff9b::192.0.0.170", SPECIAL },
	{ "2002:c058:6301::", SPECIAL }, /* 192.88.99.1 */
	{ "::ffff:192.0.2.1", SPECIAL },
	{ "::ffff:224.0.0.1", MCAST },
	{ "::ffff:255.255.255.255", BCAST },
	{ "2002:ffff:ffff::", BCAST },
};

static void
test_default_v6(void **state)
{
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	check_vectors(&p, default_v6, sizeof(default_v6) / sizeof(default_v6[0]));
	peer_policy_free(&p);
}

/* ---- every IPv4-in-IPv6 form of hostile IPv4 addresses ---- */

enum form {
	MAPPED,
	COMPAT,
	TRANSLATED,
	SIX_TO_FOUR,
	NAT64,
	FORM_COUNT
};

static const char *const form_names[FORM_COUNT] = {
	"mapped", "compatible", "translated", "6to4", "nat64",
};

/* Wrap @v4 (host order) in @form, from the RFC layouts. */
static struct tp_ip
wrap(enum form form, uint32_t v4)
{
	struct tp_ip ip = { .family = TP_AF_INET6 };
	uint8_t b[4] = { (uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16),
			 (uint8_t)(v4 >> 8), (uint8_t)v4 };

	switch (form) {
	case MAPPED: /* RFC 4291 2.5.5.2: 80 zero bits, 16 one bits, IPv4 */
		ip.bytes[10] = ip.bytes[11] = 0xff;
		memcpy(ip.bytes + 12, b, 4);
		break;
	case COMPAT: /* RFC 4291 2.5.5.1: 96 zero bits, IPv4 */
		memcpy(ip.bytes + 12, b, 4);
		break;
	case TRANSLATED: /* RFC 2765 2.1: 64 zero bits, ffff, 0000, IPv4 */
		ip.bytes[8] = ip.bytes[9] = 0xff;
		memcpy(ip.bytes + 12, b, 4);
		break;
	case SIX_TO_FOUR: /* RFC 3056 2: 2002, IPv4, subnet, interface */
		ip.bytes[0] = 0x20;
		ip.bytes[1] = 0x02;
		memcpy(ip.bytes + 2, b, 4);
		ip.bytes[7] = 0x01;
		ip.bytes[15] = 0x01;
		break;
	case NAT64: /* RFC 6052 2.2: 64:ff9b::/96, IPv4 in the last 32 bits */
		ip.bytes[1] = 0x64;
		ip.bytes[2] = 0xff;
		ip.bytes[3] = 0x9b;
		memcpy(ip.bytes + 12, b, 4);
		break;
	default:
		fail();
	}
	return ip;
}

static void
test_embedded_forms(void **state)
{
	static const struct vec hostile[] = {
		{ "127.0.0.1", LOOPBACK },      { "127.255.255.254", LOOPBACK },
		{ "0.0.0.0", UNSPEC },          { "0.1.2.3", UNSPEC },
		{ "10.0.0.1", SPECIAL },        { "172.16.5.4", SPECIAL },
		{ "192.168.0.1", SPECIAL },     { "100.64.0.1", SPECIAL },
		{ "169.254.169.254", SPECIAL }, { "169.254.0.1", SPECIAL },
		{ "224.0.0.1", MCAST },         { "239.1.2.3", MCAST },
		{ "255.255.255.255", BCAST },   { "192.0.2.1", SPECIAL },
		{ "198.51.100.7", SPECIAL },    { "203.0.113.9", SPECIAL },
		{ "198.18.0.1", SPECIAL },      { "240.0.0.1", SPECIAL },
		{ "192.0.0.10", SPECIAL },      { "8.8.8.8", ALLOWED },
		{ "1.1.1.1", ALLOWED },
	};
	struct peer_policy p;
	size_t bad = 0;

	(void)state;
	policy_setup(&p);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct tp_ip v4 = ip_of(hostile[i].ip);

		for (int f = 0; f < FORM_COUNT; f++) {
			struct tp_ip ip = wrap((enum form)f, tp_ip_v4_host(&v4));
			struct peer_reason why;
			enum peer_verdict want = hostile[i].want;
			enum peer_verdict got;

			/* the compatible form is refused even around 8.8.8.8 */
			if (f == COMPAT && want == ALLOWED)
				want = EMBEDDED;
			/* ::0.0.0.0 and ::0.0.0.1 are :: and ::1 themselves */
			bool unwrapped = !(f == COMPAT && tp_ip_v4_host(&v4) < 2);

			got = peer_policy_explain(&p, &ip, &why);
			if (got != want ||
			    (unwrapped && (why.form == NULL ||
					   !tp_ip_equal(&why.embedded, &v4)))) {
				print_error("%s %s: got %s, want %s\n",
					    form_names[f], hostile[i].ip,
					    peer_verdict_str(got),
					    peer_verdict_str(want));
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
	peer_policy_free(&p);
}

/* The reason names the registry row and the form around it. */
static void
test_reason(void **state)
{
	struct peer_policy p;
	struct peer_reason why;
	struct tp_ip ip;
	char text[256];

	(void)state;
	policy_setup(&p);

	ip = ip_of("::ffff:127.0.0.1");
	assert_int_equal(peer_policy_explain(&p, &ip, &why), LOOPBACK);
	assert_int_equal(why.verdict, LOOPBACK);
	assert_non_null(why.row);
	assert_string_equal(why.row->range, "127.0.0.0/8");
	assert_non_null(why.form);
	assert_string_equal(why.form->range, "::ffff:0:0/96");
	peer_reason_format(&why, text, sizeof(text));
	assert_non_null(strstr(text, "loopback"));
	assert_non_null(strstr(text, "127.0.0.0/8"));
	assert_non_null(strstr(text, "127.0.0.1"));
	assert_non_null(strstr(text, "::ffff:0:0/96"));

	ip = ip_of("10.1.2.3");
	assert_int_equal(peer_policy_explain(&p, &ip, &why), SPECIAL);
	assert_string_equal(why.row->range, "10.0.0.0/8");
	assert_non_null(strstr(why.row->ref, "1918"));
	assert_null(why.form);

	ip = ip_of("192.0.2.1");
	peer_policy_explain(&p, &ip, &why);
	assert_non_null(strstr(why.row->name, "TEST-NET-1"));

	ip = ip_of("2001:db8::1");
	peer_policy_explain(&p, &ip, &why);
	assert_non_null(strstr(why.row->ref, "3849"));

	ip = ip_of("2001:0:4136:e378:8000:63bf:3fff:fdd2");
	assert_int_equal(peer_policy_explain(&p, &ip, &why), EMBEDDED);
	assert_non_null(strstr(why.row->ref, "4380"));

	ip = ip_of("::8.8.8.8");
	assert_int_equal(peer_policy_explain(&p, &ip, &why), EMBEDDED);
	assert_string_equal(why.form->range, "::/96");
	peer_reason_format(&why, text, sizeof(text));
	assert_non_null(strstr(text, "8.8.8.8"));

	ip = ip_of("8.8.8.8");
	assert_int_equal(peer_policy_explain(&p, &ip, &why), ALLOWED);
	assert_null(why.row);
	assert_string_equal(peer_reason_format(&why, text, sizeof(text)),
			    "allowed");
	/* a tiny buffer is truncated, never overrun */
	ip = ip_of("::ffff:127.0.0.1");
	peer_policy_explain(&p, &ip, &why);
	assert_string_equal(peer_reason_format(&why, text, 5), "loop");
	/* NULL why is allowed */
	assert_int_equal(peer_policy_explain(&p, &ip, NULL), LOOPBACK);
	peer_policy_free(&p);
}

static void
test_verdict_strings(void **state)
{
	(void)state;
	for (int i = 0; i < PEER_VERDICT_COUNT; i++) {
		const char *s = peer_verdict_str((enum peer_verdict)i);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(s,
						peer_verdict_str((enum peer_verdict)
									 j));
	}
	assert_string_equal(peer_verdict_str(PEER_ALLOWED), "allowed");
	assert_string_equal(peer_verdict_str(LOOPBACK), "loopback");
	assert_string_equal(peer_verdict_str(PEER_VERDICT_COUNT), "unknown");
	assert_string_equal(peer_verdict_str((enum peer_verdict) - 1), "unknown");
}

static void
test_bad_family(void **state)
{
	struct peer_policy p;
	struct tp_ip ip = { .family = TP_AF_NONE };
	struct tp_ip dirty = ip_of("127.0.0.1");

	(void)state;
	policy_setup(&p);
	assert_int_equal(peer_policy_check(&p, &ip), PEER_DENIED_FAMILY);
	ip.family = 7;
	assert_int_equal(peer_policy_check(&p, &ip), PEER_DENIED_FAMILY);
	assert_int_equal(peer_policy_check(&p, NULL), PEER_DENIED_FAMILY);
	/* bytes past an IPv4 address are ignored, not compared */
	memset(dirty.bytes + 4, 0xAA, 12);
	assert_int_equal(peer_policy_check(&p, &dirty), LOOPBACK);
	dirty = ip_of("8.8.8.8");
	memset(dirty.bytes + 4, 0xFF, 12);
	assert_int_equal(peer_policy_check(&p, &dirty), ALLOWED);
	peer_policy_free(&p);
}

/* ---- the built-in table itself ---- */

static void
test_builtin_rows(void **state)
{
	static const uint8_t families[2] = { TP_AF_INET, TP_AF_INET6 };
	struct peer_policy p;
	size_t count;

	(void)state;
	policy_setup(&p);
	assert_null(peer_special_rows(TP_AF_NONE, &count));
	assert_int_equal(count, 0);
	for (int f = 0; f < 2; f++) {
		const struct peer_special_row *rows;
		struct tp_ip_range r[PEER_SPECIAL_ROWS_MAX];

		rows = peer_special_rows(families[f], &count);
		assert_non_null(rows);
		assert_true(count > 10 && count <= PEER_SPECIAL_ROWS_MAX);
		for (size_t i = 0; i < count; i++) {
			const struct peer_special_row *row = &rows[i];
			enum peer_verdict v;

			/* parses, right family, lo <= hi, documented */
			assert_int_equal(tp_ip_range_parse(&r[i], row->range), 0);
			assert_int_equal(r[i].lo.family, families[f]);
			assert_int_equal(r[i].hi.family, families[f]);
			assert_true(tp_ip_cmp(&r[i].lo, &r[i].hi) <= 0);
			assert_true(strlen(row->name) > 0);
			assert_non_null(strstr(row->ref, "RFC "));
			assert_true(row->verdict < PEER_VERDICT_COUNT);
			assert_true(row->verdict != OPERATOR);
			/* embedded forms: IPv6 only, and the whole row shares
			 * the bytes in front of the IPv4 address */
			if (row->embed_at != 0) {
				assert_int_equal(families[f], TP_AF_INET6);
				assert_true(row->embed_at <= 12);
				assert_memory_equal(r[i].lo.bytes, r[i].hi.bytes,
						    row->embed_at);
			}
			/* no row hidden behind an earlier one (first match) */
			for (size_t j = 0; j < i; j++) {
				if (tp_ip_range_contains(&r[j], &r[i].lo) &&
				    tp_ip_range_contains(&r[j], &r[i].hi)) {
					print_error("row %s hidden by %s\n",
						    row->range, rows[j].range);
					fail();
				}
			}
			/* both ends of a plain row get the row's verdict
			 * (or a verdict from a more specific row: refused) */
			if (row->embed_at != 0)
				continue;
			v = peer_policy_check(&p, &r[i].lo);
			assert_true((v == ALLOWED) == (row->verdict == ALLOWED));
			v = peer_policy_check(&p, &r[i].hi);
			assert_true((v == ALLOWED) == (row->verdict == ALLOWED));
		}
	}
	peer_policy_free(&p);
}

/* ---- operator lists and switches ---- */

static void
test_operator_allow(void **state)
{
	static const struct vec lab[] = {
		{ "10.1.2.3", ALLOWED },
		{ "10.0.0.0", ALLOWED },
		{ "10.255.255.255", ALLOWED },
		{ "172.16.0.1", SPECIAL },
		{ "127.0.0.1", LOOPBACK },
		{ "8.8.8.8", ALLOWED },
		/* the IPv4 allow reaches the embedded forms too */
		{ "::ffff:10.1.2.3", ALLOWED },
		{ "64:ff9b::a01:203", ALLOWED },
		{ "2002:0a01:0203::1", ALLOWED },
		{ "::10.1.2.3", EMBEDDED },
	};
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	assert_int_equal(peer_policy_allow_range(&p, "10.0.0.0/8"), 0);
	check_vectors(&p, lab, sizeof(lab) / sizeof(lab[0]));
	peer_policy_free(&p);
}

/* A range of one address, for the lists the configuration fills. */
static void
add_list(struct peer_policy *p, enum peer_list list, const char *text)
{
	struct tp_ip_range r;

	assert_int_equal(tp_ip_range_parse(&r, text), 0);
	assert_int_equal(peer_policy_add_range(p, list, &r), 0);
}

/*
 * Step 3b: the gateway and the local network are refused, public or not,
 * except the relay addresses; an allow range lets an address through, a
 * deny still wins, and the embedded forms are judged as their IPv4.
 */
static void
test_local_network(void **state)
{
	static const struct vec v[] = {
		{ "81.2.69.1", LOCAL },     /* the gateway */
		{ "81.2.69.0", LOCAL },     /* first of local-network */
		{ "81.2.69.255", LOCAL },   /* last */
		{ "81.2.69.10", ALLOWED },  /* our relay address */
		{ "81.2.70.0", ALLOWED },   /* just outside */
		{ "81.2.68.255", ALLOWED }, /* just outside */
		{ "::ffff:81.2.69.1", LOCAL },
		{ "64:ff9b::5102:4501", LOCAL }, /* NAT64 of 81.2.69.1 */
		{ "81.2.69.77", ALLOWED },       /* allowed-peer-ip */
		{ "81.2.69.78", OPERATOR },      /* denied-peer-ip */
		{ "10.0.0.1", LOCAL }, /* private gateway: refused either way */
		{ "10.0.0.10", SPECIAL }, /* private relay: the table decides */
		{ "2001:4860::1", LOCAL }, /* IPv6 local-network */
		{ "2001:4860::10", ALLOWED },
		{ "2001:4861::1", ALLOWED },
		{ "127.0.0.1", LOOPBACK }, /* a locked class before 3b */
	};
	struct peer_policy p;
	struct peer_reason why;
	struct tp_ip ip;
	char out[256];

	(void)state;
	policy_setup(&p);
	add_list(&p, PEER_LIST_LOCAL, "81.2.69.1");
	add_list(&p, PEER_LIST_LOCAL, "81.2.69.0/24");
	add_list(&p, PEER_LIST_LOCAL, "10.0.0.0/24");
	add_list(&p, PEER_LIST_LOCAL, "2001:4860::/64");
	add_list(&p, PEER_LIST_OWN, "81.2.69.10");
	add_list(&p, PEER_LIST_OWN, "10.0.0.10");
	add_list(&p, PEER_LIST_OWN, "2001:4860::10");
	assert_int_equal(peer_policy_allow_range(&p, "81.2.69.77"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "81.2.69.78"), 0);
	assert_int_equal(peer_policy_allow_range(&p, "81.2.69.78"), 0);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_LOCAL), 3);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_OWN), 3);
	check_vectors(&p, v, sizeof(v) / sizeof(v[0]));
	ip = ip_of("81.2.69.1");
	assert_int_equal(peer_policy_explain(&p, &ip, &why), LOCAL);
	assert_string_equal(peer_reason_format(&why, out, sizeof(out)),
			    "local_network: gateway or local-network");
	assert_int_equal(peer_policy_add_range(&p, PEER_LIST_COUNT,
					       &(struct tp_ip_range){ ip, ip }),
			 -EINVAL);
	peer_policy_free(&p);
}

static void
test_two_keys_for_unsafe_classes(void **state)
{
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	/* allow range alone does not reach loopback */
	assert_int_equal(peer_policy_allow_range(&p, "127.0.0.0/8"), 0);
	assert_int_equal(verdict_of(&p, "127.0.0.1"), LOOPBACK);
	assert_int_equal(verdict_of(&p, "::ffff:127.0.0.1"), LOOPBACK);
	assert_int_equal(peer_policy_allow_range(&p, "::/0"), 0);
	assert_int_equal(verdict_of(&p, "::1"), LOOPBACK);
	assert_int_equal(verdict_of(&p, "::ffff:127.0.0.1"), LOOPBACK);
	/* an allow of everything unlocks nothing of the four classes */
	assert_int_equal(peer_policy_allow_range(&p, "0.0.0.0/0"), 0);
	assert_int_equal(verdict_of(&p, "0.0.0.0"), UNSPEC);
	assert_int_equal(verdict_of(&p, "::"), UNSPEC);
	assert_int_equal(verdict_of(&p, "224.0.0.251"), MCAST);
	assert_int_equal(verdict_of(&p, "ff02::fb"), MCAST);
	assert_int_equal(verdict_of(&p, "255.255.255.255"), BCAST);
	assert_int_equal(verdict_of(&p, "10.9.9.9"), ALLOWED);
	assert_int_equal(verdict_of(&p, "fd00::1"), ALLOWED);
	peer_policy_free(&p);

	/* the switch alone allows nothing either */
	policy_setup(&p);
	p.allow_loopback = true;
	assert_int_equal(verdict_of(&p, "127.0.0.1"), LOOPBACK);
	assert_int_equal(verdict_of(&p, "::1"), LOOPBACK);
	/* switch and range: allowed, and only that class */
	assert_int_equal(peer_policy_allow_range(&p, "127.0.0.0/8"), 0);
	assert_int_equal(peer_policy_allow_range(&p, "::1"), 0);
	assert_int_equal(peer_policy_allow_range(&p, "224.0.0.0/4"), 0);
	assert_int_equal(verdict_of(&p, "127.0.0.1"), ALLOWED);
	assert_int_equal(verdict_of(&p, "::1"), ALLOWED);
	assert_int_equal(verdict_of(&p, "::ffff:127.0.0.1"), ALLOWED);
	assert_int_equal(verdict_of(&p, "224.0.0.1"), MCAST);
	p.allow_multicast = true;
	assert_int_equal(verdict_of(&p, "224.0.0.1"), ALLOWED);
	assert_int_equal(verdict_of(&p, "ff02::1"), MCAST); /* no v6 range */
	peer_policy_free(&p);

	policy_setup(&p);
	p.allow_unspecified = true;
	p.allow_broadcast = true;
	assert_int_equal(peer_policy_allow_range(&p, "0.0.0.0/8"), 0);
	assert_int_equal(peer_policy_allow_range(&p, "255.255.255.255"), 0);
	assert_int_equal(verdict_of(&p, "0.0.0.0"), ALLOWED);
	assert_int_equal(verdict_of(&p, "255.255.255.255"), ALLOWED);
	assert_int_equal(verdict_of(&p, "255.255.255.254"), SPECIAL);
	assert_int_equal(verdict_of(&p, "::"), UNSPEC);
	peer_policy_free(&p);
}

static void
test_deny_wins(void **state)
{
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	p.allow_loopback = true;
	assert_int_equal(peer_policy_allow_range(&p, "10.0.0.0/8"), 0);
	assert_int_equal(peer_policy_allow_range(&p, "127.0.0.0/8"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "10.1.0.0/16"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "127.0.0.53"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "8.8.8.8"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "2606:4700::/32"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "64:ff9b::/96"), 0);

	assert_int_equal(verdict_of(&p, "10.1.2.3"), OPERATOR);
	assert_int_equal(verdict_of(&p, "10.2.0.1"), ALLOWED);
	assert_int_equal(verdict_of(&p, "127.0.0.53"), OPERATOR);
	assert_int_equal(verdict_of(&p, "127.0.0.1"), ALLOWED);
	assert_int_equal(verdict_of(&p, "8.8.8.8"), OPERATOR);
	assert_int_equal(verdict_of(&p, "8.8.4.4"), ALLOWED);
	/* an IPv4 deny reaches every form that carries the address */
	assert_int_equal(verdict_of(&p, "::ffff:8.8.8.8"), OPERATOR);
	assert_int_equal(verdict_of(&p, "2002:0808:0808::1"), OPERATOR);
	assert_int_equal(verdict_of(&p, "::ffff:10.1.2.3"), OPERATOR);
	/* an IPv6 deny of the prefix refuses the form itself */
	assert_int_equal(verdict_of(&p, "64:ff9b::1.1.1.1"), OPERATOR);
	assert_int_equal(verdict_of(&p, "2606:4700:4700::1111"), OPERATOR);
	assert_int_equal(verdict_of(&p, "2606:4701::1"), ALLOWED);
	/* an IPv6 allow of the form cannot undo an IPv4 deny or a class */
	assert_int_equal(peer_policy_allow_range(&p, "::ffff:0:0/96"), 0);
	assert_int_equal(verdict_of(&p, "::ffff:8.8.8.8"), OPERATOR);
	assert_int_equal(verdict_of(&p, "::ffff:169.254.169.254"), ALLOWED);
	p.allow_loopback = false;
	assert_int_equal(verdict_of(&p, "::ffff:127.0.0.1"), LOOPBACK);
	peer_policy_free(&p);
}

static void
test_unaligned_ranges(void **state)
{
	static const struct vec v[] = {
		{ "10.0.0.4", SPECIAL },        { "10.0.0.5", ALLOWED },
		{ "10.0.0.7", ALLOWED },        { "10.0.0.9", ALLOWED },
		{ "10.0.0.10", SPECIAL },       { "fd00::4", SPECIAL },
		{ "fd00::5", ALLOWED },         { "fd00::9", ALLOWED },
		{ "fd00::a", SPECIAL },         { "8.8.8.4", ALLOWED },
		{ "8.8.8.5", OPERATOR },        { "8.8.8.9", OPERATOR },
		{ "8.8.8.10", ALLOWED },        { "2606:4700::ff", ALLOWED },
		{ "2606:4700::100", OPERATOR }, { "2606:4700::1:0", OPERATOR },
		{ "2606:4700::1:1", ALLOWED },
	};
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	assert_int_equal(peer_policy_allow_range(&p, "10.0.0.5-10.0.0.9"), 0);
	assert_int_equal(peer_policy_allow_range(&p, "fd00::5-fd00::9"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "8.8.8.5-8.8.8.9"), 0);
	assert_int_equal(peer_policy_deny_range(&p,
						"2606:4700::100-2606:4700::1:0"),
			 0);
	check_vectors(&p, v, sizeof(v) / sizeof(v[0]));
	peer_policy_free(&p);
}

static void
test_bad_range_text(void **state)
{
	static const char *const bad[] = {
		"",
		"banana",
		"10.0.0.0/33",
		"10.0.0.0/",
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/8x",
		"::/129",
		"10.0.0.9-10.0.0.5",
		"10.0.0.1-::1",
		"10.0.0.1-",
		"-10.0.0.1",
		"256.0.0.1",
		"1.2.3",
		"fe80::1%eth0",
		" 10.0.0.1",
		"10.0.0.1 ",
		"2001:db8::1::2",
		"10.0.0.0/8/8",
	};
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (peer_policy_allow_range(&p, bad[i]) != -EINVAL ||
		    peer_policy_deny_range(&p, bad[i]) != -EINVAL) {
			print_error("accepted bad range \"%s\"\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(peer_policy_allow_range(&p, NULL), -EINVAL);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_ALLOW), 0);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_DENY), 0);

	/* struct form: unknown family, mixed families, lo > hi, bad list */
	{
		struct tp_ip_range r = { 0 };

		assert_int_equal(peer_policy_add_range(&p, PEER_LIST_ALLOW, &r),
				 -EINVAL);
		r.lo = ip_of("10.0.0.9");
		r.hi = ip_of("::1");
		assert_int_equal(peer_policy_add_range(&p, PEER_LIST_ALLOW, &r),
				 -EINVAL);
		r.hi = ip_of("10.0.0.5");
		assert_int_equal(peer_policy_add_range(&p, PEER_LIST_DENY, &r),
				 -EINVAL);
		r.hi = ip_of("10.0.0.10");
		assert_int_equal(peer_policy_add_range(&p, PEER_LIST_COUNT, &r),
				 -EINVAL);
		assert_int_equal(peer_policy_add_range(&p, PEER_LIST_ALLOW, &r),
				 0);
		assert_int_equal(verdict_of(&p, "10.0.0.10"), ALLOWED);
	}
	peer_policy_free(&p);
}

/* ---- many ranges: merged, sorted, searched; checked against a scan ---- */

static uint32_t
xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
test_many_ranges(void **state)
{
	enum {
		N = 4000,
		PROBES = 40000,
		SPAN = 200000
	};
	struct tp_ip_range *raw = calloc(N, sizeof(*raw));
	struct peer_policy p;
	uint32_t seed = 0x7e57c0de;
	size_t bad = 0;

	(void)state;
	assert_non_null(raw);
	policy_setup(&p);
	/* ranges inside 10.0.0.0/8 (refused by default), many overlapping */
	for (int i = 0; i < N; i++) {
		uint32_t lo = 0x0A000000u + xorshift(&seed) % SPAN;
		uint32_t len = xorshift(&seed) % 64;

		raw[i].lo = tp_ip_v4(lo);
		raw[i].hi = tp_ip_v4(lo + len);
		assert_int_equal(peer_policy_add_range(&p, PEER_LIST_ALLOW,
						       &raw[i]),
				 0);
	}
	/* the stored set is sorted and disjoint, and smaller than N */
	{
		const struct peer_range_set *s = &p.lists[PEER_LIST_ALLOW][0];

		assert_true(s->n > 0 && s->n < N);
		assert_int_equal(peer_policy_range_count(&p, PEER_LIST_ALLOW),
				 s->n);
		for (size_t i = 0; i < s->n; i++) {
			assert_true(tp_ip_cmp(&s->v[i].lo, &s->v[i].hi) <= 0);
			if (i > 0)
				assert_true(tp_ip_cmp(&s->v[i - 1].hi,
						      &s->v[i].lo) < 0);
		}
	}
	for (int k = 0; k < PROBES; k++) {
		/* probes stay in 10/8, where "not in a range" is refused */
		struct tp_ip ip =
			tp_ip_v4(0x0A000000u + xorshift(&seed) % (SPAN + 100));
		bool in = false;

		for (int i = 0; i < N && !in; i++)
			in = tp_ip_range_contains(&raw[i], &ip);
		if ((peer_policy_check(&p, &ip) == ALLOWED) != in)
			bad++;
	}
	assert_int_equal(bad, 0);
	/* every range end is inside, by construction */
	for (int i = 0; i < N; i++) {
		assert_int_equal(peer_policy_check(&p, &raw[i].lo), ALLOWED);
		assert_int_equal(peer_policy_check(&p, &raw[i].hi), ALLOWED);
	}
	peer_policy_free(&p);
	free(raw);
}

static void
test_merge(void **state)
{
	struct peer_policy p;

	(void)state;
	policy_setup(&p);
	assert_int_equal(peer_policy_deny_range(&p, "20.0.0.10-20.0.0.20"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "20.0.0.30-20.0.0.40"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "20.0.0.50-20.0.0.60"), 0);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_DENY), 3);
	assert_int_equal(verdict_of(&p, "20.0.0.25"), ALLOWED);
	/* one range bridging all three */
	assert_int_equal(peer_policy_deny_range(&p, "20.0.0.15-20.0.0.55"), 0);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_DENY), 1);
	assert_int_equal(verdict_of(&p, "20.0.0.9"), ALLOWED);
	assert_int_equal(verdict_of(&p, "20.0.0.10"), OPERATOR);
	assert_int_equal(verdict_of(&p, "20.0.0.25"), OPERATOR);
	assert_int_equal(verdict_of(&p, "20.0.0.60"), OPERATOR);
	assert_int_equal(verdict_of(&p, "20.0.0.61"), ALLOWED);
	/* a range inside changes nothing; one family does not touch the
	 * other */
	assert_int_equal(peer_policy_deny_range(&p, "20.0.0.30/31"), 0);
	assert_int_equal(peer_policy_deny_range(&p, "2600::/16"), 0);
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_DENY), 2);
	assert_int_equal(verdict_of(&p, "2600::1"), OPERATOR);
	assert_int_equal(verdict_of(&p, "20.0.0.5"), ALLOWED);
	peer_policy_free(&p);
	/* free leaves an empty policy that can be freed again */
	assert_int_equal(peer_policy_range_count(&p, PEER_LIST_DENY), 0);
	peer_policy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_v4),
		cmocka_unit_test(test_default_v6),
		cmocka_unit_test(test_embedded_forms),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_verdict_strings),
		cmocka_unit_test(test_bad_family),
		cmocka_unit_test(test_builtin_rows),
		cmocka_unit_test(test_operator_allow),
		cmocka_unit_test(test_local_network),
		cmocka_unit_test(test_two_keys_for_unsafe_classes),
		cmocka_unit_test(test_deny_wins),
		cmocka_unit_test(test_unaligned_ranges),
		cmocka_unit_test(test_bad_range_text),
		cmocka_unit_test(test_many_ranges),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
