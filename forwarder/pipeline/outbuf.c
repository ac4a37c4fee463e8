// SPDX-License-Identifier: MIT
#include "pipeline/outbuf.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/ecs_json.h"
#include "core/text_format.h"

int dt_outbuf_init(struct dt_outbuf *b, int fd, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = malloc(cap);
	b->scratch = malloc(DT_ECS_JSON_MAX);
	if (!b->data || !b->scratch) {
		dt_outbuf_free(b);
		return -ENOMEM;
	}
	b->cap = cap;
	dt_outbuf_set_fd(b, fd);
	return 0;
}

void dt_outbuf_set_fd(struct dt_outbuf *b, int fd)
{
	b->fd = fd;
	dt_file_ahead_init(&b->ahead, fd);
}

void dt_outbuf_free(struct dt_outbuf *b)
{
	free(b->data);
	free(b->scratch);
	b->data = NULL;
	b->scratch = NULL;
	b->cap = b->head = b->len = 0;
}

int dt_outbuf_flush(struct dt_outbuf *b)
{
	dt_file_ahead_reserve(&b->ahead, b->fd, b->len);
	while (b->len) {
		ssize_t n = write(b->fd, b->data + b->head, b->len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return -EAGAIN;
			b->error = errno;
			return -errno;
		}
		b->head += (size_t)n;
		b->len -= (size_t)n;
		dt_file_ahead_wrote(&b->ahead, (size_t)n);
	}
	b->head = 0;
	return 0;
}

int dt_outbuf_line(struct dt_outbuf *b, const char *s, size_t len)
{
	if (len + 1 > b->cap)
		return -ENOBUFS;
	if (b->head + b->len + len + 1 > b->cap) {
		/* make room: write out, then move what is left to the front */
		dt_outbuf_flush(b);
		if (b->head) {
			memmove(b->data, b->data + b->head, b->len);
			b->head = 0;
		}
		if (b->len + len + 1 > b->cap)
			return -ENOBUFS;
	}
	memcpy(b->data + b->head + b->len, s, len);
	b->data[b->head + b->len + len] = '\n';
	b->len += len + 1;
	return 0;
}

size_t dt_outbuf_drain(struct dt_outbuf *b, int timeout_ms)
{
	uint64_t end = dt_now_mono_ns() + (uint64_t)timeout_ms * 1000000ull;

	while (dt_outbuf_flush(b) == -EAGAIN) {
		struct pollfd p = {.fd = b->fd, .events = POLLOUT};
		uint64_t now = dt_now_mono_ns();

		if (now >= end)
			break;
		poll(&p, 1, (int)((end - now) / 1000000ull) + 1);
	}
	return b->len;
}

int dt_outbuf_record(struct dt_outbuf *b, const struct dt_record *rec, bool json)
{
	int n = json ? dt_ecs_json(rec, b->scratch, DT_ECS_JSON_MAX)
		     : dt_text_format(rec, b->scratch, DT_ECS_JSON_MAX);

	if (n < 0)
		return n;
	return dt_outbuf_line(b, b->scratch, (size_t)n);
}

uint64_t dt_outbuf_close(struct dt_outbuf *b, int timeout_ms)
{
	uint64_t lines = 0;

	dt_outbuf_drain(b, timeout_ms);
	for (size_t i = 0; i < b->len; i++)
		lines += b->data[b->head + i] == '\n';
	dt_outbuf_free(b);
	return lines;
}
