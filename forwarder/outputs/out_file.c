// SPDX-License-Identifier: MIT
/*
 * Output `file`: ECS JSON lines (or text) appended to `path`. The file is
 * opened by init() and closed by exit(), so a SIGHUP reload reopens it:
 * logrotate moves the file, then sends SIGHUP (postrotate).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/outbuf.h"
#include "pipeline/plugin.h"

struct file_ctx {
	char *path;
	char *format;
	int64_t mode;
	uint64_t buffer_size;
	bool json;
	int fd;
	struct dt_outbuf out;
	uint64_t dropped;
};

static const char *const formats[] = {"json", "text", NULL};

static const struct dt_option file_options[] = {
    DT_OPT_STR_REQ("path", struct file_ctx, path, "file to append to (created if missing)"),
    DT_OPT_CHOICE("format", struct file_ctx, format, "json", formats,
		  "json (ECS, one object per line) or text"),
    DT_OPT_INT("mode", struct file_ctx, mode, "0640", 0, 0777, "permissions of a new file"),
    DT_OPT_SIZE("buffer_size", struct file_ctx, buffer_size, "4M",
		"bytes buffered between flushes before records are dropped (counted)"),
    {0},
};

static int file_init(void *vctx, struct dt_errbuf *err)
{
	struct file_ctx *ctx = vctx;
	int rc;

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
	ctx->fd = open(ctx->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		       (mode_t)ctx->mode);
	if (ctx->fd < 0) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot open %s: %s", ctx->path,
			 strerror(errno));
		return rc;
	}
	if (dt_outbuf_init(&ctx->out, ctx->fd, ctx->buffer_size)) {
		close(ctx->fd);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int file_process(void *vctx, const struct dt_record *rec)
{
	struct file_ctx *ctx = vctx;

	return dt_outbuf_record(&ctx->out, rec, ctx->json);
}

static int file_flush(void *vctx)
{
	struct file_ctx *ctx = vctx;

	return dt_outbuf_flush(&ctx->out);
}

static void file_exit(void *vctx)
{
	struct file_ctx *ctx = vctx;

	if (!ctx->out.data)
		return;
	ctx->dropped += dt_outbuf_close(&ctx->out, 1000);
	close(ctx->fd);
}

/* logrotate moved the file: finish writing to it, then start a new one at path. */
static int file_reopen(void *vctx, struct dt_errbuf *err)
{
	struct file_ctx *ctx = vctx;
	int fd, rc;

	dt_outbuf_drain(&ctx->out, 1000);
	fd = open(ctx->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
		  (mode_t)ctx->mode);
	if (fd < 0) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg),
			 "cannot open %s: %s; still writing to the old file", ctx->path,
			 strerror(errno));
		return rc;
	}
	close(ctx->fd);
	ctx->fd = fd;
	dt_outbuf_set_fd(&ctx->out, fd);
	return 0;
}

static uint64_t file_dropped(void *vctx)
{
	return ((struct file_ctx *)vctx)->dropped;
}

const struct dt_output_plugin dt_output_file = {
    .name = "file",
    .description = "records appended to a file as ECS JSON lines (reopened on SIGHUP)",
    .options = file_options,
    .ctx_size = sizeof(struct file_ctx),
    .init = file_init,
    .process = file_process,
    .flush = file_flush,
    .dropped = file_dropped,
    .exit = file_exit,
    .reopen = file_reopen,
};
