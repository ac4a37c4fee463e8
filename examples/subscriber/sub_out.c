/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ecs_json.h"
#include "core/file_ahead.h"
#include "core/text_format.h"
#include "sub_out.h"

struct dt_sub_out {
	int fd;
	bool own_fd;
	enum dt_sub_out_format format;
	size_t len;
	size_t cap;	   /* DT_SUB_OUT_BATCH + the longest line */
	uint64_t first_ns; /* when the oldest pending line was added */
	uint64_t bytes;
	uint64_t lost;
	int first_errno;
	struct dt_file_ahead ahead; /* a regular file's blocks, allocated ahead */
	char buf[];
};

int dt_sub_out_fdopen(int fd, enum dt_sub_out_format format, struct dt_sub_out **out)
{
	size_t line = format == DT_SUB_OUT_TEXT ? DT_SUB_OUT_TEXT_MAX : DT_ECS_JSON_MAX;
	struct dt_sub_out *o;

	if (fd < 0 || !out)
		return -EINVAL;
	o = malloc(sizeof(*o) + DT_SUB_OUT_BATCH + line);
	if (!o)
		return -ENOMEM;
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->format = format;
	o->cap = DT_SUB_OUT_BATCH + line;
	dt_file_ahead_init(&o->ahead, fd);
	*out = o;
	return 0;
}

int dt_sub_out_open(const char *path, enum dt_sub_out_format format, struct dt_sub_out **out)
{
	int fd, rc;

	if (!path || strcmp(path, "-") == 0)
		return dt_sub_out_fdopen(STDOUT_FILENO, format, out);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -errno;
	rc = dt_sub_out_fdopen(fd, format, out);
	if (rc) {
		close(fd);
		return rc;
	}
	(*out)->own_fd = true;
	return 0;
}

int dt_sub_out_flush(struct dt_sub_out *o)
{
	size_t done = 0;

	dt_file_ahead_reserve(&o->ahead, o->fd, o->len);
	while (done < o->len) {
		ssize_t n = write(o->fd, o->buf + done, o->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			o->lost += o->len - done;
			if (!o->first_errno)
				o->first_errno = e;
			o->len = 0;
			return -e;
		}
		done += (size_t)n;
		dt_file_ahead_wrote(&o->ahead, (size_t)n);
	}
	o->len = 0;
	return 0;
}

int dt_sub_out_flush_due(struct dt_sub_out *o, uint64_t now_ns)
{
	if (!o->len || now_ns - o->first_ns < DT_SUB_OUT_FLUSH_NS)
		return 0;
	return dt_sub_out_flush(o);
}

int dt_sub_out_record(struct dt_sub_out *o, const struct dt_record *rec)
{
	char *p;
	int n;

	/* Below the batch size the room left is more than the longest line. */
	if (o->len >= DT_SUB_OUT_BATCH)
		dt_sub_out_flush(o); /* a failure is counted in o->lost */
	if (!o->len)
		o->first_ns = dt_now_mono_ns();
	p = o->buf + o->len;
	if (o->format == DT_SUB_OUT_TEXT)
		n = dt_text_format(rec, p, DT_SUB_OUT_TEXT_MAX);
	else
		n = dt_ecs_json(rec, p, DT_ECS_JSON_MAX);
	if (n < 0)
		return n;
	p[n] = '\n';
	o->len += (size_t)n + 1;
	o->bytes += (uint64_t)n + 1;
	return 0;
}

bool dt_sub_out_deadline(const struct dt_sub_out *o, uint64_t *deadline_ns)
{
	if (!o->len)
		return false;
	*deadline_ns = o->first_ns + DT_SUB_OUT_FLUSH_NS;
	return true;
}

size_t dt_sub_out_pending(const struct dt_sub_out *o)
{
	return o->len;
}

uint64_t dt_sub_out_bytes(const struct dt_sub_out *o)
{
	return o->bytes;
}

uint64_t dt_sub_out_lost(const struct dt_sub_out *o, int *first_errno)
{
	if (first_errno)
		*first_errno = o->first_errno;
	return o->lost;
}

int dt_sub_out_close(struct dt_sub_out *o)
{
	int rc;

	if (!o)
		return 0;
	rc = dt_sub_out_flush(o);
	if (o->own_fd && close(o->fd) && !rc)
		rc = -errno;
	free(o);
	return rc;
}
