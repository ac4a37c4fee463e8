/* SPDX-License-Identifier: MIT */
/*
 * dnstrail-sub: the sample subscriber. SUB (connect or bind) to one or more
 * forwarders or brokers, rebuild each transaction from protobuf and print it
 * with the forwarder's own formatters (json, text) or as dnstap; prove loss
 * from per-publisher sequence numbers.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "core/clock.h"
#include "core/ecs_json.h"
#include "core/stats.h"
#include "core/text_format.h"
#include "dnstap_out.h"
#include "gaps.h"
#include "outputs/zmq_curve.h"
#include "sub_out.h"
#include "wire/batch.h"
#include "wire/record_proto.h"

#ifndef DNSTRAIL_VERSION
#define DNSTRAIL_VERSION "0.0.0"
#endif

#define MAX_ENDPOINTS 64
#define MAX_TOPICS 64
#define MAX_SESSIONS 4096
#define DEFAULT_ENDPOINT "tcp://127.0.0.1:5556"

enum format { FMT_JSON, FMT_TEXT, FMT_DNSTAP };

/* Buffer stalls here, in the collector, rather than in every forwarder's
 * queue (sndhwm): ~0.2 s of events at 100 k/s, ~12 MB at most. */
#define DEFAULT_RCVHWM 20000

struct sub {
	const char *connect[MAX_ENDPOINTS];
	size_t n_connect;
	const char *bind[MAX_ENDPOINTS];
	size_t n_bind;
	const char *topics[MAX_TOPICS];
	size_t n_topics;
	enum format format;
	const char *output;
	uint64_t count; /* 0 = no limit */
	double timeout_s; /* 0 = none */
	int rcvhwm;
	const char *curve_server_key;
	const char *curve_key;
	bool verbose;

	void *sock;
	struct dt_sub_out *out; /* json, text */
	struct dt_dnstap_out *dnstap;
	struct dt_gaps *gaps;
	bool check_gaps;
	struct dt_wire_msg *msg;
	uint64_t received;
	uint64_t undecodable;
	uint64_t no_wire;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dnstrail-sub [OPTION]...\n"
		"Subscribe to dnstrail forwarders (or a dnstrail-broker) over ZeroMQ and print\n"
		"every DNS transaction; prove loss from per-publisher sequence numbers.\n"
		"\n"
		"  --connect ENDPOINT        subscribe there (repeatable; default " DEFAULT_ENDPOINT ")\n"
		"  --bind ENDPOINT           bind instead and let forwarders connect (repeatable)\n"
		"  --topic PREFIX            subscription prefix (repeatable; default: \"dns.\" and\n"
		"                            \"dnsbatch.\", every DNS event). Topics are\n"
		"                            dns.<RCODE>.<QTYPE>.<host>., or dnsbatch.<host>. for\n"
		"                            a forwarder whose zmq output sets batch (several\n"
		"                            events per message, not filtered by rcode or type).\n"
		"                            Loss accounting needs every event: with a narrower\n"
		"                            prefix, gaps and lost stay 0.\n"
		"  --format text|json|dnstap json: the forwarder's ECS JSON lines (default);\n"
		"                            text: one readable line each; dnstap: a Frame Streams\n"
		"                            file (needs -o) for dnstap-read / dnstap-ldns\n"
		"  -o, --output FILE         write there (default stdout)\n"
		"  --count N                 exit after N DNS events\n"
		"  --timeout SECONDS         exit after that long without any message\n"
		"  --rcvhwm N                messages queued before the publisher counts drops\n"
		"                            (default 20000: ~0.2 s at 100 k events/s; a\n"
		"                            batching forwarder's message holds up to batch events)\n"
		"  --curve-server-key FILE   CURVE: the forwarder's public key file (NAME.key)\n"
		"  --curve-key FILE          CURVE: this client's key pair (NAME.key_secret, mode\n"
		"                            0600, from `dnstrail keygen`); its public half must be\n"
		"                            in the forwarder's curve_allow\n"
		"  -v, --verbose             report each new publisher session and its periodic\n"
		"                            counters (_stats. messages) on stderr\n"
		"  -h, --help                this text\n"
		"  --version                 print the version\n"
		"\n"
		"Loss is reported on stderr as it is seen; on exit one line goes to stderr:\n"
		"  {\"dnstrail_sub_stats\":{\"received\":N,\"gaps\":N,\"lost\":N,\"publishers\":N}}\n"
		"\n"
		"Examples:\n"
		"  dnstrail-sub                                   # ECS JSON from the local forwarder\n"
		"  dnstrail-sub --format text --topic dns.NXDOMAIN.\n"
		"  dnstrail-sub --connect tcp://10.0.0.5:5556 --connect tcp://10.0.0.6:5556 --count 100\n"
		"  dnstrail-sub --format dnstap -o dns.tap --timeout 10 && dnstap-read dns.tap\n"
		"  dnstrail-sub --curve-server-key server.key --curve-key siem01.key_secret\n"
		"  dnstrail-sub --connect tcp://broker:5560       # behind dnstrail-broker\n");
}

static int parse_args(struct sub *s, int argc, char **argv)
{
	enum { O_CONNECT = 256, O_BIND, O_TOPIC, O_FORMAT, O_COUNT, O_TIMEOUT, O_RCVHWM,
	       O_SERVER_KEY, O_KEY, O_VERSION };
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, O_CONNECT },
		{ "bind", required_argument, NULL, O_BIND },
		{ "topic", required_argument, NULL, O_TOPIC },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, O_COUNT },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "rcvhwm", required_argument, NULL, O_RCVHWM },
		{ "curve-server-key", required_argument, NULL, O_SERVER_KEY },
		{ "curve-key", required_argument, NULL, O_KEY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
		switch (c) {
		case O_CONNECT:
		case O_BIND: {
			const char **list = c == O_CONNECT ? s->connect : s->bind;
			size_t *n = c == O_CONNECT ? &s->n_connect : &s->n_bind;

			if (*n == MAX_ENDPOINTS) {
				fprintf(stderr, "dnstrail-sub: at most %d endpoints\n", MAX_ENDPOINTS);
				return 2;
			}
			list[(*n)++] = optarg;
			break;
		}
		case O_TOPIC:
			if (s->n_topics == MAX_TOPICS) {
				fprintf(stderr, "dnstrail-sub: at most %d topics\n", MAX_TOPICS);
				return 2;
			}
			s->topics[s->n_topics++] = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "json") == 0)
				s->format = FMT_JSON;
			else if (strcmp(optarg, "text") == 0)
				s->format = FMT_TEXT;
			else if (strcmp(optarg, "dnstap") == 0)
				s->format = FMT_DNSTAP;
			else {
				fprintf(stderr, "dnstrail-sub: --format: text, json or dnstap\n");
				return 2;
			}
			break;
		case 'o':
			s->output = optarg;
			break;
		case O_COUNT:
			errno = 0;
			s->count = strtoull(optarg, &end, 10);
			if (errno || *end || optarg[0] == '-' || s->count == 0) {
				fprintf(stderr, "dnstrail-sub: --count: a positive number\n");
				return 2;
			}
			break;
		case O_TIMEOUT:
			s->timeout_s = strtod(optarg, &end);
			if (*end || !(s->timeout_s > 0)) {
				fprintf(stderr, "dnstrail-sub: --timeout: positive seconds\n");
				return 2;
			}
			break;
		case O_RCVHWM:
			s->rcvhwm = atoi(optarg);
			if (s->rcvhwm <= 0) {
				fprintf(stderr, "dnstrail-sub: --rcvhwm: a positive number\n");
				return 2;
			}
			break;
		case O_SERVER_KEY:
			s->curve_server_key = optarg;
			break;
		case O_KEY:
			s->curve_key = optarg;
			break;
		case 'v':
			s->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf("dnstrail-sub %s\n", DNSTRAIL_VERSION);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dnstrail-sub: unexpected argument %s\n", argv[optind]);
		return 2;
	}
	if (!s->curve_server_key != !s->curve_key) {
		fprintf(stderr, "dnstrail-sub: CURVE needs both --curve-server-key and --curve-key\n");
		return 2;
	}
	if (s->format == FMT_DNSTAP && (!s->output || strcmp(s->output, "-") == 0)) {
		fprintf(stderr, "dnstrail-sub: --format dnstap needs -o FILE\n");
		return 2;
	}
	if (s->n_connect == 0 && s->n_bind == 0)
		s->connect[s->n_connect++] = DEFAULT_ENDPOINT;
	if (s->n_topics == 0) {
		s->topics[s->n_topics++] = "dns.";
		s->topics[s->n_topics++] = DT_WIRE_BATCH_TOPIC;
	}
	return 0;
}

/* Loss is provable only when every message of a publisher reaches us:
 * some topic must be a prefix of "dns." or of "dnsbatch." (a batching
 * publisher's; we always add "_stats."). */
static bool topics_cover_all(const struct sub *s)
{
	for (size_t i = 0; i < s->n_topics; i++) {
		size_t n = strlen(s->topics[i]);

		if (strncmp("dns.", s->topics[i], n) == 0 ||
		    strncmp(DT_WIRE_BATCH_TOPIC, s->topics[i], n) == 0)
			return true;
	}
	return false;
}

static int open_socket(struct sub *s)
{
	char err[512];

	s->sock = zmq_socket(dt_zmq_context(), ZMQ_SUB);
	if (!s->sock) {
		fprintf(stderr, "dnstrail-sub: zmq_socket: %s\n", zmq_strerror(zmq_errno()));
		return -1;
	}
	int linger = 0, one = 1;
	zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(s->sock, ZMQ_IPV6, &one, sizeof(one));
	if (s->rcvhwm)
		zmq_setsockopt(s->sock, ZMQ_RCVHWM, &s->rcvhwm, sizeof(s->rcvhwm));
	if (s->curve_server_key &&
	    dt_zmq_curve_client(s->sock, s->curve_server_key, s->curve_key, err, sizeof(err))) {
		fprintf(stderr, "dnstrail-sub: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < s->n_topics; i++)
		zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, s->topics[i], strlen(s->topics[i]));
	/* Stats messages share the sequence counter: needed to prove loss. */
	zmq_setsockopt(s->sock, ZMQ_SUBSCRIBE, "_stats.", 7);
	for (size_t i = 0; i < s->n_bind; i++) {
		if (zmq_bind(s->sock, s->bind[i]) != 0) {
			fprintf(stderr, "dnstrail-sub: bind %s: %s\n", s->bind[i],
				zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	for (size_t i = 0; i < s->n_connect; i++) {
		if (zmq_connect(s->sock, s->connect[i]) != 0) {
			fprintf(stderr, "dnstrail-sub: connect %s: %s\n", s->connect[i],
				zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	return 0;
}

static int print_record(struct sub *s, const struct dt_wire_msg *m)
{
	int n;

	if (s->format != FMT_DNSTAP)
		return dt_sub_out_record(s->out, &m->rec);
	n = dt_dnstap_write(s->dnstap, &m->rec, m->host, m->version);
	if (n == 0 && s->no_wire++ == 0)
		fprintf(stderr, "dnstrail-sub: events carry no DNS wire bytes (publisher "
				"include_wire: false): nothing to write as dnstap\n");
	return n < 0 ? n : 0;
}

static void account(struct sub *s, const struct dt_wire_msg *m)
{
	uint64_t lost = 0, expected = 0;
	enum dt_gap_kind k = dt_gaps_see(s->gaps, m->host, m->session_id, m->sequence, &lost,
					 &expected);

	if (k == DT_GAP_FIRST && s->verbose)
		fprintf(stderr, "dnstrail-sub: publisher %s session %016llx (pid %u) from sequence %llu\n",
			m->host, (unsigned long long)m->session_id, m->pid,
			(unsigned long long)m->sequence);
	/* What a session published before we joined is not proof of loss (a
	 * daemon running for days), but say so: a replay started before its
	 * subscriber would otherwise lose its head in silence. */
	else if (k == DT_GAP_FIRST && m->sequence > 1 && s->check_gaps)
		fprintf(stderr,
			"dnstrail-sub: joined publisher %s session %016llx at sequence %llu: "
			"%llu earlier messages went out before this subscriber joined "
			"(not counted as lost)\n",
			m->host, (unsigned long long)m->session_id, (unsigned long long)m->sequence,
			(unsigned long long)(m->sequence - 1));
	if (k == DT_GAP_LOSS && s->check_gaps)
		fprintf(stderr,
			"dnstrail-sub: lost %llu messages from %s session %016llx (sequence %llu-%llu)\n",
			(unsigned long long)lost, m->host, (unsigned long long)m->session_id,
			(unsigned long long)expected, (unsigned long long)(m->sequence - 1));
}

/* -v: a publisher's counters (its heartbeat) as one line on stderr. */
static void print_publisher_stats(const struct dt_wire_msg *m)
{
	char buf[2048];

	if (dt_stats_json(&m->stats, buf, sizeof(buf)) < 0)
		return;
	fprintf(stderr, "dnstrail-sub: %s session %016llx sequence %llu uptime %.1fs: %s\n", m->host,
		(unsigned long long)m->session_id, (unsigned long long)m->sequence,
		m->session.uptime_ns / 1e9, buf);
}

/* One Envelope: accounted, printed when it is a DNS event. */
static void handle_envelope(struct sub *s, const uint8_t *data, size_t len)
{
	int rc = dt_wire_decode(data, len, s->msg);

	if (rc == -EBADMSG || rc == -EMSGSIZE) {
		s->undecodable++;
		return;
	}
	account(s, s->msg);
	if (s->msg->kind == DT_WIRE_STATS && s->verbose)
		print_publisher_stats(s->msg);
	if (s->msg->kind == DT_WIRE_TRANSACTION) {
		s->received++;
		if (print_record(s, s->msg) < 0)
			s->undecodable++;
	}
}

/* Every Envelope of an EnvelopeBatch, in order. */
static void handle_batch(struct sub *s, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len, *env;
	size_t n;
	int rc;

	while ((rc = dt_wire_batch_next(&p, end, &env, &n)) == 1)
		handle_envelope(s, env, n);
	if (rc < 0)
		s->undecodable++; /* the envelopes before the fault were handled */
}

/* One multipart message: [topic][envelope] or ["dnsbatch."...][batch];
 * extra frames are skipped. One zmq_msg_t for all (a receive releases what
 * it held before). */
static int handle_one(struct sub *s)
{
	zmq_msg_t part;
	int more = 0, frame = 0;
	bool batch = false;

	zmq_msg_init(&part);
	do {
		if (zmq_msg_recv(&part, s->sock, frame ? 0 : ZMQ_DONTWAIT) < 0) {
			int e = zmq_errno();

			zmq_msg_close(&part);
			return e == EAGAIN ? 1 : -e;
		}
		if (frame == 0)
			batch = zmq_msg_size(&part) >= sizeof(DT_WIRE_BATCH_TOPIC) - 1 &&
				memcmp(zmq_msg_data(&part), DT_WIRE_BATCH_TOPIC,
				       sizeof(DT_WIRE_BATCH_TOPIC) - 1) == 0;
		else if (frame == 1 && batch)
			handle_batch(s, zmq_msg_data(&part), zmq_msg_size(&part));
		else if (frame == 1)
			handle_envelope(s, zmq_msg_data(&part), zmq_msg_size(&part));
		more = zmq_msg_more(&part); /* RCVMORE without the socket option call */
		frame++;
	} while (more);
	zmq_msg_close(&part);
	return 0;
}

static double mono_s(void)
{
	return (double)dt_now_mono_ns() / 1e9;
}

static void print_stats(struct sub *s)
{
	const struct dt_gaps_counts *c = dt_gaps_counts(s->gaps);

	fprintf(stderr,
		"{\"dnstrail_sub_stats\":{\"received\":%llu,\"gaps\":%llu,\"lost\":%llu,"
		"\"publishers\":%llu}}\n",
		(unsigned long long)s->received, (unsigned long long)(s->check_gaps ? c->gaps : 0),
		(unsigned long long)(s->check_gaps ? c->lost : 0),
		(unsigned long long)c->publishers);
}

/* Poll no longer than until the buffered lines are due (sub_out.h). */
static long flush_wait_ms(const struct sub *s, long wait_ms)
{
	uint64_t due, now;

	if (!s->out || !dt_sub_out_deadline(s->out, &due))
		return wait_ms;
	now = dt_now_mono_ns();
	if (due <= now)
		return 0;
	return (long)((due - now) / 1000000) + 1 < wait_ms ? (long)((due - now) / 1000000) + 1
							    : wait_ms;
}

/*
 * Handle what is queued. Lines go out in large writes: when the buffer is
 * full, and once they have waited DT_SUB_OUT_FLUSH_NS (checked after each
 * drain, and every 256 messages of a drain that lasts). Returns the number
 * of messages handled, or -1 on a receive error.
 */
static long drain(struct sub *s)
{
	long n = 0;

	while (!stop && !(s->count && s->received >= s->count)) {
		int rc = handle_one(s);

		if (rc == 1)
			break;
		if (rc == -EINTR)
			continue;
		if (rc < 0) {
			fprintf(stderr, "dnstrail-sub: receive: %s\n", zmq_strerror(-rc));
			return -1;
		}
		if (++n % 256 == 0 && s->out)
			dt_sub_out_flush_due(s->out, dt_now_mono_ns());
	}
	return n;
}

static int run(struct sub *s)
{
	double last = mono_s();

	while (!stop && !(s->count && s->received >= s->count)) {
		zmq_pollitem_t item = { .socket = s->sock, .events = ZMQ_POLLIN };
		long wait_ms = 500, n = 0;
		int rc;

		if (s->timeout_s > 0) {
			double left = s->timeout_s - (mono_s() - last);

			if (left <= 0)
				break;
			wait_ms = left * 1000 < wait_ms ? (long)(left * 1000) + 1 : wait_ms;
		}
		rc = zmq_poll(&item, 1, flush_wait_ms(s, wait_ms));
		if (rc < 0) {
			if (zmq_errno() == EINTR)
				continue;
			fprintf(stderr, "dnstrail-sub: poll: %s\n", zmq_strerror(zmq_errno()));
			return 1;
		}
		if (rc > 0 && (n = drain(s)) < 0)
			return 1;
		if (n > 0)
			last = mono_s();
		if (s->out)
			dt_sub_out_flush_due(s->out, dt_now_mono_ns());
	}
	return 0;
}

/* Exit: the buffered lines go out; a failed write is said once. */
static void close_output(struct sub *s)
{
	uint64_t lost;
	int e = 0, rc;

	if (!s->out)
		return;
	dt_sub_out_flush(s->out);
	lost = dt_sub_out_lost(s->out, &e);
	rc = dt_sub_out_close(s->out);
	s->out = NULL;
	if (lost)
		fprintf(stderr, "dnstrail-sub: %s: %llu bytes not written: %s\n",
			s->output ? s->output : "-", (unsigned long long)lost, strerror(e));
	else if (rc)
		fprintf(stderr, "dnstrail-sub: %s: %s\n", s->output ? s->output : "-",
			strerror(-rc));
}

int main(int argc, char **argv)
{
	struct sub s = { .format = FMT_JSON, .rcvhwm = DEFAULT_RCVHWM };
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;

	rc = parse_args(&s, argc, argv);
	if (rc)
		return rc;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s.check_gaps = topics_cover_all(&s);
	if (!s.check_gaps)
		fprintf(stderr, "dnstrail-sub: topic filter narrower than \"dns.\": loss "
				"accounting off (gaps and lost stay 0)\n");
	s.msg = calloc(1, sizeof(*s.msg));
	dt_ecs_json_name_cache(DT_SUB_OUT_NAME_CACHE);
	if (!s.msg || dt_gaps_new(MAX_SESSIONS, &s.gaps)) {
		fprintf(stderr, "dnstrail-sub: out of memory\n");
		return 1;
	}
	if (s.format == FMT_DNSTAP) {
		if (dt_dnstap_open(s.output, &s.dnstap)) {
			fprintf(stderr, "dnstrail-sub: cannot write dnstap file %s\n", s.output);
			return 1;
		}
	} else {
		enum dt_sub_out_format f = s.format == FMT_TEXT ? DT_SUB_OUT_TEXT : DT_SUB_OUT_JSON;

		rc = dt_sub_out_open(s.output, f, &s.out);
		if (rc) {
			fprintf(stderr, "dnstrail-sub: %s: %s\n", s.output ? s.output : "-",
				strerror(-rc));
			return 1;
		}
	}

	rc = open_socket(&s) ? 1 : run(&s);

	close_output(&s);
	dt_dnstap_close(s.dnstap);
	if (s.sock)
		zmq_close(s.sock);
	if (s.undecodable)
		fprintf(stderr, "dnstrail-sub: %llu messages could not be decoded or printed\n",
			(unsigned long long)s.undecodable);
	print_stats(&s);
	dt_wire_msg_release(s.msg);
	free(s.msg);
	dt_gaps_free(s.gaps);
	return rc;
}
