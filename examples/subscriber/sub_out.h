/* SPDX-License-Identifier: MIT */
/*
 * dnstrail-sub's line output (json and text): each record is formatted
 * straight into one large buffer, newline appended, and the buffer goes out
 * with write(2) when it holds DT_SUB_OUT_BATCH bytes, on dt_sub_out_flush(),
 * on dt_sub_out_flush_due() once the oldest buffered line has waited
 * DT_SUB_OUT_FLUSH_NS (the caller checks after each drain of its socket and
 * polls no longer than dt_sub_out_deadline()), and on close. So a busy
 * subscriber makes one system call per 256 KiB instead of one per drain or
 * per 4 KiB (stdio), and a file being tailed sees every line within ~0.2 s.
 * A regular file's blocks are allocated a little ahead of the writes
 * (core/file_ahead.h).
 */
#ifndef DT_SUB_OUT_H
#define DT_SUB_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"

enum dt_sub_out_format { DT_SUB_OUT_JSON, DT_SUB_OUT_TEXT };

/* Longest text line (the json one is DT_ECS_JSON_MAX). */
#define DT_SUB_OUT_TEXT_MAX (64 * 1024)
/* Lines held before the buffer goes out: one write(2) per this much. */
#define DT_SUB_OUT_BATCH (256 * 1024)
/* Registered-domain cache of the formatting thread (dt_ecs_json_name_cache,
 * 4 MiB): a subscriber formats the names of every host it hears. */
#define DT_SUB_OUT_NAME_CACHE 65536
/* dt_sub_out_flush_due(): buffered lines wait about this long at most. */
#define DT_SUB_OUT_FLUSH_NS 200000000ull

struct dt_sub_out;

/* path NULL or "-": standard output (not closed); else created or truncated
 * like fopen(path, "w"). Returns 0 or negative errno. */
int dt_sub_out_open(const char *path, enum dt_sub_out_format format, struct dt_sub_out **out);
/* On an open descriptor, left open by close (tests, stdout). */
int dt_sub_out_fdopen(int fd, enum dt_sub_out_format format, struct dt_sub_out **out);
/* One record as one line. Returns 0 or -ENOSPC (the line does not fit the
 * format's maximum: nothing written). A write that fails on the way drops
 * the buffered lines, counted in dt_sub_out_lost(). */
int dt_sub_out_record(struct dt_sub_out *o, const struct dt_record *rec);
/* Write out whatever is buffered. 0 or negative errno (lines dropped). */
int dt_sub_out_flush(struct dt_sub_out *o);
/* Flush when the oldest buffered line is DT_SUB_OUT_FLUSH_NS old at
 * now_ns (CLOCK_MONOTONIC); a no-op otherwise. */
int dt_sub_out_flush_due(struct dt_sub_out *o, uint64_t now_ns);
/* When the oldest buffered line is due (CLOCK_MONOTONIC ns); false when
 * nothing is buffered. */
bool dt_sub_out_deadline(const struct dt_sub_out *o, uint64_t *deadline_ns);
/* Bytes not yet written. */
size_t dt_sub_out_pending(const struct dt_sub_out *o);
/* Bytes formatted so far (written or pending). */
uint64_t dt_sub_out_bytes(const struct dt_sub_out *o);
/* Bytes dropped by failed writes, and the first failure's errno (0 none). */
uint64_t dt_sub_out_lost(const struct dt_sub_out *o, int *first_errno);
/* Flushes, closes what open() opened, frees; NULL-safe. Returns the
 * flush's result. */
int dt_sub_out_close(struct dt_sub_out *o);

#endif
