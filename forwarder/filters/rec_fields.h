/* SPDX-License-Identifier: MIT */
/* Small accessors shared by filters and outputs: a record's question and time. */
#ifndef DT_REC_FIELDS_H
#define DT_REC_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/record.h"

/* The question name (query's, else the response's); NULL if none. */
static inline const char *dt_rec_qname(const struct dt_record *rec)
{
	if (rec->query && rec->query->has_question)
		return rec->query->qname;
	if (rec->response && rec->response->has_question)
		return rec->response->qname;
	return NULL;
}

static inline bool dt_rec_qtype(const struct dt_record *rec, uint16_t *qtype)
{
	if (rec->query && rec->query->has_question)
		*qtype = rec->query->qtype;
	else if (rec->response && rec->response->has_question)
		*qtype = rec->response->qtype;
	else
		return false;
	return true;
}

/* Query time, else response time (ns since the epoch); 0 if neither. */
static inline uint64_t dt_rec_ts(const struct dt_record *rec)
{
	return rec->query_ts_ns ? rec->query_ts_ns : rec->response_ts_ns;
}

#endif
