/* SPDX-License-Identifier: MIT */
/*
 * Process-wide counters of the contract's final stats line
 * {"dnstrail_stats":{...}} and of the Prometheus metrics. Single writer
 * (the main loop thread); readers in other threads use relaxed atomics.
 */
#ifndef DT_STATS_H
#define DT_STATS_H

#include <stddef.h>
#include <stdint.h>

struct dt_stats {
	uint64_t packets_captured; /* packets handed to the engine */
	uint64_t messages_decoded; /* DNS messages decoded without error */
	uint64_t malformed; /* DNS messages that failed to decode */
	uint64_t transactions; /* records emitted, any status */
	uint64_t timeouts; /* records with status timeout */
	uint64_t orphan_responses;
	uint64_t kernel_drops; /* ring-buffer reserve failures, from the kernel */
	uint64_t kernel_unparsed; /* headers the kernel program could not copy out */
	uint64_t kernel_missed_runs; /* BPF program runs the kernel skipped (recursion) */
	uint64_t events_published; /* messages accepted by ZeroMQ */
	uint64_t output_drops; /* records any output failed to deliver */
	uint64_t filtered; /* records removed by filters */
	uint64_t duplicates; /* packets recognised as a repeat and skipped */
	uint64_t table_evictions; /* pending queries evicted because the table was full */
	uint64_t tcp_reassembly_drops; /* TCP bytes given up (gap, overflow) */
	uint64_t tcp_flow_evictions; /* TCP flows evicted because the flow table was full */
	uint64_t tcp_gaps; /* TCP flows given up on a sequence gap */
	uint64_t ip_fragments; /* IP fragments of UDP datagrams taken in for reassembly */
	uint64_t ip_reassembled; /* UDP datagrams reassembled from IP fragments */
	uint64_t ip_reassembly_drops; /* fragmented datagrams given up (timeout, a reply, overlap, full) */
	uint64_t ip_fragments_missed; /* given up at once: a later fragment went by before the first */
	uint64_t unread_at_exit; /* bytes subscribers had not read when the zmq output hung up */
};

extern struct dt_stats dt_stats;

/* Single writer: a relaxed load + store is enough for readers in other
 * threads to see whole values, and costs a plain add on x86. */
static inline void dt_stats_add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t dt_stats_get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* Name and help text of every counter, in struct order, for the stats line
 * and the Prometheus metrics (name prefixed "dnstrail_" there). */
struct dt_stat_desc {
	const char *name; /* the JSON key, e.g. "packets_captured" */
	const char *help;
	size_t offset; /* offsetof(struct dt_stats, field) */
};

extern const struct dt_stat_desc dt_stat_descs[];
extern const size_t dt_stat_count;

/* Value of one counter of *stats (relaxed read). */
uint64_t dt_stat_value(const struct dt_stats *stats, const struct dt_stat_desc *desc);

/*
 * The contract's final stats line, without newline:
 * {"dnstrail_stats":{"packets_captured":N,...}}. Returns the length written
 * (NUL-terminated) or -ENOSPC.
 */
int dt_stats_json(const struct dt_stats *stats, char *buf, size_t size);

#endif
