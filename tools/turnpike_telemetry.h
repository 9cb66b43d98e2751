/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The turnpike server's DPDK telemetry commands (turnpike_telemetry.c), so
 * `dpdk-telemetry.py -f PREFIX` and DPDK's Prometheus exporter see the
 * figures `turnpike-admin stats` shows:
 *
 *   /turnpike/stats        a dictionary: allocations (and by transport),
 *                          draining (0 or 1), relayed_to_peer, relayed_to_client, dropped,
 *                          handoffs, then every fast-path counter and
 *                          every drop reason (drop_<reason>)
 *   /turnpike/workers      one array per main counter, a value per worker;
 *                          /turnpike/workers,N every counter of worker N
 *   /turnpike/allocations  count, by transport, and the first
 *                          CP_SNAPSHOT_ALLOCS as lines
 *
 * The callbacks run on DPDK's telemetry thread and read only the control
 * loop's published snapshot (cp_snapshot.h).
 */
#ifndef TURNPIKE_TOOLS_TURNPIKE_TELEMETRY_H
#define TURNPIKE_TOOLS_TURNPIKE_TELEMETRY_H

#include "cp_snapshot.h"

/**
 * Register the commands, reading @p snap (which must outlive the process's
 * telemetry: DPDK offers no way to unregister).  @return 0 or -errno.
 */
int turnpike_telemetry_register(struct cp_snapshot *snap);

#endif /* TURNPIKE_TOOLS_TURNPIKE_TELEMETRY_H */
