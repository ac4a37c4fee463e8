// SPDX-License-Identifier: MIT
/* The daemon's life: set up, main loop, reload, shutdown. */
#include "pipeline/daemon.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "core/clock.h"
#include "http/http.h"
#include "pipeline/log.h"
#include "pipeline/outbuf.h"
#include "pipeline/pipeline.h"
#include "pipeline/privdrop.h"

#define EV_SIGNAL 1
#define EV_TICK 2
#define EV_DURATION 3
#define EV_INPUT0 16
#define HEALTH_DROP_WINDOW_NS (10ull * 1000000000ull) /* drops this recent: unhealthy */

struct input_inst {
	const struct dt_input_plugin *p;
	const struct dt_option *options;
	void *ctx;
	char *tag;
	char label[48];
	struct dt_engine *engine;
	int fd;
	bool initialised, done, failed;
	bool held; /* fd out of the epoll set until the next tick (DT_INPUT_HELD) */
	int error;
	struct dt_kernel_losses losses; /* as of the last update_kernel_losses() */
	/* its kernel programs' counters, read there too: once per flush for
	 * the missed runs, the metrics page and the stop-time log alike */
	struct dt_prog_stat progs[DT_INPUT_MAX_PROGS];
	size_t n_progs;
};

struct daemon {
	struct dt_cli cli;
	struct dt_config *cfg; /* current: service settings (plugin contexts moved out) */
	char *config_text;     /* last good config file, for a reload fallback */
	struct input_inst *inputs;
	size_t n_inputs;
	struct dt_pipeline *pl;
	struct dt_http *http;
	int epfd, sfd, tfd, dfd;
	char host_name[256];
	uint64_t start_ns, last_flush_ns, last_stats_ns;
	uint64_t reloads, reload_failures;
	uint64_t drops_seen, drops_changed_ns;
	uint64_t kdrops_seen, kdrops_changed_ns;
	uint64_t watchdog_ns, last_watchdog_ns; /* systemd WatchdogSec=, 0 = off */
	uint64_t last_trim_ns;
	bool polling_inputs; /* some input is collect()-driven (pcap) and not done */
	bool ready, stop;
};

static void emit(const struct dt_record *rec, void *user)
{
	struct daemon *d = user;

	if (d->pl)
		dt_pipeline_route(d->pl, rec);
}

/* ---- inputs ---- */

/* service.decode_records: "all", or (the default) "answer" */
static unsigned decode_keep(const char *decode_records)
{
	return decode_records && strcmp(decode_records, "all") == 0 ? DNS_KEEP_ALL
								    : DNS_KEEP_ANSWER;
}

static int inputs_start(struct daemon *d, struct dt_errbuf *err)
{
	struct dt_config *cfg = d->cfg;

	d->inputs = calloc(cfg->n_inputs ? cfg->n_inputs : 1, sizeof(*d->inputs));
	if (!d->inputs)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_inputs; i++) {
		struct input_inst *in = &d->inputs[i];
		struct dt_plugin_conf *pc = &cfg->inputs[i];
		struct dt_engine_config ec = {0};
		int rc;

		in->p = pc->plugin;
		in->options = pc->options;
		in->ctx = pc->ctx;
		in->tag = pc->route;
		in->fd = -1;
		memcpy(in->label, pc->label, sizeof(in->label));
		pc->ctx = NULL;
		pc->route = NULL;
		d->n_inputs++;

		ec.timeout_ns = cfg->service.timeout;
		ec.max_pending = (uint32_t)cfg->service.max_pending;
		ec.decode_keep = decode_keep(cfg->service.decode_records);
		ec.tag = in->tag;
		ec.host_name = d->host_name;
		ec.emit = emit;
		ec.emit_user = d;
		ec.process_lookup = in->p->process_lookup;
		ec.process_lookup_user = in->ctx;
		rc = dt_engine_new(&ec, &in->engine);
		if (rc) {
			snprintf(err->msg, sizeof(err->msg), "input %s: engine: %s", in->label,
				 strerror(-rc));
			return rc;
		}
		rc = in->p->init(in->ctx, in->engine, err);
		if (rc) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "input %s: %.400s", in->label, err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			return rc;
		}
		in->initialised = true;
		in->fd = in->p->poll_fd ? in->p->poll_fd(in->ctx) : -1;
		if (in->fd >= 0) {
			struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_INPUT0 + i};

			if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, in->fd, &ev)) {
				rc = -errno;
				snprintf(err->msg, sizeof(err->msg), "input %s: epoll: %s",
					 in->label, strerror(errno));
				return rc;
			}
		} else {
			d->polling_inputs = true;
		}
		char what[128] = "";

		if (in->p->describe)
			in->p->describe(in->ctx, what, sizeof(what));
		dt_info("input %s attached (tag %s%s%s)", in->label, in->tag, what[0] ? "; " : "",
			what);
	}
	return 0;
}

/* What the kernel counted for an input's programs, when its run-time
 * statistics were on (bpf_stats): one log line per program that ran. */
static void log_program_cost(const struct input_inst *in)
{
	const struct dt_prog_stat *progs = in->progs;

	for (size_t j = 0; j < in->n_progs; j++)
		if (progs[j].runs)
			dt_info("input %s: BPF program %s: %" PRIu64 " runs, %.0f ns per run",
				in->label, progs[j].name, progs[j].runs,
				(double)progs[j].run_ns / (double)progs[j].runs);
}

static void inputs_stop(struct daemon *d)
{
	for (size_t i = 0; i < d->n_inputs; i++) {
		struct input_inst *in = &d->inputs[i];

		if (in->initialised)
			log_program_cost(in); /* as of the final update_kernel_losses() */
		if (in->initialised && in->p->exit)
			in->p->exit(in->ctx);
		dt_engine_free(in->engine);
		dt_plugin_conf_free_ctx(in->options, in->ctx);
		free(in->tag);
	}
	free(d->inputs);
	d->inputs = NULL;
	d->n_inputs = 0;
}

/* An input's fd in the epoll set (EPOLLIN) or left there unpolled; true
 * when it changed. */
static bool poll_input(struct daemon *d, struct input_inst *in, bool on)
{
	struct epoll_event ev = {.events = on ? EPOLLIN : 0,
				 .data.u64 = EV_INPUT0 + (uint64_t)(in - d->inputs)};

	return epoll_ctl(d->epfd, EPOLL_CTL_MOD, in->fd, &ev) == 0;
}

static void collect(struct daemon *d, struct input_inst *in)
{
	int rc;

	if (in->done || in->failed)
		return;
	rc = in->p->collect(in->ctx);
	if (rc == DT_INPUT_HELD && !in->held && in->fd >= 0) {
		in->held = poll_input(d, in, false);
	} else if (rc == 1) {
		in->done = true;
		dt_info("input %s finished", in->label);
	} else if (rc < 0 && rc != -EAGAIN && rc != -EINTR) {
		in->failed = true;
		in->error = rc;
		dt_err("input %s failed: %s", in->label, strerror(-rc));
	}
}

static void update_kernel_losses(struct daemon *d)
{
	struct dt_kernel_losses sum = {0};

	for (size_t i = 0; i < d->n_inputs; i++) {
		struct input_inst *in = &d->inputs[i];

		if (!in->initialised)
			continue;
		if (in->p->kernel_losses)
			in->p->kernel_losses(in->ctx, &in->losses);
		/* the kernel counts recursion misses with or without bpf_stats */
		if (in->p->programs) {
			in->n_progs = in->p->programs(in->ctx, in->progs, DT_INPUT_MAX_PROGS);
			in->losses.missed_runs = 0;
			for (size_t j = 0; j < in->n_progs; j++)
				in->losses.missed_runs += in->progs[j].recursion_misses;
		}
		sum.drops += in->losses.drops;
		sum.unparsed += in->losses.unparsed;
		sum.missed_runs += in->losses.missed_runs;
	}
	__atomic_store_n(&dt_stats.kernel_drops, sum.drops, __ATOMIC_RELAXED);
	__atomic_store_n(&dt_stats.kernel_unparsed, sum.unparsed, __ATOMIC_RELAXED);
	__atomic_store_n(&dt_stats.kernel_missed_runs, sum.missed_runs, __ATOMIC_RELAXED);
}

/* ---- health and metrics ---- */

/* The sysctl kernel.bpf_stats_enabled: 1, 0, or -1 when unreadable. It
 * stays 0 while a process holds the statistics on through BPF_ENABLE_STATS. */
static int read_bpf_stats_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void publish_snapshot(struct daemon *d, uint64_t mono)
{
	static struct dt_http_snapshot s; /* large: not on the stack */
	struct dt_pipeline *pl = d->pl;
	uint64_t drops = dt_stats_get(&dt_stats.output_drops);

	/* a skipped program run loses a packet as surely as a full ring */
	uint64_t kdrops = dt_stats_get(&dt_stats.kernel_drops) +
			  dt_stats_get(&dt_stats.kernel_missed_runs);

	if (drops != d->drops_seen) {
		d->drops_seen = drops;
		d->drops_changed_ns = mono;
	}
	if (kdrops != d->kdrops_seen) {
		d->kdrops_seen = kdrops;
		d->kdrops_changed_ns = mono;
	}
	if (!d->http)
		return;
	memset(&s, 0, sizeof(s));
	s.stats = dt_stats;
	s.uptime_ns = mono - d->start_ns;
	s.reloads = d->reloads;
	s.reload_failures = d->reload_failures;
	s.healthy = d->ready && !d->stop;
	if (!d->ready || d->stop)
		snprintf(s.reason, sizeof(s.reason), "%s", d->stop ? "stopping" : "starting");
	for (size_t i = 0; i < d->n_inputs && s.n_plugins < DT_HTTP_MAX_PLUGINS; i++) {
		struct input_inst *in = &d->inputs[i];
		struct dt_http_plugin *p = &s.plugins[s.n_plugins++];

		snprintf(p->kind, sizeof(p->kind), "input");
		snprintf(p->name, sizeof(p->name), "%s", in->label);
		p->dropped = in->losses.drops + in->losses.missed_runs;
		if (in->failed && s.healthy) {
			s.healthy = false;
			snprintf(s.reason, sizeof(s.reason), "input %s failed: %s", in->label,
				 strerror(-in->error));
		}
	}
	for (size_t i = 0; i < d->n_inputs; i++) {
		struct input_inst *in = &d->inputs[i];
		const struct dt_prog_stat *progs = in->progs; /* this flush's */

		if (!in->initialised)
			continue;
		for (size_t j = 0; j < in->n_progs && s.n_progs < DT_HTTP_MAX_PROGS; j++) {
			struct dt_http_prog *p = &s.progs[s.n_progs++];

			snprintf(p->input, sizeof(p->input), "%s", in->label);
			p->s = progs[j];
			if (progs[j].stats_held)
				s.bpf_stats_enabled = 1;
		}
	}
	if (s.n_progs && !s.bpf_stats_enabled)
		s.bpf_stats_enabled = read_bpf_stats_sysctl();
	for (size_t i = 0; pl && i < pl->n_filters && s.n_plugins < DT_HTTP_MAX_PLUGINS; i++) {
		struct dt_http_plugin *p = &s.plugins[s.n_plugins++];

		snprintf(p->kind, sizeof(p->kind), "filter");
		snprintf(p->name, sizeof(p->name), "%s", pl->filters[i].label);
		p->in = pl->filters[i].in;
		p->removed = pl->filters[i].removed;
	}
	for (size_t i = 0; pl && i < pl->n_outputs && s.n_plugins < DT_HTTP_MAX_PLUGINS; i++) {
		struct dt_output_inst *o = &pl->outputs[i];
		struct dt_http_plugin *p = &s.plugins[s.n_plugins++];

		snprintf(p->kind, sizeof(p->kind), "output");
		snprintf(p->name, sizeof(p->name), "%s", o->label);
		p->in = o->in;
		p->out = o->out;
		p->dropped = dt_output_inst_drops(o);
		p->queued = o->initialised && o->p->queued ? o->p->queued(o->ctx) : 0;
	}
	if (s.healthy && (!pl || pl->n_outputs == 0)) {
		s.healthy = false;
		snprintf(s.reason, sizeof(s.reason), "no outputs");
	}
	if (s.healthy && d->kdrops_changed_ns &&
	    mono - d->kdrops_changed_ns < HEALTH_DROP_WINDOW_NS) {
		s.healthy = false;
		snprintf(s.reason, sizeof(s.reason),
			 "capture lost packets (kernel ring buffer full, or BPF runs skipped) "
			 "in the last %llus",
			 HEALTH_DROP_WINDOW_NS / 1000000000ull);
	}
	if (s.healthy && d->drops_changed_ns &&
	    mono - d->drops_changed_ns < HEALTH_DROP_WINDOW_NS) {
		s.healthy = false;
		snprintf(s.reason, sizeof(s.reason), "outputs dropped records in the last %llus",
			 HEALTH_DROP_WINDOW_NS / 1000000000ull);
	}
	dt_http_publish(d->http, &s);
}

/* ---- reload ---- */

/* Load text and build its pipeline, keeping the unchanged outputs of old (may be NULL). */
static int build_pipeline(struct daemon *d, const char *text, struct dt_pipeline *old,
			  struct dt_config **cfg_out, struct dt_pipeline **pl,
			  struct dt_errbuf *err)
{
	struct dt_cli cli = d->cli;
	struct dt_config *cfg;
	int rc;

	cli.config_text = text;
	rc = dt_config_load(&cli, &cfg, err);
	if (rc)
		return rc;
	rc = dt_pipeline_rebuild(cfg, old, pl, err);
	if (rc) {
		dt_config_free(cfg);
		return rc;
	}
	*cfg_out = cfg;
	return 0;
}

/* Inputs are never rebuilt on reload (the BPF programs stay): say so when they differ. */
static bool same_inputs(const struct daemon *d, const struct dt_config *cfg)
{
	if (cfg->n_inputs != d->n_inputs)
		return false;
	for (size_t i = 0; i < cfg->n_inputs; i++)
		if (strcmp(cfg->inputs[i].label, d->inputs[i].label) != 0 ||
		    strcmp(cfg->inputs[i].route, d->inputs[i].tag) != 0)
			return false;
	return true;
}

static void apply_service(struct daemon *d)
{
	dt_log_level = d->cfg->service.level;
}

/* Parse and check a configuration (filters initialised, outputs only by their tables). */
static int probe_config(struct daemon *d, const char *text, struct dt_errbuf *err)
{
	struct dt_cli cli = d->cli;
	struct dt_config *probe;
	struct dt_pipeline *pl;
	int rc;

	cli.config_text = text;
	rc = dt_config_load(&cli, &probe, err);
	if (rc)
		return rc;
	rc = dt_pipeline_new(probe, false, &pl, err);
	dt_config_free(probe);
	if (rc == 0)
		dt_pipeline_free(pl);
	return rc;
}

static bool str_changed(const char *now, const char *next)
{
	return next && (!now || strcmp(now, next) != 0);
}

static size_t kept_outputs(const struct dt_pipeline *pl)
{
	size_t n = 0;

	for (size_t i = 0; i < pl->n_outputs; i++)
		n += pl->outputs[i].kept;
	return n;
}

/* Make cfg/pl the running ones; the old pipeline must already be freed. */
static void adopt(struct daemon *d, struct dt_config *cfg, struct dt_pipeline *pl)
{
	const struct dt_service *now = &d->cfg->service, *next = &cfg->service;

	if (!same_inputs(d, cfg))
		dt_warn("reload: inputs changed; they apply at the next restart (the capture stays "
			"as is)");
	if (next->timeout != now->timeout || next->max_pending != now->max_pending ||
	    str_changed(now->user, next->user) || str_changed(now->http_listen, next->http_listen) ||
	    str_changed(now->decode_records, next->decode_records))
		dt_warn("reload: service timeout, max_pending, decode_records, user and http_listen "
			"apply at the next restart");
	d->pl = pl;
	dt_config_free(d->cfg);
	d->cfg = cfg;
	apply_service(d);
}

/*
 * SIGHUP: check the new file first (an invalid one changes nothing), then
 * build the new filters/outputs and free the old ones (flushed, drained).
 * If building fails while the old outputs hold something it needs (a bound
 * port), free them and try again; if that fails too, rebuild the previous
 * configuration. Inputs and engines stay: no pending query is lost, and the
 * loop is single-threaded, so no record is emitted half-way.
 */
static void reload(struct daemon *d)
{
	struct dt_errbuf err = {0};
	struct dt_config *cfg;
	struct dt_pipeline *pl;
	char *text = NULL;
	int rc;

	sd_notify(0, "RELOADING=1");
	dt_info("SIGHUP: reloading %s", d->cli.config ? d->cli.config : "(no config file)");
	if (d->cli.config && (rc = dt_read_text_file(d->cli.config, &text, &err)))
		goto err_refused;
	rc = probe_config(d, text ? text : "", &err);
	if (rc)
		goto err_free_text;
	dt_pipeline_flush(d->pl);
	rc = build_pipeline(d, text ? text : "", d->pl, &cfg, &pl, &err);
	dt_pipeline_free(d->pl); /* drains and closes the old outputs not kept */
	d->pl = NULL;
	if (rc) {
		/* maybe something the old outputs held (a port moved between outputs) */
		dt_info("%s; retrying with the old outputs closed", err.msg);
		rc = build_pipeline(d, text ? text : "", NULL, &cfg, &pl, &err);
	}
	if (rc) {
		dt_err("reload failed: %s; restoring the previous configuration", err.msg);
		d->reload_failures++;
		free(text);
		if (build_pipeline(d, d->config_text ? d->config_text : "", NULL, &cfg, &pl, &err))
			dt_err("the previous configuration failed too: %s; running without outputs",
			       err.msg);
		else
			adopt(d, cfg, pl);
		sd_notify(0, "READY=1");
		return;
	}
	adopt(d, cfg, pl);
	free(d->config_text);
	d->config_text = text;
	d->reloads++;
	dt_info(
	    "reloaded: %zu filters, %zu outputs (%zu unchanged, kept running; inputs unchanged)",
	    pl->n_filters, pl->n_outputs, kept_outputs(pl));
	sd_notify(0, "READY=1");
	return;

err_free_text:
	free(text);
err_refused:
	dt_err("reload refused, keeping the running configuration: %s", err.msg);
	d->reload_failures++;
	sd_notify(0, "READY=1");
}

/* ---- loop ---- */

static int arm_timer(int fd, uint64_t first_ns, uint64_t period_ns)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = first_ns / 1000000000ull, .tv_nsec = first_ns % 1000000000ull},
	    .it_interval = {.tv_sec = period_ns / 1000000000ull,
			    .tv_nsec = period_ns % 1000000000ull},
	};

	return timerfd_settime(fd, 0, &its, NULL) ? -errno : 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
			dt_info("signal %d: stopping", (int)si.ssi_signo);
			d->stop = true;
		}
	}
}

#define DT_TRIM_INTERVAL_NS (10ull * 1000000000ull)

static void on_tick(struct daemon *d)
{
	uint64_t expirations, mono = dt_now_mono_ns(), real = dt_now_real_ns();
	const struct dt_service *s = &d->cfg->service;

	if (read(d->tfd, &expirations, sizeof(expirations)) < 0)
		return;
	for (size_t i = 0; i < d->n_inputs; i++) {
		struct input_inst *in = &d->inputs[i];

		if (in->fd < 0)
			continue; /* pcap: its own clock */
		if (in->held)
			in->held = !poll_input(d, in, true);
		collect(d, in);	  /* batched ring-buffer wake-ups leave records behind */
		dt_engine_tick(in->engine, real);
	}
	if (mono - d->last_flush_ns >= s->flush_interval) {
		d->last_flush_ns = mono;
		dt_pipeline_flush(d->pl);
		update_kernel_losses(d);
		dt_pipeline_update_stats(d->pl);
		publish_snapshot(d, mono);
	}
	/* ZeroMQ's queued messages are malloc'd: once a stalled subscriber has
	 * drained them, glibc keeps the freed pages in the heap, so RSS steps
	 * up with each stall. Hand them back every 10 s. */
	if (mono - d->last_trim_ns >= DT_TRIM_INTERVAL_NS) {
		d->last_trim_ns = mono;
		malloc_trim(0);
	}
	/* the loop turning is what systemd's watchdog should see */
	if (d->watchdog_ns && mono - d->last_watchdog_ns >= d->watchdog_ns / 2) {
		d->last_watchdog_ns = mono;
		sd_notify(0, "WATCHDOG=1");
	}
	if (s->stats_interval && mono - d->last_stats_ns >= s->stats_interval) {
		d->last_stats_ns = mono;
		dt_pipeline_heartbeat(d->pl, &dt_stats);
		dt_debug("records in %llu, transactions %llu, output drops %llu",
			 (unsigned long long)(d->pl ? d->pl->records_in : 0),
			 (unsigned long long)dt_stats.transactions,
			 (unsigned long long)dt_stats.output_drops);
	}
}

static void loop(struct daemon *d)
{
	struct epoll_event evs[16];

	while (!d->stop) {
		bool polling = false;
		int n;

		for (size_t i = 0; i < d->n_inputs; i++)
			polling |=
			    d->inputs[i].fd < 0 && !d->inputs[i].done && !d->inputs[i].failed;
		if (d->polling_inputs && !polling && dt_replay_mode) {
			dt_info("all file inputs finished");
			break; /* a file finished beside live inputs: keep capturing */
		}
		n = epoll_wait(d->epfd, evs, 16, polling ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			dt_err("epoll_wait: %s", strerror(errno));
			break;
		}
		/* what this turn emits leaves together (a reload in between drains) */
		dt_pipeline_batch_begin(d->pl);
		for (int i = 0; i < n; i++) {
			uint64_t id = evs[i].data.u64;

			if (id == EV_SIGNAL)
				on_signal(d);
			else if (id == EV_TICK)
				on_tick(d);
			else if (id == EV_DURATION) {
				dt_info("--duration reached: stopping");
				d->stop = true;
			} else if (id >= EV_INPUT0 && id - EV_INPUT0 < d->n_inputs)
				collect(d, &d->inputs[id - EV_INPUT0]);
		}
		for (size_t i = 0; polling && i < d->n_inputs; i++)
			if (d->inputs[i].fd < 0)
				collect(d, &d->inputs[i]);
		dt_pipeline_batch_end(d->pl);
	}
}

static void shutdown_flush(struct daemon *d)
{
	d->stop = true;
	sd_notify(0, "STOPPING=1");
	for (size_t i = 0; i < d->n_inputs; i++) {
		struct input_inst *in = &d->inputs[i];

		if (in->fd >= 0 && in->p->settle)
			in->p->settle(in->ctx);
		if (in->fd >= 0)
			collect(d, in); /* what the ring buffer still holds */
		if (in->engine)
			dt_engine_flush(in->engine); /* pending queries -> timeouts */
	}
	dt_pipeline_flush(d->pl);
	update_kernel_losses(d);
	for (size_t i = 0; d->pl && i < d->pl->n_filters; i++)
		dt_info("filter %s: in %llu, removed %llu", d->pl->filters[i].label,
			(unsigned long long)d->pl->filters[i].in,
			(unsigned long long)d->pl->filters[i].removed);
	for (size_t i = 0; d->pl && i < d->pl->n_outputs; i++)
		dt_info("output %s: in %llu, accepted %llu, dropped %llu so far",
			d->pl->outputs[i].label, (unsigned long long)d->pl->outputs[i].in,
			(unsigned long long)d->pl->outputs[i].out,
			(unsigned long long)dt_output_inst_drops(&d->pl->outputs[i]));
	dt_pipeline_free(d->pl); /* outputs drain (bounded) and close */
	d->pl = NULL;
	dt_pipeline_update_stats(NULL);
}

/* The contract's last line on stderr, after everything is torn down. */
static void print_final_stats(void)
{
	char line[2048];

	if (dt_stats_json(&dt_stats, line, sizeof(line)) >= 0)
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/* WatchdogSec= of the systemd unit (WATCHDOG_USEC), 0 when not watched. */
static uint64_t watchdog_interval_ns(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec * 1000ull : 0;
}

static int setup_fds(struct daemon *d, double duration_s)
{
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t mask;
	uint64_t tick = (uint64_t)d->cfg->service.tick_ms * 1000000ull;

	d->sfd = d->tfd = d->dfd = -1;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->sfd < 0 || d->tfd < 0)
		return -errno;
	ev.data.u64 = EV_SIGNAL;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sfd, &ev))
		return -errno;
	ev.data.u64 = EV_TICK;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->tfd, &ev) || arm_timer(d->tfd, tick, tick))
		return -errno;
	if (duration_s > 0) {
		d->dfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		ev.data.u64 = EV_DURATION;
		if (d->dfd < 0 || epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->dfd, &ev))
			return -errno;
		/* armed once capture runs (attaching can take a second) */
	}
	return 0;
}

static void close_fds(struct daemon *d)
{
	int *fds[] = {&d->dfd, &d->tfd, &d->sfd, &d->epfd};

	for (size_t i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int dt_daemon_run(const struct dt_cli *cli, double duration_s)
{
	static struct daemon daemon;
	struct daemon *d = &daemon;
	struct dt_errbuf err = {0};
	int rc, status = 1;

	d->cli = *cli;
	d->start_ns = dt_now_mono_ns();
	if (cli->config && dt_read_text_file(cli->config, &d->config_text, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	d->cli.config_text = d->config_text ? d->config_text : "";
	rc = dt_config_load(&d->cli, &d->cfg, &err);
	d->cli.config_text = NULL;
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		goto out_free_text;
	}
	apply_service(d);
	if (d->cfg->service.host_name)
		snprintf(d->host_name, sizeof(d->host_name), "%s", d->cfg->service.host_name);
	else if (gethostname(d->host_name, sizeof(d->host_name) - 1))
		snprintf(d->host_name, sizeof(d->host_name), "localhost");
	rc = setup_fds(d, duration_s);
	if (rc) {
		dt_err("setting up the main loop: %s", strerror(-rc));
		goto out_close_fds;
	}
	rc = inputs_start(d, &err);
	if (rc) {
		dt_err("%s", err.msg);
		goto out_stop_inputs;
	}
	if (d->cfg->service.user) {
		rc = dt_drop_privileges(d->cfg->service.user, &err);
		if (rc) {
			dt_err("%s", err.msg);
			goto out_stop_inputs;
		}
		dt_info("running as %s without capabilities", d->cfg->service.user);
	}
	if (d->cfg->service.http_listen) {
		rc = dt_http_start(d->cfg->service.http_listen, &d->http, &err);
		if (rc) {
			dt_err("%s", err.msg);
			goto out_stop_inputs;
		}
	}
	dt_replay_mode = d->polling_inputs;
	for (size_t i = 0; i < d->n_inputs; i++)
		dt_replay_mode &= d->inputs[i].fd < 0;
	rc = dt_pipeline_new(d->cfg, true, &d->pl, &err);
	if (rc) {
		dt_err("%s", err.msg);
		goto out_stop_http;
	}
	d->ready = true;
	d->last_flush_ns = d->last_stats_ns = d->last_watchdog_ns = d->last_trim_ns =
	    dt_now_mono_ns();
	d->watchdog_ns = watchdog_interval_ns();
	if (d->dfd >= 0 && (rc = arm_timer(d->dfd, (uint64_t)(duration_s * 1e9) + 1, 0))) {
		dt_err("--duration timer: %s", strerror(-rc));
		goto out_stop_http;
	}
	update_kernel_losses(d);
	publish_snapshot(d, d->last_flush_ns);
	sd_notify(0, "READY=1");
	dt_info("ready: %zu inputs, %zu filters, %zu outputs", d->n_inputs, d->pl->n_filters,
		d->pl->n_outputs);
	/* -v: what the command line and the file added up to */
	for (size_t i = 0; i < d->pl->n_filters; i++)
		dt_debug("filter %s: match %s", d->pl->filters[i].label, d->pl->filters[i].match);
	for (size_t i = 0; i < d->pl->n_outputs; i++)
		dt_debug("output %s: match %s", d->pl->outputs[i].label, d->pl->outputs[i].match);
	loop(d);
	shutdown_flush(d);
	status = 0;

out_stop_http:
	dt_http_stop(d->http);
	d->http = NULL;
out_stop_inputs:
	dt_pipeline_free(d->pl);
	d->pl = NULL;
	inputs_stop(d);
out_close_fds:
	close_fds(d);
	dt_config_free(d->cfg);
	d->cfg = NULL;
out_free_text:
	free(d->config_text);
	d->config_text = NULL;
	if (status == 0)
		print_final_stats();
	return status;
}

int dt_daemon_check(const struct dt_cli *cli)
{
	struct dt_errbuf err = {0};
	struct dt_config *cfg;
	struct dt_pipeline *pl;
	int rc = dt_config_load(cli, &cfg, &err);

	if (rc == 0) {
		rc = dt_pipeline_new(cfg, false, &pl, &err);
		if (rc == 0)
			dt_pipeline_free(pl);
	}
	if (rc) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("%s: configuration is valid (%zu inputs, %zu filters, %zu outputs)\n", cfg->file,
	       cfg->n_inputs, cfg->n_filters, cfg->n_outputs);
	dt_config_free(cfg);
	return 0;
}
