/* SPDX-License-Identifier: MIT */
/*
 * EnvelopeBatch (dnstrail.v1): several Envelopes in one ZeroMQ message, the
 * zmq output's opt-in `batch` mode, under the topic "dnsbatch.<host>.".
 * On the wire a batch is field 1, length-delimited, once per Envelope: each
 * keeps its own bytes and sequence number, so building one is appending
 * already-encoded envelopes and reading one is walking them.
 *
 * Pure C: no I/O, no logging.
 */
#ifndef DT_WIRE_BATCH_H
#define DT_WIRE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#define DT_WIRE_BATCH_TOPIC "dnsbatch."

struct dt_wire_batch {
	uint8_t *data; /* malloc'd; dt_wire_batch_take() hands it over */
	size_t len;
	size_t cap;
	unsigned n; /* envelopes in it */
};

/* Appends one encoded Envelope. 0 or -ENOMEM (the batch is unchanged). */
int dt_wire_batch_add(struct dt_wire_batch *b, const uint8_t *env, size_t len);
/* Bytes dt_wire_batch_add() would add for an envelope of len bytes. */
size_t dt_wire_batch_cost(size_t len);
/* The batch's bytes (free() them), leaving b empty; NULL when it is. */
uint8_t *dt_wire_batch_take(struct dt_wire_batch *b, size_t *len, unsigned *n);
void dt_wire_batch_release(struct dt_wire_batch *b); /* NULL-safe */

/*
 * Walks a received batch: *env and *len get the next Envelope's bytes (inside
 * the batch) and *p moves past it. 1 for an envelope, 0 at the end,
 * -EBADMSG on anything but field 1 length-delimited within the bytes.
 */
int dt_wire_batch_next(const uint8_t **p, const uint8_t *end, const uint8_t **env, size_t *len);

/* "dnsbatch.<host>." into buf; its length, or -ENOSPC (topic.c, beside
 * dt_wire_stats_topic()). */
int dt_wire_batch_topic(const char *host, char *buf, size_t len);

#endif
