/* SPDX-License-Identifier: MIT */
/* The engine: matching, retransmissions, copies, timeouts, bounds, TCP. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core_testlib.h"

static const char *CLI = "10.0.0.1", *SRV = "10.0.0.2";

static void feed(struct dt_engine *e, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint64_t ts, const struct wire *w)
{
	struct dt_packet p;

	pkt_init(&p, DT_TRANSPORT_UDP, src, sport, dst, dport, ts, w->b, w->n);
	dt_engine_packet(e, &p);
}

static void query(struct dt_engine *e, uint16_t sport, uint64_t ts, const struct wire *w)
{
	feed(e, CLI, sport, SRV, 53, ts, w);
}

static void answer(struct dt_engine *e, uint16_t dport, uint64_t ts, const struct wire *w)
{
	feed(e, SRV, 53, CLI, dport, ts, w);
}

static void query_response_ok(void **state)
{
	struct dt_engine_config cfg = { .tag = "dns", .host_name = "web01" };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	char ip[INET_ADDRSTRLEN];

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	query(e, 40000, T0, &q);
	assert_int_equal(s.n, 0);
	answer(e, 40000, T0 + 1500000, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_int_equal(s.rec[0].response_ts - s.rec[0].query_ts, 1500000);
	assert_true(s.rec[0].has_query && s.rec[0].has_response);
	assert_string_equal(s.rec[0].qname, "www.example.test");
	assert_int_equal(s.rec[0].qtype, 1);
	assert_int_equal(s.rec[0].rcode, 0);
	assert_int_equal(s.rec[0].n_answer, 1);
	assert_string_equal(s.rec[0].answer0, "192.0.2.1");
	assert_int_equal(s.rec[0].src_port, 40000);
	assert_int_equal(s.rec[0].dst_port, 53);
	inet_ntop(AF_INET, s.rec[0].src_ip, ip, sizeof(ip));
	assert_string_equal(ip, CLI);
	assert_string_equal(s.rec[0].tag, "dns");
	assert_string_equal(s.rec[0].host_name, "web01");
	assert_int_equal(s.rec[0].flags, 0);
	assert_int_equal(s.rec[0].query_wire_len, q.n);
	assert_int_equal(s.rec[0].response_wire_len, r.n);
	assert_int_equal(dt_stats.packets_captured, 2);
	assert_int_equal(dt_stats.messages_decoded, 2);
	assert_int_equal(dt_stats.transactions, 1);
	assert_int_equal(dt_stats.timeouts, 0);
	/* nothing left pending */
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	dt_engine_free(e);
}

/* decode_keep: the answer section alone, or (0, the default) all three;
 * EDNS from the additional section either way. */
static void decode_keep_picks_sections(void **state)
{
	static const unsigned keep[2] = {0, DNS_KEEP_ANSWER};
	static const unsigned want_rr[2] = {3, 1};
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	for (int i = 0; i < 2; i++) {
		struct dt_engine_config cfg = {.decode_keep = keep[i]};
		static struct sink s;
		struct dt_engine *e = engine_with(&s, &cfg);

		query(e, 40000, T0, &q);
		answer(e, 40000, T0 + 1000, &r);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.rec[0].status, DT_STATUS_OK);
		assert_int_equal(s.rec[0].n_answer, 1);
		assert_string_equal(s.rec[0].answer0, "192.0.2.1");
		assert_int_equal(s.rec[0].n_response_rr, want_rr[i]);
		assert_true(s.rec[0].response_edns);
		assert_int_equal(s.rec[0].response_wire_len, r.n); /* the wire stays whole */
		dt_engine_free(e);
	}
}

static void ipv6_and_ports_are_part_of_key(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "aaaa.query");
	wire_load(&r, "aaaa.response");
	feed(e, "2001:db8::10", 5000, "2001:db8::53", 53, T0, &q);
	/* same id, other client port: not this transaction */
	feed(e, "2001:db8::53", 53, "2001:db8::10", 5001, T0 + MS, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_ORPHAN_RESPONSE);
	feed(e, "2001:db8::53", 53, "2001:db8::10", 5000, T0 + 2 * MS, &r);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[1].status, DT_STATUS_OK);
	assert_int_equal(s.rec[1].family, 6);
	assert_int_equal(s.rec[1].response_ts - s.rec[1].query_ts, 2 * MS);
	dt_engine_free(e);
}

static void retransmission_one_record_flagged(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	query(e, 40001, T0, &q);
	query(e, 40001, T0 + SEC, &q); /* resolver resends after 1 s */
	answer(e, 40001, T0 + SEC + 3 * MS, &r);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_true(s.rec[0].flags & DT_REC_RETRANSMITTED);
	assert_int_equal(s.rec[0].query_ts, T0); /* the first sending */
	assert_int_equal(s.rec[0].response_ts - s.rec[0].query_ts, SEC + 3 * MS);
	assert_int_equal(dt_stats.duplicates, 0);
	dt_engine_free(e);
}

static void copies_of_one_packet_are_duplicates(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	struct dt_packet p;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	/* query seen leaving the client's netns, then arriving in the server's */
	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40002, SRV, 53, T0, q.b, q.n);
	p.netns = 111;
	p.direction = DT_DIR_EGRESS;
	dt_engine_packet(e, &p);
	p.netns = 222;
	p.direction = DT_DIR_INGRESS;
	p.ts_ns += 20000;
	/* the copy that knows the sender fills in the identity (any order) */
	p.flags = DT_PKT_HAS_PROCESS;
	p.pid = p.tid = 77;
	dt_engine_packet(e, &p);
	/* response seen in the server's netns, then in the client's */
	pkt_init(&p, DT_TRANSPORT_UDP, SRV, 53, CLI, 40002, T0 + MS, r.b, r.n);
	p.netns = 222;
	dt_engine_packet(e, &p);
	p.netns = 111;
	p.ts_ns += 20000;
	dt_engine_packet(e, &p);
	/* and a late copy of the query after it was answered */
	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40002, SRV, 53, T0 + 30000, q.b, q.n);
	dt_engine_packet(e, &p);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].flags & DT_REC_RETRANSMITTED, 0);
	assert_int_equal(s.rec[0].netns, 111); /* the query's first sighting */
	assert_true(s.rec[0].has_process);
	assert_int_equal(s.rec[0].process.pid, 77);
	assert_int_equal(dt_stats.duplicates, 3);
	assert_int_equal(dt_stats.orphan_responses, 0);
	assert_int_equal(dt_stats.timeouts, 0);
	dt_engine_free(e);
}

static void duplicate_response_counted_not_emitted(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	query(e, 40003, T0, &q);
	answer(e, 40003, T0 + MS, &r);
	answer(e, 40003, T0 + MS + 500 * MS, &r); /* within ~2 s: a copy */
	assert_int_equal(s.n, 1);
	assert_int_equal(dt_stats.duplicates, 1);
	answer(e, 40003, T0 + 4 * SEC, &r); /* long after: an orphan */
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[1].status, DT_STATUS_ORPHAN_RESPONSE);
	dt_engine_free(e);
}

static void response_without_query_is_orphan(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire r;
	char ip[INET_ADDRSTRLEN];

	wire_load(&r, "nxdomain.response");
	answer(e, 40004, T0, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_ORPHAN_RESPONSE);
	assert_false(s.rec[0].has_query);
	assert_true(s.rec[0].has_response);
	assert_int_equal(s.rec[0].query_ts, 0);
	assert_int_equal(s.rec[0].response_ts, T0);
	assert_int_equal(s.rec[0].rcode, 3);
	/* source = the response's destination, the one who asked */
	inet_ntop(AF_INET, s.rec[0].src_ip, ip, sizeof(ip));
	assert_string_equal(ip, CLI);
	assert_int_equal(s.rec[0].src_port, 40004);
	assert_int_equal(s.rec[0].dst_port, 53);
	assert_int_equal(dt_stats.orphan_responses, 1);
	/* its second copy is not a second orphan */
	answer(e, 40004, T0 + 10000, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(dt_stats.duplicates, 1);
	dt_engine_free(e);
}

static void question_must_match(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "txt.response");
	wire_set_id(&r, wire_id(&q));
	query(e, 40005, T0, &q);
	answer(e, 40005, T0 + MS, &r); /* same key, other question */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_ORPHAN_RESPONSE);
	dt_engine_flush(e);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[1].status, DT_STATUS_TIMEOUT);
	assert_string_equal(s.rec[1].qname, "www.example.test");
	dt_engine_free(e);
}

static void question_case_ignored(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	/* DNS 0x20: the response echoes the query's mixed case */
	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	q.b[13] = 'W';
	r.b[15] = 'W';
	query(e, 40006, T0, &q);
	answer(e, 40006, T0 + MS, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	dt_engine_free(e);
}

static void timeout_on_tick(void **state)
{
	struct dt_engine_config cfg = { 0 }; /* default 5 s */
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	query(e, 40007, T0, &q);
	dt_engine_tick(e, T0 + 5 * SEC - 1);
	assert_int_equal(s.n, 0);
	dt_engine_tick(e, T0 + 5 * SEC);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_TIMEOUT);
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_int_equal(s.rec[0].response_ts, 0);
	assert_false(s.rec[0].has_response);
	assert_string_equal(s.rec[0].qname, "www.example.test");
	assert_int_equal(dt_stats.timeouts, 1);
	/* the late response is an orphan now */
	answer(e, 40007, T0 + 6 * SEC, &r);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[1].status, DT_STATUS_ORPHAN_RESPONSE);
	dt_engine_flush(e);
	assert_int_equal(s.n, 2);
	dt_engine_free(e);
}

static void timeout_by_packet_clock_and_custom(void **state)
{
	struct dt_engine_config cfg = { .timeout_ns = 2 * SEC };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q1, q2;

	wire_load(&q1, "a.query");
	wire_load(&q2, "mx.query");
	query(e, 40008, T0, &q1);
	query(e, 40009, T0 + SEC, &q2);
	assert_int_equal(s.n, 0);
	/* a pcap replay's clock: a later packet expires the first query only */
	query(e, 40010, T0 + 2 * SEC + 1, &q2);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].src_port, 40008);
	dt_engine_flush(e);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.rec[1].status, DT_STATUS_TIMEOUT);
	assert_int_equal(s.rec[2].status, DT_STATUS_TIMEOUT);
	assert_int_equal(dt_stats.timeouts, 3);
	dt_engine_free(e);
}

static void timeout_on_flush(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q;

	wire_load(&q, "nxdomain.query");
	for (uint16_t i = 0; i < 10; i++) {
		wire_set_id(&q, i);
		query(e, 40100, T0 + i * MS, &q);
	}
	dt_engine_tick(e, T0 + SEC);
	assert_int_equal(s.n, 0);
	dt_engine_flush(e);
	assert_int_equal(s.n, 10);
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(s.rec[i].status, DT_STATUS_TIMEOUT);
		assert_int_equal(s.rec[i].id, i); /* oldest first */
	}
	assert_int_equal(dt_stats.timeouts, 10);
	assert_int_equal(dt_stats.transactions, 10);
	dt_engine_flush(e);
	assert_int_equal(s.n, 10);
	dt_engine_free(e);
}

static void table_full_evicts_oldest(void **state)
{
	struct dt_engine_config cfg = { .max_pending = 4 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	for (uint16_t i = 1; i <= 6; i++) {
		wire_set_id(&q, i);
		query(e, 40200, T0 + i * MS, &q);
	}
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[0].status, DT_STATUS_TIMEOUT);
	assert_int_equal(s.rec[0].id, 1);
	assert_int_equal(s.rec[1].id, 2);
	assert_int_equal(dt_stats.table_evictions, 2);
	for (uint16_t i = 3; i <= 6; i++) {
		wire_set_id(&r, i);
		answer(e, 40200, T0 + 10 * MS, &r);
		assert_int_equal(s.rec[s.n - 1].status, DT_STATUS_OK);
		assert_int_equal(s.rec[s.n - 1].id, i);
	}
	assert_int_equal(s.n, 6);
	dt_engine_free(e);
}

static void malformed_record_and_counter(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	static const uint8_t shortmsg[5] = { 1, 2, 3, 4, 5 };
	struct dt_packet p;

	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40300, SRV, 53, T0, shortmsg, sizeof(shortmsg));
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_MALFORMED);
	assert_int_equal(dt_stats.malformed, 1);
	assert_int_equal(dt_stats.messages_decoded, 0);
	assert_int_equal(s.rec[0].query_wire_len, 5);

	/* a response whose answer count runs past the data */
	wire_load(&r, "a.response");
	r.b[7] = 9;
	answer(e, 40301, T0 + MS, &r);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[1].status, DT_STATUS_MALFORMED);
	assert_true(s.rec[1].has_response);
	assert_false(s.rec[1].has_query);
	assert_int_equal(s.rec[1].src_port, 40301); /* the client */
	assert_string_equal(s.rec[1].qname, "www.example.test"); /* what could be read */
	assert_int_equal(dt_stats.malformed, 2);

	/* a query with a compression loop in its question: its header is
	 * readable, so it waits for a response (none comes) */
	wire_load(&q, "a.query");
	q.b[12] = 0xc0;
	q.b[13] = 12;
	query(e, 40302, T0 + 2 * MS, &q);
	assert_int_equal(s.n, 2);
	assert_int_equal(dt_stats.malformed, 3);
	dt_engine_flush(e);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.rec[2].status, DT_STATUS_MALFORMED);
	assert_int_equal(dt_stats.malformed, 3);
	assert_int_equal(dt_stats.timeouts, 0);
	dt_engine_free(e);
}

/* Contract: one event per transaction; a bad query whose header is readable
 * and its response are one malformed record, not malformed + orphan. */
static void malformed_query_answered_by_response(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	q.b[7] = 3; /* an answer count that runs past the data */
	query(e, 40320, T0, &q);
	assert_int_equal(s.n, 0);
	assert_int_equal(dt_stats.malformed, 1);
	answer(e, 40320, T0 + 2 * MS, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_MALFORMED);
	assert_true(s.rec[0].has_query);
	assert_true(s.rec[0].has_response);
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_int_equal(s.rec[0].response_ts - s.rec[0].query_ts, 2 * MS);
	assert_int_equal(s.rec[0].src_port, 40320);
	assert_int_equal(s.rec[0].dst_port, 53);
	assert_string_equal(s.rec[0].qname, "www.example.test");
	assert_int_equal(s.rec[0].query_wire_len, q.n);
	assert_int_equal(s.rec[0].response_wire_len, r.n);
	assert_int_equal(dt_stats.malformed, 1);
	assert_int_equal(dt_stats.transactions, 1);
	assert_int_equal(dt_stats.orphan_responses, 0);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1); /* nothing left pending */
	assert_int_equal(dt_stats.timeouts, 0);
	dt_engine_free(e);
}

/* Unanswered, a bad query comes out once at its timeout: malformed, not timeout. */
static void malformed_query_unanswered_times_out_malformed(void **state)
{
	struct dt_engine_config cfg = { .timeout_ns = 100 * MS };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q;

	wire_load(&q, "a.query");
	q.b[12] = 0xc0; /* compression loop: no readable question */
	q.b[13] = 12;
	query(e, 40330, T0, &q);
	query(e, 40330, T0 + 1000, &q); /* a copy from another hop */
	assert_int_equal(s.n, 0);
	dt_engine_tick(e, T0 + 50 * MS);
	assert_int_equal(s.n, 0);
	dt_engine_tick(e, T0 + 100 * MS);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_MALFORMED);
	assert_true(s.rec[0].has_query);
	assert_false(s.rec[0].has_response);
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_int_equal(s.rec[0].src_port, 40330);
	assert_int_equal(dt_stats.malformed, 2); /* messages, copies included */
	assert_int_equal(dt_stats.duplicates, 1);
	assert_int_equal(dt_stats.timeouts, 0);
	assert_int_equal(dt_stats.transactions, 1);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	dt_engine_free(e);
}

/* Contract: one event per transaction; a bad response to a pending query is
 * that query's record (malformed), not a malformed record plus a timeout. */
static void malformed_response_answers_its_query(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	r.b[7] = 9; /* the answer count runs past the data */
	query(e, 40310, T0, &q);
	answer(e, 40310, T0 + MS, &r);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_MALFORMED);
	assert_true(s.rec[0].has_query);
	assert_true(s.rec[0].has_response);
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_int_equal(s.rec[0].response_ts, T0 + MS);
	assert_int_equal(s.rec[0].src_port, 40310);
	assert_int_equal(dt_stats.malformed, 1);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1); /* no timeout follows */
	assert_int_equal(dt_stats.timeouts, 0);
	dt_engine_free(e);
}

static void truncated_capture_still_matches(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	struct dt_packet p;

	wire_load(&q, "many_tcp.query");
	wire_load(&r, "many_tcp.response");
	query(e, 40400, T0, &q);
	/* only the first 100 bytes of the response were captured */
	pkt_init(&p, DT_TRANSPORT_UDP, SRV, 53, CLI, 40400, T0 + MS, r.b, 100);
	p.orig_len = (uint32_t)r.n;
	p.flags = DT_PKT_TRUNCATED;
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_true(s.rec[0].flags & DT_REC_RESPONSE_TRUNCATED);
	assert_int_equal(dt_stats.malformed, 0);
	dt_engine_free(e);
}

static void long_query_keeps_its_question(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q;

	/* a.query padded with a 700-byte EDNS option (arcount 1, OPT last) */
	wire_load(&q, "a.query");
	size_t opt = q.n - 11; /* OPT RR: name(1) type class ttl rdlen(2) */
	assert_int_equal(q.b[opt], 0);
	assert_int_equal(q.b[opt + 2], 41);
	uint16_t rdlen = 4 + 700;
	q.b[opt + 9] = (uint8_t)(rdlen >> 8);
	q.b[opt + 10] = (uint8_t)rdlen;
	memset(q.b + q.n, 0, rdlen);
	q.b[q.n + 1] = 12; /* PADDING option */
	q.b[q.n + 2] = 700 >> 8;
	q.b[q.n + 3] = 700 & 0xff;
	q.n += rdlen;
	query(e, 40500, T0, &q);
	assert_int_equal(dt_stats.messages_decoded, 1);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_TIMEOUT);
	assert_string_equal(s.rec[0].qname, "www.example.test");
	assert_true(s.rec[0].flags & DT_REC_QUERY_TRUNCATED);
	assert_true(s.rec[0].query_wire_len <= 512);
	dt_engine_free(e);
}

static int lookups;

static int fake_lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	lookups++;
	assert_int_equal(pid, 4242);
	assert_int_equal(tid, 4243);
	assert_ptr_equal(user, &lookups);
	proc->ppid = 1;
	snprintf(proc->name, sizeof(proc->name), "dig");
	snprintf(proc->exe, sizeof(proc->exe), "/usr/bin/dig");
	snprintf(proc->container_id, sizeof(proc->container_id), "%s", "abc123");
	return 0;
}

/* The sender's identity as the capture reports it for a query of dig's
 * (fake_lookup() adds the rest). */
static void sent_by_dig(struct dt_packet *p)
{
	p->flags = DT_PKT_HAS_PROCESS;
	p->pid = 4242;
	p->tid = 4243;
	p->cgroup_id = 77;
	snprintf(p->comm, sizeof(p->comm), "isc-net-0000");
}

static void process_taken_at_query_time(void **state)
{
	struct dt_engine_config cfg = { .process_lookup = fake_lookup,
					.process_lookup_user = &lookups };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	struct dt_packet p;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	lookups = 0;
	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40600, SRV, 53, T0, q.b, q.n);
	sent_by_dig(&p);
	p.uid = 1000;
	p.gid = 100;
	dt_engine_packet(e, &p);
	/* the response arrives in softirq context: someone else's identity */
	pkt_init(&p, DT_TRANSPORT_UDP, SRV, 53, CLI, 40600, T0 + MS, r.b, r.n);
	p.flags = DT_PKT_HAS_PROCESS;
	p.pid = 9;
	p.tid = 9;
	snprintf(p.comm, sizeof(p.comm), "ksoftirqd/0");
	dt_engine_packet(e, &p);
	assert_int_equal(lookups, 1);
	assert_int_equal(s.n, 1);
	assert_true(s.rec[0].has_process);
	assert_int_equal(s.rec[0].process.pid, 4242);
	assert_int_equal(s.rec[0].process.tid, 4243);
	assert_int_equal(s.rec[0].process.ppid, 1);
	assert_int_equal(s.rec[0].process.uid, 1000);
	assert_int_equal(s.rec[0].process.gid, 100);
	assert_int_equal(s.rec[0].process.cgroup_id, 77);
	assert_string_equal(s.rec[0].process.name, "dig");
	assert_string_equal(s.rec[0].process.thread_name, "isc-net-0000");
	assert_string_equal(s.rec[0].process.exe, "/usr/bin/dig");
	assert_string_equal(s.rec[0].process.container_id, "abc123");
	dt_engine_free(e);
}

/* The first copy of a query came without its sender (seen on a bridge),
 * a second one with it: the pending entry's bytes move to make room for
 * the identity; query, question and identity all come out intact. */
static void process_from_a_later_copy(void **state)
{
	struct dt_engine_config cfg = { .process_lookup = fake_lookup,
					.process_lookup_user = &lookups };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	struct dt_packet p;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	lookups = 0;
	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40601, SRV, 53, T0, q.b, q.n);
	dt_engine_packet(e, &p);
	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40601, SRV, 53, T0 + 1000, q.b, q.n);
	sent_by_dig(&p);
	dt_engine_packet(e, &p);
	pkt_init(&p, DT_TRANSPORT_UDP, SRV, 53, CLI, 40601, T0 + MS, r.b, r.n);
	dt_engine_packet(e, &p);
	assert_int_equal(lookups, 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_true(s.rec[0].has_query);
	assert_int_equal(s.rec[0].query_wire_len, q.n);
	assert_string_equal(s.rec[0].qname, "www.example.test");
	assert_true(s.rec[0].has_process);
	assert_int_equal(s.rec[0].process.pid, 4242);
	assert_int_equal(s.rec[0].process.tid, 4243);
	assert_string_equal(s.rec[0].process.name, "dig");
	assert_string_equal(s.rec[0].process.thread_name, "isc-net-0000");
	assert_string_equal(s.rec[0].process.exe, "/usr/bin/dig");
	assert_string_equal(s.rec[0].process.container_id, "abc123");
	dt_engine_free(e);
}

/* What exec_lookup() says each pid runs: changed by the test between
 * queries, as an exec would. */
static const char *exe_of_4242 = "/usr/bin/dig";

static int exec_lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	(void)tid;
	(void)user;
	proc->ppid = 1;
	snprintf(proc->name, sizeof(proc->name), "dig");
	snprintf(proc->exe, sizeof(proc->exe), "%s", pid == 4242 ? exe_of_4242 : "/usr/bin/other");
	return 0;
}

static void query_from(struct dt_engine *e, uint32_t pid, uint16_t sport, uint64_t ts,
		       struct wire *q)
{
	struct dt_packet p;

	pkt_init(&p, DT_TRANSPORT_UDP, CLI, sport, SRV, 53, ts, q->b, q->n);
	p.flags = DT_PKT_HAS_PROCESS;
	p.pid = pid;
	p.tid = pid;
	snprintf(p.comm, sizeof(p.comm), "dig");
	dt_engine_packet(e, &p);
}

/* Pending queries share their sender's identity; one that changed (an exec)
 * or another process on the same slot (pid + 1024) keeps its own, and each
 * record comes out with the identity of its own query. */
static void identities_shared_and_not(void **state)
{
	struct dt_engine_config cfg = { .process_lookup = exec_lookup };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	exe_of_4242 = "/usr/bin/dig";
	query_from(e, 4242, 41001, T0, &q);
	query_from(e, 4242, 41002, T0 + 1, &q);
	exe_of_4242 = "/usr/local/bin/dig-after-exec";
	query_from(e, 4242, 41003, T0 + 2, &q);
	query_from(e, 4242 + 1024, 41004, T0 + 3, &q);
	for (uint16_t port = 41001; port <= 41004; port++)
		answer(e, port, T0 + MS, &r);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.rec[0].process.exe, "/usr/bin/dig");
	assert_string_equal(s.rec[1].process.exe, "/usr/bin/dig");
	assert_string_equal(s.rec[2].process.exe, "/usr/local/bin/dig-after-exec");
	assert_string_equal(s.rec[3].process.exe, "/usr/bin/other");
	assert_int_equal(s.rec[3].process.pid, 4242 + 1024);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(s.rec[i].process.ppid, 1);
		assert_string_equal(s.rec[i].process.name, "dig");
		assert_string_equal(s.rec[i].process.thread_name, "dig");
	}
	/* all answered: the slot is free again for the new identity */
	query_from(e, 4242, 41005, T0 + 2 * MS, &q);
	answer(e, 41005, T0 + 3 * MS, &r);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.rec[4].process.exe, "/usr/local/bin/dig-after-exec");
	dt_engine_free(e);
}

static int stale_lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	snprintf(proc->name, sizeof(proc->name), "sh");
	snprintf(proc->exe, sizeof(proc->exe), "/usr/bin/sh");
	proc->ppid = 1;
	return 0;
}

static void stale_lookup_after_exec(void **state)
{
	struct dt_engine_config cfg = { .process_lookup = stale_lookup };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q;
	struct dt_packet p;

	wire_load(&q, "a.query");
	pkt_init(&p, DT_TRANSPORT_UDP, CLI, 40800, SRV, 53, T0, q.b, q.n);
	p.flags = DT_PKT_HAS_PROCESS;
	p.pid = p.tid = 500; /* main thread: comm is the process name */
	snprintf(p.comm, sizeof(p.comm), "kdig");
	dt_engine_packet(e, &p);
	/* another thread: its comm says nothing about the process name */
	wire_set_id(&q, 2);
	p.tid = 501;
	snprintf(p.comm, sizeof(p.comm), "worker");
	dt_engine_packet(e, &p);
	dt_engine_flush(e);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rec[0].process.name, "kdig");
	assert_string_equal(s.rec[0].process.exe, ""); /* the cached one was pre-exec */
	assert_int_equal(s.rec[0].process.ppid, 1);
	assert_string_equal(s.rec[1].process.name, "sh");
	assert_string_equal(s.rec[1].process.exe, "/usr/bin/sh");
	assert_string_equal(s.rec[1].process.thread_name, "worker");
	dt_engine_free(e);
}

static void set_emit_keeps_pending(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s, s2;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	query(e, 40700, T0, &q);
	memset(&s2, 0, sizeof(s2));
	dt_engine_set_emit(e, sink_emit, &s2);
	answer(e, 40700, T0 + MS, &r);
	assert_int_equal(s.n, 0);
	assert_int_equal(s2.n, 1);
	assert_int_equal(s2.rec[0].status, DT_STATUS_OK);
	dt_engine_free(e);
	dt_engine_free(NULL);
}

static void bad_config(void **state)
{
	struct dt_engine_config cfg = { .max_pending = (1u << 26) + 1 };
	struct dt_engine *e = NULL;

	assert_int_equal(dt_engine_new(&cfg, &e), -EINVAL);
	assert_null(e);
	cfg.max_pending = 0;
	cfg.max_tcp_buffer = 1;
	assert_int_equal(dt_engine_new(&cfg, &e), -EINVAL);
	assert_int_equal(dt_engine_new(NULL, &e), -EINVAL);
}

/* ---- TCP ---- */

static void tcp_pkt(struct dt_engine *e, bool from_client, uint16_t cport, uint32_t seq,
		    uint8_t flags, const uint8_t *data, size_t len, uint64_t ts)
{
	struct dt_packet p;

	if (from_client)
		pkt_init(&p, DT_TRANSPORT_TCP, CLI, cport, SRV, 53, ts, data, len);
	else
		pkt_init(&p, DT_TRANSPORT_TCP, SRV, 53, CLI, cport, ts, data, len);
	p.tcp_seq = seq;
	p.tcp_flags = flags;
	dt_engine_packet(e, &p);
}

static void tcp_two_messages_one_segment(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q1, q2, r1, r2;
	static uint8_t seg[4096];
	size_t n;

	wire_load(&q1, "a.query");
	wire_load(&q2, "aaaa.query");
	wire_load(&r1, "a.response");
	wire_load(&r2, "aaaa.response");
	tcp_pkt(e, true, 50000, 1000, DT_TCP_SYN, NULL, 0, T0);
	n = tcp_frame(seg, &q1);
	n += tcp_frame(seg + n, &q2);
	tcp_pkt(e, true, 50000, 1001, 0, seg, n, T0 + MS);
	assert_int_equal(dt_stats.messages_decoded, 2);
	n = tcp_frame(seg, &r2);
	n += tcp_frame(seg + n, &r1);
	tcp_pkt(e, false, 50000, 7000, 0, seg, n, T0 + 3 * MS);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].qtype, 28);
	assert_int_equal(s.rec[0].transport, DT_TRANSPORT_TCP);
	assert_int_equal(s.rec[1].status, DT_STATUS_OK);
	assert_int_equal(s.rec[1].qtype, 1);
	assert_int_equal(s.rec[1].response_ts - s.rec[1].query_ts, 2 * MS);
	dt_engine_flush(e);
	assert_int_equal(s.n, 2);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 0);
	dt_engine_free(e);
}

static void tcp_message_over_three_segments(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	static uint8_t seg[4096];
	size_t n, a, b;

	wire_load(&q, "many_tcp.query");
	wire_load(&r, "many_tcp.response");
	assert_true(r.n > 1000);
	n = tcp_frame(seg, &q);
	tcp_pkt(e, true, 50001, 5, 0, seg, n, T0);
	n = tcp_frame(seg, &r);
	a = 1; /* split inside the length prefix */
	b = 600;
	tcp_pkt(e, false, 50001, 100, 0, seg, a, T0 + MS);
	tcp_pkt(e, false, 50001, 100 + a, 0, seg + a, b - a, T0 + 2 * MS);
	assert_int_equal(s.n, 0);
	tcp_pkt(e, false, 50001, 100 + b, DT_TCP_FIN, seg + b, n - b, T0 + 3 * MS);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].n_answer, 60);
	assert_int_equal(s.rec[0].response_wire_len, r.n);
	/* completed by the last segment */
	assert_int_equal(s.rec[0].response_ts - s.rec[0].query_ts, 3 * MS);
	dt_engine_free(e);
}

static void tcp_retransmitted_segment(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	static uint8_t seg[4096];
	size_t n;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	n = tcp_frame(seg, &q);
	tcp_pkt(e, true, 50002, 0xfffffff0u, 0, seg, n, T0); /* wraps the sequence space */
	tcp_pkt(e, true, 50002, 0xfffffff0u, 0, seg, n, T0 + 200 * MS);
	assert_int_equal(dt_stats.messages_decoded, 1);
	assert_int_equal(dt_stats.duplicates, 1);
	n = tcp_frame(seg, &r);
	tcp_pkt(e, false, 50002, 1, 0, seg, 40, T0 + 300 * MS);
	/* resent with more data: overlap trimmed */
	tcp_pkt(e, false, 50002, 1, 0, seg, n, T0 + 310 * MS);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].flags & DT_REC_RETRANSMITTED, 0);
	assert_int_equal(dt_stats.messages_decoded, 2);
	assert_int_equal(dt_stats.malformed, 0);
	dt_engine_free(e);
}

static void tcp_gap_gives_up_flow(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	static uint8_t seg[4096];
	size_t n;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	n = tcp_frame(seg, &q);
	tcp_pkt(e, true, 50003, 10, 0, seg, n, T0);
	n = tcp_frame(seg, &r);
	tcp_pkt(e, false, 50003, 500, 0, seg, 30, T0 + MS);
	/* bytes 30..49 lost */
	tcp_pkt(e, false, 50003, 500 + 50, 0, seg + 50, n - 50, T0 + 2 * MS);
	assert_int_equal(dt_stats.tcp_gaps, 1);
	assert_int_equal(dt_stats.tcp_reassembly_drops, n - 20);
	/* later data on that flow is ignored, not misread as messages */
	tcp_pkt(e, false, 50003, 500 + n, 0, seg, n, T0 + 3 * MS);
	assert_int_equal(dt_stats.malformed, 0);
	assert_int_equal(s.n, 0);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_TIMEOUT);
	dt_engine_free(e);
}

static void tcp_response_not_matched_to_udp_query(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	static uint8_t seg[4096];
	size_t n;

	wire_load(&q, "a.query");
	wire_load(&r, "a.response");
	query(e, 50004, T0, &q); /* UDP */
	n = tcp_frame(seg, &r);
	tcp_pkt(e, false, 50004, 1, 0, seg, n, T0 + MS);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_ORPHAN_RESPONSE);
	assert_int_equal(s.rec[0].transport, DT_TRANSPORT_TCP);
	dt_engine_free(e);
}

static void tcp_response_cut_by_capture_still_matches(void **state)
{
	struct dt_engine_config cfg = { 0 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire q, r;
	static uint8_t seg[4096];
	struct dt_packet p;
	size_t n;

	wire_load(&q, "many_tcp.query");
	wire_load(&r, "many_tcp.response");
	n = tcp_frame(seg, &q);
	tcp_pkt(e, true, 50005, 1, 0, seg, n, T0);
	n = tcp_frame(seg, &r);
	/* one loopback segment, the capture kept 512 bytes of it */
	pkt_init(&p, DT_TRANSPORT_TCP, SRV, 53, CLI, 50005, T0 + MS, seg, 512);
	p.orig_len = (uint32_t)n;
	p.flags = DT_PKT_TRUNCATED;
	p.tcp_seq = 1;
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_true(s.rec[0].flags & DT_REC_RESPONSE_TRUNCATED);
	assert_int_equal(s.rec[0].response_wire_len, 510);
	assert_true(s.rec[0].n_answer > 20); /* what fitted */
	assert_int_equal(dt_stats.malformed, 0);
	assert_int_equal(dt_stats.tcp_gaps, 0);
	dt_engine_free(e);
}

/* Random junk, random TCP sequence numbers, tiny tables: no crash, no
 * leak (ASan build), counters add up, nothing left after a flush. */
static void hostile_input_stays_bounded(void **state)
{
	struct dt_engine_config cfg = { .max_pending = 64, .max_tcp_flows = 8,
					.max_tcp_buffer = 300 };
	static struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	static struct wire w[4];
	static uint8_t junk[2048];
	static const char *names[] = { "a.query", "a.response", "many_tcp.response",
				       "txt.response" };
	unsigned seed = 12345, emitted = 0;
	struct dt_packet p;

	for (int i = 0; i < 4; i++)
		wire_load(&w[i], names[i]);
	for (int i = 0; i < 200000; i++) {
		const struct wire *src = &w[rand_r(&seed) % 4];
		size_t len = src->n;
		bool tcp = rand_r(&seed) % 3 == 0;
		char a[16], b[16];

		memcpy(junk, src->b, len);
		for (int k = rand_r(&seed) % 4; k > 0; k--) /* flip a few bytes */
			junk[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		if (rand_r(&seed) % 8 == 0)
			len = rand_r(&seed) % len;
		snprintf(a, sizeof(a), "10.0.0.%d", rand_r(&seed) % 4);
		snprintf(b, sizeof(b), "10.0.1.%d", rand_r(&seed) % 4);
		pkt_init(&p, tcp ? DT_TRANSPORT_TCP : DT_TRANSPORT_UDP, a, 1000 + rand_r(&seed) % 16,
			 b, 53, T0 + (uint64_t)i * 100 * 1000, junk, len);
		if (rand_r(&seed) % 2) {
			/* swap ends: responses and queries both ways */
			memcpy(p.saddr, p.daddr, 16);
			inet_pton(AF_INET, a, p.daddr);
			p.dport = p.sport;
			p.sport = 53;
		}
		p.tcp_seq = rand_r(&seed) % 4 ? (uint32_t)(i * 7) : (uint32_t)rand_r(&seed);
		p.tcp_flags = (uint8_t)(rand_r(&seed) % 16 == 0 ? rand_r(&seed) & 7 : 0);
		if (rand_r(&seed) % 16 == 0) {
			p.orig_len = len + rand_r(&seed) % 3000;
			p.flags |= DT_PKT_TRUNCATED;
		}
		dt_engine_packet(e, &p);
		if (i % 1000 == 0)
			dt_engine_tick(e, p.ts_ns);
		emitted += s.n;
		s.n = 0;
	}
	dt_engine_flush(e);
	emitted += s.n;
	assert_int_equal(dt_stats.transactions, emitted);
	assert_int_equal(dt_stats.packets_captured, 200000);
	assert_true(dt_stats.malformed > 0);
	assert_true(dt_stats.table_evictions + dt_stats.timeouts > 0);
	assert_true(dt_stats.tcp_flow_evictions > 0);
	assert_true(dt_stats.transactions >= dt_stats.timeouts + dt_stats.orphan_responses);
	s.n = 0;
	dt_engine_flush(e);
	assert_int_equal(s.n, 0);
	dt_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_response_ok),
		cmocka_unit_test(decode_keep_picks_sections),
		cmocka_unit_test(ipv6_and_ports_are_part_of_key),
		cmocka_unit_test(retransmission_one_record_flagged),
		cmocka_unit_test(copies_of_one_packet_are_duplicates),
		cmocka_unit_test(duplicate_response_counted_not_emitted),
		cmocka_unit_test(response_without_query_is_orphan),
		cmocka_unit_test(question_must_match),
		cmocka_unit_test(question_case_ignored),
		cmocka_unit_test(timeout_on_tick),
		cmocka_unit_test(timeout_by_packet_clock_and_custom),
		cmocka_unit_test(timeout_on_flush),
		cmocka_unit_test(table_full_evicts_oldest),
		cmocka_unit_test(malformed_record_and_counter),
		cmocka_unit_test(malformed_response_answers_its_query),
		cmocka_unit_test(malformed_query_answered_by_response),
		cmocka_unit_test(malformed_query_unanswered_times_out_malformed),
		cmocka_unit_test(truncated_capture_still_matches),
		cmocka_unit_test(long_query_keeps_its_question),
		cmocka_unit_test(process_taken_at_query_time),
		cmocka_unit_test(process_from_a_later_copy),
		cmocka_unit_test(identities_shared_and_not),
		cmocka_unit_test(stale_lookup_after_exec),
		cmocka_unit_test(set_emit_keeps_pending),
		cmocka_unit_test(bad_config),
		cmocka_unit_test(tcp_two_messages_one_segment),
		cmocka_unit_test(tcp_message_over_three_segments),
		cmocka_unit_test(tcp_retransmitted_segment),
		cmocka_unit_test(tcp_gap_gives_up_flow),
		cmocka_unit_test(tcp_response_not_matched_to_udp_query),
		cmocka_unit_test(tcp_response_cut_by_capture_still_matches),
		cmocka_unit_test(hostile_input_stays_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
