/* SPDX-License-Identifier: MIT */
/* core: the question hash folds ASCII case (eight bytes at a time) and nothing else. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/txn_table.h"

static void test_case_is_folded(void **state)
{
	char a[64], b[64];
	(void)state;

	/* every byte value at every position of names of every length up to 40 */
	for (size_t len = 1; len <= 40; len++) {
		for (unsigned c = 1; c < 256; c++) {
			size_t at = (c * 7) % len;

			memset(a, 'q', len);
			a[len] = 0;
			a[at] = (char)c;
			memcpy(b, a, len + 1);
			b[at] = (char)tolower((int)c); /* C locale: A-Z only */
			assert_int_equal(dt_txn_question_hash(a, 1, 1), dt_txn_question_hash(b, 1, 1));
			if (c >= 'a' && c <= 'z') {
				b[at] = (char)(c - 1 == 'a' - 1 ? '0' : c - 1);
				assert_int_not_equal(dt_txn_question_hash(a, 1, 1),
						     dt_txn_question_hash(b, 1, 1));
			}
		}
	}
}

static void test_other_bytes_differ(void **state)
{
	(void)state;

	/* bytes just outside A-Z and above 0x7f are not folded */
	assert_int_not_equal(dt_txn_question_hash("a@b", 1, 1), dt_txn_question_hash("a`b", 1, 1));
	assert_int_not_equal(dt_txn_question_hash("a[b", 1, 1), dt_txn_question_hash("a{b", 1, 1));
	assert_int_not_equal(dt_txn_question_hash("a\xc1", 1, 1),
			     dt_txn_question_hash("a\xe1", 1, 1));
	assert_int_equal(dt_txn_question_hash("WWW.Example.COM", 28, 1),
			 dt_txn_question_hash("www.example.com", 28, 1));
	assert_int_not_equal(dt_txn_question_hash("www.example.com", 28, 1),
			     dt_txn_question_hash("www.example.com", 1, 1));
	assert_int_not_equal(dt_txn_question_hash("www.example.com", 1, 1),
			     dt_txn_question_hash("www.example.com", 1, 3));
	/* a name and the same name with a NUL-padded tail word */
	assert_int_not_equal(dt_txn_question_hash("abcdefgh", 1, 1),
			     dt_txn_question_hash("abcdefg", 1, 1));
	assert_int_not_equal(dt_txn_question_hash("", 1, 1), 0);
	assert_int_equal(dt_txn_question_hash(NULL, 1, 1), dt_txn_question_hash("", 1, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_is_folded),
		cmocka_unit_test(test_other_bytes_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
