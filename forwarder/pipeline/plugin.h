/* SPDX-License-Identifier: MIT */
/*
 * Plugin vtables (Fluent Bit shape): inputs produce packets, the engine turns
 * them into struct dt_record transactions, filters keep or drop records,
 * outputs deliver them. Adding a plugin = one file + one line in
 * pipeline/registry.c.
 *
 * Every plugin has a context struct of ctx_size bytes, zeroed, then filled
 * by its option table before init(); callbacks get it back as `ctx`.
 * Callbacks return 0 or a negative errno; on init failure they write one
 * sentence to err (what is missing / wrong) instead of logging.
 * `tag` / `match` are handled by the pipeline, not listed in the tables.
 */
#ifndef DT_PLUGIN_H
#define DT_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/record.h"
#include "core/stats.h"
#include "pipeline/option.h"

struct dt_errbuf {
	char msg[512];
};

/* ---- inputs: run on the main loop; stay alive across a SIGHUP reload ---- */
/* One BPF program's counters (struct bpf_prog_info). Runs and run time
 * grow only while the kernel's run-time statistics are on: the ebpf input's
 * `bpf_stats`, or the sysctl kernel.bpf_stats_enabled. */
#define DT_INPUT_MAX_PROGS 16 /* kernel programs of one input, at most */

struct dt_prog_stat {
	char name[32];
	uint64_t runs, run_ns, recursion_misses;
	bool stats_held; /* the input holds the statistics on (bpf_stats) */
};

/* What an input's kernel side lost or could not read (running totals). */
struct dt_kernel_losses {
	uint64_t drops;	      /* records the ring buffer had no room for */
	uint64_t unparsed;    /* headers the kernel program could not copy out */
	uint64_t missed_runs; /* BPF program runs skipped: already running on that CPU */
};

/* collect(): records wait that cannot be handed over yet (the kernel side
 * still holds older ones in its batches); the fd stays readable meanwhile,
 * so the daemon leaves it alone until its next tick instead of spinning. */
#define DT_INPUT_HELD 2

struct dt_input_plugin {
	const char *name;
	const char *description;
	const struct dt_option *options;
	size_t ctx_size;
	/* Acquire resources (load/attach BPF, open the file). Runs before the
	 * privilege drop. The engine to feed is created by the pipeline. */
	int (*init)(void *ctx, struct dt_engine *engine, struct dt_errbuf *err);
	/* fd the main loop polls for readability; -1 if the input is driven by
	 * collect() calls only (pcap: called until it returns 1 = finished). */
	int (*poll_fd)(void *ctx);
	/* Read what is ready and feed it to the engine. Returns 0, 1 when the
	 * input is exhausted (end of pcap file), DT_INPUT_HELD, or negative
	 * errno. */
	int (*collect)(void *ctx);
	/* At shutdown, before the last collect(): stop capturing and wait
	 * (briefly, bounded) for what the kernel side still holds back. May be
	 * NULL. */
	void (*settle)(void *ctx);
	/* Kernel-side losses to fold into dt_stats (missed_runs: the daemon
	 * adds the programs' recursion misses). May be NULL (pcap). */
	void (*kernel_losses)(void *ctx, struct dt_kernel_losses *out);
	/* Process identity for the engine (eBPF: exec/fork/exit cache). May be NULL. */
	dt_process_lookup_fn process_lookup;
	/* Its kernel programs' counters, at most max; the number written. The
	 * daemon reads them once per flush. May be NULL (no kernel programs). */
	size_t (*programs)(void *ctx, struct dt_prog_stat *out, size_t max);
	/* What init() set up, in a few words for the start-up log. May be NULL. */
	void (*describe)(void *ctx, char *buf, size_t len);
	void (*exit)(void *ctx);
};

/* ---- filters: rebuilt on reload ---- */
enum dt_filter_verdict { DT_FILTER_KEEP = 0, DT_FILTER_DROP = 1 };

struct dt_filter_plugin {
	const char *name;
	const char *description;
	const struct dt_option *options;
	size_t ctx_size;
	int (*init)(void *ctx, struct dt_errbuf *err);
	enum dt_filter_verdict (*filter)(void *ctx, const struct dt_record *rec);
	void (*exit)(void *ctx);
};

/* ---- outputs: rebuilt on reload; must never block the loop ---- */
struct dt_output_plugin {
	const char *name;
	const char *description;
	const struct dt_option *options;
	size_t ctx_size;
	int (*init)(void *ctx, struct dt_errbuf *err);
	/* Deliver or queue (bounded, copying) one record. -EAGAIN / -ENOBUFS:
	 * could not be queued; the pipeline counts it in output_drops. */
	int (*process)(void *ctx, const struct dt_record *rec);
	/* Called about every 100 ms and at shutdown: push queued data on. */
	int (*flush)(void *ctx);
	/* Records this output dropped on its own (after process() accepted
	 * them: queue overflow on a dead syslog server...). May be NULL. */
	uint64_t (*dropped)(void *ctx);
	/* Periodic stats/heartbeat (zmq publishes a _stats. message). May be NULL. */
	int (*heartbeat)(void *ctx, const struct dt_stats *stats);
	/* Drain within a bounded time, close. */
	void (*exit)(void *ctx);
	/* Records waiting in the output's own queue (metrics). May be NULL. */
	uint64_t (*queued)(void *ctx);
	/* SIGHUP reload kept this output (its configuration did not change):
	 * reopen what logrotate may have moved (files). May be NULL. */
	int (*reopen)(void *ctx, struct dt_errbuf *err);
	/* The records process() gets between batch_begin() and batch_end()
	 * (one turn of the main loop) may be held back and handed on together
	 * at batch_end(): one wake-up of a sender thread for many records.
	 * What fails then counts in dropped(). Both may be NULL. */
	void (*batch_begin)(void *ctx);
	void (*batch_end)(void *ctx);
};

#endif
