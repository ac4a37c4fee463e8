/* SPDX-License-Identifier: MIT */
/*
 * dnstrail-sub's batched line output (examples/subscriber/sub_out.h): the
 * bytes are exactly the formatter's lines, nothing is written before a
 * flush is due (batch full, deadline passed, explicit flush, close), a line
 * too long for the format is refused whole, a failed write is counted, and
 * a regular file's blocks are allocated ahead of the writes.
 */
#define _GNU_SOURCE /* fallocate() */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ecs_json.h"
#include "core/file_ahead.h"
#include "core/text_format.h"
#include "sub_out.h"

static char path[64];

static void fill(struct dt_record *rec, uint32_t i)
{
	memset(rec, 0, sizeof(*rec));
	rec->status = DT_STATUS_TIMEOUT;
	rec->query_ts_ns = 1764162481000000000ull + i;
	rec->family = 4;
	memcpy(rec->src_ip, "\x0a\x00\x00\x01", 4);
	memcpy(rec->dst_ip, "\x0a\x00\x00\x02", 4);
	rec->src_port = (uint16_t)(1024 + i);
	rec->dst_port = 53;
	rec->transport = 17;
	rec->host_name = "web01";
}

static size_t file_size(void)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

static char *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n = file_size();
	char *b = malloc(n + 1);

	assert_non_null(f);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, n, f), n);
	b[n] = '\0';
	fclose(f);
	*len = n;
	return b;
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_sub_out-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Lines exactly as the formatters make them, one per record, held until
 * the close; the batch size sends them out by itself. */
static void same_bytes_batched(void **state, enum dt_sub_out_format format)
{
	static char want[4 << 20], line[DT_ECS_JSON_MAX];
	struct dt_sub_out *o;
	struct dt_record rec;
	size_t wlen = 0, len;
	uint32_t i;
	char *got;

	(void)state;
	assert_int_equal(dt_sub_out_open(path, format, &o), 0);
	for (i = 0; wlen < DT_SUB_OUT_BATCH / 2; i++) {
		int n;

		fill(&rec, i);
		n = format == DT_SUB_OUT_TEXT ? dt_text_format(&rec, line, sizeof(line))
					      : dt_ecs_json(&rec, line, sizeof(line));
		assert_true(n > 0);
		memcpy(want + wlen, line, (size_t)n);
		want[wlen + (size_t)n] = '\n';
		wlen += (size_t)n + 1;
		assert_int_equal(dt_sub_out_record(o, &rec), 0);
	}
	assert_int_equal(file_size(), 0); /* nothing due yet */
	assert_int_equal(dt_sub_out_pending(o), wlen);
	/* past the batch size, the buffer goes out by itself */
	while (wlen < 3 * DT_SUB_OUT_BATCH) {
		int n;

		fill(&rec, ++i);
		n = format == DT_SUB_OUT_TEXT ? dt_text_format(&rec, line, sizeof(line))
					      : dt_ecs_json(&rec, line, sizeof(line));
		memcpy(want + wlen, line, (size_t)n);
		want[wlen + (size_t)n] = '\n';
		wlen += (size_t)n + 1;
		assert_int_equal(dt_sub_out_record(o, &rec), 0);
		assert_true(dt_sub_out_pending(o) < DT_SUB_OUT_BATCH + DT_ECS_JSON_MAX);
	}
	assert_true(file_size() >= DT_SUB_OUT_BATCH);
	assert_int_equal(file_size() + dt_sub_out_pending(o), wlen);
	assert_int_equal(dt_sub_out_bytes(o), wlen);
	assert_int_equal(dt_sub_out_close(o), 0);
	got = slurp(&len);
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, wlen);
	free(got);
}

static void json_lines(void **state)
{
	same_bytes_batched(state, DT_SUB_OUT_JSON);
}

static void text_lines(void **state)
{
	same_bytes_batched(state, DT_SUB_OUT_TEXT);
}

/* The deadline: none while empty; lines wait until it, then go out. */
static void flush_when_due(void **state)
{
	struct dt_sub_out *o;
	struct dt_record rec;
	uint64_t due = 0;
	size_t pending;

	(void)state;
	assert_int_equal(dt_sub_out_open(path, DT_SUB_OUT_JSON, &o), 0);
	assert_false(dt_sub_out_deadline(o, &due));
	assert_int_equal(dt_sub_out_flush_due(o, UINT64_MAX / 2), 0);
	fill(&rec, 1);
	assert_int_equal(dt_sub_out_record(o, &rec), 0);
	assert_true(dt_sub_out_deadline(o, &due));
	fill(&rec, 2);
	assert_int_equal(dt_sub_out_record(o, &rec), 0);
	pending = dt_sub_out_pending(o);
	/* the deadline is the first line's: a second one does not move it */
	{
		uint64_t due2 = 0;

		assert_true(dt_sub_out_deadline(o, &due2));
		assert_int_equal(due2, due);
	}
	assert_int_equal(dt_sub_out_flush_due(o, due - 1), 0);
	assert_int_equal(file_size(), 0);
	assert_int_equal(dt_sub_out_flush_due(o, due), 0);
	assert_int_equal(file_size(), pending);
	assert_int_equal(dt_sub_out_pending(o), 0);
	assert_false(dt_sub_out_deadline(o, &due));
	/* an explicit flush writes at once */
	assert_int_equal(dt_sub_out_record(o, &rec), 0);
	assert_int_equal(dt_sub_out_flush(o), 0);
	assert_int_equal(file_size(), pending + pending / 2);
	assert_int_equal(dt_sub_out_close(o), 0);
	assert_int_equal(dt_sub_out_close(NULL), 0);
}

/* A line over the format's maximum is refused whole; the others stay. */
static void too_long_refused(void **state)
{
	struct dt_sub_out *o;
	struct dt_record rec;
	char *host = malloc(DT_ECS_JSON_MAX + 16);
	size_t before;

	(void)state;
	assert_non_null(host);
	memset(host, 'h', DT_ECS_JSON_MAX + 15);
	host[DT_ECS_JSON_MAX + 15] = '\0';
	assert_int_equal(dt_sub_out_open(path, DT_SUB_OUT_JSON, &o), 0);
	fill(&rec, 1);
	assert_int_equal(dt_sub_out_record(o, &rec), 0);
	before = dt_sub_out_pending(o);
	rec.host_name = host;
	assert_int_equal(dt_sub_out_record(o, &rec), -ENOSPC);
	assert_int_equal(dt_sub_out_pending(o), before);
	assert_int_equal(dt_sub_out_bytes(o), before);
	assert_int_equal(dt_sub_out_close(o), 0);
	assert_int_equal(file_size(), before);
	free(host);
}

/*
 * A regular file's blocks are allocated ahead of the writes, its size and
 * bytes unchanged; every flush keeps the reservation ahead of the offset.
 */
static void file_allocated_ahead(void **state)
{
	struct dt_sub_out *o;
	struct dt_record rec;
	struct stat st;
	size_t len, i;
	char *b;
	/* ext4 and tmpfs allocate ahead; another file system may not */
	int probe = open(path, O_WRONLY | O_CLOEXEC);
	bool ahead = probe >= 0 && fallocate(probe, FALLOC_FL_KEEP_SIZE, 0, 4096) == 0;

	(void)state;
	close(probe);
	if (!ahead)
		print_message("file system of %s does not preallocate: size checks only\n", path);
	assert_int_equal(dt_sub_out_open(path, DT_SUB_OUT_JSON, &o), 0);
	/* past one batch and one reservation: two flushes or more */
	for (i = 0; dt_sub_out_bytes(o) < DT_SUB_OUT_BATCH + DT_FILE_AHEAD_BYTES; i++) {
		fill(&rec, (uint32_t)i);
		assert_int_equal(dt_sub_out_record(o, &rec), 0);
	}
	assert_int_equal(dt_sub_out_flush(o), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, dt_sub_out_bytes(o));
	if (ahead)
		assert_true((uint64_t)st.st_blocks * 512 >=
			    (uint64_t)st.st_size + DT_FILE_AHEAD_BYTES / 2);
	assert_int_equal(dt_sub_out_close(o), 0);
	b = slurp(&len);
	assert_int_equal(len, (size_t)st.st_size);
	for (i = 0; i < len; i++) /* every byte a line's: nothing of the reservation shows */
		if (b[i] == '\0')
			fail_msg("NUL at %zu", i);
	free(b);
}

/* A reader gone (EPIPE): the lines are dropped, counted, and said once. */
static void write_error_counted(void **state)
{
	struct dt_sub_out *o;
	struct dt_record rec;
	uint64_t lost;
	int fds[2], e = 0;
	size_t pending;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	assert_int_equal(dt_sub_out_fdopen(fds[1], DT_SUB_OUT_TEXT, &o), 0);
	fill(&rec, 1);
	assert_int_equal(dt_sub_out_record(o, &rec), 0);
	pending = dt_sub_out_pending(o);
	assert_int_equal(dt_sub_out_flush(o), -EPIPE);
	assert_int_equal(dt_sub_out_pending(o), 0);
	lost = dt_sub_out_lost(o, &e);
	assert_int_equal(lost, pending);
	assert_int_equal(e, EPIPE);
	assert_int_equal(dt_sub_out_record(o, &rec), 0);
	assert_int_equal(dt_sub_out_close(o), -EPIPE); /* the close's flush fails too */
	close(fds[1]);				       /* fdopen: not ours to close */
}

static void open_errors(void **state)
{
	struct dt_sub_out *o = NULL;

	(void)state;
	assert_int_equal(dt_sub_out_open("/nonexistent-dir/x.json", DT_SUB_OUT_JSON, &o), -ENOENT);
	assert_null(o);
	assert_int_equal(dt_sub_out_fdopen(-1, DT_SUB_OUT_JSON, &o), -EINVAL);
	/* "-" is standard output, left open by close */
	assert_int_equal(dt_sub_out_open("-", DT_SUB_OUT_JSON, &o), 0);
	assert_int_equal(dt_sub_out_close(o), 0);
	assert_true(fcntl(STDOUT_FILENO, F_GETFD) >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(json_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(text_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(flush_when_due, setup, teardown),
	    cmocka_unit_test_setup_teardown(too_long_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(file_allocated_ahead, setup, teardown),
	    cmocka_unit_test(write_error_counted),
	    cmocka_unit_test(open_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
