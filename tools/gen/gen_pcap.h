/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A classic pcap writer (the libpcap file format, version 2.4, microsecond
 * timestamps, link type Ethernet), the format pktgen-dpdk, tcpreplay and
 * tshark all read.  Little-endian on every host, so a file is the same
 * bytes wherever it is written:
 *
 *     global header (24 bytes)
 *       magic 0xa1b2c3d4 | version 2.4 | thiszone 0 | sigfigs 0 |
 *       snaplen | linktype 1 (Ethernet)
 *     per frame (16 bytes + frame)
 *       ts_sec | ts_usec | incl_len | orig_len | frame bytes
 *
 * No allocation; runs on the generator's main lcore after set-up.
 */
#ifndef TURNPIKE_GEN_PCAP_H
#define TURNPIKE_GEN_PCAP_H

#include <stdint.h>
#include <stdio.h>

#define GEN_PCAP_MAGIC 0xa1b2c3d4u
#define GEN_PCAP_VERSION_MAJOR 2
#define GEN_PCAP_VERSION_MINOR 4
#define GEN_PCAP_LINKTYPE_ETHERNET 1
#define GEN_PCAP_SNAPLEN 65535
#define GEN_PCAP_GLOBAL_HDR_LEN 24
#define GEN_PCAP_RECORD_HDR_LEN 16

/** An open pcap file. */
struct gen_pcap {
	FILE *f;
	int close_f;     /**< close f in gen_pcap_close (we opened it) */
	uint64_t frames; /**< frames written */
	int err;         /**< first error (-errno), sticky */
};

/**
 * Create (truncate) @p path and write the global header.
 * @return 0 or -errno.
 */
int gen_pcap_open(struct gen_pcap *p, const char *path);

/**
 * Write the global header to an already open stream (left open by
 * gen_pcap_close).  @return 0 or -errno.
 */
int gen_pcap_open_stream(struct gen_pcap *p, FILE *f);

/**
 * Append one Ethernet frame of @p len bytes stamped @p ts_ns (ns since the
 * Unix epoch).  Frames longer than the snap length are cut (orig_len keeps
 * the real length).  @return 0 or -errno (also sticky in p->err).
 */
int gen_pcap_write(struct gen_pcap *p, const uint8_t *frame, uint32_t len,
		   uint64_t ts_ns);

/** Flush and close.  @return 0, or the first error of the file's life. */
int gen_pcap_close(struct gen_pcap *p);

#endif /* TURNPIKE_GEN_PCAP_H */
