/* SPDX-License-Identifier: MIT */
/* The slow paths of pb_read.h: multi-byte tags, varints and lengths, skipping. */
#include "wire/pb_read.h"

struct pb_key_at pb_key_long(const uint8_t *p, const uint8_t *end)
{
	size_t rem = (size_t)(end - p);
	unsigned max = rem < 5 ? (unsigned)rem : 5, shift = 4;
	uint32_t tag = (p[0] & 0x7fu) >> 3;

	for (unsigned i = 1; i < max; i++) {
		if (!(p[i] & 0x80))
			return (struct pb_key_at){p + i + 1, tag | (uint32_t)p[i] << shift,
						  p[0] & 7u};
		tag |= (uint32_t)(p[i] & 0x7f) << shift;
		shift += 7;
	}
	return (struct pb_key_at){0};
}

/* Eight 7-bit groups (continuation bits clear) into 56 bits. */
static inline uint64_t compact8(uint64_t w)
{
	w = (w & 0x007f007f007f007full) | (w & 0x7f007f007f007f00ull) >> 1;
	w = (w & 0x00003fff00003fffull) | (w & 0x3fff00003fff0000ull) >> 2;
	return (w & 0x000000000fffffffull) | (w & 0x0fffffff00000000ull) >> 4;
}

struct pb_u64_at pb_varint_long(const uint8_t *p, const uint8_t *end)
{
	size_t rem = (size_t)(end - p);
	unsigned max = rem < 10 ? (unsigned)rem : 10, i = 0;
	uint64_t x = 0;

	/* Called for p[0] >= 0x80: most are two bytes (ports, TTLs, flags). */
	if (rem >= 2 && p[1] < 0x80)
		return (struct pb_u64_at){p + 2, (p[0] & 0x7fu) | (uint64_t)p[1] << 7};
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Timestamps take 9 bytes: one 8-byte load instead of a loop. */
	if (rem >= 8) {
		uint64_t w, stop;

		memcpy(&w, p, sizeof(w));
		stop = ~w & 0x8080808080808080ull;
		if (stop) {
			unsigned n = (unsigned)__builtin_ctzll(stop) / 8 + 1;

			if (n < 8)
				w &= (1ull << (8 * n)) - 1;
			return (struct pb_u64_at){p + n, compact8(w & 0x7f7f7f7f7f7f7f7full)};
		}
		x = compact8(w & 0x7f7f7f7f7f7f7f7full);
		i = 8;
	}
#endif
	for (; i < max; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			return (struct pb_u64_at){p + i + 1, x};
	}
	return (struct pb_u64_at){0};
}

struct pb_u64_at pb_len_long(const uint8_t *p, const uint8_t *end)
{
	size_t rem = (size_t)(end - p), n = 0;
	unsigned max = rem < 5 ? (unsigned)rem : 5, i;

	for (i = 0; i < max; i++) {
		n |= (size_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80))
			break;
	}
	if (i == max || n > rem - i - 1)
		return (struct pb_u64_at){0};
	return (struct pb_u64_at){p + i + 1, n};
}

const uint8_t *pb_skip_long(const uint8_t *p, const uint8_t *end, unsigned wt)
{
	struct pb_u64_at x;

	switch (wt) {
	case PB_WT_VARINT:
		if (p < end && *p < 0x80)
			return p + 1;
		return pb_varint_long(p, end).p;
	case PB_WT_I64:
		return end - p < 8 ? NULL : p + 8;
	case PB_WT_LEN:
		x = pb_len_long(p, end);
		return x.p ? x.p + x.v : NULL;
	case PB_WT_I32:
		return end - p < 4 ? NULL : p + 4;
	default: /* groups (3, 4) and 6, 7 */
		return NULL;
	}
}
