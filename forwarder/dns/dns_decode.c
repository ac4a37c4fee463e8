// SPDX-License-Identifier: MIT
/*
 * dns_decode(): header, question, the three record sections, EDNS. The
 * first fault ends decoding; what was read before it stays in msg.
 */
#include <errno.h>

#include "dns/dns_internal.h"

#define TYPE_OPT 41
#define CLASS_IN 1
#define CLASS_NONE 254
#define CLASS_ANY 255

struct dec {
	const uint8_t *wire;
	size_t len;
	size_t pos;
	struct dns_msg *msg;
	struct dns_name_cache nc;
	/* dns_decode_qname(): a message and the text of its first question's name */
	const uint8_t *ref_wire;
	size_t ref_len;
	const char *ref_qname;
	unsigned keep; /* DNS_KEEP_* sections whose records go into msg->rr */
};

static int fail(struct dns_msg *msg, int err, const char *why)
{
	if (err == -ENOSPC)
		why = "text storage of the message exhausted";
	msg->error = err;
	msg->error_text = why;
	return err;
}

/* Read a name at d->pos into the text storage (or skip it when res is NULL). */
static int read_name(struct dec *d, const char **res, const char **why)
{
	struct dns_out o;
	int err;

	/* A bare pointer to a name already presented: share its string, or
	 * skip it unread (a skipped record's owner often is one). Same
	 * checks as reading it again: it points backwards, and one more hop
	 * stays within the limit. */
	if (d->pos + 1 < d->len && (d->wire[d->pos] & 0xc0) == 0xc0) {
		size_t target = (size_t)(d->wire[d->pos] & 0x3f) << 8 | d->wire[d->pos + 1];
		unsigned slot = target % DNS_NC_SLOTS;

		if (target < d->pos && d->nc.key[slot] == target + 1 &&
		    d->nc.hops[slot] < DNS_MAX_HOPS) {
			if (res)
				*res = d->nc.text[slot];
			d->pos += 2;
			return 0;
		}
	}
	if (!res)
		return dns_name_read(d->wire, d->len, &d->pos, NULL, false, why);
	dns_out_begin(d->msg, &o);
	err = dns_name_read_cached(d->wire, d->len, &d->pos, &o, false, &d->nc, why);
	if (err)
		return err;
	return dns_out_end(d->msg, &o, res);
}

/*
 * The first question's name when its bytes (uncompressed, up to the root
 * label) are those of the reference's: the same bytes present as the same
 * text. Only names without escapes, whose labels sit in the text at their
 * wire offset - 12, so the name cache learns them as a read would. Returns
 * the offset past the name, or 0.
 */
static size_t shared_qname(struct dec *d)
{
	size_t pos = 12;

	if (!d->ref_qname)
		return 0;
	while (pos < d->len && d->wire[pos]) {
		if (d->wire[pos] & 0xc0)
			return 0;
		pos += 1u + d->wire[pos];
	}
	if (pos >= d->len || pos >= d->ref_len ||
	    memcmp(d->wire + 12, d->ref_wire + 12, pos + 1 - 12) ||
	    strlen(d->ref_qname) != (pos > 12 ? pos - 13 : 0))
		return 0;
	for (size_t at = 12; at < pos; at += 1u + d->wire[at]) {
		unsigned slot = at % DNS_NC_SLOTS;

		d->nc.key[slot] = (uint16_t)(at + 1);
		d->nc.hops[slot] = 0;
		d->nc.text[slot] = d->ref_qname + (at - 12);
	}
	return pos + 1;
}

static int read_question(struct dec *d, bool keep)
{
	struct dns_msg *msg = d->msg;
	const char *why = NULL;
	const char *name = NULL;
	size_t end = keep ? shared_qname(d) : 0;
	int err;

	if (end) {
		name = d->ref_qname;
		d->pos = end;
		err = 0;
	} else {
		err = read_name(d, keep ? &name : NULL, &why);
	}
	if (err)
		return fail(msg, err, why);
	if (d->len - d->pos < 4)
		return fail(msg, -EBADMSG, "question cut off after its name");
	if (keep) {
		msg->qname = name;
		msg->qtype = dns_get16(d->wire + d->pos);
		msg->qclass = dns_get16(d->wire + d->pos + 2);
		msg->has_question = true;
	}
	d->pos += 4;
	return 0;
}

/* Types whose rdata is exactly one name: presented through the name cache,
 * since glue and CNAME chains point at them. */
static bool rdata_is_name(uint16_t type)
{
	return type == 2 || type == 5 || type == 12 || type == 39; /* NS CNAME PTR DNAME */
}

static int rdata_name(struct dec *d, uint16_t rdlen, struct dns_out *o, const char **why)
{
	size_t pos = d->pos;
	int err;

	/* in-place bytes must stay inside the rdata: cut the view there */
	err = dns_name_read_cached(d->wire, d->pos + rdlen, &pos, o, true, &d->nc, why);
	if (err)
		return err;
	if (pos != d->pos + rdlen) {
		*why = "record data longer than its type needs";
		return -EBADMSG;
	}
	return 0;
}

static int read_rr(struct dec *d, uint8_t section)
{
	struct dns_msg *msg = d->msg;
	size_t name_pos = d->pos;
	size_t text_mark = msg->text_used;
	bool wanted = d->keep & (1u << section);
	bool keep = wanted && msg->n_rr < DNS_MAX_RR;
	const char *why = NULL;
	const char *name = NULL;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
	struct dns_rr *rr;
	struct dns_out o;
	int err;

	err = read_name(d, keep ? &name : NULL, &why);
	if (err)
		goto err_rewind;
	if (d->len - d->pos < 10) {
		err = -EBADMSG;
		why = "record header cut off";
		goto err_rewind;
	}
	type = dns_get16(d->wire + d->pos);
	rclass = dns_get16(d->wire + d->pos + 2);
	ttl = dns_get32(d->wire + d->pos + 4);
	rdlen = dns_get16(d->wire + d->pos + 8);
	d->pos += 10;
	if (rdlen > d->len - d->pos) {
		err = -EBADMSG;
		why = "record data runs past the end of the message";
		goto err_rewind;
	}

	if (type == TYPE_OPT) {
		msg->text_used = text_mark; /* the root owner name is not kept */
		if (section != DNS_SECTION_ADDITIONAL || d->wire[name_pos] != 0)
			return fail(msg, -EBADMSG,
				    "OPT record outside the additional section or not at the root");
		err = dns_edns_parse(msg, rclass, ttl, d->wire + d->pos, rdlen, &why);
		if (err)
			return fail(msg, err, why);
		d->pos += rdlen;
		return 0;
	}

	if (!keep) {
		if (wanted)
			msg->rr_truncated = true; /* no room left, not a section left out */
		d->pos += rdlen;
		return 0;
	}

	rr = &msg->rr[msg->n_rr];
	rr->name = name;
	rr->type = type;
	rr->rclass = rclass;
	rr->ttl = ttl;
	rr->rdlength = rdlen;
	rr->rdata = d->wire + d->pos;
	rr->section = section;

	dns_out_begin(msg, &o);
	if (rdlen == 0 && (rclass == CLASS_NONE || rclass == CLASS_ANY))
		err = 0; /* UPDATE prerequisites and deletions (RFC 2136): no rdata */
	else if (rclass != CLASS_IN && type == 1)
		dns_rdata_unknown(d->wire + d->pos, rdlen, &o); /* A outside IN: Chaosnet etc. */
	else if (rdata_is_name(type))
		err = rdata_name(d, rdlen, &o, &why);
	else
		err = dns_rdata_present(d->wire, d->len, d->pos, rdlen, type, &o, &why);
	if (!err)
		err = dns_out_end(msg, &o, &rr->data);
	if (err)
		goto err_rewind;

	d->pos += rdlen;
	msg->n_rr++;
	switch (section) {
	case DNS_SECTION_ANSWER:
		msg->n_answer++;
		break;
	case DNS_SECTION_AUTHORITY:
		msg->n_authority++;
		break;
	default:
		msg->n_additional++;
	}
	return 0;

err_rewind:
	msg->text_used = text_mark;
	return fail(msg, err, why);
}

void dns_msg_reset(struct dns_msg *msg)
{
	msg->id = 0;
	msg->flags = 0;
	msg->opcode = 0;
	msg->rcode = 0;
	msg->qdcount = msg->ancount = msg->nscount = msg->arcount = 0;
	msg->has_question = false;
	msg->qname = NULL;
	msg->qtype = msg->qclass = 0;
	msg->n_rr = msg->n_answer = msg->n_authority = msg->n_additional = 0;
	msg->rr_truncated = false;
	msg->edns = (struct dns_edns){.ede_code = -1};
	msg->error = 0;
	msg->error_text = NULL;
	msg->text_used = 0;
	msg->text[0] = '\0';
}

static int decode(struct dec *d, const uint8_t *wire, size_t len, struct dns_msg *msg)
{
	static const uint8_t sections[3] = {DNS_SECTION_ANSWER, DNS_SECTION_AUTHORITY,
					    DNS_SECTION_ADDITIONAL};
	uint16_t counts[3];
	int err;

	if (!msg)
		return -EINVAL;
	dns_msg_reset(msg);
	d->wire = wire;
	d->len = len;
	d->pos = 12;
	d->msg = msg;
	memset(d->nc.key, 0, sizeof(d->nc.key)); /* text[] and hops[] are read only behind a key */
	if (!wire || len < 12)
		return fail(msg, -EBADMSG, "shorter than the 12-byte DNS header");

	msg->id = dns_get16(wire);
	msg->flags = dns_get16(wire + 2);
	msg->opcode = (msg->flags >> 11) & 0xf;
	msg->rcode = msg->flags & 0xf;
	msg->qdcount = dns_get16(wire + 4);
	msg->ancount = dns_get16(wire + 6);
	msg->nscount = dns_get16(wire + 8);
	msg->arcount = dns_get16(wire + 10);

	for (unsigned i = 0; i < msg->qdcount; i++) {
		if (d->pos >= len)
			return fail(msg, -EBADMSG, "question count beyond the end of the message");
		err = read_question(d, i == 0);
		if (err)
			return err;
	}

	counts[0] = msg->ancount;
	counts[1] = msg->nscount;
	counts[2] = msg->arcount;
	for (unsigned s = 0; s < 3; s++) {
		for (unsigned i = 0; i < counts[s]; i++) {
			if (d->pos >= len)
				return fail(msg, -EBADMSG,
					    "record count beyond the end of the message");
			err = read_rr(d, sections[s]);
			if (err)
				return err;
		}
	}
	/* Trailing bytes after the last record are tolerated (padding, TSIG-less junk). */
	return 0;
}

int dns_decode(const uint8_t *wire, size_t len, struct dns_msg *msg)
{
	struct dec d;

	d.ref_qname = NULL;
	d.keep = DNS_KEEP_ALL;
	return decode(&d, wire, len, msg);
}

int dns_decode_with(const uint8_t *wire, size_t len, struct dns_msg *msg,
		    const struct dns_decode_opts *opts)
{
	struct dec d;

	d.ref_qname = opts->ref_wire && opts->ref_len > 12 ? opts->ref_qname : NULL;
	d.ref_wire = opts->ref_wire;
	d.ref_len = opts->ref_len;
	d.keep = opts->keep ? opts->keep & DNS_KEEP_ALL : DNS_KEEP_ALL;
	return decode(&d, wire, len, msg);
}

int dns_decode_qname(const uint8_t *wire, size_t len, struct dns_msg *msg, const uint8_t *ref_wire,
		     size_t ref_len, const char *ref_qname)
{
	struct dns_decode_opts o = {
	    .keep = DNS_KEEP_ALL, .ref_wire = ref_wire, .ref_len = ref_len, .ref_qname = ref_qname};

	return dns_decode_with(wire, len, msg, &o);
}

bool dns_msg_head_get(const struct dns_msg *m, struct dns_msg_head *h)
{
	const struct dns_edns *e = &m->edns;

	if (m->error || m->n_rr || m->rr_truncated || e->ede_code >= 0 || e->ede_text ||
	    e->client_subnet || e->cookie || (m->has_question && !m->qname))
		return false;
	h->id = m->id;
	h->flags = m->flags;
	h->rcode = m->rcode;
	h->qdcount = m->qdcount;
	h->ancount = m->ancount;
	h->nscount = m->nscount;
	h->arcount = m->arcount;
	h->qtype = m->qtype;
	h->qclass = m->qclass;
	h->opcode = m->opcode;
	h->has_question = m->has_question;
	h->edns = e->present;
	h->dnssec_ok = e->dnssec_ok;
	h->udp_size = e->udp_size;
	h->edns_version = e->version;
	h->ext_rcode_hi = e->ext_rcode_hi;
	return true;
}

void dns_msg_head_put(struct dns_msg *m, const struct dns_msg_head *h, const char *qname)
{
	dns_msg_reset(m);
	m->id = h->id;
	m->flags = h->flags;
	m->rcode = h->rcode;
	m->qdcount = h->qdcount;
	m->ancount = h->ancount;
	m->nscount = h->nscount;
	m->arcount = h->arcount;
	m->opcode = h->opcode;
	if (h->has_question) {
		m->has_question = true;
		m->qname = qname;
		m->qtype = h->qtype;
		m->qclass = h->qclass;
	}
	m->edns.present = h->edns;
	m->edns.dnssec_ok = h->dnssec_ok;
	m->edns.udp_size = h->udp_size;
	m->edns.version = h->edns_version;
	m->edns.ext_rcode_hi = h->ext_rcode_hi;
}
