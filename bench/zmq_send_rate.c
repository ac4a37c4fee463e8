// SPDX-License-Identifier: MIT
/*
 * The bare ZeroMQ reference for bench/pipeline_pcap.sh: how many two-frame
 * messages (topic + payload) one PUB socket delivers per second to a SUB in
 * another thread over TCP loopback, with XPUB_NODROP so nothing is dropped
 * silently. That is the ceiling the daemon's publish stage can reach here.
 *
 * With RATE (messages per second), the messages go out paced, in bursts every
 * TICK_MS milliseconds (default 1): the CPU the transport costs at a given
 * load, not at its ceiling. The daemon sends what one turn of its main loop
 * produced as one burst; at saturation it turns every few milliseconds.
 *
 * With -p the SUB runs in a child process with its own context, as
 * dnstrail-sub does beside the daemon: the CPU of each side is then its own,
 * and pub_cpu_s is what the transport alone costs a publisher (its sending
 * thread and its I/O thread), the floor under the daemon's CPU per event.
 *
 * usage: zmq_send_rate [-p] [COUNT [PAYLOAD_BYTES [PORT [RATE [TICK_MS]]]]]
 * prints: sent=N received=N seconds=S msgs_per_s=R cpu_s=C
 *         (with -p also pub_cpu_s=P sub_cpu_s=S; C = P + S)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

struct sub_arg {
	void *ctx;
	char endpoint[64];
	long expect;
	_Atomic long received; /* written by the SUB thread */
	_Atomic long warm; /* warm-up messages seen */
	_Atomic int done; /* the SUB thread has returned */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void *sub_main(void *p)
{
	struct sub_arg *a = p;
	void *sub = zmq_socket(a->ctx, ZMQ_SUB);
	int hwm = 100000, timeout = 3000;
	char buf[4096];

	zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "dns.", 4);
	zmq_connect(sub, a->endpoint);
	while (a->received < a->expect) {
		int more = 0;
		size_t len = sizeof(more);

		int n = zmq_recv(sub, buf, sizeof(buf), 0);

		if (n < 0)
			break; /* timeout: the publisher stopped */
		zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &len);
		while (more) {
			zmq_recv(sub, buf, sizeof(buf), 0);
			zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &len);
		}
		if (n == 10 && memcmp(buf, "dns.warmup", 10) == 0)
			a->warm++;
		else
			a->received++;
	}
	zmq_close(sub);
	a->done = 1;
	return NULL;
}

/* One event as the daemon sends it: topic frame, then body frame. */
static int send_event(void *pub, const char *topic, size_t topic_len, const void *body,
		      size_t body_len)
{
	if (zmq_send(pub, topic, topic_len, ZMQ_SNDMORE) < 0 || zmq_send(pub, body, body_len, 0) < 0)
		return -1;
	return 0;
}

/* What the child of -p reports through its pipe: first a warm-up byte, then this. */
struct sub_report {
	long received;
	double cpu_s; /* the child's CPU from its first warm-up message on */
};

/*
 * -p: the SUB in this child process, with a context of its own (created after
 * the fork: a ZeroMQ context does not survive one). Writes a byte to fd once
 * the subscription works, then a struct sub_report when done.
 */
static int sub_child(struct sub_arg *a, int fd)
{
	struct sub_report r;
	pthread_t th;
	double c0;

	a->ctx = zmq_ctx_new();
	if (!a->ctx)
		return 1;
	if (pthread_create(&th, NULL, sub_main, a))
		return 1;
	/* sub_main's warm-up count tells when the subscription has arrived; it
	 * returns without one when no publisher sends for 3 s */
	while (a->warm == 0 && !a->done) {
		struct timespec ts = { 0, 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (a->warm == 0)
		return 1;
	c0 = cpu_seconds();
	if (write(fd, "w", 1) != 1)
		return 1;
	pthread_join(th, NULL);
	r.received = a->received;
	r.cpu_s = cpu_seconds() - c0;
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		return 1;
	zmq_ctx_term(a->ctx);
	return 0;
}

/*
 * Whether the SUB has its subscription, so that messages sent now count:
 * 1 yes, 0 not yet, -1 the child of -p failed. In one process the SUB
 * thread's warm-up count says it; with -p, a byte from the child (fd).
 */
static int subscribed(const struct sub_arg *a, int fd)
{
	struct timeval tv = { 0, 0 };
	fd_set in;
	char w;

	if (fd < 0)
		return a->warm > 0;
	FD_ZERO(&in);
	FD_SET(fd, &in);
	if (select(fd + 1, &in, NULL, NULL, &tv) <= 0)
		return 0;
	return read(fd, &w, 1) == 1 ? 1 : -1;
}

int main(int argc, char **argv)
{
	int split = argc > 1 && strcmp(argv[1], "-p") == 0;

	argv += split;
	argc -= split;
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	size_t payload_len = argc > 2 ? (size_t)atol(argv[2]) : 300;
	int port = argc > 3 ? atoi(argv[3]) : 5598;
	long rate = argc > 4 ? atol(argv[4]) : 0;
	long tick_ms = argc > 5 ? atol(argv[5]) : 1;
	struct timespec tick;
	struct sub_arg a = { .expect = count };
	static const char topic[] = "dns.NOERROR.A.bench-host.";
	char *payload = calloc(1, payload_len ? payload_len : 1);
	int one = 1, hwm = 100000, linger = 0, pfd[2] = { -1, -1 };
	pthread_t th;
	double t0, t1, c0, c1;
	long sent = 0;
	pid_t child = -1;
	struct sub_report rep = { 0 };

	if (!payload || count <= 0 || tick_ms < 1 || tick_ms > 999)
		return 2;
	snprintf(a.endpoint, sizeof(a.endpoint), "tcp://127.0.0.1:%d", port);
	if (split) {
		if (pipe(pfd) < 0)
			return 1;
		child = fork();
		if (child < 0)
			return 1;
		if (child == 0) {
			close(pfd[0]);
			_exit(sub_child(&a, pfd[1]));
		}
		close(pfd[1]);
	}
	a.ctx = zmq_ctx_new();
	void *pub = zmq_socket(a.ctx, ZMQ_PUB);
	zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof(one));
	zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof(linger));
	if (zmq_bind(pub, a.endpoint) < 0) {
		fprintf(stderr, "bind %s: %s\n", a.endpoint, zmq_strerror(errno));
		return 1;
	}
	if (!split)
		pthread_create(&th, NULL, sub_main, &a);
	/* the subscription must arrive before the first message counts */
	for (int ready; (ready = subscribed(&a, pfd[0])) != 1;) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (ready < 0 || zmq_send(pub, "dns.warmup", 10, 0) < 0)
			return 1;
		nanosleep(&ts, NULL);
	}
	t0 = now();
	c0 = cpu_seconds();
	clock_gettime(CLOCK_MONOTONIC, &tick);
	for (long ms = tick_ms, due = 0; sent < count && sent == due; ms += tick_ms) {
		/* all at once, or what is due by the end of this tick */
		due = rate > 0 ? rate * ms / 1000 : count;
		if (due > count)
			due = count;
		/* blocking sends with NODROP: they wait at the HWM instead of dropping */
		while (sent < due && send_event(pub, topic, sizeof(topic) - 1, payload, payload_len) == 0)
			sent++;
		if (rate > 0 && sent == due) {
			tick.tv_nsec += tick_ms * 1000000;
			if (tick.tv_nsec >= 1000000000) {
				tick.tv_sec++;
				tick.tv_nsec -= 1000000000;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
		}
	}
	if (split) {
		if (read(pfd[0], &rep, sizeof(rep)) != sizeof(rep))
			rep.received = -1; /* the child died */
		a.received = rep.received;
	} else {
		pthread_join(th, NULL);
	}
	t1 = now();
	c1 = cpu_seconds();
	if (split)
		waitpid(child, NULL, 0);
	/* with -p, cpu_s is both processes': this one's and the child's report */
	printf("sent=%ld received=%ld seconds=%.3f msgs_per_s=%.0f cpu_s=%.3f", sent, a.received,
	       t1 - t0, a.received / (t1 - t0), c1 - c0 + rep.cpu_s);
	if (split)
		printf(" pub_cpu_s=%.3f sub_cpu_s=%.3f", c1 - c0, rep.cpu_s);
	printf("\n");
	zmq_close(pub);
	zmq_ctx_term(a.ctx);
	free(payload);
	return a.received == count ? 0 : 1;
}
