/* SPDX-License-Identifier: MIT */
/*
 * The zmq output plugin driven through its vtable, with real ZeroMQ
 * subscribers on ipc:// endpoints: framing, topics, gapless sequences,
 * high-water-mark drops that equal the gaps a subscriber proves, topic
 * prefixes, CURVE allowlist and the key file checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "gaps.h"
#include "outputs/out_zmq.h"
#include "outputs/zmq_curve.h"
#include "outputs/zmq_keygen.h"
#include "wire/record_proto.h"
#include "zmq_testlib.h"

/* ---- records ---- */

static struct dns_msg query, response;
static struct dt_record rec;
static const uint8_t qwire[] = {0xab, 0xcd, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};

static void make_record(uint16_t rcode, uint16_t qtype)
{
	memset(&query, 0, offsetof(struct dns_msg, text));
	memset(&response, 0, offsetof(struct dns_msg, text));
	query.id = response.id = 0xabcd;
	query.has_question = response.has_question = true;
	query.qname = response.qname = "www.example.com";
	query.qtype = response.qtype = qtype;
	query.qclass = response.qclass = 1;
	query.edns.ede_code = response.edns.ede_code = -1;
	response.flags = DNS_FLAG_QR | rcode;
	response.rcode = rcode;
	memset(&rec, 0, sizeof(rec));
	rec.status = DT_STATUS_OK;
	rec.query_ts_ns = 1;
	rec.response_ts_ns = 2;
	rec.family = 4;
	rec.transport = 17;
	rec.query = &query;
	rec.response = &response;
	rec.query_wire = qwire;
	rec.query_wire_len = sizeof(qwire);
	rec.host_name = "testhost";
}

/* ---- tests ---- */

static void test_publish_topics_sequence(void **state)
{
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX];
	const char *topics[] = {"dns.", "_stats.", NULL};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	uint64_t before, last_seq, published, dropped, seq;
	void *ctx, *s;

	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 1000);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, topics, 0);
	wait_joined(ctx, s, m);
	last_seq = m->sequence;
	before = dt_stats.events_published;

	for (int i = 0; i < 100; i++) {
		make_record(i % 2 ? 3 : 0, i % 3 ? 1 : 65280);
		assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	}
	for (int i = 0; i < 100; i++) {
		assert_int_equal(sub_recv(s, topic, sizeof(topic), m, 2000), 1);
		assert_int_equal(m->kind, DT_WIRE_TRANSACTION);
		assert_int_equal(m->sequence, last_seq + 1); /* no holes */
		last_seq = m->sequence;
		assert_string_equal(topic, i % 2 ? (i % 3 ? "dns.NXDOMAIN.A.testhost."
							  : "dns.NXDOMAIN.TYPE65280.testhost.")
						 : (i % 3 ? "dns.NOERROR.A.testhost."
							  : "dns.NOERROR.TYPE65280.testhost."));
		assert_string_equal(m->host, "testhost");
		assert_int_equal(m->rec.query_wire_len, sizeof(qwire));
		assert_int_equal(m->rec.response->rcode, i % 2 ? 3 : 0);
	}
	assert_int_equal(dt_stats.events_published - before, 100);
	dt_output_zmq_counts(ctx, &published, &dropped, &seq);
	assert_int_equal(published, 100);
	assert_int_equal(dropped, 0);
	assert_int_equal(seq, last_seq);

	/* exit sends a final stats message carrying the last sequence number */
	dt_output_zmq.exit(ctx);
	assert_int_equal(sub_recv(s, topic, sizeof(topic), m, 2000), 1);
	assert_int_equal(m->kind, DT_WIRE_STATS);
	assert_int_equal(m->sequence, last_seq + 1);
	assert_int_equal(m->session.published, 100);
	zmq_close(s);
	free(ctx);
	msg_free(m);
}

/* Interned topics are the topics dt_wire_topic_host() writes, one stable
 * string per (rcode, qtype, host), hosts that share a prefix kept apart, and
 * a full table says so instead of growing. */
static void test_topic_table(void **state)
{
	static const char *const hosts[] = {"h", "h2", "", "a-host-name-longer-than-33-bytes.example.org"};
	const char *first[8][4] = {{0}};
	struct dt_wire_topic_table *t;
	char want[DT_WIRE_TOPIC_MAX];
	const char *got;
	size_t len;
	(void)state;

	assert_int_equal(dt_wire_topic_table_new(1000, &t), 0);
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < 8; k++) {
			for (size_t h = 0; h < 4; h++) {
				make_record(k == 1 ? 3 : k == 2 ? 4095 : 0, k == 3 ? 65280 : 1);
				if (k == 4)
					rec.status = DT_STATUS_TIMEOUT;
				if (k == 5)
					rec.response = NULL; /* unanswered: TIMEOUT */
				if (k == 6)
					query.has_question = response.has_question = false; /* NONE */
				if (k == 7) {
					rec.status = DT_STATUS_MALFORMED;
					query.has_question = false; /* the response's question */
					response.qtype = 28;
				}
				assert_true(dt_wire_topic_host(&rec, hosts[h], want, sizeof(want)) > 0);
				got = dt_wire_topic_intern(t, &rec, hosts[h], &len);
				assert_non_null(got);
				assert_int_equal(len, strlen(want));
				assert_string_equal(got, want);
				if (round == 0)
					first[k][h] = got;
				else
					assert_ptr_equal(got, first[k][h]); /* same string, kept */
			}
		}
	}
	/* (TIMEOUT, A) twice: the status and the unanswered query agree */
	assert_int_equal(dt_wire_topic_table_count(t), 7 * 4);
	dt_wire_topic_table_free(t);

	/* full: known topics still found, new ones refused */
	assert_int_equal(dt_wire_topic_table_new(2, &t), 0);
	make_record(0, 1);
	assert_non_null(dt_wire_topic_intern(t, &rec, "h", &len));
	assert_non_null(dt_wire_topic_intern(t, &rec, "h2", &len));
	assert_null(dt_wire_topic_intern(t, &rec, "h3", &len));
	got = dt_wire_topic_intern(t, &rec, "h", &len);
	assert_non_null(got);
	assert_string_equal(got, "dns.NOERROR.A.h.");
	assert_int_equal(dt_wire_topic_table_count(t), 2);
	dt_wire_topic_table_free(t);
	dt_wire_topic_table_free(NULL);
	assert_int_equal(dt_wire_topic_table_new(0, &t), -EINVAL);
}

/* In batches with a host name long enough that libzmq would allocate the
 * topic frame: topics arrive intact (sent as constant messages from the
 * interned table) and send times, one clock read per group of held
 * messages, never go back and stay within the wall-clock span of the sends. */
static void test_batch_topics_send_time(void **state)
{
	static const char host[] = "a-host-name-longer-than-33-bytes.example.org";
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX] = "", want[DT_WIRE_TOPIC_MAX];
	const char *topics[] = {"dns.", "_stats.", NULL};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	uint64_t last_sent = 0, t0, t1, last_seq;
	struct timespec ts;
	void *ctx, *s;
	(void)state;

	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 10000);
	*(const char **)((char *)ctx + opt("host")->offset) = host;
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, topics, 0);
	/* wait_joined() with this host's stats topic */
	snprintf(want, sizeof(want), "_stats.%s.", host);
	for (int i = 0; i < 100 && !sub_recv(s, topic, sizeof(topic), m, 50); i++)
		dt_output_zmq.heartbeat(ctx, &dt_stats);
	assert_string_equal(topic, want);
	while (sub_recv(s, topic, sizeof(topic), m, 50))
		;
	last_seq = m->sequence;

	clock_gettime(CLOCK_REALTIME, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (int b = 0; b < 3; b++) {
		dt_output_zmq.batch_begin(ctx);
		for (int i = 0; i < 300; i++) { /* more than one group of held messages */
			make_record(i % 2 ? 3 : 0, i % 3 ? 1 : 28);
			assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
		}
		dt_output_zmq.batch_end(ctx);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	t1 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (int n = 0; n < 900; n++) {
		int i = n % 300;

		assert_int_equal(sub_recv(s, topic, sizeof(topic), m, 2000), 1);
		assert_int_equal(m->kind, DT_WIRE_TRANSACTION);
		assert_int_equal(m->sequence, last_seq + 1);
		last_seq = m->sequence;
		snprintf(want, sizeof(want), "dns.%s.%s.%s.", i % 2 ? "NXDOMAIN" : "NOERROR",
			 i % 3 ? "A" : "AAAA", host);
		assert_string_equal(topic, want);
		assert_true(m->sent_time_ns >= last_sent);
		assert_true(m->sent_time_ns >= t0 && m->sent_time_ns <= t1);
		last_sent = m->sent_time_ns;
	}
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	msg_free(m);
}

/* A subscriber that goes away and comes back: libzmq reconnects, the new
 * one starts from wherever the publisher is, and claims no loss. */
static void test_subscriber_restart(void **state)
{
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX];
	const char *topics[] = {"dns.", "_stats.", NULL};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	struct dt_gaps *g;
	uint64_t first_session;
	int n = 0;
	void *ctx, *s;

	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 1000);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	make_record(0, 1);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(dt_gaps_new(4, &g), 0);
		s = sub_open(ep, topics, 0);
		wait_joined(ctx, s, m);
		if (round == 0)
			first_session = m->session_id;
		else
			assert_true(m->session_id == first_session); /* same publisher run */
		dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);
		for (int i = 0; i < 20; i++)
			dt_output_zmq.process(ctx, &rec);
		for (n = 0; sub_recv(s, topic, sizeof(topic), m, 500); n++)
			dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);
		assert_int_equal(n, 20);
		assert_int_equal(dt_gaps_counts(g)->lost, 0);
		zmq_close(s);
		dt_gaps_free(g);
		/* published while nobody listens: gone, and not loss for the next one */
		for (int i = 0; i < 5; i++)
			dt_output_zmq.process(ctx, &rec);
	}
	dt_output_zmq.exit(ctx);
	free(ctx);
	msg_free(m);
}

static void test_topic_prefix(void **state)
{
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX];
	const char *topics[] = {"dns.NXDOMAIN.", "_stats.", NULL};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	int n = 0;
	void *ctx, *s;

	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 1000);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, topics, 0);
	wait_joined(ctx, s, m);
	for (int i = 0; i < 30; i++) {
		make_record(i % 3 == 0 ? 3 : 2, 1);
		dt_output_zmq.process(ctx, &rec);
	}
	while (sub_recv(s, topic, sizeof(topic), m, 300)) {
		assert_string_equal(topic, "dns.NXDOMAIN.A.testhost.");
		n++;
	}
	assert_int_equal(n, 10);
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	msg_free(m);
}

/*
 * After a flood: read until the subscriber is idle, then get one stats
 * message through (retrying while the queue is still full) and read up to
 * it, so every message sent before it has arrived. Counts transactions
 * into *received; returns how many heartbeats failed (they used sequence
 * numbers too).
 */
static int drain_to_stats(void *ctx, void *s, struct dt_wire_msg *m, struct dt_gaps *g,
			  uint64_t *received)
{
	char topic[DT_WIRE_TOPIC_MAX];
	int failed = 0;

	for (int tries = 0; tries < 50; tries++) {
		while (sub_recv(s, topic, sizeof(topic), m, 200)) {
			dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);
			if (m->kind == DT_WIRE_STATS)
				return failed; /* a heartbeat that did get through */
			(*received)++;
		}
		if (dt_output_zmq.heartbeat(ctx, &dt_stats) != 0)
			failed++;
	}
	fail_msg("the stats message never arrived");
	return failed;
}

static void test_hwm_drops_equal_proven_loss(void **state)
{
	char ep[128], *eps[] = {ep};
	const char *topics[] = {"dns.", "_stats.", NULL};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	struct dt_gaps *g;
	uint64_t eagain = 0, received = 0, published, dropped, seq;
	int hb_failed;
	void *ctx, *s;

	assert_int_equal(dt_gaps_new(16, &g), 0);
	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 20);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, topics, 20);
	wait_joined(ctx, s, m);
	dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);

	/* The subscriber does not read: queues fill, then EAGAIN, counted. */
	make_record(0, 1);
	for (int i = 0; i < 20000; i++) {
		int rc = dt_output_zmq.process(ctx, &rec);

		assert_true(rc == 0 || rc == -EAGAIN);
		eagain += rc == -EAGAIN;
	}
	assert_true(eagain > 0);
	/* One stats message after the drain, so a loss at the tail shows too. */
	hb_failed = drain_to_stats(ctx, s, m, g, &received);

	dt_output_zmq_counts(ctx, &published, &dropped, &seq);
	assert_int_equal(dropped, eagain + hb_failed);
	assert_int_equal(published + eagain, 20000);
	assert_int_equal(received, published);
	assert_int_equal(dt_gaps_counts(g)->lost, eagain + hb_failed);
	print_message("hwm test: %llu published, %llu dropped (EAGAIN), subscriber lost %llu\n",
		      (unsigned long long)published, (unsigned long long)eagain,
		      (unsigned long long)dt_gaps_counts(g)->lost);
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	dt_gaps_free(g);
	msg_free(m);
}

/* nodrop: false: the full subscriber loses alone, silently for the
 * publisher, and still proves it from the gaps. */
static void test_lossy_mode(void **state)
{
	char ep[128], *eps[] = {ep};
	const char *topics[] = {"dns.", "_stats.", NULL};
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	struct dt_gaps *g;
	uint64_t received = 0, published, dropped, seq;
	bool no = false;
	void *ctx, *s;

	assert_int_equal(dt_gaps_new(16, &g), 0);
	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 20);
	memcpy((char *)ctx + opt("nodrop")->offset, &no, sizeof(no));
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);
	s = sub_open(ep, topics, 20);
	wait_joined(ctx, s, m);
	dt_gaps_see(g, m->host, m->session_id, m->sequence, NULL, NULL);
	make_record(0, 1);
	for (int i = 0; i < 20000; i++)
		assert_int_equal(dt_output_zmq.process(ctx, &rec), 0);
	/* Heartbeats never fail here: one lost in silence is a gap too. */
	assert_int_equal(drain_to_stats(ctx, s, m, g, &received), 0);
	dt_output_zmq_counts(ctx, &published, &dropped, &seq);
	assert_int_equal(dropped, 0);
	assert_true(published >= 20000);
	assert_true(dt_gaps_counts(g)->lost > 0);
	assert_true(received + dt_gaps_counts(g)->lost >= 20000);
	assert_true(received < 20000);
	dt_output_zmq.exit(ctx);
	zmq_close(s);
	free(ctx);
	dt_gaps_free(g);
	msg_free(m);
}

static void keygen(const char *name)
{
	char *argv[] = {"keygen", "-o", tmpdir, (char *)name, NULL};

	assert_int_equal(dt_zmq_keygen_main(4, argv), 0);
}

static void test_keygen_and_secret_mode(void **state)
{
	char sec[128], pub[128], *eps[] = {"ipc:///nonexistent/none"};
	char *argv[] = {"keygen", "-o", tmpdir, "srvmode", NULL};
	struct dt_errbuf err = {0};
	struct stat st;
	void *ctx;

	keygen("srvmode");
	snprintf(sec, sizeof(sec), "%s/srvmode.key_secret", tmpdir);
	snprintf(pub, sizeof(pub), "%s/srvmode.key", tmpdir);
	assert_int_equal(stat(sec, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(pub, &st), 0);
	/* existing files are not overwritten without --force */
	assert_int_not_equal(dt_zmq_keygen_main(4, argv), 0);

	chmod(sec, 0644);
	ctx = new_ctx(eps, 1, 100);
	*(char **)((char *)ctx + opt("curve_secret_key_file")->offset) = sec;
	set_list(ctx, "curve_allow", (char *[]){pub}, 1);
	assert_int_not_equal(dt_output_zmq.init(ctx, &err), 0);
	assert_non_null(strstr(err.msg, "chmod 600"));
	free(ctx);

	/* the public file is no secret key */
	ctx = new_ctx(eps, 1, 100);
	*(char **)((char *)ctx + opt("curve_secret_key_file")->offset) = pub;
	set_list(ctx, "curve_allow", (char *[]){pub}, 1);
	chmod(pub, 0600);
	assert_int_not_equal(dt_output_zmq.init(ctx, &err), 0);
	assert_non_null(strstr(err.msg, "no secret key"));
	free(ctx);
}

static void *curve_sub(const char *ep, const char *server_pub, const char *client_sec)
{
	void *s = zmq_socket(dt_zmq_context(), ZMQ_SUB);
	int zero = 0;
	char err[512];

	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	if (server_pub)
		assert_int_equal(dt_zmq_curve_client(s, server_pub, client_sec, err, sizeof(err)),
				 0);
	zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	assert_int_equal(zmq_connect(s, ep), 0);
	return s;
}

static void test_curve_allowlist(void **state)
{
	char ep[128], *eps[] = {ep}, topic[DT_WIRE_TOPIC_MAX];
	char srv_sec[128], srv_pub[128], ok_sec[128], ok_pub[128], bad_sec[128];
	struct dt_errbuf err = {0};
	struct dt_wire_msg *m = msg_new();
	int got_ok = 0, got_bad = 0, got_plain = 0;
	void *ctx, *ok, *bad, *plain;

	keygen("server");
	keygen("allowed");
	keygen("stranger");
	snprintf(srv_sec, sizeof(srv_sec), "%s/server.key_secret", tmpdir);
	snprintf(srv_pub, sizeof(srv_pub), "%s/server.key", tmpdir);
	snprintf(ok_sec, sizeof(ok_sec), "%s/allowed.key_secret", tmpdir);
	snprintf(ok_pub, sizeof(ok_pub), "%s/allowed.key", tmpdir);
	snprintf(bad_sec, sizeof(bad_sec), "%s/stranger.key_secret", tmpdir);

	next_endpoint(ep, sizeof(ep));
	ctx = new_ctx(eps, 1, 1000);
	*(char **)((char *)ctx + opt("curve_secret_key_file")->offset) = srv_sec;
	set_list(ctx, "curve_allow", (char *[]){ok_pub}, 1);
	assert_int_equal(dt_output_zmq.init(ctx, &err), 0);

	ok = curve_sub(ep, srv_pub, ok_sec);
	bad = curve_sub(ep, srv_pub, bad_sec);
	plain = curve_sub(ep, NULL, NULL);
	make_record(0, 1);
	/* Two seconds of traffic: time for every handshake to finish or fail. */
	for (int i = 0; i < 40; i++) {
		dt_output_zmq.flush(ctx);
		dt_output_zmq.process(ctx, &rec);
		got_ok += sub_recv(ok, topic, sizeof(topic), m, 0);
		got_bad += sub_recv(bad, topic, sizeof(topic), m, 0);
		got_plain += sub_recv(plain, topic, sizeof(topic), m, 0);
		usleep(50000);
	}
	while (sub_recv(ok, topic, sizeof(topic), m, 100))
		got_ok++;
	got_bad += sub_recv(bad, topic, sizeof(topic), m, 100);
	got_plain += sub_recv(plain, topic, sizeof(topic), m, 100);
	print_message("curve: allowed %d, stranger %d, plaintext %d\n", got_ok, got_bad, got_plain);
	assert_true(got_ok > 0);
	assert_int_equal(got_bad, 0);
	assert_int_equal(got_plain, 0);

	dt_output_zmq.exit(ctx);
	zmq_close(ok);
	zmq_close(bad);
	zmq_close(plain);
	free(ctx);
	msg_free(m);
}

static void test_init_errors(void **state)
{
	char *bad[] = {"nonsense://x"};
	struct dt_errbuf err = {0};
	void *ctx = new_ctx(NULL, 0, 100);

	assert_int_not_equal(dt_output_zmq.init(ctx, &err), 0);
	assert_non_null(strstr(err.msg, "publish"));
	free(ctx);
	ctx = new_ctx(bad, 1, 100);
	assert_int_not_equal(dt_output_zmq.init(ctx, &err), 0);
	assert_non_null(strstr(err.msg, "nonsense://x"));
	free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_publish_topics_sequence),
	    cmocka_unit_test(test_topic_table),
	    cmocka_unit_test(test_batch_topics_send_time),
	    cmocka_unit_test(test_subscriber_restart),
	    cmocka_unit_test(test_topic_prefix),
	    cmocka_unit_test(test_hwm_drops_equal_proven_loss),
	    cmocka_unit_test(test_lossy_mode),
	    cmocka_unit_test(test_keygen_and_secret_mode),
	    cmocka_unit_test(test_curve_allowlist),
	    cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
