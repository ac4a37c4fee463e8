/* SPDX-License-Identifier: MIT */
/*
 * engine: the decoded messages of every record are what a plain
 * dns_decode() of its raw bytes gives, whichever shortcut made them (the
 * query kept from its arrival, the question's text kept behind the stored
 * query and shared with the response and the re-decode). Each record is
 * packed twice, as emitted and with both messages decoded afresh, and the
 * bytes compared, over interleaved transactions: many outstanding, answered
 * out of order, questions in another case (0x20), other questions,
 * duplicates, timeouts, queries too long to keep their text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core_testlib.h"
#include "wire/record_proto.h"

#include "wire_samples.h"

struct oracle {
	struct dt_wire_encoder *enc;
	struct dt_wire_buf got, want;
	struct dns_msg *q, *r;
	unsigned n, with_query, with_response;
};

static void oracle_emit(const struct dt_record *rec, void *user)
{
	struct oracle *o = user;
	struct dt_record fresh = *rec;

	assert_int_equal(dt_wire_encode_record(o->enc, 1, 2, rec, true, &o->got), 0);
	if (rec->query) {
		assert_non_null(rec->query_wire);
		dns_decode(rec->query_wire, rec->query_wire_len, o->q);
		fresh.query = o->q;
		o->with_query++;
	}
	if (rec->response) {
		dns_decode(rec->response_wire, rec->response_wire_len, o->r);
		fresh.response = o->r;
		o->with_response++;
	}
	assert_int_equal(dt_wire_encode_record(o->enc, 1, 2, &fresh, true, &o->want), 0);
	assert_int_equal(o->got.len, o->want.len);
	assert_memory_equal(o->got.data, o->want.data, o->got.len);
	o->n++;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static struct wire qs[N_WIRE_SAMPLES], rs[N_WIRE_SAMPLES];
static uint8_t pktbuf[65536];

static void feed(struct dt_engine *e, bool to_server, uint16_t cport, uint64_t ts, const uint8_t *b,
		 size_t n)
{
	struct dt_packet p;

	memcpy(pktbuf, b, n);
	if (to_server)
		pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.1", cport, "10.0.0.2", 53, ts, pktbuf, n);
	else
		pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.2", 53, "10.0.0.1", cport, ts, pktbuf, n);
	dt_engine_packet(e, &p);
	memset(pktbuf, 0x5a, n); /* the input reuses its buffer */
}

/* Flip the case of the question's letters (as 0x20 randomisation does). */
static void flip_case(uint8_t *b, size_t n)
{
	for (size_t pos = 12; pos < n && b[pos] && b[pos] < 64; pos += 1u + b[pos])
		for (size_t i = pos + 1; i <= pos + b[pos] && i < n; i++)
			if ((b[i] | 0x20) >= 'a' && (b[i] | 0x20) <= 'z')
				b[i] ^= 0x20;
}

struct pending {
	unsigned s; /* sample */
	uint16_t id, port;
	unsigned how; /* 0 plain, 1 response in the other case, 2 other question */
};

static void run_mix(unsigned rounds, unsigned outstanding)
{
	struct dt_wire_publisher pub = {.host = "h", .version = "v"};
	struct dt_engine_config cfg = {.tag = "dns", .host_name = "h", .timeout_ns = 2 * SEC};
	struct oracle o = {0};
	struct pending pend[64];
	unsigned n_pend = 0;
	struct dt_engine *e;
	static uint8_t b[65536];
	uint64_t ts = T0;

	assert_true(outstanding <= 64);
	o.q = malloc(sizeof(*o.q));
	o.r = malloc(sizeof(*o.r));
	assert_non_null(o.q);
	assert_non_null(o.r);
	assert_int_equal(dt_wire_encoder_new(&pub, &o.enc), 0);
	memset(&dt_stats, 0, sizeof(dt_stats));
	cfg.emit = oracle_emit;
	cfg.emit_user = &o;
	assert_int_equal(dt_engine_new(&cfg, &e), 0);

	for (unsigned k = 0; k < rounds; k++) {
		ts += 100 * 1000;
		if (n_pend < outstanding && (n_pend == 0 || rnd() % 2)) {
			struct pending *p = &pend[n_pend++];

			p->s = rnd() % N_WIRE_SAMPLES;
			p->id = (uint16_t)rnd();
			p->port = (uint16_t)(20000 + rnd() % 64);
			p->how = rnd() % 8 == 0 ? 1 + rnd() % 2 : 0;
			memcpy(b, qs[p->s].b, qs[p->s].n);
			b[0] = (uint8_t)(p->id >> 8);
			b[1] = (uint8_t)p->id;
			feed(e, true, p->port, ts, b, qs[p->s].n);
			if (rnd() % 16 == 0) /* a copy from another hop */
				feed(e, true, p->port, ts + 1000, b, qs[p->s].n);
		} else {
			unsigned i = rnd() % n_pend;
			struct pending p = pend[i];
			unsigned rsamp = p.how == 2 ? (p.s + 1) % N_WIRE_SAMPLES : p.s;

			pend[i] = pend[--n_pend];
			if (rnd() % 32 == 0)
				continue; /* never answered: times out */
			memcpy(b, rs[rsamp].b, rs[rsamp].n);
			b[0] = (uint8_t)(p.id >> 8);
			b[1] = (uint8_t)p.id;
			if (p.how == 1)
				flip_case(b, rs[rsamp].n);
			feed(e, false, p.port, ts, b, rs[rsamp].n);
			if (rnd() % 16 == 0) /* and its copy */
				feed(e, false, p.port, ts + 1000, b, rs[rsamp].n);
		}
	}
	dt_engine_flush(e);
	assert_true(o.n > rounds / 4);
	assert_true(o.with_response > rounds / 8);
	dt_engine_free(e);
	dt_wire_buf_release(&o.got);
	dt_wire_buf_release(&o.want);
	dt_wire_encoder_free(o.enc);
	free(o.q);
	free(o.r);
}

static void load_samples(void)
{
	char name[64];

	for (size_t i = 0; i < N_WIRE_SAMPLES; i++) {
		snprintf(name, sizeof(name), "%s.query", wire_samples[i]);
		wire_load(&qs[i], name);
		snprintf(name, sizeof(name), "%s.response", wire_samples[i]);
		wire_load(&rs[i], name);
	}
}

static void test_one_at_a_time(void **state)
{
	(void)state;
	load_samples();
	run_mix(4000, 1);
}

static void test_interleaved(void **state)
{
	(void)state;
	load_samples();
	run_mix(20000, 8);
	run_mix(20000, 64);
}

/* A query whose text no longer fits behind it: the response's is shared. */
static void test_long_query(void **state)
{
	(void)state;
	load_samples();
	for (size_t i = 0; i < N_WIRE_SAMPLES; i++) {
		struct wire *q = &qs[i];

		/* pad with trailing bytes (tolerated) up to 500 */
		if (q->n < 500) {
			memset(q->b + q->n, 0, 500 - q->n);
			q->n = 500;
		}
	}
	run_mix(4000, 8);
}

/* Topics: every buffer size around the exact fit, and each kind of part. */
static void test_topic_bounds(void **state)
{
	static struct dns_msg q, r;
	struct dt_record rec = {0};
	char buf[64];
	const char *want = "dns.NXDOMAIN.TYPE65280.testhost.";
	size_t n = strlen(want);

	(void)state;
	q.has_question = true;
	q.qtype = 65280;
	r.rcode = 3;
	rec.query = &q;
	rec.response = &r;
	for (size_t len = 0; len < sizeof(buf); len++) {
		int rc;

		memset(buf, 'x', sizeof(buf));
		rc = dt_wire_topic_host(&rec, "testhost", buf, len);
		if (len <= n) {
			assert_int_equal(rc, -ENOSPC);
		} else {
			assert_int_equal(rc, (int)n);
			assert_string_equal(buf, want);
		}
		for (size_t i = len; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 'x'); /* nothing past len */
	}
	rec.response = NULL;
	assert_true(dt_wire_topic_host(&rec, NULL, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.TIMEOUT.TYPE65280..");
	rec.query = NULL;
	rec.status = DT_STATUS_MALFORMED;
	assert_true(dt_wire_topic(&rec, "fb", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.MALFORMED.NONE.fb.");
	rec.host_name = "own";
	assert_true(dt_wire_topic(&rec, "fb", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.MALFORMED.NONE.own.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_at_a_time),
	    cmocka_unit_test(test_interleaved),
	    cmocka_unit_test(test_long_query),
	    cmocka_unit_test(test_topic_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
