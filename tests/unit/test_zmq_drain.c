/* SPDX-License-Identifier: MIT */
/*
 * zmq_drain: the monitor follows a publisher's connections, SIOCOUTQ counts
 * what a subscriber has not read yet, and the drain waits for exactly that:
 * it times out while a subscriber with a full receive queue sits on unread
 * bytes, and returns once the subscriber has read them all. Over ipc://,
 * as the daemon's local subscribers use it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "outputs/zmq_drain.h"

#define MESSAGES 2000
#define MESSAGE_BYTES 1000

static char tmpdir[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/dt-test-drain-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Updates until the monitor has seen `want` connections (or 2 s). */
static size_t wait_peers(struct dt_zmq_peers *peers, size_t want)
{
	for (int i = 0; i < 200 && dt_zmq_peers_count(peers) != want; i++) {
		usleep(10000);
		dt_zmq_peers_update(peers);
	}
	return dt_zmq_peers_count(peers);
}

static void test_drain_waits_for_the_reader(void **state)
{
	char ep[128], msg[MESSAGE_BYTES];
	int hwm = 10, sndhwm = 100000, linger = 0, timeout = 2000;
	struct dt_zmq_peers *peers = NULL;
	void *ctx = zmq_ctx_new(), *pub, *sub;
	int received = 0;

	(void)state;
	snprintf(ep, sizeof(ep), "ipc://%s/drain", tmpdir);
	pub = zmq_socket(ctx, ZMQ_PUB);
	sub = zmq_socket(ctx, ZMQ_SUB);
	assert_non_null(pub);
	assert_non_null(sub);
	assert_int_equal(dt_zmq_peers_watch(ctx, pub, &peers), 0);
	assert_int_equal(dt_zmq_peers_count(peers), 0);
	assert_int_equal(dt_zmq_peers_drain(peers, 1000), 0); /* nobody: at once */

	assert_int_equal(zmq_setsockopt(pub, ZMQ_LINGER, &linger, sizeof(linger)), 0);
	assert_int_equal(zmq_setsockopt(pub, ZMQ_SNDHWM, &sndhwm, sizeof(sndhwm)), 0);
	assert_int_equal(zmq_bind(pub, ep), 0);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof(hwm)), 0);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof(linger)), 0);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof(timeout)), 0);
	assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0), 0);
	assert_int_equal(zmq_connect(sub, ep), 0);
	assert_int_equal(wait_peers(peers, 1), 1);
	usleep(200000); /* the subscription reaches the publisher */

	/* 2 MB at a subscriber that reads nothing: its queue fills, libzmq stops
	 * reading, and the rest waits in the Unix socket */
	memset(msg, 'x', sizeof(msg));
	for (int i = 0; i < MESSAGES; i++)
		assert_int_equal(zmq_send(pub, msg, sizeof(msg), 0), (int)sizeof(msg));
	usleep(200000);
	assert_true(dt_zmq_peers_unread(peers) > 0);
	assert_int_equal(dt_zmq_peers_drain(peers, 100), -ETIMEDOUT);

	/* the subscriber reads everything; then the drain returns. (Half-way the
	 * socket may be empty for a moment, with the rest still in the
	 * publisher's own queue: nothing to assert there.) */
	while (received < MESSAGES && zmq_recv(sub, msg, sizeof(msg), 0) == (int)sizeof(msg))
		received++;
	assert_int_equal(dt_zmq_peers_drain(peers, 2000), 0);
	assert_int_equal(dt_zmq_peers_unread(peers), 0);

	/* the subscriber leaves: the monitor forgets its connection */
	zmq_close(sub);
	assert_int_equal(wait_peers(peers, 0), 0);

	dt_zmq_peers_free(peers);
	dt_zmq_peers_free(NULL);
	zmq_close(pub);
	assert_int_equal(zmq_ctx_term(ctx), 0); /* the monitor's socket is closed too */
	/* PUB drops nothing below its (raised) high-water mark: all arrived */
	assert_int_equal(received, MESSAGES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drain_waits_for_the_reader),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
