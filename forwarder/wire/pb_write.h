/* SPDX-License-Identifier: MIT */
/*
 * Protobuf varints, written: the one encoding the hand-made writers share
 * (record_pack.c, the publisher field of record_proto.c, batch.c). The
 * reading side is pb_read.h. Pure C, no bounds checks: callers make room.
 */
#ifndef DT_PB_WRITE_H
#define DT_PB_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* Writes v at p (at most 10 bytes); returns the position after it. */
static inline uint8_t *pb_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Bytes pb_put_varint() writes for v. */
static inline size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	for (v >>= 7; v; v >>= 7)
		n++;
	return n;
}

#endif
