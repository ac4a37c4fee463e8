/* SPDX-License-Identifier: MIT */
/* Bump allocator for decoded messages (record_arena.h). */
#include <stdlib.h>

#include "wire/record_arena.h"

#define ARENA_CHUNK (64 * 1024)
#define ARENA_KEEP_MAX (4 * 1024 * 1024) /* beyond this, give memory back */

struct arena_chunk {
	struct arena_chunk *next;
	size_t cap, used;
	max_align_t data[];
};

struct dt_wire_arena {
	struct arena_chunk *head;
	size_t total;
};

struct dt_wire_arena *dt_wire_arena_new(void)
{
	return calloc(1, sizeof(struct dt_wire_arena));
}

void *dt_wire_arena_alloc(void *data, size_t n)
{
	struct dt_wire_arena *a = data;
	struct arena_chunk *c = a->head;
	void *p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->total += cap;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void arena_release(struct dt_wire_arena *a)
{
	while (a->head) {
		struct arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
	a->total = 0;
}

/* One chunk as big as the last message needed. */
void dt_wire_arena_reset(struct dt_wire_arena *a)
{
	size_t total = a->total;

	if (!a->head)
		return;
	if (!a->head->next) {
		a->head->used = 0;
		return;
	}
	arena_release(a);
	if (total <= ARENA_KEEP_MAX && dt_wire_arena_alloc(a, total))
		a->head->used = 0;
}

void dt_wire_arena_free(struct dt_wire_arena *a)
{
	if (!a)
		return;
	arena_release(a);
	free(a);
}
