/* SPDX-License-Identifier: MIT */
/*
 * Encoded envelopes for the decoder tests and the decode benchmark: the
 * recorded NSD query/response pairs of tests/data/wire, decoded with
 * dns_decode and published the way the daemon does (dt_wire_encode_record),
 * in the shapes a subscriber sees (IPv4/IPv6, with/without process, with and
 * without the raw bytes, timeouts, orphan responses). Header-only: each test
 * program includes it once.
 */
#ifndef DT_TEST_WIRE_UNPACK_CORPUS_H
#define DT_TEST_WIRE_UNPACK_CORPUS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "wire/record_proto.h"

#include "wire_samples.h"

/* The shapes of one sample; CORPUS_SHAPE_TYPICAL is what dnsperf traffic gives. */
enum corpus_shape {
	CORPUS_SHAPE_TYPICAL, /* IPv4 UDP, process, raw bytes, tag, host */
	CORPUS_SHAPE_NO_WIRE, /* include_wire: false */
	CORPUS_SHAPE_V6_TCP,  /* IPv6, TCP, flags, container, netns */
	CORPUS_SHAPE_TIMEOUT, /* no response */
	CORPUS_SHAPE_ORPHAN,  /* no query, no process */
	CORPUS_N_SHAPES,
};

/* Only this sample when set (the benchmark's -s). */
static const char *corpus_only;

struct corpus {
	uint8_t *data;
	size_t len, cap;
	size_t off[N_WIRE_SAMPLES * CORPUS_N_SHAPES + 1]; /* message i: off[i]..off[i+1] */
	size_t n;
};

struct corpus_pair {
	uint8_t qw[65536], rw[65536];
	size_t ql, rl;
	struct dns_msg q, r;
};

static size_t corpus_load(const char *name, const char *kind, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.%s.bin", DT_WIRE_DIR, name, kind);
	f = fopen(path, "rb");
	if (!f)
		return 0;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* A record of the given shape over the decoded pair p (pointers into p). */
static void corpus_record(struct dt_record *rec, const struct corpus_pair *p, unsigned shape,
			  unsigned i)
{
	memset(rec, 0, sizeof(*rec));
	rec->status = DT_STATUS_OK;
	rec->query_ts_ns = 1764160000123456789ull + i * 1000003ull;
	rec->response_ts_ns = rec->query_ts_ns + 412345 + i;
	rec->has_process = true;
	rec->process.pid = 4242 + i;
	rec->process.tid = 4243 + i;
	rec->process.ppid = 1;
	strcpy(rec->process.name, "dnsperf");
	strcpy(rec->process.thread_name, "dnsperf-recv");
	strcpy(rec->process.exe, "/usr/bin/dnsperf");
	rec->process.cgroup_id = 0x1234 + i;
	rec->family = 4;
	rec->transport = 17;
	memcpy(rec->src_ip, "\x0a\x00\x00\x01", 4);
	memcpy(rec->dst_ip, "\x0a\x00\x00\x35", 4);
	rec->src_port = (uint16_t)(40000 + i);
	rec->dst_port = 53;
	rec->netns = 4026531840u;
	rec->ifindex = 2;
	rec->query = &p->q;
	rec->response = &p->r;
	rec->query_wire = p->qw;
	rec->query_wire_len = p->ql;
	rec->response_wire = p->rw;
	rec->response_wire_len = p->rl;
	rec->tag = "dns";
	rec->host_name = "web01";
	switch (shape) {
	case CORPUS_SHAPE_V6_TCP:
		rec->family = 6;
		rec->transport = 6;
		memset(rec->src_ip, 0x20, 16);
		memset(rec->dst_ip, 0xfe, 16);
		rec->flags = DT_REC_NONLINEAR | DT_REC_RETRANSMITTED;
		memset(rec->process.container_id, 'c', 64);
		break;
	case CORPUS_SHAPE_TIMEOUT:
		rec->status = DT_STATUS_TIMEOUT;
		rec->response_ts_ns = 0;
		rec->response = NULL;
		rec->response_wire = NULL;
		rec->response_wire_len = 0;
		break;
	case CORPUS_SHAPE_ORPHAN:
		rec->status = DT_STATUS_ORPHAN_RESPONSE;
		rec->query_ts_ns = 0;
		rec->query = NULL;
		rec->query_wire = NULL;
		rec->query_wire_len = 0;
		rec->has_process = false;
		memset(&rec->process, 0, sizeof(rec->process));
		rec->tag = NULL;
		break;
	default:
		break;
	}
}

static int corpus_add(struct corpus *c, const uint8_t *msg, size_t len)
{
	if (c->len + len > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		uint8_t *d;

		while (cap < c->len + len)
			cap *= 2;
		d = realloc(c->data, cap);
		if (!d)
			return -1;
		c->data = d;
		c->cap = cap;
	}
	memcpy(c->data + c->len, msg, len);
	c->off[c->n] = c->len;
	c->len += len;
	c->off[++c->n] = c->len;
	return 0;
}

/*
 * Every sample in the shapes of shape_mask (bit per enum corpus_shape).
 * Returns 0, or -1 when a sample is missing or encoding fails.
 */
static int corpus_build(struct corpus *c, unsigned shape_mask)
{
	struct dt_wire_publisher pub = {.host = "web01",
					.session_id = 0x0123456789abcdefull,
					.version = "0.9.0",
					.pid = 77,
					.start_time_ns = 1764160000000000000ull};
	struct corpus_pair *p = calloc(1, sizeof(*p));
	struct dt_wire_encoder *enc = NULL;
	struct dt_wire_buf buf = {0};
	struct dt_record rec;
	int err = -1;

	memset(c, 0, sizeof(*c));
	if (!p || dt_wire_encoder_new(&pub, &enc))
		goto out;
	for (unsigned i = 0; i < N_WIRE_SAMPLES; i++) {
		if (corpus_only && strcmp(corpus_only, wire_samples[i]))
			continue;
		p->ql = corpus_load(wire_samples[i], "query", p->qw, sizeof(p->qw));
		p->rl = corpus_load(wire_samples[i], "response", p->rw, sizeof(p->rw));
		if (!p->ql || !p->rl)
			goto out;
		dns_decode(p->qw, p->ql, &p->q);
		dns_decode(p->rw, p->rl, &p->r);
		for (unsigned s = 0; s < CORPUS_N_SHAPES; s++) {
			if (!(shape_mask & (1u << s)))
				continue;
			corpus_record(&rec, p, s, i);
			if (dt_wire_encode_record(enc, 1 + c->n, 1764160000999999999ull, &rec,
						  s != CORPUS_SHAPE_NO_WIRE, &buf) ||
			    corpus_add(c, buf.data, buf.len))
				goto out;
		}
	}
	err = 0;
out:
	dt_wire_buf_release(&buf);
	dt_wire_encoder_free(enc);
	free(p);
	return err;
}

static void corpus_free(struct corpus *c)
{
	free(c->data);
	c->data = NULL;
	c->n = c->len = c->cap = 0;
}

#endif
