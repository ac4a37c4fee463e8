/* SPDX-License-Identifier: MIT */
/*
 * struct dt_record <-> dnstrail.v1.Envelope (proto/dnstrail/v1/dnstrail.proto).
 *
 * Encoding is on the forwarder's hot path: the encoder keeps every protobuf
 * struct it needs (records, pointer arrays) preallocated and packs into a
 * caller-owned buffer that only grows (up to a bound), so a steady stream of
 * events allocates nothing. Decoding is for subscribers: it rebuilds a
 * struct dt_record and its two struct dns_msg so the forwarder's own
 * formatters (ECS JSON, text) print byte-for-byte the same lines; it is a
 * hand-written single pass (record_unpack.c) held to protobuf-c's results
 * by a differential test, and allocates nothing either once warm.
 *
 * Library code: no logging; 0 or negative errno.
 */
#ifndef DT_WIRE_RECORD_PROTO_H
#define DT_WIRE_RECORD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"
#include "core/stats.h"

/* Largest message we build or accept (two full DNS messages, decoded and raw). */
#define DT_WIRE_MAX_MSG (1024 * 1024)
/* Longest topic: "dns." + rcode + "." + qtype + "." + host + "." */
#define DT_WIRE_TOPIC_MAX 320

/* Who publishes: carried in every envelope. Strings are copied. */
struct dt_wire_publisher {
	const char *host;
	uint64_t session_id; /* random per output start: new value = restart */
	const char *version;
	uint32_t pid;
	uint64_t start_time_ns;
};

/* Caller-owned output buffer, reused across messages; grows up to max. */
struct dt_wire_buf {
	uint8_t *data;
	size_t len; /* bytes of the last message */
	size_t cap;
	size_t max; /* 0 = DT_WIRE_MAX_MSG */
};
void dt_wire_buf_release(struct dt_wire_buf *buf); /* frees data; NULL-safe */

struct dt_wire_encoder;

int dt_wire_encoder_new(const struct dt_wire_publisher *pub, struct dt_wire_encoder **enc);
void dt_wire_encoder_free(struct dt_wire_encoder *enc);

/*
 * Envelope{transaction} for rec with the given sequence number into buf.
 * include_wire: also carry the raw query/response bytes.
 * Returns 0, -EMSGSIZE (bigger than buf->max), -ENOMEM.
 */
int dt_wire_encode_record(struct dt_wire_encoder *enc, uint64_t sequence, uint64_t now_ns,
			  const struct dt_record *rec, bool include_wire, struct dt_wire_buf *buf);

/* The publisher's own counters for this session, sent with the global ones. */
struct dt_wire_session_counts {
	uint64_t uptime_ns;
	uint64_t published;
	uint64_t dropped;
};

/* Envelope{stats}: the counters of core/stats.h plus this session's counts. */
int dt_wire_encode_stats(struct dt_wire_encoder *enc, uint64_t sequence, uint64_t now_ns,
			 const struct dt_stats *stats, const struct dt_wire_session_counts *sc,
			 struct dt_wire_buf *buf);

/*
 * Topic of a DNS event: "dns.<RCODE>.<QTYPE>.<host>." (contract), e.g.
 * "dns.NXDOMAIN.A.web01.". RCODE is the response's mnemonic (also for orphan
 * responses), "TIMEOUT" for an unanswered query, "MALFORMED" for a message
 * that did not decode; QTYPE is "TYPE65280" for unknown types, "NONE" without
 * a question. host is rec->host_name, else fallback_host. Returns the length,
 * or -ENOSPC.
 */
int dt_wire_topic(const struct dt_record *rec, const char *fallback_host, char *buf, size_t len);
/* The same with the host part given (a publisher's configured name). */
int dt_wire_topic_host(const struct dt_record *rec, const char *host, char *buf, size_t len);
/* "_stats.<host>." */
int dt_wire_stats_topic(const char *host, char *buf, size_t len);

/*
 * Interned DNS topics (at most max_entries different ones): the topic of rec
 * with the host part given, as dt_wire_topic_host() writes it, in a string
 * that stays valid and unchanged until the table is freed (the zmq output
 * sends it without copying). NULL when the table is full or on ENOMEM: build
 * the topic with dt_wire_topic_host() then.
 */
struct dt_wire_topic_table;
int dt_wire_topic_table_new(size_t max_entries, struct dt_wire_topic_table **t);
void dt_wire_topic_table_free(struct dt_wire_topic_table *t); /* NULL-safe */
const char *dt_wire_topic_intern(struct dt_wire_topic_table *t, const struct dt_record *rec,
				 const char *host, size_t *len);
size_t dt_wire_topic_table_count(const struct dt_wire_topic_table *t);

/* ---- decoding (subscribers) ---- */

enum dt_wire_kind { DT_WIRE_NONE = 0, DT_WIRE_TRANSACTION, DT_WIRE_STATS };

/* One decoded envelope. Large (two dns_msg): allocate it, reuse it. */
struct dt_wire_msg {
	enum dt_wire_kind kind;
	uint64_t sequence;
	uint64_t sent_time_ns;
	/* publisher */
	const char *host; /* "" if absent */
	uint64_t session_id;
	const char *version;
	uint32_t pid;
	uint64_t start_time_ns;

	/* DT_WIRE_TRANSACTION: rec.query/response point to query/response
	 * below. Byte fields (rec.query_wire, rec.response_wire, rr[].rdata)
	 * point INTO THE FRAME given to dt_wire_decode(): keep the frame
	 * (zmq_msg_t) open while the record is used. Strings (host, version,
	 * tag, host_name, everything in the dns_msg) are copies, NUL-ended.
	 * All valid until the next decode or release of msg.
	 * When the publisher left the raw bytes out, rec.query_wire is NULL
	 * but rec.query_wire_len still holds the size (same for response). */
	struct dt_record rec;
	struct dns_msg query;
	struct dns_msg response;

	/* DT_WIRE_STATS */
	struct dt_stats stats;
	struct dt_wire_session_counts session;

	/* Dnstrail__V1__Envelope * in the arena when protobuf-c decoded the
	 * frame (dt_wire_decode_reference()), else NULL */
	void *envelope;
	void *arena; /* decode memory (struct dt_wire_arena), reused from one decode to the next */
	void *pub_cache; /* the last Publisher decoded (record_unpack.c) */
};

/*
 * Unpack one frame into msg (releasing what msg held). Returns 0,
 * -EBADMSG (not a valid Envelope), -EMSGSIZE (over DT_WIRE_MAX_MSG),
 * -ENOSPC (decoded strings did not fit a struct dns_msg: msg is filled, the
 * strings that did not fit are ""), -ENOMEM. Byte fields point into data:
 * see struct dt_wire_msg. Unknown fields are skipped (a newer publisher).
 */
int dt_wire_decode(const uint8_t *data, size_t len, struct dt_wire_msg *msg);
/* The same through protobuf-c: the reference the tests hold
 * dt_wire_decode() to, and its fallback for merge-rule frames. */
int dt_wire_decode_reference(const uint8_t *data, size_t len, struct dt_wire_msg *msg);
/* Frees what msg holds (the struct itself is the caller's); NULL-safe. */
void dt_wire_msg_release(struct dt_wire_msg *msg);

#endif
