/* SPDX-License-Identifier: MIT */
/*
 * The two Envelope decoders behind dt_wire_decode() (record_proto.h).
 * Internal to wire/ and its tests.
 */
#ifndef DT_WIRE_RECORD_UNPACK_H
#define DT_WIRE_RECORD_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "wire/record_proto.h"

/*
 * The hand-written single-pass decoder (record_unpack.c). Same results as
 * dt_wire_decode_reference(), plus -EAGAIN for the frames that need
 * protobuf's merge rules (a non-repeated submessage or the body given twice,
 * record sections out of order): dt_wire_decode() then asks protobuf-c.
 * Our publishers never send those.
 */
int dt_wire_decode_fast(const uint8_t *data, size_t len, struct dt_wire_msg *msg);

/* Get (creating it) msg's arena, reset for a new message; NULL: -ENOMEM. */
struct dt_wire_arena *dt_wire_msg_arena(struct dt_wire_msg *msg);

#endif
