// SPDX-License-Identifier: MIT
/*
 * dns_decode() on hand-made messages: malformed ones must fail with the
 * right errno and error_text, keep what was readable, never crash; and the
 * edge cases of valid ones (compression, root, limits, EDNS details).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dns/dns.h"
#include "dns_test_util.h"

static struct dns_msg msg;
static struct wb w;

static void expect_fail(int want)
{
	int err = dns_decode(w.b, w.n, &msg);

	assert_int_equal(err, want);
	assert_int_equal(msg.error, want);
	assert_non_null(msg.error_text);
}

static void question(const char *name, uint16_t type)
{
	wb_name(&w, name);
	wb_u16(&w, type);
	wb_u16(&w, 1);
}

static void test_too_short(void **state)
{
	static const uint8_t hdr[12] = {0x12, 0x34, 0x81, 0x80};

	for (size_t n = 0; n < 12; n++) {
		assert_int_equal(dns_decode(hdr, n, &msg), -EBADMSG);
		assert_non_null(msg.error_text);
		assert_false(msg.has_question);
		assert_int_equal(msg.n_rr, 0);
	}
	assert_int_equal(dns_decode(NULL, 0, &msg), -EBADMSG);
	assert_int_equal(dns_decode(hdr, 12, NULL), -EINVAL);
	/* exactly a header, no counts: fine */
	assert_int_equal(dns_decode(hdr, 12, &msg), 0);
	assert_int_equal(msg.id, 0x1234);
	assert_false(msg.has_question);
}

static void test_pointer_loop(void **state)
{
	/* question name is a pointer to itself */
	wb_header(&w, 7, 0x0100, 1, 0, 0, 0);
	wb_u16(&w, 0xc00c);
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	expect_fail(-ELOOP);
	assert_int_equal(msg.id, 7);
	assert_false(msg.has_question);

	/* answer owner: label "a" then a pointer back to that label */
	wb_header(&w, 8, 0x8180, 1, 1, 0, 0);
	question("x.test", 1);
	{
		size_t at = w.n;

		wb_u8(&w, 1);
		wb_u8(&w, 'a');
		wb_u16(&w, (uint16_t)(0xc000 | at));
	}
	wb_rr(&w, 1, 1, 60, 4);
	wb_u32(&w, 0x01020304);
	expect_fail(-ELOOP);
	assert_true(msg.has_question); /* the question stays */
	assert_string_equal(msg.qname, "x.test");
	assert_int_equal(msg.n_rr, 0);
}

static void test_forward_pointer(void **state)
{
	wb_header(&w, 9, 0x8180, 1, 0, 0, 0);
	wb_u16(&w, 0xc000 | 18); /* points past itself */
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	wb_name(&w, "fwd.test");
	expect_fail(-ELOOP);
	assert_string_equal(msg.error_text, "compression pointer does not point backwards");
}

static void test_pointer_cut_off(void **state)
{
	wb_header(&w, 10, 0, 1, 0, 0, 0);
	wb_u8(&w, 0xc0);
	expect_fail(-EBADMSG);
}

static void test_count_beyond_data(void **state)
{
	wb_header(&w, 11, 0x8180, 1, 3, 0, 0);
	question("www.example.com", 1);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 1, 1, 300, 4);
	wb_u32(&w, 0xc0000201);
	expect_fail(-EBADMSG);
	assert_string_equal(msg.error_text, "record count beyond the end of the message");
	assert_string_equal(msg.qname, "www.example.com");
	assert_int_equal(msg.n_rr, 1); /* the record before the fault */
	assert_string_equal(msg.rr[0].data, "192.0.2.1");

	/* question count beyond the data */
	wb_header(&w, 12, 0, 2, 0, 0, 0);
	question("a.test", 1);
	expect_fail(-EBADMSG);
	assert_true(msg.has_question);
}

static void test_label_64(void **state)
{
	char label[65];

	memset(label, 'x', 64);
	label[64] = '\0';
	wb_header(&w, 13, 0, 1, 0, 0, 0);
	wb_u8(&w, 64);
	wb_mem(&w, label, 64);
	wb_u8(&w, 0);
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	expect_fail(-EMSGSIZE);
	assert_int_equal(msg.id, 13);

	/* 63 is fine */
	wb_header(&w, 14, 0, 1, 0, 0, 0);
	wb_u8(&w, 63);
	wb_mem(&w, label, 63);
	wb_u8(&w, 0);
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_int_equal(strlen(msg.qname), 63);
}

static void put_labels(int n, char c)
{
	for (int i = 0; i < n; i++) {
		wb_u8(&w, 63);
		memset(w.b + w.n, c, 63);
		w.n += 63;
	}
}

static void test_name_too_long(void **state)
{
	/* 4 x 63-byte labels = 257 bytes on the wire */
	wb_header(&w, 15, 0, 1, 0, 0, 0);
	put_labels(4, 'a');
	wb_u8(&w, 0);
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	expect_fail(-EMSGSIZE);
	assert_string_equal(msg.error_text, "name longer than 255 bytes");

	/* 3 x 63 + 61 = 253 + 2 = 255: the longest legal name */
	wb_header(&w, 16, 0, 1, 0, 0, 0);
	put_labels(3, 'a');
	wb_u8(&w, 61);
	memset(w.b + w.n, 'b', 61);
	w.n += 61;
	wb_u8(&w, 0);
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_int_equal(strlen(msg.qname), 253);

	/* over-long through compression: 2 labels + pointer to 3 labels */
	wb_header(&w, 17, 0x8180, 1, 1, 0, 0);
	put_labels(3, 'c');
	wb_u8(&w, 0);
	wb_u16(&w, 1);
	wb_u16(&w, 1);
	put_labels(1, 'd');
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 1, 1, 1, 4);
	wb_u32(&w, 0);
	expect_fail(-EMSGSIZE);
	assert_true(msg.has_question);
}

static void test_truncated_rdata(void **state)
{
	wb_header(&w, 18, 0x8180, 1, 1, 0, 0);
	question("t.test", 16);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 16, 1, 60, 10);
	wb_u8(&w, 3);
	wb_mem(&w, "abc", 3);
	expect_fail(-EBADMSG);
	assert_string_equal(msg.error_text, "record data runs past the end of the message");
	assert_string_equal(msg.qname, "t.test");
	assert_int_equal(msg.qtype, 16);

	/* TXT string longer than its rdata */
	wb_header(&w, 19, 0x8180, 1, 1, 0, 0);
	question("t.test", 16);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 16, 1, 60, 4);
	wb_u8(&w, 9);
	wb_mem(&w, "abc", 3);
	expect_fail(-EBADMSG);

	/* record header cut off */
	wb_header(&w, 20, 0x8180, 1, 1, 0, 0);
	question("t.test", 1);
	wb_u16(&w, 0xc00c);
	wb_u16(&w, 1);
	expect_fail(-EBADMSG);
}

static void test_bad_typed_rdata(void **state)
{
	/* A with 5 bytes */
	wb_header(&w, 21, 0x8180, 1, 1, 0, 0);
	question("t.test", 1);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 1, 1, 60, 5);
	wb_mem(&w, "\1\2\3\4\5", 5);
	expect_fail(-EBADMSG);
	assert_int_equal(msg.n_rr, 0);

	/* MX whose name runs past its rdlength (into the next bytes) */
	wb_header(&w, 22, 0x8180, 1, 1, 0, 0);
	question("t.test", 15);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 15, 1, 60, 4);
	wb_u16(&w, 10);
	wb_name(&w, "mail.test");
	expect_fail(-EBADMSG);

	/* SOA with trailing junk inside the rdata */
	wb_header(&w, 23, 0x8180, 1, 1, 0, 0);
	question("t.test", 6);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 6, 1, 60, 2 + 2 + 20 + 1);
	wb_u16(&w, 0xc00c);
	wb_u16(&w, 0xc00c);
	for (int i = 0; i < 5; i++)
		wb_u32(&w, (uint32_t)i);
	wb_u8(&w, 0);
	expect_fail(-EBADMSG);
	assert_string_equal(msg.error_text, "record data longer than its type needs");
}

static void test_compression_and_root(void **state)
{
	size_t mail;

	wb_header(&w, 24, 0x8180, 1, 3, 0, 0);
	question("example.com", 15); /* at 12 */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 15, 1, 60, 2 + 5 + 2);
	wb_u16(&w, 10);
	mail = w.n;
	wb_u8(&w, 4);
	wb_mem(&w, "mail", 4);
	wb_u16(&w, 0xc00c);
	/* owner: "x" + pointer to "mail.example.com" (two hops) */
	wb_u8(&w, 1);
	wb_u8(&w, 'x');
	wb_u16(&w, (uint16_t)(0xc000 | mail));
	wb_rr(&w, 15, 1, 60, 3);
	wb_u16(&w, 0);
	wb_u8(&w, 0); /* null MX: "0 ." */
	/* root owner, NS pointing at a name with an odd byte */
	wb_u8(&w, 0);
	wb_rr(&w, 2, 1, 60, 5);
	wb_u8(&w, 3);
	wb_mem(&w, "a\x01Z", 3);
	wb_u8(&w, 0);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_int_equal(msg.n_rr, 3);
	assert_string_equal(msg.rr[0].data, "10 mail.example.com");
	assert_string_equal(msg.rr[1].name, "x.mail.example.com");
	assert_string_equal(msg.rr[1].data, "0 .");
	assert_string_equal(msg.rr[2].name, "");
	assert_string_equal(msg.rr[2].data, "a\\001Z");

	/* a root question */
	wb_header(&w, 25, 0, 1, 0, 0, 0);
	question("", 2);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_true(msg.has_question);
	assert_string_equal(msg.qname, "");
	assert_int_equal(msg.qtype, 2);

	/* no question at all */
	wb_header(&w, 26, 0x8180, 0, 0, 0, 0);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_false(msg.has_question);
	assert_null(msg.qname);
}

static void test_rr_limit(void **state)
{
	wb_header(&w, 27, 0x8180, 1, 200, 0, 0);
	question("many.test", 1);
	for (int i = 0; i < 200; i++) {
		wb_u16(&w, 0xc00c);
		wb_rr(&w, 1, 1, 60, 4);
		wb_u32(&w, 0x0a000000u + (uint32_t)i);
	}
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_int_equal(msg.n_rr, DNS_MAX_RR);
	assert_int_equal(msg.n_answer, DNS_MAX_RR);
	assert_true(msg.rr_truncated);
	assert_string_equal(msg.rr[127].data, "10.0.0.127");
}

static void test_text_storage_exhausted(void **state)
{
	/* 10 TXT records of 250 x 255 bytes 0xff: each byte becomes \255 */
	wb_header(&w, 28, 0x8180, 1, 10, 0, 0);
	question("big.test", 16);
	for (int r = 0; r < 10; r++) {
		wb_u16(&w, 0xc00c);
		wb_rr(&w, 16, 1, 60, 25 * 256);
		for (int s = 0; s < 25; s++) {
			wb_u8(&w, 255);
			memset(w.b + w.n, 0xff, 255);
			w.n += 255;
		}
	}
	expect_fail(-ENOSPC);
	assert_true(msg.n_rr >= 1);
	assert_true(msg.text_used <= DNS_TEXT_MAX);
	assert_string_equal(msg.qname, "big.test");
}

static void opt_header(uint16_t udp, uint32_t ttl, uint16_t rdlen)
{
	wb_u8(&w, 0);
	wb_rr(&w, 41, udp, ttl, rdlen);
}

static void test_edns_details(void **state)
{
	char buf[16];

	/* extended rcode: BADVERS = 16 = hi 1, lo 0 */
	wb_header(&w, 29, 0x8180, 1, 0, 0, 1);
	question("e.test", 1);
	opt_header(1232, 0x01000000, 0);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_int_equal(msg.rcode, 16);
	assert_string_equal(dns_rcode_str(msg.rcode, buf), "BADVERS");
	assert_int_equal(msg.edns.ext_rcode_hi, 1);

	/* ECS IPv6, EDE with text, server cookie */
	wb_header(&w, 30, 0x8182, 1, 0, 0, 1);
	question("e.test", 1);
	opt_header(4096, 0x00008000, (4 + 4 + 6) + (4 + 2 + 5) + (4 + 24));
	wb_u16(&w, 8);
	wb_u16(&w, 4 + 6);
	wb_u16(&w, 2);
	wb_u8(&w, 48);
	wb_u8(&w, 56);
	wb_mem(&w, "\x20\x01\x0d\xb8\x00\x01", 6);
	wb_u16(&w, 15);
	wb_u16(&w, 2 + 5);
	wb_u16(&w, 6);
	wb_mem(&w, "bad\"s", 5);
	wb_u16(&w, 10);
	wb_u16(&w, 24);
	for (int i = 0; i < 24; i++)
		wb_u8(&w, (uint8_t)i);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_string_equal(dns_rcode_str(msg.rcode, buf), "SERVFAIL");
	assert_true(msg.edns.dnssec_ok);
	assert_string_equal(msg.edns.client_subnet, "2001:db8:1::/48/56");
	assert_int_equal(msg.edns.ede_code, 6);
	assert_string_equal(msg.edns.ede_text, "bad\\\"s");
	assert_string_equal(msg.edns.cookie, "000102030405060708090a0b0c0d0e0f1011121314151617");

	/* two OPT records */
	wb_header(&w, 31, 0x8180, 1, 0, 0, 2);
	question("e.test", 1);
	opt_header(1232, 0, 0);
	opt_header(1232, 0, 0);
	expect_fail(-EBADMSG);
	assert_true(msg.edns.present);

	/* OPT in the answer section */
	wb_header(&w, 32, 0x8180, 1, 1, 0, 0);
	question("e.test", 1);
	opt_header(1232, 0, 0);
	expect_fail(-EBADMSG);

	/* option longer than the OPT rdata */
	wb_header(&w, 33, 0x8180, 1, 0, 0, 1);
	question("e.test", 1);
	opt_header(1232, 0, 6);
	wb_u16(&w, 10);
	wb_u16(&w, 8);
	wb_u16(&w, 0);
	expect_fail(-EBADMSG);

	/* ECS with a source prefix longer than the address */
	wb_header(&w, 34, 0x8180, 1, 0, 0, 1);
	question("e.test", 1);
	opt_header(1232, 0, 4 + 4 + 4);
	wb_u16(&w, 8);
	wb_u16(&w, 8);
	wb_u16(&w, 1);
	wb_u8(&w, 33);
	wb_u8(&w, 0);
	wb_u32(&w, 0);
	expect_fail(-EBADMSG);
}

static void svc_param(uint16_t key, const void *v, uint16_t n)
{
	wb_u16(&w, key);
	wb_u16(&w, n);
	wb_mem(&w, v, n);
}

static void test_svcb_all_keys(void **state)
{
	size_t mark;

	wb_header(&w, 39, 0x8180, 1, 1, 0, 0);
	question("s.test", 65);
	wb_u16(&w, 0xc00c);
	mark = w.n;
	wb_rr(&w, 65, 1, 60, 0);
	wb_u16(&w, 1);
	wb_name(&w, "svc.test");
	svc_param(0, "\0\1\0\3", 4);  /* mandatory=alpn,port */
	svc_param(1, "\3h,2\2h3", 7); /* alpn with a comma inside an id */
	svc_param(2, "", 0);	      /* no-default-alpn */
	svc_param(3, "\1\xbb", 2);    /* port=443 */
	svc_param(5, "\1\2\3", 3);    /* ech, base64 */
	svc_param(7, "/q{?dns}", 8);  /* dohpath */
	svc_param(8, "", 0);	      /* ohttp */
	svc_param(9, "\x01", 1);      /* unknown key */
	w.b[mark + 8] = (uint8_t)((w.n - mark - 10) >> 8);
	w.b[mark + 9] = (uint8_t)(w.n - mark - 10);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_string_equal(msg.rr[0].data,
			    "1 svc.test mandatory=alpn,port alpn=h\\\\,2,h3 "
			    "no-default-alpn port=443 ech=AQID dohpath=\"/q{?dns}\" "
			    "ohttp key9=\"\\001\"");
}

static void test_svcb_malformed(void **state)
{
	/* keys out of order */
	wb_header(&w, 35, 0x8180, 1, 1, 0, 0);
	question("s.test", 64);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 64, 1, 60, 2 + 1 + 6 + 6);
	wb_u16(&w, 1);
	wb_u8(&w, 0);
	wb_u16(&w, 3);
	wb_u16(&w, 2);
	wb_u16(&w, 443);
	wb_u16(&w, 1);
	wb_u16(&w, 2);
	wb_u8(&w, 1);
	wb_u8(&w, 'x');
	expect_fail(-EBADMSG);
	assert_string_equal(msg.error_text, "bad SVCB/HTTPS parameters");

	/* one bad parameter each */
	static const struct {
		uint16_t key, n;
		const char *v;
	} bad[] = {
	    {0, 3, "\0\1\0"},	  /* mandatory: odd length */
	    {1, 3, "\0h2"},	  /* alpn: empty id */
	    {1, 2, "\5h"},	  /* alpn: id past the value */
	    {2, 1, "x"},	  /* no-default-alpn with a value */
	    {3, 3, "\0\0\1"},	  /* port: 3 bytes */
	    {4, 5, "\1\2\3\4\5"}, /* ipv4hint: 5 bytes */
	    {6, 4, "\1\2\3\4"},	  /* ipv6hint: 4 bytes */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wb_header(&w, 40, 0x8180, 1, 1, 0, 0);
		question("s.test", 64);
		wb_u16(&w, 0xc00c);
		wb_rr(&w, 64, 1, 60, (uint16_t)(2 + 1 + 4 + bad[i].n));
		wb_u16(&w, 1);
		wb_u8(&w, 0);
		svc_param(bad[i].key, bad[i].v, bad[i].n);
		expect_fail(-EBADMSG);
	}
	/* a parameter longer than the rdata */
	wb_header(&w, 41, 0x8180, 1, 1, 0, 0);
	question("s.test", 64);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 64, 1, 60, 2 + 1 + 4 + 2);
	wb_u16(&w, 1);
	wb_u8(&w, 0);
	wb_u16(&w, 3);
	wb_u16(&w, 4);
	wb_u16(&w, 443);
	expect_fail(-EBADMSG);
}

static void test_update_and_chaos(void **state)
{
	char buf[16];

	/* UPDATE: zone, prerequisite "name in use" (ANY, no rdata), delete RRset */
	wb_header(&w, 36, 5 << 11, 1, 1, 1, 0);
	question("example.com", 6);
	wb_name(&w, "www.example.com");
	wb_rr(&w, 255, 255, 0, 0);
	wb_name(&w, "old.example.com");
	wb_rr(&w, 1, 255, 0, 0);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_string_equal(dns_opcode_str(msg.opcode, buf), "UPDATE");
	assert_int_equal(msg.n_rr, 2);
	assert_string_equal(msg.rr[0].data, "");
	assert_string_equal(msg.rr[1].name, "old.example.com");
	assert_string_equal(msg.rr[1].data, "");

	/* CH class: TXT version.bind, and a Chaosnet A (name + address) */
	wb_header(&w, 37, 0x8400, 1, 2, 0, 0);
	wb_name(&w, "version.bind");
	wb_u16(&w, 16);
	wb_u16(&w, 3);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 16, 3, 0, 6);
	wb_u8(&w, 5);
	wb_mem(&w, "9.1.0", 5);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 1, 3, 0, 4);
	wb_u16(&w, 0xc00c);
	wb_u16(&w, 0x0102);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_string_equal(dns_class_str(msg.qclass, buf), "CH");
	assert_string_equal(msg.rr[0].data, "\"9.1.0\"");
	assert_string_equal(msg.rr[1].data, "\\# 4 C00C0102");
}

static void test_dnssec_and_more_types(void **state)
{
	uint8_t bitmap0[6] = {0}, bitmap4[27] = {0};
	size_t mark;

	wb_header(&w, 38, 0x8180, 1, 7, 0, 0);
	question("example.com", 255);
	/* DS */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 43, 1, 60, 4 + 4);
	wb_u16(&w, 2371);
	wb_u8(&w, 13);
	wb_u8(&w, 2);
	wb_u32(&w, 0xc988ec42);
	/* RRSIG over A, signer compressed */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 46, 1, 60, 18 + 2 + 3);
	wb_u16(&w, 1);
	wb_u8(&w, 13);
	wb_u8(&w, 3);
	wb_u32(&w, 3600);
	wb_u32(&w, 1706745600); /* 2024-02-01 00:00:00 */
	wb_u32(&w, 1704067200); /* 2024-01-01 00:00:00 */
	wb_u16(&w, 12345);
	wb_u16(&w, 0xc00c);
	wb_mem(&w, "\1\2\3", 3);
	/* NSEC: A MX RRSIG NSEC TYPE1234 */
	wb_u16(&w, 0xc00c);
	mark = w.n;
	wb_rr(&w, 47, 1, 60, 0);
	wb_u8(&w, 4);
	wb_mem(&w, "host", 4);
	wb_u16(&w, 0xc00c);
	bitmap0[0] = 0x40; /* A */
	bitmap0[1] = 0x01; /* MX = 15 */
	bitmap0[5] = 0x03; /* RRSIG 46, NSEC 47 */
	wb_u8(&w, 0);
	wb_u8(&w, sizeof(bitmap0));
	wb_mem(&w, bitmap0, sizeof(bitmap0));
	bitmap4[26] = 0x20; /* 1234 = 4 * 256 + 210 */
	wb_u8(&w, 4);
	wb_u8(&w, sizeof(bitmap4));
	wb_mem(&w, bitmap4, sizeof(bitmap4));
	w.b[mark + 8] = (uint8_t)((w.n - mark - 10) >> 8);
	w.b[mark + 9] = (uint8_t)(w.n - mark - 10);
	/* TLSA */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 52, 1, 60, 3 + 2);
	wb_mem(&w, "\3\1\1\xab\xcd", 5);
	/* NAPTR */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 35, 1, 60, 4 + 2 + 8 + 1 + 1);
	wb_u16(&w, 100);
	wb_u16(&w, 10);
	wb_mem(&w, "\1U\7E2U+sip\0", 11);
	wb_u8(&w, 0);
	/* URI */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 256, 1, 60, 4 + 9);
	wb_u16(&w, 10);
	wb_u16(&w, 1);
	wb_mem(&w, "ftp://x/\"", 9);
	/* SSHFP */
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 44, 1, 60, 2 + 2);
	wb_mem(&w, "\4\2\x12\x34", 4);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_int_equal(msg.n_rr, 7);
	assert_string_equal(msg.rr[0].data, "2371 13 2 C988EC42");
	assert_string_equal(msg.rr[1].data,
			    "A 13 3 3600 20240201000000 20240101000000 12345 example.com AQID");
	assert_string_equal(msg.rr[2].data, "host.example.com A MX RRSIG NSEC TYPE1234");
	assert_string_equal(msg.rr[3].data, "3 1 1 ABCD");
	assert_string_equal(msg.rr[4].data, "100 10 \"U\" \"E2U+sip\" \"\" .");
	assert_string_equal(msg.rr[5].data, "10 1 \"ftp://x/\\\"\"");
	assert_string_equal(msg.rr[6].data, "4 2 1234");

	/* NSEC bitmap windows out of order */
	w.b[mark + 10 + 7 + 2 + sizeof(bitmap0)] = 0;
	expect_fail(-EBADMSG);
	assert_string_equal(msg.error_text, "bad NSEC type bitmap");
	assert_int_equal(msg.n_rr, 2);
}

static void test_nsec3(void **state)
{
	static const uint8_t hash[20] = {0x17, 0x4e, 0xb2, 0x40, 0x9f, 0xe2, 0x8b,
					 0xcb, 0x48, 0x87, 0xa1, 0x83, 0x6f, 0x95,
					 0x7f, 0x0a, 0x84, 0x25, 0xe2, 0x7b};
	/* NS SOA MX | RRSIG DNSKEY NSEC3PARAM */
	static const uint8_t bitmap[7] = {0x22, 0x01, 0, 0, 0, 0x02, 0x90};

	/* the RFC 5155 appendix A example */
	wb_header(&w, 42, 0x8180, 1, 2, 0, 0);
	question("example", 50);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 50, 1, 3600, 1 + 1 + 2 + 5 + 21 + 2 + 7);
	wb_u8(&w, 1);
	wb_u8(&w, 1);
	wb_u16(&w, 12);
	wb_u8(&w, 4);
	wb_mem(&w, "\xaa\xbb\xcc\xdd", 4);
	wb_u8(&w, 20);
	wb_mem(&w, hash, 20);
	wb_u8(&w, 0);
	wb_u8(&w, 7);
	wb_mem(&w, bitmap, 7);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 51, 1, 3600, 5);
	wb_mem(&w, "\1\0\0\0\0", 5);
	assert_int_equal(dns_decode(w.b, w.n, &msg), 0);
	assert_string_equal(msg.rr[0].data,
			    "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA "
			    "MX RRSIG DNSKEY NSEC3PARAM");
	assert_string_equal(msg.rr[1].data, "1 0 0 -");

	/* empty next hashed owner */
	wb_header(&w, 43, 0x8180, 1, 1, 0, 0);
	question("example", 50);
	wb_u16(&w, 0xc00c);
	wb_rr(&w, 50, 1, 3600, 6);
	wb_mem(&w, "\1\0\0\0\0\0", 6);
	expect_fail(-EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_too_short),
	    cmocka_unit_test(test_pointer_loop),
	    cmocka_unit_test(test_forward_pointer),
	    cmocka_unit_test(test_pointer_cut_off),
	    cmocka_unit_test(test_count_beyond_data),
	    cmocka_unit_test(test_label_64),
	    cmocka_unit_test(test_name_too_long),
	    cmocka_unit_test(test_truncated_rdata),
	    cmocka_unit_test(test_bad_typed_rdata),
	    cmocka_unit_test(test_compression_and_root),
	    cmocka_unit_test(test_rr_limit),
	    cmocka_unit_test(test_text_storage_exhausted),
	    cmocka_unit_test(test_edns_details),
	    cmocka_unit_test(test_svcb_all_keys),
	    cmocka_unit_test(test_svcb_malformed),
	    cmocka_unit_test(test_update_and_chaos),
	    cmocka_unit_test(test_nsec3),
	    cmocka_unit_test(test_dnssec_and_more_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
