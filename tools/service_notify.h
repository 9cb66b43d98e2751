/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Telling systemd how the server is doing (service_notify.c), for the
 * Type=notify unit tools/systemd/turnpike.service.in: READY=1 once every
 * port is open and the workers run, STATUS= lines while it runs,
 * STOPPING=1 when it begins to stop.  Through libsystemd's sd_notify(3),
 * which writes one datagram to the socket named by $NOTIFY_SOCKET; without
 * that variable (not started by systemd, or a unit of another Type) every
 * function here does nothing.  A failure to notify is never fatal: systemd
 * then times the start out, which is its own report.
 *
 * Main lcore (the control thread) only: start-up, the control loop's
 * occasional status, shutdown.  Process plumbing, not a decision, so it
 * lives beside main() in tools/ and the control plane reaches it only
 * through struct cp_loop's callbacks.
 */
#ifndef TURNPIKE_SERVICE_NOTIFY_H
#define TURNPIKE_SERVICE_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/** Whether a service manager listens ($NOTIFY_SOCKET is set). */
bool service_notify_enabled(void);

/**
 * The server is up: READY=1, with MAINPID (the process that systemd
 * watches is this one) and a first STATUS= line of @p status (may be
 * NULL).
 */
void service_notify_ready(const char *status);

/** STATUS=allocations=N ...: the control loop's occasional news. */
void service_notify_allocations(void *arg, uint32_t allocations);

/** STOPPING=1: the server ends its allocations and stops. */
void service_notify_stopping(void *arg);

#endif /* TURNPIKE_SERVICE_NOTIFY_H */
