/* SPDX-License-Identifier: MIT */
/*
 * dnstrail-broker: fan-in for many forwarders, fan-out to many subscribers.
 * Forwarders connect their zmq output to the frontend (XSUB), subscribers
 * connect to the backend (XPUB); libzmq's zmq_proxy moves messages and
 * passes subscriptions upstream, so forwarders only send what someone wants.
 * Messages keep their publisher identity and sequence numbers: subscribers
 * still prove loss per forwarder, including loss in the broker.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#define MAX_ENDPOINTS 32

static void on_signal(int sig)
{
	(void)sig; /* zmq_proxy returns with EINTR */
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dnstrail-broker [--frontend ENDPOINT]... [--backend ENDPOINT]... [--hwm N]\n"
		"Forward dnstrail messages from many forwarders to many subscribers.\n"
		"  --frontend ENDPOINT  bind for forwarders (zmq output `connect:`), repeatable;\n"
		"                       default tcp://127.0.0.1:5559\n"
		"  --backend ENDPOINT   bind for subscribers (dnstrail-sub --connect), repeatable;\n"
		"                       default tcp://127.0.0.1:5560\n"
		"  --hwm N              messages queued per peer each way (default 100000); beyond\n"
		"                       it the broker drops, and subscribers see the gap\n"
		"Examples:\n"
		"  dnstrail-broker --frontend tcp://0.0.0.0:5559 --backend tcp://0.0.0.0:5560\n"
		"  dnstrail --connect tcp://broker:5559     # on every host\n"
		"  dnstrail-sub --connect tcp://broker:5560\n");
}

static int bind_all(void *sock, const char **eps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (zmq_bind(sock, eps[i]) != 0) {
			fprintf(stderr, "dnstrail-broker: bind %s: %s\n", eps[i],
				zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "frontend", required_argument, NULL, 'f' },
		{ "backend", required_argument, NULL, 'b' },
		{ "hwm", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *front[MAX_ENDPOINTS], *back[MAX_ENDPOINTS];
	size_t n_front = 0, n_back = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	int hwm = 100000, linger = 0, one = 1, c, rc = 1;
	void *ctx, *xsub, *xpub;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (n_front < MAX_ENDPOINTS)
				front[n_front++] = optarg;
			break;
		case 'b':
			if (n_back < MAX_ENDPOINTS)
				back[n_back++] = optarg;
			break;
		case 'w':
			hwm = atoi(optarg);
			if (hwm <= 0) {
				fprintf(stderr, "dnstrail-broker: --hwm: a positive number\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!n_front)
		front[n_front++] = "tcp://127.0.0.1:5559";
	if (!n_back)
		back[n_back++] = "tcp://127.0.0.1:5560";

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ctx = zmq_ctx_new();
	xsub = zmq_socket(ctx, ZMQ_XSUB);
	xpub = zmq_socket(ctx, ZMQ_XPUB);
	if (!xsub || !xpub) {
		fprintf(stderr, "dnstrail-broker: zmq_socket: %s\n", zmq_strerror(zmq_errno()));
		goto out_close;
	}
	zmq_setsockopt(xsub, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(xpub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(xsub, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(xpub, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(xsub, ZMQ_IPV6, &one, sizeof(one));
	zmq_setsockopt(xpub, ZMQ_IPV6, &one, sizeof(one));
	if (bind_all(xsub, front, n_front) || bind_all(xpub, back, n_back))
		goto out_close;
	fprintf(stderr, "dnstrail-broker: %s -> %s\n", front[0], back[0]);
	zmq_proxy(xsub, xpub, NULL); /* until a signal */
	rc = 0;

out_close:
	if (xsub)
		zmq_close(xsub);
	if (xpub)
		zmq_close(xpub);
	zmq_ctx_term(ctx);
	return rc;
}
