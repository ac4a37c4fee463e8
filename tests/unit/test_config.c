// SPDX-License-Identifier: MIT
/* Configuration: YAML -> checked plugin contexts; every error names FILE:LINE: key. */
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

#include "outputs/zmq_endpoint.h"
#include "pipeline/model.h"
#include "pipeline/options.h"
#include "pipeline/tagmatch.h"

static char path[64];

static void write_config(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/dt_test_config_%d.yaml", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load text; on failure check err starts with "PATH:" + expect_suffix. */
static int load(const char *text, struct dt_cli *cli_in, struct dt_config **cfg, char *msg,
		size_t msg_size)
{
	struct dt_cli cli = {0};
	struct dt_errbuf err = {0};
	int rc;

	if (cli_in)
		cli = *cli_in;
	write_config(text);
	cli.config = path;
	rc = dt_config_load(&cli, cfg, &err);
	snprintf(msg, msg_size, "%s", err.msg);
	unlink(path);
	return rc;
}

static void expect_error(const char *text, const char *expect)
{
	struct dt_config *cfg = NULL;
	char msg[512], want[600];
	int rc = load(text, NULL, &cfg, msg, sizeof(msg));

	snprintf(want, sizeof(want), "%s:%s", path, expect);
	if (rc == 0 || strncmp(msg, want, strlen(want)) != 0)
		fail_msg("want error \"%s\", got rc %d \"%s\"", want, rc, msg);
	assert_null(cfg);
}

#define OUT_HEAD                                                                                   \
	"pipeline:\n"                                                                              \
	"  inputs:\n"                                                                              \
	"    - name: pcap\n"                                                                       \
	"      path: /dev/null\n"                                                                  \
	"  outputs:\n"

static void test_valid(void **state)
{
	struct dt_config *cfg = NULL;
	char msg[512];
	int rc = load("service:\n"
		      "  log_level: debug\n"
		      "  timeout: 250ms\n"
		      "  flush_interval: 2m\n"
		      "  http_listen: 127.0.0.1:2020\n" OUT_HEAD "    - name: syslog\n"
		      "      match: 'dns*'\n"
		      "      address: udp://127.0.0.1:514\n"
		      "      max_message: 8M\n"
		      "  filters:\n"
		      "    - name: domain\n"
		      "      exclude: [example.com, Example.ORG]\n",
		      NULL, &cfg, msg, sizeof(msg));

	if (rc)
		fail_msg("%s", msg);
	assert_int_equal(cfg->service.level, DT_LOG_DEBUG);
	assert_int_equal(cfg->service.timeout, 250000000ull);
	assert_int_equal(cfg->service.flush_interval, 120000000000ull);
	assert_int_equal(cfg->service.max_pending, 65536); /* default */
	assert_string_equal(cfg->service.decode_records, "answer"); /* default */
	assert_string_equal(cfg->service.http_listen, "127.0.0.1:2020");
	assert_int_equal(cfg->n_inputs, 1);
	assert_string_equal(cfg->inputs[0].route, "dns"); /* default tag */
	assert_int_equal(cfg->n_filters, 1);
	assert_string_equal(cfg->filters[0].route, "*"); /* default match */
	assert_int_equal(cfg->n_outputs, 1);
	assert_string_equal(cfg->outputs[0].name, "syslog");
	assert_string_equal(cfg->outputs[0].route, "dns*");
	assert_string_equal(cfg->outputs[0].label, "syslog.0");
	dt_config_free(cfg);
}

static void test_unknown_key(void **state)
{
	expect_error(OUT_HEAD "    - name: stdout\n"
			      "      colour: red\n",
		     "7: colour: unknown key");
	expect_error("servce:\n  user: x\n", "1: servce: unknown key");
	expect_error("service:\n  log_levl: info\n", "2: log_levl: unknown key");
	expect_error("pipeline:\n  input: []\n", "2: input: unknown key");
}

static void test_wrong_type(void **state)
{
	expect_error(OUT_HEAD "    - name: syslog\n"
			      "      queue_size: lots\n",
		     "7: queue_size: expected an integer, got \"lots\"");
	expect_error(OUT_HEAD "    - name: syslog\n"
			      "      queue_size: 0\n",
		     "7: queue_size: 0 is out of range");
	expect_error("service:\n  timeout: soon\n", "2: timeout: expected a duration");
	expect_error("service:\n  user: [a, b]\n", "2: user: expected a string, got a list");
	expect_error(OUT_HEAD "    - name: stdout\n"
			      "      buffer_size: 12 parsecs\n",
		     "7: buffer_size: expected a size");
	expect_error("pipeline:\n  filters:\n    - name: query\n      exclude: maybe\n",
		     "4: exclude: expected true or false");
	expect_error("service:\n  log_level: loud\n", "2: log_level: \"loud\" is not one of");
	expect_error("service:\n  max_pending: 64\n  decode_records: most\n",
		     "3: decode_records: \"most\" is not one of");
}

static void test_missing_required(void **state)
{
	expect_error(OUT_HEAD "    - name: file\n"
			      "      format: json\n",
		     "6: path: required key is missing");
	expect_error("pipeline:\n  filters:\n    - match: '*'\n",
		     "3: name: required key is missing");
	expect_error("pipeline:\n  filters:\n    - name: sample\n",
		     "3: every: required key is missing");
}

static void test_unknown_plugin(void **state)
{
	expect_error(OUT_HEAD "    - name: kafka\n", "6: name: unknown output plugin \"kafka\"");
}

static void test_yaml_syntax(void **state)
{
	expect_error("service:\n  log_level: info\n pipeline: [\n", "3: YAML syntax error");
	expect_error("service:\n  a: 1\n  a: 2\n", "3: a: duplicate key");
	expect_error("service: &x\n  log_level: info\npipeline: *x\n", "3: pipeline: YAML aliases");
}

static void test_env(void **state)
{
	struct dt_config *cfg = NULL;
	char msg[512];
	int rc;

	unsetenv("DT_TEST_UNSET");
	expect_error(OUT_HEAD "    - name: syslog\n"
			      "      address: udp://${DT_TEST_UNSET}:514\n",
		     "7: address: environment variable DT_TEST_UNSET is not set");
	expect_error("service:\n  user: ${BAD-NAME}\n", "2: user: bad ${...} reference");
	expect_error("service:\n  user: ${OPEN\n", "2: user: unterminated ${");

	setenv("DT_TEST_HOST", "127.0.0.9", 1);
	rc = load(OUT_HEAD "    - name: file\n"
			   "      path: /tmp/${DT_TEST_HOST}-${DT_TEST_UNSET:-none}.log\n",
		  NULL, &cfg, msg, sizeof(msg));
	if (rc)
		fail_msg("%s", msg);
	/* the file plugin's first field is path */
	assert_string_equal(*(char **)cfg->outputs[0].ctx, "/tmp/127.0.0.9-none.log");
	dt_config_free(cfg);
}

static void test_cli_overrides(void **state)
{
	static const char *pub[] = {"tcp://127.0.0.1:7777"};
	struct dt_cli cli = {.pcap = "/tmp/x.pcap",
			     .stdout_format = "text",
			     .publish = pub,
			     .n_publish = 1,
			     .verbose = true};
	struct dt_config *cfg = NULL;
	char msg[512];
	int rc = load("pipeline:\n"
		      "  inputs:\n"
		      "    - name: ebpf\n"
		      "      tag: live\n"
		      "  outputs:\n"
		      "    - name: stdout\n"
		      "      format: json\n",
		      &cli, &cfg, msg, sizeof(msg));

	if (rc)
		fail_msg("%s", msg);
	assert_int_equal(cfg->service.level, DT_LOG_DEBUG);
	assert_int_equal(cfg->n_inputs, 1);
	assert_string_equal(cfg->inputs[0].name, "pcap");  /* --pcap replaced ebpf */
	assert_string_equal(cfg->inputs[0].route, "live"); /* kept the tag */
	assert_int_equal(cfg->n_outputs, 2);
	assert_string_equal(cfg->outputs[0].name, "stdout");
	assert_string_equal(*(char **)cfg->outputs[0].ctx, "text"); /* --stdout=text won */
	assert_string_equal(cfg->outputs[1].name, "zmq");	    /* --publish added one */
	dt_config_free(cfg);

	/* no outputs at all: the contract's default zmq publisher */
	cli = (struct dt_cli){.pcap = "/tmp/x.pcap"};
	rc = load("service:\n  log_level: warn\n", &cli, &cfg, msg, sizeof(msg));
	if (rc)
		fail_msg("%s", msg);
	assert_int_equal(cfg->n_outputs, 1);
	assert_string_equal(cfg->outputs[0].name, "zmq");
	dt_config_free(cfg);
}

/* Endpoint syntax is checked at config time (nothing bound): FILE:LINE, or
 * "command line" for --publish. */
static void test_endpoints(void **state)
{
	static const char *const good_bind[] = {
	    "tcp://127.0.0.1:5556", "tcp://*:5556",	  "tcp://[::1]:5556", "tcp://*:*",
	    "tcp://localhost:1",    "tcp://eth0:65535", "ipc:///run/dnstrail.sock",
	    "ipc://@abstract",	    "inproc://events",	NULL};
	static const char *const bad_bind[] = {
	    "notanendpoint",	   "tcp://127.0.0.1",	"tcp://127.0.0.1:0", "tcp://h:65536",
	    "tcp://:5556",	   "tcp://h:55x",	"tcp://[::1:5556",   "tcp://[zz]:5556",
	    "tcp://a b:5556",	   "udp://1.2.3.4:5",	"ipc://",	     "inproc://",
	    "tcp://a;b:1",	   "",			NULL};
	static const char *pub[] = {"tcp//127.0.0.1:5556"};
	struct dt_cli cli = {.pcap = "/tmp/x.pcap", .publish = pub, .n_publish = 1};
	struct dt_config *cfg = NULL;
	const char *want = "command line: publish: \"tcp//127.0.0.1:5556\" is not";
	char why[200], msg[512];
	int rc;

	(void)state;
	for (const char *const *e = good_bind; *e; e++)
		if (dt_zmq_endpoint_check(*e, false, why, sizeof(why)))
			fail_msg("%s rejected: %s", *e, why);
	for (const char *const *e = bad_bind; *e; e++)
		if (dt_zmq_endpoint_check(*e, false, why, sizeof(why)) != -EINVAL)
			fail_msg("%s accepted", *e);
	/* a connect needs a real host and port, and may name its source */
	assert_int_equal(dt_zmq_endpoint_check("tcp://*:5556", true, why, sizeof(why)), -EINVAL);
	assert_int_equal(dt_zmq_endpoint_check("tcp://h:*", true, why, sizeof(why)), -EINVAL);
	assert_int_equal(dt_zmq_endpoint_check("tcp://10.0.0.1;h:5556", true, why, sizeof(why)), 0);
	assert_int_equal(dt_zmq_endpoint_check("tcp://10.0.0.1:0;h:5556", true, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(dt_syslog_address_check("unix:///dev/log", why, sizeof(why)), 0);
	assert_int_equal(dt_syslog_address_check("udp://[::1]:514", why, sizeof(why)), 0);
	assert_int_equal(dt_syslog_address_check("tcp://logs.example:6514", why, sizeof(why)), 0);
	assert_int_equal(dt_syslog_address_check("tcp://logs.example", why, sizeof(why)), -EINVAL);
	assert_int_equal(dt_syslog_address_check("tcp://*:514", why, sizeof(why)), -EINVAL);
	assert_int_equal(dt_syslog_address_check("unix://", why, sizeof(why)), -EINVAL);
	assert_int_equal(dt_syslog_address_check("/dev/log", why, sizeof(why)), -EINVAL);

	/* in a file: the line of the bad list item */
	expect_error(OUT_HEAD "    - name: zmq\n"
			      "      publish:\n"
			      "        - tcp://127.0.0.1:5556\n"
			      "        - notanendpoint\n",
		     "9: publish: \"notanendpoint\" is not a ZeroMQ endpoint");
	expect_error(OUT_HEAD "    - name: zmq\n"
			      "      connect: tcp://*:5557\n",
		     "7: connect: ");
	expect_error(OUT_HEAD "    - name: syslog\n"
			      "      address: udp://loghost\n",
		     "7: address: \"udp://loghost\" needs HOST:PORT");
	rc = load(OUT_HEAD "    - name: zmq\n"
			   "      publish: [\"tcp://*:5556\", \"ipc:///tmp/dt.sock\"]\n"
			   "      connect: tcp://10.0.0.1;collector:5557\n"
			   "    - name: syslog\n"
			   "      address: tcp://[::1]:6514\n",
		  NULL, &cfg, msg, sizeof(msg));
	if (rc)
		fail_msg("%s", msg);
	dt_config_free(cfg);

	/* from the command line: no file line */
	cfg = NULL;
	rc = load("service:\n  log_level: warn\n", &cli, &cfg, msg, sizeof(msg));
	assert_int_equal(rc, -EINVAL);
	assert_null(cfg);
	if (strncmp(msg, want, strlen(want)) != 0)
		fail_msg("got \"%s\"", msg);
}

static void test_parsers(void **state)
{
	uint64_t v;
	bool b;

	assert_int_equal(dt_parse_duration("5s", &v), 0);
	assert_int_equal(v, 5000000000ull);
	assert_int_equal(dt_parse_duration("250ms", &v), 0);
	assert_int_equal(v, 250000000ull);
	assert_int_equal(dt_parse_duration("1.5", &v), 0);
	assert_int_equal(v, 1500000000ull);
	assert_int_equal(dt_parse_duration("2h", &v), 0);
	assert_int_equal(v, 7200000000000ull);
	assert_int_not_equal(dt_parse_duration("-1s", &v), 0);
	assert_int_not_equal(dt_parse_duration("5 parsecs", &v), 0);
	assert_int_not_equal(dt_parse_duration("", &v), 0);
	assert_int_equal(dt_parse_size("8M", &v), 0);
	assert_int_equal(v, 8ull << 20);
	assert_int_equal(dt_parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(dt_parse_size("1GiB", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_not_equal(dt_parse_size("0.5", &v), 0);
	assert_int_equal(dt_parse_bool("on", &b), 0);
	assert_true(b);
	assert_int_equal(dt_parse_bool("No", &b), 0);
	assert_false(b);
	assert_int_not_equal(dt_parse_bool("nope", &b), 0);
}

static void test_tag_match(void **state)
{
	assert_true(dt_tag_match("*", "dns"));
	assert_true(dt_tag_match("*", ""));
	assert_true(dt_tag_match("dns", "dns"));
	assert_false(dt_tag_match("dns", "dns2"));
	assert_true(dt_tag_match("dns.*", "dns.live"));
	assert_false(dt_tag_match("dns.*", "dnsx"));
	assert_true(dt_tag_match("*.live", "dns.live"));
	assert_true(dt_tag_match("a*b*c", "aXXbYYbZc"));
	assert_false(dt_tag_match("a*b*c", "aXXbYYbZ"));
	assert_false(dt_tag_match(NULL, "x"));
}

/* Mutated configurations: every one either loads or fails with FILE:LINE, never crashes
 * (run under ASan in build-asan). */
static void test_mutations(void **state)
{
	static const char base[] = "service:\n"
				   "  log_level: debug\n"
				   "  timeout: 250ms\n"
				   "  http_listen: 127.0.0.1:2020\n"
				   "pipeline:\n"
				   "  inputs:\n"
				   "    - name: pcap\n"
				   "      path: ${HOME:-/x}/f.pcap\n"
				   "      ports: [53, 5353]\n"
				   "  filters:\n"
				   "    - {name: domain, match: 'd*', exclude: [a.b, c.d]}\n"
				   "    - name: rate_limit\n"
				   "      rate: 10\n"
				   "  outputs:\n"
				   "    - name: syslog\n"
				   "      address: udp://127.0.0.1:514\n"
				   "      queue_size: 100\n";
	static const char alphabet[] = ":-[]{}'\"\n #&*!|>$\\ax0";
	unsigned seed = 12345;
	int ok = 0, failed = 0;

	for (int iter = 0; iter < 3000; iter++) {
		char text[sizeof(base) + 16];
		struct dt_cli cli = {.config = "mut.yaml"};
		struct dt_errbuf err = {0};
		struct dt_config *cfg = NULL;
		size_t len = sizeof(base) - 1;
		int rc;

		memcpy(text, base, sizeof(base));
		for (int m = 0; m < 1 + iter % 4; m++) {
			size_t pos = (seed = seed * 1103515245u + 12345u) % len;

			text[pos] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		cli.config_text = text;
		rc = dt_config_load(&cli, &cfg, &err);
		if (rc == 0) {
			ok++;
			dt_config_free(cfg);
		} else {
			failed++;
			if (strncmp(err.msg, "mut.yaml:", 9) != 0)
				fail_msg("error without FILE:LINE: \"%s\"", err.msg);
		}
	}
	print_message("mutated configs: %d loaded, %d refused with FILE:LINE\n", ok, failed);
	assert_true(failed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_wrong_type),
	    cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_unknown_plugin),
	    cmocka_unit_test(test_yaml_syntax),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_cli_overrides),
	    cmocka_unit_test(test_endpoints),
	    cmocka_unit_test(test_parsers),
	    cmocka_unit_test(test_tag_match),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
