/* SPDX-License-Identifier: MIT */
/* cgroup id -> container id; see cgroup_container.h. */
#define _GNU_SOURCE
#include "proc/cgroup_container.h"

#include <ctype.h>
#include <errno.h>
#include <fts.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_DEPTH_MAX 16

/* 16 bytes: most cgroups are not containers, so ids live apart from names */
struct cg_slot {
	uint64_t id;	    /* 0 = empty slot */
	uint32_t container; /* 0 = not a container, else 1 + index into containers */
};

struct dt_cgroup_map {
	char root[512];
	/* Starts small and doubles up to max_slots: a walk clears what is in
	 * use, and a table sized for the capacity up front cost 2.6 MB of RSS
	 * on a host with a few dozen cgroups. */
	struct cg_slot *slots;
	uint32_t mask; /* slots - 1, power of two */
	uint32_t max_slots;
	uint32_t used, limit; /* limit = max_slots / 2 >= capacity */
	char (*containers)[DT_CONTAINER_ID_LEN + 1];
	uint32_t n_containers, cap_containers;
	uint64_t last_scan_ns;
	uint64_t rescan_interval_ns;
	uint64_t max_scanned_id; /* highest cgroup id the last walk saw */
	bool scanned;
};

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* One path component: "[prefix-]<64 hex>[.scope]" -> id. */
static bool component_id(const char *c, size_t n, char *out)
{
	static const char *const prefixes[] = {"docker-", "cri-containerd-", "crio-",
					       "libpod-", "containerd-",     ""};

	if (n >= 6 && !memcmp(c + n - 6, ".scope", 6))
		n -= 6;
	if (memmem(c, n, "conmon", 6))
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t p = strlen(prefixes[i]);

		if (n != p + DT_CONTAINER_ID_LEN || memcmp(c, prefixes[i], p))
			continue;
		if (!all_hex(c + p, DT_CONTAINER_ID_LEN))
			return false;
		memcpy(out, c + p, DT_CONTAINER_ID_LEN);
		out[DT_CONTAINER_ID_LEN] = 0;
		return true;
	}
	return false;
}

int dt_container_id_from_path(const char *path, char out[DT_CONTAINER_ID_LEN + 1])
{
	const char *p = path;
	bool found = false;

	out[0] = 0;
	if (!path)
		return -ENOENT;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n && component_id(p, n, out))
			found = true; /* keep going: the innermost wins */
		if (!end)
			break;
		p = end + 1;
	}
	if (!found)
		out[0] = 0;
	return found ? 0 : -ENOENT;
}

int dt_cgroup2_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint options ... - fstype source ... */
		char *sep = strstr(line, " - ");
		char mnt[512];

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 && strlen(mnt) < len) {
			strcpy(buf, mnt);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

#define CG_SLOTS_MIN 64

int dt_cgroup_map_new(const char *root, uint32_t capacity, struct dt_cgroup_map **out)
{
	struct dt_cgroup_map *m;
	uint32_t n = CG_SLOTS_MIN;

	if (!capacity)
		capacity = 16384;
	while (n < capacity * 2u && n < (1u << 24))
		n <<= 1;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->slots = calloc(CG_SLOTS_MIN, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return -ENOMEM;
	}
	m->mask = CG_SLOTS_MIN - 1;
	m->max_slots = n;
	m->limit = n / 2;
	m->rescan_interval_ns = 100000000ull;
	if (root)
		snprintf(m->root, sizeof(m->root), "%s", root);
	else if (dt_cgroup2_mount(m->root, sizeof(m->root)) < 0)
		snprintf(m->root, sizeof(m->root), "/sys/fs/cgroup");
	*out = m;
	return 0;
}

void dt_cgroup_map_free(struct dt_cgroup_map *m)
{
	if (!m)
		return;
	free(m->containers);
	free(m->slots);
	free(m);
}

void dt_cgroup_map_set_rescan_interval(struct dt_cgroup_map *m, uint64_t ns)
{
	m->rescan_interval_ns = ns;
}

static struct cg_slot *slot_for(const struct dt_cgroup_map *m, uint64_t id)
{
	uint32_t i = (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 40) & m->mask;

	while (m->slots[i].id && m->slots[i].id != id)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

/* Double the slots (at most max_slots): 0 or -ENOMEM / -ENOSPC. */
static int grow(struct dt_cgroup_map *m)
{
	struct dt_cgroup_map old = *m;
	uint32_t n = (m->mask + 1) * 2;

	if (n > m->max_slots)
		return -ENOSPC;
	m->slots = calloc(n, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old.slots;
		return -ENOMEM;
	}
	m->mask = n - 1;
	for (uint32_t i = 0; i <= old.mask; i++)
		if (old.slots[i].id)
			*slot_for(m, old.slots[i].id) = old.slots[i];
	free(old.slots);
	return 0;
}

/* Index + 1 of a copy of container in m->containers, 0 when it is "" or
 * there is no room (the cgroup then reads as no container). */
static uint32_t add_container(struct dt_cgroup_map *m, const char *container)
{
	if (!container[0])
		return 0;
	if (m->n_containers == m->cap_containers) {
		uint32_t n = m->cap_containers ? m->cap_containers * 2 : 16;
		void *p = reallocarray(m->containers, n, sizeof(*m->containers));

		if (!p)
			return 0;
		m->containers = p;
		m->cap_containers = n;
	}
	snprintf(m->containers[m->n_containers], sizeof(m->containers[0]), "%s", container);
	return ++m->n_containers;
}

static void put(struct dt_cgroup_map *m, uint64_t id, const char *container)
{
	struct cg_slot *e;

	if (!id)
		return;
	e = slot_for(m, id);
	if (!e->id) {
		if (m->used >= m->limit)
			return; /* full: bounded, later ids stay unknown */
		/* keep the load at most one half */
		if ((m->used + 1) * 2 > m->mask + 1) {
			if (grow(m))
				return;
			e = slot_for(m, id);
		}
		m->used++;
		e->id = id;
	}
	e->container = add_container(m, container);
}

int dt_cgroup_map_rescan(struct dt_cgroup_map *m)
{
	char *const roots[] = {m->root, NULL};
	size_t rootlen = strlen(m->root);
	FTSENT *ent;
	FTS *fts;

	/* start over: cgroups come and go, ids are not reused */
	memset(m->slots, 0, (m->mask + 1) * sizeof(*m->slots));
	m->used = 0;
	m->n_containers = 0;
	fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
	if (!fts)
		return -errno;
	while ((ent = fts_read(fts))) {
		char cid[DT_CONTAINER_ID_LEN + 1];

		if (ent->fts_info != FTS_D)
			continue;
		if (ent->fts_level >= WALK_DEPTH_MAX) {
			fts_set(fts, ent, FTS_SKIP);
			continue;
		}
		dt_container_id_from_path(ent->fts_path + rootlen, cid);
		put(m, ent->fts_statp->st_ino, cid);
		if (ent->fts_statp->st_ino > m->max_scanned_id)
			m->max_scanned_id = ent->fts_statp->st_ino;
	}
	fts_close(fts);
	m->scanned = true;
	return (int)m->used;
}

int dt_cgroup_map_container(struct dt_cgroup_map *m, uint64_t id, uint64_t now_ns,
			    char out[DT_CONTAINER_ID_LEN + 1])
{
	struct cg_slot *e;

	out[0] = 0;
	if (!m || !id)
		return -ENOENT;
	e = slot_for(m, id);
	/* cgroup ids grow: one above everything walked is a cgroup created since,
	 * worth a walk at once (each id costs at most one walk, then it is known
	 * or remembered as gone); other misses walk at most once per interval */
	if (!e->id && (!m->scanned || id > m->max_scanned_id ||
		       now_ns - m->last_scan_ns >= m->rescan_interval_ns)) {
		m->last_scan_ns = now_ns;
		dt_cgroup_map_rescan(m);
		e = slot_for(m, id);
		if (!e->id) {
			/* the cgroup existed when its packet was sent; not there now
			 * means it is gone: remember that, never walk for it again */
			put(m, id, "");
			return -ENOENT;
		}
	}
	if (!e->id)
		return -ENOENT;
	if (e->container)
		memcpy(out, m->containers[e->container - 1], DT_CONTAINER_ID_LEN + 1);
	return 0;
}
