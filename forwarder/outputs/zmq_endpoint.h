/* SPDX-License-Identifier: MIT */
/*
 * Endpoint syntax, checked at config time: nothing is bound, connected or
 * resolved, so --check-config can reject a typo before the daemon runs.
 */
#ifndef DT_ZMQ_ENDPOINT_H
#define DT_ZMQ_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A ZeroMQ endpoint: tcp://HOST:PORT, tcp://[V6]:PORT, ipc://PATH,
 * inproc://NAME. A bind also takes a star as HOST or PORT; a connect may name
 * its source first, tcp://SRC;HOST:PORT. 0 when valid, else -EINVAL with
 * the reason in why.
 */
int dt_zmq_endpoint_check(const char *ep, bool connect, char *why, size_t why_size);

/* A syslog output address: unix://PATH, udp://HOST:PORT, tcp://HOST:PORT. */
int dt_syslog_address_check(const char *addr, char *why, size_t why_size);

#endif
