// SPDX-License-Identifier: MIT
/*
 * Domain names: labels, compression pointers (RFC 1035 4.1.4), escaping for
 * presentation. Pointers must point strictly below every position this name
 * has visited, which makes loops impossible and bounds the work by the
 * message length; the hop limit is a second guard.
 */
#include <errno.h>

#include "dns/dns_internal.h"

/* 0 = copy, 1 = backslash-escape, 2 = \DDD (as dig prints names) */
#define E1(c) [c] = 1
static const uint8_t esc_class[256] = {
    [0 ... 0x20] = 2, [0x7f ... 0xff] = 2,
    E1('.'),	      E1('\\'),
    E1('"'),	      E1('('),
    E1(')'),	      E1(';'),
    E1('@'),	      E1('$'),
};

/* Appends the label's escaped bytes from i on, one at a time. */
static void put_label_slow(struct dns_out *o, const uint8_t *p, size_t i, size_t n)
{
	for (; i < n; i++) {
		switch (esc_class[p[i]]) {
		case 0:
			dns_out_c(o, (char)p[i]);
			break;
		case 1:
			dns_out_c(o, '\\');
			dns_out_c(o, (char)p[i]);
			break;
		default:
			dns_out_ddd(o, p[i]);
		}
	}
}

/*
 * One label: copied while no byte needs escaping (plain hostnames), the
 * rest byte by byte. Through locals: a store through char * would make
 * the compiler reload everything else per byte.
 */
static inline void put_label(struct dns_out *o, const uint8_t *restrict p, size_t n)
{
	size_t i = 0, len = o->len;

	if (len + n < o->cap) {
		char *restrict dst = o->buf + len;

		for (; i < n; i++) {
			uint8_t b = p[i];

			if (esc_class[b])
				break;
			dst[i] = (char)b;
		}
		o->len = len + i;
		if (i == n)
			return;
	}
	put_label_slow(o, p, i, n);
}

/*
 * The name cache learns the labels read in place (before any pointer):
 * the pointers still to follow from each of them are all of this name's.
 * Labels reached through a pointer were presented in place earlier, where
 * the cache learnt them already; it only saves work, so a miss costs a
 * read, never a different result.
 */
static int name_read(const uint8_t *wire, size_t len, size_t *off, struct dns_out *o, bool root_dot,
		     struct dns_name_cache *nc, const char **why)
{
	size_t pos = *off;
	size_t lowest = pos; /* every pointer must go below this */
	size_t end = 0;	     /* where the in-place bytes end */
	size_t wire_len = 1; /* the root label */
	size_t start = o ? o->len : 0;
	unsigned hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len) {
			*why = "name runs past the end of the message";
			return -EBADMSG;
		}
		c = wire[pos];
		if (c >= 0xc0) {
			size_t target;

			if (pos + 1 >= len) {
				*why = "compression pointer cut off";
				return -EBADMSG;
			}
			target = (size_t)(c & 0x3f) << 8 | wire[pos + 1];
			if (!jumped) {
				end = pos + 2;
				jumped = true;
			}
			if (target >= lowest) {
				*why = "compression pointer does not point backwards";
				return -ELOOP;
			}
			if (++hops > DNS_MAX_HOPS) {
				*why = "too many compression pointers";
				return -ELOOP;
			}
			lowest = target;
			pos = target;
			continue;
		}
		if (c & 0xc0) {
			*why = "label longer than 63 bytes (or obsolete label type)";
			return -EMSGSIZE;
		}
		if (c == 0) {
			pos++;
			break;
		}
		wire_len += 1u + c;
		if (wire_len > 255) {
			*why = "name longer than 255 bytes";
			return -EMSGSIZE;
		}
		if (pos + 1 + c > len) {
			*why = "label runs past the end of the message";
			return -EBADMSG;
		}
		if (o) {
			if (o->len > start)
				dns_out_c(o, '.');
			if (nc && !jumped && pos < 0x4000) {
				/* written now, hops fixed below; a failed read ends
				 * the decode, so no entry of it is ever used (beyond
				 * 0x3fff no pointer reaches) */
				unsigned slot = pos % DNS_NC_SLOTS;

				nc->key[slot] = (uint16_t)(pos + 1);
				nc->hops[slot] = 0;
				nc->text[slot] = o->buf + o->len;
			}
			put_label(o, wire + pos + 1, c);
		}
		pos += 1u + c;
	}
	if (o && root_dot && o->len == start)
		dns_out_c(o, '.');
	if (nc && hops)
		for (size_t at = *off; at < end - 2 && at < 0x4000; at += 1u + wire[at])
			nc->hops[at % DNS_NC_SLOTS] = (uint8_t)hops;
	*off = jumped ? end : pos;
	return 0;
}

int dns_name_read(const uint8_t *wire, size_t len, size_t *off, struct dns_out *o, bool root_dot,
		  const char **why)
{
	return name_read(wire, len, off, o, root_dot, NULL, why);
}

int dns_name_read_cached(const uint8_t *wire, size_t len, size_t *off, struct dns_out *o,
			 bool root_dot, struct dns_name_cache *nc, const char **why)
{
	return name_read(wire, len, off, o, root_dot, nc, why);
}
