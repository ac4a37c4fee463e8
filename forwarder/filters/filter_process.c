// SPDX-License-Identifier: MIT
/*
 * filter `process`: keep records by the querying process: comm (process or
 * thread name), executable path, uid, container id. Patterns use `*` like
 * tags. Every list given must match; `exclude: true` drops the matches instead.
 * Records without process information never match.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/plugin.h"
#include "pipeline/tagmatch.h"

struct process_ctx {
	char **name;
	size_t n_name;
	char **exe;
	size_t n_exe;
	int64_t *uid;
	size_t n_uid;
	char **container_id;
	size_t n_container_id;
	bool exclude;
};

static const struct dt_option process_options[] = {
    DT_OPT_STR_LIST("comm", struct process_ctx, name, n_name,
		    "process or thread names (patterns with *)"),
    DT_OPT_STR_LIST("exe", struct process_ctx, exe, n_exe,
		    "executable paths (patterns with *, e.g. /usr/bin/*)"),
    DT_OPT_INT_LIST("uid", struct process_ctx, uid, n_uid, NULL, 0, 4294967295ll, "user ids"),
    DT_OPT_STR_LIST("container_id", struct process_ctx, container_id, n_container_id,
		    "container ids or prefixes with * (\"*\" = any container)"),
    DT_OPT_BOOL("exclude", struct process_ctx, exclude, "false",
		"drop the matching records instead of keeping only them"),
    {0},
};

static int process_init(void *vctx, struct dt_errbuf *err)
{
	struct process_ctx *ctx = vctx;

	if (!ctx->n_name && !ctx->n_exe && !ctx->n_uid && !ctx->n_container_id) {
		snprintf(err->msg, sizeof(err->msg),
			 "needs at least one of comm, exe, uid, container_id");
		return -EINVAL;
	}
	return 0;
}

static bool any(char *const *pats, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (dt_tag_match(pats[i], s))
			return true;
	return false;
}

static bool matches(const struct process_ctx *ctx, const struct dt_record *rec)
{
	const struct dt_process *p = &rec->process;

	if (!rec->has_process)
		return false;
	if (ctx->n_name && !any(ctx->name, ctx->n_name, p->name) &&
	    !any(ctx->name, ctx->n_name, p->thread_name))
		return false;
	if (ctx->n_exe && !any(ctx->exe, ctx->n_exe, p->exe))
		return false;
	if (ctx->n_uid) {
		size_t i;

		for (i = 0; i < ctx->n_uid; i++)
			if (ctx->uid[i] == (int64_t)p->uid)
				break;
		if (i == ctx->n_uid)
			return false;
	}
	if (ctx->n_container_id &&
	    (!p->container_id[0] || !any(ctx->container_id, ctx->n_container_id, p->container_id)))
		return false;
	return true;
}

static enum dt_filter_verdict process_filter(void *vctx, const struct dt_record *rec)
{
	struct process_ctx *ctx = vctx;

	return matches(ctx, rec) != ctx->exclude ? DT_FILTER_KEEP : DT_FILTER_DROP;
}

const struct dt_filter_plugin dt_filter_process = {
    .name = "process",
    .description =
	"keep (or with exclude: drop) records by process name, executable, uid, container",
    .options = process_options,
    .ctx_size = sizeof(struct process_ctx),
    .init = process_init,
    .filter = process_filter,
};
