/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/byte_pool.h"

#define NIL UINT32_MAX
#define SLOT_NIL UINT16_MAX
#define NCLASS (DT_BYTE_POOL_MAX / DT_BYTE_POOL_GRAIN + 1) /* class 0 unused */

struct slab {
	uint32_t prev, next; /* the class's list of slabs with a free block; stock: next */
	uint16_t free_head; /* returned blocks, linked through their first two bytes */
	uint16_t fresh; /* blocks [fresh, nblocks) never handed out since assigned */
	uint16_t used;
	uint16_t nblocks;
	uint16_t cls; /* 0: in the stock */
};

struct dt_byte_pool {
	uint8_t *base;
	struct slab *slabs;
	uint32_t nslabs;
	uint32_t touched; /* slabs [touched, nslabs) never handed out */
	uint32_t stock; /* emptied slabs, LIFO so the same few stay hot */
	uint32_t assigned;
	size_t used;
	uint32_t partial[NCLASS]; /* per class: slabs with a free block */
	/* per class: one emptied slab kept back from the stock (still on the
	 * partial list), so that a class hovering around a slab's worth of
	 * blocks does not hand it back and take it again for every block; any
	 * class takes it when the stock is dry */
	uint32_t spare[NCLASS];
};

struct dt_byte_pool *dt_byte_pool_new(size_t budget)
{
	struct dt_byte_pool *p;
	size_t n = (budget + DT_BYTE_POOL_SLAB - 1) / DT_BYTE_POOL_SLAB;

	if (n > UINT32_MAX / DT_BYTE_POOL_SLAB)
		return NULL;
	if (n < DT_BYTE_POOL_MIN_SLABS)
		n = DT_BYTE_POOL_MIN_SLABS;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->base = calloc(n, DT_BYTE_POOL_SLAB);
	p->slabs = calloc(n, sizeof(*p->slabs));
	if (!p->base || !p->slabs) {
		dt_byte_pool_free(p);
		return NULL;
	}
	p->nslabs = (uint32_t)n;
	p->stock = NIL;
	for (unsigned c = 0; c < NCLASS; c++)
		p->partial[c] = p->spare[c] = NIL;
	return p;
}

void dt_byte_pool_free(struct dt_byte_pool *p)
{
	if (!p)
		return;
	free(p->slabs);
	free(p->base);
	free(p);
}

static void partial_push(struct dt_byte_pool *p, uint32_t s)
{
	struct slab *sl = &p->slabs[s];
	uint32_t head = p->partial[sl->cls];

	sl->prev = NIL;
	sl->next = head;
	if (head != NIL)
		p->slabs[head].prev = s;
	p->partial[sl->cls] = s;
}

static void partial_unlink(struct dt_byte_pool *p, uint32_t s)
{
	struct slab *sl = &p->slabs[s];

	if (sl->prev != NIL)
		p->slabs[sl->prev].next = sl->next;
	else
		p->partial[sl->cls] = sl->next;
	if (sl->next != NIL)
		p->slabs[sl->next].prev = sl->prev;
}

/* The spare of some class, when neither stock nor untouched slabs are left. */
static uint32_t spare_steal(struct dt_byte_pool *p)
{
	for (unsigned c = 1; c < NCLASS; c++) {
		uint32_t s = p->spare[c];

		if (s != NIL) {
			p->spare[c] = NIL;
			partial_unlink(p, s);
			return s;
		}
	}
	return NIL;
}

/* A slab for class cls (which has none with a free block): the stock, one
 * never touched, another class's spare; NIL if none. */
static uint32_t slab_assign(struct dt_byte_pool *p, unsigned cls)
{
	uint32_t s;
	struct slab *sl;

	if ((s = p->stock) != NIL)
		p->stock = p->slabs[s].next;
	else if (p->touched < p->nslabs)
		s = p->touched++;
	else if ((s = spare_steal(p)) == NIL)
		return NIL;
	sl = &p->slabs[s];
	sl->cls = (uint16_t)cls;
	sl->free_head = SLOT_NIL;
	sl->fresh = 0;
	sl->used = 0;
	sl->nblocks = (uint16_t)(DT_BYTE_POOL_SLAB / (cls * DT_BYTE_POOL_GRAIN));
	partial_push(p, s);
	return s;
}

void *dt_byte_pool_get(struct dt_byte_pool *p, size_t n)
{
	unsigned cls = (unsigned)((n + DT_BYTE_POOL_GRAIN - 1) / DT_BYTE_POOL_GRAIN);
	size_t size = (size_t)cls * DT_BYTE_POOL_GRAIN;
	uint32_t s;
	struct slab *sl;
	uint16_t slot;
	uint8_t *b;

	if (n == 0 || n > DT_BYTE_POOL_MAX)
		return NULL;
	s = p->partial[cls];
	if (s == NIL && (s = slab_assign(p, cls)) == NIL)
		return NULL;
	sl = &p->slabs[s];
	if (sl->free_head != SLOT_NIL) {
		slot = sl->free_head;
		memcpy(&sl->free_head, p->base + (size_t)s * DT_BYTE_POOL_SLAB + slot * size,
		       sizeof(sl->free_head));
	} else {
		slot = sl->fresh++;
	}
	if (sl->used == 0) {
		p->assigned++;
		if (p->spare[cls] == s)
			p->spare[cls] = NIL;
	}
	if (++sl->used == sl->nblocks)
		partial_unlink(p, s);
	p->used += size;
	b = p->base + (size_t)s * DT_BYTE_POOL_SLAB + slot * size;
	return b;
}

void dt_byte_pool_put(struct dt_byte_pool *p, void *block)
{
	size_t off;
	uint32_t s;
	struct slab *sl;
	size_t size;
	uint16_t slot;
	bool was_full;

	if (!block)
		return;
	off = (size_t)((uint8_t *)block - p->base);
	s = (uint32_t)(off / DT_BYTE_POOL_SLAB);
	sl = &p->slabs[s];
	size = (size_t)sl->cls * DT_BYTE_POOL_GRAIN;
	slot = (uint16_t)((off % DT_BYTE_POOL_SLAB) / size);
	was_full = sl->used == sl->nblocks;
	p->used -= size;
	memcpy(block, &sl->free_head, sizeof(sl->free_head));
	sl->free_head = slot;
	if (--sl->used == 0) {
		p->assigned--;
		/* empty: the class's spare, or back to the stock for any class */
		if (p->spare[sl->cls] == NIL) {
			p->spare[sl->cls] = s;
			if (was_full)
				partial_push(p, s);
			return;
		}
		if (!was_full)
			partial_unlink(p, s);
		sl->cls = 0;
		sl->next = p->stock;
		p->stock = s;
		return;
	}
	if (was_full)
		partial_push(p, s);
}

size_t dt_byte_pool_used(const struct dt_byte_pool *p)
{
	return p->used;
}

uint32_t dt_byte_pool_slabs(const struct dt_byte_pool *p)
{
	return p->assigned;
}

uint32_t dt_byte_pool_slabs_touched(const struct dt_byte_pool *p)
{
	return p->touched;
}
