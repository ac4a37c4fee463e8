// SPDX-License-Identifier: MIT
/*
 * EDNS(0) (RFC 6891): the OPT pseudo-record, with the options we present:
 * client subnet (RFC 7871), cookie (RFC 7873), extended error (RFC 8914).
 */
#include <errno.h>

#include "dns/dns_internal.h"

#define OPT_ECS 8
#define OPT_COOKIE 10
#define OPT_EDE 15

static int parse_ecs(struct dns_msg *msg, const uint8_t *p, uint16_t n, const char **why)
{
	uint8_t addr[16] = {0};
	struct dns_out o;
	uint16_t family;
	uint8_t source, scope;
	size_t alen, max;

	if (n < 4)
		goto bad;
	family = dns_get16(p);
	source = p[2];
	scope = p[3];
	max = family == 1 ? 4 : family == 2 ? 16 : 0;
	alen = (source + 7u) / 8;
	if (!max || source > max * 8 || scope > max * 8 || n - 4u != alen)
		goto bad;
	memcpy(addr, p + 4, alen);
	dns_out_begin(msg, &o);
	if (family == 1)
		dns_out_ipv4(&o, addr);
	else
		dns_out_ipv6(&o, addr);
	dns_out_c(&o, '/');
	dns_out_u32(&o, source);
	dns_out_c(&o, '/');
	dns_out_u32(&o, scope);
	return dns_out_end(msg, &o, &msg->edns.client_subnet);
bad:
	*why = "bad EDNS client subnet option";
	return -EBADMSG;
}

static int parse_cookie(struct dns_msg *msg, const uint8_t *p, uint16_t n, const char **why)
{
	struct dns_out o;

	/* client cookie 8 bytes, optional server cookie 8..32 bytes */
	if (n != 8 && (n < 16 || n > 40)) {
		*why = "bad EDNS cookie option";
		return -EBADMSG;
	}
	dns_out_begin(msg, &o);
	dns_out_hex(&o, p, n, false);
	return dns_out_end(msg, &o, &msg->edns.cookie);
}

static int parse_ede(struct dns_msg *msg, const uint8_t *p, uint16_t n, const char **why)
{
	struct dns_out o;

	if (n < 2) {
		*why = "bad EDNS extended error option";
		return -EBADMSG;
	}
	msg->edns.ede_code = dns_get16(p);
	if (n == 2)
		return 0;
	dns_out_begin(msg, &o);
	dns_out_escaped(&o, p + 2, n - 2u);
	return dns_out_end(msg, &o, &msg->edns.ede_text);
}

int dns_edns_parse(struct dns_msg *msg, uint16_t rclass, uint32_t ttl, const uint8_t *rdata,
		   uint16_t rdlen, const char **why)
{
	size_t i = 0;

	if (msg->edns.present) {
		*why = "more than one OPT record";
		return -EBADMSG;
	}
	msg->edns.present = true;
	msg->edns.udp_size = rclass;
	msg->edns.ext_rcode_hi = (uint8_t)(ttl >> 24);
	msg->edns.version = (uint8_t)(ttl >> 16);
	msg->edns.dnssec_ok = (ttl & 0x8000) != 0;
	msg->rcode = (uint16_t)(msg->edns.ext_rcode_hi << 4 | (msg->flags & 0xf));

	while (i < rdlen) {
		uint16_t code, n;
		int err = 0;

		if (rdlen - i < 4)
			goto bad;
		code = dns_get16(rdata + i);
		n = dns_get16(rdata + i + 2);
		i += 4;
		if (n > rdlen - i)
			goto bad;
		switch (code) {
		case OPT_ECS:
			err = parse_ecs(msg, rdata + i, n, why);
			break;
		case OPT_COOKIE:
			err = parse_cookie(msg, rdata + i, n, why);
			break;
		case OPT_EDE:
			err = parse_ede(msg, rdata + i, n, why);
			break;
		default:
			break; /* other options are not presented */
		}
		if (err)
			return err;
		i += n;
	}
	return 0;
bad:
	*why = "EDNS option runs past the OPT record";
	return -EBADMSG;
}
