// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the fast Envelope decoder (dt_wire_decode) against
 * protobuf-c (dt_wire_decode_reference) on arbitrary frames: same result
 * code, and for a decoded record the same fields, ECS JSON line and text
 * line (tests/unit/test_wire_unpack_diff.h). A difference aborts.
 * Seeds: tests/fuzz/envelopes/ (test_wire_unpack_bench -w writes them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/test_wire_unpack_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wire_diff d;
	static int ready;

	if (!ready) {
		if (wire_diff_init(&d))
			abort();
		ready = 1;
	}
	if (!wire_diff_check(&d, data, size)) {
		fprintf(stderr, "fuzz_wire_decode: decoders differ on %zu bytes: %s\n", size,
			d.why);
		abort();
	}
	return 0;
}
