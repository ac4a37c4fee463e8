/* SPDX-License-Identifier: MIT */
/* The process-wide counters and their one-line JSON form. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/stats.h"

struct dt_stats dt_stats;

#define DESC(field, text) { #field, text, offsetof(struct dt_stats, field) }

const struct dt_stat_desc dt_stat_descs[] = {
	DESC(packets_captured, "DNS packets handed to the engine"),
	DESC(messages_decoded, "DNS messages decoded without error"),
	DESC(malformed, "DNS messages that failed to decode"),
	DESC(transactions, "transaction records emitted, any status"),
	DESC(timeouts, "queries without a response within the timeout"),
	DESC(orphan_responses, "responses whose query was never seen"),
	DESC(kernel_drops, "ring-buffer records the kernel could not reserve"),
	DESC(kernel_unparsed, "packets of any port whose headers the kernel program had to read from "
			      "a copy (outside the buffer's linear area, or behind a VLAN tag) and "
			      "could not: a DNS packet among them is missing"),
	DESC(kernel_missed_runs, "runs of a BPF program the kernel skipped because it was already "
				 "running on that CPU: a packet or process event among them is missing"),
	DESC(events_published, "messages accepted by ZeroMQ"),
	DESC(output_drops, "records an output failed to deliver"),
	DESC(filtered, "records removed by filters"),
	DESC(duplicates, "packets recognised as a repeat and skipped"),
	DESC(table_evictions, "pending queries evicted because the table was full"),
	DESC(tcp_reassembly_drops, "TCP payload bytes given up (gap, overflow)"),
	DESC(tcp_flow_evictions, "TCP flows evicted because the flow table was full"),
	DESC(tcp_gaps, "TCP flows given up on a sequence gap"),
	DESC(ip_fragments, "IP fragments of UDP datagrams taken in for reassembly"),
	DESC(ip_reassembled, "UDP datagrams reassembled from IP fragments"),
	DESC(ip_reassembly_drops, "fragmented datagrams given up (timeout, a reply, overlap, pool full, "
				  "a fragment missed)"),
	DESC(ip_fragments_missed, "fragmented datagrams given up at their first fragment: the kernel "
				  "saw a later one go by before it, uncaptured "
				  "(also in ip_reassembly_drops)"),
	DESC(unread_at_exit, "bytes subscribers had not taken when the zmq output hung up (linger ran out): "
			     "their tail may be lost"),
};

const size_t dt_stat_count = sizeof(dt_stat_descs) / sizeof(dt_stat_descs[0]);

uint64_t dt_stat_value(const struct dt_stats *stats, const struct dt_stat_desc *desc)
{
	const uint64_t *p = (const uint64_t *)((const char *)stats + desc->offset);

	return dt_stats_get(p);
}

int dt_stats_json(const struct dt_stats *stats, char *buf, size_t size)
{
	size_t used = 0;
	int n;

	n = snprintf(buf, size, "{\"dnstrail_stats\":{");
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	used = n;
	for (size_t i = 0; i < dt_stat_count; i++) {
		n = snprintf(buf + used, size - used, "%s\"%s\":%" PRIu64, i ? "," : "",
			     dt_stat_descs[i].name, dt_stat_value(stats, &dt_stat_descs[i]));
		if (n < 0 || (size_t)n >= size - used)
			return -ENOSPC;
		used += n;
	}
	n = snprintf(buf + used, size - used, "}}");
	if (n < 0 || (size_t)n >= size - used)
		return -ENOSPC;
	return (int)(used + n);
}
