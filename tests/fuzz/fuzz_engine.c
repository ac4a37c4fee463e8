/* SPDX-License-Identifier: MIT */
/*
 * The engine and both formatters on hostile packet sequences: UDP and TCP,
 * both directions, SYN/FIN/RST, sequence jumps, capture cuts, clock jumps,
 * tiny tables. Every record must format, and the ECS line must parse.
 *
 * Input: records of [ctrl][seq delta][clock step][len hi][len lo][payload].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ecs_json.h"
#include "core/engine.h"
#include "core/text_format.h"

static char *json_buf, *text_buf;

static void on_record(const struct dt_record *rec, void *user)
{
	json_error_t err;
	json_t *j;
	int n;

	n = dt_ecs_json(rec, json_buf, DT_ECS_JSON_MAX);
	if (n < 0 && n != -ENOSPC)
		abort();
	if (n > 0) {
		j = json_loadb(json_buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
		if (!j)
			abort(); /* not valid JSON */
		json_decref(j);
	}
	n = dt_text_format(rec, text_buf, 65536);
	if (n < 0 && n != -ENOSPC)
		abort();
	if (n > 0 && memchr(text_buf, '\n', (size_t)n))
		abort(); /* one record, one line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_engine_config cfg = { .max_pending = 8, .max_tcp_flows = 4,
					.max_tcp_buffer = 1024, .timeout_ns = 1000000000,
					.emit = on_record };
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	uint32_t seq[8] = { 0 };
	uint64_t ts = 1764162481000000000ull;
	struct dt_engine *e;

	if (!json_buf) {
		json_buf = malloc(DT_ECS_JSON_MAX);
		text_buf = malloc(65536);
		if (!json_buf || !text_buf)
			abort();
	}
	if (dt_engine_new(&cfg, &e) < 0)
		abort();
	while (size >= 5) {
		uint8_t ctrl = data[0];
		int8_t jump = (int8_t)data[1];
		size_t len = (size_t)data[3] << 8 | data[4];
		unsigned flow = ctrl & 7; /* port (bits 0-1) and direction (bit 2) */
		struct dt_packet p = { 0 };

		data += 5;
		size -= 5;
		if (len > size)
			len = size;
		ts += (uint64_t)data[-3] * 10000000ull;
		p.ts_ns = ts;
		p.family = 4;
		p.transport = ctrl & 0x08 ? DT_TRANSPORT_TCP : DT_TRANSPORT_UDP;
		memcpy(p.saddr, ctrl & 4 ? srv : cli, 4);
		memcpy(p.daddr, ctrl & 4 ? cli : srv, 4);
		p.sport = ctrl & 4 ? 53 : (uint16_t)(1000 + (ctrl & 3));
		p.dport = ctrl & 4 ? (uint16_t)(1000 + (ctrl & 3)) : 53;
		p.payload = data;
		p.payload_len = (uint32_t)len;
		p.orig_len = (uint32_t)len;
		if (ctrl & 0x10) {
			p.orig_len += 64;
			p.flags |= DT_PKT_TRUNCATED;
		}
		p.flags |= DT_PKT_HAS_PROCESS;
		p.pid = p.tid = 100 + flow;
		memcpy(p.comm, "fuzz", 5);
		if (p.transport == DT_TRANSPORT_TCP) {
			seq[flow] += (uint32_t)(int32_t)jump;
			p.tcp_seq = seq[flow];
			p.tcp_flags = (ctrl >> 5) & (DT_TCP_FIN | DT_TCP_SYN | DT_TCP_RST);
			seq[flow] += p.orig_len + ((p.tcp_flags & DT_TCP_SYN) ? 1 : 0);
		}
		dt_engine_packet(e, &p);
		if (jump == 127)
			dt_engine_tick(e, ts + 2000000000ull);
		data += len;
		size -= len;
	}
	dt_engine_flush(e);
	dt_engine_free(e);
	return 0;
}
