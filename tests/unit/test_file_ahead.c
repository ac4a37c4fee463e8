/* SPDX-License-Identifier: MIT */
/*
 * core/file_ahead.h: a regular file's blocks are allocated ahead of its
 * writes, its size and bytes unchanged, also in O_APPEND mode after earlier
 * content; a pipe is left alone. And pipeline/outbuf.c (the daemon's stdout
 * and file outputs) allocates ahead through it.
 */
#define _GNU_SOURCE /* fallocate() */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

#include "core/file_ahead.h"
#include "pipeline/outbuf.h"

/* An empty regular file in /tmp, already unlinked: gone with its fd. */
static int tmp_file(void)
{
	char name[] = "/tmp/test_file_ahead-XXXXXX";
	int fd = mkstemp(name);

	assert_true(fd >= 0);
	unlink(name);
	return fd;
}

/* Whether this file system allocates ahead at all (tmpfs and ext4 do). */
static bool fs_preallocates(int fd)
{
	bool ok = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4096) == 0;

	assert_int_equal(ftruncate(fd, 0), 0); /* gives the block back */
	if (!ok)
		print_message("no fallocate in /tmp here: allocation checks left out\n");
	return ok;
}

static uint64_t allocated(int fd, uint64_t *size)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	*size = (uint64_t)st.st_size;
	return (uint64_t)st.st_blocks * 512;
}

static void write_all(int fd, const char *s, size_t n)
{
	assert_int_equal(write(fd, s, n), (ssize_t)n);
}

/* O_APPEND after 1 000 bytes already there: the reservation starts at the end. */
static void append_after_content(void **state)
{
	int fd = tmp_file();
	bool fa = fs_preallocates(fd);
	char buf[4096];
	uint64_t size, before;
	struct dt_file_ahead a;

	(void)state;
	memset(buf, 'x', sizeof(buf));
	write_all(fd, buf, 1000);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0); /* O_APPEND goes by the size */
	assert_int_equal(fcntl(fd, F_SETFL, O_APPEND), 0);
	dt_file_ahead_init(&a, fd);
	assert_true(a.on);
	assert_int_equal(a.pos, 1000);
	before = allocated(fd, &size);
	dt_file_ahead_reserve(&a, fd, sizeof(buf));
	write_all(fd, buf, sizeof(buf));
	dt_file_ahead_wrote(&a, sizeof(buf));
	assert_int_equal(a.pos, 1000 + sizeof(buf));
	if (fa) {
		assert_true(a.on);
		assert_int_equal(a.end, 1000 + sizeof(buf) + DT_FILE_AHEAD_BYTES);
		assert_true(allocated(fd, &size) >= before + DT_FILE_AHEAD_BYTES);
	}
	allocated(fd, &size);
	assert_int_equal(size, 1000 + sizeof(buf)); /* KEEP_SIZE */
	/* inside the reservation: no new call (end unchanged) */
	dt_file_ahead_reserve(&a, fd, 100);
	if (fa)
		assert_int_equal(a.end, 1000 + sizeof(buf) + DT_FILE_AHEAD_BYTES);
	close(fd);
}

/* Not a regular file: off, and reserve does nothing. */
static void pipe_left_alone(void **state)
{
	struct dt_file_ahead a;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	dt_file_ahead_init(&a, fds[1]);
	assert_false(a.on);
	dt_file_ahead_reserve(&a, fds[1], 100);
	assert_false(a.on);
	assert_int_equal(a.end, 0);
	dt_file_ahead_init(&a, -1);
	assert_false(a.on);
	close(fds[0]);
	close(fds[1]);
}

/* The daemon's line outputs: lines intact, blocks allocated past them. */
static void outbuf_allocates_ahead(void **state)
{
	int fd = tmp_file();
	bool fa = fs_preallocates(fd);
	struct dt_outbuf b;
	uint64_t size, alloc;
	char line[100], all[300 * 16], *p = all, *back;
	int i;

	(void)state;
	assert_int_equal(dt_outbuf_init(&b, fd, 1 << 16), 0);
	for (i = 0; i < 300; i++) {
		int n = snprintf(line, sizeof(line), "{\"n\":%d}", i);

		assert_int_equal(dt_outbuf_line(&b, line, (size_t)n), 0);
		p += sprintf(p, "%s\n", line);
	}
	assert_int_equal(dt_outbuf_flush(&b), 0);
	alloc = allocated(fd, &size);
	if (fa)
		assert_true(alloc >= size + DT_FILE_AHEAD_BYTES / 2);
	assert_int_equal(dt_outbuf_close(&b, 100), 0);
	allocated(fd, &size);
	assert_int_equal(size, (uint64_t)(p - all)); /* nothing of the reservation reads back */
	back = malloc(size);
	assert_non_null(back);
	assert_int_equal(pread(fd, back, size, 0), (ssize_t)size);
	assert_memory_equal(back, all, size);
	free(back);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(append_after_content),
	    cmocka_unit_test(pipe_left_alone),
	    cmocka_unit_test(outbuf_allocates_ahead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
