/* SPDX-License-Identifier: MIT */
/* ZeroMQ topics: the prefix is what subscribers filter on (contract). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/batch.h"
#include "wire/record_proto.h"

/* Topic parts as numbers (topic_key()): above any 16-bit code. */
#define KEY_TIMEOUT 0x10000u
#define KEY_MALFORMED 0x20000u
#define KEY_NONE 0x10000u

/* The same decisions as topic_rcode() and topic_qtype(), without the strings. */
static void topic_key(const struct dt_record *rec, uint32_t *rkey, uint32_t *tkey)
{
	if (rec->status == DT_STATUS_TIMEOUT)
		*rkey = KEY_TIMEOUT;
	else if (rec->status == DT_STATUS_MALFORMED)
		*rkey = KEY_MALFORMED;
	else if (!rec->response)
		*rkey = rec->query ? KEY_TIMEOUT : KEY_MALFORMED;
	else
		*rkey = rec->response->rcode;
	if (rec->query && rec->query->has_question)
		*tkey = rec->query->qtype;
	else if (rec->response && rec->response->has_question)
		*tkey = rec->response->qtype;
	else
		*tkey = KEY_NONE;
}

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

/* "<prefix><host>.": the topics of whole-publisher messages */
static int host_topic(const char *prefix, const char *host, char *buf, size_t len)
{
	return finish(snprintf(buf, len, "%s%s.", prefix, host ? host : ""), len);
}

int dt_wire_stats_topic(const char *host, char *buf, size_t len)
{
	return host_topic("_stats.", host, buf, len);
}

int dt_wire_batch_topic(const char *host, char *buf, size_t len)
{
	return host_topic(DT_WIRE_BATCH_TOPIC, host, buf, len);
}

/*
 * Interned topics: a record's topic is a function of (rcode, qtype, host),
 * and there are few of those. Open addressing at most half full, so a probe
 * always ends on an empty slot; entries are never removed, so a returned
 * string stays put until the table is freed.
 */
struct topic_slot {
	char *topic; /* NULL: empty */
	uint32_t rkey;
	uint32_t tkey;
	uint16_t len;
	uint16_t host_off; /* where the host part starts */
};

struct dt_wire_topic_table {
	struct topic_slot *slot;
	size_t mask;
	size_t n;
	size_t max;
};

int dt_wire_topic_table_new(size_t max_entries, struct dt_wire_topic_table **out)
{
	struct dt_wire_topic_table *t;
	size_t slots = 16;

	if (!max_entries || max_entries > 65536)
		return -EINVAL;
	while (slots < 2 * max_entries)
		slots *= 2;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->slot = calloc(slots, sizeof(*t->slot));
	if (!t->slot) {
		free(t);
		return -ENOMEM;
	}
	t->mask = slots - 1;
	t->max = max_entries;
	*out = t;
	return 0;
}

void dt_wire_topic_table_free(struct dt_wire_topic_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i <= t->mask; i++)
		free(t->slot[i].topic);
	free(t->slot);
	free(t);
}

size_t dt_wire_topic_table_count(const struct dt_wire_topic_table *t)
{
	return t ? t->n : 0;
}

/* A new topic into the empty slot s; NULL when full. Out of line: the hit
 * path stays small (no topic buffer on its stack). */
static __attribute__((noinline)) const char *
intern_new(struct dt_wire_topic_table *t, struct topic_slot *s, const struct dt_record *rec,
	   const char *host, size_t hl, uint32_t rkey, uint32_t tkey, size_t *len)
{
	char buf[DT_WIRE_TOPIC_MAX];
	int n;

	if (t->n >= t->max)
		return NULL;
	n = dt_wire_topic_host(rec, host, buf, sizeof(buf));
	if (n < 0 || (size_t)n < hl + 1)
		return NULL;
	s->topic = malloc((size_t)n + 1);
	if (!s->topic)
		return NULL;
	memcpy(s->topic, buf, (size_t)n + 1);
	s->rkey = rkey;
	s->tkey = tkey;
	s->len = (uint16_t)n;
	s->host_off = (uint16_t)((size_t)n - hl - 1);
	t->n++;
	*len = s->len;
	return s->topic;
}

const char *dt_wire_topic_intern(struct dt_wire_topic_table *t, const struct dt_record *rec,
				 const char *host, size_t *len)
{
	struct topic_slot *s;
	uint32_t rkey, tkey;
	size_t i, hl;

	if (!host)
		host = "";
	hl = strlen(host);
	topic_key(rec, &rkey, &tkey);
	i = (size_t)((rkey * 0x9e3779b1u) ^ (tkey * 0x85ebca6bu)) & t->mask;
	for (;; i = (i + 1) & t->mask) {
		s = &t->slot[i];
		if (!s->topic)
			return intern_new(t, s, rec, host, hl, rkey, tkey, len);
		/* the host part: its length, then its bytes */
		if (s->rkey == rkey && s->tkey == tkey && (size_t)s->len - s->host_off - 1 == hl &&
		    memcmp(s->topic + s->host_off, host, hl) == 0) {
			*len = s->len;
			return s->topic;
		}
	}
}
