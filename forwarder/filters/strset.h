/* SPDX-License-Identifier: MIT */
/*
 * A set of lowercase strings (domain suffixes): open addressing, FNV-1a
 * (computed backwards, so every suffix's hash falls out of one pass), looked
 * up by (pointer, length) case-insensitively without copying. Each slot keeps
 * the full hash: a probe touches one cache line unless the hash matches.
 */
#ifndef DT_STRSET_H
#define DT_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dt_strset_slot {
	uint64_t hash;
	char *s; /* NULL = empty */
	size_t len;
};

struct dt_strset {
	struct dt_strset_slot *slots;
	size_t cap; /* power of two, at most half full */
	size_t count;
};

/* Adds a lowercase copy; duplicates are ignored. 0 or -ENOMEM. */
int dt_strset_add(struct dt_strset *set, const char *s, size_t len);
bool dt_strset_has(const struct dt_strset *set, const char *s, size_t len);
/* Whether the set holds name itself or any of its whole-label suffixes
 * ("b.c" and "c" for "a.b.c"): one backward pass over name. */
bool dt_strset_has_label_suffix(const struct dt_strset *set, const char *name, size_t len);
void dt_strset_clear(struct dt_strset *set);

#endif
