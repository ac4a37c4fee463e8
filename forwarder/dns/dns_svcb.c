// SPDX-License-Identifier: MIT
/* SVCB/HTTPS SvcParams in RFC 9460 presentation (section 7 keys). */
#include <errno.h>

#include "dns/dns_internal.h"

static const char *const key_names[] = {
    "mandatory", "alpn",     "no-default-alpn", "port",	 "ipv4hint",
    "ech",	 "ipv6hint", "dohpath",		"ohttp",
};

static void put_key(struct dns_out *o, uint16_t key)
{
	if (key < sizeof(key_names) / sizeof(key_names[0])) {
		dns_out_s(o, key_names[key]);
	} else {
		dns_out_mem(o, "key", 3);
		dns_out_u32(o, key);
	}
}

/* alpn-ids: comma separated; a ',' or '\' inside an id is escaped. */
static int put_alpn(const uint8_t *p, size_t n, struct dns_out *o)
{
	size_t i = 0;

	while (i < n) {
		uint8_t l = p[i++];

		if (l == 0 || l > n - i)
			return -EBADMSG;
		if (i > 1)
			dns_out_c(o, ',');
		for (size_t j = 0; j < l; j++) {
			uint8_t b = p[i + j];

			if (b == ',' || b == '\\') {
				dns_out_mem(o, "\\\\", 2);
				dns_out_c(o, (char)b);
			} else if (b < 0x21 || b > 0x7e || b == '"') {
				dns_out_ddd(o, b);
			} else {
				dns_out_c(o, (char)b);
			}
		}
		i += l;
	}
	return n ? 0 : -EBADMSG;
}

static int put_value(uint16_t key, const uint8_t *p, size_t n, struct dns_out *o)
{
	switch (key) {
	case 0: /* mandatory: key list */
		if (n == 0 || n % 2)
			return -EBADMSG;
		dns_out_c(o, '=');
		for (size_t i = 0; i < n; i += 2) {
			if (i)
				dns_out_c(o, ',');
			put_key(o, dns_get16(p + i));
		}
		return 0;
	case 1: /* alpn */
		dns_out_c(o, '=');
		return put_alpn(p, n, o);
	case 2: /* no-default-alpn */
	case 8: /* ohttp */
		return n ? -EBADMSG : 0;
	case 3: /* port */
		if (n != 2)
			return -EBADMSG;
		dns_out_c(o, '=');
		dns_out_u32(o, dns_get16(p));
		return 0;
	case 4: /* ipv4hint */
		if (n == 0 || n % 4)
			return -EBADMSG;
		dns_out_c(o, '=');
		for (size_t i = 0; i < n; i += 4) {
			if (i)
				dns_out_c(o, ',');
			dns_out_ipv4(o, p + i);
		}
		return 0;
	case 5: /* ech */
		dns_out_c(o, '=');
		dns_out_base64(o, p, n);
		return 0;
	case 6: /* ipv6hint */
		if (n == 0 || n % 16)
			return -EBADMSG;
		dns_out_c(o, '=');
		for (size_t i = 0; i < n; i += 16) {
			if (i)
				dns_out_c(o, ',');
			dns_out_ipv6(o, p + i);
		}
		return 0;
	default: /* dohpath and unknown keys: quoted, escaped */
		if (n) {
			dns_out_c(o, '=');
			dns_out_quoted(o, p, n);
		}
		return 0;
	}
}

int dns_svcparams_present(const uint8_t *p, size_t n, struct dns_out *o, const char **why)
{
	size_t i = 0;
	int last = -1;

	while (i < n) {
		uint16_t key, vlen;

		if (n - i < 4)
			goto bad;
		key = dns_get16(p + i);
		vlen = dns_get16(p + i + 2);
		i += 4;
		if (vlen > n - i || (int)key <= last)
			goto bad;
		last = key;
		dns_out_c(o, ' ');
		put_key(o, key);
		if (put_value(key, p + i, vlen, o))
			goto bad;
		i += vlen;
	}
	return 0;
bad:
	*why = "bad SVCB/HTTPS parameters";
	return -EBADMSG;
}
