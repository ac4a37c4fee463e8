/* SPDX-License-Identifier: MIT */
/*
 * Packets to transactions. Hot path: no allocation; one reused dns_msg for
 * the packet's message and one for re-decoding a stored query at emit time.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/copy.h"
#include "core/engine.h"
#include "core/ip_defrag.h"
#include "core/stats.h"
#include "core/tcp_reasm.h"
#include "core/txn_proc.h"
#include "core/txn_table.h"

#define DEFAULT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)
#define DEFAULT_MAX_PENDING 65536
#define DEFAULT_MAX_TCP_FLOWS 4096
#define DEFAULT_MAX_TCP_BUFFER 65537
#define DEFAULT_TCP_IDLE_NS (30ull * 1000 * 1000 * 1000)
/* IP reassembly: datagrams in flight, bytes buffered, give-up time */
#define DEFRAG_DATAGRAMS 64
#define DEFRAG_BYTES (1u << 20)
#define DEFRAG_TIMEOUT_NS (2ull * 1000 * 1000 * 1000)

struct dt_engine {
	struct dt_engine_config cfg;
	struct dt_txn_table *txns;
	struct dt_tcp_reasm *tcp;
	struct dt_ip_defrag *frags; /* fragmented UDP responses (EDNS > MTU) */
	struct dns_msg *msg; /* the message being handled */
	struct dns_msg *qmsg; /* a stored query, re-decoded for its record */
	const struct dt_txn *qmsg_txn; /* qmsg already holds this pending query */
	struct dt_record rec;
	struct dt_process proc; /* a sender's identity, before it is packed */
	struct dt_txn_idents *idents; /* identities shared by pending queries */
	uint64_t now_ns;
	bool cut; /* the message being handled is only a captured prefix */
};

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static size_t addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static void emit(struct dt_engine *e, struct dt_record *rec)
{
	rec->tag = e->cfg.tag;
	rec->host_name = e->cfg.host_name;
	dt_stats_add(&dt_stats.transactions, 1);
	if (rec->status == DT_STATUS_TIMEOUT)
		dt_stats_add(&dt_stats.timeouts, 1);
	else if (rec->status == DT_STATUS_ORPHAN_RESPONSE)
		dt_stats_add(&dt_stats.orphan_responses, 1);
	if (e->cfg.emit)
		e->cfg.emit(rec, e->cfg.emit_user);
}

static bool udp_cut(const struct dt_packet *pkt)
{
	return (pkt->flags & DT_PKT_TRUNCATED) || pkt->orig_len > pkt->payload_len;
}

/* What a lookup may leave unwritten, zeroed: only what dt_txn_proc_plan() and
 * the record read (strings up to their NUL), not the whole 400 bytes. */
static void clear_process(struct dt_process *proc)
{
	proc->ppid = 0;
	proc->cgroup_id = 0;
	memset(proc->name, 0, sizeof(proc->name));
	proc->exe[0] = '\0';
	proc->container_id[0] = '\0';
}

/* Identity of the sender: the kernel's view at send time (ids, thread
 * name) over whatever the lookup adds (process name, exe, parent). */
static bool fill_process(struct dt_engine *e, const struct dt_packet *pkt, struct dt_process *proc)
{
	if (!(pkt->flags & DT_PKT_HAS_PROCESS))
		return false;
	clear_process(proc);
	if (e->cfg.process_lookup &&
	    e->cfg.process_lookup(pkt->pid, pkt->tid, proc, e->cfg.process_lookup_user) < 0)
		clear_process(proc);
	proc->pid = pkt->pid;
	proc->tid = pkt->tid;
	proc->uid = pkt->uid;
	proc->gid = pkt->gid;
	memcpy(proc->thread_name, pkt->comm, sizeof(proc->thread_name));
	proc->thread_name[sizeof(proc->thread_name) - 1] = '\0';
	/* The main thread's comm is the process name as of this packet: a
	 * lookup that disagrees predates an exec, its executable too. */
	if (pkt->pid == pkt->tid && strncmp(proc->name, proc->thread_name, sizeof(proc->name))) {
		if (proc->name[0])
			proc->exe[0] = '\0';
		memcpy(proc->name, proc->thread_name, sizeof(proc->name));
	}
	if (!proc->cgroup_id)
		proc->cgroup_id = pkt->cgroup_id;
	return true;
}

static uint32_t packet_rec_flags(const struct dt_packet *pkt, bool cut, bool response)
{
	uint32_t flags = 0;

	if (cut)
		flags |= response ? DT_REC_RESPONSE_TRUNCATED : DT_REC_QUERY_TRUNCATED;
	if (pkt->flags & DT_PKT_NONLINEAR)
		flags |= DT_REC_NONLINEAR;
	return flags;
}

/*
 * Keep at most DT_TXN_WIRE_MAX bytes of a query. A longer one (big EDNS
 * options) keeps its header and question, with the other counts zeroed, so
 * it still re-decodes; 12 (the header alone) if even that does not fit.
 * Returns the length to store (store_query() stores it).
 */
static uint16_t query_keep_len(const uint8_t *wire, size_t len)
{
	size_t off = 12;

	if (len <= DT_TXN_WIRE_MAX)
		return (uint16_t)len;
	while (off < DT_TXN_WIRE_MAX - 4 && wire[off] && (wire[off] & 0xc0) == 0)
		off += 1 + wire[off];
	if (off < DT_TXN_WIRE_MAX - 4 && (wire[off] & 0xc0) == 0xc0)
		off += 2;
	else
		off += 1;
	off += 4;
	if (off > DT_TXN_WIRE_MAX || off > len)
		return 12;
	return (uint16_t)off;
}

static void store_query(uint8_t *dst, const uint8_t *wire, size_t len, uint16_t keep)
{
	dt_copy_bytes(dst, wire, keep);
	if (keep == len)
		return;
	if (keep == 12) {
		memset(dst + 4, 0, 8); /* header only */
		return;
	}
	dst[4] = 0;
	dst[5] = 1;
	memset(dst + 6, 0, 6);
}

static const char *txn_qname(const struct dt_txn *txn)
{
	return (const char *)txn->bytes + txn->qtext_off;
}

/* An entry goes: its shared identity loses a reference. */
static void txn_remove(struct dt_engine *e, struct dt_txn *txn)
{
	dt_txn_idents_put(e->idents, txn->ident);
	txn->ident = 0;
	dt_txn_remove(e->txns, txn);
}

/* Bytes for a pending entry; when the budget is spent, the oldest entries go
 * as a full table makes them go (never `keep`). NULL only if nothing older
 * than `keep` is left to evict. */
static uint8_t *txn_bytes(struct dt_engine *e, size_t n, const struct dt_txn *keep);

/*
 * The question's text goes behind the stored query bytes when it fits (a
 * query is rarely longer than 100 bytes): the response's question, the same
 * bytes as a rule, and the query's own re-decode share it (dns_decode_with)
 * instead of presenting the name twice more.
 */
static size_t qname_keep_len(const struct dns_msg *m, uint16_t wire_len)
{
	size_t n;

	if (!m->has_question || !m->qname)
		return 0;
	n = strlen(m->qname) + 1;
	return n > (size_t)(DT_TXN_WIRE_MAX - wire_len) ? 0 : n;
}

static void keep_qname(struct dt_txn *txn, const struct dns_msg *m, size_t n)
{
	txn->qtext_off = 0;
	if (!n)
		return;
	dt_copy_bytes(txn->bytes + txn->wire_len, m->qname, n);
	txn->qtext_off = txn->wire_len;
	txn->qhead.qtype = m->qtype;
	txn->qhead.qclass = m->qclass;
}

/* A query kept whole and without records needs no decode for its record. */
static void keep_qhead(struct dt_txn *txn, const struct dns_msg *m, size_t len)
{
	txn->has_qhead = txn->qtext_off && txn->wire_len == len && !txn->malformed &&
			 dns_msg_head_get(m, &txn->qhead);
}

/* dns_decode_with() keeping the configured record sections; ref_* as in
 * dns_decode_qname() (NULL: none). */
static int decode_msg(const struct dt_engine *e, const uint8_t *wire, size_t len, struct dns_msg *msg,
		  const uint8_t *ref_wire, size_t ref_len, const char *ref_qname)
{
	struct dns_decode_opts o = {.keep = e->cfg.decode_keep,
				    .ref_wire = ref_wire,
				    .ref_len = ref_len,
				    .ref_qname = ref_qname};

	return dns_decode_with(wire, len, msg, &o);
}

/*
 * The stored query, decoded as on arrival, into qmsg. The latest one still
 * is: no second decode when its response comes next (one question at a
 * time). One without records is rebuilt from what was kept (keep_qhead);
 * another one is decoded, the text of its question kept (keep_qname) or
 * shared with the response's (rwire, decoded in msg). It decoded when it
 * arrived; a fault now can only be a cut capture.
 */
static void query_msg(struct dt_engine *e, const struct dt_txn *txn, const uint8_t *rwire,
		      size_t rlen)
{
	if (e->qmsg_txn == txn)
		return;
	if (txn->has_qhead)
		dns_msg_head_put(e->qmsg, &txn->qhead, txn_qname(txn));
	else if (txn->qtext_off)
		decode_msg(e, txn->bytes, txn->wire_len, e->qmsg, txn->bytes, txn->wire_len,
			   txn_qname(txn));
	else if (rwire && e->msg->has_question)
		decode_msg(e, txn->bytes, txn->wire_len, e->qmsg, rwire, rlen, e->msg->qname);
	else
		decode_msg(e, txn->bytes, txn->wire_len, e->qmsg, NULL, 0, NULL);
}

/* A record from a pending query, with or without its response. */
static void emit_txn(struct dt_engine *e, const struct dt_txn *txn, enum dt_status status,
		     const struct dt_packet *rpkt, const uint8_t *rwire, size_t rlen)
{
	struct dt_record *rec = &e->rec;
	size_t alen = addr_len(txn->key.family);

	memset(rec, 0, sizeof(*rec));
	/* A bad query's transaction stays malformed, answered or not. */
	rec->status = txn->malformed ? DT_STATUS_MALFORMED : status;
	rec->query_ts_ns = txn->ts_ns;
	rec->flags = txn->flags;
	rec->has_process = txn->has_process;
	if (txn->has_process)
		dt_txn_proc_unpack(e->idents, txn->ident, txn->bytes + txn->proc_off,
				   &rec->process);
	rec->family = txn->key.family;
	rec->transport = txn->key.transport;
	memcpy(rec->src_ip, txn->key.cli_ip, alen);
	memcpy(rec->dst_ip, txn->key.srv_ip, alen);
	rec->src_port = txn->key.cli_port;
	rec->dst_port = txn->key.srv_port;
	rec->netns = txn->netns;
	rec->ifindex = txn->ifindex;
	query_msg(e, txn, rpkt ? rwire : NULL, rlen);
	e->qmsg_txn = NULL;
	rec->query = e->qmsg;
	rec->query_wire = txn->bytes;
	rec->query_wire_len = txn->wire_len;
	if (rpkt) {
		rec->response_ts_ns = rpkt->ts_ns;
		rec->response = e->msg;
		rec->response_wire = rwire;
		rec->response_wire_len = rlen;
		rec->flags |= packet_rec_flags(rpkt, e->cut, true);
	}
	emit(e, rec);
}

static void expire_pending(struct dt_engine *e)
{
	struct dt_txn *txn;

	/* every packet comes here: the deadline is read without the entry */
	while (e->now_ns >= e->cfg.timeout_ns &&
	       dt_txn_oldest_ts(e->txns) <= e->now_ns - e->cfg.timeout_ns &&
	       (txn = dt_txn_oldest(e->txns))) {
		emit_txn(e, txn, DT_STATUS_TIMEOUT, NULL, NULL, 0);
		txn_remove(e, txn);
	}
}

/* 8 key bytes: the first 4 of an IPv4 address, then zeros. */
static uint64_t ipv4_word(const uint8_t *a)
{
	uint32_t v;

	memcpy(&v, a, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint64_t)v << 32;
#else
	return v;
#endif
}

static uint64_t word_at(const uint8_t *a)
{
	uint64_t v;

	memcpy(&v, a, sizeof(v));
	return v;
}

/*
 * The key, written as five 8-byte words: dt_txn_key_hash() reads it back as
 * such, and a word gathered from narrower stores (a byte, a port, 4 address
 * bytes) cannot be forwarded from the store buffer: a stall of ~15 cycles
 * per word, the hash's main cost before.
 */
static void fill_key(struct dt_txn_key *key, const struct dt_packet *pkt, uint16_t id,
		     bool response)
{
	const uint8_t *cli = response ? pkt->daddr : pkt->saddr;
	const uint8_t *srv = response ? pkt->saddr : pkt->daddr;
	uint64_t cli_port = response ? pkt->dport : pkt->sport;
	uint64_t srv_port = response ? pkt->sport : pkt->dport;
	uint64_t w0, w1, w2 = 0, w3, w4 = 0;
	uint8_t *k = (uint8_t *)key;

	_Static_assert(offsetof(struct dt_txn_key, cli_port) == 4 &&
			       offsetof(struct dt_txn_key, cli_ip) == 8 &&
			       offsetof(struct dt_txn_key, srv_ip) == 24 && sizeof(*key) == 40,
		       "key words");
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w0 = (uint64_t)pkt->family << 56 | (uint64_t)pkt->transport << 48 | (uint64_t)id << 32 |
	     cli_port << 16 | srv_port;
#else
	w0 = pkt->family | (uint64_t)pkt->transport << 8 | (uint64_t)id << 16 | cli_port << 32 |
	     srv_port << 48;
#endif
	if (pkt->family == 4) {
		w1 = ipv4_word(cli);
		w3 = ipv4_word(srv);
	} else {
		w1 = word_at(cli);
		w2 = word_at(cli + 8);
		w3 = word_at(srv);
		w4 = word_at(srv + 8);
	}
	/* one store per word, from registers (no copy through the stack, which
	 * would itself miss forwarding) */
	memcpy(k, &w0, 8);
	memcpy(k + 8, &w1, 8);
	memcpy(k + 16, &w2, 8);
	memcpy(k + 24, &w3, 8);
	memcpy(k + 32, &w4, 8);
}

static uint64_t msg_qhash(const struct dns_msg *msg)
{
	if (!msg->has_question)
		return 0;
	return dt_txn_question_hash(msg->qname, msg->qtype, msg->qclass);
}

/*
 * The query just decoded into e->msg becomes e->qmsg, as decoding
 * txn->wire would make it: same bytes (when stored whole), so the same
 * result once rdata points into the stored copy instead of the packet.
 */
static void keep_decoded_query(struct dt_engine *e, const struct dt_txn *txn, const uint8_t *wire,
			       size_t len)
{
	struct dns_msg *m = e->msg;

	e->qmsg_txn = NULL;
	if (txn->wire_len != len)
		return;
	for (unsigned i = 0; i < m->n_rr && i < DNS_MAX_RR; i++)
		if (m->rr[i].rdata)
			m->rr[i].rdata = txn->bytes + (m->rr[i].rdata - wire);
	e->msg = e->qmsg;
	e->qmsg = m;
	e->qmsg_txn = txn;
}

/* A full table (or a spent byte budget) makes room: the oldest pending
 * query is written as a timeout. */
static void evict_oldest(struct dt_engine *e)
{
	struct dt_txn *txn = dt_txn_oldest(e->txns);

	if (!txn)
		return;
	dt_stats_add(&dt_stats.table_evictions, 1);
	emit_txn(e, txn, DT_STATUS_TIMEOUT, NULL, NULL, 0);
	txn_remove(e, txn);
}

static uint8_t *txn_bytes(struct dt_engine *e, size_t n, const struct dt_txn *keep)
{
	uint8_t *b;
	struct dt_txn *old;

	while (!(b = dt_txn_bytes_get(e->txns, n))) {
		old = dt_txn_oldest(e->txns);
		if (!old || old == keep)
			return NULL;
		evict_oldest(e);
	}
	return b;
}

/* A later copy of a query brings the process its first copy lacked: the
 * entry's bytes move to a block with room for the identity behind them. */
static void attach_process(struct dt_engine *e, struct dt_txn *txn, const struct dt_packet *pkt)
{
	size_t len = txn->wire_len;
	struct dt_txn_proc_plan pl;
	uint8_t *bytes;

	if (!fill_process(e, pkt, &e->proc))
		return;
	if (txn->qtext_off)
		len = txn->qtext_off + strlen(txn_qname(txn)) + 1;
	dt_txn_proc_plan(e->idents, &e->proc, &pl);
	bytes = txn_bytes(e, len + pl.size, txn);
	if (!bytes) {
		dt_txn_idents_put(e->idents, pl.ident);
		return; /* the budget is spent on this very query: no identity */
	}
	dt_copy_bytes(bytes, txn->bytes, len);
	dt_txn_bytes_put(e->txns, txn->bytes);
	txn->bytes = bytes;
	/* a query decoded from the old bytes points into them */
	if (e->qmsg_txn == txn)
		e->qmsg_txn = NULL;
	dt_txn_proc_pack(bytes + len, &e->proc, &pl);
	txn->proc_off = (uint16_t)len;
	txn->ident = pl.ident;
	txn->has_process = true;
}

/* A query waits for its response; a malformed one too (header readable),
 * so the two make one record. */
static void on_query(struct dt_engine *e, const uint8_t *wire, size_t len,
		     const struct dt_packet *pkt, bool malformed)
{
	const struct dt_txn_recent *recent;
	struct dt_txn_key key;
	struct dt_txn *txn;
	uint64_t hash, qhash;
	uint16_t keep;
	size_t qn, size, proc_off = 0;
	struct dt_txn_proc_plan pl;
	bool has_process;
	uint8_t *bytes;

	pl.ident = 0;
	fill_key(&key, pkt, e->msg->id, false);
	hash = dt_txn_key_hash(e->txns, &key);
	qhash = msg_qhash(e->msg);

	txn = dt_txn_find(e->txns, &key, hash, qhash);
	if (txn) {
		/* The same query again: a copy from another hop, or a resend. */
		if (absdiff(pkt->ts_ns, txn->ts_ns) < DT_ENGINE_DUP_WINDOW_NS)
			dt_stats_add(&dt_stats.duplicates, 1);
		else
			txn->flags |= DT_REC_RETRANSMITTED;
		if (!txn->has_process)
			attach_process(e, txn, pkt);
		return;
	}
	recent = dt_txn_recent_find(e->txns, &key, hash);
	if (recent && recent->query_ts_ns && (!qhash || recent->qhash == qhash) &&
	    absdiff(pkt->ts_ns, recent->query_ts_ns) < DT_ENGINE_DUP_WINDOW_NS) {
		/* A late copy of a query already answered. */
		dt_stats_add(&dt_stats.duplicates, 1);
		return;
	}
	if (dt_txn_full(e->txns))
		evict_oldest(e);
	has_process = fill_process(e, pkt, &e->proc);
	keep = query_keep_len(wire, len);
	qn = qname_keep_len(e->msg, keep);
	size = keep + qn;
	if (has_process) {
		proc_off = size;
		dt_txn_proc_plan(e->idents, &e->proc, &pl);
		size += pl.size;
	}
	bytes = txn_bytes(e, size, NULL);
	txn = bytes ? dt_txn_insert(e->txns, &key, hash, qhash, pkt->ts_ns) : NULL;
	if (!txn) {
		/* cannot happen: an empty table has the whole budget, a free slot */
		dt_txn_bytes_put(e->txns, bytes);
		dt_txn_idents_put(e->idents, pl.ident);
		return;
	}
	txn->bytes = bytes;
	txn->netns = pkt->netns;
	txn->ifindex = pkt->ifindex;
	txn->flags = packet_rec_flags(pkt, e->cut, false);
	txn->malformed = malformed;
	store_query(bytes, wire, len, keep);
	txn->wire_len = keep;
	if (keep < len)
		txn->flags |= DT_REC_QUERY_TRUNCATED;
	keep_qname(txn, e->msg, qn);
	keep_qhead(txn, e->msg, len);
	keep_decoded_query(e, txn, wire, len);
	if (has_process) {
		dt_txn_proc_pack(bytes + proc_off, &e->proc, &pl);
		txn->proc_off = (uint16_t)proc_off;
		txn->ident = pl.ident;
		txn->has_process = true;
	}
}

/* A record of a response alone: its destination is the client. */
static void emit_response(struct dt_engine *e, enum dt_status status, const struct dt_packet *pkt,
			  const uint8_t *wire, size_t len)
{
	struct dt_record *rec = &e->rec;
	size_t alen = addr_len(pkt->family);

	memset(rec, 0, sizeof(*rec));
	rec->status = status;
	rec->response_ts_ns = pkt->ts_ns;
	rec->flags = packet_rec_flags(pkt, e->cut, true);
	rec->family = pkt->family;
	rec->transport = pkt->transport;
	memcpy(rec->src_ip, pkt->daddr, alen);
	memcpy(rec->dst_ip, pkt->saddr, alen);
	rec->src_port = pkt->dport;
	rec->dst_port = pkt->sport;
	rec->netns = pkt->netns;
	rec->ifindex = pkt->ifindex;
	rec->response = e->msg;
	rec->response_wire = wire;
	rec->response_wire_len = len;
	emit(e, rec);
}

/* A response's key, and a pending query with that key found before decoding. */
struct resp_ctx {
	struct dt_txn_key key;
	uint64_t hash;
	struct dt_txn *hint; /* first pending query with the key, any question; NULL if none */
};

/* The pending query this response answers becomes one record; false if none is. */
static bool answer_pending(struct dt_engine *e, const struct resp_ctx *rc, uint64_t qhash,
			   enum dt_status status, const struct dt_packet *pkt, const uint8_t *wire,
			   size_t len)
{
	struct dt_txn *txn = rc->hint;

	/* dt_txn_find() would return the hint itself when its question fits */
	if (!txn || (qhash && txn->qhash && txn->qhash != qhash))
		txn = dt_txn_find(e->txns, &rc->key, rc->hash, qhash);
	if (!txn)
		return false;
	emit_txn(e, txn, status, pkt, wire, len);
	dt_txn_recent_add(e->txns, &rc->key, rc->hash, txn->qhash, txn->ts_ns, pkt->ts_ns);
	txn_remove(e, txn);
	return true;
}

/* The response's question hash: the hint's when the question is its, shared. */
static uint64_t response_qhash(const struct dns_msg *m, const struct dt_txn *hint)
{
	if (hint && hint->qtext_off && m->has_question && m->qname == txn_qname(hint) &&
	    m->qtype == hint->qhead.qtype && m->qclass == hint->qhead.qclass)
		return hint->qhash;
	return msg_qhash(m);
}

static void on_response(struct dt_engine *e, const uint8_t *wire, size_t len,
			const struct dt_packet *pkt, const struct resp_ctx *rc)
{
	const struct dt_txn_recent *recent;
	uint64_t qhash = response_qhash(e->msg, rc->hint);

	if (answer_pending(e, rc, qhash, DT_STATUS_OK, pkt, wire, len))
		return;
	recent = dt_txn_recent_find(e->txns, &rc->key, rc->hash);
	if (recent && (!qhash || !recent->qhash || recent->qhash == qhash) &&
	    absdiff(pkt->ts_ns, recent->response_ts_ns) < DT_ENGINE_RECENT_NS) {
		/* Second copy of a response already emitted. */
		dt_stats_add(&dt_stats.duplicates, 1);
		return;
	}
	dt_txn_recent_add(e->txns, &rc->key, rc->hash, qhash, 0, pkt->ts_ns);

	emit_response(e, DT_STATUS_ORPHAN_RESPONSE, pkt, wire, len);
}

static void on_malformed(struct dt_engine *e, const uint8_t *wire, size_t len,
			 const struct dt_packet *pkt, const struct resp_ctx *rc)
{
	struct dt_record *rec = &e->rec;
	bool response = len >= 3 && (wire[2] & 0x80);
	size_t alen = addr_len(pkt->family);

	/* A bad response still answers its query: one record, not malformed + timeout. */
	if (rc && answer_pending(e, rc, msg_qhash(e->msg), DT_STATUS_MALFORMED, pkt, wire, len))
		return;
	if (response) {
		emit_response(e, DT_STATUS_MALFORMED, pkt, wire, len);
		return;
	}
	if (len >= 12) {
		/* Its id (and question, if readable) still match a response. */
		on_query(e, wire, len, pkt, true);
		return;
	}
	memset(rec, 0, sizeof(*rec));
	rec->status = DT_STATUS_MALFORMED;
	rec->flags = packet_rec_flags(pkt, e->cut, false);
	rec->family = pkt->family;
	rec->transport = pkt->transport;
	rec->netns = pkt->netns;
	rec->ifindex = pkt->ifindex;
	rec->query_ts_ns = pkt->ts_ns;
	rec->query = e->msg;
	rec->query_wire = wire;
	rec->query_wire_len = len;
	memcpy(rec->src_ip, pkt->saddr, alen);
	memcpy(rec->dst_ip, pkt->daddr, alen);
	rec->src_port = pkt->sport;
	rec->dst_port = pkt->dport;
	rec->has_process = fill_process(e, pkt, &rec->process);
	emit(e, rec);
}

/* One whole DNS message, from a UDP datagram or the TCP reassembler. */
static void on_message(const uint8_t *wire, size_t len, bool cut, const struct dt_packet *pkt,
		       void *user)
{
	struct dt_engine *e = user;
	struct resp_ctx rc, *resp = NULL;
	int err;

	e->cut = cut;
	if (len >= 12 && (wire[2] & 0x80)) {
		/* A response: look its query up first, to share its question's text. */
		resp = &rc;
		fill_key(&rc.key, pkt, (uint16_t)(wire[0] << 8 | wire[1]), true);
		rc.hash = dt_txn_key_hash(e->txns, &rc.key);
		rc.hint = dt_txn_find(e->txns, &rc.key, rc.hash, 0);
	}
	if (resp && rc.hint && rc.hint->qtext_off)
		err = decode_msg(e, wire, len, e->msg, rc.hint->bytes, rc.hint->wire_len,
			     txn_qname(rc.hint));
	else
		err = decode_msg(e, wire, len, e->msg, NULL, 0, NULL);
	/* A message cut by the capture still matches if its question is in. */
	if (err < 0 && !(cut && len >= 12 && e->msg->has_question)) {
		dt_stats_add(&dt_stats.malformed, 1);
		on_malformed(e, wire, len, pkt, resp);
		return;
	}
	dt_stats_add(&dt_stats.messages_decoded, 1);
	if (resp)
		on_response(e, wire, len, pkt, resp);
	else
		on_query(e, wire, len, pkt, false);
}

static void on_udp(const struct dt_packet *pkt, void *user)
{
	on_message(pkt->payload, pkt->payload_len, udp_cut(pkt), pkt, user);
}

/* A whole datagram goes on as one UDP packet; a given-up one's first
 * fragment comes back through on_udp, truncated. */
static void on_fragment(struct dt_engine *e, const struct dt_packet *pkt)
{
	struct dt_packet whole;

	dt_ip_defrag_expire(e->frags, e->now_ns);
	if (dt_ip_defrag_add(e->frags, pkt, &whole) == 1)
		on_udp(&whole, e);
}

int dt_engine_new(const struct dt_engine_config *cfg, struct dt_engine **engine)
{
	struct dt_engine *e;

	if (!cfg || !engine || cfg->max_pending > (1u << 26) || cfg->max_tcp_flows > (1u << 24) ||
	    (cfg->max_tcp_buffer && cfg->max_tcp_buffer < 2))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	if (!e->cfg.timeout_ns)
		e->cfg.timeout_ns = DEFAULT_TIMEOUT_NS;
	if (!e->cfg.max_pending)
		e->cfg.max_pending = DEFAULT_MAX_PENDING;
	if (!e->cfg.max_tcp_flows)
		e->cfg.max_tcp_flows = DEFAULT_MAX_TCP_FLOWS;
	if (!e->cfg.max_tcp_buffer)
		e->cfg.max_tcp_buffer = DEFAULT_MAX_TCP_BUFFER;
	if (!e->cfg.tcp_idle_ns)
		e->cfg.tcp_idle_ns = DEFAULT_TCP_IDLE_NS;

	e->msg = malloc(sizeof(*e->msg));
	e->qmsg = malloc(sizeof(*e->qmsg));
	e->idents = dt_txn_idents_new();
	if (!e->msg || !e->qmsg || !e->idents)
		goto err_free_engine;
	e->txns = dt_txn_table_new_budget(e->cfg.max_pending, e->cfg.max_pending_bytes);
	if (!e->txns)
		goto err_free_engine;
	e->frags = dt_ip_defrag_new(DEFRAG_DATAGRAMS, DEFRAG_BYTES, DEFRAG_TIMEOUT_NS, on_udp, e);
	if (!e->frags)
		goto err_free_engine;
	e->tcp = dt_tcp_reasm_new(e->cfg.max_tcp_flows, e->cfg.max_tcp_buffer, e->cfg.tcp_idle_ns,
				  on_message, e);
	if (!e->tcp)
		goto err_free_engine;
	*engine = e;
	return 0;

err_free_engine:
	dt_engine_free(e);
	return -ENOMEM;
}

void dt_engine_packet(struct dt_engine *e, const struct dt_packet *pkt)
{
	dt_stats_add(&dt_stats.packets_captured, 1);
	if (pkt->ts_ns > e->now_ns) {
		e->now_ns = pkt->ts_ns;
		expire_pending(e);
	}
	if (pkt->family != 4 && pkt->family != 6)
		return;
	if (pkt->transport == DT_TRANSPORT_UDP && (pkt->flags & DT_PKT_FRAGMENT)) {
		on_fragment(e, pkt);
	} else if (pkt->transport == DT_TRANSPORT_UDP) {
		/* a reply to a query still in reassembly: the query's first
		 * fragment goes on first, so the two still make one transaction */
		dt_ip_defrag_answered(e->frags, pkt);
		on_message(pkt->payload, pkt->payload_len, udp_cut(pkt), pkt, e);
	} else if (pkt->transport == DT_TRANSPORT_TCP) {
		dt_tcp_reasm_segment(e->tcp, pkt);
	}
}

void dt_engine_tick(struct dt_engine *e, uint64_t now_ns)
{
	if (now_ns > e->now_ns)
		e->now_ns = now_ns;
	expire_pending(e);
	dt_tcp_reasm_expire(e->tcp, e->now_ns);
	dt_ip_defrag_expire(e->frags, e->now_ns);
}

void dt_engine_flush(struct dt_engine *e)
{
	struct dt_txn *txn;

	dt_tcp_reasm_close_all(e->tcp);
	dt_ip_defrag_flush(e->frags);
	while ((txn = dt_txn_oldest(e->txns))) {
		emit_txn(e, txn, DT_STATUS_TIMEOUT, NULL, NULL, 0);
		txn_remove(e, txn);
	}
}

void dt_engine_set_emit(struct dt_engine *e, dt_emit_fn emit, void *user)
{
	e->cfg.emit = emit;
	e->cfg.emit_user = user;
}

void dt_engine_free(struct dt_engine *e)
{
	if (!e)
		return;
	dt_tcp_reasm_free(e->tcp);
	dt_ip_defrag_free(e->frags);
	dt_txn_table_free(e->txns);
	dt_txn_idents_free(e->idents);
	free(e->qmsg);
	free(e->msg);
	free(e);
}
