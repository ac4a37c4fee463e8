/* SPDX-License-Identifier: MIT */
/*
 * struct dt_record: one DNS transaction, the unit that flows through the
 * pipeline (filters, outputs) and over the wire (wire/record_proto.c).
 *
 * A transaction is a query and its response, or a query that timed out, or
 * a response whose query was never seen, or a message that did not decode.
 * Pointers are borrowed: valid only while the record is being processed
 * (inside the filter/output callbacks). Outputs that queue must copy.
 */
#ifndef DT_RECORD_H
#define DT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

enum dt_status {
	DT_STATUS_OK = 0, /* query and response */
	DT_STATUS_TIMEOUT = 1, /* query, no response within the timeout */
	DT_STATUS_ORPHAN_RESPONSE = 2, /* response, query never seen */
	DT_STATUS_MALFORMED = 3, /* a message that did not decode */
};

/* ECS dnstrail.status value: "ok", "timeout", "orphan_response", "malformed". */
const char *dt_status_str(enum dt_status status);

/* The process that sent the query (ECS process.*, user.*, container.*). */
struct dt_process {
	uint32_t pid; /* tgid */
	uint32_t tid;
	uint32_t ppid; /* 0 if unknown */
	uint32_t uid;
	uint32_t gid;
	char name[16]; /* process (group leader) name */
	char thread_name[16]; /* thread comm */
	char exe[256]; /* executable path, "" if unknown */
	uint64_t cgroup_id;
	char container_id[65]; /* 64 hex chars, "" if not in a container */
};

/* dt_record.flags */
#define DT_REC_QUERY_TRUNCATED (1u << 0) /* query payload cut short by capture */
#define DT_REC_RESPONSE_TRUNCATED (1u << 1)
#define DT_REC_NONLINEAR (1u << 2) /* payload sat in non-linear skb fragments */
#define DT_REC_RETRANSMITTED (1u << 3) /* query sent more than once */

struct dt_record {
	enum dt_status status;
	uint64_t query_ts_ns; /* wall clock ns; 0 if no query */
	uint64_t response_ts_ns; /* wall clock ns; 0 if no response */
	uint32_t flags; /* DT_REC_* */

	bool has_process;
	struct dt_process process;

	/* network: source is the query's sender (for an orphan response, the
	 * response's destination) */
	uint8_t family; /* 4 or 6 */
	uint8_t transport; /* enum dt_transport */
	uint8_t src_ip[16];
	uint8_t dst_ip[16];
	uint16_t src_port;
	uint16_t dst_port;
	uint32_t netns;
	uint32_t ifindex;

	/* decoded messages; NULL when absent */
	const struct dns_msg *query;
	const struct dns_msg *response;

	/* raw DNS messages (no TCP length prefix); NULL/0 when absent */
	const uint8_t *query_wire;
	size_t query_wire_len;
	const uint8_t *response_wire;
	size_t response_wire_len;

	/* pipeline routing tag of the input that produced it */
	const char *tag;
	/* host.name of the machine that captured it */
	const char *host_name;
};

#endif
