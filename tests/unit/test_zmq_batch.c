/* SPDX-License-Identifier: MIT */
/*
 * The zmq output's batches (batch_begin .. batch_end, one turn of the main
 * loop): records are held back and leave together at batch_end, in sequence
 * order and without holes; a stats message sends what is held first; held
 * records that cannot be sent count in dropped() (the pipeline's
 * output_drops) and leave gaps the subscriber proves. Outside a batch,
 * process() sends at once, as before.
 *
 * With the `batch` option above 1, envelopes go out together instead, as
 * one EnvelopeBatch under "dnsbatch.<host>.", which protobuf-c reads as the
 * schema says.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "dnstrail/v1/dnstrail.pb-c.h"
#include "gaps.h"
#include "wire/batch.h"
#include "outputs/out_zmq.h"
#include "outputs/zmq_curve.h"
#include "wire/record_proto.h"
#include "zmq_testlib.h"

static struct dns_msg query;
static struct dt_record rec;
static const uint8_t qwire[] = {0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};

static void make_record(void)
{
	memset(&query, 0, offsetof(struct dns_msg, text));
	query.id = 0xabcd;
	query.has_question = true;
	query.qname = "batch.example";
	query.qtype = 1;
	query.qclass = 1;
	query.edns.ede_code = -1;
	memset(&rec, 0, sizeof(rec));
	rec.status = DT_STATUS_TIMEOUT;
	rec.query_ts_ns = 1;
	rec.family = 4;
	rec.transport = 17;
	rec.query = &query;
	rec.query_wire = qwire;
	rec.query_wire_len = sizeof(qwire);
}

/* every message, stats included */
static const char *const all_topics[] = {"", NULL};

/* Held until batch_end, then all of them, in order, without holes. */
static void test_batch_holds_then_sends(void **state)
{
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX];
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	uint64_t last, published, dropped, seq, before;
	void *ctx, *s;
	int n = 0;

	(void)state;
	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 100000);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, all_topics, 0);
	wait_joined(ctx, s, m);
	last = m->sequence;
	before = dt_stats.events_published;
	make_record();

	/* more than the output holds at once (it sends a full hold early) */
	dt_output_zmq.batch_begin(ctx);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	assert_true(dt_output_zmq.queued(ctx) > 0);
	assert_true(dt_output_zmq.queued(ctx) < 1000);
	dt_output_zmq.batch_end(ctx);
	assert_int_equal(dt_output_zmq.queued(ctx), 0);
	while (n < 1000 && sub_recv(s, topic, sizeof(topic), m, 2000)) {
		assert_int_equal(m->kind, DT_WIRE_TRANSACTION);
		assert_int_equal(m->sequence, last + 1);
		last = m->sequence;
		n++;
	}
	assert_int_equal(n, 1000);
	assert_int_equal(dt_stats.events_published - before, 1000);

	/* a stats message in a batch sends what is held first */
	dt_output_zmq.batch_begin(ctx);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	assert_int_equal(dt_output_zmq.queued(ctx), 3);
	assert_int_equal(dt_output_zmq.heartbeat(ctx, &dt_stats), 0);
	assert_int_equal(dt_output_zmq.queued(ctx), 0);
	dt_output_zmq.batch_end(ctx);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sub_recv(s, topic, sizeof(topic), m, 2000), 1);
		assert_int_equal(m->kind, i < 3 ? DT_WIRE_TRANSACTION : DT_WIRE_STATS);
		assert_int_equal(m->sequence, last + 1);
		last = m->sequence;
	}

	/* outside a batch: sent at once */
	assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	assert_int_equal(dt_output_zmq.queued(ctx), 0);
	assert_int_equal(sub_recv(s, topic, sizeof(topic), m, 2000), 1);
	assert_int_equal(m->sequence, last + 1);

	dt_output_zmq_counts(ctx, &published, &dropped, &seq);
	assert_int_equal(published, 1004);
	assert_int_equal(dropped, 0);
	assert_int_equal(dt_output_zmq.dropped(ctx), 0);
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	msg_free(m);
}

/* One "dnsbatch." message within timeout_ms: its envelopes' sequence
 * numbers into seq[] (checked against protobuf-c's reading), their count,
 * or 0 if none came. Stats messages come one at a time: -1. */
static int batch_recv(void *s, uint64_t *seq, int max, struct dt_wire_msg *m, int timeout_ms)
{
	zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
	char topic[DT_WIRE_TOPIC_MAX];
	const uint8_t *p, *end, *env;
	Dnstrail__V1__EnvelopeBatch *pb;
	zmq_msg_t part;
	size_t len;
	int n = 0, t;

	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return 0;
	t = zmq_recv(s, topic, sizeof(topic) - 1, 0);
	assert_true(t > 0);
	topic[t] = '\0';
	zmq_msg_init(&part);
	assert_true(zmq_msg_recv(&part, s, 0) >= 0);
	if (strncmp(topic, "_stats.", 7) == 0) {
		zmq_msg_close(&part);
		return -1;
	}
	assert_string_equal(topic, "dnsbatch.testhost.");
	p = zmq_msg_data(&part);
	end = p + zmq_msg_size(&part);
	while (dt_wire_batch_next(&p, end, &env, &len) == 1) {
		assert_true(n < max);
		assert_int_equal(dt_wire_decode(env, len, m), 0);
		assert_int_equal(m->kind, DT_WIRE_TRANSACTION);
		assert_string_equal(m->rec.query->qname, "batch.example");
		seq[n++] = m->sequence;
	}
	assert_ptr_equal(p, end);
	pb = dnstrail__v1__envelope_batch__unpack(NULL, zmq_msg_size(&part), zmq_msg_data(&part));
	assert_non_null(pb);
	assert_int_equal(pb->n_envelopes, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(pb->envelopes[i]->sequence, seq[i]);
	dnstrail__v1__envelope_batch__free_unpacked(pb, NULL);
	zmq_msg_close(&part);
	return n;
}

/* batch: 8 -- 20 records in one turn leave as 8 + 8 + 4 envelopes, in
 * sequence order; records outside a turn wait for the next flush; a stats
 * message sends the batch first. */
static void test_envelope_batches(void **state)
{
	char ep[128], *eps[] = {ep};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	uint64_t seq[8], last, published, dropped, total;
	int64_t batch = 8;
	void *ctx, *s;
	static const int want[] = {8, 8, 4};

	(void)state;
	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 100000);
	memcpy((char *)ctx + opt("batch")->offset, &batch, sizeof(batch));
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, all_topics, 0);
	wait_joined(ctx, s, m);
	last = m->sequence;
	make_record();

	dt_output_zmq.batch_begin(ctx);
	for (int i = 0; i < 20; i++)
		assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	assert_int_equal(dt_output_zmq.queued(ctx), 4); /* two full batches went */
	dt_output_zmq.batch_end(ctx);
	assert_int_equal(dt_output_zmq.queued(ctx), 0);
	for (int b = 0; b < 3; b++) {
		assert_int_equal(batch_recv(s, seq, 8, m, 2000), want[b]);
		for (int i = 0; i < want[b]; i++)
			assert_int_equal(seq[i], ++last);
	}

	/* outside a turn: held until the next flush */
	for (int i = 0; i < 3; i++)
		assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	assert_int_equal(batch_recv(s, seq, 8, m, 100), 0);
	dt_output_zmq.flush(ctx);
	assert_int_equal(batch_recv(s, seq, 8, m, 2000), 3);
	assert_int_equal(seq[0], last + 1);
	last += 3;

	/* a stats message goes after the batch it interrupts */
	assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	assert_int_equal(dt_output_zmq.heartbeat(ctx, &dt_stats), 0);
	assert_int_equal(batch_recv(s, seq, 8, m, 2000), 1);
	assert_int_equal(seq[0], last + 1);
	assert_int_equal(batch_recv(s, seq, 8, m, 2000), -1);

	dt_output_zmq_counts(ctx, &published, &dropped, &total);
	assert_int_equal(published, 24);
	assert_int_equal(dropped, 0);
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	msg_free(m);
}

/* Walking a batch: every envelope, then the end; a wrong tag, a length past
 * the end or a cut length is an error, never a read past the bytes. */
static void test_batch_walk(void **state)
{
	struct dt_wire_batch b = {0};
	const uint8_t a[3] = {1, 2, 3}, big[300] = {0};
	const uint8_t *p, *end, *env;
	uint8_t *data;
	size_t len, size;
	unsigned n;
	char topic[64];

	(void)state;
	assert_int_equal(dt_wire_batch_add(&b, a, sizeof(a)), 0);
	assert_int_equal(dt_wire_batch_add(&b, big, sizeof(big)), 0); /* two-byte length */
	assert_int_equal(b.len, dt_wire_batch_cost(3) + dt_wire_batch_cost(300));
	data = dt_wire_batch_take(&b, &size, &n);
	assert_non_null(data);
	assert_int_equal(n, 2);
	assert_int_equal(b.n, 0);
	assert_null(dt_wire_batch_take(&b, &len, &n));
	p = data;
	end = data + size;
	assert_int_equal(dt_wire_batch_next(&p, end, &env, &len), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(env, a, 3);
	assert_int_equal(dt_wire_batch_next(&p, end, &env, &len), 1);
	assert_int_equal(len, 300);
	assert_int_equal(dt_wire_batch_next(&p, end, &env, &len), 0);
	/* every cut inside the second envelope's header or bytes fails */
	for (size_t cut = dt_wire_batch_cost(3) + 1; cut < size; cut++) {
		p = data + dt_wire_batch_cost(3);
		assert_int_equal(dt_wire_batch_next(&p, data + cut, &env, &len), -EBADMSG);
	}
	data[0] = 0x12; /* field 2 */
	p = data;
	assert_int_equal(dt_wire_batch_next(&p, end, &env, &len), -EBADMSG);
	free(data);
	dt_wire_batch_release(&b);
	assert_int_equal(dt_wire_batch_topic("h1", topic, sizeof(topic)), 12);
	assert_string_equal(topic, "dnsbatch.h1.");
	assert_int_equal(dt_wire_batch_topic("h1", topic, 8), -ENOSPC);
}

/* A subscriber that does not read: held records that find no room are
 * dropped at batch_end, counted by dropped(), and proven lost by the gaps. */
static void test_batch_drops_counted(void **state)
{
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX];
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	uint64_t published, dropped, seq, received = 0;
	struct dt_gaps *g;
	void *ctx, *s;

	(void)state;
	assert_int_equal(dt_gaps_new(16, &g), 0);
	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 20);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, all_topics, 20);
	wait_joined(ctx, s, m);
	dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);
	make_record();
	for (int b = 0; b < 40; b++) {
		dt_output_zmq.batch_begin(ctx);
		for (int i = 0; i < 500; i++)
			assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
		dt_output_zmq.batch_end(ctx);
	}
	assert_true(dt_output_zmq.dropped(ctx) > 0);
	/* read everything, then one stats message so the tail shows too */
	for (int tries = 0; tries < 50; tries++) {
		bool stats = false;

		while (sub_recv(s, topic, sizeof(topic), m, 200)) {
			dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);
			if (m->kind == DT_WIRE_STATS) {
				stats = true;
				break;
			}
			received++;
		}
		if (stats)
			break;
		dt_output_zmq.heartbeat(ctx, &dt_stats);
	}
	dt_output_zmq_counts(ctx, &published, &dropped, &seq);
	assert_int_equal(published, received);
	assert_int_equal(published + dt_output_zmq.dropped(ctx), 20000);
	/* every drop is a proven gap (failed heartbeats included) */
	assert_int_equal(dt_gaps_counts(g)->lost, dropped);
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	dt_gaps_free(g);
	msg_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_batch_holds_then_sends),
	    cmocka_unit_test(test_batch_drops_counted),
	    cmocka_unit_test(test_envelope_batches),
	    cmocka_unit_test(test_batch_walk),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
