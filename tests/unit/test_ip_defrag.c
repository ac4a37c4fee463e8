/* SPDX-License-Identifier: MIT */
/*
 * IP reassembly alone (core/ip_defrag): order, repeats, overlaps, timeout,
 * bounds, IPv6, and the first fragment going on alone when a datagram is
 * given up.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ip_defrag.h"
#include "core/stats.h"
#include "core_testlib.h"
#include "inputs/frame_parse.h"

#define TIMEOUT (2 * SEC)

static uint8_t dgram[70000]; /* IP payload: UDP header, then the DNS message */
static uint32_t dgram_len;

struct partial {
	unsigned n;
	struct dt_packet pkt;
	uint8_t first_byte;
};

static struct partial part;

static void on_partial(const struct dt_packet *pkt, void *user)
{
	struct partial *p = user;

	p->n++;
	p->pkt = *pkt;
	p->first_byte = pkt->payload_len ? pkt->payload[0] : 0;
	p->pkt.payload = NULL;
}

static int setup(void **state)
{
	memset(&dt_stats, 0, sizeof(dt_stats));
	memset(&part, 0, sizeof(part));
	return 0;
}

/* A datagram of n UDP payload bytes, byte i = i * 7 + 1. */
static void make_dgram(uint32_t n)
{
	dgram_len = 8 + n;
	dgram[0] = 0;
	dgram[1] = 53;
	dgram[2] = 40000 >> 8;
	dgram[3] = 40000 & 0xff;
	dgram[4] = (uint8_t)(dgram_len >> 8);
	dgram[5] = (uint8_t)dgram_len;
	dgram[6] = dgram[7] = 0;
	for (uint32_t i = 0; i < n; i++)
		dgram[8 + i] = (uint8_t)(i * 7 + 1);
}

/* Fragment [off, off+len) of dgram as an input hands it over. */
static struct dt_packet frag(uint8_t family, uint8_t src, uint32_t id, uint32_t off, uint32_t len,
			     bool more, uint64_t ts)
{
	struct dt_packet p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.family = family;
	p.transport = DT_TRANSPORT_UDP;
	p.saddr[0] = 10;
	p.saddr[3] = src;
	p.daddr[0] = 10;
	p.daddr[3] = 99;
	if (family == 6)
		p.saddr[15] = src;
	p.flags = DT_PKT_FRAGMENT;
	p.frag_id = id;
	p.frag_offset = (uint16_t)off;
	p.frag_more = more;
	p.frag_len = (uint16_t)len;
	if (off == 0) {
		p.sport = 53;
		p.dport = 40000;
		p.pid = 4242;
		p.flags |= DT_PKT_HAS_PROCESS | DT_PKT_TRUNCATED;
		p.payload = dgram + 8;
		p.payload_len = len - 8;
		p.orig_len = dgram_len - 8;
	} else {
		p.payload = dgram + off;
		p.payload_len = len;
		p.orig_len = len;
	}
	return p;
}

static struct dt_ip_defrag *new_defrag(uint32_t slots, uint32_t bytes)
{
	struct dt_ip_defrag *d = dt_ip_defrag_new(slots, bytes, TIMEOUT, on_partial, &part);

	assert_non_null(d);
	return d;
}

static void expect_whole(const struct dt_packet *out, uint64_t ts)
{
	assert_int_equal(out->payload_len, dgram_len - 8);
	assert_int_equal(out->orig_len, dgram_len - 8);
	assert_memory_equal(out->payload, dgram + 8, dgram_len - 8);
	assert_int_equal(out->sport, 53);
	assert_int_equal(out->dport, 40000);
	assert_int_equal(out->pid, 4242);
	assert_int_equal(out->ts_ns, ts);
	assert_int_equal(out->transport, DT_TRANSPORT_UDP);
	assert_false(out->flags & (DT_PKT_TRUNCATED | DT_PKT_FRAGMENT));
	assert_true(out->flags & DT_PKT_HAS_PROCESS);
}

/* A datagram of make_dgram(3000) given up with its first fragment of 1480
 * bytes: nothing kept, that fragment handed on alone (the n-th), truncated. */
static void expect_first_alone(const struct dt_ip_defrag *d, unsigned n)
{
	assert_int_equal(dt_ip_defrag_pending(d), 0);
	assert_int_equal(dt_ip_defrag_bytes(d), 0);
	assert_int_equal(part.n, n);
	assert_int_equal(part.pkt.payload_len, 1472);
	assert_int_equal(part.first_byte, dgram[8]);
	assert_true(part.pkt.flags & DT_PKT_TRUNCATED);
	assert_false(part.pkt.flags & DT_PKT_FRAGMENT);
}

static void test_in_order(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000); /* 3008 bytes: 1480 + 1480 + 48 */
	p = frag(4, 1, 77, 0, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_ip_defrag_pending(d), 1);
	p = frag(4, 1, 77, 1480, 1480, true, T0 + 10);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(4, 1, 77, 2960, 48, false, T0 + 20);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
	expect_whole(&out, T0);
	assert_int_equal(dt_ip_defrag_pending(d), 0);
	assert_int_equal(dt_ip_defrag_bytes(d), 0);
	assert_int_equal(dt_stats.ip_fragments, 3);
	assert_int_equal(dt_stats.ip_reassembled, 1);
	assert_int_equal(dt_stats.ip_reassembly_drops, 0);
	assert_int_equal(part.n, 0);
	dt_ip_defrag_free(d);
}

static void test_out_of_order(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000);
	p = frag(4, 1, 78, 2960, 48, false, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(4, 1, 78, 1480, 1480, true, T0 + 10);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(4, 1, 78, 0, 1480, true, T0 + 20);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
	expect_whole(&out, T0 + 20); /* the first fragment's time */
	assert_int_equal(dt_stats.ip_reassembled, 1);
	dt_ip_defrag_free(d);
}

static void test_duplicate(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(2000);
	p = frag(4, 1, 79, 0, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0); /* seen twice */
	p = frag(4, 1, 79, 1480, 528, false, T0 + 5);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
	expect_whole(&out, T0);
	/* the last fragment again, after completion: a new datagram starts,
	 * which never completes and is not DNS-known yet */
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_stats.ip_reassembled, 1);
	assert_int_equal(dt_stats.ip_reassembly_drops, 0);
	dt_ip_defrag_free(d);
}

static void test_overlap(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000);
	p = frag(4, 1, 80, 0, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	/* starts inside the first fragment */
	p = frag(4, 1, 80, 1472, 1480, true, T0 + 1);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -EBADMSG);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	/* the first fragment went on alone, truncated, as without reassembly */
	expect_first_alone(d, 1);
	assert_int_equal(part.pkt.orig_len, 3000);
	assert_int_equal(part.pkt.sport, 53);

	/* a last fragment that ends before bytes already seen */
	p = frag(4, 1, 81, 1480, 1480, true, T0 + 2);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(4, 1, 81, 0, 1480, false, T0 + 3);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -EBADMSG);
	assert_int_equal(dt_stats.ip_reassembly_drops, 2);
	assert_int_equal(part.n, 2); /* the (rejected) first fragment itself */
	dt_ip_defrag_free(d);
}

static void test_missing_piece_times_out(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000);
	p = frag(6, 1, 0xdeadbeef, 0, 1448, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(6, 1, 0xdeadbeef, 2896, 112, false, T0 + 1);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	dt_ip_defrag_expire(d, T0 + TIMEOUT - 1);
	assert_int_equal(dt_ip_defrag_pending(d), 1);
	assert_int_equal(part.n, 0);
	dt_ip_defrag_expire(d, T0 + TIMEOUT);
	assert_int_equal(dt_ip_defrag_pending(d), 0);
	assert_int_equal(dt_ip_defrag_bytes(d), 0);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	assert_int_equal(dt_stats.ip_reassembled, 0);
	assert_int_equal(part.n, 1);
	assert_int_equal(part.pkt.family, 6);
	assert_int_equal(part.pkt.payload_len, 1440);
	assert_int_equal(part.pkt.ts_ns, T0);
	assert_true(part.pkt.flags & DT_PKT_TRUNCATED);
	/* the late middle piece now starts a datagram of its own */
	p = frag(6, 1, 0xdeadbeef, 1448, 1448, true, T0 + TIMEOUT + 1);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	dt_ip_defrag_flush(d);
	assert_int_equal(dt_ip_defrag_pending(d), 0);
	assert_int_equal(part.n, 1);			   /* no first fragment: nothing goes on */
	assert_int_equal(dt_stats.ip_reassembly_drops, 1); /* nor is it counted */
	dt_ip_defrag_free(d);
}

static void test_pool_exhaustion(void **state)
{
	struct dt_ip_defrag *d = new_defrag(2, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000);
	for (uint32_t id = 1; id <= 3; id++) {
		p = frag(4, 1, id, 0, 1480, true, T0 + id);
		assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	}
	/* the oldest (id 1) made room */
	assert_int_equal(dt_ip_defrag_pending(d), 2);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	assert_int_equal(part.n, 1);
	assert_int_equal(part.pkt.ts_ns, T0 + 1);
	/* a datagram without its first fragment goes before older DNS ones */
	p = frag(4, 1, 7, 1480, 1480, true, T0 + 4);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0); /* evicts id 2 */
	assert_int_equal(part.n, 2);
	assert_int_equal(part.pkt.ts_ns, T0 + 2);
	p = frag(4, 1, 8, 1480, 1480, true, T0 + 5);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0); /* evicts id 7, not 3 */
	assert_int_equal(part.n, 2);
	assert_int_equal(dt_stats.ip_reassembly_drops, 2);
	dt_ip_defrag_flush(d); /* id 3 counted, id 8 (no first fragment) not */
	assert_int_equal(part.n, 3);
	assert_int_equal(part.pkt.ts_ns, T0 + 3);
	assert_int_equal(dt_stats.ip_reassembly_drops, 3);
	dt_ip_defrag_free(d);

	/* with room, the others complete */
	memset(&part, 0, sizeof(part));
	d = new_defrag(2, 1 << 20);
	for (uint32_t id = 2; id <= 3; id++) {
		p = frag(4, 1, id, 0, 1480, true, T0 + id);
		assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	}
	for (uint32_t id = 2; id <= 3; id++) {
		p = frag(4, 1, id, 1480, 1480, true, T0 + 10);
		assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
		p = frag(4, 1, id, 2960, 48, false, T0 + 11);
		assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
		expect_whole(&out, T0 + id);
	}
	assert_int_equal(dt_stats.ip_reassembled, 2);
	dt_ip_defrag_free(d);

	/* byte budget: 4 KiB holds one 3 kB datagram, not two */
	d = new_defrag(8, 4096);
	p = frag(4, 1, 5, 1480, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_ip_defrag_bytes(d), 4096);
	p = frag(4, 1, 6, 1480, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -ENOBUFS);
	assert_int_equal(dt_ip_defrag_pending(d), 1);
	assert_int_equal(dt_stats.ip_reassembly_drops, 4); /* three from above */
	p = frag(4, 1, 5, 2960, 48, false, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_ip_defrag_bytes(d), 4096);
	p = frag(4, 1, 5, 0, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
	expect_whole(&out, T0);
	dt_ip_defrag_free(d);
}

static void test_ipv6_and_keys(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(2000);
	/* the same id from two sources, and over IPv4: three datagrams */
	p = frag(6, 1, 0x10000007, 0, 1448, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(6, 2, 0x10000007, 0, 1448, true, T0 + 1);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(4, 1, 0x10000007, 0, 1448, true, T0 + 2);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_ip_defrag_pending(d), 3);
	p = frag(6, 2, 0x10000007, 1448, 560, false, T0 + 3);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
	expect_whole(&out, T0 + 1);
	assert_int_equal(out.family, 6);
	assert_int_equal(out.saddr[15], 2);
	p = frag(6, 1, 0x10000007, 1448, 560, false, T0 + 4);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 1);
	expect_whole(&out, T0);
	assert_int_equal(out.saddr[15], 1);
	assert_int_equal(dt_ip_defrag_pending(d), 1);
	dt_ip_defrag_flush(d);
	assert_int_equal(part.n, 1);
	assert_int_equal(part.pkt.family, 4);
	dt_ip_defrag_free(d);
}

static void test_bad_fragments(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000);
	/* a first fragment cut by the snap length goes on alone at once */
	p = frag(4, 1, 90, 0, 1480, true, T0);
	p.payload_len = 1000;
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -EINVAL);
	assert_int_equal(part.n, 1);
	assert_int_equal(part.pkt.payload_len, 1000);
	assert_int_equal(dt_ip_defrag_pending(d), 0);
	/* a middle fragment that is no multiple of 8 long */
	p = frag(4, 1, 91, 1480, 1477, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -EINVAL);
	/* beyond 65535 bytes */
	p = frag(4, 1, 92, 65528, 16, false, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -E2BIG);
	assert_int_equal(dt_stats.ip_reassembly_drops, 3);
	/* the UDP length says more than the fragments hold */
	make_dgram(3000);
	p = frag(4, 1, 93, 0, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	p = frag(4, 1, 93, 1480, 1000, false, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -EBADMSG);
	assert_int_equal(dt_ip_defrag_pending(d), 0);
	assert_int_equal(dt_stats.ip_reassembled, 0);
	assert_int_equal(part.n, 2);
	/* the largest datagram there is */
	make_dgram(DT_IP_DEFRAG_MAX_DATAGRAM - 8);
	for (uint32_t off = 0; off < dgram_len; off += 1480) {
		uint32_t len = dgram_len - off < 1480 ? dgram_len - off : 1480;

		p = frag(4, 1, 94, off, len, off + len < dgram_len, T0);
		assert_int_equal(dt_ip_defrag_add(d, &p, &out), off + len < dgram_len ? 0 : 1);
	}
	expect_whole(&out, T0);
	dt_ip_defrag_free(d);
	dt_ip_defrag_free(NULL);
}

/* Through the engine: a query, then its 1029-byte response in three IP
 * fragments out of order -> one complete transaction. */
static void engine_fragments(struct dt_engine *e, struct wire *r, bool drop_middle)
{
	struct wire q;
	struct dt_packet p;

	wire_load(&q, "many_tcp.query");
	wire_load(r, "many_tcp.response");
	wire_set_id(r, wire_id(&q));
	pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.1", 40000, "10.0.0.53", 53, T0, q.b, q.n);
	dt_engine_packet(e, &p);

	/* IP payload: UDP header + message, cut at 512 and 1024 */
	make_dgram((uint32_t)r->n);
	memcpy(dgram + 8, r->b, r->n);
	for (int i = 2; i >= 0; i--) {
		uint32_t off = (uint32_t)i * 512, len = i == 2 ? dgram_len - 1024 : 512;

		if (drop_middle && i == 1)
			continue;
		p = frag(4, 53, 0x4242, off, len, i < 2, T0 + 1 * MS + (uint64_t)(2 - i));
		inet_pton(AF_INET, "10.0.0.53", p.saddr);
		inet_pton(AF_INET, "10.0.0.1", p.daddr);
		dt_engine_packet(e, &p);
	}
}

static void test_engine(void **state)
{
	struct dt_engine_config cfg = {0};
	struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	struct wire r;

	engine_fragments(e, &r, false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_true(s.rec[0].has_response);
	assert_int_equal(s.rec[0].response_wire_len, r.n);
	assert_true(s.rec[0].n_answer > 20);
	assert_false(s.rec[0].flags & DT_REC_RESPONSE_TRUNCATED);
	assert_int_equal(s.rec[0].response_ts, T0 + 1 * MS + 2); /* the first fragment's */
	assert_int_equal(s.rec[0].src_port, 40000);
	assert_int_equal(dt_stats.ip_reassembled, 1);
	assert_int_equal(dt_stats.ip_fragments, 3);
	dt_engine_free(e);

	/* the middle one lost: given up after 2 s, the first fragment still
	 * answers the query, truncated */
	e = engine_with(&s, &cfg);
	engine_fragments(e, &r, true);
	assert_int_equal(s.n, 0);
	dt_engine_tick(e, T0 + 1 * MS + TIMEOUT - 1);
	assert_int_equal(s.n, 0);
	dt_engine_tick(e, T0 + 1 * MS + TIMEOUT + 2);
	assert_int_equal(s.n, 1);
	assert_int_not_equal(s.rec[0].status, DT_STATUS_TIMEOUT);
	assert_true(s.rec[0].has_response);
	assert_true(s.rec[0].flags & DT_REC_RESPONSE_TRUNCATED);
	assert_int_equal(s.rec[0].response_wire_len, 512 - 8);
	assert_int_equal(s.rec[0].response_ts, T0 + 1 * MS + 2);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	dt_engine_free(e);
}

/* A reply to a datagram in reassembly gives it up at once: its rest can
 * no longer come. Only a reply: the flow reversed and the same DNS id. */
static void test_answered(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out, reply;

	make_dgram(3000);
	p = frag(4, 1, 77, 0, 1480, true, T0); /* 10.0.0.1:53 -> 10.0.0.99:40000 */
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);

	memset(&reply, 0, sizeof(reply));
	reply.family = 4;
	reply.transport = DT_TRANSPORT_UDP;
	reply.saddr[0] = 10;
	reply.saddr[3] = 99;
	reply.daddr[0] = 10;
	reply.daddr[3] = 1;
	reply.sport = 40000;
	reply.dport = 53;
	uint8_t msg[12] = {dgram[8], (uint8_t)(dgram[9] + 1)};
	reply.payload = msg;
	reply.payload_len = sizeof(msg);
	assert_int_equal(dt_ip_defrag_answered(d, &reply), 0); /* another DNS id */
	msg[1] = dgram[9];
	reply.sport = 40001;
	assert_int_equal(dt_ip_defrag_answered(d, &reply), 0); /* another flow */
	reply.sport = 40000;
	reply.transport = DT_TRANSPORT_TCP;
	assert_int_equal(dt_ip_defrag_answered(d, &reply), 0); /* not UDP */
	reply.transport = DT_TRANSPORT_UDP;
	assert_int_equal(dt_ip_defrag_pending(d), 1);
	assert_int_equal(part.n, 0);

	assert_int_equal(dt_ip_defrag_answered(d, &reply), 1);
	expect_first_alone(d, 1);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	assert_int_equal(dt_ip_defrag_answered(d, &reply), 0); /* nothing left */
	dt_ip_defrag_free(d);
}

/* A query and its response (same DNS id), from the test data. */
static void load_pair(struct wire *q, struct wire *r)
{
	wire_load(q, "many_tcp.query");
	wire_load(r, "many_tcp.response");
	wire_set_id(r, wire_id(q));
}

/* The first fragment (len bytes of IP payload) of an IPv4 datagram carrying
 * msg from src:sport to dst:dport. */
static struct dt_packet first_frag_of(const struct wire *msg, const char *src, uint16_t sport,
				      const char *dst, uint16_t dport, uint32_t len, uint64_t ts)
{
	struct dt_packet p;

	dgram_len = 8 + (uint32_t)msg->n;
	memcpy(dgram + 8, msg->b, msg->n);
	p = frag(4, 1, 0x77, 0, len, true, ts);
	inet_pton(AF_INET, src, p.saddr);
	inet_pton(AF_INET, dst, p.daddr);
	p.sport = sport;
	p.dport = dport;
	return p;
}

/* Through the engine: a query sent as two IP fragments of which only the
 * first was captured (its later one went by first, unrecognised), then the
 * whole response: one transaction as the response arrives, not an orphan
 * response now and a lone query 2 s later. */
static void test_engine_answered(void **state)
{
	struct dt_engine_config cfg = {0};
	struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	struct wire q, r;
	struct dt_packet p;

	load_pair(&q, &r);
	assert_true(q.n > 16);
	p = first_frag_of(&q, "10.0.0.1", 40000, "10.0.0.53", 53, 24, T0);
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 0);

	pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.53", 53, "10.0.0.1", 40000, T0 + 1 * MS, r.b, r.n);
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 1);
	assert_true(s.rec[0].has_response);
	assert_int_equal(s.rec[0].id, wire_id(&q));
	assert_int_equal(s.rec[0].query_ts, T0);
	assert_int_equal(s.rec[0].response_ts, T0 + 1 * MS);
	assert_true(s.rec[0].flags & DT_REC_QUERY_TRUNCATED);
	assert_int_not_equal(s.rec[0].status, DT_STATUS_ORPHAN_RESPONSE);
	assert_int_equal(s.rec[0].response_wire_len, r.n);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	assert_int_equal(dt_stats.orphan_responses, 0);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1); /* nothing more: no lone query, no timeout */
	dt_engine_free(e);
}

/* A first fragment flagged DT_PKT_FRAG_MISSED (the kernel saw a later one
 * go by before it): handed on alone at once, counted, nothing kept. */
static void test_missed(void **state)
{
	struct dt_ip_defrag *d = new_defrag(8, 1 << 20);
	struct dt_packet p, out;

	make_dgram(3000);
	p = frag(4, 1, 78, 0, 1480, true, T0);
	p.flags |= DT_PKT_FRAG_MISSED;
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), -ENODATA);
	expect_first_alone(d, 1);
	assert_false(part.pkt.flags & DT_PKT_FRAG_MISSED);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	assert_int_equal(dt_stats.ip_fragments_missed, 1);

	/* without the flag, the same fragment waits for the rest */
	p = frag(4, 1, 79, 0, 1480, true, T0);
	assert_int_equal(dt_ip_defrag_add(d, &p, &out), 0);
	assert_int_equal(dt_ip_defrag_pending(d), 1);
	assert_int_equal(part.n, 1);
	assert_int_equal(dt_stats.ip_fragments_missed, 1);
	dt_ip_defrag_free(d);
}

/* Through the engine: a response whose later fragment went by before its
 * first (flagged by the kernel): the transaction comes out with the first
 * fragment, at once, not after the reassembly timeout. */
static void test_engine_missed(void **state)
{
	struct dt_engine_config cfg = {0};
	struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	struct wire q, r;
	struct dt_packet p;

	load_pair(&q, &r);
	pkt_init(&p, DT_TRANSPORT_UDP, "10.0.0.1", 40000, "10.0.0.53", 53, T0, q.b, q.n);
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 0);
	/* its first fragment holds the header, the question and more */
	assert_true(r.n > 64);
	p = first_frag_of(&r, "10.0.0.53", 53, "10.0.0.1", 40000, 64, T0 + 1 * MS);
	p.flags |= DT_PKT_FRAG_MISSED;
	dt_engine_packet(e, &p);
	assert_int_equal(s.n, 1);
	assert_true(s.rec[0].has_response);
	assert_int_equal(s.rec[0].id, wire_id(&q));
	assert_int_equal(s.rec[0].response_ts, T0 + 1 * MS);
	assert_true(s.rec[0].flags & DT_REC_RESPONSE_TRUNCATED);
	assert_int_not_equal(s.rec[0].status, DT_STATUS_ORPHAN_RESPONSE);
	assert_int_equal(dt_stats.ip_fragments_missed, 1);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);
	dt_engine_flush(e);
	assert_int_equal(s.n, 1);
	dt_engine_free(e);
}

/* Raw IPv6 frames (Fragment header) through the pcap input's parser and
 * the engine: what a --pcap replay does. */
static size_t v6_frag_frame(uint8_t *f, uint32_t off, uint32_t len, bool more)
{
	memset(f, 0, 48);
	f[0] = 0x60;
	f[4] = (uint8_t)((8 + len) >> 8);
	f[5] = (uint8_t)(8 + len);
	f[6] = 44; /* Fragment */
	f[7] = 64;
	inet_pton(AF_INET6, "2001:db8::53", f + 8);
	inet_pton(AF_INET6, "2001:db8::1", f + 24);
	f[40] = 17;
	f[42] = (uint8_t)(off >> 8);
	f[43] = (uint8_t)((off & 0xf8) | more);
	f[44] = 0xca; /* id */
	f[47] = 0xfe;
	memcpy(f + 48, dgram + off, len);
	return 48 + len;
}

static void test_pcap_frames(void **state)
{
	struct dt_engine_config cfg = {0};
	struct sink s;
	struct dt_engine *e = engine_with(&s, &cfg);
	struct wire q, r;
	struct dt_packet p;
	static uint8_t f[2048];
	size_t n;

	wire_load(&q, "many_tcp.query");
	wire_load(&r, "many_tcp.response");
	wire_set_id(&r, wire_id(&q));
	pkt_init(&p, DT_TRANSPORT_UDP, "2001:db8::1", 40000, "2001:db8::53", 53, T0, q.b, q.n);
	dt_engine_packet(e, &p);
	make_dgram((uint32_t)r.n);
	dgram[0] = 0; /* source port 53 -> 40000 */
	dgram[1] = 53;
	memcpy(dgram + 8, r.b, r.n);

	/* the last fragment first, then the first */
	n = v6_frag_frame(f, 1000, dgram_len - 1000, false);
	memset(&p, 0, sizeof(p));
	p.ts_ns = T0 + 5;
	assert_int_equal(dt_frame_parse(DT_LINK_RAW, f, n, n, &p), 0);
	assert_int_equal(p.sport, 0);
	dt_engine_packet(e, &p);
	n = v6_frag_frame(f, 0, 1000, true);
	memset(&p, 0, sizeof(p));
	p.ts_ns = T0 + 6;
	assert_int_equal(dt_frame_parse(DT_LINK_RAW, f, n, n, &p), 0);
	assert_int_equal(p.sport, 53);
	assert_int_equal(p.frag_id, 0xca0000fe);
	dt_engine_packet(e, &p);

	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].status, DT_STATUS_OK);
	assert_int_equal(s.rec[0].family, 6);
	assert_int_equal(s.rec[0].response_wire_len, r.n);
	assert_false(s.rec[0].flags & DT_REC_RESPONSE_TRUNCATED);
	assert_int_equal(s.rec[0].response_ts, T0 + 6);
	assert_int_equal(dt_stats.ip_reassembled, 1);
	dt_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_in_order, setup),
	    cmocka_unit_test_setup(test_out_of_order, setup),
	    cmocka_unit_test_setup(test_duplicate, setup),
	    cmocka_unit_test_setup(test_overlap, setup),
	    cmocka_unit_test_setup(test_missing_piece_times_out, setup),
	    cmocka_unit_test_setup(test_pool_exhaustion, setup),
	    cmocka_unit_test_setup(test_ipv6_and_keys, setup),
	    cmocka_unit_test_setup(test_bad_fragments, setup),
	    cmocka_unit_test_setup(test_engine, setup),
	    cmocka_unit_test_setup(test_answered, setup),
	    cmocka_unit_test_setup(test_engine_answered, setup),
	    cmocka_unit_test_setup(test_missed, setup),
	    cmocka_unit_test_setup(test_engine_missed, setup),
	    cmocka_unit_test_setup(test_pcap_frames, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
