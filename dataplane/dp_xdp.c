/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loader side of AF_XDP mode: finds the XDP program that DPDK's
 * net_af_xdp PMD attached to the interface, opens its maps through the
 * kernel (by id, as the PMD keeps its bpf_object to itself), and fills them
 * from the fast path's start-up parameters.
 *
 * Runs on the main lcore at start-up, after dp_port_init() has set the
 * port's queues up (the PMD attaches the program there) and before the
 * workers need traffic; the counters may be read later from the control
 * thread.  Owns nothing but the descriptors in struct dp_xdp: the program
 * and its maps live as long as the PMD keeps the program attached.
 *
 * Map layouts are checked against tp_xdp_abi.h when opened: the object is
 * a separate file, and one from another build would otherwise be filled
 * with values it reads differently.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "dp_xdp.h"
#include "turnpike/xlist.h"

_Static_assert(TP_PLANE_MAX_LISTEN + TP_PLANE_MAX_RELAY_IPS <= TP_XDP_MAX_ADDRS,
	       "tp_addr4 and tp_addr6 must each hold every listening and "
	       "relay address");
_Static_assert(TP_PLANE_MAX_WORKERS <= TP_XDP_MAX_QUEUES,
	       "xsks_map must hold a socket per worker's queue");

static const char *const counter_names[] = { TP_XDP_COUNTER_LIST(TP_XLIST_NAME) };

/* The same names as the admin socket prints them. */
#define XDP_ADMIN_NAME(name, text) "xdp." #name,
static const char *const counter_admin_names[] = {
	TP_XDP_COUNTER_LIST(XDP_ADMIN_NAME)
};
#undef XDP_ADMIN_NAME

const char *
dp_xdp_counter_name(unsigned int i)
{
	return TP_XLIST_LOOKUP(counter_names, i);
}

const char *
dp_xdp_mode_name(enum dp_xdp_mode mode)
{
	static const char *const names[] = { "none", "native", "generic",
					     "offload" };

	return TP_XLIST_LOOKUP(names, mode);
}

/* ------------------------------------------------------------------ */
/* Where the object is, and how the PMD is told                        */
/* ------------------------------------------------------------------ */

const char *
dp_xdp_prog_path(void)
{
	static const char root[] = TP_XDP_BUILD_ROOT "/";
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	/* A binary in the build tree must not pick up an older installed
	 * object, nor an installed binary one from a build tree. */
	if (n > 0) {
		exe[n] = '\0';
		if (strncmp(exe, root, sizeof(root) - 1) == 0)
			return TP_XDP_OBJ_BUILD;
	}
	return TP_XDP_OBJ_INSTALL;
}

int
dp_xdp_vdev_arg(char *buf, size_t len, unsigned int index, const char *ifname,
		uint16_t queue_count, const char *prog_path)
{
	int n;

	if (ifname[0] == '\0' || queue_count == 0 ||
	    queue_count > TP_XDP_MAX_QUEUES || strchr(ifname, ',') != NULL ||
	    strchr(prog_path, ',') != NULL)
		return -EINVAL;
	n = snprintf(buf, len,
		     "net_af_xdp%u,iface=%s,start_queue=0,queue_count=%u,xdp_prog=%s",
		     index, ifname, queue_count, prog_path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ------------------------------------------------------------------ */
/* Opening: the program, then its maps by name                         */
/* ------------------------------------------------------------------ */

/* A map the program must have, and the layout it must have. */
struct map_want {
	const char *name;
	uint32_t type, key_size, value_size, max_entries;
	size_t fd_offset; /* where in struct dp_xdp its fd goes */
};

static const struct map_want maps_wanted[] = {
	{ TP_XDP_MAP_XSKS, BPF_MAP_TYPE_XSKMAP, 4, 4, TP_XDP_MAX_QUEUES,
	  offsetof(struct dp_xdp, xsks_fd) },
	{ TP_XDP_MAP_CFG, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct tp_xdp_cfg), 1,
	  offsetof(struct dp_xdp, cfg_fd) },
	{ TP_XDP_MAP_ADDR4, BPF_MAP_TYPE_HASH, 4, 4, TP_XDP_MAX_ADDRS,
	  offsetof(struct dp_xdp, addr4_fd) },
	{ TP_XDP_MAP_ADDR6, BPF_MAP_TYPE_HASH, sizeof(struct tp_xdp_addr6), 4,
	  TP_XDP_MAX_ADDRS, offsetof(struct dp_xdp, addr6_fd) },
	{ TP_XDP_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, TP_XDP_C__COUNT,
	  offsetof(struct dp_xdp, stats_fd) },
};

#define MAPS_WANTED (sizeof(maps_wanted) / sizeof(maps_wanted[0]))

static int *
map_fd_slot(struct dp_xdp *x, const struct map_want *w)
{
	return (int *)((char *)x + w->fd_offset);
}

static void
handle_init(struct dp_xdp *x)
{
	memset(x, 0, sizeof(*x));
	x->prog_fd = x->xsks_fd = x->cfg_fd = x->addr4_fd = x->addr6_fd =
		x->stats_fd = -1;
}

/* Take @map_fd if it is one of the maps wanted; close it otherwise. */
static int
map_take(struct dp_xdp *x, int map_fd, char *err, size_t err_len)
{
	struct bpf_map_info mi = { 0 };
	uint32_t len = sizeof(mi);
	int rc = bpf_obj_get_info_by_fd(map_fd, &mi, &len);

	if (rc != 0) {
		snprintf(err, err_len,
			 "XDP program %u: cannot read a map's info: %s",
			 x->prog_id, strerror(-rc));
		close(map_fd);
		return rc;
	}
	for (size_t i = 0; i < MAPS_WANTED; i++) {
		const struct map_want *w = &maps_wanted[i];
		int *slot = map_fd_slot(x, w);

		if (strcmp(mi.name, w->name) != 0 || *slot >= 0)
			continue;
		if (mi.type != w->type || mi.key_size != w->key_size ||
		    mi.value_size != w->value_size ||
		    mi.max_entries != w->max_entries) {
			snprintf(err, err_len,
				 "XDP program %u: map %s is type %u, "
				 "key %u, value %u, %u entries; this build wants %u, "
				 "%u, %u, %u: the object file is from another build",
				 x->prog_id, w->name, mi.type, mi.key_size,
				 mi.value_size, mi.max_entries, w->type,
				 w->key_size, w->value_size, w->max_entries);
			close(map_fd);
			return -EPROTO;
		}
		*slot = map_fd;
		return 0;
	}
	close(map_fd); /* .rodata, .bss or the like: not ours to fill */
	return 0;
}

/* Check x->prog_fd is ours and open its maps. */
static int
maps_open(struct dp_xdp *x, char *err, size_t err_len)
{
	struct bpf_prog_info pi = { 0 };
	uint32_t ids[16], len = sizeof(pi);
	int rc;

	pi.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pi.map_ids = (uint64_t)(uintptr_t)ids;
	rc = bpf_obj_get_info_by_fd(x->prog_fd, &pi, &len);
	if (rc != 0) {
		snprintf(err, err_len, "XDP program: cannot read its info: %s",
			 strerror(-rc));
		return rc;
	}
	x->prog_id = pi.id;
	if (pi.type != BPF_PROG_TYPE_XDP ||
	    strcmp(pi.name, TP_XDP_PROG_NAME) != 0) {
		snprintf(err, err_len,
			 "XDP program %u is '%s' (type %u), not "
			 "turnpike's '%s'",
			 pi.id, pi.name, pi.type, TP_XDP_PROG_NAME);
		return -ENOENT;
	}
	if (pi.nr_map_ids > sizeof(ids) / sizeof(ids[0])) {
		snprintf(err, err_len,
			 "XDP program %u uses %u maps: not the "
			 "program this build made",
			 pi.id, pi.nr_map_ids);
		return -EPROTO;
	}
	for (uint32_t i = 0; i < pi.nr_map_ids; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0) {
			snprintf(err, err_len,
				 "XDP program %u: cannot open map "
				 "%u: %s",
				 pi.id, ids[i], strerror(-fd));
			return fd;
		}
		rc = map_take(x, fd, err, err_len);
		if (rc != 0)
			return rc;
	}
	for (size_t i = 0; i < MAPS_WANTED; i++) {
		if (*map_fd_slot(x, &maps_wanted[i]) < 0) {
			snprintf(err, err_len, "XDP program %u has no map '%s'",
				 pi.id, maps_wanted[i].name);
			return -EPROTO;
		}
	}
	return 0;
}

int
dp_xdp_open_prog(struct dp_xdp *x, int prog_fd, char *err, size_t err_len)
{
	handle_init(x);
	x->prog_fd = fcntl(prog_fd, F_DUPFD_CLOEXEC, 0);
	if (x->prog_fd < 0) {
		int rc = -errno;

		snprintf(err, err_len, "XDP program: cannot duplicate fd %d: %s",
			 prog_fd, strerror(-rc));
		return rc;
	}
	return maps_open(x, err, err_len);
}

static enum dp_xdp_mode
mode_of(uint8_t attach_mode)
{
	switch (attach_mode) {
	case XDP_ATTACHED_DRV:
		return DP_XDP_MODE_NATIVE;
	case XDP_ATTACHED_SKB:
		return DP_XDP_MODE_GENERIC;
	case XDP_ATTACHED_HW:
		return DP_XDP_MODE_OFFLOAD;
	default:
		return DP_XDP_MODE_NONE;
	}
}

int
dp_xdp_open_iface(struct dp_xdp *x, unsigned int ifindex, char *err,
		  size_t err_len)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t id;
	int rc;

	handle_init(x);
	rc = bpf_xdp_query((int)ifindex, 0, &q);
	if (rc != 0) {
		snprintf(err, err_len,
			 "interface %u: cannot query its XDP "
			 "program: %s",
			 ifindex, strerror(-rc));
		return rc;
	}
	/* Attached in several modes at once (not by the PMD): the driver's. */
	id = q.attach_mode == XDP_ATTACHED_MULTI ? q.drv_prog_id : q.prog_id;
	x->mode = q.attach_mode == XDP_ATTACHED_MULTI ? DP_XDP_MODE_NATIVE :
							mode_of(q.attach_mode);
	if (id == 0) {
		snprintf(err, err_len,
			 "interface %u has no XDP program: was the "
			 "net_af_xdp port set up with xdp_prog=?",
			 ifindex);
		return -ENOENT;
	}
	x->prog_fd = bpf_prog_get_fd_by_id(id);
	if (x->prog_fd < 0) {
		rc = x->prog_fd;
		snprintf(err, err_len,
			 "interface %u: cannot open XDP program "
			 "%u: %s",
			 ifindex, id, strerror(-rc));
		return rc;
	}
	return maps_open(x, err, err_len);
}

/* ------------------------------------------------------------------ */
/* Filling the maps                                                    */
/* ------------------------------------------------------------------ */

/* Empty the address map @map_fd (tp_addr4 or tp_addr6). */
static int
addr_map_clear(int map_fd)
{
	struct tp_xdp_addr6 key; /* the larger of the two keys */
	int rc;

	/* The first key, deleted, until none is left (at most
	 * TP_XDP_MAX_ADDRS turns). */
	for (;;) {
		rc = bpf_map_get_next_key(map_fd, NULL, &key);
		if (rc != 0)
			return rc == -ENOENT ? 0 : rc;
		rc = bpf_map_delete_elem(map_fd, &key);
		if (rc != 0)
			return rc;
	}
}

/* Empty both address maps: from here on the program steers nothing. */
static int
addr_clear(struct dp_xdp *x)
{
	int rc = addr_map_clear(x->addr4_fd);

	return rc != 0 ? rc : addr_map_clear(x->addr6_fd);
}

/* Add @role to @ip's entry in the map of its family (an address may both
 * listen and relay).  Keys are the wire's bytes, network order. */
static int
addr_add(struct dp_xdp *x, const struct tp_ip *ip, uint32_t role)
{
	struct tp_xdp_addr6 key6;
	uint32_t key4, roles = 0;
	unsigned int *n;
	const void *key;
	int fd;

	switch (ip->family) {
	case TP_AF_INET:
		memcpy(&key4, ip->bytes, sizeof(key4));
		key = &key4;
		fd = x->addr4_fd;
		n = &x->n_addr4;
		break;
	case TP_AF_INET6:
		memcpy(key6.bytes, ip->bytes, sizeof(key6.bytes));
		key = &key6;
		fd = x->addr6_fd;
		n = &x->n_addr6;
		break;
	default:
		return -EAFNOSUPPORT;
	}
	if (bpf_map_lookup_elem(fd, key, &roles) != 0)
		(*n)++;
	roles |= role;
	return bpf_map_update_elem(fd, key, &roles, BPF_ANY);
}

int
dp_xdp_configure(struct dp_xdp *x, const struct tp_plane_params *p, char *err,
		 size_t err_len)
{
	struct tp_xdp_cfg cfg = { .ports = {
					  .listen_port = p->listen_port,
					  .min_port = p->min_port,
					  .max_port = p->max_port,
				  } };
	uint32_t zero = 0;
	int rc;

	if (p->listen_port == 0 || p->min_port > p->max_port ||
	    p->n_listen > TP_PLANE_MAX_LISTEN ||
	    p->n_relay > TP_PLANE_MAX_RELAY_IPS) {
		snprintf(err, err_len,
			 "XDP program: listen port %u, relay ports "
			 "%u-%u, %u listening and %u relay addresses: not a "
			 "configuration it can steer",
			 p->listen_port, p->min_port, p->max_port, p->n_listen,
			 p->n_relay);
		return -EINVAL;
	}
	x->n_addr4 = x->n_addr6 = 0;
	/* Addresses out, ports in, addresses in: no frame is ever matched
	 * against the old addresses with the new ports or the reverse. */
	rc = addr_clear(x);
	if (rc == 0)
		rc = bpf_map_update_elem(x->cfg_fd, &zero, &cfg, BPF_ANY);
	for (uint16_t i = 0; rc == 0 && i < p->n_listen; i++)
		rc = addr_add(x, &p->listen_ips[i], TP_XDP_ROLE_LISTEN);
	for (uint16_t i = 0; rc == 0 && i < p->n_relay; i++)
		rc = addr_add(x, &p->relay_ips[i], TP_XDP_ROLE_RELAY);
	if (rc != 0) {
		snprintf(err, err_len, "XDP program %u: cannot fill its maps: %s",
			 x->prog_id, strerror(-rc));
		addr_clear(x);
		x->n_addr4 = x->n_addr6 = 0;
		return rc;
	}
	return 0;
}

int
dp_xdp_stats_read(const struct dp_xdp *x, uint64_t out[TP_XDP_C__COUNT])
{
	int n_cpus = libbpf_num_possible_cpus();
	uint64_t *per_cpu;
	int rc = 0;

	if (n_cpus <= 0)
		return n_cpus < 0 ? n_cpus : -EINVAL;
	per_cpu = calloc((size_t)n_cpus, sizeof(*per_cpu));
	if (per_cpu == NULL)
		return -ENOMEM;
	for (uint32_t k = 0; rc == 0 && k < TP_XDP_C__COUNT; k++) {
		rc = bpf_map_lookup_elem(x->stats_fd, &k, per_cpu);
		out[k] = 0;
		for (int c = 0; rc == 0 && c < n_cpus; c++)
			out[k] += per_cpu[c];
	}
	free(per_cpu);
	return rc;
}

unsigned int
dp_xdp_counters(void *arg, struct tp_plane_counter *out, unsigned int max)
{
	const struct dp_xdp *x = arg;
	uint64_t v[TP_XDP_C__COUNT];
	unsigned int n = 0;

	if (dp_xdp_stats_read(x, v) != 0)
		return 0;
	for (unsigned int i = 0; i < TP_XDP_C__COUNT && n < max; i++)
		out[n++] = (struct tp_plane_counter){ counter_admin_names[i],
						      v[i] };
	return n;
}

void
dp_xdp_close(struct dp_xdp *x)
{
	int *fds[] = { &x->prog_fd,  &x->xsks_fd,  &x->cfg_fd,
		       &x->addr4_fd, &x->addr6_fd, &x->stats_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
