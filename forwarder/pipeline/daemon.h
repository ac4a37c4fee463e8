/* SPDX-License-Identifier: MIT */
/*
 * The daemon: inputs and their engines (kept for the whole run), the
 * rebuildable pipeline, the epoll main loop (signalfd, timerfd, input fds),
 * reload on SIGHUP, privilege drop, HTTP, sd_notify, the final stats line.
 */
#ifndef DT_DAEMON_H
#define DT_DAEMON_H

#include "pipeline/model.h"

/* Run until a signal, --duration, or the end of every pcap input. Returns the exit status. */
int dt_daemon_run(const struct dt_cli *cli, double duration_s);

/* --check-config: 0 when valid (message on stdout), else 1 with FILE:LINE: reason on stderr. */
int dt_daemon_check(const struct dt_cli *cli);

#endif
