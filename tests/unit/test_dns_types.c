// SPDX-License-Identifier: MIT
/* Mnemonics: types, classes, rcodes, opcodes, and parsing them back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <string.h>

#include "dns/dns.h"

static void test_type_str(void **state)
{
	char buf[16];

	assert_string_equal(dns_type_str(1, buf), "A");
	assert_string_equal(dns_type_str(28, buf), "AAAA");
	assert_string_equal(dns_type_str(65, buf), "HTTPS");
	assert_string_equal(dns_type_str(257, buf), "CAA");
	assert_string_equal(dns_type_str(32769, buf), "DLV");
	assert_string_equal(dns_type_str(65280, buf), "TYPE65280");
	assert_string_equal(dns_type_str(0, buf), "TYPE0");
	assert_string_equal(dns_type_str(54, buf), "TYPE54");
	assert_string_equal(dns_type_str(65535, buf), "TYPE65535");
}

static void test_type_roundtrip(void **state)
{
	char buf[16];

	/* every value survives str -> value */
	for (unsigned t = 0; t <= 65535; t++) {
		uint16_t back = 0;

		assert_int_equal(dns_type_from_str(dns_type_str((uint16_t)t, buf), &back), 0);
		assert_int_equal(back, t);
	}
}

static void test_type_from_str(void **state)
{
	uint16_t t = 0;

	assert_int_equal(dns_type_from_str("aaaa", &t), 0);
	assert_int_equal(t, 28);
	assert_int_equal(dns_type_from_str("type65280", &t), 0);
	assert_int_equal(t, 65280);
	assert_int_equal(dns_type_from_str("TYPE65536", &t), -EINVAL);
	assert_int_equal(dns_type_from_str("TYPE", &t), -EINVAL);
	assert_int_equal(dns_type_from_str("TYPE1x", &t), -EINVAL);
	assert_int_equal(dns_type_from_str("TYPE-1", &t), -EINVAL);
	assert_int_equal(dns_type_from_str("BOGUS", &t), -EINVAL);
	assert_int_equal(dns_type_from_str("", &t), -EINVAL);
	assert_int_equal(dns_type_from_str(NULL, &t), -EINVAL);
}

static void test_class_rcode_opcode(void **state)
{
	char buf[16];
	uint16_t r = 0;

	assert_string_equal(dns_class_str(1, buf), "IN");
	assert_string_equal(dns_class_str(3, buf), "CH");
	assert_string_equal(dns_class_str(7, buf), "CLASS7");
	assert_string_equal(dns_class_str(1232, buf), "CLASS1232");
	assert_string_equal(dns_rcode_str(0, buf), "NOERROR");
	assert_string_equal(dns_rcode_str(3, buf), "NXDOMAIN");
	assert_string_equal(dns_rcode_str(23, buf), "BADCOOKIE");
	assert_string_equal(dns_rcode_str(24, buf), "RCODE24");
	assert_string_equal(dns_rcode_str(4095, buf), "RCODE4095");
	assert_string_equal(dns_opcode_str(0, buf), "QUERY");
	assert_string_equal(dns_opcode_str(5, buf), "UPDATE");
	assert_string_equal(dns_opcode_str(3, buf), "OPCODE3");
	assert_string_equal(dns_opcode_str(15, buf), "OPCODE15");
	assert_int_equal(dns_rcode_from_str("nxdomain", &r), 0);
	assert_int_equal(r, 3);
	assert_int_equal(dns_rcode_from_str("RCODE24", &r), 0);
	assert_int_equal(r, 24);
	assert_int_equal(dns_rcode_from_str("TIMEOUT", &r), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_type_str),
	    cmocka_unit_test(test_type_roundtrip),
	    cmocka_unit_test(test_type_from_str),
	    cmocka_unit_test(test_class_rcode_opcode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
