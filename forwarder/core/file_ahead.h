/* SPDX-License-Identifier: MIT */
/*
 * A regular file's blocks allocated a little ahead of its writes
 * (fallocate with FALLOC_FL_KEEP_SIZE: the size does not change). A
 * buffered write into blocks already allocated skips the file system's
 * allocation of each new block as the data arrives (ext4's delayed
 * allocation): on ext4 about a fifth less CPU for the writer and the
 * writeback together (docs/PERFORMANCE.md, twenty-second pass). Used by the
 * daemon's line outputs and dnstrail-sub's.
 *
 * A hint only: not a regular file, or a file system that refuses once, and
 * nothing more is asked; the writes go on as before. At most
 * DT_FILE_AHEAD_BYTES beyond the end of the file stay allocated after exit.
 */
#ifndef DT_FILE_AHEAD_H
#define DT_FILE_AHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DT_FILE_AHEAD_BYTES (1024 * 1024)

struct dt_file_ahead {
	bool on;
	uint64_t pos; /* where the next write lands, as far as we know */
	uint64_t end; /* allocated up to here */
};

/* Starts following fd when it is a regular file with an offset; off otherwise. */
void dt_file_ahead_init(struct dt_file_ahead *a, int fd);
/* Before writing len bytes: allocates past them when the last reservation
 * does not reach that far. */
void dt_file_ahead_reserve(struct dt_file_ahead *a, int fd, size_t len);

/* After a write of n bytes. */
static inline void dt_file_ahead_wrote(struct dt_file_ahead *a, size_t n)
{
	a->pos += n;
}

#endif
