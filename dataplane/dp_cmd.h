/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Applying the control plane's commands (dp_cmd.c), on the worker that
 * owns the command ring, between bursts.
 */
#ifndef TURNPIKE_DP_CMD_H
#define TURNPIKE_DP_CMD_H

#include "dp_worker.h"

/**
 * Apply every command queued on @p w's ring, in order, sending the frames
 * they queue before taking more.  A command that cannot be applied is
 * counted (drop cmd_failed); a delete always answers DP_EVT_ALLOC_END.
 */
void dp_cmd_drain(struct dp_worker *w);

#endif /* TURNPIKE_DP_CMD_H */
