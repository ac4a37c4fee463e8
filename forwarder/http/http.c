// SPDX-License-Identifier: MIT
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#define METRICS_MAX (256 * 1024)

struct dt_http {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	struct dt_http_snapshot snap;
	char page[METRICS_MAX];	      /* server thread only */
	struct dt_http_snapshot copy; /* server thread only */
};

struct pbuf {
	char *p;
	size_t len, cap;
	bool full;
};

static void pf(struct pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->full = true;
	else
		b->len += (size_t)n;
}

static void family(struct pbuf *b, const char *name, const char *type, const char *help)
{
	pf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int dt_http_render_metrics(const struct dt_http_snapshot *s, char *buf, size_t size)
{
	static const struct {
		const char *name, *help;
		size_t off;
		const char *kinds;
	} per[] = {
	    {"dnstrail_plugin_records_in_total", "records that reached the plugin",
	     offsetof(struct dt_http_plugin, in), "filter output"},
	    {"dnstrail_plugin_records_out_total", "records the output accepted",
	     offsetof(struct dt_http_plugin, out), "output"},
	    {"dnstrail_plugin_records_dropped_total",
	     "records lost: an output's (queue full, error); an input's in the kernel "
	     "(ring full, BPF runs skipped)",
	     offsetof(struct dt_http_plugin, dropped), "output input"},
	    {"dnstrail_plugin_records_removed_total", "records the filter removed",
	     offsetof(struct dt_http_plugin, removed), "filter"},
	};
	struct pbuf b = {.p = buf, .cap = size};

	for (size_t i = 0; i < dt_stat_count; i++) {
		char name[96];

		snprintf(name, sizeof(name), "dnstrail_%s_total", dt_stat_descs[i].name);
		family(&b, name, "counter", dt_stat_descs[i].help);
		pf(&b, "%s %" PRIu64 "\n", name, dt_stat_value(&s->stats, &dt_stat_descs[i]));
	}
	for (size_t k = 0; k < sizeof(per) / sizeof(per[0]); k++) {
		family(&b, per[k].name, "counter", per[k].help);
		for (size_t i = 0; i < s->n_plugins; i++) {
			const struct dt_http_plugin *p = &s->plugins[i];

			if (!strstr(per[k].kinds, p->kind))
				continue;
			pf(&b, "%s{kind=\"%s\",name=\"%s\"} %" PRIu64 "\n", per[k].name, p->kind,
			   p->name, *(const uint64_t *)((const char *)p + per[k].off));
		}
	}
	family(&b, "dnstrail_output_queue_depth", "gauge", "records waiting in an output's queue");
	for (size_t i = 0; i < s->n_plugins; i++)
		if (strcmp(s->plugins[i].kind, "output") == 0)
			pf(&b, "dnstrail_output_queue_depth{name=\"%s\"} %" PRIu64 "\n",
			   s->plugins[i].name, s->plugins[i].queued);
	if (s->n_progs) {
		static const struct {
			const char *name, *type, *help;
		} prog_families[] = {
		    {"dnstrail_bpf_program_runs_total", "counter",
		     "runs of a BPF program (counted while BPF run-time statistics are on)"},
		    {"dnstrail_bpf_program_run_seconds_total", "counter",
		     "time spent in a BPF program (while BPF run-time statistics are on)"},
		    {"dnstrail_bpf_program_recursion_misses_total", "counter",
		     "runs the kernel skipped: the program was already running on that CPU"},
		};

		for (size_t k = 0; k < sizeof(prog_families) / sizeof(prog_families[0]); k++) {
			family(&b, prog_families[k].name, prog_families[k].type,
			       prog_families[k].help);
			for (size_t i = 0; i < s->n_progs; i++) {
				const struct dt_http_prog *p = &s->progs[i];

				pf(&b, "%s{input=\"%s\",program=\"%s\"} ", prog_families[k].name,
				   p->input, p->s.name);
				if (k == 0)
					pf(&b, "%" PRIu64 "\n", p->s.runs);
				else if (k == 1)
					pf(&b, "%.9f\n", (double)p->s.run_ns / 1e9);
				else
					pf(&b, "%" PRIu64 "\n", p->s.recursion_misses);
			}
		}
		if (s->bpf_stats_enabled >= 0) {
			family(&b, "dnstrail_bpf_stats_enabled", "gauge",
			       "1 while the kernel counts BPF run time (input option bpf_stats, "
			       "or the sysctl kernel.bpf_stats_enabled)");
			pf(&b, "dnstrail_bpf_stats_enabled %d\n", s->bpf_stats_enabled);
		}
	}
	family(&b, "dnstrail_reloads_total", "counter", "configuration reloads applied");
	pf(&b, "dnstrail_reloads_total %" PRIu64 "\n", s->reloads);
	family(&b, "dnstrail_reload_failures_total", "counter",
	       "reloads refused (old pipeline kept)");
	pf(&b, "dnstrail_reload_failures_total %" PRIu64 "\n", s->reload_failures);
	family(&b, "dnstrail_up", "gauge", "1 while capture and outputs are healthy");
	pf(&b, "dnstrail_up %d\n", s->healthy ? 1 : 0);
	family(&b, "dnstrail_uptime_seconds", "gauge", "seconds since start");
	pf(&b, "dnstrail_uptime_seconds %.3f\n", (double)s->uptime_ns / 1e9);
	return b.full ? -ENOSPC : (int)b.len;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct dt_http *h = cls;
	char msg[200];
	int n;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	pthread_mutex_lock(&h->lock);
	h->copy = h->snap;
	pthread_mutex_unlock(&h->lock);
	if (strcmp(url, "/api/v1/health") == 0) {
		if (h->copy.healthy)
			return reply(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3);
		n = snprintf(msg, sizeof(msg), "%s\n", h->copy.reason);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", msg, (size_t)n);
	}
	if (strcmp(url, "/api/v1/metrics/prometheus") == 0) {
		n = dt_http_render_metrics(&h->copy, h->page, sizeof(h->page));
		if (n < 0)
			return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
				     "too long\n", 9);
		return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4", h->page, (size_t)n);
	}
	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", "not found\n", 10);
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -EINVAL;
	memcpy(host, listen, colon - listen);
	host[colon - listen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		host[strlen(host) - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (strcmp(host, "*") == 0 || host[0] == '\0')
			strcpy(host, "0.0.0.0");
		return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -EINVAL;
	}
}

int dt_http_start(const char *listen, struct dt_http **out, struct dt_errbuf *err)
{
	struct dt_http *h;
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (parse_listen(listen, &ss)) {
		snprintf(err->msg, sizeof(err->msg),
			 "http_listen: \"%s\" is not ADDRESS:PORT with a numeric address", listen);
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	snprintf(h->snap.reason, sizeof(h->snap.reason), "starting");
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR, &ss,
				     MHD_OPTION_CONNECTION_LIMIT, 32u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->daemon) {
		snprintf(err->msg, sizeof(err->msg), "http_listen: cannot listen on %s", listen);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return -EADDRINUSE;
	}
	*out = h;
	return 0;
}

void dt_http_publish(struct dt_http *h, const struct dt_http_snapshot *snap)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->snap = *snap;
	pthread_mutex_unlock(&h->lock);
}

void dt_http_stop(struct dt_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
