/* SPDX-License-Identifier: MIT */
/*
 * The configuration as the daemon uses it: YAML file + command-line
 * overrides -> service settings and one filled plugin context per
 * input/filter/output, every value checked (FILE:LINE: key: reason).
 */
#ifndef DT_MODEL_H
#define DT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/config.h"
#include "pipeline/plugin.h"
#include "pipeline/service.h"

enum dt_plugin_kind { DT_KIND_INPUT, DT_KIND_FILTER, DT_KIND_OUTPUT };

struct dt_plugin_conf {
	enum dt_plugin_kind kind;
	const char *name; /* plugin name (static, from the plugin) */
	char *route;	  /* inputs: tag; filters/outputs: match pattern */
	char label[48];	  /* "syslog.0": plugin name and index among its kind */
	int line;
	const void *plugin; /* struct dt_{input,filter,output}_plugin */
	const struct dt_option *options;
	size_t ctx_size;
	void *ctx;	 /* filled by the option table; NULL once taken by the pipeline */
	char *signature; /* dt_node_signature() of its YAML map; NULL if unknown */
};

struct dt_config {
	char *file; /* for messages */
	struct dt_node *root;
	struct dt_service service;
	struct dt_plugin_conf *inputs, *filters, *outputs;
	size_t n_inputs, n_filters, n_outputs;
};

/* What the command line sets; it wins over the file. */
struct dt_cli {
	const char *config;	 /* -c FILE, NULL = none */
	const char *config_text; /* if set, parsed instead of reading `config` (reload fallback) */
	const char *pcap;
	const char *stdout_format; /* NULL = no --stdout */
	const char **publish;
	size_t n_publish;
	const char **connect;
	size_t n_connect;
	const char *user;
	const char *http_listen;
	bool verbose;
};

#define DT_DEFAULT_PUBLISH "tcp://127.0.0.1:5556"
#define DT_DEFAULT_TAG "dns"

int dt_config_load(const struct dt_cli *cli, struct dt_config **cfg, struct dt_errbuf *err);
/* Free a plugin context filled by its table (after the plugin's exit()). */
void dt_plugin_conf_free_ctx(const struct dt_option *options, void *ctx);
void dt_config_free(struct dt_config *cfg);

#endif
