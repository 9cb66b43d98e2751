/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address text forms (include/wire/addr_text.c) and the inline range
 * helpers of turnpike/addr.h: parsing single addresses, CIDR and "a-b"
 * ranges in both families, containment, formatting.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "turnpike/addr.h"

static struct tp_ip
ip_of(const char *text)
{
	struct tp_ip ip;

	assert_int_equal(tp_ip_parse(&ip, text), 0);
	return ip;
}

static void
assert_ip(const struct tp_ip *ip, const char *want)
{
	struct tp_ip w = ip_of(want);

	assert_true(tp_ip_equal(ip, &w));
}

static void
assert_range(const char *text, const char *lo, const char *hi)
{
	struct tp_ip_range r;

	if (tp_ip_range_parse(&r, text) != 0)
		fail_msg("%s did not parse", text);
	assert_ip(&r.lo, lo);
	assert_ip(&r.hi, hi);
}

static void
test_ip_parse(void **state)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const char *const bad[] = {
		"",          "1.2.3",     "1.2.3.4.5",    "256.1.1.1",
		"1.2.3.4 ",  " 1.2.3.4",  "2001:db8:::1", "2001:db8::g",
		"localhost", "1.2.3.4/8",
	};
	struct tp_ip ip;

	(void)state;
	assert_int_equal(tp_ip_parse(&ip, "192.0.2.1"), 0);
	assert_int_equal(ip.family, TP_AF_INET);
	assert_int_equal(tp_ip_v4_host(&ip), 0xC0000201);
	for (int i = 4; i < 16; i++)
		assert_int_equal(ip.bytes[i], 0);

	assert_int_equal(tp_ip_parse(&ip, "2001:db8::1"), 0);
	assert_int_equal(ip.family, TP_AF_INET6);
	assert_memory_equal(ip.bytes, v6, 16);

	/* an IPv4-mapped address stays IPv6 */
	assert_int_equal(tp_ip_parse(&ip, "::ffff:192.0.2.1"), 0);
	assert_int_equal(ip.family, TP_AF_INET6);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tp_ip_parse(&ip, bad[i]) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
}

static void
test_range_single(void **state)
{
	(void)state;
	assert_range("198.51.100.7", "198.51.100.7", "198.51.100.7");
	assert_range("2001:db8::5", "2001:db8::5", "2001:db8::5");
}

static void
test_range_cidr(void **state)
{
	(void)state;
	assert_range("10.0.0.0/8", "10.0.0.0", "10.255.255.255");
	/* host bits are cleared */
	assert_range("10.1.2.3/8", "10.0.0.0", "10.255.255.255");
	assert_range("172.16.0.0/12", "172.16.0.0", "172.31.255.255");
	assert_range("192.0.2.128/25", "192.0.2.128", "192.0.2.255");
	assert_range("0.0.0.0/0", "0.0.0.0", "255.255.255.255");
	assert_range("192.0.2.1/32", "192.0.2.1", "192.0.2.1");
	assert_range("2001:db8::/32",
		     "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_range("fe80::1/10",
		     "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_range("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_range("2001:db8::1/128", "2001:db8::1", "2001:db8::1");
}

static void
test_range_bad_prefix(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0/33",
		"2001:db8::/129",
		"10.0.0.0/",
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/8x",
		"10.0.0.0/abc",
		"/8",
		"10.0.0.0/99999999999999999999",
		"10.0.0/8",
	};
	struct tp_ip_range r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tp_ip_range_parse(&r, bad[i]) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
}

static void
test_range_dash(void **state)
{
	struct tp_ip_range r;

	(void)state;
	assert_range("10.0.0.5-10.0.0.9", "10.0.0.5", "10.0.0.9");
	assert_range("192.0.2.1-192.0.2.1", "192.0.2.1", "192.0.2.1");
	assert_range("2001:db8::1-2001:db8::ff", "2001:db8::1", "2001:db8::ff");
	/* reversed */
	assert_int_equal(tp_ip_range_parse(&r, "10.0.0.9-10.0.0.5"), -EINVAL);
	assert_int_equal(tp_ip_range_parse(&r, "2001:db8::ff-2001:db8::1"),
			 -EINVAL);
	/* mixed families */
	assert_int_equal(tp_ip_range_parse(&r, "10.0.0.1-2001:db8::1"), -EINVAL);
	assert_int_equal(tp_ip_range_parse(&r, "::1-10.0.0.1"), -EINVAL);
	/* missing ends */
	assert_int_equal(tp_ip_range_parse(&r, "10.0.0.1-"), -EINVAL);
	assert_int_equal(tp_ip_range_parse(&r, "-10.0.0.1"), -EINVAL);
}

static void
test_range_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"foo",
		"10.0.0.1--10.0.0.2",
		"10.0.0.1 - 10.0.0.2",
		"10.0.0.1-10.0.0.2/8",
		"10.0.0.0/8-10.0.0.9",
	};
	char longtext[300];
	struct tp_ip_range r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tp_ip_range_parse(&r, bad[i]) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
	memset(longtext, '1', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_int_equal(tp_ip_range_parse(&r, longtext), -EINVAL);
}

static void
test_range_contains(void **state)
{
	struct tp_ip_range r;
	struct tp_ip ip;

	(void)state;
	assert_int_equal(tp_ip_range_parse(&r, "10.0.0.5-10.0.0.9"), 0);
	ip = ip_of("10.0.0.5");
	assert_true(tp_ip_range_contains(&r, &ip));
	ip = ip_of("10.0.0.7");
	assert_true(tp_ip_range_contains(&r, &ip));
	ip = ip_of("10.0.0.9");
	assert_true(tp_ip_range_contains(&r, &ip));
	ip = ip_of("10.0.0.4");
	assert_false(tp_ip_range_contains(&r, &ip));
	ip = ip_of("10.0.0.10");
	assert_false(tp_ip_range_contains(&r, &ip));
	/* another family never matches, even with the same leading bytes */
	ip = ip_of("a00:7::");
	assert_false(tp_ip_range_contains(&r, &ip));

	assert_int_equal(tp_ip_range_parse(&r, "2001:db8::/32"), 0);
	ip = ip_of("2001:db8:ffff::1");
	assert_true(tp_ip_range_contains(&r, &ip));
	ip = ip_of("2001:db9::");
	assert_false(tp_ip_range_contains(&r, &ip));
	ip = ip_of("32.1.13.184");
	assert_false(tp_ip_range_contains(&r, &ip));

	assert_int_equal(tp_ip_range_parse(&r, "0.0.0.0/0"), 0);
	ip = ip_of("255.255.255.255");
	assert_true(tp_ip_range_contains(&r, &ip));
}

static void
test_format(void **state)
{
	struct tp_addr a = { .port = 3478 };
	char out[TP_ADDR_STRLEN];

	(void)state;
	a.ip = ip_of("192.0.2.1");
	assert_string_equal(tp_addr_format(&a, out, sizeof(out)),
			    "192.0.2.1:3478");
	a.ip = ip_of("2001:db8::1");
	a.port = 65535;
	assert_string_equal(tp_addr_format(&a, out, sizeof(out)),
			    "[2001:db8::1]:65535");
	a.ip = ip_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(tp_addr_format(&a, out, sizeof(out)),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	assert_string_equal(tp_ip_format(&a.ip, out, sizeof(out)),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	memset(&a, 0, sizeof(a));
	assert_string_equal(tp_ip_format(&a.ip, out, sizeof(out)), "?");
}

/* tp_ip_cmp() orders as big-endian numbers and tp_ip_equal() sees every
 * byte: both compare in 64-bit words, so try a difference in each byte. */
static void
test_cmp_equal(void **state)
{
	struct tp_ip a, b;

	(void)state;
	for (unsigned int fam = 0; fam < 2; fam++) {
		unsigned int len = fam == 0 ? 4 : 16;

		assert_int_equal(tp_ip_parse(&a, fam == 0 ? "10.1.2.3" :
							    "2001:d08::1:2:3"),
				 0);
		b = a;
		assert_int_equal(tp_ip_cmp(&a, &b), 0);
		assert_true(tp_ip_equal(&a, &b));
		for (unsigned int i = 0; i < len; i++) {
			b = a;
			b.bytes[i] ^= 0x80; /* a's bytes all have it clear */
			assert_false(tp_ip_equal(&a, &b));
			assert_int_equal(tp_ip_cmp(&a, &b), -1);
			assert_int_equal(tp_ip_cmp(&b, &a), 1);
			/* a higher byte outweighs any lower one */
			if (i + 1 < len) {
				a.bytes[i + 1] = 0xFF;
				assert_int_equal(tp_ip_cmp(&a, &b), -1);
				a.bytes[i + 1] = b.bytes[i + 1];
			}
		}
	}
	b = a;
	b.family = TP_AF_INET;
	assert_false(tp_ip_equal(&a, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_range_single),
		cmocka_unit_test(test_range_cidr),
		cmocka_unit_test(test_range_bad_prefix),
		cmocka_unit_test(test_range_dash),
		cmocka_unit_test(test_range_garbage),
		cmocka_unit_test(test_range_contains),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_cmp_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
