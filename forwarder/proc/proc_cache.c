/* SPDX-License-Identifier: MIT */
/* Bounded process table keyed by tgid; see proc_cache.h. */
#define _GNU_SOURCE
#include "proc/proc_cache.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "proc/cgroup_container.h"
#include "proc/str_intern.h"

#define NIL (-1)
#define EXE_MAX 255 /* bytes of a path kept: struct dt_process.exe holds 256 */
#define IDX_MIN 256 /* index slots at start; doubles with the entries in use */

struct pentry {
	uint32_t pid, ppid, uid, gid, tid;
	uint64_t cgroup_id;
	uint64_t seen_ns, exit_ns;
	int32_t prev, next; /* in the alive (LRU) or exited (FIFO) list, or free list */
	bool used, exited;
	char name[16];
	char thread_name[16];
	const char *exe; /* interned in c->exes; NULL = unknown */
};

struct plist {
	int32_t head, tail;
};

struct dt_proc_cache {
	struct pentry *e;
	uint32_t cap;
	int32_t *idx; /* open addressing: entry index or NIL; load <= 1/2 */
	uint32_t idx_mask;
	uint32_t idx_max; /* slots the index may grow to: >= 2 * cap */
	struct dt_str_intern *exes;
	int32_t free_head; /* released entries */
	uint32_t fresh; /* entries [fresh, cap) never used: untouched pages, no RSS */
	struct plist alive, exited;
	uint64_t grace_ns;
	char proc_root[256];
	struct dt_cgroup_map *cgroups;
	struct dt_proc_cache_stats st;
	/* latest time an event or a packet brought: a lookup (one per query)
	 * reuses it instead of reading the clock */
	uint64_t now_ns;
};

static void saw(struct dt_proc_cache *c, uint64_t now_ns)
{
	if (now_ns > c->now_ns)
		c->now_ns = now_ns;
}

static uint64_t recent_ns(const struct dt_proc_cache *c)
{
	return c->now_ns ? c->now_ns : dt_now_mono_ns();
}

static uint32_t hash_pid(const struct dt_proc_cache *c, uint32_t pid)
{
	return (pid * 2654435761u) & c->idx_mask;
}

/* ---- lists ---- */

static void list_unlink(struct dt_proc_cache *c, struct plist *l, int32_t i)
{
	struct pentry *p = &c->e[i];

	if (p->prev != NIL)
		c->e[p->prev].next = p->next;
	else
		l->head = p->next;
	if (p->next != NIL)
		c->e[p->next].prev = p->prev;
	else
		l->tail = p->prev;
	p->prev = p->next = NIL;
}

static void list_append(struct dt_proc_cache *c, struct plist *l, int32_t i)
{
	struct pentry *p = &c->e[i];

	p->prev = l->tail;
	p->next = NIL;
	if (l->tail != NIL)
		c->e[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

/* ---- index ---- */

static int32_t find(const struct dt_proc_cache *c, uint32_t pid)
{
	for (uint32_t s = hash_pid(c, pid);; s = (s + 1) & c->idx_mask) {
		int32_t i = c->idx[s];

		if (i == NIL)
			return NIL;
		if (c->e[i].pid == pid)
			return i;
	}
}

static void index_insert(struct dt_proc_cache *c, int32_t i)
{
	uint32_t s = hash_pid(c, c->e[i].pid);

	while (c->idx[s] != NIL)
		s = (s + 1) & c->idx_mask;
	c->idx[s] = i;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void index_remove(struct dt_proc_cache *c, uint32_t pid)
{
	uint32_t s = hash_pid(c, pid), j;

	while (c->idx[s] != NIL && c->e[c->idx[s]].pid != pid)
		s = (s + 1) & c->idx_mask;
	if (c->idx[s] == NIL)
		return;
	c->idx[s] = NIL;
	for (j = (s + 1) & c->idx_mask; c->idx[j] != NIL; j = (j + 1) & c->idx_mask) {
		uint32_t home = hash_pid(c, c->e[c->idx[j]].pid);

		/* move j back to s unless its home lies cyclically in (s, j] */
		bool stays = s <= j ? (s < home && home <= j) : (s < home || home <= j);

		if (!stays) {
			c->idx[s] = c->idx[j];
			c->idx[j] = NIL;
			s = j;
		}
	}
}

/* Twice the slots, every entry re-inserted: 0 or -ENOMEM / -ENOSPC. */
static int grow_index(struct dt_proc_cache *c)
{
	uint32_t n = (c->idx_mask + 1) * 2;
	int32_t *idx;

	if (n > c->idx_max)
		return -ENOSPC;
	idx = malloc(n * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (uint32_t s = 0; s < n; s++)
		idx[s] = NIL;
	free(c->idx);
	c->idx = idx;
	c->idx_mask = n - 1;
	for (int32_t i = c->alive.head; i != NIL; i = c->e[i].next)
		index_insert(c, i);
	for (int32_t i = c->exited.head; i != NIL; i = c->e[i].next)
		index_insert(c, i);
	return 0;
}

/* ---- entries ---- */

static void entry_release(struct dt_proc_cache *c, int32_t i)
{
	struct pentry *p = &c->e[i];

	dt_str_intern_put(c->exes, p->exe);
	p->exe = NULL;
	index_remove(c, p->pid);
	list_unlink(c, p->exited ? &c->exited : &c->alive, i);
	if (p->exited)
		c->st.exited--;
	c->st.size--;
	p->used = false;
	p->next = c->free_head;
	c->free_head = i;
}

static int32_t entry_alloc(struct dt_proc_cache *c, uint32_t pid, uint64_t now_ns)
{
	struct pentry *p;
	int32_t i;
	/* the index grows with the entries in use (its pages cost RSS); if it
	 * cannot, an entry makes room as in a full table */
	bool room = (c->st.size + 1) * 2 <= c->idx_mask + 1 || !grow_index(c);

	if (c->free_head == NIL && c->fresh < c->cap && room) {
		c->e[c->fresh].next = NIL;
		c->free_head = (int32_t)c->fresh++;
	}
	if (c->free_head == NIL || !room) {
		int32_t victim = c->exited.head != NIL ? c->exited.head : c->alive.head;

		c->st.evictions++;
		entry_release(c, victim);
	}
	i = c->free_head;
	p = &c->e[i];
	c->free_head = p->next;
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->pid = pid;
	p->seen_ns = now_ns;
	p->prev = p->next = NIL;
	index_insert(c, i);
	list_append(c, &c->alive, i);
	c->st.size++;
	return i;
}

/* Reuse the entry of pid (a reused pid's old entry is reset). */
static struct pentry *fresh_entry(struct dt_proc_cache *c, uint32_t pid, uint64_t now_ns)
{
	int32_t i = find(c, pid);

	if (i != NIL)
		entry_release(c, i);
	return &c->e[entry_alloc(c, pid, now_ns)];
}

static void touch(struct dt_proc_cache *c, int32_t i, uint64_t now_ns)
{
	c->e[i].seen_ns = now_ns;
	if (!c->e[i].exited) {
		list_unlink(c, &c->alive, i);
		list_append(c, &c->alive, i);
	}
}

static void copy_comm(char dst[16], const char *src)
{
	if (!src) {
		dst[0] = 0;
		return;
	}
	strncpy(dst, src, 15);
	dst[15] = 0;
}

/* ---- /proc ---- */

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return (int)n;
}

static void read_exe(const struct dt_proc_cache *c, uint32_t pid, char *out, size_t len)
{
	char path[320];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/exe", c->proc_root, pid);
	n = readlink(path, out, len - 1);
	if (n < 0) {
		out[0] = 0;
		return;
	}
	out[n] = 0;
	if (n > 10 && !strcmp(out + n - 10, " (deleted)"))
		out[n - 10] = 0;
}

static uint64_t read_cgroup_id(const struct dt_proc_cache *c, uint32_t pid)
{
	char path[320], buf[1024], full[1536], root[512];
	struct stat st;
	char *line;

	snprintf(path, sizeof(path), "%s/%u/cgroup", c->proc_root, pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || dt_cgroup2_mount(root, sizeof(root)) < 0)
		return 0;
	line = strstr(buf, "0::");
	if (!line || (line != buf && line[-1] != '\n'))
		return 0;
	line += 3;
	line[strcspn(line, "\n")] = 0;
	snprintf(full, sizeof(full), "%s%s", root, line);
	return stat(full, &st) == 0 ? st.st_ino : 0;
}

/* Fill p from /proc/<pid>: 0, or -errno when the process is not there. */
static int load_from_proc(struct dt_proc_cache *c, uint32_t pid, struct pentry *p)
{
	char path[320], buf[2048];
	char *open_paren, *close_paren, *s;
	unsigned ppid = 0;

	if (!c->proc_root[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%u/stat", c->proc_root, pid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -ENOENT;
	/* "pid (comm) S ppid ...": comm may hold spaces and parentheses */
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	*close_paren = 0;
	copy_comm(p->name, open_paren + 1);
	if (sscanf(close_paren + 2, "%*c %u", &ppid) != 1)
		return -EINVAL;
	p->ppid = ppid;

	snprintf(path, sizeof(path), "%s/%u/status", c->proc_root, pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		if ((s = strstr(buf, "\nUid:")))
			p->uid = strtoul(s + 5, NULL, 10);
		if ((s = strstr(buf, "\nGid:")))
			p->gid = strtoul(s + 5, NULL, 10);
	}
	read_exe(c, pid, path, sizeof(path));
	p->exe = dt_str_intern_get(c->exes, path, EXE_MAX);
	if (!p->cgroup_id)
		p->cgroup_id = read_cgroup_id(c, pid);
	c->st.proc_reads++;
	return 0;
}

/* ---- API ---- */

int dt_proc_cache_new(const struct dt_proc_cache_config *cfg, struct dt_proc_cache **out)
{
	struct dt_proc_cache *c;
	uint32_t cap = cfg && cfg->capacity ? cfg->capacity : 16384;
	uint32_t n = 16;
	int ret;

	if (cap < 2 || cap > (1u << 22))
		return -EINVAL;
	while (n < cap * 2u)
		n <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->idx_max = n;
	n = n < IDX_MIN ? n : IDX_MIN;
	c->e = calloc(cap, sizeof(*c->e));
	c->idx = malloc(n * sizeof(*c->idx));
	ret = dt_str_intern_new(&c->exes);
	if (!c->e || !c->idx || ret) {
		ret = -ENOMEM;
		goto err_free;
	}
	for (uint32_t i = 0; i < n; i++)
		c->idx[i] = NIL;
	c->idx_mask = n - 1;
	c->cap = cap;
	/* Entries are taken from `fresh` when the free list is empty, not threaded
	 * up front: that touched every page of the table (9 MB of RSS). */
	c->free_head = NIL;
	c->fresh = 0;
	c->alive.head = c->alive.tail = NIL;
	c->exited.head = c->exited.tail = NIL;
	c->grace_ns = cfg && cfg->grace_ns ? cfg->grace_ns : 15000000000ull;
	snprintf(c->proc_root, sizeof(c->proc_root), "%s",
		 cfg && cfg->proc_root ? cfg->proc_root : "/proc");
	if (!(cfg && cfg->cgroup_root && !cfg->cgroup_root[0])) {
		ret = dt_cgroup_map_new(cfg ? cfg->cgroup_root : NULL, 0, &c->cgroups);
		if (ret)
			goto err_free;
	}
	*out = c;
	return 0;

err_free:
	dt_str_intern_free(c->exes);
	free(c->e);
	free(c->idx);
	free(c);
	return ret;
}

void dt_proc_cache_free(struct dt_proc_cache *c)
{
	if (!c)
		return;
	dt_cgroup_map_free(c->cgroups);
	dt_str_intern_free(c->exes);
	free(c->e);
	free(c->idx);
	free(c);
}

int dt_proc_cache_scan(struct dt_proc_cache *c, uint64_t now_ns)
{
	DIR *d;
	struct dirent *de;
	int added = 0;

	saw(c, now_ns);
	if (!c->proc_root[0])
		return 0;
	d = opendir(c->proc_root);
	if (!d)
		return -errno;
	/* leave a quarter of the table for what starts later */
	while ((de = readdir(d)) && c->st.size < c->cap - c->cap / 4) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		struct pentry tmp = {0};

		if (*end || !pid || pid > UINT32_MAX || find(c, pid) != NIL)
			continue;
		if (load_from_proc(c, pid, &tmp))
			continue;
		struct pentry *p = fresh_entry(c, pid, now_ns);

		tmp.pid = p->pid;
		tmp.used = true;
		tmp.prev = p->prev;
		tmp.next = p->next;
		tmp.seen_ns = now_ns;
		*p = tmp;
		added++;
	}
	closedir(d);
	return added;
}

void dt_proc_cache_exec(struct dt_proc_cache *c, uint32_t pid, uint32_t ppid, uint32_t uid,
			uint32_t gid, uint64_t cgroup_id, const char *comm, const char *exe,
			uint64_t now_ns)
{
	int32_t i = find(c, pid);
	struct pentry *p;

	saw(c, now_ns);
	/* an exec keeps the pid; a reused pid (old entry exited) starts over */
	if (i == NIL || c->e[i].exited)
		p = fresh_entry(c, pid, now_ns);
	else {
		p = &c->e[i];
		touch(c, i, now_ns);
	}
	p->ppid = ppid;
	p->uid = uid;
	p->gid = gid;
	p->cgroup_id = cgroup_id;
	copy_comm(p->name, comm);

	const char *old = p->exe;
	char real[EXE_MAX + 1];

	/* relative (as given to execve): resolved while the process runs */
	if ((!exe || exe[0] != '/') && c->proc_root[0]) {
		read_exe(c, pid, real, sizeof(real));
		if (real[0])
			exe = real;
	}
	p->exe = dt_str_intern_get(c->exes, exe, EXE_MAX);
	dt_str_intern_put(c->exes, old);
}

void dt_proc_cache_fork(struct dt_proc_cache *c, uint32_t pid, uint32_t ppid, uint32_t uid,
			uint32_t gid, uint64_t cgroup_id, const char *comm, uint64_t now_ns)
{
	struct pentry *p = fresh_entry(c, pid, now_ns);
	int32_t parent = find(c, ppid);

	saw(c, now_ns);
	p->ppid = ppid;
	p->uid = uid;
	p->gid = gid;
	p->cgroup_id = cgroup_id;
	copy_comm(p->name, comm);
	if (parent != NIL)
		p->exe = dt_str_intern_ref(c->e[parent].exe);
}

void dt_proc_cache_exit(struct dt_proc_cache *c, uint32_t pid, uint64_t now_ns)
{
	int32_t i = find(c, pid);

	saw(c, now_ns);
	if (i == NIL || c->e[i].exited)
		return;
	list_unlink(c, &c->alive, i);
	c->e[i].exited = true;
	c->e[i].exit_ns = now_ns;
	list_append(c, &c->exited, i);
	c->st.exited++;
}

void dt_proc_cache_note(struct dt_proc_cache *c, uint32_t pid, uint32_t tid, uint32_t uid,
			uint32_t gid, uint64_t cgroup_id, const char *comm, uint64_t now_ns)
{
	int32_t i = find(c, pid);
	struct pentry *p;

	saw(c, now_ns);
	if (i == NIL) {
		struct pentry tmp = {0};
		int loaded = load_from_proc(c, pid, &tmp);

		p = fresh_entry(c, pid, now_ns);
		if (!loaded) {
			p->ppid = tmp.ppid;
			memcpy(p->name, tmp.name, sizeof(p->name));
			p->exe = tmp.exe; /* its reference moves over */
		}
	} else {
		p = &c->e[i];
		touch(c, i, now_ns);
	}
	p->uid = uid;
	p->gid = gid;
	if (cgroup_id)
		p->cgroup_id = cgroup_id;
	p->tid = tid;
	copy_comm(p->thread_name, comm);
	if (tid == pid && comm && comm[0])
		copy_comm(p->name, comm); /* the leader's name may have changed (prctl) */
}

void dt_proc_cache_expire(struct dt_proc_cache *c, uint64_t now_ns)
{
	saw(c, now_ns);
	while (c->exited.head != NIL) {
		int32_t i = c->exited.head;

		if (now_ns - c->e[i].exit_ns < c->grace_ns)
			break;
		entry_release(c, i);
		c->st.expired++;
	}
}

int dt_proc_cache_get(struct dt_proc_cache *c, uint32_t pid, uint32_t tid, struct dt_process *out)
{
	int32_t i = find(c, pid);
	struct pentry *p;
	size_t n;

	if (i == NIL) {
		struct pentry tmp = {0};

		if (load_from_proc(c, pid, &tmp)) {
			c->st.misses++;
			return -ENOENT;
		}
		p = fresh_entry(c, pid, recent_ns(c));
		tmp.pid = p->pid;
		tmp.used = true;
		tmp.prev = p->prev;
		tmp.next = p->next;
		tmp.seen_ns = p->seen_ns;
		*p = tmp;
	} else {
		p = &c->e[i];
	}
	/* per query: each field written once, strings up to their NUL (not a
	 * memset of the 400 bytes, not snprintf) */
	out->pid = pid;
	out->tid = tid;
	out->ppid = p->ppid;
	out->uid = p->uid;
	out->gid = p->gid;
	memcpy(out->name, p->name, sizeof(out->name));
	if (tid == p->tid || tid == pid)
		memcpy(out->thread_name, tid == p->tid ? p->thread_name : p->name,
		       sizeof(out->thread_name));
	else
		memset(out->thread_name, 0, sizeof(out->thread_name));
	n = p->exe ? strnlen(p->exe, sizeof(out->exe) - 1) : 0;
	/* hide n's bound from GCC, or it inlines `rep movsq` (slow to start) */
	__asm__("" : "+r"(n));
	memcpy(out->exe, p->exe ? p->exe : "", n);
	out->exe[n] = '\0';
	out->cgroup_id = p->cgroup_id;
	out->container_id[0] = '\0';
	if (c->cgroups && p->cgroup_id)
		dt_cgroup_map_container(c->cgroups, p->cgroup_id, recent_ns(c), out->container_id);
	return 0;
}

void dt_proc_cache_stats(const struct dt_proc_cache *c, struct dt_proc_cache_stats *out)
{
	*out = c->st;
	out->exe_paths = dt_str_intern_count(c->exes);
}

int dt_proc_lookup(uint32_t pid, uint32_t tid, struct dt_process *out, void *user)
{
	if (!user)
		return -EINVAL;
	return dt_proc_cache_get(user, pid, tid, out);
}
