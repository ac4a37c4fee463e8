/* SPDX-License-Identifier: MIT */
/* Hand-written appends into the caller's buffer: no snprintf per field. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ecs_json.h"
#include "core/fmt.h"

struct jw {
	char *p;
	char *end; /* one byte kept for the NUL */
	bool full;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if ((size_t)(w->end - w->p) < n) {
		w->full = true;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

/* The "" makes anything but a string literal a compile error. */
#define JW_LIT(w, s) jw_raw((w), "" s, sizeof(s) - 1)

static void jw_u64(struct jw *w, uint64_t v)
{
	char tmp[20];

	if (w->end - w->p >= 20) {
		w->p += dt_fmt_u64(v, w->p);
		return;
	}
	jw_raw(w, tmp, dt_fmt_u64(v, tmp));
}

/* A string known to need no escaping (mnemonics, our own names), quoted. */
static void jw_qsafe(struct jw *w, const char *s, size_t n)
{
	if ((size_t)(w->end - w->p) < n + 2) {
		w->full = true;
		return;
	}
	w->p[0] = '"';
	memcpy(w->p + 1, s, n);
	w->p[n + 1] = '"';
	w->p += n + 2;
}

static void jw_qsafe_str(struct jw *w, const char *s)
{
	jw_qsafe(w, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* beyond U+10FFFF */
	if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Bytes copied as they are inside a JSON string: printable ASCII but " and \. */
static const uint8_t json_safe[256] = {
	/* 0x00-0x1f: control characters */
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1, [0x7f] = 1,
};

/* One byte that is not json_safe at s (an escape, or a UTF-8 sequence
 * copied whole) into p, which has room for 6 bytes per input byte. Returns
 * the new p; *sp moves past what was consumed. */
static char *escape_one(char *p, const unsigned char **sp, const unsigned char *end)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = *sp;
	size_t n;

	*sp = s + 1;
	switch (*s) {
	case '"':
		memcpy(p, "\\\"", 2);
		return p + 2;
	case '\\':
		memcpy(p, "\\\\", 2);
		return p + 2;
	case '\n':
		memcpy(p, "\\n", 2);
		return p + 2;
	case '\t':
		memcpy(p, "\\t", 2);
		return p + 2;
	case '\r':
		memcpy(p, "\\r", 2);
		return p + 2;
	}
	if (*s < 0x20) {
		memcpy(p, "\\u00", 4);
		p[4] = hex[*s >> 4];
		p[5] = hex[*s & 15];
		return p + 6;
	}
	n = utf8_len(s, end);
	if (n) {
		memcpy(p, s, n);
		*sp = s + n;
		return p + n;
	}
	memcpy(p, "\\ufffd", 6);
	return p + 6;
}

/* jw_strn() near the end of the buffer: bounds checked per piece. */
static void jw_strn_bounded(struct jw *w, const unsigned char *s, const unsigned char *end)
{
	JW_LIT(w, "\"");
	while (s < end) {
		const unsigned char *run = s;
		char esc[6];

		while (s < end && json_safe[*s])
			s++;
		if (s > run)
			jw_raw(w, (const char *)run, (size_t)(s - run));
		if (s >= end)
			break;
		jw_raw(w, esc, (size_t)(escape_one(esc, &s, end) - esc));
	}
	JW_LIT(w, "\"");
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Some byte of x is 0 (exact as a whole, not per byte). */
static inline uint64_t has_zero(uint64_t x)
{
	return (x - ONES) & ~x & HIGHS;
}

/* All 8 bytes are printable ASCII other than '"', '\\' and DEL: copied as
 * they are. Anything else goes byte by byte. */
static inline bool plain8(uint64_t x)
{
	return !((x & HIGHS) | ((x - 0x20 * ONES) & ~x & HIGHS) | has_zero(x ^ ('"' * ONES)) |
		 has_zero(x ^ ('\\' * ONES)) | has_zero(x ^ (0x7f * ONES)));
}

/* A JSON string: quotes, escapes, invalid UTF-8 as U+FFFD. */
static void jw_strn(struct jw *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *end = s + len;
	char *p = w->p;

	/* Nearly always: room for the worst case (6 bytes per byte), so no
	 * check per byte, and plain ASCII goes 8 bytes at a time. */
	if (len > DT_ECS_JSON_MAX || (size_t)(w->end - p) < 6 * len + 2) {
		jw_strn_bounded(w, s, end);
		return;
	}
	*p++ = '"';
	for (;;) {
		uint64_t x;

		while (end - s >= 8) {
			memcpy(&x, s, 8);
			if (!plain8(x))
				break;
			memcpy(p, &x, 8);
			p += 8;
			s += 8;
		}
		while (s < end && json_safe[*s])
			*p++ = (char)*s++;
		if (s >= end)
			break;
		p = escape_one(p, &s, end);
	}
	*p++ = '"';
	w->p = p;
}

static void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

/* ,"key": (the key is a literal needing no escape) */
#define JW_KEY(w, first, k)                                                                        \
	do {                                                                                       \
		if (!(first))                                                                      \
			JW_LIT(w, ",");                                                            \
		(first) = false;                                                                   \
		JW_LIT(w, "\"" k "\":");                                                           \
	} while (0)

static void jw_name(struct jw *w, const char *name)
{
	jw_str(w, name && name[0] ? name : ".");
}

static void write_flags(struct jw *w, const struct dns_msg *msg)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} bits[] = {
		{ DNS_FLAG_AA, "\"AA\"" }, { DNS_FLAG_TC, "\"TC\"" }, { DNS_FLAG_RD, "\"RD\"" },
		{ DNS_FLAG_RA, "\"RA\"" }, { DNS_FLAG_AD, "\"AD\"" }, { DNS_FLAG_CD, "\"CD\"" },
	};
	bool first = true;

	JW_LIT(w, "[");
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(msg->flags & bits[i].bit))
			continue;
		if (!first)
			JW_LIT(w, ",");
		first = false;
		jw_raw(w, bits[i].name, 4);
	}
	if (msg->edns.present && msg->edns.dnssec_ok) {
		if (!first)
			JW_LIT(w, ",");
		JW_LIT(w, "\"DO\"");
	}
	JW_LIT(w, "]");
}

/*
 * The public-suffix lookup costs as much as the rest of the record, and the
 * same names come back again and again: a two-way cache per thread
 * (formatting may run in output threads) of names up to RD_NAME_MAX - 1
 * bytes. An entry keeps the name and where its registered domain starts:
 * the domain is the name's tail, lowercased. 256 entries unless the process
 * asks for more (dt_ecs_json_name_cache()); allocated on a thread's first
 * lookup, freed when the thread ends.
 */
#define RD_NAME_MAX 52

struct rd_entry {
	uint64_t hash;
	uint8_t nlen; /* 0: empty */
	uint8_t off; /* registered domain = lowercase(name[off .. off + rlen)) */
	uint8_t rlen; /* 0: the name has none */
	char name[RD_NAME_MAX + 1];
};

static size_t rd_slots = 256;
static pthread_key_t rd_key;
static pthread_once_t rd_key_once = PTHREAD_ONCE_INIT;
static bool rd_key_ok;
static __thread struct rd_entry *rd_cache;
static __thread size_t rd_mask;
static __thread bool rd_tried;

int dt_ecs_json_name_cache(size_t slots)
{
	size_t n = 16;

	if (slots < 16 || slots > DT_ECS_JSON_NAME_CACHE_MAX)
		return -EINVAL;
	while (n < slots)
		n <<= 1;
	rd_slots = n;
	return 0;
}

static void rd_key_make(void)
{
	rd_key_ok = pthread_key_create(&rd_key, free) == 0;
}

/* This thread's cache, NULL if it could not have one (no memory). */
static struct rd_entry *rd_table(void)
{
	if (rd_cache || rd_tried)
		return rd_cache;
	rd_tried = true;
	pthread_once(&rd_key_once, rd_key_make);
	if (!rd_key_ok)
		return NULL;
	rd_cache = calloc(rd_slots, sizeof(*rd_cache));
	if (!rd_cache)
		return NULL;
	if (pthread_setspecific(rd_key, rd_cache)) {
		free(rd_cache);
		rd_cache = NULL;
		return NULL;
	}
	rd_mask = rd_slots - 1;
	return rd_cache;
}

/* Eight bytes per multiply: the multiply chain, not the bytes, is the cost. */
static uint64_t name_hash(const char *s, size_t len)
{
	uint64_t h = len * 0x9e3779b97f4a7c15ull, x;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&x, s, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	x = 0;
	for (size_t i = 0; i < len; i++)
		x |= (uint64_t)(unsigned char)s[i] << (8 * i);
	h = (h ^ x) * 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 32);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* rd is lowercase(s[0 .. n)), as dns_registered_domain() lowercases. */
static bool is_lower_of(const char *rd, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rd[i] != lower(s[i]))
			return false;
	return true;
}

static size_t rd_lookup(const char *name, char *rd, size_t rd_size)
{
	return dns_registered_domain(name, rd, rd_size) == 0 ? strlen(rd) : 0;
}

/* Registered domain of name (nlen bytes) into rd; returns its length, 0
 * if it has none. */
static size_t registered_domain(const char *name, size_t nlen, char *rd, size_t rd_size)
{
	struct rd_entry *t, *e;
	uint64_t h;
	size_t rlen, off;

	if (nlen >= RD_NAME_MAX || rd_size < RD_NAME_MAX || !(t = rd_table()))
		return rd_lookup(name, rd, rd_size);
	h = name_hash(name, nlen);
	/* two ways: e[0] the more recently used, e[1] the one to go next */
	e = &t[h & rd_mask & ~(size_t)1];
	for (int k = 0; k < 2; k++) {
		struct rd_entry hit;

		if (e[k].nlen != nlen || e[k].hash != h || memcmp(e[k].name, name, nlen))
			continue;
		hit = e[k];
		if (k) {
			e[1] = e[0];
			e[0] = hit;
		}
		for (size_t i = 0; i < hit.rlen; i++)
			rd[i] = lower(name[hit.off + i]);
		rd[hit.rlen] = '\0';
		return hit.rlen;
	}
	rlen = rd_lookup(name, rd, rd_size);
	/* the tail of the name, or of the name without its final dot */
	if (rlen <= nlen && is_lower_of(rd, name + nlen - rlen, rlen))
		off = nlen - rlen;
	else if (rlen < nlen && name[nlen - 1] == '.' &&
		 is_lower_of(rd, name + nlen - 1 - rlen, rlen))
		off = nlen - 1 - rlen;
	else
		return rlen; /* not cacheable */
	e[1] = e[0];
	e->hash = h;
	e->nlen = (uint8_t)nlen;
	e->off = (uint8_t)off;
	e->rlen = (uint8_t)rlen;
	memcpy(e->name, name, nlen);
	return rlen;
}

static void write_question(struct jw *w, const struct dns_msg *msg)
{
	char rd[DNS_NAME_MAX];
	char tmp[16];
	const char *name = msg->qname ? msg->qname : "";
	size_t nlen = strlen(name), rlen;

	JW_LIT(w, ",\"question\":{\"name\":");
	if (nlen)
		jw_strn(w, name, nlen);
	else
		JW_LIT(w, "\".\"");
	JW_LIT(w, ",\"type\":");
	jw_qsafe_str(w, dns_type_str(msg->qtype, tmp));
	JW_LIT(w, ",\"class\":");
	jw_qsafe_str(w, dns_class_str(msg->qclass, tmp));
	if (nlen && (rlen = registered_domain(name, nlen, rd, sizeof(rd)))) {
		const char *dot = memchr(rd, '.', rlen);

		JW_LIT(w, ",\"registered_domain\":");
		jw_strn(w, rd, rlen);
		if (nlen > rlen + 1 && name[nlen - rlen - 1] == '.' &&
		    !strcasecmp(name + nlen - rlen, rd)) {
			JW_LIT(w, ",\"subdomain\":");
			jw_strn(w, name, nlen - rlen - 1);
		}
		if (dot && dot[1]) {
			JW_LIT(w, ",\"top_level_domain\":");
			jw_strn(w, dot + 1, rlen - (size_t)(dot + 1 - rd));
		}
	}
	JW_LIT(w, "}");
}

static bool is_address(const struct dns_rr *rr)
{
	return rr->type == 1 || rr->type == 28;
}

static void write_answers(struct jw *w, const struct dns_msg *msg)
{
	char tmp[16];
	bool first = true, any_ip = false;

	for (unsigned i = 0; i < msg->n_rr; i++) {
		const struct dns_rr *rr = &msg->rr[i];

		if (rr->section != DNS_SECTION_ANSWER)
			continue;
		if (first)
			JW_LIT(w, ",\"answers\":[{\"name\":");
		else
			JW_LIT(w, ",{\"name\":");
		first = false;
		jw_name(w, rr->name);
		JW_LIT(w, ",\"type\":");
		jw_qsafe_str(w, dns_type_str(rr->type, tmp));
		JW_LIT(w, ",\"class\":");
		jw_qsafe_str(w, dns_class_str(rr->rclass, tmp));
		JW_LIT(w, ",\"ttl\":");
		jw_u64(w, rr->ttl);
		if (rr->data) {
			JW_LIT(w, ",\"data\":");
			jw_str(w, rr->data);
		}
		JW_LIT(w, "}");
		any_ip |= is_address(rr) && rr->data;
	}
	if (!first)
		JW_LIT(w, "]");
	if (!any_ip)
		return;
	first = true;
	for (unsigned i = 0; i < msg->n_rr; i++) {
		const struct dns_rr *rr = &msg->rr[i];

		if (rr->section != DNS_SECTION_ANSWER || !is_address(rr) || !rr->data)
			continue;
		if (first)
			JW_LIT(w, ",\"resolved_ip\":[");
		else
			JW_LIT(w, ",");
		first = false;
		jw_str(w, rr->data);
	}
	JW_LIT(w, "]");
}

static const char *outcome(const struct dt_record *rec, bool have_resp)
{
	if (rec->status == DT_STATUS_TIMEOUT || rec->status == DT_STATUS_MALFORMED)
		return "failure";
	if (have_resp)
		return rec->response->rcode == 0 ? "success" : "failure";
	return "unknown";
}

static void write_dns(struct jw *w, const struct dt_record *rec, const struct dns_msg *q,
		      const struct dns_msg *r)
{
	const struct dns_msg *hdr = r ? r : q; /* flags and opcode */
	const struct dns_msg *qs = q && q->has_question ? q : (r && r->has_question ? r : NULL);
	char tmp[16];

	JW_LIT(w, ",\"dns\":{\"type\":");
	if (r)
		JW_LIT(w, "\"answer\"");
	else
		JW_LIT(w, "\"query\"");
	if (hdr) {
		JW_LIT(w, ",\"id\":");
		jw_u64(w, q ? q->id : r->id);
		JW_LIT(w, ",\"op_code\":");
		jw_qsafe_str(w, dns_opcode_str(hdr->opcode, tmp));
		JW_LIT(w, ",\"header_flags\":");
		write_flags(w, hdr);
	}
	if (r) {
		JW_LIT(w, ",\"response_code\":");
		jw_qsafe_str(w, dns_rcode_str(r->rcode, tmp));
	}
	if (qs)
		write_question(w, qs);
	if (r)
		write_answers(w, r);
	JW_LIT(w, "}");
}

static void write_process(struct jw *w, const struct dt_record *rec)
{
	const struct dt_process *p = &rec->process;

	JW_LIT(w, ",\"process\":{\"pid\":");
	jw_u64(w, p->pid);
	if (p->name[0]) {
		JW_LIT(w, ",\"name\":");
		jw_strn(w, p->name, strnlen(p->name, sizeof(p->name)));
	}
	if (p->exe[0]) {
		JW_LIT(w, ",\"executable\":");
		jw_strn(w, p->exe, strnlen(p->exe, sizeof(p->exe)));
	}
	if (p->ppid) {
		JW_LIT(w, ",\"parent\":{\"pid\":");
		jw_u64(w, p->ppid);
		JW_LIT(w, "}");
	}
	JW_LIT(w, ",\"thread\":{\"id\":");
	jw_u64(w, p->tid);
	if (p->thread_name[0]) {
		JW_LIT(w, ",\"name\":");
		jw_strn(w, p->thread_name, strnlen(p->thread_name, sizeof(p->thread_name)));
	}
	JW_LIT(w, "}},\"user\":{\"id\":\"");
	jw_u64(w, p->uid);
	JW_LIT(w, "\"},\"group\":{\"id\":\"");
	jw_u64(w, p->gid);
	JW_LIT(w, "\"}");
}

static void write_endpoint(struct jw *w, uint8_t family, const uint8_t *ip, uint16_t port)
{
	char buf[DT_FMT_IP_MAX];

	JW_LIT(w, "{\"ip\":\"");
	jw_raw(w, buf, dt_fmt_ip(family, ip, buf));
	JW_LIT(w, "\",\"port\":");
	jw_u64(w, port);
	JW_LIT(w, "}");
}

static void write_network(struct jw *w, const struct dt_record *rec)
{
	JW_LIT(w, ",\"source\":");
	write_endpoint(w, rec->family, rec->src_ip, rec->src_port);
	JW_LIT(w, ",\"destination\":");
	write_endpoint(w, rec->family, rec->dst_ip, rec->dst_port);
	JW_LIT(w, ",\"network\":{\"transport\":");
	if (rec->transport == 6)
		JW_LIT(w, "\"tcp\"");
	else
		JW_LIT(w, "\"udp\"");
	JW_LIT(w, ",\"type\":");
	if (rec->family == 6)
		JW_LIT(w, "\"ipv6\"");
	else
		JW_LIT(w, "\"ipv4\"");
	JW_LIT(w, ",\"protocol\":\"dns\",\"iana_number\":\"");
	jw_u64(w, rec->transport);
	JW_LIT(w, "\"}");
}

static void write_edns(struct jw *w, const struct dns_edns *ed)
{
	JW_LIT(w, ",\"edns\":{\"version\":");
	jw_u64(w, ed->version);
	JW_LIT(w, ",\"udp_size\":");
	jw_u64(w, ed->udp_size);
	if (ed->dnssec_ok)
		JW_LIT(w, ",\"do\":true");
	else
		JW_LIT(w, ",\"do\":false");
	if (ed->client_subnet) {
		JW_LIT(w, ",\"client_subnet\":");
		jw_str(w, ed->client_subnet);
	}
	if (ed->cookie) {
		JW_LIT(w, ",\"cookie\":");
		jw_str(w, ed->cookie);
	}
	JW_LIT(w, "}");
}

static void write_flag_list(struct jw *w, uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ DT_REC_QUERY_TRUNCATED, "query_truncated" },
		{ DT_REC_RESPONSE_TRUNCATED, "response_truncated" },
		{ DT_REC_NONLINEAR, "nonlinear" },
		{ DT_REC_RETRANSMITTED, "retransmitted" },
	};
	bool first = true;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		if (first)
			JW_LIT(w, ",\"flags\":[");
		else
			JW_LIT(w, ",");
		first = false;
		jw_qsafe_str(w, names[i].name);
	}
	if (!first)
		JW_LIT(w, "]");
}

static void write_dnstrail(struct jw *w, const struct dt_record *rec, const struct dns_msg *q,
			   const struct dns_msg *r)
{
	const struct dns_msg *sec = r ? r : q; /* section counts */
	const struct dns_msg *ed = q && q->edns.present ? q : (r && r->edns.present ? r : NULL);
	const char *error = NULL;

	JW_LIT(w, ",\"dnstrail\":{\"status\":");
	jw_qsafe_str(w, dt_status_str(rec->status));
	if (rec->tag && rec->tag[0]) {
		JW_LIT(w, ",\"tag\":");
		jw_str(w, rec->tag);
	}
	if (rec->netns) {
		JW_LIT(w, ",\"netns\":");
		jw_u64(w, rec->netns);
	}
	if (rec->ifindex) {
		JW_LIT(w, ",\"ifindex\":");
		jw_u64(w, rec->ifindex);
	}
	write_flag_list(w, rec->flags);
	if (rec->query) {
		JW_LIT(w, ",\"query_size\":");
		jw_u64(w, rec->query_wire_len);
	}
	if (rec->response) {
		JW_LIT(w, ",\"response_size\":");
		jw_u64(w, rec->response_wire_len);
	}
	if (sec) {
		JW_LIT(w, ",\"answers\":");
		jw_u64(w, sec->ancount);
		JW_LIT(w, ",\"authorities\":");
		jw_u64(w, sec->nscount);
		JW_LIT(w, ",\"additionals\":");
		jw_u64(w, sec->arcount);
		if (sec->rr_truncated)
			JW_LIT(w, ",\"records_truncated\":true");
	}
	if (ed)
		write_edns(w, &ed->edns);
	if (r && r->edns.present && r->edns.ede_code >= 0) {
		JW_LIT(w, ",\"extended_error\":{\"code\":");
		jw_u64(w, (uint64_t)r->edns.ede_code);
		if (r->edns.ede_text) {
			JW_LIT(w, ",\"text\":");
			jw_str(w, r->edns.ede_text);
		}
		JW_LIT(w, "}");
	}
	if (rec->response && rec->response->error_text)
		error = rec->response->error_text;
	if (rec->query && rec->query->error_text)
		error = rec->query->error_text;
	if (error) {
		JW_LIT(w, ",\"error\":");
		jw_str(w, error);
	}
	JW_LIT(w, "}");
}

int dt_ecs_json(const struct dt_record *rec, char *buf, size_t size)
{
	struct jw w = { buf, buf + (size ? size - 1 : 0), size == 0 };
	char ts[DT_FMT_TIME_MAX];
	/* Header fields only from messages that at least had a header. */
	const struct dns_msg *q = rec->query && rec->query_wire_len >= 12 ? rec->query : NULL;
	const struct dns_msg *r = rec->response && rec->response_wire_len >= 12 ? rec->response : NULL;
	uint64_t t0 = rec->query_ts_ns ? rec->query_ts_ns : rec->response_ts_ns;

	JW_LIT(&w, "{\"@timestamp\":\"");
	jw_raw(&w, ts, dt_fmt_time(t0, 9, ts));
	JW_LIT(&w, "\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
		   "\"type\":[\"protocol\"],\"dataset\":\"dnstrail.dns\"");
	if (rec->query_ts_ns && rec->response_ts_ns) {
		JW_LIT(&w, ",\"duration\":");
		jw_u64(&w, rec->response_ts_ns > rec->query_ts_ns
				   ? rec->response_ts_ns - rec->query_ts_ns
				   : 0);
	}
	JW_LIT(&w, ",\"outcome\":");
	jw_qsafe_str(&w, outcome(rec, r != NULL));
	JW_LIT(&w, "}");

	write_dns(&w, rec, q, r);
	if (rec->has_process)
		write_process(&w, rec);
	write_network(&w, rec);
	if (rec->host_name && rec->host_name[0]) {
		JW_LIT(&w, ",\"host\":{\"name\":");
		jw_str(&w, rec->host_name);
		JW_LIT(&w, "}");
	}
	if (rec->has_process && rec->process.container_id[0]) {
		JW_LIT(&w, ",\"container\":{\"id\":");
		jw_strn(&w, rec->process.container_id,
			strnlen(rec->process.container_id, sizeof(rec->process.container_id)));
		JW_LIT(&w, "}");
	}
	write_dnstrail(&w, rec, q, r);
	JW_LIT(&w, "}");
	if (w.full)
		return -ENOSPC;
	*w.p = '\0';
	return (int)(w.p - buf);
}
