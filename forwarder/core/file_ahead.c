// SPDX-License-Identifier: MIT
#define _GNU_SOURCE /* fallocate() */
#include "core/file_ahead.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void dt_file_ahead_init(struct dt_file_ahead *a, int fd)
{
	struct stat st;
	off_t pos;

	memset(a, 0, sizeof(*a));
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return;
	/* O_APPEND: the writes land at the end, wherever the offset is */
	pos = (fcntl(fd, F_GETFL) & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
	if (pos < 0)
		return;
	a->on = true;
	a->pos = (uint64_t)pos;
	a->end = a->pos;
}

void dt_file_ahead_reserve(struct dt_file_ahead *a, int fd, size_t len)
{
	uint64_t from, to;

	if (!a->on || a->pos + len <= a->end)
		return;
	from = a->end > a->pos ? a->end : a->pos;
	to = a->pos + len + DT_FILE_AHEAD_BYTES;
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from))) {
		a->on = false; /* EOPNOTSUPP, ENOSPC, ...: the write says the rest */
		return;
	}
	a->end = to;
}
