/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify(3) for turnpike (see service_notify.h).  Main lcore only.
 *
 * sd_notify() itself returns 0 without $NOTIFY_SOCKET; the check up front
 * only spares the formatting.  unset_environment is 0: EAL's threads and
 * the stream thread do not notify, and keeping the variable lets a
 * re-executed process notify too.  The datagram is sent with sendmsg(2) on
 * a fresh socket each time, so a call costs a few microseconds: fine for
 * the control loop's few status lines a minute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "cp_log.h"
#include "service_notify.h"

bool
service_notify_enabled(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s != NULL && s[0] != '\0';
}

/* One message; a failure is logged once, as a warning (systemd decides). */
static void
notify(const char *msg)
{
	static bool warned;
	int rc;

	if (!service_notify_enabled())
		return;
	rc = sd_notify(0, msg);
	if (rc < 0 && !warned) {
		warned = true;
		cp_log(CP_LOG_WARN, "service.notify", "error=%d", -rc);
	}
}

void
service_notify_ready(const char *status)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld\nSTATUS=%s",
		 (long)getpid(), status != NULL ? status : "running");
	notify(msg);
	if (service_notify_enabled())
		cp_log(CP_LOG_INFO, "service.ready", "notified=1");
}

void
service_notify_allocations(void *arg, uint32_t allocations)
{
	char msg[96];

	(void)arg;
	snprintf(msg, sizeof(msg), "STATUS=running allocations=%u", allocations);
	notify(msg);
}

void
service_notify_stopping(void *arg)
{
	(void)arg;
	notify("STOPPING=1\nSTATUS=stopping: ending allocations");
}
