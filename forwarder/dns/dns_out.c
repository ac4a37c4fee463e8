// SPDX-License-Identifier: MIT
/* Bounded text writer: numbers, hex, base64, addresses, quoted strings. */
#include <arpa/inet.h>
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

void dns_out_ipv4(struct dns_out *o, const uint8_t *p)
{
	char *d;

	if (o->len + 15 >= o->cap) {
		o->full = true;
		return;
	}
	/* hand conversion: this runs for every A record */
	d = o->buf + o->len;
	for (int i = 0; i < 4; i++) {
		uint8_t b = p[i];

		if (i)
			*d++ = '.';
		if (b >= 100) {
			*d++ = (char)('0' + b / 100);
			*d++ = (char)('0' + b / 10 % 10);
		} else if (b >= 10) {
			*d++ = (char)('0' + b / 10);
		}
		*d++ = (char)('0' + b % 10);
	}
	o->len = (size_t)(d - o->buf);
}

void dns_out_ipv6(struct dns_out *o, const uint8_t *p)
{
	char tmp[INET6_ADDRSTRLEN];

	if (inet_ntop(AF_INET6, p, tmp, sizeof(tmp)))
		dns_out_s(o, tmp);
	else
		o->full = true; /* cannot happen with a 46-byte buffer */
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
