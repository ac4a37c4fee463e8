/* SPDX-License-Identifier: MIT */
/*
 * Input `ebpf`: live capture from kernel tracepoints (bpf/dnstrail.bpf.c).
 *
 * init() loads and attaches everything while the daemon still has its
 * privileges; afterwards only the ring buffer (mmap + epoll) and the
 * mmapped per-CPU counters are touched, so collection goes on after the
 * daemon dropped to an unprivileged user. Process identity comes from a
 * cache fed by exec/fork/exit records of the same ring buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/engine.h"
#include "inputs/ebpf_loader.h"
#include "pipeline/plugin.h"
#include "proc/proc_cache.h"

#define DT_COLLECT_BATCH 16384 /* records per dt_ebpf_consume() */

struct in_ebpf {
	/* options */
	int64_t *ports;
	size_t n_ports;
	int64_t snaplen;
	uint64_t ring_buffer_size;
	bool ring_per_cpu;
	int64_t wakeup_batch;
	uint64_t wakeup_quiet;
	uint64_t poll_interval;
	bool process_events;
	int64_t process_cache_size;
	uint64_t process_grace;
	bool bpf_stats;
	int64_t kernel_batch;
	uint64_t kernel_batch_wait;
	/* state */
	struct dt_engine *engine;
	struct dt_ebpf *bpf;
	struct dt_proc_cache *procs;
	int64_t clock_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC, set before each batch */
	uint64_t last_expire_ns;
	uint64_t bad_records;
};

static const struct dt_option in_ebpf_options[] = {
    DT_OPT_INT_LIST("ports", struct in_ebpf, ports, n_ports, "[53]", 1, 65535,
		    "UDP/TCP ports whose packets are captured (at most 16)"),
    DT_OPT_INT("snaplen", struct in_ebpf, snaplen, "4096", 512, 4096,
	       "payload bytes copied per UDP packet and per TCP chunk (TCP skbs are split, up to "
	       "16 chunks)"),
    DT_OPT_SIZE("ring_buffer_size", struct in_ebpf, ring_buffer_size, "8M",
		"kernel ring buffers, all CPUs together (each rounded up to a power of two, at "
		"least 256K); full = counted kernel_drops"),
    DT_OPT_BOOL("ring_per_cpu", struct in_ebpf, ring_per_cpu, "true",
		"one ring buffer per CPU, merged by timestamp (false: one ring of "
		"ring_buffer_size shared by all CPUs)"),
    DT_OPT_INT("wakeup_batch", struct in_ebpf, wakeup_batch, "256", 1, 65536,
	       "records per CPU between forced wake-ups of the daemon (1 = every record)"),
    DT_OPT_DURATION("wakeup_quiet", struct in_ebpf, wakeup_quiet, "10ms",
		    "a record after this much quiet wakes the daemon at once"),
    DT_OPT_DURATION("poll_interval", struct in_ebpf, poll_interval, "0",
		    "own timer for the ring buffer's tail (0: the main loop's tick_ms does it)"),
    DT_OPT_BOOL("process_events", struct in_ebpf, process_events, "true",
		"trace exec/fork/exit to keep exe and parent of short-lived processes"),
    DT_OPT_INT("process_cache_size", struct in_ebpf, process_cache_size, "16384", 64, 4194304,
	       "processes remembered (oldest exited evicted first)"),
    DT_OPT_DURATION("process_grace", struct in_ebpf, process_grace, "15s",
		    "how long an exited process's identity is kept (> service.timeout)"),
    DT_OPT_INT("kernel_batch", struct in_ebpf, kernel_batch, "16", 1, 64,
	       "packet records each CPU gathers and writes to its ring buffer as one (1: each "
	       "alone; batches need ring_per_cpu)"),
    DT_OPT_DURATION("kernel_batch_wait", struct in_ebpf, kernel_batch_wait, "2ms",
		    "longest a CPU holds a batch back (then a timer on that CPU writes it out)"),
    DT_OPT_BOOL("bpf_stats", struct in_ebpf, bpf_stats, "false",
		"count the BPF programs' runs and run time (the kernel's run-time statistics: "
		"two clock reads per run of any BPF program while on, ~200 ns per DNS packet on a "
		"KVM guest): the dnstrail_bpf_* metrics"),
    {0},
};

static void on_packet(struct in_ebpf *in, const struct dt_ev_pkt *r, size_t size)
{
	struct dt_packet pkt;

	if (size < sizeof(*r) || r->cap_len > size - sizeof(*r)) {
		in->bad_records++;
		return;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_ns = r->hdr.ts_ns + in->clock_offset;
	pkt.pid = r->pid;
	pkt.tid = r->tid;
	pkt.uid = r->uid;
	pkt.gid = r->gid;
	memcpy(pkt.comm, r->comm, sizeof(pkt.comm));
	pkt.comm[sizeof(pkt.comm) - 1] = 0;
	pkt.cgroup_id = r->cgroup_id;
	pkt.netns = r->netns;
	pkt.ifindex = r->ifindex;
	pkt.flags = r->flags & (DT_PKT_TRUNCATED | DT_PKT_NONLINEAR | DT_PKT_HAS_PROCESS |
				DT_PKT_FRAGMENT | DT_PKT_FRAG_MISSED);
	if (pkt.flags & DT_PKT_FRAGMENT) {
		pkt.frag_id = r->frag_id;
		pkt.frag_offset = r->frag_off & ~1u;
		pkt.frag_more = r->frag_off & 1;
		pkt.frag_len = r->frag_len;
	}
	pkt.direction = r->direction ? DT_DIR_INGRESS : DT_DIR_EGRESS;
	pkt.family = r->family;
	pkt.transport = r->transport;
	pkt.tcp_flags = r->tcp_flags;
	pkt.tcp_seq = r->tcp_seq;
	memcpy(pkt.saddr, r->saddr, 16);
	memcpy(pkt.daddr, r->daddr, 16);
	pkt.sport = r->sport;
	pkt.dport = r->dport;
	pkt.orig_len = r->orig_len;
	pkt.payload_len = r->cap_len;
	pkt.payload = r->payload;
	if ((pkt.flags & DT_PKT_HAS_PROCESS) && in->procs)
		dt_proc_cache_note(in->procs, r->pid, r->tid, r->uid, r->gid, r->cgroup_id,
				   pkt.comm, r->hdr.ts_ns);
	dt_engine_packet(in->engine, &pkt);
}

static void on_record(void *user, const void *data, size_t size)
{
	struct in_ebpf *in = user;
	const struct dt_ev_hdr *h = data;

	if (size < sizeof(*h)) {
		in->bad_records++;
		return;
	}
	switch (h->type) {
	case DT_EV_PKT:
		on_packet(in, data, size);
		break;
	case DT_EV_EXEC: {
		const struct dt_ev_exec *e = data;
		char comm[DT_COMM_LEN + 1] = {0}, exe[DT_EXE_MAX + 1] = {0};

		if (size < sizeof(*e) || !in->procs)
			break;
		memcpy(comm, e->comm, DT_COMM_LEN);
		memcpy(exe, e->exe, DT_EXE_MAX);
		dt_proc_cache_exec(in->procs, e->pid, e->ppid, e->uid, e->gid, e->cgroup_id, comm,
				   exe, h->ts_ns);
		break;
	}
	case DT_EV_FORK: {
		const struct dt_ev_fork *f = data;
		char comm[DT_COMM_LEN + 1] = {0};

		if (size < sizeof(*f) || !in->procs)
			break;
		memcpy(comm, f->comm, DT_COMM_LEN);
		dt_proc_cache_fork(in->procs, f->pid, f->ppid, f->uid, f->gid, f->cgroup_id, comm,
				   h->ts_ns);
		break;
	}
	case DT_EV_EXIT: {
		const struct dt_ev_exit *x = data;

		if (size >= sizeof(*x) && in->procs)
			dt_proc_cache_exit(in->procs, x->pid, h->ts_ns);
		break;
	}
	default:
		in->bad_records++;
	}
}

static int in_ebpf_init(void *ctx, struct dt_engine *engine, struct dt_errbuf *err)
{
	struct in_ebpf *in = ctx;
	struct dt_ebpf_config cfg;
	int ret;

	in->engine = engine;
	dt_ebpf_config_default(&cfg);
	if (in->n_ports > DT_MAX_PORTS) {
		snprintf(err->msg, sizeof(err->msg), "ports: at most %d ports, got %zu",
			 DT_MAX_PORTS, in->n_ports);
		return -EINVAL;
	}
	if (in->n_ports) {
		cfg.n_ports = in->n_ports;
		for (size_t i = 0; i < in->n_ports; i++)
			cfg.ports[i] = (uint16_t)in->ports[i];
	}
	if (in->snaplen)
		cfg.snaplen = in->snaplen;
	if (in->ring_buffer_size)
		cfg.ring_size = in->ring_buffer_size;
	cfg.shared_ring = !in->ring_per_cpu;
	if (in->wakeup_batch)
		cfg.wakeup_batch = in->wakeup_batch;
	cfg.wakeup_ns = in->wakeup_quiet;
	cfg.poll_interval_ms = in->poll_interval / 1000000;
	cfg.no_process_events = !in->process_events;
	cfg.max_batch = DT_COLLECT_BATCH;
	cfg.run_stats = in->bpf_stats;
	cfg.batch = in->kernel_batch;
	if (in->kernel_batch_wait)
		cfg.batch_ns = in->kernel_batch_wait;

	if (in->process_events) {
		struct dt_proc_cache_config pc = {
		    .capacity = in->process_cache_size,
		    .grace_ns = in->process_grace,
		};

		ret = dt_proc_cache_new(&pc, &in->procs);
		if (ret) {
			snprintf(err->msg, sizeof(err->msg), "process cache: %s", strerror(-ret));
			return ret;
		}
	}
	ret = dt_ebpf_open(&cfg, on_record, in, &in->bpf, err->msg, sizeof(err->msg));
	if (ret)
		goto err_free_procs;
	/* after attaching, so a process started meanwhile is in one or the other */
	if (in->procs)
		dt_proc_cache_scan(in->procs, dt_now_mono_ns());
	return 0;

err_free_procs:
	dt_proc_cache_free(in->procs);
	in->procs = NULL;
	return ret;
}

static int in_ebpf_poll_fd(void *ctx)
{
	struct in_ebpf *in = ctx;

	return in->bpf ? dt_ebpf_poll_fd(in->bpf) : -1;
}

static int in_ebpf_collect(void *ctx)
{
	struct in_ebpf *in = ctx;
	int n;

	if (!in->bpf)
		return -EINVAL;
	/* whole batches until the ring is empty, for at most ~5 ms: a flood
	 * must not starve the main loop (outputs, signals, stats) */
	uint64_t t0 = dt_now_mono_ns();

	do {
		in->clock_offset = dt_clock_offset_now();
		n = dt_ebpf_consume(in->bpf);
	} while (n >= (int)DT_COLLECT_BATCH && dt_now_mono_ns() - t0 < 5000000ull);
	if (in->procs) {
		uint64_t now = dt_now_mono_ns();

		if (now - in->last_expire_ns >= 100000000ull) {
			dt_proc_cache_expire(in->procs, now);
			in->last_expire_ns = now;
		}
	}
	if (n < 0)
		return n;
	return dt_ebpf_held(in->bpf) ? DT_INPUT_HELD : 0;
}

static void in_ebpf_settle(void *ctx)
{
	struct in_ebpf *in = ctx;

	if (in->bpf)
		dt_ebpf_settle(in->bpf);
}

/* missed_runs: the daemon sums the programs' recursion misses (programs()) */
static void in_ebpf_kernel_losses(void *ctx, struct dt_kernel_losses *out)
{
	struct in_ebpf *in = ctx;
	struct dt_cpu_counters sum;

	memset(out, 0, sizeof(*out));
	if (!in->bpf)
		return;
	dt_ebpf_counters(in->bpf, &sum);
	out->drops = sum.drops;
	out->unparsed = sum.hdr_nonlinear;
}

/* The pipeline passes the input's context as `user`. */
static int in_ebpf_process_lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	struct in_ebpf *in = user;

	if (!in || !in->procs)
		return -ENOENT;
	return dt_proc_lookup(pid, tid, proc, in->procs);
}

static size_t in_ebpf_programs(void *ctx, struct dt_prog_stat *out, size_t max)
{
	struct in_ebpf *in = ctx;
	struct dt_ebpf_prog_stat progs[DT_INPUT_MAX_PROGS];
	int n;

	if (!in->bpf)
		return 0;
	n = dt_ebpf_prog_stats(in->bpf, progs,
			       max < DT_INPUT_MAX_PROGS ? (int)max : DT_INPUT_MAX_PROGS);
	for (int i = 0; i < n; i++) {
		snprintf(out[i].name, sizeof(out[i].name), "%s", progs[i].name);
		out[i].runs = progs[i].runs;
		out[i].run_ns = progs[i].run_ns;
		out[i].recursion_misses = progs[i].recursion_misses;
		out[i].stats_held = in->bpf_stats;
	}
	return n > 0 ? (size_t)n : 0;
}

static void in_ebpf_describe(void *ctx, char *buf, size_t len)
{
	struct in_ebpf *in = ctx;
	size_t n;

	if (!in->bpf)
		return;
	dt_ebpf_describe(in->bpf, buf, len);
	n = strlen(buf);
	if (in->bpf_stats && n < len)
		snprintf(buf + n, len - n, "; BPF run-time statistics on");
}

static void in_ebpf_exit(void *ctx)
{
	struct in_ebpf *in = ctx;

	/* the pipeline collected what the ring held before calling exit() */
	dt_ebpf_close(in->bpf);
	in->bpf = NULL;
	dt_proc_cache_free(in->procs);
	in->procs = NULL;
}

const struct dt_input_plugin dt_input_ebpf = {
    .name = "ebpf",
    .description = "live capture from kernel tracepoints (eBPF), with process identity",
    .options = in_ebpf_options,
    .ctx_size = sizeof(struct in_ebpf),
    .init = in_ebpf_init,
    .poll_fd = in_ebpf_poll_fd,
    .collect = in_ebpf_collect,
    .settle = in_ebpf_settle,
    .kernel_losses = in_ebpf_kernel_losses,
    .process_lookup = in_ebpf_process_lookup,
    .programs = in_ebpf_programs,
    .describe = in_ebpf_describe,
    .exit = in_ebpf_exit,
};
