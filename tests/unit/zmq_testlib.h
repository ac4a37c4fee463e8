/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the tests that drive the zmq output in-process (test_wire_zmq,
 * test_zmq_batch): a SUB socket, one [topic][envelope] message decoded, and
 * waiting until the subscription has reached the publisher. The output
 * under test is configured with host "testhost".
 */
#ifndef DT_ZMQ_TESTLIB_H
#define DT_ZMQ_TESTLIB_H

#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "core/stats.h"
#include "outputs/out_zmq.h"
#include "wire/record_proto.h"

/* topics: NULL-terminated prefixes ("" = everything) */
static void *sub_open(const char *ep, const char *const *topics, int rcvhwm)
{
	void *s = zmq_socket(dt_zmq_context(), ZMQ_SUB);
	int zero = 0;

	assert_non_null(s);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	if (rcvhwm)
		zmq_setsockopt(s, ZMQ_RCVHWM, &rcvhwm, sizeof(rcvhwm));
	for (; *topics; topics++)
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, *topics, strlen(*topics));
	assert_int_equal(zmq_connect(s, ep), 0);
	return s;
}

/* One [topic][envelope] message within timeout_ms: 1, or 0 if none came. */
static int sub_recv(void *s, char *topic, size_t tlen, struct dt_wire_msg *m, int timeout_ms)
{
	zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
	zmq_msg_t part;
	int more;
	size_t ml = sizeof(more);
	int n;

	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return 0;
	n = zmq_recv(s, topic, tlen - 1, 0);
	assert_true(n > 0);
	topic[n < (int)tlen - 1 ? n : (int)tlen - 1] = '\0';
	zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
	assert_true(more); /* two frames, always */
	zmq_msg_init(&part);
	assert_true(zmq_msg_recv(&part, s, 0) >= 0);
	zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
	assert_false(more);
	assert_int_equal(dt_wire_decode(zmq_msg_data(&part), zmq_msg_size(&part), m), 0);
	zmq_msg_close(&part);
	return 1;
}

/* Heartbeats until the subscriber's subscription reached the publisher. */
static void wait_joined(void *ctx, void *s, struct dt_wire_msg *m)
{
	char topic[DT_WIRE_TOPIC_MAX];

	for (int i = 0; i < 100; i++) {
		dt_output_zmq.flush(ctx);
		dt_output_zmq.heartbeat(ctx, &dt_stats);
		if (sub_recv(s, topic, sizeof(topic), m, 50)) {
			assert_string_equal(topic, "_stats.testhost.");
			assert_int_equal(m->kind, DT_WIRE_STATS);
			while (sub_recv(s, topic, sizeof(topic), m, 50))
				;
			return;
		}
	}
	fail_msg("subscriber never joined");
}

static struct dt_wire_msg *msg_new(void)
{
	struct dt_wire_msg *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	return m;
}

static void msg_free(struct dt_wire_msg *m)
{
	dt_wire_msg_release(m);
	free(m);
}

#endif
