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

#include <stdbool.h>
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
	/* the head: the record at cons or, in a batch, the message at sub */
	uint64_t head_ts;
	uint32_t head_len; /* the record's header word, or the message's size */
	uint32_t rec_len;  /* the header word of the record at cons */
	/* a batch at cons: its size and the offset of the next message, kept
	 * across calls (cons is published only past a whole record) */
	uint32_t batch_end, sub;
};

/*
 * Rings merged into one stream: one per CPU, or a single one.
 *
 * Batches: with batch_type set, a record whose first 32-bit word is
 * batch_type is a batch: a header of DT_RING_BATCH_HDR bytes whose second
 * word is the batch's size, then messages, each at an 8-byte boundary from
 * the batch's start, each starting with the same kind of header (type,
 * size, and its timestamp at ts_off). The merge hands over messages, not
 * batches: a batch of one ring may hold messages older and newer than
 * another ring's head.
 */
#define DT_RING_BATCH_HDR 16u

struct dt_ring_set {
	struct dt_ring *rings;
	unsigned *heap; /* n entries of scratch: rings by head timestamp */
	unsigned n;
	size_t ts_off;	     /* where each record carries its timestamp */
	uint32_t batch_type; /* 0: no batches */
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

static inline uint32_t dt_ring_u32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* The next message of the batch at r's head into head_ts/head_len; false
 * when the batch has none left. A message whose size does not fit its
 * batch is handed over with size 0 (the callback counts it as bad) and ends
 * the batch. */
static inline bool dt_ring_batch_msg(struct dt_ring *r, const uint8_t *body, size_t ts_off)
{
	uint32_t size;

	if (r->sub + DT_RING_BATCH_HDR > r->batch_end)
		return false;
	size = dt_ring_u32(body + r->sub + 4);
	if (size < ts_off + sizeof(uint64_t) || size > r->batch_end - r->sub) {
		r->head_ts = 0;
		r->head_len = 0;
		return true;
	}
	r->head_ts = dt_ring_ts(body + r->sub - DT_RING_HDR_SZ, size, ts_off);
	r->head_len = size;
	return true;
}

/* Skips discarded records (and spent batches) at r's head; READY leaves the
 * head's timestamp in head_ts and its size in head_len. */
static inline enum dt_ring_head dt_ring_head(struct dt_ring *r, const struct dt_ring_set *set)
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
		r->rec_len = len;
		if (!(len & DT_RING_DISCARD_BIT)) {
			const uint8_t *body = rec + DT_RING_HDR_SZ;

			if (set->batch_type && len >= DT_RING_BATCH_HDR &&
			    dt_ring_u32(body) == set->batch_type) {
				uint32_t end = dt_ring_u32(body + 4);

				r->batch_end = end < len ? end : len;
				if (r->sub < DT_RING_BATCH_HDR)
					r->sub = DT_RING_BATCH_HDR;
				if (dt_ring_batch_msg(r, body, set->ts_off))
					return DT_RING_HEAD_READY;
			} else {
				r->batch_end = 0;
				r->head_ts = dt_ring_ts(rec, len, set->ts_off);
				r->head_len = len;
				return DT_RING_HEAD_READY;
			}
		}
		r->cons += dt_ring_slot(len);
		r->sub = r->batch_end = 0;
	}
}

/* The head of r was handed over: on to the next message or record. */
static inline void dt_ring_advance(struct dt_ring *r)
{
	if (r->batch_end) {
		r->sub += r->head_len ? (r->head_len + 7) & ~7u : r->batch_end;
		return; /* dt_ring_head() moves past a spent batch */
	}
	r->cons += dt_ring_slot(r->rec_len);
}

/* Where the head's bytes are. */
static inline const void *dt_ring_head_data(const struct dt_ring *r)
{
	return r->data + (r->cons & r->mask) + DT_RING_HDR_SZ + (r->batch_end ? r->sub : 0);
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

/* Reads every ring's consumer and producer positions: what the next
 * dt_ring_merge_loaded() may hand over. */
static inline void dt_ring_load(struct dt_ring_set *set)
{
	for (unsigned i = 0; i < set->n; i++) {
		struct dt_ring *r = &set->rings[i];
		uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_RELAXED);

		if (cons != r->cons)
			r->sub = r->batch_end = 0; /* not where this reader stopped */
		r->cons = r->published = cons;
		r->prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
	}
}

/*
 * Hands committed records of one or several rings (one per CPU) to fn as one
 * stream, the messages of a batch one by one: in timestamp order across
 * rings and in ring order within each, until every ring is empty, a head is
 * still being written, or `max` were handed over. Every record carries, at
 * `ts_off`, a CLOCK_MONOTONIC timestamp its producer read *before* placing
 * it (one clock for all CPUs: bpf_ktime_get_ns()).
 *
 * Why that is enough: a response R (ring B) is caused by a query Q (ring A)
 * whose record was committed before R's packet existed, so ts(Q) < commit(Q)
 * < ts(R); and every record ahead of Q in ring A was placed before Q, after
 * reading its own timestamp, so it too is older than R. Handing over the
 * oldest head first therefore never puts an effect before its cause, as long
 * as all of ring A that was committed before R is visible. Hence `cutoff`:
 * the caller reads the clock, then dt_ring_load() reads the producer
 * positions, and only records stamped up to `cutoff` are handed over (what
 * was stamped later waits for the next call). A head still being written
 * ends the call: what follows it in any ring may depend on it.
 *
 * Batches: Q may instead still sit in CPU A's stage, not in any ring, when
 * R is. So the caller also lowers `cutoff` below the stamp of the oldest
 * message any CPU holds back, read around dt_ring_load() as
 * dt_ebpf_consume() does (forwarder/inputs/ebpf_loader.c).
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
static inline long dt_ring_merge_loaded(struct dt_ring_set *set, uint64_t cutoff, long max,
					dt_ring_fn fn, void *ctx)
{
	struct dt_ring *rings = set->rings;
	unsigned *heap = set->heap, h = 0;
	long n = 0;

	for (unsigned i = 0; i < set->n; i++) {
		enum dt_ring_head st = dt_ring_head(&rings[i], set);

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
			fn(ctx, dt_ring_head_data(r), r->head_len);
			n++;
			dt_ring_advance(r);
			if (r->cons - r->published >= DT_RING_PUBLISH_BYTES) {
				__atomic_store_n(r->consumer_pos, r->cons, __ATOMIC_RELEASE);
				r->published = r->cons;
			}
			st = dt_ring_head(r, set);
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

/* dt_ring_load(), then dt_ring_merge_loaded(). */
static inline long dt_ring_merge(struct dt_ring_set *set, uint64_t cutoff, long max,
				 dt_ring_fn fn, void *ctx)
{
	dt_ring_load(set);
	return dt_ring_merge_loaded(set, cutoff, max, fn, ctx);
}

#endif
