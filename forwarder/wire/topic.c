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

/* Copies s and a '.' to p, at most to end (exclusive); NULL when it would not fit. */
static char *put_part(char *p, const char *end, const char *s)
{
	/* the parts are short mnemonics and a host name: bytes, not memcpy */
	while (*s && p < end)
		*p++ = *s++;
	if (*s || p >= end)
		return NULL;
	*p++ = '.';
	return p;
}

/* Built by hand: snprintf was a tenth of the daemon's per-event cost. */
int dt_wire_topic_host(const struct dt_record *rec, const char *host, char *buf, size_t len)
{
	char rb[16], tb[16];
	const char *end = buf + len - 1; /* room for the NUL */
	char *p = buf;

	if (!len)
		return -ENOSPC;
	if (len < 5) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	memcpy(p, "dns.", 4);
	p += 4;
	if (!(p = put_part(p, end, topic_rcode(rec, rb))) ||
	    !(p = put_part(p, end, topic_qtype(rec, tb))) ||
	    !(p = put_part(p, end, host ? host : ""))) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	*p = '\0';
	return (int)(p - buf);
}

int dt_wire_stats_topic(const char *host, char *buf, size_t len)
{
	return finish(snprintf(buf, len, "_stats.%s.", host ? host : ""), len);
}
