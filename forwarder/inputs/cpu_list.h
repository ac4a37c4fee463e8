/* SPDX-License-Identifier: MIT */
/*
 * The kernel's CPU list format ("0-3,8,10-11\n", as in
 * /sys/devices/system/cpu/online), into a mask. Pure; no I/O but
 * dt_cpu_list_read().
 */
#ifndef DT_CPU_LIST_H
#define DT_CPU_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Sets mask[i] for every CPU i < n in the list (others are left alone;
 * CPUs >= n are ignored). Returns how many were set, or -EINVAL for a
 * malformed list. */
int dt_cpu_list_parse(const char *list, bool *mask, size_t n);

/* dt_cpu_list_parse() of a file's first line: 0 < count, or -errno. */
int dt_cpu_list_read(const char *path, bool *mask, size_t n);

#endif
