// SPDX-License-Identifier: MIT
/* Filters and outputs: build, route records by tag, flush, tear down. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "pipeline/log.h"
#include "pipeline/tagmatch.h"

bool dt_replay_mode;

/* Drops of outputs already torn down (reloads), so the totals never go back. */
static uint64_t retired_drops;

uint64_t dt_output_inst_drops(const struct dt_output_inst *o)
{
	uint64_t d = o->rejected;

	if (o->initialised && o->p->dropped)
		d += o->p->dropped(o->ctx);
	return d;
}

void dt_pipeline_update_stats(const struct dt_pipeline *pl)
{
	uint64_t d = retired_drops;

	for (size_t i = 0; pl && i < pl->n_outputs; i++)
		d += dt_output_inst_drops(&pl->outputs[i]);
	__atomic_store_n(&dt_stats.output_drops, d, __ATOMIC_RELAXED);
}

void dt_pipeline_free(struct dt_pipeline *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n_outputs; i++) {
		struct dt_output_inst *o = &pl->outputs[i];

		if (o->initialised) {
			if (o->p->flush)
				o->p->flush(o->ctx);
			if (o->p->exit)
				o->p->exit(o->ctx); /* drains in bounded time */
		}
		/* dropped() reads counters kept in ctx, still valid after exit() */
		retired_drops += dt_output_inst_drops(o);
		o->initialised = false;
		dt_plugin_conf_free_ctx(o->options, o->ctx);
		free(o->match);
		free(o->signature);
	}
	for (size_t i = 0; i < pl->n_filters; i++) {
		struct dt_filter_inst *f = &pl->filters[i];

		if (f->ctx && f->p->exit)
			f->p->exit(f->ctx);
		dt_plugin_conf_free_ctx(f->options, f->ctx);
		free(f->match);
	}
	free(pl->outputs);
	free(pl->filters);
	free(pl);
}

static void free_unbuilt(struct dt_pipeline *pl, size_t n_filters_init)
{
	/* filters past n_filters_init never ran init(): no exit() for them */
	for (size_t i = n_filters_init; i < pl->n_filters; i++) {
		dt_plugin_conf_free_ctx(pl->filters[i].options, pl->filters[i].ctx);
		pl->filters[i].ctx = NULL;
	}
	dt_pipeline_free(pl);
}

/* An output of old with the same plugin and configuration, not yet claimed. */
static ssize_t find_kept(const struct dt_pipeline *old, const struct dt_output_inst *o,
			 const ssize_t *keep, size_t n_keep)
{
	if (!o->signature)
		return -1;
	for (size_t j = 0; j < old->n_outputs; j++) {
		const struct dt_output_inst *c = &old->outputs[j];
		bool claimed = false;

		if (!c->initialised || c->p != o->p || !c->signature ||
		    strcmp(c->signature, o->signature) != 0)
			continue;
		for (size_t k = 0; k < n_keep; k++)
			claimed |= keep[k] == (ssize_t)j;
		if (!claimed)
			return (ssize_t)j;
	}
	return -1;
}

/* Move a running output into its place in the new pipeline (o has an unused ctx). */
static void take_output(struct dt_output_inst *o, struct dt_output_inst *from)
{
	struct dt_errbuf err = {0};

	dt_plugin_conf_free_ctx(o->options, o->ctx);
	o->ctx = from->ctx;
	o->in = from->in;
	o->out = from->out;
	o->rejected = from->rejected;
	o->initialised = true;
	o->kept = true;
	from->ctx = NULL;
	from->initialised = false;
	from->rejected = 0;
	if (o->p->reopen && o->p->reopen(o->ctx, &err))
		dt_warn("output %s: reopen: %s", o->label, err.msg);
}

static int build(struct dt_config *cfg, bool with_outputs, struct dt_pipeline *old,
		 struct dt_pipeline **out, struct dt_errbuf *err)
{
	ssize_t keep[DT_PIPELINE_MAX_OUTPUTS]; /* index in old of an output kept, or -1 */
	struct dt_pipeline *pl = calloc(1, sizeof(*pl));
	size_t i;
	int rc;

	if (!pl)
		return -ENOMEM;
	pl->filters = calloc(cfg->n_filters ? cfg->n_filters : 1, sizeof(*pl->filters));
	pl->outputs = calloc(cfg->n_outputs ? cfg->n_outputs : 1, sizeof(*pl->outputs));
	if (!pl->filters || !pl->outputs) {
		dt_pipeline_free(pl);
		return -ENOMEM;
	}
	/* take every context first, so one error path frees them all */
	for (i = 0; i < cfg->n_filters; i++) {
		struct dt_filter_inst *f = &pl->filters[i];
		struct dt_plugin_conf *pc = &cfg->filters[i];

		f->p = pc->plugin;
		f->options = pc->options;
		f->ctx = pc->ctx;
		f->match = pc->route;
		memcpy(f->label, pc->label, sizeof(f->label));
		pc->ctx = NULL;
		pc->route = NULL;
		pl->n_filters++;
	}
	for (i = 0; i < cfg->n_outputs; i++) {
		struct dt_output_inst *o = &pl->outputs[i];
		struct dt_plugin_conf *pc = &cfg->outputs[i];

		o->p = pc->plugin;
		o->options = pc->options;
		o->ctx = pc->ctx;
		o->match = pc->route;
		o->signature = pc->signature;
		memcpy(o->label, pc->label, sizeof(o->label));
		pc->ctx = NULL;
		pc->route = NULL;
		pc->signature = NULL;
		pl->n_outputs++;
	}
	if (pl->n_outputs > DT_PIPELINE_MAX_OUTPUTS) {
		snprintf(err->msg, sizeof(err->msg), "%.200s: more than %d outputs", cfg->file,
			 DT_PIPELINE_MAX_OUTPUTS);
		dt_pipeline_free(pl);
		return -E2BIG;
	}
	for (i = 0; i < pl->n_outputs; i++)
		keep[i] = old ? find_kept(old, &pl->outputs[i], keep, i) : -1;
	for (i = 0; i < pl->n_filters; i++) {
		struct dt_filter_inst *f = &pl->filters[i];

		rc = f->p->init ? f->p->init(f->ctx, err) : 0;
		if (rc) {
			/* plugins write one sentence; prefix which one */
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%.200s: filter %s: %.250s", cfg->file, f->label,
				 err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			dt_plugin_conf_free_ctx(f->options, f->ctx);
			f->ctx = NULL;
			free_unbuilt(pl, i + 1);
			return rc;
		}
	}
	for (i = 0; with_outputs && i < pl->n_outputs; i++) {
		struct dt_output_inst *o = &pl->outputs[i];

		if (keep[i] >= 0)
			continue; /* moved over below, once everything else stands */
		rc = o->p->init ? o->p->init(o->ctx, err) : 0;
		if (rc) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%.200s: output %s: %.250s", cfg->file, o->label,
				 err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			dt_pipeline_free(pl);
			return rc;
		}
		o->initialised = true;
	}
	for (i = 0; with_outputs && i < pl->n_outputs; i++)
		if (keep[i] >= 0)
			take_output(&pl->outputs[i], &old->outputs[keep[i]]);
	*out = pl;
	return 0;
}

int dt_pipeline_new(struct dt_config *cfg, bool with_outputs, struct dt_pipeline **pl,
		    struct dt_errbuf *err)
{
	return build(cfg, with_outputs, NULL, pl, err);
}

int dt_pipeline_rebuild(struct dt_config *cfg, struct dt_pipeline *old, struct dt_pipeline **pl,
			struct dt_errbuf *err)
{
	return build(cfg, true, old, pl, err);
}

void dt_pipeline_route(struct dt_pipeline *pl, const struct dt_record *rec)
{
	const char *tag = rec->tag ? rec->tag : "";

	pl->records_in++;
	for (size_t i = 0; i < pl->n_filters; i++) {
		struct dt_filter_inst *f = &pl->filters[i];

		if (!dt_tag_match(f->match, tag))
			continue;
		f->in++;
		if (f->p->filter(f->ctx, rec) == DT_FILTER_DROP) {
			f->removed++;
			dt_stats_add(&dt_stats.filtered, 1);
			return;
		}
	}
	for (size_t i = 0; i < pl->n_outputs; i++) {
		struct dt_output_inst *o = &pl->outputs[i];

		if (!o->initialised || !dt_tag_match(o->match, tag))
			continue;
		o->in++;
		if (o->p->process(o->ctx, rec) < 0)
			o->rejected++;
		else
			o->out++;
	}
}

void dt_pipeline_flush(struct dt_pipeline *pl)
{
	for (size_t i = 0; pl && i < pl->n_outputs; i++)
		if (pl->outputs[i].initialised && pl->outputs[i].p->flush)
			pl->outputs[i].p->flush(pl->outputs[i].ctx);
}

void dt_pipeline_batch_begin(struct dt_pipeline *pl)
{
	for (size_t i = 0; pl && i < pl->n_outputs; i++)
		if (pl->outputs[i].initialised && pl->outputs[i].p->batch_begin)
			pl->outputs[i].p->batch_begin(pl->outputs[i].ctx);
}

void dt_pipeline_batch_end(struct dt_pipeline *pl)
{
	for (size_t i = 0; pl && i < pl->n_outputs; i++)
		if (pl->outputs[i].initialised && pl->outputs[i].p->batch_end)
			pl->outputs[i].p->batch_end(pl->outputs[i].ctx);
}

void dt_pipeline_heartbeat(struct dt_pipeline *pl, const struct dt_stats *stats)
{
	for (size_t i = 0; pl && i < pl->n_outputs; i++)
		if (pl->outputs[i].initialised && pl->outputs[i].p->heartbeat)
			pl->outputs[i].p->heartbeat(pl->outputs[i].ctx, stats);
}
