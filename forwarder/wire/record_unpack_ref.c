/* SPDX-License-Identifier: MIT */
/*
 * The reference decoder: protobuf-c unpacks the Envelope (into msg's arena),
 * then its structs are copied into struct dt_record + struct dns_msg.
 * Strings are copied into dns_msg.text (the decoder's contract for struct
 * dns_msg); raw bytes stay in the unpacked envelope. dt_wire_decode() uses
 * it for the frames the fast decoder leaves to it (record_unpack.h); the
 * tests hold the fast one to it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnstrail/v1/dnstrail.pb-c.h"
#include "wire/record_arena.h"
#include "wire/record_proto.h"
#include "wire/record_unpack.h"

/* protobuf-c's frees are no-ops: the arena is reset per message. */
static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static const char *keep(struct dns_msg *m, const char *s, int *err)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (m->text_used + n > sizeof(m->text)) {
		*err = -ENOSPC;
		return "";
	}
	p = m->text + m->text_used;
	memcpy(p, s, n);
	m->text_used += n;
	return p;
}

/* NULL for "" where struct dns_msg uses NULL to mean absent. */
static const char *keep_opt(struct dns_msg *m, const char *s, int *err)
{
	return s && *s ? keep(m, s, err) : NULL;
}

static void add_rrs(struct dns_msg *m, Dnstrail__V1__ResourceRecord **rrs, size_t n,
		    enum dns_section section, uint16_t *kept, int *err)
{
	for (size_t i = 0; i < n; i++) {
		const Dnstrail__V1__ResourceRecord *p = rrs[i];
		struct dns_rr *rr;

		if (m->n_rr >= DNS_MAX_RR) {
			m->rr_truncated = true;
			return;
		}
		rr = &m->rr[m->n_rr++];
		rr->name = keep(m, p->name, err);
		rr->data = keep(m, p->data, err);
		rr->rdata = p->rdata.len ? p->rdata.data : NULL;
		rr->rdlength = p->rdata.len > UINT16_MAX ? UINT16_MAX : (uint16_t)p->rdata.len;
		rr->ttl = p->ttl;
		rr->type = (uint16_t)p->type;
		rr->rclass = (uint16_t)p->class_;
		rr->section = (uint8_t)section;
		(*kept)++;
	}
}

static int unpack_dns(const Dnstrail__V1__DnsMessage *p, struct dns_msg *m)
{
	int err = 0;

	/* Everything but the (large) text storage. */
	memset(m, 0, offsetof(struct dns_msg, text));
	m->id = (uint16_t)p->id;
	m->flags = (uint16_t)p->flags;
	m->opcode = (uint8_t)p->opcode;
	m->rcode = (uint16_t)p->rcode;
	m->qdcount = (uint16_t)p->qdcount;
	m->ancount = (uint16_t)p->ancount;
	m->nscount = (uint16_t)p->nscount;
	m->arcount = (uint16_t)p->arcount;
	if (p->question) {
		m->has_question = true;
		m->qname = keep(m, p->question->name, &err);
		m->qtype = (uint16_t)p->question->type;
		m->qclass = (uint16_t)p->question->class_;
	}
	add_rrs(m, p->answers, p->n_answers, DNS_SECTION_ANSWER, &m->n_answer, &err);
	add_rrs(m, p->authorities, p->n_authorities, DNS_SECTION_AUTHORITY, &m->n_authority, &err);
	add_rrs(m, p->additionals, p->n_additionals, DNS_SECTION_ADDITIONAL, &m->n_additional,
		&err);
	m->rr_truncated = m->rr_truncated || p->rr_truncated;
	m->edns.ede_code = -1;
	if (p->edns) {
		const Dnstrail__V1__Edns *e = p->edns;

		m->edns.present = true;
		m->edns.dnssec_ok = e->dnssec_ok;
		m->edns.version = (uint8_t)e->version;
		m->edns.udp_size = (uint16_t)e->udp_size;
		m->edns.ext_rcode_hi = (uint8_t)e->ext_rcode_hi;
		m->edns.ede_code = e->has_ede ? (int32_t)(e->ede_code & 0xffff) : -1;
		m->edns.ede_text = e->has_ede ? keep_opt(m, e->ede_text, &err) : NULL;
		m->edns.client_subnet = keep_opt(m, e->client_subnet, &err);
		m->edns.cookie = keep_opt(m, e->cookie, &err);
	}
	m->error = p->error;
	m->error_text = keep_opt(m, p->error_text, &err);
	return err;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static int unpack_transaction(const Dnstrail__V1__Transaction *tx, struct dt_wire_msg *msg)
{
	struct dt_record *rec = &msg->rec;
	int err = 0;

	memset(rec, 0, sizeof(*rec));
	/* A status from a newer publisher: no better name for it here. */
	rec->status = tx->status <= DNSTRAIL__V1__STATUS__STATUS_MALFORMED
			  ? (enum dt_status)tx->status
			  : DT_STATUS_MALFORMED;
	rec->query_ts_ns = tx->query_time_ns;
	rec->response_ts_ns = tx->response_time_ns;
	rec->flags = tx->flags;
	if (tx->process) {
		const Dnstrail__V1__Process *p = tx->process;
		struct dt_process *rp = &rec->process;

		rec->has_process = true;
		rp->pid = p->pid;
		rp->tid = p->tid;
		rp->ppid = p->ppid;
		rp->uid = p->uid;
		rp->gid = p->gid;
		copy_str(rp->name, sizeof(rp->name), p->name);
		copy_str(rp->thread_name, sizeof(rp->thread_name), p->thread_name);
		copy_str(rp->exe, sizeof(rp->exe), p->exe);
		rp->cgroup_id = p->cgroup_id;
		copy_str(rp->container_id, sizeof(rp->container_id), p->container_id);
	}
	if (tx->network) {
		const Dnstrail__V1__Network *n = tx->network;

		rec->family = n->family == DNSTRAIL__V1__FAMILY__FAMILY_IPV6   ? 6
			      : n->family == DNSTRAIL__V1__FAMILY__FAMILY_IPV4 ? 4
									       : 0;
		rec->transport = (uint8_t)n->transport;
		if (n->src_ip.len)
			memcpy(rec->src_ip, n->src_ip.data,
			       n->src_ip.len < 16 ? n->src_ip.len : 16);
		if (n->dst_ip.len)
			memcpy(rec->dst_ip, n->dst_ip.data,
			       n->dst_ip.len < 16 ? n->dst_ip.len : 16);
		rec->src_port = (uint16_t)n->src_port;
		rec->dst_port = (uint16_t)n->dst_port;
		rec->netns = n->netns;
		rec->ifindex = n->ifindex;
	}
	if (tx->query) {
		int e = unpack_dns(tx->query, &msg->query);

		err = err ? err : e;
		rec->query = &msg->query;
	}
	if (tx->response) {
		int e = unpack_dns(tx->response, &msg->response);

		err = err ? err : e;
		rec->response = &msg->response;
	}
	/* Without the bytes (include_wire: false) the sizes still travel: the
	 * formatters print them (dnstrail.query_size). */
	rec->query_wire_len = tx->query_wire.len ? tx->query_wire.len : tx->query_size;
	rec->query_wire = tx->query_wire.len ? tx->query_wire.data : NULL;
	rec->response_wire_len = tx->response_wire.len ? tx->response_wire.len : tx->response_size;
	rec->response_wire = tx->response_wire.len ? tx->response_wire.data : NULL;
	rec->tag = *tx->tag ? tx->tag : NULL;
	rec->host_name = *tx->host_name ? tx->host_name : NULL;
	return err;
}

static void unpack_stats(const Dnstrail__V1__Stats *s, struct dt_wire_msg *msg)
{
	struct dt_stats *st = &msg->stats;

	msg->session.uptime_ns = s->uptime_ns;
	msg->session.published = s->session_published;
	msg->session.dropped = s->session_dropped;
	st->packets_captured = s->packets_captured;
	st->messages_decoded = s->messages_decoded;
	st->malformed = s->malformed;
	st->transactions = s->transactions;
	st->timeouts = s->timeouts;
	st->orphan_responses = s->orphan_responses;
	st->kernel_drops = s->kernel_drops;
	st->events_published = s->events_published;
	st->output_drops = s->output_drops;
	st->filtered = s->filtered;
	st->duplicates = s->duplicates;
	st->table_evictions = s->table_evictions;
	st->tcp_reassembly_drops = s->tcp_reassembly_drops;
	st->tcp_flow_evictions = s->tcp_flow_evictions;
	st->tcp_gaps = s->tcp_gaps;
	/* By name: also the counters newer than the typed fields. */
	for (size_t i = 0; i < s->n_counters; i++) {
		for (size_t j = 0; j < dt_stat_count; j++) {
			if (strcmp(s->counters[i]->key, dt_stat_descs[j].name) == 0) {
				uint64_t v = s->counters[i]->value;

				memcpy((char *)st + dt_stat_descs[j].offset, &v, sizeof(v));
				break;
			}
		}
	}
}

int dt_wire_decode_reference(const uint8_t *data, size_t len, struct dt_wire_msg *msg)
{
	ProtobufCAllocator alloc = {.alloc = dt_wire_arena_alloc, .free = arena_free};
	Dnstrail__V1__Envelope *env;
	int err = 0;

	msg->envelope = NULL;
	msg->kind = DT_WIRE_NONE;
	if (len > DT_WIRE_MAX_MSG)
		return -EMSGSIZE;
	alloc.allocator_data = dt_wire_msg_arena(msg);
	if (!alloc.allocator_data)
		return -ENOMEM;
	env = dnstrail__v1__envelope__unpack(&alloc, len, data);
	if (!env)
		return -EBADMSG;
	msg->envelope = env;
	msg->sequence = env->sequence;
	msg->sent_time_ns = env->sent_time_ns;
	msg->host = "";
	msg->version = "";
	msg->session_id = 0;
	msg->pid = 0;
	msg->start_time_ns = 0;
	if (env->publisher) {
		msg->host = env->publisher->host;
		msg->session_id = env->publisher->session_id;
		msg->version = env->publisher->version;
		msg->pid = env->publisher->pid;
		msg->start_time_ns = env->publisher->start_time_ns;
	}
	switch (env->body_case) {
	case DNSTRAIL__V1__ENVELOPE__BODY_TRANSACTION:
		msg->kind = DT_WIRE_TRANSACTION;
		err = unpack_transaction(env->transaction, msg);
		break;
	case DNSTRAIL__V1__ENVELOPE__BODY_STATS:
		msg->kind = DT_WIRE_STATS;
		memset(&msg->stats, 0, sizeof(msg->stats));
		unpack_stats(env->stats, msg);
		break;
	default:
		/* A body added by a newer publisher: still counts for sequence. */
		msg->kind = DT_WIRE_NONE;
		break;
	}
	return err;
}
