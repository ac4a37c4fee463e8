/* SPDX-License-Identifier: MIT */
/*
 * The rebuildable part of the daemon: filters and outputs with their match
 * patterns and counters. A SIGHUP reload builds a new one and frees the old
 * one (flushed and drained) while the inputs and engines stay.
 */
#ifndef DT_PIPELINE_H
#define DT_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/model.h"
#include "pipeline/plugin.h"

/*
 * True while every input is a file (pcap replay): nothing upstream can be
 * lost by waiting, so outputs may apply back-pressure (block) instead of
 * dropping. Set by the daemon before outputs are built.
 */
extern bool dt_replay_mode;

struct dt_filter_inst {
	const struct dt_filter_plugin *p;
	const struct dt_option *options;
	void *ctx;
	char *match;
	char label[48];
	uint64_t in, removed;
};

#define DT_PIPELINE_MAX_OUTPUTS 64

struct dt_output_inst {
	const struct dt_output_plugin *p;
	const struct dt_option *options;
	void *ctx;
	bool initialised;
	bool kept; /* moved over from the previous pipeline by a reload */
	char *match;
	char label[48];
	char *signature;	    /* of its configuration: unchanged outputs survive a reload */
	uint64_t in, out, rejected; /* rejected: process() said no */
};

struct dt_pipeline {
	struct dt_filter_inst *filters;
	size_t n_filters;
	struct dt_output_inst *outputs;
	size_t n_outputs;
	uint64_t records_in;
};

/*
 * Build from cfg, taking the plugin contexts out of it (cfg keeps nothing
 * to free for them). with_outputs false = dry run: filters are initialised
 * (their lists compiled), outputs only checked by their option tables.
 */
int dt_pipeline_new(struct dt_config *cfg, bool with_outputs, struct dt_pipeline **pl,
		    struct dt_errbuf *err);
/*
 * Reload: like dt_pipeline_new(), but every output whose configuration is
 * unchanged is moved over from `old` (same socket, queue, ZeroMQ session and
 * sequence, counters) and reopen()ed instead of being built anew. Nothing of
 * `old` is touched unless the whole new pipeline could be built; free `old`
 * afterwards (only what was not moved is then drained and closed).
 */
int dt_pipeline_rebuild(struct dt_config *cfg, struct dt_pipeline *old, struct dt_pipeline **pl,
			struct dt_errbuf *err);
/* Filters by tag, then every output whose match fits. */
void dt_pipeline_route(struct dt_pipeline *pl, const struct dt_record *rec);
void dt_pipeline_flush(struct dt_pipeline *pl);
/* Around one turn of the main loop: outputs may hold records back in
 * between and hand them on together at the end. NULL-safe. */
void dt_pipeline_batch_begin(struct dt_pipeline *pl);
void dt_pipeline_batch_end(struct dt_pipeline *pl);
void dt_pipeline_heartbeat(struct dt_pipeline *pl, const struct dt_stats *stats);
/* Records an output lost: rejected by process() plus what it dropped later. */
uint64_t dt_output_inst_drops(const struct dt_output_inst *o);
/* Fold output drops (this pipeline's plus retired pipelines') into dt_stats.output_drops. */
void dt_pipeline_update_stats(const struct dt_pipeline *pl);
/* Flush, exit (outputs drain in bounded time), free. NULL-safe. */
void dt_pipeline_free(struct dt_pipeline *pl);

#endif
