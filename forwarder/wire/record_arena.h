/* SPDX-License-Identifier: MIT */
/*
 * Decode memory of a struct dt_wire_msg: a bump allocator whose chunks are
 * kept from one message to the next, so a subscriber's steady stream
 * allocates nothing. Internal to wire/ (record_unpack*.c).
 */
#ifndef DT_WIRE_RECORD_ARENA_H
#define DT_WIRE_RECORD_ARENA_H

#include <stddef.h>

struct dt_wire_arena;

struct dt_wire_arena *dt_wire_arena_new(void);
/* Aligned to max_align_t; NULL when out of memory. void * for protobuf-c's allocator. */
void *dt_wire_arena_alloc(void *arena, size_t n);
/* Ready for the next message (what was handed out is gone). */
void dt_wire_arena_reset(struct dt_wire_arena *a);
void dt_wire_arena_free(struct dt_wire_arena *a); /* NULL-safe */

#endif
