/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception port of exception-port mode: DPDK's net_tap, made by
 * turnpike itself, whose kernel interface takes the place of the NIC the
 * PMD took from the kernel.
 *
 *   NIC RX --steer_frame.h--> ours:      dp_input (relay, punt, ...)
 *                         \-> the rest:  exception port TX  (to_kernel)
 *   exception port RX ------------------> NIC TX             (from_kernel)
 *
 * Both directions carry frames unchanged: the tap has the NIC's MAC, so
 * the kernel answers ARP and IPv6 neighbour solicitations for its
 * addresses with the MAC the wire knows, and its replies need no
 * rewriting.
 *
 * Why net_tap and not virtio-user: virtio-user with vhost-kernel (DPDK's
 * faster exception path, the kernel's vhost thread copying in batches)
 * needs /dev/vhost-net, which the machines this was built and tested on
 * do not have; net_tap needs only /dev/net/tun.  Its cost: every frame is
 * one write() (to the kernel) or read() (from it), plus an empty read()
 * per poll, which is why the worker polls it every DP_XPORT_POLL_EVERY
 * turns and when idle, not at every turn.  The kernel's share of a TURN
 * server's traffic (ARP, ssh, TCP/TLS streams) is small next to the
 * relayed UDP, which never touches the tap.
 *
 * Set-up and removal run on the main lcore; steering, flushing and
 * polling on a worker, each on its own queue pair of the tap (queue
 * w->id), so no queue has two users.  No allocation, no lock; every frame
 * is sent, handed on, or dropped with a counter.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "dp_input.h"
#include "dp_xport.h"

/* net_tap's devargs (drivers/net/tap): the interface's name and MAC. */
#define XPORT_DRIVER "net_tap"

int
dp_xport_create(const char *ifname, const struct rte_ether_addr *mac,
		uint16_t n_queues, struct rte_mempool *pool, uint16_t *port_id,
		struct dp_port_info *info, char *err, size_t err_len)
{
	char name[64], args[128], why[256];
	int rc;

	if (ifname[0] == '\0' || strlen(ifname) >= IF_NAMESIZE ||
	    strpbrk(ifname, ",=/ \t") != NULL) {
		snprintf(err, err_len,
			 "exception port: '%s' is not an interface name", ifname);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), XPORT_DRIVER "_%s", ifname);
	snprintf(args, sizeof(args), "iface=%s,mac=" RTE_ETHER_ADDR_PRT_FMT,
		 ifname, RTE_ETHER_ADDR_BYTES(mac));
	rc = rte_vdev_init(name, args);
	if (rc != 0) {
		snprintf(err, err_len,
			 "exception port: cannot create %s (%s): %s "
			 "(needs /dev/net/tun and CAP_NET_ADMIN; is the name "
			 "taken?)",
			 name, args, rte_strerror(-rc));
		return rc < 0 ? rc : -EIO;
	}
	rc = rte_eth_dev_get_port_by_name(name, port_id);
	if (rc == 0)
		rc = dp_port_init(*port_id, n_queues, n_queues, pool, info, why,
				  sizeof(why));
	if (rc != 0) {
		snprintf(err, err_len, "exception port %s: %s", ifname,
			 rc == -ENODEV ? "no port after creation" : why);
		rte_vdev_uninit(name);
		return rc;
	}
	if (info->n_rx_queues < n_queues) {
		snprintf(err, err_len,
			 "exception port %s: %u queues, %u workers need one "
			 "each",
			 ifname, info->n_rx_queues, n_queues);
		dp_xport_destroy(*port_id);
		return -EINVAL;
	}
	if (info->if_index == 0)
		info->if_index = if_nametoindex(ifname);
	return 0;
}

void
dp_xport_destroy(uint16_t port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];

	if (rte_eth_dev_get_name_by_port(port_id, name) != 0)
		return;
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	rte_vdev_uninit(name);
}

/* The TP_STEER_ROLE_* bits of the address @bytes of @family, from the same
 * lists dp_xdp_configure() fills the XDP program's maps with. */
static __always_inline __u32
xport_roles(const struct dp_shared *sh, uint8_t family, const void *bytes,
	    size_t len)
{
	__u32 roles = 0;

	for (uint16_t i = 0; i < sh->n_listen; i++)
		if (sh->listen_ips[i].family == family &&
		    memcmp(sh->listen_ips[i].bytes, bytes, len) == 0)
			roles |= TP_STEER_ROLE_LISTEN;
	for (uint16_t i = 0; i < sh->n_relay; i++)
		if (sh->relay_ips[i].family == family &&
		    memcmp(sh->relay_ips[i].bytes, bytes, len) == 0)
			roles |= TP_STEER_ROLE_RELAY;
	return roles;
}

/* turnpike/steer_frame.h's questions: the roles of an IPv4 or IPv6
 * address (@ctx is the worker's struct dp_shared). */
static __always_inline __u32
tp_steer_roles_of4(const void *ctx, __u32 daddr_be)
{
	return xport_roles(ctx, TP_AF_INET, &daddr_be, 4);
}

static __always_inline __u32
tp_steer_roles_of6(const void *ctx, const __u8 daddr[16])
{
	return xport_roles(ctx, TP_AF_INET6, daddr, 16);
}

#include "turnpike/steer_frame.h"

void
dp_xport_steer(struct dp_worker *w, struct rte_mbuf *m)
{
	const struct dp_shared *sh = w->sh;
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);

	/* A chained frame is judged by its first segment, as XDP judges
	 * the linear part: headers are there in every case we steer. */
	if (tp_steer_frame(data, data + rte_pktmbuf_data_len(m),
			   &sh->steer_ports, sh) == TP_STEER_OURS) {
		dp_input(w, m);
		return;
	}
	if (w->n_xtx == RTE_DIM(w->xtx))
		dp_xport_flush(w);
	w->xtx[w->n_xtx++] = m;
}

void
dp_xport_flush(struct dp_worker *w)
{
	uint16_t sent;

	if (w->n_xtx == 0)
		return;
	sent = rte_eth_tx_burst(w->sh->xport_id, w->id, w->xtx, w->n_xtx);
	w->stats.c[DP_C_to_kernel] += sent;
	for (uint16_t i = sent; i < w->n_xtx; i++)
		dp_drop(w, w->xtx[i], DP_DROP_xport_full);
	w->n_xtx = 0;
}

unsigned int
dp_xport_poll(struct dp_worker *w)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n;

	n = rte_eth_rx_burst(w->sh->xport_id, w->id, pkts, DP_BURST);
	w->stats.c[DP_C_from_kernel] += n;
	for (uint16_t i = 0; i < n; i++)
		dp_tx_enqueue(w, pkts[i]);
	dp_tx_flush(w);
	return n;
}
