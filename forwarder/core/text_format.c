/* SPDX-License-Identifier: MIT */
/* For people, but also what `dnstrail-sub --format text` writes at full
 * rate: plain appends, snprintf only for the duration's decimals. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/fmt.h"
#include "core/text_format.h"

struct tw {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void tw_printf(struct tw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tw_printf(struct tw *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->size - w->len) {
		w->full = true;
		return;
	}
	w->len += (size_t)n;
}

/* Append n bytes; like snprintf, the line must keep room for its NUL. */
static void tw_raw(struct tw *w, const char *s, size_t n)
{
	if (w->full)
		return;
	if (n >= w->size - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

#define TW_LIT(w, s) tw_raw((w), "" s, sizeof(s) - 1)

static void tw_str(struct tw *w, const char *s)
{
	tw_raw(w, s, strlen(s));
}

static void tw_u64(struct tw *w, uint64_t v)
{
	char tmp[20];

	tw_raw(w, tmp, dt_fmt_u64(v, tmp));
}

/* Process names come from the kernel as sent: keep the line one line. */
static void printable(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (src[i] > 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static void endpoint(struct tw *w, uint8_t family, const uint8_t *ip, uint16_t port)
{
	char addr[DT_FMT_IP_MAX];
	size_t n = dt_fmt_ip(family, ip, addr);

	if (family == 6) {
		TW_LIT(w, "[");
		tw_raw(w, addr, n);
		TW_LIT(w, "]:");
	} else {
		tw_raw(w, addr, n);
		TW_LIT(w, ":");
	}
	tw_u64(w, port);
}

static void duration(struct tw *w, uint64_t ns)
{
	if (ns < 1000000)
		tw_printf(w, " %.3fms", ns / 1e6);
	else if (ns < 1000000000)
		tw_printf(w, " %.1fms", ns / 1e6);
	else
		tw_printf(w, " %.2fs", ns / 1e9);
}

/* One line stays readable: this many answers, then ",+N" for the rest. */
#define TEXT_MAX_ANSWERS 10

/* The answers' data, comma-separated, cut with ",..." when out of room. */
static void answers(struct tw *w, const struct dns_msg *r)
{
	bool first = true;
	unsigned shown = 0;

	for (unsigned i = 0; i < r->n_rr && !w->full; i++) {
		const struct dns_rr *rr = &r->rr[i];
		size_t need;

		if (rr->section != DNS_SECTION_ANSWER || !rr->data)
			continue;
		if (shown == TEXT_MAX_ANSWERS) {
			TW_LIT(w, ",+");
			tw_u64(w, (unsigned)(r->n_answer - shown));
			return;
		}
		shown++;
		need = strlen(rr->data) + 1;
		if (w->len + need + 48 > w->size) { /* room for ",..." and flags */
			if (first)
				TW_LIT(w, " ...");
			else
				TW_LIT(w, ",...");
			return;
		}
		if (first)
			TW_LIT(w, " ");
		else
			TW_LIT(w, ",");
		tw_raw(w, rr->data, need - 1);
		first = false;
	}
}

int dt_text_format(const struct dt_record *rec, char *buf, size_t size)
{
	struct tw w = { buf, size, 0, size == 0 };
	const struct dns_msg *q = rec->query && rec->query_wire_len >= 12 ? rec->query : NULL;
	const struct dns_msg *r =
		rec->response && rec->response_wire_len >= 12 ? rec->response : NULL;
	const struct dns_msg *qs = q && q->has_question ? q : (r && r->has_question ? r : NULL);
	char ts[DT_FMT_TIME_MAX], tmp[16], name[16];

	tw_raw(&w, ts, dt_fmt_time(rec->query_ts_ns ? rec->query_ts_ns : rec->response_ts_ns, 3, ts));
	TW_LIT(&w, " ");
	if (rec->has_process) {
		printable(name, rec->process.name[0] ? rec->process.name : rec->process.thread_name,
			  sizeof(name));
		tw_str(&w, name[0] ? name : "?");
		TW_LIT(&w, "[");
		tw_u64(&w, rec->process.pid);
		TW_LIT(&w, "] uid=");
		tw_u64(&w, rec->process.uid);
		TW_LIT(&w, " ");
	} else {
		TW_LIT(&w, "- ");
	}
	if (rec->transport == 6)
		TW_LIT(&w, "tcp ");
	else
		TW_LIT(&w, "udp ");
	endpoint(&w, rec->family, rec->src_ip, rec->src_port);
	TW_LIT(&w, " -> ");
	endpoint(&w, rec->family, rec->dst_ip, rec->dst_port);
	if (qs) {
		TW_LIT(&w, " ");
		tw_str(&w, dns_type_str(qs->qtype, tmp));
		TW_LIT(&w, " ");
		tw_str(&w, qs->qname && qs->qname[0] ? qs->qname : ".");
	} else {
		TW_LIT(&w, " - -");
	}

	switch (rec->status) {
	case DT_STATUS_OK:
		TW_LIT(&w, " ");
		tw_str(&w, r ? dns_rcode_str(r->rcode, tmp) : "?");
		duration(&w, rec->response_ts_ns > rec->query_ts_ns
				     ? rec->response_ts_ns - rec->query_ts_ns
				     : 0);
		break;
	case DT_STATUS_TIMEOUT:
		TW_LIT(&w, " TIMEOUT");
		break;
	case DT_STATUS_ORPHAN_RESPONSE:
		TW_LIT(&w, " ORPHAN ");
		tw_str(&w, r ? dns_rcode_str(r->rcode, tmp) : "?");
		break;
	case DT_STATUS_MALFORMED: {
		const struct dns_msg *m = rec->response ? rec->response : rec->query;

		TW_LIT(&w, " MALFORMED(");
		tw_str(&w, m && m->error_text ? m->error_text : "?");
		TW_LIT(&w, ")");
		break;
	}
	}
	if (r && rec->status != DT_STATUS_MALFORMED)
		answers(&w, r);
	if (rec->flags) {
		TW_LIT(&w, " [");
		if (rec->flags & DT_REC_RETRANSMITTED)
			TW_LIT(&w, "retransmitted,");
		if (rec->flags & (DT_REC_QUERY_TRUNCATED | DT_REC_RESPONSE_TRUNCATED))
			TW_LIT(&w, "truncated,");
		if (rec->flags & DT_REC_NONLINEAR)
			TW_LIT(&w, "nonlinear,");
		TW_LIT(&w, "]");
		if (!w.full && w.len >= 2 && buf[w.len - 2] == ',') {
			buf[w.len - 2] = ']';
			--w.len;
		}
	}
	if (w.full)
		return -ENOSPC;
	buf[w.len] = '\0';
	return (int)w.len;
}
