/* SPDX-License-Identifier: MIT */
/* dnstrail-sub loss accounting: holes, restarts, interleaved publishers, bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "gaps.h"

static void test_in_order_no_loss(void **state)
{
	struct dt_gaps *g;

	assert_int_equal(dt_gaps_new(8, &g), 0);
	/* A subscriber joining late starts wherever the publisher is. */
	assert_int_equal(dt_gaps_see(g, "web01", 7, 100, NULL, NULL), DT_GAP_FIRST);
	for (uint64_t s = 101; s < 200; s++)
		assert_int_equal(dt_gaps_see(g, "web01", 7, s, NULL, NULL), DT_GAP_NONE);
	assert_int_equal(dt_gaps_counts(g)->gaps, 0);
	assert_int_equal(dt_gaps_counts(g)->lost, 0);
	assert_int_equal(dt_gaps_counts(g)->publishers, 1);
	dt_gaps_free(g);
}

static void test_hole_is_loss(void **state)
{
	struct dt_gaps *g;
	uint64_t lost, expected;

	assert_int_equal(dt_gaps_new(8, &g), 0);
	dt_gaps_see(g, "web01", 7, 1, NULL, NULL);
	dt_gaps_see(g, "web01", 7, 2, NULL, NULL);
	assert_int_equal(dt_gaps_see(g, "web01", 7, 10, &lost, &expected), DT_GAP_LOSS);
	assert_int_equal(lost, 7);
	assert_int_equal(expected, 3);
	assert_int_equal(dt_gaps_see(g, "web01", 7, 11, &lost, NULL), DT_GAP_NONE);
	assert_int_equal(lost, 0);
	assert_int_equal(dt_gaps_see(g, "web01", 7, 13, &lost, NULL), DT_GAP_LOSS);
	assert_int_equal(lost, 1);
	/* A repeat or an older number is not loss and does not move us back. */
	assert_int_equal(dt_gaps_see(g, "web01", 7, 12, NULL, NULL), DT_GAP_OLD);
	assert_int_equal(dt_gaps_see(g, "web01", 7, 14, NULL, NULL), DT_GAP_NONE);
	assert_int_equal(dt_gaps_counts(g)->gaps, 2);
	assert_int_equal(dt_gaps_counts(g)->lost, 8);
	dt_gaps_free(g);
}

static void test_restart_is_not_loss(void **state)
{
	struct dt_gaps *g;

	assert_int_equal(dt_gaps_new(8, &g), 0);
	dt_gaps_see(g, "web01", 7, 500, NULL, NULL);
	dt_gaps_see(g, "web01", 7, 501, NULL, NULL);
	/* New session: numbering starts again at 1. */
	assert_int_equal(dt_gaps_see(g, "web01", 8, 1, NULL, NULL), DT_GAP_FIRST);
	assert_int_equal(dt_gaps_see(g, "web01", 8, 2, NULL, NULL), DT_GAP_NONE);
	assert_int_equal(dt_gaps_counts(g)->lost, 0);
	assert_int_equal(dt_gaps_counts(g)->publishers, 2);
	assert_int_equal(dt_gaps_counts(g)->restarts, 1);
	dt_gaps_free(g);
}

static void test_interleaved_publishers(void **state)
{
	struct dt_gaps *g;

	assert_int_equal(dt_gaps_new(8, &g), 0);
	/* Same session id on two hosts, same host name with two ids: 4 streams. */
	for (uint64_t s = 1; s <= 50; s++) {
		assert_true(dt_gaps_see(g, "a", 1, s, NULL, NULL) != DT_GAP_LOSS);
		assert_true(dt_gaps_see(g, "b", 1, s * 2, NULL, NULL) != DT_GAP_NONE || s == 1);
		assert_true(dt_gaps_see(g, "a", 2, s, NULL, NULL) != DT_GAP_LOSS);
		assert_true(dt_gaps_see(g, "c", 9, s, NULL, NULL) != DT_GAP_LOSS);
	}
	assert_int_equal(dt_gaps_counts(g)->publishers, 4);
	assert_int_equal(dt_gaps_counts(g)->gaps, 49); /* only b skips */
	assert_int_equal(dt_gaps_counts(g)->lost, 49);
	dt_gaps_free(g);
}

static void test_bounded_table_evicts_oldest(void **state)
{
	struct dt_gaps *g;
	char host[16];

	assert_int_equal(dt_gaps_new(4, &g), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(host, sizeof(host), "h%d", i);
		dt_gaps_see(g, host, 1, 1, NULL, NULL);
	}
	dt_gaps_see(g, "h0", 1, 2, NULL, NULL); /* h0 fresh, h1 now the oldest */
	assert_int_equal(dt_gaps_see(g, "h4", 1, 1, NULL, NULL), DT_GAP_FIRST);
	assert_int_equal(dt_gaps_see(g, "h0", 1, 3, NULL, NULL), DT_GAP_NONE);
	/* h1 was forgotten: its next message starts over, no false loss. */
	assert_int_equal(dt_gaps_see(g, "h1", 1, 9, NULL, NULL), DT_GAP_FIRST);
	assert_int_equal(dt_gaps_counts(g)->lost, 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(host, sizeof(host), "x%d", i);
		dt_gaps_see(g, host, (uint64_t)i, 1, NULL, NULL);
	}
	assert_int_equal(dt_gaps_counts(g)->publishers, 1006);
	dt_gaps_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order_no_loss),
	    cmocka_unit_test(test_hole_is_loss),
	    cmocka_unit_test(test_restart_is_not_loss),
	    cmocka_unit_test(test_interleaved_publishers),
	    cmocka_unit_test(test_bounded_table_evicts_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
