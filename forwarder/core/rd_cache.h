/* SPDX-License-Identifier: MIT */
/*
 * Registered domain (eTLD+1) of query names, cached per thread: the
 * public-suffix lookup (libpsl) costs as much as formatting the rest of the
 * record, and the same names come back again and again. Used by the ECS JSON
 * formatter.
 */
#ifndef DT_RD_CACHE_H
#define DT_RD_CACHE_H

#include <stddef.h>

/* Entry count (rounded up to a power of two, 16 .. DT_ECS_JSON_NAME_CACHE_MAX)
 * of the caches of threads that look up from now on; default 256.
 * Returns 0 or -EINVAL. */
int dt_rd_cache_slots(size_t slots);

/* Start loading name's cache set: call first thing for a record, the lines
 * arrive while the caller writes other fields. Remembers name, its length
 * and hash for the lookup that follows. */
void dt_rd_cache_prefetch(const char *name);
/* Forget the prefetched name (a new record without one). */
void dt_rd_cache_prefetch_clear(void);
/* strlen(name), free when name is the prefetched one. */
size_t dt_rd_cache_name_len(const char *name);

/*
 * Registered domain of name (nlen bytes) into rd (rd_size bytes), lowercase
 * as dns_registered_domain() writes it; returns its length, 0 if the name
 * has none. *tail: where in name rd starts (rd = lowercase of that tail),
 * SIZE_MAX when not known (uncached lookups).
 */
size_t dt_rd_cache_lookup(const char *name, size_t nlen, char *rd, size_t rd_size, size_t *tail);

#endif
