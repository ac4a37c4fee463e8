/* SPDX-License-Identifier: MIT */
/*
 * Envelope{transaction} written straight from struct dt_record: the hot path
 * of the zmq output. protobuf-c needs a struct per message, a size pass and a
 * pack pass through generic descriptors (~12 000 instructions per event);
 * this writes the same bytes (proto3: zero scalars and empty strings/bytes
 * left out, fields in number order, submessages whenever present) in one
 * pass. A nested message reserves one length byte and moves its body when
 * the length needs more. Byte equality with protobuf-c is a unit test
 * (test_wire_pack).
 */
#include <errno.h>
#include <string.h>

#include "wire/record_pack.h"

struct pb {
	uint8_t *p;
	uint8_t *end;
	uint8_t *base;
	bool over; /* ran out of room: the caller grows the buffer and retries */
};

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

/* One bounds check per field: a tag and a value take at most 20 bytes. */
static inline bool room(struct pb *b, size_t n)
{
	if ((size_t)(b->end - b->p) < n) {
		b->over = true;
		return false;
	}
	return true;
}

/*
 * Writers take and return the write position as a local: a store through
 * uint8_t * may alias anything, so one through b->p would make the compiler
 * reload b->p after every byte.
 */
static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Field numbers are constants: the compiler folds the tag to one store. */
static inline uint8_t *put_tag(uint8_t *p, unsigned field, unsigned wt)
{
	return put_varint(p, (uint64_t)field << 3 | wt);
}

static inline void put_raw(struct pb *b, const void *d, size_t n)
{
	if (room(b, n)) {
		memcpy(b->p, d, n);
		b->p += n;
	}
}

/* Unchecked: for runs of small fields after one room() for them all. */
static inline uint8_t *u_u64(uint8_t *p, unsigned field, uint64_t v)
{
	return v ? put_varint(put_tag(p, field, WT_VARINT), v) : p;
}

static inline void f_u64(struct pb *b, unsigned field, uint64_t v)
{
	if (v && room(b, 20)) {
		uint8_t *p = put_tag(b->p, field, WT_VARINT);

		b->p = put_varint(p, v);
	}
}

/* int32 and enums: negative values take ten bytes, sign-extended. */
static inline void f_i32(struct pb *b, unsigned field, int32_t v)
{
	f_u64(b, field, (uint64_t)(int64_t)v);
}

static inline void f_bytes(struct pb *b, unsigned field, const void *d, size_t n)
{
	if (d && n && room(b, 20 + n)) {
		uint8_t *p = put_tag(b->p, field, WT_LEN);

		p = put_varint(p, n);
		memcpy(p, d, n);
		b->p = p + n;
	}
}

static inline void f_str(struct pb *b, unsigned field, const char *s)
{
	if (s && s[0])
		f_bytes(b, field, s, strlen(s));
}

/* Opens a nested message: tag and a one-byte length to patch; returns its offset. */
static inline size_t sub_begin(struct pb *b, unsigned field)
{
	uint8_t *p;

	if (!room(b, 3))
		return 0;
	p = put_tag(b->p, field, WT_LEN);
	*p++ = 0;
	b->p = p;
	return (size_t)(p - b->base);
}

static void sub_end(struct pb *b, size_t body)
{
	uint8_t *start = b->base + body;
	size_t len, extra = 0;
	uint64_t v;

	if (b->over)
		return;
	len = (size_t)(b->p - start);
	for (v = len >> 7; v; v >>= 7)
		extra++;
	if (extra) {
		if ((size_t)(b->end - b->p) < extra) {
			b->over = true;
			return;
		}
		memmove(start + extra, start, len);
		b->p += extra;
	}
	start--;
	v = len;
	while (v >= 0x80) {
		*start++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*start = (uint8_t)v;
}

static void pack_rr(struct pb *b, unsigned field, const struct dns_rr *rr)
{
	size_t at = sub_begin(b, field);

	f_str(b, 1, rr->name);
	/* 16, 16 and 32 bits: 4 + 4 + 6 bytes at most */
	if (room(b, 14)) {
		uint8_t *p = b->p;

		p = u_u64(p, 2, rr->type);
		p = u_u64(p, 3, rr->rclass);
		b->p = u_u64(p, 4, rr->ttl);
	}
	f_bytes(b, 5, rr->rdata, rr->rdlength);
	f_str(b, 6, rr->data);
	sub_end(b, at);
}

static void pack_edns(struct pb *b, const struct dns_edns *e)
{
	size_t at = sub_begin(b, 14);

	f_u64(b, 1, e->dnssec_ok);
	f_u64(b, 2, e->version);
	f_u64(b, 3, e->udp_size);
	f_u64(b, 4, e->ext_rcode_hi);
	f_u64(b, 5, e->ede_code >= 0);
	f_u64(b, 6, e->ede_code >= 0 ? (uint32_t)e->ede_code : 0);
	f_str(b, 7, e->ede_text);
	f_str(b, 8, e->client_subnet);
	f_str(b, 9, e->cookie);
	sub_end(b, at);
}

static unsigned rr_section(const struct dns_rr *rr)
{
	return rr->section <= DNS_SECTION_ADDITIONAL ? rr->section : DNS_SECTION_ADDITIONAL;
}

static void pack_dns(struct pb *b, unsigned field, const struct dns_msg *m)
{
	size_t at = sub_begin(b, field);
	unsigned n = m->n_rr < DNS_MAX_RR ? m->n_rr : DNS_MAX_RR;

	/* eight 16-bit fields: 4 bytes each at most */
	if (room(b, 32)) {
		uint8_t *p = b->p;

		p = u_u64(p, 1, m->id);
		p = u_u64(p, 2, m->flags);
		p = u_u64(p, 3, m->opcode);
		p = u_u64(p, 4, m->rcode);
		p = u_u64(p, 5, m->qdcount);
		p = u_u64(p, 6, m->ancount);
		p = u_u64(p, 7, m->nscount);
		p = u_u64(p, 8, m->arcount);
		b->p = p;
	}
	if (m->has_question) {
		size_t q = sub_begin(b, 9);

		f_str(b, 1, m->qname);
		f_u64(b, 2, m->qtype);
		f_u64(b, 3, m->qclass);
		sub_end(b, q);
	}
	/* answers (10), authorities (11), additionals (12): wire order in each */
	for (unsigned s = DNS_SECTION_ANSWER; s <= DNS_SECTION_ADDITIONAL; s++)
		for (unsigned i = 0; i < n; i++)
			if (rr_section(&m->rr[i]) == s)
				pack_rr(b, 10 + s, &m->rr[i]);
	f_u64(b, 13, m->rr_truncated);
	if (m->edns.present)
		pack_edns(b, &m->edns);
	f_i32(b, 15, m->error);
	f_str(b, 16, m->error_text);
	sub_end(b, at);
}

static void pack_process(struct pb *b, const struct dt_process *p)
{
	size_t at = sub_begin(b, 5);

	f_u64(b, 1, p->pid);
	f_u64(b, 2, p->tid);
	f_u64(b, 3, p->ppid);
	f_u64(b, 4, p->uid);
	f_u64(b, 5, p->gid);
	/* Fixed arrays are NUL-terminated by the producer (record.h). */
	f_str(b, 6, p->name);
	f_str(b, 7, p->thread_name);
	f_str(b, 8, p->exe);
	f_u64(b, 9, p->cgroup_id);
	f_str(b, 10, p->container_id);
	sub_end(b, at);
}

static void pack_network(struct pb *b, const struct dt_record *rec)
{
	size_t at = sub_begin(b, 6);
	size_t alen = rec->family == 6 ? 16 : 4;

	f_i32(b, 1, rec->family == 6 ? 6 : rec->family == 4 ? 4 : 0);
	f_i32(b, 2, rec->transport);
	if (rec->family == 4 || rec->family == 6) {
		f_bytes(b, 3, rec->src_ip, alen);
		f_bytes(b, 4, rec->dst_ip, alen);
	}
	f_u64(b, 5, rec->src_port);
	f_u64(b, 6, rec->dst_port);
	f_u64(b, 7, rec->netns);
	f_u64(b, 8, rec->ifindex);
	sub_end(b, at);
}

static void pack_transaction(struct pb *b, const struct dt_record *rec, bool include_wire)
{
	size_t at = sub_begin(b, 10);

	f_i32(b, 1, (int32_t)rec->status);
	f_u64(b, 2, rec->query_ts_ns);
	f_u64(b, 3, rec->response_ts_ns);
	f_u64(b, 4, rec->flags);
	if (rec->has_process)
		pack_process(b, &rec->process);
	pack_network(b, rec);
	if (rec->query)
		pack_dns(b, 7, rec->query);
	if (rec->response)
		pack_dns(b, 8, rec->response);
	if (include_wire) {
		f_bytes(b, 9, rec->query_wire, rec->query_wire_len);
		f_bytes(b, 10, rec->response_wire, rec->response_wire_len);
	}
	f_str(b, 11, rec->tag);
	f_str(b, 12, rec->host_name);
	f_u64(b, 13, (uint32_t)rec->query_wire_len);
	f_u64(b, 14, (uint32_t)rec->response_wire_len);
	sub_end(b, at);
}

int dt_wire_pack_transaction(const uint8_t *publisher, size_t publisher_len, uint64_t sequence,
			     uint64_t now_ns, const struct dt_record *rec, bool include_wire,
			     uint8_t *out, size_t cap, size_t *len)
{
	struct pb b = {.p = out, .end = out + cap, .base = out};

	/* Envelope: publisher (1, pre-packed), sequence (2), sent_time_ns (3), body (10). */
	put_raw(&b, publisher, publisher_len);
	f_u64(&b, 2, sequence);
	f_u64(&b, 3, now_ns);
	pack_transaction(&b, rec, include_wire);
	if (b.over)
		return -ENOSPC;
	*len = (size_t)(b.p - out);
	return 0;
}
