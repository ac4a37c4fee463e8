/* SPDX-License-Identifier: MIT */
/*
 * wire: the fast Envelope decoder (record_unpack.c) against protobuf-c
 * (record_unpack_ref.c), differentially: the recorded samples in every
 * shape, thousands of random records and stats, tens of thousands of
 * corrupted frames, and hand-made frames for each protobuf rule (unknown
 * fields, last one wins, wire types, varint and length limits, merges).
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

#include "test_wire_unpack_corpus.h"
#include "test_wire_unpack_diff.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static bool long_strings; /* this record's strings: hundreds of bytes */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static void assert_agree(struct wire_diff *d, const uint8_t *data, size_t len)
{
	if (!wire_diff_check(d, data, len)) {
		/* kept for a look: protoc --decode_raw < /tmp/test_wire_unpack.fail */
		FILE *f = fopen("/tmp/test_wire_unpack.fail", "wb");

		if (f) {
			fwrite(data, 1, len, f);
			fclose(f);
		}
		fail_msg("decoders differ on a %zu-byte frame: %s", len, d->why);
	}
}

/* ---- random records ---------------------------------------------------- */

struct rnd_rec {
	struct dt_record rec;
	struct dns_msg q, r;
	char pool[300000]; /* the strings of both messages */
	size_t pool_used;
	uint8_t qw[2048], rw[4096], rdata[8192];
};

/* A C string of random non-NUL bytes: mostly short, sometimes empty or long. */
static const char *rnd_str(struct rnd_rec *x)
{
	unsigned pick = rnd_below(100);
	size_t n = pick < 10	  ? 0
		   : long_strings ? 100 + rnd_below(600)
		   : pick < 90	  ? rnd_below(40)
				  : rnd_below(1500);
	char *s;

	if (x->pool_used + n + 1 > sizeof(x->pool))
		n = 0;
	if (x->pool_used + 1 > sizeof(x->pool))
		return "";
	s = x->pool + x->pool_used;
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(rnd_below(8) ? 'a' + rnd_below(26) : 1 + rnd_below(255));
	s[n] = '\0';
	x->pool_used += n + 1;
	return s;
}

static const char *rnd_opt_str(struct rnd_rec *x)
{
	return rnd_below(3) ? rnd_str(x) : NULL;
}

static void rnd_fixed(char *dst, size_t size, struct rnd_rec *x)
{
	const char *s = rnd_str(x);

	snprintf(dst, size, "%s", s);
}

static void rnd_dns(struct rnd_rec *x, struct dns_msg *m, size_t *rd_used)
{
	unsigned n = rnd_below(4) ? rnd_below(12) : rnd_below(DNS_MAX_RR + 1);

	memset(m, 0, offsetof(struct dns_msg, text));
	m->id = (uint16_t)rnd();
	m->flags = (uint16_t)rnd();
	m->opcode = (uint8_t)rnd_below(16);
	m->rcode = (uint16_t)rnd_below(4096);
	m->qdcount = (uint16_t)rnd_below(3);
	m->ancount = (uint16_t)rnd();
	m->nscount = (uint16_t)rnd_below(5);
	m->arcount = (uint16_t)rnd_below(5);
	m->has_question = rnd_below(5) != 0;
	m->qname = m->has_question ? rnd_str(x) : NULL;
	m->qtype = (uint16_t)rnd();
	m->qclass = (uint16_t)rnd_below(300);
	for (unsigned i = 0; i < n; i++) {
		struct dns_rr *rr = &m->rr[i];
		size_t rl = rnd_below(4) ? rnd_below(40) : 0;

		rr->name = rnd_str(x);
		rr->data = rnd_str(x);
		if (*rd_used + rl > sizeof(x->rdata))
			rl = 0;
		for (size_t k = 0; k < rl; k++)
			x->rdata[*rd_used + k] = (uint8_t)rnd();
		rr->rdata = rl ? x->rdata + *rd_used : NULL;
		rr->rdlength = (uint16_t)rl;
		*rd_used += rl;
		rr->ttl = (uint32_t)rnd();
		rr->type = (uint16_t)rnd();
		rr->rclass = (uint16_t)rnd_below(5);
		rr->section = (uint8_t)rnd_below(3);
	}
	m->n_rr = (uint16_t)n;
	m->rr_truncated = rnd_below(10) == 0;
	m->edns.present = rnd_below(2);
	m->edns.dnssec_ok = rnd_below(2);
	m->edns.version = (uint8_t)rnd_below(3);
	m->edns.udp_size = (uint16_t)rnd();
	m->edns.ext_rcode_hi = (uint8_t)rnd();
	m->edns.ede_code = rnd_below(3) ? -1 : (int32_t)rnd_below(65536);
	m->edns.ede_text = rnd_opt_str(x);
	m->edns.client_subnet = rnd_opt_str(x);
	m->edns.cookie = rnd_opt_str(x);
	m->error = rnd_below(4) ? 0 : -(int)rnd_below(200);
	m->error_text = rnd_opt_str(x);
}

static void rnd_record(struct rnd_rec *x)
{
	struct dt_record *r = &x->rec;
	size_t rd_used = 0;

	x->pool_used = 0;
	long_strings = rnd_below(10) == 0;
	memset(r, 0, sizeof(*r));
	r->status = (enum dt_status)rnd_below(4);
	r->query_ts_ns = rnd_below(5) ? rnd() : 0;
	r->response_ts_ns = rnd_below(5) ? rnd() : 0;
	r->flags = rnd_below(16);
	r->has_process = rnd_below(3) != 0;
	if (r->has_process) {
		r->process.pid = (uint32_t)rnd();
		r->process.tid = (uint32_t)rnd();
		r->process.ppid = (uint32_t)rnd_below(100);
		r->process.uid = (uint32_t)rnd();
		r->process.gid = (uint32_t)rnd_below(1000);
		rnd_fixed(r->process.name, sizeof(r->process.name), x);
		rnd_fixed(r->process.thread_name, sizeof(r->process.thread_name), x);
		rnd_fixed(r->process.exe, sizeof(r->process.exe), x);
		r->process.cgroup_id = rnd();
		rnd_fixed(r->process.container_id, sizeof(r->process.container_id), x);
	}
	r->family = (uint8_t)(rnd_below(4) ? (rnd_below(2) ? 4 : 6) : rnd_below(8));
	r->transport = (uint8_t)(rnd_below(2) ? 17 : rnd_below(256));
	for (int i = 0; i < 16; i++) {
		r->src_ip[i] = (uint8_t)rnd();
		r->dst_ip[i] = (uint8_t)rnd();
	}
	r->src_port = (uint16_t)rnd();
	r->dst_port = (uint16_t)rnd();
	r->netns = (uint32_t)rnd();
	r->ifindex = (uint32_t)rnd_below(50);
	if (rnd_below(5)) {
		rnd_dns(x, &x->q, &rd_used);
		r->query = &x->q;
	}
	if (rnd_below(4)) {
		rnd_dns(x, &x->r, &rd_used);
		r->response = &x->r;
	}
	if (rnd_below(4)) {
		r->query_wire_len = rnd_below(sizeof(x->qw));
		for (size_t i = 0; i < r->query_wire_len; i++)
			x->qw[i] = (uint8_t)rnd();
		r->query_wire = r->query_wire_len ? x->qw : NULL;
	}
	if (rnd_below(4)) {
		r->response_wire_len = rnd_below(sizeof(x->rw));
		for (size_t i = 0; i < r->response_wire_len; i++)
			x->rw[i] = (uint8_t)rnd();
		r->response_wire = r->response_wire_len ? x->rw : NULL;
	}
	r->tag = rnd_opt_str(x);
	r->host_name = rnd_opt_str(x);
}

/* ---- corrupted frames ---------------------------------------------------- */

/* One of: bit flips, a random byte, a cut, an inserted or deleted run, a
 * repeated run (duplicate fields), unknown fields appended. Returns the length. */
static size_t mutate(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t n = len < cap ? len : cap, at = len ? rnd_below((unsigned)len) : 0, k;

	memcpy(out, in, n);
	switch (rnd_below(7)) {
	case 0:
		for (unsigned i = 1 + rnd_below(4); i && n; i--)
			out[rnd_below((unsigned)n)] ^= (uint8_t)(1u << rnd_below(8));
		break;
	case 1:
		if (n)
			out[at % n] = (uint8_t)rnd();
		break;
	case 2:
		n = len ? rnd_below((unsigned)len) : 0;
		break;
	case 3: /* insert up to 8 random bytes */
		k = 1 + rnd_below(8);
		if (n + k <= cap) {
			memmove(out + at + k, out + at, n - at);
			for (size_t i = 0; i < k; i++)
				out[at + i] = (uint8_t)rnd();
			n += k;
		}
		break;
	case 4: /* delete a run */
		k = 1 + rnd_below(16);
		if (at + k <= n) {
			memmove(out + at, out + at + k, n - at - k);
			n -= k;
		}
		break;
	case 5: /* repeat a run in place */
		k = 1 + rnd_below(64);
		if (at + k <= n && n + k <= cap) {
			memmove(out + at + k, out + at, n - at);
			n += k;
		}
		break;
	default: /* an unknown field of each wire type (a newer publisher) */
		if (n + 32 <= cap) {
			static const uint8_t unknown[] = {
			    0xf8, 0x01, 0x96, 0x01,			  /* 31 varint */
			    0x81, 0x02, 1,    2,    3,	 4,   5, 6, 7, 8, /* 32 fixed64 */
			    0x8a, 0x02, 3,    'n',  'e', 'w',		  /* 33 bytes */
			    0x9d, 0x02, 9,    9,    9,	 9,		  /* 35 fixed32 */
			};
			memcpy(out + n, unknown, sizeof(unknown));
			n += sizeof(unknown);
		}
	}
	return n;
}

/* ---- hand-made frames ---------------------------------------------------- */

struct pbw {
	uint8_t b[65536];
	size_t n;
};

static void w_raw(struct pbw *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void w_varint(struct pbw *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (uint8_t)v;
	w_raw(w, b, n);
}

static void w_u64(struct pbw *w, unsigned field, uint64_t v)
{
	w_varint(w, field << 3);
	w_varint(w, v);
}

static void w_bytes(struct pbw *w, unsigned field, const void *p, size_t n)
{
	w_varint(w, field << 3 | 2);
	w_varint(w, n);
	w_raw(w, p, n);
}

static void w_str(struct pbw *w, unsigned field, const char *s)
{
	w_bytes(w, field, s, strlen(s));
}

static void w_sub(struct pbw *w, unsigned field, const struct pbw *child)
{
	w_bytes(w, field, child->b, child->n);
}

/* Unknown fields of every accepted wire type, numbers no message uses. */
static void w_unknown(struct pbw *w)
{
	static const uint8_t f64[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	w_u64(w, 29, 123456789);
	w_varint(w, 28 << 3 | 1);
	w_raw(w, f64, 8);
	w_str(w, 27, "from a newer publisher");
	w_varint(w, 26 << 3 | 5);
	w_raw(w, f64, 4);
	w_u64(w, 1000000, 1); /* a three-byte tag */
}

/* Envelope{publisher, 7, 8, transaction{...}} with unknown fields at every
 * level when extra; query and response each with a question and records. */
static void make_frame(struct pbw *env, bool extra)
{
	struct pbw pub = {0}, tx = {0}, proc = {0}, net = {0}, q = {0}, a = {0}, ques = {0},
		   rr = {0}, edns = {0};

	w_str(&pub, 1, "web01");
	if (extra)
		w_unknown(&pub);
	w_varint(&pub, 2 << 3 | 1);
	w_raw(&pub, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	w_str(&pub, 3, "1.2.3");
	w_u64(&pub, 4, 99);

	w_str(&ques, 1, "www.example.com");
	w_u64(&ques, 2, 1);
	if (extra)
		w_unknown(&ques);
	w_u64(&ques, 3, 1);
	w_str(&rr, 1, "www.example.com");
	w_u64(&rr, 2, 1);
	w_u64(&rr, 3, 1);
	w_u64(&rr, 4, 300);
	w_bytes(&rr, 5, "\xc0\x00\x02\x01", 4);
	if (extra)
		w_unknown(&rr);
	w_str(&rr, 6, "192.0.2.1");
	w_u64(&edns, 3, 1232);
	w_u64(&edns, 5, 1);
	w_u64(&edns, 6, 18);
	if (extra)
		w_unknown(&edns);
	w_str(&edns, 7, "prohibited");
	w_str(&edns, 9, "00ff");

	w_u64(&q, 1, 0x1234);
	w_u64(&q, 2, 0x0100);
	w_u64(&q, 5, 1);
	w_sub(&q, 9, &ques);
	w_sub(&q, 14, &edns);
	w_u64(&a, 1, 0x1234);
	w_u64(&a, 2, 0x8180);
	w_u64(&a, 5, 1);
	w_u64(&a, 6, 2);
	w_sub(&a, 9, &ques);
	w_sub(&a, 10, &rr);
	if (extra)
		w_unknown(&a);
	w_sub(&a, 10, &rr);
	w_sub(&a, 12, &rr);
	w_str(&a, 16, "trailing garbage");

	w_u64(&proc, 1, 4242);
	w_str(&proc, 6, "curl");
	if (extra)
		w_unknown(&proc);
	w_str(&proc, 8, "/usr/bin/curl");
	w_u64(&net, 1, 4);
	w_u64(&net, 2, 17);
	w_bytes(&net, 3, "\x0a\x00\x00\x01", 4);
	w_bytes(&net, 4, "\x0a\x00\x00\x35", 4);
	if (extra)
		w_unknown(&net);
	w_u64(&net, 5, 40000);
	w_u64(&net, 6, 53);

	w_u64(&tx, 2, 1764160000123456789ull);
	w_u64(&tx, 3, 1764160000124456789ull);
	w_sub(&tx, 5, &proc);
	w_sub(&tx, 6, &net);
	w_sub(&tx, 7, &q);
	if (extra)
		w_unknown(&tx);
	w_sub(&tx, 8, &a);
	w_bytes(&tx, 9, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	w_str(&tx, 11, "dns");
	w_str(&tx, 12, "web01");
	w_u64(&tx, 14, 99);

	env->n = 0;
	w_sub(env, 1, &pub);
	w_u64(env, 2, 7);
	if (extra)
		w_unknown(env);
	w_u64(env, 3, 8);
	w_sub(env, 10, &tx);
}

/* ---- tests --------------------------------------------------------------- */

static int setup(void **state)
{
	struct wire_diff *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	assert_int_equal(wire_diff_init(d), 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	wire_diff_free(*state);
	free(*state);
	return 0;
}

/* Every recorded sample in every shape: same record, and no fallback. */
static void test_corpus(void **state)
{
	struct wire_diff *d = *state;
	struct corpus c;

	assert_int_equal(corpus_build(&c, (1u << CORPUS_N_SHAPES) - 1), 0);
	assert_int_equal(c.n, N_WIRE_SAMPLES * CORPUS_N_SHAPES);
	for (size_t i = 0; i < c.n; i++) {
		const uint8_t *m = c.data + c.off[i];
		size_t len = c.off[i + 1] - c.off[i];

		assert_agree(d, m, len);
		assert_int_equal(d->rc, 0);
		assert_false(d->fell_back);
		assert_int_equal(d->fast->kind, DT_WIRE_TRANSACTION);
		/* raw bytes point into the frame (record_proto.h) */
		if (d->fast->rec.query_wire)
			assert_true(d->fast->rec.query_wire > m &&
				    d->fast->rec.query_wire < m + len);
	}
	corpus_free(&c);
}

static void test_random_records(void **state)
{
	struct wire_diff *d = *state;
	struct rnd_rec *x = calloc(1, sizeof(*x));
	struct dt_wire_publisher pub = {.host = "h", .session_id = 5, .version = "v", .pid = 1};
	struct dt_wire_encoder *enc;
	struct dt_wire_buf buf = {0};
	int enospc = 0;

	assert_non_null(x);
	assert_int_equal(dt_wire_encoder_new(&pub, &enc), 0);
	for (int i = 0; i < 3000; i++) {
		rnd_record(x);
		assert_int_equal(
		    dt_wire_encode_record(enc, rnd(), rnd(), &x->rec, rnd_below(2), &buf), 0);
		assert_agree(d, buf.data, buf.len);
		assert_false(d->fell_back);
		assert_true(d->rc == 0 || d->rc == -ENOSPC);
		enospc += d->rc == -ENOSPC;
	}
	for (int i = 0; i < 300; i++) {
		struct dt_stats st;
		struct dt_wire_session_counts sc = {rnd(), rnd(), rnd()};
		uint64_t *v = (uint64_t *)&st;

		for (size_t k = 0; k < sizeof(st) / sizeof(*v); k++)
			v[k] = rnd_below(3) ? rnd() : 0;
		assert_int_equal(dt_wire_encode_stats(enc, rnd(), rnd(), &st, &sc, &buf), 0);
		assert_agree(d, buf.data, buf.len);
		assert_false(d->fell_back);
		assert_int_equal(d->rc, 0);
		assert_int_equal(d->fast->kind, DT_WIRE_STATS);
		assert_memory_equal(&d->fast->stats, &st, sizeof(st));
	}
	print_message("random records: %d of 3000 overflowed a dns_msg's text (-ENOSPC)\n", enospc);
	assert_true(enospc > 0); /* the -ENOSPC path was compared too */
	dt_wire_buf_release(&buf);
	dt_wire_encoder_free(enc);
	free(x);
}

static void test_corrupted_frames(void **state)
{
	struct wire_diff *d = *state;
	struct rnd_rec *x = calloc(1, sizeof(*x));
	struct dt_wire_publisher pub = {.host = "h", .session_id = 5, .version = "v", .pid = 1};
	struct dt_wire_encoder *enc;
	struct dt_wire_buf buf = {0};
	struct corpus c;
	struct pbw hand;
	uint8_t *out = malloc(1 << 20);
	int ok = 0, bad = 0, fell = 0, frames = 60000;

	assert_non_null(x);
	assert_non_null(out);
	assert_int_equal(dt_wire_encoder_new(&pub, &enc), 0);
	assert_int_equal(corpus_build(&c, (1u << CORPUS_N_SHAPES) - 1), 0);
	make_frame(&hand, true);
	if (getenv("DT_WIRE_UNPACK_FRAMES")) /* a longer run by hand */
		frames = atoi(getenv("DT_WIRE_UNPACK_FRAMES"));
	if (getenv("DT_WIRE_UNPACK_SEED"))
		rng = strtoull(getenv("DT_WIRE_UNPACK_SEED"), NULL, 0) | 1;
	for (int i = 0; i < frames; i++) {
		const uint8_t *src;
		size_t len, n;
		unsigned pick = rnd_below(10);

		if (pick < 6) {
			size_t k = rnd_below((unsigned)c.n);

			src = c.data + c.off[k];
			len = c.off[k + 1] - c.off[k];
		} else if (pick < 9) {
			rnd_record(x);
			assert_int_equal(
			    dt_wire_encode_record(enc, 1, 2, &x->rec, rnd_below(2), &buf), 0);
			src = buf.data;
			len = buf.len;
		} else {
			src = hand.b;
			len = hand.n;
		}
		n = mutate(src, len, out, 1 << 20);
		if (rnd_below(4) == 0) /* a second mutation on top */
			n = mutate(out, n, out, 1 << 20);
		assert_agree(d, out, n);
		if (d->rc == 0 || d->rc == -ENOSPC)
			ok++;
		else
			bad++;
		fell += d->fell_back;
	}
	print_message("corrupted frames: %d decoded, %d rejected, %d left to protobuf-c\n", ok, bad,
		      fell);
	assert_true(ok > 1000 && bad > 1000 && fell > 10);
	corpus_free(&c);
	dt_wire_buf_release(&buf);
	dt_wire_encoder_free(enc);
	free(out);
	free(x);
}

/* A newer publisher's fields are skipped at every level: same record as without. */
static void test_unknown_fields(void **state)
{
	struct wire_diff *d = *state;
	struct pbw plain, extra;
	char *json = malloc(DT_ECS_JSON_MAX);
	int n;

	assert_non_null(json);
	make_frame(&plain, false);
	make_frame(&extra, true);
	assert_agree(d, plain.b, plain.n);
	assert_int_equal(d->rc, 0);
	n = dt_ecs_json(&d->fast->rec, json, DT_ECS_JSON_MAX);
	assert_true(n > 0);
	assert_agree(d, extra.b, extra.n);
	assert_int_equal(d->rc, 0);
	assert_false(d->fell_back);
	assert_int_equal(dt_ecs_json(&d->fast->rec, d->line_a, DT_ECS_JSON_MAX), n);
	assert_memory_equal(d->line_a, json, (size_t)n);
	assert_int_equal(d->fast->rec.response->n_rr, 3);
	assert_int_equal(d->fast->rec.response->n_answer, 2);
	assert_int_equal(d->fast->rec.response->n_additional, 1);
	assert_string_equal(d->fast->rec.query->edns.cookie, "00ff");
	assert_int_equal(d->fast->rec.query->edns.ede_code, 18);
	assert_string_equal(d->fast->host, "web01");
	assert_true(d->fast->session_id == 0x0807060504030201ull);
	free(json);
}

/* Decodes frame with both; returns the fast decoder's result. */
static int check(struct wire_diff *d, const struct pbw *w)
{
	assert_agree(d, w->b, w->n);
	return d->rc;
}

static void test_wire_rules(void **state)
{
	struct wire_diff *d = *state;
	struct pbw w = {0}, tx = {0};
	static const uint8_t varint10[] = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0x7f};
	static const uint8_t varint11[] = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0x01};

	/* last one wins: a scalar and a string given twice */
	w_u64(&w, 2, 5);
	w_u64(&w, 2, 6);
	w_str(&tx, 11, "first");
	w_u64(&tx, 1, 1);
	w_str(&tx, 11, "second");
	w_u64(&tx, 1, 7); /* a status from a newer publisher */
	w_sub(&w, 10, &tx);
	assert_int_equal(check(d, &w), 0);
	assert_int_equal(d->fast->sequence, 6);
	assert_string_equal(d->fast->rec.tag, "second");
	assert_int_equal(d->fast->rec.status, DT_STATUS_MALFORMED);

	/* 10-byte varint: the bits past 64 are dropped; 11 bytes: refused */
	w.n = 0;
	w_raw(&w, varint10, sizeof(varint10));
	assert_int_equal(check(d, &w), 0);
	assert_true(d->fast->sequence == UINT64_MAX);
	w.n = 0;
	w_raw(&w, varint11, sizeof(varint11));
	assert_int_equal(check(d, &w), -EBADMSG);

	/* a length past the end, and a 6-byte length prefix */
	w.n = 0;
	w_raw(&w, "\x52\x05\x08\x01", 4);
	assert_int_equal(check(d, &w), -EBADMSG);
	w.n = 0;
	w_raw(&w, "\x52\x80\x80\x80\x80\x80\x00", 7);
	assert_int_equal(check(d, &w), -EBADMSG);
	/* an unterminated varint at the end */
	w.n = 0;
	w_raw(&w, "\x10\x80", 2);
	assert_int_equal(check(d, &w), -EBADMSG);

	/* known field, wrong wire type: sequence as bytes, transaction as varint */
	w.n = 0;
	w_str(&w, 2, "x");
	assert_int_equal(check(d, &w), -EBADMSG);
	w.n = 0;
	w_u64(&w, 10, 1);
	assert_int_equal(check(d, &w), -EBADMSG);
	/* groups and wire types 6, 7: refused even for unknown fields */
	for (unsigned wt = 3; wt <= 7; wt++) {
		if (wt == 5)
			continue;
		w.n = 0;
		w_varint(&w, 40 << 3 | wt);
		w_raw(&w, "\0\0\0\0\0\0\0\0", 8);
		assert_int_equal(check(d, &w), -EBADMSG);
	}
	/* field number 0: refused as one byte; as a 2-byte tag protobuf-c calls
	 * it unknown */
	w.n = 0;
	w_raw(&w, "\x00\x01", 2);
	assert_int_equal(check(d, &w), -EBADMSG);
	w.n = 0;
	w_raw(&w, "\x80\x00\x01", 3);
	assert_int_equal(check(d, &w), 0);

	/* a bool is true whatever bit of its varint is set */
	tx.n = 0;
	w_raw(&tx, "\x2a\x00", 2); /* process {} */
	{
		struct pbw q = {0};

		w_raw(&q, "\x68\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 11); /* rr_truncated */
		w_sub(&tx, 7, &q);
	}
	w.n = 0;
	w_sub(&w, 10, &tx);
	assert_int_equal(check(d, &w), 0);
	assert_true(d->fast->rec.query->rr_truncated);
	/* ... of any wire type, its length prefix counting as a value byte */
	for (int i = 0; i < 3; i++) {
		static const char *const as[] = {"\x6a\x00", "\x6a\x01\x00", "\x6d\0\0\0\0"};
		static const size_t len[] = {2, 3, 5};
		struct pbw q = {0};

		w_raw(&q, as[i], len[i]);
		tx.n = 0;
		w_sub(&tx, 8, &q);
		w.n = 0;
		w_sub(&w, 10, &tx);
		assert_int_equal(check(d, &w), 0);
		assert_int_equal(d->fast->rec.response->rr_truncated, i == 1);
	}

	/* empty frame: an Envelope with nothing set */
	w.n = 0;
	assert_int_equal(check(d, &w), 0);
	assert_int_equal(d->fast->kind, DT_WIRE_NONE);
	assert_string_equal(d->fast->host, "");

	/* over the size bound */
	assert_int_equal(dt_wire_decode((const uint8_t *)"", DT_WIRE_MAX_MSG + 1, d->fast),
			 -EMSGSIZE);
}

/* protobuf merges a non-repeated submessage given twice: left to protobuf-c. */
static void test_merges_fall_back(void **state)
{
	struct wire_diff *d = *state;
	struct pbw w = {0}, tx = {0}, p1 = {0}, p2 = {0}, a1 = {0}, a2 = {0}, rr = {0};

	w_u64(&p1, 1, 10);
	w_str(&p1, 6, "first");
	w_u64(&p2, 2, 20);
	w_str(&rr, 1, "x.example");
	w_str(&rr, 6, "192.0.2.1");
	w_u64(&a1, 1, 1);
	w_sub(&a1, 10, &rr);
	w_u64(&a2, 2, 0x8180);
	w_sub(&a2, 10, &rr);
	w_sub(&a2, 11, &rr);
	w_sub(&tx, 5, &p1);
	w_sub(&tx, 8, &a1);
	w_sub(&tx, 5, &p2);
	w_sub(&tx, 8, &a2);
	w_sub(&w, 10, &tx);
	assert_int_equal(check(d, &w), 0);
	assert_true(d->fell_back);
	/* the records of both responses, appended */
	assert_int_equal(d->fast->rec.response->n_rr, 3);
	assert_int_equal(d->fast->rec.response->n_answer, 2);

	/* records out of section order */
	a1.n = 0;
	w_sub(&a1, 11, &rr);
	w_sub(&a1, 10, &rr);
	tx.n = 0;
	w_sub(&tx, 8, &a1);
	w.n = 0;
	w_sub(&w, 10, &tx);
	assert_int_equal(check(d, &w), 0);
	assert_true(d->fell_back);
	assert_int_equal(d->fast->rec.response->rr[0].section, DNS_SECTION_ANSWER);

	/* the body given twice: the last one */
	w_bytes(&w, 11, "", 0);
	assert_int_equal(check(d, &w), 0);
	assert_true(d->fell_back);
	assert_int_equal(d->fast->kind, DT_WIRE_STATS);
}

/* Strings beyond a dns_msg's text: -ENOSPC, the record still printed the same. */
static void test_text_overflow(void **state)
{
	struct wire_diff *d = *state;
	static struct pbw w, tx, a, rr;
	static char name[2001];

	memset(name, 'n', sizeof(name) - 1);
	w_str(&rr, 1, name);
	w_str(&rr, 6, "d");
	for (int i = 0; i < 17; i++) /* 17 x 2 KB > DNS_TEXT_MAX */
		w_bytes(&a, 10, rr.b, rr.n);
	w_str(&a, 16, "error text after the overflow");
	tx.n = 0;
	assert_true(a.n < sizeof(tx.b));
	w_sub(&tx, 8, &a);
	w_sub(&w, 10, &tx);
	assert_int_equal(check(d, &w), -ENOSPC);
	assert_false(d->fell_back);
	assert_int_equal(d->fast->kind, DT_WIRE_TRANSACTION);
	assert_int_equal(d->fast->rec.response->n_rr, 17);
	assert_string_equal(d->fast->rec.response->rr[16].name, "");
	assert_string_equal(d->fast->rec.response->error_text, "error text after the overflow");
}

/* Strings of every length up to 40, with and without a NUL at each place:
 * cut at the NUL like the reference (the fast copy goes 8 bytes a step). */
static void test_string_cuts(void **state)
{
	struct wire_diff *d = *state;
	struct pbw w = {0}, tx = {0}, q = {0}, qs = {0};
	char s[41];

	for (size_t n = 0; n <= 40; n++) {
		for (size_t nul = 0; nul <= n; nul++) {
			for (size_t i = 0; i < n; i++)
				s[i] = (char)('a' + (i + n) % 26);
			if (nul < n)
				s[nul] = '\0';
			qs.n = q.n = tx.n = w.n = 0;
			w_bytes(&qs, 1, s, n);
			w_sub(&q, 9, &qs);
			w_bytes(&q, 16, s, n);
			w_sub(&tx, 7, &q);
			w_sub(&w, 10, &tx);
			assert_int_equal(check(d, &w), 0);
			assert_int_equal(strlen(d->fast->rec.query->qname), nul);
			assert_memory_equal(d->fast->rec.query->qname, s, nul);
			/* the text taken: each string up to its NUL, no more */
			assert_int_equal(d->fast->rec.query->text_used,
					 d->ref->rec.query->text_used);
			if (nul)
				assert_string_equal(d->fast->rec.query->error_text,
						    d->fast->rec.query->qname);
			else
				assert_null(d->fast->rec.query->error_text);
		}
	}
}

/* Publishers interleaved (a subscriber of several): each envelope gets its own,
 * also when the decoder recognises one it has seen (same length, other bytes). */
static void test_publishers_interleaved(void **state)
{
	struct wire_diff *d = *state;
	struct dt_wire_publisher pa = {
	    .host = "web01", .session_id = 1, .version = "1.0", .pid = 7};
	struct dt_wire_publisher pb = {
	    .host = "web02", .session_id = 2, .version = "1.1", .pid = 8};
	struct dt_wire_encoder *ea, *eb;
	struct dt_wire_buf ba = {0}, bb = {0};
	struct dt_record rec = {.status = DT_STATUS_TIMEOUT, .tag = "dns"};

	assert_int_equal(dt_wire_encoder_new(&pa, &ea), 0);
	assert_int_equal(dt_wire_encoder_new(&pb, &eb), 0);
	assert_int_equal(dt_wire_encode_record(ea, 1, 0, &rec, false, &ba), 0);
	assert_int_equal(dt_wire_encode_record(eb, 1, 0, &rec, false, &bb), 0);
	assert_int_equal(ba.len, bb.len);
	for (int i = 0; i < 4; i++) {
		const struct dt_wire_buf *b = i % 2 ? &bb : &ba;

		assert_agree(d, b->data, b->len);
		assert_int_equal(d->rc, 0);
		assert_string_equal(d->fast->host, i % 2 ? "web02" : "web01");
		assert_string_equal(d->fast->version, i % 2 ? "1.1" : "1.0");
		assert_int_equal(d->fast->session_id, i % 2 ? 2 : 1);
		assert_int_equal(d->fast->pid, i % 2 ? 8 : 7);
	}
	dt_wire_buf_release(&ba);
	dt_wire_buf_release(&bb);
	dt_wire_encoder_free(ea);
	dt_wire_encoder_free(eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_corpus, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_corrupted_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_fields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wire_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_merges_fall_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_text_overflow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_string_cuts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_publishers_interleaved, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
