/* SPDX-License-Identifier: MIT */
/* TCP reassembly alone: message boundaries, sequence handling, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/tcp_reasm.h"
#include "core_testlib.h"

struct got {
	unsigned n;
	size_t len[64];
	uint8_t first[64]; /* first byte of each message */
	uint64_t ts[64];
	bool cut[64];
};

static void on_msg(const uint8_t *msg, size_t len, bool cut, const struct dt_packet *pkt,
		   void *user)
{
	struct got *g = user;

	assert_true(g->n < 64);
	g->len[g->n] = len;
	g->cut[g->n] = cut;
	g->first[g->n] = len ? msg[0] : 0;
	g->ts[g->n] = pkt->ts_ns;
	g->n++;
}

/* A stream of messages of the given lengths, message i filled with byte i+1. */
static size_t stream(uint8_t *out, const size_t *lens, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		out[off] = (uint8_t)(lens[i] >> 8);
		out[off + 1] = (uint8_t)lens[i];
		memset(out + off + 2, i + 1, lens[i]);
		off += 2 + lens[i];
	}
	return off;
}

static void seg(struct dt_tcp_reasm *r, uint16_t sport, uint32_t seq, uint8_t flags,
		const uint8_t *data, size_t len, uint64_t ts)
{
	struct dt_packet p;

	pkt_init(&p, DT_TRANSPORT_TCP, "10.0.0.1", sport, "10.0.0.2", 53, ts, data, len);
	p.tcp_seq = seq;
	p.tcp_flags = flags;
	dt_tcp_reasm_segment(r, &p);
}

static int setup(void **state)
{
	memset(&dt_stats, 0, sizeof(dt_stats));
	return 0;
}

static void several_messages_one_segment(void **state)
{
	static const size_t lens[] = { 12, 300, 0, 40 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 4);

	seg(r, 1000, 1, 0, buf, n, T0);
	assert_int_equal(g.n, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(g.len[i], lens[i]);
	assert_int_equal(g.first[0], 1);
	assert_int_equal(g.first[1], 2);
	assert_int_equal(g.first[3], 4);
	dt_tcp_reasm_free(r);
}

static void byte_by_byte(void **state)
{
	static const size_t lens[] = { 20, 513 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 2);

	for (size_t i = 0; i < n; i++) {
		seg(r, 1001, 77 + (uint32_t)i, 0, buf + i, 1, T0 + i);
		if (i < 21)
			assert_int_equal(g.n, 0);
	}
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[0], 20);
	assert_int_equal(g.len[1], 513);
	assert_int_equal(g.first[1], 2);
	assert_int_equal(g.ts[1], T0 + n - 1);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 0);
	dt_tcp_reasm_free(r);
}

static void split_then_rest_with_next_message(void **state)
{
	static const size_t lens[] = { 100, 50, 60 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 3);

	seg(r, 1002, 0, 0, buf, 70, T0);
	assert_int_equal(g.n, 0);
	seg(r, 1002, 70, 0, buf + 70, 100, T0 + 1); /* ends inside message 3 */
	assert_int_equal(g.n, 2);
	seg(r, 1002, 170, 0, buf + 170, n - 170, T0 + 2);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[2], 60);
	assert_int_equal(g.first[2], 3);
	dt_tcp_reasm_free(r);
}

static void duplicates_and_overlaps(void **state)
{
	static const size_t lens[] = { 30, 30 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 2);

	seg(r, 1003, 500, 0, buf, 20, T0);
	seg(r, 1003, 500, 0, buf, 20, T0 + 1); /* exact resend */
	assert_int_equal(dt_stats.duplicates, 1);
	seg(r, 1003, 510, 0, buf + 10, 40, T0 + 2); /* overlaps 10 bytes */
	assert_int_equal(g.n, 1);
	seg(r, 1003, 500, 0, buf, n, T0 + 3); /* everything again, from the start */
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[1], 30);
	assert_int_equal(g.first[1], 2);
	assert_int_equal(dt_stats.tcp_gaps, 0);
	dt_tcp_reasm_free(r);
}

static void gap_gives_up_until_new_connection(void **state)
{
	static const size_t lens[] = { 30, 30 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 2);

	seg(r, 1004, 0, 0, buf, 10, T0);
	seg(r, 1004, 20, 0, buf + 20, n - 20, T0 + 1); /* 10 bytes missing */
	assert_int_equal(g.n, 0);
	assert_int_equal(dt_stats.tcp_gaps, 1);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 10 + n - 20);
	seg(r, 1004, (uint32_t)n, 0, buf, n, T0 + 2);
	assert_int_equal(g.n, 0);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 10 + n - 20 + n);
	/* the 4-tuple reused by a new connection: clean start */
	seg(r, 1004, 9000, DT_TCP_SYN, NULL, 0, T0 + 3);
	seg(r, 1004, 9001, 0, buf, n, T0 + 4);
	assert_int_equal(g.n, 2);
	/* a single missing byte is a gap too */
	seg(r, 1010, 0, 0, buf, 10, T0);
	seg(r, 1010, 11, 0, buf + 11, n - 11, T0 + 1);
	assert_int_equal(dt_stats.tcp_gaps, 2);
	assert_int_equal(g.n, 2);
	dt_tcp_reasm_free(r);
}

/* A segment of orig_len stream bytes of which the capture kept `cap`. */
static void seg_cut(struct dt_tcp_reasm *r, uint16_t sport, uint32_t seq, const uint8_t *data,
		    size_t cap, size_t orig_len, uint64_t ts)
{
	struct dt_packet p;

	pkt_init(&p, DT_TRANSPORT_TCP, "10.0.0.1", sport, "10.0.0.2", 53, ts, data, cap);
	p.orig_len = (uint32_t)orig_len;
	p.tcp_seq = seq;
	p.flags = DT_PKT_TRUNCATED;
	dt_tcp_reasm_segment(r, &p);
}

static void capture_cut_inside_one_message(void **state)
{
	static const size_t lens[] = { 30, 300, 40 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 3);

	/* message 2 ends exactly where the segment ends: only it is cut */
	seg_cut(r, 1005, 1, buf, 100, 32 + 302, T0);
	assert_int_equal(g.n, 2);
	assert_false(g.cut[0]);
	assert_int_equal(g.len[0], 30);
	assert_true(g.cut[1]);
	assert_int_equal(g.len[1], 100 - 32 - 2);
	assert_int_equal(g.first[1], 2);
	seg(r, 1005, 1 + 334, 0, buf + 334, n - 334, T0 + 1);
	assert_int_equal(g.n, 3);
	assert_false(g.cut[2]);
	assert_int_equal(g.len[2], 40);
	assert_int_equal(g.first[2], 3);
	assert_int_equal(dt_stats.tcp_gaps, 0);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 334 - 100);

	/* message 2 goes on in the next segment: its rest is skipped */
	memset(&g, 0, sizeof(g));
	seg_cut(r, 1006, 1, buf, 100, 200, T0);
	assert_int_equal(g.n, 2);
	assert_true(g.cut[1]);
	seg(r, 1006, 201, 0, buf + 200, n - 200, T0 + 1);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[2], 40);
	assert_int_equal(g.first[2], 3);
	assert_false(g.cut[2]);
	assert_int_equal(dt_stats.tcp_gaps, 0);
	dt_tcp_reasm_free(r);
}

static void capture_cut_past_a_message_is_a_gap(void **state)
{
	static const size_t lens[] = { 30, 300, 40 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 3);

	/* the lost bytes run into message 3: its boundary is unknown */
	seg_cut(r, 1007, 1, buf, 100, n, T0);
	assert_int_equal(g.n, 2);
	assert_true(g.cut[1]);
	assert_int_equal(dt_stats.tcp_gaps, 1);
	assert_int_equal(dt_stats.tcp_reassembly_drops, n - 100);
	/* cut inside a length prefix */
	seg_cut(r, 1008, 1, buf, 33, n, T0);
	assert_int_equal(g.n, 3);
	assert_int_equal(dt_stats.tcp_gaps, 2);
	dt_tcp_reasm_free(r);
}

static void fin_rst_idle_close(void **state)
{
	static const size_t lens[] = { 30 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(16, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 1);

	seg(r, 1006, 0, DT_TCP_FIN, buf, n, T0); /* data with FIN: delivered, closed */
	assert_int_equal(g.n, 1);
	assert_int_equal(dt_tcp_reasm_flows(r), 0);
	seg(r, 1007, 0, 0, buf, 10, T0);
	seg(r, 1008, 0, 0, buf, 10, T0 + SEC);
	assert_int_equal(dt_tcp_reasm_flows(r), 2);
	seg(r, 1007, 10, DT_TCP_RST, NULL, 0, T0 + 2);
	assert_int_equal(dt_tcp_reasm_flows(r), 1);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 10); /* the partial message */
	dt_tcp_reasm_expire(r, T0 + 31 * SEC - 1);
	assert_int_equal(dt_tcp_reasm_flows(r), 1);
	dt_tcp_reasm_expire(r, T0 + 31 * SEC);
	assert_int_equal(dt_tcp_reasm_flows(r), 0);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 20);
	/* a pure ACK creates nothing */
	seg(r, 1009, 0, 0, NULL, 0, T0);
	assert_int_equal(dt_tcp_reasm_flows(r), 0);
	assert_int_equal(g.n, 1);
	dt_tcp_reasm_free(r);
}

static void flow_table_lru_eviction(void **state)
{
	static const size_t lens[] = { 30 };
	static uint8_t buf[1024];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(2, 65537, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 1);

	seg(r, 2001, 0, 0, buf, 10, T0);
	seg(r, 2002, 0, 0, buf, 10, T0 + 1);
	seg(r, 2001, 10, 0, buf + 10, 5, T0 + 2); /* 2001 now most recent */
	seg(r, 2003, 0, 0, buf, 10, T0 + 3); /* evicts 2002 */
	assert_int_equal(dt_stats.tcp_flow_evictions, 1);
	assert_int_equal(dt_tcp_reasm_flows(r), 2);
	seg(r, 2001, 15, 0, buf + 15, n - 15, T0 + 4);
	assert_int_equal(g.n, 1); /* 2001 survived with its buffer */
	seg(r, 2002, 10, 0, buf + 10, n - 10, T0 + 5); /* 2002 restarts mid-message */
	assert_int_equal(g.n, 1);
	dt_tcp_reasm_close_all(r);
	assert_int_equal(dt_tcp_reasm_flows(r), 0);
	dt_tcp_reasm_free(r);
	dt_tcp_reasm_free(NULL);
}

static void buffer_bound(void **state)
{
	static const size_t lens[] = { 1000, 20 };
	static uint8_t buf[2048];
	struct got g = { 0 };
	struct dt_tcp_reasm *r = dt_tcp_reasm_new(4, 512, 30 * SEC, on_msg, &g);
	size_t n = stream(buf, lens, 2);

	for (size_t off = 0; off < n; off += 100)
		seg(r, 3001, (uint32_t)off, 0, buf + off, n - off < 100 ? n - off : 100, T0);
	assert_int_equal(g.n, 0); /* a 1000-byte message cannot fit 512 bytes */
	assert_int_equal(dt_stats.tcp_reassembly_drops, n);
	/* whole messages in one segment need no buffer at all */
	seg(r, 3002, 0, 0, buf, n, T0);
	assert_int_equal(g.n, 2);
	dt_tcp_reasm_free(r);
}

static void bad_arguments(void **state)
{
	struct got g = { 0 };

	assert_null(dt_tcp_reasm_new(0, 512, SEC, on_msg, &g));
	assert_null(dt_tcp_reasm_new(4, 1, SEC, on_msg, &g));
	assert_null(dt_tcp_reasm_new(4, 512, SEC, NULL, &g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(several_messages_one_segment, setup),
		cmocka_unit_test_setup(byte_by_byte, setup),
		cmocka_unit_test_setup(split_then_rest_with_next_message, setup),
		cmocka_unit_test_setup(duplicates_and_overlaps, setup),
		cmocka_unit_test_setup(gap_gives_up_until_new_connection, setup),
		cmocka_unit_test_setup(capture_cut_inside_one_message, setup),
		cmocka_unit_test_setup(capture_cut_past_a_message_is_a_gap, setup),
		cmocka_unit_test_setup(fin_rst_idle_close, setup),
		cmocka_unit_test_setup(flow_table_lru_eviction, setup),
		cmocka_unit_test_setup(buffer_bound, setup),
		cmocka_unit_test_setup(bad_arguments, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
