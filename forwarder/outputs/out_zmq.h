/* SPDX-License-Identifier: MIT */
#ifndef DT_OUT_ZMQ_H
#define DT_OUT_ZMQ_H

#include <stdint.h>

#include "pipeline/plugin.h"

extern const struct dt_output_plugin dt_output_zmq;

/* This output's own counts (ctx of dt_output_zmq): messages sent, messages
 * dropped (high-water mark, encoding), last sequence number used. */
void dt_output_zmq_counts(void *ctx, uint64_t *published, uint64_t *dropped, uint64_t *sequence);

#endif
