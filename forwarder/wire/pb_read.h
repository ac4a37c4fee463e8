/* SPDX-License-Identifier: MIT */
/*
 * Reading protobuf wire format the way protobuf-c 1.4 does, for the
 * hand-written decoder (record_unpack.c): the same limits and the same
 * refusals, so both decoders accept exactly the same frames.
 *   - tags of at most 5 bytes; a one-byte tag without field bits is an
 *     error (a longer one protobuf-c lets through as field 0, unknown);
 *   - varints of at most 10 bytes, bits beyond 64 dropped;
 *   - length prefixes of at most 5 bytes, never past the end;
 *   - wire types 3, 4, 6 and 7 refused, also for unknown fields;
 *   - a known field with the wrong wire type refused, except a bool (any
 *     wire type, true when any byte of its value has a value bit set).
 * Fast paths (one-byte tags, varints and lengths) inline; the rest in
 * pb_read.c. Internal to wire/. 0 or -EBADMSG.
 */
#ifndef DT_WIRE_PB_READ_H
#define DT_WIRE_PB_READ_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { PB_WT_VARINT = 0, PB_WT_I64 = 1, PB_WT_LEN = 2, PB_WT_I32 = 5 };

/* What is left of one message. */
struct pb_rd {
	const uint8_t *p;
	const uint8_t *end;
};

/* A length-delimited field: bytes, a string (not NUL-ended) or a submessage. */
struct pb_bytes {
	const uint8_t *p;
	size_t n;
};

/* The slow paths (pb_read.c) take and give positions by value, so that a
 * reader stays in registers: p is NULL after an error. */
struct pb_key_at {
	const uint8_t *p;
	uint32_t field;
	unsigned wt;
};
struct pb_u64_at {
	const uint8_t *p;
	uint64_t v;
};
struct pb_key_at pb_key_long(const uint8_t *p, const uint8_t *end);
struct pb_u64_at pb_varint_long(const uint8_t *p, const uint8_t *end);
/* v: the length; p: where the bytes start */
struct pb_u64_at pb_len_long(const uint8_t *p, const uint8_t *end);
const uint8_t *pb_skip_long(const uint8_t *p, const uint8_t *end, unsigned wt);

/* Called with r->p < r->end. */
static inline int pb_key(struct pb_rd *r, uint32_t *field, unsigned *wt)
{
	uint8_t b = *r->p;

	if (b >= 0x80) {
		struct pb_key_at k = pb_key_long(r->p, r->end);

		if (!k.p)
			return -EBADMSG;
		*field = k.field;
		*wt = k.wt;
		r->p = k.p;
		return 0;
	}
	if (b < 8)
		return -EBADMSG;
	*field = b >> 3;
	*wt = b & 7;
	r->p++;
	return 0;
}

static inline int pb_varint(struct pb_rd *r, uint64_t *v)
{
	struct pb_u64_at x;

	if (r->p < r->end && *r->p < 0x80) {
		*v = *r->p++;
		return 0;
	}
	if (r->end - r->p >= 2 && r->p[1] < 0x80) { /* ports, TTLs, flags */
		*v = (r->p[0] & 0x7fu) | (uint64_t)r->p[1] << 7;
		r->p += 2;
		return 0;
	}
	x = pb_varint_long(r->p, r->end);
	if (!x.p)
		return -EBADMSG;
	*v = x.v;
	r->p = x.p;
	return 0;
}

static inline int pb_len(struct pb_rd *r, struct pb_bytes *out)
{
	const uint8_t *p = r->p;
	struct pb_u64_at x;

	if (p < r->end && *p < 0x80) {
		if (*p > (size_t)(r->end - p) - 1)
			return -EBADMSG;
		out->p = p + 1;
		out->n = *p;
		r->p = out->p + out->n;
		return 0;
	}
	x = pb_len_long(p, r->end);
	if (!x.p)
		return -EBADMSG;
	out->p = x.p;
	out->n = x.v;
	r->p = x.p + x.v;
	return 0;
}

/* Past one value of wire type wt (an unknown field's). */
static inline int pb_skip(struct pb_rd *r, unsigned wt)
{
	const uint8_t *p = pb_skip_long(r->p, r->end, wt);

	if (!p)
		return -EBADMSG;
	r->p = p;
	return 0;
}

/* Typed reads of a known field. */
static inline int pb_get_u64(struct pb_rd *r, unsigned wt, uint64_t *v)
{
	return wt == PB_WT_VARINT ? pb_varint(r, v) : -EBADMSG;
}

/* uint32, int32 and enums: the low 32 bits. */
static inline int pb_get_u32(struct pb_rd *r, unsigned wt, uint32_t *v)
{
	uint64_t x = 0;
	int err = pb_get_u64(r, wt, &x);

	*v = (uint32_t)x;
	return err;
}

static inline int pb_get_bool(struct pb_rd *r, unsigned wt, bool *b)
{
	const uint8_t *p = r->p;
	unsigned any = 0;
	int err;

	if (wt == PB_WT_VARINT && p < r->end && *p < 0x80) {
		*b = *p != 0;
		r->p++;
		return 0;
	}
	err = pb_skip(r, wt);

	if (err)
		return err;
	for (; p < r->p; p++)
		any |= *p & 0x7fu;
	*b = any != 0;
	return 0;
}

static inline int pb_get_fixed64(struct pb_rd *r, unsigned wt, uint64_t *v)
{
	uint64_t x = 0;

	if (wt != PB_WT_I64 || r->end - r->p < 8)
		return -EBADMSG;
	for (unsigned i = 0; i < 8; i++)
		x |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	*v = x;
	return 0;
}

static inline int pb_get_bytes(struct pb_rd *r, unsigned wt, struct pb_bytes *v)
{
	return wt == PB_WT_LEN ? pb_len(r, v) : -EBADMSG;
}

/* A submessage: a reader over its bytes. */
static inline int pb_get_sub(struct pb_rd *r, unsigned wt, struct pb_rd *s)
{
	struct pb_bytes v;
	int err = pb_get_bytes(r, wt, &v);

	if (!err) {
		s->p = v.p;
		s->end = v.p + v.n;
	}
	return err;
}

/* A protobuf string as C sees it: up to its first NUL. */
static inline size_t pb_strlen(const struct pb_bytes *v)
{
	return v->n ? strnlen((const char *)v->p, v->n) : 0;
}

/* The next field of a message: false at its end or on an error (in *err). */
static inline bool pb_next(struct pb_rd *r, uint32_t *field, unsigned *wt, int *err)
{
	if (r->p >= r->end)
		return false;
	*err = pb_key(r, field, wt);
	return !*err;
}

/*
 * The next field's key as one number, (field << 3) | wire type, so that one
 * switch matches field and wire type at once: PB_KEY(n, wt) cases for the
 * expected wire types, pb_other() for the rest. A tag of field 0 in more
 * than one byte is skipped here (protobuf-c takes it as an unknown field).
 */
#define PB_KEY(field, wt) ((uint64_t)(field) << 3 | (wt))

static inline bool pb_next_key(struct pb_rd *r, uint64_t *key, int *err)
{
	for (;;) {
		struct pb_key_at k;
		uint8_t b;

		if (r->p >= r->end)
			return false;
		b = *r->p;
		if (b < 0x80) {
			if (b < 8) {
				*err = -EBADMSG;
				return false;
			}
			*key = b;
			r->p++;
			return true;
		}
		k = pb_key_long(r->p, r->end);
		if (!k.p) {
			*err = -EBADMSG;
			return false;
		}
		r->p = k.p;
		if (k.field) {
			*key = PB_KEY(k.field, k.wt);
			return true;
		}
		*err = pb_skip(r, k.wt);
		if (*err)
			return false;
	}
}

/* A field no case took: one of the message's (bit `field` of known) with
 * another wire type is refused, any other skipped. */
static inline int pb_other(struct pb_rd *r, uint64_t key, uint64_t known)
{
	uint64_t field = key >> 3;

	if (field < 64 && (known >> field & 1))
		return -EBADMSG;
	return pb_skip(r, (unsigned)(key & 7));
}

/* A bool field of any wire type (pb_get_bool()): its cases. */
#define PB_BOOL_CASES(field)                                                                       \
	case PB_KEY(field, PB_WT_VARINT):                                                          \
	case PB_KEY(field, PB_WT_I64):                                                             \
	case PB_KEY(field, PB_WT_LEN):                                                             \
	case PB_KEY(field, 3):                                                                     \
	case PB_KEY(field, 4):                                                                     \
	case PB_KEY(field, PB_WT_I32):                                                             \
	case PB_KEY(field, 6):                                                                     \
	case PB_KEY(field, 7)

#endif
