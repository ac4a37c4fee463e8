/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the core tests (engine, TCP reassembly, ECS JSON): recorded
 * wire messages from tests/data/wire, packets around them, and a sink that
 * keeps a copy of what the engine emits (records only borrow pointers).
 */
#ifndef DT_CORE_TESTLIB_H
#define DT_CORE_TESTLIB_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"
#include "core/stats.h"

#ifndef DT_WIRE_DIR
#error "DT_WIRE_DIR must name tests/data/wire"
#endif

#define MS (1000ull * 1000)
#define SEC (1000ull * MS)
#define T0 (1764162481ull * SEC + 123456789) /* 2025-11-26T13:08:01.123456789Z */

struct wire {
	uint8_t b[65536];
	size_t n;
};

/* tests/data/wire/NAME.bin, aborting the test when missing. */
static inline void wire_load(struct wire *w, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.bin", DT_WIRE_DIR, name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "missing %s\n", path);
		abort();
	}
	w->n = fread(w->b, 1, sizeof(w->b), f);
	fclose(f);
	if (w->n < 12)
		abort();
}

static inline void wire_set_id(struct wire *w, uint16_t id)
{
	w->b[0] = (uint8_t)(id >> 8);
	w->b[1] = (uint8_t)id;
}

static inline uint16_t wire_id(const struct wire *w)
{
	return (uint16_t)(w->b[0] << 8 | w->b[1]);
}

/* A packet from src:sport to dst:dport ("10.0.0.1" or "2001:db8::1"). */
static inline void pkt_init(struct dt_packet *p, uint8_t transport, const char *src,
			    uint16_t sport, const char *dst, uint16_t dport, uint64_t ts,
			    const uint8_t *payload, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->family = strchr(src, ':') ? 6 : 4;
	inet_pton(p->family == 4 ? AF_INET : AF_INET6, src, p->saddr);
	inet_pton(p->family == 4 ? AF_INET : AF_INET6, dst, p->daddr);
	p->transport = transport;
	p->sport = sport;
	p->dport = dport;
	p->ts_ns = ts;
	p->payload = payload;
	p->payload_len = (uint32_t)len;
	p->orig_len = (uint32_t)len;
	p->direction = DT_DIR_UNKNOWN;
}

/* What a test wants to know about an emitted record, copied. */
struct seen {
	enum dt_status status;
	uint64_t query_ts, response_ts;
	uint32_t flags;
	bool has_process;
	struct dt_process process;
	uint8_t transport, family;
	uint8_t src_ip[16], dst_ip[16];
	uint16_t src_port, dst_port;
	uint32_t netns;
	bool has_query, has_response;
	uint16_t id;
	char qname[256];
	uint16_t qtype;
	uint16_t rcode;
	unsigned n_answer;
	unsigned n_response_rr; /* records kept from every section */
	bool response_edns;
	char answer0[256];
	const char *tag, *host_name;
	size_t query_wire_len, response_wire_len;
};

#define SINK_MAX 64

struct sink {
	struct seen rec[SINK_MAX];
	unsigned n;
};

static inline void sink_emit(const struct dt_record *rec, void *user)
{
	struct sink *s = user;
	struct seen *o;
	const struct dns_msg *m;

	if (s->n >= SINK_MAX)
		abort();
	o = &s->rec[s->n++];
	memset(o, 0, sizeof(*o));
	o->status = rec->status;
	o->query_ts = rec->query_ts_ns;
	o->response_ts = rec->response_ts_ns;
	o->flags = rec->flags;
	o->has_process = rec->has_process;
	o->process = rec->process;
	o->transport = rec->transport;
	o->family = rec->family;
	memcpy(o->src_ip, rec->src_ip, 16);
	memcpy(o->dst_ip, rec->dst_ip, 16);
	o->src_port = rec->src_port;
	o->dst_port = rec->dst_port;
	o->netns = rec->netns;
	o->has_query = rec->query != NULL;
	o->has_response = rec->response != NULL;
	o->tag = rec->tag;
	o->host_name = rec->host_name;
	o->query_wire_len = rec->query_wire_len;
	o->response_wire_len = rec->response_wire_len;
	m = rec->query ? rec->query : rec->response;
	if (m) {
		o->id = m->id;
		if (m->has_question) {
			snprintf(o->qname, sizeof(o->qname), "%s", m->qname);
			o->qtype = m->qtype;
		}
	}
	if (rec->response) {
		o->rcode = rec->response->rcode;
		o->n_answer = rec->response->n_answer;
		o->n_response_rr = rec->response->n_rr;
		o->response_edns = rec->response->edns.present;
		for (unsigned i = 0; i < rec->response->n_rr; i++) {
			if (rec->response->rr[i].section == DNS_SECTION_ANSWER) {
				snprintf(o->answer0, sizeof(o->answer0), "%s",
					 rec->response->rr[i].data);
				break;
			}
		}
	}
}

static inline struct dt_engine *engine_with(struct sink *s, struct dt_engine_config *cfg)
{
	struct dt_engine *e = NULL;

	memset(s, 0, sizeof(*s));
	memset(&dt_stats, 0, sizeof(dt_stats));
	cfg->emit = sink_emit;
	cfg->emit_user = s;
	if (dt_engine_new(cfg, &e) < 0)
		abort();
	return e;
}

/* A TCP segment: the DNS messages with their 2-byte length prefixes. */
static inline size_t tcp_frame(uint8_t *out, const struct wire *w)
{
	out[0] = (uint8_t)(w->n >> 8);
	out[1] = (uint8_t)w->n;
	memcpy(out + 2, w->b, w->n);
	return w->n + 2;
}

#endif
