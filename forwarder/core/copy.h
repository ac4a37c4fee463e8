/* SPDX-License-Identifier: MIT */
/*
 * Copying a short run of a variable length on the hot paths. GCC turns a
 * memcpy() whose size it knows to be bounded (a few hundred bytes at most)
 * into `rep movs`, whose start-up (~30 cycles) outweighs copying a name or
 * a query; this copies in 8-byte words, the last one overlapping.
 */
#ifndef DT_COPY_H
#define DT_COPY_H

#include <stddef.h>
#include <string.h>

static inline void dt_copy_bytes(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n >= 8) {
		for (size_t i = 0; i + 8 < n; i += 8)
			memcpy(d + i, s + i, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	}
}

#endif
