// SPDX-License-Identifier: MIT
/*
 * The bare ZeroMQ reference for bench/pipeline_pcap.sh: how many two-frame
 * messages (topic + payload) one PUB socket delivers per second to a SUB in
 * another thread over TCP loopback, with XPUB_NODROP so nothing is dropped
 * silently. That is the ceiling the daemon's publish stage can reach here.
 *
 * With RATE (messages per second), the messages go out paced, in bursts every
 * millisecond as the daemon sends them after a ring-buffer wake-up: the CPU
 * the transport costs at a given load, not at its ceiling.
 *
 * usage: zmq_send_rate [COUNT [PAYLOAD_BYTES [PORT [RATE]]]]
 * prints: sent=N received=N seconds=S msgs_per_s=R cpu_s=C
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zmq.h>

struct sub_arg {
	void *ctx;
	char endpoint[64];
	long expect;
	_Atomic long received; /* written by the SUB thread */
	_Atomic long warm; /* warm-up messages seen */
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

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000000;
	size_t payload_len = argc > 2 ? (size_t)atol(argv[2]) : 300;
	int port = argc > 3 ? atoi(argv[3]) : 5598;
	long rate = argc > 4 ? atol(argv[4]) : 0;
	struct timespec tick;
	struct sub_arg a = { .expect = count };
	static const char topic[] = "dns.NOERROR.A.bench-host.";
	char *payload = calloc(1, payload_len ? payload_len : 1);
	int one = 1, hwm = 100000, linger = 0;
	pthread_t th;
	double t0, t1, c0, c1;
	long sent = 0;

	if (!payload || count <= 0)
		return 2;
	a.ctx = zmq_ctx_new();
	void *pub = zmq_socket(a.ctx, ZMQ_PUB);
	zmq_setsockopt(pub, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(pub, ZMQ_XPUB_NODROP, &one, sizeof(one));
	zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof(linger));
	snprintf(a.endpoint, sizeof(a.endpoint), "tcp://127.0.0.1:%d", port);
	if (zmq_bind(pub, a.endpoint) < 0) {
		fprintf(stderr, "bind %s: %s\n", a.endpoint, zmq_strerror(errno));
		return 1;
	}
	pthread_create(&th, NULL, sub_main, &a);
	/* the subscription must arrive before the first message counts */
	while (a.warm == 0) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (zmq_send(pub, "dns.warmup", 10, 0) < 0)
			return 1;
		nanosleep(&ts, NULL);
	}
	t0 = now();
	c0 = cpu_seconds();
	clock_gettime(CLOCK_MONOTONIC, &tick);
	for (long ms = 1, due = 0; sent < count && sent == due; ms++) {
		/* all at once, or what is due by the end of this millisecond */
		due = rate > 0 ? rate * ms / 1000 : count;
		if (due > count)
			due = count;
		/* blocking sends with NODROP: they wait at the HWM instead of dropping */
		while (sent < due && send_event(pub, topic, sizeof(topic) - 1, payload, payload_len) == 0)
			sent++;
		if (rate > 0 && sent == due) {
			tick.tv_nsec += 1000000;
			if (tick.tv_nsec >= 1000000000) {
				tick.tv_sec++;
				tick.tv_nsec -= 1000000000;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
		}
	}
	pthread_join(th, NULL);
	t1 = now();
	c1 = cpu_seconds();
	printf("sent=%ld received=%ld seconds=%.3f msgs_per_s=%.0f cpu_s=%.3f\n", sent,
	       a.received, t1 - t0, a.received / (t1 - t0), c1 - c0);
	zmq_close(pub);
	zmq_ctx_term(a.ctx);
	free(payload);
	return a.received == count ? 0 : 1;
}
