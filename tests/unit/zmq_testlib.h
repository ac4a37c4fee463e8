/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the tests that drive the zmq output in-process (test_wire_zmq,
 * test_zmq_batch): a private directory for ipc:// endpoints (group setup and
 * teardown), the plugin's context filled through its own option table (host
 * "testhost"), a SUB socket, one [topic][envelope] message decoded, and
 * waiting until the subscription has reached the publisher.
 */
#ifndef DT_ZMQ_TESTLIB_H
#define DT_ZMQ_TESTLIB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "core/stats.h"
#include "outputs/out_zmq.h"
#include "wire/record_proto.h"

static char tmpdir[64];
static int ep_counter;

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dt-test-zmq-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void next_endpoint(char *buf, size_t len)
{
	snprintf(buf, len, "ipc://%s/ep%d", tmpdir, ep_counter++);
}

/* ---- the plugin's context, filled through its own option table ---- */

static const struct dt_option *opt(const char *key)
{
	for (const struct dt_option *o = dt_output_zmq.options; o->key; o++)
		if (strcmp(o->key, key) == 0)
			return o;
	fail_msg("no option %s", key);
	return NULL;
}

static void set_list(void *ctx, const char *key, char **v, size_t n)
{
	const struct dt_option *o = opt(key);

	assert_int_equal(o->type, DT_OPTION_STRING_LIST);
	*(char ***)((char *)ctx + o->offset) = v;
	*(size_t *)((char *)ctx + o->count_offset) = n;
}

static void set_u64(void *ctx, const char *key, uint64_t v)
{
	memcpy((char *)ctx + opt(key)->offset, &v, sizeof(v));
}

/* No periodic stats, 200 ms linger, raw bytes included, nodrop. */
static void *new_ctx(char **publish, size_t n_publish, int64_t hwm)
{
	void *ctx = calloc(1, dt_output_zmq.ctx_size);
	bool yes = true;

	assert_non_null(ctx);
	set_list(ctx, "publish", publish, n_publish);
	set_u64(ctx, "sndhwm", (uint64_t)hwm);
	set_u64(ctx, "linger", 200 * 1000000ull);
	set_u64(ctx, "stats_interval", 0);
	memcpy((char *)ctx + opt("include_wire")->offset, &yes, sizeof(yes));
	memcpy((char *)ctx + opt("nodrop")->offset, &yes, sizeof(yes));
	*(char **)((char *)ctx + opt("host")->offset) = "testhost";
	return ctx;
}

/* ---- subscriber side ---- */

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
