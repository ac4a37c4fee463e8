/* SPDX-License-Identifier: MIT */
/* Option tables (option.h) applied to config nodes, freed, and printed as reference. */
#ifndef DT_OPTIONS_H
#define DT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipeline/config.h"
#include "pipeline/option.h"

/*
 * Fill ctx from the MAP node `map` (NULL = empty) with the table `opts`:
 * values are type- and range-checked, defaults applied, required keys
 * enforced, unknown keys rejected unless listed in `reserved` (NULL-ended,
 * e.g. name/tag/match handled by the pipeline). On error err holds
 * "FILE:LINE: key: reason" and whatever was filled is freed.
 */
int dt_options_apply(const struct dt_option *opts, void *ctx, const struct dt_node *map,
		     const char *const *reserved, const char *file, struct dt_errbuf *err);
/* Free the strings and lists the table put into ctx (ctx itself is the caller's). */
void dt_options_free(const struct dt_option *opts, void *ctx);

/* "5s", "250ms", "2m", "1h", "100us", "1.5s", plain number = seconds. */
int dt_parse_duration(const char *s, uint64_t *ns);
/* "4096", "64k", "16M", "1G" (binary multiples; optional trailing B / iB). */
int dt_parse_size(const char *s, uint64_t *bytes);
int dt_parse_bool(const char *s, bool *out);

/* One section of the reference (--help-config), plain text or man(7) roff. */
void dt_options_print(FILE *out, const char *kind, const char *name, const char *description,
		      const struct dt_option *opts, const char *const *extra_keys, bool man);

#endif
