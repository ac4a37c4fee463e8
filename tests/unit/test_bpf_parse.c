/* SPDX-License-Identifier: MIT */
/*
 * The BPF programs' IP parsing (bpf/dt_parse.h) on the host: IPv4 options
 * and fragments, IPv6 extension-header chains, what must be skipped.
 * (Tracepoint programs cannot run under bpf_prog_test_run.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dt_parse.h"

static __u8 buf[DT_PARSE_MIN_BUF];

static void v4(__u8 ihl_words, __u8 proto, __u16 frag, __u16 tot_len)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x40 | ihl_words;
	buf[2] = tot_len >> 8;
	buf[3] = tot_len & 0xff;
	buf[6] = frag >> 8;
	buf[7] = frag & 0xff;
	buf[9] = proto;
}

static void v6(__u8 next, __u16 plen)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x60;
	buf[4] = plen >> 8;
	buf[5] = plen & 0xff;
	buf[6] = next;
}

/* append an extension header at *off: next header, length field */
static void ext(__u32 *off, __u8 next, __u8 len_field, __u32 bytes)
{
	buf[*off] = next;
	buf[*off + 1] = len_field;
	*off += bytes;
}

static void test_ipv4(void **state)
{
	struct dt_l3 l3;

	v4(5, 17, 0x4000 /* DF */, 80);
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.l3len, 20);
	assert_int_equal(l3.ip_len, 80);
	assert_int_equal(l3.transport, 17);

	v4(7, 6, 0, 1500); /* 8 bytes of options */
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.l3len, 28);
	assert_int_equal(l3.transport, 6);

	v4(5, 17, 0x2000 /* MF, offset 0: the first fragment has the header */, 1500);
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_OK);
	v4(5, 17, 0x00b9 /* offset 185 * 8 */, 200);
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_FRAGMENT);
	/* a later fragment still says where its bytes start, and of what */
	assert_int_equal(l3.l3len, 20);
	assert_int_equal(l3.ip_len, 200);
	assert_int_equal(l3.transport, 17);
	v4(5, 17, 0x2100, 200);
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_FRAGMENT);
	v4(5, 1 /* ICMP */, 0, 84);
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_NOT_L4);
	v4(4, 17, 0, 84);
	assert_int_equal(dt_parse_ipv4(buf, &l3), DT_PARSE_MALFORMED);
}

static void test_ipv6_plain(void **state)
{
	struct dt_l3 l3;

	v6(17, 60);
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.l3len, 40);
	assert_int_equal(l3.ip_len, 100);
	assert_int_equal(l3.transport, 17);
	v6(6, 0); /* jumbogram: length unknown from the header */
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.ip_len, 0);
	v6(58 /* ICMPv6 */, 8);
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_NOT_L4);
}

static void test_ipv6_ext_chain(void **state)
{
	struct dt_l3 l3;
	__u32 off = 40;

	/* hop-by-hop (8) -> routing (24) -> destination (16) -> AH (16) -> UDP */
	v6(0, 200);
	ext(&off, 43, 0, 8);
	ext(&off, 60, 2, 24);
	ext(&off, 51, 1, 16);
	ext(&off, 17, 2, 16); /* AH: (2 + 2) * 4 */
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.l3len, 40 + 8 + 24 + 16 + 16);
	assert_int_equal(l3.transport, 17);

	/* first fragment (offset 0, M set) -> TCP */
	off = 40;
	v6(44, 100);
	ext(&off, 6, 0, 8);
	buf[40 + 3] = 1; /* M flag */
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.l3len, 48);
	assert_int_equal(l3.transport, 6);
	assert_int_equal(l3.frag_hdr, 40); /* a real fragment: where its header is */
	buf[40 + 3] = 0; /* atomic (offset 0, no M): no fragment */
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.frag_hdr, 0);

	/* a later fragment */
	off = 40;
	v6(44, 100);
	ext(&off, 17, 0, 8);
	buf[40 + 2] = 0x05; /* offset 0x05xx >> 3 */
	buf[40 + 3] = 0x08;
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_FRAGMENT);
	assert_int_equal(l3.frag_hdr, 40);
	assert_int_equal(l3.l3len, 48);
	assert_int_equal(l3.ip_len, 140);
	assert_int_equal(l3.transport, 17);

	/* more extension headers than the walk allows */
	off = 40;
	v6(60, 200);
	for (int i = 0; i < DT_IPV6_EXT_MAX; i++)
		ext(&off, 60, 0, 8);
	ext(&off, 17, 0, 8);
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_NOT_L4);

	/* exactly as many as allowed */
	off = 40;
	v6(60, 200);
	for (int i = 0; i < DT_IPV6_EXT_MAX - 1; i++)
		ext(&off, 60, 0, 8);
	ext(&off, 17, 0, 8);
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_OK);
	assert_int_equal(l3.l3len, 40 + 8 * DT_IPV6_EXT_MAX);

	/* an unknown extension (mobility 135) ends the walk: not parsed */
	off = 40;
	v6(0, 200);
	ext(&off, 135, 0, 8);
	assert_int_equal(dt_parse_ipv6(buf, &l3), DT_PARSE_NOT_L4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv6_plain),
	    cmocka_unit_test(test_ipv6_ext_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
