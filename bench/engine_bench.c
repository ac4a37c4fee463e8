/* SPDX-License-Identifier: MIT */
/*
 * engine_bench: query+response pairs per second through the engine
 * (decode, match, record), then ECS JSON and text lines per second, all
 * per second of this thread's CPU time (= per core).
 *   engine_bench [PAIRS [MODE]]   PAIRS default 2000000; MODE 0 engine only,
 *                                 1 + JSON, 2 + text, 3 one record formatted
 *                                 1e6 times each way (default: all)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/ecs_json.h"
#include "core/engine.h"
#include "core/stats.h"
#include "core/text_format.h"

/* www.example.com A, EDNS 1232 */
static const uint8_t query_wire[] = {
	0x12, 0x34, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 'w',
	'w',  'w',  0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00,
};

/* the answer: two A records, compressed names, EDNS */
static const uint8_t response_wire[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x03, 'w',
	'w',  'w',  0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x03, 'c',  'o',  'm',
	0x00, 0x00, 0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e,
	0x10, 0x00, 0x04, 192,  0,    2,    1,    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x04, 192,  0,    2,    2,    0x00, 0x00, 0x29, 0x04, 0xd0,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

struct sink {
	uint64_t records;
	uint64_t ok;
	char *json;
	int mode; /* 0 count, 1 json, 2 text */
	uint64_t bytes;
};

static double now_s(void);

/* Format one record many times: the formatters alone, no engine. */
static void format_alone(const struct dt_record *rec, char *buf)
{
	const uint64_t rounds = 1000000;
	uint64_t bytes = 0;
	double t0, t1, t2;

	t0 = now_s();
	for (uint64_t i = 0; i < rounds; i++)
		bytes += (uint64_t)dt_ecs_json(rec, buf, DT_ECS_JSON_MAX);
	t1 = now_s();
	for (uint64_t i = 0; i < rounds; i++)
		bytes += (uint64_t)dt_text_format(rec, buf, DT_ECS_JSON_MAX);
	t2 = now_s();
	printf("ECS JSON alone     %10.0f lines/s  (%.0f ns/line)\n", rounds / (t1 - t0),
	       (t1 - t0) * 1e9 / rounds);
	printf("text alone         %10.0f lines/s  (%.0f ns/line)  [%llu bytes]\n",
	       rounds / (t2 - t1), (t2 - t1) * 1e9 / rounds, (unsigned long long)bytes);
}

static void on_record(const struct dt_record *rec, void *user)
{
	struct sink *s = user;
	int n = 0;

	if (s->mode == 3) {
		if (!s->records)
			format_alone(rec, s->json);
		s->records++;
		s->ok += rec->status == DT_STATUS_OK;
		return;
	}

	s->records++;
	s->ok += rec->status == DT_STATUS_OK;
	if (s->mode == 1)
		n = dt_ecs_json(rec, s->json, DT_ECS_JSON_MAX);
	else if (s->mode == 2)
		n = dt_text_format(rec, s->json, DT_ECS_JSON_MAX);
	if (n > 0)
		s->bytes += (uint64_t)n;
}

static double now_s(void)
{
	/* CPU time of this thread: the rate per core, even on a busy machine */
	return (double)dt_clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e9;
}

static double run(uint64_t pairs, struct sink *sink)
{
	struct dt_engine_config cfg = { .emit = on_record, .emit_user = sink, .tag = "dns",
					.host_name = "bench" };
	struct dt_engine *e;
	uint8_t q[sizeof(query_wire)], r[sizeof(response_wire)];
	struct dt_packet qp = { 0 }, rp = { 0 };
	uint64_t ts = 1764162481000000000ull;
	double t0, t1;

	if (dt_engine_new(&cfg, &e) < 0)
		exit(1);
	memcpy(q, query_wire, sizeof(q));
	memcpy(r, response_wire, sizeof(r));
	qp.family = rp.family = 4;
	qp.transport = rp.transport = DT_TRANSPORT_UDP;
	memcpy(qp.saddr, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(qp.daddr, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	memcpy(rp.saddr, qp.daddr, 4);
	memcpy(rp.daddr, qp.saddr, 4);
	qp.dport = rp.sport = 53;
	qp.payload = q;
	qp.payload_len = qp.orig_len = sizeof(q);
	rp.payload = r;
	rp.payload_len = rp.orig_len = sizeof(r);

	t0 = now_s();
	for (uint64_t i = 0; i < pairs; i++) {
		uint16_t id = (uint16_t)i, port = (uint16_t)(1024 + (i >> 16) % 60000);

		q[0] = r[0] = (uint8_t)(id >> 8);
		q[1] = r[1] = (uint8_t)id;
		qp.sport = rp.dport = port;
		qp.ts_ns = ts;
		rp.ts_ns = ts + 250000;
		ts += 1000;
		dt_engine_packet(e, &qp);
		dt_engine_packet(e, &rp);
	}
	dt_engine_flush(e);
	t1 = now_s();
	dt_engine_free(e);
	return t1 - t0;
}

int main(int argc, char **argv)
{
	uint64_t pairs = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	static const char *modes[] = { "engine only", "engine + ECS JSON", "engine + text",
				       "formatters" };
	struct sink sink = { 0 };
	double base = 0;

	sink.json = malloc(DT_ECS_JSON_MAX);
	if (!sink.json)
		return 1;
	int only = argc > 2 ? atoi(argv[2]) : -1;

	for (int mode = 0; mode < 4; mode++) {
		double secs;

		if (only >= 0 && mode != only && mode != 0)
			continue;
		if (mode == 3) {
			sink.mode = 3;
			sink.records = sink.ok = 0;
			run(1, &sink);
			continue;
		}
		memset(&dt_stats, 0, sizeof(dt_stats));
		sink.records = sink.ok = sink.bytes = 0;
		sink.mode = mode;
		secs = run(pairs, &sink);
		if (sink.ok != pairs) {
			fprintf(stderr, "expected %llu ok records, got %llu (of %llu)\n",
				(unsigned long long)pairs, (unsigned long long)sink.ok,
				(unsigned long long)sink.records);
			return 1;
		}
		printf("%-18s %10.0f pairs/s  %10.0f messages/s  %6.0f ns/pair", modes[mode],
		       pairs / secs, 2 * pairs / secs, secs * 1e9 / pairs);
		if (mode == 0)
			base = secs;
		else
			printf("  (format alone ~%.0f lines/s, %.0f B/line)",
			       pairs / (secs - base > 0 ? secs - base : 1e-9),
			       (double)sink.bytes / pairs);
		printf("\n");
	}
	free(sink.json);
	return 0;
}
