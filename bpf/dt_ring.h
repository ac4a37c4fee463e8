/* SPDX-License-Identifier: MIT */
/*
 * Userspace consumer of BPF ring buffers (BPF_MAP_TYPE_RINGBUF), in place of
 * libbpf's ring_buffer__consume(): that one stores the consumer position
 * after every record, and every bpf_ringbuf_reserve()/submit() on the other
 * CPU reads that position, so each record cost a cache-line transfer on both
 * sides. Here the position is published every DT_RING_PUBLISH_BYTES and at
 * the end of a call (the kernel's poll reports data while the positions
 * differ, so a call never ends with an unpublished position).
 *
 * Header-only and free of libbpf so a host unit test can walk a buffer laid
 * out as the kernel lays it out (tests/unit/test_bpf_parse.c).
 */
#ifndef DNSTRAIL_RING_H
#define DNSTRAIL_RING_H

#include <stddef.h>
#include <stdint.h>

/* the kernel's record header (include/uapi/linux/bpf.h) */
#define DT_RING_BUSY_BIT (1u << 31)
#define DT_RING_DISCARD_BIT (1u << 30)
#define DT_RING_HDR_SZ 8u
#define DT_RING_PUBLISH_BYTES (64u << 10)

struct dt_ring {
	uint64_t *consumer_pos;	      /* shared, written here */
	const uint64_t *producer_pos; /* shared, written by the kernel */
	const uint8_t *data;	      /* mapped twice in a row: records never wrap */
	uint64_t mask;		      /* data size - 1 (a power of two) */
	/* dt_ring_merge()'s state during a call */
	uint64_t cons, prod, published;
	/* the record at cons, while the ring is in the heap */
	uint64_t head_ts;
	uint32_t head_len; /* its header word */
};

/* Rings merged into one stream: one per CPU, or a single one. */
struct dt_ring_set {
	struct dt_ring *rings;
	unsigned *heap; /* n entries of scratch: rings by head timestamp */
	unsigned n;
	size_t ts_off; /* where each record carries its timestamp */
};

typedef void (*dt_ring_fn)(void *ctx, const void *rec, size_t size);

/* Bytes a record of header word `len` takes in the ring, header included. */
static inline uint64_t dt_ring_slot(uint32_t len)
{
	return ((len & ~DT_RING_DISCARD_BIT) + DT_RING_HDR_SZ + 7) & ~7ull;
}

/* The timestamp at ts_off of the record at rec (its header word len); 0,
 * handed over at once, for a record too short to carry one. */
static inline uint64_t dt_ring_ts(const uint8_t *rec, uint32_t len, size_t ts_off)
{
	uint64_t ts = 0;

	if (len >= ts_off + sizeof(ts))
		__builtin_memcpy(&ts, rec + DT_RING_HDR_SZ + ts_off, sizeof(ts));
	return ts;
}

enum dt_ring_head { DT_RING_HEAD_READY, DT_RING_HEAD_EMPTY, DT_RING_HEAD_BUSY };

/* Skips discarded records at r's head; READY leaves the head's timestamp in
 * head_ts and its header word in head_len. */
static inline enum dt_ring_head dt_ring_head(struct dt_ring *r, size_t ts_off)
{
	for (;;) {
		const uint8_t *rec;
		uint32_t len;

		if (r->cons >= r->prod)
			return DT_RING_HEAD_EMPTY;
		rec = r->data + (r->cons & r->mask);
		len = __atomic_load_n((const uint32_t *)rec, __ATOMIC_ACQUIRE);
		if (len & DT_RING_BUSY_BIT)
			return DT_RING_HEAD_BUSY;
		if (!(len & DT_RING_DISCARD_BIT)) {
			r->head_ts = dt_ring_ts(rec, len, ts_off);
			r->head_len = len;
			return DT_RING_HEAD_READY;
		}
		r->cons += dt_ring_slot(len);
	}
}

/* Restores the min-heap of heap[0..n) on head_ts from entry i down. */
static inline void dt_ring_sift_down(const struct dt_ring *rings, unsigned *heap, unsigned n,
				     unsigned i)
{
	unsigned top = heap[i];
	uint64_t ts = rings[top].head_ts;

	for (;;) {
		unsigned c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && rings[heap[c + 1]].head_ts < rings[heap[c]].head_ts)
			c++;
		if (rings[heap[c]].head_ts >= ts)
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = top;
}

/*
 * Hands committed records of one or several rings (one per CPU) to fn as one
 * stream: in timestamp order across rings and in ring order within each,
 * until every ring is empty, a head is still being written, or `max` records
 * were handed over. Every record carries, at `ts_off`, a CLOCK_MONOTONIC
 * timestamp its producer read *before* reserving its slot (one clock for all
 * CPUs: bpf_ktime_get_ns()).
 *
 * Why that is enough: a response R (ring B) is caused by a query Q (ring A)
 * whose record was committed before R's packet existed, so ts(Q) < commit(Q)
 * < ts(R); and every record ahead of Q in ring A was reserved before Q, after
 * reading its own timestamp, so it too is older than R. Handing over the
 * oldest head first therefore never puts an effect before its cause, as long
 * as all of ring A that was committed before R is visible. Hence `cutoff`:
 * the caller reads the clock, then this function reads the producer
 * positions, and only records stamped up to `cutoff` are handed over (what
 * was stamped later waits for the next call). A head still being written
 * ends the call: what follows it in any ring may depend on it.
 *
 * The heads sit in a min-heap, so a switch between rings costs O(log n)
 * head reads, not n: on a machine with hundreds of CPUs, records of
 * different CPUs alternate at almost every step. The oldest ring's records
 * go out in a run while they stay older than the other heads.
 *
 * With one ring, pass cutoff UINT64_MAX: ring order is causal order.
 *
 * Returns the records handed over; 0 when there was nothing.
 */
static inline long dt_ring_merge(struct dt_ring_set *set, uint64_t cutoff, long max,
				 dt_ring_fn fn, void *ctx)
{
	struct dt_ring *rings = set->rings;
	unsigned *heap = set->heap, h = 0;
	long n = 0;

	for (unsigned i = 0; i < set->n; i++) {
		struct dt_ring *r = &rings[i];

		r->cons = r->published = __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED);
		r->prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
	}
	for (unsigned i = 0; i < set->n; i++) {
		enum dt_ring_head st = dt_ring_head(&rings[i], set->ts_off);

		if (st == DT_RING_HEAD_BUSY)
			goto publish;
		if (st == DT_RING_HEAD_READY)
			heap[h++] = i;
	}
	for (unsigned i = h / 2; i-- > 0;)
		dt_ring_sift_down(rings, heap, h, i);

	while (h > 0) {
		struct dt_ring *r = &rings[heap[0]];
		uint64_t limit = cutoff;
		enum dt_ring_head st;

		if (r->head_ts > cutoff)
			break;
		/* a run of the oldest ring, while it stays older than the next
		 * oldest head (one of the root's two children) */
		for (unsigned c = 1; c <= 2 && c < h; c++)
			if (rings[heap[c]].head_ts < limit)
				limit = rings[heap[c]].head_ts;
		do { /* the root's head is ready, and not past the limit */
			if (n >= max)
				goto publish;
			fn(ctx, r->data + (r->cons & r->mask) + DT_RING_HDR_SZ, r->head_len);
			n++;
			r->cons += dt_ring_slot(r->head_len);
			if (r->cons - r->published >= DT_RING_PUBLISH_BYTES) {
				__atomic_store_n(r->consumer_pos, r->cons, __ATOMIC_RELEASE);
				r->published = r->cons;
			}
			st = dt_ring_head(r, set->ts_off);
			if (st == DT_RING_HEAD_BUSY)
				goto publish;
		} while (st == DT_RING_HEAD_READY && r->head_ts <= limit);
		if (st == DT_RING_HEAD_EMPTY)
			heap[0] = heap[--h]; /* out of the heap */
		if (h > 0)
			dt_ring_sift_down(rings, heap, h, 0);
	}
publish:
	for (unsigned i = 0; i < set->n; i++)
		if (rings[i].cons != rings[i].published)
			__atomic_store_n(rings[i].consumer_pos, rings[i].cons, __ATOMIC_RELEASE);
	return n;
}

#endif
