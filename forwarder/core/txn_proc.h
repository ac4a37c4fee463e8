/* SPDX-License-Identifier: MIT */
/*
 * The sender's identity of a pending query, packed behind its bytes in the
 * pending table's pool: a 400-byte struct dt_process becomes ~50-100 bytes,
 * or 5 when other pending queries of the same process already hold it.
 *
 * Identities are shared through a small table of slots (indexed by pid,
 * reference-counted by the pending queries): a query keeps only its thread
 * (tid, thread name if not the process name). A slot held by another
 * identity (a pid collision, an exec while queries are pending) makes the
 * query keep its whole identity instead: never wrong, only bigger. The
 * table is bounded (DT_TXN_IDENTS slots, touched as used).
 */
#ifndef DT_TXN_PROC_H
#define DT_TXN_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "core/copy.h"
#include "core/record.h"

#define DT_TXN_IDENTS 1024

/* A whole identity as packed (not aligned: memcpy in and out), followed by
 * the thread name unless it is the process name (DT_TXN_PROC_OWN_THREAD),
 * exe_len bytes of exe and cid_len of container id. */
struct dt_txn_proc {
	uint64_t cgroup_id;
	uint32_t pid, tid, ppid, uid, gid;
	uint8_t exe_len, cid_len; /* < sizeof(exe), sizeof(container_id) */
	uint8_t flags;
	char name[16];
} __attribute__((packed));
#define DT_TXN_PROC_OWN_THREAD 1u

/* How an identity is to be kept: its header, the shared slot (0: none, the
 * query keeps it whole), the bytes it takes in the query's block. */
struct dt_txn_proc_plan {
	struct dt_txn_proc tp;
	uint16_t ident;
	size_t size;
};

struct dt_txn_idents;

struct dt_txn_idents *dt_txn_idents_new(void); /* NULL on allocation failure */
void dt_txn_idents_free(struct dt_txn_idents *ids); /* NULL-safe */

/* Plan the keeping of proc; takes a reference to a shared slot when it can
 * (pl->ident), to be dropped with dt_txn_idents_put(). */
void dt_txn_proc_plan(struct dt_txn_idents *ids, const struct dt_process *proc,
		      struct dt_txn_proc_plan *pl);
/* Writes pl->size bytes at dst. */
void dt_txn_proc_pack(uint8_t *dst, const struct dt_process *proc,
		      const struct dt_txn_proc_plan *pl);
/* The identity packed at src (with its slot `ident`, 0 if none) into a
 * zeroed *out: the same bytes as the struct dt_process it was packed from
 * (strings up to their NUL). */
void dt_txn_proc_unpack(const struct dt_txn_idents *ids, uint16_t ident, const uint8_t *src,
			struct dt_process *out);
void dt_txn_idents_put(struct dt_txn_idents *ids, uint16_t ident); /* 0: nothing */

#endif
