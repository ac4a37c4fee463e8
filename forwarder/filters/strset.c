// SPDX-License-Identifier: MIT
#include "filters/strset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 1469598103934665603ull
#define FNV_PRIME 1099511628211ull

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* FNV-1a over the bytes from last to first. */
static inline uint64_t hash_step(uint64_t h, unsigned char c)
{
	return (h ^ lower(c)) * FNV_PRIME;
}

static inline uint64_t hash_final(uint64_t h)
{
	return h ^ (h >> 29);
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = FNV_OFFSET;

	while (len--)
		h = hash_step(h, (unsigned char)s[len]);
	return hash_final(h);
}

static bool equal(const struct dt_strset_slot *slot, uint64_t h, const char *s, size_t len)
{
	if (slot->hash != h || slot->len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (slot->s[i] != (char)lower((unsigned char)s[i]))
			return false;
	return true;
}

static int grow(struct dt_strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64;
	struct dt_strset_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < set->cap; i++) {
		size_t j;

		if (!set->slots[i].s)
			continue;
		j = set->slots[i].hash & (cap - 1);
		while (slots[j].s)
			j = (j + 1) & (cap - 1);
		slots[j] = set->slots[i];
	}
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	return 0;
}

static bool has_hashed(const struct dt_strset *set, uint64_t h, const char *s, size_t len)
{
	size_t j = h & (set->cap - 1);

	while (set->slots[j].s) {
		if (equal(&set->slots[j], h, s, len))
			return true;
		j = (j + 1) & (set->cap - 1);
	}
	return false;
}

int dt_strset_add(struct dt_strset *set, const char *s, size_t len)
{
	uint64_t h = hash(s, len);
	size_t j;
	char *copy;

	if (set->count && has_hashed(set, h, s, len))
		return 0;
	if ((set->count + 1) * 2 > set->cap && grow(set))
		return -ENOMEM;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		copy[i] = (char)lower((unsigned char)s[i]);
	copy[len] = '\0';
	j = h & (set->cap - 1);
	while (set->slots[j].s)
		j = (j + 1) & (set->cap - 1);
	set->slots[j] = (struct dt_strset_slot){.hash = h, .s = copy, .len = len};
	set->count++;
	return 0;
}

bool dt_strset_has(const struct dt_strset *set, const char *s, size_t len)
{
	return set->count && has_hashed(set, hash(s, len), s, len);
}

bool dt_strset_has_label_suffix(const struct dt_strset *set, const char *name, size_t len)
{
	uint64_t h = FNV_OFFSET;

	if (!set->count)
		return false;
	for (size_t i = len; i-- > 0;) {
		h = hash_step(h, (unsigned char)name[i]);
		/* name[i..] is a whole-label suffix when it starts the name or follows
		 * a dot that is not escaped ("\.") */
		if (i == 0 || (name[i - 1] == '.' && (i < 2 || name[i - 2] != '\\'))) {
			if (has_hashed(set, hash_final(h), name + i, len - i))
				return true;
		}
	}
	return false;
}

void dt_strset_clear(struct dt_strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i].s);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}
