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
#include <stddef.h>
#include <stdint.h>

#include "core/record.h"

/* Query bytes kept per pending entry (re-decoded at emit time). */
#define DT_TXN_WIRE_MAX 512
/* Default budget of the entries' variable bytes, per entry of the table:
 * a typical query (40-80 bytes), its question text and a process identity
 * fit; bigger ones make the budget, not the table, the limit. */
#define DT_TXN_BYTES_PER_ENTRY 192
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

/*
 * A pending query: a fixed 128 bytes here, its variable bytes in a block of
 * the table's byte pool (dt_txn_bytes_get(), released by dt_txn_remove()):
 * the stored query at bytes[0], the question's text behind it at
 * bytes[qtext_off], the process identity (engine-defined) at
 * bytes[proc_off].
 */
struct dt_txn {
	/* what a hash chain walk reads, in the first cache line */
	struct dt_txn_key key;
	uint32_t hash; /* low bits of the key's hash */
	uint32_t hnext; /* hash chain */
	uint32_t prev, next; /* FIFO (in use) or free list (next only) */
	uint16_t wire_len;
	/* The question's text (NUL-terminated), 0 if not kept; its type and
	 * class are in qhead.qtype/qclass then. */
	uint16_t qtext_off;
	uint16_t proc_off; /* valid with has_process */
	bool in_use : 1;
	bool has_process : 1;
	bool malformed : 1; /* the query did not decode: its record is malformed */
	/* qhead is the whole decoded query, which holds no records (the common
	 * case): its record needs no second decode. Valid with qtext_off only. */
	bool has_qhead : 1;
	uint64_t qhash; /* of the question, 0 if the query had none */
	uint64_t ts_ns; /* first sighting of the query */
	uint8_t *bytes; /* NULL if none */
	uint32_t flags; /* DT_REC_* gathered from the query copies */
	uint32_t netns;
	uint32_t ifindex;
	struct dns_msg_head qhead;
	uint16_t ident; /* the engine's shared identity slot + 1, 0 if none */
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

/* Returns NULL on allocation failure. The variable bytes get
 * max_entries * DT_TXN_BYTES_PER_ENTRY, or `bytes` (0: that default). */
struct dt_txn_table *dt_txn_table_new(uint32_t max_entries);
struct dt_txn_table *dt_txn_table_new_budget(uint32_t max_entries, size_t bytes);
void dt_txn_table_free(struct dt_txn_table *t);

uint64_t dt_txn_key_hash(const struct dt_txn_table *t, const struct dt_txn_key *key);
/* Hash of a question (case-insensitive name, type, class); never 0. */
uint64_t dt_txn_question_hash(const char *qname, uint16_t qtype, uint16_t qclass);

/* Entry with that key and question; qhash 0 matches any question. */
struct dt_txn *dt_txn_find(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
			   uint64_t qhash);
/* New entry at the FIFO tail, key/hash/qhash/ts_ns set, the rest zeroed
 * (bytes NULL: the caller attaches them); NULL when the table is full.
 * ts_ns must not change afterwards (dt_txn_oldest_ts() keeps the head's). */
struct dt_txn *dt_txn_insert(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
			     uint64_t qhash, uint64_t ts_ns);
/* Unlinks txn and returns its bytes to the pool. */
void dt_txn_remove(struct dt_txn_table *t, struct dt_txn *txn);
/* n (1..DT_BYTE_POOL_MAX) bytes for an entry's `bytes`; NULL when the budget
 * is spent (the caller evicts the oldest entry and retries). */
uint8_t *dt_txn_bytes_get(struct dt_txn_table *t, size_t n);
void dt_txn_bytes_put(struct dt_txn_table *t, uint8_t *bytes); /* NULL-safe */
/* Bytes held by pending entries (blocks rounded up to their size class). */
size_t dt_txn_bytes_used(const struct dt_txn_table *t);
/* Head of the FIFO (oldest), NULL if empty. */
struct dt_txn *dt_txn_oldest(struct dt_txn_table *t);
/* Its ts_ns without touching it; UINT64_MAX if empty. */
uint64_t dt_txn_oldest_ts(const struct dt_txn_table *t);
uint32_t dt_txn_count(const struct dt_txn_table *t);
bool dt_txn_full(const struct dt_txn_table *t);

/* Remember a completed transaction (or an orphan response: query_ts 0). */
void dt_txn_recent_add(struct dt_txn_table *t, const struct dt_txn_key *key, uint64_t hash,
		       uint64_t qhash, uint64_t query_ts_ns, uint64_t response_ts_ns);
/* The remembered completion with that key, NULL if none (or overwritten). */
const struct dt_txn_recent *dt_txn_recent_find(const struct dt_txn_table *t,
					       const struct dt_txn_key *key, uint64_t hash);

#endif
