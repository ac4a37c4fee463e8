// SPDX-License-Identifier: MIT
/*
 * The load of bench/kernel_cost.sh: two processes exchange DNS messages over
 * UDP on loopback, one round trip at a time. The client sends a query for
 * www.bench.test/A, the server answers it with the same bytes and the QR bit
 * set; so each round trip is two DNS messages, each seen by the kernel side
 * at both of its packet tracepoints (lo's egress and ingress).
 *
 * Run on one CPU (taskset), the time per round trip is the CPU time of the
 * whole exchange: two processes, two context switches, four packet passes
 * through the stack. What the kernel side adds to it is what it costs the
 * host, caches and TLB included, which bpf_stats cannot see.
 *
 * usage: rtt_cost COUNT PORT [ADDR]
 * prints: round_trips=N ns_per_round_trip=T
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* www.bench.test IN A, RD set, with an id the client bumps each time */
static size_t make_query(unsigned char *q)
{
	static const unsigned char name[] = "\3www\5bench\4test";
	size_t n = 12;

	memset(q, 0, 12);
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	memcpy(q + n, name, sizeof(name)); /* with the root label's 0 */
	n += sizeof(name);
	q[n++] = 0;
	q[n++] = 1; /* A */
	q[n++] = 0;
	q[n++] = 1; /* IN */
	return n;
}

static void serve(int fd)
{
	unsigned char buf[512];
	struct sockaddr_in from;

	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t k = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (k < 12)
			continue;
		buf[2] |= 0x80; /* QR: a response */
		buf[3] |= 0x80; /* RA */
		sendto(fd, buf, (size_t)k, 0, (struct sockaddr *)&from, fl);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	unsigned char q[64], r[512];
	long count, i;
	size_t qlen;
	double t0, t;
	int srv, cli;
	pid_t pid;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s COUNT PORT [ADDR]\n", argv[0]);
		return 2;
	}
	count = atol(argv[1]);
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argc == 4 ? argv[3] : "127.0.0.1", &a.sin_addr) != 1 || count <= 0) {
		fprintf(stderr, "rtt_cost: bad count or address\n");
		return 2;
	}
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "rtt_cost: bind: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("rtt_cost: fork");
		return 1;
	}
	if (pid == 0)
		serve(srv);
	cli = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval limit = {.tv_sec = 2}; /* a lost datagram ends the run, not hangs it */

	if (cli < 0 || setsockopt(cli, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) ||
	    connect(cli, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "rtt_cost: connect: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		return 1;
	}
	qlen = make_query(q);
	/* a few round trips first: both processes and their caches warm */
	for (i = -1000, t0 = 0; i < count; i++) {
		if (i == 0)
			t0 = now_s();
		q[0] = (unsigned char)(i >> 8);
		q[1] = (unsigned char)i;
		if (send(cli, q, qlen, 0) != (ssize_t)qlen || recv(cli, r, sizeof(r), 0) < 12) {
			fprintf(stderr, "rtt_cost: round trip %ld: %s\n", i, strerror(errno));
			kill(pid, SIGKILL);
			return 1;
		}
	}
	t = now_s() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("round_trips=%ld ns_per_round_trip=%.1f\n", count, t / (double)count * 1e9);
	return 0;
}
