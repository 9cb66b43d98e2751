/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exception-port mode's interface set-up: the rtnetlink requests as bytes
 * (include/wire/nl_link.c), written out field by field as rtnetlink(7)
 * and `ip addr add` lay them out; the addresses the interface is given
 * (controlplane/cp_netif.c, cp_netif_addrs); and, as root, the requests
 * sent to a real kernel in a network namespace of the process's own
 * (unshare), which must bring the interface up and give it the address
 * with its prefix, and on a TAP (the exception interface's kind) an IPv6
 * address usable at once.  Without root those cases are skipped (the rest
 * still runs).
 */
#define _GNU_SOURCE /* unshare */

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include <cmocka.h>

#include "cp_netif.h"
#include "turnpike/nl_link.h"

#define IP4(a, b, c, d)                                                   \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	 (uint32_t)(d))

/* RTM_NEWLINK, seq 7, ifindex 3: IFF_UP in flags and change. */
static const uint8_t link_up[] = {
	0x20, 0x00, 0x00, 0x00, /* nlmsg_len 32 */
	0x10, 0x00,             /* nlmsg_type 16 RTM_NEWLINK */
	0x05, 0x00,             /* flags REQUEST | ACK */
	0x07, 0x00, 0x00, 0x00, /* seq 7 */
	0x00, 0x00, 0x00, 0x00, /* pid 0 */
	0x00, 0x00,             /* ifi_family AF_UNSPEC, pad */
	0x00, 0x00,             /* ifi_type 0 */
	0x03, 0x00, 0x00, 0x00, /* ifi_index 3 */
	0x01, 0x00, 0x00, 0x00, /* ifi_flags IFF_UP */
	0x01, 0x00, 0x00, 0x00, /* ifi_change IFF_UP */
};

/* RTM_NEWADDR, seq 9, 10.99.0.1/24 on ifindex 3. */
static const uint8_t addr_add[] = {
	0x28, 0x00, 0x00, 0x00, /* nlmsg_len 40 */
	0x14, 0x00,             /* nlmsg_type 20 RTM_NEWADDR */
	0x05, 0x05,             /* REQUEST | ACK | REPLACE | CREATE */
	0x09, 0x00, 0x00, 0x00, /* seq 9 */
	0x00, 0x00, 0x00, 0x00, /* pid 0 */
	0x02, 0x18,             /* ifa_family AF_INET, prefixlen 24 */
	0x00, 0x00,             /* ifa_flags 0, scope universe */
	0x03, 0x00, 0x00, 0x00, /* ifa_index 3 */
	0x08, 0x00, 0x02, 0x00, /* rta_len 8, IFA_LOCAL */
	0x0a, 0x63, 0x00, 0x01, /* 10.99.0.1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, IFA_ADDRESS */
	0x0a, 0x63, 0x00, 0x01, /* 10.99.0.1 */
};

/* RTM_NEWADDR, seq 9, 2001:db8:99::1/64 on ifindex 3, IFA_F_NODAD (as
 * `ip -6 addr add 2001:db8:99::1/64 dev X nodad` sends it). */
static const uint8_t addr_add6[] = {
	0x40, 0x00, 0x00, 0x00, /* nlmsg_len 64 */
	0x14, 0x00,             /* nlmsg_type 20 RTM_NEWADDR */
	0x05, 0x05,             /* REQUEST | ACK | REPLACE | CREATE */
	0x09, 0x00, 0x00, 0x00, /* seq 9 */
	0x00, 0x00, 0x00, 0x00, /* pid 0 */
	0x0a, 0x40,             /* ifa_family AF_INET6, prefixlen 64 */
	0x02, 0x00,             /* ifa_flags IFA_F_NODAD, scope universe */
	0x03, 0x00, 0x00, 0x00, /* ifa_index 3 */
	0x14, 0x00, 0x02, 0x00, /* rta_len 20, IFA_LOCAL */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* 2001:db8:99::1 */
	0x14, 0x00, 0x01, 0x00, /* rta_len 20, IFA_ADDRESS */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, /* 2001:db8:99::1 */
};

static struct tp_ip
ip6(const char *text)
{
	struct tp_ip ip;

	assert_int_equal(tp_ip_parse(&ip, text), 0);
	return ip;
}

static void
test_requests(void **state)
{
	struct tp_ip ip = tp_ip_v4(IP4(10, 99, 0, 1)), none = { 0 };
	struct tp_ip v6 = ip6("2001:db8:99::1");
	uint8_t buf[NL_LINK_REQ_MAX];

	(void)state;
	assert_int_equal(nl_link_up_req(buf, sizeof(buf), 7, 3), sizeof(link_up));
	assert_memory_equal(buf, link_up, sizeof(link_up));
	assert_int_equal(nl_addr_add_req(buf, sizeof(buf), 9, 3, &ip, 24),
			 sizeof(addr_add));
	assert_memory_equal(buf, addr_add, sizeof(addr_add));
	/* Every shorter buffer is refused, never overrun. */
	for (size_t cap = 0; cap < sizeof(addr_add); cap++)
		assert_int_equal(nl_addr_add_req(buf, cap, 9, 3, &ip, 24), 0);
	for (size_t cap = 0; cap < sizeof(link_up); cap++)
		assert_int_equal(nl_link_up_req(buf, cap, 7, 3), 0);
	/* A prefix longer than the address, or no family: no request. */
	assert_int_equal(nl_addr_add_req(buf, sizeof(buf), 9, 3, &ip, 33), 0);
	assert_int_equal(nl_addr_add_req(buf, sizeof(buf), 9, 3, &none, 8), 0);

	/* IPv6: its family, 16-byte addresses, no DAD; /128 is the longest. */
	assert_int_equal(nl_addr_add_req(buf, sizeof(buf), 9, 3, &v6, 64),
			 sizeof(addr_add6));
	assert_memory_equal(buf, addr_add6, sizeof(addr_add6));
	for (size_t cap = 0; cap < sizeof(addr_add6); cap++)
		assert_int_equal(nl_addr_add_req(buf, cap, 9, 3, &v6, 64), 0);
	assert_int_equal(nl_addr_add_req(buf, sizeof(buf), 9, 3, &v6, 128),
			 sizeof(addr_add6));
	assert_int_equal(buf[17], 128);
	assert_int_equal(nl_addr_add_req(buf, sizeof(buf), 9, 3, &v6, 129), 0);
}

static struct tp_ip_range
range4(uint32_t lo, uint32_t hi)
{
	return (struct tp_ip_range){ tp_ip_v4(lo), tp_ip_v4(hi) };
}

static void
test_prefix_of_range(void **state)
{
	struct tp_ip_range r;

	(void)state;
	r = range4(IP4(192, 0, 2, 0), IP4(192, 0, 2, 255));
	assert_int_equal(nl_prefix_of_range(&r), 24);
	r = range4(IP4(10, 0, 0, 0), IP4(10, 255, 255, 255));
	assert_int_equal(nl_prefix_of_range(&r), 8);
	r = range4(IP4(192, 0, 2, 7), IP4(192, 0, 2, 7));
	assert_int_equal(nl_prefix_of_range(&r), 32);
	r = range4(0, 0xFFFFFFFFu);
	assert_int_equal(nl_prefix_of_range(&r), 0);
	/* Ranges that are no CIDR block. */
	r = range4(IP4(192, 0, 2, 1), IP4(192, 0, 2, 255));
	assert_int_equal(nl_prefix_of_range(&r), -1);
	r = range4(IP4(192, 0, 2, 0), IP4(192, 0, 2, 9));
	assert_int_equal(nl_prefix_of_range(&r), -1);
	r.hi.family = TP_AF_INET6;
	assert_int_equal(nl_prefix_of_range(&r), -1);
}

/* Listening and relay addresses, once each, with their local-network's
 * prefix or a host prefix. */
static void
test_addrs(void **state)
{
	struct tp_plane_params p = { 0 };
	struct cp_netif_addr out[CP_NETIF_MAX_ADDRS];

	(void)state;
	p.n_listen = 2;
	p.listen_ips[0] = tp_ip_v4(IP4(192, 0, 2, 1));
	p.listen_ips[1] = tp_ip_v4(IP4(203, 0, 113, 9));
	p.n_relay = 2;
	p.relay_ips[0] = tp_ip_v4(IP4(192, 0, 2, 1)); /* listens too */
	p.relay_ips[1] = tp_ip_v4(IP4(192, 0, 2, 10));
	p.n_local = 2;
	p.local_nets[0] = range4(IP4(198, 51, 100, 0), IP4(198, 51, 100, 255));
	p.local_nets[1] = range4(IP4(192, 0, 2, 0), IP4(192, 0, 2, 255));
	assert_int_equal(cp_netif_addrs(&p, out, CP_NETIF_MAX_ADDRS), 3);
	assert_true(tp_ip_equal(&out[0].ip, &p.listen_ips[0]));
	assert_int_equal(out[0].prefix, 24);
	assert_true(tp_ip_equal(&out[1].ip, &p.listen_ips[1]));
	assert_int_equal(out[1].prefix, 32); /* in no local-network */
	assert_true(tp_ip_equal(&out[2].ip, &p.relay_ips[1]));
	assert_int_equal(out[2].prefix, 24);
	assert_int_equal(cp_netif_addrs(&p, out, 2), 2); /* bounded */
}

/* IPv6 addresses are given too, each with the prefix of a local-network
 * of its own family (an IPv4 range never covers one) or /128. */
static void
test_addrs_ipv6(void **state)
{
	struct tp_plane_params p = { 0 };
	struct cp_netif_addr out[CP_NETIF_MAX_ADDRS];

	(void)state;
	p.n_listen = 2;
	p.listen_ips[0] = tp_ip_v4(IP4(192, 0, 2, 1));
	p.listen_ips[1] = ip6("2001:db8:99::1");
	p.n_relay = 3;
	p.relay_ips[0] = ip6("2001:db8:99::1"); /* listens too */
	p.relay_ips[1] = ip6("2001:db8:aa::10");
	p.relay_ips[2] = ip6("2001:db8:99::10");
	p.n_local = 3;
	/* The whole IPv4 space, then the IPv6 networks. */
	p.local_nets[0] = range4(0, 0xFFFFFFFFu);
	p.local_nets[1].lo = ip6("2001:db8:99::");
	p.local_nets[1].hi = ip6("2001:db8:99::ffff:ffff:ffff:ffff");
	p.local_nets[2].lo = ip6("2001:db8:bb::");
	p.local_nets[2].hi = ip6("2001:db8:bb::ffff:ffff:ffff:ffff");
	assert_int_equal(cp_netif_addrs(&p, out, CP_NETIF_MAX_ADDRS), 4);
	assert_true(tp_ip_equal(&out[0].ip, &p.listen_ips[0]));
	assert_int_equal(out[0].prefix, 0);
	assert_true(tp_ip_equal(&out[1].ip, &p.listen_ips[1]));
	assert_int_equal(out[1].prefix, 64);
	assert_true(tp_ip_equal(&out[2].ip, &p.relay_ips[1]));
	assert_int_equal(out[2].prefix, 128); /* in no local-network */
	assert_true(tp_ip_equal(&out[3].ip, &p.relay_ips[2]));
	assert_int_equal(out[3].prefix, 64);
}

/* Whether interface @ifname has IPv4 @ip with a @prefix netmask. */
static bool
has_addr(const char *ifname, uint32_t ip, unsigned int prefix)
{
	struct ifaddrs *all;
	bool found = false;

	assert_int_equal(getifaddrs(&all), 0);
	for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
		const struct sockaddr_in *sin = (const void *)a->ifa_addr;
		const struct sockaddr_in *mask = (const void *)a->ifa_netmask;

		if (sin == NULL || sin->sin_family != AF_INET || mask == NULL ||
		    strcmp(a->ifa_name, ifname) != 0)
			continue;
		found = found || (ntohl(sin->sin_addr.s_addr) == ip &&
				  __builtin_popcount(mask->sin_addr.s_addr) ==
					  (int)prefix);
	}
	freeifaddrs(all);
	return found;
}

/* Whether interface @ifname has IPv6 @ip with a @prefix netmask. */
static bool
has_addr6(const char *ifname, const struct tp_ip *ip, unsigned int prefix)
{
	struct ifaddrs *all;
	bool found = false;

	assert_int_equal(getifaddrs(&all), 0);
	for (struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
		const struct sockaddr_in6 *sin6 = (const void *)a->ifa_addr;
		const struct sockaddr_in6 *mask = (const void *)a->ifa_netmask;
		int bits = 0;

		if (sin6 == NULL || sin6->sin6_family != AF_INET6 ||
		    mask == NULL || strcmp(a->ifa_name, ifname) != 0)
			continue;
		for (int i = 0; i < 16; i++)
			bits += __builtin_popcount(mask->sin6_addr.s6_addr[i]);
		found = found || (memcmp(&sin6->sin6_addr, ip->bytes, 16) == 0 &&
				  bits == (int)prefix);
	}
	freeifaddrs(all);
	return found;
}

/* The kernel takes the requests: loopback of a namespace of our own,
 * down until we bring it up, given 10.99.0.1/24 (twice: the second is
 * no error). */
static void
test_kernel(void **state)
{
	struct cp_netif_addr a = { tp_ip_v4(IP4(10, 99, 0, 1)), 24 };
	char err[256] = "";
	unsigned int lo;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		print_message("skipped: needs root (a network namespace)\n");
		skip();
	}
	lo = if_nametoindex("lo");
	assert_true(lo > 0);
	assert_false(has_addr("lo", IP4(10, 99, 0, 1), 24));
	if (cp_netif_configure((int32_t)lo, &a, 1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(has_addr("lo", IP4(10, 99, 0, 1), 24));
	assert_int_equal(cp_netif_configure((int32_t)lo, &a, 1, err, sizeof(err)),
			 0);
	/* A prefix longer than the address is refused (not sent), named. */
	a.prefix = 40;
	assert_int_equal(cp_netif_configure((int32_t)lo, &a, 1, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "10.99.0.1/40"));
	/* No such interface: the kernel's -ENODEV. */
	a.prefix = 24;
	assert_int_equal(cp_netif_configure(999999, &a, 1, err, sizeof(err)),
			 -ENODEV);
}

/*
 * On a TAP, the kind of interface exception-port mode makes, an IPv6
 * address is usable as soon as it is added: a socket binds to it at once
 * (no IPV6_FREEBIND), which a tentative address, still in duplicate
 * address detection, refuses with EADDRNOTAVAIL for a second or two.
 */
static void
test_kernel_tap_ipv6(void **state)
{
	struct cp_netif_addr a[2] = {
		{ tp_ip_v4(IP4(10, 99, 0, 1)), 24 },
		{ ip6("2001:db8:99::1"), 64 },
	};
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	char err[256] = "";
	unsigned int ifindex;
	int tap, s;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		print_message("skipped: needs root (a network namespace)\n");
		skip();
	}
	tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap < 0) {
		print_message("skipped: no /dev/net/tun\n");
		skip();
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "tpk-netif0");
	assert_int_equal(ioctl(tap, TUNSETIFF, &ifr), 0);
	ifindex = if_nametoindex("tpk-netif0");
	assert_true(ifindex > 0);
	if (cp_netif_configure((int32_t)ifindex, a, 2, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(has_addr("tpk-netif0", IP4(10, 99, 0, 1), 24));
	assert_true(has_addr6("tpk-netif0", &a[1].ip, 64));
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memcpy(&sin6.sin6_addr, a[1].ip.bytes, 16);
	if (bind(s, (const struct sockaddr *)&sin6, sizeof(sin6)) != 0)
		fail_msg("bind to 2001:db8:99::1 right after adding it: %s "
			 "(tentative: duplicate address detection ran)",
			 strerror(errno));
	close(s);
	close(tap); /* the TAP goes with its last descriptor */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_prefix_of_range),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_addrs_ipv6),
		/* last: each leaves the namespace it was in for one of its own */
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_kernel_tap_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
