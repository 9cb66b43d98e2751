/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * push-load: a registration storm against turnpike's credential push API
 * (controlplane/push_http.h), for tools/bench/push-bench.
 *
 *   push-load --url https://127.0.0.1:9443 --cacert CA --cert C --key K
 *             [--connections N] [--count M] [--lifetime S] [--prefix P]
 *             [--http2]
 *
 * M POST /v1/credentials, each a new user "P-<i>", N at a time (libcurl's
 * multi interface on one thread; as soon as one is answered the next
 * goes).  HTTP/1.1: N keep-alive connections, one request in flight on
 * each.  --http2: the N requests in flight are streams multiplexed over
 * one connection.  Prints one JSON line:
 * how many were answered 201, how many were not, the wall time, the rate
 * and latency percentiles, and the TLS connections made (a figure above N
 * means connections were not kept alive).
 *
 * Why libcurl: a well-kept HTTP client on OpenSSL in Debian, with
 * keep-alive and a non-blocking multi interface, so one thread drives many
 * connections.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define BODY_MAX 256

struct opts {
	const char *url, *cacert, *cert, *key, *prefix;
	long connections;
	long count;
	long lifetime;
	bool http2;
};

/* One connection's request in flight. */
struct slot {
	CURL *easy;
	char body[BODY_MAX];
	char errbuf[CURL_ERROR_SIZE];
	uint64_t start_ns;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The answer's body is not needed: count it away. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: push-load --url URL --cacert CA --cert CERT --key KEY\n"
		"       [--connections N (16)] [--count M (20000)]\n"
		"       [--lifetime S (3600)] [--prefix P (storm)] [--http2]\n");
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "cacert", required_argument, NULL, 'a' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "connections", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'm' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "http2", no_argument, NULL, '2' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .connections = 16,
			    .count = 20000,
			    .lifetime = 3600,
			    .prefix = "storm" };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		char *end = NULL;
		long v = 0;

		if (c == 'n' || c == 'm' || c == 'l') {
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 100000000) {
				fprintf(stderr, "push-load: bad number '%s'\n",
					optarg);
				return -1;
			}
		}
		switch (c) {
		case 'u':
			o->url = optarg;
			break;
		case 'a':
			o->cacert = optarg;
			break;
		case 'c':
			o->cert = optarg;
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'n':
			o->connections = v;
			break;
		case 'm':
			o->count = v;
			break;
		case 'l':
			o->lifetime = v;
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case '2':
			o->http2 = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (o->url == NULL || o->cacert == NULL || o->cert == NULL ||
	    o->key == NULL) {
		usage(stderr);
		return -1;
	}
	if (o->connections > o->count)
		o->connections = o->count;
	return 0;
}

/* Put request @p i on @p s's handle. */
static void
slot_arm(struct slot *s, const struct opts *o, long i)
{
	snprintf(s->body, sizeof(s->body),
		 "{\"username\":\"%s-%ld\",\"password\":\"pw-%ld-%08lx\","
		 "\"lifetime\":%ld}",
		 o->prefix, i, i, (unsigned long)(i * 2654435761ul), o->lifetime);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
	s->start_ns = now_ns();
}

static CURL *
easy_new(const struct opts *o, struct slot *s, struct curl_slist *hdrs, char *url)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return NULL;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(e, CURLOPT_SSLCERT, o->cert);
	curl_easy_setopt(e, CURLOPT_SSLKEY, o->key);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
			 o->http2 ? CURL_HTTP_VERSION_2TLS :
				    CURL_HTTP_VERSION_1_1);
	/* HTTP/2: wait for the one connection rather than open more. */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, o->http2 ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(e, CURLOPT_PRIVATE, s);
	return e;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct slot *slots;
	struct curl_slist *hdrs = NULL;
	CURLM *multi;
	uint64_t *lat, t0, t1;
	long next = 0, done = 0, ok = 0, failed = 0, connects = 0;
	char url[1024], first_error[CURL_ERROR_SIZE + 64] = "";
	int running = 0;

	if (parse(argc, argv, &o) != 0)
		return 2;
	snprintf(url, sizeof(url), "%s/v1/credentials", o.url);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	slots = calloc((size_t)o.connections, sizeof(*slots));
	lat = calloc((size_t)o.count, sizeof(*lat));
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (multi == NULL || slots == NULL || lat == NULL || hdrs == NULL) {
		fprintf(stderr, "push-load: no memory\n");
		return 1;
	}
	/* HTTP/1.1: one connection per slot, never more; HTTP/2: one. */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  o.http2 ? 1L : o.connections);
	curl_multi_setopt(multi, CURLMOPT_PIPELINING,
			  o.http2 ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
	curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, o.connections);
	t0 = now_ns();
	for (long i = 0; i < o.connections; i++) {
		slots[i].easy = easy_new(&o, &slots[i], hdrs, url);
		if (slots[i].easy == NULL) {
			fprintf(stderr, "push-load: no memory\n");
			return 1;
		}
		slot_arm(&slots[i], &o, next++);
		curl_multi_add_handle(multi, slots[i].easy);
	}
	while (done < o.count) {
		CURLMsg *m;
		int left;

		if (curl_multi_perform(multi, &running) != CURLM_OK)
			break;
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct slot *s;
			long code = 0, conns = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					  (char **)&s);
			curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
			curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &conns);
			connects += conns;
			lat[done++] = now_ns() - s->start_ns;
			if (m->data.result == CURLE_OK && code == 201) {
				ok++;
			} else {
				failed++;
				if (first_error[0] == '\0')
					snprintf(first_error, sizeof(first_error),
						 "HTTP %ld: %s", code,
						 m->data.result == CURLE_OK ?
							 "unexpected status" :
							 s->errbuf);
			}
			curl_multi_remove_handle(multi, s->easy);
			if (next < o.count) {
				slot_arm(s, &o, next++);
				curl_multi_add_handle(multi, s->easy);
			}
		}
		if (done < o.count &&
		    curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
			break;
	}
	t1 = now_ns();
	/* The message goes into a JSON string: no quote may end it early. */
	for (char *c = first_error; *c != '\0'; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '?';
	qsort(lat, (size_t)done, sizeof(*lat), cmp_u64);
	{
		double secs = (double)(t1 - t0) / 1e9;
		uint64_t p50 = done > 0 ? lat[done / 2] : 0;
		uint64_t p99 = done > 0 ? lat[done * 99 / 100] : 0;
		uint64_t max = done > 0 ? lat[done - 1] : 0;

		printf("{\"pushes\":%ld,\"created\":%ld,\"failed\":%ld,"
		       "\"http\":\"%s\",\"in_flight\":%ld,\"tls_connects\":%ld,"
		       "\"seconds\":%.3f,\"pushes_per_s\":%.0f,"
		       "\"latency_us\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64
		       ",\"max\":%" PRIu64 "},\"first_error\":\"%s\"}\n",
		       done, ok, failed, o.http2 ? "2" : "1.1", o.connections,
		       connects, secs, secs > 0 ? (double)ok / secs : 0.0,
		       p50 / 1000, p99 / 1000, max / 1000, first_error);
	}
	for (long i = 0; i < o.connections; i++) {
		curl_multi_remove_handle(multi, slots[i].easy);
		curl_easy_cleanup(slots[i].easy);
	}
	curl_multi_cleanup(multi);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	free(slots);
	free(lat);
	return done == o.count && failed == 0 ? 0 : 1;
}
