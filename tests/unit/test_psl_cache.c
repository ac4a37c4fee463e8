/* SPDX-License-Identifier: MIT */
/*
 * dns_registered_domain() caches the registrable domain of a name's parent
 * (dns_psl.c): it must give what libpsl gives, for every rule of the
 * distribution's list (plain, wildcard, exception) with labels added in
 * front, in any case, twice (the second time from the cache), and across a
 * cleanup that reloads the list.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libpsl.h>

#include "dns/dns.h"

#define PSL_DAT "/usr/share/publicsuffix/public_suffix_list.dat"

static psl_ctx_t *ref;
static unsigned long checked, with_rd;

/* What libpsl says, on the lowercased name without its final dot. */
static void expect(const char *name)
{
	char lower[DNS_NAME_MAX], got[DNS_NAME_MAX];
	size_t n = strlen(name);
	const char *want;
	int rc;

	if (n == 0 || n >= sizeof(lower))
		return;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	if (lower[n - 1] == '.')
		lower[--n] = '\0';
	want = psl_registrable_domain(ref, lower);
	rc = dns_registered_domain(name, got, sizeof(got));
	checked++;
	if (!want) {
		if (rc != -ENOENT)
			fail_msg("%s: want none, got %d '%s'", name, rc, rc ? "" : got);
		return;
	}
	with_rd++;
	if (rc != 0 || strcmp(got, want))
		fail_msg("%s: want '%s', got %d '%s'", name, want, rc, rc ? "" : got);
}

static void variants(const char *rule)
{
	static const char *const prefixes[] = {"", "a.", "b.a.", "WWW.c.b.a.", "x-1.", "Mail."};
	char name[600];

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", prefixes[i], rule);
		expect(name);
		snprintf(name, sizeof(name), "%s%s.", prefixes[i], rule);
		expect(name);
	}
}

static int walk_list(void)
{
	char line[512];
	FILE *f = fopen(PSL_DAT, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *e;

		if (p[0] == '/' || p[0] == '\n')
			continue;
		e = p + strcspn(p, " \t\r\n");
		*e = '\0';
		if (*p == '!')
			p++;
		else if (p[0] == '*' && p[1] == '.')
			p += 2;
		if (!*p)
			continue;
		variants(p);
		n++;
	}
	fclose(f);
	return n;
}

static void every_rule_as_libpsl(void **state)
{
	(void)state;
	ref = psl_latest(NULL);
	if (!ref)
		skip();
	if (walk_list() < 0) {
		psl_free(ref);
		skip();
	}
	/* again: now every parent is cached */
	assert_true(walk_list() > 1000);
	dns_registered_domain_cleanup();
	assert_true(walk_list() > 1000);
	print_message("%lu names, %lu with a registrable domain\n", checked, with_rd);
	assert_true(with_rd > checked / 3);
	psl_free(ref);
}

/* Names whose parent is odd (empty, leading dot) or long, and repeats. */
static void odd_and_long_names(void **state)
{
	static const char *const names[] = {
	    "a..b",
	    "..",
	    ".a.com",
	    "a.",
	    "a..",
	    "com.",
	    "x.com",
	    "x.com",
	    "y.x.com",
	    "y.X.COM",
	    "-.com",
	    "co.uk",
	    "a.co.uk",
	    "a.b.co.uk",
	    "a.b.c.kawasaki.jp",
	    "city.kawasaki.jp",
	    "a.city.kawasaki.jp",
	    "bench.test",
	    "h1.bench.test",
	    "h2.bench.test",
	    "test",
	};
	char lng[400];

	(void)state;
	ref = psl_latest(NULL);
	if (!ref)
		skip();
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			expect(names[i]);
	/* parent longer than the cache holds */
	memset(lng, 'q', sizeof(lng));
	for (int i = 10; i < 380; i += 11)
		lng[i] = '.';
	memcpy(lng + 380, ".example.com", 13);
	expect(lng);
	expect(lng + 11);
	expect(lng);
	psl_free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_rule_as_libpsl),
	    cmocka_unit_test(odd_and_long_names),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	dns_registered_domain_cleanup();
	return rc;
}
