/* SPDX-License-Identifier: MIT */
/*
 * A bounded byte buffer in front of a (non-blocking) fd: outputs append whole
 * lines and push them with write() on flush; what does not fit is refused so
 * the caller counts it. Used by the stdout and file outputs, which write
 * records through dt_outbuf_record() and end with dt_outbuf_close(). A
 * regular file's blocks are allocated a little ahead of the writes
 * (core/file_ahead.h).
 */
#ifndef DT_OUTBUF_H
#define DT_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/file_ahead.h"

struct dt_outbuf {
	char *data;
	size_t cap, head, len; /* bytes [head, head + len) are pending */
	int fd;
	int error; /* last write errno other than EAGAIN, 0 if none */
	char *scratch; /* DT_ECS_JSON_MAX bytes: one formatted record */
	struct dt_file_ahead ahead; /* a regular file's blocks, allocated ahead */
};

struct dt_record;

int dt_outbuf_init(struct dt_outbuf *b, int fd, size_t cap);
/* Writes go to fd from now on (a reopened file); the pending bytes too. */
void dt_outbuf_set_fd(struct dt_outbuf *b, int fd);
/* Append one line (adds the '\n'); -ENOBUFS if it does not fit even after a write. */
int dt_outbuf_line(struct dt_outbuf *b, const char *s, size_t len);
/* Write what the fd takes now. 0 when empty, -EAGAIN when data remains, or -errno. */
int dt_outbuf_flush(struct dt_outbuf *b);
/* Keep writing (polling the fd) until empty or timeout_ms passed; returns bytes left. */
size_t dt_outbuf_drain(struct dt_outbuf *b, int timeout_ms);
void dt_outbuf_free(struct dt_outbuf *b);
/* Append the record as one line: ECS JSON or text. -ENOBUFS when full. */
int dt_outbuf_record(struct dt_outbuf *b, const struct dt_record *rec, bool json);
/* Drain for up to timeout_ms, then free; returns the whole lines left unwritten. */
uint64_t dt_outbuf_close(struct dt_outbuf *b, int timeout_ms);

#endif
