// SPDX-License-Identifier: MIT
/* Bounded text writer: numbers, hex, base64, addresses, quoted strings. */
#include <errno.h>
#include <time.h>

#include "dns/dns_internal.h"

int dns_out_end(struct dns_msg *msg, struct dns_out *o, const char **res)
{
	if (o->full || o->cap == 0)
		return -ENOSPC;
	o->buf[o->len] = '\0';
	*res = o->buf;
	msg->text_used += o->len + 1;
	return 0;
}

void dns_out_u32(struct dns_out *o, uint32_t v)
{
	char tmp[10];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	dns_out_mem(o, tmp + i, sizeof(tmp) - i);
}

void dns_out_hex(struct dns_out *o, const uint8_t *p, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	if (o->len + 2 * n >= o->cap) {
		o->full = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		o->buf[o->len++] = digits[p[i] >> 4];
		o->buf[o->len++] = digits[p[i] & 15];
	}
}

void dns_out_base64(struct dns_out *o, const uint8_t *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;

	if (o->len + (n + 2) / 3 * 4 >= o->cap) {
		o->full = true;
		return;
	}
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		o->buf[o->len++] = tab[v >> 18];
		o->buf[o->len++] = tab[(v >> 12) & 63];
		o->buf[o->len++] = tab[(v >> 6) & 63];
		o->buf[o->len++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		o->buf[o->len++] = tab[v >> 18];
		o->buf[o->len++] = tab[(v >> 12) & 63];
		o->buf[o->len++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		o->buf[o->len++] = '=';
	}
}

/* "00" to "99": two digits per lookup */
static const char digit_pairs[201] =
	"0001020304050607080910111213141516171819"
	"2021222324252627282930313233343536373839"
	"4041424344454647484950515253545556575859"
	"6061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* One byte in decimal, no leading zeros. */
static inline char *put_dec8(char *d, unsigned b)
{
	if (b >= 100) {
		*d++ = (char)('0' + b / 100);
		b %= 100;
	} else if (b < 10) {
		*d++ = (char)('0' + b);
		return d;
	}
	memcpy(d, digit_pairs + 2 * b, 2);
	return d + 2;
}

/* Hand conversion: this runs for every A record. */
void dns_out_ipv4(struct dns_out *o, const uint8_t *p)
{
	char *d;

	if (o->len + 15 >= o->cap) {
		o->full = true;
		return;
	}
	d = o->buf + o->len;
	d = put_dec8(d, p[0]);
	*d++ = '.';
	d = put_dec8(d, p[1]);
	*d++ = '.';
	d = put_dec8(d, p[2]);
	*d++ = '.';
	d = put_dec8(d, p[3]);
	o->len = (size_t)(d - o->buf);
}

/* Lower-case hex of a 16-bit group without leading zeros. */
static char *put_group(char *d, unsigned v)
{
	static const char hex[] = "0123456789abcdef";

	if (v >= 0x1000)
		*d++ = hex[v >> 12];
	if (v >= 0x100)
		*d++ = hex[(v >> 8) & 15];
	if (v >= 0x10)
		*d++ = hex[(v >> 4) & 15];
	*d++ = hex[v & 15];
	return d;
}

/*
 * Hand conversion (inet_ntop goes through sprintf: ~2 400 instructions per
 * AAAA record), same text as glibc's inet_ntop, which a unit test checks:
 * the longest run of two or more zero groups, the first of equal ones,
 * becomes "::"; ::a.b.c.d and ::ffff:a.b.c.d keep their IPv4 form.
 */
void dns_out_ipv6(struct dns_out *o, const uint8_t *p)
{
	char tmp[48], *d = tmp;
	unsigned w[8];
	int best = -1, best_len = 0, run = 0;

	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)p[2 * i] << 8 | p[2 * i + 1];
		run = w[i] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*d++ = ':';
			i += best_len - 1;
			if (i == 7)
				*d++ = ':';
			continue;
		}
		if (i)
			*d++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
			struct dns_out v4 = {.buf = d, .cap = 16};

			dns_out_ipv4(&v4, p + 12);
			d += v4.len;
			break;
		}
		d = put_group(d, w[i]);
	}
	dns_out_mem(o, tmp, (size_t)(d - tmp));
}

void dns_out_ddd(struct dns_out *o, uint8_t b)
{
	char tmp[4] = {'\\', (char)('0' + b / 100), (char)('0' + b / 10 % 10),
		       (char)('0' + b % 10)};

	dns_out_mem(o, tmp, sizeof(tmp));
}

void dns_out_escaped(struct dns_out *o, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (b == '"' || b == '\\') {
			dns_out_c(o, '\\');
			dns_out_c(o, (char)b);
		} else if (b < 0x20 || b > 0x7e) {
			dns_out_ddd(o, b);
		} else {
			dns_out_c(o, (char)b);
		}
	}
}

void dns_out_quoted(struct dns_out *o, const uint8_t *p, size_t n)
{
	dns_out_c(o, '"');
	dns_out_escaped(o, p, n);
	dns_out_c(o, '"');
}

void dns_out_time(struct dns_out *o, uint32_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char tmp[32];

	if (!gmtime_r(&tt, &tm) || !strftime(tmp, sizeof(tmp), "%Y%m%d%H%M%S", &tm)) {
		dns_out_u32(o, t);
		return;
	}
	dns_out_s(o, tmp);
}
