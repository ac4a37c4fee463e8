/* SPDX-License-Identifier: MIT */
/*
 * The operations HTTP server (libmicrohttpd, its own thread):
 *   GET /api/v1/health             200 "ok", or 503 and the reason
 *   GET /api/v1/metrics/prometheus Prometheus text format
 * The main loop publishes a snapshot (mutex-protected copy) about every
 * flush; the server thread reads only that snapshot.
 */
#ifndef DT_HTTP_H
#define DT_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/stats.h"
#include "pipeline/plugin.h"

#define DT_HTTP_MAX_PLUGINS 200

struct dt_http_plugin {
	char kind[8];  /* input, filter, output */
	char name[48]; /* "syslog.0" */
	uint64_t in, out, dropped, removed, queued;
};

#define DT_HTTP_MAX_PROGS 64

/* A kernel program of an input (metrics dnstrail_bpf_*). */
struct dt_http_prog {
	char input[48]; /* "ebpf.0" */
	struct dt_prog_stat s;
};

struct dt_http_snapshot {
	struct dt_stats stats;
	uint64_t uptime_ns;
	uint64_t reloads, reload_failures;
	bool healthy;
	char reason[160]; /* why not healthy */
	size_t n_plugins;
	struct dt_http_plugin plugins[DT_HTTP_MAX_PLUGINS];
	int bpf_stats_enabled; /* BPF run time counted: 1 (an input's bpf_stats, or the
				* sysctl kernel.bpf_stats_enabled), 0, or -1 unknown */
	size_t n_progs;
	struct dt_http_prog progs[DT_HTTP_MAX_PROGS];
};

struct dt_http;

/* listen: "ADDRESS:PORT" ("[::1]:2020", "127.0.0.1:2020", "localhost:2020"). */
int dt_http_start(const char *listen, struct dt_http **http, struct dt_errbuf *err);
void dt_http_publish(struct dt_http *http, const struct dt_http_snapshot *snap);
void dt_http_stop(struct dt_http *http);

/* Render the metrics page (exposed for tests). Returns the length or -ENOSPC. */
int dt_http_render_metrics(const struct dt_http_snapshot *snap, char *buf, size_t size);

#endif
