/* SPDX-License-Identifier: MIT */
/*
 * The engine: captured packets in, DNS transactions out.
 *
 *   dt_packet --> TCP reassembly --> dns_decode --> query/response matching
 *             --> struct dt_record --> emit callback (the pipeline)
 *
 * IP fragments of UDP (DT_PKT_FRAGMENT) are reassembled first
 * (core/ip_defrag.h: 64 datagrams, 1 MiB, 2 s).
 *
 * Single-threaded; bounded memory (fixed-size tables with eviction, counted
 * in dt_stats). Time comes from the packets (ts_ns) and from dt_engine_tick(),
 * so pcap replay times out queries by the file's clock.
 */
#ifndef DT_ENGINE_H
#define DT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/packet.h"
#include "core/record.h"

struct dt_engine;

typedef void (*dt_emit_fn)(const struct dt_record *rec, void *user);

/* Looks up the process identity for a packet (pid from the kernel); fills
 * *proc and returns 0, or negative errno. May be NULL in dt_engine_config. */
typedef int (*dt_process_lookup_fn)(uint32_t pid, uint32_t tid, struct dt_process *proc,
				    void *user);

struct dt_engine_config {
	uint64_t timeout_ns; /* unanswered query -> timeout record; default 5 s */
	uint32_t max_pending; /* pending-query table size; default 65536 */
	uint32_t max_tcp_flows; /* TCP reassembly flows; default 4096 */
	uint32_t max_tcp_buffer; /* bytes buffered per TCP flow; default 65537 */
	const char *tag; /* copied into every record */
	const char *host_name;
	dt_emit_fn emit;
	void *emit_user;
	dt_process_lookup_fn process_lookup;
	void *process_lookup_user;
	uint64_t tcp_idle_ns; /* idle TCP flow closed after; default 30 s */
	/* Bytes of the pending queries' variable parts (query, question text,
	 * process identity); when spent, the oldest goes as with a full table.
	 * Default max_pending * 192 (12 MiB for 65536). */
	size_t max_pending_bytes;
	/* DNS_KEEP_* record sections decoded into records (dns/dns.h); the
	 * others are walked for EDNS and faults only. 0: all three. */
	unsigned decode_keep;
};

/* Two sightings of one query (or response) closer than this are copies of
 * one packet seen at several hops, not a retransmission. */
#define DT_ENGINE_DUP_WINDOW_NS (10ull * 1000 * 1000)
/* A response copy this long after the one that completed its transaction
 * still counts as a duplicate, not an orphan. */
#define DT_ENGINE_RECENT_NS (2ull * 1000 * 1000 * 1000)

/* Returns 0 and *engine, or negative errno (-EINVAL: max_pending > 2^26,
 * max_tcp_flows > 2^24 or max_tcp_buffer 1; -ENOMEM). Zero fields take
 * their defaults. */
int dt_engine_new(const struct dt_engine_config *cfg, struct dt_engine **engine);
/* Feed one packet (may emit zero or more records). The packet's ts_ns also
 * advances the engine's clock (so a pcap replay times out by the file's
 * clock): do not tick a pcap-fed engine with the wall clock. */
void dt_engine_packet(struct dt_engine *engine, const struct dt_packet *pkt);
/* Advance the clock: emits timeouts for queries older than now - timeout. */
void dt_engine_tick(struct dt_engine *engine, uint64_t now_ns);
/* Emit every pending query as a timeout (shutdown, end of pcap). */
void dt_engine_flush(struct dt_engine *engine);
/* Swap the emit callback (pipeline reload) without losing pending state. */
void dt_engine_set_emit(struct dt_engine *engine, dt_emit_fn emit, void *user);
/* NULL-safe. Does not flush. */
void dt_engine_free(struct dt_engine *engine);

#endif
