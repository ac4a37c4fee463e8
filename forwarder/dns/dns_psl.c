// SPDX-License-Identifier: MIT
/*
 * Registered domain (eTLD+1) through libpsl. The list is loaded once, on
 * first use: psl_latest() picks the newer of the built-in list and the
 * distribution's file (publicsuffix package). The first lookup must not
 * race another (the engine runs on one thread); later ones may run in
 * output threads: the parent cache below is per thread.
 */
#include <errno.h>
#include <libpsl.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns.h"

static psl_ctx_t *psl_ctx;
static bool psl_tried;
static unsigned psl_generation = 1; /* bumped by cleanup: parent cache entries die */

static const psl_ctx_t *psl_get(void)
{
	if (!psl_tried) {
		psl_tried = true;
		psl_ctx = psl_latest(NULL);
	}
	if (psl_ctx)
		return psl_ctx;
	return psl_builtin(); /* static; may be NULL if built without one */
}

void dns_registered_domain_cleanup(void)
{
	psl_free(psl_ctx);
	psl_ctx = NULL;
	psl_tried = false;
	psl_generation++;
}

/*
 * libpsl walks a name from the left and stops at the first public suffix:
 * registrable(x.rest) is NULL when x.rest is itself a public suffix, else
 * registrable(rest) when rest has one, else x.rest. Each public-suffix test
 * costs up to two DAFSA searches (thousands of instructions), and the rest
 * (bench.test, example.com, ...) comes back with every name under it. So
 * registrable(rest) is cached (per thread, direct-mapped) and only x.rest
 * is tested afresh: half the searches for a name never seen before.
 */
#define PARENT_CACHE_SIZE 64 /* power of two */
#define PARENT_CACHE_NAME 96

struct parent_entry {
	unsigned generation; /* 0: empty */
	int16_t rd_off; /* registrable(rest) = rest + rd_off; -1: none */
	char rest[PARENT_CACHE_NAME];
};

static __thread struct parent_entry parent_cache[PARENT_CACHE_SIZE];

static uint32_t parent_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* registrable(rest) through the cache; rest is lowercase, not empty, no
 * leading dot. */
static const char *parent_registrable(const psl_ctx_t *psl, const char *rest)
{
	size_t len = strlen(rest);
	struct parent_entry *e;
	const char *reg;

	if (len >= PARENT_CACHE_NAME)
		return psl_registrable_domain(psl, rest);
	e = &parent_cache[parent_hash(rest, len) & (PARENT_CACHE_SIZE - 1)];
	if (e->generation == psl_generation && memcmp(e->rest, rest, len + 1) == 0)
		return e->rd_off < 0 ? NULL : rest + e->rd_off;
	reg = psl_registrable_domain(psl, rest);
	e->generation = psl_generation;
	e->rd_off = reg ? (int16_t)(reg - rest) : -1;
	memcpy(e->rest, rest, len + 1);
	return reg;
}

/* psl_registrable_domain(psl, name), with the parent cache. */
static const char *registrable(const psl_ctx_t *psl, const char *name)
{
	const char *dot, *reg;

	if (name[0] == '.' || psl_is_public_suffix(psl, name))
		return NULL;
	dot = strchr(name, '.');
	if (!dot)
		return NULL;
	if (dot[1] == '\0' || dot[1] == '.')
		return psl_registrable_domain(psl, name); /* odd names: libpsl decides */
	reg = parent_registrable(psl, dot + 1);
	return reg ? reg : name;
}

int dns_registered_domain(const char *name, char *out, size_t out_len)
{
	char lower[DNS_NAME_MAX];
	const psl_ctx_t *psl;
	const char *reg;
	size_t n;

	if (!name || !out || !out_len)
		return -EINVAL;
	n = strlen(name);
	if (n == 0 || n >= sizeof(lower))
		return -ENOENT;
	/* libpsl wants lowercase; names are ASCII (IDNs travel as xn--). */
	for (size_t i = 0; i <= n; i++) {
		char c = name[i];

		lower[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	if (lower[n - 1] == '.')
		lower[--n] = '\0';
	psl = psl_get();
	if (!psl)
		return -ENODATA;
	reg = registrable(psl, lower);
	if (!reg)
		return -ENOENT;
	n = strlen(reg);
	if (n >= out_len)
		return -ENOSPC;
	memcpy(out, reg, n + 1);
	return 0;
}
