/* SPDX-License-Identifier: MIT */
/*
 * Internal to dt_wire: Envelope{transaction} packed directly from a record,
 * the same bytes protobuf-c would write (see record_pack.c).
 */
#ifndef DT_WIRE_RECORD_PACK_H
#define DT_WIRE_RECORD_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"

/*
 * publisher: the Envelope's field 1, tag and length included (packed once
 * per encoder). Writes at most cap bytes to out; returns 0 and the length,
 * or -ENOSPC when cap was too small (grow and call again).
 */
int dt_wire_pack_transaction(const uint8_t *publisher, size_t publisher_len, uint64_t sequence,
			     uint64_t now_ns, const struct dt_record *rec, bool include_wire,
			     uint8_t *out, size_t cap, size_t *len);

#endif
