/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcap writer (format in gen_pcap.h).  Runs on the generator's main
 * lcore once set-up is done (--pcap-out), and in unit tests; owns the
 * FILE it opens.
 */
#include <errno.h>
#include <string.h>

#include "gen_pcap.h"

static void
put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static int
write_all(struct gen_pcap *p, const void *buf, size_t len)
{
	if (p->err != 0)
		return p->err;
	if (len > 0 && fwrite(buf, 1, len, p->f) != len)
		p->err = errno != 0 ? -errno : -EIO;
	return p->err;
}

int
gen_pcap_open_stream(struct gen_pcap *p, FILE *f)
{
	uint8_t h[GEN_PCAP_GLOBAL_HDR_LEN];

	memset(p, 0, sizeof(*p));
	if (f == NULL)
		return -EINVAL;
	p->f = f;
	put_le32(h, GEN_PCAP_MAGIC);
	put_le16(h + 4, GEN_PCAP_VERSION_MAJOR);
	put_le16(h + 6, GEN_PCAP_VERSION_MINOR);
	put_le32(h + 8, 0);  /* thiszone: timestamps are UTC */
	put_le32(h + 12, 0); /* sigfigs */
	put_le32(h + 16, GEN_PCAP_SNAPLEN);
	put_le32(h + 20, GEN_PCAP_LINKTYPE_ETHERNET);
	return write_all(p, h, sizeof(h));
}

int
gen_pcap_open(struct gen_pcap *p, const char *path)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL) {
		memset(p, 0, sizeof(*p));
		return -errno;
	}
	rc = gen_pcap_open_stream(p, f);
	p->close_f = 1;
	return rc;
}

int
gen_pcap_write(struct gen_pcap *p, const uint8_t *frame, uint32_t len,
	       uint64_t ts_ns)
{
	uint8_t h[GEN_PCAP_RECORD_HDR_LEN];
	uint32_t incl = len > GEN_PCAP_SNAPLEN ? GEN_PCAP_SNAPLEN : len;

	put_le32(h, (uint32_t)(ts_ns / 1000000000u));
	put_le32(h + 4, (uint32_t)(ts_ns % 1000000000u / 1000u));
	put_le32(h + 8, incl);
	put_le32(h + 12, len);
	if (write_all(p, h, sizeof(h)) != 0 || write_all(p, frame, incl) != 0)
		return p->err;
	p->frames++;
	return 0;
}

int
gen_pcap_close(struct gen_pcap *p)
{
	int rc = p->err;

	if (p->f == NULL)
		return rc;
	if (fflush(p->f) != 0 && rc == 0)
		rc = -errno;
	if (p->close_f && fclose(p->f) != 0 && rc == 0)
		rc = -errno;
	p->f = NULL;
	return rc;
}
