// SPDX-License-Identifier: MIT
/*
 * The pcap input end to end: a pcap file written with libpcap (nanosecond
 * timestamps) is replayed through the real engine; checks the records, the
 * file clock, the ports option, fragments counted, and init errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <unistd.h>

/* The plugin's context struct is private: test the file itself. */
#include "../../forwarder/inputs/in_pcap.c"

#include "dns_test_util.h"

#define T0 1700000000ull

struct got {
	int n;
	enum dt_status status[8];
	uint64_t qts[8], rts[8];
	char qname[8][64];
	uint16_t sport[8];
};

static struct got got;
static char path[64];

static void on_record(const struct dt_record *rec, void *user)
{
	const struct dns_msg *m = rec->query ? rec->query : rec->response;

	if (got.n >= 8)
		return;
	got.status[got.n] = rec->status;
	got.qts[got.n] = rec->query_ts_ns;
	got.rts[got.n] = rec->response_ts_ns;
	got.sport[got.n] = rec->src_port;
	snprintf(got.qname[got.n], sizeof(got.qname[0]), "%s",
		 m && m->has_question ? m->qname : "?");
	got.n++;
}

static struct wb fb;

/* Ethernet + IPv4 + UDP around a recorded message, into fb. */
static void build_frame(uint16_t sport, uint16_t dport, bool response, uint16_t frag,
			const char *file)
{
	uint8_t dns[2048];
	size_t n = wire_load(file, dns, sizeof(dns));
	struct wb *f = &fb;

	f->n = 0;
	wb_mem(f, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
	wb_u8(f, 0x45);
	wb_u8(f, 0);
	wb_u16(f, (uint16_t)(20 + 8 + n));
	wb_u16(f, 1);
	wb_u16(f, frag);
	wb_u8(f, 64);
	wb_u8(f, 17);
	wb_u16(f, 0);
	wb_mem(f, response ? "\xc0\x00\x02\x35" : "\xc0\x00\x02\x0a", 4);
	wb_mem(f, response ? "\xc0\x00\x02\x0a" : "\xc0\x00\x02\x35", 4);
	wb_u16(f, sport);
	wb_u16(f, dport);
	wb_u16(f, (uint16_t)(8 + n));
	wb_u16(f, 0);
	wb_mem(f, dns, n);
}

static void frame(pcap_dumper_t *d, uint64_t ts_ns, uint16_t sport, uint16_t dport, bool response,
		  uint16_t frag, const char *file)
{
	struct pcap_pkthdr h;

	build_frame(sport, dport, response, frag, file);
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000ull); /* ns: nano file */
	h.caplen = h.len = (bpf_u_int32)fb.n;
	pcap_dump((u_char *)d, &h, fb.b);
}

/* pcapng, little endian, written by hand: libpcap 1.10 only reads it. */
static void png_u32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void png_epb(FILE *f, uint64_t ts_ns, const uint8_t *data, size_t n)
{
	size_t pad = (4 - n % 4) % 4;
	uint32_t total = (uint32_t)(32 + n + pad);

	png_u32(f, 6);
	png_u32(f, total);
	png_u32(f, 0); /* interface */
	png_u32(f, (uint32_t)(ts_ns >> 32));
	png_u32(f, (uint32_t)ts_ns);
	png_u32(f, (uint32_t)n);
	png_u32(f, (uint32_t)n);
	fwrite(data, 1, n, f);
	fwrite("\0\0\0", 1, pad, f);
	png_u32(f, total);
}

static void write_pcapng(const char *file)
{
	FILE *f = fopen(file, "wb");

	assert_non_null(f);
	/* section header block */
	png_u32(f, 0x0a0d0d0a);
	png_u32(f, 28);
	png_u32(f, 0x1a2b3c4d);
	png_u32(f, 1); /* major 1, minor 0 */
	png_u32(f, 0xffffffff);
	png_u32(f, 0xffffffff);
	png_u32(f, 28);
	/* interface description block: Ethernet, if_tsresol = 9 (ns) */
	png_u32(f, 1);
	png_u32(f, 32);
	png_u32(f, 1);
	png_u32(f, 65535);
	png_u32(f, 9 | 1u << 16);
	png_u32(f, 9);
	png_u32(f, 0);
	png_u32(f, 32);
	build_frame(41000, 53, false, 0, "aaaa.query.bin");
	png_epb(f, T0 * 1000000000ull + 7, fb.b, fb.n);
	build_frame(53, 41000, true, 0, "aaaa.response.bin");
	png_epb(f, T0 * 1000000000ull + 1000007, fb.b, fb.n);
	fclose(f);
}

static int write_pcap(void **state)
{
	pcap_t *dead =
	    pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d;
	struct pcap_pkthdr h = {.caplen = 42, .len = 42};
	uint8_t arp[42] = {[12] = 0x08, [13] = 0x06};
	int fd;

	snprintf(path, sizeof(path), "/tmp/dnstrail-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	d = pcap_dump_open(dead, path);
	assert_non_null(d);
	frame(d, T0 * 1000000000ull + 100, 40000, 53, false, 0, "a.query.bin");
	frame(d, T0 * 1000000000ull + 2000100, 53, 40000, true, 0, "a.response.bin");
	frame(d, (T0 + 1) * 1000000000ull, 40001, 53, false, 0, "nxdomain.query.bin");
	frame(d, (T0 + 1) * 1000000000ull + 5, 40002, 53, false, 0x2000, "mx.query.bin");
	frame(d, (T0 + 2) * 1000000000ull, 40003, 5353, false, 0, "srv.query.bin");
	h.ts.tv_sec = T0 + 3;
	pcap_dump((u_char *)d, &h, arp);
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static int remove_pcap(void **state)
{
	unlink(path);
	return 0;
}

static struct dt_engine *new_engine(void)
{
	struct dt_engine_config cfg = {.emit = on_record, .tag = "dns", .host_name = "test"};
	struct dt_engine *e = NULL;

	assert_int_equal(dt_engine_new(&cfg, &e), 0);
	memset(&got, 0, sizeof(got));
	memset(&dt_stats, 0, sizeof(dt_stats));
	return e;
}

static void run(struct pcap_ctx *c, struct dt_engine *e, int *turns)
{
	struct dt_errbuf err = {""};
	int rc;

	assert_int_equal(dt_input_pcap.init(c, e, &err), 0);
	assert_int_equal(dt_input_pcap.poll_fd(c), -1);
	*turns = 0;
	do {
		rc = dt_input_pcap.collect(c);
		assert_true(rc == 0 || rc == 1);
		(*turns)++;
	} while (rc == 0 && *turns < 100);
	assert_int_equal(rc, 1);
	assert_int_equal(dt_input_pcap.collect(c), 1); /* stays finished */
	dt_input_pcap.exit(c);
}

static void test_replay(void **state)
{
	int64_t ports[] = {53};
	struct pcap_ctx c = {.path = path, .ports = ports, .n_ports = 1, .batch = 4096};
	struct dt_engine *e = new_engine();
	int turns;

	run(&c, e, &turns);
	assert_int_equal(turns, 1);
	assert_int_equal(got.n, 1); /* the answered query */
	assert_int_equal(got.status[0], DT_STATUS_OK);
	assert_string_equal(got.qname[0], "www.example.test");
	assert_int_equal(got.qts[0], T0 * 1000000000ull + 100);
	assert_int_equal(got.rts[0], T0 * 1000000000ull + 2000100);
	assert_int_equal(got.sport[0], 40000);
	/* a "first fragment" (MF) whose length is no multiple of 8 cannot be
	 * reassembled: given up at once, its query goes on alone (truncated) */
	assert_int_equal(dt_stats.ip_fragments, 1);
	assert_int_equal(dt_stats.packets_captured, 4);
	assert_int_equal(dt_stats.ip_reassembly_drops, 1);

	/* end of file: the pending queries time out */
	dt_engine_flush(e);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.status[1], DT_STATUS_TIMEOUT);
	assert_string_equal(got.qname[1], "nope.example.test");
	assert_int_equal(got.status[2], DT_STATUS_TIMEOUT);
	assert_int_equal(got.sport[2], 40002);
	dt_engine_free(e);
}

static void test_ports_and_batch(void **state)
{
	int64_t ports[] = {5353};
	struct pcap_ctx c = {.path = path, .ports = ports, .n_ports = 1, .batch = 1};
	struct dt_engine *e = new_engine();
	int turns;

	run(&c, e, &turns);
	assert_int_equal(turns, 7); /* 6 frames, one per turn, then the end */
	assert_int_equal(dt_stats.packets_captured, 1);
	dt_engine_flush(e);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.status[0], DT_STATUS_TIMEOUT);
	assert_string_equal(got.qname[0], "_sip._udp.example.test");
	dt_engine_free(e);
}

static void test_bpf_filter(void **state)
{
	int64_t ports[] = {53};
	struct pcap_ctx c = {
	    .path = path, .ports = ports, .n_ports = 1, .batch = 64, .bpf_filter = "src port 53"};
	struct dt_engine *e = new_engine();
	struct dt_errbuf err = {""};
	int turns;

	run(&c, e, &turns);
	assert_int_equal(dt_stats.packets_captured, 1);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.status[0], DT_STATUS_ORPHAN_RESPONSE);

	c.bpf_filter = "port and and";
	assert_int_equal(dt_input_pcap.init(&c, e, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bpf_filter"));
	assert_null(c.pcap);
	dt_engine_free(e);
}

static void test_pcapng(void **state)
{
	char png[64] = "/tmp/dnstrail-test-XXXXXX";
	int64_t ports[] = {53};
	struct pcap_ctx c = {.path = png, .ports = ports, .n_ports = 1, .batch = 16};
	struct dt_engine *e;
	int fd, turns;

	fd = mkstemp(png);
	assert_true(fd >= 0);
	close(fd);
	write_pcapng(png);
	e = new_engine();
	run(&c, e, &turns);
	unlink(png);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.status[0], DT_STATUS_OK);
	assert_string_equal(got.qname[0], "www.example.test");
	assert_int_equal(got.qts[0], T0 * 1000000000ull + 7);
	assert_int_equal(got.rts[0], T0 * 1000000000ull + 1000007);
	dt_engine_free(e);
}

/* The server port of a recorded session: the first frame is a query to it. */
static int64_t session_port(const char *file)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	struct dt_packet pkt = {0};
	pcap_t *p = pcap_open_offline(file, errbuf);

	assert_non_null(p);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(dt_frame_parse(pcap_datalink(p), data, h->caplen, h->len, &pkt), 0);
	pcap_close(p);
	return pkt.dport;
}

/* Real captures of tests/data/record-wire.py's session: tcpdump on lo
 * (Ethernet, pcap) and dumpcap on any (Linux cooked, pcapng). Every query
 * of the session must come out as one ok transaction, TCP ones included. */
static void replay_session(const char *name, int want_linktype)
{
	char file[512];
	int64_t ports[1];
	struct pcap_ctx c = {.path = file, .ports = ports, .n_ports = 1, .batch = 4096};
	struct dt_engine *e;
	int turns;

	snprintf(file, sizeof(file), "%s/%s", DT_WIRE_DIR, name);
	ports[0] = session_port(file);
	e = new_engine();
	run(&c, e, &turns);
	if (want_linktype == DLT_LINUX_SLL) /* dumpcap versions differ: SLL or SLL2 */
		assert_true(c.linktype == DLT_LINUX_SLL || c.linktype == DT_LINK_LINUX_SLL2);
	else
		assert_int_equal(c.linktype, want_linktype);
	dt_engine_flush(e);
	/* 22 UDP + 1 TCP queries over IPv4, 1 UDP + 1 TCP over IPv6 */
	assert_int_equal(dt_stats.transactions, 25);
	assert_int_equal(dt_stats.messages_decoded, 50);
	assert_int_equal(dt_stats.malformed, 0);
	assert_int_equal(dt_stats.timeouts, 0);
	assert_int_equal(dt_stats.orphan_responses, 0);
	assert_int_equal(dt_stats.tcp_reassembly_drops, 0);
	assert_int_equal(got.n, 8); /* got keeps the first eight */
	for (int i = 0; i < got.n; i++) {
		assert_int_equal(got.status[i], DT_STATUS_OK);
		assert_true(got.rts[i] > got.qts[i]);
		assert_true(got.rts[i] - got.qts[i] < 1000000000ull);
	}
	assert_string_equal(got.qname[0], "www.example.test");
	dt_engine_free(e);
}

static void test_real_capture_lo(void **state)
{
	replay_session("session-lo.pcap", DLT_EN10MB);
}

static void test_real_capture_any_pcapng(void **state)
{
	replay_session("session-any.pcapng", DLT_LINUX_SLL);
}

/* A capture cut off mid-packet (tcpdump killed) replays what it holds. */
static void test_cut_off_file(void **state)
{
	char src[512], cut[64] = "/tmp/dnstrail-test-XXXXXX";
	static uint8_t buf[1 << 16];
	int64_t ports[1];
	struct pcap_ctx c = {.path = cut, .ports = ports, .n_ports = 1, .batch = 4096};
	struct dt_engine *e;
	FILE *f;
	size_t n;
	int fd, turns;

	snprintf(src, sizeof(src), "%s/session-lo.pcap", DT_WIRE_DIR);
	ports[0] = session_port(src);
	f = fopen(src, "rb");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fd = mkstemp(cut);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n / 2 + 7), (ssize_t)(n / 2 + 7));
	close(fd);
	e = new_engine();
	run(&c, e, &turns);
	unlink(cut);
	assert_true(dt_stats.transactions > 5);
	assert_true(dt_stats.transactions < 25);
	assert_int_equal(dt_stats.malformed, 0);
	dt_engine_free(e);
}

static void test_init_errors(void **state)
{
	struct pcap_ctx c = {.path = "/nonexistent/x.pcap", .batch = 1};
	struct dt_errbuf err = {""};
	char other[64] = "/tmp/dnstrail-test-XXXXXX";
	pcap_t *dead;
	pcap_dumper_t *d;
	int fd;

	assert_int_equal(dt_input_pcap.init(&c, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/x.pcap"));

	/* a link type we do not parse (802.11) */
	fd = mkstemp(other);
	assert_true(fd >= 0);
	close(fd);
	dead = pcap_open_dead(DLT_IEEE802_11, 65535);
	d = pcap_dump_open(dead, other);
	pcap_dump_close(d);
	pcap_close(dead);
	c.path = other;
	err.msg[0] = '\0';
	assert_int_equal(dt_input_pcap.init(&c, NULL, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "not supported"));
	unlink(other);

	c.path = NULL;
	assert_int_equal(dt_input_pcap.init(&c, NULL, &err), -EINVAL);
	dt_input_pcap.exit(&c); /* after a failed init: no-op */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay),	    cmocka_unit_test(test_ports_and_batch),
	    cmocka_unit_test(test_bpf_filter),	    cmocka_unit_test(test_pcapng),
	    cmocka_unit_test(test_real_capture_lo), cmocka_unit_test(test_real_capture_any_pcapng),
	    cmocka_unit_test(test_cut_off_file),    cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, write_pcap, remove_pcap);
}
