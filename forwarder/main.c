// SPDX-License-Identifier: MIT
/* dnstrail: the command line (see CONTRACT.md), then the daemon. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/daemon.h"
#include "pipeline/registry.h"

#ifdef DT_HAVE_KEYGEN
#include "outputs/zmq_keygen.h"
#endif

#ifndef DNSTRAIL_VERSION
#define DNSTRAIL_VERSION "0.0.0"
#endif

#define MAX_ENDPOINTS 32

enum {
	OPT_STDOUT = 256,
	OPT_PUBLISH,
	OPT_CONNECT,
	OPT_PCAP,
	OPT_DURATION,
	OPT_CHECK,
	OPT_VERSION,
	OPT_HELP_CONFIG,
	OPT_USER,
	OPT_HTTP,
};

static void usage(FILE *out)
{
	fputs(
	    "Usage: dnstrail [OPTIONS]\n"
	    "       dnstrail keygen [-o DIR] [-f] NAME\n"
	    "\n"
	    "Which process asked which DNS question, what came back, how fast: DNS transactions\n"
	    "captured by eBPF on kernel tracepoints, streamed as protobuf over ZeroMQ.\n"
	    "\n"
	    "Options (each also has a key in the YAML config; the command line wins):\n"
	    "  -c, --config FILE        YAML configuration (service, "
	    "pipeline.inputs/filters/outputs)\n"
	    "      --stdout[=json|text] also print events on stdout (json: one ECS object per "
	    "line)\n"
	    "      --publish ENDPOINT   bind a ZeroMQ PUB socket there (repeatable);\n"
	    "                           default when no output is configured: "
	    "tcp://127.0.0.1:5556\n"
	    "      --connect ENDPOINT   connect the PUB socket to a collector or broker "
	    "(repeatable)\n"
	    "      --pcap FILE          read packets from a pcap/pcapng file instead of live "
	    "capture;\n"
	    "                           needs no privileges; stops at the end of the file\n"
	    "      --duration SECONDS   stop that long after capture started, flushing all\n"
	    "      --check-config       validate the configuration and exit (0 = valid,\n"
	    "                           else FILE:LINE: reason on stderr)\n"
	    "      --user USER          after attaching, run as USER with no capabilities\n"
	    "      --http-listen ADDR:PORT  health and Prometheus metrics over HTTP\n"
	    "      --help-config[=man]  every configuration key of every plugin (man: roff)\n"
	    "  -v, --verbose            debug logging\n"
	    "      --version            print the version\n"
	    "      --help               this help\n"
	    "\n"
	    "Signals: SIGINT/SIGTERM flush (pending queries become timeouts) and stop with a\n"
	    "final {\"dnstrail_stats\":{...}} line on stderr; SIGHUP reloads the configuration\n"
	    "(filters and outputs; the eBPF programs stay attached).\n"
	    "\n"
	    "Examples:\n"
	    "  dnstrail --stdout                       live capture, JSON on stdout, ZeroMQ on "
	    ":5556\n"
	    "  dnstrail -c /etc/dnstrail/dnstrail.yaml  run from a configuration file\n"
	    "  dnstrail --check-config -c dnstrail.yaml validate a configuration\n"
	    "  dnstrail --pcap dns.pcap --stdout=text   replay a capture file as text\n"
	    "  dnstrail --publish tcp://0.0.0.0:5556 --duration 60\n"
	    "  dnstrail --connect tcp://collector:5557  push to a remote collector\n"
	    "  dnstrail keygen -o /etc/dnstrail server  CURVE key pair for the zmq output\n"
	    "  dnstrail-sub --topic dns.NXDOMAIN.       watch every NXDOMAIN (sample subscriber)\n",
	    out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"stdout", optional_argument, NULL, OPT_STDOUT},
	    {"publish", required_argument, NULL, OPT_PUBLISH},
	    {"connect", required_argument, NULL, OPT_CONNECT},
	    {"pcap", required_argument, NULL, OPT_PCAP},
	    {"duration", required_argument, NULL, OPT_DURATION},
	    {"check-config", no_argument, NULL, OPT_CHECK},
	    {"verbose", no_argument, NULL, 'v'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"help", no_argument, NULL, 'h'},
	    {"help-config", optional_argument, NULL, OPT_HELP_CONFIG},
	    {"config-reference", optional_argument, NULL, OPT_HELP_CONFIG},
	    {"user", required_argument, NULL, OPT_USER},
	    {"http-listen", required_argument, NULL, OPT_HTTP},
	    {0},
	};
	static const char *publish[MAX_ENDPOINTS], *connect_[MAX_ENDPOINTS];
	struct dt_cli cli = {.publish = publish, .connect = connect_};
	bool check = false;
	double duration = 0;
	int c;

	if (argc > 1 && strcmp(argv[1], "keygen") == 0) {
#ifdef DT_HAVE_KEYGEN
		return dt_zmq_keygen_main(argc - 1, argv + 1);
#else
		fprintf(stderr, "dnstrail: keygen is not built in\n");
		return 2;
#endif
	}
	while ((c = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cli.config = optarg;
			break;
		case OPT_STDOUT:
			cli.stdout_format = optarg ? optarg : "json";
			if (strcmp(cli.stdout_format, "json") &&
			    strcmp(cli.stdout_format, "text")) {
				fprintf(stderr, "dnstrail: --stdout: \"%s\" is not json or text\n",
					optarg);
				return 2;
			}
			break;
		case OPT_PUBLISH:
		case OPT_CONNECT: {
			size_t *n = c == OPT_PUBLISH ? &cli.n_publish : &cli.n_connect;

			if (*n >= MAX_ENDPOINTS) {
				fprintf(stderr, "dnstrail: at most %d endpoints each\n",
					MAX_ENDPOINTS);
				return 2;
			}
			(c == OPT_PUBLISH ? publish : connect_)[(*n)++] = optarg;
			break;
		}
		case OPT_PCAP:
			cli.pcap = optarg;
			break;
		case OPT_DURATION: {
			char *end;

			errno = 0;
			duration = strtod(optarg, &end);
			if (errno || *end || !(duration > 0) || duration > 1e9) {
				fprintf(stderr,
					"dnstrail: --duration: \"%s\" is not a positive number of "
					"seconds\n",
					optarg);
				return 2;
			}
			break;
		}
		case OPT_CHECK:
			check = true;
			break;
		case 'v':
			cli.verbose = true;
			break;
		case OPT_VERSION:
			printf("dnstrail %s\n", DNSTRAIL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_HELP_CONFIG:
			if (optarg && strcmp(optarg, "man") != 0) {
				fprintf(stderr, "dnstrail: --help-config takes no value or =man\n");
				return 2;
			}
			dt_registry_print_reference(stdout, optarg != NULL);
			return 0;
		case OPT_USER:
			cli.user = optarg;
			break;
		case OPT_HTTP:
			cli.http_listen = optarg;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dnstrail: unexpected argument \"%s\" (see --help)\n",
			argv[optind]);
		return 2;
	}
	if (check)
		return dt_daemon_check(&cli);
	return dt_daemon_run(&cli, duration);
}
