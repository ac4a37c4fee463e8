/* SPDX-License-Identifier: MIT */
/*
 * Process-wide counters of the contract's final stats line
 * {"dnstrail_stats":{...}} and of the Prometheus metrics. Single writer
 * (the main loop thread); readers in other threads use relaxed atomics.
 */
#ifndef DT_STATS_H
#define DT_STATS_H

#include <stdint.h>

struct dt_stats {
	uint64_t packets_captured; /* packets handed to the engine */
	uint64_t messages_decoded; /* DNS messages decoded without error */
	uint64_t malformed; /* DNS messages that failed to decode */
	uint64_t transactions; /* records emitted, any status */
	uint64_t timeouts; /* records with status timeout */
	uint64_t orphan_responses;
	uint64_t kernel_drops; /* ring-buffer reserve failures, from the kernel */
	uint64_t events_published; /* messages accepted by ZeroMQ */
	uint64_t output_drops; /* records any output failed to deliver */
	uint64_t filtered; /* records removed by filters */
	uint64_t duplicates; /* packets recognised as a repeat and skipped */
	uint64_t table_evictions; /* pending queries evicted because the table was full */
	uint64_t tcp_reassembly_drops; /* TCP bytes given up (gap, overflow) */
};

extern struct dt_stats dt_stats;

#endif
