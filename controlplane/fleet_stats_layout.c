/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * coturn's redis-statsdb topics and texts (see fleet_stats_layout.h).
 * Names come from clients, so each is length-checked and percent-encoded
 * before it becomes a level of a topic; the numbers and addresses are
 * ours.  Pure; any thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "auth_longterm.h"
#include "fleet_stats_layout.h"
#include "turn_alloc_table.h"
#include "turnpike/dp_msg.h"

_Static_assert(FLEET_STATS_REALM_MAX == AUTH_LT_REALM_MAX,
	       "a configured realm must fit");
_Static_assert(FLEET_STATS_USER_MAX == TURN_USERNAME_MAX,
	       "an allocation's user name must fit");

/* Kept as is: printable ASCII but the level separator and the escape. */
static bool
name_byte_plain(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '/' && c != '%';
}

size_t
fleet_stats_name_escape(char *out, size_t cap, const char *in, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (name_byte_plain(c)) {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)c;
			continue;
		}
		if (o + 3 >= cap)
			break;
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o;
}

static const char *const topic_suffix[] = {
	[FLEET_TOPIC_STATUS] = "status",
	[FLEET_TOPIC_TRAFFIC] = "traffic",
	[FLEET_TOPIC_TRAFFIC_PEER] = "traffic/peer",
	[FLEET_TOPIC_TOTAL_TRAFFIC] = "total_traffic",
	[FLEET_TOPIC_TOTAL_TRAFFIC_PEER] = "total_traffic/peer",
};

int
fleet_stats_topic_format(char *out, size_t cap, const struct fleet_stats_alloc *a,
			 enum fleet_stats_topic which)
{
	char realm[3 * FLEET_STATS_REALM_MAX + 1];
	char user[3 * FLEET_STATS_USER_MAX + 1];
	size_t realm_len = strlen(a->realm);
	int n;

	if ((unsigned int)which > FLEET_TOPIC_TOTAL_TRAFFIC_PEER)
		return -EINVAL;
	if (realm_len > FLEET_STATS_REALM_MAX ||
	    a->user_len > FLEET_STATS_USER_MAX)
		return -ENAMETOOLONG;
	fleet_stats_name_escape(realm, sizeof(realm), a->realm, realm_len);
	fleet_stats_name_escape(user, sizeof(user), a->user, a->user_len);
	if (realm_len > 0)
		n = snprintf(out, cap,
			     "turn/realm/%s/user/%s/allocation/%018" PRIu64 "/%s",
			     realm, user, a->id, topic_suffix[which]);
	else
		n = snprintf(out, cap,
			     "turn/user/%s/allocation/%018" PRIu64 "/%s", user,
			     a->id, topic_suffix[which]);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : n;
}

const char *
fleet_stats_type_name(uint8_t transport)
{
	switch (transport) {
	case TP_TRANSPORT_UDP:
		return "UDP";
	case TP_TRANSPORT_TCP:
		return "TCP";
	case TP_TRANSPORT_TLS:
		return "TLS/TCP";
	default:
		return "UNKNOWN";
	}
}

const char *
fleet_stats_addr_format(const struct tp_addr *a, char *out, size_t cap)
{
	char ip[TP_ADDR_STRLEN];

	if (a->ip.family != TP_AF_INET && a->ip.family != TP_AF_INET6) {
		/* coturn's addr_to_string() leaves it empty. */
		out[0] = '\0';
		return out;
	}
	tp_ip_format(&a->ip, ip, sizeof(ip));
	if (a->port == 0)
		snprintf(out, cap, "%s", ip);
	else if (a->ip.family == TP_AF_INET6)
		snprintf(out, cap, "[%s]:%u", ip, a->port);
	else
		snprintf(out, cap, "%s:%u", ip, a->port);
	return out;
}

/* An OpenSSL name for a status text: encoded, cut, or the placeholder. */
static void
tls_name(char *out, size_t cap, const char *name, bool tls)
{
	size_t len;

	if (!tls || name == NULL) {
		snprintf(out, cap, "%s", tls ? "UNKNOWN" : "NONE");
		return;
	}
	len = strnlen(name, FLEET_STATS_TLS_NAME_MAX);
	fleet_stats_name_escape(out, cap, name, len);
}

int
fleet_stats_status_format(char *out, size_t cap, bool refreshed,
			  uint32_t lifetime_s,
			  const struct fleet_stats_session *s)
{
	char local[TP_ADDR_STRLEN], remote[TP_ADDR_STRLEN];
	char ssl[3 * FLEET_STATS_TLS_NAME_MAX + 1];
	char cipher[3 * FLEET_STATS_TLS_NAME_MAX + 1];
	bool tls = s->transport == TP_TRANSPORT_TLS;
	int n;

	tls_name(ssl, sizeof(ssl), s->tls_version, tls);
	tls_name(cipher, sizeof(cipher), s->tls_cipher, tls);
	n = snprintf(out, cap,
		     "%s lifetime=%" PRIu32 ", type=%s, local=%s, remote=%s, "
		     "ssl=%s, cipher=%s",
		     refreshed ? "refreshed" : "new", lifetime_s,
		     fleet_stats_type_name(s->transport),
		     fleet_stats_addr_format(&s->local, local, sizeof(local)),
		     fleet_stats_addr_format(&s->remote, remote, sizeof(remote)),
		     ssl, cipher);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int
fleet_stats_traffic_format(char *out, size_t cap,
			   const struct fleet_stats_traffic *t)
{
	int n = snprintf(out, cap,
			 "rcvp=%" PRIu64 ", rcvb=%" PRIu64 ", sentp=%" PRIu64
			 ", sentb=%" PRIu64,
			 t->rcvp, t->rcvb, t->sentp, t->sentb);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}
