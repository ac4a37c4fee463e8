/* SPDX-License-Identifier: MIT */
/* Hand-written appends into the caller's buffer: no snprintf per field. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/copy.h"
#include "core/ecs_json.h"
#include "core/fmt.h"
#include "core/rd_cache.h"

struct jw {
	char *p;
	char *end; /* one byte kept for the NUL */
	bool full;
};

static inline void jw_raw(struct jw *w, const char *s, size_t n)
{
	if ((size_t)(w->end - w->p) < n) {
		w->full = true;
		return;
	}
	if (__builtin_constant_p(n))
		memcpy(w->p, s, n); /* literals: a few moves */
	else
		dt_copy_bytes(w->p, s, n);
	w->p += n;
}

/* n bytes of s, which has size readable: copied as size bytes when there is
 * room (a fixed-size copy is a few moves; a variable one compiles to a rep
 * movs, slow to start), else as n. */
static inline void jw_raw_upto(struct jw *w, const char *s, size_t n, size_t size)
{
	if ((size_t)(w->end - w->p) < size) {
		jw_raw(w, s, n);
		return;
	}
	memcpy(w->p, s, size);
	w->p += n;
}

/* The "" makes anything but a string literal a compile error. */
#define JW_LIT(w, s) jw_raw((w), "" s, sizeof(s) - 1)

/* Inlined: eleven numbers or so per line, and the call was a third of the
 * cost (callgrind, dnstrail-sub: 53 instructions a number, 37 inlined). */
static inline __attribute__((always_inline)) void jw_u64(struct jw *w, uint64_t v)
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
	dt_copy_bytes(w->p + 1, s, n);
	w->p[n + 1] = '"';
	w->p += n + 2;
}

static void jw_qsafe_str(struct jw *w, const char *s)
{
	jw_qsafe(w, s, strlen(s));
}

/*
 * Mnemonics (types, classes, rcodes, opcodes) quoted once, in tables filled
 * on first use: a fixed-size copy per field instead of a lookup, a strlen()
 * and a copy. Values past a table, or a mnemonic too long for an entry
 * (len 0), go through the dns_*_str() functions as before.
 */
struct mnem {
	uint8_t len; /* with the quotes */
	char q[23];
};

static struct mnem type_mnem[256], class_mnem[256], rcode_mnem[32], opcode_mnem[16];
static pthread_once_t mnem_once = PTHREAD_ONCE_INIT;

/* dns.header_flags for every combination (flags_index()), filled with them */
struct flag_str {
	uint8_t len;
	char s[39]; /* 7 flags: 36 bytes */
};

static struct flag_str flag_json[256];
static void flags_fill(void);

static void mnem_set(struct mnem *m, const char *s)
{
	size_t n = strlen(s);

	if (n + 2 > sizeof(m->q))
		return;
	m->q[0] = '"';
	memcpy(m->q + 1, s, n);
	m->q[n + 1] = '"';
	m->len = (uint8_t)(n + 2);
}

static void mnem_fill(void)
{
	char tmp[16];

	for (unsigned i = 0; i < 256; i++) {
		mnem_set(&type_mnem[i], dns_type_str((uint16_t)i, tmp));
		mnem_set(&class_mnem[i], dns_class_str((uint16_t)i, tmp));
	}
	for (unsigned i = 0; i < 32; i++)
		mnem_set(&rcode_mnem[i], dns_rcode_str((uint16_t)i, tmp));
	for (unsigned i = 0; i < 16; i++)
		mnem_set(&opcode_mnem[i], dns_opcode_str((uint8_t)i, tmp));
	flags_fill();
}

/* m->len != 0 */
static inline void jw_mnem(struct jw *w, const struct mnem *m)
{
	if ((size_t)(w->end - w->p) < sizeof(m->q)) {
		jw_raw(w, m->q, m->len);
		return;
	}
	memcpy(w->p, m->q, sizeof(m->q));
	w->p += m->len;
}

static void jw_type(struct jw *w, uint16_t type)
{
	char tmp[16];

	if (type < 256 && type_mnem[type].len)
		jw_mnem(w, &type_mnem[type]);
	else
		jw_qsafe_str(w, dns_type_str(type, tmp));
}

static void jw_class(struct jw *w, uint16_t rclass)
{
	char tmp[16];

	if (rclass < 256 && class_mnem[rclass].len)
		jw_mnem(w, &class_mnem[rclass]);
	else
		jw_qsafe_str(w, dns_class_str(rclass, tmp));
}

static void jw_rcode(struct jw *w, uint16_t rcode)
{
	char tmp[16];

	if (rcode < 32 && rcode_mnem[rcode].len)
		jw_mnem(w, &rcode_mnem[rcode]);
	else
		jw_qsafe_str(w, dns_rcode_str(rcode, tmp));
}

static void jw_opcode(struct jw *w, uint8_t opcode)
{
	char tmp[16];

	if (opcode < 16 && opcode_mnem[opcode].len)
		jw_mnem(w, &opcode_mnem[opcode]);
	else
		jw_qsafe_str(w, dns_opcode_str(opcode, tmp));
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
		char esc[8]; /* 6 used */

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

/* A JSON string: quotes, escapes, invalid UTF-8 as U+FFFD. True when the
 * bytes went in as they are (escapes only ever make a string longer). */
static bool jw_strn(struct jw *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *end = s + len;
	char *p = w->p, *start = p;

	/* Nearly always: room for the worst case (6 bytes per byte), so no
	 * check per byte, and plain ASCII goes 8 bytes at a time. */
	if (len > DT_ECS_JSON_MAX || (size_t)(w->end - p) < 6 * len + 2) {
		jw_strn_bounded(w, s, end);
		return false;
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
	return (size_t)(p - start) == len + 2;
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

static void write_flags_slow(struct jw *w, uint16_t flags, bool dnssec_ok)
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
		if (!(flags & bits[i].bit))
			continue;
		if (!first)
			JW_LIT(w, ",");
		first = false;
		jw_raw(w, bits[i].name, 4);
	}
	if (dnssec_ok) {
		if (!first)
			JW_LIT(w, ",");
		JW_LIT(w, "\"DO\"");
	}
	JW_LIT(w, "]");
}

/* Flags bits 4..10 (CD AD Z RA RD TC AA) and DO: an index of flag_json. */
static unsigned flags_index(uint16_t flags, bool dnssec_ok)
{
	return (unsigned)(flags >> 4 & 0x7f) | (unsigned)dnssec_ok << 7;
}

static void flags_fill(void)
{
	for (unsigned i = 0; i < 256; i++) {
		struct jw w = { flag_json[i].s, flag_json[i].s + sizeof(flag_json[i].s), false };

		write_flags_slow(&w, (uint16_t)((i & 0x7f) << 4), i >> 7);
		flag_json[i].len = (uint8_t)(w.p - flag_json[i].s);
	}
}

static void write_flags(struct jw *w, const struct dns_msg *msg)
{
	const struct flag_str *f =
	    &flag_json[flags_index(msg->flags, msg->edns.present && msg->edns.dnssec_ok)];

	if ((size_t)(w->end - w->p) < sizeof(f->s)) {
		jw_raw(w, f->s, f->len);
		return;
	}
	memcpy(w->p, f->s, sizeof(f->s));
	w->p += f->len;
}

static void write_question(struct jw *w, const struct dns_msg *msg)
{
	char rd[DNS_NAME_MAX];
	const char *name = msg->qname ? msg->qname : "";
	size_t nlen = dt_rd_cache_name_len(name), rlen, off;
	bool plain = false, cut;

	JW_LIT(w, ",\"question\":{\"name\":");
	if (nlen)
		plain = jw_strn(w, name, nlen);
	else
		JW_LIT(w, "\".\"");
	JW_LIT(w, ",\"type\":");
	jw_type(w, msg->qtype);
	JW_LIT(w, ",\"class\":");
	jw_class(w, msg->qclass);
	if (nlen && (rlen = dt_rd_cache_lookup(name, nlen, rd, sizeof(rd), &off))) {
		const char *dot = memchr(rd, '.', rlen);
		/* rd the name's tail, cut at a dot: its pieces need no escaping
		 * if the name needed none (no UTF-8 sequence is cut at a dot) */
		bool tail = off != SIZE_MAX && (off == 0 || name[off - 1] == '.');

		plain = plain && tail;
		JW_LIT(w, ",\"registered_domain\":");
		if (plain)
			jw_qsafe(w, rd, rlen);
		else
			jw_strn(w, rd, rlen);
		if (nlen > rlen + 1 && name[nlen - rlen - 1] == '.') {
			/* a tail at the very end is rd in another case */
			cut = (tail && off == nlen - rlen) || !strcasecmp(name + nlen - rlen, rd);
			if (cut) {
				JW_LIT(w, ",\"subdomain\":");
				if (plain)
					jw_qsafe(w, name, nlen - rlen - 1);
				else
					jw_strn(w, name, nlen - rlen - 1);
			}
		}
		if (dot && dot[1]) {
			JW_LIT(w, ",\"top_level_domain\":");
			if (plain)
				jw_qsafe(w, dot + 1, rlen - (size_t)(dot + 1 - rd));
			else
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
	/* the first addresses' data as written in answers, copied to resolved_ip */
	struct {
		const char *p;
		size_t n;
	} ip[16];
	unsigned n_ip = 0, k = 0;
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
		jw_type(w, rr->type);
		JW_LIT(w, ",\"class\":");
		jw_class(w, rr->rclass);
		JW_LIT(w, ",\"ttl\":");
		jw_u64(w, rr->ttl);
		if (rr->data) {
			const char *start;

			JW_LIT(w, ",\"data\":");
			start = w->p;
			jw_str(w, rr->data);
			if (is_address(rr) && n_ip < sizeof(ip) / sizeof(ip[0])) {
				ip[n_ip].p = start;
				ip[n_ip++].n = (size_t)(w->p - start);
			}
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
		if (k < n_ip)
			jw_raw(w, ip[k].p, ip[k].n); /* earlier in the same buffer */
		else
			jw_str(w, rr->data);
		k++;
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

	JW_LIT(w, ",\"dns\":{\"type\":");
	if (r)
		JW_LIT(w, "\"answer\"");
	else
		JW_LIT(w, "\"query\"");
	if (hdr) {
		JW_LIT(w, ",\"id\":");
		jw_u64(w, q ? q->id : r->id);
		JW_LIT(w, ",\"op_code\":");
		jw_opcode(w, hdr->opcode);
		JW_LIT(w, ",\"header_flags\":");
		write_flags(w, hdr);
	}
	if (r) {
		JW_LIT(w, ",\"response_code\":");
		jw_rcode(w, r->rcode);
	}
	if (qs)
		write_question(w, qs);
	if (r)
		write_answers(w, r);
	JW_LIT(w, "}");
}

/*
 * A host's records come mostly from a few processes: the process and user
 * objects of the last record, formatted, per thread. The key is the fields
 * they show: the numbers and short names compared whole (bytes past a NUL
 * only cost a miss), the executable up to the kept one's NUL.
 */
#define PROC_HEAD offsetof(struct dt_process, exe) /* pid .. thread_name */
#define PROC_EXE sizeof(((struct dt_process *)0)->exe)
#define PROC_MEMO_MAX 512 /* a multiple of 32 */

static __thread struct {
	size_t len; /* 0: empty */
	size_t exe_cmp; /* bytes of exe to compare: its length and the NUL */
	char head[PROC_HEAD];
	char exe[PROC_EXE];
	char json[PROC_MEMO_MAX];
} proc_memo;

static void write_process_fields(struct jw *w, const struct dt_process *p);

static void write_process(struct jw *w, const struct dt_record *rec)
{
	const struct dt_process *p = &rec->process;
	char *start = w->p;
	size_t n;

	if (proc_memo.len && memcmp(proc_memo.head, p, PROC_HEAD) == 0 &&
	    memcmp(proc_memo.exe, p->exe, proc_memo.exe_cmp) == 0) {
		n = proc_memo.len;
		if ((size_t)(w->end - w->p) < PROC_MEMO_MAX) {
			jw_raw(w, proc_memo.json, n);
			return;
		}
		for (size_t i = 0; i < n; i += 32) /* fixed-size pieces */
			memcpy(w->p + i, proc_memo.json + i, 32);
		w->p += n;
		return;
	}
	write_process_fields(w, p);
	n = (size_t)(w->p - start);
	if (w->full || n > PROC_MEMO_MAX)
		return;
	memcpy(proc_memo.head, p, PROC_HEAD);
	proc_memo.exe_cmp = strnlen(p->exe, PROC_EXE);
	memcpy(proc_memo.exe, p->exe, proc_memo.exe_cmp);
	if (proc_memo.exe_cmp < PROC_EXE)
		proc_memo.exe[proc_memo.exe_cmp++] = '\0';
	memcpy(proc_memo.json, start, n);
	proc_memo.len = n;
}

static void write_process_fields(struct jw *w, const struct dt_process *p)
{
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

/* The last address of each end, formatted, per thread: a host talks to few
 * servers, and its own address is on every record. */
static __thread struct {
	bool valid;
	uint8_t family;
	uint8_t len;
	uint8_t ip[16];
	char text[DT_FMT_IP_MAX];
} ip_memo[2];

static void write_endpoint(struct jw *w, int end, uint8_t family, const uint8_t *ip,
			   uint16_t port)
{
	size_t alen = family == 4 ? 4 : 16;

	JW_LIT(w, "{\"ip\":\"");
	if (!ip_memo[end].valid || ip_memo[end].family != family ||
	    memcmp(ip_memo[end].ip, ip, alen)) {
		ip_memo[end].len = (uint8_t)dt_fmt_ip(family, ip, ip_memo[end].text);
		ip_memo[end].valid = true;
		ip_memo[end].family = family;
		memcpy(ip_memo[end].ip, ip, alen);
	}
	jw_raw_upto(w, ip_memo[end].text, ip_memo[end].len, sizeof(ip_memo[end].text));
	JW_LIT(w, "\",\"port\":");
	jw_u64(w, port);
	JW_LIT(w, "}");
}

static void write_network(struct jw *w, const struct dt_record *rec)
{
	JW_LIT(w, ",\"source\":");
	write_endpoint(w, 0, rec->family, rec->src_ip, rec->src_port);
	JW_LIT(w, ",\"destination\":");
	write_endpoint(w, 1, rec->family, rec->dst_ip, rec->dst_port);
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

static __thread struct {
	uint32_t v;
	uint8_t len; /* 0: empty */
	char s[24];
} netns_memo;

static void write_dnstrail(struct jw *w, const struct dt_record *rec, const struct dns_msg *q,
			   const struct dns_msg *r)
{
	const struct dns_msg *sec = r ? r : q; /* section counts */
	const struct dns_msg *ed = q && q->edns.present ? q : (r && r->edns.present ? r : NULL);
	const char *error = NULL;

	JW_LIT(w, ",\"dnstrail\":{\"status\":");
	switch (rec->status) { /* literals: no strlen() */
	case DT_STATUS_OK:
		JW_LIT(w, "\"ok\"");
		break;
	case DT_STATUS_TIMEOUT:
		JW_LIT(w, "\"timeout\"");
		break;
	default:
		jw_qsafe_str(w, dt_status_str(rec->status));
	}
	if (rec->tag && rec->tag[0]) {
		JW_LIT(w, ",\"tag\":");
		jw_str(w, rec->tag);
	}
	if (rec->netns) { /* ten digits, the same on most records: kept */
		JW_LIT(w, ",\"netns\":");
		if (!netns_memo.len || netns_memo.v != rec->netns) {
			netns_memo.v = rec->netns;
			netns_memo.len = (uint8_t)dt_fmt_u64(rec->netns, netns_memo.s);
		}
		jw_raw_upto(w, netns_memo.s, netns_memo.len, sizeof(netns_memo.s));
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
	const struct dns_msg *qs = q && q->has_question ? q : (r && r->has_question ? r : NULL);
	uint64_t t0 = rec->query_ts_ns ? rec->query_ts_ns : rec->response_ts_ns;

	pthread_once(&mnem_once, mnem_fill);
	dt_rd_cache_prefetch_clear();
	if (qs && qs->qname) /* write_question()'s name */
		dt_rd_cache_prefetch(qs->qname);

	JW_LIT(&w, "{\"@timestamp\":\"");
	jw_raw_upto(&w, ts, dt_fmt_time(t0, 9, ts), sizeof(ts));
	JW_LIT(&w, "\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
		   "\"type\":[\"protocol\"],\"dataset\":\"dnstrail.dns\"");
	if (rec->query_ts_ns && rec->response_ts_ns) {
		JW_LIT(&w, ",\"duration\":");
		jw_u64(&w, rec->response_ts_ns > rec->query_ts_ns
				   ? rec->response_ts_ns - rec->query_ts_ns
				   : 0);
	}
	switch (outcome(rec, r != NULL)[0]) { /* literals: no strlen() */
	case 's':
		JW_LIT(&w, ",\"outcome\":\"success\"}");
		break;
	case 'f':
		JW_LIT(&w, ",\"outcome\":\"failure\"}");
		break;
	default:
		JW_LIT(&w, ",\"outcome\":\"unknown\"}");
	}

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

int dt_ecs_json_name_cache(size_t slots)
{
	return dt_rd_cache_slots(slots);
}
