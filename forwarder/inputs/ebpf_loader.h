/* SPDX-License-Identifier: MIT */
/*
 * Loads and attaches bpf/dnstrail.bpf.c and hands its ring-buffer records
 * to a callback. One ring per online CPU (ring_size shared out, each rounded
 * up to a power of two), merged by timestamp; or one shared ring
 * (shared_ring).
 * Everything needing privileges (bpf(), mmap of the maps) happens in
 * dt_ebpf_open(); afterwards only the ring buffers' mmap, epoll and a
 * timerfd are used, so it keeps working after the process dropped
 * every capability.
 *
 * Batches: with batch > 1 each CPU gathers up to `batch` packet records and
 * writes them to its ring as one (bpf/dnstrail.bpf.c, `stages`); process
 * events then have a ring of their own. Records are handed to the callback
 * one by one all the same.
 *
 * Wake-ups: the kernel side forces a wake-up every `wakeup_batch` records
 * per CPU, or at once for the first record after `wakeup_ns` of quiet; all
 * other records are written with BPF_RB_NO_WAKEUP. The tail of a burst is
 * picked up by a timerfd (every `poll_interval_ms`) that sits in the same
 * epoll set as the ring buffers, so the poll fd becomes readable for either
 * (or by the caller's own timer: the daemon collects every service.tick_ms).
 */
#ifndef DT_EBPF_LOADER_H
#define DT_EBPF_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnstrail.h"

struct dt_ebpf_config {
	uint16_t ports[DT_MAX_PORTS]; /* host byte order */
	unsigned n_ports;
	uint32_t snaplen;	   /* DT_SNAPLEN_MIN..DT_SNAPLEN_MAX */
	uint64_t ring_size;	   /* bytes of all rings together */
	uint64_t ring_min_per_cpu; /* bytes, at least, of each ring */
	int shared_ring;	   /* one ring of ring_size for all CPUs */
	uint32_t wakeup_batch;	   /* records per CPU between forced wake-ups */
	uint64_t wakeup_ns;	   /* quiet time after which a record wakes at once */
	uint32_t poll_interval_ms; /* timerfd period (tail of a batch); 0 = none, the
				    * caller calls dt_ebpf_consume() on its own timer */
	int no_process_events;	   /* leave sched_process_* unattached */
	int calibrate;		   /* also attach dt_calibrate_empty (measurement floor) */
	uint32_t max_batch;	   /* records handled per dt_ebpf_consume() (default 16384) */
	int run_stats;		   /* hold the kernel's BPF run-time statistics on (BPF_ENABLE_STATS) */
	uint32_t batch;		   /* packet records per CPU per ring record; 1: each alone
				    * (always with shared_ring) */
	uint64_t batch_ns;	   /* a CPU's batch waits at most this long */
};

/* One program's counters, from bpf_prog_info. */
struct dt_ebpf_prog_stat {
	const char *name; /* the program's name in bpf/dnstrail.bpf.c */
	uint32_t id;
	uint64_t runs, run_ns, recursion_misses;
};

/* Called for every ring-buffer record (data points into the ring). */
typedef void (*dt_ebpf_record_fn)(void *user, const void *data, size_t size);

struct dt_ebpf;

void dt_ebpf_config_default(struct dt_ebpf_config *cfg);
/* Returns 0 and *out, or negative errno with one sentence in err. */
int dt_ebpf_open(const struct dt_ebpf_config *cfg, dt_ebpf_record_fn fn, void *user,
		 struct dt_ebpf **out, char *err, size_t errlen);
/* Readable when records may be waiting or the poll timer expired. */
int dt_ebpf_poll_fd(const struct dt_ebpf *e);
/* Drain the timer and up to max_batch records (bounded time under a flood);
 * returns records handled or -errno. */
int dt_ebpf_consume(struct dt_ebpf *e);
/* Whether the last dt_ebpf_consume() left records in the rings that it
 * could not hand over yet (older ones are still in a CPU's batch): the poll
 * fd stays readable until they go, so the caller should wait for its own
 * timer rather than poll again at once. */
bool dt_ebpf_held(const struct dt_ebpf *e);
/* At the end: detaches the programs (capture stops), then waits (at most
 * about twice batch_ns) until no CPU holds a batch back, so that a last
 * dt_ebpf_consume() gets everything captured. */
void dt_ebpf_settle(struct dt_ebpf *e);
/* Sum of the per-CPU counters (through the mmapped array). */
void dt_ebpf_counters(const struct dt_ebpf *e, struct dt_cpu_counters *sum);
/* "2 ring buffers of 4 MiB, one per online CPU" or "one shared ring buffer of 8 MiB". */
void dt_ebpf_describe(const struct dt_ebpf *e, char *buf, size_t len);
/* Counters of the loaded programs (runs and run time only while the
 * statistics are on, see run_stats); n = entries written. */
int dt_ebpf_prog_stats(const struct dt_ebpf *e, struct dt_ebpf_prog_stat *out, int max);
void dt_ebpf_close(struct dt_ebpf *e); /* NULL-safe */

/* Measure CLOCK_REALTIME - CLOCK_MONOTONIC, bracketing to well under 1 µs:
 * what turns a record's bpf_ktime_get_ns() into wall-clock time. A consumer
 * measures it before each dt_ebpf_consume(). */
int64_t dt_clock_offset_now(void);

#endif
