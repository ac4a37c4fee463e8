/* SPDX-License-Identifier: MIT */
/*
 * Reference-counted interned strings: one copy of each distinct string,
 * shared by every holder. The process cache keeps executable paths here:
 * a host runs thousands of processes but a few dozen executables, and a
 * 256-byte path in each entry was three quarters of the entry.
 *
 * Not thread-safe (the cache has one thread).
 */
#ifndef DT_STR_INTERN_H
#define DT_STR_INTERN_H

#include <stddef.h>
#include <stdint.h>

struct dt_str_intern;

int dt_str_intern_new(struct dt_str_intern **out);
/* Frees every string, referenced or not. NULL-safe. */
void dt_str_intern_free(struct dt_str_intern *t);

/*
 * The shared copy of s (at most max_len bytes of it, NUL-terminated), with
 * one more reference; NULL for "" or NULL (nothing to share) and when out
 * of memory (the holder then has no string: callers treat NULL as "").
 */
const char *dt_str_intern_get(struct dt_str_intern *t, const char *s, size_t max_len);
/* One more reference to a string from dt_str_intern_get(); NULL-safe. */
const char *dt_str_intern_ref(const char *s);
/* Drops a reference; the last one frees the string. NULL-safe. */
void dt_str_intern_put(struct dt_str_intern *t, const char *s);
/* Distinct strings held. */
uint32_t dt_str_intern_count(const struct dt_str_intern *t);

#endif
