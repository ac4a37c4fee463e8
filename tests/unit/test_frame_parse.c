// SPDX-License-Identifier: MIT
/*
 * dt_frame_parse(): frames built around recorded DNS messages for every
 * supported link type, IPv4/IPv6 (extension headers, fragments), UDP/TCP,
 * padding and capture truncation, and broken headers at every length.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dns/dns.h"
#include "dns_test_util.h"
#include "inputs/frame_parse.h"

static uint8_t dns_q[4096], dns_r[4096];
static size_t dns_q_len, dns_r_len;
static struct wb f;
static struct dt_packet pkt;
static struct dns_msg msg;

static const uint8_t v4_src[4] = {192, 0, 2, 10}, v4_dst[4] = {192, 0, 2, 53};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};

static int setup(void **state)
{
	dns_q_len = wire_load("a.query.bin", dns_q, sizeof(dns_q));
	dns_r_len = wire_load("many_tcp.response.bin", dns_r, sizeof(dns_r));
	return 0;
}

static void eth(uint16_t type, int vlans)
{
	f.n = 0;
	wb_mem(&f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	for (int i = 0; i < vlans; i++) {
		wb_u16(&f, i ? 0x8100 : 0x88a8);
		wb_u16(&f, (uint16_t)(100 + i));
	}
	wb_u16(&f, type);
}

static void ipv4(uint8_t proto, size_t l4_len, uint16_t frag)
{
	wb_u8(&f, 0x45);
	wb_u8(&f, 0);
	wb_u16(&f, (uint16_t)(20 + l4_len));
	wb_u16(&f, 0x1234);
	wb_u16(&f, frag);
	wb_u8(&f, 64);
	wb_u8(&f, proto);
	wb_u16(&f, 0);
	wb_mem(&f, v4_src, 4);
	wb_mem(&f, v4_dst, 4);
}

static void ipv6(uint8_t next, size_t payload_len)
{
	wb_u32(&f, 0x60000000);
	wb_u16(&f, (uint16_t)payload_len);
	wb_u8(&f, next);
	wb_u8(&f, 64);
	wb_mem(&f, v6_src, 16);
	wb_mem(&f, v6_dst, 16);
}

static void udp(const uint8_t *p, size_t n)
{
	wb_u16(&f, 40000);
	wb_u16(&f, 53);
	wb_u16(&f, (uint16_t)(8 + n));
	wb_u16(&f, 0);
	wb_mem(&f, p, n);
}

/* TCP segment carrying a length-prefixed DNS message. */
static void tcp(const uint8_t *p, size_t n, uint8_t flags)
{
	wb_u16(&f, 53);
	wb_u16(&f, 40001);
	wb_u32(&f, 0x01020304);
	wb_u32(&f, 0);
	wb_u8(&f, 0x50);
	wb_u8(&f, flags);
	wb_u16(&f, 65535);
	wb_u32(&f, 0);
	wb_u16(&f, (uint16_t)n);
	wb_mem(&f, p, n);
}

static void parse_ok(int lt)
{
	memset(&pkt, 0, sizeof(pkt));
	assert_int_equal(dt_frame_parse(lt, f.b, f.n, f.n, &pkt), 0);
}

static void expect_udp_query(int family)
{
	assert_int_equal(pkt.family, family);
	assert_int_equal(pkt.transport, DT_TRANSPORT_UDP);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(pkt.dport, 53);
	assert_int_equal(pkt.payload_len, dns_q_len);
	assert_int_equal(pkt.orig_len, dns_q_len);
	assert_false(pkt.flags & DT_PKT_TRUNCATED);
	assert_memory_equal(pkt.payload, dns_q, dns_q_len);
	if (family == 4) {
		assert_memory_equal(pkt.saddr, v4_src, 4);
		assert_memory_equal(pkt.daddr, v4_dst, 4);
	} else {
		assert_memory_equal(pkt.saddr, v6_src, 16);
		assert_memory_equal(pkt.daddr, v6_dst, 16);
	}
	/* and the payload is the DNS message */
	assert_int_equal(dns_decode(pkt.payload, pkt.payload_len, &msg), 0);
	assert_string_equal(msg.qname, "www.example.test");
}

static void test_ethernet_ipv4_udp(void **state)
{
	eth(0x0800, 0);
	ipv4(17, 8 + dns_q_len, 0x4000 /* DF */);
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_EN10MB);
	expect_udp_query(4);

	/* Ethernet padding after a short datagram is not payload */
	memset(f.b + f.n, 0xee, 30);
	f.n += 30;
	parse_ok(DT_LINK_EN10MB);
	expect_udp_query(4);
}

static void test_vlan_ipv6_udp(void **state)
{
	eth(0x86dd, 2);
	ipv6(17, 8 + dns_q_len);
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_EN10MB);
	expect_udp_query(6);

	/* too many stacked tags */
	eth(0x86dd, DT_FRAME_MAX_VLAN + 1);
	ipv6(17, 8 + dns_q_len);
	udp(dns_q, dns_q_len);
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, f.b, f.n, f.n, &pkt), -EBADMSG);
}

static void test_ipv6_extension_headers(void **state)
{
	f.n = 0;
	ipv6(0 /* hop-by-hop */, 8 + 16 + 8 + 8 + dns_q_len);
	wb_u8(&f, 60); /* next: destination options */
	wb_u8(&f, 0);
	wb_mem(&f, "\x01\x04\0\0\0\0", 6); /* PadN */
	wb_u8(&f, 44);			   /* next: fragment */
	wb_u8(&f, 1);			   /* 16 bytes */
	memset(f.b + f.n, 0, 14);
	f.b[f.n] = 1;
	f.b[f.n + 1] = 12;
	f.n += 14;
	wb_u8(&f, 17); /* atomic fragment header, then UDP */
	wb_u8(&f, 0);
	wb_u16(&f, 0);
	wb_u32(&f, 0xabcd);
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_RAW);
	expect_udp_query(6);

	/* a real fragment (offset 0, M set): the first, with its UDP header,
	 * for the engine's reassembly */
	f.b[40 + 8 + 16 + 3] = 1;
	parse_ok(DT_LINK_RAW);
	expect_udp_query(6);
	assert_true(pkt.flags & DT_PKT_FRAGMENT);
	assert_int_equal(pkt.frag_id, 0xabcd);
	assert_int_equal(pkt.frag_offset, 0);
	assert_true(pkt.frag_more);
	assert_int_equal(pkt.frag_len, 8 + dns_q_len);

	/* a later one: offset 1448, last; its bytes, no ports */
	f.b[40 + 8 + 16 + 2] = 1448 >> 8;
	f.b[40 + 8 + 16 + 3] = 1448 & 0xf8;
	parse_ok(DT_LINK_RAW);
	assert_true(pkt.flags & DT_PKT_FRAGMENT);
	assert_int_equal(pkt.frag_offset, 1448);
	assert_false(pkt.frag_more);
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.payload_len, 8 + dns_q_len);
	assert_int_equal(pkt.frag_len, 8 + dns_q_len);
	assert_memory_equal(pkt.payload + 8, dns_q, dns_q_len);

	/* a fragment of something else than UDP is skipped */
	f.b[40 + 8 + 16] = 6;
	assert_int_equal(dt_frame_parse(DT_LINK_RAW, f.b, f.n, f.n, &pkt), -EINPROGRESS);

	/* a chain longer than the bound */
	f.n = 0;
	ipv6(60, 8 * 12 + 8 + dns_q_len);
	for (int i = 0; i < 12; i++) {
		wb_u8(&f, i == 11 ? 17 : 60);
		wb_u8(&f, 0);
		memset(f.b + f.n, 0, 6);
		f.n += 6;
	}
	udp(dns_q, dns_q_len);
	assert_int_equal(dt_frame_parse(DT_LINK_IPV6, f.b, f.n, f.n, &pkt), -EBADMSG);
}

static void test_ipv4_fragments(void **state)
{
	f.n = 0;
	ipv4(17, 8 + dns_q_len, 0x2000); /* MF: the first fragment */
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_RAW);
	expect_udp_query(4);
	assert_true(pkt.flags & DT_PKT_FRAGMENT);
	assert_int_equal(pkt.frag_id, 0x1234);
	assert_int_equal(pkt.frag_offset, 0);
	assert_true(pkt.frag_more);
	assert_int_equal(pkt.frag_len, 8 + dns_q_len);

	/* UDP length beyond this fragment: the rest is still to come */
	f.b[20 + 4] = 0x05;
	parse_ok(DT_LINK_RAW);
	assert_int_equal(pkt.orig_len, 0x0500 + (f.b[20 + 5]) - 8);
	assert_int_equal(pkt.payload_len, dns_q_len);
	assert_true(pkt.flags & DT_PKT_TRUNCATED);

	f.n = 0;
	ipv4(17, 8 + dns_q_len, 0x00b9); /* offset, last fragment */
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_RAW);
	assert_true(pkt.flags & DT_PKT_FRAGMENT);
	assert_int_equal(pkt.frag_offset, 0xb9 * 8);
	assert_false(pkt.frag_more);
	assert_int_equal(pkt.transport, DT_TRANSPORT_UDP);
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.dport, 0);
	assert_int_equal(pkt.payload_len, 8 + dns_q_len);
	assert_int_equal(pkt.frag_len, 8 + dns_q_len);
	assert_false(pkt.flags & DT_PKT_TRUNCATED);

	/* a fragment of TCP is not reassembled */
	f.n = 0;
	ipv4(6, 8 + dns_q_len, 0x2000);
	udp(dns_q, dns_q_len);
	assert_int_equal(dt_frame_parse(DT_LINK_RAW, f.b, f.n, f.n, &pkt), -EINPROGRESS);
	/* and a plain packet after fragments is no fragment */
	f.n = 0;
	ipv4(17, 8 + dns_q_len, 0x4000); /* DF */
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_RAW);
	assert_false(pkt.flags & DT_PKT_FRAGMENT);
}

static void test_sll_tcp(void **state)
{
	size_t seg = 20 + 2 + dns_r_len;

	f.n = 0;
	wb_u16(&f, 4); /* outgoing */
	wb_u16(&f, 772);
	wb_u16(&f, 6);
	wb_mem(&f, "\0\0\0\0\0\0\0\0", 8);
	wb_u16(&f, 0x0800);
	ipv4(6, seg, 0);
	tcp(dns_r, dns_r_len, 0x18 | DT_TCP_FIN);
	parse_ok(DT_LINK_LINUX_SLL);
	assert_int_equal(pkt.transport, DT_TRANSPORT_TCP);
	assert_int_equal(pkt.sport, 53);
	assert_int_equal(pkt.dport, 40001);
	assert_int_equal(pkt.tcp_seq, 0x01020304);
	assert_int_equal(pkt.tcp_flags, DT_TCP_FIN);
	assert_int_equal(pkt.payload_len, 2 + dns_r_len);
	assert_int_equal(pkt.payload[0] << 8 | pkt.payload[1], dns_r_len);
	assert_int_equal(dns_decode(pkt.payload + 2, pkt.payload_len - 2, &msg), 0);
	assert_int_equal(msg.n_answer, 60);

	/* captured with a snap length: truncated, orig_len from the headers */
	memset(&pkt, 0, sizeof(pkt));
	assert_int_equal(dt_frame_parse(DT_LINK_LINUX_SLL, f.b, 16 + 20 + 20 + 100, f.n, &pkt), 0);
	assert_true(pkt.flags & DT_PKT_TRUNCATED);
	assert_int_equal(pkt.payload_len, 100);
	assert_int_equal(pkt.orig_len, 2 + dns_r_len);
}

static void test_sll2_ipv6(void **state)
{
	f.n = 0;
	wb_u16(&f, 0x86dd);
	wb_u16(&f, 0);
	wb_u32(&f, 1); /* ifindex */
	wb_u16(&f, 772);
	wb_u8(&f, 0);
	wb_u8(&f, 6);
	wb_mem(&f, "\0\0\0\0\0\0\0\0", 8);
	ipv6(17, 8 + dns_q_len);
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_LINUX_SLL2);
	expect_udp_query(6);
}

static void test_loopback(void **state)
{
	static const uint32_t afs[] = {10, 24, 28, 30};
	uint32_t af = 2;

	f.n = 0;
	wb_mem(&f, &af, 4); /* host order */
	ipv4(17, 8 + dns_q_len, 0);
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_NULL);
	expect_udp_query(4);
	/* written on a big-endian machine */
	af = __builtin_bswap32(2);
	memcpy(f.b, &af, 4);
	parse_ok(DT_LINK_NULL);
	expect_udp_query(4);

	for (size_t i = 0; i < sizeof(afs) / sizeof(afs[0]); i++) {
		f.n = 0;
		wb_u32(&f, afs[i]); /* network order: DLT_LOOP */
		ipv6(17, 8 + dns_q_len);
		udp(dns_q, dns_q_len);
		parse_ok(DT_LINK_LOOP);
		expect_udp_query(6);
	}
	f.n = 0;
	wb_u32(&f, 7);
	assert_int_equal(dt_frame_parse(DT_LINK_LOOP, f.b, f.n, f.n, &pkt), -EPFNOSUPPORT);
}

static void test_raw_links(void **state)
{
	f.n = 0;
	ipv4(17, 8 + dns_q_len, 0);
	udp(dns_q, dns_q_len);
	parse_ok(DT_LINK_RAW);
	expect_udp_query(4);
	parse_ok(DT_LINK_RAW_LT);
	expect_udp_query(4);
	parse_ok(DT_LINK_IPV4);
	expect_udp_query(4);
	assert_int_equal(dt_frame_parse(DT_LINK_IPV6, f.b, f.n, f.n, &pkt), -EBADMSG);
}

static void test_not_ours(void **state)
{
	eth(0x0806, 0); /* ARP */
	memset(f.b + f.n, 0, 28);
	f.n += 28;
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, f.b, f.n, f.n, &pkt), -EPFNOSUPPORT);

	eth(0x0800, 0);
	ipv4(1, 8, 0); /* ICMP */
	memset(f.b + f.n, 0, 8);
	f.n += 8;
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, f.b, f.n, f.n, &pkt), -EPROTONOSUPPORT);

	assert_int_equal(dt_frame_parse(147, f.b, f.n, f.n, &pkt), -ENOTSUP);
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, NULL, 0, 0, &pkt), -EINVAL);
}

static void test_bad_headers(void **state)
{
	/* IHL below 5 */
	eth(0x0800, 0);
	ipv4(17, 8 + dns_q_len, 0);
	udp(dns_q, dns_q_len);
	f.b[14] = 0x44;
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, f.b, f.n, f.n, &pkt), -EBADMSG);
	/* UDP length beyond the IP datagram */
	f.b[14] = 0x45;
	f.b[14 + 20 + 4] = 0x7f;
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, f.b, f.n, f.n, &pkt), -EBADMSG);
	/* IP total length beyond what was on the wire */
	f.b[14 + 20 + 4] = 0;
	f.b[14 + 2] = 0x7f;
	assert_int_equal(dt_frame_parse(DT_LINK_EN10MB, f.b, f.n, f.n, &pkt), -EBADMSG);
	/* TCP data offset below 5 */
	f.n = 0;
	ipv4(6, 20 + 2 + dns_q_len, 0);
	tcp(dns_q, dns_q_len, 0x18);
	f.b[20 + 12] = 0x40;
	assert_int_equal(dt_frame_parse(DT_LINK_RAW, f.b, f.n, f.n, &pkt), -EBADMSG);
}

/* Every capture length of valid frames: an error, or a packet whose
 * payload stays inside the captured bytes. */
static void test_every_caplen(void **state)
{
	static const int lts[] = {DT_LINK_EN10MB, DT_LINK_RAW};

	for (size_t k = 0; k < 4; k++) {
		int lt = lts[k % 2];

		f.n = 0;
		if (lt == DT_LINK_EN10MB)
			eth(k < 2 ? 0x0800 : 0x86dd, 1);
		if (k < 2)
			ipv4(6, 20 + 2 + dns_q_len, 0);
		else
			ipv6(6, 20 + 2 + dns_q_len);
		tcp(dns_q, dns_q_len, 0x18);
		for (size_t cap = 0; cap <= f.n; cap++) {
			int rc;

			memset(&pkt, 0, sizeof(pkt));
			rc = dt_frame_parse(lt, f.b, cap, f.n, &pkt);
			if (rc) {
				assert_true(rc == -EBADMSG || rc == -EPFNOSUPPORT);
				continue;
			}
			assert_true(pkt.payload >= f.b);
			assert_true(pkt.payload + pkt.payload_len <= f.b + cap);
			assert_int_equal(pkt.orig_len, 2 + dns_q_len);
			assert_int_equal(!!(pkt.flags & DT_PKT_TRUNCATED),
					 pkt.payload_len < pkt.orig_len);
		}
	}
}

/* One Ethernet + IPv4 + UDP frame with these header fields, parsed whole and
 * cut, with several wire lengths, both ways (see below); counts successes. */
static void shortcut_frame(size_t pad, size_t total, size_t ulen, uint16_t frag, uint8_t proto,
			   uint8_t vihl, size_t *ok, size_t *clean)
{
	size_t real_total = 20 + 8 + dns_q_len;
	struct dt_packet a, b;

	eth(0x0800, 0);
	ipv4(proto, 8 + dns_q_len, frag);
	udp(dns_q, dns_q_len);
	memset(f.b + f.n, 0, pad); /* link-layer padding */
	f.n += pad;
	f.b[14] = vihl;
	f.b[14 + 2] = (uint8_t)(total >> 8);
	f.b[14 + 3] = (uint8_t)total;
	f.b[34 + 4] = (uint8_t)(ulen >> 8);
	f.b[34 + 5] = (uint8_t)ulen;

	const size_t caps[] = {f.n, f.n - 1, f.n - pad, 42, 41, 14 + real_total / 2};
	/* 1: the capture length */
	const size_t wires[] = {0, 1, f.n, f.n + 10, 20, 14 + real_total - 1};

	for (size_t ci = 0; ci < sizeof(caps) / sizeof(caps[0]); ci++) {
		for (size_t wi = 0; wi < sizeof(wires) / sizeof(wires[0]); wi++) {
			size_t cap = caps[ci], wire = wi == 1 ? cap : wires[wi];

			/* stale bytes in the packet, flags set and clear */
			for (int fill = 0x5a; fill <= 0xa5; fill += 0xa5 - 0x5a) {
				int ra, rb;

				memset(&a, fill, sizeof(a));
				memset(&b, fill, sizeof(b));
				ra = dt_frame_parse(DT_LINK_EN10MB, f.b, cap, wire, &a);
				rb = dt_frame_parse(DT_LINK_RAW, f.b + 14, cap - 14,
						    wire > 14 ? wire - 14 : 0, &b);
				assert_int_equal(ra, rb);
				assert_memory_equal(&a, &b, sizeof(a));
				*ok += ra == 0;
				*clean +=
				    ra == 0 && !(a.flags & (DT_PKT_FRAGMENT | DT_PKT_TRUNCATED));
			}
		}
	}
}

/*
 * Untagged Ethernet + IPv4 + UDP takes a shortcut in dt_frame_parse(): for
 * every mix of odd lengths, fragment bits, padding and capture cuts it must
 * give what the general path gives for the same IP datagram (the raw-IP link
 * type, which never takes it): same return, same bytes in the packet.
 */
static void test_eth_ipv4_udp_shortcut(void **state)
{
	const size_t rt = 20 + 8 + dns_q_len, ru = 8 + dns_q_len;
	const size_t totals[] = {0, 19, 20, 27, 28, rt - 1, rt, rt + 1, 0xffff};
	const size_t ulens[] = {0, 7, 8, ru - 1, ru, ru + 1, 0xffff};
	static const uint16_t frags[] = {0, 0x4000, 0x2000, 0x0001};
	static const uint8_t protos[] = {17, 6};
	static const uint8_t vihl[] = {0x45, 0x46, 0x44};
	size_t ok = 0, clean = 0;

#define N(a) (sizeof(a) / sizeof((a)[0]))
	/* every combination, one index: pad x total x ulen x frag x proto x ihl */
	for (size_t k = 0; k < 2 * N(totals) * N(ulens) * N(frags) * N(protos) * N(vihl); k++) {
		size_t r = k, vi, pi, fi, ui, ti;

		vi = r % N(vihl), r /= N(vihl);
		pi = r % N(protos), r /= N(protos);
		fi = r % N(frags), r /= N(frags);
		ui = r % N(ulens), r /= N(ulens);
		ti = r % N(totals), r /= N(totals);
		shortcut_frame(r * 10, totals[ti], ulens[ui], frags[fi], protos[pi], vihl[vi], &ok,
			       &clean);
	}
#undef N
	/* the mixes did reach the shortcut's case (not only errors) */
	assert_true(ok > 100);
	assert_true(clean > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ethernet_ipv4_udp),
	    cmocka_unit_test(test_vlan_ipv6_udp),
	    cmocka_unit_test(test_ipv6_extension_headers),
	    cmocka_unit_test(test_ipv4_fragments),
	    cmocka_unit_test(test_sll_tcp),
	    cmocka_unit_test(test_sll2_ipv6),
	    cmocka_unit_test(test_loopback),
	    cmocka_unit_test(test_raw_links),
	    cmocka_unit_test(test_not_ours),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_every_caplen),
	    cmocka_unit_test(test_eth_ipv4_udp_shortcut),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
