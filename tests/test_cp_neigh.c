/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hops from the kernel's neighbour table (AF_XDP mode).
 *
 * First the decisions, pure (controlplane/cp_neigh_table.c): which
 * addresses are next hops, when every worker is told a MAC, when the
 * kernel is sent NTF_USE and when never, with times the test chooses.
 *
 * Then the whole source (controlplane/cp_neigh.c) against a real kernel,
 * when run as root: the process moves into a network namespace of its own
 * with a veth whose peer lives in a second, named namespace (10.77.0.1 and
 * 10.77.0.2, 2001:db8:77::1 and 2001:db8:77::2), and a fake fast path
 * records the DP_CMD_NEIGH_SET commands.
 * A neighbour the kernel knew before is pushed from the start-up dump,
 * even to a worker that missed it before the dump was read; a
 * worker's miss makes the kernel ARP and its answer is pushed to every
 * worker; an administrator's PERMANENT entry is pushed and never touched
 * (NTF_USE would strip it); a MAC that moves is pushed again.  IPv6 next
 * hops come the same way: from the same dump, and from the kernel's
 * neighbour discovery after a miss.  The named
 * namespace is deleted at the end, ours goes with the process.  Without
 * root (or iproute2) those cases are skipped.
 */
#define _GNU_SOURCE /* unshare */

#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <net/if.h>

#include <cmocka.h>

#include "cp_loop.h"
#include "cp_neigh.h"
#include "cp_neigh_table.h"
#include "turnpike/nl_neigh.h"
#include "turnpike/plane.h"

#define MS 1000000ull /* ns */
#define IFX 7         /* the interface of the pure cases */

/* NUD_* and NTF_* as the kernel numbers them (linux/neighbour.h). */
#define S_INCOMPLETE 0x01
#define S_REACHABLE 0x02
#define S_STALE 0x04
#define S_FAILED 0x20
#define S_PERMANENT 0x80

static const uint8_t mac_a[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[DP_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x0b };

static struct tp_ip
ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return tp_ip_v4((uint32_t)a << 24 | (uint32_t)b << 16 |
			(uint32_t)c << 8 | d);
}

/* 2001:db8:77::@p last (the kernel cases' IPv6 network). */
static struct tp_ip
ip6_77(uint8_t last)
{
	struct tp_ip ip;

	assert_int_equal(tp_ip_parse(&ip, "2001:db8:77::"), 0);
	ip.bytes[15] = last;
	return ip;
}

/* Local network 192.0.2.0/24, gateway 192.0.2.254. */
static void
params_fill(struct tp_plane_params *p, bool gateway)
{
	memset(p, 0, sizeof(*p));
	p->n_local = 1;
	p->local_nets[0].lo = ip4(192, 0, 2, 0);
	p->local_nets[0].hi = ip4(192, 0, 2, 255);
	if (gateway)
		p->gateway = ip4(198, 51, 100, 1);
}

static struct nl_neigh
kmsg(const struct tp_ip *ip, uint16_t state, const uint8_t *mac)
{
	struct nl_neigh n = { .ifindex = IFX, .state = state, .ip = *ip };

	if (mac != NULL) {
		n.has_mac = true;
		memcpy(n.mac, mac, DP_MAC_LEN);
	}
	return n;
}

static struct cp_neigh_table *
table_new(bool gateway)
{
	struct cp_neigh_table *t = malloc(sizeof(*t));
	struct tp_plane_params p;

	assert_non_null(t);
	params_fill(&p, gateway);
	cp_neigh_table_init(t, IFX, &p);
	return t;
}

/* ------------------------------------------------------------------ */
/* The decisions                                                       */
/* ------------------------------------------------------------------ */

static void
test_wants(void **state)
{
	struct cp_neigh_table *t = table_new(true);
	struct tp_ip on_link = ip4(192, 0, 2, 9), gw = ip4(198, 51, 100, 1),
		     far = ip4(203, 0, 113, 5), v6 = { .family = TP_AF_INET6 };

	(void)state;
	assert_true(cp_neigh_table_wants(t, &on_link));
	assert_true(cp_neigh_table_wants(t, &gw));
	assert_false(cp_neigh_table_wants(t, &far)); /* through the gateway */
	/* No IPv6 gateway: every IPv6 peer is on-link. */
	assert_true(cp_neigh_table_wants(t, &v6));
	free(t);
	/* No gateway: every peer is on-link, as dp_arp.c resolves it. */
	t = table_new(false);
	assert_true(cp_neigh_table_wants(t, &far));
	free(t);
}

static void
test_kernel_news(void **state)
{
	struct cp_neigh_table *t = table_new(true);
	struct tp_ip p = ip4(192, 0, 2, 9), far = ip4(203, 0, 113, 5);
	const struct cp_neigh_entry *e;
	uint64_t waited;
	bool full;
	struct nl_neigh n;

	(void)state;
	/* Resolved: told once; the same MAC as it goes stale: not again. */
	n = kmsg(&p, S_REACHABLE, mac_a);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 1 * MS, &e, &waited, &full),
			 CP_NEIGH_PUSH);
	assert_non_null(e);
	assert_memory_equal(e->mac, mac_a, DP_MAC_LEN);
	assert_int_equal(waited, 0); /* nobody had missed it */
	n = kmsg(&p, S_STALE, mac_a);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 2 * MS, &e, &waited, &full),
			 0);
	/* Moved: told again. */
	n = kmsg(&p, S_REACHABLE, mac_b);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 3 * MS, &e, &waited, &full),
			 CP_NEIGH_PUSH);
	assert_memory_equal(e->mac, mac_b, DP_MAC_LEN);
	/* Failed, then deleted: nothing taken back from the workers. */
	n = kmsg(&p, S_FAILED, NULL);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 4 * MS, &e, &waited, &full),
			 0);
	n.deleted = true;
	assert_int_equal(cp_neigh_table_kernel(t, &n, 5 * MS, &e, &waited, &full),
			 0);
	e = cp_neigh_table_find(t, &p);
	assert_true(e->has_mac);
	assert_int_equal(e->kstate, 0);
	/* Another interface, a non-next-hop, a neighbour being resolved that
	 * nobody asked for: not kept. */
	n = kmsg(&p, S_REACHABLE, mac_a);
	n.ifindex = IFX + 1;
	assert_int_equal(cp_neigh_table_kernel(t, &n, 6 * MS, &e, &waited, &full),
			 0);
	n = kmsg(&far, S_REACHABLE, mac_a);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 6 * MS, &e, &waited, &full),
			 0);
	assert_null(cp_neigh_table_find(t, &far));
	p = ip4(192, 0, 2, 10);
	n = kmsg(&p, S_INCOMPLETE, NULL);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 6 * MS, &e, &waited, &full),
			 0);
	assert_null(cp_neigh_table_find(t, &p));
	assert_int_equal(t->n_entries, 1);
	free(t);
}

static void
test_miss_then_answer(void **state)
{
	struct cp_neigh_table *t = table_new(true);
	struct tp_ip p = ip4(192, 0, 2, 9);
	const struct cp_neigh_entry *e;
	uint64_t waited;
	bool full;
	struct nl_neigh n;

	(void)state;
	/* Unknown: ask the kernel; every worker missing it in the same
	 * second asks nothing more; a second later, again. */
	assert_int_equal(cp_neigh_table_miss(t, &p, 100 * MS, &e, &full),
			 CP_NEIGH_USE);
	assert_int_equal(cp_neigh_table_miss(t, &p, 600 * MS, &e, &full), 0);
	assert_int_equal(cp_neigh_table_miss(t, &p, 1100 * MS, &e, &full),
			 CP_NEIGH_USE);
	/* The answer: told to every worker, timed from the first miss. */
	n = kmsg(&p, S_REACHABLE, mac_a);
	assert_int_equal(cp_neigh_table_kernel(t, &n, 1150 * MS, &e, &waited,
					       &full),
			 CP_NEIGH_PUSH);
	assert_int_equal(waited, 1050 * MS);
	/* A worker that missed it anyway is told, the kernel not asked. */
	assert_int_equal(cp_neigh_table_miss(t, &p, 1200 * MS, &e, &full),
			 CP_NEIGH_PUSH);
	/* Once the kernel has dropped it, a miss asks it again. */
	n.deleted = true;
	assert_int_equal(cp_neigh_table_kernel(t, &n, 1300 * MS, &e, &waited,
					       &full),
			 0);
	assert_int_equal(cp_neigh_table_miss(t, &p, 5000 * MS, &e, &full),
			 CP_NEIGH_PUSH | CP_NEIGH_USE);
	/* Not a next hop: nothing. */
	p = ip4(203, 0, 113, 5);
	assert_int_equal(cp_neigh_table_miss(t, &p, 6000 * MS, &e, &full), 0);
	assert_null(e);
	free(t);
}

static void
test_used_keeps_fresh(void **state)
{
	struct cp_neigh_table *t = table_new(true);
	struct tp_ip p = ip4(192, 0, 2, 9);
	const struct cp_neigh_entry *e;
	uint64_t waited;
	bool full;
	struct nl_neigh n = kmsg(&p, S_REACHABLE, mac_a);

	(void)state;
	assert_int_equal(cp_neigh_table_kernel(t, &n, 0, &e, &waited, &full),
			 CP_NEIGH_PUSH);
	/* In use: the kernel is told, at most once a second. */
	assert_int_equal(cp_neigh_table_used(t, &p, mac_a, 10 * MS, &e),
			 CP_NEIGH_USE);
	assert_int_equal(cp_neigh_table_used(t, &p, mac_a, 900 * MS, &e), 0);
	assert_int_equal(cp_neigh_table_used(t, &p, mac_a, 1010 * MS, &e),
			 CP_NEIGH_USE);
	/* A worker using another MAC than the kernel's latest is corrected. */
	assert_int_equal(cp_neigh_table_used(t, &p, mac_b, 1500 * MS, &e),
			 CP_NEIGH_PUSH);
	/* Unknown here: left alone. */
	p = ip4(192, 0, 2, 77);
	assert_int_equal(cp_neigh_table_used(t, &p, mac_a, 3000 * MS, &e), 0);
	free(t);
}

/* The administrator's entries are pushed, never sent NTF_USE. */
static void
test_static_never_used(void **state)
{
	struct cp_neigh_table *t = table_new(true);
	struct tp_ip gw = ip4(198, 51, 100, 1);
	const struct cp_neigh_entry *e;
	uint64_t waited;
	bool full;
	struct nl_neigh n = kmsg(&gw, S_PERMANENT, mac_a);

	(void)state;
	assert_int_equal(cp_neigh_table_kernel(t, &n, 0, &e, &waited, &full),
			 CP_NEIGH_PUSH);
	assert_int_equal(cp_neigh_table_miss(t, &gw, 5000 * MS, &e, &full),
			 CP_NEIGH_PUSH);
	assert_int_equal(cp_neigh_table_used(t, &gw, mac_a, 9000 * MS, &e), 0);
	free(t);
}

static void
test_full(void **state)
{
	struct cp_neigh_table *t = table_new(false);
	const struct cp_neigh_entry *e;
	struct tp_ip p;
	bool full = false;

	(void)state;
	for (uint32_t i = 0; i < CP_NEIGH_SLOTS; i++) {
		p = tp_ip_v4(0x0a000000u + i);
		assert_int_equal(cp_neigh_table_miss(t, &p, MS, &e, &full),
				 CP_NEIGH_USE);
		assert_false(full);
	}
	p = tp_ip_v4(0x0b000000u);
	assert_int_equal(cp_neigh_table_miss(t, &p, MS, &e, &full), 0);
	assert_true(full);
	assert_null(e);
	free(t);
}

/* ------------------------------------------------------------------ */
/* The source against a real kernel (root)                             */
/* ------------------------------------------------------------------ */

#define K_WORKERS 2
#define K_WAIT_MS 3000
#define K_SETS 64

/* The fake fast path: what DP_CMD_NEIGH_SET each worker was told. */
struct fake_dp {
	unsigned int n;
	struct {
		uint16_t worker;
		struct dp_cmd_neigh neigh;
	} set[K_SETS];
};

static struct fake_dp fake;
static char peer_ns[64];

static void
fake_cmd_send(void *ctx, uint16_t worker, const struct dp_cmd *cmd)
{
	(void)ctx;
	assert_int_equal(cmd->type, DP_CMD_NEIGH_SET);
	assert_true(worker < K_WORKERS);
	assert_true(fake.n < K_SETS);
	fake.set[fake.n].worker = worker;
	fake.set[fake.n].neigh = cmd->u.neigh;
	fake.n++;
}

static const struct tp_plane_ops fake_ops = {
	.n_workers = K_WORKERS,
	.cmd_send = fake_cmd_send,
};

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* How many workers were told @ip -> a MAC (into @mac if not NULL). */
static unsigned int
told(const struct tp_ip *ip, uint8_t *mac)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake.n; i++)
		if (tp_ip_equal(&fake.set[i].neigh.ip, ip)) {
			n++;
			if (mac != NULL)
				memcpy(mac, fake.set[i].neigh.mac, DP_MAC_LEN);
		}
	return n;
}

/* Poll @n until @ip has been told to @want workers, at most K_WAIT_MS. */
static bool
poll_until_told(struct cp_neigh *n, const struct tp_ip *ip, unsigned int want)
{
	uint64_t end = mono_ms() + K_WAIT_MS;

	while (mono_ms() < end) {
		cp_neigh_poll(n, &fake_ops, mono_ms());
		if (told(ip, NULL) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

/* The kernel's state of 10.77.0.X on v0 as `ip neigh` prints it. */
static bool
kernel_state_is(unsigned int x, const char *state)
{
	return sh("ip neigh show 10.77.0.%u dev v0 | grep -q ' %s'", x, state) ==
	       0;
}

static int
kernel_setup(void **state)
{
	(void)state;
	if (geteuid() != 0 || system("ip -V >/dev/null 2>&1") != 0)
		return 0; /* the cases skip */
	snprintf(peer_ns, sizeof(peer_ns), "tpk-cpneigh-%d", (int)getpid());
	/* No duplicate address detection on either side: the kernel sends
	 * no neighbour solicitation until its link-local address has passed
	 * it (about a second after the link comes up). */
	if (unshare(CLONE_NEWNET) != 0 || sh("ip netns add %s", peer_ns) != 0 ||
	    sh("sysctl -qw net.ipv6.conf.default.accept_dad=0") != 0 ||
	    sh("ip netns exec %s sysctl -qw net.ipv6.conf.default.accept_dad=0",
	       peer_ns) != 0 ||
	    sh("ip link set lo up && ip link add v0 type veth peer name v1 netns %s",
	       peer_ns) != 0 ||
	    sh("ip addr add 10.77.0.1/24 dev v0 && ip link set v0 up") != 0 ||
	    sh("ip -n %s addr add 10.77.0.2/24 dev v1 && ip -n %s link set v1 up",
	       peer_ns, peer_ns) != 0 ||
	    sh("ip -n %s addr add 10.77.0.3/24 dev v1", peer_ns) != 0 ||
	    sh("ip addr add 2001:db8:77::1/64 dev v0 nodad") != 0 ||
	    sh("ip -n %s addr add 2001:db8:77::2/64 dev v1 nodad && "
	       "ip -n %s addr add 2001:db8:77::3/64 dev v1 nodad",
	       peer_ns, peer_ns) != 0)
		return -1;
	return 0;
}

static int
kernel_teardown(void **state)
{
	(void)state;
	if (peer_ns[0] != '\0')
		sh("ip netns del %s", peer_ns);
	return 0;
}

static void
test_kernel(void **state)
{
	struct tp_plane_params p;
	struct tp_ip ip2 = ip4(10, 77, 0, 2), ip3 = ip4(10, 77, 0, 3),
		     ip9 = ip4(10, 77, 0, 9);
	struct dp_evt miss = { .type = DP_EVT_NEIGH_MISS, .worker = 1 };
	struct dp_evt used = { .type = DP_EVT_NEIGH_USED, .worker = 0 };
	uint8_t mac[DP_MAC_LEN] = { 0 };
	struct cp_neigh *n;
	char err[256];
	int ifindex;

	(void)state;
	if (peer_ns[0] == '\0')
		skip();
	ifindex = (int)if_nametoindex("v0");
	assert_true(ifindex > 0);
	memset(&p, 0, sizeof(p));
	p.n_local = 1;
	p.local_nets[0].lo = ip4(10, 77, 0, 0);
	p.local_nets[0].hi = ip4(10, 77, 0, 255);

	/* Known before we start (the kernel pinged it): in the dump. */
	assert_int_equal(sh("ping -c 1 -W 2 10.77.0.2 >/dev/null 2>&1"), 0);
	/* The administrator's entry for .9, which answers nothing. */
	assert_int_equal(sh("ip neigh add 10.77.0.9 lladdr 02:00:00:00:00:09 "
			    "dev v0 nud permanent"),
			 0);
	memset(&fake, 0, sizeof(fake));
	n = cp_neigh_create(ifindex, &p, err, sizeof(err));
	assert_non_null(n);
	/* A miss for .9 before the loop has read the dump: the dump is read
	 * first (pushing .9), so .9 is known as permanent, pushed again for
	 * the worker that missed it, and left alone. */
	miss.u.neigh.ip = ip9;
	cp_neigh_event(n, &fake_ops, &miss);
	assert_int_equal(told(&ip9, NULL), 2 * K_WORKERS);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_resolve_asked), 0);
	assert_true(kernel_state_is(9, "PERMANENT"));
	assert_true(poll_until_told(n, &ip2, K_WORKERS));
	assert_true(poll_until_told(n, &ip9, K_WORKERS));
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_dumps), 1);

	/* A worker misses .3, which the kernel has never resolved: the
	 * kernel ARPs, every worker is told, the time is measured. */
	assert_false(kernel_state_is(3, "REACHABLE"));
	miss.u.neigh.ip = ip3;
	cp_neigh_event(n, &fake_ops, &miss);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_resolve_asked), 1);
	assert_true(poll_until_told(n, &ip3, K_WORKERS));
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_resolved), 1);
	told(&ip3, mac);
	assert_int_equal(sh("ip -n %s link show v1 | grep -q "
			    "'%02x:%02x:%02x:%02x:%02x:%02x'",
			    peer_ns, mac[0], mac[1], mac[2], mac[3], mac[4],
			    mac[5]),
			 0);
	assert_true(kernel_state_is(3, "REACHABLE"));

	/* In use: NTF_USE for .3, not within a second of the last one; the
	 * permanent .9 is left as it is. */
	used.u.neigh.ip = ip3;
	memcpy(used.u.neigh.mac, mac, DP_MAC_LEN);
	cp_neigh_event(n, &fake_ops, &used);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_refreshed), 0);
	usleep(CP_NEIGH_REPEAT_MS * 1000 + 50000);
	cp_neigh_event(n, &fake_ops, &used);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_refreshed), 1);
	used.u.neigh.ip = ip9;
	memcpy(used.u.neigh.mac, "\x02\x00\x00\x00\x00\x09", DP_MAC_LEN);
	cp_neigh_event(n, &fake_ops, &used);
	miss.u.neigh.ip = ip9;
	cp_neigh_event(n, &fake_ops, &miss);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_refreshed), 1);
	cp_neigh_poll(n, &fake_ops, mono_ms() + 1);
	assert_true(kernel_state_is(9, "PERMANENT"));

	/* .9 moves: pushed again with the new MAC. */
	assert_int_equal(sh("ip neigh replace 10.77.0.9 lladdr 02:00:00:00:00:99 "
			    "dev v0 nud permanent"),
			 0);
	/* dump, two misses, the move */
	assert_true(poll_until_told(n, &ip9, 4 * K_WORKERS));
	told(&ip9, mac);
	assert_int_equal(mac[5], 0x99);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_kernel_errors), 0);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_lost), 0);
	cp_neigh_destroy(n);
}

/*
 * IPv6 next hops, as IPv4's: one the kernel knew before start is pushed
 * from the start-up dump (a dump of AF_INET alone never pushed it, and no
 * notification comes for an entry that does not change); a worker's miss
 * makes the kernel solicit, and the advertisement's notification is
 * pushed to every worker with the peer's MAC.
 */
static void
test_kernel_ipv6(void **state)
{
	struct tp_plane_params p;
	struct tp_ip ip2 = ip6_77(2), ip3 = ip6_77(3);
	struct dp_evt miss = { .type = DP_EVT_NEIGH_MISS, .worker = 1 };
	uint8_t mac[DP_MAC_LEN] = { 0 };
	struct cp_neigh *n;
	char err[256];
	int ifindex;

	(void)state;
	if (peer_ns[0] == '\0')
		skip();
	ifindex = (int)if_nametoindex("v0");
	assert_true(ifindex > 0);
	memset(&p, 0, sizeof(p));
	p.n_local = 1;
	p.local_nets[0].lo = ip6_77(0);
	p.local_nets[0].hi = ip6_77(0);
	memset(p.local_nets[0].hi.bytes + 8, 0xff, 8); /* a /64 */

	assert_int_equal(sh("ping -6 -c 1 -W 2 2001:db8:77::2 >/dev/null 2>&1"),
			 0);
	memset(&fake, 0, sizeof(fake));
	n = cp_neigh_create(ifindex, &p, err, sizeof(err));
	assert_non_null(n);
	assert_true(poll_until_told(n, &ip2, K_WORKERS));
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_dumps), 1);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_resolve_asked), 0);

	assert_int_not_equal(sh("ip -6 neigh show 2001:db8:77::3 dev v0 | "
				"grep -q REACHABLE"),
			     0);
	miss.u.neigh.ip = ip3;
	cp_neigh_event(n, &fake_ops, &miss);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_resolve_asked), 1);
	assert_true(poll_until_told(n, &ip3, K_WORKERS));
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_resolved), 1);
	told(&ip3, mac);
	assert_int_equal(sh("ip -n %s link show v1 | grep -q "
			    "'%02x:%02x:%02x:%02x:%02x:%02x'",
			    peer_ns, mac[0], mac[1], mac[2], mac[3], mac[4],
			    mac[5]),
			 0);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_kernel_errors), 0);
	assert_int_equal(cp_neigh_counter(n, CP_NEIGH_C_lost), 0);
	cp_neigh_destroy(n);
}

int
main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_kernel_news),
		cmocka_unit_test(test_miss_then_answer),
		cmocka_unit_test(test_used_keeps_fresh),
		cmocka_unit_test(test_static_never_used),
		cmocka_unit_test(test_full),
	};
	const struct CMUnitTest kernel[] = {
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_kernel_ipv6),
	};
	int rc = cmocka_run_group_tests_name("cp_neigh_table", pure, NULL, NULL);

	return rc | cmocka_run_group_tests_name("cp_neigh_kernel", kernel,
						kernel_setup, kernel_teardown);
}
