/* SPDX-License-Identifier: MIT */
/*
 * container.id from a cgroup: cgroup v2 ids (bpf_get_current_cgroup_id)
 * are the inode numbers of the cgroup directories, so walking the cgroup2
 * mount once maps id -> path, and the path names the container:
 *
 *   /system.slice/docker-<64 hex>.scope            docker, systemd driver
 *   /docker/<64 hex>                               docker, cgroupfs driver
 *   /kubepods.slice/.../cri-containerd-<64 hex>.scope
 *   /kubepods/besteffort/pod<uid>/<64 hex>
 *   /machine.slice/libpod-<64 hex>.scope           podman
 *   .../crio-<64 hex>.scope                        CRI-O
 *
 * The innermost component that names a container wins; *-conmon-* scopes
 * (the container monitor) do not count.
 */
#ifndef DT_CGROUP_CONTAINER_H
#define DT_CGROUP_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#define DT_CONTAINER_ID_LEN 64

/* Container id named by a cgroup path: 0 and out (65 bytes, NUL-terminated),
 * or -ENOENT when the path is not a container's. */
int dt_container_id_from_path(const char *path, char out[DT_CONTAINER_ID_LEN + 1]);

/* Where cgroup2 is mounted, from /proc/self/mountinfo: 0 or -ENOENT. */
int dt_cgroup2_mount(char *buf, size_t len);

struct dt_cgroup_map;

/* root: the cgroup2 mount (NULL: find it); capacity: cgroups remembered. */
int dt_cgroup_map_new(const char *root, uint32_t capacity, struct dt_cgroup_map **out);
void dt_cgroup_map_free(struct dt_cgroup_map *m); /* NULL-safe */
/*
 * Container id of cgroup `id`: 0 and out ("" when not a container), or
 * -ENOENT when the cgroup is unknown. A miss on an id above every id of the
 * last walk (a cgroup created since) rescans the tree at once; other misses
 * rescan at most once per `rescan_interval_ns` (default 100 ms) of `now_ns`.
 * An id still missing after a rescan is remembered as "" (cgroup ids are
 * never reused).
 */
int dt_cgroup_map_container(struct dt_cgroup_map *m, uint64_t id, uint64_t now_ns,
			    char out[DT_CONTAINER_ID_LEN + 1]);
/* Walk the tree now; returns the number of cgroups remembered or -errno. */
int dt_cgroup_map_rescan(struct dt_cgroup_map *m);
void dt_cgroup_map_set_rescan_interval(struct dt_cgroup_map *m, uint64_t ns);

#endif
