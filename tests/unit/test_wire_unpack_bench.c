/* SPDX-License-Identifier: MIT */
/*
 * Decode cost per message, fast decoder vs protobuf-c reference, on the
 * corpus of test_wire_unpack_corpus.h. Printed, never asserted (a timing
 * is not a test); what is asserted is that both decoders accept it all.
 *
 *   test_wire_unpack_bench                 ns per message, both decoders
 *   test_wire_unpack_bench -n N [-r] [-a]  N decodes and exit, for callgrind:
 *     valgrind --tool=callgrind --toggle-collect=dt_wire_decode \
 *         build/bin/test_wire_unpack_bench -n 100000
 *   -r: the reference decoder (toggle-collect=dt_wire_decode_reference)
 *   -a: every shape of every sample (default: the typical shape only)
 *   -s NAME: only that sample of tests/data/wire (e.g. -s a: dnsperf's A)
 *   test_wire_unpack_bench -w DIR [-a]     writes each message to DIR (the
 *     fuzz seeds: test_wire_unpack_bench -w tests/fuzz/envelopes)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ecs_json.h"
#include "test_wire_unpack_corpus.h"
#include "wire/record_proto.h"

typedef int (*decode_fn)(const uint8_t *data, size_t len, struct dt_wire_msg *msg);

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* n decodes cycling over the corpus (and a JSON line each with json); errors count. */
static long run(const struct corpus *c, decode_fn fn, struct dt_wire_msg *m, long n, char *json)
{
	long bad = 0;

	for (long i = 0; i < n; i++) {
		size_t k = (size_t)i % c->n;

		if (fn(c->data + c->off[k], c->off[k + 1] - c->off[k], m))
			bad++;
		else if (json && dt_ecs_json(&m->rec, json, DT_ECS_JSON_MAX) <= 0)
			bad++;
	}
	return bad;
}

static double ns_per_msg(const struct corpus *c, decode_fn fn, struct dt_wire_msg *m, char *json)
{
	long n = 20000;
	double t0, t;

	assert_int_equal(run(c, fn, m, 2000, json), 0); /* warm */
	for (;;) {
		t0 = cpu_s();
		assert_int_equal(run(c, fn, m, n, json), 0);
		t = cpu_s() - t0;
		if (t > 0.15 || n > 50000000)
			break;
		n *= 4;
	}
	return t * 1e9 / (double)n;
}

static void bench(unsigned mask, const char *what)
{
	struct corpus c;
	struct dt_wire_msg *m = calloc(1, sizeof(*m));
	char *json = malloc(DT_ECS_JSON_MAX);
	double fast, ref, fast_j, ref_j;

	assert_non_null(m);
	assert_non_null(json);
	assert_int_equal(corpus_build(&c, mask), 0);
	fast = ns_per_msg(&c, dt_wire_decode, m, NULL);
	ref = ns_per_msg(&c, dt_wire_decode_reference, m, NULL);
	fast_j = ns_per_msg(&c, dt_wire_decode, m, json);
	ref_j = ns_per_msg(&c, dt_wire_decode_reference, m, json);
	print_message("%s (%zu messages, %zu bytes avg): decode %.0f ns (reference %.0f ns); "
		      "decode + ECS JSON %.0f ns (reference %.0f ns)\n",
		      what, c.n, c.len / c.n, fast, ref, fast_j, ref_j);
	dt_wire_msg_release(m);
	free(m);
	free(json);
	corpus_free(&c);
}

static void test_typical(void **state)
{
	(void)state;
	bench(1u << CORPUS_SHAPE_TYPICAL, "typical (IPv4, process, raw bytes)");
}

static void test_every_shape(void **state)
{
	(void)state;
	bench((1u << CORPUS_N_SHAPES) - 1, "every shape");
}

/* Every corpus message, then a stats envelope, one file each. */
static int write_seeds(const char *dir, unsigned mask)
{
	struct dt_wire_publisher pub = {.host = "web01", .session_id = 7, .version = "0.9.0"};
	struct dt_wire_session_counts sc = {.uptime_ns = 1, .published = 2, .dropped = 3};
	struct dt_wire_encoder *enc;
	struct dt_wire_buf buf = {0};
	struct dt_stats st = {.packets_captured = 10, .transactions = 5, .tcp_gaps = 1};
	struct corpus c;
	char path[512];
	FILE *f;

	if (corpus_build(&c, mask) || dt_wire_encoder_new(&pub, &enc) ||
	    dt_wire_encode_stats(enc, 9, 10, &st, &sc, &buf))
		return 1;
	for (size_t i = 0; i <= c.n; i++) {
		const uint8_t *p = i < c.n ? c.data + c.off[i] : buf.data;
		size_t len = i < c.n ? c.off[i + 1] - c.off[i] : buf.len;

		snprintf(path, sizeof(path), "%s/%s-%zu.bin", dir,
			 i < c.n ? wire_samples[i * N_WIRE_SAMPLES / c.n] : "stats", i);
		f = fopen(path, "wb");
		if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	printf("%zu seeds in %s\n", c.n + 1, dir);
	dt_wire_buf_release(&buf);
	dt_wire_encoder_free(enc);
	corpus_free(&c);
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_typical),
	    cmocka_unit_test(test_every_shape),
	};
	decode_fn fn = dt_wire_decode;
	unsigned mask = 1u << CORPUS_SHAPE_TYPICAL;
	const char *dir = NULL;
	long n = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:raw:s:")) != -1) {
		switch (opt) {
		case 'w':
			dir = optarg;
			break;
		case 's':
			corpus_only = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			fn = dt_wire_decode_reference;
			break;
		case 'a':
			mask = (1u << CORPUS_N_SHAPES) - 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-n N [-r] [-a] [-s SAMPLE]] [-w DIR]\n",
				argv[0]);
			return 2;
		}
	}
	if (dir)
		return write_seeds(dir, mask);
	if (n > 0) {
		struct corpus c;
		struct dt_wire_msg *m = calloc(1, sizeof(*m));
		long bad;

		if (!m || corpus_build(&c, mask))
			return 1;
		bad = run(&c, fn, m, n, NULL);
		printf("%ld decodes over %zu messages (%zu bytes avg), %ld failed\n", n, c.n,
		       c.len / c.n, bad);
		dt_wire_msg_release(m);
		free(m);
		corpus_free(&c);
		return bad != 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
