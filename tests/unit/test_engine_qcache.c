/* SPDX-License-Identifier: MIT */
/*
 * engine: a query whose response comes next is not decoded a second time
 * (the arrival decode is kept). The record must be exactly what a fresh
 * decode of the stored query gives: compared as packed envelopes (every
 * field, raw rdata included) between the kept path (query, response) and
 * the re-decode path (query, other query, response), with the packet buffer
 * scribbled over after each packet, as the capture input reuses it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core_testlib.h"
#include "dnstrail/v1/dnstrail.pb-c.h"
#include "wire/record_proto.h"

static const char *const samples[] = {
	"a",	"aaaa",	       "caa",	 "cname_chain", "dnskey",      "ds", "edns_options",
	"hinfo", "https",      "many_tcp", "many_udp_tc", "mx",	       "ns", "nxdomain",
	"ptr",
};

struct capture {
	struct dt_wire_encoder *enc;
	struct dt_wire_buf out[4];
	unsigned n;
};

static void capture_emit(const struct dt_record *rec, void *user)
{
	struct capture *c = user;

	assert_true(c->n < 4);
	assert_int_equal(dt_wire_encode_record(c->enc, 1, 2, rec, true, &c->out[c->n]), 0);
	c->n++;
}

static uint8_t pktbuf[65536];

/* Feeds w from a scratch buffer that is then overwritten. */
static void feed(struct dt_engine *e, bool to_server, uint16_t cport, uint64_t ts,
		 const struct wire *w)
{
	struct dt_packet p;

	memcpy(pktbuf, w->b, w->n);
	if (to_server)
		pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.1", cport, "10.0.0.2", 53, ts, pktbuf, w->n);
	else
		pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.2", 53, "10.0.0.1", cport, ts, pktbuf, w->n);
	dt_engine_packet(e, &p);
	memset(pktbuf, 0xa5, w->n);
}

static void check_pair(const struct wire *q, const struct wire *r)
{
	static struct wire other;
	struct dt_wire_publisher pub = {.host = "h", .version = "v"};
	struct dt_engine_config cfg = {.tag = "dns", .host_name = "h"};
	struct capture c = {0};
	struct dt_engine *e;
	Dnstrail__V1__Envelope *a, *b;
	uint8_t *pa, *pb;
	size_t n;

	wire_load(&other, "mx.query");
	assert_int_equal(dt_wire_encoder_new(&pub, &c.enc), 0);
	memset(&dt_stats, 0, sizeof(dt_stats));
	cfg.emit = capture_emit;
	cfg.emit_user = &c;
	assert_int_equal(dt_engine_new(&cfg, &e), 0);

	/* kept: the response follows its query */
	feed(e, true, 40000, T0, q);
	feed(e, false, 40000, T0 + MS, r);
	assert_int_equal(c.n, 1);
	/* re-decoded: another query in between */
	feed(e, true, 40000, T0 + SEC, q);
	feed(e, true, 40001, T0 + SEC, &other);
	feed(e, false, 40000, T0 + SEC + MS, r);
	assert_int_equal(c.n, 2);
	/* timeout of the query in between: re-decoded too */
	dt_engine_flush(e);
	assert_int_equal(c.n, 3);
	assert_int_equal(dt_stats.messages_decoded, 5);

	/* same transaction one second later: only the times differ */
	a = dnstrail__v1__envelope__unpack(NULL, c.out[0].len, c.out[0].data);
	b = dnstrail__v1__envelope__unpack(NULL, c.out[1].len, c.out[1].data);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(a->transaction->query);
	b->transaction->query_time_ns = a->transaction->query_time_ns;
	b->transaction->response_time_ns = a->transaction->response_time_ns;
	n = dnstrail__v1__envelope__get_packed_size(a);
	assert_int_equal(n, dnstrail__v1__envelope__get_packed_size(b));
	pa = malloc(n);
	pb = malloc(n);
	assert_non_null(pa);
	assert_non_null(pb);
	dnstrail__v1__envelope__pack(a, pa);
	dnstrail__v1__envelope__pack(b, pb);
	assert_memory_equal(pa, pb, n);
	free(pa);
	free(pb);
	dnstrail__v1__envelope__free_unpacked(a, NULL);
	dnstrail__v1__envelope__free_unpacked(b, NULL);
	dt_engine_free(e);
	for (unsigned k = 0; k < 4; k++)
		dt_wire_buf_release(&c.out[k]);
	dt_wire_encoder_free(c.enc);
}

static void test_kept_query_equals_redecoded(void **state)
{
	static struct wire q, r;
	char name[64];
	(void)state;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(name, sizeof(name), "%s.query", samples[i]);
		wire_load(&q, name);
		snprintf(name, sizeof(name), "%s.response", samples[i]);
		wire_load(&r, name);
		check_pair(&q, &r);
	}
}

/* A query carrying a record (its raw rdata must not point into the packet). */
static void test_query_with_record(void **state)
{
	static const uint8_t qw[] = {
		0x11, 0x11, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
		1, 'x', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7};
	static const uint8_t rw[] = {
		0x11, 0x11, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		1, 'x', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 8};
	static struct wire q, r;
	(void)state;

	memcpy(q.b, qw, sizeof(qw));
	q.n = sizeof(qw);
	memcpy(r.b, rw, sizeof(rw));
	r.n = sizeof(rw);
	check_pair(&q, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_query_equals_redecoded),
		cmocka_unit_test(test_query_with_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
