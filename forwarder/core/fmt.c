/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <string.h>

#include "core/fmt.h"

size_t dt_fmt_u64(uint64_t v, char buf[20])
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (era arithmetic:
 * 400-year cycles of 146097 days, years starting in March). */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

size_t dt_fmt_time(uint64_t ns, unsigned digits, char buf[DT_FMT_TIME_MAX])
{
	uint64_t secs = ns / 1000000000u;
	uint32_t frac = (uint32_t)(ns % 1000000000u);
	unsigned sod = (unsigned)(secs % 86400);
	unsigned m, d;
	int64_t y;
	char *p = buf;

	civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
	if (y > 9999)
		y = 9999;
	p[0] = (char)('0' + y / 1000);
	p[1] = (char)('0' + y / 100 % 10);
	p[2] = (char)('0' + y / 10 % 10);
	p[3] = (char)('0' + y % 10);
	p += 4;
	*p++ = '-';
	p = put2(p, m);
	*p++ = '-';
	p = put2(p, d);
	*p++ = 'T';
	p = put2(p, sod / 3600);
	*p++ = ':';
	p = put2(p, sod / 60 % 60);
	*p++ = ':';
	p = put2(p, sod % 60);
	if (digits > 9)
		digits = 9;
	if (digits) {
		char f[9];

		for (int i = 8; i >= 0; i--) {
			f[i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		*p++ = '.';
		memcpy(p, f, digits);
		p += digits;
	}
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - buf);
}

size_t dt_fmt_ip(uint8_t family, const uint8_t addr[16], char buf[DT_FMT_IP_MAX])
{
	char *p = buf;

	if (family != 4) {
		if (!inet_ntop(AF_INET6, addr, buf, DT_FMT_IP_MAX))
			buf[0] = '\0';
		return strlen(buf);
	}
	/* inet_ntop goes through sprintf; this is on every record. */
	for (int i = 0; i < 4; i++) {
		unsigned v = addr[i];

		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
	return (size_t)(p - buf);
}
