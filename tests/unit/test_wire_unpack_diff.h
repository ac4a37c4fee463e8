/* SPDX-License-Identifier: MIT */
/*
 * The differential check of the fast Envelope decoder: one frame through
 * dt_wire_decode() (fast path, with its protobuf-c fallback) and through
 * dt_wire_decode_reference() (protobuf-c); they must agree on the result
 * code and, when a record comes out (0 or -ENOSPC: dnstrail-sub prints
 * both), on every field, the ECS JSON line and the text line. Header-only,
 * shared by test_wire_unpack.c and tests/fuzz/fuzz_wire_decode.c.
 */
#ifndef DT_TEST_WIRE_UNPACK_DIFF_H
#define DT_TEST_WIRE_UNPACK_DIFF_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ecs_json.h"
#include "core/text_format.h"
#include "wire/record_proto.h"
#include "wire/record_unpack.h"

struct wire_diff {
	struct dt_wire_msg *fast, *ref;
	char *line_a, *line_b;
	int rc;		/* of the last check */
	bool fell_back; /* the fast path handed the last frame to protobuf-c */
	char why[256];	/* first difference of the last check */
};

static int wire_diff_init(struct wire_diff *d)
{
	memset(d, 0, sizeof(*d));
	d->fast = calloc(1, sizeof(*d->fast));
	d->ref = calloc(1, sizeof(*d->ref));
	d->line_a = malloc(DT_ECS_JSON_MAX);
	d->line_b = malloc(DT_ECS_JSON_MAX);
	return d->fast && d->ref && d->line_a && d->line_b ? 0 : -ENOMEM;
}

static inline void wire_diff_free(struct wire_diff *d)
{
	dt_wire_msg_release(d->fast);
	dt_wire_msg_release(d->ref);
	free(d->fast);
	free(d->ref);
	free(d->line_a);
	free(d->line_b);
}

#define DIFF_IF(cond, ...)                                                                         \
	do {                                                                                       \
		if (cond) {                                                                        \
			snprintf(d->why, sizeof(d->why), __VA_ARGS__);                             \
			return false;                                                              \
		}                                                                                  \
	} while (0)

static bool diff_str(struct wire_diff *d, const char *what, const char *x, const char *y)
{
	DIFF_IF(!x != !y, "%s: %s vs %s", what, x ? x : "NULL", y ? y : "NULL");
	DIFF_IF(x && strcmp(x, y), "%s: \"%.60s\" vs \"%.60s\"", what, x, y);
	return true;
}

static bool diff_bytes(struct wire_diff *d, const char *what, const uint8_t *x, size_t xn,
		       const uint8_t *y, size_t yn)
{
	DIFF_IF(xn != yn, "%s: length %zu vs %zu", what, xn, yn);
	DIFF_IF(!x != !y, "%s: NULL differs", what);
	DIFF_IF(x && memcmp(x, y, xn), "%s: bytes differ", what);
	return true;
}

static bool diff_dns(struct wire_diff *d, const char *which, const struct dns_msg *x,
		     const struct dns_msg *y)
{
	DIFF_IF(!x != !y, "%s: presence", which);
	if (!x)
		return true;
	DIFF_IF(x->id != y->id || x->flags != y->flags || x->opcode != y->opcode ||
		    x->rcode != y->rcode,
		"%s: header", which);
	DIFF_IF(x->qdcount != y->qdcount || x->ancount != y->ancount || x->nscount != y->nscount ||
		    x->arcount != y->arcount,
		"%s: counts", which);
	DIFF_IF(x->has_question != y->has_question || x->qtype != y->qtype ||
		    x->qclass != y->qclass,
		"%s: question", which);
	if (!diff_str(d, "qname", x->qname, y->qname))
		return false;
	DIFF_IF(x->n_rr != y->n_rr || x->n_answer != y->n_answer ||
		    x->n_authority != y->n_authority || x->n_additional != y->n_additional,
		"%s: record counts %u vs %u", which, x->n_rr, y->n_rr);
	for (unsigned i = 0; i < x->n_rr; i++) {
		const struct dns_rr *a = &x->rr[i], *b = &y->rr[i];

		DIFF_IF(a->ttl != b->ttl || a->type != b->type || a->rclass != b->rclass ||
			    a->section != b->section,
			"%s: rr %u", which, i);
		if (!diff_str(d, "rr name", a->name, b->name) ||
		    !diff_str(d, "rr data", a->data, b->data) ||
		    !diff_bytes(d, "rdata", a->rdata, a->rdlength, b->rdata, b->rdlength))
			return false;
	}
	DIFF_IF(x->rr_truncated != y->rr_truncated, "%s: rr_truncated", which);
	DIFF_IF(x->edns.present != y->edns.present || x->edns.dnssec_ok != y->edns.dnssec_ok ||
		    x->edns.version != y->edns.version || x->edns.udp_size != y->edns.udp_size ||
		    x->edns.ext_rcode_hi != y->edns.ext_rcode_hi ||
		    x->edns.ede_code != y->edns.ede_code,
		"%s: edns", which);
	if (!diff_str(d, "ede_text", x->edns.ede_text, y->edns.ede_text) ||
	    !diff_str(d, "client_subnet", x->edns.client_subnet, y->edns.client_subnet) ||
	    !diff_str(d, "cookie", x->edns.cookie, y->edns.cookie))
		return false;
	DIFF_IF(x->error != y->error, "%s: error %d vs %d", which, x->error, y->error);
	return diff_str(d, "error_text", x->error_text, y->error_text);
}

static bool diff_record(struct wire_diff *d, const struct dt_record *x, const struct dt_record *y)
{
	int na, nb;

	DIFF_IF(x->status != y->status, "status %d vs %d", x->status, y->status);
	DIFF_IF(x->query_ts_ns != y->query_ts_ns || x->response_ts_ns != y->response_ts_ns,
		"times");
	DIFF_IF(x->flags != y->flags, "flags");
	DIFF_IF(x->has_process != y->has_process, "has_process");
	DIFF_IF(memcmp(&x->process, &y->process, sizeof(x->process)), "process");
	DIFF_IF(x->family != y->family || x->transport != y->transport, "family/transport");
	DIFF_IF(memcmp(x->src_ip, y->src_ip, 16) || memcmp(x->dst_ip, y->dst_ip, 16), "addresses");
	DIFF_IF(x->src_port != y->src_port || x->dst_port != y->dst_port, "ports");
	DIFF_IF(x->netns != y->netns || x->ifindex != y->ifindex, "netns/ifindex");
	if (!diff_bytes(d, "query_wire", x->query_wire, x->query_wire ? x->query_wire_len : 0,
			y->query_wire, y->query_wire ? y->query_wire_len : 0) ||
	    !diff_bytes(d, "response_wire", x->response_wire,
			x->response_wire ? x->response_wire_len : 0, y->response_wire,
			y->response_wire ? y->response_wire_len : 0))
		return false;
	DIFF_IF(x->query_wire_len != y->query_wire_len ||
		    x->response_wire_len != y->response_wire_len,
		"wire sizes");
	if (!diff_str(d, "tag", x->tag, y->tag) ||
	    !diff_str(d, "host_name", x->host_name, y->host_name) ||
	    !diff_dns(d, "query", x->query, y->query) ||
	    !diff_dns(d, "response", x->response, y->response))
		return false;
	/* what dnstrail-sub prints */
	na = dt_ecs_json(x, d->line_a, DT_ECS_JSON_MAX);
	nb = dt_ecs_json(y, d->line_b, DT_ECS_JSON_MAX);
	DIFF_IF(na != nb, "ECS JSON length %d vs %d", na, nb);
	DIFF_IF(na > 0 && memcmp(d->line_a, d->line_b, (size_t)na), "ECS JSON line");
	na = dt_text_format(x, d->line_a, DT_ECS_JSON_MAX);
	nb = dt_text_format(y, d->line_b, DT_ECS_JSON_MAX);
	DIFF_IF(na != nb, "text length %d vs %d", na, nb);
	DIFF_IF(na > 0 && memcmp(d->line_a, d->line_b, (size_t)na), "text line");
	return true;
}

/* true when both decoders agree on data; else d->why says where. */
static bool wire_diff_check(struct wire_diff *d, const uint8_t *data, size_t len)
{
	const struct dt_wire_msg *x = d->fast, *y = d->ref;
	int rf, rr;

	d->why[0] = '\0';
	d->fell_back = dt_wire_decode_fast(data, len, d->fast) == -EAGAIN;
	rf = dt_wire_decode(data, len, d->fast);
	rr = dt_wire_decode_reference(data, len, d->ref);
	d->rc = rr;
	DIFF_IF(rf != rr, "result %d vs reference %d", rf, rr);
	if (rr != 0 && rr != -ENOSPC)
		return true;
	DIFF_IF(x->kind != y->kind, "kind %d vs %d", x->kind, y->kind);
	DIFF_IF(x->sequence != y->sequence || x->sent_time_ns != y->sent_time_ns, "sequence/time");
	DIFF_IF(x->session_id != y->session_id || x->pid != y->pid ||
		    x->start_time_ns != y->start_time_ns,
		"publisher numbers");
	if (!diff_str(d, "host", x->host, y->host) ||
	    !diff_str(d, "version", x->version, y->version))
		return false;
	if (x->kind == DT_WIRE_STATS) {
		DIFF_IF(memcmp(&x->stats, &y->stats, sizeof(x->stats)), "stats");
		DIFF_IF(memcmp(&x->session, &y->session, sizeof(x->session)), "session counts");
	}
	if (x->kind == DT_WIRE_TRANSACTION) {
		DIFF_IF(x->rec.query && x->rec.query != &x->query, "query pointer");
		DIFF_IF(x->rec.response && x->rec.response != &x->response, "response pointer");
		return diff_record(d, &x->rec, &y->rec);
	}
	return true;
}

#undef DIFF_IF

#endif
