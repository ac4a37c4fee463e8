/* SPDX-License-Identifier: MIT */
/*
 * Waiting at exit until every peer of a ZeroMQ socket has read what was
 * written to it.
 *
 * Why: when a publisher closes an ipc:// connection while the subscriber's
 * receive queue is full (its libzmq has stopped reading), libzmq 4.3.4 on
 * the subscriber's side takes the hang-up for an error and drops whatever
 * still sits in the Unix socket, the final stats message included: a loss
 * nobody sees. Closing only once the peers' kernel buffers are empty
 * avoids it.
 *
 * How: the socket monitor reports each connection's file descriptor
 * (accepted, connected, disconnected, closed); at exit, SIOCOUTQ on each
 * one tells how many written bytes its peer has not read yet (Unix stream
 * sockets) or has not acknowledged (TCP).
 */
#ifndef DT_ZMQ_DRAIN_H
#define DT_ZMQ_DRAIN_H

#include <stddef.h>
#include <stdint.h>

struct dt_zmq_peers;

/* Starts monitoring sock (of context zctx) for connections. 0 or -errno. */
int dt_zmq_peers_watch(void *zctx, void *sock, struct dt_zmq_peers **peers);

/* Reads the monitor's pending events without blocking (call it now and
 * then: the monitor's queue is bounded). */
void dt_zmq_peers_update(struct dt_zmq_peers *peers);

/* Connections known now. */
size_t dt_zmq_peers_count(const struct dt_zmq_peers *peers);

/* Bytes written to the known connections that their peers have not taken
 * yet (0 for a descriptor the kernel no longer knows as a socket). */
uint64_t dt_zmq_peers_unread(const struct dt_zmq_peers *peers);

/*
 * Waits until no connection has unread bytes, checked several times in a
 * row (libzmq's I/O thread may still be writing from its own queue), or
 * until timeout_ms. 0 when drained, -ETIMEDOUT.
 */
int dt_zmq_peers_drain(struct dt_zmq_peers *peers, int timeout_ms);

/* Stops the monitor and closes its socket: before zmq_ctx_term, which
 * waits for every socket of the context. NULL-safe. */
void dt_zmq_peers_free(struct dt_zmq_peers *peers);

#endif
