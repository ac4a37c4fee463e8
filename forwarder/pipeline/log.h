/* SPDX-License-Identifier: MIT */
/* Daemon logging to stderr (journald takes stderr under systemd). Not for library code. */
#ifndef DT_LOG_H
#define DT_LOG_H

#include "pipeline/service.h"

extern enum dt_log_level dt_log_level;

void dt_log(enum dt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define dt_err(...) dt_log(DT_LOG_ERROR, __VA_ARGS__)
#define dt_warn(...) dt_log(DT_LOG_WARN, __VA_ARGS__)
#define dt_info(...) dt_log(DT_LOG_INFO, __VA_ARGS__)
#define dt_debug(...) dt_log(DT_LOG_DEBUG, __VA_ARGS__)

#endif
