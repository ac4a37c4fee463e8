/* SPDX-License-Identifier: MIT */
/* Waiting at exit until the peers of a ZeroMQ socket have read everything:
 * see zmq_drain.h. */
#include <errno.h>
#include <linux/sockios.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <zmq.h>

#include "outputs/zmq_drain.h"

/* Connections followed; more are not waited for at exit. */
#define PEERS_MAX 256

/* Monitor events read per update: the queue holds at most its HWM anyway. */
#define EVENTS_PER_UPDATE 256

/* Drained: no unread bytes in this many checks in a row, this far apart. */
#define DRAIN_CHECKS 3
#define DRAIN_STEP_MS 10

struct dt_zmq_peers {
	void *sock;    /* the monitored socket */
	void *monitor; /* PAIR end of its monitor */
	int fds[PEERS_MAX];
	size_t n_fds;
};

static void peer_add(struct dt_zmq_peers *p, int fd)
{
	for (size_t i = 0; i < p->n_fds; i++)
		if (p->fds[i] == fd)
			return;
	if (p->n_fds < PEERS_MAX)
		p->fds[p->n_fds++] = fd;
}

static void peer_remove(struct dt_zmq_peers *p, int fd)
{
	for (size_t i = 0; i < p->n_fds; i++) {
		if (p->fds[i] == fd) {
			p->fds[i] = p->fds[--p->n_fds];
			return;
		}
	}
}

int dt_zmq_peers_watch(void *zctx, void *sock, struct dt_zmq_peers **peers)
{
	struct dt_zmq_peers *p;
	char endpoint[64];
	int linger = 0;

	*peers = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sock = sock;
	/* inproc names are per context; the socket's address keeps them apart */
	snprintf(endpoint, sizeof(endpoint), "inproc://dnstrail-peers-%p", sock);
	if (zmq_socket_monitor(sock, endpoint,
			       ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED |
				   ZMQ_EVENT_CLOSED) != 0)
		goto err_free;
	p->monitor = zmq_socket(zctx, ZMQ_PAIR);
	if (!p->monitor)
		goto err_stop;
	if (zmq_setsockopt(p->monitor, ZMQ_LINGER, &linger, sizeof(linger)) ||
	    zmq_connect(p->monitor, endpoint))
		goto err_close;
	*peers = p;
	return 0;

err_close:
	zmq_close(p->monitor);
err_stop:
	zmq_socket_monitor(sock, NULL, 0);
err_free:
	free(p);
	return -(zmq_errno() ? zmq_errno() : EINVAL);
}

/* One monitor event: [u16 event, u32 value][endpoint]. 0, or -EAGAIN. */
static int read_event(struct dt_zmq_peers *p)
{
	uint8_t head[6];
	char addr[256];
	uint16_t event;
	uint32_t value;
	int more = 0;
	size_t more_len = sizeof(more);
	int n = zmq_recv(p->monitor, head, sizeof(head), ZMQ_DONTWAIT);

	if (n < 0)
		return -zmq_errno();
	zmq_getsockopt(p->monitor, ZMQ_RCVMORE, &more, &more_len);
	if (more)
		zmq_recv(p->monitor, addr, sizeof(addr), 0); /* the rest of it is here */
	if (n != (int)sizeof(head))
		return 0;
	memcpy(&event, head, sizeof(event));
	memcpy(&value, head + 2, sizeof(value));
	if (event & (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED))
		peer_add(p, (int)value);
	else if (event & (ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED))
		peer_remove(p, (int)value);
	return 0;
}

void dt_zmq_peers_update(struct dt_zmq_peers *peers)
{
	if (!peers)
		return;
	for (int i = 0; i < EVENTS_PER_UPDATE; i++)
		if (read_event(peers) < 0)
			break;
}

size_t dt_zmq_peers_count(const struct dt_zmq_peers *peers)
{
	return peers ? peers->n_fds : 0;
}

uint64_t dt_zmq_peers_unread(const struct dt_zmq_peers *peers)
{
	uint64_t total = 0;

	for (size_t i = 0; peers && i < peers->n_fds; i++) {
		int outq = 0;

		/* fails once the descriptor is closed (or is no socket any more).
		 * A number reused before its DISCONNECTED event is read could
		 * count another socket's queue: at worst a wait bounded by linger. */
		if (ioctl(peers->fds[i], SIOCOUTQ, &outq) == 0 && outq > 0)
			total += (uint64_t)outq;
	}
	return total;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int dt_zmq_peers_drain(struct dt_zmq_peers *peers, int timeout_ms)
{
	int quiet = 0;

	if (!peers)
		return 0;
	for (int waited = 0;; waited += DRAIN_STEP_MS) {
		dt_zmq_peers_update(peers);
		if (peers->n_fds == 0)
			return 0; /* nobody to wait for */
		quiet = dt_zmq_peers_unread(peers) == 0 ? quiet + 1 : 0;
		if (quiet >= DRAIN_CHECKS)
			return 0;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		sleep_ms(DRAIN_STEP_MS);
	}
}

void dt_zmq_peers_free(struct dt_zmq_peers *peers)
{
	if (!peers)
		return;
	zmq_socket_monitor(peers->sock, NULL, 0);
	zmq_close(peers->monitor);
	free(peers);
}
