/* SPDX-License-Identifier: MIT */
/* wire: struct dt_record -> dnstrail.v1.Envelope -> struct dt_record, every field. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ecs_json.h"
#include "core/text_format.h"
#include "wire/record_proto.h"

/* Strings of a hand-made dns_msg live in its text storage, like the decoder's. */
static const char *put(struct dns_msg *m, const char *s)
{
	char *p = m->text + m->text_used;

	strcpy(p, s);
	m->text_used += strlen(s) + 1;
	return p;
}

static const uint8_t rdata_a[4] = {192, 0, 2, 1};
static const uint8_t rdata_mx[] = {0, 10, 4, 'm', 'a', 'i', 'l', 0};
static const uint8_t query_wire[] = {0x12, 0x34, 1,   0,   0,	1, 0, 0, 0, 0, 0,
				     0,	   3,	 'w', 'w', 'w', 0, 0, 1, 0, 1};
static const uint8_t response_wire[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};

static void make_query(struct dns_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->id = 0x1234;
	m->flags = DNS_FLAG_RD;
	m->qdcount = 1;
	m->arcount = 1;
	m->has_question = true;
	m->qname = put(m, "www.example.com");
	m->qtype = 65280;
	m->qclass = 1;
	m->edns.present = true;
	m->edns.dnssec_ok = true;
	m->edns.udp_size = 1232;
	m->edns.ede_code = -1;
	m->edns.client_subnet = put(m, "192.0.2.0/24/0");
	m->edns.cookie = put(m, "0123456789abcdef");
}

static void make_response(struct dns_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->id = 0x1234;
	m->flags = DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | 3;
	m->opcode = 0;
	m->rcode = 3 + (1 << 4); /* with an EDNS extended part */
	m->qdcount = 1;
	m->ancount = 2;
	m->nscount = 1;
	m->arcount = 2;
	m->has_question = true;
	m->qname = put(m, "www.example.com");
	m->qtype = 65280;
	m->qclass = 1;
	m->rr[0] = (struct dns_rr){.name = put(m, "www.example.com"),
				   .data = put(m, "192.0.2.1"),
				   .rdata = rdata_a,
				   .rdlength = 4,
				   .ttl = 300,
				   .type = 1,
				   .rclass = 1,
				   .section = DNS_SECTION_ANSWER};
	m->rr[1] = (struct dns_rr){.name = put(m, "www.example.com"),
				   .data = put(m, "10 mail"),
				   .rdata = rdata_mx,
				   .rdlength = sizeof(rdata_mx),
				   .ttl = 0xffffffff,
				   .type = 15,
				   .rclass = 1,
				   .section = DNS_SECTION_ANSWER};
	m->rr[2] = (struct dns_rr){.name = put(m, "example.com"),
				   .data = put(m, "ns1.example.com. hostmaster 1 2 3 4 5"),
				   .ttl = 60,
				   .type = 6,
				   .rclass = 1,
				   .section = DNS_SECTION_AUTHORITY};
	m->rr[3] = (struct dns_rr){.name = put(m, ""),
				   .data = put(m, "\\# 0"),
				   .ttl = 1,
				   .type = 65280,
				   .rclass = 254,
				   .section = DNS_SECTION_ADDITIONAL};
	m->n_rr = 4;
	m->n_answer = 2;
	m->n_authority = 1;
	m->n_additional = 1;
	m->rr_truncated = true;
	m->edns.present = true;
	m->edns.version = 0;
	m->edns.udp_size = 4096;
	m->edns.ext_rcode_hi = 1;
	m->edns.ede_code = 18;
	m->edns.ede_text = put(m, "prohibited");
	m->error = -EBADMSG;
	m->error_text = "trailing garbage";
}

static void make_record(struct dt_record *r, struct dns_msg *q, struct dns_msg *a)
{
	memset(r, 0, sizeof(*r));
	r->status = DT_STATUS_OK;
	r->query_ts_ns = 1764160000123456789ull;
	r->response_ts_ns = 1764160000124456789ull;
	r->flags = DT_REC_NONLINEAR | DT_REC_RETRANSMITTED;
	r->has_process = true;
	r->process = (struct dt_process){.pid = 4242,
					 .tid = 4243,
					 .ppid = 1,
					 .uid = 1000,
					 .gid = 100,
					 .cgroup_id = 0x123456789ull};
	strcpy(r->process.name, "curl");
	strcpy(r->process.thread_name, "curl-resolver");
	strcpy(r->process.exe, "/usr/bin/curl");
	memset(r->process.container_id, 'a', 64);
	r->family = 6;
	r->transport = 17;
	for (int i = 0; i < 16; i++) {
		r->src_ip[i] = (uint8_t)(0x20 + i);
		r->dst_ip[i] = (uint8_t)(0x40 + i);
	}
	r->src_port = 54321;
	r->dst_port = 53;
	r->netns = 4026531840u;
	r->ifindex = 7;
	r->query = q;
	r->response = a;
	r->query_wire = query_wire;
	r->query_wire_len = sizeof(query_wire);
	r->response_wire = response_wire;
	r->response_wire_len = sizeof(response_wire);
	r->tag = "dns";
	r->host_name = "web01";
}

static void assert_rr_equal(const struct dns_rr *x, const struct dns_rr *y)
{
	assert_string_equal(x->name, y->name);
	assert_string_equal(x->data, y->data);
	assert_int_equal(x->rdlength, y->rdlength);
	if (x->rdlength)
		assert_memory_equal(x->rdata, y->rdata, x->rdlength);
	else
		assert_null(y->rdata);
	assert_int_equal(x->ttl, y->ttl);
	assert_int_equal(x->type, y->type);
	assert_int_equal(x->rclass, y->rclass);
	assert_int_equal(x->section, y->section);
}

static void assert_opt_str(const char *x, const char *y)
{
	if (!x)
		assert_null(y);
	else
		assert_string_equal(x, y);
}

static void assert_msg_equal(const struct dns_msg *x, const struct dns_msg *y)
{
	assert_int_equal(x->id, y->id);
	assert_int_equal(x->flags, y->flags);
	assert_int_equal(x->opcode, y->opcode);
	assert_int_equal(x->rcode, y->rcode);
	assert_int_equal(x->qdcount, y->qdcount);
	assert_int_equal(x->ancount, y->ancount);
	assert_int_equal(x->nscount, y->nscount);
	assert_int_equal(x->arcount, y->arcount);
	assert_int_equal(x->has_question, y->has_question);
	assert_opt_str(x->qname, y->qname);
	assert_int_equal(x->qtype, y->qtype);
	assert_int_equal(x->qclass, y->qclass);
	assert_int_equal(x->n_rr, y->n_rr);
	assert_int_equal(x->n_answer, y->n_answer);
	assert_int_equal(x->n_authority, y->n_authority);
	assert_int_equal(x->n_additional, y->n_additional);
	for (unsigned i = 0; i < x->n_rr; i++)
		assert_rr_equal(&x->rr[i], &y->rr[i]);
	assert_int_equal(x->rr_truncated, y->rr_truncated);
	assert_int_equal(x->edns.present, y->edns.present);
	assert_int_equal(x->edns.dnssec_ok, y->edns.dnssec_ok);
	assert_int_equal(x->edns.version, y->edns.version);
	assert_int_equal(x->edns.udp_size, y->edns.udp_size);
	assert_int_equal(x->edns.ext_rcode_hi, y->edns.ext_rcode_hi);
	assert_int_equal(x->edns.ede_code, y->edns.ede_code);
	assert_opt_str(x->edns.ede_text, y->edns.ede_text);
	assert_opt_str(x->edns.client_subnet, y->edns.client_subnet);
	assert_opt_str(x->edns.cookie, y->edns.cookie);
	assert_int_equal(x->error, y->error);
	assert_opt_str(x->error_text, y->error_text);
	/* Rebuilt strings live in the message's own text storage. */
	if (y->qname)
		assert_true(y->qname >= y->text && y->qname < y->text + sizeof(y->text));
}

struct fixture {
	struct dns_msg q, a;
	struct dt_record rec;
	struct dt_wire_encoder *enc;
	struct dt_wire_buf buf;
	struct dt_wire_msg out;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct dt_wire_publisher pub = {.host = "web01",
					.session_id = 0xfeedfacecafebeefull,
					.version = "0.1.0",
					.pid = 77,
					.start_time_ns = 5};

	assert_non_null(f);
	make_query(&f->q);
	make_response(&f->a);
	make_record(&f->rec, &f->q, &f->a);
	assert_int_equal(dt_wire_encoder_new(&pub, &f->enc), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dt_wire_msg_release(&f->out);
	dt_wire_buf_release(&f->buf);
	dt_wire_encoder_free(f->enc);
	free(f);
	return 0;
}

static void test_roundtrip_every_field(void **state)
{
	struct fixture *f = *state;
	const struct dt_record *x = &f->rec, *y;

	assert_int_equal(dt_wire_encode_record(f->enc, 41, 999, x, true, &f->buf), 0);
	assert_true(f->buf.len > 0);
	assert_int_equal(dt_wire_decode(f->buf.data, f->buf.len, &f->out), 0);
	assert_int_equal(f->out.kind, DT_WIRE_TRANSACTION);
	assert_int_equal(f->out.sequence, 41);
	assert_int_equal(f->out.sent_time_ns, 999);
	assert_string_equal(f->out.host, "web01");
	assert_true(f->out.session_id == 0xfeedfacecafebeefull);
	assert_string_equal(f->out.version, "0.1.0");
	assert_int_equal(f->out.pid, 77);
	assert_int_equal(f->out.start_time_ns, 5);

	y = &f->out.rec;
	assert_int_equal(x->status, y->status);
	assert_true(x->query_ts_ns == y->query_ts_ns);
	assert_true(x->response_ts_ns == y->response_ts_ns);
	assert_int_equal(x->flags, y->flags);
	assert_int_equal(x->has_process, y->has_process);
	assert_memory_equal(&x->process, &y->process, sizeof(x->process));
	assert_int_equal(x->family, y->family);
	assert_int_equal(x->transport, y->transport);
	assert_memory_equal(x->src_ip, y->src_ip, 16);
	assert_memory_equal(x->dst_ip, y->dst_ip, 16);
	assert_int_equal(x->src_port, y->src_port);
	assert_int_equal(x->dst_port, y->dst_port);
	assert_int_equal(x->netns, y->netns);
	assert_int_equal(x->ifindex, y->ifindex);
	assert_ptr_equal(y->query, &f->out.query);
	assert_ptr_equal(y->response, &f->out.response);
	assert_msg_equal(x->query, y->query);
	assert_msg_equal(x->response, y->response);
	assert_int_equal(x->query_wire_len, y->query_wire_len);
	assert_memory_equal(x->query_wire, y->query_wire, x->query_wire_len);
	assert_int_equal(x->response_wire_len, y->response_wire_len);
	assert_memory_equal(x->response_wire, y->response_wire, x->response_wire_len);
	assert_string_equal(x->tag, y->tag);
	assert_string_equal(x->host_name, y->host_name);
}

static void test_without_wire_and_absent_parts(void **state)
{
	struct fixture *f = *state;
	const struct dt_record *y = &f->out.rec;

	f->rec.status = DT_STATUS_TIMEOUT;
	f->rec.response = NULL;
	f->rec.response_wire = NULL;
	f->rec.response_wire_len = 0;
	f->rec.has_process = false;
	f->rec.family = 4;
	f->rec.transport = 6;
	f->rec.tag = NULL;
	f->q.edns.present = false;
	assert_int_equal(dt_wire_encode_record(f->enc, 1, 0, &f->rec, false, &f->buf), 0);
	assert_int_equal(dt_wire_decode(f->buf.data, f->buf.len, &f->out), 0);
	assert_int_equal(y->status, DT_STATUS_TIMEOUT);
	assert_null(y->response);
	assert_non_null(y->query);
	assert_false(y->has_process);
	assert_int_equal(y->process.pid, 0);
	assert_int_equal(y->family, 4);
	assert_int_equal(y->transport, 6);
	assert_memory_equal(y->src_ip, f->rec.src_ip, 4);
	assert_int_equal(y->src_ip[4], 0); /* only 4 bytes travel for IPv4 */
	assert_null(y->query_wire);
	assert_int_equal(y->query_wire_len, sizeof(query_wire)); /* the size still travels */
	assert_null(y->response_wire);
	assert_int_equal(y->response_wire_len, 0); /* no response */
	assert_null(y->tag);
	assert_false(y->query->edns.present);
	assert_int_equal(y->query->edns.ede_code, -1);
}

static void test_encoder_reuses_buffer(void **state)
{
	struct fixture *f = *state;
	uint8_t *first;
	size_t cap;

	assert_int_equal(dt_wire_encode_record(f->enc, 1, 0, &f->rec, true, &f->buf), 0);
	first = f->buf.data;
	cap = f->buf.cap;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(dt_wire_encode_record(f->enc, 2 + i, 0, &f->rec, true, &f->buf),
				 0);
	assert_ptr_equal(first, f->buf.data);
	assert_int_equal(cap, f->buf.cap);
}

static void test_size_bound(void **state)
{
	struct fixture *f = *state;

	f->buf.max = 64;
	assert_int_equal(dt_wire_encode_record(f->enc, 1, 0, &f->rec, true, &f->buf), -EMSGSIZE);
	assert_int_equal(dt_wire_decode((const uint8_t *)"", DT_WIRE_MAX_MSG + 1, &f->out),
			 -EMSGSIZE);
}

static void test_garbage_is_rejected(void **state)
{
	struct fixture *f = *state;
	const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3};

	assert_int_equal(dt_wire_decode(junk, sizeof(junk), &f->out), -EBADMSG);
	assert_int_equal(f->out.kind, DT_WIRE_NONE);
	assert_null(f->out.envelope);
}

/* Subscribers decode what the network hands them: flipped and cut frames
 * must give an error or a record the formatters can use, never a crash
 * (run under ASan/UBSan in build-asan/). */
static void test_hostile_frames(void **state)
{
	struct fixture *f = *state;
	uint8_t *copy;
	char *line = malloc(DT_ECS_JSON_MAX);
	uint32_t seed = 12345;
	int ok = 0, bad = 0;

	assert_int_equal(dt_wire_encode_record(f->enc, 1, 0, &f->rec, true, &f->buf), 0);
	copy = malloc(f->buf.len);
	assert_non_null(copy);
	for (int i = 0; i < 20000; i++) {
		size_t len = f->buf.len;
		int flips = 1 + i % 4;

		memcpy(copy, f->buf.data, len);
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			copy[(seed >> 8) % len] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		if (i % 3 == 0)
			len = (seed >> 3) % len; /* cut short too */
		if (dt_wire_decode(copy, len, &f->out) == 0) {
			const struct dt_record *r = &f->out.rec;

			ok++;
			if (f->out.kind == DT_WIRE_TRANSACTION) {
				assert_true(r->family == 0 || r->family == 4 || r->family == 6);
				assert_true(r->status <= DT_STATUS_MALFORMED);
				for (unsigned j = 0; r->response && j < r->response->n_rr; j++)
					assert_non_null(r->response->rr[j].data);
				/* what dnstrail-sub does next */
				assert_true(dt_ecs_json(r, line, DT_ECS_JSON_MAX) > 0);
				assert_true(dt_text_format(r, line, DT_ECS_JSON_MAX) > 0);
			}
		} else {
			bad++;
		}
	}
	print_message("hostile frames: %d decoded, %d rejected\n", ok, bad);
	assert_true(ok > 0 && bad > 0);
	free(copy);
	free(line);
}

static void test_stats_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct dt_stats st;
	struct dt_wire_session_counts sc = {.uptime_ns = 3, .published = 4, .dropped = 5};
	uint64_t *v = (uint64_t *)&st;

	/* Every counter a distinct value: a swapped field shows. */
	for (size_t i = 0; i < sizeof(st) / sizeof(uint64_t); i++)
		v[i] = 1000 + i;
	assert_int_equal(dt_wire_encode_stats(f->enc, 9, 0, &st, &sc, &f->buf), 0);
	assert_int_equal(dt_wire_decode(f->buf.data, f->buf.len, &f->out), 0);
	assert_int_equal(f->out.kind, DT_WIRE_STATS);
	assert_int_equal(f->out.sequence, 9);
	assert_int_equal(f->out.stats.packets_captured, st.packets_captured);
	assert_int_equal(f->out.stats.messages_decoded, st.messages_decoded);
	assert_int_equal(f->out.stats.malformed, st.malformed);
	assert_int_equal(f->out.stats.transactions, st.transactions);
	assert_int_equal(f->out.stats.timeouts, st.timeouts);
	assert_int_equal(f->out.stats.orphan_responses, st.orphan_responses);
	assert_int_equal(f->out.stats.kernel_drops, st.kernel_drops);
	assert_int_equal(f->out.stats.events_published, st.events_published);
	assert_int_equal(f->out.stats.output_drops, st.output_drops);
	assert_int_equal(f->out.stats.filtered, st.filtered);
	assert_int_equal(f->out.stats.duplicates, st.duplicates);
	assert_int_equal(f->out.stats.table_evictions, st.table_evictions);
	assert_int_equal(f->out.stats.tcp_reassembly_drops, st.tcp_reassembly_drops);
	assert_int_equal(f->out.stats.tcp_flow_evictions, st.tcp_flow_evictions);
	assert_int_equal(f->out.stats.tcp_gaps, st.tcp_gaps);
	/* Every counter of struct dt_stats travels (a new one must be added). */
	assert_memory_equal(&f->out.stats, &st, sizeof(st));
	assert_int_equal(f->out.session.uptime_ns, 3);
	assert_int_equal(f->out.session.published, 4);
	assert_int_equal(f->out.session.dropped, 5);
}

static void test_topics(void **state)
{
	struct fixture *f = *state;
	char buf[DT_WIRE_TOPIC_MAX];

	/* NXDOMAIN with the EDNS extension: rcode 19 has no mnemonic here */
	f->a.rcode = 3;
	assert_int_equal(dt_wire_topic(&f->rec, "fallback", buf, sizeof(buf)),
			 (int)strlen("dns.NXDOMAIN.TYPE65280.web01."));
	assert_string_equal(buf, "dns.NXDOMAIN.TYPE65280.web01.");

	f->q.qtype = 1;
	f->rec.host_name = NULL;
	assert_true(dt_wire_topic(&f->rec, "fallback", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.NXDOMAIN.A.fallback.");

	f->rec.status = DT_STATUS_TIMEOUT;
	f->rec.response = NULL;
	assert_true(dt_wire_topic(&f->rec, "h", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.TIMEOUT.A.h.");

	f->rec.status = DT_STATUS_ORPHAN_RESPONSE;
	f->rec.query = NULL;
	f->rec.response = &f->a;
	f->a.rcode = 0;
	f->a.qtype = 28;
	assert_true(dt_wire_topic(&f->rec, "h", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.NOERROR.AAAA.h.");

	f->rec.status = DT_STATUS_MALFORMED;
	f->a.has_question = false;
	assert_true(dt_wire_topic(&f->rec, "h", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "dns.MALFORMED.NONE.h.");

	assert_int_equal(dt_wire_topic(&f->rec, "h", buf, 8), -ENOSPC);
	assert_true(dt_wire_stats_topic("web01", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "_stats.web01.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip_every_field, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_without_wire_and_absent_parts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_encoder_reuses_buffer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_garbage_is_rejected, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats_roundtrip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topics, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
