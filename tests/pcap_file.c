/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture file reader for tests (see pcap_file.h).  Runs in test programs
 * only; owns the file buffer it reads.
 *
 * Two layers: the container (classic pcap records, or pcapng blocks of
 * which only SHB, IDB, EPB and SPB matter) yields frames with a link type;
 * the frame parser peels the link header, IPv4 or IPv6, and UDP.  Both
 * check every length they read against what is actually there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap_file.h"

enum {
	PCAP_MAGIC_USEC = 0xA1B2C3D4u,
	PCAP_MAGIC_NSEC = 0xA1B23C4Du,
	PCAPNG_SHB = 0x0A0D0D0Au,
	PCAPNG_IDB = 1,
	PCAPNG_SPB = 3,
	PCAPNG_EPB = 6,
	PCAPNG_BYTE_ORDER = 0x1A2B3C4Du,
	PCAP_HEADER_LEN = 24,
	PCAP_RECORD_LEN = 16,
};

/* Link types (tcpdump.org/linktypes.html). */
enum {
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_RAW = 101,
	LINKTYPE_LINUX_SLL = 113,
	LINKTYPE_IPV4 = 228,
	LINKTYPE_IPV6 = 229,
	LINKTYPE_LINUX_SLL2 = 276,
};

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint32_t
bswap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xFF00) | (v << 8 & 0xFF0000) | v << 24;
}

/* A 32-bit field in the file's byte order (little-endian unless swap). */
static uint32_t
f32(const struct pcap_file *f, const uint8_t *p)
{
	return f->swap ? bswap32(le32(p)) : le32(p);
}

static uint16_t
f16(const struct pcap_file *f, const uint8_t *p)
{
	return f->swap ? be16(p) : (uint16_t)(p[0] | p[1] << 8);
}

int
pcap_file_open(struct pcap_file *f, const char *path)
{
	FILE *fp;
	long size;
	uint32_t magic;

	memset(f, 0, sizeof(*f));
	fp = fopen(path, "rb");
	if (fp == NULL)
		return -errno;
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return -EIO;
	}
	f->data = malloc(size > 0 ? (size_t)size : 1);
	if (f->data == NULL) {
		fclose(fp);
		return -ENOMEM;
	}
	f->len = fread(f->data, 1, (size_t)size, fp);
	fclose(fp);
	if (f->len != (size_t)size || f->len < 12)
		goto bad;

	magic = le32(f->data);
	if (magic == PCAPNG_SHB) {
		f->ng = true; /* the SHB is read as the first block */
		return 0;
	}
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC)
		f->swap = false;
	else if (bswap32(magic) == PCAP_MAGIC_USEC ||
		 bswap32(magic) == PCAP_MAGIC_NSEC)
		f->swap = true;
	else
		goto bad;
	if (f->len < PCAP_HEADER_LEN || f16(f, f->data + 4) != 2)
		goto bad;
	f->linktype = f32(f, f->data + 20);
	f->off = PCAP_HEADER_LEN;
	return 0;
bad:
	pcap_file_close(f);
	return -EINVAL;
}

void
pcap_file_close(struct pcap_file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}

/* ---- frames: link, IP, UDP ---- */

/* Parse UDP in an IP payload of @len bytes.  1 = UDP, -EINVAL = bad. */
static int
parse_udp(const uint8_t *p, size_t len, struct pcap_udp *u)
{
	uint16_t ulen;

	if (len < 8)
		return -EINVAL;
	ulen = be16(p + 4);
	if (ulen < 8 || ulen > len)
		return -EINVAL;
	u->src.port = be16(p);
	u->dst.port = be16(p + 2);
	u->payload = p + 8;
	u->len = ulen - 8u;
	return 1;
}

/* IPv4 or IPv6 at @p.  1 = UDP found, 0 = something else, <0 = bad. */
static int
parse_ip(const uint8_t *p, size_t len, struct pcap_udp *u)
{
	if (len < 1)
		return -EINVAL;
	if (p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 0x0F) * 4;
		uint16_t total;

		if (len < 20 || ihl < 20 || ihl > len)
			return -EINVAL;
		total = be16(p + 2);
		if (total < ihl || total > len)
			return -EINVAL;
		/* a fragment (MF set or an offset) is not a whole datagram */
		if (p[9] != 17 || (be16(p + 6) & 0x3FFF) != 0)
			return 0;
		memset(&u->src.ip, 0, sizeof(u->src.ip));
		memset(&u->dst.ip, 0, sizeof(u->dst.ip));
		u->src.ip.family = u->dst.ip.family = TP_AF_INET;
		memcpy(u->src.ip.bytes, p + 12, 4);
		memcpy(u->dst.ip.bytes, p + 16, 4);
		return parse_udp(p + ihl, total - ihl, u);
	}
	if (p[0] >> 4 == 6) {
		uint16_t plen;

		if (len < 40)
			return -EINVAL;
		plen = be16(p + 4);
		if ((size_t)plen > len - 40)
			return -EINVAL;
		if (p[6] != 17) /* extension headers: not handled, skipped */
			return 0;
		u->src.ip.family = u->dst.ip.family = TP_AF_INET6;
		memcpy(u->src.ip.bytes, p + 8, 16);
		memcpy(u->dst.ip.bytes, p + 24, 16);
		return parse_udp(p + 40, plen, u);
	}
	return -EINVAL;
}

/* An EtherType and what follows it. */
static int
parse_ethertype(uint16_t type, const uint8_t *p, size_t len, struct pcap_udp *u)
{
	/* 802.1Q / 802.1ad tags: 2 bytes TCI, 2 bytes inner type */
	while (type == 0x8100 || type == 0x88A8) {
		if (len < 4)
			return -EINVAL;
		type = be16(p + 2);
		p += 4;
		len -= 4;
	}
	if (type != 0x0800 && type != 0x86DD)
		return 0;
	return parse_ip(p, len, u);
}

static int
parse_frame(uint32_t linktype, const uint8_t *p, size_t len, struct pcap_udp *u)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		if (len < 14)
			return -EINVAL;
		return parse_ethertype(be16(p + 12), p + 14, len - 14, u);
	case LINKTYPE_LINUX_SLL: /* 16 bytes, protocol last */
		if (len < 16)
			return -EINVAL;
		return parse_ethertype(be16(p + 14), p + 16, len - 16, u);
	case LINKTYPE_LINUX_SLL2: /* 20 bytes, protocol first */
		if (len < 20)
			return -EINVAL;
		return parse_ethertype(be16(p), p + 20, len - 20, u);
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return parse_ip(p, len, u);
	default:
		return -ENOTSUP;
	}
}

/* ---- containers ---- */

/* Next classic record: 1 with the frame, 0 at the end, <0 if bad. */
static int
next_classic(struct pcap_file *f, const uint8_t **frame, size_t *caplen,
	     uint32_t *linktype)
{
	uint32_t incl, orig;

	if (f->off == f->len)
		return 0;
	if (f->len - f->off < PCAP_RECORD_LEN)
		return -EINVAL;
	incl = f32(f, f->data + f->off + 8);
	orig = f32(f, f->data + f->off + 12);
	if (incl > f->len - f->off - PCAP_RECORD_LEN || incl > orig)
		return -EINVAL;
	*frame = f->data + f->off + PCAP_RECORD_LEN;
	*caplen = incl;
	*linktype = f->linktype;
	f->off += PCAP_RECORD_LEN + incl;
	return 1;
}

/* Read a Section Header Block's byte order; resets the interfaces. */
static int
read_shb(struct pcap_file *f, const uint8_t *b, size_t avail)
{
	uint32_t bom;

	if (avail < 28)
		return -EINVAL;
	bom = le32(b + 8);
	if (bom == PCAPNG_BYTE_ORDER)
		f->swap = false;
	else if (bswap32(bom) == PCAPNG_BYTE_ORDER)
		f->swap = true;
	else
		return -EINVAL;
	if (f16(f, b + 12) != 1) /* major version */
		return -EINVAL;
	f->n_if = 0;
	return 0;
}

/*
 * A pcapng block at f->off of @blen bytes (already checked): 1 with a
 * frame, 0 if the block holds none, <0 if bad.
 */
static int
ng_block(struct pcap_file *f, uint32_t type, const uint8_t *b, uint32_t blen,
	 const uint8_t **frame, size_t *caplen, uint32_t *linktype)
{
	uint32_t body = blen - 12, ifid, cap;

	switch (type) {
	case PCAPNG_IDB:
		if (body < 8 || f->n_if >= PCAP_FILE_MAX_IF)
			return -EINVAL;
		f->if_linktype[f->n_if] = f16(f, b + 8);
		f->if_snaplen[f->n_if] = f32(f, b + 12);
		f->n_if++;
		return 0;
	case PCAPNG_EPB:
		if (body < 20)
			return -EINVAL;
		ifid = f32(f, b + 8);
		cap = f32(f, b + 20);
		if (ifid >= f->n_if || cap > body - 20 || cap > f32(f, b + 24))
			return -EINVAL;
		*frame = b + 28;
		*caplen = cap;
		*linktype = f->if_linktype[ifid];
		return 1;
	case PCAPNG_SPB:
		if (body < 4 || f->n_if == 0)
			return -EINVAL;
		cap = f32(f, b + 8); /* original length */
		if (f->if_snaplen[0] != 0 && cap > f->if_snaplen[0])
			cap = f->if_snaplen[0];
		if (cap > body - 4)
			return -EINVAL;
		*frame = b + 12;
		*caplen = cap;
		*linktype = f->if_linktype[0];
		return 1;
	default:
		return 0; /* statistics, name resolution, ...: skipped */
	}
}

/* Next pcapng frame: 1 with the frame, 0 at the end, <0 if bad. */
static int
next_ng(struct pcap_file *f, const uint8_t **frame, size_t *caplen,
	uint32_t *linktype)
{
	for (;;) {
		const uint8_t *b = f->data + f->off;
		size_t avail = f->len - f->off;
		uint32_t type, blen;
		int rc;

		if (avail == 0)
			return 0;
		if (avail < 12)
			return -EINVAL;
		type = le32(b);
		if (type == PCAPNG_SHB && read_shb(f, b, avail) != 0)
			return -EINVAL;
		type = f32(f, b);
		blen = f32(f, b + 4);
		if (blen < 12 || blen % 4 != 0 || blen > avail ||
		    f32(f, b + blen - 4) != blen)
			return -EINVAL;
		rc = type == PCAPNG_SHB ?
			     0 :
			     ng_block(f, type, b, blen, frame, caplen, linktype);
		f->off += blen;
		if (rc != 0)
			return rc;
	}
}

int
pcap_file_next_udp(struct pcap_file *f, struct pcap_udp *u)
{
	for (;;) {
		const uint8_t *frame = NULL;
		size_t caplen = 0;
		uint32_t linktype = 0;
		int rc;

		rc = f->ng ? next_ng(f, &frame, &caplen, &linktype) :
			     next_classic(f, &frame, &caplen, &linktype);
		if (rc <= 0)
			return rc;
		f->frame++;
		memset(u, 0, sizeof(*u));
		u->frame = f->frame;
		rc = parse_frame(linktype, frame, caplen, u);
		if (rc != 0)
			return rc;
	}
}
