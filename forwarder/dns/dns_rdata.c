// SPDX-License-Identifier: MIT
/*
 * Record data in presentation format, as dig prints it, except that names
 * carry no trailing dot (the root inside rdata is "."). Unknown types and
 * the rarer ones come out in RFC 3597 form: \# len HEX.
 */
#include <errno.h>

#include "dns/dns_internal.h"

/* Cursor over one record's rdata; names may point back into the message. */
struct rd {
	const uint8_t *wire;
	size_t len; /* of the whole message */
	size_t pos;
	size_t end; /* end of the rdata */
	const char **why;
	int err;
};

static bool rd_need(struct rd *r, size_t n)
{
	if (r->err)
		return false;
	if (r->end - r->pos < n) {
		*r->why = "record data shorter than its type needs";
		r->err = -EBADMSG;
		return false;
	}
	return true;
}

static void rd_u8(struct rd *r, struct dns_out *o)
{
	if (rd_need(r, 1))
		dns_out_u32(o, r->wire[r->pos++]);
}

static void rd_u16(struct rd *r, struct dns_out *o)
{
	if (rd_need(r, 2)) {
		dns_out_u32(o, dns_get16(r->wire + r->pos));
		r->pos += 2;
	}
}

static void rd_u32(struct rd *r, struct dns_out *o)
{
	if (rd_need(r, 4)) {
		dns_out_u32(o, dns_get32(r->wire + r->pos));
		r->pos += 4;
	}
}

static void rd_name(struct rd *r, struct dns_out *o)
{
	size_t pos = r->pos;
	int err;

	if (r->err)
		return;
	/* In-place bytes must stay inside the rdata: cut the view there. */
	err = dns_name_read(r->wire, r->end, &pos, o, true, r->why);
	if (err) {
		r->err = err;
		return;
	}
	r->pos = pos;
}

static void rd_charstr(struct rd *r, struct dns_out *o)
{
	uint8_t n;

	if (!rd_need(r, 1))
		return;
	n = r->wire[r->pos];
	if (!rd_need(r, 1u + n))
		return;
	dns_out_quoted(o, r->wire + r->pos + 1, n);
	r->pos += 1u + n;
}

static void rd_rest_hex(struct rd *r, struct dns_out *o)
{
	if (r->err)
		return;
	if (r->pos == r->end)
		dns_out_c(o, '-');
	dns_out_hex(o, r->wire + r->pos, r->end - r->pos, true);
	r->pos = r->end;
}

static void rd_rest_base64(struct rd *r, struct dns_out *o)
{
	if (r->err)
		return;
	dns_out_base64(o, r->wire + r->pos, r->end - r->pos);
	r->pos = r->end;
}

static void rd_sp(struct rd *r, struct dns_out *o)
{
	if (!r->err)
		dns_out_c(o, ' ');
}

static void rd_type(struct rd *r, struct dns_out *o)
{
	char buf[16];

	if (rd_need(r, 2)) {
		dns_out_s(o, dns_type_str(dns_get16(r->wire + r->pos), buf));
		r->pos += 2;
	}
}

/* NSEC/NSEC3 type bitmap (RFC 4034 4.1.2): windows of up to 32 bytes. */
static void rd_type_bitmap(struct rd *r, struct dns_out *o)
{
	char buf[16];
	int last_window = -1;

	while (!r->err && r->pos < r->end) {
		uint8_t window, blen;

		if (!rd_need(r, 2))
			return;
		window = r->wire[r->pos];
		blen = r->wire[r->pos + 1];
		if (blen == 0 || blen > 32 || window <= last_window) {
			*r->why = "bad NSEC type bitmap";
			r->err = -EBADMSG;
			return;
		}
		last_window = window;
		r->pos += 2;
		if (!rd_need(r, blen))
			return;
		for (unsigned i = 0; i < blen; i++) {
			uint8_t bits = r->wire[r->pos + i];

			for (unsigned b = 0; b < 8; b++) {
				if (bits & (0x80 >> b)) {
					dns_out_c(o, ' ');
					dns_out_s(
					    o, dns_type_str((uint16_t)(window << 8 | (i * 8 + b)),
							    buf));
				}
			}
		}
		r->pos += blen;
	}
}

/* Length-prefixed salt as hex, "-" when empty (RFC 5155 3.3). */
static void rd_salt(struct rd *r, struct dns_out *o)
{
	uint8_t n;

	if (!rd_need(r, 1))
		return;
	n = r->wire[r->pos];
	if (!rd_need(r, 1u + n))
		return;
	if (n == 0)
		dns_out_c(o, '-');
	dns_out_hex(o, r->wire + r->pos + 1, n, true);
	r->pos += 1u + n;
}

/* Length-prefixed next hashed owner in base32hex (RFC 4648 7), no padding. */
static void rd_base32hex(struct rd *r, struct dns_out *o)
{
	static const char tab[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
	uint32_t acc = 0;
	unsigned bits = 0;
	uint8_t n;

	if (!rd_need(r, 1))
		return;
	n = r->wire[r->pos];
	if (n == 0 || !rd_need(r, 1u + n)) {
		if (!r->err) {
			*r->why = "empty NSEC3 next hashed owner";
			r->err = -EBADMSG;
		}
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		acc = acc << 8 | r->wire[r->pos + 1 + i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			dns_out_c(o, tab[(acc >> bits) & 31]);
		}
	}
	if (bits)
		dns_out_c(o, tab[(acc << (5 - bits)) & 31]);
	r->pos += 1u + n;
}

/*
 * Fields separated by one space, as spec says: 1/2/4 an unsigned integer of
 * that many bytes, n a name, c a character string, t a type mnemonic,
 * x / b the rest of the data in hex / base64.
 */
static void rd_fields(struct rd *r, struct dns_out *o, const char *spec)
{
	for (const char *f = spec; *f; f++) {
		if (f != spec)
			rd_sp(r, o);
		switch (*f) {
		case '1':
			rd_u8(r, o);
			break;
		case '2':
			rd_u16(r, o);
			break;
		case '4':
			rd_u32(r, o);
			break;
		case 'n':
			rd_name(r, o);
			break;
		case 'c':
			rd_charstr(r, o);
			break;
		case 't':
			rd_type(r, o);
			break;
		case 'x':
			rd_rest_hex(r, o);
			break;
		case 'b':
			rd_rest_base64(r, o);
			break;
		}
	}
}

static void present_nsec3(struct rd *r, struct dns_out *o, bool param)
{
	rd_fields(r, o, "112"); /* hash algorithm, flags, iterations */
	rd_sp(r, o);
	rd_salt(r, o);
	if (param)
		return;
	rd_sp(r, o);
	rd_base32hex(r, o);
	rd_type_bitmap(r, o);
}

static void present_rrsig(struct rd *r, struct dns_out *o)
{
	rd_fields(r, o, "t114"); /* type covered, algorithm, labels, original TTL */
	for (int i = 0; i < 2 && rd_need(r, 4); i++) {
		dns_out_c(o, ' ');
		dns_out_time(o, dns_get32(r->wire + r->pos));
		r->pos += 4;
	}
	rd_sp(r, o);
	rd_fields(r, o, "2nb"); /* key tag, signer, signature */
}

static void present_svcb(struct rd *r, struct dns_out *o)
{
	rd_fields(r, o, "2n");
	if (!r->err) {
		r->err = dns_svcparams_present(r->wire + r->pos, r->end - r->pos, o, r->why);
		r->pos = r->end;
	}
}

static void present_caa(struct rd *r, struct dns_out *o)
{
	uint8_t taglen;

	rd_u8(r, o);
	if (!rd_need(r, 1))
		return;
	taglen = r->wire[r->pos++];
	if (!rd_need(r, taglen))
		return;
	dns_out_c(o, ' ');
	dns_out_escaped(o, r->wire + r->pos, taglen);
	r->pos += taglen;
	dns_out_c(o, ' ');
	dns_out_quoted(o, r->wire + r->pos, r->end - r->pos);
	r->pos = r->end;
}

void dns_rdata_unknown(const uint8_t *p, size_t n, struct dns_out *o)
{
	dns_out_mem(o, "\\# ", 3);
	dns_out_u32(o, (uint32_t)n);
	if (n) {
		dns_out_c(o, ' ');
		dns_out_hex(o, p, n, true);
	}
}

int dns_rdata_present(const uint8_t *wire, size_t len, size_t off, uint16_t rdlen, uint16_t type,
		      struct dns_out *o, const char **why)
{
	struct rd r = {.wire = wire, .len = len, .pos = off, .end = off + rdlen, .why = why};

	switch (type) {
	case 1: /* A */
		if (rdlen != 4)
			goto bad_length;
		dns_out_ipv4(o, wire + off);
		return 0;
	case 28: /* AAAA */
		if (rdlen != 16)
			goto bad_length;
		dns_out_ipv6(o, wire + off);
		return 0;
	case 2:	 /* NS */
	case 3:	 /* MD */
	case 4:	 /* MF */
	case 5:	 /* CNAME */
	case 7:	 /* MB */
	case 8:	 /* MG */
	case 9:	 /* MR */
	case 12: /* PTR */
	case 39: /* DNAME */
		rd_name(&r, o);
		break;
	case 6: /* SOA */
		rd_fields(&r, o, "nn44444");
		break;
	case 13: /* HINFO */
		rd_fields(&r, o, "cc");
		break;
	case 14: /* MINFO */
	case 17: /* RP */
		rd_fields(&r, o, "nn");
		break;
	case 15: /* MX */
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
		rd_fields(&r, o, "2n");
		break;
	case 16: /* TXT */
	case 99: /* SPF */
		if (rdlen == 0)
			goto bad_length;
		while (!r.err && r.pos < r.end) {
			if (r.pos > off)
				dns_out_c(o, ' ');
			rd_charstr(&r, o);
		}
		break;
	case 33: /* SRV */
		rd_fields(&r, o, "222n");
		break;
	case 35: /* NAPTR */
		rd_fields(&r, o, "22cccn");
		break;
	case 43:    /* DS */
	case 59:    /* CDS */
	case 32769: /* DLV */
		rd_fields(&r, o, "211x");
		break;
	case 44: /* SSHFP */
		rd_fields(&r, o, "11x");
		break;
	case 46: /* RRSIG */
		present_rrsig(&r, o);
		break;
	case 47: /* NSEC */
		rd_name(&r, o);
		rd_type_bitmap(&r, o);
		break;
	case 48: /* DNSKEY */
	case 60: /* CDNSKEY */
		rd_fields(&r, o, "211b");
		break;
	case 49: /* DHCID */
	case 61: /* OPENPGPKEY */
		rd_rest_base64(&r, o);
		break;
	case 50: /* NSEC3 */
	case 51: /* NSEC3PARAM */
		present_nsec3(&r, o, type == 51);
		break;
	case 63: /* ZONEMD */
		rd_fields(&r, o, "411x");
		break;
	case 52: /* TLSA */
	case 53: /* SMIMEA */
		rd_fields(&r, o, "111x");
		break;
	case 64: /* SVCB */
	case 65: /* HTTPS */
		present_svcb(&r, o);
		break;
	case 256: /* URI */
		rd_fields(&r, o, "22");
		if (!r.err) {
			dns_out_c(o, ' ');
			dns_out_quoted(o, wire + r.pos, r.end - r.pos);
			r.pos = r.end;
		}
		break;
	case 257: /* CAA */
		present_caa(&r, o);
		break;
	default:
		dns_rdata_unknown(wire + off, rdlen, o);
		return 0;
	}
	if (r.err)
		return r.err;
	if (r.pos != r.end) {
		*why = "record data longer than its type needs";
		return -EBADMSG;
	}
	return 0;

bad_length:
	*why = "record data length wrong for its type";
	return -EBADMSG;
}
