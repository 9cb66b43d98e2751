/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The codec on real browser bytes: a capture of Chromium 156 relaying a
 * data channel through coturn 4.6.1 (see /work/shared/captures/README.md;
 * client 10.201.0.2, server 10.201.0.1:3478, long-term credentials alice /
 * secret / example.org).
 *
 * Every STUN message must decode; counts by method and class must match
 * what tshark sees; MESSAGE-INTEGRITY must verify on every message that
 * carries it; every message must rebuild byte for byte through the
 * builder; every ChannelData message must parse, on a channel that a
 * ChannelBind request asked for.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "pcap_file.h"
#include "turnpike/channel_data.h"
#include "turnpike/stun.h"

#define CAPTURE TP_SOURCE_ROOT "/tests/data/chromium-relay-via-coturn.pcap"
#define SERVER_PORT 3478
#define MAX_PACKETS 1024

/*
 * Expected figures, all from tshark 4.x on this file:
 *   tshark -r FILE -d udp.port==3478,stun -Y stun \
 *     -T fields -e stun.type.method -e stun.type.class | sort | uniq -c
 *   tshark ... -Y stun.channel | wc -l            (ChannelData: 196)
 *   tshark ... -Y 'stun.att.type==0x0008' | wc -l (MESSAGE-INTEGRITY: 12)
 *   tshark ... -Y 'stun.att.type==0x8028' | wc -l (FINGERPRINT: 0)
 *   capinfos FILE                                 (230 packets, pcapng)
 */
#define EXPECT_FRAMES 230
#define EXPECT_STUN 34
#define EXPECT_CHANNEL_DATA 196
#define EXPECT_WITH_MI 12
#define EXPECT_WITH_FP 0

struct expect_count {
	uint16_t method;
	uint8_t cls;
	int count;
};

static const struct expect_count expect_counts[] = {
	{ STUN_METHOD_BINDING, STUN_CLASS_REQUEST, 2 },
	{ STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, 2 },
	{ STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, 4 },
	{ STUN_METHOD_ALLOCATE, STUN_CLASS_SUCCESS, 2 },
	{ STUN_METHOD_ALLOCATE, STUN_CLASS_ERROR, 2 },
	{ STUN_METHOD_SEND, STUN_CLASS_INDICATION, 8 },
	{ STUN_METHOD_DATA, STUN_CLASS_INDICATION, 6 },
	{ STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, 2 },
	{ STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_SUCCESS, 2 },
	{ STUN_METHOD_CHANNEL_BIND, STUN_CLASS_REQUEST, 2 },
	{ STUN_METHOD_CHANNEL_BIND, STUN_CLASS_SUCCESS, 2 },
};

struct capture {
	struct pcap_file file;
	struct pcap_udp pkt[MAX_PACKETS];
	int n;
	uint8_t key[16]; /* MD5("alice:example.org:secret") */
};

static int
capture_load(void **state)
{
	static const char cred[] = "alice:example.org:secret";
	struct capture *c = calloc(1, sizeof(*c));
	unsigned int klen = 0;
	int rc;

	if (c == NULL)
		return -1;
	if (pcap_file_open(&c->file, CAPTURE) != 0) {
		fprintf(stderr, "cannot read %s\n", CAPTURE);
		free(c);
		return -1;
	}
	while ((rc = pcap_file_next_udp(&c->file, &c->pkt[c->n])) == 1)
		if (++c->n == MAX_PACKETS)
			break;
	if (rc < 0 || c->n == MAX_PACKETS ||
	    EVP_Digest(cred, strlen(cred), c->key, &klen, EVP_md5(), NULL) != 1)
		goto fail;
	*state = c;
	return 0;
fail:
	pcap_file_close(&c->file);
	free(c);
	return -1;
}

static int
capture_free(void **state)
{
	struct capture *c = *state;

	pcap_file_close(&c->file);
	free(c);
	return 0;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
test_capture_shape(void **state)
{
	struct capture *c = *state;
	int stun = 0, cd = 0;

	assert_int_equal(c->n, EXPECT_FRAMES);
	assert_int_equal(c->file.frame, EXPECT_FRAMES);
	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];

		assert_true(p->src.port == SERVER_PORT ||
			    p->dst.port == SERVER_PORT);
		if (stun_is_stun(p->payload, p->len))
			stun++;
		else if (channel_data_looks_like(p->payload, p->len))
			cd++;
		else
			fail_msg("frame %u: neither STUN nor ChannelData",
				 p->frame);
	}
	assert_int_equal(stun, EXPECT_STUN);
	assert_int_equal(cd, EXPECT_CHANNEL_DATA);
}

static void
test_decode_and_count(void **state)
{
	struct capture *c = *state;
	int counts[0x1000][4];
	int total = 0;

	memset(counts, 0, sizeof(counts));
	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		struct stun_msg msg;
		int rc;

		if (!stun_is_stun(p->payload, p->len))
			continue;
		rc = stun_msg_decode(&msg, p->payload, p->len);
		if (rc != STUN_OK)
			fail_msg("frame %u: %s", p->frame,
				 stun_decode_strerror(rc));
		assert_true(msg.method < 0x1000);
		counts[msg.method][msg.cls]++;
		total++;
		/* Chromium and coturn use no comprehension-required extras */
		assert_int_equal(msg.n_unknown, 0);
	}
	assert_int_equal(total, EXPECT_STUN);
	for (size_t i = 0; i < sizeof(expect_counts) / sizeof(expect_counts[0]);
	     i++) {
		const struct expect_count *e = &expect_counts[i];

		if (counts[e->method][e->cls] != e->count)
			fail_msg("%s class %u: %d, tshark says %d",
				 stun_method_name(e->method), e->cls,
				 counts[e->method][e->cls], e->count);
		total -= e->count;
	}
	assert_int_equal(total, 0); /* nothing tshark did not list */
}

static void
test_integrity(void **state)
{
	struct capture *c = *state;
	int with_mi = 0, with_fp = 0, challenges = 0;

	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		struct stun_msg msg;
		const char *reason;
		uint16_t code, rlen, len = 0;
		const uint8_t *v;

		if (!stun_is_stun(p->payload, p->len))
			continue;
		assert_int_equal(stun_msg_decode(&msg, p->payload, p->len),
				 STUN_OK);
		if (msg.mi_off != 0) {
			with_mi++;
			if (!stun_msg_check_integrity(&msg, c->key, 16))
				fail_msg("frame %u: MESSAGE-INTEGRITY", p->frame);
			/* a wrong key must fail */
			assert_false(stun_msg_check_integrity(&msg,
							      (const uint8_t *)"secret",
							      6));
		}
		if (msg.fp_off != 0) {
			with_fp++;
			assert_true(stun_msg_check_fingerprint(&msg));
		}
		/* requests carrying MI name the user */
		if (msg.mi_off != 0 && msg.cls == STUN_CLASS_REQUEST) {
			v = stun_msg_value(&msg, STUN_SLOT_USERNAME, &len);
			assert_non_null(v);
			assert_int_equal(len, 5);
			assert_memory_equal(v, "alice", 5);
		}
		/* the 401 challenges: no MI, a NONCE and our realm */
		if (msg.cls == STUN_CLASS_ERROR) {
			challenges++;
			assert_int_equal(msg.mi_off, 0);
			assert_int_equal(stun_msg_get_error(&msg, &code,
							    &reason, &rlen),
					 0);
			assert_int_equal(code, 401);
			assert_true(stun_msg_has(&msg, STUN_SLOT_NONCE));
			v = stun_msg_value(&msg, STUN_SLOT_REALM, &len);
			assert_non_null(v);
			assert_int_equal(len, 11);
			assert_memory_equal(v, "example.org", 11);
		}
	}
	assert_int_equal(with_mi, EXPECT_WITH_MI);
	assert_int_equal(with_fp, EXPECT_WITH_FP);
	assert_int_equal(challenges, 2);
}

/* Rebuild one attribute of @msg (header at @off) through typed builders. */
static void
rebuild_attr(struct stun_builder *b, const struct stun_msg *msg, size_t off,
	     int *peer_index)
{
	uint16_t type = rd16(msg->buf + off);
	uint16_t alen = rd16(msg->buf + off + 2);
	const uint8_t *v = msg->buf + off + STUN_ATTR_HEADER_LEN;
	bool first = false;
	struct tp_addr a, peers[8];
	const char *reason;
	char text[800];
	uint16_t code, rlen, ch;
	uint32_t u;
	uint8_t proto;

	for (int s = 0; s < STUN_SLOT__COUNT; s++)
		if (msg->attr[s].off == off + STUN_ATTR_HEADER_LEN)
			first = true;

	switch (type) {
	case STUN_ATTR_XOR_PEER_ADDRESS:
		assert_true(*peer_index < 8);
		assert_true(stun_msg_get_xor_peers(msg, peers, 8) > *peer_index);
		stun_build_xor_addr(b, type, &peers[(*peer_index)++]);
		return;
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
	case STUN_ATTR_XOR_RELAYED_ADDRESS:
		if (!first)
			break;
		assert_int_equal(stun_msg_get_xor_addr(
					 msg,
					 type == STUN_ATTR_XOR_MAPPED_ADDRESS ?
						 STUN_SLOT_XOR_MAPPED_ADDRESS :
						 STUN_SLOT_XOR_RELAYED_ADDRESS,
					 &a),
				 0);
		stun_build_xor_addr(b, type, &a);
		return;
	case STUN_ATTR_MAPPED_ADDRESS:
		if (!first)
			break;
		assert_int_equal(stun_msg_get_addr(msg,
						   STUN_SLOT_MAPPED_ADDRESS, &a),
				 0);
		stun_build_addr(b, type, &a);
		return;
	case STUN_ATTR_LIFETIME:
		assert_int_equal(stun_msg_get_u32(msg, STUN_SLOT_LIFETIME, &u),
				 0);
		stun_build_u32(b, type, u);
		return;
	case STUN_ATTR_REQUESTED_TRANSPORT:
		assert_int_equal(stun_msg_get_transport(msg, &proto), 0);
		stun_build_transport(b, proto);
		return;
	case STUN_ATTR_CHANNEL_NUMBER:
		assert_int_equal(stun_msg_get_channel(msg, &ch), 0);
		stun_build_channel(b, ch);
		return;
	case STUN_ATTR_ERROR_CODE:
		assert_int_equal(stun_msg_get_error(msg, &code, &reason, &rlen),
				 0);
		assert_true(rlen < sizeof(text));
		memcpy(text, reason, rlen);
		text[rlen] = '\0';
		stun_build_error(b, code, text);
		return;
	default:
		break;
	}
	stun_build_attr(b, type, v, alen);
}

static void
test_reencode(void **state)
{
	struct capture *c = *state;
	int rebuilt = 0;

	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		struct stun_builder b;
		struct stun_msg msg;
		uint8_t out[2048];
		size_t off;
		int peer = 0, n;

		if (!stun_is_stun(p->payload, p->len))
			continue;
		assert_int_equal(stun_msg_decode(&msg, p->payload, p->len),
				 STUN_OK);
		stun_build_init(&b, out, sizeof(out), msg.type, msg.tid);
		for (off = STUN_HEADER_LEN; off < msg.len;) {
			uint16_t type = rd16(msg.buf + off);
			uint16_t alen = rd16(msg.buf + off + 2);

			if (type == STUN_ATTR_MESSAGE_INTEGRITY)
				stun_build_integrity(&b, c->key, 16);
			else if (type == STUN_ATTR_FINGERPRINT)
				stun_build_fingerprint(&b);
			else
				rebuild_attr(&b, &msg, off, &peer);
			off += STUN_ATTR_HEADER_LEN + ((alen + 3u) & ~3u);
		}
		n = stun_build_finish(&b);
		if (n != (int)p->len || memcmp(out, p->payload, p->len) != 0)
			fail_msg("frame %u (%s): rebuild differs", p->frame,
				 stun_method_name(msg.method));
		rebuilt++;
	}
	assert_int_equal(rebuilt, EXPECT_STUN);
}

static void
test_addresses(void **state)
{
	struct capture *c = *state;
	struct tp_ip server, client;
	int relayed = 0, peers = 0;

	assert_int_equal(tp_ip_parse(&server, "10.201.0.1"), 0);
	assert_int_equal(tp_ip_parse(&client, "10.201.0.2"), 0);
	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		struct stun_msg msg;
		struct tp_addr a, list[4];
		int n;

		if (!stun_is_stun(p->payload, p->len))
			continue;
		assert_int_equal(stun_msg_decode(&msg, p->payload, p->len),
				 STUN_OK);
		/* responses reflect the client's transport address */
		if (stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_MAPPED_ADDRESS,
					  &a) == 0) {
			assert_true(tp_ip_equal(&a.ip, &client));
			assert_int_equal(a.port, p->dst.port);
		}
		/* relayed addresses on 10.201.0.1:49152-65535 */
		if (stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_RELAYED_ADDRESS,
					  &a) == 0) {
			assert_true(tp_ip_equal(&a.ip, &server));
			assert_true(a.port >= 49152);
			relayed++;
		}
		/* both peers are relayed: every peer is on the server */
		n = stun_msg_get_xor_peers(&msg, list, 4);
		assert_true(n >= 0);
		for (int k = 0; k < n; k++) {
			assert_true(tp_ip_equal(&list[k].ip, &server));
			assert_true(list[k].port >= 49152);
			peers++;
		}
	}
	assert_int_equal(relayed, 2);
	/* Send 8 + Data 6 + CreatePermission 2 + ChannelBind 2 requests */
	assert_int_equal(peers, 18);
}

static void
test_channel_data(void **state)
{
	struct capture *c = *state;
	bool bound[0x10000] = { false };
	int parsed = 0;

	/* the channels the ChannelBind requests asked for */
	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		struct stun_msg msg;
		uint16_t ch;

		if (!stun_is_stun(p->payload, p->len) ||
		    stun_msg_decode(&msg, p->payload, p->len) != STUN_OK ||
		    msg.method != STUN_METHOD_CHANNEL_BIND ||
		    msg.cls != STUN_CLASS_REQUEST)
			continue;
		assert_int_equal(stun_msg_get_channel(&msg, &ch), 0);
		assert_true(channel_number_valid(ch));
		bound[ch] = true;
	}
	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		uint16_t ch = 0;
		int dlen;

		if (!channel_data_looks_like(p->payload, p->len))
			continue;
		dlen = channel_data_parse(p->payload, p->len, &ch);
		if (dlen < 0)
			fail_msg("frame %u: ChannelData rejected", p->frame);
		assert_true(bound[ch]);
		assert_true((size_t)dlen + CHANNEL_DATA_HEADER_LEN <= p->len);
		assert_true(p->len - CHANNEL_DATA_HEADER_LEN - (size_t)dlen <= 3);
		parsed++;
	}
	assert_int_equal(parsed, EXPECT_CHANNEL_DATA);
}

/*
 * The fast path writes Data indications with stun_data_ind_write_prefix().
 * coturn orders its attributes differently (DATA first, then SOFTWARE), so
 * each of its Data indications in the capture is rebuilt from its
 * transaction ID, peer and data, and must decode to the same message.
 * (The golden tests compare the fast path's frames byte for byte.)
 */
static void
test_data_indication_prefix(void **state)
{
	struct capture *c = *state;
	int rebuilt = 0;

	for (int i = 0; i < c->n; i++) {
		const struct pcap_udp *p = &c->pkt[i];
		uint8_t out[STUN_MAX_MSG_LEN];
		struct stun_msg msg, ours;
		struct tp_addr peer, got;
		size_t prefix, dlen, len;
		const uint8_t *data;

		if (!stun_is_stun(p->payload, p->len) ||
		    stun_msg_decode(&msg, p->payload, p->len) != STUN_OK ||
		    msg.method != STUN_METHOD_DATA)
			continue;
		assert_int_equal(stun_msg_get_xor_addr(&msg,
						       STUN_SLOT_XOR_PEER_ADDRESS,
						       &peer),
				 0);
		dlen = msg.attr[STUN_SLOT_DATA].len;
		data = p->payload + msg.attr[STUN_SLOT_DATA].off;
		prefix = stun_data_ind_write_prefix(out, p->payload + 8, &peer,
						    dlen);
		assert_int_equal(prefix,
				 stun_data_ind_prefix_len(peer.ip.family));
		memcpy(out + prefix, data, dlen);
		memset(out + prefix + dlen, 0, stun_pad_len(dlen));
		len = prefix + dlen + stun_pad_len(dlen);
		assert_int_equal(stun_msg_decode(&ours, out, len), STUN_OK);
		assert_int_equal(ours.method, STUN_METHOD_DATA);
		assert_int_equal(ours.cls, STUN_CLASS_INDICATION);
		assert_memory_equal(out + 8, p->payload + 8, STUN_TID_LEN);
		assert_int_equal(stun_msg_get_xor_addr(&ours,
						       STUN_SLOT_XOR_PEER_ADDRESS,
						       &got),
				 0);
		assert_true(tp_ip_equal(&got.ip, &peer.ip));
		assert_int_equal(got.port, peer.port);
		assert_int_equal(ours.attr[STUN_SLOT_DATA].len, dlen);
		assert_memory_equal(out + ours.attr[STUN_SLOT_DATA].off, data,
				    dlen);
		rebuilt++;
	}
	assert_int_equal(rebuilt, 6);
}

/* The prefix for an IPv6 peer decodes back to what was written, and what
 * STUN's length field cannot hold, or an unknown family, is refused. */
static void
test_data_indication_prefix_bounds(void **state)
{
	static const uint8_t tid[STUN_TID_LEN] = { 1, 2, 3, 4,  5,  6,
						   7, 8, 9, 10, 11, 12 };
	uint8_t buf[128] = { 0 };
	struct tp_addr peer = { .port = 40000 }, got;
	struct stun_msg msg;
	size_t prefix;

	(void)state;
	assert_int_equal(tp_ip_parse(&peer.ip, "2001:db8::7"), 0);
	prefix = stun_data_ind_write_prefix(buf, tid, &peer, 5);
	assert_int_equal(prefix, 48);
	memcpy(buf + prefix, "hello", 5); /* then 3 zero bytes of padding */
	assert_int_equal(stun_msg_decode(&msg, buf, prefix + 8), STUN_OK);
	assert_int_equal(msg.method, STUN_METHOD_DATA);
	assert_int_equal(msg.cls, STUN_CLASS_INDICATION);
	assert_int_equal(stun_msg_get_xor_addr(&msg, STUN_SLOT_XOR_PEER_ADDRESS,
					       &got),
			 0);
	assert_true(tp_ip_equal(&got.ip, &peer.ip));
	assert_int_equal(got.port, peer.port);
	assert_int_equal(msg.attr[STUN_SLOT_DATA].len, 5);
	assert_memory_equal(buf + msg.attr[STUN_SLOT_DATA].off, "hello", 5);

	assert_int_equal(stun_data_ind_write_prefix(buf, tid, &peer, 65535 - 28),
			 0);
	assert_int_equal(stun_data_ind_write_prefix(buf, tid, &peer,
						    65535 - 28 - 4),
			 48);
	peer.ip.family = TP_AF_NONE;
	assert_int_equal(stun_data_ind_write_prefix(buf, tid, &peer, 5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_shape),
		cmocka_unit_test(test_decode_and_count),
		cmocka_unit_test(test_integrity),
		cmocka_unit_test(test_reencode),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_channel_data),
		cmocka_unit_test(test_data_indication_prefix),
		cmocka_unit_test(test_data_indication_prefix_bounds),
	};

	return cmocka_run_group_tests(tests, capture_load, capture_free);
}
