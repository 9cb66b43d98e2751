/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * uclient-tls-split: an LD_PRELOAD shim for coturn's turnutils_uclient, so
 * that it counts what a server sends it over TLS.  relay-bench loads it
 * into uclient for every TCP and TLS run, against turnpike and coturn
 * alike; it changes nothing but how uclient's SSL_read calls are cut.
 *
 * Why: uclient takes each SSL_read as one TURN message.  Over plain TCP it
 * frames the stream itself (a peek, then the message's length), but over
 * TLS it hands whatever one read returns, at most one TLS record, to its
 * parser, which reads the first ChannelData message and drops the rest
 * without a word.  A server may put several messages in one record (RFC
 * 8656 section 12.5 asks nothing else of a stream): coturn does when its
 * output queues up, and uclient then reports the dropped ones as "lost"
 * although they arrived.
 *
 * What: SSL_read is wrapped.  What the real SSL_read returns is buffered
 * per connection and given out one message at a time: ChannelData is a
 * 4-byte header and its length padded to 4 (over TCP and TLS), a STUN
 * message 20 bytes and its length.  Bytes that are neither are handed out
 * as they come.  Ahead of a real read nothing is handed out that is not a
 * whole message, so a caller that reads until SSL_read fails (uclient
 * does) drains the buffer before it waits for the socket again.  SSL_free
 * drops the connection's buffer.
 *
 * At exit it prints to stderr how many reads the real SSL_read returned and
 * how many messages they held (relay_bench.py reads that line): more
 * messages than reads means the server put several in one record.  Single
 * threaded, like uclient.
 */
#define _GNU_SOURCE /* RTLD_NEXT */

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ssl_st; /* OpenSSL's SSL; only its address is used */

/* What we put in front of libssl's (same signatures as <openssl/ssl.h>). */
int SSL_read(struct ssl_st *ssl, void *out, int num);
void SSL_free(struct ssl_st *ssl);

#define SPLIT_CONNS 4096           /* open connections tracked, at most */
#define SPLIT_BUF (2 * 16384 + 64) /* two TLS records' plaintext and a bit */

struct split_conn {
	const struct ssl_st *ssl; /* NULL: free slot */
	size_t off, len;          /* buffered bytes: buf[off, off + len) */
	uint8_t *buf;
};

static struct split_conn conns[SPLIT_CONNS];
static unsigned long long n_reads, n_messages;
static int (*real_read)(struct ssl_st *, void *, int);
static void (*real_free)(struct ssl_st *);

static struct split_conn *
conn_get(const struct ssl_st *ssl, int create)
{
	size_t h = ((uintptr_t)ssl >> 4) % SPLIT_CONNS;

	for (size_t i = 0; i < SPLIT_CONNS; i++) {
		struct split_conn *c = &conns[(h + i) % SPLIT_CONNS];

		if (c->ssl == ssl)
			return c;
		if (c->ssl == NULL && create) {
			c->buf = malloc(SPLIT_BUF);
			if (c->buf == NULL)
				return NULL;
			c->ssl = ssl;
			c->off = c->len = 0;
			return c;
		}
	}
	return NULL;
}

/* Length of the message at the start of @p (@n bytes buffered): 0 when
 * it is not all there yet, @n when the bytes are no TURN framing we know. */
static size_t
message_len(const uint8_t *p, size_t n)
{
	size_t len;

	if (n < 4)
		return 0;
	len = (size_t)p[2] << 8 | p[3];
	if ((p[0] & 0xC0) == 0x40) /* ChannelData: 0x4000-0x7FFF */
		len = 4 + ((len + 3) & ~(size_t)3);
	else if ((p[0] & 0xC0) == 0x00) /* STUN */
		len += 20;
	else
		return n;
	return len <= n ? len : 0;
}

/* One message of @c, if a whole one is buffered, to @out. */
static int
give(struct split_conn *c, void *out, int num)
{
	size_t m = message_len(c->buf + c->off, c->len);

	if (m == 0)
		return 0;
	if (m > (size_t)num)
		m = (size_t)num;
	memcpy(out, c->buf + c->off, m);
	c->off += m;
	c->len -= m;
	n_messages++;
	return (int)m;
}

int
SSL_read(struct ssl_st *ssl, void *out, int num)
{
	struct split_conn *c;
	int rc;

	if (real_read == NULL)
		real_read = (int (*)(struct ssl_st *, void *,
				     int))dlsym(RTLD_NEXT, "SSL_read");
	c = conn_get(ssl, 1);
	if (c == NULL || num <= 0)
		return real_read(ssl, out, num);
	for (;;) {
		rc = give(c, out, num);
		if (rc > 0)
			return rc;
		/* Not a whole message: keep its start at the front, read more. */
		memmove(c->buf, c->buf + c->off, c->len);
		c->off = 0;
		if (c->len >= SPLIT_BUF) {
			/* longer than we hold: out as it is, the caller's problem */
			rc = (int)(c->len < (size_t)num ? c->len : (size_t)num);
			memcpy(out, c->buf, (size_t)rc);
			c->off = (size_t)rc;
			c->len -= (size_t)rc;
			return rc;
		}
		/* Its failure (want read, closed) is the caller's, with the
		 * error state SSL_get_error reports, as without us. */
		rc = real_read(ssl, c->buf + c->len, (int)(SPLIT_BUF - c->len));
		if (rc <= 0)
			return rc;
		n_reads++;
		c->len += (size_t)rc;
	}
}

void
SSL_free(struct ssl_st *ssl)
{
	struct split_conn *c = conn_get(ssl, 0);

	if (real_free == NULL)
		real_free =
			(void (*)(struct ssl_st *))dlsym(RTLD_NEXT, "SSL_free");
	if (c != NULL) {
		free(c->buf);
		memset(c, 0, sizeof(*c));
	}
	real_free(ssl);
}

__attribute__((destructor)) static void
split_report(void)
{
	if (n_reads > 0)
		fprintf(stderr,
			"uclient-tls-split: %llu TLS reads held %llu messages\n",
			n_reads, n_messages);
}
