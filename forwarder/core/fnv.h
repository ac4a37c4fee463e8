/* SPDX-License-Identifier: MIT */
/* FNV-1a, 64 bits: a fast, well-spread hash of a few bytes (table keys),
 * not a checksum against tampering. */
#ifndef DNSTRAIL_FNV_H
#define DNSTRAIL_FNV_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t dt_fnv1a64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#endif
