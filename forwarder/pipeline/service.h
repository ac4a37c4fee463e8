/* SPDX-License-Identifier: MIT */
/* The `service:` section of the configuration. */
#ifndef DT_SERVICE_H
#define DT_SERVICE_H

#include <stdint.h>

#include "pipeline/option.h"

enum dt_log_level { DT_LOG_ERROR = 0, DT_LOG_WARN, DT_LOG_INFO, DT_LOG_DEBUG };

struct dt_service {
	char *log_level;
	char *http_listen;	 /* "127.0.0.1:2020", NULL = off */
	char *user;		 /* run as this user after attaching */
	char *host_name;	 /* host.name in records; default gethostname() */
	uint64_t flush_interval; /* ns between output flushes */
	uint64_t stats_interval; /* ns between heartbeats */
	uint64_t timeout;	 /* transaction timeout, ns */
	int64_t max_pending;	 /* pending queries per engine */
	int64_t tick_ms;	 /* main loop period */
	char *decode_records;	 /* "answer" or "all": record sections decoded */

	enum dt_log_level level; /* parsed log_level */
};

extern const struct dt_option dt_service_options[];

/* "error" ... "debug" -> level; -EINVAL if unknown. */
int dt_log_level_parse(const char *s, enum dt_log_level *level);

#endif
