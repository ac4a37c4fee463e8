// SPDX-License-Identifier: MIT
/*
 * The plugin registry. Adding a plugin: one extern line and one table entry.
 * Plugins written elsewhere are compiled in only when their source exists
 * (DT_HAVE_* from forwarder/CMakeLists.txt), so the tree builds meanwhile.
 */
#include "pipeline/registry.h"

#include <string.h>

#include "pipeline/options.h"
#include "pipeline/service.h"

#ifdef DT_HAVE_IN_EBPF
extern const struct dt_input_plugin dt_input_ebpf;
#endif
#ifdef DT_HAVE_IN_PCAP
extern const struct dt_input_plugin dt_input_pcap;
#endif
#ifdef DT_HAVE_OUT_ZMQ
extern const struct dt_output_plugin dt_output_zmq;
#endif
extern const struct dt_filter_plugin dt_filter_domain;
extern const struct dt_filter_plugin dt_filter_query;
extern const struct dt_filter_plugin dt_filter_process;
extern const struct dt_filter_plugin dt_filter_sample;
extern const struct dt_filter_plugin dt_filter_rate_limit;
extern const struct dt_output_plugin dt_output_stdout;
extern const struct dt_output_plugin dt_output_syslog;
extern const struct dt_output_plugin dt_output_file;

static const struct dt_input_plugin *const inputs[] = {
#ifdef DT_HAVE_IN_EBPF
    &dt_input_ebpf,
#endif
#ifdef DT_HAVE_IN_PCAP
    &dt_input_pcap,
#endif
    NULL,
};

static const struct dt_filter_plugin *const filters[] = {
    &dt_filter_domain, &dt_filter_query,      &dt_filter_process,
    &dt_filter_sample, &dt_filter_rate_limit, NULL,
};

static const struct dt_output_plugin *const outputs[] = {
#ifdef DT_HAVE_OUT_ZMQ
    &dt_output_zmq,
#endif
    &dt_output_stdout, &dt_output_syslog, &dt_output_file, NULL,
};

const struct dt_input_plugin *dt_registry_input(const char *name)
{
	for (size_t i = 0; inputs[i]; i++)
		if (strcmp(inputs[i]->name, name) == 0)
			return inputs[i];
	return NULL;
}

const struct dt_filter_plugin *dt_registry_filter(const char *name)
{
	for (size_t i = 0; filters[i]; i++)
		if (strcmp(filters[i]->name, name) == 0)
			return filters[i];
	return NULL;
}

const struct dt_output_plugin *dt_registry_output(const char *name)
{
	for (size_t i = 0; outputs[i]; i++)
		if (strcmp(outputs[i]->name, name) == 0)
			return outputs[i];
	return NULL;
}

static const char *const input_keys[] = {
    "name", "plugin name", "tag", "routing tag given to the records of this input [default: dns]",
    NULL,
};
static const char *const routed_keys[] = {
    "name",  "plugin name",
    "match", "tag pattern of the records it sees; * matches any run [default: *]",
    NULL,
};

void dt_registry_print_reference(FILE *out, bool man)
{
	dt_options_print(out, "section", "service", "daemon-wide settings", dt_service_options,
			 NULL, man);
	for (size_t i = 0; inputs[i]; i++)
		dt_options_print(out, "input", inputs[i]->name, inputs[i]->description,
				 inputs[i]->options, input_keys, man);
	for (size_t i = 0; filters[i]; i++)
		dt_options_print(out, "filter", filters[i]->name, filters[i]->description,
				 filters[i]->options, routed_keys, man);
	for (size_t i = 0; outputs[i]; i++)
		dt_options_print(out, "output", outputs[i]->name, outputs[i]->description,
				 outputs[i]->options, routed_keys, man);
}
