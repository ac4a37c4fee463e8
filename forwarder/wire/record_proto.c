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
#include "wire/record_proto.h"

struct enc_dns {
	Dnstrail__V1__DnsMessage m;
	Dnstrail__V1__Question q;
	Dnstrail__V1__Edns edns;
	Dnstrail__V1__ResourceRecord rr[DNS_MAX_RR];
	Dnstrail__V1__ResourceRecord *ptr[DNS_MAX_RR]; /* answers | authorities | additionals */
};

struct dt_wire_encoder {
	char *host;
	char *version;
	Dnstrail__V1__Envelope env;
	Dnstrail__V1__Publisher pub;
	Dnstrail__V1__Transaction tx;
	Dnstrail__V1__Process proc;
	Dnstrail__V1__Network net;
	Dnstrail__V1__Stats stats;
	Dnstrail__V1__Stats__CountersEntry *counter; /* dt_stat_count of them */
	Dnstrail__V1__Stats__CountersEntry **counter_ptr;
	struct enc_dns query;
	struct enc_dns response;
};

/* protobuf-c never writes through these when packing. */
static char *str(const char *s)
{
	return (char *)(s ? s : "");
}

static ProtobufCBinaryData bytes(const uint8_t *p, size_t n)
{
	return (ProtobufCBinaryData){.len = p ? n : 0, .data = (uint8_t *)p};
}

void dt_wire_buf_release(struct dt_wire_buf *buf)
{
	if (!buf)
		return;
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

static int buf_reserve(struct dt_wire_buf *buf, size_t need)
{
	size_t max = buf->max ? buf->max : DT_WIRE_MAX_MSG;
	size_t cap;
	uint8_t *p;

	if (need > max)
		return -EMSGSIZE;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 4096;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	p = realloc(buf->data, cap);
	if (!p)
		return -ENOMEM;
	buf->data = p;
	buf->cap = cap;
	return 0;
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
	free(enc);
}

static void fill_rr(Dnstrail__V1__ResourceRecord *p, const struct dns_rr *rr)
{
	dnstrail__v1__resource_record__init(p);
	p->name = str(rr->name);
	p->type = rr->type;
	p->class_ = rr->rclass;
	p->ttl = rr->ttl;
	p->rdata = bytes(rr->rdata, rr->rdlength);
	p->data = str(rr->data);
}

static Dnstrail__V1__DnsMessage *fill_dns(struct enc_dns *e, const struct dns_msg *msg)
{
	Dnstrail__V1__DnsMessage *m = &e->m;
	size_t count[3] = {0}, at[3];
	unsigned i, n = msg->n_rr < DNS_MAX_RR ? msg->n_rr : DNS_MAX_RR;

	dnstrail__v1__dns_message__init(m);
	m->id = msg->id;
	m->flags = msg->flags;
	m->opcode = msg->opcode;
	m->rcode = msg->rcode;
	m->qdcount = msg->qdcount;
	m->ancount = msg->ancount;
	m->nscount = msg->nscount;
	m->arcount = msg->arcount;
	if (msg->has_question) {
		dnstrail__v1__question__init(&e->q);
		e->q.name = str(msg->qname);
		e->q.type = msg->qtype;
		e->q.class_ = msg->qclass;
		m->question = &e->q;
	}

	/* Slices of one pointer array per section, in wire order within each. */
	for (i = 0; i < n; i++)
		count[msg->rr[i].section <= DNS_SECTION_ADDITIONAL ? msg->rr[i].section : 2]++;
	at[0] = 0;
	at[1] = count[0];
	at[2] = count[0] + count[1];
	for (i = 0; i < n; i++) {
		unsigned s = msg->rr[i].section <= DNS_SECTION_ADDITIONAL ? msg->rr[i].section : 2;

		fill_rr(&e->rr[i], &msg->rr[i]);
		e->ptr[at[s]++] = &e->rr[i];
	}
	m->n_answers = count[0];
	m->answers = e->ptr;
	m->n_authorities = count[1];
	m->authorities = e->ptr + count[0];
	m->n_additionals = count[2];
	m->additionals = e->ptr + count[0] + count[1];
	m->rr_truncated = msg->rr_truncated;

	if (msg->edns.present) {
		Dnstrail__V1__Edns *x = &e->edns;

		dnstrail__v1__edns__init(x);
		x->dnssec_ok = msg->edns.dnssec_ok;
		x->version = msg->edns.version;
		x->udp_size = msg->edns.udp_size;
		x->ext_rcode_hi = msg->edns.ext_rcode_hi;
		x->has_ede = msg->edns.ede_code >= 0;
		x->ede_code = msg->edns.ede_code >= 0 ? (uint32_t)msg->edns.ede_code : 0;
		x->ede_text = str(msg->edns.ede_text);
		x->client_subnet = str(msg->edns.client_subnet);
		x->cookie = str(msg->edns.cookie);
		m->edns = x;
	}
	m->error = msg->error;
	m->error_text = str(msg->error_text);
	return m;
}

int dt_wire_encode_record(struct dt_wire_encoder *enc, uint64_t sequence, uint64_t now_ns,
			  const struct dt_record *rec, bool include_wire, struct dt_wire_buf *buf)
{
	Dnstrail__V1__Transaction *tx = &enc->tx;
	Dnstrail__V1__Network *net = &enc->net;
	size_t alen = rec->family == 6 ? 16 : 4;

	dnstrail__v1__transaction__init(tx);
	tx->status = (Dnstrail__V1__Status)rec->status;
	tx->query_time_ns = rec->query_ts_ns;
	tx->response_time_ns = rec->response_ts_ns;
	tx->flags = rec->flags;
	if (rec->has_process) {
		Dnstrail__V1__Process *p = &enc->proc;
		const struct dt_process *rp = &rec->process;

		dnstrail__v1__process__init(p);
		p->pid = rp->pid;
		p->tid = rp->tid;
		p->ppid = rp->ppid;
		p->uid = rp->uid;
		p->gid = rp->gid;
		/* Fixed arrays are NUL-terminated by the producer (record.h). */
		p->name = (char *)rp->name;
		p->thread_name = (char *)rp->thread_name;
		p->exe = (char *)rp->exe;
		p->cgroup_id = rp->cgroup_id;
		p->container_id = (char *)rp->container_id;
		tx->process = p;
	}

	dnstrail__v1__network__init(net);
	net->family = rec->family == 6	 ? DNSTRAIL__V1__FAMILY__FAMILY_IPV6
		      : rec->family == 4 ? DNSTRAIL__V1__FAMILY__FAMILY_IPV4
					 : DNSTRAIL__V1__FAMILY__FAMILY_UNSPECIFIED;
	net->transport = (Dnstrail__V1__Transport)rec->transport;
	if (rec->family == 4 || rec->family == 6) {
		net->src_ip = bytes(rec->src_ip, alen);
		net->dst_ip = bytes(rec->dst_ip, alen);
	}
	net->src_port = rec->src_port;
	net->dst_port = rec->dst_port;
	net->netns = rec->netns;
	net->ifindex = rec->ifindex;
	tx->network = net;

	if (rec->query)
		tx->query = fill_dns(&enc->query, rec->query);
	if (rec->response)
		tx->response = fill_dns(&enc->response, rec->response);
	tx->query_size = (uint32_t)rec->query_wire_len;
	tx->response_size = (uint32_t)rec->response_wire_len;
	if (include_wire) {
		tx->query_wire = bytes(rec->query_wire, rec->query_wire_len);
		tx->response_wire = bytes(rec->response_wire, rec->response_wire_len);
	}
	tx->tag = str(rec->tag);
	tx->host_name = str(rec->host_name);

	enc->env.sequence = sequence;
	enc->env.sent_time_ns = now_ns;
	enc->env.body_case = DNSTRAIL__V1__ENVELOPE__BODY_TRANSACTION;
	enc->env.transaction = tx;
	return pack_envelope(enc, buf);
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
