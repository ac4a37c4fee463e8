/* SPDX-License-Identifier: MIT */
/*
 * Envelope{transaction} written straight from struct dt_record: the hot path
 * of the zmq output. protobuf-c needs a struct per message, a size pass and a
 * pack pass through generic descriptors (~12 000 instructions per event);
 * this writes the same bytes (proto3: zero scalars and empty strings/bytes
 * left out, fields in number order, submessages whenever present) in one
 * pass. A nested message reserves the length bytes its size most likely
 * needs (one, or two for the transaction and long DNS messages) and moves
 * its body only when the guess was wrong: the encoding stays minimal. Byte
 * equality with protobuf-c is a unit test (test_wire_pack).
 */
#include <errno.h>
#include <string.h>

#include "wire/pb_write.h"
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
 * reload b->p after every byte. Field numbers are constants: the compiler
 * folds a tag to one store.
 */
static inline uint8_t *put_tag(uint8_t *p, unsigned field, unsigned wt)
{
	return pb_put_varint(p, (uint64_t)field << 3 | wt);
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
	return v ? pb_put_varint(put_tag(p, field, WT_VARINT), v) : p;
}

/* int32 and enums: negative values take ten bytes, sign-extended. */
static inline uint8_t *u_i32(uint8_t *p, unsigned field, int32_t v)
{
	return u_u64(p, field, (uint64_t)(int64_t)v);
}

/* Unchecked bytes; strings pass their length (0: left out, like NULL). */
static inline uint8_t *u_bytes(uint8_t *p, unsigned field, const void *d, size_t n)
{
	if (!n)
		return p;
	p = pb_put_varint(put_tag(p, field, WT_LEN), n);
	memcpy(p, d, n);
	return p + n;
}

static inline size_t str_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Room for a run of fields (tags below 16: one byte each): at most VARINT
 * bytes for a varint field, BYTES plus the data for a length-delimited one. */
#define VARINT 11
#define BYTES 11

static inline void f_u64(struct pb *b, unsigned field, uint64_t v)
{
	if (v && room(b, 20)) {
		uint8_t *p = put_tag(b->p, field, WT_VARINT);

		b->p = pb_put_varint(p, v);
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

		p = pb_put_varint(p, n);
		memcpy(p, d, n);
		b->p = p + n;
	}
}

static inline void f_str(struct pb *b, unsigned field, const char *s)
{
	if (s && s[0])
		f_bytes(b, field, s, strlen(s));
}

/* A nested message: where its body starts and how many length bytes precede it. */
struct sub {
	size_t body;
	size_t reserved;
};

/* Opens a nested message: tag and `reserve` (1 or 2) length bytes to patch. */
static inline struct sub sub_begin_n(struct pb *b, unsigned field, size_t reserve)
{
	uint8_t *p;

	if (!room(b, 4))
		return (struct sub){0, 1};
	p = put_tag(b->p, field, WT_LEN) + reserve;
	b->p = p;
	return (struct sub){(size_t)(p - b->base), reserve};
}

static inline struct sub sub_begin(struct pb *b, unsigned field)
{
	return sub_begin_n(b, field, 1);
}

/* Writes the length; moves the body when it needs other than the reserved bytes. */
static void sub_end_move(struct pb *b, struct sub s)
{
	uint8_t *start = b->base + s.body;
	size_t len = (size_t)(b->p - start), need = pb_varint_size(len);

	if (need > s.reserved) {
		if ((size_t)(b->end - b->p) < need - s.reserved) {
			b->over = true;
			return;
		}
		memmove(start + (need - s.reserved), start, len);
		b->p += need - s.reserved;
	} else if (need < s.reserved) {
		memmove(start - (s.reserved - need), start, len);
		b->p -= s.reserved - need;
	}
	pb_put_varint(start - s.reserved, len);
}

/* Closes a nested message; inline for the usual case, a right guess. */
static inline void sub_end(struct pb *b, struct sub s)
{
	uint8_t *start = b->base + s.body;
	size_t len = (size_t)(b->p - start);

	if (b->over)
		return;
	if (s.reserved == 1 && len < 0x80) {
		start[-1] = (uint8_t)len;
	} else if (s.reserved == 2 && len >= 0x80 && len < 0x4000) {
		start[-2] = (uint8_t)(len | 0x80);
		start[-1] = (uint8_t)(len >> 7);
	} else {
		sub_end_move(b, s);
	}
}

static void pack_rr(struct pb *b, unsigned field, const struct dns_rr *rr)
{
	/* name, rdata and its presentation: long rdata make 128 bytes or more */
	struct sub at = sub_begin_n(b, field, rr->rdlength >= 40 ? 2 : 1);
	size_t nl = str_len(rr->name), dl = str_len(rr->data), rl = rr->rdata ? rr->rdlength : 0;

	if (room(b, 3 * BYTES + 3 * VARINT + nl + rl + dl)) {
		uint8_t *p = b->p;

		p = u_bytes(p, 1, rr->name, nl);
		p = u_u64(p, 2, rr->type);
		p = u_u64(p, 3, rr->rclass);
		p = u_u64(p, 4, rr->ttl);
		p = u_bytes(p, 5, rr->rdata, rl);
		b->p = u_bytes(p, 6, rr->data, dl);
	}
	sub_end(b, at);
}

static void pack_edns(struct pb *b, const struct dns_edns *e)
{
	struct sub at = sub_begin(b, 14);
	size_t tl = str_len(e->ede_text), sl = str_len(e->client_subnet), cl = str_len(e->cookie);

	if (room(b, 6 * VARINT + 3 * BYTES + tl + sl + cl)) {
		uint8_t *p = b->p;

		p = u_u64(p, 1, e->dnssec_ok);
		p = u_u64(p, 2, e->version);
		p = u_u64(p, 3, e->udp_size);
		p = u_u64(p, 4, e->ext_rcode_hi);
		p = u_u64(p, 5, e->ede_code >= 0);
		p = u_u64(p, 6, e->ede_code >= 0 ? (uint32_t)e->ede_code : 0);
		p = u_bytes(p, 7, e->ede_text, tl);
		p = u_bytes(p, 8, e->client_subnet, sl);
		b->p = u_bytes(p, 9, e->cookie, cl);
	}
	sub_end(b, at);
}

static unsigned rr_section(const struct dns_rr *rr)
{
	return rr->section <= DNS_SECTION_ADDITIONAL ? rr->section : DNS_SECTION_ADDITIONAL;
}

static void pack_dns(struct pb *b, unsigned field, const struct dns_msg *m)
{
	unsigned n = m->n_rr < DNS_MAX_RR ? m->n_rr : DNS_MAX_RR;
	/* header, question and EDNS take 40-80 bytes; two records pass 128 */
	struct sub at = sub_begin_n(b, field, n >= 2 ? 2 : 1);

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
		struct sub q = sub_begin(b, 9);
		size_t ql = str_len(m->qname);

		if (room(b, BYTES + 2 * VARINT + ql)) {
			uint8_t *p = u_bytes(b->p, 1, m->qname, ql);

			p = u_u64(p, 2, m->qtype);
			b->p = u_u64(p, 3, m->qclass);
		}
		sub_end(b, q);
	}
	/* answers (10), authorities (11), additionals (12): wire order in each.
	 * Decoded in wire order, the sections follow each other: one pass then. */
	unsigned last = DNS_SECTION_ANSWER, i;

	for (i = 0; i < n && rr_section(&m->rr[i]) >= last; i++)
		last = rr_section(&m->rr[i]);
	if (i == n) {
		for (i = 0; i < n; i++)
			pack_rr(b, 10 + rr_section(&m->rr[i]), &m->rr[i]);
	} else {
		for (unsigned s = DNS_SECTION_ANSWER; s <= DNS_SECTION_ADDITIONAL; s++)
			for (i = 0; i < n; i++)
				if (rr_section(&m->rr[i]) == s)
					pack_rr(b, 10 + s, &m->rr[i]);
	}
	f_u64(b, 13, m->rr_truncated);
	if (m->edns.present)
		pack_edns(b, &m->edns);
	f_i32(b, 15, m->error);
	f_str(b, 16, m->error_text);
	sub_end(b, at);
}

static void pack_process(struct pb *b, const struct dt_process *pr)
{
	struct sub at = sub_begin(b, 5);
	/* Fixed arrays are NUL-terminated by the producer (record.h). */
	size_t nl = strlen(pr->name), tl = strlen(pr->thread_name), el = strlen(pr->exe);
	size_t cl = strlen(pr->container_id);

	if (room(b, 6 * VARINT + 4 * BYTES + nl + tl + el + cl)) {
		uint8_t *p = b->p;

		p = u_u64(p, 1, pr->pid);
		p = u_u64(p, 2, pr->tid);
		p = u_u64(p, 3, pr->ppid);
		p = u_u64(p, 4, pr->uid);
		p = u_u64(p, 5, pr->gid);
		p = u_bytes(p, 6, pr->name, nl);
		p = u_bytes(p, 7, pr->thread_name, tl);
		p = u_bytes(p, 8, pr->exe, el);
		p = u_u64(p, 9, pr->cgroup_id);
		b->p = u_bytes(p, 10, pr->container_id, cl);
	}
	sub_end(b, at);
}

static void pack_network(struct pb *b, const struct dt_record *rec)
{
	struct sub at = sub_begin(b, 6);
	size_t alen = rec->family == 6 ? 16 : rec->family == 4 ? 4 : 0;

	if (room(b, 6 * VARINT + 2 * (BYTES + 16))) {
		uint8_t *p = b->p;

		p = u_i32(p, 1, rec->family == 6 ? 6 : rec->family == 4 ? 4 : 0);
		p = u_i32(p, 2, rec->transport);
		p = u_bytes(p, 3, rec->src_ip, alen);
		p = u_bytes(p, 4, rec->dst_ip, alen);
		p = u_u64(p, 5, rec->src_port);
		p = u_u64(p, 6, rec->dst_port);
		p = u_u64(p, 7, rec->netns);
		b->p = u_u64(p, 8, rec->ifindex);
	}
	sub_end(b, at);
}

static void pack_transaction(struct pb *b, const struct dt_record *rec, bool include_wire)
{
	/* network, two DNS messages and their wire bytes: past 127 bytes nearly always */
	struct sub at = sub_begin_n(b, 10, 2);

	if (room(b, 4 * VARINT)) {
		uint8_t *p = u_i32(b->p, 1, (int32_t)rec->status);

		p = u_u64(p, 2, rec->query_ts_ns);
		p = u_u64(p, 3, rec->response_ts_ns);
		b->p = u_u64(p, 4, rec->flags);
	}
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
