// SPDX-License-Identifier: MIT
#include "pipeline/tagmatch.h"

#include <stddef.h>

/* Greedy glob with one backtrack point: linear in practice, no recursion. */
bool dt_tag_match(const char *pattern, const char *tag)
{
	const char *star = NULL, *resume = NULL;

	if (!pattern || !tag)
		return false;
	if (pattern[0] == '*' && !pattern[1])
		return true; /* the usual match: "*", checked per record and output */
	while (*tag) {
		if (*pattern == '*') {
			star = pattern++;
			resume = tag;
		} else if (*pattern == *tag) {
			pattern++;
			tag++;
		} else if (star) {
			pattern = star + 1;
			tag = ++resume;
		} else {
			return false;
		}
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}
