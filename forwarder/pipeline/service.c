// SPDX-License-Identifier: MIT
/* Option table of the `service:` section. */
#include "pipeline/service.h"

#include <errno.h>
#include <string.h>

static const char *const log_levels[] = {"error", "warn", "warning", "info", "debug", NULL};
static const char *const decode_records_choices[] = {"answer", "all", NULL};

const struct dt_option dt_service_options[] = {
    DT_OPT_CHOICE("log_level", struct dt_service, log_level, "info", log_levels,
		  "error, warn, info or debug (logs go to stderr)"),
    DT_OPT_STR("http_listen", struct dt_service, http_listen, NULL,
	       "ADDRESS:PORT of the HTTP server (/api/v1/health, /api/v1/metrics/prometheus); off "
	       "when unset"),
    DT_OPT_STR("user", struct dt_service, user, NULL,
	       "after attaching, run as this user with no capabilities left"),
    DT_OPT_STR("host_name", struct dt_service, host_name, NULL,
	       "host.name put in every record [default: the system host name]"),
    DT_OPT_DURATION("flush_interval", struct dt_service, flush_interval, "100ms",
		    "how often outputs push queued data on"),
    DT_OPT_DURATION("stats_interval", struct dt_service, stats_interval, "10s",
		    "how often outputs publish counters (zmq _stats. messages)"),
    DT_OPT_DURATION("timeout", struct dt_service, timeout, "5s",
		    "a query unanswered this long becomes a timeout record"),
    DT_OPT_INT("max_pending", struct dt_service, max_pending, "65536", 16, 16777216,
	       "pending queries kept per input (older ones are evicted, counted)"),
    DT_OPT_CHOICE("decode_records", struct dt_service, decode_records, "answer",
		  decode_records_choices,
		  "answer: decode the answer section's records only (what the ECS, text and "
		  "syslog outputs show; the other sections are counted and kept in the wire "
		  "bytes); all: also the authority and additional records, for protobuf consumers"),
    DT_OPT_INT("tick_ms", struct dt_service, tick_ms, "10", 1, 1000,
	       "main loop period: ring-buffer collection and engine clock"),
    {0},
};

int dt_log_level_parse(const char *s, enum dt_log_level *level)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*level = (enum dt_log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*level = DT_LOG_WARN;
		return 0;
	}
	return -EINVAL;
}
