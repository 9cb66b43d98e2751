/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the configuration file and what start-up builds from
 * it.  One input = one file, read by tp_config_load() from a memfd (so
 * NUL bytes, long lines and CRLF reach the reader as they would from a
 * disk), then, when it is accepted, cp_setup_build() with one and with
 * three workers, cp_setup_stream_params(), tp_config_dump() to /dev/null,
 * and everything freed.
 *
 * Invariants: a refusal comes with a message naming the file
 * ("fuzz.conf:" or the /proc path) and leaves nothing owned; an accepted
 * file builds or is refused with a message, never a crash.  ASan and LSan
 * catch leaks of either path; UBSan the arithmetic.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "cp_log.h"
#include "cp_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Build the objects from @cfg with @n_workers and free them again. */
static void
fz_build(const struct tp_config *cfg, uint16_t n_workers)
{
	struct cp_objects obj;
	struct stream_params sp;
	char err[512] = "";

	memset(&obj, 0, sizeof(obj));
	if (cp_setup_build(&obj, cfg, n_workers, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort(); /* a refusal must say why */
		return;
	}
	memset(&sp, 0, sizeof(sp));
	(void)cp_setup_stream_params(&sp, &obj, cfg, NULL, err, sizeof(err));
	cp_setup_free(&obj);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct tp_config cfg;
	char path[64], err[1024] = "";
	int fd, rc;

	if (devnull == NULL) {
		cp_log_set_level(CP_LOG_ERROR);
		devnull = fopen("/dev/null", "w");
		if (devnull == NULL)
			abort();
	}
	fd = memfd_create("fuzz.conf", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = tp_config_load(&cfg, path, err, sizeof(err));
	close(fd);
	if (rc != 0) {
		if (strncmp(err, path, strlen(path)) != 0)
			abort(); /* errors name the file */
		if (cfg.file != NULL || cfg.warnings != NULL ||
		    cfg.relay_ips.n != 0)
			abort(); /* a refused file leaves nothing owned */
		tp_config_free(&cfg);
		return 0;
	}
	tp_config_dump(&cfg, devnull);
	fz_build(&cfg, 1);
	fz_build(&cfg, 3);
	tp_config_free(&cfg);
	return 0;
}
