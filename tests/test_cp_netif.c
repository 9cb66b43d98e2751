/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exception-port mode's interface set-up: the rtnetlink requests as bytes
 * (include/wire/nl_link.c), written out field by field as rtnetlink(7)
 * and `ip addr add` lay them out; the addresses the interface is given
 * (controlplane/cp_netif.c, cp_netif_addrs); and, as root, the requests
 * sent to a real kernel in a network namespace of the process's own
 * (unshare), which must bring the interface up and give it the address
 * with its prefix.  Without root that last case is skipped (the rest
 * still runs).
 */
#define _GNU_SOURCE /* unshare */

#include <errno.h>
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
#include <unistd.h>

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

static void
test_requests(void **state)
{
	struct tp_ip ip = tp_ip_v4(IP4(10, 99, 0, 1)), none = { 0 };
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_prefix_of_range),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_kernel), /* last: leaves our netns */
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
