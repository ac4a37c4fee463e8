/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/ecs_json.h"
#include "core/rd_cache.h"
#include "dns/dns.h"

/*
 * A four-way cache per thread (formatting may run in output threads) of
 * names up to RD_NAME_MAX - 1 bytes. An entry keeps the name and where its registered domain starts:
 * the domain is the name's tail, lowercased. 256 entries unless the process
 * asks for more (dt_rd_cache_slots()); allocated on a thread's first
 * lookup, freed when the thread ends.
 */
#define RD_NAME_MAX 52
#define RD_WAYS 4
/* Tables this big or bigger go on huge pages: each record looks up a random
 * entry, and a TLB miss per lookup cost more than the lookup (perf). */
#define RD_HUGE (2u << 20)

struct rd_entry {
	uint64_t hash;
	uint8_t nlen; /* 0: empty */
	uint8_t off; /* registered domain = lowercase(name[off .. off + rlen)) */
	uint8_t rlen; /* 0: the name has none */
	char name[RD_NAME_MAX + 1];
};

static size_t rd_slots = 256;
static pthread_key_t rd_key;
static pthread_once_t rd_key_once = PTHREAD_ONCE_INIT;
static bool rd_key_ok;
static __thread struct rd_entry *rd_cache;
static __thread size_t rd_mask;
static __thread bool rd_tried;

int dt_rd_cache_slots(size_t slots)
{
	size_t n = 16;

	if (slots < 16 || slots > DT_ECS_JSON_NAME_CACHE_MAX)
		return -EINVAL;
	while (n < slots)
		n <<= 1;
	rd_slots = n;
	return 0;
}

static void rd_key_make(void)
{
	rd_key_ok = pthread_key_create(&rd_key, free) == 0;
}

/* Zeroed; free() releases it either way. */
static struct rd_entry *rd_alloc(size_t slots)
{
	size_t bytes = slots * sizeof(struct rd_entry);
	void *p;

	if (bytes < RD_HUGE)
		return calloc(slots, sizeof(struct rd_entry));
	if (posix_memalign(&p, RD_HUGE, bytes))
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, small pages */
	memset(p, 0, bytes);
	return p;
}

/* This thread's cache, NULL if it could not have one (no memory). */
static struct rd_entry *rd_table(void)
{
	if (rd_cache || rd_tried)
		return rd_cache;
	rd_tried = true;
	pthread_once(&rd_key_once, rd_key_make);
	if (!rd_key_ok)
		return NULL;
	rd_cache = rd_alloc(rd_slots);
	if (!rd_cache)
		return NULL;
	if (pthread_setspecific(rd_key, rd_cache)) {
		free(rd_cache);
		rd_cache = NULL;
		return NULL;
	}
	rd_mask = rd_slots - 1;
	return rd_cache;
}

/* Eight bytes per multiply: the multiply chain, not the bytes, is the cost. */
static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15ull, x;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	x = 0;
	for (size_t i = 0; i < len; i++)
		x |= (uint64_t)(unsigned char)s[i] << (8 * i);
	h = (h ^ x) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* rd is lowercase(s[0 .. n)), as dns_registered_domain() lowercases. */
static bool is_lower_of(const char *rd, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rd[i] != lower(s[i]))
			return false;
	return true;
}

static size_t rd_lookup(const char *name, char *rd, size_t rd_size)
{
	return dns_registered_domain(name, rd, rd_size) == 0 ? strlen(rd) : 0;
}

/*
 * The cache is megabytes looked up at random: nearly every lookup misses the
 * CPU caches (perf: most of write_question's time on one load). So the
 * record's name is hashed and its set prefetched first thing, and the lines
 * arrive while the header fields are formatted.
 */
static __thread struct {
	const char *name;
	size_t nlen;
	uint64_t hash;
} rd_pf;

void dt_rd_cache_prefetch(const char *name)
{
	size_t nlen = strlen(name);
	struct rd_entry *t;
	const char *e;

	if (!nlen || nlen >= RD_NAME_MAX || !(t = rd_cache ? rd_cache : rd_table()))
		return;
	rd_pf.name = name;
	rd_pf.nlen = nlen;
	rd_pf.hash = name_hash(name, nlen);
	e = (const char *)&t[rd_pf.hash & rd_mask & ~(size_t)(RD_WAYS - 1)];
	for (size_t i = 0; i < RD_WAYS * sizeof(*t); i += 64)
		__builtin_prefetch(e + i);
}

void dt_rd_cache_prefetch_clear(void)
{
	rd_pf.name = NULL;
}

size_t dt_rd_cache_name_len(const char *name)
{
	return name == rd_pf.name ? rd_pf.nlen : strlen(name);
}

size_t dt_rd_cache_lookup(const char *name, size_t nlen, char *rd, size_t rd_size, size_t *tail)
{
	struct rd_entry *t, *e;
	uint64_t h;
	size_t rlen, off;

	*tail = SIZE_MAX;
	if (nlen >= RD_NAME_MAX || rd_size < RD_NAME_MAX || !(t = rd_table()))
		return rd_lookup(name, rd, rd_size);
	h = name == rd_pf.name && nlen == rd_pf.nlen ? rd_pf.hash : name_hash(name, nlen);
	/* a hit moves to e[0], a new name comes in there: e[RD_WAYS - 1] goes next */
	e = &t[h & rd_mask & ~(size_t)(RD_WAYS - 1)];
	for (int k = 0; k < RD_WAYS; k++) {
		struct rd_entry tmp;

		if (e[k].hash != h || e[k].nlen != nlen || memcmp(e[k].name, name, nlen))
			continue;
		off = e[k].off;
		rlen = e[k].rlen;
		if (k) { /* fixed-size copies: a struct assignment became rep movs */
			memcpy(&tmp, &e[k], sizeof(tmp));
			memcpy(&e[k], &e[0], sizeof(tmp));
			memcpy(&e[0], &tmp, sizeof(tmp));
		}
		for (size_t i = 0; i < rlen; i++)
			rd[i] = lower(name[off + i]);
		rd[rlen] = '\0';
		*tail = off;
		return rlen;
	}
	rlen = rd_lookup(name, rd, rd_size);
	/* the tail of the name, or of the name without its final dot */
	if (rlen <= nlen && is_lower_of(rd, name + nlen - rlen, rlen))
		off = nlen - rlen;
	else if (rlen < nlen && name[nlen - 1] == '.' &&
		 is_lower_of(rd, name + nlen - 1 - rlen, rlen))
		off = nlen - 1 - rlen;
	else
		return rlen; /* not cacheable */
	memmove(e + 1, e, (RD_WAYS - 1) * sizeof(*e));
	e->hash = h;
	e->nlen = (uint8_t)nlen;
	e->off = (uint8_t)off;
	e->rlen = (uint8_t)rlen;
	memcpy(e->name, name, nlen);
	*tail = off;
	return rlen;
}
