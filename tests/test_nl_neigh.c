/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rtnetlink neighbour codec (include/wire/nl_neigh.c) on what a real
 * kernel sent: every vector below was captured from Linux 6.18 on a veth
 * in a network namespace (10.99.0.1 on ifindex 2, a neighbour at
 * 10.99.0.3; for the IPv6 ones 10.99.0.1 and 2001:db8:99::1 on ifindex 3,
 * a neighbour at 2001:db8:99::3 in a second namespace) and is written out
 * field by field.  The reader must take
 * each apart, refuse every truncation and every lying length without
 * reading outside the datagram, and the requests must come out byte for
 * byte as the kernel's rtnetlink expects them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "turnpike/nl_neigh.h"

/* RTNLGRP_NEIGH notification: the kernel resolved 10.99.0.3 after an
 * NTF_USE request (REACHABLE, with its MAC). */
static const uint8_t reachable[] = {
	0x4c, 0x00, 0x00, 0x00, /* nlmsg_len 76 */
	0x1c, 0x00,             /* nlmsg_type 28 */
	0x00, 0x00,             /* nlmsg_flags 0x0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_seq 0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_pid 0 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
	0x02, 0x00,             /* ndm_state 0x2 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x03, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0xe6, 0x86, 0x2b, 0xe0, 0x51, 0xcc, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x04, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* value */
};

/* Notification of `ip neigh add 10.99.0.7 lladdr 02:00:00:00:00:07 nud
 * permanent` (the sender's port id, not 0, in nlmsg_pid). */
static const uint8_t permanent[] = {
	0x4c, 0x00, 0x00, 0x00, /* nlmsg_len 76 */
	0x1c, 0x00,             /* nlmsg_type 28 */
	0x00, 0x00,             /* nlmsg_flags 0x0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_seq 0 */
	0xac, 0x6f, 0x00, 0x00, /* nlmsg_pid 28588 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
	0x80, 0x00,             /* ndm_state 0x80 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x07, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x00, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* value */
};

/* `ip neigh del 10.99.0.7`: first the entry as FAILED, without a MAC... */
static const uint8_t del_failed[] = {
	0x40, 0x00, 0x00, 0x00, /* nlmsg_len 64 */
	0x1c, 0x00,             /* nlmsg_type 28 */
	0x00, 0x00,             /* nlmsg_flags 0x0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_seq 0 */
	0xad, 0x6f, 0x00, 0x00, /* nlmsg_pid 28589 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
	0x20, 0x00,             /* ndm_state 0x20 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x07, /* value */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x00, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x32, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x32, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* value */
};

/* ...then RTM_DELNEIGH. */
static const uint8_t deleted[] = {
	0x40, 0x00, 0x00, 0x00, /* nlmsg_len 64 */
	0x1d, 0x00,             /* nlmsg_type 29 */
	0x00, 0x00,             /* nlmsg_flags 0x0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_seq 0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_pid 0 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
	0x20, 0x00,             /* ndm_state 0x20 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x07, /* value */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x00, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x32, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x00,
	0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* value */
};

/* One datagram of the reply to an RTM_GETNEIGH dump (seq 3) filtered by
 * NDA_IFINDEX: a FAILED entry (10.99.0.9, no MAC), the REACHABLE one, and
 * NLMSG_DONE; NLM_F_MULTI | NLM_F_DUMP_FILTERED on each. */
static const uint8_t dump[] = {
	0x40, 0x00, 0x00, 0x00, /* nlmsg_len 64 */
	0x1c, 0x00,             /* nlmsg_type 28 */
	0x22, 0x00,             /* nlmsg_flags 0x22 */
	0x03, 0x00, 0x00, 0x00, /* nlmsg_seq 3 */
	0x83, 0x6f, 0x00, 0x00, /* nlmsg_pid 28547 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
	0x20, 0x00,             /* ndm_state 0x20 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x09, /* value */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x06, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x32, 0x19, 0x00, 0x00, 0xc2, 0x01, 0x00, 0x00,
	0x90, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* value */
	0x4c, 0x00, 0x00, 0x00,                         /* nlmsg_len 76 */
	0x1c, 0x00,                                     /* nlmsg_type 28 */
	0x22, 0x00,                                     /* nlmsg_flags 0x22 */
	0x03, 0x00, 0x00, 0x00,                         /* nlmsg_seq 3 */
	0x83, 0x6f, 0x00, 0x00,                         /* nlmsg_pid 28547 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
	0x02, 0x00,             /* ndm_state 0x2 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x03, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0xe6, 0x86, 0x2b, 0xe0, 0x51, 0xcc, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x04, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x5a, 0x02, 0x00, 0x00, 0x5a, 0x02, 0x00, 0x00,
	0x5a, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x00, 0x00,                         /* nlmsg_len 20 */
	0x03, 0x00,                                     /* nlmsg_type 3 */
	0x02, 0x00,                                     /* nlmsg_flags 0x2 */
	0x03, 0x00, 0x00, 0x00,                         /* nlmsg_seq 3 */
	0x83, 0x6f, 0x00, 0x00,                         /* nlmsg_pid 28547 */
	0x00, 0x00, 0x00, 0x00,                         /* NLMSG_DONE payload */
};

/* NTF_USE on ifindex 999, which does not exist: -ENODEV for seq 4. */
static const uint8_t enodev[] = {
	0x38, 0x00, 0x00, 0x00, /* nlmsg_len 56 */
	0x02, 0x00,             /* nlmsg_type 2 */
	0x00, 0x00,             /* nlmsg_flags 0x0 */
	0x04, 0x00, 0x00, 0x00, /* nlmsg_seq 4 */
	0x83, 0x6f, 0x00, 0x00, /* nlmsg_pid 28547 */
	0xed, 0xff, 0xff, 0xff, /* error -19 */
	0x24, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x04, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xe7, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x00,
	0x01, 0x00, 0x0a, 0x63, 0x00, 0x03, /* the request's header and ndmsg */
};

/* RTNLGRP_NEIGH notification: the kernel resolved 2001:db8:99::3 by
 * neighbour discovery after an NTF_USE request (REACHABLE, with its MAC):
 * the same group as IPv4's, ndm_family AF_INET6, a 16-byte NDA_DST. */
static const uint8_t reachable6[] = {
	0x58, 0x00, 0x00, 0x00, /* nlmsg_len 88 */
	0x1c, 0x00,             /* nlmsg_type 28 */
	0x00, 0x00,             /* nlmsg_flags 0x0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_seq 0 */
	0x00, 0x00, 0x00, 0x00, /* nlmsg_pid 0 */
	0x0a, 0x00, 0x00, 0x00, /* ndm_family 10, padding */
	0x03, 0x00, 0x00, 0x00, /* ndm_ifindex 3 */
	0x02, 0x00,             /* ndm_state 0x2 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x14, 0x00, 0x01, 0x00, /* rta_len 20, NDA_DST */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0xe6, 0x86, 0x2b, 0xe0, 0x51, 0xcc, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x05, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* value */
};

/* The reply to nl_neigh_dump_req()'s AF_UNSPEC dump (seq 3) on ifindex
 * 3, after the resolution above: one datagram, IPv4 and IPv6 entries, one
 * NLMSG_DONE.  Three of its six entries are written out: 10.99.0.3 (added
 * with `ip neigh add ... nud reachable`), the kernel's own NOARP entry for
 * the multicast ff02::16 (MLD reports), and 2001:db8:99::3; the three left
 * out are more NOARP multicast entries (ff02::2, ff02::1:ff00:a,
 * ff02::1:ff00:3, the last one made by the solicitation for ::3). */
static const uint8_t dump_both[] = {
	0x4c, 0x00, 0x00, 0x00, /* nlmsg_len 76 */
	0x1c, 0x00,             /* nlmsg_type 28 */
	0x22, 0x00,             /* nlmsg_flags 0x22 */
	0x03, 0x00, 0x00, 0x00, /* nlmsg_seq 3 */
	0xfe, 0x44, 0x90, 0xc1, /* nlmsg_pid 3247457534 */
	0x02, 0x00, 0x00, 0x00, /* ndm_family 2, padding */
	0x03, 0x00, 0x00, 0x00, /* ndm_ifindex 3 */
	0x02, 0x00,             /* ndm_state 0x2 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
	0x0a, 0x63, 0x00, 0x03, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0xe6, 0x86, 0x2b, 0xe0, 0x51, 0xcc, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x00, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0xfa, 0x00, 0x00, 0x00, 0xfa, 0x00, 0x00, 0x00,
	0xfa, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* value */
	0x58, 0x00, 0x00, 0x00,                         /* nlmsg_len 88 */
	0x1c, 0x00,                                     /* nlmsg_type 28 */
	0x22, 0x00,                                     /* nlmsg_flags 0x22 */
	0x03, 0x00, 0x00, 0x00,                         /* nlmsg_seq 3 */
	0xfe, 0x44, 0x90, 0xc1,                         /* nlmsg_pid */
	0x0a, 0x00, 0x00, 0x00, /* ndm_family 10, padding */
	0x03, 0x00, 0x00, 0x00, /* ndm_ifindex 3 */
	0x40, 0x00,             /* ndm_state 0x40 */
	0x00, 0x05,             /* ndm_flags 0x0, ndm_type 5 (multicast) */
	0x14, 0x00, 0x01, 0x00, /* rta_len 20, NDA_DST */
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0x33, 0x33, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x00, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x6a, 0x18, 0x00, 0x00, 0xfa, 0x00, 0x00, 0x00,
	0xfa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* value */
	0x58, 0x00, 0x00, 0x00,                         /* nlmsg_len 88 */
	0x1c, 0x00,                                     /* nlmsg_type 28 */
	0x22, 0x00,                                     /* nlmsg_flags 0x22 */
	0x03, 0x00, 0x00, 0x00,                         /* nlmsg_seq 3 */
	0xfe, 0x44, 0x90, 0xc1,                         /* nlmsg_pid */
	0x0a, 0x00, 0x00, 0x00, /* ndm_family 10, padding */
	0x03, 0x00, 0x00, 0x00, /* ndm_ifindex 3 */
	0x02, 0x00,             /* ndm_state 0x2 */
	0x00, 0x01,             /* ndm_flags 0x0, ndm_type 1 */
	0x14, 0x00, 0x01, 0x00, /* rta_len 20, NDA_DST */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, /* value */
	0x0a, 0x00, 0x02, 0x00, /* rta_len 10, NDA_LLADDR */
	0xe6, 0x86, 0x2b, 0xe0, 0x51, 0xcc, 0x00, 0x00, /* value, padding */
	0x08, 0x00, 0x04, 0x00, /* rta_len 8, NDA_PROBES */
	0x05, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x03, 0x00, /* rta_len 20, NDA_CACHEINFO */
	0x3c, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00,
	0x3c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* value */
	0x14, 0x00, 0x00, 0x00,                         /* nlmsg_len 20 */
	0x03, 0x00,                                     /* nlmsg_type 3 */
	0x02, 0x00,                                     /* nlmsg_flags 0x2 */
	0x03, 0x00, 0x00, 0x00,                         /* nlmsg_seq 3 */
	0xfe, 0x44, 0x90, 0xc1,                         /* nlmsg_pid */
	0x00, 0x00, 0x00, 0x00,                         /* NLMSG_DONE payload */
};

static const uint8_t mac_3[6] = { 0xe6, 0x86, 0x2b, 0xe0, 0x51, 0xcc };

static struct tp_ip
ip_10_99_0(uint8_t last)
{
	return tp_ip_v4(0x0a630000u | last);
}

/* 2001:db8:99::@p last. */
static struct tp_ip
ip_2001_db8_99(uint8_t last)
{
	struct tp_ip ip = { .family = TP_AF_INET6 };

	ip.bytes[0] = 0x20;
	ip.bytes[1] = 0x01;
	ip.bytes[2] = 0x0d;
	ip.bytes[3] = 0xb8;
	ip.bytes[5] = 0x99;
	ip.bytes[15] = last;
	return ip;
}

/* The one message of @buf, which must be the whole datagram. */
static struct nl_msg
only_msg(const uint8_t *buf, size_t len)
{
	struct nl_msg m;
	size_t off = 0;

	assert_int_equal(nl_msg_next(buf, len, &off, &m), 1);
	assert_int_equal(off, len);
	{
		struct nl_msg end;

		assert_int_equal(nl_msg_next(buf, len, &off, &end), 0);
	}
	return m;
}

static void
test_reachable(void **state)
{
	struct nl_msg m = only_msg(reachable, sizeof(reachable));
	struct tp_ip want = ip_10_99_0(3);

	(void)state;
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.type, 28);
	assert_int_equal(m.seq, 0);
	assert_false(m.neigh.deleted);
	assert_int_equal(m.neigh.ifindex, 2);
	assert_int_equal(m.neigh.state, 0x02);
	assert_string_equal(nl_neigh_state_name(m.neigh.state), "reachable");
	assert_true(nl_neigh_state_valid(m.neigh.state));
	assert_false(nl_neigh_state_static(m.neigh.state));
	assert_true(tp_ip_equal(&m.neigh.ip, &want));
	assert_true(m.neigh.has_mac);
	assert_memory_equal(m.neigh.mac, mac_3, 6);
}

static void
test_permanent(void **state)
{
	static const uint8_t mac_7[6] = { 0x02, 0, 0, 0, 0, 0x07 };
	struct nl_msg m = only_msg(permanent, sizeof(permanent));
	struct tp_ip want = ip_10_99_0(7);

	(void)state;
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_string_equal(nl_neigh_state_name(m.neigh.state), "permanent");
	assert_true(nl_neigh_state_valid(m.neigh.state));
	assert_true(nl_neigh_state_static(m.neigh.state));
	assert_true(tp_ip_equal(&m.neigh.ip, &want));
	assert_true(m.neigh.has_mac);
	assert_memory_equal(m.neigh.mac, mac_7, 6);
}

static void
test_deleted(void **state)
{
	struct nl_msg m = only_msg(del_failed, sizeof(del_failed));
	struct tp_ip want = ip_10_99_0(7);

	(void)state;
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_false(m.neigh.deleted);
	assert_string_equal(nl_neigh_state_name(m.neigh.state), "failed");
	assert_false(nl_neigh_state_valid(m.neigh.state));
	assert_false(m.neigh.has_mac);
	assert_true(tp_ip_equal(&m.neigh.ip, &want));

	m = only_msg(deleted, sizeof(deleted));
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.type, 29);
	assert_true(m.neigh.deleted);
	assert_true(tp_ip_equal(&m.neigh.ip, &want));
}

static void
test_dump(void **state)
{
	struct tp_ip ip9 = ip_10_99_0(9), ip3 = ip_10_99_0(3);
	struct nl_msg m;
	size_t off = 0;

	(void)state;
	assert_int_equal(nl_msg_next(dump, sizeof(dump), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.seq, 3);
	assert_int_equal(m.flags, 0x22);
	assert_true(tp_ip_equal(&m.neigh.ip, &ip9));
	assert_false(m.neigh.has_mac);
	assert_int_equal(off, 64);
	assert_int_equal(nl_msg_next(dump, sizeof(dump), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_true(tp_ip_equal(&m.neigh.ip, &ip3));
	assert_memory_equal(m.neigh.mac, mac_3, 6);
	assert_int_equal(nl_msg_next(dump, sizeof(dump), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_DONE);
	assert_int_equal(m.seq, 3);
	assert_int_equal(nl_msg_next(dump, sizeof(dump), &off, &m), 0);
}

/* An IPv6 notification reads as an IPv4 one does: the address of its
 * family, the MAC, the state. */
static void
test_reachable6(void **state)
{
	struct nl_msg m = only_msg(reachable6, sizeof(reachable6));
	struct tp_ip want = ip_2001_db8_99(3);

	(void)state;
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.type, 28);
	assert_int_equal(m.seq, 0);
	assert_false(m.neigh.deleted);
	assert_int_equal(m.neigh.ifindex, 3);
	assert_string_equal(nl_neigh_state_name(m.neigh.state), "reachable");
	assert_true(nl_neigh_state_valid(m.neigh.state));
	assert_true(tp_ip_equal(&m.neigh.ip, &want));
	assert_true(m.neigh.has_mac);
	assert_memory_equal(m.neigh.mac, mac_3, 6);
}

/* One dump, both families, one NLMSG_DONE: the kernel's multicast entry
 * is read as it is (a NOARP ff02::16 with its 33:33 MAC); keeping it or
 * not is the table's business. */
static void
test_dump_both_families(void **state)
{
	struct tp_ip ip4 = ip_10_99_0(3), ip6 = ip_2001_db8_99(3), mc = ip6;
	static const uint8_t mac_mc[6] = { 0x33, 0x33, 0, 0, 0, 0x16 };
	struct nl_msg m;
	size_t off = 0;

	(void)state;
	memset(mc.bytes, 0, sizeof(mc.bytes));
	mc.bytes[0] = 0xff;
	mc.bytes[1] = 0x02;
	mc.bytes[15] = 0x16;
	assert_int_equal(nl_msg_next(dump_both, sizeof(dump_both), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.seq, 3);
	assert_true(tp_ip_equal(&m.neigh.ip, &ip4));
	assert_memory_equal(m.neigh.mac, mac_3, 6);
	assert_int_equal(off, 76);
	assert_int_equal(nl_msg_next(dump_both, sizeof(dump_both), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.seq, 3);
	assert_true(tp_ip_equal(&m.neigh.ip, &mc));
	assert_string_equal(nl_neigh_state_name(m.neigh.state), "noarp");
	assert_true(nl_neigh_state_static(m.neigh.state));
	assert_true(m.neigh.has_mac);
	assert_memory_equal(m.neigh.mac, mac_mc, 6);
	assert_int_equal(nl_msg_next(dump_both, sizeof(dump_both), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.neigh.ifindex, 3);
	assert_true(tp_ip_equal(&m.neigh.ip, &ip6));
	assert_string_equal(nl_neigh_state_name(m.neigh.state), "reachable");
	assert_memory_equal(m.neigh.mac, mac_3, 6);
	assert_int_equal(nl_msg_next(dump_both, sizeof(dump_both), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_DONE);
	assert_int_equal(m.seq, 3);
	assert_int_equal(nl_msg_next(dump_both, sizeof(dump_both), &off, &m), 0);
}

/*
 * ndm_family decides how NDA_DST is read, never its length alone: a
 * bridge's forwarding entries (AF_BRIDGE, 7) arrive on RTNLGRP_NEIGH too,
 * and a VXLAN one carries a 4-byte NDA_DST that is no neighbour of ours;
 * an AF_INET message with a 16-byte one is malformed.  Both are read with
 * no address, which every caller ignores.
 */
static void
test_other_families(void **state)
{
	uint8_t buf[sizeof(reachable6)];
	struct nl_msg m;
	size_t off = 0;

	(void)state;
	memcpy(buf, reachable, sizeof(reachable));
	buf[16] = 7; /* AF_BRIDGE */
	assert_int_equal(nl_msg_next(buf, sizeof(reachable), &off, &m), 1);
	assert_int_equal(m.kind, NL_MSG_NEIGH);
	assert_int_equal(m.neigh.ip.family, TP_AF_NONE);
	memcpy(buf, reachable6, sizeof(reachable6));
	buf[16] = 2; /* AF_INET */
	off = 0;
	assert_int_equal(nl_msg_next(buf, sizeof(reachable6), &off, &m), 1);
	assert_int_equal(m.neigh.ip.family, TP_AF_NONE);
	buf[16] = 0; /* AF_UNSPEC: the request's family, never a reply's */
	off = 0;
	assert_int_equal(nl_msg_next(buf, sizeof(reachable6), &off, &m), 1);
	assert_int_equal(m.neigh.ip.family, TP_AF_NONE);
}

static void
test_error(void **state)
{
	struct nl_msg m = only_msg(enodev, sizeof(enodev));

	(void)state;
	assert_int_equal(m.kind, NL_MSG_ERROR);
	assert_int_equal(m.seq, 4);
	assert_int_equal(m.error, -ENODEV);
}

/* Every datagram cut short anywhere: a message whose length runs past the
 * cut is refused, never read past (the sanitizers watch a copy of exactly
 * the cut length). */
static void
test_truncated(void **state)
{
	static const struct {
		const uint8_t *p;
		size_t len;
	} v[] = {
		{ reachable, sizeof(reachable) },
		{ permanent, sizeof(permanent) },
		{ del_failed, sizeof(del_failed) },
		{ deleted, sizeof(deleted) },
		{ dump, sizeof(dump) },
		{ enodev, sizeof(enodev) },
		{ reachable6, sizeof(reachable6) },
		{ dump_both, sizeof(dump_both) },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		for (size_t cut = 1; cut < v[k].len; cut++) {
			uint8_t *buf = malloc(cut);
			struct nl_msg m;
			size_t off = 0;
			int rc, n = 0;

			assert_non_null(buf);
			memcpy(buf, v[k].p, cut);
			while ((rc = nl_msg_next(buf, cut, &off, &m)) == 1)
				n++;
			/* Only the dumps may end cleanly early, between two of
			 * their messages. */
			if ((v[k].p == dump && (cut == 64 || cut == 140)) ||
			    (v[k].p == dump_both &&
			     (cut == 76 || cut == 164 || cut == 252)))
				assert_int_equal(rc, 0);
			else
				assert_int_equal(rc, -EBADMSG);
			assert_true(off <= cut);
			free(buf);
		}
	}
}

/* Lengths that lie, inside a datagram that is long enough. */
static void
test_lying_lengths(void **state)
{
	uint8_t buf[sizeof(reachable)];
	struct nl_msg m;
	size_t off;

	(void)state;
	/* nlmsg_len under its own header, and past the datagram. */
	memcpy(buf, reachable, sizeof(buf));
	buf[0] = 15;
	off = 0;
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), -EBADMSG);
	buf[0] = sizeof(buf) + 4;
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), -EBADMSG);
	/* An ndmsg cut by nlmsg_len. */
	buf[0] = 16 + 11;
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), -EBADMSG);
	/* NDA_LLADDR (at byte 36) claiming more than the message, or less than
	 * its own header. */
	memcpy(buf, reachable, sizeof(buf));
	buf[36] = 200;
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), -EBADMSG);
	buf[36] = 3;
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), -EBADMSG);
	/* An address of the wrong length for its family is no address; a
	 * link-layer address that is not Ethernet's is no MAC. */
	memcpy(buf, reachable, sizeof(buf));
	buf[36] = 9; /* a 5-byte NDA_LLADDR: still inside its padded 12 */
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), 1);
	assert_false(m.neigh.has_mac);
	memcpy(buf, reachable, sizeof(buf));
	buf[16] = 10; /* ndm_family AF_INET6 with a 4-byte NDA_DST */
	off = 0;
	assert_int_equal(nl_msg_next(buf, sizeof(buf), &off, &m), 1);
	assert_int_equal(m.neigh.ip.family, TP_AF_NONE);
}

static void
test_requests(void **state)
{
	/* RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq 3; ndmsg AF_UNSPEC
	 * (IPv4 and IPv6 in one dump), all zero; NDA_IFINDEX 2.  dump_both
	 * is the kernel's answer to these bytes with NDA_IFINDEX 3. */
	static const uint8_t want_dump[] = {
		0x24, 0x00, 0x00, 0x00, /* nlmsg_len 36 */
		0x1e, 0x00,             /* nlmsg_type RTM_GETNEIGH */
		0x01, 0x03,             /* nlmsg_flags REQUEST | DUMP */
		0x03, 0x00, 0x00, 0x00, /* nlmsg_seq 3 */
		0x00, 0x00, 0x00, 0x00, /* nlmsg_pid: the kernel fills it */
		0x00, 0x00, 0x00, 0x00, /* ndm_family AF_UNSPEC, padding */
		0x00, 0x00, 0x00, 0x00, /* ndm_ifindex: any */
		0x00, 0x00, 0x00, 0x00, /* ndm_state, ndm_flags, ndm_type */
		0x08, 0x00, 0x08, 0x00, /* rta_len 8, NDA_IFINDEX */
		0x02, 0x00, 0x00, 0x00, /* 2 */
	};
	/* RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_CREATE, seq 1; ndmsg AF_INET on
	 * ifindex 2, NTF_USE; NDA_DST 10.99.0.3. */
	static const uint8_t want_use[] = {
		0x24, 0x00, 0x00, 0x00, /* nlmsg_len 36 */
		0x1c, 0x00,             /* nlmsg_type RTM_NEWNEIGH */
		0x01, 0x04,             /* nlmsg_flags REQUEST | CREATE */
		0x01, 0x00, 0x00, 0x00, /* nlmsg_seq 1 */
		0x00, 0x00, 0x00, 0x00, /* nlmsg_pid */
		0x02, 0x00, 0x00, 0x00, /* ndm_family AF_INET, padding */
		0x02, 0x00, 0x00, 0x00, /* ndm_ifindex 2 */
		0x00, 0x00,             /* ndm_state: not read with NTF_USE */
		0x01, 0x00,             /* ndm_flags NTF_USE, ndm_type */
		0x08, 0x00, 0x01, 0x00, /* rta_len 8, NDA_DST */
		0x0a, 0x63, 0x00, 0x03, /* 10.99.0.3 */
	};
	uint8_t buf[NL_NEIGH_REQ_MAX];
	struct tp_ip ip = ip_10_99_0(3), v6 = { .family = TP_AF_INET6 },
		     none = { 0 };

	(void)state;
	assert_int_equal(nl_neigh_dump_req(buf, sizeof(buf), 3, 2),
			 sizeof(want_dump));
	assert_memory_equal(buf, want_dump, sizeof(want_dump));
	assert_int_equal(nl_neigh_use_req(buf, sizeof(buf), 1, 2, &ip),
			 sizeof(want_use));
	assert_memory_equal(buf, want_use, sizeof(want_use));
	v6.bytes[0] = 0xfe;
	v6.bytes[1] = 0x80;
	v6.bytes[15] = 1;
	assert_int_equal(nl_neigh_use_req(buf, sizeof(buf), 1, 2, &v6), 48);
	assert_int_equal(buf[16], 10); /* AF_INET6 */
	assert_memory_equal(buf + 32, v6.bytes, 16);
	assert_int_equal(nl_neigh_use_req(buf, sizeof(buf), 1, 2, &none), 0);
	/* Short of room anywhere: nothing. */
	for (size_t cap = 0; cap < sizeof(want_use); cap++) {
		assert_int_equal(nl_neigh_use_req(buf, cap, 1, 2, &ip), 0);
		assert_int_equal(nl_neigh_dump_req(buf, cap, 3, 2), 0);
	}
	/* What the builders make, the reader reads back. */
	{
		struct nl_msg m;
		size_t off = 0;

		assert_int_equal(nl_neigh_use_req(buf, sizeof(buf), 9, 5, &ip),
				 sizeof(want_use));
		assert_int_equal(nl_msg_next(buf, sizeof(want_use), &off, &m), 1);
		assert_int_equal(m.kind, NL_MSG_NEIGH);
		assert_int_equal(m.seq, 9);
		assert_int_equal(m.neigh.ifindex, 5);
		assert_int_equal(m.neigh.flags, 0x01);
		assert_true(tp_ip_equal(&m.neigh.ip, &ip));
	}
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(nl_neigh_state_name(0), "none");
	assert_string_equal(nl_neigh_state_name(0x01), "incomplete");
	assert_string_equal(nl_neigh_state_name(0x04), "stale");
	assert_string_equal(nl_neigh_state_name(0x40), "noarp");
	assert_string_equal(nl_neigh_state_name(0x06), "?");
	assert_true(nl_neigh_state_valid(0x04));  /* stale: still usable */
	assert_false(nl_neigh_state_valid(0x01)); /* incomplete */
	assert_true(nl_neigh_state_static(0x40)); /* noarp */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reachable),
		cmocka_unit_test(test_permanent),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_reachable6),
		cmocka_unit_test(test_dump_both_families),
		cmocka_unit_test(test_other_families),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
