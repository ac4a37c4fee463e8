/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "core/fmt.h"

const char dt_fmt_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

const uint64_t dt_fmt_pow10[20] = {
    1ull,
    10ull,
    100ull,
    1000ull,
    10000ull,
    100000ull,
    1000000ull,
    10000000ull,
    100000000ull,
    1000000000ull,
    10000000000ull,
    100000000000ull,
    1000000000000ull,
    10000000000000ull,
    100000000000000ull,
    1000000000000000ull,
    10000000000000000ull,
    100000000000000000ull,
    1000000000000000000ull,
    10000000000000000000ull,
};

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

/* "YYYY-MM-DDTHH:MM:SS" of secs since the epoch into p (19 bytes). */
static void fmt_secs(uint64_t secs, char *p)
{
	unsigned sod = (unsigned)(secs % 86400);
	unsigned m, d;
	int64_t y;

	civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
	if (y > 9999)
		y = 9999;
	p[0] = (char)('0' + y / 1000);
	p[1] = (char)('0' + y / 100 % 10);
	p[2] = (char)('0' + y / 10 % 10);
	p[3] = (char)('0' + y % 10);
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
	p[10] = 'T';
	put2(p + 11, sod / 3600);
	p[13] = ':';
	put2(p + 14, sod / 60 % 60);
	p[16] = ':';
	put2(p + 17, sod % 60);
}

/* Records come in time order: the date and time of day change once a
 * second. One entry per thread (formatting may run in output threads). */
static __thread struct {
	uint64_t secs;
	bool valid;
	char text[19];
} secs_cache;

size_t dt_fmt_time(uint64_t ns, unsigned digits, char buf[DT_FMT_TIME_MAX])
{
	uint64_t secs = ns / 1000000000u;
	uint32_t frac = (uint32_t)(ns % 1000000000u);
	char *p = buf;

	if (!secs_cache.valid || secs_cache.secs != secs) {
		fmt_secs(secs, secs_cache.text);
		secs_cache.secs = secs;
		secs_cache.valid = true;
	}
	memcpy(p, secs_cache.text, 19);
	p += 19;
	if (digits > 9)
		digits = 9;
	if (digits) {
		char f[9];

		for (int i = 8; i >= 1; i -= 2) {
			memcpy(f + i - 1, dt_fmt_digit_pairs + (frac % 100) * 2, 2);
			frac /= 100;
		}
		f[0] = (char)('0' + frac);
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
