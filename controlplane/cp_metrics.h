/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Prometheus text exposition (format 0.0.4) of a snapshot
 * (cp_metrics.c): what `/metrics` serves (cp_metrics_http.h).  Names follow
 * Prometheus practice: prefix `turnpike_`, base units, `_total` on
 * counters.  The families, one HELP and TYPE each:
 *
 *   turnpike_build_info{version}                       gauge, 1
 *   turnpike_start_time_seconds                        gauge
 *   turnpike_draining                                  gauge, 0 or 1
 *   turnpike_allocations{transport}                    gauge
 *   turnpike_allocations_created_total                 counter
 *   turnpike_relayed_packets_total{direction,worker}   counter
 *   turnpike_relayed_bytes_total{direction,worker}     counter
 *   turnpike_dropped_packets_total{reason}             counter
 *   turnpike_handoffs_total                            counter
 *   turnpike_auth_total{method,result}                 counter
 *   turnpike_allocate_duration_seconds                 histogram
 *   turnpike_requests_total{method}                    counter
 *   turnpike_responses_total{code}                     counter
 *   turnpike_worker_busy_cycles_total{worker}          counter
 *
 * direction is to_peer or to_client; worker the worker's index; reason a
 * fast-path drop reason (turnpike/dp_counters.h); method long_term, rest,
 * oauth or unknown, result ok, 400, 401 or 438 (turn_server.h); code the
 * STUN code answered, "success" for a success response.  Pure code.
 */
#ifndef TURNPIKE_CP_METRICS_H
#define TURNPIKE_CP_METRICS_H

#include <stddef.h>

#include "cp_snapshot.h"

/** What the snapshot does not hold. */
struct cp_metrics_info {
	const char *version; /**< the build's version */
	double start_time_s; /**< when the process started, Unix seconds */
};

/**
 * Write @p d as Prometheus text into @p buf (@p cap bytes, NUL-terminated
 * when it fits).  @return the length needed, as snprintf(), or -1.
 */
int cp_metrics_render(const struct cp_snapshot_data *d,
		      const struct cp_metrics_info *info, char *buf, size_t cap);

#endif /* TURNPIKE_CP_METRICS_H */
