/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of forwarder/proc: the process cache (grace period, eviction
 * order, pid reuse, /proc seeding, index integrity, shared executable paths,
 * string interning) and container ids from cgroup paths and from a fake
 * cgroup tree (growing map).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc/cgroup_container.h"
#include "proc/proc_cache.h"
#include "proc/str_intern.h"

#define SEC 1000000000ull
#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static struct dt_proc_cache *new_cache(uint32_t cap, uint64_t grace, const char *proc_root)
{
	struct dt_proc_cache_config cfg = {
	    .capacity = cap,
	    .grace_ns = grace,
	    .proc_root = proc_root ? proc_root : "",
	    .cgroup_root = "",
	};
	struct dt_proc_cache *c = NULL;

	assert_int_equal(dt_proc_cache_new(&cfg, &c), 0);
	assert_non_null(c);
	return c;
}

static bool has(struct dt_proc_cache *c, uint32_t pid)
{
	struct dt_process p;

	return dt_proc_cache_get(c, pid, pid, &p) == 0;
}

static void test_exec_exit_grace(void **state)
{
	struct dt_proc_cache *c = new_cache(64, 10 * SEC, NULL);
	struct dt_process p;

	dt_proc_cache_exec(c, 100, 42, 1000, 1000, 7, "dig", "/usr/bin/dig", 1 * SEC);
	dt_proc_cache_note(c, 100, 101, 1000, 1000, 7, "isc-net-0000", 1 * SEC);
	dt_proc_cache_exit(c, 100, 2 * SEC);

	/* gone 5 ms after its answer, still known within the grace period */
	dt_proc_cache_expire(c, 11 * SEC);
	assert_int_equal(dt_proc_cache_get(c, 100, 101, &p), 0);
	assert_int_equal(p.pid, 100);
	assert_int_equal(p.tid, 101);
	assert_int_equal(p.ppid, 42);
	assert_int_equal(p.uid, 1000);
	assert_string_equal(p.name, "dig");
	assert_string_equal(p.thread_name, "isc-net-0000");
	assert_string_equal(p.exe, "/usr/bin/dig");
	assert_int_equal(p.cgroup_id, 7);

	/* past it: forgotten (and no /proc to fall back on) */
	dt_proc_cache_expire(c, 12 * SEC);
	assert_int_equal(dt_proc_cache_get(c, 100, 101, &p), -ENOENT);

	struct dt_proc_cache_stats st;

	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.misses, 1);
	dt_proc_cache_free(c);
}

static void test_fork_inherits_exe(void **state)
{
	struct dt_proc_cache *c = new_cache(64, 10 * SEC, NULL);
	struct dt_process p;

	dt_proc_cache_exec(c, 10, 1, 0, 0, 0, "bash", "/usr/bin/bash", SEC);
	dt_proc_cache_fork(c, 11, 10, 0, 0, 0, "bash", SEC);
	assert_int_equal(dt_proc_cache_get(c, 11, 11, &p), 0);
	assert_int_equal(p.ppid, 10);
	assert_string_equal(p.exe, "/usr/bin/bash");
	assert_string_equal(p.name, "bash");
	/* then it execs */
	dt_proc_cache_exec(c, 11, 10, 0, 0, 0, "curl", "/usr/bin/curl", 2 * SEC);
	assert_int_equal(dt_proc_cache_get(c, 11, 11, &p), 0);
	assert_string_equal(p.exe, "/usr/bin/curl");
	assert_string_equal(p.name, "curl");
	assert_int_equal(p.ppid, 10);
	dt_proc_cache_free(c);
}

static void test_eviction_order(void **state)
{
	struct dt_proc_cache *c = new_cache(4, 100 * SEC, NULL);
	struct dt_proc_cache_stats st;

	for (uint32_t pid = 1; pid <= 4; pid++)
		dt_proc_cache_exec(c, pid, 0, 0, 0, 0, "p", "/bin/p", pid * SEC);
	dt_proc_cache_exit(c, 3, 10 * SEC); /* oldest exited */
	dt_proc_cache_exit(c, 1, 11 * SEC);

	/* full: the oldest exited goes first, even within its grace period */
	dt_proc_cache_exec(c, 5, 0, 0, 0, 0, "p", "/bin/p", 12 * SEC);
	assert_false(has(c, 3));
	assert_true(has(c, 1));
	dt_proc_cache_exec(c, 6, 0, 0, 0, 0, "p", "/bin/p", 13 * SEC);
	assert_false(has(c, 1));
	/* no exited left: the least recently seen live one (2; 4 was touched) */
	dt_proc_cache_note(c, 2, 2, 0, 0, 0, "p", 14 * SEC);
	dt_proc_cache_note(c, 4, 4, 0, 0, 0, "p", 15 * SEC);
	dt_proc_cache_note(c, 2, 2, 0, 0, 0, "p", 16 * SEC);
	dt_proc_cache_exec(c, 7, 0, 0, 0, 0, "p", "/bin/p", 17 * SEC);
	assert_false(has(c, 5));
	assert_true(has(c, 2));
	assert_true(has(c, 4));
	assert_true(has(c, 6));
	assert_true(has(c, 7));
	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.size, 4);
	assert_int_equal(st.evictions, 3);
	dt_proc_cache_free(c);
}

static void test_pid_reuse(void **state)
{
	struct dt_proc_cache *c = new_cache(16, 100 * SEC, NULL);
	struct dt_process p;
	struct dt_proc_cache_stats st;

	dt_proc_cache_exec(c, 500, 1, 0, 0, 0, "old", "/bin/old", SEC);
	dt_proc_cache_exit(c, 500, 2 * SEC);
	dt_proc_cache_fork(c, 500, 77, 33, 33, 0, "new", 3 * SEC);
	assert_int_equal(dt_proc_cache_get(c, 500, 500, &p), 0);
	assert_int_equal(p.ppid, 77);
	assert_int_equal(p.uid, 33);
	assert_string_equal(p.name, "new");
	assert_string_equal(p.exe, ""); /* parent 77 unknown */
	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.exited, 0);
	/* the new process's exit must not be confused with the old one */
	dt_proc_cache_exit(c, 500, 4 * SEC);
	dt_proc_cache_expire(c, 50 * SEC);
	assert_true(has(c, 500));
	dt_proc_cache_expire(c, 104 * SEC);
	assert_false(has(c, 500));
	dt_proc_cache_free(c);
}

static void test_name_follows_leader_thread(void **state)
{
	struct dt_proc_cache *c = new_cache(16, SEC, NULL);
	struct dt_process p;

	dt_proc_cache_exec(c, 9, 1, 0, 0, 0, "python3", "/usr/bin/python3.11", SEC);
	dt_proc_cache_note(c, 9, 12, 0, 0, 0, "worker", SEC);
	assert_int_equal(dt_proc_cache_get(c, 9, 12, &p), 0);
	assert_string_equal(p.name, "python3");
	assert_string_equal(p.thread_name, "worker");
	/* prctl(PR_SET_NAME) on the leader, seen through its own packet */
	dt_proc_cache_note(c, 9, 9, 0, 0, 0, "myservice", SEC);
	assert_int_equal(dt_proc_cache_get(c, 9, 9, &p), 0);
	assert_string_equal(p.name, "myservice");
	dt_proc_cache_free(c);
}

/* The open-addressing index against a plain array, through many inserts,
 * evictions and expiries with colliding pids; checked every `every` rounds. */
static void index_integrity(uint32_t cap, uint32_t pids, int rounds, int every)
{
	struct dt_proc_cache *c = new_cache(cap, 5, NULL);
	unsigned seed = 12345;
	uint64_t now = 1000;

	for (int round = 0; round < rounds; round++) {
		uint32_t pid = 1 + (rand_r(&seed) % pids) * 64; /* same hash bucket stride */
		int op = rand_r(&seed) % 4;

		now += 1;
		if (op == 0)
			dt_proc_cache_exec(c, pid, 1, 0, 0, 0, "x", "/x", now);
		else if (op == 1)
			dt_proc_cache_exit(c, pid, now);
		else if (op == 2)
			dt_proc_cache_expire(c, now);
		else
			dt_proc_cache_fork(c, pid, 1, 0, 0, 0, "y", now);

		if (round % every)
			continue;
		/* every pid the table claims to hold is found, and only once */
		struct dt_proc_cache_stats st;
		uint32_t found = 0;

		dt_proc_cache_stats(c, &st);
		assert_true(st.size <= cap);
		for (uint32_t i = 0; i < pids; i++)
			found += has(c, 1 + i * 64);
		assert_int_equal(found, st.size);
		/* the paths held are those of the entries: "/x" only */
		assert_true(st.exe_paths <= 1);
	}
	dt_proc_cache_free(c);
}

static void test_index_integrity(void **state)
{
	index_integrity(32, 200, 20000, 1);
	/* a table above the index's starting size: the index grows (and is
	 * rebuilt) while entries come and go */
	index_integrity(2048, 3000, 40000, 97);
}

/* Executable paths are shared: one copy per distinct path, released with
 * the last process that ran it. */
static void test_exe_paths_shared(void **state)
{
	struct dt_proc_cache *c = new_cache(1024, SEC, NULL);
	struct dt_proc_cache_stats st;
	struct dt_process p;

	for (uint32_t pid = 100; pid < 400; pid++)
		dt_proc_cache_exec(c, pid, 1, 0, 0, 0, "w", pid % 3 ? "/usr/bin/a" : "/usr/bin/b",
				   SEC);
	for (uint32_t pid = 400; pid < 500; pid++)
		dt_proc_cache_fork(c, pid, 100 + pid % 3, 0, 0, 0, "w", SEC);
	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.size, 400);
	assert_int_equal(st.exe_paths, 2);
	assert_int_equal(dt_proc_cache_get(c, 402, 402, &p), 0);
	assert_string_equal(p.exe, "/usr/bin/a"); /* parent 100 */
	assert_int_equal(dt_proc_cache_get(c, 401, 401, &p), 0);
	assert_string_equal(p.exe, "/usr/bin/b"); /* parent 102 */

	/* an exec replaces the path: the old one stays while others hold it */
	dt_proc_cache_exec(c, 402, 1, 0, 0, 0, "c", "/usr/bin/c", 2 * SEC);
	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.exe_paths, 3);
	assert_int_equal(dt_proc_cache_get(c, 402, 402, &p), 0);
	assert_string_equal(p.exe, "/usr/bin/c");
	dt_proc_cache_exec(c, 402, 1, 0, 0, 0, "d", "/usr/bin/d", 2 * SEC);
	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.exe_paths, 3); /* c went with its only holder */

	/* a path longer than struct dt_process.exe is cut like before */
	char longp[400];

	memset(longp, 'x', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = 0;
	dt_proc_cache_exec(c, 600, 1, 0, 0, 0, "l", longp, 2 * SEC);
	assert_int_equal(dt_proc_cache_get(c, 600, 600, &p), 0);
	assert_int_equal(strlen(p.exe), sizeof(p.exe) - 1);
	assert_memory_equal(p.exe, longp, sizeof(p.exe) - 1);

	/* everyone exits: every path is released */
	for (uint32_t pid = 100; pid < 700; pid++)
		dt_proc_cache_exit(c, pid, 3 * SEC);
	dt_proc_cache_expire(c, 5 * SEC);
	dt_proc_cache_stats(c, &st);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.exe_paths, 0);
	dt_proc_cache_free(c);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_proc_scan(void **state)
{
	char root[] = "/tmp/dt-proc-test.XXXXXX";
	char path[512];
	struct dt_process p;

	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/4242", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/4242/stat", root);
	write_file(path, "4242 (we ird) name) S 17 4242 4242 0 -1 4194560 0 0\n");
	snprintf(path, sizeof(path), "%s/4242/status", root);
	write_file(
	    path,
	    "Name:\tx\nPid:\t4242\nUid:\t1001\t1001\t1001\t1001\nGid:\t1002\t1002\t1002\t1002\n");
	snprintf(path, sizeof(path), "%s/4242/exe", root);
	assert_int_equal(symlink("/opt/app/bin/server (deleted)", path), 0);
	snprintf(path, sizeof(path), "%s/self", root);
	mkdir(path, 0755); /* not a pid: ignored */

	struct dt_proc_cache *c = new_cache(64, SEC, root);

	assert_int_equal(dt_proc_cache_scan(c, SEC), 1);
	assert_int_equal(dt_proc_cache_get(c, 4242, 4243, &p), 0);
	assert_int_equal(p.ppid, 17);
	assert_int_equal(p.uid, 1001);
	assert_int_equal(p.gid, 1002);
	assert_string_equal(p.name, "we ird) name");
	assert_string_equal(p.exe, "/opt/app/bin/server");
	assert_int_equal(dt_proc_cache_get(c, 4243, 4243, &p), -ENOENT);
	dt_proc_cache_free(c);

	/* a miss is filled from /proc on demand */
	c = new_cache(64, SEC, root);
	assert_int_equal(dt_proc_cache_get(c, 4242, 4242, &p), 0);
	assert_string_equal(p.exe, "/opt/app/bin/server");
	dt_proc_cache_free(c);

	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_container_id_paths(void **state)
{
	char id[DT_CONTAINER_ID_LEN + 1];

	assert_int_equal(dt_container_id_from_path("/system.slice/docker-" ID64 ".scope", id), 0);
	assert_string_equal(id, ID64);
	assert_int_equal(dt_container_id_from_path("/docker/" ID64, id), 0);
	assert_string_equal(id, ID64);
	assert_int_equal(dt_container_id_from_path(
			     "/kubepods.slice/kubepods-burstable.slice/"
			     "kubepods-burstable-pod1234_5678.slice/cri-containerd-" ID64 ".scope",
			     id),
			 0);
	assert_string_equal(id, ID64);
	assert_int_equal(
	    dt_container_id_from_path(
		"/kubepods/besteffort/pod0f1e2d3c-aaaa-bbbb-cccc-111122223333/" ID64, id),
	    0);
	assert_string_equal(id, ID64);
	assert_int_equal(
	    dt_container_id_from_path("/machine.slice/libpod-" ID64 ".scope/container", id), 0);
	assert_string_equal(id, ID64);
	assert_int_equal(dt_container_id_from_path("/kubepods.slice/crio-" ID64 ".scope", id), 0);
	assert_string_equal(id, ID64);
	/* nested: the innermost container wins */
	assert_int_equal(dt_container_id_from_path("/docker/" ID64 "/docker/" ID64B, id), 0);
	assert_string_equal(id, ID64B);
	/* the container monitor is not the container */
	assert_int_equal(
	    dt_container_id_from_path("/machine.slice/libpod-conmon-" ID64 ".scope", id), -ENOENT);
	assert_string_equal(id, "");
	/* not containers */
	assert_int_equal(
	    dt_container_id_from_path("/user.slice/user-1000.slice/session-2.scope", id), -ENOENT);
	assert_int_equal(dt_container_id_from_path("/", id), -ENOENT);
	assert_int_equal(dt_container_id_from_path("", id), -ENOENT);
	assert_int_equal(dt_container_id_from_path(NULL, id), -ENOENT);
	/* 63 or 65 hex digits, upper case, non-hex: no */
	assert_int_equal(dt_container_id_from_path("/docker/" ID64 "0", id), -ENOENT);
	assert_int_equal(dt_container_id_from_path(
			     "/docker/"
			     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
			     id),
			 -ENOENT);
	assert_int_equal(dt_container_id_from_path(
			     "/docker/"
			     "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
			     id),
			 -ENOENT);
	assert_int_equal(
	    dt_container_id_from_path(
		"/docker-"
		"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		id),
	    -ENOENT);
}

static void test_cgroup_map(void **state)
{
	char root[] = "/tmp/dt-cgroup-test.XXXXXX";
	char path[512];
	struct stat st_ct, st_user;
	char id[DT_CONTAINER_ID_LEN + 1];
	struct dt_cgroup_map *m = NULL;

	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/system.slice", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/system.slice/docker-" ID64 ".scope", root);
	mkdir(path, 0755);
	assert_int_equal(stat(path, &st_ct), 0);
	snprintf(path, sizeof(path), "%s/user.slice", root);
	mkdir(path, 0755);
	assert_int_equal(stat(path, &st_user), 0);

	assert_int_equal(dt_cgroup_map_new(root, 64, &m), 0);
	assert_int_equal(dt_cgroup_map_container(m, st_ct.st_ino, SEC, id), 0);
	assert_string_equal(id, ID64);
	assert_int_equal(dt_cgroup_map_container(m, st_user.st_ino, SEC, id), 0);
	assert_string_equal(id, "");

	/* a cgroup created since the last walk (an id above all walked) is found
	 * at once, even right after another walk */
	struct stat st_new;

	snprintf(path, sizeof(path), "%s/system.slice/docker-" ID64B ".scope", root);
	mkdir(path, 0755);
	assert_int_equal(stat(path, &st_new), 0);
	if (st_new.st_ino > st_ct.st_ino && st_new.st_ino > st_user.st_ino) {
		assert_int_equal(dt_cgroup_map_container(m, st_new.st_ino, SEC + 1, id), 0);
	} else {
		/* inode numbers not increasing here: found by the next timed walk */
		assert_int_equal(dt_cgroup_map_container(m, st_new.st_ino, SEC + 1, id), -ENOENT);
		assert_int_equal(dt_cgroup_map_container(m, st_new.st_ino, SEC + SEC / 10 + 2, id), 0);
	}
	assert_string_equal(id, ID64B);
	/* an id missing after a rescan is remembered as "not a container" */
	assert_int_equal(dt_cgroup_map_container(m, 987654321, 2 * SEC, id), -ENOENT);
	assert_int_equal(dt_cgroup_map_container(m, 987654321, 2 * SEC + 1, id), 0);
	assert_string_equal(id, "");
	assert_int_equal(dt_cgroup_map_container(m, 0, 3 * SEC, id), -ENOENT);
	dt_cgroup_map_free(m);
	dt_cgroup_map_free(NULL);

	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* The map starts small and grows with the tree: every cgroup of a large
 * tree resolves after the growths, and the capacity still bounds it. */
static void test_cgroup_map_grows(void **state)
{
	enum { DIRS = 300 };
	char root[] = "/tmp/dt-cgroup-grow.XXXXXX";
	char path[512], id[DT_CONTAINER_ID_LEN + 1], want[DT_CONTAINER_ID_LEN + 1];
	uint64_t ino[DIRS];
	struct dt_cgroup_map *m = NULL;
	struct stat st;
	int found = 0;

	assert_non_null(mkdtemp(root));
	for (int i = 0; i < DIRS; i++) {
		if (i % 10 == 0)
			snprintf(path, sizeof(path), "%s/docker-%064x.scope", root, i);
		else
			snprintf(path, sizeof(path), "%s/unit-%d.scope", root, i);
		assert_int_equal(mkdir(path, 0755), 0);
		assert_int_equal(stat(path, &st), 0);
		ino[i] = st.st_ino;
	}

	assert_int_equal(dt_cgroup_map_new(root, 1024, &m), 0);
	assert_int_equal(dt_cgroup_map_rescan(m), DIRS + 1); /* + the root */
	for (int i = 0; i < DIRS; i++) {
		assert_int_equal(dt_cgroup_map_container(m, ino[i], SEC, id), 0);
		snprintf(want, sizeof(want), "%064x", i);
		assert_string_equal(id, i % 10 == 0 ? want : "");
	}
	/* a second walk starts over and finds the same */
	assert_int_equal(dt_cgroup_map_rescan(m), DIRS + 1);
	assert_int_equal(dt_cgroup_map_container(m, ino[290], 2 * SEC, id), 0);
	snprintf(want, sizeof(want), "%064x", 290);
	assert_string_equal(id, want);
	dt_cgroup_map_free(m);

	/* capacity 16: at most 32 cgroups (a load of one half in 64 slots) */
	assert_int_equal(dt_cgroup_map_new(root, 16, &m), 0);
	assert_int_equal(dt_cgroup_map_rescan(m), 32);
	for (int i = 0; i < DIRS; i++)
		found += dt_cgroup_map_container(m, ino[i], SEC, id) == 0;
	assert_true(found <= 32);
	dt_cgroup_map_free(m);

	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* One copy per distinct string through the table's growths; the last
 * reference frees it. */
static void test_str_intern(void **state)
{
	enum { N = 1000 };
	struct dt_str_intern *t = NULL;
	const char *first[N];
	char buf[32];

	assert_int_equal(dt_str_intern_new(&t), 0);
	assert_null(dt_str_intern_get(t, "", 255));
	assert_null(dt_str_intern_get(t, NULL, 255));
	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "/usr/bin/tool-%d", i);
		first[i] = dt_str_intern_get(t, buf, 255);
		assert_non_null(first[i]);
		assert_string_equal(first[i], buf);
	}
	assert_int_equal(dt_str_intern_count(t), N);
	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "/usr/bin/tool-%d", i);
		assert_ptr_equal(dt_str_intern_get(t, buf, 255), first[i]);
	}
	assert_int_equal(dt_str_intern_count(t), N);
	/* cut to max_len: the same string as the short one */
	assert_ptr_equal(dt_str_intern_get(t, "/usr/bin/tool-12345", 16), first[12]);
	dt_str_intern_put(t, first[12]);
	for (int i = 0; i < N; i++)
		dt_str_intern_put(t, first[i]);
	assert_int_equal(dt_str_intern_count(t), N); /* one reference left each */
	assert_ptr_equal(dt_str_intern_ref(first[7]), first[7]);
	for (int i = 0; i < N; i++)
		dt_str_intern_put(t, first[i]);
	assert_int_equal(dt_str_intern_count(t), 1); /* first[7] */
	dt_str_intern_put(t, first[7]);
	assert_int_equal(dt_str_intern_count(t), 0);
	dt_str_intern_put(t, NULL);
	assert_null(dt_str_intern_ref(NULL));
	/* freed with strings still referenced: no leak (ASan) */
	assert_non_null(dt_str_intern_get(t, "/bin/sh", 255));
	dt_str_intern_free(t);
	dt_str_intern_free(NULL);
}

static void test_lookup_fn(void **state)
{
	struct dt_proc_cache *c = new_cache(16, SEC, NULL);
	struct dt_process p;

	dt_proc_cache_exec(c, 3, 1, 0, 0, 0, "a", "/a", SEC);
	assert_int_equal(dt_proc_lookup(3, 3, &p, c), 0);
	assert_string_equal(p.exe, "/a");
	assert_int_equal(dt_proc_lookup(3, 3, &p, NULL), -EINVAL);
	dt_proc_cache_free(c);
	dt_proc_cache_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exec_exit_grace),
	    cmocka_unit_test(test_fork_inherits_exe),
	    cmocka_unit_test(test_eviction_order),
	    cmocka_unit_test(test_pid_reuse),
	    cmocka_unit_test(test_name_follows_leader_thread),
	    cmocka_unit_test(test_index_integrity),
	    cmocka_unit_test(test_exe_paths_shared),
	    cmocka_unit_test(test_str_intern),
	    cmocka_unit_test(test_proc_scan),
	    cmocka_unit_test(test_container_id_paths),
	    cmocka_unit_test(test_cgroup_map),
	    cmocka_unit_test(test_cgroup_map_grows),
	    cmocka_unit_test(test_lookup_fn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
