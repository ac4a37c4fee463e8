/* SPDX-License-Identifier: MIT */
/* Every plugin the daemon knows, by YAML name. */
#ifndef DT_REGISTRY_H
#define DT_REGISTRY_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeline/plugin.h"

const struct dt_input_plugin *dt_registry_input(const char *name);
const struct dt_filter_plugin *dt_registry_filter(const char *name);
const struct dt_output_plugin *dt_registry_output(const char *name);

/* The whole configuration reference: service keys and every plugin's table. */
void dt_registry_print_reference(FILE *out, bool man);

#endif
