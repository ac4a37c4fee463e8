/* SPDX-License-Identifier: MIT */
/*
 * A bounded pool of small byte blocks for the variable part of pending
 * queries (query bytes, question text, process identity): a slab allocator
 * over one preallocated region of `budget` bytes, in 4 KiB slabs, each slab
 * serving one size class (multiples of 16 bytes up to DT_BYTE_POOL_MAX).
 *
 * The region is calloc'd (mmap-backed when large): a slab costs RSS only
 * once handed out, so a quiet daemon stays small and a full one stays within
 * the budget. A slab whose blocks are all returned goes back to the common
 * stock, for any class (one per class is kept back, but yields to any class
 * once the rest is spent). No allocation after dt_byte_pool_new().
 */
#ifndef DT_BYTE_POOL_H
#define DT_BYTE_POOL_H

#include <stddef.h>
#include <stdint.h>

#define DT_BYTE_POOL_SLAB 4096u
#define DT_BYTE_POOL_GRAIN 16u
/* Largest block; a pool has at least DT_BYTE_POOL_MIN_SLABS slabs. */
#define DT_BYTE_POOL_MAX 1024u
#define DT_BYTE_POOL_MIN_SLABS 16u

struct dt_byte_pool;

/* budget: bytes, rounded up to whole slabs; NULL on allocation failure or a
 * budget beyond 4 GiB. */
struct dt_byte_pool *dt_byte_pool_new(size_t budget);
void dt_byte_pool_free(struct dt_byte_pool *p); /* NULL-safe */

/* A block of at least n bytes (1..DT_BYTE_POOL_MAX), 16-byte aligned, not
 * zeroed; NULL when n is out of range or the budget is spent. */
void *dt_byte_pool_get(struct dt_byte_pool *p, size_t n);
/* Return a block from dt_byte_pool_get(); NULL-safe. */
void dt_byte_pool_put(struct dt_byte_pool *p, void *block);

/* Bytes in blocks handed out (rounded up to their class). */
size_t dt_byte_pool_used(const struct dt_byte_pool *p);
/* Slabs holding blocks now, and the most ever touched (= RSS bound). */
uint32_t dt_byte_pool_slabs(const struct dt_byte_pool *p);
uint32_t dt_byte_pool_slabs_touched(const struct dt_byte_pool *p);

#endif
