/* SPDX-License-Identifier: MIT */
/*
 * dnstrail.v1.Envelope decoded in one pass straight into struct dt_wire_msg:
 * the subscriber's hot path. protobuf-c builds a struct tree through generic
 * descriptors (a scan pass, a parse pass, an allocation per string and per
 * submessage, ~25 000 instructions for a typical transaction) that
 * record_unpack_ref.c then copies; this reads each field once.
 *
 * Same results as protobuf-c 1.4 (test_wire_unpack, fuzz_wire_decode):
 * - its wire rules (pb_read.h); unknown fields skipped (a newer publisher);
 * - a scalar, string or bytes field given twice: the last one wins;
 * - the copy rules of record_unpack_ref.c (casts, strings cut at a NUL, the
 *   dns_msg text filled in the same order, so -ENOSPC leaves the same "").
 * A non-repeated submessage given twice is merged by protobuf (repeated
 * fields appended, the rest of the later one winning), and records out of
 * section order would be reordered: rare enough (our publishers never do it)
 * to leave to protobuf-c (-EAGAIN, record_unpack.h).
 *
 * Bytes (raw DNS messages, rdata) point into the frame; strings are copied:
 * dns_msg strings into its text, the others into msg's arena.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "wire/pb_read.h"
#include "wire/record_arena.h"
#include "wire/record_proto.h"
#include "wire/record_unpack.h"

/* Values of dnstrail.v1 enums used below (the .proto's numbers). */
enum { V1_STATUS_MALFORMED = 3, V1_FAMILY_IPV4 = 4, V1_FAMILY_IPV6 = 6 };

/* strnlen() and memcpy() in one pass, 8 bytes a step, then the NUL: the
 * strings here are mostly names of 10 to 40 bytes, where two calls into libc
 * cost more than the copy. dst has room for n + 1; bytes past the NUL, up
 * to dst[n - 1], may be written too. Returns the length. */
static inline size_t copy_str(char *dst, const uint8_t *src, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;
	uint64_t x, zero;

	if (n < 8) {
		for (; i < n && src[i]; i++)
			dst[i] = (char)src[i];
		dst[i] = '\0';
		return i;
	}
	for (; n - i > 8; i += 8) {
		memcpy(&x, src + i, 8);
		memcpy(dst + i, &x, 8); /* n - i > 8: room for it */
		/* The lowest flagged byte is the first NUL (exact: borrows only
		 * run upwards from a zero byte). */
		zero = (x - ones) & ~x & highs;
		if (zero) {
			i += (size_t)__builtin_ctzll(zero) / 8;
			dst[i] = '\0';
			return i;
		}
	}
	/* The last 8 bytes, overlapping some copied (none of them NUL). */
	memcpy(&x, src + n - 8, 8);
	memcpy(dst + n - 8, &x, 8);
	zero = (x - ones) & ~x & highs;
	i = zero ? n - 8 + (size_t)__builtin_ctzll(zero) / 8 : n;
	dst[i] = '\0';
	return i;
}

/* Into the message's text storage, as record_unpack_ref.c's keep(). */
static const char *keep(struct dns_msg *m, const struct pb_bytes *v, int *err)
{
	size_t n;
	char *p;

	if (m->text_used + v->n + 1 <= sizeof(m->text)) { /* room for all: the usual */
		p = m->text + m->text_used;
		m->text_used += copy_str(p, v->p, v->n) + 1;
		return p;
	}
	n = pb_strlen(v);
	if (m->text_used + n + 1 > sizeof(m->text)) {
		*err = -ENOSPC;
		return "";
	}
	p = m->text + m->text_used;
	if (n)
		memcpy(p, v->p, n);
	p[n] = '\0';
	m->text_used += n + 1;
	return p;
}

/* NULL for "" where struct dns_msg uses NULL to mean absent. */
static const char *keep_opt(struct dns_msg *m, const struct pb_bytes *v, int *err)
{
	return pb_strlen(v) ? keep(m, v, err) : NULL;
}

/* Into msg's arena; "" without allocating. NULL when out of memory. */
static const char *arena_str(struct dt_wire_arena *a, const struct pb_bytes *v)
{
	size_t n = pb_strlen(v);
	char *p;

	if (!n)
		return "";
	p = dt_wire_arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, v->p, n);
		p[n] = '\0';
	}
	return p;
}

/* A fixed char array of struct dt_process, cut like snprintf("%s"). */
static void copy_fixed(char *dst, size_t size, const struct pb_bytes *v)
{
	size_t n = v->n ? strnlen((const char *)v->p, v->n < size - 1 ? v->n : size - 1) : 0;

	if (n)
		memcpy(dst, v->p, n);
	dst[n] = '\0';
}

/* Every parse_*() takes its reader by value: a local the compiler keeps in
 * registers (through a pointer it would reload it after every store). */
static int parse_question(struct pb_rd rd, struct dns_msg *m, int *text_err)
{
	struct pb_rd *r = &rd;
	struct pb_bytes name = {0};
	uint64_t v = 0, key;
	int err = 0;

	while (pb_next_key(r, &key, &err)) {
		switch (key) {
		case PB_KEY(1, PB_WT_LEN):
			err = pb_len(r, &name);
			break;
		case PB_KEY(2, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->qtype = (uint16_t)v;
			break;
		case PB_KEY(3, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->qclass = (uint16_t)v;
			break;
		default:
			err = pb_other(r, key, 0xe);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	m->has_question = true;
	m->qname = keep(m, &name, text_err);
	return 0;
}

/* One ResourceRecord; kept unless the message is full (then only checked). */
static int parse_rr(struct pb_rd rd, struct dns_msg *m, unsigned section, bool *overflow,
		    int *text_err)
{
	struct pb_rd *r = &rd;
	struct pb_bytes name = {0}, data = {0}, rdata = {0};
	uint64_t type = 0, rclass = 0, ttl = 0, key;
	int err = 0;

	while (pb_next_key(r, &key, &err)) {
		switch (key) {
		case PB_KEY(1, PB_WT_LEN):
			err = pb_len(r, &name);
			break;
		case PB_KEY(2, PB_WT_VARINT):
			err = pb_varint(r, &type);
			break;
		case PB_KEY(3, PB_WT_VARINT):
			err = pb_varint(r, &rclass);
			break;
		case PB_KEY(4, PB_WT_VARINT):
			err = pb_varint(r, &ttl);
			break;
		case PB_KEY(5, PB_WT_LEN):
			err = pb_len(r, &rdata);
			break;
		case PB_KEY(6, PB_WT_LEN):
			err = pb_len(r, &data);
			break;
		default:
			err = pb_other(r, key, 0x7e);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	if (m->n_rr >= DNS_MAX_RR) {
		*overflow = true;
		return 0;
	}
	struct dns_rr *rr = &m->rr[m->n_rr++];

	rr->name = keep(m, &name, text_err);
	rr->data = keep(m, &data, text_err);
	rr->rdata = rdata.n ? rdata.p : NULL;
	rr->rdlength = rdata.n > UINT16_MAX ? UINT16_MAX : (uint16_t)rdata.n;
	rr->ttl = (uint32_t)ttl;
	rr->type = (uint16_t)type;
	rr->rclass = (uint16_t)rclass;
	rr->section = (uint8_t)section;
	if (section == DNS_SECTION_ANSWER)
		m->n_answer++;
	else if (section == DNS_SECTION_AUTHORITY)
		m->n_authority++;
	else
		m->n_additional++;
	return 0;
}

/* Edns strings wait for the end of the DnsMessage: they follow its records
 * in the text, as in record_unpack_ref.c. */
struct edns_text {
	struct pb_bytes ede_text, client_subnet, cookie;
};

static int parse_edns(struct pb_rd rd, struct dns_edns *e, struct edns_text *t)
{
	struct pb_rd *r = &rd;
	uint32_t v, ede_code = 0;
	bool has_ede = false;
	uint32_t f;
	unsigned wt;
	int err = 0;

	while (pb_next(r, &f, &wt, &err)) {
		switch (f) {
		case 1:
			err = pb_get_bool(r, wt, &e->dnssec_ok);
			break;
		case 2:
			err = pb_get_u32(r, wt, &v);
			e->version = (uint8_t)v;
			break;
		case 3:
			err = pb_get_u32(r, wt, &v);
			e->udp_size = (uint16_t)v;
			break;
		case 4:
			err = pb_get_u32(r, wt, &v);
			e->ext_rcode_hi = (uint8_t)v;
			break;
		case 5:
			err = pb_get_bool(r, wt, &has_ede);
			break;
		case 6:
			err = pb_get_u32(r, wt, &ede_code);
			break;
		case 7:
			err = pb_get_bytes(r, wt, &t->ede_text);
			break;
		case 8:
			err = pb_get_bytes(r, wt, &t->client_subnet);
			break;
		case 9:
			err = pb_get_bytes(r, wt, &t->cookie);
			break;
		default:
			err = pb_skip(r, wt);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	e->present = true;
	e->ede_code = has_ede ? (int32_t)(ede_code & 0xffff) : -1;
	if (!has_ede)
		t->ede_text = (struct pb_bytes){0};
	return 0;
}

/* Returns 0, -EBADMSG, -EAGAIN; -ENOSPC goes to *text_err (decoding goes on). */
static int parse_dns(struct pb_rd rd, struct dns_msg *m, int *text_err)
{
	struct pb_rd *r = &rd;
	struct edns_text et = {0};
	struct pb_bytes error_text = {0};
	bool truncated = false, overflow = false, seen_question = false;
	unsigned last_section = DNS_SECTION_ANSWER;
	uint64_t v = 0, key;
	int err = 0;

	dns_msg_reset(m);

	while (pb_next_key(r, &key, &err)) {
		struct pb_rd s = {0};
		unsigned section;

		switch (key) {
		case PB_KEY(1, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->id = (uint16_t)v;
			break;
		case PB_KEY(2, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->flags = (uint16_t)v;
			break;
		case PB_KEY(3, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->opcode = (uint8_t)v;
			break;
		case PB_KEY(4, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->rcode = (uint16_t)v;
			break;
		case PB_KEY(5, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->qdcount = (uint16_t)v;
			break;
		case PB_KEY(6, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->ancount = (uint16_t)v;
			break;
		case PB_KEY(7, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->nscount = (uint16_t)v;
			break;
		case PB_KEY(8, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->arcount = (uint16_t)v;
			break;
		case PB_KEY(9, PB_WT_LEN):
			/* twice: merged; after a record: its name would follow it */
			if (seen_question || m->n_rr || overflow)
				return -EAGAIN;
			seen_question = true;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_question(s, m, text_err);
			break;
		case PB_KEY(10, PB_WT_LEN):
		case PB_KEY(11, PB_WT_LEN):
		case PB_KEY(12, PB_WT_LEN):
			section = (unsigned)(key >> 3) - 10;
			if (section < last_section)
				return -EAGAIN; /* protobuf-c would put it with its section */
			last_section = section;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_rr(s, m, section, &overflow, text_err);
			break;
		PB_BOOL_CASES(13):
			err = pb_get_bool(r, (unsigned)(key & 7), &truncated);
			break;
		case PB_KEY(14, PB_WT_LEN):
			if (m->edns.present)
				return -EAGAIN;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_edns(s, &m->edns, &et);
			break;
		case PB_KEY(15, PB_WT_VARINT):
			err = pb_varint(r, &v);
			m->error = (int32_t)v;
			break;
		case PB_KEY(16, PB_WT_LEN):
			err = pb_len(r, &error_text);
			break;
		default:
			err = pb_other(r, key, 0x1fffe);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	m->rr_truncated = overflow || truncated;
	if (m->edns.present) {
		m->edns.ede_text = keep_opt(m, &et.ede_text, text_err);
		m->edns.client_subnet = keep_opt(m, &et.client_subnet, text_err);
		m->edns.cookie = keep_opt(m, &et.cookie, text_err);
	}
	m->error_text = keep_opt(m, &error_text, text_err);
	return 0;
}

static int parse_process(struct pb_rd rd, struct dt_process *p)
{
	struct pb_rd *r = &rd;
	struct pb_bytes name = {0}, thread = {0}, exe = {0}, container = {0};
	uint64_t v = 0, key;
	int err = 0;

	while (pb_next_key(r, &key, &err)) {
		switch (key) {
		case PB_KEY(1, PB_WT_VARINT):
			err = pb_varint(r, &v);
			p->pid = (uint32_t)v;
			break;
		case PB_KEY(2, PB_WT_VARINT):
			err = pb_varint(r, &v);
			p->tid = (uint32_t)v;
			break;
		case PB_KEY(3, PB_WT_VARINT):
			err = pb_varint(r, &v);
			p->ppid = (uint32_t)v;
			break;
		case PB_KEY(4, PB_WT_VARINT):
			err = pb_varint(r, &v);
			p->uid = (uint32_t)v;
			break;
		case PB_KEY(5, PB_WT_VARINT):
			err = pb_varint(r, &v);
			p->gid = (uint32_t)v;
			break;
		case PB_KEY(6, PB_WT_LEN):
			err = pb_len(r, &name);
			break;
		case PB_KEY(7, PB_WT_LEN):
			err = pb_len(r, &thread);
			break;
		case PB_KEY(8, PB_WT_LEN):
			err = pb_len(r, &exe);
			break;
		case PB_KEY(9, PB_WT_VARINT):
			err = pb_varint(r, &p->cgroup_id);
			break;
		case PB_KEY(10, PB_WT_LEN):
			err = pb_len(r, &container);
			break;
		default:
			err = pb_other(r, key, 0x7fe);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	/* once, the last of each: the arrays stay zero past the NUL */
	copy_fixed(p->name, sizeof(p->name), &name);
	copy_fixed(p->thread_name, sizeof(p->thread_name), &thread);
	copy_fixed(p->exe, sizeof(p->exe), &exe);
	copy_fixed(p->container_id, sizeof(p->container_id), &container);
	return 0;
}

static int parse_network(struct pb_rd rd, struct dt_record *rec)
{
	struct pb_rd *r = &rd;
	struct pb_bytes src = {0}, dst = {0};
	uint64_t v = 0, key;
	int err = 0;

	while (pb_next_key(r, &key, &err)) {
		switch (key) {
		case PB_KEY(1, PB_WT_VARINT):
			err = pb_varint(r, &v);
			v = (uint32_t)v;
			rec->family = v == V1_FAMILY_IPV6 ? 6 : v == V1_FAMILY_IPV4 ? 4 : 0;
			break;
		case PB_KEY(2, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rec->transport = (uint8_t)v;
			break;
		case PB_KEY(3, PB_WT_LEN):
			err = pb_len(r, &src);
			break;
		case PB_KEY(4, PB_WT_LEN):
			err = pb_len(r, &dst);
			break;
		case PB_KEY(5, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rec->src_port = (uint16_t)v;
			break;
		case PB_KEY(6, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rec->dst_port = (uint16_t)v;
			break;
		case PB_KEY(7, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rec->netns = (uint32_t)v;
			break;
		case PB_KEY(8, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rec->ifindex = (uint32_t)v;
			break;
		default:
			err = pb_other(r, key, 0x1fe);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	/* the last address given wins whole: copied once at the end */
	if (src.n)
		memcpy(rec->src_ip, src.p, src.n < 16 ? src.n : 16);
	if (dst.n)
		memcpy(rec->dst_ip, dst.p, dst.n < 16 ? dst.n : 16);
	return 0;
}

static int parse_transaction(struct pb_rd rd, struct dt_wire_msg *msg, struct dt_wire_arena *a,
			     int *text_err)
{
	struct pb_rd *r = &rd;
	struct dt_record *rec = &msg->rec;
	struct pb_bytes qwire = {0}, rwire = {0}, tag = {0}, host = {0};
	uint64_t v = 0, key, qsize = 0, rsize = 0;
	bool seen_network = false;
	int err = 0;

	memset(rec, 0, sizeof(*rec));
	while (pb_next_key(r, &key, &err)) {
		struct pb_rd s = {0};

		switch (key) {
		case PB_KEY(1, PB_WT_VARINT):
			/* unsigned like the C enum protobuf-c stores it in */
			err = pb_varint(r, &v);
			v = (uint32_t)v;
			rec->status =
			    v <= V1_STATUS_MALFORMED ? (enum dt_status)v : DT_STATUS_MALFORMED;
			break;
		case PB_KEY(2, PB_WT_VARINT):
			err = pb_varint(r, &rec->query_ts_ns);
			break;
		case PB_KEY(3, PB_WT_VARINT):
			err = pb_varint(r, &rec->response_ts_ns);
			break;
		case PB_KEY(4, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rec->flags = (uint32_t)v;
			break;
		case PB_KEY(5, PB_WT_LEN):
			if (rec->has_process)
				return -EAGAIN; /* merged */
			rec->has_process = true;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_process(s, &rec->process);
			break;
		case PB_KEY(6, PB_WT_LEN):
			if (seen_network)
				return -EAGAIN;
			seen_network = true;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_network(s, rec);
			break;
		case PB_KEY(7, PB_WT_LEN):
			if (rec->query)
				return -EAGAIN;
			rec->query = &msg->query;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_dns(s, &msg->query, text_err);
			break;
		case PB_KEY(8, PB_WT_LEN):
			if (rec->response)
				return -EAGAIN;
			rec->response = &msg->response;
			err = pb_get_sub(r, PB_WT_LEN, &s);
			err = err ? err : parse_dns(s, &msg->response, text_err);
			break;
		case PB_KEY(9, PB_WT_LEN):
			err = pb_len(r, &qwire);
			break;
		case PB_KEY(10, PB_WT_LEN):
			err = pb_len(r, &rwire);
			break;
		case PB_KEY(11, PB_WT_LEN):
			err = pb_len(r, &tag);
			break;
		case PB_KEY(12, PB_WT_LEN):
			err = pb_len(r, &host);
			break;
		case PB_KEY(13, PB_WT_VARINT):
			err = pb_varint(r, &v);
			qsize = (uint32_t)v;
			break;
		case PB_KEY(14, PB_WT_VARINT):
			err = pb_varint(r, &v);
			rsize = (uint32_t)v;
			break;
		default:
			err = pb_other(r, key, 0x7ffe);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	/* Without the bytes (include_wire: false) the sizes still travel. */
	rec->query_wire_len = qwire.n ? qwire.n : qsize;
	rec->query_wire = qwire.n ? qwire.p : NULL;
	rec->response_wire_len = rwire.n ? rwire.n : rsize;
	rec->response_wire = rwire.n ? rwire.p : NULL;
	/* NULL for "", as the formatters take it */
	rec->tag = pb_strlen(&tag) ? arena_str(a, &tag) : "";
	rec->host_name = pb_strlen(&host) ? arena_str(a, &host) : "";
	if (!rec->tag || !rec->host_name)
		return -ENOMEM;
	rec->tag = *rec->tag ? rec->tag : NULL;
	rec->host_name = *rec->host_name ? rec->host_name : NULL;
	return 0;
}

static int parse_publisher(struct pb_rd rd, struct dt_wire_msg *msg, struct dt_wire_arena *a)
{
	struct pb_rd *r = &rd;
	struct pb_bytes host = {0}, version = {0};
	uint32_t f;
	unsigned wt;
	int err = 0;

	while (pb_next(r, &f, &wt, &err)) {
		switch (f) {
		case 1:
			err = pb_get_bytes(r, wt, &host);
			break;
		case 2:
			err = pb_get_fixed64(r, wt, &msg->session_id);
			break;
		case 3:
			err = pb_get_bytes(r, wt, &version);
			break;
		case 4:
			err = pb_get_u32(r, wt, &msg->pid);
			break;
		case 5:
			err = pb_get_u64(r, wt, &msg->start_time_ns);
			break;
		default:
			err = pb_skip(r, wt);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	msg->host = arena_str(a, &host);
	msg->version = arena_str(a, &version);
	return msg->host && msg->version ? 0 : -ENOMEM;
}

/*
 * The Publisher is the same bytes in every envelope of a session (the
 * encoder packs it once): decoded once, then recognised by a memcmp.
 */
#define PUB_CACHE_MAX 256

struct pub_cache {
	size_t len; /* of bytes; 0: empty */
	uint8_t bytes[PUB_CACHE_MAX];
	char host[PUB_CACHE_MAX], version[PUB_CACHE_MAX];
	uint64_t session_id, start_time_ns;
	uint32_t pid;
};

static int publisher(struct pb_rd s, struct dt_wire_msg *msg, struct dt_wire_arena *a)
{
	struct pub_cache *c = msg->pub_cache;
	size_t n = (size_t)(s.end - s.p);
	int err;

	if (c && n && c->len == n && memcmp(c->bytes, s.p, n) == 0) {
		msg->host = c->host;
		msg->version = c->version;
		msg->session_id = c->session_id;
		msg->pid = c->pid;
		msg->start_time_ns = c->start_time_ns;
		return 0;
	}
	err = parse_publisher(s, msg, a);
	if (err || !c || !n || n > PUB_CACHE_MAX)
		return err;
	/* each string is shorter than the bytes it came in */
	memcpy(c->host, msg->host, strlen(msg->host) + 1);
	memcpy(c->version, msg->version, strlen(msg->version) + 1);
	memcpy(c->bytes, s.p, n);
	c->len = n;
	c->session_id = msg->session_id;
	c->pid = msg->pid;
	c->start_time_ns = msg->start_time_ns;
	msg->host = c->host;
	msg->version = c->version;
	return 0;
}

/* Stats.counters entry: key (1), value (2). */
static int parse_counter(struct pb_rd rd, struct pb_bytes *key, uint64_t *value)
{
	struct pb_rd *r = &rd;
	uint32_t f;
	unsigned wt;
	int err = 0;

	*key = (struct pb_bytes){0};
	*value = 0;
	while (pb_next(r, &f, &wt, &err)) {
		if (f == 1)
			err = pb_get_bytes(r, wt, key);
		else if (f == 2)
			err = pb_get_u64(r, wt, value);
		else
			err = pb_skip(r, wt);
		if (err)
			return err;
	}
	return err;
}

/* Typed fields first, then the counters by name over them (as the reference):
 * a second pass over the (already checked) body applies the counters. */
static int parse_stats(const struct pb_rd *body, struct dt_wire_msg *msg)
{
	/* clang-format off */
	uint64_t *typed[] = {
		[1] = &msg->session.uptime_ns,
		[2] = &msg->stats.packets_captured,
		[3] = &msg->stats.messages_decoded,
		[4] = &msg->stats.malformed,
		[5] = &msg->stats.transactions,
		[6] = &msg->stats.timeouts,
		[7] = &msg->stats.orphan_responses,
		[8] = &msg->stats.kernel_drops,
		[9] = &msg->stats.events_published,
		[10] = &msg->stats.output_drops,
		[11] = &msg->stats.filtered,
		[12] = &msg->stats.duplicates,
		[13] = &msg->stats.table_evictions,
		[14] = &msg->stats.tcp_reassembly_drops,
		[15] = &msg->session.published,
		[16] = &msg->session.dropped,
		[17] = &msg->stats.tcp_flow_evictions,
		[18] = &msg->stats.tcp_gaps,
	};
	/* clang-format on */
	struct pb_rd r = *body;
	struct pb_bytes key = {0};
	uint64_t value;
	uint32_t f;
	unsigned wt;
	int err = 0;

	memset(&msg->stats, 0, sizeof(msg->stats));
	memset(&msg->session, 0, sizeof(msg->session));
	while (pb_next(&r, &f, &wt, &err)) {
		struct pb_rd s = {0};

		if (f >= 1 && f <= 18) {
			err = pb_get_u64(&r, wt, typed[f]);
		} else if (f == 30) {
			err = pb_get_sub(&r, wt, &s);
			err = err ? err : parse_counter(s, &key, &value);
		} else {
			err = pb_skip(&r, wt);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	r = *body;
	while (pb_next(&r, &f, &wt, &err)) {
		struct pb_rd s = {0};
		size_t n;

		if (f != 30) {
			pb_skip(&r, wt); /* checked by the first pass */
			continue;
		}
		pb_get_sub(&r, wt, &s);
		parse_counter(s, &key, &value);
		n = pb_strlen(&key);
		for (size_t j = 0; n && j < dt_stat_count; j++) {
			const char *name = dt_stat_descs[j].name;

			if (strncmp(name, (const char *)key.p, n) == 0 && name[n] == '\0') {
				memcpy((char *)&msg->stats + dt_stat_descs[j].offset, &value,
				       sizeof(value));
				break;
			}
		}
	}
	return 0;
}

struct dt_wire_arena *dt_wire_msg_arena(struct dt_wire_msg *msg)
{
	if (!msg->arena)
		msg->arena = dt_wire_arena_new();
	if (msg->arena)
		dt_wire_arena_reset(msg->arena);
	return msg->arena;
}

int dt_wire_decode_fast(const uint8_t *data, size_t len, struct dt_wire_msg *msg)
{
	struct pb_rd r = {.p = data, .end = len ? data + len : data};
	struct dt_wire_arena *a;
	enum dt_wire_kind kind = DT_WIRE_NONE;
	bool seen_publisher = false;
	uint32_t f;
	unsigned wt;
	int err = 0, text_err = 0;

	msg->envelope = NULL;
	msg->kind = DT_WIRE_NONE;
	if (len > DT_WIRE_MAX_MSG)
		return -EMSGSIZE;
	a = dt_wire_msg_arena(msg);
	if (!a)
		return -ENOMEM;
	if (!msg->pub_cache) /* without it, no caching */
		msg->pub_cache = calloc(1, sizeof(struct pub_cache));
	msg->sequence = msg->sent_time_ns = 0;
	msg->host = msg->version = "";
	msg->session_id = msg->start_time_ns = 0;
	msg->pid = 0;
	while (pb_next(&r, &f, &wt, &err)) {
		struct pb_rd s = {0};

		switch (f) {
		case 1:
			if (seen_publisher)
				return -EAGAIN; /* merged */
			seen_publisher = true;
			err = pb_get_sub(&r, wt, &s);
			err = err ? err : publisher(s, msg, a);
			break;
		case 2:
			err = pb_get_u64(&r, wt, &msg->sequence);
			break;
		case 3:
			err = pb_get_u64(&r, wt, &msg->sent_time_ns);
			break;
		case 10:
		case 11:
			if (kind != DT_WIRE_NONE)
				return -EAGAIN; /* oneof given twice */
			kind = f == 10 ? DT_WIRE_TRANSACTION : DT_WIRE_STATS;
			err = pb_get_sub(&r, wt, &s);
			if (err)
				break;
			err = f == 10 ? parse_transaction(s, msg, a, &text_err)
				      : parse_stats(&s, msg);
			break;
		default:
			err = pb_skip(&r, wt);
		}
		if (err)
			return err;
	}
	if (err)
		return err;
	msg->kind = kind;
	return text_err;
}

int dt_wire_decode(const uint8_t *data, size_t len, struct dt_wire_msg *msg)
{
	int err = dt_wire_decode_fast(data, len, msg);

	return err == -EAGAIN ? dt_wire_decode_reference(data, len, msg) : err;
}

void dt_wire_msg_release(struct dt_wire_msg *msg)
{
	if (!msg)
		return;
	dt_wire_arena_free(msg->arena);
	msg->arena = NULL;
	free(msg->pub_cache);
	msg->pub_cache = NULL;
	msg->envelope = NULL;
	msg->kind = DT_WIRE_NONE;
}
