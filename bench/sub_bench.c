// SPDX-License-Identifier: MIT
/*
 * sub_bench: what dnstrail-sub does per event, without ZeroMQ.
 *
 * A pcap of DNS traffic (or, without one, a built-in dnsperf-like mix) goes
 * through the engine; every record is encoded as the daemon publishes it
 * (dt_wire_encode_record, include_wire true) into an in-memory corpus. Then,
 * cycling over the corpus for EVENTS events, three passes:
 *   decode   dt_wire_decode
 *   format   + dt_ecs_json (or dt_text_format) into a scratch buffer
 *   full     + the subscriber's own output path (sub_out.h) into OUT
 * Per-stage costs are the differences. Times are CPU time of the process
 * (the write(2) system time counts), so a busy machine skews them less.
 *
 *   sub_bench [-n EVENTS] [-r ROUNDS] [-c CORPUS] [-o OUT] [-f json|text] [-p PASS]
 *             [--stdio] [--all-records] [PCAP]
 *     -n EVENTS  events per pass (default 500000)
 *     -r ROUNDS  each pass that often, the fastest counts (default 3: a
 *                shared machine only ever makes a pass slower)
 *     -c CORPUS  records kept from the capture (default 50000)
 *     -o OUT     output file of the full pass (default /tmp/sub_bench.out)
 *     -p PASS    decode, format or full: only that pass. Instructions per
 *                event: valgrind --tool=callgrind --toggle-collect=one_pass
 *                sub_bench -n 20000 -c 20000 -p full PCAP, Ir total / 20000
 *     --stdio    the subscriber before sub_out: stdio fwrite, default name cache
 *     --all-records  events carry the authority and additional records too, as
 *                with the daemon's service.decode_records: all (default: answer)
 *     PCAP       any capture libpcap reads, e.g. bench/pipeline_pcap.sh's
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

#include "core/clock.h"
#include "core/ecs_json.h"
#include "core/engine.h"
#include "core/text_format.h"
#include "inputs/frame_parse.h"
#include "sub_out.h"
#include "wire/record_proto.h"

#define CORPUS_BYTES_MAX (256u * 1024 * 1024)

struct corpus {
	uint8_t *data;
	size_t len, cap;
	size_t *off; /* start of message i; off[n] = len */
	size_t n, max;
	struct dt_wire_encoder *enc;
	struct dt_wire_buf wb;
	uint64_t seq;
	int err;
};

static void on_record(const struct dt_record *rec, void *user)
{
	struct corpus *c = user;
	int rc;

	if (c->n >= c->max || c->err)
		return;
	rc = dt_wire_encode_record(c->enc, ++c->seq, rec->query_ts_ns, rec, true, &c->wb);
	if (rc) {
		c->err = rc;
		return;
	}
	if (c->len + c->wb.len > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1u << 20;
		uint8_t *p;

		while (cap < c->len + c->wb.len)
			cap *= 2;
		if (cap > CORPUS_BYTES_MAX || !(p = realloc(c->data, cap))) {
			c->err = -ENOMEM;
			return;
		}
		c->data = p;
		c->cap = cap;
	}
	memcpy(c->data + c->len, c->wb.data, c->wb.len);
	c->off[c->n++] = c->len;
	c->len += c->wb.len;
}

/* The daemon's records carry the sender: dnsperf, as the eBPF input and
 * the process cache would name it. */
static int lookup(uint32_t pid, uint32_t tid, struct dt_process *proc, void *user)
{
	(void)tid;
	(void)user;
	proc->ppid = pid - 17;
	strcpy(proc->name, "dnsperf");
	strcpy(proc->exe, "/usr/bin/dnsperf");
	return 0;
}

static void as_sender(struct dt_packet *pkt)
{
	if (pkt->sport == 53)
		return;
	pkt->flags |= DT_PKT_HAS_PROCESS;
	pkt->pid = 4242;
	pkt->tid = 4243;
	memcpy(pkt->comm, "dnsperf", 8);
	pkt->cgroup_id = 7321;
}

static int load_pcap(const char *path, struct dt_engine *eng)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	struct pcap_pkthdr *h;
	const u_char *data;
	int lt;

	if (!p) {
		fprintf(stderr, "sub_bench: %s\n", err);
		return -1;
	}
	lt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct dt_packet pkt = {0};

		pkt.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		pkt.direction = DT_DIR_UNKNOWN;
		pkt.netns = 4026531840u;
		pkt.ifindex = 7;
		if (dt_frame_parse(lt, data, h->caplen, h->len, &pkt))
			continue;
		if (pkt.sport != 53 && pkt.dport != 53)
			continue;
		as_sender(&pkt);
		dt_engine_packet(eng, &pkt);
	}
	pcap_close(p);
	return 0;
}

/* Without a capture: NSD-like answers to a dnsperf-like mix (73 % A, 20 %
 * AAAA, 2 % MX, 5 % NXDOMAIN) over 20 000 names of bench.test. */
static size_t put_name(uint8_t *p, unsigned i, bool nx)
{
	char label[16];
	int n = snprintf(label, sizeof(label), "%s%u", nx ? "nx" : "h", i);

	p[0] = (uint8_t)n;
	memcpy(p + 1, label, (size_t)n);
	memcpy(p + 1 + n, "\5bench\4test", 12);
	return (size_t)n + 13;
}

static size_t put_rr(uint8_t *p, uint16_t type, uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
	const uint8_t hdr[] = {
	    0xc0,	0x0c,	     type >> 8,	       type & 0xff,	0,
	    1,		ttl >> 24,   ttl >> 16 & 0xff, ttl >> 8 & 0xff, ttl & 0xff,
	    rdlen >> 8, rdlen & 0xff};

	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + sizeof(hdr), rd, rdlen);
	return sizeof(hdr) + rdlen;
}

static void load_synthetic(struct dt_engine *eng, size_t n)
{
	uint64_t ts = 1764162000ull * 1000000000ull;

	for (size_t i = 0; i < n; i++) {
		unsigned r = (unsigned)(i * 2654435761u >> 7) % 100, name = (unsigned)(i % 20000);
		bool nx = r >= 95;
		uint16_t qtype = r < 73 ? 1 : r < 93 ? 28 : r < 95 ? 15 : 1;
		uint8_t q[128], a[256];
		size_t ql = 12, al;
		struct dt_packet pkt = {.family = 4,
					.transport = DT_TRANSPORT_UDP,
					.netns = 4026531840u,
					.ifindex = 7,
					.direction = DT_DIR_UNKNOWN};

		memset(q, 0, 12);
		q[0] = (uint8_t)(i >> 8);
		q[1] = (uint8_t)i;
		q[2] = 0x01; /* RD */
		q[5] = 1;
		ql += put_name(q + ql, name, nx);
		q[ql++] = 0;
		q[ql++] = (uint8_t)qtype;
		q[ql++] = 0;
		q[ql++] = 1;
		memcpy(a, q, ql);
		a[2] = 0x85; /* QR AA RD */
		a[3] = nx ? 3 : 0;
		al = ql;
		if (!nx) {
			static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0x12};
			const uint8_t v4[4] = {10, 0, (uint8_t)(name >> 8), (uint8_t)name};
			const uint8_t mx[] = {0, 10, 2, 'm', 'x', 0xc0, 0x0c};

			a[7] = 1;
			al += qtype == 1    ? put_rr(a + al, 1, 3600, v4, 4)
			      : qtype == 28 ? put_rr(a + al, 28, 3600, v6, 16)
					    : put_rr(a + al, 15, 3600, mx, sizeof(mx));
		}
		memcpy(pkt.saddr, "\x0a\xd5\x08\x01", 4);
		memcpy(pkt.daddr, "\x0a\xd5\x08\x02", 4);
		pkt.sport = (uint16_t)(20000 + i % 20000);
		pkt.dport = 53;
		pkt.ts_ns = ts + i * 10000;
		pkt.payload = q;
		pkt.payload_len = pkt.orig_len = (uint32_t)ql;
		as_sender(&pkt);
		dt_engine_packet(eng, &pkt);
		memcpy(pkt.saddr, "\x0a\xd5\x08\x02", 4);
		memcpy(pkt.daddr, "\x0a\xd5\x08\x01", 4);
		pkt.sport = 53;
		pkt.dport = (uint16_t)(20000 + i % 20000);
		pkt.ts_ns += 61000;
		pkt.payload = a;
		pkt.payload_len = pkt.orig_len = (uint32_t)al;
		pkt.flags = 0;
		dt_engine_packet(eng, &pkt);
	}
}

static double cpu_s(void)
{
	return (double)dt_clock_ns(CLOCK_PROCESS_CPUTIME_ID) / 1e9;
}

enum pass { P_DECODE = 1, P_FORMAT = 2, P_FULL = 4 };

struct run {
	const struct corpus *c;
	uint64_t events;
	bool text;
	bool stdio;
	const char *out;
	struct dt_wire_msg *msg;
	char *line;
	size_t line_size;
	uint64_t bytes;
	uint64_t errors;
};

static int format(struct run *r, const struct dt_record *rec, char *buf, size_t size)
{
	return r->text ? dt_text_format(rec, buf, size) : dt_ecs_json(rec, buf, size);
}

/* Seconds of CPU for one pass; -1 on a setup error. Not inlined: callgrind
 * counts only it with --toggle-collect=one_pass. */
static __attribute__((noipa)) double one_pass(struct run *r, enum pass pass)
{
	struct dt_sub_out *so = NULL;
	FILE *f = NULL;
	size_t i = 0;
	double t0;

	if (pass == P_FULL && r->stdio && !(f = fopen(r->out, "w")))
		return -1;
	if (pass == P_FULL && !r->stdio &&
	    dt_sub_out_open(r->out, r->text ? DT_SUB_OUT_TEXT : DT_SUB_OUT_JSON, &so))
		return -1;
	t0 = cpu_s();
	for (uint64_t e = 0; e < r->events; e++) {
		const uint8_t *m = r->c->data + r->c->off[i];
		size_t len = (i + 1 < r->c->n ? r->c->off[i + 1] : r->c->len) - r->c->off[i];
		int n;

		if (++i == r->c->n)
			i = 0;
		if (dt_wire_decode(m, len, r->msg) || r->msg->kind != DT_WIRE_TRANSACTION) {
			r->errors++;
			continue;
		}
		if (pass == P_DECODE)
			continue;
		if (pass == P_FORMAT || f) {
			/* the subscriber before sub_out: format, newline, fwrite */
			n = format(r, &r->msg->rec, r->line, r->line_size);
			if (n < 0) {
				r->errors++;
				continue;
			}
			r->bytes += (uint64_t)n + 1;
			if (f) {
				r->line[n] = '\n';
				fwrite(r->line, 1, (size_t)n + 1, f);
			}
			continue;
		}
		if (dt_sub_out_record(so, &r->msg->rec) < 0)
			r->errors++;
	}
	if (f)
		fclose(f);
	if (so) {
		r->bytes += dt_sub_out_bytes(so);
		dt_sub_out_close(so);
	}
	return cpu_s() - t0;
}

static void usage(void)
{
	fprintf(stderr, "usage: sub_bench [-n EVENTS] [-r ROUNDS] [-c CORPUS] [-o OUT] "
			"[-f json|text] [-p decode|format|full] [--stdio] [--all-records] [PCAP]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"stdio", no_argument, NULL, 'S'},
					     {"all-records", no_argument, NULL, 'A'},
					     {0}};
	static const char *names[] = {
	    [P_DECODE] = "decode", [P_FORMAT] = "format", [P_FULL] = "full"};
	struct run r = {.events = 500000, .out = "/tmp/sub_bench.out"};
	struct dt_wire_publisher pub = {.host = "bench-host",
					.session_id = 0x1234567887654321ull,
					.version = "0.1.0",
					.pid = 4000,
					.start_time_ns = 1};
	struct corpus c = {.max = 50000};
	struct dt_engine_config cfg = {.host_name = "bench-host",
				       .emit = on_record,
				       .emit_user = &c,
				       .process_lookup = lookup,
				       .decode_keep = DNS_KEEP_ANSWER}; /* the daemon's default */
	struct dt_engine *eng = NULL;
	unsigned passes = P_DECODE | P_FORMAT | P_FULL;
	int rounds = 3;
	double t[P_FULL + 1] = {0};
	uint64_t bytes_full = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "n:r:c:o:f:p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'n':
			r.events = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			c.max = strtoull(optarg, NULL, 10);
			break;
		case 'o':
			r.out = optarg;
			break;
		case 'f':
			r.text = strcmp(optarg, "text") == 0;
			break;
		case 'p':
			passes = !strcmp(optarg, "decode")   ? P_DECODE
				 : !strcmp(optarg, "format") ? P_FORMAT
				 : !strcmp(optarg, "full")   ? P_FULL
							     : 0;
			break;
		case 'S':
			r.stdio = true;
			break;
		case 'A':
			cfg.decode_keep = DNS_KEEP_ALL;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!passes || !r.events || !c.max || rounds < 1) {
		usage();
		return 2;
	}
	if (!r.stdio) /* as dnstrail-sub does; the old one did not */
		dt_ecs_json_name_cache(DT_SUB_OUT_NAME_CACHE);
	c.off = calloc(c.max + 1, sizeof(*c.off));
	r.msg = calloc(1, sizeof(*r.msg));
	r.line_size = DT_ECS_JSON_MAX;
	r.line = malloc(r.line_size);
	if (!c.off || !r.msg || !r.line || dt_wire_encoder_new(&pub, &c.enc) ||
	    dt_engine_new(&cfg, &eng)) {
		fprintf(stderr, "sub_bench: out of memory\n");
		return 1;
	}
	if (optind < argc) {
		if (load_pcap(argv[optind], eng))
			return 1;
	} else {
		load_synthetic(eng, c.max);
	}
	dt_engine_flush(eng);
	if (c.err || !c.n) {
		fprintf(stderr, "sub_bench: no records (%s)\n", c.err ? strerror(-c.err) : "empty");
		return 1;
	}
	r.c = &c;
	printf("corpus: %zu records, %.0f bytes of protobuf each (%s), %llu events per pass, "
	       "best of %d\n",
	       c.n, (double)c.len / (double)c.n, optind < argc ? argv[optind] : "synthetic",
	       (unsigned long long)r.events, rounds);
	for (unsigned p = P_DECODE; p <= P_FULL; p <<= 1) {
		if (!(passes & p))
			continue;
		for (int i = 0; i < rounds; i++) {
			double tp;

			r.bytes = 0;
			tp = one_pass(&r, (enum pass)p);
			if (tp < 0) {
				fprintf(stderr, "sub_bench: cannot open %s\n", r.out);
				return 1;
			}
			if (!i || tp < t[p])
				t[p] = tp;
		}
		if (p == P_FULL)
			bytes_full = r.bytes;
		printf("%-7s %8.1f ns/event  %9.0f events/s\n", names[p], t[p] * 1e9 / r.events,
		       r.events / t[p]);
	}
	if (passes == (P_DECODE | P_FORMAT | P_FULL))
		printf("split: decode %.1f, %s %.1f, write %.1f ns/event; %.0f bytes/line, "
		       "output %s%s\n",
		       t[P_DECODE] * 1e9 / r.events, r.text ? "text" : "ecs_json",
		       (t[P_FORMAT] - t[P_DECODE]) * 1e9 / r.events,
		       (t[P_FULL] - t[P_FORMAT]) * 1e9 / r.events, (double)bytes_full / r.events,
		       r.out, r.stdio ? " (stdio)" : "");
	if (r.errors)
		printf("errors: %llu\n", (unsigned long long)r.errors);
	dt_engine_free(eng);
	dt_wire_encoder_free(c.enc);
	dt_wire_buf_release(&c.wb);
	dt_wire_msg_release(r.msg);
	free(r.msg);
	free(r.line);
	free(c.off);
	free(c.data);
	return r.errors ? 1 : 0;
}
