/* SPDX-License-Identifier: MIT */
/*
 * ring_merge_bench: what dt_ring_merge() (bpf/dt_ring.h) costs per record
 * when it merges the ring buffers of many CPUs, without the kernel: the
 * rings are filled once, laid out as the kernel lays them out (256-byte
 * records, timestamp at offset 8), then merged again and again.
 *
 *   ring_merge_bench [-r RINGS] [-l RUN] [-n RECORDS] [-s SECONDS]
 *
 * RUN consecutive records (in time) come from the same ring before the next
 * ring takes over, round robin: -l 1, the default, is the worst case, a
 * switch between rings at every record (many CPUs all busy). Prints CPU ns
 * per record of this thread, e.g.
 *   for r in 1 2 8 32 128 512; do build/bench/ring_merge_bench -r $r; done
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "dt_ring.h"

#define REC_SIZE 256u /* slot of a DNS query record, header included */
#define TS_OFF 8u

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 4096;

	while (p < v)
		p <<= 1;
	return p;
}

struct sink {
	uint64_t n, last_ts, out_of_order;
};

static void take(void *ctx, const void *rec, size_t size)
{
	struct sink *s = ctx;
	uint64_t ts;

	(void)size;
	memcpy(&ts, (const uint8_t *)rec + TS_OFF, sizeof(ts));
	s->out_of_order += ts < s->last_ts;
	s->last_ts = ts;
	s->n++;
}

int main(int argc, char **argv)
{
	unsigned n_rings = 2, run = 1;
	uint64_t records = 262144;
	double seconds = 2;
	int c;

	while ((c = getopt(argc, argv, "r:l:n:s:h")) != -1) {
		switch (c) {
		case 'r':
			n_rings = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			run = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			records = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seconds = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: %s [-r RINGS] [-l RUN] [-n RECORDS] [-s SECONDS]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	if (n_rings < 1 || run < 1 || records < n_rings) {
		fprintf(stderr, "%s: need RINGS >= 1, RUN >= 1, RECORDS >= RINGS\n", argv[0]);
		return 2;
	}

	uint64_t per_ring = pow2_at_least((records / n_rings + run + 1) * REC_SIZE);
	struct dt_ring *rings = calloc(n_rings, sizeof(*rings));
	unsigned *heap = calloc(n_rings, sizeof(*heap));
	uint64_t *pos = calloc(2 * (size_t)n_rings, sizeof(*pos)); /* cons, prod per ring */
	uint8_t *data = calloc(n_rings, per_ring);

	if (!rings || !heap || !pos || !data) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		return 1;
	}
	for (unsigned i = 0; i < n_rings; i++) {
		rings[i].consumer_pos = &pos[2 * i];
		rings[i].producer_pos = &pos[2 * i + 1];
		rings[i].data = data + (size_t)i * per_ring;
		rings[i].mask = per_ring - 1;
	}
	/* round robin in runs: record k goes to ring (k / run) % n_rings */
	for (uint64_t k = 0; k < records; k++) {
		unsigned i = (unsigned)((k / run) % n_rings);
		uint8_t *rec = data + (size_t)i * per_ring + pos[2 * i + 1];
		uint32_t len = REC_SIZE - DT_RING_HDR_SZ;
		uint64_t ts = 1000 + k;

		memcpy(rec, &len, sizeof(len));
		memcpy(rec + DT_RING_HDR_SZ + TS_OFF, &ts, sizeof(ts));
		pos[2 * i + 1] += REC_SIZE;
	}

	struct dt_ring_set set = {rings, heap, n_rings, TS_OFF};
	struct sink sink = {0};
	uint64_t passes = 0, spent = 0, merged = 0;

	while (spent < (uint64_t)(seconds * 1e9)) {
		for (unsigned i = 0; i < n_rings; i++)
			pos[2 * i] = 0;
		sink.last_ts = 0;
		uint64_t t0 = dt_clock_ns(CLOCK_THREAD_CPUTIME_ID);
		long got = dt_ring_merge(&set, UINT64_MAX, (long)records, take, &sink);

		spent += dt_clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
		merged += (uint64_t)got;
		passes++;
		if ((uint64_t)got != records || sink.out_of_order) {
			fprintf(stderr, "%s: merged %ld of %llu records, %llu out of order\n",
				argv[0], got, (unsigned long long)records,
				(unsigned long long)sink.out_of_order);
			return 1;
		}
	}
	printf("rings %u run %u: %.1f ns per record (%llu records x %llu passes)\n", n_rings, run,
	       (double)spent / (double)merged, (unsigned long long)records,
	       (unsigned long long)passes);
	free(data);
	free(pos);
	free(heap);
	free(rings);
	return 0;
}
