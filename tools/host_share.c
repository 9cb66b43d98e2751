/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_XDP mode, the server's side (see host_share.h): the host keeps the
 * interface, turnpike takes only its own UDP.
 *
 * Exception-port mode (exception-interface, on a PMD that takes the NIC
 * from the kernel) is set up here too: the TAP, its addresses and the
 * same neighbour source (see host_share.h).
 *
 * Runs on the main lcore at start-up, between dp_port_init() and
 * dp_plane_create(), and at shutdown.  Owns the XDP program's descriptors
 * and the neighbour source; the program itself is the PMD's, which
 * detaches it when the port closes.
 *
 * Two things the kernel does on that interface matter to us, and are
 * checked here because neither fails loudly later:
 *  - it answers ARP and IPv6 neighbour solicitations for our addresses
 *    only if they are its own: an address of ours missing from the
 *    interface is unreachable;
 *  - it gives its own UDP sockets ephemeral ports from
 *    ip_local_port_range: a port inside our relay range would have its
 *    replies steered to us.  ip_local_reserved_ports keeps them apart.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_log.h"
#include "cp_netif.h"
#include "host_share.h"

#define AF_XDP_DRIVER "net_af_xdp"

int
host_share_helper(int argc, char **argv)
{
#ifdef TP_HAVE_XDP
	const char *path = dp_xdp_prog_path();
	unsigned long workers = 1;
	char vdev[512], *end = NULL;

	if (access(path, R_OK) != 0)
		fprintf(stderr,
			"turnpike: warning: %s: %s (not built or not "
			"installed?)\n",
			path, strerror(errno));
	if (strcmp(argv[1], "--xdp-prog-path") == 0) {
		printf("%s\n", path);
		return 0;
	}
	if (argc == 4) {
		workers = strtoul(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end != '\0' || workers > UINT16_MAX)
			workers = 0;
	}
	/* One queue per worker, from queue 0: the workers' RX queues. */
	if (dp_xdp_vdev_arg(vdev, sizeof(vdev), 0, argv[2], (uint16_t)workers,
			    path) != 0) {
		fprintf(stderr,
			"turnpike: --xdp-vdev IFACE [WORKERS]: an "
			"interface name without ',' and 1-%u workers\n",
			TP_XDP_MAX_QUEUES);
		return 2;
	}
	printf("%s\n", vdev);
	return 0;
#else
	(void)argc;
	fprintf(stderr,
		"turnpike: %s: this build has no AF_XDP mode (built "
		"without libbpf or clang)\n",
		argv[1]);
	return 1;
#endif
}

/* Whether @ip is an address of interface @ifname. */
static bool
addr_on_iface(const struct ifaddrs *all, const char *ifname,
	      const struct tp_ip *ip)
{
	for (const struct ifaddrs *a = all; a != NULL; a = a->ifa_next) {
		const struct sockaddr_in *sin = (const void *)a->ifa_addr;
		const struct sockaddr_in6 *sin6 = (const void *)a->ifa_addr;

		if (sin == NULL || strcmp(a->ifa_name, ifname) != 0)
			continue;
		if (sin->sin_family == AF_INET && ip->family == TP_AF_INET &&
		    memcmp(&sin->sin_addr, ip->bytes, 4) == 0)
			return true;
		if (sin->sin_family == AF_INET6 && ip->family == TP_AF_INET6 &&
		    memcmp(&sin6->sin6_addr, ip->bytes, 16) == 0)
			return true;
	}
	return false;
}

/* Warn about every address of ours the kernel does not have on the
 * interface: it answers ARP and neighbour solicitations only for its
 * own. */
static void
check_addresses(const struct host_share *hs, const struct tp_plane_params *pp)
{
	struct ifaddrs *all;
	char a[TP_ADDR_STRLEN];

	if (getifaddrs(&all) != 0)
		return;
	for (uint16_t i = 0; i < pp->n_listen + pp->n_relay; i++) {
		const struct tp_ip *ip =
			i < pp->n_listen ? &pp->listen_ips[i] :
					   &pp->relay_ips[i - pp->n_listen];

		if (!addr_on_iface(all, hs->ifname, ip))
			cp_log(CP_LOG_WARN, "xdp",
			       "iface=%s: %s is not one of its "
			       "addresses: in AF_XDP mode the kernel answers ARP "
			       "and neighbour solicitations for our addresses, "
			       "so give it this one (ip addr add %s/PREFIX dev "
			       "%s)",
			       hs->ifname, tp_ip_format(ip, a, sizeof(a)), a,
			       hs->ifname);
	}
	freeifaddrs(all);
}

/* The first line of /proc/sys file @path into @buf; "" if unreadable. */
static void
sysctl_read(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(buf, (int)cap, f) == NULL)
		buf[0] = '\0';
	fclose(f);
}

/* Whether @port is in ip_local_reserved_ports' list @list ("a,b-c,..."). */
static bool
port_reserved(const char *list, unsigned int port)
{
	const char *p = list;

	while (*p != '\0' && *p != '\n') {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			return false;
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (port >= lo && port <= hi)
			return true;
		p = *end == ',' ? end + 1 : end;
	}
	return false;
}

/* Warn when the kernel may hand its own sockets ports in our relay range:
 * XDP would steer the replies to them to us. */
static void
check_ephemeral_ports(const struct host_share *hs,
		      const struct tp_plane_params *pp)
{
	char range[64], reserved[4096];
	unsigned int lo, hi, clash = 0;

	sysctl_read("/proc/sys/net/ipv4/ip_local_port_range", range,
		    sizeof(range));
	sysctl_read("/proc/sys/net/ipv4/ip_local_reserved_ports", reserved,
		    sizeof(reserved));
	if (sscanf(range, "%u %u", &lo, &hi) != 2)
		return;
	for (unsigned int port = lo > pp->min_port ? lo : pp->min_port;
	     port <= hi && port <= pp->max_port; port++)
		clash += !port_reserved(reserved, port);
	if (clash > 0)
		cp_log(CP_LOG_WARN, hs->xport_on ? "xport" : "xdp",
		       "iface=%s: %u of the kernel's ephemeral "
		       "ports (ip_local_port_range %u-%u) lie in the relay range "
		       "%u-%u: replies to the host's own UDP sockets on them would "
		       "reach turnpike; reserve the range (sysctl -w "
		       "net.ipv4.ip_local_reserved_ports=%u-%u)",
		       hs->ifname, clash, lo, hi, pp->min_port, pp->max_port,
		       pp->min_port, pp->max_port);
}

#ifdef TP_HAVE_XDP
/* Open the program the PMD attached and fill its maps from @pp. */
static int
xdp_open(struct host_share *hs, const struct dp_port_info *port,
	 uint16_t n_workers, const struct tp_plane_params *pp, char *err,
	 size_t err_len)
{
	char why[384];
	int rc = dp_xdp_open_iface(&hs->xdp, port->if_index, why, sizeof(why));

	if (rc == 0)
		rc = dp_xdp_configure(&hs->xdp, pp, why, sizeof(why));
	if (rc != 0) {
		dp_xdp_close(&hs->xdp);
		if (rc == -ENOENT || rc == -EPROTO)
			snprintf(err, err_len,
				 "AF_XDP mode on %s: %s; the port must "
				 "load turnpike's own program: --vdev \"$(turnpike "
				 "--xdp-vdev %s %u)\"",
				 hs->ifname, why, hs->ifname, n_workers);
		else
			snprintf(err, err_len, "AF_XDP mode on %s: %s",
				 hs->ifname, why);
		return rc;
	}
	cp_log(CP_LOG_INFO, "xdp",
	       "iface=%s ifindex=%u prog_id=%u mode=%s "
	       "addresses=%u addresses6=%u listen_port=%u relay_ports=%u-%u",
	       hs->ifname, port->if_index, hs->xdp.prog_id,
	       dp_xdp_mode_name(hs->xdp.mode), hs->xdp.n_addr4, hs->xdp.n_addr6,
	       pp->listen_port, pp->min_port, pp->max_port);
	if (hs->xdp.mode == DP_XDP_MODE_GENERIC)
		cp_log(CP_LOG_WARN, "xdp",
		       "iface=%s: generic (skb) mode: the "
		       "driver has no native XDP, so every frame is made into an "
		       "skb and copied before the program sees it: a fraction of "
		       "native speed",
		       hs->ifname);
	return 0;
}
#endif

/* Exception-port mode: the TAP, its addresses, next hops from its table. */
static int
xport_open(struct host_share *hs, struct dp_port_info *port, uint16_t n_workers,
	   struct tp_plane_params *pp, const char *ifname,
	   struct rte_mempool *pool, char *err, size_t err_len)
{
	struct cp_netif_addr addrs[CP_NETIF_MAX_ADDRS];
	struct dp_port_info xi = { 0 };
	char list[CP_NETIF_MAX_ADDRS * (TP_ADDR_STRLEN + 5)] = "",
							 a[TP_ADDR_STRLEN];
	size_t n, used = 0;
	int rc;

	rc = dp_xport_create(ifname, &port->mac, n_workers, pool, &hs->xport_id,
			     &xi, err, err_len);
	if (rc != 0)
		return rc;
	hs->xport_on = true;
	snprintf(hs->ifname, sizeof(hs->ifname), "%s", ifname);
	n = cp_netif_addrs(pp, addrs, CP_NETIF_MAX_ADDRS);
	rc = cp_netif_configure((int32_t)xi.if_index, addrs, n, err, err_len);
	if (rc != 0) {
		host_share_close(hs);
		return rc;
	}
	pp->neigh_from_kernel = true;
	hs->neigh = cp_neigh_create((int32_t)xi.if_index, pp, err, err_len);
	if (hs->neigh == NULL) {
		host_share_close(hs);
		return -EIO;
	}
	port->has_xport = true;
	port->xport_id = hs->xport_id;
	for (size_t i = 0; i < n && used < sizeof(list); i++) {
		int w = snprintf(list + used, sizeof(list) - used, "%s%s/%u",
				 i > 0 ? "," : "",
				 tp_ip_format(&addrs[i].ip, a, sizeof(a)),
				 addrs[i].prefix);

		used += w > 0 ? (size_t)w : 0;
	}
	cp_log(CP_LOG_INFO, "xport",
	       "iface=%s ifindex=%u port=%u driver=%s queues=%u "
	       "mac=" RTE_ETHER_ADDR_PRT_FMT " addresses=%s nic=%s",
	       ifname, xi.if_index, hs->xport_id, xi.driver, xi.n_rx_queues,
	       RTE_ETHER_ADDR_BYTES(&port->mac), list,
	       port->driver != NULL ? port->driver : "?");
	cp_log(CP_LOG_INFO, "neigh",
	       "iface=%s source=kernel (rtnetlink): the "
	       "workers ask it for next hops",
	       hs->ifname);
	/* The kernel's own UDP leaves through the TAP too: its replies are
	 * steered as in AF_XDP mode. */
	check_ephemeral_ports(hs, pp);
	return 0;
}

int
host_share_open(struct host_share *hs, struct dp_port_info *port,
		uint16_t n_workers, struct tp_plane_params *pp,
		const char *xport_ifname, struct rte_mempool *pool, char *err,
		size_t err_len)
{
	memset(hs, 0, sizeof(*hs));
	hs->on = port->driver != NULL && strcmp(port->driver, AF_XDP_DRIVER) == 0;
	if (hs->on && xport_ifname[0] != '\0') {
		hs->on = false;
		snprintf(err, err_len,
			 "exception-interface %s: the port is " AF_XDP_DRIVER
			 ", where the kernel keeps the interface and needs no "
			 "exception port; remove the key",
			 xport_ifname);
		return -EINVAL;
	}
	if (!hs->on && xport_ifname[0] != '\0')
		return xport_open(hs, port, n_workers, pp, xport_ifname, pool,
				  err, err_len);
	if (!hs->on)
		return 0;
	if (port->if_index == 0 ||
	    if_indextoname(port->if_index, hs->ifname) == NULL)
		snprintf(hs->ifname, sizeof(hs->ifname), "IFACE");
#ifdef TP_HAVE_XDP
	int rc = xdp_open(hs, port, n_workers, pp, err, err_len);

	if (rc != 0) {
		hs->on = false;
		return rc;
	}
	/* The kernel keeps ARP: the workers learn next hops from its table. */
	pp->neigh_from_kernel = true;
	hs->neigh = cp_neigh_create((int32_t)port->if_index, pp, err, err_len);
	if (hs->neigh == NULL) {
		host_share_close(hs);
		return -EIO;
	}
	cp_log(CP_LOG_INFO, "neigh",
	       "iface=%s source=kernel (rtnetlink): the "
	       "workers ask it for next hops",
	       hs->ifname);
	check_addresses(hs, pp);
	check_ephemeral_ports(hs, pp);
	return 0;
#else
	(void)n_workers;
	(void)pp;
	(void)check_addresses;
	(void)check_ephemeral_ports;
	hs->on = false;
	snprintf(err, err_len,
		 "port %s is " AF_XDP_DRIVER ", but this build has "
		 "no AF_XDP mode (built without libbpf or clang)",
		 hs->ifname);
	return -ENOTSUP;
#endif
}

void
host_share_attach(struct host_share *hs, struct cp_loop *loop)
{
	if (hs->xport_on)
		loop->neigh = hs->neigh;
	if (!hs->on)
		return;
	loop->neigh = hs->neigh;
#ifdef TP_HAVE_XDP
	loop->plane.port_counters = dp_xdp_counters;
	loop->plane.port_ctx = &hs->xdp;
#endif
}

void
host_share_close(struct host_share *hs)
{
	cp_neigh_destroy(hs->neigh);
	hs->neigh = NULL;
	if (hs->xport_on)
		dp_xport_destroy(hs->xport_id);
	hs->xport_on = false;
#ifdef TP_HAVE_XDP
	if (hs->on)
		dp_xdp_close(&hs->xdp);
#endif
	hs->on = false;
}
