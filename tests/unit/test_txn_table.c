/* SPDX-License-Identifier: MIT */
/*
 * core: the pending-query table starts with few hash buckets and doubles
 * them as entries are first used; every pending entry must stay findable
 * across each growth, removals included, and the table must stay bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/txn_table.h"

static struct dt_txn_key key_of(uint32_t n)
{
	struct dt_txn_key k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.transport = 17;
	k.id = (uint16_t)n;
	k.cli_port = (uint16_t)(1024 + (n >> 16));
	k.srv_port = 53;
	memcpy(k.cli_ip, &n, sizeof(n));
	k.srv_ip[0] = 10;
	return k;
}

static struct dt_txn *find(struct dt_txn_table *t, uint32_t n)
{
	struct dt_txn_key k = key_of(n);

	return dt_txn_find(t, &k, dt_txn_key_hash(t, &k), 0);
}

static struct dt_txn *insert(struct dt_txn_table *t, uint32_t n)
{
	struct dt_txn_key k = key_of(n);

	return dt_txn_insert(t, &k, dt_txn_key_hash(t, &k), (uint64_t)n + 1);
}

static void test_growth_keeps_every_entry(void **state)
{
	enum { MAX = 20000 };
	struct dt_txn_table *t = dt_txn_table_new(MAX);
	(void)state;

	assert_non_null(t);
	for (uint32_t n = 0; n < MAX; n++) {
		struct dt_txn *txn = insert(t, n);

		assert_non_null(txn);
		assert_int_equal(txn->qhash, (uint64_t)n + 1);
		/* after every growth step (powers of two), all so far are found */
		if ((n & (n + 1)) == 0 || n == MAX - 1)
			for (uint32_t m = 0; m <= n; m++)
				assert_ptr_not_equal(find(t, m), NULL);
	}
	assert_int_equal(dt_txn_count(t), MAX);
	assert_true(dt_txn_full(t));
	assert_null(insert(t, MAX)); /* bounded */
	assert_null(find(t, MAX + 1));

	/* remove every third, the rest still found, the removed not */
	for (uint32_t n = 0; n < MAX; n += 3)
		dt_txn_remove(t, find(t, n));
	for (uint32_t n = 0; n < MAX; n++) {
		if (n % 3 == 0)
			assert_null(find(t, n));
		else
			assert_int_equal(find(t, n)->qhash, (uint64_t)n + 1);
	}
	dt_txn_table_free(t);
}

/* Growth while entries were removed and reused: the free list and fresh
 * entries mix, the FIFO order (oldest first) holds. */
static void test_growth_with_churn(void **state)
{
	struct dt_txn_table *t = dt_txn_table_new(8192);
	uint32_t next = 0;
	(void)state;

	assert_non_null(t);
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 1000; i++)
			assert_non_null(insert(t, next++));
		for (int i = 0; i < 300; i++)
			dt_txn_remove(t, dt_txn_oldest(t));
	}
	assert_int_equal(dt_txn_count(t), next - 8 * 300);
	for (uint32_t n = 0; n < next; n++)
		assert_true((find(t, n) != NULL) == (n >= 8 * 300));
	assert_int_equal(dt_txn_oldest(t)->qhash, 8 * 300 + 1);
	dt_txn_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth_keeps_every_entry),
		cmocka_unit_test(test_growth_with_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
