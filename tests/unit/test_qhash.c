/* SPDX-License-Identifier: MIT */
/* core: the question hash folds ASCII case (eight bytes at a time) and nothing else. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/*
 * The hash reads whole words, never past the NUL: a name that ends at the
 * last byte before an unmapped page hashes (no fault) as the same name with
 * other bytes after its NUL does, at every length across word boundaries.
 */
static void test_reads_stay_in_name(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map, *end, buf[64];
	(void)state;

	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	end = map + page; /* the first byte that faults */
	for (size_t len = 0; len <= 40; len++) {
		char *name = end - len - 1;

		for (size_t i = 0; i < len; i++)
			name[i] = (char)('A' + (i * 5 + len) % 26);
		name[len] = 0;
		memset(buf, 0x41 + (int)len, sizeof(buf)); /* letters after the NUL */
		memcpy(buf, name, len + 1);
		assert_int_equal(dt_txn_question_hash(name, 1, 1), dt_txn_question_hash(buf, 1, 1));
		/* and every one of its bytes counts, the tail word's too */
		for (size_t i = 0; i < len; i++) {
			buf[i] = '0';
			assert_int_not_equal(dt_txn_question_hash(name, 1, 1),
					     dt_txn_question_hash(buf, 1, 1));
			buf[i] = name[i];
		}
	}
	munmap(map, (size_t)page * 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_is_folded),
		cmocka_unit_test(test_other_bytes_differ),
		cmocka_unit_test(test_reads_stay_in_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
