// SPDX-License-Identifier: MIT
/*
 * filter `query`: keep records by question type, response code and status
 * (every list given must match; within a list any entry). `exclude: true`
 * drops the matching records instead. An unanswered query has rcode TIMEOUT.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns/dns.h"
#include "filters/rec_fields.h"
#include "pipeline/plugin.h"

#define RCODE_TIMEOUT 4096 /* beyond the 12-bit rcodes */

struct query_ctx {
	char **qtype;
	size_t n_qtype;
	char **rcode;
	size_t n_rcode;
	char **status;
	size_t n_status;
	bool exclude;
	uint8_t qtypes[65536 / 8];
	uint8_t rcodes[(RCODE_TIMEOUT + 1 + 7) / 8];
	unsigned statuses; /* bit per enum dt_status */
};

static const struct dt_option query_options[] = {
    DT_OPT_STR_LIST("qtype", struct query_ctx, qtype, n_qtype,
		    "question types (A, AAAA, TXT, TYPE65...)"),
    DT_OPT_STR_LIST("rcode", struct query_ctx, rcode, n_rcode,
		    "response codes (NOERROR, NXDOMAIN, SERVFAIL..., TIMEOUT for no response)"),
    DT_OPT_STR_LIST("status", struct query_ctx, status, n_status,
		    "ok, timeout, orphan_response, malformed"),
    DT_OPT_BOOL("exclude", struct query_ctx, exclude, "false",
		"drop the matching records instead of keeping only them"),
    {0},
};

static inline void bit_set(uint8_t *b, unsigned i)
{
	b[i / 8] |= (uint8_t)(1u << (i % 8));
}

static inline bool bit_get(const uint8_t *b, unsigned i)
{
	return b[i / 8] & (1u << (i % 8));
}

static int query_init(void *vctx, struct dt_errbuf *err)
{
	static const char *const st[] = {"ok", "timeout", "orphan_response", "malformed"};
	struct query_ctx *ctx = vctx;

	for (size_t i = 0; i < ctx->n_qtype; i++) {
		uint16_t t;

		if (dns_type_from_str(ctx->qtype[i], &t)) {
			snprintf(err->msg, sizeof(err->msg), "qtype: unknown type \"%s\"",
				 ctx->qtype[i]);
			return -EINVAL;
		}
		bit_set(ctx->qtypes, t);
	}
	for (size_t i = 0; i < ctx->n_rcode; i++) {
		uint16_t r;

		if (strcasecmp(ctx->rcode[i], "TIMEOUT") == 0) {
			bit_set(ctx->rcodes, RCODE_TIMEOUT);
			continue;
		}
		if (dns_rcode_from_str(ctx->rcode[i], &r) || r >= RCODE_TIMEOUT) {
			snprintf(err->msg, sizeof(err->msg), "rcode: unknown rcode \"%s\"",
				 ctx->rcode[i]);
			return -EINVAL;
		}
		bit_set(ctx->rcodes, r);
	}
	for (size_t i = 0; i < ctx->n_status; i++) {
		size_t s;

		for (s = 0; s < 4; s++)
			if (strcasecmp(ctx->status[i], st[s]) == 0)
				break;
		if (s == 4) {
			snprintf(
			    err->msg, sizeof(err->msg),
			    "status: \"%s\" is not one of ok, timeout, orphan_response, malformed",
			    ctx->status[i]);
			return -EINVAL;
		}
		ctx->statuses |= 1u << s;
	}
	if (!ctx->n_qtype && !ctx->n_rcode && !ctx->n_status) {
		snprintf(err->msg, sizeof(err->msg), "needs at least one of qtype, rcode, status");
		return -EINVAL;
	}
	return 0;
}

static bool matches(const struct query_ctx *ctx, const struct dt_record *rec)
{
	if (ctx->n_qtype) {
		uint16_t t;

		if (!dt_rec_qtype(rec, &t) || !bit_get(ctx->qtypes, t))
			return false;
	}
	if (ctx->n_rcode) {
		unsigned r = rec->response ? rec->response->rcode : RCODE_TIMEOUT;

		if (!rec->response && rec->status != DT_STATUS_TIMEOUT)
			return false;
		if (r > RCODE_TIMEOUT || !bit_get(ctx->rcodes, r))
			return false;
	}
	if (ctx->n_status && !((unsigned)rec->status < 32 && (ctx->statuses & (1u << rec->status))))
		return false;
	return true;
}

static enum dt_filter_verdict query_filter(void *vctx, const struct dt_record *rec)
{
	struct query_ctx *ctx = vctx;

	return matches(ctx, rec) != ctx->exclude ? DT_FILTER_KEEP : DT_FILTER_DROP;
}

const struct dt_filter_plugin dt_filter_query = {
    .name = "query",
    .description = "keep (or with exclude: drop) records by question type, response code, status",
    .options = query_options,
    .ctx_size = sizeof(struct query_ctx),
    .init = query_init,
    .filter = query_filter,
};
