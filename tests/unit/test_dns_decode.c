// SPDX-License-Identifier: MIT
/*
 * dns_decode() on real messages recorded from NSD (tests/data/record-wire.py):
 * header, question, every section, typed presentation, EDNS options.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cmocka.h>

#include "dns/dns.h"
#include "dns_test_util.h"

static struct dns_msg msg;
static uint8_t wire[65536];

static void decode_file(const char *name)
{
	size_t n = wire_load(name, wire, sizeof(wire));
	int err = dns_decode(wire, n, &msg);

	if (err)
		fail_msg("%s: %d %s", name, err, msg.error_text);
	assert_int_equal(msg.error, 0);
	assert_null(msg.error_text);
}

/* The i-th record of a section must have this type and presentation. */
static void expect_rr(unsigned idx, uint8_t section, uint16_t type, const char *name, uint32_t ttl,
		      const char *data)
{
	assert_true(idx < msg.n_rr);
	assert_int_equal(msg.rr[idx].section, section);
	assert_int_equal(msg.rr[idx].type, type);
	assert_int_equal(msg.rr[idx].rclass, 1);
	assert_string_equal(msg.rr[idx].name, name);
	assert_int_equal(msg.rr[idx].ttl, ttl);
	assert_string_equal(msg.rr[idx].data, data);
}

static void test_a(void **state)
{
	decode_file("a.response.bin");
	assert_int_equal(msg.id, 0x1000);
	assert_true(msg.flags & DNS_FLAG_QR);
	assert_true(msg.flags & DNS_FLAG_AA);
	assert_true(msg.flags & DNS_FLAG_RD);
	assert_false(msg.flags & DNS_FLAG_TC);
	assert_int_equal(msg.opcode, 0);
	assert_int_equal(msg.rcode, 0);
	assert_int_equal(msg.qdcount, 1);
	assert_int_equal(msg.ancount, 1);
	assert_int_equal(msg.nscount, 1);
	assert_int_equal(msg.arcount, 2); /* A glue + OPT */
	assert_true(msg.has_question);
	assert_string_equal(msg.qname, "www.example.test");
	assert_int_equal(msg.qtype, 1);
	assert_int_equal(msg.qclass, 1);
	assert_int_equal(msg.n_rr, 3); /* OPT is not a record */
	assert_int_equal(msg.n_answer, 1);
	assert_int_equal(msg.n_authority, 1);
	assert_int_equal(msg.n_additional, 1);
	expect_rr(0, DNS_SECTION_ANSWER, 1, "www.example.test", 3600, "192.0.2.1");
	expect_rr(1, DNS_SECTION_AUTHORITY, 2, "example.test", 3600, "ns1.example.test");
	expect_rr(2, DNS_SECTION_ADDITIONAL, 1, "ns1.example.test", 3600, "192.0.2.53");
	assert_int_equal(msg.rr[0].rdlength, 4);
	assert_memory_equal(msg.rr[0].rdata, "\xc0\x00\x02\x01", 4);
	assert_true(msg.edns.present);
	assert_int_equal(msg.edns.udp_size, 1232);
	assert_false(msg.edns.dnssec_ok);
	assert_int_equal(msg.edns.ede_code, -1);
	assert_null(msg.edns.cookie);
}

static void test_query(void **state)
{
	decode_file("a.query.bin");
	assert_false(msg.flags & DNS_FLAG_QR);
	assert_true(msg.flags & DNS_FLAG_RD);
	assert_string_equal(msg.qname, "www.example.test");
	assert_int_equal(msg.n_rr, 0);
	assert_true(msg.edns.present);
}

static void test_aaaa(void **state)
{
	decode_file("aaaa.response.bin");
	assert_int_equal(msg.qtype, 28);
	expect_rr(0, DNS_SECTION_ANSWER, 28, "www.example.test", 3600, "2001:db8::1");
}

static void test_cname_chain(void **state)
{
	decode_file("cname_chain.response.bin");
	assert_int_equal(msg.n_answer, 3);
	expect_rr(0, DNS_SECTION_ANSWER, 5, "alias.example.test", 3600, "alias2.example.test");
	expect_rr(1, DNS_SECTION_ANSWER, 5, "alias2.example.test", 3600, "www.example.test");
	expect_rr(2, DNS_SECTION_ANSWER, 1, "www.example.test", 3600, "192.0.2.1");
}

static void test_mx(void **state)
{
	decode_file("mx.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 15, "example.test", 3600, "10 mail.example.test");
	expect_rr(1, DNS_SECTION_ANSWER, 15, "example.test", 3600, "20 mail2.example.test");
	expect_rr(3, DNS_SECTION_ADDITIONAL, 1, "mail.example.test", 3600, "192.0.2.25");
}

static void test_txt(void **state)
{
	decode_file("txt.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 16, "txt.example.test", 3600,
		  "\"text\" \"more\" \"with \\\"quotes\\\" and \\\\backslash\" \"caf\\195\\169\"");
}

static void test_srv(void **state)
{
	decode_file("srv.response.bin");
	assert_string_equal(msg.qname, "_sip._udp.example.test");
	expect_rr(0, DNS_SECTION_ANSWER, 33, "_sip._udp.example.test", 3600,
		  "10 60 5060 sip.example.test");
}

static void test_soa(void **state)
{
	decode_file("soa.response.bin");
	assert_false(msg.edns.present);
	expect_rr(0, DNS_SECTION_ANSWER, 6, "example.test", 3600,
		  "ns1.example.test hostmaster.example.test 2024010101 7200 900 1209600 300");
}

static void test_caa(void **state)
{
	decode_file("caa.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 257, "example.test", 3600, "0 issue \"letsencrypt.org\"");
	expect_rr(1, DNS_SECTION_ANSWER, 257, "example.test", 3600,
		  "128 iodef \"mailto:security@example.test\"");
}

static void test_https_svcb(void **state)
{
	decode_file("https.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 65, "example.test", 3600,
		  "1 . alpn=h2,h3 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1");
	decode_file("svcb.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 64, "svc.example.test", 3600,
		  "1 svc-backend.example.test alpn=h2 port=8443 key65333=\"hello\"");
	decode_file("svcb_alias.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 64, "svc-alias.example.test", 3600, "0 svc.example.test");
}

static void test_truncated_udp_and_tcp(void **state)
{
	decode_file("many_udp_tc.response.bin");
	assert_true(msg.flags & DNS_FLAG_TC);
	assert_string_equal(msg.qname, "many.example.test");
	assert_int_equal(msg.n_rr, 0);

	decode_file("many_tcp.response.bin");
	assert_false(msg.flags & DNS_FLAG_TC);
	assert_int_equal(msg.n_answer, 60);
	assert_false(msg.rr_truncated);
	for (unsigned i = 0; i < 60; i++) {
		assert_int_equal(msg.rr[i].type, 1);
		assert_string_equal(msg.rr[i].name, "many.example.test");
		assert_true(strncmp(msg.rr[i].data, "198.51.100.", 11) == 0);
	}
}

static void test_nxdomain(void **state)
{
	char buf[16];

	decode_file("nxdomain.response.bin");
	assert_int_equal(msg.rcode, 3);
	assert_string_equal(dns_rcode_str(msg.rcode, buf), "NXDOMAIN");
	assert_int_equal(msg.n_answer, 0);
	assert_int_equal(msg.n_authority, 1);
	expect_rr(0, DNS_SECTION_AUTHORITY, 6, "example.test", 300,
		  "ns1.example.test hostmaster.example.test 2024010101 7200 900 1209600 300");
}

static void test_unknown_type(void **state)
{
	char buf[16];

	decode_file("unknown_type.response.bin");
	assert_int_equal(msg.qtype, 65280);
	assert_string_equal(dns_type_str(msg.qtype, buf), "TYPE65280");
	expect_rr(0, DNS_SECTION_ANSWER, 65280, "unknown.example.test", 3600, "\\# 4 0A0B0C0D");
}

static void test_escaped_owner(void **state)
{
	decode_file("weird_owner.response.bin");
	assert_string_equal(msg.qname, "weird\\.dot\\032sp.example.test");
	expect_rr(0, DNS_SECTION_ANSWER, 16, "weird\\.dot\\032sp.example.test", 3600,
		  "\"odd owner name\"");
}

static void test_ptr_hinfo_dnssec(void **state)
{
	decode_file("ptr.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 12, "1.2.0.192.in-addr.example.test", 3600,
		  "www.example.test");
	decode_file("hinfo.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 13, "example.test", 3600, "\"PC-Intel-700mhz\" \"Linux\"");
	decode_file("dnskey.response.bin");
	assert_true(msg.edns.dnssec_ok);
	expect_rr(0, DNS_SECTION_ANSWER, 48, "example.test", 3600,
		  "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
		  "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==");
}

static void test_refused_ede(void **state)
{
	char buf[16];

	decode_file("refused.response.bin");
	assert_string_equal(dns_rcode_str(msg.rcode, buf), "REFUSED");
	assert_true(msg.edns.present);
	assert_int_equal(msg.edns.ede_code, 20); /* Not Authoritative */
}

static void test_edns_options(void **state)
{
	decode_file("edns_options.query.bin");
	assert_string_equal(msg.qname, "WWW.Example.TEST"); /* case kept as sent */
	assert_true(msg.edns.present);
	assert_int_equal(msg.edns.udp_size, 4096);
	assert_true(msg.edns.dnssec_ok);
	assert_int_equal(msg.edns.version, 0);
	assert_non_null(msg.edns.client_subnet);
	assert_string_equal(msg.edns.client_subnet, "192.0.2.0/24/0");
	assert_non_null(msg.edns.cookie);
	assert_string_equal(msg.edns.cookie, "0123456789abcdef");

	decode_file("edns_options.response.bin");
	expect_rr(0, DNS_SECTION_ANSWER, 1, "WWW.Example.TEST", 3600, "192.0.2.1");
}

/* Only the answer section kept: the other records are walked (counted in
 * the header, OPT still parsed) but not presented; the result is otherwise
 * the full decode's, and a cut message still fails. */
static void test_keep_answer_only(void **state)
{
	struct dns_decode_opts o = {.keep = DNS_KEEP_ANSWER};
	size_t n = wire_load("a.response.bin", wire, sizeof(wire));

	assert_int_equal(dns_decode_with(wire, n, &msg, &o), 0);
	assert_int_equal(msg.ancount, 1);
	assert_int_equal(msg.nscount, 1);
	assert_int_equal(msg.arcount, 2);
	assert_string_equal(msg.qname, "www.example.test");
	assert_int_equal(msg.n_rr, 1);
	assert_int_equal(msg.n_answer, 1);
	assert_int_equal(msg.n_authority, 0);
	assert_int_equal(msg.n_additional, 0);
	assert_false(msg.rr_truncated); /* left out on purpose, not for want of room */
	expect_rr(0, DNS_SECTION_ANSWER, 1, "www.example.test", 3600, "192.0.2.1");
	assert_true(msg.edns.present);
	assert_int_equal(msg.edns.udp_size, 1232);

	/* the authority and additional sections alone */
	o.keep = DNS_KEEP_AUTHORITY | DNS_KEEP_ADDITIONAL;
	assert_int_equal(dns_decode_with(wire, n, &msg, &o), 0);
	assert_int_equal(msg.n_rr, 2);
	expect_rr(0, DNS_SECTION_AUTHORITY, 2, "example.test", 3600, "ns1.example.test");
	expect_rr(1, DNS_SECTION_ADDITIONAL, 1, "ns1.example.test", 3600, "192.0.2.53");

	/* 0 keeps everything, as dns_decode() */
	o.keep = 0;
	assert_int_equal(dns_decode_with(wire, n, &msg, &o), 0);
	assert_int_equal(msg.n_rr, 3);

	/* EDNS of a skipped additional section still counts: the extended
	 * error of a REFUSED response */
	o.keep = DNS_KEEP_ANSWER;
	n = wire_load("refused.response.bin", wire, sizeof(wire));
	assert_int_equal(dns_decode_with(wire, n, &msg, &o), 0);
	assert_int_equal(msg.edns.ede_code, 20);

	/* more answers than DNS_MAX_RR still say so */
	n = wire_load("many_tcp.response.bin", wire, sizeof(wire));
	assert_int_equal(dns_decode(wire, n, &msg), 0);
	bool truncated = msg.rr_truncated;
	unsigned answers = msg.n_answer;
	assert_int_equal(dns_decode_with(wire, n, &msg, &o), 0);
	assert_int_equal(msg.rr_truncated, truncated);
	assert_int_equal(msg.n_answer, answers);

	/* every strict prefix still fails */
	n = wire_load("a.response.bin", wire, sizeof(wire));
	for (size_t cut = 0; cut < n; cut++)
		if (dns_decode_with(wire, cut, &msg, &o) == 0)
			fail_msg("a.response.bin cut at %zu decoded with the answers only", cut);
}

/* Every strict prefix of a recorded message is an error, never a crash,
 * and keeps the header once 12 bytes are there. */
static void test_every_prefix_fails(void **state)
{
	static const char *const files[] = {
	    "a.response.bin",	      "mx.response.bin",     "txt.response.bin",
	    "https.response.bin",     "svcb.response.bin",   "many_tcp.response.bin",
	    "edns_options.query.bin", "dnskey.response.bin", "refused.response.bin",
	};

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t n = wire_load(files[f], wire, sizeof(wire));
		uint16_t id = (uint16_t)(wire[0] << 8 | wire[1]);

		for (size_t cut = 0; cut < n; cut++) {
			int err = dns_decode(wire, cut, &msg);

			if (err == 0)
				fail_msg("%s cut at %zu decoded", files[f], cut);
			assert_int_equal(msg.error, err);
			assert_non_null(msg.error_text);
			if (cut >= 12)
				assert_int_equal(msg.id, id);
		}
	}
}

static void test_registered_domain(void **state)
{
	char out[256];

	assert_int_equal(dns_registered_domain("www.example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	assert_int_equal(dns_registered_domain("a.b.example.co.uk", out, sizeof(out)), 0);
	assert_string_equal(out, "example.co.uk");
	assert_int_equal(dns_registered_domain("WWW.Example.COM", out, sizeof(out)), 0);
	assert_string_equal(out, "example.com");
	assert_int_equal(dns_registered_domain("com", out, sizeof(out)), -ENOENT);
	assert_int_equal(dns_registered_domain("", out, sizeof(out)), -ENOENT);
	assert_int_equal(dns_registered_domain(NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(dns_registered_domain("www.example.com", out, 4), -ENOSPC);
	dns_registered_domain_cleanup();
	dns_registered_domain_cleanup(); /* twice is fine */
	/* and it reloads after a cleanup */
	assert_int_equal(dns_registered_domain("x.example.org", out, sizeof(out)), 0);
	assert_string_equal(out, "example.org");
	dns_registered_domain_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a),
	    cmocka_unit_test(test_query),
	    cmocka_unit_test(test_aaaa),
	    cmocka_unit_test(test_cname_chain),
	    cmocka_unit_test(test_mx),
	    cmocka_unit_test(test_txt),
	    cmocka_unit_test(test_srv),
	    cmocka_unit_test(test_soa),
	    cmocka_unit_test(test_caa),
	    cmocka_unit_test(test_https_svcb),
	    cmocka_unit_test(test_truncated_udp_and_tcp),
	    cmocka_unit_test(test_nxdomain),
	    cmocka_unit_test(test_unknown_type),
	    cmocka_unit_test(test_escaped_owner),
	    cmocka_unit_test(test_ptr_hinfo_dnssec),
	    cmocka_unit_test(test_refused_ede),
	    cmocka_unit_test(test_edns_options),
	    cmocka_unit_test(test_every_prefix_fails),
	    cmocka_unit_test(test_keep_answer_only),
	    cmocka_unit_test(test_registered_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
