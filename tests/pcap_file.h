/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A tiny capture file reader for tests: classic pcap and pcapng, either
 * byte order, link types Ethernet (with VLAN tags), Linux cooked capture
 * (SLL and SLL2) and raw IP; IPv4 and IPv6; UDP only.  Every length in the
 * file and in the headers is checked before use.  Test-support code: it
 * reads the whole file into memory.
 */
#ifndef TURNPIKE_TESTS_PCAP_FILE_H
#define TURNPIKE_TESTS_PCAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "turnpike/addr.h"

/** Most interfaces a pcapng section may describe. */
#define PCAP_FILE_MAX_IF 16

/** An open capture file. */
struct pcap_file {
	uint8_t *data; /**< the whole file */
	size_t len;
	size_t off;        /**< next record or block */
	bool ng;           /**< pcapng (else classic pcap) */
	bool swap;         /**< file byte order differs from ours */
	uint32_t linktype; /**< classic pcap: the file's link type */
	uint32_t n_if;     /**< pcapng: interfaces in this section */
	uint32_t if_linktype[PCAP_FILE_MAX_IF];
	uint32_t if_snaplen[PCAP_FILE_MAX_IF];
	uint32_t frame; /**< frames read so far (all kinds) */
};

/** One UDP datagram found in the capture. */
struct pcap_udp {
	uint32_t frame; /**< 1-based frame number, as tshark counts */
	struct tp_addr src;
	struct tp_addr dst;
	const uint8_t *payload; /**< inside the file buffer */
	size_t len;
};

/** Read @p path.  @return 0, or -errno (-EINVAL for a bad header). */
int pcap_file_open(struct pcap_file *f, const char *path);

/**
 * Next UDP datagram; frames of other protocols and IP fragments are
 * skipped.  @return 1 with @p u filled, 0 at the end, -EINVAL if the file
 * or a frame is malformed or truncated, -ENOTSUP for an unknown link type.
 */
int pcap_file_next_udp(struct pcap_file *f, struct pcap_udp *u);

/** Free the file. */
void pcap_file_close(struct pcap_file *f);

#endif /* TURNPIKE_TESTS_PCAP_FILE_H */
