// SPDX-License-Identifier: MIT
/* YAML tree + command line -> struct dt_config, every key checked. */
#include "pipeline/model.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outputs/zmq_endpoint.h"
#include "pipeline/options.h"
#include "pipeline/registry.h"

#define DT_MAX_PLUGINS 64 /* per kind */

static const char *const top_keys[] = {"service", "pipeline", NULL};
static const char *const pipeline_keys[] = {"inputs", "filters", "outputs", NULL};
static const char *const input_reserved[] = {"name", "tag", NULL};
static const char *const routed_reserved[] = {"name", "match", NULL};

void dt_plugin_conf_free_ctx(const struct dt_option *options, void *ctx)
{
	if (!ctx)
		return;
	dt_options_free(options, ctx);
	free(ctx);
}

void dt_config_free(struct dt_config *cfg)
{
	struct dt_plugin_conf *lists[3];
	size_t counts[3];

	if (!cfg)
		return;
	lists[0] = cfg->inputs, counts[0] = cfg->n_inputs;
	lists[1] = cfg->filters, counts[1] = cfg->n_filters;
	lists[2] = cfg->outputs, counts[2] = cfg->n_outputs;
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < counts[k]; i++) {
			dt_plugin_conf_free_ctx(lists[k][i].options, lists[k][i].ctx);
			free(lists[k][i].route);
			free(lists[k][i].signature);
		}
		free(lists[k]);
	}
	dt_options_free(dt_service_options, &cfg->service);
	dt_node_free(cfg->root);
	free(cfg->file);
	free(cfg);
}

static int check_keys(const struct dt_node *map, const char *const *allowed, const char *what,
		      const char *file, struct dt_errbuf *err)
{
	if (map->kind != DT_NODE_MAP) {
		dt_errf(err, file, map->line, "%s: expected a map", what);
		return -EINVAL;
	}
	for (size_t i = 0; i < map->n; i++) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, map->keys[i]) == 0)
				break;
		if (!*a) {
			dt_errf(err, file, map->key_lines[i], "%s: unknown key", map->keys[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- command-line overrides, applied to the tree before checking ---- */

static struct dt_node *get_or_add(struct dt_node *map, const char *key, enum dt_node_kind kind)
{
	int i = dt_node_index(map, key);

	if (i >= 0)
		return map->items[i];
	if (dt_node_map_set(map, key, dt_node_new(kind)))
		return NULL;
	return map->items[dt_node_index(map, key)];
}

static struct dt_node *str_seq(const char *const *items, size_t n)
{
	struct dt_node *seq = dt_node_new(DT_NODE_SEQ);

	for (size_t i = 0; seq && i < n; i++) {
		if (dt_node_seq_append(seq, dt_node_new_scalar(items[i]))) {
			dt_node_free(seq);
			return NULL;
		}
	}
	return seq;
}

static struct dt_node *find_by_name(struct dt_node *seq, const char *name)
{
	for (size_t i = 0; seq && seq->kind == DT_NODE_SEQ && i < seq->n; i++) {
		const struct dt_node *n = dt_node_get(seq->items[i], "name");

		if (n && n->kind == DT_NODE_SCALAR && strcmp(n->value, name) == 0)
			return seq->items[i];
	}
	return NULL;
}

static int apply_cli(struct dt_node *root, const struct dt_cli *cli, const char *file,
		     struct dt_errbuf *err)
{
	struct dt_node *pl, *ins, *outs, *svc, *m;
	int rc = 0;

	if (root->kind != DT_NODE_MAP) {
		dt_errf(err, file, root->line, "the top level must be a map (service, pipeline)");
		return -EINVAL;
	}
	pl = get_or_add(root, "pipeline", DT_NODE_MAP);
	svc = get_or_add(root, "service", DT_NODE_MAP);
	if (!pl || !svc)
		return -ENOMEM;
	if (pl->kind != DT_NODE_MAP || svc->kind != DT_NODE_MAP) {
		dt_errf(err, file, pl->kind != DT_NODE_MAP ? pl->line : svc->line,
			"%s: expected a map", pl->kind != DT_NODE_MAP ? "pipeline" : "service");
		return -EINVAL;
	}
	if (cli->verbose)
		rc = rc ?: dt_node_map_set(svc, "log_level", dt_node_new_scalar("debug"));
	if (cli->user)
		rc = rc ?: dt_node_map_set(svc, "user", dt_node_new_scalar(cli->user));
	if (cli->http_listen)
		rc =
		    rc ?: dt_node_map_set(svc, "http_listen", dt_node_new_scalar(cli->http_listen));
	if (rc)
		return rc;

	ins = get_or_add(pl, "inputs", DT_NODE_SEQ);
	outs = get_or_add(pl, "outputs", DT_NODE_SEQ);
	if (!ins || !outs)
		return -ENOMEM;
	if (ins->kind != DT_NODE_SEQ || outs->kind != DT_NODE_SEQ) {
		dt_errf(err, file, ins->kind != DT_NODE_SEQ ? ins->line : outs->line,
			"%s: expected a list", ins->kind != DT_NODE_SEQ ? "inputs" : "outputs");
		return -EINVAL;
	}
	if (cli->pcap) {
		/* one pcap input replaces the configured ones; keep the first tag */
		const struct dt_node *tag = ins->n ? dt_node_get(ins->items[0], "tag") : NULL;
		char *tag_s =
		    strdup(tag && tag->kind == DT_NODE_SCALAR ? tag->value : DT_DEFAULT_TAG);

		m = dt_node_new(DT_NODE_MAP);
		if (!tag_s || !m) {
			free(tag_s);
			dt_node_free(m);
			return -ENOMEM;
		}
		rc = dt_node_map_set(m, "name", dt_node_new_scalar("pcap"));
		rc = rc ?: dt_node_map_set(m, "tag", dt_node_new_scalar(tag_s));
		rc = rc ?: dt_node_map_set(m, "path", dt_node_new_scalar(cli->pcap));
		free(tag_s);
		if (rc) {
			dt_node_free(m);
			return rc;
		}
		ins = dt_node_new(DT_NODE_SEQ);
		if (!ins) {
			dt_node_free(m);
			return -ENOMEM;
		}
		rc = dt_node_seq_append(ins, m); /* takes m */
		if (rc) {
			dt_node_free(ins);
			return rc;
		}
		rc = dt_node_map_set(pl, "inputs", ins); /* takes ins */
		if (rc)
			return rc;
	} else if (ins->n == 0) {
		m = dt_node_new(DT_NODE_MAP);
		if (!m)
			return -ENOMEM;
		rc = dt_node_map_set(m, "name", dt_node_new_scalar("ebpf"));
		rc = rc ?: dt_node_map_set(m, "tag", dt_node_new_scalar(DT_DEFAULT_TAG));
		if (rc) {
			dt_node_free(m);
			return rc;
		}
		rc = dt_node_seq_append(ins, m);
		if (rc)
			return rc;
	}

	m = find_by_name(outs, "zmq");
	if (!m && (outs->n == 0 || cli->n_publish || cli->n_connect)) {
		static const char *const def[] = {DT_DEFAULT_PUBLISH};

		m = dt_node_new(DT_NODE_MAP);
		if (!m)
			return -ENOMEM;
		rc = dt_node_map_set(m, "name", dt_node_new_scalar("zmq"));
		rc = rc ?: dt_node_map_set(m, "match", dt_node_new_scalar("*"));
		if (!cli->n_publish && !cli->n_connect)
			rc = rc ?: dt_node_map_set(m, "publish", str_seq(def, 1));
		if (rc) {
			dt_node_free(m);
			return rc;
		}
		rc = dt_node_seq_append(outs, m);
		if (rc)
			return rc;
	}
	if (m && (cli->n_publish || cli->n_connect)) {
		int pi = dt_node_index(m, "publish"), ci = dt_node_index(m, "connect");

		/* the command line replaces both endpoint lists */
		if (pi >= 0)
			rc = dt_node_map_set(m, "publish", str_seq(cli->publish, cli->n_publish));
		else if (cli->n_publish)
			rc = dt_node_map_set(m, "publish", str_seq(cli->publish, cli->n_publish));
		if (rc == 0 && (ci >= 0 || cli->n_connect))
			rc = dt_node_map_set(m, "connect", str_seq(cli->connect, cli->n_connect));
		if (rc)
			return rc;
	}
	if (cli->stdout_format) {
		m = find_by_name(outs, "stdout");
		if (!m) {
			m = dt_node_new(DT_NODE_MAP);
			if (!m)
				return -ENOMEM;
			rc = dt_node_map_set(m, "name", dt_node_new_scalar("stdout"));
			rc = rc ?: dt_node_map_set(m, "match", dt_node_new_scalar("*"));
			rc = rc ?: dt_node_seq_append(outs, m);
			if (rc)
				return rc;
		}
		rc = dt_node_map_set(m, "format", dt_node_new_scalar(cli->stdout_format));
	}
	return rc;
}

/* ---- checking ---- */

/* Endpoint syntax of the outputs that take one: --check-config rejects a
 * typo that would otherwise only fail at bind/connect time. */
enum endpoint_form { EP_ZMQ_BIND, EP_ZMQ_CONNECT, EP_SYSLOG };

static const struct {
	const char *plugin, *key;
	enum endpoint_form form;
} endpoint_keys[] = {
    {"zmq", "publish", EP_ZMQ_BIND},
    {"zmq", "connect", EP_ZMQ_CONNECT},
    {"syslog", "address", EP_SYSLOG},
};

static int check_endpoint(const char *key, enum endpoint_form form, const struct dt_node *v,
			  const char *file, struct dt_errbuf *err)
{
	char why[200];
	int rc;

	if (v->kind != DT_NODE_SCALAR)
		return 0; /* the option table already reported it */
	rc = form == EP_SYSLOG
		 ? dt_syslog_address_check(v->value, why, sizeof(why))
		 : dt_zmq_endpoint_check(v->value, form == EP_ZMQ_CONNECT, why, sizeof(why));
	if (rc == 0)
		return 0;
	if (v->line > 0)
		dt_errf(err, file, v->line, "%s: %s", key, why);
	else if (err) /* from --publish / --connect: no file line */
		snprintf(err->msg, sizeof(err->msg), "command line: %s: %s", key, why);
	return rc;
}

static int check_endpoints(const char *plugin, const struct dt_node *item, const char *file,
			   struct dt_errbuf *err)
{
	for (size_t i = 0; i < sizeof(endpoint_keys) / sizeof(endpoint_keys[0]); i++) {
		const struct dt_node *n;
		int rc = 0;

		if (strcmp(plugin, endpoint_keys[i].plugin) != 0)
			continue;
		n = dt_node_get(item, endpoint_keys[i].key);
		if (!n)
			continue;
		if (n->kind == DT_NODE_SEQ)
			for (size_t j = 0; j < n->n && rc == 0; j++)
				rc = check_endpoint(endpoint_keys[i].key, endpoint_keys[i].form,
						    n->items[j], file, err);
		else
			rc = check_endpoint(endpoint_keys[i].key, endpoint_keys[i].form, n, file,
					    err);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_plugins(struct dt_config *cfg, const struct dt_node *seq, enum dt_plugin_kind kind,
			const char *what, struct dt_errbuf *err)
{
	struct dt_plugin_conf *list;
	size_t *count;
	const char *file = cfg->file;

	if (!seq)
		return 0;
	if (seq->kind != DT_NODE_SEQ) {
		dt_errf(err, file, seq->line, "%s: expected a list of {name: ...} maps", what);
		return -EINVAL;
	}
	if (seq->n > DT_MAX_PLUGINS) {
		dt_errf(err, file, seq->line, "%s: more than %d entries", what, DT_MAX_PLUGINS);
		return -E2BIG;
	}
	list = calloc(seq->n ? seq->n : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	switch (kind) {
	case DT_KIND_INPUT:
		cfg->inputs = list, count = &cfg->n_inputs;
		break;
	case DT_KIND_FILTER:
		cfg->filters = list, count = &cfg->n_filters;
		break;
	default:
		cfg->outputs = list, count = &cfg->n_outputs;
		break;
	}
	for (size_t i = 0; i < seq->n; i++) {
		const struct dt_node *item = seq->items[i];
		const struct dt_node *name, *route;
		struct dt_plugin_conf *pc = &list[i];
		const char *route_key = kind == DT_KIND_INPUT ? "tag" : "match";
		size_t same = 0;
		int rc;

		if (item->kind != DT_NODE_MAP) {
			dt_errf(err, file, item->line, "%s: each entry must be a map with a name",
				what);
			return -EINVAL;
		}
		name = dt_node_get(item, "name");
		if (!name) {
			dt_errf(err, file, item->line, "name: required key is missing");
			return -EINVAL;
		}
		if (name->kind != DT_NODE_SCALAR) {
			dt_errf(err, file, name->line, "name: expected a string");
			return -EINVAL;
		}
		pc->kind = kind;
		pc->line = item->line;
		(*count)++; /* from here on dt_config_free() cleans this entry */
		if (kind == DT_KIND_INPUT) {
			const struct dt_input_plugin *p = dt_registry_input(name->value);

			if (p)
				pc->plugin = p, pc->name = p->name, pc->options = p->options,
				pc->ctx_size = p->ctx_size;
		} else if (kind == DT_KIND_FILTER) {
			const struct dt_filter_plugin *p = dt_registry_filter(name->value);

			if (p)
				pc->plugin = p, pc->name = p->name, pc->options = p->options,
				pc->ctx_size = p->ctx_size;
		} else {
			const struct dt_output_plugin *p = dt_registry_output(name->value);

			if (p)
				pc->plugin = p, pc->name = p->name, pc->options = p->options,
				pc->ctx_size = p->ctx_size;
		}
		if (!pc->plugin) {
			dt_errf(err, file, name->line, "name: unknown %s plugin \"%s\"",
				kind == DT_KIND_INPUT	 ? "input"
				: kind == DT_KIND_FILTER ? "filter"
							 : "output",
				name->value);
			return -ENOENT;
		}
		route = dt_node_get(item, route_key);
		if (route && (route->kind != DT_NODE_SCALAR || !route->value[0])) {
			dt_errf(err, file, route->line, "%s: expected a non-empty string",
				route_key);
			return -EINVAL;
		}
		pc->route = strdup(route		   ? route->value
				   : kind == DT_KIND_INPUT ? DT_DEFAULT_TAG
							   : "*");
		if (!pc->route)
			return -ENOMEM;
		for (size_t j = 0; j < i; j++)
			same += list[j].name == pc->name;
		snprintf(pc->label, sizeof(pc->label), "%s.%zu", pc->name, same);
		pc->signature = dt_node_signature(item);
		pc->ctx = calloc(1, pc->ctx_size ? pc->ctx_size : 1);
		if (!pc->ctx)
			return -ENOMEM;
		rc = dt_options_apply(pc->options, pc->ctx, item,
				      kind == DT_KIND_INPUT ? input_reserved : routed_reserved,
				      file, err);
		if (rc) {
			free(pc->ctx);
			pc->ctx = NULL;
			return rc;
		}
		if (kind == DT_KIND_OUTPUT) {
			rc = check_endpoints(pc->name, item, file, err);
			if (rc) {
				dt_options_free(pc->options, pc->ctx);
				free(pc->ctx);
				pc->ctx = NULL;
				return rc;
			}
		}
	}
	return 0;
}

static int check_service(struct dt_config *cfg, const struct dt_node *svc, struct dt_errbuf *err)
{
	struct dt_service *s = &cfg->service;
	int rc = dt_options_apply(dt_service_options, s, svc, NULL, cfg->file, err);
	const struct dt_node *n;

	if (rc)
		return rc;
	if (dt_log_level_parse(s->log_level, &s->level)) {
		n = dt_node_get(svc, "log_level");
		dt_errf(err, cfg->file, n ? n->line : 0,
			"log_level: \"%s\" is not one of error, warn, info, debug", s->log_level);
		return -EINVAL;
	}
	if (s->user && !getpwnam(s->user)) {
		n = dt_node_get(svc, "user");
		dt_errf(err, cfg->file, n ? n->line : 0, "user: no such user \"%s\"", s->user);
		return -ENOENT;
	}
	if (s->http_listen) {
		const char *colon = strrchr(s->http_listen, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;

		if (!colon || colon == s->http_listen || !colon[1] || *end || port < 1 ||
		    port > 65535) {
			n = dt_node_get(svc, "http_listen");
			dt_errf(err, cfg->file, n ? n->line : 0,
				"http_listen: expected ADDRESS:PORT, got \"%s\"", s->http_listen);
			return -EINVAL;
		}
	}
	return 0;
}

int dt_config_load(const struct dt_cli *cli, struct dt_config **out, struct dt_errbuf *err)
{
	struct dt_config *cfg = calloc(1, sizeof(*cfg));
	const struct dt_node *pl;
	int rc;

	if (!cfg)
		return -ENOMEM;
	cfg->file = strdup(cli->config ? cli->config : "<command line>");
	if (!cfg->file) {
		rc = -ENOMEM;
		goto err_free_cfg;
	}
	if (cli->config_text)
		rc = dt_node_parse(cli->config_text, strlen(cli->config_text), cfg->file,
				   &cfg->root, err);
	else if (cli->config)
		rc = dt_node_load_file(cli->config, &cfg->root, err);
	else
		rc = dt_node_parse("", 0, cfg->file, &cfg->root, err);
	if (rc)
		goto err_free_cfg;
	if (cfg->root->kind != DT_NODE_MAP) {
		dt_errf(err, cfg->file, cfg->root->line,
			"the top level must be a map (service, pipeline)");
		rc = -EINVAL;
		goto err_free_cfg;
	}
	rc = check_keys(cfg->root, top_keys, "top level", cfg->file, err);
	if (rc)
		goto err_free_cfg;
	if ((pl = dt_node_get(cfg->root, "pipeline"))) {
		rc = check_keys(pl, pipeline_keys, "pipeline", cfg->file, err);
		if (rc)
			goto err_free_cfg;
	}
	rc = apply_cli(cfg->root, cli, cfg->file, err);
	if (rc)
		goto err_free_cfg;
	rc = check_service(cfg, dt_node_get(cfg->root, "service"), err);
	if (rc)
		goto err_free_cfg;
	pl = dt_node_get(cfg->root, "pipeline");
	rc = load_plugins(cfg, dt_node_get(pl, "inputs"), DT_KIND_INPUT, "inputs", err);
	rc = rc ?: load_plugins(cfg, dt_node_get(pl, "filters"), DT_KIND_FILTER, "filters", err);
	rc = rc ?: load_plugins(cfg, dt_node_get(pl, "outputs"), DT_KIND_OUTPUT, "outputs", err);
	if (rc)
		goto err_free_cfg;
	*out = cfg;
	return 0;

err_free_cfg:
	if (rc == -ENOMEM)
		dt_errf(err, cfg->file, 0, "out of memory");
	dt_config_free(cfg);
	return rc;
}
