/* SPDX-License-Identifier: MIT */
/*
 * One transaction as one Elastic Common Schema JSON object (no newline),
 * the contract's "ECS JSON event". Field choices worth knowing:
 *   - @timestamp: query time, or response time when no query was seen.
 *   - event.outcome: "success" for a NOERROR response, "failure" for an
 *     error rcode, a timeout or a malformed message, "unknown" otherwise
 *     (a record without an rcode that is neither: e.g. a cut capture).
 *   - dns.header_flags / op_code: from the response if any, else the query.
 *   - dns.id is a number, user.id / group.id / network.iana_number strings
 *     (ECS keywords holding user and protocol ids).
 *   - The root name is written ".", every other name without trailing dot.
 *   - dnstrail.edns is the query's EDNS (else the response's);
 *     dnstrail.extended_error the response's RFC 8914 code and text.
 * Fields without data are left out (never null).
 */
#ifndef DT_ECS_JSON_H
#define DT_ECS_JSON_H

#include <stddef.h>

#include "core/record.h"

/* A buffer this big holds any record short of pathological escaping (a
 * full response made of control bytes); beyond it: -ENOSPC. Heap it. */
#define DT_ECS_JSON_MAX (256 * 1024)

/* Returns the length written (NUL-terminated) or -ENOSPC. */
int dt_ecs_json(const struct dt_record *rec, char *buf, size_t size);

/*
 * Entries (64 bytes each, rounded up to a power of two) of the per-thread
 * cache of registered domains that threads formatting from now on get;
 * default 256. A process formatting the names of many hosts (dnstrail-sub)
 * asks for more. Returns 0 or -EINVAL (below 16 or above the maximum).
 */
#define DT_ECS_JSON_NAME_CACHE_MAX (1u << 20)
int dt_ecs_json_name_cache(size_t slots);

#endif
