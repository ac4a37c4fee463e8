/* SPDX-License-Identifier: MIT */
/* Small, fast formatters shared by the ECS JSON and text outputs. */
#ifndef DT_FMT_H
#define DT_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Longest outputs, NUL included. */
#define DT_FMT_TIME_MAX 32 /* 2026-11-26T13:08:01.123456789Z */
#define DT_FMT_IP_MAX 46 /* INET6_ADDRSTRLEN */

/*
 * RFC 3339 UTC time of ns since the epoch with `digits` fraction digits
 * (0, 3, 6 or 9; 0 = no fraction). Returns the length (NUL-terminated).
 */
size_t dt_fmt_time(uint64_t ns, unsigned digits, char buf[DT_FMT_TIME_MAX]);
/* Address in presentation form; family 4 or 6. Returns the length. */
size_t dt_fmt_ip(uint8_t family, const uint8_t addr[16], char buf[DT_FMT_IP_MAX]);
/* "00" "01" ... "99": two digits per lookup. */
extern const char dt_fmt_digit_pairs[201];
extern const uint64_t dt_fmt_pow10[20];

/* Decimal digits of v into buf (no NUL); returns the count (<= 20).
 * Inline: a dozen numbers go into every JSON line. */
static inline size_t dt_fmt_u64(uint64_t v, char buf[20])
{
	unsigned t, n;
	char *p;

	if (v < 10) {
		buf[0] = (char)('0' + v);
		return 1;
	}
	/* digits from the bit length: t = floor(log10(2^bits)) */
	t = (unsigned)(64 - __builtin_clzll(v)) * 1233 >> 12;
	n = t + 1 - (v < dt_fmt_pow10[t]);
	p = buf + n;
	while (v >= 100) {
		unsigned i = (unsigned)(v % 100) * 2;

		v /= 100;
		p -= 2;
		p[0] = dt_fmt_digit_pairs[i];
		p[1] = dt_fmt_digit_pairs[i + 1];
	}
	if (v >= 10) {
		p[-2] = dt_fmt_digit_pairs[v * 2];
		p[-1] = dt_fmt_digit_pairs[v * 2 + 1];
	} else {
		p[-1] = (char)('0' + v);
	}
	return n;
}

#endif
