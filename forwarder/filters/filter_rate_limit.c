// SPDX-License-Identifier: MIT
/*
 * filter `rate_limit`: a token bucket per process (or per name/uid/container):
 * `rate` records per second, bursts up to `burst`. Time is the record's own
 * (query time), so pcap replays limit as live capture would. The table of
 * buckets is bounded: when full it starts over (every key gets a full bucket).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/rec_fields.h"
#include "pipeline/plugin.h"

enum rl_key { RL_PID, RL_NAME, RL_UID, RL_CONTAINER };

struct bucket {
	uint64_t key; /* 0 = empty slot */
	uint64_t last_ns;
	double tokens;
};

struct rate_limit_ctx {
	int64_t rate;
	int64_t burst;
	char *key_name;
	int64_t max_keys;
	enum rl_key key;
	struct bucket *table;
	size_t cap; /* power of two >= 2 * max_keys */
	size_t used;
	uint64_t resets;
};

static const char *const key_names[] = {"pid", "name", "uid", "container", NULL};

static const struct dt_option rate_limit_options[] = {
    {.key = "rate",
     .type = DT_OPTION_INT,
     .offset = offsetof(struct rate_limit_ctx, rate),
     .min = 1,
     .max = 100000000,
     .required = true,
     .help = "records per second per key"},
    DT_OPT_INT("burst", struct rate_limit_ctx, burst, "0", 0, 1000000000,
	       "bucket size: records allowed at once [0 = same as rate]"),
    DT_OPT_CHOICE("key", struct rate_limit_ctx, key_name, "pid", key_names,
		  "what gets its own bucket"),
    DT_OPT_INT("max_keys", struct rate_limit_ctx, max_keys, "4096", 16, 1048576,
	       "buckets kept; when full the table starts over"),
    {0},
};

static int rate_limit_init(void *vctx, struct dt_errbuf *err)
{
	static const char *const names[] = {"pid", "name", "uid", "container"};
	struct rate_limit_ctx *ctx = vctx;
	size_t k;

	for (k = 0; k < 4; k++)
		if (strcmp(ctx->key_name, names[k]) == 0)
			break;
	if (k == 4) {
		snprintf(err->msg, sizeof(err->msg),
			 "key: \"%s\" is not one of pid, name, uid, container", ctx->key_name);
		return -EINVAL;
	}
	ctx->key = (enum rl_key)k;
	if (!ctx->burst)
		ctx->burst = ctx->rate;
	for (ctx->cap = 32; ctx->cap < 2 * (size_t)ctx->max_keys; ctx->cap *= 2)
		;
	ctx->table = calloc(ctx->cap, sizeof(*ctx->table));
	if (!ctx->table) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static uint64_t record_key(const struct rate_limit_ctx *ctx, const struct dt_record *rec)
{
	uint64_t k;

	if (!rec->has_process)
		return 1; /* one shared bucket for unattributed records */
	switch (ctx->key) {
	case RL_NAME:
		k = fnv(rec->process.name);
		break;
	case RL_UID:
		k = rec->process.uid + 2ull;
		break;
	case RL_CONTAINER:
		k = fnv(rec->process.container_id); /* "" = the host: one bucket */
		break;
	default:
		k = rec->process.pid + 2ull;
		break;
	}
	return k < 2 ? k + 2 : k;
}

static struct bucket *lookup(struct rate_limit_ctx *ctx, uint64_t key, bool *fresh)
{
	size_t j = (key * 0x9e3779b97f4a7c15ull) >> 20 & (ctx->cap - 1);

	while (ctx->table[j].key && ctx->table[j].key != key)
		j = (j + 1) & (ctx->cap - 1);
	*fresh = !ctx->table[j].key;
	if (*fresh) {
		if (ctx->used >= (size_t)ctx->max_keys) {
			memset(ctx->table, 0, ctx->cap * sizeof(*ctx->table));
			ctx->used = 0;
			ctx->resets++;
			return lookup(ctx, key, fresh);
		}
		ctx->table[j].key = key;
		ctx->used++;
	}
	return &ctx->table[j];
}

static enum dt_filter_verdict rate_limit_filter(void *vctx, const struct dt_record *rec)
{
	struct rate_limit_ctx *ctx = vctx;
	uint64_t now = dt_rec_ts(rec);
	bool fresh;
	struct bucket *b = lookup(ctx, record_key(ctx, rec), &fresh);

	if (fresh) {
		b->tokens = (double)ctx->burst;
		b->last_ns = now;
	} else if (now > b->last_ns) {
		b->tokens += (double)(now - b->last_ns) * 1e-9 * (double)ctx->rate;
		if (b->tokens > (double)ctx->burst)
			b->tokens = (double)ctx->burst;
		b->last_ns = now;
	}
	if (b->tokens < 1.0)
		return DT_FILTER_DROP;
	b->tokens -= 1.0;
	return DT_FILTER_KEEP;
}

static void rate_limit_exit(void *vctx)
{
	struct rate_limit_ctx *ctx = vctx;

	free(ctx->table);
	ctx->table = NULL;
}

const struct dt_filter_plugin dt_filter_rate_limit = {
    .name = "rate_limit",
    .description = "token bucket per process (or name, uid, container): at most rate records/s",
    .options = rate_limit_options,
    .ctx_size = sizeof(struct rate_limit_ctx),
    .init = rate_limit_init,
    .filter = rate_limit_filter,
    .exit = rate_limit_exit,
};
