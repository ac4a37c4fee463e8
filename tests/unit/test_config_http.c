// SPDX-License-Identifier: MIT
/* The operations HTTP server: health and Prometheus text from a published snapshot. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/http.h"

static int port;

/* One GET over a plain socket; returns the whole response. */
static char *get(const char *path)
{
	static char buf[256 * 1024];
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t len = 0;
	ssize_t n;

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	dprintf(fd, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

static struct dt_http_snapshot snap;

static void test_http(void **state)
{
	struct dt_http *h;
	struct dt_errbuf err = {0};
	char listen[32];
	char *r;

	port = 20000 + getpid() % 12000; /* below the ephemeral range */
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	if (dt_http_start(listen, &h, &err))
		fail_msg("%s", err.msg);

	r = get("/api/v1/health"); /* nothing published yet */
	assert_non_null(strstr(r, " 503 "));
	assert_non_null(strstr(r, "starting"));

	snap.healthy = true;
	snap.stats.transactions = 1234;
	snap.stats.kernel_drops = 7;
	snap.stats.kernel_unparsed = 5;
	snap.stats.kernel_missed_runs = 2;
	snap.uptime_ns = 2500000000ull;
	snap.n_plugins = 2;
	snprintf(snap.plugins[0].kind, sizeof(snap.plugins[0].kind), "filter");
	snprintf(snap.plugins[0].name, sizeof(snap.plugins[0].name), "domain.0");
	snap.plugins[0].in = 1234;
	snap.plugins[0].removed = 34;
	snprintf(snap.plugins[1].kind, sizeof(snap.plugins[1].kind), "output");
	snprintf(snap.plugins[1].name, sizeof(snap.plugins[1].name), "syslog.0");
	snap.plugins[1].in = 1200;
	snap.plugins[1].out = 1190;
	snap.plugins[1].dropped = 10;
	snap.plugins[1].queued = 3;
	dt_http_publish(h, &snap);

	r = get("/api/v1/metrics/prometheus"); /* no kernel programs: no dnstrail_bpf_* */
	assert_null(strstr(r, "dnstrail_bpf_"));

	snap.n_progs = 2;
	snap.bpf_stats_enabled = 1;
	snprintf(snap.progs[0].input, sizeof(snap.progs[0].input), "ebpf.0");
	snprintf(snap.progs[0].s.name, sizeof(snap.progs[0].s.name), "dt_net_dev_queue");
	snap.progs[0].s.runs = 4000;
	snap.progs[0].s.run_ns = 1234567891;
	snprintf(snap.progs[1].input, sizeof(snap.progs[1].input), "ebpf.0");
	snprintf(snap.progs[1].s.name, sizeof(snap.progs[1].s.name), "dt_netif_receive_skb");
	snap.progs[1].s.recursion_misses = 2;
	dt_http_publish(h, &snap);

	r = get("/api/v1/health");
	assert_non_null(strstr(r, " 200 "));
	assert_non_null(strstr(r, "\r\n\r\nok\n"));

	r = get("/api/v1/metrics/prometheus");
	assert_non_null(strstr(r, " 200 "));
	assert_non_null(strstr(r, "\n# TYPE dnstrail_transactions_total counter\n"));
	assert_non_null(strstr(r, "\ndnstrail_transactions_total 1234\n"));
	assert_non_null(strstr(r, "\ndnstrail_kernel_drops_total 7\n"));
	assert_non_null(strstr(r, "\n# TYPE dnstrail_kernel_unparsed_total counter\n"));
	assert_non_null(strstr(r, "\ndnstrail_kernel_unparsed_total 5\n"));
	assert_non_null(strstr(r, "\ndnstrail_kernel_missed_runs_total 2\n"));
	assert_non_null(strstr(
	    r, "\ndnstrail_plugin_records_removed_total{kind=\"filter\",name=\"domain.0\"} 34\n"));
	assert_non_null(strstr(
	    r, "\ndnstrail_plugin_records_out_total{kind=\"output\",name=\"syslog.0\"} 1190\n"));
	assert_non_null(strstr(
	    r, "\ndnstrail_plugin_records_dropped_total{kind=\"output\",name=\"syslog.0\"} 10\n"));
	assert_non_null(strstr(r, "\ndnstrail_output_queue_depth{name=\"syslog.0\"} 3\n"));
	assert_null(strstr(r, "records_out_total{kind=\"filter\"")); /* filters have no "out" */
	assert_non_null(strstr(r, "\ndnstrail_uptime_seconds 2.500\n"));
	assert_non_null(strstr(r, "\ndnstrail_up 1\n"));
	assert_non_null(strstr(r, "\n# TYPE dnstrail_bpf_program_runs_total counter\n"));
	assert_non_null(strstr(
	    r, "\ndnstrail_bpf_program_runs_total{input=\"ebpf.0\",program=\"dt_net_dev_queue\"} 4000\n"));
	assert_non_null(strstr(r, "\ndnstrail_bpf_program_run_seconds_total{input=\"ebpf.0\","
				  "program=\"dt_net_dev_queue\"} 1.234567891\n"));
	assert_non_null(strstr(r, "\ndnstrail_bpf_program_recursion_misses_total{input=\"ebpf.0\","
				  "program=\"dt_netif_receive_skb\"} 2\n"));
	assert_non_null(strstr(r, "\ndnstrail_bpf_stats_enabled 1\n"));

	snap.healthy = false;
	snprintf(snap.reason, sizeof(snap.reason), "input ebpf.0 failed: No such device");
	dt_http_publish(h, &snap);
	r = get("/api/v1/health");
	assert_non_null(strstr(r, " 503 "));
	assert_non_null(strstr(r, "input ebpf.0 failed: No such device"));
	assert_non_null(strstr(get("/api/v1/metrics/prometheus"), "\ndnstrail_up 0\n"));

	assert_non_null(strstr(get("/nope"), " 404 "));
	dt_http_stop(h);

	/* a malformed address is an error, not a crash */
	assert_int_equal(dt_http_start("127.0.0.1:x", &h, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "http_listen"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_http)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
