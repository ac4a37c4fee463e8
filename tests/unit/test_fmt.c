/* SPDX-License-Identifier: MIT */
/*
 * core/fmt.h against libc: dt_fmt_u64 against snprintf("%llu") at every
 * digit-count boundary and on pseudo-random values, dt_fmt_time against
 * gmtime_r (including its per-thread cache of the last second: repeats,
 * steps back, other threads), dt_fmt_ip against inet_ntop.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/fmt.h"

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

static void expect_u64(uint64_t v)
{
	char got[24], want[24];
	size_t n;

	memset(got, '#', sizeof(got));
	n = dt_fmt_u64(v, got);
	snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
	if (n < sizeof(got))
		assert_int_equal(got[n], '#'); /* no NUL, nothing past the digits */
}

static void u64_digits(void **state)
{
	uint64_t p = 1;

	(void)state;
	expect_u64(0);
	expect_u64(UINT64_MAX);
	expect_u64(UINT64_MAX - 1);
	expect_u64(10000000000000000000ull);
	expect_u64(9999999999999999999ull);
	for (int i = 0; i < 20; i++) {
		expect_u64(p - 1);
		expect_u64(p);
		expect_u64(p + 1);
		expect_u64(p * 5);
		if (i < 19)
			p *= 10;
	}
	for (int i = 0; i < 200000; i++) {
		uint64_t v = rnd();

		expect_u64(v);
		expect_u64(v >> (v & 63));
		expect_u64(v & 0xffff);
	}
}

static void expect_time(uint64_t ns, unsigned digits)
{
	char got[DT_FMT_TIME_MAX], want[64];
	time_t t = (time_t)(ns / 1000000000u);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	if (digits) {
		char frac[16];

		snprintf(frac, sizeof(frac), "%09u", (unsigned)(ns % 1000000000u));
		snprintf(want + n, sizeof(want) - n, ".%.*sZ", (int)(digits > 9 ? 9 : digits),
			 frac);
	} else {
		snprintf(want + n, sizeof(want) - n, "Z");
	}
	n = dt_fmt_time(ns, digits, got);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
}

/* The cache of the last second must never show a stale date. */
static void time_cache(void **state)
{
	const uint64_t s = 1000000000ull, t0 = 1764162481ull * s;

	(void)state;
	expect_time(t0 + 123456789, 9);
	expect_time(t0 + 999999999, 9); /* same second */
	expect_time(t0 + s, 9);		/* next */
	expect_time(t0 + 5, 3);		/* back again */
	expect_time(t0 + 5, 12);	/* clamped to 9 */
	expect_time(t0 + 5, 0);
	expect_time(t0 + 86400 * s, 6); /* next day, same time of day */
	expect_time(t0 + 86400 * s + 7, 6);
	expect_time(0, 9);
	expect_time(951782400ull * s + 1, 9); /* 2000-02-29 */
	expect_time(4102444799ull * s + 999999999, 9);
	for (int i = 0; i < 100000; i++) {
		uint64_t ns = rnd() % (4102444800ull * s);

		expect_time(ns, (unsigned)(i % 4) * 3);
		expect_time(ns + (rnd() % 3) * s, 9); /* near the cached one */
	}
}

static void *other_thread(void *arg)
{
	char buf[DT_FMT_TIME_MAX];

	(void)arg;
	dt_fmt_time(0, 0, buf); /* fills this thread's cache with 1970 */
	return strcmp(buf, "1970-01-01T00:00:00Z") ? (void *)1 : NULL;
}

static void time_cache_per_thread(void **state)
{
	char buf[DT_FMT_TIME_MAX];
	pthread_t t;
	void *ret = (void *)1;

	(void)state;
	dt_fmt_time(1764162481ull * 1000000000ull, 0, buf);
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	pthread_join(t, &ret);
	assert_null(ret);
	dt_fmt_time(1764162481ull * 1000000000ull, 0, buf);
	assert_string_equal(buf, "2025-11-26T13:08:01Z");
}

static void ip_text(void **state)
{
	static const char *const v4[] = {"0.0.0.0",    "255.255.255.255", "10.0.0.1",
					 "1.20.100.9", "192.0.2.10",	  "100.99.9.0"};
	static const char *const v6[] = {"::",
					 "::1",
					 "2001:db8::1",
					 "fe80::1:2:3:4",
					 "::ffff:192.0.2.1",
					 "2001:db8:0:1:1:1:1:1"};
	uint8_t a[16];
	char got[DT_FMT_IP_MAX], want[DT_FMT_IP_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		memset(a, 0xee, sizeof(a));
		inet_pton(AF_INET, v4[i], a);
		assert_int_equal(dt_fmt_ip(4, a, got), strlen(v4[i]));
		assert_string_equal(got, v4[i]);
	}
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		inet_pton(AF_INET6, v6[i], a);
		assert_int_equal(dt_fmt_ip(6, a, got), strlen(v6[i]));
		assert_string_equal(got, v6[i]);
	}
	for (int i = 0; i < 10000; i++) {
		for (int k = 0; k < 16; k++)
			a[k] = (uint8_t)rnd();
		inet_ntop(AF_INET, a, want, sizeof(want));
		assert_int_equal(dt_fmt_ip(4, a, got), strlen(want));
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(u64_digits),
	    cmocka_unit_test(time_cache),
	    cmocka_unit_test(time_cache_per_thread),
	    cmocka_unit_test(ip_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
