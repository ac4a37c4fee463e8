// SPDX-License-Identifier: MIT
/*
 * Output `stdout`: one ECS JSON object (or one text line) per record,
 * buffered and written on each flush. During live capture stdout is made
 * non-blocking (unless it is a regular file) so a slow reader costs counted
 * drops, never a stalled loop; replaying a pcap file it blocks instead
 * (`blocking: auto`), so `dnstrail --pcap f --stdout | jq` loses nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/outbuf.h"
#include "pipeline/pipeline.h"
#include "pipeline/plugin.h"

struct stdout_ctx {
	char *format;
	uint64_t buffer_size;
	uint64_t drain_timeout;
	char *blocking;
	bool json;
	bool block;
	int saved_flags;
	struct dt_outbuf out;
	uint64_t dropped;
};

static const char *const formats[] = {"json", "text", NULL};
static const char *const blocking_modes[] = {"auto", "true", "false", NULL};

static const struct dt_option stdout_options[] = {
    DT_OPT_CHOICE("format", struct stdout_ctx, format, "json", formats,
		  "json (one ECS object per line) or text"),
    DT_OPT_SIZE("buffer_size", struct stdout_ctx, buffer_size, "4M",
		"bytes buffered before records are dropped (counted)"),
    DT_OPT_DURATION("drain_timeout", struct stdout_ctx, drain_timeout, "2s",
		    "how long shutdown waits for a slow reader (non-blocking mode)"),
    DT_OPT_CHOICE("blocking", struct stdout_ctx, blocking, "auto", blocking_modes,
		  "wait for a slow reader instead of dropping; auto = only when replaying files"),
    {0},
};

static int stdout_init(void *vctx, struct dt_errbuf *err)
{
	struct stdout_ctx *ctx = vctx;
	struct stat st;

	if (strcmp(ctx->format, "json") != 0 && strcmp(ctx->format, "text") != 0) {
		snprintf(err->msg, sizeof(err->msg), "format: \"%s\" is not json or text",
			 ctx->format);
		return -EINVAL;
	}
	if (ctx->buffer_size < 65536) {
		snprintf(err->msg, sizeof(err->msg), "buffer_size: at least 64k");
		return -EINVAL;
	}
	ctx->json = strcmp(ctx->format, "json") == 0;
	ctx->block = strcmp(ctx->blocking, "true") == 0 ||
		     (strcmp(ctx->blocking, "auto") == 0 && dt_replay_mode);
	if (dt_outbuf_init(&ctx->out, STDOUT_FILENO, ctx->buffer_size)) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	ctx->saved_flags = fcntl(STDOUT_FILENO, F_GETFL);
	if (ctx->saved_flags >= 0 && fstat(STDOUT_FILENO, &st) == 0 && !S_ISREG(st.st_mode))
		fcntl(STDOUT_FILENO, F_SETFL,
		      ctx->block ? ctx->saved_flags & ~O_NONBLOCK : ctx->saved_flags | O_NONBLOCK);
	return 0;
}

static int stdout_process(void *vctx, const struct dt_record *rec)
{
	struct stdout_ctx *ctx = vctx;

	return dt_outbuf_record(&ctx->out, rec, ctx->json);
}

static int stdout_flush(void *vctx)
{
	struct stdout_ctx *ctx = vctx;
	int rc = dt_outbuf_flush(&ctx->out);

	return rc == -EAGAIN ? 0 : rc;
}

static void stdout_exit(void *vctx)
{
	struct stdout_ctx *ctx = vctx;

	if (!ctx->out.data)
		return;
	/* count whole lines left behind */
	ctx->dropped += dt_outbuf_close(&ctx->out, (int)(ctx->drain_timeout / 1000000ull));
	if (ctx->saved_flags >= 0)
		fcntl(STDOUT_FILENO, F_SETFL, ctx->saved_flags);
}

static uint64_t stdout_dropped(void *vctx)
{
	return ((struct stdout_ctx *)vctx)->dropped;
}

const struct dt_output_plugin dt_output_stdout = {
    .name = "stdout",
    .description = "records on standard output, ECS JSON lines or text",
    .options = stdout_options,
    .ctx_size = sizeof(struct stdout_ctx),
    .init = stdout_init,
    .process = stdout_process,
    .flush = stdout_flush,
    .dropped = stdout_dropped,
    .exit = stdout_exit,
};
