/* SPDX-License-Identifier: MIT */
/* The kernel's CPU list format; see cpu_list.h. */
#include "inputs/cpu_list.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int read_cpu(const char **p, unsigned long *cpu)
{
	char *end;

	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	*cpu = strtoul(*p, &end, 10);
	*p = end;
	return 0;
}

int dt_cpu_list_parse(const char *list, bool *mask, size_t n)
{
	const char *p = list;
	int set = 0;

	while (*p && *p != '\n') {
		unsigned long lo, hi;

		if (read_cpu(&p, &lo))
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (read_cpu(&p, &hi) || hi < lo)
				return -EINVAL;
		}
		for (unsigned long c = lo; c <= hi && c < n; c++) {
			if (!mask[c])
				set++;
			mask[c] = true;
		}
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return set;
}

int dt_cpu_list_read(const char *path, bool *mask, size_t n)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	ret = fgets(line, sizeof(line), f) ? dt_cpu_list_parse(line, mask, n) : -EINVAL;
	fclose(f);
	return ret == 0 ? -ENOENT : ret;
}
