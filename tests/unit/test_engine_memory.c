/* SPDX-License-Identifier: MIT */
/*
 * Memory of the pending-query table in a DNS outage: the default engine
 * (65 536 pending queries) fed that many distinct queries that are never
 * answered, VmRSS read before and after. Typical queries (64 bytes, a
 * 33-byte exe path) must all stay pending within ~16 MiB (was 64); the worst case
 * (512-byte queries, 255-byte exe, a container id) must stay bounded, the
 * byte budget evicting the oldest like a full table, every query still
 * written exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/engine.h"
#include "core/stats.h"

#define MIB (1024.0 * 1024.0)

/* The budgets hold for the plain build. Under AddressSanitizer the RSS also
 * holds its shadow memory and the redzones around every allocation (+2 MiB
 * here on the typical case): there the bounds only catch a runaway. */
#ifdef __SANITIZE_ADDRESS__
#define RSS_SLACK 1.5
#else
#define RSS_SLACK 1.0
#endif
#define N 65536u

static uint64_t emitted;
static const char *lookup_exe;
static const char *lookup_cid;

static void count_emit(const struct dt_record *rec, void *user)
{
	(void)rec;
	(void)user;
	emitted++;
}

static int lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	(void)tid;
	(void)user;
	proc->ppid = 1;
	proc->cgroup_id = 4242 + pid;
	snprintf(proc->name, sizeof(proc->name), "resolved");
	snprintf(proc->exe, sizeof(proc->exe), "%s", lookup_exe);
	snprintf(proc->container_id, sizeof(proc->container_id), "%s", lookup_cid);
	return 0;
}

static long rss_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* A query for host-NNNNN<pad>.example.com A, with an OPT record whose
 * padding option makes it `len` bytes (>= 60). */
static size_t make_query(uint8_t *b, uint32_t n, size_t len)
{
	char label[64];
	size_t p = 12, l, pad;

	memset(b, 0, 12);
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	b[2] = 0x01; /* RD */
	b[5] = 1; /* qdcount */
	b[11] = 1; /* arcount */
	l = (size_t)snprintf(label, sizeof(label), "host-%05u-service", n);
	b[p++] = (uint8_t)l;
	memcpy(b + p, label, l);
	p += l;
	memcpy(b + p, "\7example\3com\0\0\1\0\1", 17);
	p += 17;
	/* OPT: root, type 41, udp 1232, ttl 0, rdlen */
	memcpy(b + p, "\0\0\x29\x04\xd0\0\0\0\0", 9);
	p += 9;
	pad = len - p - 2 - 4;
	b[p++] = (uint8_t)((pad + 4) >> 8);
	b[p++] = (uint8_t)(pad + 4);
	b[p++] = 0;
	b[p++] = 12; /* EDNS padding */
	b[p++] = (uint8_t)(pad >> 8);
	b[p++] = (uint8_t)pad;
	memset(b + p, 0, pad);
	return p + pad;
}

/* Feeds N unanswered queries of `len` bytes; returns the RSS growth. */
static double outage(size_t len, struct dt_engine **out)
{
	struct dt_engine_config cfg = { .emit = count_emit, .process_lookup = lookup };
	static uint8_t q[600];
	struct dt_packet p;
	struct dt_engine *e;
	long before;

	assert_int_equal(dt_engine_new(&cfg, &e), 0);
	before = rss_kib();
	assert_true(before > 0);
	for (uint32_t i = 0; i < N; i++) {
		size_t n = make_query(q, i, len);

		assert_int_equal(n, len);
		memset(&p, 0, sizeof(p));
		p.ts_ns = 1764162481ull * 1000000000ull + i * 1000ull; /* 1 us apart */
		p.family = 4;
		p.transport = DT_TRANSPORT_UDP;
		p.flags = DT_PKT_HAS_PROCESS;
		p.pid = 1000 + (i & 15);
		p.tid = p.pid;
		snprintf(p.comm, sizeof(p.comm), "resolved");
		p.saddr[0] = 10;
		p.saddr[3] = (uint8_t)(1 + (i >> 16));
		p.daddr[0] = 10;
		p.daddr[3] = 53;
		p.sport = (uint16_t)(1024 + (i & 0x7fff));
		p.dport = 53;
		p.payload = q;
		p.payload_len = p.orig_len = (uint32_t)n;
		dt_engine_packet(e, &p);
	}
	*out = e;
	return (double)(rss_kib() - before) * 1024.0 / MIB;
}

static void typical_queries_fit(void **state)
{
	struct dt_engine *e;
	double mib;

	(void)state;
	memset(&dt_stats, 0, sizeof(dt_stats));
	emitted = 0;
	lookup_exe = "/usr/lib/systemd/systemd-resolved";
	lookup_cid = "";
	mib = outage(64, &e);
	printf("typical: %u pending 64-byte queries, 33-byte exe: +%.1f MiB RSS\n", N, mib);
	assert_int_equal(dt_stats.table_evictions, 0);
	assert_int_equal(emitted, 0);
	assert_true(mib < 17.0 * RSS_SLACK);
	dt_engine_flush(e);
	assert_int_equal(emitted, N);
	dt_engine_free(e);
}

static void worst_case_bounded(void **state)
{
	char exe[256];
	struct dt_engine *e;
	double mib;

	(void)state;
	memset(&dt_stats, 0, sizeof(dt_stats));
	emitted = 0;
	exe[0] = '/';
	memset(exe + 1, 'x', sizeof(exe) - 2);
	exe[sizeof(exe) - 1] = '\0';
	lookup_exe = exe;
	lookup_cid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	mib = outage(512, &e);
	printf("worst: %u 512-byte queries, 255-byte exe, container: +%.1f MiB RSS, "
	       "%llu evicted\n",
	       N, mib, (unsigned long long)dt_stats.table_evictions);
	assert_true(mib < 24.0 * RSS_SLACK);
	/* the budget, not the table, was the limit: the oldest went first */
	assert_true(dt_stats.table_evictions > 0);
	assert_int_equal(emitted, dt_stats.table_evictions);
	dt_engine_flush(e);
	assert_int_equal(emitted, N); /* each query written once */
	dt_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(typical_queries_fit),
		cmocka_unit_test(worst_case_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
