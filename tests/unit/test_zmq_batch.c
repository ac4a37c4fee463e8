/* SPDX-License-Identifier: MIT */
/*
 * The zmq output's batches (batch_begin .. batch_end, one turn of the main
 * loop): records are held back and leave together at batch_end, in sequence
 * order and without holes; a stats message sends what is held first; held
 * records that cannot be sent count in dropped() (the pipeline's
 * output_drops) and leave gaps the subscriber proves. Outside a batch,
 * process() sends at once, as before.
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

#include "gaps.h"
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
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
