/* SPDX-License-Identifier: MIT */
/* ZeroMQ topics: the prefix is what subscribers filter on (contract). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wire/record_proto.h"

static const char *topic_rcode(const struct dt_record *rec, char buf[16])
{
	switch (rec->status) {
	case DT_STATUS_TIMEOUT:
		return "TIMEOUT";
	case DT_STATUS_MALFORMED:
		return "MALFORMED";
	case DT_STATUS_OK:
	case DT_STATUS_ORPHAN_RESPONSE:
		break;
	}
	if (!rec->response)
		return rec->query ? "TIMEOUT" : "MALFORMED";
	return dns_rcode_str(rec->response->rcode, buf);
}

static const char *topic_qtype(const struct dt_record *rec, char buf[16])
{
	if (rec->query && rec->query->has_question)
		return dns_type_str(rec->query->qtype, buf);
	if (rec->response && rec->response->has_question)
		return dns_type_str(rec->response->qtype, buf);
	return "NONE";
}

static int finish(int n, size_t len)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENOSPC;
	return n;
}

int dt_wire_topic(const struct dt_record *rec, const char *fallback_host, char *buf, size_t len)
{
	return dt_wire_topic_host(
	    rec, rec->host_name && *rec->host_name ? rec->host_name : fallback_host, buf, len);
}

/* Appends s at *at; false when it would not fit (with the final NUL). */
static bool append(char *buf, size_t len, size_t *at, const char *s)
{
	size_t n = strlen(s);

	if (n >= len - *at)
		return false;
	memcpy(buf + *at, s, n);
	*at += n;
	return true;
}

/* Built by hand: snprintf was a tenth of the daemon's per-event cost. */
int dt_wire_topic_host(const struct dt_record *rec, const char *host, char *buf, size_t len)
{
	char rb[16], tb[16];
	size_t at = 0;

	if (!len)
		return -ENOSPC;
	if (!append(buf, len, &at, "dns.") || !append(buf, len, &at, topic_rcode(rec, rb)) ||
	    !append(buf, len, &at, ".") || !append(buf, len, &at, topic_qtype(rec, tb)) ||
	    !append(buf, len, &at, ".") || !append(buf, len, &at, host ? host : "") ||
	    !append(buf, len, &at, ".")) {
		buf[at] = '\0';
		return -ENOSPC;
	}
	buf[at] = '\0';
	return (int)at;
}

int dt_wire_stats_topic(const char *host, char *buf, size_t len)
{
	return finish(snprintf(buf, len, "_stats.%s.", host ? host : ""), len);
}
