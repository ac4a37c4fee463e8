/* SPDX-License-Identifier: MIT */
/* Helpers for the decoder tests: load recorded wire files, build messages. */
#ifndef DT_DNS_TEST_UTIL_H
#define DT_DNS_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef DT_WIRE_DIR
#error "DT_WIRE_DIR must name tests/data/wire"
#endif

/* Reads DT_WIRE_DIR/name into buf; returns its length, aborts if missing. */
static inline size_t wire_load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", DT_WIRE_DIR, name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "missing %s\n", path);
		abort();
	}
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Minimal message builder for hand-made (often malformed) messages. */
struct wb {
	uint8_t b[65536];
	size_t n;
};

static inline void wb_u8(struct wb *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static inline void wb_u16(struct wb *w, uint16_t v)
{
	wb_u8(w, (uint8_t)(v >> 8));
	wb_u8(w, (uint8_t)v);
}

static inline void wb_u32(struct wb *w, uint32_t v)
{
	wb_u16(w, (uint16_t)(v >> 16));
	wb_u16(w, (uint16_t)v);
}

static inline void wb_mem(struct wb *w, const void *p, size_t n)
{
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

/* Dotted name to labels (no escapes). */
static inline void wb_name(struct wb *w, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		wb_u8(w, (uint8_t)l);
		wb_mem(w, name, l);
		name += l + (dot ? 1 : 0);
	}
	wb_u8(w, 0);
}

static inline void wb_header(struct wb *w, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
			     uint16_t ns, uint16_t ar)
{
	w->n = 0;
	wb_u16(w, id);
	wb_u16(w, flags);
	wb_u16(w, qd);
	wb_u16(w, an);
	wb_u16(w, ns);
	wb_u16(w, ar);
}

/* Record header after the owner name. */
static inline void wb_rr(struct wb *w, uint16_t type, uint16_t rclass, uint32_t ttl, uint16_t rdlen)
{
	wb_u16(w, type);
	wb_u16(w, rclass);
	wb_u32(w, ttl);
	wb_u16(w, rdlen);
}

#endif
