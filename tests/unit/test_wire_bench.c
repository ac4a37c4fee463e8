/* SPDX-License-Identifier: MIT */
/*
 * Quick throughput numbers for the wire path (printed, with a low floor
 * asserted so a pathological regression fails):
 *   1. out_zmq process(): encode + XPUB send, a subscriber thread draining
 *      over ipc:// (what the forwarder sustains per core);
 *   2. subscriber side: dt_wire_decode + dt_ecs_json per message.
 * Records are real A query/response pairs from tests/data/wire.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "core/ecs_json.h"
#include "outputs/out_zmq.h"
#include "wire/record_proto.h"

#define SECONDS 1.0

static uint8_t qw[512], rw[4096];
static size_t qlen, rlen;
static struct dns_msg *q, *r;
static struct dt_record rec;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", DT_WIRE_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void make_record(void)
{
	q = calloc(1, sizeof(*q));
	r = calloc(1, sizeof(*r));
	assert_non_null(q);
	assert_non_null(r);
	qlen = load("a.query.bin", qw, sizeof(qw));
	rlen = load("a.response.bin", rw, sizeof(rw));
	assert_int_equal(dns_decode(qw, qlen, q), 0);
	assert_int_equal(dns_decode(rw, rlen, r), 0);
	rec.status = DT_STATUS_OK;
	rec.query_ts_ns = 1764115200000000000ull;
	rec.response_ts_ns = rec.query_ts_ns + 512345;
	rec.has_process = true;
	rec.process.pid = 4242;
	rec.process.tid = 4243;
	rec.process.ppid = 1;
	strcpy(rec.process.name, "curl");
	strcpy(rec.process.thread_name, "curl");
	strcpy(rec.process.exe, "/usr/bin/curl");
	rec.family = 4;
	rec.transport = 17;
	memcpy(rec.src_ip, (uint8_t[]){10, 0, 0, 1}, 4);
	memcpy(rec.dst_ip, (uint8_t[]){10, 0, 0, 53}, 4);
	rec.src_port = 40000;
	rec.dst_port = 53;
	rec.query = q;
	rec.response = r;
	rec.query_wire = qw;
	rec.query_wire_len = qlen;
	rec.response_wire = rw;
	rec.response_wire_len = rlen;
	rec.tag = "dns";
	rec.host_name = "bench";
}

struct drain {
	const char *ep;
	volatile int stop;
	uint64_t got;
};

static void *drain_thread(void *arg)
{
	struct drain *d = arg;
	void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_SUB);
	int zero = 0, hwm = 100000, timeout = 100;
	char buf[8192];

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	zmq_connect(s, d->ep);
	while (!d->stop) {
		int more = 0;
		size_t ml = sizeof(more);

		if (zmq_recv(s, buf, sizeof(buf), 0) < 0)
			continue;
		zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml);
		if (!more)
			d->got++; /* count whole messages */
	}
	zmq_close(s);
	zmq_ctx_term(ctx);
	return NULL;
}

static void test_publisher_rate(void **state)
{
	char ep[128], *eps[] = {ep};
	struct dt_errbuf err = {0};
	struct drain d = {.ep = ep};
	uint64_t n = 0, published, dropped, seq;
	void *ctx = calloc(1, dt_output_zmq.ctx_size);
	pthread_t th;
	double t0, t;
	bool yes = true;

	snprintf(ep, sizeof(ep), "ipc:///tmp/dt-bench-%d.sock", (int)getpid());
	for (const struct dt_option *o = dt_output_zmq.options; o->key; o++) {
		char *base = (char *)ctx + o->offset;

		if (strcmp(o->key, "publish") == 0) {
			*(char ***)base = eps;
			*(size_t *)((char *)ctx + o->count_offset) = 1;
		} else if (strcmp(o->key, "sndhwm") == 0) {
			*(int64_t *)base = 100000;
		} else if (strcmp(o->key, "linger") == 0) {
			*(uint64_t *)base = 100000000ull;
		} else if (strcmp(o->key, "include_wire") == 0 || strcmp(o->key, "nodrop") == 0) {
			memcpy(base, &yes, sizeof(yes));
		}
	}
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	pthread_create(&th, NULL, drain_thread, &d);
	/* until the subscription is in */
	for (int i = 0; i < 200 && d.got == 0; i++) {
		dt_output_zmq.heartbeat(ctx, &dt_stats);
		dt_output_zmq.flush(ctx);
		usleep(10000);
	}
	assert_true(d.got > 0);

	t0 = now_s();
	do {
		for (int i = 0; i < 1000; i++)
			dt_output_zmq.process(ctx, &rec);
		n += 1000;
		dt_output_zmq.flush(ctx);
		t = now_s();
	} while (t - t0 < SECONDS);
	dt_output_zmq_counts(ctx, &published, &dropped, &seq);
	usleep(300000);
	d.stop = 1;
	pthread_join(th, NULL);
	print_message("publisher: %.0f records/s offered, %.0f/s published, %llu dropped at the "
		      "high-water mark, subscriber thread received %llu\n",
		      n / (t - t0), published / (t - t0), (unsigned long long)dropped,
		      (unsigned long long)d.got);
	assert_true(published / (t - t0) > 5000);
	dt_output_zmq.exit(ctx);
	free(ctx);
	unlink(ep + strlen("ipc://"));
}

static void test_subscriber_rate(void **state)
{
	struct dt_wire_publisher pub = {.host = "bench", .session_id = 1, .version = "x"};
	struct dt_wire_encoder *enc;
	struct dt_wire_buf buf = {0};
	struct dt_wire_msg *m = calloc(1, sizeof(*m));
	char *json = malloc(DT_ECS_JSON_MAX);
	uint64_t n = 0;
	double t0, t;

	assert_int_equal(dt_wire_encoder_new(&pub, &enc), 0);
	assert_int_equal(dt_wire_encode_record(enc, 1, 0, &rec, true, &buf), 0);
	print_message("one A transaction: %zu bytes of protobuf (wire bytes included)\n", buf.len);
	t0 = now_s();
	do {
		for (int i = 0; i < 1000; i++) {
			assert_int_equal(dt_wire_decode(buf.data, buf.len, m), 0);
			assert_true(dt_ecs_json(&m->rec, json, DT_ECS_JSON_MAX) > 0);
		}
		n += 1000;
		t = now_s();
	} while (t - t0 < SECONDS);
	print_message("subscriber: %.0f messages/s decoded + formatted as ECS JSON\n",
		      n / (t - t0));
	assert_true(n / (t - t0) > 2000);
	dt_wire_msg_release(m);
	dt_wire_buf_release(&buf);
	dt_wire_encoder_free(enc);
	free(m);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_publisher_rate),
	    cmocka_unit_test(test_subscriber_rate),
	};

	make_record();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
