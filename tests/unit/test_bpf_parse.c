/* SPDX-License-Identifier: MIT */
/*
 * The BPF programs' IP parsing (bpf/dt_parse.h) on the host: IPv4 options
 * and fragments, IPv6 extension-header chains, what must be skipped.
 * (Tracepoint programs cannot run under bpf_prog_test_run.) And the
 * userspace ring-buffer reader (bpf/dt_ring.h) on rings laid out as the
 * kernel lays them out.
 */
#define _DEFAULT_SOURCE /* rand_r */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dt_parse.h"
#include "dt_ring.h"

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

/* The programs' first look (where the ports are, if the IP header has a
 * fixed size): it may only send a packet on to the full parse or agree with
 * it, never put the ports where the full parse would not. */
static void test_fixed_l4_off(void **state)
{
	struct dt_l3 l3;
	unsigned seed = 5;

	(void)state;
	v4(5, 17, 0x4000, 80);
	assert_int_equal(dt_fixed_l4_off(1, dt_ld64(buf)), 20);
	v4(5, 17, 0x2000 /* MF, offset 0: ports in this one */, 1500);
	assert_int_equal(dt_fixed_l4_off(1, dt_ld64(buf)), 20);
	v4(5, 17, 0x00b9 /* a later fragment: no ports */, 200);
	assert_int_equal(dt_fixed_l4_off(1, dt_ld64(buf)), 0);
	v4(7, 6, 0, 1500); /* options */
	assert_int_equal(dt_fixed_l4_off(1, dt_ld64(buf)), 0);
	v6(17, 80);
	assert_int_equal(dt_fixed_l4_off(0, dt_ld64(buf)), 40);
	v6(6, 80);
	assert_int_equal(dt_fixed_l4_off(0, dt_ld64(buf)), 40);
	v6(0 /* hop-by-hop */, 80);
	assert_int_equal(dt_fixed_l4_off(0, dt_ld64(buf)), 0);
	v6(44 /* fragment */, 80);
	assert_int_equal(dt_fixed_l4_off(0, dt_ld64(buf)), 0);

	/* random headers: whenever the first look names an offset, the full
	 * parse finds the transport header there, or none at all */
	for (int i = 0; i < 200000; i++) {
		int is_v4 = i & 1;
		__u32 off;
		int rc;

		for (size_t j = 0; j < 64; j++)
			buf[j] = (__u8)rand_r(&seed);
		if (rand_r(&seed) & 1) /* make the common shapes common */
			buf[0] = is_v4 ? 0x45 : 0x60;
		if (rand_r(&seed) & 1)
			buf[is_v4 ? 9 : 6] = rand_r(&seed) & 1 ? 17 : 6;
		if (is_v4 && rand_r(&seed) & 1)
			buf[6] &= 0x60, buf[7] = 0;
		off = dt_fixed_l4_off(is_v4, dt_ld64(buf));
		if (!off)
			continue;
		rc = is_v4 ? dt_parse_ipv4(buf, &l3) : dt_parse_ipv6(buf, &l3);
		assert_true(rc == DT_PARSE_OK || rc == DT_PARSE_NOT_L4);
		if (rc == DT_PARSE_OK)
			assert_int_equal(l3.l3len, off);
	}
}

/* The word loads at every alignment, and against a byte-wise reading. */
static void test_ipv4_words_unaligned(void **state)
{
	static __u8 big[DT_PARSE_MIN_BUF + 8];
	struct dt_l3 l3;

	for (int a = 0; a < 8; a++) {
		memset(big, 0xee, sizeof(big));
		v4(6, 17, 0x4000, 0x1234);
		memcpy(big + a, buf, DT_PARSE_MIN_BUF);
		memset(&l3, 0, sizeof(l3));
		assert_int_equal(dt_parse_ipv4(big + a, &l3), DT_PARSE_OK);
		assert_int_equal(l3.l3len, 24);
		assert_int_equal(l3.ip_len, 0x1234);
		assert_int_equal(l3.transport, 17);
		/* every fragment-offset bit and MF alone, each byte on its own */
		for (int bit = 0; bit < 16; bit++) {
			__u16 frag = 1u << bit;
			int want = (frag & 0x1fff) ? DT_PARSE_FRAGMENT : DT_PARSE_OK;

			v4(5, 6, frag, 40);
			memcpy(big + a, buf, DT_PARSE_MIN_BUF);
			assert_int_equal(dt_parse_ipv4(big + a, &l3), want);
		}
		v6(17, 0xabcd);
		memcpy(big + a, buf, DT_PARSE_MIN_BUF);
		assert_int_equal(dt_parse_ipv6(big + a, &l3), DT_PARSE_OK);
		assert_int_equal(l3.ip_len, 0xabcd + 40);
	}
	assert_int_equal(dt_ld32((const __u8 *)"\x01\x02\x03\x04"), 0x04030201);
	assert_int_equal(DT_BE16(dt_ld64((const __u8 *)"\0\0\x12\x34\0\0\0\0"), 2), 0x1234);
}

/* ---- dt_ring.h: records laid out as the kernel writes them ---- */

#define RING_SIZE 4096u

/* a ring as the loader maps it: the data twice in a row, the positions */
struct tring {
	uint8_t data[2 * RING_SIZE];
	uint64_t cons, prod;
	struct dt_ring r;
};

static void tring_init(struct tring *t)
{
	memset(t, 0, sizeof(*t));
	t->r.consumer_pos = &t->cons;
	t->r.producer_pos = &t->prod;
	t->r.data = t->data;
	t->r.mask = RING_SIZE - 1;
}

/* A record of len bytes (at most 256) at the producer position, with header
 * flags: its bytes are `tag`, but for the timestamp at offset 8 where there
 * is room for it (len >= 16, as in every record the programs write).
 * Returns where it starts. */
static uint64_t tring_put(struct tring *t, uint32_t len, uint32_t flags, uint8_t tag, uint64_t ts)
{
	uint32_t hdr[2] = {len | flags, 0};
	uint8_t rec[DT_RING_HDR_SZ + 256];
	uint64_t at = t->prod;

	memcpy(rec, hdr, sizeof(hdr));
	memset(rec + DT_RING_HDR_SZ, tag, len);
	if (len >= 16)
		memcpy(rec + DT_RING_HDR_SZ + 8, &ts, sizeof(ts));
	for (uint32_t i = 0; i < DT_RING_HDR_SZ + len; i++)
		t->data[(t->prod + i) & (RING_SIZE - 1)] = rec[i];
	/* the second mapping shows the same bytes */
	memcpy(t->data + RING_SIZE, t->data, RING_SIZE);
	t->prod += (len + DT_RING_HDR_SZ + 7) & ~7u;
	return at;
}

struct seen {
	int n;
	size_t sizes[64];
	uint8_t first[64];
	uint8_t last_e;
};

static void ring_fn(void *ctx, const void *rec, size_t size)
{
	struct seen *s = ctx;

	s->sizes[s->n] = size;
	s->first[s->n] = *(const uint8_t *)rec;
	if (s->first[s->n] == 'e')
		s->last_e = ((const uint8_t *)rec)[size - 1];
	s->n++;
}

/* one ring on its own: cutoff UINT64_MAX, as the loader does */
static long consume1(struct dt_ring *r, long max, dt_ring_fn fn, void *ctx)
{
	unsigned heap[1];
	struct dt_ring_set set = {r, heap, 1, 8};

	return dt_ring_merge(&set, UINT64_MAX, max, fn, ctx);
}

static void test_ring_consume(void **state)
{
	static struct tring t;
	struct seen s = {0};

	tring_init(&t);

	assert_int_equal(consume1(&t.r, 100, ring_fn, &s), 0);
	tring_put(&t, 13, 0, 'a', 0);
	tring_put(&t, 40, DT_RING_DISCARD_BIT, 'x', 0); /* skipped, position moves past */
	tring_put(&t, 1, 0, 'b', 0);
	assert_int_equal(consume1(&t.r, 100, ring_fn, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.sizes[0], 13);
	assert_int_equal(s.first[0], 'a');
	assert_int_equal(s.sizes[1], 1);
	assert_int_equal(s.first[1], 'b');
	assert_int_equal(t.cons, t.prod); /* published at the end */

	/* a record still being written stops the walk, the next call goes on */
	uint64_t busy_at = t.prod;

	tring_put(&t, 8, DT_RING_BUSY_BIT, 'c', 0);
	tring_put(&t, 8, 0, 'd', 0);
	assert_int_equal(consume1(&t.r, 100, ring_fn, &s), 0);
	assert_int_equal(t.cons, busy_at);
	t.data[busy_at & (RING_SIZE - 1)] = 8; /* committed: busy bit cleared */
	t.data[(busy_at & (RING_SIZE - 1)) + 3] = 0;
	assert_int_equal(consume1(&t.r, 100, ring_fn, &s), 2);
	assert_int_equal(s.first[2], 'c');
	assert_int_equal(s.first[3], 'd');

	/* at most max records per call, in order, across the wrap */
	while ((t.prod & (RING_SIZE - 1)) < RING_SIZE - 64)
		tring_put(&t, 200, 0, 'w', 0);
	tring_put(&t, 100, 0, 'e', 0); /* runs past the end into the second mapping */
	tring_put(&t, 5, 0, 'f', 0);
	s.n = 0;
	long got = 0;

	while ((got = consume1(&t.r, 3, ring_fn, &s)) == 3)
		;
	assert_true(s.n >= 2);
	assert_int_equal(s.first[s.n - 2], 'e');
	assert_int_equal(s.sizes[s.n - 2], 100);
	assert_int_equal(s.last_e, 'e'); /* its last byte, read past the end */
	assert_int_equal(s.first[s.n - 1], 'f');
	assert_int_equal(t.cons, t.prod);
}

/* the consumer position is published while a long walk goes on, not only at its end */
static uint64_t *watch_cons;
static uint64_t max_seen_cons;

static void watch_fn(void *ctx, const void *rec, size_t size)
{
	(void)ctx;
	(void)rec;
	(void)size;
	if (*watch_cons > max_seen_cons)
		max_seen_cons = *watch_cons;
}

static void test_ring_publish_cadence(void **state)
{
	static uint8_t data[2 * (256u << 10)];
	uint64_t cons = 0, prod = 0;
	struct dt_ring r = {&cons, &prod, data, (256u << 10) - 1};
	uint32_t hdr[2] = {1016, 0}; /* 1 KiB records */

	for (int i = 0; i < 200; i++) {
		memcpy(data + prod, hdr, sizeof(hdr));
		prod += 1024;
	}
	watch_cons = &cons;
	max_seen_cons = 0;
	assert_int_equal(consume1(&r, 1000, watch_fn, NULL), 200);
	assert_true(max_seen_cons >= DT_RING_PUBLISH_BYTES);
	assert_true(max_seen_cons < 200 * 1024);
	assert_int_equal(cons, 200 * 1024);
}

/* ---- dt_ring_merge over several rings ---- */

/* a record as the programs write it (24 bytes, ts at offset 8), its tag at 16 */
static uint64_t put_stamped(struct tring *t, uint64_t ts, char tag, uint32_t flags)
{
	return tring_put(t, 24, flags, (uint8_t)tag, ts);
}

static char merged[64];
static int n_merged;

static void merge_fn(void *ctx, const void *rec, size_t size)
{
	(void)ctx;
	assert_int_equal(size, 24);
	merged[n_merged++] = (char)((const uint8_t *)rec)[16];
	merged[n_merged] = 0;
}

static void test_ring_merge(void **state)
{
	static struct tring ta, tb;
	struct dt_ring rings[2];
	unsigned heap[2];
	struct dt_ring_set set = {rings, heap, 2, 8};

	tring_init(&ta);
	tring_init(&tb);
	n_merged = 0;
	/* interleaved timestamps: handed over oldest first across the rings */
	put_stamped(&ta, 10, 'a', 0);
	put_stamped(&ta, 30, 'c', 0);
	put_stamped(&ta, 50, 'e', 0);
	put_stamped(&tb, 20, 'b', 0);
	put_stamped(&tb, 25, 'x', DT_RING_DISCARD_BIT); /* skipped */
	put_stamped(&tb, 40, 'd', 0);
	rings[0] = ta.r;
	rings[1] = tb.r;
	assert_int_equal(dt_ring_merge(&set, 1000, 100, merge_fn, NULL), 5);
	assert_string_equal(merged, "abcde");
	assert_int_equal(ta.cons, ta.prod);
	assert_int_equal(tb.cons, tb.prod); /* the discarded record is passed too */

	/* records stamped after the cutoff wait for the next call */
	n_merged = 0;
	put_stamped(&ta, 100, 'f', 0);
	put_stamped(&tb, 200, 'g', 0);
	assert_int_equal(dt_ring_merge(&set, 150, 100, merge_fn, NULL), 1);
	assert_string_equal(merged, "f");
	assert_int_equal(tb.cons + 32, tb.prod);
	assert_int_equal(dt_ring_merge(&set, 250, 100, merge_fn, NULL), 1);
	assert_string_equal(merged, "fg");

	/* a head still being written stops every ring: an older record behind
	 * it may be the cause of what the other ring holds */
	n_merged = 0;
	uint64_t busy = put_stamped(&ta, 310, 'i', DT_RING_BUSY_BIT);

	put_stamped(&tb, 300, 'h', 0);
	put_stamped(&tb, 320, 'j', 0);
	assert_int_equal(dt_ring_merge(&set, 1000, 100, merge_fn, NULL), 0);
	assert_int_equal(n_merged, 0);
	ta.data[(busy & (RING_SIZE - 1)) + 3] = 0; /* committed: busy bit cleared */
	ta.data[RING_SIZE + (busy & (RING_SIZE - 1)) + 3] = 0;
	assert_int_equal(dt_ring_merge(&set, 1000, 100, merge_fn, NULL), 3);
	assert_string_equal(merged, "hij");

	/* at most max per call; the next call goes on in order */
	n_merged = 0;
	put_stamped(&ta, 400, 'k', 0);
	put_stamped(&tb, 401, 'l', 0);
	put_stamped(&ta, 402, 'm', 0);
	put_stamped(&tb, 403, 'n', 0);
	assert_int_equal(dt_ring_merge(&set, 1000, 3, merge_fn, NULL), 3);
	assert_string_equal(merged, "klm");
	assert_int_equal(dt_ring_merge(&set, 1000, 3, merge_fn, NULL), 1);
	assert_string_equal(merged, "klmn");
	assert_int_equal(dt_ring_merge(&set, 1000, 3, merge_fn, NULL), 0);
	assert_int_equal(ta.cons, ta.prod);
	assert_int_equal(tb.cons, tb.prod);
}

/* ---- batches: several messages in one ring record ---- */

#define BATCH_TYPE 5 /* DT_EV_BATCH */
#define MSG_LEN 24   /* a message as put_stamped() writes one */

/* A batch record of n messages (n <= 9) at the producer position: each
 * MSG_LEN bytes, type 1, its stamp at 8 and its tag at 16. bad_at: the index
 * of a message whose size field is too large for the batch, or -1. */
static void put_batch(struct tring *t, const uint64_t *ts, const char *tags, int n, int bad_at)
{
	uint8_t body[DT_RING_BATCH_HDR + 9 * MSG_LEN];
	uint32_t len = DT_RING_BATCH_HDR + n * MSG_LEN, hdr[2] = {len, 0};
	uint32_t btype = BATCH_TYPE, mtype = 1, mlen = MSG_LEN;
	uint64_t at = t->prod;

	assert_true(n > 0 && n <= 9);
	memset(body, 0, sizeof(body));
	memcpy(body, &btype, 4);
	memcpy(body + 4, &len, 4);
	memcpy(body + 8, &ts[0], 8);
	for (int i = 0; i < n; i++) {
		uint8_t *m = body + DT_RING_BATCH_HDR + i * MSG_LEN;
		uint32_t size = i == bad_at ? len : mlen;

		memcpy(m, &mtype, 4);
		memcpy(m + 4, &size, 4);
		memcpy(m + 8, &ts[i], 8);
		m[16] = (uint8_t)tags[i];
	}
	for (uint32_t i = 0; i < DT_RING_HDR_SZ; i++)
		t->data[(at + i) & (RING_SIZE - 1)] = ((uint8_t *)hdr)[i];
	for (uint32_t i = 0; i < len; i++)
		t->data[(at + DT_RING_HDR_SZ + i) & (RING_SIZE - 1)] = body[i];
	memcpy(t->data + RING_SIZE, t->data, RING_SIZE);
	t->prod += (len + DT_RING_HDR_SZ + 7) & ~7u;
}

static void merge_any_fn(void *ctx, const void *rec, size_t size)
{
	(void)ctx;
	merged[n_merged++] = size == MSG_LEN ? (char)((const uint8_t *)rec)[16] : '!';
	merged[n_merged] = 0;
}

static void test_ring_batches(void **state)
{
	static struct tring ta, tb;
	struct dt_ring rings[2];
	unsigned heap[2];
	struct dt_ring_set set = {rings, heap, 2, 8, BATCH_TYPE};

	tring_init(&ta);
	tring_init(&tb);
	rings[0] = ta.r;
	rings[1] = tb.r;

	/* a batch's messages interleave with the other ring's records */
	n_merged = 0;
	put_batch(&ta, (uint64_t[]){10, 30, 50}, "ace", 3, -1);
	put_stamped(&tb, 20, 'b', 0);
	put_stamped(&tb, 40, 'd', 0);
	assert_int_equal(dt_ring_merge(&set, 1000, 100, merge_fn, NULL), 5);
	assert_string_equal(merged, "abcde");
	assert_int_equal(ta.cons, ta.prod);
	assert_int_equal(tb.cons, tb.prod);

	/* a cutoff inside a batch: the rest waits, and the ring's consumer
	 * position stays at the batch until all of it went out */
	n_merged = 0;
	put_batch(&ta, (uint64_t[]){100, 200}, "fg", 2, -1);
	assert_int_equal(dt_ring_merge(&set, 150, 100, merge_fn, NULL), 1);
	assert_string_equal(merged, "f");
	assert_true(ta.cons < ta.prod);
	assert_int_equal(dt_ring_merge(&set, 250, 100, merge_fn, NULL), 1);
	assert_string_equal(merged, "fg");
	assert_int_equal(ta.cons, ta.prod);

	/* max inside a batch, one message per call */
	n_merged = 0;
	put_batch(&ta, (uint64_t[]){300, 310, 320}, "hij", 3, -1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dt_ring_merge(&set, 1000, 1, merge_fn, NULL), 1);
	assert_int_equal(dt_ring_merge(&set, 1000, 1, merge_fn, NULL), 0);
	assert_string_equal(merged, "hij");

	/* a message whose size does not fit: handed over once with size 0,
	 * the rest of its batch skipped, the next record read as usual */
	n_merged = 0;
	put_batch(&ta, (uint64_t[]){400, 410, 420}, "klm", 3, 1);
	put_stamped(&ta, 430, 'n', 0);
	assert_int_equal(dt_ring_merge(&set, 1000, 100, merge_any_fn, NULL), 3);
	assert_string_equal(merged, "k!n");
	assert_int_equal(ta.cons, ta.prod);

	/* without batch_type, a batch is one record like any other */
	n_merged = 0;
	set.batch_type = 0;
	put_batch(&ta, (uint64_t[]){500, 510}, "op", 2, -1);
	assert_int_equal(dt_ring_merge(&set, 1000, 100, merge_any_fn, NULL), 1);
	assert_string_equal(merged, "!");
}

/* Many rings, random interleaving, discards, cutoffs and call sizes: the
 * merged stream is every committed record once, oldest first, and no call
 * hands over a record stamped after its cutoff. */
#define MANY_RINGS 37

static uint64_t last_ts, n_out, call_cutoff;

static void order_fn(void *ctx, const void *rec, size_t size)
{
	uint64_t ts;

	(void)ctx;
	assert_int_equal(size, 24);
	memcpy(&ts, (const uint8_t *)rec + 8, sizeof(ts));
	assert_true(ts >= last_ts);
	assert_true(ts <= call_cutoff);
	last_ts = ts;
	n_out++;
}

static void test_ring_merge_many(void **state)
{
	static struct tring t[MANY_RINGS];
	struct dt_ring rings[MANY_RINGS];
	unsigned heap[MANY_RINGS];
	struct dt_ring_set set = {rings, heap, MANY_RINGS, 8, BATCH_TYPE};
	uint64_t ts = 0, n_in = 0;
	unsigned seed = 12345;

	for (int i = 0; i < MANY_RINGS; i++) {
		tring_init(&t[i]);
		rings[i] = t[i].r; /* the reader's state lives on in rings[] */
	}
	last_ts = n_out = 0;
	for (int round = 0; round < 400; round++) {
		/* 1-60 records on random rings (a few rings take most of them,
		 * as a few busy CPUs would), every 7th one discarded */
		int burst = 1 + rand_r(&seed) % 60;

		for (int k = 0; k < burst; k++) {
			unsigned ring = rand_r(&seed) % 4 ? rand_r(&seed) % 5
							  : rand_r(&seed) % MANY_RINGS;
			bool discard = rand_r(&seed) % 7 == 0;

			if (t[ring].prod - t[ring].cons > RING_SIZE - 256)
				continue; /* full: the kernel would drop it */
			ts += rand_r(&seed) % 3; /* equal stamps happen */
			if (rand_r(&seed) % 3 == 0) {
				/* a batch: 1-9 messages of one CPU, in its order */
				uint64_t bts[9];
				int nb = 1 + rand_r(&seed) % 9;

				for (int i = 0; i < nb; i++)
					bts[i] = ts += rand_r(&seed) % 3;
				put_batch(&t[ring], bts, "rrrrrrrrr", nb, -1);
				n_in += nb;
				continue;
			}
			put_stamped(&t[ring], ts, 'r', discard ? DT_RING_DISCARD_BIT : 0);
			n_in += !discard;
		}
		/* a cutoff somewhere between what went out and what came in */
		call_cutoff = last_ts + rand_r(&seed) % (ts - last_ts + 2);
		dt_ring_merge(&set, call_cutoff, 1 + rand_r(&seed) % 80, order_fn, NULL);
	}
	call_cutoff = UINT64_MAX;
	while (dt_ring_merge(&set, call_cutoff, 1000, order_fn, NULL) > 0)
		;
	assert_int_equal(n_out, n_in);
	for (int i = 0; i < MANY_RINGS; i++)
		assert_int_equal(t[i].cons, t[i].prod);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipv4),
	    cmocka_unit_test(test_ipv6_plain),
	    cmocka_unit_test(test_ipv6_ext_chain),
	    cmocka_unit_test(test_fixed_l4_off),
	    cmocka_unit_test(test_ipv4_words_unaligned),
	    cmocka_unit_test(test_ring_consume),
	    cmocka_unit_test(test_ring_publish_cadence),
	    cmocka_unit_test(test_ring_merge),
	    cmocka_unit_test(test_ring_batches),
	    cmocka_unit_test(test_ring_merge_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
