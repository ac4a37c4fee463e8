// SPDX-License-Identifier: MIT
/* EnvelopeBatch: appending envelopes, walking them. */
#include "wire/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire/pb_read.h"
#include "wire/pb_write.h"

#define TAG_ENVELOPES 0x0a /* field 1, wire type 2 (length-delimited) */

size_t dt_wire_batch_cost(size_t len)
{
	return 1 + pb_varint_size(len) + len;
}

int dt_wire_batch_add(struct dt_wire_batch *b, const uint8_t *env, size_t len)
{
	size_t need = b->len + dt_wire_batch_cost(len);
	uint8_t *p;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;

		while (cap < need)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	*p++ = TAG_ENVELOPES;
	memcpy(pb_put_varint(p, len), env, len);
	b->len = need;
	b->n++;
	return 0;
}

uint8_t *dt_wire_batch_take(struct dt_wire_batch *b, size_t *len, unsigned *n)
{
	uint8_t *data = b->n ? b->data : NULL;

	*len = b->n ? b->len : 0;
	*n = b->n;
	if (data) {
		b->data = NULL;
		b->cap = 0;
	}
	b->len = 0;
	b->n = 0;
	return data;
}

void dt_wire_batch_release(struct dt_wire_batch *b)
{
	if (!b)
		return;
	free(b->data);
	*b = (struct dt_wire_batch){0};
}

int dt_wire_batch_next(const uint8_t **p, const uint8_t *end, const uint8_t **env, size_t *len)
{
	struct pb_rd r = {.p = *p, .end = end};
	struct pb_bytes b;

	if (r.p >= end)
		return 0;
	if (*r.p++ != TAG_ENVELOPES || pb_len(&r, &b))
		return -EBADMSG;
	*env = b.p;
	*len = b.n;
	*p = r.p;
	return 1;
}
