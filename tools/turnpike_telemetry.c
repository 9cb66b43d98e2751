/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands of the turnpike server (see turnpike_telemetry.h).
 * Each call copies the snapshot once (a few hundred kilobytes at most, on
 * the telemetry thread) and builds its answer from the copy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "turnpike/dp_counters.h"
#include "turnpike_telemetry.h"

static struct cp_snapshot *g_snap;

/* The snapshot, copied; NULL (and an error for the client) if none yet. */
static struct cp_snapshot_data *
snapshot_copy(void)
{
	struct cp_snapshot_data *d = malloc(sizeof(*d));

	if (d != NULL && !cp_snapshot_read(g_snap, d)) {
		free(d);
		d = NULL;
	}
	return d;
}

/* Every counter and drop reason of @s into the dict @info. */
static void
add_counters(struct rte_tel_data *info, const struct dp_stats *s)
{
	char name[64];

	for (int i = 0; i < DP_C__COUNT; i++)
		rte_tel_data_add_dict_u64(info,
					  dp_counter_name((enum dp_counter)i),
					  s->c[i]);
	for (int i = 0; i < DP_DROP__COUNT; i++) {
		snprintf(name, sizeof(name), "drop_%s",
			 dp_drop_name((enum dp_drop)i));
		rte_tel_data_add_dict_u64(info, name, s->drop[i]);
	}
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *info)
{
	struct cp_snapshot_data *d = snapshot_copy();
	const struct dp_stats *t;

	(void)cmd;
	(void)params;
	if (d == NULL)
		return -EAGAIN;
	t = &d->plane.total;
	rte_tel_data_start_dict(info);
	rte_tel_data_add_dict_u64(info, "allocations", d->turn.allocs_live);
	rte_tel_data_add_dict_u64(info, "draining", d->draining ? 1 : 0);
	rte_tel_data_add_dict_u64(info, "allocations_udp",
				  d->turn.allocs_by_transport[TP_TRANSPORT_UDP]);
	rte_tel_data_add_dict_u64(info, "allocations_tcp",
				  d->turn.allocs_by_transport[TP_TRANSPORT_TCP]);
	rte_tel_data_add_dict_u64(info, "allocations_tls",
				  d->turn.allocs_by_transport[TP_TRANSPORT_TLS]);
	rte_tel_data_add_dict_u64(info, "relayed_to_peer",
				  dp_stats_relayed(t, DP_DIR_TO_PEER));
	rte_tel_data_add_dict_u64(info, "relayed_to_client",
				  dp_stats_relayed(t, DP_DIR_TO_CLIENT));
	rte_tel_data_add_dict_u64(info, "dropped", dp_stats_dropped(t));
	rte_tel_data_add_dict_u64(info, "handoffs", t->c[DP_C_handoff_out]);
	rte_tel_data_add_dict_u64(info, "busy_cycles", d->plane.busy_cycles);
	rte_tel_data_add_dict_u64(info, "allocations_created",
				  d->turn.c[TURN_C_ALLOCS_CREATED]);
	add_counters(info, t);
	free(d);
	return 0;
}

/* One array of per-worker values under @name. */
static void
add_worker_array(struct rte_tel_data *info, const char *name,
		 const struct cp_snapshot_data *d,
		 uint64_t (*get)(const struct cp_snapshot_data *, uint16_t))
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL)
		return;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (uint16_t w = 0; w < d->n_workers; w++)
		rte_tel_data_add_array_u64(a, get(d, w));
	if (rte_tel_data_add_dict_container(info, name, a, 0) != 0)
		rte_tel_data_free(a);
}

static uint64_t
w_rx(const struct cp_snapshot_data *d, uint16_t w)
{
	return d->workers[w].c[DP_C_rx_packets];
}

static uint64_t
w_tx(const struct cp_snapshot_data *d, uint16_t w)
{
	return d->workers[w].c[DP_C_tx_packets];
}

static uint64_t
w_to_peer(const struct cp_snapshot_data *d, uint16_t w)
{
	return dp_stats_relayed(&d->workers[w], DP_DIR_TO_PEER);
}

static uint64_t
w_to_client(const struct cp_snapshot_data *d, uint16_t w)
{
	return dp_stats_relayed(&d->workers[w], DP_DIR_TO_CLIENT);
}

static uint64_t
w_dropped(const struct cp_snapshot_data *d, uint16_t w)
{
	return dp_stats_dropped(&d->workers[w]);
}

static uint64_t
w_handoffs(const struct cp_snapshot_data *d, uint16_t w)
{
	return d->workers[w].c[DP_C_handoff_out];
}

static uint64_t
w_busy(const struct cp_snapshot_data *d, uint16_t w)
{
	return d->busy_cycles[w];
}

static int
cmd_workers(const char *cmd, const char *params, struct rte_tel_data *info)
{
	struct cp_snapshot_data *d;
	char *end;
	unsigned long w;

	(void)cmd;
	d = snapshot_copy();
	if (d == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(info);
	if (params != NULL && params[0] != '\0') {
		errno = 0;
		w = strtoul(params, &end, 10);
		if (errno != 0 || *end != '\0' || w >= d->n_workers) {
			free(d);
			return -EINVAL;
		}
		rte_tel_data_add_dict_u64(info, "worker", w);
		rte_tel_data_add_dict_u64(info, "busy_cycles", d->busy_cycles[w]);
		add_counters(info, &d->workers[w]);
		free(d);
		return 0;
	}
	rte_tel_data_add_dict_u64(info, "workers", d->n_workers);
	add_worker_array(info, "rx_packets", d, w_rx);
	add_worker_array(info, "tx_packets", d, w_tx);
	add_worker_array(info, "relayed_to_peer", d, w_to_peer);
	add_worker_array(info, "relayed_to_client", d, w_to_client);
	add_worker_array(info, "dropped", d, w_dropped);
	add_worker_array(info, "handoffs", d, w_handoffs);
	add_worker_array(info, "busy_cycles", d, w_busy);
	free(d);
	return 0;
}

static int
cmd_allocations(const char *cmd, const char *params, struct rte_tel_data *info)
{
	struct cp_snapshot_data *d = snapshot_copy();
	struct rte_tel_data *list;
	char line[RTE_TEL_MAX_STRING_LEN];
	char client[TP_ADDR_STRLEN], relay[TP_ADDR_STRLEN];

	(void)cmd;
	(void)params;
	if (d == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(info);
	rte_tel_data_add_dict_u64(info, "allocations", d->turn.allocs_live);
	rte_tel_data_add_dict_u64(info, "draining", d->draining ? 1 : 0);
	rte_tel_data_add_dict_u64(info, "udp",
				  d->turn.allocs_by_transport[TP_TRANSPORT_UDP]);
	rte_tel_data_add_dict_u64(info, "tcp",
				  d->turn.allocs_by_transport[TP_TRANSPORT_TCP]);
	rte_tel_data_add_dict_u64(info, "tls",
				  d->turn.allocs_by_transport[TP_TRANSPORT_TLS]);
	rte_tel_data_add_dict_u64(info, "listed", d->n_listed);
	list = rte_tel_data_alloc();
	if (list != NULL) {
		rte_tel_data_start_array(list, RTE_TEL_STRING_VAL);
		for (uint32_t i = 0; i < d->n_listed; i++) {
			const struct cp_snapshot_alloc *a = &d->allocs[i];

			/* A line as turnpike-admin's listing has it, cut to
			 * what telemetry takes. */
			snprintf(line, sizeof(line),
				 "user=%s client=%s transport=%s relay=%s "
				 "worker=%u expires_in_s=%u",
				 a->user,
				 tp_addr_format(&a->client, client,
						sizeof(client)),
				 tp_transport_name(a->transport),
				 tp_addr_format(&a->relay, relay, sizeof(relay)),
				 a->worker, a->expires_in_s);
			rte_tel_data_add_array_string(list, line);
		}
		if (rte_tel_data_add_dict_container(info, "list", list, 0) != 0)
			rte_tel_data_free(list);
	}
	free(d);
	return 0;
}

int
turnpike_telemetry_register(struct cp_snapshot *snap)
{
	int rc;

	g_snap = snap;
	rc = rte_telemetry_register_cmd("/turnpike/stats", cmd_stats,
					"turnpike: allocations, relayed and "
					"dropped totals, every fast-path counter");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/turnpike/workers", cmd_workers,
						"turnpike: main counters per "
						"worker. Parameter: a worker "
						"for all of its counters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/turnpike/allocations",
						cmd_allocations,
						"turnpike: allocations by "
						"transport, the first listed");
	return rc;
}
