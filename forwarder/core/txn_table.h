/* SPDX-License-Identifier: MIT */
/*
 * Pending-query table of the engine: a preallocated pool of entries, an
 * intrusive chained hash on the transaction key, and a FIFO in arrival
 * order (= expiry order, the timeout being the same for all), so timeouts
 * and evictions pop from the head instead of scanning.
 *
 * Plus a small direct-mapped cache of recently completed transactions, to
 * recognise a second copy of a response (seen in the server's and in the
 * client's namespace) or a late copy of its query.
 */
#ifndef DT_TXN_TABLE_H
#define DT_TXN_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/record.h"

/* Query bytes kept per pending entry (re-decoded at emit time). */
#define DT_TXN_WIRE_MAX 512
/* Recently completed transactions remembered: max_entries rounded up to a
 * power of two, within [64, 4096]. */
#define DT_TXN_RECENT_MIN 64
#define DT_TXN_RECENT_MAX 4096

/* Who asked whom: no netns on purpose (the query is seen in the client's
 * namespace, the response possibly in the server's). Zero-filled padding. */
struct dt_txn_key {
	uint8_t family;
	uint8_t transport;
	uint16_t id;
	uint16_t cli_port;
	uint16_t srv_port;
	uint8_t cli_ip[16];
	uint8_t srv_ip[16];
};

struct dt_txn {
	/* what a hash chain walk reads first, together */
	struct dt_txn_key key;
	uint64_t hash; /* of key */
	uint32_t hnext; /* hash chain */
	uint32_t prev, next; /* FIFO (in use) or free list (next only) */
	uint64_t qhash; /* of the question, 0 if the query had none */
	uint64_t ts_ns; /* first sighting of the query */
	uint32_t flags; /* DT_REC_* gathered from the query copies */
	uint32_t netns;
	uint32_t ifindex;
	uint8_t direction;
	bool in_use;
	bool has_process;
	bool malformed; /* the query did not decode: its record is malformed */
	uint16_t wire_len;
	/* The question's text (NUL-terminated) at wire[qtext_off], behind the
	 * stored query, when it fits; 0 if not kept. With its type and class. */
	uint16_t qtext_off;
	uint16_t qtype, qclass;
	/* The whole decoded query when it holds no records (the common case):
	 * its record needs no second decode. Valid with qtext_off only. */
	bool has_qhead;
	struct dns_msg_head qhead;
	struct dt_process process;
	uint8_t wire[DT_TXN_WIRE_MAX];
};

struct dt_txn_recent {
	struct dt_txn_key key;
	uint64_t hash;
	uint64_t qhash;
	uint64_t query_ts_ns;
	uint64_t response_ts_ns;
	bool valid;
};

struct dt_txn_table;

/* Returns NULL on allocation failure. */
struct dt_txn_table *dt_txn_table_new(uint32_t max_entries);
void dt_txn_table_free(struct dt_txn_table *t);

uint64_t dt_txn_key_hash(const struct dt_txn_table *t, const struct dt_txn_key *key);
/* Hash of a question (case-insensitive name, type, class); never 0. */
uint64_t dt_txn_question_hash(const char *qname, uint16_t qtype, uint16_t qclass);

/* Entry with that key and question; qhash 0 matches any question. */
struct dt_txn *dt_txn_find(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
			   uint64_t qhash);
/* New entry at the FIFO tail, key/hash/qhash set, the rest zeroed except
 * process and wire (the caller fills them); NULL when the table is full. */
struct dt_txn *dt_txn_insert(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
			     uint64_t qhash);
void dt_txn_remove(struct dt_txn_table *t, struct dt_txn *txn);
/* Head of the FIFO (oldest), NULL if empty. */
struct dt_txn *dt_txn_oldest(struct dt_txn_table *t);
uint32_t dt_txn_count(const struct dt_txn_table *t);
bool dt_txn_full(const struct dt_txn_table *t);

/* Remember a completed transaction (or an orphan response: query_ts 0). */
void dt_txn_recent_add(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
		       uint64_t qhash, uint64_t query_ts_ns, uint64_t response_ts_ns);
/* The remembered completion with that key, NULL if none (or overwritten). */
const struct dt_txn_recent *dt_txn_recent_find(const struct dt_txn_table *t,
					       const struct dt_txn_key *key, uint64_t hash);

#endif
