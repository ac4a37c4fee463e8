/* SPDX-License-Identifier: MIT */
/*
 * Transactions as dnstap (Frame Streams file, content type
 * protobuf:dnstap.Dnstap), readable by dnstap-read and dnstap-ldns.
 *
 * One Message per DNS message of the transaction: the query (when its
 * wire bytes are there) and the response (likewise). Type STUB_QUERY /
 * STUB_RESPONSE, seen from the asking application; FORWARDER_QUERY /
 * FORWARDER_RESPONSE when the asking process is itself a resolver
 * (systemd-resolved, dnsmasq, unbound, named, ...) talking to its upstream.
 * Process details go to Dnstap.extra as a small JSON object.
 */
#ifndef DT_SUB_DNSTAP_OUT_H
#define DT_SUB_DNSTAP_OUT_H

#include <stdint.h>

#include "core/record.h"

struct dt_dnstap_out;

int dt_dnstap_open(const char *path, struct dt_dnstap_out **out);
/* Write the frames of one transaction. identity = publisher host,
 * version = publisher version. Returns frames written or negative errno;
 * 0 when the record carries no wire bytes (publisher include_wire: false). */
int dt_dnstap_write(struct dt_dnstap_out *d, const struct dt_record *rec, const char *identity,
		    const char *version);
/* Flushes and closes; NULL-safe. */
void dt_dnstap_close(struct dt_dnstap_out *d);

/* The dnstap Message.Type chosen for a record's query (+1 = response). */
int dt_dnstap_query_type(const struct dt_record *rec);

#endif
