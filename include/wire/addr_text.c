/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text forms of addresses and ranges, for configuration, logs and tools.
 * Runs on the control thread and in tools (never on the packet path: it
 * calls inet_pton).  Ranges come in three spellings operators already use:
 * a single address, CIDR, and coturn's "low-high".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "turnpike/addr.h"

int
tp_ip_parse(struct tp_ip *ip, const char *text)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, text, ip->bytes) == 1) {
		ip->family = TP_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, ip->bytes) == 1) {
		ip->family = TP_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Set the host bits beyond @prefix to 0 in @lo and to 1 in @hi. */
static void
range_from_prefix(struct tp_ip_range *r, unsigned int prefix)
{
	size_t n = tp_ip_len(r->lo.family);

	for (size_t i = 0; i < n; i++) {
		unsigned int bits = prefix > i * 8 ? prefix - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xFF : (uint8_t)(0xFF << (8 - bits));

		r->lo.bytes[i] &= mask;
		r->hi.bytes[i] = (uint8_t)(r->lo.bytes[i] | ~mask);
	}
}

int
tp_ip_range_parse(struct tp_ip_range *range, const char *text)
{
	char buf[128];
	char *sep;

	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);

	sep = strchr(buf, '/');
	if (sep != NULL) {
		char *end;
		unsigned long prefix;

		*sep = '\0';
		if (tp_ip_parse(&range->lo, buf) != 0 || sep[1] == '\0')
			return -EINVAL;
		errno = 0;
		prefix = strtoul(sep + 1, &end, 10);
		if (errno != 0 || *end != '\0' || sep[1] == '-' ||
		    sep[1] == '+' || prefix > tp_ip_len(range->lo.family) * 8)
			return -EINVAL;
		range->hi = range->lo;
		range_from_prefix(range, (unsigned int)prefix);
		return 0;
	}

	/* "a-b": IPv6 text never holds '-', so the first one splits. */
	sep = strchr(buf, '-');
	if (sep != NULL) {
		*sep = '\0';
		if (tp_ip_parse(&range->lo, buf) != 0 ||
		    tp_ip_parse(&range->hi, sep + 1) != 0 ||
		    range->lo.family != range->hi.family ||
		    tp_ip_cmp(&range->lo, &range->hi) > 0)
			return -EINVAL;
		return 0;
	}

	if (tp_ip_parse(&range->lo, buf) != 0)
		return -EINVAL;
	range->hi = range->lo;
	return 0;
}

const char *
tp_ip_format(const struct tp_ip *ip, char *out, size_t cap)
{
	int af = ip->family == TP_AF_INET ? AF_INET : AF_INET6;

	if (ip->family == TP_AF_NONE ||
	    inet_ntop(af, ip->bytes, out, (socklen_t)cap) == NULL)
		snprintf(out, cap, "?");
	return out;
}

const char *
tp_addr_format(const struct tp_addr *addr, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	tp_ip_format(&addr->ip, ip, sizeof(ip));
	if (addr->ip.family == TP_AF_INET6)
		snprintf(out, cap, "[%s]:%u", ip, addr->port);
	else
		snprintf(out, cap, "%s:%u", ip, addr->port);
	return out;
}
