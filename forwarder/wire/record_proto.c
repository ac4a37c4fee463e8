/* SPDX-License-Identifier: MIT */
/*
 * Encoding struct dt_record / struct dt_stats into dnstrail.v1.Envelope.
 * Every protobuf struct lives in the encoder and is re-filled per message:
 * the hot path does not allocate (the output buffer grows rarely, bounded).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dnstrail/v1/dnstrail.pb-c.h"
#include "wire/pb_write.h"
#include "wire/record_pack.h"
#include "wire/record_proto.h"

/* Room the packer may ask for beyond the final length (see encode_record). */
#define PACK_SLACK 128

struct dt_wire_encoder {
	char *host;
	char *version;
	Dnstrail__V1__Envelope env;
	Dnstrail__V1__Publisher pub;
	Dnstrail__V1__Stats stats;
	Dnstrail__V1__Stats__CountersEntry *counter; /* dt_stat_count of them */
	Dnstrail__V1__Stats__CountersEntry **counter_ptr;
	uint8_t *pub_field; /* Envelope field 1 (tag, length, Publisher), packed once */
	size_t pub_field_len;
};

void dt_wire_buf_release(struct dt_wire_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

static int grow(struct dt_wire_buf *buf, size_t cap, size_t max)
{
	uint8_t *p;

	if (cap > max)
		cap = max;
	p = realloc(buf->data, cap);
	if (!p)
		return -ENOMEM;
	buf->data = p;
	buf->cap = cap;
	return 0;
}

static int buf_reserve(struct dt_wire_buf *buf, size_t need)
{
	size_t max = buf->max ? buf->max : DT_WIRE_MAX_MSG;
	size_t cap;

	if (need > max)
		return -EMSGSIZE;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 4096;
	while (cap < need)
		cap *= 2;
	return grow(buf, cap, max);
}

static int pack_envelope(struct dt_wire_encoder *enc, struct dt_wire_buf *buf)
{
	size_t need = dnstrail__v1__envelope__get_packed_size(&enc->env);
	int err = buf_reserve(buf, need);

	if (err)
		return err;
	buf->len = dnstrail__v1__envelope__pack(&enc->env, buf->data);
	return 0;
}

/* The publisher is the same in every envelope: record_pack.c copies these bytes. */
static int pack_publisher(struct dt_wire_encoder *enc)
{
	size_t n = dnstrail__v1__publisher__get_packed_size(&enc->pub), hdr;

	enc->pub_field = malloc(n + 11);
	if (!enc->pub_field)
		return -ENOMEM;
	enc->pub_field[0] = 1 << 3 | PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
	hdr = (size_t)(pb_put_varint(enc->pub_field + 1, n) - enc->pub_field);
	enc->pub_field_len = hdr + dnstrail__v1__publisher__pack(&enc->pub, enc->pub_field + hdr);
	return 0;
}

int dt_wire_encoder_new(const struct dt_wire_publisher *pub, struct dt_wire_encoder **out)
{
	struct dt_wire_encoder *enc;

	enc = calloc(1, sizeof(*enc));
	if (!enc)
		return -ENOMEM;
	enc->host = strdup(pub->host ? pub->host : "");
	enc->version = strdup(pub->version ? pub->version : "");
	enc->counter = calloc(dt_stat_count, sizeof(*enc->counter));
	enc->counter_ptr = calloc(dt_stat_count, sizeof(*enc->counter_ptr));
	if (!enc->host || !enc->version || !enc->counter || !enc->counter_ptr) {
		dt_wire_encoder_free(enc);
		return -ENOMEM;
	}
	dnstrail__v1__envelope__init(&enc->env);
	dnstrail__v1__publisher__init(&enc->pub);
	enc->pub.host = enc->host;
	enc->pub.version = enc->version;
	enc->pub.session_id = pub->session_id;
	enc->pub.pid = pub->pid;
	enc->pub.start_time_ns = pub->start_time_ns;
	enc->env.publisher = &enc->pub;
	if (pack_publisher(enc)) {
		dt_wire_encoder_free(enc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < dt_stat_count; i++) {
		dnstrail__v1__stats__counters_entry__init(&enc->counter[i]);
		enc->counter[i].key = (char *)dt_stat_descs[i].name;
		enc->counter_ptr[i] = &enc->counter[i];
	}
	*out = enc;
	return 0;
}

void dt_wire_encoder_free(struct dt_wire_encoder *enc)
{
	if (!enc)
		return;
	free(enc->host);
	free(enc->version);
	free(enc->counter);
	free(enc->counter_ptr);
	free(enc->pub_field);
	free(enc);
}

int dt_wire_encode_record(struct dt_wire_encoder *enc, uint64_t sequence, uint64_t now_ns,
			  const struct dt_record *rec, bool include_wire, struct dt_wire_buf *buf)
{
	size_t max = buf->max ? buf->max : DT_WIRE_MAX_MSG;
	size_t len;
	int err;

	/* Pack into what the buffer has; on -ENOSPC grow it and pack again. The
	 * packer asks for room for a run of fields at their longest (at most
	 * 120 bytes beyond what they take) and may give back a reserved length
	 * byte per open submessage (three deep): a message of max bytes needs
	 * less than max + PACK_SLACK while being packed. */
	for (;;) {
		if (buf->cap) {
			err = dt_wire_pack_transaction(enc->pub_field, enc->pub_field_len, sequence,
						       now_ns, rec, include_wire, buf->data,
						       buf->cap, &len);
			if (!err)
				break;
			if (buf->cap >= max + PACK_SLACK)
				return -EMSGSIZE;
		}
		err = grow(buf, buf->cap ? buf->cap * 2 : 4096, max + PACK_SLACK);
		if (err)
			return err;
	}
	if (len > max)
		return -EMSGSIZE;
	buf->len = len;
	return 0;
}

int dt_wire_encode_stats(struct dt_wire_encoder *enc, uint64_t sequence, uint64_t now_ns,
			 const struct dt_stats *st, const struct dt_wire_session_counts *sc,
			 struct dt_wire_buf *buf)
{
	Dnstrail__V1__Stats *s = &enc->stats;

	dnstrail__v1__stats__init(s);
	s->uptime_ns = sc ? sc->uptime_ns : 0;
	s->session_published = sc ? sc->published : 0;
	s->session_dropped = sc ? sc->dropped : 0;
	s->packets_captured = st->packets_captured;
	s->messages_decoded = st->messages_decoded;
	s->malformed = st->malformed;
	s->transactions = st->transactions;
	s->timeouts = st->timeouts;
	s->orphan_responses = st->orphan_responses;
	s->kernel_drops = st->kernel_drops;
	s->events_published = st->events_published;
	s->output_drops = st->output_drops;
	s->filtered = st->filtered;
	s->duplicates = st->duplicates;
	s->table_evictions = st->table_evictions;
	s->tcp_reassembly_drops = st->tcp_reassembly_drops;
	s->tcp_flow_evictions = st->tcp_flow_evictions;
	s->tcp_gaps = st->tcp_gaps;
	for (size_t i = 0; i < dt_stat_count; i++)
		enc->counter[i].value = dt_stat_value(st, &dt_stat_descs[i]);
	s->n_counters = dt_stat_count;
	s->counters = enc->counter_ptr;

	enc->env.sequence = sequence;
	enc->env.sent_time_ns = now_ns;
	enc->env.body_case = DNSTRAIL__V1__ENVELOPE__BODY_STATS;
	enc->env.stats = s;
	return pack_envelope(enc, buf);
}
