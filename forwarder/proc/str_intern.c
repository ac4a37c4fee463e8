/* SPDX-License-Identifier: MIT */
/* Reference-counted interned strings; see str_intern.h. */
#include "proc/str_intern.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/fnv.h"

struct istr {
	struct istr *next; /* hash chain */
	uint64_t hash;
	uint32_t refs;
	uint32_t len;
	char s[];
};

struct dt_str_intern {
	struct istr **buckets;
	uint32_t mask; /* buckets - 1, power of two; at most one string per bucket */
	uint32_t count;
};

#define BUCKETS_MIN 64

static struct istr *of(const char *s)
{
	return (struct istr *)(s - offsetof(struct istr, s));
}

int dt_str_intern_new(struct dt_str_intern **out)
{
	struct dt_str_intern *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->buckets = calloc(BUCKETS_MIN, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->mask = BUCKETS_MIN - 1;
	*out = t;
	return 0;
}

void dt_str_intern_free(struct dt_str_intern *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct istr *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(t->buckets);
	free(t);
}

/* Twice the buckets; on failure the chains just get longer. */
static void grow(struct dt_str_intern *t)
{
	uint32_t n = (t->mask + 1) * 2;
	struct istr **b = calloc(n, sizeof(*b));

	if (!b)
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		struct istr *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
}

const char *dt_str_intern_get(struct dt_str_intern *t, const char *s, size_t max_len)
{
	size_t n = s ? strnlen(s, max_len) : 0;
	uint64_t h;
	struct istr *e;

	if (!n)
		return NULL;
	h = dt_fnv1a64(s, n);
	for (e = t->buckets[h & t->mask]; e; e = e->next)
		if (e->hash == h && e->len == n && !memcmp(e->s, s, n)) {
			e->refs++;
			return e->s;
		}
	if (t->count > t->mask && t->mask < (1u << 24))
		grow(t);
	e = malloc(sizeof(*e) + n + 1);
	if (!e)
		return NULL;
	e->hash = h;
	e->refs = 1;
	e->len = (uint32_t)n;
	memcpy(e->s, s, n);
	e->s[n] = 0;
	e->next = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = e;
	t->count++;
	return e->s;
}

const char *dt_str_intern_ref(const char *s)
{
	if (s)
		of(s)->refs++;
	return s;
}

void dt_str_intern_put(struct dt_str_intern *t, const char *s)
{
	struct istr *e, **link;

	if (!s)
		return;
	e = of(s);
	if (--e->refs)
		return;
	for (link = &t->buckets[e->hash & t->mask]; *link && *link != e; link = &(*link)->next)
		;
	if (*link)
		*link = e->next;
	t->count--;
	free(e);
}

uint32_t dt_str_intern_count(const struct dt_str_intern *t)
{
	return t->count;
}
