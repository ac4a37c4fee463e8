/* SPDX-License-Identifier: MIT */
/*
 * wire: the direct packer (record_pack.c) writes exactly the bytes protobuf-c
 * writes. Every envelope is unpacked with protobuf-c and packed again with
 * it: canonical proto3 output, so any field-order, zero-omission or length
 * mistake shows as a byte difference. Records come from the decoder on every
 * wire sample, in several shapes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnstrail/v1/dnstrail.pb-c.h"
#include "dns/dns.h"
#include "wire/record_proto.h"

static const char *const samples[] = {
	"a",	  "aaaa",      "caa",	     "cname_chain", "dnskey",	 "ds",
	"edns_options", "hinfo", "https",    "many_tcp",    "many_udp_tc", "mx",
	"ns",	  "nxdomain",  "ptr",
};

static size_t load(const char *name, const char *kind, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.%s.bin", DT_WIRE_DIR, name, kind);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Packs rec with the fast path and compares with protobuf-c's own packing. */
static void assert_canonical(struct dt_wire_encoder *enc, const struct dt_record *rec,
			     bool include_wire, uint64_t seq)
{
	struct dt_wire_buf buf = {0};
	Dnstrail__V1__Envelope *env;
	uint8_t *again;
	size_t n;

	assert_int_equal(dt_wire_encode_record(enc, seq, seq * 1000, rec, include_wire, &buf), 0);
	env = dnstrail__v1__envelope__unpack(NULL, buf.len, buf.data);
	assert_non_null(env);
	assert_int_equal(env->body_case, DNSTRAIL__V1__ENVELOPE__BODY_TRANSACTION);
	n = dnstrail__v1__envelope__get_packed_size(env);
	assert_int_equal(n, buf.len);
	again = malloc(n);
	assert_non_null(again);
	assert_int_equal(dnstrail__v1__envelope__pack(env, again), n);
	assert_memory_equal(again, buf.data, n);
	free(again);
	dnstrail__v1__envelope__free_unpacked(env, NULL);
	dt_wire_buf_release(&buf);
}

static struct dt_wire_encoder *new_encoder(const char *host)
{
	struct dt_wire_publisher pub = {.host = host,
					.session_id = 0x0123456789abcdefull,
					.version = "9.9.9",
					.pid = 77,
					.start_time_ns = 1764160000000000000ull};
	struct dt_wire_encoder *enc;

	assert_int_equal(dt_wire_encoder_new(&pub, &enc), 0);
	return enc;
}

static void test_samples_match_protobuf_c(void **state)
{
	static uint8_t qw[65536], rw[65536];
	static struct dns_msg q, r;
	struct dt_wire_encoder *enc = new_encoder("web01");
	(void)state;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t ql = load(samples[i], "query", qw, sizeof(qw));
		size_t rl = load(samples[i], "response", rw, sizeof(rw));
		struct dt_record rec = {0};

		dns_decode(qw, ql, &q);
		dns_decode(rw, rl, &r);
		rec.status = DT_STATUS_OK;
		rec.query_ts_ns = 1764160000123456789ull + i;
		rec.response_ts_ns = rec.query_ts_ns + 1000000;
		rec.family = 4;
		rec.transport = 17;
		memcpy(rec.src_ip, "\x0a\x00\x00\x01", 4);
		memcpy(rec.dst_ip, "\x0a\x00\x00\x35", 4);
		rec.src_port = 40000 + (uint16_t)i;
		rec.dst_port = 53;
		rec.query = &q;
		rec.response = &r;
		rec.query_wire = qw;
		rec.query_wire_len = ql;
		rec.response_wire = rw;
		rec.response_wire_len = rl;
		rec.host_name = "web01";
		assert_canonical(enc, &rec, false, i);
		assert_canonical(enc, &rec, true, i + 1000);

		/* IPv6, a process, a tag, flags: every Transaction field set */
		rec.family = 6;
		rec.transport = 6;
		memset(rec.src_ip, 0x20, 16);
		memset(rec.dst_ip, 0xfe, 16);
		rec.flags = DT_REC_NONLINEAR | DT_REC_RETRANSMITTED;
		rec.has_process = true;
		rec.process = (struct dt_process){
			.pid = 4242, .tid = 4243, .ppid = 1, .uid = 1000, .gid = 100,
			.cgroup_id = 0x123456789ull};
		strcpy(rec.process.name, "curl");
		strcpy(rec.process.thread_name, "curl-resolver");
		strcpy(rec.process.exe, "/usr/bin/curl");
		memset(rec.process.container_id, 'a', 64);
		rec.netns = 4026531840u;
		rec.ifindex = 7;
		rec.tag = "dns";
		assert_canonical(enc, &rec, true, UINT64_MAX - i);

		/* timeout: no response; orphan: no query */
		rec.status = DT_STATUS_TIMEOUT;
		rec.response = NULL;
		rec.response_wire = NULL;
		rec.response_wire_len = 0;
		assert_canonical(enc, &rec, true, 0);
		rec.status = DT_STATUS_ORPHAN_RESPONSE;
		rec.query = NULL;
		rec.query_wire = NULL;
		rec.query_wire_len = 0;
		rec.response = &r;
		rec.response_wire = rw;
		rec.response_wire_len = rl;
		rec.tag = "";
		rec.host_name = NULL;
		assert_canonical(enc, &rec, true, 5);
	}
	dt_wire_encoder_free(enc);
}

/* Hand-made corner cases: negative error, EDE, interleaved sections, no
 * family, a submessage over 16 KiB (three-byte length). */
static void test_corners_match_protobuf_c(void **state)
{
	static uint8_t big[40000];
	static struct dns_msg m;
	static const uint8_t rd[4] = {192, 0, 2, 1};
	struct dt_wire_encoder *enc = new_encoder("");
	struct dt_record rec = {0};
	(void)state;

	memset(&m, 0, sizeof(m));
	m.id = 0xffff;
	m.flags = 0xffff;
	m.opcode = 15;
	m.rcode = 4095;
	m.has_question = true;
	m.qname = "";
	m.qtype = 0;
	m.qclass = 0;
	m.rr[0] = (struct dns_rr){.name = "x", .data = "", .rdata = rd, .rdlength = 4,
				  .section = DNS_SECTION_ADDITIONAL};
	m.rr[1] = (struct dns_rr){.name = "", .data = "d", .section = DNS_SECTION_ANSWER};
	m.rr[2] = (struct dns_rr){.name = "y", .section = DNS_SECTION_AUTHORITY, .ttl = 1};
	m.rr[3] = (struct dns_rr){.name = "z", .section = DNS_SECTION_ANSWER, .rdata = rd};
	m.n_rr = 4;
	m.rr_truncated = true;
	m.edns.present = true;
	m.edns.ede_code = 0; /* present, value 0: has_ede with no code */
	m.edns.ede_text = "";
	m.error = -EBADMSG;
	m.error_text = "trailing garbage";
	rec.status = DT_STATUS_MALFORMED;
	rec.response = &m;
	assert_canonical(enc, &rec, true, 1);

	m.edns = (struct dns_edns){.present = true, .ede_code = -1};
	m.error = -1;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	rec.query = &m;
	rec.query_wire = big;
	rec.query_wire_len = sizeof(big);
	rec.family = 4;
	assert_canonical(enc, &rec, true, 2);
	assert_canonical(enc, &rec, false, 3);
	dt_wire_encoder_free(enc);
}

/* record_pack.c guesses how many bytes a nested length takes (two for the
 * transaction, for DNS messages with two records or more and for records
 * with 40 bytes of rdata or more, else one): each guess wrong both ways,
 * around the one/two/three-byte borders, must still give protobuf-c's bytes. */
static void test_length_guesses_match_protobuf_c(void **state)
{
	static uint8_t rd[20000];
	static char text[300];
	static struct dns_msg m;
	struct dt_wire_encoder *enc = new_encoder("h");
	struct dt_record rec = {0};
	static const size_t rdlens[] = {0, 39, 40, 41, 100, 126, 127, 128, 16383, 16384, 20000};
	static const size_t textlens[] = {0, 1, 80, 120, 200, 299};
	uint64_t seq = 1;
	(void)state;

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i * 7);
	/* the smallest transaction: one byte of length where two were kept */
	rec.status = DT_STATUS_TIMEOUT;
	assert_canonical(enc, &rec, true, seq++);
	rec.family = 4;
	assert_canonical(enc, &rec, false, seq++);

	for (size_t r = 0; r < sizeof(rdlens) / sizeof(rdlens[0]); r++) {
		for (size_t t = 0; t < sizeof(textlens) / sizeof(textlens[0]); t++) {
			memset(&m, 0, sizeof(m));
			memset(text, 'a' + (int)t, textlens[t]);
			text[textlens[t]] = '\0';
			m.has_question = true;
			m.qname = "q";
			m.edns.ede_code = -1;
			/* one record (one byte kept for the message), then two (two kept) */
			m.rr[0] = (struct dns_rr){.name = "n", .data = text, .rdata = rd,
						  .rdlength = (uint16_t)rdlens[r],
						  .section = DNS_SECTION_ANSWER, .type = 1};
			m.n_rr = 1;
			rec.response = &m;
			rec.query = NULL;
			assert_canonical(enc, &rec, false, seq++);
			m.rr[1] = (struct dns_rr){.name = "", .section = DNS_SECTION_ADDITIONAL};
			m.n_rr = 2;
			assert_canonical(enc, &rec, false, seq++);
			rec.query = &m;
			assert_canonical(enc, &rec, true, seq++);
		}
	}
	dt_wire_encoder_free(enc);
}

/* The size bound is exact: a message of len bytes fits max = len, not len - 1,
 * and a buffer grown on the way keeps being reused. */
static void test_bound_is_exact(void **state)
{
	static struct dns_msg m;
	struct dt_wire_encoder *enc = new_encoder("h");
	struct dt_wire_buf buf = {0};
	struct dt_record rec = {0};
	uint8_t big[10000] = {1};
	size_t len;
	(void)state;

	memset(&m, 0, sizeof(m));
	m.has_question = true;
	m.qname = "example.com";
	rec.query = &m;
	rec.query_wire = big;
	rec.query_wire_len = sizeof(big);
	assert_int_equal(dt_wire_encode_record(enc, 1, 2, &rec, true, &buf), 0);
	len = buf.len;
	assert_true(len > sizeof(big));
	dt_wire_buf_release(&buf);
	buf.max = len;
	assert_int_equal(dt_wire_encode_record(enc, 1, 2, &rec, true, &buf), 0);
	assert_int_equal(buf.len, len);
	dt_wire_buf_release(&buf);
	buf.max = len - 1;
	assert_int_equal(dt_wire_encode_record(enc, 1, 2, &rec, true, &buf), -EMSGSIZE);
	dt_wire_buf_release(&buf);
	dt_wire_encoder_free(enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_samples_match_protobuf_c),
		cmocka_unit_test(test_corners_match_protobuf_c),
		cmocka_unit_test(test_bound_is_exact),
		cmocka_unit_test(test_length_guesses_match_protobuf_c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
