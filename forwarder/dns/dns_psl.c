// SPDX-License-Identifier: MIT
/*
 * Registered domain (eTLD+1) through libpsl. The list is loaded once, on
 * first use: psl_latest() picks the newer of the built-in list and the
 * distribution's file (publicsuffix package). Not thread-safe by design:
 * the engine runs on one thread.
 */
#include <errno.h>
#include <libpsl.h>
#include <string.h>

#include "dns/dns.h"

static psl_ctx_t *psl_ctx;
static bool psl_tried;

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
	reg = psl_registrable_domain(psl, lower);
	if (!reg)
		return -ENOENT;
	n = strlen(reg);
	if (n >= out_len)
		return -ENOSPC;
	memcpy(out, reg, n + 1);
	return 0;
}
