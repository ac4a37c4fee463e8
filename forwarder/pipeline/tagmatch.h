/* SPDX-License-Identifier: MIT */
/* Fluent Bit-style tag patterns: `*` matches any run of characters, the rest literally. */
#ifndef DT_TAGMATCH_H
#define DT_TAGMATCH_H

#include <stdbool.h>

bool dt_tag_match(const char *pattern, const char *tag);

#endif
