// SPDX-License-Identifier: MIT
/* filter `sample`: keep one record in N (deterministic: the 1st, N+1th, ...). */
#include "pipeline/plugin.h"

struct sample_ctx {
	int64_t every;
	uint64_t seen;
};

static const struct dt_option sample_options[] = {
    {.key = "every",
     .type = DT_OPTION_INT,
     .offset = offsetof(struct sample_ctx, every),
     .min = 1,
     .max = 1000000000,
     .required = true,
     .help = "keep one record in this many"},
    {0},
};

static enum dt_filter_verdict sample_filter(void *vctx, const struct dt_record *rec)
{
	struct sample_ctx *ctx = vctx;

	return ctx->seen++ % (uint64_t)ctx->every == 0 ? DT_FILTER_KEEP : DT_FILTER_DROP;
}

const struct dt_filter_plugin dt_filter_sample = {
    .name = "sample",
    .description = "keep one record in N",
    .options = sample_options,
    .ctx_size = sizeof(struct sample_ctx),
    .filter = sample_filter,
};
