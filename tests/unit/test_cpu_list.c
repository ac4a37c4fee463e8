/* SPDX-License-Identifier: MIT */
/* forwarder/inputs/cpu_list.c: the kernel's CPU list format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "inputs/cpu_list.h"

static void test_parse(void **state)
{
	bool m[16];

	(void)state;
	memset(m, 0, sizeof(m));
	assert_int_equal(dt_cpu_list_parse("0-3,8,10-11\n", m, 16), 7);
	for (int i = 0; i < 16; i++)
		assert_int_equal(m[i], i <= 3 || i == 8 || i == 10 || i == 11);

	memset(m, 0, sizeof(m));
	assert_int_equal(dt_cpu_list_parse("0", m, 16), 1);
	assert_true(m[0] && !m[1]);

	/* CPUs beyond the mask are ignored, a CPU already set is not counted twice */
	memset(m, 0, sizeof(m));
	assert_int_equal(dt_cpu_list_parse("2-100", m, 4), 2);
	assert_int_equal(dt_cpu_list_parse("0,3", m, 4), 1);
	assert_true(m[0] && !m[1] && m[2] && m[3]);

	memset(m, 0, sizeof(m));
	assert_int_equal(dt_cpu_list_parse("\n", m, 16), 0);
	assert_int_equal(dt_cpu_list_parse("", m, 16), 0);
}

static void test_parse_malformed(void **state)
{
	const char *bad[] = {"3-1", "a", "0,,1", "0-", "-1", "0 1", "1-2x"};
	bool m[16];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(m, 0, sizeof(m));
		assert_int_equal(dt_cpu_list_parse(bad[i], m, 16), -EINVAL);
	}
}

static void test_read(void **state)
{
	char path[] = "/tmp/dt_cpu_list.XXXXXX";
	int fd = mkstemp(path);
	bool m[8] = {0};

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0-1,5\n", 6), 6);
	close(fd);
	assert_int_equal(dt_cpu_list_read(path, m, 8), 3);
	assert_true(m[0] && m[1] && m[5] && !m[2]);
	unlink(path);
	assert_int_equal(dt_cpu_list_read(path, m, 8), -ENOENT);
	/* the real file, when there is one: at least the CPU we run on */
	memset(m, 0, sizeof(m));
	if (access("/sys/devices/system/cpu/online", R_OK) == 0)
		assert_true(dt_cpu_list_read("/sys/devices/system/cpu/online", m, 8) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_malformed),
	    cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
