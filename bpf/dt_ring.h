/* SPDX-License-Identifier: MIT */
/*
 * Userspace consumer of a BPF ring buffer (BPF_MAP_TYPE_RINGBUF), in place of
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
};

typedef void (*dt_ring_fn)(void *ctx, const void *rec, size_t size);

/*
 * Hands committed records to fn, in order, until the ring is empty, a record
 * is still being written, or `max` records were handed over. Returns how
 * many were; 0 when there was nothing.
 */
static inline long dt_ring_consume(struct dt_ring *r, long max, dt_ring_fn fn, void *ctx)
{
	uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	uint64_t published = cons, prod;
	long n = 0;

	do {
		prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod && n < max) {
			const uint32_t *hdr = (const uint32_t *)(r->data + (cons & r->mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & DT_RING_BUSY_BIT)
				goto publish; /* not committed yet: the next call goes on */
			cons += ((len & ~DT_RING_DISCARD_BIT) + DT_RING_HDR_SZ + 7) & ~7ull;
			if (!(len & DT_RING_DISCARD_BIT)) {
				fn(ctx, (const uint8_t *)hdr + DT_RING_HDR_SZ,
				   len & ~DT_RING_DISCARD_BIT);
				n++;
			}
			if (cons - published >= DT_RING_PUBLISH_BYTES) {
				__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
				published = cons;
			}
		}
	} while (cons == prod && n < max && prod != __atomic_load_n(r->producer_pos,
								     __ATOMIC_ACQUIRE));
publish:
	if (cons != published)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return n;
}

#endif
