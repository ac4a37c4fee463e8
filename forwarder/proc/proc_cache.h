/* SPDX-License-Identifier: MIT */
/*
 * Process identity that outlives the process: a bounded table keyed by tgid,
 * fed by the kernel's exec/fork/exit records (same ring buffer as the
 * packets, so a process's exec is seen before its queries), seeded by a scan
 * of /proc at start and filled from /proc on a miss.
 *
 * An exited process stays for a grace period (longer than the transaction
 * timeout) so that `dig`, gone 5 ms after its answer, still has its exe and
 * parent when its transaction is written. When the table is full the oldest
 * exited entry goes first, then the least recently seen live one.
 *
 * Times are CLOCK_MONOTONIC ns (the kernel's bpf_ktime_get_ns()).
 */
#ifndef DT_PROC_CACHE_H
#define DT_PROC_CACHE_H

#include <stdint.h>

#include "core/record.h"

struct dt_proc_cache_config {
	uint32_t capacity;	 /* processes kept; default 16384 */
	uint64_t grace_ns;	 /* exited processes kept this long; default 15 s */
	const char *proc_root;	 /* default "/proc"; "" = never read /proc */
	const char *cgroup_root; /* cgroup2 mount; NULL = find it; "" = no containers */
};

struct dt_proc_cache_stats {
	uint32_t size;	     /* entries in use */
	uint32_t exited;     /* of which exited, waiting out the grace period */
	uint64_t evictions;  /* entries pushed out by a full table */
	uint64_t expired;    /* exited entries past their grace period */
	uint64_t proc_reads; /* misses filled from /proc */
	uint64_t misses;     /* lookups that found nothing */
	uint32_t exe_paths;  /* distinct executable paths held (shared by entries) */
};

struct dt_proc_cache;

int dt_proc_cache_new(const struct dt_proc_cache_config *cfg, struct dt_proc_cache **out);
void dt_proc_cache_free(struct dt_proc_cache *c); /* NULL-safe */

/* Seed from every /proc/<pid>; returns processes added or -errno. */
int dt_proc_cache_scan(struct dt_proc_cache *c, uint64_t now_ns);

/* Kernel events. exe may be relative (as given to execve): it is then
 * resolved through /proc/<pid>/exe while the process still runs. */
void dt_proc_cache_exec(struct dt_proc_cache *c, uint32_t pid, uint32_t ppid, uint32_t uid,
			uint32_t gid, uint64_t cgroup_id, const char *comm, const char *exe,
			uint64_t now_ns);
/* A new process: inherits the parent's exe. */
void dt_proc_cache_fork(struct dt_proc_cache *c, uint32_t pid, uint32_t ppid, uint32_t uid,
			uint32_t gid, uint64_t cgroup_id, const char *comm, uint64_t now_ns);
void dt_proc_cache_exit(struct dt_proc_cache *c, uint32_t pid, uint64_t now_ns);
/* A packet sent by pid/tid: refreshes cgroup, ids, thread name (and the
 * process name when tid == pid). Creates the entry from /proc if unknown. */
void dt_proc_cache_note(struct dt_proc_cache *c, uint32_t pid, uint32_t tid, uint32_t uid,
			uint32_t gid, uint64_t cgroup_id, const char *comm, uint64_t now_ns);
/* Drop exited entries past the grace period. */
void dt_proc_cache_expire(struct dt_proc_cache *c, uint64_t now_ns);

/* Fill *out for pid (tid: the thread; its name if known): 0 or -ENOENT.
 * Strings are NUL-terminated; bytes behind a NUL are left as they were.
 * The container lookup's clock is the latest time the cache was given. */
int dt_proc_cache_get(struct dt_proc_cache *c, uint32_t pid, uint32_t tid, struct dt_process *out);
void dt_proc_cache_stats(const struct dt_proc_cache *c, struct dt_proc_cache_stats *out);

/* dt_process_lookup_fn (core/engine.h) over a cache: user = struct dt_proc_cache *. */
int dt_proc_lookup(uint32_t pid, uint32_t tid, struct dt_process *out, void *user);

#endif
