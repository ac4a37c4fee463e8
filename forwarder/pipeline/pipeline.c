// SPDX-License-Identifier: MIT
/* Filters and outputs: build, route records by tag, flush, tear down. */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int dt_pipeline_new(struct dt_config *cfg, bool with_outputs, struct dt_pipeline **out,
		    struct dt_errbuf *err)
{
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
		memcpy(o->label, pc->label, sizeof(o->label));
		pc->ctx = NULL;
		pc->route = NULL;
		pl->n_outputs++;
	}
	for (i = 0; i < pl->n_filters; i++) {
		struct dt_filter_inst *f = &pl->filters[i];

		rc = f->p->init ? f->p->init(f->ctx, err) : 0;
		if (rc) {
			/* plugins write one sentence; prefix which one */
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%.200s: filter %s: %.250s", cfg->file, f->label, err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			dt_plugin_conf_free_ctx(f->options, f->ctx);
			f->ctx = NULL;
			free_unbuilt(pl, i + 1);
			return rc;
		}
	}
	for (i = 0; with_outputs && i < pl->n_outputs; i++) {
		struct dt_output_inst *o = &pl->outputs[i];

		rc = o->p->init ? o->p->init(o->ctx, err) : 0;
		if (rc) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%.200s: output %s: %.250s", cfg->file, o->label, err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			dt_pipeline_free(pl);
			return rc;
		}
		o->initialised = true;
	}
	*out = pl;
	return 0;
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

void dt_pipeline_heartbeat(struct dt_pipeline *pl, const struct dt_stats *stats)
{
	for (size_t i = 0; pl && i < pl->n_outputs; i++)
		if (pl->outputs[i].initialised && pl->outputs[i].p->heartbeat)
			pl->outputs[i].p->heartbeat(pl->outputs[i].ctx, stats);
}
